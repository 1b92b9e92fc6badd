"""Losses and measures on logits, each one fused pass of a Rust kernel over the rows (threads
over rows, SIMD within a row, a streaming log-sum-exp), with the semantics of the NumPy twins in
:mod:`entropykit.reference` and of the PyTorch functions of the same names.

Logits may be float16, float32, float64 or bfloat16 (with ``ml_dtypes``). float64 is computed in
float64; the others in float32 lanes (float16 and bfloat16 are widened a block of rows at a time,
so no full-size copy is made), with every row's sums and the final reductions in float64.

Special values: NaN anywhere in a row makes that row's results NaN. A row holding +inf has
``logsumexp`` +inf (NaN if it also holds NaN) and every other result NaN, since its log-softmax
is inf - inf. -inf entries are masked classes of probability 0; a row of only -inf has
``logsumexp`` -inf and every other result NaN.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from . import _core
from ._logits_rules import (
    CrossEntropyArgs,
    as_logits,
    check_elementwise,
    check_out,
    check_probabilities,
    check_same_shape,
    class_axis,
    compute_dtype,
    keepdims_shape,
    reduce_elementwise,
    reduce_losses,
    rows_view,
    shape_rows,
)

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

# Entries converted per kernel call when the logits need a dtype change or a contiguous copy
# (float16, bfloat16, strided views): a 4 MB float32 block, not a copy of the whole array.
_BLOCK_ENTRIES = 1 << 20


def _ready(rows: np.ndarray, dtype: np.dtype) -> bool:
    return rows.dtype == dtype and rows.flags.c_contiguous


def _blocks(rows: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of about ``_BLOCK_ENTRIES`` entries each."""
    n, classes = rows.shape
    step = max(1, _BLOCK_ENTRIES // classes)
    return [(start, min(n, start + step)) for start in range(0, n, step)] or [(0, 0)]


def _row_values(
    op: str,
    rows: np.ndarray,
    dtype: np.dtype,
    other: np.ndarray | None = None,
    target: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One kernel value per row (and, for class-index cross-entropy, each row's weight)."""
    if _ready(rows, dtype) and (other is None or _ready(other, dtype)):
        return _core.logits_rows(op, rows, other, target, weight, ignore_index, label_smoothing)
    n = rows.shape[0]
    values = np.empty(n)
    weights = np.empty(n if op == "cross_entropy_index" else 0)
    for start, stop in _blocks(rows):
        v, w = _core.logits_rows(
            op,
            np.ascontiguousarray(rows[start:stop], dtype=dtype),
            None if other is None else np.ascontiguousarray(other[start:stop], dtype=dtype),
            None if target is None else target[start:stop],
            weight,
            ignore_index,
            label_smoothing,
        )
        values[start:stop] = v
        if weights.size:
            weights[start:stop] = w
    return values, weights


def logsumexp(x: npt.ArrayLike, axis: int = -1, keepdims: bool = False) -> Result:
    """log(sum(exp(x))) along ``axis``, without overflow, in one pass over each row.

    Parameters
    ----------
    x : array_like
        Logits: float16, float32, float64 or bfloat16, at least one dimension.
    axis : int, default -1
        The class axis.
    keepdims : bool, default False
        Keep ``axis`` as a dimension of size 1.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64; a scalar for 1-D input without ``keepdims``. A row holding +inf gives +inf, a
        row of only -inf gives -inf, NaN gives NaN.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.logsumexp([0.0, 0.0]))  # doctest: +ELLIPSIS
    0.6931...
    >>> ek.logsumexp([[1000.0, 1000.0], [-1000.0, float("-inf")]])
    array([ 1000.69314718, -1000.        ])
    """
    arr = as_logits(x, "x", "logsumexp")
    a = class_axis(axis, arr.ndim, "logsumexp")
    rows, batch = rows_view(arr, a, "logsumexp", "x")
    values, _ = _row_values("logsumexp", rows, compute_dtype(arr))
    return shape_rows(values, batch, keepdims_shape(arr.shape, a) if keepdims else None)


def log_softmax(x: npt.ArrayLike, axis: int = -1, out: np.ndarray | None = None) -> np.ndarray:
    """x - logsumexp(x) along ``axis``: log-probabilities, without a temporary.

    Parameters
    ----------
    x : array_like
        Logits: float16, float32, float64 or bfloat16, at least one dimension.
    axis : int, default -1
        The class axis.
    out : numpy.ndarray, optional
        Where to write the result: x's shape, and float64 for float64 ``x``, else float32.

    Returns
    -------
    numpy.ndarray
        float64 for float64 input, else float32 (``out`` if given). Rows holding NaN or +inf,
        and rows of only -inf, are all NaN.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> ek.log_softmax(np.log([1.0, 3.0]))
    array([-1.38629436, -0.28768207])
    >>> out = np.empty(2, dtype=np.float32)
    >>> ek.log_softmax(np.array([0.0, 0.0], dtype=np.float16), out=out) is out
    True
    """
    func = "log_softmax"
    arr = as_logits(x, "x", func)
    a = class_axis(axis, arr.ndim, func)
    rows, batch = rows_view(arr, a, func, "x")
    dtype = compute_dtype(arr)
    if out is not None:
        check_out(out, arr.shape, dtype, func)
    # ``out`` itself when the kernel can write straight into it, else None.
    direct = (
        out
        if out is not None
        and a == arr.ndim - 1
        and out.flags.c_contiguous
        and not np.shares_memory(out, arr)
        else None
    )
    target = direct.reshape(rows.shape) if direct is not None else np.empty(rows.shape, dtype=dtype)
    if _ready(rows, dtype):
        _core.log_softmax_rows(rows, target)
    else:
        for start, stop in _blocks(rows):
            chunk = np.ascontiguousarray(rows[start:stop], dtype=dtype)
            _core.log_softmax_rows(chunk, target[start:stop])
    if direct is not None:
        return direct
    result = np.moveaxis(target.reshape(*batch, rows.shape[1]), -1, a)
    if out is None:
        return result
    out[...] = result
    return out


def entropy_from_logits(logits: npt.ArrayLike, axis: int = -1) -> Result:
    """Entropy of softmax(logits) along ``axis``, in nats, in one fused pass per row.

    H = logsumexp(x) - sum_c softmax(x)_c x_c, computed from streaming sums, so no probabilities
    are materialised. Masked classes (-inf) contribute 0.

    Parameters
    ----------
    logits : array_like
        float16, float32, float64 or bfloat16, at least one dimension.
    axis : int, default -1
        The class axis.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64, ``axis`` removed; a scalar for 1-D input.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.entropy_from_logits([0.0, 0.0, 0.0, 0.0]))  # doctest: +ELLIPSIS
    1.3862...
    >>> float(ek.entropy_from_logits([0.0, float("-inf")]))
    0.0
    """
    func = "entropy_from_logits"
    arr = as_logits(logits, "logits", func)
    a = class_axis(axis, arr.ndim, func)
    rows, batch = rows_view(arr, a, func, "logits")
    values, _ = _row_values("entropy", rows, compute_dtype(arr))
    return shape_rows(values, batch)


def kl_divergence_from_logits(
    logits_p: npt.ArrayLike, logits_q: npt.ArrayLike, axis: int = -1
) -> Result:
    """KL(softmax(logits_p) || softmax(logits_q)) along ``axis`` (distillation), fused.

    Computed as sum_c p_c (x_c - z_c) - logsumexp(x) + logsumexp(z) from streaming sums over both
    rows at once. Classes masked (-inf) in ``logits_p`` contribute 0; a class masked in
    ``logits_q`` but not in ``logits_p`` makes the divergence +inf.

    Parameters
    ----------
    logits_p, logits_q : array_like
        Logits of the same shape (float16, float32, float64 or bfloat16); computed in float64 if
        ``logits_p`` is float64, else in float32.
    axis : int, default -1
        The class axis.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64, >= 0, ``axis`` removed; a scalar for 1-D input.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.kl_divergence_from_logits([0.0, 0.0], [0.0, 0.0]))
    0.0
    >>> float(ek.kl_divergence_from_logits([0.0, 0.0], [0.0, float("-inf")]))
    inf
    """
    func = "kl_divergence_from_logits"
    p = as_logits(logits_p, "logits_p", func)
    q = as_logits(logits_q, "logits_q", func)
    check_same_shape(func, p, q)
    a = class_axis(axis, p.ndim, func)
    rows_p, batch = rows_view(p, a, func, "logits_p")
    rows_q, _ = rows_view(q, a, func, "logits_q")
    values, _ = _row_values("kl_divergence", rows_p, compute_dtype(p), other=rows_q)
    return shape_rows(values, batch)


def _cross_entropy_rows(args: CrossEntropyArgs) -> tuple[np.ndarray, np.ndarray | None]:
    dtype = compute_dtype(args.logits)
    if args.indices is not None:
        return _row_values(
            "cross_entropy_index",
            args.logits,
            dtype,
            target=args.indices,
            weight=args.weight,
            ignore_index=args.ignore_index,
            label_smoothing=args.eps,
        )
    values, _ = _row_values(
        "cross_entropy_prob",
        args.logits,
        dtype,
        other=args.probs,
        weight=args.weight,
        label_smoothing=args.eps,
    )
    return values, None


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
    """Cross-entropy of softmax(logits) against targets, as ``torch.nn.functional.cross_entropy``
    with the class dimension on ``axis``, in one fused pass over the logits.

    Parameters
    ----------
    logits : array_like
        float16, float32, float64 or bfloat16, at least one dimension.
    target : array_like
        Either integer class indices, of the logits' shape without ``axis``, or float class
        probabilities of the logits' shape.
    axis : int, default -1
        The class axis.
    weight : array_like, optional
        One weight per class, w.
    ignore_index : int, optional
        Class-index targets equal to it are ignored (loss 0, and left out of the mean).
        Probability targets ignore it, as PyTorch does.
    label_smoothing : float in [0, 1], default 0
        eps: with C classes, class indices give l = (1 - eps) (-w_y log p_y) +
        (eps / C) sum_c (-w_c log p_c), probabilities t give l = -sum_c w_c t'_c log p_c with
        t' = (1 - eps) t + eps / C.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none" gives the per-row losses. "mean" with class indices is sum_i l_i / sum_i w_{y_i}
        over the non-ignored rows, which is NaN when every row is ignored (as in PyTorch); with
        probabilities it divides by the number of rows.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        float64: a scalar for "mean" and "sum", an array of the batch shape for "none".

    Raises
    ------
    ValueError
        For a class index outside [0, C) other than ``ignore_index`` (naming the first such
        row), mismatched shapes, or bad ``reduction`` / ``label_smoothing``.
    TypeError
        For logits or targets of an unsupported dtype.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> float(ek.softmax_cross_entropy(logits, [0, 2]))  # doctest: +ELLIPSIS
    0.6690...
    >>> ek.softmax_cross_entropy(logits, [0, -100], ignore_index=-100, reduction="none")
    array([0.23954477, 0.        ])
    >>> float(ek.softmax_cross_entropy(logits, [-100, -100], ignore_index=-100))
    nan
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
    return reduce_losses(args, *_cross_entropy_rows(args))


def perplexity_from_logits(
    logits: npt.ArrayLike, target: npt.ArrayLike, *, ignore_index: int | None = None
) -> np.float64:
    """exp of the mean token cross-entropy: class axis last, integer class-index targets.

    NaN when every token is ignored.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.perplexity_from_logits([[0.0, 0.0, 0.0]], [2]))  # doctest: +ELLIPSIS
    3.0000...
    """
    args = CrossEntropyArgs(
        "perplexity_from_logits", logits, target, -1, None, ignore_index, 0.0, "mean"
    )
    if args.indices is None:
        raise TypeError("perplexity_from_logits: target must hold integer class indices")
    mean = reduce_losses(args, *_cross_entropy_rows(args))
    with np.errstate(over="ignore"):
        # reduction="mean" gives a NumPy float64 scalar, and so does its exp.
        return cast(np.float64, np.exp(mean))


def _factor(
    e: np.ndarray | None, shape: tuple[int, ...], rows: int, cols: int, dtype: np.dtype
) -> np.ndarray | None:
    """A weight as the kernel takes it: (1, cols) when it varies along the last axis only (no
    full-size copy), else broadcast to (rows, cols)."""
    if e is None:
        return None
    if e.ndim == 0 or all(d == 1 for d in e.shape[:-1]):
        last = e.reshape(e.shape[-1:]) if e.ndim else e
        return np.ascontiguousarray(np.broadcast_to(last, (cols,)), dtype=dtype).reshape(1, cols)
    return np.ascontiguousarray(np.broadcast_to(e, shape).reshape(rows, cols), dtype=dtype)


def _binary(
    kind: str,
    func: str,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    names: tuple[str, str],
    weight: npt.ArrayLike | None,
    pos_weight: npt.ArrayLike | None,
    reduction: str,
) -> Result:
    xa, ya, w, pw = check_elementwise(func, x, y, names, weight, pos_weight, reduction)
    shape = xa.shape
    if xa.size == 0:
        return reduce_elementwise(np.zeros(shape), reduction)
    dtype = compute_dtype(xa)
    cols = shape[-1] if xa.ndim else 1
    rows = xa.size // cols
    x2 = np.ascontiguousarray(xa.reshape(rows, cols), dtype=dtype)
    y2 = np.ascontiguousarray(ya.reshape(rows, cols), dtype=dtype)
    per_row = reduction != "none"
    try:
        values = _core.binary_rows(
            kind,
            x2,
            y2,
            _factor(w, shape, rows, cols, dtype),
            _factor(pw, shape, rows, cols, dtype),
            per_row,
        )
    except ValueError:
        if kind == "probabilities":
            check_probabilities(func, xa)  # the twin's message, naming the position
        raise
    if not per_row:
        return values.reshape(shape)
    return reduce_elementwise(values, reduction, count=xa.size)


def binary_cross_entropy_with_logits(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    pos_weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> Result:
    """Binary cross-entropy of sigmoid(x) against y, element by element, in PyTorch's stable
    log-sigmoid form: l = w [(1 - y) x + (1 + (pw - 1) y) (log1p(exp(-|x|)) + max(-x, 0))].

    No clamp is needed; infinite logits follow the formula (x = -inf gives NaN, x = +inf gives
    NaN where y = 1, as in PyTorch). ``weight`` and ``pos_weight`` broadcast to x's shape
    (``pos_weight`` usually has one entry per class of the last axis). "mean" averages over all
    elements. One fused pass; the mean and sum add per-row float64 sums in a fixed order.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.binary_cross_entropy_with_logits([0.0], [1.0]))  # doctest: +ELLIPSIS
    0.6931...
    >>> float(ek.binary_cross_entropy_with_logits([-1000.0], [1.0]))
    1000.0
    """
    return _binary(
        "logits",
        "binary_cross_entropy_with_logits",
        x,
        y,
        ("x", "y"),
        weight,
        pos_weight,
        reduction,
    )


def binary_cross_entropy(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weight: npt.ArrayLike | None = None,
    reduction: str = "mean",
) -> Result:
    """Binary cross-entropy on probabilities, as PyTorch: l = -w (y log p + (1 - y) log(1 - p))
    with each log clamped at -100, so p = 0 or 1 gives a finite loss (at most 100 w).

    ``p`` must lie in [0, 1]: anything else (NaN included) is a ValueError naming its position.
    One fused pass; the mean and sum add per-row float64 sums in a fixed order.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.binary_cross_entropy([0.5], [1.0]))  # doctest: +ELLIPSIS
    0.6931...
    >>> float(ek.binary_cross_entropy([0.0], [1.0]))
    100.0
    """
    return _binary(
        "probabilities", "binary_cross_entropy", p, y, ("p", "y"), weight, None, reduction
    )
