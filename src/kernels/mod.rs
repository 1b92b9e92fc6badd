//! Reductions of the entropy family: one generic driver, one small per-element term per measure.
//!
//! Every measure reduces a distribution to mergeable partial sums ([`Partial`]): the masses
//! S_p = sum p and S_q = sum q, and `core`, the sum of the measure's term. With the normalised
//! p/S_p and q/S_q the measures follow from those sums alone:
//!
//! | measure | term | normalize = true | normalize = false |
//! |---|---|---|---|
//! | entropy H(p) | p ln p | ln S_p - core / S_p | -core |
//! | cross-entropy H(p, q) | p ln q | ln S_q - core / S_p | -core |
//! | KL(p ‖ q) | p (ln p - ln q) | core / S_p - ln S_p + ln S_q | core |
//!
//! A term with p = 0 is 0 whatever q is (0 ln 0 = 0); p > 0 with q = 0 gives +inf. Partial sums of
//! pieces of a distribution add up (`Partial::combine`), which is what streaming and distributed
//! reductions build on.

use crate::error::{Arg, KernelError};
use crate::parallel::{self, counter_tree_sum, TreeSum};
use crate::simd::ln::VectorLn;
use crate::simd::{dispatch, FloatVec, Real, SimdLevel, SimdTask};
use crate::strided::Input;
use rayon::prelude::*;

/// The measures the generic driver computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    Entropy,
    CrossEntropy,
    KlDivergence,
}

impl Measure {
    /// Whether the measure takes a second distribution `q`.
    pub fn is_binary(self) -> bool {
        !matches!(self, Measure::Entropy)
    }
}

/// What a NaN entry does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NanPolicy {
    /// The distribution's result is NaN.
    Propagate,
    /// A NaN entry is an error naming its position.
    Raise,
    /// Positions where p or q is NaN are dropped (pairwise).
    Omit,
}

/// Options shared by the measures.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Divide each distribution by its own sum (in the same pass).
    pub normalize: bool,
    pub nan_policy: NanPolicy,
    /// Logarithm base; `None` means nats.
    pub base: Option<f64>,
    pub level: SimdLevel,
    /// Spread work over the pool (`false` keeps it on the calling thread).
    pub parallel: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            normalize: true,
            nan_policy: NanPolicy::Propagate,
            base: None,
            level: SimdLevel::current(),
            parallel: true,
        }
    }
}

/// Mergeable partial sums of one distribution (or a piece of one).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Partial {
    pub mass_p: f64,
    pub mass_q: f64,
    pub core: f64,
}

impl Partial {
    /// The sums of two adjacent pieces, `self` first.
    #[inline]
    pub fn combine(self, other: Partial) -> Partial {
        Partial {
            mass_p: self.mass_p + other.mass_p,
            mass_q: self.mass_q + other.mass_q,
            core: self.core + other.core,
        }
    }

    /// The measure from these sums (see the module table), in nats.
    pub fn finish(self, measure: Measure, normalize: bool) -> f64 {
        let value = match (measure, normalize) {
            (Measure::Entropy, true) => self.mass_p.ln() - self.core / self.mass_p,
            (Measure::CrossEntropy, true) => self.mass_q.ln() - self.core / self.mass_p,
            (Measure::KlDivergence, true) => {
                self.core / self.mass_p - self.mass_p.ln() + self.mass_q.ln()
            }
            (Measure::Entropy | Measure::CrossEntropy, false) => -self.core,
            (Measure::KlDivergence, false) => self.core,
        };
        // All three are >= 0 for normalised distributions: rounding must not make them negative.
        if normalize && value < 0.0 {
            0.0
        } else {
            value
        }
    }
}

/// A leaf's sums plus whether it saw an entry that is not finite and non-negative.
#[derive(Clone, Copy, Debug, Default)]
struct LeafSums {
    sums: Partial,
    suspicious: bool,
}

impl TreeSum for LeafSums {
    fn zero() -> Self {
        LeafSums::default()
    }
    #[inline(always)]
    fn combine(left: Self, right: Self) -> Self {
        LeafSums {
            sums: left.sums.combine(right.sums),
            suspicious: left.suspicious | right.suspicious,
        }
    }
}

