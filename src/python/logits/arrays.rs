//! NumPy arrays as the logits kernels read them: any dtype the rules accept (float16 and
//! bfloat16 included), any strides, the class axis seen as the last one. Rows that are already
//! contiguous in the compute precision are handed to the kernels in place; anything else is
//! converted a block of rows at a time, so no full-size copy is made.

use crate::kernels::logits::LogitElem;
use crate::python::convert::as_ndarray;
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Entries converted per kernel call when rows need a dtype change or a contiguous copy: a 4 MB
/// float32 block, not a copy of the whole array.
pub(super) static BLOCK_ENTRIES: AtomicUsize = AtomicUsize::new(1 << 20);

/// The element types read from NumPy memory (native byte order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Src {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Bool,
}

/// An argument as an ndarray, with its element type when we read it natively.
pub(super) struct Arr<'py> {
    pub array: Bound<'py, PyUntypedArray>,
    pub src: Option<Src>,
    kind: u8,
}

impl<'py> Arr<'py> {
    /// `obj` as an ndarray (no copy for an exact ndarray), classified.
    pub fn new(obj: &Bound<'py, PyAny>, name: &str, func: &str) -> PyResult<Self> {
        Self::of(as_ndarray(obj, name, func)?)
    }

    fn of(array: Bound<'py, PyUntypedArray>) -> PyResult<Self> {
        let descr = array.dtype();
        let (kind, itemsize) = (descr.kind(), descr.itemsize());
        let src = match (kind, itemsize) {
            (b'f', 8) => Some(Src::F64),
            (b'f', 4) => Some(Src::F32),
            (b'f', 2) => Some(Src::F16),
            (b'i', 8) => Some(Src::I64),
            (b'i', 4) => Some(Src::I32),
            (b'i', 2) => Some(Src::I16),
            (b'i', 1) => Some(Src::I8),
            (b'u', 8) => Some(Src::U64),
            (b'u', 4) => Some(Src::U32),
            (b'u', 2) => Some(Src::U16),
            (b'u', 1) => Some(Src::U8),
            (b'b', 1) => Some(Src::Bool),
            // ml_dtypes' bfloat16 is a 2-byte void-kind dtype.
            (b'V', 2) if descr.getattr("name")?.extract::<String>()? == "bfloat16" => {
                Some(Src::BF16)
            }
            _ => None,
        };
        Ok(Arr { array, src, kind })
    }

    pub fn shape(&self) -> &[usize] {
        self.array.shape()
    }

    pub fn ndim(&self) -> usize {
        self.array.ndim()
    }

    /// `str(dtype)`, for messages.
    pub fn dtype(&self) -> String {
        self.array.dtype().to_string()
    }

    /// float16, float32, float64 or bfloat16.
    pub fn is_float(&self) -> bool {
        matches!(self.src, Some(Src::F64 | Src::F32 | Src::F16 | Src::BF16))
    }

    pub fn is_bfloat16(&self) -> bool {
        self.src == Some(Src::BF16)
    }

    /// NumPy's dtype kind letter (`f`, `i`, `u`, `b`, ...).
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// Computed in float64 (else float32).
    pub fn is_f64(&self) -> bool {
        self.src == Some(Src::F64)
    }

    /// The array in a dtype read natively, in native byte order: a copy only for swapped bytes
    /// or for a dtype accepted but not read natively (long double), which becomes float64.
    pub fn readable(self) -> PyResult<Self> {
        let descr = self.array.dtype();
        let native = descr.is_native_byteorder().unwrap_or(true);
        if self.src.is_some() && native {
            return Ok(self);
        }
        let want = if self.src.is_some() {
            descr.call_method1("newbyteorder", ("=",))?
        } else {
            pyo3::types::PyString::new(self.array.py(), "float64").into_any()
        };
        let copy = self.array.call_method1("astype", (want,))?;
        Self::of(copy.cast_into::<PyUntypedArray>()?)
    }

    fn ptr(&self) -> usize {
        // SAFETY: reading a field of a live ndarray object.
        unsafe { (*self.array.as_array_ptr()).fields.data as usize }
    }

