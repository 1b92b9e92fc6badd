//! Entropy and mutual information of label arrays (plug-in estimates from empirical counts).
//!
//! Each label array is first *factorized*: its distinct values get dense codes 0..k in ascending
//! order of value, and their counts. Then
//!
//! - H(x) = sum_i a_i / N ln(N / a_i) over the label counts a_i (every term >= 0),
//! - I(x; y) = sum_ij n_ij / N ln(N n_ij / (a_i b_j)) over the nonzero cells n_ij of the
//!   contingency table of (code_x, code_y), with marginal counts a_i, b_j.
//!
//! The log's argument is formed as one ratio of exact (below 2^53) products, so a term is
//! accurate to about an ulp of its own size and nearly independent variables do not lose their
//! small MI to cancellation between large logs. A rounded negative total is clamped to 0; MI is
//! exactly 0 when either array holds a single distinct label.
//!
//! Factorizing: when a label array's range (max - min) is small next to its length, counts go to
//! per-thread tables indexed by value - min ("direct"); otherwise to per-thread hash maps, until
//! a chunk holds more than `hash_limit` distinct labels, when the keys are sorted instead (a map
//! that outgrows the cache costs a miss per entry). Codes are decoded a batch at a time from the
//! labels (or, after sorting, stored). The contingency table is dense per-thread tables when
//! k_x k_y cells are few next to N, else the cell keys i k_y + j are radix-sorted and counted in
//! runs. Integer counts are exact, so they do not depend on the chunking; the float sums then run
//! over the cells in a fixed order (table order, or ascending key), in fixed blocks whose sums are
//! added pairwise in a fixed order, so the result has the same bits on any number of threads.
//!
//! Float labels are compared by value: -0.0 and 0.0 are one label, ±inf are labels like any other,
//! and NaN is an error naming its position.

use super::Options;
use crate::error::{Arg, KernelError};
use crate::parallel;
use crate::simd::ln::ln_slice;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// Entries below which a pass stays on the calling thread.
const SERIAL_LABELS: usize = 1 << 16;
/// Most u32 cells of per-thread count tables held at once (128 MiB).
const TABLE_BUDGET: usize = 1 << 25;
/// Largest value range counted by direct indexing.
const DIRECT_LIMIT: u64 = 1 << 25;
/// Most distinct labels a chunk counts in a hash map before the array is sorted instead.
const HASH_LIMIT: usize = 1 << 18;
/// Largest dense contingency table.
const DENSE_CELLS: usize = 1 << 24;
/// Cells (or labels) per block of the final float sum: fixed, so the sum does not depend on the
/// number of threads.
const SUM_BLOCK: usize = 1 << 13;
/// Entries per task when mapping labels to codes.
const MAP_BLOCK: usize = 1 << 16;

/// A multiply-xorshift hasher for integer keys and short byte strings. Labels are data, not
/// adversarial input, so a keyed hash (SipHash, the std default) buys nothing here and costs ~3x.
#[derive(Default, Clone, Copy)]
pub struct MixHasher(u64);

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for MixHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The splitmix64 finalizer: every input bit reaches the high bits hashbrown uses.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let v = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(MIX);
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(MIX);
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(MIX);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

/// An element type labels come in. `key` maps labels to u64 preserving order and equality.
pub trait Label: Copy + Send + Sync + 'static {
    fn key(self) -> u64;
    #[inline(always)]
    fn is_nan(self) -> bool {
        false
    }
}

macro_rules! signed_label {
    ($($t:ty),*) => {$(
        impl Label for $t {
            #[inline(always)]
            fn key(self) -> u64 {
                (self as i64 as u64) ^ (1 << 63)
            }
        }
    )*};
}
macro_rules! unsigned_label {
    ($($t:ty),*) => {$(
        impl Label for $t {
            #[inline(always)]
            fn key(self) -> u64 {
                self as u64
            }
        }
    )*};
}
signed_label!(i8, i16, i32, i64);
unsigned_label!(u8, u16, u32, u64);

impl Label for f64 {
    /// -0.0 and 0.0 are one label; the bit pattern is flipped into unsigned order.
    #[inline(always)]
    fn key(self) -> u64 {
        let bits = if self == 0.0 { 0 } else { self.to_bits() };
        if bits >> 63 == 1 {
            !bits
        } else {
            bits | (1 << 63)
        }
    }
    #[inline(always)]
    fn is_nan(self) -> bool {
        self.is_nan()
    }
}

impl Label for f32 {
    #[inline(always)]
    fn key(self) -> u64 {
        (self as f64).key()
    }
    #[inline(always)]
    fn is_nan(self) -> bool {
        self.is_nan()
    }
}

/// A 1-D array of labels in one of the supported element types.
#[derive(Clone, Copy, Debug)]
pub enum Labels<'a> {
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
}

macro_rules! each_labels {
    ($labels:expr, $x:ident => $body:expr) => {
        match $labels {
            Labels::I8($x) => $body,
            Labels::I16($x) => $body,
            Labels::I32($x) => $body,
            Labels::I64($x) => $body,
            Labels::U8($x) => $body,
            Labels::U16($x) => $body,
            Labels::U32($x) => $body,
            Labels::U64($x) => $body,
            Labels::F32($x) => $body,
            Labels::F64($x) => $body,
        }
    };
}

