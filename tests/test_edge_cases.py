"""The semantic contract, rule by rule, on both paths (Rust and the NumPy reference)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import entropykit as ek
from conftest import assert_same_result
from entropykit import InvalidDistributionError, reference

BOTH = pytest.mark.parametrize("mod", [ek, reference], ids=["rust", "reference"])
LN2 = math.log(2)


def call(mod, name, *args, **kwargs):
    return getattr(mod, name)(*args, **kwargs)


# ---------------------------------------------------------------- values and edge rules


@BOTH
def test_zero_log_zero_is_zero(mod):
    assert mod.entropy([1.0, 0.0, 0.0]) == 0.0
    assert mod.entropy([0.5, 0.0, 0.5], base=2) == pytest.approx(1.0, rel=1e-15)


@BOTH
def test_p_zero_term_is_zero_whatever_q(mod):
    assert mod.kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert mod.cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0


@BOTH
@pytest.mark.parametrize("name", ["kl_divergence", "cross_entropy"])
def test_q_zero_where_p_positive_is_inf(mod, name):
    assert call(mod, name, [0.5, 0.5], [1.0, 0.0]) == np.inf
    assert call(mod, name, [0.5, 0.5], [1.0, 0.0], normalize=False) == np.inf


@BOTH
def test_cross_entropy_is_entropy_plus_kl(mod):
    p, q = np.array([0.1, 0.2, 0.7]), np.array([0.3, 0.3, 0.4])
    assert mod.cross_entropy(p, q) == pytest.approx(mod.entropy(p) + mod.kl_divergence(p, q))


@BOTH
def test_sums_that_overflow_still_give_the_right_answer(mod):
    assert mod.entropy([1e308, 1e308]) == pytest.approx(LN2, rel=1e-14)
    assert mod.entropy(np.array([3e38, 3e38], dtype=np.float32)) == pytest.approx(LN2, rel=1e-6)
    want = reference.kl_divergence([1.0, 1.0], [1.0, 3.0])
    assert mod.kl_divergence([1e308, 1e308], [1.0, 3.0]) == pytest.approx(want, rel=1e-13)
    want = reference.kl_divergence([1.0, 1.0], [2.0, 3.0])
    assert mod.kl_divergence([1.0, 1.0], [1.0e308, 1.5e308]) == pytest.approx(want, rel=1e-13)


@BOTH
def test_subnormal_distributions(mod):
    assert mod.entropy([5e-324, 5e-324]) == pytest.approx(LN2, rel=1e-12)


@BOTH
def test_integer_counts_are_exact_and_never_wrap(mod):
    assert mod.entropy(np.array([2**62, 2**62])) == pytest.approx(LN2, rel=1e-13)
    assert mod.entropy(np.array([2**63, 2**63], dtype=np.uint64)) == pytest.approx(LN2, rel=1e-13)
    for dtype in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32):
        assert mod.entropy(np.array([3, 1, 0, 4], dtype=dtype)) == pytest.approx(
            reference.entropy(np.array([3.0, 1.0, 0.0, 4.0])), rel=1e-13
        )


@BOTH
def test_normalize_false_takes_entries_as_given(mod):
    p = np.array([0.2, 0.3])
    assert mod.entropy(p, normalize=False) == pytest.approx(
        -(0.2 * math.log(0.2) + 0.3 * math.log(0.3))
    )
    q = np.array([0.5, 0.1])
    want = 0.2 * math.log(0.2 / 0.5) + 0.3 * math.log(0.3 / 0.1)
    assert mod.kl_divergence(p, q, normalize=False) == pytest.approx(want)
    assert mod.entropy([], normalize=False) == 0.0


@BOTH
def test_base(mod):
    p = [1, 1, 1, 1, 1, 1, 1, 1]
    assert mod.entropy(p, base=2) == pytest.approx(3.0, rel=1e-15)
    assert mod.entropy(p, base=8) == pytest.approx(1.0, rel=1e-15)
    assert mod.entropy(p, base=np.float32(2)) == pytest.approx(3.0, rel=1e-15)
    for bad in (1, 1.0, 0, -2, np.inf, np.nan, "2", True, [2]):
        with pytest.raises(ValueError, match="base"):
            mod.entropy(p, base=bad)


@BOTH
def test_results_are_float64_for_every_dtype(mod):
    for dtype in (np.float16, np.float32, np.float64, np.int32, np.uint8):
        out = mod.entropy(np.ones((3, 4), dtype=dtype))
        assert out.dtype == np.float64
        full = mod.entropy(np.ones(4, dtype=dtype))
        assert type(full) is np.float64


# ---------------------------------------------------------------- shapes


@BOTH
def test_axis_keepdims_and_full_reduction(mod):
    p = np.arange(24, dtype=float).reshape(2, 3, 4) + 1
    assert mod.entropy(p).shape == (2, 3)
    assert mod.entropy(p, axis=0).shape == (3, 4)
    assert mod.entropy(p, axis=(0, 2)).shape == (3,)
    assert mod.entropy(p, axis=(2, 0)).shape == (3,)
    assert mod.entropy(p, axis=1, keepdims=True).shape == (2, 1, 4)
    assert mod.entropy(p, axis=None, keepdims=True).shape == (1, 1, 1)
    assert type(mod.entropy(p, axis=None)) is np.float64
    assert mod.entropy(p, axis=None) == pytest.approx(reference.entropy(p.ravel()))
    flat_01 = p.transpose(2, 0, 1).reshape(4, 6)
    np.testing.assert_allclose(mod.entropy(p, axis=(0, 1)), reference.entropy(flat_01), rtol=1e-13)


@BOTH
def test_bad_axes(mod):
    p = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError):
        mod.entropy(p, axis=2)
    with pytest.raises(ValueError, match="repeats"):
        mod.entropy(p, axis=(0, -2))
    with pytest.raises(TypeError, match="axis"):
        mod.entropy(p, axis=1.0)
    with pytest.raises(np.exceptions.AxisError):
        mod.entropy(np.float64(1.0))  # a 0-d array has no axis -1


@BOTH
def test_broadcasting(mod):
    p = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    q = np.array([1.0, 1.0, 2.0])
    out = mod.kl_divergence(p, q)
    assert out.shape == (2,)
    assert out[1] == pytest.approx(reference.kl_divergence(p[1], q), rel=1e-13)
    col = np.array([[1.0], [2.0]])
    assert mod.cross_entropy(col, p, axis=0).shape == (3,)
    with pytest.raises(ValueError, match="do not broadcast"):
        mod.kl_divergence(np.ones((2, 3)), np.ones(4))


@BOTH
def test_empty_batches_give_empty_results(mod):
    assert mod.entropy(np.ones((0, 5))).shape == (0,)
    assert mod.kl_divergence(np.ones((0, 5)), np.ones(5)).shape == (0,)
    assert mod.entropy(np.ones((3, 0, 5)), axis=-1, keepdims=True).shape == (3, 0, 1)


@BOTH
def test_lists_and_array_likes(mod):
    assert mod.entropy([[1, 1], [1, 3]]).shape == (2,)
    assert mod.entropy((0.5, 0.5)) == pytest.approx(LN2)


# ---------------------------------------------------------------- layouts


def test_strided_fortran_negative_readonly_and_broadcast_views_match_copies():
    rng = np.random.default_rng(5)
    base = rng.random((40, 30))
    views = {
        "transposed": base.T,
        "fortran": np.asfortranarray(base),
        "negative": base[::-1, ::-2],
        "step": base[::3, 1::2],
        "broadcast": np.broadcast_to(base[0], (25, 30)),
    }
    readonly = base.copy()
    readonly.flags.writeable = False
    views["readonly"] = readonly
    for name, view in views.items():
        for axis in (0, 1, None):
            got = ek.entropy(view, axis=axis)
            want = ek.entropy(np.ascontiguousarray(view), axis=axis)
            # Same order of summation whatever the layout: identical bits.
            assert np.array_equal(got, want), name
            assert_same_result(got, reference.entropy(view, axis=axis), rtol=1e-12)


def test_big_endian_and_unaligned_inputs():
    p = np.array([0.1, 0.2, 0.7], dtype=">f8")
    assert ek.entropy(p) == pytest.approx(reference.entropy(p.astype(float)))
    raw = np.zeros(3 * 8 + 1, dtype=np.uint8)
    unaligned = raw[1:].view(np.float64)
    unaligned[:] = [0.1, 0.2, 0.7]
    assert not unaligned.flags.aligned
    assert ek.entropy(unaligned) == pytest.approx(reference.entropy([0.1, 0.2, 0.7]))


@pytest.mark.parametrize("name", ["entropy", "cross_entropy", "kl_divergence"])
def test_inputs_are_never_modified(name):
    p = np.array([[3.0, 0.0, 1.0], [np.nan, 2.0, 2.0]])
    q = np.array([1.0, np.nan, 2.0])
    p0, q0 = p.copy(), q.copy()
    args = (p,) if name == "entropy" else (p, q)
    for policy in ("propagate", "omit"):
        call(ek, name, *args, nan_policy=policy)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(q, q0)


# ---------------------------------------------------------------- dtypes


@BOTH
@pytest.mark.parametrize(
    "bad",
    [
        np.array([True, False]),
        np.array([1 + 1j]),
        np.array([1.0], dtype=object),
        np.array(["a"]),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        np.array([1], dtype="timedelta64[s]"),
    ],
    ids=["bool", "complex", "object", "str", "datetime", "timedelta"],
)
def test_unsupported_dtypes_are_type_errors_naming_the_dtype(mod, bad):
    with pytest.raises(TypeError, match=re.escape(str(bad.dtype))):
        mod.entropy(bad)
    with pytest.raises(TypeError, match="q has dtype"):
        mod.kl_divergence([1.0], bad)


def test_float16_and_mixed_dtypes():
    p16 = np.array([0.1, 0.2, 0.7], dtype=np.float16)
    assert ek.entropy(p16) == pytest.approx(reference.entropy(p16), rel=1e-6)
    p32 = np.array([1, 2, 3], dtype=np.float32)
    q64 = np.array([1, 1, 1], dtype=np.float64)
    assert ek.kl_divergence(p32, q64) == pytest.approx(reference.kl_divergence(p32, q64), rel=1e-12)
    counts = np.array([4, 0, 1], dtype=np.int64)
    q32 = np.array([0.5, 0.25, 0.25], dtype=np.float32)
    assert ek.cross_entropy(counts, q32) == pytest.approx(
        reference.cross_entropy(counts, q32), rel=1e-12
    )


# ---------------------------------------------------------------- errors


def both_raise(exc, name, *args, **kwargs):
    """Both paths raise `exc` with the same message; returns the Rust path's exception."""
    errors = []
    for mod in (ek, reference):
        with pytest.raises(exc) as info:
            call(mod, name, *args, **kwargs)
        errors.append(info.value)
    assert str(errors[0]) == str(errors[1])
    return errors[0]


