//! The `entropykit._core` extension module: the only place that touches Python.
//!
//! Each call converts its arguments, borrows the arrays read-only (no copy, any strides), runs the
//! kernel with the GIL released, and maps kernel errors to exceptions. Argument normalisation
//! (axes, broadcasting, dtype rules) happens once, in `entropykit._api`.

use crate::error::KernelError;
use crate::kernels::{self, Measure, NanPolicy, Options, Params, Partial, SumKind};
use crate::strided::{Element, Input, Strided};
use crate::{parallel, SimdLevel};
use numpy::{
    PyArray1, PyArray2, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

mod counts;
mod elementwise;
mod labels;
mod logits;

pyo3::create_exception!(
    _core,
    KernelInputError,
    PyValueError,
    "Bad data found by a kernel: args are (message, kind, arg, distribution, position, value)."
);

/// A read-only borrow of an array in one of the supported dtypes.
enum Borrowed<'py> {
    F64(PyReadonlyArrayDyn<'py, f64>),
    F32(PyReadonlyArrayDyn<'py, f32>),
    I64(PyReadonlyArrayDyn<'py, i64>),
    I32(PyReadonlyArrayDyn<'py, i32>),
    I16(PyReadonlyArrayDyn<'py, i16>),
    I8(PyReadonlyArrayDyn<'py, i8>),
    U64(PyReadonlyArrayDyn<'py, u64>),
    U32(PyReadonlyArrayDyn<'py, u32>),
    U16(PyReadonlyArrayDyn<'py, u16>),
    U8(PyReadonlyArrayDyn<'py, u8>),
}

/// Borrows `obj` (a NumPy array) read-only in its own dtype. The dtype is matched first: trying
/// each typed extraction in turn builds an error per miss, which cost float32 callers ~10 us.
fn borrow<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Borrowed<'py>> {
    let py = obj.py();
    let array = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| PyTypeError::new_err("expected a NumPy array"))?;
    let dtype = array.dtype();
    macro_rules! borrow_as {
        ($($t:ty => $variant:ident),*) => {$(
            if dtype.is_equiv_to(&numpy::dtype::<$t>(py)) {
                return Ok(Borrowed::$variant(array.cast::<PyArrayDyn<$t>>()?.try_readonly()?));
            }
        )*};
    }
    borrow_as!(f64 => F64, f32 => F32, i64 => I64, i32 => I32, i16 => I16, i8 => I8,
               u64 => U64, u32 => U32, u16 => U16, u8 => U8);
    Err(PyTypeError::new_err(format!("unsupported dtype {dtype}")))
}

fn view<'a, T: Element + numpy::Element>(
    array: &'a PyReadonlyArrayDyn<'_, T>,
    batch_dims: usize,
) -> PyResult<Strided<'a, T>> {
    let size = std::mem::size_of::<T>() as isize;
    let strides = array
        .strides()
        .iter()
        .map(|&bytes| {
            (bytes % size == 0).then_some(bytes / size).ok_or_else(|| {
                PyValueError::new_err("array strides are not a multiple of the item size")
            })
        })
        .collect::<PyResult<Vec<isize>>>()?;
    // SAFETY: the read-only borrow keeps the array alive and unchanged while the view lives, and
    // NumPy's shape and strides describe exactly the memory it owns.
    unsafe { Strided::from_raw(array.data(), array.shape(), &strides, batch_dims) }
        .map_err(to_pyerr)
}

impl Borrowed<'_> {
    fn input(&self, batch_dims: usize) -> PyResult<Input<'_>> {
        Ok(match self {
            Borrowed::F64(a) => Input::F64(view(a, batch_dims)?),
            Borrowed::F32(a) => Input::F32(view(a, batch_dims)?),
            Borrowed::I64(a) => Input::I64(view(a, batch_dims)?),
            Borrowed::I32(a) => Input::I32(view(a, batch_dims)?),
            Borrowed::I16(a) => Input::I16(view(a, batch_dims)?),
            Borrowed::I8(a) => Input::I8(view(a, batch_dims)?),
            Borrowed::U64(a) => Input::U64(view(a, batch_dims)?),
            Borrowed::U32(a) => Input::U32(view(a, batch_dims)?),
            Borrowed::U16(a) => Input::U16(view(a, batch_dims)?),
            Borrowed::U8(a) => Input::U8(view(a, batch_dims)?),
        })
    }
}

fn to_pyerr(error: KernelError) -> PyErr {
    let message = error.to_string();
    // Bad data: (message, kind, arg, distribution, position, value), which entropykit._api turns
    // into an InvalidDistributionError located in the caller's own coordinates.
    let (kind, arg, distribution, position, value) = match error {
        KernelError::Negative {
            arg,
            distribution,
            position,
            value,
        } => ("negative", arg, distribution, position, value),
        KernelError::Infinite {
            arg,
            distribution,
            position,
            value,
        } => ("infinite", arg, distribution, position, value),
        KernelError::Nan {
            arg,
            distribution,
            position,
        } => ("nan", arg, distribution, position, f64::NAN),
        KernelError::OutOfRange {
            arg,
            distribution,
            position,
            value,
        } => ("out_of_range", arg, distribution, position, value),
        KernelError::ZeroMass { arg, distribution } => ("zero_mass", arg, distribution, 0, 0.0),
        KernelError::NotWhole {
            arg,
            distribution,
            position,
            value,
        } => ("not_whole", arg, distribution, position, value),
        KernelError::BadParameter { arg, index, value } => {
            return KernelInputError::new_err((message, "bad_parameter", arg, index, 0usize, value))
        }
        KernelError::NotPositiveDefinite { arg, matrix, pivot } => {
            return KernelInputError::new_err((
                message,
                "not_positive_definite",
                arg,
                matrix,
                pivot,
                f64::NAN,
            ))
        }
        KernelError::Layout(_) => return PyValueError::new_err(message),
        KernelError::ThreadPool(_) => return PyRuntimeError::new_err(message),
    };
    KernelInputError::new_err((message, kind, arg.name(), distribution, position, value))
}

fn parse_measure(name: &str) -> PyResult<Measure> {
    match name {
        "entropy" => Ok(Measure::Entropy),
        "cross_entropy" => Ok(Measure::CrossEntropy),
        "kl_divergence" => Ok(Measure::KlDivergence),
        "jensen_shannon" => Ok(Measure::JensenShannon),
        "renyi" => Ok(Measure::Renyi),
        "tsallis" => Ok(Measure::Tsallis),
        _ => Err(PyValueError::new_err(format!("unknown measure {name:?}"))),
    }
}

fn parse_nan_policy(name: &str) -> PyResult<NanPolicy> {
    match name {
        "propagate" => Ok(NanPolicy::Propagate),
        "raise" => Ok(NanPolicy::Raise),
        "omit" => Ok(NanPolicy::Omit),
        _ => Err(PyValueError::new_err(format!(
            "nan_policy must be 'propagate', 'raise' or 'omit', not {name:?}"
        ))),
    }
}

/// Reduces each distribution of `p` (and `q`) to one float64.
///
/// `p` and `q` are arrays of equal shape (broadcast views are fine) whose first `batch_dims`
/// dimensions index distributions and whose remaining dimensions are reduced. `order` is the
/// Renyi / Tsallis order.
#[pyfunction]
#[pyo3(signature = (measure, p, q, batch_dims, normalize, nan_policy, base, order=2.0))]
#[allow(clippy::too_many_arguments)]
fn reduce<'py>(
    py: Python<'py>,
    measure: &str,
    p: &Bound<'py, PyAny>,
    q: Option<&Bound<'py, PyAny>>,
    batch_dims: usize,
    normalize: bool,
    nan_policy: &str,
    base: Option<f64>,
    order: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let measure = parse_measure(measure)?;
    let params = Params {
        normalize,
        nan_policy: parse_nan_policy(nan_policy)?,
        base,
        order,
    };
    let options = Options::default();
    let p = borrow(p)?;
    let q = q.map(borrow).transpose()?;
    let p = p.input(batch_dims)?;
    let q = q.as_ref().map(|q| q.input(batch_dims)).transpose()?;
    let distributions: usize = p.batch_shape().iter().product();
    let out = py
        .detach(|| {
            let mut out = vec![0.0; distributions];
            kernels::reduce(measure, &p, q.as_ref(), &params, &options, &mut out).map(|()| out)
        })
        .map_err(to_pyerr)?;
    Ok(PyArray1::from_vec(py, out))
}

/// The raw mergeable sums of each distribution, as rows `(mass_p, mass_q, core, peak)`.
///
/// `kind` is "mass" (core = the number of positive p entries, peak = the largest p entry) or a
/// single-pass measure ("entropy", "cross_entropy", "kl_divergence": core = the sum of its term).
#[pyfunction]
#[pyo3(signature = (kind, p, q, batch_dims, nan_policy))]
fn partial_sums<'py>(
    py: Python<'py>,
    kind: &str,
    p: &Bound<'py, PyAny>,
    q: Option<&Bound<'py, PyAny>>,
    batch_dims: usize,
    nan_policy: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let kind = match kind {
        "mass" => SumKind::Mass,
        measure => SumKind::Shannon(parse_measure(measure)?),
    };
    let nan_policy = parse_nan_policy(nan_policy)?;
    let options = Options::default();
    let p = borrow(p)?;
    let q = q.map(borrow).transpose()?;
    let p = p.input(batch_dims)?;
    let q = q.as_ref().map(|q| q.input(batch_dims)).transpose()?;
    let distributions: usize = p.batch_shape().iter().product();
    let rows = py
        .detach(|| {
            let mut out = vec![Partial::default(); distributions];
            kernels::partial_sums(kind, &p, q.as_ref(), nan_policy, &options, &mut out)
                .map(|()| out)
        })
        .map_err(to_pyerr)?;
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|s| [s.mass_p, s.mass_q, s.core, s.peak])
        .collect();
    PyArray1::from_vec(py, flat).reshape([distributions, 4])
}

/// Column sums of joint tables: `rows` has `batch_dims` batch dimensions that are, in C order,
/// `(outer, x, inner)` with `x_len` x-rows; returns `tables * columns` sums (NaN counts as 0
/// under `omit_nan`).
#[pyfunction]
#[pyo3(signature = (rows, batch_dims, x_len, inner, omit_nan))]
fn table_column_sums<'py>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
    batch_dims: usize,
    x_len: usize,
    inner: usize,
    omit_nan: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let rows = borrow(rows)?;
    let rows = rows.input(batch_dims)?;
    let distributions: usize = rows.batch_shape().iter().product();
    let tables = distributions.checked_div(x_len).unwrap_or(0);
    let width = rows.reduce_len();
    let out = py
        .detach(|| {
            let mut out = vec![0.0; tables * width];
            kernels::table::table_column_sums(
                &rows,
                x_len,
                inner,
                omit_nan,
                &Options::default(),
                &mut out,
            )
            .map(|()| out)
        })
        .map_err(to_pyerr)?;
    Ok(PyArray1::from_vec(py, out))
}

