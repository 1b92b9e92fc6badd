"""Inputs from other libraries (issue 11): Arrow arrays and chunked arrays, Polars Series, pandas
Series and DataFrames, memory maps and PyTorch tensors are read without a copy, and Arrow / Polars
nulls and pandas NA are missing entries under ``nan_policy`` on both paths."""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import entropykit as ek
import entropykit.reference as ref

N = 10_000_000
#: A copy of N float64 is 80 MB; reading in place adds bounded buffers only.
MAX_GROWTH_KB = 16_000


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"{field}:\s+(\d+)", text)
    assert match is not None
    return int(match.group(1))


def _peak_growth_kb(call: Callable[[], object], file_backed: bool = False) -> int:
    """How far the resident set's peak rose above its size before ``call`` (Linux: the peak is
    reset through /proc/self/clear_refs, so allocations by any allocator count). A memory map's
    pages join the resident set as they are read, so for one the peak of NumPy's allocations is
    taken instead (a copy would be one)."""
    if file_backed:
        tracemalloc.start()
        try:
            call()
            return tracemalloc.get_traced_memory()[1] // 1024
        finally:
            tracemalloc.stop()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pytest.skip("peak RSS cannot be reset here")
    before = _status("VmRSS")
    call()
    return _status("VmHWM") - before


@pytest.fixture(scope="module")
def big() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    return rng.random(N), rng.random(N)