def test_negative_entry_names_argument_and_index():
    p = np.ones((3, 4))
    p[2, 1] = -0.5
    p[2, 3] = -2
    err = both_raise(InvalidDistributionError, "entropy", p)
    assert isinstance(err, ValueError)
    assert (err.kind, err.arg, err.index) == ("negative", "p", (2, 1))
    assert "p[2, 1] = -0.5 is negative" in str(err)


def test_infinite_entry_in_q_with_broadcasting_is_located_in_q_itself():
    p = np.ones((3, 4))
    q = np.ones(4)
    q[3] = np.inf
    err = both_raise(InvalidDistributionError, "kl_divergence", p, q)
    assert (err.kind, err.arg, err.index) == ("infinite", "q", (3,))
    q[3] = -np.inf
    err = both_raise(InvalidDistributionError, "cross_entropy", p, q)
    assert (err.kind, err.index) == ("infinite", (3,))


def test_first_offending_distribution_wins_and_p_before_q():
    p = np.ones((4, 3))
    q = np.ones((4, 3))
    p[2, 0] = -1
    q[1, 2] = -1
    q[2, 0] = -1
    err = both_raise(InvalidDistributionError, "kl_divergence", p, q)
    assert (err.arg, err.index) == ("q", (1, 2))
    q[1, 2] = 1
    err = both_raise(InvalidDistributionError, "kl_divergence", p, q)
    assert (err.arg, err.index) == ("p", (2, 0))


