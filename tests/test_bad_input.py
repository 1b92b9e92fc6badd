"""Bad input, class by class (the README's table "Bad input, and what it gets"), on both paths.

Each row of ``ROWS`` is one class of bad input; it is tried on every function group it applies
to, through one representative argument per function (``FUNCS``), and must raise the same
exception type on the Rust path and on the NumPy twin, with a message naming the function, the
argument and, where the input has one, the position (``p[1, 1]``, "the distribution at index
(1,)"). Rows whose input is legal for a group (negative logits, NaN under "propagate") check the
documented value instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import entropykit as ek
from entropykit import InvalidDistributionError, reference

GOOD = np.array([[0.5, 0.5], [0.5, 0.5]])


def partner(x: Any, fill: Any = 0.5) -> Any:
    """The other argument of a two-argument function: ``x``'s shape when it has one."""
    shape = np.shape(x) if isinstance(x, (np.ndarray, np.generic)) else (2, 2)
    return np.full(shape, fill)


@dataclass(frozen=True)
class Func:
    group: str
    arg: str
    call: Callable[..., Any]


FUNCS: dict[str, Func] = {
    # Distributions along axes.
    "entropy": Func("distribution", "p", lambda m, x, **k: m.entropy(x, **k)),
    "kl_divergence(q)": Func(
        "distribution", "q", lambda m, x, **k: m.kl_divergence(partner(x), x, **k)
    ),
    "cross_entropy(p)": Func(
        "distribution", "p", lambda m, x, **k: m.cross_entropy(x, partner(x), **k)
    ),
    "js_distance(q)": Func(
        "distribution", "q", lambda m, x, **k: m.js_distance(partner(x), x, **k)
    ),
    "renyi_entropy": Func("distribution", "p", lambda m, x, **k: m.renyi_entropy(x, 2.0, **k)),
    "tsallis_entropy": Func("distribution", "p", lambda m, x, **k: m.tsallis_entropy(x, 0.5, **k)),
    "perplexity": Func("distribution", "p", lambda m, x, **k: m.perplexity(x, **k)),
    "js_divergence_many": Func("mixture", "ps", lambda m, x, **k: m.js_divergence_many(x, **k)),
    # Joint tables (the last two axes).
    "joint_entropy": Func("table", "pxy", lambda m, x, **k: m.joint_entropy(x, **k)),
    "mutual_information": Func("table", "pxy", lambda m, x, **k: m.mutual_information(x, **k)),
    "normalized_mutual_information": Func(
        "table", "pxy", lambda m, x, **k: m.normalized_mutual_information(x, **k)
    ),
    # Counts.
    "entropy_from_counts": Func(
        "counts", "counts", lambda m, x, **k: m.entropy_from_counts(x, "chao_shen", **k)
    ),
    "boltzmann_entropy": Func("counts", "counts", lambda m, x, **k: m.boltzmann_entropy(x, **k)),
    # Gaussian parameters (standard deviations).
    "gaussian_kl(s2)": Func(
        "gaussian", "s2", lambda m, x, **k: m.gaussian_kl(0.0, 1.0, 0.0, x, kind="sigma", **k)
    ),
    # Elementwise.
    "entr": Func("elementwise", "x", lambda m, x, **k: m.entr(x, **k)),
    "rel_entr(y)": Func("elementwise", "y", lambda m, x, **k: m.rel_entr(partner(x), x, **k)),
    "binary_entropy": Func("probability", "p", lambda m, x, **k: m.binary_entropy(x, **k)),
    "surprisal": Func("probability", "p", lambda m, x, **k: m.surprisal(x, **k)),
    # Labels.
    "entropy_labels": Func("labels", "x", lambda m, x, **k: m.entropy_labels(x, **k)),
    "mutual_information_labels(y)": Func(
        "labels",
        "y",
        lambda m, x, **k: m.mutual_information_labels(partner(x, 0).reshape(-1)[:2], x, **k),
    ),
    # Logits.
    "logsumexp": Func("logits", "x", lambda m, x, **k: m.logsumexp(x, **k)),
    "entropy_from_logits": Func(
        "logits", "logits", lambda m, x, **k: m.entropy_from_logits(x, **k)
    ),
    "kl_divergence_from_logits(logits_q)": Func(
        "logits", "logits_q", lambda m, x, **k: m.kl_divergence_from_logits(partner(x), x, **k)
    ),
    "softmax_cross_entropy": Func(
        "loss", "logits", lambda m, x, **k: m.softmax_cross_entropy(x, np.array([0, 1]), **k)
    ),
    "perplexity_from_logits": Func(
        "loss", "logits", lambda m, x, **k: m.perplexity_from_logits(x, np.array([0, 1]), **k)
    ),
    "binary_cross_entropy(p)": Func(
        "bce", "p", lambda m, x, **k: m.binary_cross_entropy(x, partner(x), **k)
    ),
    "binary_cross_entropy_with_logits(y)": Func(
        "target", "y", lambda m, x, **k: m.binary_cross_entropy_with_logits(partner(x), x, **k)
    ),
    # Samples (k-NN estimators): rows of coordinates, k = 1 for the two rows of the 2 x 2 input.
    "knn_entropy": Func("samples", "x", lambda m, x, **k: m.knn_entropy(x, 1, **k)),
    "knn_mutual_information": Func(
        "samples", "x", lambda m, x, **k: m.knn_mutual_information(x, partner(x), 1, **k)
    ),
    "knn_mutual_information_many": Func(
        "samples", "X", lambda m, x, **k: m.knn_mutual_information_many(x, np.arange(2.0), 1, **k)
    ),
    "knn_kl_divergence": Func(
        "samples", "x", lambda m, x, **k: m.knn_kl_divergence(x, partner(x, 2.0), 1, **k)
    ),
}

