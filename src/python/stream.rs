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
    /// Entries per distribution.
    pub reduce_len: usize,
}

/// A kernel error of a piece at `offset` in its stream, as `reduction.error` words it.
fn stream_error(
    py: Python<'_>,
    reduction: &Reduction<'_>,
    error: KernelError,
    normalize: bool,
    offset: &Offset,
) -> PyErr {
    let Some(bad) = error.bad_entry() else {
        return reduction.error(py, error, normalize);
    };
    let (distribution, position) = (bad.distribution, bad.position);
    let arg = bad.arg;
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
    let at = errors::entry_name(name, &index);
    errors::bad_entry(py, reduction.func, &at, &bad, name, &index)
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
        reduce_len: reduction
            .reduced
            .iter()
            .map(|&a| reduction.shape[a])
            .product(),
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
    let array = convert::as_ndarray(partials, name, func)?;
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
    module.add_class::<EntropyAccumulator>()?;
    module.add_class::<CrossEntropyAccumulator>()?;
    module.add_class::<KLDivergenceAccumulator>()?;
    module.add_class::<CountsAccumulator>()?;
    module.add_class::<TokenCrossEntropyAccumulator>()?;
    add_functions!(module, combine_partials, finish_partials, partial_sums)
}

// ---------------------------------------------------------------------------------------------
// Accumulators: thin pyclasses over the partials above.

/// An entropy, cross-entropy or KL stream: its settings and the partials so far.
#[derive(Clone, Debug)]
struct Shannon {
    settings: Settings,
    base: Option<f64>,
    /// The stream axis; `None` ravels every chunk into one distribution.
    axis: Option<isize>,
    state: Option<Totals>,
}

#[derive(Clone, Debug)]
struct Totals {
    batch_shape: Vec<usize>,
    partials: Vec<Scaled>,
    /// Entries seen along the stream axis (in the raveled stream under `axis=None`).
    seen: usize,
}

fn nan_policy_name(policy: NanPolicy) -> &'static str {
    match policy {
        NanPolicy::Propagate => "propagate",
        NanPolicy::Raise => "raise",
        NanPolicy::Omit => "omit",
    }
}

/// `axis` of an accumulator: one int, or None.
fn stream_axis(axis: &Bound<'_, PyAny>, func: &str) -> PyResult<Option<isize>> {
    if axis.is_none() {
        return Ok(None);
    }
    if axis.is_instance_of::<PyInt>() && !axis.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(Some(axis.extract()?));
    }
    Err(PyTypeError::new_err(format!(
        "{func}: axis must be an int (the axis chunks are concatenated along) or None, not {}",
        repr(axis)
    )))
}

impl Shannon {
    fn new(
        measure: Measure,
        func: &str,
        base: Option<&Bound<'_, PyAny>>,
        axis: Option<isize>,
        normalize: bool,
        nan_policy: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(Shannon {
            settings: Settings {
                measure,
                normalize,
                nan_policy: check_nan_policy(nan_policy, func)?,
            },
            base: check_base(base, func)?,
            axis,
            state: None,
        })
    }

    fn update<'py>(
        &mut self,
        py: Python<'py>,
        (func, method): (&'static str, &str),
        p: &Bound<'py, PyAny>,
        q: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let seen = self.state.as_ref().map_or(0, |s| s.seen);
        let (axis, offset) = match self.axis {
            None => (py.None().into_bound(py), Offset::Flat(seen)),
            Some(a) => (PyInt::new(py, a).into_any(), Offset::Along(seen)),
        };
        let piece = piece(py, func, self.settings, p, q, &axis, &offset)?;
        let total = piece.partials.len();
        let len = piece.reduce_len;
        match &mut self.state {
            None => {
                self.state = Some(Totals {
                    batch_shape: piece.batch_shape,
                    partials: piece.partials,
                    seen: len,
                })
            }
            Some(state) => {
                if state.batch_shape != piece.batch_shape {
                    return Err(PyValueError::new_err(format!(
                        "{method}: this chunk holds distributions of shape {} (the axes other \
                         than axis={}); earlier chunks held {}",
                        tuple_repr(&piece.batch_shape),
                        self.axis.map_or("None".into(), |a| a.to_string()),
                        tuple_repr(&state.batch_shape)
                    )));
                }
                debug_assert_eq!(total, state.partials.len());
                combine_all(self.settings.measure, &mut state.partials, &piece.partials);
                state.seen += len;
            }
        }
        Ok(())
    }

