//! Read-only N-d views over borrowed memory, with a batch part (which distribution) and a reduced
//! part (which entry of it), in any strides: negative, zero (broadcast) or Fortran order.
//!
//! Kernels ask a view for `len` consecutive entries of one distribution. A distribution that is
//! contiguous in the kernel's own element type is handed out in place; anything else (strided,
//! or integer counts that must become f64) is gathered into a caller-provided block buffer, so no
//! full-size copy of the input is ever made.

use crate::error::KernelError;
use crate::simd::Real;
use std::marker::PhantomData;

/// Element types a view can hold: the float and integer dtypes NumPy arrays come in.
pub trait Element: Copy + Send + Sync + 'static {
    /// The value as f64, rounded to nearest (exact for every value of magnitude below 2^53).
    fn to_f64(self) -> f64;
}

macro_rules! element_via_as {
    ($($t:ty),*) => {$(
        impl Element for $t {
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
element_via_as!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64);

/// A strided view. Dimensions of size 1 are dropped and mergeable reduced dimensions are merged,
/// so a row-major distribution becomes one dimension of stride 1.
pub struct Strided<'a, T> {
    ptr: *const T,
    batch: Vec<(usize, isize)>,
    reduced: Vec<(usize, isize)>,
    batch_shape: Vec<usize>,
    reduce_len: usize,
    _borrow: PhantomData<&'a [T]>,
}

// SAFETY: a Strided is a shared borrow of immutable `T`s for 'a, like `&'a [T]`.
unsafe impl<T: Sync> Send for Strided<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for Strided<'_, T> {}

impl<'a, T: Element> Strided<'a, T> {
    /// A view of row-major `data` of shape `batch_shape + [reduce_len]`.
    pub fn from_slice(
        data: &'a [T],
        batch_shape: &[usize],
        reduce_len: usize,
    ) -> Result<Self, KernelError> {
        let count: usize = batch_shape.iter().product::<usize>() * reduce_len;
        if count != data.len() {
            return Err(KernelError::Layout(format!(
                "a slice of {} elements cannot have shape {:?} x {reduce_len}",
                data.len(),
                batch_shape
            )));
        }
        let mut shape = batch_shape.to_vec();
        shape.push(reduce_len);
        let mut strides = vec![0isize; shape.len()];
        let mut step = 1isize;
        for (stride, &size) in strides.iter_mut().zip(&shape).rev() {
            *stride = step;
            step *= size.max(1) as isize;
        }
        // SAFETY: row-major strides over `data`, whose length was checked above.
        unsafe { Self::from_raw(data.as_ptr(), &shape, &strides, batch_shape.len()) }
    }

    /// A view from a pointer, a shape and strides counted in elements; the first `batch_dims`
    /// dimensions index distributions, the rest index entries within one.
    ///
    /// # Safety
    /// Every element reachable through `shape` and `strides` from `ptr` must be readable and
    /// unchanged for the lifetime 'a.
    pub unsafe fn from_raw(
        ptr: *const T,
        shape: &[usize],
        strides: &[isize],
        batch_dims: usize,
    ) -> Result<Self, KernelError> {
        if shape.len() != strides.len() || batch_dims > shape.len() {
            return Err(KernelError::Layout(format!(
                "shape {shape:?} and strides {strides:?} with {batch_dims} batch dimensions do not fit"
            )));
        }
        let dims = |range: std::ops::Range<usize>| -> Vec<(usize, isize)> {
            range
                .map(|i| (shape[i], strides[i]))
                .filter(|&(size, _)| size != 1)
                .collect()
        };
        let batch = dims(0..batch_dims);
        // Merge from the innermost dimension out: an outer dimension whose stride steps exactly
        // over the whole inner run folds into it.
        let mut reduced: Vec<(usize, isize)> = Vec::new();
        for (size, stride) in dims(batch_dims..shape.len()).into_iter().rev() {
            match reduced.last_mut() {
                Some(inner) if inner.1 * inner.0 as isize == stride && inner.0 != 0 => {
                    inner.0 *= size;
                }
                _ => reduced.push((size, stride)),
            }
        }
        reduced.reverse();
        let reduce_len = shape[batch_dims..].iter().product();
        if reduce_len <= 1 || reduced.is_empty() {
            reduced = vec![(reduce_len, 1)];
        }
        Ok(Strided {
            ptr,
            batch,
            reduced,
            batch_shape: shape[..batch_dims].to_vec(),
            reduce_len,
            _borrow: PhantomData,
        })
    }

    pub fn batch_shape(&self) -> &[usize] {
        &self.batch_shape
    }

    pub fn reduce_len(&self) -> usize {
        self.reduce_len
    }

    /// Whether each distribution is one run of stride 1.
    fn is_contiguous(&self) -> bool {
        self.reduced.len() == 1 && (self.reduced[0].1 == 1 || self.reduce_len <= 1)
    }

    /// Element offset of the first entry of distribution `d` (C order over the batch shape).
    pub fn distribution_offset(&self, d: usize) -> isize {
        let mut rest = d;
        let mut offset = 0isize;
        for &(size, stride) in self.batch.iter().rev() {
            offset += (rest % size) as isize * stride;
            rest /= size;
        }
        offset
    }

    /// Whether entries can be handed out in place as `C`s (no gathering, no conversion).
    pub fn is_direct<C: 'static>(&self) -> bool {
        self.is_contiguous() && std::any::TypeId::of::<T>() == std::any::TypeId::of::<C>()
    }

    /// Asks for the cache lines of entries `start..start + len` of the distribution at `base`,
    /// moved `ahead` bytes on (clipped to the distribution), when the distribution is contiguous:
    /// a hint that lets memory work while the caller computes on the entries before them.
    #[inline]
    pub fn prefetch(&self, base: isize, start: usize, len: usize, ahead: usize) {
        #[cfg(target_arch = "x86_64")]
        if self.is_contiguous() {
            let size = std::mem::size_of::<T>().max(1);
            let start = start + ahead / size;
            let end = (start + len).min(self.reduce_len);
            let mut at = start;
            while at < end {
                // SAFETY: entry `at` of a contiguous distribution is inside the borrowed array,
                // and a prefetch reads nothing.
                unsafe {
                    std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                        self.ptr.offset(base + at as isize).cast(),
                    )
                };
                at += 64 / size;
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (base, start, len, ahead);
    }

    /// Entries `start..start + len` of the distribution at `base`, in place when they are
    /// contiguous `C`s, else converted into `buf` (which then needs `len` elements).
    #[inline]
    pub fn fetch<'b, C: Real>(
        &'b self,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [C],
        convert: impl Fn(T) -> C,
    ) -> &'b [C]
    where
        T: 'b,
    {
        debug_assert!(start + len <= self.reduce_len);
        if self.is_direct::<C>() {
            // SAFETY: T and C are the same type; `start + len <= reduce_len` entries of stride 1
            // from `base` are inside the borrowed array.
            return unsafe {
                std::slice::from_raw_parts(self.ptr.offset(base + start as isize).cast::<C>(), len)
            };
        }
        let buf = &mut buf[..len];
        self.gather(base, start, buf, convert);
        buf
    }

    /// Entries `start..start + len` of the distribution at `base` in place, when they are one
    /// run of stride 1 (any element type: kernels that convert whole blocks read them here).
    #[inline]
    pub fn contiguous(&self, base: isize, start: usize, len: usize) -> Option<&'a [T]> {
        debug_assert!(start + len <= self.reduce_len);
        // SAFETY: `start + len <= reduce_len` entries of stride 1 from `base` are inside the
        // borrowed array, which lives for 'a.
        self.is_contiguous().then(|| unsafe {
            std::slice::from_raw_parts(self.ptr.offset(base + start as isize), len)
        })
    }

    /// The `count` distributions `d, d + step, ...` as a view of their own (batch shape
    /// `[count]`), e.g. consecutive rows of one table along its X axis. The offsets between them
    /// must be even, which they are when `step` moves one batch axis by one.
    pub fn rows(&self, d: usize, step: usize, count: usize) -> Strided<'a, T> {
        let base = self.distribution_offset(d);
        let batch = if count > 1 {
            vec![(count, self.distribution_offset(d + step) - base)]
        } else {
            Vec::new()
        };
        Strided {
            // SAFETY (of later reads): the rows are distributions of this view.
            ptr: self.ptr.wrapping_offset(base),
            batch,
            reduced: self.reduced.clone(),
            batch_shape: vec![count],
            reduce_len: self.reduce_len,
            _borrow: PhantomData,
        }
    }

    /// Entries `start..start + len` of a 1-D view (no batch dimensions) as a view of their own:
    /// one segment of a ragged array, read in place like the whole.
    pub fn segment(&self, start: usize, len: usize) -> Result<Strided<'a, T>, KernelError> {
        if !self.batch_shape.is_empty() || self.reduced.len() != 1 {
            return Err(KernelError::Layout(
                "segments are cut from one 1-D array".into(),
            ));
        }
        if start
            .checked_add(len)
            .is_none_or(|end| end > self.reduce_len)
        {
            return Err(KernelError::Layout(format!(
                "segment {start}..{start}+{len} is outside the {} entries",
                self.reduce_len
            )));
        }
        let stride = self.reduced[0].1;
        Ok(Strided {
            // SAFETY (of later reads): entries start..start + len of this view, checked above.
            ptr: self.ptr.wrapping_offset(start as isize * stride),
            batch: Vec::new(),
            reduced: vec![(len, stride)],
            batch_shape: Vec::new(),
            reduce_len: len,
            _borrow: PhantomData,
        })
    }

    fn gather<C>(&self, base: isize, start: usize, out: &mut [C], convert: impl Fn(T) -> C) {
        let dims = &self.reduced;
        let last = dims.len() - 1;
        let mut index = [0usize; 64];
        let mut rest = start;
        let mut offset = base;
        for (d, &(size, stride)) in dims.iter().enumerate().rev() {
            index[d] = rest % size.max(1);
            rest /= size.max(1);
            offset += index[d] as isize * stride;
        }
        let (last_size, last_stride) = dims[last];
        let mut filled = 0;
        while filled < out.len() {
            let run = (last_size - index[last]).min(out.len() - filled);
            for (t, slot) in out[filled..filled + run].iter_mut().enumerate() {
                // SAFETY: the multi-index stays within the view's shape.
                *slot = convert(unsafe { *self.ptr.offset(offset + t as isize * last_stride) });
            }
            filled += run;
            offset += run as isize * last_stride;
            index[last] += run;
            let mut d = last;
            while d > 0 && index[d] == dims[d].0 {
                offset -= index[d] as isize * dims[d].1;
                index[d] = 0;
                d -= 1;
                index[d] += 1;
                offset += dims[d].1;
            }
        }
    }
}

