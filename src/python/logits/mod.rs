//! Bindings of the losses and measures on logits (`kernels::logits`), with their argument rules:
//! each function takes the caller's raw arguments, checks them in the order and with the
//! messages of the NumPy twins, reads the logits in place (or a block of rows at a time when they
//! need a conversion), runs the kernel with the GIL released and shapes the result.

mod arrays;

use self::arrays::{by_blocks, may_overlap, numpy_sum, Arr, Compute, Layout, BLOCK_ENTRIES};
use super::convert::{cached, float64, repr, tuple_repr, unravel};
use super::errors::{axis_error, entry_name, float_repr};
use crate::error::KernelError;
use crate::kernels::logits::{self, BinaryKind, Factor, RowOp};
use crate::kernels::Options;
use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyTuple};
use std::sync::atomic::Ordering;

static NUMPY_BOOL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMPY_NUMBER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A kernel error that the checks here should have made impossible.
fn kernel_error(error: KernelError) -> PyErr {
    match error {
        KernelError::ThreadPool(message) => PyRuntimeError::new_err(message),
        other => PyValueError::new_err(other.to_string()),
    }
}

fn is_bool(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.is_instance_of::<PyBool>()
        || obj.is_instance(cached(obj.py(), &NUMPY_BOOL, "numpy", "bool_")?)?)
}

/// `operator.index(obj)`, or `bad()` if it has none (a bool is refused too).
fn as_index<'py>(obj: &Bound<'py, PyAny>, bad: impl Fn() -> PyErr) -> PyResult<Bound<'py, PyAny>> {
    if obj.is_exact_instance_of::<PyInt>() {
        return Ok(obj.clone());
    }
    if is_bool(obj)? {
        return Err(bad());
    }
    cached(obj.py(), &OPERATOR_INDEX, "operator", "index")?
        .call1((obj,))
        .map_err(|_| bad())
}

/// `reduction`: "none", "sum" or "mean", parsed once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reduce {
    None,
    Sum,
    Mean,
}

impl Reduce {
    fn parse(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<Self> {
        if let Ok(name) = obj.cast::<PyString>() {
            match name.to_str()? {
                "none" => return Ok(Reduce::None),
                "sum" => return Ok(Reduce::Sum),
                "mean" => return Ok(Reduce::Mean),
                _ => {}
            }
        }
        Err(PyValueError::new_err(format!(
            "{func}: reduction must be 'none', 'sum' or 'mean', not {}",
            repr(obj)
        )))
    }
}

/// A float array (float16, float32, float64 or bfloat16), in native byte order.
fn float_arg<'py>(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Arr<'py>> {
    let arr = Arr::new(obj, name, func)?;
    if !arr.is_float() {
        return Err(PyTypeError::new_err(format!(
            "{func}: {name} has dtype {}; expected float16, float32, float64 or bfloat16",
            arr.dtype()
        )));
    }
    arr.readable()
}

/// Logits: a float array of at least one dimension.
fn logits_arg<'py>(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Arr<'py>> {
    let arr = float_arg(obj, name, func)?;
    if arr.ndim() == 0 {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} must have at least one dimension (the classes)"
        )));
    }
    Ok(arr)
}

/// The class axis: an int in [-ndim, ndim), made non-negative.
fn class_axis(axis: &Bound<'_, PyAny>, ndim: usize, func: &str) -> PyResult<usize> {
    let bad = || PyTypeError::new_err(format!("{func}: axis must be an int, not {}", repr(axis)));
    let index = as_index(axis, bad)?;
    let n = ndim as i128;
    match index.extract::<i128>() {
        Ok(a) if (-n..n).contains(&a) => Ok(a.rem_euclid(n) as usize),
        _ => Err(axis_error(axis.py(), index, ndim, func)),
    }
}

/// `arr`'s rows along `axis`; an empty class axis is an error.
fn rows_of<'a>(arr: &'a Arr<'_>, axis: usize, func: &str, name: &str) -> PyResult<Layout<'a>> {
    if arr.shape()[axis] == 0 {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} has no classes (axis {axis} has length 0)"
        )));
    }
    Ok(arr.rows(axis))
}

/// The shape without `axis`.
fn batch_shape(shape: &[usize], axis: usize) -> Vec<usize> {
    let mut batch = shape.to_vec();
    batch.remove(axis);
    batch
}

