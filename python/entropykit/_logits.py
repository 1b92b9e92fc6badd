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

import numpy as np
import numpy.typing as npt

from . import _core

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
    return _core.logsumexp(x, axis, keepdims)


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
    return _core.log_softmax(x, axis, out)


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
    return _core.entropy_from_logits(logits, axis)


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
    return _core.kl_divergence_from_logits(logits_p, logits_q, axis)


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
    return _core.softmax_cross_entropy(
        logits, target, axis, weight, ignore_index, label_smoothing, reduction
    )


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
    return _core.perplexity_from_logits(logits, target, ignore_index)


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
    return _core.binary_cross_entropy_with_logits(x, y, weight, pos_weight, reduction)


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
    return _core.binary_cross_entropy(p, y, weight, reduction)
