"""The losses-from-logits section (issue 5): every logits function at one (batch, vocabulary)
shape against its reference twin and PyTorch, with the streaming sum over the same float bytes as
the yardstick (``x sum``)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core, reference

from .config import RTOL, TWIN_REPEATS, BenchConfig
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
    "LOGITS_CASES",
    "LOGITS_FORMULAS",
    "LOGITS_NOTES",
    "LOGITS_PEERS",
    "LogitsCase",
    "LogitsInputs",
    "logits_case",
    "logits_cases_of",
    "logits_memory_specs",
    "make_logits_call",
    "run_logits_case",
]

#: The cases of the logits section: (label, function, dtypes, keyword arguments). Every one runs
#: at the section's (batch, vocabulary) shape; float64 only where it adds a kernel worth timing.
LOGITS_CASES: tuple[tuple[str, str, tuple[str, ...], dict[str, Any]], ...] = (
    ("logsumexp", "logsumexp", ("float32", "float64"), {}),
    ("log_softmax", "log_softmax", ("float32",), {}),
    ("softmax_cross_entropy", "softmax_cross_entropy", ("float32", "float64"), {}),
    (
        "softmax_cross_entropy ls=0.1",
        "softmax_cross_entropy",
        ("float32",),
        {"label_smoothing": 0.1},
    ),
    ("entropy_from_logits", "entropy_from_logits", ("float32", "float64"), {}),
    ("kl_divergence_from_logits", "kl_divergence_from_logits", ("float32",), {}),
    ("perplexity_from_logits", "perplexity_from_logits", ("float32",), {}),
    ("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits", ("float32",), {}),
    ("binary_cross_entropy", "binary_cross_entropy", ("float32",), {}),
)

#: Cases whose peak extra memory is probed (issue 5: O(batch), never O(batch x vocabulary)).
LOGITS_MEMORY_CASES = ("softmax_cross_entropy", "entropy_from_logits")

#: Candidates of the logits section besides entropykit and stream_sum, in the order of a round.
LOGITS_PEERS = ("reference", "torch")

#: What PyTorch computes for each case (x: the logits, y: the targets); none for the others.
LOGITS_FORMULAS: dict[str, str] = {
    "logsumexp": "torch.logsumexp(x, dim=-1)",
    "log_softmax": "F.log_softmax(x, dim=-1)",
    "softmax_cross_entropy": "F.cross_entropy(x, y)",
    "softmax_cross_entropy ls=0.1": "F.cross_entropy(x, y, label_smoothing=0.1)",
    "perplexity_from_logits": "torch.exp(F.cross_entropy(x, y))",
    "binary_cross_entropy_with_logits": "F.binary_cross_entropy_with_logits(x, y)",
    "binary_cross_entropy": "F.binary_cross_entropy(p, y)",
}


@dataclass
class LogitsCase:
    """One case of the logits section: ``label`` names it in the report (``function`` plus any
    option), ``kwargs`` are passed to entropykit and to the reference alike."""

    label: str
    function: str
    dtype: str
    shape: tuple[int, int]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


def logits_cases_of(config: BenchConfig) -> list[LogitsCase]:
    """The logits cases of the run (none without ``config.logits``), in :data:`LOGITS_CASES`
    order, restricted to ``config.dtypes``."""
    if not config.logits:
        return []
    return [
        LogitsCase(label, function, dtype, config.logits_shape, dict(kwargs))
        for label, function, dtypes, kwargs in LOGITS_CASES
        for dtype in dtypes
        if dtype in config.dtypes
    ]


def logits_case(label: str, dtype: str, shape: Sequence[int]) -> LogitsCase:
    for name, function, _, kwargs in LOGITS_CASES:
        if name == label:
            return LogitsCase(label, function, dtype, (int(shape[0]), int(shape[1])), dict(kwargs))
    raise ValueError(f"unknown logits case {label!r}")


def logits_function(side: str, name: str) -> Callable[..., Any]:
    """``entropykit.<name>`` or ``entropykit.reference.<name>`` (``side`` "reference"), else the
    same function from the private module that defines it (before it was exported)."""
    public = ek if side == "entropykit" else reference
    f = getattr(public, name, None)
    if f is None:
        private = "_logits" if side == "entropykit" else "reference.logits"
        f = getattr(importlib.import_module(f"entropykit.{private}"), name)
    function: Callable[..., Any] = f
    return function


@dataclass
class LogitsInputs:
    """Inputs of one logits case. The float arguments (logits, a second set of logits, binary
    targets) are consecutive parts of one contiguous ``buffer``, so that ``stream_sum(buffer)``
    reads exactly the float bytes the kernel reads; class-index targets are separate int64."""

    buffer: np.ndarray
    arrays: tuple[np.ndarray, ...]
    target: np.ndarray | None

    @classmethod
    def make(cls, case: LogitsCase, rng: np.random.Generator) -> LogitsInputs:
        batch, vocab = case.shape
        n = batch * vocab
        kind = np.dtype(case.dtype).type
        function = case.function
        if function == "kl_divergence_from_logits":
            buffer = rng.standard_normal(2 * n, dtype=kind)
        elif function in ("binary_cross_entropy_with_logits", "binary_cross_entropy"):
            buffer = np.empty(2 * n, dtype=kind)
            if function == "binary_cross_entropy":
                # 1 - U[0, 1) lies in (0, 1]: a valid probability, never log(0) (clamped anyway).
                buffer[:n] = 1.0 - rng.random(n, dtype=kind)
            else:
                buffer[:n] = rng.standard_normal(n, dtype=kind)
            buffer[n:] = rng.integers(0, 2, n)  # hard 0/1 labels
        else:
            buffer = rng.standard_normal(n, dtype=kind)
        arrays = tuple(
            buffer[i * n : (i + 1) * n].reshape(batch, vocab) for i in range(buffer.size // n)
        )
        target = None
        if function in ("softmax_cross_entropy", "perplexity_from_logits"):
            target = rng.integers(0, vocab, batch, dtype=np.int64)
        return cls(buffer, arrays, target)

    @property
    def nbytes(self) -> int:
        return self.buffer.nbytes + (0 if self.target is None else self.target.nbytes)


def make_logits_call(
    name: str, case: LogitsCase, inputs: LogitsInputs, peers: Peers
) -> Callable[[], Any] | None:
    """A zero-argument callable computing ``case`` with candidate ``name``, or None when that
    candidate has no such function (PyTorch has no entropy or KL divergence from logits)."""
    args: tuple[Any, ...] = inputs.arrays
    kwargs = case.kwargs
    if name == "stream_sum":
        buffer = inputs.buffer
        return lambda: _core.stream_sum(buffer)
    if name in ("entropykit", "reference"):
        f = logits_function(name, case.function)
        if inputs.target is not None:
            args = (*args, inputs.target)
        return lambda: f(*args, **kwargs)
    if name != "torch":
        raise ValueError(f"unknown candidate {name!r}")
    torch = peers.torch
    F = torch.nn.functional
    x, *rest = (torch.from_numpy(a) for a in args)
    y = rest[0] if rest else None
    t = None if inputs.target is None else torch.from_numpy(inputs.target)
    function = case.function
    if function == "logsumexp":
        return lambda: torch.logsumexp(x, dim=-1)
    if function == "log_softmax":
        return lambda: F.log_softmax(x, dim=-1)
    if function == "softmax_cross_entropy":
        return lambda: F.cross_entropy(x, t, **kwargs)
    if function == "perplexity_from_logits":
        return lambda: torch.exp(F.cross_entropy(x, t))
    if function == "binary_cross_entropy_with_logits":
        return lambda: F.binary_cross_entropy_with_logits(x, y)
    if function == "binary_cross_entropy":
        return lambda: F.binary_cross_entropy(x, y)
    return None


def run_logits_case(
    case: LogitsCase,
    config: BenchConfig,
    peers: Peers,
    threads: ThreadState,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times one logits case and returns its rows, one per thread count."""
    inputs = LogitsInputs.make(case, rng)
    candidates: list[Candidate] = []
    for n in config.threads:
        for side in ("entropykit", "stream_sum"):
            call = make_logits_call(side, case, inputs, peers)
            assert call is not None
            candidates.append(Candidate(side, call, n))
    ref_call = make_logits_call("reference", case, inputs, peers)
    assert ref_call is not None
    candidates.append(Candidate("reference", ref_call, repeats=TWIN_REPEATS))
    torch_call = make_logits_call("torch", case, inputs, peers) if peers.torch else None
    if torch_call is not None:
        for n in config.threads:
            candidates.append(Candidate("torch", torch_call, n))
    samples, values = time_interleaved(candidates, config.repeats, config.min_time, threads)

    expected = as_float64(values["reference"])
    rtol = RTOL[case.dtype]
    first_ek = as_float64(values[f"entropykit@{config.threads[0]}"])
    rows = []
    for n in config.threads:
        ek_value = as_float64(values[f"entropykit@{n}"])
        rel = max_rel_diff(ek_value, expected)
        keys = {
            "entropykit": f"entropykit@{n}",
            "stream_sum": f"stream_sum@{n}",
            "reference": "reference",
            "torch": f"torch@{n}",
        }
        seconds = {k: (median(samples[key]) if key in samples else None) for k, key in keys.items()}
        ek_s, sum_s = seconds["entropykit"], seconds["stream_sum"]
        assert ek_s is not None and sum_s is not None
        rows.append(
            {
                "case": case.label,
                "function": case.function,
                "options": dict(case.kwargs),
                "dtype": case.dtype,
                "shape": list(case.shape),
                "elements": case.elements,
                "input_bytes": inputs.nbytes,
                "threads": n,
                "seconds_per_call": seconds,
                "ns_per_element": {
                    k: (None if v is None else v * 1e9 / case.elements) for k, v in seconds.items()
                },
                "speedup": {
                    name: (None if (s := seconds[name]) is None else s / ek_s)
                    for name in LOGITS_PEERS
                },
                "bandwidth_multiple": ek_s / sum_s,
                "agreement": bool(rel <= rtol),
                "max_rel_diff": rel,
                "rtol": rtol,
                "same_bits_across_threads": same_bits(ek_value, first_ek),
                # PyTorch computes float32 in float32 throughout: informative, not checked.
                "peer_max_rel_diff": (
                    {"torch": max_rel_diff(as_float64(values[keys["torch"]]), expected)}
                    if keys["torch"] in values
                    else {}
                ),
                "samples_seconds": {k: samples.get(key) for k, key in keys.items()},
            }
        )
    return rows


