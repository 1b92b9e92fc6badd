//! Bindings of the k-NN estimators (`kernels::knn`): samples of shape (n,) or (n, d), any float or
//! integer dtype, handed to the kernels as row-major float64 (read in place when they already
//! are; the kernels copy them into their own search order anyway).

use super::convert::{as_ndarray, check_base, float64, repr, tuple_repr, unravel, Operand};
use super::errors::{entry_name, invalid};
use crate::error::KernelError;
use crate::kernels::knn::{self, Samples};
use crate::kernels::Options;
use numpy::{PyArray1, PyArrayDescrMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBool;

/// A samples argument: its shape as given, and the coordinates per row.
struct SampleArg<'py> {
    name: &'static str,
    operand: Operand<'py>,
    shape: Vec<usize>,
    d: usize,
}

impl<'py> SampleArg<'py> {
    /// `obj` as samples: 1-D (n,) is n samples of one coordinate, 2-D (n, d) n of d;
    /// `two_d` asks for the 2-D form only.
    fn new(obj: &Bound<'py, PyAny>, name: &'static str, func: &str, two_d: bool) -> PyResult<Self> {
        let array = as_ndarray(obj, name, func)?;
        let descr = array.dtype();
        let (kind, size) = (descr.kind(), descr.itemsize());
        if !matches!(kind, b'f' | b'i' | b'u') {
            return Err(PyTypeError::new_err(format!(
                "{func}: {name} has dtype {descr}; expected a float or integer dtype"
            )));
        }
        let operand = if kind == b'f' && !matches!(size, 2 | 4 | 8) {
            // long double: rounded to float64 as the computation is.
            Operand::new(&array.call_method1("astype", ("float64",))?, name, func)?
        } else {
            Operand::new(array.as_any(), name, func)?
        };
        let shape = operand.shape().to_vec();
        let d = match (shape.len(), two_d) {
            (1, false) => 1,
            (2, _) => shape[1],
            _ => {
                let want = if two_d { "(n, p)" } else { "(n,) or (n, d)" };
                return Err(PyValueError::new_err(format!(
                    "{func}: {name} must have shape {want}, not {}",
                    tuple_repr(&shape)
                )));
            }
        };
        if d == 0 {
            return Err(PyValueError::new_err(format!(
                "{func}: {name} has shape {}; samples need at least one coordinate",
                tuple_repr(&shape)
            )));
        }
        Ok(SampleArg {
            name,
            operand,
            shape,
            d,
        })
    }
}

/// `k` as `operator.index` reads it (a bool is refused), at least 1.
fn read_k(k: &Bound<'_, PyAny>, func: &str) -> PyResult<usize> {
    let refuse = || {
        PyTypeError::new_err(format!(
            "{func}: k must be an integer >= 1, not {}",
            repr(k)
        ))
    };
    if k.is_instance_of::<PyBool>() {
        return Err(refuse());
    }
    let index = k
        .py()
        .import("operator")?
        .getattr("index")?
        .call1((k,))
        .map_err(|_| refuse())?;
    let value: i128 = index.extract()?;
    if value < 1 {
        return Err(PyValueError::new_err(format!(
            "{func}: k must be an integer >= 1, not {value}"
        )));
    }
    Ok(usize::try_from(value).unwrap_or(usize::MAX))
}

/// The exception for a kernel error: a bad value named by its index in the caller's array.
fn knn_error(py: Python<'_>, func: &str, args: &[&SampleArg<'_>], error: KernelError) -> PyErr {
    match error {
        KernelError::BadParameter { arg, index, value } => {
            let shape = args
                .iter()
                .find(|a| a.name == arg)
                .map(|a| a.shape.clone())
                .unwrap_or_default();
            let index = unravel(&shape, index);
            let at = entry_name(arg, &index);
            let (kind, what) = if value.is_nan() {
                ("nan", "is NaN".to_string())
            } else {
                ("infinite", format!("= {value:?} is not finite"))
            };
            let message = format!("{func}: {at} {what}; samples must be finite");
            invalid(py, message, kind, arg, &index)
        }
        KernelError::ThreadPool(message) => PyRuntimeError::new_err(message),
        other => PyValueError::new_err(format!("{func}: {other}")),
    }
}

