//! The widest SIMD level of this CPU against scalar and the platform functions, on one thread.
//!
//! On aarch64 that level is NEON, which no other test runs: `.ci/run` builds this target for
//! aarch64 and runs it under qemu user-mode, which hangs in any program that starts a thread. So
//! this is a plain `fn main` (`harness = false`: libtest starts a thread per test), every kernel
//! runs with `Options::serial`, inputs stay below the threading threshold, and the end checks that
//! the pool was never used. On x86-64 the same program compares AVX-512 (or AVX2) with scalar as
//! part of `cargo test`, so it cannot rot unseen.
//!
//! It runs the vector ln, ln1p, exp and ln(n!) sweeps (smaller than the x86 tests', which run
//! natively) and every kernel family, checks each level against the platform functions in ulps
//! and the levels against each other, prints the worst distances, and exits non-zero on failure.

use _core::kernels::counts::{count_reduce, count_reduce_slice, CountMeasure};
use _core::kernels::elementwise::{elementwise, Function};
use _core::kernels::gaussian;
use _core::kernels::labels::{
    entropy_labels, factorize_records, label_counts, mutual_information_labels, Labels,
};
use _core::kernels::logits::{
    binary_cross_entropy, log_softmax, rows, BinaryKind, Factor, LogitElem, RowOp,
};
use _core::kernels::table::{table_column_sums, table_sums};
use _core::kernels::{stream_sum, Options};
use _core::simd::exp::exp_slice;
use _core::simd::lgamma::ln_factorial_slice;
use _core::simd::ln::ln_slice;
use _core::simd::ln1p::ln1p_slice;
use _core::{
    parallel, partial_sums, reduce, reduce_slice, Input, Measure, NanPolicy, Params, Partial,
    SimdLevel, Strided, SumKind,
};

mod common;
use common::{sweeps, ulps_f32, ulps_f64, XorShift};

/// ln, ln1p and exp against the platform, at every level (README, "Accuracy").
const MATH_ULPS: u64 = 2;
/// ln(n!) against a compensated sum of logs (table: 1 ulp; Stirling's series: 4).
const FACTORIAL_ULPS: u64 = 4;
/// Two levels on one kernel input: the vector functions may differ by their own error and sums
/// group terms by lane count, so results differ in the last bits. Where they cancel (a KL near
/// 0), the bound is on the absolute difference, in units of the input precision's epsilon times
/// the result's scale (1 for nats): see `agree`.
const LEVEL_ULPS: u64 = 64;

/// Failed checks, and how far apart the two levels came per family.
#[derive(Default)]
struct Report {
    checks: usize,
    failures: Vec<String>,
}

impl Report {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            let what = what();
            eprintln!("FAIL {what}");
            self.failures.push(what);
        }
    }
}

/// The two levels compared: the widest this CPU has, and scalar.
#[derive(Clone, Copy)]
struct Levels {
    wide: SimdLevel,
}

impl Levels {
    fn both(self) -> [SimdLevel; 2] {
        [self.wide, SimdLevel::Scalar]
    }
}

fn serial(level: SimdLevel) -> Options {
    Options::at(level).serial()
}

/// How far apart `a` and `b` are (results of two levels, or a level and an oracle): 0 for equal
/// values or two NaNs, else the smaller of their distance in ulps and their difference in units
/// of `eps * scale` (for results near 0 from cancelling terms, and for float32 inputs, whose
/// precision is `f32::EPSILON` however the result is held).
fn distance(a: f64, b: f64, eps: f64, scale: f64) -> u64 {
    let ulps = ulps_f64(a, b);
    let diff = (a - b).abs() / (eps * scale.max(1.0));
    if diff.is_finite() {
        ulps.min(diff.ceil() as u64)
    } else {
        ulps
    }
}

fn agree(a: f64, b: f64, ulps: u64, eps: f64, scale: f64) -> bool {
    distance(a, b, eps, scale) <= ulps
}

/// Compares two result vectors of `family` (`wide`, `scalar`) slot by slot; returns the worst
/// distance in ulps, for the summary.
fn compare(
    report: &mut Report,
    family: &str,
    wide: &[f64],
    scalar: &[f64],
    eps: f64,
    scale: f64,
) -> u64 {
    report.check(wide.len() == scalar.len(), || format!("{family}: lengths"));
    let mut worst = 0;
    for (i, (&a, &b)) in wide.iter().zip(scalar).enumerate() {
        let d = distance(a, b, eps, scale);
        worst = worst.max(d);
        report.check(d <= LEVEL_ULPS, || {
            format!("{family}[{i}]: {a:e} vs scalar {b:e} ({d} units)")
        });
    }
    worst
}

