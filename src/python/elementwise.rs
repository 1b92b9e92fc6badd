//! Bindings of the elementwise functions (`kernels::elementwise`): `entr`, `rel_entr`, `kl_div`,
//! `xlogy`, `binary_entropy` and `surprisal`, each with its argument rules. Arguments are any
//! array-likes of a float, integer or boolean dtype and broadcast together; the result is
//! float32 when every array argument is float32 or float16 (Python numbers adapt, as in NumPy 2),
//! else float64, and a NumPy scalar when every argument is 0-d, as ufuncs give.

use super::convert::{as_ndarray, broadcast_shape, cached, check_base, float64};
use super::convert::{unravel, Dtype, FromElement, Operand};
use super::errors::{entry_name, float_repr, invalid};
use crate::error::KernelError;
use crate::kernels::elementwise::{self as kernel, Function, Storage};
use crate::kernels::Options;
use crate::strided::Input;
use numpy::{PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyFloat, PyInt};

static NUMPY_FLOAT32: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An argument as an operand the kernels read, and whether it is a Python number (which adapts
/// to the other argument's precision).
fn operand<'py>(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<(Operand<'py>, bool)> {
    let weak = obj.is_exact_instance_of::<PyFloat>() || obj.is_exact_instance_of::<PyInt>();
    let array = as_ndarray(obj, name, func)?;
    let descr = array.dtype();
    let (kind, size) = (descr.kind(), descr.itemsize());
    if !((kind == b'f' && matches!(size, 2 | 4 | 8)) || matches!(kind, b'i' | b'u' | b'b')) {
        return Err(PyTypeError::new_err(format!(
            "{func}: {name} has dtype {descr}; expected float16, float32, float64, an integer \
             or a boolean dtype"
        )));
    }
    // Booleans are read as the bytes 0 and 1 they are stored as.
    let array = if kind == b'b' {
        array.call_method1("view", ("uint8",))?
    } else {
        array.into_any()
    };
    Ok((Operand::new(&array, name, func)?, weak))
}

/// Where the kernel reads an argument from: one value for every element, or a view of the
/// argument broadcast to the result's shape (read in place when it is contiguous in the result's
/// dtype, else gathered).
enum Source<'a, E> {
    Single(E),
    View(Input<'a>),
}

/// The result's element type.
trait Out: Storage + numpy::Element + Default + FromElement {
    fn read<'b>(input: &'b Input<'_>, n: usize, buf: &'b mut Vec<Self>) -> &'b [Self];
    fn scalar(py: Python<'_>, value: Self) -> PyResult<Bound<'_, PyAny>>;
}

impl Out for f64 {
    fn read<'b>(input: &'b Input<'_>, n: usize, buf: &'b mut Vec<f64>) -> &'b [f64] {
        if !input.is_direct::<f64>() {
            buf.resize(n, 0.0);
        }
        input.fetch_f64(0, 0, n, buf)
    }
    fn scalar(py: Python<'_>, value: f64) -> PyResult<Bound<'_, PyAny>> {
        float64(py, value)
    }
}

impl Out for f32 {
    fn read<'b>(input: &'b Input<'_>, n: usize, buf: &'b mut Vec<f32>) -> &'b [f32] {
        if !input.is_direct::<f32>() {
            buf.resize(n, 0.0);
        }
        if input.is_f32() {
            return input.fetch_f32(0, 0, n, buf);
        }
        // Not reached (a float32 result has only float32 arrays or Python numbers, which are
        // single values), but correct: widened, then rounded.
        let mut wide = vec![0.0; n];
        let values = input.fetch_f64(0, 0, n, &mut wide);
        for (slot, &v) in buf.iter_mut().zip(values) {
            *slot = v as f32;
        }
        buf
    }
    fn scalar(py: Python<'_>, value: f32) -> PyResult<Bound<'_, PyAny>> {
        cached(py, &NUMPY_FLOAT32, "numpy", "float32")?.call1((f64::from(value),))
    }
}

/// The exception for a kernel error: a probability out of [0, 1] at a flat position of the
/// result (whose shape is the argument's).
fn error(py: Python<'_>, func: &str, shape: &[usize], error: KernelError) -> PyErr {
    let (kind, what, position, value) = match error {
        KernelError::Negative {
            position, value, ..
        } => ("negative", "is negative", position, value),
        KernelError::Infinite {
            position, value, ..
        } => ("infinite", "is not finite", position, value),
        KernelError::OutOfRange {
            position, value, ..
        } => ("out_of_range", "is greater than 1", position, value),
        KernelError::ThreadPool(message) => return PyRuntimeError::new_err(message),
        other => return PyValueError::new_err(other.to_string()),
    };
    let index = unravel(shape, position);
    let message = format!(
        "{func}: {} = {} {what}; probabilities must be in [0, 1]",
        entry_name("p", &index),
        float_repr(py, value)
    );
    invalid(py, message, kind, "p", &index)
}

