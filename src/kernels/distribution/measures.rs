//! The measures and their per-vector leaf terms: a single-pass measure is a `Measure` variant,
//! a term code, its arm in `step_f64` (and `finish_f32` for float32 lanes) and its formula in
//! `Partial::finish`, all here.

use super::*;

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
    pub(super) fn is_shannon(self) -> bool {
        matches!(
            self,
            Measure::Entropy | Measure::CrossEntropy | Measure::KlDivergence
        )
    }

    /// The leaf term of a single-pass measure.
    pub(super) fn term(self) -> u8 {
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
                self.core / self.mass_p + ln_ratio(self.mass_q, self.mass_p)
            }
            // 0 - core, not -core: an empty or all-zero sum is +0, as in the NumPy twin.
            (Measure::Entropy | Measure::CrossEntropy, false) => 0.0 - self.core,
            (Measure::KlDivergence, false) => self.core,
            _ => panic!("{measure:?} is not a single-pass measure"),
        };
        // All three are >= 0 for normalised distributions: rounding must not make them negative
        // (and a zero is +0).
        if normalize && value <= 0.0 {
            0.0
        } else {
            value
        }
    }
}

/// ln(a / b) for positive a and b, to about an ulp of the result. ln a - ln b loses up to an
/// ulp of ln a itself, which for the masses of 1e8 entries (ln S ~ 18, ulp 3.6e-15) is more than
/// a small KL divergence can afford. Within a factor of two, a - b is exact (Sterbenz) and
/// ln_1p keeps its relative accuracy; beyond, ln(a / b) is at least ln 2 and one rounding of
/// the quotient costs under an ulp.
pub(super) fn ln_ratio(a: f64, b: f64) -> f64 {
    if (0.5 * b..=2.0 * b).contains(&a) {
        ((a - b) / b).ln_1p()
    } else {
        let ratio = a / b;
        if ratio.is_normal() {
            ratio.ln()
        } else {
            a.ln() - b.ln()
        }
    }
}

/// Leaf terms as const generic codes, so that each (term, NaN policy) pair gets a loop of its own
/// with no per-vector branches and only the constants it needs.
pub(super) const ENTROPY: u8 = 0;

pub(super) const CROSS_ENTROPY: u8 = 1;

pub(super) const KL_DIVERGENCE: u8 = 2;

/// p ln(p/m) + q ln(q/m), m = (p + q)/2, for entries already scaled by 1/mass.
pub(super) const JENSEN_SHANNON: u8 = 3;

/// Masses, the number of positive p entries (as `core`) and the largest p entry; p only.
pub(super) const MASS: u8 = 4;

/// As `MASS`, with the mass of q too.
pub(super) const MASS_PQ: u8 = 5;

/// x^order with x = p / max p (so in [0, 1]).
pub(super) const POWER: u8 = 6;

/// Whether a term reads q.
pub(super) const fn reads_q(term: u8) -> bool {
    matches!(
        term,
        CROSS_ENTROPY | KL_DIVERGENCE | JENSEN_SHANNON | MASS_PQ
    )
}

