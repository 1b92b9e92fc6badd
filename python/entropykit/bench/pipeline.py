"""The pipeline section (issue 11, ``--pipeline``): data as pipelines hold it, against one call
over the same data in memory.

Each case of :data:`PIPELINE_CASES` is one timed call on inputs the section makes once (and
shares between cases); a case names the case it is compared with (``baseline``), and the
targets read ``time_over:<baseline>``. Other pipeline cases (grouped and ragged distributions,
Dask) are added as more entries of :data:`PIPELINE_CASES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import entropykit as ek

from .harness import Candidate, ThreadState, as_float64, max_rel_diff, median, time_interleaved

__all__ = [
    "DEFAULT_PIPELINE_SIZE",
    "PIPELINE_CASES",
    "PIPELINE_CHUNKS",
    "QUICK_PIPELINE_SIZE",
    "PipelineCase",
    "format_pipeline",
    "run_pipeline",
]

#: Values in the stream (1e8 float64: 800 MB), and with ``--quick``.
DEFAULT_PIPELINE_SIZE = 100_000_000
QUICK_PIPELINE_SIZE = 1_000_000
#: Chunks the stream arrives in (1e6 values each at the default size).
PIPELINE_CHUNKS = 100
#: Agreement of a pipeline result with its baseline's.
PIPELINE_RTOL = 1e-12

Call = Callable[[], Any]


class PipelineData:
    """Inputs made once per run and shared by the cases: ``get(name, make)`` makes ``name`` on
    first use."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size, self.rng = size, rng
        self._made: dict[str, Any] = {}

    def get(self, name: str, make: Callable[[int, np.random.Generator], Any]) -> Any:
        if name not in self._made:
            self._made[name] = make(self.size, self.rng)
        return self._made[name]


@dataclass(frozen=True)
class PipelineCase:
    """One timed call: ``make(data)`` gives the call; ``baseline`` is the label of the case its
    time is compared with (None for a baseline itself); ``dtype`` and ``elements`` as recorded."""

    label: str
    make: Callable[[PipelineData], Call]
    baseline: str | None = None
    dtype: str = "float64"
    needs: Callable[[], bool] = lambda: True


def _stream(size: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(size)


def _one_entropy_call(data: PipelineData) -> Call:
    p = data.get("stream", _stream)
    return lambda: ek.entropy(p)


def _accumulated(data: PipelineData) -> Call:
    p = data.get("stream", _stream)
    chunks = np.array_split(p, PIPELINE_CHUNKS)  # views, as a reader hands them over

    def run() -> Any:
        acc = ek.EntropyAccumulator()
        for chunk in chunks:
            acc.update(chunk)
        return acc.result()

    return run


ONE_CALL = "entropy, one call"
STREAMED = f"EntropyAccumulator, {PIPELINE_CHUNKS} chunks"

#: The cases, in the order of the report (baselines first).
PIPELINE_CASES: list[PipelineCase] = [
    PipelineCase(ONE_CALL, _one_entropy_call),
    PipelineCase(STREAMED, _accumulated, baseline=ONE_CALL),
]


def run_pipeline(
    size: int,
    threads: tuple[int, ...],
    repeats: int,
    min_time: float,
    state: ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """One row per case and thread count: the median seconds per call, and whether the result
    agrees with its baseline's (rtol 1e-12)."""
    data = PipelineData(size, rng)
    cases = [c for c in PIPELINE_CASES if c.needs()]
    calls = {c.label: c.make(data) for c in cases}
    candidates = [Candidate(c.label, calls[c.label], threads=t) for t in threads for c in cases]
    samples, values = time_interleaved(candidates, repeats, min_time, state)
    rows = []
    for t in threads:
        for case in cases:
            key = f"{case.label}@{t}"
            value = as_float64(values[key])
            base = values.get(f"{case.baseline}@{t}") if case.baseline else None
            diff = 0.0 if base is None else max_rel_diff(value, as_float64(base))
            rows.append(
                {
                    "case": case.label,
                    "baseline": case.baseline,
                    "dtype": case.dtype,
                    "elements": size,
                    "shape": [size],
                    "threads": t,
                    "seconds_per_call": {"entropykit": median(samples[key])},
                    "max_rel_diff": diff,
                    "agreement": bool(diff <= PIPELINE_RTOL),
                }
            )
    return rows


def format_pipeline(report: dict[str, Any], table: Callable[..., list[str]]) -> list[str]:
    """The section of the text report (``table`` is the report's table formatter)."""
    section = report.get("pipeline") or {}
    rows = section.get("rows") or []
    if not rows:
        return []
    out = [f"Pipelines (issue 11): {section['size']:,} float64 values, median seconds per call:"]
    by_key = {(r["case"], r["threads"]): r for r in rows}
    body = []
    for row in rows:
        seconds = row["seconds_per_call"]["entropykit"]
        base = by_key.get((row["baseline"], row["threads"]))
        ratio = "" if base is None else f"{seconds / base['seconds_per_call']['entropykit']:.3f}"
        body.append(
            [
                row["case"],
                str(row["threads"]),
                f"{seconds * 1e3:.4g} ms",
                f"{seconds / row['elements'] * 1e9:.3g}",
                ratio,
                row["baseline"] or "",
                "yes" if row["agreement"] else "NO",
            ]
        )
    header = ["case", "thr", "time/call", "ns/elem", "x baseline", "baseline", "agree"]
    out += table(header, body, right_from=1)
    out.append("")
    return out
