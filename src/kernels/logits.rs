//! Losses and measures on logits, each a fused pass over rows of (rows, classes) logits with a
//! streaming log-sum-exp: no (rows x classes) temporary, and O(1) extra memory per row.
//!
//! A row is walked in chunks of [`CHUNK`] classes, each read twice while it sits in L1: first for
//! its maximum, then for the exponentials e^(x - m) against the running maximum m. When a chunk
//! raises m, the sums so far are rescaled by e^(m_old - m_new) (once per chunk, in f64), so the
//! row's memory is read once and no exponential can overflow. The cross-entropies (which need
//! only S and sums linear in d) skip the first read once the running maximum is finite: a chunk's
//! terms and maximum come from one read, the sums are rescaled after it, and only a chunk whose
//! maximum is more than [`FUSED_RANGE`] above the running one is redone. Rows longer than
//! [`LEAF`] classes are trees of leaves merged in a fixed order, split across the pool when the
//! rows are few. What the functions need beside
//! S = sum e^(x - m), with d = x - m:
//!
//! | function | also accumulated | row value |
//! |---|---|---|
//! | logsumexp, log_softmax | - | lse = m + ln S |
//! | entropy of softmax | T = sum e d | ln S - T / S |
//! | KL(softmax x ‖ softmax z) | S_z for z, U = sum e (x - z) | U / S - lse_x + lse_z |
//! | cross-entropy, class index y | (smoothing) A = sum w, Q = sum w d | (1-eps) w_y (lse - x_y) + eps/C (A ln S - Q) |
//! | cross-entropy, probabilities | A = sum a, Q = sum a d, a = w t' | A ln S - Q |
//!
//! Terms are formed in the input's precision (float32 exponentials for float32 logits) in blocks
//! of [`BLOCK`] vectors, and the blocks are added in float64. Rows are independent, so rows are
//! spread over the pool and results do not depend on the number of threads.
//!
//! Special values: NaN anywhere in a row makes its result NaN. A row holding +inf has
//! logsumexp +inf (NaN if it also holds NaN) and every other result NaN (inf - inf). -inf
//! entries (masked classes) have probability 0: a row of only -inf has logsumexp -inf and other
//! results NaN. KL is +inf where softmax(z) is 0 (z = -inf) and softmax(x) is not.
//!
//! The element-wise binary cross-entropies ([`binary_cross_entropy`]) share the row split and the
//! block-wise float64 sums; they need no log-sum-exp.

use super::Options;
use crate::error::KernelError;
use crate::parallel::{self, Slots, Work};
use crate::simd::exp::{exp_nonpositive, VectorExp};
use crate::simd::ln::VectorLn;
use crate::simd::{dispatch, load_padded, FloatVec, Level, Real, SimdLevel, SimdTask};

/// Classes per chunk: small enough that a chunk of x (and z or the targets) stays in L1 between
/// its two reads.
const CHUNK: usize = 2048;
/// Vectors per block: terms are summed in the input's precision within a block only.
const BLOCK: usize = 8;
/// Classes per leaf of a long row: rows longer than this are cut into leaves whose sums merge
/// along the fixed tree of [`parallel::tree_sum`], so one long row can use every thread and still
/// give the same bits on any number of them.
const LEAF: usize = 32 * CHUNK;
/// The cross-entropies read a chunk once, against the running maximum, while finding its own
/// maximum; a chunk whose maximum exceeds the running one by more than this (or +inf) is redone
/// with its maximum first, so e^(x - shift) stays far from overflow (e^64 is ~6e27 in float32).
const FUSED_RANGE: f64 = 64.0;

/// Float types logits come in (float16 and bfloat16 are widened to float32 by the caller).
pub trait LogitElem: VectorExp + VectorLn {
    /// Adds the lanes of `v` to f64 accumulators: `acc[0]` takes the first `F64::LANES` lanes,
    /// `acc[1]` the rest (float32 vectors have twice as many lanes).
    fn widen_add<L: Level>(v: Self::Vector<L>, acc: &mut [L::F64; 2]);
    /// Writes the first `out.len()` (at most LANES) lanes of `v` to `out` as f64.
    fn store_f64<L: Level>(v: Self::Vector<L>, out: &mut [f64]) {
        let mut lanes = [Self::ZERO; 64];
        // SAFETY: `lanes` holds 64 >= LANES elements.
        unsafe { v.store(lanes.as_mut_ptr()) };
        let mut j = 0;
        while j < out.len() {
            out[j] = lanes[j].to_f64();
            j += 1;
        }
    }
}

impl LogitElem for f64 {
    #[inline(always)]
    fn widen_add<L: Level>(v: Self::Vector<L>, acc: &mut [L::F64; 2]) {
        acc[0] = acc[0].add(v);
    }
}

impl LogitElem for f32 {
    #[inline(always)]
    fn widen_add<L: Level>(v: Self::Vector<L>, acc: &mut [L::F64; 2]) {
        type W<L> = <L as Level>::F64;
        let mut lanes = [0.0f32; 64];
        // SAFETY: `lanes` holds 64 >= LANES floats; the widened loads read LANES(f32) of them.
        unsafe {
            v.store(lanes.as_mut_ptr());
            acc[0] = acc[0].add(W::<L>::load_widened(lanes.as_ptr()));
            if <Self::Vector<L> as FloatVec>::LANES > W::<L>::LANES {
                acc[1] = acc[1].add(W::<L>::load_widened(lanes.as_ptr().add(W::<L>::LANES)));
            }
        }
    }
}

/// What is computed per row (a const generic, so each kind compiles to its own loop).
const LSE: u8 = 0;
const ENTROPY: u8 = 1;
const KL: u8 = 2;
/// Cross-entropy: lse plus the coefficient sums A and Q.
const PLAIN: u8 = 3;
/// Class-index cross-entropy with unweighted smoothing: every a is 1, so A is the class count and
/// only Q = sum d is accumulated (label smoothing then costs one add per vector).
const SMOOTH: u8 = 4;

