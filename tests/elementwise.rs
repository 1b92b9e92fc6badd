//! The elementwise kernels against scalar oracles written with the platform `ln` and `ln_1p`
//! (SciPy's formulas, case for case), in ulps, at every SIMD level this CPU has; and the vector
//! ln1p against `ln_1p`.

use _core::kernels::elementwise::{elementwise, Function};
use _core::simd::ln1p::ln1p_slice;
use _core::{parallel, Arg, KernelError, Options, SimdLevel};

mod common;
use common::{sweeps, ulps_f32, ulps_f64, XorShift};

const INF: f64 = f64::INFINITY;

fn entr(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        -x * x.ln()
    } else if x == 0.0 {
        0.0
    } else {
        -INF
    }
}

fn rel_entr(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x > 0.0 && y > 0.0 {
        let ratio = x / y;
        if 0.5 < ratio && ratio < 2.0 {
            x * ((x - y) / y).ln_1p()
        } else if f64::MIN_POSITIVE < ratio && ratio < INF {
            x * ratio.ln()
        } else {
            x * (x.ln() - y.ln())
        }
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        INF
    }
}

fn kl_div(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x > 0.0 && y > 0.0 {
        x * (x / y).ln() - x + y
    } else if x == 0.0 && y >= 0.0 {
        y
    } else {
        INF
    }
}

fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 && !y.is_nan() {
        0.0
    } else {
        x * y.ln()
    }
}

fn binary_entropy(p: f64) -> f64 {
    if p.is_nan() {
        return p;
    }
    let a = if p > 0.0 { p * p.ln() } else { 0.0 };
    let b = if p < 1.0 {
        (1.0 - p) * (-p).ln_1p()
    } else {
        0.0
    };
    0.0 - (a + b)
}

fn surprisal(p: f64) -> f64 {
    -p.ln()
}

fn oracle(f: Function, x: f64, y: f64) -> f64 {
    match f {
        Function::Entr => entr(x),
        Function::RelEntr => rel_entr(x, y),
        Function::KlDiv => kl_div(x, y),
        Function::Xlogy => xlogy(x, y),
        Function::BinaryEntropy => binary_entropy(x),
        Function::Surprisal => surprisal(x),
    }
}

const ALL: [Function; 6] = [
    Function::Entr,
    Function::RelEntr,
    Function::KlDiv,
    Function::Xlogy,
    Function::BinaryEntropy,
    Function::Surprisal,
];

fn options(level: SimdLevel) -> Options {
    Options::at(level)
}

fn run(f: Function, x: &[f64], y: &[f64], opts: &Options) -> Vec<f64> {
    let n = x.len().max(if f.is_binary() { y.len() } else { 0 });
    let mut out = vec![0.0; n];
    elementwise(f, x, y, None, opts, &mut out).unwrap();
    out
}

/// Positive doubles of every exponent (random bit patterns), subnormals included.
fn random_positive(rng: &mut XorShift, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| loop {
            let x = f64::from_bits(rng.next_u64() >> 1);
            if x.is_finite() && x > 0.0 {
                break x;
            }
        })
        .collect()
}