/// A tally of the worst level distance per family, printed at the end.
#[derive(Default)]
struct Worst(Vec<(String, u64)>);

impl Worst {
    fn note(&mut self, family: &str, ulps: u64) {
        match self.0.iter_mut().find(|(f, _)| f == family) {
            Some((_, w)) => *w = (*w).max(ulps),
            None => self.0.push((family.to_string(), ulps)),
        }
    }
}

// ------------------------------------------------------------------ the vector math sweeps

/// Special values appended to every sweep: the platform functions define what they give.
const SPECIALS_F64: [f64; 9] = [
    0.0,
    -0.0,
    -1.0,
    -2.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e300,
    -1e300,
];

fn math_f64(
    report: &mut Report,
    levels: Levels,
    name: &str,
    mut xs: Vec<f64>,
    run: fn(SimdLevel, &[f64], &mut [f64]),
    platform: fn(f64) -> f64,
) {
    xs.extend(SPECIALS_F64);
    let mut outs = Vec::new();
    for level in levels.both() {
        let mut out = vec![0.0; xs.len()];
        run(level, &xs, &mut out);
        let (u, at) = sweeps::worst(&xs, &out, platform, ulps_f64);
        println!(
            "  {name} f64 {level}: worst {u} ulp at {at:e} ({} values)",
            xs.len()
        );
        report.check(u <= MATH_ULPS, || {
            format!("{name} f64 {level}: {u} ulp at {at:e}")
        });
        outs.push(out);
    }
    let (u, at) = worst_between_f64(&xs, &outs[0], &outs[1]);
    println!(
        "  {name} f64 {} vs scalar: worst {u} ulp at {at:e}",
        levels.wide
    );
    report.check(u <= 2 * MATH_ULPS, || {
        format!("{name} f64 levels: {u} ulp at {at:e}")
    });
}

fn math_f32(
    report: &mut Report,
    levels: Levels,
    name: &str,
    mut xs: Vec<f32>,
    run: fn(SimdLevel, &[f32], &mut [f32]),
    platform: fn(f32) -> f32,
) {
    xs.extend(SPECIALS_F64.map(|x| x as f32));
    let mut outs = Vec::new();
    for level in levels.both() {
        let mut out = vec![0.0f32; xs.len()];
        run(level, &xs, &mut out);
        let (u, at) = sweeps::worst(&xs, &out, platform, ulps_f32);
        println!(
            "  {name} f32 {level}: worst {u} ulp at {at:e} ({} values)",
            xs.len()
        );
        report.check(u <= MATH_ULPS, || {
            format!("{name} f32 {level}: {u} ulp at {at:e}")
        });
        outs.push(out);
    }
    let mut worst = (0, 0.0f32);
    for ((&x, &a), &b) in xs.iter().zip(&outs[0]).zip(&outs[1]) {
        let u = ulps_f32(a, b);
        if u > worst.0 {
            worst = (u, x);
        }
    }
    println!(
        "  {name} f32 {} vs scalar: worst {} ulp at {:e}",
        levels.wide, worst.0, worst.1
    );
    report.check(worst.0 <= 2 * MATH_ULPS, || {
        format!("{name} f32 levels: {} ulp at {:e}", worst.0, worst.1)
    });
}

fn worst_between_f64(xs: &[f64], a: &[f64], b: &[f64]) -> (u64, f64) {
    let mut worst = (0, 0.0);
    for ((&x, &p), &q) in xs.iter().zip(a).zip(b) {
        let u = ulps_f64(p, q);
        if u > worst.0 {
            worst = (u, x);
        }
    }
    worst
}

/// ln(n!) of whole numbers below `limit`, as compensated running sums of ln k (Neumaier).
fn ln_factorials(limit: usize) -> Vec<f64> {
    let (mut sum, mut carry) = (0.0f64, 0.0f64);
    let mut table = vec![0.0, 0.0];
    for k in 2..limit {
        let t = (k as f64).ln();
        let s = sum + t;
        carry += if sum.abs() >= t.abs() {
            (sum - s) + t
        } else {
            (t - s) + sum
        };
        sum = s;
        table.push(sum + carry);
    }
    table.truncate(limit);
    table
}

extern "C" {
    /// The C library's ln|Gamma(x)| (libm, linked by std on every Unix target).
    fn lgamma(x: f64) -> f64;
}

