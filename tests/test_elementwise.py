"""The elementwise functions against their NumPy twins (hypothesis), against SciPy in ulps on
random sweeps and on an exhaustive grid of special values, and on errors, dtypes, broadcasting,
strided input, scalars, SIMD levels and thread counts."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import entropykit as ek
from entropykit import _core, reference

SCIPY_FUNCS = ["entr", "rel_entr", "kl_div", "xlogy"]
BINARY = {"rel_entr", "kl_div", "xlogy"}
PROB_FUNCS = ["binary_entropy", "surprisal"]
ALL_FUNCS = SCIPY_FUNCS + PROB_FUNCS
INF = float("inf")
NAN = float("nan")
TINY = float(np.finfo(np.float64).tiny)


def call(name: str, module, *args, **kwargs):
    return getattr(module, name)(*args, **kwargs)


def args_for(name: str, x, y):
    return (x, y) if name in BINARY else (x,)


def ulps(a, b) -> np.ndarray:
    """Distance in float64 ulps (0 for equal values or two NaNs, 2**62 when only one is
    finite)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)

    def key(v: np.ndarray) -> np.ndarray:
        bits = v.view(np.int64)
        return np.where(bits < 0, np.int64(-(2**63)) - bits, bits)

    with np.errstate(over="ignore"):
        d = np.abs(key(a) - key(b)).astype(np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    finite = np.isfinite(a) & np.isfinite(b)
    return np.where(same, 0.0, np.where(finite, d, 2.0**62))


def ulps32(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)

    def key(v: np.ndarray) -> np.ndarray:
        bits = v.view(np.int32).astype(np.int64)
        return np.where(bits < 0, -(2**31) - bits, bits)

    same = (a == b) | (np.isnan(a) & np.isnan(b))
    return np.where(same, 0, np.abs(key(a) - key(b)))


def kl_scale(x, y) -> np.ndarray:
    """The size of kl_div's terms |x ln(x/y)| + |x| + |y|: its rounding error is relative to
    this, not to the (possibly cancelled) result."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        s = np.abs(x * np.log(x / y)) + np.abs(x) + np.abs(y)
    return np.where(np.isfinite(s), s, 0.0)


def assert_matches(name, got, want, x, y=None, rel: float = 1e-14) -> None:
    """Same type, dtype and shape; identical special values; finite values close (kl_div
    relative to its terms' size)."""
    assert type(got) is type(want), (type(got), type(want))
    got_a = np.asarray(got)
    want_a = np.asarray(want)
    assert got_a.dtype == want_a.dtype, (got_a.dtype, want_a.dtype)
    assert got_a.shape == want_a.shape
    g = got_a.astype(np.float64)
    w = want_a.astype(np.float64)
    # An ulp of difference may carry a result at the edge of the range over it.
    big = float(np.finfo(got_a.dtype).max) * (1 - 4 * float(np.finfo(got_a.dtype).eps))
    with np.errstate(invalid="ignore"):
        edge = (np.abs(g) >= big) & (np.abs(w) >= big) & (np.sign(g) == np.sign(w))
    special = (~np.isfinite(g) | ~np.isfinite(w)) & ~edge
    np.testing.assert_array_equal(g[special], w[special])
    special |= edge
    if name == "kl_div":
        scale = np.broadcast_to(kl_scale(x, y), g.shape)
    else:
        scale = np.abs(w)
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~special & (np.abs(g - w) > rel * scale)
    assert not bad.any(), (g[bad][:5], w[bad][:5])


# ---------------------------------------------------------------- hypothesis vs the NumPy twins

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 2.0, -1.0, INF, -INF, NAN, TINY, 5e-324]),
    st.floats(0.0, 1.0),
)


