//! The dedicated thread pool, the teams in which the calling thread works beside its workers,
//! and the fixed reduction tree that makes results independent of both.
//!
//! Sums are taken over "leaves" of a fixed number of entries. Leaves combine in a tree that
//! depends only on how many there are: `tree(n) = tree(h) + tree(n - h)` with `h` the largest power
//! of two below `n` (or `n / 2` when `n` is one). A sequential pass builds exactly that tree with a
//! binary counter, and the parallel split cuts at the same points, so 1 or 64 threads give the
//! same bits.

use crate::error::KernelError;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct PoolState {
    /// The process that built the pool: after `fork` the child has none of its threads.
    pid: u32,
    threads: usize,
    pool: Option<Arc<Pool>>,
}

/// The rayon pool, and the board where its workers that just helped a team wait for the next.
struct Pool {
    workers: ThreadPool,
    board: Arc<Board>,
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

fn pool() -> Result<Arc<Pool>, KernelError> {
    with_state(|state| {
        if let Some(pool) = &state.pool {
            return Ok(Arc::clone(pool));
        }
        let workers = ThreadPoolBuilder::new()
            .num_threads(state.threads)
            .thread_name(|i| format!("entropykit-{i}"))
            .build()
            .map_err(|e| KernelError::ThreadPool(e.to_string()))?;
        let pool = Arc::new(Pool {
            workers,
            board: Arc::new(Board::default()),
        });
        state.pool = Some(Arc::clone(&pool));
        Ok(pool)
    })
}

/// How many times work was handed to the pool (tests check that small calls never are).
static POOL_USES: AtomicU64 = AtomicU64::new(0);

/// Runs `f` inside the pool (so `rayon::join` and parallel iterators inside use its threads).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, KernelError> {
    POOL_USES.fetch_add(1, Ordering::Relaxed);
    Ok(pool()?.workers.install(f))
}

/// Whether the calling thread is a pool worker (pieces are then shared with rayon's parallel
/// iterator, whose stealing keeps the pool's threads busy; elsewhere the caller works in a
/// [`Team`]).
fn in_pool() -> bool {
    rayon::current_thread_index().is_some()
}

/// How long a worker that helped a team waits for the next one before it goes back to the pool
/// (where it sleeps when idle). Waking a sleeping thread costs the waker about 20 us and the
/// woken thread about 30 us more before it runs on this VM (an interrupt to an idle virtual
/// CPU); back-to-back calls (a stream of chunks) then find their helpers awake.
const LINGER: Duration = Duration::from_micros(300);

