"""The targets of issues 3, 4, 5 and 10 as data: one :class:`Target` per line of the report's
target table, saying what is measured (a metric of the rows of one section), where (which rows),
the goal and the comparison. :func:`evaluate_targets` reads them against a report; targets are
reported, never asserted: the benchmark says how fast, the tests say what is right.

A target whose rows the run did not produce is "not run", with what it needs and, where the run
has a nearby figure (a smaller size or shape), that figure as ``indicative``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .config import DEFAULT_FAMILY_SIZE, FUNCTIONS
from .family import FAMILY_CASES
from .pipeline import ONE_CALL, STREAMED
from .small import SMALL_CASES

__all__ = ["TARGETS", "Target", "evaluate_targets"]

#: The rows, in a report, of each section.
SECTIONS: dict[str, tuple[str, ...]] = {
    "core": ("rows",),
    "core memory": ("memory",),
    "logits": ("logits", "rows"),
    "logits memory": ("logits", "memory"),
    "family": ("family", "rows"),
    "small": ("small", "rows"),
    "pipeline": ("pipeline", "rows"),
}

#: The config flag that turns a section off, and its command-line name.
SWITCHES = {
    "logits": ("logits", "--no-logits"),
    "logits memory": ("logits", "--no-logits"),
    "family": ("family", "--no-family"),
    "small": ("small", "--no-small"),
    "pipeline": ("pipeline", "--pipeline"),
}

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
}

PEER_NAMES = {
    "torch": "PyTorch",
    "scipy_stats": "SciPy",
    "scipy_special": "SciPy",
    "numpy": "the NumPy one-liner",
    "peer": "the peer",
}

ISSUE5_SHAPE = [1024, 32_000]
N7 = 10_000_000


@dataclass(frozen=True)
class Target:
    """One target.

    Attributes
    ----------
    name : str
        As printed.
    issue : int
        The issue that set it.
    goal : float
        The bound, compared with ``comparison`` (``measured >= goal`` ...).
    comparison : str
        ``">="``, ``"<="`` or ``"<"``.
    section : str
        A key of :data:`SECTIONS`: the rows measured.
    metric : str
        What is read from a row: ``speedup:<peer>`` (peer time / entropykit time), ``x_sum``
        (entropykit time / streaming-sum time), ``us`` (microseconds per call), ``extra_pct``
        (peak extra memory, % of the input), ``time_over:<case>`` (time / the time of that case,
        same dtype and threads), ``pool_used`` (1 when a call woke the thread pool).
    where : dict
        Which rows: every key must equal the row's, except ``min_elements`` (at least) and
        ``largest`` (only the rows of the largest size matched). Rows of several thread counts
        are read at the run's largest.
    needs : str
        What a run needs to measure it (said when it is not run).
    worst_of : str
        ``"worst"``: the worst value of the rows (the smallest speedup, the largest time);
        ``"sum"``: their sum (counts).
    """

    name: str
    issue: int
    goal: float
    comparison: str
    section: str
    metric: str
    where: dict[str, Any] = field(default_factory=dict)
    needs: str = ""
    worst_of: str = "worst"

    @property
    def unit(self) -> str:
        return {"us": "us", "extra_pct": "%", "pool_used": " cases"}.get(self.metric, "x")

    @property
    def goal_text(self) -> str:
        unit = {"x": "x", "%": "%"}.get(self.unit, " " + self.unit.strip())
        return f"{self.comparison} {self.goal:g}{unit}"


def _core_targets() -> Iterable[Target]:
    # Issue 3, at 1e7 elements (1-D): entropykit against the peers users call today.
    for function, dtype, peer, goal, label in (
        ("entropy", "float64", "scipy_stats", 12, "scipy.stats.entropy(p)"),
        ("entropy", "float64", "numpy", 10, "NumPy -sum(p*log p)"),
        ("entropy", "float32", "scipy_stats", 25, "scipy.stats.entropy(p)"),
        ("kl_divergence", "float64", "scipy_stats", 40, "scipy.stats.entropy(p, q)"),
        ("kl_divergence", "float64", "numpy", 10, "NumPy sum(p*log(p/q))"),
        ("cross_entropy", "float64", "numpy", 8, "NumPy -sum(p*log q)"),
    ):
        yield Target(
            f"{function} {dtype} 1e7 vs {label}",
            3,
            goal,
            ">=",
            "core",
            f"speedup:{peer}",
            {"function": function, "dtype": dtype, "elements": N7, "layout": "1-D"},
            "size 1e7 in --sizes",
        )
    for f in FUNCTIONS:
        small = {"function": f, "elements": 1000, "layout": "1-D"}
        yield Target(f"{f} 1e3: time per call", 3, 3, "<=", "core", "us", small, "size 1e3")
        yield Target(f"{f} 1e3 vs reference", 3, 3, ">=", "core", "speedup:reference", small)
    for f in FUNCTIONS:
        batched = {"function": f, "layout": "batched", "shape": [10_000, 1_000]}
        yield Target(
            f"{f} batched 10,000 x 1,000 vs reference",
            3,
            10,
            ">=",
            "core",
            "speedup:reference",
            batched,
            "size 1e7 in --sizes",
        )
    # "At the memory limit": inputs of 1e7 elements and more are 40-100x the last-level cache,
    # so the streaming sum runs at memory bandwidth. --full adds 1e8, the issue's size.
    largest = {"min_elements": N7, "largest": True}
    for f in FUNCTIONS:
        yield Target(
            f"{f} at the largest size (>= 1e7): time / streaming sum",
            3,
            3,
            "<=",
            "core",
            "x_sum",
            {"function": f, **largest},
            "a size >= 1e7 in --sizes",
        )
    for f in FUNCTIONS:
        yield Target(
            f"{f} at the largest size (>= 1e7): peak extra memory / input",
            3,
            1,
            "<",
            "core memory",
            "extra_pct",
            {"function": f, "side": "entropykit", **largest},
            "a size >= 1e7 in --sizes and memory probes on",
        )


def _logits_targets() -> Iterable[Target]:
    at = {"dtype": "float32", "shape": ISSUE5_SHAPE}
    needs = "--logits-shape 1024x32000"
    sce = {"case": "softmax_cross_entropy", **at}
    yield Target(
        "softmax_cross_entropy 1024x32000 vs F.cross_entropy",
        5,
        2,
        ">=",
        "logits",
        "speedup:torch",
        sce,
        needs,
    )
    yield Target(
        "softmax_cross_entropy 1024x32000 vs reference",
        5,
        10,
        ">=",
        "logits",
        "speedup:reference",
        sce,
        needs,
    )
    yield Target(
        "softmax_cross_entropy label_smoothing=0.1: time / without",
        5,
        1.2,
        "<=",
        "logits",
        "time_over:softmax_cross_entropy",
        {"case": "softmax_cross_entropy ls=0.1", **at},
        needs,
    )
    yield Target(
        "entropy_from_logits 1024x32000 vs reference",
        5,
        10,
        ">=",
        "logits",
        "speedup:reference",
        {"case": "entropy_from_logits", **at},
        needs,
    )
    yield Target(
        "logits 1024x32000: peak extra memory / input",
        5,
        1,
        "<",
        "logits memory",
        "extra_pct",
        {"side": "entropykit", **at},
        needs + " and memory probes on",
    )


def _family_targets() -> Iterable[Target]:
    at = {"size": DEFAULT_FAMILY_SIZE}
    needs = "the family section at 1e7 (--family-size 1e7)"
    for case in FAMILY_CASES:
        label = case.label or case.name
        if case.goal_vs_twin is not None:
            yield Target(
                f"{label} vs twin",
                4,
                case.goal_vs_twin,
                ">=",
                "family",
                "speedup:reference",
                {"function": label, **at},
                needs,
            )
        if case.goal_vs_peer is not None:
            yield Target(
                f"{label} vs peer",
                4,
                case.goal_vs_peer,
                ">=",
                "family",
                "speedup:peer",
                {"function": label, **at},
                needs,
            )


def _small_targets() -> Iterable[Target]:
    for case in SMALL_CASES:
        yield Target(
            f"{case.label}: one call", 10, case.target_us, "<=", "small", "us", {"case": case.label}
        )
    yield Target(
        "small calls never wake the thread pool",
        10,
        0,
        "<=",
        "small",
        "pool_used",
        worst_of="sum",
    )


def _pipeline_targets() -> Iterable[Target]:
    yield Target(
        f"{STREAMED} of 1e8 float64: time / one entropy call",
        11,
        1.1,
        "<=",
        "pipeline",
        f"time_over:{ONE_CALL}",
        {"case": STREAMED, "min_elements": 100_000_000},
        needs="--pipeline (1e8 values)",
    )


#: Every target, in the order of the report.
TARGETS: tuple[Target, ...] = (
    *_core_targets(),
    *_logits_targets(),
    *_family_targets(),
    *_small_targets(),
    *_pipeline_targets(),
)


# --------------------------------------------------------------------------------------------
# Reading the targets against a report


def _section_rows(report: dict[str, Any], section: str) -> list[dict[str, Any]]:
    node: Any = report
    for key in SECTIONS[section]:
        node = (node or {}).get(key) if isinstance(node, dict) else None
    rows = list(node or [])
    if section == "family":
        size = (report.get("family") or {}).get("size")
        rows = [{**row, "size": size} for row in rows]
    return rows


def _matches(row: dict[str, Any], where: dict[str, Any]) -> bool:
    for key, value in where.items():
        if key == "largest":
            continue
        if key == "min_elements":
            if row.get("elements", 0) < value:
                return False
        elif row.get(key) != value:
            return False
    return True


def _select(
    rows: list[dict[str, Any]], where: dict[str, Any], threads: int
) -> list[dict[str, Any]]:
    found = [r for r in rows if _matches(r, where) and r.get("threads", threads) == threads]
    if where.get("largest") and found:
        n = max(r["elements"] for r in found)
        found = [r for r in found if r["elements"] == n]
    return found


def _metric(
    target: Target, row: dict[str, Any], rows: list[dict[str, Any]], threads: int
) -> float | None:
    kind, _, arg = target.metric.partition(":")
    if kind == "speedup":
        value = row["speedup"].get(arg)
        return None if value is None else float(value)
    if kind == "x_sum":
        return float(row["bandwidth_multiple"])
    if kind == "us":
        if "microseconds_per_call" in row:
            return float(row["microseconds_per_call"]["entropykit"])
        return float(row["seconds_per_call"]["entropykit"]) * 1e6
    if kind == "extra_pct":
        return None if "extra_bytes" not in row else float(row["extra_fraction"]) * 100
    if kind == "pool_used":
        return 1.0 if row["pool_used"] else 0.0
    if kind == "time_over":
        base = [
            r
            for r in rows
            if r.get("case") == arg
            and r["dtype"] == row["dtype"]
            and r["shape"] == row["shape"]
            and r.get("threads", threads) == threads
        ]
        if not base:
            return None
        return float(
            row["seconds_per_call"]["entropykit"] / base[0]["seconds_per_call"]["entropykit"]
        )
    raise ValueError(f"unknown metric {target.metric!r}")


def _describe(row: dict[str, Any]) -> str:
    """Where a figure was measured, in a few words."""
    if "size" in row and "group" in row:  # family
        return f"{row['size']:,} elements"
    if "case" in row and "microseconds_per_call" in row:  # small
        return f"{row['threads']} threads"
    if row.get("section") == "logits" or "case" in row:
        text = f"{row.get('case', row.get('function'))} {row['dtype']} "
        return text + "x".join(map(str, row["shape"]))
    shape = row.get("shape") or [row["elements"]]
    return f"{row['dtype']} {row.get('layout', '1-D')} {'x'.join(map(str, shape))}"


def _evaluate(target: Target, report: dict[str, Any], threads: int) -> dict[str, Any]:
    cfg = report["config"]
    compare = COMPARISONS[target.comparison]
    rows = _section_rows(report, target.section)
    found = _select(rows, target.where, threads)
    scored = [(v, r) for r in found if (v := _metric(target, r, rows, threads)) is not None]
    bad_is_high = target.comparison.startswith("<")
    measured: float | None = None
    where = missing = indicative = ""
    ceiling: float | None = None
    if scored and target.worst_of == "sum":
        measured = sum(v for v, _ in scored)
        where = ", ".join(_describe(r) if "case" not in r else r["case"] for v, r in scored if v)
    elif scored:
        measured, row = (max if bad_is_high else min)(scored, key=lambda s: s[0])
        where = _describe(row)
        if "threads" in row and target.section != "small":
            where += f", {threads} threads"
        kind, _, peer = target.metric.partition(":")
        seconds = row.get("seconds_per_call") or {}
        if kind == "speedup" and seconds.get(peer) and seconds.get("stream_sum"):
            # What a kernel exactly as fast as the streaming sum would get over that peer.
            ceiling = seconds[peer] / seconds["stream_sum"]
    else:
        switch = SWITCHES.get(target.section)
        dtype = target.where.get("dtype")
        if switch is not None and not cfg.get(switch[0], True):
            flag = switch[1] if not switch[1].startswith("--no-") else f"no {switch[1]}"
            missing = f"needs the {switch[0]} section ({flag})"
        elif dtype is not None and dtype not in cfg["dtypes"]:
            missing = f"needs {dtype} in --dtypes"
        elif target.metric.startswith("speedup:") and (
            report["peers"].get(peer := target.metric.partition(":")[2]) is False or found
        ):
            missing = f"{PEER_NAMES.get(peer, peer)} not importable (or not in --peers)"
        else:
            missing = "needs " + (target.needs or "a run of this section")
        # The nearest figure: the same rows at whatever size or shape was run.
        relaxed = {
            k: v
            for k, v in target.where.items()
            if k not in ("elements", "shape", "size", "min_elements")
        }
        near = _select(rows, {**relaxed, "largest": True}, threads) if rows else []
        near_scored = [(v, r) for r in near if (v := _metric(target, r, rows, threads)) is not None]
        if near_scored:
            value, row = (max if bad_is_high else min)(near_scored, key=lambda s: s[0])
            unit = target.unit if target.unit != "x" else "x"
            indicative = f"{value:.3g}{unit} at {_describe(row)}"
    return {
        "target": target.name,
        "issue": target.issue,
        "goal": target.goal_text,
        "comparison": target.comparison,
        "goal_value": target.goal,
        "section": target.section,
        "metric": target.metric,
        "measured": measured,
        "unit": target.unit,
        "met": None if measured is None else bool(compare(measured, target.goal)),
        "where": where,
        "missing": missing,
        "indicative": indicative,
        "ceiling": ceiling,
    }


def evaluate_targets(
    report: dict[str, Any], targets: Iterable[Target] = TARGETS
) -> list[dict[str, Any]]:
    """Each target read against ``report``: ``measured`` (None when not run), ``met``,
    ``where`` it was measured, and when not run, ``missing`` (what the run needs) and
    ``indicative`` (the nearest figure it has). Rows at the run's largest thread count.

    Targets of functions or dtypes the run left out (``--functions``, ``--dtypes``) are
    skipped."""
    cfg = report["config"]
    threads = max(cfg["threads"])
    out = []
    for target in targets:
        # A --pipeline run reads the pipeline targets only, and other runs all but those.
        if (target.section == "pipeline") != bool(cfg.get("pipeline")):
            continue
        function = target.where.get("function")
        if target.section.startswith("core") and (
            (function is not None and function not in cfg["functions"])
            or target.where.get("dtype", cfg["dtypes"][0]) not in cfg["dtypes"]
        ):
            continue
        out.append(_evaluate(target, report, threads))
    return out
