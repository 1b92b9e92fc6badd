//! Errors the kernels report. No Python here: the binding layer maps these to exceptions.

use std::fmt;

/// Which argument of a two-argument measure an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arg {
    P,
    Q,
}

impl Arg {
    pub fn name(self) -> &'static str {
        match self {
            Arg::P => "p",
            Arg::Q => "q",
        }
    }
}

/// What went wrong, and where. `distribution` is the flat (C-order) index of the distribution in
/// the batch; `position` is the flat (C-order) index of the entry along the reduced axes.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelError {
    /// An entry below zero.
    Negative {
        arg: Arg,
        distribution: usize,
        position: usize,
        value: f64,
    },
    /// An entry that is +inf or -inf.
    Infinite {
        arg: Arg,
        distribution: usize,
        position: usize,
        value: f64,
    },
    /// A NaN entry under `NanPolicy::Raise`.
    Nan {
        arg: Arg,
        distribution: usize,
        position: usize,
    },
    /// An entry above 1 where a probability is expected (elementwise `binary_entropy`,
    /// `surprisal`; entries below 0 are `Negative`, infinite ones `Infinite`).
    OutOfRange {
        arg: Arg,
        distribution: usize,
        position: usize,
        value: f64,
    },
    /// A distribution whose entries sum to zero (or that has none) under `normalize`.
    ZeroMass { arg: Arg, distribution: usize },
    /// A count that is not a whole number (counts must be whole numbers >= 0).
    NotWhole {
        arg: Arg,
        distribution: usize,
        position: usize,
        value: f64,
    },
    /// A parameter of a Gaussian that is out of its domain: a standard deviation or variance
    /// that is not finite and > 0, a mean or covariance entry that is not finite. `arg` names the
    /// parameter, `index` is the flat (C-order) index of the entry in the array as computed on.
    BadParameter {
        arg: &'static str,
        index: usize,
        value: f64,
    },
    /// Matrix `matrix` (flat index in the batch) of `arg` is not positive definite: the Cholesky
    /// factorisation found a pivot that is not > 0 at row `pivot`.
    NotPositiveDefinite {
        arg: &'static str,
        matrix: usize,
        pivot: usize,
    },
    /// Arguments whose shapes or lengths do not fit together.
    Layout(String),
    /// The thread pool could not be built.
    ThreadPool(String),
}

/// An entry a measure refuses (negative, infinite, or NaN under `NanPolicy::Raise`): the one shape
/// every binding words the same way, whatever layout it then maps `distribution` and `position` to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BadEntry {
    pub arg: Arg,
    /// `"negative"`, `"infinite"` or `"nan"`: the exception's `kind`.
    pub kind: &'static str,
    pub distribution: usize,
    pub position: usize,
    /// The entry (NaN for `"nan"`).
    pub value: f64,
}

impl KernelError {
    /// The refused entry, if this error is about one.
    pub fn bad_entry(&self) -> Option<BadEntry> {
        let (arg, kind, distribution, position, value) = match *self {
            KernelError::Negative {
                arg,
                distribution,
                position,
                value,
            } => (arg, "negative", distribution, position, value),
            KernelError::Infinite {
                arg,
                distribution,
                position,
                value,
            } => (arg, "infinite", distribution, position, value),
            KernelError::Nan {
                arg,
                distribution,
                position,
            } => (arg, "nan", distribution, position, f64::NAN),
            _ => return None,
        };
        Some(BadEntry {
            arg,
            kind,
            distribution,
            position,
            value,
        })
    }

    /// The distribution the error is in, if it is about data.
    pub fn distribution(&self) -> Option<usize> {
        match *self {
            KernelError::Negative { distribution, .. }
            | KernelError::Infinite { distribution, .. }
            | KernelError::Nan { distribution, .. }
            | KernelError::OutOfRange { distribution, .. }
            | KernelError::ZeroMass { distribution, .. } => Some(distribution),
            KernelError::NotWhole { distribution, .. } => Some(distribution),
            KernelError::BadParameter { index, .. } => Some(index),
            KernelError::NotPositiveDefinite { matrix, .. } => Some(matrix),
            KernelError::Layout(_) | KernelError::ThreadPool(_) => None,
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::Negative {
                arg,
                distribution,
                position,
                value,
            } => write!(
                f,
                "{} has a negative entry ({value:?}) at position {position} of distribution {distribution}",
                arg.name()
            ),
            KernelError::Infinite {
                arg,
                distribution,
                position,
                value,
            } => write!(
                f,
                "{} has an infinite entry ({value:?}) at position {position} of distribution {distribution}",
                arg.name()
            ),
            KernelError::Nan {
                arg,
                distribution,
                position,
            } => write!(
                f,
                "{} has a NaN entry at position {position} of distribution {distribution}",
                arg.name()
            ),
            KernelError::OutOfRange {
                arg,
                distribution,
                position,
                value,
            } => write!(
                f,
                "{} has an entry above 1 ({value:?}) at position {position} of distribution {distribution}",
                arg.name()
            ),
            KernelError::ZeroMass { arg, distribution } => write!(
                f,
                "{} has zero total mass in distribution {distribution}; it cannot be normalized",
                arg.name()
            ),
            KernelError::NotWhole {
                arg,
                distribution,
                position,
                value,
            } => write!(
                f,
                "{} has an entry that is not a whole number ({value:?}) at position {position} of distribution {distribution}",
                arg.name()
            ),
            KernelError::BadParameter { arg, index, value } => write!(
                f,
                "{arg} has an entry out of its domain ({value:?}) at flat index {index}"
            ),
            KernelError::NotPositiveDefinite { arg, matrix, pivot } => write!(
                f,
                "matrix {matrix} of {arg} is not positive definite (Cholesky failed at pivot {pivot})"
            ),
            KernelError::Layout(message) | KernelError::ThreadPool(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for KernelError {}
