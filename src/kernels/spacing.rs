//! Differential entropy of a sample by the m-spacing estimators, with SciPy's definitions
//! (`scipy.stats.differential_entropy`, after Noughabi 2015). For a sorted sample x_1 <= ... <=
//! x_n, a window m with 2 <= 2m < n, and x_j = x_1 for j < 1, x_j = x_n for j > n (the padding):
//!
//! | method | estimate |
//! |---|---|
//! | vasicek | mean_i ln(n / (2m) (x_{i+m} - x_{i-m})) |
//! | van es | 1/(n-m) sum_{i=1}^{n-m} ln((n+1)/m (x_{i+m} - x_i)) + sum_{k=m}^{n} 1/k + ln m - ln(n+1) |
//! | ebrahimi | mean_i ln(n (x_{i+m} - x_{i-m}) / (c_i m)), c_i = 1 + (i-1)/m for i <= m, 1 + (n-i)/m for i > n-m, else 2 |
//! | correa | -mean_i ln(sum_j (x_j - xbar_i)(j - i) / (n sum_j (x_j - xbar_i)^2)), j = i-m..i+m, xbar_i their mean |
//!
//! "auto" is van es for n <= 10, ebrahimi for n <= 1000, else vasicek; the default window is
//! floor(sqrt(n) + 0.5). Each term is formed in SciPy's order of operations, so that the logs
//! agree to the ulp and only the summation differs.
//!
//! Each sample is copied and sorted (`total_cmp`; NaN never reaches the sort), then the logs are
//! summed by the vector `ln` in leaves of [`LEAF`] terms combined by the fixed tree of
//! [`parallel`], so the bits do not depend on the thread count. Many samples are spread over
//! the pool a run of samples per task; one long sample is sorted by rayon's parallel sort and its
//! leaves summed across the pool (the same tree). Ties give a zero spacing and so -inf, as in
//! SciPy.

use super::{NanPolicy, Options};
use crate::error::{Arg, KernelError};
use crate::parallel::{self, counter_tree_sum, Leaves, TreeSum, Work};
use crate::simd::ln::ln_f64;
use crate::simd::{dispatch, FloatVec, Level, SimdTask};
use crate::strided::Input;
use rayon::prelude::*;
use std::marker::PhantomData;

/// Terms per leaf of the summation tree.
const LEAF: usize = 256;

/// Samples at least this long are sorted across the pool when the plan splits samples.
const PARALLEL_SORT: usize = 1 << 16;

/// A spacing estimator, or "auto" (chosen by the sample size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Auto,
    Vasicek,
    VanEs,
    Ebrahimi,
    Correa,
}

impl Method {
    /// The method named `name`, in any case (SciPy lower-cases it).
    pub fn parse(name: &str) -> Option<Method> {
        match name.to_lowercase().as_str() {
            "auto" => Some(Method::Auto),
            "vasicek" => Some(Method::Vasicek),
            "van es" => Some(Method::VanEs),
            "ebrahimi" => Some(Method::Ebrahimi),
            "correa" => Some(Method::Correa),
            _ => None,
        }
    }

    /// The method used for a sample of `n` values (SciPy's "auto" rule).
    pub fn resolve(self, n: usize) -> Method {
        match self {
            Method::Auto if n <= 10 => Method::VanEs,
            Method::Auto if n <= 1000 => Method::Ebrahimi,
            Method::Auto => Method::Vasicek,
            other => other,
        }
    }
}

/// SciPy's default window for `n` values: floor(sqrt(n) + 0.5).
pub fn default_window(n: usize) -> usize {
    ((n as f64).sqrt() + 0.5).floor() as usize
}

/// Whether window `m` fits a sample of `n`: 2 <= 2m < n.
fn window_fits(m: i128, n: usize) -> bool {
    m >= 1 && 2 * m < n as i128
}

/// Checks a window length against a sample size, in SciPy's words (users match them).
pub fn check_window(window: i64, n: usize) -> Result<usize, KernelError> {
    if window_fits(window.into(), n) {
        Ok(window as usize)
    } else {
        Err(KernelError::Layout(format!(
            "Window length ({window}) must be positive and less than half the sample size ({n})."
        )))
    }
}

