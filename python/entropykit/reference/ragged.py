"""Pure-NumPy twins of the ragged and grouped measures (:mod:`entropykit._ragged`): each segment
(or group) is cut out with NumPy and reduced by the twin of the matching measure, and errors are
renamed into the caller's coordinates (the segment and the entry within it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import as_input_array, check_base, check_nan_policy
from .core import cross_entropy, entropy, kl_divergence
from .family import js_divergence
from .labels import as_labels, nan_error, non_str_error

__all__ = [
    "cross_entropy_segments",
    "entropy_grouped",
    "entropy_segments",
    "js_divergence_segments",
    "kl_divergence_segments",
]

# (segments, starts in the flat values or None for a list of arrays)
Cut = tuple[list[np.ndarray], list[int] | None]


def _offsets(obj: Any, name: str, func: str) -> np.ndarray:
    arr = np.asarray(obj)
    if arr.ndim != 1:
        raise ValueError(f"{func}: {name} must be 1-D, not of shape {tuple_repr(arr.shape)}")
    if arr.size == 0 or arr.dtype.kind == "i" or (arr.dtype.kind == "u" and arr.itemsize < 8):
        return arr.astype(np.int64)
    raise TypeError(
        f"{func}: {name} has dtype {arr.dtype}; offsets must be integers (int32 or int64, as "
        "Arrow's List and LargeList)"
    )


def tuple_repr(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _one_d(x: Any, name: str, func: str) -> np.ndarray:
    arr = as_input_array(x, name, func)
    if arr.ndim != 1:
        raise ValueError(
            f"{func}: {name} must be a 1-D array, not of shape {tuple_repr(arr.shape)}"
        )
    return arr


def _check_offsets(offsets: np.ndarray, n: int, name: str) -> str | None:
    """The message for offsets that do not cut ``n`` values, or None."""
    if offsets.size == 0:
        return f"{name} is empty; n segments need n + 1 offsets (at least [0])"
    if offsets[0] < 0:
        return f"{name}[0] = {offsets[0]} is negative"
    drops = np.flatnonzero(np.diff(offsets) < 0)
    if drops.size:
        i = int(drops[0]) + 1
        return (
            f"{name}[{i}] = {offsets[i]} is below {name}[{i - 1}] = {offsets[i - 1]}; "
            "offsets must not decrease"
        )
    if offsets[-1] > n:
        return f"{name}[{offsets.size - 1}] = {offsets[-1]} is beyond the end of the {n} values"
    return None


def _is_arrow_list(obj: Any) -> bool:
    kind = type(obj)
    return str(getattr(kind, "__module__", "")).startswith("pyarrow") and kind.__name__ in (
        "ListArray",
        "LargeListArray",
    )


def _held(obj: Any, offsets: Any, name: str, func: str) -> tuple[Any, ...]:
    """(flat values, offsets, offsets' name) or (list of arrays,)."""
    if offsets is not None:
        return (_one_d(obj, name, func), _offsets(offsets, "offsets", func), "offsets")
    if _is_arrow_list(obj):
        nulls, value_nulls = obj.null_count, obj.values.null_count
        if nulls or value_nulls:
            raise ValueError(
                f"{func}: {name} holds nulls ({nulls} null lists, {value_nulls} null values); "
                "ragged measures take lists without nulls"
            )
        values = _one_d(np.asarray(obj.values), name, func)
        return (
            values,
            _offsets(np.asarray(obj.offsets), f"{name}.offsets", func),
            f"{name}.offsets",
        )
    if not isinstance(obj, (list, tuple)):
        raise TypeError(
            f"{func}: with offsets=None, {name} must be a pyarrow ListArray or LargeListArray, "
            f"or a list of 1-D arrays, not {type(obj).__name__}; pass offsets= for a flat array"
        )
    arrays = []
    for i, item in enumerate(obj):
        arr = as_input_array(item, f"{name}[{i}]", func)
        if arr.ndim != 1:
            raise ValueError(
                f"{func}: {name}[{i}] must be a 1-D array, not of shape {tuple_repr(arr.shape)} "
                "(pass offsets= for a flat array)"
            )
        arrays.append(arr)
    return (arrays,)


def _cut(held: tuple[Any, ...], func: str) -> Cut:
    if len(held) == 1:
        return list(held[0]), None
    values, offsets, name = held
    problem = _check_offsets(offsets, values.size, name)
    if problem is not None:
        raise ValueError(f"{func}: {problem}")
    starts = [int(s) for s in offsets[:-1]]
    return [values[a:b] for a, b in itertools.pairwise(offsets)], starts


def _entry(name: str, cut: Cut, segment: int, position: int) -> str:
    starts = cut[1]
    if starts is None:
        return f"{name}[{segment}][{position}]"
    return f"{name}[{starts[segment] + position}] (segment {segment}, entry {position})"


def _renamed(
    error: InvalidDistributionError,
    func: str,
    names: list[str],
    cuts: list[Cut],
    segment: int,
    normalize: bool,
) -> InvalidDistributionError:
    which = 0 if error.arg == "p" else len(names) - 1
    name, cut = names[which], cuts[which]
    if error.kind == "zero_mass":
        why = "it cannot be normalized (normalize=True)" if normalize else "no entry is > 0"
        return InvalidDistributionError(
            f"{func}: {name} has zero total mass in segment {segment}; {why}",
            "zero_mass",
            name,
            (segment,),
        )
    position = int(error.index[-1]) if error.index else 0
    at = _entry(name, cut, segment, position)
    value = float(cut[0][segment][position])
    if error.kind == "nan":
        message = f"{func}: {at} is NaN (nan_policy='raise')"
    elif error.kind == "infinite":
        message = f"{func}: {at} = {value!r} is not finite; entries must be finite"
    else:
        message = f"{func}: {at} = {value!r} is negative; entries must be >= 0"
    return InvalidDistributionError(message, error.kind, name, (segment, position))


def _run(
    func: str,
    measure: Callable[..., Any],
    args: list[tuple[str, Any]],
    offsets: Any,
    base: Any,
    normalize: bool,
    nan_policy: Any,
) -> npt.NDArray[np.float64]:
    held = [_held(obj, offsets, name, func) for name, obj in args]
    nan_policy = check_nan_policy(nan_policy, func)
    base = check_base(base, func)
    cuts = [_cut(h, func) for h in held]
    count = len(cuts[0][0])
    if len(cuts) == 2:
        if len(cuts[1][0]) != count:
            raise ValueError(f"{func}: p has {count} segments and q has {len(cuts[1][0])}")
        for i, (a, b) in enumerate(zip(cuts[0][0], cuts[1][0], strict=True)):
            if a.size != b.size:
                raise ValueError(f"{func}: segment {i} has {a.size} entries in p and {b.size} in q")
    out = np.empty(count, dtype=np.float64)
    names = [name for name, _ in args]
    normalize = bool(normalize)
    for i in range(count):
        segs = [cut[0][i] for cut in cuts]
        try:
            out[i] = measure(*segs, base=base, normalize=normalize, nan_policy=nan_policy)
        except InvalidDistributionError as error:
            raise _renamed(error, func, names, cuts, i, normalize) from None
    return out


def entropy_segments(
    values: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """NumPy twin of :func:`entropykit.entropy_segments`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.entropy_segments([1, 1, 1, 1, 1, 3], [0, 4, 6], base=2)
    array([2.        , 0.81127812])
    """
    args = [("values", values)]
    return _run("entropy_segments", entropy, args, offsets, base, normalize, nan_policy)


def cross_entropy_segments(
    p: object,
    q: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """NumPy twin of :func:`entropykit.cross_entropy_segments`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.cross_entropy_segments([1, 1, 1, 3], [1, 1, 1, 1], [0, 2, 4], base=2)
    array([1., 1.])
    """
    args = [("p", p), ("q", q)]
    func = "cross_entropy_segments"
    return _run(func, cross_entropy, args, offsets, base, normalize, nan_policy)


def kl_divergence_segments(
    p: object,
    q: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """NumPy twin of :func:`entropykit.kl_divergence_segments`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.kl_divergence_segments([1, 1], [1, 1], [0, 2])
    array([0.])
    """
    args = [("p", p), ("q", q)]
    func = "kl_divergence_segments"
    return _run(func, kl_divergence, args, offsets, base, normalize, nan_policy)


def js_divergence_segments(
    p: object,
    q: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """NumPy twin of :func:`entropykit.js_divergence_segments`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.js_divergence_segments([1, 0, 1, 1], [0, 1, 1, 1], [0, 2, 4], base=2)
    array([1., 0.])
    """
    args = [("p", p), ("q", q)]
    func = "js_divergence_segments"
    return _run(func, js_divergence, args, offsets, base, normalize, nan_policy)


def entropy_grouped(
    values: npt.ArrayLike,
    keys: npt.ArrayLike,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> tuple[np.ndarray, npt.NDArray[np.float64]]:
    """NumPy twin of :func:`entropykit.entropy_grouped`.

    Examples
    --------
    >>> from entropykit import reference
    >>> keys, h = reference.entropy_grouped([1, 3, 1, 1], [7, 7, 2, 2], base=2)
    >>> keys.tolist(), h.tolist()
    ([2, 7], [1.0, 0.8112781244591328])
    """
    func = "entropy_grouped"
    nan_policy = check_nan_policy(nan_policy, func)
    base = check_base(base, func)
    vals = _one_d(values, "values", func)
    key_arr = as_labels(keys, "keys", func)
    if key_arr.size != vals.size:
        raise ValueError(
            f"{func}: values and keys must have equal lengths; values has {vals.size} entries, "
            f"keys {key_arr.size}"
        )
    if key_arr.dtype.kind == "O":
        problem = non_str_error(key_arr, "keys", func)
        if problem is not None:
            raise problem
    if key_arr.dtype.kind == "f":
        nans = np.flatnonzero(np.isnan(key_arr))
        if nans.size:
            error = nan_error("keys", func, int(nans[0]))
            raise InvalidDistributionError(
                f"{func}: keys[{int(nans[0])}] is NaN; NaN is not a key",
                error.kind,
                "keys",
                error.index,
            )
    unique, first, codes = np.unique(key_arr, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    out = np.empty(unique.size, dtype=np.float64)
    normalize = bool(normalize)
    for g in range(unique.size):
        where = np.flatnonzero(codes == g)
        try:
            out[g] = entropy(vals[where], base=base, normalize=normalize, nan_policy=nan_policy)
        except InvalidDistributionError as error:
            key = repr(key_arr[where[0]])
            if error.kind == "zero_mass":
                why = "it cannot be normalized (normalize=True)" if normalize else "no entry is > 0"
                raise InvalidDistributionError(
                    f"{func}: the values of key {key} (first at values[{where[0]}]) have zero "
                    f"total mass; {why}",
                    "zero_mass",
                    "values",
                    (int(where[0]),),
                ) from None
            i = int(where[int(error.index[-1])])
            value = float(vals[i])
            if error.kind == "nan":
                message = f"{func}: values[{i}] (key {key}) is NaN (nan_policy='raise')"
            elif error.kind == "infinite":
                message = (
                    f"{func}: values[{i}] (key {key}) = {value!r} is not finite; "
                    "entries must be finite"
                )
            else:
                message = (
                    f"{func}: values[{i}] (key {key}) = {value!r} is negative; entries must be >= 0"
                )
            raise InvalidDistributionError(message, error.kind, "values", (i,)) from None
    return key_arr[first], out
