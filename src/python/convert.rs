//! The argument rules of the public functions, once: which objects and dtypes are accepted, how
//! `axis`, `keepdims`, broadcasting, `base` and `nan_policy` are read, how a batch of
//! distributions is laid out for the kernels, and how results take the caller's shape.
//!
//! Distributions lie along the reduced axes; the other axes index a batch of distributions. A
//! distribution's entries are ordered in C order over the reduced axes taken in ascending order,
//! and distributions in C order over the remaining axes: "the first offending entry" means the
//! first in that order, in the first offending distribution.

use super::errors::{self, axis_error};
use crate::error::KernelError;
use crate::kernels::NanPolicy;
use crate::strided::{Element, Input, Strided};
use numpy::{PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};

static NUMPY_ASARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMPY_MASKED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMPY_REQUIRE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMPY_BOOL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMPY_NUMBER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMBERS_REAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `module.name`, looked up once per process.
pub fn cached<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import(module)?.getattr(name)?.unbind())
    })
    .map(|object| object.bind(py))
}

/// `obj` as an ndarray (the object itself when it is exactly one: no copy, no NumPy call).
///
/// `name` and `func` locate the failures: a masked array is refused (`np.asarray` would drop its
/// mask, so masked-out entries would count), and an object NumPy cannot turn into an array
/// (ragged nested lists, ...) gets NumPy's reason prefixed with the argument it came from.
pub fn as_ndarray<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    func: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = obj.py();
    if obj.get_type().is(py.get_type::<PyUntypedArray>()) {
        // SAFETY-free fast path: an exact ndarray is a PyUntypedArray.
        return Ok(obj.cast::<PyUntypedArray>()?.clone());
    }
    if obj.is_instance(cached(py, &NUMPY_MASKED, "numpy.ma", "MaskedArray")?)? {
        return Err(PyTypeError::new_err(format!(
            "{func}: {name} is a masked array; masks are not supported (the masked entries \
             would be read): pass {name}.compressed() or {name}.filled(value)"
        )));
    }
    if let Some(array) = torch_tensor(obj)? {
        return Ok(array);
    }
    let array = cached(py, &NUMPY_ASARRAY, "numpy", "asarray")?
        .call1((obj,))
        .map_err(|error| {
            if error.is_instance_of::<PyValueError>(py) || error.is_instance_of::<PyTypeError>(py) {
                let kind = error.get_type(py);
                let message = format!(
                    "{func}: {name} cannot be read as an array: {}",
                    error.value(py)
                );
                let new = PyErr::from_type(kind, message);
                new.set_cause(py, Some(error));
                new
            } else {
                error
            }
        })?;
    Ok(array.cast_into::<PyUntypedArray>()?)
}

/// A PyTorch CPU tensor as an ndarray over its memory (`Tensor.numpy()` shares it), detached
/// first: NumPy's conversion refuses a tensor that requires grad, and we only read values.
/// NumPy has no bfloat16, so a bfloat16 tensor's bits are read in place as int16 and widened to
/// float32 (exactly: bfloat16 is the top half of a float32), the one copy, as for float16.
fn torch_tensor<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyUntypedArray>>> {
    let module = obj.get_type().module()?;
    let module = module.to_str()?;
    if !(module == "torch" || module.starts_with("torch.")) || !obj.hasattr("detach")? {
        return Ok(None);
    }
    let tensor = obj.call_method0("detach")?;
    let device: String = tensor.getattr("device")?.getattr("type")?.extract()?;
    if device != "cpu" {
        return Err(PyTypeError::new_err(format!(
            "a torch tensor on device '{device}' cannot be read in place; move it to the CPU \
             first (tensor.cpu())"
        )));
    }
    let dtype = tensor.getattr("dtype")?;
    if dtype.str()?.to_str()? != "torch.bfloat16" {
        return Ok(Some(
            tensor
                .call_method0("numpy")?
                .cast_into::<PyUntypedArray>()?,
        ));
    }
    let py = obj.py();
    let int16 = py.import("torch")?.getattr("int16")?;
    let bits = tensor
        .call_method0("contiguous")?
        .call_method1("view", (int16,))?
        .call_method0("numpy")?;
    let bits = bits.cast_into::<numpy::PyArrayDyn<i16>>()?;
    let shape = bits.shape().to_vec();
    let widened: Vec<f32> = bits
        .readonly()
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .iter()
        .map(|&b| f32::from_bits(u32::from(b as u16) << 16))
        .collect();
    let array = numpy::PyArray1::from_vec(py, widened).reshape(shape)?;
    Ok(Some(array.into_any().cast_into::<PyUntypedArray>()?))
}

