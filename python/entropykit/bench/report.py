"""The report as text (what the command prints) and as JSON (``--json``)."""

from __future__ import annotations

import json
import math
import os
import textwrap
from collections.abc import Sequence
from typing import Any

from .config import TWIN_REPEATS
from .machine import cpu_line
from .pipeline import format_pipeline

__all__ = ["format_header", "format_peers", "format_report", "format_time", "write_json"]


def format_time(seconds: float | None) -> str:
    """Seconds with three significant digits in the largest unit below them (s, ms, us, ns)."""
    if seconds is None:
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def format_peers(row: dict[str, Any], missing: str = "not importable, skipped") -> list[str]:
    """A section row's peer lines: each peer's time and ratio, with its goal (``row["goal"]``),
    met or missed; then one line per peer in ``row["missing_peers"]``, saying ``missing``."""
    lines = []
    for peer, speedup in row["speedup"].items():
        goal = row["goal"].get(peer)
        status = "met" if goal is not None and speedup >= goal else "missed"
        mark = "" if goal is None else f" (goal >= {goal:g}x: {status})"
        time = format_time(row["seconds_per_call"][peer])
        lines.append(f"  x {peer} ({time}): {speedup:.1f}{mark}")
    lines += [f"  {peer}: {missing}" for peer in row["missing_peers"]]
    return lines


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}"


def _fmt_bytes(n: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def _table(header: Sequence[str], body: Sequence[Sequence[str]], right_from: int) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i >= right_from else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in body)]


def format_header(report: dict[str, Any]) -> str:
    """The first lines: the CPU (printed before the run starts, too), versions and statistic."""
    m = report["machine"]
    cfg = report["config"]
    v = m["versions"]
    # A version installed but not importable (a broken install) counts as absent.
    scipy_version = v.get("scipy") if report["peers"].get("scipy_stats") else None
    torch_version = v.get("torch") if report["peers"].get("torch") else None
    scipy_version, torch_version = scipy_version or "n/a", torch_version or "n/a"
    preset = " (--quick)" if cfg["quick"] else " (--full)" if cfg.get("full") else ""
    out = [
        f"entropykit {v.get('entropykit')} bench{preset}: CPU {cpu_line(m)}",
        f"Python {m['python']}, NumPy {v.get('numpy')}, SciPy {scipy_version}, "
        f"PyTorch {torch_version}; median of {cfg['repeats']} interleaved repeats "
        f"after a warm-up (samples of >= {cfg['min_time_seconds'] * 1e3:g} ms)",
    ]
    if m["environment"]:
        out.append("environment: " + ", ".join(f"{k}={val}" for k, val in m["environment"].items()))
    return "\n".join(out)


