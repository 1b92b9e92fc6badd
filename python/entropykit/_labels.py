"""Entropy and mutual information of label arrays, counted by a multithreaded Rust kernel with the
semantics of the NumPy twins in :mod:`entropykit.reference` and of scikit-learn's
``mutual_info_score``.

Integer, boolean and float labels go to the kernel as they are (no copy for contiguous arrays);
it factorizes them by direct indexing when their range is small and by hashing otherwise, counts
the contingency table in per-thread tables, and sums the plug-in terms in a fixed order, so the
result has the same bits on any number of threads. ``U``/``S`` strings are turned into codes by
hashing their fixed-width records; object arrays of ``str`` by hashing the strings' own UTF-8
bytes. The argument rules and the messages of the errors live in Rust too
(``src/python/labels.rs``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = ["entropy_labels", "mutual_information_labels"]


def entropy_labels(x: npt.ArrayLike, *, base: float | None = None) -> np.float64:
    """Plug-in entropy of the empirical distribution of the labels in ``x``.

    H = -sum_i (a_i / N) log(a_i / N) over the distinct labels i, with a_i the number of times
    label i occurs among the N labels.

    Parameters
    ----------
    x : array_like
        1-D labels: integers of any width, booleans, float16/32/64 (compared by value, so
        ``-0.0`` and ``0.0`` are one label), or strings (``U``/``S`` arrays, object arrays of
        ``str``).
    base : float, optional
        Logarithm base; None (default) gives nats.

    Returns
    -------
    numpy.float64
        The entropy, >= 0; exactly 0 for a single distinct label.

    Raises
    ------
    ValueError
        ``x`` is empty (the entropy of no labels is undefined) or not 1-D.
    InvalidDistributionError
        A NaN label (a ``ValueError``), naming its position.
    TypeError
        An unsupported dtype, or an object array holding something other than ``str``.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.entropy_labels([1, 2, 1, 2], base=2))
    1.0
    >>> float(ek.entropy_labels(["cat", "dog", "dog", "cat", "emu", "emu"]))  # doctest: +ELLIPSIS
    1.0986...
    """
    return _core.entropy_labels(x, base)


def mutual_information_labels(
    x: npt.ArrayLike, y: npt.ArrayLike, *, base: float | None = None
) -> np.float64:
    """Mutual information of two label arrays: the plug-in estimate from their contingency table.

    I = sum_ij (n_ij / N) log(N n_ij / (a_i b_j)) over the pairs of labels (i, j) that occur,
    with n_ij the number of positions holding label i in ``x`` and j in ``y``, and a_i, b_j the
    label counts of each array. In nats it equals ``sklearn.metrics.mutual_info_score(x, y)``.

    Parameters
    ----------
    x, y : array_like
        1-D labels of equal length, each of any label type of :func:`entropy_labels` (they need
        not be of the same type).
    base : float, optional
        Logarithm base; None (default) gives nats.

    Returns
    -------
    numpy.float64
        The mutual information, >= 0 (rounding below 0 is clamped); exactly 0 when either array
        holds a single distinct label.

    Raises
    ------
    ValueError
        Lengths that differ (naming both), empty arrays (scikit-learn raises "math domain error"
        there), or arrays that are not 1-D.
    InvalidDistributionError
        A NaN label (a ``ValueError``), naming the array and the position.
    TypeError
        An unsupported dtype, or an object array holding something other than ``str``.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.mutual_information_labels([0, 0, 1, 1], ["a", "a", "b", "b"], base=2))
    1.0
    >>> float(ek.mutual_information_labels([0, 1, 0, 1], [0, 0, 1, 1]))
    0.0
    """
    return _core.mutual_information_labels(x, y, base)