/// The dtypes the kernels read: the float widths (float16 is widened first) and every integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    F64,
    F32,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
}

/// `(kind, itemsize)` of a NumPy dtype as one of ours (`None`: not accepted; float16 is
/// reported as F32, the dtype it is read in).
fn dtype_of(kind: u8, itemsize: usize) -> Option<Dtype> {
    Some(match (kind, itemsize) {
        (b'f', 8) => Dtype::F64,
        (b'f', 4 | 2) => Dtype::F32,
        (b'i', 8) => Dtype::I64,
        (b'i', 4) => Dtype::I32,
        (b'i', 2) => Dtype::I16,
        (b'i', 1) => Dtype::I8,
        (b'u', 8) => Dtype::U64,
        (b'u', 4) => Dtype::U32,
        (b'u', 2) => Dtype::U16,
        (b'u', 1) => Dtype::U8,
        _ => return None,
    })
}

/// An argument of a measure as an array the kernels read in place: any array-like, checked for
/// its dtype (float16, float32, float64 or any integer: counts). A copy is made only for float16
/// (widened to float32), non-native byte order or misaligned data.
pub struct Operand<'py> {
    pub array: Bound<'py, PyUntypedArray>,
    pub dtype: Dtype,
}

impl<'py> Operand<'py> {
    pub fn new(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Self> {
        let array = as_ndarray(obj, name, func)?;
        let descr = array.dtype();
        let (kind, itemsize) = (descr.kind(), descr.itemsize());
        let Some(dtype) = dtype_of(kind, itemsize) else {
            return Err(PyTypeError::new_err(format!(
                "{func}: {name} has dtype {descr}; expected float16, float32, float64 or an \
                 integer dtype (counts)"
            )));
        };
        let native = descr.is_native_byteorder().unwrap_or(true);
        if kind == b'f' && itemsize == 2 {
            let widened = array.call_method1("astype", ("float32",))?;
            return Ok(Operand {
                array: widened.cast_into::<PyUntypedArray>()?,
                dtype,
            });
        }
        if !native || !array.is_aligned() {
            let want = descr.call_method1("newbyteorder", ("=",))?;
            let require = cached(obj.py(), &NUMPY_REQUIRE, "numpy", "require")?;
            let fixed = require.call1((&array, want, "A"))?;
            return Ok(Operand {
                array: fixed.cast_into::<PyUntypedArray>()?,
                dtype,
            });
        }
        Ok(Operand { array, dtype })
    }

    /// An array whose dtype the caller already checked (kernels read it as it is: native order,
    /// aligned, float16 already widened).
    pub fn of(array: Bound<'py, PyUntypedArray>) -> PyResult<Self> {
        let descr = array.dtype();
        match dtype_of(descr.kind(), descr.itemsize()) {
            Some(dtype) if descr.itemsize() != 2 || descr.kind() != b'f' => {
                Ok(Operand { array, dtype })
            }
            _ => Err(PyTypeError::new_err(format!("unsupported dtype {descr}"))),
        }
    }

    pub fn shape(&self) -> &[usize] {
        self.array.shape()
    }

    /// The operand's memory seen with `shape` and `strides` (in elements), the first
    /// `batch_dims` dimensions indexing distributions. No borrow bookkeeping: see SAFETY.
    pub fn view(
        &self,
        shape: &[usize],
        strides: &[isize],
        batch_dims: usize,
    ) -> PyResult<Input<'_>> {
        self.view_from(0, shape, strides, batch_dims)
    }

