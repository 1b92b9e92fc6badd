//! Vector natural logarithm for f64 and f32, in the fdlibm style (`e_log.c`, `e_logf.c`).
//!
//! x = 2^k * m with m in [sqrt(1/2), sqrt(2)); f = m - 1 (exact); s = f / (2 + f);
//! ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with fdlibm's minimax R; and k ln 2 is added with ln 2
//! split into a high part (exact times any k) and a low part, which is what keeps the result within
//! an ulp for large |k|. Subnormal inputs are scaled into the normal range first; 0 gives -inf,
//! +inf gives +inf, negatives and NaN give NaN, as the platform `ln` does.

use super::{map_slice, Elementwise, FloatVec, Real, SimdLevel};

/// fdlibm's `e_log.c` minimax R(z, w) with z = s^2, w = s^4 (constants by bit pattern).
#[inline(always)]
fn poly_f64<V: FloatVec<Elem = f64>>(z: V, w: V) -> V {
    const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
    const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
    const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
    const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
    const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
    const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
    const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);
    let t1 = w.mul(
        V::splat(LG6)
            .mul_add(w, V::splat(LG4))
            .mul_add(w, V::splat(LG2)),
    );
    let t2 = z.mul(
        V::splat(LG7)
            .mul_add(w, V::splat(LG5))
            .mul_add(w, V::splat(LG3))
            .mul_add(w, V::splat(LG1)),
    );
    t2.add(t1)
}

/// Natural log of each lane of an f64 vector.
#[inline(always)]
pub fn ln_f64<V: FloatVec<Elem = f64>>(x: V) -> V {
    fix_special(x, ln_f64_positive(x))
}

/// Natural log of positive finite f64 lanes (subnormals included); other lanes are unspecified.
/// The kernels mask those lanes themselves, so they skip `fix_special`.
#[inline(always)]
pub fn ln_f64_positive<V: FloatVec<Elem = f64>>(x: V) -> V {
    // fdlibm's split of ln 2, by bit pattern.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const TWO54: f64 = 18_014_398_509_481_984.0;

    let subnormal = x.lt(V::splat(f64::MIN_POSITIVE));
    let scaled = V::select(subnormal, x.mul(V::splat(TWO54)), x);
    let (m, k) = scaled.split_exponent();
    let k = V::select(subnormal, k.sub(V::splat(54.0)), k);
    ln_reduced(m, k, [LN2_HI, LN2_LO])
}

const LN2_HI_F32: f32 = f32::from_bits(0x3f31_7180);
const LN2_LO_F32: f32 = f32::from_bits(0x3717_f7d1);

/// `(m, k)` with x = 2^k m, m in [sqrt(1/2), sqrt(2)), for positive finite f32 lanes (subnormals
/// included).
#[inline(always)]
fn reduce_f32<V: FloatVec<Elem = f32>>(x: V) -> (V, V) {
    const TWO25: f32 = 33_554_432.0;
    let subnormal = x.lt(V::splat(f32::MIN_POSITIVE));
    let scaled = V::select(subnormal, x.mul(V::splat(TWO25)), x);
    let (m, k) = scaled.split_exponent();
    (m, V::select(subnormal, k.sub(V::splat(25.0)), k))
}

/// FreeBSD's `e_logf.c` minimax R(z, w) with z = s^2, w = s^4.
#[inline(always)]
fn poly_f32<V: FloatVec<Elem = f32>>(z: V, w: V) -> V {
    const LG1: f32 = f32::from_bits(0x3f2a_aaaa);
    const LG2: f32 = f32::from_bits(0x3ecc_ce13);
    const LG3: f32 = f32::from_bits(0x3e91_e9ee);
    const LG4: f32 = f32::from_bits(0x3e78_9e26);
    let t1 = w.mul(V::splat(LG4).mul_add(w, V::splat(LG2)));
    let t2 = z.mul(V::splat(LG3).mul_add(w, V::splat(LG1)));
    t2.add(t1)
}

/// Natural log of each lane of an f32 vector (computed in f32 lanes).
#[inline(always)]
pub fn ln_f32<V: FloatVec<Elem = f32>>(x: V) -> V {
    let (m, k) = reduce_f32(x);
    fix_special(x, ln_reduced(m, k, [LN2_HI_F32, LN2_LO_F32]))
}