/// What is estimated, and what a NaN or infinite value does.
#[derive(Clone, Copy, Debug)]
pub struct Spacing {
    pub method: Method,
    /// None: the default window of each sample's size.
    pub window: Option<usize>,
    pub base: Option<f64>,
    /// Propagate: the sample's estimate is NaN; Raise: an error at the value; Omit: NaNs are
    /// dropped first (a sample then too short for its window gives NaN, as SciPy).
    pub nan: NanPolicy,
    /// Infinite values are errors (else they flow through the arithmetic, as in SciPy).
    pub finite_only: bool,
}

/// A sum along the fixed tree.
#[derive(Clone, Copy, Default)]
struct Total(f64);

impl TreeSum for Total {
    fn zero() -> Self {
        Total(0.0)
    }
    #[inline(always)]
    fn combine(left: Self, right: Self) -> Self {
        Total(left.0 + right.0)
    }
}

/// The arguments of the logs of one method over a sorted sample `s` of `n` values.
#[derive(Clone, Copy)]
struct Terms<'a> {
    s: &'a [f64],
    method: Method,
    m: usize,
}

impl Terms<'_> {
    fn len(&self) -> usize {
        match self.method {
            Method::VanEs => self.s.len() - self.m,
            _ => self.s.len(),
        }
    }

    /// Writes the log arguments of terms `start..start + out.len()` (0-based i).
    #[inline(always)]
    fn fill(&self, start: usize, out: &mut [f64]) {
        let (s, m) = (self.s, self.m);
        let n = s.len();
        let end = start + out.len();
        match self.method {
            Method::Vasicek | Method::Auto => {
                let factor = n as f64 / (2 * m) as f64;
                spacings(s, m, start, out, |_, d| factor * d);
            }
            Method::Ebrahimi => {
                let (nf, mf) = (n as f64, m as f64);
                let middle = 2.0 * mf;
                spacings(s, m, start, out, |i, d| {
                    // i is 0-based; SciPy's i is 1-based.
                    let c = if i < m {
                        1.0 + i as f64 / mf
                    } else if i >= n - m {
                        1.0 + (n - 1 - i) as f64 / mf
                    } else {
                        return nf * d / middle;
                    };
                    nf * d / (c * mf)
                });
            }
            Method::VanEs => {
                let factor = (n + 1) as f64 / m as f64;
                for (slot, i) in out.iter_mut().zip(start..end) {
                    *slot = factor * (s[i + m] - s[i]);
                }
            }
            Method::Correa => {
                for (slot, i) in out.iter_mut().zip(start..end) {
                    *slot = correa_ratio(s, m, i);
                }
            }
        }
    }
}

/// `out[k] = f(i, x_{i+m} - x_{i-m})` for i = start + k, with the padding at the ends; the
/// middle, where no index is clamped, is a plain loop the compiler vectorises.
#[inline(always)]
fn spacings(s: &[f64], m: usize, start: usize, out: &mut [f64], f: impl Fn(usize, f64) -> f64) {
    let n = s.len();
    let end = start + out.len();
    let (lo, hi) = (m.clamp(start, end), (n - m).clamp(start, end));
    let edge = |i: usize| f(i, s[(i + m).min(n - 1)] - s[i.saturating_sub(m)]);
    for i in start..lo {
        out[i - start] = edge(i);
    }
    if lo < hi {
        let (ahead, behind) = (&s[lo + m..hi + m], &s[lo - m..hi - m]);
        for ((slot, (a, b)), i) in out[lo - start..hi - start]
            .iter_mut()
            .zip(ahead.iter().zip(behind))
            .zip(lo..hi)
        {
            *slot = f(i, a - b);
        }
    }
    for i in hi..end {
        out[i - start] = edge(i);
    }
}

/// Correa's local regression slope over the window of term i (0-based), divided as SciPy does:
/// sum_j (x_j - xbar)(j - i) / (n sum_j (x_j - xbar)^2), sums in window order.
#[inline(always)]
fn correa_ratio(s: &[f64], m: usize, i: usize) -> f64 {
    let n = s.len();
    let at = |j: isize| s[j.clamp(0, n as isize - 1) as usize];
    let (first, last) = (i as isize - m as isize, i as isize + m as isize);
    let mut total = 0.0;
    for j in first..=last {
        total += at(j);
    }
    let mean = total / (2 * m + 1) as f64;
    let (mut num, mut den) = (0.0, 0.0);
    for j in first..=last {
        let d = at(j) - mean;
        num += d * (j - i as isize) as f64;
        den += d * d;
    }
    num / (n as f64 * den)
}

