//! The reductions against a plain scalar reference, at every SIMD level, over strided views,
//! and across thread counts.

use _core::parallel;
use _core::{Arg, Input, KernelError, Measure, NanPolicy};
use _core::{SimdLevel, Strided};

/// Straightforward f64 formula on normalised (or raw) entries: the oracle.
fn oracle(measure: Measure, p: &[f64], q: &[f64], normalize: bool) -> f64 {
    let (sp, sq): (f64, f64) = if normalize {
        (p.iter().sum(), q.iter().sum())
    } else {
        (1.0, 1.0)
    };
    let mut total = 0.0;
    for (i, &x) in p.iter().enumerate() {
        let x = x / sp;
        if x == 0.0 {
            continue;
        }
        let y = q.get(i).map_or(0.0, |&y| y / sq);
        total += match measure {
            Measure::Entropy => -x * x.ln(),
            Measure::CrossEntropy => -x * y.ln(),
            Measure::KlDivergence => x * (x.ln() - y.ln()),
            other => unreachable!("{other:?} has its own tests (tests/family.rs)"),
        };
    }
    if normalize {
        total.max(0.0)
    } else {
        total
    }
}

mod common;
use common::{reduce, reduce_slice, Opts, XorShift as Rng};

/// Test data drawn from the shared generator.
trait Data {
    fn vec(&mut self, n: usize, zeros: bool) -> Vec<f64>;
}

impl Data for Rng {
    fn vec(&mut self, n: usize, zeros: bool) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let x = self.next_f64();
                if zeros && x < 0.1 {
                    0.0
                } else {
                    x * 10.0
                }
            })
            .collect()
    }
}

fn options(level: SimdLevel) -> Opts {
    Opts {
        level,
        ..Opts::default()
    }
}

const MEASURES: [Measure; 3] = [
    Measure::Entropy,
    Measure::CrossEntropy,
    Measure::KlDivergence,
];

fn close(a: f64, b: f64, rtol: f64) -> bool {
    a == b || (a - b).abs() <= rtol * b.abs() + rtol * 1e-1
}

