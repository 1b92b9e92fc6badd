//! Bindings of the ragged measures (`kernels::reduce_segments`): entropy, cross-entropy, KL and
//! Jensen-Shannon of each segment of a flat array cut by offsets, of a pyarrow `ListArray` /
//! `LargeListArray`, or of a list of 1-D arrays, with their argument rules.
//!
//! Arrow lists are read through their offsets and child values without a copy (a sliced array's
//! offsets start above 0, as Arrow allows); nulls, in the lists or their values, are refused
//! here. A list of arrays is read array by array, in place.

use super::convert::{check_base, check_nan_policy, tuple_repr, Operand};
use super::errors;
use crate::error::{Arg, KernelError};
use crate::kernels::{self, Measure, Offsets, Options, Params, Segments};
use crate::strided::Input;
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// The offsets of a flat argument, held as an int32 or int64 array read in place.
struct HeldOffsets<'py>(Operand<'py>);

impl<'py> HeldOffsets<'py> {
    fn new(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Self> {
        let array = super::convert::as_ndarray(obj, name, func)?;
        if array.ndim() != 1 {
            return Err(PyValueError::new_err(format!(
                "{func}: {name} must be 1-D, not of shape {}",
                tuple_repr(array.shape())
            )));
        }
        let descr = array.dtype();
        let (kind, size) = (descr.kind(), descr.itemsize());
        let native = descr.is_native_byteorder().unwrap_or(true);
        let in_place = matches!((kind, size), (b'i', 4 | 8))
            && native
            && array.is_c_contiguous()
            && array.is_aligned();
        let array = if in_place {
            array
        } else if kind == b'i' || (kind == b'u' && size < 8) || array.len() == 0 {
            // Small integer types widen exactly; an empty list of offsets may be float.
            let widened = array.call_method1("astype", ("int64",))?;
            widened.cast_into::<PyUntypedArray>()?
        } else {
            return Err(PyTypeError::new_err(format!(
                "{func}: {name} has dtype {descr}; offsets must be integers (int32 or int64, as \
                 Arrow's List and LargeList)"
            )));
        };
        Ok(HeldOffsets(Operand::of(array)?))
    }

    fn offsets(&self) -> Offsets<'_> {
        if let Some(o) = self.0.contiguous::<i32>() {
            return Offsets::I32(o);
        }
        Offsets::I64(self.0.contiguous::<i64>().expect("int64 offsets"))
    }
}

/// One argument of a ragged measure, held in the form the kernel reads.
enum Held<'py> {
    Flat {
        values: Operand<'py>,
        offsets: HeldOffsets<'py>,
    },
    List(Vec<Operand<'py>>),
}

/// Whether `obj` is a pyarrow list array (List or LargeList).
fn is_arrow_list(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let kind = obj.get_type();
    let module: String = kind.getattr("__module__")?.extract().unwrap_or_default();
    if !module.starts_with("pyarrow") {
        return Ok(false);
    }
    let name = kind.name()?.to_string();
    Ok(name == "ListArray" || name == "LargeListArray")
}

/// A 1-D operand `name` of `func`.
fn one_d<'py>(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Operand<'py>> {
    let operand = Operand::new(obj, name, func)?;
    if operand.shape().len() != 1 {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} must be a 1-D array, not of shape {}",
            tuple_repr(operand.shape())
        )));
    }
    Ok(operand)
}

