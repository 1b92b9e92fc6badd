"""Smoke tests of ``python -m entropykit bench``: it runs, checks agreement and writes the JSON it
promises. Correctness only: no timing is asserted (timings depend on the machine and its load)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from entropykit import __main__ as cli
from entropykit.bench import harness, logits, memory, pipeline, plot
from entropykit.bench.config import DTYPES, FUNCTIONS, BenchConfig, parse_logits_shape, parse_sizes
from entropykit.bench.family import FAMILY_CASES
from entropykit.bench.report import format_report
from entropykit.bench.run import run_benchmark
from entropykit.bench.targets import SECTIONS, TARGETS

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
            "--logits-shape",
            "8x100",
            "--family-size",
            "2e4",
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
    assert {r["function"] for r in rows} == set(FUNCTIONS)
    assert {r["dtype"] for r in rows} == set(DTYPES)
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
    text = format_report(report)
    assert "Agreement: all 36 rows match entropykit.reference" in text
    assert "Targets" in text and "x sum" in text


def test_without_peers_only_the_reference_is_compared() -> None:
    config = BenchConfig(
        sizes=(1000,),
        functions=("kl_divergence",),
        threads=(1,),
        repeats=1,
        min_time=0.0,
        memory=False,
        progress=False,
        peers=(),
        logits_shape=(4, 50),
        family=False,
    )
    report = run_benchmark(config)
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
    assert "n/a" in format_report(report)
    logits_rows = report["logits"]["rows"]
    assert logits_rows and all(r["speedup"]["torch"] is None for r in logits_rows)
    assert all(r["speedup"]["reference"] > 0 for r in logits_rows)


def test_peak_memory_probe_runs_in_a_subprocess() -> None:
    spec = {
        "side": "entropykit",
        "function": "kl_divergence",
        "dtype": "float64",
        "elements": 100_000,
        "threads": 2,
        "seed": 0,
    }
    (row,) = memory.measure_peak_memory([spec])
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
    monkeypatch.setattr(plot, "matplotlib_available", lambda: False)
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--sizes", "1e3", "--plot", "x.png"])
    assert exc.value.code == 2
    assert "matplotlib" in capsys.readouterr().err


def test_plot_is_written(report: dict, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "speedup.png"
    plot.write_plot(report, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parse_sizes() -> None:
    assert parse_sizes("1e5, 1000,1e5") == (1000, 100_000)
    for bad in ("", "0", "1.5", "-1e3", "x"):
        with pytest.raises(ValueError):
            parse_sizes(bad)


# --------------------------------------------------------------------------------------------
# The losses-from-logits section (issue 5)

LOGITS_KEYS = ROW_KEYS - {"layout"} | {"case", "options"}


def test_logits_rows_cover_every_case_and_agree(report: dict) -> None:
    rows = report["logits"]["rows"]
    cases = [(label, dtype) for label, _, dtypes, _ in logits.LOGITS_CASES for dtype in dtypes]
    assert len(rows) == 2 * len(cases)  # 2 thread counts
    assert {(r["case"], r["dtype"]) for r in rows} == set(cases)
    assert report["config"]["logits_shape"] == [8, 100]
    assert report["logits"]["memory"] == []
    for row in rows:
        assert LOGITS_KEYS <= row.keys()
        assert row["shape"] == [8, 100] and row["elements"] == 800
        assert row["agreement"] is True, row
        assert row["same_bits_across_threads"] is True
        assert row["rtol"] == (1e-5 if row["dtype"] == "float32" else 1e-10)
        seconds = row["seconds_per_call"]
        for name in ("entropykit", "stream_sum", "reference"):
            assert seconds[name] > 0
            assert len(row["samples_seconds"][name]) == 1  # --repeats 1
        assert row["speedup"]["reference"] == pytest.approx(
            seconds["reference"] / seconds["entropykit"]
        )
        if not report["peers"]["torch"]:
            assert seconds["torch"] is None and row["speedup"]["torch"] is None
    smoothed = [r for r in rows if r["case"] == "softmax_cross_entropy ls=0.1"]
    assert smoothed and all(r["options"] == {"label_smoothing": 0.1} for r in smoothed)


def test_issue5_targets_need_the_issue_shape(report: dict) -> None:
    targets = {t["target"]: t for t in report["targets"]}
    names = [
        "softmax_cross_entropy 1024x32000 vs F.cross_entropy",
        "softmax_cross_entropy 1024x32000 vs reference",
        "softmax_cross_entropy label_smoothing=0.1: time / without",
        "entropy_from_logits 1024x32000 vs reference",
        "logits 1024x32000: peak extra memory / input",
    ]
    for name in names:
        assert targets[name]["met"] is None  # 8x100 is not the issue's shape
    # The figure measured at the run's shape is still shown.
    assert "8x100" in targets["softmax_cross_entropy 1024x32000 vs reference"]["indicative"]
    assert "8x100" in targets["entropy_from_logits 1024x32000 vs reference"]["indicative"]
    if not report["peers"]["torch"]:
        assert "PyTorch" in targets[names[0]]["missing"]


def test_text_report_has_the_logits_section(report: dict) -> None:
    text = format_report(report)
    assert "Losses from logits, batch x vocabulary 8x100" in text
    assert f"Agreement: all {len(report['logits']['rows'])} logits rows match" in text
    assert "Targets (issues 3, 4, 5 and 10;" in text


def test_no_logits_skips_the_section(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    argv = ["bench", "--sizes", "1e3", "--functions", "entropy", "--dtypes", "float64"]
    argv += ["--threads", "1", "--repeats", "1", "--min-time", "0", "--no-memory"]
    argv += ["--no-family"]
    assert cli.main([*argv, "--no-progress", "--no-logits", "--json", str(path)]) == 0
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["config"]["logits"] is False
    assert report["logits"]["rows"] == [] and report["logits"]["memory"] == []
    issue5 = [t for t in report["targets"] if "1024x32000" in t["target"]]
    assert len(issue5) == 4
    assert all(t["met"] is None and "--no-logits" in t["missing"] for t in issue5)
    assert "Losses from logits" not in format_report(report)


def _stand_in_torch() -> types.ModuleType:
    """The few torch calls the logits section makes, in NumPy (when PyTorch is not installed)."""
    torch = types.ModuleType("torch")

    def logsumexp(x: np.ndarray, dim: int = -1) -> np.ndarray:
        m = x.max(axis=dim, keepdims=True)
        return (m + np.log(np.exp(x - m).sum(axis=dim, keepdims=True))).squeeze(dim)

    def log_softmax(x: np.ndarray, dim: int = -1) -> np.ndarray:
        return x - logsumexp(x, dim)[..., None]

    def cross_entropy(x: np.ndarray, t: np.ndarray, label_smoothing: float = 0.0) -> np.ndarray:
        lp = log_softmax(x)
        eps, classes = label_smoothing, x.shape[-1]
        losses = -(1 - eps) * lp[np.arange(len(t)), t] - eps / classes * lp.sum(-1)
        return losses.mean()

    def bce_with_logits(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return ((1 - y) * x + np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)).mean()

    def bce(p: np.ndarray, y: np.ndarray) -> np.ndarray:
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        return (-(y * log_p + (1 - y) * log_q)).mean()

    threads = [1]
    torch.set_num_threads = lambda n: threads.__setitem__(0, n)  # type: ignore[attr-defined]
    torch.get_num_threads = lambda: threads[0]  # type: ignore[attr-defined]
    torch.from_numpy = lambda a: a  # type: ignore[attr-defined]
    torch.exp, torch.logsumexp = np.exp, logsumexp  # type: ignore[attr-defined]
    torch.nn = types.SimpleNamespace(  # type: ignore[attr-defined]
        functional=types.SimpleNamespace(
            log_softmax=log_softmax,
            cross_entropy=cross_entropy,
            binary_cross_entropy_with_logits=bce_with_logits,
            binary_cross_entropy=bce,
        )
    )
    return torch


def test_logits_torch_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        monkeypatch.setitem(sys.modules, "torch", _stand_in_torch())
    peers = harness.Peers.load(["torch"])
    config = BenchConfig(
        sizes=(1000,),
        threads=(1,),
        repeats=1,
        min_time=0.0,
        progress=False,
        memory=False,
        family=False,
    )
    state = harness.ThreadState(peers.torch)
    rng = np.random.default_rng(0)
    timed = set()
    for label, _, _, kwargs in logits.LOGITS_CASES:
        case = logits.LogitsCase(label, label.split()[0], "float64", (6, 40), dict(kwargs))
        (row,) = logits.run_logits_case(case, config, peers, state, rng)
        assert row["agreement"] is True
        if row["speedup"]["torch"] is not None:
            timed.add(label)
            # PyTorch computes the same loss (float64 here).
            assert row["peer_max_rel_diff"]["torch"] < 1e-9, label
    assert timed == set(logits.LOGITS_FORMULAS)


def test_fewer_repeats_are_spread_over_the_rounds() -> None:
    calls: list[str] = []
    candidates = [
        harness.Candidate("a", lambda: calls.append("a")),
        harness.Candidate("b", lambda: calls.append("b"), repeats=2),
    ]
    samples, values = harness.time_interleaved(
        candidates, repeats=5, min_time=0.0, threads=harness.ThreadState(None)
    )
    assert len(samples["a"]) == 5 and len(samples["b"]) == 2
    # Warm-ups, then rounds 0-4 with b only in rounds 1 and 3.
    assert "".join(calls) == "ab" + "a" + "ab" + "a" + "ab" + "a"
    assert values == {"a": None, "b": None}


def test_slow_peers_are_sampled_once_but_entropykit_every_round(monkeypatch) -> None:
    monkeypatch.setattr(harness, "WARM_UP_SAMPLE", 0.0)
    calls: list[str] = []
    candidates = [
        harness.Candidate(harness.OURS, lambda: calls.append("e")),
        harness.Candidate("peer", lambda: calls.append("p")),
    ]
    samples, _ = harness.time_interleaved(
        candidates, repeats=4, min_time=0.0, threads=harness.ThreadState(None)
    )
    # The peer's warm-up call is its one sample; entropykit's warm-up is not a sample.
    assert len(samples["peer"]) == harness.TWIN_REPEATS == 1
    assert len(samples[harness.OURS]) == 4
    assert calls.count("p") == 1 and calls.count("e") == 5
    warm = [harness.Candidate("peer", lambda: calls.append("w"), warm=True)]
    samples, _ = harness.time_interleaved(
        warm, repeats=3, min_time=0.0, threads=harness.ThreadState(None)
    )
    assert len(samples["peer"]) == 3 and calls.count("w") == 4


def test_logits_memory_probe_runs_in_a_subprocess() -> None:
    spec = {
        "section": "logits",
        "side": "entropykit",
        "function": "softmax_cross_entropy",
        "dtype": "float32",
        "shape": [64, 4000],
        "elements": 64 * 4000,
        "threads": 2,
        "seed": 0,
    }
    (row,) = memory.measure_peak_memory([spec])
    if not Path("/proc/self/clear_refs").exists():
        assert "error" in row
        return
    assert "error" not in row, row.get("error")
    assert row["input_bytes"] == 64 * 4000 * 4 + 64 * 8  # logits and int64 class indices
    assert row["extra_bytes"] >= 0


def test_parse_logits_shape() -> None:
    assert parse_logits_shape("1024x32000") == (1024, 32_000)
    assert parse_logits_shape("1e3, 3.2e4") == (1000, 32_000)
    for bad in ("", "1024", "1024x", "0x10", "1x2x3", "axb"):
        with pytest.raises(ValueError):
            parse_logits_shape(bad)
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--logits-shape", "1024"])
    assert exc.value.code == 2


def test_family_section_times_every_exported_function(report: dict) -> None:
    family = report["family"]
    assert family["size"] == 20_000
    expected = {c.label or c.name for c in FAMILY_CASES if c.available()}
    assert {r["function"] for r in family["rows"]} == expected
    assert {r["threads"] for r in family["rows"]} == {1, 2}
    for row in family["rows"]:
        assert row["agreement"] is True, row
        assert row["same_bits_across_threads"] is True, row
        s = row["seconds_per_call"]
        assert s["entropykit"] > 0 and s["reference"] > 0
        assert row["speedup"]["reference"] == pytest.approx(s["reference"] / s["entropykit"])
    # Not at 1e7: the targets say what they need and give the figure seen.
    issue4 = [t for t in report["targets"] if t["issue"] == 4]
    assert issue4 and all(t["met"] is None and "--family-size 1e7" in t["missing"] for t in issue4)
    assert "The family (issue 4), 20,000 elements" in format_report(report)


def test_family_size_is_one_size() -> None:
    with pytest.raises(SystemExit):
        cli.main(["bench", "--family-size", "1e3,1e4"])


# --------------------------------------------------------------------------------------------
# The package and the command line, as a user runs them


def test_import_entropykit_does_not_import_the_benchmark() -> None:
    code = (
        "import entropykit, sys; "
        "assert not any(m.startswith('entropykit.bench') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('entropykit.bench'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_target_is_data() -> None:
    names = [t.name for t in TARGETS]
    assert len(names) == len(set(names))
    for t in TARGETS:
        assert t.comparison in (">=", "<=", "<") and t.section in SECTIONS, t


@pytest.mark.timeout(600)
def test_command_line_end_to_end(tmp_path: Path) -> None:
    """``python -m entropykit bench`` in a fresh process, every section on (memory probes too),
    tiny sizes, with --json and --plot: no section can break unseen."""
    pytest.importorskip("matplotlib")
    json_path, png_path = tmp_path / "bench.json", tmp_path / "speedup.png"
    argv = [sys.executable, "-m", "entropykit", "bench", "--sizes", "1e3,2e4"]
    argv += ["--repeats", "1", "--min-time", "0", "--threads", "1,2", "--no-progress"]
    argv += ["--logits-shape", "8x100", "--family-size", "2e4"]
    argv += ["--json", str(json_path), "--plot", str(png_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    # The CPU comes first, before any figure.
    assert out.startswith("entropykit bench on ") and " SIMD " in out.splitlines()[0]
    data = json.loads(json_path.read_text(encoding="utf-8"))
    for key in ("machine", "config", "rows", "memory", "logits", "family", "small", "targets"):
        assert key in data
    assert data["all_agree"] is True
    assert data["rows"] and data["memory"]
    assert data["logits"]["rows"] and data["logits"]["memory"]
    assert data["family"]["rows"] and data["small"]["rows"]
    # x sum, the headline ratio, in every section that streams its input.
    for section in (data["rows"], data["logits"]["rows"], data["family"]["rows"]):
        assert all(r["bandwidth_multiple"] > 0 for r in section)
    for title in ("Entropy, cross-entropy and KL", "Losses from logits", "The family", "Small"):
        assert title in out
    assert "Peak extra memory" in out and "Targets (issues" in out
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_presets_are_exclusive() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--quick", "--full"])
    assert exc.value.code == 2


@pytest.mark.timeout(300)
def test_pipeline_end_to_end(tmp_path: Path) -> None:
    """``bench --pipeline`` in a fresh process on a tiny stream: the section alone, its rows
    agree (stream against one call) and its target is read."""
    json_path = tmp_path / "bench.json"
    argv = [sys.executable, "-m", "entropykit", "bench", "--pipeline", "--pipeline-size", "2e4"]
    argv += ["--repeats", "1", "--min-time", "0", "--threads", "1,2", "--no-progress"]
    argv += ["--json", str(json_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Pipelines (issue 11)" in done.stdout
    if importlib.util.find_spec("distributed") is not None:
        assert "LocalCluster" in done.stdout  # the Dask row
    data = json.loads(json_path.read_text(encoding="utf-8"))
    rows = data["pipeline"]["rows"]
    assert {r["case"] for r in rows} == {c.label for c in pipeline.PIPELINE_CASES}
    assert {r["threads"] for r in rows} == {1, 2} and data["all_agree"] is True
    assert not data["rows"] and not data["small"]["rows"]  # the section runs alone
    (target,) = [t for t in data["targets"] if t["issue"] == 11]
    assert target["measured"] is None and target["indicative"]  # 2e4 values, not 1e8


@pytest.mark.timeout(300)
def test_raw_end_to_end(tmp_path: Path) -> None:
    """``bench --raw --quick`` in a fresh process: the four rows of issue 14 and the affine
    symbols beside them, each agreeing with its NumPy/SciPy baseline, with the x sum column and
    the load average."""
    argv = [sys.executable, "-m", "entropykit", "bench", "--raw", "--quick"]
    argv += ["--repeats", "1", "--min-time", "0", "--threads", "1,2", "--no-progress"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert out.startswith("entropykit bench on ") and "load average before" in out
    cases = ["byte_histogram", "windowed_byte_entropy", "histogram_entropy", "symbol_entropy"]
    for case in [*cases, "symbol_entropy_affine"]:
        lines = [line for line in out.splitlines() if line.startswith(f"{case} (")]
        assert len(lines) == 2 and all("agrees: True" in line and "x sum" in line for line in lines)


def test_continuous_section_runs_at_tiny_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    """``bench --continuous`` at the tiny scale: every case of every source ran against its
    peers, agreed, and gave the same bits on 1 and 2 threads (exit status 0)."""
    from entropykit.bench import continuous

    argv = ["bench", "--continuous", "--continuous-scale", "tiny", "--repeats", "1"]
    status = cli.main([*argv, "--min-time", "0", "--threads", "1,2", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "continuous data (issue 15)" in out
    labels = [case.label for source in continuous.case_sources() for case in source("tiny")]
    assert labels and all(label in out for label in labels)
    assert "(goal >= 10x:" in out  # the SciPy peer ran and its goal is read
    # Then the k-NN rows, each equal to scikit-learn's _compute_mi_cc.
    for case in ("knn_mutual_information", "knn_mutual_information_many"):
        assert case in out
    assert "equals _compute_mi_cc: False" not in out
