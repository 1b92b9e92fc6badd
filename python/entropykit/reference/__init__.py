"""Pure-NumPy twins of entropykit's functions: same signatures, same results, same exceptions.

They are written for clarity rather than speed (they normalise with a copy, and build full-size
temporaries), and serve as the oracle of the test suite and the baseline of the benchmark. The
package implements every argument rule on its own, with NumPy: it imports nothing from the fast
modules but the exception class (:mod:`entropykit._errors`).

Examples
--------
>>> import entropykit as ek
>>> from entropykit import reference
>>> p = [0.1, 0.2, 0.7]
>>> bool(abs(ek.entropy(p) - reference.entropy(p)) < 1e-12)
True
"""

from __future__ import annotations

from .core import cross_entropy, entropy, kl_divergence
from .counts import boltzmann_entropy, entropy_from_counts, gaussian_entropy, gaussian_kl
from .elementwise import binary_entropy, entr, kl_div, rel_entr, surprisal, xlogy
from .family import (
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
from .labels import entropy_labels, mutual_information_labels
from .logits import (
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
