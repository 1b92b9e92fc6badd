//! The vector exp against the platform `exp`, in ulps, at every SIMD level this CPU has.

use _core::simd::exp::{exp_slice, VectorExp};
use _core::SimdLevel;

mod common;
use common::{sweeps, ulps_f32, ulps_f64};

#[test]
fn exp_f64_within_2_ulp_at_every_level() {
    // Uniform over the whole finite-result range, subnormal results included, and dense near 0.
    let xs = sweeps::exp_f64(300_000, 50_000);
    for level in SimdLevel::available() {
        let mut out = vec![0.0; xs.len()];
        exp_slice(level, &xs, &mut out);
        let mut worst = (0, 0.0);
        for (&x, &y) in xs.iter().zip(&out) {
            let u = ulps_f64(y, x.exp());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!(
            "exp f64 {level}: worst {} ulp at x = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 2,
            "{level}: {} ulp at x = {:e}",
            worst.0,
            worst.1
        );
    }
}

#[test]
fn exp_f32_within_2_ulp_at_every_level() {
    // Every 61st f32 bit pattern of |x| <= 104 (both signs), which covers the finite results.
    let xs = sweeps::exp_f32(61);
    for level in SimdLevel::available() {
        let mut out = vec![0.0f32; xs.len()];
        exp_slice(level, &xs, &mut out);
        let mut worst = (0, 0.0f32);
        for (&x, &y) in xs.iter().zip(&out) {
            let u = ulps_f32(y, x.exp());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        eprintln!(
            "exp f32 {level}: worst {} ulp at x = {:e}",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= 2,
            "{level}: {} ulp at x = {:e}",
            worst.0,
            worst.1
        );
    }
}

fn check_specials<E: VectorExp + Into<f64>>(values: &[E], expect: &[f64]) {
    for level in SimdLevel::available() {
        for n in 1..=values.len() {
            // Each value also alone among ordinary lanes, so both paths of the exp see it.
            let mut out = values[..n].to_vec();
            exp_slice(level, &values[..n], &mut out);
            for ((&y, &want), x) in out.iter().zip(expect).zip(values) {
                let y: f64 = y.into();
                assert!(
                    y == want || (y.is_nan() && want.is_nan()),
                    "{level}: exp({x:?}) = {y}, want {want}"
                );
            }
        }
    }
}

#[test]
fn exp_special_values() {
    let inf = f64::INFINITY;
    check_specials(
        &[
            0.0f64,
            -0.0,
            1e-320,
            inf,
            -inf,
            f64::NAN,
            710.0,
            -746.0,
            1e300,
            -1e300,
        ],
        &[1.0, 1.0, 1.0, inf, 0.0, f64::NAN, inf, 0.0, inf, 0.0],
    );
    check_specials(
        &[
            0.0f32,
            -0.0,
            f32::INFINITY,
            -f32::INFINITY,
            f32::NAN,
            89.0,
            -105.0,
            1e30,
            -1e30,
        ],
        &[1.0, 1.0, inf, 0.0, f64::NAN, inf, 0.0, inf, 0.0],
    );
}

#[test]
fn exp_handles_every_tail_length() {
    for level in SimdLevel::available() {
        for n in 0..40 {
            let xs: Vec<f64> = (1..=n).map(|i| i as f64 * 0.37 - 5.0).collect();
            let mut out = vec![0.0; n];
            exp_slice(level, &xs, &mut out);
            for (x, y) in xs.iter().zip(&out) {
                assert!(ulps_f64(*y, x.exp()) <= 2, "{level}, n = {n}");
            }
        }
    }
}
