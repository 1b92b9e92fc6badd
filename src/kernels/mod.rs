//! Reductions of the entropy family: one generic driver, one small per-element term per measure.
//!
//! Every measure reduces a distribution to mergeable partial sums ([`Partial`]): the masses
//! S_p = sum p and S_q = sum q, and `core`, the sum of the measure's term. With the normalised
//! p/S_p and q/S_q the measures follow from those sums alone:
//!
//! | measure | term | normalize = true | normalize = false |
//! |---|---|---|---|
//! | entropy H(p) | p ln p | ln S_p - core / S_p | -core |
//! | cross-entropy H(p, q) | p ln q | ln S_q - core / S_p | -core |
//! | KL(p ‖ q) | p (ln p - ln q) | core / S_p - ln S_p + ln S_q | core |
//!
//! A term with p = 0 is 0 whatever q is (0 ln 0 = 0); p > 0 with q = 0 gives +inf. Partial sums of
//! pieces of a distribution add up (`Partial::combine`), which is what streaming and distributed
//! reductions build on.
//!
//! The rest of the family takes two passes, because its terms need the normalised entries: a
//! first pass of masses (S, the number of positive entries and the largest entry), then a pass
//! over the entries scaled by 1/S (Jensen-Shannon: p ln(p/m) + q ln(q/m), m = (p + q)/2) or by
//! 1/max (Renyi and Tsallis: sum (p/max)^alpha, which holds a 1 and so neither overflows nor
//! underflows whatever alpha is; the max and the mass are put back in logs).

pub mod counts;
pub mod elementwise;
pub mod gaussian;
pub mod labels;
pub mod logits;
mod options;
pub mod table;

pub use options::Options;

use crate::error::{Arg, KernelError};
use crate::parallel::{self, counter_tree_sum, Leaves, TreeSum, Work};
use crate::simd::exp::exp_nonpositive;
use crate::simd::ln::{ln_f64_positive, ln_parts_f32, VectorLn};
use crate::simd::{dispatch, load_padded, FloatVec, Level, Real, SimdLevel, SimdTask};
use crate::strided::Input;
use rayon::prelude::*;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

/// The measures the generic driver computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    Entropy,
    CrossEntropy,
    KlDivergence,
    /// JS(p, q) = (KL(p || m) + KL(q || m)) / 2 with m = (p + q) / 2.
    JensenShannon,
    /// H_alpha(p) = ln(sum p^alpha) / (1 - alpha), alpha = `Params::order` (>= 0 or +inf).
    Renyi,
    /// S_q(p) = (1 - sum p^q) / (q - 1), q = `Params::order` (>= 0 or +inf).
    Tsallis,
}

impl Measure {
    /// Whether the measure takes a second distribution `q`.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            Measure::CrossEntropy | Measure::KlDivergence | Measure::JensenShannon
        )
    }

    /// Whether this is one of the single-pass measures of the module table.
    fn is_shannon(self) -> bool {
        matches!(
            self,
            Measure::Entropy | Measure::CrossEntropy | Measure::KlDivergence
        )
    }

    /// The leaf term of a single-pass measure.
    fn term(self) -> u8 {
        match self {
            Measure::Entropy => ENTROPY,
            Measure::CrossEntropy => CROSS_ENTROPY,
            Measure::KlDivergence => KL_DIVERGENCE,
            Measure::JensenShannon => JENSEN_SHANNON,
            Measure::Renyi | Measure::Tsallis => POWER,
        }
    }
}

/// What [`partial_sums`] sums for each distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SumKind {
    /// `mass_p`, `mass_q` (when q is given), `core` = the number of positive p entries, `peak`.
    Mass,
    /// The raw sums of a single-pass measure (`peak` is 0).
    Shannon(Measure),
}

/// What a NaN entry does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NanPolicy {
    /// The distribution's result is NaN.
    Propagate,
    /// A NaN entry is an error naming its position.
    Raise,
    /// Positions where p or q is NaN are dropped (pairwise).
    Omit,
}

/// What a measure computes beside its inputs (where and how it runs is [`Options`]).
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Divide each distribution by its own sum (in the same pass).
    pub normalize: bool,
    pub nan_policy: NanPolicy,
    /// Logarithm base; `None` means nats.
    pub base: Option<f64>,
    /// The order of the Renyi and Tsallis measures (alpha, q); ignored by the others.
    pub order: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            normalize: true,
            nan_policy: NanPolicy::Propagate,
            base: None,
            order: 2.0,
        }
    }
}

/// Mergeable partial sums of one distribution (or a piece of one).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Partial {
    pub mass_p: f64,
    pub mass_q: f64,
    pub core: f64,
    /// The largest p entry (mass sums only; 0 otherwise).
    pub peak: f64,
}

impl Partial {
    /// The sums of two adjacent pieces, `self` first.
    #[inline]
    pub fn combine(self, other: Partial) -> Partial {
        Partial {
            mass_p: self.mass_p + other.mass_p,
            mass_q: self.mass_q + other.mass_q,
            core: self.core + other.core,
            peak: self.peak.max(other.peak),
        }
    }

    /// A single-pass measure from these sums (see the module table), in nats.
    ///
    /// # Panics
    /// For a two-pass measure (Jensen-Shannon, Renyi, Tsallis).
    pub fn finish(self, measure: Measure, normalize: bool) -> f64 {
        let value = match (measure, normalize) {
            (Measure::Entropy, true) => self.mass_p.ln() - self.core / self.mass_p,
            (Measure::CrossEntropy, true) => self.mass_q.ln() - self.core / self.mass_p,
            (Measure::KlDivergence, true) => {
                self.core / self.mass_p - self.mass_p.ln() + self.mass_q.ln()
            }
            (Measure::Entropy | Measure::CrossEntropy, false) => -self.core,
            (Measure::KlDivergence, false) => self.core,
            _ => panic!("{measure:?} is not a single-pass measure"),
        };
        // All three are >= 0 for normalised distributions: rounding must not make them negative.
        if normalize && value < 0.0 {
            0.0
        } else {
            value
        }
    }
}

/// A leaf's sums plus whether it saw an entry that is not finite and non-negative.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LeafSums {
    sums: Partial,
    suspicious: bool,
}

