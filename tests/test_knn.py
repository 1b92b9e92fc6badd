"""The k-NN estimators: scikit-learn's KSG (`_compute_mi_cc`) to 1e-12 including ties, the NumPy
twins, closed forms for Gaussian and uniform samples, and the argument rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import entropykit as ek
from entropykit import InvalidDistributionError, reference

mi_cc = pytest.importorskip("sklearn.feature_selection._mutual_info")._compute_mi_cc


def ties(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Discrete-valued pairs: many repeated values and equal distances."""
    x = rng.integers(0, 6, n).astype(np.float64)
    return x, x + rng.integers(0, 3, n)


def continuous(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=n)
    return x, 0.6 * x + rng.normal(size=n)


@pytest.mark.parametrize("make", [continuous, ties], ids=["continuous", "ties"])
@pytest.mark.parametrize("n", [4, 30, 700])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_mutual_information_equals_scikit_learn(make, n, k):
    if k >= n:
        pytest.skip("k >= n")
    rng = np.random.default_rng(n * 10 + k)
    x, y = make(rng, n)
    want = mi_cc(x, y, k)
    # Only the order of summation differs (NumPy's pairwise mean against a row-order sum).
    assert abs(ek.knn_mutual_information(x, y, k) - want) <= 1e-12
    assert abs(reference.knn_mutual_information(x, y, k) - want) <= 1e-12


def test_mutual_information_of_a_grid_and_of_rounded_values():
    # Every distance ties on a grid; rounding to 1 decimal gives repeated values with eps = 0.
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(20.0), 5)
    x, y = g, np.tile(np.arange(5.0), 20)
    for a, b in [
        (x, y),
        (x, x),
        (np.round(rng.normal(size=400), 1), np.round(rng.normal(size=400), 1)),
    ]:
        for k in (1, 3, 7):
            assert abs(ek.knn_mutual_information(a, b, k) - mi_cc(a, b, k)) <= 1e-12


def test_mutual_information_equals_scikit_learn_on_a_long_discrete_sample():
    # n > 2^14 takes the radix sort of the one-dimensional path.
    rng = np.random.default_rng(9)
    x = rng.integers(-200, 300, 20_000) * 0.25
    y = np.round(0.5 * x + rng.normal(size=20_000), 2)
    assert abs(ek.knn_mutual_information(x, y) - mi_cc(x, y, 3)) <= 1e-12


def test_many_equals_one_column_at_a_time_and_scikit_learn():
    rng = np.random.default_rng(2)
    n = 400
    y = rng.normal(size=n)
    X = np.column_stack([y + rng.normal(size=n), rng.normal(size=n), np.round(y, 1), -y])
    X = np.asfortranarray(X)  # a column-major input is read as it is
    got = ek.knn_mutual_information_many(X, y, 3)
    assert got.shape == (4,) and got.dtype == np.float64
    for j in range(X.shape[1]):
        assert got[j] == ek.knn_mutual_information(X[:, j], y, 3)
        assert abs(got[j] - mi_cc(X[:, j].copy(), y, 3)) <= 1e-12
    np.testing.assert_allclose(reference.knn_mutual_information_many(X, y, 3), got, atol=1e-12)


def test_against_the_twins_in_several_dimensions():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 3))
    y = np.column_stack([x[:, 0] + rng.normal(size=300), rng.random(300)])
    z = rng.normal(0.5, 1.5, size=(250, 3))
    for k in (1, 4):
        for fast, twin in [
            (ek.knn_entropy(x, k), reference.knn_entropy(x, k)),
            (ek.knn_entropy(x[:, :2], k, base=2), reference.knn_entropy(x[:, :2], k, base=2)),
            (ek.knn_mutual_information(x, y, k), reference.knn_mutual_information(x, y, k)),
            (
                ek.knn_mutual_information(x[:, 0], y, k),
                reference.knn_mutual_information(x[:, 0], y, k),
            ),
            (ek.knn_kl_divergence(x, z, k), reference.knn_kl_divergence(x, z, k)),
            (
                ek.knn_kl_divergence(x[:, 1], z[:, 1], k),
                reference.knn_kl_divergence(x[:, 1], z[:, 1], k),
            ),
        ]:
            assert isinstance(fast, np.float64)
            assert fast == pytest.approx(twin, rel=1e-12, abs=1e-12)


def test_entropy_of_normal_and_uniform_samples():
    # n = 1e5: the standard error of the estimate is about 1 / sqrt(n) ~ 3e-3 (k = 3), its bias
    # for these smooth densities far below that; 0.02 is several standard errors.
    rng = np.random.default_rng(4)
    n = 100_000
    normal = rng.normal(size=(n, 2)) * [1.0, 3.0]
    want = math.log(2 * math.pi * math.e) + math.log(3.0)  # (d ln(2 pi e) + ln det) / 2
    assert ek.knn_entropy(normal) == pytest.approx(want, abs=0.02)
    uniform = rng.uniform(0.0, 4.0, size=n)
    assert ek.knn_entropy(uniform) == pytest.approx(math.log(4.0), abs=0.02)
    assert ek.knn_entropy(uniform, base=2) == pytest.approx(2.0, abs=0.03)