/// Per-row float64 values in `shape`: a NumPy scalar for a 1-D input (empty batch) unless
/// `scalar` is false, when it is a 0-d array.
fn shaped<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    shape: &[usize],
    scalar: bool,
) -> PyResult<Bound<'py, PyAny>> {
    if scalar && shape.is_empty() {
        return float64(py, values[0]);
    }
    Ok(PyArray1::from_vec(py, values).reshape(shape)?.into_any())
}

/// What each row computes (the block-independent part of a `RowOp`).
#[derive(Clone, Copy)]
enum RowKind<'a, E> {
    LogSumExp,
    Entropy,
    /// With q's rows as the second input.
    Kl,
    CrossEntropyIndex {
        target: &'a [i64],
        weight: Option<&'a [E]>,
        ignore_index: Option<i64>,
        eps: f64,
    },
    /// With the probability rows as the second input.
    CrossEntropyProb {
        weight: Option<&'a [E]>,
        eps: f64,
    },
}

/// One value per row (and, for class-index cross-entropy, each row's weight in a mean).
fn row_values<E: Compute>(
    py: Python<'_>,
    kind: RowKind<'_, E>,
    inputs: &[&Layout<'_>],
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let rows = inputs[0].rows();
    let classes = inputs[0].len;
    let with_weights = matches!(kind, RowKind::CrossEntropyIndex { .. });
    py.detach(|| {
        let mut values = vec![0.0; rows];
        let mut weights = vec![0.0; if with_weights { rows } else { 0 }];
        by_blocks::<E, _>(inputs, rows, |first, n, data| {
            let op = match kind {
                RowKind::LogSumExp => RowOp::LogSumExp,
                RowKind::Entropy => RowOp::Entropy,
                RowKind::Kl => RowOp::KlDivergence { q: data[1] },
                RowKind::CrossEntropyIndex {
                    target,
                    weight,
                    ignore_index,
                    eps,
                } => RowOp::CrossEntropyIndex {
                    target: &target[first..first + n],
                    weight,
                    ignore_index,
                    label_smoothing: eps,
                },
                RowKind::CrossEntropyProb { weight, eps } => RowOp::CrossEntropyProb {
                    target: data[1],
                    weight,
                    label_smoothing: eps,
                },
            };
            let w = if with_weights {
                &mut weights[first..first + n]
            } else {
                &mut [][..]
            };
            let v = &mut values[first..first + n];
            logits::rows(op, data[0], classes, &Options::default(), v, w)
        })
        .map(|()| (values, weights))
    })
    .map_err(kernel_error)
}

/// log(sum(exp(x))) along `axis`.
#[pyfunction]
#[pyo3(signature = (x, axis, keepdims))]
pub(super) fn logsumexp<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    const FUNC: &str = "logsumexp";
    let arr = logits_arg(x, "x", FUNC)?;
    let a = class_axis(axis, arr.ndim(), FUNC)?;
    let rows = rows_of(&arr, a, FUNC, "x")?;
    let (values, _) = if arr.is_f64() {
        row_values::<f64>(py, RowKind::LogSumExp, &[&rows])?
    } else {
        row_values::<f32>(py, RowKind::LogSumExp, &[&rows])?
    };
    if keepdims.is_truthy()? {
        let mut shape = arr.shape().to_vec();
        shape[a] = 1;
        return shaped(py, values, &shape, false);
    }
    shaped(py, values, &batch_shape(arr.shape(), a), true)
}

/// Entropy of softmax(logits) along `axis`.
#[pyfunction]
#[pyo3(signature = (logits, axis))]
pub(super) fn entropy_from_logits<'py>(
    py: Python<'py>,
    logits: &Bound<'py, PyAny>,
    axis: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    const FUNC: &str = "entropy_from_logits";
    let arr = logits_arg(logits, "logits", FUNC)?;
    let a = class_axis(axis, arr.ndim(), FUNC)?;
    let rows = rows_of(&arr, a, FUNC, "logits")?;
    let (values, _) = if arr.is_f64() {
        row_values::<f64>(py, RowKind::Entropy, &[&rows])?
    } else {
        row_values::<f32>(py, RowKind::Entropy, &[&rows])?
    };
    shaped(py, values, &batch_shape(arr.shape(), a), true)
}

