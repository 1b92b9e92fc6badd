"""The continuous-data section (issue 15): estimators of entropy from samples, timed against
their reference implementations in one process, interleaved.

The section is a list of cases gathered from case sources (``case_sources``): this module's
``differential_entropy_cases`` (the m-spacing estimators against
``scipy.stats.differential_entropy``); the k-NN rows are ``entropykit.bench.knn``'s. A source
is a function ``cases(scale)`` of a scale, "tiny" (the suite's smoke run), "quick" or
"default", returning a list of ``Case``: a label, entropykit's call, the peers' calls (None for
a peer that is not importable) and the goal per peer. Each case's rows check that entropykit
agrees with every peer (``rtol``) and gives the same bits on every thread count.
``run_continuous`` returns the rows, ``format_continuous`` the text table; ``python -m
entropykit bench --continuous`` runs this section alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import entropykit as ek

from .harness import (
    Candidate,
    ThreadState,
    as_float64,
    max_rel_diff,
    median,
    same_bits,
    time_interleaved,
)
from .report import format_peers, format_time

__all__ = [
    "SCALES",
    "Case",
    "case_sources",
    "differential_entropy_cases",
    "format_continuous",
    "run_continuous",
]

#: The sizes a case source knows: the suite's smoke run, ``--quick`` and the default run.
SCALES = ("tiny", "quick", "default")

Call = Callable[[], Any]


@dataclass(frozen=True)
class Case:
    """One timed case: entropykit's call against each peer's (None: not importable)."""

    label: str
    ours: Call
    peers: dict[str, Call | None]
    #: entropykit at least this many times faster than the peer (issue 15's targets).
    goals: dict[str, float] = field(default_factory=dict)
    #: Relative agreement with the peers (they sum in another order).
    rtol: float = 1e-12


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def differential_entropy_cases(scale: str) -> list[Case]:
    """``differential_entropy`` on many short samples along the last axis (10,000 rows of 50:
    "auto" is Ebrahimi there) and on one long sample (1e7 values: Vasicek), standard normal."""
    rows, long = {
        "tiny": ((200, 50), 20_000),
        "quick": ((2_000, 50), 1_000_000),
        "default": ((10_000, 50), 10_000_000),
    }[scale]
    rng = np.random.default_rng(15)
    short = rng.standard_normal(rows)
    one = rng.standard_normal(long)
    stats = _module("scipy.stats")

    def ours(x: np.ndarray) -> Call:
        return lambda: ek.differential_entropy(x)

    def scipy(x: np.ndarray) -> Call | None:
        return None if stats is None else lambda: stats.differential_entropy(x, axis=-1)

    return [
        Case(
            f"differential_entropy, {rows[0]:,} rows of {rows[1]}, axis=-1",
            ours(short),
            {"scipy": scipy(short)},
            {"scipy": 10.0},
        ),
        Case(
            f"differential_entropy, {long:,} values in one row",
            ours(one),
            {"scipy": scipy(one)},
            {"scipy": 3.0},
        ),
    ]


def case_sources() -> list[Callable[[str], list[Case]]]:
    """The case sources of the section: the spacing estimators (the k-NN rows, checked against
    ``_compute_mi_cc`` rather than their peers' values, are ``entropykit.bench.knn``'s, which
    ``bench --continuous`` prints after this section's)."""
    return [differential_entropy_cases]


def run_continuous(
    scale: str,
    thread_counts: tuple[int, ...],
    repeats: int,
    min_time: float,
    threads: ThreadState,
) -> list[dict[str, Any]]:
    """Times every case of every source and returns one row per case and thread count.

    Each row: ``case``, ``threads``, ``seconds_per_call`` (entropykit and each peer that ran),
    ``speedup`` (peer / entropykit), ``goal`` (per peer, or None), ``missing_peers``,
    ``agreement``, ``max_rel_diff`` and ``same_bits_across_threads``.
    """
    rows: list[dict[str, Any]] = []
    for source in case_sources():
        for case in source(scale):
            candidates = [Candidate("entropykit", case.ours, t) for t in thread_counts]
            ran = {peer: call for peer, call in case.peers.items() if call is not None}
            candidates += [Candidate(peer, call) for peer, call in ran.items()]
            samples, values = time_interleaved(candidates, repeats, min_time, threads)
            first = as_float64(values[f"entropykit@{thread_counts[0]}"])
            rel = max((max_rel_diff(first, as_float64(values[p])) for p in ran), default=0.0)
            for t in thread_counts:
                seconds = median(samples[f"entropykit@{t}"])
                peer_seconds = {p: median(samples[p]) for p in ran}
                rows.append(
                    {
                        "case": case.label,
                        "threads": t,
                        "seconds_per_call": {"entropykit": seconds, **peer_seconds},
                        "speedup": {p: s / seconds for p, s in peer_seconds.items()},
                        "goal": {p: case.goals.get(p) for p in ran},
                        "missing_peers": sorted(set(case.peers) - set(ran)),
                        "agreement": bool(rel <= case.rtol),
                        "max_rel_diff": rel,
                        "same_bits_across_threads": same_bits(
                            as_float64(values[f"entropykit@{t}"]), first
                        ),
                    }
                )
    return rows


def format_continuous(rows: list[dict[str, Any]]) -> str:
    """The section as text: one line per case and thread count, then the peers' times and
    ratios (with the goal, met or missed)."""
    lines = ["continuous data (issue 15)"]
    for row in rows:
        cells = [
            f"{row['case']}, {row['threads']} thread(s): "
            f"{format_time(row['seconds_per_call']['entropykit'])}"
        ]
        cells += format_peers(row)
        cells.append(
            f"  agrees with peers: {row['agreement']} (max rel diff {row['max_rel_diff']:.1e}); "
            f"same bits as at {rows[0]['threads']} thread(s): {row['same_bits_across_threads']}"
        )
        lines.append("\n".join(cells))
    return "\n".join(lines)
