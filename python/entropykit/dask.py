"""entropykit over Dask arrays: the measures as Dask reductions, with entropykit's kernels inside
each task (``pip install 'entropykit[dask]'``; ``import entropykit`` never imports Dask).

Every function takes ``dask.array`` inputs of any chunking (other array-likes are wrapped with
``dask.array.asarray``) and returns a lazy ``dask.array.Array`` (0-d for a full reduction): call
``.compute()``. Results equal the in-memory functions' to rounding (the merge order follows the
chunking, not the thread or worker count).

How each is built:

- entropy, cross_entropy, kl_divergence: each block's mergeable partial sums
  (``_core.partial_sums``), merged along the reduced axes by a tree of ``combine_partials`` and
  finished once (``finish_partials``). One pass over the data.
- js_divergence: two passes. The first gives each distribution's masses (the cross-entropy
  partials, which also check the entries); the second sums the Jensen-Shannon terms of each block
  scaled by them (``_core.js_divergence(normalize=False)`` inside the task), which add up.
- joint_entropy, conditional_entropy, mutual_information, variation_of_information,
  normalized_mutual_information: the entropies of the joint table and of its two marginals
  (Dask sums), each a one-pass entropy reduction, combined as H(X) + H(Y) - H(X, Y) etc.
- mutual_information_labels, entropy_labels: each block's contingency table of the labels it
  holds, merged (labels unioned, counts added); the measure of the merged table at the end.
- softmax_cross_entropy, binary_cross_entropy(_with_logits), entropy_from_logits,
  kl_divergence_from_logits, perplexity_from_logits: per-row or per-entry losses of each block
  (the class axis is brought into one chunk), summed or averaged by Dask.
"""

from __future__ import annotations

import importlib
import math
from functools import partial
from typing import Any

import numpy as np

from . import _core, _family, _logits
from ._errors import InvalidDistributionError

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conditional_entropy",
    "cross_entropy",
    "entropy",
    "entropy_from_logits",
    "entropy_labels",
    "joint_entropy",
    "js_divergence",
    "kl_divergence",
    "kl_divergence_from_logits",
    "mutual_information",
    "mutual_information_labels",
    "normalized_mutual_information",
    "perplexity_from_logits",
    "softmax_cross_entropy",
    "variation_of_information",
]

Axis = int | tuple[int, ...] | None