/// KL(softmax(logits_p) || softmax(logits_q)) along `axis`.
#[pyfunction]
#[pyo3(signature = (logits_p, logits_q, axis))]
pub(super) fn kl_divergence_from_logits<'py>(
    py: Python<'py>,
    logits_p: &Bound<'py, PyAny>,
    logits_q: &Bound<'py, PyAny>,
    axis: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    const FUNC: &str = "kl_divergence_from_logits";
    let p = logits_arg(logits_p, "logits_p", FUNC)?;
    let q = logits_arg(logits_q, "logits_q", FUNC)?;
    if p.shape() != q.shape() {
        return Err(PyValueError::new_err(format!(
            "{FUNC}: logits_p {} and logits_q {} differ in shape",
            tuple_repr(p.shape()),
            tuple_repr(q.shape())
        )));
    }
    let a = class_axis(axis, p.ndim(), FUNC)?;
    let rows_p = rows_of(&p, a, FUNC, "logits_p")?;
    let rows_q = rows_of(&q, a, FUNC, "logits_q")?;
    let (values, _) = if p.is_f64() {
        row_values::<f64>(py, RowKind::Kl, &[&rows_p, &rows_q])?
    } else {
        row_values::<f32>(py, RowKind::Kl, &[&rows_p, &rows_q])?
    };
    shaped(py, values, &batch_shape(p.shape(), a), true)
}

/// `out` of log_softmax: an ndarray of x's shape in the compute dtype, writeable.
fn check_out<'py>(
    out: &Bound<'py, PyAny>,
    shape: &[usize],
    dtype: &str,
    size: usize,
    func: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let Ok(array) = out.cast::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "{func}: out must be a NumPy array, not {}",
            out.get_type().name()?
        )));
    };
    let descr = array.dtype();
    let same_dtype = descr.kind() == b'f'
        && descr.itemsize() == size
        && descr.is_native_byteorder().unwrap_or(true);
    if array.shape() != shape || !same_dtype {
        return Err(PyValueError::new_err(format!(
            "{func}: out has shape {} and dtype {descr}; expected {} and {dtype}",
            tuple_repr(array.shape()),
            tuple_repr(shape)
        )));
    }
    // SAFETY: reading the flags of a live ndarray object.
    let flags = unsafe { (*array.as_array_ptr()).fields.flags };
    if flags & numpy::npyffi::NPY_ARRAY_WRITEABLE == 0 {
        return Err(PyValueError::new_err(format!("{func}: out is read-only")));
    }
    Ok(array.clone())
}

/// Writes log_softmax of `rows` to `out` (row-major, rows x classes).
fn log_softmax_into<E: Compute>(py: Python<'_>, rows: &Layout<'_>, out: &mut [E]) -> PyResult<()> {
    let classes = rows.len;
    py.detach(|| {
        by_blocks::<E, _>(&[rows], rows.rows(), |first, n, data| {
            let part = &mut out[first * classes..(first + n) * classes];
            logits::log_softmax(data[0], classes, &Options::default(), part)
        })
    })
    .map_err(kernel_error)
}

fn log_softmax_in<'py, E: Compute>(
    py: Python<'py>,
    arr: &Arr<'py>,
    axis: usize,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    const FUNC: &str = "log_softmax";
    let rows = rows_of(arr, axis, FUNC, "x")?;
    let out = match out {
        Some(o) => Some((
            o,
            check_out(o, arr.shape(), E::NAME, std::mem::size_of::<E>(), FUNC)?,
        )),
        None => None,
    };
    let last = axis == arr.ndim() - 1;
    if let Some((object, array)) = &out {
        if last && array.is_c_contiguous() && !may_overlap(array, &arr.array) {
            let typed = array.cast::<PyArrayDyn<E>>()?;
            let mut write = typed.try_readwrite()?;
            log_softmax_into(py, &rows, write.as_slice_mut()?)?;
            return Ok((*object).clone());
        }
    }
    let mut values = vec![E::ZERO; rows.rows() * rows.len];
    log_softmax_into(py, &rows, &mut values)?;
    let mut moved = batch_shape(arr.shape(), axis);
    moved.push(rows.len);
    let mut result = PyArray1::from_vec(py, values).reshape(moved)?.into_any();
    if !last {
        let ndim = arr.ndim();
        let mut order: Vec<usize> = (0..ndim - 1).collect();
        order.insert(axis, ndim - 1);
        result = result.call_method1("transpose", (PyTuple::new(py, order)?,))?;
    }
    match out {
        None => Ok(result),
        Some((object, _)) => {
            object.set_item(py.Ellipsis(), result)?;
            Ok(object.clone())
        }
    }
}

