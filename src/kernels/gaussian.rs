//! Differential entropy of Gaussians and the KL divergence between two, for batches of
//! univariate, diagonal or full-covariance Gaussians.
//!
//! | kind | entropy | KL(N1 ‖ N2) |
//! |---|---|---|
//! | sigma | ln sigma + ln(2 pi e) / 2 | ln(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2 |
//! | diag | (d ln(2 pi e) + sum ln v) / 2 | the sum of the univariate KLs with s^2 = v |
//! | full | (d ln(2 pi e) + ln det S) / 2 | (tr(S2^-1 S1) + y^T y - d + ln det S2 - ln det S1) / 2 |
//!
//! Full covariances go through Cholesky factors S = L L^T: ln det S = 2 sum ln L_jj,
//! tr(S2^-1 S1) = ‖L2^-1 L1‖_F^2 and y = L2^-1 (mu2 - mu1), by forward substitution, with no
//! explicit inverse. Only the lower triangle of a covariance is read (as `numpy.linalg.cholesky`
//! does). Arrays are contiguous f64 with matching batch sizes (the binding broadcasts).
//!
//! Standard deviations and variances must be finite and > 0, means and covariance entries
//! finite: anything else is an error naming the argument and the flat index of the entry. A
//! covariance whose factorisation meets a pivot that is not > 0 is an error naming the matrix and
//! the pivot. KLs are clamped at 0 (rounding must not make them negative).

use super::Options;
use crate::error::KernelError;
use crate::parallel::{self, Work};
use crate::simd::ln::ln_f64;
use crate::simd::{dispatch, FloatVec, Level, SimdTask};
use std::marker::PhantomData;

/// ln(2 pi e) / 2.
const HALF_LN_2PI_E: f64 = 1.418_938_533_204_672_7;

/// ln(base), checked (1 for nats).
fn ln_base_of(base: Option<f64>) -> Result<f64, KernelError> {
    match base {
        None => Ok(1.0),
        Some(base) if base.is_finite() && base > 0.0 && base != 1.0 => Ok(base.ln()),
        Some(base) => Err(KernelError::Layout(format!(
            "base must be a finite positive number other than 1, not {base}"
        ))),
    }
}

fn bad(arg: &'static str, index: usize, value: f64) -> KernelError {
    KernelError::BadParameter { arg, index, value }
}

/// The first entry of `data` that fails `ok`, as an error.
fn first_bad(arg: &'static str, data: &[f64], ok: impl Fn(f64) -> bool) -> Result<(), KernelError> {
    match data.iter().position(|&x| !ok(x)) {
        Some(i) => Err(bad(arg, i, data[i])),
        None => Ok(()),
    }
}

fn positive(x: f64) -> bool {
    x > 0.0 && x.is_finite()
}

fn finite(x: f64) -> bool {
    x.is_finite()
}

fn check_len(what: &str, len: usize, want: usize) -> Result<(), KernelError> {
    if len == want {
        Ok(())
    } else {
        Err(KernelError::Layout(format!(
            "{what} has {len} entries where {want} are needed"
        )))
    }
}

/// A function of four f64 lanes (the univariate KL's mu1, s1, mu2, s2), and whether its inputs
/// are in the domain, as a type (see `simd::Elementwise`).
trait Elementwise4 {
    fn apply<V: FloatVec<Elem = f64>>(a: V, b: V, c: V, d: V, scale: V) -> (V, V::Mask);
}

/// Lanes that are finite and > 0 (plain functions, not closures: see `simd::SimdTask`).
#[inline(always)]
fn positive_lanes<V: FloatVec<Elem = f64>>(x: V) -> V::Mask {
    V::mask_and(x.gt(V::splat(0.0)), x.lt(V::splat(f64::INFINITY)))
}

