"""Jensen-Shannon, Renyi, Tsallis, perplexity, the joint-table measures and scipy_compat: the
Rust path against its NumPy twin (generated inputs and an edge-case matrix), against SciPy and
scikit-learn, and against closed forms."""

from __future__ import annotations

import doctest
import importlib
import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_against_reference import call, cases, check, with_bad_entries, with_nans

import entropykit as ek
from conftest import assert_same_result
from entropykit import reference

ORDERS = [0, 0.5, 1, 2, 3.5, 50, math.inf]
TABLE_MEASURES = [
    "joint_entropy",
    "mutual_information",
    "conditional_entropy",
    "variation_of_information",
    "normalized_mutual_information",
]


# --- generated inputs against the twin -------------------------------------------------------


@given(case=cases(binary=True))
@pytest.mark.parametrize("name", ["js_divergence", "js_distance"])
def test_js_matches_reference(name, case):
    if name == "js_distance":
        # A square root near 0 turns the divergence's ~1e-16 rounding into ~1e-8: compare squares.
        p, q, kwargs = case
        got, got_error = call(ek, name, p, q, kwargs)
        want, want_error = call(reference, name, p, q, kwargs)
        if got_error or want_error:
            assert str(got_error) == str(want_error)
            return
        got, want = got**2, want**2
        tol = 1e-6 if np.float32 in (p.dtype, q.dtype) or p.dtype == np.float16 else 1e-12
        np.testing.assert_allclose(
            got, want, rtol=tol, atol=tol * max(1.0, float(np.sum(p, dtype=np.float64)))
        )
        return
    check(name, *case)


@given(case=cases(binary=False), order=st.sampled_from(ORDERS))
@pytest.mark.parametrize("name", ["renyi_entropy", "tsallis_entropy"])
def test_power_family_matches_reference(name, case, order):
    p, _, kwargs = case
    key = "alpha" if name == "renyi_entropy" else "q_index"
    check(name, p, None, {**kwargs, key: order})


@given(case=cases(binary=False))
def test_perplexity_matches_reference(case):
    p, _, kwargs = case
    # exp of the entropy: relative tolerances carry over, absolute ones scale with the value.
    check("perplexity", p, None, kwargs)


@pytest.mark.parametrize("name", ["js_divergence", "renyi_entropy"])
@given(case=with_nans(binary=True))
def test_nan_policies_match_reference(name, case):
    p, q, kwargs = case
    if name == "renyi_entropy":
        check(name, p, None, {**kwargs, "alpha": 2.5})
    else:
        check(name, p, q, kwargs)


@pytest.mark.parametrize("name", ["js_divergence", "tsallis_entropy"])
@given(case=with_bad_entries())
def test_errors_match_reference(name, case):
    p, q, kwargs = case
    if name == "tsallis_entropy":
        check(name, p, None, {**kwargs, "q_index": 0.5})
    else:
        check(name, p, q, kwargs)


@st.composite
def tables(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.uint8]))
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=7))
    if np.issubdtype(dtype, np.integer):
        elements = st.integers(0, 200)
    else:
        elements = st.floats(0, 1e3, allow_nan=False, width=np.finfo(dtype).bits) | st.just(0.0)
    pxy = draw(hnp.arrays(dtype, shape, elements=elements))
    if draw(st.booleans()):
        pxy = pxy[..., ::-1]
    ndim = len(shape)
    x, y = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=2, max_size=2))
    if x % ndim == y % ndim:
        y = (x + 1) % ndim
    kwargs = {"axis": (x, y), "keepdims": draw(st.booleans())}
    kwargs["base"] = draw(st.sampled_from([None, 2, 10.0]))
    return pxy, kwargs