def _import(name: str) -> Any:
    """A Dask module, imported on first use (through importlib: the type checker need not have
    Dask, which ships no complete annotations)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:  # pragma: no cover - the extra is missing
        raise ImportError("entropykit.dask needs Dask: pip install 'entropykit[dask]'") from error


def _da() -> Any:
    return _import("dask.array")


def _delayed(func: Any) -> Any:
    return _import("dask").delayed(func, pure=True)


def _axes(axis: Axis, ndim: int, func: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim, func)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{func}: axis {axis!r} repeats an axis")
    return tuple(sorted(out))


# --- One-pass measures: partial sums per block, merged in a tree ------------------------------


def _block_partials(
    p: np.ndarray,
    q: np.ndarray | None = None,
    *,
    kind: str,
    axes: tuple[int, ...],
    nan_policy: str,
    normalize: bool,
    rename: tuple[str, str] | None = None,
    block_info: dict[Any, Any] | None = None,
) -> np.ndarray:
    """The block's partials with the reduced axes kept (size 1) and the 6 sums last. Errors
    name entries in the whole array, as function and argument ``rename`` when given."""
    offset = None
    if block_info and 0 in block_info:
        offset = tuple(start for start, _ in block_info[0]["array-location"])
    try:
        parts = _core.partial_sums(kind, p, q, axes, nan_policy, normalize, offset)
    except InvalidDistributionError as error:
        if rename is None:
            raise
        raise _renamed(error, f"{kind}: {error.arg}", *rename) from None
    kept = tuple(1 if a in axes else n for a, n in enumerate(p.shape))
    return np.asarray(parts).reshape((*kept, 6))


def _renamed(
    error: InvalidDistributionError, prefix: str, func: str, arg: str
) -> InvalidDistributionError:
    """``error`` as raised by ``func`` about its argument ``arg``."""
    message = str(error)
    if message.startswith(prefix):
        message = f"{func}: {arg}" + message[len(prefix) :]
    return InvalidDistributionError(message, error.kind, arg, error.index)


def _fold(parts: np.ndarray, axis: tuple[int, ...], keepdims: bool, kind: str) -> np.ndarray:
    """Merges partials laid side by side along the reduced axes, in order."""
    for a in axis:
        pieces = np.split(parts, parts.shape[a], axis=a) if parts.shape[a] else []
        merged = pieces[0]
        for piece in pieces[1:]:
            merged = np.asarray(_core.combine_partials(kind, merged, piece))
        parts = merged
    if not keepdims:
        parts = parts.reshape(tuple(n for a, n in enumerate(parts.shape) if a not in axis))
    return parts


def _finish(parts: np.ndarray, *, kind: str, normalize: bool, base: float | None) -> np.ndarray:
    return np.asarray(_core.finish_partials(kind, parts, normalize, base), dtype=np.float64)


def _merged_partials(
    kind: str,
    p: Any,
    q: Any,
    axis: Axis,
    keepdims: bool,
    normalize: bool,
    nan_policy: str,
    rename: tuple[str, str] | None = None,
) -> tuple[Any, tuple[int, ...]]:
    """The merged partials of each distribution, shape (*result, 6), and the reduced axes."""
    da = _da()
    p = da.asarray(p)
    arrays = [p]
    if q is not None:
        p, q = da.broadcast_arrays(p, da.asarray(q))
        q = q.rechunk(p.chunks)
        arrays = [p, q]
    axes = _axes(axis, p.ndim, kind)
    chunks = tuple((1,) * len(c) if a in axes else c for a, c in enumerate(p.chunks))
    parts = da.map_blocks(
        _block_partials,
        *arrays,
        kind=kind,
        axes=axes,
        nan_policy=nan_policy,
        normalize=normalize,
        rename=rename,
        chunks=(*chunks, (6,)),
        new_axis=p.ndim,
        dtype=np.float64,
        meta=np.empty((0,) * (p.ndim + 1), dtype=np.float64),
    )
    fold = partial(_fold, kind=kind)
    merged = da.reduction(
        parts,
        lambda x, axis, keepdims: x,
        partial(fold),
        combine=partial(fold),
        axis=axes,
        keepdims=keepdims,
        dtype=np.float64,
        concatenate=True,
        meta=np.empty((0,) * (p.ndim + 1 - (0 if keepdims else len(axes))), dtype=np.float64),
    )
    return merged, axes


def _check_base(base: float | None, func: str) -> float | None:
    if base is None:
        return None
    if isinstance(base, bool) or not isinstance(base, int | float | np.number):
        raise ValueError(f"{func}: base must be a real number or None, not {base!r}")
    value = float(base)
    if not (math.isfinite(value) and value > 0 and value != 1):
        raise ValueError(
            f"{func}: base must be a finite positive number other than 1, not {base!r}"
        )
    return value


def _check_nan_policy(nan_policy: str, func: str) -> str:
    # Checked when the graph is built, not when a task first runs.
    if nan_policy not in ("propagate", "raise", "omit"):
        raise ValueError(
            f"{func}: nan_policy must be 'propagate', 'raise' or 'omit', not {nan_policy!r}"
        )
    return nan_policy


def _one_pass(
    kind: str,
    p: Any,
    q: Any,
    base: float | None,
    axis: Axis,
    keepdims: bool,
    normalize: bool,
    nan_policy: str,
) -> Any:
    base = _check_base(base, kind)
    nan_policy = _check_nan_policy(nan_policy, kind)
    merged, _ = _merged_partials(kind, p, q, axis, keepdims, normalize, nan_policy)
    return merged.map_blocks(
        _finish,
        kind=kind,
        normalize=normalize,
        base=base,
        drop_axis=merged.ndim - 1,
        dtype=np.float64,
        meta=np.empty((0,) * (merged.ndim - 1), dtype=np.float64),
    )


def entropy(
    p: Any,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Any:
    """Shannon entropy of each distribution along ``axis`` of a Dask array (lazy).

    Same arguments and rules as :func:`entropykit.entropy`; one pass over the data.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.entropy(da.ones(8, chunks=3), base=2).compute())
    3.0
    """
    return _one_pass("entropy", p, None, base, axis, keepdims, normalize, nan_policy)


def cross_entropy(
    p: Any,
    q: Any,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Any:
    """Cross-entropy H(p, q) along ``axis`` of Dask arrays (lazy); see
    :func:`entropykit.cross_entropy`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> p = da.from_array([0.5, 0.5], chunks=1)
    >>> float(ekd.cross_entropy(p, p, base=2).compute())
    1.0
    """
    return _one_pass("cross_entropy", p, q, base, axis, keepdims, normalize, nan_policy)


def kl_divergence(
    p: Any,
    q: Any,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Any:
    """KL(p || q) along ``axis`` of Dask arrays (lazy); see :func:`entropykit.kl_divergence`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> p = da.from_array([0.5, 0.5], chunks=1)
    >>> round(float(ekd.kl_divergence(p, da.from_array([0.25, 0.75], chunks=1)).compute()), 12)
    0.143841036226
    """
    return _one_pass("kl_divergence", p, q, base, axis, keepdims, normalize, nan_policy)


# --- Jensen-Shannon: masses first, then the scaled terms, which add up ------------------------


def _masses(parts: np.ndarray) -> np.ndarray:
    """Each distribution's masses (p's, q's) from its merged cross-entropy partials, which were
    summed at scales 2^-e_p, 2^-e_q; a zero mass raises here, as in one call."""
    _core.finish_partials("cross_entropy", parts, True, None)
    return np.asarray(parts[..., 0:2] * np.exp2(parts[..., 4:6]), dtype=np.float64)


def _js_block(
    p: np.ndarray,
    q: np.ndarray,
    masses: np.ndarray | None = None,
    *,
    axes: tuple[int, ...],
    nan_policy: str,
) -> np.ndarray:
    """Sums of the Jensen-Shannon terms over the block's entries of each distribution (scaled by
    its masses), with the reduced axes kept."""
    if masses is not None:
        kept = tuple(1 if a in axes else n for a, n in enumerate(p.shape))
        masses = masses.reshape((*kept, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            p = p / masses[..., 0]
            q = q / masses[..., 1]
    value = _core.js_divergence(p, q, None, axes, True, False, nan_policy)
    return np.asarray(value, dtype=np.float64)


def _js_finish(value: np.ndarray, *, normalize: bool, base: float | None) -> np.ndarray:
    if normalize:
        value = np.clip(value, 0.0, math.log(2.0))
    if base is not None:
        value = value / math.log(base) + 0.0
    return np.asarray(value, dtype=np.float64)


_LETTERS = "abcdefghijklmnopqrstuvwxy"


def js_divergence(
    p: Any,
    q: Any,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Any:
    """Jensen-Shannon divergence along ``axis`` of Dask arrays (lazy; two passes under
    ``normalize``: the masses, then the terms); see :func:`entropykit.js_divergence`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> p = da.from_array([1.0, 0.0], chunks=1)
    >>> float(ekd.js_divergence(p, da.from_array([0.0, 1.0], chunks=1), base=2).compute())
    1.0
    """
    da = _da()
    base = _check_base(base, "js_divergence")
    nan_policy = _check_nan_policy(nan_policy, "js_divergence")
    p, q = da.broadcast_arrays(da.asarray(p), da.asarray(q))
    q = q.rechunk(p.chunks)
    axes = _axes(axis, p.ndim, "js_divergence")
    ind = _LETTERS[: p.ndim]
    args: list[Any] = [p, ind, q, ind]
    if normalize:
        merged, _ = _merged_partials("cross_entropy", p, q, axes, False, True, nan_policy)
        masses = merged.map_blocks(_masses, chunks=(*merged.chunks[:-1], (2,)), dtype=np.float64)
        batch_ind = "".join(ind[a] for a in range(p.ndim) if a not in axes)
        args += [masses, batch_ind + "z"]
    terms = da.blockwise(
        _js_block,
        ind,
        *args,
        concatenate=True,
        adjust_chunks={ind[a]: 1 for a in axes},
        axes=axes,
        nan_policy=nan_policy,
        dtype=np.float64,
        meta=np.empty((0,) * p.ndim, dtype=np.float64),
    )
    total = terms.sum(axis=axes, keepdims=keepdims)
    return total.map_blocks(_js_finish, normalize=normalize, base=base, dtype=np.float64)


# --- Tables: the entropies of the joint table and of its marginals ----------------------------


def _combine_tables(
    h_xy: np.ndarray,
    h_x: np.ndarray,
    h_y: np.ndarray,
    support_x: np.ndarray,
    support_y: np.ndarray,
    *,
    measure: str,
    base: float | None,
    given: str,
    method: str,
) -> np.ndarray:
    """The measure from the entropies in nats (rounding clamped to its range), as one call
    combines them: a marginal of support 1 is certain (entropy exactly 0)."""
    x_certain, y_certain = support_x <= 1, support_y <= 1
    h_x = np.where(x_certain & ~np.isnan(h_x), 0.0, h_x)
    h_y = np.where(y_certain & ~np.isnan(h_y), 0.0, h_y)
    h_xy = np.where(x_certain & ~np.isnan(h_xy), h_y, h_xy)
    h_xy = np.where(y_certain & ~np.isnan(h_xy), h_x, h_xy)
    with np.errstate(invalid="ignore", divide="ignore"):
        mi = np.maximum(h_x + h_y - h_xy, 0.0)
        if measure == "joint_entropy":
            value = h_xy
        elif measure == "mutual_information":
            value = mi
        elif measure == "conditional_entropy":
            value = np.maximum(h_xy - (h_y if given == "y" else h_x), 0.0)
        elif measure == "variation_of_information":
            value = np.maximum(2.0 * h_xy - h_x - h_y, 0.0)
        else:
            norm = {
                "arithmetic": lambda: 0.5 * (h_x + h_y),
                "geometric": lambda: np.sqrt(h_x * h_y),
                "min": lambda: np.minimum(h_x, h_y),
                "max": lambda: np.maximum(h_x, h_y),
            }[method]()
            ratio = np.where(norm > 0, mi / np.where(norm > 0, norm, 1.0), 0.0)
            value = np.where(x_certain & y_certain, 1.0, np.clip(ratio, 0.0, 1.0))
            value = np.where(np.isnan(h_xy + h_x + h_y), np.nan, value)
            return np.asarray(value, dtype=np.float64)
    value = np.asarray(value, dtype=np.float64)
    return value / math.log(base) if base is not None else value


def _combine_packed(
    packed: np.ndarray,
    *,
    axes: tuple[int, int],
    measure: str,
    base: float | None,
    given: str,
    method: str,
    block_info: dict[Any, Any] | None = None,
) -> np.ndarray:
    """Finishes the joint sums (columns 0-5: a zero mass is the table's error), then the
    marginals' (6-11 and 13-18, with their supports in 12 and 19), and combines them."""
    try:
        h_xy = _core.finish_partials("entropy", packed[..., 0:6], True, None)
    except InvalidDistributionError as error:
        index = tuple(error.index)
        if block_info and 0 in block_info and len(index) == packed.ndim - 1:
            # The block's place in the batch (its last location is the packed sums' axis).
            starts = [start for start, _ in block_info[0]["array-location"]][:-1]
            shifted = (i + s for i, s in zip(index, starts, strict=True))
            index = tuple(i for a, i in enumerate(shifted) if a not in axes)
        place = f"the table at index {index}" if index else "the table"
        message = f"{measure}: pxy has zero total mass in {place}; it cannot be normalized"
        raise InvalidDistributionError(message, "zero_mass", "pxy", index) from None
    h_x = _core.finish_partials("entropy", packed[..., 6:12], True, None)
    h_y = _core.finish_partials("entropy", packed[..., 13:19], True, None)
    return _combine_tables(
        np.asarray(h_xy),
        np.asarray(h_x),
        np.asarray(h_y),
        packed[..., 12],
        packed[..., 19],
        measure=measure,
        base=base,
        given=given,
        method=method,
    )


def _table(
    func: str,
    pxy: Any,
    base: float | None,
    axis: tuple[int, int],
    keepdims: bool,
    nan_policy: str,
    given: str = "y",
    method: str = "arithmetic",
) -> Any:
    da = _da()
    pxy = da.asarray(pxy)
    if pxy.ndim < 2:
        raise ValueError(f"{func}: pxy must have at least 2 dimensions, not {pxy.ndim}")
    if not isinstance(axis, tuple | list) or len(axis) != 2:
        raise ValueError(f"{func}: axis must be a pair of axes (X's, Y's), not {axis!r}")
    ax, ay = (_axes(a, pxy.ndim, func)[0] for a in axis)
    if ax == ay:
        raise ValueError(f"{func}: axis must name two different axes, not {axis!r}")
    base = _check_base(base, func)
    nan_policy = _check_nan_policy(nan_policy, func)
    axes = (ax, ay)
    parts_xy, _ = _merged_partials(
        "entropy", pxy, None, axes, True, True, nan_policy, rename=(func, "pxy")
    )
    # Entries are checked (and nan_policy="raise" applied) on the joint table only: a marginal
    # that is negative, infinite or NaN is NaN, which its entropy propagates, and its zero mass
    # is the table's, reported once from the joint sums.
    summed = da.nansum if nan_policy == "omit" else da.sum
    marginals = []
    for other in (ay, ax):
        m = summed(pxy, axis=other, keepdims=True)
        m = da.where((m >= 0) & (m < np.inf), m, np.nan)
        parts, _ = _merged_partials("entropy", m, None, axes, True, True, "propagate")
        support = (m > 0).sum(axis=axes, keepdims=True)[..., None]
        marginals += [parts, support.astype(np.float64)]
    packed = da.concatenate([parts_xy, *marginals], axis=-1).rechunk({-1: -1})
    value = packed.map_blocks(
        _combine_packed,
        axes=axes,
        measure=func,
        base=base,
        given=given,
        method=method,
        drop_axis=packed.ndim - 1,
        dtype=np.float64,
        meta=np.empty((0,) * (packed.ndim - 1), dtype=np.float64),
    )
    if not keepdims:
        value = value.squeeze(axis=(ax, ay))
    return value


def joint_entropy(
    pxy: Any,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Any:
    """H(X, Y) of the joint tables of a Dask array (lazy); see :func:`entropykit.joint_entropy`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.joint_entropy(da.ones((2, 2), chunks=1), base=2).compute())
    2.0
    """
    return _table("joint_entropy", pxy, base, axis, keepdims, nan_policy)


def conditional_entropy(
    pxy: Any,
    *,
    given: str = "y",
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Any:
    """H(X | Y) (or H(Y | X) with ``given="x"``) of a Dask array of joint tables (lazy); see
    :func:`entropykit.conditional_entropy`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.conditional_entropy(da.ones((2, 2), chunks=1), base=2).compute())
    1.0
    """
    if given not in ("x", "y"):
        raise ValueError(f"conditional_entropy: given must be 'x' or 'y', not {given!r}")
    return _table("conditional_entropy", pxy, base, axis, keepdims, nan_policy, given=given)


def mutual_information(
    pxy: Any,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Any:
    """I(X; Y) of a Dask array of joint tables (lazy); see
    :func:`entropykit.mutual_information`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.mutual_information(da.eye(2, chunks=1), base=2).compute())
    1.0
    """
    return _table("mutual_information", pxy, base, axis, keepdims, nan_policy)


def variation_of_information(
    pxy: Any,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Any:
    """H(X, Y) - I(X; Y) of a Dask array of joint tables (lazy); see
    :func:`entropykit.variation_of_information`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.variation_of_information(da.eye(2, chunks=1)).compute())
    0.0
    """
    return _table("variation_of_information", pxy, base, axis, keepdims, nan_policy)


def normalized_mutual_information(
    pxy: Any,
    *,
    method: str = "arithmetic",
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Any:
    """Normalised mutual information of a Dask array of joint tables (lazy); see
    :func:`entropykit.normalized_mutual_information`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.normalized_mutual_information(da.eye(2, chunks=1)).compute())
    1.0
    """
    if method not in ("arithmetic", "geometric", "min", "max"):
        raise ValueError(
            "normalized_mutual_information: method must be one of 'arithmetic', 'geometric', "
            f"'min', 'max', not {method!r}"
        )
    return _table(
        "normalized_mutual_information", pxy, base, axis, keepdims, nan_policy, method=method
    )


# --- Labels: contingency tables per block, merged --------------------------------------------


def _contingency(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The labels of ``x`` and ``y`` in the block and the counts of each pair."""
    x, y = np.asarray(x).ravel(), np.asarray(y).ravel()
    ux, ix = np.unique(x, return_inverse=True)
    uy, iy = np.unique(y, return_inverse=True)
    flat = ix.astype(np.int64) * len(uy) + iy
    counts = np.bincount(flat, minlength=len(ux) * len(uy)).reshape(len(ux), len(uy))
    return ux, uy, counts


def _merge_contingency(
    a: tuple[np.ndarray, np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ux, uy = np.union1d(a[0], b[0]), np.union1d(a[1], b[1])
    counts = np.zeros((len(ux), len(uy)), dtype=np.int64)
    for lx, ly, c in (a, b):
        counts[np.ix_(np.searchsorted(ux, lx), np.searchsorted(uy, ly))] += c
    return ux, uy, counts


def _tree(items: list[Any], merge: Any) -> Any:
    merge = _delayed(merge)
    while len(items) > 1:
        items = [
            merge(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
            for i in range(0, len(items), 2)
        ]
    return items[0]


def _labels_table(func: str, x: Any, y: Any) -> Any:
    da = _da()
    x, y = da.asarray(x), da.asarray(y)
    if x.ndim != 1 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{func}: x and y must be 1-d and of one length, not {x.shape} and {y.shape}"
        )
    y = y.rechunk(x.chunks)
    contingency = _delayed(_contingency)
    parts = [contingency(bx, by) for bx, by in zip(x.to_delayed(), y.to_delayed(), strict=True)]
    return _tree(parts, _merge_contingency)


def _mi_of_table(table: tuple[np.ndarray, np.ndarray, np.ndarray], base: float | None) -> Any:
    counts = table[2]
    if counts.sum() == 0:
        return np.float64(0.0)
    return _family.mutual_information(counts, base=base)


def mutual_information_labels(x: Any, y: Any, *, base: float | None = None) -> Any:
    """Mutual information of two labelings held in 1-d Dask arrays (lazy): each block's
    contingency table, merged; see :func:`entropykit.mutual_information_labels`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> x = da.from_array([0, 0, 1, 1], chunks=2)
    >>> float(ekd.mutual_information_labels(x, x, base=2).compute())
    1.0
    """
    da = _da()
    table = _labels_table("mutual_information_labels", x, y)
    value = _delayed(_mi_of_table)(table, base)
    return da.from_delayed(value, shape=(), dtype=np.float64)


def _entropy_of_counts(table: tuple[np.ndarray, np.ndarray, np.ndarray], base: float | None) -> Any:
    counts = table[2].sum(axis=1)
    if counts.sum() == 0:
        return np.float64(0.0)
    return _core.entropy(counts, base, -1, False, True, "propagate")


def entropy_labels(x: Any, *, base: float | None = None) -> Any:
    """Entropy of the label frequencies of a 1-d Dask array (lazy); see
    :func:`entropykit.entropy_labels`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> float(ekd.entropy_labels(da.from_array([3, 3, 7, 7], chunks=3), base=2).compute())
    1.0
    """
    da = _da()
    x = da.asarray(x)
    # Against a constant labeling: the table is the label counts, one column.
    table = _labels_table("entropy_labels", x, da.zeros(x.shape, dtype=np.int8, chunks=x.chunks))
    value = _delayed(_entropy_of_counts)(table, _check_base(base, "entropy_labels"))
    return da.from_delayed(value, shape=(), dtype=np.float64)


# --- Losses from logits: per row or per entry in each block, reduced by Dask ------------------


def _reduce_losses(losses: Any, denominator: Any, reduction: str) -> Any:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / denominator


def _check_reduction(func: str, reduction: str) -> None:
    if reduction not in ("none", "sum", "mean"):
        raise ValueError(f"{func}: reduction must be 'none', 'sum' or 'mean', not {reduction!r}")


def _whole_axis(x: Any, axis: int) -> Any:
    """``x`` with ``axis`` in one chunk: a distribution over classes is never split."""
    return x.rechunk({axis: -1})


def _sce_block(
    logits: np.ndarray,
    target: np.ndarray,
    *,
    axis: int,
    weight: Any,
    ignore_index: int | None,
    label_smoothing: float,
) -> np.ndarray:
    return np.asarray(
        _logits.softmax_cross_entropy(
            logits,
            target,
            axis=axis,
            weight=weight,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
            reduction="none",
        ),
        dtype=np.float64,
    )


def _sce_weights(target: np.ndarray, *, weight: Any, ignore_index: int | None) -> np.ndarray:
    """Each row's weight in the mean: its class's weight (1 without), 0 when ignored."""
    t = np.asarray(target)
    keep = np.ones(t.shape, dtype=bool) if ignore_index is None else t != ignore_index
    if weight is None:
        return keep.astype(np.float64)
    safe = np.where(keep, t, 0)
    return np.where(keep, np.asarray(weight, dtype=np.float64)[safe], 0.0)


def softmax_cross_entropy(
    logits: Any,
    target: Any,
    *,
    axis: int = -1,
    weight: Any = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> Any:
    """Cross-entropy of class indices ``target`` against softmax(``logits``) along ``axis``, for
    Dask arrays (lazy; the class axis is brought into one chunk); see
    :func:`entropykit.softmax_cross_entropy`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> logits = da.zeros((4, 2), chunks=(2, 2))
    >>> float(ekd.softmax_cross_entropy(logits, da.zeros(4, dtype=int, chunks=2)).compute())
    0.6931471805599453
    """
    da = _da()
    _check_reduction("softmax_cross_entropy", reduction)
    logits = da.asarray(logits)
    axis = _axes(axis, logits.ndim, "softmax_cross_entropy")[0]
    logits = _whole_axis(logits, axis)
    target = da.asarray(target)
    row_chunks = tuple(c for a, c in enumerate(logits.chunks) if a != axis)
    target = target.rechunk(row_chunks)
    row_ind = "".join(_LETTERS[a] for a in range(logits.ndim) if a != axis)
    losses = da.blockwise(
        _sce_block,
        row_ind,
        logits,
        _LETTERS[: logits.ndim],
        target,
        row_ind,
        concatenate=True,
        axis=axis,
        weight=weight,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        dtype=np.float64,
        meta=np.empty((0,) * target.ndim, dtype=np.float64),
    )
    weights = target.map_blocks(
        _sce_weights, weight=weight, ignore_index=ignore_index, dtype=np.float64
    )
    return _reduce_losses(losses, weights.sum(), reduction)


def perplexity_from_logits(logits: Any, target: Any, *, ignore_index: int | None = None) -> Any:
    """exp of the mean token cross-entropy, for Dask arrays (lazy); see
    :func:`entropykit.perplexity_from_logits`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> logits = da.zeros((4, 2), chunks=(2, 2))
    >>> float(ekd.perplexity_from_logits(logits, da.zeros(4, dtype=int, chunks=2)).compute())
    2.0
    """
    da = _da()
    mean = softmax_cross_entropy(logits, target, ignore_index=ignore_index)
    return da.exp(mean)


def _elementwise_loss(
    name: str, func: str, arrays: list[Any], names: list[str], reduction: str
) -> Any:
    da = _da()
    _check_reduction(func, reduction)
    arrays = da.broadcast_arrays(*(da.asarray(a) for a in arrays))
    arrays = [a.rechunk(arrays[0].chunks) for a in arrays]
    loss = getattr(_logits, name)

    def block(*blocks: np.ndarray) -> np.ndarray:
        kwargs = dict(zip(names[2:], blocks[2:], strict=True))
        return np.asarray(loss(blocks[0], blocks[1], reduction="none", **kwargs))

    losses = da.map_blocks(block, *arrays, dtype=np.float64)
    if reduction == "mean":
        return losses.mean()
    return _reduce_losses(losses, None, reduction)


def binary_cross_entropy(p: Any, y: Any, *, weight: Any = None, reduction: str = "mean") -> Any:
    """Binary cross-entropy of probabilities ``p`` against targets ``y`` (Dask arrays, lazy);
    see :func:`entropykit.binary_cross_entropy`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> p = da.from_array([0.5, 0.5], chunks=1)
    >>> float(ekd.binary_cross_entropy(p, da.from_array([0.0, 1.0], chunks=1)).compute())
    0.6931471805599453
    """
    arrays, names = [p, y], ["p", "y"]
    if weight is not None:
        arrays.append(weight)
        names.append("weight")
    return _elementwise_loss(
        "binary_cross_entropy", "binary_cross_entropy", arrays, names, reduction
    )


def binary_cross_entropy_with_logits(
    x: Any, y: Any, *, weight: Any = None, pos_weight: Any = None, reduction: str = "mean"
) -> Any:
    """Binary cross-entropy of sigmoid(``x``) against targets ``y`` (Dask arrays, lazy); see
    :func:`entropykit.binary_cross_entropy_with_logits`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> x, y = da.zeros(2, chunks=1), da.from_array([0.0, 1.0], chunks=1)
    >>> float(ekd.binary_cross_entropy_with_logits(x, y).compute())
    0.6931471805599453
    """
    arrays, names = [x, y], ["x", "y"]
    for name, value in (("weight", weight), ("pos_weight", pos_weight)):
        if value is not None:
            arrays.append(value)
            names.append(name)
    func = "binary_cross_entropy_with_logits"
    return _elementwise_loss(func, func, arrays, names, reduction)


def _rows(name: str, arrays: list[Any], axis: int) -> Any:
    da = _da()
    arrays = [da.asarray(a) for a in arrays]
    if len(arrays) == 2:
        arrays = list(da.broadcast_arrays(*arrays))
    axis = _axes(axis, arrays[0].ndim, name)[0]
    arrays = [_whole_axis(a, axis).rechunk(_whole_axis(arrays[0], axis).chunks) for a in arrays]
    loss = getattr(_logits, name)
    return da.map_blocks(
        lambda *blocks: np.asarray(loss(*blocks, axis=axis), dtype=np.float64),
        *arrays,
        drop_axis=axis,
        dtype=np.float64,
    )


def entropy_from_logits(logits: Any, axis: int = -1) -> Any:
    """Entropy of softmax(``logits``) along ``axis`` of a Dask array (lazy); see
    :func:`entropykit.entropy_from_logits`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> ekd.entropy_from_logits(da.zeros((3, 2), chunks=(1, 2))).compute()
    array([0.69314718, 0.69314718, 0.69314718])
    """
    return _rows("entropy_from_logits", [logits], axis)


def kl_divergence_from_logits(logits_p: Any, logits_q: Any, axis: int = -1) -> Any:
    """KL(softmax(``logits_p``) || softmax(``logits_q``)) along ``axis`` (Dask arrays, lazy);
    see :func:`entropykit.kl_divergence_from_logits`.

    Examples
    --------
    >>> import dask.array as da, entropykit.dask as ekd
    >>> z = da.zeros((3, 2), chunks=(1, 2))
    >>> ekd.kl_divergence_from_logits(z, z).compute()
    array([0., 0., 0.])
    """
    return _rows("kl_divergence_from_logits", [logits_p, logits_q], axis)