def logits_memory_specs(config: BenchConfig, peers: Peers) -> list[dict[str, Any]]:
    """Probes of the :data:`LOGITS_MEMORY_CASES` at the section's shape, in float32 (the dtype
    of the issue's targets) unless the run is float64 only."""
    if not config.logits:
        return []
    dtype = "float32" if "float32" in config.dtypes else config.dtypes[0]
    specs = []
    for label in LOGITS_MEMORY_CASES:
        sides = ["entropykit", "reference"]
        if peers.torch is not None and label in LOGITS_FORMULAS:
            sides.append("torch")
        specs += [
            {
                "section": "logits",
                "side": side,
                "function": label,
                "dtype": dtype,
                "shape": list(config.logits_shape),
                "elements": math.prod(config.logits_shape),
                "threads": max(config.threads),
                "seed": config.seed,
            }
            for side in sides
        ]
    return specs


LOGITS_NOTES = [
    "x ref = entropykit.reference time / entropykit's, x torch = PyTorch's (formulas in the "
    "JSON); above 1: entropykit is faster. The reference twins are single-threaded and, being "
    f"slow, sampled only min(repeats, {TWIN_REPEATS}) times per case (median; a first call "
    "of 0.1 s or more is the first sample); "
    "entropykit, stream_sum and PyTorch run at the row's thread count.",
    "softmax_cross_entropy and perplexity_from_logits take random class-index targets, "
    "reduction 'mean'; the binary losses take 0/1 labels of the logits' shape, reduction 'mean'. "
    "x sum = entropykit time / a plain sum over the same float bytes (1.0: bandwidth-bound).",
    "agree: entropykit matches the reference within rtol 1e-5 (float32) / 1e-10 (float64) on "
    "every value of the row (log_softmax: every entry).",
]
