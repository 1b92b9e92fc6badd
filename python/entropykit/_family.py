"""The rest of the family: Jensen-Shannon, Renyi and Tsallis entropies, perplexity, and the
measures of a joint table (joint and conditional entropy, mutual information and its
normalisations, variation of information). Argument rules as in :mod:`entropykit._api`;
semantics are those of the NumPy twins in :mod:`entropykit.reference`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _core
from ._api import _column_sums, _partials, _run
from ._args import Prepared, as_input_array, data_error, prepare
from ._table import (
    Entropies,
    check_given,
    check_method,
    check_weights,
    table_axes,
    table_measure,
    zero_mass_error,
)

__all__ = [
    "conditional_entropy",
    "joint_entropy",
    "js_distance",
    "js_divergence",
    "js_divergence_many",
    "mutual_information",
    "normalized_mutual_information",
    "perplexity",
    "renyi_entropy",
    "tsallis_entropy",
    "variation_of_information",
]

ArrayLike = npt.ArrayLike
Result = np.ndarray | np.float64
Axis = int | tuple[int, ...] | None


def js_divergence(
    p: ArrayLike,
    q: ArrayLike,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Jensen-Shannon divergence JS(p, q) = (KL(p || m) + KL(q || m)) / 2, m = (p + q) / 2.

    Symmetric, finite (at most ln 2, or 1 bit) even where one distribution is 0 and the other is
    not. Computed in two passes over the data (masses, then the terms of the normalised
    entries), without normalised copies. Parameters, broadcasting and errors as for
    :func:`entropykit.kl_divergence`.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64 in [0, ln 2] (in nats) for normalised distributions.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.js_divergence([1, 0], [0, 1], base=2))  # disjoint supports: 1 bit
    1.0
    >>> float(ek.js_divergence([0.5, 0.5], [0.9, 0.1]))  # doctest: +ELLIPSIS
    0.1017...
    """
    return _core.js_divergence(p, q, base, axis, keepdims, normalize, nan_policy)


