"""Pure-NumPy twins of the functions on logits (:mod:`entropykit._logits`), with their
argument rules: they accept, reject and describe inputs in the same words as the fast path.

The twins compute in float64 with full-size temporaries, straight from the definitions; they are
the oracle of the tests and the baseline of the benchmark. Both sides see the same numbers:
float16, bfloat16 and float32 logits (and the weights and probability targets that go with them)
are rounded to float32 first, float64 stays float64.

Special values, on both sides: NaN anywhere in a row makes that row's results NaN. A row holding
+inf has logsumexp +inf (NaN if it also holds NaN) and every other result NaN (its log-softmax is
inf - inf). -inf entries are masked classes of probability 0; a row of only -inf has logsumexp
-inf and every other result NaN.
"""

from __future__ import annotations

import math
import operator
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ._rules import as_array

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "entropy_from_logits",
    "kl_divergence_from_logits",
    "log_softmax",
    "logsumexp",
    "perplexity_from_logits",
    "softmax_cross_entropy",
]

Result = np.ndarray | np.float64
REDUCTIONS = ("none", "sum", "mean")

# ---------------------------------------------------------------------------------------------
# Argument rules
# ---------------------------------------------------------------------------------------------


def _is_bfloat16(dtype: np.dtype) -> bool:
    return dtype.name == "bfloat16"


def as_float(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a float ndarray (no copy)."""
    arr = as_array(x, name, func)
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
    w = as_array(weight, "weight", func)
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
        t = as_array(target, "target", func)
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
    ya = as_array(y, names[1], func)
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
        e = as_array(extra, name, func)
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


def elementwise_args(
    func: str,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    names: tuple[str, str],
    weight: npt.ArrayLike | None,
    pos_weight: npt.ArrayLike | None,
    reduction: str,
) -> Elementwise:
    """float64 copies of the validated arguments (y and the factors rounded to the compute
    dtype first, as the kernels see them), the factors broadcast to x's shape."""
    xa, ya, w, pw = check_elementwise(func, x, y, names, weight, pos_weight, reduction)
    dtype = compute_dtype(xa)

    def as64(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a.astype(dtype).astype(np.float64), xa.shape)

    return (
        _rows64(xa),
        as64(ya),
        None if w is None else as64(w),
        None if pw is None else as64(pw),
    )


def reduce_elementwise(losses: np.ndarray, reduction: str, count: int | None = None) -> Result:
    """Element losses (or, with ``count`` elements, partial sums of them) reduced; "mean" over
    zero elements is NaN."""
    if reduction == "none":
        return np.asarray(losses, dtype=np.float64)  # an array even for 0-d input
    total = np.sum(losses)
    if reduction == "sum":
        return np.float64(total)
    return _scalar_division(total, losses.size if count is None else count)


def bce_with_logits_losses(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray | None, pos_weight: np.ndarray | None
) -> np.ndarray:
    """PyTorch's stable form: (1 - y) x + (1 + (pw - 1) y) (log1p(e^-|x|) + max(-x, 0))."""
    with np.errstate(over="ignore", invalid="ignore"):
        log_sig = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0.0)
        coef = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * y
        losses: np.ndarray = (1.0 - y) * x + coef * log_sig
        if weight is not None:
            losses = weight * losses
    return losses


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


