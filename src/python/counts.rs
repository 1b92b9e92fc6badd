//! Bindings of the count estimators (`kernels::counts`) and the Gaussian measures
//! (`kernels::gaussian`), with their argument rules: counts are reduced along axes like the core
//! measures (`convert::Reduction`); Gaussian parameters broadcast together and are handed to the
//! kernels as flat float64 runs, read in place when they already are one (a copy is made only of
//! an argument that is broadcast, strided or of another dtype).

use super::convert::{
    as_ndarray, broadcast_shape, check_base, float64, repr, tuple_repr, unravel, Operand, Reduction,
};
use super::errors::{entry_name, float_repr, invalid};
use crate::error::KernelError;
use crate::kernels::counts::{self, CountMeasure};
use crate::kernels::gaussian;
use crate::kernels::Options;
use numpy::{PyArray1, PyArrayDescrMethods, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

/// A kernel error that names no entry: bad layouts as ValueError, the pool as RuntimeError.
fn other(error: KernelError) -> PyErr {
    match error {
        KernelError::ThreadPool(message) => PyRuntimeError::new_err(message),
        KernelError::Layout(message) => PyValueError::new_err(message),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// The exception for bad counts, located in the caller's own coordinates.
fn count_error(py: Python<'_>, reduction: &Reduction<'_>, error: KernelError) -> PyErr {
    let func = reduction.func;
    let (kind, distribution, position, value) = match error {
        KernelError::ZeroMass { distribution, .. } => {
            let index = unravel(&reduction.batch_shape(), distribution);
            let place = if index.is_empty() {
                "the distribution".to_string()
            } else {
                format!("the distribution at index {}", tuple_repr(&index))
            };
            let message = format!(
                "{func}: counts sum to zero in {place}; there is no sample to estimate from"
            );
            return invalid(py, message, "zero_mass", "counts", &index);
        }
        KernelError::Nan {
            distribution,
            position,
            ..
        } => ("nan", distribution, position, f64::NAN),
        KernelError::Infinite {
            distribution,
            position,
            value,
            ..
        } => ("infinite", distribution, position, value),
        KernelError::Negative {
            distribution,
            position,
            value,
            ..
        } => ("negative", distribution, position, value),
        KernelError::NotWhole {
            distribution,
            position,
            value,
            ..
        } => ("not_whole", distribution, position, value),
        other_error => return other(other_error),
    };
    let index = reduction.entry_index(0, distribution, position);
    let at = entry_name("counts", &index);
    let value = float_repr(py, value);
    let message = match kind {
        "nan" => format!("{func}: {at} is NaN; counts must be whole numbers >= 0"),
        "infinite" => format!("{func}: {at} = {value} is not finite; counts must be finite"),
        "negative" => format!("{func}: {at} = {value} is negative; counts must be >= 0"),
        _ => format!("{func}: {at} = {value} is not a whole number; counts must be whole"),
    };
    invalid(py, message, kind, "counts", &index)
}

fn reduce_counts<'py>(
    py: Python<'py>,
    func: &'static str,
    measure: CountMeasure,
    counts: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let reduction = Reduction::new(
        func,
        ["counts", "counts"],
        counts,
        None,
        axis,
        keepdims.is_truthy()?,
    )?;
    let base = check_base(base, func)?;
    let options = Options::default();
    let inputs = reduction.inputs()?;
    let input = &inputs[0];
    let mut values = vec![0.0; reduction.distributions()];
    py.detach(|| counts::count_reduce(measure, input, base, &options, &mut values))
        .map_err(|e| count_error(py, &reduction, e))?;
    reduction.finish(py, values)
}

/// The entropy of the distribution behind `counts` by an estimator: "plugin", "miller_madow",
/// "james_stein" or "chao_shen".
#[pyfunction]
#[pyo3(signature = (counts, estimator, base, axis, keepdims))]
pub fn entropy_from_counts<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    estimator: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "entropy_from_counts";
    let measure = match estimator.cast::<PyString>() {
        Ok(name) => match name.to_str()? {
            "plugin" => Some(CountMeasure::Plugin),
            "miller_madow" => Some(CountMeasure::MillerMadow),
            "james_stein" => Some(CountMeasure::JamesStein),
            "chao_shen" => Some(CountMeasure::ChaoShen),
            _ => None,
        },
        Err(_) => None,
    };
    let Some(measure) = measure else {
        return Err(PyValueError::new_err(format!(
            "{func}: estimator must be one of 'plugin', 'miller_madow', 'james_stein', \
             'chao_shen', not {}",
            repr(estimator)
        )));
    };
    reduce_counts(py, func, measure, counts, base, axis, keepdims)
}

/// ln W, W = N! / prod n_i!, of `counts` along the axes.
#[pyfunction]
#[pyo3(signature = (counts, base, axis, keepdims))]
pub fn boltzmann_entropy<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "boltzmann_entropy";
    reduce_counts(
        py,
        func,
        CountMeasure::Boltzmann,
        counts,
        base,
        axis,
        keepdims,
    )
}

