"""Pure-NumPy twins of the raw-data functions: ``np.bincount`` of bytes and n-gram codes,
``np.histogram`` and ``np.unique`` counts, and a plain loop over windows."""

from __future__ import annotations

import math
import operator
import os
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import as_array, check_base

__all__ = [
    "byte_entropy",
    "byte_histogram",
    "histogram_entropy",
    "symbol_entropy",
    "windowed_byte_entropy",
]

Result = np.ndarray | np.float64


def _bytes(data: Any, func: str) -> np.ndarray:
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as f:  # OSError subclasses name the path
            return np.frombuffer(f.read(), dtype=np.uint8)
    if isinstance(data, np.ndarray):
        if data.dtype.hasobject:
            raise TypeError(f"{func}: data is an object array; its bytes are pointers, not data")
        return np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"{func}: data must be a bytes-like object (bytes, bytearray, memoryview, mmap, a "
            f"NumPy array), a str or an os.PathLike path, not {type(data).__name__}"
        ) from None
    return np.frombuffer(view.tobytes(), dtype=np.uint8)


def _integer(value: Any, name: str, func: str, least: int) -> int:
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        n = operator.index(value)
    except TypeError:
        n = least - 1
    if n < least:
        raise ValueError(f"{func}: {name} must be an integer >= {least}, not {value!r}")
    return n


def _plugin(counts: np.ndarray) -> float:
    """H(counts / N) in nats, N > 0."""
    n = counts[counts > 0].astype(np.float64)
    p = n / n.sum()
    return float(-np.sum(p * np.log(p)))


def _scale(value: float, base: float | None) -> float:
    return value if base is None else value / math.log(base)


def byte_histogram(data: Any) -> np.ndarray:
    """The 256 counts of the byte values of ``data`` (``np.bincount``)."""
    return np.bincount(_bytes(data, "byte_histogram"), minlength=256).astype(np.int64)


def byte_entropy(data: Any, *, base: float | None = 2, order: int = 0) -> np.float64:
    """H((k+1)-gram) - H(k-gram of the contexts), from ``np.bincount`` of the n-gram codes."""
    func = "byte_entropy"
    base = check_base(base, func)
    k = _integer(order, "order", func, 0)
    if k > 2:
        raise ValueError(f"{func}: order must be 0, 1 or 2, not {k}")
    b = _bytes(data, func)
    if b.size == 0:
        raise ValueError(f"{func}: data is empty; the entropy of no bytes is undefined")
    if b.size <= k:
        raise ValueError(
            f"{func}: data has {b.size} bytes: the entropy of order {k} needs at least {k + 1} "
            "(there is no sample to estimate from)"
        )
    codes = np.zeros(b.size - k, dtype=np.int64)
    for j in range(k + 1):
        codes = codes * 256 + b[j : b.size - k + j]
    joint = np.bincount(codes, minlength=256 ** (k + 1))
    if k == 0:
        return np.float64(_scale(_plugin(joint), base))
    contexts = joint.reshape(-1, 256).sum(axis=1)
    return np.float64(_scale(_plugin(joint) - _plugin(contexts), base))


def windowed_byte_entropy(
    data: Any, window: int = 1024, step: int = 256, *, base: float | None = 2
) -> np.ndarray:
    """A loop over windows, each ``np.bincount``-ed afresh."""
    func = "windowed_byte_entropy"
    window = _integer(window, "window", func, 1)
    step = _integer(step, "step", func, 1)
    base = check_base(base, func)
    b = _bytes(data, func)
    starts = range(0, b.size - window + 1, step) if b.size >= window else range(0)
    out = np.empty(len(starts))
    for i, s in enumerate(starts):
        out[i] = _scale(_plugin(np.bincount(b[s : s + window], minlength=256)), base)
    return out