    /// Rows along `axis` (moved last), the other axes in C order indexing rows.
    pub fn rows(&self, axis: usize) -> Layout<'_> {
        let dims: Vec<(usize, isize)> = self
            .shape()
            .iter()
            .zip(self.array.strides())
            .map(|(&n, &s)| (n, s))
            .collect();
        let mut batch = dims.clone();
        let (len, step) = batch.remove(axis);
        self.layout(batch, len, step)
    }

    /// Rows along the last axis (one row of one entry for a 0-d array).
    pub fn last_rows(&self) -> Layout<'_> {
        match self.ndim() {
            0 => self.layout(Vec::new(), 1, 0),
            n => self.rows(n - 1),
        }
    }

    /// Every entry a row of its own, in C order.
    pub fn entries(&self) -> Layout<'_> {
        let batch = self
            .shape()
            .iter()
            .zip(self.array.strides())
            .map(|(&n, &s)| (n, s))
            .collect();
        self.layout(batch, 1, 0)
    }

    /// The array broadcast to `shape` (which it must broadcast to), as rows along the last axis;
    /// with `per_column`, only the last axis (one row).
    pub fn broadcast_rows(&self, shape: &[usize], per_column: bool) -> Layout<'_> {
        let own = self.shape();
        let offset = shape.len() - own.len();
        let mut dims: Vec<(usize, isize)> = shape
            .iter()
            .enumerate()
            .map(|(j, &n)| {
                let stride = if j < offset || own[j - offset] == 1 {
                    0
                } else {
                    self.array.strides()[j - offset]
                };
                (n, stride)
            })
            .collect();
        let (len, step) = dims.pop().unwrap_or((1, 0));
        if per_column {
            dims.clear();
        }
        self.layout(dims, len, step)
    }

    fn layout(&self, batch: Vec<(usize, isize)>, len: usize, step: isize) -> Layout<'_> {
        Layout {
            ptr: self.ptr(),
            src: self.src.expect("a readable array"),
            batch,
            len,
            step,
            _array: PhantomData,
        }
    }
}

/// A read-only view of an array as rows of `len` entries (byte strides), valid while the array
/// it came from is borrowed.
pub(super) struct Layout<'a> {
    ptr: usize,
    src: Src,
    batch: Vec<(usize, isize)>,
    pub len: usize,
    step: isize,
    _array: PhantomData<&'a [u8]>,
}

/// Values a view converts to: the compute precisions and int64 class indices.
pub(super) trait Cast: Copy + Send + Sync + 'static {
    /// The source type read in place without conversion.
    const NATIVE: Option<Src>;
    fn of_f64(v: f64) -> Self;
    fn of_f32(v: f32) -> Self;
    fn of_i64(v: i64) -> Self;
    fn of_u64(v: u64) -> Self;
}

macro_rules! cast {
    ($t:ty, $native:expr) => {
        impl Cast for $t {
            const NATIVE: Option<Src> = $native;
            #[inline(always)]
            fn of_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn of_f32(v: f32) -> Self {
                v as $t
            }
            #[inline(always)]
            fn of_i64(v: i64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn of_u64(v: u64) -> Self {
                v as $t
            }
        }
    };
}
cast!(f64, Some(Src::F64));
cast!(f32, Some(Src::F32));
cast!(i64, Some(Src::I64));

/// The compute precisions.
pub(super) trait Compute: LogitElem + Cast + numpy::Element {
    const NAME: &'static str;
}
impl Compute for f64 {
    const NAME: &'static str = "float64";
}
impl Compute for f32 {
    const NAME: &'static str = "float32";
}

/// IEEE half precision to single (exact).
#[inline(always)]
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let mant = u32::from(h & 0x3ff);
    match exp {
        0 => sign * mant as f32 * (1.0 / 16_777_216.0),
        0x1f => f32::from_bits((u32::from(h & 0x8000) << 16) | 0x7f80_0000 | (mant << 13)),
        _ => f32::from_bits(
            (u32::from(h & 0x8000) << 16) | ((u32::from(exp) + 112) << 23) | (mant << 13),
        ),
    }
}

/// Rows read together when the class axis is strided and the next rows lie side by side (a
/// class axis in the middle, as PyTorch's (N, C, d) losses have): one pass over the classes
/// reads a run of up to this many adjacent entries, a cache line or two, for as many rows.
const TILE_ROWS: usize = 16;

