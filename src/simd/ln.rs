//! Vector natural logarithm for f64 and f32, in two reductions; each vector type picks the one
//! that is cheaper on its instruction set ([`FloatVec::TABLE_LN`]), and both are kept within an ulp
//! or so of the platform `ln` (tests/ln.rs sweeps both at every level).
//!
//! **Table-driven** (AVX-512; AVX2 f32), as in ARM's optimized-routines (`math/log.c`) and current glibc:
//! x = 2^k z with z in [0.71875, 1.4375), and z in one of 8 steps of its bit pattern (1/16 wide
//! below 1, 1/8 above; `FloatVec::split_indexed`). Each step has a table entry c ~ 1/center with
//! ln(1/c) known, so ln x = k ln 2 + ln(1/c) + ln(1 + r) with r = z c - 1, |r| <= 1/16. The tables
//! live in registers (`FloatVec::lookup8`: one `vpermpd`/`vpermps`), which is what makes them
//! cheaper than a division. On AVX2 the f64 lookup takes two `vpermps` and a blend, and the
//! 64-bit shifts and conversions the split needs are emulated: measured there (callgrind, entropy
//! f64) it costs 24.6 instructions per element against 18.4 for the division, so AVX2 f64 keeps
//! fdlibm. AVX2 f32 lanes have one `vpermps` and 32-bit shifts: the table is cheaper there (entropy
//! f32: 10.3 against 10.5 instructions per element, 6% less CPU time).
//!
//! Why the table form stays within an ulp or so of the platform `ln`:
//! - the step holding 1 has c = 1 exactly, so near 1 r = z - 1 is exact and the result is
//!   r + r^2 P(r), with full relative accuracy however small ln x is;
//! - every other c was picked (among many near 1/center) so that ln(1/c) is within 1/1000 ulp of
//!   its double (float) value: one table entry, no low part needed;
//! - r = fma(z, c, -1) has one rounding, and k ln2_hi + ln(1/c) + r are added with their
//!   rounding errors recovered (Fast2Sum: |k ln 2| > |ln(1/c)| when k != 0, and
//!   |ln(1/c)| > |r| when c != 1), so only the final addition rounds at the scale of the result;
//! - P, a minimax polynomial for (ln(1 + r) - r) / r^2 on the range of r, errs by under 2^-56 of
//!   r (f64, degree 9) and 2^-30 (f32, degree 4) relative to ln(1 + r).
//!
//! The tables and P came from mpmath (200-bit): c = the candidate near 2 / (lo + hi) of the step
//! whose -ln c is nearest a double (float), P by Chebyshev fit on the r range then rounded.
//!
//! **fdlibm** (`e_log.c`, `e_logf.c`; AVX2 f64, NEON, scalar): x = 2^k m with m in
//! [sqrt(1/2), sqrt(2)); f = m - 1 (exact); s = f / (2 + f);
//! ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with fdlibm's minimax R, and k ln 2 added with ln 2
//! split into a high part (exact times any k) and a low part.
//!
//! Both: subnormal inputs are scaled into the normal range first; 0 gives -inf, +inf gives +inf,
//! negatives and NaN give NaN, as the platform `ln` does.

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

/// Natural log of each lane of an f64 vector.
#[inline(always)]
pub fn ln_f64<V: FloatVec<Elem = f64>>(x: V) -> V {
    fix_special(x, ln_f64_positive(x))
}

/// Natural log of positive finite f64 lanes (subnormals included); other lanes are unspecified.
/// The kernels mask those lanes themselves, so they skip `fix_special`.
#[inline(always)]
pub fn ln_f64_positive<V: FloatVec<Elem = f64>>(x: V) -> V {
    ln_positive_with(V::TABLE_LN, x)
}

