//! Entropy estimators from counts, and the Boltzmann entropy ln W of the counts.
//!
//! Each distribution is read once for the sums every measure needs (one SIMD pass over fixed
//! leaves, combined along the fixed tree of `parallel`, so the bits do not depend on the thread
//! count): N = sum n, m = #{n > 0}, f1 = #{n == 1}, sum n ln n, sum n^2, sum ln(n!). The
//! James-Stein and Chao-Shen estimators need a second pass, with constants known only after the
//! first (the shrinkage intensity; the coverage).
//!
//! | measure | formula |
//! |---|---|
//! | plug-in | H(n/N) = ln N - (sum n ln n) / N |
//! | Miller-Madow | plug-in + (m - 1) / (2N) |
//! | James-Stein | -sum t ln t, t = lambda / K + (1 - lambda) n / N (Hausser & Strimmer 2009) |
//! | Chao-Shen | -sum pa ln pa / (1 - (1 - pa)^N), pa = C n / N, C = 1 - f1 / N (Chao & Shen 2003) |
//! | Boltzmann | ln W = ln N! - sum ln n! |
//!
//! Counts are whole numbers >= 0 in any dtype; a negative, infinite, NaN or fractional entry is an
//! error naming its position. All-zero counts are a zero-mass error for the estimators; for
//! Boltzmann they give ln W = ln 1 = 0.

use super::options::check_base;
use super::Options;
use crate::error::{Arg, KernelError};
use crate::parallel::{self, counter_tree_sum, Leaves, TreeSum, Work};
use crate::simd::exp::exp_nonpositive;
use crate::simd::lgamma::{ln_factorial, ln_factorial_at};
use crate::simd::ln::ln_f64_positive;
use crate::simd::{dispatch, load_padded, FloatVec, Level, SimdTask};
use crate::strided::Input;
use std::marker::PhantomData;

/// What to compute from each distribution of counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CountMeasure {
    Plugin,
    MillerMadow,
    JamesStein,
    ChaoShen,
    Boltzmann,
}

impl CountMeasure {
    /// The measure named `name` ("plugin", "miller_madow", "james_stein", "chao_shen",
    /// "boltzmann").
    pub fn parse(name: &str) -> Option<CountMeasure> {
        Some(match name {
            "plugin" => CountMeasure::Plugin,
            "miller_madow" => CountMeasure::MillerMadow,
            "james_stein" => CountMeasure::JamesStein,
            "chao_shen" => CountMeasure::ChaoShen,
            "boltzmann" => CountMeasure::Boltzmann,
            _ => return None,
        })
    }
}

/// The first-pass sums of a distribution (or of a piece of one). Counts of cells are held as f64:
/// exact up to 2^53.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CountSums {
    /// N = sum n.
    pub total: f64,
    /// m = number of cells with n > 0.
    pub nonzero: f64,
    /// f1 = number of cells with n == 1.
    pub singletons: f64,
    /// sum n ln n.
    pub n_ln_n: f64,
    /// sum n^2.
    pub squares: f64,
    /// sum ln(n!).
    pub ln_factorials: f64,
    /// Whether an entry is not a whole number >= 0 (then the sums mean nothing).
    pub bad: bool,
}

impl TreeSum for CountSums {
    fn zero() -> Self {
        CountSums::default()
    }
    #[inline(always)]
    fn combine(a: Self, b: Self) -> Self {
        CountSums {
            total: a.total + b.total,
            nonzero: a.nonzero + b.nonzero,
            singletons: a.singletons + b.singletons,
            n_ln_n: a.n_ln_n + b.n_ln_n,
            squares: a.squares + b.squares,
            ln_factorials: a.ln_factorials + b.ln_factorials,
            bad: a.bad | b.bad,
        }
    }
}

/// A plain f64 sum along the fixed tree (the second pass).
#[derive(Clone, Copy, Debug, Default)]
struct Sum(f64);

impl TreeSum for Sum {
    fn zero() -> Self {
        Sum(0.0)
    }
    #[inline(always)]
    fn combine(a: Self, b: Self) -> Self {
        Sum(a.0 + b.0)
    }
}

