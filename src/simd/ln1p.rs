//! Vector ln(1 + u) for f64 and f32, in the style of fdlibm's `s_log1p.c`, on the same reduction
//! and minimax polynomial as [`super::ln`].
//!
//! w = 1 + u is rounded, so ln(w) alone would lose the low bits of u. With w = 2^k m and
//! m in [sqrt(1/2), sqrt(2)): when k = 0, w is near 1 and f = u itself is used (exact, so tiny u
//! give u); otherwise f = m - 1 and the rounding error of w enters as the first-order correction
//! c = (u - (w - 1)) / w, added to the low part of k ln 2. The result is within about an ulp of
//! the platform `ln_1p`. u = -1 gives -inf, u < -1 and NaN give NaN, +inf gives +inf.
//!
//! [`ln_corrected`] exposes the core for callers that already have a reduced argument (the
//! elementwise `rel_entr` takes ln1p of (x - y) / y or ln of x / y in one polynomial evaluation).

use super::ln::VectorLn;
use super::{map_slice, Elementwise, FloatVec, Real, SimdLevel};

/// The element types that have a vector ln1p (ln 2's split and the subnormal scale are
/// [`VectorLn`]'s).
pub trait VectorLn1p: VectorLn {}

impl VectorLn1p for f64 {}

impl VectorLn1p for f32 {}

/// k ln 2 + ln(1 + f) + c for |f| <= sqrt(2) - 1, where c = `num` / m is a small correction
/// (0 for `None`) and 1 + f = m or 1 + f = fl(1 + u) (fdlibm's final assembly:
/// k ln2_hi - ((hfsq - (s (hfsq + R) + (k ln2_lo + c))) - f), with s = f / (2 + f)).
///
/// With a correction, s and c come from one division, 1 / ((2 + f) m): s only scales the
/// polynomial's terms (the extra roundings move the result by a few hundredths of an ulp) and c
/// is a correction, and a division is the dearest instruction here.
#[inline(always)]
pub fn ln_corrected<V: FloatVec>(f: V, m: V, k: V, num: Option<V>) -> V
where
    V::Elem: VectorLn1p,
{
    let [ln2_hi, ln2_lo] = <V::Elem as VectorLn>::LN2;
    let one = V::splat(V::Elem::ONE);
    let two_f = one.add(one).add(f);
    let (s, low) = match num {
        Some(num) => {
            let inv = one.div_approx(two_f.mul(m));
            let c = num.mul(two_f).mul(inv);
            (f.mul(m).mul(inv), k.mul_add(V::splat(ln2_lo), c))
        }
        None => (f.div_approx(two_f), k.mul(V::splat(ln2_lo))),
    };
    let z = s.mul(s);
    let w = z.mul(z);
    let r = V::Elem::poly(z, w);
    let half_f2 = f.mul(f).mul(V::splat(V::Elem::from_f64(0.5)));
    let inner = s.mul_add(half_f2.add(r), low);
    k.mul(V::splat(ln2_hi)).sub(half_f2.sub(inner).sub(f))
}

/// `(f, num)` for ln(1 + u) = k ln 2 + ln(1 + f) + num / m (see [`ln_corrected`]), given u > -1
/// finite, w = fl(1 + u) and its split w = 2^k m (other lanes unspecified).
#[inline(always)]
pub fn ln1p_parts<V: FloatVec>(u: V, w: V, m: V, k: V) -> (V, V)
where
    V::Elem: VectorLn1p,
{
    let zero = V::splat(V::Elem::ZERO);
    let one = V::splat(V::Elem::ONE);
    // Near 1 (k = 0) f = u exactly and no correction is needed.
    let near_one = k.eq(zero);
    // The rounding error of w: for k > 0 (w >= sqrt 2) 1 - (w - u) is exact, for k < 0
    // (w < sqrt(1/2), u < -0.29) u - (w - 1) is. The correction err / w = err 2^-k / m.
    let err = V::select(k.gt(zero), one.sub(w.sub(u)), u.sub(w.sub(one)));
    // Beyond 2^100 the correction (at most 2^-53 absolute) is under 1/100 of an ulp of
    // ln w > 69, and 2^-k may leave the normal range: it is dropped there.
    let dropped = V::mask_or(near_one, k.gt(V::splat(V::Elem::from_f64(100.0))));
    let num = V::select(dropped, zero, err.mul(V::pow2(zero.sub(k))));
    let f = V::select(near_one, u, m.sub(one));
    (f, num)
}