/// Lanes that are finite.
#[inline(always)]
fn finite_lanes<V: FloatVec<Elem = f64>>(x: V) -> V::Mask {
    V::mask_and(
        x.gt(V::splat(f64::NEG_INFINITY)),
        x.lt(V::splat(f64::INFINITY)),
    )
}

/// The univariate entropy from sigma (only the first input is used).
struct SigmaEntropy;

impl Elementwise4 for SigmaEntropy {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = f64>>(s: V, _: V, _: V, _: V, scale: V) -> (V, V::Mask) {
        let ok = positive_lanes(s);
        (ln_f64(s).add(V::splat(HALF_LN_2PI_E)).mul(scale), ok)
    }
}

/// The univariate KL(N(mu1, s1^2) ‖ N(mu2, s2^2)) = (t^2 + z^2 - 1) / 2 - ln t with t = s1/s2 and
/// z = (mu1 - mu2) / s2, clamped at 0.
struct SigmaKl;

impl Elementwise4 for SigmaKl {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = f64>>(mu1: V, s1: V, mu2: V, s2: V, scale: V) -> (V, V::Mask) {
        let zero = V::splat(0.0);
        let ok = V::mask_and(
            V::mask_and(positive_lanes(s1), positive_lanes(s2)),
            V::mask_and(finite_lanes(mu1), finite_lanes(mu2)),
        );
        let t = s1.div(s2);
        let z = mu1.sub(mu2).div(s2);
        let half = V::splat(0.5);
        let kl = t
            .mul_add(t, z.mul_add(z, V::splat(-1.0)))
            .mul(half)
            .sub(ln_f64(t));
        let kl = V::select(kl.lt(zero), zero, kl);
        (kl.mul(scale), ok)
    }
}

/// Applies `F` to four slices of `out`'s length, or of length 1 (one value broadcast: a scalar
/// mean or standard deviation is not copied out to full length), writing `out`; returns whether
/// every lane was in the domain. The tail is padded with ones (in every domain).
struct Map4<'a, F> {
    inputs: [&'a [f64]; 4],
    out: &'a mut [f64],
    scale: f64,
    function: PhantomData<F>,
}

/// Vector `at` of `x`, or `x[0]` in every lane when `x` holds one value.
///
/// # Safety
/// `x` has one element, or at least `at + LANES`.
#[inline(always)]
unsafe fn load_or_splat<V: FloatVec<Elem = f64>>(x: &[f64], at: usize) -> V {
    if x.len() == 1 {
        V::splat(x[0])
    } else {
        // SAFETY: by the caller.
        unsafe { V::load(x.as_ptr().add(at)) }
    }
}

impl<F: Elementwise4> SimdTask for Map4<'_, F> {
    type Output = bool;
    #[inline(always)]
    fn run<L: Level>(self) -> bool {
        type W<L> = <L as Level>::F64;
        let lanes = W::<L>::LANES;
        let n = self.out.len();
        let scale = W::<L>::splat(self.scale);
        let mut valid = W::<L>::mask_true();
        let whole = n - n % lanes;
        let [a, b, c, d] = self.inputs;
        let mut at = 0;
        while at < whole {
            // SAFETY: at + lanes <= n for `out` and every slice longer than 1 (checked by `map4`).
            unsafe {
                let (y, ok) = F::apply(
                    load_or_splat::<W<L>>(a, at),
                    load_or_splat::<W<L>>(b, at),
                    load_or_splat::<W<L>>(c, at),
                    load_or_splat::<W<L>>(d, at),
                    scale,
                );
                y.store(self.out.as_mut_ptr().add(at));
                valid = W::<L>::mask_and(valid, ok);
            }
            at += lanes;
        }
        if at < n {
            let mut bufs = [[1.0f64; 16]; 5];
            for (buf, src) in bufs.iter_mut().zip([a, b, c, d]) {
                if src.len() == 1 {
                    buf.fill(src[0]);
                } else {
                    buf[..n - at].copy_from_slice(&src[at..n]);
                }
            }
            // SAFETY: each buffer holds 16 >= LANES elements.
            unsafe {
                let (y, ok) = F::apply(
                    W::<L>::load(bufs[0].as_ptr()),
                    W::<L>::load(bufs[1].as_ptr()),
                    W::<L>::load(bufs[2].as_ptr()),
                    W::<L>::load(bufs[3].as_ptr()),
                    scale,
                );
                y.store(bufs[4].as_mut_ptr());
                valid = W::<L>::mask_and(valid, ok);
            }
            self.out[at..].copy_from_slice(&bufs[4][..n - at]);
        }
        W::<L>::mask_all(valid)
    }
}

