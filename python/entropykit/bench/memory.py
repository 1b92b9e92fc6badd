"""Peak extra memory, measured in fresh subprocesses (one per side, after warm-up calls) from the
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


#: Entries of each warm-up call of a memory subprocess.
WARM_UP_ENTRIES = 1 << 17


def _status_kib(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(f"{field_name} not in /proc/self/status")


def memory_probe_child(specs_json: str) -> None:
    """Body of one memory subprocess: for each spec of the JSON list (all of one side, section
    and thread count), prints ``{"extra_bytes": ...}`` (or ``{"error": ...}``) as a JSON line on
    stdout.

    The side is first warmed up on a tiny input of every spec (so that one-off costs, the thread
    pool, SciPy's lazy imports, are not counted). Then for each spec the input is allocated (and
    so resident), the peak resident set is reset through ``/proc/self/clear_refs``, and the extra
    memory is the peak after one call minus the resident set before it; the input is freed
    before the next. The parent runs this with a fixed glibc mmap threshold, so every block
    above 64 KiB is fresh memory that shows in the peak and is returned when freed (with the
    default dynamic threshold, a temporary may reuse freed heap that is already resident).
    """
    specs = json.loads(specs_json)
    if isinstance(specs, dict):
        specs = [specs]
    side, threads = specs[0]["side"], int(specs[0]["threads"])
    peers = Peers.load(
        ["scipy"] if side.startswith("scipy") else ["torch"] if side == "torch" else ["numpy"]
    )
    ek.set_num_threads(threads)
    if peers.torch is not None:
        peers.torch.set_num_threads(threads)
    if threads > 1:
        _core.stream_sum(POOL_WARM)  # builds the thread pool (kept alive, so not reusable)
    rng = np.random.default_rng(specs[0]["seed"])
    # Warm-up calls: lazy imports, caches, the threads' first-use buffers, so that every row
    # measures a call in steady state, not whichever came first. Of 2^17 entries: large enough
    # to take the threaded paths, and their freed blocks (above the mmap threshold) are returned
    # rather than reused by a measured call without raising its peak.
    for spec in specs:
        if spec.get("section") == "logits":
            small = logits_case(spec["function"], spec["dtype"], (32, WARM_UP_ENTRIES // 32))
            warm = make_logits_call(side, small, LogitsInputs.make(small, rng), peers)
            if warm is not None:
                warm()
        else:
            shape = (WARM_UP_ENTRIES,)
            make_call(side, Inputs.make(spec["function"], spec["dtype"], shape, rng), peers)()
    for spec in specs:
        print(json.dumps(_probe_one(spec, peers, rng)), flush=True)
        gc.collect()


def _probe_one(spec: dict[str, Any], peers: Peers, rng: np.random.Generator) -> dict[str, Any]:
    """The extra peak memory of one call of ``spec`` (see :func:`memory_probe_child`)."""
    side, function, dtype = spec["side"], spec["function"], spec["dtype"]
    inputs: Inputs | LogitsInputs
    if spec.get("section") == "logits":
        case = logits_case(function, dtype, spec["shape"])
        inputs = LogitsInputs.make(case, rng)
        call = make_logits_call(side, case, inputs, peers)
        if call is None:
            return {"error": f"{side} has no {function}"}
    else:
        inputs = Inputs.make(function, dtype, (int(spec["elements"]),), rng)
        call = make_call(side, inputs, peers)  # pre-normalised copies are made here, not in it
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # resets VmHWM to the current VmRSS
        before = _status_kib("VmRSS")
    except OSError as error:
        return {"error": f"cannot reset the peak resident set: {error}"}
    result = call()
    peak = _status_kib("VmHWM")
    del result
    return {"extra_bytes": max(0, peak - before) * 1024, "input_bytes": inputs.nbytes}


def _run_probes(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``specs`` (one side, section and thread count) measured in one fresh subprocess."""
    rows = [dict(spec) for spec in specs]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE_SCRIPT, json.dumps(specs)],
            env={**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return [dict(row, error=str(error)) for row in rows]
    lines = done.stdout.strip().splitlines()
    for i, row in enumerate(rows):
        if i < len(lines):
            row.update(json.loads(lines[i]))
        else:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            row["error"] = f"probe exited with {done.returncode}: {tail}"
        if "extra_bytes" in row:
            row["extra_fraction"] = row["extra_bytes"] / row["input_bytes"]
    return rows


def measure_peak_memory(
    specs: Sequence[dict[str, Any]],
    progress: Progress | None = None,
    weights: Iterator[float] | None = None,
) -> list[dict[str, Any]]:
    """Peak extra memory of each spec'd call, in one fresh subprocess per side.

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
    # One subprocess per side, section and thread count: start-up and imports (PyTorch's take
    # seconds) were most of the time of one process per probe.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, spec in enumerate(specs):
        key = (spec["side"], spec.get("section"), spec["threads"])
        groups.setdefault(key, []).append(i)
    results: list[dict[str, Any]] = [{} for _ in specs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = [[specs[i] for i in members] for members in groups.values()]
        for members, rows in zip(groups.values(), pool.map(_run_probes, batches), strict=True):
            for i, row in zip(members, rows, strict=True):
                results[i] = row
                if progress is not None:
                    progress.describe(f"memory {row['side']} {row['function']} {row['dtype']}")
                    progress.advance(1.0 if weights is None else next(weights))
    return results
