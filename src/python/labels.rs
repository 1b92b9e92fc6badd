//! Bindings of `entropy_labels` and `mutual_information_labels` (`kernels::labels`), with their
//! argument rules: any array-like of 1-D labels (integers, booleans, float16/32/64, `U`/`S`
//! strings, object arrays of `str`), equal lengths, no empty input, `base`.
//!
//! Numbers and booleans are read in place (a copy only for strided, misaligned or byte-swapped
//! data, float16 is widened to float32). `U`/`S` strings are hashed as fixed-width records by the
//! kernel, with the GIL released. Object arrays are numbered here, under the GIL, by the UTF-8
//! bytes of their `str` entries: reading Python objects needs the GIL, and holding it also keeps
//! every entry alive and unchanged while its bytes are hashed.

use super::convert::{as_ndarray, cached, check_base, float64, repr, tuple_repr, Dtype, Operand};
use super::errors;
use crate::error::{Arg, KernelError};
use crate::kernels::labels::{self, Labels, MixHasher};
use crate::kernels::Options;
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;
use pyo3::{ffi, intern};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

static NUMPY_ASCONTIGUOUSARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The two public functions, for their messages.
#[derive(Clone, Copy)]
pub(super) enum Func {
    Entropy,
    MutualInformation,
    /// `entropy_grouped`, whose keys are labels.
    Grouped,
}

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::Entropy => "entropy_labels",
            Func::MutualInformation => "mutual_information_labels",
            Func::Grouped => "entropy_grouped",
        }
    }

    fn measure(self) -> &'static str {
        match self {
            Func::Entropy => "entropy",
            Func::MutualInformation => "mutual information",
            Func::Grouped => "entropy",
        }
    }
}

/// The label kinds NumPy dtypes fall in.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Integers and float32/64, read as they are.
    Number,
    Float16,
    Bool,
    /// `U` and `S`: fixed-width records.
    Records,
    Object,
}

/// `x` as a 1-D ndarray of a label dtype (no copy for arrays), and its kind.
pub(super) fn as_labels<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    func: Func,
) -> PyResult<(Bound<'py, PyUntypedArray>, Kind)> {
    let array = as_ndarray(obj, name, func.name())?;
    if array.ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "{}: {name} must be a 1-D array of labels, not of shape {}",
            func.name(),
            tuple_repr(array.shape())
        )));
    }
    let descr = array.dtype();
    let kind = match (descr.kind(), descr.itemsize()) {
        (b'i' | b'u', _) | (b'f', 4 | 8) => Kind::Number,
        (b'f', 2) => Kind::Float16,
        (b'b', _) => Kind::Bool,
        (b'U' | b'S', _) => Kind::Records,
        (b'O', _) => Kind::Object,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "{}: {name} has dtype {descr}; labels must be integers, booleans, \
                 float16/32/64 or strings",
                func.name()
            )))
        }
    };
    Ok((array, kind))
}

