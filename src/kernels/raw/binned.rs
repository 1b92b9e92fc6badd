//! The entropy of a histogram of numeric values, binned exactly as `np.histogram(x, bins, range)`
//! bins them, without building the histogram in NumPy.
//!
//! NumPy's rules: with `bins` an integer the edges are `np.linspace(lo, hi, bins + 1)` (lo, hi the
//! range, by default the data's min and max, widened by 0.5 each way when equal); a value v is
//! in bin i when edge[i] <= v < edge[i + 1], the last bin including its right edge, and values
//! outside [lo, hi] are dropped. Equal-width bins find i as NumPy does (from
//! (v - lo) / (hi - lo) * bins, then corrected by one against the edges), so every value lands in
//! the bin NumPy puts it in. With an array of edges, i comes from a binary search.
//!
//! With the range from the data, a row is read twice (min and max, then the bins), each pass
//! vectorised to run at memory speed; with `range` given, once (NaN is caught in the trash bin
//! and only then looked for).

use super::{entropy_of_counts, merge_into, prefetch};
use crate::error::{Arg, KernelError};
use crate::kernels::options::check_base;
use crate::kernels::Options;
use crate::parallel::{self, Work};
use crate::simd::{dispatch, FloatVec, Level, SimdLevel, SimdTask};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Values per task of one long row.
const SEGMENT: usize = 1 << 18;

/// How to bin.
#[derive(Clone, Debug)]
pub enum Bins<'a> {
    /// `count` equal bins over `range` (None: each row's min and max).
    Uniform {
        count: usize,
        range: Option<(f64, f64)>,
    },
    /// Monotonically non-decreasing edges (at least two).
    Edges(&'a [f64]),
}

/// The bins of one row, ready to place values.
enum Placer {
    Uniform {
        lo: f64,
        hi: f64,
        count: usize,
        denom: f64,
        /// count / denom when finite: a product instead of NumPy's quotient. The estimate may
        /// then differ by one bin in rare cases, which the correction against the edges undoes
        /// (an estimate within one bin always ends in the bin whose edges hold the value).
        scale: Option<f64>,
        /// Edge i below `count` is exactly `i as f64 * step + lo` when `step` is not 0.
        step: f64,
        edges: Vec<f64>,
    },
    Edges(Vec<f64>),
}

impl Placer {
    fn uniform(lo: f64, hi: f64, count: usize) -> Placer {
        let (lo, hi) = if lo == hi {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        };
        // np.linspace(lo, hi, count + 1): i * step + lo, the last edge set to hi.
        let delta = hi - lo;
        let step = delta / count as f64;
        let mut edges: Vec<f64> = (0..=count)
            .map(|i| {
                if step == 0.0 {
                    i as f64 / count as f64 * delta + lo
                } else {
                    i as f64 * step + lo
                }
            })
            .collect();
        edges[count] = hi;
        let scale = count as f64 / delta;
        Placer::Uniform {
            lo,
            hi,
            count,
            denom: delta,
            scale: (scale.is_finite() && scale > 0.0).then_some(scale),
            step,
            edges,
        }
    }

    fn bins(&self) -> usize {
        match self {
            Placer::Uniform { count, .. } => *count,
            Placer::Edges(edges) => edges.len() - 1,
        }
    }

    #[inline(always)]
    fn place(&self, v: f64) -> Option<usize> {
        match self {
            Placer::Uniform {
                lo,
                hi,
                count,
                denom,
                scale,
                edges,
                ..
            } => {
                if !(v >= *lo && v <= *hi) {
                    return None;
                }
                let f = match scale {
                    Some(scale) => (v - lo) * scale,
                    None => (v - lo) / denom * *count as f64,
                };
                let mut i = (f as usize).min(count - 1);
                if v < edges[i] {
                    i -= 1;
                }
                if i != count - 1 && v >= edges[i + 1] {
                    i += 1;
                }
                Some(i)
            }
            Placer::Edges(edges) => {
                let last = edges.len() - 1;
                if !(v >= edges[0] && v <= edges[last]) {
                    return None;
                }
                if v == edges[last] {
                    // The last bin includes its right edge (after any empty bins at that edge).
                    return Some(last - 1);
                }
                Some(edges.partition_point(|&e| e <= v) - 1)
            }
        }
    }
}