/// Runs `F` over `inputs` into `out` on the pool (fixed chunks: elementwise results do not depend
/// on the thread count); `false` if some input lane was out of the domain.
fn map4<F: Elementwise4>(
    inputs: [&[f64]; 4],
    out: &mut [f64],
    scale: f64,
    options: &Options,
) -> Result<bool, KernelError> {
    let run = |offset: usize, out: &mut [f64]| {
        let len = out.len();
        dispatch(
            options.level,
            Map4::<F> {
                inputs: inputs.map(|x| {
                    if x.len() == 1 {
                        x
                    } else {
                        &x[offset..offset + len]
                    }
                }),
                out,
                scale,
                function: PhantomData,
            },
        )
    };
    let task = |first: usize, _count: usize, out: &mut [f64], _split: bool| {
        (!run(first, out)).then_some(())
    };
    let bad = parallel::schedule(Work::new(out.len(), 1), options.parallel, out, &task)?;
    Ok(bad.is_none())
}

/// Elementwise differential entropy 0.5 ln(2 pi e sigma^2) of univariate Gaussians with standard
/// deviations `sigma`.
pub fn entropy_sigma(
    sigma: &[f64],
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let ln_base = ln_base_of(base)?;
    check_len("out", out.len(), sigma.len())?;
    if !map4::<SigmaEntropy>([sigma; 4], out, 1.0 / ln_base, options)? {
        first_bad("sigma", sigma, positive)?;
    }
    Ok(())
}

/// Elementwise KL(N(mu1, s1^2) ‖ N(mu2, s2^2)) of univariate Gaussians (standard deviations s1,
/// s2); each slice has `out`'s length or holds one value for all.
pub fn kl_sigma(
    [mu1, s1, mu2, s2]: [&[f64]; 4],
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let ln_base = ln_base_of(base)?;
    for (what, x) in [("mu1", mu1), ("s1", s1), ("mu2", mu2), ("s2", s2)] {
        if x.len() != 1 {
            check_len(what, x.len(), out.len())?;
        }
    }
    if !map4::<SigmaKl>([mu1, s1, mu2, s2], out, 1.0 / ln_base, options)? {
        first_bad("mu1", mu1, finite)?;
        first_bad("s1", s1, positive)?;
        first_bad("mu2", mu2, finite)?;
        first_bad("s2", s2, positive)?;
    }
    Ok(())
}

/// Runs `row(i, slot)` for every slot of `out` on the pool when `work` is large; the first error
/// (lowest row) wins.
fn per_row(
    out: &mut [f64],
    work: usize,
    options: &Options,
    row: &(impl Fn(usize, &mut [f64]) -> Result<(), KernelError> + Sync),
) -> Result<(), KernelError> {
    let per_row = work.div_ceil(out.len().max(1));
    let task = |first: usize, _count: usize, out: &mut [f64], _split: bool| row(first, out).err();
    parallel::schedule(Work::new(out.len(), per_row), options.parallel, out, &task)?
        .map_or(Ok(()), Err)
}

