//! Bindings of the measures of one or two distributions along axes: entropy, cross-entropy,
//! KL, Jensen-Shannon, Renyi, Tsallis and perplexity. Each checks its arguments (`convert`),
//! runs one kernel pass with the GIL released, and shapes the result.

use super::columns::Columnar;
use super::convert::{check_base, check_nan_policy, repr, Reduction};
use crate::kernels::{self, Measure, Options, Params};
use numpy::PyArrayMethods;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

/// What is done to each distribution's value after the kernel.
#[derive(Clone, Copy, PartialEq)]
enum Finish {
    AsIs,
    /// sqrt(max(v, 0)): the Jensen-Shannon distance (NaN stays NaN).
    Root,
    /// e^v of the entropy in nats: perplexity, whatever the base.
    Exp,
}

/// The arguments every measure along axes takes, as the caller passed them.
struct Call<'a, 'py> {
    func: &'static str,
    /// The arguments' names in messages.
    names: [&'static str; 2],
    p: &'a Bound<'py, PyAny>,
    q: Option<&'a Bound<'py, PyAny>>,
    base: Option<&'a Bound<'py, PyAny>>,
    axis: &'a Bound<'py, PyAny>,
    keepdims: &'a Bound<'py, PyAny>,
    normalize: &'a Bound<'py, PyAny>,
    nan_policy: &'a Bound<'py, PyAny>,
}

impl<'py> Call<'_, 'py> {
    fn run(
        &self,
        py: Python<'py>,
        measure: Measure,
        order: f64,
        finish: Finish,
    ) -> PyResult<Bound<'py, PyAny>> {
        if finish != Finish::Root
            && matches!(
                measure,
                Measure::Entropy | Measure::CrossEntropy | Measure::KlDivergence
            )
        {
            let columnar = Columnar {
                func: self.func,
                measure,
                p: self.p,
                q: self.q,
                base: if finish == Finish::Exp {
                    None
                } else {
                    self.base
                },
                axis: self.axis,
                keepdims: self.keepdims.is_truthy()?,
                normalize: self.normalize.is_truthy()?,
                nan_policy: self.nan_policy,
            };
            if let Some(value) = columnar.run(py)? {
                if finish == Finish::Exp {
                    return exp_of(py, value);
                }
                return Ok(value);
            }
        }
        let reduction = Reduction::new(
            self.func,
            self.names,
            self.p,
            self.q,
            self.axis,
            self.keepdims.is_truthy()?,
        )?;
        let base = check_base(self.base, self.func)?;
        let params = Params {
            normalize: self.normalize.is_truthy()?,
            nan_policy: check_nan_policy(self.nan_policy, self.func)?,
            base: if finish == Finish::Exp { None } else { base },
            order,
        };
        let options = Options::default();
        let inputs = reduction.inputs()?;
        let mut values = vec![0.0f64; reduction.distributions()];
        py.detach(|| {
            kernels::reduce(
                measure,
                &inputs[0],
                inputs.get(1),
                &params,
                &options,
                &mut values,
            )
        })
        .map_err(|e| reduction.error(py, e, params.normalize))?;
        match finish {
            Finish::AsIs => {}
            Finish::Root => values
                .iter_mut()
                .for_each(|v| *v = if *v < 0.0 { 0.0 } else { v.sqrt() }),
            Finish::Exp => values.iter_mut().for_each(|v| *v = v.exp()),
        }
        // A ufunc applied to a 0-d result gives a scalar: so did the NumPy finish of these two.
        if finish != Finish::AsIs && reduction.result_shape().is_empty() {
            return super::convert::float64(py, values[0]);
        }
        reduction.finish(py, values)
    }
}

/// e^v of a columnar result (a float64 scalar, or a 1-element array under `keepdims`).
fn exp_of<'py>(py: Python<'py>, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(array) = value.cast::<numpy::PyArray1<f64>>() {
        let values: Vec<f64> = array.to_vec()?.iter().map(|v| v.exp()).collect();
        return Ok(numpy::PyArray1::from_vec(py, values).into_any());
    }
    super::convert::float64(py, value.extract::<f64>()?.exp())
}

/// A Renyi / Tsallis order: a real number >= 0, or +inf.
fn check_order(func: &str, name: &str, order: &Bound<'_, PyAny>) -> PyResult<f64> {
    let bad_type = || {
        PyTypeError::new_err(format!(
            "{func}: {name} must be a real number, not {}",
            repr(order)
        ))
    };
    let real = order.is_exact_instance_of::<PyFloat>()
        || (order.is_instance_of::<PyInt>() && !order.is_instance_of::<PyBool>())
        || super::convert::is_real_number(order)?;
    if !real {
        return Err(bad_type());
    }
    let value: f64 = order.extract().map_err(|_| bad_type())?;
    if value.is_nan() || value < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{func}: {name} must be >= 0 (or inf), not {}",
            repr(order)
        )));
    }
    Ok(value)
}

