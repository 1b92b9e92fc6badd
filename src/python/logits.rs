//! Bindings of the logits kernels (`kernels::logits`). Arguments arrive normalised by
//! `entropykit._logits`: C-contiguous (rows, classes) float32 or float64 logits, with the other
//! float arrays in the same dtype.

use super::to_pyerr;
use crate::kernels::logits::{self, BinaryKind, Factor, LogitElem, RowOp};
use crate::kernels::Options;
use numpy::{
    PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyReadwriteArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A (rows, classes) array of logits (or of probability targets, or of q's logits).
#[derive(FromPyObject)]
pub(super) enum Rows2<'py> {
    F64(PyReadonlyArray2<'py, f64>),
    F32(PyReadonlyArray2<'py, f32>),
}

/// Class weights.
#[derive(FromPyObject)]
pub(super) enum Vec1<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
}

/// Per-row values, and per-row weights in a mean (empty unless class-index cross-entropy).
type ValuesAndWeights<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

fn dtype_mismatch(what: &str) -> PyErr {
    PyTypeError::new_err(format!("{what} must have the logits' dtype"))
}

/// The precisions the kernels take, and how to find an argument of the same one.
trait Precision: LogitElem + numpy::Element {
    fn rows<'a, 'py>(arg: &'a Rows2<'py>) -> Option<&'a PyReadonlyArray2<'py, Self>>;
    fn vec<'a, 'py>(arg: &'a Vec1<'py>) -> Option<&'a PyReadonlyArray1<'py, Self>>;
}

macro_rules! precision {
    ($t:ty, $variant:ident) => {
        impl Precision for $t {
            fn rows<'a, 'py>(arg: &'a Rows2<'py>) -> Option<&'a PyReadonlyArray2<'py, $t>> {
                match arg {
                    Rows2::$variant(a) => Some(a),
                    _ => None,
                }
            }
            fn vec<'a, 'py>(arg: &'a Vec1<'py>) -> Option<&'a PyReadonlyArray1<'py, $t>> {
                match arg {
                    Vec1::$variant(a) => Some(a),
                    _ => None,
                }
            }
        }
    };
}
precision!(f64, F64);
precision!(f32, F32);

/// `arg` as a (rows, cols) array of precision `E`, or a dtype error naming it.
fn same_rows<'a, 'py, E: Precision>(
    arg: Option<&'a Rows2<'py>>,
    what: &str,
) -> PyResult<Option<&'a PyReadonlyArray2<'py, E>>> {
    arg.map(|a| E::rows(a).ok_or_else(|| dtype_mismatch(what)))
        .transpose()
}

/// The per-row kernel in precision `E`; `other` and `weight` must be in `E` too.
#[allow(clippy::too_many_arguments)]
fn rows_in<E: Precision>(
    py: Python<'_>,
    op: &str,
    x: &PyReadonlyArray2<'_, E>,
    other: Option<&Rows2<'_>>,
    target: Option<&[i64]>,
    weight: Option<&Vec1<'_>>,
    ignore_index: Option<i64>,
    label_smoothing: f64,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let other = match same_rows::<E>(other, "the second array")? {
        Some(o) => Some(o.as_slice()?),
        None => None,
    };
    let weight = match weight {
        Some(w) => Some(
            E::vec(w)
                .ok_or_else(|| dtype_mismatch("weight"))?
                .as_slice()?,
        ),
        None => None,
    };
    let classes = x.shape()[1];
    let xs = x.as_slice()?;
    let missing = |what: &str| PyValueError::new_err(format!("{op} needs {what}"));
    let row_op = match op {
        "logsumexp" => RowOp::LogSumExp,
        "entropy" => RowOp::Entropy,
        "kl_divergence" => RowOp::KlDivergence {
            q: other.ok_or_else(|| missing("q"))?,
        },
        "cross_entropy_index" => RowOp::CrossEntropyIndex {
            target: target.ok_or_else(|| missing("class-index targets"))?,
            weight,
            ignore_index,
            label_smoothing,
        },
        "cross_entropy_prob" => RowOp::CrossEntropyProb {
            target: other.ok_or_else(|| missing("probability targets"))?,
            weight,
            label_smoothing,
        },
        _ => return Err(PyValueError::new_err(format!("unknown logits op {op:?}"))),
    };
    let rows = x.shape()[0];
    py.detach(|| {
        let mut values = vec![0.0; rows];
        let mut weights = vec![0.0; if op == "cross_entropy_index" { rows } else { 0 }];
        logits::rows(
            row_op,
            xs,
            classes,
            &Options::default(),
            &mut values,
            &mut weights,
        )
        .map(|()| (values, weights))
    })
    .map_err(to_pyerr)
}

/// One value per row of the (rows, classes) logits `x`: `op` is "logsumexp", "entropy",
/// "kl_divergence" (with `other` = q's logits), "cross_entropy_index" (with `target`) or
/// "cross_entropy_prob" (with `other` = probability targets). Returns the values and, for
/// "cross_entropy_index", each row's weight in the mean (else an empty array).
#[pyfunction]
#[pyo3(signature = (op, x, other, target, weight, ignore_index, label_smoothing))]
#[allow(clippy::too_many_arguments)]
pub(super) fn logits_rows<'py>(
    py: Python<'py>,
    op: &str,
    x: Rows2<'py>,
    other: Option<Rows2<'py>>,
    target: Option<PyReadonlyArray1<'py, i64>>,
    weight: Option<Vec1<'py>>,
    ignore_index: Option<i64>,
    label_smoothing: f64,
) -> PyResult<ValuesAndWeights<'py>> {
    let target = target.as_ref().map(|t| t.as_slice()).transpose()?;
    let (other, weight) = (other.as_ref(), weight.as_ref());
    let (values, weights) = match &x {
        Rows2::F64(a) => rows_in(
            py,
            op,
            a,
            other,
            target,
            weight,
            ignore_index,
            label_smoothing,
        )?,
        Rows2::F32(a) => rows_in(
            py,
            op,
            a,
            other,
            target,
            weight,
            ignore_index,
            label_smoothing,
        )?,
    };
    Ok((
        PyArray1::from_vec(py, values),
        PyArray1::from_vec(py, weights),
    ))
}

