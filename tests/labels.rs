//! The label kernels against a plain oracle (BTreeMap counts, the formulas summed in f64), on
//! the direct and hashed factorizations and the dense and sparse contingency tables, at every
//! SIMD level, and bit-identical across thread counts.

use _core::kernels::labels::{
    entropy_labels, factorize_records, label_counts, mutual_information_labels, with_hash_limit,
    Labels,
};
use _core::{parallel, KernelError, Options, SimdLevel};
use std::collections::BTreeMap;

mod common;
use common::XorShift as Rng;

/// Entropy straight from the definition.
fn oracle_entropy(x: &[i128]) -> f64 {
    let mut counts: BTreeMap<i128, u64> = BTreeMap::new();
    for &v in x {
        *counts.entry(v).or_default() += 1;
    }
    let n = x.len() as f64;
    counts
        .values()
        .map(|&c| c as f64 / n * (n / c as f64).ln())
        .sum()
}

/// MI straight from the definition.
fn oracle_mi(x: &[i128], y: &[i128]) -> f64 {
    let mut a: BTreeMap<i128, u64> = BTreeMap::new();
    let mut b: BTreeMap<i128, u64> = BTreeMap::new();
    let mut cells: BTreeMap<(i128, i128), u64> = BTreeMap::new();
    for (&u, &v) in x.iter().zip(y) {
        *a.entry(u).or_default() += 1;
        *b.entry(v).or_default() += 1;
        *cells.entry((u, v)).or_default() += 1;
    }
    let n = x.len() as f64;
    let mi: f64 = cells
        .iter()
        .map(|(&(u, v), &c)| {
            let c = c as f64;
            c / n * (n * c / (a[&u] as f64 * b[&v] as f64)).ln()
        })
        .sum();
    mi.max(0.0)
}

/// `n` labels: `distinct` values spread `stride` apart from `offset`, and a second array that
/// depends on the first (each value shifted by up to `noise` steps).
fn pair(
    rng: &mut Rng,
    n: usize,
    distinct: u64,
    noise: u64,
    offset: i128,
    stride: i128,
) -> (Vec<i128>, Vec<i128>) {
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let i = rng.next_u64() % distinct;
        let j = (i + rng.next_u64() % noise) % distinct;
        x.push(offset + i as i128 * stride);
        y.push(offset + j as i128 * stride);
    }
    (x, y)
}

/// Runs `f`; with `sorting`, a lowered hash limit sends labels with more than a few distinct
/// values down the sorting path.
fn limited<R>(sorting: bool, f: impl FnOnce() -> R) -> R {
    if sorting {
        with_hash_limit(16, f)
    } else {
        f()
    }
}

fn close(got: f64, want: f64, what: &str) {
    let tol = 1e-12 * (1.0 + want.abs());
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e}"
    );
}

/// (name, offset, stride, distinct): label sets that send factorization down each path.
const LAYOUTS: [(&str, i128, i128, u64); 5] = [
    ("small direct", 0, 1, 7),
    ("negative direct", -500, 3, 200),
    ("wide range, hashed", -(1 << 40), 1 << 30, 300),
    ("many labels, sparse cells", 10, 1, 600),
    ("all distinct", 0, 1, 1 << 40),
];

#[test]
fn matches_oracle_on_every_path_and_level() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for &(name, offset, stride, distinct) in &LAYOUTS {
        for n in [1usize, 2, 17, 3000, 70_000] {
            let (x, y) = pair(&mut rng, n, distinct, 5, offset, stride);
            let xi: Vec<i64> = x.iter().map(|&v| v as i64).collect();
            let yi: Vec<i64> = y.iter().map(|&v| v as i64).collect();
            let want_h = oracle_entropy(&x);
            let want_mi = oracle_mi(&x, &y);
            for (level, sorting) in SimdLevel::available()
                .into_iter()
                .flat_map(|l| [(l, false), (l, true)])
            {
                let o = Options::at(level);
                let what = format!("{name}, n {n}, {level}, sorting {sorting}");
                close(
                    limited(sorting, || entropy_labels(Labels::I64(&xi), &o)).unwrap(),
                    want_h,
                    &format!("entropy, {what}"),
                );
                close(
                    limited(sorting, || {
                        mutual_information_labels(Labels::I64(&xi), Labels::I64(&yi), &o)
                    })
                    .unwrap(),
                    want_mi,
                    &format!("MI, {what}"),
                );
            }
        }
    }
}