/// ln of positive finite f64 lanes for terms that are summed (x ln x of entropy): on the table
/// reduction, k ln 2 + ln(1/c) is one fma and r + r^2 P(r) is added to it without recovering
/// the rounding errors, 8 operations a vector fewer than [`ln_f64_positive`]. That costs up to
/// about 2 ulp next to the step holding 1 (where |ln(1/c)| is up to twice the result), which a
/// sum of terms does not see: its own rounding is O(log n) ulp. On the fdlibm levels it is
/// [`ln_f64_positive`].
#[inline(always)]
pub fn ln_f64_summand<V: FloatVec<Elem = f64>>(x: V) -> V {
    if !V::TABLE_LN {
        return ln_f64_positive(x);
    }
    let (z, k, i) = reduce_indexed(x);
    table_summand(z, k, i)
}

/// The table log's summand form from the split of `x` (see [`ln_f64_summand`]).
#[inline(always)]
fn table_summand<V: FloatVec<Elem = f64>>(z: V, k: V, i: V::Index) -> V {
    let invc = V::lookup8(&<f64 as VectorLn>::INVC, i);
    let logc = V::lookup8(&<f64 as VectorLn>::LOGC, i);
    let r = z.fma(invc, V::splat(-1.0));
    let p = <f64 as VectorLn>::tail(r);
    let hi = k.fma(V::splat(std::f64::consts::LN_2), logc);
    hi.add(r.mul(r).fma(p, r))
}

/// [`x_ln_x_summand`] for lanes that are normal, zero or NaN, on the table levels (where it
/// drops the subnormal scaling, 5 of the 32 vector operations an entropy term costs): the same
/// bits as [`x_ln_x_summand`] there. A positive subnormal lane gives a wrong term; callers check
/// with [`FloatVec::fold_subnormal`] and recompute.
#[inline(always)]
pub fn x_ln_x_summand_normal<V: FloatVec<Elem = f64>>(x: V) -> V {
    if !V::TABLE_LN {
        return x_ln_x_summand(x);
    }
    let (z, k, i) = x.split_indexed();
    x.mul(table_summand(z, k, i))
}

/// x ln x of non-negative (or NaN) f64 lanes, with [`ln_f64_summand`]: 0 for x = 0 (as -0.0
/// or 0.0), NaN for NaN. On the table levels the log of 0 is finite (its reduction reads 0 as
/// 2^-1077), so the product needs no select.
#[inline(always)]
pub fn x_ln_x_summand<V: FloatVec<Elem = f64>>(x: V) -> V {
    let term = x.mul(ln_f64_summand(x));
    if V::TABLE_LN {
        return term;
    }
    let zero = V::splat(0.0);
    V::select(x.gt(zero), term, x.mul(zero))
}

/// Natural log of each lane of an f32 vector (computed in f32 lanes).
#[inline(always)]
pub fn ln_f32<V: FloatVec<Elem = f32>>(x: V) -> V {
    fix_special(x, ln_positive_with(V::TABLE_LN, x))
}

/// `(k, ln m)` with ln x = k ln 2 + ln m, for positive finite f32 lanes; other lanes are
/// unspecified. |ln m| < 0.37, so ln m carries an absolute error below 6e-8, and adding k ln 2 in
/// f64 gives ln x to that absolute accuracy: far better than the ulp of ln x in f32 (up to 8e-6),
/// which is what keeps float32 input within 1e-6 of a float64 computation.
#[inline(always)]
pub fn ln_parts_f32<V: FloatVec<Elem = f32>>(x: V) -> (V, V) {
    if V::TABLE_LN {
        // ln m = ln(1/c) + (r + r^2 P(r)) without recovering the rounding of the sum: within
        // about 2 float ulp of 0.37, which the f64 terms these parts make do not notice.
        let (z, k, i) = reduce_indexed(x);
        let invc = V::lookup8(&<V::Elem as VectorLn>::INVC, i);
        let logc = V::lookup8(&<V::Elem as VectorLn>::LOGC, i);
        let r = z.fma(invc, V::splat(-1.0));
        let p = <V::Elem as VectorLn>::tail(r);
        (k, logc.add(r.mul(r).fma(p, r)))
    } else {
        let (m, k) = reduce_fdlibm(x);
        (k, fdlibm_ln(m, V::splat(0.0)))
    }
}