/// ln(1 + u) for finite u > -1 (other lanes unspecified); the same bits as [`ln1p`] there.
#[inline(always)]
pub fn ln1p_finite<V: FloatVec>(u: V) -> V
where
    V::Elem: VectorLn1p,
{
    let w = V::splat(V::Elem::ONE).add(u);
    let (m, k) = w.split_exponent();
    let (f, num) = ln1p_parts(u, w, m, k);
    ln_corrected(f, m, k, Some(num))
}

/// ln(1 + u) of each lane.
#[inline(always)]
pub fn ln1p<V: FloatVec>(u: V) -> V
where
    V::Elem: VectorLn1p,
{
    let zero = V::splat(V::Elem::ZERO);
    let one = V::splat(V::Elem::ONE);
    let inf = V::splat(V::Elem::from_f64(f64::INFINITY));
    let w = one.add(u);
    let y = ln1p_finite(u);
    // w = 0 exactly when u = -1 (1 + u rounds to 0 for no other u).
    let y = V::select(
        w.eq(zero),
        V::splat(V::Elem::from_f64(f64::NEG_INFINITY)),
        y,
    );
    let y = V::select(u.eq(inf), inf, y);
    // !(w >= 0) holds for u < -1 and NaN.
    V::select(w.ge(zero), y, V::splat(V::Elem::from_f64(f64::NAN)))
}

struct Ln1p;

impl<E: VectorLn1p> Elementwise<E> for Ln1p {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = E>>(x: V) -> V {
        ln1p(x)
    }
}

/// Writes `ln(1 + input[i])` to `output[i]` using the vectors of `level`.
///
/// # Panics
/// If the slices differ in length.
pub fn ln1p_slice<E: VectorLn1p>(level: SimdLevel, input: &[E], output: &mut [E]) {
    map_slice::<E, Ln1p>(level, input, output);
}

/// ln x for positive, normal, finite lanes (other lanes unspecified), on the core of
/// [`ln_corrected`], so that it gives the same bits as [`ln_ieee`] there.
#[inline(always)]
pub fn ln_normal<V: FloatVec>(x: V) -> V
where
    V::Elem: VectorLn1p,
{
    let (m, k) = x.split_exponent();
    ln_corrected(m.sub(V::splat(V::Elem::ONE)), m, k, None)
}

/// ln x of every lane, with the IEEE answers (0 gives -inf, +inf gives +inf, negatives and NaN
/// give NaN); the same bits as [`ln_normal`] on positive normal lanes. Subnormals are scaled
/// into the normal range first.
#[inline(always)]
pub fn ln_ieee<V: FloatVec>(x: V) -> V
where
    V::Elem: VectorLn1p,
{
    let zero = V::splat(V::Elem::ZERO);
    let one = V::splat(V::Elem::ONE);
    let inf = V::splat(V::Elem::from_f64(f64::INFINITY));
    let [scale, bits] = <V::Elem as VectorLn>::SUBNORMAL_SCALE;
    let subnormal = x.lt(V::splat(<V::Elem as VectorLn>::MIN_NORMAL));
    let (m, k) = V::select(subnormal, x.mul(V::splat(scale)), x).split_exponent();
    let k = V::select(subnormal, k.sub(V::splat(bits)), k);
    let y = ln_corrected(m.sub(one), m, k, None);
    let y = V::select(x.eq(inf), inf, y);
    let y = V::select(
        x.eq(zero),
        V::splat(V::Elem::from_f64(f64::NEG_INFINITY)),
        y,
    );
    // !(x >= 0) holds for negatives and NaN.
    V::select(x.ge(zero), y, V::splat(V::Elem::from_f64(f64::NAN)))
}