/// Sum of ln over `x` with two vector accumulators; lanes past the end are 1 (ln 1 = 0).
#[inline(always)]
fn sum_ln<V: FloatVec<Elem = f64>>(x: &[f64]) -> f64 {
    let lanes = V::LANES;
    let mut acc = [V::splat(0.0); 2];
    let whole = x.len() - x.len() % (2 * lanes);
    let mut at = 0;
    while at < whole {
        // SAFETY: at + 2 LANES <= x.len().
        let (a, b) = unsafe {
            (
                V::load(x.as_ptr().add(at)),
                V::load(x.as_ptr().add(at + lanes)),
            )
        };
        acc[0] = acc[0].add(ln_f64(a));
        acc[1] = acc[1].add(ln_f64(b));
        at += 2 * lanes;
    }
    while at < x.len() {
        let k = (x.len() - at).min(lanes);
        let mut pad = [1.0f64; 8];
        pad[..k].copy_from_slice(&x[at..at + k]);
        // SAFETY: the pad holds 8 >= LANES elements.
        acc[0] = acc[0].add(ln_f64(unsafe { V::load(pad.as_ptr()) }));
        at += k;
    }
    acc[0].horizontal_sum() + acc[1].horizontal_sum()
}

/// Leaves of a sample's log sum: each fills a buffer with its log arguments, then sums the logs.
struct LnLeaves<'a, V> {
    terms: Terms<'a>,
    first: usize,
    buf: [f64; LEAF],
    vector: PhantomData<V>,
}

impl<V: FloatVec<Elem = f64>> Leaves for LnLeaves<'_, V> {
    type Sum = Total;
    #[inline(always)]
    fn leaf(&mut self, index: usize) -> Total {
        let start = (self.first + index) * LEAF;
        let len = (self.terms.len() - start).min(LEAF);
        let buf = &mut self.buf[..len];
        self.terms.fill(start, buf);
        Total(sum_ln::<V>(buf))
    }
}

/// The tree sum of leaves `first..first + count` of a sample's logs.
struct LnSum<'a> {
    terms: Terms<'a>,
    first: usize,
    count: usize,
}

impl SimdTask for LnSum<'_> {
    type Output = Total;
    #[inline(always)]
    fn run<L: Level>(self) -> Total {
        let mut leaves = LnLeaves::<L::F64> {
            terms: self.terms,
            first: self.first,
            buf: [0.0; LEAF],
            vector: PhantomData,
        };
        counter_tree_sum(self.count, &mut leaves)
    }
}

/// sum_{k=m}^{n} 1/k, smallest terms first.
fn harmonic(m: usize, n: usize) -> f64 {
    (m..=n).rev().fold(0.0, |total, k| total + 1.0 / k as f64)
}

/// The estimate (nats) of a sorted sample with window m.
fn estimate(s: &[f64], m: usize, method: Method, options: &Options, split: bool) -> f64 {
    let n = s.len();
    let terms = Terms { s, method, m };
    let leaves = terms.len().div_ceil(LEAF);
    let run = |first: usize, count: usize| {
        dispatch(
            options.level,
            LnSum {
                terms,
                first,
                count,
            },
        )
    };
    let cost = LEAF
        * if method == Method::Correa {
            4 * m + 2
        } else {
            8
        };
    let sum = parallel::tree_sum(leaves, cost, split, &run).0;
    finish(method, sum, n, m)
}

/// The estimate from the sum of the logs of its terms, as SciPy finishes it.
fn finish(method: Method, sum: f64, n: usize, m: usize) -> f64 {
    match method {
        Method::VanEs => {
            let term1 = 1.0 / (n - m) as f64 * sum;
            term1 + harmonic(m, n) + (m as f64).ln() - ((n + 1) as f64).ln()
        }
        Method::Correa => -(sum / n as f64),
        _ => sum / n as f64,
    }
}