fn math(report: &mut Report, levels: Levels) {
    println!("vector math against the platform:");
    math_f64(
        report,
        levels,
        "ln",
        sweeps::ln_f64(40_000, 4_000),
        ln_slice,
        f64::ln,
    );
    math_f32(
        report,
        levels,
        "ln",
        sweeps::ln_f32(4099),
        ln_slice,
        f32::ln,
    );
    math_f64(
        report,
        levels,
        "ln1p",
        sweeps::ln1p_f64(15_000, 4_000),
        ln1p_slice,
        f64::ln_1p,
    );
    math_f32(
        report,
        levels,
        "ln1p",
        sweeps::ln1p_f32(4099),
        ln1p_slice,
        f32::ln_1p,
    );
    math_f64(
        report,
        levels,
        "exp",
        sweeps::exp_f64(40_000, 5_000),
        exp_slice,
        f64::exp,
    );
    math_f32(
        report,
        levels,
        "exp",
        sweeps::exp_f32(1021),
        exp_slice,
        f32::exp,
    );

    // ln(n!): the table and the join against exact sums, large counts against the C library.
    let ns = sweeps::ln_factorial(3000, 3000);
    let exact = ln_factorials(3000);
    let mut outs = Vec::new();
    for level in levels.both() {
        let mut out = vec![0.0; ns.len()];
        ln_factorial_slice(level, &ns, &mut out);
        let mut worst = (0, 0.0, 0, 0.0);
        for (&n, &got) in ns.iter().zip(&out) {
            if (n as usize) < exact.len() {
                let u = ulps_f64(got, exact[n as usize]);
                if u > worst.0 {
                    worst.0 = u;
                    worst.1 = n;
                }
            } else {
                // SAFETY: lgamma is a pure function of its argument (it sets the global
                // `signgam`, unused here and only on this thread).
                let want = unsafe { lgamma(n + 1.0) };
                let u = ulps_f64(got, want);
                if u > worst.2 {
                    worst.2 = u;
                    worst.3 = n;
                }
            }
        }
        println!(
            "  ln(n!) {level}: worst {} ulp at {} (exact sums), {} ulp at {:e} (C lgamma)",
            worst.0, worst.1, worst.2, worst.3
        );
        report.check(worst.0 <= FACTORIAL_ULPS, || {
            format!("ln(n!) {level}: {} ulp at {}", worst.0, worst.1)
        });
        // The C library's lgamma is itself within a few ulp for large arguments.
        report.check(worst.2 <= FACTORIAL_ULPS + 4, || {
            format!(
                "ln(n!) {level}: {} ulp from lgamma at {:e}",
                worst.2, worst.3
            )
        });
        outs.push(out);
    }
    let (u, at) = worst_between_f64(&ns, &outs[0], &outs[1]);
    println!(
        "  ln(n!) {} vs scalar: worst {u} ulp at {at:e}",
        levels.wide
    );
    report.check(u <= 2 * FACTORIAL_ULPS, || {
        format!("ln(n!) levels: {u} ulp at {at:e}")
    });
}

// ------------------------------------------------------------------ the kernel families

/// Probabilities with some zeros, and a strictly positive `q`.
fn distributions(rng: &mut XorShift, n: usize) -> (Vec<f64>, Vec<f64>) {
    let p = (0..n)
        .map(|_| {
            let x = rng.next_f64();
            if x < 0.1 {
                0.0
            } else {
                x * 10.0
            }
        })
        .collect();
    let q = (0..n).map(|_| rng.next_f64() * 10.0 + 0.01).collect();
    (p, q)
}

/// Straightforward f64 formula with the platform `ln`: the oracle of the single-pass measures.
fn oracle(measure: Measure, p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    let mut total = 0.0;
    for (&x, &y) in p.iter().zip(q) {
        let (x, y) = (x / sp, y / sq);
        if x > 0.0 {
            total += match measure {
                Measure::Entropy => -x * x.ln(),
                Measure::CrossEntropy => -x * y.ln(),
                _ => x * (x.ln() - y.ln()),
            };
        }
    }
    total.max(0.0)
}

const MEASURES: [(Measure, f64); 9] = [
    (Measure::Entropy, 2.0),
    (Measure::CrossEntropy, 2.0),
    (Measure::KlDivergence, 2.0),
    (Measure::JensenShannon, 2.0),
    (Measure::Renyi, 0.5),
    (Measure::Renyi, 2.0),
    (Measure::Renyi, f64::INFINITY),
    (Measure::Tsallis, 2.0),
    (Measure::Tsallis, 0.0),
];

