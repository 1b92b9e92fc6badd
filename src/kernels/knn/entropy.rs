//! The Kozachenko-Leonenko k-NN estimator of differential entropy.

use super::digamma::digamma;
use super::queries::Index;
use super::samples::{check_distinct, check_k, Samples};
use super::tree::Norm;
use crate::error::KernelError;
use crate::kernels::options::check_base;
use crate::kernels::Options;

/// ln of the volume of the Euclidean unit ball in `d` dimensions, pi^(d/2) / Gamma(1 + d/2),
/// with ln Gamma(1 + d/2) summed up from Gamma(1) = 1 or Gamma(1/2) = sqrt(pi).
pub fn ln_unit_ball(d: usize) -> f64 {
    let ln_pi = std::f64::consts::PI.ln();
    let (mut x, mut ln_gamma) = if d.is_multiple_of(2) {
        (1.0, 0.0)
    } else {
        (0.5, 0.5 * ln_pi)
    };
    let target = 1.0 + d as f64 / 2.0;
    while x < target {
        ln_gamma += f64::ln(x);
        x += 1.0;
    }
    0.5 * d as f64 * ln_pi - ln_gamma
}

/// H = psi(n) - psi(k) + ln c_d + (d / n) sum_i ln eps_i, with eps_i the Euclidean distance from
/// sample i to its k-th nearest other sample and c_d the volume of the unit ball (Kozachenko &
/// Leonenko 1987; Kraskov et al. 2004, eq. 20 with the Euclidean norm), in nats, divided by
/// ln(base) when a base is given.
///
/// Errors: a NaN or infinite coordinate (`BadParameter` with its flat index), k = 0 or k >= n,
/// and a sample with eps = 0 (k or more samples equal to it), named by its row.
pub fn knn_entropy(
    x: &Samples,
    k: usize,
    base: Option<f64>,
    options: &Options,
) -> Result<f64, KernelError> {
    check_base(base)?;
    x.check_finite()?;
    let n = x.n();
    check_k(k, n)?;
    let eps = Index::new(x, options)?.kth_within(k, Norm::Euclidean, options)?;
    check_distinct(x.name, k, &eps, "neighbour")?;
    let sum_ln: f64 = eps.iter().map(|e| e.ln()).sum();
    let d = x.d as f64;
    let h = digamma(n) - digamma(k) + ln_unit_ball(x.d) + d * sum_ln / n as f64;
    Ok(match base {
        Some(base) => h / base.ln(),
        None => h,
    })
}
