//! entropykit: entropy, cross-entropy and KL divergence over large arrays, with SIMD (run-time
//! dispatch: AVX-512, AVX2+FMA, NEON, scalar) and threads (a dedicated rayon pool), giving the
//! same bits for any number of threads.
//!
//! The kernels here know nothing of Python; the `python` feature adds the `_core` extension
//! module (in `python/`) on top of them.

// Every `unsafe` block and impl says why it holds in a `// SAFETY:` comment, and unsafe
// functions (whose `# Safety` sections say what callers promise) do their unsafe work in such
// blocks too. CI runs clippy with `-D warnings`.
#![warn(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]

pub mod error;
pub mod kernels;
pub mod parallel;
pub mod simd;
pub mod strided;

#[cfg(feature = "python")]
mod python;

pub use error::{Arg, KernelError};
pub use kernels::{
    partial_sums, reduce, reduce_slice, scaled_partial_sums, Measure, NanPolicy, Options, Params,
    Partial, Scaled, SumKind,
};
pub use simd::SimdLevel;
pub use strided::{Input, Strided};