macro_rules! measure_binding {
    ($(#[$doc:meta])* $name:ident, one, $measure:expr, $finish:expr) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = (p, base, axis, keepdims, normalize, nan_policy))]
        pub fn $name<'py>(
            py: Python<'py>,
            p: &Bound<'py, PyAny>,
            base: Option<&Bound<'py, PyAny>>,
            axis: &Bound<'py, PyAny>,
            keepdims: &Bound<'py, PyAny>,
            normalize: &Bound<'py, PyAny>,
            nan_policy: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let call = Call { func: stringify!($name), names: ["p", "q"], p, q: None, base, axis, keepdims, normalize, nan_policy };
            call.run(py, $measure, 0.0, $finish)
        }
    };
    ($(#[$doc:meta])* $name:ident, two, $measure:expr, $finish:expr) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = (p, q, base, axis, keepdims, normalize, nan_policy))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name<'py>(
            py: Python<'py>,
            p: &Bound<'py, PyAny>,
            q: &Bound<'py, PyAny>,
            base: Option<&Bound<'py, PyAny>>,
            axis: &Bound<'py, PyAny>,
            keepdims: &Bound<'py, PyAny>,
            normalize: &Bound<'py, PyAny>,
            nan_policy: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let call = Call { func: stringify!($name), names: ["p", "q"], p, q: Some(q), base, axis, keepdims, normalize, nan_policy };
            call.run(py, $measure, 0.0, $finish)
        }
    };
    ($(#[$doc:meta])* $name:ident, order $order:literal, $measure:expr) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = (p, order, base, axis, keepdims, normalize, nan_policy))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name<'py>(
            py: Python<'py>,
            p: &Bound<'py, PyAny>,
            order: &Bound<'py, PyAny>,
            base: Option<&Bound<'py, PyAny>>,
            axis: &Bound<'py, PyAny>,
            keepdims: &Bound<'py, PyAny>,
            normalize: &Bound<'py, PyAny>,
            nan_policy: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let order = check_order(stringify!($name), $order, order)?;
            let call = Call { func: stringify!($name), names: ["p", "q"], p, q: None, base, axis, keepdims, normalize, nan_policy };
            call.run(py, $measure, order, Finish::AsIs)
        }
    };
}

measure_binding!(
    /// Shannon entropy of each distribution along `axis`.
    entropy, one, Measure::Entropy, Finish::AsIs
);
measure_binding!(
    /// Cross-entropy H(p, q) along `axis`.
    cross_entropy, two, Measure::CrossEntropy, Finish::AsIs
);
measure_binding!(
    /// KL(p || q) along `axis`.
    kl_divergence, two, Measure::KlDivergence, Finish::AsIs
);
measure_binding!(
    /// Jensen-Shannon divergence along `axis`.
    js_divergence, two, Measure::JensenShannon, Finish::AsIs
);
measure_binding!(
    /// Jensen-Shannon distance along `axis`.
    js_distance, two, Measure::JensenShannon, Finish::Root
);
measure_binding!(
    /// e^H(p) along `axis`.
    perplexity, one, Measure::Entropy, Finish::Exp
);
measure_binding!(
    /// Renyi entropy of order `alpha`.
    renyi_entropy, order "alpha", Measure::Renyi
);
measure_binding!(
    /// Tsallis entropy of index `q_index`.
    tsallis_entropy, order "q_index", Measure::Tsallis
);

/// `scipy.stats.entropy`'s measure (entropy, or KL when `qk` is given), normalised, with its
/// name and its arguments' names in messages.
#[allow(clippy::too_many_arguments)]
pub(super) fn scipy_entropy<'py>(
    py: Python<'py>,
    pk: &Bound<'py, PyAny>,
    qk: Option<&Bound<'py, PyAny>>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let normalize = PyBool::new(py, true).to_owned().into_any();
    let call = Call {
        func: "entropy",
        names: ["pk", "qk"],
        p: pk,
        q: qk,
        base,
        axis,
        keepdims,
        normalize: &normalize,
        nan_policy,
    };
    let measure = if qk.is_some() {
        Measure::KlDivergence
    } else {
        Measure::Entropy
    };
    call.run(py, measure, 0.0, Finish::AsIs)
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        cross_entropy,
        entropy,
        js_distance,
        js_divergence,
        kl_divergence,
        perplexity,
        renyi_entropy,
        tsallis_entropy
    )
}
