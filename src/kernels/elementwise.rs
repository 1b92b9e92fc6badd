//! Elementwise information functions: one generic driver over a per-element `Term`.
//!
//! | function | value | special values |
//! |---|---|---|
//! | `entr(x)` | -x ln x | 0 at x = 0, -inf for x < 0, NaN for NaN |
//! | `rel_entr(x, y)` | x ln(x / y) | 0 for x = 0, y >= 0; NaN if either is NaN; else +inf off x, y > 0 |
//! | `kl_div(x, y)` | x ln(x / y) - x + y | y for x = 0, y >= 0; NaN if either is NaN; else +inf off x, y > 0 |
//! | `xlogy(x, y)` | x ln y | 0 where x = 0 and y is not NaN |
//! | `binary_entropy(p)` | -p ln p - (1 - p) ln(1 - p) | 0 at p = 0 and 1; NaN for NaN |
//! | `surprisal(p)` | -ln p | +inf at p = 0; NaN for NaN |
//!
//! The first four are SciPy's `scipy.special` convex-analysis functions, formula for formula
//! (`rel_entr` takes ln1p((x - y) / y) when 1/2 < x / y < 2, ln(x / y) when x / y is a normal
//! finite number, and ln x - ln y otherwise). The logs are the fdlibm-style ones of
//! [`crate::simd::ln1p`] (within 2 ulp of libm), so results stay within a few ulp of SciPy's
//! (which calls libm); the special values and branches are SciPy's exactly. `binary_entropy` and `surprisal` take probabilities: an entry below 0, above 1 or infinite
//! is an error naming its position (the lowest such position, whatever the thread count).
//!
//! Every function is computed in f64 lanes; float32 input is widened on load and the result
//! rounded to float32 on store (so float32 results are the float64 ones, correctly rounded up to
//! the f64 result's own error). A `base` divides each result by ln(base). Work is split over the
//! pool in fixed chunks; elements are independent, so the bits do not depend on the thread count.

use super::options::check_base;
use super::Options;
use crate::error::{Arg, KernelError};
use crate::parallel::{self, Work};
use crate::simd::ln1p::{ln1p, ln1p_finite, ln1p_parts, ln_corrected, ln_ieee, ln_normal};
use crate::simd::{dispatch, FloatVec, Level, Real, SimdTask};
use std::marker::PhantomData;

/// The elementwise functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    Entr,
    RelEntr,
    KlDiv,
    Xlogy,
    BinaryEntropy,
    Surprisal,
}

impl Function {
    /// Whether the function takes a second argument `y`.
    pub fn is_binary(self) -> bool {
        matches!(self, Function::RelEntr | Function::KlDiv | Function::Xlogy)
    }

    /// Whether the argument must be a probability (in [0, 1], or NaN).
    pub fn takes_probabilities(self) -> bool {
        matches!(self, Function::BinaryEntropy | Function::Surprisal)
    }

