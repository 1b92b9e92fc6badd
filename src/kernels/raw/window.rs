//! Byte entropy along a buffer: one value per window of `window` bytes starting at 0, step,
//! 2 step, ... while the window fits.
//!
//! A window's histogram is updated from the previous one (drop `step` bytes, add `step`), but its
//! entropy is recomputed from the 256 integer counts in bin order, as
//! H = sum_c c (ln W - ln c) / W: every term is >= 0 (no cancellation; one outcome gives exactly
//! 0), and a window's value depends only on its own counts, so neither the sliding nor where the
//! parallel parts start changes a bit.

use super::bytes::count_bytes;
use crate::error::KernelError;
use crate::kernels::options::check_base;
use crate::kernels::Options;
use crate::parallel::{self, Work};

/// Windows up to this size look their terms c (ln W - ln c) up in a table.
const TABLE_MAX: usize = 1 << 16;

/// The number of windows of `window` bytes, `step` apart, that fit in `len` bytes.
pub fn window_count(len: usize, window: usize, step: usize) -> usize {
    if window == 0 || step == 0 || len < window {
        0
    } else {
        (len - window) / step + 1
    }
}

struct Terms {
    window: usize,
    ln_window: f64,
    table: Vec<f64>,
    scale: f64,
}

impl Terms {
    fn new(window: usize, base: Option<f64>) -> Self {
        let ln_window = (window as f64).ln();
        let term = |c: usize| {
            if c == 0 {
                0.0
            } else {
                c as f64 * (ln_window - (c as f64).ln())
            }
        };
        let table = if window <= TABLE_MAX {
            (0..=window).map(term).collect()
        } else {
            Vec::new()
        };
        let scale = base.map_or(1.0, |b| b.ln()) * window as f64;
        Terms {
            window,
            ln_window,
            table,
            scale,
        }
    }

    fn entropy(&self, hist: &[u64; 256]) -> f64 {
        let mut sum = 0.0;
        if self.table.is_empty() {
            for &c in hist {
                if c > 0 {
                    sum += c as f64 * (self.ln_window - (c as f64).ln());
                }
            }
        } else {
            for &c in hist {
                sum += self.table[c as usize];
            }
        }
        debug_assert!(hist.iter().sum::<u64>() == self.window as u64);
        sum / self.scale
    }
}

/// Writes the entropy (nats, or in `base`) of each window to `out`, which must have
/// `window_count(data.len(), window, step)` slots.
pub fn windowed_byte_entropy(
    data: &[u8],
    window: usize,
    step: usize,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    check_base(base)?;
    if window == 0 || step == 0 {
        return Err(KernelError::Layout(format!(
            "window and step must be at least 1, not window={window}, step={step}"
        )));
    }
    let windows = window_count(data.len(), window, step);
    if out.len() != windows {
        return Err(KernelError::Layout(format!(
            "out has {} slots for {windows} windows",
            out.len()
        )));
    }
    if windows == 0 {
        return Ok(());
    }
    let terms = Terms::new(window, base);
    let task = |first: usize, _count: usize, out: &mut [f64], _split: bool| -> Option<()> {
        let mut hist = [0u64; 256];
        let mut start = first * step;
        count_bytes(&data[start..start + window], &mut hist);
        out[0] = terms.entropy(&hist);
        for slot in &mut out[1..] {
            if step >= window {
                hist = [0; 256];
                count_bytes(&data[start + step..start + step + window], &mut hist);
            } else {
                for &b in &data[start..start + step] {
                    hist[b as usize] -= 1;
                }
                for &b in &data[start + window..start + window + step] {
                    hist[b as usize] += 1;
                }
            }
            start += step;
            *slot = terms.entropy(&hist);
        }
        None
    };
    // Each window after a task's first reads 2 step bytes and adds 256 looked-up terms (fast,
    // independent adds: weighed as 64 bytes).
    let cost = step.min(window) + 64;
    parallel::schedule(Work::new(windows, cost), options.parallel, out, &task)?;
    Ok(())
}