/// Entropy of diagonal Gaussians: `var` holds `out.len()` rows of `d` variances.
pub fn entropy_diag(
    var: &[f64],
    d: usize,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let ln_base = ln_base_of(base)?;
    check_len("var", var.len(), out.len() * d)?;
    first_bad("var", var, positive)?;
    per_row(out, var.len(), options, &|first, slots| {
        for (i, slot) in slots.iter_mut().enumerate() {
            let row = &var[(first + i) * d..(first + i + 1) * d];
            let sum_ln: f64 = row.iter().map(|v| v.ln()).sum();
            *slot = (d as f64 * HALF_LN_2PI_E + 0.5 * sum_ln) / ln_base;
        }
        Ok(())
    })
}

/// KL between diagonal Gaussians: four arrays of `out.len()` rows of `d` entries (means and
/// variances).
pub fn kl_diag(
    [mu1, v1, mu2, v2]: [&[f64]; 4],
    d: usize,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let ln_base = ln_base_of(base)?;
    for (what, x) in [("mu1", mu1), ("s1", v1), ("mu2", mu2), ("s2", v2)] {
        check_len(what, x.len(), out.len() * d)?;
    }
    first_bad("mu1", mu1, finite)?;
    first_bad("s1", v1, positive)?;
    first_bad("mu2", mu2, finite)?;
    first_bad("s2", v2, positive)?;
    per_row(out, mu1.len(), options, &|first, slots| {
        for (i, slot) in slots.iter_mut().enumerate() {
            let range = (first + i) * d..(first + i + 1) * d;
            let mut total = 0.0;
            for j in range {
                let r = v1[j] / v2[j];
                let dm = mu1[j] - mu2[j];
                total += 0.5 * (r + dm * dm / v2[j] - 1.0) - 0.5 * r.ln();
            }
            *slot = total.max(0.0) / ln_base;
        }
        Ok(())
    })
}

/// Cholesky factor of the d x d matrix `a` (row-major, lower triangle read) into `l` (row-major,
/// lower triangle written, the rest zeroed); `Err(pivot)` at the first pivot that is not > 0.
pub fn cholesky(a: &[f64], d: usize, l: &mut [f64]) -> Result<(), usize> {
    l.fill(0.0);
    for j in 0..d {
        let row_j = j * d;
        let done_j = &l[row_j..row_j + j];
        let s = a[row_j + j] - dot(done_j, done_j);
        if !(s > 0.0 && s.is_finite()) {
            return Err(j);
        }
        let pivot = s.sqrt();
        l[row_j + j] = pivot;
        // One division per column, not per entry: divisions dominate small factorisations.
        let inverse = 1.0 / pivot;
        for i in j + 1..d {
            let row_i = i * d;
            let t = a[row_i + j] - dot(&l[row_i..row_i + j], &l[row_j..row_j + j]);
            l[row_i + j] = t * inverse;
        }
    }
    Ok(())
}

/// sum a_k b_k in order (slices, so the loop has no bounds checks).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |acc, (x, y)| acc + x * y)
}

/// Sum of ln of the diagonal of the d x d factor `l`: half of ln det of L L^T. The pivots are
/// multiplied and the log taken once (a log costs as much as the rest of a small factorisation),
/// folding the product into the sum whenever it leaves [1e-250, 1e250], so it never overflows.
fn half_log_det(l: &[f64], d: usize) -> f64 {
    let (mut logs, mut product) = (0.0, 1.0f64);
    for j in 0..d {
        product *= l[j * d + j];
        if !(1e-250..=1e250).contains(&product) {
            logs += product.ln();
            product = 1.0;
        }
    }
    logs + product.ln()
}

/// Entropy of full-covariance Gaussians: `cov` holds `out.len()` row-major d x d matrices.
pub fn entropy_full(
    cov: &[f64],
    d: usize,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let ln_base = ln_base_of(base)?;
    check_len("cov", cov.len(), out.len() * d * d)?;
    first_bad("cov", cov, finite)?;
    per_row(out, cov.len() * d, options, &|first, slots| {
        let mut l = vec![0.0; d * d];
        for (i, slot) in slots.iter_mut().enumerate() {
            let m = first + i;
            cholesky(&cov[m * d * d..(m + 1) * d * d], d, &mut l).map_err(|pivot| {
                KernelError::NotPositiveDefinite {
                    arg: "cov",
                    matrix: m,
                    pivot,
                }
            })?;
            *slot = (d as f64 * HALF_LN_2PI_E + half_log_det(&l, d)) / ln_base;
        }
        Ok(())
    })
}