ALL = tuple(sorted({f.group for f in FUNCS.values()}))
DISTRIBUTIONS = ("distribution", "mixture", "table")


@dataclass(frozen=True)
class Raises:
    """The exception type and a pattern for its message (``{f}``: the function, ``{a}``: the
    argument)."""

    exc: type[BaseException]
    pattern: str


@dataclass(frozen=True)
class Gives:
    """A legal input: the documented value, checked by ``check(result)``."""

    check: Callable[[Any], bool]
    what: str


@dataclass(frozen=True)
class Row:
    name: str
    value: Callable[[str], Any]  # the bad input for a group
    kwargs: dict[str, Any]
    expect: dict[str, Raises | Gives]  # by group, or by function for an exception in a group

    def of(self, name: str) -> Raises | Gives | None:
        return self.expect.get(name, self.expect.get(FUNCS[name].group))


def table(values: list[float]) -> Callable[[str], Any]:
    """A 2 x 2 input with ``values[1]`` at position [1, 1]; counts get whole numbers, a batch of
    two tables for the table group, a row of standard deviations for Gaussians, labels 1-D."""

    def make(group: str) -> Any:
        a = np.array([[0.5, 0.5], [0.3, values[0]]])
        if group == "counts":
            a = np.array([[3.0, 1.0], [2.0, values[0]]])
        if group == "table":
            a = np.stack([GOOD, a])
        if group in ("gaussian", "labels"):
            a = np.array([1.0, values[0]])
        return a

    return make


def fixed(value: Any) -> Callable[[str], Any]:
    return lambda group: value() if callable(value) else value


AT = r"{a}\[1, 1\]"
AT_TABLE = r"{a}\[1, 1, 1\]"

