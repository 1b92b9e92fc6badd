"""The benchmark behind ``python -m entropykit bench``: entropykit against its pure-NumPy twins,
the NumPy one-liners users write, SciPy, scikit-learn and (if importable) PyTorch, all in one
process, each kernel time also given as a multiple of a plain streaming sum over the same bytes
(``x sum``: how far from the memory-bandwidth limit of the machine it runs).

Never imported by ``import entropykit``. One module per concern:

- :mod:`.config`: sizes, presets (``--quick``, ``--full``) and :class:`BenchConfig`;
- :mod:`.harness`: interleaved timing, thread switching, the progress bar, agreement helpers;
- one module per section: :mod:`.core` (entropy, cross-entropy, KL), :mod:`.logits`,
  :mod:`.family`, :mod:`.small`, and :mod:`.memory` (peak extra memory, in subprocesses);
- :mod:`.targets`: the targets of the issues as data, read against a report;
- :mod:`.run` (one run into one report), :mod:`.report` (text, JSON), :mod:`.plot`,
  :mod:`.machine`, :mod:`.cli`.

Every case builds its inputs once and times all candidates interleaved, round by round
(A B C A B C ...), after a warm-up call that also calibrates how many calls one sample takes; the
figure kept is the median sample. Only NumPy is required: SciPy, scikit-learn, tqdm and
matplotlib come with the ``bench`` extra, PyTorch with the ``torch`` extra.
"""

from __future__ import annotations

from .config import BenchConfig, parse_logits_shape, parse_sizes
from .plot import write_plot
from .report import format_report, write_json
from .run import run_benchmark
from .targets import TARGETS, evaluate_targets

__all__ = [
    "TARGETS",
    "BenchConfig",
    "evaluate_targets",
    "format_report",
    "parse_logits_shape",
    "parse_sizes",
    "run_benchmark",
    "write_json",
    "write_plot",
]
