//! The reduction driver: a job over the distributions of a batch, walking each one's leaves in
//! the fixed tree (on the pool via `parallel::schedule`), checking entries and rescaling sums
//! that overflowed.

use super::*;

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
}

impl<E: Compute> Pass<E> {
    pub(super) fn plain(term: u8) -> Self {
        Pass {
            term,
            scale: [E::ONE, E::ONE],
            extra: Extra::NONE,
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
    pub(super) level: PhantomData<L>,
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
            Some(base) => value / base.ln(),
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
        let leaf = self.sums::<E>(d, split, Pass::plain(term));
        if leaf.suspicious {
            // Rare: find the first offending entry.
            self.diagnose(d)?;
            return Ok(None);
        }
        Ok(Some(leaf.sums))
    }

    /// A single-pass measure of distribution `d`, in nats.
    pub(super) fn shannon<E: Compute>(
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
    }

    /// Recomputes distribution `d` with p and q scaled by powers of two that bring their masses
    /// near 1. A mass that overflowed is first measured at a scale of 2^-600.
    pub(super) fn rescaled<E: Compute>(
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

    /// Scans distribution `d` for its first offending entry: p first, then q. Returns `Ok` when
    /// the only trouble is NaN under "propagate".
    pub(super) fn diagnose(&self, d: usize) -> Result<(), KernelError> {
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
