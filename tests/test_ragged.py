"""Ragged (offsets, Arrow lists, lists of arrays) and grouped distributions (issue 11): against
the NumPy twins, against the core functions applied per segment (bit for bit), and against
Polars' group_by entropy when Polars is installed."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import entropykit as ek
from entropykit import _core, reference

RAGGED = [
    ("entropy_segments", ek.entropy, 1),
    ("cross_entropy_segments", ek.cross_entropy, 2),
    ("kl_divergence_segments", ek.kl_divergence, 2),
    ("js_divergence_segments", ek.js_divergence, 2),
]
IDS = [r[0] for r in RAGGED]


def per_segment(core, arrays, offsets, **kw):
    cut = [[a[s:e] for s, e in itertools.pairwise(offsets)] for a in arrays]
    return np.array([float(core(*segs, **kw)) for segs in zip(*cut, strict=True)], dtype=np.float64)


def call_both(name, *args, **kw):
    """(fast result or exception, reference result or exception)."""
    out = []
    for module in (ek, reference):
        try:
            out.append(getattr(module, name)(*args, **kw))
        except Exception as error:
            out.append(error)
    return out


def assert_twins_agree(name, *args, **kw):
    fast, ref = call_both(name, *args, **kw)
    if isinstance(ref, Exception):
        assert isinstance(fast, Exception), f"fast gave {fast!r}, reference raised {ref!r}"
        assert type(fast) is type(ref), (fast, ref)
        assert str(fast) == str(ref)
        if isinstance(ref, ek.InvalidDistributionError):
            assert (fast.kind, fast.arg, fast.index) == (ref.kind, ref.arg, ref.index)
        return fast
    assert not isinstance(fast, Exception), f"fast raised {fast!r}, reference gave {ref!r}"
    assert fast.dtype == np.float64 and fast.shape == ref.shape
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)
    return fast


@st.composite
def ragged(draw, binary: bool):
    lengths = draw(st.lists(st.integers(0, 40), min_size=0, max_size=12))
    n = sum(lengths)
    elements = st.one_of(
        st.floats(0, 1e3),
        st.sampled_from([0.0, 1.0, np.nan, -1.0, np.inf]),
    )
    p = np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=np.float64)
    q = np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=np.float64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return p, q, offsets


@pytest.mark.parametrize(("name", "core", "arity"), RAGGED, ids=IDS)
@given(data=st.data())
def test_against_the_twin(name, core, arity, data) -> None:
    p, q, offsets = data.draw(ragged(arity == 2))
    args = (p,) if arity == 1 else (p, q)
    normalize = data.draw(st.booleans())
    policy = data.draw(st.sampled_from(["propagate", "raise", "omit"]))
    base = data.draw(st.sampled_from([None, 2.0, 0.5]))
    kw = {"base": base, "normalize": normalize, "nan_policy": policy}
    fast = assert_twins_agree(name, *args, offsets, **kw)
    if not isinstance(fast, Exception):
        # Each segment is the core function on that segment, to the bit.
        want = per_segment(core, args, offsets, **kw)
        np.testing.assert_array_equal(fast, want)


@pytest.mark.parametrize(("name", "core", "arity"), RAGGED, ids=IDS)
def test_bitwise_per_segment_across_threads(name, core, arity, restore_threads) -> None:
    rng = np.random.default_rng(5)
    # Uneven segments: many short ones and one long enough to be split across threads.
    lengths = np.concatenate([rng.integers(0, 300, 400) + 1, [300_000], rng.integers(1, 50, 50)])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    arrays = [rng.random(offsets[-1]) for _ in range(arity)]
    want = per_segment(core, arrays, offsets)
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        got = getattr(ek, name)(*arrays, offsets)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, np.float16])
def test_dtypes_match_core(dtype) -> None:
    rng = np.random.default_rng(2)
    values = (rng.random(1000) * 50).astype(dtype)
    offsets = np.array([0, 10, 10, 500, 1000], dtype=np.int32)
    offsets_nonempty = np.array([0, 10, 500, 1000])
    got = ek.entropy_segments(values, offsets_nonempty)
    np.testing.assert_array_equal(got, per_segment(ek.entropy, [values], offsets_nonempty))
    got = ek.entropy_segments(values, offsets, normalize=False)
    np.testing.assert_array_equal(got, per_segment(ek.entropy, [values], offsets, normalize=False))


def test_edge_cases() -> None:
    values = np.array([1.0, 1.0, 2.0])
    # No segments at all, one segment, all segments empty.
    assert ek.entropy_segments(values, [0]).shape == (0,)
    assert ek.entropy_segments(values, [3]).shape == (0,)
    np.testing.assert_array_equal(ek.entropy_segments(values, [0, 3]), [ek.entropy(values)])
    np.testing.assert_array_equal(
        ek.entropy_segments(values, [1, 1, 1], normalize=False), [0.0, 0.0]
    )
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass in segment 1") as e:
        ek.entropy_segments(values, [0, 2, 2, 3])
    assert e.value.index == (1,)
    assert ek.entropy_segments([], [0, 0], normalize=False).tolist() == [0.0]
    assert ek.entropy_segments([]).shape == (0,)
    # A sliced Arrow-style start above 0 and an end below the length.
    np.testing.assert_array_equal(ek.entropy_segments(values, [1, 3]), [ek.entropy(values[1:])])
    # Strided values are read in place.
    wide = np.arange(20.0)
    np.testing.assert_array_equal(
        ek.entropy_segments(wide[::-2], [0, 4, 10]),
        per_segment(ek.entropy, [wide[::-2]], [0, 4, 10]),
    )


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ([], r"offsets is empty"),
        ([-1, 2], r"offsets\[0\] = -1 is negative"),
        ([0, 2, 1], r"offsets\[2\] = 1 is below offsets\[1\] = 2"),
        ([0, 4], r"offsets\[1\] = 4 is beyond the end of the 3 values"),
    ],
)
def test_bad_offsets_name_the_position(offsets, message) -> None:
    for module in (ek, reference):
        with pytest.raises(ValueError, match=message):
            module.entropy_segments(np.ones(3), np.array(offsets, dtype=np.int64))


def test_errors_name_segment_and_entry() -> None:
    values = np.array([1.0, 2.0, 3.0, -0.5, 1.0])
    e = assert_twins_agree("entropy_segments", values, [0, 2, 5])
    assert isinstance(e, ek.InvalidDistributionError)
    assert str(e) == (
        "entropy_segments: values[3] (segment 1, entry 1) = -0.5 is negative; entries must be >= 0"
    )
    assert e.index == (1, 1)
    e = assert_twins_agree(
        "kl_divergence_segments", [np.ones(2), np.ones(3)], [[1, 1], [1, np.inf, 1]]
    )
    assert str(e).startswith("kl_divergence_segments: q[1][1] = inf is not finite")
    e = assert_twins_agree(
        "cross_entropy_segments", [np.ones(2), np.ones(3)], [np.ones(2), np.ones(2)]
    )
    assert "segment 1 has 3 entries in p and 2 in q" in str(e)
    e = assert_twins_agree(
        "entropy_segments", [np.ones(2), np.array([1.0, np.nan])], nan_policy="raise"
    )
    assert e.index == (1, 1)
    for bad in (np.ones(3), np.ones((2, 2)), 3.0):
        assert isinstance(assert_twins_agree("entropy_segments", bad), TypeError)
    assert isinstance(assert_twins_agree("entropy_segments", [np.ones((2, 2))]), ValueError)
    assert isinstance(assert_twins_agree("entropy_segments", np.ones(3), [0.5, 1]), TypeError)
    assert isinstance(assert_twins_agree("entropy_segments", [["a", "b"]]), TypeError)


def test_list_of_arrays() -> None:
    rng = np.random.default_rng(3)
    arrays = [rng.random(n) for n in (5, 1, 17, 300)]
    got = ek.entropy_segments(arrays, base=2)
    np.testing.assert_array_equal(got, [ek.entropy(a, base=2) for a in arrays])
    got = ek.js_divergence_segments(tuple(arrays), [a[::-1] for a in arrays])
    np.testing.assert_array_equal(got, [ek.js_divergence(a, a[::-1]) for a in arrays])
    assert_twins_agree("kl_divergence_segments", arrays, [a + 1 for a in arrays])


def test_arrow_lists() -> None:
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(4)
    rows = [rng.random(n).tolist() for n in (3, 7, 1, 12, 5)]
    for kind in (pa.list_(pa.float64()), pa.large_list(pa.float64())):
        arr = pa.array(rows, type=kind)
        want = [ek.entropy(np.array(r)) for r in rows]
        np.testing.assert_array_equal(ek.entropy_segments(arr), want)
        assert_twins_agree("entropy_segments", arr)
        # A slice: its offsets start above 0 and index the whole child array.
        np.testing.assert_array_equal(ek.entropy_segments(arr.slice(2, 2)), want[2:4])
        q = pa.array([r[::-1] for r in rows], type=kind)
        np.testing.assert_array_equal(
            ek.kl_divergence_segments(arr.slice(1, 3), q.slice(1, 3)),
            [ek.kl_divergence(np.array(r), np.array(r[::-1])) for r in rows[1:4]],
        )
    with pytest.raises(ValueError, match="nulls"):
        ek.entropy_segments(pa.array([[1.0], None]))
    with pytest.raises(ValueError, match="nulls"):
        reference.entropy_segments(pa.array([[1.0, None]]))


def test_arrow_lists_are_not_copied() -> None:
    pa = pytest.importorskip("pyarrow")
    values = pa.array(np.random.default_rng(0).random(1_000_000))
    offsets = pa.array(np.arange(0, 1_000_001, 1000, dtype=np.int32))
    arr = pa.ListArray.from_arrays(offsets, values)
    ek.entropy_segments(arr)
    tracemalloc.start()
    try:
        ek.entropy_segments(arr)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 8 MB of values and 4 KB of offsets: a copy of either would show; the 1000 results do.
    assert peak < 100_000, peak


def test_small_calls_never_wake_the_pool(restore_threads) -> None:
    ek.set_num_threads(2)
    values = np.random.default_rng(1).random(1000)
    before = _core.pool_uses()
    ek.entropy_segments(values, [0, 300, 1000])
    ek.entropy_grouped(values, np.arange(1000) % 7)
    assert _core.pool_uses() == before


# ----------------------------------------------------------------------------------------------
# Grouped
# ----------------------------------------------------------------------------------------------


@given(data=st.data())
def test_grouped_against_the_twin(data) -> None:
    n = data.draw(st.integers(0, 200))
    values = np.array(
        data.draw(
            st.lists(
                st.one_of(st.floats(0, 1e3), st.sampled_from([0.0, np.nan, -1.0])),
                min_size=n,
                max_size=n,
            )
        ),
        dtype=np.float64,
    )
    key_kind = data.draw(st.sampled_from(["int8", "int64", "uint16", "str", "object", "float"]))
    raw = np.array(data.draw(st.lists(st.integers(-3, 5), min_size=n, max_size=n)), dtype=np.int64)
    if key_kind == "str":
        keys = raw.astype(str)
    elif key_kind == "object":
        keys = np.array([f"k{k}" for k in raw], dtype=object)
    elif key_kind == "float":
        keys = raw / 2.0
    elif key_kind == "uint16":
        keys = (raw + 3).astype(np.uint16)
    else:
        keys = raw.astype(key_kind)
    kw = {
        "normalize": data.draw(st.booleans()),
        "nan_policy": data.draw(st.sampled_from(["propagate", "raise", "omit"])),
        "base": data.draw(st.sampled_from([None, 2])),
    }
    fast, ref = call_both("entropy_grouped", values, keys, **kw)
    if isinstance(ref, Exception):
        assert type(fast) is type(ref) and str(fast) == str(ref), (fast, ref)
        return
    assert not isinstance(fast, Exception), fast
    assert fast[0].dtype == ref[0].dtype
    np.testing.assert_array_equal(fast[0], ref[0])
    np.testing.assert_allclose(fast[1], ref[1], rtol=1e-12, atol=1e-12)
    for key, h in zip(fast[0], fast[1], strict=True):
        # The one-pass sums of entropy_grouped's fast path are not the core's (scale 1, another
        # order): a few ulps, not the bits (the exact path, below, gives the bits).
        want = ek.entropy(values[keys == key], **kw)
        np.testing.assert_allclose(h, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    ("dtype", "choices"),
    [
        ("int64", [-700, 3, 10, 2000]),
        ("int8", [-128, -1, 0, 127]),
        ("uint64", [2**64 - 3000, 2**64 - 1, 2**64 - 2]),
        ("bool", [False, True]),
    ],
)
def test_grouped_keys_with_gaps_in_their_range(dtype, choices) -> None:
    """Keys of a narrow range are their own codes, key - smallest key, over slots some of which
    no entry goes to: those are not groups."""
    rng = np.random.default_rng(9)
    keys = rng.choice(np.array(choices, dtype=dtype), 5_000)
    values = rng.random(keys.size)
    fast, ref = call_both("entropy_grouped", values, keys)
    assert fast[0].dtype == ref[0].dtype
    np.testing.assert_array_equal(fast[0], ref[0])
    np.testing.assert_array_equal(fast[0], np.unique(keys))
    np.testing.assert_allclose(fast[1], ref[1], rtol=1e-13)


def test_grouped_bitwise_across_threads(restore_threads) -> None:
    rng = np.random.default_rng(6)
    values = rng.random(300_000)
    keys = rng.integers(-50, 50, values.size).astype(np.int32)
    results = []
    for threads in (1, 2, 3):
        ek.set_num_threads(threads)
        results.append(ek.entropy_grouped(values, keys))
    for unique, h in results[1:]:
        np.testing.assert_array_equal(unique, results[0][0])
        np.testing.assert_array_equal(h, results[0][1])
    np.testing.assert_array_equal(results[0][0], np.unique(keys))
    want = ek.entropy(values[keys == results[0][0][7]])
    np.testing.assert_allclose(results[0][1][7], want, rtol=1e-14)
    # Keys far apart (hashed) and a strided, float32 view of the values.
    wide = keys.astype(np.int64) * 10**12
    unique, h = ek.entropy_grouped(values[::-1].astype(np.float32)[::1], wide)
    np.testing.assert_array_equal(unique, np.unique(wide))
    # float32: the core computes in float32 lanes (~1e-8 per log), the sums in float64.
    np.testing.assert_allclose(
        h[3], ek.entropy(values[::-1].astype(np.float32)[wide == unique[3]]), rtol=1e-6
    )


def test_grouped_one_positive_entry_is_exactly_zero() -> None:
    """On the one-pass path, a group whose only positive entry sits among zeros has entropy
    exactly 0, as ``entropy`` gives; a group of zeros alone has no mass, an error as in the
    core. The values are ones for which ln S - T / S comes out a few 1e-16 instead."""
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 50, 100_000)
    values = rng.random(keys.size)
    lone = {3: 38.892142397910376, 17: 1.5991729523571974, 40: 6.6082496724074735}
    for key, value in lone.items():
        where = np.flatnonzero(keys == key)
        values[where] = 0.0
        values[where[len(where) // 2]] = value
    unique, h = ek.entropy_grouped(values, keys)
    for key in lone:
        assert h[np.searchsorted(unique, key)] == 0.0
        assert ek.entropy(values[keys == key]) == 0.0
    assert np.all(np.delete(h, [np.searchsorted(unique, k) for k in lone]) > 3.0)
    values[keys == 9] = 0.0
    with pytest.raises(ValueError, match="zero"):
        ek.entropy_grouped(values, keys)


def test_grouped_exact_path_gives_the_core_bits(restore_threads) -> None:
    """Where the one-pass sums cannot vouch for a group (here: counts near 2^62, whose ln S
    would cancel against T / S), every group is grouped and reduced as a segment instead."""
    rng = np.random.default_rng(8)
    values = rng.integers(1, 1000, 200_000) * 2**52
    keys = rng.integers(0, 30, values.size).astype(np.uint8)
    for threads in (1, 2):
        ek.set_num_threads(threads)
        unique, h = ek.entropy_grouped(values, keys)
        want = [ek.entropy(values[keys == k]) for k in unique]
        np.testing.assert_array_equal(h, want)


def test_grouped_subnormal_values_keep_exact_logs() -> None:
    """The x ln x blocks skip the log's subnormal scaling and redo a block that held a
    subnormal value: those values still get exact logs (unnormalised sums of them are
    subnormal themselves, so an inexact log would show)."""
    values = np.array([5e-324, 3e-310, 0.0, 2.2e-308, 1e-320, 0.0, 0.5, 1e-315] * 40)
    keys = np.arange(values.size) % 3
    for normalize in (True, False):
        fast, ref = call_both("entropy_grouped", values, keys, normalize=normalize)
        np.testing.assert_array_equal(fast[0], ref[0])
        np.testing.assert_allclose(fast[1], ref[1], rtol=1e-12, atol=0)


@pytest.mark.parametrize("where", [1_000, 49_999, 99_000])
def test_grouped_key_outside_the_sampled_window(where, restore_threads) -> None:
    """The range of narrow keys is guessed from runs of keys sampled along the array; a key
    outside that window (here one outlier or one NaN between the sampled runs) sends the call
    down the scanning path, with the same results and errors."""
    rng = np.random.default_rng(12)
    values = rng.random(100_000)
    keys = rng.integers(0, 1_000, values.size)
    keys[where] = 20_000
    for threads in (1, 2):
        ek.set_num_threads(threads)
        (unique, h), (ref_unique, ref_h) = call_both("entropy_grouped", values, keys)
        np.testing.assert_array_equal(unique, ref_unique)
        assert unique[-1] == 20_000 and h[-1] == 0.0
        np.testing.assert_allclose(h, ref_h, rtol=1e-13)
    float_keys = keys.astype(np.float64)
    float_keys[where] = np.nan
    fast, ref = call_both("entropy_grouped", values, float_keys)
    assert str(fast) == str(ref) == f"entropy_grouped: keys[{where}] is NaN; NaN is not a key"


def test_grouped_errors() -> None:
    values = np.array([1.0, 2.0, -3.0, 0.0])
    keys = np.array([5, 7, 7, 9])
    fast, ref = call_both("entropy_grouped", values, keys)
    assert (
        str(fast)
        == str(ref)
        == ("entropy_grouped: values[2] (key np.int64(7)) = -3.0 is negative; entries must be >= 0")
    )
    assert fast.index == ref.index == (2,)
    fast, ref = call_both("entropy_grouped", np.abs(values), keys)
    assert "zero total mass" in str(fast) and str(fast) == str(ref)
    fast, ref = call_both("entropy_grouped", values, [1.0, np.nan, 1.0, 2.0])
    assert str(fast) == str(ref) == "entropy_grouped: keys[1] is NaN; NaN is not a key"
    for bad_keys in (np.ones(3), np.ones((2, 2)), np.array([1j, 2j, 3j, 4j])):
        fast, ref = call_both("entropy_grouped", values, bad_keys)
        assert type(fast) is type(ref) and isinstance(ref, (ValueError, TypeError)), (fast, ref)
    unique, h = ek.entropy_grouped([], np.array([], dtype=np.int16))
    assert unique.dtype == np.int16 and unique.shape == h.shape == (0,)


def test_grouped_matches_polars() -> None:
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(7)
    values = rng.random(50_000) + 0.01
    keys = rng.integers(0, 300, values.size)
    for base in (None, 2.0):
        unique, h = ek.entropy_grouped(values, keys, base=base)
        entropy = pl.col("x").entropy() if base is None else pl.col("x").entropy(base=base)
        frame = pl.DataFrame({"k": keys, "x": values}).group_by("k").agg(entropy).sort("k")
        np.testing.assert_array_equal(unique, frame["k"].to_numpy())
        np.testing.assert_allclose(h, frame["x"].to_numpy(), rtol=1e-12)
    # String keys, in NumPy's order.
    names = np.array(["b", "a", "c"])[keys % 3]
    unique, h = ek.entropy_grouped(values, names)
    frame = pl.DataFrame({"k": names, "x": values}).group_by("k").agg(pl.col("x").entropy())
    frame = frame.sort("k")
    assert unique.tolist() == frame["k"].to_list() == ["a", "b", "c"]
    np.testing.assert_allclose(h, frame["x"].to_numpy(), rtol=1e-12)
