"""ENTROPYKIT_NUM_THREADS and ENTROPYKIT_SIMD values that cannot be used are reported at import
with a RuntimeWarning naming the variable and the accepted values (each case in a fresh
interpreter: both are read once per process)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import entropykit as ek

CODE = "import entropykit as ek; print(ek.simd_level(), ek.get_num_threads())"


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENTROPYKIT_")}
    # "-W error::RuntimeWarning" would turn the warning into an import failure; "default" shows
    # it once on stderr, as a user would see it.
    return subprocess.run(
        [sys.executable, "-W", "default::RuntimeWarning", "-c", CODE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.parametrize("value", ["abc", "0", "-2", "2.5", "+", "1e3"])
def test_unusable_thread_counts_warn(value):
    done = run({"ENTROPYKIT_NUM_THREADS": value})
    assert "RuntimeWarning" in done.stderr
    assert f"ENTROPYKIT_NUM_THREADS={value!r} is not a thread count" in done.stderr
    assert "accepted values are integers >= 1" in done.stderr
    assert int(done.stdout.split()[1]) >= 1  # the default: the number of CPUs


@pytest.mark.parametrize("value", ["3", " 3 ", "+3"])
def test_usable_thread_counts_do_not_warn(value):
    done = run({"ENTROPYKIT_NUM_THREADS": value})
    assert done.stderr == ""
    assert done.stdout.split()[1] == "3"


def test_an_empty_variable_counts_as_unset():
    done = run({"ENTROPYKIT_NUM_THREADS": "", "ENTROPYKIT_SIMD": ""})
    assert done.stderr == ""


@pytest.mark.parametrize("value", ["bogus", "avx", "sse2", "native"])
def test_unknown_simd_levels_warn_with_the_accepted_values(value):
    done = run({"ENTROPYKIT_SIMD": value})
    assert f"ENTROPYKIT_SIMD={value!r} is not a SIMD level" in done.stderr
    assert "accepted values are scalar, neon, avx2, avx512" in done.stderr
    assert done.stdout.split()[0] == ek.available_simd_levels()[-1]


def test_a_level_this_cpu_lacks_warns_naming_the_ones_it_has():
    missing = [
        lv for lv in ("scalar", "neon", "avx2", "avx512") if lv not in ek.available_simd_levels()
    ]
    if not missing:
        pytest.skip("this CPU has every level")
    done = run({"ENTROPYKIT_SIMD": missing[0]})
    assert f"ENTROPYKIT_SIMD={missing[0]!r} is not a level this CPU supports" in done.stderr
    assert ", ".join(ek.available_simd_levels()) in done.stderr


@pytest.mark.parametrize("level", ek.available_simd_levels())
def test_every_available_level_is_taken_silently(level):
    done = run({"ENTROPYKIT_SIMD": level.upper()})
    assert done.stderr == ""
    assert done.stdout.split()[0] == level
