//! Exact where users look (issue 12): one positive entry is exactly 0, equal entries of any
//! magnitude are ln n within 4 ulp, empty and zero sums are +0, on every SIMD level and thread
//! count (with the same bits on 1, 2 and 3 threads).

use _core::parallel;
use _core::{Measure, SimdLevel};

mod common;
use common::{reduce_slice, ulps_f64, Opts, XorShift};

fn at(level: SimdLevel) -> Opts {
    Opts {
        level,
        ..Opts::default()
    }
}

/// Runs `check` on every level with 1, 2 and 3 threads, and checks that it gives the same bits
/// on each thread count.
fn every_level_and_thread_count(mut check: impl FnMut(SimdLevel) -> Vec<f64>) {
    for level in SimdLevel::available() {
        let mut first: Option<Vec<u64>> = None;
        for threads in [1, 2, 3] {
            parallel::set_num_threads(threads).unwrap();
            let bits: Vec<u64> = check(level).iter().map(|x| x.to_bits()).collect();
            match &first {
                None => first = Some(bits),
                Some(first) => assert_eq!(first, &bits, "{level} on {threads} threads"),
            }
        }
    }
}

/// Lengths that put the positive entry inside and outside the first look, and across leaves.
const LENGTHS: [usize; 6] = [1, 2, 7, 300, 1025, 70_000];

fn one_hot<T: Copy>(n: usize, at: usize, zero: T, x: T) -> Vec<T> {
    let mut v = vec![zero; n];
    v[at] = x;
    v
}

const F64_MAGNITUDES: [f64; 12] = [
    1.0,
    3.0,
    0.1,
    4_611_686_018_427_387_904.0, // 2^62
    4_611_686_018_427_387_905.0,
    1e300,
    f64::MAX,
    1e-300,
    f64::MIN_POSITIVE,
    3e-310,
    5e-324,
    1.0e5 / 3.0,
];

const F32_MAGNITUDES: [f32; 9] = [
    1.0,
    3.0,
    0.1,
    f32::MAX,
    3e38,
    f32::MIN_POSITIVE,
    1e-40,
    1e-45,
    1e5 / 3.0,
];

#[test]
fn one_positive_entry_is_exactly_zero() {
    every_level_and_thread_count(|level| {
        let o = at(level);
        let mut out = vec![];
        for n in LENGTHS {
            for position in [0, n / 2, n - 1] {
                for x in F64_MAGNITUDES {
                    let h = reduce_slice(Measure::Entropy, &one_hot(n, position, 0.0, x), None, &o)
                        .unwrap();
                    assert_eq!(h.to_bits(), 0, "{level} n {n} at {position} x {x:e}: {h:e}");
                    out.push(h);
                }
                for x in F32_MAGNITUDES {
                    let p = one_hot(n, position, 0.0f32, x);
                    let h = reduce_slice(Measure::Entropy, &p, None, &o).unwrap();
                    assert_eq!(
                        h.to_bits(),
                        0,
                        "{level} f32 n {n} at {position} x {x:e}: {h:e}"
                    );
                    out.push(h);
                }
            }
        }
        out
    });
}

#[test]
fn random_one_column_rows_are_exactly_zero() {
    let mut rng = XorShift(12);
    let values: Vec<f64> = (0..10_000)
        .map(|i| {
            let x = rng.next_f64() + f64::EPSILON;
            // Spread over the whole range of magnitudes.
            x * 2f64.powi((i % 2000) - 1000)
        })
        .collect();
    every_level_and_thread_count(|level| {
        let o = at(level);
        let mut out = vec![];
        for &x in &values {
            let h = reduce_slice(Measure::Entropy, &[x], None, &o).unwrap();
            assert_eq!(h.to_bits(), 0, "{level} x {x:e}: {h:e}");
            out.push(h);
            if x as f32 > 0.0 && (x as f32).is_finite() {
                let h = reduce_slice(Measure::Entropy, &[x as f32], None, &o).unwrap();
                assert_eq!(h.to_bits(), 0, "{level} f32 x {x:e}: {h:e}");
            }
        }
        out
    });
}

const COUNTS: [usize; 10] = [2, 3, 4, 5, 7, 10, 100, 1000, 4097, 100_000];

