"""The raw-data section (issue 14): the four rows of the issue's speed table, each against the
NumPy/SciPy line people write today, in one process, with the time of a plain multithreaded sum
over the same bytes as the yardstick (``x sum``).

- ``byte_histogram``: ``np.bincount(np.frombuffer(b, np.uint8), minlength=256)``;
- ``windowed_byte_entropy`` (window 1024, step 256): a loop of
  ``scipy.stats.entropy(np.bincount(window, minlength=256))`` per window;
- ``histogram_entropy`` (256 bins): ``scipy.stats.entropy(np.histogram(x, 256)[0])``;
- ``symbol_entropy`` (1e6 distinct): ``scipy.stats.entropy(np.unique(x, return_counts=True)[1])``.

The window loop is timed over its first ``PEER_WINDOWS`` windows and compared per window (a
full loop over 1e9 bytes would take hours). ``python -m entropykit bench --raw`` runs this
section alone: the issue's sizes with ``--full`` (1e9 bytes, 1e8 float64, 1e8 int64), ten
times smaller by default (about a minute), tiny with ``--quick``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core

from .harness import Candidate, ThreadState, median, time_interleaved
from .report import format_time

__all__ = ["RAW_GOALS", "format_raw", "raw_sizes", "run_raw"]

#: The issue's targets: entropykit at least this many times faster than the baseline.
RAW_GOALS: dict[str, float | None] = {
    "byte_histogram": 8.0,
    "windowed_byte_entropy": 100.0,
    "histogram_entropy": 10.0,
    "symbol_entropy": 10.0,
    # Values lo + k step take a direct-count path: reported beside the target row, whose
    # spread 64-bit keys are hashed, as values in general are.
    "symbol_entropy_affine": None,
}
#: Windows the SciPy loop is timed over (its time per window is what is compared).
PEER_WINDOWS = 2_000
DISTINCT = 1_000_000


def raw_sizes(full: bool, quick: bool) -> dict[str, int]:
    """Elements per case: the issue's with ``full``, ten times fewer by default, tiny ``quick``."""
    if full:
        return {"bytes": 10**9, "windows": 10**9, "floats": 10**8, "ints": 10**8}
    if quick:
        return {"bytes": 10**5, "windows": 10**5, "floats": 10**5, "ints": 10**5}
    return {"bytes": 10**8, "windows": 10**8, "floats": 10**7, "ints": 10**7}


def _stats() -> Any:
    import importlib

    return importlib.import_module("scipy.stats")


def _cases(
    sizes: dict[str, int], rng: np.random.Generator
) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
    """(name, description, a maker of the inputs and calls): inputs are built one case at a
    time, so the full run holds one large array at once."""

    def skewed_bytes(n: int) -> np.ndarray:
        # Skewed bytes, like real files, made in pieces (1e9 int64 draws would need 8 GB).
        b = np.empty(n, np.uint8)
        for start in range(0, n, 1 << 24):
            piece = b[start : start + (1 << 24)]
            piece[:] = np.minimum(rng.geometric(0.05, piece.size), 255)
        return b

    def histogram() -> dict[str, Any]:
        b = skewed_bytes(sizes["bytes"])
        return {
            "bytes": b.nbytes,
            "units": 1,
            "ours": lambda: ek.byte_histogram(b),
            "peer": lambda: np.bincount(np.frombuffer(b, np.uint8), minlength=256),
            "agree": lambda o, p: bool(np.array_equal(o, p)),
        }

    def windows() -> dict[str, Any]:
        n = sizes["windows"]
        b = skewed_bytes(n)
        count = (n - 1024) // 256 + 1
        stats = _stats()
        peer_windows = min(count, PEER_WINDOWS)

        def loop() -> Any:
            return np.array(
                [
                    stats.entropy(np.bincount(b[s : s + 1024], minlength=256), base=2)
                    for s in range(0, peer_windows * 256, 256)
                ]
            )

        return {
            "bytes": b.nbytes,
            "units": count,
            "peer_units": peer_windows,
            "ours": lambda: ek.windowed_byte_entropy(b, 1024, 256),
            "peer": loop,
            "agree": lambda o, p: bool(np.allclose(o[: p.size], p, rtol=0, atol=1e-12)),
        }

    def binned() -> dict[str, Any]:
        x = rng.standard_normal(sizes["floats"])
        stats = _stats()
        return {
            "bytes": x.nbytes,
            "units": 1,
            "ours": lambda: ek.histogram_entropy(x, 256),
            "peer": lambda: stats.entropy(np.histogram(x, 256)[0]),
            "agree": lambda o, p: bool(abs(o - p) <= 1e-10 * abs(p)),
        }

    def symbols(affine: bool) -> dict[str, Any]:
        n = sizes["ints"]
        distinct = min(DISTINCT, n)
        if affine:
            x = rng.integers(0, distinct, n) * 7919 - 2**40
        else:
            x = rng.integers(-(2**62), 2**62, distinct)[rng.integers(0, distinct, n)]
        stats = _stats()
        return {
            "bytes": x.nbytes,
            "units": 1,
            "ours": lambda: ek.symbol_entropy(x),
            "peer": lambda: stats.entropy(np.unique(x, return_counts=True)[1]),
            "agree": lambda o, p: bool(abs(o - p) <= 1e-10 * abs(p)),
        }

    return [
        (
            "byte_histogram",
            f"{sizes['bytes']:.0e} bytes x np.bincount",
            histogram,
        ),
        (
            "windowed_byte_entropy",
            f"{sizes['windows']:.0e} bytes, window 1024, step 256 x a SciPy loop (per window)",
            windows,
        ),
        (
            "histogram_entropy",
            f"{sizes['floats']:.0e} float64, 256 bins x scipy entropy(np.histogram)",
            binned,
        ),
        (
            "symbol_entropy",
            f"{sizes['ints']:.0e} int64, {min(DISTINCT, sizes['ints']):.0e} distinct spread "
            "over 64 bits x scipy entropy(np.unique counts)",
            partial(symbols, False),
        ),
        (
            "symbol_entropy_affine",
            f"{sizes['ints']:.0e} int64, {min(DISTINCT, sizes['ints']):.0e} distinct "
            "multiples of 7919 x scipy entropy(np.unique counts)",
            partial(symbols, True),
        ),
    ]


