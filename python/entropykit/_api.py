"""Entropy, cross-entropy and KL divergence: each a signature, a docstring and one call into
``_core``, which checks the arguments. Semantics are those of :mod:`entropykit.reference`, the
pure-NumPy twin."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = ["cross_entropy", "entropy", "kl_divergence"]

ArrayLike = npt.ArrayLike
Result = np.ndarray | np.float64


def entropy(
    p: ArrayLike,
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Shannon entropy H(p) = -sum p log p of each distribution along ``axis``.

    Parameters
    ----------
    p : array_like
        Probabilities or counts: float16, float32, float64 or any integer dtype. Entries must be
        finite and >= 0.
    base : float, optional
        Logarithm base (finite, positive, not 1). Default: natural log (nats).
    axis : int, tuple of ints or None, default -1
        Axes along which each distribution lies; None means all of them.
    keepdims : bool, default False
        Keep the reduced axes as size-1 dimensions.
    normalize : bool, default True
        Divide each distribution by its own sum (in the same pass, without a normalised copy).
    nan_policy : {"propagate", "raise", "omit"}, default "propagate"
        NaN gives NaN for that distribution, raises, or is dropped.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64, with the reduced axes removed; a float64 scalar for a full reduction.

    Raises
    ------
    InvalidDistributionError
        (a ValueError) for a negative or infinite entry, naming it (``p[i, j]``); for NaN under
        ``nan_policy="raise"``; for a distribution of zero total mass under ``normalize=True``.
    TypeError
        For a dtype that is not a float or integer (bool, complex, object, ...).
    ValueError
        For a bad ``axis``, ``base`` or ``nan_policy``.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> float(ek.entropy([0.5, 0.5], base=2))
    1.0
    >>> ek.entropy(np.array([[1, 1, 0, 0], [1, 1, 1, 1]]), base=2)
    array([1., 2.])
    """
    return _core.entropy(p, base, axis, keepdims, normalize, nan_policy)


def cross_entropy(
    p: ArrayLike,
    q: ArrayLike,
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Cross-entropy H(p, q) = -sum p log q = H(p) + KL(p || q) along ``axis``.

    A term with p = 0 is 0 whatever q is; p > 0 where q = 0 gives +inf. ``p`` and ``q``
    broadcast against each other (a batch of rows against one reference row is not copied).
    Other parameters, returns and errors as for :func:`entropy`; errors name ``p`` or ``q``.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.cross_entropy([0.5, 0.5], [0.25, 0.75], base=2))  # doctest: +ELLIPSIS
    1.2075...
    >>> float(ek.cross_entropy([1, 0], [0, 1]))
    inf
    """
    return _core.cross_entropy(p, q, base, axis, keepdims, normalize, nan_policy)


def kl_divergence(
    p: ArrayLike,
    q: ArrayLike,
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """Kullback-Leibler divergence KL(p || q) = sum p log(p / q) along ``axis``.

    A term with p = 0 is 0 whatever q is; p > 0 where q = 0 gives +inf. With
    ``normalize=False`` the entries are taken as given (the sum of ``scipy.special.rel_entr``).
    Other parameters, returns and errors as for :func:`cross_entropy`.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.kl_divergence([0.5, 0.5], [0.25, 0.75], base=2))  # doctest: +ELLIPSIS
    0.2075...
    >>> ek.kl_divergence([[1, 1], [1, 3]], [1, 1])  # rows against one reference row
    array([0.        , 0.13081204])
    """
    return _core.kl_divergence(p, q, base, axis, keepdims, normalize, nan_policy)