/// `(k, ln m)` with ln x = k ln 2 + ln m, for positive finite f32 lanes; other lanes are
/// unspecified. |ln m| < 0.35, so ln m carries an absolute error near 1e-8, and adding k ln 2 in
/// f64 gives ln x to that absolute accuracy: far better than the ulp of ln x in f32 (up to 8e-6),
/// which is what keeps float32 input within 1e-6 of a float64 computation.
#[inline(always)]
pub fn ln_parts_f32<V: FloatVec<Elem = f32>>(x: V) -> (V, V) {
    let (m, k) = reduce_f32(x);
    let zero = V::splat(0.0);
    (k, ln_reduced(m, zero, [LN2_HI_F32, LN2_LO_F32]))
}

/// k ln2 + ln(m), given the reduced mantissa `m`, the exponent `k` and the polynomial R(z, w) with
/// z = s^2, w = s^4.
#[inline(always)]
fn ln_reduced<V: FloatVec>(m: V, k: V, [ln2_hi, ln2_lo]: [V::Elem; 2]) -> V
where
    V::Elem: VectorLn,
{
    let one = V::splat(V::Elem::ONE);
    let f = m.sub(one);
    let s = f.div_approx(one.add(one).add(f));
    let z = s.mul(s);
    let w = z.mul(z);
    let r = V::Elem::poly(z, w);
    let half_f2 = f.mul(f).mul(V::splat(V::Elem::from_f64(0.5)));
    // fdlibm: k*ln2_hi - ((hfsq - (s*(hfsq+R) + k*ln2_lo)) - f)
    let inner = s.mul_add(half_f2.add(r), k.mul(V::splat(ln2_lo)));
    k.mul(V::splat(ln2_hi)).sub(half_f2.sub(inner).sub(f))
}

/// Lanes where `x` is 0, +inf, negative or NaN get the IEEE answers.
#[inline(always)]
fn fix_special<V: FloatVec>(x: V, y: V) -> V {
    let zero = V::splat(V::Elem::ZERO);
    let inf = V::splat(V::Elem::from_f64(f64::INFINITY));
    let y = V::select(x.eq(inf), inf, y);
    let y = V::select(
        x.eq(zero),
        V::splat(V::Elem::from_f64(f64::NEG_INFINITY)),
        y,
    );
    // !(x >= 0) is true for negatives and NaN.
    let valid = x.ge(zero);
    V::select(valid, y, V::splat(V::Elem::from_f64(f64::NAN)))
}

/// The element types that have a vector log.
pub trait VectorLn: Real {
    fn ln_vec<V: FloatVec<Elem = Self>>(x: V) -> V;
    /// The minimax polynomial R(z, w) of this precision.
    fn poly<V: FloatVec<Elem = Self>>(z: V, w: V) -> V;
}

impl VectorLn for f64 {
    #[inline(always)]
    fn ln_vec<V: FloatVec<Elem = f64>>(x: V) -> V {
        ln_f64(x)
    }
    #[inline(always)]
    fn poly<V: FloatVec<Elem = f64>>(z: V, w: V) -> V {
        poly_f64(z, w)
    }
}

impl VectorLn for f32 {
    #[inline(always)]
    fn ln_vec<V: FloatVec<Elem = f32>>(x: V) -> V {
        ln_f32(x)
    }
    #[inline(always)]
    fn poly<V: FloatVec<Elem = f32>>(z: V, w: V) -> V {
        poly_f32(z, w)
    }
}

/// The natural log as an elementwise function, for `map_slice`.
struct Ln;

impl<E: VectorLn> Elementwise<E> for Ln {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = E>>(x: V) -> V {
        E::ln_vec(x)
    }
}

/// Writes `ln(input[i])` to `output[i]` using the vector log of `level`.
///
/// # Panics
/// If the slices differ in length.
pub fn ln_slice<E: VectorLn>(level: SimdLevel, input: &[E], output: &mut [E]) {
    map_slice::<E, Ln>(level, input, output);
}
