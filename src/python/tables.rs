//! Bindings of the measures of a joint table (joint and conditional entropy, mutual information
//! and its normalisation, variation of information), of a weighted mixture
//! (`js_divergence_many`) and of `scipy_compat.entropy`.
//!
//! A joint table is read once (`kernels::table::table_sums`, the Y axis is the distribution
//! axis): each row's mass and sum p ln p and the column sums (the Y marginal) come from the same
//! pass, and the entropy kernel gives the two marginal entropies; the measures combine H(X, Y), H(X), H(Y) here, with the
//! clamps and certain-marginal rules of the NumPy twin (`reference/_tables.py`).

use super::convert::{
    self, as_ndarray, check_base, check_nan_policy, reduced_axes, repr, tuple_repr, unravel,
    Operand, Reduction,
};
use super::errors::{self, axis_error};
use crate::error::{Arg, KernelError};
use crate::kernels::{self, Measure, NanPolicy, Options, Params, Partial, SumKind};
use crate::strided::{Input, Strided};
use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyInt, PyList, PyString, PyTuple};

static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static NUMPY_BOOL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Which marginal a conditional entropy is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Given {
    X,
    Y,
}

/// The normaliser of the normalised mutual information (scikit-learn's `average_method`).
#[derive(Clone, Copy)]
enum Method {
    Arithmetic,
    Geometric,
    Min,
    Max,
}

#[derive(Clone, Copy)]
enum TableMeasure {
    Joint,
    Mutual,
    Conditional(Given),
    Variation,
    Normalized(Method),
}