/// The per-row work a caller asks for.
#[derive(Clone, Copy, Debug)]
pub enum RowOp<'a, E> {
    /// log-sum-exp of each row.
    LogSumExp,
    /// Entropy of the softmax of each row.
    Entropy,
    /// KL(softmax(x) ‖ softmax(q)) of each row; `q` has the logits' shape.
    KlDivergence { q: &'a [E] },
    /// Softmax cross-entropy against class indices, one per row; see [`cross_entropy_index`].
    CrossEntropyIndex {
        target: &'a [i64],
        weight: Option<&'a [E]>,
        ignore_index: Option<i64>,
        label_smoothing: f64,
    },
    /// Softmax cross-entropy against class probabilities of the logits' shape.
    CrossEntropyProb {
        target: &'a [E],
        weight: Option<&'a [E]>,
        label_smoothing: f64,
    },
}

/// The sums of one row, in f64, against its maximum `m` (and `mz` for KL's second row).
#[derive(Clone, Copy, Debug)]
struct RowStats {
    m: f64,
    /// What the sums were taken against: `m` once it is above -inf, else 0.
    shift: f64,
    s: f64,
    t: f64,
    u: f64,
    mz: f64,
    sz: f64,
    a: f64,
    q: f64,
}

/// e^(side - m) for a part whose maximum is `side`, `m` the merged maximum (1 when equal, so
/// infinite maxima merge; 0 for a part of only -inf).
fn part_factor(side: f64, m: f64) -> f64 {
    if side == m {
        1.0
    } else if side == f64::NEG_INFINITY {
        0.0
    } else {
        (side - m).exp()
    }
}

impl parallel::TreeSum for RowStats {
    fn zero() -> Self {
        RowStats {
            m: f64::NEG_INFINITY,
            shift: 0.0,
            s: 0.0,
            t: 0.0,
            u: 0.0,
            mz: f64::NEG_INFINITY,
            sz: 0.0,
            a: 0.0,
            q: 0.0,
        }
    }

    /// The sums of two consecutive parts of a row, moved to the larger maximum: sum e^(x - m)
    /// scales by e^(m_part - m), sum e (x - m) also gains (m_part - m) S, sum a (x - m) gains
    /// (shift_part - shift) A.
    fn combine(l: Self, r: Self) -> Self {
        let m = if r.m > l.m { r.m } else { l.m };
        let shift = if m == f64::NEG_INFINITY { 0.0 } else { m };
        let (fl, fr) = (part_factor(l.m, m), part_factor(r.m, m));
        let mz = if r.mz > l.mz { r.mz } else { l.mz };
        let (gl, gr) = (part_factor(l.mz, mz), part_factor(r.mz, mz));
        let moved = |p: &Self, f: f64| f * (p.t + (p.shift - shift) * p.s);
        let q_of = |p: &Self| p.q + (p.shift - shift) * p.a;
        RowStats {
            m,
            shift,
            s: fl * l.s + fr * r.s,
            t: moved(&l, fl) + moved(&r, fr),
            u: fl * l.u + fr * r.u,
            mz,
            sz: gl * l.sz + gr * r.sz,
            a: l.a + r.a,
            q: q_of(&l) + q_of(&r),
        }
    }
}

/// Everything the row tasks share.
struct Job<'a, E> {
    x: &'a [E],
    /// KL: q's logits; probability targets: the targets; else empty.
    other: &'a [E],
    /// Class weights, or empty.
    weight: &'a [E],
    classes: usize,
    /// Probability targets become t (1 - eps) + eps / C = t * coef[0] + coef[1].
    coef: [E; 2],
    op: RowOp<'a, E>,
    level: SimdLevel,
}

/// Lane indices 0, 1, 2, ... as floats: compared with a count, they mask the tail of a row.
#[inline(always)]
fn lane_index<V: FloatVec>() -> V {
    let mut idx = [V::Elem::ZERO; 64];
    let mut i = 0;
    while i < V::LANES {
        idx[i] = V::Elem::from_f64(i as f64);
        i += 1;
    }
    // SAFETY: `idx` holds 64 >= LANES elements.
    unsafe { V::load(idx.as_ptr()) }
}

/// Largest entry of `data` (NaN ignored; -inf for an empty or all -inf/NaN slice).
#[inline(always)]
fn max_of<V: FloatVec>(data: &[V::Elem]) -> f64 {
    let n = data.len();
    let whole = n - n % V::LANES;
    // Four independent maxima, so the compare-and-select chains overlap.
    let neg_inf = V::splat(V::Elem::from_f64(f64::NEG_INFINITY));
    let mut best = [neg_inf; 4];
    let mut at = 0;
    while at + 4 * V::LANES <= whole {
        let mut j = 0;
        while j < 4 {
            // SAFETY: at + 4 LANES <= whole <= n.
            let x = unsafe { V::load(data.as_ptr().add(at + j * V::LANES)) };
            best[j] = V::select(x.gt(best[j]), x, best[j]);
            j += 1;
        }
        at += 4 * V::LANES;
    }
    while at < whole {
        // SAFETY: at + LANES <= whole <= n.
        let x = unsafe { V::load(data.as_ptr().add(at)) };
        best[0] = V::select(x.gt(best[0]), x, best[0]);
        at += V::LANES;
    }
    let pair = [
        V::select(best[1].gt(best[0]), best[1], best[0]),
        V::select(best[3].gt(best[2]), best[3], best[2]),
    ];
    let best = V::select(pair[1].gt(pair[0]), pair[1], pair[0]);
    let mut lanes = [V::Elem::ZERO; 64];
    // SAFETY: `lanes` holds 64 >= LANES elements.
    unsafe { best.store(lanes.as_mut_ptr()) };
    let mut m = f64::NEG_INFINITY;
    for &x in lanes[..V::LANES].iter().chain(&data[whole..]) {
        let x = x.to_f64();
        if x > m {
            m = x;
        }
    }
    m
}

