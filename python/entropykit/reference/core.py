"""NumPy twins of :func:`entropykit.entropy`, :func:`entropykit.cross_entropy` and
:func:`entropykit.kl_divergence`, on normalised copies of the checked rows."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._rows import Result, checked_rows, fix_scale
from ._rules import Prepared, prepare

__all__ = ["cross_entropy", "entropy", "kl_divergence"]

# Spelled as in entropykit._api, so that the twins' signatures compare equal as written.
ArrayLike = npt.ArrayLike


def _reduce(measure: str, prep: Prepared) -> Result:
    binary = measure != "entropy"
    rows = checked_rows(prep, binary)
    p, q, mass_p, mass_q, has_nan = rows.p, rows.q, rows.mass_p, rows.mass_q, rows.has_nan
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if prep.normalize:
            p, mass_p = fix_scale(p, mass_p)
            q, mass_q = fix_scale(q, mass_q)
        # p > 0 is judged on the entries themselves: a p/S_p that underflows is still positive.
        positive = p > 0
        # Logs of normalised entries as differences, so that a subnormal q/S_q is not rounded to 0.
        log_p = np.log(p)
        log_q = np.log(q)
        weight = p
        if prep.normalize:
            log_p = log_p - np.log(mass_p)[:, None]
            log_q = log_q - np.log(mass_q)[:, None]
            weight = p / mass_p[:, None]
        if measure == "entropy":
            terms = np.where(positive, weight * log_p, 0.0)
        else:
            both = positive & (q > 0)
            log_ratio = log_q if measure == "cross_entropy" else log_p - log_q
            terms = np.where(both, weight * log_ratio, 0.0)
        total = terms.sum(axis=1)
        value: npt.NDArray[np.float64] = total if measure == "kl_divergence" else 0.0 - total
        if measure != "entropy":
            # p > 0 where q = 0: the term, and so the measure, is +inf.
            value = np.where((positive & (q == 0)).any(axis=1), np.inf, value)
        if prep.normalize:
            value = np.where(value < 0, 0.0, value)
        # "propagate": any NaN in the distribution (p or q) makes its result NaN.
        value = np.where(has_nan, np.nan, value)
        if prep.base is not None:
            # + 0.0: a zero over the negative log of a base below 1 is +0, not -0.
            value = value / np.log(prep.base) + 0.0
    return prep.shape_result(value)


def entropy(
    p: ArrayLike,
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.entropy([1, 1, 1, 1], base=2))
    2.0
    """
    prep = prepare("entropy", p, None, axis, keepdims, normalize, nan_policy, base)
    return _reduce("entropy", prep)


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
    """NumPy twin of :func:`entropykit.cross_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.cross_entropy([1, 0], [0.5, 0.5], base=2))
    1.0
    """
    prep = prepare("cross_entropy", p, q, axis, keepdims, normalize, nan_policy, base, binary=True)
    return _reduce("cross_entropy", prep)


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
    """NumPy twin of :func:`entropykit.kl_divergence`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.kl_divergence([1, 0], [0.5, 0.5], base=2))
    1.0
    """
    prep = prepare("kl_divergence", p, q, axis, keepdims, normalize, nan_policy, base, binary=True)
    return _reduce("kl_divergence", prep)