/// Copies `out.len() / len` rows from `first`, read as `S` and converted by `conv`.
fn fill_as<S: Copy, T>(layout: &Layout<'_>, first: usize, out: &mut [T], conv: impl Fn(S) -> T) {
    let len = layout.len;
    if len == 0 {
        return;
    }
    let rows = out.len() / len;
    let size = std::mem::size_of::<S>() as isize;
    // Rows one element apart (the last batch axis is contiguous) are read a tile at a time:
    // row by row, each class would be a cache line of its own for every row.
    let side_by_side = match layout.batch.last() {
        Some(&(n, stride)) if len > 1 && stride == size && n > 1 => Some(n),
        _ => None,
    };
    let mut k = 0;
    while k < rows {
        let base = layout.ptr as isize + layout.row_offset(first + k);
        let tile = match side_by_side {
            // Rows up to the end of this run of the last batch axis.
            Some(n) => TILE_ROWS.min(n - (first + k) % n).min(rows - k),
            None => 1,
        };
        let block = &mut out[k * len..(k + tile) * len];
        for c in 0..len {
            let at = base + c as isize * layout.step;
            for r in 0..tile {
                // SAFETY: rows first + k .. first + k + tile are within the array's shape and,
                // inside one run of the last batch axis, `size` bytes apart; the class index is
                // within its axis; the borrowed array keeps the memory alive. NumPy data may be
                // unaligned, so read unaligned.
                let value = unsafe { ((at + r as isize * size) as *const S).read_unaligned() };
                block[r * len + c] = conv(value);
            }
        }
        k += tile;
    }
}

impl<'a> Layout<'a> {
    pub fn rows(&self) -> usize {
        self.batch.iter().map(|&(n, _)| n).product()
    }

    /// Byte offset of row `r` (C order over the batch dimensions).
    fn row_offset(&self, r: usize) -> isize {
        let mut rest = r;
        let mut offset = 0isize;
        for &(n, stride) in self.batch.iter().rev() {
            offset += (rest % n) as isize * stride;
            rest /= n;
        }
        offset
    }

    /// All rows in place, when they are one C-contiguous run of `T`s.
    pub fn direct<T: Cast>(&self) -> Option<&'a [T]> {
        if T::NATIVE != Some(self.src) {
            return None;
        }
        let size = std::mem::size_of::<T>() as isize;
        let total = self.rows() * self.len;
        if total == 0 {
            return Some(&[]);
        }
        let mut expect = size;
        if self.len > 1 && self.step != size {
            return None;
        }
        expect *= self.len as isize;
        for &(n, stride) in self.batch.iter().rev() {
            if n > 1 && stride != expect {
                return None;
            }
            expect *= n as isize;
        }
        if !self.ptr.is_multiple_of(std::mem::align_of::<T>()) {
            return None;
        }
        // SAFETY: `total` contiguous, aligned `T`s of the borrowed array.
        Some(unsafe { std::slice::from_raw_parts(self.ptr as *const T, total) })
    }

    /// Rows `first..first + out.len() / len`, converted to `T`.
    pub fn fill<T: Cast>(&self, first: usize, out: &mut [T]) {
        match self.src {
            Src::F64 => fill_as(self, first, out, T::of_f64),
            Src::F32 => fill_as(self, first, out, T::of_f32),
            Src::F16 => fill_as(self, first, out, |h: u16| T::of_f32(f16_to_f32(h))),
            Src::BF16 => fill_as(self, first, out, |h: u16| {
                T::of_f32(f32::from_bits(u32::from(h) << 16))
            }),
            Src::I64 => fill_as(self, first, out, T::of_i64),
            Src::I32 => fill_as(self, first, out, |v: i32| T::of_i64(v.into())),
            Src::I16 => fill_as(self, first, out, |v: i16| T::of_i64(v.into())),
            Src::I8 => fill_as(self, first, out, |v: i8| T::of_i64(v.into())),
            Src::U64 => fill_as(self, first, out, T::of_u64),
            Src::U32 => fill_as(self, first, out, |v: u32| T::of_u64(v.into())),
            Src::U16 => fill_as(self, first, out, |v: u16| T::of_u64(v.into())),
            Src::U8 => fill_as(self, first, out, |v: u8| T::of_u64(v.into())),
            Src::Bool => fill_as(self, first, out, |v: u8| T::of_u64(u64::from(v != 0))),
        }
    }

    /// Whether the source is unsigned 64-bit (values above i64::MAX wrap when cast to i64).
    pub fn is_u64(&self) -> bool {
        self.src == Src::U64
    }

    /// All rows converted to `T` (in place when already right).
    pub fn to_vec<T: Cast>(&self) -> Vec<T> {
        if let Some(direct) = self.direct::<T>() {
            return direct.to_vec();
        }
        let mut out = Vec::with_capacity(self.rows() * self.len);
        // SAFETY-free: filled entirely below before being read.
        out.resize(self.rows() * self.len, T::of_u64(0));
        self.fill(0, &mut out);
        out
    }
}

