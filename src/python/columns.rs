//! Columnar inputs read in place: Arrow arrays and chunked arrays, Polars Series and nullable
//! pandas Series, through the Arrow C stream interface (`__arrow_c_stream__` /
//! `__arrow_c_array__` PyCapsules), so that no library needs to be imported here.
//!
//! NumPy's conversion concatenates the chunks of a chunked column (a full copy) and turns nulls
//! into NaN (another). The single-pass measures (entropy, cross-entropy, KL, perplexity) instead
//! sum each chunk where it lies (at its own power-of-two scale, as one call sums a distribution)
//! and merge the partial sums. A null is a missing entry: it is read from the validity bitmap
//! and counts as NaN under `nan_policy`; a piece with nulls (or float16 entries) is widened in
//! bounded blocks of [`BLOCK`] entries, never as a whole (float16 and float32 to float32, as
//! NumPy's path reads them; the rest to float64). Every other case (a single null-free chunk,
//! other measures, 2-d data) goes through NumPy, which reads a single chunk in place.

use super::convert::{check_base, check_nan_policy, float64, reduced_axes, Dtype, Operand};
use super::errors;
use crate::error::{Arg, KernelError};
use crate::kernels::{scaled_partial_sums, Measure, NanPolicy, Options, Scaled};
use crate::strided::{Input, Strided};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};
use std::ffi::{c_char, c_int, c_void, CStr};

/// Entries widened per block where a piece cannot be read in place (2 MB of float64).
const BLOCK: usize = 1 << 18;

// The Arrow C data and stream interfaces (arrow.apache.org/docs/format/CDataInterface.html).
#[repr(C)]
struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct ArrowArrayStream {
    get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    private_data: *mut c_void,
}

impl ArrowArray {
    fn empty() -> Self {
        ArrowArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: std::ptr::null_mut(),
            children: std::ptr::null_mut(),
            dictionary: std::ptr::null_mut(),
            release: None,
            private_data: std::ptr::null_mut(),
        }
    }
}

/// How a column's entries are stored: a dtype the kernels read, or float16 (widened per block).
#[derive(Clone, Copy, PartialEq)]
enum Stored {
    Ready(Dtype),
    Half,
}

/// The primitive Arrow formats we read; anything else (booleans, dictionaries, nested, strings)
/// is left to NumPy's conversion.
fn stored(format: &CStr) -> Option<Stored> {
    Some(Stored::Ready(match format.to_bytes() {
        b"g" => Dtype::F64,
        b"f" => Dtype::F32,
        b"e" => return Some(Stored::Half),
        b"l" => Dtype::I64,
        b"i" => Dtype::I32,
        b"s" => Dtype::I16,
        b"c" => Dtype::I8,
        b"L" => Dtype::U64,
        b"I" => Dtype::U32,
        b"S" => Dtype::U16,
        b"C" => Dtype::U8,
        _ => return None,
    }))
}

impl Stored {
    fn size(self) -> usize {
        match self {
            Stored::Half => 2,
            Stored::Ready(Dtype::F64 | Dtype::I64 | Dtype::U64) => 8,
            Stored::Ready(Dtype::F32 | Dtype::I32 | Dtype::U32) => 4,
            Stored::Ready(Dtype::I16 | Dtype::U16) => 2,
            Stored::Ready(Dtype::I8 | Dtype::U8) => 1,
        }
    }
}

/// One chunk of a column, released when dropped if we own it (chunks of a stream are ours;
/// the array of an `__arrow_c_array__` capsule stays the capsule's).
struct Chunk {
    array: ArrowArray,
    owned: bool,
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let (true, Some(release)) = (self.owned, self.array.release) {
            // SAFETY: a stream's array is ours to release, once.
            unsafe { release(&mut self.array) };
        }
    }
}

