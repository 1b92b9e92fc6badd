//! AVX2 + FMA vectors: 4 x f64, 8 x f32.

use super::scalar::{
    LN_TABLE_START_BITS_F32, LN_TABLE_START_BITS_F64, SQRT_HALF_BITS_F32, SQRT_HALF_BITS_F64,
};
use super::FloatVec;
use std::arch::x86_64::*;

/// Runs AVX2/FMA intrinsics that only read and write registers (the pointer ones, in `load` and
/// `store`, have their own blocks).
macro_rules! avx2 {
    ($e:expr) => {
        // SAFETY: these intrinsics need AVX2 and FMA, nothing else (no pointers). The vector types
        // of this file are only used inside `run_avx2`: they are reached through `Avx2Level`,
        // which only `dispatch` names, after `is_supported` confirmed both features (the
        // `FloatVec` contract). So the CPU running this has them.
        unsafe { $e }
    };
}

#[derive(Clone, Copy, Debug)]
pub struct F64x4(__m256d);

#[derive(Clone, Copy, Debug)]
pub struct F32x8(__m256);

/// Indices for `F64x4::lookup8`: AVX2 permutes 64-bit lanes only by immediates, so each lane holds
/// the f32-lane pair (2j, 2j + 1) of entry j = i % 4 for `vpermps`, and `high` has i / 4 in the
/// sign bit for the blend between entries 0..4 and 4..8.
#[derive(Clone, Copy, Debug)]
pub struct PairIndex {
    pairs: __m256i,
    high: __m256d,
}

/// Adds two f64 accumulator lanes sets in a fixed order: ((a0+a1)+(a2+a3)).
#[inline(always)]
fn total_f64x4(v: __m256d) -> f64 {
    let mut lanes = [0.0f64; 4];
    // SAFETY: `lanes` has room for 4 f64; the CPU has AVX (as in `avx2!`).
    unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), v) };
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
}