/// `x if x >= 0 else 0` with NaN kept, as `np.maximum(x, 0.0)`.
fn clamp0(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// Where the tables lie: rows are the distributions of the canonical view (batch axes first, the
/// Y axis last), taken as `(outer, x, inner)`; tables are `(outer, inner)` pairs in C order.
struct Layout {
    outer: usize,
    nx: usize,
    inner: usize,
    ny: usize,
}

impl Layout {
    fn tables(&self) -> usize {
        self.outer * self.inner
    }

    fn rows(&self) -> usize {
        self.outer * self.nx * self.inner
    }
}

/// H(X, Y), H(X), H(Y) in nats and the numbers of rows and columns of positive mass, per table.
#[derive(Default)]
struct Entropies {
    h_xy: Vec<f64>,
    h_x: Vec<f64>,
    h_y: Vec<f64>,
    support_x: Vec<usize>,
    support_y: Vec<usize>,
}

enum Pass {
    Done(Entropies),
    /// Scale the table by this power of two and try again.
    Rescale(i32),
    /// The first table (flat index) of zero total mass.
    ZeroMass(usize),
}

/// The Shannon entropy of each of `count` contiguous distributions of `len` entries (normalised),
/// by the same unscaled formula ln S - T/S as the joint entropy (not by `kernels::reduce`, which
/// scales each distribution by its own power of two): the differences MI and VI take then cancel
/// to the bit where the marginals equal the joint (a permutation table has VI exactly 0). The
/// marginals' masses are the table's, which `table_pass` keeps in range.
fn entropies(data: &[f64], count: usize, len: usize) -> Result<Vec<f64>, KernelError> {
    let view = Input::from(Strided::from_slice(data, &[count], len)?);
    let mut sums = vec![Partial::default(); count];
    let options = Options::default();
    let kind = SumKind::Shannon(Measure::Entropy);
    kernels::partial_sums(kind, &view, None, NanPolicy::Propagate, &options, &mut sums)?;
    Ok(sums
        .iter()
        .map(|s| clamp0(s.mass_p.ln() - s.core / s.mass_p))
        .collect())
}

/// One pass over the tables. `first` asks for a rescale when masses leave the range where the
/// sums are exact enough (beyond float64, or so small that p ln p loses bits to subnormals).
fn table_pass(
    input: &Input,
    layout: &Layout,
    nan_policy: NanPolicy,
    first: bool,
) -> Result<Pass, KernelError> {
    let tables = layout.tables();
    if tables == 0 {
        return Ok(Pass::Done(Entropies::default()));
    }
    let (nx, ny) = (layout.nx, layout.ny);
    if nx == 0 {
        return Ok(Pass::ZeroMass(0));
    }
    let options = Options::default();
    // One read of the tables: each row's mass and sum p ln p (table by table, in x order) and
    // each table's column sums.
    let mut rows = vec![Partial::default(); layout.rows()];
    let mut columns = vec![0.0; tables * ny];
    kernels::table::table_sums(
        input,
        nx,
        layout.inner,
        nan_policy,
        &options,
        &mut rows,
        &mut columns,
    )?;
    let mut row_mass = Vec::with_capacity(tables * nx);
    let mut mass = Vec::with_capacity(tables);
    let mut core = Vec::with_capacity(tables);
    for table_rows in rows.chunks_exact(nx.max(1)) {
        let (mut m, mut c) = (0.0, 0.0);
        for row in table_rows {
            row_mass.push(row.mass_p);
            m += row.mass_p;
            c += row.core;
        }
        mass.push(m);
        core.push(c);
    }
    if first {
        let overflow = mass
            .iter()
            .zip(&core)
            .any(|(m, c)| m.is_infinite() || (c.is_infinite() && !m.is_nan()));
        if overflow {
            return Ok(Pass::Rescale(-600));
        }
        if mass.iter().any(|&m| m > 0.0 && m < TINY) {
            return Ok(Pass::Rescale(600));
        }
    }
    if let Some(table) = mass.iter().position(|&m| m == 0.0) {
        return Ok(Pass::ZeroMass(table));
    }
    let h_xy = mass
        .iter()
        .zip(&core)
        .map(|(&m, &c)| clamp0(m.ln() - c / m))
        .collect();
    let positive = |data: &[f64], len: usize| -> Vec<usize> {
        (0..tables)
            .map(|t| {
                data[t * len..(t + 1) * len]
                    .iter()
                    .filter(|&&v| v > 0.0)
                    .count()
            })
            .collect()
    };
    Ok(Pass::Done(Entropies {
        h_xy,
        h_x: entropies(&row_mass, tables, nx)?,
        h_y: entropies(&columns, tables, ny)?,
        support_x: positive(&row_mass, nx),
        support_y: positive(&columns, ny),
    }))
}

/// 2^-500: masses below it are rescaled before logs are taken.
const TINY: f64 = 3.054936363499605e-151;

/// 2^k for |k| < 1023, exactly.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// The canonical view's entries as row-major float64, times 2^k (exact: a power of two).
fn scaled(input: &Input, rows: usize, width: usize, k: i32) -> Vec<f64> {
    let factor = pow2(k);
    let mut out = Vec::with_capacity(rows * width);
    let mut buf = vec![0.0; width];
    if width > 0 {
        for d in 0..rows {
            let row = input.fetch_f64(input.distribution_offset(d), 0, width, &mut buf);
            out.extend(row.iter().map(|v| v * factor));
        }
    }
    out
}

/// The measure from the entropies in nats (rounding clamped to the measure's range), in `base`.
/// A marginal with one outcome of positive mass is certain: its entropy is exactly 0 whatever
/// the rounding, and the joint entropy is then the other marginal's.
fn combine(
    measure: TableMeasure,
    (h_xy, h_x, h_y): (f64, f64, f64),
    (support_x, support_y): (usize, usize),
    base: Option<f64>,
) -> f64 {
    let (x_certain, y_certain) = (support_x <= 1, support_y <= 1);
    let h_x = if x_certain && !h_x.is_nan() { 0.0 } else { h_x };
    let h_y = if y_certain && !h_y.is_nan() { 0.0 } else { h_y };
    let h_xy = if x_certain && !h_xy.is_nan() {
        h_y
    } else {
        h_xy
    };
    let h_xy = if y_certain && !h_xy.is_nan() {
        h_x
    } else {
        h_xy
    };
    let value = match measure {
        TableMeasure::Joint => h_xy,
        TableMeasure::Mutual => clamp0(h_x + h_y - h_xy),
        TableMeasure::Conditional(given) => {
            clamp0(h_xy - if given == Given::Y { h_y } else { h_x })
        }
        TableMeasure::Variation => clamp0(2.0 * h_xy - h_x - h_y),
        TableMeasure::Normalized(method) => {
            if (h_xy + h_x + h_y).is_nan() {
                return f64::NAN;
            }
            // Both marginals certain: identical (one-cluster) labelings, NMI 1 as in
            // scikit-learn. A zero normaliser otherwise means MI = 0. A ratio: the base cancels.
            if x_certain && y_certain {
                return 1.0;
            }
            let mi = clamp0(h_x + h_y - h_xy);
            let norm = match method {
                Method::Arithmetic => 0.5 * (h_x + h_y),
                Method::Geometric => (h_x * h_y).sqrt(),
                Method::Min => h_x.min(h_y),
                Method::Max => h_x.max(h_y),
            };
            let ratio = if norm > 0.0 { mi / norm } else { 0.0 };
            return ratio.clamp(0.0, 1.0);
        }
    };
    match base {
        Some(base) => value / base.ln(),
        None => value,
    }
}

/// One axis of the pair as `operator.index` reads it (a bool is refused), made non-negative.
fn pair_item(
    item: &Bound<'_, PyAny>,
    ndim: usize,
    func: &str,
    bad: &dyn Fn() -> PyErr,
) -> PyResult<usize> {
    let py = item.py();
    if item.is_instance_of::<PyBool>()
        || item.is_instance(convert::cached(py, &NUMPY_BOOL, "numpy", "bool_")?)?
    {
        return Err(bad());
    }
    let index = if item.is_exact_instance_of::<PyInt>() {
        item.clone()
    } else {
        convert::cached(py, &OPERATOR_INDEX, "operator", "index")?
            .call1((item,))
            .map_err(|_| bad())?
    };
    let a: i128 = index.extract().unwrap_or(i128::MAX);
    let n = ndim as i128;
    if !(-n..n).contains(&a) {
        return Err(axis_error(py, index, ndim, func));
    }
    Ok(a.rem_euclid(n) as usize)
}

/// The (X, Y) axes of the joint table: two distinct axes of an array with `ndim` >= 2.
fn table_axes(axis: &Bound<'_, PyAny>, ndim: usize, func: &str) -> PyResult<(usize, usize)> {
    if ndim < 2 {
        return Err(PyValueError::new_err(format!(
            "{func}: pxy must have at least 2 dimensions (a joint table of X and Y), not {ndim}"
        )));
    }
    let is_sequence = axis.is_instance_of::<PyTuple>() || axis.is_instance_of::<PyList>();
    if !is_sequence || axis.len()? != 2 {
        return Err(PyTypeError::new_err(format!(
            "{func}: axis must be a pair of ints (X axis, Y axis), not {}",
            repr(axis)
        )));
    }
    let bad = || {
        PyTypeError::new_err(format!(
            "{func}: axis must be a pair of ints, not {}",
            repr(axis)
        ))
    };
    let x = pair_item(&axis.get_item(0)?, ndim, func, &bad)?;
    let y = pair_item(&axis.get_item(1)?, ndim, func, &bad)?;
    if x == y {
        return Err(PyValueError::new_err(format!(
            "{func}: the X and Y axes must differ, not {}",
            repr(axis)
        )));
    }
    Ok((x, y))
}

/// A table measure of every table of `pxy`: the argument checks, one pass (two when the masses
/// need a rescale) with the GIL released, then the combination and the caller's shape.
#[allow(clippy::too_many_arguments)]
fn table_measure<'py>(
    py: Python<'py>,
    func: &'static str,
    measure: TableMeasure,
    pxy: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let base = check_base(base, func)?;
    let nan_policy = check_nan_policy(nan_policy, func)?;
    let operand = Operand::new(pxy, "pxy", func)?;
    let shape = operand.shape().to_vec();
    let (x, y) = table_axes(axis, shape.len(), func)?;
    // Distributions along Y; every other axis, X among them, indexes the rows.
    let batch: Vec<usize> = (0..shape.len()).filter(|&a| a != y).collect();
    let x_at = batch.iter().position(|&a| a == x).unwrap_or(0);
    let layout = Layout {
        outer: batch[..x_at].iter().map(|&a| shape[a]).product(),
        nx: shape[x],
        inner: batch[x_at + 1..].iter().map(|&a| shape[a]).product(),
        ny: shape[y],
    };
    let reduction = Reduction {
        func,
        names: ["pxy", "q"],
        operands: vec![operand],
        shape,
        reduced: vec![y],
        batch,
        keepdims: false,
    };
    let inputs = reduction.inputs()?;
    let input = &inputs[0];
    let batch_shape = reduction.batch_shape();
    let outcome = py.detach(|| match table_pass(input, &layout, nan_policy, true)? {
        Pass::Rescale(k) => {
            let data = scaled(input, layout.rows(), layout.ny, k);
            let view = Input::from(Strided::from_slice(&data, &batch_shape, layout.ny)?);
            table_pass(&view, &layout, nan_policy, false)
        }
        done => Ok(done),
    });
    let entropies = match outcome.map_err(|e| reduction.error(py, e, true))? {
        Pass::Done(entropies) => entropies,
        Pass::ZeroMass(table) => {
            let tables_shape: Vec<usize> = (0..reduction.shape.len())
                .filter(|&a| a != x && a != y)
                .map(|a| reduction.shape[a])
                .collect();
            let index = unravel(&tables_shape, table);
            let place = if index.is_empty() {
                "the table".to_string()
            } else {
                format!("the table at index {}", tuple_repr(&index))
            };
            let message =
                format!("{func}: pxy has zero total mass in {place}; it cannot be normalized");
            return Err(errors::invalid(py, message, "zero_mass", "pxy", &index));
        }
        Pass::Rescale(_) => unreachable!("the second pass does not rescale"),
    };
    let values: Vec<f64> = (0..layout.tables())
        .map(|t| {
            combine(
                measure,
                (entropies.h_xy[t], entropies.h_x[t], entropies.h_y[t]),
                (entropies.support_x[t], entropies.support_y[t]),
                base,
            )
        })
        .collect();
    let keepdims = keepdims.is_truthy()?;
    let result_shape: Vec<usize> = reduction
        .shape
        .iter()
        .enumerate()
        .filter_map(|(a, &n)| match a == x || a == y {
            true if keepdims => Some(1),
            true => None,
            false => Some(n),
        })
        .collect();
    if result_shape.is_empty() {
        return convert::float64(py, values[0]);
    }
    Ok(PyArray1::from_vec(py, values)
        .reshape(result_shape)?
        .into_any())
}