/// What Gaussian parameters hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sigma,
    Diag,
    Full,
}

/// `kind`: `None` for "auto".
fn read_kind(kind: &Bound<'_, PyAny>, func: &str) -> PyResult<Option<Kind>> {
    if let Ok(name) = kind.cast::<PyString>() {
        match name.to_str()? {
            "auto" => return Ok(None),
            "sigma" => return Ok(Some(Kind::Sigma)),
            "diag" => return Ok(Some(Kind::Diag)),
            "full" => return Ok(Some(Kind::Full)),
            _ => {}
        }
    }
    Err(PyValueError::new_err(format!(
        "{func}: kind must be one of 'auto', 'sigma', 'diag', 'full', not {}",
        repr(kind)
    )))
}

/// A Gaussian parameter: any array-like of a float or integer dtype, read as float64.
fn parameter<'py>(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Operand<'py>> {
    let array = as_ndarray(obj, name, func)?;
    let descr = array.dtype();
    let (kind, size) = (descr.kind(), descr.itemsize());
    if !matches!(kind, b'f' | b'i' | b'u') {
        return Err(PyTypeError::new_err(format!(
            "{func}: {name} has dtype {descr}; expected a float or integer dtype"
        )));
    }
    if kind == b'f' && !matches!(size, 2 | 4 | 8) {
        // long double: rounded to float64 as the computation is.
        return Operand::new(&array.call_method1("astype", ("float64",))?, name, func);
    }
    Operand::new(array.as_any(), name, func)
}

/// The four arguments' names beside their shapes, for broadcasting messages.
fn named<'a>(shapes: &[&'a [usize]]) -> Vec<(&'static str, &'a [usize])> {
    KL_NAMES
        .iter()
        .copied()
        .zip(shapes.iter().copied())
        .collect()
}

const KL_NAMES: &[&str] = &["mu1", "s1", "mu2", "s2"];

fn is_square(shape: &[usize]) -> bool {
    shape.len() >= 2 && shape[shape.len() - 1] == shape[shape.len() - 2]
}

/// Checked Gaussian arguments: each operand with the shape the kernel reads it in (broadcast to
/// one another; a single value of univariate arguments stays one value), the batch (the
/// result's shape) and the dimension `d` (0 for "sigma").
struct Gaussian<'py> {
    func: &'static str,
    kind: Kind,
    names: &'static [&'static str],
    operands: Vec<Operand<'py>>,
    targets: Vec<Vec<usize>>,
    batch: Vec<usize>,
    d: usize,
    base: Option<f64>,
}

impl<'py> Gaussian<'py> {
    /// The exception for a kernel error, located in the shapes computed on.
    fn error(&self, py: Python<'_>, error: KernelError) -> PyErr {
        let func = self.func;
        match error {
            KernelError::BadParameter { arg, index, value } => {
                let which = self.names.iter().position(|&n| n == arg).unwrap_or(0);
                // Univariate arguments are indexed in the broadcast shape (a single value at its
                // start).
                let shape = if self.kind == Kind::Sigma {
                    &self.batch
                } else {
                    &self.targets[which]
                };
                let index = unravel(shape, index);
                let need = if arg.starts_with("mu") || self.kind == Kind::Full {
                    "finite"
                } else {
                    "finite and > 0"
                };
                let message = format!(
                    "{func}: {} = {} is out of its domain; it must be {need}",
                    entry_name(arg, &index),
                    float_repr(py, value)
                );
                invalid(py, message, "bad_parameter", arg, &index)
            }
            KernelError::NotPositiveDefinite { arg, matrix, pivot } => {
                let index = unravel(&self.batch, matrix);
                let message = format!(
                    "{func}: {} is not positive definite (Cholesky failed at pivot {pivot})",
                    entry_name(arg, &index)
                );
                invalid(py, message, "not_positive_definite", arg, &index)
            }
            other_error => other(other_error),
        }
    }