/// Largest lane of `v` (NaN lanes never reach it: they are never selected).
#[inline(always)]
fn lanes_max<V: FloatVec>(v: V) -> f64 {
    let mut lanes = [V::Elem::ZERO; 64];
    // SAFETY: `lanes` holds 64 >= LANES elements.
    unsafe { v.store(lanes.as_mut_ptr()) };
    let mut m = f64::NEG_INFINITY;
    for &x in &lanes[..V::LANES] {
        if x.to_f64() > m {
            m = x.to_f64();
        }
    }
    m
}

/// In-block accumulators, in the input's precision.
#[derive(Clone, Copy)]
struct Block<V> {
    s: V,
    t: V,
    u: V,
    sz: V,
    a: V,
    q: V,
}

/// Row totals so far, in f64 lanes.
#[derive(Clone, Copy)]
struct Totals<W> {
    s: [W; 2],
    t: [W; 2],
    u: [W; 2],
    sz: [W; 2],
    a: [W; 2],
    q: [W; 2],
}

#[inline(always)]
fn sum2<W: FloatVec<Elem = f64>>(acc: [W; 2]) -> f64 {
    acc[0].horizontal_sum() + acc[1].horizontal_sum()
}

#[inline(always)]
fn scale2<W: FloatVec<Elem = f64>>(acc: &mut [W; 2], f: f64) {
    let f = W::splat(f);
    acc[0] = acc[0].mul(f);
    acc[1] = acc[1].mul(f);
}