    fn merge(&mut self, other: &Shannon, func: &str) -> PyResult<()> {
        if (self.settings, self.axis) != (other.settings, other.axis) || self.base != other.base {
            return Err(PyValueError::new_err(format!(
                "{func}: the accumulators differ in base, axis, normalize or nan_policy"
            )));
        }
        let Some(theirs) = &other.state else {
            return Ok(());
        };
        match &mut self.state {
            None => self.state = Some(theirs.clone()),
            Some(ours) => {
                if ours.batch_shape != theirs.batch_shape {
                    return Err(PyValueError::new_err(format!(
                        "{func}: the accumulators hold distributions of shapes {} and {}",
                        tuple_repr(&ours.batch_shape),
                        tuple_repr(&theirs.batch_shape)
                    )));
                }
                combine_all(self.settings.measure, &mut ours.partials, &theirs.partials);
                ours.seen += theirs.seen;
            }
        }
        Ok(())
    }

    fn result<'py>(&self, py: Python<'py>, func: &str) -> PyResult<Bound<'py, PyAny>> {
        let measure = self.settings.measure;
        let name = name_of(measure);
        match &self.state {
            Some(s) => finish(
                py,
                name,
                measure,
                &s.batch_shape,
                &s.partials,
                self.settings.normalize,
                self.base,
            ),
            // With no chunk, a raveled stream is one empty distribution, as in one call.
            None if self.axis.is_none() => finish(
                py,
                name,
                measure,
                &[],
                &[Scaled::default()],
                self.settings.normalize,
                self.base,
            ),
            None => Err(PyValueError::new_err(format!(
                "{func}: no chunk yet, so the shape of the result is unknown"
            ))),
        }
    }

    fn getstate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let state = match &self.state {
            None => py.None().into_bound(py),
            Some(s) => (
                PyTuple::new(py, &s.batch_shape)?,
                to_array(py, &s.batch_shape, &s.partials)?,
                s.seen,
            )
                .into_pyobject(py)?
                .into_any(),
        };
        (
            self.base,
            self.axis,
            self.settings.normalize,
            nan_policy_name(self.settings.nan_policy),
            state,
        )
            .into_pyobject(py)
    }

    fn setstate(&mut self, state: &Bound<'_, PyAny>, func: &'static str) -> PyResult<()> {
        let item = |i: usize| state.get_item(i);
        let (base, axis, policy, totals) = (item(0)?, item(1)?, item(3)?, item(4)?);
        let normalize: bool = item(2)?.extract()?;
        let base = Some(base).filter(|b| !b.is_none());
        let mut fresh = Shannon::new(
            self.settings.measure,
            func,
            base.as_ref(),
            stream_axis(&axis, func)?,
            normalize,
            &policy,
        )?;
        if !totals.is_none() {
            let (shape, partials, seen): (Vec<usize>, Bound<'_, PyAny>, usize) =
                totals.extract()?;
            let (stored, partials) = from_array(&partials, "state", func)?;
            if stored != shape {
                return Err(PyValueError::new_err(format!("{func}: inconsistent state")));
            }
            fresh.state = Some(Totals {
                batch_shape: shape,
                partials,
                seen,
            });
        }
        *self = fresh;
        Ok(())
    }

    fn describe(&self, class: &str) -> String {
        let seen = self.state.as_ref().map_or(0, |s| s.seen);
        format!(
            "{class}(base={}, axis={}, normalize={}, nan_policy='{}') after {seen} entries",
            self.base.map_or("None".into(), |b| format!("{b:?}")),
            self.axis.map_or("None".into(), |a| a.to_string()),
            if self.settings.normalize {
                "True"
            } else {
                "False"
            },
            nan_policy_name(self.settings.nan_policy),
        )
    }
}

