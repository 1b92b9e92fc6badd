"""The reference's own argument rules (dtype acceptance, axis normalisation, broadcasting, base,
nan_policy, keepdims and the shape of results), and the messages and index location of
:class:`~entropykit.InvalidDistributionError`, written with NumPy apart from the fast path's.

Distributions lie along the reduced axes; the other axes index a batch of distributions. A
distribution's entries are ordered in C order over the reduced axes taken in ascending order, and
distributions in C order over the remaining axes: "the first offending entry" means the first in
that order, in the first offending distribution.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError

__all__ = [
    "Prepared",
    "as_array",
    "as_input_array",
    "check_base",
    "check_nan_policy",
    "check_order",
    "data_error",
    "entry_index",
    "prepare",
]

NAN_POLICIES = ("propagate", "raise", "omit")


def as_array(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as an ndarray (itself when it is one). Masked arrays are refused: ``np.asarray``
    would drop the mask and the masked-out entries would count. NumPy's reason for refusing an
    object (ragged nested lists, ...) is given with the argument it came from."""
    if type(x) is np.ndarray:
        return x
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{func}: {name} is a masked array; masks are not supported (the masked entries "
            f"would be read): pass {name}.compressed() or {name}.filled(value)"
        )
    try:
        return np.asarray(_untorched(x))
    except (ValueError, TypeError) as error:
        raise type(error)(f"{func}: {name} cannot be read as an array: {error}") from error