/// The sums of one row: `x` its logits, `other` its row of q (KL) or of probability targets,
/// `weight` the class weights or empty.
#[inline(always)]
fn row_stats<E: LogitElem, L: Level, const KIND: u8>(
    x: &[E],
    other: &[E],
    weight: &[E],
    coef: [E; 2],
) -> RowStats {
    type V<E, L> = <E as Real>::Vector<L>;
    type W<L> = <L as Level>::F64;
    let lanes = V::<E, L>::LANES;
    let zero = V::<E, L>::splat(E::ZERO);
    let neg_inf = V::<E, L>::splat(E::from_f64(f64::NEG_INFINITY));
    let pos_inf = V::<E, L>::splat(E::from_f64(f64::INFINITY));
    let one = V::<E, L>::splat(E::ONE);
    let coef = [V::<E, L>::splat(coef[0]), V::<E, L>::splat(coef[1])];
    let iota = lane_index::<V<E, L>>();
    let has_target = !other.is_empty() && KIND == PLAIN;
    // Q was summed against earlier shifts: sum a (x - m_new) = Q + (m_old - m_new) A, with the
    // correction for all lanes kept here (rescaling is once per chunk at most).
    let mut q_adjust = 0.0;
    let has_weight = !weight.is_empty();
    let wz = W::<L>::splat(0.0);
    let mut tot = Totals {
        s: [wz; 2],
        t: [wz; 2],
        u: [wz; 2],
        sz: [wz; 2],
        a: [wz; 2],
        q: [wz; 2],
    };
    let (mut m, mut shift) = (f64::NEG_INFINITY, 0.0);
    let (mut mz, mut shift_z) = (f64::NEG_INFINITY, 0.0);
    let n = x.len();
    let mut start = 0;
    let one_pass = KIND == LSE || KIND == SMOOTH || KIND == PLAIN;
    while start < n {
        let end = (start + CHUNK).min(n);
        // Against a finite running maximum, the cross-entropies read the chunk once (its terms
        // and its maximum together) and rescale afterwards; only S and A ln S - Q are needed,
        // and both move exactly with the shift. Entropy and KL keep two passes: their T and U
        // would cancel when terms above the shift meet the correction.
        let mut fused = one_pass && m.is_finite();
        let saved = (tot, q_adjust);
        loop {
            if !fused {
                // Pass 1: raise the running maxima, rescaling what was summed against the old ones.
                let cm = max_of::<V<E, L>>(&x[start..end]);
                if cm > m {
                    let new_shift = cm;
                    let delta = shift - new_shift;
                    if m == f64::NEG_INFINITY {
                        // Nothing but -inf (or NaN) so far: the sums are 0 (or NaN, which must stay).
                        scale2(&mut tot.s, 0.0);
                        scale2(&mut tot.t, 0.0);
                        scale2(&mut tot.u, 0.0);
                    } else {
                        let f = (m - cm).exp();
                        if KIND == ENTROPY {
                            // sum e^(x - m') (x - m') = f (T + (m - m') S).
                            let d = W::<L>::splat(delta);
                            tot.t[0] = tot.s[0].mul_add(d, tot.t[0]);
                            tot.t[1] = tot.s[1].mul_add(d, tot.t[1]);
                            scale2(&mut tot.t, f);
                        }
                        scale2(&mut tot.s, f);
                        scale2(&mut tot.u, f);
                    }
                    if KIND == PLAIN {
                        q_adjust += delta * sum2(tot.a);
                    }
                    if KIND == SMOOTH {
                        q_adjust += delta * start as f64;
                    }
                    m = cm;
                    shift = new_shift;
                }
                if KIND == KL {
                    let cz = max_of::<V<E, L>>(&other[start..end]);
                    if cz > mz {
                        let f = if mz == f64::NEG_INFINITY {
                            0.0
                        } else {
                            (mz - cz).exp()
                        };
                        scale2(&mut tot.sz, f);
                        mz = cz;
                        shift_z = cz;
                    }
                }
            }
            let mut cmax = neg_inf;
            // Pass 2: the terms, against the current maxima.
            let sv = V::<E, L>::splat(E::from_f64(shift));
            let szv = V::<E, L>::splat(E::from_f64(shift_z));
            let mut at = start;
            while at < end {
                let mut blk = Block {
                    s: zero,
                    t: zero,
                    u: zero,
                    sz: zero,
                    a: zero,
                    q: zero,
                };
                let block_end = (at + BLOCK * lanes).min(end);
                while at < block_end {
                    let tail = at + lanes > end;
                    let valid = if tail {
                        iota.lt(V::<E, L>::splat(E::from_f64((end - at) as f64)))
                    } else {
                        V::<E, L>::mask_true()
                    };
                    let xv = load_padded::<V<E, L>>(&x[..end], at);
                    if fused {
                        let xm = if tail {
                            V::<E, L>::select(valid, xv, neg_inf)
                        } else {
                            xv
                        };
                        cmax = V::<E, L>::select(xm.gt(cmax), xm, cmax);
                    }
                    let mut d = xv.sub(sv);
                    let mut e = exp_nonpositive(d);
                    if tail {
                        e = V::<E, L>::select(valid, e, zero);
                        d = V::<E, L>::select(valid, d, zero);
                    }
                    blk.s = blk.s.add(e);
                    if KIND == ENTROPY {
                        blk.t = blk.t.add(V::<E, L>::select(e.gt(zero), e.mul(d), zero));
                    }
                    if KIND == KL {
                        let zv = load_padded::<V<E, L>>(&other[..end], at);
                        let mut ez = exp_nonpositive(zv.sub(szv));
                        let mut term = V::<E, L>::select(e.gt(zero), e.mul(xv.sub(zv)), zero);
                        // softmax(z) = 0 where softmax(x) is not: +inf even if e underflowed.
                        let zero_q = V::<E, L>::mask_and(zv.eq(neg_inf), xv.gt(neg_inf));
                        term = V::<E, L>::select(zero_q, pos_inf, term);
                        if tail {
                            ez = V::<E, L>::select(valid, ez, zero);
                            term = V::<E, L>::select(valid, term, zero);
                        }
                        blk.sz = blk.sz.add(ez);
                        blk.u = blk.u.add(term);
                    }
                    if KIND == PLAIN {
                        let mut a = if has_target {
                            load_padded::<V<E, L>>(&other[..end], at).mul_add(coef[0], coef[1])
                        } else {
                            one
                        };
                        if has_weight {
                            a = a.mul(load_padded::<V<E, L>>(&weight[..end], at));
                        }
                        if tail {
                            a = V::<E, L>::select(valid, a, zero);
                        }
                        blk.a = blk.a.add(a);
                        blk.q = a.mul_add(d, blk.q);
                    }
                    if KIND == SMOOTH {
                        blk.q = blk.q.add(d);
                    }
                    at += lanes;
                }
                E::widen_add::<L>(blk.s, &mut tot.s);
                if KIND == ENTROPY {
                    E::widen_add::<L>(blk.t, &mut tot.t);
                }
                if KIND == KL {
                    E::widen_add::<L>(blk.sz, &mut tot.sz);
                    E::widen_add::<L>(blk.u, &mut tot.u);
                }
                if KIND == PLAIN {
                    E::widen_add::<L>(blk.a, &mut tot.a);
                }
                if KIND == PLAIN || KIND == SMOOTH {
                    E::widen_add::<L>(blk.q, &mut tot.q);
                }
            }
            if fused {
                let cm = lanes_max(cmax);
                if cm > m {
                    if cm - shift > FUSED_RANGE {
                        // Too far above the shift (or +inf): redo the chunk, its maximum first.
                        (tot, q_adjust) = saved;
                        fused = false;
                        continue;
                    }
                    // This chunk's terms were taken against the old shift too.
                    let delta = shift - cm;
                    scale2(&mut tot.s, (m - cm).exp());
                    if KIND == PLAIN {
                        q_adjust += delta * sum2(tot.a);
                    }
                    if KIND == SMOOTH {
                        q_adjust += delta * end as f64;
                    }
                    m = cm;
                    shift = cm;
                }
            }
            break;
        }
        start = end;
    }
    RowStats {
        m,
        shift,
        s: sum2(tot.s),
        t: sum2(tot.t),
        u: sum2(tot.u),
        mz,
        sz: sum2(tot.sz),
        a: if KIND == SMOOTH {
            n as f64
        } else {
            sum2(tot.a)
        },
        q: sum2(tot.q) + q_adjust,
    }
}

/// log-sum-exp from the sums; a +inf maximum gives +inf unless the row also holds NaN.
fn lse_of<E: LogitElem>(st: &RowStats, x: &[E]) -> f64 {
    if st.m == f64::INFINITY {
        if x.iter().any(|v| v.to_f64().is_nan()) {
            f64::NAN
        } else {
            f64::INFINITY
        }
    } else {
        st.m + st.s.ln()
    }
}