#[test]
fn equal_entries_are_ln_n_within_4_ulp() {
    let mut worst = 0;
    every_level_and_thread_count(|level| {
        let o = at(level);
        let mut out = vec![];
        for n in COUNTS {
            let ln_n = (n as f64).ln();
            for x in F64_MAGNITUDES {
                let h = reduce_slice(Measure::Entropy, &vec![x; n], None, &o).unwrap();
                let ulps = ulps_f64(h, ln_n);
                worst = worst.max(ulps);
                assert!(
                    ulps <= 4,
                    "{level} n {n} x {x:e}: {h} is {ulps} ulp from ln n"
                );
                out.push(h);
            }
        }
        out
    });
    println!("equal f64 entries: worst {worst} ulp");
}

#[test]
fn equal_float32_entries() {
    // float32 entries take float32 logs: the log of an entry's mantissa is rounded to float32,
    // about 1e-8 of it. At powers of two that log is 0 and ln n comes within 4 ulp; elsewhere
    // (f32::MAX's mantissa is 1 - 2^-24, whose log carries ~4e-15) the float32 bound holds.
    let mut worst = [0u64; 2];
    every_level_and_thread_count(|level| {
        let o = at(level);
        let mut out = vec![];
        for n in COUNTS {
            let ln_n = (n as f64).ln();
            for x in F32_MAGNITUDES
                .into_iter()
                .chain([2f32.powi(127), 2f32.powi(-140)])
            {
                let h = reduce_slice(Measure::Entropy, &vec![x; n], None, &o).unwrap();
                let ulps = ulps_f64(h, ln_n);
                let power_of_two = x.to_bits() & 0x007f_ffff == 0 || x.to_bits().is_power_of_two();
                let i = usize::from(power_of_two);
                worst[i] = worst[i].max(ulps);
                if power_of_two {
                    assert!(
                        ulps <= 4,
                        "{level} n {n} x {x:e}: {h} is {ulps} ulp from ln n"
                    );
                } else {
                    assert!(
                        (h - ln_n).abs() <= 1e-7 * ln_n,
                        "{level} n {n} x {x:e}: {h}"
                    );
                }
                out.push(h);
            }
        }
        out
    });
    println!(
        "equal f32 entries: worst {} ulp (powers of two), {} ulp (others)",
        worst[1], worst[0]
    );
}

#[test]
fn empty_and_zero_sums_are_plus_zero() {
    every_level_and_thread_count(|level| {
        let mut out = vec![];
        let raw = Opts {
            normalize: false,
            ..at(level)
        };
        let empty: [f64; 0] = [];
        let cases: [(&[f64], &[f64]); 4] = [
            (&empty, &empty),
            (&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0]),
            (&[1.0, 0.0], &[1.0, 0.5]),
            (&[0.25, 0.75], &[0.25, 0.75]),
        ];
        for (p, q) in cases {
            for (measure, o) in [
                (Measure::Entropy, raw),
                (Measure::CrossEntropy, raw),
                (Measure::KlDivergence, raw),
                (Measure::KlDivergence, at(level)),
            ] {
                let q = (measure != Measure::Entropy).then_some(q);
                let Ok(value) = reduce_slice(measure, p, q, &o) else {
                    continue; // a zero mass under normalize
                };
                // Never -0; exactly 0 for empty sums and for KL(p, p).
                assert!(
                    value != 0.0 || value.to_bits() == 0,
                    "{level} {measure:?} {p:?}: -0"
                );
                if p.is_empty() || measure == Measure::KlDivergence && q == Some(p) {
                    assert_eq!(value.to_bits(), 0, "{level} {measure:?} {p:?}: {value:e}");
                }
                out.push(value);
            }
        }
        // A base below 1 divides by a negative log: 0 stays +0.
        let base = Opts {
            base: Some(0.5),
            ..at(level)
        };
        let h = reduce_slice(Measure::Entropy, &[0.0, 7.0], None, &base).unwrap();
        assert_eq!(h.to_bits(), 0, "{level} base 0.5: {h:e}");
        out.push(h);
        out
    });
}

