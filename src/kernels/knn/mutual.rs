//! The Kraskov-Stoegbauer-Grassberger estimator 1 of mutual information, with scikit-learn's
//! conventions (`sklearn.feature_selection._mutual_info._compute_mi_cc`).

use super::digamma::DigammaTable;
use super::queries::{both, Index};
use super::samples::{check_k, check_paired, Samples};
use super::tree::Norm;
use crate::error::KernelError;
use crate::kernels::Options;
use crate::parallel::{self, Work};

/// KSG 1 with the max norm: eps_i is the distance from (x_i, y_i) to its k-th nearest other
/// sample in the joint space, n_x(i) the number of other samples with |x_j - x_i| < eps_i
/// (counted as scikit-learn does: distance <= the float below eps_i, so with eps_i = 0 the
/// samples equal to x_i), n_y(i) likewise, and
/// I = psi(n) + psi(k) - mean psi(n_x + 1) - mean psi(n_y + 1), clipped at 0. In nats.
///
/// Errors: NaN or infinite values, row counts that differ, k = 0 or k >= n.
pub fn knn_mutual_information(
    x: &Samples,
    y: &Samples,
    k: usize,
    options: &Options,
) -> Result<f64, KernelError> {
    x.check_finite()?;
    y.check_finite()?;
    check_paired(x, y)?;
    check_k(k, x.n())?;
    // Neighbour counts are mostly small: tabulating psi up to n would cost n logarithms.
    let table = DigammaTable::new(x.n().min(1 << 12));
    ksg(x, y, None, k, &table, options)
}

/// [`knn_mutual_information`] of each column of `xs` (`n` rows of `p` columns, row-major)
/// against `y`, into `out` (`p` values); the columns run over the pool. Errors as for one
/// column (a bad value is located by its flat index in `xs`).
pub fn knn_mutual_information_many(
    xs: &Samples,
    y: &Samples,
    k: usize,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    xs.check_finite()?;
    y.check_finite()?;
    check_paired(xs, y)?;
    check_k(k, xs.n())?;
    let (n, p) = (xs.n(), xs.d);
    if out.len() != p {
        return Err(KernelError::Layout(format!(
            "the output has {} slots for {p} columns",
            out.len()
        )));
    }
    // Shared by every column: y's index and the digamma table.
    let table = DigammaTable::new(n);
    let y_index = Index::new(y, options)?;
    let report = parallel::schedule(
        Work::new(p, n.saturating_mul(64)),
        options.parallel,
        out,
        &|first, count, part: &mut [f64], _split| {
            for (c, slot) in part.iter_mut().enumerate().take(count) {
                let column: Vec<f64> = xs.column(first + c).collect();
                let x = Samples {
                    name: xs.name,
                    data: &column,
                    d: 1,
                };
                match ksg(&x, y, Some(&y_index), k, &table, options) {
                    Ok(mi) => *slot = mi,
                    Err(error) => return Some(error),
                }
            }
            None
        },
    )?;
    match report {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// The estimate for checked, paired samples (with y's index when it is built already).
fn ksg(
    x: &Samples,
    y: &Samples,
    y_index: Option<&Index>,
    k: usize,
    table: &DigammaTable,
    options: &Options,
) -> Result<f64, KernelError> {
    let n = x.n();
    let d = x.d + y.d;
    let mut joint = Vec::with_capacity(n * d);
    for i in 0..n {
        joint.extend_from_slice(&x.data[i * x.d..(i + 1) * x.d]);
        joint.extend_from_slice(&y.data[i * y.d..(i + 1) * y.d]);
    }
    let joint = Samples {
        name: "(x, y)",
        data: &joint,
        d,
    };
    // The joint search and the marginal indexes do not depend on one another.
    let (eps, marginals) = both(
        n,
        options,
        || Index::new(&joint, options)?.kth_within(k, Norm::Max, options),
        || {
            both(
                n,
                options,
                || Index::new(x, options),
                || {
                    y_index
                        .is_none()
                        .then(|| Index::new(y, options))
                        .transpose()
                },
            )
        },
    )?;
    let eps = eps?;
    let (x_index, own_y) = marginals?;
    let (x_index, own_y) = (x_index?, own_y?);
    let y_index = match (&own_y, y_index) {
        (Some(own), _) => own,
        (None, Some(given)) => given,
        (None, None) => unreachable!("y's index is built when none is given"),
    };
    // scikit-learn counts within np.nextafter(eps, 0): strictly closer than eps, except that
    // a zero eps stays 0 (and then counts the repeats).
    let radius: Vec<f64> = eps
        .iter()
        .map(|&e| if e > 0.0 { e.next_down() } else { 0.0 })
        .collect();
    let nx = x_index.count_within(&radius, options)?;
    let ny = y_index.count_within(&radius, options)?;
    let mean = |counts: &[usize]| counts.iter().map(|&c| table.at(c)).sum::<f64>() / n as f64;
    let mi = table.at(n) + table.at(k) - mean(&nx) - mean(&ny);
    Ok(mi.max(0.0))
}