def _format_core(report: dict[str, Any]) -> list[str]:
    """The core section: entropy, cross-entropy and KL against the peers."""
    cfg = report["config"]
    out: list[str] = []
    has_torch = report["peers"].get("torch", False)
    out.append("Entropy, cross-entropy and KL divergence (1-D, and batched rows of 1,000):")
    header = ["function", "dtype", "shape", "thr", "time/call", "ns/elem", "x sum", "x ref"]
    header += ["x numpy", "x scipy", "x special", *(["x torch"] if has_torch else []), "agree"]
    body = []
    for row in report["rows"]:
        s = row["speedup"]
        cells = [
            row["function"],
            row["dtype"],
            "x".join(map(str, row["shape"])),
            str(row["threads"]),
            format_time(row["seconds_per_call"]["entropykit"]),
            f"{row['ns_per_element']['entropykit']:.3g}",
            _fmt_ratio(row["bandwidth_multiple"]),
            _fmt_ratio(s["reference"]),
            _fmt_ratio(s["numpy"]),
            _fmt_ratio(s["scipy_stats"]),
            _fmt_ratio(s["scipy_special"]),
        ]
        if has_torch:
            cells.append(_fmt_ratio(s["torch"]))
        cells.append("yes" if row["agreement"] else "NO")
        body.append(cells)
    out += _table(header, body, right_from=3)
    out.append("")
    legend = [
        "time/call and ns/elem are entropykit's (ns per element of p). x ref, x numpy, x scipy, "
        "x special" + (", x torch" if has_torch else "") + " = that peer's time / entropykit's "
        "(above 1: entropykit is faster); ref = entropykit.reference, numpy = the NumPy "
        "one-liner, scipy = scipy.stats.entropy, special = scipy.special sums (formulas in the "
        "JSON).",
        *report["notes"][1:4],
    ]
    for note in legend:
        out.append(textwrap.fill(note, width=100, subsequent_indent="  "))
    out.append("")
    bad = [r for r in report["rows"] if not r["agreement"]]
    if bad:
        out.append(
            f"AGREEMENT: {len(bad)} of {len(report['rows'])} rows DISAGREE with the reference:"
        )
        for r in bad:
            out.append(
                f"  {r['function']} {r['dtype']} {'x'.join(map(str, r['shape']))} "
                f"{r['threads']} threads: max rel. diff {r['max_rel_diff']:.3g} > {r['rtol']:g}"
            )
    else:
        worst = max((r["max_rel_diff"] for r in report["rows"]), default=0.0)
        out.append(
            f"Agreement: all {len(report['rows'])} rows match entropykit.reference "
            f"(rtol 1e-10 float64, 1e-5 float32; largest rel. diff {worst:.3g})."
        )
    if len(cfg["threads"]) > 1:
        differ = [r for r in report["rows"] if not r["same_bits_across_threads"]]
        out.append(
            "Thread counts give the same bits: "
            + ("yes, on every row." if not differ else f"NO, on {len(differ)} rows.")
        )
    out.append("")
    return out


def format_report(report: dict[str, Any], with_header: bool = True) -> str:
    """The readable text of a report: the machine (unless ``with_header`` is false), then each
    section's table with ``x sum`` (time / streaming sum over the same bytes) as its first ratio,
    peak memory and the targets."""
    cfg = report["config"]
    out = [format_header(report), ""] if with_header else []
    # A --pipeline run has no core rows: no empty table.
    if report["rows"]:
        out += _format_core(report)

    if report["memory"]:
        mem = report["memory"]
        n = mem[0]["elements"]
        out.append(
            f"Peak extra memory at {n:,} elements (1-D, a call after warm-ups, a process per side):"
        )
        sides = list(dict.fromkeys(x["side"] for x in mem))
        header = ["function", "dtype", "input", *sides]
        body = []
        for function in cfg["functions"]:
            for dtype in cfg["dtypes"]:
                cells = [function, dtype, ""]
                for side in sides:
                    found = [
                        x
                        for x in mem
                        if x["function"] == function and x["dtype"] == dtype and x["side"] == side
                    ]
                    if not found or "extra_bytes" not in found[0]:
                        cells.append("n/a")
                        continue
                    x = found[0]
                    cells[2] = _fmt_bytes(x["input_bytes"])
                    cells.append(
                        f"{_fmt_bytes(x['extra_bytes'])} ({x['extra_fraction'] * 100:.3g}%)"
                    )
                body.append(cells)
        out += _table(header, body, right_from=2)
        errors = sorted({x["error"] for x in mem if "error" in x})
        out += [f"  probe error: {e}" for e in errors]
        out.append("")

    out += _format_logits(report)
    out += format_family(report)
    out += format_small(report)
    out += format_pipeline(report, _table)

    issues = sorted({t["issue"] for t in report["targets"]})
    names = ", ".join(map(str, issues[:-1])) + (" and " if len(issues) > 1 else "")
    names += str(issues[-1]) if issues else ""
    out.append(
        f"Targets (issue{'s' if len(issues) > 1 else ''} {names}; rows at "
        f"{max(cfg['threads'])} threads; reported, not enforced):"
    )
    body = []
    for t in report["targets"]:
        if t["measured"] is None:
            status = "not run"
            measured = "-"
            detail = t["missing"] + (f" (indicative: {t['indicative']})" if t["indicative"] else "")
        else:
            status = "met" if t["met"] else "MISSED"
            unit = t["unit"]
            measured = f"{t['measured']:.3g}{unit if unit in ('x', '%') else ' ' + unit.strip()}"
            detail = t["where"]
        ceiling = "-" if t.get("ceiling") is None else f"{t['ceiling']:.3g}x"
        body.append([t["target"], t["goal"], measured, status, ceiling, detail])
    out += _table(["target", "goal", "measured", "status", "ceiling", "where"], body, right_from=6)
    met = sum(1 for t in report["targets"] if t["met"])
    missed = sum(1 for t in report["targets"] if t["met"] is False)
    not_run = sum(1 for t in report["targets"] if t["met"] is None)
    out.append(f"{met} met, {missed} missed, {not_run} not run.")
    out.append(
        textwrap.fill(
            "ceiling: the speedup a kernel exactly as fast as the plain streaming sum over the "
            "same bytes would get over that peer (peer time / sum time, same row): a goal above "
            "it is out of reach, on this machine, of any kernel that reads its input once.",
            width=100,
        )
    )
    parts = ", ".join(f"{name} {s:.0f}" for name, s in report.get("section_seconds", {}).items())
    out.append(f"({report['elapsed_seconds']:.0f} s{': ' + parts if parts else ''})")
    return "\n".join(out)


