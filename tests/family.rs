//! The two-pass measures (Jensen-Shannon, Renyi, Tsallis) and the partial sums, against plain
//! scalar formulas at every SIMD level, over extreme scales, and across thread counts.

use _core::parallel;
use _core::{Arg, KernelError, Measure, NanPolicy, Partial, SimdLevel, SumKind};
use _core::{Input, Strided};

mod common;
use common::{partial_sums, reduce, reduce_slice, Opts, XorShift as Rng};

fn normalised(p: &[f64]) -> Vec<f64> {
    let s: f64 = p.iter().sum();
    p.iter().map(|x| x / s).collect()
}

/// JS of the normalised p and q, term by term.
fn js_oracle(p: &[f64], q: &[f64]) -> f64 {
    let (p, q) = (normalised(p), normalised(q));
    let mut total = 0.0;
    for (&x, &y) in p.iter().zip(&q) {
        let m = 0.5 * (x + y);
        if x > 0.0 {
            total += x * (x / m).ln();
        }
        if y > 0.0 {
            total += y * (y / m).ln();
        }
    }
    0.5 * total
}

/// ln sum p^alpha over the positive entries of the normalised p.
fn ln_power_sum(p: &[f64], alpha: f64) -> f64 {
    normalised(p)
        .iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| x.powf(alpha))
        .sum::<f64>()
        .ln()
}

fn renyi_oracle(p: &[f64], alpha: f64) -> f64 {
    let p = normalised(p);
    if alpha == 1.0 {
        return -p
            .iter()
            .filter(|&&x| x > 0.0)
            .map(|&x| x * x.ln())
            .sum::<f64>();
    }
    if alpha.is_infinite() {
        return -p.iter().cloned().fold(0.0, f64::max).ln();
    }
    ln_power_sum(&p, alpha) / (1.0 - alpha)
}

fn tsallis_oracle(p: &[f64], q: f64) -> f64 {
    if q == 1.0 {
        return renyi_oracle(p, 1.0);
    }
    (1.0 - ln_power_sum(p, q).exp()) / (q - 1.0)
}

/// Near order 1 the formulas divide a small log by 1 - order, so tolerances grow like 1/|1 - order|.
fn order_rtol(rtol: f64, order: f64) -> f64 {
    rtol * (1e-2 / (1.0 - order).abs()).max(1.0)
}

fn close(a: f64, b: f64, rtol: f64) -> bool {
    a == b || (a - b).abs() <= rtol * (a.abs().max(b.abs()) + 1e-3)
}

fn data(rng: &mut Rng, n: usize, zeros: bool) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let x = rng.next_f64();
            if zeros && x < 0.15 {
                0.0
            } else {
                x * 5.0
            }
        })
        .collect()
}

fn with(level: SimdLevel, measure_order: f64) -> Opts {
    Opts {
        level,
        order: measure_order,
        ..Opts::default()
    }
}

const ORDERS: [f64; 9] = [0.0, 0.5, 0.999, 1.0, 1.5, 2.0, 3.0, 40.0, f64::INFINITY];