/// Calls `each(first_row, rows, data)` over `rows` rows of the `inputs` (all with `rows` rows of
/// the same length), `data[i]` holding those rows of input i contiguously as `E`s: the whole
/// array in one call when every input is already contiguous in `E`, else blocks of about
/// [`BLOCK_ENTRIES`] entries, converted.
pub(super) fn by_blocks<E: Compute, R>(
    inputs: &[&Layout<'_>],
    rows: usize,
    mut each: impl FnMut(usize, usize, &[&[E]]) -> Result<(), R>,
) -> Result<(), R> {
    const MAX: usize = 4;
    debug_assert!(inputs.len() <= MAX);
    let mut data: [&[E]; MAX] = [&[]; MAX];
    let mut all_direct = true;
    for (slot, input) in data.iter_mut().zip(inputs) {
        match input.direct::<E>() {
            Some(d) => *slot = d,
            None => all_direct = false,
        }
    }
    if all_direct {
        return each(0, rows, &data[..inputs.len()]);
    }
    let len = inputs.first().map_or(1, |l| l.len).max(1);
    let step = (BLOCK_ENTRIES.load(Ordering::Relaxed) / len).clamp(1, rows.max(1));
    let mut buffers: Vec<Vec<E>> = inputs
        .iter()
        .map(|input| match input.direct::<E>() {
            Some(_) => Vec::new(),
            None => vec![E::ZERO; step * len],
        })
        .collect();
    let mut first = 0;
    while first < rows {
        let n = step.min(rows - first);
        let mut block: [&[E]; MAX] = [&[]; MAX];
        for (i, (input, buffer)) in inputs.iter().zip(buffers.iter_mut()).enumerate() {
            block[i] = if buffer.is_empty() {
                &data[i][first * len..(first + n) * len]
            } else {
                let part = &mut buffer[..n * len];
                input.fill(first, part);
                part
            };
        }
        each(first, n, &block[..inputs.len()])?;
        first += n;
    }
    Ok(())
}

/// `numpy.sum` of a contiguous float64 array, to the bit: NumPy's pairwise summation (eight
/// accumulators over blocks of at most 128, halves split at multiples of 8) added to 0.
pub(super) fn numpy_sum(values: &[f64]) -> f64 {
    fn pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            let mut res = -0.0;
            for &v in a {
                res += v;
            }
            res
        } else if n <= 128 {
            let mut r = [0.0; 8];
            r.copy_from_slice(&a[..8]);
            let whole = n - n % 8;
            let mut i = 8;
            while i < whole {
                for j in 0..8 {
                    r[j] += a[i + j];
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for &v in &a[whole..] {
                res += v;
            }
            res
        } else {
            let mut half = n / 2;
            half -= half % 8;
            pairwise(&a[..half]) + pairwise(&a[half..])
        }
    }
    0.0 + pairwise(values)
}

/// Whether the memory spans of two arrays intersect (a conservative `may_share_memory`).
pub(super) fn may_overlap(a: &Bound<'_, PyUntypedArray>, b: &Bound<'_, PyUntypedArray>) -> bool {
    fn span(x: &Bound<'_, PyUntypedArray>) -> Option<(isize, isize)> {
        // SAFETY: reading a field of a live ndarray object.
        let start = unsafe { (*x.as_array_ptr()).fields.data } as isize;
        let (mut lo, mut hi) = (start, start + x.dtype().itemsize() as isize);
        for (&n, &s) in x.shape().iter().zip(x.strides()) {
            if n == 0 {
                return None;
            }
            let reach = (n as isize - 1) * s;
            if reach < 0 {
                lo += reach;
            } else {
                hi += reach;
            }
        }
        Some((lo, hi))
    }
    match (span(a), span(b)) {
        (Some((a0, a1)), Some((b0, b1))) => a0 < b1 && b0 < a1,
        _ => false,
    }
}
