//! The raw-data kernels against plain scalar oracles, and the same bits on any thread count.

use _core::kernels::raw::{self, Bins};
use _core::parallel;
use _core::{KernelError, Options};
use std::collections::HashMap;

mod common;
use common::XorShift as Rng;

fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    (0..n).map(|_| (rng.next_u64() >> 56) as u8).collect()
}

/// Bytes with runs and a skewed alphabet: the case the sub-histograms are for.
fn structured_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let value = (rng.next_u64() % 7) as u8 * 31;
        let run = (rng.next_u64() % 300) as usize + 1;
        out.extend(std::iter::repeat_n(value, run.min(n - out.len())));
    }
    out
}

fn plugin(counts: &[u64]) -> f64 {
    let n: u64 = counts.iter().sum();
    let n = n as f64;
    -counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            p * p.ln()
        })
        .sum::<f64>()
}

/// Runs `f` on 1, 2 and 3 threads and serially; all must give the same value.
fn on_threads<T: PartialEq + std::fmt::Debug>(f: impl Fn(&Options) -> T) -> T {
    let before = parallel::num_threads();
    let serial = f(&Options::default().serial());
    for threads in [1, 2, 3] {
        parallel::set_num_threads(threads).unwrap();
        assert_eq!(f(&Options::default()), serial, "{threads} threads");
    }
    parallel::set_num_threads(before).unwrap();
    serial
}

#[test]
fn byte_histogram_counts_every_byte() {
    for data in [
        random_bytes(3 * (1 << 20) + 123, 1),
        structured_bytes(2 * (1 << 20) + 5, 2),
        vec![],
        vec![9; 77],
    ] {
        let mut want = [0u64; 256];
        for &b in &data {
            want[b as usize] += 1;
        }
        let got = on_threads(|o| raw::byte_histogram(&data, o).unwrap());
        assert_eq!(got, want);
    }
}

#[test]
fn byte_entropy_edges() {
    let o = Options::default();
    assert_eq!(
        raw::byte_entropy(&[7; 1000], 0, Some(2.0), &o).unwrap(),
        0.0
    );
    let all: Vec<u8> = (0..=255).cycle().take(256 * 10).collect();
    let h = raw::byte_entropy(&all, 0, Some(2.0), &o).unwrap();
    assert!((h - 8.0).abs() < 1e-12, "{h}");
    // Each byte fixes the next: order 1 and 2 are 0.
    assert_eq!(raw::byte_entropy(&all, 1, Some(2.0), &o).unwrap(), 0.0);
    assert_eq!(raw::byte_entropy(&all, 2, Some(2.0), &o).unwrap(), 0.0);
    assert!(matches!(
        raw::byte_entropy(&[], 0, None, &o),
        Err(KernelError::Layout(_))
    ));
    assert!(raw::byte_entropy(&[1, 2], 2, None, &o).is_err());
    assert!(raw::byte_entropy(&[1, 2, 3], 3, None, &o).is_err());
}

#[test]
fn conditional_entropy_matches_the_ngram_difference() {
    for data in [
        random_bytes(300_000, 3),
        structured_bytes(5 * (1 << 20) + 17, 4),
    ] {
        for order in 1..=2usize {
            let mut joint: HashMap<u32, u64> = HashMap::new();
            for w in data.windows(order + 1) {
                let code = w.iter().fold(0u32, |c, &b| (c << 8) | b as u32);
                *joint.entry(code).or_default() += 1;
            }
            let mut context: HashMap<u32, u64> = HashMap::new();
            for (&code, &c) in &joint {
                *context.entry(code >> 8).or_default() += c;
            }
            let joint: Vec<u64> = joint.into_values().collect();
            let context: Vec<u64> = context.into_values().collect();
            let want = plugin(&joint) - plugin(&context);
            let got = on_threads(|o| raw::byte_entropy(&data, order, None, o).unwrap().to_bits());
            let got = f64::from_bits(got);
            assert!((got - want).abs() < 1e-9, "order {order}: {got} vs {want}");
        }
    }
}