def check_table(name, pxy, kwargs):
    before = np.array(pxy, copy=True)
    outcomes = []
    for module in (ek, reference):
        try:
            outcomes.append((getattr(module, name)(pxy, **kwargs), None))
        except (ValueError, TypeError) as error:
            outcomes.append((None, error))
    (got, got_error), (want, want_error) = outcomes
    if got_error or want_error:
        assert type(got_error) is type(want_error), (got_error, want_error)
        assert str(got_error) == str(want_error)
        return
    # MI is a difference of entropies (and NMI a ratio of it): ~1e-15 of rounding in each
    # entropy becomes ~1e-10 relative on a small MI.
    tol = 1e-6 if pxy.dtype == np.float32 else 1e-9
    if name == "normalized_mutual_information":
        joint = reference.joint_entropy(pxy, axis=kwargs.get("axis", (-2, -1)))
        if np.any(joint < 1e-9):
            # A ratio of entropies known to ~1e-16 absolute: noise when they are ~1e-30 (a table
            # whose mass is all in one cell but for a few subnormal-sized ones). Only the range.
            assert np.all((0 <= got) & (got <= 1)) or np.all(np.isnan(got))
            return
        # Otherwise the ratio's error is that absolute error over the (small) entropies.
        tol = max(tol, 1e-13 / float(np.nanmin(joint, initial=np.inf)))
    assert_same_result(got, want, rtol=tol, atol=tol)
    np.testing.assert_array_equal(pxy, before)


@pytest.mark.parametrize("name", TABLE_MEASURES)
@given(case=tables())
def test_table_measures_match_reference(name, case):
    check_table(name, *case)


@given(case=tables(), given_axis=st.sampled_from(["x", "y"]))
def test_conditional_entropy_both_ways(case, given_axis):
    pxy, kwargs = case
    check_table("conditional_entropy", pxy, {**kwargs, "given": given_axis})


@given(
    method=st.sampled_from(["arithmetic", "geometric", "min", "max"]),
    pxy=hnp.arrays(
        np.int64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.integers(0, 9)
    ),
)
def test_nmi_methods(method, pxy):
    check_table("normalized_mutual_information", pxy, {"method": method})


@given(
    ps=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 9)),
        elements=st.floats(0, 100, allow_nan=False) | st.just(0.0),
    ),
    use_weights=st.booleans(),
    base=st.sampled_from([None, 2]),
)
def test_js_many_matches_reference(ps, use_weights, base):
    weights = np.arange(1, ps.shape[0] + 1, dtype=float) if use_weights else None
    outcomes = []
    for module in (ek, reference):
        try:
            outcomes.append((module.js_divergence_many(ps, weights, base=base), None))
        except ValueError as error:
            outcomes.append((None, error))
    (got, got_error), (want, want_error) = outcomes
    if got_error or want_error:
        assert str(got_error) == str(want_error)
        return
    assert_same_result(got, want, rtol=1e-10, atol=1e-12)


# --- closed forms and peers ---------------------------------------------------------------------


def test_js_against_scipy():
    spatial = pytest.importorskip("scipy.spatial.distance")
    rng = np.random.default_rng(1)
    p = rng.random((20, 300))
    q = rng.random((20, 300))
    p[p < 0.2] = 0
    for base in (None, 2.0):
        want = spatial.jensenshannon(p, q, axis=1, base=base)
        np.testing.assert_allclose(ek.js_distance(p, q, base=base), want, rtol=1e-12)
        np.testing.assert_allclose(ek.js_divergence(p, q, base=base), want**2, rtol=1e-12)


def test_js_closed_forms_and_symmetry():
    assert ek.js_divergence([1, 0], [0, 1]) == math.log(2)
    assert ek.js_distance([1, 0, 0], [0, 0, 3], base=2) == 1.0
    assert ek.js_distance([0.2, 0.8], [2, 8]) == 0.0
    rng = np.random.default_rng(2)
    p, q = rng.random(1000), rng.random(1000)
    assert abs(ek.js_divergence(p, q) - ek.js_divergence(q, p)) < 1e-15
    # JS(p, q) = H(m) - (H(p) + H(q)) / 2.
    pn, qn = p / p.sum(), q / q.sum()
    want = ek.entropy((pn + qn) / 2) - (ek.entropy(pn) + ek.entropy(qn)) / 2
    assert abs(ek.js_divergence(p, q) - want) < 1e-14
    # Two weighted distributions: js_divergence_many is the weighted JS.
    assert abs(ek.js_divergence_many(np.stack([p, q])) - ek.js_divergence(p, q)) < 1e-14