/// Pairs that exercise every branch of rel_entr: ratios near 1 (the log1p branch, and its edges
/// at 1/2 and 2), ordinary ratios, and ratios that underflow, are subnormal or overflow.
fn pair_sweep() -> (Vec<f64>, Vec<f64>) {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let a = random_positive(&mut rng, 100_000);
    let b = random_positive(&mut rng, 100_000);
    xs.extend(&a);
    ys.extend(&b);
    for i in 0..100_000 {
        let y = 10f64.powf(rng.next_f64() * 40.0 - 20.0);
        // x / y within 1e-12 .. 1 of 1, on both sides.
        let eps = 10f64.powf(-12.0 * rng.next_f64()) * if i % 2 == 0 { 1.0 } else { -0.5 };
        xs.push(y * (1.0 + eps));
        ys.push(y);
        // Uniform ratios in (0.25, 4): both sides of the 1/2 and 2 edges.
        xs.push(y * (0.25 + 3.75 * rng.next_f64()));
        ys.push(y);
    }
    for k in -40..=40 {
        let y = 1.5f64;
        let x = y * 2f64.powi(k) * (1.0 + (k as f64) * 1e-3);
        xs.push(x);
        ys.push(y);
    }
    // Tiny and huge ratios: x / y subnormal, zero or infinite.
    for _ in 0..20_000 {
        let tiny = f64::from_bits(rng.next_u64() % 0x0040_0000_0000_0000);
        let huge = f64::from_bits(0x7fe0_0000_0000_0000 - (rng.next_u64() % (1 << 56)));
        if tiny > 0.0 {
            xs.extend([tiny, huge]);
            ys.extend([huge, tiny]);
        }
    }
    // Exactly at the branch edges.
    xs.extend([1.0, 2.0, 1.0, 4.0, f64::MIN_POSITIVE, 1.0]);
    ys.extend([2.0, 1.0, 1.0, 2.0, 1.0, 1.0 / f64::MIN_POSITIVE]);
    (xs, ys)
}

fn worst_ulps(f: Function, x: &[f64], y: &[f64], got: &[f64]) -> (u64, f64, f64) {
    let mut worst = (0, 0.0, 0.0);
    for i in 0..got.len() {
        let (xi, yi) = (x[i], if f.is_binary() { y[i] } else { 0.0 });
        let u = ulps_f64(got[i], oracle(f, xi, yi));
        if u > worst.0 {
            worst = (u, xi, yi);
        }
    }
    worst
}

#[test]
fn scipy_functions_within_a_few_ulp_at_every_level() {
    let (xs, ys) = pair_sweep();
    for level in SimdLevel::available() {
        let opts = options(level);
        for (f, limit) in [
            (Function::RelEntr, 3),
            (Function::Xlogy, 2),
            (Function::Entr, 2),
        ] {
            let got = run(f, &xs, &ys, &opts);
            let (u, x, y) = worst_ulps(f, &xs, &ys, &got);
            eprintln!("{f:?} {level}: worst {u} ulp at x = {x:e}, y = {y:e}");
            assert!(u <= limit, "{f:?} {level}: {u} ulp at x = {x:e}, y = {y:e}");
        }
    }
}

/// kl_div = x ln(x/y) - x + y cancels near x = y, where SciPy's own result has an error of
/// order eps (|x ln(x/y)| + x + y); ulps of the result mean nothing there. Elsewhere, ulps.
#[test]
fn kl_div_matches_scipy_formula() {
    let (xs, ys) = pair_sweep();
    for level in SimdLevel::available() {
        let got = run(Function::KlDiv, &xs, &ys, &options(level));
        let (mut worst_rel, mut worst_ulp) = (0.0f64, 0u64);
        for i in 0..xs.len() {
            let (x, y) = (xs[i], ys[i]);
            let want = kl_div(x, y);
            if !want.is_finite() || !got[i].is_finite() {
                assert!(
                    got[i] == want || (got[i].is_nan() && want.is_nan()),
                    "{level}: kl_div({x:e}, {y:e}) = {}, want {want}",
                    got[i]
                );
                continue;
            }
            let scale = (x * (x / y).ln()).abs() + x + y;
            let rel = (got[i] - want).abs() / scale;
            worst_rel = worst_rel.max(rel);
            if want.abs() > 0.5 * scale {
                worst_ulp = worst_ulp.max(ulps_f64(got[i], want));
            }
        }
        eprintln!(
            "KlDiv {level}: worst error {worst_rel:e} of the terms' scale, worst {worst_ulp} ulp \
             without cancellation"
        );
        assert!(worst_rel <= 4.0 * f64::EPSILON, "{level}: {worst_rel:e}");
        assert!(worst_ulp <= 4, "{level}: {worst_ulp} ulp");
    }
}