impl TreeSum for LeafSums {
    fn zero() -> Self {
        LeafSums::default()
    }
    #[inline(always)]
    fn combine(left: Self, right: Self) -> Self {
        LeafSums {
            sums: left.sums.combine(right.sums),
            suspicious: left.suspicious | right.suspicious,
        }
    }
}

/// f64 accumulators of one in-flight leaf.
#[derive(Clone, Copy)]
struct Accumulators<W: FloatVec<Elem = f64>> {
    mass_p: W,
    mass_q: W,
    core: W,
    peak: W,
}

impl<W: FloatVec<Elem = f64>> Accumulators<W> {
    #[inline(always)]
    fn new() -> Self {
        let zero = W::splat(0.0);
        Accumulators {
            mass_p: zero,
            mass_q: zero,
            core: zero,
            peak: zero,
        }
    }

    #[inline(always)]
    fn add(&mut self, binary: bool, p: W, q: W, term: W) {
        self.mass_p = self.mass_p.add(p);
        if binary {
            self.mass_q = self.mass_q.add(q);
        }
        self.core = self.core.add(term);
    }

    /// Both accumulators' lanes, summed in a fixed order.
    #[inline(always)]
    fn total([a, b]: [Self; 2]) -> Partial {
        Partial {
            mass_p: a.mass_p.horizontal_sum() + b.mass_p.horizontal_sum(),
            mass_q: a.mass_q.horizontal_sum() + b.mass_q.horizontal_sum(),
            core: a.core.horizontal_sum() + b.core.horizontal_sum(),
            peak: horizontal_max(a.peak).max(horizontal_max(b.peak)),
        }
    }
}

/// The largest lane (lanes hold entries >= 0).
#[inline(always)]
fn horizontal_max<W: FloatVec<Elem = f64>>(v: W) -> f64 {
    let mut lanes = [0.0f64; 8];
    // SAFETY: at most 8 f64 lanes.
    unsafe { v.store(lanes.as_mut_ptr()) };
    let mut max = 0.0f64;
    for &x in &lanes[..W::LANES] {
        max = max.max(x);
    }
    max
}

/// The measure's term from p and the logs it needs (only lanes with p > 0 count; there the log
/// of q = 0 is -inf, which makes cross-entropy and KL +inf as they should be).
#[inline(always)]
fn term<W: FloatVec<Elem = f64>>(measure: Measure, p: W, ln_p: W, ln_q: W) -> W {
    let zero = W::splat(0.0);
    let value = match measure {
        Measure::Entropy => p.mul(ln_p),
        Measure::CrossEntropy => p.mul(ln_q),
        _ => p.mul(ln_p.sub(ln_q)),
    };
    W::select(p.gt(zero), value, zero)
}

/// ln q, with ln 0 = -inf (a plain function, not a closure: see `parallel::Leaves`).
#[inline(always)]
fn ln_of_q<W: FloatVec<Elem = f64>>(q: W) -> W {
    let zero = W::splat(0.0);
    W::select(q.gt(zero), ln_f64_positive(q), W::splat(f64::NEG_INFINITY))
}

/// Whether each lane is finite and non-negative (NaN fails both comparisons).
#[inline(always)]
fn finite_nonnegative<V: FloatVec>(x: V) -> V::Mask {
    let zero = V::splat(V::Elem::ZERO);
    let inf = V::splat(V::Elem::from_f64(f64::INFINITY));
    V::mask_and(x.ge(zero), x.lt(inf))
}

/// NaN pairs become (0, 0) under "omit" (zeros add nothing), then the scale applies; returns the
/// entries and whether all lanes are finite and non-negative.
#[inline(always)]
fn prepare_lanes<V: FloatVec>(
    binary: bool,
    omit_nan: bool,
    scale: [V; 2],
    p: V,
    q: V,
) -> (V, V, V::Mask) {
    let zero = V::splat(V::Elem::ZERO);
    let (mut p, mut q) = (p, q);
    if omit_nan {
        let drop = V::mask_or(p.is_nan(), q.is_nan());
        p = V::select(drop, zero, p);
        q = V::select(drop, zero, q);
    }
    p = p.mul(scale[0]);
    q = q.mul(scale[1]);
    let valid = if binary {
        V::mask_and(finite_nonnegative(p), finite_nonnegative(q))
    } else {
        finite_nonnegative(p)
    };
    (p, q, valid)
}

/// Elements per leaf: 2 accumulators per sum, each adding 16 f64 vectors sequentially, as
/// NumPy's pairwise sum does within its 128-element blocks.
const UNROLL: usize = 2;
const VECTORS_PER_ACCUMULATOR: usize = 16;
/// The largest leaf (8 f64 lanes, AVX-512).
const MAX_LEAF: usize = 8 * UNROLL * VECTORS_PER_ACCUMULATOR;

fn leaf_len(f64_lanes: usize) -> usize {
    f64_lanes * UNROLL * VECTORS_PER_ACCUMULATOR
}

/// The element type a kernel computes in: how it fetches entries and sums one leaf.
pub(crate) trait Compute: VectorLn {
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [Self],
    ) -> &'b [Self];
    /// `2^e` clamped to this type's normal range.
    fn power_of_two(e: i32) -> Self;
    /// A mass above which `p ln p` may overflow this type.
    const HUGE_MASS: f64;
    /// A mass below which terms may be subnormal.
    const TINY_MASS: f64;

    /// Sums one leaf of `term` (`p` and `q` of equal length, `q` empty for unary terms).
    fn leaf_sums<L: Level>(
        term: u8,
        omit_nan: bool,
        scale: [Self; 2],
        extra: Extra,
        p: &[Self],
        q: &[Self],
    ) -> LeafSums;
}

/// Per-pass constants of the two-pass terms: entries are multiplied by `scale` (a power of two,
/// checked for range), then by `post` (1/mass or 1/max), and `order` is the power of `POWER`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extra {
    post: [f64; 2],
    order: f64,
}

impl Extra {
    const NONE: Extra = Extra {
        post: [1.0, 1.0],
        order: 1.0,
    };
}

