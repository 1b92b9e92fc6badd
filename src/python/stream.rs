//! Streams and distributed reductions: the mergeable partial sums of entropy, cross-entropy and
//! KL as private `_core` functions (`partial_sums`, `combine_partials`, `finish_partials`), and
//! the accumulators built on them.
//!
//! Partials travel as float64 arrays of shape `(*batch, 6)`, one row per distribution: mass_p,
//! mass_q, core, peak, e_p, e_q (see `kernels::Scaled`: the sums are those of p 2^-e_p and
//! q 2^-e_q; `peak` is 0). Pieces at different exponents do not add elementwise:
//! `combine_partials` brings them to a common scale first.

use super::convert::{self, check_base, check_nan_policy, repr, tuple_repr, Reduction};
use super::errors;
use crate::error::{Arg, KernelError};
use crate::kernels::{self, Measure, NanPolicy, Options, Partial, Scaled};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};

/// Columns of a partials array.
const COLUMNS: usize = 6;

/// `kind`: "entropy", "cross_entropy" or "kl_divergence".
fn measure_of(kind: &str, func: &str) -> PyResult<Measure> {
    Ok(match kind {
        "entropy" => Measure::Entropy,
        "cross_entropy" => Measure::CrossEntropy,
        "kl_divergence" => Measure::KlDivergence,
        _ => {
            return Err(PyValueError::new_err(format!(
                "{func}: kind must be 'entropy', 'cross_entropy' or 'kl_divergence', not {kind:?}"
            )))
        }
    })
}

fn name_of(measure: Measure) -> &'static str {
    match measure {
        Measure::Entropy => "entropy",
        Measure::CrossEntropy => "cross_entropy",
        _ => "kl_divergence",
    }
}

/// Where a piece sits in its stream, added to the positions its errors name.
#[derive(Clone, Debug)]
pub enum Offset {
    /// Added to the index along the first reduced axis.
    Along(usize),
    /// The piece is raveled into the stream (`axis=None`): errors name `p[flat + offset]`.
    Flat(usize),
    /// Added to the index of each dimension.
    Full(Vec<usize>),
}

impl Offset {
    /// An `offset` argument: an int >= 0 (with `axis=None`, a position in the raveled stream) or
    /// a tuple of ints >= 0, one per dimension.
    fn parse(offset: &Bound<'_, PyAny>, flat: bool, func: &str) -> PyResult<Offset> {
        let bad = || {
            PyValueError::new_err(format!(
                "{func}: offset must be an int >= 0 or a tuple of them, not {}",
                repr(offset)
            ))
        };
        if offset.is_instance_of::<PyTuple>() {
            let items: Vec<usize> = offset.extract().map_err(|_| bad())?;
            return Ok(Offset::Full(items));
        }
        if !offset.is_instance_of::<PyInt>() || offset.is_instance_of::<pyo3::types::PyBool>() {
            return Err(bad());
        }
        let n: usize = offset.extract().map_err(|_| bad())?;
        Ok(if flat {
            Offset::Flat(n)
        } else {
            Offset::Along(n)
        })
    }
}

/// The partial sums of every distribution of one piece, with errors located in the stream.
pub struct Piece {
    pub batch_shape: Vec<usize>,
    pub partials: Vec<Scaled>,
}

/// A kernel error of a piece at `offset` in its stream, as `reduction.error` words it.
fn stream_error(
    py: Python<'_>,
    reduction: &Reduction<'_>,
    error: KernelError,
    normalize: bool,
    offset: &Offset,
) -> PyErr {
    use KernelError::*;
    let (arg, kind, distribution, position, value) = match error {
        Negative {
            arg,
            distribution,
            position,
            value,
        } => (arg, "negative", distribution, position, value),
        Infinite {
            arg,
            distribution,
            position,
            value,
        } => (arg, "infinite", distribution, position, value),
        Nan {
            arg,
            distribution,
            position,
        } => (arg, "nan", distribution, position, f64::NAN),
        other => return reduction.error(py, other, normalize),
    };
    let which = usize::from(arg == Arg::Q);
    let name = reduction.names[which];
    let mut index = reduction.entry_index(which, distribution, position);
    match offset {
        Offset::Flat(n) => index = vec![position + n],
        Offset::Along(n) => {
            // The first reduced axis in the operand's own dimensions (none if broadcast along it).
            let own = reduction.operands[which].shape();
            let lead = reduction.shape.len() - own.len();
            if let Some(&axis) = reduction.reduced.first() {
                if axis >= lead && own[axis - lead] == reduction.shape[axis] {
                    index[axis - lead] += n;
                }
            }
        }
        Offset::Full(offsets) => {
            let skip = offsets.len().saturating_sub(index.len());
            for (slot, n) in index.iter_mut().rev().zip(offsets[skip..].iter().rev()) {
                *slot += n;
            }
        }
    }
    let func = reduction.func;
    let at = errors::entry_name(name, &index);
    let message = match kind {
        "nan" => format!("{func}: {at} is NaN (nan_policy='raise')"),
        "infinite" => format!(
            "{func}: {at} = {} is not finite; entries must be finite",
            errors::float_repr(py, value)
        ),
        _ => format!(
            "{func}: {at} = {} is negative; entries must be >= 0",
            errors::float_repr(py, value)
        ),
    };
    errors::invalid(py, message, kind, name, &index)
}