/// `given`: "x" or "y".
fn check_given(func: &str, given: &Bound<'_, PyAny>) -> PyResult<Given> {
    if let Ok(name) = given.cast::<PyString>() {
        match name.to_str()? {
            "x" => return Ok(Given::X),
            "y" => return Ok(Given::Y),
            _ => {}
        }
    }
    Err(PyValueError::new_err(format!(
        "{func}: given must be 'x' or 'y', not {}",
        repr(given)
    )))
}

/// `method`: the normaliser's name.
fn check_method(func: &str, method: &Bound<'_, PyAny>) -> PyResult<Method> {
    if let Ok(name) = method.cast::<PyString>() {
        match name.to_str()? {
            "arithmetic" => return Ok(Method::Arithmetic),
            "geometric" => return Ok(Method::Geometric),
            "min" => return Ok(Method::Min),
            "max" => return Ok(Method::Max),
            _ => {}
        }
    }
    Err(PyValueError::new_err(format!(
        "{func}: method must be one of 'arithmetic', 'geometric', 'min', 'max', not {}",
        repr(method)
    )))
}

macro_rules! table_binding {
    ($(#[$doc:meta])* $name:ident, $measure:expr) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = (pxy, base, axis, keepdims, nan_policy))]
        pub fn $name<'py>(
            py: Python<'py>,
            pxy: &Bound<'py, PyAny>,
            base: Option<&Bound<'py, PyAny>>,
            axis: &Bound<'py, PyAny>,
            keepdims: &Bound<'py, PyAny>,
            nan_policy: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            table_measure(py, stringify!($name), $measure, pxy, base, axis, keepdims, nan_policy)
        }
    };
}