impl<'py> Held<'py> {
    fn new(
        obj: &Bound<'py, PyAny>,
        offsets: Option<&Bound<'py, PyAny>>,
        name: &str,
        func: &str,
    ) -> PyResult<Self> {
        if let Some(offsets) = offsets {
            return Ok(Held::Flat {
                values: one_d(obj, name, func)?,
                offsets: HeldOffsets::new(offsets, "offsets", func)?,
            });
        }
        if is_arrow_list(obj)? {
            let nulls: usize = obj.getattr("null_count")?.extract()?;
            let values = obj.getattr("values")?;
            let value_nulls: usize = values.getattr("null_count")?.extract()?;
            if nulls > 0 || value_nulls > 0 {
                return Err(PyValueError::new_err(format!(
                    "{func}: {name} holds nulls ({nulls} null lists, {value_nulls} null values); \
                     ragged measures take lists without nulls"
                )));
            }
            // `values` is the whole child array and `offsets` the (possibly sliced) offsets
            // into it: both are views of the Arrow buffers.
            let offsets = obj.getattr("offsets")?;
            return Ok(Held::Flat {
                values: one_d(&values, name, func)?,
                offsets: HeldOffsets::new(&offsets, &format!("{name}.offsets"), func)?,
            });
        }
        let items: Vec<Bound<'py, PyAny>> = if let Ok(list) = obj.cast::<PyList>() {
            list.iter().collect()
        } else if let Ok(tuple) = obj.cast::<PyTuple>() {
            tuple.iter().collect()
        } else {
            return Err(PyTypeError::new_err(format!(
                "{func}: with offsets=None, {name} must be a pyarrow ListArray or \
                 LargeListArray, or a list of 1-D arrays, not {}; pass offsets= for a flat array",
                obj.get_type().name()?
            )));
        };
        let mut operands = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let operand = Operand::new(item, &format!("{name}[{i}]"), func)?;
            if operand.shape().len() != 1 {
                return Err(PyValueError::new_err(format!(
                    "{func}: {name}[{i}] must be a 1-D array, not of shape {} (pass offsets= \
                     for a flat array)",
                    tuple_repr(operand.shape())
                )));
            }
            operands.push(operand);
        }
        Ok(Held::List(operands))
    }

    fn inputs(&self) -> PyResult<Vec<Input<'_>>> {
        match self {
            Held::Flat { values, .. } => Ok(vec![values.broadcast(values.shape())?]),
            Held::List(list) => list.iter().map(|o| o.broadcast(o.shape())).collect(),
        }
    }

    fn segments<'a>(
        &'a self,
        inputs: &'a [Input<'a>],
        name: &str,
    ) -> Result<Segments<'a>, KernelError> {
        match self {
            Held::Flat { offsets, .. } => Segments::flat(&inputs[0], offsets.offsets(), name),
            Held::List(_) => Ok(Segments::List(inputs)),
        }
    }

    /// The caller's name of entry `position` of segment `segment` of argument `name`.
    fn entry_name(&self, name: &str, segment: usize, position: usize) -> String {
        match self {
            Held::Flat { offsets, .. } => {
                let start = offsets.offsets().get(segment) as usize;
                format!(
                    "{name}[{}] (segment {segment}, entry {position})",
                    start + position
                )
            }
            Held::List(_) => format!("{name}[{segment}][{position}]"),
        }
    }
}

