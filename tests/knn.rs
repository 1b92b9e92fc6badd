//! The k-NN kernels against brute force (every distance and count, ties included), across
//! thread counts, and the estimators against closed forms.

mod common;

use _core::kernels::knn::tree::{KdTree, Norm};
use _core::kernels::knn::{self, Samples};
use _core::kernels::Options;
use _core::{parallel, KernelError};
use common::XorShift;

fn dist(a: &[f64], b: &[f64], norm: Norm) -> f64 {
    match norm {
        Norm::Max => a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max),
        Norm::Euclidean => a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt(),
    }
}

/// Points in [0, 1)^d, or on a coarse grid (many ties and repeated points) when `grid` > 0.
fn points(rng: &mut XorShift, n: usize, d: usize, grid: u64) -> Vec<f64> {
    (0..n * d)
        .map(|_| {
            if grid > 0 {
                (rng.next_u64() % grid) as f64
            } else {
                rng.next_f64()
            }
        })
        .collect()
}

#[test]
fn tree_matches_brute_force() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for &(n, d, grid) in &[
        (1, 2, 0),
        (2, 1, 0),
        (37, 1, 0),
        (300, 2, 0),
        (300, 2, 4),
        (250, 3, 0),
        (250, 3, 3),
        (200, 5, 0),
        (200, 6, 2),
    ] {
        let data = points(&mut rng, n, d, grid);
        let tree = KdTree::new(&data, d);
        let row = |i: usize| &data[i * d..(i + 1) * d];
        for norm in [Norm::Max, Norm::Euclidean] {
            for k in 1..n.min(6) {
                let mut scratch = vec![0.0; k];
                for p in 0..n {
                    let i = tree.row(p);
                    let mut others: Vec<f64> = (0..n)
                        .filter(|&j| j != i)
                        .map(|j| dist(row(i), row(j), norm))
                        .collect();
                    others.sort_by(f64::total_cmp);
                    let got = tree.kth_from_member(p, norm, &mut scratch);
                    // The tree compares squares for the Euclidean norm, so compare as roots do.
                    let want = others[k - 1];
                    assert!(
                        got == want || (norm == Norm::Euclidean && (got - want).abs() < 1e-15),
                        "n {n} d {d} grid {grid} {norm:?} k {k} row {i}: {got} vs {want}"
                    );
                }
            }
        }
        for p in 0..n {
            let q = tree.point(p);
            for r in [0.0, 0.1, 0.25, 1.0, 2.0] {
                let want = (0..n).filter(|&j| dist(q, row(j), Norm::Max) <= r).count();
                assert_eq!(tree.count_within_max(q, r), want, "n {n} d {d} r {r}");
            }
        }
    }
}

#[test]
fn tree_queries_from_outside_points() {
    let mut rng = XorShift(7);
    let (n, d) = (200, 3);
    let data = points(&mut rng, n, d, 0);
    let tree = KdTree::new(&data, d);
    let queries = points(&mut rng, 50, d, 0);
    for q in queries.chunks(d) {
        let mut all: Vec<f64> = data
            .chunks(d)
            .map(|p| dist(q, p, Norm::Euclidean))
            .collect();
        all.sort_by(f64::total_cmp);
        for k in [1, 2, 5] {
            let got = tree.kth_from_point(q, Norm::Euclidean, &mut vec![0.0; k]);
            assert!((got - all[k - 1]).abs() < 1e-15);
        }
    }
}

/// KSG written out from its definition with scikit-learn's counting rule.
fn ksg_brute(x: &[f64], y: &[f64], k: usize) -> f64 {
    let n = x.len();
    let psi = knn::digamma;
    let (mut sx, mut sy) = (0.0, 0.0);
    for i in 0..n {
        let mut d: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (x[i] - x[j]).abs().max((y[i] - y[j]).abs()))
            .collect();
        d.sort_by(f64::total_cmp);
        let eps = d[k - 1];
        let r = if eps > 0.0 { eps.next_down() } else { 0.0 };
        sx += psi((0..n).filter(|&j| (x[i] - x[j]).abs() <= r).count());
        sy += psi((0..n).filter(|&j| (y[i] - y[j]).abs() <= r).count());
    }
    (psi(n) + psi(k) - sx / n as f64 - sy / n as f64).max(0.0)
}

