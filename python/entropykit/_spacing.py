"""Differential entropy of samples from a continuous distribution by the m-spacing estimators
(Vasicek, van Es, Ebrahimi, Correa), with ``scipy.stats.differential_entropy``'s definitions.
A signature, a docstring and one call into ``_core``, which checks the arguments, sorts each
sample in Rust and sums the logs with the vector ``ln``, in parallel over samples (or, for one
long sample, within it); semantics are those of the NumPy twin in :mod:`entropykit.reference`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = ["differential_entropy"]


def differential_entropy(
    x: npt.ArrayLike,
    *,
    window_length: int | None = None,
    method: str = "auto",
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
) -> np.ndarray | np.float64:
    """Estimate the differential entropy of each sample along ``axis`` from its spacings.

    For a sorted sample x_1 <= ... <= x_n and a window m (values beyond the ends repeat the
    first or last one), "vasicek" is mean_i ln(n / (2m) (x_{i+m} - x_{i-m})); "van es",
    "ebrahimi" and "correa" are the corrections of the same names, defined exactly as in
    ``scipy.stats.differential_entropy`` (the formulas are in the README, section "Continuous
    data").

    Parameters
    ----------
    x : array_like
        Samples (float or integer dtype); each slice along ``axis`` is one sample.
    window_length : int, optional
        The window m, with 2 <= 2m < n. Default floor(sqrt(n) + 0.5).
    method : {"auto", "vasicek", "van es", "ebrahimi", "correa"}, default "auto"
        "auto" is "van es" for n <= 10, "ebrahimi" for n <= 1000, else "vasicek" (SciPy's rule).
    base : float, optional
        Logarithm base. Default: natural log (nats).
    axis : int, tuple of ints or None, default -1
        The axis (or axes, taken together in C order; None: all) holding each sample.

    Returns
    -------
    numpy.ndarray or numpy.float64
        One float64 estimate per sample; -inf where a window spans equal values (ties).

    Raises
    ------
    ValueError
        A window length that is not positive or not below half the sample size.
    InvalidDistributionError
        A NaN or infinite value, naming its position (``x[1, 5]``); SciPy returns NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> import entropykit as ek
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((3, 100_000))  # three samples of a standard normal
    >>> h = ek.differential_entropy(x)  # one estimate per row; the truth is 1.4189...
    >>> bool(np.all(np.abs(h - 0.5 * np.log(2 * np.pi * np.e)) < 0.01))
    True
    >>> sample = [1.0, 2.0, 4.0, 7.0, 11.0]
    >>> round(float(ek.differential_entropy(sample, window_length=1, method="vasicek")), 6)
    2.124342
    """
    return _core.differential_entropy(x, window_length, method, base, axis)
