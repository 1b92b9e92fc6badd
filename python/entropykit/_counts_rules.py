"""Argument rules of the count estimators and the Gaussian measures (:mod:`entropykit._counts`).

TEMPORARY: a mechanical copy of the argument rules the NumPy twins in
:mod:`entropykit.reference` also implement (on their own), so that the fast path imports
nothing from the reference. It goes away when these rules move into Rust.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ._args import Prepared, _entry_index, as_input_array, check_base, prepare
from ._errors import InvalidDistributionError

Result = np.ndarray | np.float64

ESTIMATORS = ("plugin", "miller_madow", "james_stein", "chao_shen")
KINDS = ("auto", "sigma", "diag", "full")


def check_estimator(estimator: Any, func: str) -> str:
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(
            f"{func}: estimator must be one of {', '.join(map(repr, ESTIMATORS))}, "
            f"not {estimator!r}"
        )
    return estimator


def prepare_counts(func: str, counts: Any, axis: Any, keepdims: bool, base: Any) -> Prepared:
    """Validates everything that does not depend on the counts' values."""
    arr = as_input_array(counts, "counts", func)
    return prepare(func, arr, None, axis, keepdims, True, "raise", base)


def count_error(
    prep: Prepared, kind: str, distribution: int, position: int, value: float
) -> InvalidDistributionError:
    """The exception for bad counts, located in the caller's own coordinates."""
    func = prep.func
    if kind == "zero_mass":
        index = (
            tuple(int(i) for i in np.unravel_index(distribution, prep.batch_shape))
            if prep.batch_shape
            else ()
        )
        where = f"the distribution at index {index}" if index else "the distribution"
        message = f"{func}: counts sum to zero in {where}; there is no sample to estimate from"
        return InvalidDistributionError(message, kind, "counts", index)
    index = _entry_index(prep, prep.arrays[0].shape, distribution, position)
    at = f"counts[{', '.join(map(str, index))}]" if index else "counts"
    if kind == "nan":
        message = f"{func}: {at} is NaN; counts must be whole numbers >= 0"
    elif kind == "infinite":
        message = f"{func}: {at} = {float(value)!r} is not finite; counts must be finite"
    elif kind == "negative":
        message = f"{func}: {at} = {float(value)!r} is negative; counts must be >= 0"
    else:
        message = f"{func}: {at} = {float(value)!r} is not a whole number; counts must be whole"
    return InvalidDistributionError(message, kind, "counts", index)