def test_error_index_with_axis_zero_and_tuples():
    p = np.ones((3, 5))
    p[1, 4] = -1
    err = both_raise(InvalidDistributionError, "entropy", p, axis=0)
    assert err.index == (1, 4)
    p3 = np.ones((2, 3, 4))
    p3[1, 2, 0] = np.inf
    err = both_raise(InvalidDistributionError, "entropy", p3, axis=(0, 2))
    assert err.index == (1, 2, 0)


def test_zero_mass_names_the_distribution():
    p = np.ones((2, 3, 4))
    p[1, 2] = 0
    err = both_raise(InvalidDistributionError, "entropy", p)
    assert (err.kind, err.arg, err.index) == ("zero_mass", "p", (1, 2))
    assert "zero total mass" in str(err)
    err = both_raise(InvalidDistributionError, "kl_divergence", [1.0, 2.0], [0.0, 0.0])
    assert (err.kind, err.arg) == ("zero_mass", "q")
    err = both_raise(InvalidDistributionError, "entropy", [])
    assert err.kind == "zero_mass"
    # Without normalisation zero mass is fine.
    assert ek.entropy([0.0, 0.0], normalize=False) == 0.0


def test_nan_policies():
    p = np.array([[0.5, np.nan, 0.5], [0.2, 0.3, 0.5]])
    out = ek.entropy(p)
    assert np.isnan(out[0]) and out[1] == pytest.approx(reference.entropy(p[1]))
    err = both_raise(InvalidDistributionError, "entropy", p, nan_policy="raise")
    assert (err.kind, err.index) == ("nan", (0, 1))
    assert ek.entropy(p, nan_policy="omit")[0] == pytest.approx(LN2)
    # Pairwise omission for two arguments, as SciPy does.
    pp = np.array([1.0, np.nan, 3.0, 1.0])
    qq = np.array([2.0, -5.0, 1.0, np.nan])
    want = reference.kl_divergence([1.0, 3.0], [2.0, 1.0])
    assert ek.kl_divergence(pp, qq, nan_policy="omit") == pytest.approx(want, rel=1e-13)
    assert np.isnan(ek.kl_divergence([1.0, 2.0], [np.nan, 1.0]))
    both_raise(InvalidDistributionError, "entropy", [np.nan], nan_policy="omit")  # nothing left
    both_raise(ValueError, "entropy", p, nan_policy="ignore")