def js_distance(
    p: ArrayLike,
    q: ArrayLike,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Jensen-Shannon distance: the square root of :func:`js_divergence` (a metric), as
    ``scipy.spatial.distance.jensenshannon``.

    The divergence is clamped at 0 before the root, so identical distributions give exactly 0
    and rounding never gives NaN.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.js_distance([1, 0], [0, 1], base=2))
    1.0
    >>> float(ek.js_distance([0.2, 0.8], [0.2, 0.8]))
    0.0
    """
    return _core.js_distance(p, q, base, axis, keepdims, normalize, nan_policy)


def js_divergence_many(
    ps: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    base: float | None = None,
    axis: int = -1,
) -> np.float64:
    """Generalised Jensen-Shannon divergence of n weighted distributions:
    JS_w(p_1..p_n) = H(sum w_i p_i) - sum w_i H(p_i) = sum w_i KL(p_i || m), m = sum w_i p_i.

    Parameters
    ----------
    ps : array_like, 2-D
        n distributions (probabilities or counts), each normalised to sum 1; ``axis`` is the
        outcome axis (default: each row is a distribution).
    weights : array_like, optional
        n finite weights >= 0 with a positive sum (normalised here). Default: uniform.
    base : float, optional
        Logarithm base. Default: nats.
    axis : int, default -1
        The axis of outcomes.

    Returns
    -------
    numpy.float64
        In [0, H(w)]; NaN if an entry of ps is NaN.

    Raises
    ------
    InvalidDistributionError
        For a negative or infinite entry of ps (named ``ps[i, j]``) or a row of zero mass.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.js_divergence_many([[1, 0], [0, 1]], base=2))  # two of them: JS itself
    1.0
    >>> float(ek.js_divergence_many([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))  # doctest: +ELLIPSIS
    1.0986...
    """
    func = "js_divergence_many"
    arr = as_input_array(ps, "ps", func)
    if arr.ndim != 2:
        raise ValueError(f"{func}: ps must be 2-D (distributions x outcomes), not {arr.ndim}-D")
    prep = prepare(func, arr, None, axis, False, True, "propagate", base, names=("ps",))
    base, prep.base = prep.base, None  # checked; applied once at the end
    rows = prep.canonical(arr)
    w = check_weights(func, weights, rows.shape[0])
    # One pass gives each row's mass and sum p ln p (H_i = ln S - T/S), as the entropy kernel's
    # own finish does; rows whose sums left the normal range are recomputed by the kernel, which
    # rescales them.
    sums = _partials("entropy", prep)
    masses, core = sums[:, 0], sums[:, 2]
    if np.isnan(masses).any():
        return np.float64(np.nan)
    zero = masses == 0
    if zero.any():
        raise data_error(prep, "zero_mass", "p", int(np.argmax(zero)), 0, 0.0)
    in_range = np.all(np.isfinite(core) & np.isfinite(masses) & (masses > 2.0**-500))
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.maximum(np.log(masses) - core / masses, 0.0) if in_range else _run("entropy", prep)
    # H(m) - sum w_i H(p_i) rather than sum w_i KL(p_i || m): a mixture entry that underflows
    # to 0 under a tiny positive p_ij would make that KL infinite.
    mixture = _mixture(rows, w, masses)
    value = max(float(_run("entropy", _whole(prep, mixture)) - np.dot(w, own)), 0.0)
    return np.float64(value / math.log(base) if base is not None else value)


def _mixture(
    rows: np.ndarray, w: npt.NDArray[np.float64], masses: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """sum_i w_i p_i / S_i without normalised copies of the rows (rows whose masses overflow,
    or are so small that 1/S would, are scaled by a power of two first)."""
    data = rows.astype(np.float64, copy=False)
    scale = np.where(np.isinf(masses), 2.0**-600, np.where(masses < 2.0**-500, 2.0**600, 1.0))
    if (scale != 1.0).any():
        data = data * scale[:, None]
        masses = data.sum(axis=1)
    mixture: npt.NDArray[np.float64] = (w / masses) @ data
    return mixture


def _whole(prep: Prepared, mixture: np.ndarray) -> Prepared:
    """The entropy job of the mixture, as one distribution (base applied by the caller)."""
    return prepare(prep.func, mixture, None, -1, False, True, "propagate", None, names=("ps",))


def renyi_entropy(
    p: ArrayLike,
    alpha: float,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Renyi entropy of order ``alpha``: H_alpha(p) = ln(sum p^alpha) / (1 - alpha).

    The limits are exact: ``alpha=0`` is the Hartley entropy ln |support|, ``alpha=1`` Shannon's
    entropy, ``alpha=inf`` the min-entropy -ln max p. The sum is taken as sum (p / max p)^alpha,
    which holds a 1 and so neither overflows nor underflows for any order. Near ``alpha=1`` the
    relative error grows like 1e-16 / |1 - alpha|.

    Parameters
    ----------
    p : array_like
        Probabilities or counts, as for :func:`entropykit.entropy`.
    alpha : float
        The order, >= 0 or ``inf``.
    base, axis, keepdims, normalize, nan_policy
        As for :func:`entropykit.entropy`. A distribution without a positive entry is an error
        even with ``normalize=False`` (its power sum is 0).

    Examples
    --------
    >>> import entropykit as ek
    >>> p = [0.5, 0.25, 0.25]
    >>> [round(float(ek.renyi_entropy(p, a, base=2)), 4) for a in (0, 1, 2, float("inf"))]
    [1.585, 1.5, 1.415, 1.0]
    """
    return _core.renyi_entropy(p, alpha, base, axis, keepdims, normalize, nan_policy)


def tsallis_entropy(
    p: ArrayLike,
    q_index: float,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Tsallis entropy of index ``q_index``: S_q(p) = (1 - sum p^q) / (q - 1).

    ``q_index=1`` is Shannon's entropy, ``q_index=0`` gives |support| - 1 and ``q_index=inf``
    gives 0. With ``base`` the value is divided by ln(base), so that the q -> 1 limit is
    Shannon's entropy in that base. Other parameters as for :func:`renyi_entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.tsallis_entropy([0.5, 0.5], 2))  # 1 - (0.25 + 0.25)
    0.5
    >>> float(ek.tsallis_entropy([0.5, 0.5], 1))  # doctest: +ELLIPSIS
    0.6931...
    """
    return _core.tsallis_entropy(p, q_index, base, axis, keepdims, normalize, nan_policy)


def perplexity(
    p: ArrayLike,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Perplexity base^H(p): the effective number of equally likely outcomes.

    It does not depend on the base (2^H in bits equals e^H in nats); ``base`` is accepted and
    checked like everywhere else. Other parameters as for :func:`entropykit.entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.perplexity([1, 1, 1, 1]))  # doctest: +ELLIPSIS
    4.0...
    >>> float(ek.perplexity([0.5, 0.5], base=2))  # doctest: +ELLIPSIS
    2.0...
    """
    return _core.perplexity(p, base, axis, keepdims, normalize, nan_policy)


def _table_entropies(
    func: str, pxy: ArrayLike, axis: Any, nan_policy: str
) -> tuple[Entropies, tuple[int, int]]:
    """H(X, Y), H(X), H(Y) in nats of each table, shaped as the batch: one kernel pass over the
    table gives each row's mass and sum p ln p, a column-sum kernel the Y marginal."""
    arr = as_input_array(pxy, "pxy", func)
    axes = table_axes(func, arr.ndim, axis)
    h, rescale = _table_pass(func, arr, axes, nan_policy)
    if rescale:
        # Masses beyond float64, or so small that p ln p loses bits to subnormals: the
        # entropies do not depend on scale, and a power of two is exact.
        h, _ = _table_pass(func, np.ldexp(arr.astype(np.float64), rescale), axes, nan_policy)
    return h, axes


def _table_pass(
    func: str, arr: np.ndarray, axes: tuple[int, int], nan_policy: str
) -> tuple[Entropies, int]:
    """The entropies, and 0, or the power of two to scale the table by and try again."""
    x_axis, y_axis = axes
    prep = prepare(func, arr, None, y_axis, False, True, nan_policy, None, names=("pxy",))
    x_at = prep.batch_axes.index(x_axis)
    sums = _partials("entropy", prep).reshape((*prep.batch_shape, 4))
    row_mass = np.ascontiguousarray(sums[..., 0])
    mass = row_mass.sum(axis=x_at)
    core = sums[..., 2].sum(axis=x_at)
    if np.isinf(mass).any() or (np.isinf(core) & ~np.isnan(mass)).any():
        return (mass, mass, mass, (mass, mass)), -600
    if ((mass > 0) & (mass < 2.0**-500)).any():
        return (mass, mass, mass, (mass, mass)), 600
    zero = mass == 0
    if zero.any():
        index = np.unravel_index(int(np.argmax(zero)), zero.shape) if zero.ndim else ()
        raise zero_mass_error(func, tuple(int(i) for i in index))
    with np.errstate(invalid="ignore", divide="ignore"):
        h_xy = np.maximum(np.log(mass) - core / mass, 0.0)
    columns = _column_sums(prep, x_at)  # the Y marginal, last axis
    h_x = _marginal_entropy(func, row_mass, x_at)
    h_y = _marginal_entropy(func, columns, -1)
    supports = ((row_mass > 0).sum(axis=x_at), (columns > 0).sum(axis=-1))
    return (h_xy, h_x, h_y, supports), 0


def _marginal_entropy(func: str, marginal: np.ndarray, axis: int) -> np.ndarray:
    prep = prepare(func, marginal, None, axis, False, True, "propagate", None)
    return np.asarray(_run("entropy", prep), dtype=np.float64)


def joint_entropy(
    pxy: ArrayLike,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """Joint entropy H(X, Y) of a joint table.

    Parameters
    ----------
    pxy : array_like, at least 2-D
        Joint probabilities or counts (floats are never cast to integers); normalised by the
        table's total. Leading axes index a batch of tables.
    base : float, optional
        Logarithm base. Default: nats.
    axis : pair of ints, default (-2, -1)
        The axes of X and Y.
    keepdims : bool, default False
        Keep the table axes as size-1 dimensions.
    nan_policy : {"propagate", "raise", "omit"}, default "propagate"
        A NaN cell gives NaN, raises, or is dropped (counted as 0).

    Returns
    -------
    numpy.ndarray or numpy.float64

    Raises
    ------
    InvalidDistributionError
        For a negative or infinite cell (named ``pxy[i, j]``) or a table of zero total mass.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.joint_entropy([[1, 1], [1, 1]], base=2))
    2.0
    """
    return table_measure(_table_entropies, "joint_entropy", pxy, base, axis, keepdims, nan_policy)


def mutual_information(
    pxy: ArrayLike,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """Mutual information I(X; Y) = H(X) + H(Y) - H(X, Y) of a joint table (clamped at 0).

    Parameters as for :func:`joint_entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> round(float(ek.mutual_information([[5, 0], [0, 5]], base=2)), 12)  # X determines Y
    1.0
    >>> float(ek.mutual_information([[1, 2], [2, 4]]))  # independent
    0.0
    """
    return table_measure(
        _table_entropies, "mutual_information", pxy, base, axis, keepdims, nan_policy
    )


def conditional_entropy(
    pxy: ArrayLike,
    *,
    given: str = "y",
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """Conditional entropy of a joint table: H(X | Y) = H(X, Y) - H(Y) with ``given="y"``, or
    H(Y | X) with ``given="x"`` (clamped at 0).

    Other parameters as for :func:`joint_entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> pxy = [[0.25, 0.25], [0.5, 0.0]]
    >>> round(float(ek.conditional_entropy(pxy, given="x", base=2)), 4)  # H(Y | X)
    0.5
    >>> round(float(ek.conditional_entropy(pxy, given="y", base=2)), 4)  # H(X | Y)
    0.6887
    """
    given = check_given("conditional_entropy", given)
    return table_measure(
        _table_entropies, "conditional_entropy", pxy, base, axis, keepdims, nan_policy, given
    )


def variation_of_information(
    pxy: ArrayLike,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """Variation of information VI = H(X | Y) + H(Y | X) = 2 H(X, Y) - H(X) - H(Y): a metric
    between the two partitions a joint table describes. Parameters as for
    :func:`joint_entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.variation_of_information([[1, 0], [0, 1]]))  # the same partition
    0.0
    >>> round(float(ek.variation_of_information([[1, 1], [1, 1]], base=2)), 12)  # independent
    2.0
    """
    return table_measure(
        _table_entropies, "variation_of_information", pxy, base, axis, keepdims, nan_policy
    )


def normalized_mutual_information(
    pxy: ArrayLike,
    *,
    method: str = "arithmetic",
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """Normalised mutual information I(X; Y) / norm(H(X), H(Y)) in [0, 1].

    ``method`` is the normaliser, named as scikit-learn's ``average_method``: "arithmetic"
    (the mean), "geometric", "min" or "max". When both marginals are certain (H(X) = H(Y) = 0)
    the result is 1, as in ``sklearn.metrics.normalized_mutual_info_score``. A ratio: ``base``
    is accepted and does not change it. Other parameters as for :func:`joint_entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.normalized_mutual_information([[3, 0], [0, 7]]))
    1.0
    >>> round(float(ek.normalized_mutual_information([[2, 1], [1, 2]], method="max")), 4)
    0.0817
    """
    method = check_method("normalized_mutual_information", method)
    return table_measure(
        _table_entropies,
        "normalized_mutual_information",
        pxy,
        base,
        axis,
        keepdims,
        nan_policy,
        method=method,
    )
