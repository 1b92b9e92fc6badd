"""Pure-NumPy twins of the count estimators, the Boltzmann entropy and the Gaussian measures,
with their argument rules.

The estimators follow the R package ``entropy`` (Hausser & Strimmer): ``entropy.MillerMadow``,
``entropy.shrink`` (``freqs.shrink`` / ``get.lambda.shrink``) and ``entropy.ChaoShen``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from ._rules import Prepared, as_array, as_input_array, check_base, entry_index, prepare

__all__ = [
    "boltzmann_entropy",
    "entropy_from_counts",
    "gaussian_entropy",
    "gaussian_kl",
]

Result = np.ndarray | np.float64

ESTIMATORS = ("plugin", "miller_madow", "james_stein", "chao_shen")
KINDS = ("auto", "sigma", "diag", "full")
HALF_LN_2PI_E = 0.5 * math.log(2.0 * math.pi * math.e)

# ---------------------------------------------------------------------------------------------
# Argument rules


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
    index = entry_index(prep, prep.arrays[0].shape, distribution, position)
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


def too_large(func: str, distribution: int) -> ValueError:
    return ValueError(
        f"{func}: the counts of distribution {distribution} are too large: ln N! overflows float64"
    )


def as_float_param(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as a float64 array (float or integer dtypes only)."""
    arr = as_array(x, name, func)
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


# ---------------------------------------------------------------------------------------------
# Counts


def _count_rows(prep: Prepared) -> np.ndarray:
    """(distributions, cells) float64 copy of the counts, checked: the first distribution with a
    bad entry or (``zero_mass``) no counts raises."""
    arr = prep.arrays[0]
    rows = math.prod(prep.batch_shape)
    x = prep.canonical(arr).astype(np.float64).reshape(rows, math.prod(prep.reduced_shape))
    with np.errstate(invalid="ignore"):
        good = np.isfinite(x) & (x >= 0) & (x == np.floor(x))
    bad = ~good
    zero = x.sum(axis=1) == 0 if prep.func != "boltzmann_entropy" else np.zeros(rows, bool)
    problems = bad.any(axis=1) | (zero & ~bad.any(axis=1))
    if problems.any():
        d = int(np.argmax(problems))
        if bad[d].any():
            j = int(np.argmax(bad[d]))
            v = float(x[d, j])
            kind = (
                "nan"
                if math.isnan(v)
                else "infinite"
                if math.isinf(v)
                else "negative"
                if v < 0
                else "not_whole"
            )
            raise count_error(prep, kind, d, j, v)
        raise count_error(prep, "zero_mass", d, 0, 0.0)
    return x


def _xlogx(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(x), 0.0)


def _estimate(estimator: str, x: np.ndarray) -> np.ndarray:
    n = x.sum(axis=1)
    k = x.shape[1]
    u = x / n[:, None]
    if estimator in ("plugin", "miller_madow"):
        h = np.maximum(-_xlogx(u).sum(axis=1), 0.0)
        if estimator == "miller_madow":
            m = (x > 0).sum(axis=1)
            h = h + (m - 1) / (2 * n)
        return np.asarray(h)
    if estimator == "james_stein":
        target = 1.0 / k if k else 0.0  # k == 0 only in a batch of no distributions
        with np.errstate(divide="ignore", invalid="ignore"):
            var_u = (u * (1 - u)).sum(axis=1) / (n - 1)
            misfit = ((u - target) ** 2).sum(axis=1)
            lam = np.where(misfit == 0, 1.0, var_u / misfit)
        lam = np.where(n == 1, 1.0, np.clip(lam, 0.0, 1.0))
        theta = lam[:, None] * target + (1 - lam[:, None]) * u
        return np.asarray(np.maximum(-_xlogx(theta).sum(axis=1), 0.0))
    # Chao-Shen
    f1 = (x == 1).sum(axis=1).astype(np.float64)
    f1 = np.where(f1 == n, n - 1, f1)
    coverage = 1 - f1 / n
    pa = coverage[:, None] * u
    with np.errstate(divide="ignore", invalid="ignore"):
        seen = -np.expm1(n[:, None] * np.log1p(-pa))
        terms = np.where(x > 0, pa * np.log(pa) / seen, 0.0)
    return np.asarray(np.maximum(-terms.sum(axis=1), 0.0))


def _in_base(values: np.ndarray, base: float | None) -> np.ndarray:
    return values if base is None else values / math.log(base)


def entropy_from_counts(
    counts: npt.ArrayLike,
    estimator: str = "plugin",
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
) -> Result:
    """NumPy twin of :func:`entropykit.entropy_from_counts`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.entropy_from_counts([2, 2], base=2))
    1.0
    """
    func = "entropy_from_counts"
    estimator = check_estimator(estimator, func)
    prep = prepare_counts(func, counts, axis, keepdims, base)
    x = _count_rows(prep)
    return prep.shape_result(_in_base(_estimate(estimator, x), prep.base))


def _lgamma(x: float) -> float:
    try:
        return math.lgamma(x)
    except OverflowError:
        return math.inf


def _ln_factorial(x: np.ndarray) -> np.ndarray:
    """ln(x!) by ``math.lgamma``, called once per distinct value (counts repeat a lot)."""
    values, inverse = np.unique(x, return_inverse=True)
    logs = np.array([_lgamma(v + 1.0) for v in values.tolist()], dtype=np.float64)
    return logs[inverse].reshape(x.shape)