/// Squared Frobenius norm of L2^-1 L1 (both lower triangular, row-major d x d): tr(S2^-1 S1).
/// Column c of X = L2^-1 L1 is zero above row c; forward substitution fills the rest in `x`.
/// `inv2` holds the reciprocals of L2's diagonal.
fn trace_term(l1: &[f64], l2: &[f64], inv2: &[f64], d: usize, x: &mut [f64]) -> f64 {
    let mut total = 0.0;
    for c in 0..d {
        for i in c..d {
            let t = l1[i * d + c] - dot(&l2[i * d + c..i * d + i], &x[c..i]);
            let v = t * inv2[i];
            x[i] = v;
            total += v * v;
        }
    }
    total
}

/// |L^-1 b|^2 by forward substitution (`y` is scratch of length d, `inv` the reciprocals of L's
/// diagonal).
fn mahalanobis(l: &[f64], inv: &[f64], b: &[f64], d: usize, y: &mut [f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..d {
        let t = b[i] - dot(&l[i * d..i * d + i], &y[..i]);
        let v = t * inv[i];
        y[i] = v;
        total += v * v;
    }
    total
}

/// KL between full-covariance Gaussians: `mu1`, `mu2` hold `out.len()` rows of `d` means, `s1`,
/// `s2` as many row-major d x d covariances.
pub fn kl_full(
    [mu1, s1, mu2, s2]: [&[f64]; 4],
    d: usize,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let ln_base = ln_base_of(base)?;
    let batch = out.len();
    check_len("mu1", mu1.len(), batch * d)?;
    check_len("mu2", mu2.len(), batch * d)?;
    check_len("s1", s1.len(), batch * d * d)?;
    check_len("s2", s2.len(), batch * d * d)?;
    first_bad("mu1", mu1, finite)?;
    first_bad("s1", s1, finite)?;
    first_bad("mu2", mu2, finite)?;
    first_bad("s2", s2, finite)?;
    per_row(out, s1.len() * d, options, &|first, slots| {
        let mut l1 = vec![0.0; d * d];
        let mut l2 = vec![0.0; d * d];
        let mut diff = vec![0.0; d];
        let mut scratch = vec![0.0; d];
        let mut inv2 = vec![0.0; d];
        for (i, slot) in slots.iter_mut().enumerate() {
            let m = first + i;
            let square = m * d * d..(m + 1) * d * d;
            let not_pd = |arg: &'static str| {
                move |pivot| KernelError::NotPositiveDefinite {
                    arg,
                    matrix: m,
                    pivot,
                }
            };
            cholesky(&s1[square.clone()], d, &mut l1).map_err(not_pd("s1"))?;
            cholesky(&s2[square], d, &mut l2).map_err(not_pd("s2"))?;
            for (j, slot) in diff.iter_mut().enumerate() {
                *slot = mu2[m * d + j] - mu1[m * d + j];
            }
            for (j, slot) in inv2.iter_mut().enumerate() {
                *slot = 1.0 / l2[j * d + j];
            }
            let trace = trace_term(&l1, &l2, &inv2, d, &mut scratch);
            let maha = mahalanobis(&l2, &inv2, &diff, d, &mut scratch);
            let log_det_ratio = 2.0 * (half_log_det(&l2, d) - half_log_det(&l1, d));
            let kl = 0.5 * (trace + maha - d as f64 + log_det_ratio);
            *slot = kl.max(0.0) / ln_base;
        }
        Ok(())
    })
}
