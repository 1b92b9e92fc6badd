"""Pure-NumPy twins of the functions on label arrays (:mod:`entropykit._labels`), with their
argument rules: they accept, reject and describe inputs in the same words as the fast path.

Labels are the values of a 1-D array: integers of any width, booleans, floats, or strings (NumPy
``U``/``S`` arrays and object arrays of ``str``). Equal values are one label: float ``-0.0`` and
``0.0`` are one label, ``±inf`` are labels like any other, and NaN is an error naming its position
(``mutual_info_score`` of scikit-learn rejects NaN and inf alike). Empty input is an error, where
scikit-learn raises an opaque "math domain error".

The twins factorize with :func:`numpy.unique`, count the contingency table with
:func:`numpy.bincount` (or :func:`numpy.unique` on pair codes when the table would be large and
sparse), and apply the plug-in formulas in float64.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import as_array, check_base

__all__ = ["entropy_labels", "mutual_information_labels"]

# ---------------------------------------------------------------------------------------------
# Argument rules
# ---------------------------------------------------------------------------------------------


def as_labels(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a 1-D ndarray of a label dtype (no copy for arrays)."""
    arr = as_array(x, name, func)
    if arr.ndim != 1:
        raise ValueError(f"{func}: {name} must be a 1-D array of labels, not of shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "biuUSO" or (kind == "f" and arr.dtype.itemsize in (2, 4, 8)):
        return arr
    raise TypeError(
        f"{func}: {name} has dtype {arr.dtype}; labels must be integers, booleans, "
        "float16/32/64 or strings"
    )


def non_str_error(arr: np.ndarray, name: str, func: str) -> TypeError | None:
    """The error for the first entry of an object array that is not a ``str``, if any."""
    for i, value in enumerate(arr):
        if not isinstance(value, str):
            return TypeError(
                f"{func}: {name}[{i}] is {value!r} of type {type(value).__name__}; "
                "object arrays of labels must hold str"
            )
    return None


def nan_error(name: str, func: str, position: int) -> InvalidDistributionError:
    return InvalidDistributionError(
        f"{func}: {name}[{position}] is NaN; NaN is not a label", "nan", name, (position,)
    )


def check_lengths(x: np.ndarray, y: np.ndarray, func: str) -> None:
    if len(x) != len(y):
        raise ValueError(
            f"{func}: x and y must have equal lengths; x has {len(x)} labels, y has {len(y)}"
        )


def check_not_empty(n: int, func: str) -> None:
    if n == 0:
        what = "entropy" if func == "entropy_labels" else "mutual information"
        raise ValueError(f"{func}: no labels; the {what} of an empty sample is undefined")


def in_base(value: float, base: float | None) -> np.float64:
    """A value in nats expressed in ``base`` (None: nats), as a NumPy float64."""
    return np.float64(value if base is None else value / math.log(base))


# ---------------------------------------------------------------------------------------------
# The twins
# ---------------------------------------------------------------------------------------------


def _factorize(arr: np.ndarray, name: str, func: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes (in ascending order of label) and counts of each label."""
    if arr.dtype.kind == "O":
        error = non_str_error(arr, name, func)
        if error is not None:
            raise error
    if arr.dtype.kind == "f":
        nan = np.isnan(arr)
        if nan.any():
            raise nan_error(name, func, int(np.argmax(nan)))
    _, codes, counts = np.unique(arr, return_inverse=True, return_counts=True)
    return codes.reshape(-1).astype(np.int64), counts.astype(np.int64)


def _weighted_logs(weights: npt.NDArray[np.float64], ratios: npt.NDArray[np.float64]) -> float:
    return float(np.sum(weights * np.log(ratios)))


def entropy_labels(x: npt.ArrayLike, *, base: float | None = None) -> np.float64:
    """NumPy twin of :func:`entropykit.entropy_labels`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.entropy_labels(["a", "b", "a", "b"], base=2))
    1.0
    """
    func = "entropy_labels"
    b = check_base(base, func)
    arr = as_labels(x, "x", func)
    check_not_empty(len(arr), func)
    _, counts = _factorize(arr, "x", func)
    n = float(len(arr))
    c = counts.astype(np.float64)
    value = _weighted_logs(c, n / c) / n
    return in_base(max(value, 0.0), b)


def mutual_information_labels(
    x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None
) -> np.float64:
    """NumPy twin of :func:`entropykit.mutual_information_labels`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.mutual_information_labels([0, 0, 1, 1], ["a", "a", "b", "b"], base=2))
    1.0
    """
    func = "mutual_information_labels"
    b = check_base(base, func)
    xa = as_labels(x, "x", func)
    ya = as_labels(y, "y", func)
    check_lengths(xa, ya, func)
    check_not_empty(len(xa), func)
    cx, a = _factorize(xa, "x", func)
    cy, bc = _factorize(ya, "y", func)
    kx, ky = len(a), len(bc)
    if kx == 1 or ky == 1:
        return in_base(0.0, b)
    n = len(xa)
    pair = cx * ky + cy
    if kx * ky <= max(4 * n, 1 << 16):
        table = np.bincount(pair, minlength=kx * ky)
        cells = np.flatnonzero(table)
        nij = table[cells]
    else:
        cells, nij = np.unique(pair, return_counts=True)
    i, j = np.divmod(cells, ky)
    w = nij.astype(np.float64)
    ratios = float(n) * w / (a[i].astype(np.float64) * bc[j].astype(np.float64))
    value = _weighted_logs(w, ratios) / n
    return in_base(max(value, 0.0), b)
