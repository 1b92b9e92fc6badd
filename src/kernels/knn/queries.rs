//! Independent per-point queries over the pool, and the neighbour searches the estimators share.
//!
//! Each query writes its own slot, so the results (and every sum the estimators take over them,
//! in input order afterwards) are the same on any number of threads.

use super::sorted::Sorted;
use super::tree::{KdTree, Norm};
use super::Samples;
use crate::error::KernelError;
use crate::kernels::Options;
use crate::parallel::{self, Plan, Work};

/// Work units of one query (a descent and a few leaf scans): sets when the pool is worth waking.
const QUERY_COST: usize = 64;

/// `f(i, scratch)` for `i` in `0..n` over the pool, `scratch` holding `k` values per task.
pub fn each<T: Send + Copy + Default>(
    n: usize,
    k: usize,
    options: &Options,
    f: impl Fn(usize, &mut [f64]) -> T + Sync,
) -> Result<Vec<T>, KernelError> {
    let mut out = vec![T::default(); n];
    parallel::schedule(
        Work::new(n, QUERY_COST),
        options.parallel,
        &mut out[..],
        &|first, count, part: &mut [T], _split| {
            let task = Queries {
                first,
                count,
                k,
                part,
                f: &f,
            };
            crate::simd::dispatch(options.level, task);
            None::<()>
        },
    )?;
    Ok(out)
}

/// One task's queries, run under the SIMD level's target features (the runtime dispatch every
/// kernel goes through), so that the leaf scans' distance loops are compiled for the level's
/// vectors where LLVM can vectorize them.
struct Queries<'a, T, F> {
    first: usize,
    count: usize,
    k: usize,
    part: &'a mut [T],
    f: &'a F,
}

impl<T, F: Fn(usize, &mut [f64]) -> T> crate::simd::SimdTask for Queries<'_, T, F> {
    type Output = ();
    #[inline(always)]
    fn run<L: crate::simd::Level>(self) {
        let mut scratch = vec![0.0; self.k.max(1)];
        for (i, slot) in self.part.iter_mut().enumerate().take(self.count) {
            *slot = (self.f)(self.first + i, &mut scratch);
        }
    }
}

/// `a()` and `b()`, at once on the pool when `n` queries are worth it (independent stages:
/// building one search structure while another is built or queried), else one after the other.
pub fn both<A: Send, B: Send>(
    n: usize,
    options: &Options,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> Result<(A, B), KernelError> {
    if Work::new(n, QUERY_COST).plan(options.parallel) == Plan::Serial {
        return Ok((a(), b()));
    }
    parallel::install(|| rayon::join(a, b))
}

/// Values computed in some order of positions, put back in input-row order.
fn scatter<T: Copy + Default>(values: &[T], rows: impl Fn(usize) -> usize) -> Vec<T> {
    let mut out = vec![T::default(); values.len()];
    for (position, &value) in values.iter().enumerate() {
        out[rows(position)] = value;
    }
    out
}

/// A sample set prepared for queries: sorted when one-dimensional, else a k-d tree.
pub enum Index {
    Sorted(Sorted),
    Tree(KdTree),
}

impl Index {
    pub fn new(samples: &Samples, options: &Options) -> Result<Index, KernelError> {
        if samples.d == 1 {
            return Ok(Index::Sorted(Sorted::new(samples.data.iter().copied())));
        }
        let (data, d) = (samples.data, samples.d);
        if Work::new(samples.n(), QUERY_COST).plan(options.parallel) == Plan::Serial {
            return Ok(Index::Tree(KdTree::new(data, d)));
        }
        parallel::install(|| Index::Tree(KdTree::new_in_pool(data, d)))
    }

    /// For each row, the distance to its k-th nearest other row (in input-row order). Queries
    /// run in the index's order, so neighbouring queries read neighbouring memory.
    pub fn kth_within(
        &self,
        k: usize,
        norm: Norm,
        options: &Options,
    ) -> Result<Vec<f64>, KernelError> {
        match self {
            Index::Sorted(sorted) => {
                let found = each(sorted.len(), k, options, |p, _| {
                    sorted.kth_from_member(p, k)
                })?;
                Ok(scatter(&found, |p| sorted.rows[p]))
            }
            Index::Tree(tree) => {
                let found = each(tree.len(), k, options, |p, scratch| {
                    tree.kth_from_member(p, norm, &mut scratch[..k])
                })?;
                Ok(scatter(&found, |p| tree.row(p)))
            }
        }
    }

    /// For each row of `queries` (in its order), the distance to the k-th nearest row of this
    /// index.
    pub fn kth_from(
        &self,
        queries: &Samples,
        k: usize,
        norm: Norm,
        options: &Options,
    ) -> Result<Vec<f64>, KernelError> {
        let d = queries.d;
        match self {
            Index::Sorted(sorted) => each(queries.n(), k, options, |i, _| {
                sorted.kth_from_point(queries.data[i], k)
            }),
            Index::Tree(tree) => each(queries.n(), k, options, |i, scratch| {
                tree.kth_from_point(&queries.data[i * d..(i + 1) * d], norm, &mut scratch[..k])
            }),
        }
    }

    /// For each row, how many rows (itself included) are at max-norm distance <= `radius[row]`.
    pub fn count_within(
        &self,
        radius: &[f64],
        options: &Options,
    ) -> Result<Vec<usize>, KernelError> {
        match self {
            Index::Sorted(sorted) => {
                let found = each(sorted.len(), 1, options, |p, _| {
                    sorted.count_within(p, radius[sorted.rows[p]])
                })?;
                Ok(scatter(&found, |p| sorted.rows[p]))
            }
            Index::Tree(tree) => {
                let found = each(tree.len(), 1, options, |p, _| {
                    tree.count_within_max(tree.point(p), radius[tree.row(p)])
                })?;
                Ok(scatter(&found, |p| tree.row(p)))
            }
        }
    }
}
