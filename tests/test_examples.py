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
