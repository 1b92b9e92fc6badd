//! The entropy of the value counts of integer symbols of any width, for any number of distinct
//! values.
//!
//! Values of the form `lo + k * step` with few k (small integer types, codes, multiples of a
//! unit) are counted directly in an array per thread, in the order of k: one pass finds lo, the
//! step and the span (vectorised, stopping early on values that do not fit), one pass counts.
//! Integer sums, so the counts do not depend on the thread count.
//!
//! Other values are hashed, in rounds of 16 million. Each round is partitioned, segment by segment (each
//! into its own part of one buffer, so no pass sizes the buckets first), into 1024 buckets by
//! the top bits of a hash, and each bucket is counted with an open-addressing table that a
//! task reuses from bucket to bucket (a million distinct values make about a thousand per
//! bucket, a table that stays in L1/L2). Each round leaves (key, count) pairs per bucket, merged
//! at the end when there are several rounds. Buckets see their values in the order of the data
//! whatever the thread count, so the counts come out in the same order on any number of
//! threads, and so does their entropy's sum. Rounds bound the buffer (the whole input's worth
//! would be 800 MB for 1e8 values).

use super::{entropy_of_counts, prefetch, Scratch};
use crate::error::KernelError;
use crate::kernels::options::check_base;
use crate::kernels::Options;
use crate::parallel::{self, Slots, Work};
use crate::simd::{dispatch, Level, SimdLevel, SimdTask};
use std::cell::RefCell;
use std::sync::Mutex;

/// Values per partitioned segment: its mixed keys stay in L1/L2 between its two passes.
const SEGMENT: usize = 1 << 16;
/// Values per round (a multiple of `SEGMENT`): the buffer's size (128 MiB), and few rounds, whose
/// (key, count) pairs are merged at the end.
const ROUND: usize = 1 << 24;
const BUCKET_BITS: u32 = 10;
const BUCKETS: usize = 1 << BUCKET_BITS;

/// An integer symbol, as a 64-bit key (distinct values give distinct keys).
pub trait Symbol: Copy + Send + Sync {
    fn key(self) -> u64;
    /// The value as a u64 in the same order (signed values offset by 2^63).
    fn rank(self) -> u64;
}

macro_rules! symbol_unsigned {
    ($($t:ty),*) => {$(
        impl Symbol for $t {
            #[inline(always)]
            fn key(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn rank(self) -> u64 {
                self as u64
            }
        }
    )*};
}
macro_rules! symbol_signed {
    ($($t:ty),*) => {$(
        impl Symbol for $t {
            #[inline(always)]
            fn key(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn rank(self) -> u64 {
                (self as i64 as u64) ^ (1 << 63)
            }
        }
    )*};
}
symbol_unsigned!(u8, u16, u32, u64, bool);
symbol_signed!(i8, i16, i32, i64);

#[inline(always)]
fn mix(key: u64) -> u64 {
    // The finaliser of splitmix64: every input bit moves the top byte and the table slot.
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline(always)]
fn bucket_of(mixed: u64) -> usize {
    (mixed >> (64 - BUCKET_BITS)) as usize
}

/// The mixed keys of a segment's values, at a SIMD level (64-bit lane products with AVX-512),
/// apart from the bucket counts, whose increments do not vectorise.
struct MixKeys<'a, T> {
    values: &'a [T],
    out: &'a mut [u64],
}

impl<T: Symbol> SimdTask for MixKeys<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<L: Level>(self) {
        for (k, &v) in self.out.iter_mut().zip(self.values) {
            *k = mix(v.key());
        }
    }
}

/// Open addressing with linear probing over (key, count) slots (one cache line per probe); a
/// zero count marks an empty slot.
struct Table {
    slots: Vec<[u64; 2]>,
    /// The slots filled, in the order they were: the pairs come out, and the table is emptied,
    /// in time proportional to the distinct values rather than to the slots (a sparse table
    /// probes faster, and clearing and scanning all of it for every bucket cost 10-15%).
    filled: Vec<u32>,
    shift: u32,
}