ROWS = [
    Row(
        "wrong dtype (complex)",
        fixed(lambda: np.ones((2, 2), dtype=complex)),
        {},
        {g: Raises(TypeError, r"{f}: {a} has dtype complex128") for g in ALL},
    ),
    Row(
        "wrong dtype (bool)",
        fixed(lambda: np.ones((2, 2), dtype=bool)),
        {},
        {
            g: Raises(TypeError, r"{f}: {a} has dtype bool")
            for g in (*DISTRIBUTIONS, "counts", "gaussian", "logits", "loss", "samples")
        },
    ),
    Row(
        "negative entry",
        table([-0.5]),
        {},
        {
            "distribution": Raises(InvalidDistributionError, AT + r" = -0.5 is negative"),
            "mixture": Raises(InvalidDistributionError, AT + r" = -0.5 is negative"),
            "table": Raises(InvalidDistributionError, AT_TABLE + r" = -0.5 is negative"),
            "counts": Raises(InvalidDistributionError, AT + r" = -0.5 is negative"),
            "gaussian": Raises(InvalidDistributionError, r"{a}\[1\] = -0.5 is out of its domain"),
            "probability": Raises(InvalidDistributionError, AT + r" = -0.5 is negative"),
            "bce": Raises(ValueError, r"{a}\[1, 1\] = -0.5 is outside \[0, 1\]"),
            # SciPy's extended values: entr(-0.5) = -inf, rel_entr(0.5, -0.5) = inf.
            "elementwise": Gives(lambda r: np.isinf(r[1, 1]), "inf (SciPy's value)"),
            "logits": Gives(lambda r: np.isfinite(r).all(), "a number (logits are any reals)"),
            "samples": Gives(lambda r: np.isfinite(r).all(), "a number (samples are any reals)"),
        },
    ),
    Row(
        "infinite entry",
        table([np.inf]),
        {},
        {
            "distribution": Raises(InvalidDistributionError, AT + r" = inf is not finite"),
            "mixture": Raises(InvalidDistributionError, AT + r" = inf is not finite"),
            "table": Raises(InvalidDistributionError, AT_TABLE + r" = inf is not finite"),
            "counts": Raises(InvalidDistributionError, AT + r" = inf is not finite"),
            "gaussian": Raises(InvalidDistributionError, r"{a}\[1\] = inf is out of its domain"),
            "probability": Raises(InvalidDistributionError, AT + r" = inf is not finite"),
            "bce": Raises(ValueError, r"{a}\[1, 1\] = inf is outside \[0, 1\]"),
            "elementwise": Gives(lambda r: np.isfinite(r[0]).all(), "SciPy's value"),
            "logits": Gives(lambda r: np.isfinite(r[0]) and not np.isfinite(r[1]), "inf or NaN"),
            "samples": Raises(InvalidDistributionError, AT + r" = inf is not finite"),
        },
    ),
    Row(
        "NaN, nan_policy='propagate' (the default)",
        table([np.nan]),
        {},
        {
            "distribution": Gives(lambda r: np.isnan(r[1]) and not np.isnan(r[0]), "NaN there"),
            "table": Gives(lambda r: np.isnan(r[1]) and not np.isnan(r[0]), "NaN there"),
            "mixture": Gives(lambda r: np.isnan(r), "NaN"),
            "counts": Raises(InvalidDistributionError, AT + r" is NaN"),
            "gaussian": Raises(InvalidDistributionError, r"{a}\[1\] = nan is out of its domain"),
            "labels": Raises(InvalidDistributionError, r"{a}\[1\] is NaN"),
            "elementwise": Gives(lambda r: np.isnan(r[1, 1]), "NaN there"),
            "probability": Gives(lambda r: np.isnan(r[1, 1]), "NaN there"),
            "logits": Gives(lambda r: np.isnan(r[1]) and not np.isnan(r[0]), "NaN there"),
            "loss": Gives(np.isnan, "NaN"),
            "samples": Raises(InvalidDistributionError, AT + r" is NaN; samples must be finite"),
        },
    ),
    Row(
        "NaN, nan_policy='raise'",
        table([np.nan]),
        {"nan_policy": "raise"},
        {
            "distribution": Raises(
                InvalidDistributionError, AT + r" is NaN \(nan_policy='raise'\)"
            ),
            "table": Raises(InvalidDistributionError, AT_TABLE + r" is NaN \(nan_policy='raise'\)"),
        },
    ),
    Row(
        "NaN, nan_policy='omit'",
        table([np.nan]),
        {"nan_policy": "omit"},
        {
            # The row [0.3, NaN] becomes [0.3]: one outcome, entropy 0 (perplexity 1).
            "distribution": Gives(lambda r: np.isfinite(r).all(), "the value without the NaN"),
            "table": Gives(lambda r: np.isfinite(r).all(), "the value without the NaN"),
        },
    ),
    Row(
        "zero total mass (all zeros)",
        lambda group: {
            "table": np.stack([GOOD, np.zeros((2, 2))]),
            "counts": np.array([[3, 1], [0, 0]]),
            "gaussian": np.array([1.0, 0.0]),
        }.get(group, np.array([[0.5, 0.5], [0.0, 0.0]])),
        {},
        {
            "distribution": Raises(
                InvalidDistributionError,
                r"{a} has zero total mass in the distribution at index \(1,\)",
            ),
            "mixture": Raises(
                InvalidDistributionError,
                r"{a} has zero total mass in the distribution at index \(1,\)",
            ),
            "table": Raises(
                InvalidDistributionError, r"{a} has zero total mass in the table at index \(1,\)"
            ),
            "gaussian": Raises(InvalidDistributionError, r"{a}\[1\] = 0.0 is out of its domain"),
            "samples": Gives(lambda r: np.isfinite(r).all(), "a number (zeros are samples too)"),
        },
    ),
    Row(
        "zero counts",
        fixed(lambda: np.array([[3, 1], [0, 0]])),
        {},
        {
            # ln W of no particles is ln 1 = 0; no sample has no entropy estimate.
            "counts": Raises(
                InvalidDistributionError, r"{a} sum to zero in the distribution at index \(1,\)"
            ),
            "boltzmann_entropy": Gives(lambda r: r[1] == 0.0, "0 (ln 1: one way to place none)"),
        },
    ),
    Row(
        "empty",
        fixed(lambda: np.array([])),
        {},
        {
            # Of two arguments, p is checked first.
            "distribution": Raises(
                InvalidDistributionError, r"{f}: p has zero total mass in the distribution;"
            ),
            "mixture": Raises(ValueError, r"{f}: {a} must be 2-D"),
            "table": Raises(ValueError, r"{f}: {a} must have at least 2 dimensions"),
            "labels": Raises(ValueError, r"{f}: no labels"),
            "logits": Raises(ValueError, r"{f}: \w+ has no classes \(axis 0 has length 0\)"),
            "elementwise": Gives(lambda r: r.shape == (0,), "an empty array"),
            "gaussian": Gives(lambda r: r.shape == (0,), "an empty array"),
            "samples": Raises(ValueError, r"{f}: k = 1 must be below the number of samples n = 0"),
            "knn_mutual_information_many": Raises(
                ValueError, r"{f}: X must have shape \(n, p\), not \(0,\)"
            ),
        },
    ),
    Row(
        "shapes that do not match",
        fixed(lambda: np.ones((2, 3))),
        {},
        {},  # tried by test_mismatched_shapes below, with the other argument's shape
    ),
    Row(
        "ragged nested lists",
        fixed([[0.5, 0.5], [1.0]]),
        {},
        {
            g: Raises(ValueError, r"{f}: {a} cannot be read as an array: setting an array")
            for g in ALL
        },
    ),
    Row(
        "non-array object",
        fixed(object()),
        {},
        {
            **{g: Raises(TypeError, r"{f}: {a} has dtype object") for g in ALL if g != "labels"},
            "labels": Raises(ValueError, r"{f}: {a} must be a 1-D array of labels, not of shape"),
        },
    ),
    Row(
        "masked array",
        fixed(lambda: np.ma.array([[0.5, 0.5], [0.3, -1.0]], mask=[[0, 0], [0, 1]])),
        {},
        {g: Raises(TypeError, r"{f}: {a} is a masked array; masks are not supported") for g in ALL},
    ),
    Row(
        "0-d input",
        fixed(lambda: np.float64(0.5)),
        {},
        {
            "distribution": Raises(
                np.exceptions.AxisError, r"{f}: axis -1 is out of bounds for array of dimension 0"
            ),
            "counts": Raises(
                np.exceptions.AxisError, r"{f}: axis -1 is out of bounds for array of dimension 0"
            ),
            "mixture": Raises(ValueError, r"{f}: {a} must be 2-D"),
            "table": Raises(ValueError, r"{f}: {a} must have at least 2 dimensions"),
            "labels": Raises(ValueError, r"{f}: {a} must be a 1-D array of labels"),
            # Of two arguments, the first is checked first.
            "logits": Raises(ValueError, r"{f}: (x|logits|logits_p) must have at least one dim"),
            "loss": Raises(ValueError, r"{f}: {a} must have at least one dimension"),
            "elementwise": Gives(lambda r: np.ndim(r) == 0, "a scalar"),
            "probability": Gives(lambda r: np.ndim(r) == 0, "a scalar"),
            "gaussian": Gives(lambda r: np.ndim(r) == 0, "a scalar"),
            "samples": Raises(ValueError, r"{f}: {a} must have shape \(n,\) or \(n, d\), not \(\)"),
            "knn_mutual_information_many": Raises(
                ValueError, r"{f}: X must have shape \(n, p\), not \(\)"
            ),
        },
    ),
]

