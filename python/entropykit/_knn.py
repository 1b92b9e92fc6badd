"""k-nearest-neighbour estimators over samples of continuous variables: each a signature, a
docstring and one call into ``_core``, which checks the arguments (the rules of the twins in
:mod:`entropykit.reference.knn`) and runs the Rust kernels (an exact k-d tree, or sorted values
in one dimension; queries over the thread pool with the GIL released).

Samples are arrays of shape (n,) (n samples of one variable) or (n, d) (n samples of d
coordinates), of any float or integer dtype; NaN or infinite values are an
:class:`~entropykit.InvalidDistributionError` (a ``ValueError``) naming the entry.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = [
    "knn_entropy",
    "knn_kl_divergence",
    "knn_mutual_information",
    "knn_mutual_information_many",
]


def knn_entropy(x: npt.ArrayLike, k: int = 3, *, base: float | None = None) -> np.float64:
    """Differential entropy of a continuous distribution from samples (Kozachenko-Leonenko).

    With eps_i the Euclidean distance from sample i to its k-th nearest other sample, n samples
    of dimension d and c_d = pi^(d/2) / Gamma(1 + d/2) the volume of the Euclidean unit ball:

        H = psi(n) - psi(k) + ln c_d + (d / n) * sum_i ln eps_i

    (Kozachenko & Leonenko 1987; Kraskov, Stoegbauer & Grassberger 2004, eq. 20, with Euclidean
    balls: the form with 2 eps and the unit cube of the max norm estimates the same quantity
    with another bias). The estimate converges to the entropy for any continuous density as n
    grows with k fixed.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        Samples (a 1-D array is n samples of one variable).
    k : int, default 3
        Which neighbour: 1 <= k < n.
    base : float, optional
        Logarithm base (finite, positive, not 1). Default: natural log (nats).

    Returns
    -------
    numpy.float64

    Raises
    ------
    InvalidDistributionError
        A NaN or infinite value (a ``ValueError`` naming the entry, e.g. ``x[3, 1]``).
    ValueError
        k >= n, a shape other than (n,) or (n, d), a bad base, or a sample with eps = 0 (k or
        more other samples equal to it: the log of 0 has no value; the message names the row).
    TypeError
        k that is not an integer, or a dtype that is not a float or integer one.

    Examples
    --------
    >>> import numpy as np
    >>> import entropykit as ek
    >>> x = np.random.default_rng(0).normal(size=20_000)
    >>> bool(abs(ek.knn_entropy(x) - 0.5 * np.log(2 * np.pi * np.e)) < 0.02)
    True
    """
    return _core.knn_entropy(x, k, base)


def knn_mutual_information(x: npt.ArrayLike, y: npt.ArrayLike, k: int = 3) -> np.float64:
    """Mutual information between two continuous variables from paired samples (KSG 1).

    The Kraskov-Stoegbauer-Grassberger estimator 1 with the max norm, with scikit-learn's
    conventions: eps_i is the max-norm distance from (x_i, y_i) to its k-th nearest other
    sample in the joint space, n_x(i) the number of other samples with ||x_j - x_i|| < eps_i
    (counted as scikit-learn does, as distance <= ``np.nextafter(eps_i, 0)``; with eps_i = 0,
    the samples equal to x_i), n_y(i) likewise, and

        I = psi(n) + psi(k) - mean(psi(n_x + 1)) - mean(psi(n_y + 1)),

    clipped at 0, in nats. For 1-D x and y this equals
    ``sklearn.feature_selection._mutual_info._compute_mi_cc(x, y, k)`` (the function
    ``mutual_info_regression`` calls after adding 1e-10 noise), ties and repeated values
    included.

    Parameters
    ----------
    x, y : array_like, shape (n,) or (n, d)
        Paired samples (the same n; the dimensions may differ).
    k : int, default 3
        Which neighbour: 1 <= k < n.

    Returns
    -------
    numpy.float64

    Raises
    ------
    InvalidDistributionError
        A NaN or infinite value (a ``ValueError`` naming the entry).
    ValueError
        k >= n, x and y with different numbers of samples, or a shape other than (n,) / (n, d).
    TypeError
        k that is not an integer, or a dtype that is not a float or integer one.

    Examples
    --------
    >>> import numpy as np
    >>> import entropykit as ek
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=20_000)
    >>> y = 0.8 * x + 0.6 * rng.normal(size=20_000)  # correlation 0.8
    >>> bool(abs(ek.knn_mutual_information(x, y) + 0.5 * np.log(1 - 0.8**2)) < 0.02)
    True
    """
    return _core.knn_mutual_information(x, y, k)


def knn_mutual_information_many(
    X: npt.ArrayLike, y: npt.ArrayLike, k: int = 3
) -> npt.NDArray[np.float64]:
    """KSG mutual information of every column of ``X`` with ``y``, the columns in parallel.

    Equal, column by column, to :func:`knn_mutual_information` ``(X[:, j], y, k)``: what
    ``sklearn.feature_selection.mutual_info_regression`` computes for continuous features,
    without the noise it adds and without its rescaling.

    Parameters
    ----------
    X : array_like, shape (n, p)
        n samples of p features.
    y : array_like, shape (n,) or (n, d)
        The target, paired with the rows of ``X``.
    k : int, default 3
        Which neighbour: 1 <= k < n.

    Returns
    -------
    numpy.ndarray of float64, shape (p,)

    Raises
    ------
    InvalidDistributionError
        A NaN or infinite value (a ``ValueError`` naming the entry, e.g. ``X[4, 2]``).
    ValueError
        k >= n, ``X`` not 2-D, or ``X`` and ``y`` with different numbers of rows.
    TypeError
        k that is not an integer, or a dtype that is not a float or integer one.

    Examples
    --------
    >>> import numpy as np
    >>> import entropykit as ek
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=5_000)
    >>> X = np.column_stack([y + rng.normal(size=5_000), rng.normal(size=5_000)])
    >>> mi = ek.knn_mutual_information_many(X, y)
    >>> bool(mi[0] > 0.25 and mi[1] < 0.05)
    True
    """
    return _core.knn_mutual_information_many(X, y, k)


def knn_kl_divergence(x: npt.ArrayLike, y: npt.ArrayLike, k: int = 1) -> np.float64:
    """KL divergence KL(P || Q) from samples x of P and y of Q (Wang-Kulkarni-Verdu).

    With rho_i the Euclidean distance from x_i to its k-th nearest other sample of x, nu_i that
    to its k-th nearest sample of y, n samples of x, m of y, in dimension d:

        D = (d / n) * sum_i ln(nu_i / rho_i) + ln(m / (n - 1))

    (Wang, Kulkarni & Verdu 2009, eq. 5), in nats. Not clipped: a small negative value is an
    estimate of a divergence near 0.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        Samples of P.
    y : array_like, shape (m,) or (m, d)
        Samples of Q, of the same dimension.
    k : int, default 1
        Which neighbour: 1 <= k < n and k <= m.

    Returns
    -------
    numpy.float64

    Raises
    ------
    InvalidDistributionError
        A NaN or infinite value (a ``ValueError`` naming the entry).
    ValueError
        k >= n or k > m, dimensions that differ, or rho_i = 0 or nu_i = 0 (repeated values:
        the message names the row of x).
    TypeError
        k that is not an integer, or a dtype that is not a float or integer one.

    Examples
    --------
    >>> import numpy as np
    >>> import entropykit as ek
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0.0, 1.0, size=20_000)
    >>> y = rng.normal(1.0, 1.0, size=20_000)
    >>> bool(abs(ek.knn_kl_divergence(x, y, k=10) - 0.5) < 0.05)  # (mu1 - mu2)^2 / 2
    True
    """
    return _core.knn_kl_divergence(x, y, k)