#[test]
fn every_element_type_gives_the_same_result() {
    let mut rng = Rng(99);
    let (x, y) = pair(&mut rng, 5000, 100, 7, 0, 1);
    let o = Options::default();
    let want = oracle_mi(&x, &y);
    macro_rules! as_labels {
        ($v:expr, $t:ty) => {
            $v.iter().map(|&v| v as $t).collect::<Vec<$t>>()
        };
    }
    let ys = as_labels!(y, i64);
    let x8 = as_labels!(x, i8);
    let x16 = as_labels!(x, i16);
    let x32 = as_labels!(x, i32);
    let xu8 = as_labels!(x, u8);
    let xu16 = as_labels!(x, u16);
    let xu32 = as_labels!(x, u32);
    let xu64 = as_labels!(x, u64);
    let xf32 = as_labels!(x, f32);
    let xf64 = as_labels!(x, f64);
    let all = [
        Labels::I8(&x8),
        Labels::I16(&x16),
        Labels::I32(&x32),
        Labels::U8(&xu8),
        Labels::U16(&xu16),
        Labels::U32(&xu32),
        Labels::U64(&xu64),
        Labels::F32(&xf32),
        Labels::F64(&xf64),
    ];
    let first = mutual_information_labels(all[0], Labels::I64(&ys), &o).unwrap();
    close(first, want, "i8");
    for labels in all {
        let got = mutual_information_labels(labels, Labels::I64(&ys), &o).unwrap();
        // Equal labels in any type give equal codes, so the same bits.
        assert_eq!(got.to_bits(), first.to_bits(), "{labels:?}");
        let h = entropy_labels(labels, &o).unwrap();
        close(h, oracle_entropy(&x), "entropy");
    }
}

#[test]
fn extreme_integers_and_float_labels() {
    let o = Options::default();
    let x = [i64::MIN, i64::MAX, i64::MIN, 0, i64::MAX, -1];
    let y = [u64::MAX, 0, u64::MAX, 1, 0, u64::MAX - 1];
    let x128: Vec<i128> = x.iter().map(|&v| v as i128).collect();
    let y128: Vec<i128> = y.iter().map(|&v| v as i128).collect();
    close(
        mutual_information_labels(Labels::I64(&x), Labels::U64(&y), &o).unwrap(),
        oracle_mi(&x128, &y128),
        "extremes",
    );
    close(
        entropy_labels(Labels::U64(&y), &o).unwrap(),
        oracle_entropy(&y128),
        "u64 extremes",
    );
    // -0.0 and 0.0 are one label; infinities are labels.
    let f = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        f64::INFINITY,
    ];
    let same = [0i64, 0, 1, 2, 0, 1];
    let h = entropy_labels(Labels::F64(&f), &o).unwrap();
    assert_eq!(h, entropy_labels(Labels::I64(&same), &o).unwrap());
    let mi = mutual_information_labels(Labels::F64(&f), Labels::I64(&same), &o).unwrap();
    close(
        mi,
        h,
        "MI of a variable with a relabelling of itself is its entropy",
    );
}

#[test]
fn constant_variables_give_exact_zero() {
    let o = Options::default();
    let x = vec![5i64; 1000];
    let y: Vec<i64> = (0..1000).collect();
    assert_eq!(entropy_labels(Labels::I64(&x), &o).unwrap(), 0.0);
    let mi = mutual_information_labels(Labels::I64(&x), Labels::I64(&y), &o).unwrap();
    assert_eq!(mi.to_bits(), 0.0f64.to_bits());
    let mi = mutual_information_labels(Labels::I64(&y), Labels::I64(&x), &o).unwrap();
    assert_eq!(mi.to_bits(), 0.0f64.to_bits());
}