/// The row's value (and, for class-index cross-entropy, its weight in the mean).
fn finish<E: LogitElem>(job: &Job<'_, E>, row: usize, x: &[E], st: &RowStats) -> (f64, f64) {
    let finite_max = st.m.is_finite();
    match job.op {
        RowOp::LogSumExp => (lse_of(st, x), 0.0),
        RowOp::Entropy => {
            if finite_max {
                (st.s.ln() - st.t / st.s, 0.0)
            } else {
                (f64::NAN, 0.0)
            }
        }
        RowOp::KlDivergence { .. } => {
            if !finite_max || st.mz == f64::INFINITY {
                return (f64::NAN, 0.0);
            }
            let lse_z = st.mz + st.sz.ln();
            let value = st.u / st.s - (st.m + st.s.ln()) + lse_z;
            // KL >= 0: rounding must not make it negative (NaN passes through).
            (if value < 0.0 { 0.0 } else { value }, 0.0)
        }
        RowOp::CrossEntropyIndex {
            target,
            ignore_index,
            label_smoothing: eps,
            ..
        } => {
            let y = target[row];
            if Some(y) == ignore_index {
                return (0.0, 0.0);
            }
            let y = y as usize;
            let w_y = if job.weight.is_empty() {
                1.0
            } else {
                job.weight[y].to_f64()
            };
            if !finite_max {
                return (f64::NAN, w_y);
            }
            let lse = st.m + st.s.ln();
            let mut loss = (1.0 - eps) * (w_y * (lse - x[y].to_f64()));
            if eps > 0.0 {
                // sum_c w_c (lse - x_c) = A ln S - Q, A = sum_c w_c.
                loss += eps / job.classes as f64 * (st.a * st.s.ln() - st.q);
            }
            (loss, w_y)
        }
        RowOp::CrossEntropyProb { .. } => {
            // A non-finite weighted target (A = sum_c w_c t'_c infinite or NaN) has no loss to
            // give: A ln S - Q would be inf - inf or inf * 0 depending on where it sits.
            if !finite_max || !st.a.is_finite() {
                return (f64::NAN, 0.0);
            }
            (st.a * st.s.ln() - st.q, 0.0)
        }
    }
}

/// The SIMD task: rows `first..first + values.len()`.
struct Rows<'a, 'b, E> {
    job: &'b Job<'a, E>,
    first: usize,
    values: &'b mut [f64],
    /// Class-index cross-entropy: each row's weight in the mean; else empty.
    weights: &'b mut [f64],
    /// log_softmax: the output rows; else empty.
    write: &'b mut [E],
    /// Rows longer than a leaf: every row's sums, merged beforehand; else empty.
    pre: &'b [RowStats],
}

/// The row kind (`LSE`, ...) of an op.
fn kind_of<E>(op: &RowOp<'_, E>) -> u8 {
    match *op {
        RowOp::LogSumExp => LSE,
        RowOp::Entropy => ENTROPY,
        RowOp::KlDivergence { .. } => KL,
        RowOp::CrossEntropyIndex {
            label_smoothing,
            weight,
            ..
        } => match (label_smoothing > 0.0, weight.is_some()) {
            (false, _) => LSE,
            (true, false) => SMOOTH,
            (true, true) => PLAIN,
        },
        RowOp::CrossEntropyProb { .. } => PLAIN,
    }
}

/// The SIMD task of a long row: the merged sums of leaves `first..first + count` of row `row`.
struct RowLeaves<'a, 'b, E> {
    job: &'b Job<'a, E>,
    row: usize,
    first: usize,
    count: usize,
}

/// Leaf sums of one row for [`parallel::counter_tree_sum`].
struct LeafSums<'a, 'b, E, L, const KIND: u8> {
    job: &'b Job<'a, E>,
    row: usize,
    first: usize,
    level: std::marker::PhantomData<L>,
}

impl<E: LogitElem, L: Level, const KIND: u8> parallel::Leaves for LeafSums<'_, '_, E, L, KIND> {
    type Sum = RowStats;
    #[inline(always)]
    fn leaf(&mut self, index: usize) -> RowStats {
        let job = self.job;
        let c = job.classes;
        let lo = (self.first + index) * LEAF;
        let hi = (lo + LEAF).min(c);
        let base = self.row * c;
        let part = |data: &'_ [E], at: usize| -> std::ops::Range<usize> {
            if data.is_empty() {
                0..0
            } else {
                at + lo..at + hi
            }
        };
        let other = &job.other[part(job.other, base)];
        let weight = &job.weight[part(job.weight, 0)];
        row_stats::<E, L, KIND>(&job.x[base + lo..base + hi], other, weight, job.coef)
    }
}

impl<E: LogitElem> RowLeaves<'_, '_, E> {
    #[inline(always)]
    fn sum<L: Level, const KIND: u8>(self) -> RowStats {
        let mut leaves = LeafSums::<E, L, KIND> {
            job: self.job,
            row: self.row,
            first: self.first,
            level: std::marker::PhantomData,
        };
        parallel::counter_tree_sum(self.count, &mut leaves)
    }
}

impl<E: LogitElem> SimdTask for RowLeaves<'_, '_, E> {
    type Output = RowStats;
    #[inline(always)]
    fn run<L: Level>(self) -> RowStats {
        match kind_of(&self.job.op) {
            LSE => self.sum::<L, LSE>(),
            ENTROPY => self.sum::<L, ENTROPY>(),
            KL => self.sum::<L, KL>(),
            SMOOTH => self.sum::<L, SMOOTH>(),
            _ => self.sum::<L, PLAIN>(),
        }
    }
}

impl<E: LogitElem> Rows<'_, '_, E> {
    #[inline(always)]
    fn run_kind<L: Level, const KIND: u8>(self) {
        let job = self.job;
        let c = job.classes;
        for (i, value) in self.values.iter_mut().enumerate() {
            let row = self.first + i;
            let x = &job.x[row * c..(row + 1) * c];
            let other = if job.other.is_empty() {
                &[][..]
            } else {
                &job.other[row * c..(row + 1) * c]
            };
            let st = if self.pre.is_empty() {
                row_stats::<E, L, KIND>(x, other, job.weight, job.coef)
            } else {
                self.pre[row]
            };
            let (v, w) = finish(job, row, x, &st);
            *value = v;
            if !self.weights.is_empty() {
                self.weights[i] = w;
            }
            if !self.write.is_empty() {
                write_log_softmax::<E, L>(x, v, &mut self.write[i * c..(i + 1) * c]);
            }
        }
    }
}