/// Entries per leaf (a multiple of every vector width), fixed so that the tree, and so the bits,
/// depend only on the length of a distribution.
const LEAF: usize = 1024;
/// 2^52: every f64 at or above it is a whole number, and below it `x + 2^52 - 2^52` rounds x to
/// a whole number.
const TWO52: f64 = 4_503_599_627_370_496.0;

/// Terms of small counts are looked up: counts are mostly small, and a term that depends only on
/// n (n ln n; the second-pass terms once their constants are known) is then computed 256 times per
/// call or distribution instead of once per cell. The table is filled by the same vector code at
/// the same level, so a looked-up term has the bits a computed one would.
const TABLE: usize = 256;
type Table = [f64; TABLE];
/// Cells per distribution (second pass) or entries per call (first pass) from which tables pay.
const TABLE_WORTH: usize = 4096;

/// The table's values for the lanes of `n` below `TABLE` (0 elsewhere), and whether every lane
/// was found. Lanes are looked up one by one (the trait has no gather).
#[inline(always)]
fn lookup<W: FloatVec<Elem = f64>>(table: &Table, n: W) -> (W, bool) {
    let mut lanes = [0.0f64; 16];
    // SAFETY: 16 >= LANES elements.
    unsafe { n.store(lanes.as_mut_ptr()) };
    let mut all = true;
    for x in lanes.iter_mut().take(W::LANES) {
        if *x < TABLE as f64 && *x >= 0.0 {
            *x = table[*x as usize];
        } else {
            *x = 0.0;
            all = false;
        }
    }
    // SAFETY: as above.
    (unsafe { W::load(lanes.as_ptr()) }, all)
}

/// n ln n (unspecified for n = 0, which callers mask).
#[inline(always)]
fn n_ln_n<W: FloatVec<Elem = f64>>(n: W) -> W {
    n.mul(ln_f64_positive(n))
}

/// Measures as const codes, so each gets a first-pass loop with only the sums it needs.
const PLUGIN: u8 = 0;
const JAMES_STEIN: u8 = 1;
const CHAO_SHEN: u8 = 2;
const BOLTZMANN: u8 = 3;

fn code(measure: CountMeasure) -> u8 {
    match measure {
        CountMeasure::Plugin | CountMeasure::MillerMadow => PLUGIN,
        CountMeasure::JamesStein => JAMES_STEIN,
        CountMeasure::ChaoShen => CHAO_SHEN,
        CountMeasure::Boltzmann => BOLTZMANN,
    }
}

/// Whether each lane is a whole number >= 0 and finite (NaN fails every comparison).
#[inline(always)]
fn whole_nonnegative<W: FloatVec<Elem = f64>>(x: W) -> W::Mask {
    let two52 = W::splat(TWO52);
    let finite = W::mask_and(x.ge(W::splat(0.0)), x.lt(W::splat(f64::INFINITY)));
    let rounded = x.add(two52).sub(two52);
    W::mask_and(finite, W::mask_or(x.ge(two52), rounded.eq(x)))
}

/// First-pass accumulators of one in-flight leaf.
#[derive(Clone, Copy)]
struct FirstAcc<W> {
    total: W,
    nonzero: W,
    singletons: W,
    n_ln_n: W,
    squares: W,
    ln_factorials: W,
}

impl<W: FloatVec<Elem = f64>> FirstAcc<W> {
    #[inline(always)]
    fn new() -> Self {
        let z = W::splat(0.0);
        FirstAcc {
            total: z,
            nonzero: z,
            singletons: z,
            n_ln_n: z,
            squares: z,
            ln_factorials: z,
        }
    }

