//! The fused pass over joint tables (`table_sums`): row sums bit for bit those of
//! `partial_sums`, column sums those of a plain sum, the same bits on any thread count, integer
//! and strided tables the same as contiguous float64 ones, and the first error in C order.

use _core::kernels::table::table_sums;
use _core::parallel;
use _core::{partial_sums, KernelError, Measure, NanPolicy, Options, Partial, SumKind};
use _core::{Input, SimdLevel, Strided};

mod common;
use common::XorShift as Rng;

/// Whole counts 0..=9 (a fifth of them 0), as f64.
fn counts(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| (rng.next_f64() * 10.0).floor().min(9.0))
        .map(|x| if x < 2.0 { 0.0 } else { x })
        .collect()
}

/// Row sums (table order) and column sums of `view` taken as (outer, x, inner) tables.
fn fused(
    view: &Input,
    x_len: usize,
    inner: usize,
    nan_policy: NanPolicy,
    options: &Options,
) -> Result<(Vec<Partial>, Vec<f64>), KernelError> {
    let rows: usize = view.batch_shape().iter().product();
    let tables = rows / x_len;
    let mut row_sums = vec![Partial::default(); rows];
    let mut columns = vec![0.0; tables * view.reduce_len()];
    table_sums(
        view,
        x_len,
        inner,
        nan_policy,
        options,
        &mut row_sums,
        &mut columns,
    )?;
    Ok((row_sums, columns))
}

fn bits(rows: &[Partial], columns: &[f64]) -> Vec<u64> {
    rows.iter()
        .flat_map(|p| [p.mass_p, p.core])
        .chain(columns.iter().copied())
        .map(f64::to_bits)
        .collect()
}

/// Checks `view` (of `data`, row-major (outer, x, inner, width)) against `partial_sums` and a
/// plain column sum, and the bits across thread counts, parallel or not, and SIMD levels.
fn check(data: &[f64], view: &Input, (outer, x_len, inner, width): (usize, usize, usize, usize)) {
    let tables = outer * inner;
    let mut want_cols = vec![0.0; tables * width];
    for o in 0..outer {
        for x in 0..x_len {
            for i in 0..inner {
                for c in 0..width {
                    let v = data[((o * x_len + x) * inner + i) * width + c];
                    want_cols[(o * inner + i) * width + c] += v;
                }
            }
        }
    }
    for level in SimdLevel::available() {
        let mut seen: Option<Vec<u64>> = None;
        for threads in [1, 2, 3] {
            parallel::set_num_threads(threads).unwrap();
            for parallel_run in [false, true] {
                let options = Options {
                    parallel: parallel_run,
                    ..Options::at(level)
                };
                let mut want_rows = vec![Partial::default(); outer * x_len * inner];
                let kind = SumKind::Shannon(Measure::Entropy);
                partial_sums(
                    kind,
                    view,
                    None,
                    NanPolicy::Propagate,
                    &options,
                    &mut want_rows,
                )
                .unwrap();
                let (rows, cols) =
                    fused(view, x_len, inner, NanPolicy::Propagate, &options).unwrap();
                for t in 0..tables {
                    let (o, i) = (t / inner, t % inner);
                    for x in 0..x_len {
                        let (got, want) =
                            (rows[t * x_len + x], want_rows[(o * x_len + x) * inner + i]);
                        assert_eq!(got.mass_p.to_bits(), want.mass_p.to_bits(), "{level:?}");
                        assert_eq!(got.core.to_bits(), want.core.to_bits(), "{level:?}");
                    }
                }
                for (g, w) in cols.iter().zip(&want_cols) {
                    assert!((g - w).abs() <= 1e-13 * w.abs(), "{g} vs {w}");
                }
                let b = bits(&rows, &cols);
                match &seen {
                    None => seen = Some(b),
                    Some(s) => assert_eq!(s, &b, "{level:?}, threads {threads}"),
                }
            }
        }
    }
}

#[test]
fn one_tall_table_is_split_across_the_pool_with_the_same_bits() {
    // 6000 x 17: past the split threshold, 12 groups of rows, a partial last group and block.
    let (x_len, width) = (6000, 17);
    let data = counts(&mut Rng(5), x_len * width);
    let view = Input::from(Strided::from_slice(&data, &[x_len], width).unwrap());
    check(&data, &view, (1, x_len, 1, width));
}

#[test]
fn tables_across_the_batch_in_any_layout() {
    // (outer, x, inner) = (2, 700, 3), width 40: the rows of a table are not adjacent.
    let shape = (2, 700, 3, 40);
    let data = counts(&mut Rng(7), shape.0 * shape.1 * shape.2 * shape.3);
    let view =
        Input::from(Strided::from_slice(&data, &[shape.0, shape.1, shape.2], shape.3).unwrap());
    check(&data, &view, shape);
    // Many small tables (chunks of tables on the pool) and wide rows (one row per chunk).
    for shape in [(300, 9, 1, 11), (1, 70, 1, 9000)] {
        let data = counts(&mut Rng(9), shape.0 * shape.1 * shape.2 * shape.3);
        let view = Input::from(Strided::from_slice(&data, &[shape.0, shape.1], shape.3).unwrap());
        check(&data, &view, shape);
    }
}