/// An accumulator class of one Shannon measure (the docstring is the class's public one).
macro_rules! shannon_accumulator {
    ($(#[$doc:meta])* $class:ident, $measure:expr, $update_sig:tt, ($($q:ident)?)) => {
        $(#[$doc])*
        #[pyclass(module = "entropykit")]
        pub struct $class {
            inner: Shannon,
        }

        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(
                signature = (*, base=None, axis=Some(-1), normalize=true, nan_policy="propagate"),
                text_signature = "(*, base=None, axis=-1, normalize=True, nan_policy='propagate')"
            )]
            fn new(
                py: Python<'_>,
                base: Option<&Bound<'_, PyAny>>,
                axis: Option<isize>,
                normalize: bool,
                nan_policy: &str,
            ) -> PyResult<Self> {
                let policy = pyo3::types::PyString::new(py, nan_policy).into_any();
                let inner = Shannon::new($measure, stringify!($class), base, axis, normalize, &policy)?;
                Ok($class { inner })
            }

            /// Adds a chunk: the next entries of each distribution along ``axis`` (with
            /// ``axis=None``, the next entries of the one raveled distribution). Errors name
            /// positions counted from the start of the stream.
            #[pyo3(signature = $update_sig)]
            fn update<'py>(
                &mut self,
                py: Python<'py>,
                p: &Bound<'py, PyAny>,
                $($q: &Bound<'py, PyAny>,)?
            ) -> PyResult<()> {
                let q: Option<&Bound<'py, PyAny>> = None $(.or(Some($q)))?;
                let names = (name_of($measure), concat!(stringify!($class), ".update"));
                self.inner.update(py, names, p, q)
            }

            /// Adds the data of ``other`` (an accumulator of the same class and settings), as
            /// if its chunks came after this one's.
            fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
                let theirs = other.borrow().inner.clone();
                slf.borrow_mut()
                    .inner
                    .merge(&theirs, concat!(stringify!($class), ".merge"))
            }

            /// The measure of the data so far, as one call over all of it would give.
            fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.inner.result(py, concat!(stringify!($class), ".result"))
            }

            fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
                self.inner.getstate(py)
            }

            fn __setstate__(&mut self, state: &Bound<'_, PyAny>) -> PyResult<()> {
                self.inner.setstate(state, stringify!($class))
            }

            fn __repr__(&self) -> String {
                self.inner.describe(stringify!($class))
            }
        }
    };
}

shannon_accumulator!(
    /// Shannon entropy of data that arrives in chunks.
    ///
    /// Keeps mergeable partial sums (the mass S and T = sum p ln p, each at a power-of-two scale)
    /// per distribution, so that ``update`` with each chunk, ``merge`` of accumulators filled
    /// elsewhere (other threads, processes, machines) and ``result`` give what
    /// :func:`entropykit.entropy` gives on the concatenated data (to about 1e-15, whatever the
    /// chunking and the order of merges). Pickles.
    ///
    /// Parameters
    /// ----------
    /// base : float, optional
    ///     Logarithm base (finite, positive, not 1). Default: natural log (nats).
    /// axis : int or None, default -1
    ///     The axis chunks are concatenated along, which each distribution lies along (the other
    ///     axes index the distributions and must agree between chunks); None ravels every chunk
    ///     into one distribution.
    /// normalize : bool, default True
    ///     Divide each distribution by its own sum.
    /// nan_policy : {"propagate", "raise", "omit"}, default "propagate"
    ///     As for :func:`entropykit.entropy`.
    ///
    /// Examples
    /// --------
    /// >>> import numpy as np, entropykit as ek
    /// >>> acc = ek.EntropyAccumulator(base=2)
    /// >>> acc.update(np.array([1.0, 1.0]))
    /// >>> other = ek.EntropyAccumulator(base=2)
    /// >>> other.update(np.array([1.0, 1.0]))
    /// >>> acc.merge(other)
    /// >>> float(acc.result())
    /// 2.0
    EntropyAccumulator, Measure::Entropy, (p), ()
);