    /// A 1-d operand's data pointer and stride (in elements), for readers that slice it
    /// themselves while the operand is held.
    pub fn flat(&self) -> (*const u8, isize) {
        let size = self.array.dtype().itemsize() as isize;
        // SAFETY: reading the `data` field of the array object `self.array` holds alive.
        let data = unsafe { (*self.array.as_array_ptr()).fields.data } as *const u8;
        (data, self.array.strides()[0] / size)
    }

    /// As [`Operand::view`], from the element `offset` (in elements) away from the first.
    fn view_from(
        &self,
        offset: isize,
        shape: &[usize],
        strides: &[isize],
        batch_dims: usize,
    ) -> PyResult<Input<'_>> {
        // SAFETY: reading the array's own `data` pointer field; `offset` stays within the
        // array (callers pass the offset of an entry of it).
        let data = unsafe {
            ((*self.array.as_array_ptr()).fields.data as *const u8)
                .offset(offset * self.array.dtype().itemsize() as isize)
        };
        macro_rules! view_as {
            ($t:ty, $variant:ident) => {{
                let raw = data as *const $t;
                // SAFETY: `self.array` is held (a strong reference) for as long as the view
                // borrows `self`, so its memory is neither freed nor reallocated (NumPy refuses
                // to resize an array that is referenced); `shape` and `strides` are the array's
                // own or a broadcast and transposition of them that reaches no element the
                // array's own do not (broadcast dimensions have stride 0); `$t` is the element
                // type `new` matched from the array's native-order descriptor. Like every NumPy
                // reader, the kernels see the values as they are while they run: a caller who
                // writes the array from another thread meanwhile gets an unspecified result.
                let view = unsafe { Strided::from_raw(raw, shape, strides, batch_dims) };
                Input::$variant(view.map_err(errors::plain)?)
            }};
        }
        Ok(match self.dtype {
            Dtype::F64 => view_as!(f64, F64),
            Dtype::F32 => view_as!(f32, F32),
            Dtype::I64 => view_as!(i64, I64),
            Dtype::I32 => view_as!(i32, I32),
            Dtype::I16 => view_as!(i16, I16),
            Dtype::I8 => view_as!(i8, I8),
            Dtype::U64 => view_as!(u64, U64),
            Dtype::U32 => view_as!(u32, U32),
            Dtype::U16 => view_as!(u16, U16),
            Dtype::U8 => view_as!(u8, U8),
        })
    }

    /// The operand's strides (in elements) once broadcast to `shape` under NumPy's
    /// right-aligned rules: 0 along the dimensions it lacks and along its size-1 ones.
    fn broadcast_strides(&self, shape: &[usize]) -> PyResult<Vec<isize>> {
        let own_shape = self.array.shape();
        let size = self.array.dtype().itemsize() as isize;
        let offset = shape.len() - own_shape.len();
        (0..shape.len())
            .map(|a| {
                if a < offset || own_shape[a - offset] == 1 {
                    return Ok(0);
                }
                let bytes = self.array.strides()[a - offset];
                (bytes % size == 0).then_some(bytes / size).ok_or_else(|| {
                    PyValueError::new_err("array strides are not a multiple of the item size")
                })
            })
            .collect()
    }

    /// The operand broadcast to `shape`, as one run of entries in C order over `shape` (no batch
    /// dimensions, no copy).
    pub fn broadcast(&self, shape: &[usize]) -> PyResult<Input<'_>> {
        self.view(shape, &self.broadcast_strides(shape)?, 0)
    }

    /// The element at index (0, ..., 0) (the only one of a size-1 operand), converted with `as`
    /// as NumPy's `astype` does; `None` for an empty operand.
    pub fn first<T: FromElement>(&self) -> Option<T> {
        if self.array.shape().contains(&0) {
            return None;
        }
        // SAFETY: index (0, ..., 0) of a non-empty array is at its data pointer, which is
        // aligned for the element type `self.dtype` names (checked in `new`).
        let data = unsafe { (*self.array.as_array_ptr()).fields.data } as *const u8;
        macro_rules! read {
            ($t:ty) => {{
                // SAFETY: as above, for the `$t` that `new` matched from the array's descriptor.
                let first = unsafe { *(data as *const $t) };
                T::from_element(first)
            }};
        }
        Some(match self.dtype {
            Dtype::F64 => read!(f64),
            Dtype::F32 => read!(f32),
            Dtype::I64 => read!(i64),
            Dtype::I32 => read!(i32),
            Dtype::I16 => read!(i16),
            Dtype::I8 => read!(i8),
            Dtype::U64 => read!(u64),
            Dtype::U32 => read!(u32),
            Dtype::U16 => read!(u16),
            Dtype::U8 => read!(u8),
        })
    }

    /// The operand's elements in memory order, if it is C-contiguous and of element type `T`.
    pub fn contiguous<T: Element>(&self) -> Option<&[T]> {
        let matches =
            std::mem::size_of::<T>() == self.array.dtype().itemsize() && self.dtype.is::<T>();
        if !matches || !self.array.is_c_contiguous() {
            return None;
        }
        // SAFETY: reading the `data` field of the array object `self.array` holds alive.
        let data = unsafe { (*self.array.as_array_ptr()).fields.data } as *const T;
        let len = self.array.len();
        // SAFETY: as for `view`: the held array's `len` contiguous elements of type `T`.
        Some(unsafe { std::slice::from_raw_parts(data, len) })
    }
}

