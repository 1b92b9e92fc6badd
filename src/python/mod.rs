//! The `entropykit._core` extension module: the only place that touches Python.
//!
//! `convert` holds the argument rules of every public function (array-likes and dtypes, axes,
//! broadcasting, `base`, `nan_policy`, result shapes); `errors` turns kernel errors into the
//! documented exceptions; one file per group exposes its functions, each of which converts its
//! arguments, borrows the arrays read-only (no copy, any strides), runs the kernel with the GIL
//! released and shapes the result. `runtime` holds the thread and SIMD controls.

mod convert;
mod counts;
mod distributions;
mod elementwise;
mod errors;
mod labels;
mod logits;
mod runtime;

// The names the not-yet-converted group bindings use.
use convert::borrow;
use errors::plain as to_pyerr;

#[pyo3::pymodule]
mod _core {
    #[pymodule_export]
    use super::{
        counts::{counts_reduce, gaussian_entropy_rows, gaussian_kl_rows},
        distributions::{
            cross_entropy, entropy, js_distance, js_divergence, kl_divergence, partial_sums,
            perplexity, reduce, renyi_entropy, table_column_sums, tsallis_entropy,
        },
        elementwise::elementwise,
        errors::KernelInputError,
        labels::{entropy_labels, mutual_information_labels},
        logits::{binary_rows, log_softmax_rows, logits_rows},
        runtime::{
            available_simd_levels, get_num_threads, set_num_threads, set_simd_level, simd_level,
            stream_sum,
        },
    };
}
