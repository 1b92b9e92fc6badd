"""NumPy twins of the rest of the family (Jensen-Shannon, Renyi, Tsallis, perplexity and the
measures of a joint table): same signatures, same results, same exceptions as
:mod:`entropykit`, computed with plain NumPy on normalised copies."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ._rows import Result, checked_rows, fix_scale
from ._rules import as_input_array, check_order, prepare
from ._tables import (
    Entropies,
    check_given,
    check_method,
    check_weights,
    table_axes,
    table_measure,
    zero_mass_error,
)
from .core import _reduce

__all__ = [
    "conditional_entropy",
    "joint_entropy",
    "js_distance",
    "js_divergence",
    "js_divergence_many",
    "mutual_information",
    "normalized_mutual_information",
    "perplexity",
    "renyi_entropy",
    "tsallis_entropy",
    "variation_of_information",
]

ArrayLike = npt.ArrayLike
Axis = int | tuple[int, ...] | None


def _xlogx(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        # NaN (kept under nan_policy="propagate") stays NaN; zeros give 0.
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), np.where(np.isnan(x), x, 0.0))


def _in_base(value: np.ndarray, base: float | None) -> np.ndarray:
    return value / math.log(base) if base is not None else value


def js_divergence(
    p: ArrayLike,
    q: ArrayLike,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.js_divergence`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.js_divergence([1, 0], [0, 1], base=2))
    1.0
    """
    prep = prepare("js_divergence", p, q, axis, keepdims, normalize, nan_policy, base, binary=True)
    return prep.shape_result(_js(prep))


def _js(prep: Any) -> np.ndarray:
    rows = checked_rows(prep, True)
    p, q = rows.p, rows.q
    if prep.normalize:
        p, mass_p = fix_scale(p, rows.mass_p)
        q, mass_q = fix_scale(q, rows.mass_q)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = p / mass_p[:, None]
            q = q / mass_q[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        # Differences of logs, not logs of ratios, and ln m = ln(p + q) - ln 2: a ratio or a
        # half of subnormals can round to 0.
        log_m = np.log(np.where(p + q > 0, p + q, 1.0)) - math.log(2.0)
        terms = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - log_m), 0.0)
        terms += np.where(q > 0, q * (np.log(np.where(q > 0, q, 1.0)) - log_m), 0.0)
        terms = np.where(p == q, 0.0, terms)  # equal entries contribute exactly 0
        value = 0.5 * terms.sum(axis=1)
    if prep.normalize:
        value = np.clip(value, 0.0, math.log(2.0))
    value = np.where(rows.has_nan, np.nan, value)
    return _in_base(value, prep.base)


