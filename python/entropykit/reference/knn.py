"""NumPy twins of the k-NN estimators, with their argument rules.

Neighbour searches use ``scipy.spatial.cKDTree`` when SciPy is installed (it is in the ``test``
extra; imported lazily, so ``import entropykit`` never needs it) and a brute-force O(n^2) NumPy
scan otherwise. Digamma at whole numbers is computed here (harmonic sums, then the asymptotic
series), so the formulas need NumPy only.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import as_array, check_base

__all__ = [
    "knn_entropy",
    "knn_kl_divergence",
    "knn_mutual_information",
    "knn_mutual_information_many",
]

EULER_GAMMA = 0.5772156649015329

# ---------------------------------------------------------------------------------------------
# Argument rules


def _shape_repr(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def _samples(x: Any, name: str, func: str, two_d: bool = False) -> np.ndarray:
    """``x`` as float64 rows (n, d), after the shape and dtype checks."""
    arr = as_array(x, name, func)
    kind = arr.dtype.kind
    if kind not in "fiu":
        raise TypeError(f"{func}: {name} has dtype {arr.dtype}; expected a float or integer dtype")
    if not (arr.ndim == 2 or (arr.ndim == 1 and not two_d)):
        want = "(n, p)" if two_d else "(n,) or (n, d)"
        raise ValueError(f"{func}: {name} must have shape {want}, not {_shape_repr(arr.shape)}")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(
            f"{func}: {name} has shape {_shape_repr(arr.shape)}; samples need at least one "
            "coordinate"
        )
    rows = arr.astype(np.float64)
    return rows.reshape(-1, 1) if rows.ndim == 1 else rows


def _check_k(k: Any, func: str) -> int:
    if isinstance(k, (bool, np.bool_)):
        raise TypeError(f"{func}: k must be an integer >= 1, not {k!r}")
    try:
        value = int(k.__index__())
    except (AttributeError, TypeError):
        raise TypeError(f"{func}: k must be an integer >= 1, not {k!r}") from None
    if value < 1:
        raise ValueError(f"{func}: k must be an integer >= 1, not {value}")
    return value


def _check_finite(rows: np.ndarray, shape: tuple[int, ...], name: str, func: str) -> None:
    bad = np.flatnonzero(~np.isfinite(rows.ravel()))
    if bad.size == 0:
        return
    index = tuple(int(i) for i in np.unravel_index(bad[0], shape))
    value = float(rows.ravel()[bad[0]])
    at = f"{name}[{', '.join(map(str, index))}]"
    if math.isnan(value):
        message, kind = f"{func}: {at} is NaN; samples must be finite", "nan"
    else:
        message, kind = (
            f"{func}: {at} = {value!r} is not finite; samples must be finite",
            "infinite",
        )
    raise InvalidDistributionError(message, kind, name, index)


def _check_n(k: int, n: int, func: str) -> None:
    if k >= n:
        raise ValueError(
            f"{func}: k = {k} must be below the number of samples n = {n} (each sample needs k "
            "others)"
        )


def _check_paired(x: np.ndarray, y: np.ndarray, names: tuple[str, str], func: str) -> None:
    if len(x) != len(y):
        raise ValueError(
            f"{func}: {names[0]} has {len(x)} samples and {names[1]} has {len(y)}; they must "
            "pair up (same number of rows)"
        )


def _check_distinct(name: str, k: int, eps: np.ndarray, what: str, func: str) -> None:
    zero = np.flatnonzero(eps == 0.0)
    if zero.size:
        raise ValueError(
            f"{func}: {name}[{zero[0]}] has its k-th nearest {what} at distance 0 (at least "
            f"k = {k} samples equal to it), and the estimator takes the log of that distance: "
            "remove repeated values, add a little noise, or raise k"
        )


# ---------------------------------------------------------------------------------------------
# Neighbour searches


def _tree(points: np.ndarray) -> Any:
    # importlib keeps SciPy optional for mypy too (it ships no type stubs).
    try:
        spatial = importlib.import_module("scipy.spatial")
    except ImportError:
        return None
    return spatial.cKDTree(points)


def _pairwise(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    diff = np.abs(a[:, None, :] - b[None, :, :])
    dist: np.ndarray = diff.max(axis=2) if p == np.inf else np.sqrt((diff**2).sum(axis=2))
    return dist


def _kth_within(points: np.ndarray, k: int, p: float) -> np.ndarray:
    """Distance from each row to its k-th nearest other row (a copy of itself counts)."""
    if points.shape[1] == 1:
        p = np.inf  # |a - b| itself: a square of a tiny difference would underflow to 0
    tree = _tree(points)
    if tree is not None:
        # Row i is its own first neighbour (distance 0), so the k-th other one is the (k+1)-th.
        found: np.ndarray = tree.query(points, k=[k + 1], p=p)[0][:, 0]
        return found
    dist = _pairwise(points, points, p)
    np.fill_diagonal(dist, np.inf)
    kth: np.ndarray = np.sort(dist, axis=1)[:, k - 1]
    return kth


def _kth_from(queries: np.ndarray, points: np.ndarray, k: int, p: float) -> np.ndarray:
    """Distance from each query to its k-th nearest row of ``points``."""
    if points.shape[1] == 1:
        p = np.inf
    tree = _tree(points)
    if tree is not None:
        found: np.ndarray = tree.query(queries, k=[k], p=p)[0][:, 0]
        return found
    kth: np.ndarray = np.sort(_pairwise(queries, points, p), axis=1)[:, k - 1]
    return kth


def _count_within(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """For each row, the rows (itself included) at max-norm distance <= its radius."""
    tree = _tree(points)
    if tree is not None:
        counts: np.ndarray = tree.query_ball_point(points, radius, p=np.inf, return_length=True)
        return counts
    inside: np.ndarray = (_pairwise(points, points, np.inf) <= radius[:, None]).sum(axis=1)
    return inside


def _digamma(m: npt.ArrayLike) -> np.ndarray:
    """psi at whole numbers m >= 1: -gamma + H(m - 1) below 20, the asymptotic series above."""
    m = np.asarray(m, dtype=np.float64)
    # H(m - 1) as summed left to right, like the Rust table, below 20.
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1.0, 20.0))]) - EULER_GAMMA
    small = harmonic[np.clip(m, 1, 20).astype(np.int64) - 1]
    x = np.maximum(m, 20.0)
    r = 1.0 / (x * x)
    series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r / 132))))
    large = np.log(x) - 0.5 / x - series
    psi: np.ndarray = np.where(m < 20, small, large)
    return psi


def _in_base(value: float, base: float | None) -> np.float64:
    return np.float64(value / math.log(base) if base is not None else value)


def _ln_unit_ball(d: int) -> float:
    return 0.5 * d * math.log(math.pi) - math.lgamma(1.0 + d / 2.0)


# ---------------------------------------------------------------------------------------------
# The estimators


def knn_entropy(x: npt.ArrayLike, k: int = 3, *, base: float | None = None) -> np.float64:
    """NumPy twin of :func:`entropykit.knn_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> round(float(reference.knn_entropy([0.0, 1.0, 3.0, 6.0], k=1)), 6)
    2.97442
    """
    func = "knn_entropy"
    shape = np.shape(as_array(x, "x", func))
    rows = _samples(x, "x", func)
    k = _check_k(k, func)
    base = check_base(base, func)
    _check_finite(rows, shape, "x", func)
    n, d = rows.shape
    _check_n(k, n, func)
    eps = _kth_within(rows, k, 2.0)
    _check_distinct("x", k, eps, "neighbour", func)
    h = _digamma(n) - _digamma(k) + _ln_unit_ball(d) + d * np.log(eps).sum() / n
    return _in_base(float(h), base)


def _ksg(x: np.ndarray, y: np.ndarray, k: int) -> float:
    n = len(x)
    eps = _kth_within(np.hstack([x, y]), k, np.inf)
    # scikit-learn counts within np.nextafter(eps, 0): strictly closer than eps (0 stays 0).
    radius = np.nextafter(eps, 0)
    nx = _count_within(x, radius)
    ny = _count_within(y, radius)
    mi = _digamma(n) + _digamma(k) - _digamma(nx).sum() / n - _digamma(ny).sum() / n
    return max(0.0, float(mi))


def knn_mutual_information(x: npt.ArrayLike, y: npt.ArrayLike, k: int = 3) -> np.float64:
    """NumPy twin of :func:`entropykit.knn_mutual_information`.

    Examples
    --------
    >>> from entropykit import reference
    >>> x = [0.0, 1.0, 2.0, 3.0]
    >>> round(float(reference.knn_mutual_information(x, x, k=1)), 6)  # psi(4) - psi(1)
    1.833333
    """
    func = "knn_mutual_information"
    xs, ys = np.shape(as_array(x, "x", func)), np.shape(as_array(y, "y", func))
    xr = _samples(x, "x", func)
    yr = _samples(y, "y", func)
    k = _check_k(k, func)
    _check_finite(xr, xs, "x", func)
    _check_finite(yr, ys, "y", func)
    _check_paired(xr, yr, ("x", "y"), func)
    _check_n(k, len(xr), func)
    return np.float64(_ksg(xr, yr, k))


def knn_mutual_information_many(
    X: npt.ArrayLike, y: npt.ArrayLike, k: int = 3
) -> npt.NDArray[np.float64]:
    """NumPy twin of :func:`entropykit.knn_mutual_information_many`.

    Examples
    --------
    >>> from entropykit import reference
    >>> X = [[0.0, 3.0], [1.0, 1.0], [2.0, 2.0]]
    >>> reference.knn_mutual_information_many(X, [0, 1, 2], k=1).round(6)
    array([1.5     , 0.833333])
    """
    func = "knn_mutual_information_many"
    xs, ys = np.shape(as_array(X, "X", func)), np.shape(as_array(y, "y", func))
    xr = _samples(X, "X", func, two_d=True)
    yr = _samples(y, "y", func)
    k = _check_k(k, func)
    _check_finite(xr, xs, "X", func)
    _check_finite(yr, ys, "y", func)
    _check_paired(xr, yr, ("X", "y"), func)
    _check_n(k, len(xr), func)
    return np.array([_ksg(xr[:, j : j + 1], yr, k) for j in range(xr.shape[1])], dtype=np.float64)


def knn_kl_divergence(x: npt.ArrayLike, y: npt.ArrayLike, k: int = 1) -> np.float64:
    """NumPy twin of :func:`entropykit.knn_kl_divergence`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.knn_kl_divergence([0.0, 1.0, 2.0], [0.5, 1.5, 2.5, 3.5]))  # ln(1/2) + ln 2
    0.0
    """
    func = "knn_kl_divergence"
    xs, ys = np.shape(as_array(x, "x", func)), np.shape(as_array(y, "y", func))
    xr = _samples(x, "x", func)
    yr = _samples(y, "y", func)
    k = _check_k(k, func)
    _check_finite(xr, xs, "x", func)
    _check_finite(yr, ys, "y", func)
    (n, d), m = xr.shape, len(yr)
    if yr.shape[1] != d:
        raise ValueError(
            f"{func}: x has samples of dimension {d} and y of dimension {yr.shape[1]}; they must "
            "match"
        )
    _check_n(k, n, func)
    if k > m:
        raise ValueError(f"{func}: k = {k} must be at most the number of samples of y, m = {m}")
    rho = _kth_within(xr, k, 2.0)
    _check_distinct("x", k, rho, "neighbour", func)
    nu = _kth_from(xr, yr, k, 2.0)
    _check_distinct("x", k, nu, "sample of y", func)
    return np.float64(d * np.log(nu / rho).sum() / n + math.log(m / (n - 1)))
