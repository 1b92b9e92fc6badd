//! Run-time controls: threads, SIMD level, and the benchmark's bandwidth yardstick.

use super::convert::Operand;
use super::errors::plain;
use crate::{kernels, parallel, SimdLevel};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A plain multithreaded sum of a 1-D contiguous float array: the benchmark's bandwidth yardstick.
#[pyfunction]
pub fn stream_sum(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<f64> {
    let data = Operand::new(data, "data", "stream_sum")?;
    let options = kernels::Options::default();
    let result = if let Some(slice) = data.contiguous::<f64>() {
        py.detach(|| kernels::stream_sum(slice, &options))
    } else if let Some(slice) = data.contiguous::<f32>() {
        py.detach(|| kernels::stream_sum(slice, &options))
    } else {
        return Err(PyValueError::new_err(
            "stream_sum takes a contiguous float32 or float64 array",
        ));
    };
    result.map_err(plain)
}

/// Sets the number of threads kernels use (an int >= 1).
#[pyfunction]
pub fn set_num_threads(n: &Bound<'_, PyAny>) -> PyResult<()> {
    let valid = n.is_exact_instance_of::<pyo3::types::PyInt>()
        || (n.is_instance_of::<pyo3::types::PyInt>() && !n.is_instance_of::<pyo3::types::PyBool>());
    match valid.then(|| n.extract::<i64>().ok()).flatten() {
        Some(count) if count >= 1 => parallel::set_num_threads(count as usize).map_err(plain),
        _ => Err(PyValueError::new_err(format!(
            "set_num_threads: n must be an int >= 1, not {}",
            super::convert::repr(n)
        ))),
    }
}

/// The number of threads kernels use.
#[pyfunction]
pub fn get_num_threads() -> usize {
    parallel::num_threads()
}

/// The SIMD level kernels use: "avx512", "avx2", "neon" or "scalar".
#[pyfunction]
pub fn simd_level() -> &'static str {
    SimdLevel::current().name()
}

/// The SIMD levels this CPU supports, narrowest first.
#[pyfunction]
pub fn available_simd_levels() -> Vec<&'static str> {
    SimdLevel::available()
        .into_iter()
        .map(|l| l.name())
        .collect()
}

/// Switches the SIMD level for later calls (for tests and benchmarks).
#[pyfunction]
pub fn set_simd_level(name: &str) -> PyResult<()> {
    let level = SimdLevel::parse(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown SIMD level {name:?}; expected scalar, neon, avx2 or avx512"
        ))
    })?;
    level.set_current().map_err(plain)
}

/// How many calls so far handed work to the thread pool (small calls never do).
#[pyfunction]
pub fn pool_uses() -> u64 {
    parallel::pool_uses()
}

/// A thread count for the block of a ``with`` statement.
///
/// ``with entropykit.threads(n):`` sets the number of threads kernels use to ``n`` on entry and
/// restores the previous count on exit, also when the block raises. The count is the process's
/// (as :func:`set_num_threads` sets it), not the calling thread's. Results do not depend on it.
///
/// Parameters
/// ----------
/// n : int
///     The number of threads in the block (>= 1).
///
/// Examples
/// --------
/// >>> import entropykit as ek
/// >>> before = ek.get_num_threads()
/// >>> with ek.threads(1):
/// ...     ek.get_num_threads()
/// 1
/// >>> ek.get_num_threads() == before
/// True
#[pyclass(module = "entropykit", name = "threads")]
pub struct Threads {
    n: usize,
    /// The counts to restore, one per entry (an instance may be entered again inside its block).
    saved: std::sync::Mutex<Vec<usize>>,
}

#[pymethods]
impl Threads {
    #[new]
    fn new(n: &Bound<'_, PyAny>) -> PyResult<Self> {
        let valid =
            n.is_instance_of::<pyo3::types::PyInt>() && !n.is_instance_of::<pyo3::types::PyBool>();
        match valid.then(|| n.extract::<i64>().ok()).flatten() {
            Some(count) if count >= 1 => Ok(Threads {
                n: count as usize,
                saved: Default::default(),
            }),
            _ => Err(PyValueError::new_err(format!(
                "threads: n must be an int >= 1, not {}",
                super::convert::repr(n)
            ))),
        }
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        let before = parallel::num_threads();
        parallel::set_num_threads(slf.n).map_err(plain)?;
        slf.saved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(before);
        Ok(slf)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        let before = self.saved.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if let Some(before) = before {
            parallel::set_num_threads(before).map_err(plain)?;
        }
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("threads({})", self.n)
    }
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Threads>()?;
    add_functions!(
        module,
        available_simd_levels,
        get_num_threads,
        pool_uses,
        set_num_threads,
        set_simd_level,
        simd_level,
        stream_sum
    )
}