def bce_losses(func: str, p: np.ndarray, y: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    """PyTorch's BCE on probabilities, logs clamped at -100; p outside [0, 1] (or NaN) raises."""
    check_probabilities(func, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_q = np.maximum(np.log1p(-p), -100.0)
        losses: np.ndarray = -(y * log_p + (1.0 - y) * log_q)
        if weight is not None:
            losses = weight * losses
    return losses


# ---------------------------------------------------------------------------------------------
# The twins
# ---------------------------------------------------------------------------------------------


def _rows64(rows: np.ndarray) -> np.ndarray:
    """float64 copy of (rows, classes) values as the kernels see them (narrow floats via f32)."""
    if rows.dtype != np.float64:
        rows = rows.astype(np.float32)
    return rows.astype(np.float64)


def _lse_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log-sum-exp, bad) per row of float64 rows; bad marks rows whose other results are NaN."""
    nan = np.isnan(x).any(axis=1)
    pinf = (x == np.inf).any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(np.where(np.isnan(x), -np.inf, x), axis=1)
        shift = np.where(np.isfinite(m), m, 0.0)
        lse = shift + np.log(np.sum(np.exp(x - shift[:, None]), axis=1))
    lse = np.where(pinf, np.inf, lse)
    lse = np.where(nan, np.nan, lse)
    bad = nan | pinf | (m == -np.inf)
    return lse, bad


def _log_softmax_rows(x: np.ndarray) -> np.ndarray:
    lse, bad = _lse_rows(x)
    with np.errstate(invalid="ignore"):
        lp: np.ndarray = x - lse[:, None]
    lp[bad] = np.nan
    return lp


def logsumexp(x: npt.ArrayLike, axis: int = -1, keepdims: bool = False) -> Result:
    """NumPy twin of :func:`entropykit.logsumexp`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.logsumexp([0.0, 0.0]))  # doctest: +ELLIPSIS
    0.6931...
    """
    arr = as_logits(x, "x", "logsumexp")
    a = class_axis(axis, arr.ndim, "logsumexp")
    rows, batch = rows_view(arr, a, "logsumexp", "x")
    lse, _ = _lse_rows(_rows64(rows))
    return shape_rows(lse, batch, keepdims_shape(arr.shape, a) if keepdims else None)


def log_softmax(x: npt.ArrayLike, axis: int = -1, out: np.ndarray | None = None) -> np.ndarray:
    """NumPy twin of :func:`entropykit.log_softmax`.

    Examples
    --------
    >>> import numpy as np
    >>> from entropykit import reference
    >>> reference.log_softmax(np.log([1.0, 3.0]))
    array([-1.38629436, -0.28768207])
    """
    arr = as_logits(x, "x", "log_softmax")
    a = class_axis(axis, arr.ndim, "log_softmax")
    rows, batch = rows_view(arr, a, "log_softmax", "x")
    dtype = compute_dtype(arr)
    lp = _log_softmax_rows(_rows64(rows)).astype(dtype)
    result = np.moveaxis(lp.reshape(*batch, rows.shape[1]), -1, a)
    return write_out(result, out, arr.shape, dtype, "log_softmax")


def write_out(
    result: np.ndarray, out: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype, func: str
) -> np.ndarray:
    """``result`` as a fresh C-contiguous array, or copied into ``out`` after checking it."""
    if out is None:
        return np.ascontiguousarray(result)
    check_out(out, shape, dtype, func)
    out[...] = result
    return out


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, func: str) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{func}: out must be a NumPy array, not {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(
            f"{func}: out has shape {out.shape} and dtype {out.dtype}; expected {shape} and {dtype}"
        )
    if not out.flags.writeable:
        raise ValueError(f"{func}: out is read-only")


def entropy_from_logits(logits: npt.ArrayLike, axis: int = -1) -> Result:
    """NumPy twin of :func:`entropykit.entropy_from_logits`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.entropy_from_logits([0.0, 0.0, 0.0, 0.0]))  # doctest: +ELLIPSIS
    1.3862...
    """
    arr = as_logits(logits, "logits", "entropy_from_logits")
    a = class_axis(axis, arr.ndim, "entropy_from_logits")
    rows, batch = rows_view(arr, a, "entropy_from_logits", "logits")
    lp = _log_softmax_rows(_rows64(rows))
    with np.errstate(invalid="ignore", over="ignore"):
        p = np.exp(lp)
        h = -np.sum(np.where(lp == -np.inf, 0.0, p * lp), axis=1)
    return shape_rows(h, batch)


def kl_divergence_from_logits(
    logits_p: npt.ArrayLike, logits_q: npt.ArrayLike, axis: int = -1
) -> Result:
    """NumPy twin of :func:`entropykit.kl_divergence_from_logits`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.kl_divergence_from_logits([0.0, 0.0], [0.0, 0.0]))
    0.0
    """
    func = "kl_divergence_from_logits"
    p = as_logits(logits_p, "logits_p", func)
    q = as_logits(logits_q, "logits_q", func)
    check_same_shape(func, p, q)
    a = class_axis(axis, p.ndim, func)
    rows_p, batch = rows_view(p, a, func, "logits_p")
    rows_q, _ = rows_view(q, a, func, "logits_q")
    dtype = compute_dtype(p)
    lp = _log_softmax_rows(_rows64(rows_p.astype(dtype)))
    lq = _log_softmax_rows(_rows64(rows_q.astype(dtype)))
    with np.errstate(invalid="ignore", over="ignore"):
        terms = np.where(lp == -np.inf, 0.0, np.exp(lp) * (lp - lq))
        kl = np.sum(terms, axis=1)
    kl = np.where(kl < 0, 0.0, kl)
    return shape_rows(kl, batch)


def cross_entropy_rows(args: CrossEntropyArgs) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-row losses (and, for class indices, per-row weights in the mean), in float64."""
    lp = _log_softmax_rows(_rows64(args.logits))
    rows, classes = lp.shape
    w = np.ones(classes) if args.weight is None else args.weight.astype(np.float64)
    eps = args.eps
    with np.errstate(invalid="ignore", over="ignore"):
        if args.indices is not None:
            ignored = (
                args.indices == args.ignore_index
                if args.ignore_index is not None
                else np.zeros(rows, dtype=bool)
            )
            y = np.where(ignored, 0, args.indices)
            w_y = w[y]
            picked = lp[np.arange(rows), y]
            losses = (1.0 - eps) * (w_y * -picked)
            if eps > 0:
                losses = losses + eps / classes * np.sum(-w * lp, axis=1)
            losses = np.where(ignored, 0.0, losses)
            return losses, np.where(ignored, 0.0, w_y)
        assert args.probs is not None  # CrossEntropyArgs sets exactly one of indices and probs
        t = _rows64(args.probs.astype(compute_dtype(args.logits)))
        smoothed = t * (1.0 - eps) + eps / classes
        weighted = w * smoothed
        # A non-finite weighted target has no loss to give (the kernel's rule): NaN for the row.
        finite = np.isfinite(weighted.sum(axis=1))
        return np.where(finite, np.sum(-weighted * lp, axis=1), np.nan), None