/// x - logsumexp(x) along `axis`, optionally into `out`.
#[pyfunction]
#[pyo3(signature = (x, axis, out))]
pub(super) fn log_softmax<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    axis: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    const FUNC: &str = "log_softmax";
    let arr = logits_arg(x, "x", FUNC)?;
    let a = class_axis(axis, arr.ndim(), FUNC)?;
    if arr.is_f64() {
        log_softmax_in::<f64>(py, &arr, a, out)
    } else {
        log_softmax_in::<f32>(py, &arr, a, out)
    }
}

/// `label_smoothing`: a real number (not a bool) in [0, 1].
fn check_label_smoothing(eps: &Bound<'_, PyAny>, func: &str) -> PyResult<f64> {
    if eps.is_exact_instance_of::<PyFloat>() {
        let value: f64 = eps.extract()?;
        if (0.0..=1.0).contains(&value) {
            return Ok(value);
        }
    } else {
        let number = !is_bool(eps)?
            && (eps.is_instance_of::<PyInt>()
                || eps.is_instance_of::<PyFloat>()
                || eps.is_instance(cached(eps.py(), &NUMPY_NUMBER, "numpy", "number")?)?);
        if !number {
            return Err(PyTypeError::new_err(format!(
                "{func}: label_smoothing must be a float in [0, 1], not {}",
                repr(eps)
            )));
        }
        let value: f64 = eps.extract()?;
        if (0.0..=1.0).contains(&value) {
            return Ok(value);
        }
    }
    Err(PyValueError::new_err(format!(
        "{func}: label_smoothing must be in [0, 1], not {}",
        repr(eps)
    )))
}

