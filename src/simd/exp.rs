//! Vector exponential for f64 and f32, written once over [`FloatVec`] like [`super::ln`].
//!
//! x = k ln 2 + r with k = round(x / ln 2) and |r| <= ln 2 / 2; ln 2 is split Cody-Waite style
//! into a high part (exact times any k that occurs) and a low part, so r carries no cancellation
//! error. e^r comes from a polynomial (Cephes' minimax for f32, the Taylor series to degree 13 for
//! f64, whose truncation error is below 1e-17 on that interval), and 2^k from exponent bits.
//!
//! The common case (results that are normal numbers) takes one scaling by 2^k. Vectors with a lane
//! outside it (overflow, subnormal or zero results, infinities, NaN) take a second path that
//! scales in two steps, so subnormal results are rounded once, and sets the IEEE answers:
//! +inf for large x, 0 for very negative x and -inf, NaN for NaN.

use super::{map_slice, Elementwise, FloatVec, Real, SimdLevel};

/// The element types that have a vector exp, with the constants of their precision.
pub trait VectorExp: Real {
    /// 1 / ln 2.
    const LOG2E: Self;
    /// ln 2 = LN2_HI + LN2_LO, with LN2_HI short enough that k * LN2_HI is exact.
    const LN2_HI: Self;
    const LN2_LO: Self;
    /// 1.5 * 2^(mantissa bits): adding and subtracting it rounds to an integer.
    const ROUNDER: Self;
    /// |x| up to this keeps k in the normal exponent range: one scaling suffices.
    const FAST_LIMIT: Self;
    /// Above this e^x rounds to +inf.
    const OVERFLOW: Self;
    /// Below this e^x rounds to 0 (ln of half the smallest subnormal).
    const UNDERFLOW: Self;
    /// Exponent range of `FloatVec::pow2`.
    const MIN_EXP: Self;
    const MAX_EXP: Self;

    /// e^r for |r| <= ln 2 / 2 (a little more is fine).
    fn exp_reduced<V: FloatVec<Elem = Self>>(r: V) -> V;
}

impl VectorExp for f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Cephes' split: 0.693359375 has 9 significant bits.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUNDER: f32 = 12_582_912.0;
    const FAST_LIMIT: f32 = 87.0;
    const OVERFLOW: f32 = 88.722_84;
    const UNDERFLOW: f32 = -103.972_08;
    const MIN_EXP: f32 = -126.0;
    const MAX_EXP: f32 = 127.0;

    #[inline(always)]
    fn exp_reduced<V: FloatVec<Elem = f32>>(r: V) -> V {
        // Cephes `expf`: e^r = 1 + r + r^2 P(r).
        let p = V::splat(1.987_569_2e-4)
            .mul_add(r, V::splat(1.398_199_9e-3))
            .mul_add(r, V::splat(8.333_452e-3))
            .mul_add(r, V::splat(4.166_579_6e-2))
            .mul_add(r, V::splat(1.666_666_5e-1))
            .mul_add(r, V::splat(0.5));
        p.mul_add(r.mul(r), r).add(V::splat(1.0))
    }
}

impl VectorExp for f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's split (the one `ln` uses): the high part has 32 trailing zero bits.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const ROUNDER: f64 = 6_755_399_441_055_744.0;
    const FAST_LIMIT: f64 = 708.0;
    const OVERFLOW: f64 = 709.782_712_893_384;
    const UNDERFLOW: f64 = -745.133_219_101_941_1;
    const MIN_EXP: f64 = -1022.0;
    const MAX_EXP: f64 = 1023.0;

    #[inline(always)]
    fn exp_reduced<V: FloatVec<Elem = f64>>(r: V) -> V {
        // Horner from 1/13! down to 1/0!.
        const INV_FACT: [f64; 12] = [
            1.0 / 6_227_020_800.0,
            1.0 / 479_001_600.0,
            1.0 / 39_916_800.0,
            1.0 / 3_628_800.0,
            1.0 / 362_880.0,
            1.0 / 40_320.0,
            1.0 / 5_040.0,
            1.0 / 720.0,
            1.0 / 120.0,
            1.0 / 24.0,
            1.0 / 6.0,
            0.5,
        ];
        let mut p = V::splat(INV_FACT[0]);
        let mut i = 1;
        while i < INV_FACT.len() {
            p = p.mul_add(r, V::splat(INV_FACT[i]));
            i += 1;
        }
        p.mul_add(r, V::splat(1.0)).mul_add(r, V::splat(1.0))
    }
}