/// One argument's labels, held in the form the kernel reads.
pub(super) enum Source<'py> {
    Numbers(Operand<'py>),
    Bools(PyReadonlyArrayDyn<'py, bool>),
    /// A C-contiguous `U`/`S` array of records `width` bytes wide (width > 0).
    Records {
        array: Bound<'py, PyUntypedArray>,
        width: usize,
    },
    /// Codes standing for the labels: equal codes for equal labels.
    Codes(Vec<u32>),
}

/// What the kernel reads of a `Source`: plain data, safe to hand to the thread pool.
#[derive(Clone, Copy)]
pub(super) enum Data<'a> {
    Labels(Labels<'a>),
    Records(&'a [u8], usize),
}

/// A copy of `array` that is C-contiguous, aligned and in native byte order (`dtype`: the dtype
/// to convert to, None to keep it).
fn contiguous<'py>(
    array: &Bound<'py, PyUntypedArray>,
    dtype: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let copy = cached(
        array.py(),
        &NUMPY_ASCONTIGUOUSARRAY,
        "numpy",
        "ascontiguousarray",
    )?;
    Ok(copy.call1((array, dtype))?.cast_into::<PyUntypedArray>()?)
}

impl<'py> Source<'py> {
    pub(super) fn new(
        array: Bound<'py, PyUntypedArray>,
        kind: Kind,
        name: &str,
        func: Func,
    ) -> PyResult<Self> {
        let descr = array.dtype();
        let in_place = array.is_c_contiguous() && array.is_aligned();
        Ok(match kind {
            Kind::Number | Kind::Bool => {
                let array = if in_place && descr.is_native_byteorder().unwrap_or(true) {
                    array
                } else {
                    let native = descr.call_method1(intern!(array.py(), "newbyteorder"), ("=",))?;
                    contiguous(&array, Some(native))?
                };
                if kind == Kind::Bool {
                    Source::Bools(array.cast::<PyArrayDyn<bool>>()?.try_readonly()?)
                } else {
                    Source::Numbers(Operand::of(array)?)
                }
            }
            Kind::Float16 => {
                let float32 = intern!(array.py(), "float32").clone().into_any();
                let widened = contiguous(&array, Some(float32))?;
                Source::Numbers(Operand::of(widened)?)
            }
            Kind::Records => {
                let width = descr.itemsize();
                if width == 0 {
                    // Zero-width strings are all the empty string: one label.
                    return Ok(Source::Codes(vec![0; array.len()]));
                }
                let array = if array.is_c_contiguous() {
                    array
                } else {
                    contiguous(&array, None)?
                };
                Source::Records { array, width }
            }
            Kind::Object => {
                let array = if in_place {
                    array
                } else {
                    contiguous(&array, None)?
                };
                Source::Codes(object_codes(&array, name, func)?)
            }
        })
    }

    pub(super) fn data(&self) -> PyResult<Data<'_>> {
        Ok(match self {
            Source::Numbers(borrowed) => Data::Labels(labels_of(borrowed)?),
            Source::Bools(array) => {
                // SAFETY: a C-contiguous array of `len` one-byte bools, borrowed read-only for
                // as long as the slice lives; read as bytes (0 and 1), never as Rust bools.
                let bytes =
                    unsafe { std::slice::from_raw_parts(array.data() as *const u8, array.len()) };
                Data::Labels(Labels::U8(bytes))
            }
            Source::Records { array, width } => {
                // SAFETY: a C-contiguous array of `len` records of `width` bytes, which the
                // caller's reference keeps alive for this call. (NumPy has no read-only borrow of
                // `U`/`S` arrays to take; like NumPy's own GIL-releasing loops, we rely on no
                // other thread writing to an argument while a function reads it.)
                let bytes = unsafe {
                    std::slice::from_raw_parts(
                        (*array.as_array_ptr()).fields.data as *const u8,
                        array.len() * width,
                    )
                };
                Data::Records(bytes, *width)
            }
            Source::Codes(codes) => Data::Labels(Labels::U32(codes)),
        })
    }
}

/// The contiguous 1-D data of a held array, as labels.
fn labels_of<'a>(operand: &'a Operand<'_>) -> PyResult<Labels<'a>> {
    fn slice<'a, T: crate::strided::Element>(operand: &'a Operand<'_>) -> PyResult<&'a [T]> {
        operand
            .contiguous::<T>()
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("labels must be contiguous"))
    }
    Ok(match operand.dtype {
        Dtype::F64 => Labels::F64(slice(operand)?),
        Dtype::F32 => Labels::F32(slice(operand)?),
        Dtype::I64 => Labels::I64(slice(operand)?),
        Dtype::I32 => Labels::I32(slice(operand)?),
        Dtype::I16 => Labels::I16(slice(operand)?),
        Dtype::I8 => Labels::I8(slice(operand)?),
        Dtype::U64 => Labels::U64(slice(operand)?),
        Dtype::U32 => Labels::U32(slice(operand)?),
        Dtype::U16 => Labels::U16(slice(operand)?),
        Dtype::U8 => Labels::U8(slice(operand)?),
    })
}

/// Codes (by first appearance) for the entries of a C-contiguous, aligned object array, which
/// must all be `str`; equal strings get equal codes.
fn object_codes(array: &Bound<'_, PyUntypedArray>, name: &str, func: Func) -> PyResult<Vec<u32>> {
    let py = array.py();
    let n = array.len();
    // SAFETY: reading the `data` field of an array object the caller holds alive.
    let items = unsafe { (*array.as_array_ptr()).fields.data as *const *mut ffi::PyObject };
    // Keys are a string's UTF-8 bytes, borrowed from the string itself (CPython caches them on
    // it); a string with lone surrogates has none, and is keyed by its "surrogatepass" encoding,
    // which is as injective on code points.
    let mut table: HashMap<Cow<'_, [u8]>, u32, BuildHasherDefault<MixHasher>> = HashMap::default();
    let mut codes = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: `i < n` entries of an aligned contiguous object array the caller keeps alive;
        // the GIL is held and no Python code runs in this loop (but the encode below, a builtin),
        // so no entry is replaced or freed while its bytes are in the table.
        let item = unsafe { *items.add(i) };
        // SAFETY: `item` is a non-null object pointer (checked first), live as above.
        let is_str = !item.is_null() && unsafe { ffi::PyUnicode_Check(item) } != 0;
        if !is_str {
            let value = if item.is_null() {
                py.None().into_bound(py)
            } else {
                // SAFETY: a non-null entry of a live object array is a live object (the array
                // holds a reference); `from_borrowed_ptr` takes a reference of its own.
                unsafe { Bound::from_borrowed_ptr(py, item) }
            };
            let type_name = value.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "{}: {name}[{i}] is {} of type {type_name}; object arrays of labels must hold str",
                func.name(),
                repr(&value)
            )));
        }
        let mut size: ffi::Py_ssize_t = 0;
        // SAFETY: `item` is a str; the buffer lives as long as the string.
        let utf8 = unsafe { ffi::PyUnicode_AsUTF8AndSize(item, &mut size) };
        let key: Cow<'_, [u8]> = if utf8.is_null() {
            let _ = PyErr::take(py);
            // SAFETY: `item` is a live str (checked above); we take a reference of our own.
            let value = unsafe { Bound::from_borrowed_ptr(py, item) };
            let encoded = value.call_method1(intern!(py, "encode"), ("utf-8", "surrogatepass"))?;
            Cow::Owned(encoded.cast::<PyBytes>()?.as_bytes().to_vec())
        } else {
            // SAFETY: CPython returned `size` bytes of UTF-8 at `utf8`, cached on the string,
            // which the array keeps alive (and unchanged: str is immutable) while `table` lives.
            Cow::Borrowed(unsafe { std::slice::from_raw_parts(utf8 as *const u8, size as usize) })
        };
        let next = table.len();
        if next > u32::MAX as usize {
            return Err(PyValueError::new_err(format!(
                "{}: {name} has more than {} distinct labels",
                func.name(),
                u32::MAX
            )));
        }
        codes.push(*table.entry(key).or_insert(next as u32));
    }
    Ok(codes)
}