/// `pieces` pieces of work, claimed in order by the calling thread and by pool workers that
/// join it: the caller works as one of the threads, so a call wakes at most `threads - 1`
/// workers and never sleeps itself waiting for them to start (rayon's `install` hands all the
/// work to the pool and puts the caller to sleep: three wake-ups in a row per call).
struct Team {
    next: AtomicUsize,
    done: AtomicUsize,
    pieces: usize,
    /// `run` with its lifetime erased. Dereferenced only for a claimed piece (`next` below
    /// `pieces`), and the caller returns only once every piece is done, so never after the
    /// borrow ends; a helper that comes late finds nothing left to claim.
    run: *const (dyn Fn(usize) + Sync + 'static),
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

// SAFETY: `run` points to a `Sync` closure, only called while the caller of `Team::run` waits
// for it (see the field); the rest is atomics and a mutex.
unsafe impl Send for Team {}
// SAFETY: as for `Send`.
unsafe impl Sync for Team {}

impl Team {
    /// Claims and runs pieces until none is left.
    fn help(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.pieces {
                return;
            }
            // SAFETY: piece `i` is claimed and not done, so the caller is still waiting and
            // `run` still borrowed (see the field).
            let run = unsafe { &*self.run };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| run(i))) {
                let mut slot = self.panic.lock().unwrap_or_else(|p| p.into_inner());
                slot.get_or_insert(payload);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

/// The latest team, and how many helpers are waiting for one.
#[derive(Default)]
struct Board {
    team: Mutex<Option<Arc<Team>>>,
    posted: AtomicU64,
    waiting: AtomicUsize,
}

impl Board {
    /// A helper's life: join `team`, then each team posted within [`LINGER`] of the last.
    fn serve(&self, team: Arc<Team>) {
        team.help();
        drop(team);
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut seen = self.posted.load(Ordering::Acquire);
        let mut until = Instant::now() + LINGER;
        loop {
            for _ in 0..64 {
                let posted = self.posted.load(Ordering::Acquire);
                if posted != seen {
                    seen = posted;
                    let team = self.team.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    if let Some(team) = team {
                        self.waiting.fetch_sub(1, Ordering::SeqCst);
                        team.help();
                        self.waiting.fetch_add(1, Ordering::SeqCst);
                    }
                    until = Instant::now() + LINGER;
                }
                std::hint::spin_loop();
            }
            if Instant::now() >= until {
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                return;
            }
            // Returns at once unless this CPU has other work (more threads than CPUs).
            std::thread::yield_now();
        }
    }
}

/// Runs `run(i)` for every `i` in `0..pieces`, each once, on the calling thread and up to
/// `threads - 1` pool workers (on a pool worker: over the pool with rayon). Results go
/// wherever `run` puts them; a panic in a piece is resumed here once every piece is done.
///
/// Without a pool (it could not be built) every piece runs on the calling thread.
pub fn for_each_piece(pieces: usize, run: &(dyn Fn(usize) + Sync)) {
    let threads = num_threads();
    if pieces <= 1 || threads == 1 {
        (0..pieces).for_each(run);
        return;
    }
    if in_pool() {
        use rayon::prelude::*;
        (0..pieces).into_par_iter().for_each(run);
        return;
    }
    let Ok(pool) = pool() else {
        (0..pieces).for_each(run);
        return;
    };
    POOL_USES.fetch_add(1, Ordering::Relaxed);
    run_team(&pool, threads, pieces, run);
}

/// [`for_each_piece`] on the calling thread and up to `threads - 1` workers of `pool`.
fn run_team(pool: &Pool, threads: usize, pieces: usize, run: &(dyn Fn(usize) + Sync)) {
    // SAFETY: only the lifetime changes; see `Team::run`.
    let erased: &(dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(run) };
    let team = Arc::new(Team {
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        pieces,
        run: erased,
        panic: Mutex::new(None),
    });
    let board = &pool.board;
    let wanted = (threads - 1).min(pieces - 1);
    let waiting = board.waiting.load(Ordering::SeqCst);
    *board.team.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&team));
    board.posted.fetch_add(1, Ordering::Release);
    for _ in waiting.min(wanted)..wanted {
        let (team, board) = (Arc::clone(&team), Arc::clone(board));
        pool.workers.spawn(move || board.serve(team));
    }
    team.help();
    let mut spins = 0u32;
    while team.done.load(Ordering::Acquire) < pieces {
        // Only pieces already claimed are left, each a task's work: spin, then give the CPU
        // to the helpers if there are more threads than CPUs.
        if spins < 1 << 12 {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
    let payload = team.panic.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(payload) = payload {
        resume_unwind(payload);
    }
}

/// `f(i)` for every `i` in `0..pieces`, in order, computed as [`for_each_piece`] runs them.
pub fn map_pieces<T: Send>(pieces: usize, f: &(impl Fn(usize) -> T + Sync)) -> Vec<T> {
    let slots: Vec<Mutex<Option<T>>> = (0..pieces).map(|_| Mutex::new(None)).collect();
    for_each_piece(pieces, &|i| {
        let value = f(i);
        *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every piece ran")
        })
        .collect()
}

/// `f(i, item)` for each of `items` (owned: each goes to the one piece that runs it), in order,
/// computed as [`for_each_piece`] runs them.
pub fn map_each<T: Send, U: Send>(items: Vec<T>, f: &(impl Fn(usize, T) -> U + Sync)) -> Vec<U> {
    let items: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    map_pieces(items.len(), &|i| {
        let item = items[i].lock().unwrap_or_else(|p| p.into_inner()).take();
        f(i, item.expect("each item once"))
    })
}

/// The number of calls that handed work to the pool so far in this process.
pub fn pool_uses() -> u64 {
    POOL_USES.load(Ordering::Relaxed)
}

/// Work (in entries, or an entry's worth of arithmetic) below which the calling thread does
/// everything: waking the pool costs microseconds, more than a small call itself.
pub const SERIAL_WORK: usize = 1 << 15;

/// Work per parallel task (and per part of a split item): enough to amortise a task's overhead.
const TASK_WORK: usize = 2 * SERIAL_WORK;

/// Work per piece of a [`Team`].
const PIECE_WORK: usize = SERIAL_WORK / 4;

/// How much work a kernel has: `items` independent items (distributions, rows, elements,
/// tables) of `cost` work each. An item that is a fixed tree of leaves of `leaf_cost` work
/// (`splittable`) can itself be split across the pool when there are too few items to share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    pub items: usize,
    pub cost: usize,
    /// Work per leaf of a splittable item; 0 when items are not split.
    pub leaf_cost: usize,
}

impl Work {
    pub fn new(items: usize, cost: usize) -> Self {
        Work {
            items,
            cost,
            leaf_cost: 0,
        }
    }

    /// Items that are trees of leaves of `leaf_cost` work each.
    pub fn splittable(self, leaf_cost: usize) -> Self {
        Work {
            leaf_cost: leaf_cost.max(1),
            ..self
        }
    }
}

/// How [`schedule`] runs a [`Work`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Everything on the calling thread; the pool is not touched.
    Serial,
    /// Tasks of `per_chunk` consecutive items each.
    Chunks(usize),
    /// Items one after another, each split across the pool (few long items).
    Split,
}

impl Work {
    /// The plan on `threads` threads.
    pub fn plan(self, parallel: bool) -> Plan {
        let total = self.items.saturating_mul(self.cost);
        // Small work never asks for the thread count (a lock) nor wakes the pool.
        if !parallel || total < SERIAL_WORK {
            return Plan::Serial;
        }
        let threads = num_threads();
        if threads == 1 {
            return Plan::Serial;
        }
        if self.leaf_cost > 0 && self.items < 4 * threads && self.cost > TASK_WORK {
            return Plan::Split;
        }
        // About TASK_WORK per task, and at least one task per thread.
        let per_chunk = (TASK_WORK / self.cost.max(1)).clamp(1, self.items.div_ceil(threads));
        if per_chunk >= self.items {
            Plan::Serial
        } else {
            Plan::Chunks(per_chunk)
        }
    }
}

/// Outputs that split along items (so that tasks write disjoint parts).
pub trait Parts: Send + Sized {
    /// The first `items` items, and the rest.
    fn split_at(self, items: usize) -> (Self, Self);
}

/// One slot per item.
impl<T: Send> Parts for &mut [T] {
    fn split_at(self, items: usize) -> (Self, Self) {
        self.split_at_mut(items)
    }
}

/// `width` consecutive slots per item; an empty slice is an output not asked for.
pub struct Slots<'a, T> {
    pub data: &'a mut [T],
    pub width: usize,
}

