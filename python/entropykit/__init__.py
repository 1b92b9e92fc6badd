"""entropykit: entropy, cross-entropy and KL divergence over NumPy arrays, computed by SIMD and
multithreaded Rust kernels with the semantics of the pure-NumPy twins in
:mod:`entropykit.reference`.

Examples
--------
>>> import entropykit as ek
>>> float(ek.entropy([0.25, 0.25, 0.25, 0.25], base=2))
2.0
"""

from __future__ import annotations

import os
import warnings

from . import _core, reference, scipy_compat
from ._api import cross_entropy, entropy, kl_divergence
from ._core import available_simd_levels, get_num_threads, simd_level
from ._counts import boltzmann_entropy, entropy_from_counts, gaussian_entropy, gaussian_kl
from ._elementwise import binary_entropy, entr, kl_div, rel_entr, surprisal, xlogy
from ._errors import InvalidDistributionError
from ._family import (
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
from ._labels import entropy_labels, mutual_information_labels
from ._logits import (
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
    "InvalidDistributionError",
    "available_simd_levels",
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
    "get_num_threads",
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
    "reference",
    "rel_entr",
    "renyi_entropy",
    "scipy_compat",
    "set_num_threads",
    "simd_level",
    "softmax_cross_entropy",
    "surprisal",
    "tsallis_entropy",
    "variation_of_information",
    "xlogy",
]

__version__ = "0.1.0"


def set_num_threads(n: int) -> None:
    """Set the number of threads entropykit's kernels use (an int >= 1).

    The default is ``ENTROPYKIT_NUM_THREADS`` if set, else the number of CPUs. Results do not
    depend on it: the same inputs give the same bits on any number of threads.

    Examples
    --------
    >>> import entropykit as ek
    >>> before = ek.get_num_threads()
    >>> ek.set_num_threads(2)
    >>> ek.get_num_threads()
    2
    >>> ek.set_num_threads(before)
    """
    return _core.set_num_threads(n)


def _warn_on_unusable_simd_request() -> None:
    requested = os.environ.get("ENTROPYKIT_SIMD", "").strip().lower()
    if requested and requested != simd_level():
        warnings.warn(
            f"ENTROPYKIT_SIMD={requested!r} is not a level this CPU supports "
            f"({', '.join(available_simd_levels())}); using {simd_level()!r}",
            RuntimeWarning,
            stacklevel=2,
        )


_warn_on_unusable_simd_request()
