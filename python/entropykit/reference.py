"""Pure-NumPy twins of entropykit's functions: same signatures, same results, same exceptions.

They are written for clarity rather than speed (they normalise with a copy, and build full-size
temporaries), and serve as the oracle of the test suite and the baseline of the benchmark.

Examples
--------
>>> import entropykit as ek
>>> from entropykit import reference
>>> p = [0.1, 0.2, 0.7]
>>> bool(abs(ek.entropy(p) - reference.entropy(p)) < 1e-12)
True
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ._args import Prepared, data_error, prepare
from ._reference_labels import entropy_labels, mutual_information_labels
from ._reference_logits import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    entropy_from_logits,
    kl_divergence_from_logits,
    log_softmax,
    logsumexp,
    perplexity_from_logits,
    softmax_cross_entropy,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "entropy",
    "entropy_from_logits",
    "entropy_labels",
    "kl_divergence",
    "kl_divergence_from_logits",
    "log_softmax",
    "logsumexp",
    "mutual_information_labels",
    "perplexity_from_logits",
    "softmax_cross_entropy",
]

Result = np.ndarray | np.float64


def _rows(prep: Prepared, arr: np.ndarray) -> np.ndarray:
    """(distributions, entries) float64 copy of ``arr`` in the canonical order."""
    rows = math.prod(prep.batch_shape)
    return prep.canonical(arr).astype(np.float64).reshape(rows, math.prod(prep.reduced_shape))


def _first_true(mask: npt.NDArray[np.bool_] | np.bool_) -> int:
    return int(np.argmax(mask))


def _fix_scale(x: np.ndarray, mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose sum overflowed are scaled by a power of two (exact) so that it does not:
    normalised measures do not depend on scale."""
    big = np.isinf(mass)
    if big.any():
        x = x.copy()
        x[big] = np.ldexp(x[big], -600)
        mass = mass.copy()
        mass[big] = x[big].sum(axis=1)
    return x, mass


def _reduce(measure: str, prep: Prepared) -> Result:
    binary = measure != "entropy"
    p = _rows(prep, prep.arrays[0])
    q = _rows(prep, prep.arrays[1]) if binary else p
    policy = prep.nan_policy

    if policy == "omit":
        dropped = np.isnan(p) | np.isnan(q)
        p = np.where(dropped, 0.0, p)
        q = np.where(dropped, 0.0, q)

    def bad(x: np.ndarray) -> np.ndarray:
        mask: np.ndarray = np.isinf(x) | (x < 0)
        return mask | np.isnan(x) if policy == "raise" else mask

    with np.errstate(invalid="ignore", over="ignore"):
        bad_p = bad(p)
        bad_q = bad(q) if binary else np.zeros_like(bad_p)
        has_nan = np.isnan(p).any(axis=1) | (np.isnan(q).any(axis=1) if binary else False)
        mass_p = p.sum(axis=1)
        mass_q = q.sum(axis=1)

    problems = bad_p.any(axis=1) | bad_q.any(axis=1)
    if prep.normalize:
        zero_p = (mass_p == 0) & ~has_nan
        zero_q = (mass_q == 0) & ~has_nan if binary else np.zeros_like(zero_p)
        problems |= zero_p | zero_q
    if problems.any():
        d = _first_true(problems)
        for arg, x, mask in (("p", p, bad_p), ("q", q, bad_q)):
            if mask[d].any():
                j = _first_true(mask[d])
                entry = float(x[d, j])
                kind = "nan" if np.isnan(entry) else "infinite" if np.isinf(entry) else "negative"
                raise data_error(prep, kind, arg, d, j, entry)
        raise data_error(prep, "zero_mass", "p" if zero_p[d] else "q", d, 0, 0.0)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if prep.normalize:
            p, mass_p = _fix_scale(p, mass_p)
            q, mass_q = _fix_scale(q, mass_q)
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
            value = value / np.log(prep.base)
    return prep.shape_result(value)


def entropy(
    p: npt.ArrayLike,
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
    p: npt.ArrayLike,
    q: npt.ArrayLike,
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
    prep = prepare("cross_entropy", p, q, axis, keepdims, normalize, nan_policy, base)
    return _reduce("cross_entropy", prep)


def kl_divergence(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
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
    prep = prepare("kl_divergence", p, q, axis, keepdims, normalize, nan_policy, base)
    return _reduce("kl_divergence", prep)
