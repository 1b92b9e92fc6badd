//! Summing one leaf: the accumulators, lane checks and the f64 and f32 leaf loops over a term.

use super::*;

/// A leaf's sums plus whether it may have seen an entry that is not finite and non-negative
/// (see [`LeafSums::checked`]: a -0.0 entry or an overflowed mass raises it too, and the rescan
/// tells them apart).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct LeafSums {
    pub(super) sums: Partial,
    pub(super) suspicious: bool,
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
pub(super) struct Accumulators<W: FloatVec<Elem = f64>> {
    pub(super) mass_p: W,
    pub(super) mass_q: W,
    pub(super) core: W,
    pub(super) peak: W,
}

impl<W: FloatVec<Elem = f64>> Accumulators<W> {
    #[inline(always)]
    pub(super) fn new() -> Self {
        let zero = W::splat(0.0);
        Accumulators {
            mass_p: zero,
            mass_q: zero,
            core: zero,
            peak: zero,
        }
    }

    #[inline(always)]
    pub(super) fn add(&mut self, binary: bool, p: W, q: W, term: W) {
        self.mass_p = self.mass_p.add(p);
        if binary {
            self.mass_q = self.mass_q.add(q);
        }
        self.core = self.core.add(term);
    }

    /// Both accumulators' lanes, summed in a fixed order.
    #[inline(always)]
    pub(super) fn total([a, b]: [Self; 2]) -> Partial {
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
pub(super) fn horizontal_max<W: FloatVec<Elem = f64>>(v: W) -> f64 {
    let mut lanes = [0.0f64; 8];
    // SAFETY: at most 8 f64 lanes.
    unsafe { v.store(lanes.as_mut_ptr()) };
    let mut max = 0.0f64;
    for &x in &lanes[..W::LANES] {
        max = max.max(x);
    }
    max
}

/// NaN pairs become (0, 0) under "omit" (zeros add nothing), then the scale applies; `signs`
/// gathers the entries' sign bits (before scaling).
///
/// A negative entry sets a sign bit; an infinite or NaN one makes the leaf's mass infinite or
/// NaN. One OR per vector is all the check costs in the loop (two compares and two mask
/// operations did it lane by lane); [`LeafSums::checked`] looks at both once per leaf. A -0.0
/// entry sets a sign bit too: a false alarm, which [`Job::diagnose`] clears (rare, and then
/// only costs a scan). The entries are checked before the scale applies: a scale above 1
/// (chosen from a first look at the distribution) may overflow a later, larger entry, which
/// the driver then recomputes at a smaller scale; that is not an invalid entry.
#[inline(always)]
pub(super) fn prepare_lanes<V: FloatVec>(
    binary: bool,
    omit_nan: bool,
    scale: [V; 2],
    p: V,
    q: V,
    signs: &mut V,
) -> (V, V) {
    let zero = V::splat(V::Elem::ZERO);
    let (mut p, mut q) = (p, q);
    if omit_nan {
        let drop = V::mask_or(p.is_nan(), q.is_nan());
        p = V::select(drop, zero, p);
        q = V::select(drop, zero, q);
    }
    *signs = signs.or_bits(if binary { p.or_bits(q) } else { p });
    (p.mul(scale[0]), q.mul(scale[1]))
}

impl LeafSums {
    /// The sums of a leaf whose entries' sign bits are gathered in `signs`: suspicious when an
    /// entry had its sign bit set or a mass is not finite (an infinite or NaN entry, or finite
    /// entries whose scaled sum overflowed, which [`Job::diagnose`] tells apart).
    #[inline(always)]
    pub(super) fn checked<V: FloatVec>(sums: Partial, signs: V) -> LeafSums {
        let mut lanes = [V::Elem::ZERO; 16];
        // SAFETY: at most 16 lanes.
        unsafe { signs.store(lanes.as_mut_ptr()) };
        let sign = lanes[..V::LANES]
            .iter()
            .any(|x| x.to_f64().is_sign_negative());
        LeafSums {
            sums,
            suspicious: sign || !(sums.mass_p.is_finite() && sums.mass_q.is_finite()),
        }
    }
}

/// Elements per leaf: 2 accumulators per sum, each adding 16 f64 vectors sequentially, as
/// NumPy's pairwise sum does within its 128-element blocks.
pub(super) const UNROLL: usize = 2;

pub(super) const VECTORS_PER_ACCUMULATOR: usize = 16;

/// The largest leaf (8 f64 lanes, AVX-512).
pub(super) const MAX_LEAF: usize = 8 * UNROLL * VECTORS_PER_ACCUMULATOR;

pub(super) fn leaf_len(f64_lanes: usize) -> usize {
    f64_lanes * UNROLL * VECTORS_PER_ACCUMULATOR
}

/// Per-pass constants of the two-pass terms: entries are multiplied by `scale` (a power of two,
/// checked for range), then by `post` (1/mass or 1/max), and `order` is the power of `POWER`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Extra {
    pub(super) post: [f64; 2],
    pub(super) order: f64,
}

impl Extra {
    pub(super) const NONE: Extra = Extra {
        post: [1.0, 1.0],
        order: 1.0,
    };
}

/// [`Extra`] splatted to vectors.
pub(super) struct ExtraLanes<W> {
    pub(super) post: [W; 2],
    pub(super) order: W,
}

/// Sums one leaf of f64 entries. Entropy on the table levels first takes the log without its
/// subnormal scaling, and sums the leaf again with it in the rare leaf that held a (scaled)
/// subnormal entry: the same bits either way, and 6-8% less time (1e8 float64, A/B).
#[inline(always)]
pub(super) fn leaf_f64<L: Level, const M: u8, const OMIT: bool>(
    scale: [f64; 2],
    extra: Extra,
    p: &[f64],
    q: &[f64],
) -> LeafSums {
    if M == ENTROPY && <L::F64 as FloatVec>::TABLE_LN {
        let (sums, subnormal) = leaf_f64_loop::<L, M, OMIT, true>(scale, extra, p, q);
        if !subnormal {
            return sums;
        }
    }
    leaf_f64_loop::<L, M, OMIT, false>(scale, extra, p, q).0
}

/// The loop of [`leaf_f64`]: two accumulator sets in locals (so they stay in registers), full
/// pairs of vectors first, then a zero-padded tail; with `NORMAL`, also whether a positive
/// subnormal entry was seen.
#[inline(always)]
fn leaf_f64_loop<L: Level, const M: u8, const OMIT: bool, const NORMAL: bool>(
    scale: [f64; 2],
    extra: Extra,
    p: &[f64],
    q: &[f64],
) -> (LeafSums, bool) {
    type W<L> = <L as Level>::F64;
    let binary = reads_q(M);
    let lanes = W::<L>::LANES;
    let scale = [W::<L>::splat(scale[0]), W::<L>::splat(scale[1])];
    let extra = ExtraLanes {
        post: [W::<L>::splat(extra.post[0]), W::<L>::splat(extra.post[1])],
        order: W::<L>::splat(extra.order),
    };
    let (mut a, mut b) = (Accumulators::<W<L>>::new(), Accumulators::<W<L>>::new());
    let mut signs = W::<L>::splat(0.0);
    let mut seen = W::<L>::splat(1.0);
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
        step_f64::<W<L>, M, OMIT, NORMAL>(&mut a, scale, &extra, p0, q0, &mut signs, &mut seen);
        step_f64::<W<L>, M, OMIT, NORMAL>(&mut b, scale, &extra, p1, q1, &mut signs, &mut seen);
        at += 2 * lanes;
    }
    if at < n {
        let (p0, q0) = padded_pair::<W<L>>(binary, p, q, at);
        step_f64::<W<L>, M, OMIT, NORMAL>(&mut a, scale, &extra, p0, q0, &mut signs, &mut seen);
        at += lanes;
    }
    if at < n {
        let (p1, q1) = padded_pair::<W<L>>(binary, p, q, at);
        step_f64::<W<L>, M, OMIT, NORMAL>(&mut b, scale, &extra, p1, q1, &mut signs, &mut seen);
    }
    let subnormal = NORMAL && W::<L>::saw_subnormal(seen);
    (
        LeafSums::checked(Accumulators::total([a, b]), signs),
        subnormal,
    )
}