/// Runs `f` on the labels of `data`, numbering records first.
fn with_labels<R>(
    data: Data<'_>,
    options: &Options,
    f: impl FnOnce(Labels<'_>) -> Result<R, KernelError>,
) -> Result<R, KernelError> {
    match data {
        Data::Labels(labels) => f(labels),
        Data::Records(bytes, width) => {
            let (codes, _) = labels::factorize_records(bytes, width, options)?;
            f(Labels::U32(&codes))
        }
    }
}

/// The exception for a kernel error: a NaN label named in the caller's words.
fn kernel_error(py: Python<'_>, error: KernelError, func: Func) -> PyErr {
    match error {
        KernelError::Nan { arg, position, .. } => {
            let name = match arg {
                Arg::P => "x",
                Arg::Q => "y",
            };
            let message = format!(
                "{}: {name}[{position}] is NaN; NaN is not a label",
                func.name()
            );
            errors::invalid(py, message, "nan", name, &[position])
        }
        KernelError::ThreadPool(message) => PyRuntimeError::new_err(message),
        other => PyValueError::new_err(other.to_string()),
    }
}

fn check_not_empty(n: usize, func: Func) -> PyResult<()> {
    if n == 0 {
        return Err(PyValueError::new_err(format!(
            "{}: no labels; the {} of an empty sample is undefined",
            func.name(),
            func.measure()
        )));
    }
    Ok(())
}

/// A value in nats in `base` (None: nats), as a NumPy float64.
fn in_base(py: Python<'_>, value: f64, base: Option<f64>) -> PyResult<Bound<'_, PyAny>> {
    float64(py, base.map_or(value, |b| value / b.ln()))
}

/// `entropykit.entropy_labels(x, base=base)`.
#[pyfunction]
#[pyo3(signature = (x, base))]
pub(super) fn entropy_labels<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = Func::Entropy;
    let base = check_base(base, func.name())?;
    let (x, kind) = as_labels(x, "x", func)?;
    check_not_empty(x.len(), func)?;
    let x = Source::new(x, kind, "x", func)?;
    let data = x.data()?;
    let options = Options::default();
    let value = py
        .detach(|| with_labels(data, &options, |x| labels::entropy_labels(x, &options)))
        .map_err(|e| kernel_error(py, e, func))?;
    in_base(py, value, base)
}

/// `entropykit.mutual_information_labels(x, y, base=base)`.
#[pyfunction]
#[pyo3(signature = (x, y, base))]
pub(super) fn mutual_information_labels<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = Func::MutualInformation;
    let base = check_base(base, func.name())?;
    let (x, x_kind) = as_labels(x, "x", func)?;
    let (y, y_kind) = as_labels(y, "y", func)?;
    if x.len() != y.len() {
        return Err(PyValueError::new_err(format!(
            "{}: x and y must have equal lengths; x has {} labels, y has {}",
            func.name(),
            x.len(),
            y.len()
        )));
    }
    check_not_empty(x.len(), func)?;
    let x = Source::new(x, x_kind, "x", func)?;
    let y = Source::new(y, y_kind, "y", func)?;
    let (dx, dy) = (x.data()?, y.data()?);
    let options = Options::default();
    let value = py
        .detach(|| {
            with_labels(dx, &options, |x| {
                with_labels(dy, &options, |y| {
                    labels::mutual_information_labels(x, y, &options)
                })
            })
        })
        .map_err(|e| kernel_error(py, e, func))?;
    in_base(py, value, base)
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(module, entropy_labels, mutual_information_labels)
}