def test_renyi_and_tsallis_closed_forms():
    uniform = np.ones(64)
    for order in ORDERS:
        assert ek.renyi_entropy(uniform, order) == pytest.approx(math.log(64), rel=1e-13)
    p = np.array([0.5, 0.25, 0.125, 0.125])
    assert ek.renyi_entropy(p, 0, base=2) == pytest.approx(2.0)
    assert ek.renyi_entropy(p, 1, base=2) == pytest.approx(1.75)
    assert ek.renyi_entropy(p, 2) == pytest.approx(-math.log(np.sum(p**2)))
    assert ek.renyi_entropy(p, math.inf, base=2) == pytest.approx(1.0)
    assert ek.tsallis_entropy(p, 2) == pytest.approx(1 - np.sum(p**2))
    assert ek.tsallis_entropy(p, 0) == 3.0
    assert ek.tsallis_entropy(p, math.inf) == 0.0
    # Renyi is non-increasing in the order.
    values = [ek.renyi_entropy(p, a) for a in ORDERS]
    assert all(a >= b - 1e-15 for a, b in itertools.pairwise(values))
    # Near order 1 both approach Shannon.
    h = ek.entropy(p)
    assert ek.renyi_entropy(p, 1 + 1e-7) == pytest.approx(h, rel=1e-6)
    assert ek.tsallis_entropy(p, 1 - 1e-7) == pytest.approx(h, rel=1e-6)


def test_perplexity_is_base_free():
    p = [0.1, 0.2, 0.3, 0.4]
    assert ek.perplexity(p) == pytest.approx(math.exp(ek.entropy(p)), rel=1e-15)
    assert ek.perplexity(p, base=2) == ek.perplexity(p)
    assert ek.perplexity(np.ones((3, 5))).tolist() == pytest.approx([5.0] * 3)


def test_table_measures_closed_forms():
    independent = np.outer([0.2, 0.8], [0.1, 0.3, 0.6])
    assert ek.mutual_information(independent) == pytest.approx(0, abs=1e-15)
    assert ek.joint_entropy(independent) == pytest.approx(
        ek.entropy([0.2, 0.8]) + ek.entropy([0.1, 0.3, 0.6]), rel=1e-14
    )
    diagonal = np.diag([1, 2, 3, 4])
    h = ek.entropy([1, 2, 3, 4])
    assert ek.mutual_information(diagonal) == pytest.approx(h, rel=1e-14)
    assert ek.variation_of_information(diagonal) == 0.0
    assert ek.conditional_entropy(diagonal) == 0.0
    for method in ("arithmetic", "geometric", "min", "max"):
        assert ek.normalized_mutual_information(diagonal, method=method) == pytest.approx(1.0)
    # H(X|Y) + H(Y) = H(X, Y); VI = H(X|Y) + H(Y|X).
    rng = np.random.default_rng(3)
    pxy = rng.integers(0, 20, (7, 5))
    hx_y = ek.conditional_entropy(pxy, given="y")
    hy_x = ek.conditional_entropy(pxy, given="x")
    hy = ek.entropy(pxy.sum(axis=0))
    assert hx_y + hy == pytest.approx(ek.joint_entropy(pxy), rel=1e-14)
    assert ek.variation_of_information(pxy) == pytest.approx(hx_y + hy_x, rel=1e-13)
    # The table's axes may be anywhere; a batch of tables gives one value each.
    batch = rng.random((4, 3, 6))
    moved = np.moveaxis(batch, (1, 2), (2, 0))  # shape (6, 4, 3): X axis 2, Y axis 0
    np.testing.assert_allclose(
        ek.mutual_information(moved, axis=(2, 0)), ek.mutual_information(batch), rtol=1e-13
    )
    assert ek.mutual_information(batch, keepdims=True).shape == (4, 1, 1)