def test_negative_entries_raise_even_next_to_nan():
    err = both_raise(InvalidDistributionError, "entropy", [np.nan, -1.0])
    assert err.index == (1,)


# ---------------------------------------------------------------- exact where users look (issue 12)


@pytest.fixture
def every_level_and_thread_count(restore_threads):
    """Calls ``run()`` on every SIMD level with 1, 2 and 3 threads; checks that the bits do not
    depend on the thread count and returns the results of the last level."""
    from entropykit import _core

    def each(run):
        before = _core.simd_level()
        results = None
        try:
            for level in _core.available_simd_levels():
                _core.set_simd_level(level)
                bits = []
                for threads in (1, 2, 3):
                    ek.set_num_threads(threads)
                    results = np.asarray(run(), dtype=np.float64)
                    bits.append(results.view(np.uint64).copy())
                for other in bits[1:]:
                    np.testing.assert_array_equal(other, bits[0], err_msg=level)
        finally:
            _core.set_simd_level(before)
        return results

    return each


MAGNITUDES = [1.0, 3.0, 0.1, 2.0**62, 1e300, np.finfo(np.float64).max, 1e-300, 5e-324, 3e-310]
F32_MAGNITUDES = [3.0, 0.1, np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, 1e-40]


def one_hot_rows(dtype, values, n, at):
    rows = np.zeros((len(values), n), dtype=dtype)
    rows[:, at] = np.asarray(values, dtype=dtype)
    return rows


