"""Argument rules of the functions on logits (:mod:`entropykit._logits`).

TEMPORARY: a mechanical copy of the argument rules the NumPy twins in
:mod:`entropykit.reference` also implement (on their own), so that the fast path imports
nothing from the reference. It goes away when these rules move into Rust.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import numpy.typing as npt

Result = np.ndarray | np.float64
REDUCTIONS = ("none", "sum", "mean")


def _is_bfloat16(dtype: np.dtype) -> bool:
    return dtype.name == "bfloat16"


def as_float(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a float ndarray (no copy)."""
    arr = x if type(x) is np.ndarray else np.asarray(x)
    dtype = arr.dtype
    if not ((dtype.kind == "f" and dtype.itemsize in (2, 4, 8)) or _is_bfloat16(dtype)):
        raise TypeError(
            f"{func}: {name} has dtype {dtype}; expected float16, float32, float64 or bfloat16"
        )
    return arr


def as_logits(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a float ndarray of at least one dimension (no copy)."""
    arr = as_float(x, name, func)
    if arr.ndim == 0:
        raise ValueError(f"{func}: {name} must have at least one dimension (the classes)")
    return arr


def compute_dtype(arr: np.ndarray) -> np.dtype:
    """float64 for float64 input, float32 for everything narrower."""
    return np.dtype(np.float64) if arr.dtype == np.float64 else np.dtype(np.float32)


def class_axis(axis: Any, ndim: int, func: str) -> int:
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{func}: axis must be an int, not {axis!r}")
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{func}: axis must be an int, not {axis!r}") from None
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(a, ndim, func)
    return a % ndim


def rows_view(
    arr: np.ndarray, axis: int, func: str, name: str
) -> tuple[np.ndarray, tuple[int, ...]]:
    """(rows, classes) view of ``arr`` (a copy only when the axes cannot be merged) and the batch
    shape. An empty class axis is an error."""
    moved = np.moveaxis(arr, axis, -1)
    classes = moved.shape[-1]
    if classes == 0:
        raise ValueError(f"{func}: {name} has no classes (axis {axis} has length 0)")
    batch = moved.shape[:-1]
    return moved.reshape(math.prod(batch), classes), batch


def check_reduction(reduction: Any, func: str) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{func}: reduction must be 'none', 'sum' or 'mean', not {reduction!r}")
    return reduction


def check_label_smoothing(eps: Any, func: str) -> float:
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.number)):
        raise TypeError(f"{func}: label_smoothing must be a float in [0, 1], not {eps!r}")
    value = float(eps)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{func}: label_smoothing must be in [0, 1], not {eps!r}")
    return value


def check_ignore_index(ignore_index: Any, func: str) -> int | None:
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)):
        raise TypeError(f"{func}: ignore_index must be an int or None, not {ignore_index!r}")
    try:
        return operator.index(ignore_index)
    except TypeError:
        raise TypeError(
            f"{func}: ignore_index must be an int or None, not {ignore_index!r}"
        ) from None


def class_weights(weight: Any, classes: int, dtype: np.dtype, func: str) -> np.ndarray | None:
    """``weight`` as a contiguous (classes,) array in the compute dtype, or None."""
    if weight is None:
        return None
    w = np.asarray(weight)
    if w.dtype.kind not in "fiu" and not _is_bfloat16(w.dtype):
        raise TypeError(f"{func}: weight has dtype {w.dtype}; expected a real dtype")
    if w.shape != (classes,):
        raise ValueError(
            f"{func}: weight has shape {w.shape}; expected ({classes},), one per class"
        )
    return np.ascontiguousarray(w, dtype=dtype)


class CrossEntropyArgs:
    """Validated arguments of softmax_cross_entropy: logits as (rows, classes), and either
    class indices (int64, one per row) or probabilities (rows, classes) in the compute dtype."""

    __slots__ = (
        "batch",
        "eps",
        "ignore_index",
        "indices",
        "logits",
        "probs",
        "reduction",
        "weight",
    )

    logits: np.ndarray
    batch: tuple[int, ...]
    reduction: str
    eps: float
    ignore_index: int | None
    weight: np.ndarray | None
    indices: npt.NDArray[np.int64] | None
    probs: np.ndarray | None

    def __init__(
        self,
        func: str,
        logits: npt.ArrayLike,
        target: npt.ArrayLike,
        axis: int,
        weight: npt.ArrayLike | None,
        ignore_index: int | None,
        label_smoothing: float,
        reduction: str,
    ) -> None:
        x = as_logits(logits, "logits", func)
        a = class_axis(axis, x.ndim, func)
        self.logits, self.batch = rows_view(x, a, func, "logits")
        classes = self.logits.shape[1]
        dtype = compute_dtype(x)
        self.reduction = check_reduction(reduction, func)
        self.eps = check_label_smoothing(label_smoothing, func)
        self.ignore_index = check_ignore_index(ignore_index, func)
        self.weight = class_weights(weight, classes, dtype, func)
        t = target if type(target) is np.ndarray else np.asarray(target)
        self.indices = self.probs = None
        if t.dtype.kind in "iu":
            if t.shape != self.batch:
                raise ValueError(
                    f"{func}: class-index target has shape {t.shape}; expected {self.batch} "
                    f"(the logits' shape {x.shape} without axis {a})"
                )
            flat = t.reshape(-1)
            if t.dtype == np.uint64 and flat.size and flat.max() > np.iinfo(np.int64).max:
                bad = int(np.argmax(flat > np.iinfo(np.int64).max))
                raise _bad_index(func, t, bad, int(flat[bad]), classes)
            indices = flat.astype(np.int64)
            out = (indices < 0) | (indices >= classes)
            if self.ignore_index is not None:
                out &= indices != self.ignore_index
            if out.any():
                bad = int(np.argmax(out))
                raise _bad_index(func, t, bad, int(indices[bad]), classes)
            self.indices = indices
        elif t.dtype.kind == "f" or _is_bfloat16(t.dtype):
            if t.shape != x.shape:
                raise ValueError(
                    f"{func}: probability target has shape {t.shape}; expected the logits' shape "
                    f"{x.shape} (class indices need an integer dtype)"
                )
            self.probs = rows_view(t, a, func, "target")[0]
        else:
            raise TypeError(
                f"{func}: target has dtype {t.dtype}; expected integer class indices or "
                "float probabilities"
            )


def _bad_index(func: str, t: np.ndarray, flat: int, value: int, classes: int) -> ValueError:
    index = tuple(int(i) for i in np.unravel_index(flat, t.shape)) if t.ndim else ()
    at = f"target[{', '.join(map(str, index))}]" if index else "target"
    return ValueError(
        f"{func}: {at} = {value} (row {flat}) is not a class index in [0, {classes}) "
        "nor the ignore_index"
    )


def _scalar_division(total: float, count: float) -> np.float64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.float64(total) / np.float64(count)


def reduce_losses(args: CrossEntropyArgs, losses: np.ndarray, weights: np.ndarray | None) -> Result:
    """The reduction of per-row losses (float64, C order over the batch). The mean of
    class-index losses divides by the summed weights of the non-ignored rows (NaN when there are
    none); that of probability targets by the number of rows."""
    if args.reduction == "none":
        return losses.reshape(args.batch)
    total = np.sum(losses)
    if args.reduction == "sum":
        return np.float64(total)
    count = np.sum(weights) if weights is not None else losses.size
    return _scalar_division(total, count)


def shape_rows(
    values: np.ndarray, batch: tuple[int, ...], keepdims_shape: tuple[int, ...] | None = None
) -> Result:
    """Per-row float64 values in the batch shape; a NumPy scalar for a single (1-D) row."""
    if keepdims_shape is not None:
        return values.reshape(keepdims_shape)
    if not batch:
        return np.float64(values[0])
    return values.reshape(batch)


def check_same_shape(
    func: str,
    p: np.ndarray,
    q: np.ndarray,
    names: tuple[str, str] = ("logits_p", "logits_q"),
) -> None:
    if p.shape != q.shape:
        raise ValueError(f"{func}: {names[0]} {p.shape} and {names[1]} {q.shape} differ in shape")


def keepdims_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return tuple(1 if i == axis else n for i, n in enumerate(shape))


# x, y, weight, pos_weight: the arguments of the binary cross-entropies as arrays.
Elementwise = tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]


def check_elementwise(
    func: str,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    names: tuple[str, str],
    weight: npt.ArrayLike | None,
    pos_weight: npt.ArrayLike | None,
    reduction: str,
) -> Elementwise:
    """Validated arguments of the binary cross-entropies, not yet converted: x (float), y (real,
    x's shape), and weight / pos_weight (real, broadcastable to x's shape) or None."""
    xa = as_float(x, names[0], func)
    ya = np.asarray(y)
    if ya.dtype.kind not in "fiub" and not _is_bfloat16(ya.dtype):
        raise TypeError(f"{func}: {names[1]} has dtype {ya.dtype}; expected a real dtype")
    shape = xa.shape
    if ya.shape != shape:
        raise ValueError(
            f"{func}: {names[1]} has shape {ya.shape}; expected {shape}, the shape of {names[0]}"
        )
    check_reduction(reduction, func)
    extras: list[np.ndarray | None] = []
    for name, extra in (("weight", weight), ("pos_weight", pos_weight)):
        if extra is None:
            extras.append(None)
            continue
        e = np.asarray(extra)
        if e.dtype.kind not in "fiub" and not _is_bfloat16(e.dtype):
            raise TypeError(f"{func}: {name} has dtype {e.dtype}; expected a real dtype")
        try:
            np.broadcast_to(e, shape)
        except ValueError:
            raise ValueError(
                f"{func}: {name} of shape {e.shape} does not broadcast to {shape}"
            ) from None
        extras.append(e)
    return xa, ya, extras[0], extras[1]


def reduce_elementwise(losses: np.ndarray, reduction: str, count: int | None = None) -> Result:
    """Element losses (or, with ``count`` elements, partial sums of them) reduced; "mean" over
    zero elements is NaN."""
    if reduction == "none":
        return np.asarray(losses, dtype=np.float64)  # an array even for 0-d input
    total = np.sum(losses)
    if reduction == "sum":
        return np.float64(total)
    return _scalar_division(total, losses.size if count is None else count)


def check_probabilities(func: str, p: np.ndarray) -> None:
    """p outside [0, 1] (or NaN) is a ValueError naming the first such position."""
    with np.errstate(invalid="ignore"):
        bad = ~((p >= 0.0) & (p <= 1.0))
    if bad.any():
        flat = int(np.argmax(bad.reshape(-1)))
        index = tuple(int(i) for i in np.unravel_index(flat, p.shape))
        at = f"p[{', '.join(map(str, index))}]" if index else "p"
        value = float(np.asarray(p, dtype=np.float64).reshape(-1)[flat])
        raise ValueError(f"{func}: {at} = {value!r} is outside [0, 1]")


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, func: str) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{func}: out must be a NumPy array, not {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(
            f"{func}: out has shape {out.shape} and dtype {out.dtype}; expected {shape} and {dtype}"
        )
    if not out.flags.writeable:
        raise ValueError(f"{func}: out is read-only")