/// ln of positive finite lanes by the table reduction (`table`) or fdlibm's; the kernels take
/// [`FloatVec::TABLE_LN`], tests/ln.rs sweeps both at every level. `table` is a constant at every
/// call site, so the branch folds away.
#[inline(always)]
pub fn ln_positive_with<V: FloatVec>(table: bool, x: V) -> V
where
    V::Elem: VectorLn,
{
    if table {
        let (z, k, i) = reduce_indexed(x);
        table_ln(z, k, i)
    } else {
        let (m, k) = reduce_fdlibm(x);
        fdlibm_ln(m, k)
    }
}

/// Subnormal lanes scaled into the normal range, and the exponent correction for them.
#[inline(always)]
fn unsubnormal<V: FloatVec>(x: V) -> (V, V)
where
    V::Elem: VectorLn,
{
    let [scale, bits] = <V::Elem as VectorLn>::SUBNORMAL_SCALE;
    let subnormal = x.lt(V::splat(<V::Elem as VectorLn>::MIN_NORMAL));
    let zero = V::splat(V::Elem::ZERO);
    (
        V::select(subnormal, x.mul(V::splat(scale)), x),
        V::select(subnormal, V::splat(bits), zero),
    )
}

/// `(z, k, i)` of `FloatVec::split_indexed` for positive finite lanes, subnormals included.
#[inline(always)]
fn reduce_indexed<V: FloatVec>(x: V) -> (V, V, V::Index)
where
    V::Elem: VectorLn,
{
    let (x, correction) = unsubnormal(x);
    let (z, k, i) = x.split_indexed();
    (z, k.sub(correction), i)
}

/// `(m, k)` with x = 2^k m, m in [sqrt(1/2), sqrt(2)), for positive finite lanes, subnormals
/// included.
#[inline(always)]
fn reduce_fdlibm<V: FloatVec>(x: V) -> (V, V)
where
    V::Elem: VectorLn,
{
    let (x, correction) = unsubnormal(x);
    let (m, k) = x.split_exponent();
    (m, k.sub(correction))
}

/// k ln 2 + ln(m) by fdlibm's assembly, given the reduced mantissa `m` and the exponent `k`:
/// k*ln2_hi - ((hfsq - (s*(hfsq+R) + k*ln2_lo)) - f) with f = m - 1, s = f / (2 + f).
#[inline(always)]
fn fdlibm_ln<V: FloatVec>(m: V, k: V) -> V
where
    V::Elem: VectorLn,
{
    let [ln2_hi, ln2_lo] = <V::Elem as VectorLn>::LN2;
    let one = V::splat(V::Elem::ONE);
    let f = m.sub(one);
    let s = f.div_approx(one.add(one).add(f));
    let z = s.mul(s);
    let w = z.mul(z);
    let r = V::Elem::poly(z, w);
    let half_f2 = f.mul(f).mul(V::splat(V::Elem::from_f64(0.5)));
    let inner = s.mul_add(half_f2.add(r), k.mul(V::splat(ln2_lo)));
    k.mul(V::splat(ln2_hi)).sub(half_f2.sub(inner).sub(f))
}