/// Samples up to this long are sorted a vector of samples at a time (one per lane) by a sorting
/// network: a comparison sort of a short sample costs ~20 ns a value in branch mispredictions,
/// the network ~1 ns a value for all lanes at once, without branches.
const NETWORK_MAX: usize = 256;

/// Batcher's odd-even merge sort network for `n` values: compare-exchange pairs (a, b), a < b,
/// in order. The network of the next power of two, less the pairs that reach past `n`: those
/// positions hold +inf in the padded input, which such a pair never moves.
fn network(n: usize) -> Vec<(u32, u32)> {
    let size = n.next_power_of_two();
    let mut pairs = Vec::new();
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < size {
                for i in 0..k {
                    let (a, b) = (i + j, i + j + k);
                    if b < n && a / (2 * p) == b / (2 * p) {
                        pairs.push((a as u32, b as u32));
                    }
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    pairs
}

/// Short samples `first..first + out.len()`, a vector of them at a time: value j of the sample
/// in lane r is `cols[j * LANES + r]`, sorted by the network, then every term is one vector op
/// across the lanes and each lane sums its logs in term order (so a sample's result does not
/// depend on which samples share its vector). Samples with a NaN under Omit take
/// [`sample_entropy`] (their length differs).
struct Batch<'a, 'x> {
    x: &'a Input<'x>,
    spec: &'a Spacing,
    options: &'a Options,
    network: &'a [(u32, u32)],
    first: usize,
    out: &'a mut [f64],
}

impl SimdTask for Batch<'_, '_> {
    type Output = Option<KernelError>;
    #[inline(always)]
    fn run<L: Level>(self) -> Option<KernelError> {
        type V<L> = <L as Level>::F64;
        let lanes = V::<L>::LANES;
        let (x, spec) = (self.x, self.spec);
        let n = x.reduce_len();
        let m = spec.window.unwrap_or_else(|| default_window(n));
        let method = spec.method.resolve(n);
        let ln_base = ln_of_base(spec.base);
        let mut cols = vec![0.0f64; n * lanes];
        let mut block = Vec::new();
        let mut sample = Vec::new();
        let count = self.out.len();
        for group in (0..count).step_by(lanes) {
            let here = lanes.min(count - group);
            // Per lane: 0 valid, 1 NaN (Propagate), 2 NaN (Omit: computed alone).
            let mut state = [0u8; 8];
            for (r, lane_state) in state.iter_mut().enumerate().take(lanes) {
                // Spare lanes repeat the last sample (their results are dropped).
                let d = self.first + group + r.min(here - 1);
                match read_sample(x, d, spec, &mut block, &mut sample) {
                    Err(error) => return Some(error),
                    Ok(false) => *lane_state = 1,
                    Ok(true) if sample.len() < n => *lane_state = 2,
                    Ok(true) => {}
                }
                for (j, &value) in sample.iter().enumerate() {
                    cols[j * lanes + r] = value;
                }
                // Any finite values keep a NaN lane's sort and logs harmless.
                for j in sample.len()..n {
                    cols[j * lanes + r] = 0.0;
                }
            }
            sort_lanes::<V<L>>(&mut cols, self.network);
            let sums = lane_sums::<V<L>>(&cols, n, m, method);
            for r in 0..here {
                let slot = &mut self.out[group + r];
                *slot = match state[r] {
                    0 => finish(method, sums[r], n, m) / ln_base,
                    1 => f64::NAN,
                    _ => {
                        let mut scratch = (Vec::new(), Vec::new());
                        let d = self.first + group + r;
                        match sample_entropy(x, d, spec, self.options, false, &mut scratch) {
                            Ok(value) => value,
                            Err(error) => return Some(error),
                        }
                    }
                };
            }
        }
        None
    }
}

/// Applies the network to every lane of `cols` (NaN never reaches here).
#[inline(always)]
fn sort_lanes<V: FloatVec<Elem = f64>>(cols: &mut [f64], network: &[(u32, u32)]) {
    let lanes = V::LANES;
    let ptr = cols.as_mut_ptr();
    for &(a, b) in network {
        let (a, b) = (a as usize * lanes, b as usize * lanes);
        debug_assert!(a < b && b + lanes <= cols.len());
        // SAFETY: a < b < n, and cols holds n vectors of LANES values.
        unsafe {
            let (va, vb) = (V::load(ptr.add(a)), V::load(ptr.add(b)));
            let less = vb.lt(va);
            V::select(less, vb, va).store(ptr.add(a));
            V::select(less, va, vb).store(ptr.add(b));
        }
    }
}

/// Value j of every lane.
#[inline(always)]
fn col<V: FloatVec<Elem = f64>>(cols: &[f64], j: usize) -> V {
    debug_assert!((j + 1) * V::LANES <= cols.len());
    // SAFETY: j < n (callers clamp), and cols holds n vectors.
    unsafe { V::load(cols.as_ptr().add(j * V::LANES)) }
}

/// Each lane's sum of the logs of its terms (the same terms, in the same operations, as
/// [`Terms::fill`]), in term order.
#[inline(always)]
fn lane_sums<V: FloatVec<Elem = f64>>(
    cols: &[f64],
    n: usize,
    m: usize,
    method: Method,
) -> [f64; 8] {
    let (nf, mf) = (n as f64, m as f64);
    let gap =
        |i: usize| col::<V>(cols, (i + m).min(n - 1)).sub(col::<V>(cols, i.saturating_sub(m)));
    let mut acc = V::splat(0.0);
    match method {
        Method::VanEs => {
            let factor = V::splat((n + 1) as f64 / mf);
            for i in 0..n - m {
                let d = col::<V>(cols, i + m).sub(col::<V>(cols, i));
                acc = acc.add(ln_f64(factor.mul(d)));
            }
        }
        Method::Ebrahimi => {
            let scaled = V::splat(nf);
            for i in 0..n {
                let c = if i < m {
                    1.0 + i as f64 / mf
                } else if i >= n - m {
                    1.0 + (n - 1 - i) as f64 / mf
                } else {
                    2.0
                };
                acc = acc.add(ln_f64(scaled.mul(gap(i)).div(V::splat(c * mf))));
            }
        }
        Method::Correa => {
            let width = V::splat((2 * m + 1) as f64);
            let scaled = V::splat(nf);
            for i in 0..n as isize {
                let at = |j: isize| col::<V>(cols, j.clamp(0, n as isize - 1) as usize);
                let (first, last) = (i - m as isize, i + m as isize);
                let mut total = V::splat(0.0);
                for j in first..=last {
                    total = total.add(at(j));
                }
                let mean = total.div(width);
                let (mut num, mut den) = (V::splat(0.0), V::splat(0.0));
                for j in first..=last {
                    let d = at(j).sub(mean);
                    num = num.add(d.mul(V::splat((j - i) as f64)));
                    den = den.add(d.mul(d));
                }
                acc = acc.add(ln_f64(num.div(scaled.mul(den))));
            }
        }
        _ => {
            let factor = V::splat(nf / (2 * m) as f64);
            for i in 0..n {
                acc = acc.add(ln_f64(factor.mul(gap(i))));
            }
        }
    }
    let mut sums = [0.0f64; 8];
    // SAFETY: at most 8 f64 lanes.
    unsafe { acc.store(sums.as_mut_ptr()) };
    sums
}

/// `x`'s bits as an unsigned key in `total_cmp`'s order: negatives (sign set) reversed, then
/// the sign bit flipped so that they come first.
#[inline(always)]
fn key(x: u64) -> u64 {
    if x >> 63 == 1 {
        !x
    } else {
        x | 1 << 63
    }
}

/// The inverse of [`key`].
#[inline(always)]
fn unkey(k: u64) -> u64 {
    if k >> 63 == 1 {
        k & !(1 << 63)
    } else {
        !k
    }
}

/// Sorts `values` (no NaN) as `sort_unstable_by(total_cmp)` would, as order-preserving u64 keys
/// (an integer compare is cheaper than `total_cmp`'s per-compare bit twiddling: 0.50 s against
/// 0.75 s for 1e7 values), across the pool when `parallel`. The sorted sample is unique, so the
/// result does not depend on the thread count.
fn key_sort(values: &mut [f64], parallel: bool) {
    let n = values.len();
    // SAFETY: f64 and u64 have the same size and alignment, and every bit pattern is a valid u64.
    let keys = unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u64>(), n) };
    keys.iter_mut().for_each(|k| *k = key(*k));
    // In the pool, so that the sort's tasks run on its threads (the estimate's caller may be
    // outside it); on this thread alone if there is no pool.
    if !(parallel && parallel::install(|| keys.par_sort_unstable()).is_ok()) {
        keys.sort_unstable();
    }
    keys.iter_mut().for_each(|k| *k = unkey(*k));
}

