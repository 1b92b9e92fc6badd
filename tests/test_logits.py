"""The functions on logits against their NumPy twins (hypothesis), against PyTorch when it is
installed, on special values and large vocabularies, and across thread counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import entropykit as ek
from conftest import assert_same_result
from entropykit import reference

DTYPES = [np.float16, np.float32, np.float64]
ROW_FUNCS = ["logsumexp", "entropy_from_logits"]
INF = float("inf")


def tolerances(dtype, *arrays) -> tuple[float, float]:
    """(rtol, atol): float64 is computed in float64; the rest in float32 lanes, where absolute
    errors grow with the size of the logits."""
    scale = 1.0 + max(
        (float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in arrays), default=0.0
    )
    if np.dtype(dtype) == np.float64:
        return 1e-10, 1e-10 * scale
    return 2e-5, 2e-5 * scale


def as64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).astype(np.float64)


@st.composite
def logits_arrays(draw, max_rows=5, max_classes=40, dtypes=DTYPES):
    dtype = draw(st.sampled_from(dtypes))
    rows = draw(st.integers(0, max_rows))
    classes = draw(st.integers(1, max_classes))
    kind = draw(st.sampled_from(["normal", "huge", "masked", "mixed"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = {"normal": 3.0, "huge": 1e4, "masked": 10.0, "mixed": 1e4}[kind]
    x = rng.normal(size=(rows, classes)) * scale
    if kind in ("masked", "mixed"):
        x[rng.random(x.shape) < 0.3] = -INF
    if kind == "mixed":
        x[rng.random(x.shape) < 0.1] = 1e4
        x[rng.random(x.shape) < 0.1] = -1e4
    shape = draw(st.sampled_from(["2d", "1d", "3d"]))
    if shape == "1d" and rows:
        x = x[0]
    elif shape == "3d" and rows:
        x = x.reshape(rows, 1, classes)
    return x.astype(dtype)


@given(x=logits_arrays(), func=st.sampled_from(ROW_FUNCS))
def test_row_functions_match_reference(x, func):
    got = getattr(ek, func)(x)
    want = getattr(reference, func)(x)
    assert_same_result(got, want, *tolerances(x.dtype, as64(x)))


@given(x=logits_arrays(), keepdims=st.booleans())
def test_logsumexp_axis_and_keepdims(x, keepdims):
    axis = 0 if x.ndim > 1 and x.shape[0] else -1
    got = ek.logsumexp(x, axis=axis, keepdims=keepdims)
    want = reference.logsumexp(x, axis=axis, keepdims=keepdims)
    assert_same_result(got, want, *tolerances(x.dtype, as64(x)))


@given(x=logits_arrays())
def test_log_softmax_matches_reference(x):
    got = ek.log_softmax(x)
    want = reference.log_softmax(x)
    assert got.dtype == want.dtype == (np.float64 if x.dtype == np.float64 else np.float32)
    rtol, atol = tolerances(x.dtype, as64(x))
    np.testing.assert_allclose(as64(got), as64(want), rtol=rtol, atol=atol)


@given(x=logits_arrays(), seed=st.integers(0, 2**32 - 1))
def test_kl_divergence_matches_reference(x, seed):
    z = np.random.default_rng(seed).normal(size=x.shape).astype(x.dtype) * 4
    got = ek.kl_divergence_from_logits(x, z)
    want = reference.kl_divergence_from_logits(x, z)
    assert_same_result(got, want, *tolerances(x.dtype, as64(x), as64(z)))


@st.composite
def cross_entropy_cases(draw):
    x = draw(logits_arrays())
    classes = x.shape[-1]
    batch = x.shape[:-1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kw = {
        "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
        "label_smoothing": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
    }
    if draw(st.booleans()):
        kw["weight"] = rng.random(classes) * 2
    if draw(st.booleans()):
        target = rng.integers(0, classes, size=batch)
        if draw(st.booleans()):
            kw["ignore_index"] = -100
            target = np.where(rng.random(batch) < draw(st.sampled_from([0.3, 1.0])), -100, target)
    else:
        target = rng.random(x.shape) * (rng.random(x.shape) < 0.7)
        target = (target / np.maximum(target.sum(axis=-1, keepdims=True), 1e-9)).astype(x.dtype)
    return x, target, kw


@given(case=cross_entropy_cases())
def test_softmax_cross_entropy_matches_reference(case):
    x, target, kw = case
    got = ek.softmax_cross_entropy(x, target, **kw)
    want = reference.softmax_cross_entropy(x, target, **kw)
    rtol, atol = tolerances(x.dtype, as64(x))
    assert_same_result(got, want, rtol, atol * (1 + x.shape[0]))


@given(case=cross_entropy_cases())
def test_perplexity_matches_reference(case):
    x, target, kw = case
    if target.dtype.kind != "i":
        return
    ignore = kw.get("ignore_index")
    got = ek.perplexity_from_logits(x, target, ignore_index=ignore)
    want = reference.perplexity_from_logits(x, target, ignore_index=ignore)
    assert type(got) is type(want) is np.float64
    if np.isfinite(want) and want < 1e300:
        np.testing.assert_allclose(np.log(got), np.log(want), rtol=1e-4, atol=1e-4)
    else:
        assert (np.isnan(got) and np.isnan(want)) or got == want


def test_class_axis_other_than_last_and_strided_views():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 7, 5)).astype(np.float32)
    target = rng.integers(0, 7, size=(3, 5))
    for kw in ({}, {"label_smoothing": 0.2, "reduction": "none"}):
        assert_same_result(
            ek.softmax_cross_entropy(x, target, axis=1, **kw),
            reference.softmax_cross_entropy(x, target, axis=1, **kw),
            1e-5,
        )
    view = x[:, ::-1, ::2]
    for func in ROW_FUNCS:
        assert_same_result(
            getattr(ek, func)(view, axis=1), getattr(reference, func)(view, axis=1), 1e-5
        )
    np.testing.assert_allclose(
        ek.log_softmax(view, axis=1), reference.log_softmax(view, axis=1), atol=1e-5
    )


@pytest.fixture
def small_blocks():
    from entropykit import _core

    previous = _core.set_logits_block_entries(64)
    yield
    _core.set_logits_block_entries(previous)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_middle_class_axis_read_in_tiles_gives_the_rows_bits(dtype):
    """A class axis in the middle (PyTorch's (N, C, d) layout) is read a tile of side-by-side
    rows at a time; tiles end at blocks and at the end of each run of the last axis, and every
    row gets the bits of the same row laid out contiguously."""
    rng = np.random.default_rng(12)
    x = (rng.normal(size=(4, 9, 37)) * 3).astype(dtype)
    target = rng.integers(0, 9, size=(4, 37))
    moved = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    for kw in ({"reduction": "none"}, {"reduction": "none", "label_smoothing": 0.1}):
        np.testing.assert_array_equal(
            ek.softmax_cross_entropy(x, target, axis=1, **kw),
            ek.softmax_cross_entropy(moved, target, **kw),
        )
    np.testing.assert_array_equal(ek.entropy_from_logits(x, axis=1), ek.entropy_from_logits(moved))
    np.testing.assert_array_equal(
        np.moveaxis(ek.log_softmax(x, axis=1), 1, -1), ek.log_softmax(moved)
    )


@pytest.mark.usefixtures("small_blocks")
def test_blockwise_conversion_path():
    """float16 and strided logits are converted a block of rows at a time."""
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(37, 30)) * 4).astype(np.float16)
    target = rng.integers(0, 30, size=37)
    target[::4] = -100
    probs = rng.random((37, 30)).astype(np.float16)
    for got, want in [
        (ek.logsumexp(x), reference.logsumexp(x)),
        (ek.entropy_from_logits(x), reference.entropy_from_logits(x)),
        (ek.kl_divergence_from_logits(x, x[::-1]), reference.kl_divergence_from_logits(x, x[::-1])),
        (
            ek.softmax_cross_entropy(x, target, ignore_index=-100, reduction="none"),
            reference.softmax_cross_entropy(x, target, ignore_index=-100, reduction="none"),
        ),
        (ek.softmax_cross_entropy(x, probs), reference.softmax_cross_entropy(x, probs)),
    ]:
        assert_same_result(got, want, 1e-5)
    np.testing.assert_allclose(ek.log_softmax(x), reference.log_softmax(x), atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_vocabulary(dtype):
    rng = np.random.default_rng(3)
    classes = 50_000
    x = (rng.normal(size=(3, classes)) * 5).astype(dtype)
    x[1, ::7] = -INF
    x[2, :5] = 1e4
    target = np.array([5, 49_999, 2])
    probs = rng.random(x.shape).astype(dtype)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    for func in ROW_FUNCS:
        assert_same_result(getattr(ek, func)(x), getattr(reference, func)(x), tol, tol * 1e4)
    assert_same_result(
        ek.kl_divergence_from_logits(x, x[::-1]),
        reference.kl_divergence_from_logits(x, x[::-1]),
        tol,
        tol * 1e4,
    )
    for kw in ({}, {"label_smoothing": 0.1, "weight": rng.random(classes)}):
        assert_same_result(
            ek.softmax_cross_entropy(x, target, reduction="none", **kw),
            reference.softmax_cross_entropy(x, target, reduction="none", **kw),
            tol,
            tol * 1e4,
        )
        assert_same_result(
            ek.softmax_cross_entropy(x, probs, **kw),
            reference.softmax_cross_entropy(x, probs, **kw),
            tol,
            tol * 1e4,
        )


def test_special_rows():
    x = np.array(
        [
            [0.0, -INF, 0.0],  # a masked class
            [-INF, -INF, -INF],  # everything masked
            [1.0, INF, 0.0],  # +inf
            [1.0, np.nan, 0.0],  # NaN
            [INF, np.nan, 0.0],  # both
        ]
    )
    lse = ek.logsumexp(x)
    np.testing.assert_array_equal(lse, [np.log(2), -INF, INF, np.nan, np.nan])
    ent = ek.entropy_from_logits(x)
    np.testing.assert_allclose(ent, [np.log(2), np.nan, np.nan, np.nan, np.nan])
    lsm = ek.log_softmax(x)
    assert np.all(np.isnan(lsm[1:])) and lsm[0, 1] == -INF
    losses = ek.softmax_cross_entropy(x, [0, 0, 0, 0, 0], reduction="none")
    np.testing.assert_allclose(losses, [np.log(2), np.nan, np.nan, np.nan, np.nan])
    for func in ("logsumexp", "entropy_from_logits", "log_softmax"):
        np.testing.assert_array_equal(getattr(ek, func)(x), getattr(reference, func)(x))
    # A masked target class: infinite loss; smoothing over a masked class: infinite too.
    assert ek.softmax_cross_entropy(x[:1], [1]) == INF
    assert ek.softmax_cross_entropy(x[:1], [0], label_smoothing=0.1) == INF
    # KL is +inf where softmax(q) is 0 and softmax(p) is not.
    assert ek.kl_divergence_from_logits([0.0, 0.0], [0.0, -INF]) == INF
    assert ek.kl_divergence_from_logits([0.0, -INF], [0.0, 0.0]) == pytest.approx(np.log(2))


def test_all_ignored_mean_is_nan_and_sum_is_zero():
    x = np.zeros((4, 3), dtype=np.float32)
    target = np.full(4, -1)
    for mod in (ek, reference):
        mean = mod.softmax_cross_entropy(x, target, ignore_index=-1)
        assert type(mean) is np.float64 and np.isnan(mean)
        assert mod.softmax_cross_entropy(x, target, ignore_index=-1, reduction="sum") == 0.0
        assert np.isnan(mod.perplexity_from_logits(x, target, ignore_index=-1))
        empty = mod.softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))
        assert np.isnan(empty)


def test_weighted_mean_divides_by_target_weights():
    x = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0], [2.0, 1.0, 1.0]])
    y = np.array([0, 2, -100])
    w = np.array([2.0, 1.0, 0.5])
    lp = reference.log_softmax(x)
    want = (-2.0 * lp[0, 0] - 0.5 * lp[1, 2]) / 2.5
    got = ek.softmax_cross_entropy(x, y, weight=w, ignore_index=-100)
    assert got == pytest.approx(want, rel=1e-12)


def test_log_softmax_out():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 6)).astype(np.float32)
    want = reference.log_softmax(x)
    out = np.empty_like(x)
    assert ek.log_softmax(x, out=out) is out
    np.testing.assert_allclose(out, want, atol=1e-6)
    out_t = np.empty((6, 4), dtype=np.float32).T  # not C-contiguous
    assert ek.log_softmax(x, out=out_t) is out_t
    np.testing.assert_allclose(out_t, want, atol=1e-6)
    y = x.copy()
    ek.log_softmax(y, out=y)  # in place
    np.testing.assert_allclose(y, want, atol=1e-6)
    out0 = np.empty_like(x)
    ek.log_softmax(x, axis=0, out=out0)
    np.testing.assert_allclose(out0, reference.log_softmax(x, axis=0), atol=1e-6)


def _same_error(call):
    """Both twins raise the same exception type with the same message."""
    errors = []
    for mod in (ek, reference):
        with pytest.raises((ValueError, TypeError)) as info:
            call(mod)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]
    return errors[0][1]


def test_errors_are_the_same_in_both_twins():
    x = np.zeros((3, 4))
    msg = _same_error(lambda m: m.softmax_cross_entropy(x, [0, 4, 1]))
    assert "target[1] = 4 (row 1)" in msg
    msg = _same_error(lambda m: m.softmax_cross_entropy(x, [0, 1, -100]))
    assert "row 2" in msg
    _same_error(lambda m: m.softmax_cross_entropy(x, [0, 1]))
    _same_error(lambda m: m.softmax_cross_entropy(x, np.zeros((3, 3))))
    _same_error(lambda m: m.softmax_cross_entropy(x, [0, 1, 2], reduction="avg"))
    _same_error(lambda m: m.softmax_cross_entropy(x, [0, 1, 2], label_smoothing=1.5))
    _same_error(lambda m: m.softmax_cross_entropy(x, [0, 1, 2], weight=[1.0, 2.0]))
    _same_error(lambda m: m.softmax_cross_entropy(x, ["a", "b", "c"]))
    _same_error(lambda m: m.logsumexp(np.zeros(3, dtype=np.int64)))
    _same_error(lambda m: m.logsumexp(np.zeros((3, 0))))
    _same_error(lambda m: m.logsumexp(1.0))
    _same_error(lambda m: m.entropy_from_logits(x, axis=2))
    _same_error(lambda m: m.kl_divergence_from_logits(x, x[:2]))
    _same_error(lambda m: m.log_softmax(x, out=np.empty((3, 4), dtype=np.float32)))
    msg = _same_error(lambda m: m.binary_cross_entropy([0.5, 1.5], [1.0, 0.0]))
    assert "p[1] = 1.5" in msg
    _same_error(lambda m: m.binary_cross_entropy([0.5, np.nan], [1.0, 0.0]))
    _same_error(lambda m: m.binary_cross_entropy_with_logits([0.5], [1.0, 0.0]))
    _same_error(lambda m: m.binary_cross_entropy_with_logits([0.5], [1.0], pos_weight=[1.0, 2.0]))


@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from([(), (0,), (5,), (3, 4), (2, 3, 2), (2, 0, 3), (40, 3)]),
    dtype=st.sampled_from(DTYPES),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    weight=st.sampled_from(["none", "scalar", "column", "full"]),
)
def test_binary_cross_entropies_match_reference(seed, shape, dtype, reduction, weight):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 20).astype(dtype)
    y = rng.random(shape).astype(dtype)
    kw = {"reduction": reduction}
    if weight == "scalar":
        kw["weight"] = 1.5
    elif weight == "column" and shape:
        kw["weight"] = rng.random(shape[-1:])
    elif weight == "full":
        kw["weight"] = rng.random(shape)
    rtol, atol = tolerances(dtype, as64(x))
    atol *= 1 + x.size
    kw["pos_weight"] = rng.random(shape[-1:]) * 3
    got = ek.binary_cross_entropy_with_logits(x, y, **kw)
    want = reference.binary_cross_entropy_with_logits(x, y, **kw)
    assert_same_result(got, want, rtol, atol)
    del kw["pos_weight"]
    p = (1 / (1 + np.exp(-as64(x)))).astype(dtype)
    got = ek.binary_cross_entropy(p, y, **kw)
    want = reference.binary_cross_entropy(p, y, **kw)
    assert_same_result(got, want, rtol, rtol * (1 + x.size))


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    assert ek.binary_cross_entropy([0.0, 1.0], [1.0, 0.0], reduction="sum") == 200.0
    got = ek.binary_cross_entropy_with_logits([-1000.0, 1000.0], [1.0, 0.0], reduction="none")
    np.testing.assert_array_equal(got, [1000.0, 1000.0])


@pytest.mark.usefixtures("restore_threads")
def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(64, 3001)) * 6).astype(np.float32)
    x[:, ::11] = -INF
    target = rng.integers(0, 3001, size=64)
    target[::5] = -100
    probs = rng.random(x.shape).astype(np.float32)
    w = rng.random(3001)
    calls = {
        "logsumexp": lambda: ek.logsumexp(x),
        "entropy": lambda: ek.entropy_from_logits(x),
        "kl": lambda: ek.kl_divergence_from_logits(x, x[::-1]),
        "log_softmax": lambda: ek.log_softmax(x),
        "ce_index": lambda: ek.softmax_cross_entropy(
            x, target, ignore_index=-100, weight=w, label_smoothing=0.1
        ),
        "ce_prob": lambda: ek.softmax_cross_entropy(x, probs, label_smoothing=0.1),
        "bce_logits": lambda: ek.binary_cross_entropy_with_logits(x.clip(-50), probs, weight=w),
        "bce": lambda: ek.binary_cross_entropy(probs, probs, reduction="sum"),
    }
    for name, call in calls.items():
        results = []
        for threads in (1, 2, 3, 8):
            ek.set_num_threads(threads)
            results.append(np.asarray(call()).tobytes())
        assert len(set(results)) == 1, name


def _long_row_calls(x, z, target, probs, w):
    return {
        "logsumexp": lambda: ek.logsumexp(x),
        "entropy": lambda: ek.entropy_from_logits(x),
        "kl": lambda: ek.kl_divergence_from_logits(x, z),
        "ce": lambda: ek.softmax_cross_entropy(x, target, reduction="none"),
        "ce_ls": lambda: ek.softmax_cross_entropy(x, target, reduction="none", label_smoothing=0.1),
        "ce_weighted": lambda: ek.softmax_cross_entropy(
            x, target, reduction="none", label_smoothing=0.2, weight=w
        ),
        "ce_prob": lambda: ek.softmax_cross_entropy(x, probs, label_smoothing=0.1),
    }


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_rows_split_over_leaves(dtype):
    """Rows longer than a leaf (65536 classes) are trees of leaves merged in a fixed order: the
    same bits on any thread count, and the reference's values, with the maximum, masked
    classes, NaN and +inf in different leaves."""
    rng = np.random.default_rng(11)
    classes = 300_001
    x = (rng.normal(size=(4, classes)) * 4).astype(dtype)
    x[0, 200_000] = 90.0  # the maximum in a late leaf, far above the first leaves
    x[1, : 3 * 65536] = -INF  # whole leaves masked
    x[2, 70_000] = np.nan
    x[3, 140_000] = INF
    z = x[::-1].copy()
    z[1] = rng.normal(size=classes)
    target = np.array([200_000, classes - 1, 3, 5])
    probs = rng.random(x.shape).astype(dtype)
    w = rng.random(classes)
    rtol, atol = tolerances(dtype, x, z)
    for name, call in _long_row_calls(x, z, target, probs, w).items():
        results = []
        for threads in (1, 2, 3):
            ek.set_num_threads(threads)
            results.append(np.asarray(call()).tobytes())
        assert len(set(results)) == 1, name
    funcs = {
        "logsumexp": (ek.logsumexp, reference.logsumexp, (x,), {}),
        "entropy": (ek.entropy_from_logits, reference.entropy_from_logits, (x,), {}),
        "kl": (ek.kl_divergence_from_logits, reference.kl_divergence_from_logits, (x, z), {}),
    }
    for kw in ({}, {"label_smoothing": 0.1}, {"label_smoothing": 0.2, "weight": w}):
        funcs[f"ce {kw}"] = (
            ek.softmax_cross_entropy,
            reference.softmax_cross_entropy,
            (x, target),
            {"reduction": "none", **kw},
        )
    funcs["ce_prob"] = (
        ek.softmax_cross_entropy,
        reference.softmax_cross_entropy,
        (x, probs),
        {"label_smoothing": 0.1, "reduction": "none"},
    )
    for name, (fast, ref, args, kw) in funcs.items():
        assert_same_result(fast(*args, **kw), ref(*args, **kw), rtol, atol), name
    # One long row alone (the split plan) against the reference.
    one = x[:1, :150_000]
    assert_same_result(ek.logsumexp(one), reference.logsumexp(one), rtol, atol)


def test_cross_entropy_chunk_far_above_the_running_maximum():
    """The cross-entropies read a chunk once against the running maximum; a chunk that holds
    a logit far above it (or +inf) is redone with its own maximum first."""
    classes = 10_000
    for dtype in (np.float32, np.float64):
        x = np.zeros((4, classes), dtype=dtype)
        x[0, 5_000] = 40.0  # above the first chunk's maximum, within the fused range
        x[1, 5_000] = 500.0 if dtype == np.float64 else 85.0
        x[2, 9_999] = 300.0 if dtype == np.float64 else 88.0
        x[3, 4_100] = INF
        target = np.array([5_000, 0, 9_999, 0])
        rtol, atol = tolerances(dtype, x)
        for kw in (
            {},
            {"label_smoothing": 0.1},
            {"label_smoothing": 0.1, "weight": np.ones(classes)},
        ):
            got = ek.softmax_cross_entropy(x, target, reduction="none", **kw)
            want = reference.softmax_cross_entropy(x, target, reduction="none", **kw)
            assert_same_result(got, want, rtol, atol)
            assert np.isnan(got[3])
        assert_same_result(ek.logsumexp(x), reference.logsumexp(x), rtol, atol)


def test_bfloat16_logits():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.random.default_rng(6).normal(size=(4, 9)).astype(ml_dtypes.bfloat16)
    target = np.array([0, 3, 8, 1])
    assert_same_result(
        ek.softmax_cross_entropy(x, target), reference.softmax_cross_entropy(x, target), 1e-5
    )
    assert_same_result(ek.entropy_from_logits(x), reference.entropy_from_logits(x), 1e-5)


# ---------------------------------------------------------------------------------------------
# PyTorch's own functions, when torch is importable
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_matches_torch(torch, reduction, eps, weighted):
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 5, 3)) * 3  # class axis 1, as torch wants it
    x[0, 2, 0] = -INF
    y = rng.integers(0, 5, size=(6, 3))
    y[1, :] = -100
    w = rng.random(5) + 0.5 if weighted else None
    probs = rng.random(x.shape)
    probs /= probs.sum(axis=1, keepdims=True)
    tw = None if w is None else torch.tensor(w)
    kw = {"reduction": reduction, "label_smoothing": eps}
    for target, ttarget, extra in [
        (y, torch.tensor(y), {"ignore_index": -100}),
        (probs, torch.tensor(probs), {}),
    ]:
        want = F.cross_entropy(torch.tensor(x), ttarget, weight=tw, **kw, **extra).numpy()
        got = ek.softmax_cross_entropy(x, target, axis=1, weight=w, **kw, **extra)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_binary_and_row_functions_match_torch(torch):
    F = torch.nn.functional
    rng = np.random.default_rng(8)
    x = rng.normal(size=(4, 7)) * 30
    y = rng.random((4, 7))
    pw = rng.random(7) * 3
    w = rng.random(7)
    want = F.binary_cross_entropy_with_logits(
        torch.tensor(x), torch.tensor(y), weight=torch.tensor(w), pos_weight=torch.tensor(pw)
    )
    got = ek.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-10)
    p = rng.random((4, 7))
    p[0, 0], p[1, 1] = 0.0, 1.0
    want = F.binary_cross_entropy(torch.tensor(p), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(ek.binary_cross_entropy(p, y, reduction="none"), want.numpy())
    np.testing.assert_allclose(ek.logsumexp(x), torch.logsumexp(torch.tensor(x), -1).numpy())
    np.testing.assert_allclose(
        ek.log_softmax(x), F.log_softmax(torch.tensor(x), -1).numpy(), atol=1e-12
    )
    z = rng.normal(size=x.shape)
    want = F.kl_div(
        F.log_softmax(torch.tensor(z), -1),
        F.log_softmax(torch.tensor(x), -1),
        log_target=True,
        reduction="none",
    ).sum(-1)
    np.testing.assert_allclose(ek.kl_divergence_from_logits(x, z), want.numpy(), rtol=1e-9)
    probs = torch.softmax(torch.tensor(x), -1)
    want = -(probs * torch.log_softmax(torch.tensor(x), -1)).sum(-1)
    np.testing.assert_allclose(ek.entropy_from_logits(x), want.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("module_name", ["entropykit._logits", "entropykit.reference.logits"])
def test_docstring_examples_run(module_name):
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0
    assert failures == 0
