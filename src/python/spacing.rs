//! Bindings of the spacing estimators of differential entropy (`kernels::spacing`): entropykit's
//! `differential_entropy` (default axis -1; NaN and infinite values are errors at their
//! position) and SciPy's drop-in (axis 0, `nan_policy`, `keepdims`; infinite values flow through
//! the arithmetic as in SciPy; the result in the input's float dtype).

use super::convert::{self, as_ndarray, check_nan_policy, is_real_number, repr, Reduction};
use super::errors;
use crate::error::KernelError;
use crate::kernels::spacing::{self, Method, Spacing};
use crate::kernels::{NanPolicy, Options};
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

/// `window_length`: None, or an integer (`operator.index`; a bool is refused).
fn window_length(func: &str, window: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    let Some(window) = window.filter(|w| !w.is_none()) else {
        return Ok(None);
    };
    let bad = || {
        PyTypeError::new_err(format!(
            "{func}: window_length must be an integer or None, not {}",
            repr(window)
        ))
    };
    if window.is_instance_of::<PyBool>() {
        return Err(bad());
    }
    let index = window
        .py()
        .import("operator")?
        .call_method1("index", (window,))
        .map_err(|_| bad())?;
    // Beyond i64 is beyond any sample size: keep the sign so the message says which way.
    Ok(Some(index.extract::<i64>().unwrap_or_else(|_| {
        if index.lt(0).unwrap_or(false) {
            i64::MIN
        } else {
            i64::MAX
        }
    })))
}

/// `method`: one of SciPy's names, in any case.
fn method(func: &str, method: &Bound<'_, PyAny>) -> PyResult<Method> {
    method
        .cast::<PyString>()
        .ok()
        .and_then(|name| Method::parse(name.to_str().ok()?))
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "{func}: `method` must be one of 'auto', 'vasicek', 'van es', 'ebrahimi', \
                 'correa', not {}",
                repr(method)
            ))
        })
}

/// One call, either face.
struct Call<'a, 'py> {
    func: &'static str,
    name: &'static str,
    x: &'a Bound<'py, PyAny>,
    window: Option<&'a Bound<'py, PyAny>>,
    method: &'a Bound<'py, PyAny>,
    base: Option<&'a Bound<'py, PyAny>>,
    axis: &'a Bound<'py, PyAny>,
    keepdims: bool,
    nan: NanPolicy,
    /// SciPy's drop-in: infinite values allowed, SciPy's messages, the input's float dtype.
    scipy: bool,
}

impl<'py> Call<'_, 'py> {
    fn run(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (func, name) = (self.func, self.name);
        let mut array = as_ndarray(self.x, name, func)?;
        let kind = array.dtype().kind();
        if kind == b'b' {
            // Booleans are the numbers 0 and 1 (SciPy promotes them to float).
            array = array
                .call_method1("view", ("uint8",))?
                .cast_into::<PyUntypedArray>()?;
        }
        let float_dtype = (kind == b'f').then(|| array.dtype());
        let window = window_length(func, self.window)?;
        let method = method(func, self.method)?;
        let reduction = Reduction::new(
            func,
            [name, name],
            array.as_any(),
            None,
            self.axis,
            self.keepdims,
        )?;
        let base = self.base_value()?;
        let n: usize = reduction
            .reduced
            .iter()
            .map(|&a| reduction.shape[a])
            .product();
        let window = match window {
            Some(w) => Some(
                spacing::check_window(w, n)
                    .map_err(|e| PyValueError::new_err(format!("{func}: {e}")))?,
            ),
            None => None,
        };
        let spec = Spacing {
            method,
            window,
            base,
            nan: self.nan,
            finite_only: !self.scipy,
        };
        let inputs = reduction.inputs()?;
        let mut values = vec![0.0f64; reduction.distributions()];
        let options = Options::default();
        py.detach(|| spacing::differential_entropy(&inputs[0], &spec, &options, &mut values))
            .map_err(|error| self.error(py, &reduction, error))?;
        let result = reduction.finish(py, values)?;
        match float_dtype {
            Some(dtype) if self.scipy => result.call_method1("astype", (dtype,)),
            _ => Ok(result),
        }
    }

    /// `base`: entropykit's rule (finite, > 0, not 1); the drop-in words a base <= 0 as SciPy.
    fn base_value(&self) -> PyResult<Option<f64>> {
        if let Some(base) = self.base.filter(|b| self.scipy && !b.is_none()) {
            if is_real_number(base)? && base.extract::<f64>()? <= 0.0 {
                return Err(PyValueError::new_err(format!(
                    "{}: `base` must be a positive number or `None`, not {}",
                    self.func,
                    repr(base)
                )));
            }
        }
        convert::check_base(self.base, self.func)
    }

    fn error(&self, py: Python<'_>, reduction: &Reduction<'_>, error: KernelError) -> PyErr {
        let (func, name) = (self.func, self.name);
        let Some(bad) = error.bad_entry() else {
            return match error {
                KernelError::Layout(message) => PyValueError::new_err(format!("{func}: {message}")),
                other => errors::plain(other),
            };
        };
        let index = reduction.entry_index(0, bad.distribution, bad.position);
        let at = errors::entry_name(name, &index);
        // Samples, not distributions: the crate's wording for entries does not fit.
        let message = match (bad.kind, self.scipy) {
            // SciPy's words, which its users match, then where.
            ("nan", true) => {
                format!("{func}: The input contains nan values ({at} is NaN; nan_policy='raise')")
            }
            ("nan", false) => format!(
                "{func}: {at} is NaN; samples must be finite (drop NaNs first, e.g. \
                 {name}[~np.isnan({name})])"
            ),
            _ => format!(
                "{func}: {at} = {} is not finite; samples must be finite",
                errors::float_repr(py, bad.value)
            ),
        };
        errors::invalid(py, message, bad.kind, name, &index)
    }
}

/// The m-spacing estimate of the differential entropy of each sample along `axis`.
#[pyfunction]
#[pyo3(signature = (x, window_length, method, base, axis))]
pub fn differential_entropy<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    window_length: Option<&Bound<'py, PyAny>>,
    method: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    Call {
        func: "differential_entropy",
        name: "x",
        x,
        window: window_length,
        method,
        base,
        axis,
        keepdims: false,
        nan: NanPolicy::Raise,
        scipy: false,
    }
    .run(py)
}

/// `scipy.stats.differential_entropy`, with its signature and defaults.
#[pyfunction]
#[pyo3(signature = (values, window_length, base, axis, method, nan_policy, keepdims))]
#[allow(clippy::too_many_arguments)]
pub fn scipy_differential_entropy<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
    window_length: Option<&Bound<'py, PyAny>>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    method: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "differential_entropy";
    Call {
        func,
        name: "values",
        x: values,
        window: window_length,
        method,
        base,
        axis,
        keepdims: keepdims.is_truthy()?,
        nan: check_nan_policy(nan_policy, func)?,
        scipy: true,
    }
    .run(py)
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(module, differential_entropy, scipy_differential_entropy)
}
