"""entropykit.dask on a real LocalCluster (2 worker processes): each measure over chunked arrays of
1e7 entries equals the in-memory result; errors cross the process boundary intact; the README's
Dask example runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import entropykit as ek

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
ekd = pytest.importorskip("entropykit.dask")

pytestmark = pytest.mark.timeout(600)

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _rng(seed: int) -> Any:
    return da.random.default_rng(seed)


def _close(got: Any, expected: Any) -> None:
    got = np.asarray(got)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_one_pass_measures(client: Any) -> None:
    # Made on the workers (a graph holding 80 MB arrays would be the client's to send).
    p = _rng(1).random((100, 100_000), chunks=(30, 30_000))
    q = _rng(2).random((100, 100_000), chunks=(40, 25_000))
    x, y = p.compute(), q.compute()
    for axis in (-1, 0, None):
        _close(ekd.entropy(p, axis=axis, base=2).compute(), ek.entropy(x, axis=axis, base=2))
    _close(ekd.cross_entropy(p, q, axis=None).compute(), ek.cross_entropy(x, y, axis=None))
    _close(ekd.kl_divergence(p, q, axis=0).compute(), ek.kl_divergence(x, y, axis=0))
    _close(
        ekd.kl_divergence(p, q, axis=(0, 1), keepdims=True).compute(),
        ek.kl_divergence(x, y, axis=(0, 1), keepdims=True),
    )
    _close(ekd.js_divergence(p, q).compute(), ek.js_divergence(x, y))
    _close(ekd.js_divergence(p, q, axis=None).compute(), ek.js_divergence(x, y, axis=None))


def test_nan_policies_and_errors(client: Any) -> None:
    p = _rng(3).random((20, 500_000), chunks=(6, 70_000))
    p[7, 31_234] = np.nan
    x = p.compute()
    _close(ekd.entropy(p, nan_policy="omit").compute(), ek.entropy(x, nan_policy="omit"))
    assert np.isnan(ekd.entropy(p, axis=None).compute())
    with pytest.raises(ek.InvalidDistributionError) as info:
        ekd.entropy(p, nan_policy="raise").compute()
    assert info.value.index == (7, 31_234)
    assert info.value.kind == "nan"
    p[7, 31_234] = -1.0
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[7, 31234\] = -1.0 is negative"):
        ekd.kl_divergence(p, p.clip(0, 1)).compute()


def test_table_measures(client: Any) -> None:
    # Ten dependent 1000 x 1000 tables: a heavy diagonal over noise.
    noise = _rng(4).random((10, 1000, 1000), chunks=(3, 300, 400))
    pxy = noise + 50 * da.eye(1000, chunks=400)
    t = pxy.compute()
    for name in (
        "joint_entropy",
        "mutual_information",
        "variation_of_information",
        "normalized_mutual_information",
    ):
        _close(getattr(ekd, name)(pxy).compute(), getattr(ek, name)(t))
    _close(
        ekd.conditional_entropy(pxy, given="x", axis=(0, 2), keepdims=True, base=2).compute(),
        ek.conditional_entropy(t, given="x", axis=(0, 2), keepdims=True, base=2),
    )


def test_labels(client: Any) -> None:
    lx = _rng(5).integers(0, 50, 10_000_000, chunks=1_500_000)
    ly = ((lx + _rng(6).integers(0, 5, lx.size, chunks=1_500_000)) % 60).rechunk(2_000_000)
    x, y = lx.compute(), ly.compute()
    _close(ekd.mutual_information_labels(lx, ly).compute(), ek.mutual_information_labels(x, y))
    _close(ekd.entropy_labels(lx, base=2).compute(), ek.entropy_labels(x, base=2))


def test_logits_losses(client: Any) -> None:
    lz = _rng(7).normal(size=(1_000_000, 10), chunks=(150_000, 4))
    tz = _rng(8).integers(0, 10, 1_000_000, chunks=200_000)
    logits, target = lz.compute(), tz.compute()
    weight = np.random.default_rng(9).random(10)
    _close(
        ekd.softmax_cross_entropy(lz, tz, weight=weight, ignore_index=3).compute(),
        ek.softmax_cross_entropy(logits, target, weight=weight, ignore_index=3),
    )
    _close(ekd.perplexity_from_logits(lz, tz).compute(), ek.perplexity_from_logits(logits, target))
    _close(ekd.entropy_from_logits(lz).compute(), ek.entropy_from_logits(logits))
    _close(
        ekd.kl_divergence_from_logits(lz, lz[::-1]).compute(),
        ek.kl_divergence_from_logits(logits, logits[::-1]),
    )
    yz = (lz[::-1] > 0).astype(np.float64).rechunk((300_000, 10))
    _close(
        ekd.binary_cross_entropy_with_logits(lz, yz).compute(),
        ek.binary_cross_entropy_with_logits(logits, yz.compute()),
    )


def test_readme_example_runs(tmp_path: Path) -> None:
    text = README.read_text()
    match = re.search(r"<!-- dask-example -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README has no Dask example"
    script = tmp_path / "example.py"
    script.write_text(match.group(1))
    subprocess.run([sys.executable, str(script)], check=True, timeout=300, cwd=tmp_path)


def test_import_entropykit_imports_no_optional_library() -> None:
    code = (
        "import sys, entropykit, entropykit.reference\n"
        "bad = [m for m in ('dask', 'distributed', 'torch', 'pyarrow', 'polars', 'pandas')"
        " if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_docstring_examples_run() -> None:
    import doctest

    failures, tried = doctest.testmod(ekd, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried >= 15 and failures == 0


def test_bad_arguments_fail_when_the_graph_is_built() -> None:
    p = da.ones((4, 6), chunks=2)
    with pytest.raises(ValueError, match="nan_policy"):
        ekd.entropy(p, nan_policy="drop")
    with pytest.raises(ValueError, match="base"):
        ekd.js_divergence(p, p, base=1)
    with pytest.raises(np.exceptions.AxisError):
        ekd.kl_divergence(p, p, axis=2)
    with pytest.raises(ValueError, match="two different axes"):
        ekd.mutual_information(p, axis=(1, -1))
    with pytest.raises(ValueError, match="one length"):
        ekd.mutual_information_labels(da.ones(3, chunks=2), da.ones(4, chunks=2))


@pytest.mark.parametrize("name", ekd.__all__)
def test_same_signature_as_the_in_memory_function(name: str) -> None:
    """Each Dask function takes the in-memory function's arguments, by the same names and kinds,
    with the same defaults, and documents an example."""
    import inspect

    ours, theirs = inspect.signature(getattr(ekd, name)), inspect.signature(getattr(ek, name))
    described = [(p.name, p.kind, p.default) for p in ours.parameters.values()]
    assert described == [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    assert "Examples" in (getattr(ekd, name).__doc__ or "")


def test_table_errors_name_pxy() -> None:
    t = np.ones((4, 6, 5))
    t[2, 4, 3] = -1.0
    with pytest.raises(
        ek.InvalidDistributionError, match=r"mutual_information: pxy\[2, 4, 3\] = -1.0"
    ) as info:
        ekd.mutual_information(da.from_array(t, chunks=(3, 4, 2))).compute()
    assert (info.value.arg, info.value.index) == ("pxy", (2, 4, 3))
    t[2] = 0.0
    with pytest.raises(ek.InvalidDistributionError, match=r"pxy has zero total mass") as info:
        ekd.joint_entropy(da.from_array(t, chunks=(3, 4, 2))).compute()
    assert (info.value.kind, info.value.index) == ("zero_mass", (2,))
