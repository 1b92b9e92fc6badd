//! Vector math behind the kernels: one small trait over the instruction sets, a vector natural
//! log written once on top of it, and run-time selection of the instruction set.
//!
//! The algorithms in [`ln`] and the reductions in `kernels` are generic over [`FloatVec`]; every
//! method of an implementation is `#[inline(always)]`, so a generic function instantiated inside a
//! `#[target_feature]` entry point compiles to that instruction set only. One wheel therefore runs
//! on any x86-64 or aarch64 CPU and still uses AVX-512 where it exists.

pub mod exp;
pub mod lgamma;
pub mod ln;
pub mod ln1p;
pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// A floating-point scalar that kernels compute in: `f32` or `f64`.
pub trait Real: Copy + Send + Sync + PartialOrd + fmt::Debug + 'static {
    /// The vector of this element type at level `L`.
    type Vector<L: Level>: FloatVec<Elem = Self>;
    const ZERO: Self;
    const ONE: Self;
    /// The smallest positive normal value.
    const MIN_POSITIVE: Self;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Real for f64 {
    type Vector<L: Level> = L::F64;
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const MIN_POSITIVE: Self = f64::MIN_POSITIVE;
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    type Vector<L: Level> = L::F32;
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const MIN_POSITIVE: Self = f32::MIN_POSITIVE;
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// A vector of `LANES` floats of type `Elem` on one instruction set, with the few operations the
/// log and the reductions need.
///
/// # Safety
/// Implementations use intrinsics of their instruction set, also in their safe methods: a vector
/// type may only be used on a CPU that has that instruction set. An implementation promises that
/// every method is sound there (given the pointer contracts of `load`, `load_widened` and
/// `store`). The crate keeps its side by naming the vector types only through the `Level` types:
/// the non-scalar ones are private to the crate and only [`dispatch`] uses them, inside
/// `#[target_feature]` trampolines reached after a run-time check of the CPU.
pub unsafe trait FloatVec: Copy {
    type Elem: Real;
    type Mask: Copy;
    const LANES: usize;

    /// Loads `LANES` elements from `ptr` (no alignment needed).
    ///
    /// # Safety
    /// `ptr` must be valid for reading `LANES` elements.
    unsafe fn load(ptr: *const Self::Elem) -> Self;
    /// Loads `LANES` f32 values from `ptr`, converted (exactly) to `Elem`.
    ///
    /// # Safety
    /// `ptr` must be valid for reading `LANES` f32 values.
    unsafe fn load_widened(ptr: *const f32) -> Self;
    /// Stores `LANES` elements to `ptr` (no alignment needed).
    ///
    /// # Safety
    /// `ptr` must be valid for writing `LANES` elements.
    unsafe fn store(self, ptr: *mut Self::Elem);
    fn splat(x: Self::Elem) -> Self;
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
    /// The bitwise OR of the lanes' bits (a lane's sign bit is set when either's is).
    fn or_bits(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    fn div(self, other: Self) -> Self;
    /// `self / other` to within about an ulp: a reciprocal estimate refined by Newton steps where
    /// the instruction set has one (a full division costs 16 cycles per AVX-512 vector), else
    /// `div`. The log only multiplies this quotient by small terms, so the result stays in 2 ulp.
    #[inline(always)]
    fn div_approx(self, other: Self) -> Self {
        self.div(other)
    }
    /// `self * b + c`, fused where the instruction set has FMA.
    fn mul_add(self, b: Self, c: Self) -> Self;
    fn lt(self, other: Self) -> Self::Mask;
    fn ge(self, other: Self) -> Self::Mask;
    fn gt(self, other: Self) -> Self::Mask;
    fn eq(self, other: Self) -> Self::Mask;
    /// Lanes that are NaN.
    fn is_nan(self) -> Self::Mask;
    /// `mask ? a : b`, lane by lane.
    fn select(mask: Self::Mask, a: Self, b: Self) -> Self;
    fn mask_and(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    fn mask_or(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    fn mask_all(m: Self::Mask) -> bool;
    fn mask_true() -> Self::Mask;
    /// For positive normal `x`, returns `(m, k)` with `x = m * 2^k` and `m` in `[sqrt(1/2), sqrt(2))`,
    /// `k` an integer held as a float. Other inputs give unspecified lanes, fixed up by the caller.
    fn split_exponent(self) -> (Self, Self);
    /// Whether the vector log takes the table-driven reduction (see [`ln`]): where a table of 8
    /// held in a register is one permute and the bit split has native integer shifts of the
    /// lane width (AVX-512, and AVX2's f32 lanes).
    const TABLE_LN: bool = false;
    /// `self * b + c` with one rounding on every level, for the few places where that is needed
    /// for accuracy (the log's reduction r = z c - 1). The vector levels all have FMA, so this is
    /// `mul_add`; the scalar level overrides it with the platform's `mul_add` (a libm call that
    /// uses FMA hardware where the CPU has it).
    #[inline(always)]
    fn fma(self, b: Self, c: Self) -> Self {
        self.mul_add(b, c)
    }
    /// Per-lane indices into an 8-entry table, made by [`FloatVec::split_indexed`].
    type Index: Copy;
    /// For positive normal `x`, returns `(z, k, i)` with `x = z * 2^k`, `z` in
    /// `[0.71875, 1.4375)`, `k` an integer held as a float, and `i` in `0..8` numbering the eight
    /// equal steps of the bit pattern of `z` from 0.71875 (1/16 wide below 1, 1/8 above); step 4,
    /// `[0.96875, 1.0625)`, holds 1. Other inputs give unspecified `z` and `k`, but `i` is always
    /// a valid index.
    fn split_indexed(self) -> (Self, Self, Self::Index);
    /// `table[i]` lane by lane: a register permute on the x86 levels (the table is loaded once per
    /// loop, not per lookup), a plain load per lane elsewhere.
    fn lookup8(table: &[Self::Elem; 8], i: Self::Index) -> Self;
    /// `seen` with the lanes of `self` folded in: a running record, from `Self::splat(ONE)`, of
    /// whether any lane was positive and subnormal ([`FloatVec::saw_subnormal`]). Leaves whose
    /// entries are all normal or zero skip the log's subnormal scaling.
    #[inline(always)]
    fn fold_subnormal(self, seen: Self) -> Self {
        let zero = Self::splat(Self::Elem::ZERO);
        let tiny = Self::mask_and(
            self.gt(zero),
            self.lt(Self::splat(Self::Elem::MIN_POSITIVE)),
        );
        Self::select(tiny, zero, seen)
    }
    /// Whether a positive subnormal lane went into `seen` (see [`FloatVec::fold_subnormal`]).
    #[inline(always)]
    fn saw_subnormal(seen: Self) -> bool {
        !Self::mask_all(seen.gt(Self::splat(Self::Elem::ZERO)))
    }
    /// Sum of all lanes as f64, in a fixed (pairwise) order.
    fn horizontal_sum(self) -> f64;
    /// `2^k` for integer-valued `k` in the normal exponent range of `Elem` ([-126, 127] for f32,
    /// [-1022, 1023] for f64), built from exponent bits; other lanes are unspecified. Needs
    /// integer lanes, which is why it is a method: the vector `exp` scales by it.
    fn pow2(k: Self) -> Self;
}

/// Loads vector `at` of `data`, or a zero-padded copy of the part that exists: the one tail
/// primitive of the kernels (numpy's `npyv_load_tillz`), so that tails are written once.
#[inline(always)]
pub fn load_padded<V: FloatVec>(data: &[V::Elem], at: usize) -> V {
    if at + V::LANES <= data.len() {
        // SAFETY: at + LANES <= len.
        unsafe { V::load(data.as_ptr().add(at)) }
    } else {
        let mut pad = [V::Elem::ZERO; 64];
        let from = at.min(data.len());
        pad[..data.len() - from].copy_from_slice(&data[from..]);
        // SAFETY: the pad holds 64 >= LANES elements.
        unsafe { V::load(pad.as_ptr()) }
    }
}

/// The vector types of one instruction set.
pub trait Level {
    type F32: FloatVec<Elem = f32>;
    type F64: FloatVec<Elem = f64>;
}

pub struct ScalarLevel;
impl Level for ScalarLevel {
    type F32 = scalar::F32x1;
    type F64 = scalar::F64x1;
}

#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx2Level;
#[cfg(target_arch = "x86_64")]
impl Level for Avx2Level {
    type F32 = avx2::F32x8;
    type F64 = avx2::F64x4;
}

#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx512Level;
#[cfg(target_arch = "x86_64")]
impl Level for Avx512Level {
    type F32 = avx512::F32x16;
    type F64 = avx512::F64x8;
}

#[cfg(target_arch = "aarch64")]
pub(crate) struct NeonLevel;
#[cfg(target_arch = "aarch64")]
impl Level for NeonLevel {
    type F32 = neon::F32x4;
    type F64 = neon::F64x2;
}

/// Instruction-set levels, from the most portable to the widest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    Scalar,
    Neon,
    Avx2,
    Avx512,
}

impl SimdLevel {
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Scalar => "scalar",
            SimdLevel::Neon => "neon",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    pub fn parse(name: &str) -> Option<SimdLevel> {
        match name.trim().to_ascii_lowercase().as_str() {
            "scalar" => Some(SimdLevel::Scalar),
            "neon" => Some(SimdLevel::Neon),
            "avx2" => Some(SimdLevel::Avx2),
            "avx512" => Some(SimdLevel::Avx512),
            _ => None,
        }
    }

    /// Whether this CPU can run code of this level.
    pub fn is_supported(self) -> bool {
        match self {
            SimdLevel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            // `run_avx512` also compiles for AVX2 and FMA (every AVX-512 CPU has them, but a
            // virtual machine may report features as it likes).
            SimdLevel::Avx512 => {
                SimdLevel::Avx2.is_supported()
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(target_arch = "aarch64")]
            SimdLevel::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The widest level this CPU supports.
    pub fn best() -> SimdLevel {
        [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Neon]
            .into_iter()
            .find(|level| level.is_supported())
            .unwrap_or(SimdLevel::Scalar)
    }

    /// Every level this CPU supports, narrowest first (for tests and benches).
    pub fn available() -> Vec<SimdLevel> {
        SimdLevel::ALL
            .into_iter()
            .filter(|level| level.is_supported())
            .collect()
    }

    /// `is_supported`, cached: run-time detection costs a few loads, done once per level.
    fn checked(self) -> bool {
        static SUPPORT: OnceLock<[bool; 4]> = OnceLock::new();
        SUPPORT.get_or_init(|| SimdLevel::ALL.map(SimdLevel::is_supported))[self as usize]
    }

    /// The level kernels use by default: the one set by [`SimdLevel::set_current`], else
    /// `ENTROPYKIT_SIMD` if it names a supported level, else the best one.
    pub fn current() -> SimdLevel {
        match CURRENT.load(Ordering::Relaxed) {
            UNSET => {
                let level = std::env::var("ENTROPYKIT_SIMD")
                    .ok()
                    .and_then(|name| SimdLevel::parse(&name))
                    .filter(|level| level.is_supported())
                    .unwrap_or_else(SimdLevel::best);
                CURRENT.store(level as u8, Ordering::Relaxed);
                level
            }
            stored => SimdLevel::ALL[stored as usize],
        }
    }

    /// Makes `self` the default level for later calls (tests and benchmarks use this to compare
    /// levels in one process). Fails, changing nothing, if this CPU lacks the level.
    pub fn set_current(self) -> Result<(), crate::KernelError> {
        if !self.is_supported() {
            return Err(crate::KernelError::Layout(format!(
                "this CPU does not support the {self} SIMD level"
            )));
        }
        CURRENT.store(self as u8, Ordering::Relaxed);
        Ok(())
    }

    const ALL: [SimdLevel; 4] = [
        SimdLevel::Scalar,
        SimdLevel::Neon,
        SimdLevel::Avx2,
        SimdLevel::Avx512,
    ];
}

const UNSET: u8 = u8::MAX;
static CURRENT: AtomicU8 = AtomicU8::new(UNSET);

impl fmt::Display for SimdLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A piece of work written once, generic over the vector type, run at a chosen [`SimdLevel`].
///
/// `run` must be `#[inline(always)]` (and so must everything it calls that touches vectors) so that
/// it is compiled inside the `#[target_feature]` trampoline of its level. Recursion and rayon
/// closures stay outside tasks: they would be compiled without the features.
pub trait SimdTask {
    type Output;
    fn run<L: Level>(self) -> Self::Output;
}

/// Runs `task` with the vector type of `level`.
#[inline]
pub fn dispatch<T: SimdTask>(level: SimdLevel, task: T) -> T::Output {
    match level {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard `checked` (a cached `is_supported`) confirmed that this CPU has the
        // features `run_avx512` is compiled for. `SimdLevel` is a plain enum anyone can name, so
        // the check is here, at the only door to the intrinsics, not where levels are chosen.
        SimdLevel::Avx512 if level.checked() => unsafe { run_avx512(task) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for `run_avx2`.
        SimdLevel::Avx2 if level.checked() => unsafe { run_avx2(task) },
        #[cfg(target_arch = "aarch64")]
        SimdLevel::Neon if level.checked() => task.run::<NeonLevel>(),
        _ => task.run::<ScalarLevel>(),
    }
}

/// An elementwise vector function as a type (a closure would be compiled outside the
/// `#[target_feature]` trampoline, see [`SimdTask`]).
pub(crate) trait Elementwise<E: Real> {
    fn apply<V: FloatVec<Elem = E>>(x: V) -> V;
}

struct MapSlice<'a, E, F> {
    input: &'a [E],
    output: &'a mut [E],
    function: std::marker::PhantomData<F>,
}

impl<E: Real, F: Elementwise<E>> SimdTask for MapSlice<'_, E, F> {
    type Output = ();
    #[inline(always)]
    fn run<L: Level>(self) {
        type V<E, L> = <E as Real>::Vector<L>;
        let lanes = V::<E, L>::LANES;
        let n = self.input.len();
        let whole = n - n % lanes;
        for i in (0..whole).step_by(lanes) {
            // SAFETY: i + lanes <= n for both slices (equal lengths checked by `map_slice`).
            unsafe {
                let x = V::<E, L>::load(self.input.as_ptr().add(i));
                F::apply(x).store(self.output.as_mut_ptr().add(i));
            }
        }
        if whole < n {
            // The tail, padded with ones (harmless for any function); the padding is dropped.
            let mut buf = [E::ONE; 64];
            buf[..n - whole].copy_from_slice(&self.input[whole..]);
            // SAFETY: `buf` holds at least `lanes` (<= 64) elements.
            unsafe { F::apply(V::<E, L>::load(buf.as_ptr())).store(buf.as_mut_ptr()) };
            self.output[whole..].copy_from_slice(&buf[..n - whole]);
        }
    }
}

/// Writes `F(input[i])` to `output[i]` with the vectors of `level`.
///
/// # Panics
/// If the slices differ in length.
pub(crate) fn map_slice<E: Real, F: Elementwise<E>>(
    level: SimdLevel,
    input: &[E],
    output: &mut [E],
) {
    assert_eq!(input.len(), output.len(), "map_slice: lengths differ");
    dispatch(
        level,
        MapSlice::<E, F> {
            input,
            output,
            function: std::marker::PhantomData,
        },
    );
}

/// Runs `task` compiled for AVX-512 (with AVX2 and FMA).
///
/// # Safety
/// The CPU must have AVX-512 F, DQ and VL, AVX2 and FMA (`SimdLevel::Avx512.is_supported()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
unsafe fn run_avx512<T: SimdTask>(task: T) -> T::Output {
    task.run::<Avx512Level>()
}

/// Runs `task` compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must have AVX2 and FMA (`SimdLevel::Avx2.is_supported()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<T: SimdTask>(task: T) -> T::Output {
    task.run::<Avx2Level>()
}
