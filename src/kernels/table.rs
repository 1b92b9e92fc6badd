//! Column sums of joint tables: the Y marginal that the joint-table measures need beside the
//! row sums and sum p ln p that [`super::partial_sums`] gives per row. [`table_sums`] gives both
//! in one read of the table; [`table_column_sums`] alone is the column pass by itself.
//!
//! The input is viewed as rows (distributions of the view, each one row of Y entries); rows are
//! grouped into tables as `(outer, x, inner)` with `x` the table's X index, so that the tables
//! of any batch layout are covered. Rows are added in fixed blocks of [`BLOCK_ROWS`] and the
//! block sums in block order, so the bits do not depend on the number of threads.

use super::{partial_sums, Measure, NanPolicy, Options, Partial, SumKind};
use crate::error::KernelError;
use crate::parallel::{self, Slots, Work};
use crate::simd::{dispatch, Level, SimdTask};
use crate::strided::{Element, Input, Strided};

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
    // Sums of block `b`'s rows of `table` into `block` (zero on entry).
    let add_block = |table: usize, b: usize, block: &mut [f64], buf: &mut [f64]| {
        let first = b * BLOCK_ROWS;
        add_rows(table, first, BLOCK_ROWS.min(x_len - first), block, buf);
    };
    let one_table = |table: usize, sums: &mut [f64]| {
        let mut buf = vec![0.0; width];
        let mut block = vec![0.0; width];
        for b in 0..blocks {
            block.fill(0.0);
            add_block(table, b, &mut block, &mut buf);
            for (s, v) in sums.iter_mut().zip(&block) {
                *s += v;
            }
        }
    };
    // Few tall tables: the blocks of each run on the pool, then add up in block order.
    let split_table = |table: usize, sums: &mut [f64]| {
        let partial: Vec<Vec<f64>> = parallel::map_pieces(blocks, &|b| {
            let mut block = vec![0.0; width];
            add_block(table, b, &mut block, &mut vec![0.0; width]);
            block
        });
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

/// Blocks of [`BLOCK_ROWS`] rows per group: a table's groups are the units its rows are split
/// into across the pool, each giving its own column sums, added in group order.
const GROUP_BLOCKS: usize = 8;

const GROUP_ROWS: usize = BLOCK_ROWS * GROUP_BLOCKS;

/// Bytes of rows handled at a time (the row sums, then the column sums, read them from L1/L2).
const CHUNK_BYTES: usize = 32 << 10;

/// `acc += row` (NaN as 0 under `omit`), compiled at the SIMD level so the loop vectorises.
struct AddRow<'a> {
    acc: &'a mut [f64],
    row: &'a [f64],
    omit: bool,
}

impl SimdTask for AddRow<'_> {
    type Output = ();
    #[inline(always)]
    fn run<L: Level>(self) {
        if self.omit {
            for (a, &v) in self.acc.iter_mut().zip(self.row) {
                *a += if v.is_nan() { 0.0 } else { v };
            }
        } else {
            for (a, &v) in self.acc.iter_mut().zip(self.row) {
                *a += v;
            }
        }
    }
}

/// Contiguous entries converted to f64 in one loop at the SIMD level (integer counts become f64
/// here once per block instead of entry by entry inside every leaf).
struct Widen<'a, T> {
    src: &'a [T],
    dst: &'a mut [f64],
}

impl<T: Element> SimdTask for Widen<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<L: Level>(self) {
        for (d, &s) in self.dst.iter_mut().zip(self.src) {
            *d = s.to_f64();
        }
    }
}

/// The `len` entries of the distribution at `base` as f64 into `dst`.
fn widen_row(rows: &Input, base: isize, dst: &mut [f64], options: &Options) {
    macro_rules! contiguous_or_gather {
        ($($variant:ident),*) => {
            match rows {
                $(Input::$variant(view) => {
                    if let Some(src) = view.contiguous(base, 0, dst.len()) {
                        dispatch(options.level, Widen { src, dst });
                        return;
                    }
                })*
                Input::F64(_) => {}
            }
        };
    }
    contiguous_or_gather!(F32, I8, I16, I32, I64, U8, U16, U32, U64);
    // Not float64 in place (the caller reads those directly): gathered into `dst`.
    let len = dst.len();
    let written = rows.fetch_f64(base, 0, len, dst).as_ptr();
    debug_assert!(std::ptr::eq(written, dst.as_ptr()));
}