shannon_accumulator!(
    /// Cross-entropy H(p, q) of data that arrives in chunks of p and q.
    ///
    /// As :class:`EntropyAccumulator`, with ``update(p, q)``: p and q broadcast against each
    /// other within a chunk; the result is :func:`entropykit.cross_entropy` of the concatenated
    /// data.
    ///
    /// Examples
    /// --------
    /// >>> import entropykit as ek
    /// >>> acc = ek.CrossEntropyAccumulator(base=2)
    /// >>> acc.update([0.5], [0.25])
    /// >>> acc.update([0.5], [0.75])
    /// >>> float(acc.result())  # doctest: +ELLIPSIS
    /// 1.2075...
    CrossEntropyAccumulator, Measure::CrossEntropy, (p, q), (q)
);

shannon_accumulator!(
    /// KL divergence KL(p || q) of data that arrives in chunks of p and q.
    ///
    /// As :class:`EntropyAccumulator`, with ``update(p, q)``: the result is
    /// :func:`entropykit.kl_divergence` of the concatenated data.
    ///
    /// Examples
    /// --------
    /// >>> import entropykit as ek
    /// >>> acc = ek.KLDivergenceAccumulator(base=2)
    /// >>> acc.update([0.5], [0.25])
    /// >>> acc.update([0.5], [0.75])
    /// >>> float(acc.result())  # doctest: +ELLIPSIS
    /// 0.2075...
    KLDivergenceAccumulator, Measure::KlDivergence, (p, q), (q)
);

// ---------------------------------------------------------------------------------------------
// Labels: a histogram built chunk by chunk, any count estimator at the end.

/// A label as Python compares it: integers and whole floats are one kind (1 == 1.0), other
/// floats by value (-0.0 is 0), strings and bytes by content.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Label {
    Int(i128),
    Float(u64),
    Str(String),
    Bytes(Vec<u8>),
}

fn float_label(x: f64) -> Label {
    if x.fract() == 0.0 && x.abs() < 1e38 {
        Label::Int(x as i128)
    } else {
        Label::Float(x.to_bits())
    }
}

impl Label {
    fn to_object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Label::Int(v) => v.into_pyobject(py)?.into_any(),
            Label::Float(bits) => pyo3::types::PyFloat::new(py, f64::from_bits(*bits)).into_any(),
            Label::Str(s) => pyo3::types::PyString::new(py, s).into_any(),
            Label::Bytes(b) => pyo3::types::PyBytes::new(py, b).into_any(),
        })
    }

    fn from_object(obj: &Bound<'_, PyAny>) -> PyResult<Label> {
        if let Ok(s) = obj.cast::<pyo3::types::PyString>() {
            return Ok(Label::Str(s.to_str()?.to_owned()));
        }
        if let Ok(b) = obj.cast::<pyo3::types::PyBytes>() {
            return Ok(Label::Bytes(b.as_bytes().to_vec()));
        }
        if obj.is_instance_of::<PyInt>() {
            return Ok(Label::Int(obj.extract()?));
        }
        Ok(float_label(obj.extract()?))
    }
}

