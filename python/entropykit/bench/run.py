"""One run: every section in turn, under one progress bar, into one report (what ``--json``
writes)."""

from __future__ import annotations

import gc
import time
from typing import Any

import numpy as np

import entropykit as ek

from .config import TWIN_REPEATS, BenchConfig
from .core import FORMULAS, NOTES, PEERS, cases_of, memory_specs, run_case
from .family import FAMILY_CASES, run_family_case
from .harness import Peers, Progress, ThreadState
from .logits import (
    LOGITS_FORMULAS,
    LOGITS_NOTES,
    logits_cases_of,
    logits_memory_specs,
    run_logits_case,
)
from .machine import machine_info
from .memory import measure_peak_memory
from .pipeline import run_pipeline
from .small import SMALL_CASES, run_small
from .targets import evaluate_targets

__all__ = ["SMALL_MIN_TIME", "run_benchmark"]

#: Seconds one sample of a small call lasts at least (thousands of calls).
SMALL_MIN_TIME = 0.02


def _weight(elements: float, repeats: int) -> float:
    """Rough seconds a case takes (for the progress bar): the peers read ~1e8 values a second
    over warm-up, calibration and ``repeats`` samples, and no case takes less than 0.1 s."""
    return max(0.1, elements * (repeats + 3) / 1e8)


def run_benchmark(config: BenchConfig, machine: dict[str, Any] | None = None) -> dict[str, Any]:
    """Runs the whole benchmark and returns the report (what ``--json`` writes).

    Parameters
    ----------
    config : BenchConfig
        What to run.
    machine : dict, optional
        :func:`~entropykit.bench.machine.machine_info`, when the caller already has it.

    Returns
    -------
    dict
        ``machine``, ``config``, ``notes``, ``rows`` (one per case and thread count), ``memory``
        (one per side, function and dtype at the largest size; empty without ``config.memory``),
        ``logits`` (the section's ``rows`` and ``memory``, empty without ``config.logits``),
        ``family``, ``small``, ``all_agree`` and ``targets`` (see
        :func:`~entropykit.bench.targets.evaluate_targets`).
    """
    peers = Peers.load(config.peers)
    # --pipeline runs that section alone (its 1e8 stream is the figure asked for).
    cases = [] if config.pipeline else cases_of(config)
    logits_cases = logits_cases_of(config)
    family_cases = [c for c in FAMILY_CASES if c.available()] if config.family else []
    core_memory = memory_specs(config, peers) if config.memory and cases else []
    logits_memory = logits_memory_specs(config, peers) if config.memory else []
    repeats = config.repeats
    # Weights: about the seconds each step takes, so the bar's remaining time means something.
    steps = [
        *(_weight(c.elements * (1 if c.function == "entropy" else 2), repeats) for c in cases),
        *(_weight(3 * c.elements, min(repeats, TWIN_REPEATS)) for c in logits_cases),
        *(_weight(2 * config.family_size, min(repeats, TWIN_REPEATS)) for _ in family_cases),
        *(0.5 + s["elements"] / 2e8 for s in (*core_memory, *logits_memory)),
    ]
    small_weight = 0.1 * len(SMALL_CASES) if config.small else 0.0
    pipeline_weight = (
        _weight(2 * config.pipeline_size * len(config.threads), repeats) if config.pipeline else 0.0
    )
    progress = Progress(sum(steps) + small_weight + pipeline_weight, config.progress)
    rng = np.random.default_rng(config.seed)
    threads_before = ek.get_num_threads()
    threads = ThreadState(peers.torch)
    torch_before = peers.torch.get_num_threads() if peers.torch is not None else None
    rows: list[dict[str, Any]] = []
    logits_rows: list[dict[str, Any]] = []
    family_rows: list[dict[str, Any]] = []
    small_rows: list[dict[str, Any]] = []
    pipeline_rows: list[dict[str, Any]] = []
    weights = iter(steps)
    started = time.perf_counter()
    # Seconds per section, so that what makes a run long shows in its report.
    sections: dict[str, float] = {}
    mark = started

    def lap(section: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        sections[section] = sections.get(section, 0.0) + now - mark
        mark = now

    try:
        if config.small:
            # First, before the large cases fill the caches and the heap.
            progress.describe("small calls")
            small_rows = run_small(rng, max(repeats, 5), SMALL_MIN_TIME)
            progress.advance(small_weight)
            lap("small")
        if config.pipeline:
            progress.describe("pipeline")
            pipeline_rows = run_pipeline(
                config.pipeline_size, config.threads, repeats, config.min_time, threads, rng
            )
            progress.advance(pipeline_weight)
            gc.collect()
            lap("pipeline")
        for case in cases:
            progress.describe(f"{case.function} {case.dtype} {'x'.join(map(str, case.shape))}")
            rows.extend(run_case(case, config, peers, threads, rng))
            progress.advance(next(weights))
            if case.elements >= 1_000_000:
                gc.collect()
        lap("core")
        for lcase in logits_cases:
            progress.describe(f"{lcase.label} {lcase.dtype}")
            logits_rows.extend(run_logits_case(lcase, config, peers, threads, rng))
            progress.advance(next(weights))
            # Case inputs reach 260 MB: free them before the next case allocates its own.
            gc.collect()
        lap("logits")
        for fcase in family_cases:
            progress.describe(f"{fcase.label or fcase.name}")
            family_rows.extend(
                run_family_case(
                    fcase,
                    config.family_size,
                    config.threads,
                    repeats,
                    config.min_time,
                    threads,
                    rng,
                )
            )
            progress.advance(next(weights))
            gc.collect()
        lap("family")
        memory = measure_peak_memory(core_memory, progress, weights)
        logits_peak = measure_peak_memory(logits_memory, progress, weights)
        lap("memory")
    finally:
        ek.set_num_threads(threads_before)
        if torch_before is not None:
            peers.torch.set_num_threads(torch_before)
        progress.close()
    report = {
        "machine": machine if machine is not None else machine_info(),
        "config": config.as_dict(),
        "peers": {name: peers.available(name) for name in PEERS},
        "formulas": FORMULAS,
        "notes": NOTES,
        "rows": rows,
        "memory": memory,
        "logits": {
            "shape": list(config.logits_shape),
            "reference_repeats": min(repeats, TWIN_REPEATS),
            "formulas": {"torch": LOGITS_FORMULAS},
            "notes": LOGITS_NOTES,
            "rows": logits_rows,
            "memory": logits_peak,
        },
        "family": {"size": config.family_size, "twin_repeats": TWIN_REPEATS, "rows": family_rows},
        "small": {"repeats": max(repeats, 5), "rows": small_rows},
        "pipeline": {"size": config.pipeline_size, "rows": pipeline_rows},
        "all_agree": all(
            row["agreement"]
            for row in (*rows, *logits_rows, *family_rows, *small_rows, *pipeline_rows)
        ),
        "elapsed_seconds": time.perf_counter() - started,
        "section_seconds": {name: s for name, s in sections.items() if s >= 0.05},
    }
    report["targets"] = evaluate_targets(report)
    return report