def as_input_array(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as an ndarray without copying, if its dtype is one entropykit accepts."""
    arr = as_array(x, name, func)
    kind = arr.dtype.kind
    if (kind == "f" and arr.dtype.itemsize in (2, 4, 8)) or kind in "iu":
        return arr
    raise TypeError(
        f"{func}: {name} has dtype {arr.dtype}; expected float16, float32, float64 "
        "or an integer dtype (counts)"
    )


def _untorched(x: Any) -> Any:
    """A PyTorch tensor as NumPy can read it: detached (NumPy refuses one that requires grad),
    on the CPU, and bfloat16 (which NumPy lacks) widened to float32, exactly."""
    module = type(x).__module__
    if not (module == "torch" or module.startswith("torch.")) or not hasattr(x, "detach"):
        return x
    x = x.detach()
    if x.device.type != "cpu":
        raise TypeError(
            f"a torch tensor on device '{x.device.type}' cannot be read in place; move it to "
            "the CPU first (tensor.cpu())"
        )
    if str(x.dtype) == "torch.bfloat16":
        return x.float().numpy()
    return x.numpy()


def check_base(base: Any, func: str) -> float | None:
    """``None`` (nats) or a finite positive float other than 1."""
    if base is None:
        return None
    if isinstance(base, (bool, np.bool_)) or not isinstance(base, (numbers.Real, np.number)):
        raise ValueError(f"{func}: base must be a real number or None, not {base!r}")
    value = float(base)
    if not (math.isfinite(value) and value > 0.0 and value != 1.0):
        raise ValueError(
            f"{func}: base must be a finite positive number other than 1, not {base!r}"
        )
    return value


def check_nan_policy(nan_policy: Any, func: str) -> str:
    if not isinstance(nan_policy, str) or nan_policy not in NAN_POLICIES:
        raise ValueError(
            f"{func}: nan_policy must be 'propagate', 'raise' or 'omit', not {nan_policy!r}"
        )
    return nan_policy


def _normalize_axes(axis: Any, ndim: int, func: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    items: Sequence[Any] = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = []
    for item in items:
        if isinstance(item, (bool, np.bool_)):
            raise TypeError(f"{func}: axis must be an int, a tuple of ints or None, not {axis!r}")
        try:
            a = operator.index(item)
        except TypeError:
            raise TypeError(
                f"{func}: axis must be an int, a tuple of ints or None, not {axis!r}"
            ) from None
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim, f"{func}")
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{func}: axis {axis!r} repeats an axis")
    return tuple(sorted(axes))


class Prepared:
    """Validated arguments and the geometry of the reduction."""

    __slots__ = (
        "arrays",
        "base",
        "batch_axes",
        "func",
        "keepdims",
        "names",
        "nan_policy",
        "normalize",
        "reduced_axes",
        "shape",
    )

    def __init__(
        self,
        func: str,
        arrays: tuple[np.ndarray, ...],
        shape: tuple[int, ...],
        reduced_axes: tuple[int, ...],
        batch_axes: tuple[int, ...],
        keepdims: bool,
        nan_policy: str,
        base: float | None,
        normalize: bool,
        names: tuple[str, ...] = ("p", "q"),
    ) -> None:
        self.func = func
        self.names = names
        self.arrays = arrays
        self.shape = shape
        self.reduced_axes = reduced_axes
        self.batch_axes = batch_axes
        self.keepdims = keepdims
        self.nan_policy = nan_policy
        self.base = base
        self.normalize = normalize

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.shape[a] for a in self.batch_axes)

    @property
    def reduced_shape(self) -> tuple[int, ...]:
        return tuple(self.shape[a] for a in self.reduced_axes)

    @property
    def result_shape(self) -> tuple[int, ...]:
        if self.keepdims:
            return tuple(1 if a in self.reduced_axes else n for a, n in enumerate(self.shape))
        return self.batch_shape

    def canonical(self, arr: np.ndarray) -> np.ndarray:
        """A view of ``arr`` broadcast to the common shape, batch axes first, reduced axes last."""
        order = self.batch_axes + self.reduced_axes
        if arr.shape != self.shape:
            arr = np.broadcast_to(arr, self.shape)
        if order != tuple(range(len(order))):
            arr = arr.transpose(order)
        return arr

    def shape_result(self, values: npt.NDArray[np.float64]) -> np.ndarray | np.float64:
        """Per-distribution values (C order over the batch) in the result's shape."""
        out = np.asarray(values, dtype=np.float64)
        if not self.batch_axes and not self.keepdims:
            scalar: np.float64 = out[0]  # a full reduction: a NumPy float64 scalar
            return scalar
        return out.reshape(self.result_shape)


def prepare(
    func: str,
    p: Any,
    q: Any,
    axis: Any,
    keepdims: bool,
    normalize: bool,
    nan_policy: Any,
    base: Any,
    names: tuple[str, ...] = ("p", "q"),
    binary: bool = False,
) -> Prepared:
    """Validates everything that does not depend on the data's values (``q`` is ignored unless
    ``binary``: a two-argument measure given ``q=None`` sees it as an object array, as the fast
    path does). ``names`` are the arguments' names in messages."""
    args = [(names[0], p), (names[1], q)] if binary else [(names[0], p)]
    arrays = tuple([as_input_array(value, name, func) for name, value in args])
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        pairs = zip(args, arrays, strict=True)
        described = " and ".join(f"{name} {a.shape}" for (name, _), a in pairs)
        raise ValueError(f"{func}: shapes do not broadcast: {described}") from None
    reduced = _normalize_axes(axis, len(shape), func)
    batch = tuple(a for a in range(len(shape)) if a not in reduced)
    return Prepared(
        func,
        arrays,
        tuple(shape),
        reduced,
        batch,
        bool(keepdims),
        check_nan_policy(nan_policy, func),
        check_base(base, func),
        bool(normalize),
        names,
    )


def entry_index(
    prep: Prepared, arg_shape: tuple[int, ...], distribution: int, position: int
) -> tuple[int, ...]:
    full = [0] * len(prep.shape)
    for axes, dims, flat in (
        (prep.batch_axes, prep.batch_shape, distribution),
        (prep.reduced_axes, prep.reduced_shape, position),
    ):
        if dims:
            for a, i in zip(axes, np.unravel_index(flat, dims), strict=True):
                full[a] = int(i)
    own = full[len(full) - len(arg_shape) :]
    # A broadcast (size-1) dimension of the argument is index 0 in the argument itself.
    return tuple(0 if size == 1 else i for i, size in zip(own, arg_shape, strict=True))


def data_error(
    prep: Prepared,
    kind: str,
    arg: str,
    distribution: int,
    position: int,
    value: float,
) -> InvalidDistributionError:
    """The exception for bad data, located in the caller's own coordinates (``arg`` is the
    kernel's "p" or "q"; messages use the caller's names for them)."""
    func = prep.func
    which = 0 if arg == "p" else 1
    arg = prep.names[which]
    if kind == "zero_mass":
        index = (
            tuple(int(i) for i in np.unravel_index(distribution, prep.batch_shape))
            if prep.batch_shape
            else ()
        )
        where = f"the distribution at index {index}" if index else "the distribution"
        why = "it cannot be normalized (normalize=True)" if prep.normalize else "no entry is > 0"
        message = f"{func}: {arg} has zero total mass in {where}; {why}"
        return InvalidDistributionError(message, kind, arg, index)
    arg_array = prep.arrays[which]
    index = entry_index(prep, arg_array.shape, distribution, position)
    at = f"{arg}[{', '.join(map(str, index))}]" if index else arg
    if kind == "nan":
        message = f"{func}: {at} is NaN (nan_policy='raise')"
    elif kind == "infinite":
        message = f"{func}: {at} = {float(value)!r} is not finite; entries must be finite"
    else:
        message = f"{func}: {at} = {float(value)!r} is negative; entries must be >= 0"
    return InvalidDistributionError(message, kind, arg, index)


def check_order(func: str, name: str, order: Any) -> float:
    """A Renyi / Tsallis order: a real number >= 0, or +inf."""
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, (numbers.Real, np.number)):
        raise TypeError(f"{func}: {name} must be a real number, not {order!r}")
    value = float(order)
    if not value >= 0.0:
        raise ValueError(f"{func}: {name} must be >= 0 (or inf), not {order!r}")
    return value
