"""How things are timed: the optional peers, the candidates of a case timed interleaved round by
round, thread-count switching outside the timed region, the progress bar, and the agreement
helpers every section shares."""

from __future__ import annotations

import gc
import importlib
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core

from .config import PEER_GROUPS, TWIN_REPEATS

__all__ = [
    "POOL_WARM",
    "Candidate",
    "Peers",
    "Progress",
    "ThreadState",
    "as_float64",
    "max_rel_diff",
    "median",
    "same_bits",
    "time_interleaved",
]

# A buffer longer than stream_sum's serial threshold (2**16): summing it builds the thread pool,
# which set_num_threads drops, so that building it is never inside a timed sample.
POOL_WARM = np.ones(1 << 17)


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
            except (ImportError, OSError):  # OSError: a broken install (a missing library)
                pass
        return peers

    def available(self, name: str) -> bool:
        if name in ("reference", "numpy"):
            return name == "reference" or self.numpy
        return getattr(self, name, None) is not None


@dataclass
class Candidate:
    """One thing timed in a case: a name, a callable and the thread count it runs at (None for
    the single-threaded NumPy and SciPy sides, which ignore it)."""

    name: str
    call: Callable[[], Any]
    threads: int | None = None
    #: Timed samples of this candidate when fewer than the case's (slow reference twins).
    repeats: int | None = None
    #: Timed by warm calls only, however slow its first call (a peer that a goal is set
    #: against: its cold first call would flatter the ratio).
    warm: bool = False

    @property
    def key(self) -> str:
        return self.name if self.threads is None else f"{self.name}@{self.threads}"


class ThreadState:
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
                _core.stream_sum(POOL_WARM)


#: Seconds from which a candidate's warm-up call counts as its first sample, and the candidate
#: is sampled at most ``config.TWIN_REPEATS`` times: the slow NumPy twins and peers, which were
#: most of a default run's time (the twins of the family and logits sections alone about 95 of
#: 278 s, 2026-11-30). Never entropykit's own candidates: their figure is the one reported, and
#: a cold first call as its only sample read 787 ms for a ``symbol_entropy`` whose warm calls
#: took 513-561 ms (2026-12-01).
WARM_UP_SAMPLE = 0.1

#: The name of entropykit's candidates (timed in every round, however slow).
OURS = "entropykit"


def _sample(call: Callable[[], Any], number: int) -> float:
    """Seconds per call over ``number`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number


def time_interleaved(
    candidates: Sequence[Candidate], repeats: int, min_time: float, threads: ThreadState
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Times every candidate ``repeats`` times, one sample of each per round (a candidate with
    fewer ``Candidate.repeats`` is sampled in that many rounds, spread evenly over the run; with
    ``repeats=0`` it is only called once, for its value).

    Returns
    -------
    samples : dict
        Candidate key -> seconds per call of each sample.
    values : dict
        Candidate key -> the value of its warm-up call (for the agreement checks).
    """
    numbers: dict[str, int] = {}
    values: dict[str, Any] = {}
    # A sparse candidate's warm-up call that lasted this long is its first sample: its one-off
    # costs are noise next to it, and the slow twins are most of a run's time.
    first_samples: dict[str, float] = {}
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
            sparse = cand.repeats != 0 and cand.name != OURS and not cand.warm
            if elapsed >= WARM_UP_SAMPLE and sparse:
                first_samples[cand.key] = elapsed
            if elapsed < min_time:
                # The first call may include one-off costs: calibrate on a few more.
                number = max(1, int(min_time / max(elapsed, 1e-9)) // 10)
                elapsed = _sample(cand.call, number)
                number = max(1, math.ceil(min_time / max(elapsed, 1e-9)))
            numbers[cand.key] = number
        samples: dict[str, list[float]] = {cand.key: [] for cand in candidates if cand.repeats != 0}
        rounds: dict[str, set[int]] = {}
        for cand in candidates:
            k = min(repeats, repeats if cand.repeats is None else cand.repeats)
            if cand.key in first_samples:
                # A slow call (a NumPy twin, SciPy or scikit-learn on 1e7 values) is sampled
                # sparsely whoever makes it; its ratio is large, so one sample says enough.
                k = min(k, TWIN_REPEATS)
                samples[cand.key].append(first_samples[cand.key])
                k -= 1
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


class Progress:
    """A tqdm bar on stderr when tqdm is importable (the ``bench`` extra), else a plain line
    rewritten in place. Steps carry weights (about the seconds they take), so the bar's rate and
    remaining time mean something although a 1e7 case takes a thousand times a 1e3 one."""

    def __init__(self, total: float, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0.0, enabled
        self.bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
            except ImportError:
                pass
            else:
                self.bar = tqdm(
                    total=round(total, 1),
                    file=sys.stderr,
                    unit="",
                    leave=False,
                    bar_format="{l_bar}{bar}| {elapsed}<{remaining}",
                )

    def describe(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_description_str(text)
        else:
            line = f"\rentropykit bench [{100 * self.done / max(self.total, 1e-9):3.0f}%] {text}"
            sys.stderr.write(line.ljust(78)[:78])
            sys.stderr.flush()

    def advance(self, weight: float = 1.0) -> None:
        self.done += weight
        if self.bar is not None:
            self.bar.update(weight)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()


def median(xs: Sequence[float]) -> float:
    return float(np.median(np.asarray(xs)))


def as_float64(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().numpy()
    return np.asarray(value, dtype=np.float64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """The kernels promise the same bits on any number of threads."""
    return a.shape == b.shape and bool(np.array_equal(a.view(np.uint64), b.view(np.uint64)))


def max_rel_diff(value: np.ndarray, expected: np.ndarray) -> float:
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
