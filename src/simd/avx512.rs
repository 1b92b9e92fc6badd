//! AVX-512 (F, DQ, VL) vectors: 8 x f64, 16 x f32.

use super::scalar::{
    LN_TABLE_START_BITS_F32, LN_TABLE_START_BITS_F64, SQRT_HALF_BITS_F32, SQRT_HALF_BITS_F64,
};
use super::FloatVec;
use std::arch::x86_64::*;

/// Runs AVX-512 intrinsics that only read and write registers (the pointer ones, in `load` and
/// `store`, have their own blocks).
macro_rules! avx512 {
    ($e:expr) => {
        // SAFETY: these intrinsics need AVX-512 F, DQ or VL, nothing else (no pointers). The
        // vector types of this file are only used inside `run_avx512`: they are reached through
        // `Avx512Level`, which only `dispatch` names, after `is_supported` confirmed the three
        // features (the `FloatVec` contract). So the CPU running this has them.
        unsafe { $e }
    };
}

#[derive(Clone, Copy, Debug)]
pub struct F64x8(__m512d);

#[derive(Clone, Copy, Debug)]
pub struct F32x16(__m512);

/// Sums 8 lanes pairwise in a fixed order.
#[inline(always)]
fn total_f64x8(v: __m512d) -> f64 {
    let mut l = [0.0f64; 8];
    // SAFETY: `l` has room for 8 f64; the CPU has AVX-512 F (as in `avx512!`).
    unsafe { _mm512_storeu_pd(l.as_mut_ptr(), v) };
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

// SAFETY: every method is an AVX-512 intrinsic on this type's registers (`avx512!`) or a load or
// store of `LANES` values at a pointer its caller vouches for; `Avx512Level` is only used inside
// `run_avx512`, on CPUs with AVX-512 F, DQ and VL.
unsafe impl FloatVec for F64x8 {
    const TABLE_LN: bool = true;
    type Elem = f64;
    type Mask = __mmask8;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX-512 (see `avx512!`).
        Self(unsafe { _mm512_loadu_pd(ptr) })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX-512 (see `avx512!`).
        unsafe { _mm512_storeu_pd(ptr, self.0) }
    }
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Self(avx512!(_mm512_set1_pd(x)))
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(avx512!(_mm512_add_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(avx512!(_mm512_sub_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        Self(avx512!(_mm512_or_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(avx512!(_mm512_mul_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Self(avx512!(_mm512_div_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn div_approx(self, o: Self) -> Self {
        avx512!({
            // 14-bit estimate, then two Newton steps: 28, then 56 bits.
            let one = _mm512_set1_pd(1.0);
            let r = _mm512_rcp14_pd(o.0);
            let r = _mm512_fmadd_pd(r, _mm512_fnmadd_pd(o.0, r, one), r);
            let r = _mm512_fmadd_pd(r, _mm512_fnmadd_pd(o.0, r, one), r);
            Self(_mm512_mul_pd(self.0, r))
        })
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Self(avx512!(_mm512_fmadd_pd(self.0, b.0, c.0)))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_LT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_GE_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_GT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_EQ_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn is_nan(self) -> __mmask8 {
        avx512!(_mm512_cmp_pd_mask::<_CMP_UNORD_Q>(self.0, self.0))
    }
    #[inline(always)]
    fn select(mask: __mmask8, a: Self, b: Self) -> Self {
        Self(avx512!(_mm512_mask_blend_pd(mask, b.0, a.0)))
    }
    #[inline(always)]
    fn mask_and(a: __mmask8, b: __mmask8) -> __mmask8 {
        a & b
    }
    #[inline(always)]
    fn mask_or(a: __mmask8, b: __mmask8) -> __mmask8 {
        a | b
    }
    #[inline(always)]
    fn mask_all(m: __mmask8) -> bool {
        m == 0xff
    }
    #[inline(always)]
    fn mask_true() -> __mmask8 {
        0xff
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        avx512!({
            let bits = _mm512_castpd_si512(self.0);
            let k = _mm512_srai_epi64::<52>(_mm512_sub_epi64(
                bits,
                _mm512_set1_epi64(SQRT_HALF_BITS_F64 as i64),
            ));
            let m = _mm512_castsi512_pd(_mm512_sub_epi64(bits, _mm512_slli_epi64::<52>(k)));
            (Self(m), Self(_mm512_cvtepi64_pd(k)))
        })
    }
    type Index = __m512i;
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, __m512i) {
        avx512!({
            let bits = _mm512_castpd_si512(self.0);
            let tmp = _mm512_sub_epi64(bits, _mm512_set1_epi64(LN_TABLE_START_BITS_F64 as i64));
            let k = _mm512_srai_epi64::<52>(tmp);
            let z = _mm512_castsi512_pd(_mm512_sub_epi64(bits, _mm512_slli_epi64::<52>(k)));
            // vpermpd reads only the low 3 bits of each index, so no mask is needed.
            let i = _mm512_srli_epi64::<49>(tmp);
            (Self(z), Self(_mm512_cvtepi64_pd(k)), i)
        })
    }
    #[inline(always)]
    fn lookup8(table: &[f64; 8], i: __m512i) -> Self {
        // SAFETY: `table` holds 8 f64s, one unaligned load; the CPU has AVX-512 (see `avx512!`).
        Self(unsafe { _mm512_permutexvar_pd(i, _mm512_loadu_pd(table.as_ptr())) })
    }
    #[inline(always)]
    unsafe fn load_widened(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX-512 (see `avx512!`).
        Self(unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(ptr)) })
    }
    #[inline(always)]
    fn fold_subnormal(self, seen: Self) -> Self {
        // As unsigned integers, the bits minus one of a positive subnormal are below 2^52 - 1,
        // and those of +0 (wrapping), normals, negatives and NaN are not: `seen` keeps the
        // least, two integer operations instead of two compares and a mask operation.
        avx512!({
            let bits = _mm512_sub_epi64(_mm512_castpd_si512(self.0), _mm512_set1_epi64(1));
            Self(_mm512_castsi512_pd(_mm512_min_epu64(
                _mm512_castpd_si512(seen.0),
                bits,
            )))
        })
    }
    #[inline(always)]
    fn saw_subnormal(seen: Self) -> bool {
        avx512!({
            let limit = _mm512_set1_epi64((1 << 52) - 1);
            _mm512_cmplt_epu64_mask(_mm512_castpd_si512(seen.0), limit) != 0
        })
    }
    #[inline(always)]
    fn horizontal_sum(self) -> f64 {
        total_f64x8(self.0)
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        avx512!({
            let biased = _mm512_add_epi64(_mm512_cvtpd_epi64(k.0), _mm512_set1_epi64(1023));
            Self(_mm512_castsi512_pd(_mm512_slli_epi64::<52>(biased)))
        })
    }
}

// SAFETY: as for F64x8.
unsafe impl FloatVec for F32x16 {
    const TABLE_LN: bool = true;
    type Elem = f32;
    type Mask = __mmask16;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX-512 (see `avx512!`).
        Self(unsafe { _mm512_loadu_ps(ptr) })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX-512 (see `avx512!`).
        unsafe { _mm512_storeu_ps(ptr, self.0) }
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Self(avx512!(_mm512_set1_ps(x)))
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(avx512!(_mm512_add_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(avx512!(_mm512_sub_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        Self(avx512!(_mm512_or_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(avx512!(_mm512_mul_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Self(avx512!(_mm512_div_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn div_approx(self, o: Self) -> Self {
        avx512!({
            // 14-bit estimate and one Newton step: 28 bits, more than f32 holds.
            let one = _mm512_set1_ps(1.0);
            let r = _mm512_rcp14_ps(o.0);
            let r = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(o.0, r, one), r);
            Self(_mm512_mul_ps(self.0, r))
        })
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Self(avx512!(_mm512_fmadd_ps(self.0, b.0, c.0)))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_EQ_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn is_nan(self) -> __mmask16 {
        avx512!(_mm512_cmp_ps_mask::<_CMP_UNORD_Q>(self.0, self.0))
    }
    #[inline(always)]
    fn select(mask: __mmask16, a: Self, b: Self) -> Self {
        Self(avx512!(_mm512_mask_blend_ps(mask, b.0, a.0)))
    }
    #[inline(always)]
    fn mask_and(a: __mmask16, b: __mmask16) -> __mmask16 {
        a & b
    }
    #[inline(always)]
    fn mask_or(a: __mmask16, b: __mmask16) -> __mmask16 {
        a | b
    }
    #[inline(always)]
    fn mask_all(m: __mmask16) -> bool {
        m == 0xffff
    }
    #[inline(always)]
    fn mask_true() -> __mmask16 {
        0xffff
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        avx512!({
            let bits = _mm512_castps_si512(self.0);
            let k = _mm512_srai_epi32::<23>(_mm512_sub_epi32(
                bits,
                _mm512_set1_epi32(SQRT_HALF_BITS_F32 as i32),
            ));
            let m = _mm512_castsi512_ps(_mm512_sub_epi32(bits, _mm512_slli_epi32::<23>(k)));
            (Self(m), Self(_mm512_cvtepi32_ps(k)))
        })
    }
    type Index = __m512i;
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, __m512i) {
        avx512!({
            let bits = _mm512_castps_si512(self.0);
            let tmp = _mm512_sub_epi32(bits, _mm512_set1_epi32(LN_TABLE_START_BITS_F32 as i32));
            let k = _mm512_srai_epi32::<23>(tmp);
            let z = _mm512_castsi512_ps(_mm512_sub_epi32(bits, _mm512_slli_epi32::<23>(k)));
            // vpermps reads the low 4 bits of each index; `lookup8` repeats the table in both
            // halves, so bit 3 needs no mask.
            let i = _mm512_srli_epi32::<20>(tmp);
            (Self(z), Self(_mm512_cvtepi32_ps(k)), i)
        })
    }
    #[inline(always)]
    fn lookup8(table: &[f32; 8], i: __m512i) -> Self {
        // SAFETY: `table` holds 8 f32s, one unaligned 256-bit load; the CPU has AVX-512 (see
        // `avx512!`).
        unsafe {
            let table = _mm512_broadcast_f32x8(_mm256_loadu_ps(table.as_ptr()));
            Self(_mm512_permutexvar_ps(i, table))
        }
    }
    #[inline(always)]
    unsafe fn load_widened(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX-512 (see `avx512!`).
        unsafe { Self::load(ptr) }
    }
    #[inline(always)]
    fn horizontal_sum(self) -> f64 {
        avx512!({
            let lo = _mm512_cvtps_pd(_mm512_castps512_ps256(self.0));
            let hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                _mm512_castps_pd(self.0),
            )));
            total_f64x8(lo) + total_f64x8(hi)
        })
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        avx512!({
            let biased = _mm512_add_epi32(_mm512_cvtps_epi32(k.0), _mm512_set1_epi32(127));
            Self(_mm512_castsi512_ps(_mm512_slli_epi32::<23>(biased)))
        })
    }
}
