//! Grouping values by a key: a stable counting sort of the values by their group's code, so that
//! each group's values lie together, in their original order, ready for the ragged reductions
//! (`distribution::reduce_segments`). A group's measure is then the measure of exactly the
//! array `values[keys == key]`, bit for bit, on any number of threads.
//!
//! Two passes over the codes, each in parallel over contiguous chunks: per-chunk counts (and
//! each group's first entry), then each chunk writes its values to the slots that its counts
//! and the earlier chunks' counts reserve. Every slot is written once and the slot of an entry
//! depends only on the data, not on the chunking.

use super::raw::prefetch;
use super::Options;
use crate::error::KernelError;
use crate::kernels::distribution::single_entry_f64;
use crate::parallel;
use crate::simd::ln::{x_ln_x_summand, x_ln_x_summand_normal};
use crate::simd::{dispatch, load_padded, FloatVec, Level, SimdTask};
use std::ops::Range;

/// Entries below which the grouping stays on the calling thread.
const SERIAL_ENTRIES: usize = 1 << 16;
/// Most per-chunk count slots (chunks x groups) held at once.
const COUNT_BUDGET: usize = 1 << 24;

/// Values grouped by code: group `g` is `values[offsets[g]..offsets[g + 1]]`, and
/// `first[g]` is the index of its first entry in the input.
pub struct Grouped<T> {
    pub values: Vec<T>,
    pub offsets: Vec<i64>,
    pub first: Vec<usize>,
}

/// The index of the first entry of each of `groups` codes (`codes.len()` for a code that does
/// not occur).
pub fn first_indices(codes: &[u32], groups: usize) -> Vec<usize> {
    let mut first = vec![codes.len(); groups];
    let mut seen = 0;
    for (i, &c) in codes.iter().enumerate() {
        let slot = &mut first[c as usize];
        if *slot == codes.len() {
            *slot = i;
            seen += 1;
            if seen == groups {
                break;
            }
        }
    }
    first
}

/// A pointer the chunks write disjoint slots through.
struct Slots<T>(*mut T);
// SAFETY: chunks write disjoint slots (see `group_by_codes`), and `T` is plain data.
unsafe impl<T: Send> Send for Slots<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Slots<T> {}

/// Groups `values` by `codes` (one code below `groups` per value, e.g. from
/// `labels::label_codes`): a stable counting sort.
pub fn group_by_codes<T: Copy + Send + Sync>(
    values: &[T],
    codes: &[u32],
    groups: usize,
    options: &Options,
) -> Result<Grouped<T>, KernelError> {
    let n = values.len();
    if codes.len() != n {
        return Err(KernelError::Layout(format!(
            "{n} values and {} codes do not match",
            codes.len()
        )));
    }
    let parallel = options.parallel && n >= SERIAL_ENTRIES;
    let chunks = if parallel {
        parallel::num_threads()
            .min(COUNT_BUDGET / groups.max(1))
            .max(1)
    } else {
        1
    };
    let ranges: Vec<Range<usize>> = (0..chunks)
        .map(|i| n * i / chunks..n * (i + 1) / chunks)
        .collect();
    // Per chunk: each group's count and first entry (n where it has none).
    let count = |r: &Range<usize>| -> Result<(Vec<usize>, Vec<usize>), usize> {
        let mut counts = vec![0usize; groups];
        let mut first = vec![n; groups];
        for (i, &c) in codes[r.clone()].iter().enumerate() {
            let c = c as usize;
            if c >= groups {
                return Err(r.start + i);
            }
            if counts[c] == 0 {
                first[c] = r.start + i;
            }
            counts[c] += 1;
        }
        Ok((counts, first))
    };
    let mut tables = Vec::new();
    if chunks > 1 {
        tables = parallel::map_pieces(chunks, &|i| count(&ranges[i]));
    } else {
        tables.push(count(&ranges[0]));
    }
    let mut counts_of = Vec::with_capacity(chunks);
    let mut firsts_of = Vec::with_capacity(chunks);
    for table in tables {
        match table {
            Ok((counts, first)) => {
                counts_of.push(counts);
                firsts_of.push(first);
            }
            Err(i) => {
                return Err(KernelError::Layout(format!(
                    "code {} at {i} is not below the {groups} groups",
                    codes[i]
                )))
            }
        }
    }
    // Group offsets, then each chunk's cursor in each group: after the earlier chunks' entries.
    let mut offsets = Vec::with_capacity(groups + 1);
    let mut first = vec![n; groups];
    let mut cursors = vec![vec![0usize; groups]; chunks];
    let mut at = 0usize;
    offsets.push(0i64);
    for g in 0..groups {
        for c in 0..chunks {
            cursors[c][g] = at;
            at += counts_of[c][g];
            if first[g] == n {
                first[g] = firsts_of[c][g];
            }
        }
        offsets.push(at as i64);
    }
    let mut out: Vec<T> = Vec::with_capacity(n);
    let slots = Slots(out.as_mut_ptr());
    let scatter = |r: &Range<usize>, mut cursor: Vec<usize>| {
        let slots = &slots;
        for i in r.clone() {
            let c = codes[i] as usize;
            // SAFETY: chunk `r` owns the slots cursor[c]..cursor[c] + (its count of c) for each
            // group c, disjoint from every other chunk's and inside 0..n (the counts add up to
            // n), and writes each once; codes were checked to be below `groups` above.
            unsafe { slots.0.add(cursor[c]).write(values[i]) };
            cursor[c] += 1;
        }
    };
    if chunks > 1 {
        parallel::map_each(cursors, &|i, cursor| scatter(&ranges[i], cursor));
    } else {
        scatter(&ranges[0], cursors.pop().expect("one chunk"));
    }
    // SAFETY: every one of the n slots was written exactly once above.
    unsafe { out.set_len(n) };
    Ok(Grouped {
        values: out,
        offsets,
        first,
    })
}

