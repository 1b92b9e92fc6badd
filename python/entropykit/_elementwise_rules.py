"""Argument rules of the elementwise functions (:mod:`entropykit._elementwise`).

TEMPORARY: a mechanical copy of the argument rules the NumPy twins in
:mod:`entropykit.reference` also implement (on their own), so that the fast path imports
nothing from the reference. It goes away when these rules move into Rust.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._args import check_base
from ._errors import InvalidDistributionError

Result = np.ndarray | np.float64 | np.float32

_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


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
    arr = value if type(value) is np.ndarray else np.asarray(value)
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
    single: bool | None = None  # None while every argument is a Python number
    scalar = True
    for name, value in values:
        arr, weak = _as_operand(value, name, func)
        arrays.append(arr)
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