/// The min and max of a block's non-NaN values, and whether it holds a NaN: branch-free, two
/// vectors at a time (independent chains), so the pass runs at memory speed.
struct Extremes<'a>(&'a [f64]);

impl SimdTask for Extremes<'_> {
    type Output = (f64, f64, bool);
    #[inline(always)]
    fn run<L: Level>(self) -> (f64, f64, bool) {
        type V<L> = <L as Level>::F64;
        let lanes = V::<L>::LANES;
        let x = self.0;
        let whole = x.len() - x.len() % (2 * lanes);
        let (mut lo, mut hi) = (
            [V::<L>::splat(f64::INFINITY); 2],
            [V::<L>::splat(f64::NEG_INFINITY); 2],
        );
        let (mut nan, one) = ([V::<L>::splat(0.0); 2], V::<L>::splat(1.0));
        for at in (0..whole).step_by(2 * lanes) {
            for j in 0..2 {
                // SAFETY: at + 2 * lanes <= whole <= x.len().
                let v = unsafe { V::<L>::load(x.as_ptr().add(at + j * lanes)) };
                // A NaN compares false, so it never replaces an extreme.
                lo[j] = V::<L>::select(v.lt(lo[j]), v, lo[j]);
                hi[j] = V::<L>::select(v.gt(hi[j]), v, hi[j]);
                nan[j] = V::<L>::select(v.is_nan(), one, nan[j]);
            }
        }
        let mut buf = [[0.0f64; 64]; 6];
        for j in 0..2 {
            // SAFETY: each row of `buf` holds 64 >= lanes values.
            unsafe {
                lo[j].store(buf[j].as_mut_ptr());
                hi[j].store(buf[2 + j].as_mut_ptr());
                nan[j].store(buf[4 + j].as_mut_ptr());
            }
        }
        let lanes_of = |r: usize| buf[r][..lanes].iter().copied();
        let tail = x[whole..].iter().copied().filter(|v| !v.is_nan());
        let lo = lanes_of(0)
            .chain(lanes_of(1))
            .chain(tail.clone())
            .fold(f64::INFINITY, f64::min);
        let hi = lanes_of(2)
            .chain(lanes_of(3))
            .chain(tail)
            .fold(f64::NEG_INFINITY, f64::max);
        let nan = lanes_of(4).chain(lanes_of(5)).any(|f| f != 0.0)
            || x[whole..].iter().any(|v| v.is_nan());
        (lo, hi, nan)
    }
}

/// The first NaN (its position) and the min and max of a row's non-NaN values.
fn scan(
    row: &[f64],
    parallel: bool,
    level: SimdLevel,
) -> Result<(Option<usize>, f64, f64), KernelError> {
    let extremes = Mutex::new((f64::INFINITY, f64::NEG_INFINITY));
    let segments = row.len().div_ceil(SEGMENT);
    let task = |first: usize, count: usize, _: (), _split: bool| -> Option<usize> {
        let start = first * SEGMENT;
        let end = ((first + count) * SEGMENT).min(row.len());
        let part = &row[start..end];
        let (lo, hi, nan) = dispatch(level, Extremes(part));
        if nan {
            return part.iter().position(|v| v.is_nan()).map(|j| start + j);
        }
        let mut e = extremes.lock().unwrap_or_else(|p| p.into_inner());
        e.0 = e.0.min(lo);
        e.1 = e.1.max(hi);
        None
    };
    let nan = parallel::schedule(
        Work::new(segments, SEGMENT.min(row.len())),
        parallel,
        (),
        &task,
    )?;
    let (lo, hi) = extremes.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok((nan, lo, hi))
}