def _row_entropy(
    row: np.ndarray, bins: Any, range_: Any, base: float | None, func: str, place: str
) -> float:
    try:
        counts, _ = np.histogram(row, bins, range_)
    except ValueError as error:
        raise ValueError(f"{func}: {error}") from None
    if counts.sum() == 0:
        raise ValueError(
            f"{func}: no value of x falls in the bins{place}; the entropy of an empty "
            "histogram is undefined"
        )
    return _scale(_plugin(counts), base)


def histogram_entropy(
    x: npt.ArrayLike,
    bins: int | npt.ArrayLike = 10,
    range: tuple[float, float] | None = None,
    *,
    base: float | None = None,
    axis: int | None = None,
) -> Result:
    """``np.histogram`` of ``x`` as float64 (per slice along ``axis``), then its entropy."""
    func = "histogram_entropy"
    arr = as_array(x, "x", func)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{func}: x must hold real numbers, not {arr.dtype!r}")
    base = check_base(base, func)
    if isinstance(bins, (bool, np.bool_)):
        raise TypeError(f"{func}: bins must be an int or a 1-d array of edges, not {bins!r}")
    if isinstance(bins, (int, np.integer)):
        if bins < 1:
            raise ValueError(f"{func}: `bins` must be positive, when an integer, not {bins}")
        bins_arg: Any = int(bins)
    else:
        try:
            edges = np.asarray(bins).astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: bins must be an int or a 1-d array of edges, not {bins!r}"
            ) from None
        if edges.ndim != 1:
            raise ValueError(
                f"{func}: `bins` must be 1d, when an array (it has {edges.ndim} dimensions)"
            )
        if edges.size < 2:
            raise ValueError(f"{func}: `bins` as an array needs at least 2 edges, not {edges.size}")
        if np.isnan(edges).any():
            raise ValueError(f"{func}: `bins` must not contain NaN")
        bins_arg = edges
    if range is not None:
        try:
            lo, hi = (float(v) for v in range)
        except (TypeError, ValueError):
            raise ValueError(
                f"{func}: range must be None or a pair (lower, upper) of numbers, not {range!r}"
            ) from None
        range = (lo, hi)
    values = arr.astype(np.float64)
    if axis is None:
        flat = values.reshape(-1)
        nan = np.flatnonzero(np.isnan(flat))
        if nan.size:
            index = tuple(int(i) for i in np.unravel_index(nan[0], arr.shape))
            raise _nan_error(func, index)
        return np.float64(_row_entropy(flat, bins_arg, range, base, func, ""))
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{func}: axis must be an int or None, not {axis!r}")
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{func}: axis must be an int or None, not {axis!r}") from None
    if not -arr.ndim <= a < arr.ndim:
        raise np.exceptions.AxisError(a, arr.ndim, func)
    a %= arr.ndim
    moved = np.moveaxis(values, a, -1)
    batch = moved.shape[:-1]
    out = np.empty(batch)
    for r in np.ndindex(*batch):
        row = moved[r]
        nan = np.flatnonzero(np.isnan(row))
        if nan.size:
            index = (*r[:a], int(nan[0]), *r[a:])
            raise _nan_error(func, index)
        place = f" in the slice at index {tuple(int(i) for i in r)!r}"
        out[r] = _row_entropy(row, bins_arg, range, base, func, place)
    return out


def _nan_error(func: str, index: tuple[int, ...]) -> InvalidDistributionError:
    at = "x" if not index else f"x[{', '.join(map(str, index))}]"
    return InvalidDistributionError(f"{func}: {at} is NaN; NaN cannot be binned", "nan", "x", index)


def symbol_entropy(x: npt.ArrayLike, *, base: float | None = None) -> np.float64:
    """The entropy of ``np.unique(x, return_counts=True)`` counts."""
    func = "symbol_entropy"
    base = check_base(base, func)
    arr = as_array(x, "x", func)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{func}: x must be an array of integers (or bools), not {arr.dtype!r}")
    if arr.size == 0:
        raise ValueError(f"{func}: x is empty; the entropy of no values is undefined")
    _, counts = np.unique(arr.reshape(-1), return_counts=True)
    return np.float64(_scale(_plugin(counts), base))
