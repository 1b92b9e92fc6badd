//! Bindings of the raw-data kernels (`kernels::raw`): bytes from any buffer or a path, binned
//! numeric arrays and integer symbols.
//!
//! Bytes are read in place from anything exposing the buffer protocol (bytes, bytearray,
//! memoryview, mmap, NumPy arrays of any dtype, viewed as their C-order bytes). A non-contiguous
//! buffer is copied once into C order, since its bytes are not one run of memory. A str or
//! `os.PathLike` is a path: the file is memory-mapped here and read by the kernels in parallel,
//! never loaded whole.

use super::convert::{as_ndarray, check_base, float64, is_bool, repr, tuple_repr, unravel};
use super::errors::{axis_error, invalid, plain};
use crate::error::KernelError;
use crate::kernels::raw::{self, Bins};
use crate::kernels::Options;
use numpy::{
    PyArray1, PyArrayDescrMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use std::path::PathBuf;

/// The bytes of a `data` argument: a borrowed uint8 view of the caller's buffer, or a mapping.
enum Bytes<'py> {
    Buffer(PyReadonlyArray1<'py, u8>),
    Map(memmap2::Mmap),
    Empty,
}

impl Bytes<'_> {
    fn slice(&self) -> &[u8] {
        match self {
            Bytes::Buffer(array) => array.as_slice().unwrap_or(&[]),
            Bytes::Map(map) => map,
            Bytes::Empty => &[],
        }
    }
}

/// An `OSError` built as Python builds one from errno, so the subclass (FileNotFoundError,
/// PermissionError, IsADirectoryError, ...) follows, with the path as its `filename`.
fn os_error(error: &std::io::Error, path: &str) -> PyErr {
    let errno = error.raw_os_error().unwrap_or(0);
    let message = error.to_string();
    let message = message
        .split(" (os error")
        .next()
        .unwrap_or(&message)
        .to_string();
    PyOSError::new_err((errno, message, path.to_string()))
}

fn map_file(path: PathBuf) -> PyResult<Bytes<'static>> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(&path).map_err(|e| os_error(&e, &shown))?;
    let meta = file.metadata().map_err(|e| os_error(&e, &shown))?;
    if meta.is_dir() {
        return Err(os_error(&std::io::Error::from_raw_os_error(21), &shown));
    }
    if meta.len() == 0 {
        return Ok(Bytes::Empty);
    }
    // SAFETY: the mapping is read-only and lives as long as the call. A file truncated by
    // another process while it is read would fault; that is the contract of every
    // memory-mapped reader (NumPy's memmap included).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| os_error(&e, &shown))?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(Bytes::Map(map))
}

/// `data` as bytes (see the module docs).
fn bytes_of<'py>(data: &Bound<'py, PyAny>, func: &str) -> PyResult<Bytes<'py>> {
    let py = data.py();
    let os = py.import("os")?;
    if data.is_instance_of::<PyString>() || data.is_instance(&os.getattr("PathLike")?)? {
        return map_file(data.extract::<PathBuf>()?);
    }
    let np = py.import("numpy")?;
    let array =
        if let Ok(array) = data.cast::<PyUntypedArray>() {
            if array.dtype().is_equiv_to(&numpy::PyArrayDescr::object(py)) {
                return Err(PyTypeError::new_err(format!(
                    "{func}: data is an object array; its bytes are pointers, not data"
                )));
            }
            // A strided view is copied to C order: its bytes are not one run of memory.
            np.call_method1("ascontiguousarray", (array,))?
                .call_method1("reshape", (-1,))?
                .call_method1("view", (np.getattr("uint8")?,))?
        } else {
            let view =
                py.import("builtins")?
                    .getattr("memoryview")?
                    .call1((data,))
                    .map_err(|_| {
                        PyTypeError::new_err(format!(
                    "{func}: data must be a bytes-like object (bytes, bytearray, memoryview, \
                     mmap, a NumPy array), a str or an os.PathLike path, not {}",
                    data.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                ))
                    })?;
            let view = if view.getattr("c_contiguous")?.is_truthy()? {
                view
            } else {
                // A strided memoryview: copied to C order (its bytes are not one run of memory).
                py.import("builtins")?
                    .getattr("memoryview")?
                    .call1((view.call_method0("tobytes")?,))?
            };
            np.call_method1(
                "frombuffer",
                (view.call_method1("cast", ("B",))?, np.getattr("uint8")?),
            )?
        };
    Ok(Bytes::Buffer(array.extract()?))
}

/// A non-negative integer argument (a bool is refused).
fn count_arg(obj: &Bound<'_, PyAny>, name: &str, func: &str, least: usize) -> PyResult<usize> {
    let bad = || {
        PyValueError::new_err(format!(
            "{func}: {name} must be an integer >= {least}, not {}",
            repr(obj)
        ))
    };
    if is_bool(obj)? {
        return Err(bad());
    }
    let value: i128 = obj
        .py()
        .import("operator")?
        .call_method1("index", (obj,))
        .map_err(|_| bad())?
        .extract()
        .map_err(|_| bad())?;
    if value < least as i128 || value > usize::MAX as i128 {
        return Err(bad());
    }
    Ok(value as usize)
}

