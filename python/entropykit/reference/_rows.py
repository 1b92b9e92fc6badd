"""The checked rows the NumPy twins start from: the input rules applied with NumPy, raising
exactly what the kernels raise."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ._rules import Prepared, data_error

__all__ = ["Result", "Rows", "checked_rows", "fix_scale", "rows_of"]

Result = np.ndarray | np.float64


def rows_of(prep: Prepared, arr: np.ndarray) -> np.ndarray:
    """(distributions, entries) float64 copy of ``arr`` in the canonical order."""
    rows = math.prod(prep.batch_shape)
    return prep.canonical(arr).astype(np.float64).reshape(rows, math.prod(prep.reduced_shape))


def _first_true(mask: npt.NDArray[np.bool_] | np.bool_) -> int:
    return int(np.argmax(mask))


def fix_scale(x: np.ndarray, mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose sum overflowed are scaled by a power of two (exact) so that it does not:
    normalised measures do not depend on scale."""
    big = np.isinf(mass)
    if big.any():
        x = x.copy()
        x[big] = np.ldexp(x[big], -600)
        mass = mass.copy()
        mass[big] = x[big].sum(axis=1)
    return x, mass


class Rows:
    """Checked (distributions, entries) float64 rows of p (and q) with their masses."""

    def __init__(
        self, p: np.ndarray, q: np.ndarray, mass_p: np.ndarray, mass_q: np.ndarray, nan: np.ndarray
    ) -> None:
        self.p = p
        self.q = q
        self.mass_p = mass_p
        self.mass_q = mass_q
        self.has_nan = nan


def checked_rows(prep: Prepared, binary: bool, require_mass: bool | None = None) -> Rows:
    """The rows of ``prep``'s arrays after the input rules, raising exactly what the kernels
    raise: the first offending distribution, in it the first bad entry of p, then of q, then a
    zero mass of p, then of q (mass is required under ``normalize`` unless told otherwise)."""
    p = rows_of(prep, prep.arrays[0])
    q = rows_of(prep, prep.arrays[1]) if binary else p
    policy = prep.nan_policy

    if policy == "omit":
        dropped = np.isnan(p) | np.isnan(q)
        p = np.where(dropped, 0.0, p)
        q = np.where(dropped, 0.0, q)

    def bad(x: np.ndarray) -> np.ndarray:
        mask: np.ndarray = np.isinf(x) | (x < 0)
        return mask | np.isnan(x) if policy == "raise" else mask

    with np.errstate(invalid="ignore", over="ignore"):
        bad_p = bad(p)
        bad_q = bad(q) if binary else np.zeros_like(bad_p)
        has_nan = np.isnan(p).any(axis=1) | (np.isnan(q).any(axis=1) if binary else False)
        mass_p = p.sum(axis=1)
        mass_q = q.sum(axis=1)

    problems = bad_p.any(axis=1) | bad_q.any(axis=1)
    if prep.normalize if require_mass is None else require_mass:
        zero_p = (mass_p == 0) & ~has_nan
        zero_q = (mass_q == 0) & ~has_nan if binary else np.zeros_like(zero_p)
        problems |= zero_p | zero_q
    if problems.any():
        d = _first_true(problems)
        for arg, x, mask in (("p", p, bad_p), ("q", q, bad_q)):
            if mask[d].any():
                j = _first_true(mask[d])
                entry = float(x[d, j])
                kind = "nan" if np.isnan(entry) else "infinite" if np.isinf(entry) else "negative"
                raise data_error(prep, kind, arg, d, j, entry)
        raise data_error(prep, "zero_mass", "p" if zero_p[d] else "q", d, 0, 0.0)
    return Rows(p, q, mass_p, mass_q, has_nan)
