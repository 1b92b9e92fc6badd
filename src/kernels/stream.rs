//! The memory-bandwidth yardstick.

use super::Options;
use crate::error::KernelError;
use crate::parallel;
use crate::simd::Real;

/// A plain sum of `data` on the pool: the memory-bandwidth yardstick the benchmark divides kernel
/// times by. Eight independent accumulators per chunk let the compiler vectorise it and keep it
/// limited by memory, not by add latency; chunks combine in a fixed order.
pub fn stream_sum<E: Real>(data: &[E], options: &Options) -> Result<f64, KernelError> {
    const CHUNK: usize = 1 << 16;
    let chunk_sum = |chunk: &[E]| {
        let mut acc = [0.0f64; 8];
        let mut blocks = chunk.chunks_exact(8);
        for block in &mut blocks {
            for (a, &x) in acc.iter_mut().zip(block) {
                *a += x.to_f64();
            }
        }
        let tail: f64 = blocks.remainder().iter().map(|x| x.to_f64()).sum();
        acc.iter().sum::<f64>() + tail
    };
    if !options.parallel || data.len() <= CHUNK {
        return Ok(data.chunks(CHUNK).map(chunk_sum).sum());
    }
    // The kernels' scheduler, so that the yardstick pays what they pay per call.
    let sums = parallel::map_pieces(data.len().div_ceil(CHUNK), &|i| {
        chunk_sum(&data[i * CHUNK..data.len().min((i + 1) * CHUNK)])
    });
    Ok(sums.iter().sum())
}