    /// Runs the entropy (one operand) or KL (four) kernel and shapes the result.
    fn run(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inputs = self
            .operands
            .iter()
            .zip(&self.targets)
            .map(|(operand, target)| operand.broadcast(target))
            .collect::<PyResult<Vec<_>>>()?;
        let rows: usize = self.batch.iter().product();
        let (kind, d) = (self.kind, self.d);
        let (base, options) = (self.base, Options::default());
        let values = py
            .detach(|| {
                let mut bufs: Vec<Vec<f64>> = vec![Vec::new(); inputs.len()];
                let mut args: [&[f64]; 4] = [&[]; 4];
                for ((slot, input), buf) in args.iter_mut().zip(&inputs).zip(bufs.iter_mut()) {
                    let len = input.reduce_len();
                    if !input.is_direct::<f64>() {
                        buf.resize(len, 0.0);
                    }
                    *slot = input.fetch_f64(0, 0, len, buf);
                }
                let mut out = vec![0.0; rows];
                let out_slice = &mut out;
                match (inputs.len(), kind) {
                    (1, Kind::Sigma) => gaussian::entropy_sigma(args[0], base, &options, out_slice),
                    (1, Kind::Diag) => {
                        gaussian::entropy_diag(args[0], d, base, &options, out_slice)
                    }
                    (1, Kind::Full) => {
                        gaussian::entropy_full(args[0], d, base, &options, out_slice)
                    }
                    (_, Kind::Sigma) => gaussian::kl_sigma(args, base, &options, out_slice),
                    (_, Kind::Diag) => gaussian::kl_diag(args, d, base, &options, out_slice),
                    (_, Kind::Full) => gaussian::kl_full(args, d, base, &options, out_slice),
                }
                .map(|()| out)
            })
            .map_err(|e| self.error(py, e))?;
        if self.batch.is_empty() {
            return float64(py, values[0]);
        }
        Ok(PyArray1::from_vec(py, values)
            .reshape(self.batch.clone())?
            .into_any())
    }
}

/// Differential entropy of Gaussians from standard deviations, variances or covariances.
#[pyfunction]
#[pyo3(signature = (cov_or_sigma, base, kind))]
pub fn gaussian_entropy<'py>(
    py: Python<'py>,
    cov_or_sigma: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    kind: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "gaussian_entropy";
    let x = parameter(cov_or_sigma, "cov_or_sigma", func)?;
    let shape = x.shape().to_vec();
    let kind = match read_kind(kind, func)? {
        Some(kind) => kind,
        None if shape.len() <= 1 => Kind::Sigma,
        None if is_square(&shape) => Kind::Full,
        None => {
            return Err(PyValueError::new_err(format!(
                "{func}: kind='auto' cannot tell what an array of shape {} holds (not 0-d or \
                 1-d standard deviations, nor square covariances); pass kind='sigma', 'diag' \
                 or 'full'",
                tuple_repr(&shape)
            )))
        }
    };
    let base = check_base(base, func)?;
    let n = shape.len();
    let (names, batch, d): (&'static [&'static str], _, _) = match kind {
        Kind::Sigma => (&["sigma"], shape.clone(), 0),
        Kind::Diag => {
            if n < 1 {
                return Err(PyValueError::new_err(format!(
                    "{func}: kind='diag' needs variances of shape (..., d)"
                )));
            }
            (&["var"], shape[..n - 1].to_vec(), shape[n - 1])
        }
        Kind::Full => {
            if !is_square(&shape) {
                return Err(PyValueError::new_err(format!(
                    "{func}: kind='full' needs covariances of shape (..., d, d), not {}",
                    tuple_repr(&shape)
                )));
            }
            (&["cov"], shape[..n - 2].to_vec(), shape[n - 1])
        }
    };
    let call = Gaussian {
        func,
        kind,
        names,
        operands: vec![x],
        targets: vec![shape],
        batch,
        d,
        base,
    };
    call.run(py)
}