def test_table_measures_against_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 5000)
    y = (x + rng.integers(0, 3, 5000)) % 7
    table = np.zeros((6, 7), dtype=np.int64)
    np.add.at(table, (x, y), 1)
    assert ek.mutual_information(table) == pytest.approx(metrics.mutual_info_score(x, y), rel=1e-12)
    for method in ("arithmetic", "geometric", "min", "max"):
        want = metrics.normalized_mutual_info_score(x, y, average_method=method)
        got = ek.normalized_mutual_information(table, method=method)
        assert got == pytest.approx(want, rel=1e-12)


def test_scipy_compat_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(5)
    pk = rng.random((30, 4))
    qk = rng.random((30, 4))
    pk[0, 0] = 0
    for kwargs in ({}, {"axis": 1}, {"axis": None}, {"base": 2}, {"keepdims": True}):
        np.testing.assert_allclose(
            ek.scipy_compat.entropy(pk, **kwargs), stats.entropy(pk, **kwargs), rtol=1e-13
        )
        np.testing.assert_allclose(
            ek.scipy_compat.entropy(pk, qk, **kwargs), stats.entropy(pk, qk, **kwargs), rtol=1e-12
        )
    # Positional base, broadcasting qk, integer and boolean counts, NaN policies.
    assert ek.scipy_compat.entropy([1, 2, 3], [1, 1, 1], 2) == pytest.approx(
        stats.entropy([1, 2, 3], [1, 1, 1], 2)
    )
    np.testing.assert_allclose(
        ek.scipy_compat.entropy(pk, qk[:, :1]), stats.entropy(pk, qk[:, :1]), rtol=1e-12
    )
    flags = np.array([True, False, True, True])
    assert ek.scipy_compat.entropy(flags) == pytest.approx(stats.entropy(flags))
    with_nan = np.array([1.0, np.nan, 2.0, 3.0])
    for policy in ("propagate", "omit"):
        got = ek.scipy_compat.entropy(with_nan, nan_policy=policy)
        want = stats.entropy(with_nan, nan_policy=policy)
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_scipy_compat_raises_where_scipy_is_silently_wrong():
    with pytest.raises(ek.InvalidDistributionError, match=r"^entropy: pk\[1\] = -1.0 is negative"):
        ek.scipy_compat.entropy([1.0, -1.0, 2.0])
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass"):
        ek.scipy_compat.entropy([0.0, 0.0])


# --- the edge-case matrix -------------------------------------------------------------------------


