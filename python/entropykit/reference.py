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

import numpy as np
import numpy.typing as npt

from ._args import Prepared, prepare
from ._reference_counts import (
    boltzmann_entropy,
    entropy_from_counts,
    gaussian_entropy,
    gaussian_kl,
)
from ._reference_elementwise import binary_entropy, entr, kl_div, rel_entr, surprisal, xlogy
from ._reference_family import (
    conditional_entropy,
    joint_entropy,
    js_distance,
    js_divergence,
    js_divergence_many,
    mutual_information,
    normalized_mutual_information,
    perplexity,
    renyi_entropy,
    tsallis_entropy,
    variation_of_information,
)
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
from ._reference_rows import Result, checked_rows, fix_scale

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "binary_entropy",
    "boltzmann_entropy",
    "conditional_entropy",
    "cross_entropy",
    "entr",
    "entropy",
    "entropy_from_counts",
    "entropy_from_logits",
    "entropy_labels",
    "gaussian_entropy",
    "gaussian_kl",
    "joint_entropy",
    "js_distance",
    "js_divergence",
    "js_divergence_many",
    "kl_div",
    "kl_divergence",
    "kl_divergence_from_logits",
    "log_softmax",
    "logsumexp",
    "mutual_information",
    "mutual_information_labels",
    "normalized_mutual_information",
    "perplexity",
    "perplexity_from_logits",
    "rel_entr",
    "renyi_entropy",
    "softmax_cross_entropy",
    "surprisal",
    "tsallis_entropy",
    "variation_of_information",
    "xlogy",
]


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
