"""The benchmark behind ``python -m entropykit bench``: entropykit against its pure-NumPy twins,
the NumPy one-liners users write, SciPy and (if importable) PyTorch, all in one process.

Every case (function x dtype x shape x size) builds its inputs once and times all candidates
interleaved, round by round (A B C A B C ...), after a warm-up call that also calibrates how many
calls one sample takes; the figure kept is the median sample. In the same rounds it times
``_core.stream_sum`` over exactly the bytes the kernel reads (p and q are two halves of one
buffer), so each kernel time can be given as a multiple of a plain streaming sum: how far it is
from the memory-bandwidth limit of the machine.

Peak extra memory is measured in fresh subprocesses (one per side, function and dtype) from the
kernel's high-water mark: ``tracemalloc`` sees NumPy's temporaries but not Rust's allocations,
whereas the resident-set peak sees both.

Only NumPy is required. SciPy, PyTorch, tqdm and matplotlib are used when importable (the
``bench`` extra installs all but PyTorch).
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core, reference
from entropykit._bench_family import (
    DEFAULT_FAMILY_SIZE,
    FAMILY_CASES,
    QUICK_FAMILY_SIZE,
    TWIN_REPEATS,
    family_targets,
    format_family,
    run_family_case,
)
from entropykit._bench_small import format_small, run_small, small_targets

__all__ = [
    "DEFAULT_LOGITS_SHAPE",
    "DEFAULT_SIZES",
    "DTYPES",
    "FUNCTIONS",
    "LOGITS_CASES",
    "PEER_GROUPS",
    "QUICK_FAMILY_SIZE",
    "QUICK_LOGITS_SHAPE",
    "QUICK_SIZES",
    "BenchConfig",
    "evaluate_targets",
    "format_report",
    "machine_info",
    "measure_peak_memory",
    "parse_logits_shape",
    "parse_sizes",
    "run_benchmark",
    "write_json",
    "write_plot",
]

FUNCTIONS: tuple[str, ...] = ("entropy", "cross_entropy", "kl_divergence")
DTYPES: tuple[str, ...] = ("float32", "float64")
DEFAULT_SIZES: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SIZES: tuple[int, ...] = (1_000, 100_000, 1_000_000)

#: (batch, vocabulary) of the losses-from-logits section: the shape of the issue-5 targets, and
#: the smaller one of ``--quick``.
DEFAULT_LOGITS_SHAPE: tuple[int, int] = (1024, 32_000)
QUICK_LOGITS_SHAPE: tuple[int, int] = (256, 8_000)

#: Agreement tolerances between entropykit and ``entropykit.reference`` (relative, per value).
RTOL = {"float32": 1e-5, "float64": 1e-10}

#: Peer groups ``--peers`` chooses from (the reference is always timed: it is the oracle).
PEER_GROUPS = ("numpy", "scipy", "torch")

#: Candidate names, in the order of a round. "numpy" is the one-liner users write.
PEERS = ("reference", "numpy", "scipy_stats", "scipy_special", "torch")

#: What each candidate computes, printed under the table and stored in the JSON.
FORMULAS: dict[str, dict[str, str]] = {
    "numpy": {
        "entropy": "-np.sum(p * np.log(p), axis=-1)",
        "cross_entropy": "-np.sum(p * np.log(q), axis=-1)",
        "kl_divergence": "np.sum(p * np.log(p / q), axis=-1)",
    },
    "scipy_stats": {
        "entropy": "scipy.stats.entropy(p, axis=-1)",
        "cross_entropy": "scipy.stats.entropy(p, axis=-1) + scipy.stats.entropy(p, q, axis=-1)",
        "kl_divergence": "scipy.stats.entropy(p, q, axis=-1)",
    },
    "scipy_special": {
        "entropy": "np.sum(scipy.special.entr(p), axis=-1)",
        "cross_entropy": "np.sum(entr(p), axis=-1) + np.sum(rel_entr(p, q), axis=-1)",
        "kl_divergence": "np.sum(scipy.special.rel_entr(p, q), axis=-1)",
    },
    "torch": {
        "entropy": "torch.special.entr(p).sum(-1)",
        "cross_entropy": "-torch.special.xlogy(p, q).sum(-1)",
        "kl_divergence": "F.kl_div(torch.log(q), p, reduction='none').sum(-1)",
    },
}

#: Candidates that get inputs already divided by their sums (they do not normalise).
PRE_NORMALISED = ("numpy", "scipy_special", "torch")

# A buffer longer than stream_sum's serial threshold (2**16): summing it builds the thread pool,
# which set_num_threads drops, so that building it is never inside a timed sample.
_POOL_WARM = np.ones(1 << 17)
#: Seconds one sample of a small call lasts at least (thousands of calls).
SMALL_MIN_TIME = 0.02


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
    quick : bool
        Recorded in the report (``--quick`` sets sizes, repeats and ``min_time``).
    logits : bool
        Run the losses-from-logits section (:data:`LOGITS_CASES`, the targets of issue 5).
    logits_shape : tuple of int
        (batch, vocabulary) of that section's inputs.
    family : bool
        Run the family section (every function of issue 4 against its twin and its peer).
    family_size : int
        Elements per argument in that section.
    small : bool
        Run the small-calls section (the cost of one call on a small input, issue 10).
    """

    sizes: tuple[int, ...] = DEFAULT_SIZES
    functions: tuple[str, ...] = FUNCTIONS
    dtypes: tuple[str, ...] = DTYPES
    threads: tuple[int, ...] = ()
    repeats: int = 5
    min_time: float = 0.002
    batch_columns: int = 1000
    memory: bool = True
    progress: bool = True
    seed: int = 0
    peers: tuple[str, ...] = PEER_GROUPS
    quick: bool = False
    logits: bool = True
    logits_shape: tuple[int, int] = DEFAULT_LOGITS_SHAPE
    family: bool = True
    family_size: int = DEFAULT_FAMILY_SIZE
    small: bool = True

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


# --------------------------------------------------------------------------------------------
# Optional peers


@dataclass
class Peers:
    """The peers to time: the NumPy one-liner (a flag) and the optional libraries found, as
    modules (None when not importable or not asked for)."""

    numpy: bool = True
    scipy_stats: Any = None
    scipy_special: Any = None
    torch: Any = None

    @classmethod
    def load(cls, names: Iterable[str] = PEER_GROUPS) -> Peers:
        names = tuple(names)
        peers = cls(numpy="numpy" in names)
        if "scipy" in names:
            try:
                peers.scipy_stats = importlib.import_module("scipy.stats")
                peers.scipy_special = importlib.import_module("scipy.special")
            except ImportError:
                pass
        if "torch" in names:
            try:
                peers.torch = importlib.import_module("torch")
            except ImportError:
                pass
        return peers

    def available(self, name: str) -> bool:
        if name in ("reference", "numpy"):
            return name == "reference" or self.numpy
        return getattr(self, name, None) is not None


# --------------------------------------------------------------------------------------------
# Inputs and the calls timed on them