/// Settings of a stream of one measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub measure: Measure,
    pub normalize: bool,
    pub nan_policy: NanPolicy,
}

/// The partial sums of the piece `p` (and `q`) along `axis`.
pub fn piece<'py>(
    py: Python<'py>,
    func: &'static str,
    settings: Settings,
    p: &Bound<'py, PyAny>,
    q: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    offset: &Offset,
) -> PyResult<Piece> {
    let reduction = Reduction::new(func, ["p", "q"], p, q, axis, false)?;
    if settings.measure.is_binary() != q.is_some() {
        return Err(PyValueError::new_err(format!(
            "{func}: {} takes {}",
            name_of(settings.measure),
            if q.is_some() { "p only" } else { "p and q" }
        )));
    }
    let inputs = reduction.inputs()?;
    let mut partials = vec![Scaled::default(); reduction.distributions()];
    let options = Options::default();
    py.detach(|| {
        kernels::scaled_partial_sums(
            settings.measure,
            &inputs[0],
            inputs.get(1),
            settings.normalize,
            settings.nan_policy,
            &options,
            &mut partials,
        )
    })
    .map_err(|e| stream_error(py, &reduction, e, settings.normalize, offset))?;
    Ok(Piece {
        batch_shape: reduction.batch_shape(),
        partials,
    })
}

/// Partials as a `(*batch, 6)` float64 array.
pub fn to_array<'py>(
    py: Python<'py>,
    batch_shape: &[usize],
    partials: &[Scaled],
) -> PyResult<Bound<'py, PyAny>> {
    let mut flat = Vec::with_capacity(partials.len() * COLUMNS);
    for s in partials {
        flat.extend_from_slice(&[
            s.sums.mass_p,
            s.sums.mass_q,
            s.sums.core,
            s.sums.peak,
            f64::from(s.exps[0]),
            f64::from(s.exps[1]),
        ]);
    }
    let mut shape = batch_shape.to_vec();
    shape.push(COLUMNS);
    Ok(PyArray1::from_vec(py, flat).reshape(shape)?.into_any())
}

/// A `(*batch, 6)` float64 array (or anything NumPy reads as one) back as partials.
pub fn from_array(
    partials: &Bound<'_, PyAny>,
    name: &str,
    func: &str,
) -> PyResult<(Vec<usize>, Vec<Scaled>)> {
    let array = convert::as_ndarray(partials)?;
    let shape = array.shape().to_vec();
    if shape.last() != Some(&COLUMNS) {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} has shape {}; partials have shape (..., {COLUMNS})",
            tuple_repr(&shape)
        )));
    }
    let as_f64 = array.call_method1("astype", ("float64",))?;
    let readonly: PyReadonlyArrayDyn<'_, f64> = as_f64.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "{func}: {name} must be a float64 array of partials"
        ))
    })?;
    let values: Vec<f64> = readonly.as_array().iter().copied().collect();
    let exponent = |x: f64| -> PyResult<i32> {
        if x.fract() == 0.0 && x.abs() <= 1e5 {
            Ok(x as i32)
        } else {
            Err(PyValueError::new_err(format!(
                "{func}: {name} holds the exponent {}, not a whole number: not partials",
                x
            )))
        }
    };
    let mut out = Vec::with_capacity(values.len() / COLUMNS);
    for row in values.chunks_exact(COLUMNS) {
        out.push(Scaled {
            sums: Partial {
                mass_p: row[0],
                mass_q: row[1],
                core: row[2],
                peak: row[3],
            },
            exps: [exponent(row[4])?, exponent(row[5])?],
        });
    }
    Ok((shape[..shape.len() - 1].to_vec(), out))
}