def js_distance(
    p: ArrayLike,
    q: ArrayLike,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.js_distance`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.js_distance([1, 0], [0, 1], base=2))
    1.0
    """
    prep = prepare("js_distance", p, q, axis, keepdims, normalize, nan_policy, base, binary=True)
    return np.sqrt(np.maximum(prep.shape_result(_js(prep)), 0.0))


def js_divergence_many(
    ps: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    base: float | None = None,
    axis: int = -1,
) -> np.float64:
    """NumPy twin of :func:`entropykit.js_divergence_many`, as H(mixture) - sum w_i H(p_i).

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.js_divergence_many([[1, 0], [0, 1]], base=2))
    1.0
    """
    func = "js_divergence_many"
    arr = as_input_array(ps, "ps", func)
    if arr.ndim != 2:
        raise ValueError(f"{func}: ps must be 2-D (distributions x outcomes), not {arr.ndim}-D")
    prep = prepare(func, arr, None, axis, False, True, "propagate", base, names=("ps",))
    w = check_weights(func, weights, prep.batch_shape[0])
    rows = checked_rows(prep, False)
    if rows.has_nan.any():
        return np.float64(np.nan)
    p, mass = fix_scale(rows.p, rows.mass_p)
    p = p / mass[:, None]
    mixture = w @ p
    own = -_xlogx(p).sum(axis=1)
    value = max(float(-_xlogx(mixture).sum() - np.sum(w * own)), 0.0)
    return np.float64(value / math.log(prep.base) if prep.base is not None else value)


def _power_family(func: str, prep: Any, order: float) -> np.ndarray:
    rows = checked_rows(prep, False, require_mass=True)
    p = rows.p
    # The support is judged on the entries themselves: a p/S_p that underflows to 0 is still in
    # it (Hartley's alpha = 0 counts it).
    positive = p > 0
    if prep.normalize:
        p, mass = fix_scale(p, rows.mass_p)
        p = p / mass[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if order == 1.0:
            value = -_xlogx(p).sum(axis=1)
        else:
            peak = p.max(axis=1, initial=0.0)
            ln_peak = np.log(peak)
            if order == 0.0:
                ln_sum = np.log(positive.sum(axis=1).astype(np.float64))
            elif order == math.inf:
                ln_sum = None
            else:
                ratio = p / np.where(peak > 0, peak, 1.0)[:, None]
                powers = np.where(positive, np.exp(order * np.log(np.where(positive, ratio, 1))), 0)
                ln_sum = order * ln_peak + np.log(powers.sum(axis=1))
            if func == "renyi_entropy":
                value = -ln_peak if ln_sum is None else ln_sum / (1.0 - order)
            else:
                value = (
                    np.zeros_like(ln_peak) if ln_sum is None else -np.expm1(ln_sum) / (order - 1)
                )
    if prep.normalize:
        value = np.maximum(value, 0.0)
    value = np.where(rows.has_nan, np.nan, value)
    return _in_base(value, prep.base)


def renyi_entropy(
    p: ArrayLike,
    alpha: float,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.renyi_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.renyi_entropy([1, 1, 1, 1], 2, base=2))
    2.0
    """
    alpha = check_order("renyi_entropy", "alpha", alpha)
    prep = prepare("renyi_entropy", p, None, axis, keepdims, normalize, nan_policy, base)
    return prep.shape_result(_power_family("renyi_entropy", prep, alpha))


def tsallis_entropy(
    p: ArrayLike,
    q_index: float,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.tsallis_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.tsallis_entropy([0.5, 0.5], 2))
    0.5
    """
    q_index = check_order("tsallis_entropy", "q_index", q_index)
    prep = prepare("tsallis_entropy", p, None, axis, keepdims, normalize, nan_policy, base)
    return prep.shape_result(_power_family("tsallis_entropy", prep, q_index))


def perplexity(
    p: ArrayLike,
    *,
    base: float | None = None,
    axis: Axis = -1,
    keepdims: bool = False,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.perplexity`.

    Examples
    --------
    >>> from entropykit import reference
    >>> round(float(reference.perplexity([1, 1, 1, 1])), 12)
    4.0
    """
    prep = prepare("perplexity", p, None, axis, keepdims, normalize, nan_policy, base)
    prep.base = None
    h = _reduce("entropy", prep)
    return np.exp(h)


def _table_entropies(
    func: str, pxy: ArrayLike, axis: Any, nan_policy: str
) -> tuple[Entropies, tuple[int, int]]:
    arr = as_input_array(pxy, "pxy", func)
    x_axis, y_axis = table_axes(func, arr.ndim, axis)
    prep = prepare(func, arr, None, y_axis, False, True, nan_policy, None, names=("pxy",))
    rows = checked_rows(prep, False, require_mass=False)
    x_at = prep.batch_axes.index(x_axis)
    tables = np.moveaxis(rows.p.reshape((*prep.batch_shape, rows.p.shape[-1])), x_at, -2)
    mass = tables.sum(axis=(-2, -1))
    zero = mass == 0
    if zero.any():
        index = np.unravel_index(int(np.argmax(zero)), zero.shape) if zero.ndim else ()
        raise zero_mass_error(func, tuple(int(i) for i in index))
    # The same power-of-two scalings as the kernel path (exact; entropies ignore scale).
    if np.isinf(mass).any():
        tables = np.ldexp(tables, -600)
    elif ((mass > 0) & (mass < 2.0**-500)).any():
        tables = np.ldexp(tables, 600)
    mass = tables.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        pn = tables / mass[..., None, None]
    h_xy = np.maximum(-_xlogx(pn).sum(axis=(-2, -1)), 0.0)
    h_x = np.maximum(-_xlogx(pn.sum(axis=-1)).sum(axis=-1), 0.0)
    h_y = np.maximum(-_xlogx(pn.sum(axis=-2)).sum(axis=-1), 0.0)
    supports = ((tables.sum(axis=-1) > 0).sum(axis=-1), (tables.sum(axis=-2) > 0).sum(axis=-1))
    return (h_xy, h_x, h_y, supports), (x_axis, y_axis)


def joint_entropy(
    pxy: ArrayLike,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.joint_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.joint_entropy([[1, 1], [1, 1]], base=2))
    2.0
    """
    return table_measure(_table_entropies, "joint_entropy", pxy, base, axis, keepdims, nan_policy)


def mutual_information(
    pxy: ArrayLike,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.mutual_information`.

    Examples
    --------
    >>> from entropykit import reference
    >>> round(float(reference.mutual_information([[5, 0], [0, 5]], base=2)), 12)
    1.0
    """
    return table_measure(
        _table_entropies, "mutual_information", pxy, base, axis, keepdims, nan_policy
    )


def conditional_entropy(
    pxy: ArrayLike,
    *,
    given: str = "y",
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.conditional_entropy`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.conditional_entropy([[1, 1], [1, 1]], given="x", base=2))
    1.0
    """
    given = check_given("conditional_entropy", given)
    return table_measure(
        _table_entropies, "conditional_entropy", pxy, base, axis, keepdims, nan_policy, given
    )


def variation_of_information(
    pxy: ArrayLike,
    *,
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.variation_of_information`.

    Examples
    --------
    >>> from entropykit import reference
    >>> round(float(reference.variation_of_information([[1, 1], [1, 1]], base=2)), 12)
    2.0
    """
    return table_measure(
        _table_entropies, "variation_of_information", pxy, base, axis, keepdims, nan_policy
    )


def normalized_mutual_information(
    pxy: ArrayLike,
    *,
    method: str = "arithmetic",
    base: float | None = None,
    axis: tuple[int, int] = (-2, -1),
    keepdims: bool = False,
    nan_policy: str = "propagate",
) -> Result:
    """NumPy twin of :func:`entropykit.normalized_mutual_information`.

    Examples
    --------
    >>> from entropykit import reference
    >>> float(reference.normalized_mutual_information([[3, 0], [0, 7]]))
    1.0
    """
    method = check_method("normalized_mutual_information", method)
    return table_measure(
        _table_entropies,
        "normalized_mutual_information",
        pxy,
        base,
        axis,
        keepdims,
        nan_policy,
        method=method,
    )