impl Compute for f64 {
    #[inline(always)]
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [f64],
    ) -> &'b [f64] {
        input.fetch_f64(base, start, len, buf)
    }
    fn power_of_two(e: i32) -> f64 {
        f64::from_bits(((e.clamp(-1022, 1023) + 1023) as u64) << 52)
    }
    const HUGE_MASS: f64 = f64::MAX / 1024.0;
    const TINY_MASS: f64 = f64::MIN_POSITIVE * 4_503_599_627_370_496.0;

    #[inline(always)]
    fn leaf_sums<L: Level>(
        term: u8,
        omit_nan: bool,
        scale: [f64; 2],
        extra: Extra,
        p: &[f64],
        q: &[f64],
    ) -> LeafSums {
        by_term!(
            term,
            omit_nan,
            [
                ENTROPY,
                CROSS_ENTROPY,
                KL_DIVERGENCE,
                JENSEN_SHANNON,
                MASS,
                MASS_PQ,
                POWER
            ],
            |M, OMIT| leaf_f64::<L, M, OMIT>(scale, extra, p, q)
        )
    }
}

impl Compute for f32 {
    #[inline(always)]
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [f32],
    ) -> &'b [f32] {
        input.fetch_f32(base, start, len, buf)
    }
    fn power_of_two(e: i32) -> f32 {
        f32::from_bits(((e.clamp(-126, 127) + 127) as u32) << 23)
    }
    const HUGE_MASS: f64 = f32::MAX as f64 / 1024.0;
    const TINY_MASS: f64 = f32::MIN_POSITIVE as f64 * 8_388_608.0;

    /// Only the single-pass terms: `reduce` computes the others in f64.
    #[inline(always)]
    fn leaf_sums<L: Level>(
        term: u8,
        omit_nan: bool,
        scale: [f32; 2],
        _extra: Extra,
        p: &[f32],
        q: &[f32],
    ) -> LeafSums {
        by_term!(
            term,
            omit_nan,
            [ENTROPY, CROSS_ENTROPY, KL_DIVERGENCE],
            |M, OMIT| leaf_f32::<L, M, OMIT>(scale, p, q)
        )
    }
}

/// Leaf terms as const generic codes, so that each (term, NaN policy) pair gets a loop of its own
/// with no per-vector branches and only the constants it needs.
const ENTROPY: u8 = 0;
const CROSS_ENTROPY: u8 = 1;
const KL_DIVERGENCE: u8 = 2;
/// p ln(p/m) + q ln(q/m), m = (p + q)/2, for entries already scaled by 1/mass.
const JENSEN_SHANNON: u8 = 3;
/// Masses, the number of positive p entries (as `core`) and the largest p entry; p only.
const MASS: u8 = 4;
/// As `MASS`, with the mass of q too.
const MASS_PQ: u8 = 5;
/// x^order with x = p / max p (so in [0, 1]).
const POWER: u8 = 6;

/// Whether a term reads q.
const fn reads_q(term: u8) -> bool {
    matches!(
        term,
        CROSS_ENTROPY | KL_DIVERGENCE | JENSEN_SHANNON | MASS_PQ
    )
}

/// Calls `$call` with `$m` and `$o` bound as constants to the run-time `$term` and `$omit`, for
/// each term listed.
macro_rules! by_term {
    ($term:expr, $omit:expr, [$($code:ident),*], |$m:ident, $o:ident| $call:expr) => {
        match ($term, $omit) {
            $(
                ($code, false) => {
                    const $m: u8 = $code;
                    const $o: bool = false;
                    $call
                }
                ($code, true) => {
                    const $m: u8 = $code;
                    const $o: bool = true;
                    $call
                }
            )*
            (term, _) => unreachable!("leaf term {term} is not served here"),
        }
    };
}
use by_term;

/// One f64 vector of p (and q) into `acc`; returns the lanes' validity.
#[inline(always)]
fn step_f64<W: FloatVec<Elem = f64>, const M: u8, const OMIT: bool>(
    acc: &mut Accumulators<W>,
    scale: [W; 2],
    extra: &ExtraLanes<W>,
    p: W,
    q: W,
) -> W::Mask {
    let binary = reads_q(M);
    let (p, q, valid) = prepare_lanes(binary, OMIT, scale, p, q);
    let zero = W::splat(0.0);
    // Only the logs the term uses are computed. Lanes with p = 0 are masked by `term`, and bad
    // lanes make the leaf suspicious, so only q = 0 needs care.
    let t = match M {
        ENTROPY => term(Measure::Entropy, p, ln_f64_positive(p), p),
        CROSS_ENTROPY => term(Measure::CrossEntropy, p, p, ln_of_q(q)),
        KL_DIVERGENCE => term(Measure::KlDivergence, p, ln_f64_positive(p), ln_of_q(q)),
        JENSEN_SHANNON => {
            let (p, q) = (p.mul(extra.post[0]), q.mul(extra.post[1]));
            // ln m = ln(p + q) - ln 2: halving a subnormal sum could round it to 0.
            let ln_m = ln_f64_positive(p.add(q)).sub(W::splat(std::f64::consts::LN_2));
            let from_p = p.mul(ln_f64_positive(p).sub(ln_m));
            let from_q = q.mul(ln_f64_positive(q).sub(ln_m));
            let t = W::select(p.gt(zero), from_p, zero).add(W::select(q.gt(zero), from_q, zero));
            // Equal entries contribute exactly 0 (the logs above need not cancel to the bit), so
            // identical distributions are exactly 0 apart.
            W::select(p.eq(q), zero, t)
        }
        MASS | MASS_PQ => {
            acc.peak = W::select(p.gt(acc.peak), p, acc.peak);
            W::select(p.gt(zero), W::splat(1.0), zero)
        }
        _ => {
            let x = p.mul(extra.post[0]);
            let power = exp_nonpositive(extra.order.mul(ln_f64_positive(x)));
            W::select(x.gt(zero), power, zero)
        }
    };
    acc.add(binary, p, q, t);
    valid
}

/// [`Extra`] splatted to vectors.
struct ExtraLanes<W> {
    post: [W; 2],
    order: W,
}

