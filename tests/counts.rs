//! Count estimators, ln(n!) and the Gaussian kernels against plain scalar oracles, at every SIMD
//! level, over integer and strided views, and across thread counts.

use _core::kernels::counts::{count_reduce, count_reduce_slice, CountMeasure};
use _core::kernels::gaussian;
use _core::parallel;
use _core::simd::lgamma::{ln_factorial_f64, ln_factorial_slice, TABLE_LEN};
use _core::{Input, KernelError, Options, SimdLevel, Strided};

mod common;
use common::{ulps_f64, XorShift as Rng};

const ESTIMATORS: [CountMeasure; 4] = [
    CountMeasure::Plugin,
    CountMeasure::MillerMadow,
    CountMeasure::JamesStein,
    CountMeasure::ChaoShen,
];

fn options(level: SimdLevel) -> Options {
    Options::at(level)
}

/// A sum with Neumaier's compensation: an oracle accurate to about an ulp of the total.
fn exact_sum(terms: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut carry) = (0.0f64, 0.0f64);
    for t in terms {
        let s = sum + t;
        carry += if sum.abs() >= t.abs() {
            (sum - s) + t
        } else {
            (t - s) + sum
        };
        sum = s;
    }
    sum + carry
}

/// ln(n!) as a compensated sum of ln k.
fn ln_factorial_oracle(n: u64) -> f64 {
    exact_sum((2..=n).map(|k| (k as f64).ln()))
}

/// The estimators written out directly from their definitions (R package `entropy`).
fn oracle(measure: CountMeasure, counts: &[f64]) -> f64 {
    let n: f64 = exact_sum(counts.iter().copied());
    let k = counts.len() as f64;
    let u: Vec<f64> = counts.iter().map(|&c| c / n).collect();
    let xlogx = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
    let plugin = -exact_sum(u.iter().map(|&x| xlogx(x)));
    match measure {
        CountMeasure::Plugin => plugin.max(0.0),
        CountMeasure::MillerMadow => {
            let m = counts.iter().filter(|&&c| c > 0.0).count() as f64;
            plugin.max(0.0) + (m - 1.0) / (2.0 * n)
        }
        CountMeasure::JamesStein => {
            let t = 1.0 / k;
            let lambda = if n == 1.0 {
                1.0
            } else {
                let var_u = exact_sum(u.iter().map(|&x| x * (1.0 - x))) / (n - 1.0);
                let misfit = exact_sum(u.iter().map(|&x| (x - t) * (x - t)));
                if misfit == 0.0 {
                    1.0
                } else {
                    (var_u / misfit).clamp(0.0, 1.0)
                }
            };
            -exact_sum(u.iter().map(|&x| xlogx(lambda * t + (1.0 - lambda) * x)))
        }
        CountMeasure::ChaoShen => {
            let mut f1 = counts.iter().filter(|&&c| c == 1.0).count() as f64;
            if f1 == n {
                f1 = n - 1.0;
            }
            let c = 1.0 - f1 / n;
            -exact_sum(u.iter().filter(|&&x| x > 0.0).map(|&x| {
                let pa = c * x;
                pa * pa.ln() / -(n * (-pa).ln_1p()).exp_m1()
            }))
        }
        CountMeasure::Boltzmann => {
            ln_factorial_oracle(n as u64)
                - exact_sum(counts.iter().map(|&c| ln_factorial_oracle(c as u64)))
        }
    }
}

fn counts_vec(rng: &mut Rng, len: usize, max: f64) -> Vec<f64> {
    (0..len)
        .map(|_| {
            let x = rng.next_f64();
            if x < 0.2 {
                0.0
            } else {
                (rng.next_f64() * max).floor()
            }
        })
        .collect()
}

fn close(a: f64, b: f64, rtol: f64) -> bool {
    a == b || (a - b).abs() <= rtol * b.abs().max(1e-3)
}

#[test]
fn ln_factorial_table_is_correctly_rounded_and_the_series_joins_it() {
    for n in 0..3000u64 {
        let want = ln_factorial_oracle(n);
        let got = ln_factorial_f64(n as f64);
        let limit = if (n as usize) < TABLE_LEN { 1 } else { 4 };
        assert!(
            ulps_f64(got, want) <= limit,
            "ln({n}!) = {got} vs {want} ({} ulp)",
            ulps_f64(got, want)
        );
    }
}

