//! Binding of the elementwise kernels (`kernels::elementwise`). Arguments arrive normalised by
//! `entropykit._elementwise`: 1-D C-contiguous arrays of one float dtype (float32 or float64),
//! each as long as the output or of length 1, and a fresh output of that dtype.

use super::to_pyerr;
use crate::kernels::elementwise::{self as kernel, Function, Storage};
use crate::kernels::Options;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

fn run<E: Storage + numpy::Element>(
    py: Python<'_>,
    function: Function,
    x: &Bound<'_, PyAny>,
    y: Option<&Bound<'_, PyAny>>,
    base: Option<f64>,
    out: &Bound<'_, PyArray1<E>>,
) -> PyResult<()> {
    let wrong = |what: &str| PyTypeError::new_err(format!("{what} must have the output's dtype"));
    let x = x
        .cast::<PyArray1<E>>()
        .map_err(|_| wrong("x"))?
        .try_readonly()?;
    let y = y
        .map(|y| {
            y.cast::<PyArray1<E>>()
                .map_err(|_| wrong("y"))
                .and_then(|a| Ok(a.try_readonly()?))
        })
        .transpose()?;
    let mut out = out.try_readwrite()?;
    let xs = x.as_slice()?;
    let ys = match &y {
        Some(y) => y.as_slice()?,
        None => &[],
    };
    let os = out.as_slice_mut()?;
    let options = Options::default();
    py.detach(|| kernel::elementwise(function, xs, ys, base, &options, os))
        .map_err(to_pyerr)
}

/// Writes `function(x, y)` elementwise to `out`: "entr", "rel_entr", "kl_div", "xlogy",
/// "binary_entropy" or "surprisal". `x`, `y` (None for one-argument functions) and `out` are 1-D
/// C-contiguous arrays of one dtype, float32 or float64; `x` and `y` have `out`'s length or 1.
#[pyfunction]
#[pyo3(signature = (function, x, y, base, out))]
pub(super) fn elementwise<'py>(
    py: Python<'py>,
    function: &str,
    x: &Bound<'py, PyAny>,
    y: Option<&Bound<'py, PyAny>>,
    base: Option<f64>,
    out: &Bound<'py, PyAny>,
) -> PyResult<()> {
    let function = Function::parse(function)
        .ok_or_else(|| PyValueError::new_err(format!("unknown function {function:?}")))?;
    if function.is_binary() != y.is_some() {
        return Err(PyValueError::new_err(format!(
            "{} takes {} argument(s)",
            function.name(),
            if function.is_binary() { 2 } else { 1 }
        )));
    }
    if let Ok(out) = out.cast::<PyArray1<f64>>() {
        run(py, function, x, y, base, out)
    } else if let Ok(out) = out.cast::<PyArray1<f32>>() {
        run(py, function, x, y, base, out)
    } else {
        Err(PyTypeError::new_err(format!(
            "out must be a 1-D float32 or float64 array, not {}",
            out.get_type().name()?
        )))
    }
}
