//! The two-pass measures (Jensen-Shannon, Renyi, Tsallis): masses first, then the entries
//! scaled by 1/mass or 1/max.

use super::*;

/// 2^e for e in the normal range.
pub(super) const fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// Masses outside [2^-500, 2^500] are measured again at a scale of 2^-+600, so that their
/// reciprocals and the scaled entries stay normal.
pub(super) const MASS_RANGE: [f64; 2] = [pow2(-500), pow2(500)];

pub(super) const RESCALE: i32 = 600;

/// The first pass of a two-pass measure, at entry scale `scale`.
pub(super) struct Masses {
    pub(super) scale: [f64; 2],
    /// Masses of the scaled p and q.
    pub(super) mass: [f64; 2],
    /// The largest scaled p entry.
    pub(super) peak: f64,
    /// The number of positive p entries.
    pub(super) count: f64,
}

impl Masses {
    /// ln of the largest p entry, of the normalised distribution or of the unscaled entries. The
    /// ratio is taken before the log, so the scale cancels exactly.
    pub(super) fn ln_peak(&self, normalize: bool) -> f64 {
        if normalize {
            (self.peak / self.mass[0]).ln()
        } else {
            self.peak.ln() - self.scale[0].ln()
        }
    }
}

impl Job<'_> {
    /// The first pass of a two-pass measure: masses, count and peak, at a scale that keeps them
    /// in range. `None` when a NaN is to propagate.
    pub(super) fn masses<E: Compute>(
        &self,
        d: usize,
        split: bool,
    ) -> Result<Option<Masses>, KernelError> {
        let term = if self.binary { MASS_PQ } else { MASS };
        let Some(mut sums) = self.checked_sums::<E>(d, split, term)? else {
            return Ok(None);
        };
        // Counted at the caller's scale: rescaling a distribution whose mass overflows can
        // flush its smallest positive entries to 0 (1e-300 beside 1.7e308), and Hartley's
        // entropy (order 0) counts them.
        let count = sums.core;
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
                pre: [E::ONE; 2],
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
            count,
        }))
    }

    /// Jensen-Shannon divergence of distribution `d`, in nats.
    pub(super) fn jensen_shannon<E: Compute>(
        &self,
        d: usize,
        split: bool,
    ) -> Result<f64, KernelError> {
        if !self.params.normalize {
            let sums = self.checked_sums::<E>(d, split, JENSEN_SHANNON)?;
            return Ok(sums.map_or(f64::NAN, |sums| 0.5 * sums.core));
        }
        let Some(masses) = self.masses::<E>(d, split)? else {
            return Ok(f64::NAN);
        };
        self.check_masses(d, masses.mass)?;
        let pass = Pass {
            pre: [E::ONE; 2],
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
    pub(super) fn power_family<E: Compute>(
        &self,
        d: usize,
        split: bool,
    ) -> Result<f64, KernelError> {
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
                pre: [E::ONE; 2],
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
}