/// (n, ln n!) from Stirling's series with ten Bernoulli terms in 80-digit decimal arithmetic
/// (Python's `decimal`), each rounded once to f64.
const LARGE: [(f64, f64); 18] = [
    (256.0, 1167.2572785628802),
    (257.0, 1172.8063546477754),
    (300.0, 1414.905849945068),
    (1000.0, 5912.128178488163),
    (4097.0, 29986.966071121595),
    (12345.0, 103962.95347844968),
    (1000000.0, 12815518.384658169),
    (2147483648.0, 43996705676.86609),
    (1000000007.0, 19723265993.289845),
    (1099511627776.0, 29385423763671.2),
    (4503599627370496.0, 1.5782258434492886e+17),
    (9007199254740992.0, 3.2188848345802304e+17),
    (1.152921504606847e+18, 4.679573591490311e+19),
    (1e+20, 4.505170185988091e+21),
    (1e+100, 2.2925850929940456e+102),
    (1e+200, 4.595170185988091e+202),
    (1e+300, 6.897755278982137e+302),
    (2e+305, 1.4039632010874878e+308),
];

#[test]
fn ln_factorial_of_large_counts_on_every_level() {
    let input: Vec<f64> = LARGE.iter().map(|&(n, _)| n).collect();
    for level in SimdLevel::available() {
        let mut out = vec![0.0; input.len()];
        ln_factorial_slice(level, &input, &mut out);
        for (&(n, want), &got) in LARGE.iter().zip(&out) {
            assert!(
                ulps_f64(got, want) <= 4,
                "{level}: ln({n}!) = {got} vs {want} ({} ulp)",
                ulps_f64(got, want)
            );
        }
        // Mixed vectors (table and series lanes together), and past overflow.
        let mixed = [3.0, 5000.0, 0.0, 255.0, 256.0, 1.0, 1e306, 17.0];
        let mut out = [0.0; 8];
        ln_factorial_slice(level, &mixed, &mut out);
        for (&n, &got) in mixed.iter().zip(&out) {
            if n > 1e305 {
                assert_eq!(got, f64::INFINITY);
            } else {
                assert!(ulps_f64(got, ln_factorial_f64(n)) <= 2, "{level} {n}");
            }
        }
    }
}