/// Accumulators of one in-flight leaf.
struct Accumulators<V: FloatVec> {
    mass_p: V::Acc,
    mass_q: V::Acc,
    core: V::Acc,
    valid: V::Mask,
}

impl<V: FloatVec> Accumulators<V> {
    #[inline(always)]
    fn new() -> Self {
        Accumulators {
            mass_p: V::acc_zero(),
            mass_q: V::acc_zero(),
            core: V::acc_zero(),
            valid: V::mask_true(),
        }
    }
}

/// The per-element term of each measure on one vector (only lanes with p > 0 count).
#[inline(always)]
fn term<V: FloatVec>(measure: Measure, p: V, q: V) -> V
where
    V::Elem: VectorLn,
{
    let zero = V::splat(V::Elem::ZERO);
    let value = match measure {
        Measure::Entropy => p.mul(V::Elem::ln_vec(p)),
        Measure::CrossEntropy => p.mul(V::Elem::ln_vec(q)),
        Measure::KlDivergence => p.mul(V::Elem::ln_vec(p).sub(V::Elem::ln_vec(q))),
    };
    V::select(p.gt(zero), value, zero)
}

/// Folds one vector of p (and q) into the accumulators.
#[inline(always)]
fn accumulate<V: FloatVec>(
    acc: &mut Accumulators<V>,
    measure: Measure,
    omit_nan: bool,
    scale: [V; 2],
    p: V,
    q: V,
) where
    V::Elem: VectorLn,
{
    let zero = V::splat(V::Elem::ZERO);
    let (mut p, mut q) = (p, q);
    if omit_nan {
        // Dropping a position is the same as making both entries zero: zeros add nothing.
        let drop = V::mask_or(p.is_nan(), q.is_nan());
        p = V::select(drop, zero, p);
        q = V::select(drop, zero, q);
    }
    p = p.mul(scale[0]);
    let inf = V::splat(V::Elem::from_f64(f64::INFINITY));
    // NaN fails both comparisons, so one check catches negatives, infinities and NaN.
    let finite_nonnegative = |x: V| V::mask_and(x.ge(zero), x.lt(inf));
    acc.valid = V::mask_and(acc.valid, finite_nonnegative(p));
    acc.mass_p = V::acc_add(acc.mass_p, p);
    if measure.is_binary() {
        q = q.mul(scale[1]);
        acc.valid = V::mask_and(acc.valid, finite_nonnegative(q));
        acc.mass_q = V::acc_add(acc.mass_q, q);
    }
    acc.core = V::acc_add(acc.core, term(measure, p, q));
}

/// Elements per leaf for vectors of `lanes` lanes: 2 accumulators per sum, each adding 16
/// vectors sequentially, as NumPy's pairwise sum does within its 128-element blocks.
const UNROLL: usize = 2;
const VECTORS_PER_ACCUMULATOR: usize = 16;

fn leaf_len(lanes: usize) -> usize {
    lanes * UNROLL * VECTORS_PER_ACCUMULATOR
}