CASES = [
    pytest.param(row, name, id=f"{row.name} | {name}")
    for row in ROWS
    for name, func in FUNCS.items()
    if row.of(name) is not None
]
BOTH = pytest.mark.parametrize("mod", [ek, reference], ids=["rust", "reference"])


def function_name(name: str) -> str:
    return name.split("(")[0]


@BOTH
@pytest.mark.parametrize(("row", "name"), CASES)
def test_bad_input(mod, row: Row, name: str) -> None:
    func = FUNCS[name]
    expect = row.of(name)
    assert expect is not None
    value = row.value(func.group)
    if func.group == "labels" and isinstance(value, np.ndarray) and value.ndim == 2:
        value = value[0]  # labels are 1-D
    kwargs = dict(row.kwargs)
    if isinstance(expect, Gives):
        with np.errstate(all="ignore"):
            result = func.call(mod, value, **kwargs)
        assert expect.check(np.asarray(result)), f"{name}: {result!r} is not {expect.what}"
        return
    pattern = expect.pattern.format(f=re.escape(function_name(name)), a=re.escape(func.arg))
    with np.errstate(all="ignore"), pytest.raises(expect.exc, match=pattern) as info:
        func.call(mod, value, **kwargs)
    assert type(info.value) is expect.exc


@BOTH
@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda m: m.kl_divergence(np.ones((2, 3)), np.ones((2, 2))), r"p \(2, 3\) and q \(2, 2\)"),
        (lambda m: m.js_divergence(np.ones(3), np.ones(2)), r"p \(3,\) and q \(2,\)"),
        (lambda m: m.rel_entr(np.ones((2, 3)), np.ones((2, 2))), r"x \(2, 3\) and y \(2, 2\)"),
        (
            lambda m: m.gaussian_kl(np.zeros(3), 1.0, 0.0, np.ones(2)),
            r"mu1 \(3,\) and s1 \(\) and mu2 \(\) and s2 \(2,\)",
        ),
        (
            lambda m: m.kl_divergence_from_logits(np.ones((2, 3)), np.ones((2, 2))),
            r"logits_p \(2, 3\) and logits_q \(2, 2\) differ in shape",
        ),
        (
            lambda m: m.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2])),
            r"target has shape \(3,\); expected \(2,\)",
        ),
        (
            lambda m: m.binary_cross_entropy(np.full((2, 3), 0.5), np.ones((2, 2))),
            r"y has shape \(2, 2\); expected \(2, 3\), the shape of p",
        ),
        (
            lambda m: m.mutual_information_labels(np.ones(3), np.ones(2)),
            r"x has 3 labels, y has 2",
        ),
        (
            lambda m: m.js_divergence_many(np.ones((2, 3)), np.ones(3)),
            r"weights have shape \(3,\); expected \(2,\)",
        ),
        (
            lambda m: m.knn_mutual_information(np.arange(3.0), np.arange(2.0)),
            r"x has 3 samples and y has 2; they must pair up",
        ),
        (
            lambda m: m.knn_mutual_information_many(np.ones((3, 2)), np.arange(2.0)),
            r"X has 3 samples and y has 2; they must pair up",
        ),
        (
            lambda m: m.knn_kl_divergence(np.ones((3, 2)), np.ones((3, 1))),
            r"x has samples of dimension 2 and y of dimension 1; they must match",
        ),
    ],
)
def test_mismatched_shapes(mod, call, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        call(mod)


@BOTH
@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda m: m.entropy(np.ones((2, 2)), axis=5), np.exceptions.AxisError, r"axis 5 is out"),
        (lambda m: m.entropy(np.ones((2, 2)), axis=(0, 0)), ValueError, r"axis \(0, 0\) repeats"),
        (lambda m: m.entropy(np.ones((2, 2)), axis=1.0), TypeError, r"axis must be an int"),
        (
            lambda m: m.mutual_information(np.ones((2, 2)), axis=(0, 2)),
            np.exceptions.AxisError,
            r"axis 2 is out of bounds",
        ),
        (
            lambda m: m.mutual_information(np.ones((2, 2)), axis=(1, 1)),
            ValueError,
            r"X and Y axes must differ",
        ),
        (
            lambda m: m.boltzmann_entropy(np.ones((2, 2)), axis=2),
            np.exceptions.AxisError,
            r"axis 2 is out of bounds",
        ),
        (
            lambda m: m.js_divergence_many(np.ones((2, 2)), axis=2),
            np.exceptions.AxisError,
            r"axis 2 is out of bounds",
        ),
        (lambda m: m.logsumexp(np.ones((2, 2)), axis=2), np.exceptions.AxisError, r"axis 2 is"),
    ],
)
def test_bad_axis(mod, call, exc, pattern) -> None:
    with pytest.raises(exc, match=pattern):
        call(mod)