#[test]
fn every_level_matches_the_oracles() {
    let mut rng = Rng(3);
    for n in [1usize, 2, 3, 7, 64, 129, 1000, 5003, 70_001] {
        let mut p = data(&mut rng, n, true);
        p[n / 2] = 1.0;
        let q = data(&mut rng, n, true);
        let q_has_mass = q.iter().any(|&x| x > 0.0);
        for level in SimdLevel::available() {
            let opts = with(level, 2.0);
            let js = reduce_slice(Measure::JensenShannon, &p, Some(&q), &opts);
            if q_has_mass {
                let (got, want) = (js.unwrap(), js_oracle(&p, &q));
                assert!(close(got, want, 1e-12), "{level} JS n={n}: {got} vs {want}");
            } else {
                assert!(matches!(js, Err(KernelError::ZeroMass { arg: Arg::Q, .. })));
            }
            for alpha in ORDERS {
                let opts = with(level, alpha);
                let got = reduce_slice(Measure::Renyi, &p, None, &opts).unwrap();
                let want = renyi_oracle(&p, alpha);
                assert!(
                    close(got, want, order_rtol(1e-11, alpha)),
                    "{level} Renyi({alpha}) n={n}: {got} vs {want}"
                );
                if alpha.is_finite() {
                    let got = reduce_slice(Measure::Tsallis, &p, None, &opts).unwrap();
                    let want = tsallis_oracle(&p, alpha);
                    assert!(
                        close(got, want, order_rtol(1e-11, alpha)),
                        "{level} Tsallis({alpha}) n={n}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn closed_forms() {
    // Uniform over k outcomes: every Renyi order gives ln k, Tsallis (1 - k^(1-q)) / (q - 1).
    let k = 1000usize;
    let uniform = vec![3.0; k];
    for alpha in ORDERS {
        let got = reduce_slice(
            Measure::Renyi,
            &uniform,
            None,
            &with(SimdLevel::current(), alpha),
        )
        .unwrap();
        assert!(
            close(got, (k as f64).ln(), order_rtol(1e-13, alpha)),
            "{alpha}: {got}"
        );
    }
    let t = reduce_slice(
        Measure::Tsallis,
        &uniform,
        None,
        &with(SimdLevel::current(), 2.0),
    )
    .unwrap();
    assert!(close(t, 1.0 - 1.0 / k as f64, 1e-14));
    // Disjoint supports: JS = ln 2 exactly; equal distributions: 0.
    let o = Opts::default();
    let js = reduce_slice(
        Measure::JensenShannon,
        &[1.0, 0.0],
        Some(&[0.0, 5.0][..]),
        &o,
    );
    assert_eq!(js.unwrap(), std::f64::consts::LN_2);
    let p = [0.1, 0.2, 0.7];
    let js = reduce_slice(Measure::JensenShannon, &p, Some(&[1.0, 2.0, 7.0][..]), &o);
    assert!(js.unwrap().abs() < 1e-16);
    // In bits, JS of disjoint supports is 1.
    let bits = Opts {
        base: Some(2.0),
        ..o
    };
    let js = reduce_slice(
        Measure::JensenShannon,
        &[2.0, 0.0],
        Some(&[0.0, 1.0][..]),
        &bits,
    );
    assert_eq!(js.unwrap(), 1.0);
}

#[test]
fn extreme_scales_are_handled() {
    // Masses that overflow, and entries that are all subnormal, give the same answers as the
    // distribution at a moderate scale.
    let base = [1.0, 2.0, 0.0, 3.0, 4.0];
    let q = [2.0, 1.0, 1.0, 1.0, 0.5];
    let o = Opts::default();
    let want_js = reduce_slice(Measure::JensenShannon, &base, Some(&q[..]), &o).unwrap();
    for factor in [f64::MAX / 4.0, 1e-310, 1e300] {
        let scaled: Vec<f64> = base.iter().map(|x| x * factor).collect();
        let got = reduce_slice(Measure::JensenShannon, &scaled, Some(&q[..]), &o).unwrap();
        assert!(
            close(got, want_js, 1e-12),
            "JS x{factor}: {got} vs {want_js}"
        );
        for alpha in ORDERS {
            let opts = with(SimdLevel::current(), alpha);
            let want = reduce_slice(Measure::Renyi, &base, None, &opts).unwrap();
            let got = reduce_slice(Measure::Renyi, &scaled, None, &opts).unwrap();
            // Subnormal entries carry fewer bits.
            let rtol = order_rtol(if factor < 1e-300 { 1e-6 } else { 1e-12 }, alpha);
            assert!(
                close(got, want, rtol),
                "Renyi({alpha}) x{factor}: {got} vs {want}"
            );
        }
    }
    // Huge orders do not underflow: the largest entry anchors the sum.
    let many: Vec<f64> = (1..=100_000).map(|i| i as f64).collect();
    let got = reduce_slice(
        Measure::Renyi,
        &many,
        None,
        &with(SimdLevel::current(), 1e6),
    )
    .unwrap();
    let inf = reduce_slice(
        Measure::Renyi,
        &many,
        None,
        &with(SimdLevel::current(), f64::INFINITY),
    )
    .unwrap();
    assert!(
        got.is_finite() && (got - inf).abs() < 1e-4,
        "{got} vs {inf}"
    );
}

#[test]
fn bad_input_and_options() {
    let o = Opts::default();
    let err = reduce_slice(
        Measure::JensenShannon,
        &[1.0, 2.0],
        Some(&[1.0, -1.0][..]),
        &o,
    );
    assert_eq!(
        err.unwrap_err(),
        KernelError::Negative {
            arg: Arg::Q,
            distribution: 0,
            position: 1,
            value: -1.0
        }
    );
    let err = reduce_slice(Measure::Renyi, &[0.0, f64::INFINITY], None, &o);
    assert!(matches!(
        err,
        Err(KernelError::Infinite { position: 1, .. })
    ));
    let err = reduce_slice(Measure::Renyi, &[0.0, 0.0], None, &o);
    assert!(matches!(
        err,
        Err(KernelError::ZeroMass { arg: Arg::P, .. })
    ));
    let err = reduce_slice(
        Measure::Tsallis,
        &[1.0],
        None,
        &with(SimdLevel::current(), -1.0),
    );
    assert!(matches!(err, Err(KernelError::Layout(_))));
    let err = reduce_slice(
        Measure::Renyi,
        &[1.0],
        None,
        &with(SimdLevel::current(), f64::NAN),
    );
    assert!(matches!(err, Err(KernelError::Layout(_))));
    // NaN propagates, is raised, or is dropped pairwise.
    let p = [1.0, f64::NAN, 2.0];
    let q = [1.0, 1.0, 2.0];
    assert!(reduce_slice(Measure::JensenShannon, &p, Some(&q[..]), &o)
        .unwrap()
        .is_nan());
    let omit = Opts {
        nan_policy: NanPolicy::Omit,
        ..o
    };
    let got = reduce_slice(Measure::JensenShannon, &p, Some(&q[..]), &omit).unwrap();
    assert!(got.abs() < 1e-16);
    let raise = Opts {
        nan_policy: NanPolicy::Raise,
        ..o
    };
    assert!(matches!(
        reduce_slice(Measure::Renyi, &p, None, &raise),
        Err(KernelError::Nan { position: 1, .. })
    ));
}

#[test]
fn partial_sums_merge_into_the_measure() {
    let mut rng = Rng(5);
    let p = data(&mut rng, 10_000, true);
    let view = Input::from(Strided::from_slice(&p, &[4], 2500).unwrap());
    let whole = Input::from(Strided::from_slice(&p, &[], 10_000).unwrap());
    let o = Opts::default();
    let mut pieces = [Partial::default(); 4];
    partial_sums(
        SumKind::Shannon(Measure::Entropy),
        &view,
        None,
        &o,
        &mut pieces,
    )
    .unwrap();
    let merged = pieces.iter().fold(Partial::default(), |a, &b| a.combine(b));
    let mut one = [0.0];
    reduce(Measure::Entropy, &whole, None, &o, &mut one).unwrap();
    assert!(close(merged.finish(Measure::Entropy, true), one[0], 1e-14));
    let mut masses = [Partial::default(); 4];
    partial_sums(SumKind::Mass, &view, None, &o, &mut masses).unwrap();
    for (piece, chunk) in masses.iter().zip(p.chunks(2500)) {
        let count = chunk.iter().filter(|&&x| x > 0.0).count() as f64;
        let peak = chunk.iter().cloned().fold(0.0, f64::max);
        assert_eq!(piece.core, count);
        assert_eq!(piece.peak, peak);
        assert!(close(piece.mass_p, chunk.iter().sum(), 1e-14));
    }
    let err = partial_sums(
        SumKind::Shannon(Measure::Renyi),
        &view,
        None,
        &o,
        &mut masses,
    );
    assert!(matches!(err, Err(KernelError::Layout(_))));
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = Rng(17);
    let p = data(&mut rng, 1_000_003, true);
    let q = data(&mut rng, 1_000_003, true);
    let mut seen: Option<Vec<u64>> = None;
    for threads in [1, 2, 3, 8] {
        parallel::set_num_threads(threads).unwrap();
        let o = with(SimdLevel::current(), 2.5);
        let got: Vec<u64> = [
            reduce_slice(Measure::JensenShannon, &p, Some(&q), &o),
            reduce_slice(Measure::Renyi, &p, None, &o),
            reduce_slice(Measure::Tsallis, &p, None, &o),
        ]
        .into_iter()
        .map(|r| r.unwrap().to_bits())
        .collect();
        match &seen {
            None => seen = Some(got),
            Some(s) => assert_eq!(s, &got, "threads {threads}"),
        }
    }
}

#[test]
fn table_column_sums_match_a_plain_sum_on_any_thread_count() {
    use _core::kernels::table::table_column_sums;
    let mut rng = Rng(23);
    // Two tables of 5000 x-rows by 7 columns (past the serial threshold), batch laid out as (x, table): outer 1, inner 2.
    let (x_len, tables, width) = (5000usize, 2usize, 7usize);
    let data = data(&mut rng, x_len * tables * width, true);
    let view = Input::from(Strided::from_slice(&data, &[x_len, tables], width).unwrap());
    let mut want = vec![0.0; tables * width];
    for x in 0..x_len {
        for t in 0..tables {
            for c in 0..width {
                want[t * width + c] += data[(x * tables + t) * width + c];
            }
        }
    }
    let mut seen: Option<Vec<u64>> = None;
    for threads in [1, 2, 3] {
        parallel::set_num_threads(threads).unwrap();
        for parallel_run in [false, true] {
            let mut out = vec![0.0; tables * width];
            table_column_sums(
                &view,
                x_len,
                tables,
                false,
                &_core::Options {
                    parallel: parallel_run,
                    ..Default::default()
                },
                &mut out,
            )
            .unwrap();
            for (g, w) in out.iter().zip(&want) {
                assert!(close(*g, *w, 1e-13), "{g} vs {w}");
            }
            let bits: Vec<u64> = out.iter().map(|x| x.to_bits()).collect();
            match &seen {
                None => seen = Some(bits),
                Some(s) => assert_eq!(s, &bits, "threads {threads}"),
            }
        }
    }
    let mut out = vec![0.0; 3];
    assert!(table_column_sums(&view, 7, 1, false, &Default::default(), &mut out).is_err());
}