/// Sums one leaf of already-fetched entries.
#[inline(always)]
fn leaf_sums<V: FloatVec>(
    measure: Measure,
    omit_nan: bool,
    scale: [V::Elem; 2],
    p: &[V::Elem],
    q: &[V::Elem],
) -> LeafSums
where
    V::Elem: VectorLn,
{
    let lanes = V::LANES;
    let binary = measure.is_binary();
    let scale = [V::splat(scale[0]), V::splat(scale[1])];
    let mut accs = [Accumulators::<V>::new(), Accumulators::<V>::new()];
    let n = p.len();
    let step = lanes * UNROLL;
    let whole = n - n % step;
    let mut i = 0;
    while i < whole {
        for (u, acc) in accs.iter_mut().enumerate() {
            let at = i + u * lanes;
            // SAFETY: at + lanes <= whole <= n, and q is as long as p when the measure is binary.
            let (pv, qv) = unsafe {
                let pv = V::load(p.as_ptr().add(at));
                let qv = if binary {
                    V::load(q.as_ptr().add(at))
                } else {
                    pv
                };
                (pv, qv)
            };
            accumulate(acc, measure, omit_nan, scale, pv, qv);
        }
        i += step;
    }
    // The tail, one vector at a time, the last one padded with zeros (which add nothing).
    let mut u = 0;
    while i < n {
        let take = lanes.min(n - i);
        let mut pad_p = [V::Elem::ZERO; 64];
        let mut pad_q = [V::Elem::ZERO; 64];
        pad_p[..take].copy_from_slice(&p[i..i + take]);
        if binary {
            pad_q[..take].copy_from_slice(&q[i..i + take]);
        }
        // SAFETY: the pads hold 64 >= lanes elements.
        let (pv, qv) = unsafe { (V::load(pad_p.as_ptr()), V::load(pad_q.as_ptr())) };
        accumulate(&mut accs[u], measure, omit_nan, scale, pv, qv);
        u = (u + 1) % UNROLL;
        i += take;
    }
    let [a, b] = accs;
    LeafSums {
        sums: Partial {
            mass_p: V::acc_total(a.mass_p) + V::acc_total(b.mass_p),
            mass_q: V::acc_total(a.mass_q) + V::acc_total(b.mass_q),
            core: V::acc_total(a.core) + V::acc_total(b.core),
        },
        suspicious: !(V::mask_all(a.valid) && V::mask_all(b.valid)),
    }
}

/// The element type a kernel computes in, and how it fetches entries of an input.
pub trait Compute: VectorLn {
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [Self],
    ) -> &'b [Self];
    /// `2^e` clamped to this type's normal range.
    fn power_of_two(e: i32) -> Self;
    /// A mass above which `p ln p` may overflow this type.
    const HUGE_MASS: f64;
    /// A mass below which terms may be subnormal.
    const TINY_MASS: f64;
}

impl Compute for f64 {
    #[inline(always)]
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [f64],
    ) -> &'b [f64] {
        input.fetch_f64(base, start, len, buf)
    }
    fn power_of_two(e: i32) -> f64 {
        f64::from_bits(((e.clamp(-1022, 1023) + 1023) as u64) << 52)
    }
    const HUGE_MASS: f64 = f64::MAX / 1024.0;
    const TINY_MASS: f64 = f64::MIN_POSITIVE * 4_503_599_627_370_496.0;
}

impl Compute for f32 {
    #[inline(always)]
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [f32],
    ) -> &'b [f32] {
        input.fetch_f32(base, start, len, buf)
    }
    fn power_of_two(e: i32) -> f32 {
        f32::from_bits(((e.clamp(-126, 127) + 127) as u32) << 23)
    }
    const HUGE_MASS: f64 = f32::MAX as f64 / 1024.0;
    const TINY_MASS: f64 = f32::MIN_POSITIVE as f64 * 8_388_608.0;
}

/// Everything a reduction needs to know, shared by all threads.
struct Job<'a> {
    measure: Measure,
    p: &'a Input<'a>,
    q: &'a Input<'a>,
    options: Options,
    reduce_len: usize,
    leaf_len: usize,
}

/// The SIMD task: a sequential tree sum over `count` leaves of one distribution from `first`.
struct LeafRange<'a, E> {
    job: &'a Job<'a>,
    bases: [isize; 2],
    first: usize,
    count: usize,
    scale: [E; 2],
}

impl<E: Compute> SimdTask for LeafRange<'_, E> {
    type Elem = E;
    type Output = LeafSums;

    #[inline(always)]
    fn run<V: FloatVec<Elem = E>>(self) -> LeafSums {
        let job = self.job;
        let binary = job.measure.is_binary();
        let omit = job.options.nan_policy == NanPolicy::Omit;
        // Scratch for gathering strided or integer entries; contiguous floats are read in place.
        let direct = job.p.is_direct::<E>() && (!binary || job.q.is_direct::<E>());
        let mut scratch = vec![E::ZERO; if direct { 0 } else { 2 * job.leaf_len }];
        let half = scratch.len() / 2;
        let (buf_p, buf_q) = scratch.split_at_mut(half);
        counter_tree_sum(self.count, |i| {
            let start = (self.first + i) * job.leaf_len;
            let len = job.leaf_len.min(job.reduce_len - start);
            let p = E::fetch(job.p, self.bases[0], start, len, buf_p);
            let q: &[E] = if binary {
                E::fetch(job.q, self.bases[1], start, len, buf_q)
            } else {
                &[]
            };
            leaf_sums::<V>(job.measure, omit, self.scale, p, q)
        })
    }
}