/// Values per block of the one-pass sums: converted and logged together, in L1.
const BLOCK: usize = 1024;
/// Most bytes of per-chunk sum tables held at once by [`entropy_by_sums`].
const SUMS_BUDGET: usize = 1 << 26;
/// Most bytes of all chunks' tables together.
const TABLES_BUDGET: usize = 1 << 23;
/// `ln S` may exceed twice the entropy by this much before the sums count as cancelled (as in
/// the core's driver).
const CANCEL_SLACK: f64 = 16.0;

/// A block of values for the one-pass sums: the entries as f64 in `x` (an omitted NaN as 0, as
/// adds nothing) and their terms x ln x in `terms` (0 for a zero; NaN for a NaN, so that a NaN
/// makes its group's sums NaN without a branch in the scatter). Run under the SIMD level's
/// target features, with loops free of branches, so that they vectorize. `false` for a
/// negative or infinite entry, or NaN under "raise".
struct Block<'a, T> {
    values: &'a [T],
    x: &'a mut [f64],
    terms: &'a mut [f64],
    omit: bool,
    raise: bool,
}

impl<T: crate::strided::Element> SimdTask for Block<'_, T> {
    type Output = bool;
    #[inline(always)]
    fn run<L: Level>(self) -> bool {
        let (omit, raise) = (self.omit, self.raise);
        let mut bad = false;
        for (slot, v) in self.x.iter_mut().zip(self.values) {
            let v = v.to_f64();
            let nan = v.is_nan();
            bad |= (v < 0.0) | (v == f64::INFINITY) | (raise & nan);
            *slot = if omit & nan { 0.0 } else { v };
        }
        if bad {
            return false;
        }
        // Without the log's subnormal scaling first (the same bits for other entries), and
        // again with it in the rare block that held a subnormal entry.
        if !(L::F64::TABLE_LN && write_terms::<L, true>(self.x, self.terms)) {
            write_terms::<L, false>(self.x, self.terms);
        }
        true
    }
}

/// x ln x of `x` into `terms`, a vector at a time (a zero-padded tail: those lanes are dropped).
/// With `NORMAL`, by [`x_ln_x_summand_normal`]: `false` if an entry was subnormal, when the terms
/// are to be written again without it.
#[inline(always)]
fn write_terms<L: Level, const NORMAL: bool>(x: &[f64], terms: &mut [f64]) -> bool {
    let lanes = L::F64::LANES;
    let mut tail = [0.0f64; 8];
    let mut seen = L::F64::splat(1.0);
    for at in (0..x.len()).step_by(lanes) {
        let x = load_padded::<L::F64>(x, at);
        let term = if NORMAL {
            seen = x.fold_subnormal(seen);
            x_ln_x_summand_normal(x)
        } else {
            x_ln_x_summand(x)
        };
        let out = &mut terms[at..];
        if out.len() >= lanes {
            // SAFETY: `out` has room for a whole vector.
            unsafe { term.store(out.as_mut_ptr()) };
        } else {
            // SAFETY: `tail` holds 8 >= LANES f64s.
            unsafe { term.store(tail.as_mut_ptr()) };
            let len = out.len();
            out.copy_from_slice(&tail[..len]);
        }
    }
    !(NORMAL && L::F64::saw_subnormal(seen))
}

