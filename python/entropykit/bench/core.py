"""The core section: entropy, cross-entropy and KL divergence at each size (1-D and batched)
against the reference twin, the NumPy one-liners, SciPy and PyTorch, with the streaming sum over
the same bytes as the yardstick (``x sum``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core, reference

from .config import PEERLESS_SIZE, RTOL, SLOW_SIZE, TWIN_REPEATS, BenchConfig
from .harness import (
    Candidate,
    Peers,
    ThreadState,
    as_float64,
    max_rel_diff,
    median,
    same_bits,
    time_interleaved,
)

__all__ = [
    "FORMULAS",
    "NOTES",
    "PEERS",
    "Case",
    "Inputs",
    "cases_of",
    "make_call",
    "memory_specs",
    "run_case",
]

#: Candidate names, in the order of a round. "numpy" is the one-liner users write.
PEERS = ("reference", "numpy", "scipy_stats", "scipy_special", "torch")

#: What each candidate computes, printed under the table and stored in the JSON.
FORMULAS: dict[str, dict[str, str]] = {
    "numpy": {
        "entropy": "-np.sum(p * np.log(p), axis=-1)",
        "cross_entropy": "-np.sum(p * np.log(q), axis=-1)",
        "kl_divergence": "np.sum(p * np.log(p / q), axis=-1)",
    },
    "scipy_stats": {
        "entropy": "scipy.stats.entropy(p, axis=-1)",
        "cross_entropy": "scipy.stats.entropy(p, axis=-1) + scipy.stats.entropy(p, q, axis=-1)",
        "kl_divergence": "scipy.stats.entropy(p, q, axis=-1)",
    },
    "scipy_special": {
        "entropy": "np.sum(scipy.special.entr(p), axis=-1)",
        "cross_entropy": "np.sum(entr(p), axis=-1) + np.sum(rel_entr(p, q), axis=-1)",
        "kl_divergence": "np.sum(scipy.special.rel_entr(p, q), axis=-1)",
    },
    "torch": {
        "entropy": "torch.special.entr(p).sum(-1)",
        "cross_entropy": "-torch.special.xlogy(p, q).sum(-1)",
        "kl_divergence": "F.kl_div(torch.log(q), p, reduction='none').sum(-1)",
    },
}

#: Candidates that get inputs already divided by their sums (they do not normalise).
PRE_NORMALISED = ("numpy", "scipy_special", "torch")

NOTES = [
    "speedup = peer time / entropykit time (above 1: entropykit is faster).",
    "entropykit, reference and scipy.stats.entropy get the raw (unnormalised) inputs and "
    "normalise themselves (normalize=True); the NumPy one-liners, the scipy.special sums and "
    "PyTorch get inputs already divided by their sums, made outside the timing.",
    "NumPy, SciPy and the reference are single-threaded: their times are shared by the rows of "
    "every thread count; entropykit, stream_sum and PyTorch run at the row's thread count.",
    "x sum = entropykit time / time of a plain multithreaded sum (_core.stream_sum) over the "
    "same bytes at the same thread count: 1.0 means at the memory-bandwidth limit.",
    "agree: entropykit matches entropykit.reference within rtol 1e-10 (float64) / 1e-5 "
    "(float32) on every value of the row.",
    "batched: rows of 1,000 entries reduced along axis=-1 (SciPy called with axis=-1); from "
    f"{SLOW_SIZE:.0e} elements on, batched cases time entropykit, the sum, PyTorch and the "
    "reference only.",
    f"From {SLOW_SIZE:.0e} elements on, the reference is sampled min(repeats, {TWIN_REPEATS}) "
    "times (median), as is any peer whose first call lasts 0.1 s or more (that call is then "
    "the first sample).",
    f"sizes of {PEERLESS_SIZE:.0e} and more (--full) time entropykit and the sum only; the "
    "reference is called once there, for the agreement check.",
]


@dataclass
class Inputs:
    """Inputs of one case: p and q are the two halves of one contiguous buffer, so that
    ``stream_sum(buffer)`` reads exactly the bytes a binary kernel reads."""

    function: str
    buffer: np.ndarray
    p: np.ndarray
    q: np.ndarray | None
    _normalised: tuple[np.ndarray, np.ndarray | None] | None = field(default=None, repr=False)

    @classmethod
    def make(
        cls, function: str, dtype: str, shape: tuple[int, ...], rng: np.random.Generator
    ) -> Inputs:
        n = math.prod(shape)
        binary = function != "entropy"
        # 1 - U[0, 1) lies in (0, 1]: no zero entry, so the one-liners' 0 * log 0 = nan never
        # happens (float32 draws are multiples of 2**-24, so U itself hits 0 at large sizes).
        buffer = 1.0 - rng.random(2 * n if binary else n, dtype=np.dtype(dtype).type)
        p = buffer[:n].reshape(shape)
        q = buffer[n:].reshape(shape) if binary else None
        return cls(function, buffer, p, q)

    @property
    def normalised(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Copies of p and q divided by their sums along the last axis (made on first use)."""
        if self._normalised is None:
            pn = self.p / self.p.sum(axis=-1, keepdims=True)
            qn = None if self.q is None else self.q / self.q.sum(axis=-1, keepdims=True)
            self._normalised = (pn, qn)
        return self._normalised

    @property
    def nbytes(self) -> int:
        return self.buffer.nbytes


