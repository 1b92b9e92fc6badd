"""The rest of the family: Jensen-Shannon, Renyi and Tsallis entropies, perplexity, and the
measures of a joint table (joint and conditional entropy, mutual information and its
normalisations, variation of information). Each a signature, a docstring and one call into
``_core``, which checks the arguments; semantics are those of the NumPy twins in
:mod:`entropykit.reference`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

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
    return _core.js_divergence_many(ps, weights, base, axis)


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
    return _core.joint_entropy(pxy, base, axis, keepdims, nan_policy)


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
    return _core.mutual_information(pxy, base, axis, keepdims, nan_policy)


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
    return _core.conditional_entropy(pxy, given, base, axis, keepdims, nan_policy)


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
    return _core.variation_of_information(pxy, base, axis, keepdims, nan_policy)


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
    return _core.normalized_mutual_information(pxy, method, base, axis, keepdims, nan_policy)