/// The samples as row-major float64 (in place when they already are), then `run` on them with
/// the GIL released.
fn with_samples<'py, R: Send>(
    py: Python<'py>,
    func: &str,
    args: &[&SampleArg<'py>],
    run: impl FnOnce(&[Samples<'_>]) -> Result<R, KernelError> + Send,
) -> PyResult<R> {
    let inputs = args
        .iter()
        .map(|a| a.operand.broadcast(&a.shape))
        .collect::<PyResult<Vec<_>>>()?;
    let names: Vec<(&'static str, usize)> = args.iter().map(|a| (a.name, a.d)).collect();
    py.detach(|| {
        let mut bufs: Vec<Vec<f64>> = vec![Vec::new(); inputs.len()];
        for (input, buf) in inputs.iter().zip(bufs.iter_mut()) {
            if !input.is_direct::<f64>() {
                buf.resize(input.reduce_len(), 0.0);
            }
        }
        let mut samples = Vec::with_capacity(inputs.len());
        for ((input, buf), &(name, d)) in inputs.iter().zip(bufs.iter_mut()).zip(&names) {
            let len = input.reduce_len();
            samples.push(Samples::new(name, input.fetch_f64(0, 0, len, buf), d)?);
        }
        run(&samples)
    })
    .map_err(|e| knn_error(py, func, args, e))
}

/// Kozachenko-Leonenko entropy of samples.
#[pyfunction]
#[pyo3(signature = (x, k, base))]
pub fn knn_entropy<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "knn_entropy";
    let x = SampleArg::new(x, "x", func, false)?;
    let k = read_k(k, func)?;
    let base = check_base(base, func)?;
    let options = Options::default();
    let h = with_samples(py, func, &[&x], |s| {
        knn::knn_entropy(&s[0], k, base, &options)
    })?;
    float64(py, h)
}

/// KSG mutual information between paired samples.
#[pyfunction]
#[pyo3(signature = (x, y, k))]
pub fn knn_mutual_information<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "knn_mutual_information";
    let x = SampleArg::new(x, "x", func, false)?;
    let y = SampleArg::new(y, "y", func, false)?;
    let k = read_k(k, func)?;
    let options = Options::default();
    let mi = with_samples(py, func, &[&x, &y], |s| {
        knn::knn_mutual_information(&s[0], &s[1], k, &options)
    })?;
    float64(py, mi)
}

/// KSG mutual information of every column of `X` with `y`.
#[pyfunction]
#[pyo3(signature = (X, y, k))]
#[allow(non_snake_case)]
pub fn knn_mutual_information_many<'py>(
    py: Python<'py>,
    X: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "knn_mutual_information_many";
    let xs = SampleArg::new(X, "X", func, true)?;
    let y = SampleArg::new(y, "y", func, false)?;
    let k = read_k(k, func)?;
    let options = Options::default();
    let p = xs.d;
    let values = with_samples(py, func, &[&xs, &y], |s| {
        let mut out = vec![0.0; p];
        knn::knn_mutual_information_many(&s[0], &s[1], k, &options, &mut out).map(|()| out)
    })?;
    Ok(PyArray1::from_vec(py, values).into_any())
}

/// Wang-Kulkarni-Verdu KL divergence between two sample sets.
#[pyfunction]
#[pyo3(signature = (x, y, k))]
pub fn knn_kl_divergence<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "knn_kl_divergence";
    let x = SampleArg::new(x, "x", func, false)?;
    let y = SampleArg::new(y, "y", func, false)?;
    let k = read_k(k, func)?;
    let options = Options::default();
    let kl = with_samples(py, func, &[&x, &y], |s| {
        knn::knn_kl_divergence(&s[0], &s[1], k, &options)
    })?;
    float64(py, kl)
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        knn_entropy,
        knn_mutual_information,
        knn_mutual_information_many,
        knn_kl_divergence
    )
}
