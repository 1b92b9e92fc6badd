"""Streams (issue 11): the mergeable partial sums of ``_core`` and the accumulators built on them
give one call's result whatever the chunking and merge order, and stay exact where users look."""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import entropykit as ek
from entropykit import _core, reference

KINDS = ["entropy", "cross_entropy", "kl_divergence"]


def _stream_partials(kind, chunks, q_chunks=None, *, axis=None, normalize=True):
    """Partials of the chunks combined left to right."""
    total = None
    for i, chunk in enumerate(chunks):
        q = None if q_chunks is None else q_chunks[i]
        part = _core.partial_sums(kind, chunk, q, axis, "propagate", normalize)
        total = part if total is None else _core.combine_partials(kind, total, part)
    return total


def _ulps(got: float, want: float) -> float:
    return abs(got - want) / np.spacing(want)


def test_partials_layout() -> None:
    parts = _core.partial_sums("entropy", np.arange(6.0).reshape(2, 3), None, 1, "propagate")
    assert parts.shape == (2, 6) and parts.dtype == np.float64
    # Whole-number exponents; no mass of q for entropy.
    assert np.all(parts[:, 4] == np.round(parts[:, 4])) and np.all(parts[:, 1] == 0)
    assert _core.partial_sums("entropy", np.ones(4), None, None, "propagate").shape == (6,)


def test_one_positive_entry_is_exactly_zero_in_pieces() -> None:
    for chunks in ([[3.0]], [[0.0, 3.0], [0.0]], [[], [3.0], [0.0, 0.0]]):
        parts = _stream_partials("entropy", [np.array(c, dtype=float) for c in chunks])
        assert _core.finish_partials("entropy", parts, True, None) == 0.0
    rows = np.random.default_rng(3).random(200) * 10.0 ** np.arange(-100, 100)
    for x in rows:
        parts = _stream_partials("entropy", [np.array([x]), np.zeros(3)])
        assert _core.finish_partials("entropy", parts, True, 2.0) == 0.0


@pytest.mark.parametrize("x", [2.0**62, 1e300, 3.0, 1e-300, 5e-324])
@pytest.mark.parametrize("n", [2, 5, 1000])
def test_equal_entries_in_pieces_give_ln_n(x: float, n: int) -> None:
    data = np.full(n, x)
    chunks = np.array_split(data, min(n, 3))
    got = float(_core.finish_partials("entropy", _stream_partials("entropy", chunks), True, None))
    assert _ulps(got, math.log(n)) <= 4


def test_empty_unnormalized_sum_is_plus_zero() -> None:
    parts = _stream_partials("entropy", [np.zeros(0), np.zeros(0)], normalize=False)
    value = float(_core.finish_partials("entropy", parts, False, None))
    assert value == 0.0 and math.copysign(1.0, value) == 1.0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("scale", [1.0, 1e-200, 1e250])
def test_pieces_match_one_call(kind: str, normalize: bool, scale: float) -> None:
    rng = np.random.default_rng(7)
    p = rng.random((3, 1000)) * scale * rng.integers(0, 2, (3, 1000))
    q = rng.random((3, 1000)) + 0.1
    pieces = [slice(0, 1), slice(1, 400), slice(400, 400), slice(400, 1000)]
    q_chunks = None if kind == "entropy" else [q[:, s] for s in pieces]
    parts = _stream_partials(kind, [p[:, s] for s in pieces], q_chunks, axis=1, normalize=normalize)
    got = _core.finish_partials(kind, parts, normalize, None)
    args = (p,) if kind == "entropy" else (p, q)
    want = getattr(ek, kind)(*args, axis=1, normalize=normalize)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_errors_name_stream_positions() -> None:
    bad = np.array([[1.0, 2.0], [3.0, -1.0]])
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[1, 11\] = -1.0") as info:
        _core.partial_sums("entropy", bad, None, 1, "raise", True, 10)
    assert info.value.index == (1, 11)
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[12\] is NaN"):
        _core.partial_sums(
            "entropy", np.array([[1.0, 2.0], [np.nan, 1]]), None, None, "raise", True, 10
        )
    with pytest.raises(ek.InvalidDistributionError, match=r"q\[2, 6\] = inf"):
        _core.partial_sums(
            "kl_divergence", bad.T**2, np.array([[1.0, 1], [1, np.inf]]), 1, "raise", True, (1, 5)
        )
    parts = _core.partial_sums("entropy", np.zeros((2, 3)), None, 1, "raise")
    with pytest.raises(ek.InvalidDistributionError, match=r"zero total mass .* index \(0,\)"):
        _core.finish_partials("entropy", parts, True, None)


