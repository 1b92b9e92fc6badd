"""The grouped and ragged section (issue 11): entropy of 1e7 values in 1e4 groups by unsorted
keys (``entropy_grouped``) against Polars' ``group_by(key).agg(pl.col(x).entropy())`` and
against ``scipy.stats.entropy`` over the ``np.split`` rows of the values sorted by key; and the
ragged entropy of the same values already laid out by offsets (``entropy_segments``) against a
Python loop of ``entropykit.entropy`` over the segments and a loop of ``scipy.stats.entropy``.

Polars and SciPy are optional: a missing one is left out of the rows, with a note. Each row also
checks that entropykit agrees with the peers (``GROUPED_RTOL``) and gives the same bits on every
thread count. ``run_grouped`` returns the rows, ``format_grouped`` the text table;
``python -m entropykit bench --grouped`` runs this section alone.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
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
    "GROUPED_GOALS",
    "GROUPED_RTOL",
    "format_grouped",
    "grouped_inputs",
    "run_grouped",
]

#: entropykit against the peers: relative agreement (Polars and SciPy sum in another order).
GROUPED_RTOL = 1e-10
#: Goals of issue 11: entropykit at least this many times faster than the peer.
GROUPED_GOALS = {"polars": 10.0, "scipy_split": 10.0}

Call = Callable[[], Any]


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def grouped_inputs(rng: np.random.Generator, n: int, groups: int) -> dict[str, Any]:
    """``n`` positive float64 values with unsorted int64 keys drawn from ``groups`` labels, and
    the same values sorted by key with the offsets of each key's run."""
    values = rng.random(n) + 1e-3
    keys = rng.integers(0, groups, n)
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=groups)
    return {
        "values": values,
        "keys": keys,
        "sorted": values[order],
        "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    }


def _scipy_split(inputs: dict[str, Any]) -> Call | None:
    stats = _module("scipy.stats")
    if stats is None:
        return None
    values, keys = inputs["values"], inputs["keys"]

    def call() -> Any:
        # What one writes without a group-by: sort by key, split at the key changes.
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        rows = np.split(values[order], bounds)
        return np.array([stats.entropy(r) for r in rows])

    return call


def _polars(inputs: dict[str, Any]) -> Call | None:
    pl = _module("polars")
    if pl is None:
        return None
    frame = pl.DataFrame({"k": inputs["keys"], "x": inputs["values"]})

    def call() -> Any:
        out = frame.group_by("k").agg(pl.col("x").entropy()).sort("k")
        return out["x"].to_numpy()

    return call


def _segment_loop(inputs: dict[str, Any], entropy: Callable[[Any], Any]) -> Call:
    values, offsets = inputs["sorted"], inputs["offsets"]
    bounds = list(itertools.pairwise(offsets.tolist()))

    def call() -> Any:
        return np.array([float(entropy(values[a:b])) for a, b in bounds])

    return call


def run_grouped(
    n: int,
    groups: int,
    thread_counts: tuple[int, ...],
    repeats: int,
    min_time: float,
    threads: ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times the two cases (grouped, then ragged) and returns one row per case and thread count.

    Each row: ``case``, ``elements``, ``groups``, ``threads``, ``seconds_per_call`` (entropykit
    and each peer that ran), ``speedup`` (peer / entropykit), ``goal`` (per peer, or None),
    ``agreement``, ``max_rel_diff`` and ``same_bits_across_threads``.
    """
    inputs = grouped_inputs(rng, n, groups)
    stats = _module("scipy.stats")
    cases: list[tuple[str, Call, dict[str, Call | None]]] = [
        (
            "entropy_grouped",
            lambda: ek.entropy_grouped(inputs["values"], inputs["keys"])[1],
            {"polars": _polars(inputs), "scipy_split": _scipy_split(inputs)},
        ),
        (
            "entropy_segments",
            lambda: ek.entropy_segments(inputs["sorted"], inputs["offsets"]),
            {
                "entropy_loop": _segment_loop(inputs, ek.entropy),
                "scipy_loop": None if stats is None else _segment_loop(inputs, stats.entropy),
            },
        ),
    ]
    rows: list[dict[str, Any]] = []
    for name, ours, peers in cases:
        candidates = [Candidate("entropykit", ours, t) for t in thread_counts]
        ran = {peer: call for peer, call in peers.items() if call is not None}
        # Polars, the goal's peer, is timed warm like entropykit; the SciPy loops (seconds a
        # call) by their first call.
        candidates += [Candidate(p, call, warm=p == "polars") for p, call in ran.items()]
        samples, values = time_interleaved(candidates, repeats, min_time, threads)
        first = as_float64(values[f"entropykit@{thread_counts[0]}"])
        rel = max((max_rel_diff(first, as_float64(values[p])) for p in ran), default=0.0)
        for t in thread_counts:
            seconds = median(samples[f"entropykit@{t}"])
            peer_seconds = {p: median(samples[p]) for p in ran}
            rows.append(
                {
                    "case": name,
                    "elements": n,
                    "groups": groups,
                    "threads": t,
                    "seconds_per_call": {"entropykit": seconds, **peer_seconds},
                    "speedup": {p: s / seconds for p, s in peer_seconds.items()},
                    "goal": {p: GROUPED_GOALS.get(p) for p in ran},
                    "missing_peers": sorted(set(peers) - set(ran)),
                    "agreement": bool(rel <= GROUPED_RTOL),
                    "max_rel_diff": rel,
                    "same_bits_across_threads": same_bits(
                        as_float64(values[f"entropykit@{t}"]), first
                    ),
                }
            )
    return rows


def format_grouped(rows: list[dict[str, Any]]) -> str:
    """The section as a text table: one line per case and thread count, peers' times and ratios."""
    lines = ["grouped and ragged entropy (issue 11)"]
    for row in rows:
        cells = [
            f"{row['case']}, {row['elements']:.0e} values in {row['groups']} groups, "
            f"{row['threads']} thread(s): {format_time(row['seconds_per_call']['entropykit'])}"
        ]
        cells += format_peers(row)
        cells.append(
            f"  agrees with peers: {row['agreement']} (max rel diff {row['max_rel_diff']:.1e}); "
            f"same bits as on {rows[0]['threads']} thread(s): {row['same_bits_across_threads']}"
        )
        lines.append("\n".join(cells))
    return "\n".join(lines)
