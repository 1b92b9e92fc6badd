//! An exact k-d tree over `n` points of `d` coordinates (f64), built once and queried many times:
//! the distance to the k-th nearest neighbour and the number of points within a radius, under
//! the max (Chebyshev) norm or the Euclidean norm.
//!
//! Nodes split the widest side of their bounding box at the median; leaves hold at most
//! [`LEAF`] points, stored contiguously in tree order so a leaf scan reads one run of memory.
//! Pruning compares the query's distance to a node's bounding box with the current bound. The
//! box distance is computed with the same floating-point operations as a point distance (a
//! coordinate difference, then a max or a sum of squares in coordinate order), and rounding is
//! monotone, so it never exceeds the distance to any point inside: the results are exactly those
//! of a brute-force scan (the same floats, ties included), which is what lets KSG match
//! scikit-learn bit for bit.

/// Points per leaf at most: a leaf scan is cheaper than descending further below this.
const LEAF: usize = 16;

/// The norm distances are taken in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// max_j |a_j - b_j|.
    Max,
    /// sqrt(sum_j (a_j - b_j)^2); the tree works with the square and the caller takes the root.
    Euclidean,
}

/// Distances in one norm (the Euclidean one squared), as a type so the scans are monomorphised.
trait Metric {
    fn dist(a: &[f64], b: &[f64]) -> f64;
    /// A lower bound of `dist(q, p)` for every `p` in the box `[lo, hi]`.
    fn box_min(q: &[f64], lo: &[f64], hi: &[f64]) -> f64;
    /// An upper bound of `dist(q, p)` for every `p` in the box `[lo, hi]`.
    fn box_max(q: &[f64], lo: &[f64], hi: &[f64]) -> f64;
    /// The distance of a difference in one coordinate (a lower bound of any distance with it).
    fn one(diff: f64) -> f64;
}

struct MaxNorm;
struct SquaredEuclidean;

/// The gap from `q` to the interval `[lo, hi]` (0 inside), as the difference a point at the
/// nearer end would give.
#[inline(always)]
fn gap(q: f64, lo: f64, hi: f64) -> f64 {
    if q < lo {
        lo - q
    } else if q > hi {
        q - hi
    } else {
        0.0
    }
}

/// The larger difference from `q` to the ends of `[lo, hi]`.
#[inline(always)]
fn reach(q: f64, lo: f64, hi: f64) -> f64 {
    let a = if q > lo { q - lo } else { lo - q };
    let b = if q > hi { q - hi } else { hi - q };
    a.max(b)
}

impl Metric for MaxNorm {
    #[inline(always)]
    fn one(diff: f64) -> f64 {
        diff
    }

    // Index loops rather than zip: the lengths are compile-time constants in the hot
    // instantiations, and these unroll where iterator adapters were left as calls.
    #[inline(always)]
    fn dist(a: &[f64], b: &[f64]) -> f64 {
        let mut m = 0.0f64;
        for j in 0..a.len() {
            m = m.max((a[j] - b[j]).abs());
        }
        m
    }

    #[inline(always)]
    fn box_min(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut m = 0.0f64;
        for j in 0..q.len() {
            m = m.max(gap(q[j], lo[j], hi[j]));
        }
        m
    }

    #[inline(always)]
    fn box_max(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut m = 0.0f64;
        for j in 0..q.len() {
            m = m.max(reach(q[j], lo[j], hi[j]));
        }
        m
    }
}

impl Metric for SquaredEuclidean {
    #[inline(always)]
    fn one(diff: f64) -> f64 {
        diff * diff
    }

    #[inline(always)]
    fn dist(a: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for j in 0..a.len() {
            let t = a[j] - b[j];
            s += t * t;
        }
        s
    }

    #[inline(always)]
    fn box_min(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s = 0.0;
        for j in 0..q.len() {
            let t = gap(q[j], lo[j], hi[j]);
            s += t * t;
        }
        s
    }

    #[inline(always)]
    fn box_max(q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut s = 0.0;
        for j in 0..q.len() {
            let t = reach(q[j], lo[j], hi[j]);
            s += t * t;
        }
        s
    }
}

#[derive(Clone, Copy, Debug)]
struct Node {
    start: usize,
    end: usize,
    /// Index of the left child (the right one follows its subtree); 0 for a leaf.
    left: usize,
    right: usize,
    /// The parent (the root is its own).
    parent: usize,
}

