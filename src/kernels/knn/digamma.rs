//! The digamma function at whole numbers, as a table.

/// The Euler-Mascheroni constant.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// psi(m) for a whole m >= 1. Below 20 it is -gamma + H(m - 1) summed exactly as written; from 20
/// on, the asymptotic series to m^-10 (the first term left out is below 1e-17 there), so no
/// rounding error accumulates over a long harmonic sum.
pub fn digamma(m: usize) -> f64 {
    debug_assert!(m >= 1);
    if m < 20 {
        let mut h = 0.0;
        for j in 1..m {
            h += 1.0 / j as f64;
        }
        return h - EULER_GAMMA;
    }
    let x = m as f64;
    let r = 1.0 / (x * x);
    // ln x - 1/(2x) - sum B_2j / (2j x^2j): B2/2 = 1/12, B4/4 = -1/120, B6/6 = 1/252,
    // B8/8 = -1/240, B10/10 = 1/132.
    let series =
        r * (1.0 / 12.0 - r * (1.0 / 120.0 - r * (1.0 / 252.0 - r * (1.0 / 240.0 - r / 132.0))));
    x.ln() - 0.5 / x - series
}

/// psi(1), ..., psi(n) tabulated (index 0 unused); larger arguments are computed on demand.
pub struct DigammaTable(Vec<f64>);

impl DigammaTable {
    pub fn new(n: usize) -> DigammaTable {
        let mut table = Vec::with_capacity(n + 1);
        table.push(f64::NAN);
        table.extend((1..=n).map(digamma));
        DigammaTable(table)
    }

    /// psi(m): from the table, or the same formula when m is beyond it (so a table sized for
    /// the usual neighbour counts gives the same values as one sized for n).
    #[inline]
    pub fn at(&self, m: usize) -> f64 {
        match self.0.get(m) {
            Some(&value) => value,
            None => digamma(m),
        }
    }
}
