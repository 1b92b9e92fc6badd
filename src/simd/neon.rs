//! NEON vectors (aarch64): 2 x f64, 4 x f32. NEON is part of the aarch64 baseline, so no
//! `target_feature` trampoline is needed.

use super::scalar::{split_indexed_f32, split_indexed_f64, SQRT_HALF_BITS_F32, SQRT_HALF_BITS_F64};
use super::FloatVec;
use std::arch::aarch64::*;

/// Runs NEON intrinsics that only read and write registers (the pointer ones, in `load` and
/// `store`, have their own blocks).
macro_rules! neon {
    ($e:expr) => {
        // SAFETY: these intrinsics need NEON, nothing else (no pointers). NEON is part of the
        // aarch64 baseline: every aarch64 target Rust supports enables the `neon` feature, so
        // every CPU this code was compiled for has it. (The intrinsics are `unsafe` only because
        // they are declared with `#[target_feature(enable = "neon")]`.)
        unsafe { $e }
    };
}

#[derive(Clone, Copy, Debug)]
pub struct F64x2(float64x2_t);

#[derive(Clone, Copy, Debug)]
pub struct F32x4(float32x4_t);

#[inline(always)]
fn total_f64x2(v: float64x2_t) -> f64 {
    neon!(vgetq_lane_f64::<0>(v) + vgetq_lane_f64::<1>(v))
}