    /// Adds one vector of counts (lanes that are not whole numbers >= 0 are caught by the caller).
    #[inline(always)]
    fn add<const M: u8>(&mut self, n: W, table: Option<&Table>) {
        let zero = W::splat(0.0);
        let one = W::splat(1.0);
        self.total = self.total.add(n);
        match M {
            PLUGIN => {
                let positive = n.gt(zero);
                self.nonzero = self.nonzero.add(W::select(positive, one, zero));
                let t = match table {
                    Some(table) => match lookup(table, n) {
                        (found, true) => found,
                        (found, false) => W::select(n.lt(W::splat(TABLE as f64)), found, n_ln_n(n)),
                    },
                    None => n_ln_n(n),
                };
                self.n_ln_n = self.n_ln_n.add(W::select(positive, t, zero));
            }
            JAMES_STEIN => self.squares = n.mul_add(n, self.squares),
            CHAO_SHEN => {
                self.singletons = self.singletons.add(W::select(n.eq(one), one, zero));
            }
            _ => self.ln_factorials = self.ln_factorials.add(ln_factorial(n)),
        }
    }

    #[inline(always)]
    fn total([a, b]: [Self; 2], bad: bool) -> CountSums {
        let both = |x: W, y: W| x.horizontal_sum() + y.horizontal_sum();
        CountSums {
            total: both(a.total, b.total),
            nonzero: both(a.nonzero, b.nonzero),
            singletons: both(a.singletons, b.singletons),
            n_ln_n: both(a.n_ln_n, b.n_ln_n),
            squares: both(a.squares, b.squares),
            ln_factorials: both(a.ln_factorials, b.ln_factorials),
            bad,
        }
    }
}

/// First-pass sums of one leaf: two accumulator sets in locals; zero padding adds nothing.
#[inline(always)]
fn first_leaf<L: Level, const M: u8>(data: &[f64], table: Option<&Table>) -> CountSums {
    type W<L> = <L as Level>::F64;
    let lanes = W::<L>::LANES;
    let (mut a, mut b) = (FirstAcc::<W<L>>::new(), FirstAcc::<W<L>>::new());
    let mut valid = W::<L>::mask_true();
    let n = data.len();
    let mut at = 0;
    while at + 2 * lanes <= n {
        // SAFETY: at + 2 lanes <= n.
        let (x0, x1) = unsafe {
            (
                W::<L>::load(data.as_ptr().add(at)),
                W::<L>::load(data.as_ptr().add(at + lanes)),
            )
        };
        valid = W::<L>::mask_and(
            valid,
            W::<L>::mask_and(whole_nonnegative(x0), whole_nonnegative(x1)),
        );
        a.add::<M>(x0, table);
        b.add::<M>(x1, table);
        at += 2 * lanes;
    }
    while at < n {
        let x = load_padded::<W<L>>(data, at);
        valid = W::<L>::mask_and(valid, whole_nonnegative(x));
        a.add::<M>(x, table);
        at += lanes;
    }
    FirstAcc::total([a, b], !W::<L>::mask_all(valid))
}

/// ln(1 + x) for x in [-1, 0]: ln u with u = 1 + x, corrected by the part of x that rounding
/// 1 + x lost, (x - (u - 1)) / u. x = -1 gives -inf.
#[inline(always)]
fn log1p_nonpositive<W: FloatVec<Elem = f64>>(x: W) -> W {
    let one = W::splat(1.0);
    let u = one.add(x);
    let corrected = ln_f64_positive(u).add(x.sub(u.sub(one)).div(u));
    W::select(u.gt(W::splat(0.0)), corrected, W::splat(f64::NEG_INFINITY))
}

/// 1 - e^y for y <= 0 (or -inf), by Kahan's e^y - 1 = (u - 1) y / ln u with u = e^y, which stays
/// accurate for tiny |y| where 1 - u cancels.
#[inline(always)]
fn one_minus_exp<W: FloatVec<Elem = f64>>(y: W) -> W {
    let one = W::splat(1.0);
    let u = exp_nonpositive(y);
    let um1 = u.sub(one);
    // u in (0, 1) here wherever the formula is used; other lanes are replaced below.
    let em1 = um1.mul(y).div(ln_f64_positive(u));
    let em1 = W::select(u.eq(one), y, em1);
    let em1 = W::select(um1.eq(W::splat(-1.0)), W::splat(-1.0), em1);
    W::splat(0.0).sub(em1)
}

/// The second-pass constants: James-Stein's theta = shift + scale n; Chao-Shen's pa = scale n
/// with `total` = N.
#[derive(Clone, Copy, Debug)]
struct Second {
    scale: f64,
    shift: f64,
    total: f64,
}

