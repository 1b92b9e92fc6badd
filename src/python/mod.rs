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
mod tables;

// The names the not-yet-converted group bindings use.
use convert::{borrow, Borrowed};
use errors::plain as to_pyerr;

#[pyo3::pymodule]
mod _core {
    #[pymodule_export]
    use super::{
        counts::{boltzmann_entropy, entropy_from_counts, gaussian_entropy, gaussian_kl},
        distributions::{
            cross_entropy, entropy, js_distance, js_divergence, kl_divergence, perplexity,
            renyi_entropy, tsallis_entropy,
        },
        elementwise::{binary_entropy, entr, kl_div, rel_entr, surprisal, xlogy},
        errors::KernelInputError,
        labels::{entropy_labels, factorize_records, mutual_information_labels},
        logits::{
            binary_cross_entropy, binary_cross_entropy_with_logits, entropy_from_logits,
            kl_divergence_from_logits, log_softmax, logsumexp, perplexity_from_logits,
            set_logits_block_entries, softmax_cross_entropy,
        },
        runtime::{
            available_simd_levels, get_num_threads, pool_uses, set_num_threads, set_simd_level,
            simd_level, stream_sum,
        },
        tables::{
            conditional_entropy, joint_entropy, js_divergence_many, mutual_information,
            normalized_mutual_information, scipy_entropy, variation_of_information,
        },
    };
}