/// out = x - lse, in the input's precision.
#[inline(always)]
fn write_log_softmax<E: LogitElem, L: Level>(x: &[E], lse: f64, out: &mut [E]) {
    type V<E, L> = <E as Real>::Vector<L>;
    let lanes = V::<E, L>::LANES;
    // A +inf lse (a row holding +inf) has NaN log-probabilities, as inf - inf.
    let lse = if lse == f64::INFINITY { f64::NAN } else { lse };
    let l = V::<E, L>::splat(E::from_f64(lse));
    let n = x.len();
    let whole = n - n % lanes;
    let mut at = 0;
    while at < whole {
        // SAFETY: at + LANES <= whole <= len of both slices.
        unsafe {
            V::<E, L>::load(x.as_ptr().add(at))
                .sub(l)
                .store(out.as_mut_ptr().add(at))
        };
        at += lanes;
    }
    let lse = E::from_f64(lse);
    for (o, &v) in out[whole..].iter_mut().zip(&x[whole..]) {
        *o = E::from_f64(v.to_f64() - lse.to_f64());
    }
}

impl<E: LogitElem> SimdTask for Rows<'_, '_, E> {
    type Output = ();
    #[inline(always)]
    fn run<L: Level>(self) {
        match kind_of(&self.job.op) {
            LSE => self.run_kind::<L, LSE>(),
            ENTROPY => self.run_kind::<L, ENTROPY>(),
            KL => self.run_kind::<L, KL>(),
            SMOOTH => self.run_kind::<L, SMOOTH>(),
            _ => self.run_kind::<L, PLAIN>(),
        }
    }
}

fn layout(message: String) -> KernelError {
    KernelError::Layout(message)
}

/// Checks the arguments and builds the job.
fn job<'a, E: LogitElem>(
    op: RowOp<'a, E>,
    x: &'a [E],
    classes: usize,
    options: &Options,
) -> Result<Job<'a, E>, KernelError> {
    if classes == 0 {
        return Err(layout("logits have no classes".into()));
    }
    if !x.len().is_multiple_of(classes) {
        return Err(layout(format!(
            "{} logits do not split into rows of {classes} classes",
            x.len()
        )));
    }
    let rows = x.len() / classes;
    let check_weight = |weight: Option<&'a [E]>| -> Result<&'a [E], KernelError> {
        match weight {
            Some(w) if w.len() != classes => Err(layout(format!(
                "weight has {} entries for {classes} classes",
                w.len()
            ))),
            Some(w) => Ok(w),
            None => Ok(&[]),
        }
    };
    let check_eps = |eps: f64| -> Result<(), KernelError> {
        if (0.0..=1.0).contains(&eps) {
            Ok(())
        } else {
            Err(layout(format!(
                "label_smoothing must be in [0, 1], not {eps}"
            )))
        }
    };
    let (other, weight, coef) = match op {
        RowOp::LogSumExp | RowOp::Entropy => (&[][..], &[][..], [E::ONE, E::ZERO]),
        RowOp::KlDivergence { q } => {
            if q.len() != x.len() {
                return Err(layout(format!(
                    "q has {} logits, p has {}",
                    q.len(),
                    x.len()
                )));
            }
            (q, &[][..], [E::ONE, E::ZERO])
        }
        RowOp::CrossEntropyIndex {
            target,
            weight,
            ignore_index,
            label_smoothing,
        } => {
            check_eps(label_smoothing)?;
            if target.len() != rows {
                return Err(layout(format!(
                    "target has {} entries for {rows} rows",
                    target.len()
                )));
            }
            if let Some(row) = target
                .iter()
                .position(|&y| Some(y) != ignore_index && !(0..classes as i64).contains(&y))
            {
                return Err(layout(format!(
                    "target {} of row {row} is not a class index in [0, {classes})",
                    target[row]
                )));
            }
            (&[][..], check_weight(weight)?, [E::ONE, E::ZERO])
        }
        RowOp::CrossEntropyProb {
            target,
            weight,
            label_smoothing,
        } => {
            check_eps(label_smoothing)?;
            if target.len() != x.len() {
                return Err(layout(format!(
                    "target has {} entries, logits have {}",
                    target.len(),
                    x.len()
                )));
            }
            let coef = [
                E::from_f64(1.0 - label_smoothing),
                E::from_f64(label_smoothing / classes as f64),
            ];
            (target, check_weight(weight)?, coef)
        }
    };
    Ok(Job {
        x,
        other,
        weight,
        classes,
        coef,
        op,
        level: options.level,
    })
}

/// Runs `job` over all rows, on the pool when it is large enough.
fn run_rows<E: LogitElem>(
    job: &Job<'_, E>,
    options: &Options,
    values: &mut [f64],
    weights: &mut [f64],
    write: &mut [E],
) -> Result<(), KernelError> {
    let rows = values.len();
    let c = job.classes;
    // Rows longer than a leaf: their sums first, each row a tree of leaves split across the pool
    // when there are few rows (the tree, and so the bits, do not depend on the split).
    let mut pre = Vec::new();
    if c > LEAF {
        pre = vec![<RowStats as parallel::TreeSum>::zero(); rows];
        let leaves = c.div_ceil(LEAF);
        let task = |first: usize, _count: usize, stats: &mut [RowStats], split: bool| {
            for (i, slot) in stats.iter_mut().enumerate() {
                let row = first + i;
                let part = |lf: usize, count: usize| {
                    dispatch(
                        job.level,
                        RowLeaves {
                            job,
                            row,
                            first: lf,
                            count,
                        },
                    )
                };
                *slot = parallel::tree_sum(leaves, LEAF, split, &part);
            }
            None::<()>
        };
        let work = Work::new(rows, c).splittable(LEAF);
        parallel::schedule(work, options.parallel, &mut pre[..], &task)?;
    }
    let pre = &pre[..];
    let run = |first: usize, values: &mut [f64], weights: &mut [f64], write: &mut [E]| {
        dispatch(
            job.level,
            Rows {
                job,
                first,
                values,
                weights,
                write,
                pre,
            },
        )
    };
    let parts = (values, Slots::new(weights, 1), Slots::new(write, c));
    let task = |first: usize, _count: usize, (v, w, o): (&mut [f64], Slots<f64>, Slots<E>), _| {
        run(first, v, w.data, o.data);
        None::<()>
    };
    parallel::schedule(Work::new(rows, c), options.parallel, parts, &task)?;
    Ok(())
}