/// One argument of a measure: a view in any of the supported element types.
pub enum Input<'a> {
    F32(Strided<'a, f32>),
    F64(Strided<'a, f64>),
    I8(Strided<'a, i8>),
    I16(Strided<'a, i16>),
    I32(Strided<'a, i32>),
    I64(Strided<'a, i64>),
    U8(Strided<'a, u8>),
    U16(Strided<'a, u16>),
    U32(Strided<'a, u32>),
    U64(Strided<'a, u64>),
}

macro_rules! each_input {
    ($input:expr, |$view:ident| $body:expr) => {
        match $input {
            Input::F32($view) => $body,
            Input::F64($view) => $body,
            Input::I8($view) => $body,
            Input::I16($view) => $body,
            Input::I32($view) => $body,
            Input::I64($view) => $body,
            Input::U8($view) => $body,
            Input::U16($view) => $body,
            Input::U32($view) => $body,
            Input::U64($view) => $body,
        }
    };
}

impl<'a> Input<'a> {
    pub fn batch_shape(&self) -> &[usize] {
        each_input!(self, |view| view.batch_shape())
    }

    pub fn reduce_len(&self) -> usize {
        each_input!(self, |view| view.reduce_len())
    }

    pub fn distribution_offset(&self, d: usize) -> isize {
        each_input!(self, |view| view.distribution_offset(d))
    }

    /// Whether entries can be read in place as `C`s.
    pub fn is_direct<C: 'static>(&self) -> bool {
        each_input!(self, |view| view.is_direct::<C>())
    }

    /// See [`Strided::prefetch`].
    #[inline]
    pub fn prefetch(&self, base: isize, start: usize, len: usize, ahead: usize) {
        each_input!(self, |view| view.prefetch(base, start, len, ahead))
    }

    /// Entries as f64 (any element type).
    pub fn fetch_f64<'b>(
        &'b self,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [f64],
    ) -> &'b [f64] {
        each_input!(self, |view| view.fetch(
            base,
            start,
            len,
            buf,
            Element::to_f64
        ))
    }

    /// Entries as f32; only float32 inputs are computed in f32 (the kernels promote the rest).
    pub fn fetch_f32<'b>(
        &'b self,
        base: isize,
        start: usize,
        len: usize,
        buf: &'b mut [f32],
    ) -> &'b [f32] {
        match self {
            Input::F32(view) => view.fetch(base, start, len, buf, |x| x),
            _ => unreachable!("only float32 inputs are computed in float32"),
        }
    }

    /// The `count` distributions `d, d + step, ...` as a view of their own (see
    /// [`Strided::rows`]).
    pub fn rows(&self, d: usize, step: usize, count: usize) -> Input<'a> {
        match self {
            Input::F32(view) => Input::F32(view.rows(d, step, count)),
            Input::F64(view) => Input::F64(view.rows(d, step, count)),
            Input::I8(view) => Input::I8(view.rows(d, step, count)),
            Input::I16(view) => Input::I16(view.rows(d, step, count)),
            Input::I32(view) => Input::I32(view.rows(d, step, count)),
            Input::I64(view) => Input::I64(view.rows(d, step, count)),
            Input::U8(view) => Input::U8(view.rows(d, step, count)),
            Input::U16(view) => Input::U16(view.rows(d, step, count)),
            Input::U32(view) => Input::U32(view.rows(d, step, count)),
            Input::U64(view) => Input::U64(view.rows(d, step, count)),
        }
    }

    /// Entries `start..start + len` of a 1-D input (see [`Strided::segment`]).
    pub fn segment(&self, start: usize, len: usize) -> Result<Input<'a>, KernelError> {
        Ok(match self {
            Input::F32(view) => Input::F32(view.segment(start, len)?),
            Input::F64(view) => Input::F64(view.segment(start, len)?),
            Input::I8(view) => Input::I8(view.segment(start, len)?),
            Input::I16(view) => Input::I16(view.segment(start, len)?),
            Input::I32(view) => Input::I32(view.segment(start, len)?),
            Input::I64(view) => Input::I64(view.segment(start, len)?),
            Input::U8(view) => Input::U8(view.segment(start, len)?),
            Input::U16(view) => Input::U16(view.segment(start, len)?),
            Input::U32(view) => Input::U32(view.segment(start, len)?),
            Input::U64(view) => Input::U64(view.segment(start, len)?),
        })
    }

    pub fn is_f32(&self) -> bool {
        matches!(self, Input::F32(_))
    }
}

impl<'a> From<Strided<'a, f64>> for Input<'a> {
    fn from(view: Strided<'a, f64>) -> Self {
        Input::F64(view)
    }
}

impl<'a> From<Strided<'a, f32>> for Input<'a> {
    fn from(view: Strided<'a, f32>) -> Self {
        Input::F32(view)
    }
}