/// `ignore_index`: None or an int (`i128::MAX` for one too large to match any target).
fn check_ignore_index(ignore: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<i128>> {
    let Some(ignore) = ignore else {
        return Ok(None);
    };
    let bad = || {
        PyTypeError::new_err(format!(
            "{func}: ignore_index must be an int or None, not {}",
            repr(ignore)
        ))
    };
    let index = as_index(ignore, bad)?;
    Ok(Some(index.extract::<i128>().unwrap_or(i128::MAX)))
}

/// The class indices of a target, or the probability array.
enum Target<'py> {
    Indices(Arr<'py>),
    Probs(Arr<'py>),
}

/// The checked arguments of softmax_cross_entropy (and perplexity_from_logits).
struct CrossEntropy<'py> {
    func: &'static str,
    logits: Arr<'py>,
    axis: usize,
    reduction: Reduce,
    eps: f64,
    ignore_index: Option<i128>,
    weight: Option<Arr<'py>>,
    target: Target<'py>,
    /// Rows, and entries of the first batch axis, before these in a stream (added to the
    /// positions errors name).
    offset: (usize, usize),
}

impl<'py> CrossEntropy<'py> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        func: &'static str,
        logits: &Bound<'py, PyAny>,
        target: &Bound<'py, PyAny>,
        axis: &Bound<'py, PyAny>,
        weight: Option<&Bound<'py, PyAny>>,
        ignore_index: Option<&Bound<'py, PyAny>>,
        label_smoothing: &Bound<'py, PyAny>,
        reduction: &Bound<'py, PyAny>,
    ) -> PyResult<Self> {
        let x = logits_arg(logits, "logits", func)?;
        let a = class_axis(axis, x.ndim(), func)?;
        rows_of(&x, a, func, "logits")?;
        let classes = x.shape()[a];
        let reduction = Reduce::parse(reduction, func)?;
        let eps = check_label_smoothing(label_smoothing, func)?;
        let ignore_index = check_ignore_index(ignore_index, func)?;
        let weight = match weight {
            None => None,
            Some(w) => {
                let w = Arr::new(w, "weight", func)?;
                if !(matches!(w.kind(), b'f' | b'i' | b'u') || w.is_bfloat16()) {
                    return Err(PyTypeError::new_err(format!(
                        "{func}: weight has dtype {}; expected a real dtype",
                        w.dtype()
                    )));
                }
                if w.shape() != [classes] {
                    return Err(PyValueError::new_err(format!(
                        "{func}: weight has shape {}; expected ({classes},), one per class",
                        tuple_repr(w.shape())
                    )));
                }
                Some(w.readable()?)
            }
        };
        let t = Arr::new(target, "target", func)?;
        let target = if matches!(t.kind(), b'i' | b'u') {
            let batch = batch_shape(x.shape(), a);
            if t.shape() != batch.as_slice() {
                return Err(PyValueError::new_err(format!(
                    "{func}: class-index target has shape {}; expected {} (the logits' shape {} \
                     without axis {a})",
                    tuple_repr(t.shape()),
                    tuple_repr(&batch),
                    tuple_repr(x.shape())
                )));
            }
            Target::Indices(t.readable()?)
        } else if t.kind() == b'f' || t.is_bfloat16() {
            if t.shape() != x.shape() {
                return Err(PyValueError::new_err(format!(
                    "{func}: probability target has shape {}; expected the logits' shape {} \
                     (class indices need an integer dtype)",
                    tuple_repr(t.shape()),
                    tuple_repr(x.shape())
                )));
            }
            Target::Probs(t.readable()?)
        } else {
            return Err(PyTypeError::new_err(format!(
                "{func}: target has dtype {}; expected integer class indices or float \
                 probabilities",
                t.dtype()
            )));
        };
        Ok(CrossEntropy {
            func,
            logits: x,
            axis: a,
            reduction,
            eps,
            ignore_index,
            weight,
            target,
            offset: (0, 0),
        })
    }

    /// The class indices as int64 (in place when they already are), checked: each in
    /// [0, classes) or the ignore_index.
    fn indices<'a>(&self, t: &'a Arr<'py>, holder: &'a mut Vec<i64>) -> PyResult<&'a [i64]> {
        let entries = t.entries();
        let classes = self.logits.shape()[self.axis];
        let bad = |flat: usize, value: String| {
            let mut index = unravel(t.shape(), flat);
            if let Some(first) = index.first_mut() {
                *first += self.offset.1;
            }
            PyValueError::new_err(format!(
                "{}: {} = {value} (row {}) is not a class index in [0, {classes}) nor the \
                 ignore_index",
                self.func,
                entry_name("target", &index),
                flat + self.offset.0
            ))
        };
        let values: &[i64] = match entries.direct::<i64>() {
            Some(direct) => direct,
            None => {
                *holder = entries.to_vec::<i64>();
                if entries.is_u64() {
                    if let Some(flat) = holder.iter().position(|&v| v < 0) {
                        return Err(bad(flat, (holder[flat] as u64).to_string()));
                    }
                }
                holder
            }
        };
        let ignore = self.ignore_index;
        let outside = |&v: &i64| ignore != Some(i128::from(v)) && !(0..classes as i64).contains(&v);
        if let Some(flat) = values.iter().position(outside) {
            return Err(bad(flat, values[flat].to_string()));
        }
        Ok(values)
    }

    /// Per-row losses, and each row's weight in a mean for class indices.
    fn losses(&self, py: Python<'py>) -> PyResult<(Vec<f64>, Option<Vec<f64>>)> {
        if self.logits.is_f64() {
            self.losses_in::<f64>(py)
        } else {
            self.losses_in::<f32>(py)
        }
    }

    fn losses_in<E: Compute>(&self, py: Python<'py>) -> PyResult<(Vec<f64>, Option<Vec<f64>>)> {
        let rows = self.logits.rows(self.axis);
        let weight: Option<Vec<E>> = self.weight.as_ref().map(|w| w.last_rows().to_vec::<E>());
        let weight = weight.as_deref();
        match &self.target {
            Target::Indices(t) => {
                let mut holder = Vec::new();
                let target = self.indices(t, &mut holder)?;
                let ignore_index = self.ignore_index.and_then(|v| i64::try_from(v).ok());
                let kind = RowKind::CrossEntropyIndex {
                    target,
                    weight,
                    ignore_index,
                    eps: self.eps,
                };
                let (values, weights) = row_values::<E>(py, kind, &[&rows])?;
                Ok((values, Some(weights)))
            }
            Target::Probs(t) => {
                let probs = t.rows(self.axis);
                let kind = RowKind::CrossEntropyProb {
                    weight,
                    eps: self.eps,
                };
                let (values, _) = row_values::<E>(py, kind, &[&rows, &probs])?;
                Ok((values, None))
            }
        }
    }

    /// The mean loss: over the summed weights of the non-ignored rows for class indices (NaN
    /// when there are none), over the rows for probabilities.
    fn mean(losses: &[f64], weights: Option<&[f64]>) -> f64 {
        let count = match weights {
            Some(w) => numpy_sum(w),
            None => losses.len() as f64,
        };
        numpy_sum(losses) / count
    }
}