#[test]
fn every_level_matches_the_oracle_f64() {
    let mut rng = Rng(42);
    for n in [
        0usize, 1, 2, 3, 7, 31, 64, 65, 127, 128, 129, 1000, 4099, 70_000,
    ] {
        let p = rng.vec(n, true);
        // q > 0 everywhere so that KL and cross-entropy stay finite.
        let q: Vec<f64> = rng.vec(n, false).iter().map(|x| x + 0.01).collect();
        for level in SimdLevel::available() {
            for measure in MEASURES {
                for normalize in [true, false] {
                    let want = oracle(measure, &p, &q, normalize);
                    let opts = Opts {
                        normalize,
                        ..options(level)
                    };
                    let qarg = measure.is_binary().then_some(q.as_slice());
                    let got = reduce_slice(measure, &p, qarg, &opts);
                    if normalize && (n == 0 || p.iter().all(|&x| x == 0.0)) {
                        assert!(matches!(got, Err(KernelError::ZeroMass { .. })));
                        continue;
                    }
                    let got = got.unwrap();
                    assert!(
                        close(got, want, 1e-12),
                        "{level} {measure:?} n={n} normalize={normalize}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_level_matches_the_oracle_f32() {
    let mut rng = Rng(7);
    for n in [1usize, 5, 33, 512, 513, 10_000] {
        let mut p64 = rng.vec(n, true);
        p64[0] = 1.0;
        let q64: Vec<f64> = rng.vec(n, false).iter().map(|x| x + 0.01).collect();
        let p: Vec<f32> = p64.iter().map(|&x| x as f32).collect();
        let q: Vec<f32> = q64.iter().map(|&x| x as f32).collect();
        let pw: Vec<f64> = p.iter().map(|&x| x as f64).collect();
        let qw: Vec<f64> = q.iter().map(|&x| x as f64).collect();
        for level in SimdLevel::available() {
            for measure in MEASURES {
                let want = oracle(measure, &pw, &qw, true);
                let qarg = measure.is_binary().then_some(q.as_slice());
                let got = reduce_slice(measure, &p, qarg, &options(level)).unwrap();
                assert!(
                    close(got, want, 1e-6),
                    "{level} {measure:?} n={n}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn edge_rules() {
    let inf = f64::INFINITY;
    for level in SimdLevel::available() {
        let o = options(level);
        let h = |p: &[f64]| reduce_slice(Measure::Entropy, p, None, &o);
        let kl = |p: &[f64], q: &[f64]| reduce_slice(Measure::KlDivergence, p, Some(q), &o);
        let ce = |p: &[f64], q: &[f64]| reduce_slice(Measure::CrossEntropy, p, Some(q), &o);
        assert_eq!(h(&[1.0, 0.0, 0.0]).unwrap(), 0.0);
        assert!(close(h(&[1e308, 1e308]).unwrap(), 2f64.ln(), 1e-15));
        assert!(close(h(&[5e-324, 5e-324]).unwrap(), 2f64.ln(), 1e-13));
        assert_eq!(kl(&[1.0, 1.0], &[1.0, 0.0]).unwrap(), inf);
        assert_eq!(ce(&[1.0, 1.0], &[1.0, 0.0]).unwrap(), inf);
        // p = 0 where q = 0: the term is 0.
        assert!(close(kl(&[1.0, 0.0], &[1.0, 0.0]).unwrap(), 0.0, 0.0));
        assert!(close(
            kl(&[1e308, 1e308], &[1.0, 3.0]).unwrap(),
            oracle(Measure::KlDivergence, &[1.0, 1.0], &[1.0, 3.0], true),
            1e-14
        ));
        assert_eq!(
            h(&[1.0, -2.0]),
            Err(KernelError::Negative {
                arg: Arg::P,
                distribution: 0,
                position: 1,
                value: -2.0
            })
        );
        assert_eq!(
            kl(&[1.0, 2.0], &[1.0, inf]),
            Err(KernelError::Infinite {
                arg: Arg::Q,
                distribution: 0,
                position: 1,
                value: inf
            })
        );
        assert!(h(&[1.0, f64::NAN]).unwrap().is_nan());
        let raise = Opts {
            nan_policy: NanPolicy::Raise,
            ..o
        };
        assert_eq!(
            reduce_slice(Measure::Entropy, &[1.0, 2.0, f64::NAN], None, &raise),
            Err(KernelError::Nan {
                arg: Arg::P,
                distribution: 0,
                position: 2
            })
        );
        let omit = Opts {
            nan_policy: NanPolicy::Omit,
            ..o
        };
        let omitted = reduce_slice(
            Measure::KlDivergence,
            &[1.0, f64::NAN, 3.0, 1.0],
            Some(&[2.0, -5.0, 1.0, f64::NAN]),
            &omit,
        )
        .unwrap();
        assert!(close(
            omitted,
            oracle(Measure::KlDivergence, &[1.0, 3.0], &[2.0, 1.0], true),
            1e-14
        ));
        assert_eq!(
            h(&[0.0, 0.0]),
            Err(KernelError::ZeroMass {
                arg: Arg::P,
                distribution: 0
            })
        );
    }
}

/// A (rows x cols) row-major matrix viewed with the reduction along rows or columns.
fn batch_results(
    data: &[f64],
    shape: [usize; 2],
    strides: [isize; 2],
    reference_row: Option<&[f64]>,
    measure: Measure,
    opts: &Opts,
) -> Result<Vec<f64>, KernelError> {
    // SAFETY: the callers' shapes and strides stay inside `data`.
    let p = Input::F64(unsafe { Strided::from_raw(data.as_ptr(), &shape, &strides, 1) }?);
    let q = reference_row.map(|row| {
        // Broadcast: stride 0 across the batch.
        Input::F64(unsafe { Strided::from_raw(row.as_ptr(), &shape, &[0, 1], 1) }.unwrap())
    });
    let mut out = vec![0.0; shape[0]];
    reduce(measure, &p, q.as_ref(), opts, &mut out)?;
    Ok(out)
}

#[test]
fn strided_views_give_the_same_bits_as_contiguous_copies() {
    let mut rng = Rng(3);
    let (rows, cols) = (37, 301);
    let data = rng.vec(rows * cols, true);
    let opts = options(SimdLevel::current());
    // Transposed view: distributions are the columns of `data`.
    let by_column = batch_results(
        &data,
        [cols, rows],
        [1, cols as isize],
        None,
        Measure::Entropy,
        &opts,
    )
    .unwrap();
    for (c, &got) in by_column.iter().enumerate() {
        let column: Vec<f64> = (0..rows).map(|r| data[r * cols + c]).collect();
        let want = reduce_slice(Measure::Entropy, &column, None, &opts).unwrap();
        assert_eq!(got.to_bits(), want.to_bits(), "column {c}");
    }
    // Negative stride: each row read backwards equals the reversed row.
    let last = (cols - 1) as isize;
    // SAFETY: row r, entry j reads data[r * cols + last - j], inside `data`.
    let reversed = Input::F64(
        unsafe {
            Strided::from_raw(
                data.as_ptr().offset(last),
                &[rows, cols],
                &[cols as isize, -1],
                1,
            )
        }
        .unwrap(),
    );
    let mut out = vec![0.0; rows];
    reduce(Measure::Entropy, &reversed, None, &opts, &mut out).unwrap();
    for (r, &got) in out.iter().enumerate() {
        let mut row = data[r * cols..(r + 1) * cols].to_vec();
        row.reverse();
        let want = reduce_slice(Measure::Entropy, &row, None, &opts).unwrap();
        assert_eq!(got.to_bits(), want.to_bits(), "row {r}");
    }
    // Broadcast q row against every p row.
    let q: Vec<f64> = rng.vec(cols, false).iter().map(|x| x + 0.5).collect();
    let kl = batch_results(
        &data,
        [rows, cols],
        [cols as isize, 1],
        Some(&q),
        Measure::KlDivergence,
        &opts,
    )
    .unwrap();
    for (r, &got) in kl.iter().enumerate() {
        let row = &data[r * cols..(r + 1) * cols];
        let want = reduce_slice(Measure::KlDivergence, row, Some(&q), &opts).unwrap();
        assert_eq!(got.to_bits(), want.to_bits(), "row {r}");
    }
}

#[test]
fn integer_counts_are_converted_exactly() {
    let counts: Vec<i64> = vec![1 << 62, 1 << 62];
    let p = Input::I64(Strided::from_slice(&counts, &[], 2).unwrap());
    let mut out = [0.0];
    reduce(
        Measure::Entropy,
        &p,
        None,
        &options(SimdLevel::current()),
        &mut out,
    )
    .unwrap();
    assert!(close(out[0], 2f64.ln(), 1e-13), "{}", out[0]);
    let negative: Vec<i8> = vec![3, -1];
    let p = Input::I8(Strided::from_slice(&negative, &[], 2).unwrap());
    let err = reduce(Measure::Entropy, &p, None, &Opts::default(), &mut out).unwrap_err();
    assert!(matches!(err, KernelError::Negative { position: 1, .. }));
}

#[test]
fn first_error_is_the_lowest_distribution_whatever_the_threads() {
    let rows = 4000;
    let cols = 64;
    let mut data = vec![1.0; rows * cols];
    data[3100 * cols + 5] = -1.0;
    data[1700 * cols + 9] = f64::INFINITY;
    data[2500 * cols] = -3.0;
    for threads in [1, 2, 3, 8] {
        parallel::set_num_threads(threads).unwrap();
        let err = batch_results(
            &data,
            [rows, cols],
            [cols as isize, 1],
            None,
            Measure::Entropy,
            &Opts::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            KernelError::Infinite {
                arg: Arg::P,
                distribution: 1700,
                position: 9,
                value: f64::INFINITY
            }
        );
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = Rng(11);
    let long = rng.vec(1_000_003, true);
    let q: Vec<f64> = rng.vec(1_000_003, false).iter().map(|x| x + 0.1).collect();
    let batch = rng.vec(300 * 1001, true);
    let mut seen: Option<(Vec<u64>, Vec<u64>)> = None;
    for threads in [1, 2, 3, 8] {
        parallel::set_num_threads(threads).unwrap();
        for level in SimdLevel::available() {
            let opts = options(level);
            let singles: Vec<u64> = MEASURES
                .iter()
                .map(|&m| {
                    let qarg = m.is_binary().then_some(q.as_slice());
                    reduce_slice(m, &long, qarg, &opts).unwrap().to_bits()
                })
                .collect();
            let rows: Vec<u64> = batch_results(
                &batch,
                [300, 1001],
                [1001, 1],
                None,
                Measure::Entropy,
                &opts,
            )
            .unwrap()
            .iter()
            .map(|x| x.to_bits())
            .collect();
            if level == SimdLevel::current() {
                match &seen {
                    None => seen = Some((singles, rows)),
                    Some((s, r)) => {
                        assert_eq!(s, &singles, "threads {threads}");
                        assert_eq!(r, &rows, "threads {threads}");
                    }
                }
            }
        }
    }
}

#[test]
fn stream_sum_adds_up() {
    let data: Vec<f64> = (0..1_000_000).map(|i| (i % 7) as f64).collect();
    let want: f64 = data.iter().sum();
    assert_eq!(
        _core::kernels::stream_sum(&data, &Default::default()).unwrap(),
        want
    );
    assert_eq!(
        _core::kernels::stream_sum(&data, &_core::Options::default().serial()).unwrap(),
        want
    );
}