/// Sums one leaf of f64 entries: two accumulator sets in locals (so they stay in registers), full
/// pairs of vectors first, then a zero-padded tail.
#[inline(always)]
fn leaf_f64<L: Level, const M: u8, const OMIT: bool>(
    scale: [f64; 2],
    extra: Extra,
    p: &[f64],
    q: &[f64],
) -> LeafSums {
    type W<L> = <L as Level>::F64;
    let binary = reads_q(M);
    let lanes = W::<L>::LANES;
    let scale = [W::<L>::splat(scale[0]), W::<L>::splat(scale[1])];
    let extra = ExtraLanes {
        post: [W::<L>::splat(extra.post[0]), W::<L>::splat(extra.post[1])],
        order: W::<L>::splat(extra.order),
    };
    let (mut a, mut b) = (Accumulators::<W<L>>::new(), Accumulators::<W<L>>::new());
    let mut valid = W::<L>::mask_true();
    let n = p.len();
    let whole = n - n % (2 * lanes);
    let mut at = 0;
    while at < whole {
        // SAFETY: at + 2 lanes <= whole <= n, and q is as long as p when the measure is binary.
        let [p0, p1, q0, q1] = unsafe {
            let p0 = W::<L>::load(p.as_ptr().add(at));
            let p1 = W::<L>::load(p.as_ptr().add(at + lanes));
            if binary {
                [
                    p0,
                    p1,
                    W::<L>::load(q.as_ptr().add(at)),
                    W::<L>::load(q.as_ptr().add(at + lanes)),
                ]
            } else {
                [p0, p1, p0, p1]
            }
        };
        let v0 = step_f64::<W<L>, M, OMIT>(&mut a, scale, &extra, p0, q0);
        let v1 = step_f64::<W<L>, M, OMIT>(&mut b, scale, &extra, p1, q1);
        valid = W::<L>::mask_and(valid, W::<L>::mask_and(v0, v1));
        at += 2 * lanes;
    }
    if at < n {
        let (p0, q0) = padded_pair::<W<L>>(binary, p, q, at);
        valid = W::<L>::mask_and(
            valid,
            step_f64::<W<L>, M, OMIT>(&mut a, scale, &extra, p0, q0),
        );
        at += lanes;
    }
    if at < n {
        let (p1, q1) = padded_pair::<W<L>>(binary, p, q, at);
        valid = W::<L>::mask_and(
            valid,
            step_f64::<W<L>, M, OMIT>(&mut b, scale, &extra, p1, q1),
        );
    }
    LeafSums {
        sums: Accumulators::total([a, b]),
        suspicious: !W::<L>::mask_all(valid),
    }
}

/// Vector `at` of p and q, zero-padded past their end.
#[inline(always)]
fn padded_pair<V: FloatVec>(binary: bool, p: &[V::Elem], q: &[V::Elem], at: usize) -> (V, V) {
    let pv = load_padded::<V>(p, at);
    (pv, if binary { load_padded::<V>(q, at) } else { pv })
}

/// Stage 1 of a float32 leaf, one f32 vector: prepared entries and their log parts, stored.
#[inline(always)]
fn stage_f32<V: FloatVec<Elem = f32>, const M: u8, const OMIT: bool>(
    stage: [*mut f32; 6],
    at: usize,
    scale: [V; 2],
    p: V,
    q: V,
) -> V::Mask {
    let binary = reads_q(M);
    let (p, q, valid) = prepare_lanes(binary, OMIT, scale, p, q);
    let [sp, skp, slp, sq, skq, slq] = stage;
    // SAFETY: the caller guarantees at + LANES <= MAX_LEAF for every buffer.
    unsafe {
        p.store(sp.add(at));
        if M != CROSS_ENTROPY {
            let (kp, lp) = ln_parts_f32(p);
            kp.store(skp.add(at));
            lp.store(slp.add(at));
        }
        if binary {
            let (kq, lq) = ln_parts_f32(q);
            q.store(sq.add(at));
            kq.store(skq.add(at));
            lq.store(slq.add(at));
        }
    }
    valid
}

/// Stage 2 of a float32 leaf, one f64 vector: terms formed in f64 from the stored parts.
#[inline(always)]
fn finish_f32<W: FloatVec<Elem = f64>, const M: u8>(
    acc: &mut Accumulators<W>,
    stage: [*mut f32; 6],
    at: usize,
) {
    let binary = reads_q(M);
    let [sp, skp, slp, sq, skq, slq] = stage;
    let ln2 = W::splat(std::f64::consts::LN_2);
    let zero = W::splat(0.0);
    // SAFETY: [at, at + LANES) was written by stage 1 (q's buffers only when binary, and only
    // then are they read; p's log parts only when the measure uses them).
    unsafe {
        let p = W::load_widened(sp.add(at));
        let ln_p = if M != CROSS_ENTROPY {
            W::load_widened(skp.add(at)).mul_add(ln2, W::load_widened(slp.add(at)))
        } else {
            zero
        };
        let (q, ln_q) = if binary {
            let q = W::load_widened(sq.add(at));
            let ln_q = W::load_widened(skq.add(at)).mul_add(ln2, W::load_widened(slq.add(at)));
            (q, W::select(q.gt(zero), ln_q, W::splat(f64::NEG_INFINITY)))
        } else {
            (zero, zero)
        };
        let t = match M {
            ENTROPY => term(Measure::Entropy, p, ln_p, ln_q),
            CROSS_ENTROPY => term(Measure::CrossEntropy, p, ln_p, ln_q),
            _ => term(Measure::KlDivergence, p, ln_p, ln_q),
        };
        acc.add(binary, p, q, t);
    }
}