/// The second-pass term of one vector (before masking padding).
#[inline(always)]
fn second_term<W: FloatVec<Elem = f64>, const M: u8>(c: &Second, n: W) -> W {
    let zero = W::splat(0.0);
    if M == JAMES_STEIN {
        let theta = n.mul_add(W::splat(c.scale), W::splat(c.shift));
        W::select(theta.gt(zero), theta.mul(ln_f64_positive(theta)), zero)
    } else {
        let pa = n.mul(W::splat(c.scale));
        let seen = one_minus_exp(W::splat(c.total).mul(log1p_nonpositive(zero.sub(pa))));
        let t = pa.mul(ln_f64_positive(pa)).div(seen);
        W::select(n.gt(zero), t, zero)
    }
}

/// The second-pass term, from the table where it has the lanes.
#[inline(always)]
fn second_lookup<W: FloatVec<Elem = f64>, const M: u8>(
    c: &Second,
    table: Option<&Table>,
    n: W,
) -> W {
    match table {
        Some(table) => match lookup(table, n) {
            (found, true) => found,
            (found, false) => W::select(
                n.lt(W::splat(TABLE as f64)),
                found,
                second_term::<W, M>(c, n),
            ),
        },
        None => second_term::<W, M>(c, n),
    }
}

/// Second-pass sum of one leaf. The tail's padded lanes are dropped one by one (a zero count has
/// a nonzero James-Stein term).
#[inline(always)]
fn second_leaf<L: Level, const M: u8>(c: &Second, table: Option<&Table>, data: &[f64]) -> f64 {
    type W<L> = <L as Level>::F64;
    let lanes = W::<L>::LANES;
    let (mut a, mut b) = (W::<L>::splat(0.0), W::<L>::splat(0.0));
    let n = data.len();
    let mut at = 0;
    while at + 2 * lanes <= n {
        // SAFETY: at + 2 lanes <= n.
        let (x0, x1) = unsafe {
            (
                W::<L>::load(data.as_ptr().add(at)),
                W::<L>::load(data.as_ptr().add(at + lanes)),
            )
        };
        a = a.add(second_lookup::<W<L>, M>(c, table, x0));
        b = b.add(second_lookup::<W<L>, M>(c, table, x1));
        at += 2 * lanes;
    }
    let mut tail = 0.0;
    while at < n {
        let mut terms = [0.0f64; 16];
        // SAFETY: 16 >= LANES elements.
        unsafe {
            second_lookup::<W<L>, M>(c, table, load_padded::<W<L>>(data, at))
                .store(terms.as_mut_ptr())
        };
        for &t in terms.iter().take((n - at).min(lanes)) {
            tail += t;
        }
        at += lanes;
    }
    a.horizontal_sum() + b.horizontal_sum() + tail
}

/// Everything a reduction needs, shared by all threads.
struct Job<'a> {
    measure: CountMeasure,
    input: &'a Input<'a>,
    base: Option<f64>,
    options: Options,
    reduce_len: usize,
    /// n ln n for small n (plug-in and Miller-Madow on enough entries).
    table: Option<Table>,
}

/// Fills a table of a term at n = 0..256 with the vector code of a level: n ln n for the first
/// pass (`None`), else the second-pass term of the measure with these constants.
struct BuildTable(Option<(Second, u8)>);

impl SimdTask for BuildTable {
    type Output = Table;
    #[inline(always)]
    fn run<L: Level>(self) -> Table {
        type W<L> = <L as Level>::F64;
        let mut counts = [0.0f64; TABLE];
        for (i, x) in counts.iter_mut().enumerate() {
            *x = i as f64;
        }
        let mut out = [0.0f64; TABLE];
        let mut at = 0;
        while at < TABLE {
            // SAFETY: TABLE is a multiple of every vector width, so at + LANES <= TABLE.
            let n = unsafe { W::<L>::load(counts.as_ptr().add(at)) };
            let t = match self.0 {
                None => n_ln_n(n),
                Some((c, JAMES_STEIN)) => second_term::<W<L>, JAMES_STEIN>(&c, n),
                Some((c, _)) => second_term::<W<L>, CHAO_SHEN>(&c, n),
            };
            // SAFETY: as above.
            unsafe { t.store(out.as_mut_ptr().add(at)) };
            at += W::<L>::LANES;
        }
        out
    }
}

