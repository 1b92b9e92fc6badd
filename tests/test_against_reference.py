"""The Rust path equals its NumPy twin on generated inputs: shapes, axes, keepdims, broadcasting,
strides, dtypes, NaN policies and bases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import entropykit as ek
from conftest import assert_same_result
from entropykit import reference

MEASURES = ["entropy", "cross_entropy", "kl_divergence"]
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8, np.float16]


def values(dtype) -> st.SearchStrategy:
    """Non-negative entries, zeros often, in a range every dtype holds exactly enough."""
    if np.issubdtype(dtype, np.integer):
        top = min(np.iinfo(dtype).max, 10**6)
        return st.integers(0, top) | st.just(0)
    top = 1e3 if dtype == np.float16 else 1e6
    return st.floats(0, top, allow_nan=False, width=np.finfo(dtype).bits) | st.just(0.0)


def tolerance(*dtypes) -> float:
    low = any(np.dtype(d) in (np.dtype(np.float32), np.dtype(np.float16)) for d in dtypes)
    return 1e-6 if low else 1e-12


@st.composite
def axis_for(draw, ndim: int):
    if ndim == 0:
        return None
    choice = draw(st.sampled_from(["int", "neg", "tuple", "none"]))
    if choice == "none":
        return None
    if choice == "tuple":
        axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        return tuple(axes)
    a = draw(st.integers(0, ndim - 1))
    return a - ndim if choice == "neg" else a


@st.composite
def strided(draw, arr: np.ndarray) -> np.ndarray:
    """The same values, seen through a view with unusual strides."""
    kind = draw(st.sampled_from(["plain", "reversed", "fortran", "step", "readonly"]))
    if kind == "reversed" and arr.ndim:
        return arr[..., ::-1]
    if kind == "fortran":
        return np.asfortranarray(arr)
    if kind == "step" and arr.ndim:
        wide = np.repeat(arr, 2, axis=-1)
        return wide[..., ::2]
    if kind == "readonly":
        arr = arr.copy()
        arr.flags.writeable = False
    return arr


@st.composite
def cases(draw, binary: bool):
    p_dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=9))
    p = draw(hnp.arrays(p_dtype, shape, elements=values(p_dtype)))
    p = draw(strided(p))
    q = None
    if binary:
        q_dtype = draw(st.sampled_from([p_dtype, *DTYPES]))
        # Broadcasting: q drops leading dimensions and/or has size-1 ones.
        drop = draw(st.integers(0, len(shape)))
        q_shape = tuple(1 if draw(st.booleans()) else n for n in shape[drop:])
        q = draw(hnp.arrays(q_dtype, q_shape, elements=values(q_dtype)))
        q = draw(strided(q))
    kwargs = {
        "axis": draw(axis_for(len(shape))),
        "keepdims": draw(st.booleans()),
        "normalize": draw(st.booleans()),
        "base": draw(st.sampled_from([None, 2, 10.0, np.e, 0.5])),
    }
    return p, q, kwargs


def call(module, name, p, q, kwargs):
    args = (p,) if q is None else (p, q)
    try:
        return getattr(module, name)(*args, **kwargs), None
    except (ValueError, TypeError) as error:
        return None, error


def check(name: str, p, q, kwargs) -> None:
    p_before = np.array(p, copy=True)
    q_before = None if q is None else np.array(q, copy=True)
    got, got_error = call(ek, name, p, q, kwargs)
    want, want_error = call(reference, name, p, q, kwargs)
    if want_error is not None or got_error is not None:
        assert type(got_error) is type(want_error), (got_error, want_error)
        assert str(got_error) == str(want_error)
        return
    rtol = tolerance(p.dtype, *(() if q is None else (q.dtype,)))
    atol = rtol
    if rtol > 1e-12 and not kwargs["normalize"]:
        # float32 logs carry ~1e-8 absolute error each, so an unnormalised sum of p log(p/q) can
        # lose that much times the mass when p ~ q cancels: the error scales with sum p, not with
        # the result.
        atol = rtol * max(1.0, float(np.sum(p, dtype=np.float64)))
    assert_same_result(got, want, rtol=rtol, atol=atol)
    # Inputs are never modified.
    np.testing.assert_array_equal(p, p_before)
    if q is not None:
        np.testing.assert_array_equal(q, q_before)


@given(cases(binary=False))
def test_entropy_matches_reference(case):
    check("entropy", *case)


@pytest.mark.parametrize("name", ["cross_entropy", "kl_divergence"])
@given(case=cases(binary=True))
def test_two_argument_measures_match_reference(name, case):
    check(name, *case)


@st.composite
def with_nans(draw, binary: bool):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=12))
    elements = st.floats(0, 100, allow_nan=False) | st.just(0.0) | st.just(np.nan)
    p = draw(hnp.arrays(np.float64, shape, elements=elements))
    q = draw(hnp.arrays(np.float64, shape, elements=elements)) if binary else None
    policy = draw(st.sampled_from(["propagate", "raise", "omit"]))
    return p, q, {"nan_policy": policy, "normalize": draw(st.booleans())}


@pytest.mark.parametrize("name", MEASURES)
@given(case=with_nans(binary=True))
def test_nan_policies_match_reference(name, case):
    p, q, kwargs = case
    check(name, p, None if name == "entropy" else q, kwargs)


@st.composite
def with_bad_entries(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    elements = st.sampled_from([0.0, 1.0, 2.5, -1.0, np.inf, -np.inf, np.nan])
    p = draw(hnp.arrays(np.float64, shape, elements=elements))
    q = draw(hnp.arrays(np.float64, shape, elements=elements))
    return (
        p,
        q,
        {
            "axis": draw(axis_for(len(shape))),
            "nan_policy": draw(st.sampled_from(["propagate", "raise", "omit"])),
        },
    )


@pytest.mark.parametrize("name", MEASURES)
@given(case=with_bad_entries())
def test_errors_match_reference(name, case):
    """Same exception type and the same message (which names the first offending entry)."""
    p, q, kwargs = case
    check(name, p, None if name == "entropy" else q, kwargs)
