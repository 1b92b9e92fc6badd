"""Streams: accumulators that take data in chunks, merge, pickle, and give what one call over the
concatenated data gives, and ``threads``, a thread count scoped to a ``with`` block.

Each is a class of the Rust extension (``src/python/stream.rs``, ``src/python/runtime.rs``),
re-exported here with its docstring; the argument rules live in Rust. The accumulators keep the
mergeable partial sums of the kernels (for entropy, the mass S and T = sum p ln p at a
power-of-two scale per distribution, so H = ln S - T / S stays exact), not the data.
"""

from __future__ import annotations

from ._core import (
    CountsAccumulator,
    CrossEntropyAccumulator,
    EntropyAccumulator,
    KLDivergenceAccumulator,
    TokenCrossEntropyAccumulator,
    threads,
)

__all__ = [
    "CountsAccumulator",
    "CrossEntropyAccumulator",
    "EntropyAccumulator",
    "KLDivergenceAccumulator",
    "TokenCrossEntropyAccumulator",
    "threads",
]