// SAFETY: every method is a NEON intrinsic on this type's registers (`neon!`) or a load or store
// of `LANES` values at a pointer its caller vouches for; NEON is part of the aarch64 baseline.
unsafe impl FloatVec for F64x2 {
    type Elem = f64;
    type Mask = uint64x2_t;
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method); NEON is always there (see `neon!`).
        Self(unsafe { vld1q_f64(ptr) })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method); NEON is always there (see `neon!`).
        unsafe { vst1q_f64(ptr, self.0) }
    }
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Self(neon!(vdupq_n_f64(x)))
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(neon!(vaddq_f64(self.0, o.0)))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(neon!(vsubq_f64(self.0, o.0)))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        Self(neon!(vreinterpretq_f64_u64(vorrq_u64(
            vreinterpretq_u64_f64(self.0),
            vreinterpretq_u64_f64(o.0)
        ))))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(neon!(vmulq_f64(self.0, o.0)))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Self(neon!(vdivq_f64(self.0, o.0)))
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Self(neon!(vfmaq_f64(c.0, self.0, b.0)))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> uint64x2_t {
        neon!(vcltq_f64(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> uint64x2_t {
        neon!(vcgeq_f64(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> uint64x2_t {
        neon!(vcgtq_f64(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> uint64x2_t {
        neon!(vceqq_f64(self.0, o.0))
    }
    #[inline(always)]
    fn is_nan(self) -> uint64x2_t {
        neon!(veorq_u64(vceqq_f64(self.0, self.0), vdupq_n_u64(u64::MAX)))
    }
    #[inline(always)]
    fn select(mask: uint64x2_t, a: Self, b: Self) -> Self {
        Self(neon!(vbslq_f64(mask, a.0, b.0)))
    }
    #[inline(always)]
    fn mask_and(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
        neon!(vandq_u64(a, b))
    }
    #[inline(always)]
    fn mask_or(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
        neon!(vorrq_u64(a, b))
    }
    #[inline(always)]
    fn mask_all(m: uint64x2_t) -> bool {
        neon!(vminvq_u32(vreinterpretq_u32_u64(m)) == u32::MAX)
    }
    #[inline(always)]
    fn mask_true() -> uint64x2_t {
        neon!(vdupq_n_u64(u64::MAX))
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        neon!({
            let bits = vreinterpretq_s64_f64(self.0);
            let k = vshrq_n_s64::<52>(vsubq_s64(bits, vdupq_n_s64(SQRT_HALF_BITS_F64 as i64)));
            let m = vreinterpretq_f64_s64(vsubq_s64(bits, vshlq_n_s64::<52>(k)));
            (Self(m), Self(vcvtq_f64_s64(k)))
        })
    }
    // Lane by lane through the scalar code (tested on every run), since NEON code cannot be run
    // here yet; a `vqtbl` table lookup is the faster choice once it can be tested.
    type Index = [usize; 2];
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, [usize; 2]) {
        let mut x = [0.0f64; 2];
        // SAFETY: `x` has room for 2 f64.
        unsafe { vst1q_f64(x.as_mut_ptr(), self.0) };
        let (z0, k0, i0) = split_indexed_f64(x[0]);
        let (z1, k1, i1) = split_indexed_f64(x[1]);
        let (z, k) = ([z0, z1], [k0, k1]);
        // SAFETY: `z` and `k` hold 2 f64 each.
        unsafe {
            (
                Self(vld1q_f64(z.as_ptr())),
                Self(vld1q_f64(k.as_ptr())),
                [i0, i1],
            )
        }
    }
    #[inline(always)]
    fn lookup8(table: &[f64; 8], i: [usize; 2]) -> Self {
        let v = [table[i[0] & 7], table[i[1] & 7]];
        // SAFETY: `v` holds 2 f64.
        Self(unsafe { vld1q_f64(v.as_ptr()) })
    }
    #[inline(always)]
    unsafe fn load_widened(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method); NEON is always there (see `neon!`).
        Self(unsafe { vcvt_f64_f32(vld1_f32(ptr)) })
    }
    #[inline(always)]
    fn horizontal_sum(self) -> f64 {
        total_f64x2(self.0)
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        neon!({
            // k is integer-valued, so the truncating conversion is exact.
            let biased = vaddq_s64(vcvtq_s64_f64(k.0), vdupq_n_s64(1023));
            Self(vreinterpretq_f64_s64(vshlq_n_s64::<52>(biased)))
        })
    }
}

// SAFETY: as for F64x2.
unsafe impl FloatVec for F32x4 {
    type Elem = f32;
    type Mask = uint32x4_t;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method); NEON is always there (see `neon!`).
        Self(unsafe { vld1q_f32(ptr) })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method); NEON is always there (see `neon!`).
        unsafe { vst1q_f32(ptr, self.0) }
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Self(neon!(vdupq_n_f32(x)))
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self(neon!(vaddq_f32(self.0, o.0)))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self(neon!(vsubq_f32(self.0, o.0)))
    }
    #[inline(always)]
    fn or_bits(self, o: Self) -> Self {
        Self(neon!(vreinterpretq_f32_u32(vorrq_u32(
            vreinterpretq_u32_f32(self.0),
            vreinterpretq_u32_f32(o.0)
        ))))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self(neon!(vmulq_f32(self.0, o.0)))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Self(neon!(vdivq_f32(self.0, o.0)))
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Self(neon!(vfmaq_f32(c.0, self.0, b.0)))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> uint32x4_t {
        neon!(vcltq_f32(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> uint32x4_t {
        neon!(vcgeq_f32(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> uint32x4_t {
        neon!(vcgtq_f32(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> uint32x4_t {
        neon!(vceqq_f32(self.0, o.0))
    }
    #[inline(always)]
    fn is_nan(self) -> uint32x4_t {
        neon!(vmvnq_u32(vceqq_f32(self.0, self.0)))
    }
    #[inline(always)]
    fn select(mask: uint32x4_t, a: Self, b: Self) -> Self {
        Self(neon!(vbslq_f32(mask, a.0, b.0)))
    }
    #[inline(always)]
    fn mask_and(a: uint32x4_t, b: uint32x4_t) -> uint32x4_t {
        neon!(vandq_u32(a, b))
    }
    #[inline(always)]
    fn mask_or(a: uint32x4_t, b: uint32x4_t) -> uint32x4_t {
        neon!(vorrq_u32(a, b))
    }
    #[inline(always)]
    fn mask_all(m: uint32x4_t) -> bool {
        neon!(vminvq_u32(m) == u32::MAX)
    }
    #[inline(always)]
    fn mask_true() -> uint32x4_t {
        neon!(vdupq_n_u32(u32::MAX))
    }
    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        neon!({
            let bits = vreinterpretq_s32_f32(self.0);
            let k = vshrq_n_s32::<23>(vsubq_s32(bits, vdupq_n_s32(SQRT_HALF_BITS_F32 as i32)));
            let m = vreinterpretq_f32_s32(vsubq_s32(bits, vshlq_n_s32::<23>(k)));
            (Self(m), Self(vcvtq_f32_s32(k)))
        })
    }
    // Lane by lane through the scalar code, as for F64x2.
    type Index = [usize; 4];
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, [usize; 4]) {
        let mut x = [0.0f32; 4];
        // SAFETY: `x` has room for 4 f32.
        unsafe { vst1q_f32(x.as_mut_ptr(), self.0) };
        let parts = x.map(split_indexed_f32);
        let (z, k, i) = (parts.map(|p| p.0), parts.map(|p| p.1), parts.map(|p| p.2));
        // SAFETY: `z` and `k` hold 4 f32 each.
        unsafe { (Self(vld1q_f32(z.as_ptr())), Self(vld1q_f32(k.as_ptr())), i) }
    }
    #[inline(always)]
    fn lookup8(table: &[f32; 8], i: [usize; 4]) -> Self {
        let v = [
            table[i[0] & 7],
            table[i[1] & 7],
            table[i[2] & 7],
            table[i[3] & 7],
        ];
        // SAFETY: `v` holds 4 f32.
        Self(unsafe { vld1q_f32(v.as_ptr()) })
    }
    #[inline(always)]
    unsafe fn load_widened(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees that `ptr` is valid for `LANES` values (the
        // contract of this method); NEON is always there (see `neon!`).
        unsafe { Self::load(ptr) }
    }
    #[inline(always)]
    fn horizontal_sum(self) -> f64 {
        neon!({
            total_f64x2(vcvt_f64_f32(vget_low_f32(self.0))) + total_f64x2(vcvt_high_f64_f32(self.0))
        })
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        neon!({
            let biased = vaddq_s32(vcvtq_s32_f32(k.0), vdupq_n_s32(127));
            Self(vreinterpretq_f32_s32(vshlq_n_s32::<23>(biased)))
        })
    }
}