/// Reads sample `d` into `sample` (NaNs dropped under Omit), checking its values; `Ok(false)`
/// when the estimate is NaN (a NaN under Propagate).
fn read_sample(
    x: &Input<'_>,
    d: usize,
    spec: &Spacing,
    block: &mut Vec<f64>,
    sample: &mut Vec<f64>,
) -> Result<bool, KernelError> {
    let n = x.reduce_len();
    if !x.is_direct::<f64>() {
        block.resize(n, 0.0);
    }
    let values = x.fetch_f64(x.distribution_offset(d), 0, n, block);
    sample.clear();
    if values.iter().all(|v| v.is_finite()) {
        sample.extend_from_slice(values);
        return Ok(true);
    }
    for (position, &value) in values.iter().enumerate() {
        if value.is_nan() {
            match spec.nan {
                NanPolicy::Omit => continue,
                NanPolicy::Propagate => return Ok(false),
                NanPolicy::Raise => {
                    return Err(KernelError::Nan {
                        arg: Arg::P,
                        distribution: d,
                        position,
                    })
                }
            }
        }
        if spec.finite_only && value.is_infinite() {
            return Err(KernelError::Infinite {
                arg: Arg::P,
                distribution: d,
                position,
                value,
            });
        }
        sample.push(value);
    }
    Ok(true)
}

