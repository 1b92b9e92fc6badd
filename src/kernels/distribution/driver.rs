//! The reduction driver: a job over the distributions of a batch, walking each one's leaves in
//! the fixed tree (on the pool via `parallel::schedule`), checking entries and rescaling sums
//! that overflowed.

use super::*;

/// How many leading entries of a distribution choose its scale (see [`Job::shannon`]).
pub(super) const FIRST_LOOK: usize = 256;

/// How far ahead a leaf of a one-input term (entropy) asks for its entries. Its logs keep the
/// core busy long enough that the hardware prefetcher falls behind: with the next kilobyte asked
/// for, 1e8 float64 entries on 2 threads took 55 ms instead of 71 (float32: 42 against 48).
/// Leaves that read p and q ran 10-20% slower with it (two streams the hardware already keeps
/// up with), so they do without.
pub(super) const PREFETCH_AHEAD: usize = 1024;

/// `ln S` may exceed twice the result by this much before the sums count as cancelled.
pub(super) const CANCEL_SLACK: f64 = 16.0;

/// Everything a reduction needs to know, shared by all threads.
pub(super) struct Job<'a> {
    pub(super) measure: Measure,
    /// Whether q is read (and checked).
    pub(super) binary: bool,
    pub(super) p: &'a Input<'a>,
    pub(super) q: &'a Input<'a>,
    pub(super) params: Params,
    pub(super) options: Options,
    pub(super) reduce_len: usize,
    pub(super) leaf_len: usize,
}

/// One pass over a distribution: the leaf term and how entries are scaled.
#[derive(Clone, Copy)]
pub(super) struct Pass<E> {
    pub(super) term: u8,
    pub(super) scale: [E; 2],
    pub(super) extra: Extra,
    /// A factor applied while gathering entries, before `scale` and before the entries are
    /// checked (1 except on a rescaling pass that needs more than one power of two: entries that
    /// are all subnormal are brought near 1 by 2^1074 = `pre` x `scale`). Any `pre` other than 1
    /// takes the gathering (slower) path.
    pub(super) pre: [E; 2],
}

impl<E: Compute> Pass<E> {
    pub(super) fn plain(term: u8) -> Self {
        Pass::at(term, [0, 0])
    }

    /// `term` with p and q multiplied by 2^-e for the exponents `exps` (clamped to one power of
    /// two each: no `pre`, so a first look at the data can never turn an entry into an error).
    pub(super) fn at(term: u8, exps: [i32; 2]) -> Self {
        Pass {
            term,
            scale: exps.map(|e| E::power_of_two(-e)),
            extra: Extra::NONE,
            pre: [E::ONE; 2],
        }
    }

    /// The effective exponent of `Pass::at(term, [e, _])`.
    pub(super) fn clamped(e: i32) -> i32 {
        -((-e).clamp(E::EXP_RANGE[0], E::EXP_RANGE[1]))
    }

    /// `term` with p and q multiplied by exactly 2^-e (for the masses of a rescaling pass, whose
    /// entries are known not to overflow): beyond one power of two, the rest goes to `pre`.
    pub(super) fn exact(term: u8, exps: [i32; 2]) -> Self {
        let split = |e: i32| {
            let s = -e;
            if s > E::EXP_RANGE[1] {
                (
                    E::power_of_two(s - E::EXP_RANGE[1]),
                    E::power_of_two(E::EXP_RANGE[1]),
                )
            } else {
                (E::ONE, E::power_of_two(s))
            }
        };
        let [(pre_p, scale_p), (pre_q, scale_q)] = exps.map(split);
        Pass {
            term,
            scale: [scale_p, scale_q],
            extra: Extra::NONE,
            pre: [pre_p, pre_q],
        }
    }
}

/// The SIMD task: a sequential tree sum over `count` leaves of one distribution from `first`.
pub(super) struct LeafRange<'a, E> {
    pub(super) job: &'a Job<'a>,
    pub(super) pass: Pass<E>,
    pub(super) bases: [isize; 2],
    pub(super) first: usize,
    pub(super) count: usize,
}

/// The leaves of one distribution, fetched and summed inside a SIMD task.
pub(super) struct LeafWalker<'a, 'b, E, L> {
    pub(super) task: &'b LeafRange<'a, E>,
    pub(super) omit: bool,
    pub(super) buf_p: &'b mut [E],
    pub(super) buf_q: &'b mut [E],
    /// Where entries go when `pre` applies (empty otherwise).
    pub(super) pre_p: &'b mut [E],
    pub(super) pre_q: &'b mut [E],
    pub(super) level: PhantomData<L>,
}

