//! Byte entropy of order k: H(X_n | X_{n-k}..X_{n-1}) from the counts of (k+1)-grams.
//!
//! The (k+1)-grams counted are the overlapping ones of the whole input: `data[i-k..=i]` for
//! every i from k to len - 1 (len - k of them); the contexts are their first k bytes. With n(c, b)
//! the count of context c followed by byte b and n(c) = sum_b n(c, b),
//!
//!   H_k = sum_c n(c) / N * H(n(c, .)),
//!
//! a sum of non-negative terms equal to H((k+1)-gram) - H(k-gram of the contexts) without the
//! cancellation of that difference (both near 8 bits on random data).

use super::entropy_of_counts;
use crate::error::KernelError;
use crate::kernels::options::check_base;
use crate::kernels::Options;
use crate::parallel::{self, Work};
use std::sync::Mutex;

/// Below this many 3-grams, order 2 sorts the grams' codes rather than filling a table.
const SPARSE_GRAMS: usize = 1 << 20;

/// The largest order: 2 has 2^24 (k+1)-gram bins (128 MiB of counts).
pub const MAX_ORDER: usize = 2;

/// Bytes per task for order 1 and 2: a task zeroes and merges a table of 256^(k+1) counts, which
/// must stay small beside the bytes it counts.
fn segment(order: usize) -> usize {
    match order {
        1 => 1 << 22,
        _ => 1 << 26,
    }
}

/// Counts the (k+1)-grams ending at positions `start..end` (start >= order) into `table`.
fn count_grams(data: &[u8], start: usize, end: usize, order: usize, table: &mut [u32]) {
    let mask = (1usize << (8 * (order + 1))) - 1;
    let mut code = 0usize;
    for &b in &data[start - order..start] {
        code = (code << 8) | b as usize;
    }
    for &b in &data[start..end] {
        code = ((code << 8) | b as usize) & mask;
        table[code] += 1;
    }
}

/// The counts of the overlapping (k+1)-grams of `data` (see the module docs), indexed by their
/// bytes read as a big-endian number: 256^(k+1) entries. Order 0 is the byte histogram.
pub fn context_counts(
    data: &[u8],
    order: usize,
    options: &Options,
) -> Result<Vec<u64>, KernelError> {
    if order > MAX_ORDER {
        return Err(KernelError::Layout(format!(
            "order must be 0, 1 or 2, not {order}"
        )));
    }
    if order == 0 {
        return Ok(super::byte_histogram(data, options)?.to_vec());
    }
    let bins = 1usize << (8 * (order + 1));
    let total = Mutex::new(vec![0u64; bins]);
    let grams = data.len().saturating_sub(order);
    let seg = segment(order);
    let segments = grams.div_ceil(seg);
    let task = |first: usize, count: usize, _: (), _split: bool| -> Option<()> {
        let start = order + first * seg;
        let end = (order + (first + count) * seg).min(data.len());
        // u32 counts: a task sees at most 2^26 grams.
        let mut local = vec![0u32; bins];
        count_grams(data, start, end, order, &mut local);
        let mut total = total.lock().unwrap_or_else(|p| p.into_inner());
        for (t, &l) in total.iter_mut().zip(&local) {
            *t += u64::from(l);
        }
        None
    };
    parallel::schedule(
        Work::new(segments, seg.min(grams)),
        options.parallel,
        (),
        &task,
    )?;
    Ok(total.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// The conditional entropy of order `order` (nats, or in `base`) of `data`: order 0 is the entropy
/// of the byte histogram. Data with no (k+1)-gram (fewer than k + 1 bytes) is an error.
pub fn byte_entropy(
    data: &[u8],
    order: usize,
    base: Option<f64>,
    options: &Options,
) -> Result<f64, KernelError> {
    check_base(base)?;
    if order > MAX_ORDER {
        return Err(KernelError::Layout(format!(
            "order must be 0, 1 or 2, not {order}"
        )));
    }
    if data.is_empty() {
        return Err(KernelError::Layout(
            "data is empty; the entropy of no bytes is undefined".into(),
        ));
    }
    if data.len() <= order {
        return Err(KernelError::Layout(format!(
            "data has {} bytes: the entropy of order {order} needs at least {} \
             (there is no sample to estimate from)",
            data.len(),
            order + 1
        )));
    }
    let grams = data.len() - order;
    // Rows in context order, each on the calling thread, so the sum's order is fixed; a row is
    // always the full 256 counts, so both ways of counting below give the same bits.
    let serial = options.serial();
    let mut h = 0.0;
    let mut add_row = |row: &[u64]| -> Result<(), KernelError> {
        let n: u64 = row.iter().sum();
        let nonzero = row.iter().filter(|&&c| c > 0).count();
        // No context seen, or one outcome after it: a term of exactly 0.
        if nonzero > 1 {
            h += n as f64 / grams as f64 * entropy_of_counts(row, base, &serial, 0)?;
        }
        Ok(())
    };
    if order == 2 && grams < SPARSE_GRAMS {
        // Few 3-grams beside 2^24 bins: sort their codes instead of zeroing a 128 MiB table.
        let mut codes: Vec<u32> = data
            .windows(3)
            .map(|w| (u32::from(w[0]) << 16) | (u32::from(w[1]) << 8) | u32::from(w[2]))
            .collect();
        codes.sort_unstable();
        let mut i = 0;
        while i < codes.len() {
            let context = codes[i] >> 8;
            let mut row = [0u64; 256];
            while i < codes.len() && codes[i] >> 8 == context {
                row[(codes[i] & 0xff) as usize] += 1;
                i += 1;
            }
            add_row(&row)?;
        }
        return Ok(h);
    }
    let counts = context_counts(data, order, options)?;
    if order == 0 {
        return entropy_of_counts(&counts, base, options, 0);
    }
    for row in counts.chunks_exact(256) {
        add_row(row)?;
    }
    Ok(h)
}