/// The k smallest distances seen so far, ascending (+inf until k are seen).
struct Best<'a> {
    d: &'a mut [f64],
}

impl Best<'_> {
    #[inline(always)]
    fn worst(&self) -> f64 {
        self.d[self.d.len() - 1]
    }

    #[inline(always)]
    fn insert(&mut self, value: f64) {
        let mut i = self.d.len() - 1;
        while i > 0 && self.d[i - 1] > value {
            self.d[i] = self.d[i - 1];
            i -= 1;
        }
        self.d[i] = value;
    }
}

/// A k-d tree over `n` points of `d` coordinates.
pub struct KdTree {
    d: usize,
    /// The points in tree order, `d` coordinates each.
    points: Vec<f64>,
    /// The row of the input each tree position holds.
    rows: Vec<usize>,
    nodes: Vec<Node>,
    /// Per node: the low corner then the high corner of its bounding box (`2 d` values).
    bounds: Vec<f64>,
    /// The leaf holding each tree position.
    leaf_of: Vec<u32>,
}

impl KdTree {
    /// Builds the tree over `data`, `n` rows of `d` coordinates in row-major order (`d >= 1`),
    /// on the calling thread.
    pub fn new(data: &[f64], d: usize) -> KdTree {
        KdTree::build_tree(data, d, false)
    }

    /// As [`KdTree::new`], the top subtrees built at once: call inside the pool
    /// (`parallel::install`). The tree is the same as `new`'s.
    pub fn new_in_pool(data: &[f64], d: usize) -> KdTree {
        KdTree::build_tree(data, d, true)
    }

    fn build_tree(data: &[f64], d: usize, in_pool: bool) -> KdTree {
        assert!(d >= 1 && data.len().is_multiple_of(d));
        let n = data.len() / d;
        let mut rows: Vec<usize> = (0..n).collect();
        let mut tree = KdTree {
            d,
            points: Vec::new(),
            rows: Vec::new(),
            nodes: Vec::with_capacity(2 * n.div_ceil(LEAF) + 1),
            bounds: Vec::with_capacity((2 * n.div_ceil(LEAF) + 1) * 2 * d),
            leaf_of: vec![0; n],
        };
        if n > 0 {
            match d {
                1 => return tree.build_records::<1>(data, in_pool),
                2 => return tree.build_records::<2>(data, in_pool),
                3 => return tree.build_records::<3>(data, in_pool),
                4 => return tree.build_records::<4>(data, in_pool),
                _ => {
                    tree.build(data, &mut rows, &mut Vec::with_capacity(n), 0, n);
                }
            }
        }
        let mut points = Vec::with_capacity(n * d);
        for &row in &rows {
            points.extend_from_slice(&data[row * d..(row + 1) * d]);
        }
        tree.points = points;
        tree.rows = rows;
        tree
    }

    /// The build for `D` coordinates: the points themselves, with their rows, are partitioned
    /// in place (no gathers through a row index), then laid out as the tree's arrays.
    fn build_records<const D: usize>(mut self, data: &[f64], in_pool: bool) -> KdTree {
        let mut records: Vec<([f64; D], usize)> = data
            .chunks_exact(D)
            .enumerate()
            .map(|(row, p)| {
                let mut point = [0.0; D];
                point.copy_from_slice(p);
                (point, row)
            })
            .collect();
        let levels = if in_pool { PARALLEL_LEVELS } else { 0 };
        let part = build_part::<D>(&mut records, 0, levels);
        for (id, node) in part.nodes.iter().enumerate() {
            if node.left == 0 {
                self.leaf_of[node.start..node.end].fill(id as u32);
            }
        }
        self.nodes = part.nodes;
        self.bounds = part.bounds;
        self.points = records.iter().flat_map(|r| r.0).collect();
        self.rows = records.iter().map(|r| r.1).collect();
        self
    }