/// `(k, e^r)` with x = k ln 2 + r.
#[inline(always)]
fn reduce<V: FloatVec>(x: V) -> (V, V)
where
    V::Elem: VectorExp,
{
    let rounder = V::splat(V::Elem::ROUNDER);
    let k = x.mul_add(V::splat(V::Elem::LOG2E), rounder).sub(rounder);
    // k * LN2_HI is exact, so x - k LN2_HI is too (x and k LN2_HI are within a factor of 2).
    let minus_hi = V::splat(V::Elem::from_f64(-V::Elem::LN2_HI.to_f64()));
    let minus_lo = V::splat(V::Elem::from_f64(-V::Elem::LN2_LO.to_f64()));
    let r = k.mul_add(minus_lo, k.mul_add(minus_hi, x));
    (k, V::Elem::exp_reduced(r))
}

/// e^x in each lane.
#[inline(always)]
pub fn exp<V: FloatVec>(x: V) -> V
where
    V::Elem: VectorExp,
{
    let limit = V::splat(V::Elem::FAST_LIMIT);
    let neg_limit = V::splat(V::Elem::from_f64(-V::Elem::FAST_LIMIT.to_f64()));
    if V::mask_all(V::mask_and(x.le_(limit), x.ge(neg_limit))) {
        let (k, p) = reduce(x);
        return p.mul(V::pow2(k));
    }
    exp_wide(x)
}

/// The rare path of [`exp`]: any input, results scaled in two steps.
#[inline(always)]
fn exp_wide<V: FloatVec>(x: V) -> V
where
    V::Elem: VectorExp,
{
    let overflow = V::splat(V::Elem::OVERFLOW);
    let underflow = V::splat(V::Elem::UNDERFLOW);
    // Clamp (NaN stays NaN: both comparisons are false) so that k stays within two scalings.
    let clamped = V::select(x.gt(overflow), overflow, x);
    let clamped = V::select(clamped.lt(underflow), underflow, clamped);
    let (k, p) = reduce(clamped);
    let min_exp = V::splat(V::Elem::from_f64(V::Elem::MIN_EXP.to_f64() + 1.0));
    let max_exp = V::splat(V::Elem::MAX_EXP);
    // p * 2^k1 stays normal (p >= 0.7 and k1 >= MIN_EXP + 1), so only the second step rounds.
    let k1 = V::select(k.lt(min_exp), min_exp, k);
    let k1 = V::select(k1.gt(max_exp), max_exp, k1);
    let y = p.mul(V::pow2(k1)).mul(V::pow2(k.sub(k1)));
    let y = V::select(
        x.gt(overflow),
        V::splat(V::Elem::from_f64(f64::INFINITY)),
        y,
    );
    V::select(x.lt(underflow), V::splat(V::Elem::ZERO), y)
}

/// `<=` from the primitives the trait has (NaN gives false, as for the others).
trait LessEqual: FloatVec {
    fn le_(self, other: Self) -> Self::Mask;
}

impl<V: FloatVec> LessEqual for V {
    #[inline(always)]
    fn le_(self, other: Self) -> Self::Mask {
        other.ge(self)
    }
}

/// The natural exponential as an elementwise function, for `map_slice`.
struct Exp;

impl<E: VectorExp> Elementwise<E> for Exp {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = E>>(x: V) -> V {
        exp(x)
    }
}

/// Writes `exp(input[i])` to `output[i]` using the vector exp of `level`.
///
/// # Panics
/// If the slices differ in length.
pub fn exp_slice<E: VectorExp>(level: SimdLevel, input: &[E], output: &mut [E]) {
    map_slice::<E, Exp>(level, input, output);
}

/// e^x for lanes with x <= 0 (or NaN), flushing results below the smallest normal number to 0:
/// the kernels add such terms to a sum that holds a 1 (the row's maximum), so nothing is lost, and
/// the one scaling of the fast path then always suffices. NaN gives NaN.
#[inline(always)]
pub fn exp_nonpositive<V: FloatVec>(x: V) -> V
where
    V::Elem: VectorExp,
{
    let limit = V::splat(V::Elem::from_f64(-V::Elem::FAST_LIMIT.to_f64()));
    let tiny = x.lt(limit);
    let (k, p) = reduce(V::select(tiny, limit, x));
    V::select(tiny, V::splat(V::Elem::ZERO), p.mul(V::pow2(k)))
}