@dataclass
class Inputs:
    """Inputs of one case: p and q are the two halves of one contiguous buffer, so that
    ``stream_sum(buffer)`` reads exactly the bytes a binary kernel reads."""

    function: str
    buffer: np.ndarray
    p: np.ndarray
    q: np.ndarray | None
    _normalised: tuple[np.ndarray, np.ndarray | None] | None = field(default=None, repr=False)

    @classmethod
    def make(
        cls, function: str, dtype: str, shape: tuple[int, ...], rng: np.random.Generator
    ) -> Inputs:
        n = math.prod(shape)
        binary = function != "entropy"
        # 1 - U[0, 1) lies in (0, 1]: no zero entry, so the one-liners' 0 * log 0 = nan never
        # happens (float32 draws are multiples of 2**-24, so U itself hits 0 at large sizes).
        buffer = 1.0 - rng.random(2 * n if binary else n, dtype=np.dtype(dtype).type)
        p = buffer[:n].reshape(shape)
        q = buffer[n:].reshape(shape) if binary else None
        return cls(function, buffer, p, q)

    @property
    def normalised(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Copies of p and q divided by their sums along the last axis (made on first use)."""
        if self._normalised is None:
            pn = self.p / self.p.sum(axis=-1, keepdims=True)
            qn = None if self.q is None else self.q / self.q.sum(axis=-1, keepdims=True)
            self._normalised = (pn, qn)
        return self._normalised

    @property
    def nbytes(self) -> int:
        return self.buffer.nbytes


def make_call(name: str, inputs: Inputs, peers: Peers) -> Callable[[], Any]:
    """A zero-argument callable computing ``inputs.function`` with candidate ``name``."""
    function = inputs.function
    p, q = inputs.p, inputs.q
    if name == "entropykit":
        f = getattr(ek, function)
        return (lambda: f(p)) if q is None else (lambda: f(p, q))
    if name == "reference":
        g = getattr(reference, function)
        return (lambda: g(p)) if q is None else (lambda: g(p, q))
    if name == "stream_sum":
        buffer = inputs.buffer
        return lambda: _core.stream_sum(buffer)
    pn, qn = inputs.normalised if name in PRE_NORMALISED else (p, q)
    if name == "numpy":
        if function == "entropy":
            return lambda: -np.sum(pn * np.log(pn), axis=-1)
        if function == "cross_entropy":
            return lambda: -np.sum(pn * np.log(qn), axis=-1)
        return lambda: np.sum(pn * np.log(pn / qn), axis=-1)
    if name == "scipy_stats":
        stats = peers.scipy_stats
        if function == "entropy":
            return lambda: stats.entropy(pn, axis=-1)
        if function == "cross_entropy":
            return lambda: stats.entropy(pn, axis=-1) + stats.entropy(pn, qn, axis=-1)
        return lambda: stats.entropy(pn, qn, axis=-1)
    if name == "scipy_special":
        special = peers.scipy_special
        if function == "entropy":
            return lambda: np.sum(special.entr(pn), axis=-1)
        if function == "cross_entropy":
            return lambda: (
                np.sum(special.entr(pn), axis=-1) + np.sum(special.rel_entr(pn, qn), axis=-1)
            )
        return lambda: np.sum(special.rel_entr(pn, qn), axis=-1)
    if name == "torch":
        torch = peers.torch
        tp = torch.from_numpy(pn)
        tq = None if qn is None else torch.from_numpy(qn)
        if function == "entropy":
            return lambda: torch.special.entr(tp).sum(-1)
        if function == "cross_entropy":
            return lambda: -torch.special.xlogy(tp, tq).sum(-1)
        kl_div = torch.nn.functional.kl_div
        return lambda: kl_div(torch.log(tq), tp, reduction="none").sum(-1)
    raise ValueError(f"unknown candidate {name!r}")


def _as_float64(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().numpy()
    return np.asarray(value, dtype=np.float64)


def _max_rel_diff(value: np.ndarray, expected: np.ndarray) -> float:
    """Largest ``|value - expected| / |expected|`` (an absolute difference where expected is 0);
    inf when NaN patterns or shapes differ."""
    if value.shape != expected.shape:
        return math.inf
    nan_v, nan_e = np.isnan(value), np.isnan(expected)
    if not np.array_equal(nan_v, nan_e):
        return math.inf
    keep = ~nan_e
    v, e = value[keep], expected[keep]
    if v.size == 0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.abs(v - e)
        scale = np.where(e == 0, 1.0, np.abs(e))
        return float(np.max(diff / scale))


# --------------------------------------------------------------------------------------------
# Timing


@dataclass
class Candidate:
    """One thing timed in a case: a name, a callable and the thread count it runs at (None for
    the single-threaded NumPy and SciPy sides, which ignore it)."""

    name: str
    call: Callable[[], Any]
    threads: int | None = None
    #: Timed samples of this candidate when fewer than the case's (slow reference twins).
    repeats: int | None = None

    @property
    def key(self) -> str:
        return self.name if self.threads is None else f"{self.name}@{self.threads}"


class _ThreadState:
    """Sets entropykit's (and torch's) thread count only when it changes, and rebuilds the pool
    outside the timed region (``set_num_threads`` drops it; the next call would rebuild it)."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.current: int | None = None
        self.torch_current: int | None = None

    def ensure(self, candidate: Candidate) -> None:
        n = candidate.threads
        if n is None:
            return
        if candidate.name == "torch":
            if self.torch_current != n:
                self.torch.set_num_threads(n)
                self.torch_current = n
            return
        if self.current != n:
            ek.set_num_threads(n)
            self.current = n
            if n > 1:
                _core.stream_sum(_POOL_WARM)


