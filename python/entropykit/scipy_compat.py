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

__all__ = ["differential_entropy", "entropy"]


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


def differential_entropy(
    values: npt.ArrayLike,
    *,
    window_length: int | None = None,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = 0,
    method: str = "auto",
    nan_policy: str = "propagate",
    keepdims: bool = False,
) -> np.ndarray | np.floating:
    """Drop-in for ``scipy.stats.differential_entropy``: the m-spacing estimate of each sample
    along ``axis`` (default 0, as SciPy), with SciPy's methods, default window and "auto" rule.

    Parameters
    ----------
    values : array_like
        Samples; each slice along ``axis`` is one.
    window_length : int, optional
        Between 1 and half the sample size (exclusive). Default floor(sqrt(n) + 0.5).
    base : float, optional
        Logarithm base. Default: natural log.
    axis : int, tuple of ints or None, default 0
    method : {"auto", "vasicek", "van es", "ebrahimi", "correa"}, default "auto"
    nan_policy : {"propagate", "raise", "omit"}, default "propagate"
        As SciPy: a sample with a NaN gives NaN; "omit" drops NaNs per sample (a sample left
        too short for its window gives NaN).
    keepdims : bool, default False

    Returns
    -------
    numpy.ndarray or numpy scalar
        In the input's float dtype (float64 for integers), as SciPy.

    Raises
    ------
    ValueError
        SciPy's errors, in SciPy's words, plus ``base=1`` or a base that is not finite
        (SciPy returns inf or 0).

    Examples
    --------
    >>> import numpy as np
    >>> from entropykit import scipy_compat
    >>> x = np.random.default_rng(0).standard_normal((1000, 2))
    >>> scipy_compat.differential_entropy(x).shape  # axis=0, as SciPy: one per column
    (2,)
    """
    return _core.scipy_differential_entropy(
        values, window_length, base, axis, method, nan_policy, keepdims
    )