// SAFETY: every method is an AVX2/FMA intrinsic on this type's registers (`avx2!`) or a load or
// store of `LANES` values at a pointer its caller vouches for; `Avx2Level` is only used inside
// `run_avx2`, on CPUs with AVX2 and FMA.
unsafe impl FloatVec for F64x4 {
    type Elem = f64;
    type Mask = __m256d;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX2 (see `avx2!`).
        Self(unsafe { _mm256_loadu_pd(ptr) })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX2 (see `avx2!`).
        unsafe { _mm256_storeu_pd(ptr, self.0) }
    }
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Self(avx2!(_mm256_set1_pd(x)))
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(avx2!(_mm256_add_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(avx2!(_mm256_sub_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        Self(avx2!(_mm256_or_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(avx2!(_mm256_mul_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Self(avx2!(_mm256_div_pd(self.0, o.0)))
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Self(avx2!(_mm256_fmadd_pd(self.0, b.0, c.0)))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> __m256d {
        avx2!(_mm256_cmp_pd::<_CMP_LT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> __m256d {
        avx2!(_mm256_cmp_pd::<_CMP_GE_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> __m256d {
        avx2!(_mm256_cmp_pd::<_CMP_GT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> __m256d {
        avx2!(_mm256_cmp_pd::<_CMP_EQ_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn is_nan(self) -> __m256d {
        avx2!(_mm256_cmp_pd::<_CMP_UNORD_Q>(self.0, self.0))
    }
    #[inline(always)]
    fn select(mask: __m256d, a: Self, b: Self) -> Self {
        Self(avx2!(_mm256_blendv_pd(b.0, a.0, mask)))
    }
    #[inline(always)]
    fn mask_and(a: __m256d, b: __m256d) -> __m256d {
        avx2!(_mm256_and_pd(a, b))
    }
    #[inline(always)]
    fn mask_or(a: __m256d, b: __m256d) -> __m256d {
        avx2!(_mm256_or_pd(a, b))
    }
    #[inline(always)]
    fn mask_all(m: __m256d) -> bool {
        avx2!(_mm256_movemask_pd(m) == 0xf)
    }
    #[inline(always)]
    fn mask_true() -> __m256d {
        avx2!(_mm256_castsi256_pd(_mm256_set1_epi64x(-1)))
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        avx2!({
            let bits = _mm256_castpd_si256(self.0);
            // k + 1023 = ((bits - sqrt_half + 1023 << 52) >> 52) is non-negative for positive
            // normal x, so the logical shift AVX2 has serves (it lacks a 64-bit arithmetic one).
            let biased = _mm256_srli_epi64::<52>(_mm256_add_epi64(
                _mm256_sub_epi64(bits, _mm256_set1_epi64x(SQRT_HALF_BITS_F64 as i64)),
                _mm256_set1_epi64x(1023 << 52),
            ));
            let shift = _mm256_slli_epi64::<52>(_mm256_sub_epi64(biased, _mm256_set1_epi64x(1023)));
            let m = _mm256_castsi256_pd(_mm256_sub_epi64(bits, shift));
            // Small integer to double: put it in the mantissa of 2^52 and subtract 2^52.
            let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
            let k = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(biased, magic)),
                _mm256_set1_pd(4_503_599_627_370_496.0 + 1023.0),
            );
            (Self(m), Self(k))
        })
    }
    type Index = PairIndex;
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, PairIndex) {
        avx2!({
            let bits = _mm256_castpd_si256(self.0);
            let tmp = _mm256_sub_epi64(bits, _mm256_set1_epi64x(LN_TABLE_START_BITS_F64 as i64));
            // k + 1023, by the logical shift as in `split_exponent`.
            let biased =
                _mm256_srli_epi64::<52>(_mm256_add_epi64(tmp, _mm256_set1_epi64x(1023 << 52)));
            let shift = _mm256_slli_epi64::<52>(_mm256_sub_epi64(biased, _mm256_set1_epi64x(1023)));
            let z = _mm256_castsi256_pd(_mm256_sub_epi64(bits, shift));
            let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000);
            let k = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(biased, magic)),
                _mm256_set1_pd(4_503_599_627_370_496.0 + 1023.0),
            );
            // i sits in bits 49..52 of tmp: 2 (i % 4) and 2 (i % 4) + 1 as the f32-lane pair.
            let two_j = _mm256_and_si256(_mm256_srli_epi64::<48>(tmp), _mm256_set1_epi64x(6));
            let pairs = _mm256_add_epi64(
                _mm256_or_si256(two_j, _mm256_slli_epi64::<32>(two_j)),
                _mm256_set1_epi64x(1 << 32),
            );
            let high = _mm256_castsi256_pd(_mm256_slli_epi64::<12>(tmp));
            (Self(z), Self(k), PairIndex { pairs, high })
        })
    }
    #[inline(always)]
    fn lookup8(table: &[f64; 8], i: PairIndex) -> Self {
        // SAFETY: `table` holds 8 f64s, read as two unaligned loads of 4; the CPU has AVX2 (see
        // `avx2!`).
        unsafe {
            let low = _mm256_castpd_ps(_mm256_loadu_pd(table.as_ptr()));
            let high = _mm256_castpd_ps(_mm256_loadu_pd(table.as_ptr().add(4)));
            let from_low = _mm256_castps_pd(_mm256_permutevar8x32_ps(low, i.pairs));
            let from_high = _mm256_castps_pd(_mm256_permutevar8x32_ps(high, i.pairs));
            Self(_mm256_blendv_pd(from_low, from_high, i.high))
        }
    }
    #[inline(always)]
    unsafe fn load_widened(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX2 (see `avx2!`).
        Self(unsafe { _mm256_cvtps_pd(_mm_loadu_ps(ptr)) })
    }
    #[inline(always)]
    fn horizontal_sum(self) -> f64 {
        total_f64x4(self.0)
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        avx2!({
            // AVX2 has no f64 -> i64 conversion: adding 1.5 * 2^52 leaves k (two's complement) in
            // the low mantissa bits, and the shift drops everything above the new exponent field.
            let bits =
                _mm256_castpd_si256(_mm256_add_pd(k.0, _mm256_set1_pd(6_755_399_441_055_744.0)));
            let biased = _mm256_add_epi64(bits, _mm256_set1_epi64x(1023));
            Self(_mm256_castsi256_pd(_mm256_slli_epi64::<52>(biased)))
        })
    }
}

// SAFETY: as for F64x4.
unsafe impl FloatVec for F32x8 {
    const TABLE_LN: bool = true;
    type Elem = f32;
    type Mask = __m256;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX2 (see `avx2!`).
        Self(unsafe { _mm256_loadu_ps(ptr) })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX2 (see `avx2!`).
        unsafe { _mm256_storeu_ps(ptr, self.0) }
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Self(avx2!(_mm256_set1_ps(x)))
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(avx2!(_mm256_add_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(avx2!(_mm256_sub_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        Self(avx2!(_mm256_or_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(avx2!(_mm256_mul_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Self(avx2!(_mm256_div_ps(self.0, o.0)))
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Self(avx2!(_mm256_fmadd_ps(self.0, b.0, c.0)))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> __m256 {
        avx2!(_mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> __m256 {
        avx2!(_mm256_cmp_ps::<_CMP_GE_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> __m256 {
        avx2!(_mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> __m256 {
        avx2!(_mm256_cmp_ps::<_CMP_EQ_OQ>(self.0, o.0))
    }
    #[inline(always)]
    fn is_nan(self) -> __m256 {
        avx2!(_mm256_cmp_ps::<_CMP_UNORD_Q>(self.0, self.0))
    }
    #[inline(always)]
    fn select(mask: __m256, a: Self, b: Self) -> Self {
        Self(avx2!(_mm256_blendv_ps(b.0, a.0, mask)))
    }
    #[inline(always)]
    fn mask_and(a: __m256, b: __m256) -> __m256 {
        avx2!(_mm256_and_ps(a, b))
    }
    #[inline(always)]
    fn mask_or(a: __m256, b: __m256) -> __m256 {
        avx2!(_mm256_or_ps(a, b))
    }
    #[inline(always)]
    fn mask_all(m: __m256) -> bool {
        avx2!(_mm256_movemask_ps(m) == 0xff)
    }
    #[inline(always)]
    fn mask_true() -> __m256 {
        avx2!(_mm256_castsi256_ps(_mm256_set1_epi32(-1)))
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        avx2!({
            let bits = _mm256_castps_si256(self.0);
            let k = _mm256_srai_epi32::<23>(_mm256_sub_epi32(
                bits,
                _mm256_set1_epi32(SQRT_HALF_BITS_F32 as i32),
            ));
            let m = _mm256_castsi256_ps(_mm256_sub_epi32(bits, _mm256_slli_epi32::<23>(k)));
            (Self(m), Self(_mm256_cvtepi32_ps(k)))
        })
    }
    type Index = __m256i;
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, __m256i) {
        avx2!({
            let bits = _mm256_castps_si256(self.0);
            let tmp = _mm256_sub_epi32(bits, _mm256_set1_epi32(LN_TABLE_START_BITS_F32 as i32));
            let k = _mm256_srai_epi32::<23>(tmp);
            let z = _mm256_castsi256_ps(_mm256_sub_epi32(bits, _mm256_slli_epi32::<23>(k)));
            // vpermps reads only the low 3 bits of each index, so no mask is needed.
            let i = _mm256_srli_epi32::<20>(tmp);
            (Self(z), Self(_mm256_cvtepi32_ps(k)), i)
        })
    }
    #[inline(always)]
    fn lookup8(table: &[f32; 8], i: __m256i) -> Self {
        // SAFETY: `table` holds 8 f32s, one unaligned load; the CPU has AVX2 (see `avx2!`).
        Self(unsafe { _mm256_permutevar8x32_ps(_mm256_loadu_ps(table.as_ptr()), i) })
    }
    #[inline(always)]
    unsafe fn load_widened(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method), and the CPU has AVX2 (see `avx2!`).
        unsafe { Self::load(ptr) }
    }
    #[inline(always)]
    fn horizontal_sum(self) -> f64 {
        avx2!({
            let lo = _mm256_cvtps_pd(_mm256_castps256_ps128(self.0));
            let hi = _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(self.0));
            total_f64x4(lo) + total_f64x4(hi)
        })
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        avx2!({
            let biased = _mm256_add_epi32(_mm256_cvtps_epi32(k.0), _mm256_set1_epi32(127));
            Self(_mm256_castsi256_ps(_mm256_slli_epi32::<23>(biased)))
        })
    }
}
