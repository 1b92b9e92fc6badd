//! Criterion benchmarks of every kernel at every SIMD level this CPU supports, without Python.
//!
//! Groups are named `{measure}/{dtype}/{level}` (for example `entropy/f64/avx512`) with one
//! benchmark per size, plus `stream_sum/{dtype}`: the plain threaded sum over the same number of
//! elements, the memory-bandwidth yardstick the Python benchmark divides kernel times by. The
//! rest of the family (Jensen-Shannon, Renyi and Tsallis at order 2, the elementwise functions,
//! the count estimators, label MI) has groups `family/{name}/f64` at the current level. The
//! joint-table pass has groups `table_sums/{f64,i64}`: the fused pass (`fused`) against the two
//! passes it replaced (`two_pass`: row partial sums, then column sums), on tables of 1,000
//! columns.
//! Throughput is in elements of `p` per second (a binary measure also reads as many of `q`).
//!
//! ```text
//! cargo bench --bench kernels                                  # sizes 1e3, 1e5, 1e6
//! ENTROPYKIT_BENCH_LARGE=1 cargo bench --bench kernels         # adds 1e7
//! ENTROPYKIT_NUM_THREADS=1 cargo bench --bench kernels         # one thread
//! cargo bench --bench kernels -- entropy/f64                   # a filter, as usual
//! ```
//!
//! Inputs are unnormalised positive values and the options are the defaults (`normalize = true`,
//! NaN propagates, natural log, the pool's threads), as a Python call with no keywords would be.

use std::hint::black_box;

use _core::kernels::counts::{count_reduce_slice, CountMeasure};
use _core::kernels::elementwise::{elementwise, Function};
use _core::kernels::labels::{mutual_information_labels, Labels};
use _core::kernels::stream_sum;
use _core::kernels::table::{table_column_sums, table_sums};
use _core::{partial_sums, NanPolicy, Partial, SumKind};
use _core::{reduce_slice, Measure, Options, Params, SimdLevel};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
const LARGE: usize = 10_000_000;

const MEASURES: [(Measure, &str); 3] = [
    (Measure::Entropy, "entropy"),
    (Measure::CrossEntropy, "cross_entropy"),
    (Measure::KlDivergence, "kl_divergence"),
];

const TWO_PASS: [(Measure, &str); 3] = [
    (Measure::JensenShannon, "js_divergence"),
    (Measure::Renyi, "renyi_entropy"),
    (Measure::Tsallis, "tsallis_entropy"),
];

/// The sizes to run: 1e7 only on request, since it makes a full run several times longer.
fn sizes() -> Vec<usize> {
    let mut sizes = SIZES.to_vec();
    if std::env::var("ENTROPYKIT_BENCH_LARGE").is_ok_and(|v| v.trim() == "1") {
        sizes.push(LARGE);
    }
    sizes
}

/// `n` reproducible values in (0, 1] from SplitMix64 (no `rand` dependency for a benchmark):
/// strictly positive, so no term is skipped and every lane does the full log.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            // 53 random bits as a float in [0, 1), turned into (0, 1].
            1.0 - (z >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// One group per measure, dtype and SIMD level; one benchmark per size in each.
fn bench_measures<T>(c: &mut Criterion, dtype: &str, convert: fn(f64) -> T)
where
    T: _core::strided::Element,
    for<'a> _core::Input<'a>: From<_core::Strided<'a, T>>,
{
    let sizes = sizes();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let p: Vec<T> = values(largest, 1).into_iter().map(convert).collect();
    let q: Vec<T> = values(largest, 2).into_iter().map(convert).collect();
    for (measure, name) in MEASURES {
        for level in SimdLevel::available() {
            let options = Options::at(level);
            let mut group = c.benchmark_group(format!("{name}/{dtype}/{level}"));
            for &n in &sizes {
                group.throughput(Throughput::Elements(n as u64));
                // Large inputs take long per iteration: the minimum sample count keeps them short.
                group.sample_size(if n >= 1_000_000 { 10 } else { 50 });
                let (p, q) = (&p[..n], &q[..n]);
                let q = measure.is_binary().then_some(q);
                group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                    b.iter(|| {
                        reduce_slice(
                            measure,
                            black_box(p),
                            black_box(q),
                            &Params::default(),
                            &options,
                        )
                        .expect("valid input")
                    })
                });
            }
            group.finish();
        }
    }
}

/// The bandwidth yardstick: a plain threaded sum over as many elements.
fn bench_stream_sum<T: _core::simd::Real>(c: &mut Criterion, dtype: &str, convert: fn(f64) -> T) {
    let sizes = sizes();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let data: Vec<T> = values(largest, 1).into_iter().map(convert).collect();
    let mut group = c.benchmark_group(format!("stream_sum/{dtype}"));
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(if n >= 1_000_000 { 10 } else { 50 });
        let data = &data[..n];
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| stream_sum(black_box(data), &Options::default()).expect("pool available"))
        });
    }
    group.finish();
}

fn family_group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(format!("family/{name}/f64"));
    group.sample_size(10);
    group
}

