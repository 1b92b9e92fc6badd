//! The Wang-Kulkarni-Verdu k-NN estimator of the KL divergence between two sample sets.

use super::queries::Index;
use super::samples::{check_distinct, check_k, Samples};
use super::tree::Norm;
use crate::error::KernelError;
use crate::kernels::Options;

/// KL(P ‖ Q) from samples x of P (n rows) and y of Q (m rows) of the same dimension d:
/// D = (d / n) sum_i ln(nu_i / rho_i) + ln(m / (n - 1)), with rho_i the Euclidean distance from
/// x_i to its k-th nearest other sample of x and nu_i that to its k-th nearest sample of y (Wang,
/// Kulkarni & Verdu 2009, eq. 5), in nats.
///
/// Errors: NaN or infinite coordinates, dimensions that differ, k = 0, k >= n or k > m, and a
/// zero rho_i or nu_i (repeated values), named by the row of x.
pub fn knn_kl_divergence(
    x: &Samples,
    y: &Samples,
    k: usize,
    options: &Options,
) -> Result<f64, KernelError> {
    x.check_finite()?;
    y.check_finite()?;
    if x.d != y.d {
        return Err(KernelError::Layout(format!(
            "{} has samples of dimension {} and {} of dimension {}; they must match",
            x.name, x.d, y.name, y.d
        )));
    }
    let (n, m) = (x.n(), y.n());
    check_k(k, n)?;
    if k > m {
        return Err(KernelError::Layout(format!(
            "k = {k} must be at most the number of samples of {}, m = {m}",
            y.name
        )));
    }
    let rho = Index::new(x, options)?.kth_within(k, Norm::Euclidean, options)?;
    check_distinct(x.name, k, &rho, "neighbour")?;
    let nu = Index::new(y, options)?.kth_from(x, k, Norm::Euclidean, options)?;
    check_distinct(x.name, k, &nu, &format!("sample of {}", y.name))?;
    let sum: f64 = nu.iter().zip(&rho).map(|(a, b)| (a / b).ln()).sum();
    Ok(x.d as f64 * sum / n as f64 + (m as f64 / (n - 1) as f64).ln())
}
