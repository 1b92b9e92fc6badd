"""What a run measures: the sizes, dtypes and functions, the ``--quick`` and ``--full`` presets
and :class:`BenchConfig`, plus the parsers of the command line's size arguments."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

__all__ = [
    "DEFAULT_FAMILY_SIZE",
    "DEFAULT_LOGITS_SHAPE",
    "DEFAULT_SIZES",
    "DTYPES",
    "FULL_SIZES",
    "FUNCTIONS",
    "PEER_GROUPS",
    "QUICK_FAMILY_SIZE",
    "QUICK_LOGITS_SHAPE",
    "QUICK_SIZES",
    "RTOL",
    "SLOW_SIZE",
    "TWIN_REPEATS",
    "BenchConfig",
    "default_threads",
    "parse_logits_shape",
    "parse_sizes",
    "usable_cpus",
]

FUNCTIONS: tuple[str, ...] = ("entropy", "cross_entropy", "kl_divergence")
DTYPES: tuple[str, ...] = ("float32", "float64")
DEFAULT_SIZES: tuple[int, ...] = (1_000, 100_000, 10_000_000)
QUICK_SIZES: tuple[int, ...] = (1_000, 100_000, 1_000_000)
#: ``--full``: the default sizes and 1e8, where only entropykit and the streaming sum are timed
#: (the peers would take minutes and gigabytes there; the reference is called once, to agree).
FULL_SIZES: tuple[int, ...] = (*DEFAULT_SIZES, 100_000_000)
#: From this size on, only entropykit and the streaming sum are timed (see :data:`FULL_SIZES`).
PEERLESS_SIZE = 50_000_000

#: (batch, vocabulary) of the losses-from-logits section: the shape of the issue-5 targets, and
#: the smaller one of ``--quick``.
DEFAULT_LOGITS_SHAPE: tuple[int, int] = (1024, 32_000)
QUICK_LOGITS_SHAPE: tuple[int, int] = (256, 8_000)

#: Elements per argument of the family section (its targets are set at 1e7).
DEFAULT_FAMILY_SIZE = 10_000_000
QUICK_FAMILY_SIZE = 1_000_000

#: Timed samples of the slow candidates (at most ``--repeats``): the family's and the logits'
#: twins, the reference of core cases of at least :data:`SLOW_SIZE` elements, and any candidate
#: whose first call lasts 0.1 s or more (``harness.WARM_UP_SAMPLE``: NumPy twins, SciPy and
#: scikit-learn at 1e7), whose first call is then that sample. One call takes a second or more
#: there and the ratios against them are large; they were most of a default run's time.
TWIN_REPEATS = 1
#: From this size on, a core case samples its reference :data:`TWIN_REPEATS` times, and a batched
#: case times only entropykit, the sum and the reference (the peers' 1-D figures are the targets).
SLOW_SIZE = 1_000_000

#: Agreement tolerances between entropykit and ``entropykit.reference`` (relative, per value).
RTOL = {"float32": 1e-5, "float64": 1e-10}

#: Peer groups ``--peers`` chooses from (the reference is always timed: it is the oracle).
PEER_GROUPS = ("numpy", "scipy", "torch")


@dataclass
class BenchConfig:
    """What to run.

    Attributes
    ----------
    sizes : tuple of int
        Elements per case (per argument). Sizes of at least ``10 * batch_columns`` also run as a
        batched 2-D case of ``size // batch_columns`` rows.
    functions, dtypes : tuple of str
        Subsets of :data:`FUNCTIONS` and :data:`DTYPES`.
    threads : tuple of int
        entropykit (and PyTorch) thread counts; NumPy and SciPy are single-threaded here, so
        their times are shared by the rows of every thread count.
    repeats : int
        Timed samples per candidate (the median is reported), after one warm-up call.
    min_time : float
        Seconds one sample lasts at least: fast calls are repeated within a sample.
    batch_columns : int
        Length of each distribution in the batched 2-D cases.
    memory : bool
        Measure peak extra memory at the largest size (in subprocesses).
    progress : bool
        Show a progress bar on stderr.
    seed : int
        Seed of the random inputs.
    peers : tuple of str
        Peer groups to time besides the reference (a subset of :data:`PEER_GROUPS`); those
        not importable are skipped.
    quick, full : bool
        Recorded in the report (the presets of ``--quick`` and ``--full``).
    logits : bool
        Run the losses-from-logits section (the targets of issue 5).
    logits_shape : tuple of int
        (batch, vocabulary) of that section's inputs.
    family : bool
        Run the family section (every function of issue 4 against its twin and its peer).
    family_size : int
        Elements per argument in that section.
    small : bool
        Run the small-calls section (the cost of one call on a small input, issue 10).
    pipeline : bool
        Run the pipeline section (issue 11) instead of the others.
    pipeline_size : int
        Values in that section's stream.
    """

    sizes: tuple[int, ...] = DEFAULT_SIZES
    functions: tuple[str, ...] = FUNCTIONS
    dtypes: tuple[str, ...] = DTYPES
    threads: tuple[int, ...] = ()
    repeats: int = 3
    min_time: float = 0.002
    batch_columns: int = 1000
    memory: bool = True
    progress: bool = True
    seed: int = 0
    peers: tuple[str, ...] = PEER_GROUPS
    quick: bool = False
    full: bool = False
    logits: bool = True
    logits_shape: tuple[int, int] = DEFAULT_LOGITS_SHAPE
    family: bool = True
    family_size: int = DEFAULT_FAMILY_SIZE
    small: bool = True
    pipeline: bool = False
    pipeline_size: int = 100_000_000

    def __post_init__(self) -> None:
        if not self.threads:
            self.threads = default_threads()
        for name in self.functions:
            if name not in FUNCTIONS:
                raise ValueError(f"unknown function {name!r}; expected one of {FUNCTIONS}")
        for name in self.dtypes:
            if name not in DTYPES:
                raise ValueError(f"unknown dtype {name!r}; expected one of {DTYPES}")
        if not self.sizes or min(self.sizes) < 1:
            raise ValueError("sizes must be positive integers")
        if self.repeats < 1:
            raise ValueError("repeats must be at least 1")
        if min(self.threads) < 1:
            raise ValueError("thread counts must be at least 1")
        for name in self.peers:
            if name not in PEER_GROUPS:
                raise ValueError(f"unknown peer {name!r}; expected some of {PEER_GROUPS}")
        self.logits_shape = tuple(self.logits_shape)  # type: ignore[assignment]
        if len(self.logits_shape) != 2 or min(self.logits_shape) < 1:
            raise ValueError(f"logits_shape must be two positive ints, not {self.logits_shape}")

    def as_dict(self) -> dict[str, object]:
        """The configuration as the report records it."""
        return {
            "sizes": list(self.sizes),
            "functions": list(self.functions),
            "dtypes": list(self.dtypes),
            "threads": list(self.threads),
            "repeats": self.repeats,
            "min_time_seconds": self.min_time,
            "batch_columns": self.batch_columns,
            "memory": self.memory,
            "seed": self.seed,
            "peers": list(self.peers),
            "quick": self.quick,
            "full": self.full,
            "logits": self.logits,
            "logits_shape": list(self.logits_shape),
            "family": self.family,
            "family_size": self.family_size,
            "small": self.small,
            "pipeline": self.pipeline,
            "pipeline_size": self.pipeline_size,
            "statistic": "median of the repeats, seconds per call",
        }


def default_threads() -> tuple[int, ...]:
    """``(1, all usable CPUs)``, or ``(1,)`` on a single CPU."""
    return (1,) if usable_cpus() == 1 else (1, usable_cpus())


def usable_cpus() -> int:
    """CPUs this process may run on (the affinity mask, which containers narrow)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"1e3,1e5,1e8"`` -> ``(1000, 100000, 100000000)`` (sorted, duplicates removed).

    Examples
    --------
    >>> parse_sizes("1e5, 1000,1e5")
    (1000, 100000)
    """
    sizes = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            value = float(item)
        except ValueError:
            raise ValueError(f"not a size: {item!r}") from None
        if not (math.isfinite(value) and value >= 1 and value == round(value)):
            raise ValueError(f"a size must be a positive whole number, not {item!r}")
        sizes.add(round(value))
    if not sizes:
        raise ValueError("no sizes given")
    return tuple(sorted(sizes))


def parse_logits_shape(text: str) -> tuple[int, int]:
    """``"1024x32000"`` (or ``"1024,32000"``, ``"1e3x3.2e4"``) -> ``(1024, 32000)``: batch rows
    and vocabulary columns of the logits section.

    Examples
    --------
    >>> parse_logits_shape("256x8000")
    (256, 8000)
    """
    parts = text.lower().replace(",", "x").replace("*", "x").split("x")
    if len(parts) != 2:
        raise ValueError(f"a logits shape is BATCHxVOCAB, e.g. 1024x32000, not {text!r}")
    batch, vocab = (parse_sizes(part) if part.strip() else () for part in parts)
    if len(batch) != 1 or len(vocab) != 1:
        raise ValueError(f"a logits shape is BATCHxVOCAB, e.g. 1024x32000, not {text!r}")
    return batch[0], vocab[0]