/// ln of the base, 1 without one. The log is called only when there is a base: written as a
/// plain `map_or`, LLVM calls it speculatively on the payload of `None` (uninitialised) and
/// selects 1 afterwards, harmless for the result but a branch on uninitialised memory inside
/// libm that valgrind reports (`.ci/memcheck`).
#[inline(never)]
fn ln_of_base(base: Option<f64>) -> f64 {
    match base {
        Some(b) => std::hint::black_box(b).ln(),
        None => 1.0,
    }
}

/// The estimate for sample `d` (see [`differential_entropy`]).
fn sample_entropy(
    x: &Input<'_>,
    d: usize,
    spec: &Spacing,
    options: &Options,
    split: bool,
    scratch: &mut (Vec<f64>, Vec<f64>),
) -> Result<f64, KernelError> {
    let (block, sample) = scratch;
    if !read_sample(x, d, spec, block, sample)? {
        return Ok(f64::NAN);
    }
    let n = sample.len();
    let m = spec.window.unwrap_or_else(|| default_window(n));
    if !window_fits(m as i128, n) {
        // Only under Omit (the full size was checked): SciPy's NaN for a slice too small.
        return Ok(f64::NAN);
    }
    key_sort(sample, split && n >= PARALLEL_SORT);
    let value = estimate(sample, m, spec.method.resolve(n), options, split);
    Ok(spec.base.map_or(value, |_| value / ln_of_base(spec.base)))
}