def _format_logits(report: dict[str, Any]) -> list[str]:
    """The logits section of the text report: timing table, agreement and peak memory."""
    logits = report.get("logits") or {}
    rows = logits.get("rows") or []
    if not rows:
        return []
    cfg = report["config"]
    has_torch = any(r["seconds_per_call"]["torch"] is not None for r in rows)
    shape = "x".join(map(str, logits["shape"]))
    out = [
        f"Losses from logits, batch x vocabulary {shape} (median of {cfg['repeats']} interleaved "
        f"repeats, of {logits['reference_repeats']} for the reference):"
    ]
    header = ["case", "dtype", "thr", "time/call", "ns/elem", "x sum", "x ref"]
    header += [*(["x torch"] if has_torch else []), "agree"]
    body = []
    for row in rows:
        cells = [
            row["case"],
            row["dtype"],
            str(row["threads"]),
            format_time(row["seconds_per_call"]["entropykit"]),
            f"{row['ns_per_element']['entropykit']:.3g}",
            _fmt_ratio(row["bandwidth_multiple"]),
            _fmt_ratio(row["speedup"]["reference"]),
        ]
        if has_torch:
            cells.append(_fmt_ratio(row["speedup"]["torch"]))
        cells.append("yes" if row["agreement"] else "NO")
        body.append(cells)
    out += _table(header, body, right_from=2)
    out.append("")
    for note in logits["notes"]:
        out.append(textwrap.fill(note, width=100, subsequent_indent="  "))
    out.append("")
    bad = [r for r in rows if not r["agreement"]]
    if bad:
        out.append(f"AGREEMENT: {len(bad)} of {len(rows)} logits rows DISAGREE with the reference:")
        out += [
            f"  {r['case']} {r['dtype']} {r['threads']} threads: max rel. diff "
            f"{r['max_rel_diff']:.3g} > {r['rtol']:g}"
            for r in bad
        ]
    else:
        worst = max(r["max_rel_diff"] for r in rows)
        out.append(
            f"Agreement: all {len(rows)} logits rows match entropykit.reference "
            f"(largest rel. diff {worst:.3g})."
        )
    if len(cfg["threads"]) > 1:
        differ = [r for r in rows if not r["same_bits_across_threads"]]
        out.append(
            "Thread counts give the same bits: "
            + ("yes, on every row." if not differ else f"NO, on {len(differ)} rows.")
        )
    out.append("")

    mem = logits.get("memory") or []
    if mem:
        out.append(
            f"Peak extra memory, logits {shape} (one call after warm-ups, a process per side):"
        )
        sides = list(dict.fromkeys(m["side"] for m in mem))
        body = []
        for case in dict.fromkeys(m["function"] for m in mem):
            found = {m["side"]: m for m in mem if m["function"] == case}
            first = next(iter(found.values()))
            cells = [case, first["dtype"], ""]
            for side in sides:
                m = found.get(side)
                if m is None or "extra_bytes" not in m:
                    cells.append("n/a")
                    continue
                cells[2] = _fmt_bytes(m["input_bytes"])
                cells.append(f"{_fmt_bytes(m['extra_bytes'])} ({m['extra_fraction'] * 100:.3g}%)")
            body.append(cells)
        out += _table(["case", "dtype", "input", *sides], body, right_from=2)
        errors = sorted({m["error"] for m in mem if "error" in m})
        out += [f"  probe error: {e}" for e in errors]
        out.append("")
    return out


