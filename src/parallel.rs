//! The dedicated thread pool, and the fixed reduction tree that makes results independent of it.
//!
//! Sums are taken over "leaves" of a fixed number of entries. Leaves combine in a tree that
//! depends only on how many there are: `tree(n) = tree(h) + tree(n - h)` with `h` the largest power
//! of two below `n` (or `n / 2` when `n` is one). A sequential pass builds exactly that tree with a
//! binary counter, and the parallel split cuts at the same points, so 1 or 64 threads give the
//! same bits.

use crate::error::KernelError;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex};

struct PoolState {
    /// The process that built the pool: after `fork` the child has none of its threads.
    pid: u32,
    threads: usize,
    pool: Option<Arc<ThreadPool>>,
}

static POOL: Mutex<Option<PoolState>> = Mutex::new(None);

fn default_threads() -> usize {
    std::env::var("ENTROPYKIT_NUM_THREADS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&n| n >= 1)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

fn with_state<R>(f: impl FnOnce(&mut PoolState) -> R) -> R {
    let mut guard = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    let state = guard.get_or_insert_with(|| PoolState {
        pid,
        threads: default_threads(),
        pool: None,
    });
    if state.pid != pid {
        // A forked child: the parent's workers do not exist here. Leak the old pool (joining it
        // would wait forever) and build a fresh one on demand.
        if let Some(old) = state.pool.take() {
            std::mem::forget(old);
        }
        state.pid = pid;
    }
    f(state)
}

/// Number of threads kernels use (`ENTROPYKIT_NUM_THREADS`, else the number of CPUs).
pub fn num_threads() -> usize {
    with_state(|state| state.threads)
}

/// Sets the number of threads for later calls (at least 1).
pub fn set_num_threads(threads: usize) -> Result<(), KernelError> {
    if threads == 0 {
        return Err(KernelError::Layout(
            "the number of threads must be at least 1".into(),
        ));
    }
    with_state(|state| {
        if state.threads != threads {
            state.threads = threads;
            state.pool = None;
        }
    });
    Ok(())
}

fn pool() -> Result<Arc<ThreadPool>, KernelError> {
    with_state(|state| {
        if let Some(pool) = &state.pool {
            return Ok(Arc::clone(pool));
        }
        let pool = ThreadPoolBuilder::new()
            .num_threads(state.threads)
            .thread_name(|i| format!("entropykit-{i}"))
            .build()
            .map_err(|e| KernelError::ThreadPool(e.to_string()))?;
        let pool = Arc::new(pool);
        state.pool = Some(Arc::clone(&pool));
        Ok(pool)
    })
}

/// Runs `f` inside the pool (so `rayon::join` and parallel iterators inside use its threads).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, KernelError> {
    Ok(pool()?.install(f))
}

/// Where the tree over `leaves` leaves splits: the left part is a complete power-of-two subtree.
#[inline]
pub fn tree_split(leaves: usize) -> usize {
    debug_assert!(leaves >= 2);
    if leaves.is_power_of_two() {
        leaves / 2
    } else {
        1 << (usize::BITS - 1 - leaves.leading_zeros())
    }
}

/// A value that combines associatively along the fixed tree (left + right, in that order).
pub trait TreeSum: Copy {
    fn zero() -> Self;
    fn combine(left: Self, right: Self) -> Self;
}

/// A source of leaf values. A trait rather than a closure: closure bodies are compiled as
/// functions of their own, outside the `#[target_feature]` context of a SIMD task, which would
/// turn every intrinsic into a call.
pub trait Leaves {
    type Sum: TreeSum;
    fn leaf(&mut self, index: usize) -> Self::Sum;
}

/// Sequential tree sum over leaves `0..count`, built by a binary counter: gives the same tree as
/// `tree_split` recursion without recursing (so it can live inside a `#[target_feature]` task).
#[inline(always)]
pub fn counter_tree_sum<T: Leaves>(count: usize, leaves: &mut T) -> T::Sum {
    type S<T> = <T as Leaves>::Sum;
    // (value, leaves in it); at most one entry per bit of `count`.
    let mut stack: [(S<T>, usize); usize::BITS as usize] =
        [(S::<T>::zero(), 0); usize::BITS as usize];
    let mut depth = 0;
    for i in 0..count {
        let mut value = leaves.leaf(i);
        let mut size = 1;
        while depth > 0 && stack[depth - 1].1 == size {
            depth -= 1;
            value = S::<T>::combine(stack[depth].0, value);
            size *= 2;
        }
        stack[depth] = (value, size);
        depth += 1;
    }
    if depth == 0 {
        return S::<T>::zero();
    }
    depth -= 1;
    let mut total = stack[depth].0;
    while depth > 0 {
        depth -= 1;
        total = S::<T>::combine(stack[depth].0, total);
    }
    total
}

/// Tree sum over leaves `first..first + count`, split across threads where a part has more than
/// `serial_leaves` leaves; `run(first, count)` sums a part sequentially with `counter_tree_sum`.
pub fn parallel_tree_sum<S: TreeSum + Send>(
    first: usize,
    count: usize,
    serial_leaves: usize,
    run: &(impl Fn(usize, usize) -> S + Sync),
) -> S {
    if count <= serial_leaves.max(1) {
        return run(first, count);
    }
    let left = tree_split(count);
    let (a, b) = rayon::join(
        || parallel_tree_sum(first, left, serial_leaves, run),
        || parallel_tree_sum(first + left, count - left, serial_leaves, run),
    );
    S::combine(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "sum" that records the tree shape as a string, to compare trees exactly.
    #[derive(Clone, Copy)]
    struct Shape(u64, u64);
    impl TreeSum for Shape {
        fn zero() -> Self {
            Shape(0, 0)
        }
        fn combine(l: Self, r: Self) -> Self {
            // A non-commutative, non-associative hash of the tree.
            Shape(
                l.0.wrapping_mul(31).wrapping_add(r.0.wrapping_mul(17)) ^ 0x9e37,
                l.1 + r.1,
            )
        }
    }

    struct From(usize);
    impl Leaves for From {
        type Sum = Shape;
        fn leaf(&mut self, i: usize) -> Shape {
            Shape((self.0 + i) as u64 + 1, 1)
        }
    }

    #[test]
    fn counter_and_parallel_trees_agree() {
        for count in 1..300 {
            let serial = counter_tree_sum(count, &mut From(0));
            for serial_leaves in [1, 2, 3, 7, 64] {
                let run = |first: usize, n: usize| counter_tree_sum(n, &mut From(first));
                let parallel = parallel_tree_sum(0, count, serial_leaves, &run);
                assert_eq!(
                    serial.0, parallel.0,
                    "count {count}, serial {serial_leaves}"
                );
                assert_eq!(parallel.1, count as u64);
            }
        }
    }
}