fn run<'py, E: Out>(
    py: Python<'py>,
    function: Function,
    operands: &[Operand<'py>],
    shape: &[usize],
    scalar: bool,
    base: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let n: usize = shape.iter().product();
    let sources = operands
        .iter()
        .map(|o| {
            Ok(if o.shape().iter().product::<usize>() == 1 {
                Source::Single(o.first::<E>().unwrap_or_default())
            } else {
                Source::View(o.broadcast(shape)?)
            })
        })
        .collect::<PyResult<Vec<Source<E>>>>()?;
    let options = Options::default();
    let compute = |out: &mut [E]| {
        let mut bufs: [Vec<E>; 2] = [Vec::new(), Vec::new()];
        let [bx, by] = &mut bufs;
        let singles: Vec<[E; 1]> = sources
            .iter()
            .map(|s| match s {
                Source::Single(v) => [*v],
                Source::View(_) => [E::default()],
            })
            .collect();
        let mut slices: [&[E]; 2] = [&[], &[]];
        for ((slot, source), (single, buf)) in slices
            .iter_mut()
            .zip(&sources)
            .zip(singles.iter().zip([bx, by]))
        {
            *slot = match source {
                Source::Single(_) => single,
                Source::View(input) => E::read(input, n, buf),
            };
        }
        kernel::elementwise(function, slices[0], slices[1], base, &options, out)
    };
    let func = function.name();
    if scalar {
        let mut out = [E::default()];
        py.detach(|| compute(&mut out))
            .map_err(|e| error(py, func, shape, e))?;
        return E::scalar(py, out[0]);
    }
    let array = PyArrayDyn::<E>::zeros(py, shape, false);
    if n > 0 {
        let mut guard = array.try_readwrite()?;
        let out = guard.as_slice_mut()?;
        py.detach(|| compute(out))
            .map_err(|e| error(py, func, shape, e))?;
    }
    Ok(array.into_any())
}

/// Checks the arguments (dtypes, broadcasting, base), settles the result's shape and dtype, and
/// computes `function` elementwise.
fn apply<'py>(
    py: Python<'py>,
    function: Function,
    args: &[(&str, &Bound<'py, PyAny>)],
    base: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = function.name();
    let mut operands = Vec::with_capacity(2);
    // None while every argument is a Python number.
    let mut single: Option<bool> = None;
    for &(name, value) in args {
        let (operand, weak) = operand(value, name, func)?;
        if !weak {
            single = Some(single.unwrap_or(true) && operand.dtype == Dtype::F32);
        }
        operands.push(operand);
    }
    let scalar = operands.iter().all(|o| o.shape().is_empty());
    let shapes: Vec<(&str, &[usize])> = args
        .iter()
        .zip(&operands)
        .map(|(&(name, _), o)| (name, o.shape()))
        .collect();
    let shape = broadcast_shape(func, &shapes)?;
    let base = check_base(base, func)?;
    if single == Some(true) {
        run::<f32>(py, function, &operands, &shape, scalar, base)
    } else {
        run::<f64>(py, function, &operands, &shape, scalar, base)
    }
}

macro_rules! elementwise_binding {
    ($(#[$doc:meta])* $name:ident, $function:expr, $x:ident) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = ($x, base))]
        pub fn $name<'py>(
            py: Python<'py>,
            $x: &Bound<'py, PyAny>,
            base: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            apply(py, $function, &[(stringify!($x), $x)], base)
        }
    };
    ($(#[$doc:meta])* $name:ident, $function:expr, $x:ident, $y:ident) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = ($x, $y, base))]
        pub fn $name<'py>(
            py: Python<'py>,
            $x: &Bound<'py, PyAny>,
            $y: &Bound<'py, PyAny>,
            base: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            apply(py, $function, &[(stringify!($x), $x), (stringify!($y), $y)], base)
        }
    };
}

elementwise_binding!(
    /// -x ln x, as `scipy.special.entr`.
    entr, Function::Entr, x
);
elementwise_binding!(
    /// x ln(x / y), as `scipy.special.rel_entr`.
    rel_entr, Function::RelEntr, x, y
);
elementwise_binding!(
    /// x ln(x / y) - x + y, as `scipy.special.kl_div`.
    kl_div, Function::KlDiv, x, y
);
elementwise_binding!(
    /// x ln y (0 where x = 0 and y is not NaN), as `scipy.special.xlogy`.
    xlogy, Function::Xlogy, x, y
);
elementwise_binding!(
    /// -p ln p - (1 - p) ln(1 - p); p in [0, 1].
    binary_entropy, Function::BinaryEntropy, p
);
elementwise_binding!(
    /// -ln p; p in [0, 1].
    surprisal, Function::Surprisal, p
);

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        binary_entropy,
        entr,
        kl_div,
        rel_entr,
        surprisal,
        xlogy
    )
}