/// Sums one leaf of f32 entries. float32 lanes do the costly part (the log's reduction and
/// polynomial, as (k, ln m)); the terms are then formed in f64 as p (k ln 2 + ln m), so float32
/// input loses nothing to the ulp of ln p in f32.
#[inline(always)]
fn leaf_f32<L: Level, const M: u8, const OMIT: bool>(
    scale: [f32; 2],
    p: &[f32],
    q: &[f32],
) -> LeafSums {
    type V<L> = <L as Level>::F32;
    type W<L> = <L as Level>::F64;
    let binary = reads_q(M);
    let scale = [V::<L>::splat(scale[0]), V::<L>::splat(scale[1])];
    let n = p.len();
    let padded = n.div_ceil(V::<L>::LANES) * V::<L>::LANES;
    // Stage 1 writes [0, padded) of the buffers it needs and stage 2 reads only those, so the
    // buffers need no initialisation (which would cost more than the leaf itself).
    let mut buffers = [[MaybeUninit::<f32>::uninit(); MAX_LEAF]; 6];
    let [b0, b1, b2, b3, b4, b5] = &mut buffers;
    let stage = [b0, b1, b2, b3, b4, b5].map(|b| b.as_mut_ptr().cast::<f32>());
    let mut valid = V::<L>::mask_true();
    let whole = n - n % V::<L>::LANES;
    let mut at = 0;
    while at < whole {
        // SAFETY: at + LANES <= whole <= n; q is as long as p when binary.
        let (pv, qv) = unsafe {
            let pv = V::<L>::load(p.as_ptr().add(at));
            (
                pv,
                if binary {
                    V::<L>::load(q.as_ptr().add(at))
                } else {
                    pv
                },
            )
        };
        let ok = stage_f32::<V<L>, M, OMIT>(stage, at, scale, pv, qv);
        valid = V::<L>::mask_and(valid, ok);
        at += V::<L>::LANES;
    }
    if at < n {
        let (pv, qv) = padded_pair::<V<L>>(binary, p, q, at);
        let ok = stage_f32::<V<L>, M, OMIT>(stage, at, scale, pv, qv);
        valid = V::<L>::mask_and(valid, ok);
    }
    let lanes = W::<L>::LANES;
    let (mut a, mut b) = (Accumulators::<W<L>>::new(), Accumulators::<W<L>>::new());
    let mut at = 0;
    while at + 2 * lanes <= padded {
        finish_f32::<W<L>, M>(&mut a, stage, at);
        finish_f32::<W<L>, M>(&mut b, stage, at + lanes);
        at += 2 * lanes;
    }
    if at < padded {
        finish_f32::<W<L>, M>(&mut a, stage, at);
    }
    LeafSums {
        sums: Accumulators::total([a, b]),
        suspicious: !V::<L>::mask_all(valid),
    }
}

/// Everything a reduction needs to know, shared by all threads.
struct Job<'a> {
    measure: Measure,
    /// Whether q is read (and checked).
    binary: bool,
    p: &'a Input<'a>,
    q: &'a Input<'a>,
    params: Params,
    options: Options,
    reduce_len: usize,
    leaf_len: usize,
}

/// One pass over a distribution: the leaf term and how entries are scaled.
#[derive(Clone, Copy)]
struct Pass<E> {
    term: u8,
    scale: [E; 2],
    extra: Extra,
}

impl<E: Compute> Pass<E> {
    fn plain(term: u8) -> Self {
        Pass {
            term,
            scale: [E::ONE, E::ONE],
            extra: Extra::NONE,
        }
    }
}

/// The SIMD task: a sequential tree sum over `count` leaves of one distribution from `first`.
struct LeafRange<'a, E> {
    job: &'a Job<'a>,
    pass: Pass<E>,
    bases: [isize; 2],
    first: usize,
    count: usize,
}

/// The leaves of one distribution, fetched and summed inside a SIMD task.
struct LeafWalker<'a, 'b, E, L> {
    task: &'b LeafRange<'a, E>,
    omit: bool,
    buf_p: &'b mut [E],
    buf_q: &'b mut [E],
    level: PhantomData<L>,
}

impl<E: Compute, L: Level> Leaves for LeafWalker<'_, '_, E, L> {
    type Sum = LeafSums;

    #[inline(always)]
    fn leaf(&mut self, i: usize) -> LeafSums {
        let job = self.task.job;
        let pass = self.task.pass;
        let start = (self.task.first + i) * job.leaf_len;
        let len = job.leaf_len.min(job.reduce_len - start);
        let p = E::fetch(job.p, self.task.bases[0], start, len, self.buf_p);
        let q: &[E] = if reads_q(pass.term) {
            E::fetch(job.q, self.task.bases[1], start, len, self.buf_q)
        } else {
            &[]
        };
        E::leaf_sums::<L>(pass.term, self.omit, pass.scale, pass.extra, p, q)
    }
}

impl<E: Compute> SimdTask for LeafRange<'_, E> {
    type Output = LeafSums;

    #[inline(always)]
    fn run<L: Level>(self) -> LeafSums {
        let job = self.job;
        let binary = reads_q(self.pass.term);
        // Scratch for gathering strided or integer entries; contiguous floats are read in place.
        let direct = job.p.is_direct::<E>() && (!binary || job.q.is_direct::<E>());
        let mut scratch = vec![E::ZERO; if direct { 0 } else { 2 * job.leaf_len }];
        let half = scratch.len() / 2;
        let (buf_p, buf_q) = scratch.split_at_mut(half);
        let mut walker = LeafWalker::<E, L> {
            task: &self,
            omit: job.params.nan_policy == NanPolicy::Omit,
            buf_p,
            buf_q,
            level: PhantomData,
        };
        counter_tree_sum(self.count, &mut walker)
    }
}

/// 2^e for e in the normal range.
const fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// Masses outside [2^-500, 2^500] are measured again at a scale of 2^-+600, so that their
/// reciprocals and the scaled entries stay normal.
const MASS_RANGE: [f64; 2] = [pow2(-500), pow2(500)];
const RESCALE: i32 = 600;

/// The first pass of a two-pass measure, at entry scale `scale`.
struct Masses {
    scale: [f64; 2],
    /// Masses of the scaled p and q.
    mass: [f64; 2],
    /// The largest scaled p entry.
    peak: f64,
    /// The number of positive p entries.
    count: f64,
}

impl Masses {
    /// ln of the largest p entry, of the normalised distribution or of the unscaled entries. The
    /// ratio is taken before the log, so the scale cancels exactly.
    fn ln_peak(&self, normalize: bool) -> f64 {
        if normalize {
            (self.peak / self.mass[0]).ln()
        } else {
            self.peak.ln() - self.scale[0].ln()
        }
    }
}