/// Conversion of a stored element to a result type, as `as` (and NumPy's `astype`) does.
pub trait FromElement: Copy {
    fn from_element<E: AsPrimitive>(value: E) -> Self;
}

/// The element types `FromElement` converts from.
pub trait AsPrimitive: Copy {
    fn as_f64(self) -> f64;
    fn as_f32(self) -> f32;
}

macro_rules! as_primitive {
    ($($t:ty),*) => {$(
        impl AsPrimitive for $t {
            #[inline]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn as_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}
as_primitive!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);

impl FromElement for f64 {
    fn from_element<E: AsPrimitive>(value: E) -> f64 {
        value.as_f64()
    }
}

impl FromElement for f32 {
    fn from_element<E: AsPrimitive>(value: E) -> f32 {
        value.as_f32()
    }
}

impl Dtype {
    /// Whether `T` is this dtype's element type.
    fn is<T: 'static>(self) -> bool {
        use std::any::TypeId;
        let id = TypeId::of::<T>();
        id == match self {
            Dtype::F64 => TypeId::of::<f64>(),
            Dtype::F32 => TypeId::of::<f32>(),
            Dtype::I64 => TypeId::of::<i64>(),
            Dtype::I32 => TypeId::of::<i32>(),
            Dtype::I16 => TypeId::of::<i16>(),
            Dtype::I8 => TypeId::of::<i8>(),
            Dtype::U64 => TypeId::of::<u64>(),
            Dtype::U32 => TypeId::of::<u32>(),
            Dtype::U16 => TypeId::of::<u16>(),
            Dtype::U8 => TypeId::of::<u8>(),
        }
    }
}

pub fn is_bool(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.is_instance_of::<PyBool>()
        || obj.is_instance(cached(obj.py(), &NUMPY_BOOL, "numpy", "bool_")?)?)
}

/// `repr(obj)`, for messages.
pub fn repr(obj: &Bound<'_, PyAny>) -> String {
    obj.repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "<unprintable>".into())
}

/// `isinstance(obj, (numbers.Real, numpy.number))` and not a bool.
pub fn is_real_number(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    Ok(!is_bool(obj)?
        && (obj.is_instance(cached(py, &NUMBERS_REAL, "numbers", "Real")?)?
            || obj.is_instance(cached(py, &NUMPY_NUMBER, "numpy", "number")?)?))
}

