//! Mergeable partial sums of each distribution.

use super::*;

/// The raw, mergeable sums of `kind` for every distribution of `p` (and `q`): what streaming and
/// distributed reductions combine with [`Partial::combine`] and finish with [`Partial::finish`].
///
/// Entries are checked as by [`reduce`] (zero masses are not errors here); a NaN under
/// "propagate" makes all sums of its distribution NaN (or, under "raise", an error; "omit" drops
/// NaN pairs). Terms are computed in f64 for every dtype, on the entries as given (scale 1: unlike
/// `reduce`, no power of two is taken out, so sums of pieces of one distribution add up).
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

impl Job<'_> {
    /// The raw sums of `kind` over distribution `d` (NaN sums for a NaN under "propagate").
    pub(super) fn partial<E: Compute>(
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
}

/// The sums of a single-pass measure over a piece of a distribution, taken on p 2^-e_p (and
/// q 2^-e_q): what streams and distributed reductions carry.
///
/// Sums at scale 1 cannot give exact results: for [2^62, 2^62], ln S and T/S are both about 43
/// and their difference, ln 2, keeps only the last bits. So each piece is summed as
/// [`reduce`] sums a whole distribution, on entries scaled by powers of two chosen from the
/// piece itself, and [`Scaled::combine`] brings two pieces to a common scale before adding.
/// Pieces at equal exponents add exactly, so pieces of equal entries (or with a single positive
/// entry between them) finish as one call does: ln n within a few ulp, and exactly 0.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scaled {
    /// `mass_p`, `mass_q` and `core` of the scaled entries (`peak` is 0).
    pub sums: Partial,
    /// e_p, e_q: the sums are those of p 2^-e_p and q 2^-e_q (e_q is 0 for entropy).
    pub exps: [i32; 2],
}

/// x 2^e for any e (in steps that stay within the normal powers of two).
fn times_pow2(mut x: f64, mut e: i32) -> f64 {
    while e != 0 {
        let step = e.clamp(-1000, 1000);
        x *= f64::from_bits(((step + 1023) as u64) << 52);
        e -= step;
    }
    x
}

impl Scaled {
    /// The sums of the same entries at exponents `exps`. Moving p by d = e_old - e_new multiplies
    /// p by 2^d and adds d ln 2 to its logs (so `core` gains d ln 2 S_p before the 2^d); q's
    /// logs gain d_q ln 2 the same way.
    pub fn at(self, measure: Measure, exps: [i32; 2]) -> Scaled {
        let [dp, dq] = [self.exps[0] - exps[0], self.exps[1] - exps[1]];
        if dp == 0 && dq == 0 {
            return Scaled { exps, ..self };
        }
        let s = self.sums;
        let shift = match measure {
            Measure::Entropy => dp,
            Measure::CrossEntropy => dq,
            _ => dp - dq,
        };
        let core = if s.core.is_finite() && shift != 0 {
            s.core + f64::from(shift) * std::f64::consts::LN_2 * s.mass_p
        } else {
            s.core
        };
        // An infinite or NaN core stays what it is (2^d could underflow to 0 and make a NaN).
        let core = if core.is_finite() {
            times_pow2(core, dp)
        } else {
            core
        };
        Scaled {
            sums: Partial {
                mass_p: times_pow2(s.mass_p, dp),
                mass_q: times_pow2(s.mass_q, dq),
                core,
                peak: s.peak,
            },
            exps,
        }
    }

    /// The sums of two pieces of one distribution, at the larger of their exponents (a piece
    /// with no mass has no scale of its own and takes the other's). The result does not depend
    /// on the order of pieces beyond rounding; pieces at equal exponents add exactly.
    pub fn combine(self, other: Scaled, measure: Measure) -> Scaled {
        let masses = |s: &Scaled| [s.sums.mass_p, s.sums.mass_q];
        let (a, b) = (masses(&self), masses(&other));
        let exps = [0, 1].map(|i| {
            if a[i] == 0.0 {
                other.exps[i]
            } else if b[i] == 0.0 {
                self.exps[i]
            } else {
                self.exps[i].max(other.exps[i])
            }
        });
        let (x, y) = (self.at(measure, exps), other.at(measure, exps));
        Scaled {
            sums: x.sums.combine(y.sums),
            exps,
        }
    }