/// Computes `op` for every row of the row-major (rows, `classes`) logits `x`, one float64 per
/// row in `out`.
///
/// For [`RowOp::CrossEntropyIndex`], `out` gets each row's loss l_i = (1 - eps) w[y_i] (lse_i -
/// x_{i,y_i}) + eps / C sum_c w_c (lse_i - x_{i,c}) (0 for ignored rows) and `weights` its weight
/// in a mean, w[y_i] (0 for ignored rows); for other ops `weights` must be empty.
/// [`RowOp::CrossEntropyProb`] gives l_i = -sum_c w_c t'_{i,c} log_softmax(x_i)_c with
/// t' = (1 - eps) t + eps / C. Errors: shapes that do not fit, an empty class axis, a label
/// smoothing outside [0, 1], a class index out of range (naming the first such row).
pub fn rows<E: LogitElem>(
    op: RowOp<'_, E>,
    x: &[E],
    classes: usize,
    options: &Options,
    out: &mut [f64],
    weights: &mut [f64],
) -> Result<(), KernelError> {
    let job = job(op, x, classes, options)?;
    let rows = x.len() / classes;
    if out.len() != rows {
        return Err(layout(format!(
            "out has {} slots for {rows} rows",
            out.len()
        )));
    }
    let wants_weights = matches!(op, RowOp::CrossEntropyIndex { .. });
    if weights.len() != if wants_weights { rows } else { 0 } {
        return Err(layout(format!(
            "weights has {} slots for {rows} rows",
            weights.len()
        )));
    }
    run_rows(&job, options, out, weights, &mut [])
}

/// log_softmax of every row of the row-major (rows, `classes`) logits `x`, written to `out` (of
/// x's length) in x's precision.
pub fn log_softmax<E: LogitElem>(
    x: &[E],
    classes: usize,
    options: &Options,
    out: &mut [E],
) -> Result<(), KernelError> {
    let job = job(RowOp::LogSumExp, x, classes, options)?;
    if out.len() != x.len() {
        return Err(layout(format!(
            "out has {} entries for {} logits",
            out.len(),
            x.len()
        )));
    }
    let mut lse = vec![0.0; x.len() / classes];
    run_rows(&job, options, &mut lse, &mut [], out)
}

/// The element-wise binary cross-entropies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    /// l = (1 - y) x + (1 + (pw - 1) y) (log1p(e^-|x|) + max(-x, 0)), times w.
    WithLogits,
    /// l = -(y max(ln p, -100) + (1 - y) max(ln(1 - p), -100)), times w; p must be in [0, 1].
    Probabilities,
}

/// A per-element factor (weight, pos_weight) of (rows, cols) data.
#[derive(Clone, Copy, Debug)]
pub enum Factor<'a, E> {
    Absent,
    /// One per column, the same for every row.
    PerColumn(&'a [E]),
    /// One per element, row-major.
    Full(&'a [E]),
}

impl<'a, E> Factor<'a, E> {
    fn row(&self, row: usize, cols: usize) -> &'a [E] {
        match *self {
            Factor::Absent => &[],
            Factor::PerColumn(f) => f,
            Factor::Full(f) => &f[row * cols..(row + 1) * cols],
        }
    }

    fn check(&self, name: &str, rows: usize, cols: usize) -> Result<(), KernelError> {
        let (len, want) = match *self {
            Factor::Absent => return Ok(()),
            Factor::PerColumn(f) => (f.len(), cols),
            Factor::Full(f) => (f.len(), rows * cols),
        };
        if len == want {
            Ok(())
        } else {
            Err(layout(format!("{name} has {len} entries; expected {want}")))
        }
    }
}

/// ln(1 + v) for v in [-1, 1], corrected for the rounding of 1 + v (ln(u) v / (u - 1)), so that
/// small v keep full relative accuracy.
#[inline(always)]
fn ln_1p<V: FloatVec>(v: V) -> V
where
    V::Elem: VectorLn,
{
    let one = V::splat(V::Elem::ONE);
    let u = one.add(v);
    let den = u.sub(one);
    let exact = den.eq(V::splat(V::Elem::ZERO));
    V::select(exact, v, V::Elem::ln_vec(u).mul(v.div(den)))
}

struct BinaryJob<'a, E> {
    kind: BinaryKind,
    x: &'a [E],
    y: &'a [E],
    cols: usize,
    weight: Factor<'a, E>,
    pos_weight: Factor<'a, E>,
    level: SimdLevel,
}

/// The SIMD task: rows `first..`; per-row sums to `sums`, or per-element losses to `losses`.
struct BinaryRows<'a, 'b, E> {
    job: &'b BinaryJob<'a, E>,
    first: usize,
    rows: usize,
    sums: &'b mut [f64],
    losses: &'b mut [f64],
}

impl<E: LogitElem> SimdTask for BinaryRows<'_, '_, E> {
    /// The first row holding a probability outside [0, 1], if any.
    type Output = Option<usize>;