#[test]
fn windows_match_a_direct_computation() {
    for (n, window, step) in [
        (100_000usize, 1024usize, 256usize),
        (50_001, 1000, 1),
        (4096, 100, 333),
        (10, 11, 1),
    ] {
        let data = structured_bytes(n, 5);
        let count = raw::window_count(n, window, step);
        let got = on_threads(|o| {
            let mut out = vec![0.0; count];
            raw::windowed_byte_entropy(&data, window, step, Some(2.0), o, &mut out).unwrap();
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        });
        assert_eq!(got.len(), count);
        for (i, &bits) in got.iter().enumerate() {
            let mut hist = [0u64; 256];
            for &b in &data[i * step..i * step + window] {
                hist[b as usize] += 1;
            }
            let want = plugin(&hist) / 2f64.ln();
            let value = f64::from_bits(bits);
            assert!(
                (value - want).abs() < 1e-12,
                "window {i}: {value} vs {want}"
            );
            if hist.iter().filter(|&&c| c > 0).count() == 1 {
                assert_eq!(value, 0.0);
            }
        }
    }
}

#[test]
fn histogram_entropy_bins_like_numpy() {
    let o = Options::default();
    // Values on the edges: 0.0 and 0.5 open their bins, 1.0 closes the last.
    let x = [0.0, 0.25, 0.5, 0.75, 1.0, 2.0, -1.0];
    let bins = Bins::Uniform {
        count: 2,
        range: Some((0.0, 1.0)),
    };
    let mut out = [0.0];
    raw::histogram_entropy(&x, x.len(), &bins, None, &o, &mut out).unwrap();
    assert!((out[0] - plugin(&[2, 3])).abs() < 1e-15);
    let edges = [0.0, 0.5, 0.5, 1.0];
    raw::histogram_entropy(&x, x.len(), &Bins::Edges(&edges), None, &o, &mut out).unwrap();
    assert!((out[0] - plugin(&[2, 0, 3])).abs() < 1e-15);
    let mut rng = Rng(9);
    let big: Vec<f64> = (0..1_000_003).map(|_| rng.next_f64().powi(3)).collect();
    let bins = Bins::Uniform {
        count: 256,
        range: None,
    };
    let got = on_threads(|o| {
        let mut out = [0.0];
        raw::histogram_entropy(&big, big.len(), &bins, None, o, &mut out).unwrap();
        out[0].to_bits()
    });
    let got = f64::from_bits(got);
    assert!(got > 0.0 && got < 256f64.ln());
    let mut nan = big.clone();
    nan[777_777] = f64::NAN;
    nan[900_000] = f64::NAN;
    let err = raw::histogram_entropy(&nan, nan.len(), &bins, None, &o, &mut out).unwrap_err();
    assert!(matches!(
        err,
        KernelError::Nan {
            position: 777_777,
            ..
        }
    ));
}

#[test]
fn symbol_counts_are_the_value_counts() {
    let mut rng = Rng(11);
    let x: Vec<i64> = (0..2_500_000)
        .map(|_| (rng.next_u64() % 100_000) as i64 - 50_000)
        .collect();
    let mut want: HashMap<i64, u64> = HashMap::new();
    for &v in &x {
        *want.entry(v).or_default() += 1;
    }
    let mut got = raw::symbol_counts(&x, &Options::default()).unwrap();
    let mut want: Vec<u64> = want.into_values().collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    let h = on_threads(|o| raw::symbol_entropy(&x, None, o).unwrap().to_bits());
    assert!((f64::from_bits(h) - plugin(&want)).abs() < 1e-10);
    assert_eq!(
        raw::symbol_entropy(&[5u8; 9], None, &Options::default()).unwrap(),
        0.0
    );
    assert!(raw::symbol_entropy::<u8>(&[], None, &Options::default()).is_err());
}