def write_json(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Writes the report as JSON (infinities, from failed comparisons, as strings)."""

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return str(x)
        if isinstance(x, dict):
            return {k: clean(val) for k, val in x.items()}
        if isinstance(x, list | tuple):
            return [clean(val) for val in x]
        return x

    with open(path, "w", encoding="utf-8") as f:
        json.dump(clean(report), f, indent=1)
        f.write("\n")


def format_family(report: dict[str, Any]) -> list[str]:
    """The family section of the text report."""
    family = report.get("family") or {}
    rows = family.get("rows") or []
    if not rows:
        return []
    out = [
        f"The family (issue 4), {family['size']:,} elements per argument (median of "
        f"{report['config']['repeats']} interleaved repeats, of {TWIN_REPEATS} for the twin):"
    ]
    header = ["function", "thr", "time/call", "x sum", "twin", "x twin", "peer", "x peer", "agree"]
    body = []
    for row in rows:
        s = row["seconds_per_call"]
        body.append(
            [
                row["function"],
                str(row["threads"]),
                format_time(s["entropykit"]),
                _fmt_ratio(row.get("bandwidth_multiple")),
                format_time(s["reference"]),
                _fmt_ratio(row["speedup"]["reference"]),
                format_time(s["peer"]) if s["peer"] is not None else "-",
                _fmt_ratio(row["speedup"]["peer"]),
                "yes" if row["agreement"] else f"NO ({row['max_rel_diff']:.1e})",
            ]
        )
    out += _table(header, body, right_from=1)
    peers = sorted({(r["function"], r["peer_formula"]) for r in rows if r["peer_formula"]})
    out.append("peers: " + "; ".join(f"{f}: {formula}" for f, formula in peers))
    out.append(
        "Inputs: elementwise x = U[0,1), y = U[0,1) + 0.01; reducing p, q = 1 - U[0,1); tables "
        "integer counts 0..99, (n/1000) x 1000; labels 1e3 classes, y = x + U{0..49} mod 1e3; "
        "counts 0..19; gaussian_kl: n/1000 full 8x8 covariances."
    )
    out.append("")
    return out


def format_small(report: dict[str, Any]) -> list[str]:
    """The section of the text report."""
    small = report.get("small") or {}
    rows = small.get("rows") or []
    if not rows:
        return []
    out = [
        "Small calls (issue 10): microseconds per call, the fastest of "
        f"{small['repeats']} samples, at {rows[0]['threads']} threads:"
    ]
    header = ["case", "entropykit", "goal", "NumPy", "x NumPy", "twin", "x twin", "pool", "agree"]
    body = []
    for row in rows:
        us = row["microseconds_per_call"]
        body.append(
            [
                row["case"],
                f"{us['entropykit']:.2f}",
                f"<= {row['target_us']:g}",
                f"{us['numpy']:.2f}",
                f"{us['numpy'] / us['entropykit']:.2f}",
                f"{us['reference']:.2f}",
                f"{us['reference'] / us['entropykit']:.1f}",
                "used" if row["pool_used"] else "idle",
                "yes" if row["agreement"] else "NO",
            ]
        )
    out += _table(header, body, right_from=1)
    formulas = sorted({(r["function"], r["numpy_formula"]) for r in rows})
    out.append("NumPy one-liners: " + "; ".join(f"{f}: {x}" for f, x in formulas) + ".")
    out.append("")
    return out