/// Cross-entropy of softmax(logits) against class indices or probabilities.
#[pyfunction]
#[pyo3(signature = (logits, target, axis, weight, ignore_index, label_smoothing, reduction))]
#[allow(clippy::too_many_arguments)]
pub(super) fn softmax_cross_entropy<'py>(
    py: Python<'py>,
    logits: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    axis: &Bound<'py, PyAny>,
    weight: Option<&Bound<'py, PyAny>>,
    ignore_index: Option<&Bound<'py, PyAny>>,
    label_smoothing: &Bound<'py, PyAny>,
    reduction: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let args = CrossEntropy::new(
        "softmax_cross_entropy",
        logits,
        target,
        axis,
        weight,
        ignore_index,
        label_smoothing,
        reduction,
    )?;
    let (losses, weights) = args.losses(py)?;
    match args.reduction {
        Reduce::None => shaped(
            py,
            losses,
            &batch_shape(args.logits.shape(), args.axis),
            false,
        ),
        Reduce::Sum => float64(py, numpy_sum(&losses)),
        Reduce::Mean => float64(py, CrossEntropy::mean(&losses, weights.as_deref())),
    }
}

/// The sums a stream of chunks adds up for `softmax_cross_entropy(..., reduction="mean")`: the
/// rows' losses and the mean's denominator (the summed weights of the non-ignored rows for class
/// indices, the number of rows for probabilities). `offset` is (rows, entries of the first batch
/// axis) before this chunk in its stream, for the positions errors name.
#[allow(clippy::too_many_arguments)]
pub(crate) fn cross_entropy_totals<'py>(
    py: Python<'py>,
    func: &'static str,
    offset: (usize, usize),
    logits: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    axis: &Bound<'py, PyAny>,
    weight: Option<&Bound<'py, PyAny>>,
    ignore_index: Option<&Bound<'py, PyAny>>,
    label_smoothing: &Bound<'py, PyAny>,
) -> PyResult<(f64, f64)> {
    let mean = PyString::new(py, "mean").into_any();
    let mut args = CrossEntropy::new(
        func,
        logits,
        target,
        axis,
        weight,
        ignore_index,
        label_smoothing,
        &mean,
    )?;
    args.offset = offset;
    let (losses, weights) = args.losses(py)?;
    let count = match weights {
        Some(w) => numpy_sum(&w),
        None => losses.len() as f64,
    };
    Ok((numpy_sum(&losses), count))
}

/// exp of the mean token cross-entropy (class axis last, class-index targets).
#[pyfunction]
#[pyo3(signature = (logits, target, ignore_index))]
pub(super) fn perplexity_from_logits<'py>(
    py: Python<'py>,
    logits: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    ignore_index: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    const FUNC: &str = "perplexity_from_logits";
    let minus_one = PyInt::new(py, -1).into_any();
    let zero = PyFloat::new(py, 0.0).into_any();
    let mean = PyString::new(py, "mean").into_any();
    let args = CrossEntropy::new(
        FUNC,
        logits,
        target,
        &minus_one,
        None,
        ignore_index,
        &zero,
        &mean,
    )?;
    if matches!(args.target, Target::Probs(_)) {
        return Err(PyTypeError::new_err(format!(
            "{FUNC}: target must hold integer class indices"
        )));
    }
    let (losses, weights) = args.losses(py)?;
    float64(py, CrossEntropy::mean(&losses, weights.as_deref()).exp())
}