/// Scaling p and q by powers of two changes no normalised measure (beyond rounding), whatever the
/// magnitude, and the scale chosen does not depend on the thread count.
#[test]
fn normalised_measures_do_not_depend_on_scale() {
    let mut rng = XorShift(7);
    let p: Vec<f64> = (0..5000).map(|_| rng.next_f64()).collect();
    let q: Vec<f64> = (0..5000).map(|_| rng.next_f64() + 0.01).collect();
    // Entries of very different magnitudes, the large ones after the first look.
    let mixed: Vec<f64> = (0..70_000)
        .map(|i| rng.next_f64() * if i < 3000 { 1e-200 } else { 1e200 })
        .collect();
    every_level_and_thread_count(|level| {
        let o = at(level);
        let mut out = vec![];
        for measure in [
            Measure::Entropy,
            Measure::CrossEntropy,
            Measure::KlDivergence,
        ] {
            let q_of = |q: &[f64]| (measure != Measure::Entropy).then_some(q.to_vec());
            let plain = reduce_slice(measure, &p, q_of(&q).as_deref(), &o).unwrap();
            for scale in [2f64.powi(62), 2f64.powi(-1000), 2f64.powi(1000)] {
                let sp: Vec<f64> = p.iter().map(|x| x * scale).collect();
                let sq: Vec<f64> = q.iter().map(|x| x / scale.sqrt()).collect();
                let value = reduce_slice(measure, &sp, q_of(&sq).as_deref(), &o).unwrap();
                let tolerance = if scale < 1e-300 {
                    1e-12
                } else {
                    4.0 * f64::EPSILON
                };
                assert!(
                    (value - plain).abs() <= tolerance * plain,
                    "{level} {measure:?} scale {scale:e}: {value} against {plain}"
                );
                out.push(value);
            }
            let mixed_q: Vec<f64> = mixed.iter().rev().copied().collect();
            out.push(reduce_slice(measure, &mixed, q_of(&mixed_q).as_deref(), &o).unwrap());
        }
        out
    });
}

/// KL finishes with ln(S_q / S_p), not ln S_q - ln S_p: the masses of 1e8 entries near 1 have
/// logs near 18, whose ulps (3.6e-15) would swamp a divergence of 1e-3, and the driver used to
/// pay a second pass over the data to avoid that.
#[test]
fn kl_of_large_masses_is_accurate_in_one_pass() {
    use _core::Partial;
    for (mass, gap) in [(2f64.powi(25), 2f64.powi(-10)), (1e8, 1e-6), (3e9, 0.25)] {
        let sums = Partial {
            mass_p: mass,
            mass_q: mass * (1.0 + gap),
            core: 0.0,
            peak: 0.0,
        };
        // q - p is exact (Sterbenz), so this is ln(S_q / S_p) to about an ulp.
        let exact = ((sums.mass_q - sums.mass_p) / sums.mass_p).ln_1p();
        let got = sums.finish(Measure::KlDivergence, true);
        assert!(ulps_f64(got, exact) <= 2, "{mass} {gap}: {got} vs {exact}");
    }
}

/// Entropy leaves take the log without its subnormal scaling first and recompute a leaf that held
/// a positive subnormal entry: such entries must still get their exact logs, alone (unnormalised
/// sums of subnormals are themselves tiny) and among zeros and normal entries.
#[test]
fn subnormal_entries_keep_exact_logs() {
    let unnormalised = |level| Opts {
        normalize: false,
        ..at(level)
    };
    let oracle = |p: &[f64]| -> f64 {
        let mut s = 0.0;
        for &x in p.iter().filter(|&&x| x > 0.0) {
            s += x * x.ln();
        }
        -s
    };
    for level in SimdLevel::available() {
        for (n, at_, x) in [
            (1, 0, 5e-324),
            (700, 650, 3.3e-310),
            (1000, 3, 2.2250738585072e-308),
        ] {
            let mut p = one_hot(n, at_, 0.0, x);
            p[n / 2] = f64::from_bits(12345);
            let got = reduce_slice(Measure::Entropy, &p, None, &unnormalised(level)).unwrap();
            let want = oracle(&p);
            assert!(
                (got - want).abs() <= 1e-14 * want.abs(),
                "{level} n={n}: {got:e} vs {want:e}"
            );
            // Among normal entries they are far below the result's ulp, but the leaf is still
            // summed with them (the result equals the oracle's).
            p[0] = 0.25;
            let got = reduce_slice(Measure::Entropy, &p, None, &unnormalised(level)).unwrap();
            assert!(
                (got - oracle(&p)).abs() <= 4.0 * f64::EPSILON * oracle(&p),
                "{level}"
            );
        }
    }
}
