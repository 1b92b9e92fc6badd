//! The `entropykit._core` extension module: the only place that touches Python.
//!
//! `convert` holds the argument rules of every public function (array-likes and dtypes, axes,
//! broadcasting, `base`, `nan_policy`, result shapes); `errors` turns kernel errors into the
//! documented exceptions; one file per group exposes its functions, each of which converts its
//! arguments, borrows the arrays read-only (no copy, any strides), runs the kernel with the GIL
//! released and shapes the result. `runtime` holds the thread and SIMD controls.

/// Adds each named `#[pyfunction]` to `module` (defined before the groups, which use it).
macro_rules! add_functions {
    ($module:expr, $($function:ident),* $(,)?) => {{
        $( $module.add_function(pyo3::wrap_pyfunction!($function, $module)?)?; )*
        Ok(())
    }};
}

mod columns;
mod convert;
mod counts;
mod distributions;
mod elementwise;
mod errors;
mod grouped;
mod knn;
mod labels;
mod logits;
mod raw;
mod runtime;
mod segments;
mod spacing;
mod stream;
mod tables;

// Each group registers its own functions, so adding one touches only its group's file.
#[pyo3::pymodule]
mod _core {
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        super::runtime::register(module)?;
        super::distributions::register(module)?;
        super::tables::register(module)?;
        super::counts::register(module)?;
        super::elementwise::register(module)?;
        super::labels::register(module)?;
        super::logits::register(module)?;
        super::stream::register(module)?;
        super::segments::register(module)?;
        super::grouped::register(module)?;
        super::raw::register(module)?;
        super::spacing::register(module)?;
        super::knn::register(module)
    }
}