impl<'a, T> Slots<'a, T> {
    pub fn new(data: &'a mut [T], width: usize) -> Self {
        Slots { data, width }
    }
}

impl<T: Send> Parts for Slots<'_, T> {
    fn split_at(self, items: usize) -> (Self, Self) {
        let at = if self.data.is_empty() {
            0
        } else {
            items * self.width
        };
        let (a, b) = self.data.split_at_mut(at);
        (Slots::new(a, self.width), Slots::new(b, self.width))
    }
}

/// Nothing to write (tasks that only report).
impl Parts for () {
    fn split_at(self, _: usize) -> (Self, Self) {
        ((), ())
    }
}

impl<A: Parts, B: Parts> Parts for (A, B) {
    fn split_at(self, items: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split_at(items);
        let (b0, b1) = self.1.split_at(items);
        ((a0, b0), (a1, b1))
    }
}

impl<A: Parts, B: Parts, C: Parts> Parts for (A, B, C) {
    fn split_at(self, items: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split_at(items);
        let (b0, b1) = self.1.split_at(items);
        let (c0, c1) = self.2.split_at(items);
        ((a0, b0, c0), (a1, b1, c1))
    }
}

/// The one scheduler: runs `task(first, count, parts, split)` over items `0..work.items`, on the
/// calling thread when the work is small (or `parallel` is false, or there is one thread), else
/// in chunks of consecutive items shared by a [`Team`] (the caller and pool workers), or item by
/// item on the caller with each item split across the team (`split` true: the task then sums
/// its leaves with [`tree_sum`], or shares parts with [`map_pieces`]). Returns the report
/// of the lowest chunk that made one (a task reports the first problem of its items), so the
/// first error is the same whatever the thread count.
///
/// `task` only dispatches (a closure is compiled without the SIMD target features: keep the
/// vector code in a `SimdTask`).
pub fn schedule<P: Parts, R: Send>(
    work: Work,
    parallel: bool,
    parts: P,
    task: &(impl Fn(usize, usize, P, bool) -> Option<R> + Sync),
) -> Result<Option<R>, KernelError> {
    match work.plan(parallel) {
        Plan::Serial => Ok(task(0, work.items, parts, false)),
        // The task splits each item with `tree_sum` or `map_pieces`, which share it out.
        Plan::Split => Ok(task(0, work.items, parts, true)),
        Plan::Chunks(per_chunk) => {
            let runs: Vec<(usize, usize, bool)> = (0..work.items)
                .step_by(per_chunk)
                .map(|first| (first, per_chunk.min(work.items - first), false))
                .collect();
            Ok(team_tasks(&runs, parts, task))
        }
    }
}

