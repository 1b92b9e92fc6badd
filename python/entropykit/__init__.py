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

from . import (
    _api,
    _core,
    _counts,
    _elementwise,
    _family,
    _knn,
    _labels,
    _logits,
    _ragged,
    _raw,
    _spacing,
    _stream,
    reference,
    scipy_compat,
)
from ._api import *  # noqa: F403 (each group module's __all__ lists its public functions)
from ._core import available_simd_levels, get_num_threads, simd_level
from ._counts import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._errors import InvalidDistributionError
from ._family import *  # noqa: F403
from ._knn import *  # noqa: F403
from ._labels import *  # noqa: F403
from ._logits import *  # noqa: F403
from ._ragged import *  # noqa: F403
from ._raw import *  # noqa: F403
from ._spacing import *  # noqa: F403
from ._stream import *  # noqa: F403

__all__ = [
    "InvalidDistributionError",
    "available_simd_levels",
    "get_num_threads",
    "reference",
    "scipy_compat",
    "set_num_threads",
    "simd_level",
]
# A new public function needs only its group module's __all__.
__all__ += _api.__all__
__all__ += _counts.__all__
__all__ += _elementwise.__all__
__all__ += _family.__all__
__all__ += _knn.__all__
__all__ += _labels.__all__
__all__ += _logits.__all__
__all__ += _ragged.__all__
__all__ += _raw.__all__
__all__ += _spacing.__all__
__all__ += _stream.__all__

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


_SIMD_LEVELS = ("scalar", "neon", "avx2", "avx512")


def _warn_on_unusable_environment() -> None:
    # The Rust side ignores a value it cannot use (it must not fail an import over a variable);
    # saying so here is what keeps a typo from silently costing the speed or threads asked for.
    raw = os.environ.get("ENTROPYKIT_SIMD")
    requested = (raw or "").strip().lower()
    if requested and requested not in _SIMD_LEVELS:
        warnings.warn(
            f"ENTROPYKIT_SIMD={raw!r} is not a SIMD level; accepted values are "
            f"{', '.join(_SIMD_LEVELS)} (this CPU: {', '.join(available_simd_levels())}); "
            f"using {simd_level()!r}",
            RuntimeWarning,
            stacklevel=2,
        )
    elif requested and requested != simd_level():
        warnings.warn(
            f"ENTROPYKIT_SIMD={requested!r} is not a level this CPU supports "
            f"({', '.join(available_simd_levels())}); using {simd_level()!r}",
            RuntimeWarning,
            stacklevel=2,
        )
    raw = os.environ.get("ENTROPYKIT_NUM_THREADS", "")
    # The same rule as Rust's `str::trim` then `usize::from_str`: optional '+', ASCII digits
    # (an empty value counts as unset).
    digits = raw.strip().removeprefix("+")
    if raw.strip() and not (digits.isascii() and digits.isdigit() and int(digits) >= 1):
        warnings.warn(
            f"ENTROPYKIT_NUM_THREADS={raw!r} is not a thread count; accepted values are integers "
            f">= 1; using {get_num_threads()} threads (the number of CPUs)",
            RuntimeWarning,
            stacklevel=2,
        )


_warn_on_unusable_environment()
