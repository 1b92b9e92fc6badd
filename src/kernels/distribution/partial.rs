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