fn distribution(report: &mut Report, levels: Levels, worst: &mut Worst) {
    let mut rng = XorShift(0x5eed);
    for n in [1usize, 2, 3, 7, 17, 64, 65, 1001, 4099] {
        let (p, q) = distributions(&mut rng, n);
        let mut p = p;
        p[0] = 1.0;
        let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
        let q32: Vec<f32> = q.iter().map(|&x| x as f32).collect();
        let (p32w, q32w): (Vec<f64>, Vec<f64>) = (
            p32.iter().map(|&x| x as f64).collect(),
            q32.iter().map(|&x| x as f64).collect(),
        );
        for (measure, order) in MEASURES {
            for normalize in [true, false] {
                for nan_policy in [NanPolicy::Propagate, NanPolicy::Omit] {
                    let params = Params {
                        normalize,
                        nan_policy,
                        base: None,
                        order,
                    };
                    let qa = measure.is_binary();
                    let mut r64 = Vec::new();
                    let mut r32 = Vec::new();
                    for level in levels.both() {
                        let o = serial(level);
                        let q64 = qa.then_some(q.as_slice());
                        let q32a = qa.then_some(q32.as_slice());
                        let a = reduce_slice(measure, &p, q64, &params, &o);
                        let b = reduce_slice(measure, &p32, q32a, &params, &o);
                        report.check(a.is_ok() && b.is_ok(), || {
                            format!("{measure:?} n {n} {level}: {a:?} {b:?}")
                        });
                        let (a, b) = (a.unwrap_or(f64::NAN), b.unwrap_or(f64::NAN));
                        let shannon = matches!(
                            measure,
                            Measure::Entropy | Measure::CrossEntropy | Measure::KlDivergence
                        );
                        if shannon && normalize {
                            let (want, want32) =
                                (oracle(measure, &p, &q), oracle(measure, &p32w, &q32w));
                            report.check((a - want).abs() <= 1e-12 * (want.abs() + 0.1), || {
                                format!("{measure:?} f64 n {n} {level}: {a} vs oracle {want}")
                            });
                            report.check((b - want32).abs() <= 1e-6 * (want32.abs() + 0.1), || {
                                format!("{measure:?} f32 n {n} {level}: {b} vs oracle {want32}")
                            });
                        }
                        r64.push(a);
                        r32.push(b);
                    }
                    let family = format!("{measure:?}(order {order}) normalize {normalize} n {n}");
                    worst.note(
                        "distribution f64",
                        compare(report, &family, &r64[..1], &r64[1..], f64::EPSILON, 1.0),
                    );
                    worst.note(
                        "distribution f32",
                        compare(
                            report,
                            &family,
                            &r32[..1],
                            &r32[1..],
                            f32::EPSILON as f64,
                            1.0,
                        ),
                    );
                }
            }
        }
    }

    // A batch with NaNs and a base, through `reduce` and `partial_sums`.
    let (batch, len) = (6usize, 203usize);
    let (mut p, q) = distributions(&mut rng, batch * len);
    p[len + 5] = f64::NAN;
    p[3 * len + 7] = f64::NAN;
    let pv = Input::from(Strided::from_slice(&p, &[batch], len).unwrap());
    let qv = Input::from(Strided::from_slice(&q, &[batch], len).unwrap());
    for measure in [
        Measure::Entropy,
        Measure::KlDivergence,
        Measure::JensenShannon,
    ] {
        for nan_policy in [NanPolicy::Propagate, NanPolicy::Omit] {
            let params = Params {
                nan_policy,
                base: Some(2.0),
                ..Params::default()
            };
            let outs: Vec<Vec<f64>> = levels
                .both()
                .map(|level| {
                    let mut out = vec![0.0; batch];
                    let r = reduce(measure, &pv, Some(&qv), &params, &serial(level), &mut out);
                    report.check(r.is_ok(), || format!("batch {measure:?} {level}: {r:?}"));
                    out
                })
                .to_vec();
            let family = format!("batch {measure:?} {nan_policy:?}");
            worst.note(
                "distribution f64",
                compare(report, &family, &outs[0], &outs[1], f64::EPSILON, 1.0),
            );
        }
    }
    for kind in [SumKind::Mass, SumKind::Shannon(Measure::KlDivergence)] {
        let outs: Vec<Vec<f64>> = levels
            .both()
            .map(|level| {
                let mut out = vec![Partial::default(); batch];
                let r = partial_sums(
                    kind,
                    &pv,
                    Some(&qv),
                    NanPolicy::Omit,
                    &serial(level),
                    &mut out,
                );
                report.check(r.is_ok(), || {
                    format!("partial sums {kind:?} {level}: {r:?}")
                });
                out.iter()
                    .flat_map(|s| [s.mass_p, s.mass_q, s.core, s.peak])
                    .collect()
            })
            .to_vec();
        let family = format!("partial sums {kind:?}");
        worst.note(
            "partial sums",
            compare(report, &family, &outs[0], &outs[1], f64::EPSILON, 1e4),
        );
    }
}