def make_call(name: str, inputs: Inputs, peers: Peers) -> Callable[[], Any]:
    """A zero-argument callable computing ``inputs.function`` with candidate ``name``."""
    function = inputs.function
    p, q = inputs.p, inputs.q
    if name == "entropykit":
        f = getattr(ek, function)
        return (lambda: f(p)) if q is None else (lambda: f(p, q))
    if name == "reference":
        g = getattr(reference, function)
        return (lambda: g(p)) if q is None else (lambda: g(p, q))
    if name == "stream_sum":
        buffer = inputs.buffer
        return lambda: _core.stream_sum(buffer)
    pn, qn = inputs.normalised if name in PRE_NORMALISED else (p, q)
    if name == "numpy":
        if function == "entropy":
            return lambda: -np.sum(pn * np.log(pn), axis=-1)
        assert qn is not None
        if function == "cross_entropy":
            return lambda: -np.sum(pn * np.log(qn), axis=-1)
        return lambda: np.sum(pn * np.log(pn / qn), axis=-1)
    if name == "scipy_stats":
        stats = peers.scipy_stats
        if function == "entropy":
            return lambda: stats.entropy(pn, axis=-1)
        if function == "cross_entropy":
            return lambda: stats.entropy(pn, axis=-1) + stats.entropy(pn, qn, axis=-1)
        return lambda: stats.entropy(pn, qn, axis=-1)
    if name == "scipy_special":
        special = peers.scipy_special
        if function == "entropy":
            return lambda: np.sum(special.entr(pn), axis=-1)
        if function == "cross_entropy":
            return lambda: (
                np.sum(special.entr(pn), axis=-1) + np.sum(special.rel_entr(pn, qn), axis=-1)
            )
        return lambda: np.sum(special.rel_entr(pn, qn), axis=-1)
    if name == "torch":
        torch = peers.torch
        tp = torch.from_numpy(pn)
        tq = None if qn is None else torch.from_numpy(qn)
        if function == "entropy":
            return lambda: torch.special.entr(tp).sum(-1)
        if function == "cross_entropy":
            return lambda: -torch.special.xlogy(tp, tq).sum(-1)
        kl_div = torch.nn.functional.kl_div
        return lambda: kl_div(torch.log(tq), tp, reduction="none").sum(-1)
    raise ValueError(f"unknown candidate {name!r}")


@dataclass
class Case:
    function: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    @property
    def layout(self) -> str:
        return "1-D" if len(self.shape) == 1 else "batched"