impl Labels<'_> {
    pub fn len(&self) -> usize {
        each_labels!(*self, x => x.len())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

thread_local! {
    static HASH_LIMIT_HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(HASH_LIMIT) };
}

/// Runs `f` with at most `limit` distinct labels counted per chunk in a hash map before the
/// labels are sorted instead (on this thread only). Tests lower it to reach the sorting path with
/// small inputs; nothing else needs it.
pub fn with_hash_limit<R>(limit: usize, f: impl FnOnce() -> R) -> R {
    let old = HASH_LIMIT_HERE.with(|cell| cell.replace(limit));
    let result = f();
    HASH_LIMIT_HERE.with(|cell| cell.set(old));
    result
}

/// How an array's labels map to their dense codes (ascending order of value).
enum Lookup {
    /// `rank[key - lo]`.
    Direct {
        lo: u64,
        rank: Vec<u32>,
    },
    Hashed(FastMap<u64, u32>),
    /// Every entry's code, stored (labels factorized by sorting).
    Codes(Vec<u32>),
}

/// Writes the codes of `x` to `out` (of x's length).
fn decode_into<T: Label>(x: &[T], lookup: &Lookup, out: &mut [u32]) {
    match lookup {
        Lookup::Direct { lo, rank } => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = rank[(v.key() - lo) as usize];
            }
        }
        Lookup::Hashed(map) => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = map[&v.key()];
            }
        }
        Lookup::Codes(_) => unreachable!("stored codes are copied by Coded::decode"),
    }
}

/// A factorized label array: the labels, how to code them, and the count of each code.
struct Coded<'a> {
    data: Labels<'a>,
    lookup: Lookup,
    counts: Vec<u64>,
}

impl Coded<'_> {
    /// Codes of entries `start..start + out.len()`. Codes are decoded a batch at a time rather
    /// than stored: a full code array costs a write and page faults of 4 bytes per label.
    fn decode(&self, start: usize, out: &mut [u32]) {
        let end = start + out.len();
        if let Lookup::Codes(codes) = &self.lookup {
            out.copy_from_slice(&codes[start..end]);
            return;
        }
        each_labels!(self.data, x => decode_into(&x[start..end], &self.lookup, out))
    }
}

/// Runs `f` on the pool when `parallel`, else here.
fn run<R: Send>(parallel: bool, f: impl FnOnce() -> R + Send) -> Result<R, KernelError> {
    if parallel {
        parallel::install(f)
    } else {
        Ok(f())
    }
}

/// `n` entries cut into `parts` contiguous ranges of nearly equal length.
fn split(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|i| n * i / parts..n * (i + 1) / parts)
        .collect()
}

/// How many chunks to count in: one per thread (at most `budget_parts`), at least enough that
/// each chunk's counts fit in u32.
fn count_parts(n: usize, options: &Options, budget_parts: usize) -> usize {
    let threads = if options.parallel && n >= SERIAL_LABELS {
        parallel::num_threads()
    } else {
        1
    };
    let needed = n.div_ceil(u32::MAX as usize).max(1);
    threads.min(budget_parts).max(needed)
}

/// Smallest and largest key of a chunk, and whether it holds a NaN: a loop without branches,
/// run under the SIMD level's target features so that it vectorizes (u64 min/max has no SSE2
/// instruction).
struct KeyScan<'a, T>(&'a [T]);

impl<T: Label> crate::simd::SimdTask for KeyScan<'_, T> {
    type Output = (u64, u64, bool);
    #[inline(always)]
    fn run<L: crate::simd::Level>(self) -> (u64, u64, bool) {
        let (mut lo, mut hi, mut nan) = ([u64::MAX; 8], [0u64; 8], false);
        let mut blocks = self.0.chunks_exact(8);
        for block in &mut blocks {
            for k in 0..8 {
                let v = block[k];
                nan |= v.is_nan();
                lo[k] = lo[k].min(v.key());
                hi[k] = hi[k].max(v.key());
            }
        }
        for &v in blocks.remainder() {
            nan |= v.is_nan();
            lo[0] = lo[0].min(v.key());
            hi[0] = hi[0].max(v.key());
        }
        let lo = lo.iter().copied().min().unwrap_or(u64::MAX);
        let hi = hi.iter().copied().max().unwrap_or(0);
        (lo, hi, nan)
    }
}

/// Smallest and largest key of `x`, or the position of its first NaN.
fn key_range<T: Label>(x: &[T], arg: Arg, options: &Options) -> Result<(u64, u64), KernelError> {
    let level = options.level;
    let scan = |r: Range<usize>| -> Result<(u64, u64), usize> {
        let chunk = &x[r.clone()];
        let (lo, hi, nan) = crate::simd::dispatch(level, KeyScan(chunk));
        match nan {
            true => Err(r.start + chunk.iter().position(|v| v.is_nan()).unwrap_or(0)),
            false => Ok((lo, hi)),
        }
    };
    let parts = split(x.len(), count_parts(x.len(), options, usize::MAX));
    let results: Vec<Result<(u64, u64), usize>> = if parts.len() == 1 {
        vec![scan(parts[0].clone())]
    } else {
        run(options.parallel, || {
            parts.into_par_iter().map(scan).collect()
        })?
    };
    let mut lo = u64::MAX;
    let mut hi = 0;
    // Chunks are in order, so the first error found is the first NaN of the array.
    for r in results {
        match r {
            Ok((l, h)) => {
                lo = lo.min(l);
                hi = hi.max(h);
            }
            Err(position) => {
                return Err(KernelError::Nan {
                    arg,
                    distribution: 0,
                    position,
                })
            }
        }
    }
    Ok((lo, hi))
}

