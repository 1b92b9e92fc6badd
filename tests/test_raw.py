"""Raw-data entropy (issue 14): bytes, files, windows, context order, binned and symbol counts,
against the NumPy twins and scipy, and the ``scan`` command end to end."""

from __future__ import annotations

import json
import mmap
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.stats

import entropykit as ek
from entropykit import reference as ref

RNG = np.random.default_rng(14)
PAGE = mmap.PAGESIZE


def _structured(n: int) -> bytes:
    runs = RNG.integers(1, 200, size=n // 50 + 1)
    values = RNG.choice(np.array([0, 7, 65, 255], dtype=np.uint8), size=runs.size)
    return bytes(np.repeat(values, runs)[:n])


DATA = {
    "random": RNG.integers(0, 256, size=30_003, dtype=np.uint8).tobytes(),
    "constant": b"\x42" * 5000,
    "structured": _structured(60_000),
    "text": b"the quick brown fox jumps over the lazy dog " * 300,
}


def _scipy_bits(data: bytes) -> float:
    return float(scipy.stats.entropy(np.bincount(np.frombuffer(data, np.uint8)), base=2))


@pytest.mark.parametrize("name", DATA)
def test_byte_functions_match_twins_and_scipy(name: str) -> None:
    data = DATA[name]
    h = ek.byte_histogram(data)
    assert h.dtype == np.int64 and h.shape == (256,)
    np.testing.assert_array_equal(h, ref.byte_histogram(data))
    got = ek.byte_entropy(data)
    assert isinstance(got, np.float64)
    assert got == pytest.approx(_scipy_bits(data), abs=1e-12)
    assert got == pytest.approx(ref.byte_entropy(data), abs=1e-12)
    for order in (1, 2):
        assert ek.byte_entropy(data, order=order, base=None) == pytest.approx(
            ref.byte_entropy(data, order=order, base=None), abs=1e-9
        )


def test_constant_data_has_exactly_zero_entropy() -> None:
    for order in (0, 1, 2):
        assert ek.byte_entropy(b"\x00" * 1000, order=order) == 0.0
    assert ek.symbol_entropy(np.full(100, -3, dtype=np.int16)) == 0.0
    assert ek.histogram_entropy(np.ones(50)) == 0.0


def test_order_k_against_numpy_ngram_counts() -> None:
    b = np.frombuffer(DATA["text"] + DATA["structured"][:5000], np.uint8).astype(np.int64)
    for k in (1, 2):
        codes = sum(b[j : b.size - k + j] << (8 * (k - j)) for j in range(k + 1))
        _, joint = np.unique(codes, return_counts=True)
        _, ctx = np.unique(codes >> 8, return_counts=True)
        want = scipy.stats.entropy(joint, base=2) - scipy.stats.entropy(ctx, base=2)
        got = ek.byte_entropy(b.astype(np.uint8), order=k)
        assert got == pytest.approx(want, abs=1e-9)


def test_buffer_kinds_agree() -> None:
    data = DATA["structured"][:10_000]
    want = ek.byte_histogram(data)
    arr = np.frombuffer(data, np.uint8)
    for obj in (bytearray(data), memoryview(data), arr, arr.view(np.uint16), arr.reshape(100, 100)):
        np.testing.assert_array_equal(ek.byte_histogram(obj), want)
    # A strided view is read as its C-order bytes (a copy).
    strided = arr[::2]
    np.testing.assert_array_equal(ek.byte_histogram(strided), np.bincount(strided, minlength=256))
    np.testing.assert_array_equal(
        ek.byte_histogram(memoryview(data)[::3]), np.bincount(arr[::3], minlength=256)
    )
    floats = np.linspace(0, 1, 333)
    np.testing.assert_array_equal(ek.byte_histogram(floats), ref.byte_histogram(floats))
    with mmap.mmap(-1, len(data)) as m:
        m.write(data)
        np.testing.assert_array_equal(ek.byte_histogram(m), want)
    with pytest.raises(TypeError, match="bytes-like"):
        ek.byte_histogram(12)
    with pytest.raises(TypeError, match="object array"):
        ek.byte_histogram(np.array([object()]))


def test_empty_data() -> None:
    np.testing.assert_array_equal(ek.byte_histogram(b""), np.zeros(256, np.int64))
    for f in (ek.byte_entropy, ref.byte_entropy):
        with pytest.raises(ValueError, match="empty"):
            f(b"")
    with pytest.raises(ValueError, match="at least 3"):
        ek.byte_entropy(b"ab", order=2)
    assert ek.windowed_byte_entropy(b"abc", window=4).shape == (0,)
    for f2 in (ek.symbol_entropy, ref.symbol_entropy):
        with pytest.raises(ValueError, match="empty"):
            f2(np.array([], dtype=np.int32))
    for f3 in (ek.histogram_entropy, ref.histogram_entropy):
        with pytest.raises(ValueError, match="no value"):
            f3(np.array([]))


def test_files_larger_than_a_page(tmp_path: pathlib.Path) -> None:
    data = DATA["random"][: 3 * PAGE + 777] + DATA["structured"][:5000]
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    for arg in (path, str(path)):
        np.testing.assert_array_equal(ek.byte_histogram(arg), ref.byte_histogram(data))
        assert ek.byte_entropy(arg, order=1) == pytest.approx(ref.byte_entropy(data, order=1))
        np.testing.assert_allclose(
            ek.windowed_byte_entropy(arg, window=1000, step=300),
            ref.windowed_byte_entropy(data, window=1000, step=300),
            rtol=0,
            atol=1e-12,
        )
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    np.testing.assert_array_equal(ek.byte_histogram(empty), np.zeros(256, np.int64))


def test_missing_path_names_it(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nope.bin"
    for f in (ek.byte_histogram, ek.byte_entropy, ek.windowed_byte_entropy):
        with pytest.raises(FileNotFoundError, match=r"nope\.bin") as info:
            f(missing)
        assert info.value.filename == str(missing)
    with pytest.raises(IsADirectoryError):
        ek.byte_histogram(tmp_path)
    with pytest.raises(FileNotFoundError):
        ref.byte_histogram(missing)


@pytest.mark.parametrize(
    ("window", "step", "n"),
    [(1024, 256, 23_002), (100, 1, 2_500), (64, 1000, 23_002), (5000, 7, 9_000)],
)
def test_windows_against_a_direct_loop(window: int, step: int, n: int) -> None:
    data = (DATA["structured"][:20_001] + DATA["random"][:3001])[-n:]
    got = ek.windowed_byte_entropy(data, window, step)
    b = np.frombuffer(data, np.uint8)
    starts = range(0, len(data) - window + 1, step)
    want = [scipy.stats.entropy(np.bincount(b[s : s + window]), base=2) for s in starts]
    assert got.shape == (len(want),)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got, ref.windowed_byte_entropy(data, window, step), atol=1e-12)


def test_windows_do_not_depend_on_threads(restore_threads: None) -> None:
    data = DATA["random"] + DATA["structured"]
    ek.set_num_threads(1)
    one = ek.windowed_byte_entropy(data, 512, 3)
    ek.set_num_threads(3)
    np.testing.assert_array_equal(ek.windowed_byte_entropy(data, 512, 3), one)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_window_arguments(bad: object) -> None:
    for f in (ek.windowed_byte_entropy, ref.windowed_byte_entropy):
        with pytest.raises(ValueError, match="window must be an integer >= 1"):
            f(b"abc", window=bad)
    with pytest.raises(ValueError, match="order"):
        ek.byte_entropy(b"abc", order=3)


HIST_CASES = [
    (RNG.normal(size=10_001), 256, None),
    (RNG.normal(size=1000), 7, (-1.0, 1.0)),
    (RNG.integers(-5, 5, size=999), 10, None),
    (np.array([0.0, 0.1, 0.2, 0.30000000000000004, 1.0]), 10, None),
    (np.linspace(0, 1, 1001), [0.0, 0.25, 0.25, 0.5, 1.0], None),
    (RNG.random(500).astype(np.float32), 33, None),
    (np.full(10, 3.0), 4, None),
]


@pytest.mark.parametrize("case", range(len(HIST_CASES)))
def test_histogram_entropy_matches_numpy(case: int) -> None:
    x, bins, range_ = HIST_CASES[case]
    got = ek.histogram_entropy(x, bins, range_, base=2)
    counts = np.histogram(np.asarray(x, np.float64), bins, range_)[0]
    assert got == pytest.approx(scipy.stats.entropy(counts, base=2), abs=1e-12)
    assert got == pytest.approx(ref.histogram_entropy(x, bins, range_, base=2), abs=1e-12)


def test_histogram_entropy_bins_exactly_like_numpy() -> None:
    # Values on and one ulp around every edge: a misplaced value changes the entropy.
    edges = np.linspace(-3.0, 7.0, 18)
    x = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
    x = np.concatenate([x, RNG.uniform(-3, 7, 50)])
    for bins in (17, 1, 3):
        got = ek.histogram_entropy(x, bins)
        counts = np.histogram(x, bins)[0]
        assert got == pytest.approx(scipy.stats.entropy(counts), abs=1e-13)


def test_histogram_entropy_large_and_axis() -> None:
    x = RNG.standard_t(3, size=1_000_000)
    want = scipy.stats.entropy(np.histogram(x, 256)[0])
    assert ek.histogram_entropy(x, 256) == pytest.approx(want, abs=1e-12)
    m = RNG.normal(size=(30, 4, 5))
    for axis in (0, 1, -1):
        got = ek.histogram_entropy(m, 6, axis=axis)
        twin = ref.histogram_entropy(m, 6, axis=axis)
        assert got.shape == twin.shape
        np.testing.assert_allclose(got, twin, atol=1e-12)
    with pytest.raises(np.exceptions.AxisError):
        ek.histogram_entropy(m, axis=3)


def test_histogram_entropy_errors() -> None:
    x = RNG.normal(size=(4, 6))
    x[2, 3] = np.nan
    for f in (ek.histogram_entropy, ref.histogram_entropy):
        with pytest.raises(ek.InvalidDistributionError, match=r"x\[2, 3\] is NaN") as info:
            f(x)
        assert info.value.index == (2, 3)
        with pytest.raises(ek.InvalidDistributionError, match=r"x\[2, 3\] is NaN"):
            f(x, axis=1)
        # With the range given the core finds NaN while counting, not in a scan first.
        for axis in (None, 1):
            with pytest.raises(ek.InvalidDistributionError, match=r"x\[2, 3\] is NaN"):
                f(x, 5, (-1.0, 1.0), axis=axis)
        with pytest.raises(ValueError, match="monotonically"):
            f([1.0], [0.0, 2.0, 1.0])
        with pytest.raises(ValueError, match="positive"):
            f([1.0], 0)
        with pytest.raises(ValueError, match="max must be larger than min"):
            f([1.0], 3, (2, 1))
        with pytest.raises(ValueError, match="not finite"):
            f([1.0, np.inf], 3)
        with pytest.raises(ValueError, match="no value"):
            f([5.0, 6.0], 3, (0, 1))
        with pytest.raises(TypeError):
            f(np.array([1j]))


@pytest.mark.parametrize(
    "dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]
)
def test_symbol_entropy_dtypes(dtype: type) -> None:
    info = np.iinfo(dtype)
    x = RNG.integers(info.min, info.max, size=5000, dtype=dtype, endpoint=True)
    x[:100] = info.max
    want = scipy.stats.entropy(np.unique(x, return_counts=True)[1])
    assert ek.symbol_entropy(x) == pytest.approx(want, abs=1e-12)
    assert ek.symbol_entropy(x) == pytest.approx(ref.symbol_entropy(x), abs=1e-12)


def test_symbol_entropy_many_distinct(restore_threads: None) -> None:
    x = RNG.integers(-(2**62), 2**62, size=1_000_000) // 2**44  # about 5e5 distinct values
    want = scipy.stats.entropy(np.unique(x, return_counts=True)[1], base=2)
    ek.set_num_threads(1)
    one = ek.symbol_entropy(x, base=2)
    ek.set_num_threads(2)
    assert ek.symbol_entropy(x, base=2) == one
    assert one == pytest.approx(want, abs=1e-10)
    assert ek.symbol_entropy([True, False, True, True]) == pytest.approx(
        scipy.stats.entropy([1, 3])
    )
    with pytest.raises(TypeError, match="integers"):
        ek.symbol_entropy([1.5, 2.0])


# ------------------------------------------------------------------------------------------------
# The scan command


def _scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entropykit", "scan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


def test_scan_json_and_bad_path(tmp_path: pathlib.Path) -> None:
    good = tmp_path / "good.bin"
    good.write_bytes(DATA["text"])
    rnd = tmp_path / "random.bin"
    rnd.write_bytes(DATA["random"])
    missing = tmp_path / "missing.bin"
    done = _scan(str(good), str(missing), str(rnd), "--order", "2", "--json")
    assert done.returncode == 1
    assert "missing.bin" in done.stderr
    rows = json.loads(done.stdout)
    assert [r["path"] for r in rows] == [str(good), str(rnd)]
    first = rows[0]
    assert first["size"] == len(DATA["text"])
    assert first["entropy"] == pytest.approx(
        [float(ref.byte_entropy(DATA["text"], order=k)) for k in range(3)], abs=1e-9
    )
    assert first["bound_bytes"][0] == pytest.approx(first["size"] * first["entropy"][0] / 8)
    import zlib

    assert first["zlib6_bytes"] == len(zlib.compress(DATA["text"], 6))
    ok = _scan(str(good))
    assert ok.returncode == 0 and "good.bin" in ok.stdout


def test_scan_plot_writes_a_png(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("matplotlib")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(DATA["structured"] + DATA["random"])
    out = tmp_path / "plot.png"
    done = _scan(str(blob), "--window", "1024", "--step", "512", "--plot", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_docstring_examples_run() -> None:
    import doctest

    from entropykit import _raw

    failures, tried = doctest.testmod(_raw, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0 and failures == 0


def test_inputs_are_not_modified() -> None:
    x = RNG.normal(size=(20, 30))
    ints = RNG.integers(0, 9, 100)
    b = bytearray(DATA["text"][:999])
    copies = (x.copy(), ints.copy(), bytes(b))
    ek.histogram_entropy(x, 5, axis=0)
    ek.symbol_entropy(ints)
    ek.windowed_byte_entropy(b, 100, 10)
    assert (x == copies[0]).all() and (ints == copies[1]).all() and bytes(b) == copies[2]


def test_bins_that_are_not_numbers() -> None:
    for f in (ek.histogram_entropy, ref.histogram_entropy):
        with pytest.raises(TypeError, match="bins must be an int or a 1-d array"):
            f([1.0, 2.0], "auto")
        with pytest.raises(ValueError, match="1d"):
            f([1.0, 2.0], [[0.0, 1.0]])