def test_bad_partials_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        _core.partial_sums("renyi", np.ones(3), None, None, "raise")
    with pytest.raises(ValueError, match=r"shape \(2, 4\)"):
        _core.finish_partials("entropy", np.ones((2, 4)), True, None)
    with pytest.raises(ValueError, match="different batches"):
        _core.combine_partials("entropy", np.ones((2, 6)), np.ones((3, 6)))


# --- accumulators ---------------------------------------------------------------------------


ACCUMULATORS = {
    "entropy": ek.EntropyAccumulator,
    "cross_entropy": ek.CrossEntropyAccumulator,
    "kl_divergence": ek.KLDivergenceAccumulator,
}


def _accumulate(kind, arrays, bounds, merges, axis, **settings):
    """One accumulator per chunk (cut at ``bounds`` along ``axis``), merged in the order
    ``merges`` picks: each step merges neighbours i and i + 1, into either of them."""
    cls = ACCUMULATORS[kind]
    n = arrays[0].shape[axis] if axis is not None else arrays[0].size
    cuts = [0, *sorted(bounds), n]
    accs = []
    for a, b in itertools.pairwise(cuts):
        acc = cls(axis=axis, **settings)
        if axis is None:
            acc.update(*(x.ravel()[a:b] for x in arrays))
        else:
            acc.update(*(np.take(x, np.arange(a, b), axis=axis) for x in arrays))
        accs.append(acc)
    for pick in merges:
        if len(accs) == 1:
            break
        i, into_right = pick % (len(accs) - 1), pick % 2 == 1
        left, right = accs[i], accs[i + 1]
        if into_right:
            right.merge(left)  # order does not matter beyond rounding
            accs[i : i + 2] = [right]
        else:
            left.merge(right)
            accs[i : i + 2] = [left]
    while len(accs) > 1:
        accs[0].merge(accs.pop(1))
    return accs[0]


@st.composite
def streams(draw):
    kind = draw(st.sampled_from(KINDS))
    rows = draw(st.integers(1, 3))
    n = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = 10.0 ** draw(st.integers(-300, 300))
    p = rng.random((rows, n)) * scale * (rng.random((rows, n)) < 0.8)
    p[:, 0] += scale  # no zero mass
    q = rng.random((rows, n)) + 0.01
    arrays = [p] if kind == "entropy" else [p, q]
    axis = draw(st.sampled_from([1, -1, None]))
    if axis is None:
        arrays = [x[:1] for x in arrays]
    total = n
    bounds = draw(st.lists(st.integers(0, total), max_size=8))
    merges = draw(st.lists(st.integers(0, 100), max_size=10))
    settings = {
        "normalize": draw(st.booleans()),
        "base": draw(st.sampled_from([None, 2.0, 10.0])),
        "nan_policy": "propagate",
    }
    return kind, arrays, bounds, merges, axis, settings