/// Sub-histograms per task when the bins are few (more than one breaks the store-to-load chain
/// of values that keep landing in the same bin).
const SUBS: usize = 4;
const SUB_BINS_MAX: usize = 1 << 12;

/// Bin indices of a block of values (equal bins, with `scale`), out-of-range ones (and NaN) as
/// `count`, and whether a NaN was seen: a plain branch-free loop, compiled inside the SIMD
/// level's `#[target_feature]` trampoline so that the compiler vectorises it. The edges NumPy
/// compares with are recomputed (`i * step + lo`, the bits of `np.linspace`) rather than
/// gathered from the table: two gathers per value cost more than the rest of the loop.
struct UniformIndices<'a> {
    part: &'a [f64],
    lo: f64,
    hi: f64,
    scale: f64,
    step: f64,
    count: usize,
    out: &'a mut [u32],
}

impl SimdTask for UniformIndices<'_> {
    type Output = bool;
    #[inline(always)]
    fn run<L: Level>(self) -> bool {
        let (lo, hi, scale, step) = (self.lo, self.hi, self.scale, self.step);
        let (last, count) = (self.count as i32 - 1, self.count as u32);
        let top = f64::from(last);
        let mut nan = false;
        // Written for the vectoriser: clamps as selects (NaN goes to 0), an unchecked
        // conversion of a value known to be in range, `&` rather than `&&`.
        for (o, &v) in self.out.iter_mut().zip(self.part) {
            let f = (v - lo) * scale;
            let f = if f > 0.0 { f } else { 0.0 };
            let f = if f < top { f } else { top };
            // SAFETY: f is in [0, last], which fits an i32 (count < i32::MAX is checked).
            let i0 = unsafe { f.to_int_unchecked::<i32>() };
            // edges[i0] (i0 < count, so never the last edge, which is `hi`).
            let e0 = f64::from(i0) * step + lo;
            // -1 only for a value below the range, which goes to the trash slot below.
            let i1 = i0 - i32::from(v < e0);
            // edges[i1 + 1], used only when i1 + 1 < count.
            let e1 = f64::from(i1 + 1) * step + lo;
            let i2 = i1 + i32::from((i1 != last) & (v >= e1));
            let inside = (v >= lo) & (v <= hi);
            nan |= v.is_nan();
            *o = if inside { i2 as u32 } else { count };
        }
        nan
    }
}

/// Values per block of indices.
const BLOCK: usize = 1024;