/// Leaves below which a distribution is not split across threads.
const SERIAL_LEAVES: usize = 256;
/// Entries (over the whole batch) below which the calling thread does everything.
const SERIAL_ENTRIES: usize = 1 << 15;

impl Job<'_> {
    fn bases(&self, d: usize) -> [isize; 2] {
        [
            self.p.distribution_offset(d),
            if self.measure.is_binary() {
                self.q.distribution_offset(d)
            } else {
                0
            },
        ]
    }

    /// Sums of distribution `d`, with p and q multiplied by `scale`.
    fn sums<E: Compute>(&self, d: usize, split: bool, scale: [E; 2]) -> LeafSums {
        let bases = self.bases(d);
        let leaves = self.reduce_len.div_ceil(self.leaf_len);
        let run = |first: usize, count: usize| {
            dispatch(
                self.options.level,
                LeafRange {
                    job: self,
                    bases,
                    first,
                    count,
                    scale,
                },
            )
        };
        if split {
            parallel::parallel_tree_sum(0, leaves, SERIAL_LEAVES, &run)
        } else {
            run(0, leaves)
        }
    }

    /// The result for distribution `d`, or its first error.
    fn distribution<E: Compute>(&self, d: usize, split: bool) -> Result<f64, KernelError> {
        let opts = &self.options;
        let binary = self.measure.is_binary();
        let leaf = self.sums::<E>(d, split, [E::ONE, E::ONE]);
        if leaf.suspicious {
            // Rare: find the first offending entry. Only NaN under "propagate" gets through.
            self.diagnose(d)?;
            return Ok(f64::NAN);
        }
        let mut sums = leaf.sums;
        if opts.normalize {
            if sums.mass_p == 0.0 {
                return Err(KernelError::ZeroMass {
                    arg: Arg::P,
                    distribution: d,
                });
            }
            if binary && sums.mass_q == 0.0 {
                return Err(KernelError::ZeroMass {
                    arg: Arg::Q,
                    distribution: d,
                });
            }
            if self.out_of_range::<E>(&sums) {
                sums = self.rescaled::<E>(d, split, sums);
            }
        }
        let value = sums.finish(self.measure, opts.normalize);
        Ok(match opts.base {
            Some(base) => value / base.ln(),
            None => value,
        })
    }

    /// Whether the sums may have overflowed or lost precision to subnormals; normalised measures
    /// do not depend on scale, so such distributions are recomputed at a better one.
    fn out_of_range<E: Compute>(&self, sums: &Partial) -> bool {
        let masses_finite = sums.mass_p.is_finite() && sums.mass_q.is_finite();
        !masses_finite
            || (!sums.core.is_finite() && sums.mass_p > E::HUGE_MASS)
            || sums.mass_p < E::TINY_MASS
    }

    /// Recomputes distribution `d` with p and q scaled by powers of two that bring their masses
    /// near 1. A mass that overflowed is first measured at a scale of 2^-600.
    fn rescaled<E: Compute>(&self, d: usize, split: bool, sums: Partial) -> Partial {
        let exponent = |mass: f64| -> Option<i32> {
            (mass.is_finite() && mass > 0.0).then(|| mass.log2().floor() as i32)
        };
        let mut exps = [exponent(sums.mass_p), exponent(sums.mass_q)];
        if exps.iter().any(Option::is_none) {
            let shrink = |e: Option<i32>| if e.is_none() { -600 } else { 0 };
            let probe = self.sums::<E>(
                d,
                split,
                [
                    E::power_of_two(shrink(exps[0])),
                    E::power_of_two(shrink(exps[1])),
                ],
            );
            let masses = [probe.sums.mass_p, probe.sums.mass_q];
            for (e, mass) in exps.iter_mut().zip(masses) {
                if e.is_none() {
                    *e = exponent(mass).map(|e| e + 600);
                }
            }
        }
        let scale = exps.map(|e| E::power_of_two(-e.unwrap_or(0)));
        self.sums::<E>(d, split, scale).sums
    }

    /// Scans distribution `d` for its first offending entry: p first, then q. Returns `Ok` when
    /// the only trouble is NaN under "propagate".
    fn diagnose(&self, d: usize) -> Result<(), KernelError> {
        let bases = self.bases(d);
        let omit = self.options.nan_policy == NanPolicy::Omit;
        let raise_nan = self.options.nan_policy == NanPolicy::Raise;
        let binary = self.measure.is_binary();
        let args: &[(Arg, &Input)] = if binary {
            &[(Arg::P, self.p), (Arg::Q, self.q)]
        } else {
            &[(Arg::P, self.p)]
        };
        const CHUNK: usize = 256;
        let (mut buf_a, mut buf_b) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
        for (which, &(arg, input)) in args.iter().enumerate() {
            let mut start = 0;
            while start < self.reduce_len {
                let len = CHUNK.min(self.reduce_len - start);
                let values = input.fetch_f64(bases[which], start, len, &mut buf_a);
                let other: &[f64] = if binary && omit {
                    let (input, base) = if which == 0 {
                        (self.q, bases[1])
                    } else {
                        (self.p, bases[0])
                    };
                    input.fetch_f64(base, start, len, &mut buf_b)
                } else {
                    &[]
                };
                for (j, &x) in values.iter().enumerate() {
                    let position = start + j;
                    let nan_pair = x.is_nan() || other.get(j).is_some_and(|y| y.is_nan());
                    if omit && nan_pair {
                        continue;
                    }
                    if x.is_nan() {
                        if raise_nan {
                            return Err(KernelError::Nan {
                                arg,
                                distribution: d,
                                position,
                            });
                        }
                    } else if x.is_infinite() {
                        return Err(KernelError::Infinite {
                            arg,
                            distribution: d,
                            position,
                            value: x,
                        });
                    } else if x < 0.0 {
                        return Err(KernelError::Negative {
                            arg,
                            distribution: d,
                            position,
                            value: x,
                        });
                    }
                }
                start += len;
            }
        }
        Ok(())
    }

    /// Fills `out[i]` with distribution `offset + i`; stops at its first error.
    fn run_range<E: Compute>(
        &self,
        offset: usize,
        out: &mut [f64],
        split: bool,
    ) -> Result<(), KernelError> {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = self.distribution::<E>(offset + i, split)?;
        }
        Ok(())
    }

    fn run<E: Compute>(&self, out: &mut [f64]) -> Result<(), KernelError> {
        let distributions = out.len();
        let entries = distributions.saturating_mul(self.reduce_len);
        let threads = if self.options.parallel {
            parallel::num_threads()
        } else {
            1
        };
        if threads == 1 || entries < SERIAL_ENTRIES {
            return self.run_range::<E>(0, out, false);
        }
        let leaves = self.reduce_len.div_ceil(self.leaf_len);
        if distributions >= 4 * threads || leaves <= SERIAL_LEAVES {
            // Many distributions: whole distributions per task, in chunks of ~64k entries.
            let per_chunk = (SERIAL_ENTRIES * 2 / self.reduce_len.max(1)).clamp(1, distributions);
            let first_error = parallel::install(|| {
                out.par_chunks_mut(per_chunk)
                    .enumerate()
                    .filter_map(|(c, chunk)| self.run_range::<E>(c * per_chunk, chunk, false).err())
                    .min_by_key(|e| e.distribution())
            })?;
            return first_error.map_or(Ok(()), Err);
        }
        // Few long distributions: split each one across the pool.
        parallel::install(|| self.run_range::<E>(0, out, true))?
    }
}