def test_kl_divergence_of_two_gaussians():
    # Two 2-D Gaussians with KL 0.597 nats. k = 5 and n = m = 5e4: over seeds the estimate
    # spreads by about 0.01 (the log-ratio terms have variance ~1); 0.05 is several spreads and
    # still catches a missing d/n or ln(m / (n - 1)) term (each moves it by > 0.1 here).
    rng = np.random.default_rng(5)
    n = 50_000
    mu1, mu2 = np.zeros(2), np.array([1.0, 0.0])
    s1, s2 = np.diag([1.0, 0.5]), np.diag([1.0, 1.0])
    x = rng.multivariate_normal(mu1, s1, size=n)
    y = rng.multivariate_normal(mu2, s2, size=n)
    want = float(ek.gaussian_kl(mu1, s1, mu2, s2))
    assert ek.knn_kl_divergence(x, y, 5) == pytest.approx(want, abs=0.05)


def test_mutual_information_of_a_correlated_gaussian_pair():
    rng = np.random.default_rng(6)
    n, rho = 20_000, 0.9
    x = rng.normal(size=n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=n)
    want = -0.5 * math.log(1 - rho**2)
    # KSG's bias is small for Gaussians; its standard error at n = 2e4 is ~5e-3.
    assert ek.knn_mutual_information(x, y) == pytest.approx(want, abs=0.03)
    independent = rng.normal(size=n)
    assert ek.knn_mutual_information(x, independent) < 0.01


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(7)
    x, y = continuous(rng, 30_000)
    X = rng.normal(size=(3_000, 5))
    before = ek.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            ek.set_num_threads(threads)
            results.append(
                (
                    ek.knn_mutual_information(x, y),
                    ek.knn_entropy(np.column_stack([x, y])),
                    ek.knn_kl_divergence(x, y),
                    ek.knn_mutual_information_many(X, X[:, 0]).tolist(),
                )
            )
    finally:
        ek.set_num_threads(before)
    assert results[0] == results[1] == results[2]


def test_inputs_of_any_dtype_and_layout_are_not_modified():
    rng = np.random.default_rng(8)
    x = rng.integers(0, 1000, size=(200, 2))
    y = rng.normal(size=400).astype(np.float32)[::2]
    before = (x.copy(), y.copy())
    got = ek.knn_mutual_information(x, y)
    assert got == ek.knn_mutual_information(x.astype(np.float64), y.astype(np.float64))
    assert np.array_equal(x, before[0]) and np.array_equal(y, before[1])
    assert ek.knn_entropy(x.tolist()) == ek.knn_entropy(x.astype(np.float64))


def test_repeated_values_are_an_error_naming_the_row():
    x = np.array([0.0, 1.0, 5.0, 1.0, 9.0])
    for mod in (ek, reference):
        with pytest.raises(
            ValueError, match=r"knn_entropy: x\[1\] has its k-th nearest neighbour at distance 0"
        ):
            mod.knn_entropy(x, 1)
        assert np.isfinite(mod.knn_entropy(x, 2))  # the second neighbour of x[1] is not a copy
        with pytest.raises(
            ValueError,
            match=r"knn_kl_divergence: x\[2\] has its k-th nearest sample of y at distance 0",
        ):
            mod.knn_kl_divergence(np.array([0.0, 1.0, 7.0]), np.array([7.0, 3.0]))


@pytest.mark.parametrize("mod", [ek, reference], ids=["rust", "reference"])
def test_argument_errors(mod):
    x = np.arange(5.0)
    with pytest.raises(
        ValueError, match=r"knn_entropy: k = 5 must be below the number of samples n = 5"
    ):
        mod.knn_entropy(x, 5)
    with pytest.raises(
        ValueError,
        match=r"knn_kl_divergence: k = 3 must be at most the number of samples of y, m = 2",
    ):
        mod.knn_kl_divergence(x, x[:2], 3)
    with pytest.raises(ValueError, match=r"k must be an integer >= 1, not 0"):
        mod.knn_mutual_information(x, x, 0)
    for bad in (2.0, True, "3", None):
        with pytest.raises(TypeError, match=r"k must be an integer >= 1, not"):
            mod.knn_entropy(x, bad)
    assert mod.knn_entropy(x, np.int8(2)) == mod.knn_entropy(x, 2)
    y = x.copy()
    y[3] = np.nan
    with pytest.raises(
        InvalidDistributionError, match=r"knn_mutual_information: y\[3\] is NaN"
    ) as info:
        mod.knn_mutual_information(x, y)
    assert (info.value.kind, info.value.arg, info.value.index) == ("nan", "y", (3,))
    X = np.ones((5, 3))
    X[4, 2] = -np.inf
    with pytest.raises(InvalidDistributionError, match=r"X\[4, 2\] = -inf is not finite"):
        mod.knn_mutual_information_many(X, x)
    with pytest.raises(ValueError, match=r"x must have shape \(n,\) or \(n, d\), not \(2, 2, 2\)"):
        mod.knn_entropy(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"x has shape \(3, 0\); samples need at least one"):
        mod.knn_entropy(np.ones((3, 0)))


def test_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Continuous data: k-NN estimators\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md (k-NN)", "exec"), {})
    lines = capsys.readouterr().out.split("\n")
    assert abs(float(lines[0]) - 1.419) < 0.02 and abs(float(lines[1]) - 0.511) < 0.02