table_binding!(
    /// Joint entropy H(X, Y) of each joint table.
    joint_entropy,
    TableMeasure::Joint
);
table_binding!(
    /// Mutual information I(X; Y) of each joint table.
    mutual_information,
    TableMeasure::Mutual
);
table_binding!(
    /// Variation of information 2 H(X, Y) - H(X) - H(Y) of each joint table.
    variation_of_information,
    TableMeasure::Variation
);

/// Conditional entropy H(X | Y) (`given="y"`) or H(Y | X) (`given="x"`) of each joint table.
#[pyfunction]
#[pyo3(signature = (pxy, given, base, axis, keepdims, nan_policy))]
pub fn conditional_entropy<'py>(
    py: Python<'py>,
    pxy: &Bound<'py, PyAny>,
    given: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "conditional_entropy";
    let measure = TableMeasure::Conditional(check_given(func, given)?);
    table_measure(py, func, measure, pxy, base, axis, keepdims, nan_policy)
}

/// Normalised mutual information I(X; Y) / norm(H(X), H(Y)) of each joint table.
#[pyfunction]
#[pyo3(signature = (pxy, method, base, axis, keepdims, nan_policy))]
pub fn normalized_mutual_information<'py>(
    py: Python<'py>,
    pxy: &Bound<'py, PyAny>,
    method: &Bound<'py, PyAny>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "normalized_mutual_information";
    let measure = TableMeasure::Normalized(check_method(func, method)?);
    table_measure(py, func, measure, pxy, base, axis, keepdims, nan_policy)
}

