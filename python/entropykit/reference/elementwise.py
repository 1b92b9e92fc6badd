"""Pure-NumPy twins of the elementwise functions (:mod:`entropykit._elementwise`), with their
argument rules.

The four SciPy-compatible functions follow ``scipy.special``'s definitions case for case
(``rel_entr`` with its three branches), written with ``np.log``, ``np.log1p`` and ``np.where``.
Everything is computed in float64; the result is rounded to float32 when every array argument
is float32 or float16 (Python numbers adapt, as in NumPy 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import as_array, check_base

__all__ = [
    "binary_entropy",
    "entr",
    "kl_div",
    "rel_entr",
    "surprisal",
    "xlogy",
]

Result = np.ndarray | np.float64 | np.float32

_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)
# Smallest positive normal float64 (np.finfo(np.float64).tiny): SciPy's rel_entr guard.
_TINY = float(np.finfo(np.float64).tiny)


class Operands:
    """Validated arguments of an elementwise call: the arrays as passed (as ndarrays), the
    broadcast shape, the result dtype, and whether the result is a scalar."""

    __slots__ = ("arrays", "base", "dtype", "func", "scalar", "shape")

    def __init__(
        self,
        func: str,
        arrays: tuple[np.ndarray, ...],
        shape: tuple[int, ...],
        dtype: np.dtype,
        scalar: bool,
        base: float | None,
    ) -> None:
        self.func = func
        self.arrays = arrays
        self.shape = shape
        self.dtype = dtype
        self.scalar = scalar
        self.base = base

    def finish(self, values: np.ndarray) -> Result:
        """float64 ``values`` of the broadcast shape, divided by ln(base), in the result dtype;
        a NumPy scalar for scalar arguments."""
        with np.errstate(all="ignore"):
            if self.base is not None:
                values = values / np.log(self.base)
            out = values.astype(self.dtype, copy=False)
        if self.scalar:
            item: np.float64 | np.float32 = out.reshape(-1)[0]
            return item
        return out


def _as_operand(value: Any, name: str, func: str) -> tuple[np.ndarray, bool]:
    """``value`` as an ndarray, and whether it is a Python number (which adapts to the other
    argument's precision, as NumPy 2 does)."""
    weak = type(value) in (int, float)
    arr = as_array(value, name, func)
    kind = arr.dtype.kind
    if (kind == "f" and arr.dtype.itemsize in (2, 4, 8)) or kind in "iub":
        return arr, weak
    raise TypeError(
        f"{func}: {name} has dtype {arr.dtype}; expected float16, float32, float64, "
        "an integer or a boolean dtype"
    )


def prepare_operands(func: str, values: tuple[tuple[str, Any], ...], base: Any) -> Operands:
    """Checks the arguments (dtype, broadcasting, base) and settles the result's shape and
    dtype: float32 when every array argument is float32 or float16, else float64."""
    arrays: list[np.ndarray] = []
    weaks: list[bool] = []
    single: bool | None = None  # None while every argument is a Python number
    scalar = True
    for name, value in values:
        arr, weak = _as_operand(value, name, func)
        arrays.append(arr)
        weaks.append(weak)
        scalar = scalar and arr.ndim == 0
        if not weak:
            small = arr.dtype.kind == "f" and arr.dtype.itemsize <= 4
            single = small if single is None else single and small
    try:
        shape = (
            arrays[0].shape
            if len(arrays) == 1 or arrays[0].shape == arrays[1].shape
            else np.broadcast_shapes(arrays[0].shape, arrays[1].shape)
        )
    except ValueError:
        described = " and ".join(
            f"{name} {a.shape}" for (name, _), a in zip(values, arrays, strict=True)
        )
        raise ValueError(f"{func}: shapes do not broadcast: {described}") from None
    dtype = _FLOAT32 if single else _FLOAT64
    if single:
        # A Python number adapts to the arrays' float32 before the computation (NumPy 2's weak
        # scalars, and SciPy's ufuncs with them): 1e-300 is then 0.
        with np.errstate(over="ignore"):
            arrays = [
                a.astype(np.float32) if weak else a for a, weak in zip(arrays, weaks, strict=True)
            ]
    return Operands(func, tuple(arrays), shape, dtype, scalar, check_base(base, func))


def probability_error(
    func: str, shape: tuple[int, ...], kind: str, position: int, value: float
) -> InvalidDistributionError:
    """The error for the entry of ``p`` (of ``shape``) at flat C-order ``position``."""
    index = tuple(int(i) for i in np.unravel_index(position, shape)) if shape else ()
    at = f"p[{', '.join(map(str, index))}]" if index else "p"
    what = {
        "negative": "is negative",
        "infinite": "is not finite",
        "out_of_range": "is greater than 1",
    }[kind]
    message = f"{func}: {at} = {float(value)!r} {what}; probabilities must be in [0, 1]"
    return InvalidDistributionError(message, kind, "p", index)


def _check_probabilities(ops: Operands, p: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        bad = ~((p >= 0) & (p <= 1)) & ~np.isnan(p)
    if bad.any():
        position = int(np.argmax(bad.reshape(-1)))
        value = float(p.reshape(-1)[position])
        kind = "infinite" if np.isinf(value) else "negative" if value < 0 else "out_of_range"
        raise probability_error(ops.func, ops.shape, kind, position, value)


def _float64(ops: Operands) -> list[np.ndarray]:
    return [np.broadcast_to(a, ops.shape).astype(np.float64) for a in ops.arrays]


def entr(x: npt.ArrayLike, *, base: float | None = None) -> Result:
    """NumPy twin of :func:`entropykit.entr`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.entr([0.0, 0.5, -1.0])
    array([0.        , 0.34657359,       -inf])
    """
    ops = prepare_operands("entr", (("x", x),), base)
    (xv,) = _float64(ops)
    with np.errstate(all="ignore"):
        v = np.where(xv > 0, -xv * np.log(xv), np.where(xv == 0, 0.0, -np.inf))
        v = np.where(np.isnan(xv), np.nan, v)
    return ops.finish(v)


def _convex_cases(x: np.ndarray, y: np.ndarray, v: np.ndarray, at_zero: np.ndarray) -> np.ndarray:
    """SciPy's cases: ``v`` for x, y > 0; ``at_zero`` for x = 0, y >= 0; NaN if either is NaN;
    +inf otherwise."""
    v = np.where((x > 0) & (y > 0), v, np.inf)
    v = np.where((x == 0) & (y >= 0), at_zero, v)
    return np.where(np.isnan(x) | np.isnan(y), np.nan, v)


def rel_entr(x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None) -> Result:
    """NumPy twin of :func:`entropykit.rel_entr`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.rel_entr([0.5, 0.0, 1.0], [0.25, 0.3, 0.0])
    array([0.34657359, 0.        ,        inf])
    """
    ops = prepare_operands("rel_entr", (("x", x), ("y", y)), base)
    xv, yv = _float64(ops)
    with np.errstate(all="ignore"):
        ratio = xv / yv
        near = (0.5 < ratio) & (ratio < 2)
        normal = (_TINY < ratio) & (ratio < np.inf)
        v = np.where(
            near,
            xv * np.log1p((xv - yv) / yv),
            np.where(normal, xv * np.log(ratio), xv * (np.log(xv) - np.log(yv))),
        )
        v = _convex_cases(xv, yv, v, np.zeros_like(v))
    return ops.finish(v)


def kl_div(x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None) -> Result:
    """NumPy twin of :func:`entropykit.kl_div`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.kl_div([0.5, 0.0], [0.25, 0.3])
    array([0.09657359, 0.3       ])
    """
    ops = prepare_operands("kl_div", (("x", x), ("y", y)), base)
    xv, yv = _float64(ops)
    with np.errstate(all="ignore"):
        v = xv * np.log(xv / yv) - xv + yv
        v = _convex_cases(xv, yv, v, yv)
    return ops.finish(v)


def xlogy(x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None) -> Result:
    """NumPy twin of :func:`entropykit.xlogy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.xlogy([0.0, 2.0], [0.0, 0.5])
    array([ 0.        , -1.38629436])
    """
    ops = prepare_operands("xlogy", (("x", x), ("y", y)), base)
    xv, yv = _float64(ops)
    with np.errstate(all="ignore"):
        v = np.where((xv == 0) & ~np.isnan(yv), 0.0, xv * np.log(yv))
    return ops.finish(v)


def binary_entropy(p: npt.ArrayLike, *, base: float | None = None) -> Result:
    """NumPy twin of :func:`entropykit.binary_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.binary_entropy([0.0, 0.5, 1.0], base=2)
    array([0., 1., 0.])
    """
    ops = prepare_operands("binary_entropy", (("p", p),), base)
    (pv,) = _float64(ops)
    _check_probabilities(ops, pv)
    with np.errstate(all="ignore"):
        a = np.where(pv > 0, pv * np.log(pv), 0.0)
        b = np.where(pv < 1, (1 - pv) * np.log1p(-pv), 0.0)
        v = np.where(np.isnan(pv), np.nan, 0.0 - (a + b))
    return ops.finish(v)


def surprisal(p: npt.ArrayLike, *, base: float | None = None) -> Result:
    """NumPy twin of :func:`entropykit.surprisal`.

    Examples
    --------
    >>> from entropykit import reference
    >>> reference.surprisal([0.5, 0.25, 0.0], base=2)
    array([ 1.,  2., inf])
    """
    ops = prepare_operands("surprisal", (("p", p),), base)
    (pv,) = _float64(ops)
    _check_probabilities(ops, pv)
    with np.errstate(all="ignore"):
        v = -np.log(pv)
    return ops.finish(v)