impl Job<'_> {
    fn bases(&self, d: usize) -> [isize; 2] {
        [
            self.p.distribution_offset(d),
            if self.binary {
                self.q.distribution_offset(d)
            } else {
                0
            },
        ]
    }

    /// Sums of `pass` over distribution `d`.
    fn sums<E: Compute>(&self, d: usize, split: bool, pass: Pass<E>) -> LeafSums {
        let bases = self.bases(d);
        let leaves = self.reduce_len.div_ceil(self.leaf_len);
        let run = |first: usize, count: usize| {
            dispatch(
                self.options.level,
                LeafRange {
                    job: self,
                    pass,
                    bases,
                    first,
                    count,
                },
            )
        };
        parallel::tree_sum(leaves, self.leaf_len, split, &run)
    }

    /// The result for distribution `d`, or its first error.
    fn distribution<E: Compute>(&self, d: usize, split: bool) -> Result<f64, KernelError> {
        let value = match self.measure {
            Measure::JensenShannon => self.jensen_shannon::<E>(d, split)?,
            Measure::Renyi | Measure::Tsallis => self.power_family::<E>(d, split)?,
            shannon => self.shannon::<E>(d, split, shannon)?,
        };
        Ok(match self.params.base {
            Some(base) => value / base.ln(),
            None => value,
        })
    }

    /// Plain sums of `term` over distribution `d` with its entries checked: an offending entry
    /// is an error, and `None` means a NaN is to propagate (the only trouble that gets through).
    fn checked_sums<E: Compute>(
        &self,
        d: usize,
        split: bool,
        term: u8,
    ) -> Result<Option<Partial>, KernelError> {
        let leaf = self.sums::<E>(d, split, Pass::plain(term));
        if leaf.suspicious {
            // Rare: find the first offending entry.
            self.diagnose(d)?;
            return Ok(None);
        }
        Ok(Some(leaf.sums))
    }

    /// A single-pass measure of distribution `d`, in nats.
    fn shannon<E: Compute>(
        &self,
        d: usize,
        split: bool,
        measure: Measure,
    ) -> Result<f64, KernelError> {
        let opts = &self.params;
        let Some(mut sums) = self.checked_sums::<E>(d, split, measure.term())? else {
            return Ok(f64::NAN);
        };
        if opts.normalize {
            self.check_masses(d, [sums.mass_p, sums.mass_q])?;
            if self.out_of_range::<E>(&sums) {
                sums = self.rescaled::<E>(d, split, measure, sums);
            }
        }
        Ok(sums.finish(measure, opts.normalize))
    }

    /// A zero mass of p, then of q, is an error.
    fn check_masses(&self, d: usize, masses: [f64; 2]) -> Result<(), KernelError> {
        if masses[0] == 0.0 {
            return Err(KernelError::ZeroMass {
                arg: Arg::P,
                distribution: d,
            });
        }
        if self.binary && masses[1] == 0.0 {
            return Err(KernelError::ZeroMass {
                arg: Arg::Q,
                distribution: d,
            });
        }
        Ok(())
    }

    /// Whether the sums may have overflowed or lost precision to subnormals; normalised measures
    /// do not depend on scale, so such distributions are recomputed at a better one.
    fn out_of_range<E: Compute>(&self, sums: &Partial) -> bool {
        let masses_finite = sums.mass_p.is_finite() && sums.mass_q.is_finite();
        !masses_finite
            || (!sums.core.is_finite() && sums.mass_p > E::HUGE_MASS)
            || sums.mass_p < E::TINY_MASS
    }

    /// Recomputes distribution `d` with p and q scaled by powers of two that bring their masses
    /// near 1. A mass that overflowed is first measured at a scale of 2^-600.
    fn rescaled<E: Compute>(
        &self,
        d: usize,
        split: bool,
        measure: Measure,
        sums: Partial,
    ) -> Partial {
        let exponent = |mass: f64| -> Option<i32> {
            (mass.is_finite() && mass > 0.0).then(|| mass.log2().floor() as i32)
        };
        let mut exps = [exponent(sums.mass_p), exponent(sums.mass_q)];
        let term = measure.term();
        if exps.iter().any(Option::is_none) {
            let shrink = |e: Option<i32>| if e.is_none() { -RESCALE } else { 0 };
            let probe = self.sums::<E>(
                d,
                split,
                Pass {
                    term,
                    scale: [
                        E::power_of_two(shrink(exps[0])),
                        E::power_of_two(shrink(exps[1])),
                    ],
                    extra: Extra::NONE,
                },
            );
            let masses = [probe.sums.mass_p, probe.sums.mass_q];
            for (e, mass) in exps.iter_mut().zip(masses) {
                if e.is_none() {
                    *e = exponent(mass).map(|e| e + RESCALE);
                }
            }
        }
        let scale = exps.map(|e| E::power_of_two(-e.unwrap_or(0)));
        self.sums::<E>(
            d,
            split,
            Pass {
                term,
                scale,
                extra: Extra::NONE,
            },
        )
        .sums
    }

    /// The first pass of a two-pass measure: masses, count and peak, at a scale that keeps them
    /// in range. `None` when a NaN is to propagate.
    fn masses<E: Compute>(&self, d: usize, split: bool) -> Result<Option<Masses>, KernelError> {
        let term = if self.binary { MASS_PQ } else { MASS };
        let Some(mut sums) = self.checked_sums::<E>(d, split, term)? else {
            return Ok(None);
        };
        let mut scale = [1.0, 1.0];
        let mut again = false;
        for (s, mass) in scale.iter_mut().zip([sums.mass_p, sums.mass_q]) {
            if mass > 0.0 && !(MASS_RANGE[0]..=MASS_RANGE[1]).contains(&mass) {
                *s = pow2(if mass > 1.0 { -RESCALE } else { RESCALE });
                again = true;
            }
        }
        if again {
            let pass = Pass {
                term,
                scale: scale.map(E::from_f64),
                extra: Extra::NONE,
            };
            sums = self.sums::<E>(d, split, pass).sums;
        }
        Ok(Some(Masses {
            scale,
            mass: [sums.mass_p, sums.mass_q],
            peak: sums.peak,
            count: sums.core,
        }))
    }

    /// Jensen-Shannon divergence of distribution `d`, in nats.
    fn jensen_shannon<E: Compute>(&self, d: usize, split: bool) -> Result<f64, KernelError> {
        if !self.params.normalize {
            let sums = self.checked_sums::<E>(d, split, JENSEN_SHANNON)?;
            return Ok(sums.map_or(f64::NAN, |sums| 0.5 * sums.core));
        }
        let Some(masses) = self.masses::<E>(d, split)? else {
            return Ok(f64::NAN);
        };
        self.check_masses(d, masses.mass)?;
        let pass = Pass {
            term: JENSEN_SHANNON,
            scale: masses.scale.map(E::from_f64),
            extra: Extra {
                post: masses.mass.map(|mass| 1.0 / mass),
                order: 1.0,
            },
        };
        let core = self.sums::<E>(d, split, pass).sums.core;
        // Rounding must not leave [0, ln 2], where the divergence of two distributions lies.
        Ok((0.5 * core).clamp(0.0, std::f64::consts::LN_2))
    }

    /// Renyi or Tsallis entropy of distribution `d`, in nats.
    fn power_family<E: Compute>(&self, d: usize, split: bool) -> Result<f64, KernelError> {
        let order = self.params.order;
        let normalize = self.params.normalize;
        if order == 1.0 && normalize {
            // Both are Shannon's entropy at order 1.
            return self.shannon::<E>(d, split, Measure::Entropy);
        }
        if order == 1.0 {
            // Unnormalised: -sum p ln p, and no positive entry is an error as at other orders.
            let Some(sums) = self.checked_sums::<E>(d, split, ENTROPY)? else {
                return Ok(f64::NAN);
            };
            self.check_masses(d, [sums.mass_p, 1.0])?;
            return Ok(-sums.core);
        }
        let Some(masses) = self.masses::<E>(d, split)? else {
            return Ok(f64::NAN);
        };
        if masses.count == 0.0 {
            return Err(KernelError::ZeroMass {
                arg: Arg::P,
                distribution: d,
            });
        }
        let ln_peak = masses.ln_peak(normalize);
        // ln sum p^order, over the positive entries of the (normalised) distribution.
        let ln_power_sum = if order == 0.0 {
            masses.count.ln()
        } else if order == f64::INFINITY {
            if self.measure == Measure::Tsallis {
                return Ok(0.0);
            }
            return Ok(if normalize {
                (-ln_peak).max(0.0)
            } else {
                -ln_peak
            });
        } else {
            let pass = Pass {
                term: POWER,
                scale: [E::from_f64(masses.scale[0]), E::ONE],
                extra: Extra {
                    post: [1.0 / masses.peak, 1.0],
                    order,
                },
            };
            // sum (p / max)^order: at least 1 (the max itself), at most the count.
            let scaled = self.sums::<E>(d, split, pass).sums.core;
            order * ln_peak + scaled.ln()
        };
        // Near order 1 both divide a small log by 1 - order: their relative error grows like
        // eps / |1 - order| (order 1 itself is computed as Shannon's entropy).
        let value = if self.measure == Measure::Renyi {
            ln_power_sum / (1.0 - order)
        } else {
            -ln_power_sum.exp_m1() / (order - 1.0)
        };
        // Both are >= 0 for a normalised distribution: rounding must not make them negative.
        Ok(if normalize { value.max(0.0) } else { value })
    }

    /// The raw sums of `kind` over distribution `d` (NaN sums for a NaN under "propagate").
    fn partial<E: Compute>(
        &self,
        d: usize,
        split: bool,
        kind: SumKind,
    ) -> Result<Partial, KernelError> {
        let term = match kind {
            SumKind::Mass if self.binary => MASS_PQ,
            SumKind::Mass => MASS,
            SumKind::Shannon(measure) => measure.term(),
        };
        Ok(self.checked_sums::<E>(d, split, term)?.unwrap_or(Partial {
            mass_p: f64::NAN,
            mass_q: f64::NAN,
            core: f64::NAN,
            peak: f64::NAN,
        }))
    }

    /// Scans distribution `d` for its first offending entry: p first, then q. Returns `Ok` when
    /// the only trouble is NaN under "propagate".
    fn diagnose(&self, d: usize) -> Result<(), KernelError> {
        let bases = self.bases(d);
        let omit = self.params.nan_policy == NanPolicy::Omit;
        let raise_nan = self.params.nan_policy == NanPolicy::Raise;
        let binary = self.binary;
        let args: &[(Arg, &Input)] = if binary {
            &[(Arg::P, self.p), (Arg::Q, self.q)]
        } else {
            &[(Arg::P, self.p)]
        };
        const CHUNK: usize = 256;
        let (mut buf_a, mut buf_b) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
        for (which, &(arg, input)) in args.iter().enumerate() {
            let mut start = 0;
            while start < self.reduce_len {
                let len = CHUNK.min(self.reduce_len - start);
                let values = input.fetch_f64(bases[which], start, len, &mut buf_a);
                let other: &[f64] = if binary && omit {
                    let (input, base) = if which == 0 {
                        (self.q, bases[1])
                    } else {
                        (self.p, bases[0])
                    };
                    input.fetch_f64(base, start, len, &mut buf_b)
                } else {
                    &[]
                };
                for (j, &x) in values.iter().enumerate() {
                    let position = start + j;
                    let nan_pair = x.is_nan() || other.get(j).is_some_and(|y| y.is_nan());
                    if omit && nan_pair {
                        continue;
                    }
                    if x.is_nan() {
                        if raise_nan {
                            return Err(KernelError::Nan {
                                arg,
                                distribution: d,
                                position,
                            });
                        }
                    } else if x.is_infinite() {
                        return Err(KernelError::Infinite {
                            arg,
                            distribution: d,
                            position,
                            value: x,
                        });
                    } else if x < 0.0 {
                        return Err(KernelError::Negative {
                            arg,
                            distribution: d,
                            position,
                            value: x,
                        });
                    }
                }
                start += len;
            }
        }
        Ok(())
    }

    /// Fills `out[i]` with distribution `offset + i`; stops at its first error.
    fn run_range<T, F: Each<T>>(
        &self,
        offset: usize,
        out: &mut [T],
        split: bool,
        each: &F,
    ) -> Result<(), KernelError> {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = each(self, offset + i, split)?;
        }
        Ok(())
    }

    /// Fills `out` (one slot per distribution) with `each`, on the pool when it pays.
    fn run<T: Send, F: Each<T>>(&self, out: &mut [T], each: F) -> Result<(), KernelError> {
        let work = Work::new(out.len(), self.reduce_len).splittable(self.leaf_len);
        let task = |first: usize, _count: usize, out: &mut [T], split: bool| {
            self.run_range(first, out, split, &each).err()
        };
        parallel::schedule(work, self.options.parallel, out, &task)?.map_or(Ok(()), Err)
    }
}