def _sample(call: Callable[[], Any], number: int) -> float:
    """Seconds per call over ``number`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number


def time_interleaved(
    candidates: Sequence[Candidate], repeats: int, min_time: float, threads: _ThreadState
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Times every candidate ``repeats`` times, one sample of each per round (a candidate with
    fewer ``Candidate.repeats`` is sampled in that many rounds, spread evenly over the run).

    Returns
    -------
    samples : dict
        Candidate key -> seconds per call of each sample.
    values : dict
        Candidate key -> the value of its warm-up call (for the agreement checks).
    """
    numbers: dict[str, int] = {}
    values: dict[str, Any] = {}
    gc_was_enabled = gc.isenabled()
    # As timeit does: a collection inside a sample would be charged to whoever triggered it.
    gc.disable()
    try:
        for cand in candidates:
            threads.ensure(cand)
            start = time.perf_counter()
            values[cand.key] = cand.call()
            elapsed = time.perf_counter() - start
            number = 1
            if elapsed < min_time:
                # The first call may include one-off costs: calibrate on a few more.
                number = max(1, int(min_time / max(elapsed, 1e-9)) // 10)
                elapsed = _sample(cand.call, number)
                number = max(1, math.ceil(min_time / max(elapsed, 1e-9)))
            numbers[cand.key] = number
        samples: dict[str, list[float]] = {cand.key: [] for cand in candidates}
        rounds: dict[str, set[int]] = {}
        for cand in candidates:
            k = min(repeats, cand.repeats or repeats)
            # Middles of k equal stretches of the run: a drift in machine speed then affects
            # the sparse candidate as much as the others.
            rounds[cand.key] = {(2 * i + 1) * repeats // (2 * k) for i in range(k)}
        for r in range(repeats):
            for cand in candidates:
                if r not in rounds[cand.key]:
                    continue
                threads.ensure(cand)
                samples[cand.key].append(_sample(cand.call, numbers[cand.key]))
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples, values


# --------------------------------------------------------------------------------------------
# The benchmark


@dataclass
class Case:
    function: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    @property
    def layout(self) -> str:
        return "1-D" if len(self.shape) == 1 else "batched"


def cases_of(config: BenchConfig) -> list[Case]:
    """Every case of the run, smallest sizes first (so a progress bar moves early)."""
    cases = []
    for n in config.sizes:
        shapes: list[tuple[int, ...]] = [(n,)]
        if n >= 10 * config.batch_columns:
            shapes.append((n // config.batch_columns, config.batch_columns))
        for shape in shapes:
            for function in config.functions:
                for dtype in config.dtypes:
                    cases.append(Case(function, dtype, shape))
    return cases


class _Progress:
    """tqdm when importable, else a plain line rewritten on stderr."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, file=sys.stderr, unit="case", leave=False)

    def describe(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_description_str(text)
        else:
            line = f"\rentropykit bench [{self.done}/{self.total}] {text}"
            sys.stderr.write(line.ljust(78))
            sys.stderr.flush()

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()


def _median(xs: Sequence[float]) -> float:
    return float(np.median(np.asarray(xs)))


def run_case(
    case: Case,
    config: BenchConfig,
    peers: Peers,
    threads: _ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times one case and returns its rows, one per thread count."""
    inputs = Inputs.make(case.function, case.dtype, case.shape, rng)
    candidates: list[Candidate] = []
    for n in config.threads:
        candidates.append(Candidate("entropykit", make_call("entropykit", inputs, peers), n))
        candidates.append(Candidate("stream_sum", make_call("stream_sum", inputs, peers), n))
    for name in PEERS:
        if not peers.available(name):
            continue
        if name == "torch":
            for n in config.threads:
                candidates.append(Candidate(name, make_call(name, inputs, peers), n))
        else:
            candidates.append(Candidate(name, make_call(name, inputs, peers)))
    samples, values = time_interleaved(candidates, config.repeats, config.min_time, threads)

    expected = _as_float64(values["reference"])
    rtol = RTOL[case.dtype]
    first_ek = _as_float64(values[f"entropykit@{config.threads[0]}"])
    rows = []
    for n in config.threads:
        ek_value = _as_float64(values[f"entropykit@{n}"])
        rel = _max_rel_diff(ek_value, expected)
        seconds: dict[str, float | None] = {}
        row_samples: dict[str, list[float] | None] = {}
        for name in ("entropykit", "stream_sum", *PEERS):
            key = f"{name}@{n}" if name in ("entropykit", "stream_sum", "torch") else name
            row_samples[name] = samples.get(key)
            seconds[name] = _median(samples[key]) if key in samples else None
        ek_s = seconds["entropykit"]
        assert ek_s is not None and seconds["stream_sum"] is not None
        peer_rel = {
            name: _max_rel_diff(
                _as_float64(values[f"{name}@{n}" if name == "torch" else name]), expected
            )
            for name in PEERS[1:]
            if peers.available(name)
        }
        rows.append(
            {
                "function": case.function,
                "dtype": case.dtype,
                "shape": list(case.shape),
                "layout": case.layout,
                "elements": case.elements,
                "input_bytes": inputs.nbytes,
                "threads": n,
                "seconds_per_call": seconds,
                "ns_per_element": {
                    k: (None if v is None else v * 1e9 / case.elements) for k, v in seconds.items()
                },
                "speedup": {
                    name: (None if seconds[name] is None else seconds[name] / ek_s)
                    for name in PEERS
                },
                "bandwidth_multiple": ek_s / seconds["stream_sum"],
                "agreement": bool(rel <= rtol),
                "max_rel_diff": rel,
                "rtol": rtol,
                # The kernels promise the same bits on any number of threads.
                "same_bits_across_threads": bool(
                    np.array_equal(ek_value.view(np.uint64), first_ek.view(np.uint64))
                ),
                "peer_max_rel_diff": peer_rel,
                "samples_seconds": row_samples,
            }
        )
    return rows


def run_benchmark(config: BenchConfig) -> dict[str, Any]:
    """Runs the whole benchmark and returns the report (what ``--json`` writes).

    Parameters
    ----------
    config : BenchConfig
        What to run.

    Returns
    -------
    dict
        ``machine``, ``config``, ``notes``, ``rows`` (one per case and thread count), ``memory``
        (one per side, function and dtype at the largest size; empty without ``config.memory``),
        ``logits`` (the section's ``rows`` and ``memory``, empty without ``config.logits``) and
        ``targets`` (see :func:`evaluate_targets`).
    """
    peers = Peers.load(config.peers)
    cases = cases_of(config)
    logits_cases = logits_cases_of(config)
    family_cases = [c for c in FAMILY_CASES if c.available()] if config.family else []
    memory_specs = _memory_specs(config, peers) if config.memory else []
    logits_specs = _logits_memory_specs(config, peers) if config.memory else []
    total = len(cases) + len(logits_cases) + len(family_cases)
    total += len(memory_specs) + len(logits_specs)
    progress = _Progress(total, config.progress)
    rng = np.random.default_rng(config.seed)
    threads_before = ek.get_num_threads()
    threads = _ThreadState(peers.torch)
    torch_before = peers.torch.get_num_threads() if peers.torch is not None else None
    rows: list[dict[str, Any]] = []
    logits_rows: list[dict[str, Any]] = []
    family_rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    small_rows: list[dict[str, Any]] = []
    try:
        if config.small:
            # First, before the large cases fill the caches and the heap.
            progress.describe("small calls")
            small_rows = run_small(rng, max(config.repeats, 5), SMALL_MIN_TIME)
        for case in cases:
            progress.describe(f"{case.function} {case.dtype} {'x'.join(map(str, case.shape))}")
            rows.extend(run_case(case, config, peers, threads, rng))
            progress.advance()
        for lcase in logits_cases:
            progress.describe(f"{lcase.label} {lcase.dtype}")
            logits_rows.extend(run_logits_case(lcase, config, peers, threads, rng))
            progress.advance()
            # Case inputs reach 260 MB: free them before the next case allocates its own.
            gc.collect()
        for fcase in family_cases:
            progress.describe(f"{fcase.label or fcase.name}")
            family_rows.extend(
                run_family_case(
                    fcase,
                    config.family_size,
                    config.threads,
                    config.repeats,
                    config.min_time,
                    threads,
                    rng,
                )
            )
            progress.advance()
            gc.collect()
        memory = measure_peak_memory(memory_specs, progress)
        logits_memory = measure_peak_memory(logits_specs, progress)
    finally:
        ek.set_num_threads(threads_before)
        if torch_before is not None:
            peers.torch.set_num_threads(torch_before)
        progress.close()
    report = {
        "machine": machine_info(),
        "config": {
            "sizes": list(config.sizes),
            "functions": list(config.functions),
            "dtypes": list(config.dtypes),
            "threads": list(config.threads),
            "repeats": config.repeats,
            "min_time_seconds": config.min_time,
            "batch_columns": config.batch_columns,
            "memory": config.memory,
            "seed": config.seed,
            "peers": list(config.peers),
            "quick": config.quick,
            "logits": config.logits,
            "logits_shape": list(config.logits_shape),
            "family": config.family,
            "family_size": config.family_size,
            "small": config.small,
            "statistic": "median of the repeats, seconds per call",
        },
        "peers": {name: peers.available(name) for name in PEERS},
        "formulas": FORMULAS,
        "notes": NOTES,
        "rows": rows,
        "memory": memory,
        "logits": {
            "shape": list(config.logits_shape),
            "reference_repeats": min(config.repeats, LOGITS_REFERENCE_REPEATS),
            "formulas": {"torch": LOGITS_FORMULAS},
            "notes": LOGITS_NOTES,
            "rows": logits_rows,
            "memory": logits_memory,
        },
        "family": {"size": config.family_size, "twin_repeats": TWIN_REPEATS, "rows": family_rows},
        "small": {"repeats": max(config.repeats, 5), "rows": small_rows},
        "all_agree": all(
            row["agreement"] for row in (*rows, *logits_rows, *family_rows, *small_rows)
        ),
        "elapsed_seconds": time.perf_counter() - started,
    }
    report["targets"] = evaluate_targets(report)
    return report


NOTES = [
    "speedup = peer time / entropykit time (above 1: entropykit is faster).",
    "entropykit, reference and scipy.stats.entropy get the raw (unnormalised) inputs and "
    "normalise themselves (normalize=True); the NumPy one-liners, the scipy.special sums and "
    "PyTorch get inputs already divided by their sums, made outside the timing.",
    "NumPy, SciPy and the reference are single-threaded: their times are shared by the rows of "
    "every thread count; entropykit, stream_sum and PyTorch run at the row's thread count.",
    "x sum = entropykit time / time of a plain multithreaded sum (_core.stream_sum) over the "
    "same bytes at the same thread count: 1.0 means at the memory-bandwidth limit.",
    "agree: entropykit matches entropykit.reference within rtol 1e-10 (float64) / 1e-5 "
    "(float32) on every value of the row.",
    "batched: rows of 1,000 entries reduced along axis=-1 (SciPy called with axis=-1).",
]


# --------------------------------------------------------------------------------------------
# Losses from logits (issue 5)

#: The cases of the logits section: (label, function, dtypes, keyword arguments). Every one runs
#: at the section's (batch, vocabulary) shape; float64 only where it adds a kernel worth timing.
LOGITS_CASES: tuple[tuple[str, str, tuple[str, ...], dict[str, Any]], ...] = (
    ("logsumexp", "logsumexp", ("float32", "float64"), {}),
    ("log_softmax", "log_softmax", ("float32",), {}),
    ("softmax_cross_entropy", "softmax_cross_entropy", ("float32", "float64"), {}),
    (
        "softmax_cross_entropy ls=0.1",
        "softmax_cross_entropy",
        ("float32",),
        {"label_smoothing": 0.1},
    ),
    ("entropy_from_logits", "entropy_from_logits", ("float32", "float64"), {}),
    ("kl_divergence_from_logits", "kl_divergence_from_logits", ("float32",), {}),
    ("perplexity_from_logits", "perplexity_from_logits", ("float32",), {}),
    ("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits", ("float32",), {}),
    ("binary_cross_entropy", "binary_cross_entropy", ("float32",), {}),
)

#: Samples of the NumPy reference twins per logits case (at most ``--repeats``): one call takes
#: about a second at 1024 x 32000, and the ratios against it are large, so 2 are enough.
LOGITS_REFERENCE_REPEATS = 2

#: Cases whose peak extra memory is probed (issue 5: O(batch), never O(batch x vocabulary)).
LOGITS_MEMORY_CASES = ("softmax_cross_entropy", "entropy_from_logits")

#: Candidates of the logits section besides entropykit and stream_sum, in the order of a round.
LOGITS_PEERS = ("reference", "torch")

#: What PyTorch computes for each case (x: the logits, y: the targets); none for the others.
LOGITS_FORMULAS: dict[str, str] = {
    "logsumexp": "torch.logsumexp(x, dim=-1)",
    "log_softmax": "F.log_softmax(x, dim=-1)",
    "softmax_cross_entropy": "F.cross_entropy(x, y)",
    "softmax_cross_entropy ls=0.1": "F.cross_entropy(x, y, label_smoothing=0.1)",
    "perplexity_from_logits": "torch.exp(F.cross_entropy(x, y))",
    "binary_cross_entropy_with_logits": "F.binary_cross_entropy_with_logits(x, y)",
    "binary_cross_entropy": "F.binary_cross_entropy(p, y)",
}


@dataclass
class LogitsCase:
    """One case of the logits section: ``label`` names it in the report (``function`` plus any
    option), ``kwargs`` are passed to entropykit and to the reference alike."""

    label: str
    function: str
    dtype: str
    shape: tuple[int, int]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


def logits_cases_of(config: BenchConfig) -> list[LogitsCase]:
    """The logits cases of the run (none without ``config.logits``), in :data:`LOGITS_CASES`
    order, restricted to ``config.dtypes``."""
    if not config.logits:
        return []
    return [
        LogitsCase(label, function, dtype, config.logits_shape, dict(kwargs))
        for label, function, dtypes, kwargs in LOGITS_CASES
        for dtype in dtypes
        if dtype in config.dtypes
    ]


def _logits_case(label: str, dtype: str, shape: Sequence[int]) -> LogitsCase:
    for name, function, _, kwargs in LOGITS_CASES:
        if name == label:
            return LogitsCase(label, function, dtype, (int(shape[0]), int(shape[1])), dict(kwargs))
    raise ValueError(f"unknown logits case {label!r}")


def logits_function(side: str, name: str) -> Callable[..., Any]:
    """``entropykit.<name>`` or ``entropykit.reference.<name>`` (``side`` "reference"), else the
    same function from the private module that defines it (before it was exported)."""
    public = ek if side == "entropykit" else reference
    f = getattr(public, name, None)
    if f is None:
        private = "_logits" if side == "entropykit" else "reference.logits"
        f = getattr(importlib.import_module(f"entropykit.{private}"), name)
    return f


@dataclass
class LogitsInputs:
    """Inputs of one logits case. The float arguments (logits, a second set of logits, binary
    targets) are consecutive parts of one contiguous ``buffer``, so that ``stream_sum(buffer)``
    reads exactly the float bytes the kernel reads; class-index targets are separate int64."""

    buffer: np.ndarray
    arrays: tuple[np.ndarray, ...]
    target: np.ndarray | None

    @classmethod
    def make(cls, case: LogitsCase, rng: np.random.Generator) -> LogitsInputs:
        batch, vocab = case.shape
        n = batch * vocab
        kind = np.dtype(case.dtype).type
        function = case.function
        if function == "kl_divergence_from_logits":
            buffer = rng.standard_normal(2 * n, dtype=kind)
        elif function in ("binary_cross_entropy_with_logits", "binary_cross_entropy"):
            buffer = np.empty(2 * n, dtype=kind)
            if function == "binary_cross_entropy":
                # 1 - U[0, 1) lies in (0, 1]: a valid probability, never log(0) (clamped anyway).
                buffer[:n] = 1.0 - rng.random(n, dtype=kind)
            else:
                buffer[:n] = rng.standard_normal(n, dtype=kind)
            buffer[n:] = rng.integers(0, 2, n)  # hard 0/1 labels
        else:
            buffer = rng.standard_normal(n, dtype=kind)
        arrays = tuple(
            buffer[i * n : (i + 1) * n].reshape(batch, vocab) for i in range(buffer.size // n)
        )
        target = None
        if function in ("softmax_cross_entropy", "perplexity_from_logits"):
            target = rng.integers(0, vocab, batch, dtype=np.int64)
        return cls(buffer, arrays, target)

    @property
    def nbytes(self) -> int:
        return self.buffer.nbytes + (0 if self.target is None else self.target.nbytes)


def make_logits_call(
    name: str, case: LogitsCase, inputs: LogitsInputs, peers: Peers
) -> Callable[[], Any] | None:
    """A zero-argument callable computing ``case`` with candidate ``name``, or None when that
    candidate has no such function (PyTorch has no entropy or KL divergence from logits)."""
    args: tuple[Any, ...] = inputs.arrays
    kwargs = case.kwargs
    if name == "stream_sum":
        buffer = inputs.buffer
        return lambda: _core.stream_sum(buffer)
    if name in ("entropykit", "reference"):
        f = logits_function(name, case.function)
        if inputs.target is not None:
            args = (*args, inputs.target)
        return lambda: f(*args, **kwargs)
    if name != "torch":
        raise ValueError(f"unknown candidate {name!r}")
    torch = peers.torch
    F = torch.nn.functional
    x, *rest = (torch.from_numpy(a) for a in args)
    y = rest[0] if rest else None
    t = None if inputs.target is None else torch.from_numpy(inputs.target)
    function = case.function
    if function == "logsumexp":
        return lambda: torch.logsumexp(x, dim=-1)
    if function == "log_softmax":
        return lambda: F.log_softmax(x, dim=-1)
    if function == "softmax_cross_entropy":
        return lambda: F.cross_entropy(x, t, **kwargs)
    if function == "perplexity_from_logits":
        return lambda: torch.exp(F.cross_entropy(x, t))
    if function == "binary_cross_entropy_with_logits":
        return lambda: F.binary_cross_entropy_with_logits(x, y)
    if function == "binary_cross_entropy":
        return lambda: F.binary_cross_entropy(x, y)
    return None


def run_logits_case(
    case: LogitsCase,
    config: BenchConfig,
    peers: Peers,
    threads: _ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times one logits case and returns its rows, one per thread count."""
    inputs = LogitsInputs.make(case, rng)
    candidates: list[Candidate] = []
    for n in config.threads:
        candidates.append(
            Candidate("entropykit", make_logits_call("entropykit", case, inputs, peers), n)
        )
        candidates.append(
            Candidate("stream_sum", make_logits_call("stream_sum", case, inputs, peers), n)
        )
    ref_call = make_logits_call("reference", case, inputs, peers)
    assert ref_call is not None
    candidates.append(Candidate("reference", ref_call, repeats=LOGITS_REFERENCE_REPEATS))
    torch_call = make_logits_call("torch", case, inputs, peers) if peers.torch else None
    if torch_call is not None:
        for n in config.threads:
            candidates.append(Candidate("torch", torch_call, n))
    samples, values = time_interleaved(candidates, config.repeats, config.min_time, threads)

    expected = _as_float64(values["reference"])
    rtol = RTOL[case.dtype]
    first_ek = _as_float64(values[f"entropykit@{config.threads[0]}"])
    rows = []
    for n in config.threads:
        ek_value = _as_float64(values[f"entropykit@{n}"])
        rel = _max_rel_diff(ek_value, expected)
        keys = {
            "entropykit": f"entropykit@{n}",
            "stream_sum": f"stream_sum@{n}",
            "reference": "reference",
            "torch": f"torch@{n}",
        }
        seconds = {
            k: (_median(samples[key]) if key in samples else None) for k, key in keys.items()
        }
        ek_s, sum_s = seconds["entropykit"], seconds["stream_sum"]
        assert ek_s is not None and sum_s is not None
        rows.append(
            {
                "case": case.label,
                "function": case.function,
                "options": dict(case.kwargs),
                "dtype": case.dtype,
                "shape": list(case.shape),
                "elements": case.elements,
                "input_bytes": inputs.nbytes,
                "threads": n,
                "seconds_per_call": seconds,
                "ns_per_element": {
                    k: (None if v is None else v * 1e9 / case.elements) for k, v in seconds.items()
                },
                "speedup": {
                    name: (None if seconds[name] is None else seconds[name] / ek_s)
                    for name in LOGITS_PEERS
                },
                "bandwidth_multiple": ek_s / sum_s,
                "agreement": bool(rel <= rtol),
                "max_rel_diff": rel,
                "rtol": rtol,
                "same_bits_across_threads": bool(
                    np.array_equal(ek_value.view(np.uint64), first_ek.view(np.uint64))
                ),
                # PyTorch computes float32 in float32 throughout: informative, not checked.
                "peer_max_rel_diff": (
                    {"torch": _max_rel_diff(_as_float64(values[keys["torch"]]), expected)}
                    if keys["torch"] in values
                    else {}
                ),
                "samples_seconds": {k: samples.get(key) for k, key in keys.items()},
            }
        )
    return rows


def _logits_memory_specs(config: BenchConfig, peers: Peers) -> list[dict[str, Any]]:
    """Probes of the :data:`LOGITS_MEMORY_CASES` at the section's shape, in float32 (the dtype
    of the issue's targets) unless the run is float64 only."""
    if not config.logits:
        return []
    dtype = "float32" if "float32" in config.dtypes else config.dtypes[0]
    specs = []
    for label in LOGITS_MEMORY_CASES:
        sides = ["entropykit", "reference"]
        if peers.torch is not None and label in LOGITS_FORMULAS:
            sides.append("torch")
        specs += [
            {
                "section": "logits",
                "side": side,
                "function": label,
                "dtype": dtype,
                "shape": list(config.logits_shape),
                "elements": math.prod(config.logits_shape),
                "threads": max(config.threads),
                "seed": config.seed,
            }
            for side in sides
        ]
    return specs


LOGITS_NOTES = [
    "x ref = entropykit.reference time / entropykit's, x torch = PyTorch's (formulas in the "
    "JSON); above 1: entropykit is faster. The reference twins are single-threaded and, being "
    f"slow, sampled only min(repeats, {LOGITS_REFERENCE_REPEATS}) times per case (median); "
    "entropykit, stream_sum and PyTorch run at the row's thread count.",
    "softmax_cross_entropy and perplexity_from_logits take random class-index targets, "
    "reduction 'mean'; the binary losses take 0/1 labels of the logits' shape, reduction 'mean'. "
    "x sum = entropykit time / a plain sum over the same float bytes (1.0: bandwidth-bound).",
    "agree: entropykit matches the reference within rtol 1e-5 (float32) / 1e-10 (float64) on "
    "every value of the row (log_softmax: every entry).",
]


# --------------------------------------------------------------------------------------------
# Peak extra memory, in subprocesses


_PROBE_SCRIPT = (
    "import sys\nfrom entropykit._bench import memory_probe_child\nmemory_probe_child(sys.argv[1])"
)


def _memory_specs(config: BenchConfig, peers: Peers) -> list[dict[str, Any]]:
    n = max(config.sizes)
    sides = ["entropykit", *(name for name in PEERS if peers.available(name))]
    return [
        {
            "side": side,
            "function": function,
            "dtype": dtype,
            "elements": n,
            "threads": max(config.threads),
            "seed": config.seed,
        }
        for function in config.functions
        for dtype in config.dtypes
        for side in sides
    ]


def _status_kib(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(f"{field_name} not in /proc/self/status")


def memory_probe_child(spec_json: str) -> None:
    """Body of one memory subprocess: prints ``{"extra_bytes": ...}`` (or ``{"error": ...}``)
    as JSON on stdout.

    The input is allocated (and so resident) first, the side is warmed up on a tiny input (so
    that one-off costs, the thread pool, SciPy's lazy imports, are not counted), then the peak
    resident set is reset through ``/proc/self/clear_refs``; the extra memory is the peak after
    one call minus the resident set before it. The parent runs this with a fixed glibc mmap
    threshold, so every temporary above 64 KiB is fresh memory that shows in the peak (with the
    default dynamic threshold, a temporary may reuse freed heap that is already resident).
    """
    spec = json.loads(spec_json)
    side, function, dtype = spec["side"], spec["function"], spec["dtype"]
    logits = spec.get("section") == "logits"
    peers = Peers.load(
        ["scipy"] if side.startswith("scipy") else ["torch"] if side == "torch" else ["numpy"]
    )
    ek.set_num_threads(int(spec["threads"]))
    if peers.torch is not None:
        peers.torch.set_num_threads(int(spec["threads"]))
    if int(spec["threads"]) > 1:
        _core.stream_sum(_POOL_WARM)  # builds the thread pool (kept alive, so not reusable)
    rng = np.random.default_rng(spec["seed"])
    # A tiny warm-up call: lazy imports and caches. Tiny, because memory it freed would be
    # reused by the measured call without raising the peak.
    inputs: Inputs | LogitsInputs
    if logits:
        tiny = _logits_case(function, dtype, (4, 64))
        warm = make_logits_call(side, tiny, LogitsInputs.make(tiny, rng), peers)
        case = _logits_case(function, dtype, spec["shape"])
        inputs = LogitsInputs.make(case, rng)
        call = make_logits_call(side, case, inputs, peers)
        if warm is None or call is None:
            print(json.dumps({"error": f"{side} has no {function}"}))
            return
        warm()
    else:
        make_call(side, Inputs.make(function, dtype, (256,), rng), peers)()
        inputs = Inputs.make(function, dtype, (int(spec["elements"]),), rng)
        call = make_call(side, inputs, peers)  # pre-normalised copies are made here, not in it
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # resets VmHWM to the current VmRSS
        before = _status_kib("VmRSS")
    except OSError as error:
        print(json.dumps({"error": f"cannot reset the peak resident set: {error}"}))
        return
    result = call()
    peak = _status_kib("VmHWM")
    del result
    print(json.dumps({"extra_bytes": max(0, peak - before) * 1024, "input_bytes": inputs.nbytes}))


def _run_probe(spec: dict[str, Any]) -> dict[str, Any]:
    row = dict(spec)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE_SCRIPT, json.dumps(spec)],
            env={**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        row["error"] = str(error)
        return row
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        row["error"] = f"probe exited with {done.returncode}: {tail}"
        return row
    row.update(json.loads(lines[-1]))
    if "extra_bytes" in row:
        row["extra_fraction"] = row["extra_bytes"] / row["input_bytes"]
    return row


def measure_peak_memory(
    specs: Sequence[dict[str, Any]], progress: _Progress | None = None
) -> list[dict[str, Any]]:
    """Peak extra memory of each spec'd call, one fresh subprocess per spec.

    Parameters
    ----------
    specs : sequence of dict
        Each with ``side`` (``"entropykit"`` or a name of :data:`PEERS`), ``function``,
        ``dtype``, ``elements``, ``threads`` and ``seed``; a logits probe also has ``section``
        ``"logits"``, ``shape`` (batch, vocabulary) and a case label of :data:`LOGITS_CASES`
        as ``function``.
    progress : optional
        Advanced once per finished probe.

    Returns
    -------
    list of dict
        The specs with ``extra_bytes``, ``input_bytes`` and ``extra_fraction`` added, or
        ``error`` where the probe could not measure (not Linux, a crash, ...).
    """
    if not specs:
        return []
    if not os.path.exists("/proc/self/clear_refs"):
        return [dict(spec, error="needs Linux's /proc/self/clear_refs") for spec in specs]
    # Probes of small inputs run two at a time (start-up dominates); large ones alone, since
    # NumPy's temporaries of two probes at once could exhaust memory.
    itemsize = max(np.dtype(spec["dtype"]).itemsize for spec in specs)
    large = max(spec["elements"] for spec in specs) * itemsize * 2 > 256 * 2**20
    workers = 1 if large else min(2, usable_cpus())
    results: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for row in pool.map(_run_probe, specs):
            if progress is not None:
                progress.describe(f"memory {row['side']} {row['function']} {row['dtype']}")
                progress.advance()
            results.append(row)
    return results


# --------------------------------------------------------------------------------------------
# Machine description


def _cpuinfo() -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return info
    cores = set()
    physical = core = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in ("model name", "Model", "cpu model") and "model" not in info:
            info["model"] = value
        elif key == "physical id":
            physical = value
        elif key == "core id":
            core = value
        elif key == "flags" and "flags" not in info:
            info["flags"] = value.split()
        elif not key and physical is not None and core is not None:
            cores.add((physical, core))
            physical = core = None
    if physical is not None and core is not None:
        cores.add((physical, core))
    if cores:
        info["physical_cores"] = len(cores)
    return info


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, SIMD levels, library versions and the environment variables that
    change the figures."""
    cpu = _cpuinfo()
    simd_flags = [
        f for f in cpu.get("flags", []) if f.startswith(("avx", "fma", "sse4", "neon", "asimd"))
    ]
    total_memory = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    total_memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    env_names = (
        "ENTROPYKIT_SIMD",
        "ENTROPYKIT_NUM_THREADS",
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    )
    return {
        "cpu_model": cpu.get("model") or platform.processor() or platform.machine(),
        "machine": platform.machine(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "physical_cores": cpu.get("physical_cores"),
        "memory_bytes": total_memory,
        "cpu_simd_flags": simd_flags,
        "simd_level": ek.simd_level(),
        "available_simd_levels": list(ek.available_simd_levels()),
        "entropykit_default_threads": ek.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("entropykit", "numpy", "scipy", "torch", "tqdm", "matplotlib")
        },
        "environment": {name: os.environ[name] for name in env_names if name in os.environ},
    }


# --------------------------------------------------------------------------------------------
# Targets of the issue (reported, never asserted)


def _rows(report: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    out = []
    for row in report["rows"]:
        if all(row[k] == v for k, v in match.items()):
            out.append(row)
    return out


def evaluate_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The speed and memory targets of issues 3 and 5, each with the measured figure and whether
    it is met (``None`` when the run did not measure it; ``indicative`` then holds the nearest
    figure measured, from the largest size or the logits shape run). Rows at the largest thread
    count are used."""
    threads = max(report["config"]["threads"])
    functions = report["config"]["functions"]
    largest = max(report["config"]["sizes"])
    targets: list[dict[str, Any]] = []

    def add(
        name: str,
        goal: str,
        measured: float | None,
        ok: Callable[[float], bool],
        where: str = "",
        unit: str = "x",
        missing: str = "",
        indicative: str = "",
        ceiling: float | None = None,
    ) -> None:
        targets.append(
            {
                "target": name,
                "goal": goal,
                "measured": measured,
                "unit": unit,
                "met": None if measured is None else bool(ok(measured)),
                "where": where,
                "missing": missing if measured is None else "",
                "indicative": indicative if measured is None else "",
                "ceiling": ceiling,
            }
        )

    def ceiling_of(row: dict[str, Any] | None, peer: str) -> float | None:
        """The speedup over ``peer`` of a kernel exactly as fast as the plain streaming sum: a
        goal above it is out of reach of any kernel that reads its input once, here."""
        if row is None or row["seconds_per_call"].get(peer) is None:
            return None
        return row["seconds_per_call"][peer] / row["seconds_per_call"]["stream_sum"]

    def one(function: str, dtype: str, n: int, layout: str = "1-D") -> dict[str, Any] | None:
        found = _rows(
            report, function=function, dtype=dtype, elements=n, layout=layout, threads=threads
        )
        return found[0] if found else None

    def speedup(row: dict[str, Any] | None, peer: str) -> float | None:
        return None if row is None else row["speedup"].get(peer)

    def nearest(
        function: str,
        dtype: str | None,
        layout: str,
        key: Callable[[dict[str, Any]], float | None],
    ) -> str:
        """The figure at the largest size run, for a target whose size was not run."""
        match = {"function": function, "layout": layout, "threads": threads}
        if dtype is not None:
            match["dtype"] = dtype
        scored = [(v, r) for r in _rows(report, **match) if (v := key(r)) is not None]
        if not scored:
            return ""
        n = max(r["elements"] for _, r in scored)
        # The worst (lowest) speedup over the dtypes at that size.
        value, row = min((s for s in scored if s[1]["elements"] == n), key=lambda s: s[0])
        return f"{value:.3g}x at {'x'.join(map(str, row['shape']))} {row['dtype']}"

    n7 = 10_000_000
    missing7 = "needs size 1e7 in --sizes"
    for function, dtype, peer, goal, label in (
        ("entropy", "float64", "scipy_stats", 12, "scipy.stats.entropy(p)"),
        ("entropy", "float64", "numpy", 10, "NumPy -sum(p*log p)"),
        ("entropy", "float32", "scipy_stats", 25, "scipy.stats.entropy(p)"),
        ("kl_divergence", "float64", "scipy_stats", 40, "scipy.stats.entropy(p, q)"),
        ("kl_divergence", "float64", "numpy", 10, "NumPy sum(p*log(p/q))"),
        ("cross_entropy", "float64", "numpy", 8, "NumPy -sum(p*log q)"),
    ):
        if function not in functions or dtype not in report["config"]["dtypes"]:
            continue
        row = one(function, dtype, n7)
        value = speedup(row, peer)
        missing = missing7
        if row is not None and value is None:
            missing = f"{peer} not available"
        add(
            f"{function} {dtype} 1e7 vs {label}",
            f">= {goal}x",
            value,
            lambda v, g=goal: v >= g,
            where=f"1-D, {threads} threads",
            missing=missing,
            indicative=nearest(function, dtype, "1-D", lambda r, p=peer: r["speedup"][p]),
            ceiling=ceiling_of(row, peer),
        )

    def worst(
        rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], float | None], high: bool
    ) -> tuple[float | None, str, dict[str, Any] | None]:
        """The worst value over rows (largest if ``high`` is bad), where it was seen, its row."""
        scored = [(key(r), r) for r in rows if key(r) is not None]
        if not scored:
            return None, "", None
        value, row = (max if high else min)(scored, key=lambda s: s[0])
        return value, f"{row['dtype']} {row['layout']} {'x'.join(map(str, row['shape']))}", row

    for function in functions:
        small = _rows(report, function=function, elements=1000, layout="1-D", threads=threads)
        value, where, _ = worst(small, lambda r: r["seconds_per_call"]["entropykit"] * 1e6, True)
        add(
            f"{function} 1e3: time per call",
            "<= 3 us",
            value,
            lambda v: v <= 3.0,
            where=where,
            unit="us",
            missing="needs size 1e3 in --sizes",
        )
        value, where, row = worst(small, lambda r: r["speedup"]["reference"], False)
        add(
            f"{function} 1e3 vs reference",
            ">= 3x",
            value,
            lambda v: v >= 3.0,
            where=where,
            missing="needs size 1e3 in --sizes",
            ceiling=ceiling_of(row, "reference"),
        )
    for function in functions:
        batched = [
            r
            for r in _rows(report, function=function, layout="batched", threads=threads)
            if r["shape"] == [10_000, 1_000]
        ]
        value, where, row = worst(batched, lambda r: r["speedup"]["reference"], False)
        add(
            f"{function} batched 10,000 x 1,000 vs reference",
            ">= 10x",
            value,
            lambda v: v >= 10.0,
            where=where,
            missing="needs size 1e7 in --sizes",
            indicative=nearest(function, None, "batched", lambda r: r["speedup"]["reference"]),
            ceiling=ceiling_of(row, "reference"),
        )
    for function in functions:
        at = _rows(report, function=function, elements=100_000_000, threads=threads)
        value, where, _ = worst(at, lambda r: r["bandwidth_multiple"], True)
        hint = ""
        if value is None:
            near = [
                r
                for r in _rows(report, function=function, threads=threads)
                if r["elements"] >= largest // 2
            ]
            v, w, _ = worst(near, lambda r: r["bandwidth_multiple"], True)
            hint = "" if v is None else f"{v:.3g}x the sum at {w}"
        add(
            f"{function} 1e8: time / plain streaming sum",
            "<= 3x",
            value,
            lambda v: v <= 3.0,
            where=where,
            missing="needs size 1e8 in --sizes",
            indicative=hint,
        )
    for function in functions:
        mem = [
            m
            for m in report["memory"]
            if m["side"] == "entropykit" and m["function"] == function and "extra_bytes" in m
        ]
        at = [m for m in mem if m["elements"] >= 100_000_000]
        scored = [(m["extra_fraction"] * 100, m) for m in at]
        value = max(scored, key=lambda s: s[0])[0] if scored else None
        where = max(scored, key=lambda s: s[0])[1]["dtype"] if scored else ""
        hint = ""
        if value is None and mem:
            m = max(mem, key=lambda m: m["extra_fraction"])
            hint = f"{m['extra_fraction'] * 100:.3g}% at {m['elements']:.0e} {m['dtype']}"
        add(
            f"{function} 1e8: peak extra memory / input",
            "< 1%",
            value,
            lambda v: v < 1.0,
            where=where,
            unit="%",
            missing="needs size 1e8 in --sizes and memory probes on",
            indicative=hint,
        )
    _logits_targets(report, threads, add)
    family_targets(report, threads, add)
    small_targets(report, add)
    return targets


#: The shape of the issue-5 targets.
ISSUE5_SHAPE = [1024, 32_000]


def _logits_targets(report: dict[str, Any], threads: int, add: Callable[..., None]) -> None:
    """Adds the issue-5 targets (float32, 1024 x 32000, rows at ``threads``) through ``add``."""
    logits = report.get("logits") or {}
    rows = [r for r in logits.get("rows", []) if r["threads"] == threads]
    shape = logits.get("shape") or report["config"].get("logits_shape") or ISSUE5_SHAPE
    at_shape = bool(rows) and list(shape) == ISSUE5_SHAPE
    run_shape = "x".join(map(str, shape))
    if not report["config"].get("logits", bool(rows)):
        missing = "needs the logits section (no --no-logits)"
    elif "float32" not in report["config"]["dtypes"]:
        missing = "needs float32 in --dtypes"
    else:
        missing = "needs --logits-shape 1024x32000"
    where = f"float32 1024x32000, {threads} threads"
    torch_ok = bool(report["peers"].get("torch"))

    def row_of(case: str) -> dict[str, Any] | None:
        found = [r for r in rows if r["case"] == case and r["dtype"] == "float32"]
        return found[0] if found else None

    def ratio_target(case: str, peer: str, goal: float, label: str) -> None:
        row = row_of(case)
        value = None if row is None else row["speedup"][peer]
        target_missing = missing
        if peer == "torch" and not torch_ok and rows:
            target_missing = "PyTorch not importable (or not in --peers)"
        indicative = "" if value is None or at_shape else f"{value:.3g}x at {run_shape}"
        ceiling = None
        if row is not None and row["seconds_per_call"][peer] is not None:
            ceiling = row["seconds_per_call"][peer] / row["seconds_per_call"]["stream_sum"]
        add(
            f"{case} 1024x32000 vs {label}",
            f">= {goal:g}x",
            value if at_shape else None,
            lambda v: v >= goal,
            where=where,
            missing=target_missing,
            indicative=indicative,
            ceiling=ceiling if at_shape else None,
        )

    ratio_target("softmax_cross_entropy", "torch", 2, "F.cross_entropy")
    ratio_target("softmax_cross_entropy", "reference", 10, "reference")

    # Label smoothing: the time with eps = 0.1 over the time without, PyTorch's ratio beside it
    # (the issue quotes 3x for PyTorch on CPU).
    plain, smoothed = row_of("softmax_cross_entropy"), row_of("softmax_cross_entropy ls=0.1")
    value, torch_ratio = None, ""
    if plain is not None and smoothed is not None:
        value = smoothed["seconds_per_call"]["entropykit"] / plain["seconds_per_call"]["entropykit"]
        t_plain, t_smooth = (
            plain["seconds_per_call"]["torch"],
            smoothed["seconds_per_call"]["torch"],
        )
        if t_plain is not None and t_smooth is not None:
            torch_ratio = f"; PyTorch {t_smooth / t_plain:.3g}x"
    add(
        "softmax_cross_entropy label_smoothing=0.1: time / without",
        "<= 1.2x",
        value if at_shape else None,
        lambda v: v <= 1.2,
        where=where + torch_ratio,
        missing=missing,
        indicative=(
            "" if value is None or at_shape else f"{value:.3g}x at {run_shape}{torch_ratio}"
        ),
    )
    ratio_target("entropy_from_logits", "reference", 10, "reference")

    mem = [m for m in logits.get("memory", []) if m["side"] == "entropykit" and "extra_bytes" in m]
    value, detail, indicative = None, "", ""
    if mem:
        worst = max(mem, key=lambda m: m["extra_fraction"])
        per_row = worst["extra_bytes"] / worst["shape"][0]
        text = f"{worst['function']} {worst['dtype']}, {_fmt_bytes(per_row)} per row"
        if worst["shape"] == ISSUE5_SHAPE:
            value, detail = worst["extra_fraction"] * 100, text
        else:
            indicative = f"{worst['extra_fraction'] * 100:.3g}% at {run_shape} ({text})"
    add(
        "logits 1024x32000: peak extra memory / input",
        "O(batch): < 1%",
        value,
        lambda v: v < 1.0,
        where=detail,
        unit="%",
        missing=missing + (" and memory probes on" if not mem else ""),
        indicative=indicative,
    )


# --------------------------------------------------------------------------------------------
# Output


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}"


def _fmt_bytes(n: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def _table(header: Sequence[str], body: Sequence[Sequence[str]], right_from: int) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i >= right_from else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in body)]


def format_report(report: dict[str, Any]) -> str:
    """The readable text of a report: machine, timing table, memory table and targets."""
    m = report["machine"]
    cfg = report["config"]
    v = m["versions"]
    # A version installed but not importable (a broken install) counts as absent.
    scipy_version = v.get("scipy") if report["peers"].get("scipy_stats") else None
    torch_version = v.get("torch") if report["peers"].get("torch") else None
    scipy_version, torch_version = scipy_version or "n/a", torch_version or "n/a"
    out = [
        f"entropykit {v.get('entropykit')} bench"
        + (" (--quick)" if cfg["quick"] else "")
        + f": {m['cpu_model']}, {m['usable_cpus']} CPUs usable"
        + (f" ({m['physical_cores']} cores)" if m.get("physical_cores") else "")
        + f", SIMD {m['simd_level']} (available: {', '.join(m['available_simd_levels'])})",
        f"Python {m['python']}, NumPy {v.get('numpy')}, SciPy {scipy_version}, "
        f"PyTorch {torch_version}; median of {cfg['repeats']} interleaved repeats "
        f"after a warm-up (samples of >= {cfg['min_time_seconds'] * 1e3:g} ms)",
    ]
    if m["environment"]:
        out.append("environment: " + ", ".join(f"{k}={val}" for k, val in m["environment"].items()))
    out.append("")
    has_torch = report["peers"].get("torch", False)
    header = ["function", "dtype", "shape", "thr", "time/call", "ns/elem", "x ref", "x numpy"]
    header += ["x scipy", "x special", *(["x torch"] if has_torch else []), "x sum", "agree"]
    body = []
    for row in report["rows"]:
        s = row["speedup"]
        cells = [
            row["function"],
            row["dtype"],
            "x".join(map(str, row["shape"])),
            str(row["threads"]),
            _fmt_time(row["seconds_per_call"]["entropykit"]),
            f"{row['ns_per_element']['entropykit']:.3g}",
            _fmt_ratio(s["reference"]),
            _fmt_ratio(s["numpy"]),
            _fmt_ratio(s["scipy_stats"]),
            _fmt_ratio(s["scipy_special"]),
        ]
        if has_torch:
            cells.append(_fmt_ratio(s["torch"]))
        cells += [_fmt_ratio(row["bandwidth_multiple"]), "yes" if row["agreement"] else "NO"]
        body.append(cells)
    out += _table(header, body, right_from=3)
    out.append("")
    legend = [
        "time/call and ns/elem are entropykit's (ns per element of p). x ref, x numpy, x scipy, "
        "x special" + (", x torch" if has_torch else "") + " = that peer's time / entropykit's "
        "(above 1: entropykit is faster); ref = entropykit.reference, numpy = the NumPy "
        "one-liner, scipy = scipy.stats.entropy, special = scipy.special sums (formulas in the "
        "JSON).",
        *report["notes"][1:4],
    ]
    for note in legend:
        out.append(textwrap.fill(note, width=100, subsequent_indent="  "))
    out.append("")
    bad = [r for r in report["rows"] if not r["agreement"]]
    if bad:
        out.append(
            f"AGREEMENT: {len(bad)} of {len(report['rows'])} rows DISAGREE with the reference:"
        )
        for r in bad:
            out.append(
                f"  {r['function']} {r['dtype']} {'x'.join(map(str, r['shape']))} "
                f"{r['threads']} threads: max rel. diff {r['max_rel_diff']:.3g} > {r['rtol']:g}"
            )
    else:
        worst = max((r["max_rel_diff"] for r in report["rows"]), default=0.0)
        out.append(
            f"Agreement: all {len(report['rows'])} rows match entropykit.reference "
            f"(rtol 1e-10 float64, 1e-5 float32; largest rel. diff {worst:.3g})."
        )
    if len(cfg["threads"]) > 1:
        differ = [r for r in report["rows"] if not r["same_bits_across_threads"]]
        out.append(
            "Thread counts give the same bits: "
            + ("yes, on every row." if not differ else f"NO, on {len(differ)} rows.")
        )
    out.append("")

    if report["memory"]:
        mem = report["memory"]
        n = mem[0]["elements"]
        out.append(f"Peak extra memory at {n:,} elements (1-D, one call, fresh process each):")
        sides = list(dict.fromkeys(x["side"] for x in mem))
        header = ["function", "dtype", "input", *sides]
        body = []
        for function in cfg["functions"]:
            for dtype in cfg["dtypes"]:
                cells = [function, dtype, ""]
                for side in sides:
                    found = [
                        x
                        for x in mem
                        if x["function"] == function and x["dtype"] == dtype and x["side"] == side
                    ]
                    if not found or "extra_bytes" not in found[0]:
                        cells.append("n/a")
                        continue
                    x = found[0]
                    cells[2] = _fmt_bytes(x["input_bytes"])
                    cells.append(
                        f"{_fmt_bytes(x['extra_bytes'])} ({x['extra_fraction'] * 100:.3g}%)"
                    )
                body.append(cells)
        out += _table(header, body, right_from=2)
        errors = sorted({x["error"] for x in mem if "error" in x})
        out += [f"  probe error: {e}" for e in errors]
        out.append("")

    out += _format_logits(report)
    out += format_family(report)
    out += format_small(report)

    issues = "issues 3 and 5" if report.get("logits") else "issue 3"
    out.append(
        f"Targets ({issues}; rows at {max(cfg['threads'])} threads; reported, not enforced):"
    )
    body = []
    for t in report["targets"]:
        if t["measured"] is None:
            status = "not run"
            measured = "-"
            detail = t["missing"] + (f" (indicative: {t['indicative']})" if t["indicative"] else "")
        else:
            status = "met" if t["met"] else "MISSED"
            unit = t["unit"]
            measured = f"{t['measured']:.3g}{'x' if unit == 'x' else ' ' + unit}"
            detail = t["where"]
        ceiling = "-" if t.get("ceiling") is None else f"{t['ceiling']:.3g}x"
        body.append([t["target"], t["goal"], measured, status, ceiling, detail])
    out += _table(["target", "goal", "measured", "status", "ceiling", "where"], body, right_from=6)
    met = sum(1 for t in report["targets"] if t["met"])
    missed = sum(1 for t in report["targets"] if t["met"] is False)
    not_run = sum(1 for t in report["targets"] if t["met"] is None)
    out.append(f"{met} met, {missed} missed, {not_run} not run.")
    out.append(
        textwrap.fill(
            "ceiling: the speedup a kernel exactly as fast as the plain streaming sum over the "
            "same bytes would get over that peer (peer time / sum time, same row): a goal above "
            "it is out of reach, on this machine, of any kernel that reads its input once.",
            width=100,
        )
    )
    out.append(f"({report['elapsed_seconds']:.0f} s)")
    return "\n".join(out)


def _format_logits(report: dict[str, Any]) -> list[str]:
    """The logits section of the text report: timing table, agreement and peak memory."""
    logits = report.get("logits") or {}
    rows = logits.get("rows") or []
    if not rows:
        return []
    cfg = report["config"]
    has_torch = any(r["seconds_per_call"]["torch"] is not None for r in rows)
    shape = "x".join(map(str, logits["shape"]))
    out = [
        f"Losses from logits, batch x vocabulary {shape} (median of {cfg['repeats']} interleaved "
        f"repeats, of {logits['reference_repeats']} for the reference):"
    ]
    header = ["case", "dtype", "thr", "time/call", "ns/elem", "x ref"]
    header += [*(["x torch"] if has_torch else []), "x sum", "agree"]
    body = []
    for row in rows:
        cells = [
            row["case"],
            row["dtype"],
            str(row["threads"]),
            _fmt_time(row["seconds_per_call"]["entropykit"]),
            f"{row['ns_per_element']['entropykit']:.3g}",
            _fmt_ratio(row["speedup"]["reference"]),
        ]
        if has_torch:
            cells.append(_fmt_ratio(row["speedup"]["torch"]))
        cells += [_fmt_ratio(row["bandwidth_multiple"]), "yes" if row["agreement"] else "NO"]
        body.append(cells)
    out += _table(header, body, right_from=2)
    out.append("")
    for note in logits["notes"]:
        out.append(textwrap.fill(note, width=100, subsequent_indent="  "))
    out.append("")
    bad = [r for r in rows if not r["agreement"]]
    if bad:
        out.append(f"AGREEMENT: {len(bad)} of {len(rows)} logits rows DISAGREE with the reference:")
        out += [
            f"  {r['case']} {r['dtype']} {r['threads']} threads: max rel. diff "
            f"{r['max_rel_diff']:.3g} > {r['rtol']:g}"
            for r in bad
        ]
    else:
        worst = max(r["max_rel_diff"] for r in rows)
        out.append(
            f"Agreement: all {len(rows)} logits rows match entropykit.reference "
            f"(largest rel. diff {worst:.3g})."
        )
    if len(cfg["threads"]) > 1:
        differ = [r for r in rows if not r["same_bits_across_threads"]]
        out.append(
            "Thread counts give the same bits: "
            + ("yes, on every row." if not differ else f"NO, on {len(differ)} rows.")
        )
    out.append("")

    mem = logits.get("memory") or []
    if mem:
        out.append(f"Peak extra memory, logits {shape} (one call, fresh process each):")
        sides = list(dict.fromkeys(m["side"] for m in mem))
        body = []
        for case in dict.fromkeys(m["function"] for m in mem):
            found = {m["side"]: m for m in mem if m["function"] == case}
            first = next(iter(found.values()))
            cells = [case, first["dtype"], ""]
            for side in sides:
                m = found.get(side)
                if m is None or "extra_bytes" not in m:
                    cells.append("n/a")
                    continue
                cells[2] = _fmt_bytes(m["input_bytes"])
                cells.append(f"{_fmt_bytes(m['extra_bytes'])} ({m['extra_fraction'] * 100:.3g}%)")
            body.append(cells)
        out += _table(["case", "dtype", "input", *sides], body, right_from=2)
        errors = sorted({m["error"] for m in mem if "error" in m})
        out += [f"  probe error: {e}" for e in errors]
        out.append("")
    return out


def write_json(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Writes the report as JSON (infinities, from failed comparisons, as strings)."""

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return str(x)
        if isinstance(x, dict):
            return {k: clean(val) for k, val in x.items()}
        if isinstance(x, list | tuple):
            return [clean(val) for val in x]
        return x

    with open(path, "w", encoding="utf-8") as f:
        json.dump(clean(report), f, indent=1)
        f.write("\n")


def matplotlib_available() -> bool:
    """Whether ``--plot`` can work."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        return False
    return True


def write_plot(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Speedup against size, one panel per function: solid lines 1-D, dashed batched, one colour
    per peer, one marker per dtype, at the largest thread count.

    Raises
    ------
    RuntimeError
        Without matplotlib (``pip install 'entropykit[bench]'``).
    """
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(
            "--plot needs matplotlib: pip install 'entropykit[bench]' (or matplotlib)"
        ) from None
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    cfg = report["config"]
    threads = max(cfg["threads"])
    functions = cfg["functions"]
    fig, axes = plt.subplots(
        1, len(functions), figsize=(5 * len(functions), 4.2), squeeze=False, sharey=True
    )
    labels = {
        "reference": "vs reference",
        "numpy": "vs NumPy one-liner",
        "scipy_stats": "vs scipy.stats",
        "scipy_special": "vs scipy.special",
        "torch": "vs PyTorch",
    }
    colours = dict(zip(PEERS, ("C0", "C1", "C2", "C3", "C4"), strict=True))
    markers = {"float32": "o", "float64": "s"}
    for ax, function in zip(axes[0], functions, strict=True):
        for peer in PEERS:
            if not report["peers"].get(peer):
                continue
            for dtype in cfg["dtypes"]:
                for layout, style in (("1-D", "-"), ("batched", "--")):
                    rows = sorted(
                        _rows(
                            report, function=function, dtype=dtype, layout=layout, threads=threads
                        ),
                        key=lambda r: r["elements"],
                    )
                    points = [(r["elements"], r["speedup"][peer]) for r in rows]
                    points = [(x, y) for x, y in points if y is not None]
                    if not points:
                        continue
                    xs, ys = zip(*points, strict=True)
                    show = layout == "1-D" and dtype == cfg["dtypes"][-1]
                    ax.plot(
                        xs,
                        ys,
                        style,
                        color=colours[peer],
                        marker=markers[dtype],
                        markersize=4,
                        label=labels[peer] if show else None,
                    )
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(function)
        ax.set_xlabel("elements")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel(f"speedup of entropykit ({threads} threads)")
    axes[0][-1].legend(fontsize=8, title="o float32, s float64; -- batched", title_fontsize=8)
    m = report["machine"]
    fig.suptitle(f"entropykit {m['versions'].get('entropykit')}: {m['cpu_model']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