#[test]
fn probability_functions_within_a_few_ulp_at_every_level() {
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    let mut ps: Vec<f64> = (0..200_000).map(|_| rng.next_f64()).collect();
    // Every exponent below 1, subnormals included, and the neighbourhood of 1.
    ps.extend(
        random_positive(&mut rng, 100_000)
            .into_iter()
            .filter(|&p| p <= 1.0),
    );
    ps.extend((0..10_000).map(|i| 1.0 - i as f64 * f64::EPSILON / 2.0));
    ps.extend((0..10_000).map(|i| 1.0 - i as f64 * 1e-9));
    ps.extend([0.0, 1.0, 0.5, f64::MIN_POSITIVE, f64::from_bits(1)]);
    for level in SimdLevel::available() {
        for (f, limit) in [(Function::BinaryEntropy, 3), (Function::Surprisal, 1)] {
            let got = run(f, &ps, &[], &options(level));
            let (u, x, _) = worst_ulps(f, &ps, &[], &got);
            eprintln!("{f:?} {level}: worst {u} ulp at p = {x:e}");
            assert!(u <= limit, "{f:?} {level}: {u} ulp at p = {x:e}");
        }
    }
}

fn specials() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        0.5,
        2.0,
        -1.0,
        INF,
        -INF,
        f64::NAN,
        f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::MAX,
        1e-300,
        1e300,
        0.7,
        1.3,
    ]
}

#[test]
fn special_values_follow_scipy_exactly() {
    let s = specials();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for &x in &s {
        for &y in &s {
            xs.push(x);
            ys.push(y);
        }
    }
    for level in SimdLevel::available() {
        for f in [
            Function::Entr,
            Function::RelEntr,
            Function::KlDiv,
            Function::Xlogy,
        ] {
            let got = run(f, &xs, &ys, &options(level));
            for i in 0..xs.len() {
                let want = oracle(f, xs[i], ys[i]);
                let ok = if want.is_finite() && got[i].is_finite() {
                    ulps_f64(got[i], want) <= 4
                        || (f == Function::KlDiv && (got[i] - want).abs() <= 1e-15)
                } else {
                    got[i] == want || (got[i].is_nan() && want.is_nan())
                };
                assert!(
                    ok,
                    "{level} {f:?}({:e}, {:e}) = {}, want {want}",
                    xs[i], ys[i], got[i]
                );
            }
        }
    }
}

#[test]
fn probability_edges_and_errors() {
    for level in SimdLevel::available() {
        let opts = options(level);
        let got = run(
            Function::BinaryEntropy,
            &[0.0, 1.0, 0.5, f64::NAN],
            &[],
            &opts,
        );
        assert_eq!(got[0].to_bits(), 0.0f64.to_bits());
        assert_eq!(got[1].to_bits(), 0.0f64.to_bits());
        assert_eq!(got[2], std::f64::consts::LN_2);
        assert!(got[3].is_nan());
        let got = run(Function::Surprisal, &[0.0, 1.0, f64::NAN], &[], &opts);
        assert_eq!(got[0], INF);
        assert_eq!(got[1], 0.0);
        assert!(got[2].is_nan());
        for f in [Function::BinaryEntropy, Function::Surprisal] {
            for (bad, want) in [
                (
                    -0.5,
                    KernelError::Negative {
                        arg: Arg::P,
                        distribution: 0,
                        position: 3,
                        value: -0.5,
                    },
                ),
                (
                    1.5,
                    KernelError::OutOfRange {
                        arg: Arg::P,
                        distribution: 0,
                        position: 3,
                        value: 1.5,
                    },
                ),
                (
                    -INF,
                    KernelError::Infinite {
                        arg: Arg::P,
                        distribution: 0,
                        position: 3,
                        value: -INF,
                    },
                ),
            ] {
                let p = [0.1, f64::NAN, 0.2, bad, 7.0];
                let mut out = [0.0; 5];
                let err = elementwise(f, &p, &[], None, &opts, &mut out).unwrap_err();
                assert_eq!(err, want, "{level} {f:?}");
            }
        }
    }
}