#[test]
fn mutual_information_matches_its_definition_with_ties() {
    let mut rng = XorShift(11);
    for &(n, grid) in &[(10, 0), (120, 0), (120, 5), (200, 3)] {
        let x = points(&mut rng, n, 1, grid);
        let y: Vec<f64> = x
            .iter()
            .map(|&v| v + (rng.next_u64() % 3) as f64 * if grid > 0 { 1.0 } else { 0.3 })
            .collect();
        for k in [1, 3, 5] {
            let got = knn::knn_mutual_information(
                &Samples::new("x", &x, 1).unwrap(),
                &Samples::new("y", &y, 1).unwrap(),
                k,
                &Options::default(),
            )
            .unwrap();
            let want = ksg_brute(&x, &y, k);
            assert!(
                (got - want).abs() < 1e-12,
                "n {n} grid {grid} k {k}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = XorShift(3);
    let n = 20_000;
    let x = points(&mut rng, n, 1, 0);
    let y: Vec<f64> = x.iter().map(|&v| v + rng.next_f64()).collect();
    let xy = points(&mut rng, n, 2, 0);
    let many = points(&mut rng, 2_000, 8, 0);
    let run = || {
        let o = Options::default();
        let sx = Samples::new("x", &x, 1).unwrap();
        let sy = Samples::new("y", &y, 1).unwrap();
        let s2 = Samples::new("x", &xy, 2).unwrap();
        let mut out = vec![0.0; 8];
        knn::knn_mutual_information_many(
            &Samples::new("X", &many, 8).unwrap(),
            &Samples::new("y", &many[..2_000], 1).unwrap(),
            3,
            &o,
            &mut out,
        )
        .unwrap();
        (
            knn::knn_mutual_information(&sx, &sy, 3, &o).unwrap(),
            knn::knn_entropy(&s2, 3, None, &o).unwrap(),
            knn::knn_kl_divergence(&sx, &sy, 2, &o).unwrap(),
            out,
        )
    };
    let mut results = Vec::new();
    for threads in [1, 2, 3, 8] {
        parallel::set_num_threads(threads).unwrap();
        results.push(run());
    }
    parallel::set_num_threads(2).unwrap();
    for r in &results[1..] {
        assert_eq!(r.0.to_bits(), results[0].0.to_bits());
        assert_eq!(r.1.to_bits(), results[0].1.to_bits());
        assert_eq!(r.2.to_bits(), results[0].2.to_bits());
        assert_eq!(r.3, results[0].3);
    }
}

#[test]
fn entropy_of_a_uniform_square_and_ball_volumes() {
    // ln of the unit ball's volume: 2 (d = 1), pi (d = 2), 4 pi / 3 (d = 3).
    assert!((knn::ln_unit_ball(1) - 2f64.ln()).abs() < 1e-15);
    assert!((knn::ln_unit_ball(2) - std::f64::consts::PI.ln()).abs() < 1e-15);
    assert!((knn::ln_unit_ball(3) - (4.0 * std::f64::consts::PI / 3.0).ln()).abs() < 1e-15);
    let mut rng = XorShift(5);
    // Uniform on [0, 2)^2: H = ln 4 (the boundary bias is O(n^-1/2)).
    let data: Vec<f64> = points(&mut rng, 50_000, 2, 0)
        .iter()
        .map(|v| 2.0 * v)
        .collect();
    let h = knn::knn_entropy(
        &Samples::new("x", &data, 2).unwrap(),
        3,
        None,
        &Options::default(),
    )
    .unwrap();
    assert!((h - 4f64.ln()).abs() < 0.02, "{h}");
}

#[test]
fn digamma_at_whole_numbers() {
    assert!((knn::digamma(1) + 0.577_215_664_901_532_9).abs() < 1e-16);
    // psi(m + 1) = psi(m) + 1/m across the switch to the series.
    for m in 1..200 {
        let step = knn::digamma(m + 1) - knn::digamma(m);
        assert!(
            (step - 1.0 / m as f64).abs() < 4e-16 * (m as f64).ln().max(1.0),
            "m {m}"
        );
    }
}

#[test]
fn errors_name_the_position() {
    let o = Options::default();
    let bad = [0.0, 1.0, f64::NAN, 3.0];
    let e = knn::knn_entropy(&Samples::new("x", &bad, 2).unwrap(), 1, None, &o).unwrap_err();
    assert!(matches!(
        e,
        KernelError::BadParameter {
            arg: "x",
            index: 2,
            ..
        }
    ));
    let x = [0.0, 1.0, 2.0];
    let e = knn::knn_entropy(&Samples::new("x", &x, 1).unwrap(), 3, None, &o).unwrap_err();
    assert!(e
        .to_string()
        .contains("k = 3 must be below the number of samples n = 3"));
    let dup = [0.0, 1.0, 1.0, 4.0];
    let e = knn::knn_entropy(&Samples::new("x", &dup, 1).unwrap(), 1, None, &o).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("x[1] has its k-th nearest neighbour at distance 0"));
    let y = [0.0, 1.0];
    let e = knn::knn_mutual_information(
        &Samples::new("x", &x, 1).unwrap(),
        &Samples::new("y", &y, 1).unwrap(),
        1,
        &o,
    )
    .unwrap_err();
    assert!(e.to_string().contains("x has 3 samples and y has 2"));
}

#[test]
fn sorted_path_equals_the_tree_path_on_a_long_sample_with_ties() {
    // Long enough for the radix sort; x as (x, 0) takes the tree for its counts and a 3-D joint
    // search, where every max-norm distance is the same float.
    let mut rng = XorShift(13);
    let n = 30_000;
    let x: Vec<f64> = (0..n)
        .map(|_| (rng.next_u64() % 500) as f64 * 0.25 - 40.0)
        .collect();
    let y: Vec<f64> = x.iter().map(|&v| v * 0.5 + rng.next_f64()).collect();
    let padded: Vec<f64> = x.iter().flat_map(|&v| [v, 0.0]).collect();
    let o = Options::default();
    let sy = Samples::new("y", &y, 1).unwrap();
    let one = knn::knn_mutual_information(&Samples::new("x", &x, 1).unwrap(), &sy, 3, &o).unwrap();
    let two =
        knn::knn_mutual_information(&Samples::new("x", &padded, 2).unwrap(), &sy, 3, &o).unwrap();
    assert_eq!(one.to_bits(), two.to_bits());
}

#[test]
fn a_tree_built_across_the_pool_is_the_same_tree() {
    let mut rng = XorShift(17);
    let n = 70_000;
    let data = points(&mut rng, n, 2, 0);
    parallel::set_num_threads(3).unwrap();
    let serial = KdTree::new(&data, 2);
    let pooled = parallel::install(|| KdTree::new_in_pool(&data, 2)).unwrap();
    parallel::set_num_threads(2).unwrap();
    let mut a = vec![0.0; 3];
    let mut b = vec![0.0; 3];
    for p in 0..n {
        assert_eq!(serial.row(p), pooled.row(p));
        assert_eq!(
            serial.kth_from_member(p, Norm::Max, &mut a),
            pooled.kth_from_member(p, Norm::Max, &mut b)
        );
    }
    // And against brute force, on a sample of the queries.
    let row = |i: usize| &data[i * 2..i * 2 + 2];
    for p in (0..n).step_by(997) {
        let i = pooled.row(p);
        let mut d: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| dist(row(i), row(j), Norm::Max))
            .collect();
        d.sort_by(f64::total_cmp);
        assert_eq!(pooled.kth_from_member(p, Norm::Max, &mut b), d[2]);
        let r = d[2];
        let want = (0..n)
            .filter(|&j| dist(row(i), row(j), Norm::Max) <= r)
            .count();
        assert_eq!(pooled.count_within_max(pooled.point(p), r), want);
    }
}
