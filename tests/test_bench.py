"""Smoke tests of ``python -m entropykit bench``: it runs, checks agreement and writes the JSON it
promises. Correctness only: no timing is asserted (timings depend on the machine and its load)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from entropykit import __main__ as cli
from entropykit import _bench

ROW_KEYS = {
    "function",
    "dtype",
    "shape",
    "layout",
    "elements",
    "input_bytes",
    "threads",
    "seconds_per_call",
    "ns_per_element",
    "speedup",
    "bandwidth_multiple",
    "agreement",
    "max_rel_diff",
    "rtol",
    "same_bits_across_threads",
    "peer_max_rel_diff",
    "samples_seconds",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One tiny in-process run through the command-line entry point, read back from its JSON."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    status = cli.main(
        [
            "bench",
            "--sizes",
            "1e3,1e4",
            "--repeats",
            "1",
            "--min-time",
            "0",
            "--threads",
            "1,2",
            "--no-memory",
            "--no-progress",
            "--json",
            str(path),
        ]
    )
    assert status == 0
    return json.loads(path.read_text(encoding="utf-8"))


def test_rows_cover_every_case_and_agree(report: dict) -> None:
    rows = report["rows"]
    # 3 functions x 2 dtypes x (1000, 10000, 10x1000) x 2 thread counts.
    assert len(rows) == 3 * 2 * 3 * 2
    assert {r["function"] for r in rows} == set(_bench.FUNCTIONS)
    assert {r["dtype"] for r in rows} == set(_bench.DTYPES)
    assert {tuple(r["shape"]) for r in rows} == {(1000,), (10000,), (10, 1000)}
    assert {r["threads"] for r in rows} == {1, 2}
    assert report["all_agree"] is True
    for row in rows:
        assert ROW_KEYS <= row.keys()
        assert row["agreement"] is True
        assert row["same_bits_across_threads"] is True
        assert row["rtol"] == (1e-5 if row["dtype"] == "float32" else 1e-10)
        assert row["max_rel_diff"] <= row["rtol"]
        seconds = row["seconds_per_call"]
        for name in ("entropykit", "stream_sum", "reference", "numpy"):
            assert seconds[name] > 0
            assert len(row["samples_seconds"][name]) == 1
        assert row["speedup"]["reference"] == pytest.approx(
            seconds["reference"] / seconds["entropykit"]
        )
        assert row["bandwidth_multiple"] == pytest.approx(
            seconds["entropykit"] / seconds["stream_sum"]
        )
        assert math.isclose(
            row["ns_per_element"]["entropykit"], seconds["entropykit"] * 1e9 / row["elements"]
        )
        # The NumPy one-liner computes the same measure (on pre-normalised inputs).
        assert row["peer_max_rel_diff"]["numpy"] < 1e-3


def test_report_describes_machine_and_targets(report: dict) -> None:
    machine = report["machine"]
    for key in ("cpu_model", "logical_cpus", "simd_level", "available_simd_levels", "versions"):
        assert key in machine
    assert machine["simd_level"] in machine["available_simd_levels"]
    assert machine["versions"]["numpy"]
    assert report["config"]["sizes"] == [1000, 10000]
    assert report["memory"] == []
    targets = report["targets"]
    assert targets and all({"target", "goal", "measured", "met"} <= t.keys() for t in targets)
    # No 1e7 or 1e8 in this run: those targets say so instead of guessing.
    assert all(t["met"] is None for t in targets if "1e7" in t["target"] or "1e8" in t["target"])
    small = [t for t in targets if t["target"].endswith("1e3: time per call")]
    assert len(small) == 3 and all(t["measured"] > 0 for t in small)


def test_text_report_mentions_agreement(report: dict) -> None:
    text = _bench.format_report(report)
    assert "Agreement: all 36 rows match entropykit.reference" in text
    assert "Targets" in text and "x sum" in text


def test_without_peers_only_the_reference_is_compared() -> None:
    config = _bench.BenchConfig(
        sizes=(1000,),
        functions=("kl_divergence",),
        threads=(1,),
        repeats=1,
        min_time=0.0,
        memory=False,
        progress=False,
        peers=(),
    )
    report = _bench.run_benchmark(config)
    assert report["peers"] == {
        "reference": True,
        "numpy": False,
        "scipy_stats": False,
        "scipy_special": False,
        "torch": False,
    }
    assert len(report["rows"]) == 2 and report["all_agree"]
    for row in report["rows"]:
        assert row["speedup"]["reference"] > 0
        assert row["speedup"]["numpy"] is None and row["speedup"]["scipy_stats"] is None
    assert "n/a" in _bench.format_report(report)


def test_peak_memory_probe_runs_in_a_subprocess() -> None:
    spec = {
        "side": "entropykit",
        "function": "kl_divergence",
        "dtype": "float64",
        "elements": 100_000,
        "threads": 2,
        "seed": 0,
    }
    (row,) = _bench.measure_peak_memory([spec])
    if not Path("/proc/self/clear_refs").exists():
        assert "error" in row
        return
    assert "error" not in row, row.get("error")
    assert row["input_bytes"] == 2 * 100_000 * 8
    assert row["extra_bytes"] >= 0
    assert row["extra_fraction"] == row["extra_bytes"] / row["input_bytes"]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 1
    assert "bench" in capsys.readouterr().out


def test_bad_arguments_exit_2() -> None:
    for argv in (["bench", "--sizes", "1e3,abc"], ["bench", "--functions", "gini"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2


def test_plot_without_matplotlib_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_bench, "matplotlib_available", lambda: False)
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--sizes", "1e3", "--plot", "x.png"])
    assert exc.value.code == 2
    assert "matplotlib" in capsys.readouterr().err


def test_plot_is_written(report: dict, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "speedup.png"
    _bench.write_plot(report, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parse_sizes() -> None:
    assert _bench.parse_sizes("1e5, 1000,1e5") == (1000, 100_000)
    for bad in ("", "0", "1.5", "-1e3", "x"):
        with pytest.raises(ValueError):
            _bench.parse_sizes(bad)
