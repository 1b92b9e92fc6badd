"""The Dask row: entropy and KL over one chunked array on a ``LocalCluster`` (2 worker processes,
1 thread each), ``entropykit.dask`` against the same reduction written with NumPy kernels in Dask
(``-sum(p/S log(p/S))``), and against in-memory NumPy and entropykit on the gathered array.

Run alone with ``python -m entropykit.bench.dask [elements]``; ``dask_rows()`` returns the rows for
a report (the ``--pipeline`` section calls it when present).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import entropykit as ek

__all__ = ["dask_rows", "main"]


def _best(call: Callable[[], Any], repeats: int) -> float:
    """The best of ``repeats`` wall times (seconds) of ``call``, after one warm-up call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def _numpy_entropy(p: Any, axis: Any = None) -> Any:
    """Shannon entropy written with NumPy (or Dask's NumPy-backed) array operations."""
    mass = p.sum(axis=axis, keepdims=True)
    r = p / mass
    return -(r * np.log(r)).sum(axis=axis)


def _numpy_kl(p: Any, q: Any, axis: Any = None) -> Any:
    rp = p / p.sum(axis=axis, keepdims=True)
    rq = q / q.sum(axis=axis, keepdims=True)
    return (rp * np.log(rp / rq)).sum(axis=axis)


def dask_rows(
    elements: int = 10**8, chunk: int = 5 * 10**6, repeats: int = 3
) -> list[dict[str, Any]]:
    """Seconds per call of each way, for entropy and KL of ``elements`` float64 (in chunks of
    ``chunk``) reduced to one number, with the machine's load average beside them."""
    # Through importlib: Dask is optional and ships no complete annotations.
    da: Any = importlib.import_module("dask.array")
    distributed: Any = importlib.import_module("dask.distributed")
    ekd: Any = importlib.import_module("entropykit.dask")

    rows: list[dict[str, Any]] = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Entries in (0, 1]: the NumPy formula needs no guard for zeros.
        p = 1.0 - da.random.default_rng(0).random(elements, chunks=chunk)
        q = 1.0 - da.random.default_rng(1).random(elements, chunks=chunk)
        p, q = client.persist([p, q])
        local_p, local_q = p.compute(), q.compute()
        cases: list[
            tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any], Callable[[], Any]]
        ] = [
            (
                "entropy",
                lambda: ekd.entropy(p, axis=None).compute(),
                lambda: _numpy_entropy(p).compute(),
                lambda: ek.entropy(local_p, axis=None),
                lambda: _numpy_entropy(local_p),
            ),
            (
                "kl_divergence",
                lambda: ekd.kl_divergence(p, q, axis=None).compute(),
                lambda: _numpy_kl(p, q).compute(),
                lambda: ek.kl_divergence(local_p, local_q, axis=None),
                lambda: _numpy_kl(local_p, local_q),
            ),
        ]
        for name, ours, dask_numpy, in_memory, numpy_memory in cases:
            value, expected = float(ours()), float(numpy_memory())
            row = {
                "function": name,
                "elements": elements,
                "chunk": chunk,
                "workers": 2,
                "dask_entropykit_s": _best(ours, repeats),
                "dask_numpy_s": _best(dask_numpy, repeats),
                "entropykit_in_memory_s": _best(in_memory, repeats),
                "numpy_in_memory_s": _best(numpy_memory, repeats),
                "rel_diff_vs_numpy": abs(value - expected) / abs(expected),
                "load_average": os.getloadavg(),
                "cpus": os.cpu_count(),
            }
            rows.append(row)
    return rows


def _format(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'function':<15}{'dask+ek s':>11}{'dask+np s':>11}{'speed-up':>10}"
        f"{'ek mem s':>10}{'np mem s':>10}{'rel diff':>10}"
    ]
    for r in rows:
        lines.append(
            f"{r['function']:<15}{r['dask_entropykit_s']:>11.3f}{r['dask_numpy_s']:>11.3f}"
            f"{r['dask_numpy_s'] / r['dask_entropykit_s']:>9.1f}x"
            f"{r['entropykit_in_memory_s']:>10.3f}{r['numpy_in_memory_s']:>10.3f}"
            f"{r['rel_diff_vs_numpy']:>10.1e}"
        )
    if rows:
        load = ", ".join(f"{x:.2f}" for x in rows[0]["load_average"])
        lines.append(
            f"{rows[0]['elements']:.0e} float64 in chunks of {rows[0]['chunk']:.0e}, "
            f"LocalCluster 2 processes x 1 thread; {rows[0]['cpus']} CPUs, load average {load}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    elements = int(float(args[0])) if args else 10**8
    print(_format(dask_rows(elements, chunk=max(elements // 20, 1))))


if __name__ == "__main__":
    main()