def run_raw(
    sizes: dict[str, int],
    thread_counts: tuple[int, ...],
    repeats: int,
    min_time: float,
    threads: ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times each case at each thread count against its baseline; one row per case and count.

    Each row: ``case``, ``description``, ``threads``, ``seconds_per_call`` (entropykit,
    stream_sum, peer: the peer's scaled to the same work), ``speedup`` (peer / entropykit),
    ``sum_multiple`` (entropykit / stream_sum over as many bytes), ``goal``, ``agreement``.
    """
    rows: list[dict[str, Any]] = []
    for name, description, make in _cases(sizes, rng):
        case = make()
        yardstick = np.ones(max(1, case["bytes"] // 8))
        candidates = []
        for t in thread_counts:
            candidates.append(Candidate("entropykit", case["ours"], t))
            candidates.append(Candidate("stream_sum", partial(_core.stream_sum, yardstick), t))
        candidates.append(Candidate("peer", case["peer"]))
        samples, values = time_interleaved(candidates, repeats, min_time, threads)
        # The peer may have done part of the work (the window loop): scale it to all of it.
        scale = case["units"] / case.get("peer_units", case["units"])
        peer = median(samples["peer"]) * scale
        agree = case["agree"](values[f"entropykit@{thread_counts[0]}"], values["peer"])
        for t in thread_counts:
            ours = median(samples[f"entropykit@{t}"])
            summed = median(samples[f"stream_sum@{t}"])
            rows.append(
                {
                    "case": name,
                    "description": description,
                    "input_bytes": case["bytes"],
                    "threads": t,
                    "seconds_per_call": {"entropykit": ours, "stream_sum": summed, "peer": peer},
                    "speedup": peer / ours,
                    "sum_multiple": ours / summed,
                    "goal": RAW_GOALS[name],
                    "agreement": agree,
                }
            )
        del case, candidates, values
        gc.collect()
    return rows


def format_raw(rows: list[dict[str, Any]]) -> str:
    """The section as a text table: one line per case and thread count."""
    lines = [
        "raw data (issue 14): x baseline = baseline time / entropykit time; x sum = entropykit "
        "time / a plain multithreaded sum over as many bytes"
    ]
    for row in rows:
        s = row["seconds_per_call"]
        if row["goal"] is None:
            goal = "no goal of its own"
        else:
            met = "met" if row["speedup"] >= row["goal"] else "missed"
            goal = f"goal >= {row['goal']:g}x: {met}"
        lines.append(
            f"{row['case']} ({row['description']}), {row['threads']} thread(s): "
            f"{format_time(s['entropykit'])} vs {format_time(s['peer'])}: "
            f"x baseline {row['speedup']:.1f} ({goal}), "
            f"x sum {row['sum_multiple']:.2f}; agrees: {row['agreement']}"
        )
    return "\n".join(lines)
