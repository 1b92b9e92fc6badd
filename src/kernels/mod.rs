//! The kernels, one folder or file per group of measures, each a small term over a shared driver;
//! every kernel takes [`Options`] (SIMD level, threads) beside what its measure needs.

pub mod counts;
pub mod distribution;
pub mod elementwise;
pub mod gaussian;
pub mod grouped;
pub mod knn;
pub mod labels;
pub mod logits;
mod options;
pub mod raw;
pub mod spacing;
mod stream;
pub mod table;

pub use distribution::{
    partial_sums, reduce, reduce_segments, reduce_slice, scaled_partial_sums, Measure, NanPolicy,
    Offsets, Params, Partial, Scaled, Segments, SumKind,
};
pub use options::Options;
pub use stream::stream_sum;