/// [`schedule`] for items of uneven cost (the segments of a ragged array): `prefix(i)` is the
/// total cost of items `0..i` (non-decreasing, `prefix(0) == 0`). Tasks get runs of consecutive
/// items of about a task's work, cut where the cost halves rather than where the count does, so
/// one long segment among many short ones does not leave threads idle; an item that alone is
/// more than a task's work runs as its own task with `split` true (its leaves spread over the
/// pool). Reports as `schedule` does: the lowest task's report, whatever the thread count.
pub fn schedule_uneven<P: Parts, R: Send>(
    items: usize,
    prefix: &(impl Fn(usize) -> usize + Sync),
    parallel: bool,
    parts: P,
    task: &(impl Fn(usize, usize, P, bool) -> Option<R> + Sync),
) -> Result<Option<R>, KernelError> {
    let total = prefix(items);
    if !parallel || total < SERIAL_WORK || items == 0 || num_threads() == 1 {
        return Ok(task(0, items, parts, false));
    }
    let mut runs = Vec::new();
    uneven_runs(0, items, prefix, &mut runs);
    Ok(team_tasks(&runs, parts, task))
}

/// The runs `(first, count, split)` over uneven items, left to right: halved where the cost
/// halves, down to a piece's work ([`PIECE_WORK`]; a run costs the team one atomic), an item of
/// more than a task's work alone and split.
fn uneven_runs(
    first: usize,
    count: usize,
    prefix: &(impl Fn(usize) -> usize + Sync),
    out: &mut Vec<(usize, usize, bool)>,
) {
    let start = prefix(first);
    let cost = prefix(first + count) - start;
    if count == 1 || cost <= PIECE_WORK {
        out.push((first, count, count == 1 && cost > TASK_WORK));
        return;
    }
    let left = half_cost_item(first, count, start + cost / 2, prefix) - first;
    uneven_runs(first, left, prefix, out);
    uneven_runs(first + left, count - left, prefix, out);
}