#[test]
fn errors_name_what_is_wrong() {
    let o = Options::default();
    let empty: [i64; 0] = [];
    assert!(matches!(
        entropy_labels(Labels::I64(&empty), &o),
        Err(KernelError::Layout(_))
    ));
    assert!(matches!(
        mutual_information_labels(Labels::I64(&empty), Labels::I64(&empty), &o),
        Err(KernelError::Layout(_))
    ));
    let err = mutual_information_labels(Labels::I64(&[1, 2]), Labels::I64(&[1, 2, 3]), &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains('2') && err.contains('3'), "{err}");
    // The first NaN, wherever the chunks fall.
    let mut f = vec![1.0f64; 200_000];
    f[150_000] = f64::NAN;
    f[199_999] = f64::NAN;
    let ok = vec![0i64; f.len()];
    let before = parallel::num_threads();
    for threads in [1, 2, 3] {
        parallel::set_num_threads(threads).unwrap();
        match entropy_labels(Labels::F64(&f), &o) {
            Err(KernelError::Nan { position, .. }) => assert_eq!(position, 150_000),
            other => panic!("{other:?}"),
        }
        match mutual_information_labels(Labels::I64(&ok), Labels::F64(&f), &o) {
            Err(KernelError::Nan { arg, position, .. }) => {
                assert_eq!((arg.name(), position), ("q", 150_000))
            }
            other => panic!("{other:?}"),
        }
    }
    parallel::set_num_threads(before).unwrap();
}

#[test]
fn label_counts_are_in_ascending_order_of_value() {
    let o = Options::default();
    let x = [3i32, -7, 3, 100, -7, 3];
    assert_eq!(label_counts(Labels::I32(&x), &o).unwrap(), vec![2, 3, 1]);
    let wide = [1i64 << 60, -(1 << 60), 1 << 60];
    assert_eq!(label_counts(Labels::I64(&wide), &o).unwrap(), vec![1, 2]);
    let many: Vec<i64> = (0..100).map(|i| (i % 40 - 20) << 50).collect();
    let counts = with_hash_limit(16, || label_counts(Labels::I64(&many), &o)).unwrap();
    assert_eq!(counts, label_counts(Labels::I64(&many), &o).unwrap());
    assert_eq!(counts.len(), 40);
}

#[test]
fn records_get_codes_by_first_appearance() {
    let o = Options::default();
    let data = b"abcxyzabcabcqqqxyz";
    let (codes, distinct) = factorize_records(data, 3, &o).unwrap();
    assert_eq!(codes, vec![0, 1, 0, 0, 2, 1]);
    assert_eq!(distinct, 3);
    assert!(factorize_records(b"abcd", 3, &o).is_err());
}

#[test]
fn same_bits_on_any_number_of_threads() {
    let before = parallel::num_threads();
    let mut rng = Rng(7);
    let mut records = Vec::new();
    for _ in 0..150_000 {
        records.extend_from_slice(&(rng.next_u64() % 5000).to_le_bytes());
    }
    for &(name, offset, stride, distinct) in &LAYOUTS {
        let (x, y) = pair(&mut rng, 150_000, distinct, 40, offset, stride);
        let xi: Vec<i64> = x.iter().map(|&v| v as i64).collect();
        let yi: Vec<i64> = y.iter().map(|&v| v as i64).collect();
        let mut seen = Vec::new();
        for threads in [1, 2, 3] {
            parallel::set_num_threads(threads).unwrap();
            let o = Options::default();
            let h = entropy_labels(Labels::I64(&xi), &o).unwrap();
            let mi = mutual_information_labels(Labels::I64(&xi), Labels::I64(&yi), &o).unwrap();
            let codes = factorize_records(&records, 8, &o).unwrap();
            let hs = with_hash_limit(16, || entropy_labels(Labels::I64(&xi), &o)).unwrap();
            let mis = with_hash_limit(16, || {
                mutual_information_labels(Labels::I64(&xi), Labels::I64(&yi), &o)
            })
            .unwrap();
            seen.push((
                h.to_bits(),
                mi.to_bits(),
                codes,
                hs.to_bits(),
                mis.to_bits(),
            ));
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{name}");
        let o = Options::default().serial();
        let serial = mutual_information_labels(Labels::I64(&xi), Labels::I64(&yi), &o).unwrap();
        assert_eq!(serial.to_bits(), seen[0].1, "{name}, serial");
    }
    parallel::set_num_threads(before).unwrap();
}