/// The differential entropy of each sample of `x` (the batch of its distributions, each along
/// the reduced axes) into `out`, one value per sample in C order.
///
/// The window (given, or the default of the full sample size) must satisfy 2 <= 2m < n, else a
/// `Layout` error in SciPy's words. A NaN raises `Nan` at its position under `Raise`; an
/// infinite value raises `Infinite` when `finite_only`. The first error of the lowest sample wins.
pub fn differential_entropy(
    x: &Input<'_>,
    spec: &Spacing,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    super::options::check_base(spec.base)?;
    let n = x.reduce_len();
    let samples: usize = x.batch_shape().iter().product();
    if out.len() != samples {
        return Err(KernelError::Layout(format!(
            "out has {} slots for {samples} samples",
            out.len()
        )));
    }
    let window = spec.window.unwrap_or_else(|| default_window(n));
    check_window(window as i64, n)?;
    // A comparison sort: about log2 n compares per value, plus the logs.
    let log_n = usize::BITS as usize - n.leading_zeros() as usize;
    let per_value = log_n
        + 8
        + if spec.method == Method::Correa {
            4 * window
        } else {
            0
        };
    let work = Work::new(samples, n.saturating_mul(per_value)).splittable(LEAF * 8);
    let network = if n <= NETWORK_MAX {
        network(n)
    } else {
        Vec::new()
    };
    let task = |first: usize, _count: usize, out: &mut [f64], split: bool| {
        if n <= NETWORK_MAX {
            let batch = Batch {
                x,
                spec,
                options,
                network: &network,
                first,
                out,
            };
            return dispatch(options.level, batch);
        }
        let mut scratch = (Vec::new(), Vec::with_capacity(n));
        for (k, slot) in out.iter_mut().enumerate() {
            match sample_entropy(x, first + k, spec, options, split, &mut scratch) {
                Ok(value) => *slot = value,
                Err(error) => return Some(error),
            }
        }
        None
    };
    parallel::schedule(work, options.parallel, out, &task)?.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::SimdLevel;
    use crate::strided::Strided;

    fn spec(method: Method, window: Option<usize>) -> Spacing {
        Spacing {
            method,
            window,
            base: None,
            nan: NanPolicy::Raise,
            finite_only: true,
        }
    }

    fn run(data: &[f64], rows: usize, spec: &Spacing, options: &Options) -> Vec<f64> {
        let n = data.len() / rows;
        let x = Input::F64(Strided::from_slice(data, &[rows], n).unwrap());
        let mut out = vec![0.0; rows];
        differential_entropy(&x, spec, options, &mut out).unwrap();
        out
    }

    /// Plain scalar transcriptions of SciPy's padded-array formulas.
    fn naive(sample: &[f64], m: usize, method: Method) -> f64 {
        let mut s = sample.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let nf = n as f64;
        let x = |j: isize| s[j.clamp(0, n as isize - 1) as usize];
        let d = |i: usize| x(i as isize + m as isize) - x(i as isize - m as isize);
        match method.resolve(n) {
            Method::Vasicek => {
                (0..n)
                    .map(|i| (nf / (2 * m) as f64 * d(i)).ln())
                    .sum::<f64>()
                    / nf
            }
            Method::Ebrahimi => {
                (0..n)
                    .map(|i| {
                        let i1 = i as f64 + 1.0;
                        let mut c = if i1 <= m as f64 {
                            1.0 + (i1 - 1.0) / m as f64
                        } else {
                            2.0
                        };
                        if i1 >= (n - m + 1) as f64 {
                            c = 1.0 + (nf - i1) / m as f64;
                        }
                        (nf * d(i) / (c * m as f64)).ln()
                    })
                    .sum::<f64>()
                    / nf
            }
            Method::VanEs => {
                let t: f64 = (0..n - m)
                    .map(|i| ((n + 1) as f64 / m as f64 * (s[i + m] - s[i])).ln())
                    .sum();
                let h: f64 = (m..=n).map(|k| 1.0 / k as f64).sum();
                t / (n - m) as f64 + h + (m as f64).ln() - ((n + 1) as f64).ln()
            }
            _ => {
                let mut total = 0.0;
                for i in 0..n as isize {
                    let w: Vec<f64> = (i - m as isize..=i + m as isize).map(x).collect();
                    let mean = w.iter().sum::<f64>() / w.len() as f64;
                    let num: f64 = w
                        .iter()
                        .zip(-(m as isize)..)
                        .map(|(v, k)| (v - mean) * k as f64)
                        .sum();
                    let den: f64 = w.iter().map(|v| (v - mean) * (v - mean)).sum();
                    total += (num / (nf * den)).ln();
                }
                -total / nf
            }
        }
    }

    fn sample(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn every_method_matches_the_padded_formulas() {
        for n in [3usize, 5, 11, 50, 257, 1001, 3000] {
            let data = sample(n, n as u64);
            for method in [
                Method::Auto,
                Method::Vasicek,
                Method::VanEs,
                Method::Ebrahimi,
                Method::Correa,
            ] {
                for m in [1, default_window(n), (n - 1) / 2] {
                    if !window_fits(m as i128, n) {
                        continue;
                    }
                    for level in SimdLevel::available() {
                        let got = run(&data, 1, &spec(method, Some(m)), &Options::at(level))[0];
                        let want = naive(&data, m, method);
                        assert!(
                            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                            "n {n} m {m} {method:?} {level:?}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn threads_do_not_change_the_bits() {
        let long = sample(300_000, 7);
        let rows = sample(50 * 4000, 8);
        let mut seen = Vec::new();
        for threads in [1, 2, 3] {
            parallel::set_num_threads(threads).unwrap();
            let a = run(&long, 1, &spec(Method::Auto, None), &Options::default());
            let b = run(
                &rows,
                4000,
                &spec(Method::Ebrahimi, Some(7)),
                &Options::default(),
            );
            seen.push((
                a[0].to_bits(),
                b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            ));
        }
        parallel::set_num_threads(2).unwrap();
        assert!(seen.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn bad_values_and_windows_are_reported() {
        let mut data = sample(40, 1);
        data[27] = f64::NAN;
        let x = Input::F64(Strided::from_slice(&data, &[2], 20).unwrap());
        let mut out = vec![0.0; 2];
        let error =
            differential_entropy(&x, &spec(Method::Auto, None), &Options::default(), &mut out);
        assert_eq!(
            error,
            Err(KernelError::Nan {
                arg: Arg::P,
                distribution: 1,
                position: 7
            })
        );
        let omit = Spacing {
            nan: NanPolicy::Omit,
            ..spec(Method::Auto, None)
        };
        differential_entropy(&x, &omit, &Options::default(), &mut out).unwrap();
        let want = naive(&[&data[20..27], &data[28..]].concat(), 4, Method::Auto);
        assert!((out[1] - want).abs() < 1e-12);
        for m in [0, 10, 11] {
            let error = check_window(m, 20).unwrap_err().to_string();
            assert!(error.contains(&format!("Window length ({m})")), "{error}");
        }
        assert_eq!(check_window(9, 20), Ok(9));
    }

    #[test]
    fn the_network_sorts_every_length() {
        for n in 1..=NETWORK_MAX {
            let pairs = network(n);
            for seed in 0..4 {
                let mut values = sample(n, seed * 1000 + n as u64);
                // Ties and repeated runs, as real samples have.
                if seed == 3 {
                    values.iter_mut().for_each(|v| *v = (*v * 3.0).round());
                }
                let mut want = values.clone();
                want.sort_by(f64::total_cmp);
                for &(a, b) in &pairs {
                    let (a, b) = (a as usize, b as usize);
                    if values[b] < values[a] {
                        values.swap(a, b);
                    }
                }
                assert_eq!(values, want, "n {n}");
            }
        }
    }

    #[test]
    fn key_sort_orders_as_total_cmp() {
        let mut values = sample(5000, 3);
        values.iter_mut().step_by(7).for_each(|v| *v = -*v * 1e300);
        values.iter_mut().step_by(11).for_each(|v| *v = v.round());
        values[..8].copy_from_slice(&[
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
        ]);
        let mut want = values.clone();
        want.sort_by(f64::total_cmp);
        parallel::install(|| {
            for parallel in [false, true] {
                let mut got = values.clone();
                key_sort(&mut got, parallel);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "parallel {parallel}");
            }
        })
        .unwrap();
    }

    #[test]
    fn short_and_long_samples_agree() {
        // 256 values take the network, 257 the comparison sort: same estimates to rounding.
        for n in [256usize, 257] {
            let data = sample(3 * n, 11);
            let got = run(
                &data,
                3,
                &spec(Method::Vasicek, Some(9)),
                &Options::default(),
            );
            for (r, value) in got.iter().enumerate() {
                let want = naive(&data[r * n..(r + 1) * n], 9, Method::Vasicek);
                assert!((value - want).abs() < 1e-13, "n {n}: {value} vs {want}");
            }
        }
    }

    #[test]
    fn ties_give_minus_infinity() {
        let data = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        let got = run(
            &data,
            1,
            &spec(Method::Vasicek, Some(1)),
            &Options::default(),
        );
        assert_eq!(got[0], f64::NEG_INFINITY);
    }
}