def _wrappers(x: np.ndarray, tmp: Path) -> dict[str, Callable[[], Any]]:
    """Zero-copy wrappers of ``x`` from each library that is installed."""
    out: dict[str, Callable[[], Any]] = {}
    path = tmp / "x.npy"
    np.save(path, x)
    out["memmap"] = lambda: np.load(path, mmap_mode="r")
    try:
        import pyarrow as pa

        out["arrow"] = lambda: pa.array(x)
        thirds = [x[: N // 3], x[N // 3 : N // 2], x[N // 2 :]]
        out["arrow-chunked"] = lambda: pa.chunked_array(thirds)
    except ImportError:
        pass
    try:
        import polars as pl

        out["polars"] = lambda: pl.Series("x", x)
    except ImportError:
        pass
    try:
        import pandas as pd

        out["pandas"] = lambda: pd.Series(x)
    except ImportError:
        pass
    try:
        import torch

        out["torch"] = lambda: torch.from_numpy(x)
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("kind", ["memmap", "arrow", "arrow-chunked", "polars", "pandas", "torch"])
def test_no_copy(kind: str, big: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    x, y = big
    wrappers = _wrappers(x, tmp_path)
    if kind not in wrappers:
        pytest.skip(f"{kind} is not installed")
    obj = wrappers[kind]()
    expected = ek.entropy(x)
    mapped = kind == "memmap"
    growth = _peak_growth_kb(lambda: ek.entropy(obj), mapped)
    assert growth < MAX_GROWTH_KB, f"{kind}: peak rose by {growth} kB"
    np.testing.assert_allclose(ek.entropy(obj), expected, rtol=1e-12)
    growth = _peak_growth_kb(lambda: ek.kl_divergence(obj, y), mapped)
    assert growth < MAX_GROWTH_KB, f"{kind}: peak rose by {growth} kB"
    np.testing.assert_allclose(ek.kl_divergence(obj, y), ek.kl_divergence(x, y), rtol=1e-12)


def test_pandas_dataframe_no_copy(big: tuple[np.ndarray, np.ndarray]) -> None:
    pd = pytest.importorskip("pandas")
    x, y = big
    frame = pd.DataFrame({"x": x[: N // 2], "y": y[: N // 2]})
    expected = ek.entropy(frame.to_numpy(), axis=0)
    growth = _peak_growth_kb(lambda: ek.entropy(frame, axis=0))
    assert growth < MAX_GROWTH_KB, f"peak rose by {growth} kB"
    np.testing.assert_allclose(ek.entropy(frame, axis=0), expected, rtol=1e-12)


# --- Arrow chunked arrays: chunk by chunk, partial sums merged ---------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "uint8"])
@pytest.mark.parametrize("func", ["entropy", "cross_entropy", "kl_divergence", "perplexity"])
def test_chunked_equals_concatenated(func: str, dtype: str) -> None:
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(3)
    n = 5_000
    if dtype.startswith(("int", "uint")):
        x, y = rng.integers(1, 50, n).astype(dtype), rng.integers(1, 50, n).astype(dtype)
    else:
        x, y = (rng.random(n) + 0.01).astype(dtype), (rng.random(n) + 0.01).astype(dtype)
    p = pa.chunked_array([x[:7], x[7:7], x[7:3000], x[3000:]])
    q = pa.chunked_array([y[:1234], y[1234:]])
    f = getattr(ek, func)
    # Each chunk is summed as one call sums it (float32 lanes for float16 and float32).
    rtol = 1e-12
    args = (p,) if func in ("entropy", "perplexity") else (p, q)
    plain = (x,) if func in ("entropy", "perplexity") else (x, y)
    for base in (None, 2.0):
        kwargs = {} if func == "perplexity" else {"base": base}
        np.testing.assert_allclose(f(*args, **kwargs), f(*plain, **kwargs), rtol=rtol)
    if func != "perplexity":
        np.testing.assert_allclose(f(*args, normalize=False), f(*plain, normalize=False), rtol=rtol)
        kept = f(*args, keepdims=True, axis=0)
        assert kept.shape == (1,)
    if len(args) == 2:
        # A chunked p against a plain q, and the other way round.
        np.testing.assert_allclose(f(p, y), f(x, y), rtol=rtol)
        np.testing.assert_allclose(f(x, q), f(x, y), rtol=rtol)


def test_chunked_sums_are_exact_at_any_scale() -> None:
    """Each chunk is summed at its own power of two: [2^62 | 2^62] is ln 2 as one call gives it,
    and one positive entry among zeros is exactly 0."""
    pa = pytest.importorskip("pyarrow")
    big = pa.chunked_array([[2**62], [2**62]], type=pa.int64())
    assert ek.entropy(big) == ek.entropy(np.array([2**62, 2**62]))
    assert ek.entropy(pa.chunked_array([[0.0, 0.0], [1e300], [0.0]])) == 0.0
    assert ek.entropy(pa.chunked_array([[1e-310], [1e-310]])) == pytest.approx(np.log(2), rel=1e-15)


def test_polars_multi_chunk_series() -> None:
    pl = pytest.importorskip("polars")
    x = np.random.default_rng(5).random(10_000)
    series = pl.concat([pl.Series(x[:3_000]), pl.Series(x[3_000:])], rechunk=False)
    assert series.n_chunks() == 2
    np.testing.assert_allclose(ek.entropy(series), ek.entropy(x), rtol=1e-12)
    np.testing.assert_allclose(ek.kl_divergence(series, x[::-1]), ek.kl_divergence(x, x[::-1]))


def test_chunked_errors_name_the_entry_in_the_whole_column() -> None:
    pa = pytest.importorskip("pyarrow")
    p = pa.chunked_array([[0.1, 0.2], [0.3, -1.0]])
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[3\] = -1.0 is negative") as info:
        ek.entropy(p)
    assert info.value.index == (3,)
    with pytest.raises(ek.InvalidDistributionError, match="zero total mass"):
        ek.entropy(pa.chunked_array([[0.0], [0.0]]))


def test_chunked_two_pass_measures_still_work() -> None:
    """Jensen-Shannon and the power family convert through NumPy (one copy): documented."""
    pa = pytest.importorskip("pyarrow")
    x, y = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    p, q = pa.chunked_array([x[:1], x[1:]]), pa.chunked_array([y[:3], y[3:]])
    assert ek.js_divergence(p, q) == pytest.approx(ek.js_divergence(x, y), rel=1e-14)
    assert ek.renyi_entropy(p, 2) == pytest.approx(ek.renyi_entropy(x, 2), rel=1e-14)


# --- Missing values ------------------------------------------------------------------------------


def _nullable_columns() -> list[tuple[str, Any, np.ndarray]]:
    """(name, column with a null at index 2, the same values with NaN there)."""
    values = np.array([3.0, 1.0, np.nan, 2.0, 5.0])
    with_none = [3, 1, None, 2, 5]
    out: list[tuple[str, Any, np.ndarray]] = []
    try:
        import pyarrow as pa

        out.append(("arrow-float", pa.array(with_none, type=pa.float64()), values))
        out.append(("arrow-int", pa.array(with_none, type=pa.int32()), values))
        out.append(("arrow-half", pa.array(np.array(with_none, dtype=np.float16)), values))
        chunks = pa.chunked_array([[3, 1], [None, 2, 5]], type=pa.int64())
        out.append(("arrow-chunked", chunks, values))
        out.append(("arrow-sliced", pa.array([9, *with_none], type=pa.float32())[1:], values))
    except ImportError:
        pass
    try:
        import polars as pl

        out.append(("polars-float", pl.Series(with_none, dtype=pl.Float64), values))
        out.append(("polars-int", pl.Series(with_none, dtype=pl.UInt16), values))
    except ImportError:
        pass
    try:
        import pandas as pd

        out.append(("pandas-Int64", pd.Series(with_none, dtype="Int64"), values))
        out.append(("pandas-Float32", pd.Series(with_none, dtype="Float32"), values))
    except ImportError:
        pass
    return out


NULLABLE = _nullable_columns()


@pytest.mark.parametrize(("name", "column", "values"), NULLABLE, ids=[c[0] for c in NULLABLE])
@pytest.mark.parametrize("func", ["entropy", "cross_entropy", "kl_divergence", "js_divergence"])
def test_null_is_a_missing_entry(name: str, column: Any, values: np.ndarray, func: str) -> None:
    q = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    for module in (ek, ref):
        f = getattr(module, func)
        args = (column,) if func == "entropy" else (column, q)
        plain = (values,) if func == "entropy" else (values, q)
        assert np.isnan(f(*args)), f"{module.__name__}.{func}({name})"
        dropped = f(*plain, nan_policy="omit")
        # float16 / float32 columns are computed in float32 lanes (~1e-7), as NumPy arrays are.
        rtol = 1e-6 if name in ("arrow-half", "arrow-sliced", "pandas-Float32") else 1e-12
        np.testing.assert_allclose(f(*args, nan_policy="omit"), dropped, rtol=rtol)
        with pytest.raises(ek.InvalidDistributionError) as info:
            f(*args, nan_policy="raise")
        assert info.value.index == (2,)
        assert info.value.kind == "nan"


def test_null_message_says_null() -> None:
    pa = pytest.importorskip("pyarrow")
    column = pa.chunked_array([[0.5, 0.5], [0.5, None]])
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[3\] is null"):
        ek.entropy(column, nan_policy="raise")


def test_nulls_read_in_bounded_blocks(big: tuple[np.ndarray, np.ndarray]) -> None:
    pa = pytest.importorskip("pyarrow")
    x, _ = big
    mask = np.zeros(N, dtype=bool)
    mask[::1000] = True
    column = pa.array(x, mask=mask)
    expected = ek.entropy(np.where(mask, np.nan, x), nan_policy="omit")
    growth = _peak_growth_kb(lambda: ek.entropy(column, nan_policy="omit"))
    assert growth < MAX_GROWTH_KB, f"peak rose by {growth} kB"
    np.testing.assert_allclose(ek.entropy(column, nan_policy="omit"), expected, rtol=1e-12)


# --- PyTorch -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_torch_tensors(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor([[1.0, 2.0, 5.0], [0.5, 0.25, 0.25]], dtype=getattr(torch, dtype))
    t.requires_grad_(True)
    exact = t.detach().double().numpy()
    for module in (ek, ref):
        np.testing.assert_allclose(module.entropy(t, base=2), module.entropy(exact, base=2))
        np.testing.assert_allclose(
            module.kl_divergence(t, t.flip(1)), module.kl_divergence(exact, exact[:, ::-1])
        )
    assert t.grad is None


def test_torch_tensor_shares_memory() -> None:
    torch = pytest.importorskip("torch")
    x = torch.rand(1000, dtype=torch.float64)
    view = x[::2]
    assert ek.entropy(view) == pytest.approx(ek.entropy(view.numpy()), rel=1e-14)
    assert view.numpy().base is not None
