"""Every SIMD level this CPU has agrees with scalar on every public function, within the bound the
README documents ("Accuracy"): 64 units of the input precision's epsilon, relative to the result
or, for results below 1 (terms that cancel to near 0), absolute. `.ci/run` also runs the
kernel-exercising test files under each level (`.ci/simd-levels`); this file compares the levels
against each other in one process (`_core.set_simd_level`)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest

import entropykit as ek
from entropykit import _core

LEVEL_UNITS = 64
ESTIMATORS = ["plugin", "miller_madow", "james_stein", "chao_shen"]


def inputs(dtype) -> SimpleNamespace:
    """Arguments of every function group, long enough to take the vector paths and their tails."""
    rng = np.random.default_rng(5)
    cast = lambda a: np.asarray(a, dtype=dtype)  # noqa: E731
    p = rng.random((7, 1001))
    p[:, ::5] = 0
    x = rng.random(3001) * 3
    x[::37] = 0
    logits = (rng.random((23, 37)) - 0.5) * 20
    logits[0, 5] = -np.inf
    a = rng.random((4, 3, 3))
    cov = a @ a.transpose(0, 2, 1) + np.eye(3)
    return SimpleNamespace(
        p=cast(p),
        q=cast(rng.random((7, 1001)) + 0.01),
        pxy=cast(rng.random((3, 17, 33))),
        x=cast(x),
        y=cast(rng.random(3001) * 3 + 1e-3),
        prob=cast(rng.random(3001)),
        counts=rng.integers(0, 40, (5, 300)),
        sigma=rng.random(37) * 4 + 0.1,
        mu=rng.random(37),
        cov=cov,
        cov2=cov[::-1].copy(),
        mu3=rng.random((4, 3)),
        labels=rng.integers(-5, 31, 3001),
        labels2=rng.integers(0, 11, 3001),
        logits=cast(logits),
        logits2=cast((rng.random((23, 37)) - 0.5) * 8),
        target=rng.integers(0, 37, 23),
        bits=cast(rng.random((23, 37))),
    )


#: Uneven segments of the 7 x 1001 p and q, flattened (one of a single entry, one long).
SEGMENTS = np.array([0, 11, 12, 500, 3001, 7007])

Call = Callable[[SimpleNamespace], object]
CALLS: dict[str, Call] = {
    "entropy": lambda d: ek.entropy(d.p),
    "cross_entropy": lambda d: ek.cross_entropy(d.p, d.q),
    "kl_divergence": lambda d: [ek.kl_divergence(d.p, d.q, base=2), ek.kl_divergence(d.p, d.p)],
    "boltzmann_entropy": lambda d: ek.boltzmann_entropy(d.counts),
    "entropy_from_counts": lambda d: [ek.entropy_from_counts(d.counts, e) for e in ESTIMATORS],
    "gaussian_entropy": lambda d: [ek.gaussian_entropy(d.sigma), ek.gaussian_entropy(d.cov)],
    "gaussian_kl": lambda d: [
        ek.gaussian_kl(d.mu, d.sigma, d.mu[::-1], d.sigma[::-1]),
        ek.gaussian_kl(d.mu3, d.cov, d.mu3[::-1], d.cov2),
    ],
    "binary_entropy": lambda d: ek.binary_entropy(d.prob),
    "entr": lambda d: ek.entr(d.x),
    "kl_div": lambda d: ek.kl_div(d.x, d.y),
    "rel_entr": lambda d: ek.rel_entr(d.x, d.y),
    "surprisal": lambda d: ek.surprisal(d.prob, base=2),
    "xlogy": lambda d: ek.xlogy(d.x, d.y),
    "conditional_entropy": lambda d: [
        ek.conditional_entropy(d.pxy),
        ek.conditional_entropy(d.pxy, given="x"),
    ],
    "joint_entropy": lambda d: ek.joint_entropy(d.pxy),
    "js_distance": lambda d: ek.js_distance(d.p, d.q),
    "js_divergence": lambda d: ek.js_divergence(d.p, d.q),
    "js_divergence_many": lambda d: ek.js_divergence_many(d.p),
    "mutual_information": lambda d: ek.mutual_information(d.pxy),
    "normalized_mutual_information": lambda d: ek.normalized_mutual_information(d.pxy),
    "perplexity": lambda d: ek.perplexity(d.p),
    "renyi_entropy": lambda d: [ek.renyi_entropy(d.p, a) for a in (0.5, 2.0, np.inf)],
    "tsallis_entropy": lambda d: [ek.tsallis_entropy(d.p, q) for q in (0.5, 2.0)],
    "variation_of_information": lambda d: ek.variation_of_information(d.pxy),
    "entropy_labels": lambda d: ek.entropy_labels(d.labels),
    "mutual_information_labels": lambda d: ek.mutual_information_labels(d.labels, d.labels2),
    "binary_cross_entropy": lambda d: ek.binary_cross_entropy(d.bits, d.bits, reduction="none"),
    "binary_cross_entropy_with_logits": lambda d: ek.binary_cross_entropy_with_logits(
        d.logits, d.bits, reduction="none"
    ),
    "entropy_from_logits": lambda d: ek.entropy_from_logits(d.logits),
    "kl_divergence_from_logits": lambda d: ek.kl_divergence_from_logits(d.logits, d.logits2),
    "log_softmax": lambda d: ek.log_softmax(d.logits),
    "logsumexp": lambda d: ek.logsumexp(d.logits),
    "perplexity_from_logits": lambda d: ek.perplexity_from_logits(d.logits, d.target),
    "softmax_cross_entropy": lambda d: ek.softmax_cross_entropy(
        d.logits, d.target, label_smoothing=0.1, reduction="none"
    ),
    "entropy_segments": lambda d: ek.entropy_segments(d.p.ravel(), SEGMENTS),
    "cross_entropy_segments": lambda d: ek.cross_entropy_segments(
        d.p.ravel(), d.q.ravel(), SEGMENTS
    ),
    "kl_divergence_segments": lambda d: ek.kl_divergence_segments(
        d.p.ravel(), d.q.ravel(), SEGMENTS
    ),
    "js_divergence_segments": lambda d: ek.js_divergence_segments(
        d.p.ravel(), d.q.ravel(), SEGMENTS
    ),
    "entropy_grouped": lambda d: ek.entropy_grouped(d.y, d.labels2)[1],
    "byte_histogram": lambda d: ek.byte_histogram(d.x).astype(np.float64),
    "byte_entropy": lambda d: [ek.byte_entropy(d.x, order=k) for k in (0, 1, 2)],
    "windowed_byte_entropy": lambda d: ek.windowed_byte_entropy(d.x, 100, 30),
    "histogram_entropy": lambda d: ek.histogram_entropy(d.p, 17, axis=1),
    "symbol_entropy": lambda d: ek.symbol_entropy(d.labels),
    "differential_entropy": lambda d: [
        ek.differential_entropy(d.q, method=m) for m in ("vasicek", "van es", "ebrahimi", "correa")
    ],
    # k = 3 everywhere: float32 inputs may repeat a value (a zero distance at k = 1).
    "knn_entropy": lambda d: ek.knn_entropy(d.y),
    "knn_mutual_information": lambda d: ek.knn_mutual_information(d.prob, d.y),
    "knn_mutual_information_many": lambda d: ek.knn_mutual_information_many(d.q.T, d.prob[:1001]),
    "knn_kl_divergence": lambda d: ek.knn_kl_divergence(d.prob, d.y, 3),
}
CONTROLS = {"available_simd_levels", "get_num_threads", "set_num_threads", "simd_level"}


def test_every_public_function_is_compared():
    functions = {
        name
        for name in ek.__all__
        if callable(getattr(ek, name)) and not isinstance(getattr(ek, name), type)
    }
    missing = functions - CONTROLS - set(CALLS)
    assert not missing, f"add a call of {sorted(missing)} to CALLS in {__file__}"
    assert set(CALLS) <= functions, sorted(set(CALLS) - functions)


def results_at(level: str, call: Call, dtype) -> np.ndarray:
    before = ek.simd_level()
    try:
        _core.set_simd_level(level)
        result = call(inputs(dtype))
    finally:
        _core.set_simd_level(before)
    parts = result if isinstance(result, list) else [result]
    return np.concatenate([np.ravel(np.asarray(r, dtype=np.float64)) for r in parts])


def distance(got: np.ndarray, want: np.ndarray, eps: float) -> np.ndarray:
    """|got - want| in units of `eps` times max(|want|, 1); 0 where both are NaN or equal."""
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    with np.errstate(invalid="ignore"):
        units = np.abs(got - want) / (eps * np.maximum(np.abs(want), 1.0))
    return np.where(same, 0.0, np.where(np.isnan(units), np.inf, units))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_level_agrees_with_scalar(name, dtype):
    levels = ek.available_simd_levels()
    scalar = results_at("scalar", CALLS[name], dtype)
    eps = float(np.finfo(dtype).eps)
    for level in levels:
        got = results_at(level, CALLS[name], dtype)
        d = distance(got, scalar, eps)
        worst = int(np.argmax(d))
        assert d[worst] <= LEVEL_UNITS, (
            f"{name} {np.dtype(dtype).name} {level}: {got[worst]!r} vs scalar {scalar[worst]!r} "
            f"({d[worst]:.1f} units of eps)"
        )
