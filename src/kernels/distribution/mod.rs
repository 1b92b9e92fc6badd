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
//! reductions build on. Normalised measures do not depend on scale, so `reduce` takes these sums
//! over p 2^-e (and q 2^-e') with powers of two chosen per distribution from a first look at
//! its data (see `Job::shannon`): at scale 1, ln S_p and core / S_p are O(ln S_p) and cancel.
//! [`partial_sums`] gives the sums at scale 1, as documented there.
//!
//! The rest of the family takes two passes, because its terms need the normalised entries: a
//! first pass of masses (S, the number of positive entries and the largest entry), then a pass
//! over the entries scaled by 1/S (Jensen-Shannon: p ln(p/m) + q ln(q/m), m = (p + q)/2) or by
//! 1/max (Renyi and Tsallis: sum (p/max)^alpha, which holds a 1 and so neither overflows nor
//! underflows whatever alpha is; the max and the mass are put back in logs).

mod driver;
mod leaf;
mod measures;
mod partial;
mod segments;
mod two_pass;

pub(crate) use driver::single_entry_f64;
pub use measures::{Measure, NanPolicy, Params, Partial, SumKind};
pub use partial::{partial_sums, scaled_partial_sums, Scaled};
pub use segments::{reduce_segments, Offsets, Segments};

// The imports of the whole folder: each submodule starts with `use super::*`.
use super::options::check_base;
use super::Options;
use crate::error::{Arg, KernelError};
use crate::parallel::{self, counter_tree_sum, Leaves, TreeSum, Work};
use crate::simd::exp::exp_nonpositive;
use crate::simd::ln::{
    ln_f64_positive, ln_f64_summand, ln_parts_f32, x_ln_x_summand, x_ln_x_summand_normal, VectorLn,
};
use crate::simd::{dispatch, load_padded, FloatVec, Level, Real, SimdLevel, SimdTask};
use crate::strided::Input;
use driver::*;
use leaf::*;
use measures::*;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use two_pass::*;

/// Computes `measure` for every distribution of `p` (and `q`), writing one value per
/// distribution (C order over the batch shape) to `out`.
///
/// `q` is required for the binary measures (cross-entropy, KL, Jensen-Shannon) and ignored by
/// the others. Float32 inputs (with a float32 or absent `q`) of the single-pass measures are
/// computed in float32 lanes and accumulated in float64; everything else is computed in float64.
/// Errors name the first offending distribution (lowest index) and, within it, the first
/// offending entry of p, then of q, then a zero mass of p, then of q.
pub fn reduce(
    measure: Measure,
    p: &Input,
    q: Option<&Input>,
    params: &Params,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let job = job(
        measure,
        measure.is_binary(),
        p,
        q,
        params,
        options,
        out.len(),
    )?;
    if measure.is_shannon() && p.is_f32() && job.q.is_f32() {
        job.run(out, |job: &Job<'_>, d, split| {
            job.distribution::<f32>(d, split)
        })
    } else {
        job.run(out, |job: &Job<'_>, d, split| {
            job.distribution::<f64>(d, split)
        })
    }
}

/// Convenience for one contiguous distribution: the measure of `p` (and `q`) as one value.
pub fn reduce_slice<T>(
    measure: Measure,
    p: &[T],
    q: Option<&[T]>,
    params: &Params,
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
    reduce(measure, &p, q.as_ref(), params, options, &mut out)?;
    Ok(out[0])
}