def softmax_cross_entropy(
    logits: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    axis: int = -1,
    weight: npt.ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> Result:
    """NumPy twin of :func:`entropykit.softmax_cross_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.softmax_cross_entropy([[0.0, 0.0]], [1]))  # doctest: +ELLIPSIS
    0.6931...
    """
    args = CrossEntropyArgs(
        "softmax_cross_entropy",
        logits,
        target,
        axis,
        weight,
        ignore_index,
        label_smoothing,
        reduction,
    )
    return reduce_losses(args, *cross_entropy_rows(args))


def perplexity_from_logits(
    logits: npt.ArrayLike, target: npt.ArrayLike, *, ignore_index: int | None = None
) -> np.float64:
    """NumPy twin of :func:`entropykit.perplexity_from_logits`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.perplexity_from_logits([[0.0, 0.0, 0.0]], [2]))  # doctest: +ELLIPSIS
    3.0000...
    """
    args = CrossEntropyArgs(
        "perplexity_from_logits", logits, target, -1, None, ignore_index, 0.0, "mean"
    )
    if args.indices is None:
        raise TypeError("perplexity_from_logits: target must hold integer class indices")
    mean = reduce_losses(args, *cross_entropy_rows(args))
    with np.errstate(over="ignore"):
        # reduction="mean" gives a NumPy float64 scalar, and so does its exp.
        return cast(np.float64, np.exp(mean))


def binary_cross_entropy_with_logits(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    pos_weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> Result:
    """NumPy twin of :func:`entropykit.binary_cross_entropy_with_logits`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.binary_cross_entropy_with_logits([0.0], [1.0]))  # doctest: +ELLIPSIS
    0.6931...
    """
    func = "binary_cross_entropy_with_logits"
    xa, ya, w, pw = elementwise_args(func, x, y, ("x", "y"), weight, pos_weight, reduction)
    return reduce_elementwise(bce_with_logits_losses(xa, ya, w, pw), reduction)


def binary_cross_entropy(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> Result:
    """NumPy twin of :func:`entropykit.binary_cross_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.binary_cross_entropy([0.5], [1.0]))  # doctest: +ELLIPSIS
    0.6931...
    """
    func = "binary_cross_entropy"
    pa, ya, w, _ = elementwise_args(func, p, y, ("p", "y"), weight, None, reduction)
    return reduce_elementwise(bce_losses(func, pa, ya, w), reduction)