fn byte_error(func: &str, error: KernelError) -> PyErr {
    match error {
        KernelError::ZeroMass { .. } => PyValueError::new_err(format!(
            "{func}: data is empty; the entropy of no bytes is undefined"
        )),
        KernelError::Layout(message) => PyValueError::new_err(format!("{func}: {message}")),
        other => plain(other),
    }
}

/// The 256 byte counts of `data` (int64).
#[pyfunction]
pub fn byte_histogram<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let bytes = bytes_of(data, "byte_histogram")?;
    let slice = bytes.slice();
    let options = Options::default();
    let counts = py
        .detach(|| raw::byte_histogram(slice, &options))
        .map_err(|e| byte_error("byte_histogram", e))?;
    let counts: Vec<i64> = counts.iter().map(|&c| c as i64).collect();
    Ok(PyArray1::from_vec(py, counts))
}

/// The entropy of order `order` of the bytes of `data`.
#[pyfunction]
#[pyo3(signature = (data, base, order))]
pub fn byte_entropy<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    order: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "byte_entropy";
    let base = check_base(base, func)?;
    let order = count_arg(order, "order", func, 0)?;
    if order > raw::MAX_ORDER {
        return Err(PyValueError::new_err(format!(
            "{func}: order must be 0, 1 or 2, not {order}"
        )));
    }
    let bytes = bytes_of(data, func)?;
    let slice = bytes.slice();
    let options = Options::default();
    let value = py
        .detach(|| raw::byte_entropy(slice, order, base, &options))
        .map_err(|e| byte_error(func, e))?;
    float64(py, value)
}

/// The byte entropy of each window of `data`.
#[pyfunction]
#[pyo3(signature = (data, window, step, base))]
pub fn windowed_byte_entropy<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    window: &Bound<'py, PyAny>,
    step: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let func = "windowed_byte_entropy";
    let window = count_arg(window, "window", func, 1)?;
    let step = count_arg(step, "step", func, 1)?;
    let base = check_base(base, func)?;
    let bytes = bytes_of(data, func)?;
    let slice = bytes.slice();
    let options = Options::default();
    let mut out = vec![0.0; raw::window_count(slice.len(), window, step)];
    py.detach(|| raw::windowed_byte_entropy(slice, window, step, base, &options, &mut out))
        .map_err(|e| byte_error(func, e))?;
    Ok(PyArray1::from_vec(py, out))
}

/// An equal-bin count or an edges array, and the range.
type BinsArgs<'py> = (
    Option<usize>,
    Option<(f64, f64)>,
    Option<PyReadonlyArray1<'py, f64>>,
);

/// Binning from `bins` and `range`, and the edges array it may hold.
fn bins_of<'py>(
    bins: &Bound<'py, PyAny>,
    range: &Bound<'py, PyAny>,
    func: &str,
) -> PyResult<BinsArgs<'py>> {
    let py = bins.py();
    let np = py.import("numpy")?;
    let range = if range.is_none() {
        None
    } else {
        let pair: (f64, f64) = range.extract().map_err(|_| {
            PyValueError::new_err(format!(
                "{func}: range must be None or a pair (lower, upper) of numbers, not {}",
                repr(range)
            ))
        })?;
        Some(pair)
    };
    let integer = !is_bool(bins)?
        && (bins.is_instance_of::<PyInt>()
            || bins.is_instance(&np.getattr("integer")?)?
            || (bins.cast::<PyUntypedArray>().is_ok_and(|a| {
                a.ndim() == 0 && a.dtype().is_equiv_to(&numpy::PyArrayDescr::of::<i64>(py))
            })));
    if integer {
        let count: i128 = bins.extract()?;
        if count < 1 {
            return Err(PyValueError::new_err(format!(
                "{func}: `bins` must be positive, when an integer, not {count}"
            )));
        }
        return Ok((Some(count as usize), range, None));
    }
    let edges = np
        .call_method1("asarray", (bins,))?
        .call_method("astype", (np.getattr("float64")?,), None)
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{func}: bins must be an int or a 1-d array of edges, not {}",
                repr(bins)
            ))
        })?;
    let edges = np.call_method1("ascontiguousarray", (edges,))?;
    let ndim: usize = edges.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(PyValueError::new_err(format!(
            "{func}: `bins` must be 1d, when an array (it has {ndim} dimensions)"
        )));
    }
    Ok((None, range, Some(edges.extract()?)))
}

