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
        let mut pairs: Vec<(f64, usize)> = values.enumerate().map(|(i, v)| (v, i)).collect();
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let rows = pairs.iter().map(|p| p.1).collect();
        // -0.0 and 0.0 are equal values here (total_cmp only ordered them).
        let values = pairs.iter().map(|p| p.0).collect();
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
