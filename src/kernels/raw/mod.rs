//! Entropy of raw data: bytes (order 0, 1, 2), sliding windows of bytes, binned numeric values
//! and integer symbols. Every kernel counts first (integers, so any split over threads gives the
//! same counts) and takes the entropy of the counts in a fixed order, so the bits never depend
//! on the thread count.

mod binned;
mod bytes;
mod context;
mod symbols;
mod window;

pub use binned::{histogram_entropy, Bins};
pub use bytes::byte_histogram;
pub use context::{byte_entropy, context_counts, MAX_ORDER};
pub use symbols::{symbol_counts, symbol_entropy, Symbol};
pub use window::{window_count, windowed_byte_entropy};

use super::counts::{count_reduce, CountMeasure};
use super::Options;
use crate::error::{Arg, KernelError};
use crate::strided::{Input, Strided};
use std::sync::Mutex;

/// The plug-in entropy (nats, or in `base`) of integer counts, by the count kernels: one outcome
/// gives exactly 0. All-zero (or no) counts are a `ZeroMass` error for `distribution`.
pub(crate) fn entropy_of_counts(
    counts: &[u64],
    base: Option<f64>,
    options: &Options,
    distribution: usize,
) -> Result<f64, KernelError> {
    if counts.iter().all(|&c| c == 0) {
        return Err(KernelError::ZeroMass {
            arg: Arg::P,
            distribution,
        });
    }
    let input = Input::U64(Strided::from_slice(counts, &[], counts.len())?);
    let mut out = [0.0];
    count_reduce(CountMeasure::Plugin, &input, base, options, &mut out)?;
    Ok(out[0])
}

/// Asks for the cache line of `slots[i]` ahead of its use (a hint: nothing if `i` is outside).
#[inline(always)]
pub(crate) fn prefetch<T>(slots: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(slot) = slots.get(i) {
        // SAFETY: a prefetch reads nothing and cannot fault; the pointer is into `slots`.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (slot as *const T).cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slots, i);
}

/// A zeroed scratch buffer of u64 from an anonymous map that asks the kernel for huge pages:
/// a fresh buffer of 128 MB otherwise takes 32K page faults, about a tenth of a call that
/// fills it once. A plain vector when the map cannot be made.
pub(crate) enum Scratch {
    Map(memmap2::MmapMut, usize),
    Vec(Vec<u64>),
}

impl Scratch {
    pub(crate) fn zeroed(len: usize) -> Scratch {
        match memmap2::MmapMut::map_anon(len.max(1) * 8) {
            Ok(map) => {
                #[cfg(unix)]
                let _ = map.advise(memmap2::Advice::HugePage);
                Scratch::Map(map, len)
            }
            Err(_) => Scratch::Vec(vec![0; len]),
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u64] {
        match self {
            // SAFETY: the map is page-aligned, zeroed (a valid u64 everywhere), at least
            // `len * 8` bytes long, and borrowed mutably for the slice's life.
            Scratch::Map(map, len) => unsafe {
                std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<u64>(), *len)
            },
            Scratch::Vec(v) => v,
        }
    }
}

/// Adds `local` into the shared total. Integer sums: the order tasks finish in does not matter.
pub(crate) fn merge_into(total: &Mutex<Vec<u64>>, local: &[u64]) {
    let mut total = total
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (t, &l) in total.iter_mut().zip(local) {
        *t += l;
    }
}