@given(streams())
def test_any_chunking_and_merge_order_gives_one_call(case) -> None:
    kind, arrays, bounds, merges, axis, settings = case
    acc = _accumulate(kind, arrays, bounds, merges, axis, **settings)
    want = getattr(ek, kind)(*arrays, axis=axis, **settings)
    got = acc.result()
    assert type(got) is type(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    # A pickled accumulator carries on where it was.
    again = pickle.loads(pickle.dumps(acc))
    np.testing.assert_array_equal(again.result(), got)


def test_stream_of_chunks_matches_reference_twin() -> None:
    rng = np.random.default_rng(11)
    fast, twin = ek.EntropyAccumulator(base=2), reference.EntropyAccumulator(base=2)
    for _ in range(5):
        chunk = rng.random(rng.integers(0, 50))
        fast.update(chunk)
        twin.update(chunk)
    np.testing.assert_allclose(fast.result(), twin.result(), rtol=1e-12)


def test_exact_in_streams() -> None:
    acc = ek.EntropyAccumulator()
    for chunk in ([0.0], [3.0], [], [0.0, 0.0]):
        acc.update(np.array(chunk))
    assert acc.result() == 0.0
    acc = ek.EntropyAccumulator(axis=None)
    for _ in range(3):
        acc.update(np.full((2, 2), 2.0**62))
    assert _ulps(float(acc.result()), math.log(12)) <= 4


def test_pickle_then_continue() -> None:
    rng = np.random.default_rng(5)
    p, q = rng.random((2, 100)), rng.random((2, 100))
    acc = ek.KLDivergenceAccumulator(base=2, axis=1, nan_policy="omit")
    acc.update(p[:, :30], q[:, :30])
    acc = pickle.loads(pickle.dumps(acc))
    acc.update(p[:, 30:], q[:, 30:])
    np.testing.assert_allclose(acc.result(), ek.kl_divergence(p, q, base=2), rtol=1e-12)
    assert "after 100 entries" in repr(acc)
    fresh = pickle.loads(pickle.dumps(ek.EntropyAccumulator(axis=None)))
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass"):
        fresh.result()


def test_stream_errors_count_from_the_start() -> None:
    acc = ek.EntropyAccumulator(axis=0, nan_policy="raise")
    acc.update(np.ones((5, 2)))
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[7, 1\] = -2.0") as info:
        acc.update(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, -2.0]]))
    assert info.value.index == (7, 1)
    # The bad chunk left the accumulator as it was.
    np.testing.assert_allclose(acc.result(), ek.entropy(np.ones((5, 2)), axis=0))
    flat = ek.CrossEntropyAccumulator(axis=None, nan_policy="raise")
    flat.update(np.ones(4), np.ones(4))
    with pytest.raises(ek.InvalidDistributionError, match=r"q\[7\] is NaN"):
        flat.update(np.ones((2, 2)), np.array([[1.0, 1.0], [1.0, np.nan]]))
    for name, twin in (("fast", ek), ("twin", reference)):
        acc = twin.EntropyAccumulator(axis=0, nan_policy="raise")
        acc.update(np.ones((5, 2)))
        with pytest.raises(ek.InvalidDistributionError) as info:
            acc.update(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, -2.0]]))
        assert info.value.index == (7, 1), name


def test_accumulator_misuse() -> None:
    acc = ek.EntropyAccumulator(axis=1)
    with pytest.raises(ValueError, match="no chunk yet"):
        acc.result()
    acc.update(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        acc.update(np.ones((3, 3)))
    with pytest.raises(ValueError, match="differ"):
        acc.merge(ek.EntropyAccumulator(axis=0))
    with pytest.raises(TypeError):
        acc.merge(ek.CrossEntropyAccumulator(axis=1))
    with pytest.raises(ValueError, match="nan_policy"):
        ek.EntropyAccumulator(nan_policy="ignore")
    with pytest.raises(ValueError, match="base"):
        ek.EntropyAccumulator(base=1)
    acc.merge(acc)  # twice the data: the same normalised entropy
    np.testing.assert_allclose(acc.result(), ek.entropy(np.ones((2, 6))))


def test_inputs_are_not_modified() -> None:
    p = np.array([1.0, 2.0, 3.0])
    before = p.copy()
    acc = ek.EntropyAccumulator()
    acc.update(p)
    p[:] = 5.0  # the accumulator holds sums, not the data
    np.testing.assert_array_equal(acc.result(), ek.entropy(before))


# --- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", ["plugin", "miller_madow", "james_stein", "chao_shen"])
def test_counts_accumulator_matches_one_call(estimator: str) -> None:
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 40, 2000) ** 2
    acc, other = ek.CountsAccumulator(estimator, base=2), ek.CountsAccumulator(estimator, base=2)
    acc.update(labels[:700])
    other.update(labels[700:1500])
    other = pickle.loads(pickle.dumps(other))
    acc.merge(other)
    acc.update(labels[1500:])
    counts = np.unique(labels, return_counts=True)[1]
    want = ek.entropy_from_counts(counts, estimator, base=2)
    np.testing.assert_allclose(acc.result(), want, rtol=1e-12)
    twin = reference.CountsAccumulator(estimator, base=2)
    twin.update(labels)
    np.testing.assert_allclose(acc.result(), twin.result(), rtol=1e-12)
    assert acc.counts() == twin.counts()


