//! Kernel errors as the documented Python exceptions: `InvalidDistributionError` (from the small
//! `entropykit._errors` module both paths share) with `.kind`, `.arg` and `.index`, NumPy's
//! `AxisError`, and plain `ValueError` / `RuntimeError` for the rest.

use crate::error::{BadEntry, KernelError};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyTuple};

pyo3::import_exception!(entropykit._errors, InvalidDistributionError);
pyo3::import_exception!(numpy.exceptions, AxisError);

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

/// The exception for a refused entry `at` (e.g. `p[1, 2]`, located by the caller) of argument
/// `arg`, raised by `func`; `index` is what the exception carries as its location.
pub fn bad_entry(
    py: Python<'_>,
    func: &str,
    at: &str,
    bad: &BadEntry,
    arg: &str,
    index: &[usize],
) -> PyErr {
    let message = match bad.kind {
        "nan" => format!("{func}: {at} is NaN (nan_policy='raise')"),
        "infinite" => format!(
            "{func}: {at} = {} is not finite; entries must be finite",
            float_repr(py, bad.value)
        ),
        _ => format!(
            "{func}: {at} = {} is negative; entries must be >= 0",
            float_repr(py, bad.value)
        ),
    };
    invalid(py, message, bad.kind, arg, index)
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

/// An error that needs no location in the caller's coordinates: a layout the binding got wrong
/// or a data error of a kernel whose group locates none (ValueError with the kernel's message),
/// or a thread pool that could not be built (RuntimeError).
pub fn plain(error: KernelError) -> PyErr {
    match error {
        KernelError::ThreadPool(_) => PyRuntimeError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
    }
}