/// A weight of the binary cross-entropies, checked: a real array broadcastable to `shape`.
fn factor_arg<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    name: &str,
    shape: &[usize],
    func: &str,
) -> PyResult<Option<Arr<'py>>> {
    let Some(obj) = obj else {
        return Ok(None);
    };
    let e = Arr::new(obj, name, func)?;
    if !(matches!(e.kind(), b'f' | b'i' | b'u' | b'b') || e.is_bfloat16()) {
        return Err(PyTypeError::new_err(format!(
            "{func}: {name} has dtype {}; expected a real dtype",
            e.dtype()
        )));
    }
    let own = e.shape();
    let fits = own.len() <= shape.len()
        && own
            .iter()
            .zip(&shape[shape.len() - own.len()..])
            .all(|(&a, &b)| a == 1 || a == b);
    if !fits {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} of shape {} does not broadcast to {}",
            tuple_repr(own),
            tuple_repr(shape)
        )));
    }
    Ok(Some(e.readable()?))
}

/// Whether a factor varies along the last axis only: then it is passed as one row.
fn per_column(e: &Arr<'_>) -> bool {
    let shape = e.shape();
    shape.is_empty() || shape[..shape.len() - 1].iter().all(|&n| n == 1)
}

/// A factor varying along the last axis only, as one row of the compute precision.
fn columns<E: Compute>(e: Option<&Arr<'_>>, shape: &[usize]) -> Option<Vec<E>> {
    e.filter(|e| per_column(e))
        .map(|e| e.broadcast_rows(shape, true).to_vec::<E>())
}

/// Any other factor, as rows broadcast to `shape`.
fn full<'a>(e: Option<&'a Arr<'_>>, shape: &[usize]) -> Option<Layout<'a>> {
    e.filter(|e| !per_column(e))
        .map(|e| e.broadcast_rows(shape, false))
}

/// The kernel's view of a factor in a block: one row, input `at` of the block, or none.
fn factor<'a, E>(column: Option<&'a [E]>, at: Option<usize>, data: &[&'a [E]]) -> Factor<'a, E> {
    match (column, at) {
        (Some(c), _) => Factor::PerColumn(c),
        (None, Some(i)) => Factor::Full(data[i]),
        (None, None) => Factor::Absent,
    }
}

struct Binary<'a, 'py> {
    kind: BinaryKind,
    func: &'static str,
    x: &'a Arr<'py>,
    y: &'a Arr<'py>,
    weight: Option<&'a Arr<'py>>,
    pos_weight: Option<&'a Arr<'py>>,
}

impl Binary<'_, '_> {
    /// Per-row sums (`per_row`) or per-element losses.
    fn run<E: Compute>(&self, py: Python<'_>, per_row: bool) -> PyResult<Vec<f64>> {
        let shape = self.x.shape();
        let (x, y) = (self.x.last_rows(), self.y.last_rows());
        let (rows, cols) = (x.rows(), x.len);
        let mut inputs = vec![&x, &y];
        let (w_col, pw_col) = (
            columns::<E>(self.weight, shape),
            columns::<E>(self.pos_weight, shape),
        );
        let w_full = full(self.weight, shape);
        let pw_full = full(self.pos_weight, shape);
        let mut w_at = None;
        let mut pw_at = None;
        if let Some(l) = &w_full {
            inputs.push(l);
            w_at = Some(inputs.len() - 1);
        }
        if let Some(l) = &pw_full {
            inputs.push(l);
            pw_at = Some(inputs.len() - 1);
        }
        let kind = self.kind;
        let mut bad = None;
        let result = py.detach(|| {
            let mut sums = vec![0.0; if per_row { rows } else { 0 }];
            let mut losses = vec![0.0; if per_row { 0 } else { rows * cols }];
            by_blocks::<E, _>(&inputs, rows, |first, n, data| {
                let s = if per_row {
                    &mut sums[first..first + n]
                } else {
                    &mut [][..]
                };
                let l = if per_row {
                    &mut [][..]
                } else {
                    &mut losses[first * cols..(first + n) * cols]
                };
                logits::binary_cross_entropy(
                    kind,
                    data[0],
                    data[1],
                    cols,
                    factor(w_col.as_deref(), w_at, data),
                    factor(pw_col.as_deref(), pw_at, data),
                    &Options::default(),
                    s,
                    l,
                )
                .inspect_err(|_| {
                    // Locate the first probability outside [0, 1] of this block.
                    let outside = |v: &E| !(v.to_f64() >= 0.0 && v.to_f64() <= 1.0);
                    if kind == BinaryKind::Probabilities {
                        if let Some(k) = data[0].iter().position(outside) {
                            bad = Some((first * cols + k, data[0][k].to_f64()));
                        }
                    }
                })
            })
            .map(|()| if per_row { sums } else { losses })
        });
        match (result, bad) {
            (Ok(values), _) => Ok(values),
            (Err(_), Some((flat, value))) => {
                let at = entry_name("p", &unravel(shape, flat));
                Err(PyValueError::new_err(format!(
                    "{}: {at} = {} is outside [0, 1]",
                    self.func,
                    float_repr(py, value)
                )))
            }
            (Err(e), None) => Err(kernel_error(e)),
        }
    }
}

/// The binary cross-entropies: checks in the twins' order, then one fused pass.
#[allow(clippy::too_many_arguments)]
fn binary<'py>(
    py: Python<'py>,
    kind: BinaryKind,
    func: &'static str,
    names: [&str; 2],
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    weight: Option<&Bound<'py, PyAny>>,
    pos_weight: Option<&Bound<'py, PyAny>>,
    reduction: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let xa = float_arg(x, names[0], func)?;
    let ya = Arr::new(y, names[1], func)?;
    if !(matches!(ya.kind(), b'f' | b'i' | b'u' | b'b') || ya.is_bfloat16()) {
        return Err(PyTypeError::new_err(format!(
            "{func}: {} has dtype {}; expected a real dtype",
            names[1],
            ya.dtype()
        )));
    }
    let shape = xa.shape().to_vec();
    if ya.shape() != shape.as_slice() {
        return Err(PyValueError::new_err(format!(
            "{func}: {} has shape {}; expected {}, the shape of {}",
            names[1],
            tuple_repr(ya.shape()),
            tuple_repr(&shape),
            names[0]
        )));
    }
    let reduction = Reduce::parse(reduction, func)?;
    let weight = factor_arg(weight, "weight", &shape, func)?;
    let pos_weight = factor_arg(pos_weight, "pos_weight", &shape, func)?;
    let size: usize = shape.iter().product();
    if size == 0 {
        return match reduction {
            Reduce::None => Ok(numpy::PyArray::<f64, _>::zeros(py, shape, false).into_any()),
            Reduce::Sum => float64(py, 0.0),
            Reduce::Mean => float64(py, f64::NAN),
        };
    }
    let ya = ya.readable()?;
    let job = Binary {
        kind,
        func,
        x: &xa,
        y: &ya,
        weight: weight.as_ref(),
        pos_weight: pos_weight.as_ref(),
    };
    let per_row = reduction != Reduce::None;
    let values = if xa.is_f64() {
        job.run::<f64>(py, per_row)?
    } else {
        job.run::<f32>(py, per_row)?
    };
    match reduction {
        Reduce::None => shaped(py, values, &shape, false),
        Reduce::Sum => float64(py, numpy_sum(&values)),
        Reduce::Mean => float64(py, numpy_sum(&values) / size as f64),
    }
}

