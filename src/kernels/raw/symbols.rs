//! The entropy of the value counts of integer symbols of any width, for any number of distinct
//! values.
//!
//! Values are scattered into 256 buckets by the top byte of a hash (each bucket then holds a
//! few thousand distinct values for a million in all, so its hash table stays in cache), and
//! each bucket is counted with an open-addressing table. Segments and buckets are fixed (not
//! per thread) and scattered in segment order, so the counts come out in the same order on any
//! number of threads, and so does their entropy's sum.

use super::entropy_of_counts;
use crate::error::KernelError;
use crate::kernels::options::check_base;
use crate::kernels::Options;
use crate::parallel::{self, Work};

/// Values per scatter task.
const SEGMENT: usize = 1 << 20;
const BUCKET_BITS: u32 = 8;
const BUCKETS: usize = 1 << BUCKET_BITS;

/// An integer symbol, as a 64-bit key (distinct values give distinct keys).
pub trait Symbol: Copy + Send + Sync {
    fn key(self) -> u64;
}

macro_rules! symbol_via_as {
    ($($t:ty),*) => {$(
        impl Symbol for $t {
            #[inline(always)]
            fn key(self) -> u64 {
                self as u64
            }
        }
    )*};
}
symbol_via_as!(i8, i16, i32, i64, u8, u16, u32, u64, bool);

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

/// Open addressing with linear probing; a zero count marks an empty slot.
struct Table {
    keys: Vec<u64>,
    counts: Vec<u64>,
    used: usize,
    shift: u32,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        let slots = (2 * n.max(8)).next_power_of_two();
        Table {
            keys: vec![0; slots],
            counts: vec![0; slots],
            used: 0,
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// Counts `by` more of `key`, a value already mixed (`mix` is a bijection of u64, so
    /// counting mixed values counts the values).
    #[inline(always)]
    fn add(&mut self, key: u64, by: u64) {
        let mask = self.keys.len() - 1;
        // Bits below the bucket byte, which is the same for every key of a bucket.
        let mut slot = ((key << BUCKET_BITS) >> self.shift) as usize;
        loop {
            if self.counts[slot] == 0 {
                self.keys[slot] = key;
                self.counts[slot] = by;
                self.used += 1;
                if 2 * self.used > self.keys.len() {
                    self.grow();
                }
                return;
            }
            if self.keys[slot] == key {
                self.counts[slot] += by;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, Table::with_capacity(self.keys.len()));
        for (&k, &c) in old.keys.iter().zip(&old.counts) {
            if c > 0 {
                self.add(k, c);
            }
        }
    }

    /// Empties the table and sizes it for `n` values, as `with_capacity(n)` would, reusing its
    /// memory: fresh 128 KiB tables per bucket cost a page fault per 4 KiB. The size depends
    /// only on `n`, so the order of the counts depends only on the bucket.
    fn reset(&mut self, n: usize) {
        let slots = (2 * n.max(8)).next_power_of_two();
        self.keys.truncate(slots);
        self.keys.resize(slots, 0);
        self.counts.clear();
        self.counts.resize(slots, 0);
        self.used = 0;
        self.shift = 64 - slots.trailing_zeros();
    }

    fn counts(&self) -> Vec<u64> {
        self.counts.iter().copied().filter(|&c| c > 0).collect()
    }
}

/// A raw pointer to the scatter buffer: tasks write disjoint ranges of it.
#[derive(Clone, Copy)]
struct Scatter(*mut u64);
// SAFETY: every task writes only the slots its precomputed offsets give it (disjoint ranges).
unsafe impl Send for Scatter {}
// SAFETY: as above.
unsafe impl Sync for Scatter {}

impl Scatter {
    /// Slot `i` (a method, so closures capture the whole `Scatter`, not its raw pointer).
    ///
    /// # Safety
    /// `i` must be inside the buffer.
    unsafe fn at(&self, i: usize) -> *mut u64 {
        // SAFETY: the caller keeps `i` inside the buffer.
        unsafe { self.0.add(i) }
    }
}

/// The counts of the distinct values of `x`, in an order that depends only on `x`.
pub fn symbol_counts<T: Symbol>(x: &[T], options: &Options) -> Result<Vec<u64>, KernelError> {
    let n = x.len();
    let segments = n.div_ceil(SEGMENT);
    let seg = |s: usize| &x[s * SEGMENT..((s + 1) * SEGMENT).min(n)];
    let work = Work::new(segments, SEGMENT.min(n));
    // Pass 1: the size of each bucket in each segment.
    let mut sizes = vec![[0usize; BUCKETS]; segments];
    let size_task = |first: usize, _count: usize, out: &mut [[usize; BUCKETS]], _: bool| {
        for (i, sizes) in out.iter_mut().enumerate() {
            for &v in seg(first + i) {
                sizes[bucket_of(mix(v.key()))] += 1;
            }
        }
        None::<()>
    };
    parallel::schedule(work, options.parallel, sizes.as_mut_slice(), &size_task)?;
    // Where each segment writes each bucket: buckets one after another, segments in order.
    let mut starts = vec![0usize; BUCKETS + 1];
    let mut offsets = vec![[0usize; BUCKETS]; segments];
    let mut at = 0;
    for b in 0..BUCKETS {
        starts[b] = at;
        for s in 0..segments {
            offsets[s][b] = at;
            at += sizes[s][b];
        }
    }
    starts[BUCKETS] = at;
    // Pass 2: scatter the mixed values.
    let mut keys = vec![0u64; n];
    let target = Scatter(keys.as_mut_ptr());
    let scatter_task = |first: usize, _count: usize, out: &mut [[usize; BUCKETS]], _: bool| {
        for (i, offsets) in out.iter_mut().enumerate() {
            for &v in seg(first + i) {
                let key = mix(v.key());
                let b = bucket_of(key);
                // SAFETY: offsets[b] stays inside this segment's range of bucket b (pass 1
                // counted exactly these values), within `keys`.
                unsafe { *target.at(offsets[b]) = key };
                offsets[b] += 1;
            }
        }
        None::<()>
    };
    parallel::schedule(
        work,
        options.parallel,
        offsets.as_mut_slice(),
        &scatter_task,
    )?;
    // Pass 3: count each bucket.
    let mut counted: Vec<Vec<u64>> = vec![Vec::new(); BUCKETS];
    let count_task = |first: usize, _count: usize, out: &mut [Vec<u64>], _: bool| {
        let mut table = Table::with_capacity(1 << 12);
        for (i, slot) in out.iter_mut().enumerate() {
            let b = first + i;
            let bucket = &keys[starts[b]..starts[b + 1]];
            // Sized for a bucket of mostly repeated values; grows when they are not.
            table.reset(bucket.len().min(1 << 12));
            for &k in bucket {
                table.add(k, 1);
            }
            *slot = table.counts();
        }
        None::<()>
    };
    parallel::schedule(
        Work::new(BUCKETS, n.div_ceil(BUCKETS).max(1)),
        options.parallel,
        counted.as_mut_slice(),
        &count_task,
    )?;
    Ok(counted.concat())
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
