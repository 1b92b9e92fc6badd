"""NumPy twin of :func:`entropykit.differential_entropy`: the m-spacing estimators written from
their formulas (Vasicek 1976, van Es 1992, Ebrahimi et al. 1994, Correa 1995, in the forms of
Noughabi 2015 that SciPy implements), vectorised over samples with full-size temporaries.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import entry_index, prepare

__all__ = ["differential_entropy"]

FUNC = "differential_entropy"
METHODS = ("auto", "vasicek", "van es", "ebrahimi", "correa")


def _window_length(window_length: Any) -> int | None:
    if window_length is None:
        return None
    if isinstance(window_length, (bool, np.bool_)):
        raise TypeError(f"{FUNC}: window_length must be an integer or None, not {window_length!r}")
    try:
        return operator.index(window_length)
    except TypeError:
        raise TypeError(
            f"{FUNC}: window_length must be an integer or None, not {window_length!r}"
        ) from None


def _method(method: Any) -> str:
    if isinstance(method, str) and method.lower() in METHODS:
        return method.lower()
    raise ValueError(
        f"{FUNC}: `method` must be one of 'auto', 'vasicek', 'van es', 'ebrahimi', 'correa', "
        f"not {method!r}"
    )


def _padded(s: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``s[:, index]`` with indices before the start read as the first value, past the end as
    the last (the padding of the spacing estimators)."""
    return s[:, np.clip(index, 0, s.shape[1] - 1)]


def _estimate(s: np.ndarray, m: int, method: str) -> np.ndarray:
    """The estimate of each row of the sorted samples ``s``."""
    n = s.shape[1]
    i = np.arange(n)
    if method == "auto":
        method = "van es" if n <= 10 else "ebrahimi" if n <= 1000 else "vasicek"
    if method == "van es":
        gaps = s[:, m:] - s[:, :-m]
        harmonic = np.sum(1.0 / np.arange(m, n + 1))
        mean_log = np.sum(np.log((n + 1) / m * gaps), axis=1) / (n - m)
        return np.asarray(mean_log + harmonic + math.log(m) - math.log(n + 1))
    if method == "correa":
        offsets = np.arange(-m, m + 1)
        window = _padded(s, i[:, None] + offsets)  # (rows, n, 2m + 1)
        centred = window - window.mean(axis=2, keepdims=True)
        slope = np.sum(centred * offsets, axis=2) / (n * np.sum(centred**2, axis=2))
        return np.asarray(-np.mean(np.log(slope), axis=1))
    gaps = _padded(s, i + m) - _padded(s, i - m)
    if method == "vasicek":
        return np.asarray(np.mean(np.log(n / (2 * m) * gaps), axis=1))
    # Ebrahimi: the weight of a window that the padding shortens falls from 2 towards 1.
    weight = np.full(n, 2.0)
    weight[:m] = 1 + i[:m] / m
    weight[n - m :] = 1 + (n - 1 - i[n - m :]) / m
    return np.asarray(np.mean(np.log(n * gaps / (weight * m)), axis=1))


def differential_entropy(
    x: npt.ArrayLike,
    *,
    window_length: int | None = None,
    method: str = "auto",
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
) -> np.ndarray | np.float64:
    """Twin of :func:`entropykit.differential_entropy` (see there).

    Examples
    --------
    >>> from entropykit import reference
    >>> sample = [1.0, 2.0, 4.0, 7.0, 11.0]
    >>> round(float(reference.differential_entropy(sample, window_length=1, method="vasicek")), 6)
    2.124342
    """
    window = _window_length(window_length)
    name = _method(method)
    arr = x if type(x) is np.ndarray and x.dtype != np.bool_ else np.asarray(x)
    if arr.dtype == np.bool_:
        arr = arr.view(np.uint8)
    prep = prepare(FUNC, arr, None, axis, False, True, "raise", base, names=("x", "x"))
    n = math.prod(prep.reduced_shape)
    m = math.floor(math.sqrt(n) + 0.5) if window is None else window
    if not (m >= 1 and 2 * m < n):
        raise ValueError(
            f"{FUNC}: Window length ({m}) must be positive and less than half the sample size "
            f"({n})."
        )
    batch = math.prod(prep.batch_shape)
    rows = prep.canonical(prep.arrays[0]).astype(np.float64).reshape(batch, n)
    bad = ~np.isfinite(rows)
    if bad.any():
        sample, position = divmod(int(np.argmax(bad.ravel())), n)
        raise _bad_value(prep, sample, position, float(rows[sample, position]))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = _estimate(np.sort(rows, axis=1), m, name)
    if prep.base is not None:
        h = h / math.log(prep.base)
    return prep.shape_result(h)


def _bad_value(prep: Any, sample: int, position: int, value: float) -> InvalidDistributionError:
    index = entry_index(prep, prep.arrays[0].shape, sample, position)
    at = f"x[{', '.join(map(str, index))}]" if index else "x"
    if math.isnan(value):
        message = (
            f"{FUNC}: {at} is NaN; samples must be finite (drop NaNs first, e.g. x[~np.isnan(x)])"
        )
        return InvalidDistributionError(message, "nan", "x", index)
    message = f"{FUNC}: {at} = {value!r} is not finite; samples must be finite"
    return InvalidDistributionError(message, "infinite", "x", index)