fn counts(report: &mut Report, levels: Levels, worst: &mut Worst) {
    let mut rng = XorShift(0xc0de);
    let measures = [
        CountMeasure::Plugin,
        CountMeasure::MillerMadow,
        CountMeasure::JamesStein,
        CountMeasure::ChaoShen,
        CountMeasure::Boltzmann,
    ];
    for (len, max) in [
        (1usize, 5.0),
        (7, 3.0),
        (300, 40.0),
        (1500, 3.0),
        (257, 5000.0),
    ] {
        let mut c: Vec<f64> = (0..len).map(|_| (rng.next_f64() * max).floor()).collect();
        c[0] += 1.0;
        let ci: Vec<i32> = c.iter().map(|&x| x as i32).collect();
        let civ = Input::I32(Strided::from_slice(&ci, &[1], len).unwrap());
        for measure in measures {
            let outs: Vec<Vec<f64>> = levels
                .both()
                .map(|level| {
                    let a = count_reduce_slice(measure, &c, None, &serial(level));
                    let mut b = [0.0];
                    let rb = count_reduce(measure, &civ, Some(2.0), &serial(level), &mut b);
                    report.check(a.is_ok() && rb.is_ok(), || {
                        format!("counts {measure:?} len {len} {level}: {a:?} {rb:?}")
                    });
                    let a = a.unwrap_or(f64::NAN);
                    if measure == CountMeasure::Plugin {
                        let n: f64 = c.iter().sum();
                        let want = -c
                            .iter()
                            .filter(|&&x| x > 0.0)
                            .map(|&x| x / n * (x / n).ln())
                            .sum::<f64>();
                        let want = want.max(0.0);
                        report.check((a - want).abs() <= 1e-12 * (want.abs() + 0.1), || {
                            format!("counts plugin len {len} {level}: {a} vs oracle {want}")
                        });
                    }
                    vec![a, b[0]]
                })
                .to_vec();
            let family = format!("counts {measure:?} len {len} max {max}");
            worst.note(
                "counts",
                compare(report, &family, &outs[0], &outs[1], f64::EPSILON, 1.0),
            );
        }
    }
}

fn elementwise_family(report: &mut Report, levels: Levels, worst: &mut Worst) {
    let mut rng = XorShift(0xe1e);
    let n = 1003;
    let mut x: Vec<f64> = (0..n).map(|_| rng.next_f64() * 3.0).collect();
    let mut y: Vec<f64> = (0..n).map(|_| rng.next_f64() * 3.0 + 1e-3).collect();
    let mut p: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
    for i in (0..n).step_by(37) {
        x[i] = [0.0, f64::NAN, -1.0, f64::INFINITY, 1e-310][i % 5];
        y[i + 3] = [0.0, f64::NAN, f64::INFINITY, 1e-310, 1e300][i % 5];
        p[i] = [0.0, 1.0, f64::NAN, 1e-310][i % 4];
    }
    let functions = [
        Function::Entr,
        Function::RelEntr,
        Function::KlDiv,
        Function::Xlogy,
        Function::BinaryEntropy,
        Function::Surprisal,
    ];
    for f in functions {
        let arg = if f.takes_probabilities() { &p } else { &x };
        let arg32: Vec<f32> = arg.iter().map(|&v| v as f32).collect();
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        let mut r64 = Vec::new();
        let mut r32 = Vec::new();
        for level in levels.both() {
            let mut out = vec![0.0; n];
            let r = elementwise(f, arg, &y, Some(10.0), &serial(level), &mut out);
            let mut out32 = vec![0.0f32; n];
            let r2 = elementwise(f, &arg32, &y32, None, &serial(level), &mut out32);
            report.check(r.is_ok() && r2.is_ok(), || {
                format!("{f:?} {level}: {r:?} {r2:?}")
            });
            // The platform formula where it is plain: ordinary positive arguments.
            for i in 0..n {
                let (a, b) = (arg[i], y[i]);
                if !(a > 1e-300 && a.is_finite() && b > 1e-300 && b.is_finite()) {
                    continue;
                }
                let want = match f {
                    Function::Entr => -a * a.ln(),
                    Function::Xlogy => a * b.ln(),
                    Function::Surprisal => -a.ln(),
                    _ => continue,
                } / 10f64.ln();
                report.check(agree(out[i], want, 8, f64::EPSILON, 1.0), || {
                    format!(
                        "{f:?} {level} at {a:e}, {b:e}: {} vs platform {want:e}",
                        out[i]
                    )
                });
            }
            r64.push(out);
            r32.push(out32.iter().map(|&v| v as f64).collect::<Vec<f64>>());
        }
        let family = format!("elementwise {f:?}");
        worst.note(
            "elementwise f64",
            compare(report, &family, &r64[0], &r64[1], f64::EPSILON, 1.0),
        );
        worst.note(
            "elementwise f32",
            compare(report, &family, &r32[0], &r32[1], f32::EPSILON as f64, 1.0),
        );
    }
}