def cases_of(config: BenchConfig) -> list[Case]:
    """Every case of the run, smallest sizes first (so a progress bar moves early)."""
    cases = []
    for n in config.sizes:
        shapes: list[tuple[int, ...]] = [(n,)]
        if config.batch_columns * 10 <= n < PEERLESS_SIZE:
            shapes.append((n // config.batch_columns, config.batch_columns))
        for shape in shapes:
            for function in config.functions:
                for dtype in config.dtypes:
                    cases.append(Case(function, dtype, shape))
    return cases


def run_case(
    case: Case,
    config: BenchConfig,
    peers: Peers,
    threads: ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times one case and returns its rows, one per thread count."""
    inputs = Inputs.make(case.function, case.dtype, case.shape, rng)
    peerless = case.elements >= PEERLESS_SIZE
    candidates: list[Candidate] = []
    for n in config.threads:
        candidates.append(Candidate("entropykit", make_call("entropykit", inputs, peers), n))
        candidates.append(Candidate("stream_sum", make_call("stream_sum", inputs, peers), n))
    slow = case.elements >= SLOW_SIZE
    for name in PEERS:
        if not peers.available(name) or (peerless and name != "reference"):
            continue
        if slow and case.layout == "batched" and name not in ("reference", "torch"):
            continue
        repeats = 0 if peerless else TWIN_REPEATS if slow and name == "reference" else None
        if name == "torch":
            for n in config.threads:
                candidates.append(Candidate(name, make_call(name, inputs, peers), n))
        else:
            candidates.append(Candidate(name, make_call(name, inputs, peers), repeats=repeats))
    samples, values = time_interleaved(candidates, config.repeats, config.min_time, threads)

    expected = as_float64(values["reference"])
    rtol = RTOL[case.dtype]
    first_ek = as_float64(values[f"entropykit@{config.threads[0]}"])
    rows = []
    for n in config.threads:
        ek_value = as_float64(values[f"entropykit@{n}"])
        rel = max_rel_diff(ek_value, expected)
        seconds: dict[str, float | None] = {}
        row_samples: dict[str, list[float] | None] = {}
        for name in ("entropykit", "stream_sum", *PEERS):
            key = f"{name}@{n}" if name in ("entropykit", "stream_sum", "torch") else name
            row_samples[name] = samples.get(key)
            seconds[name] = median(samples[key]) if samples.get(key) else None
        ek_s = seconds["entropykit"]
        assert ek_s is not None and seconds["stream_sum"] is not None
        # The peers this case timed (a slow batched case times the reference only).
        peer_keys = {name: f"{name}@{n}" if name == "torch" else name for name in PEERS[1:]}
        peer_rel = {
            name: max_rel_diff(as_float64(values[key]), expected)
            for name, key in peer_keys.items()
            if key in values
        }
        rows.append(
            {
                "function": case.function,
                "dtype": case.dtype,
                "shape": list(case.shape),
                "layout": case.layout,
                "elements": case.elements,
                "input_bytes": inputs.nbytes,
                "threads": n,
                "seconds_per_call": seconds,
                "ns_per_element": {
                    k: (None if v is None else v * 1e9 / case.elements) for k, v in seconds.items()
                },
                "speedup": {
                    name: (None if (s := seconds[name]) is None else s / ek_s) for name in PEERS
                },
                "bandwidth_multiple": ek_s / seconds["stream_sum"],
                "agreement": bool(rel <= rtol),
                "max_rel_diff": rel,
                "rtol": rtol,
                "same_bits_across_threads": same_bits(ek_value, first_ek),
                "peer_max_rel_diff": peer_rel,
                "samples_seconds": row_samples,
            }
        )
    return rows


def memory_specs(config: BenchConfig, peers: Peers) -> list[dict[str, Any]]:
    """Peak-memory probes at the largest size: entropykit and every peer (entropykit alone at
    the peerless sizes), per function and dtype."""
    n = max(config.sizes)
    sides = ["entropykit"]
    if n < PEERLESS_SIZE:
        sides += [name for name in PEERS if peers.available(name)]
    return [
        {
            "side": side,
            "function": function,
            "dtype": dtype,
            "elements": n,
            "threads": max(config.threads),
            "seed": config.seed,
        }
        for function in config.functions
        for dtype in config.dtypes
        for side in sides
    ]