def boltzmann_entropy(
    counts: npt.ArrayLike,
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
) -> Result:
    """NumPy twin of :func:`entropykit.boltzmann_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> round(float(reference.boltzmann_entropy([1, 1], base=2)), 12)  # W = 2
    1.0
    """
    func = "boltzmann_entropy"
    prep = prepare_counts(func, counts, axis, keepdims, base)
    x = _count_rows(prep)
    n = x.sum(axis=1)
    with np.errstate(invalid="ignore"):
        ln_w = _ln_factorial(n) - _ln_factorial(x).sum(axis=1)
    if not np.isfinite(ln_w).all():
        raise too_large(func, int(np.argmax(~np.isfinite(ln_w))))
    return prep.shape_result(_in_base(np.maximum(ln_w, 0.0), prep.base))


# ---------------------------------------------------------------------------------------------
# Gaussians


def _check_domain(call: GaussianCall, arg: str, arr: np.ndarray, positive: bool) -> None:
    good = np.isfinite(arr) & (arr > 0) if positive else np.isfinite(arr)
    if not good.all():
        flat = int(np.argmax(~good.ravel()))
        raise call.bad_parameter(arg, flat, float(arr.ravel()[flat]))


def _first_failing_pivot(a: np.ndarray) -> int:
    """The row where the Cholesky factorisation of ``a`` meets a pivot that is not > 0: the
    smallest k whose leading (k + 1) x (k + 1) block is not positive definite."""
    for k in range(a.shape[-1]):
        try:
            np.linalg.cholesky(a[: k + 1, : k + 1])
        except np.linalg.LinAlgError:
            return k
    return int(a.shape[-1]) - 1


def _cholesky(
    call: GaussianCall, args: tuple[str, ...], covs: tuple[np.ndarray, ...]
) -> list[np.ndarray]:
    """Cholesky factors of batches of covariances, or the error naming the first matrix (lowest
    batch index, then argument order) that has none."""
    d = call.d
    flats = [c.reshape(-1, d, d) for c in covs]
    try:
        return [np.linalg.cholesky(f) for f in flats]
    except np.linalg.LinAlgError:
        pass
    for m in range(call.rows):
        for arg, flat in zip(args, flats, strict=True):
            try:
                np.linalg.cholesky(flat[m])
            except np.linalg.LinAlgError:
                pivot = _first_failing_pivot(flat[m])
                raise call.not_positive_definite(arg, m, pivot) from None
    raise AssertionError("a batch Cholesky failed but no single matrix does")


def _half_log_det(chol: np.ndarray) -> np.ndarray:
    logs: np.ndarray = np.log(np.diagonal(chol, axis1=-2, axis2=-1))
    return np.asarray(logs.sum(axis=-1))


def gaussian_entropy(
    cov_or_sigma: npt.ArrayLike, *, base: float | None = None, kind: str = "auto"
) -> Result:
    """NumPy twin of :func:`entropykit.gaussian_entropy`.

    Examples
    --------
    >>> import math
    >>> from entropykit import reference
    >>> bool(abs(reference.gaussian_entropy(1.0) - 0.5 * math.log(2 * math.pi * math.e)) < 1e-15)
    True
    """
    call = prepare_entropy("gaussian_entropy", cov_or_sigma, base, kind)
    (x,) = call.arrays
    if call.kind == "sigma":
        _check_domain(call, "sigma", x, True)
        values = np.log(x) + HALF_LN_2PI_E
    elif call.kind == "diag":
        _check_domain(call, "var", x, True)
        values = call.d * HALF_LN_2PI_E + 0.5 * np.log(x).sum(axis=-1)
    else:
        _check_domain(call, "cov", x, False)
        if call.d == 0:
            values = np.zeros(call.batch)
        else:
            (chol,) = _cholesky(call, ("cov",), (x,))
            values = call.d * HALF_LN_2PI_E + _half_log_det(chol)
    return call.shape_result(_in_base(np.asarray(values, dtype=np.float64), call.base))


def gaussian_kl(
    mu1: npt.ArrayLike,
    s1: npt.ArrayLike,
    mu2: npt.ArrayLike,
    s2: npt.ArrayLike,
    *,
    base: float | None = None,
    kind: str = "auto",
) -> Result:
    """NumPy twin of :func:`entropykit.gaussian_kl`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.gaussian_kl(0.0, 1.0, 1.0, 1.0))
    0.5
    """
    call = prepare_kl("gaussian_kl", mu1, s1, mu2, s2, base, kind)
    m1, c1, m2, c2 = call.arrays
    positive = call.kind != "full"
    for name, arr, pos in (
        ("mu1", m1, False),
        ("s1", c1, positive),
        ("mu2", m2, False),
        ("s2", c2, positive),
    ):
        _check_domain(call, name, arr, pos)
    if call.kind == "sigma":
        t = c1 / c2
        z = (m1 - m2) / c2
        values = 0.5 * (t**2 + z**2 - 1.0) - np.log(t)
    elif call.kind == "diag":
        r = c1 / c2
        values = (0.5 * (r + (m1 - m2) ** 2 / c2 - 1.0 - np.log(r))).sum(axis=-1)
    elif call.d == 0:
        values = np.zeros(call.batch)
    else:
        d = call.d
        l1, l2 = _cholesky(call, ("s1", "s2"), (c1, c2))
        x = np.linalg.solve(l2, l1)  # L2^-1 L1
        y = np.linalg.solve(l2, (m2 - m1).reshape(-1, d, 1))  # L2^-1 (mu2 - mu1)
        trace = (x**2).sum(axis=(-2, -1))
        maha = (y**2).sum(axis=(-2, -1))
        values = 0.5 * (trace + maha - d) + _half_log_det(l2) - _half_log_det(l1)
    values = np.maximum(np.asarray(values, dtype=np.float64), 0.0)
    return call.shape_result(_in_base(values, call.base))