    fn build(
        &mut self,
        data: &[f64],
        rows: &mut [usize],
        keys: &mut Vec<(f64, usize)>,
        start: usize,
        end: usize,
    ) -> usize {
        let d = self.d;
        let id = self.nodes.len();
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for &row in &rows[start..end] {
            for j in 0..d {
                let v = data[row * d + j];
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
            }
        }
        self.bounds.extend_from_slice(&lo);
        self.bounds.extend_from_slice(&hi);
        self.nodes.push(Node {
            start,
            end,
            left: 0,
            right: 0,
            parent: id,
        });
        let widest = (0..d)
            .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
            .unwrap_or(0);
        if end - start <= LEAF || hi[widest] <= lo[widest] {
            // A leaf (also a run of identical points, which no split can separate).
            for position in start..end {
                self.leaf_of[position] = id as u32;
            }
            return id;
        }
        let mid = start + (end - start) / 2;
        // The split coordinates gathered beside their rows once, so the selection compares
        // neighbouring memory; ties broken by row, so the tree depends on the data only.
        keys.clear();
        keys.extend(rows[start..end].iter().map(|&r| (data[r * d + widest], r)));
        keys.select_nth_unstable_by(mid - start, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (slot, key) in rows[start..end].iter_mut().zip(keys.iter()) {
            *slot = key.1;
        }
        let left = self.build(data, rows, keys, start, mid);
        let right = self.build(data, rows, keys, mid, end);
        self.nodes[id].left = left;
        self.nodes[id].right = right;
        self.nodes[left].parent = id;
        self.nodes[right].parent = id;
        id
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The input row at tree position `position`.
    pub fn row(&self, position: usize) -> usize {
        self.rows[position]
    }

    /// The coordinates of the point at tree position `position`.
    pub fn point(&self, position: usize) -> &[f64] {
        &self.points[position * self.d..(position + 1) * self.d]
    }

    /// The point at `position` with `D` coordinates known at compile time (`D = 0`: `self.d`), so
    /// the distance loops unroll.
    #[inline(always)]
    fn at<const D: usize>(&self, position: usize) -> &[f64] {
        let d = if D == 0 { self.d } else { D };
        &self.points[position * d..position * d + d]
    }

    #[inline(always)]
    fn lo<const D: usize>(&self, node: usize) -> &[f64] {
        let d = if D == 0 { self.d } else { D };
        &self.bounds[node * 2 * d..node * 2 * d + d]
    }

    #[inline(always)]
    fn hi<const D: usize>(&self, node: usize) -> &[f64] {
        let d = if D == 0 { self.d } else { D };
        &self.bounds[node * 2 * d + d..node * 2 * d + 2 * d]
    }

    /// The distance from the point at tree position `position` to its `scratch.len()`-th nearest
    /// neighbour among the other points (a point equal to it counts, at distance 0).
    pub fn kth_from_member(&self, position: usize, norm: Norm, scratch: &mut [f64]) -> f64 {
        macro_rules! by_dim {
            ($m:ty) => {
                match self.d {
                    1 => self.kth_member::<$m, 1>(position, scratch),
                    2 => self.kth_member::<$m, 2>(position, scratch),
                    3 => self.kth_member::<$m, 3>(position, scratch),
                    4 => self.kth_member::<$m, 4>(position, scratch),
                    _ => self.kth_member::<$m, 0>(position, scratch),
                }
            };
        }
        match norm {
            Norm::Max => by_dim!(MaxNorm),
            Norm::Euclidean => by_dim!(SquaredEuclidean).sqrt(),
        }
    }

    /// The distance from `q` to its `scratch.len()`-th nearest point of the tree.
    pub fn kth_from_point(&self, q: &[f64], norm: Norm, scratch: &mut [f64]) -> f64 {
        macro_rules! by_dim {
            ($m:ty) => {
                match self.d {
                    1 => self.kth_point::<$m, 1>(q, scratch),
                    2 => self.kth_point::<$m, 2>(q, scratch),
                    3 => self.kth_point::<$m, 3>(q, scratch),
                    4 => self.kth_point::<$m, 4>(q, scratch),
                    _ => self.kth_point::<$m, 0>(q, scratch),
                }
            };
        }
        match norm {
            Norm::Max => by_dim!(MaxNorm),
            Norm::Euclidean => by_dim!(SquaredEuclidean).sqrt(),
        }
    }

    /// How many points are at distance <= `r` from `q` (under the max norm).
    pub fn count_within_max(&self, q: &[f64], r: f64) -> usize {
        if self.is_empty() {
            return 0;
        }
        match self.d {
            2 => self.count::<MaxNorm, 2>(0, q, r),
            3 => self.count::<MaxNorm, 3>(0, q, r),
            _ => self.count::<MaxNorm, 0>(0, q, r),
        }
    }

    /// Scans the points of leaf `node` but `skip` into `best`.
    #[inline(always)]
    fn scan<M: Metric, const D: usize>(
        &self,
        node: usize,
        q: &[f64],
        skip: usize,
        best: &mut Best,
    ) {
        let this = self.nodes[node];
        for position in this.start..this.end {
            if position != skip {
                let dist = M::dist(q, self.at::<D>(position));
                if dist < best.worst() {
                    best.insert(dist);
                }
            }
        }
    }

    /// Whether every point outside `node`'s box is at least `bound` away from `q`: then nothing
    /// outside can lower the bound. Compared as a point on the box's face would be (`M::dist`
    /// of a one-coordinate difference), so rounding cannot make this claim wrongly.
    #[inline(always)]
    fn ball_inside<M: Metric, const D: usize>(&self, node: usize, q: &[f64], bound: f64) -> bool {
        let (lo, hi) = (self.lo::<D>(node), self.hi::<D>(node));
        for j in 0..q.len() {
            if M::one(q[j] - lo[j]) < bound || M::one(hi[j] - q[j]) < bound {
                return false;
            }
        }
        true
    }

    fn kth_member<M: Metric, const D: usize>(&self, position: usize, scratch: &mut [f64]) -> f64 {
        scratch.fill(f64::INFINITY);
        let mut best = Best { d: scratch };
        let q = self.at::<D>(position);
        // From the own leaf upwards: each step searches the sibling of the subtree done so
        // far, and stops once the k-th distance ball lies inside the subtree's box.
        let mut node = self.leaf_of[position] as usize;
        self.scan::<M, D>(node, q, position, &mut best);
        while node != 0 {
            if self.ball_inside::<M, D>(node, q, best.worst()) {
                break;
            }
            let parent = self.nodes[node].parent;
            let this = self.nodes[parent];
            let sibling = if this.left == node {
                this.right
            } else {
                this.left
            };
            if M::box_min(q, self.lo::<D>(sibling), self.hi::<D>(sibling)) < best.worst() {
                self.descend::<M, D>(sibling, q, &mut best);
            }
            node = parent;
        }
        best.worst()
    }

    fn kth_point<M: Metric, const D: usize>(&self, q: &[f64], scratch: &mut [f64]) -> f64 {
        scratch.fill(f64::INFINITY);
        let mut best = Best { d: scratch };
        if !self.is_empty() {
            self.descend::<M, D>(0, q, &mut best);
        }
        best.worst()
    }

    /// Depth-first search below `node`, nearer child first.
    fn descend<M: Metric, const D: usize>(&self, node: usize, q: &[f64], best: &mut Best) {
        let this = self.nodes[node];
        if this.left == 0 {
            self.scan::<M, D>(node, q, usize::MAX, best);
            return;
        }
        let (l, r) = (this.left, this.right);
        let dl = M::box_min(q, self.lo::<D>(l), self.hi::<D>(l));
        let dr = M::box_min(q, self.lo::<D>(r), self.hi::<D>(r));
        let ((first, df), (second, ds)) = if dl <= dr {
            ((l, dl), (r, dr))
        } else {
            ((r, dr), (l, dl))
        };
        // A box no nearer than the current k-th distance cannot lower it.
        if df < best.worst() {
            self.descend::<M, D>(first, q, best);
        }
        if ds < best.worst() {
            self.descend::<M, D>(second, q, best);
        }
    }

    fn count<M: Metric, const D: usize>(&self, node: usize, q: &[f64], r: f64) -> usize {
        let this = self.nodes[node];
        let (lo, hi) = (self.lo::<D>(node), self.hi::<D>(node));
        if M::box_min(q, lo, hi) > r {
            return 0;
        }
        if M::box_max(q, lo, hi) <= r {
            return this.end - this.start;
        }
        if this.left == 0 {
            return (this.start..this.end)
                .filter(|&p| M::dist(q, self.at::<D>(p)) <= r)
                .count();
        }
        self.count::<M, D>(this.left, q, r) + self.count::<M, D>(this.right, q, r)
    }
}

/// Levels of the tree whose two subtrees are built at once (up to 2^3 parts in parallel).
const PARALLEL_LEVELS: u32 = 3;
/// Below this many points a subtree is built on the calling thread.
const PARALLEL_MIN: usize = 1 << 13;

/// A subtree built on its own: nodes in preorder numbered from 0 (its root, whose parent is
/// itself), then their boxes. Preorder numbering makes a tree assembled from parts identical to
/// one built in a single pass.
struct Part {
    nodes: Vec<Node>,
    bounds: Vec<f64>,
}

/// The box of `records`, and where to split them (after partitioning them there), or `None` for
/// a leaf.
fn split<const D: usize>(records: &mut [([f64; D], usize)]) -> ([f64; D], [f64; D], Option<usize>) {
    let mut lo = [f64::INFINITY; D];
    let mut hi = [f64::NEG_INFINITY; D];
    for (p, _) in records.iter() {
        for j in 0..D {
            lo[j] = lo[j].min(p[j]);
            hi[j] = hi[j].max(p[j]);
        }
    }
    let widest = (0..D)
        .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
        .unwrap_or(0);
    if records.len() <= LEAF || hi[widest] <= lo[widest] {
        // A leaf (also a run of identical points, which no split can separate).
        return (lo, hi, None);
    }
    let half = records.len() / 2;
    // Ties broken by row, so the tree (and so every result) depends on the data only.
    records.select_nth_unstable_by(half, |a, b| {
        a.0[widest].total_cmp(&b.0[widest]).then(a.1.cmp(&b.1))
    });
    (lo, hi, Some(half))
}

impl Part {
    fn push<const D: usize>(
        &mut self,
        lo: &[f64; D],
        hi: &[f64; D],
        start: usize,
        end: usize,
    ) -> usize {
        let id = self.nodes.len();
        self.bounds.extend_from_slice(lo);
        self.bounds.extend_from_slice(hi);
        self.nodes.push(Node {
            start,
            end,
            left: 0,
            right: 0,
            parent: id,
        });
        id
    }

    /// Builds the subtree over `records` (tree positions from `start`) into this part.
    fn build<const D: usize>(&mut self, records: &mut [([f64; D], usize)], start: usize) -> usize {
        let end = start + records.len();
        let (lo, hi, at) = split::<D>(records);
        let id = self.push::<D>(&lo, &hi, start, end);
        if let Some(half) = at {
            let (l, r) = records.split_at_mut(half);
            let left = self.build::<D>(l, start);
            let right = self.build::<D>(r, start + half);
            self.nodes[id].left = left;
            self.nodes[id].right = right;
            self.nodes[left].parent = id;
            self.nodes[right].parent = id;
        }
        id
    }

    /// Appends `child` (renumbered after the nodes here) below node `parent`; returns the id of
    /// its root.
    fn adopt(&mut self, child: Part, parent: usize) -> usize {
        let offset = self.nodes.len();
        for (i, mut node) in child.nodes.into_iter().enumerate() {
            if node.left != 0 {
                node.left += offset;
                node.right += offset;
            }
            node.parent = if i == 0 { parent } else { node.parent + offset };
            self.nodes.push(node);
        }
        self.bounds.extend_from_slice(&child.bounds);
        offset
    }
}

/// The subtree over `records`, its top `levels` levels split across the pool (call inside it).
fn build_part<const D: usize>(
    records: &mut [([f64; D], usize)],
    start: usize,
    levels: u32,
) -> Part {
    let mut part = Part {
        nodes: Vec::new(),
        bounds: Vec::new(),
    };
    if levels == 0 || records.len() < PARALLEL_MIN {
        part.build::<D>(records, start);
        return part;
    }
    let end = start + records.len();
    let (lo, hi, at) = split::<D>(records);
    let id = part.push::<D>(&lo, &hi, start, end);
    if let Some(half) = at {
        let (l, r) = records.split_at_mut(half);
        let (left, right) = rayon::join(
            || build_part::<D>(l, start, levels - 1),
            || build_part::<D>(r, start + half, levels - 1),
        );
        let left = part.adopt(left, id);
        let right = part.adopt(right, id);
        part.nodes[id].left = left;
        part.nodes[id].right = right;
    }
    part
}