/// KL(N(mu1, s1) ‖ N(mu2, s2)) between Gaussians, broadcast.
#[pyfunction]
#[pyo3(signature = (mu1, s1, mu2, s2, base, kind))]
pub fn gaussian_kl<'py>(
    py: Python<'py>,
    mu1: &Bound<'py, PyAny>,
    s1: &Bound<'py, PyAny>,
    mu2: &Bound<'py, PyAny>,
    s2: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    kind: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "gaussian_kl";
    const NAMES: &[&str] = KL_NAMES;
    let operands = [mu1, s1, mu2, s2]
        .iter()
        .zip(NAMES)
        .map(|(obj, name)| parameter(obj, name, func))
        .collect::<PyResult<Vec<_>>>()?;
    let shapes: Vec<Vec<usize>> = operands.iter().map(|o| o.shape().to_vec()).collect();
    let kind = match read_kind(kind, func)? {
        Some(kind) => kind,
        None if is_square(&shapes[1]) && is_square(&shapes[3]) => Kind::Full,
        None if shapes.iter().all(|s| s.len() <= 1) => Kind::Sigma,
        None => {
            let described: Vec<String> = shapes.iter().map(|s| tuple_repr(s)).collect();
            return Err(PyValueError::new_err(format!(
                "{func}: kind='auto' cannot tell what arrays of shapes {} hold; pass \
                 kind='sigma', 'diag' or 'full'",
                described.join(", ")
            )));
        }
    };
    let base = check_base(base, func)?;
    let all: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
    let (targets, batch, d) = match kind {
        Kind::Sigma => {
            let shape = broadcast_shape(func, &named(&all))?;
            // A single value (a scalar mean, a standard normal target) stays one value.
            let targets = shapes
                .iter()
                .map(|s| {
                    if s.iter().product::<usize>() == 1 {
                        s.clone()
                    } else {
                        shape.clone()
                    }
                })
                .collect();
            (targets, shape, 0)
        }
        _ if shapes.iter().any(|s| s.is_empty()) => {
            let name = if kind == Kind::Diag { "diag" } else { "full" };
            return Err(PyValueError::new_err(format!(
                "{func}: kind='{name}' needs arrays of at least one dimension"
            )));
        }
        Kind::Diag => {
            let shape = broadcast_shape(func, &named(&all))?;
            let n = shape.len();
            (
                vec![shape.clone(); 4],
                shape[..n - 1].to_vec(),
                shape[n - 1],
            )
        }
        Kind::Full => {
            for which in [1, 3] {
                if !is_square(&shapes[which]) {
                    return Err(PyValueError::new_err(format!(
                        "{func}: kind='full' needs {} of shape (..., d, d), not {}",
                        NAMES[which],
                        tuple_repr(&shapes[which])
                    )));
                }
            }
            let last = |s: &Vec<usize>| s[s.len() - 1];
            let d = last(&shapes[1]);
            if last(&shapes[3]) != d || last(&shapes[0]) != d || last(&shapes[2]) != d {
                return Err(PyValueError::new_err(format!(
                    "{func}: dimensions do not match: mu1 {}, s1 {}, mu2 {}, s2 {}",
                    tuple_repr(&shapes[0]),
                    tuple_repr(&shapes[1]),
                    tuple_repr(&shapes[2]),
                    tuple_repr(&shapes[3])
                )));
            }
            let batches: Vec<&[usize]> = shapes
                .iter()
                .zip([1, 2, 1, 2])
                .map(|(s, core)| &s[..s.len() - core])
                .collect();
            let batch = broadcast_shape(func, &named(&batches))?;
            let vector = [batch.as_slice(), &[d]].concat();
            let matrix = [batch.as_slice(), &[d, d]].concat();
            (
                vec![vector.clone(), matrix.clone(), vector, matrix],
                batch,
                d,
            )
        }
    };
    let call = Gaussian {
        func,
        kind,
        names: NAMES,
        operands,
        targets,
        batch,
        d,
        base,
    };
    call.run(py)
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        boltzmann_entropy,
        entropy_from_counts,
        gaussian_entropy,
        gaussian_kl
    )
}
