//! The logits kernels against a plain f64 oracle at every SIMD level, and bit-identical across
//! thread counts.

use _core::kernels::logits::{
    binary_cross_entropy, log_softmax, rows, BinaryKind, Factor, LogitElem, RowOp,
};
use _core::parallel;
use _core::{Options, SimdLevel};

mod common;
use common::XorShift as Rng;

/// Test data drawn from the shared generator.
trait Logits {
    fn logits(&mut self, n: usize, scale: f64, masked: bool) -> Vec<f64>;
}

impl Logits for Rng {
    /// Logits of spread `scale`, with some -inf (masked) entries when `masked`.
    fn logits(&mut self, n: usize, scale: f64, masked: bool) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let u = self.next_f64();
                if masked && u < 0.1 {
                    f64::NEG_INFINITY
                } else {
                    (self.next_f64() - 0.5) * 2.0 * scale
                }
            })
            .collect()
    }
}

fn lse(x: &[f64]) -> f64 {
    let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

fn log_probs(x: &[f64]) -> Vec<f64> {
    let l = lse(x);
    x.iter().map(|v| v - l).collect()
}

/// The oracle: each function straight from its definition, in f64.
fn oracle(op: &str, x: &[f64], z: &[f64], w: &[f64], y: usize, eps: f64) -> f64 {
    let c = x.len() as f64;
    let lp = log_probs(x);
    let wt = |i: usize| if w.is_empty() { 1.0 } else { w[i] };
    match op {
        "lse" => lse(x),
        "entropy" => -lp
            .iter()
            .map(|&l| {
                if l == f64::NEG_INFINITY {
                    0.0
                } else {
                    l.exp() * l
                }
            })
            .sum::<f64>(),
        "kl" => {
            let lq = log_probs(z);
            let v: f64 = lp
                .iter()
                .zip(&lq)
                .map(|(&a, &b)| {
                    if a == f64::NEG_INFINITY {
                        0.0
                    } else {
                        a.exp() * (a - b)
                    }
                })
                .sum();
            if v < 0.0 {
                0.0
            } else {
                v
            }
        }
        "ce_index" => {
            let smooth: f64 = (0..x.len()).map(|i| -wt(i) * lp[i]).sum();
            (1.0 - eps) * (-wt(y) * lp[y]) + if eps > 0.0 { eps / c * smooth } else { 0.0 }
        }
        "ce_prob" => (0..x.len())
            .map(|i| -wt(i) * (z[i] * (1.0 - eps) + eps / c) * lp[i])
            .sum(),
        _ => unreachable!(),
    }
}

fn cast<E: LogitElem>(v: &[f64]) -> Vec<E> {
    v.iter().map(|&x| E::from_f64(x)).collect()
}

/// Runs one op on (rows, c) logits in precision E and returns the per-row values.
#[allow(clippy::too_many_arguments)]
fn run<E: LogitElem>(
    op: &str,
    x: &[f64],
    z: &[f64],
    w: &[f64],
    y: &[i64],
    eps: f64,
    c: usize,
    level: SimdLevel,
) -> Vec<f64> {
    let (xe, ze, we) = (cast::<E>(x), cast::<E>(z), cast::<E>(w));
    let weight = if w.is_empty() { None } else { Some(&we[..]) };
    let n = x.len() / c;
    let mut out = vec![0.0; n];
    let mut den = vec![0.0; if op == "ce_index" { n } else { 0 }];
    let rop = match op {
        "lse" => RowOp::LogSumExp,
        "entropy" => RowOp::Entropy,
        "kl" => RowOp::KlDivergence { q: &ze },
        "ce_index" => RowOp::CrossEntropyIndex {
            target: y,
            weight,
            ignore_index: Some(-100),
            label_smoothing: eps,
        },
        "ce_prob" => RowOp::CrossEntropyProb {
            target: &ze,
            weight,
            label_smoothing: eps,
        },
        _ => unreachable!(),
    };
    let options = Options::at(level);
    rows(rop, &xe, c, &options, &mut out, &mut den).unwrap();
    out
}

fn close(got: f64, want: f64, tol: f64, scale: f64) -> bool {
    got == want
        || (got.is_nan() && want.is_nan())
        || (got - want).abs() <= tol * (want.abs() + 1.0) + tol * scale
}

const OPS: [&str; 5] = ["lse", "entropy", "kl", "ce_index", "ce_prob"];

fn check_all<E: LogitElem>(tol: f64) {
    let mut rng = Rng(7);
    for &c in &[1usize, 2, 3, 7, 16, 17, 100, 2047, 2048, 2049, 5000] {
        for &(scale, masked) in &[(1.0, false), (30.0, true), (1e4, false), (1e4, true)] {
            let n = 5;
            let x = rng.logits(n * c, scale, masked);
            let zl = rng.logits(n * c, scale, false);
            let mut probs = rng.logits(n * c, 1.0, false);
            for row in probs.chunks_mut(c) {
                let mut t: Vec<f64> = row.iter().map(|v| v.abs()).collect();
                if c > 2 {
                    t[1] = 0.0;
                }
                let s: f64 = t.iter().sum();
                for (o, v) in row.iter_mut().zip(&t) {
                    *o = v / s;
                }
            }
            let w: Vec<f64> = (0..c).map(|i| 0.5 + (i % 3) as f64).collect();
            let y: Vec<i64> = (0..n)
                .map(|i| {
                    if i == 2 {
                        -100
                    } else {
                        ((i * 7919) % c) as i64
                    }
                })
                .collect();
            let xr: Vec<f64> = cast::<E>(&x).iter().map(|v| v.to_f64()).collect();
            for op in OPS {
                for eps in [0.0, 0.1] {
                    for weights in [&[][..], &w[..]] {
                        let z = if op == "kl" { &zl } else { &probs };
                        let zr: Vec<f64> = cast::<E>(z).iter().map(|v| v.to_f64()).collect();
                        let wr: Vec<f64> = cast::<E>(weights).iter().map(|v| v.to_f64()).collect();
                        for level in SimdLevel::available() {
                            let got = run::<E>(op, &x, z, weights, &y, eps, c, level);
                            for r in 0..n {
                                let xs = &xr[r * c..(r + 1) * c];
                                let zs = &zr[r * c..(r + 1) * c];
                                let want = if op == "ce_index" && y[r] == -100 {
                                    0.0
                                } else {
                                    oracle(op, xs, zs, &wr, y[r].max(0) as usize, eps)
                                };
                                assert!(
                                    close(got[r], want, tol, scale),
                                    "{op} {level} c={c} scale={scale} masked={masked} eps={eps} \
                                     w={} row {r}: got {} want {}",
                                    !weights.is_empty(),
                                    got[r],
                                    want
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_level_matches_the_oracle_f64() {
    check_all::<f64>(1e-12);
}

#[test]
fn every_level_matches_the_oracle_f32() {
    check_all::<f32>(2e-6);
}

#[test]
fn special_rows() {
    let inf = f64::INFINITY;
    let nan = f64::NAN;
    // (row, lse, entropy)
    let cases: [(&[f64], f64, f64); 5] = [
        (&[0.0, -inf, 0.0], 2f64.ln(), 2f64.ln()),
        (&[-inf, -inf], -inf, nan),
        (&[1.0, inf, 0.0], inf, nan),
        (&[1.0, inf, nan], nan, nan),
        (&[1.0, nan, 0.0], nan, nan),
    ];
    for level in SimdLevel::available() {
        for (row, want_lse, want_h) in cases {
            let c = row.len();
            let z = vec![0.0; c];
            let lse = run::<f64>("lse", row, &z, &[], &[], 0.0, c, level)[0];
            let h = run::<f32>("entropy", row, &z, &[], &[], 0.0, c, level)[0];
            assert!(
                close(lse, want_lse, 1e-12, 0.0),
                "{level} {row:?}: lse {lse}"
            );
            assert!(close(h, want_h, 1e-6, 0.0), "{level} {row:?}: entropy {h}");
        }
        // KL is +inf where q's softmax is 0 and p's is not.
        let kl = run::<f32>("kl", &[0.0, 0.0], &[0.0, -inf], &[], &[], 0.0, 2, level)[0];
        assert_eq!(kl, inf);
    }
}

#[test]
fn out_of_range_target_names_the_row() {
    let x = [0.0f64; 6];
    let mut out = [0.0; 3];
    let mut den = [0.0; 3];
    let op = RowOp::CrossEntropyIndex {
        target: &[0, 1, 2],
        weight: None,
        ignore_index: None,
        label_smoothing: 0.0,
    };
    let err = rows(op, &x, 2, &Options::default(), &mut out, &mut den).unwrap_err();
    assert!(err.to_string().contains("row 2"), "{err}");
}

#[test]
fn log_softmax_matches_the_oracle() {
    let mut rng = Rng(3);
    for c in [1usize, 5, 33, 3000] {
        let x = rng.logits(4 * c, 20.0, true);
        for level in SimdLevel::available() {
            let mut out = vec![0.0; x.len()];
            let options = Options::at(level);
            log_softmax(&x, c, &options, &mut out).unwrap();
            for (r, row) in x.chunks(c).enumerate() {
                for (g, w) in out[r * c..(r + 1) * c].iter().zip(log_probs(row)) {
                    assert!(close(*g, w, 1e-12, 20.0), "{level} c={c}: {g} vs {w}");
                }
            }
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = Rng(11);
    let c = 3001;
    let n = 64;
    let x = rng.logits(n * c, 10.0, true);
    let z = rng.logits(n * c, 10.0, false);
    let y: Vec<i64> = (0..n).map(|i| (i * 31 % c) as i64).collect();
    let w: Vec<f64> = (0..c).map(|i| 1.0 + (i % 5) as f64).collect();
    let before = parallel::num_threads();
    for op in OPS {
        let mut first: Option<Vec<u64>> = None;
        for threads in [1, 2, 3, 8] {
            parallel::set_num_threads(threads).unwrap();
            let got = run::<f32>(op, &x, &z, &w, &y, 0.1, c, SimdLevel::current());
            let bits: Vec<u64> = got.iter().map(|v| v.to_bits()).collect();
            match &first {
                None => first = Some(bits),
                Some(b) => assert_eq!(b, &bits, "{op}: {threads} threads"),
            }
        }
    }
    parallel::set_num_threads(before).unwrap();
}

fn bce_oracle(kind: BinaryKind, x: f64, y: f64, w: f64, pw: f64) -> f64 {
    match kind {
        BinaryKind::WithLogits => {
            let soft = (-x.abs()).exp().ln_1p() + (-x).max(0.0);
            w * ((1.0 - y) * x + (1.0 + (pw - 1.0) * y) * soft)
        }
        BinaryKind::Probabilities => {
            -w * (y * x.ln().max(-100.0) + (1.0 - y) * (-x).ln_1p().max(-100.0))
        }
    }
}

fn check_binary<E: LogitElem>(tol: f64) {
    let mut rng = Rng(5);
    for &(rows_n, cols) in &[(1usize, 1usize), (3, 7), (2, 33), (40, 1000)] {
        let n = rows_n * cols;
        let logits = rng.logits(n, 30.0, false);
        let mut probs: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
        probs[0] = 0.0;
        probs[n - 1] = 1.0;
        let y: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
        let wcol: Vec<f64> = (0..cols).map(|_| rng.next_f64() * 2.0).collect();
        let wfull: Vec<f64> = (0..n).map(|_| rng.next_f64() * 2.0).collect();
        for kind in [BinaryKind::WithLogits, BinaryKind::Probabilities] {
            let data = if kind == BinaryKind::WithLogits {
                &logits
            } else {
                &probs
            };
            let (xe, ye) = (cast::<E>(data), cast::<E>(&y));
            let (wc, wf) = (cast::<E>(&wcol), cast::<E>(&wfull));
            for (wi, weight) in [
                Factor::Absent,
                Factor::PerColumn(&wc[..]),
                Factor::Full(&wf[..]),
            ]
            .into_iter()
            .enumerate()
            {
                let pos = if kind == BinaryKind::WithLogits {
                    Factor::PerColumn(&wc[..])
                } else {
                    Factor::Absent
                };
                for level in SimdLevel::available() {
                    let options = Options::at(level);
                    let mut losses = vec![0.0; n];
                    binary_cross_entropy(
                        kind,
                        &xe,
                        &ye,
                        cols,
                        weight,
                        pos,
                        &options,
                        &mut [],
                        &mut losses,
                    )
                    .unwrap();
                    let mut sums = vec![0.0; rows_n];
                    binary_cross_entropy(
                        kind,
                        &xe,
                        &ye,
                        cols,
                        weight,
                        pos,
                        &options,
                        &mut sums,
                        &mut [],
                    )
                    .unwrap();
                    for (r, &got_sum) in sums.iter().enumerate() {
                        let mut row_sum = 0.0;
                        for (c, &w_col) in wc.iter().enumerate() {
                            let i = r * cols + c;
                            let w = match wi {
                                0 => 1.0,
                                1 => w_col.to_f64(),
                                _ => wf[i].to_f64(),
                            };
                            let pw = if kind == BinaryKind::WithLogits {
                                w_col.to_f64()
                            } else {
                                1.0
                            };
                            let want = bce_oracle(kind, xe[i].to_f64(), ye[i].to_f64(), w, pw);
                            row_sum += want;
                            assert!(
                                close(losses[i], want, tol, 30.0),
                                "{kind:?} {level} {i}: {} vs {want}",
                                losses[i]
                            );
                        }
                        assert!(
                            close(got_sum, row_sum, tol, 30.0 * cols as f64),
                            "{kind:?} {level} row {r}: {got_sum} vs {row_sum}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn binary_cross_entropy_matches_the_oracle() {
    check_binary::<f64>(1e-13);
    check_binary::<f32>(1e-6);
}

#[test]
fn binary_cross_entropy_rejects_probabilities_outside_0_1() {
    let x = [0.5f64, 0.2, 0.1, f64::NAN, 0.3, 1.5];
    let y = [1.0f64; 6];
    let mut sums = [0.0; 3];
    let err = binary_cross_entropy(
        BinaryKind::Probabilities,
        &x,
        &y,
        2,
        Factor::Absent,
        Factor::Absent,
        &Options::default(),
        &mut sums,
        &mut [],
    )
    .unwrap_err();
    assert!(err.to_string().contains("row 1"), "{err}");
}
