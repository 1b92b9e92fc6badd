"""NumPy twins of the accumulators of :mod:`entropykit._stream` and of ``threads``.

They keep copies of the chunks (not partial sums) and, at ``result``, call the reference's own
measures on the concatenated data: the definition the fast accumulators' partial sums must
match. Chunks are checked as they arrive, so errors name positions counted from the start of
the stream.
"""

from __future__ import annotations

import math
from collections import Counter
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import InvalidDistributionError
from . import core, counts, logits
from ._rules import check_base, check_nan_policy

__all__ = [
    "CountsAccumulator",
    "CrossEntropyAccumulator",
    "EntropyAccumulator",
    "KLDivergenceAccumulator",
    "TokenCrossEntropyAccumulator",
    "threads",
]


def _shifted(error: InvalidDistributionError, index: tuple[int, ...]) -> InvalidDistributionError:
    """``error`` located at ``index`` instead (its message names the new entry)."""
    old = f"{error.arg}[{', '.join(map(str, error.index))}]" if error.index else error.arg
    new = f"{error.arg}[{', '.join(map(str, index))}]"
    message = str(error.args[0]).replace(old, new, 1)
    return InvalidDistributionError(message, error.kind, error.arg, index)


class _Shannon:
    _kind = "entropy"

    def __init__(
        self,
        *,
        base: float | None = None,
        axis: int | None = -1,
        normalize: bool = True,
        nan_policy: str = "propagate",
    ) -> None:
        name = type(self).__name__
        self._base = check_base(base, name)
        self._nan_policy = check_nan_policy(nan_policy, name)
        if axis is not None and (isinstance(axis, bool) or not isinstance(axis, int)):
            raise TypeError(f"{name}: axis must be an int or None, not {axis!r}")
        self._axis = axis
        self._normalize = bool(normalize)
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._seen = 0

    def _measure(self, *arrays: np.ndarray, axis: int | None, normalize: bool) -> Any:
        func = getattr(core, self._kind)
        return func(
            *arrays,
            base=self._base,
            axis=axis,
            normalize=normalize,
            nan_policy=self._nan_policy,
        )

    def _update(self, *arrays: npt.ArrayLike) -> None:
        chunk = tuple(np.array(a) for a in arrays)
        if len(chunk) == 2:
            chunk = tuple(np.array(a) for a in np.broadcast_arrays(*chunk))
        try:
            # Checks the entries (zero masses are not an error in a piece).
            self._measure(*chunk, axis=self._axis, normalize=False)
        except InvalidDistributionError as error:
            index = list(error.index)
            if self._axis is None:
                flat = int(np.ravel_multi_index(tuple(index), chunk[0].shape)) if index else 0
                raise _shifted(error, (flat + self._seen,)) from None
            index[self._axis] += self._seen
            raise _shifted(error, tuple(index)) from None
        shape = chunk[0].shape
        if self._chunks and self._axis is not None:
            kept = np.delete(np.array(shape), self._axis % len(shape))
            before = self._chunks[0][0].shape
            if list(kept) != list(np.delete(np.array(before), self._axis % len(before))):
                raise ValueError(
                    f"{type(self).__name__}: chunks hold distributions of other shapes"
                )
        self._chunks.append(chunk)
        self._seen += chunk[0].size if self._axis is None else shape[self._axis]

    def merge(self, other: Any) -> None:
        """Adds the chunks of ``other`` after this one's."""
        self._chunks.extend(other._chunks)
        self._seen += other._seen

    def result(self) -> npt.NDArray[np.float64] | np.float64:
        """The measure of all chunks so far."""
        count = 1 if self._kind == "entropy" else 2
        if not self._chunks:
            if self._axis is not None:
                raise ValueError(f"{type(self).__name__}.result: no chunk yet")
            empty = np.zeros(0)
            return self._measure(*([empty] * count), axis=None, normalize=self._normalize)  # type: ignore[no-any-return]
        if self._axis is None:
            arrays = [np.concatenate([c[i].ravel() for c in self._chunks]) for i in range(count)]
        else:
            arrays = [
                np.concatenate([c[i] for c in self._chunks], axis=self._axis) for i in range(count)
            ]
        return self._measure(*arrays, axis=self._axis, normalize=self._normalize)  # type: ignore[no-any-return]


class EntropyAccumulator(_Shannon):
    """NumPy twin of :class:`entropykit.EntropyAccumulator`.

    Examples
    --------
    >>> import entropykit.reference as ref
    >>> acc = ref.EntropyAccumulator(base=2)
    >>> acc.update([1.0, 1.0])
    >>> acc.update([2.0])
    >>> float(acc.result())
    1.5
    """

    _kind = "entropy"

    def update(self, p: npt.ArrayLike) -> None:
        """Adds a chunk."""
        self._update(p)


