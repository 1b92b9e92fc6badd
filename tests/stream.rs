//! Pieces of a stream (issue 11): `Scaled` sums of pieces combine into what one `reduce` gives,
//! and stay exact where users look (one positive entry is 0, equal entries ln n within 4 ulp).

use _core::{scaled_partial_sums, Input, Measure, NanPolicy, Options, Scaled, SimdLevel, Strided};

mod common;
use common::{reduce_slice, ulps_f64, Opts, XorShift};

fn options(level: SimdLevel) -> Options {
    Options {
        level,
        ..Options::default()
    }
}

/// The sums of `p` (and `q`) cut at `cuts`, combined left to right.
fn streamed(measure: Measure, p: &[f64], q: &[f64], cuts: &[usize], level: SimdLevel) -> Scaled {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(p.len());
    let mut total: Option<Scaled> = None;
    for w in bounds.windows(2) {
        let (ps, qs) = (&p[w[0]..w[1]], &q[w[0].min(q.len())..w[1].min(q.len())]);
        let pp = Input::from(Strided::from_slice(ps, &[], ps.len()).unwrap());
        let qq = measure
            .is_binary()
            .then(|| Input::from(Strided::from_slice(qs, &[], qs.len()).unwrap()));
        let mut out = [Scaled::default()];
        scaled_partial_sums(
            measure,
            &pp,
            qq.as_ref(),
            true,
            NanPolicy::Propagate,
            &options(level),
            &mut out,
        )
        .unwrap();
        total = Some(match total {
            None => out[0],
            Some(t) => t.combine(out[0], measure),
        });
    }
    total.unwrap()
}

#[test]
fn one_positive_entry_in_pieces_is_exactly_zero() {
    for level in SimdLevel::available() {
        for x in [3.0, 1e-300, 7e300, 0.1, 5e-324] {
            let p = [0.0, 0.0, x, 0.0];
            for cuts in [&[][..], &[1], &[2, 3], &[3]] {
                let s = streamed(Measure::Entropy, &p, &[], cuts, level);
                let h = s
                    .finish(Measure::Entropy, true, &options(level), 0)
                    .unwrap();
                assert_eq!(h.to_bits(), 0, "{x} cut at {cuts:?} on {level}");
            }
        }
    }
}

#[test]
fn equal_entries_in_pieces_are_ln_n() {
    for level in SimdLevel::available() {
        for x in [2f64.powi(62), 1e300, 3.0, 1e-310] {
            for n in [2usize, 5, 1000] {
                let p = vec![x; n];
                let s = streamed(Measure::Entropy, &p, &[], &[1, n / 2], level);
                let h = s
                    .finish(Measure::Entropy, true, &options(level), 0)
                    .unwrap();
                assert!(
                    ulps_f64(h, (n as f64).ln()) <= 4,
                    "{x} x {n} on {level}: {h}"
                );
            }
        }
    }
}

#[test]
fn pieces_match_one_reduce_whatever_the_cuts() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for measure in [
        Measure::Entropy,
        Measure::CrossEntropy,
        Measure::KlDivergence,
    ] {
        for scale in [1.0, 1e-200, 1e200] {
            let p: Vec<f64> = (0..5000)
                .map(|i| rng.next_f64() * scale * ((i % 3) as f64))
                .collect();
            let q: Vec<f64> = (0..5000).map(|_| rng.next_f64() + 0.01).collect();
            let want = reduce_slice(measure, &p, Some(&q), &Opts::default()).unwrap();
            for cuts in [&[][..], &[1, 2, 3], &[2500], &[100, 4000, 4999]] {
                let s = streamed(measure, &p, &q, cuts, SimdLevel::current());
                let got = s.finish(measure, true, &Options::default(), 0).unwrap();
                assert!(
                    ((got - want) / want).abs() < 1e-13,
                    "{measure:?} x {scale} cut at {cuts:?}: {got} against {want}"
                );
            }
        }
    }
}
