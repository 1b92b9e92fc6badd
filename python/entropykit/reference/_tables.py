"""The reference's rules for the measures of a joint table and of a weighted mixture: which axes
hold the table, how the entropies H(X, Y), H(X), H(Y) (in nats) combine into each measure (every
clamp and convention), how weights are checked, how results are shaped.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import as_array, check_base, check_nan_policy

__all__ = [
    "NMI_METHODS",
    "check_weights",
    "combine",
    "table_axes",
    "table_measure",
    "table_result",
    "zero_mass_error",
]

NMI_METHODS = ("arithmetic", "geometric", "min", "max")


def table_axes(func: str, ndim: int, axis: Any) -> tuple[int, int]:
    """The (X, Y) axes of the joint table: two distinct axes of an array with ``ndim`` >= 2."""
    if ndim < 2:
        raise ValueError(
            f"{func}: pxy must have at least 2 dimensions (a joint table of X and Y), not {ndim}"
        )
    if not isinstance(axis, (tuple, list)) or len(axis) != 2:
        raise TypeError(f"{func}: axis must be a pair of ints (X axis, Y axis), not {axis!r}")
    axes = []
    for item in axis:
        if isinstance(item, (bool, np.bool_)):
            raise TypeError(f"{func}: axis must be a pair of ints, not {axis!r}")
        try:
            a = operator.index(item)
        except TypeError:
            raise TypeError(f"{func}: axis must be a pair of ints, not {axis!r}") from None
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim, func)
        axes.append(a % ndim)
    if axes[0] == axes[1]:
        raise ValueError(f"{func}: the X and Y axes must differ, not {axis!r}")
    return axes[0], axes[1]


def zero_mass_error(func: str, index: tuple[int, ...]) -> InvalidDistributionError:
    where = f"the table at index {index}" if index else "the table"
    return InvalidDistributionError(
        f"{func}: pxy has zero total mass in {where}; it cannot be normalized",
        "zero_mass",
        "pxy",
        index,
    )


def combine(
    func: str,
    h_xy: npt.NDArray[np.float64],
    h_x: npt.NDArray[np.float64],
    h_y: npt.NDArray[np.float64],
    base: float | None,
    supports: tuple[np.ndarray, np.ndarray],
    given: str = "y",
    method: str = "arithmetic",
) -> npt.NDArray[np.float64]:
    """The measure ``func`` from the entropies in nats (rounding clamped to the measure's range),
    in ``base``. ``supports`` are the numbers of rows and of columns with positive mass: a
    marginal with one is certain, and its entropy is exactly 0 whatever the rounding."""
    x_certain, y_certain = (s <= 1 for s in supports)
    h_x = np.where(x_certain & ~np.isnan(h_x), 0.0, h_x)
    h_y = np.where(y_certain & ~np.isnan(h_y), 0.0, h_y)
    # With one marginal certain the joint entropy is the other's, exactly (so MI is exactly 0
    # even when the two were computed at different precisions).
    h_xy = np.where(x_certain & ~np.isnan(h_xy), h_y, h_xy)
    h_xy = np.where(y_certain & ~np.isnan(h_xy), h_x, h_xy)
    with np.errstate(invalid="ignore", divide="ignore"):
        if func == "joint_entropy":
            value = h_xy
        elif func == "mutual_information":
            value = np.maximum(h_x + h_y - h_xy, 0.0)
        elif func == "conditional_entropy":
            value = np.maximum(h_xy - (h_y if given == "y" else h_x), 0.0)
        elif func == "variation_of_information":
            value = np.maximum(2.0 * h_xy - h_x - h_y, 0.0)
        else:
            mi = np.maximum(h_x + h_y - h_xy, 0.0)
            if method == "arithmetic":
                norm = 0.5 * (h_x + h_y)
            elif method == "geometric":
                norm = np.sqrt(h_x * h_y)
            elif method == "min":
                norm = np.minimum(h_x, h_y)
            else:
                norm = np.maximum(h_x, h_y)
            # Both marginals certain: identical (one-cluster) labelings, NMI 1 as in scikit-learn.
            # A zero normaliser otherwise means MI = 0.
            both_certain = x_certain & y_certain
            ratio = np.where(norm > 0, mi / np.where(norm > 0, norm, 1.0), 0.0)
            value = np.where(both_certain, 1.0, np.clip(ratio, 0.0, 1.0))
            value = np.where(np.isnan(h_xy + h_x + h_y), np.nan, value)
            return np.asarray(value, dtype=np.float64)  # a ratio: the base cancels
    value = np.asarray(value, dtype=np.float64)
    return value / math.log(base) if base is not None else value


def check_given(func: str, given: Any) -> str:
    if given not in ("x", "y"):
        raise ValueError(f"{func}: given must be 'x' or 'y', not {given!r}")
    return str(given)


def check_method(func: str, method: Any) -> str:
    if method not in NMI_METHODS:
        raise ValueError(
            f"{func}: method must be one of {', '.join(map(repr, NMI_METHODS))}, not {method!r}"
        )
    return str(method)


#: H(X, Y), H(X), H(Y) in nats and the support sizes of the X and Y marginals, per table.
Entropies = tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]
#: How they are computed: ``(func, pxy, axis, nan_policy) -> (entropies, (X axis, Y axis))``.
EntropiesOf = Callable[[str, Any, Any, str], tuple[Entropies, tuple[int, int]]]


def table_measure(
    entropies_of: EntropiesOf,
    func: str,
    pxy: Any,
    base: Any,
    axis: Any,
    keepdims: bool,
    nan_policy: Any,
    given: str = "y",
    method: str = "arithmetic",
) -> np.ndarray | np.float64:
    """Measure ``func`` of the tables of ``pxy``: the argument checks, the entropies, then
    :func:`combine` and :func:`table_result`."""
    base = check_base(base, func)
    nan_policy = check_nan_policy(nan_policy, func)
    (h_xy, h_x, h_y, supports), axes = entropies_of(func, pxy, axis, nan_policy)
    value = combine(func, h_xy, h_x, h_y, base, supports, given, method)
    return table_result(value, axes, keepdims)


def table_result(
    value: npt.NDArray[np.float64], axes: tuple[int, int], keepdims: bool
) -> np.ndarray | np.float64:
    """``value`` (shaped as the batch) with the table axes kept as size 1 if asked; a float64
    scalar for a single table."""
    if keepdims:
        return np.expand_dims(value, tuple(sorted(axes)))
    if value.ndim == 0:
        return np.float64(value[()])
    return value


def check_weights(func: str, weights: Any, n: int) -> npt.NDArray[np.float64]:
    """Mixture weights: ``None`` (uniform) or ``n`` finite entries >= 0 with a positive sum,
    returned normalised."""
    if weights is None:
        if n == 0:
            raise ValueError(f"{func}: ps holds no distributions")
        return np.full(n, 1.0 / n)
    w = as_array(weights, "weights", func)
    if w.dtype.kind not in "fiu":
        raise TypeError(f"{func}: weights have dtype {w.dtype}; expected floats or integers")
    if w.shape != (n,):
        raise ValueError(f"{func}: weights have shape {w.shape}; expected ({n},), one per row")
    w = w.astype(np.float64)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{func}: weights[{i}] = {float(w[i])!r}; weights must be finite and >= 0")
    total = float(w.sum())
    if total == 0:
        raise ValueError(f"{func}: weights sum to 0")
    normalised: npt.NDArray[np.float64] = w / total
    return normalised
