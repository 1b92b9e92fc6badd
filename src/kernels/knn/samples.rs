//! Samples as the k-NN kernels take them: `n` rows of `d` coordinates, row-major f64, checked
//! finite and numerous enough for the `k` asked.

use crate::error::KernelError;

/// `n` samples of `d` coordinates in row-major order, named for messages.
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    pub name: &'static str,
    pub data: &'a [f64],
    pub d: usize,
}

impl<'a> Samples<'a> {
    /// `data` as rows of `d` coordinates (`d >= 1`, `data.len()` a multiple of `d`).
    pub fn new(name: &'static str, data: &'a [f64], d: usize) -> Result<Samples<'a>, KernelError> {
        if d == 0 || !data.len().is_multiple_of(d) {
            return Err(KernelError::Layout(format!(
                "{name} has {} values, which are not rows of {d} coordinates",
                data.len()
            )));
        }
        Ok(Samples { name, data, d })
    }

    pub fn n(&self) -> usize {
        self.data.len() / self.d
    }

    /// The first value that is NaN or infinite, as `BadParameter` with its flat (row-major)
    /// index.
    pub fn check_finite(&self) -> Result<(), KernelError> {
        match self.data.iter().position(|v| !v.is_finite()) {
            Some(index) => Err(KernelError::BadParameter {
                arg: self.name,
                index,
                value: self.data[index],
            }),
            None => Ok(()),
        }
    }

    /// Coordinate `j` of every row.
    pub fn column(&self, j: usize) -> impl Iterator<Item = f64> + '_ {
        self.data.iter().skip(j).step_by(self.d).copied()
    }
}

/// `k` must be at least 1 and leave `k` other samples of `n` (KL also `k` of `m`).
pub fn check_k(k: usize, n: usize) -> Result<(), KernelError> {
    if k == 0 {
        return Err(KernelError::Layout("k must be at least 1".into()));
    }
    if k >= n {
        return Err(KernelError::Layout(format!(
            "k = {k} must be below the number of samples n = {n} (each sample needs k others)"
        )));
    }
    Ok(())
}

/// Rows of two sample sets that must pair up (mutual information).
pub fn check_paired(x: &Samples, y: &Samples) -> Result<(), KernelError> {
    if x.n() != y.n() {
        return Err(KernelError::Layout(format!(
            "{} has {} samples and {} has {}; they must pair up (same number of rows)",
            x.name,
            x.n(),
            y.name,
            y.n()
        )));
    }
    Ok(())
}

/// The first sample whose k-th neighbour distance is 0, as an error: ln 0 has no value.
pub fn check_distinct(
    name: &str,
    k: usize,
    distances: &[f64],
    what: &str,
) -> Result<(), KernelError> {
    match distances.iter().position(|&e| e == 0.0) {
        Some(i) => Err(KernelError::Layout(format!(
            "{name}[{i}] has its k-th nearest {what} at distance 0 (at least k = {k} samples \
             equal to it), and the estimator takes the log of that distance: remove repeated \
             values, add a little noise, or raise k"
        ))),
        None => Ok(()),
    }
}