impl Table {
    fn with_slots(slots: usize) -> Table {
        Table {
            slots: vec![[0; 2]; slots],
            filled: Vec::new(),
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// Counts `by` more of `key`, a value already mixed (`mix` is a bijection of u64, so
    /// counting mixed values counts the values).
    #[inline(always)]
    fn add(&mut self, key: u64, by: u64) {
        let mask = self.slots.len() - 1;
        // Bits below the bucket byte, which is the same for every key of a bucket.
        let mut slot = ((key << BUCKET_BITS) >> self.shift) as usize;
        loop {
            let s = &mut self.slots[slot];
            if s[1] == 0 {
                *s = [key, by];
                self.filled.push(slot as u32);
                if 2 * self.filled.len() > self.slots.len() {
                    self.grow();
                }
                return;
            }
            if s[0] == key {
                s[1] += by;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, Table::with_slots(2 * self.slots.len()));
        for &i in &old.filled {
            let [k, c] = old.slots[i as usize];
            self.add(k, c);
        }
    }

    /// Empties the table and sizes it for about `n` values (a power of two of at most
    /// `TABLE_SLOTS` slots; it grows if they hold more distinct values), reusing its memory.
    fn reset(&mut self, n: usize) {
        for &i in &self.filled {
            self.slots[i as usize] = [0; 2];
        }
        self.filled.clear();
        let slots = (2 * n).next_power_of_two().clamp(16, TABLE_SLOTS);
        if slots != self.slots.len() {
            self.slots.clear();
            self.slots.resize(slots, [0; 2]);
            self.shift = 64 - slots.trailing_zeros();
        }
    }

    /// Appends the (key, count) pairs, in the order they were first seen.
    fn append_to(&self, pairs: &mut Vec<[u64; 2]>) {
        pairs.extend(self.filled.iter().map(|&i| self.slots[i as usize]));
    }
}

/// Slots a bucket's table starts with at most: 128 KiB, in L2. A million distinct values make
/// about a thousand per bucket, an eighth of the slots: fewer probes run past their first slot
/// (a branch miss each) than at 4096 slots, which was 4-6% slower at 1e8 values, or at 2048 (16%
/// slower). 16384 slots were 2-6% faster still on this machine's 2 MB L2, not kept: half of a
/// smaller L2.
const TABLE_SLOTS: usize = 1 << 13;

thread_local! {
    /// A thread's mixed keys of one segment and its bucket table, kept from piece to piece and
    /// call to call. Made per piece (a segment, or a bucket), they were fresh allocations the
    /// size of the allocator's mmap threshold, so each piece paid for the kernel zeroing new
    /// pages: 17% of a call's time went to `clear_page`.
    static SEGMENT_KEYS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    static BUCKET_TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's bucket table (emptied by [`Table::reset`] before each use).
fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    BUCKET_TABLE.with_borrow_mut(|table| f(table.get_or_insert_with(|| Table::with_slots(16))))
}

/// Where each bucket of a segment starts in its part of the buffer (and where the last ends).
type Bounds = [u32; BUCKETS + 1];

/// The counts of the distinct values of `x`, in an order that depends only on `x`.
pub fn symbol_counts<T: Symbol>(x: &[T], options: &Options) -> Result<Vec<u64>, KernelError> {
    if let Some((lo, div, slots)) = affine(x, options)? {
        return dense_counts(x, lo, div, slots, options);
    }
    counts_in_rounds(x, options, ROUND)
}
/// Most slots of the direct count array (8 MiB of u16 per task).
const DENSE_MAX: usize = 1 << 22;

/// Values whose slots are prefetched a block ahead of their increments.
const PREFETCHED: usize = 32;

/// Asks for every cache line of `keys`.
#[inline(always)]
fn prefetch_all(keys: &[u64]) {
    for i in (0..keys.len()).step_by(8) {
        prefetch(keys, i);
    }
}

/// Pieces of a bucket (one per segment) asked for ahead of their count.
const PIECES_AHEAD: usize = 2;

/// Exact division by a non-zero `g`, and the test whether it divides, by an odd inverse:
/// `d / g == (d >> t) * inverse` (mod 2^64) when g = o 2^t divides d, and d is a multiple of
/// the odd o exactly when that product is at most (2^64 - 1) / o.
#[derive(Clone, Copy)]
struct Divisor {
    g: u64,
    t: u32,
    inverse: u64,
    limit: u64,
}

impl Divisor {
    fn new(g: u64) -> Divisor {
        let t = g.trailing_zeros();
        let odd = g >> t;
        // Newton's iteration doubles the correct low bits: 3, 6, 12, 24, 48, 96.
        let mut inverse = odd;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
        }
        Divisor {
            g,
            t,
            inverse,
            limit: u64::MAX / odd,
        }
    }

    #[inline(always)]
    fn divides(self, d: u64) -> bool {
        d.trailing_zeros() >= self.t && (d >> self.t).wrapping_mul(self.inverse) <= self.limit
    }

    /// d / g, for a multiple d of g.
    #[inline(always)]
    fn quotient(self, d: u64) -> u64 {
        (d >> self.t).wrapping_mul(self.inverse)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The lowest and highest rank of a block, and whether some rank is not `r0` plus a multiple
/// of the divisor: branch-free, so that it vectorises at the SIMD level (64-bit lanes).
struct AffineBlock<'a, T> {
    part: &'a [T],
    r0: u64,
    div: Divisor,
}

impl<T: Symbol> SimdTask for AffineBlock<'_, T> {
    type Output = (u64, u64, bool);
    #[inline(always)]
    fn run<L: Level>(self) -> (u64, u64, bool) {
        let (r0, div) = (self.r0, self.div);
        let low_bits = (1u64 << div.t) - 1;
        let (mut lo, mut hi, mut bad) = (u64::MAX, 0u64, 0u64);
        for &v in self.part {
            let r = v.rank();
            lo = lo.min(r);
            hi = hi.max(r);
            let d = r.abs_diff(r0);
            let q = (d >> div.t).wrapping_mul(div.inverse);
            bad |= (d & low_bits) | u64::from(q > div.limit);
        }
        (lo, hi, bad != 0)
    }
}

/// The lowest rank, the largest step all ranks are apart by multiples of, and the highest
/// rank, of one segment; None when the ranks span more than `DENSE_MAX` steps.
fn affine_segment<T: Symbol>(part: &[T], level: SimdLevel) -> Option<(u64, u64, u64)> {
    let r0 = part[0].rank();
    let (mut lo, mut hi) = (r0, r0);
    // The first rank that differs gives a first step; later ones only ever shrink it.
    let Some(first) = part.iter().position(|v| v.rank() != r0) else {
        return Some((r0, 0, r0));
    };
    let mut div = Divisor::new(part[first].rank().abs_diff(r0));
    for block in part[first..].chunks(1 << 12) {
        let (l, h, bad) = dispatch(
            level,
            AffineBlock {
                part: block,
                r0,
                div,
            },
        );
        (lo, hi) = (lo.min(l), hi.max(h));
        if bad {
            // A smaller step (rare: at most 64 times): find it value by value.
            for &v in block {
                let d = v.rank().abs_diff(r0);
                if !div.divides(d) {
                    div = Divisor::new(gcd(div.g, d));
                }
            }
        }
        if (hi - lo) / div.g >= DENSE_MAX as u64 {
            return None;
        }
    }
    Some((lo, div.g, hi))
}

/// The values' lowest rank, step and number of steps when they are all `lo + k step` with
/// k < `DENSE_MAX` (and k < the count of values, bar small arrays): then a direct array counts
/// them, without hashing.
fn affine<T: Symbol>(
    x: &[T],
    options: &Options,
) -> Result<Option<(u64, Divisor, usize)>, KernelError> {
    if x.is_empty() {
        return Ok(None);
    }
    let segments = x.len().div_ceil(SEGMENT);
    let mut found: Vec<Option<(u64, u64, u64, u64)>> = vec![None; segments];
    let task = |first: usize, _count: usize, out: &mut [Option<(u64, u64, u64, u64)>], _| {
        for (i, slot) in out.iter_mut().enumerate() {
            let part = &x[(first + i) * SEGMENT..((first + i + 1) * SEGMENT).min(x.len())];
            match affine_segment(part, options.level) {
                Some((lo, g, hi)) => *slot = Some((lo, g, hi, part[0].rank())),
                None => return Some(()),
            }
        }
        None
    };
    if parallel::schedule(
        Work::new(segments, SEGMENT),
        options.parallel,
        found.as_mut_slice(),
        &task,
    )?
    .is_some()
    {
        return Ok(None);
    }
    let r0 = x[0].rank();
    let (mut lo, mut hi, mut g) = (u64::MAX, 0, 0);
    for &(l, step, h, first) in found.iter().flatten() {
        lo = lo.min(l);
        hi = hi.max(h);
        g = gcd(gcd(g, step), first.abs_diff(r0));
    }
    if g == 0 {
        return Ok(Some((lo, Divisor::new(1), 1)));
    }
    let steps = (hi - lo) / g;
    let most = DENSE_MAX.min(x.len().max(1 << 16)) as u64;
    Ok((steps < most).then(|| (lo, Divisor::new(g), steps as usize + 1)))
}

/// The counts of affine values (see [`affine`]), in the order of the values.
fn dense_counts<T: Symbol>(
    x: &[T],
    lo: u64,
    div: Divisor,
    slots: usize,
    options: &Options,
) -> Result<Vec<u64>, KernelError> {
    // One part per thread, each with its own array of u16 counts (half the cache of u32: a
    // million slots then stay in L2), a wrap carried to a second array that is allocated only
    // if some count reaches 2^16. Integer sums: the same counts on any thread count.
    let parts = parallel::num_threads();
    let per = x.len().div_ceil(parts);
    let total = Mutex::new(vec![0u64; slots]);
    let task = |first: usize, count: usize, _: (), _split: bool| {
        let mut local = vec![0u16; slots];
        let mut carries: Option<Vec<u64>> = None;
        // Slots a block ahead are prefetched: the array is in L2 at best, and increments that
        // wait for their line one after another fill the store buffer.
        let (mut now, mut ahead) = ([0u32; PREFETCHED], [0u32; PREFETCHED]);
        let mut pending = 0;
        for p in first..first + count {
            for block in x[(p * per).min(x.len())..((p + 1) * per).min(x.len())].chunks(PREFETCHED)
            {
                for (q, &v) in ahead.iter_mut().zip(block) {
                    *q = div.quotient(v.rank() - lo) as u32;
                }
                for &q in &ahead[..block.len()] {
                    prefetch(&local, q as usize);
                }
                for &q in &now[..pending] {
                    let q = q as usize;
                    local[q] = local[q].wrapping_add(1);
                    if local[q] == 0 {
                        carries.get_or_insert_with(|| vec![0; slots])[q] += 1 << 16;
                    }
                }
                (now, ahead, pending) = (ahead, now, block.len());
            }
        }
        for &q in &now[..pending] {
            let q = q as usize;
            local[q] = local[q].wrapping_add(1);
            if local[q] == 0 {
                carries.get_or_insert_with(|| vec![0; slots])[q] += 1 << 16;
            }
        }
        let mut total = total.lock().unwrap_or_else(|p| p.into_inner());
        for (t, &l) in total.iter_mut().zip(&local) {
            *t += u64::from(l);
        }
        if let Some(carries) = carries {
            for (t, &c) in total.iter_mut().zip(&carries) {
                *t += c;
            }
        }
        None::<()>
    };
    parallel::schedule(Work::new(parts, per), options.parallel, (), &task)?;
    let total = total.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(total.into_iter().filter(|&c| c > 0).collect())
}

/// [`symbol_counts`] with rounds of `round_size` values (a multiple of `SEGMENT`).
fn counts_in_rounds<T: Symbol>(
    x: &[T],
    options: &Options,
    round_size: usize,
) -> Result<Vec<u64>, KernelError> {
    let segment = SEGMENT;
    let round_max = x.len().min(round_size);
    let mut scratch = Scratch::zeroed(round_max.div_ceil(segment) * segment);
    let keys = scratch.as_mut_slice();
    let mut bounds = vec![[0u32; BUCKETS + 1]; round_max.div_ceil(segment)];
    // Each bucket's (key, count) pairs, round after round.
    let mut pairs: Vec<Vec<[u64; 2]>> = vec![Vec::new(); BUCKETS];
    for round in x.chunks(round_size) {
        let segments = round.len().div_ceil(segment);
        // Partition: mixed keys of each segment, bucket after bucket, in its own part.
        let partition = |first: usize, _count: usize, parts: (Slots<'_, u64>, &mut [Bounds]), _| {
            let (keys, bounds) = parts;
            SEGMENT_KEYS.with_borrow_mut(|scratch| {
                scratch.resize(segment, 0);
                for (i, (out, bounds)) in keys.data.chunks_mut(segment).zip(bounds).enumerate() {
                    let s = first + i;
                    let values = &round[s * segment..((s + 1) * segment).min(round.len())];
                    dispatch(
                        options.level,
                        MixKeys {
                            values,
                            out: &mut scratch[..values.len()],
                        },
                    );
                    let mut sizes = [0u32; BUCKETS];
                    for &k in &scratch[..values.len()] {
                        sizes[bucket_of(k)] += 1;
                    }
                    let mut at = 0;
                    for (b, &size) in bounds.iter_mut().zip(&sizes) {
                        *b = at;
                        at += size;
                    }
                    bounds[BUCKETS] = at;
                    let mut next = [0u32; BUCKETS];
                    next.copy_from_slice(&bounds[..BUCKETS]);
                    for &k in &scratch[..values.len()] {
                        let b = bucket_of(k);
                        // The next line of the bucket's run is asked for a line ahead of its first
                        // write, which would otherwise wait for it.
                        prefetch(out, next[b] as usize + 8);
                        out[next[b] as usize] = k;
                        next[b] += 1;
                    }
                }
            });
            None::<()>
        };
        let parts = (
            Slots::new(&mut keys[..segments * segment], segment),
            &mut bounds[..segments],
        );
        parallel::schedule(
            Work::new(segments, segment),
            options.parallel,
            parts,
            &partition,
        )?;
        // Count: each bucket's pieces, segment after segment, into a table of the task's that
        // stays in cache from bucket to bucket.
        let (keys, bounds) = (&keys, &bounds[..segments]);
        let count = |first: usize, _count: usize, out: &mut [Vec<[u64; 2]>], _| {
            with_table(|table| {
                let mut pieces = Vec::with_capacity(bounds.len());
                for (i, pairs) in out.iter_mut().enumerate() {
                    let b = first + i;
                    let len: u32 = bounds.iter().map(|r| r[b + 1] - r[b]).sum();
                    table.reset(len as usize);
                    pieces.clear();
                    pieces.extend(
                        keys.chunks(segment)
                            .zip(bounds)
                            .map(|(piece, r)| &piece[r[b] as usize..r[b + 1] as usize]),
                    );
                    // The pieces lie a segment apart, too far for the hardware prefetcher: each is
                    // asked for `PIECES_AHEAD` pieces before its turn (5-8% of the call).
                    for piece in pieces.iter().take(PIECES_AHEAD) {
                        prefetch_all(piece);
                    }
                    for (j, piece) in pieces.iter().enumerate() {
                        if let Some(ahead) = pieces.get(j + PIECES_AHEAD) {
                            prefetch_all(ahead);
                        }
                        for &k in piece.iter() {
                            table.add(k, 1);
                        }
                    }
                    table.append_to(pairs);
                }
            });
            None::<()>
        };
        parallel::schedule(
            Work::new(BUCKETS, round.len().div_ceil(BUCKETS)),
            options.parallel,
            pairs.as_mut_slice(),
            &count,
        )?;
    }
    if x.len() > round_size {
        // A value seen in several rounds has a pair from each: merge them, rounds in order.
        let merge = |_first: usize, _count: usize, out: &mut [Vec<[u64; 2]>], _| {
            with_table(|table| {
                for pairs in out.iter_mut() {
                    table.reset(pairs.len());
                    for &[k, c] in pairs.iter() {
                        table.add(k, c);
                    }
                    pairs.clear();
                    table.append_to(pairs);
                }
            });
            None::<()>
        };
        let distinct: usize = pairs.iter().map(Vec::len).sum();
        parallel::schedule(
            Work::new(BUCKETS, distinct.div_ceil(BUCKETS)),
            options.parallel,
            pairs.as_mut_slice(),
            &merge,
        )?;
    }
    Ok(pairs.iter().flatten().map(|p| p[1]).collect())
}

/// The plug-in entropy (nats, or in `base`) of the value counts of `x`; no values is a
/// `ZeroMass` error.
pub fn symbol_entropy<T: Symbol>(
    x: &[T],
    base: Option<f64>,
    options: &Options,
) -> Result<f64, KernelError> {
    check_base(base)?;
    let counts = symbol_counts(x, options)?;
    entropy_of_counts(&counts, base, options, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_merge_to_the_counts_of_one_round() {
        // 5.5 rounds of two segments; values repeat across rounds, and some appear in one only.
        let x: Vec<i64> = (0..11 * SEGMENT as i64)
            .map(|i| (i * 7919) % 100_003 - (i % 3) * (1 << 40))
            .collect();
        let options = Options::default();
        let mut one = counts_in_rounds(&x, &options, ROUND).unwrap();
        let mut many = counts_in_rounds(&x, &options, 2 * SEGMENT).unwrap();
        let mut naive = std::collections::HashMap::new();
        for &v in &x {
            *naive.entry(v).or_insert(0u64) += 1;
        }
        let mut naive: Vec<u64> = naive.into_values().collect();
        naive.sort_unstable();
        one.sort_unstable();
        assert_eq!(one, naive);
        many.sort_unstable();
        assert_eq!(one, many);
    }

    fn sorted_counts<T: Symbol + std::hash::Hash + Eq>(x: &[T]) -> (Vec<u64>, Vec<u64>) {
        let mut naive = std::collections::HashMap::new();
        for &v in x {
            *naive.entry(v).or_insert(0u64) += 1;
        }
        let mut naive: Vec<u64> = naive.into_values().collect();
        let mut got = symbol_counts(x, &Options::default()).unwrap();
        naive.sort_unstable();
        got.sort_unstable();
        (got, naive)
    }

    #[test]
    fn affine_values_are_counted_directly() {
        let options = Options::default();
        // Multiples of 7919 below zero, across segments: counted in an array of 1000 slots.
        let x: Vec<i64> = (0..3 * SEGMENT as i64)
            .map(|i| (i * 7 % 1000) * 7919 - (1 << 40))
            .collect();
        let (lo, div, slots) = affine(&x, &options).unwrap().unwrap();
        assert_eq!((lo, div.g, slots), ((-(1i64 << 40)).rank(), 7919, 1000));
        let (got, naive) = sorted_counts(&x);
        assert_eq!(got, naive);
        // The extremes of i64: one step of 2^64 - 1.
        let (got, naive) = sorted_counts(&[i64::MIN, i64::MAX, i64::MAX]);
        assert_eq!((got, naive), (vec![1, 2], vec![1, 2]));
        for x in [vec![3u8, 3, 3], vec![0u8, 255, 17, 17]] {
            let (got, naive) = sorted_counts(&x);
            assert_eq!(got, naive);
        }
        let (got, naive) = sorted_counts(&[true, false, true]);
        assert_eq!(got, naive);
        // Counts past 2^16 carry.
        let many: Vec<i16> = (0..200_000).map(|i| (i % 3 == 0) as i16 * 40 - 7).collect();
        let (got, naive) = sorted_counts(&many);
        assert_eq!(got, naive);
        // Wide values go to the hash tables.
        let wide: Vec<u64> = (0..SEGMENT as u64)
            .map(|i| ((i % 977) << 50) | (i % 5))
            .collect();
        assert!(affine(&wide, &options).unwrap().is_none());
        let (got, naive) = sorted_counts(&wide);
        assert_eq!(got, naive);
        // The same counts in the same order whether the pool runs or not, on both paths.
        for x in [&wide, &x.iter().map(|&v| v as u64).collect::<Vec<_>>()] {
            let pooled = symbol_counts(x, &options).unwrap();
            assert_eq!(pooled, symbol_counts(x, &options.serial()).unwrap());
            let rounds = counts_in_rounds(x, &options, SEGMENT).unwrap();
            assert_eq!(
                rounds,
                counts_in_rounds(x, &options.serial(), SEGMENT).unwrap()
            );
        }
    }
}