#[test]
fn integer_float32_and_strided_tables_give_the_bits_of_float64() {
    let (x_len, width) = (3000, 29);
    let data = counts(&mut Rng(11), x_len * width);
    let f64_view = Input::from(Strided::from_slice(&data, &[x_len], width).unwrap());
    let options = Options::default();
    let want = fused(&f64_view, x_len, 1, NanPolicy::Propagate, &options).unwrap();
    let want = bits(&want.0, &want.1);
    let ints: Vec<i64> = data.iter().map(|&x| x as i64).collect();
    let small: Vec<u8> = data.iter().map(|&x| x as u8).collect();
    let singles: Vec<f32> = data.iter().map(|&x| x as f32).collect();
    // The transposed copy read through strides (Y axis of stride x_len).
    let mut transposed = vec![0.0; data.len()];
    for x in 0..x_len {
        for c in 0..width {
            transposed[c * x_len + x] = data[x * width + c];
        }
    }
    // SAFETY: the shape and strides stay inside `transposed` / `ints`.
    let strided = unsafe {
        Strided::from_raw(
            transposed.as_ptr(),
            &[x_len, width],
            &[1, x_len as isize],
            1,
        )
        .unwrap()
    };
    let views = [
        Input::I64(Strided::from_slice(&ints, &[x_len], width).unwrap()),
        Input::U8(Strided::from_slice(&small, &[x_len], width).unwrap()),
        Input::from(Strided::from_slice(&singles, &[x_len], width).unwrap()),
        Input::from(strided),
    ];
    for view in &views {
        for parallel_run in [false, true] {
            let options = Options {
                parallel: parallel_run,
                ..options
            };
            let (rows, cols) = fused(view, x_len, 1, NanPolicy::Propagate, &options).unwrap();
            assert_eq!(bits(&rows, &cols), want);
        }
    }
}

#[test]
fn nan_entries_propagate_or_are_omitted() {
    let (x_len, width) = (200, 6);
    let mut data = counts(&mut Rng(13), x_len * width);
    data[37 * width + 4] = f64::NAN;
    let view = Input::from(Strided::from_slice(&data, &[x_len], width).unwrap());
    let options = Options::default();
    let (rows, cols) = fused(&view, x_len, 1, NanPolicy::Propagate, &options).unwrap();
    assert!(rows[37].mass_p.is_nan() && !rows[36].mass_p.is_nan());
    assert!(cols[4].is_nan() && !cols[3].is_nan());
    let (rows, cols) = fused(&view, x_len, 1, NanPolicy::Omit, &options).unwrap();
    let mut clean = data.clone();
    clean[37 * width + 4] = 0.0;
    let clean_view = Input::from(Strided::from_slice(&clean, &[x_len], width).unwrap());
    let (want_rows, want_cols) = fused(&clean_view, x_len, 1, NanPolicy::Omit, &options).unwrap();
    assert_eq!(bits(&rows, &cols), bits(&want_rows, &want_cols));
    assert!(fused(&view, x_len, 1, NanPolicy::Raise, &options).is_err());
}

#[test]
fn the_first_error_is_the_first_offending_row_in_c_order() {
    // (outer, x, inner) = (1, 3000, 2): table 1's row 10 comes before table 0's row 2000 in C
    // order (distribution 21 against 4000), though table 0 is read first.
    let (x_len, inner, width) = (3000, 2, 5);
    let mut data = counts(&mut Rng(17), x_len * inner * width);
    data[(2000 * inner) * width + 1] = -1.0;
    data[(10 * inner + 1) * width + 3] = -2.0;
    let view = Input::from(Strided::from_slice(&data, &[x_len, inner], width).unwrap());
    for threads in [1, 2] {
        parallel::set_num_threads(threads).unwrap();
        let error = fused(
            &view,
            x_len,
            inner,
            NanPolicy::Propagate,
            &Options::default(),
        )
        .unwrap_err();
        match error {
            KernelError::Negative {
                distribution,
                position,
                ..
            } => assert_eq!((distribution, position), (21, 3)),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn empty_tables_and_bad_layouts() {
    let data: Vec<f64> = Vec::new();
    let view = Input::from(Strided::from_slice(&data, &[4], 0).unwrap());
    let (rows, cols) = fused(&view, 4, 1, NanPolicy::Propagate, &Options::default()).unwrap();
    assert_eq!((rows.len(), cols.len()), (4, 0));
    assert!(rows.iter().all(|p| p.mass_p == 0.0));
    let data = vec![1.0; 12];
    let view = Input::from(Strided::from_slice(&data, &[4], 3).unwrap());
    let mut rows = vec![Partial::default(); 4];
    let mut cols = vec![0.0; 3];
    let options = Options::default();
    assert!(table_sums(
        &view,
        3,
        1,
        NanPolicy::Propagate,
        &options,
        &mut rows,
        &mut cols
    )
    .is_err());
    assert!(table_sums(
        &view,
        4,
        1,
        NanPolicy::Propagate,
        &options,
        &mut rows,
        &mut cols[..2]
    )
    .is_err());
}