/// Adds the u32 tables of `tables[1..]` into `tables[0]`, in parallel over cell ranges.
fn add_tables(mut tables: Vec<Vec<u32>>, options: &Options) -> Result<Vec<u32>, KernelError> {
    let mut first = tables.swap_remove(0);
    if tables.is_empty() {
        return Ok(first);
    }
    let add = |(at, block): (usize, &mut [u32])| {
        for t in &tables {
            for (c, &v) in block.iter_mut().zip(&t[at * MAP_BLOCK..]) {
                *c += v;
            }
        }
    };
    run(options.parallel, || {
        first.par_chunks_mut(MAP_BLOCK).enumerate().for_each(add)
    })?;
    Ok(first)
}

/// Counts by direct indexing: values are keys `lo..=lo + span - 1`. Counts fit in u32 (the
/// caller checks n <= u32::MAX).
fn direct_counts<T: Label>(
    x: &[T],
    lo: u64,
    span: usize,
    options: &Options,
) -> Result<Vec<u32>, KernelError> {
    let parts = split(
        x.len(),
        count_parts(x.len(), options, (TABLE_BUDGET / span).max(1)),
    );
    let count = |r: Range<usize>| {
        let mut table = vec![0u32; span];
        for &v in &x[r] {
            table[(v.key() - lo) as usize] += 1;
        }
        table
    };
    let tables: Vec<Vec<u32>> = if parts.len() == 1 {
        vec![count(parts[0].clone())]
    } else {
        run(options.parallel, || {
            parts.into_par_iter().map(count).collect()
        })?
    };
    add_tables(tables, options)
}

/// Counts by hash maps, then sorted by key; `None` if a chunk holds more than `hash_limit`
/// distinct labels (a map that outgrows the cache costs a miss per entry: sorting is faster).
fn hashed_counts<T: Label>(
    x: &[T],
    hash_limit: usize,
    options: &Options,
) -> Result<Option<Vec<(u64, u64)>>, KernelError> {
    let parts = split(x.len(), count_parts(x.len(), options, usize::MAX));
    let count = |r: Range<usize>| {
        let mut map: FastMap<u64, u64> = FastMap::default();
        for &v in &x[r] {
            *map.entry(v.key()).or_insert(0) += 1;
            if map.len() > hash_limit {
                return None;
            }
        }
        Some(map)
    };
    let maps: Option<Vec<FastMap<u64, u64>>> = if parts.len() == 1 {
        count(parts[0].clone()).map(|m| vec![m])
    } else {
        run(options.parallel, || {
            parts.into_par_iter().map(count).collect()
        })?
    };
    // The chunks' counts are merged by sorting, not by inserting one map into another: walking
    // a map visits keys in hash order, and inserting in hash order into a table with the same
    // (unseeded) hash piles keys into long probe runs, quadratic in the worst case.
    let Some(maps) = maps else {
        return Ok(None);
    };
    let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(maps.iter().map(|m| m.len()).sum());
    for map in maps {
        pairs.extend(map);
    }
    // A few pairs sort faster here than the pool wakes up (a small call took ~10 us, not ~2).
    if options.parallel && pairs.len() >= SERIAL_LABELS {
        run(true, || pairs.par_sort_unstable_by_key(|p| p.0))?;
    } else {
        pairs.sort_unstable_by_key(|p| p.0);
    }
    pairs.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
    Ok(Some(pairs))
}

/// Counts (and, if `want_codes`, every entry's code) by sorting the keys `key - lo`, for labels
/// too many for hash maps. Needs n <= u32::MAX (entry indices are u32).
fn sorted_counts<T: Label>(
    x: &[T],
    lo: u64,
    bits: u32,
    want_codes: bool,
    parallel: bool,
) -> Result<(Vec<u64>, Option<Vec<u32>>), KernelError> {
    if !want_codes {
        let keys: Vec<u64> = x.iter().map(|v| v.key() - lo).collect();
        let counts = runs(radix_sort(keys, bits, parallel)?)
            .into_iter()
            .map(|r| r.1)
            .collect();
        return Ok((counts, None));
    }
    let tagged: Vec<Tagged> = x
        .iter()
        .enumerate()
        .map(|(i, v)| Tagged {
            key: v.key() - lo,
            index: i as u32,
        })
        .collect();
    let sorted = radix_sort(tagged, bits, parallel)?;
    let mut codes = vec![0u32; x.len()];
    let mut counts: Vec<u64> = Vec::new();
    let mut previous = None;
    for t in &sorted {
        if previous != Some(t.key) {
            counts.push(0);
            previous = Some(t.key);
        }
        let last = counts.len() - 1;
        counts[last] += 1;
        codes[t.index as usize] = last as u32;
    }
    Ok((counts, Some(codes)))
}