// SAFETY: a chunk is read-only memory kept alive by its release callback (Arrow's producers
// allow any thread to read, and we release it on the thread that took it).
unsafe impl Send for Chunk {}
// SAFETY: as above: shared reads only.
unsafe impl Sync for Chunk {}

impl Chunk {
    fn len(&self) -> usize {
        self.array.length as usize
    }

    fn validity(&self) -> *const u8 {
        if self.array.null_count == 0 || self.array.n_buffers < 2 {
            return std::ptr::null();
        }
        // SAFETY: a primitive array has two buffers: validity (may be null), values.
        unsafe { *self.array.buffers as *const u8 }
    }

    fn values(&self) -> *const u8 {
        // SAFETY: as above.
        unsafe { *self.array.buffers.add(1) as *const u8 }
    }

    /// Whether entry `i` (counted from this chunk's logical start) is null.
    fn is_null(&self, i: usize) -> bool {
        let bits = self.validity();
        if bits.is_null() {
            return false;
        }
        let bit = self.array.offset as usize + i;
        // SAFETY: the bitmap covers offset + length bits.
        unsafe { *bits.add(bit / 8) & (1 << (bit % 8)) == 0 }
    }
}

/// A column: its chunks in order, kept alive with the capsules that produced them.
pub struct Column {
    chunks: Vec<Chunk>,
    starts: Vec<usize>,
    stored: Stored,
    len: usize,
    _capsules: Vec<Py<PyAny>>,
}

/// Whether `obj` is a column of a library that exports Arrow: a pyarrow array or chunked
/// array, a Polars Series, or a pandas Series with an extension (nullable or Arrow) dtype; a
/// NumPy-backed pandas Series and DataFrames go through NumPy, which reads them in place.
fn is_columnar(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let ty = obj.get_type();
    let module = ty.module()?.to_string();
    let top = module.split('.').next().unwrap_or("");
    Ok(match top {
        "pyarrow" => obj.hasattr("__arrow_c_stream__")? || obj.hasattr("__arrow_c_array__")?,
        "polars" => ty.name()? == "Series" && obj.hasattr("__arrow_c_stream__")?,
        "pandas" => {
            ty.name()? == "Series"
                && obj.hasattr("__arrow_c_stream__")?
                && !obj
                    .getattr("dtype")?
                    .is_instance_of::<numpy::PyArrayDescr>()
        }
        _ => false,
    })
}

fn capsule_pointer<T>(capsule: &Bound<'_, PyAny>, name: &CStr) -> PyResult<*mut T> {
    let capsule = capsule.cast::<PyCapsule>()?;
    Ok(capsule.pointer_checked(Some(name))?.as_ptr() as *mut T)
}