fn gaussian_family(report: &mut Report, levels: Levels, worst: &mut Worst) {
    let mut rng = XorShift(0x6a55);
    let (batch, d) = (9usize, 3usize);
    let pos = |rng: &mut XorShift, n: usize| -> Vec<f64> {
        (0..n).map(|_| rng.next_f64() * 4.0 + 0.1).collect()
    };
    let sigma = pos(&mut rng, 37);
    let (mu1, s1, mu2, s2) = (
        pos(&mut rng, 37),
        pos(&mut rng, 37),
        pos(&mut rng, 37),
        pos(&mut rng, 37),
    );
    let var = pos(&mut rng, batch * d);
    let (m1, v1, m2, v2) = (
        pos(&mut rng, batch * d),
        pos(&mut rng, batch * d),
        pos(&mut rng, batch * d),
        pos(&mut rng, batch * d),
    );
    // Covariances A A^T + I, positive definite.
    let cov = |rng: &mut XorShift| -> Vec<f64> {
        let mut out = Vec::new();
        for _ in 0..batch {
            let a = pos(rng, d * d);
            for i in 0..d {
                for j in 0..d {
                    let dot: f64 = (0..d).map(|k| a[i * d + k] * a[j * d + k]).sum();
                    out.push(dot + if i == j { 1.0 } else { 0.0 });
                }
            }
        }
        out
    };
    let (c1, c2) = (cov(&mut rng), cov(&mut rng));
    let outs: Vec<Vec<f64>> = levels
        .both()
        .map(|level| {
            let o = serial(level);
            let mut all = Vec::new();
            let mut out = vec![0.0; sigma.len()];
            let mut ok = gaussian::entropy_sigma(&sigma, None, &o, &mut out).is_ok();
            for (&s, &h) in sigma.iter().zip(&out) {
                let want = s.ln() + 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln();
                report.check(agree(h, want, 8, f64::EPSILON, 1.0), || {
                    format!("entropy_sigma {level} at {s}: {h} vs platform {want}")
                });
            }
            all.extend(&out);
            ok &= gaussian::kl_sigma([&mu1, &s1, &mu2, &s2], Some(2.0), &o, &mut out).is_ok();
            all.extend(&out);
            let mut out = vec![0.0; batch];
            ok &= gaussian::entropy_diag(&var, d, None, &o, &mut out).is_ok();
            all.extend(&out);
            ok &= gaussian::kl_diag([&m1, &v1, &m2, &v2], d, None, &o, &mut out).is_ok();
            all.extend(&out);
            ok &= gaussian::entropy_full(&c1, d, None, &o, &mut out).is_ok();
            all.extend(&out);
            ok &= gaussian::kl_full([&m1, &c1, &m2, &c2], d, None, &o, &mut out).is_ok();
            all.extend(&out);
            report.check(ok, || format!("gaussian {level}: an error"));
            all
        })
        .to_vec();
    worst.note(
        "gaussian",
        compare(report, "gaussian", &outs[0], &outs[1], f64::EPSILON, 10.0),
    );
}

fn labels_family(report: &mut Report, levels: Levels, worst: &mut Worst) {
    let mut rng = XorShift(0x1abe1);
    let n = 3001;
    let x: Vec<i64> = (0..n).map(|_| (rng.next_u64() % 37) as i64 - 5).collect();
    let y: Vec<i64> = x
        .iter()
        .map(|&v| (v * 7 + (rng.next_u64() % 3) as i64) % 11)
        .collect();
    let xf: Vec<f64> = x.iter().map(|&v| v as f64 * 0.5).collect();
    let records: Vec<u8> = x
        .iter()
        .flat_map(|&v| [b'a' + (v.rem_euclid(26)) as u8, b'z'])
        .collect();
    let outs: Vec<Vec<f64>> = levels
        .both()
        .map(|level| {
            let o = serial(level);
            let h = entropy_labels(Labels::I64(&x), &o);
            let hf = entropy_labels(Labels::F64(&xf), &o);
            let mi = mutual_information_labels(Labels::I64(&x), Labels::I64(&y), &o);
            let counts = label_counts(Labels::I64(&x), &o);
            let codes = factorize_records(&records, 2, &o);
            report.check(
                h.is_ok() && hf.is_ok() && mi.is_ok() && counts.is_ok() && codes.is_ok(),
                || format!("labels {level}: an error"),
            );
            let counts = counts.unwrap_or_default();
            let want = -counts
                .iter()
                .map(|&c| c as f64 / n as f64 * (c as f64 / n as f64).ln())
                .sum::<f64>();
            let h = h.unwrap_or(f64::NAN);
            report.check(agree(h, want, 64, f64::EPSILON, 1.0), || {
                format!("entropy_labels {level}: {h} vs oracle {want}")
            });
            let (codes, distinct) = codes.unwrap_or_default();
            let mut all = vec![
                h,
                hf.unwrap_or(f64::NAN),
                mi.unwrap_or(f64::NAN),
                distinct as f64,
            ];
            all.extend(counts.iter().map(|&c| c as f64));
            all.extend(codes.iter().map(|&c| c as f64));
            all
        })
        .to_vec();
    worst.note(
        "labels",
        compare(report, "labels", &outs[0], &outs[1], f64::EPSILON, 1.0),
    );
}