/// `x` times `factor` into `out` (the rare `pre` path), as a slice of `out`.
#[inline(always)]
fn premultiplied<'o, E: Compute>(x: &[E], factor: E, out: &'o mut [E]) -> &'o [E] {
    let out = &mut out[..x.len()];
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v * factor;
    }
    out
}

impl<E: Compute, L: Level> Leaves for LeafWalker<'_, '_, E, L> {
    type Sum = LeafSums;

    #[inline(always)]
    fn leaf(&mut self, i: usize) -> LeafSums {
        let job = self.task.job;
        let pass = self.task.pass;
        let start = (self.task.first + i) * job.leaf_len;
        let len = job.leaf_len.min(job.reduce_len - start);
        if !reads_q(pass.term) {
            job.p
                .prefetch(self.task.bases[0], start, len, PREFETCH_AHEAD);
        }
        let mut p = E::fetch(job.p, self.task.bases[0], start, len, self.buf_p);
        let mut q: &[E] = if reads_q(pass.term) {
            E::fetch(job.q, self.task.bases[1], start, len, self.buf_q)
        } else {
            &[]
        };
        if !self.pre_p.is_empty() {
            p = premultiplied(p, pass.pre[0], self.pre_p);
            q = premultiplied(q, pass.pre[1], self.pre_q);
        }
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
        let pre = self.pass.pre[0] != E::ONE || self.pass.pre[1] != E::ONE;
        let mut pre_scratch = vec![E::ZERO; if pre { 2 * job.leaf_len } else { 0 }];
        let (pre_p, pre_q) = pre_scratch.split_at_mut(if pre { job.leaf_len } else { 0 });
        let mut walker = LeafWalker::<E, L> {
            task: &self,
            omit: job.params.nan_policy == NanPolicy::Omit,
            buf_p,
            buf_q,
            pre_p,
            pre_q,
            level: PhantomData,
        };
        counter_tree_sum(self.count, &mut walker)
    }
}