    pub fn name(self) -> &'static str {
        match self {
            Function::Entr => "entr",
            Function::RelEntr => "rel_entr",
            Function::KlDiv => "kl_div",
            Function::Xlogy => "xlogy",
            Function::BinaryEntropy => "binary_entropy",
            Function::Surprisal => "surprisal",
        }
    }

    pub fn parse(name: &str) -> Option<Function> {
        [
            Function::Entr,
            Function::RelEntr,
            Function::KlDiv,
            Function::Xlogy,
            Function::BinaryEntropy,
            Function::Surprisal,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// A function's value on f64 lanes: `x` and `y` (`y` is unused by one-argument functions).
/// A trait, not a closure, so that it compiles inside the SIMD task's target features.
///
/// Each term has a fast path for vectors whose lanes are all ordinary (positive, normal and
/// finite where a log is taken), which skips the special-value selects, and a general path. Both
/// use the same log core, so a lane gets the same bits whatever its neighbours are.
pub(crate) trait Term {
    const BINARY: bool;
    /// Computes the lanes; a term that takes probabilities clears the lanes of `valid` whose
    /// `x` is not in [0, 1] or NaN.
    fn apply<W: FloatVec<Elem = f64>>(x: W, y: W, valid: &mut W::Mask) -> W;
}

#[inline(always)]
fn nan_either<W: FloatVec>(x: W, y: W) -> W::Mask {
    W::mask_or(x.is_nan(), y.is_nan())
}

/// Whether any lane of `m` is set (the trait only has `mask_all`).
#[inline(always)]
fn mask_any<W: FloatVec<Elem = f64>>(m: W::Mask) -> bool {
    let zero = W::splat(0.0);
    !W::mask_all(W::select(m, W::splat(1.0), zero).eq(zero))
}

/// Lanes that are positive, normal and finite.
#[inline(always)]
fn normal_positive<W: FloatVec<Elem = f64>>(x: W) -> W::Mask {
    W::mask_and(
        x.ge(W::splat(f64::MIN_POSITIVE)),
        W::splat(f64::INFINITY).gt(x),
    )
}

struct Entr;
impl Term for Entr {
    const BINARY: bool = false;
    #[inline(always)]
    fn apply<W: FloatVec<Elem = f64>>(x: W, _: W, _: &mut W::Mask) -> W {
        let minus_one = W::splat(-1.0);
        if W::mask_all(normal_positive(x)) {
            return x.mul(ln_normal(x)).mul(minus_one);
        }
        let zero = W::splat(0.0);
        // ln gives ln(inf) = inf and NaN for NaN, so -x ln x covers x > 0 and NaN.
        let v = x.mul(ln_ieee(x)).mul(minus_one);
        let v = W::select(x.eq(zero), zero, v);
        W::select(x.lt(zero), W::splat(f64::NEG_INFINITY), v)
    }
}

struct Xlogy;
impl Term for Xlogy {
    const BINARY: bool = true;
    #[inline(always)]
    fn apply<W: FloatVec<Elem = f64>>(x: W, y: W, _: &mut W::Mask) -> W {
        let zero = W::splat(0.0);
        let ordinary = W::mask_all(normal_positive(y));
        let v = x.mul(if ordinary { ln_normal(y) } else { ln_ieee(y) });
        // y.eq(y): y is not NaN.
        W::select(W::mask_and(x.eq(zero), y.eq(y)), zero, v)
    }
}

/// The cases SciPy's `kl_div` and `rel_entr` share: `v` where x > 0 and y > 0, `at_zero` where
/// x = 0 and y >= 0, NaN where either is NaN, else +inf.
#[inline(always)]
fn convex_cases<W: FloatVec<Elem = f64>>(x: W, y: W, v: W, at_zero: W) -> W {
    let zero = W::splat(0.0);
    let positive = W::mask_and(x.gt(zero), y.gt(zero));
    let v = W::select(positive, v, W::splat(f64::INFINITY));
    let v = W::select(W::mask_and(x.eq(zero), y.ge(zero)), at_zero, v);
    W::select(nan_either(x, y), W::splat(f64::NAN), v)
}

/// Lanes with x > 0, y > 0 (neither NaN) and x / y positive, normal and finite.
#[inline(always)]
fn ordinary_pair<W: FloatVec<Elem = f64>>(x: W, y: W, ratio: W) -> W::Mask {
    let zero = W::splat(0.0);
    W::mask_and(W::mask_and(x.gt(zero), y.gt(zero)), normal_positive(ratio))
}

struct KlDiv;
impl Term for KlDiv {
    const BINARY: bool = true;
    #[inline(always)]
    fn apply<W: FloatVec<Elem = f64>>(x: W, y: W, _: &mut W::Mask) -> W {
        // SciPy: x * log(x / y) - x + y, with log(0) = -inf and log(inf) = inf where x / y
        // underflows or overflows.
        let ratio = x.div(y);
        if W::mask_all(ordinary_pair(x, y, ratio)) {
            return x.mul(ln_normal(ratio)).sub(x).add(y);
        }
        let v = x.mul(ln_ieee(ratio)).sub(x).add(y);
        convex_cases(x, y, v, y)
    }
}

struct RelEntr;
impl Term for RelEntr {
    const BINARY: bool = true;
    #[inline(always)]
    fn apply<W: FloatVec<Elem = f64>>(x: W, y: W, _: &mut W::Mask) -> W {
        let zero = W::splat(0.0);
        let one = W::splat(1.0);
        let ratio = x.div(y);
        let near = W::mask_and(ratio.gt(W::splat(0.5)), W::splat(2.0).gt(ratio));
        // Near 1, SciPy takes log1p((x - y) / y) (x - y is exact there); elsewhere log(x / y).
        // Both are ln(w) + c for w = 1 + d or w = x / y, so one polynomial serves both.
        let d = x.sub(y).div(y);
        let w = W::select(near, one.add(d), ratio);
        let (m, k) = w.split_exponent();
        let (f1p, num1p) = ln1p_parts(d, w, m, k);
        let f = W::select(near, f1p, m.sub(one));
        let num = W::select(near, num1p, zero);
        let v = x.mul(ln_corrected(f, m, k, Some(num)));
        let ordinary = ordinary_pair(x, y, ratio);
        if W::mask_all(ordinary) {
            return v;
        }
        // x / y subnormal, zero or infinite: the logs first, as SciPy does.
        let guard = W::mask_and(
            W::mask_and(x.gt(zero), y.gt(zero)),
            W::select(normal_positive(ratio), zero, one).eq(one),
        );
        let v = if mask_any::<W>(guard) {
            W::select(guard, x.mul(ln_ieee(x).sub(ln_ieee(y))), v)
        } else {
            v
        };
        convex_cases(x, y, v, zero)
    }
}

/// Lanes that are probabilities (in [0, 1]) or NaN.
#[inline(always)]
fn probability_or_nan<W: FloatVec<Elem = f64>>(p: W) -> W::Mask {
    let in_range = W::mask_and(p.ge(W::splat(0.0)), W::splat(1.0).ge(p));
    W::mask_or(in_range, p.is_nan())
}

struct BinaryEntropy;
impl Term for BinaryEntropy {
    const BINARY: bool = false;
    #[inline(always)]
    fn apply<W: FloatVec<Elem = f64>>(p: W, _: W, valid: &mut W::Mask) -> W {
        let zero = W::splat(0.0);
        let one = W::splat(1.0);
        let minus_p = p.mul(W::splat(-1.0));
        // ln(1 - p) as ln1p(-p): exact argument, so small p keep their precision.
        // 0 - (a + b): h(0) = h(1) = +0.
        let ordinary = W::mask_and(p.ge(W::splat(f64::MIN_POSITIVE)), one.gt(p));
        if W::mask_all(ordinary) {
            let a = p.mul(ln_normal(p));
            let b = one.sub(p).mul(ln1p_finite(minus_p));
            return zero.sub(a.add(b));
        }
        *valid = W::mask_and(*valid, probability_or_nan(p));
        let a = W::select(p.gt(zero), p.mul(ln_ieee(p)), zero);
        let b = W::select(one.gt(p), one.sub(p).mul(ln1p(minus_p)), zero);
        let v = zero.sub(a.add(b));
        W::select(p.is_nan(), p, v)
    }
}

struct Surprisal;
impl Term for Surprisal {
    const BINARY: bool = false;
    #[inline(always)]
    fn apply<W: FloatVec<Elem = f64>>(p: W, _: W, valid: &mut W::Mask) -> W {
        let minus_one = W::splat(-1.0);
        let ordinary = W::mask_and(p.ge(W::splat(f64::MIN_POSITIVE)), W::splat(1.0).ge(p));
        if W::mask_all(ordinary) {
            return ln_normal(p).mul(minus_one);
        }
        *valid = W::mask_and(*valid, probability_or_nan(p));
        ln_ieee(p).mul(minus_one)
    }
}

/// The element types the functions take and give: loads widen to f64, stores round back.
pub trait Storage: Real {
    /// `W::LANES` elements from `ptr`, as f64.
    ///
    /// # Safety
    /// `ptr` must be valid for reading `W::LANES` elements.
    unsafe fn load_f64<W: FloatVec<Elem = f64>>(ptr: *const Self) -> W;
    /// Stores the lanes of `v` to `ptr`, rounded to this type.
    ///
    /// # Safety
    /// `ptr` must be valid for writing `W::LANES` elements.
    unsafe fn store_f64<W: FloatVec<Elem = f64>>(v: W, ptr: *mut Self);
}

impl Storage for f64 {
    #[inline(always)]
    unsafe fn load_f64<W: FloatVec<Elem = f64>>(ptr: *const f64) -> W {
        // SAFETY: forwarded from the caller.
        unsafe { W::load(ptr) }
    }
    #[inline(always)]
    unsafe fn store_f64<W: FloatVec<Elem = f64>>(v: W, ptr: *mut f64) {
        // SAFETY: forwarded from the caller.
        unsafe { v.store(ptr) }
    }
}

impl Storage for f32 {
    #[inline(always)]
    unsafe fn load_f64<W: FloatVec<Elem = f64>>(ptr: *const f32) -> W {
        // SAFETY: forwarded from the caller.
        unsafe { W::load_widened(ptr) }
    }
    #[inline(always)]
    unsafe fn store_f64<W: FloatVec<Elem = f64>>(v: W, ptr: *mut f32) {
        let mut lanes = [0.0f64; 8];
        // SAFETY: `lanes` holds 8 >= LANES f64; the caller guarantees LANES writable f32.
        unsafe {
            v.store(lanes.as_mut_ptr());
            let mut j = 0;
            while j < W::LANES {
                ptr.add(j).write_unaligned(lanes[j] as f32);
                j += 1;
            }
        }
    }
}

/// One argument of a chunk: a slice as long as the output, or one value for every element.
#[derive(Clone, Copy)]
enum Operand<'a, E> {
    Slice(&'a [E]),
    Splat(E),
}

impl<'a, E: Storage> Operand<'a, E> {
    /// `data` as an operand of `n` elements (`data` holds `n` or 1 elements).
    fn new(data: &'a [E], n: usize) -> Self {
        if data.len() == 1 && n != 1 {
            Operand::Splat(data[0])
        } else {
            Operand::Slice(data)
        }
    }

    /// Elements `start..start + len`.
    fn range(self, start: usize, len: usize) -> Self {
        match self {
            Operand::Slice(s) => Operand::Slice(&s[start..start + len]),
            splat => splat,
        }
    }

    fn get(self, i: usize) -> E {
        match self {
            Operand::Slice(s) => s[i],
            Operand::Splat(v) => v,
        }
    }

    /// A splat operand's value in every lane (anything for a slice). A method, not a closure in
    /// the task: closures compile outside its target features.
    #[inline(always)]
    fn splat<W: FloatVec<Elem = f64>>(self) -> W {
        match self {
            Operand::Splat(v) => W::splat(v.to_f64()),
            Operand::Slice(_) => W::splat(0.5),
        }
    }

    /// The f64 vector at `at`, reading `LANES` elements.
    ///
    /// # Safety
    /// For a slice, `at + W::LANES` must not exceed its length.
    #[inline(always)]
    unsafe fn vector<W: FloatVec<Elem = f64>>(self, splat: W, at: usize) -> W {
        match self {
            // SAFETY: forwarded from the caller.
            Operand::Slice(s) => unsafe { E::load_f64(s.as_ptr().add(at)) },
            Operand::Splat(_) => splat,
        }
    }

    /// The f64 vector at `at`, padded with 1/2 (a valid input of every function) past `n`.
    #[inline(always)]
    fn padded<W: FloatVec<Elem = f64>>(self, splat: W, at: usize, n: usize) -> W {
        match self {
            Operand::Slice(s) => {
                let mut pad = [E::from_f64(0.5); 8];
                pad[..n - at].copy_from_slice(&s[at..n]);
                // SAFETY: `pad` holds 8 >= LANES elements.
                unsafe { E::load_f64(pad.as_ptr()) }
            }
            Operand::Splat(_) => splat,
        }
    }
}

/// The SIMD task: `T` over one chunk. Returns whether every lane passed `T`'s check.
struct Chunk<'a, E, T> {
    x: Operand<'a, E>,
    y: Operand<'a, E>,
    out: &'a mut [E],
    ln_base: Option<f64>,
    term: PhantomData<T>,
}

impl<E: Storage, T: Term> Chunk<'_, E, T> {
    #[inline(always)]
    fn one<W: FloatVec<Elem = f64>>(&self, x: W, y: W, valid: &mut W::Mask) -> W {
        let v = T::apply(x, y, valid);
        match self.ln_base {
            Some(l) => v.div(W::splat(l)),
            None => v,
        }
    }
}