#[test]
fn threads_give_identical_bits_and_the_first_error() {
    let mut rng = XorShift(77);
    let n = 300_001;
    let x: Vec<f64> = (0..n).map(|_| rng.next_f64() * 3.0).collect();
    let y: Vec<f64> = (0..n).map(|_| rng.next_f64() * 3.0).collect();
    let p: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
    let mut bad = p.clone();
    bad[250_000] = 2.0;
    bad[140_123] = -1.0;
    bad[299_999] = INF;
    let mut seen: Option<Vec<Vec<u64>>> = None;
    for threads in [1, 2, 3] {
        parallel::set_num_threads(threads).unwrap();
        let all: Vec<Vec<u64>> = ALL
            .iter()
            .map(|&f| {
                let arg = if f.takes_probabilities() { &p } else { &x };
                run(f, arg, &y, &options(SimdLevel::current()))
                    .iter()
                    .map(|v| v.to_bits())
                    .collect()
            })
            .collect();
        if let Some(s) = &seen {
            assert!(s == &all, "{threads} threads differ");
        }
        seen = Some(all);
        let mut out = vec![0.0; n];
        let err = elementwise(
            Function::Surprisal,
            &bad,
            &[],
            None,
            &Options::default(),
            &mut out,
        )
        .unwrap_err();
        assert_eq!(
            err,
            KernelError::Negative {
                arg: Arg::P,
                distribution: 0,
                position: 140_123,
                value: -1.0
            }
        );
    }
    parallel::set_num_threads(2).unwrap();
}

#[test]
fn float32_is_the_rounded_float64_result() {
    let mut rng = XorShift(5);
    let n = 10_007;
    let x: Vec<f32> = (0..n).map(|_| (rng.next_f64() * 2.0) as f32).collect();
    let y: Vec<f32> = (0..n).map(|_| (rng.next_f64() * 2.0) as f32).collect();
    let p: Vec<f32> = (0..n).map(|_| rng.next_f64() as f32).collect();
    for level in SimdLevel::available() {
        let opts = options(level);
        for f in ALL {
            let arg = if f.takes_probabilities() { &p } else { &x };
            let mut out = vec![0.0f32; n];
            elementwise(f, arg, &y, None, &opts, &mut out).unwrap();
            let wide: Vec<f64> = arg.iter().map(|&v| v as f64).collect();
            let wide_y: Vec<f64> = y.iter().map(|&v| v as f64).collect();
            let reference = run(f, &wide, &wide_y, &opts);
            for i in 0..n {
                assert_eq!(
                    out[i].to_bits(),
                    (reference[i] as f32).to_bits(),
                    "{level} {f:?} at {i}"
                );
                let exact = oracle(f, wide[i], wide_y[i]) as f32;
                assert!(ulps_f32(out[i], exact) <= 1, "{level} {f:?} at {i}");
            }
        }
    }
}

#[test]
fn length_one_operands_broadcast_and_base_divides() {
    for level in SimdLevel::available() {
        let opts = options(level);
        let x: Vec<f64> = (1..=37).map(|i| i as f64 * 0.05).collect();
        for f in [Function::RelEntr, Function::KlDiv, Function::Xlogy] {
            let full_y = vec![0.3; x.len()];
            assert_eq!(run(f, &x, &[0.3], &opts), run(f, &x, &full_y, &opts));
            let full_x = vec![0.3; x.len()];
            assert_eq!(run(f, &[0.3], &x, &opts), run(f, &full_x, &x, &opts));
        }
        let mut got = [0.0f64; 2];
        elementwise(
            Function::BinaryEntropy,
            &[0.5, 0.25],
            &[],
            Some(2.0),
            &opts,
            &mut got,
        )
        .unwrap();
        assert_eq!(got[0], 1.0);
        assert!((got[1] - 0.811_278_124_459_132_8).abs() < 1e-15);
        for n in 0..20 {
            let xs: Vec<f64> = (0..n).map(|i| i as f64 * 0.1).collect();
            let got = run(Function::Entr, &xs, &[], &opts);
            for (a, b) in got.iter().zip(&xs) {
                assert!(ulps_f64(*a, entr(*b)) <= 2);
            }
        }
    }
    let mut out = [0.0; 3];
    assert!(matches!(
        elementwise(
            Function::Entr,
            &[1.0; 3],
            &[],
            Some(1.0),
            &Options::default(),
            &mut out
        ),
        Err(KernelError::Layout(_))
    ));
    assert!(matches!(
        elementwise(
            Function::Xlogy,
            &[1.0; 3],
            &[1.0; 2],
            None,
            &Options::default(),
            &mut out
        ),
        Err(KernelError::Layout(_))
    ));
}

