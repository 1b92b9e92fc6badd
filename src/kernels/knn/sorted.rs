//! The one-dimensional fast path: values sorted once, then neighbour distances by merging the
//! two sides of a position and counts within a radius by galloping from it.
//!
//! Distances are the float differences `|a - b|` a tree or brute force would compute, and float
//! subtraction is monotone, so along the sorted order they grow on each side of a position:
//! a merge of the two sides and a search for where they pass the radius give exactly the
//! brute-force answers (ties included).

/// Values in ascending order beside the input position of each.
pub struct Sorted {
    pub values: Vec<f64>,
    pub rows: Vec<usize>,
}

impl Sorted {
    /// `values` sorted (ties by position, so the order depends on the data only). The values
    /// must not be NaN.
    pub fn new(values: impl Iterator<Item = f64>) -> Sorted {
        let keyed: Vec<(u64, usize)> = values.enumerate().map(|(i, v)| (order_key(v), i)).collect();
        let keyed = radix_sort(keyed);
        let rows = keyed.iter().map(|p| p.1).collect();
        let values = keyed.iter().map(|p| from_order_key(p.0)).collect();
        Sorted { values, rows }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// The distance from the value at sorted position `p` to its `k`-th nearest other value
    /// (`k <= len - 1`).
    pub fn kth_from_member(&self, p: usize, k: usize) -> f64 {
        let s = &self.values;
        let v = s[p];
        self.merge(v, p, p + 1, k)
    }

    /// The distance from `v` to its `k`-th nearest value (`k <= len`).
    pub fn kth_from_point(&self, v: f64, k: usize) -> f64 {
        let at = self.values.partition_point(|&x| x < v);
        self.merge(v, at, at, k)
    }

    /// Takes `k` values nearest first from the left run ending before `left` and the right run
    /// starting at `right`; returns the last distance taken.
    #[inline]
    fn merge(&self, v: f64, left: usize, right: usize, k: usize) -> f64 {
        let s = &self.values;
        let (mut l, mut r) = (left, right);
        let mut last = f64::INFINITY;
        for _ in 0..k {
            let dl = if l > 0 { v - s[l - 1] } else { f64::INFINITY };
            let dr = if r < s.len() { s[r] - v } else { f64::INFINITY };
            if dl <= dr {
                last = dl;
                l -= 1;
            } else {
                last = dr;
                r += 1;
            }
        }
        last
    }

    /// How many values are at distance <= `r` from the value at sorted position `p`
    /// (itself included).
    pub fn count_within(&self, p: usize, r: f64) -> usize {
        let s = &self.values;
        let v = s[p];
        // The last index with s[i] - v <= r, searched rightwards from p; the first with
        // v - s[i] <= r leftwards.
        let hi = gallop_right(s, p, |x| x - v <= r);
        let lo = gallop_left(s, p, |x| v - x <= r);
        hi - lo
    }
}

/// With `ok` true on `s[from]` and on a run after it, the end of that run (exclusive): an
/// exponential search from `from`, then a binary search in the last step.
#[inline]
fn gallop_right(s: &[f64], from: usize, ok: impl Fn(f64) -> bool) -> usize {
    let n = s.len();
    let mut step = 1;
    let mut good = from; // s[good] is ok
    loop {
        let probe = good + step;
        if probe >= n {
            break;
        }
        if ok(s[probe]) {
            good = probe;
            step *= 2;
        } else {
            // The run ends in (good, probe].
            return good + 1 + s[good + 1..probe].partition_point(|&x| ok(x));
        }
    }
    good + 1 + s[good + 1..].partition_point(|&x| ok(x))
}

/// With `ok` true on `s[from]` and on a run before it, the start of that run.
#[inline]
fn gallop_left(s: &[f64], from: usize, ok: impl Fn(f64) -> bool) -> usize {
    let mut step = 1;
    let mut good = from;
    loop {
        if step > good {
            break;
        }
        let probe = good - step;
        if ok(s[probe]) {
            good = probe;
            step *= 2;
        } else {
            // The run starts in (probe, good].
            return probe + 1 + s[probe + 1..good].partition_point(|&x| !ok(x));
        }
    }
    s[..good].partition_point(|&x| !ok(x))
}

/// The bits of `v` as an integer that sorts as the floats do (negatives reversed below the
/// positives; -0.0 just below 0.0, which the distances treat as equal).
#[inline]
fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[inline]
fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Stable LSD radix sort by key, 16 bits a pass (a pass whose digit is the same everywhere is
/// skipped): a few linear passes where a comparison sort of 1e5 pairs costs several times more.
fn radix_sort(mut items: Vec<(u64, usize)>) -> Vec<(u64, usize)> {
    const BITS: u32 = 16;
    if items.len() < 1 << 14 {
        // Below this the counter passes cost more than a comparison sort (the pairs are
        // distinct, so the unstable sort is as deterministic).
        items.sort_unstable();
        return items;
    }
    let mut other = vec![(0u64, 0usize); items.len()];
    let mut counts = vec![0usize; 1 << BITS];
    for pass in 0..64 / BITS {
        let shift = pass * BITS;
        let digit = |key: u64| ((key >> shift) & ((1 << BITS) - 1)) as usize;
        counts.fill(0);
        for item in &items {
            counts[digit(item.0)] += 1;
        }
        if counts.contains(&items.len()) {
            continue;
        }
        let mut total = 0;
        for c in counts.iter_mut() {
            let here = *c;
            *c = total;
            total += here;
        }
        for item in &items {
            let slot = &mut counts[digit(item.0)];
            other[*slot] = *item;
            *slot += 1;
        }
        std::mem::swap(&mut items, &mut other);
    }
    items
}
