//! Bindings of the count kernels (`kernels::counts`) and the Gaussian kernels
//! (`kernels::gaussian`). Arguments arrive normalised by `entropykit._counts`: counts as a view
//! in any supported dtype and strides with the batch axes first; Gaussian parameters as flat
//! C-contiguous float64 arrays, already broadcast to one another.

use super::{borrow, to_pyerr};
use crate::kernels::counts::{self, CountMeasure};
use crate::kernels::gaussian;
use crate::Options;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// One value per distribution of `counts` (its first `batch_dims` dimensions index
/// distributions, the rest are reduced): `measure` is "plugin", "miller_madow", "james_stein",
/// "chao_shen" or "boltzmann".
#[pyfunction]
#[pyo3(signature = (measure, counts, batch_dims, base))]
pub(super) fn counts_reduce<'py>(
    py: Python<'py>,
    measure: &str,
    counts: &Bound<'py, PyAny>,
    batch_dims: usize,
    base: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let measure = CountMeasure::parse(measure)
        .ok_or_else(|| PyValueError::new_err(format!("unknown count measure {measure:?}")))?;
    let counts = borrow(counts)?;
    let input = counts.input(batch_dims)?;
    let distributions: usize = input.batch_shape().iter().product();
    let options = Options::default();
    let out = py
        .detach(|| {
            let mut out = vec![0.0; distributions];
            counts::count_reduce(measure, &input, base, &options, &mut out).map(|()| out)
        })
        .map_err(to_pyerr)?;
    Ok(PyArray1::from_vec(py, out))
}

/// `rows` differential entropies: `kind` "sigma" (one per standard deviation in `x`), "diag" (one
/// per row of `d` variances) or "full" (one per row-major d x d covariance).
#[pyfunction]
#[pyo3(signature = (kind, x, rows, d, base))]
pub(super) fn gaussian_entropy_rows<'py>(
    py: Python<'py>,
    kind: &str,
    x: PyReadonlyArray1<'py, f64>,
    rows: usize,
    d: usize,
    base: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let x = x.as_slice()?;
    let options = Options::default();
    if !matches!(kind, "sigma" | "diag" | "full") {
        return Err(PyValueError::new_err(format!("unknown kind {kind:?}")));
    }
    let out = py
        .detach(|| {
            let mut out = vec![0.0; rows];
            match kind {
                "sigma" => gaussian::entropy_sigma(x, base, &options, &mut out),
                "diag" => gaussian::entropy_diag(x, d, base, &options, &mut out),
                _ => gaussian::entropy_full(x, d, base, &options, &mut out),
            }
            .map(|()| out)
        })
        .map_err(to_pyerr)?;
    Ok(PyArray1::from_vec(py, out))
}

/// `rows` values of KL(N1 ‖ N2): per element ("sigma": standard deviations), per row of `d` ("diag": variances) or
/// per pair of d x d covariances ("full"); the four arrays are flat and already broadcast.
#[pyfunction]
#[pyo3(signature = (kind, mu1, s1, mu2, s2, rows, d, base))]
#[allow(clippy::too_many_arguments)]
pub(super) fn gaussian_kl_rows<'py>(
    py: Python<'py>,
    kind: &str,
    mu1: PyReadonlyArray1<'py, f64>,
    s1: PyReadonlyArray1<'py, f64>,
    mu2: PyReadonlyArray1<'py, f64>,
    s2: PyReadonlyArray1<'py, f64>,
    rows: usize,
    d: usize,
    base: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let args = [
        mu1.as_slice()?,
        s1.as_slice()?,
        mu2.as_slice()?,
        s2.as_slice()?,
    ];
    let options = Options::default();
    if !matches!(kind, "sigma" | "diag" | "full") {
        return Err(PyValueError::new_err(format!("unknown kind {kind:?}")));
    }
    let out = py
        .detach(|| {
            let mut out = vec![0.0; rows];
            match kind {
                "sigma" => gaussian::kl_sigma(args, base, &options, &mut out),
                "diag" => gaussian::kl_diag(args, d, base, &options, &mut out),
                _ => gaussian::kl_full(args, d, base, &options, &mut out),
            }
            .map(|()| out)
        })
        .map_err(to_pyerr)?;
    Ok(PyArray1::from_vec(py, out))
}