/// Row and column sums of every joint table in one read of the table.
///
/// The rows are the view's distributions taken as `(outer, x, inner)` (as for
/// [`table_column_sums`]); tables are `(outer, inner)` pairs in C order. `row_sums` gets each
/// row's [`partial_sums`] of `SumKind::Shannon(Measure::Entropy)` (mass and sum p ln p) in
/// table order (`x_len` per table, in `x` order), bit for bit what `partial_sums` gives; `columns`
/// gets each table's column sums (`reduce_len` per table; under `NanPolicy::Omit` NaN counts as
/// 0, otherwise it propagates).
///
/// Rows are read a few kilobytes at a time: their sums come from the partial-sums kernel, then
/// they are added to the column sums while still in cache. Integer and float32 rows are
/// converted to f64 once per chunk. Column sums add rows sequentially within blocks of
/// [`BLOCK_ROWS`], blocks within groups of [`GROUP_ROWS`] rows, and groups in order; tall tables
/// split by groups across the pool, so the bits do not depend on the number of threads. Errors
/// (a negative or infinite entry, NaN under "raise") are those `partial_sums` reports for the
/// whole view: the first offending row in C order.
pub fn table_sums(
    rows: &Input,
    x_len: usize,
    inner: usize,
    nan_policy: NanPolicy,
    options: &Options,
    row_sums: &mut [Partial],
    columns: &mut [f64],
) -> Result<(), KernelError> {
    let distributions: usize = rows.batch_shape().iter().product();
    let width = rows.reduce_len();
    let per_table = x_len.checked_mul(inner).unwrap_or(0);
    if per_table == 0 || !distributions.is_multiple_of(per_table) {
        if distributions == 0 && row_sums.is_empty() && columns.is_empty() {
            return Ok(());
        }
        return Err(KernelError::Layout(format!(
            "{distributions} rows do not form tables of {x_len} x-rows times {inner}"
        )));
    }
    let tables = distributions / x_len;
    if row_sums.len() != distributions || columns.len() != tables * width {
        return Err(KernelError::Layout(format!(
            "{} row slots and {} column slots for {tables} tables of {x_len} x {width}",
            row_sums.len(),
            columns.len()
        )));
    }
    let kind = SumKind::Shannon(Measure::Entropy);
    let omit = nan_policy == NanPolicy::Omit;
    let serial = options.serial();
    let direct = rows.is_direct::<f64>();
    // Rows per chunk: a power of two, so chunks tile the blocks.
    let chunk_rows = {
        let fit = (CHUNK_BYTES / (8 * width.max(1))).clamp(1, BLOCK_ROWS);
        1 << (usize::BITS - 1 - fit.leading_zeros())
    };
    let row_of = |table: usize, x: usize| {
        let (outer, i) = (table / inner, table % inner);
        (outer * x_len + x) * inner + i
    };
    let add = |acc: &mut [f64], row: &[f64]| dispatch(options.level, AddRow { acc, row, omit });
    // Rows [first, first + out.len()) of `table`: their sums into `out`, their column sums into
    // `acc` (zero on entry).
    let group = |table: usize,
                 first: usize,
                 out: &mut [Partial],
                 acc: &mut [f64],
                 buf: &mut Vec<f64>|
     -> Result<(), KernelError> {
        let mut block = vec![0.0; width];
        let end = first + out.len();
        for block_first in (first..end).step_by(BLOCK_ROWS) {
            block.fill(0.0);
            let block_end = end.min(block_first + BLOCK_ROWS);
            for at in (block_first..block_end).step_by(chunk_rows) {
                let n = chunk_rows.min(block_end - at);
                let slots = &mut out[at - first..at - first + n];
                let d = row_of(table, at);
                if direct {
                    let view = rows.rows(d, inner, n);
                    partial_sums(kind, &view, None, nan_policy, &serial, slots)?;
                    for j in 0..n {
                        let base = rows.distribution_offset(d + j * inner);
                        add(&mut block, rows.fetch_f64(base, 0, width, &mut []));
                    }
                } else {
                    buf.resize(chunk_rows * width, 0.0);
                    let data = &mut buf[..n * width];
                    for (j, dst) in data.chunks_exact_mut(width.max(1)).enumerate() {
                        widen_row(rows, rows.distribution_offset(d + j * inner), dst, options);
                    }
                    let view = Input::from(Strided::from_slice(&*data, &[n], width)?);
                    partial_sums(kind, &view, None, nan_policy, &serial, slots)?;
                    for row in data.chunks_exact(width.max(1)) {
                        add(&mut block, row);
                    }
                }
            }
            add(acc, &block);
        }
        Ok(())
    };
    let groups = x_len.div_ceil(GROUP_ROWS);
    let one_table = |table: usize,
                     out: &mut [Partial],
                     sums: &mut [f64],
                     split: bool|
     -> Result<(), KernelError> {
        sums.fill(0.0);
        if split && groups > 1 {
            let outs: Vec<&mut [Partial]> = out.chunks_mut(GROUP_ROWS).collect();
            let parts = parallel::map_each(outs, &|g, out| {
                let mut acc = vec![0.0; width];
                group(table, g * GROUP_ROWS, out, &mut acc, &mut Vec::new()).map(|()| acc)
            });
            for part in parts {
                add(sums, &part?);
            }
        } else {
            let (mut acc, mut buf) = (vec![0.0; width], Vec::new());
            for (g, out) in out.chunks_mut(GROUP_ROWS).enumerate() {
                acc.fill(0.0);
                group(table, g * GROUP_ROWS, out, &mut acc, &mut buf)?;
                add(sums, &acc);
            }
        }
        Ok(())
    };
    let task =
        |first: usize, count: usize, (out, sums): (Slots<Partial>, Slots<f64>), split: bool| {
            for i in 0..count {
                let out = &mut out.data[i * x_len..(i + 1) * x_len];
                let sums = &mut sums.data[i * width..(i + 1) * width];
                if let Err(e) = one_table(first + i, out, sums, split) {
                    return Some(e);
                }
            }
            None
        };
    let work = Work::new(tables, x_len.saturating_mul(width)).splittable(GROUP_ROWS * width);
    let parts = (Slots::new(row_sums, x_len), Slots::new(columns, width));
    match parallel::schedule(work, options.parallel, parts, &task)? {
        None => Ok(()),
        // Chunks report their own first error, in table order: the view's first offending row
        // in C order is what the plain kernel finds (errors are rare; this pass is the slow one).
        Some(error) => {
            let mut all = vec![Partial::default(); distributions];
            partial_sums(kind, rows, None, nan_policy, options, &mut all)?;
            Err(error)
        }
    }
}
