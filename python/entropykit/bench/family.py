"""The family section (issue 4): every function of the family against its NumPy twin and
against the function users would otherwise call (SciPy, scikit-learn), at one size, interleaved,
with a streaming sum over as many bytes as the inputs hold as the yardstick (``x sum``).

Functions that this build does not export are skipped, as are peers that are not importable.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import entropykit as ek
from entropykit import _core, reference

from .config import TWIN_REPEATS
from .harness import Candidate, as_float64, max_rel_diff, median, same_bits, time_interleaved

__all__ = [
    "FAMILY_CASES",
    "FamilyCase",
    "run_family_case",
]

#: Agreement between entropykit and its twin (relative; absolute where the twin is 0).
FAMILY_RTOL = 1e-9

Inputs = dict[str, Any]
Call = Callable[[Inputs], Any]


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@dataclass
class FamilyCase:
    """One function: how to make its inputs of ``n`` elements, and the three calls timed."""

    name: str
    group: str
    make: Callable[[np.random.Generator, int], Inputs]
    ours: Call
    twin: Call
    #: (the peer's formula, a factory returning its call, or None when not importable)
    peer: tuple[str, Callable[[], Call | None]] | None = None
    #: Goal: entropykit at least this many times faster than the twin.
    goal_vs_twin: float | None = 8.0
    #: Goal against the peer (mutual_information_labels vs scikit-learn).
    goal_vs_peer: float | None = None
    #: The name in the report (the function, with its options where several are timed).
    label: str = ""

    def available(self) -> bool:
        head = self.name.split(".")[0]
        return hasattr(ek, head)


def _elementwise(rng: np.random.Generator, n: int) -> Inputs:
    return {"x": rng.random(n), "y": rng.random(n) + 0.01}


def _pair(rng: np.random.Generator, n: int) -> Inputs:
    return {"p": 1.0 - rng.random(n), "q": 1.0 - rng.random(n)}


def _table(rng: np.random.Generator, n: int) -> Inputs:
    columns = 1000
    return {"pxy": rng.integers(0, 100, (max(1, n // columns), columns))}


def _many(rng: np.random.Generator, n: int) -> Inputs:
    return {"ps": 1.0 - rng.random((10, max(1, n // 10)))}


def _labels(rng: np.random.Generator, n: int) -> Inputs:
    x = rng.integers(0, 1000, n)
    return {"x": x, "y": (x + rng.integers(0, 50, n)) % 1000}


def _counts(rng: np.random.Generator, n: int) -> Inputs:
    return {"c": rng.integers(0, 20, n).astype(np.float64)}


def _covariances(rng: np.random.Generator, n: int) -> Inputs:
    d = 8
    batch = max(1, n // 1000)
    a = rng.standard_normal((batch, d, d))
    b = rng.standard_normal((batch, d, d))
    eye = np.eye(d)
    return {
        "mu1": rng.standard_normal((batch, d)),
        "s1": a @ a.transpose(0, 2, 1) + d * eye,
        "mu2": rng.standard_normal((batch, d)),
        "s2": b @ b.transpose(0, 2, 1) + d * eye,
    }


def _special(name: str) -> Callable[[], Call | None]:
    def factory() -> Call | None:
        special = _module("scipy.special")
        if special is None:
            return None
        f = getattr(special, name)
        return lambda a: f(a["x"], a["y"])

    return factory


def _scipy_entr() -> Call | None:
    special = _module("scipy.special")
    return None if special is None else (lambda a: special.entr(a["x"]))


def _scipy_binary() -> Call | None:
    special = _module("scipy.special")
    if special is None:
        return None
    return lambda a: special.entr(a["x"]) + special.entr(1.0 - a["x"])


def _jensenshannon(square: bool) -> Callable[[], Call | None]:
    def factory() -> Call | None:
        distance = _module("scipy.spatial.distance")
        if distance is None:
            return None
        if square:
            return lambda a: distance.jensenshannon(a["p"], a["q"]) ** 2
        return lambda a: distance.jensenshannon(a["p"], a["q"])

    return factory


def _stats_entropy(key: str, transform: Callable[[Any], Any] = lambda v: v) -> Callable[[], Any]:
    def factory() -> Call | None:
        stats = _module("scipy.stats")
        return None if stats is None else (lambda a: transform(stats.entropy(a[key], axis=None)))

    return factory


def _sklearn_mi_table() -> Call | None:
    metrics = _module("sklearn.metrics")
    if metrics is None:
        return None
    return lambda a: metrics.mutual_info_score(None, None, contingency=a["pxy"])


def _sklearn_mi_labels() -> Call | None:
    metrics = _module("sklearn.metrics")
    return None if metrics is None else (lambda a: metrics.mutual_info_score(a["x"], a["y"]))


def _label_entropy_peer() -> Call | None:
    stats = _module("scipy.stats")
    if stats is None:
        return None
    return lambda a: stats.entropy(np.unique(a["x"], return_counts=True)[1])


def _gammaln_boltzmann() -> Call | None:
    special = _module("scipy.special")
    if special is None:
        return None
    return lambda a: special.gammaln(a["c"].sum() + 1) - special.gammaln(a["c"] + 1).sum()


def _np_power(order: float, tsallis: bool) -> Callable[[], Call]:
    def factory() -> Call:
        def call(a: Inputs) -> Any:
            p = a["p"] / a["p"].sum()
            s = np.sum(p**order)
            return (1 - s) / (order - 1) if tsallis else np.log(s) / (1 - order)

        return call

    return factory


def _case(name: str, group: str, make: Any, arg_names: tuple[str, ...], **kw: Any) -> FamilyCase:
    """A case whose calls pass the inputs ``arg_names`` positionally (plus keyword ``extra``)."""
    extra = kw.pop("extra", {})

    def caller(module: Any) -> Call:
        def call(a: Inputs) -> Any:
            f = module
            for part in name.split("."):
                f = getattr(f, part)
            return f(*(a[k] for k in arg_names), **extra)

        return call

    twin_module = kw.pop("twin_module", reference)
    label = f"{name}[{extra['estimator']}]" if "estimator" in extra else name
    return FamilyCase(name, group, make, caller(ek), caller(twin_module), label=label, **kw)


class _Scipy:
    """``entropykit.reference`` stands in as the twin of scipy_compat.entropy (axis=0)."""

    class scipy_compat:
        @staticmethod
        def entropy(p: Any) -> Any:
            return reference.entropy(p, axis=0)


FAMILY_CASES: list[FamilyCase] = [
    _case("entr", "elementwise", _elementwise, ("x",), peer=("scipy.special.entr", _scipy_entr)),
    *(
        _case(f, "elementwise", _elementwise, ("x", "y"), peer=(f"scipy.special.{f}", _special(f)))
        for f in ("rel_entr", "kl_div", "xlogy")
    ),
    _case(
        "binary_entropy",
        "elementwise",
        lambda rng, n: {"x": rng.random(n)},
        ("x",),
        peer=("entr(p) + entr(1 - p)", _scipy_binary),
    ),
    _case(
        "surprisal",
        "elementwise",
        lambda rng, n: {"x": 1.0 - rng.random(n)},
        ("x",),
        peer=("-np.log(p)", lambda: lambda a: -np.log(a["x"])),
    ),
    _case(
        "js_divergence",
        "reducing",
        _pair,
        ("p", "q"),
        peer=("jensenshannon(p, q) ** 2", _jensenshannon(True)),
    ),
    _case(
        "js_distance",
        "reducing",
        _pair,
        ("p", "q"),
        peer=("jensenshannon(p, q)", _jensenshannon(False)),
    ),
    _case("js_divergence_many", "reducing", _many, ("ps",)),
    _case(
        "renyi_entropy",
        "reducing",
        _pair,
        ("p",),
        extra={"alpha": 2.5},
        peer=("log(sum(p**a)) / (1 - a)", _np_power(2.5, False)),
    ),
    _case(
        "tsallis_entropy",
        "reducing",
        _pair,
        ("p",),
        extra={"q_index": 2.5},
        peer=("(1 - sum(p**q)) / (q - 1)", _np_power(2.5, True)),
    ),
    _case(
        "perplexity",
        "reducing",
        _pair,
        ("p",),
        peer=("exp(scipy.stats.entropy(p))", _stats_entropy("p", np.exp)),
    ),
    _case(
        "joint_entropy",
        "table",
        _table,
        ("pxy",),
        peer=("scipy.stats.entropy(pxy, axis=None)", _stats_entropy("pxy")),
    ),
    _case(
        "mutual_information",
        "table",
        _table,
        ("pxy",),
        peer=("sklearn mutual_info_score(contingency=pxy)", _sklearn_mi_table),
    ),
    _case("conditional_entropy", "table", _table, ("pxy",)),
    _case("variation_of_information", "table", _table, ("pxy",)),
    _case("normalized_mutual_information", "table", _table, ("pxy",)),
    _case(
        "scipy_compat.entropy",
        "reducing",
        _pair,
        ("p",),
        twin_module=_Scipy,
        peer=("scipy.stats.entropy(p)", _stats_entropy("p")),
    ),
    _case(
        "entropy_labels",
        "labels",
        _labels,
        ("x",),
        peer=("scipy.stats.entropy(np.unique(x, return_counts=True)[1])", _label_entropy_peer),
    ),
    _case(
        "mutual_information_labels",
        "labels",
        _labels,
        ("x", "y"),
        peer=("sklearn.metrics.mutual_info_score(x, y)", _sklearn_mi_labels),
        goal_vs_peer=10.0,
    ),
    *(
        _case(
            "entropy_from_counts",
            "counts",
            _counts,
            ("c",),
            extra={"estimator": estimator},
        )
        for estimator in ("plugin", "miller_madow", "james_stein", "chao_shen")
    ),
    _case(
        "boltzmann_entropy",
        "counts",
        _counts,
        ("c",),
        peer=("gammaln(N + 1) - sum(gammaln(n + 1))", _gammaln_boltzmann),
    ),
    _case(
        "gaussian_kl",
        "gaussian",
        _covariances,
        ("mu1", "s1", "mu2", "s2"),
        extra={"kind": "full"},
        goal_vs_twin=None,
    ),
]


def run_family_case(
    case: FamilyCase,
    n: int,
    thread_counts: tuple[int, ...],
    repeats: int,
    min_time: float,
    threads: Any,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Times one function (entropykit at each thread count, the twin and the peer once) and
    returns one row per thread count."""
    inputs = case.make(rng, n)
    arrays = [np.asarray(v) for v in inputs.values()]
    elements = int(sum(a.size for a in arrays) // max(1, len(arrays)))
    input_bytes = sum(a.nbytes for a in arrays)
    # The yardstick reads as many bytes as the inputs hold, as float64 (labels and count tables
    # are integers; their bits read as floats would be subnormals, slow to add on x86).
    yardstick = np.ones(max(1, input_bytes // 8))

    def run_ours() -> Any:
        return case.ours(inputs)

    def run_twin() -> Any:
        return case.twin(inputs)

    candidates = []
    for t in thread_counts:
        candidates.append(Candidate("entropykit", run_ours, t))
        candidates.append(Candidate("stream_sum", lambda: _core.stream_sum(yardstick), t))
    candidates.append(Candidate("reference", run_twin, repeats=TWIN_REPEATS))
    peer_call = case.peer[1]() if case.peer else None
    if peer_call is not None:
        candidates.append(Candidate("peer", lambda: peer_call(inputs)))
    samples, values = time_interleaved(candidates, repeats, min_time, threads)
    expected = as_float64(values["reference"])
    first = as_float64(values[f"entropykit@{thread_counts[0]}"])
    rows = []
    for t in thread_counts:
        ours = as_float64(values[f"entropykit@{t}"])
        seconds = median(samples[f"entropykit@{t}"])
        sum_seconds = median(samples[f"stream_sum@{t}"])
        twin = median(samples["reference"])
        peer = median(samples["peer"]) if "peer" in samples else None
        rel = max_rel_diff(ours, expected)
        rows.append(
            {
                "function": case.label or case.name,
                "group": case.group,
                "elements": elements,
                "input_bytes": input_bytes,
                "threads": t,
                "seconds_per_call": {
                    "entropykit": seconds,
                    "stream_sum": sum_seconds,
                    "reference": twin,
                    "peer": peer,
                },
                "speedup": {
                    "reference": twin / seconds,
                    "peer": None if peer is None else peer / seconds,
                },
                "bandwidth_multiple": seconds / sum_seconds,
                "peer_formula": case.peer[0] if case.peer and peer is not None else None,
                "agreement": bool(rel <= FAMILY_RTOL),
                "max_rel_diff": rel,
                "same_bits_across_threads": same_bits(ours, first),
                "goal_vs_reference": case.goal_vs_twin,
                "goal_vs_peer": case.goal_vs_peer,
            }
        )
    return rows
