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

from . import core, counts, elementwise, family, knn, labels, logits, ragged, raw, spacing, stream
from .core import *  # noqa: F403 (each module's __all__ lists its twins)
from .counts import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .family import *  # noqa: F403
from .knn import *  # noqa: F403
from .labels import *  # noqa: F403
from .logits import *  # noqa: F403
from .ragged import *  # noqa: F403
from .raw import *  # noqa: F403
from .spacing import *  # noqa: F403
from .stream import *  # noqa: F403

__all__: list[str] = []
__all__ += core.__all__
__all__ += counts.__all__
__all__ += elementwise.__all__
__all__ += family.__all__
__all__ += knn.__all__
__all__ += labels.__all__
__all__ += logits.__all__
__all__ += ragged.__all__
__all__ += raw.__all__
__all__ += spacing.__all__
__all__ += stream.__all__