/// Mixture weights: `None` (uniform) or `n` finite entries >= 0 with a positive sum, returned
/// normalised.
fn check_weights(func: &str, weights: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<f64>> {
    let Some(weights) = weights.filter(|w| !w.is_none()) else {
        if n == 0 {
            return Err(PyValueError::new_err(format!(
                "{func}: ps holds no distributions"
            )));
        }
        return Ok(vec![1.0 / n as f64; n]);
    };
    let array = as_ndarray(weights, "weights", func)?;
    let descr = array.dtype();
    if !matches!(descr.kind(), b'f' | b'i' | b'u') {
        return Err(PyTypeError::new_err(format!(
            "{func}: weights have dtype {descr}; expected floats or integers"
        )));
    }
    if array.shape() != [n] {
        return Err(PyValueError::new_err(format!(
            "{func}: weights have shape {}; expected ({n},), one per row",
            tuple_repr(array.shape())
        )));
    }
    let as_f64 = if descr.kind() == b'f'
        && descr.itemsize() == 8
        && descr.is_native_byteorder() != Some(false)
    {
        array.into_any()
    } else {
        array.call_method1("astype", ("float64",))?
    };
    let readonly: PyReadonlyArrayDyn<'_, f64> = as_f64.extract()?;
    let w: Vec<f64> = readonly.as_array().iter().copied().collect();
    if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(PyValueError::new_err(format!(
            "{func}: weights[{i}] = {}; weights must be finite and >= 0",
            errors::float_repr(weights.py(), w[i])
        )));
    }
    let total: f64 = w.iter().sum();
    if total == 0.0 {
        return Err(PyValueError::new_err(format!("{func}: weights sum to 0")));
    }
    Ok(w.iter().map(|v| v / total).collect())
}

enum Mixed {
    Value(f64),
    /// A distribution's mass is NaN: the divergence is NaN.
    Nan,
    ZeroMass(usize),
}

/// Where a kernel error of `js_divergence_many` came from.
enum Failed {
    Rows(KernelError),
    Mixture(KernelError),
}