/// The SIMD task of a pass: a sequential tree sum over `count` leaves of one distribution from
/// `first`. `second` is `None` for the first pass.
struct LeafRange<'a> {
    job: &'a Job<'a>,
    base: isize,
    first: usize,
    count: usize,
    second: Option<Second>,
    /// The second pass's table of small-count terms, if built.
    table: Option<&'a Table>,
}

struct FirstWalker<'a, 'b, L, const M: u8> {
    task: &'b LeafRange<'a>,
    buf: &'b mut [f64],
    level: PhantomData<L>,
}

impl<L: Level, const M: u8> Leaves for FirstWalker<'_, '_, L, M> {
    type Sum = CountSums;
    #[inline(always)]
    fn leaf(&mut self, i: usize) -> CountSums {
        let job = self.task.job;
        let start = (self.task.first + i) * LEAF;
        let len = LEAF.min(job.reduce_len - start);
        let data = job.input.fetch_f64(self.task.base, start, len, self.buf);
        first_leaf::<L, M>(data, job.table.as_ref())
    }
}

struct SecondWalker<'a, 'b, L, const M: u8> {
    task: &'b LeafRange<'a>,
    constants: Second,
    buf: &'b mut [f64],
    level: PhantomData<L>,
}

impl<L: Level, const M: u8> Leaves for SecondWalker<'_, '_, L, M> {
    type Sum = Sum;
    #[inline(always)]
    fn leaf(&mut self, i: usize) -> Sum {
        let job = self.task.job;
        let start = (self.task.first + i) * LEAF;
        let len = LEAF.min(job.reduce_len - start);
        let data = job.input.fetch_f64(self.task.base, start, len, self.buf);
        Sum(second_leaf::<L, M>(&self.constants, self.task.table, data))
    }
}

/// The result of either pass (a SIMD task has one output type).
#[derive(Clone, Copy)]
enum PassSum {
    First(CountSums),
    Second(Sum),
}

impl LeafRange<'_> {
    #[inline(always)]
    fn first<L: Level, const M: u8>(&self, buf: &mut [f64]) -> PassSum {
        let mut walker = FirstWalker::<L, M> {
            task: self,
            buf,
            level: PhantomData,
        };
        PassSum::First(counter_tree_sum(self.count, &mut walker))
    }

    #[inline(always)]
    fn second<L: Level, const M: u8>(&self, constants: Second, buf: &mut [f64]) -> PassSum {
        let mut walker = SecondWalker::<L, M> {
            task: self,
            constants,
            buf,
            level: PhantomData,
        };
        PassSum::Second(counter_tree_sum(self.count, &mut walker))
    }
}

impl SimdTask for LeafRange<'_> {
    type Output = PassSum;

    #[inline(always)]
    fn run<L: Level>(self) -> PassSum {
        let job = self.job;
        // Scratch for strided or non-f64 counts; contiguous f64 is read in place.
        let mut scratch = vec![
            0.0f64;
            if job.input.is_direct::<f64>() {
                0
            } else {
                LEAF
            }
        ];
        match (self.second, code(job.measure)) {
            (None, PLUGIN) => self.first::<L, PLUGIN>(&mut scratch),
            (None, JAMES_STEIN) => self.first::<L, JAMES_STEIN>(&mut scratch),
            (None, CHAO_SHEN) => self.first::<L, CHAO_SHEN>(&mut scratch),
            (None, _) => self.first::<L, BOLTZMANN>(&mut scratch),
            (Some(c), JAMES_STEIN) => self.second::<L, JAMES_STEIN>(c, &mut scratch),
            (Some(c), _) => self.second::<L, CHAO_SHEN>(c, &mut scratch),
        }
    }
}