impl Column {
    /// `obj` as a column, or `None` when it is not one we read (NumPy's conversion applies).
    pub fn open(obj: &Bound<'_, PyAny>) -> PyResult<Option<Column>> {
        if !is_columnar(obj)? {
            return Ok(None);
        }
        if obj.hasattr("__arrow_c_stream__")? {
            // A library that cannot export (pandas without pyarrow) leaves it to NumPy.
            let Ok(capsule) = obj.call_method0("__arrow_c_stream__") else {
                return Ok(None);
            };
            let stream: *mut ArrowArrayStream = capsule_pointer(&capsule, c"arrow_array_stream")?;
            // SAFETY: the capsule holds a live stream until it is collected (we keep it).
            let stream = unsafe { &mut *stream };
            let mut schema = std::mem::MaybeUninit::<ArrowSchema>::zeroed();
            let (Some(get_schema), Some(get_next)) = (stream.get_schema, stream.get_next) else {
                return Ok(None);
            };
            // SAFETY: the stream's callbacks, as the interface prescribes.
            if unsafe { get_schema(stream, schema.as_mut_ptr()) } != 0 {
                return Ok(None);
            }
            // SAFETY: get_schema succeeded, so the schema is initialised and ours to release.
            let mut schema = unsafe { schema.assume_init() };
            // SAFETY: a released-on-success schema has a NUL-terminated format.
            let kind = unsafe { stored(CStr::from_ptr(schema.format)) }
                .filter(|_| schema.n_children == 0 && schema.dictionary.is_null());
            if let Some(release) = schema.release {
                // SAFETY: ours, released once.
                unsafe { release(&mut schema) };
            }
            let Some(kind) = kind else {
                return Ok(None);
            };
            let mut chunks = Vec::new();
            loop {
                let mut array = ArrowArray::empty();
                // SAFETY: as above; a released (null `release`) array marks the end.
                if unsafe { get_next(stream, &mut array) } != 0 {
                    return Err(pyo3::exceptions::PyValueError::new_err(
                        "could not read the next chunk of an Arrow stream",
                    ));
                }
                if array.release.is_none() {
                    break;
                }
                chunks.push(Chunk { array, owned: true });
            }
            return Ok(Some(Column::new(chunks, kind, vec![capsule.unbind()])));
        }
        let pair = obj.call_method0("__arrow_c_array__")?;
        let pair = pair.cast::<PyTuple>()?;
        let (schema_capsule, array_capsule) = (pair.get_item(0)?, pair.get_item(1)?);
        let schema: *mut ArrowSchema = capsule_pointer(&schema_capsule, c"arrow_schema")?;
        let array: *mut ArrowArray = capsule_pointer(&array_capsule, c"arrow_array")?;
        // SAFETY: the capsules own a live schema and array while we hold them.
        let (schema, array) = unsafe { (&*schema, &*array) };
        // SAFETY: as above.
        let kind = unsafe { stored(CStr::from_ptr(schema.format)) }
            .filter(|_| schema.n_children == 0 && schema.dictionary.is_null());
        let Some(kind) = kind else {
            return Ok(None);
        };
        // A bitwise copy whose `release` we never call: the capsule releases the original.
        // SAFETY: plain data read from a live struct.
        let borrowed = unsafe { std::ptr::read(array) };
        let chunk = Chunk {
            array: borrowed,
            owned: false,
        };
        Ok(Some(Column::new(
            vec![chunk],
            kind,
            vec![schema_capsule.unbind(), array_capsule.unbind()],
        )))
    }

    fn new(chunks: Vec<Chunk>, stored: Stored, capsules: Vec<Py<PyAny>>) -> Column {
        let mut starts = Vec::with_capacity(chunks.len());
        let mut len = 0;
        for chunk in &chunks {
            starts.push(len);
            len += chunk.len();
        }
        Column {
            chunks,
            starts,
            stored,
            len,
            _capsules: capsules,
        }
    }

    /// Whether NumPy would read this column in place (one chunk, no nulls, a kernel dtype).
    fn numpy_reads_in_place(&self) -> bool {
        matches!(self.stored, Stored::Ready(_))
            && self.chunks.len() <= 1
            && self.chunks.iter().all(|c| c.validity().is_null())
    }

    /// The chunk holding entry `at` and the entry's index in it.
    fn locate(&self, at: usize) -> (usize, usize) {
        let c = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        (c, at - self.starts[c])
    }

    fn is_null(&self, at: usize) -> bool {
        let (c, i) = self.locate(at);
        self.chunks[c].is_null(i)
    }
}

/// A 1-d NumPy operand's memory (the operand itself is held by the caller meanwhile).
struct Flat {
    len: usize,
    data: *const u8,
    stride: isize,
    dtype: Dtype,
}

// SAFETY: read-only memory of an array the caller holds until the reduction ends.
unsafe impl Send for Flat {}
// SAFETY: as above.
unsafe impl Sync for Flat {}

/// Reusable buffers for widened blocks.
#[derive(Default)]
struct Widened {
    f64: Vec<f64>,
    f32: Vec<f32>,
}

/// One operand of the blocked reduction.
enum Side {
    Column(Column),
    Array(Flat),
}