/// k ln 2 + ln z, given the reduction of `split_indexed`.
#[inline(always)]
fn table_ln<V: FloatVec>(z: V, k: V, i: V::Index) -> V
where
    V::Elem: VectorLn,
{
    let invc = V::lookup8(&<V::Elem as VectorLn>::INVC, i);
    let logc = V::lookup8(&<V::Elem as VectorLn>::LOGC, i);
    let r = z.fma(invc, V::splat(V::Elem::from_f64(-1.0)));
    let p = <V::Elem as VectorLn>::tail(r);
    let r2 = r.mul(r);
    let [ln2_hi, ln2_lo] = <V::Elem as VectorLn>::LN2;
    // hi = k ln2_hi + logc (k ln2_hi is exact), with its rounding error.
    let a = k.mul(V::splat(ln2_hi));
    let hi = a.add(logc);
    let err_hi = a.sub(hi).add(logc);
    // hi + r with its rounding error: hi is 0 or larger than |r|.
    let sum = hi.add(r);
    let err = hi.sub(sum).add(r);
    let low = k.mul_add(V::splat(ln2_lo), err_hi.add(err));
    sum.add(r2.mul_add(p, low))
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

/// The element types that have a vector log: the tables and polynomial of their precision.
pub trait VectorLn: Real {
    fn ln_vec<V: FloatVec<Elem = Self>>(x: V) -> V;
    /// fdlibm's minimax polynomial R(z, w) of this precision (the fdlibm reduction and
    /// [`super::ln1p`]).
    fn poly<V: FloatVec<Elem = Self>>(z: V, w: V) -> V;
    /// P(r) ~ (ln(1 + r) - r) / r^2 for |r| <= 1/16.
    fn tail<V: FloatVec<Elem = Self>>(r: V) -> V;
    /// c per step of `split_indexed` (step 4, holding 1, has c = 1).
    const INVC: [Self; 8];
    /// ln(1 / c), within 1/1000 ulp of the exact value.
    const LOGC: [Self; 8];
    /// ln 2 = `LN2[0]` + `LN2[1]`, the high part exact times any exponent.
    const LN2: [Self; 2];
    const MIN_NORMAL: Self;
    /// A power of two that brings subnormals into the normal range, and its exponent.
    const SUBNORMAL_SCALE: [Self; 2];
}

/// Bit patterns as f64s, in a const context.
const fn const_f64s<const N: usize>(bits: [u64; N]) -> [f64; N] {
    let mut out = [0.0; N];
    let mut i = 0;
    while i < N {
        out[i] = f64::from_bits(bits[i]);
        i += 1;
    }
    out
}

/// Bit patterns as f32s, in a const context.
const fn const_f32s<const N: usize>(bits: [u32; N]) -> [f32; N] {
    let mut out = [0.0; N];
    let mut i = 0;
    while i < N {
        out[i] = f32::from_bits(bits[i]);
        i += 1;
    }
    out
}

/// `coefficients[0] + r coefficients[1] + ...`, by Horner's rule (the loops are throughput
/// bound, so the fewest instructions win over Estrin's shorter chain).
#[inline(always)]
fn horner<V: FloatVec, const N: usize>(r: V, coefficients: [V::Elem; N]) -> V {
    let mut acc = V::splat(coefficients[N - 1]);
    for &c in coefficients[..N - 1].iter().rev() {
        acc = acc.mul_add(r, V::splat(c));
    }
    acc
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
    #[inline(always)]
    fn tail<V: FloatVec<Elem = f64>>(r: V) -> V {
        horner(
            r,
            // At compile time: a run-time `array::map` is a call that LLVM does not always
            // inline into a large vector loop (it cost a spacing kernel a fifth of its time).
            const {
                const_f64s([
                    0xbfe0000000000001,
                    0x3fd55555555554cc,
                    0xbfcfffffffff7502,
                    0x3fc9999999aca219,
                    0xbfc555555a595a8e,
                    0x3fc2492439d98ec8,
                    0xbfbfffdf1ae4b304,
                    0x3fbc72ebfaf3076b,
                    0xbfb9c62e5e1e0419,
                    0x3fb6b5f0443b881e,
                ])
            },
        )
    }
    const INVC: [f64; 8] = [
        f64::from_bits(0x3ff5555395cd7105),
        f64::from_bits(0x3ff3b13a2efd1662),
        f64::from_bits(0x3ff249238ab49aed),
        f64::from_bits(0x3ff111116d0abe66),
        1.0,
        f64::from_bits(0x3fec71c787da1262),
        f64::from_bits(0x3fe9999aa3a63c84),
        f64::from_bits(0x3fe745ce1d6ce94d),
    ];
    const LOGC: [f64; 8] = [
        f64::from_bits(0xbfd2695cd29cf79f),
        f64::from_bits(0xbfca93e76df7c9a8),
        f64::from_bits(0xbfc117874d17ed05),
        f64::from_bits(0xbfb0859e193f537b),
        0.0,
        f64::from_bits(0x3fbe2703a7805495),
        f64::from_bits(0x3fcc8ff2955b868e),
        f64::from_bits(0x3fd46194f13185df),
    ];
    // fdlibm's split of ln 2: the high part has 21 trailing zero bits.
    const LN2: [f64; 2] = [
        f64::from_bits(0x3fe6_2e42_fee0_0000),
        f64::from_bits(0x3dea_39ef_3579_3c76),
    ];
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    const SUBNORMAL_SCALE: [f64; 2] = [18_014_398_509_481_984.0, 54.0];
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
    #[inline(always)]
    fn tail<V: FloatVec<Elem = f32>>(r: V) -> V {
        horner(
            r,
            const { const_f32s([0xbf000000, 0x3eaaaa99, 0xbe8000bf, 0x3e4d6be8, 0xbe28c9c6]) },
        )
    }
    const INVC: [f32; 8] = [
        f32::from_bits(0x3faab27d),
        f32::from_bits(0x3f9d857d),
        f32::from_bits(0x3f924777),
        f32::from_bits(0x3f8892b3),
        1.0,
        f32::from_bits(0x3f637f0b),
        f32::from_bits(0x3f4cbb3f),
        f32::from_bits(0x3f3a338b),
    ];
    const LOGC: [f32; 8] = [
        f32::from_bits(0xbe936287),
        f32::from_bits(0xbe548316),
        f32::from_bits(0xbe08b0b5),
        f32::from_bits(0xbd84c53d),
        0.0,
        f32::from_bits(0x3df1c0dd),
        f32::from_bits(0x3e64d787),
        f32::from_bits(0x3ea2fea0),
    ];
    // FreeBSD's split of ln 2 for `e_logf.c`.
    const LN2: [f32; 2] = [f32::from_bits(0x3f31_7180), f32::from_bits(0x3717_f7d1)];
    const MIN_NORMAL: f32 = f32::MIN_POSITIVE;
    const SUBNORMAL_SCALE: [f32; 2] = [33_554_432.0, 25.0];
}

/// Which reduction [`ln_slice_with`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LnReduction {
    /// The one the vector type picks ([`FloatVec::TABLE_LN`]): what the kernels use.
    Native,
    Fdlibm,
    Table,
}