/// Adds the labels of the 1-D array-like `labels` to `histogram`; a NaN label is an error naming
/// its position `offset + i` in the stream.
fn count_labels(
    py: Python<'_>,
    labels: &Bound<'_, PyAny>,
    func: &str,
    offset: usize,
    histogram: &mut std::collections::HashMap<Label, u64>,
) -> PyResult<usize> {
    let array = convert::as_ndarray(labels, "labels", func)?;
    if array.ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "{func}: labels must be 1-D, not of shape {}",
            tuple_repr(array.shape())
        )));
    }
    let descr = numpy::PyUntypedArrayMethods::dtype(&array);
    let (kind, itemsize) = (
        numpy::PyArrayDescrMethods::kind(&descr),
        numpy::PyArrayDescrMethods::itemsize(&descr),
    );
    let n = array.len();
    let mut add = |label: Label| *histogram.entry(label).or_insert(0) += 1;
    let typed = |dtype: &str| array.call_method1("astype", (dtype,));
    match kind {
        b'b' | b'i' | b'u' if !(kind == b'u' && itemsize == 8) => {
            let values: PyReadonlyArrayDyn<'_, i64> = typed("int64")?.extract()?;
            values
                .as_array()
                .iter()
                .for_each(|&v| add(Label::Int(v.into())));
        }
        b'u' => {
            let values: PyReadonlyArrayDyn<'_, u64> = typed("uint64")?.extract()?;
            values
                .as_array()
                .iter()
                .for_each(|&v| add(Label::Int(v.into())));
        }
        b'f' => {
            let values: PyReadonlyArrayDyn<'_, f64> = typed("float64")?.extract()?;
            let values = values.as_array();
            if let Some(i) = values.iter().position(|v| v.is_nan()) {
                let index = [offset + i];
                let message = format!("{func}: labels[{}] is NaN; NaN is not a label", index[0]);
                return Err(errors::invalid(py, message, "nan", "labels", &index));
            }
            values.iter().for_each(|&v| add(float_label(v)));
        }
        b'U' | b'S' | b'O' => {
            for (i, item) in array.call_method0("tolist")?.try_iter()?.enumerate() {
                let item = item?;
                let label = if let Ok(s) = item.cast::<pyo3::types::PyString>() {
                    Label::Str(s.to_str()?.to_owned())
                } else if let Ok(b) = item.cast::<pyo3::types::PyBytes>() {
                    Label::Bytes(b.as_bytes().to_vec())
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "{func}: labels[{}] is {}; object labels must be str",
                        offset + i,
                        repr(&item)
                    )));
                };
                add(label);
            }
        }
        _ => {
            return Err(PyTypeError::new_err(format!(
                "{func}: labels have dtype {descr}; expected integers, booleans, floats or strings"
            )))
        }
    }
    Ok(n)
}

/// Entropy of labels that arrive in chunks, by any estimator of
/// :func:`entropykit.entropy_from_counts`.
///
/// ``update`` adds a chunk of labels to a histogram (a count per distinct label; labels compare
/// as Python compares them: ``1`` and ``1.0`` are one label, strings by content); ``result``
/// gives ``entropy_from_counts`` of the counts of the distinct labels seen, which is what
/// :func:`entropykit.entropy_labels` gives for ``"plugin"``. Merges and pickles; memory grows
/// with the number of distinct labels, not of labels.
///
/// Parameters
/// ----------
/// estimator : {"plugin", "miller_madow", "james_stein", "chao_shen"}, default "plugin"
///     The estimator (the cells are the distinct labels seen).
/// base : float, optional
///     Logarithm base (finite, positive, not 1). Default: natural log (nats).
///
/// Examples
/// --------
/// >>> import entropykit as ek
/// >>> acc = ek.CountsAccumulator(base=2)
/// >>> acc.update(["a", "b"])
/// >>> acc.update(["a", "c"])
/// >>> float(acc.result())
/// 1.5
/// >>> acc.counts()
/// {'a': 2, 'b': 1, 'c': 1}
#[pyclass(module = "entropykit")]
pub struct CountsAccumulator {
    estimator: String,
    measure: kernels::counts::CountMeasure,
    base: Option<f64>,
    histogram: std::collections::HashMap<Label, u64>,
    seen: usize,
}