#[test]
fn estimators_match_the_oracle_on_every_level() {
    let mut rng = Rng(2024);
    for len in [1usize, 2, 3, 7, 31, 64, 65, 1023, 1024, 1025, 4099, 70_000] {
        for max in [3.0, 40.0, 5000.0] {
            let mut counts = counts_vec(&mut rng, len, max);
            counts[0] += 1.0;
            for level in SimdLevel::available() {
                for measure in ESTIMATORS.into_iter().chain([CountMeasure::Boltzmann]) {
                    if measure == CountMeasure::Boltzmann && len > 5000 && max > 1000.0 {
                        continue; // the oracle's sums of logs get slow
                    }
                    let want = oracle(measure, &counts);
                    let got = count_reduce_slice(measure, &counts, None, &options(level)).unwrap();
                    assert!(
                        close(got, want, 1e-12),
                        "{level} {measure:?} len={len} max={max}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn hand_checked_values() {
    // The example of the R package `entropy`: ML 1.968382, MM 2.152593.
    let y = [4.0, 2.0, 3.0, 0.0, 2.0, 4.0, 0.0, 0.0, 2.0, 1.0, 1.0];
    let opts = Options::default();
    let get = |m| count_reduce_slice(m, &y, None, &opts).unwrap();
    assert!((get(CountMeasure::Plugin) - 1.968_382_408_728_381).abs() < 1e-14);
    assert!((get(CountMeasure::MillerMadow) - 2.152_592_935_044_171).abs() < 1e-14);
    // James-Stein by hand: N = 19, K = 11, sum n^2 = 55, so sum u^2 = 55/361,
    // sum (1/11 - u)^2 = 55/361 - 1/11 = 244/3971, lambda = (306/361) / (18 * 244/3971) = 0.5171...
    let lambda: f64 = (306.0 / 361.0) / (18.0 * 244.0 / 3971.0);
    let h: f64 = -y
        .iter()
        .map(|&n| {
            let t = lambda / 11.0 + (1.0 - lambda) * n / 19.0;
            t * t.ln()
        })
        .sum::<f64>();
    assert!((get(CountMeasure::JamesStein) - h).abs() < 1e-14, "{h}");
    // Chao-Shen by hand: f1 = 2, C = 17/19.
    let c = 17.0 / 19.0;
    let h: f64 = -y
        .iter()
        .filter(|&&n| n > 0.0)
        .map(|&n| {
            let pa: f64 = c * n / 19.0;
            pa * pa.ln() / (1.0 - (1.0 - pa).powi(19))
        })
        .sum::<f64>();
    assert!((get(CountMeasure::ChaoShen) - h).abs() < 1e-14, "{h}");
    // ln W of [2, 1, 1] = ln(4!/2!) = ln 12.
    let w = count_reduce_slice(CountMeasure::Boltzmann, &[2.0, 1.0, 1.0], None, &opts).unwrap();
    assert!(ulps_f64(w, 12f64.ln()) <= 2);
    // Single cell, single count, all singletons.
    for m in ESTIMATORS {
        assert_eq!(
            count_reduce_slice(m, &[7.0], None, &opts).unwrap(),
            0.0,
            "{m:?}"
        );
    }
    assert_eq!(
        count_reduce_slice(CountMeasure::ChaoShen, &[1.0, 0.0], None, &opts).unwrap(),
        0.0
    );
    let singles = [1.0, 1.0, 1.0, 1.0];
    let cs = count_reduce_slice(CountMeasure::ChaoShen, &singles, None, &opts).unwrap();
    assert!(close(cs, oracle(CountMeasure::ChaoShen, &singles), 1e-14));
    assert_eq!(
        count_reduce_slice(CountMeasure::Boltzmann, &[0.0, 0.0], None, &opts).unwrap(),
        0.0
    );
    // One nonzero cell: W = 1 exactly, on every level (ln N! and ln n! share their bits).
    for level in SimdLevel::available() {
        for n in [1.0, 255.0, 256.0, 1286.0, 1e15] {
            let one = [0.0, n, 0.0];
            let w =
                count_reduce_slice(CountMeasure::Boltzmann, &one, None, &options(level)).unwrap();
            assert_eq!(w, 0.0, "{level} {n}");
        }
    }
}

#[test]
fn integer_dtypes_and_strided_views_agree_with_f64() {
    let mut rng = Rng(5);
    let counts = counts_vec(&mut rng, 3 * 2000, 300.0);
    let as_u64: Vec<u64> = counts.iter().map(|&c| c as u64).collect();
    let as_i16: Vec<i16> = counts.iter().map(|&c| c as i16).collect();
    let opts = Options::default();
    for measure in ESTIMATORS.into_iter().chain([CountMeasure::Boltzmann]) {
        // Rows of a (3, 2000) array, and columns of its transpose (stride 3).
        let mut want = vec![0.0; 3];
        let input = Input::F64(Strided::from_slice(&counts, &[3], 2000).unwrap());
        count_reduce(measure, &input, None, &opts, &mut want).unwrap();
        let mut got = vec![0.0; 3];
        let input = Input::U64(Strided::from_slice(&as_u64, &[3], 2000).unwrap());
        count_reduce(measure, &input, None, &opts, &mut got).unwrap();
        assert_eq!(got, want, "{measure:?} u64");
        let input = Input::I16(Strided::from_slice(&as_i16, &[3], 2000).unwrap());
        count_reduce(measure, &input, None, &opts, &mut got).unwrap();
        assert_eq!(got, want, "{measure:?} i16");
        let transposed: Vec<f64> = (0..2000)
            .flat_map(|j| (0..3).map(move |i| (i, j)))
            .map(|(i, j)| counts[i * 2000 + j])
            .collect();
        // SAFETY: shape (3, 2000) with strides (1, 3) stays inside the 6000 elements.
        let view = unsafe { Strided::from_raw(transposed.as_ptr(), &[3, 2000], &[1, 3], 1) };
        count_reduce(measure, &Input::F64(view.unwrap()), None, &opts, &mut got).unwrap();
        assert_eq!(got, want, "{measure:?} strided");
    }
}

#[test]
fn bad_counts_are_named() {
    let opts = Options::default();
    let cases: [(f64, &str); 4] = [
        (f64::NAN, "nan"),
        (f64::INFINITY, "inf"),
        (-1.0, "neg"),
        (2.5, "frac"),
    ];
    for (bad, what) in cases {
        let mut data = vec![1.0; 2 * 3000];
        data[3000 + 2047] = bad;
        data[3000 + 2500] = -7.0;
        let input = Input::F64(Strided::from_slice(&data, &[2], 3000).unwrap());
        let mut out = vec![0.0; 2];
        for measure in ESTIMATORS.into_iter().chain([CountMeasure::Boltzmann]) {
            let err = count_reduce(measure, &input, None, &opts, &mut out).unwrap_err();
            let ok = match (what, &err) {
                ("nan", KernelError::Nan { position, .. }) => *position == 2047,
                ("inf", KernelError::Infinite { position, .. }) => *position == 2047,
                ("neg", KernelError::Negative { position, .. }) => *position == 2047,
                (
                    "frac",
                    KernelError::NotWhole {
                        position, value, ..
                    },
                ) => *position == 2047 && *value == 2.5,
                _ => false,
            };
            assert!(
                ok && err.distribution() == Some(1),
                "{what} {measure:?}: {err:?}"
            );
        }
    }
    for measure in ESTIMATORS {
        let err = count_reduce_slice(measure, &[0.0, 0.0], None, &opts).unwrap_err();
        assert!(matches!(err, KernelError::ZeroMass { .. }), "{measure:?}");
        let err = count_reduce_slice::<f64>(measure, &[], None, &opts).unwrap_err();
        assert!(matches!(err, KernelError::ZeroMass { .. }), "{measure:?}");
    }
    // Large whole floats are fine; ln N! past f64 is an error.
    let big = count_reduce_slice(CountMeasure::Plugin, &[1e300, 1e300], None, &opts).unwrap();
    assert!((big - 2f64.ln()).abs() < 1e-12, "{big}");
    let err =
        count_reduce_slice(CountMeasure::Boltzmann, &[1e307, 1e307], None, &opts).unwrap_err();
    assert!(matches!(err, KernelError::Layout(_)));
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = Rng(99);
    let long = counts_vec(&mut rng, 1_000_003, 50.0);
    let batch = counts_vec(&mut rng, 300 * 1001, 9.0);
    let (mu1, s1, mu2, s2) = gaussian_batch(&mut rng, 2000, 5);
    let mut seen: Option<Vec<u64>> = None;
    for threads in [1, 2, 3, 8] {
        parallel::set_num_threads(threads).unwrap();
        let opts = Options::default();
        let mut bits = Vec::new();
        for measure in ESTIMATORS.into_iter().chain([CountMeasure::Boltzmann]) {
            bits.push(
                count_reduce_slice(measure, &long, None, &opts)
                    .unwrap()
                    .to_bits(),
            );
            let mut out = vec![0.0; 300];
            let input = Input::F64(Strided::from_slice(&batch, &[300], 1001).unwrap());
            count_reduce(measure, &input, None, &opts, &mut out).unwrap();
            bits.extend(out.iter().map(|x| x.to_bits()));
        }
        let mut out = vec![0.0; 2000];
        gaussian::kl_full([&mu1, &s1, &mu2, &s2], 5, None, &opts, &mut out).unwrap();
        bits.extend(out.iter().map(|x| x.to_bits()));
        let mut out = vec![0.0; 100_000];
        let sig: Vec<f64> = (0..100_000).map(|i| 0.5 + (i % 97) as f64).collect();
        gaussian::kl_sigma([&sig, &sig, &sig[..], &sig], None, &opts, &mut out).unwrap();
        bits.extend(out.iter().map(|x| x.to_bits()));
        match &seen {
            None => seen = Some(bits),
            Some(s) => assert_eq!(s, &bits, "threads {threads}"),
        }
    }
}

/// Random positive definite d x d matrices A A^T + d I, with means.
fn gaussian_batch(
    rng: &mut Rng,
    batch: usize,
    d: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut spd = || {
        let a: Vec<f64> = (0..d * d).map(|_| rng.next_f64() - 0.5).collect();
        let mut s = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                s[i * d + j] = (0..d).map(|k| a[i * d + k] * a[j * d + k]).sum::<f64>()
                    + if i == j { 0.1 } else { 0.0 };
            }
        }
        s
    };
    let s1: Vec<f64> = (0..batch).flat_map(|_| spd()).collect();
    let s2: Vec<f64> = (0..batch).flat_map(|_| spd()).collect();
    let mu1: Vec<f64> = (0..batch * d).map(|_| rng.next_f64() * 4.0 - 2.0).collect();
    let mu2: Vec<f64> = (0..batch * d).map(|_| rng.next_f64() * 4.0 - 2.0).collect();
    (mu1, s1, mu2, s2)
}

#[test]
fn gaussian_closed_forms() {
    let opts = Options::default();
    let half_ln_2pi_e = 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln();
    // Univariate entropy on every level, with tails of every length.
    let sigma: Vec<f64> = (1..40).map(|i| i as f64 * 0.37).collect();
    for level in SimdLevel::available() {
        let o = Options { level, ..opts };
        let mut out = vec![0.0; sigma.len()];
        gaussian::entropy_sigma(&sigma, None, &o, &mut out).unwrap();
        for (&s, &h) in sigma.iter().zip(&out) {
            assert!(close(h, s.ln() + half_ln_2pi_e, 1e-15), "{level} {s}");
        }
        let mu1: Vec<f64> = sigma.iter().map(|s| s - 3.0).collect();
        let s2: Vec<f64> = sigma.iter().rev().copied().collect();
        let mut out = vec![0.0; sigma.len()];
        gaussian::kl_sigma([&mu1, &sigma, &sigma, &s2], None, &o, &mut out).unwrap();
        for i in 0..sigma.len() {
            let (m1, a, m2, b) = (mu1[i], sigma[i], sigma[i], s2[i]);
            let want = (b / a).ln() + (a * a + (m1 - m2) * (m1 - m2)) / (2.0 * b * b) - 0.5;
            assert!(
                close(out[i], want, 1e-13),
                "{level} {i}: {} vs {want}",
                out[i]
            );
        }
    }
    // Single values broadcast against full-length slices, on every level.
    for level in SimdLevel::available() {
        let o = Options { level, ..opts };
        let mut out = vec![0.0; sigma.len()];
        gaussian::kl_sigma([&[0.5], &sigma, &[-1.0], &[2.0]], None, &o, &mut out).unwrap();
        for (&a, &got) in sigma.iter().zip(&out) {
            let want = (2.0 / a).ln() + (a * a + 2.25) / 8.0 - 0.5;
            assert!(close(got, want, 1e-13), "{level} {a}: {got} vs {want}");
        }
        let err = gaussian::kl_sigma([&[0.5], &sigma, &[-1.0], &[0.0]], None, &o, &mut out);
        assert!(matches!(
            err,
            Err(KernelError::BadParameter {
                arg: "s2",
                index: 0,
                ..
            })
        ));
    }
    // Full covariance: [[2, 1], [1, 2]] has det 3.
    let cov = [2.0, 1.0, 1.0, 2.0];
    let mut out = [0.0];
    gaussian::entropy_full(&cov, 2, None, &opts, &mut out).unwrap();
    assert!(close(out[0], 2.0 * half_ln_2pi_e + 0.5 * 3f64.ln(), 1e-15));
    // KL(N(0, I) || N(m, S)) with S = [[2, 1], [1, 2]], m = (1, 0): S^-1 = [[2, -1], [-1, 2]] / 3,
    // tr(S^-1) = 4/3, m^T S^-1 m = 2/3, so KL = (4/3 + 2/3 - 2 + ln 3) / 2 = ln(3) / 2.
    let mut out = [0.0];
    gaussian::kl_full(
        [&[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0], &[1.0, 0.0], &cov],
        2,
        None,
        &opts,
        &mut out,
    )
    .unwrap();
    assert!(close(out[0], 0.5 * 3f64.ln(), 1e-15), "{}", out[0]);
    // Full with diagonal matrices equals diag.
    let mut rng = Rng(3);
    let d = 4;
    let v1: Vec<f64> = (0..3 * d).map(|_| 0.2 + rng.next_f64()).collect();
    let v2: Vec<f64> = (0..3 * d).map(|_| 0.2 + rng.next_f64()).collect();
    let m1: Vec<f64> = (0..3 * d).map(|_| rng.next_f64()).collect();
    let m2: Vec<f64> = (0..3 * d).map(|_| rng.next_f64()).collect();
    let full = |v: &[f64]| -> Vec<f64> {
        let mut s = vec![0.0; 3 * d * d];
        for b in 0..3 {
            for j in 0..d {
                s[b * d * d + j * d + j] = v[b * d + j];
            }
        }
        s
    };
    let (f1, f2) = (full(&v1), full(&v2));
    let (mut a, mut b) = (vec![0.0; 3], vec![0.0; 3]);
    gaussian::kl_diag([&m1, &v1, &m2, &v2], d, None, &opts, &mut a).unwrap();
    gaussian::kl_full([&m1, &f1, &m2, &f2], d, None, &opts, &mut b).unwrap();
    for i in 0..3 {
        assert!(close(a[i], b[i], 1e-13), "{} vs {}", a[i], b[i]);
    }
    gaussian::entropy_diag(&v1, d, None, &opts, &mut a).unwrap();
    gaussian::entropy_full(&f1, d, None, &opts, &mut b).unwrap();
    for i in 0..3 {
        assert!(close(a[i], b[i], 1e-14));
    }
    // KL of a Gaussian with itself is 0.
    let (mu1, s1, _, _) = gaussian_batch(&mut rng, 10, 6);
    let mut out = vec![1.0; 10];
    gaussian::kl_full([&mu1, &s1, &mu1, &s1], 6, None, &opts, &mut out).unwrap();
    assert!(out.iter().all(|&x| x.abs() < 1e-12), "{out:?}");
}

#[test]
fn gaussian_errors_name_matrix_pivot_and_entry() {
    let opts = Options::default();
    // Matrix 1 is singular at pivot 1 ([[1, 1], [1, 1]]).
    let cov = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, -1.0];
    let mut out = [0.0; 3];
    let err = gaussian::entropy_full(&cov, 2, None, &opts, &mut out).unwrap_err();
    assert_eq!(
        err,
        KernelError::NotPositiveDefinite {
            arg: "cov",
            matrix: 1,
            pivot: 1
        }
    );
    let err =
        gaussian::entropy_sigma(&[1.0, 2.0, 0.0, -1.0], None, &opts, &mut [0.0; 4]).unwrap_err();
    assert!(matches!(
        err,
        KernelError::BadParameter {
            arg: "sigma",
            index: 2,
            ..
        }
    ));
    let one = [1.0; 5];
    let mut s2 = [1.0; 5];
    s2[3] = f64::NAN;
    let err = gaussian::kl_sigma([&one, &one, &one, &s2], None, &opts, &mut [0.0; 5]).unwrap_err();
    assert!(matches!(
        err,
        KernelError::BadParameter {
            arg: "s2",
            index: 3,
            ..
        }
    ));
    // Negative s1 and s2 make a positive ratio: still an error.
    let neg = [-1.0; 5];
    let err = gaussian::kl_sigma([&one, &neg, &one, &neg], None, &opts, &mut [0.0; 5]).unwrap_err();
    assert!(matches!(
        err,
        KernelError::BadParameter {
            arg: "s1",
            index: 0,
            ..
        }
    ));
    let mut diff = [0.0; 5 * 1000];
    diff[4321] = f64::INFINITY;
    let ones = [1.0; 5 * 1000];
    let err = gaussian::kl_diag(
        [&ones, &ones, &diff, &ones],
        5,
        None,
        &opts,
        &mut [0.0; 1000],
    );
    assert!(matches!(
        err,
        Err(KernelError::BadParameter {
            arg: "mu2",
            index: 4321,
            ..
        })
    ));
    let eye = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
    let bad = [1.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 1.0];
    let mu = [0.0; 4];
    let err = gaussian::kl_full([&mu, &eye, &mu, &bad], 2, None, &opts, &mut [0.0; 2]).unwrap_err();
    assert_eq!(
        err,
        KernelError::NotPositiveDefinite {
            arg: "s2",
            matrix: 1,
            pivot: 1
        }
    );
}