/// The natural log as an elementwise function, for `map_slice` (`R`: 0 native, 1 fdlibm, 2 table).
struct Ln<const R: u8>;

impl<E: VectorLn, const R: u8> Elementwise<E> for Ln<R> {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = E>>(x: V) -> V {
        match R {
            0 => E::ln_vec(x),
            _ => fix_special(x, ln_positive_with(R == 2, x)),
        }
    }
}

struct XLnX;

impl Elementwise<f64> for XLnX {
    #[inline(always)]
    fn apply<V: FloatVec<Elem = f64>>(x: V) -> V {
        x_ln_x_summand(x)
    }
}

/// Writes [`x_ln_x_summand`] of `input[i]` (entries >= 0 or NaN) to `output[i]` at `level`: the
/// terms the entropy kernels sum, for tests.
///
/// # Panics
/// If the slices differ in length.
pub fn x_ln_x_summand_slice(level: SimdLevel, input: &[f64], output: &mut [f64]) {
    map_slice::<f64, XLnX>(level, input, output);
}

/// Writes `ln(input[i])` to `output[i]` using the vector log of `level`.
///
/// # Panics
/// If the slices differ in length.
pub fn ln_slice<E: VectorLn>(level: SimdLevel, input: &[E], output: &mut [E]) {
    ln_slice_with(level, LnReduction::Native, input, output);
}

/// [`ln_slice`] with a chosen reduction, so that both are tested at every level.
///
/// # Panics
/// If the slices differ in length.
pub fn ln_slice_with<E: VectorLn>(
    level: SimdLevel,
    reduction: LnReduction,
    input: &[E],
    output: &mut [E],
) {
    match reduction {
        LnReduction::Native => map_slice::<E, Ln<0>>(level, input, output),
        LnReduction::Fdlibm => map_slice::<E, Ln<1>>(level, input, output),
        LnReduction::Table => map_slice::<E, Ln<2>>(level, input, output),
    }
}