impl Job<'_> {
    pub(super) fn bases(&self, d: usize) -> [isize; 2] {
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
    pub(super) fn sums<E: Compute>(&self, d: usize, split: bool, pass: Pass<E>) -> LeafSums {
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
    pub(super) fn distribution<E: Compute>(
        &self,
        d: usize,
        split: bool,
    ) -> Result<f64, KernelError> {
        let value = match self.measure {
            Measure::JensenShannon => self.jensen_shannon::<E>(d, split)?,
            Measure::Renyi | Measure::Tsallis => self.power_family::<E>(d, split)?,
            shannon => self.shannon::<E>(d, split, shannon)?,
        };
        Ok(match self.params.base {
            // + 0: a zero over the negative ln of a base below 1 is +0, not -0.
            Some(base) => value / base.ln() + 0.0,
            None => value,
        })
    }

    /// Plain sums of `term` over distribution `d` with its entries checked: an offending entry
    /// is an error, and `None` means a NaN is to propagate (the only trouble that gets through).
    pub(super) fn checked_sums<E: Compute>(
        &self,
        d: usize,
        split: bool,
        term: u8,
    ) -> Result<Option<Partial>, KernelError> {
        self.checked_pass::<E>(d, split, Pass::plain(term))
    }

    /// As [`Job::checked_sums`], for any pass whose `pre` is 1.
    pub(super) fn checked_pass<E: Compute>(
        &self,
        d: usize,
        split: bool,
        pass: Pass<E>,
    ) -> Result<Option<Partial>, KernelError> {
        let leaf = self.sums::<E>(d, split, pass);
        // Rare: find the first offending entry.
        if leaf.suspicious && self.diagnose(d)? {
            return Ok(None);
        }
        Ok(Some(leaf.sums))
    }

    /// A single-pass measure of distribution `d`, in nats.
    ///
    /// Normalised measures are computed on p 2^-e_p (and q 2^-e_q), with e chosen from a first
    /// look at the distribution (its largest entry among the first [`FIRST_LOOK`]), so that the
    /// scaled entries are near 1 and both parts of H = ln S - T/S stay O(ln n): at scale 1 they
    /// are O(ln S) and cancel (`[2^62, 2^62]` lost 47 ulp). The choice depends on the data only,
    /// never on how leaves are split across threads. When the first look was not representative
    /// (the scaled mass is far from the scale, or left the normal range), the distribution is
    /// summed again at the exponent of its mass, exactly.
    pub(super) fn shannon<E: Compute>(
        &self,
        d: usize,
        split: bool,
        measure: Measure,
    ) -> Result<f64, KernelError> {
        let normalize = self.params.normalize;
        let look = if normalize {
            self.first_look(d)
        } else {
            [0, 0]
        };
        let exps = look.map(Pass::<E>::clamped);
        let pass = Pass::<E>::at(measure.term(), exps);
        let Some(mut sums) = self.checked_pass::<E>(d, split, pass)? else {
            return Ok(f64::NAN);
        };
        if !normalize {
            return Ok(sums.finish(measure, false));
        }
        self.check_masses(d, [sums.mass_p, sums.mass_q])?;
        let mut again = self.out_of_range::<E>(&sums);
        if again {
            sums = self.rescaled::<E>(d, split, measure, sums, exps);
        }
        if measure == Measure::Entropy && self.one_term::<E>(&sums) {
            return Ok(0.0);
        }
        // Entries too small for one power of two to bring near 1 (subnormal ones) are scaled
        // exactly by two on a second pass.
        again = !again && (look[0] < exps[0] || look[1] < exps[1] || self.cancels(measure, &sums));
        if again {
            sums = self.rescaled::<E>(d, split, measure, sums, exps);
        }
        Ok(sums.finish(measure, true))
    }

    /// The exponents e (p's, then q's) that bring the largest positive finite entry among the
    /// first [`FIRST_LOOK`] of distribution `d` into [2^-1/2, 2^1/2); 0 when there is none.
    pub(super) fn first_look(&self, d: usize) -> [i32; 2] {
        let bases = self.bases(d);
        let len = FIRST_LOOK.min(self.reduce_len);
        let mut buf = [0.0f64; FIRST_LOOK];
        let mut exps = [0, 0];
        let inputs: &[&Input] = if self.binary {
            &[self.p, self.q]
        } else {
            &[self.p]
        };
        for (which, input) in inputs.iter().enumerate() {
            // Eight running maxima, so that the loop vectorises. `max` skips NaN; an infinite
            // entry makes the exponent saturate, harmlessly: the pass reports the entry.
            let mut peaks = [0.0f64; 8];
            let values = input.fetch_f64(bases[which], 0, len, &mut buf);
            let mut chunks = values.chunks_exact(8);
            for chunk in &mut chunks {
                for (peak, &x) in peaks.iter_mut().zip(chunk) {
                    *peak = peak.max(x);
                }
            }
            let peak = chunks
                .remainder()
                .iter()
                .chain(&peaks)
                .fold(0.0f64, |m, &x| m.max(x));
            if peak > 0.0 {
                exps[which] = peak.log2().round() as i32;
            }
        }
        exps
    }

    /// Whether the entropy sums are those of a single positive entry x: then S = x and
    /// T = x ln x to the bit (every other lane and leaf adds exact zeros), so S ln S, with the
    /// log the leaves use, is T exactly. H is then exactly 0, which ln S - T/S (a libm log
    /// against a vector one, and a division) need not give. Equality with more than one
    /// positive entry means H is below the rounding of that formula anyway.
    pub(super) fn one_term<E: Compute>(&self, sums: &Partial) -> bool {
        one_term::<E>(self.options.level, sums)
    }

    /// Whether the log of masses that `finish` adds is large against the result, so that the
    /// sum may have cancelled: the first look misjudged the scale. Entropy adds ln S_p,
    /// cross-entropy ln S_q, and KL only ln(S_q / S_p), which stays near 0 however many entries
    /// there are (so 1e8 entries of a small divergence need no second pass).
    pub(super) fn cancels(&self, measure: Measure, sums: &Partial) -> bool {
        let value = sums.finish(measure, true);
        let big = match measure {
            Measure::Entropy => sums.mass_p.ln(),
            Measure::CrossEntropy => sums.mass_q.ln(),
            _ => ln_ratio(sums.mass_q, sums.mass_p),
        };
        value.is_finite() && big.abs() > 2.0 * value + CANCEL_SLACK
    }

    /// A zero mass of p, then of q, is an error.
    pub(super) fn check_masses(&self, d: usize, masses: [f64; 2]) -> Result<(), KernelError> {
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
    pub(super) fn out_of_range<E: Compute>(&self, sums: &Partial) -> bool {
        let masses_finite = sums.mass_p.is_finite() && sums.mass_q.is_finite();
        !masses_finite
            || (!sums.core.is_finite() && sums.mass_p > E::HUGE_MASS)
            || sums.mass_p < E::TINY_MASS
            || (self.binary && sums.mass_q < E::TINY_MASS)
    }

    /// Recomputes distribution `d`, whose `sums` were taken at exponents `exps`, with p and q
    /// multiplied by exactly 2^-e for the exponents e of their masses (so both masses land in
    /// [1, 2)). A mass that overflowed is first measured 2^600 smaller.
    pub(super) fn rescaled<E: Compute>(
        &self,
        d: usize,
        split: bool,
        measure: Measure,
        sums: Partial,
        exps: [i32; 2],
    ) -> Partial {
        self.rescaled_at::<E>(d, split, measure, sums, exps).0
    }

    /// As [`Job::rescaled`], with the exponents the new sums were taken at.
    pub(super) fn rescaled_at<E: Compute>(
        &self,
        d: usize,
        split: bool,
        measure: Measure,
        sums: Partial,
        exps: [i32; 2],
    ) -> (Partial, [i32; 2]) {
        let exponent = |mass: f64| -> Option<i32> {
            (mass.is_finite() && mass > 0.0).then(|| mass.log2().floor() as i32)
        };
        let masses = [sums.mass_p, sums.mass_q];
        let mut found = [0, 1].map(|i| exponent(masses[i]).map(|e| e + exps[i]));
        if !self.binary {
            found[1] = Some(0);
        }
        let term = measure.term();
        if found.iter().any(Option::is_none) {
            let probe_exps = [0, 1].map(|i| {
                let e = if found[i].is_none() {
                    exps[i] + RESCALE
                } else {
                    exps[i]
                };
                Pass::<E>::clamped(e)
            });
            let probe = self.sums::<E>(d, split, Pass::at(term, probe_exps));
            let masses = [probe.sums.mass_p, probe.sums.mass_q];
            for i in 0..2 {
                if found[i].is_none() {
                    found[i] = exponent(masses[i]).map(|e| e + probe_exps[i]);
                }
            }
        }
        let exps = found.map(|e| e.unwrap_or(0));
        (self.sums::<E>(d, split, Pass::exact(term, exps)).sums, exps)
    }

    /// Scans distribution `d` for its first offending entry: p first, then q. Returns whether
    /// a NaN is to propagate (the only trouble that is not an error); `Ok(false)` when there is
    /// no trouble at all (a leaf's mass overflowed at its scale, which the caller rescales).
    pub(super) fn diagnose(&self, d: usize) -> Result<bool, KernelError> {
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
        let mut nan = false;
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
                        nan = true;
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
        Ok(nan)
    }

    /// Fills `out[i]` with distribution `offset + i`; stops at its first error.
    pub(super) fn run_range<T, F: Each<T>>(
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
    pub(super) fn run<T: Send, F: Each<T>>(
        &self,
        out: &mut [T],
        each: F,
    ) -> Result<(), KernelError> {
        let work = Work::new(out.len(), self.reduce_len).splittable(self.leaf_len);
        let task = |first: usize, _count: usize, out: &mut [T], split: bool| {
            self.run_range(first, out, split, &each).err()
        };
        parallel::schedule(work, self.options.parallel, out, &task)?.map_or(Ok(()), Err)
    }
}

/// [`one_term`] for float64 entropy sums S and T taken outside the core (grouped entropy's one
/// pass), whose terms are the leaves' own x ln x.
pub(crate) fn single_entry_f64(level: SimdLevel, mass: f64, core: f64) -> bool {
    let sums = Partial {
        mass_p: mass,
        core,
        ..Partial::default()
    };
    one_term::<f64>(level, &sums)
}

/// [`Job::one_term`] at SIMD level `level` (also for sums merged outside a job).
pub(super) fn one_term<E: Compute>(level: SimdLevel, sums: &Partial) -> bool {
    struct LnAsTerms<E>(f64, PhantomData<E>);
    impl<E: Compute> SimdTask for LnAsTerms<E> {
        type Output = f64;
        #[inline(always)]
        fn run<L: Level>(self) -> f64 {
            E::ln_as_terms::<L>(self.0)
        }
    }
    let mass = sums.mass_p;
    // A float32 entry is exactly a float32 mass (and only then is its log the leaves').
    let representable = E::from_f64(mass).to_f64() == mass;
    representable
        && mass.is_normal()
        && sums.core.is_finite()
        && mass * dispatch(level, LnAsTerms::<E>(mass, PhantomData)) == sums.core
}

/// A per-distribution computation of a job: `(job, distribution, split)` to one `T`.
pub(super) trait Each<T>:
    Fn(&Job<'_>, usize, bool) -> Result<T, KernelError> + Sync
{
}

impl<T, F: Fn(&Job<'_>, usize, bool) -> Result<T, KernelError> + Sync> Each<T> for F {}

/// Checks shapes and options and builds the job (q is p for unary work).
pub(super) fn job<'a>(
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
    check_base(params.base)?;
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

pub(super) fn f64_lanes(level: SimdLevel) -> usize {
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