/// JS_w = H(sum w_i p_i / S_i) - sum w_i H(p_i) of the rows of `rows` (the canonical view), in
/// nats.
fn mixed_divergence(rows: &Input, w: &[f64]) -> Result<Mixed, Failed> {
    let n = w.len();
    let width = rows.reduce_len();
    let (params, options) = (Params::default(), Options::default());
    let mut sums = vec![Partial::default(); n];
    kernels::partial_sums(
        SumKind::Shannon(Measure::Entropy),
        rows,
        None,
        params.nan_policy,
        &options,
        &mut sums,
    )
    .map_err(Failed::Rows)?;
    let masses: Vec<f64> = sums.iter().map(|s| s.mass_p).collect();
    // A row without mass is an error even when another row's NaN would make the result NaN
    // (as for every measure: bad input raises, NaN only propagates).
    if let Some(d) = masses.iter().position(|&m| m == 0.0) {
        return Ok(Mixed::ZeroMass(d));
    }
    if masses.iter().any(|m| m.is_nan()) {
        return Ok(Mixed::Nan);
    }
    // One pass gives each row's mass and sum p ln p (H_i = ln S - T/S), as the entropy kernel's
    // own finish does; rows whose sums left the normal range are recomputed by the kernel, which
    // rescales them.
    let in_range = sums
        .iter()
        .all(|s| s.core.is_finite() && s.mass_p.is_finite() && s.mass_p > TINY);
    let own: Vec<f64> = if in_range {
        sums.iter()
            .map(|s| clamp0(s.mass_p.ln() - s.core / s.mass_p))
            .collect()
    } else {
        let mut own = vec![0.0; n];
        kernels::reduce(Measure::Entropy, rows, None, &params, &options, &mut own)
            .map_err(Failed::Rows)?;
        own
    };
    // sum_i w_i p_i / S_i without normalised copies of the rows (rows whose masses overflow, or
    // are so small that 1/S would, are scaled by a power of two first).
    let scale = |m: f64| {
        if m.is_infinite() {
            pow2(-600)
        } else if m < TINY {
            pow2(600)
        } else {
            1.0
        }
    };
    let rescale = masses.iter().any(|&m| scale(m) != 1.0);
    let mut mixture = vec![0.0; width];
    let mut buf = vec![0.0; width];
    let mut scaled_row = vec![0.0; width];
    for (d, (&weight, &mass)) in w.iter().zip(&masses).enumerate() {
        let row = rows.fetch_f64(rows.distribution_offset(d), 0, width, &mut buf);
        let (row, mass) = if rescale {
            let factor = scale(mass);
            for (s, v) in scaled_row.iter_mut().zip(row) {
                *s = v * factor;
            }
            (&scaled_row[..], scaled_row.iter().sum())
        } else {
            (row, mass)
        };
        let coefficient = weight / mass;
        for (m, v) in mixture.iter_mut().zip(row) {
            *m += coefficient * v;
        }
    }
    // H(m) - sum w_i H(p_i) rather than sum w_i KL(p_i || m): a mixture entry that underflows
    // to 0 under a tiny positive p_ij would make that KL infinite.
    let h_mixture = entropies(&mixture, 1, width).map_err(Failed::Mixture)?[0];
    let weighted: f64 = w.iter().zip(&own).map(|(a, b)| a * b).sum();
    Ok(Mixed::Value(clamp0(h_mixture - weighted)))
}

