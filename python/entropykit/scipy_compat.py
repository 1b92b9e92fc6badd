"""Drop-in replacements for SciPy functions, computed by entropykit's kernels.

Same signatures and defaults as SciPy, same results on valid input; where SciPy returns a
silently wrong value (a negative entry, a distribution of zero total mass) these raise
:class:`entropykit.InvalidDistributionError` naming the offending entry. See the README's table
of differences.

Examples
--------
>>> import numpy as np
>>> from entropykit import scipy_compat
>>> round(float(scipy_compat.entropy([1, 1, 2, 4], base=2)), 12)
1.75
>>> scipy_compat.entropy(np.array([[1, 1], [1, 3]]))  # axis=0, as SciPy: columns
array([0.69314718, 0.56233514])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = ["entropy"]


def entropy(
    pk: npt.ArrayLike,
    qk: npt.ArrayLike | None = None,
    base: float | None = None,
    axis: int | None = 0,
    *,
    nan_policy: str = "propagate",
    keepdims: bool = False,
) -> np.ndarray | np.float64:
    """Drop-in for ``scipy.stats.entropy``: Shannon entropy of ``pk``, or KL(pk || qk) when
    ``qk`` is given, each normalised to sum 1 along ``axis`` (default 0, as SciPy).

    Parameters
    ----------
    pk, qk : array_like
        Probabilities or counts; ``qk`` broadcasts against ``pk``.
    base : float, optional
        Logarithm base. Default: natural log.
    axis : int or None, default 0
        The axis along which entropy is computed; None flattens.
    nan_policy : {"propagate", "raise", "omit"}, default "propagate"
        As SciPy: "omit" drops positions where pk or qk is NaN.
    keepdims : bool, default False

    Returns
    -------
    numpy.ndarray or numpy.float64

    Raises
    ------
    InvalidDistributionError
        Where SciPy returns a wrong number silently: a negative or infinite entry, or a
        distribution of zero total mass (SciPy: NaN).
    """
    return _core.scipy_entropy(pk, qk, base, axis, nan_policy, keepdims)