/// The rest of the family at the current SIMD level, f64, one group per function.
fn bench_family(c: &mut Criterion) {
    let sizes = sizes();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let p = values(largest, 1);
    let q = values(largest, 2);
    let counts: Vec<f64> = p.iter().map(|x| (x * 20.0).floor()).collect();
    let labels: Vec<i64> = p.iter().map(|x| (x * 1000.0) as i64).collect();
    let other: Vec<i64> = q
        .iter()
        .zip(&labels)
        .map(|(x, l)| (l + (x * 50.0) as i64) % 1000)
        .collect();
    let mut out = vec![0.0; largest];
    for (measure, name) in TWO_PASS {
        let mut group = family_group(c, name);
        for &n in &sizes {
            group.throughput(Throughput::Elements(n as u64));
            let q = measure.is_binary().then_some(&q[..n]);
            let (p, options) = (&p[..n], Options::default());
            group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| {
                    reduce_slice(measure, black_box(p), q, &Params::default(), &options)
                        .expect("valid")
                })
            });
        }
        group.finish();
    }
    for (function, name) in [(Function::Entr, "entr"), (Function::RelEntr, "rel_entr")] {
        let mut group = family_group(c, name);
        for &n in &sizes {
            group.throughput(Throughput::Elements(n as u64));
            let (x, y, out) = (&p[..n], &q[..n], &mut out[..n]);
            let options = Options::default();
            group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| {
                    elementwise(function, black_box(x), y, None, &options, out).expect("valid")
                })
            });
        }
        group.finish();
    }
    for (measure, name) in [
        (CountMeasure::Plugin, "entropy_from_counts_plugin"),
        (CountMeasure::ChaoShen, "entropy_from_counts_chao_shen"),
        (CountMeasure::Boltzmann, "boltzmann_entropy"),
    ] {
        let mut group = family_group(c, name);
        for &n in &sizes {
            group.throughput(Throughput::Elements(n as u64));
            let (counts, options) = (&counts[..n], Options::default());
            group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| {
                    count_reduce_slice(measure, black_box(counts), None, &options).expect("valid")
                })
            });
        }
        group.finish();
    }
    let mut group = family_group(c, "mutual_information_labels");
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        let (x, y, options) = (&labels[..n], &other[..n], Options::default());
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                mutual_information_labels(Labels::I64(black_box(x)), Labels::I64(y), &options)
                    .expect("valid")
            })
        });
    }
    group.finish();
}

/// Element types a table bench reads.
trait TableElement: _core::strided::Element {
    fn input(view: _core::Strided<'_, Self>) -> _core::Input<'_>;
}

impl TableElement for f64 {
    fn input(view: _core::Strided<'_, f64>) -> _core::Input<'_> {
        _core::Input::F64(view)
    }
}

impl TableElement for i64 {
    fn input(view: _core::Strided<'_, i64>) -> _core::Input<'_> {
        _core::Input::I64(view)
    }
}

/// The joint-table pass: one read (row sums and column sums) against the two passes before it.
fn bench_tables<T: TableElement>(c: &mut Criterion, dtype: &str, convert: fn(f64) -> T) {
    const COLUMNS: usize = 1_000;
    let sizes = sizes();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let data: Vec<T> = values(largest, 3)
        .into_iter()
        .map(|x| convert((x * 100.0).floor()))
        .collect();
    let mut group = c.benchmark_group(format!("table_sums/{dtype}"));
    group.sample_size(10);
    for &n in sizes.iter().filter(|&&n| n >= 10 * COLUMNS) {
        group.throughput(Throughput::Elements(n as u64));
        let rows = n / COLUMNS;
        let view = T::input(
            _core::Strided::from_slice(&data[..rows * COLUMNS], &[rows], COLUMNS).expect("shape"),
        );
        let (mut sums, mut columns) = (vec![Partial::default(); rows], vec![0.0; COLUMNS]);
        let (kind, nan, options) = (
            SumKind::Shannon(Measure::Entropy),
            NanPolicy::Propagate,
            Options::default(),
        );
        group.bench_with_input(BenchmarkId::new("fused", n), &n, |b, _| {
            b.iter(|| {
                table_sums(&view, rows, 1, nan, &options, &mut sums, &mut columns).expect("valid")
            })
        });
        group.bench_with_input(BenchmarkId::new("two_pass", n), &n, |b, _| {
            b.iter(|| {
                partial_sums(kind, &view, None, nan, &options, &mut sums).expect("valid");
                table_column_sums(&view, rows, 1, false, &options, &mut columns).expect("valid")
            })
        });
    }
    group.finish();
}

fn kernels(c: &mut Criterion) {
    bench_measures::<f64>(c, "f64", |x| x);
    bench_measures::<f32>(c, "f32", |x| x as f32);
    bench_stream_sum::<f64>(c, "f64", |x| x);
    bench_stream_sum::<f32>(c, "f32", |x| x as f32);
    bench_family(c);
    bench_tables::<f64>(c, "f64", |x| x);
    bench_tables::<i64>(c, "i64", |x| x as i64);
}

criterion_group!(benches, kernels);
criterion_main!(benches);
