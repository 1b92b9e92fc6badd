"""The small-calls section: the cost of one call on a small
input (issue 10), where argument handling, not the kernel, decides the time.

Each case times entropykit, the NumPy one-liner users write and the NumPy twin
(:mod:`entropykit.reference`) on the same input, per call (the fastest of several samples of
many calls each: the least disturbed by the machine), checks that entropykit agrees with the
twin, and checks that the calls never used the thread pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core, reference

__all__ = ["SMALL_CASES", "SmallCase", "run_small"]

Call = Callable[[], Any]


@dataclass(frozen=True)
class SmallCase:
    """One small call: ``make(rng)`` gives ``(entropykit call, NumPy one-liner, twin call)``."""

    label: str
    function: str
    target_us: float
    make: Callable[[np.random.Generator], tuple[Call, Call, Call]]
    numpy_formula: str


def _vector(n: int, function: str) -> Callable[[np.random.Generator], tuple[Call, Call, Call]]:
    def make(rng: np.random.Generator) -> tuple[Call, Call, Call]:
        p = rng.random(n) + 0.01
        q = rng.random(n) + 0.01
        pn, qn = p / p.sum(), q / q.sum()
        fast = getattr(ek, function)
        twin = getattr(reference, function)
        if function == "entropy":
            return (lambda: fast(p)), (lambda: -np.sum(pn * np.log(pn))), (lambda: twin(p))
        if function == "cross_entropy":
            return (
                (lambda: fast(p, q)),
                (lambda: -np.sum(pn * np.log(qn))),
                (lambda: twin(p, q)),
            )
        return (
            (lambda: fast(p, q)),
            (lambda: np.sum(pn * np.log(pn / qn))),
            (lambda: twin(p, q)),
        )

    return make


def _logits(rng: np.random.Generator) -> tuple[Call, Call, Call]:
    x = rng.standard_normal((8, 128)).astype(np.float32)
    target = rng.integers(0, 128, 8)
    rows = np.arange(8)

    def one_liner() -> Any:
        shifted = x - x.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=1))
        return np.mean(log_sum - shifted[rows, target])

    return (
        (lambda: ek.softmax_cross_entropy(x, target)),
        one_liner,
        (lambda: reference.softmax_cross_entropy(x, target)),
    )


SMALL_CASES: tuple[SmallCase, ...] = (
    SmallCase("entropy, 10 float64", "entropy", 2.0, _vector(10, "entropy"), "-sum(p ln p)"),
    SmallCase("entropy, 1,000 float64", "entropy", 3.0, _vector(1000, "entropy"), "-sum(p ln p)"),
    SmallCase(
        "cross_entropy, 10 float64",
        "cross_entropy",
        2.0,
        _vector(10, "cross_entropy"),
        "-sum(p ln q)",
    ),
    SmallCase(
        "cross_entropy, 1,000 float64",
        "cross_entropy",
        3.0,
        _vector(1000, "cross_entropy"),
        "-sum(p ln q)",
    ),
    SmallCase(
        "kl_divergence, 10 float64",
        "kl_divergence",
        2.0,
        _vector(10, "kl_divergence"),
        "sum(p ln(p/q))",
    ),
    SmallCase(
        "kl_divergence, 1,000 float64",
        "kl_divergence",
        3.0,
        _vector(1000, "kl_divergence"),
        "sum(p ln(p/q))",
    ),
    SmallCase(
        "softmax_cross_entropy, 8 x 128 float32",
        "softmax_cross_entropy",
        5.0,
        _logits,
        "mean(logsumexp(x) - x[target])",
    ),
)


def _per_call(call: Call, repeats: int, min_time: float) -> float:
    """Seconds per call: the fastest of ``repeats`` samples, each a loop of at least
    ``min_time`` seconds."""
    call()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        number *= 2 if elapsed * 4 > min_time else 8
    best = elapsed / number
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def run_small(rng: np.random.Generator, repeats: int, min_time: float) -> list[dict[str, Any]]:
    """One row per case of :data:`SMALL_CASES`, at the current thread count."""
    rows = []
    for case in SMALL_CASES:
        fast, one_liner, twin = case.make(rng)
        got, want = np.asarray(fast()), np.asarray(twin())
        uses_before = _core.pool_uses()
        seconds = {
            "entropykit": _per_call(fast, repeats, min_time),
            "numpy": _per_call(one_liner, repeats, min_time),
            "reference": _per_call(twin, repeats, min_time),
        }
        us = {side: s * 1e6 for side, s in seconds.items()}
        rows.append(
            {
                "case": case.label,
                "function": case.function,
                "threads": ek.get_num_threads(),
                "microseconds_per_call": us,
                "target_us": case.target_us,
                "numpy_formula": case.numpy_formula,
                "pool_used": _core.pool_uses() != uses_before,
                "agreement": bool(np.allclose(got, want, rtol=1e-9, atol=1e-12)),
            }
        )
    return rows