/// A per-distribution computation of a job: `(job, distribution, split)` to one `T`.
trait Each<T>: Fn(&Job<'_>, usize, bool) -> Result<T, KernelError> + Sync {}

impl<T, F: Fn(&Job<'_>, usize, bool) -> Result<T, KernelError> + Sync> Each<T> for F {}

/// Checks shapes and options and builds the job (q is p for unary work).
fn job<'a>(
    measure: Measure,
    binary: bool,
    p: &'a Input<'a>,
    q: Option<&'a Input<'a>>,
    params: &Params,
    options: &Options,
    outputs: usize,
) -> Result<Job<'a>, KernelError> {
    let q = match (binary, q) {
        (true, Some(q)) => q,
        (true, None) => {
            return Err(KernelError::Layout(format!(
                "{measure:?} needs a second distribution q"
            )))
        }
        (false, _) => p,
    };
    if p.batch_shape() != q.batch_shape() || p.reduce_len() != q.reduce_len() {
        return Err(KernelError::Layout(format!(
            "p (batch {:?} x {}) and q (batch {:?} x {}) do not match",
            p.batch_shape(),
            p.reduce_len(),
            q.batch_shape(),
            q.reduce_len()
        )));
    }
    let distributions: usize = p.batch_shape().iter().product();
    if outputs != distributions {
        return Err(KernelError::Layout(format!(
            "out has {outputs} slots for {distributions} distributions"
        )));
    }
    options::check_base(params.base)?;
    let order_ok = params.order >= 0.0; // false for NaN too
    if matches!(measure, Measure::Renyi | Measure::Tsallis) && !order_ok {
        return Err(KernelError::Layout(format!(
            "the order of {measure:?} must be >= 0 (or +inf), not {}",
            params.order
        )));
    }
    Ok(Job {
        measure,
        binary,
        p,
        q,
        params: *params,
        options: *options,
        reduce_len: p.reduce_len(),
        leaf_len: leaf_len(f64_lanes(options.level)),
    })
}