BASE_CALLS = {
    "entropy": lambda m, b: m.entropy([1, 2], base=b),
    "js_divergence": lambda m, b: m.js_divergence([1, 2], [2, 1], base=b),
    "joint_entropy": lambda m, b: m.joint_entropy([[1, 2]], base=b),
    "entropy_from_counts": lambda m, b: m.entropy_from_counts([1, 2], base=b),
    "gaussian_entropy": lambda m, b: m.gaussian_entropy(1.0, base=b),
    "entr": lambda m, b: m.entr([1, 2], base=b),
    "entropy_labels": lambda m, b: m.entropy_labels([1, 2], base=b),
    "byte_entropy": lambda m, b: m.byte_entropy(b"ab", base=b),
    "windowed_byte_entropy": lambda m, b: m.windowed_byte_entropy(b"ab", 1, 1, base=b),
    "histogram_entropy": lambda m, b: m.histogram_entropy([1, 2], base=b),
    "symbol_entropy": lambda m, b: m.symbol_entropy([1, 2], base=b),
    "knn_entropy": lambda m, b: m.knn_entropy([1.0, 2.0, 4.0], 1, base=b),
}


@BOTH
@pytest.mark.parametrize("base", [1, 1.0, 0, -2, np.inf, np.nan, "2", True])
@pytest.mark.parametrize("name", list(BASE_CALLS))
def test_bad_base(mod, name, base) -> None:
    with pytest.raises(
        ValueError, match=rf"{name}: base must be a .*, not {re.escape(repr(base))}"
    ):
        BASE_CALLS[name](mod, base)


