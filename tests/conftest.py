"""Shared fixtures and hypothesis profiles.

CI runs the bounded "ci" profile (set by .ci/run through HYPOTHESIS_PROFILE); "dev" explores more;
"fuzz" runs tests/test_fuzz.py at length, on demand.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# On demand, at length: tests/test_fuzz.py (`HYPOTHESIS_PROFILE=fuzz pytest -m fuzz`; README).
settings.register_profile(
    "fuzz",
    max_examples=3_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def restore_threads():
    """Restores entropykit's thread count after a test that changes it."""
    import entropykit as ek

    before = ek.get_num_threads()
    yield
    ek.set_num_threads(before)


def assert_same_result(got, want, rtol: float, atol: float | None = None) -> None:
    """Same shape, float64, and equal values (NaN equal to NaN, inf to inf)."""
    got_arr = np.asarray(got)
    want_arr = np.asarray(want)
    assert type(got) is type(want), (type(got), type(want))
    assert got_arr.dtype == np.float64 and want_arr.dtype == np.float64
    assert got_arr.shape == want_arr.shape
    np.testing.assert_allclose(got_arr, want_arr, rtol=rtol, atol=rtol if atol is None else atol)