    /// The measure of the whole distribution, in nats (as [`reduce`] finishes it: a single
    /// positive entry gives exactly 0). Errors are those of the masses: a zero mass of p, then of
    /// q, under `normalize` (reported as distribution `distribution`).
    pub fn finish(
        self,
        measure: Measure,
        normalize: bool,
        options: &Options,
        distribution: usize,
    ) -> Result<f64, KernelError> {
        let s = self.sums;
        // A NaN under "propagate" wins over a zero mass, as in `reduce`.
        if s.mass_p.is_nan() {
            return Ok(f64::NAN);
        }
        if !normalize {
            return Ok(self.at(measure, [0, 0]).sums.finish(measure, false));
        }
        if s.mass_p == 0.0 {
            return Err(KernelError::ZeroMass {
                arg: Arg::P,
                distribution,
            });
        }
        if measure.is_binary() && s.mass_q == 0.0 {
            return Err(KernelError::ZeroMass {
                arg: Arg::Q,
                distribution,
            });
        }
        // Pieces in float32 lanes form logs as float32 leaves do: either log may be the one.
        if measure == Measure::Entropy
            && (one_term::<f64>(options.level, &s) || one_term::<f32>(options.level, &s))
        {
            return Ok(0.0);
        }
        Ok(s.finish(measure, true))
    }
}

/// [`Scaled`] sums of a single-pass measure (entropy, cross-entropy, KL) for every distribution
/// of `p` (and `q`), one per slot of `out`.
///
/// Entries are checked as by [`reduce`], with the same positions in errors; zero masses are not
/// errors here (a piece may hold only zeros: [`Scaled::finish`] reports them). Under `normalize`
/// each piece is summed at the powers of two [`reduce`] would choose for it; otherwise at scale 1,
/// so that unnormalised pieces add as plain sums. Float32 inputs are computed in float32 lanes as
/// [`reduce`] computes them (logs of float32 entries do not depend on their power of two, so
/// pieces of one stream agree with one call over all of it to about 1e-16).
pub fn scaled_partial_sums(
    measure: Measure,
    p: &Input,
    q: Option<&Input>,
    normalize: bool,
    nan_policy: NanPolicy,
    options: &Options,
    out: &mut [Scaled],
) -> Result<(), KernelError> {
    if !measure.is_shannon() {
        return Err(KernelError::Layout(format!(
            "{measure:?} has no single-pass partial sums"
        )));
    }
    let params = Params {
        normalize,
        nan_policy,
        ..Params::default()
    };
    let job = job(
        measure,
        measure.is_binary(),
        p,
        q,
        &params,
        options,
        out.len(),
    )?;
    if p.is_f32() && job.q.is_f32() {
        job.run(out, |job: &Job<'_>, d, split| job.scaled::<f32>(d, split))
    } else {
        job.run(out, |job: &Job<'_>, d, split| job.scaled::<f64>(d, split))
    }
}

impl Job<'_> {
    /// The [`Scaled`] sums of distribution `d`: the passes of [`Job::shannon`] up to its finish.
    fn scaled<E: Compute>(&self, d: usize, split: bool) -> Result<Scaled, KernelError> {
        let measure = self.measure;
        let normalize = self.params.normalize;
        let look = if normalize {
            self.first_look(d)
        } else {
            [0, 0]
        };
        let exps = look.map(Pass::<E>::clamped);
        let Some(sums) = self.checked_pass::<E>(d, split, Pass::at(measure.term(), exps))? else {
            let nan = Partial {
                mass_p: f64::NAN,
                mass_q: f64::NAN,
                core: f64::NAN,
                peak: 0.0,
            };
            return Ok(Scaled { sums: nan, exps });
        };
        let empty = sums.mass_p == 0.0 && (!self.binary || sums.mass_q == 0.0);
        let again = normalize
            && !empty
            && (self.out_of_range::<E>(&sums)
                || look[0] < exps[0]
                || look[1] < exps[1]
                || self.cancels(measure, &sums));
        if again {
            let (sums, exps) = self.rescaled_at::<E>(d, split, measure, sums, exps);
            return Ok(Scaled { sums, exps });
        }
        Ok(Scaled { sums, exps })
    }
}