/// Generalised Jensen-Shannon divergence of the weighted rows of the 2-D `ps`.
#[pyfunction]
#[pyo3(signature = (ps, weights, base, axis))]
pub fn js_divergence_many<'py>(
    py: Python<'py>,
    ps: &Bound<'py, PyAny>,
    weights: Option<&Bound<'py, PyAny>>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let func = "js_divergence_many";
    let operand = Operand::new(ps, "ps", func)?;
    let shape = operand.shape().to_vec();
    if shape.len() != 2 {
        return Err(PyValueError::new_err(format!(
            "{func}: ps must be 2-D (distributions x outcomes), not {}-D",
            shape.len()
        )));
    }
    let mut reduced = reduced_axes(axis, 2, func)?;
    let base = check_base(base, func)?;
    let mut batch: Vec<usize> = (0..2).filter(|a| !reduced.contains(a)).collect();
    let n = shape[*batch.first().unwrap_or(&0)];
    let w = check_weights(func, weights, n)?;
    if batch.len() != 1 {
        // Both axes reduced: one row is one distribution; more rows have no outcome axis.
        if n != 1 {
            return Err(PyValueError::new_err(format!(
                "{func}: axis must name the outcome axis of ps, not {}",
                repr(axis)
            )));
        }
        (batch, reduced) = (vec![0], vec![1]);
    }
    let reduction = Reduction {
        func,
        names: ["ps", "q"],
        operands: vec![operand],
        shape,
        reduced,
        batch,
        keepdims: false,
    };
    let inputs = reduction.inputs()?;
    let rows = &inputs[0];
    let value = match py.detach(|| mixed_divergence(rows, &w)) {
        Ok(Mixed::Value(value)) => value,
        Ok(Mixed::Nan) => f64::NAN,
        Ok(Mixed::ZeroMass(d)) => {
            let error = KernelError::ZeroMass {
                arg: Arg::P,
                distribution: d,
            };
            return Err(reduction.error(py, error, true));
        }
        Err(Failed::Rows(error)) => return Err(reduction.error(py, error, true)),
        Err(Failed::Mixture(KernelError::ZeroMass { .. })) => {
            let message = format!(
                "{func}: ps has zero total mass in the distribution; it cannot be normalized \
                 (normalize=True)"
            );
            return Err(errors::invalid(py, message, "zero_mass", "ps", &[]));
        }
        Err(Failed::Mixture(error)) => return Err(PyValueError::new_err(error.to_string())),
    };
    let value = base.map_or(value, |base| value / base.ln());
    convert::float64(py, value)
}

/// SciPy also takes booleans (as 0 and 1).
fn scipy_input<'py>(x: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let array = as_ndarray(x, name, "entropy")?;
    if array.dtype().kind() == b'b' {
        return array.call_method1("view", ("uint8",));
    }
    Ok(array.into_any())
}

/// `scipy.stats.entropy`: H(pk), or KL(pk || qk) when `qk` is given, normalised along `axis`.
#[pyfunction]
#[pyo3(signature = (pk, qk, base, axis, nan_policy, keepdims))]
pub fn scipy_entropy<'py>(
    py: Python<'py>,
    pk: &Bound<'py, PyAny>,
    qk: Option<&Bound<'py, PyAny>>,
    base: Option<&Bound<'py, PyAny>>,
    axis: &Bound<'py, PyAny>,
    nan_policy: &Bound<'py, PyAny>,
    keepdims: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let pk = scipy_input(pk, "pk")?;
    let qk = qk
        .filter(|q| !q.is_none())
        .map(|q| scipy_input(q, "qk"))
        .transpose()?;
    // SciPy's words for the errors its users match (its own test suite among them).
    if let Some(base) = base.filter(|b| !b.is_none()) {
        if super::convert::is_real_number(base)? && base.extract::<f64>()? <= 0.0 {
            return Err(PyValueError::new_err(format!(
                "entropy: `base` must be a positive number or `None`, not {}",
                super::convert::repr(base)
            )));
        }
    }
    if let Some(qk) = &qk {
        let (p_shape, q_shape) = (shape_of(&pk)?, shape_of(qk)?);
        let shapes = [("pk", &p_shape[..]), ("qk", &q_shape[..])];
        if super::convert::broadcast_shape("entropy", &shapes).is_err() {
            return Err(PyValueError::new_err(format!(
                "entropy: Array shapes are incompatible for broadcasting: pk {} and qk {}",
                super::convert::tuple_repr(&p_shape),
                super::convert::tuple_repr(&q_shape)
            )));
        }
    }
    super::distributions::scipy_entropy(py, &pk, qk.as_ref(), base, axis, keepdims, nan_policy)
}

fn shape_of(array: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    array.getattr("shape")?.extract()
}

/// Adds this group's functions to the `_core` module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    add_functions!(
        module,
        conditional_entropy,
        joint_entropy,
        js_divergence_many,
        mutual_information,
        normalized_mutual_information,
        scipy_entropy,
        variation_of_information
    )
}