@BOTH
@pytest.mark.parametrize("n", [1, 7, 300, 5000])
def test_one_positive_entry_is_exactly_zero(mod, n, every_level_and_thread_count):
    cases = [
        (np.float64, MAGNITUDES),
        (np.float32, F32_MAGNITUDES),
        (np.float16, [3.0, 65504.0, 6e-8]),
        (np.int64, [1, 3, 2**62, 2**63 - 1]),
        (np.uint8, [1, 3, 255]),
    ]

    def run():
        out = []
        for dtype, values in cases:
            for at in sorted({0, n // 2, n - 1}):
                h = mod.entropy(one_hot_rows(dtype, values, n, at))
                assert np.all(h == 0.0) and not np.any(np.signbit(h)), (dtype, at, h)
                out.extend(h)
        return out

    if mod is ek:
        every_level_and_thread_count(run)
    else:
        run()


@BOTH
def test_random_one_column_rows_are_exactly_zero(mod, every_level_and_thread_count):
    rng = np.random.default_rng(12)
    rows = rng.random((10_000, 1)) * 2.0 ** rng.integers(-1000, 1000, (10_000, 1))
    small = rows[(rows > 1e-44) & (rows < 3e38)]
    rows32 = small.astype(np.float32)[:, None]

    def run():
        out = []
        for p in (rows, rows32):
            h = mod.entropy(p)
            assert np.count_nonzero(h) == 0 and not np.any(np.signbit(h))
            out.extend(h)
        return out

    if mod is ek:
        every_level_and_thread_count(run)
    else:
        run()


@BOTH
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_negative_zero_entries_count_as_zero(mod, dtype, every_level_and_thread_count):
    # -0.0 sets a sign bit, which the kernels' cheap check flags; the rescan must clear it and
    # give the bits of +0.0, not an error or NaN.
    rng = np.random.default_rng(5)
    p = rng.random(5000).astype(dtype)
    q = rng.random(5000).astype(dtype) + dtype(0.1)
    p[::7] = 0.0
    p_neg = p.copy()
    p_neg[::7] = -0.0
    q_neg = q.copy()
    q_neg[3] = -0.0
    short = np.array([-0.0, 1.0, 3.0], dtype=dtype)

    def run():
        out = []
        for name, args, neg_args in [
            ("entropy", (p,), (p_neg,)),
            ("entropy", (np.abs(short),), (short,)),
            ("cross_entropy", (p, q), (p_neg, q)),
            ("kl_divergence", (p, q), (p_neg, q)),
            ("js_divergence", (p, q), (p_neg, q)),
            ("kl_divergence", (p, np.abs(q_neg)), (p, q_neg)),
        ]:
            want, got = call(mod, name, *args), call(mod, name, *neg_args)
            assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), (name, got, want)
            out.append(got)
        return out

    if mod is ek:
        every_level_and_thread_count(run)
    else:
        run()


@pytest.mark.parametrize("n", [2, 3, 7, 1000, 4097])
def test_equal_entries_are_ln_n_within_4_ulp(n, every_level_and_thread_count):
    ln_n = math.log(n)

    def run():
        out = []
        cases = [np.full(n, x) for x in MAGNITUDES]
        cases += [np.full(n, 2**62, dtype=np.int64), np.full(n, 7, dtype=np.uint8)]
        # float32's powers of two (the smallest normal, the smallest subnormal, 2^127).
        cases += [np.full(n, x, dtype=np.float32) for x in (1.1754944e-38, 1e-45, 2.0**127)]
        for p in cases:
            h = float(ek.entropy(p))
            assert abs(h - ln_n) <= 4 * math.ulp(ln_n), (p[0], p.dtype, h, ln_n)
            out.append(h)
        # Other float32 entries carry float32 logs (about 1e-8 of the mantissa's log).
        for x in F32_MAGNITUDES:
            h = float(ek.entropy(np.full(n, x, dtype=np.float32)))
            assert h == pytest.approx(ln_n, rel=1e-7), (x, h)
            out.append(h)
        return out

    every_level_and_thread_count(run)


@BOTH
def test_equal_entries_on_the_reference_too(mod):
    for x in MAGNITUDES:
        assert float(mod.entropy(np.full(3, x))) == pytest.approx(math.log(3), rel=1e-12), x
    assert float(mod.entropy(np.array([2**62, 2**62]))) == pytest.approx(LN2, rel=1e-12)


@BOTH
def test_empty_and_zero_sums_are_plus_zero(mod, every_level_and_thread_count):
    empty = np.array([])

    def run():
        out = []
        values = [
            mod.entropy(empty, normalize=False),
            mod.cross_entropy(empty, empty, normalize=False),
            mod.kl_divergence(empty, empty, normalize=False),
            mod.entropy([0.0, 0.0], normalize=False),
            mod.entropy([1.0, 0.0], normalize=False),
            mod.cross_entropy([1.0, 0.0], [1.0, 3.0], normalize=False),
            mod.kl_divergence([0.3, 0.7], [0.3, 0.7]),
            mod.kl_divergence([0.3, 0.7], [0.3, 0.7], normalize=False),
            mod.cross_entropy([1.0, 0.0], [2.0, 0.0]),
            mod.entropy([0.0, 7.0], base=0.5),
            mod.kl_divergence([1.0, 2.0], [2.0, 4.0], base=0.5),
            mod.entropy(np.zeros((0, 5))).sum(),
        ]
        for i, value in enumerate(values):
            assert value == 0.0 and not np.signbit(value), (i, value)
            out.append(value)
        return out

    if mod is ek:
        every_level_and_thread_count(run)
    else:
        run()


@pytest.mark.parametrize("name", ["cross_entropy", "kl_divergence"])
def test_binary_measures_do_not_depend_on_scale(name, every_level_and_thread_count):
    rng = np.random.default_rng(3)
    p, q = rng.random(3000), rng.random(3000) + 0.01
    want = getattr(reference, name)(p, q)

    def run():
        out = []
        for scale in (2.0**62, 2.0**-1000, 2.0**1000, 1e300):
            got = getattr(ek, name)(p * scale, q / math.sqrt(scale))
            assert got == pytest.approx(want, rel=1e-14), scale
            out.append(got)
        return out

    every_level_and_thread_count(run)