/// Factorizes one array (`arg` names it in errors): the count of each distinct label in
/// ascending order of value, and (if `want_lookup`) the map from labels to their codes.
/// `known_range` is the smallest and largest key when the caller has already scanned for them.
fn factorize<T: Label>(
    x: &[T],
    arg: Arg,
    want_lookup: bool,
    known_range: Option<(u64, u64)>,
    options: &Options,
) -> Result<(Option<Lookup>, Vec<u64>), KernelError> {
    if x.is_empty() {
        return Ok((None, Vec::new()));
    }
    let (lo, hi) = match known_range {
        Some(range) => range,
        None => key_range(x, arg, options)?,
    };
    let range = hi - lo;
    let n = x.len();
    let direct = range < DIRECT_LIMIT
        && range < (n as u64).saturating_mul(4).max(1 << 16)
        && n <= u32::MAX as usize;
    if direct {
        let span = range as usize + 1;
        let table = direct_counts(x, lo, span, options)?;
        let mut rank = vec![u32::MAX; if want_lookup { span } else { 0 }];
        let mut counts = Vec::new();
        for (v, &c) in table.iter().enumerate() {
            if c > 0 {
                if want_lookup {
                    rank[v] = counts.len() as u32;
                }
                counts.push(c as u64);
            }
        }
        let lookup = want_lookup.then_some(Lookup::Direct { lo, rank });
        return Ok((lookup, counts));
    }
    let hash_limit = HASH_LIMIT_HERE.with(|cell| cell.get());
    let Some(pairs) = hashed_counts(x, hash_limit, options)? else {
        if n > u32::MAX as usize {
            return Err(KernelError::Layout(format!(
                "{} has more than {} distinct labels among more than {} entries; \
                 at most {} entries are supported then",
                arg_name(arg),
                hash_limit,
                u32::MAX,
                u32::MAX
            )));
        }
        let bits = u64::BITS - range.leading_zeros();
        let (counts, codes) = sorted_counts(x, lo, bits, want_lookup, options.parallel)?;
        return Ok((codes.map(Lookup::Codes), counts));
    };
    if want_lookup && pairs.len() > u32::MAX as usize {
        return Err(KernelError::Layout(format!(
            "{} has {} distinct labels; at most {} are supported",
            arg_name(arg),
            pairs.len(),
            u32::MAX
        )));
    }
    let lookup = want_lookup.then(|| {
        let mut map = FastMap::with_capacity_and_hasher(pairs.len(), Default::default());
        // Inserted in key order (not hash order), into a table sized up front.
        map.extend(pairs.iter().enumerate().map(|(c, p)| (p.0, c as u32)));
        Lookup::Hashed(map)
    });
    Ok((lookup, pairs.iter().map(|p| p.1).collect()))
}

/// The label counts of `x` in ascending order of value (for tests and callers that want the
/// empirical distribution itself). Errors: a NaN label, naming its position.
pub fn label_counts(x: Labels<'_>, options: &Options) -> Result<Vec<u64>, KernelError> {
    Ok(each_labels!(x, s => factorize(s, Arg::P, false, None, options))?.1)
}

/// Every entry's code (the rank of its label among the distinct labels, in ascending order of
/// value) and the number of distinct labels: what grouping by a key array needs. Errors: a NaN
/// label, naming its position.
pub fn label_codes(x: Labels<'_>, options: &Options) -> Result<(Vec<u32>, usize), KernelError> {
    if x.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let coded = coded(x, Arg::P, None, options)?;
    let groups = coded.counts.len();
    if let Lookup::Codes(codes) = coded.lookup {
        return Ok((codes, groups));
    }
    let mut codes = vec![0u32; x.len()];
    let fill = |(b, out): (usize, &mut [u32])| coded.decode(b * MAP_BLOCK, out);
    if options.parallel && x.len() >= SERIAL_LABELS {
        run(true, || {
            codes.par_chunks_mut(MAP_BLOCK).enumerate().for_each(fill)
        })?;
    } else {
        codes.chunks_mut(MAP_BLOCK).enumerate().for_each(fill);
    }
    Ok((codes, groups))
}

