"""SciPy's own tests of ``entropy`` and ``differential_entropy`` (``scipy/stats/tests/
test_entropy.py``, shipped in the SciPy wheel) pass with both functions replaced by
``entropykit.scipy_compat``'s, as issue 15 asks of a drop-in. The file runs in a subprocess
(the swap patches ``scipy.stats`` module-wide) with the plugin ``tests/_scipy_swap.py``, on the
NumPy backend, which is the only one entropykit reads: SciPy's conftest skips the other array-API
backends unless ``SCIPY_ARRAY_API`` is set, and this run leaves it unset.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

stats = pytest.importorskip("scipy.stats")

SUITE = pathlib.Path(stats.__file__).parent / "tests" / "test_entropy.py"


@pytest.mark.timeout(600)
def test_scipy_entropy_suite_passes_with_the_drop_ins(tmp_path):
    if not SUITE.exists():
        pytest.skip(f"this SciPy ships no {SUITE}")
    report = tmp_path / "calls.json"
    env = dict(os.environ)
    env.pop("SCIPY_ARRAY_API", None)
    env["ENTROPYKIT_SWAP_REPORT"] = str(report)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(pathlib.Path(__file__).parent), env.get("PYTHONPATH", "")]
    )
    # SciPy's conftest (its `xp` fixture, the backend skips) sits above the test directory,
    # where pytest would not look for it from a rootdir of the tests.
    confcutdir = str(SUITE.parents[3])
    plugins = ["-p", "no:cacheprovider", "-p", "_scipy_swap"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins, "--confcutdir", confcutdir, str(SUITE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, tail
    assert "failed" not in result.stdout.splitlines()[-1], tail
    calls = json.loads(report.read_text())
    # Every test of both classes calls its function at least once.
    assert calls.get("entropy", 0) >= 15, calls
    assert calls.get("differential_entropy", 0) >= 20, calls