/// Each group's entropy and the index of its first entry.
pub type ByGroup = (Vec<f64>, Vec<usize>);

/// Per-chunk sums of each group: S and T (16 bytes a group, in L2 for tens of thousands of
/// groups), whether an entry came (a byte a group, in L1), and the first entry, written once.
struct Tables {
    sums: Vec<Sums>,
    seen: Vec<bool>,
    first: Vec<usize>,
}

impl Tables {
    fn new(groups: usize) -> Tables {
        Tables {
            sums: vec![Sums::default(); groups],
            seen: vec![false; groups],
            first: vec![usize::MAX; groups],
        }
    }
}

/// Adds a block of entries, `start..start + x.len()` (their values, terms and codes), to the
/// tables; `false` for a code not below the number of groups. Under the SIMD level's target
/// features, like the blocks it follows (a plain closure is compiled for baseline x86-64).
struct Scatter<'a> {
    start: usize,
    x: &'a [f64],
    terms: &'a [f64],
    codes: &'a [u32],
    tables: &'a mut Tables,
    /// The next block's values, asked for a line at a time while this block's entries are
    /// added: the adds leave memory idle, and the next block's reads would otherwise start
    /// cold (5% faster on 1e7 values in 1e4 groups; asking for the keys too was slower).
    next: Stream<'a>,
}

/// An array read in order, as bytes (only read by prefetches) and bytes per entry.
#[derive(Clone, Copy)]
struct Stream<'a> {
    bytes: &'a [u8],
    stride: usize,
}

impl<'a> Stream<'a> {
    fn of<T: Copy>(x: &'a [T]) -> Stream<'a> {
        Stream {
            // SAFETY: the bytes of `x`, plain numbers; only handed to prefetches.
            bytes: unsafe {
                std::slice::from_raw_parts(x.as_ptr().cast(), std::mem::size_of_val(x))
            },
            stride: std::mem::size_of::<T>(),
        }
    }

    /// Entries `range` of the stream (clipped to it).
    fn part(self, range: Range<usize>) -> Stream<'a> {
        let end = (range.end * self.stride).min(self.bytes.len());
        let start = (range.start * self.stride).min(end);
        Stream {
            bytes: &self.bytes[start..end],
            stride: self.stride,
        }
    }

    /// Asks for the line of entry `j` when it starts a line.
    #[inline(always)]
    fn ask(self, j: usize) {
        let at = j * self.stride;
        if at.is_multiple_of(64) {
            prefetch(self.bytes, at);
        }
    }
}

impl SimdTask for Scatter<'_> {
    type Output = bool;
    #[inline(always)]
    fn run<L: Level>(self) -> bool {
        let tables = self.tables;
        let groups = tables.sums.len();
        let entries = self.x.iter().zip(self.terms).zip(self.codes);
        for (j, ((&v, &t), &c)) in entries.enumerate() {
            self.next.ask(j);
            let c = c as usize;
            if c >= groups {
                return false;
            }
            let sums = &mut tables.sums[c];
            sums.mass += v;
            sums.core += t;
            // Entries come in order, so the first one seen is the group's first.
            if !tables.seen[c] {
                tables.seen[c] = true;
                tables.first[c] = self.start + j;
            }
        }
        true
    }
}

/// One group's sums at scale 1: S = sum x and T = sum x ln x over its positive entries.
#[derive(Clone, Copy, Default)]
struct Sums {
    mass: f64,
    core: f64,
}