/// Factorizes `x` as [`label_codes`] does, then calls `f` with the number of groups and a
/// decoder, `decode(start, out)`, that writes the codes of entries `start..start + out.len()`:
/// for one pass that wants the codes a block at a time rather than a full array of them (4
/// bytes per entry, written and page-faulted once, read once). Keys that span at most
/// `max_span` values are their own codes, `key - lo`, over groups some of which may hold no
/// entry, with no counting pass (one pass over the keys, their range, instead of three; none
/// when a sample of the keys gives a window `lo..` that holds them all). Groups come in
/// ascending key order either way. Wider keys are factorized, reusing that range scan. `f` runs
/// a second time when the sampled window missed a key: the decoder then writes codes past the
/// groups, which `f` must treat as a reason to stop early, not as a result.
pub fn with_group_codes<R>(
    x: Labels<'_>,
    max_span: usize,
    options: &Options,
    f: impl Fn(usize, &(dyn Fn(usize, &mut [u32]) + Sync)) -> R,
) -> Result<R, KernelError> {
    if x.is_empty() {
        return Ok(f(0, &|_, _| {}));
    }
    let max_span = max_span.min(u32::MAX as usize) as u64;
    let level = options.level;
    // Most keys of a narrow range show it in a sample: then the pass over all keys for their
    // range is skipped, and a key outside the sampled window (rare) sends everything down the
    // path below, which scans for the range first.
    if let Some((lo, span)) = each_labels!(x, s => sampled_window(s)).filter(|w| w.1 < max_span) {
        let outside = std::sync::atomic::AtomicBool::new(false);
        let decode = |start: usize, out: &mut [u32]| {
            use std::sync::atomic::Ordering::Relaxed;
            // Codes past every group make the caller's pass give up on the block.
            if outside.load(Relaxed) || window_offsets(x, level, (lo, span), start, out) {
                outside.store(true, Relaxed);
                out.fill(u32::MAX);
            }
        };
        let done = f(span as usize + 1, &decode);
        if !outside.into_inner() {
            return Ok(done);
        }
    }
    let (lo, hi) = each_labels!(x, s => key_range(s, Arg::P, options))?;
    let span = hi - lo;
    if span >= max_span {
        let coded = coded(x, Arg::P, Some((lo, hi)), options)?;
        return Ok(f(coded.counts.len(), &|start, out| {
            coded.decode(start, out)
        }));
    }
    // Every key is inside the scanned range.
    let decode = |start: usize, out: &mut [u32]| {
        window_offsets(x, level, (lo, span), start, out);
    };
    Ok(f(span as usize + 1, &decode))
}

/// Runs of keys read to guess the range of all of them, and their length.
const SAMPLE_RUNS: usize = 32;
const SAMPLE_RUN: usize = 256;

/// A window of keys, (smallest, span), around the range of runs of keys spread evenly over `x`
/// (its first and last keys included), widened by a margin; `None` when a sampled key is NaN.
fn sampled_window<T: Label>(x: &[T]) -> Option<(u64, u64)> {
    let n = x.len();
    let runs = SAMPLE_RUNS.min(n.div_ceil(SAMPLE_RUN));
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for r in 0..runs {
        // From the first run at 0 to the last ending at n.
        let start = if runs == 1 {
            0
        } else {
            (n - SAMPLE_RUN.min(n)) * r / (runs - 1)
        };
        for &v in &x[start..(start + SAMPLE_RUN).min(n)] {
            if v.is_nan() {
                return None;
            }
            lo = lo.min(v.key());
            hi = hi.max(v.key());
        }
    }
    let margin = ((hi - lo) / 16).max(16);
    let (lo, hi) = (lo.saturating_sub(margin), hi.saturating_add(margin));
    Some((lo, hi - lo))
}

/// [`WindowOffsets`] of the keys `start..start + out.len()` of `x` at SIMD level `level`, with
/// `window` = (lo, span): whether one is NaN or outside it.
fn window_offsets(
    x: Labels<'_>,
    level: crate::simd::SimdLevel,
    (lo, span): (u64, u64),
    start: usize,
    out: &mut [u32],
) -> bool {
    each_labels!(x, s => crate::simd::dispatch(level, WindowOffsets {
        keys: &s[start..],
        lo,
        span,
        out: &mut *out,
    }))
}

/// Codes `key - lo` of the keys `start..start + out.len()`, and whether one is NaN or outside
/// `lo..=lo + span`: branch-free, run under the SIMD level's target features so that it
/// vectorizes.
struct WindowOffsets<'a, T> {
    keys: &'a [T],
    lo: u64,
    span: u64,
    out: &'a mut [u32],
}

impl<T: Label> crate::simd::SimdTask for WindowOffsets<'_, T> {
    type Output = bool;
    #[inline(always)]
    fn run<L: crate::simd::Level>(self) -> bool {
        let (lo, span) = (self.lo, self.span);
        let mut outside = 0u64;
        for (o, &v) in self.out.iter_mut().zip(self.keys) {
            let offset = v.key().wrapping_sub(lo);
            outside |= u64::from(offset > span) | u64::from(v.is_nan());
            *o = offset as u32;
        }
        outside != 0
    }
}

fn coded<'a>(
    x: Labels<'a>,
    arg: Arg,
    known_range: Option<(u64, u64)>,
    options: &Options,
) -> Result<Coded<'a>, KernelError> {
    let (lookup, counts) = each_labels!(x, s => factorize(s, arg, true, known_range, options))?;
    Ok(Coded {
        data: x,
        lookup: lookup.expect("a lookup was asked for"),
        counts,
    })
}

fn arg_name(arg: Arg) -> &'static str {
    match arg {
        Arg::P => "x",
        Arg::Q => "y",
    }
}