impl<E: Storage, T: Term> SimdTask for Chunk<'_, E, T> {
    type Output = bool;

    #[inline(always)]
    fn run<L: Level>(self) -> bool {
        type W<L> = <L as Level>::F64;
        let lanes = W::<L>::LANES;
        let n = self.out.len();
        let (xs, ys) = (self.x.splat::<W<L>>(), self.y.splat::<W<L>>());
        let mut valid = W::<L>::mask_true();
        let whole = n - n % lanes;
        let out = self.out.as_mut_ptr();
        let mut at = 0;
        while at < whole {
            // SAFETY: at + lanes <= whole <= n, the length of the output and of slice operands.
            unsafe {
                let x = self.x.vector(xs, at);
                let y = if T::BINARY { self.y.vector(ys, at) } else { x };
                E::store_f64(self.one(x, y, &mut valid), out.add(at));
            }
            at += lanes;
        }
        if at < n {
            let x = self.x.padded(xs, at, n);
            let y = if T::BINARY {
                self.y.padded(ys, at, n)
            } else {
                x
            };
            let mut buf = [E::ZERO; 8];
            // SAFETY: `buf` holds 8 >= LANES elements.
            unsafe { E::store_f64(self.one(x, y, &mut valid), buf.as_mut_ptr()) };
            self.out[at..].copy_from_slice(&buf[..n - at]);
        }
        W::<L>::mask_all(valid)
    }
}