    #[inline(always)]
    fn run<L: Level>(self) -> Option<usize> {
        type V<E, L> = <E as Real>::Vector<L>;
        type W<L> = <L as Level>::F64;
        let job = self.job;
        let c = job.cols;
        let lanes = V::<E, L>::LANES;
        let zero = V::<E, L>::splat(E::ZERO);
        let one = V::<E, L>::splat(E::ONE);
        let floor = V::<E, L>::splat(E::from_f64(-100.0));
        let iota = lane_index::<V<E, L>>();
        for i in 0..self.rows {
            let row = self.first + i;
            let x = &job.x[row * c..(row + 1) * c];
            let y = &job.y[row * c..(row + 1) * c];
            let w = job.weight.row(row, c);
            let pw = job.pos_weight.row(row, c);
            let mut total = [W::<L>::splat(0.0); 2];
            let mut valid = V::<E, L>::mask_true();
            let mut at = 0;
            while at < c {
                let mut blk = zero;
                let block_end = (at + BLOCK * lanes).min(c);
                while at < block_end {
                    let xv = load_padded::<V<E, L>>(x, at);
                    let yv = load_padded::<V<E, L>>(y, at);
                    let mut l = match job.kind {
                        BinaryKind::WithLogits => {
                            let neg = zero.sub(xv);
                            let below = xv.lt(zero);
                            let ax = V::<E, L>::select(below, neg, xv);
                            let soft = ln_1p(exp_nonpositive(zero.sub(ax)))
                                .add(V::<E, L>::select(below, neg, zero));
                            let coef = if pw.is_empty() {
                                one
                            } else {
                                load_padded::<V<E, L>>(pw, at).sub(one).mul_add(yv, one)
                            };
                            one.sub(yv).mul_add(xv, coef.mul(soft))
                        }
                        BinaryKind::Probabilities => {
                            valid = V::<E, L>::mask_and(
                                valid,
                                V::<E, L>::mask_and(xv.ge(zero), one.ge(xv)),
                            );
                            let lp = E::ln_vec(xv);
                            let lp = V::<E, L>::select(lp.lt(floor), floor, lp);
                            let lq = ln_1p(zero.sub(xv));
                            let lq = V::<E, L>::select(lq.lt(floor), floor, lq);
                            zero.sub(yv.mul_add(lp, one.sub(yv).mul(lq)))
                        }
                    };
                    if !w.is_empty() {
                        l = l.mul(load_padded::<V<E, L>>(w, at));
                    }
                    if at + lanes > c {
                        let keep = iota.lt(V::<E, L>::splat(E::from_f64((c - at) as f64)));
                        l = V::<E, L>::select(keep, l, zero);
                    }
                    if self.losses.is_empty() {
                        blk = blk.add(l);
                    } else {
                        let end = (at + lanes).min(c);
                        E::store_f64::<L>(l, &mut self.losses[i * c + at..i * c + end]);
                    }
                    at += lanes;
                }
                E::widen_add::<L>(blk, &mut total);
            }
            if !V::<E, L>::mask_all(valid) {
                return Some(row);
            }
            if !self.sums.is_empty() {
                self.sums[i] = sum2(total);
            }
        }
        None
    }
}

/// Element-wise binary cross-entropy of row-major (rows, `cols`) data `x` (logits or
/// probabilities) against `y`: per-row sums to `sums` (one per row) or, if `sums` is empty,
/// per-element losses to `losses` (one per element). A probability outside [0, 1] (or NaN) is an
/// error naming the first row that holds one.
#[allow(clippy::too_many_arguments)]
pub fn binary_cross_entropy<E: LogitElem>(
    kind: BinaryKind,
    x: &[E],
    y: &[E],
    cols: usize,
    weight: Factor<'_, E>,
    pos_weight: Factor<'_, E>,
    options: &Options,
    sums: &mut [f64],
    losses: &mut [f64],
) -> Result<(), KernelError> {
    if cols == 0 || !x.len().is_multiple_of(cols) || y.len() != x.len() {
        return Err(layout(format!(
            "x ({}) and y ({}) do not form rows of {cols}",
            x.len(),
            y.len()
        )));
    }
    let rows = x.len() / cols;
    weight.check("weight", rows, cols)?;
    pos_weight.check("pos_weight", rows, cols)?;
    if kind == BinaryKind::Probabilities && !matches!(pos_weight, Factor::Absent) {
        return Err(layout("pos_weight applies to logits only".into()));
    }
    let per_row = !sums.is_empty();
    if (per_row && sums.len() != rows) || (!per_row && losses.len() != x.len()) {
        return Err(layout(format!(
            "outputs of {} and {} slots for {rows} rows of {cols}",
            sums.len(),
            losses.len()
        )));
    }
    let job = BinaryJob {
        kind,
        x,
        y,
        cols,
        weight,
        pos_weight,
        level: options.level,
    };
    let run = |first: usize, rows: usize, sums: &mut [f64], losses: &mut [f64]| {
        dispatch(
            job.level,
            BinaryRows {
                job: &job,
                first,
                rows,
                sums,
                losses,
            },
        )
    };
    // Per-row mode writes one sum per row; else `losses` holds a loss per entry.
    let losses: &mut [f64] = if per_row { &mut [] } else { losses };
    let parts = (Slots::new(sums, 1), Slots::new(losses, cols));
    let task = |first: usize, count: usize, (s, l): (Slots<f64>, Slots<f64>), _split: bool| {
        run(first, count, s.data, l.data)
    };
    let bad = parallel::schedule(Work::new(rows, cols), options.parallel, parts, &task)?;
    match bad {
        Some(row) => Err(layout(format!(
            "p has an entry outside [0, 1] in row {row}"
        ))),
        None => Ok(()),
    }
}