/// Sum of `x` by pairwise halving down to runs of 32 (added by four interleaved accumulators):
/// an error of O(log n) ulps rather than O(n), in an order fixed by the length alone.
fn pairwise_sum(x: &[f64]) -> f64 {
    if x.len() <= 32 {
        let mut acc = [0.0f64; 4];
        let mut quads = x.chunks_exact(4);
        for q in &mut quads {
            for k in 0..4 {
                acc[k] += q[k];
            }
        }
        for (k, v) in quads.remainder().iter().enumerate() {
            acc[k] += v;
        }
        return (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
    let half = x.len() / 2;
    pairwise_sum(&x[..half]) + pairwise_sum(&x[half..])
}

/// Sum over items `0..len` in fixed blocks of `SUM_BLOCK`: each block gathers up to SUM_BLOCK
/// (weight, ratio) pairs through `gather`, and adds weight * ln(ratio); block sums are added in
/// a fixed pairwise order. The result does not depend on the number of threads.
fn weighted_log_sum<G>(len: usize, gather: G, options: &Options) -> Result<f64, KernelError>
where
    G: Fn(Range<usize>, &mut Vec<f64>, &mut Vec<f64>) + Sync,
{
    let level = options.level;
    let block = |b: usize| {
        let mut weights = Vec::with_capacity(SUM_BLOCK);
        let mut ratios = Vec::with_capacity(SUM_BLOCK);
        gather(
            b * SUM_BLOCK..((b + 1) * SUM_BLOCK).min(len),
            &mut weights,
            &mut ratios,
        );
        let mut terms = vec![0.0; ratios.len()];
        ln_slice(level, &ratios, &mut terms);
        for (t, w) in terms.iter_mut().zip(&weights) {
            *t *= w;
        }
        pairwise_sum(&terms)
    };
    let blocks = len.div_ceil(SUM_BLOCK);
    let sums: Vec<f64> = if blocks <= 1 || !options.parallel {
        (0..blocks).map(block).collect()
    } else {
        run(true, || (0..blocks).into_par_iter().map(block).collect())?
    };
    Ok(pairwise_sum(&sums))
}

/// Plug-in entropy, in nats, of the label counts `counts` (all positive).
pub fn entropy_from_counts(counts: &[u64], options: &Options) -> Result<f64, KernelError> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return Err(KernelError::Layout(
            "entropy of an empty label array is undefined".into(),
        ));
    }
    if counts.len() == 1 {
        return Ok(0.0);
    }
    let nf = n as f64;
    let sum = weighted_log_sum(
        counts.len(),
        |r, w, q| {
            for &c in &counts[r] {
                let c = c as f64;
                w.push(c);
                q.push(nf / c);
            }
        },
        options,
    )?;
    Ok((sum / nf).max(0.0))
}

/// Plug-in entropy, in nats, of the empirical distribution of the labels `x`.
///
/// Errors: an empty array, or a NaN label (naming its position).
pub fn entropy_labels(x: Labels<'_>, options: &Options) -> Result<f64, KernelError> {
    if x.is_empty() {
        return Err(KernelError::Layout(
            "entropy of an empty label array is undefined".into(),
        ));
    }
    entropy_from_counts(&label_counts(x, options)?, options)
}

/// The sum over nonzero cells of n_ij ln(N n_ij / (a_i b_j)), cell `index` = i * ky + j, from
/// cells `(index, n_ij)` in ascending index order.
fn mi_from_cells(
    cells: &[(u64, u64)],
    a: &[u64],
    b: &[u64],
    n: f64,
    options: &Options,
) -> Result<f64, KernelError> {
    let ky = b.len() as u64;
    weighted_log_sum(
        cells.len(),
        |r, w, q| {
            for &(index, c) in &cells[r] {
                let (i, j) = ((index / ky) as usize, (index % ky) as usize);
                let c = c as f64;
                w.push(c);
                q.push(n * c / (a[i] as f64 * b[j] as f64));
            }
        },
        options,
    )
}

/// As `mi_from_cells`, from a dense row-major (kx, ky) table of counts.
fn mi_from_table(
    table: &[u32],
    a: &[u64],
    b: &[u64],
    n: f64,
    options: &Options,
) -> Result<f64, KernelError> {
    let ky = b.len();
    weighted_log_sum(
        table.len(),
        |r, w, q| {
            let start = r.start;
            for (off, &c) in table[r].iter().enumerate() {
                if c != 0 {
                    let index = start + off;
                    let (i, j) = (index / ky, index % ky);
                    let c = c as f64;
                    w.push(c);
                    q.push(n * c / (a[i] as f64 * b[j] as f64));
                }
            }
        },
        options,
    )
}

/// The contingency counts of two code arrays, as a dense table or as sorted sparse cells.
enum Contingency {
    Dense(Vec<u32>),
    Sparse(Vec<(u64, u64)>),
}

/// Counts the pairs of codes of entries `r` into `add(code_x, code_y)`, decoding a batch at a time.
#[inline(always)]
fn count_pairs(x: &Coded<'_>, y: &Coded<'_>, r: Range<usize>, mut add: impl FnMut(u32, u32)) {
    const BATCH: usize = 2048;
    let mut bx = [0u32; BATCH];
    let mut by = [0u32; BATCH];
    let mut start = r.start;
    while start < r.end {
        let len = BATCH.min(r.end - start);
        x.decode(start, &mut bx[..len]);
        y.decode(start, &mut by[..len]);
        for (&i, &j) in bx[..len].iter().zip(&by[..len]) {
            add(i, j);
        }
        start += len;
    }
}