impl Side {
    /// Boundaries (exclusive ends) at which this operand's storage changes.
    fn ends(&self, len: usize) -> Vec<usize> {
        match self {
            Side::Column(c) => c
                .starts
                .iter()
                .skip(1)
                .copied()
                .chain(std::iter::once(len))
                .collect(),
            Side::Array(_) => vec![len],
        }
    }

    /// Whether entries [start, start + len) (within one chunk) must be widened to be read.
    fn needs_copy(&self, start: usize) -> bool {
        match self {
            Side::Column(c) => {
                let (k, _) = c.locate(start);
                c.stored == Stored::Half || !c.chunks[k].validity().is_null()
            }
            Side::Array(_) => false,
        }
    }

    /// Entries [start, start + len) (within one chunk), in place or widened into `buf`.
    fn piece<'a>(&'a self, start: usize, len: usize, buf: &'a mut Widened) -> Input<'a> {
        match self {
            Side::Array(flat) => {
                // SAFETY: entry `start` of the held array (start <= its length).
                let data = unsafe {
                    flat.data
                        .offset(start as isize * flat.stride * size_of(flat.dtype))
                };
                view(data, flat.dtype, len, flat.stride)
            }
            Side::Column(column) => {
                let (k, i) = column.locate(start);
                let chunk = &column.chunks[k];
                let first = chunk.array.offset as usize + i;
                let size = column.stored.size();
                // SAFETY: the chunk's value buffer holds offset + length entries of its type.
                let data = unsafe { chunk.values().add(first * size) };
                if !self.needs_copy(start) {
                    let Stored::Ready(dtype) = column.stored else {
                        unreachable!("float16 is always widened")
                    };
                    return view(data, dtype, len, 1);
                }
                let entry = |j: usize| {
                    if chunk.is_null(i + j) {
                        return f64::NAN;
                    }
                    // SAFETY: entry j of the piece, in bounds as above.
                    unsafe { widen(data, column.stored, j) }
                };
                // float16 and float32 widen to float32, as NumPy's path reads them (exactly:
                // each is a float32 value), so that results agree with one call.
                if matches!(column.stored, Stored::Half | Stored::Ready(Dtype::F32)) {
                    buf.f32.clear();
                    buf.f32.extend((0..len).map(|j| entry(j) as f32));
                    return Input::F32(Strided::from_slice(&buf.f32, &[], len).expect("1-d"));
                }
                buf.f64.clear();
                buf.f64.extend((0..len).map(entry));
                Input::F64(Strided::from_slice(&buf.f64, &[], len).expect("1-d"))
            }
        }
    }
}

/// Entry `j` from `data` stored as `stored`, as float64.
///
/// # Safety
/// `data` must hold at least `j + 1` aligned entries of that type.
unsafe fn widen(data: *const u8, stored: Stored, j: usize) -> f64 {
    // SAFETY: entry `j` of `data` is in bounds and aligned for its type (this function's
    // contract).
    unsafe {
        match stored {
            Stored::Half => half_to_f64(*(data as *const u16).add(j)),
            Stored::Ready(dtype) => match dtype {
                Dtype::F64 => *(data as *const f64).add(j),
                Dtype::F32 => *(data as *const f32).add(j) as f64,
                Dtype::I64 => *(data as *const i64).add(j) as f64,
                Dtype::I32 => *(data as *const i32).add(j) as f64,
                Dtype::I16 => *(data as *const i16).add(j) as f64,
                Dtype::I8 => *(data as *const i8).add(j) as f64,
                Dtype::U64 => *(data as *const u64).add(j) as f64,
                Dtype::U32 => *(data as *const u32).add(j) as f64,
                Dtype::U16 => *(data as *const u16).add(j) as f64,
                Dtype::U8 => *data.add(j) as f64,
            },
        }
    }
}

