"""Entropy and mutual information of label arrays against their NumPy twins (hypothesis), against
scikit-learn's mutual_info_score, on every label type, edge cases and errors, and across thread
counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import entropykit as ek
from entropykit import InvalidDistributionError, reference

sklearn_metrics = pytest.importorskip("sklearn.metrics")

INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]
RTOL = 1e-12
ATOL = 1e-12


def close(got, want) -> None:
    assert type(got) is np.float64
    assert math.isclose(float(got), float(want), rel_tol=RTOL, abs_tol=ATOL), (got, want)


def sklearn_mi(x, y) -> float:
    # scikit-learn warns about float labels ("continuous values"); the value is what matters.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(sklearn_metrics.mutual_info_score(x, y))


@st.composite
def label_arrays(draw, n=None):
    """A 1-D label array of any supported kind, of length ``n`` (drawn if None)."""
    if n is None:
        n = draw(st.integers(1, 60))
    kind = draw(st.sampled_from(["int", "uint", "bool", "float", "str", "bytes", "object", "huge"]))
    k = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    codes = rng.integers(0, k, n)
    if kind == "int":
        dtype = draw(st.sampled_from([np.int8, np.int16, np.int32, np.int64]))
        return (codes - 3).astype(dtype)
    if kind == "uint":
        return codes.astype(draw(st.sampled_from([np.uint8, np.uint16, np.uint32, np.uint64])))
    if kind == "bool":
        return codes % 2 == 0
    if kind == "float":
        values = np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, 60000.0, 2.0**-24])
        return values[codes].astype(draw(st.sampled_from(FLOAT_DTYPES)))
    if kind == "huge":
        values = np.array([2**64 - 1, 2**63, 0, 2**64 - 2, 12345, 2**40, 7, 2**62], np.uint64)
        return values[codes]
    words = np.array(["", "a", "ab", "é", "b", "long label", "A", "zz"])
    if kind == "str":
        return words[codes]
    if kind == "bytes":
        return np.char.encode(words[codes], "utf-8")
    return words[codes].astype(object)


@st.composite
def label_pairs(draw):
    n = draw(st.integers(1, 60))
    return draw(label_arrays(n)), draw(label_arrays(n))


@given(x=label_arrays(), base=st.sampled_from([None, 2, math.e, 10]))
def test_entropy_matches_reference(x, base):
    close(ek.entropy_labels(x, base=base), reference.entropy_labels(x, base=base))


@given(xy=label_pairs(), base=st.sampled_from([None, 2, 10]))
def test_mutual_information_matches_reference_and_sklearn(xy, base):
    x, y = xy
    got = ek.mutual_information_labels(x, y, base=base)
    close(got, reference.mutual_information_labels(x, y, base=base))
    # scikit-learn rejects bytes and infinite labels; we take them as labels.
    if all(a.dtype.kind != "S" and not (a.dtype.kind == "f" and np.isinf(a).any()) for a in xy):
        scale = 1.0 if base is None else math.log(base)
        close(got, sklearn_mi(x, y) / scale)


@pytest.mark.parametrize(
    "case",
    ["ints", "negative", "uint64 near 2^64", "huge sparse", "strings", "mixed types", "dense"],
)
def test_against_sklearn_on_random_labels(case):
    rng = np.random.default_rng(abs(hash(case)) % 2**32)
    n = 20_000
    x = rng.integers(0, 300, n)
    y = (x + rng.integers(0, 20, n)) % 300
    if case == "negative":
        x, y = x - 10**12, -y
    elif case == "uint64 near 2^64":
        x = (np.uint64(2**64 - 1) - x.astype(np.uint64)).astype(np.uint64)
        y = y.astype(np.uint64) * np.uint64(2**55)
    elif case == "huge sparse":
        x = x * (2**50) - 2**62
        y = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)  # nearly all distinct
    elif case == "strings":
        x = np.array([f"label-{v}" for v in x])
        y = np.array([f"{v:x}" for v in y], dtype=object)
    elif case == "mixed types":
        x = x.astype(np.int16)
        y = np.array([str(v) for v in y])
    elif case == "dense":
        x, y = x % 7, (x + y) % 5
    want = sklearn_mi(x, y)
    close(ek.mutual_information_labels(x, y), want)
    close(reference.mutual_information_labels(x, y), want)


def test_large_input_threads_give_same_bits(restore_threads):
    rng = np.random.default_rng(5)
    n = 400_000
    cases = [
        (rng.integers(0, 1000, n), rng.integers(0, 900, n)),
        (rng.integers(0, 50, n) * 2**40, rng.integers(-5, 5, n)),
        (rng.integers(0, 10**9, n), rng.integers(0, 3, n)),
    ]
    words = np.array([f"w{i}" for i in range(3000)])
    cases.append((words[rng.integers(0, 3000, n)], words[rng.integers(0, 3000, n)]))
    for x, y in cases:
        results = []
        for threads in (1, 2, 3):
            ek.set_num_threads(threads)
            results.append(
                (ek.mutual_information_labels(x, y).tobytes(), ek.entropy_labels(x).tobytes())
            )
        assert results[0] == results[1] == results[2]
        close(ek.mutual_information_labels(x, y), sklearn_mi(x, y))
        close(ek.entropy_labels(x), reference.entropy_labels(x))


def test_every_integer_dtype_gives_the_same_result():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 100, 5000)
    y = (x // 3 + rng.integers(0, 4, 5000)) % 100
    want = ek.mutual_information_labels(x, y)
    for dtype in [*INT_DTYPES, np.float16, np.float32, np.float64]:
        assert ek.mutual_information_labels(x.astype(dtype), y) == want, dtype
        close(ek.entropy_labels(x.astype(dtype)), reference.entropy_labels(x))
    close(want, sklearn_mi(x, y))


def test_known_values_and_base():
    assert ek.entropy_labels([1, 1, 2, 2], base=2) == 1.0
    assert ek.entropy_labels(["x"] * 5) == 0.0
    close(ek.entropy_labels(list(range(10)), base=10), 1.0)
    mi = ek.mutual_information_labels([0, 0, 1, 1], [5, 5, 7, 7])
    close(mi, math.log(2))
    close(ek.mutual_information_labels([0, 0, 1, 1], [5, 5, 7, 7], base=2), 1.0)
    # Independent labels: exactly balanced counts give 0 (clamped if rounding goes below).
    assert ek.mutual_information_labels([0, 1, 0, 1], [0, 0, 1, 1]) == 0.0
    # A constant variable: exactly 0, as scikit-learn returns.
    assert ek.mutual_information_labels([3, 3, 3], [1, 2, 3]) == 0.0
    # MI of a variable with itself (relabelled) is its entropy.
    x = np.array([1, 2, 2, 3, 3, 3])
    close(ek.mutual_information_labels(x, x.astype(str)), ek.entropy_labels(x))


def test_float_labels_compare_by_value():
    x = np.array([0.0, -0.0, np.inf, -np.inf, 0.0, np.inf])
    same = np.array([0, 0, 1, 2, 0, 1])
    assert ek.entropy_labels(x) == ek.entropy_labels(same)
    close(ek.entropy_labels(x), reference.entropy_labels(x))
    close(ek.mutual_information_labels(x, same), ek.entropy_labels(same))


def test_bool_strided_and_byte_order_inputs():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 5, 2000)
    y = rng.integers(0, 2, 2000).astype(bool)
    want = reference.mutual_information_labels(x, y)
    close(ek.mutual_information_labels(x, y), want)
    close(ek.mutual_information_labels(x.reshape(-1, 2)[:, 0], y[::2]), sklearn_mi(x[::2], y[::2]))
    swapped = x.astype(">i8")
    close(ek.mutual_information_labels(swapped, y), want)
    words = np.array(["aa", "b", "aa", "cc"])
    close(ek.entropy_labels(words.astype(">U2")), reference.entropy_labels(words))
    close(ek.entropy_labels(words[::-1]), reference.entropy_labels(words))


def test_object_arrays_of_str_are_read_in_rust():
    class Name(str):
        pass

    words = ["a\ud800", "a\ud801", "é", Name("é"), "a\ud800", "", "b", "b"]
    x = np.array(words, dtype=object)
    want = reference.entropy_labels(np.array(words))
    close(ek.entropy_labels(x), want)
    close(ek.entropy_labels(x[::-1]), want)
    close(ek.entropy_labels(x[::2]), reference.entropy_labels(np.array(words[::2])))
    close(
        ek.mutual_information_labels(x, np.arange(8) % 3),
        reference.mutual_information_labels(np.array(words), np.arange(8) % 3),
    )
    # Unhashable entries are reported like any other entry that is not a str.
    bad = np.empty(2, dtype=object)
    bad[0], bad[1] = "a", [1]
    with pytest.raises(TypeError, match=r"x\[1\] is \[1\] of type list"):
        ek.entropy_labels(bad)


def test_inputs_are_not_modified():
    x = np.array([3.0, -0.0, 3.0])
    s = np.array(["a", "b", "a"])
    ek.mutual_information_labels(x, s)
    assert np.signbit(x[1]) and list(s) == ["a", "b", "a"]


def test_nan_labels_name_their_position():
    x = np.array([1.0, 2.0, np.nan, np.nan])
    for func in (ek.entropy_labels, reference.entropy_labels):
        with pytest.raises(InvalidDistributionError, match=r"x\[2\] is NaN") as info:
            func(x)
        assert info.value.index == (2,) and info.value.kind == "nan"
    for func in (ek.mutual_information_labels, reference.mutual_information_labels):
        with pytest.raises(InvalidDistributionError, match=r"y\[2\] is NaN"):
            func([1, 2, 3, 4], x)
        with pytest.raises(ValueError, match=r"x\[2\] is NaN"):
            func(x.astype(np.float32), [1, 2, 3, 4])
    big = np.zeros(300_000)
    big[123_456] = np.nan
    with pytest.raises(InvalidDistributionError, match=r"x\[123456\] is NaN"):
        ek.entropy_labels(big)


@pytest.mark.parametrize("module", [ek, reference])
def test_errors(module):
    with pytest.raises(ValueError, match="no labels"):
        module.entropy_labels([])
    with pytest.raises(ValueError, match="no labels"):
        module.mutual_information_labels(np.array([], dtype=int), np.array([], dtype=str))
    with pytest.raises(ValueError, match="x has 2 labels, y has 3"):
        module.mutual_information_labels([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="1-D"):
        module.entropy_labels([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="1-D"):
        module.entropy_labels(np.int64(3))
    with pytest.raises(ValueError, match="1-D"):
        module.mutual_information_labels([1, 2], [[1, 2]])
    with pytest.raises(TypeError, match="complex128"):
        module.entropy_labels(np.array([1j, 2j]))
    with pytest.raises(TypeError, match=r"x\[1\] is 2 of type int"):
        module.entropy_labels(np.array(["a", 2, None], dtype=object))
    with pytest.raises(TypeError, match=r"y\[0\] is None"):
        module.mutual_information_labels([1], np.array([None], dtype=object))
    for bad in (1, 0, -2, float("nan"), "2"):
        with pytest.raises(ValueError, match="base"):
            module.entropy_labels([1, 2], base=bad)


def test_gil_is_released_during_the_kernel(restore_threads):
    import threading
    import time

    ek.set_num_threads(1)
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2**40, 2_000_000)
    y = rng.integers(0, 1000, 2_000_000)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        start = time.perf_counter()
        ek.mutual_information_labels(x, y)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    # With the GIL held the ticker could not run at all while the kernel ran.
    assert len([t for t in ticks if start < t < end]) >= 2


@pytest.mark.parametrize("module_name", ["entropykit._labels", "entropykit.reference.labels"])
def test_docstring_examples_run(module_name):
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0
    assert failures == 0