def as_float_param(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a float64 array (float or integer dtypes only)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{func}: {name} has dtype {arr.dtype}; expected a float or integer dtype")
    return arr.astype(np.float64, copy=False)


def _square(a: np.ndarray) -> bool:
    return a.ndim >= 2 and a.shape[-1] == a.shape[-2]


def entropy_kind(kind: Any, arr: np.ndarray, func: str) -> str:
    """The kind "auto" stands for: "sigma" for 0-d and 1-d input, "full" for input whose last two
    axes are square; anything else is ambiguous and must name its kind."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"{func}: kind must be one of {', '.join(map(repr, KINDS))}, not {kind!r}")
    if kind != "auto":
        return kind
    if arr.ndim <= 1:
        return "sigma"
    if _square(arr):
        return "full"
    raise ValueError(
        f"{func}: kind='auto' cannot tell what an array of shape {arr.shape} holds "
        "(not 0-d or 1-d standard deviations, nor square covariances); pass kind='sigma', "
        "'diag' or 'full'"
    )


def kl_kind(kind: Any, arrays: tuple[np.ndarray, ...], func: str) -> str:
    """ "auto" is "full" when both s1 and s2 end in square axes, "sigma" when all four arguments are
    0-d or 1-d; anything else must name its kind."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"{func}: kind must be one of {', '.join(map(repr, KINDS))}, not {kind!r}")
    if kind != "auto":
        return kind
    _, s1, _, s2 = arrays
    if _square(s1) and _square(s2):
        return "full"
    if all(a.ndim <= 1 for a in arrays):
        return "sigma"
    shapes = ", ".join(str(a.shape) for a in arrays)
    raise ValueError(
        f"{func}: kind='auto' cannot tell what arrays of shapes {shapes} hold; pass "
        "kind='sigma', 'diag' or 'full'"
    )


def _broadcast(
    func: str, names: tuple[str, ...], shapes: tuple[tuple[int, ...], ...]
) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        described = " and ".join(f"{n} {s}" for n, s in zip(names, shapes, strict=True))
        raise ValueError(f"{func}: shapes do not broadcast: {described}") from None


class GaussianCall:
    """Validated Gaussian arguments, broadcast to one another: ``arrays`` in the argument order
    (float64, C-contiguous), ``batch`` the result's shape, ``d`` the dimension (0 for "sigma")."""

    __slots__ = ("arrays", "base", "batch", "d", "func", "kind", "names")

    def __init__(
        self,
        func: str,
        kind: str,
        names: tuple[str, ...],
        arrays: tuple[np.ndarray, ...],
        batch: tuple[int, ...],
        d: int,
        base: float | None,
    ) -> None:
        self.func = func
        self.kind = kind
        self.names = names
        self.arrays = arrays
        self.batch = batch
        self.d = d
        self.base = base

    @property
    def rows(self) -> int:
        return math.prod(self.batch)

    def shape_result(self, values: npt.NDArray[np.float64]) -> Result:
        out = np.asarray(values, dtype=np.float64).reshape(self.batch)
        if not self.batch:
            return np.float64(out[()])
        return out

    def bad_parameter(self, arg: str, flat: int, value: float) -> InvalidDistributionError:
        arr = self.arrays[self.names.index(arg)]
        # Univariate arguments are indexed in the broadcast shape (a single value at its start).
        shape = self.batch if self.kind == "sigma" else arr.shape
        index = tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()
        at = f"{arg}[{', '.join(map(str, index))}]" if index else arg
        need = "finite" if arg.startswith("mu") or self.kind == "full" else "finite and > 0"
        message = f"{self.func}: {at} = {float(value)!r} is out of its domain; it must be {need}"
        return InvalidDistributionError(message, "bad_parameter", arg, index)

    def not_positive_definite(self, arg: str, matrix: int, pivot: int) -> InvalidDistributionError:
        index = tuple(int(i) for i in np.unravel_index(matrix, self.batch)) if self.batch else ()
        at = f"{arg}[{', '.join(map(str, index))}]" if index else arg
        message = f"{self.func}: {at} is not positive definite (Cholesky failed at pivot {pivot})"
        return InvalidDistributionError(message, "not_positive_definite", arg, index)


def _contiguous(arr: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``arr`` broadcast to ``shape`` as C-contiguous float64 (0-d stays 0-d)."""
    return np.asarray(np.broadcast_to(arr, shape), dtype=np.float64, order="C")


def prepare_entropy(func: str, x: Any, base: Any, kind: Any) -> GaussianCall:
    arr = as_float_param(x, "cov_or_sigma", func)
    kind = entropy_kind(kind, arr, func)
    b = check_base(base, func)
    arr = np.asarray(arr, order="C")
    if kind == "sigma":
        return GaussianCall(func, kind, ("sigma",), (arr,), arr.shape, 0, b)
    if kind == "diag":
        if arr.ndim < 1:
            raise ValueError(f"{func}: kind='diag' needs variances of shape (..., d)")
        return GaussianCall(func, kind, ("var",), (arr,), arr.shape[:-1], arr.shape[-1], b)
    if not _square(arr):
        raise ValueError(
            f"{func}: kind='full' needs covariances of shape (..., d, d), not {arr.shape}"
        )
    return GaussianCall(func, kind, ("cov",), (arr,), arr.shape[:-2], arr.shape[-1], b)


def prepare_kl(
    func: str, mu1: Any, s1: Any, mu2: Any, s2: Any, base: Any, kind: Any
) -> GaussianCall:
    names = ("mu1", "s1", "mu2", "s2")
    arrays = tuple(
        as_float_param(a, n, func) for a, n in zip((mu1, s1, mu2, s2), names, strict=True)
    )
    kind = kl_kind(kind, arrays, func)
    b = check_base(base, func)
    if kind == "sigma":
        shape = _broadcast(func, names, tuple(a.shape for a in arrays))
        # A single value (a scalar mean, a standard normal target) stays 0-d: not copied out.
        out = tuple(
            _contiguous(a.reshape(()), ()) if a.size == 1 else _contiguous(a, shape) for a in arrays
        )
        return GaussianCall(func, kind, names, out, shape, 0, b)
    if any(a.ndim < 1 for a in arrays):
        raise ValueError(f"{func}: kind={kind!r} needs arrays of at least one dimension")
    if kind == "diag":
        shape = _broadcast(func, names, tuple(a.shape for a in arrays))
        out = tuple(_contiguous(a, shape) for a in arrays)
        return GaussianCall(func, kind, names, out, shape[:-1], shape[-1], b)
    m1, c1, m2, c2 = arrays
    for name, c in (("s1", c1), ("s2", c2)):
        if not _square(c):
            raise ValueError(
                f"{func}: kind='full' needs {name} of shape (..., d, d), not {c.shape}"
            )
    d = c1.shape[-1]
    if c2.shape[-1] != d or m1.shape[-1] != d or m2.shape[-1] != d:
        raise ValueError(
            f"{func}: dimensions do not match: mu1 {m1.shape}, s1 {c1.shape}, "
            f"mu2 {m2.shape}, s2 {c2.shape}"
        )
    batch = _broadcast(func, names, (m1.shape[:-1], c1.shape[:-2], m2.shape[:-1], c2.shape[:-2]))
    out = (
        _contiguous(m1, (*batch, d)),
        _contiguous(c1, (*batch, d, d)),
        _contiguous(m2, (*batch, d)),
        _contiguous(c2, (*batch, d, d)),
    )
    return GaussianCall(func, kind, names, out, batch, d, b)