#[test]
fn ln1p_f64_within_2_ulp_at_every_level() {
    let us = sweeps::ln1p_f64(200_000, 20_000);
    for level in SimdLevel::available() {
        let mut out = vec![0.0; us.len()];
        ln1p_slice(level, &us, &mut out);
        let mut worst = (0, 0.0);
        for (&u, &y) in us.iter().zip(&out) {
            let d = ulps_f64(y, u.ln_1p());
            if d > worst.0 {
                worst = (d, u);
            }
        }
        eprintln!(
            "ln1p f64 {level}: worst {} ulp at u = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 2,
            "{level}: {} ulp at u = {:e}",
            worst.0,
            worst.1
        );
    }
}

#[test]
fn ln1p_f32_within_2_ulp_at_every_level() {
    let us = sweeps::ln1p_f32(61);
    for level in SimdLevel::available() {
        let mut out = vec![0.0f32; us.len()];
        ln1p_slice(level, &us, &mut out);
        let mut worst = (0, 0.0f32);
        for (&u, &y) in us.iter().zip(&out) {
            let d = ulps_f32(y, u.ln_1p());
            if d > worst.0 {
                worst = (d, u);
            }
        }
        eprintln!(
            "ln1p f32 {level}: worst {} ulp at u = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 2,
            "{level}: {} ulp at u = {:e}",
            worst.0,
            worst.1
        );
    }
}

#[test]
fn ln1p_special_values() {
    let inf = f64::INFINITY;
    let us = [-1.0, -2.0, inf, -inf, f64::NAN, 0.0, -0.0];
    for level in SimdLevel::available() {
        let mut out = [0.0; 7];
        ln1p_slice(level, &us, &mut out);
        assert_eq!(out[0], -inf, "{level}");
        assert!(
            out[1].is_nan() && out[3].is_nan() && out[4].is_nan(),
            "{level}"
        );
        assert_eq!(out[2], inf, "{level}");
        assert_eq!(out[5].to_bits(), 0.0f64.to_bits(), "{level}");
        assert_eq!(out[6], 0.0, "{level}");
    }
}

/// A lane's bits do not depend on its neighbours: vectors of ordinary values take a fast path,
/// vectors holding a special value the general one, and both must agree on ordinary lanes.
#[test]
fn a_lane_does_not_depend_on_its_neighbours() {
    let mut rng = XorShift(99);
    let n = 4099;
    let mut x: Vec<f64> = (0..n).map(|_| rng.next_f64() * 2.0).collect();
    let mut y: Vec<f64> = (0..n).map(|_| rng.next_f64() * 2.0 + 1e-3).collect();
    let mut p: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
    for i in (0..n).step_by(37) {
        x[i] = [0.0, f64::NAN, -1.0, INF, 1e-310][i % 5];
        y[i + 3] = [0.0, f64::NAN, INF, 1e-310, 1e300][i % 5];
        p[i] = [0.0, 1.0, f64::NAN, 1e-310][i % 4];
    }
    for level in SimdLevel::available() {
        let opts = options(level);
        for f in ALL {
            let arg = if f.takes_probabilities() { &p } else { &x };
            let all = run(f, arg, &y, &opts);
            for i in 0..n {
                let one = run(f, &arg[i..=i], &y[i..=i], &opts)[0];
                assert_eq!(
                    all[i].to_bits(),
                    one.to_bits(),
                    "{level} {f:?} at {i}: {} vs {one}",
                    all[i]
                );
            }
        }
    }
}