/// The measure's term from p and the logs it needs (only lanes with p > 0 count; there the log
/// of q = 0 is -inf, which makes cross-entropy and KL +inf as they should be).
#[inline(always)]
pub(super) fn term<W: FloatVec<Elem = f64>>(measure: Measure, p: W, ln_p: W, ln_q: W) -> W {
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
pub(super) fn ln_of_q<W: FloatVec<Elem = f64>>(q: W) -> W {
    let zero = W::splat(0.0);
    W::select(q.gt(zero), ln_f64_summand(q), W::splat(f64::NEG_INFINITY))
}

/// The KL term p ln(p / q) with one log per entry instead of two: the quotient (a reciprocal
/// estimate refined by Newton steps where the ISA has one) is within about an ulp, so its log is
/// within a few 1e-16 absolutely, closer than ln p - ln q (each log within an ulp of a value up to
/// ~700). Equal entries give a quotient of exactly 1, so KL(p, p) stays exactly 0. A vector with
/// a quotient outside the normal range (q = 0, or p and q hundreds of orders of magnitude apart)
/// takes the two logs.
#[inline(always)]
fn kl_term<W: FloatVec<Elem = f64>>(p: W, q: W) -> W {
    let zero = W::splat(0.0);
    let one = W::splat(1.0);
    let ratio = W::select(p.eq(q), one, p.div_approx(q));
    // Lanes with p = 0 do not count (`term` masks them); the others need a normal quotient.
    let normal = W::mask_and(
        ratio.ge(W::splat(f64::MIN_POSITIVE)),
        ratio.lt(W::splat(f64::INFINITY)),
    );
    if W::mask_all(W::mask_or(normal, p.eq(zero))) {
        term(
            Measure::KlDivergence,
            p,
            ln_f64_summand(W::select(normal, ratio, one)),
            zero,
        )
    } else {
        term(Measure::KlDivergence, p, ln_f64_positive(p), ln_of_q(q))
    }
}

/// One f64 vector of p (and q) into `acc`, with the entries' sign bits gathered in `signs`.
/// With `NORMAL`, entropy's logs skip the subnormal scaling and `seen` folds in the scaled
/// entries (see [`leaf_f64`]).
#[inline(always)]
pub(super) fn step_f64<
    W: FloatVec<Elem = f64>,
    const M: u8,
    const OMIT: bool,
    const NORMAL: bool,
>(
    acc: &mut Accumulators<W>,
    scale: [W; 2],
    extra: &ExtraLanes<W>,
    p: W,
    q: W,
    signs: &mut W,
    seen: &mut W,
) {
    let binary = reads_q(M);
    let (p, q) = prepare_lanes(binary, OMIT, scale, p, q, signs);
    let zero = W::splat(0.0);
    // Only the logs the term uses are computed. Lanes with p = 0 are masked by `term`, and bad
    // lanes make the leaf suspicious, so only q = 0 needs care.
    let t = match M {
        ENTROPY if NORMAL => {
            *seen = p.fold_subnormal(*seen);
            x_ln_x_summand_normal(p)
        }
        ENTROPY => x_ln_x_summand(p),
        CROSS_ENTROPY => term(Measure::CrossEntropy, p, p, ln_of_q(q)),
        KL_DIVERGENCE => kl_term(p, q),
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
}

/// Stage 2 of a float32 leaf, one f64 vector: terms formed in f64 from the stored parts.
#[inline(always)]
pub(super) fn finish_f32<W: FloatVec<Elem = f64>, const M: u8>(
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

/// The element type a kernel computes in: how it fetches entries and sums one leaf.
pub(super) trait Compute: VectorLn + std::ops::Mul<Output = Self> {
    fn fetch<'b>(
        input: &'b Input,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [Self],
    ) -> &'b [Self];
    /// `2^e` clamped to this type's normal range.
    fn power_of_two(e: i32) -> Self;
    /// The exponents of the smallest and largest normal powers of two.
    const EXP_RANGE: [i32; 2];
    /// ln x as the leaf terms form it at level `L` (the same vector code, so that `x ln x` here
    /// has the bits of the term of an entry x).
    fn ln_as_terms<L: Level>(x: f64) -> f64;
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
    const EXP_RANGE: [i32; 2] = [-1022, 1023];
    #[inline(always)]
    fn ln_as_terms<L: Level>(x: f64) -> f64 {
        let mut lanes = [0.0f64; 8];
        // SAFETY: at most 8 f64 lanes.
        unsafe { ln_f64_summand(L::F64::splat(x)).store(lanes.as_mut_ptr()) };
        lanes[0]
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
    const EXP_RANGE: [i32; 2] = [-126, 127];
    /// As `finish_f32` forms the log of an entry: f32 parts (k, ln m), then k ln 2 + ln m in f64.
    #[inline(always)]
    fn ln_as_terms<L: Level>(x: f64) -> f64 {
        let (mut k, mut m, mut out) = ([0.0f32; 16], [0.0f32; 16], [0.0f64; 8]);
        let (kv, mv) = ln_parts_f32(L::F32::splat(x as f32));
        // SAFETY: at most 16 f32 and 8 f64 lanes.
        unsafe {
            kv.store(k.as_mut_ptr());
            mv.store(m.as_mut_ptr());
            let ln2 = L::F64::splat(std::f64::consts::LN_2);
            L::F64::load_widened(k.as_ptr())
                .mul_add(ln2, L::F64::load_widened(m.as_ptr()))
                .store(out.as_mut_ptr());
        }
        out[0]
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
