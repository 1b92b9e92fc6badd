"""Argument rules of the functions on label arrays (:mod:`entropykit._labels`).

TEMPORARY: a mechanical copy of the argument rules the NumPy twins in
:mod:`entropykit.reference` also implement (on their own), so that the fast path imports
nothing from the reference. It goes away when these rules move into Rust.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._errors import InvalidDistributionError


def as_labels(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a 1-D ndarray of a label dtype (no copy for arrays)."""
    arr = x if type(x) is np.ndarray else np.asarray(x)
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