@BOTH
@pytest.mark.parametrize("reduction", ["avg", "MEAN", None, 1])
@pytest.mark.parametrize(
    "call",
    [
        lambda m, r: m.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1]), reduction=r),
        lambda m, r: m.binary_cross_entropy(np.full(2, 0.5), np.ones(2), reduction=r),
        lambda m, r: m.binary_cross_entropy_with_logits(np.ones(2), np.ones(2), reduction=r),
    ],
    ids=["softmax_cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits"],
)
def test_bad_reduction(mod, call, reduction) -> None:
    with pytest.raises(ValueError, match=r"reduction must be 'none', 'sum' or 'mean', not "):
        call(mod, reduction)


@BOTH
@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda m: m.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3])),
            r"target\[1\] = 3 \(row 1\) is not a class index in \[0, 3\)",
        ),
        (
            lambda m: m.softmax_cross_entropy(np.ones((2, 3)), np.array([-1, 0])),
            r"target\[0\] = -1 \(row 0\) is not a class index",
        ),
        (
            lambda m: m.perplexity_from_logits(np.ones((2, 3)), np.array([0, 7])),
            r"target\[1\] = 7 \(row 1\) is not a class index",
        ),
    ],
)
def test_out_of_range_class_index(mod, call, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        call(mod)


@BOTH
@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda m: m.entropy([1, 2], nan_policy="ignore"), r"nan_policy must be"),
        (lambda m: m.entropy_from_counts([1, 2], "mle"), r"estimator must be one of"),
        (lambda m: m.gaussian_entropy([1.0], kind="cov"), r"kind must be one of"),
        (lambda m: m.conditional_entropy(np.ones((2, 2)), given="z"), r"given must be"),
        (lambda m: m.normalized_mutual_information(np.ones((2, 2)), method="mean"), r"method"),
        (lambda m: m.renyi_entropy([1, 2], -1), r"alpha must be >= 0"),
        (
            lambda m: m.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1]), label_smoothing=2),
            r"label_smoothing must be in \[0, 1\]",
        ),
    ],
)
def test_bad_options(mod, call, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        call(mod)


@BOTH
def test_masked_arrays_are_refused_wherever_an_array_is_taken(mod) -> None:
    masked = np.ma.array([1.0, 1.0], mask=[0, 1])
    for call, arg in [
        (lambda: mod.js_divergence_many(np.ones((2, 3)), masked), "weights"),
        (lambda: mod.softmax_cross_entropy(np.ones((2, 3)), np.ma.array([0, 1])), "target"),
        (lambda: mod.binary_cross_entropy(np.full(2, 0.5), np.ones(2), weight=masked), "weight"),
        (lambda: mod.gaussian_entropy(masked), "cov_or_sigma"),
        (lambda: mod.histogram_entropy(masked), "x"),
        (lambda: mod.symbol_entropy(np.ma.array([1, 2])), "x"),
    ]:
        with pytest.raises(TypeError, match=rf"{arg} is a masked array"):
            call()


def test_scipy_compat_names_its_own_arguments() -> None:
    with pytest.raises(TypeError, match=r"entropy: pk is a masked array"):
        ek.scipy_compat.entropy(np.ma.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"entropy: qk cannot be read as an array"):
        ek.scipy_compat.entropy([1.0, 2.0], [[1.0], [1.0, 2.0]])