/// The error for the probability `value` at `position`.
fn probability_error(position: usize, value: f64) -> KernelError {
    let (arg, distribution) = (Arg::P, 0);
    if value.is_infinite() {
        KernelError::Infinite {
            arg,
            distribution,
            position,
            value,
        }
    } else if value < 0.0 {
        KernelError::Negative {
            arg,
            distribution,
            position,
            value,
        }
    } else {
        KernelError::OutOfRange {
            arg,
            distribution,
            position,
            value,
        }
    }
}

/// Runs `T` over `out`, returning the first bad probability (position and value), if any.
fn run_term<E: Storage, T: Term>(
    x: Operand<'_, E>,
    y: Operand<'_, E>,
    base: Option<f64>,
    options: &Options,
    out: &mut [E],
) -> Result<Option<(usize, f64)>, KernelError> {
    let ln_base = base.map(f64::ln);
    let level = options.level;
    let chunk = |start: usize, out: &mut [E]| -> Option<(usize, f64)> {
        let len = out.len();
        let x = x.range(start, len);
        let task = Chunk::<E, T> {
            x,
            y: y.range(start, len),
            out,
            ln_base,
            term: PhantomData,
        };
        if dispatch(level, task) {
            return None;
        }
        // Rare: find the first entry that is not a probability (NaN is allowed).
        (0..len)
            .map(|i| x.get(i).to_f64())
            .enumerate()
            .find_map(|(i, v)| {
                (!(v.is_nan() || (0.0..=1.0).contains(&v))).then_some((start + i, v))
            })
    };
    let task = |first: usize, _count: usize, out: &mut [E], _split: bool| chunk(first, out);
    parallel::schedule(Work::new(out.len(), 1), options.parallel, out, &task)
}