/// The entropy of each group in one pass over the values, from per-group sums at scale 1:
/// H = ln S - T / S (normalised) or -T. The fast path of `entropy_grouped`: no values are
/// moved, but its sums are not the core's (no rescaling, another summation order), so results
/// agree with `entropy(values[keys == key])` to ~1e-15 rather than to the bit.
///
/// `codes(start, out)` writes the group codes of entries `start..start + out.len()` (below
/// `groups`); the result is the entropy and first entry of each code that occurs, in code order. Returns `None` whenever it
/// cannot vouch for every group: an entry that is negative,
/// infinite, or NaN under "raise"; a group of zero mass under `normalize`; a mass that
/// overflowed or is tiny, or sums that may have cancelled (`ln S` large next to H). The caller
/// then takes the exact path (group, then reduce as segments), which also gives the errors.
/// Chunks depend on the length and the number of groups only, and their tables add in chunk
/// order, so the result has the same bits on any number of threads.
pub fn entropy_by_sums<T: crate::strided::Element>(
    values: &[T],
    codes: &(dyn Fn(usize, &mut [u32]) + Sync),
    groups: usize,
    normalize: bool,
    nan_policy: crate::kernels::NanPolicy,
    base: Option<f64>,
    options: &Options,
) -> Result<Option<ByGroup>, KernelError> {
    use crate::kernels::NanPolicy;
    let n = values.len();
    let table_bytes = groups.saturating_mul(std::mem::size_of::<Sums>()).max(1);
    if table_bytes > SUMS_BUDGET {
        return Ok(None);
    }
    // Few chunks of many groups: every fresh table costs its page faults.
    let mut chunks = n.div_ceil(1 << 16).clamp(1, 16);
    while chunks > 1 && chunks * table_bytes > TABLES_BUDGET {
        chunks /= 2;
    }
    let level = options.level;
    let omit = nan_policy == NanPolicy::Omit;
    let raise = nan_policy == NanPolicy::Raise;
    // A chunk's tables, or None for an entry the fast path does not handle.
    let chunk = |i: usize| -> Option<Tables> {
        let range = n * i / chunks..n * (i + 1) / chunks;
        let mut tables = Tables::new(groups);
        let mut x = [0.0f64; BLOCK];
        let mut ln = [0.0f64; BLOCK];
        let mut code = [0u32; BLOCK];
        let mut start = range.start;
        while start < range.end {
            let len = BLOCK.min(range.end - start);
            let (x, ln) = (&mut x[..len], &mut ln[..len]);
            let block = Block {
                values: &values[start..start + len],
                x,
                terms: ln,
                omit,
                raise,
            };
            if !dispatch(level, block) {
                return None;
            }
            let code = &mut code[..len];
            codes(start, code);
            let next = start + len..range.end.min(start + 2 * len);
            let scatter = Scatter {
                start,
                x,
                terms: ln,
                codes: code,
                tables: &mut tables,
                next: Stream::of(values).part(next),
            };
            if !dispatch(level, scatter) {
                return None;
            }
            start += len;
        }
        Some(tables)
    };
    let tables: Vec<Option<Tables>> = if chunks > 1 && options.parallel && n >= SERIAL_ENTRIES {
        parallel::map_pieces(chunks, &chunk)
    } else {
        (0..chunks).map(chunk).collect()
    };
    let mut total = Tables::new(groups);
    for table in tables {
        let Some(table) = table else {
            return Ok(None);
        };
        for (t, s) in total.sums.iter_mut().zip(&table.sums) {
            t.mass += s.mass;
            t.core += s.core;
        }
        for (t, &s) in total.seen.iter_mut().zip(&table.seen) {
            *t |= s;
        }
        for (f, &g) in total.first.iter_mut().zip(&table.first) {
            *f = (*f).min(g);
        }
    }
    let scale = base.map(f64::ln);
    // Slots no entry went to (codes that are key offsets) are not groups.
    let occurring: Vec<usize> = (0..groups).filter(|&g| total.seen[g]).collect();
    let mut out = Vec::with_capacity(occurring.len());
    for &g in &occurring {
        let Sums { mass, core } = total.sums[g];
        let value = if mass.is_nan() {
            f64::NAN
        } else if !normalize {
            -core + 0.0
        } else if mass == 0.0 {
            return Ok(None);
        } else if single_entry_f64(level, mass, core) {
            0.0
        } else {
            if !(mass.is_finite() && mass > 1e-290 && core.is_finite()) {
                return Ok(None);
            }
            let ln_mass = mass.ln();
            let h = (ln_mass - core / mass).max(0.0);
            if ln_mass.abs() > 2.0 * h + CANCEL_SLACK {
                return Ok(None);
            }
            h
        };
        out.push(match scale {
            Some(l) => value / l + 0.0,
            None => value,
        });
    }
    Ok(Some((
        out,
        occurring.iter().map(|&g| total.first[g]).collect(),
    )))
}