fn logits_of<E: LogitElem>(report: &mut Report, levels: Levels, worst: &mut Worst, eps: f64) {
    let mut rng = XorShift(0x10917);
    let (n, c) = (23usize, 37usize);
    let mut x: Vec<f64> = (0..n * c).map(|_| (rng.next_f64() - 0.5) * 20.0).collect();
    x[5] = f64::NEG_INFINITY;
    let z: Vec<f64> = (0..n * c).map(|_| (rng.next_f64() - 0.5) * 8.0).collect();
    let mut t: Vec<f64> = (0..n * c).map(|_| rng.next_f64()).collect();
    for row in t.chunks_mut(c) {
        let s: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= s);
    }
    let w: Vec<f64> = (0..c).map(|i| 0.5 + (i % 3) as f64).collect();
    let target: Vec<i64> = (0..n)
        .map(|i| {
            if i == 2 {
                -100
            } else {
                ((i * 7919) % c) as i64
            }
        })
        .collect();
    let yb: Vec<f64> = (0..n * c).map(|_| rng.next_f64()).collect();
    let probs: Vec<f64> = (0..n * c).map(|_| rng.next_f64()).collect();
    let cast = |v: &[f64]| -> Vec<E> { v.iter().map(|&a| E::from_f64(a)).collect() };
    let (xe, ze, te, we, ye, pe) = (
        cast(&x),
        cast(&z),
        cast(&t),
        cast(&w),
        cast(&yb),
        cast(&probs),
    );
    let outs: Vec<Vec<f64>> = levels
        .both()
        .map(|level| {
            let o = serial(level);
            let mut all = Vec::new();
            let ops = [
                RowOp::LogSumExp,
                RowOp::Entropy,
                RowOp::KlDivergence { q: &ze },
                RowOp::CrossEntropyIndex {
                    target: &target,
                    weight: Some(&we),
                    ignore_index: Some(-100),
                    label_smoothing: 0.1,
                },
                RowOp::CrossEntropyProb {
                    target: &te,
                    weight: None,
                    label_smoothing: 0.0,
                },
            ];
            for op in ops {
                let mut out = vec![0.0; n];
                let mut weights = vec![
                    0.0;
                    if matches!(op, RowOp::CrossEntropyIndex { .. }) {
                        n
                    } else {
                        0
                    }
                ];
                let r = rows(op, &xe, c, &o, &mut out, &mut weights);
                report.check(r.is_ok(), || format!("logits rows {level}: {r:?}"));
                if matches!(op, RowOp::LogSumExp) {
                    for (r, &got) in out.iter().enumerate() {
                        let row: Vec<f64> =
                            xe[r * c..(r + 1) * c].iter().map(|v| v.to_f64()).collect();
                        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        let want = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                        report.check(agree(got, want, 16, eps, 10.0), || {
                            format!("logsumexp {level} row {r}: {got} vs platform {want}")
                        });
                    }
                }
                all.extend(out);
                all.extend(weights);
            }
            let mut ls = vec![E::from_f64(0.0); n * c];
            let r = log_softmax(&xe, c, &o, &mut ls);
            report.check(r.is_ok(), || format!("log_softmax {level}: {r:?}"));
            all.extend(ls.iter().map(|v| v.to_f64()));
            for (kind, data) in [
                (BinaryKind::WithLogits, &xe),
                (BinaryKind::Probabilities, &pe),
            ] {
                let mut sums = vec![0.0; n];
                let mut losses = vec![0.0; n * c];
                let pos_weight = if kind == BinaryKind::WithLogits {
                    Factor::PerColumn(&we)
                } else {
                    Factor::Absent
                };
                let r1 = binary_cross_entropy(
                    kind,
                    data,
                    &ye,
                    c,
                    Factor::PerColumn(&we),
                    pos_weight,
                    &o,
                    &mut sums,
                    &mut [],
                );
                let r2 = binary_cross_entropy(
                    kind,
                    data,
                    &ye,
                    c,
                    Factor::Full(&ye),
                    Factor::Absent,
                    &o,
                    &mut [],
                    &mut losses,
                );
                report.check(r1.is_ok() && r2.is_ok(), || {
                    format!("bce {kind:?} {level}: {r1:?} {r2:?}")
                });
                all.extend(sums);
                all.extend(losses);
            }
            all
        })
        .to_vec();
    let family = format!("logits {}", std::any::type_name::<E>());
    worst.note(
        &family,
        compare(report, &family, &outs[0], &outs[1], eps, 100.0),
    );
}

