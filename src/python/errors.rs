//! Kernel errors as the documented Python exceptions: `InvalidDistributionError` (from the small
//! `entropykit._errors` module both paths share) with `.kind`, `.arg` and `.index`, NumPy's
//! `AxisError`, and plain `ValueError` / `RuntimeError` for the rest.

use crate::error::KernelError;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyTuple};

pyo3::import_exception!(entropykit._errors, InvalidDistributionError);
pyo3::import_exception!(numpy.exceptions, AxisError);

pyo3::create_exception!(
    _core,
    KernelInputError,
    PyValueError,
    "Bad data found by a kernel: args are (message, kind, arg, distribution, position, value)."
);

/// `InvalidDistributionError(message, kind, arg, index)`.
pub fn invalid(py: Python<'_>, message: String, kind: &str, arg: &str, index: &[usize]) -> PyErr {
    match PyTuple::new(py, index) {
        Ok(index) => InvalidDistributionError::new_err((
            message,
            kind.to_string(),
            arg.to_string(),
            index.unbind(),
        )),
        Err(error) => error,
    }
}

/// `p[1, 2]`, or `p` for a 0-d argument.
pub fn entry_name(name: &str, index: &[usize]) -> String {
    if index.is_empty() {
        return name.to_string();
    }
    let items: Vec<String> = index.iter().map(|i| i.to_string()).collect();
    format!("{name}[{}]", items.join(", "))
}

/// `repr(float(value))`, as the messages have always printed values.
pub fn float_repr(py: Python<'_>, value: f64) -> String {
    PyFloat::new(py, value)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| format!("{value:?}"))
}

/// NumPy's `AxisError(axis, ndim, func)`.
pub fn axis_error(py: Python<'_>, axis: Bound<'_, PyAny>, ndim: usize, func: &str) -> PyErr {
    let _ = py;
    AxisError::new_err((axis.unbind(), ndim, func.to_string()))
}

/// An error that needs no location in the caller's coordinates.
pub fn plain(error: KernelError) -> PyErr {
    let message = error.to_string();
    // Bad data from the kernels that are not yet located here: (message, kind, arg,
    // distribution, position, value), turned into an InvalidDistributionError by their module.
    let (kind, arg, distribution, position, value) = match error {
        KernelError::Negative {
            arg,
            distribution,
            position,
            value,
        } => ("negative", arg, distribution, position, value),
        KernelError::Infinite {
            arg,
            distribution,
            position,
            value,
        } => ("infinite", arg, distribution, position, value),
        KernelError::Nan {
            arg,
            distribution,
            position,
        } => ("nan", arg, distribution, position, f64::NAN),
        KernelError::OutOfRange {
            arg,
            distribution,
            position,
            value,
        } => ("out_of_range", arg, distribution, position, value),
        KernelError::ZeroMass { arg, distribution } => ("zero_mass", arg, distribution, 0, 0.0),
        KernelError::NotWhole {
            arg,
            distribution,
            position,
            value,
        } => ("not_whole", arg, distribution, position, value),
        KernelError::BadParameter { arg, index, value } => {
            return KernelInputError::new_err((message, "bad_parameter", arg, index, 0usize, value))
        }
        KernelError::NotPositiveDefinite { arg, matrix, pivot } => {
            return KernelInputError::new_err((
                message,
                "not_positive_definite",
                arg,
                matrix,
                pivot,
                f64::NAN,
            ))
        }
        KernelError::Layout(_) => return PyValueError::new_err(message),
        KernelError::ThreadPool(_) => return PyRuntimeError::new_err(message),
    };
    KernelInputError::new_err((message, kind, arg.name(), distribution, position, value))
}