@st.composite
def operand_pairs(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=6))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.float16]))
    arrays = []
    for shape in shapes.input_shapes:
        a = draw(hnp.arrays(np.float64, shape, elements=VALUES))
        if np.dtype(dtype).kind == "i":
            a = np.nan_to_num(a, nan=0.0, posinf=5.0, neginf=-5.0).clip(-100, 100).astype(dtype)
        else:
            with np.errstate(over="ignore"):
                a = a.astype(dtype)
        arrays.append(a)
    return arrays


@given(pair=operand_pairs(), name=st.sampled_from(SCIPY_FUNCS), base=st.sampled_from([None, 2]))
def test_scipy_functions_match_reference(pair, name, base):
    x, y = pair
    args = args_for(name, x, y)
    got = call(name, ek, *args, base=base)
    want = call(name, reference, *args, base=base)
    rel = 4e-7 if np.asarray(want).dtype == np.float32 else 1e-14
    assert_matches(name, got, want, x, y if name in BINARY else None, rel=rel)


@given(
    p=hnp.arrays(
        st.sampled_from([np.float64, np.float32]),
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
        elements=st.one_of(st.floats(0.0, 1.0, width=32), st.just(NAN)),
    ),
    name=st.sampled_from(PROB_FUNCS),
    base=st.sampled_from([None, 2, 10.0]),
)
def test_probability_functions_match_reference(p, name, base):
    got = call(name, ek, p, base=base)
    want = call(name, reference, p, base=base)
    rel = 4e-7 if np.asarray(want).dtype == np.float32 else 1e-14
    assert_matches(name, got, want, p, rel=rel)


@given(
    p=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=VALUES),
    name=st.sampled_from(PROB_FUNCS),
)
def test_probability_errors_match_reference(p, name):
    try:
        want = call(name, reference, p)
    except ek.InvalidDistributionError as exc:
        with pytest.raises(ek.InvalidDistributionError) as got:
            call(name, ek, p)
        assert str(got.value) == str(exc)
        assert (got.value.kind, got.value.arg, got.value.index) == (exc.kind, exc.arg, exc.index)
    else:
        assert_matches(name, call(name, ek, p), want, p)


# ----------------------------------------------------------------------------- against SciPy