class CrossEntropyAccumulator(_Shannon):
    """NumPy twin of :class:`entropykit.CrossEntropyAccumulator`."""

    _kind = "cross_entropy"

    def update(self, p: npt.ArrayLike, q: npt.ArrayLike) -> None:
        """Adds a chunk of p and q."""
        self._update(p, q)


class KLDivergenceAccumulator(_Shannon):
    """NumPy twin of :class:`entropykit.KLDivergenceAccumulator`."""

    _kind = "kl_divergence"

    def update(self, p: npt.ArrayLike, q: npt.ArrayLike) -> None:
        """Adds a chunk of p and q."""
        self._update(p, q)


class CountsAccumulator:
    """NumPy twin of :class:`entropykit.CountsAccumulator` (a ``collections.Counter``)."""

    def __init__(self, estimator: str = "plugin", *, base: float | None = None) -> None:
        name = "CountsAccumulator"
        counts.check_estimator(estimator, name)
        self._estimator = estimator
        self._base = check_base(base, name)
        self._counter: Counter[Any] = Counter()
        self._seen = 0

    def update(self, labels: npt.ArrayLike) -> None:
        """Adds a 1-D chunk of labels."""
        arr = np.asarray(labels)
        if arr.ndim != 1:
            raise ValueError(
                f"CountsAccumulator.update: labels must be 1-D, not of shape {arr.shape}"
            )
        if arr.dtype.kind == "f":
            nan = np.flatnonzero(np.isnan(arr))
            if nan.size:
                i = int(nan[0]) + self._seen
                raise InvalidDistributionError(
                    f"CountsAccumulator.update: labels[{i}] is NaN; NaN is not a label",
                    "nan",
                    "labels",
                    (i,),
                )
        self._counter.update(arr.tolist())
        self._seen += arr.size

    def merge(self, other: CountsAccumulator) -> None:
        """Adds the labels counted by ``other``."""
        self._counter.update(other._counter)
        self._seen += other._seen

    def result(self) -> np.float64:
        """The estimate from the counts of the distinct labels seen."""
        if not self._counter:
            raise ValueError("CountsAccumulator.result: no labels yet")
        values = np.sort(np.array(list(self._counter.values()), dtype=np.float64))
        return counts.entropy_from_counts(values, self._estimator, base=self._base)  # type: ignore[return-value]

    def counts(self) -> dict[object, int]:
        """The histogram: each distinct label's count."""
        return dict(self._counter)


class TokenCrossEntropyAccumulator:
    """NumPy twin of :class:`entropykit.TokenCrossEntropyAccumulator`."""

    def __init__(
        self,
        *,
        axis: int = -1,
        weight: npt.ArrayLike | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
    ) -> None:
        self._axis = axis
        self._weight = weight
        self._ignore_index = ignore_index
        self._label_smoothing = label_smoothing
        self._rows: list[tuple[np.ndarray, np.ndarray]] = []

    def update(self, logits: npt.ArrayLike, target: npt.ArrayLike) -> None:
        """Adds a chunk of rows (checked by a reference call on the chunk)."""
        x, t = np.asarray(logits), np.asarray(target)
        self._loss(x, t, self._axis)
        # Rows with the class axis last: the mean does not depend on how rows are arranged.
        rows = np.moveaxis(x, self._axis, -1)
        classes = rows.shape[-1]
        if t.shape == x.shape:
            t = np.moveaxis(t, self._axis, -1).reshape(-1, classes)
        else:
            t = t.reshape(-1)
        self._rows.append((rows.reshape(-1, classes).copy(), t.copy()))

    def _loss(self, x: np.ndarray, t: np.ndarray, axis: int) -> np.float64:
        return logits.softmax_cross_entropy(  # type: ignore[return-value]
            x,
            t,
            axis=axis,
            weight=self._weight,
            ignore_index=self._ignore_index,
            label_smoothing=self._label_smoothing,
            reduction="mean",
        )

    def merge(self, other: TokenCrossEntropyAccumulator) -> None:
        """Adds the rows of ``other``."""
        self._rows.extend(other._rows)

    def result(self) -> np.float64:
        """The mean loss over every row so far."""
        if not self._rows:
            return np.float64(np.nan)
        x = np.concatenate([r[0] for r in self._rows])
        t = np.concatenate([r[1] for r in self._rows])
        return self._loss(x, t, -1)

    def perplexity(self) -> np.float64:
        """exp of the mean loss."""
        return np.float64(math.exp(self.result()))


class threads:
    """NumPy twin of :class:`entropykit.threads`: the reference runs on one thread, so the block
    only checks ``n``."""

    def __init__(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"threads: n must be an int >= 1, not {n!r}")
        self._n = n

    def __enter__(self) -> threads:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
