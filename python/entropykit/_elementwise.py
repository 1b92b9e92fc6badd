"""Elementwise information functions, computed by a SIMD and multithreaded Rust kernel with the
semantics of the NumPy twins in :mod:`entropykit.reference`.

``entr``, ``rel_entr``, ``kl_div`` and ``xlogy`` are SciPy's convex-analysis functions
(``scipy.special``): same formulas, same extended values (-inf, +inf, NaN) outside their
domains, and results within a few ulp of SciPy's. ``binary_entropy`` and ``surprisal`` take
probabilities and raise :class:`~entropykit.InvalidDistributionError` for entries outside
[0, 1].

Arguments broadcast with NumPy's rules. The result is float32 when every array argument is
float32 or float16 (Python numbers adapt, as in NumPy 2), else float64; it is computed in
float64 either way, so float32 results are the float64 ones rounded. Scalar arguments give a
NumPy scalar, as ufuncs do. Inputs are never modified.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = [
    "binary_entropy",
    "entr",
    "kl_div",
    "rel_entr",
    "surprisal",
    "xlogy",
]

Result = np.ndarray | np.float64 | np.float32


def entr(x: npt.ArrayLike, *, base: float | None = None) -> Result:
    """Elementwise entropy term -x ln x, as ``scipy.special.entr``.

    This is SciPy's convex-analysis function and keeps its extended values: 0 at x = 0, -inf
    for x < 0 (outside the domain of the concave function), NaN for NaN.

    Parameters
    ----------
    x : array_like
        float16, float32, float64, integer or boolean values.
    base : float, optional
        Logarithm base; None (the default) gives nats.

    Returns
    -------
    numpy.ndarray or numpy scalar
        x's shape; float32 for float32 or float16 input, else float64.

    Raises
    ------
    TypeError
        For a dtype other than those above.
    ValueError
        For an invalid ``base``.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.entr([0.0, 0.5, -1.0])
    array([0.        , 0.34657359,       -inf])
    >>> float(ek.entr(0.5, base=2))
    0.5
    """
    return _core.entr(x, base)


def rel_entr(x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None) -> Result:
    """Elementwise relative entropy x ln(x / y), as ``scipy.special.rel_entr``.

    SciPy's convex-analysis function, with its extended values: 0 for x = 0 and y >= 0; NaN if
    either argument is NaN; +inf for every other point outside x > 0, y > 0 (a negative
    argument, or x > 0 with y = 0). Summed over two distributions it gives their KL divergence.
    As in SciPy, x ln1p((x - y) / y) is used when 1/2 < x / y < 2 and x (ln x - ln y) when
    x / y is not a normal finite number.

    Parameters
    ----------
    x, y : array_like
        float16, float32, float64, integer or boolean values, broadcast together.
    base : float, optional
        Logarithm base; None (the default) gives nats.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The broadcast shape; float32 when every array argument is float32 or float16, else
        float64.

    Raises
    ------
    TypeError
        For an unsupported dtype.
    ValueError
        For shapes that do not broadcast, or an invalid ``base``.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.rel_entr([0.5, 0.0, 1.0], [0.25, 0.3, 0.0])
    array([0.34657359, 0.        ,        inf])
    >>> round(float(ek.rel_entr([0.5, 0.5], [0.25, 0.75]).sum()), 12)  # KL divergence in nats
    0.143841036226
    """
    return _core.rel_entr(x, y, base)


def kl_div(x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None) -> Result:
    """Elementwise x ln(x / y) - x + y, as ``scipy.special.kl_div``.

    SciPy's convex-analysis function, with its extended values: y for x = 0 and y >= 0; NaN if
    either argument is NaN; +inf for every other point outside x > 0, y > 0. Where x / y
    underflows or overflows the log is -inf or +inf, as in SciPy.

    Parameters
    ----------
    x, y : array_like
        float16, float32, float64, integer or boolean values, broadcast together.
    base : float, optional
        Logarithm base; None (the default) gives nats (the whole expression is divided by
        ln(base)).

    Returns
    -------
    numpy.ndarray or numpy scalar
        The broadcast shape; float32 when every array argument is float32 or float16, else
        float64.

    Raises
    ------
    TypeError
        For an unsupported dtype.
    ValueError
        For shapes that do not broadcast, or an invalid ``base``.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.kl_div([0.5, 0.0], [0.25, 0.3])
    array([0.09657359, 0.3       ])
    """
    return _core.kl_div(x, y, base)


def xlogy(x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None) -> Result:
    """Elementwise x ln y, 0 where x = 0 (unless y is NaN), as ``scipy.special.xlogy``.

    SciPy's function, with its extended values: ln 0 = -inf, so x ln 0 is -inf for x > 0; ln of
    a negative y is NaN; NaN in either argument gives NaN (x = 0 with NaN y included).

    Parameters
    ----------
    x, y : array_like
        float16, float32, float64, integer or boolean values, broadcast together.
    base : float, optional
        Logarithm base; None (the default) gives nats.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The broadcast shape; float32 when every array argument is float32 or float16, else
        float64.

    Raises
    ------
    TypeError
        For an unsupported dtype.
    ValueError
        For shapes that do not broadcast, or an invalid ``base``.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.xlogy([0.0, 2.0], [0.0, 0.5])
    array([ 0.        , -1.38629436])
    """
    return _core.xlogy(x, y, base)


def binary_entropy(p: npt.ArrayLike, *, base: float | None = None) -> Result:
    """Entropy of a Bernoulli(p) variable, -p ln p - (1 - p) ln(1 - p), elementwise.

    h(0) = h(1) = 0; NaN entries give NaN. ln(1 - p) is taken as ln1p(-p), so small p keep
    full precision.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1]: float16, float32, float64, integer or boolean values.
    base : float, optional
        Logarithm base; None (the default) gives nats, 2 gives bits.

    Returns
    -------
    numpy.ndarray or numpy scalar
        p's shape; float32 for float32 or float16 input, else float64.

    Raises
    ------
    InvalidDistributionError
        For an entry below 0, above 1 or infinite; ``index`` is the first such entry's index in
        ``p`` (C order), and the message gives its value.
    TypeError
        For an unsupported dtype.
    ValueError
        For an invalid ``base``.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.binary_entropy([0.0, 0.5, 0.11], base=2)
    array([0.        , 1.        , 0.49991596])
    >>> ek.binary_entropy([[0.5, 1.5]])
    Traceback (most recent call last):
    ...
    entropykit._errors.InvalidDistributionError: binary_entropy: p[0, 1] = 1.5 is greater than 1; probabilities must be in [0, 1]
    """  # noqa: E501
    return _core.binary_entropy(p, base)


def surprisal(p: npt.ArrayLike, *, base: float | None = None) -> Result:
    """Surprisal (self-information) -ln p, elementwise.

    surprisal(0) = +inf (an impossible event is infinitely surprising); NaN entries give NaN.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1]: float16, float32, float64, integer or boolean values.
    base : float, optional
        Logarithm base; None (the default) gives nats, 2 gives bits.

    Returns
    -------
    numpy.ndarray or numpy scalar
        p's shape; float32 for float32 or float16 input, else float64.

    Raises
    ------
    InvalidDistributionError
        For an entry below 0, above 1 or infinite; ``index`` is the first such entry's index in
        ``p`` (C order), and the message gives its value.
    TypeError
        For an unsupported dtype.
    ValueError
        For an invalid ``base``.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.surprisal([0.5, 0.25, 0.0], base=2)
    array([ 1.,  2., inf])
    >>> ek.surprisal(-0.5)
    Traceback (most recent call last):
    ...
    entropykit._errors.InvalidDistributionError: surprisal: p = -0.5 is negative; probabilities must be in [0, 1]
    """  # noqa: E501
    return _core.surprisal(p, base)