def test_counts_accumulator_labels() -> None:
    acc = ek.CountsAccumulator()
    acc.update(np.array(["a", "b"]))
    acc.update(np.array(["a", "c"], dtype=object))
    acc.update([1, 1.0, True])  # one label, as Python compares them
    acc.update(np.array([b"a"]))
    assert acc.counts() == {"a": 2, "b": 1, "c": 1, 1: 3, b"a": 1}
    again = pickle.loads(pickle.dumps(acc))
    assert again.counts() == acc.counts()
    np.testing.assert_allclose(again.result(), ek.entropy([2, 1, 1, 3, 1]), rtol=1e-12)
    with pytest.raises(ek.InvalidDistributionError, match=r"labels\[9\] is NaN") as info:
        acc.update([0.5, np.nan])
    assert info.value.index == (9,)
    with pytest.raises(ValueError, match="1-D"):
        acc.update(np.ones((2, 2)))
    with pytest.raises(ValueError, match="estimator"):
        ek.CountsAccumulator("boltzmann")
    with pytest.raises(ValueError, match="no labels"):
        ek.CountsAccumulator().result()


# --- logits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_token_accumulator_matches_one_call(dtype) -> None:
    rng = np.random.default_rng(9)
    logits = rng.normal(size=(50, 7)).astype(dtype)
    target = rng.integers(0, 7, 50)
    target[::5] = -100
    weight = rng.random(7) + 0.5
    settings = {"weight": weight, "ignore_index": -100, "label_smoothing": 0.1}
    acc = ek.TokenCrossEntropyAccumulator(**settings)
    other = ek.TokenCrossEntropyAccumulator(**settings)
    acc.update(logits[:20], target[:20])
    other.update(logits[20:], target[20:])
    acc.merge(pickle.loads(pickle.dumps(other)))
    want = ek.softmax_cross_entropy(logits, target, **settings)
    np.testing.assert_allclose(acc.result(), want, rtol=1e-12)
    twin = reference.TokenCrossEntropyAccumulator(**settings)
    twin.update(logits[:20], target[:20])
    twin.update(logits[20:], target[20:])
    np.testing.assert_allclose(acc.result(), twin.result(), rtol=1e-6)
    plain = ek.TokenCrossEntropyAccumulator()
    for chunk in np.array_split(np.arange(50), 4):
        plain.update(logits[chunk], target[chunk] % 7)
    np.testing.assert_allclose(
        plain.perplexity(), ek.perplexity_from_logits(logits, target % 7), rtol=1e-12
    )


def test_token_accumulator_probabilities_on_an_axis() -> None:
    rng = np.random.default_rng(10)
    logits = rng.normal(size=(3, 5, 4))
    probs = rng.random((3, 5, 4))
    probs /= probs.sum(axis=1, keepdims=True)
    acc = ek.TokenCrossEntropyAccumulator(axis=1)
    acc.update(logits[:1], probs[:1])
    acc.update(logits[1:], probs[1:])
    np.testing.assert_allclose(
        acc.result(), ek.softmax_cross_entropy(logits, probs, axis=1), rtol=1e-12
    )
    twin = reference.TokenCrossEntropyAccumulator(axis=1)
    twin.update(logits[:1], probs[:1])
    twin.update(logits[1:], probs[1:])
    np.testing.assert_allclose(acc.result(), twin.result(), rtol=1e-12)
    with pytest.raises(ValueError, match="class index"):
        ek.TokenCrossEntropyAccumulator().update(np.zeros((2, 3)), [0, 3])
    assert np.isnan(ek.TokenCrossEntropyAccumulator().result())