fn tables(report: &mut Report, levels: Levels, worst: &mut Worst) {
    let mut rng = XorShift(0x7ab1e);
    let (outer, x_len, inner, width) = (2usize, 7usize, 3usize, 33usize);
    let mut data: Vec<f64> = (0..outer * x_len * inner * width)
        .map(|_| rng.next_f64())
        .collect();
    data[40] = f64::NAN;
    let view = Input::from(Strided::from_slice(&data, &[outer * x_len * inner], width).unwrap());
    let outs: Vec<Vec<f64>> = levels
        .both()
        .map(|level| {
            let o = serial(level);
            let tables = outer * inner;
            let mut row_sums = vec![Partial::default(); outer * x_len * inner];
            let mut columns = vec![0.0; tables * width];
            let r1 = table_sums(
                &view,
                x_len,
                inner,
                NanPolicy::Omit,
                &o,
                &mut row_sums,
                &mut columns,
            );
            let mut columns2 = vec![0.0; tables * width];
            let r2 = table_column_sums(&view, x_len, inner, false, &o, &mut columns2);
            report.check(r1.is_ok() && r2.is_ok(), || {
                format!("tables {level}: {r1:?} {r2:?}")
            });
            let mut all: Vec<f64> = row_sums.iter().flat_map(|s| [s.mass_p, s.core]).collect();
            all.extend(columns);
            all.extend(columns2);
            all.push(stream_sum(&data[41..], &o).unwrap_or(f64::NAN));
            all
        })
        .to_vec();
    worst.note(
        "tables, stream",
        compare(report, "tables", &outs[0], &outs[1], f64::EPSILON, 100.0),
    );
}

/// NEON on aarch64 (it must be there: it is the point), else the level `ENTROPYKIT_SIMD` names
/// (valgrind, for one, has no AVX-512), else the widest.
fn wide_level() -> SimdLevel {
    if cfg!(target_arch = "aarch64") {
        return SimdLevel::Neon;
    }
    std::env::var("ENTROPYKIT_SIMD")
        .ok()
        .and_then(|name| SimdLevel::parse(&name))
        .unwrap_or_else(SimdLevel::best)
}

/// Threads of this process, from /proc (Linux): the whole run must stay on one.
#[cfg(target_os = "linux")]
fn threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn threads() -> Option<usize> {
    None
}

fn main() {
    let wide = wide_level();
    println!(
        "neon_vs_scalar: {wide} against scalar on {} (SIMD levels here: {:?})",
        std::env::consts::ARCH,
        SimdLevel::available()
    );
    let mut report = Report::default();
    report.check(wide.is_supported(), || format!("this CPU lacks {wide}"));
    if !wide.is_supported() {
        eprintln!("FAILED: {wide} is not available");
        std::process::exit(1);
    }
    let levels = Levels { wide };
    let threads_before = threads();
    math(&mut report, levels);

    println!("kernel families, {wide} against scalar (worst distance in ulps):");
    let mut worst = Worst::default();
    distribution(&mut report, levels, &mut worst);
    counts(&mut report, levels, &mut worst);
    elementwise_family(&mut report, levels, &mut worst);
    gaussian_family(&mut report, levels, &mut worst);
    labels_family(&mut report, levels, &mut worst);
    logits_of::<f64>(&mut report, levels, &mut worst, f64::EPSILON);
    logits_of::<f32>(&mut report, levels, &mut worst, f32::EPSILON as f64);
    tables(&mut report, levels, &mut worst);
    for (family, ulps) in &worst.0 {
        println!("  {family}: {ulps}");
    }

    // Under qemu a thread would have hung the run; natively, say so loudly instead.
    report.check(parallel::pool_uses() == 0, || {
        format!("the thread pool was used {} times", parallel::pool_uses())
    });
    let threads_after = threads();
    report.check(threads_after == threads_before, || {
        format!("threads: {threads_before:?} before, {threads_after:?} after")
    });

    if report.failures.is_empty() {
        println!(
            "neon_vs_scalar: {wide}: all {} checks passed",
            report.checks
        );
    } else {
        eprintln!(
            "neon_vs_scalar: {wide}: {} of {} checks FAILED",
            report.failures.len(),
            report.checks
        );
        std::process::exit(1);
    }
}
