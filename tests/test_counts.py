"""Count estimators, Boltzmann entropy and the Gaussian measures: the Rust path against its NumPy
twin (hypothesis), against SciPy and closed forms, hand-checked values, the edge-case matrix, and
thread-count independence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import entropykit as ek
from conftest import assert_same_result
from entropykit import reference

ESTIMATORS = ["plugin", "miller_madow", "james_stein", "chao_shen"]
COUNT_DTYPES = [np.int64, np.int32, np.int16, np.uint8, np.uint64, np.float64, np.float32]
R_EXAMPLE = np.array([4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1])
HALF_LN_2PI_E = 0.5 * math.log(2 * math.pi * math.e)


def counts_fn(name: str):
    """(fast, twin) pair for an estimator name or "boltzmann"."""
    if name == "boltzmann":
        return ek.boltzmann_entropy, reference.boltzmann_entropy
    return (
        lambda c, **kw: ek.entropy_from_counts(c, name, **kw),
        lambda c, **kw: reference.entropy_from_counts(c, name, **kw),
    )


def same_outcome(fast, twin, *args, rtol=1e-12, atol=None, **kwargs) -> None:
    """Both give the same values, or both raise the same exception with the same message."""
    try:
        want = twin(*args, **kwargs)
    except (ValueError, TypeError) as error:
        with pytest.raises(type(error)) as got:
            fast(*args, **kwargs)
        assert str(got.value) == str(error)
        assert getattr(got.value, "index", None) == getattr(error, "index", None)
        return
    assert_same_result(fast(*args, **kwargs), want, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------------
# Hand-checked values and independent scalar implementations


def scalar_estimate(name: str, counts: list[int]) -> float:
    """Straight from the definitions (R package ``entropy``), one cell at a time."""
    n = sum(counts)
    k = len(counts)
    u = [c / n for c in counts]
    plugin = -sum(x * math.log(x) for x in u if x > 0)
    if name == "plugin":
        return plugin
    if name == "miller_madow":
        return plugin + (sum(c > 0 for c in counts) - 1) / (2 * n)
    if name == "james_stein":
        t = 1 / k
        if n == 1:
            lam = 1.0
        else:
            var_u = sum(x * (1 - x) for x in u) / (n - 1)
            msp = sum((x - t) ** 2 for x in u)
            lam = 1.0 if msp == 0 else min(1.0, max(0.0, var_u / msp))
        theta = [lam * t + (1 - lam) * x for x in u]
        return -sum(x * math.log(x) for x in theta if x > 0)
    f1 = sum(c == 1 for c in counts)
    if f1 == n:
        f1 = n - 1
    cov = 1 - f1 / n
    total = 0.0
    for x in u:
        if x > 0:
            pa = cov * x
            total -= pa * math.log(pa) / (1 - (1 - pa) ** n)
    return total


def test_r_package_example():
    # entropy(y, method="ML") and method="MM" in the R package's documentation example.
    assert round(float(ek.entropy_from_counts(R_EXAMPLE)), 6) == 1.968382
    assert round(float(ek.entropy_from_counts(R_EXAMPLE, "miller_madow")), 6) == 2.152593


def test_hand_computed_james_stein_and_chao_shen():
    # James-Stein: N = 19, K = 11, sum n^2 = 55: lambda = (306/361) / (18 (55/361 - 1/11)).
    lam = (306 / 361) / (18 * (55 / 361 - 1 / 11))
    assert 0 < lam < 1
    theta = lam / 11 + (1 - lam) * R_EXAMPLE / 19
    want = -float((theta * np.log(theta)).sum())
    assert ek.entropy_from_counts(R_EXAMPLE, "james_stein") == pytest.approx(want, rel=1e-14)
    # Chao-Shen: f1 = 2, C = 17/19.
    pa = 17 / 19 * R_EXAMPLE[R_EXAMPLE > 0] / 19
    want = -float((pa * np.log(pa) / (1 - (1 - pa) ** 19)).sum())
    assert ek.entropy_from_counts(R_EXAMPLE, "chao_shen") == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize("name", ESTIMATORS)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=40).filter(lambda c: sum(c) > 0))
def test_estimators_match_a_scalar_implementation(name, counts):
    want = scalar_estimate(name, counts)
    got = float(ek.entropy_from_counts(np.array(counts), name))
    assert got == pytest.approx(max(want, 0.0), rel=1e-12, abs=1e-14)


def test_special_samples():
    # One cell, or all mass in one cell: every estimator says 0.
    for name in ESTIMATORS:
        assert ek.entropy_from_counts([5], name) == 0.0
        assert ek.entropy_from_counts([0, 9, 0], name) == 0.0
    # One observation: James-Stein shrinks fully (lambda = 1): ln K.
    assert ek.entropy_from_counts([0, 1, 0, 0], "james_stein") == pytest.approx(math.log(4))
    # Uniform counts: no shrinkage target to move to; James-Stein = plug-in = ln K.
    assert ek.entropy_from_counts([3, 3, 3], "james_stein") == pytest.approx(math.log(3))
    # All singletons: Chao-Shen uses f1 = N - 1.
    got = ek.entropy_from_counts([1, 1, 1, 1, 0], "chao_shen")
    assert got == pytest.approx(scalar_estimate("chao_shen", [1, 1, 1, 1, 0]), rel=1e-14)
    # Miller-Madow: (m - 1) / 2N on top of the plug-in.
    assert ek.entropy_from_counts([1, 1], "miller_madow") == pytest.approx(math.log(2) + 0.25)


# ---------------------------------------------------------------------------------------------
# Boltzmann entropy and ln(n!)


def test_boltzmann_small_exact():
    assert ek.boltzmann_entropy([2, 1, 1]) == pytest.approx(math.log(12), rel=1e-15)
    assert ek.boltzmann_entropy([10, 0, 0]) == 0.0
    assert ek.boltzmann_entropy([0, 0]) == 0.0  # W = 1 for an empty sample
    assert ek.boltzmann_entropy([1, 1], base=2) == pytest.approx(1.0, rel=1e-15)
    w = math.factorial(30) // (math.factorial(10) * math.factorial(20))
    assert ek.boltzmann_entropy([10, 20]) == pytest.approx(math.log(w), rel=1e-15)


@pytest.mark.parametrize(
    "a",
    [0, 1, 7, 255, 256, 257, 1000, 99_999, 10**6, 2**31, 2**40, 2**52, 2**53, 10**15, 10**20],
)
@pytest.mark.parametrize("b", [1, 3, 300, 10**7])
def test_boltzmann_against_math_lgamma(a, b):
    # ln W = lgamma(N+1) - lgamma(a+1) - lgamma(b+1): the error bound is a few ulp of the largest
    # term, as the terms cancel.
    n = float(a) + float(b)
    terms = [math.lgamma(n + 1), math.lgamma(a + 1.0), math.lgamma(b + 1.0)]
    want = terms[0] - terms[1] - terms[2]
    got = float(ek.boltzmann_entropy(np.array([a, b], dtype=np.float64)))
    assert abs(got - want) <= 8 * np.spacing(terms[0]) + 1e-300


def test_boltzmann_against_scipy_gammaln():
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 1000, size=(20, 500))
    counts[3] = rng.integers(0, 3, size=500)
    counts[4] = 10**12 + rng.integers(0, 10**9, size=500)
    want = special.gammaln(counts.sum(axis=1) + 1.0) - special.gammaln(counts + 1.0).sum(axis=1)
    np.testing.assert_allclose(ek.boltzmann_entropy(counts), want, rtol=1e-12)


def test_boltzmann_stirling_limit():
    p = np.array([0.5, 0.25, 0.25])
    h = float(ek.entropy(p))
    gaps = [abs(float(ek.boltzmann_entropy(n * p)) / n - h) for n in (100, 10**4, 10**6, 10**9)]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-7


def test_boltzmann_too_large():
    with pytest.raises(ValueError, match="ln N! overflows") as got:
        ek.boltzmann_entropy([1e307, 1e307])
    with pytest.raises(ValueError) as want:
        reference.boltzmann_entropy([1e307, 1e307])
    assert str(got.value) == str(want.value)


# ---------------------------------------------------------------------------------------------
# Against the twin


@st.composite
def count_arrays(draw):
    dtype = draw(st.sampled_from(COUNT_DTYPES))
    top = draw(st.sampled_from([2, 30, 10**5]))
    if np.issubdtype(dtype, np.integer):
        top = min(top, int(np.iinfo(dtype).max))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7))
    arr = draw(hnp.arrays(dtype, shape, elements=st.integers(0, top)))
    return arr


@st.composite
def axes(draw, ndim: int):
    choice = draw(st.sampled_from(["last", "int", "tuple", "none"]))
    if choice == "last":
        return -1
    if choice == "none":
        return None
    if choice == "int":
        return draw(st.integers(-ndim, ndim - 1))
    picked = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(picked)


@pytest.mark.parametrize("name", [*ESTIMATORS, "boltzmann"])
@given(data=st.data())
def test_counts_match_the_twin(name, data):
    arr = data.draw(count_arrays())
    axis = data.draw(axes(arr.ndim))
    keepdims = data.draw(st.booleans())
    base = data.draw(st.sampled_from([None, 2, 10]))
    fast, twin = counts_fn(name)
    same_outcome(fast, twin, arr, axis=axis, keepdims=keepdims, base=base, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", [*ESTIMATORS, "boltzmann"])
def test_long_and_batched_counts_match_the_twin(name):
    rng = np.random.default_rng(7)
    fast, twin = counts_fn(name)
    long = rng.poisson(3.0, size=300_001).astype(np.int64)
    same_outcome(fast, twin, long, rtol=1e-11)
    batch = rng.poisson(0.7, size=(40, 3001)).astype(np.float64)
    batch[:, 0] += 1
    same_outcome(fast, twin, batch, rtol=1e-11)
    same_outcome(fast, twin, batch.T, axis=0, keepdims=True, rtol=1e-11)  # strided
    same_outcome(fast, twin, batch[::3, ::2], rtol=1e-11)


# ---------------------------------------------------------------------------------------------
# Edge cases of counts


@pytest.mark.parametrize("name", [*ESTIMATORS, "boltzmann"])
@pytest.mark.parametrize(
    ("bad", "kind"),
    [(np.nan, "nan"), (np.inf, "infinite"), (-2.0, "negative"), (1.5, "not_whole")],
)
def test_bad_counts_are_named(name, bad, kind):
    fast, twin = counts_fn(name)
    counts = np.ones((3, 4))
    counts[1, 2] = bad
    counts[2, 0] = -1.0
    with pytest.raises(ek.InvalidDistributionError) as got:
        fast(counts)
    assert got.value.kind == kind
    assert got.value.arg == "counts"
    assert got.value.index == (1, 2)
    assert "counts[1, 2]" in str(got.value)
    same_outcome(fast, twin, counts)
    # The same entry, seen through axis=0.
    with pytest.raises(ek.InvalidDistributionError) as got:
        fast(counts.T, axis=0)
    assert got.value.index == (2, 1)
    same_outcome(fast, twin, counts.T, axis=0)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_all_zero_counts_raise_zero_mass(name):
    with pytest.raises(ek.InvalidDistributionError) as got:
        ek.entropy_from_counts(np.array([[1, 2], [0, 0]]), name)
    assert got.value.kind == "zero_mass"
    assert got.value.index == (1,)
    fast, twin = counts_fn(name)
    same_outcome(fast, twin, np.array([[1, 2], [0, 0]]))
    same_outcome(fast, twin, np.zeros((2, 0)))


def test_count_dtypes_agree():
    base = np.array([[0, 3, 1, 7, 1], [2, 2, 0, 0, 9]])
    want = {n: counts_fn(n)[0](base.astype(np.float64)) for n in [*ESTIMATORS, "boltzmann"]}
    for dtype in [*COUNT_DTYPES, np.int8, np.uint16, np.uint32, np.float16]:
        for name, value in want.items():
            got = counts_fn(name)[0](base.astype(dtype))
            np.testing.assert_array_equal(got, value, err_msg=f"{name} {dtype}")


def test_huge_integer_counts():
    counts = np.array([2**60, 2**62, 3], dtype=np.uint64)
    for name in [*ESTIMATORS, "boltzmann"]:
        fast, twin = counts_fn(name)
        same_outcome(fast, twin, counts, rtol=1e-10)
    assert ek.entropy_from_counts(np.array([2**63 - 1, 2**63 - 1], np.int64)) == pytest.approx(
        math.log(2)
    )


def test_count_arguments():
    with pytest.raises(TypeError, match="counts has dtype bool"):
        ek.entropy_from_counts(np.array([True, False]))
    with pytest.raises(ValueError, match="estimator must be one of"):
        ek.entropy_from_counts([1, 2], "nsb")
    with pytest.raises(ValueError, match="base"):
        ek.boltzmann_entropy([1, 2], base=1)
    assert ek.entropy_from_counts([1, 1], base=2) == 1.0
    out = ek.entropy_from_counts(np.ones((2, 3, 4)), axis=(0, 2), keepdims=True)
    assert out.shape == (1, 3, 1)
    assert isinstance(ek.entropy_from_counts(np.ones((2, 3)), axis=None), np.float64)
    counts = np.ones(7)
    ek.entropy_from_counts(counts, "chao_shen")
    assert (counts == 1).all()  # inputs are never modified


def test_plugin_equals_entropy():
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 50, size=(30, 1000))
    np.testing.assert_allclose(ek.entropy_from_counts(counts), ek.entropy(counts), rtol=1e-13)
    stats = pytest.importorskip("scipy.stats")
    np.testing.assert_allclose(
        ek.entropy_from_counts(counts, base=2), stats.entropy(counts, base=2, axis=-1), rtol=1e-12
    )


def test_threads_do_not_change_bits(restore_threads):
    rng = np.random.default_rng(11)
    long = rng.poisson(2.0, size=2_000_003)
    batch = rng.poisson(1.0, size=(500, 1001))
    cov = rng.normal(size=(3000, 6, 6))
    cov = cov @ cov.transpose(0, 2, 1) + 0.1 * np.eye(6)
    mu = rng.normal(size=(3000, 6))
    sigma = rng.uniform(0.1, 3, size=200_001)
    results = []
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        values = [counts_fn(n)[0](x) for n in [*ESTIMATORS, "boltzmann"] for x in (long, batch)]
        values.append(ek.gaussian_kl(mu, cov, mu[::-1], cov[::-1]))
        values.append(ek.gaussian_entropy(sigma))
        values.append(ek.gaussian_kl(0.0, sigma, 1.0, sigma[::-1]))
        results.append([np.asarray(v).tobytes() for v in values])
    assert results[0] == results[1] == results[2]


# ---------------------------------------------------------------------------------------------
# Gaussians


def random_spd(rng, batch: tuple[int, ...], d: int) -> np.ndarray:
    a = rng.normal(size=(*batch, d, d))
    return a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(d)


def test_gaussian_entropy_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(5)
    sigma = rng.uniform(0.01, 100, size=50)
    np.testing.assert_allclose(ek.gaussian_entropy(sigma), stats.norm(scale=sigma).entropy())
    covs = random_spd(rng, (4,), 5)
    want = [stats.multivariate_normal(cov=c).entropy() for c in covs]
    np.testing.assert_allclose(ek.gaussian_entropy(covs), want, rtol=1e-12)
    var = rng.uniform(0.1, 10, size=(3, 4))
    want = [stats.multivariate_normal(cov=np.diag(v)).entropy() for v in var]
    np.testing.assert_allclose(ek.gaussian_entropy(var, kind="diag"), want, rtol=1e-12)
    assert ek.gaussian_entropy(2.0, base=2) == pytest.approx(
        stats.norm(scale=2.0).entropy() / math.log(2)
    )


def test_gaussian_kl_closed_forms():
    # Univariate: ln(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2.
    mu1, s1, mu2, s2 = 0.3, 1.7, -1.1, 0.6
    want = math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5
    assert ek.gaussian_kl(mu1, s1, mu2, s2) == pytest.approx(want, rel=1e-14)
    # 2-D by hand: KL(N(0, I) || N((1, 0), [[2, 1], [1, 2]])) = ln(3) / 2 (see tests/counts.rs).
    got = ek.gaussian_kl([0, 0], np.eye(2), [1, 0], [[2.0, 1.0], [1.0, 2.0]])
    assert got == pytest.approx(0.5 * math.log(3), rel=1e-14)
    # 2-D by hand the other way: S1 = [[2, 1], [1, 2]], S2 = I, mu2 - mu1 = (1, 1):
    # (tr S1 + 2 - 2 + 0 - ln 3) / 2 = (4 - ln 3) / 2.
    got = ek.gaussian_kl([0, 0], [[2.0, 1.0], [1.0, 2.0]], [1, 1], np.eye(2))
    assert got == pytest.approx(0.5 * (4 - math.log(3)), rel=1e-14)
    # Diagonal = full with diagonal covariances = sum of univariate KLs.
    rng = np.random.default_rng(2)
    v1, v2 = rng.uniform(0.1, 3, size=(2, 5, 3))
    m1, m2 = rng.normal(size=(2, 5, 3))
    diag = ek.gaussian_kl(m1, v1, m2, v2, kind="diag")
    full = ek.gaussian_kl(m1, v1[..., None] * np.eye(3), m2, v2[..., None] * np.eye(3))
    uni = ek.gaussian_kl(m1, np.sqrt(v1), m2, np.sqrt(v2), kind="sigma").sum(axis=-1)
    np.testing.assert_allclose(diag, full, rtol=1e-12)
    np.testing.assert_allclose(diag, uni, rtol=1e-12)
    # A Gaussian against itself.
    covs = random_spd(rng, (6,), 4)
    mus = rng.normal(size=(6, 4))
    np.testing.assert_allclose(ek.gaussian_kl(mus, covs, mus, covs), 0.0, atol=1e-12)


def test_gaussian_kl_full_against_numpy_formula():
    rng = np.random.default_rng(9)
    s1, s2 = random_spd(rng, (7,), 5), random_spd(rng, (7,), 5)
    m1, m2 = rng.normal(size=(2, 7, 5))
    inv = np.linalg.inv(s2)
    dm = m2 - m1
    want = 0.5 * (
        np.trace(inv @ s1, axis1=-2, axis2=-1)
        + np.einsum("bi,bij,bj->b", dm, inv, dm)
        - 5
        + np.linalg.slogdet(s2)[1]
        - np.linalg.slogdet(s1)[1]
    )
    np.testing.assert_allclose(ek.gaussian_kl(m1, s1, m2, s2), want, rtol=1e-10)


@given(data=st.data())
def test_gaussians_match_the_twin(data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    batch = tuple(data.draw(st.lists(st.integers(1, 4), max_size=2)))
    d = data.draw(st.integers(1, 6))
    base = data.draw(st.sampled_from([None, 2.0]))
    sigma = rng.uniform(0.05, 5, size=batch or ())
    same_outcome(ek.gaussian_entropy, reference.gaussian_entropy, sigma, base=base)
    var = rng.uniform(0.05, 5, size=(*batch, d))
    same_outcome(ek.gaussian_entropy, reference.gaussian_entropy, var, kind="diag", base=base)
    cov = random_spd(rng, batch, d)
    same_outcome(ek.gaussian_entropy, reference.gaussian_entropy, cov, base=base, rtol=1e-10)
    mu1, mu2 = rng.normal(size=(2, *batch, d))
    # s2 broadcast from one matrix against a batch of s1.
    s2 = random_spd(rng, (), d)
    args = (mu1, cov, mu2, s2)
    same_outcome(ek.gaussian_kl, reference.gaussian_kl, *args, base=base, rtol=1e-9, atol=1e-12)
    args = (mu1, var, mu2[..., :1], var[..., ::-1])
    kw = {"kind": "diag", "base": base}
    same_outcome(ek.gaussian_kl, reference.gaussian_kl, *args, **kw, rtol=1e-11, atol=1e-13)
    if len(batch) <= 1:
        args = (mu1[..., 0], sigma, 0.5, sigma[::-1] if batch else sigma)
        same_outcome(ek.gaussian_kl, reference.gaussian_kl, *args, base=base, atol=1e-13)


def test_auto_kind_rule():
    assert ek.gaussian_entropy(1.0) == pytest.approx(HALF_LN_2PI_E)
    np.testing.assert_allclose(
        ek.gaussian_entropy([1.0, math.e]), [HALF_LN_2PI_E, 1 + HALF_LN_2PI_E]
    )
    assert ek.gaussian_entropy(np.eye(3)) == pytest.approx(3 * HALF_LN_2PI_E)  # square: full
    assert ek.gaussian_entropy(np.ones((4, 1, 1))).shape == (4,)  # 1x1 covariances
    for fn in (ek.gaussian_entropy, reference.gaussian_entropy):
        with pytest.raises(ValueError, match="kind='auto' cannot tell"):
            fn(np.ones((2, 3)))
        with pytest.raises(ValueError, match="kind must be one of"):
            fn(1.0, kind="cov")
    # An explicit kind reads a (2, 2) array as sigmas.
    np.testing.assert_allclose(ek.gaussian_entropy(np.ones((2, 2)), kind="sigma"), HALF_LN_2PI_E)
    # KL: all 0-d/1-d is univariate, square s1 and s2 is full, anything else must be named.
    assert ek.gaussian_kl([0, 1], [1, 1], 0, 1).shape == (2,)
    assert ek.gaussian_kl(np.zeros(3), np.eye(3), np.zeros(3), np.eye(3)) == 0.0
    for fn in (ek.gaussian_kl, reference.gaussian_kl):
        with pytest.raises(ValueError, match="kind='auto' cannot tell"):
            fn(np.zeros((2, 3)), np.ones((2, 3)), 0.0, 1.0)


def test_gaussian_errors():
    covs = np.stack([np.eye(2), [[1.0, 1.0], [1.0, 1.0]], np.eye(2)])
    covs = np.stack([covs, covs])  # batch (2, 3)
    for fn in (ek.gaussian_entropy, reference.gaussian_entropy):
        with pytest.raises(ek.InvalidDistributionError) as got:
            fn(covs)
        assert got.value.kind == "not_positive_definite"
        assert got.value.index == (0, 1)
        assert "cov[0, 1] is not positive definite (Cholesky failed at pivot 1)" in str(got.value)
    same_outcome(ek.gaussian_entropy, reference.gaussian_entropy, covs)
    sigma = np.array([[1.0, 2.0], [0.0, 3.0]])
    for s, kind in ((sigma, "sigma"), (-sigma, "sigma"), (sigma, "diag")):
        with pytest.raises(ek.InvalidDistributionError) as got:
            ek.gaussian_entropy(s, kind=kind)
        assert got.value.kind == "bad_parameter"
        same_outcome(ek.gaussian_entropy, reference.gaussian_entropy, s, kind=kind)
    nan_cov = np.eye(3)
    nan_cov[2, 1] = np.nan
    same_outcome(ek.gaussian_entropy, reference.gaussian_entropy, nan_cov)
    # KL: the first bad argument in the order mu1, s1, mu2, s2, indexed in the broadcast shape.
    s2 = np.array([1.0, -1.0, 1.0])
    with pytest.raises(ek.InvalidDistributionError) as got:
        ek.gaussian_kl(0.0, 1.0, [[0.0], [1.0]], s2, kind="sigma")
    assert (got.value.arg, got.value.index) == ("s2", (0, 1))
    same_outcome(ek.gaussian_kl, reference.gaussian_kl, 0.0, 1.0, [[0.0], [1.0]], s2, kind="sigma")
    for args in [
        (np.inf, 1.0, 0.0, 1.0),
        (0.0, -1.0, 0.0, -1.0),
        (np.zeros(2), np.eye(2), np.zeros(2), [[1.0, 2.0], [2.0, 1.0]]),
        (np.zeros(2), [[1.0, 2.0], [2.0, 1.0]], np.zeros(2), np.ones((2, 2))),
    ]:
        same_outcome(ek.gaussian_kl, reference.gaussian_kl, *args)
    with pytest.raises(ValueError, match="dimensions do not match"):
        ek.gaussian_kl(np.zeros(3), np.eye(2), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="do not broadcast"):
        ek.gaussian_kl(np.zeros(3), np.ones(3), np.zeros(2), np.ones(2))
    with pytest.raises(TypeError, match="dtype"):
        ek.gaussian_entropy(np.array([1 + 1j]))


def test_gaussian_shapes_and_empty():
    assert ek.gaussian_entropy(np.zeros((3, 0, 0))).tolist() == [0.0, 0.0, 0.0]
    assert ek.gaussian_entropy(np.ones((2, 0)), kind="diag").tolist() == [0.0, 0.0]
    assert ek.gaussian_entropy(np.ones(0)).shape == (0,)
    assert ek.gaussian_kl(
        np.zeros((2, 0)), np.zeros((2, 0, 0)), np.zeros(0), np.zeros((0, 0))
    ).shape == (2,)
    # Strided and integer inputs.
    sig = np.arange(1, 21, dtype=np.int32).reshape(4, 5)
    np.testing.assert_allclose(
        ek.gaussian_entropy(sig[:, ::2], kind="sigma"), np.log(sig[:, ::2]) + HALF_LN_2PI_E
    )
    cov = np.asfortranarray(random_spd(np.random.default_rng(0), (3,), 4))
    np.testing.assert_allclose(
        ek.gaussian_entropy(cov), reference.gaussian_entropy(np.ascontiguousarray(cov))
    )
    x = np.ones(5)
    ek.gaussian_kl(x, x, x, x)
    assert (x == 1).all()


@pytest.mark.parametrize("module_name", ["entropykit._counts", "entropykit.reference.counts"])
def test_docstring_examples_run(module_name):
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0
    assert failures == 0