def sweep_pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random bit patterns of every exponent (subnormals included), ratios near 1 (rel_entr's
    log1p branch and its edges at 1/2 and 2), and ratios that underflow or overflow."""
    bits = rng.integers(1, 0x7FF0_0000_0000_0000, size=(2, n), dtype=np.int64).view(np.float64)
    y = 10.0 ** rng.uniform(-20, 20, n)
    near = y * (1 + 10.0 ** rng.uniform(-12, 0, n) * rng.choice([-0.5, 1.0], n))
    edges = y * rng.uniform(0.25, 4.0, n)
    tiny = rng.integers(1, 0x0040_0000_0000_0000, n, dtype=np.int64).view(np.float64)
    huge = (0x7FE0_0000_0000_0000 - rng.integers(0, 2**56, n, dtype=np.int64)).view(np.float64)
    xs = np.concatenate([bits[0], near, edges, tiny, huge, rng.random(n) * 3])
    ys = np.concatenate([bits[1], y, y, huge, tiny, rng.random(n) * 3])
    return xs, ys


@pytest.mark.parametrize("name", SCIPY_FUNCS)
def test_scipy_functions_within_a_few_ulp_of_scipy(name):
    rng = np.random.default_rng(2026)
    x, y = sweep_pairs(rng, 100_000)
    args = args_for(name, x, y)
    got = call(name, ek, *args)
    want = call(name, sc, *args)
    special = ~np.isfinite(got) | ~np.isfinite(want)
    np.testing.assert_array_equal(got[special], want[special])
    if name == "kl_div":
        # x ln(x/y) - x + y cancels near x = y: compare relative to the terms' size there, and
        # in ulps where there is no cancellation.
        scale = kl_scale(x, y)
        err = np.abs(got[~special] - want[~special]) / scale[~special]
        assert err.max() <= 4 * np.finfo(np.float64).eps, err.max()
        clean = ~special & (np.abs(want) > 0.5 * scale)
        assert ulps(got[clean], want[clean]).max() <= 4
    else:
        worst = ulps(got, want).max()
        limit = {"entr": 2, "xlogy": 2, "rel_entr": 3}[name]
        assert worst <= limit, worst


@pytest.mark.parametrize("name", SCIPY_FUNCS)
def test_float32_agrees_with_scipy(name):
    rng = np.random.default_rng(7)
    x = rng.random(50_000).astype(np.float32) * 3
    y = rng.random(50_000).astype(np.float32) * 3
    x[:100] = 0
    args = args_for(name, x, y)
    got = call(name, ek, *args)
    want = call(name, sc, *args)
    assert got.dtype == want.dtype == np.float32
    # SciPy computes entr, rel_entr and kl_div in float64 and rounds, as entropykit does;
    # its float32 xlogy is computed in float32 and is off by up to 2 ulp.
    assert ulps32(got, want).max() <= (2 if name == "xlogy" else 1)
    wide = call(name, sc, *(a.astype(np.float64) for a in args)).astype(np.float32)
    assert ulps32(got, wide).max() <= 1


def edge_values() -> np.ndarray:
    values = [0.0, -0.0, 1.0, 0.5, 2.0, -1.0, INF, -INF, NAN, 5e-324, TINY, 1.7976931348623157e308]
    return np.array([*values, 1e-300, 1e300, 0.7, 1.3, 0.5 + 2**-53, 2.0 - 2**-52])


@pytest.mark.parametrize("name", SCIPY_FUNCS)
def test_special_values_match_scipy_exactly(name):
    v = edge_values()
    x, y = (a.ravel() for a in np.meshgrid(v, v))
    args = args_for(name, x, y)
    got = call(name, ek, *args)
    want = call(name, sc, *args)
    special = ~np.isfinite(got) | ~np.isfinite(want) | (want == 0)
    np.testing.assert_array_equal(got[special], want[special])
    if name == "kl_div":
        err = np.abs(got[~special] - want[~special])
        assert (err <= 4 * np.finfo(np.float64).eps * kl_scale(x, y)[~special]).all()
    else:
        assert ulps(got, want).max() <= 3


def test_probability_functions_against_closed_forms():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.random(100_000), [0.0, 1.0, 0.5, TINY, 5e-324, 1 - 2**-53]])
    h = ek.binary_entropy(p)
    want = sc.entr(p) + sc.entr(1 - p)
    np.testing.assert_allclose(h, want, rtol=1e-13, atol=1e-300)
    # Small p: h(p) = p (1 - ln p) + O(p^2); ln(1 - p) taken as ln1p(-p) keeps it exact.
    small = np.array([1e-20, 1e-200, 5e-324])
    np.testing.assert_allclose(ek.binary_entropy(small), small * (1 - np.log(small)), rtol=1e-15)
    with np.errstate(divide="ignore"):
        assert ulps(ek.surprisal(p), -np.log(p)).max() <= 1
    assert ek.binary_entropy(0.5, base=2) == 1.0
    assert ek.surprisal(0.0) == INF
    assert np.isnan(ek.binary_entropy(NAN)) and np.isnan(ek.surprisal(NAN))


# ------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("name", PROB_FUNCS)
@pytest.mark.parametrize(
    ("bad", "kind", "words"),
    [
        (-0.25, "negative", "is negative"),
        (1.5, "out_of_range", "is greater than 1"),
        (INF, "infinite", "is not finite"),
        (-INF, "infinite", "is not finite"),
    ],
)
def test_bad_probabilities_name_the_first_position(name, bad, kind, words):
    p = np.full((3, 4, 5), 0.5)
    p[1, 2, 3] = bad
    p[2, 0, 0] = 7.0
    p[0, 1, 1] = NAN  # NaN is not an error
    for module in (ek, reference):
        with pytest.raises(ek.InvalidDistributionError) as info:
            call(name, module, p)
        err = info.value
        assert isinstance(err, ValueError)
        assert (err.kind, err.arg, err.index) == (kind, "p", (1, 2, 3))
        assert f"{name}: p[1, 2, 3] = {bad!r} {words}" in str(err)
    # The index is in the caller's array, and "first" is in its C order, also for a transposed
    # (non-contiguous) view: there p[2, 0, 0] = 7 at t[0, 2, 0] comes first.
    t = p.transpose(2, 0, 1)
    for module in (ek, reference):
        with pytest.raises(ek.InvalidDistributionError) as info:
            call(name, module, t)
        assert info.value.index == (0, 2, 0) and info.value.kind == "out_of_range"
        assert t[info.value.index] == 7.0


def test_first_bad_position_whatever_the_threads(restore_threads):
    p = np.random.default_rng(0).random(1_000_003)
    p[800_000] = -1.0
    p[400_001] = 2.0
    p[999_999] = INF
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        with pytest.raises(ek.InvalidDistributionError) as info:
            ek.surprisal(p)
        assert info.value.index == (400_001,) and info.value.kind == "out_of_range"


def test_argument_errors():
    with pytest.raises(ValueError, match="shapes do not broadcast"):
        ek.rel_entr(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="shapes do not broadcast"):
        reference.rel_entr(np.ones(3), np.ones(4))
    for base in (0, 1, -2.0, INF, NAN, True, "2"):
        for module in (ek, reference):
            with pytest.raises(ValueError, match="base"):
                module.entr([0.5], base=base)
    for bad in (np.array([1 + 1j]), np.array(["a"]), np.array([object()])):
        for module in (ek, reference):
            with pytest.raises(TypeError, match="dtype"):
                module.entr(bad)
            with pytest.raises(TypeError, match="dtype"):
                module.xlogy(1.0, bad)


# ------------------------------------------------------------ dtypes, shapes, strides, scalars


@pytest.mark.parametrize("name", ALL_FUNCS)
def test_result_dtypes(name):
    f32 = np.array([0.25, 0.5], dtype=np.float32)
    f16 = f32.astype(np.float16)
    f64 = f32.astype(np.float64)
    ints = np.array([0, 1])
    bools = np.array([False, True])
    cases = [
        ((f32, f32), np.float32),
        ((f16, f32), np.float32),
        ((f16, f16), np.float32),
        ((f32, f64), np.float64),
        ((ints, ints), np.float64),
        ((bools, bools), np.float64),
        ((f32, 0.5), np.float32),  # a Python number adapts, as in NumPy 2
        ((0.5, f32), np.float32),
    ]
    for args, dtype in cases:
        if name not in BINARY:
            if len({np.asarray(a).dtype for a in args}) > 1 or isinstance(args[0], float):
                continue
            args = args[:1]
        got = call(name, ek, *args)
        want = call(name, reference, *args)
        assert got.dtype == want.dtype == dtype, (name, args, got.dtype)
        assert_matches(name, got, want, *args, rel=4e-7)


@pytest.mark.parametrize("name", ALL_FUNCS)
def test_scalars_give_numpy_scalars(name):
    args = args_for(name, 0.25, 0.5)
    got = call(name, ek, *args)
    assert type(got) is np.float64
    assert got == call(name, reference, *args)
    got32 = call(name, ek, *args_for(name, np.float32(0.25), np.float32(0.5)))
    assert type(got32) is np.float32
    got0d = call(name, ek, *args_for(name, np.array(0.25), np.array(0.5)))
    assert type(got0d) is np.float64
    one = call(name, ek, *args_for(name, np.array([0.25]), 0.5))
    assert isinstance(one, np.ndarray) and one.shape == (1,)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_broadcasting(name):
    rng = np.random.default_rng(5)
    x = rng.random((4, 1, 3))
    y = rng.random((5, 1)) + 0.1
    got = call(name, ek, x, y)
    assert got.shape == (4, 5, 3)
    want = call(name, sc, x, y)
    if name == "kl_div":
        assert (np.abs(got - want) <= 4 * np.finfo(float).eps * kl_scale(x, y)).all()
    else:
        assert ulps(got, want).max() <= 3
    for a, b in ((x, 0.3), (0.3, x), (x, np.float64(0.3)), (x[:, :, :1], y[:1])):
        assert_matches(name, call(name, ek, a, b), call(name, reference, a, b), a, b)
    empty = call(name, ek, np.ones((0, 3)), np.ones(3))
    assert empty.shape == (0, 3) and empty.dtype == np.float64


@pytest.mark.parametrize("name", ALL_FUNCS)
def test_strided_inputs_and_inputs_untouched(name):
    rng = np.random.default_rng(9)
    base_x = rng.random((40, 30))
    base_y = rng.random((40, 30)) + 0.05
    views = [
        (base_x[::3, ::2], base_y[::3, ::2]),
        (base_x.T, base_y.T),
        (base_x[::-1], base_y[::-1]),
        (base_x[:, 5], base_y[:, 5]),
        (np.asfortranarray(base_x), base_y),
    ]
    keep = (base_x.copy(), base_y.copy())
    for x, y in views:
        args = args_for(name, x, y)
        got = call(name, ek, *args)
        want = call(name, ek, *(np.ascontiguousarray(a) for a in args))
        np.testing.assert_array_equal(got, want)
        assert_matches(name, got, call(name, reference, *args), *args)
    np.testing.assert_array_equal(base_x, keep[0])
    np.testing.assert_array_equal(base_y, keep[1])


@pytest.mark.parametrize("name", ALL_FUNCS)
def test_base_divides_by_its_log(name):
    x = np.array([0.1, 0.5, 0.9])
    y = np.array([0.3, 0.3, 0.6])
    args = args_for(name, x, y)
    nats = call(name, ek, *args)
    for base in (2, 10.0, np.float32(2.0), 0.5):
        np.testing.assert_allclose(call(name, ek, *args, base=base), nats / np.log(float(base)))


# ----------------------------------------------------------------------- levels and threads


@pytest.mark.parametrize("name", ALL_FUNCS)
def test_every_simd_level_agrees(name):
    rng = np.random.default_rng(11)
    x, y = sweep_pairs(rng, 3000)
    if name in PROB_FUNCS:
        x = rng.random(x.size)
    args = args_for(name, x, y)
    before = ek.simd_level()
    try:
        results = {}
        for level in ek.available_simd_levels():
            _core.set_simd_level(level)
            results[level] = call(name, ek, *args)
    finally:
        _core.set_simd_level(before)
    first = results[before]
    for got in results.values():
        if name == "kl_div":
            special = ~np.isfinite(got)
            np.testing.assert_array_equal(got[special], first[special])
            err = np.abs(got[~special] - first[~special])
            assert (err <= 8 * np.finfo(np.float64).eps * kl_scale(x, y)[~special]).all()
        else:
            assert ulps(got, first).max() <= 4


def test_threads_give_identical_bits(restore_threads):
    rng = np.random.default_rng(13)
    x = rng.random(300_001) * 2
    y = rng.random(300_001) * 2
    p = rng.random(300_001)
    seen = None
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        got = [call(n, ek, *args_for(n, p if n in PROB_FUNCS else x, y)) for n in ALL_FUNCS]
        got += [ek.rel_entr(x.astype(np.float32), y.astype(np.float32))]
        if seen is not None:
            for a, b in zip(seen, got, strict=True):
                np.testing.assert_array_equal(a, b)
        seen = got


@pytest.mark.parametrize(
    "module_name", ["entropykit._elementwise", "entropykit.reference.elementwise"]
)
def test_docstring_examples_run(module_name):
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0
    assert failures == 0