/// A plain multithreaded sum of a 1-D contiguous float array: the benchmark's bandwidth yardstick.
#[pyfunction]
fn stream_sum(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<f64> {
    let data = borrow(data)?;
    let result = match &data {
        Borrowed::F64(a) => {
            let slice = a.as_slice()?;
            py.detach(|| kernels::stream_sum(slice, &Options::default()))
        }
        Borrowed::F32(a) => {
            let slice = a.as_slice()?;
            py.detach(|| kernels::stream_sum(slice, &Options::default()))
        }
        _ => {
            return Err(PyValueError::new_err(
                "stream_sum takes a float32 or float64 array",
            ))
        }
    };
    result.map_err(to_pyerr)
}

/// Sets the number of threads kernels use (at least 1).
#[pyfunction]
fn set_num_threads(n: usize) -> PyResult<()> {
    parallel::set_num_threads(n).map_err(to_pyerr)
}

/// The number of threads kernels use.
#[pyfunction]
fn get_num_threads() -> usize {
    parallel::num_threads()
}

/// The SIMD level kernels use: "avx512", "avx2", "neon" or "scalar".
#[pyfunction]
fn simd_level() -> &'static str {
    SimdLevel::current().name()
}

/// The SIMD levels this CPU supports, narrowest first.
#[pyfunction]
fn available_simd_levels() -> Vec<&'static str> {
    SimdLevel::available()
        .into_iter()
        .map(|l| l.name())
        .collect()
}

/// Switches the SIMD level for later calls (for tests and benchmarks).
#[pyfunction]
fn set_simd_level(name: &str) -> PyResult<()> {
    let level = SimdLevel::parse(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown SIMD level {name:?}; expected scalar, neon, avx2 or avx512"
        ))
    })?;
    level.set_current().map_err(to_pyerr)
}

#[pymodule]
mod _core {
    #[pymodule_export]
    use super::{
        available_simd_levels,
        counts::{counts_reduce, gaussian_entropy_rows, gaussian_kl_rows},
        elementwise::elementwise,
        get_num_threads,
        labels::{entropy_labels, factorize_records, mutual_information_labels},
        logits::{binary_rows, log_softmax_rows, logits_rows},
        partial_sums, reduce, set_num_threads, set_simd_level, simd_level, stream_sum,
        table_column_sums, KernelInputError,
    };
}
