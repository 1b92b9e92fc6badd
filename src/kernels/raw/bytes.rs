//! The byte histogram: the 256 counts of the byte values of a buffer.

use super::merge_into;
use crate::error::KernelError;
use crate::kernels::Options;
use crate::parallel::{self, Work};
use std::sync::Mutex;

/// Bytes per task: large enough that merging a task's 256 counts costs nothing.
const SEGMENT: usize = 1 << 20;
/// Bytes counted into u32 sub-histograms before they are flushed to u64: every sub-histogram sees
/// at most a quarter of them, far below u32::MAX.
const FLUSH: usize = 1 << 30;

/// Counts the bytes of `data` into `out`.
///
/// Four sub-histograms take the bytes of each 8-byte word in turn: with one, a run of equal bytes
/// makes every increment wait for the store of the previous one to the same counter (a
/// store-to-load dependency of about 5 cycles); with four, independent chains overlap.
pub(crate) fn count_bytes(data: &[u8], out: &mut [u64; 256]) {
    let mut sub = [[0u32; 256]; 4];
    for block in data.chunks(FLUSH) {
        let mut words = block.chunks_exact(8);
        for word in &mut words {
            let v = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            sub[0][(v & 0xff) as usize] += 1;
            sub[1][((v >> 8) & 0xff) as usize] += 1;
            sub[2][((v >> 16) & 0xff) as usize] += 1;
            sub[3][((v >> 24) & 0xff) as usize] += 1;
            sub[0][((v >> 32) & 0xff) as usize] += 1;
            sub[1][((v >> 40) & 0xff) as usize] += 1;
            sub[2][((v >> 48) & 0xff) as usize] += 1;
            sub[3][(v >> 56) as usize] += 1;
        }
        for &b in words.remainder() {
            sub[0][b as usize] += 1;
        }
        for (i, slot) in out.iter_mut().enumerate() {
            *slot += u64::from(sub[0][i]) + u64::from(sub[1][i]);
            *slot += u64::from(sub[2][i]) + u64::from(sub[3][i]);
        }
        sub = [[0u32; 256]; 4];
    }
}

/// The 256 counts of the byte values of `data` (all zero for no data). Segments of 1 MiB are
/// counted in parallel into private histograms and summed: integers, the same on any number of
/// threads.
pub fn byte_histogram(data: &[u8], options: &Options) -> Result<[u64; 256], KernelError> {
    let segments = data.len().div_ceil(SEGMENT);
    let total = Mutex::new(vec![0u64; 256]);
    let work = Work::new(segments, SEGMENT.min(data.len()));
    let task = |first: usize, count: usize, _: (), _split: bool| -> Option<()> {
        let start = first * SEGMENT;
        let end = ((first + count) * SEGMENT).min(data.len());
        let mut local = [0u64; 256];
        count_bytes(&data[start..end], &mut local);
        merge_into(&total, &local);
        None
    };
    parallel::schedule(work, options.parallel, (), &task)?;
    let total = total.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut out = [0u64; 256];
    out.copy_from_slice(&total);
    Ok(out)
}