/// Elementwise [`Scaled::combine`] of two lists of partials of the same length.
pub fn combine_all(measure: Measure, a: &mut [Scaled], b: &[Scaled]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.combine(*y, measure);
    }
}

/// The measure of every distribution from its partials, shaped as `batch_shape` (a float64
/// scalar for `()`), in `base`.
pub fn finish<'py>(
    py: Python<'py>,
    func: &str,
    measure: Measure,
    batch_shape: &[usize],
    partials: &[Scaled],
    normalize: bool,
    base: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = Options::default();
    let mut values = Vec::with_capacity(partials.len());
    for (d, s) in partials.iter().enumerate() {
        let value = s
            .finish(measure, normalize, &options, d)
            .map_err(|e| finish_error(py, func, batch_shape, e))?;
        values.push(match base {
            // + 0: a zero over the negative ln of a base below 1 is +0, not -0.
            Some(base) => value / base.ln() + 0.0,
            None => value,
        });
    }
    if batch_shape.is_empty() {
        return convert::float64(py, values[0]);
    }
    Ok(PyArray1::from_vec(py, values)
        .reshape(batch_shape.to_vec())?
        .into_any())
}

/// A zero mass found when finishing, worded as the measures word it.
fn finish_error(py: Python<'_>, func: &str, batch_shape: &[usize], error: KernelError) -> PyErr {
    let KernelError::ZeroMass { arg, distribution } = error else {
        return errors::plain(error);
    };
    let name = arg.name();
    let index = convert::unravel(batch_shape, distribution);
    let place = if index.is_empty() {
        "the distribution".to_string()
    } else {
        format!("the distribution at index {}", tuple_repr(&index))
    };
    let message = format!(
        "{func}: {name} has zero total mass in {place}; it cannot be normalized (normalize=True)"
    );
    errors::invalid(py, message, "zero_mass", name, &index)
}

/// The mergeable partial sums of `kind` ("entropy", "cross_entropy", "kl_divergence") of each
/// distribution of `p` (and `q`) along `axis`: float64 of shape `(*batch, 6)`.
#[pyfunction]
#[pyo3(signature = (kind, p, q, axis, nan_policy, normalize=true, offset=None))]
#[allow(clippy::too_many_arguments)]
pub fn partial_sums<'py>(
    py: Python<'py>,
    kind: &str,
    p: &Bound<'py, PyAny>,
    q: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
    normalize: bool,
    offset: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let measure = measure_of(kind, "partial_sums")?;
    let func = name_of(measure);
    let settings = Settings {
        measure,
        normalize,
        nan_policy: check_nan_policy(nan_policy, func)?,
    };
    let offset = match offset {
        Some(o) if !o.is_none() => Offset::parse(o, axis.is_none(), func)?,
        _ => Offset::Along(0),
    };
    let piece = piece(py, func, settings, p, q, axis, &offset)?;
    to_array(py, &piece.batch_shape, &piece.partials)
}

/// The partials of two pieces of the same distributions (`a` first), at a common scale.
#[pyfunction]
pub fn combine_partials<'py>(
    py: Python<'py>,
    kind: &str,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "combine_partials";
    let measure = measure_of(kind, func)?;
    let (shape, mut left) = from_array(a, "a", func)?;
    let (other, right) = from_array(b, "b", func)?;
    if shape != other {
        return Err(PyValueError::new_err(format!(
            "{func}: a {} and b {} hold partials of different batches",
            tuple_repr(&shape),
            tuple_repr(&other)
        )));
    }
    combine_all(measure, &mut left, &right);
    to_array(py, &shape, &left)
}

/// The measure of each distribution from its (combined) partials, in `base`.
#[pyfunction]
pub fn finish_partials<'py>(
    py: Python<'py>,
    kind: &str,
    partials: &Bound<'py, PyAny>,
    normalize: bool,
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let measure = measure_of(kind, "finish_partials")?;
    let func = name_of(measure);
    let base = check_base(base, func)?;
    let (shape, partials) = from_array(partials, "partials", "finish_partials")?;
    finish(py, func, measure, &shape, &partials, normalize, base)
}

/// Adds this group's functions and classes to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(module, combine_partials, finish_partials, partial_sums)
}