/// Vector `at` of p and q, zero-padded past their end.
#[inline(always)]
pub(super) fn padded_pair<V: FloatVec>(
    binary: bool,
    p: &[V::Elem],
    q: &[V::Elem],
    at: usize,
) -> (V, V) {
    let pv = load_padded::<V>(p, at);
    (pv, if binary { load_padded::<V>(q, at) } else { pv })
}

/// Stage 1 of a float32 leaf, one f32 vector: prepared entries and their log parts, stored.
#[inline(always)]
pub(super) fn stage_f32<V: FloatVec<Elem = f32>, const M: u8, const OMIT: bool>(
    stage: [*mut f32; 6],
    at: usize,
    scale: [V; 2],
    p: V,
    q: V,
    signs: &mut V,
) {
    let binary = reads_q(M);
    let (p, q) = prepare_lanes(binary, OMIT, scale, p, q, signs);
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
}

/// Sums one leaf of f32 entries. float32 lanes do the costly part (the log's reduction and
/// polynomial, as (k, ln m)); the terms are then formed in f64 as p (k ln 2 + ln m), so float32
/// input loses nothing to the ulp of ln p in f32.
#[inline(always)]
pub(super) fn leaf_f32<L: Level, const M: u8, const OMIT: bool>(
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
    let mut signs = V::<L>::splat(0.0);
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
        stage_f32::<V<L>, M, OMIT>(stage, at, scale, pv, qv, &mut signs);
        at += V::<L>::LANES;
    }
    if at < n {
        let (pv, qv) = padded_pair::<V<L>>(binary, p, q, at);
        stage_f32::<V<L>, M, OMIT>(stage, at, scale, pv, qv, &mut signs);
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
    LeafSums::checked(Accumulators::total([a, b]), signs)
}
