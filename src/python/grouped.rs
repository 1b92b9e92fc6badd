//! Binding of `entropy_grouped`: the entropy of the values of each distinct key, as
//! `df.group_by(key).agg(pl.col(x).entropy())` computes it in Polars.
//!
//! Keys follow the rules of the label functions (`labels.rs`: integers, booleans, floats without
//! NaN, `U`/`S` strings, object arrays of `str`), values those of the measures (floats or integer
//! counts, 1-D). Numbers are coded in ascending order, a block at a time, inside one pass of
//! per-group sums (`grouped::entropy_by_sums`); strings are coded by first appearance and
//! renumbered in NumPy's order of the distinct keys. Where the sums cannot vouch for a group,
//! the values are grouped by a stable counting sort and each group is one segment of the ragged
//! entropy kernel: the entropy of `values[keys == key]` to the bit, with its errors.

use super::convert::{cached, check_base, check_nan_policy, tuple_repr, Dtype, Operand};
use super::errors;
use super::labels::{as_labels, Data, Func, Source};
use crate::error::KernelError;
use crate::kernels::grouped::{self, Grouped};
use crate::kernels::labels;
use crate::kernels::{self, Measure, Offsets, Options, Params, Segments};
use crate::strided::{Element, Input, Strided};
use numpy::{PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;

static NUMPY_ASCONTIGUOUSARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

const FUNC: &str = "entropy_grouped";

/// Widest key range coded by offsets: each chunk of the one-pass sums keeps a table over the
/// range (32 bytes a slot), which must stay small next to the values.
const DIRECT_SPAN: usize = 1 << 16;

/// The values, read in place.
#[derive(Clone, Copy)]
enum Values<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
    I16(&'a [i16]),
    I8(&'a [i8]),
    U64(&'a [u64]),
    U32(&'a [u32]),
    U16(&'a [u16]),
    U8(&'a [u8]),
}

/// The kernels' results: entropies in code order and each group's first entry.
struct Done {
    entropies: Vec<f64>,
    first: Vec<usize>,
}

/// The one-pass sums (`grouped::entropy_by_sums`) over the values, with codes from `codes`;
/// `None` where they cannot vouch for the result.
fn by_sums(
    values: Values<'_>,
    codes: &(dyn Fn(usize, &mut [u32]) + Sync),
    groups: usize,
    params: &Params,
    options: &Options,
) -> Result<Option<Done>, KernelError> {
    macro_rules! sums {
        ($x:expr) => {
            grouped::entropy_by_sums(
                $x,
                codes,
                groups,
                params.normalize,
                params.nan_policy,
                params.base,
                options,
            )
        };
    }
    let result = match values {
        Values::F64(x) => sums!(x),
        Values::F32(x) => sums!(x),
        Values::I64(x) => sums!(x),
        Values::I32(x) => sums!(x),
        Values::I16(x) => sums!(x),
        Values::I8(x) => sums!(x),
        Values::U64(x) => sums!(x),
        Values::U32(x) => sums!(x),
        Values::U16(x) => sums!(x),
        Values::U8(x) => sums!(x),
    }?;
    Ok(result.map(|(entropies, first)| Done { entropies, first }))
}

/// Groups `values` by `codes` and takes each group's entropy as the entropy of a segment: the
/// core's bits, and its errors.
fn grouped_entropy<T: Element>(
    values: &[T],
    codes: &[u32],
    groups: usize,
    params: &Params,
    options: &Options,
    input: impl Fn(&[T]) -> Result<Input<'_>, KernelError>,
) -> Result<Done, KernelError> {
    let Grouped {
        values: sorted,
        offsets,
        first,
    } = grouped::group_by_codes(values, codes, groups, options)?;
    let view = input(&sorted)?;
    let segments = Segments::flat(&view, Offsets::I64(&offsets), "offsets")?;
    let mut entropies = vec![0.0; groups];
    kernels::reduce_segments(
        Measure::Entropy,
        &segments,
        None,
        params,
        options,
        &mut entropies,
    )?;
    Ok(Done { entropies, first })
}

/// `entropykit.entropy_grouped(values, keys, base=..., normalize=..., nan_policy=...)`.
#[pyfunction]
#[pyo3(signature = (values, keys, base, normalize, nan_policy))]
pub(super) fn entropy_grouped<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
    keys: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    normalize: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let params = Params {
        normalize: normalize.is_truthy()?,
        nan_policy: check_nan_policy(nan_policy, FUNC)?,
        base: check_base(base, FUNC)?,
        order: 0.0,
    };
    let mut operand = Operand::new(values, "values", FUNC)?;
    if operand.shape().len() != 1 {
        return Err(PyValueError::new_err(format!(
            "{FUNC}: values must be a 1-D array, not of shape {}",
            tuple_repr(operand.shape())
        )));
    }
    let (keys, kind) = as_labels(keys, "keys", Func::Grouped)?;
    let n = operand.shape()[0];
    if keys.len() != n {
        return Err(PyValueError::new_err(format!(
            "{FUNC}: values and keys must have equal lengths; values has {n} entries, keys {}",
            keys.len()
        )));
    }
    if !operand.array.is_c_contiguous() {
        // The counting sort reads values as one slice: gather a strided array once.
        let copy = cached(py, &NUMPY_ASCONTIGUOUSARRAY, "numpy", "ascontiguousarray")?
            .call1((&operand.array,))?;
        operand = Operand::of(copy.cast_into::<PyUntypedArray>()?)?;
    }
    let source = Source::new(keys.clone(), kind, "keys", Func::Grouped)?;
    // Numbers are coded in ascending order; strings by first appearance (renumbered below).
    let ordered = !matches!(source, Source::Records { .. } | Source::Codes(_));
    let data = source.data()?;
    let options = Options::default();
    // The values as a plain slice (a `Bound` must not cross into the released closure).
    macro_rules! slices {
        ($($d:ident => $t:ty),*) => {
            match operand.dtype {
                $(Dtype::$d => Values::$d(
                    operand.contiguous::<$t>().expect("a C-contiguous operand")
                ),)*
            }
        };
    }
    let slice = slices!(F64 => f64, F32 => f32, I64 => i64, I32 => i32, I16 => i16, I8 => i8,
        U64 => u64, U32 => u32, U16 => u16, U8 => u8);
    let finish = |done: Done| -> PyResult<Bound<'py, PyTuple>> {
        let first: Vec<i64> = done.first.iter().map(|&i| i as i64).collect();
        let unique = keys.call_method1("take", (numpy::PyArray1::from_vec(py, first),))?;
        let entropies = numpy::PyArray1::from_vec(py, done.entropies).into_any();
        PyTuple::new(py, [unique, entropies])
    };
    if let (true, Data::Labels(labels)) = (ordered, data) {
        // Numbers: one pass of per-group sums, decoding the codes a block at a time; keys of a
        // narrow range are their own codes (offsets from the smallest), with no counting pass.
        let fast = py.detach(|| {
            let max_span = DIRECT_SPAN.min(n);
            let sums = |groups: usize, decode: &(dyn Fn(usize, &mut [u32]) + Sync)| {
                by_sums(slice, decode, groups, &params, &options)
            };
            labels::with_group_codes(labels, max_span, &options, sums)
        });
        if let Some(done) = fast
            .map_err(|e| keys_error(py, e))?
            .map_err(errors::plain)?
        {
            return finish(done);
        }
    }
    let coded = py.detach(|| match data {
        Data::Labels(labels) => labels::label_codes(labels, &options),
        Data::Records(bytes, width) => labels::factorize_records(bytes, width, &options),
    });
    let (mut codes, groups) = coded.map_err(|e| keys_error(py, e))?;
    if !ordered {
        // Strings were numbered by first appearance: renumber them in NumPy's order of the
        // distinct keys, so groups (and the first error) come in the order of the result.
        let first = py.detach(|| grouped::first_indices(&codes, groups));
        let first = numpy::PyArray1::from_vec(py, first.iter().map(|&i| i as i64).collect());
        let distinct = keys.call_method1("take", (first,))?;
        let order = distinct.call_method("argsort", (), Some(&kind_stable(py)?))?;
        let order: Vec<i64> = order.extract()?;
        let mut rank = vec![0u32; groups];
        for (k, &code) in order.iter().enumerate() {
            rank[code as usize] = k as u32;
        }
        py.detach(|| codes.iter_mut().for_each(|c| *c = rank[*c as usize]));
        let decode = |start: usize, out: &mut [u32]| {
            out.copy_from_slice(&codes[start..start + out.len()]);
        };
        let fast = py.detach(|| by_sums(slice, &decode, groups, &params, &options));
        if let Some(done) = fast.map_err(errors::plain)? {
            return finish(done);
        }
    }
    let result = py.detach(|| {
        macro_rules! run {
            ($x:expr, $variant:ident) => {
                grouped_entropy($x, &codes, groups, &params, &options, |s| {
                    Ok(Input::$variant(Strided::from_slice(s, &[], s.len())?))
                })
            };
        }
        match slice {
            Values::F64(x) => run!(x, F64),
            Values::F32(x) => run!(x, F32),
            Values::I64(x) => run!(x, I64),
            Values::I32(x) => run!(x, I32),
            Values::I16(x) => run!(x, I16),
            Values::I8(x) => run!(x, I8),
            Values::U64(x) => run!(x, U64),
            Values::U32(x) => run!(x, U32),
            Values::U16(x) => run!(x, U16),
            Values::U8(x) => run!(x, U8),
        }
    });
    let done = result.map_err(|e| values_error(py, e, &codes, &keys, params.normalize))?;
    finish(done)
}

/// `{"kind": "stable"}`.
fn kind_stable(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("kind", "stable")?;
    Ok(kwargs)
}

/// A NaN key, or a layout problem.
fn keys_error(py: Python<'_>, error: KernelError) -> PyErr {
    match error {
        KernelError::Nan { position, .. } => errors::invalid(
            py,
            format!("{FUNC}: keys[{position}] is NaN; NaN is not a key"),
            "nan",
            "keys",
            &[position],
        ),
        KernelError::ThreadPool(message) => PyRuntimeError::new_err(message),
        other => PyValueError::new_err(format!("{FUNC}: {other}")),
    }
}

/// The index in `values` of entry `position` of group `group`: its `position`-th entry with
/// that code, in order.
fn original_index(codes: &[u32], group: usize, position: usize) -> usize {
    codes
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c as usize == group)
        .nth(position)
        .map_or(0, |(i, _)| i)
}

/// `repr(keys[i])`.
fn key_repr(keys: &Bound<'_, PyUntypedArray>, i: usize) -> String {
    keys.get_item(i)
        .and_then(|k| k.repr().map(|r| r.to_string()))
        .unwrap_or_else(|_| "?".into())
}

/// A bad value, named by its index in `values` and its key.
fn values_error(
    py: Python<'_>,
    error: KernelError,
    codes: &[u32],
    keys: &Bound<'_, PyUntypedArray>,
    normalize: bool,
) -> PyErr {
    if let Some(bad) = error.bad_entry() {
        let i = original_index(codes, bad.distribution, bad.position);
        let at = format!("values[{i}] (key {})", key_repr(keys, i));
        return errors::bad_entry(py, FUNC, &at, &bad, "values", &[i]);
    }
    match error {
        KernelError::ZeroMass { distribution, .. } => {
            let i = original_index(codes, distribution, 0);
            let why = if normalize {
                "it cannot be normalized (normalize=True)"
            } else {
                "no entry is > 0"
            };
            let message = format!(
                "{FUNC}: the values of key {} (first at values[{i}]) have zero total mass; {why}",
                key_repr(keys, i)
            );
            errors::invalid(py, message, "zero_mass", "values", &[i])
        }
        KernelError::ThreadPool(message) => PyRuntimeError::new_err(message),
        other => PyValueError::new_err(format!("{FUNC}: {other}")),
    }
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(module, entropy_grouped)
}
