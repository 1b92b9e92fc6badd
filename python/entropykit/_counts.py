"""Entropy estimators from counts, the Boltzmann entropy of counts, and the entropy and KL
divergence of Gaussians: each a signature, a docstring and one call into ``_core``, which checks
the arguments (the rules of the NumPy twins in :mod:`entropykit.reference`) and runs the Rust
kernels (SIMD, threads, GIL released).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = [
    "boltzmann_entropy",
    "entropy_from_counts",
    "gaussian_entropy",
    "gaussian_kl",
]

Result = np.ndarray | np.float64


def entropy_from_counts(
    counts: npt.ArrayLike,
    estimator: str = "plugin",
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
) -> Result:
    """Entropy of the distribution behind observed counts, by a chosen estimator.

    With n the counts of K cells along ``axis``, N = sum n, m the number of cells with n > 0 and
    f1 the number with n = 1 (singletons):

    - ``"plugin"``: H(n / N), the maximum-likelihood estimate (as :func:`entropykit.entropy`).
    - ``"miller_madow"``: plugin + (m - 1) / (2N), the first-order bias correction.
    - ``"james_stein"``: Hausser & Strimmer (2009) shrinkage towards the uniform 1/K: with
      u = n / N, lambda = (1 - sum u^2) / ((N - 1) sum (1/K - u)^2) clipped to [0, 1] (1 when
      N = 1 or the counts are uniform), H of lambda / K + (1 - lambda) u.
    - ``"chao_shen"``: Chao & Shen (2003): coverage C = 1 - f1 / N (f1 = N - 1 when every count
      is a singleton), pa = C u, H = -sum pa ln pa / (1 - (1 - pa)^N) over cells with n > 0.

    The formulas are those of the R package ``entropy`` (``entropy.MillerMadow``,
    ``entropy.shrink``, ``entropy.ChaoShen``). Each distribution is read once (twice for
    ``"james_stein"`` and ``"chao_shen"``, whose second pass needs lambda or C).

    Parameters
    ----------
    counts : array_like
        Counts: any integer dtype, or floats holding whole numbers (float16, float32, float64).
    estimator : {"plugin", "miller_madow", "james_stein", "chao_shen"}, default "plugin"
    base : float, optional
        Logarithm base (finite, positive, not 1). Default: natural log (nats).
    axis : int, tuple of ints or None, default -1
        Axes holding the cells of each distribution; None means all of them.
    keepdims : bool, default False
        Keep the reduced axes as size-1 dimensions.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64, with the reduced axes removed; a float64 scalar for a full reduction.

    Raises
    ------
    InvalidDistributionError
        (a ValueError) for a count that is negative, infinite, NaN or not a whole number (kinds
        ``"negative"``, ``"infinite"``, ``"nan"``, ``"not_whole"``), naming it
        (``counts[i, j]``), and for a distribution whose counts are all zero (``"zero_mass"``).
    TypeError
        For a dtype that is not a float or integer.
    ValueError
        For an unknown ``estimator`` or a bad ``axis`` or ``base``.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> counts = np.array([4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1])
    >>> round(float(ek.entropy_from_counts(counts)), 6)  # plug-in
    1.968382
    >>> round(float(ek.entropy_from_counts(counts, "miller_madow")), 6)
    2.152593
    >>> ek.entropy_from_counts([[1, 1, 1, 1], [2, 2, 0, 0]], base=2)
    array([2., 1.])
    """
    return _core.entropy_from_counts(counts, estimator, base, axis, keepdims)


def boltzmann_entropy(
    counts: npt.ArrayLike,
    *,
    base: float | None = None,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
) -> Result:
    """Boltzmann entropy ln W of counts: W = N! / prod n_i! ways to arrange them.

    Computed as ln W = lgamma(N + 1) - sum lgamma(n_i + 1), with ln(n!) from a table of correctly
    rounded values below 256 and Stirling's series above, so it is accurate to a few ulp of each
    term for counts of any size (2^53 and beyond): no factorial is formed, nothing overflows before
    ln N! itself would (N near 2.5e305, which raises ValueError). By Stirling,
    ln W / N -> H(n / N) as N grows.

    Parameters
    ----------
    counts : array_like
        Counts: any integer dtype, or floats holding whole numbers.
    base : float, optional
        Logarithm base (finite, positive, not 1). Default: natural log (nats).
    axis : int, tuple of ints or None, default -1
        Axes holding the cells of each distribution; None means all of them.
    keepdims : bool, default False
        Keep the reduced axes as size-1 dimensions.

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64, with the reduced axes removed; a float64 scalar for a full reduction. All-zero
        counts give 0 (W = 1).

    Raises
    ------
    InvalidDistributionError
        (a ValueError) for a count that is negative, infinite, NaN or not a whole number, naming
        it.
    ValueError
        For counts so large that ln N! overflows float64, or a bad ``axis`` or ``base``.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> float(ek.boltzmann_entropy([2, 1, 1]))  # ln(4! / 2!) = ln 12  # doctest: +ELLIPSIS
    2.4849...
    >>> p = np.array([0.5, 0.25, 0.25])
    >>> for n in (100, 10_000, 1_000_000):
    ...     print(n, round(float(ek.boltzmann_entropy(n * p)) / n, 5))
    100 0.99254
    10000 1.03879
    1000000 1.03971
    >>> round(float(ek.entropy(p)), 5)  # the limit, H(p)
    1.03972
    """
    return _core.boltzmann_entropy(counts, base, axis, keepdims)


def gaussian_entropy(
    cov_or_sigma: npt.ArrayLike, *, base: float | None = None, kind: str = "auto"
) -> Result:
    """Differential entropy of Gaussians, from standard deviations, variances or covariances.

    - ``kind="sigma"``: standard deviations, elementwise 0.5 ln(2 pi e sigma^2).
    - ``kind="diag"``: (..., d) variances of diagonal Gaussians, 0.5 (d ln(2 pi e) + sum ln v).
    - ``kind="full"``: (..., d, d) covariance matrices, 0.5 ln det(2 pi e S), through a Cholesky
      factor S = L L^T (ln det S = 2 sum ln L_jj). Only the lower triangle is read, as
      :func:`numpy.linalg.cholesky` does.
    - ``kind="auto"`` (default): ``"sigma"`` for 0-d and 1-d input, ``"full"`` for input of two
      or more dimensions whose last two are equal; any other shape is ambiguous and raises
      ValueError (pass the kind). ``"diag"`` is never guessed.

    Parameters
    ----------
    cov_or_sigma : array_like
        Float or integer array, as ``kind`` says.
    base : float, optional
        Logarithm base (finite, positive, not 1). Default: natural log (nats).
    kind : {"auto", "sigma", "diag", "full"}, default "auto"

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64: sigma's shape for ``"sigma"``, the batch shape (...) otherwise; a scalar for 0-d.

    Raises
    ------
    InvalidDistributionError
        (a ValueError) of kind ``"bad_parameter"`` for a standard deviation or variance that is
        not finite and > 0, or a covariance entry that is not finite, naming it; of kind
        ``"not_positive_definite"`` for a covariance that is not positive definite, naming its
        batch index and the Cholesky pivot where it failed.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> float(ek.gaussian_entropy(1.0))  # 0.5 ln(2 pi e)  # doctest: +ELLIPSIS
    1.4189385...
    >>> ek.gaussian_entropy(np.array([[2.0, 0.0], [0.0, 2.0]]))  # ln(2 pi e) + ln 2
    np.float64(3.5310242469692907)
    >>> ek.gaussian_entropy([[1.0, 4.0]], kind="diag")  # variances 1 and 4
    array([3.53102425])
    """
    return _core.gaussian_entropy(cov_or_sigma, base, kind)


def gaussian_kl(
    mu1: npt.ArrayLike,
    s1: npt.ArrayLike,
    mu2: npt.ArrayLike,
    s2: npt.ArrayLike,
    *,
    base: float | None = None,
    kind: str = "auto",
) -> Result:
    """KL divergence KL(N1 || N2) between Gaussians N1 = N(mu1, s1) and N2 = N(mu2, s2).

    - ``kind="sigma"``: univariate, ``s1`` and ``s2`` are standard deviations, elementwise with
      broadcasting: ln(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2.
    - ``kind="diag"``: mu (..., d), s (..., d) variances of diagonal Gaussians, broadcast; the sum
      over the last axis of the univariate terms.
    - ``kind="full"``: mu (..., d), s (..., d, d) covariances, batch axes broadcast:
      0.5 (tr(S2^-1 S1) + (mu2 - mu1)^T S2^-1 (mu2 - mu1) - d + ln det S2 - ln det S1), through
      Cholesky factors and triangular solves, with no explicit inverse (lower triangles read).
    - ``kind="auto"`` (default): ``"full"`` when both ``s1`` and ``s2`` have two or more
      dimensions with the last two equal, ``"sigma"`` when all four arguments are 0-d or 1-d;
      anything else raises ValueError (pass the kind). ``"diag"`` is never guessed.

    Parameters
    ----------
    mu1, s1, mu2, s2 : array_like
        Float or integer arrays, as ``kind`` says.
    base : float, optional
        Logarithm base (finite, positive, not 1). Default: natural log (nats).
    kind : {"auto", "sigma", "diag", "full"}, default "auto"

    Returns
    -------
    numpy.ndarray or numpy.float64
        float64 of the broadcast (batch) shape; a scalar when it is 0-d. Clamped at 0.

    Raises
    ------
    InvalidDistributionError
        (a ValueError) of kind ``"bad_parameter"`` for a mean or covariance entry that is not
        finite, or a standard deviation or variance that is not finite and > 0 (the first in the
        order mu1, s1, mu2, s2, indexed in the broadcast shape); of kind
        ``"not_positive_definite"`` for a covariance that is not positive definite (naming its
        batch index and Cholesky pivot).

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> float(ek.gaussian_kl(0.0, 1.0, 1.0, 1.0))  # (mu1 - mu2)^2 / 2
    0.5
    >>> ek.gaussian_kl(0.0, [1.0, 2.0], 0.0, 1.0)  # (s^2 - 1) / 2 - ln s
    array([0.        , 0.80685282])
    >>> float(ek.gaussian_kl(np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2)))  # ln 2
    0.693147180559945...
    """
    return _core.gaussian_kl(mu1, s1, mu2, s2, base, kind)