/// Computes `measure` for every distribution of `p` (and `q`), writing one value per
/// distribution (C order over the batch shape) to `out`.
///
/// `q` is required for the binary measures (cross-entropy, KL, Jensen-Shannon) and ignored by
/// the others. Float32 inputs (with a float32 or absent `q`) of the single-pass measures are
/// computed in float32 lanes and accumulated in float64; everything else is computed in float64.
/// Errors name the first offending distribution (lowest index) and, within it, the first
/// offending entry of p, then of q, then a zero mass of p, then of q.
pub fn reduce(
    measure: Measure,
    p: &Input,
    q: Option<&Input>,
    params: &Params,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let job = job(
        measure,
        measure.is_binary(),
        p,
        q,
        params,
        options,
        out.len(),
    )?;
    if measure.is_shannon() && p.is_f32() && job.q.is_f32() {
        job.run(out, |job: &Job<'_>, d, split| {
            job.distribution::<f32>(d, split)
        })
    } else {
        job.run(out, |job: &Job<'_>, d, split| {
            job.distribution::<f64>(d, split)
        })
    }
}

/// The raw, mergeable sums of `kind` for every distribution of `p` (and `q`): what streaming and
/// distributed reductions combine with [`Partial::combine`] and finish with [`Partial::finish`].
///
/// Entries are checked as by [`reduce`] (zero masses are not errors here); a NaN under
/// "propagate" makes all sums of its distribution NaN (or, under "raise", an error; "omit" drops
/// NaN pairs). Terms are computed in f64 for every dtype.
pub fn partial_sums(
    kind: SumKind,
    p: &Input,
    q: Option<&Input>,
    nan_policy: NanPolicy,
    options: &Options,
    out: &mut [Partial],
) -> Result<(), KernelError> {
    let (measure, binary) = match kind {
        SumKind::Mass => (Measure::Entropy, q.is_some()),
        SumKind::Shannon(measure) if measure.is_shannon() => (measure, measure.is_binary()),
        SumKind::Shannon(measure) => {
            return Err(KernelError::Layout(format!(
                "{measure:?} has no single-pass partial sums"
            )))
        }
    };
    let params = Params {
        nan_policy,
        ..Params::default()
    };
    let job = job(measure, binary, p, q, &params, options, out.len())?;
    // Always f64 terms (float32 entries are widened per leaf): raw sums get combined and
    // differenced downstream (mutual information), where float32 logs' 1e-8 would show.
    job.run(out, |job: &Job<'_>, d, split| {
        job.partial::<f64>(d, split, kind)
    })
}

fn f64_lanes(level: SimdLevel) -> usize {
    struct Lanes;
    impl SimdTask for Lanes {
        type Output = usize;
        #[inline(always)]
        fn run<L: Level>(self) -> usize {
            <L::F64 as FloatVec>::LANES
        }
    }
    dispatch(level, Lanes)
}

/// Convenience for one contiguous distribution: the measure of `p` (and `q`) as one value.
pub fn reduce_slice<T>(
    measure: Measure,
    p: &[T],
    q: Option<&[T]>,
    params: &Params,
    options: &Options,
) -> Result<f64, KernelError>
where
    T: crate::strided::Element,
    for<'a> Input<'a>: From<crate::strided::Strided<'a, T>>,
{
    let p = Input::from(crate::strided::Strided::from_slice(p, &[], p.len())?);
    let q = match q {
        Some(q) => Some(Input::from(crate::strided::Strided::from_slice(
            q,
            &[],
            q.len(),
        )?)),
        None => None,
    };
    let mut out = [0.0];
    reduce(measure, &p, q.as_ref(), params, options, &mut out)?;
    Ok(out[0])
}

/// A plain sum of `data` on the pool: the memory-bandwidth yardstick the benchmark divides kernel
/// times by. Eight independent accumulators per chunk let the compiler vectorise it and keep it
/// limited by memory, not by add latency; chunks combine in a fixed order.
pub fn stream_sum<E: Real>(data: &[E], options: &Options) -> Result<f64, KernelError> {
    const CHUNK: usize = 1 << 16;
    let chunk_sum = |chunk: &[E]| {
        let mut acc = [0.0f64; 8];
        let mut blocks = chunk.chunks_exact(8);
        for block in &mut blocks {
            for (a, &x) in acc.iter_mut().zip(block) {
                *a += x.to_f64();
            }
        }
        let tail: f64 = blocks.remainder().iter().map(|x| x.to_f64()).sum();
        acc.iter().sum::<f64>() + tail
    };
    if !options.parallel || data.len() <= CHUNK {
        return Ok(data.chunks(CHUNK).map(chunk_sum).sum());
    }
    let sums: Vec<f64> = parallel::install(|| data.par_chunks(CHUNK).map(chunk_sum).collect())?;
    Ok(sums.iter().sum())
}
