"""Ragged and grouped distributions: measures of distributions of different lengths, held in
one flat array cut by offsets (the CSR / Arrow list layout), in a pyarrow ``ListArray`` /
``LargeListArray``, or in a list of 1-D arrays; and the entropy of the values of each key of a
group-key array (Polars' ``group_by(key).agg(pl.col(x).entropy())``).

Each segment is reduced by the same kernel as a 1-D array of its own, so its value has the same
bits as ``entropy(values[offsets[i]:offsets[i + 1]])``, on any number of threads; groups are
reduced by one pass of per-group sums (a few ulps from ``entropy(values[keys == key])``).
Segments are shared among threads by their lengths, and long ones are split across threads too.
The argument rules and the messages of the errors live in Rust (``src/python/segments.rs``,
``src/python/grouped.rs``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = [
    "cross_entropy_segments",
    "entropy_grouped",
    "entropy_segments",
    "js_divergence_segments",
    "kl_divergence_segments",
]


def entropy_segments(
    values: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """Shannon entropy of each segment of a ragged array.

    Segment ``i`` is ``values[offsets[i]:offsets[i + 1]]``; its entropy is exactly
    ``entropykit.entropy(values[offsets[i]:offsets[i + 1]], ...)``.

    Parameters
    ----------
    values : array_like, pyarrow.ListArray, pyarrow.LargeListArray or list of array_like
        With ``offsets``: a 1-D array of floats or integer counts. Without: a pyarrow list array
        (read through its offsets and values buffers without a copy; nulls are refused) or a
        list (or tuple) of 1-D arrays, one per segment.
    offsets : array_like of int, optional
        n + 1 non-decreasing offsets for n segments: at least one, the first >= 0 (as in a
        sliced Arrow array), the last at most ``len(values)``. int32 and int64 are read in place.
    base : float, optional
        Logarithm base; None (default) gives nats.
    normalize : bool, default True
        Divide each segment by its own sum (as ``entropy`` does).
    nan_policy : {"propagate", "raise", "omit"}, default "propagate"
        What a NaN does to its segment: its result is NaN, it is an error, or it is dropped.

    Returns
    -------
    numpy.ndarray of float64
        One value per segment.

    Raises
    ------
    InvalidDistributionError
        A negative or infinite entry (or NaN under "raise"), named by its index in ``values``,
        its segment and its position in the segment (``.index`` is ``(segment, position)``);
        or, with ``normalize=True``, a segment of zero total mass (empty or all zeros): the zero
        mass rule of ``entropy``.
    ValueError
        Offsets that decrease, are negative or run past the values, naming the position.
    TypeError
        An unsupported dtype, or ``values`` that is neither a list array nor a list of arrays
        when ``offsets`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> import entropykit as ek
    >>> values = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 3.0])
    >>> ek.entropy_segments(values, [0, 4, 6], base=2)
    array([2.        , 0.81127812])
    >>> ek.entropy_segments([np.ones(4), [1, 3]], base=2)
    array([2.        , 0.81127812])
    """
    return _core.entropy_segments(values, offsets, base, normalize, nan_policy)


def cross_entropy_segments(
    p: object,
    q: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """Cross-entropy H(p, q) of each pair of segments of two ragged arrays.

    Parameters
    ----------
    p, q : array_like, pyarrow.ListArray, pyarrow.LargeListArray or list of array_like
        As ``values`` in :func:`entropy_segments`. With ``offsets``, both are cut by the same
        offsets; without, their segments must have equal lengths (their Arrow offsets may
        differ, e.g. slices of different arrays).
    offsets : array_like of int, optional
        As in :func:`entropy_segments`.
    base, normalize, nan_policy
        As in :func:`entropy_segments` (``"omit"`` drops NaN positions pairwise).

    Returns
    -------
    numpy.ndarray of float64
        One value per segment.

    Raises
    ------
    InvalidDistributionError, ValueError, TypeError
        As :func:`entropy_segments`, naming ``p`` or ``q``; segments of different lengths are a
        ``ValueError`` naming the first.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.cross_entropy_segments([1, 1, 1, 3], [1, 1, 1, 1], [0, 2, 4], base=2)
    array([1., 1.])
    """
    return _core.cross_entropy_segments(p, q, offsets, base, normalize, nan_policy)


def kl_divergence_segments(
    p: object,
    q: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """KL divergence KL(p || q) of each pair of segments of two ragged arrays.

    Parameters
    ----------
    p, q : array_like, pyarrow.ListArray, pyarrow.LargeListArray or list of array_like
        As in :func:`cross_entropy_segments`.
    offsets : array_like of int, optional
        As in :func:`entropy_segments`.
    base, normalize, nan_policy
        As in :func:`cross_entropy_segments`.

    Returns
    -------
    numpy.ndarray of float64
        One value per segment.

    Raises
    ------
    InvalidDistributionError, ValueError, TypeError
        As :func:`cross_entropy_segments`.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.kl_divergence_segments([1, 1, 1, 3, 2], [1, 1, 3, 1, 2], [0, 2, 4, 5])
    array([0.        , 0.54930614, 0.        ])
    """
    return _core.kl_divergence_segments(p, q, offsets, base, normalize, nan_policy)


def js_divergence_segments(
    p: object,
    q: object,
    offsets: npt.ArrayLike | None = None,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> npt.NDArray[np.float64]:
    """Jensen-Shannon divergence of each pair of segments of two ragged arrays.

    Parameters
    ----------
    p, q : array_like, pyarrow.ListArray, pyarrow.LargeListArray or list of array_like
        As in :func:`cross_entropy_segments`.
    offsets : array_like of int, optional
        As in :func:`entropy_segments`.
    base, normalize, nan_policy
        As in :func:`cross_entropy_segments`.

    Returns
    -------
    numpy.ndarray of float64
        One value per segment, in [0, log 2].

    Raises
    ------
    InvalidDistributionError, ValueError, TypeError
        As :func:`cross_entropy_segments`.

    Examples
    --------
    >>> import entropykit as ek
    >>> ek.js_divergence_segments([1, 0, 1, 1], [0, 1, 1, 1], [0, 2, 4], base=2)
    array([1., 0.])
    """
    return _core.js_divergence_segments(p, q, offsets, base, normalize, nan_policy)


def entropy_grouped(
    values: npt.ArrayLike,
    keys: npt.ArrayLike,
    *,
    base: float | None = None,
    normalize: bool = True,
    nan_policy: str = "propagate",
) -> tuple[np.ndarray, npt.NDArray[np.float64]]:
    """Shannon entropy of the values of each distinct key: one distribution per group.

    As Polars' ``df.group_by("key").agg(pl.col("x").entropy())`` on valid data; group ``k``'s
    entropy is ``entropykit.entropy(values[keys == k], ...)`` within a few ulps (one pass of
    per-group sums), or to the bit where those sums cannot vouch for it (the values are then
    sorted by key and reduced as segments, with the errors of ``entropy``).

    Parameters
    ----------
    values : array_like
        1-D floats or integer counts.
    keys : array_like
        1-D group keys of the same length, unsorted: integers of any width, booleans, floats
        (NaN is refused), or strings (``U``/``S`` arrays, object arrays of ``str``).
    base : float, optional
        Logarithm base; None (default) gives nats.
    normalize : bool, default True
        Divide each group's values by their sum.
    nan_policy : {"propagate", "raise", "omit"}, default "propagate"
        What a NaN value does to its group.

    Returns
    -------
    unique_keys : numpy.ndarray
        The distinct keys, sorted as ``numpy.unique`` sorts them, in the dtype of ``keys``.
    entropies : numpy.ndarray of float64
        The entropy of each key's values.

    Raises
    ------
    InvalidDistributionError
        A negative or infinite value (or NaN under "raise"), named by its index in ``values``
        and its key; with ``normalize=True``, a group of zero total mass; a NaN key.
    ValueError
        ``values`` and ``keys`` of different lengths, or not 1-D.
    TypeError
        An unsupported dtype of ``values`` or ``keys``.

    Examples
    --------
    >>> import entropykit as ek
    >>> keys, h = ek.entropy_grouped([1, 3, 1, 1, 5], ["b", "b", "a", "a", "c"], base=2)
    >>> keys.tolist(), h.tolist()
    (['a', 'b', 'c'], [1.0, 0.8112781244591328, 0.0])
    """
    return _core.entropy_grouped(values, keys, base, normalize, nan_policy)