fn log_softmax_in<E: LogitElem + numpy::Element>(
    py: Python<'_>,
    x: &PyReadonlyArray2<'_, E>,
    out: &mut PyReadwriteArray2<'_, E>,
) -> PyResult<()> {
    let classes = x.shape()[1];
    let xs = x.as_slice()?;
    let os = out.as_slice_mut()?;
    py.detach(|| logits::log_softmax(xs, classes, &Options::default(), os))
        .map_err(to_pyerr)
}

/// Writes log_softmax of each row of the (rows, classes) logits `x` to `out` (C-contiguous, same
/// shape and dtype, not overlapping `x`).
#[pyfunction]
pub(super) fn log_softmax_rows<'py>(
    py: Python<'py>,
    x: Rows2<'py>,
    out: Bound<'py, PyAny>,
) -> PyResult<()> {
    match &x {
        Rows2::F64(a) => {
            let mut o: PyReadwriteArray2<'py, f64> = out.extract()?;
            log_softmax_in(py, a, &mut o)
        }
        Rows2::F32(a) => {
            let mut o: PyReadwriteArray2<'py, f32> = out.extract()?;
            log_softmax_in(py, a, &mut o)
        }
    }
}

/// A (1, cols) array is one factor per column; a (rows, cols) array one per element.
fn factor<'a, E: numpy::Element>(
    array: Option<&'a PyReadonlyArray2<'_, E>>,
) -> PyResult<Factor<'a, E>> {
    Ok(match array {
        None => Factor::Absent,
        Some(a) if a.shape()[0] == 1 => Factor::PerColumn(a.as_slice()?),
        Some(a) => Factor::Full(a.as_slice()?),
    })
}

#[allow(clippy::too_many_arguments)]
fn binary_in<E: Precision>(
    py: Python<'_>,
    kind: BinaryKind,
    x: &PyReadonlyArray2<'_, E>,
    y: &Rows2<'_>,
    weight: Option<&Rows2<'_>>,
    pos_weight: Option<&Rows2<'_>>,
    per_row: bool,
) -> PyResult<Vec<f64>> {
    let y = E::rows(y).ok_or_else(|| dtype_mismatch("y"))?;
    let weight = same_rows::<E>(weight, "weight")?;
    let pos_weight = same_rows::<E>(pos_weight, "pos_weight")?;
    let (rows, cols) = (x.shape()[0], x.shape()[1]);
    let (xs, ys) = (x.as_slice()?, y.as_slice()?);
    let (weight, pos_weight) = (factor(weight)?, factor(pos_weight)?);
    py.detach(|| {
        let mut sums = vec![0.0; if per_row { rows } else { 0 }];
        let mut losses = vec![0.0; if per_row { 0 } else { rows * cols }];
        logits::binary_cross_entropy(
            kind,
            xs,
            ys,
            cols,
            weight,
            pos_weight,
            &Options::default(),
            &mut sums,
            &mut losses,
        )
        .map(|()| if per_row { sums } else { losses })
    })
    .map_err(to_pyerr)
}

/// Element-wise binary cross-entropy of (rows, cols) `x` ("logits" or "probabilities") against
/// `y`, with optional `weight` / `pos_weight` of shape (1, cols) or (rows, cols), all of x's
/// dtype. Returns per-row sums if `per_row`, else the per-element losses (row-major).
#[pyfunction]
#[pyo3(signature = (kind, x, y, weight, pos_weight, per_row))]
pub(super) fn binary_rows<'py>(
    py: Python<'py>,
    kind: &str,
    x: Rows2<'py>,
    y: Rows2<'py>,
    weight: Option<Rows2<'py>>,
    pos_weight: Option<Rows2<'py>>,
    per_row: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let kind = match kind {
        "logits" => BinaryKind::WithLogits,
        "probabilities" => BinaryKind::Probabilities,
        _ => return Err(PyValueError::new_err(format!("unknown kind {kind:?}"))),
    };
    let (weight, pos_weight) = (weight.as_ref(), pos_weight.as_ref());
    let values = match &x {
        Rows2::F64(a) => binary_in(py, kind, a, &y, weight, pos_weight, per_row)?,
        Rows2::F32(a) => binary_in(py, kind, a, &y, weight, pos_weight, per_row)?,
    };
    Ok(PyArray1::from_vec(py, values))
}