/// IEEE binary16 to float64 (exact).
fn half_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = ((bits >> 10) & 0x1f) as i32;
    let mantissa = (bits & 0x3ff) as f64;
    sign * match exponent {
        0 => mantissa * 2f64.powi(-24),
        0x1f if mantissa == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        e => (1.0 + mantissa / 1024.0) * 2f64.powi(e - 15),
    }
}

fn size_of(dtype: Dtype) -> isize {
    Stored::Ready(dtype).size() as isize
}

/// `len` entries of `dtype` at `data`, `stride` entries apart, read in place.
fn view<'a>(data: *const u8, dtype: Dtype, len: usize, stride: isize) -> Input<'a> {
    macro_rules! view_as {
        ($t:ty, $variant:ident) => {{
            // SAFETY: `len` aligned entries of `$t`, `stride` apart (Arrow buffers are
            // aligned to their type, NumPy operands were made aligned), that stay alive while
            // the column or array is held, which outlives every view of it.
            let view = unsafe { Strided::from_raw(data as *const $t, &[len], &[stride], 0) };
            Input::$variant(view.expect("a 1-d view"))
        }};
    }
    match dtype {
        Dtype::F64 => view_as!(f64, F64),
        Dtype::F32 => view_as!(f32, F32),
        Dtype::I64 => view_as!(i64, I64),
        Dtype::I32 => view_as!(i32, I32),
        Dtype::I16 => view_as!(i16, I16),
        Dtype::I8 => view_as!(i8, I8),
        Dtype::U64 => view_as!(u64, U64),
        Dtype::U32 => view_as!(u32, U32),
        Dtype::U16 => view_as!(u16, U16),
        Dtype::U8 => view_as!(u8, U8),
    }
}

/// The arguments of a single-pass measure given columnar operands.
pub struct Columnar<'a, 'py> {
    pub func: &'static str,
    pub measure: Measure,
    pub p: &'a Bound<'py, PyAny>,
    pub q: Option<&'a Bound<'py, PyAny>>,
    pub base: Option<&'a Bound<'py, PyAny>>,
    pub axis: &'a Bound<'py, PyAny>,
    pub keepdims: bool,
    pub normalize: bool,
    pub nan_policy: &'a Bound<'py, PyAny>,
}

