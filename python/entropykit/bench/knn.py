"""The k-NN section (issue 15): ``knn_mutual_information`` on n = 1e5 one-dimensional pairs
(k = 3) against scikit-learn's ``_compute_mi_cc`` (the KSG function ``mutual_info_regression``
calls per feature), and ``knn_mutual_information_many`` on 1e4 rows x 100 features against
``mutual_info_regression`` itself (which rescales and adds 1e-10 noise first, so its values are
not ours: each column is checked against ``_compute_mi_cc`` on the raw data instead).

scikit-learn is optional: without it the rows time entropykit alone, with a note. Each row
checks agreement (``KNN_ATOL``) and the same bits on every thread count. ``run_knn`` returns the
rows, ``format_knn`` the text table; ``main()`` (``python -m entropykit.bench.knn``) runs the
section alone, prints the machine line and the load average beside it, and can append the text to
a file (``--out``).
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from typing import Any

import numpy as np

import entropykit as ek

from .harness import (
    Candidate,
    ThreadState,
    as_float64,
    median,
    same_bits,
    time_interleaved,
)
from .machine import cpu_line, machine_info
from .report import format_peers, format_time

__all__ = ["KNN_ATOL", "KNN_GOALS", "format_knn", "knn_inputs", "main", "run_knn"]

#: entropykit against ``_compute_mi_cc``: absolute agreement (only the summation order differs).
KNN_ATOL = 1e-12
#: Goals of issue 15: entropykit at least this many times faster than the peer.
KNN_GOALS = {"_compute_mi_cc": 10.0, "mutual_info_regression": 10.0}

Call = Callable[[], Any]


def _sklearn() -> tuple[Any, Any] | None:
    try:
        module = importlib.import_module("sklearn.feature_selection._mutual_info")
        public = importlib.import_module("sklearn.feature_selection")
    except ImportError:
        return None
    return module._compute_mi_cc, public.mutual_info_regression


def knn_inputs(rng: np.random.Generator, n: int, rows: int, features: int) -> dict[str, Any]:
    """A correlated 1-D pair of ``n`` samples; ``rows`` x ``features`` features, half of them
    related to the target ``y``."""
    x = rng.normal(size=n)
    X = rng.normal(size=(rows, features))
    target = X[:, : features // 2].sum(axis=1) * 0.2 + rng.normal(size=rows)
    return {"x": x, "y": 0.6 * x + rng.normal(size=n), "X": X, "target": target}


def run_knn(
    n: int,
    rows: int,
    features: int,
    thread_counts: tuple[int, ...],
    repeats: int,
    min_time: float,
    threads: ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times the two cases and returns one row per case and thread count.

    Each row: ``case``, ``shape``, ``threads``, ``seconds_per_call`` (entropykit and the peer
    that ran), ``speedup``, ``goal``, ``agreement`` and ``max_abs_diff`` (against
    ``_compute_mi_cc``), ``same_bits_across_threads``.
    """
    inputs = knn_inputs(rng, n, rows, features)
    sk = _sklearn()
    x, y, X, target = inputs["x"], inputs["y"], inputs["X"], inputs["target"]
    cases: list[tuple[str, str, Call, str, Call | None, Call | None]] = [
        (
            "knn_mutual_information",
            f"n = {n:.0e}, 1-D x and y, k = 3",
            lambda: ek.knn_mutual_information(x, y, 3),
            "_compute_mi_cc",
            None if sk is None else (lambda: sk[0](x, y, 3)),
            None,
        ),
        (
            "knn_mutual_information_many",
            f"{rows:.0e} rows x {features} features, k = 3",
            lambda: ek.knn_mutual_information_many(X, target, 3),
            "mutual_info_regression",
            None if sk is None else (lambda: sk[1](X, target, n_neighbors=3, random_state=0)),
            None
            if sk is None
            else (lambda: np.array([sk[0](X[:, j].copy(), target, 3) for j in range(features)])),
        ),
    ]
    out: list[dict[str, Any]] = []
    for name, shape, ours, peer, peer_call, check in cases:
        candidates = [Candidate("entropykit", ours, t) for t in thread_counts]
        if peer_call is not None:
            candidates.append(Candidate(peer, peer_call))
        samples, values = time_interleaved(candidates, repeats, min_time, threads)
        first = as_float64(values[f"entropykit@{thread_counts[0]}"])
        expected = None
        if check is not None:
            expected = as_float64(check())
        elif peer_call is not None:
            expected = as_float64(values[peer])
        diff = None if expected is None else float(np.max(np.abs(first - expected)))
        for t in thread_counts:
            seconds = median(samples[f"entropykit@{t}"])
            peer_seconds = {} if peer_call is None else {peer: median(samples[peer])}
            out.append(
                {
                    "case": name,
                    "shape": shape,
                    "threads": t,
                    "seconds_per_call": {"entropykit": seconds, **peer_seconds},
                    "speedup": {p: s / seconds for p, s in peer_seconds.items()},
                    "goal": {p: KNN_GOALS.get(p) for p in peer_seconds},
                    "missing_peers": [] if peer_call is not None else [peer],
                    "agreement": None if diff is None else bool(diff <= KNN_ATOL),
                    "max_abs_diff": diff,
                    "same_bits_across_threads": same_bits(
                        as_float64(values[f"entropykit@{t}"]), first
                    ),
                }
            )
    return out


def format_knn(rows: list[dict[str, Any]]) -> str:
    """The section as a text table: one line per case and thread count, the peer's time and
    ratio, then the agreement with ``_compute_mi_cc``."""
    lines = ["k-NN estimators (issue 15)"]
    for row in rows:
        cells = [
            f"{row['case']}, {row['shape']}, {row['threads']} thread(s): "
            f"{format_time(row['seconds_per_call']['entropykit'])}"
        ]
        cells += format_peers(row, "scikit-learn not importable, skipped")
        if row["agreement"] is not None:
            cells.append(
                f"  equals _compute_mi_cc: {row['agreement']} (max abs diff "
                f"{row['max_abs_diff']:.1e}); same bits as on {rows[0]['threads']} thread(s): "
                f"{row['same_bits_across_threads']}"
            )
        lines.append("\n".join(cells))
    return "\n".join(lines)


def _load() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unavailable"


def main(argv: list[str] | None = None) -> str:
    """Runs the section at the issue's sizes and prints it (returned too, for a caller that
    files it); ``--out FILE`` appends it to FILE."""
    parser = argparse.ArgumentParser(prog="python -m entropykit.bench.knn")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    before = ek.get_num_threads()
    try:
        load_before = _load()
        rows = run_knn(
            args.n,
            args.rows,
            args.features,
            tuple(args.threads),
            args.repeats,
            args.min_time,
            ThreadState(None),
            np.random.default_rng(0),
        )
        load_after = _load()
    finally:
        ek.set_num_threads(before)
    text = "\n".join(
        [
            cpu_line(machine_info()),
            f"{load_before} before, {load_after} after",
            format_knn(rows),
        ]
    )
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(text + "\n\n")
    return text


if __name__ == "__main__":
    main()