impl TreeSum for PassSum {
    fn zero() -> Self {
        PassSum::Second(Sum(0.0))
    }
    fn combine(a: Self, b: Self) -> Self {
        match (a, b) {
            (PassSum::First(a), PassSum::First(b)) => PassSum::First(CountSums::combine(a, b)),
            (PassSum::Second(a), PassSum::Second(b)) => PassSum::Second(Sum::combine(a, b)),
            _ => unreachable!("the two passes are never combined"),
        }
    }
}

impl Job<'_> {
    /// One pass over distribution `d` (`second` is `None` for the first pass).
    fn pass(&self, d: usize, split: bool, second: Option<Second>) -> PassSum {
        let base = self.input.distribution_offset(d);
        let table = match second {
            Some(c) if self.reduce_len >= TABLE_WORTH => Some(dispatch(
                self.options.level,
                BuildTable(Some((c, code(self.measure)))),
            )),
            _ => None,
        };
        let table = table.as_ref();
        let leaves = self.reduce_len.div_ceil(LEAF);
        let run = |first: usize, count: usize| {
            dispatch(
                self.options.level,
                LeafRange {
                    job: self,
                    base,
                    first,
                    count,
                    second,
                    table,
                },
            )
        };
        parallel::tree_sum(leaves, LEAF, split, &run)
    }

    fn first_sums(&self, d: usize, split: bool) -> CountSums {
        match self.pass(d, split, None) {
            PassSum::First(s) => s,
            PassSum::Second(_) => unreachable!(),
        }
    }

    fn second_sum(&self, d: usize, split: bool, constants: Second) -> f64 {
        match self.pass(d, split, Some(constants)) {
            PassSum::Second(Sum(s)) => s,
            PassSum::First(_) => unreachable!(),
        }
    }

    /// The value for distribution `d`, in nats, or its first error.
    fn distribution(&self, d: usize, split: bool) -> Result<f64, KernelError> {
        let s = self.first_sums(d, split);
        if s.bad {
            return Err(self.diagnose(d));
        }
        let n = s.total;
        if n == 0.0 && self.measure != CountMeasure::Boltzmann {
            return Err(KernelError::ZeroMass {
                arg: Arg::P,
                distribution: d,
            });
        }
        let plugin = || (n.ln() - s.n_ln_n / n).max(0.0);
        let value = match self.measure {
            CountMeasure::Plugin => plugin(),
            CountMeasure::MillerMadow => plugin() + (s.nonzero - 1.0) / (2.0 * n),
            CountMeasure::JamesStein => {
                let k = self.reduce_len as f64;
                let lambda = shrinkage(n, s.squares, k);
                let constants = Second {
                    scale: (1.0 - lambda) / n,
                    shift: lambda / k,
                    total: n,
                };
                (-self.second_sum(d, split, constants)).max(0.0)
            }
            CountMeasure::ChaoShen => {
                let f1 = if s.singletons == n {
                    n - 1.0
                } else {
                    s.singletons
                };
                let coverage = 1.0 - f1 / n;
                let constants = Second {
                    scale: coverage / n,
                    shift: 0.0,
                    total: n,
                };
                (-self.second_sum(d, split, constants)).max(0.0)
            }
            CountMeasure::Boltzmann => {
                let ln_w = ln_factorial_at(self.options.level, n) - s.ln_factorials;
                if !ln_w.is_finite() {
                    return Err(KernelError::Layout(format!(
                        "boltzmann_entropy: the counts of distribution {d} are too large: \
                         ln N! overflows float64"
                    )));
                }
                ln_w.max(0.0)
            }
        };
        Ok(match self.base {
            Some(base) => value / base.ln(),
            None => value,
        })
    }

    /// The first entry of distribution `d` that is not a whole number >= 0.
    fn diagnose(&self, d: usize) -> KernelError {
        let base = self.input.distribution_offset(d);
        let mut buf = [0.0f64; 256];
        let mut start = 0;
        while start < self.reduce_len {
            let len = buf.len().min(self.reduce_len - start);
            let values = self.input.fetch_f64(base, start, len, &mut buf);
            for (j, &x) in values.iter().enumerate() {
                let (arg, distribution, position, value) = (Arg::P, d, start + j, x);
                if x.is_nan() {
                    return KernelError::Nan {
                        arg,
                        distribution,
                        position,
                    };
                }
                if x.is_infinite() {
                    return KernelError::Infinite {
                        arg,
                        distribution,
                        position,
                        value,
                    };
                }
                if x < 0.0 {
                    return KernelError::Negative {
                        arg,
                        distribution,
                        position,
                        value,
                    };
                }
                if x.fract() != 0.0 {
                    return KernelError::NotWhole {
                        arg,
                        distribution,
                        position,
                        value,
                    };
                }
            }
            start += len;
        }
        unreachable!("a leaf flagged a bad entry that a scan does not find")
    }

    fn run_range(&self, offset: usize, out: &mut [f64], split: bool) -> Result<(), KernelError> {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = self.distribution(offset + i, split)?;
        }
        Ok(())
    }

    fn run(&self, out: &mut [f64]) -> Result<(), KernelError> {
        let work = Work::new(out.len(), self.reduce_len).splittable(LEAF);
        let task = |first: usize, _count: usize, out: &mut [f64], split: bool| {
            self.run_range(first, out, split).err()
        };
        parallel::schedule(work, self.options.parallel, out, &task)?.map_or(Ok(()), Err)
    }
}