fn contingency(
    x: &Coded<'_>,
    y: &Coded<'_>,
    n: usize,
    options: &Options,
) -> Result<Contingency, KernelError> {
    let ky = y.counts.len();
    let cells = x.counts.len().saturating_mul(ky);
    if cells <= DENSE_CELLS && cells <= n.saturating_mul(4).max(1 << 16) && n <= u32::MAX as usize {
        let parts = split(n, count_parts(n, options, (TABLE_BUDGET / cells).max(1)));
        let count = |r: Range<usize>| {
            let mut table = vec![0u32; cells];
            count_pairs(x, y, r, |i, j| table[i as usize * ky + j as usize] += 1);
            table
        };
        let tables: Vec<Vec<u32>> = if parts.len() == 1 {
            vec![count(parts[0].clone())]
        } else {
            run(options.parallel, || {
                parts.into_par_iter().map(count).collect()
            })?
        };
        return Ok(Contingency::Dense(add_tables(tables, options)?));
    }
    // Too many cells for a table: sort the pair keys i * ky + j and count runs. A radix sort
    // costs a few sequential passes whatever the number of distinct cells, where hash maps slow
    // down badly once they outgrow the cache; and the cells come out in ascending key order.
    let bits = u64::BITS - (cells as u64 - 1).leading_zeros();
    let cells = if bits <= 32 {
        runs(radix_sort(
            pair_keys::<u32>(x, y, n, options)?,
            bits,
            options.parallel,
        )?)
    } else {
        runs(radix_sort(
            pair_keys::<u64>(x, y, n, options)?,
            bits,
            options.parallel,
        )?)
    };
    Ok(Contingency::Sparse(cells))
}

/// An item of a radix sort, ordered by an unsigned key.
trait RadixKey: Copy + Default + Send + Sync {
    fn key(self) -> u64;
}

/// A key of a cell of the contingency table, i * ky + j.
trait PairKey: RadixKey + PartialEq {
    fn from_pair(i: u32, j: u32, ky: u64) -> Self;
}

impl RadixKey for u32 {
    #[inline(always)]
    fn key(self) -> u64 {
        self as u64
    }
}

impl PairKey for u32 {
    #[inline(always)]
    fn from_pair(i: u32, j: u32, ky: u64) -> Self {
        (i as u64 * ky + j as u64) as u32
    }
}

impl RadixKey for u64 {
    #[inline(always)]
    fn key(self) -> u64 {
        self
    }
}

impl PairKey for u64 {
    #[inline(always)]
    fn from_pair(i: u32, j: u32, ky: u64) -> Self {
        i as u64 * ky + j as u64
    }
}

/// A label key with the index of its entry.
#[derive(Clone, Copy, Default)]
struct Tagged {
    key: u64,
    index: u32,
}

impl RadixKey for Tagged {
    #[inline(always)]
    fn key(self) -> u64 {
        self.key
    }
}

/// The cell key i * ky + j of every entry, built in parallel blocks.
fn pair_keys<K: PairKey>(
    x: &Coded<'_>,
    y: &Coded<'_>,
    n: usize,
    options: &Options,
) -> Result<Vec<K>, KernelError> {
    let ky = y.counts.len() as u64;
    let mut keys = vec![K::default(); n];
    let fill = |(b, out): (usize, &mut [K])| {
        let start = b * MAP_BLOCK;
        let mut k = 0;
        count_pairs(x, y, start..start + out.len(), |i, j| {
            out[k] = K::from_pair(i, j, ky);
            k += 1;
        });
    };
    if n < SERIAL_LABELS || !options.parallel {
        keys.chunks_mut(MAP_BLOCK).enumerate().for_each(fill);
    } else {
        run(true, || {
            keys.par_chunks_mut(MAP_BLOCK).enumerate().for_each(fill)
        })?;
    }
    Ok(keys)
}

/// Sorts items with keys below 2^bits: by least-significant-digit radix in passes of at most 11
/// bits (the histograms of all passes from one reading pass) when four passes do.
fn radix_sort<K: RadixKey>(
    mut keys: Vec<K>,
    bits: u32,
    parallel: bool,
) -> Result<Vec<K>, KernelError> {
    let passes = bits.div_ceil(11).max(1) as usize;
    if passes > 4 {
        // Wide keys: a comparison sort (pdqsort) beats five or six passes over the data.
        // Equal keys are equal items wherever order matters, so stability is not needed.
        if parallel && keys.len() >= SERIAL_LABELS {
            run(true, || keys.par_sort_unstable_by_key(|k| k.key()))?;
        } else {
            keys.sort_unstable_by_key(|k| k.key());
        }
        return Ok(keys);
    }
    let width = bits.div_ceil(passes as u32).max(1);
    let mask = (1u64 << width) - 1;
    let buckets = 1usize << width;
    let mut histograms = vec![0usize; passes * buckets];
    for &k in &keys {
        let key = k.key();
        for (p, h) in histograms.chunks_exact_mut(buckets).enumerate() {
            h[((key >> (p as u32 * width)) & mask) as usize] += 1;
        }
    }
    let mut scratch = vec![K::default(); keys.len()];
    for (p, offsets) in histograms.chunks_exact_mut(buckets).enumerate() {
        if offsets.contains(&keys.len()) {
            continue; // every key has the same digit here: the pass would not move anything
        }
        let mut total = 0;
        for o in offsets.iter_mut() {
            let c = *o;
            *o = total;
            total += c;
        }
        let shift = p as u32 * width;
        for &k in &keys {
            let d = ((k.key() >> shift) & mask) as usize;
            scratch[offsets[d]] = k;
            offsets[d] += 1;
        }
        std::mem::swap(&mut keys, &mut scratch);
    }
    Ok(keys)
}

