"""Agreement with SciPy on valid input; thread-count and SIMD-level independence; the docstring
examples."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import entropykit as ek
from conftest import assert_same_result
from entropykit import _core, reference

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")


@given(
    p=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=8),
        elements=st.floats(0.0, 1e4) | st.just(0.0),
    ),
    base=st.sampled_from([None, 2.0, 10.0]),
)
def test_entropy_agrees_with_scipy(p, base):
    p = p + 1e-3  # strictly positive mass: SciPy returns NaN where we raise
    axis = p.ndim - 1
    want = scipy_stats.entropy(p, base=base, axis=axis)
    assert_same_result(
        ek.entropy(p, base=base, axis=axis), np.float64(want) if p.ndim == 1 else want, rtol=1e-12
    )


@given(
    pq=st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, n, elements=st.floats(0.0, 1e4)),
            hnp.arrays(np.float64, n, elements=st.floats(1e-3, 1e4)),
        )
    )
)
def test_kl_and_cross_entropy_agree_with_scipy(pq):
    p, q = pq
    p = p + 1e-3
    assert ek.kl_divergence(p, q) == pytest.approx(scipy_stats.entropy(p, q), rel=1e-12, abs=1e-12)
    pn, qn = p / p.sum(), q / q.sum()
    want_ce = -np.sum(scipy_special.xlogy(pn, qn))
    assert ek.cross_entropy(p, q) == pytest.approx(want_ce, rel=1e-12, abs=1e-12)
    raw = np.sum(scipy_special.rel_entr(p, q))
    assert ek.kl_divergence(p, q, normalize=False) == pytest.approx(raw, rel=1e-12, abs=1e-9)


def test_where_scipy_is_silently_wrong_we_raise():
    # SciPy returns a number (or -inf) for negative input; we name the entry instead.
    with pytest.raises(ek.InvalidDistributionError, match=r"p\[1\]"):
        ek.entropy([1.0, -0.5, 2.0])


def _big_inputs():
    rng = np.random.default_rng(1)
    p64 = rng.random(600_001)
    q64 = rng.random(600_001) + 0.01
    batch = rng.random((3000, 257))
    return {
        "long64": (p64, q64),
        "long32": (p64.astype(np.float32), q64.astype(np.float32)),
        "batch": (batch, q64[:257]),
        "batch_axis0": (batch.T, None),
    }


def _all_results():
    out = {}
    for name, (p, q) in _big_inputs().items():
        axis = 0 if name == "batch_axis0" else -1
        out[name, "entropy"] = ek.entropy(p, axis=axis)
        if q is not None:
            out[name, "kl"] = ek.kl_divergence(p, q)
            out[name, "ce"] = ek.cross_entropy(p, q)
    return out


@pytest.mark.timeout(120)
def test_bit_identical_for_1_2_3_and_8_threads(restore_threads):
    results = []
    for threads in (1, 2, 3, 8):
        ek.set_num_threads(threads)
        assert ek.get_num_threads() == threads
        results.append(_all_results())
    for other in results[1:]:
        for key, value in results[0].items():
            assert np.asarray(value).tobytes() == np.asarray(other[key]).tobytes(), key


def test_bad_thread_counts(restore_threads):
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="set_num_threads"):
            ek.set_num_threads(bad)


@pytest.fixture
def restore_simd():
    before = ek.simd_level()
    yield
    _core.set_simd_level(before)


@pytest.mark.parametrize("level", ek.available_simd_levels())
def test_every_simd_level_matches_reference(level, restore_simd):
    _core.set_simd_level(level)
    assert ek.simd_level() == level
    rng = np.random.default_rng(2)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-6)):
        p = rng.random((7, 1001)).astype(dtype)
        p[:, ::5] = 0
        q = (rng.random(1001) + 0.01).astype(dtype)
        for name, args in (("entropy", (p,)), ("kl_divergence", (p, q)), ("cross_entropy", (p, q))):
            assert_same_result(getattr(ek, name)(*args), getattr(reference, name)(*args), rtol=rtol)
        bad = p.copy()
        bad[3, 17] = -1
        with pytest.raises(ek.InvalidDistributionError, match=r"p\[3, 17\]"):
            ek.entropy(bad)


def test_unknown_simd_level_is_refused(restore_simd):
    with pytest.raises(ValueError, match="unknown SIMD level"):
        _core.set_simd_level("sse9")


def _run_child(env_updates: dict[str, str]) -> str:
    env = {**os.environ, **env_updates}
    code = "import entropykit as ek; print(ek.simd_level(), ek.get_num_threads())"
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout.strip() + done.stderr


def test_environment_variables_force_level_and_threads():
    assert _run_child({"ENTROPYKIT_SIMD": "scalar", "ENTROPYKIT_NUM_THREADS": "3"}) == "scalar 3"
    # An unsupported request falls back to the best level with a warning.
    unsupported = "neon" if "neon" not in ek.available_simd_levels() else "avx512"
    if unsupported not in ek.available_simd_levels():
        assert "RuntimeWarning" in _run_child({"ENTROPYKIT_SIMD": unsupported})


def test_fork_child_can_compute(restore_threads):
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    ek.set_num_threads(2)
    p = np.random.default_rng(3).random(2_000_000)
    want = ek.entropy(p)  # the pool now exists in the parent
    code = (
        "import os, sys, numpy as np, entropykit as ek\n"
        "ek.set_num_threads(2)\n"
        "p = np.random.default_rng(3).random(2_000_000)\n"
        "ek.entropy(p)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    v = ek.entropy(p)\n"
        "    os._exit(0 if v == ek.entropy(p) else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=60, check=False)
    assert done.returncode == 0
    assert ek.entropy(p) == want


def test_gil_is_released_during_kernels(restore_threads):
    import threading
    import time

    ek.set_num_threads(1)
    p = np.random.default_rng(4).random(20_000_000)
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
        ek.entropy(p)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if start < t < end]
    # With the GIL held the ticker could not run at all while the kernel ran.
    assert len(during) >= 2


@pytest.mark.parametrize(
    "module_name",
    ["entropykit", "entropykit._api", "entropykit.reference", "entropykit.reference.core"],
)
def test_docstring_examples_run(module_name):
    import importlib

    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0
    assert failures == 0
