//! Inputs of the vector math sweeps (ln, ln1p, exp, ln n!), shared by the per-function tests and
//! the single-threaded level check `neon_vs_scalar`, which runs them smaller (under emulation).
//! Sizes are parameters; the generators are deterministic.

use super::XorShift;

/// Every `step`-th f32 bit pattern from `first` while below `end` (bit patterns, positive).
fn f32_bits(first: u32, end: u32, step: u32) -> impl Iterator<Item = f32> {
    (first..end).step_by(step as usize).map(f32::from_bits)
}

/// Arguments of ln (f64): edge values, `random` random bit patterns (every exponent, subnormals
/// included) and `2 * near_one` values dense around 1, where relative accuracy is hardest.
pub fn ln_f64(random: usize, near_one: usize) -> Vec<f64> {
    let mut xs = vec![
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        f64::MIN_POSITIVE * 1.5,
        1.0,
        1.0 - f64::EPSILON / 2.0,
        1.0 + f64::EPSILON,
        0.5,
        2.0,
        std::f64::consts::SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::E,
        f64::MAX,
        1e-300,
        1e300,
    ];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..random {
        let x = f64::from_bits(rng.next_u64() >> 1);
        if x.is_finite() {
            xs.push(x);
        }
    }
    let half = near_one as i64 / 2;
    for i in 0..near_one as i64 {
        xs.push(1.0 + (i - half) as f64 * 1e-6);
        xs.push(f64::from_bits((1.0f64.to_bits() as i64 - half + i) as u64));
    }
    xs
}

/// Arguments of ln (f32): every `step`-th positive finite bit pattern (subnormals included) and
/// the edges.
pub fn ln_f32(step: u32) -> Vec<f32> {
    let mut xs: Vec<f32> = f32_bits(1, 0x7f80_0000, step).collect();
    xs.extend([
        1.0,
        f32::MAX,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        0.5,
        2.0,
    ]);
    xs
}

/// Arguments of exp (f64): edges of the finite and subnormal result ranges, `uniform` values
/// over the whole finite-result range and `near_zero` values in (-1, 1).
pub fn exp_f64(uniform: usize, near_zero: usize) -> Vec<f64> {
    let mut xs = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        709.78,
        709.782_712_893_383_9,
        -708.39,
        -708.4,
        -744.0,
        -745.13,
        1e-300,
        -1e-300,
        std::f64::consts::LN_2 / 2.0,
        -std::f64::consts::LN_2 / 2.0,
    ];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..uniform {
        xs.push(rng.next_f64() * 1456.0 - 746.0);
    }
    for _ in 0..near_zero {
        xs.push((rng.next_f64() - 0.5) * 2.0);
    }
    xs
}

/// Arguments of exp (f32): every `step`-th bit pattern of |x| <= 104 (both signs), which covers
/// the finite results, and the edges.
pub fn exp_f32(step: u32) -> Vec<f32> {
    let mut xs = Vec::new();
    for x in f32_bits(0, 104.0f32.to_bits() + 1, step) {
        xs.push(x);
        xs.push(-x);
    }
    xs.extend([88.72, 88.722_83, -87.33, -103.0, -103.97, -104.0]);
    xs
}

/// Arguments of ln1p (f64): edges, `random` triples (a random bit pattern, a negative in (-1, 0)
/// of any exponent, a uniform value in [-1, 2)) and `dense` pairs near 0 and near -1.
pub fn ln1p_f64(random: usize, dense: usize) -> Vec<f64> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut us = vec![
        0.0,
        -0.0,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::EPSILON,
        -f64::EPSILON / 2.0,
        std::f64::consts::SQRT_2 - 1.0,
        std::f64::consts::FRAC_1_SQRT_2 - 1.0,
        -0.5,
        1.0,
        -1.0 + f64::EPSILON,
        f64::MAX,
        1e300,
    ];
    for _ in 0..random {
        let u = f64::from_bits(rng.next_u64() >> 1);
        if u.is_finite() {
            us.push(u);
        }
        us.push(-f64::from_bits(rng.next_u64() % 0x3ff0_0000_0000_0000));
        us.push(rng.next_f64() * 3.0 - 1.0);
    }
    // [-0.1, 0.1) and (-1, -1 + 0.02].
    let step = 0.2 / dense.max(1) as f64;
    for i in 0..dense {
        us.push((i as f64 - dense as f64 / 2.0) * step);
        us.push(-1.0 + (i as f64 + 1.0) * step / 10.0);
    }
    us
}

/// Arguments of ln1p (f32): every `step`-th bit pattern of u >= 0 and of -1 < u <= 0.
pub fn ln1p_f32(step: u32) -> Vec<f32> {
    let mut us = Vec::new();
    for u in f32_bits(0, 0x7f80_0000, step) {
        us.push(u);
        if u < 1.0 {
            us.push(-u);
        }
    }
    us
}

/// Whole numbers for ln(n!): 0 to `table_and_join` (the table and where the series joins it)
/// and `random` whole numbers of every magnitude up to 1e300.
pub fn ln_factorial(table_and_join: u32, random: usize) -> Vec<f64> {
    let mut ns: Vec<f64> = (0..table_and_join).map(f64::from).collect();
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    for _ in 0..random {
        ns.push((10f64.powf(rng.next_f64() * 300.0)).floor());
    }
    ns
}

/// The worst distance in ulps of `got[i]` from `want(x[i])`, and where (`ulps` measures it).
pub fn worst<E: Copy + Default>(
    xs: &[E],
    got: &[E],
    want: impl Fn(E) -> E,
    ulps: impl Fn(E, E) -> u64,
) -> (u64, E) {
    let mut worst = (0, E::default());
    for (&x, &y) in xs.iter().zip(got) {
        let u = ulps(y, want(x));
        if u > worst.0 {
            worst = (u, x);
        }
    }
    worst
}