/// Binary cross-entropy of sigmoid(x) against y.
#[pyfunction]
#[pyo3(signature = (x, y, weight, pos_weight, reduction))]
pub(super) fn binary_cross_entropy_with_logits<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    weight: Option<&Bound<'py, PyAny>>,
    pos_weight: Option<&Bound<'py, PyAny>>,
    reduction: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    binary(
        py,
        BinaryKind::WithLogits,
        "binary_cross_entropy_with_logits",
        ["x", "y"],
        x,
        y,
        weight,
        pos_weight,
        reduction,
    )
}

/// Binary cross-entropy on probabilities.
#[pyfunction]
#[pyo3(signature = (p, y, weight, reduction))]
pub(super) fn binary_cross_entropy<'py>(
    py: Python<'py>,
    p: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    weight: Option<&Bound<'py, PyAny>>,
    reduction: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    binary(
        py,
        BinaryKind::Probabilities,
        "binary_cross_entropy",
        ["p", "y"],
        p,
        y,
        weight,
        None,
        reduction,
    )
}

/// Sets the entries converted per block (tests use small blocks); returns the previous value.
#[pyfunction]
pub(super) fn set_logits_block_entries(entries: usize) -> usize {
    BLOCK_ENTRIES.swap(entries.max(1), Ordering::Relaxed)
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        binary_cross_entropy,
        binary_cross_entropy_with_logits,
        entropy_from_logits,
        kl_divergence_from_logits,
        log_softmax,
        logsumexp,
        perplexity_from_logits,
        set_logits_block_entries,
        softmax_cross_entropy
    )
}
