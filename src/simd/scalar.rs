//! One-lane "vectors": the portable fallback, and the reference the wide levels are tested against.

use super::FloatVec;

#[derive(Clone, Copy, Debug)]
pub struct F64x1(pub f64);

#[derive(Clone, Copy, Debug)]
pub struct F32x1(pub f32);

/// `sqrt(1/2)` rounded down: the mantissa range of `split_exponent` starts here.
pub(crate) const SQRT_HALF_BITS_F64: u64 = 0x3fe6_a09e_667f_3bcd;
pub(crate) const SQRT_HALF_BITS_F32: u32 = 0x3f35_04f3;

/// The bit pattern of 0.71875, where the mantissa range of `split_indexed` starts. Its steps are
/// 2^49 (f64) and 2^20 (f32) apart in bit pattern, so that 1 sits inside step 4 (see `simd::ln`).
pub(crate) const LN_TABLE_START_BITS_F64: u64 = 0x3fe7_0000_0000_0000;
pub(crate) const LN_TABLE_START_BITS_F32: u32 = 0x3f38_0000;

/// `split_indexed` of one f64 (also the NEON implementation, lane by lane).
#[inline(always)]
pub(crate) fn split_indexed_f64(x: f64) -> (f64, f64, usize) {
    let bits = x.to_bits();
    let tmp = bits.wrapping_sub(LN_TABLE_START_BITS_F64);
    let k = (tmp as i64) >> 52;
    let z = bits.wrapping_sub((k as u64) << 52);
    (f64::from_bits(z), k as f64, ((tmp >> 49) & 7) as usize)
}

/// `split_indexed` of one f32 (also the NEON implementation, lane by lane).
#[inline(always)]
pub(crate) fn split_indexed_f32(x: f32) -> (f32, f32, usize) {
    let bits = x.to_bits();
    let tmp = bits.wrapping_sub(LN_TABLE_START_BITS_F32);
    let k = (tmp as i32) >> 23;
    let z = bits.wrapping_sub((k as u32) << 23);
    (f32::from_bits(z), k as f32, ((tmp >> 20) & 7) as usize)
}

macro_rules! scalar_common {
    ($t:ty) => {
        #[inline(always)]
        unsafe fn load(ptr: *const Self::Elem) -> Self {
            // SAFETY: the caller guarantees one readable element.
            Self(unsafe { ptr.read_unaligned() })
        }
        #[inline(always)]
        unsafe fn store(self, ptr: *mut Self::Elem) {
            // SAFETY: the caller guarantees one writable element.
            unsafe { ptr.write_unaligned(self.0) }
        }
        #[inline(always)]
        fn splat(x: Self::Elem) -> Self {
            Self(x)
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            Self(self.0 + o.0)
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            Self(self.0 - o.0)
        }
        #[inline(always)]
        fn or_bits(self, o: Self) -> Self {
            Self(<$t>::from_bits(self.0.to_bits() | o.0.to_bits()))
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            Self(self.0 * o.0)
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            Self(self.0 / o.0)
        }
        // Not `f64::mul_add`: without FMA hardware that is a slow software call.
        #[inline(always)]
        fn mul_add(self, b: Self, c: Self) -> Self {
            Self(self.0 * b.0 + c.0)
        }
        #[inline(always)]
        fn lt(self, o: Self) -> bool {
            self.0 < o.0
        }
        #[inline(always)]
        fn ge(self, o: Self) -> bool {
            self.0 >= o.0
        }
        #[inline(always)]
        fn gt(self, o: Self) -> bool {
            self.0 > o.0
        }
        #[inline(always)]
        fn eq(self, o: Self) -> bool {
            self.0 == o.0
        }
        #[inline(always)]
        fn is_nan(self) -> bool {
            self.0.is_nan()
        }
        #[inline(always)]
        fn select(mask: bool, a: Self, b: Self) -> Self {
            if mask {
                a
            } else {
                b
            }
        }
        #[inline(always)]
        fn mask_and(a: bool, b: bool) -> bool {
            a & b
        }
        #[inline(always)]
        fn mask_or(a: bool, b: bool) -> bool {
            a | b
        }
        #[inline(always)]
        fn mask_all(m: bool) -> bool {
            m
        }
        #[inline(always)]
        fn mask_true() -> bool {
            true
        }
        #[inline(always)]
        unsafe fn load_widened(ptr: *const f32) -> Self {
            // SAFETY: the caller guarantees one readable f32.
            Self(unsafe { ptr.read_unaligned() } as $t)
        }
        #[inline(always)]
        fn horizontal_sum(self) -> f64 {
            self.0 as f64
        }
        #[inline(always)]
        fn fma(self, b: Self, c: Self) -> Self {
            Self(self.0.mul_add(b.0, c.0))
        }
        type Index = usize;
        #[inline(always)]
        fn lookup8(table: &[$t; 8], i: usize) -> Self {
            Self(table[i & 7])
        }
    };
}

// SAFETY: plain scalar arithmetic, valid on every CPU.
unsafe impl FloatVec for F64x1 {
    type Elem = f64;
    type Mask = bool;
    const LANES: usize = 1;
    scalar_common!(f64);

    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        let bits = self.0.to_bits();
        // Offsetting by sqrt(1/2) makes the exponent field round to the nearest power of two.
        let k = (bits.wrapping_sub(SQRT_HALF_BITS_F64) as i64) >> 52;
        let m = bits.wrapping_sub((k as u64) << 52);
        (Self(f64::from_bits(m)), Self(k as f64))
    }
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, usize) {
        let (z, k, i) = split_indexed_f64(self.0);
        (Self(z), Self(k), i)
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        Self(f64::from_bits(((k.0 as i64 + 1023) as u64) << 52))
    }
}

// SAFETY: plain scalar arithmetic, valid on every CPU.
unsafe impl FloatVec for F32x1 {
    type Elem = f32;
    type Mask = bool;
    const LANES: usize = 1;
    scalar_common!(f32);

    #[inline(always)]
    fn split_exponent(self) -> (Self, Self) {
        let bits = self.0.to_bits();
        let k = (bits.wrapping_sub(SQRT_HALF_BITS_F32) as i32) >> 23;
        let m = bits.wrapping_sub((k as u32) << 23);
        (Self(f32::from_bits(m)), Self(k as f32))
    }
    #[inline(always)]
    fn split_indexed(self) -> (Self, Self, usize) {
        let (z, k, i) = split_indexed_f32(self.0);
        (Self(z), Self(k), i)
    }
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        Self(f32::from_bits(((k.0 as i32 + 127) as u32) << 23))
    }
}
