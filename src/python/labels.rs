//! Bindings of the label kernels (`kernels::labels`). Arguments arrive normalised by
//! `entropykit._labels`: C-contiguous 1-D arrays of an integer or float dtype (bool viewed as
//! uint8, strings already turned into codes).

use super::{borrow, to_pyerr, Borrowed};
use crate::kernels::labels::{self, Labels};
use crate::kernels::Options;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The contiguous 1-D data of a borrowed array, as labels.
fn labels_of<'a>(array: &'a Borrowed<'_>) -> PyResult<Labels<'a>> {
    Ok(match array {
        Borrowed::F64(a) => Labels::F64(a.as_slice()?),
        Borrowed::F32(a) => Labels::F32(a.as_slice()?),
        Borrowed::I64(a) => Labels::I64(a.as_slice()?),
        Borrowed::I32(a) => Labels::I32(a.as_slice()?),
        Borrowed::I16(a) => Labels::I16(a.as_slice()?),
        Borrowed::I8(a) => Labels::I8(a.as_slice()?),
        Borrowed::U64(a) => Labels::U64(a.as_slice()?),
        Borrowed::U32(a) => Labels::U32(a.as_slice()?),
        Borrowed::U16(a) => Labels::U16(a.as_slice()?),
        Borrowed::U8(a) => Labels::U8(a.as_slice()?),
    })
}

fn one_dimensional(array: &Borrowed<'_>) -> PyResult<()> {
    use numpy::PyUntypedArrayMethods;
    let ndim = match array {
        Borrowed::F64(a) => a.ndim(),
        Borrowed::F32(a) => a.ndim(),
        Borrowed::I64(a) => a.ndim(),
        Borrowed::I32(a) => a.ndim(),
        Borrowed::I16(a) => a.ndim(),
        Borrowed::I8(a) => a.ndim(),
        Borrowed::U64(a) => a.ndim(),
        Borrowed::U32(a) => a.ndim(),
        Borrowed::U16(a) => a.ndim(),
        Borrowed::U8(a) => a.ndim(),
    };
    if ndim == 1 {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "labels must be 1-D, not {ndim}-D"
        )))
    }
}

/// Plug-in entropy, in nats, of the labels in the 1-D contiguous array `x`.
#[pyfunction]
pub(super) fn entropy_labels(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<f64> {
    let x = borrow(x)?;
    one_dimensional(&x)?;
    let x = labels_of(&x)?;
    py.detach(|| labels::entropy_labels(x, &Options::default()))
        .map_err(to_pyerr)
}

/// Mutual information, in nats, of the labels in the 1-D contiguous arrays `x` and `y`.
#[pyfunction]
pub(super) fn mutual_information_labels(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let (x, y) = (borrow(x)?, borrow(y)?);
    one_dimensional(&x)?;
    one_dimensional(&y)?;
    let (x, y) = (labels_of(&x)?, labels_of(&y)?);
    py.detach(|| labels::mutual_information_labels(x, y, &Options::default()))
        .map_err(to_pyerr)
}

/// Codes (uint32, by first appearance) for the fixed-width records of the contiguous bytes
/// `data`, `width` bytes each (a NumPy `S` or `U` array viewed as uint8), and how many are
/// distinct.
#[pyfunction]
pub(super) fn factorize_records<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, u8>,
    width: usize,
) -> PyResult<(Bound<'py, PyArray1<u32>>, usize)> {
    let bytes = data.as_slice()?;
    let (codes, distinct) = py
        .detach(|| labels::factorize_records(bytes, width, &Options::default()))
        .map_err(to_pyerr)?;
    Ok((PyArray1::from_vec(py, codes), distinct))
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        entropy_labels,
        factorize_records,
        mutual_information_labels
    )
}
