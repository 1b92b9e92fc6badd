//! The vector log against the platform `ln`, in ulps, at every SIMD level this CPU has.

use _core::simd::ln::{ln_slice_with, x_ln_x_summand_slice, LnReduction, VectorLn};
use _core::SimdLevel;

mod common;
use common::{sweeps, ulps_f32, ulps_f64};

/// Every level this CPU has, with both reductions (each vector type uses one of them in the
/// kernels; both are kept accurate everywhere) and the one the type picks.
fn cases() -> Vec<(SimdLevel, LnReduction)> {
    let reductions = [LnReduction::Native, LnReduction::Fdlibm, LnReduction::Table];
    SimdLevel::available()
        .into_iter()
        .flat_map(|level| reductions.map(|r| (level, r)))
        .collect()
}

#[test]
fn ln_f64_within_2_ulp_at_every_level() {
    let xs = sweeps::ln_f64(200_000, 20_000);
    for (level, reduction) in cases() {
        let mut out = vec![0.0; xs.len()];
        ln_slice_with(level, reduction, &xs, &mut out);
        let mut worst = (0, 0.0);
        for (&x, &y) in xs.iter().zip(&out) {
            let u = ulps_f64(y, x.ln());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!(
            "ln f64 {level} {reduction:?}: worst {} ulp at x = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 2,
            "{level} {reduction:?}: {} ulp at x = {:e}",
            worst.0,
            worst.1
        );
    }
}

/// The entropy kernels' terms x ln x (their log skips the rounding-error recovery of `ln`):
/// within 3 ulp of x * x.ln() over the sweep, subnormals included, at every level; exactly 0 for
/// both zeros, NaN for NaN.
#[test]
fn x_ln_x_summand_within_3_ulp_at_every_level() {
    let mut xs = sweeps::ln_f64(200_000, 20_000);
    xs.extend([0.0, -0.0, f64::NAN, 5e-324, 1.0, 2.0, 0.5]);
    for level in SimdLevel::available() {
        let mut out = vec![0.0; xs.len()];
        x_ln_x_summand_slice(level, &xs, &mut out);
        let mut worst = (0, 0.0);
        for (&x, &y) in xs.iter().zip(&out) {
            if x == 0.0 {
                assert_eq!(y, 0.0, "{level}: {x} ln {x} = {y}");
                continue;
            }
            if x.is_nan() {
                assert!(y.is_nan(), "{level}: NaN ln NaN = {y}");
                continue;
            }
            let u = ulps_f64(y, x * x.ln());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!(
            "x ln x f64 {level}: worst {} ulp at x = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 3,
            "{level}: {} ulp at x = {:e}",
            worst.0,
            worst.1
        );
    }
}

#[test]
fn ln_f32_within_2_ulp_at_every_level() {
    // Every 61st f32 bit pattern of positive finite values: subnormals, 1 and f32::MAX included.
    let xs = sweeps::ln_f32(61);
    for (level, reduction) in cases() {
        let mut out = vec![0.0f32; xs.len()];
        ln_slice_with(level, reduction, &xs, &mut out);
        let mut worst = (0, 0.0f32);
        for (&x, &y) in xs.iter().zip(&out) {
            let u = ulps_f32(y, x.ln());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!(
            "ln f32 {level} {reduction:?}: worst {} ulp at x = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 2,
            "{level} {reduction:?}: {} ulp at x = {:e}",
            worst.0,
            worst.1
        );
    }
}

fn check_specials<E: VectorLn + Into<f64>>(values: &[E], expect: &[f64]) {
    for (level, reduction) in cases() {
        let mut out = values.to_vec();
        ln_slice_with(level, reduction, values, &mut out);
        for ((&y, &want), x) in out.iter().zip(expect).zip(values) {
            let y: f64 = y.into();
            assert!(
                y == want || (y.is_nan() && want.is_nan()),
                "{level} {reduction:?}: ln({x:?}) = {y}, want {want}"
            );
        }
    }
}

#[test]
fn ln_special_values() {
    let inf = f64::INFINITY;
    check_specials(
        &[0.0f64, -0.0, inf, -1.0, f64::NAN, -inf, 1.0],
        &[-inf, -inf, inf, f64::NAN, f64::NAN, f64::NAN, 0.0],
    );
    check_specials(
        &[0.0f32, -0.0, f32::INFINITY, -1.0, f32::NAN, 1.0],
        &[-inf, -inf, inf, f64::NAN, f64::NAN, 0.0],
    );
}

#[test]
fn ln_handles_every_tail_length() {
    for (level, reduction) in cases() {
        for n in 0..40 {
            let xs: Vec<f64> = (1..=n).map(|i| i as f64 * 0.37).collect();
            let mut out = vec![0.0; n];
            ln_slice_with(level, reduction, &xs, &mut out);
            for (x, y) in xs.iter().zip(&out) {
                assert!(ulps_f64(*y, x.ln()) <= 2, "{level} {reduction:?}, n = {n}");
            }
        }
    }
}