/// Counts equal-width bins without branches: an out-of-range (or NaN) value goes to a trash
/// slot past the bins, and the correction against the edges is added as 0 or 1. Returns
/// whether `part` holds a NaN.
fn count_uniform(
    part: &[f64],
    placer: &Placer,
    counts: &mut [u64],
    subs: usize,
    level: SimdLevel,
) -> bool {
    let Placer::Uniform {
        lo,
        hi,
        count,
        denom,
        scale,
        step,
        edges,
    } = placer
    else {
        unreachable!("count_uniform takes equal bins")
    };
    let (lo, hi, count, step) = (*lo, *hi, *count, *step);
    let last = count - 1;
    let width = count + 1;
    let estimate = |v: f64| -> f64 {
        match scale {
            Some(scale) => (v - lo) * scale,
            None => (v - lo) / denom * count as f64,
        }
    };
    let place = |v: f64| -> usize {
        let mut i = (estimate(v) as usize).min(last);
        i = i.saturating_sub(usize::from(v < edges[i]));
        i += usize::from(i != last && v >= edges[i + 1]);
        if v >= lo && v <= hi {
            i
        } else {
            count
        }
    };
    if let (Some(scale), true, true) = (*scale, count < i32::MAX as usize, step != 0.0) {
        let mut indices = vec![0u32; BLOCK];
        let mut nan = false;
        for (b, block) in part.chunks(BLOCK).enumerate() {
            // The next block, asked for line by line during this block's increments: the
            // index loop would otherwise wait on memory while the increments leave it idle.
            let next = part.get((b + 1) * BLOCK..).unwrap_or(&[]);
            let task = UniformIndices {
                part: block,
                lo,
                hi,
                scale,
                step,
                count,
                out: &mut indices,
            };
            nan |= dispatch(level, task);
            let indices = &indices[..block.len()];
            if subs == SUBS {
                // Unrolled over the sub-histograms, one increment each per group of values.
                let (c0, rest) = counts.split_at_mut(width);
                let (c1, rest) = rest.split_at_mut(width);
                let (c2, c3) = rest.split_at_mut(width);
                let mut quads = indices.chunks_exact(SUBS);
                for (q, quad) in (&mut quads).enumerate() {
                    if q % 2 == 0 {
                        prefetch(next, q * SUBS);
                    }
                    c0[quad[0] as usize] += 1;
                    c1[quad[1] as usize] += 1;
                    c2[quad[2] as usize] += 1;
                    c3[quad[3] as usize] += 1;
                }
                for &i in quads.remainder() {
                    c0[i as usize] += 1;
                }
            } else {
                for &i in indices {
                    counts[i as usize] += 1;
                }
            }
        }
        return nan;
    }
    let mut chunks = part.chunks_exact(subs);
    for chunk in &mut chunks {
        for (k, &v) in chunk.iter().enumerate() {
            counts[k * width + place(v)] += 1;
        }
    }
    for &v in chunks.remainder() {
        counts[place(v)] += 1;
    }
    let trash: u64 = (0..subs).map(|k| counts[k * width + count]).sum();
    trash > 0 && part.iter().any(|v| v.is_nan())
}

/// The counts of one row, and whether it holds a NaN (values are not scanned for NaN first
/// when the range is given: a NaN lands in the trash slot and is reported here).
fn count_row(
    row: &[f64],
    placer: &Placer,
    parallel: bool,
    level: SimdLevel,
) -> Result<(Vec<u64>, bool), KernelError> {
    let bins = placer.bins();
    let total = Mutex::new(vec![0u64; bins]);
    let nan = AtomicBool::new(false);
    let segments = row.len().div_ceil(SEGMENT);
    let task = |first: usize, count: usize, _: (), _split: bool| -> Option<()> {
        let start = first * SEGMENT;
        let end = ((first + count) * SEGMENT).min(row.len());
        let part = &row[start..end];
        let mut local = vec![0u64; bins];
        match placer {
            Placer::Uniform { .. } => {
                let subs = if bins <= SUB_BINS_MAX { SUBS } else { 1 };
                let width = bins + 1;
                let mut sub = vec![0u64; subs * width];
                if count_uniform(part, placer, &mut sub, subs, level) {
                    nan.store(true, Ordering::Relaxed);
                }
                for k in 0..subs {
                    for (l, &c) in local.iter_mut().zip(&sub[k * width..k * width + bins]) {
                        *l += c;
                    }
                }
            }
            Placer::Edges(_) => {
                for &v in part {
                    if let Some(i) = placer.place(v) {
                        local[i] += 1;
                    }
                }
            }
        }
        merge_into(&total, &local);
        None
    };
    parallel::schedule(
        Work::new(segments, SEGMENT.min(row.len())),
        parallel,
        (),
        &task,
    )?;
    let total = total.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok((total, nan.into_inner()))
}