/// Writes `function(x[i], y[i])` to `out[i]`.
///
/// `x` (and `y` for the two-argument functions; ignored otherwise) hold either `out.len()`
/// elements or one, which then applies to every element. float32 is computed in f64 lanes and
/// rounded. For `binary_entropy` and `surprisal` an entry of `x` below 0, above 1 or infinite is
/// an error (`Negative`, `OutOfRange`, `Infinite`) at the lowest such position; `out` is then
/// unspecified. A `base` must be finite, positive and not 1.
pub fn elementwise<E: Storage>(
    function: Function,
    x: &[E],
    y: &[E],
    base: Option<f64>,
    options: &Options,
    out: &mut [E],
) -> Result<(), KernelError> {
    let n = out.len();
    let fits = |len: usize| len == n || len == 1;
    if !fits(x.len()) || (function.is_binary() && !fits(y.len())) {
        return Err(KernelError::Layout(format!(
            "{}: x ({}) and y ({}) must have the output's length ({n}) or 1",
            function.name(),
            x.len(),
            y.len()
        )));
    }
    check_base(base)?;
    if n == 0 {
        return Ok(());
    }
    let xo = Operand::new(x, n);
    let yo = if function.is_binary() {
        Operand::new(y, n)
    } else {
        xo
    };
    let bad = match function {
        Function::Entr => run_term::<E, Entr>(xo, yo, base, options, out),
        Function::RelEntr => run_term::<E, RelEntr>(xo, yo, base, options, out),
        Function::KlDiv => run_term::<E, KlDiv>(xo, yo, base, options, out),
        Function::Xlogy => run_term::<E, Xlogy>(xo, yo, base, options, out),
        Function::BinaryEntropy => run_term::<E, BinaryEntropy>(xo, yo, base, options, out),
        Function::Surprisal => run_term::<E, Surprisal>(xo, yo, base, options, out),
    }?;
    match bad {
        Some((position, value)) => Err(probability_error(position, value)),
        None => Ok(()),
    }
}
