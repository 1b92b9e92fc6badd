"""The example scripts run and draw their pictures (their own asserts check the physics)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("script", ["markov_second_law.py", "boltzmann_stirling.py"])
def test_example_draws_its_png(script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out.png"
    monkeypatch.setattr("sys.argv", [script, str(out)])
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_streaming_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's streaming example runs as written."""
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Streaming\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md (Streaming)", "exec"), {})
    assert capsys.readouterr().out.strip()


def test_readme_raw_data_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's raw-data example runs as written."""
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Raw data\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md (Raw data)", "exec"), {})
    assert capsys.readouterr().out.strip()