/// Computes `measure` for every distribution of `p` (and `q`), writing one value per
/// distribution (C order over the batch shape) to `out`.
///
/// `q` is required for cross-entropy and KL and ignored for entropy. Float32 inputs (with a
/// float32 or absent `q`) are computed in float32 lanes and accumulated in float64; everything
/// else is computed in float64. Errors name the first offending distribution (lowest index) and,
/// within it, the first offending entry of p, then of q, then a zero mass of p, then of q.
pub fn reduce(
    measure: Measure,
    p: &Input,
    q: Option<&Input>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let q = match (measure.is_binary(), q) {
        (true, Some(q)) => q,
        (true, None) => {
            return Err(KernelError::Layout(format!(
                "{measure:?} needs a second distribution q"
            )))
        }
        (false, _) => p,
    };
    if p.batch_shape() != q.batch_shape() || p.reduce_len() != q.reduce_len() {
        return Err(KernelError::Layout(format!(
            "p (batch {:?} x {}) and q (batch {:?} x {}) do not match",
            p.batch_shape(),
            p.reduce_len(),
            q.batch_shape(),
            q.reduce_len()
        )));
    }
    let distributions: usize = p.batch_shape().iter().product();
    if out.len() != distributions {
        return Err(KernelError::Layout(format!(
            "out has {} slots for {distributions} distributions",
            out.len()
        )));
    }
    if let Some(base) = options.base {
        if !(base.is_finite() && base > 0.0 && base != 1.0) {
            return Err(KernelError::Layout(format!(
                "base must be a finite positive number other than 1, not {base}"
            )));
        }
    }
    let in_f32 = p.is_f32() && q.is_f32();
    let lanes = if in_f32 {
        lanes_of::<f32>(options.level)
    } else {
        lanes_of::<f64>(options.level)
    };
    let job = Job {
        measure,
        p,
        q,
        options: *options,
        reduce_len: p.reduce_len(),
        leaf_len: leaf_len(lanes),
    };
    if in_f32 {
        job.run::<f32>(out)
    } else {
        job.run::<f64>(out)
    }
}

