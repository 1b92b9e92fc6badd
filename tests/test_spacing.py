"""differential_entropy (the m-spacing estimators): against SciPy, the NumPy twin and closed
forms, its errors, and scipy_compat's SciPy-only behaviour (nan_policy, keepdims, dtypes)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import entropykit as ek
from conftest import assert_same_result
from entropykit import InvalidDistributionError, reference, scipy_compat

stats = pytest.importorskip("scipy.stats")

METHODS = ["vasicek", "van es", "ebrahimi", "correa"]
RNG = np.random.default_rng(15)


@pytest.mark.parametrize("method", [*METHODS, "auto", "Van Es"])
@pytest.mark.parametrize("n", [5, 11, 50, 1001])
def test_matches_scipy_on_every_method(method, n):
    x = RNG.standard_normal((3, n))
    want = stats.differential_entropy(x, method=method, axis=-1)
    assert_same_result(ek.differential_entropy(x, method=method), want, rtol=1e-13)
    assert_same_result(reference.differential_entropy(x, method=method), want, rtol=1e-13)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("window", [1, 2, 7, 24])
def test_matches_scipy_for_window_lengths(method, window):
    x = RNG.exponential(size=(2, 49))
    want = stats.differential_entropy(x, window_length=window, method=method, axis=-1)
    got = ek.differential_entropy(x, window_length=window, method=method)
    assert_same_result(got, want, rtol=1e-13)


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 2), None])
def test_matches_scipy_along_axes_and_views(axis):
    x = RNG.uniform(size=(30, 6, 40))
    want = stats.differential_entropy(x, axis=axis, base=2)
    assert_same_result(ek.differential_entropy(x, axis=axis, base=2), want, rtol=1e-13)
    # A non-contiguous view is read in place, with the same result as its copy.
    view = x[::2, :, ::-1]
    assert_same_result(
        ek.differential_entropy(view, axis=axis),
        ek.differential_entropy(view.copy(), axis=axis),
        rtol=0,
    )


def test_integer_and_float32_samples_are_promoted():
    counts = RNG.integers(0, 1000, (4, 60))
    assert_same_result(
        ek.differential_entropy(counts),
        stats.differential_entropy(counts.astype(np.float64), axis=-1),
        rtol=1e-13,
    )
    x32 = RNG.standard_normal((4, 60)).astype(np.float32)
    assert_same_result(
        ek.differential_entropy(x32),
        stats.differential_entropy(x32.astype(np.float64), axis=-1),
        rtol=1e-13,
    )


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(3, 70)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
        unique=True,
    ),
    st.sampled_from([*METHODS, "auto"]),
    st.integers(1, 34),
)
def test_agrees_with_the_twin(x, method, window):
    n = x.shape[1]
    window = window if 2 * window < n else None
    if window is None and 2 * math.floor(math.sqrt(n) + 0.5) >= n:
        window = 1
    got = ek.differential_entropy(x, window_length=window, method=method)
    want = reference.differential_entropy(x, window_length=window, method=method)
    assert_same_result(got, want, rtol=1e-9, atol=1e-9)


def test_ties_give_minus_infinity_as_scipy():
    x = np.array([1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0])
    for method in ["vasicek", "van es", "ebrahimi"]:
        with np.errstate(divide="ignore"):
            want = stats.differential_entropy(x, window_length=1, method=method)
        assert want == -np.inf
        assert ek.differential_entropy(x, window_length=1, method=method) == -np.inf
        assert reference.differential_entropy(x, window_length=1, method=method) == -np.inf


def test_results_do_not_depend_on_the_thread_count(restore_threads):
    rows = RNG.standard_normal((3000, 50))
    long = RNG.standard_normal(400_000)
    seen = []
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        seen.append((ek.differential_entropy(rows), ek.differential_entropy(long)))
    for rows_result, long_result in seen[1:]:
        assert np.array_equal(rows_result, seen[0][0])
        assert long_result == seen[0][1]


# Consistency at n = 1e6 (default window 1000, method "vasicek"). The estimator's error there is
# its bias, about -(2m/n) ln 2 = -1.4e-3 from the padded ends plus -(ln(2m) - psi(2m)) ~ -2.5e-4,
# and a sampling deviation sqrt(Var ln f(X) / n) <= 1e-3 (0.71e-3 for the normal, 0.58e-3 for
# the uniform, 1e-3 for the exponential): 5e-3 is over three times their sum.
CONSISTENCY_ATOL = 5e-3


def test_normal_closed_form_at_one_million():
    x = np.random.default_rng(1).normal(3.0, 2.0, 1_000_000)
    truth = 0.5 * math.log(2 * math.pi * math.e * 4.0)
    assert abs(ek.differential_entropy(x) - truth) < CONSISTENCY_ATOL


def test_uniform_closed_form_at_one_million():
    x = np.random.default_rng(2).uniform(-1.0, 3.0, 1_000_000)
    assert abs(ek.differential_entropy(x, base=2) - 2.0) < CONSISTENCY_ATOL / math.log(2)


def test_exponential_closed_form_at_one_million():
    x = np.random.default_rng(3).exponential(0.5, 1_000_000)
    assert abs(ek.differential_entropy(x) - (1 - math.log(2))) < CONSISTENCY_ATOL


@pytest.mark.parametrize("module", [ek, reference], ids=["fast", "twin"])
@pytest.mark.parametrize("window", [0, -1, 10, 11, 2**70])
def test_a_window_outside_one_to_half_the_sample_is_refused(module, window):
    with pytest.raises(ValueError, match=r"must be positive and less than half the sample size"):
        module.differential_entropy(np.arange(20.0), window_length=window)


@pytest.mark.parametrize("module", [ek, reference], ids=["fast", "twin"])
def test_a_sample_too_short_for_the_default_window_is_refused(module):
    with pytest.raises(ValueError, match=r"Window length \(2\) .* sample size \(4\)"):
        module.differential_entropy([1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("module", [ek, reference], ids=["fast", "twin"])
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window_length": 2.5}, TypeError, "window_length must be an integer"),
        ({"window_length": True}, TypeError, "window_length must be an integer"),
        ({"method": "ekki"}, ValueError, "`method` must be one of"),
        ({"method": None}, ValueError, "`method` must be one of"),
        ({"base": 1.0}, ValueError, "base must be a finite positive number"),
        ({"base": -2}, ValueError, "base must be a finite positive number"),
        ({"axis": 2}, np.exceptions.AxisError, "axis 2 is out of bounds"),
    ],
)
def test_bad_arguments(module, kwargs, error, match):
    with pytest.raises(error, match=match):
        module.differential_entropy(np.ones((2, 20)), **kwargs)


@pytest.mark.parametrize("module", [ek, reference], ids=["fast", "twin"])
@pytest.mark.parametrize(
    ("value", "kind", "match"), [(np.nan, "nan", "is NaN"), (-np.inf, "infinite", "-inf")]
)
def test_nan_and_inf_raise_at_their_position(module, value, kind, match):
    x = RNG.standard_normal((20, 3))
    x[7, 1] = value
    x[9, 2] = value
    before = x.copy()
    with pytest.raises(InvalidDistributionError, match=rf"x\[7, 1\].*{match}") as info:
        module.differential_entropy(x, axis=0)
    assert info.value.kind == kind and info.value.index == (7, 1)
    np.testing.assert_array_equal(x, before)


def test_scipy_compat_matches_scipy_beyond_entropykit():
    x = RNG.standard_normal((40, 3))
    x[5, 1] = np.nan
    for policy in ("propagate", "omit"):
        want = stats.differential_entropy(x, nan_policy=policy)
        got = scipy_compat.differential_entropy(x, nan_policy=policy)
        np.testing.assert_allclose(got, want, rtol=1e-13)
    with pytest.raises(ValueError, match="The input contains nan values"):
        scipy_compat.differential_entropy(x, nan_policy="raise")
    x[5, 1] = np.inf
    with np.errstate(invalid="ignore"):
        want = stats.differential_entropy(x)
    assert_same_result(scipy_compat.differential_entropy(x), want, rtol=1e-13)
    got = scipy_compat.differential_entropy(x, keepdims=True, method="correa")
    with np.errstate(invalid="ignore"):
        want = stats.differential_entropy(x, keepdims=True, method="correa")
    assert got.shape == want.shape == (1, 3)
    x32 = RNG.standard_normal(30).astype(np.float32)
    got, want = scipy_compat.differential_entropy(x32), stats.differential_entropy(x32)
    assert type(got) is type(want) is np.float32
    assert abs(got - want) < 1e-5


def test_scipy_compat_words_errors_as_scipy():
    with pytest.raises(ValueError, match=r"Window length \(5\) must be positive and less than"):
        scipy_compat.differential_entropy(np.ones(10), window_length=5)
    with pytest.raises(ValueError, match=r"`base` must be a positive number or `None`."):
        scipy_compat.differential_entropy(np.ones(10), base=-2)
    with pytest.raises(ValueError, match=r"`base` must be a positive number."):
        scipy_compat.entropy(np.ones(10), base=-2)
    with pytest.raises(ValueError, match=r"Array shapes are incompatible for broadcasting."):
        scipy_compat.entropy(np.ones((10, 1, 12)), np.ones((11, 2)))
    with pytest.raises(InvalidDistributionError, match=r"^entropy: qk\[1\]"):
        scipy_compat.entropy([0.5, 0.5], [0.5, -0.5])


def test_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's differential entropy example runs as written, near the truths it names."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- continuous-example -->\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md (Continuous data)", "exec"), {})
    lines = capsys.readouterr().out.split("\n")
    assert lines[0].startswith("(10000,)") and abs(float(lines[0].split()[-1]) - 1.42) < 0.1
    assert abs(float(lines[1]) - (1 + math.log(2))) < 0.01