/// The histogram of one row, or its error (`distribution` = the row).
fn row_histogram(
    row: &[f64],
    bins: &Bins<'_>,
    parallel: bool,
    level: SimdLevel,
    distribution: usize,
) -> Result<Vec<u64>, KernelError> {
    let nan_at = |position: usize| KernelError::Nan {
        arg: Arg::P,
        distribution,
        position,
    };
    // With the range given, NaN is looked for while counting: one pass over the data.
    let (lo, hi) = if let Bins::Uniform { range: Some(r), .. } = *bins {
        r
    } else {
        let (nan, lo, hi) = scan(row, parallel, level)?;
        if let Some(position) = nan {
            return Err(nan_at(position));
        }
        (lo, hi)
    };
    let placer = match *bins {
        Bins::Edges(edges) => Placer::Edges(edges.to_vec()),
        Bins::Uniform { count, range } => {
            let (lo, hi) = match range {
                Some(r) => r,
                None if row.is_empty() => (0.0, 1.0),
                None => {
                    if !(lo.is_finite() && hi.is_finite()) {
                        return Err(KernelError::Layout(format!(
                            "autodetected range of [{lo}, {hi}] is not finite"
                        )));
                    }
                    (lo, hi)
                }
            };
            Placer::uniform(lo, hi, count)
        }
    };
    let (counts, nan) = count_row(row, &placer, parallel, level)?;
    if nan {
        let position = row.iter().position(|v| v.is_nan());
        return Err(nan_at(position.expect("a NaN was counted")));
    }
    Ok(counts)
}

/// Checks the bins: at least one equal bin over a finite range with lo <= hi, or at least two
/// non-decreasing edges without NaN (NumPy's rules and messages).
pub fn check_bins(bins: &Bins<'_>) -> Result<(), KernelError> {
    match *bins {
        Bins::Uniform { count, range } => {
            if count == 0 {
                return Err(KernelError::Layout(
                    "`bins` must be positive, when an integer".into(),
                ));
            }
            if let Some((lo, hi)) = range {
                if lo > hi {
                    return Err(KernelError::Layout(
                        "max must be larger than min in range parameter.".into(),
                    ));
                }
                if !(lo.is_finite() && hi.is_finite()) {
                    return Err(KernelError::Layout(format!(
                        "supplied range of [{lo}, {hi}] is not finite"
                    )));
                }
            }
        }
        Bins::Edges(edges) => {
            if edges.len() < 2 {
                return Err(KernelError::Layout(format!(
                    "`bins` as an array needs at least 2 edges, not {}",
                    edges.len()
                )));
            }
            if edges.iter().any(|e| e.is_nan()) {
                return Err(KernelError::Layout("`bins` must not contain NaN".into()));
            }
            if edges.windows(2).any(|w| w[0] > w[1]) {
                return Err(KernelError::Layout(
                    "`bins` must increase monotonically, when an array".into(),
                ));
            }
        }
    }
    Ok(())
}

/// The entropy (nats, or in `base`) of the histogram of each row of `x` (`rows` rows of
/// `row_len` values, row-major), written to `out`. A NaN is a `Nan` error at its row and
/// position; a row with no value in the bins is a `ZeroMass` error (no sample). Errors are those
/// of the lowest row, whatever the thread count.
pub fn histogram_entropy(
    x: &[f64],
    row_len: usize,
    bins: &Bins<'_>,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    check_base(base)?;
    check_bins(bins)?;
    let rows = out.len();
    if rows * row_len != x.len() {
        return Err(KernelError::Layout(format!(
            "{} values do not make {rows} rows of {row_len}",
            x.len()
        )));
    }
    let one = |r: usize, parallel: bool| -> Result<f64, KernelError> {
        let row = &x[r * row_len..(r + 1) * row_len];
        let counts = row_histogram(row, bins, parallel, options.level, r)?;
        entropy_of_counts(&counts, base, &options.serial(), r)
    };
    if rows == 1 {
        out[0] = one(0, options.parallel)?;
        return Ok(());
    }
    let task = |first: usize, _count: usize, out: &mut [f64], _split: bool| {
        for (i, slot) in out.iter_mut().enumerate() {
            match one(first + i, false) {
                Ok(v) => *slot = v,
                Err(e) => return Some(e),
            }
        }
        None
    };
    let work = Work::new(rows, row_len.max(1));
    match parallel::schedule(work, options.parallel, out, &task)? {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