fn lanes_of<E: VectorLn>(level: SimdLevel) -> usize {
    struct Lanes<E>(std::marker::PhantomData<E>);
    impl<E: VectorLn> SimdTask for Lanes<E> {
        type Elem = E;
        type Output = usize;
        #[inline(always)]
        fn run<V: FloatVec<Elem = E>>(self) -> usize {
            V::LANES
        }
    }
    dispatch(level, Lanes::<E>(std::marker::PhantomData))
}

/// Convenience for one contiguous distribution: the measure of `p` (and `q`) as one value.
pub fn reduce_slice<T>(
    measure: Measure,
    p: &[T],
    q: Option<&[T]>,
    options: &Options,
) -> Result<f64, KernelError>
where
    T: crate::strided::Element,
    for<'a> Input<'a>: From<crate::strided::Strided<'a, T>>,
{
    let p = Input::from(crate::strided::Strided::from_slice(p, &[], p.len())?);
    let q = match q {
        Some(q) => Some(Input::from(crate::strided::Strided::from_slice(
            q,
            &[],
            q.len(),
        )?)),
        None => None,
    };
    let mut out = [0.0];
    reduce(measure, &p, q.as_ref(), options, &mut out)?;
    Ok(out[0])
}

/// A plain sum of `data` on the pool: the memory-bandwidth yardstick the benchmark divides kernel
/// times by. Eight independent accumulators per chunk let the compiler vectorise it and keep it
/// limited by memory, not by add latency; chunks combine in a fixed order.
pub fn stream_sum<E: Real>(data: &[E], parallel: bool) -> Result<f64, KernelError> {
    const CHUNK: usize = 1 << 16;
    let chunk_sum = |chunk: &[E]| {
        let mut acc = [0.0f64; 8];
        let mut blocks = chunk.chunks_exact(8);
        for block in &mut blocks {
            for (a, &x) in acc.iter_mut().zip(block) {
                *a += x.to_f64();
            }
        }
        let tail: f64 = blocks.remainder().iter().map(|x| x.to_f64()).sum();
        acc.iter().sum::<f64>() + tail
    };
    if !parallel || data.len() <= CHUNK {
        return Ok(data.chunks(CHUNK).map(chunk_sum).sum());
    }
    let sums: Vec<f64> = parallel::install(|| data.par_chunks(CHUNK).map(chunk_sum).collect())?;
    Ok(sums.iter().sum())
}