/// The James-Stein shrinkage intensity towards the uniform target 1/K (Hausser & Strimmer 2009,
/// as the R package `entropy` computes it): lambda = (1 - sum u^2) / ((N - 1) sum (1/K - u)^2)
/// with u = n/N, clipped to [0, 1]; 1 when N = 1 or when the counts are exactly uniform.
///
/// sum (1/K - u)^2 = (K sum n^2 - N^2) / (K N^2) is taken from the first-pass sums. Its rounding
/// error grows as the counts near uniform, but there lambda's influence on the entropy vanishes
/// too (dH/dlambda is proportional to the distance from uniform), so the estimate keeps its
/// accuracy without a third pass.
pub fn shrinkage(n: f64, squares: f64, k: f64) -> f64 {
    if n <= 1.0 {
        return 1.0;
    }
    let sum_u2 = squares / (n * n);
    let misfit = (-n).mul_add(n, k * squares) / (k * n * n);
    if misfit <= 0.0 {
        return 1.0;
    }
    ((1.0 - sum_u2) / ((n - 1.0) * misfit)).clamp(0.0, 1.0)
}

/// Computes `measure` for every distribution of `counts`, writing one value per distribution
/// (C order over the batch shape) to `out`.
///
/// Errors name the first offending distribution (lowest index) and, within it, the first entry
/// that is NaN, infinite, negative or not a whole number; then zero mass (all-zero counts) for the
/// estimators.
pub fn count_reduce(
    measure: CountMeasure,
    counts: &Input,
    base: Option<f64>,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let distributions: usize = counts.batch_shape().iter().product();
    if out.len() != distributions {
        return Err(KernelError::Layout(format!(
            "out has {} slots for {distributions} distributions",
            out.len()
        )));
    }
    check_base(base)?;
    let plugin = matches!(measure, CountMeasure::Plugin | CountMeasure::MillerMadow);
    let entries = distributions.saturating_mul(counts.reduce_len());
    let job = Job {
        measure,
        input: counts,
        base,
        options: *options,
        reduce_len: counts.reduce_len(),
        table: (plugin && entries >= TABLE_WORTH)
            .then(|| dispatch(options.level, BuildTable(None))),
    };
    job.run(out)
}

/// Convenience for one contiguous distribution of counts.
pub fn count_reduce_slice<T>(
    measure: CountMeasure,
    counts: &[T],
    base: Option<f64>,
    options: &Options,
) -> Result<f64, KernelError>
where
    T: crate::strided::Element,
    for<'a> Input<'a>: From<crate::strided::Strided<'a, T>>,
{
    let input = Input::from(crate::strided::Strided::from_slice(
        counts,
        &[],
        counts.len(),
    )?);
    let mut out = [0.0];
    count_reduce(measure, &input, base, options, &mut out)?;
    Ok(out[0])
}