impl CountsAccumulator {
    fn build(estimator: &str, base: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        const FUNC: &str = "CountsAccumulator";
        let measure = match kernels::counts::CountMeasure::parse(estimator) {
            Some(m) if m != kernels::counts::CountMeasure::Boltzmann => m,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "{FUNC}: estimator must be 'plugin', 'miller_madow', 'james_stein' or \
                     'chao_shen', not {estimator:?}"
                )))
            }
        };
        Ok(CountsAccumulator {
            estimator: estimator.to_owned(),
            measure,
            base: check_base(base, FUNC)?,
            histogram: Default::default(),
            seen: 0,
        })
    }
}

#[pymethods]
impl CountsAccumulator {
    #[new]
    #[pyo3(signature = (estimator="plugin", *, base=None))]
    fn new(estimator: &str, base: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        CountsAccumulator::build(estimator, base)
    }

    /// Adds a 1-D chunk of labels (integers, booleans, floats, strings); a NaN label is an
    /// error naming its position in the stream.
    fn update(&mut self, py: Python<'_>, labels: &Bound<'_, PyAny>) -> PyResult<()> {
        // Counted into a copy, so that a bad chunk leaves the histogram as it was.
        let mut chunk = Default::default();
        let n = count_labels(
            py,
            labels,
            "CountsAccumulator.update",
            self.seen,
            &mut chunk,
        )?;
        for (label, count) in chunk {
            *self.histogram.entry(label).or_insert(0) += count;
        }
        self.seen += n;
        Ok(())
    }