/// `base`: `None` (nats) or a finite positive real number other than 1.
pub fn check_base(base: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<f64>> {
    let Some(base) = base.filter(|b| !b.is_none()) else {
        return Ok(None);
    };
    let real = base.is_exact_instance_of::<PyFloat>()
        || base.is_exact_instance_of::<PyInt>()
        || is_real_number(base)?;
    if !real {
        return Err(PyValueError::new_err(format!(
            "{func}: base must be a real number or None, not {}",
            repr(base)
        )));
    }
    let value: f64 = base.extract()?;
    if !(value.is_finite() && value > 0.0 && value != 1.0) {
        return Err(PyValueError::new_err(format!(
            "{func}: base must be a finite positive number other than 1, not {}",
            repr(base)
        )));
    }
    Ok(Some(value))
}

/// `nan_policy`: "propagate", "raise" or "omit".
pub fn check_nan_policy(policy: &Bound<'_, PyAny>, func: &str) -> PyResult<NanPolicy> {
    if let Ok(name) = policy.cast::<PyString>() {
        match name.to_str()? {
            "propagate" => return Ok(NanPolicy::Propagate),
            "raise" => return Ok(NanPolicy::Raise),
            "omit" => return Ok(NanPolicy::Omit),
            _ => {}
        }
    }
    Err(PyValueError::new_err(format!(
        "{func}: nan_policy must be 'propagate', 'raise' or 'omit', not {}",
        repr(policy)
    )))
}

/// One axis as `operator.index` reads it (a bool is refused), made non-negative.
fn one_axis(
    item: &Bound<'_, PyAny>,
    ndim: usize,
    func: &str,
    bad: &dyn Fn() -> PyErr,
) -> PyResult<usize> {
    if is_bool(item)? {
        return Err(bad());
    }
    let index = cached(item.py(), &OPERATOR_INDEX, "operator", "index")?
        .call1((item,))
        .map_err(|_| bad())?;
    let a: i128 = index.extract().unwrap_or(i128::MAX);
    let n = ndim as i128;
    if !(-n..n).contains(&a) {
        return Err(axis_error(item.py(), index, ndim, func));
    }
    Ok(a.rem_euclid(n.max(1)) as usize)
}

/// The reduced axes named by `axis` (an int, a tuple or list of ints, or None for all), sorted.
pub fn reduced_axes(axis: &Bound<'_, PyAny>, ndim: usize, func: &str) -> PyResult<Vec<usize>> {
    if axis.is_none() {
        return Ok((0..ndim).collect());
    }
    // The default, on the hot path of small calls.
    if axis.is_exact_instance_of::<PyInt>() {
        if let Ok(a) = axis.extract::<isize>() {
            let n = ndim as isize;
            if (-n..n).contains(&a) {
                return Ok(vec![a.rem_euclid(n) as usize]);
            }
            return Err(axis_error(axis.py(), axis.clone(), ndim, func));
        }
    }
    let bad = || {
        PyTypeError::new_err(format!(
            "{func}: axis must be an int, a tuple of ints or None, not {}",
            repr(axis)
        ))
    };
    let mut axes = Vec::new();
    if axis.is_instance_of::<PyTuple>() || axis.is_instance_of::<PyList>() {
        for item in axis.try_iter()? {
            axes.push(one_axis(&item?, ndim, func, &bad)?);
        }
    } else {
        axes.push(one_axis(axis, ndim, func, &bad)?);
    }
    let mut sorted = axes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != axes.len() {
        return Err(PyValueError::new_err(format!(
            "{func}: axis {} repeats an axis",
            repr(axis)
        )));
    }
    Ok(sorted)
}

/// A shape as Python prints a tuple: `(3,)`, `(2, 3)`, `()`.
pub fn tuple_repr(items: &[usize]) -> String {
    match items {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            items
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The common shape of the operands under NumPy's broadcasting rules.
pub fn broadcast_shape(func: &str, args: &[(&str, &[usize])]) -> PyResult<Vec<usize>> {
    if let [(_, first), rest @ ..] = args {
        if rest.iter().all(|(_, s)| s == first) {
            return Ok(first.to_vec());
        }
    }
    let ndim = args.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let mut shape = vec![1usize; ndim];
    for (_, s) in args {
        for (i, &n) in s.iter().enumerate() {
            let slot = &mut shape[ndim - s.len() + i];
            if *slot == 1 {
                *slot = n;
            } else if n != 1 && n != *slot {
                let described = args
                    .iter()
                    .map(|(name, s)| format!("{name} {}", tuple_repr(s)))
                    .collect::<Vec<_>>()
                    .join(" and ");
                return Err(PyValueError::new_err(format!(
                    "{func}: shapes do not broadcast: {described}"
                )));
            }
        }
    }
    Ok(shape)
}

/// A reduction of one or two operands: their common shape, which axes hold a distribution and
/// which index the batch, and how the result is shaped.
pub struct Reduction<'py> {
    pub func: &'static str,
    pub names: [&'static str; 2],
    pub operands: Vec<Operand<'py>>,
    pub shape: Vec<usize>,
    pub reduced: Vec<usize>,
    pub batch: Vec<usize>,
    pub keepdims: bool,
}

impl<'py> Reduction<'py> {
    /// Checks the operands, broadcasts them and reads `axis`; `q` is None for one-argument
    /// measures. `names` are the arguments' names in messages.
    pub fn new(
        func: &'static str,
        names: [&'static str; 2],
        p: &Bound<'py, PyAny>,
        q: Option<&Bound<'py, PyAny>>,
        axis: &Bound<'py, PyAny>,
        keepdims: bool,
    ) -> PyResult<Self> {
        let mut operands = vec![Operand::new(p, names[0], func)?];
        if let Some(q) = q {
            operands.push(Operand::new(q, names[1], func)?);
        }
        let shapes: Vec<(&str, &[usize])> = operands
            .iter()
            .zip(names)
            .map(|(o, name)| (name, o.shape()))
            .collect();
        let shape = broadcast_shape(func, &shapes)?;
        let reduced = reduced_axes(axis, shape.len(), func)?;
        let batch = (0..shape.len()).filter(|a| !reduced.contains(a)).collect();
        Ok(Reduction {
            func,
            names,
            operands,
            shape,
            reduced,
            batch,
            keepdims,
        })
    }

    pub fn batch_shape(&self) -> Vec<usize> {
        self.batch.iter().map(|&a| self.shape[a]).collect()
    }

    pub fn distributions(&self) -> usize {
        self.batch.iter().map(|&a| self.shape[a]).product()
    }

    /// The result's shape: the batch, with the reduced axes as size 1 under `keepdims`.
    pub fn result_shape(&self) -> Vec<usize> {
        if self.keepdims {
            let mut shape = self.shape.clone();
            for &a in &self.reduced {
                shape[a] = 1;
            }
            shape
        } else {
            self.batch_shape()
        }
    }

    /// A full reduction without `keepdims` gives a NumPy float64 scalar.
    pub fn is_scalar(&self) -> bool {
        self.batch.is_empty() && !self.keepdims
    }

    /// The kernels' views of the operands: broadcast to the common shape, batch axes first,
    /// reduced axes last (no copy, no borrow bookkeeping).
    pub fn inputs(&self) -> PyResult<Vec<Input<'_>>> {
        let order: Vec<usize> = self.batch.iter().chain(&self.reduced).copied().collect();
        let shape: Vec<usize> = order.iter().map(|&a| self.shape[a]).collect();
        self.operands
            .iter()
            .map(|operand| {
                let common = operand.broadcast_strides(&self.shape)?;
                let strides: Vec<isize> = order.iter().map(|&a| common[a]).collect();
                operand.view(&shape, &strides, self.batch.len())
            })
            .collect()
    }

    /// An entry's index in operand `which` as the caller passed it, from the kernel's flat
    /// (distribution, position) in the canonical order.
    pub fn entry_index(&self, which: usize, distribution: usize, position: usize) -> Vec<usize> {
        let mut full = vec![0usize; self.shape.len()];
        unravel_into(&mut full, &self.batch, &self.shape, distribution);
        unravel_into(&mut full, &self.reduced, &self.shape, position);
        let own = self.operands[which].shape();
        let offset = full.len() - own.len();
        // A broadcast (size-1) dimension of the operand is index 0 in the operand itself.
        own.iter()
            .zip(&full[offset..])
            .map(|(&size, &i)| if size == 1 { 0 } else { i })
            .collect()
    }

    /// The exception for a kernel error, located in the caller's own coordinates.
    pub fn error(&self, py: Python<'_>, error: KernelError, normalize: bool) -> PyErr {
        if let Some(bad) = error.bad_entry() {
            let which = arg_index(bad.arg);
            let name = self.names[which];
            let index = self.entry_index(which, bad.distribution, bad.position);
            let at = errors::entry_name(name, &index);
            return errors::bad_entry(py, self.func, &at, &bad, name, &index);
        }
        match error {
            KernelError::ZeroMass { arg, distribution } => {
                let name = self.names[arg_index(arg)];
                let index = unravel(&self.batch_shape(), distribution);
                let place = if index.is_empty() {
                    "the distribution".to_string()
                } else {
                    format!("the distribution at index {}", tuple_repr(&index))
                };
                let why = if normalize {
                    "it cannot be normalized (normalize=True)"
                } else {
                    "no entry is > 0"
                };
                let func = self.func;
                let message = format!("{func}: {name} has zero total mass in {place}; {why}");
                errors::invalid(py, message, "zero_mass", name, &index)
            }
            other => errors::plain(other),
        }
    }

    /// Per-distribution values (C order over the batch) in the result's shape: a NumPy float64
    /// scalar for a full reduction.
    pub fn finish(&self, py: Python<'py>, values: Vec<f64>) -> PyResult<Bound<'py, PyAny>> {
        if self.is_scalar() {
            return float64(py, values[0]);
        }
        Ok(numpy::PyArray1::from_vec(py, values)
            .reshape(self.result_shape())?
            .into_any())
    }
}

fn arg_index(arg: crate::error::Arg) -> usize {
    match arg {
        crate::error::Arg::P => 0,
        crate::error::Arg::Q => 1,
    }
}

/// `flat` as a C-order multi-index over `dims`.
pub fn unravel(dims: &[usize], mut flat: usize) -> Vec<usize> {
    let mut index = vec![0; dims.len()];
    for (slot, &n) in index.iter_mut().zip(dims).rev() {
        if n > 0 {
            *slot = flat % n;
            flat /= n;
        }
    }
    index
}

fn unravel_into(full: &mut [usize], axes: &[usize], shape: &[usize], flat: usize) {
    let dims: Vec<usize> = axes.iter().map(|&a| shape[a]).collect();
    for (&a, i) in axes.iter().zip(unravel(&dims, flat)) {
        full[a] = i;
    }
}

/// A NumPy float64 scalar.
pub fn float64(py: Python<'_>, mut value: f64) -> PyResult<Bound<'_, PyAny>> {
    let descr = numpy::PyArrayDescr::of::<f64>(py);
    // SAFETY: PyArray_Scalar copies one element of `descr`'s type from `data` (a live f64) into
    // a new scalar object (a new reference, or null with an exception set); it does not keep
    // `descr` (we hold our own reference) and needs no base object for a non-object dtype.
    unsafe {
        let scalar = numpy::npyffi::PY_ARRAY_API.PyArray_Scalar(
            py,
            (&mut value as *mut f64).cast(),
            descr.as_dtype_ptr(),
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, scalar)
    }
}