def test_edge_cases():
    # Errors name the argument and the entry in the caller's coordinates.
    with pytest.raises(ek.InvalidDistributionError, match=r"pxy\[1, 0\] = -2.0 is negative") as e:
        ek.mutual_information([[1, 2], [-2, 1]])
    assert (e.value.arg, e.value.index) == ("pxy", (1, 0))
    with pytest.raises(ek.InvalidDistributionError, match=r"the table at index \(1,\)"):
        ek.joint_entropy(np.array([[[1, 1]], [[0, 0]]]))
    with pytest.raises(ek.InvalidDistributionError, match=r"ps\[1, 2\] = inf"):
        ek.js_divergence_many([[1, 1, 1], [1, 1, np.inf]])
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass"):
        ek.js_divergence_many([[1, 1], [0, 0]])
    with pytest.raises(ValueError, match=r"weights\[1\] = -1.0"):
        ek.js_divergence_many([[1, 1], [1, 2]], [1, -1])
    with pytest.raises(ValueError, match=r"expected \(2,\)"):
        ek.js_divergence_many([[1, 1], [1, 2]], [1, 1, 1])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ek.mutual_information([1, 2, 3])
    with pytest.raises(ValueError, match="must differ"):
        ek.mutual_information(np.ones((2, 2)), axis=(0, -2))
    with pytest.raises(ValueError, match="given must be"):
        ek.conditional_entropy(np.ones((2, 2)), given="z")
    with pytest.raises(ValueError, match="method must be"):
        ek.normalized_mutual_information(np.ones((2, 2)), method="mean")
    with pytest.raises(ValueError, match=r"alpha must be >= 0"):
        ek.renyi_entropy([1, 2], -1)
    with pytest.raises(ValueError, match=r"q_index must be >= 0"):
        ek.tsallis_entropy([1, 2], float("nan"))
    with pytest.raises(TypeError, match="alpha must be a real number"):
        ek.renyi_entropy([1, 2], "2")
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass"):
        ek.renyi_entropy([0, 0], 2, normalize=False)
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass"):
        ek.js_divergence([], [])
    # NaN: propagates, is dropped, or raises.
    table = np.array([[1.0, np.nan], [2.0, 3.0]])
    assert np.isnan(ek.mutual_information(table))
    assert ek.joint_entropy(table, nan_policy="omit") == pytest.approx(ek.entropy([1, 2, 3]))
    with pytest.raises(ek.InvalidDistributionError, match=r"pxy\[0, 1\] is NaN"):
        ek.mutual_information(table, nan_policy="raise")
    assert np.isnan(ek.js_divergence_many([[1, np.nan], [1, 1]]))
    # Huge counts (masses beyond float64) and tiny ones give the scale-free answer.
    pxy = np.array([[1.0, 2.0], [3.0, 0.5]])
    for factor in (1e307, 1e-310):
        for name in TABLE_MEASURES:
            got = getattr(ek, name)(pxy * factor)
            want = getattr(ek, name)(pxy)
            assert got == pytest.approx(want, rel=1e-6), (name, factor)
        assert ek.js_divergence(pxy[0] * factor, pxy[1]) == pytest.approx(
            ek.js_divergence(pxy[0], pxy[1]), rel=1e-6
        )
    # float32 and integer inputs, and strided views.
    rng = np.random.default_rng(6)
    p = rng.random((5, 40))
    q = rng.random((5, 40))
    got = ek.js_divergence(p.astype(np.float32), q.astype(np.float32))
    want = ek.js_divergence(p.astype(np.float32).astype(np.float64), q.astype(np.float32))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    counts = rng.integers(0, 50, (6, 5))
    np.testing.assert_allclose(
        ek.mutual_information(counts), ek.mutual_information(counts.astype(float)), rtol=1e-14
    )
    wide = np.repeat(p, 2, axis=1)[:, ::2]
    np.testing.assert_allclose(ek.renyi_entropy(wide, 3), ek.renyi_entropy(p, 3), rtol=1e-15)
    # Results are float64 scalars for single distributions.
    assert type(ek.js_divergence([1, 2], [2, 1])) is np.float64
    assert type(ek.mutual_information([[1, 2], [2, 1]])) is np.float64


def test_results_do_not_depend_on_thread_count(restore_threads):
    rng = np.random.default_rng(7)
    p = rng.random(300_001)
    q = rng.random(300_001)
    table = rng.random((300, 1001))
    seen = None
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        got = (
            ek.js_divergence(p, q),
            ek.renyi_entropy(p, 2.5),
            ek.tsallis_entropy(p, 0.5),
            ek.mutual_information(table),
        )
        if seen is None:
            seen = got
        assert got == seen


@pytest.mark.parametrize(
    "module_name",
    ["entropykit._family", "entropykit.reference.family", "entropykit.scipy_compat"],
)
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0
    assert failures == 0


def test_tall_tables_give_the_same_bits_for_counts_and_floats_on_any_thread_count(
    restore_threads,
):
    # One read of the table gives row and column sums together; a tall table is split across
    # threads by groups of rows, and integer counts are widened per block: neither may move a bit.
    rng = np.random.default_rng(11)
    counts = rng.integers(0, 50, size=(5_000, 37))
    strided = np.asfortranarray(counts.astype(np.float32))
    functions = (
        ek.joint_entropy,
        ek.mutual_information,
        ek.conditional_entropy,
        ek.variation_of_information,
        ek.normalized_mutual_information,
    )
    seen = None
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        for table in (counts, counts.astype(float), counts.astype(np.uint16), strided):
            got = [f(table) for f in functions] + [f(table.T, axis=(1, 0)) for f in functions]
            if seen is None:
                seen = got
            assert got == seen
    np.testing.assert_allclose(
        seen[: len(functions)],
        [getattr(reference, f.__name__)(counts) for f in functions],
        rtol=1e-12,
    )
