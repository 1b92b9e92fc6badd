"""Entropy of raw data: bytes of buffers and files (order 0, 1, 2 and along sliding windows),
binned numeric values and integer symbols. Each function is a signature, a docstring and one
call into ``_core``, which reads the data in place (or memory-maps a path), counts in parallel
with the GIL released and takes the entropy of the counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import _core

__all__ = [
    "byte_entropy",
    "byte_histogram",
    "histogram_entropy",
    "symbol_entropy",
    "windowed_byte_entropy",
]

Result = np.ndarray | np.float64


def byte_histogram(data: Any) -> np.ndarray:
    """The 256 counts of the byte values of ``data``.

    Parameters
    ----------
    data : bytes-like, str or os.PathLike
        Anything exposing the buffer protocol (bytes, bytearray, memoryview, mmap, NumPy arrays
        of any dtype, read as their C-order bytes; a non-contiguous one is copied to C order
        first), or a path: the file is memory-mapped and read in parallel, never loaded whole.

    Returns
    -------
    numpy.ndarray
        int64, shape (256,): entry b counts the bytes equal to b (all zero for empty data).

    Raises
    ------
    FileNotFoundError, PermissionError, IsADirectoryError
        (OSError) for a path that cannot be read, naming it.
    TypeError
        For data that is neither bytes-like nor a path.

    Examples
    --------
    >>> import entropykit as ek
    >>> h = ek.byte_histogram(b"abracadabra")
    >>> [int(h[c]) for c in b"abrcd"]
    [5, 2, 2, 1, 1]
    """
    return _core.byte_histogram(data)


def byte_entropy(data: Any, *, base: float | None = 2, order: int = 0) -> np.float64:
    """Empirical entropy of the bytes of ``data``, in bits per byte by default.

    Bits per byte (``base=2``) is the convention of ``ent`` and binwalk: 8 for uniformly random
    bytes, near 0 for long runs. ``order=0`` is the entropy of the byte histogram. ``order=k``
    (1 or 2) is the conditional entropy H(X_n | X_{n-k} ... X_{n-1}) of the empirical
    distribution of the overlapping (k+1)-grams ``data[i-k:i+1]``, i = k ... len - 1: with
    n(c, b) the count of context c followed by byte b, sum_c n(c) / N H(n(c, .)). It estimates
    the entropy rate that context-modelling compressors approach (biased low when the data is
    short beside 256^k contexts).

    Parameters
    ----------
    data : bytes-like, str or os.PathLike
        As for :func:`byte_histogram`.
    base : float or None, default 2
        Logarithm base; None for nats.
    order : {0, 1, 2}, default 0
        Context length.

    Returns
    -------
    numpy.float64

    Raises
    ------
    ValueError
        For data with fewer than ``order + 1`` bytes (empty data has no entropy), or a bad
        ``order`` or ``base``.
    FileNotFoundError, PermissionError, IsADirectoryError
        For a path that cannot be read, naming it.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.byte_entropy(bytes(range(256)) * 4))
    8.0
    >>> float(ek.byte_entropy(b"abababab", order=1))  # each byte fixes the next
    0.0
    >>> float(ek.byte_entropy(b"aaaa"))
    0.0
    """
    return _core.byte_entropy(data, base, order)


def windowed_byte_entropy(
    data: Any, window: int = 1024, step: int = 256, *, base: float | None = 2
) -> np.ndarray:
    """Byte entropy of each window of ``window`` bytes starting at 0, step, 2 step, ...

    One value per window start while the window fits: ``(len - window) // step + 1`` values
    (none when the data is shorter than one window). Each window's histogram is updated from the
    previous one and its entropy computed from its own counts, so a value equals the direct
    ``byte_entropy(data[s:s + window])`` to rounding, on any number of threads. The picture of a
    file's structure (compressed or encrypted regions near 8 bits) binwalk users expect.

    Parameters
    ----------
    data : bytes-like, str or os.PathLike
        As for :func:`byte_histogram`.
    window : int, default 1024
        Bytes per window (>= 1).
    step : int, default 256
        Bytes between window starts (>= 1).
    base : float or None, default 2
        Logarithm base; None for nats.

    Returns
    -------
    numpy.ndarray
        float64, one value per window.

    Raises
    ------
    ValueError
        For ``window`` or ``step`` below 1, or a bad ``base``.
    FileNotFoundError, PermissionError, IsADirectoryError
        For a path that cannot be read, naming it.

    Examples
    --------
    >>> import entropykit as ek
    >>> data = bytes(1024) + bytes(range(256)) * 4
    >>> ek.windowed_byte_entropy(data, window=1024, step=512).round(2)  # zeros, half, noise
    array([0.  , 4.98, 8.  ])
    """
    return _core.windowed_byte_entropy(data, window, step, base)


def histogram_entropy(
    x: npt.ArrayLike,
    bins: int | npt.ArrayLike = 10,
    range: tuple[float, float] | None = None,
    *,
    base: float | None = None,
    axis: int | None = None,
) -> Result:
    """Entropy of the histogram ``np.histogram(x, bins, range)`` counts, without building it.

    The binning is NumPy's exactly, done in float64: ``bins`` equal bins over ``range`` (by
    default the data's min and max, widened by 0.5 each way when they are equal) or an array of
    non-decreasing edges; bin i holds edge[i] <= v < edge[i + 1], the last bin also its right
    edge; values outside the range are dropped. With ``axis`` each 1-d slice along it gets its
    own histogram (and, without ``range``, its own min and max).

    Parameters
    ----------
    x : array_like
        Real numbers (floats, integers or bools; binned as float64). NaN is an error.
    bins : int or array_like, default 10
        Number of equal bins (>= 1), or the edges.
    range : (float, float), optional
        Lower and upper edge for ``bins`` an int (finite, lower <= upper).
    base : float, optional
        Logarithm base. Default: natural log (nats).
    axis : int, optional
        None: one histogram of all of ``x``; an int: one per slice along that axis.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        A scalar for ``axis=None``, else the shape of ``x`` without ``axis``.

    Raises
    ------
    InvalidDistributionError
        (a ValueError) for a NaN in ``x``, naming its index.
    ValueError
        For a histogram with no value in it (empty ``x``, or every value outside the range), a
        non-finite autodetected range, or bad ``bins``, ``range`` or ``base``.
    AxisError
        For an axis out of range.

    Examples
    --------
    >>> import numpy as np, entropykit as ek
    >>> x = np.array([0.0, 0.1, 0.6, 0.9, 1.0])
    >>> float(ek.histogram_entropy(x, bins=2, base=2))  # counts [2, 3]  # doctest: +ELLIPSIS
    0.97095...
    >>> ek.histogram_entropy([[0, 0], [1, 1]], bins=2, axis=0, base=2)
    array([1., 1.])
    """
    return _core.histogram_entropy(x, bins, range, base, axis)


def symbol_entropy(x: npt.ArrayLike, *, base: float | None = None) -> np.float64:
    """Entropy of the value counts of an integer array (any width, any number of distinct values).

    Equal to ``scipy.stats.entropy(np.unique(x, return_counts=True)[1])``, without sorting:
    values are hashed into buckets and counted in parallel.

    Parameters
    ----------
    x : array_like
        Integers of any width (int8 ... uint64) or bools, any shape (all values count).
    base : float, optional
        Logarithm base. Default: natural log (nats).

    Returns
    -------
    numpy.float64

    Raises
    ------
    ValueError
        For an empty ``x`` or a bad ``base``.
    TypeError
        For a dtype that is not an integer or bool.

    Examples
    --------
    >>> import entropykit as ek
    >>> float(ek.symbol_entropy([7, 7, -1, 2**40], base=2))
    1.5
    """
    return _core.symbol_entropy(x, base)