/// The exception for a kernel error, naming the segment and the entry within it.
fn segment_error(
    py: Python<'_>,
    error: KernelError,
    func: &str,
    args: &[(&str, &Held<'_>)],
    normalize: bool,
) -> PyErr {
    let which = |arg: Arg| match arg {
        Arg::P => args[0],
        Arg::Q => args[args.len() - 1],
    };
    if let Some(bad) = error.bad_entry() {
        let (name, held) = which(bad.arg);
        let at = held.entry_name(name, bad.distribution, bad.position);
        return errors::bad_entry(py, func, &at, &bad, name, &[bad.distribution, bad.position]);
    }
    match error {
        KernelError::ZeroMass { arg, distribution } => {
            let (name, _) = which(arg);
            let why = if normalize {
                "it cannot be normalized (normalize=True)"
            } else {
                "no entry is > 0"
            };
            let message =
                format!("{func}: {name} has zero total mass in segment {distribution}; {why}");
            errors::invalid(py, message, "zero_mass", name, &[distribution])
        }
        KernelError::Layout(message) => PyValueError::new_err(format!("{func}: {message}")),
        other => errors::plain(other),
    }
}

/// The keyword arguments every ragged measure takes.
struct Keywords<'a, 'py> {
    base: Option<&'a Bound<'py, PyAny>>,
    normalize: &'a Bound<'py, PyAny>,
    nan_policy: &'a Bound<'py, PyAny>,
}

fn run<'py>(
    py: Python<'py>,
    func: &str,
    measure: Measure,
    args: &[(&str, &Bound<'py, PyAny>)],
    offsets: Option<&Bound<'py, PyAny>>,
    keywords: Keywords<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let offsets = offsets.filter(|o| !o.is_none());
    let held: Vec<Held<'py>> = args
        .iter()
        .map(|(name, obj)| Held::new(obj, offsets, name, func))
        .collect::<PyResult<_>>()?;
    let params = Params {
        normalize: keywords.normalize.is_truthy()?,
        nan_policy: check_nan_policy(keywords.nan_policy, func)?,
        base: check_base(keywords.base, func)?,
        order: 0.0,
    };
    let inputs: Vec<Vec<Input<'_>>> = held.iter().map(Held::inputs).collect::<PyResult<_>>()?;
    let offsets_name = |i: usize| {
        if offsets.is_some() {
            "offsets".to_string()
        } else {
            format!("{}.offsets", args[i].0)
        }
    };
    let segments: Vec<Segments<'_>> = held
        .iter()
        .zip(&inputs)
        .enumerate()
        .map(|(i, (h, inputs))| {
            h.segments(inputs, &offsets_name(i))
                .map_err(|e| PyValueError::new_err(format!("{func}: {e}")))
        })
        .collect::<PyResult<_>>()?;
    let mut values = vec![0.0f64; segments[0].count()];
    let options = Options::default();
    py.detach(|| {
        kernels::reduce_segments(
            measure,
            &segments[0],
            segments.get(1),
            &params,
            &options,
            &mut values,
        )
    })
    .map_err(|e| {
        let named: Vec<(&str, &Held<'_>)> = args.iter().map(|a| a.0).zip(&held).collect();
        segment_error(py, e, func, &named, params.normalize)
    })?;
    Ok(numpy::PyArray1::from_vec(py, values).into_any())
}

/// `entropykit.entropy_segments(values, offsets, base=..., normalize=..., nan_policy=...)`.
#[pyfunction]
#[pyo3(signature = (values, offsets, base, normalize, nan_policy))]
pub(super) fn entropy_segments<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
    offsets: Option<&Bound<'py, PyAny>>,
    base: Option<&Bound<'py, PyAny>>,
    normalize: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let keywords = Keywords {
        base,
        normalize,
        nan_policy,
    };
    run(
        py,
        "entropy_segments",
        Measure::Entropy,
        &[("values", values)],
        offsets,
        keywords,
    )
}

macro_rules! binary_segments {
    ($name:ident, $measure:expr) => {
        #[doc = concat!("`entropykit.", stringify!($name), "(p, q, offsets, ...)`.")]
        #[pyfunction]
        #[pyo3(signature = (p, q, offsets, base, normalize, nan_policy))]
        #[allow(clippy::too_many_arguments)]
        pub(super) fn $name<'py>(
            py: Python<'py>,
            p: &Bound<'py, PyAny>,
            q: &Bound<'py, PyAny>,
            offsets: Option<&Bound<'py, PyAny>>,
            base: Option<&Bound<'py, PyAny>>,
            normalize: &Bound<'py, PyAny>,
            nan_policy: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let keywords = Keywords {
                base,
                normalize,
                nan_policy,
            };
            run(
                py,
                stringify!($name),
                $measure,
                &[("p", p), ("q", q)],
                offsets,
                keywords,
            )
        }
    };
}

binary_segments!(cross_entropy_segments, Measure::CrossEntropy);
binary_segments!(kl_divergence_segments, Measure::KlDivergence);
binary_segments!(js_divergence_segments, Measure::JensenShannon);

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        cross_entropy_segments,
        entropy_segments,
        js_divergence_segments,
        kl_divergence_segments
    )
}
