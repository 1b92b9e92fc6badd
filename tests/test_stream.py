"""Streams (issue 11): the mergeable partial sums of ``_core`` and the accumulators built on them
give one call's result whatever the chunking and merge order, and stay exact where users look."""

from __future__ import annotations

import math

import numpy as np
import pytest

import entropykit as ek
from entropykit import _core

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
