//! Helpers shared by the Rust test crates (each uses a subset, hence `dead_code`).
#![allow(dead_code)]

pub mod sweeps;

/// Distance in units in the last place between two floats (0 for equal values or two NaNs,
/// `u64::MAX` when only one is finite).
pub fn ulps_f64(a: f64, b: f64) -> u64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0;
    }
    if !a.is_finite() || !b.is_finite() {
        return u64::MAX;
    }
    // Map the bit patterns onto a line where adjacent floats are adjacent integers.
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 {
            i64::MIN - bits
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}

/// As `ulps_f64`, for f32.
pub fn ulps_f32(a: f32, b: f32) -> u64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0;
    }
    if !a.is_finite() || !b.is_finite() {
        return u64::MAX;
    }
    let key = |x: f32| {
        let bits = x.to_bits() as i32 as i64;
        if bits < 0 {
            i32::MIN as i64 - bits
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}

/// A deterministic xorshift generator, so sweeps and data are the same on every run.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The distribution kernels' measure parameters and where they run, as one flat value: the tests
/// vary both at once (`Opts { normalize, ..at(level) }`). The wrappers below split it into the
/// kernels' [`Params`](_core::Params) and [`Options`](_core::Options).
#[derive(Clone, Copy, Debug)]
pub struct Opts {
    pub normalize: bool,
    pub nan_policy: _core::NanPolicy,
    pub base: Option<f64>,
    pub order: f64,
    pub level: _core::SimdLevel,
    pub parallel: bool,
}

impl Default for Opts {
    fn default() -> Self {
        let (p, o) = (_core::Params::default(), _core::Options::default());
        Opts {
            normalize: p.normalize,
            nan_policy: p.nan_policy,
            base: p.base,
            order: p.order,
            level: o.level,
            parallel: o.parallel,
        }
    }
}

impl Opts {
    pub fn params(&self) -> _core::Params {
        _core::Params {
            normalize: self.normalize,
            nan_policy: self.nan_policy,
            base: self.base,
            order: self.order,
        }
    }
    pub fn options(&self) -> _core::Options {
        _core::Options {
            level: self.level,
            parallel: self.parallel,
        }
    }
}

pub fn reduce_slice<T>(
    measure: _core::Measure,
    p: &[T],
    q: Option<&[T]>,
    o: &Opts,
) -> Result<f64, _core::KernelError>
where
    T: _core::strided::Element,
    for<'a> _core::Input<'a>: From<_core::Strided<'a, T>>,
{
    _core::reduce_slice(measure, p, q, &o.params(), &o.options())
}

pub fn reduce(
    measure: _core::Measure,
    p: &_core::Input,
    q: Option<&_core::Input>,
    o: &Opts,
    out: &mut [f64],
) -> Result<(), _core::KernelError> {
    _core::reduce(measure, p, q, &o.params(), &o.options(), out)
}

pub fn partial_sums(
    kind: _core::SumKind,
    p: &_core::Input,
    q: Option<&_core::Input>,
    o: &Opts,
    out: &mut [_core::Partial],
) -> Result<(), _core::KernelError> {
    _core::partial_sums(kind, p, q, o.nan_policy, &o.options(), out)
}