impl<'py> Columnar<'_, 'py> {
    /// The measure (in nats, or in `base`) computed chunk by chunk, or `None` when no operand
    /// is a column this path reads better than NumPy (the caller converts as usual).
    pub fn run(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let np_array =
            |obj: &Bound<'py, PyAny>| obj.get_type().is(py.get_type::<numpy::PyUntypedArray>());
        if np_array(self.p) && self.q.is_none_or(np_array) {
            return Ok(None);
        }
        let names = ["p", "q"];
        let objects: Vec<&Bound<'py, PyAny>> = std::iter::once(self.p).chain(self.q).collect();
        let mut columns = Vec::new();
        for obj in &objects {
            columns.push(Column::open(obj)?.filter(|c| !c.numpy_reads_in_place()));
        }
        if columns.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut sides = Vec::new();
        // Held until the end: the `Flat` sides read their memory.
        let mut operands = Vec::new();
        for ((column, obj), name) in columns.into_iter().zip(&objects).zip(names) {
            sides.push(match column {
                Some(column) => Side::Column(column),
                None => {
                    let operand = Operand::new(obj, name, self.func)?;
                    let len: usize = operand.shape().iter().product();
                    if operand.shape() != [len] {
                        // Not 1-d: NumPy's broadcasting rules apply.
                        return Ok(None);
                    }
                    let (data, stride) = operand.flat();
                    let dtype = operand.dtype;
                    operands.push(operand);
                    Side::Array(Flat {
                        len,
                        data,
                        stride,
                        dtype,
                    })
                }
            });
        }
        let lens: Vec<usize> = sides
            .iter()
            .map(|side| match side {
                Side::Column(c) => c.len,
                Side::Array(flat) => flat.len,
            })
            .collect();
        let len = lens[0];
        // Operands of one length only; anything else is NumPy's broadcasting.
        if lens.iter().any(|&n| n != len) {
            return Ok(None);
        }
        reduced_axes(self.axis, 1, self.func)?;
        let base = check_base(self.base, self.func)?;
        let nan_policy = check_nan_policy(self.nan_policy, self.func)?;
        let (measure, normalize) = (self.measure, self.normalize);
        let options = Options::default();
        let sums = py
            .detach(|| blocked_sums(measure, &sides, len, normalize, nan_policy, &options))
            .map_err(|(error, offset)| self.error(py, &sides, error, offset))?;
        let mut value = match sums.finish(measure, normalize, &options, 0) {
            Ok(value) => value,
            Err(KernelError::ZeroMass { arg, .. }) => {
                let name = names[usize::from(arg == Arg::Q)];
                let message = format!(
                    "{}: {name} has zero total mass in the distribution; it cannot be \
                     normalized (normalize=True)",
                    self.func
                );
                return Err(errors::invalid(py, message, "zero_mass", name, &[]));
            }
            Err(other) => return Err(errors::plain(other)),
        };
        if let Some(base) = base {
            // + 0: a zero over the negative ln of a base below 1 is +0, not -0.
            value = value / base.ln() + 0.0;
        }
        if self.keepdims {
            return Ok(Some(numpy::PyArray1::from_vec(py, vec![value]).into_any()));
        }
        Ok(Some(float64(py, value)?))
    }

    /// A kernel error in one block as the exception naming the entry in the whole column.
    fn error(&self, py: Python<'_>, sides: &[Side], error: KernelError, offset: usize) -> PyErr {
        let Some(bad) = error.bad_entry() else {
            return errors::plain(error);
        };
        let which = usize::from(bad.arg == Arg::Q);
        let name = ["p", "q"][which];
        let index = offset + bad.position;
        let at = errors::entry_name(name, &[index]);
        if bad.kind == "nan" && matches!(&sides[which], Side::Column(c) if c.is_null(index)) {
            let message = format!("{}: {at} is null (nan_policy='raise')", self.func);
            return errors::invalid(py, message, bad.kind, name, &[index]);
        }
        errors::bad_entry(py, self.func, &at, &bad, name, &[index])
    }
}

/// The merged sums of `measure` over pieces that each lie within one chunk of every operand
/// (and within one block where a piece is widened), in order: the merge order depends on the
/// chunking only, never on the thread count. Each piece is summed at the powers of two one call
/// would choose for it (`Scaled`), so that the merge finishes as exactly as one call. An error
/// comes with its piece's offset.
fn blocked_sums(
    measure: Measure,
    sides: &[Side],
    len: usize,
    normalize: bool,
    nan_policy: NanPolicy,
    options: &Options,
) -> Result<Scaled, (KernelError, usize)> {
    let mut ends: Vec<usize> = sides.iter().flat_map(|s| s.ends(len)).collect();
    ends.sort_unstable();
    ends.dedup();
    let mut total = Scaled::default();
    let (mut buf_p, mut buf_q) = (Widened::default(), Widened::default());
    let mut start = 0;
    for end in ends {
        while start < end {
            let copy = sides.iter().any(|s| s.needs_copy(start));
            let stop = if copy { end.min(start + BLOCK) } else { end };
            let n = stop - start;
            let p = sides[0].piece(start, n, &mut buf_p);
            let q = sides.get(1).map(|q| q.piece(start, n, &mut buf_q));
            let mut out = [Scaled::default()];
            scaled_partial_sums(
                measure,
                &p,
                q.as_ref(),
                normalize,
                nan_policy,
                options,
                &mut out,
            )
            .map_err(|e| (e, start))?;
            total = total.combine(out[0], measure);
            start = stop;
        }
    }
    Ok(total)
}