/// The entropy of the histogram of `x` (over all of it, or per slice along `axis`).
#[pyfunction]
#[pyo3(signature = (x, bins, range, base, axis))]
pub fn histogram_entropy<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    bins: &Bound<'py, PyAny>,
    range: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "histogram_entropy";
    let np = py.import("numpy")?;
    let array = as_ndarray(x, "x", func)?.into_any();
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "f" | "i" | "u" | "b") {
        return Err(PyTypeError::new_err(format!(
            "{func}: x must hold real numbers, not {}",
            repr(&array.getattr("dtype")?)
        )));
    }
    let shape: Vec<usize> = array.getattr("shape")?.extract()?;
    let base = check_base(base, func)?;
    let (count, range, edges) = bins_of(bins, range, func)?;
    let axis = if axis.is_none() {
        None
    } else {
        let bad = || {
            PyTypeError::new_err(format!(
                "{func}: axis must be an int or None, not {}",
                repr(axis)
            ))
        };
        if is_bool(axis)? {
            return Err(bad());
        }
        let a: i128 = py
            .import("operator")?
            .call_method1("index", (axis,))
            .map_err(|_| bad())?
            .extract()?;
        let n = shape.len() as i128;
        if !(-n..n).contains(&a) {
            return Err(axis_error(py, axis.clone(), shape.len(), func));
        }
        Some(a.rem_euclid(n) as usize)
    };
    // Values are binned in float64 (as np.histogram bins integers); the slices along `axis` are
    // made rows of one C-order buffer (a copy unless x is already float64 laid out that way).
    let moved = match axis {
        Some(a) => np.call_method1("moveaxis", (&array, a, -1))?,
        None => array.call_method1("reshape", (-1,))?,
    };
    let flat = np
        .call_method1("ascontiguousarray", (moved, np.getattr("float64")?))?
        .call_method1("reshape", (-1,))?;
    let flat: PyReadonlyArray1<'py, f64> = flat.extract()?;
    let values = flat.as_slice()?;
    let (batch, row_len): (Vec<usize>, usize) = match axis {
        Some(a) => (
            shape
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != a)
                .map(|(_, &n)| n)
                .collect(),
            shape[a],
        ),
        None => (Vec::new(), values.len()),
    };
    let rows: usize = batch.iter().product();
    let edge_values = edges.as_ref().map(|e| e.as_slice()).transpose()?;
    let bins = match (count, edge_values) {
        (Some(count), _) => Bins::Uniform { count, range },
        (None, Some(edges)) => Bins::Edges(edges),
        (None, None) => unreachable!("bins_of gives a count or edges"),
    };
    let options = Options::default();
    let mut out = vec![0.0; rows];
    if rows > 0 {
        py.detach(|| raw::histogram_entropy(values, row_len, &bins, base, &options, &mut out))
            .map_err(|e| {
                let place = |r: usize| match axis {
                    None => String::new(),
                    Some(_) => {
                        format!(" in the slice at index {}", tuple_repr(&unravel(&batch, r)))
                    }
                };
                match e {
                    KernelError::Nan {
                        distribution,
                        position,
                        ..
                    } => {
                        let index = match axis {
                            None => unravel(&shape, position),
                            Some(a) => {
                                let mut index = unravel(&batch, distribution);
                                index.insert(a, position);
                                index
                            }
                        };
                        let at = super::errors::entry_name("x", &index);
                        invalid(
                            py,
                            format!("{func}: {at} is NaN; NaN cannot be binned"),
                            "nan",
                            "x",
                            &index,
                        )
                    }
                    KernelError::ZeroMass { distribution, .. } => PyValueError::new_err(format!(
                        "{func}: no value of x falls in the bins{}; the entropy of an \
                             empty histogram is undefined",
                        place(distribution)
                    )),
                    KernelError::Layout(message) => {
                        PyValueError::new_err(format!("{func}: {message}"))
                    }
                    other => plain(other),
                }
            })?;
    }
    match axis {
        None => float64(py, out[0]),
        Some(_) => Ok(PyArray1::from_vec(py, out)
            .call_method1("reshape", (batch,))?
            .into_any()),
    }
}

/// The entropy of the value counts of the integers `x`.
#[pyfunction]
#[pyo3(signature = (x, base))]
pub fn symbol_entropy<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "symbol_entropy";
    let base = check_base(base, func)?;
    let np = py.import("numpy")?;
    let array = as_ndarray(x, "x", func)?.into_any();
    let dtype = array.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "i" | "u" | "b") {
        return Err(PyTypeError::new_err(format!(
            "{func}: x must be an array of integers (or bools), not {}",
            repr(&dtype)
        )));
    }
    let flat = np
        .call_method1("ascontiguousarray", (array,))?
        .call_method1("reshape", (-1,))?;
    let options = Options::default();
    macro_rules! run {
        ($($t:ty),*) => {{
            $(
                if let Ok(view) = flat.extract::<PyReadonlyArray1<'py, $t>>() {
                    let slice = view.as_slice()?;
                    py.detach(|| raw::symbol_entropy(slice, base, &options))
                } else
            )*
            {
                return Err(PyTypeError::new_err(format!(
                    "{func}: unsupported integer dtype {}",
                    repr(&dtype)
                )));
            }
        }};
    }
    let value = run!(i8, i16, i32, i64, u8, u16, u32, u64, bool).map_err(|e| match e {
        KernelError::ZeroMass { .. } => PyValueError::new_err(format!(
            "{func}: x is empty; the entropy of no values is undefined"
        )),
        other => plain(other),
    })?;
    float64(py, value)
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        byte_histogram,
        byte_entropy,
        windowed_byte_entropy,
        histogram_entropy,
        symbol_entropy
    )
}