# --- threads --------------------------------------------------------------------------------


def test_threads_scope_and_restore(restore_threads) -> None:
    ek.set_num_threads(2)
    with ek.threads(1):
        assert ek.get_num_threads() == 1
        with ek.threads(3):
            assert ek.get_num_threads() == 3
        assert ek.get_num_threads() == 1
    assert ek.get_num_threads() == 2
    with pytest.raises(ZeroDivisionError), ek.threads(1):
        assert ek.get_num_threads() == 1
        _ = 1 / 0
    assert ek.get_num_threads() == 2
    for bad in (0, -1, True, 1.5, "2"):
        with pytest.raises(ValueError, match="n must be an int"):
            ek.threads(bad)
    with reference.threads(4):
        pass


def test_results_do_not_depend_on_threads(restore_threads) -> None:
    p = np.random.default_rng(12).random(300_000)
    values = []
    for n in (1, 2):
        with ek.threads(n):
            acc = ek.EntropyAccumulator()
            acc.update(p[:100_000])
            acc.update(p[100_000:])
            values.append(acc.result())
    assert values[0] == values[1]


def test_class_docstring_examples_run() -> None:
    import doctest

    for name in ek._stream.__all__:
        obj = getattr(ek, name)
        for test in doctest.DocTestFinder().find(obj, name, globs={}):
            result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test)
            assert result.failed == 0, name


@pytest.mark.timeout(120)
def test_many_python_threads_at_once_match_serial(restore_threads) -> None:
    """Calls and accumulators from many Python threads at once run (no deadlock: a hang fails
    by the timeout) and give the serial results, bit for bit."""
    from concurrent.futures import ThreadPoolExecutor

    ek.set_num_threads(2)
    rng = np.random.default_rng(13)
    data = [rng.random(200_000 + 1000 * i) for i in range(16)]

    def work(p: np.ndarray) -> tuple[float, float]:
        acc = ek.EntropyAccumulator()
        for chunk in np.array_split(p, 5):
            acc.update(chunk)
        return float(ek.entropy(p)), float(acc.result())

    serial = [work(p) for p in data]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(work, data))
    assert concurrent == serial


@pytest.mark.parametrize("kind", KINDS)
def test_float32_chunks_match_one_float32_call(kind: str) -> None:
    """Float32 pieces are computed in float32 lanes as one call computes them, and logs of
    float32 entries do not depend on the power of two taken out: the stream still agrees."""
    rng = np.random.default_rng(14)
    p = (rng.random(10_000) * 1e20).astype(np.float32)
    q = (rng.random(10_000) + 0.1).astype(np.float32)
    arrays = (p,) if kind == "entropy" else (p, q)
    acc = ACCUMULATORS[kind]()
    for cut in np.array_split(np.arange(p.size), 7):
        acc.update(*(x[cut] for x in arrays))
    np.testing.assert_allclose(acc.result(), getattr(ek, kind)(*arrays), rtol=1e-12)


def test_token_accumulator_errors_count_from_the_start() -> None:
    acc = ek.TokenCrossEntropyAccumulator()
    acc.update(np.zeros((5, 4)), [0, 1, 2, 3, 0])
    with pytest.raises(ValueError, match=r"target\[6\] = 9 \(row 6\)"):
        acc.update(np.zeros((2, 4)), [0, 9])
    batched = ek.TokenCrossEntropyAccumulator()
    batched.update(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match=r"target\[2, 1\] = -1 \(row 7\)"):
        batched.update(np.zeros((1, 3, 4)), np.array([[0, -1, 0]]))
    np.testing.assert_allclose(acc.result(), np.log(4), rtol=1e-12)
