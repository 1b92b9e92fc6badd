//! Where and how a kernel runs: the one options type every kernel group takes.

use crate::simd::SimdLevel;

/// The SIMD level and whether to use the thread pool. What a measure computes (its base, NaN
/// policy, order, ...) is passed to each kernel beside this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub level: SimdLevel,
    /// Spread work over the pool (`false` keeps it on the calling thread).
    pub parallel: bool,
}

impl Default for Options {
    /// The best (or `ENTROPYKIT_SIMD`-forced) level, on the pool.
    fn default() -> Self {
        Options {
            level: SimdLevel::current(),
            parallel: true,
        }
    }
}

impl Options {
    /// These options at `level`.
    pub fn at(level: SimdLevel) -> Self {
        Options {
            level,
            ..Options::default()
        }
    }

    /// These options on the calling thread only.
    pub fn serial(self) -> Self {
        Options {
            parallel: false,
            ..self
        }
    }
}

/// Checks a logarithm base (finite, positive, not 1).
pub(crate) fn check_base(base: Option<f64>) -> Result<(), crate::error::KernelError> {
    match base {
        Some(base) if !(base.is_finite() && base > 0.0 && base != 1.0) => {
            Err(crate::error::KernelError::Layout(format!(
                "base must be a finite positive number other than 1, not {base}"
            )))
        }
        _ => Ok(()),
    }
}
