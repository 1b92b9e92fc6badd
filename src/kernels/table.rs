//! Column sums of joint tables: the Y marginal that the joint-table measures need beside the
//! row sums and sum p ln p that [`super::partial_sums`] gives per row.
//!
//! The input is viewed as rows (distributions of the view, each one row of Y entries); rows are
//! grouped into tables as `(outer, x, inner)` with `x` the table's X index, so that the tables
//! of any batch layout are covered. Rows are added in fixed blocks of [`BLOCK_ROWS`] and the
//! block sums in block order, so the bits do not depend on the number of threads.

use super::Options;
use crate::error::KernelError;
use crate::parallel::{self, Slots, Work};
use crate::strided::Input;
use rayon::prelude::*;

/// Rows summed sequentially before block sums are combined.
const BLOCK_ROWS: usize = 64;

/// Writes the column sums of every table to `out` (tables in `(outer, inner)` order, each
/// `reduce_len` sums), the rows being the view's distributions taken as `(outer, x, inner)` with
/// `x` in `0..x_len`. Under `omit_nan` NaN entries count as 0; otherwise they propagate.
pub fn table_column_sums(
    rows: &Input,
    x_len: usize,
    inner: usize,
    omit_nan: bool,
    options: &Options,
    out: &mut [f64],
) -> Result<(), KernelError> {
    let distributions: usize = rows.batch_shape().iter().product();
    let width = rows.reduce_len();
    let per_table = x_len.checked_mul(inner).unwrap_or(0);
    if per_table == 0 || !distributions.is_multiple_of(per_table) {
        if distributions == 0 && out.is_empty() {
            return Ok(());
        }
        return Err(KernelError::Layout(format!(
            "{distributions} rows do not form tables of {x_len} x-rows times {inner}"
        )));
    }
    // Tables are (outer, inner) pairs; each holds x_len rows.
    let tables = distributions / x_len;
    if out.len() != tables * width {
        return Err(KernelError::Layout(format!(
            "out has {} slots for {tables} tables of {width} columns",
            out.len()
        )));
    }
    let row_of = |table: usize, x: usize| {
        let (outer, i) = (table / inner, table % inner);
        (outer * x_len + x) * inner + i
    };
    // Sums of rows [first, first + count) of `table` into `acc`, in row order.
    let add_rows = |table: usize, first: usize, count: usize, acc: &mut [f64], buf: &mut [f64]| {
        for x in first..first + count {
            let base = rows.distribution_offset(row_of(table, x));
            let row = rows.fetch_f64(base, 0, width, buf);
            if omit_nan {
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += if v.is_nan() { 0.0 } else { v };
                }
            } else {
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += v;
                }
            }
        }
    };
    let blocks = x_len.div_ceil(BLOCK_ROWS);
    let one_table = |table: usize, sums: &mut [f64]| {
        let mut buf = vec![0.0; width];
        let mut block = vec![0.0; width];
        for b in 0..blocks {
            let first = b * BLOCK_ROWS;
            block.fill(0.0);
            add_rows(
                table,
                first,
                BLOCK_ROWS.min(x_len - first),
                &mut block,
                &mut buf,
            );
            for (s, v) in sums.iter_mut().zip(&block) {
                *s += v;
            }
        }
    };
    // Few tall tables: the blocks of each run on the pool, then add up in block order.
    let split_table = |table: usize, sums: &mut [f64]| {
        let partial: Vec<Vec<f64>> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let first = b * BLOCK_ROWS;
                let mut block = vec![0.0; width];
                let mut buf = vec![0.0; width];
                add_rows(
                    table,
                    first,
                    BLOCK_ROWS.min(x_len - first),
                    &mut block,
                    &mut buf,
                );
                block
            })
            .collect();
        for block in &partial {
            for (s, v) in sums.iter_mut().zip(block) {
                *s += v;
            }
        }
    };
    let task = |first: usize, _count: usize, out: Slots<f64>, split: bool| {
        for (i, sums) in out.data.chunks_mut(width.max(1)).enumerate() {
            sums.fill(0.0);
            if split {
                split_table(first + i, sums);
            } else {
                one_table(first + i, sums);
            }
        }
        None::<()>
    };
    let work = Work::new(tables, x_len.saturating_mul(width)).splittable(BLOCK_ROWS * width);
    parallel::schedule(work, options.parallel, Slots::new(out, width), &task)?;
    Ok(())
}