/// (key, count) of each run of equal keys in sorted `keys`.
fn runs<K: PairKey>(keys: Vec<K>) -> Vec<(u64, u64)> {
    let mut cells: Vec<(u64, u64)> = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let k = keys[i];
        let mut j = i + 1;
        while j < keys.len() && keys[j] == k {
            j += 1;
        }
        cells.push((k.key(), (j - i) as u64));
        i = j;
    }
    cells
}

/// Mutual information, in nats, of two factorized arrays of `n` entries each.
fn mutual_information_coded(
    x: &Coded<'_>,
    y: &Coded<'_>,
    n: usize,
    options: &Options,
) -> Result<f64, KernelError> {
    if x.counts.len() == 1 || y.counts.len() == 1 {
        // One variable is constant: the MI is exactly 0 (as scikit-learn returns).
        return Ok(0.0);
    }
    let nf = n as f64;
    let sum = match contingency(x, y, n, options)? {
        Contingency::Dense(table) => mi_from_table(&table, &x.counts, &y.counts, nf, options)?,
        Contingency::Sparse(cells) => mi_from_cells(&cells, &x.counts, &y.counts, nf, options)?,
    };
    Ok((sum / nf).max(0.0))
}

/// Mutual information, in nats, of two label arrays of equal length: the plug-in estimate from
/// their contingency table (scikit-learn's `mutual_info_score`).
///
/// Errors: lengths that differ, empty arrays, a NaN label (naming the array and position).
pub fn mutual_information_labels(
    x: Labels<'_>,
    y: Labels<'_>,
    options: &Options,
) -> Result<f64, KernelError> {
    if x.len() != y.len() {
        return Err(KernelError::Layout(format!(
            "x has {} labels and y has {}; they must have equal lengths",
            x.len(),
            y.len()
        )));
    }
    if x.is_empty() {
        return Err(KernelError::Layout(
            "mutual information of empty label arrays is undefined".into(),
        ));
    }
    let cx = coded(x, Arg::P, None, options)?;
    let cy = coded(y, Arg::Q, None, options)?;
    mutual_information_coded(&cx, &cy, x.len(), options)
}

/// Codes for the fixed-width records of `data` (`width` bytes each, e.g. NumPy `S`/`U` strings),
/// numbered by first appearance, and the number of distinct records. Equal records get equal
/// codes; the numbering does not depend on the number of threads.
pub fn factorize_records(
    data: &[u8],
    width: usize,
    options: &Options,
) -> Result<(Vec<u32>, usize), KernelError> {
    if width == 0 {
        // Zero-width strings are all the empty string.
        return Err(KernelError::Layout("records of width 0".into()));
    }
    if !data.len().is_multiple_of(width) {
        return Err(KernelError::Layout(format!(
            "{} bytes do not form records of {width}",
            data.len()
        )));
    }
    let n = data.len() / width;
    let parts = split(n, count_parts(n, options, usize::MAX));
    // Each chunk numbers its records by first appearance within the chunk.
    let local = |r: Range<usize>| {
        let mut map: FastMap<&[u8], u32> = FastMap::default();
        let mut firsts: Vec<&[u8]> = Vec::new();
        let codes: Vec<u32> = data[r.start * width..r.end * width]
            .chunks_exact(width)
            .map(|rec| {
                *map.entry(rec).or_insert_with(|| {
                    firsts.push(rec);
                    (firsts.len() - 1) as u32
                })
            })
            .collect();
        (codes, firsts)
    };
    let chunks: Vec<(Vec<u32>, Vec<&[u8]>)> = if parts.len() == 1 {
        vec![local(parts[0].clone())]
    } else {
        run(options.parallel, || {
            parts.clone().into_par_iter().map(local).collect()
        })?
    };
    // Chunks merged in order: global numbers follow first appearance in the whole array.
    let mut global: FastMap<&[u8], u32> = FastMap::default();
    let mut remaps: Vec<Vec<u32>> = Vec::with_capacity(chunks.len());
    for (_, firsts) in &chunks {
        let remap = firsts
            .iter()
            .map(|rec| {
                let next = global.len() as u32;
                *global.entry(rec).or_insert(next)
            })
            .collect();
        remaps.push(remap);
    }
    if global.len() > u32::MAX as usize {
        return Err(KernelError::Layout(format!(
            "{} distinct labels; at most {} are supported",
            global.len(),
            u32::MAX
        )));
    }
    let distinct = global.len();
    let mut codes: Vec<u32> = Vec::with_capacity(n);
    for ((local_codes, _), remap) in chunks.iter().zip(&remaps) {
        codes.extend(local_codes.iter().map(|&c| remap[c as usize]));
    }
    Ok((codes, distinct))
}