    /// Adds the labels counted by ``other`` (a CountsAccumulator with the same settings).
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        let same = {
            let (a, b) = (slf.borrow(), other.borrow());
            a.estimator == b.estimator && a.base == b.base
        };
        if !same {
            return Err(PyValueError::new_err(
                "CountsAccumulator.merge: the accumulators differ in estimator or base",
            ));
        }
        let (histogram, seen) = {
            let other = other.borrow();
            (other.histogram.clone(), other.seen)
        };
        let mut this = slf.borrow_mut();
        for (label, count) in histogram {
            *this.histogram.entry(label).or_insert(0) += count;
        }
        this.seen += seen;
        Ok(())
    }

    /// The entropy estimate from the counts so far (a float64).
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.histogram.is_empty() {
            return Err(PyValueError::new_err(
                "CountsAccumulator.result: no labels yet (the entropy of no labels is undefined)",
            ));
        }
        // Sorted counts: the estimate depends on the multiset of counts only, and so gets the
        // same bits whatever order the labels came in.
        let mut counts: Vec<f64> = self.histogram.values().map(|&c| c as f64).collect();
        counts.sort_by(f64::total_cmp);
        let options = Options::default();
        let value = kernels::counts::count_reduce_slice(self.measure, &counts, self.base, &options)
            .map_err(errors::plain)?;
        convert::float64(py, value)
    }

    /// The histogram so far: a dict from each distinct label to its count.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let dict = pyo3::types::PyDict::new(py);
        let mut items: Vec<_> = self.histogram.iter().collect();
        // Insertion order is not kept; sorted by count (then label kind) for a stable display.
        items.sort_by(|a, b| {
            b.1.cmp(a.1)
                .then_with(|| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)))
        });
        for (label, count) in items {
            dict.set_item(label.to_object(py)?, count)?;
        }
        Ok(dict)
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let labels = pyo3::types::PyList::empty(py);
        for (label, count) in &self.histogram {
            labels.append((label.to_object(py)?, *count))?;
        }
        (self.estimator.as_str(), self.base, labels, self.seen).into_pyobject(py)
    }

    fn __setstate__(&mut self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let estimator: String = state.get_item(0)?.extract()?;
        let base = state.get_item(1)?;
        let base = Some(&base).filter(|b| !b.is_none());
        let mut fresh = CountsAccumulator::build(&estimator, base)?;
        for item in state.get_item(2)?.try_iter()? {
            let item = item?;
            let label = Label::from_object(&item.get_item(0)?)?;
            fresh.histogram.insert(label, item.get_item(1)?.extract()?);
        }
        fresh.seen = state.get_item(3)?.extract()?;
        *self = fresh;
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "CountsAccumulator('{}', base={}) after {} labels, {} distinct",
            self.estimator,
            self.base.map_or("None".into(), |b| format!("{b:?}")),
            self.seen,
            self.histogram.len()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Token cross-entropy and perplexity from chunks of logits.

/// A running sum with Neumaier's compensation, so that many chunk sums add up to within an ulp
/// or two of one sum over everything, in any order.
#[derive(Clone, Copy, Debug, Default)]
struct Compensated {
    sum: f64,
    carry: f64,
}

impl Compensated {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.carry += (self.sum - t) + x;
        } else {
            self.carry += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn merge(&mut self, other: Compensated) {
        self.add(other.sum);
        self.carry += other.carry;
    }

    fn value(self) -> f64 {
        self.sum + self.carry
    }
}

/// Mean token cross-entropy (and perplexity) of logits that arrive in chunks of rows.
///
/// Each ``update(logits, target)`` adds the rows' losses as
/// :func:`entropykit.softmax_cross_entropy` computes them (class dimension on ``axis``, class
/// indices or probabilities as targets) and their weight in the mean; ``result`` is the mean
/// loss over every row so far, as one ``softmax_cross_entropy(..., reduction="mean")`` call over
/// the concatenated rows gives it, and ``perplexity`` its exponential (for class indices,
/// :func:`entropykit.perplexity_from_logits`). Merges and pickles.
///
/// Parameters
/// ----------
/// axis, weight, ignore_index, label_smoothing
///     As for :func:`entropykit.softmax_cross_entropy`.
///
/// Examples
/// --------
/// >>> import numpy as np, entropykit as ek
/// >>> acc = ek.TokenCrossEntropyAccumulator()
/// >>> acc.update(np.zeros((2, 4)), [0, 1])
/// >>> acc.update(np.zeros((1, 4)), [3])
/// >>> round(float(acc.perplexity()), 12)
/// 4.0
#[pyclass(module = "entropykit")]
pub struct TokenCrossEntropyAccumulator {
    axis: isize,
    weight: Option<Py<PyAny>>,
    ignore_index: Option<Py<PyAny>>,
    label_smoothing: f64,
    loss: Compensated,
    count: Compensated,
    rows: usize,
    /// Entries of the first batch axis seen (where errors count from).
    lead: usize,
}

impl TokenCrossEntropyAccumulator {
    fn same_settings(&self, other: &Self, py: Python<'_>) -> PyResult<bool> {
        let eq = |a: &Option<Py<PyAny>>, b: &Option<Py<PyAny>>| -> PyResult<bool> {
            match (a, b) {
                (None, None) => Ok(true),
                (Some(a), Some(b)) => {
                    let (a, b) = (a.bind(py), b.bind(py));
                    let np = py.import("numpy")?;
                    np.call_method1("array_equal", (a, b))?.is_truthy()
                }
                _ => Ok(false),
            }
        };
        Ok(self.axis == other.axis
            && self.label_smoothing == other.label_smoothing
            && eq(&self.weight, &other.weight)?
            && eq(&self.ignore_index, &other.ignore_index)?)
    }
}

#[pymethods]
impl TokenCrossEntropyAccumulator {
    #[new]
    #[pyo3(
        signature = (*, axis=-1, weight=None, ignore_index=None, label_smoothing=0.0),
        text_signature = "(*, axis=-1, weight=None, ignore_index=None, label_smoothing=0.0)"
    )]
    fn new(
        axis: isize,
        weight: Option<Py<PyAny>>,
        ignore_index: Option<Py<PyAny>>,
        label_smoothing: f64,
    ) -> Self {
        TokenCrossEntropyAccumulator {
            axis,
            weight,
            ignore_index,
            label_smoothing,
            loss: Compensated::default(),
            count: Compensated::default(),
            rows: 0,
            lead: 0,
        }
    }

    /// Adds a chunk of rows: ``logits`` with the class dimension on ``axis`` and their
    /// ``target`` (class indices or probabilities), checked as ``softmax_cross_entropy`` checks
    /// them.
    fn update(
        &mut self,
        py: Python<'_>,
        logits: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let axis = PyInt::new(py, self.axis).into_any();
        let smoothing = pyo3::types::PyFloat::new(py, self.label_smoothing).into_any();
        let weight = self.weight.as_ref().map(|w| w.bind(py).clone());
        let ignore = self.ignore_index.as_ref().map(|w| w.bind(py).clone());
        let (loss, count) = super::logits::cross_entropy_totals(
            py,
            "TokenCrossEntropyAccumulator.update",
            (self.rows, self.lead),
            logits,
            target,
            &axis,
            weight.as_ref(),
            ignore.as_ref(),
            &smoothing,
        )?;
        self.loss.add(loss);
        self.count.add(count);
        let shape = convert::as_ndarray(logits, "logits", "TokenCrossEntropyAccumulator.update")?
            .shape()
            .to_vec();
        let a = self.axis.rem_euclid(shape.len().max(1) as isize) as usize;
        let batch: Vec<usize> = (0..shape.len())
            .filter(|&i| i != a)
            .map(|i| shape[i])
            .collect();
        self.rows += batch.iter().product::<usize>();
        self.lead += batch.first().copied().unwrap_or(1);
        Ok(())
    }

    /// Adds the rows seen by ``other`` (an accumulator with the same settings).
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let (loss, count, rows, lead, same) = {
            let (a, b) = (slf.borrow(), other.borrow());
            (b.loss, b.count, b.rows, b.lead, a.same_settings(&b, py)?)
        };
        if !same {
            return Err(PyValueError::new_err(
                "TokenCrossEntropyAccumulator.merge: the accumulators differ in axis, weight, \
                 ignore_index or label_smoothing",
            ));
        }
        let mut this = slf.borrow_mut();
        this.loss.merge(loss);
        this.count.merge(count);
        this.rows += rows;
        this.lead += lead;
        Ok(())
    }

    /// The mean cross-entropy per row (token) so far, in nats (NaN before any counted row).
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::float64(py, self.loss.value() / self.count.value())
    }

    /// exp of :meth:`result`: the perplexity of the rows so far.
    fn perplexity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::float64(py, (self.loss.value() / self.count.value()).exp())
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            self.axis,
            self.weight.as_ref().map(|w| w.clone_ref(py)),
            self.ignore_index.as_ref().map(|w| w.clone_ref(py)),
            self.label_smoothing,
            (
                self.loss.sum,
                self.loss.carry,
                self.count.sum,
                self.count.carry,
            ),
            (self.rows, self.lead),
        )
            .into_pyobject(py)
    }

    fn __setstate__(&mut self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let none_or = |obj: Bound<'_, PyAny>| (!obj.is_none()).then(|| obj.unbind());
        let (ls, lc, cs, cc): (f64, f64, f64, f64) = state.get_item(4)?.extract()?;
        *self = TokenCrossEntropyAccumulator {
            axis: state.get_item(0)?.extract()?,
            weight: none_or(state.get_item(1)?),
            ignore_index: none_or(state.get_item(2)?),
            label_smoothing: state.get_item(3)?.extract()?,
            loss: Compensated { sum: ls, carry: lc },
            count: Compensated { sum: cs, carry: cc },
            rows: state.get_item(5)?.get_item(0)?.extract()?,
            lead: state.get_item(5)?.get_item(1)?.extract()?,
        };
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "TokenCrossEntropyAccumulator(axis={}, label_smoothing={:?}) after {} rows",
            self.axis, self.label_smoothing, self.rows
        )
    }
}
