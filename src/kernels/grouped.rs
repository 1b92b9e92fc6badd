//! Grouping values by a key: a stable counting sort of the values by their group's code, so that
//! each group's values lie together, in their original order, ready for the ragged reductions
//! (`distribution::reduce_segments`). A group's measure is then the measure of exactly the
//! array `values[keys == key]`, bit for bit, on any number of threads.
//!
//! Two passes over the codes, each in parallel over contiguous chunks: per-chunk counts (and
//! each group's first entry), then each chunk writes its values to the slots that its counts
//! and the earlier chunks' counts reserve. Every slot is written once and the slot of an entry
//! depends only on the data, not on the chunking.

use super::Options;
use crate::error::KernelError;
use crate::parallel;
use rayon::prelude::*;
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
        tables = parallel::install(|| ranges.par_iter().map(count).collect::<Vec<_>>())?;
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
    let scatter = |(r, mut cursor): (&Range<usize>, Vec<usize>)| {
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
        parallel::install(|| ranges.par_iter().zip(cursors).for_each(scatter))?;
    } else {
        scatter((&ranges[0], cursors.pop().expect("one chunk")));
    }
    // SAFETY: every one of the n slots was written exactly once above.
    unsafe { out.set_len(n) };
    Ok(Grouped {
        values: out,
        offsets,
        first,
    })
}