/// The first item at which `half` (a cost) is reached, kept inside (first, first + count).
fn half_cost_item(
    first: usize,
    count: usize,
    half: usize,
    prefix: &(impl Fn(usize) -> usize + Sync),
) -> usize {
    let (mut lo, mut hi) = (first + 1, first + count - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if prefix(mid) < half {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Runs `task` over `runs` (consecutive `(first, count, split)` covering the items in order) as
/// a team, each with its part of `parts`; the lowest run's report.
fn team_tasks<P: Parts, R: Send>(
    runs: &[(usize, usize, bool)],
    parts: P,
    task: &(impl Fn(usize, usize, P, bool) -> Option<R> + Sync),
) -> Option<R> {
    let mut rest = Some(parts);
    let parts: Vec<P> = runs
        .iter()
        .map(|&(_, count, _)| {
            let (part, after) = rest.take().expect("parts left").split_at(count);
            rest = Some(after);
            part
        })
        .collect();
    let reports = map_each(parts, &|i, part| {
        let (first, count, split) = runs[i];
        task(first, count, part, split)
    });
    reports.into_iter().flatten().next()
}

/// Tree sum over `leaves` leaves of `leaf_cost` work each: `run(first, count)` sums a range
/// sequentially (with [`counter_tree_sum`]); with `split` (the plan was [`Plan::Split`]) parts
/// of about a task's work run across the pool. The tree, and so the bits, are the same.
pub fn tree_sum<S: TreeSum + Send>(
    leaves: usize,
    leaf_cost: usize,
    split: bool,
    run: &(impl Fn(usize, usize) -> S + Sync),
) -> S {
    if !split || leaves <= (TASK_WORK / leaf_cost.max(1)).max(1) / 2 {
        return run(0, leaves);
    }
    // Subtrees of the fixed tree of about a piece's work, summed by the team, then combined in
    // the tree. A team's piece costs one atomic to hand out, not a task: small pieces even out
    // the threads' shares.
    let serial_leaves = (PIECE_WORK / leaf_cost.max(1)).max(1);
    let mut parts = Vec::new();
    tree_parts(0, leaves, serial_leaves, &mut parts);
    let sums = map_pieces(parts.len(), &|i| run(parts[i].0, parts[i].1));
    combine_parts(leaves, serial_leaves, &mut sums.into_iter())
}

/// The (first, count) subtrees of the tree over `count` leaves with at most `serial_leaves`
/// leaves each (cut at [`tree_split`]), left to right.
fn tree_parts(first: usize, count: usize, serial_leaves: usize, out: &mut Vec<(usize, usize)>) {
    if count <= serial_leaves.max(1) {
        out.push((first, count));
        return;
    }
    let left = tree_split(count);
    tree_parts(first, left, serial_leaves, out);
    tree_parts(first + left, count - left, serial_leaves, out);
}

/// The sums of [`tree_parts`], combined along the tree they were cut from.
fn combine_parts<S: TreeSum>(
    count: usize,
    serial_leaves: usize,
    sums: &mut impl Iterator<Item = S>,
) -> S {
    if count <= serial_leaves.max(1) {
        return sums.next().expect("one sum per part");
    }
    let left = tree_split(count);
    let a = combine_parts(left, serial_leaves, sums);
    let b = combine_parts(count - left, serial_leaves, sums);
    S::combine(a, b)
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
    fn uneven_schedule_visits_each_item_once_and_reports_the_lowest() {
        set_num_threads(3).unwrap();
        for lengths in [
            vec![0usize; 5],
            vec![1 << 20],
            vec![7, 1 << 18, 3, 0, 1 << 17, 9, 9, 9],
            (0..5000).map(|i| (i * 37) % 300).collect(),
        ] {
            let mut sums = vec![0usize];
            for &l in &lengths {
                sums.push(sums[sums.len() - 1] + l + 1);
            }
            let prefix = |i: usize| sums[i];
            let task = |first: usize, count: usize, out: &mut [usize], _split: bool| {
                for (k, slot) in out.iter_mut().enumerate().take(count) {
                    *slot += first + k + 1;
                }
                (first..first + count).find(|&i| lengths[i] == 9)
            };
            // From this thread (a team), and from a pool worker (a rayon parallel iterator).
            for on_worker in [false, true] {
                let mut out = vec![0usize; lengths.len()];
                let slots = &mut out[..];
                let call = || schedule_uneven(lengths.len(), &prefix, true, slots, &task);
                let report = if on_worker {
                    install(call).unwrap()
                } else {
                    call()
                };
                let want: Vec<usize> = (1..=lengths.len()).collect();
                assert_eq!(out, want);
                let lowest_nine = lengths.iter().position(|&l| l == 9);
                assert_eq!(report.unwrap(), lowest_nine);
            }
        }
    }

    #[test]
    fn team_runs_each_piece_once_from_many_callers() {
        use std::sync::atomic::AtomicU32;
        for threads in [2, 3, 4] {
            set_num_threads(threads).unwrap();
            std::thread::scope(|scope| {
                for caller in 0..3 {
                    scope.spawn(move || {
                        for pieces in [0, 1, 2, 7, 100] {
                            let seen: Vec<AtomicU32> =
                                (0..pieces).map(|_| AtomicU32::new(0)).collect();
                            for_each_piece(pieces, &|i| {
                                seen[i].fetch_add(1, Ordering::Relaxed);
                            });
                            assert!(seen.iter().all(|s| s.load(Ordering::Relaxed) == 1));
                            let squares = map_pieces(pieces, &|i| i * i + caller);
                            let want: Vec<usize> = (0..pieces).map(|i| i * i + caller).collect();
                            assert_eq!(squares, want);
                        }
                    });
                }
            });
        }
    }

    #[test]
    fn team_resumes_a_piece_panic_after_every_piece_is_done() {
        set_num_threads(3).unwrap();
        let done = AtomicUsize::new(0);
        let pool = pool().unwrap();
        let result = catch_unwind(AssertUnwindSafe(|| {
            run_team(&pool, 3, 64, &|i| {
                std::thread::sleep(Duration::from_micros(50));
                done.fetch_add(1, Ordering::SeqCst);
                if i == 5 {
                    panic!("piece five");
                }
            })
        }));
        let payload = result.expect_err("the panic comes back to the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"piece five"));
        assert_eq!(done.load(Ordering::SeqCst), 64);
    }

    #[test]
    fn team_tree_sum_and_chunks_match_the_serial_ones() {
        for threads in [1, 2, 3] {
            set_num_threads(threads).unwrap();
            for leaves in [1, 2, 3, 31, 64, 100, 1000] {
                for leaf_cost in [1, 64, 1 << 12] {
                    let run = |first: usize, n: usize| counter_tree_sum(n, &mut From(first));
                    let serial = counter_tree_sum(leaves, &mut From(0));
                    let split = tree_sum(leaves, leaf_cost, true, &run);
                    assert_eq!(serial.0, split.0, "leaves {leaves}, cost {leaf_cost}");
                    assert_eq!(split.1, leaves as u64);
                }
            }
            let items = 10_000;
            let mut out = vec![0usize; items];
            let task = |first: usize, count: usize, out: &mut [usize], _split: bool| {
                for (k, slot) in out.iter_mut().enumerate().take(count) {
                    *slot = first + k;
                }
                (first..first + count).find(|i| i % 3001 == 3000)
            };
            let report = schedule(Work::new(items, 100), true, &mut out[..], &task).unwrap();
            assert_eq!(report, Some(3000));
            assert!(out.iter().enumerate().all(|(i, &v)| i == v));
        }
    }

    #[test]
    fn counter_and_parallel_trees_agree() {
        for count in 1..300 {
            let serial = counter_tree_sum(count, &mut From(0));
            for serial_leaves in [1, 2, 3, 7, 64] {
                let mut parts = Vec::new();
                tree_parts(0, count, serial_leaves, &mut parts);
                let sums = parts
                    .iter()
                    .map(|&(first, n)| counter_tree_sum(n, &mut From(first)));
                let parallel = combine_parts(
                    count,
                    serial_leaves,
                    &mut sums.collect::<Vec<_>>().into_iter(),
                );
                assert_eq!(
                    serial.0, parallel.0,
                    "count {count}, serial {serial_leaves}"
                );
                assert_eq!(parallel.1, count as u64);
            }
        }
    }
}
