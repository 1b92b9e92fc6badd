"""Peak extra memory, measured in fresh subprocesses (one per side, function and dtype) from the
call's high-water mark: ``tracemalloc`` sees NumPy's temporaries but not Rust's allocations,
whereas the resident-set peak sees both."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core

from .config import usable_cpus
from .core import Inputs, make_call
from .harness import POOL_WARM, Peers, Progress
from .logits import LogitsInputs, logits_case, make_logits_call

__all__ = ["measure_peak_memory", "memory_probe_child"]

_PROBE_SCRIPT = (
    "import sys\nfrom entropykit.bench.memory import memory_probe_child\n"
    "memory_probe_child(sys.argv[1])"
)


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
        _core.stream_sum(POOL_WARM)  # builds the thread pool (kept alive, so not reusable)
    rng = np.random.default_rng(spec["seed"])
    # A tiny warm-up call: lazy imports and caches. Tiny, because memory it freed would be
    # reused by the measured call without raising the peak.
    inputs: Inputs | LogitsInputs
    if logits:
        tiny = logits_case(function, dtype, (4, 64))
        warm = make_logits_call(side, tiny, LogitsInputs.make(tiny, rng), peers)
        case = logits_case(function, dtype, spec["shape"])
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
    specs: Sequence[dict[str, Any]],
    progress: Progress | None = None,
    weights: Iterator[float] | None = None,
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
        Advanced once per finished probe (by the next of ``weights``, else by 1).

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
                progress.advance(1.0 if weights is None else next(weights))
            results.append(row)
    return results
