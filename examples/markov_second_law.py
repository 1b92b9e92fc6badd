"""The Second Law on a small Markov chain, measured with entropykit.

A doubly stochastic transition matrix keeps the uniform distribution u stationary. Two initial
distributions p_0 and q_0 evolve under it; at every step:

* the entropy H(p_t) never decreases, and KL(p_t || u) = ln n - H(p_t) never increases;
* KL(p_t || q_t) never increases (the data-processing inequality: the chain forgets);
* the cross-entropy H(p_t, q_t) = H(p_t) + KL(p_t || q_t) is their sum: it tends to ln n, but
  need not be monotone on the way (one term rises while the other falls).

All the trajectories are computed in one batched call per measure (rows are time steps).

Run: python examples/markov_second_law.py [out.png]   (needs matplotlib)
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import entropykit as ek

STATES = 12
STEPS = 40


def doubly_stochastic(n: int, rng: np.random.Generator) -> np.ndarray:
    """A mixture of permutation matrices: rows and columns both sum to 1 (Birkhoff)."""
    weights = rng.dirichlet(np.full(4, 0.5))
    perms = [np.eye(n)[rng.permutation(n)] for _ in weights]
    # A little laziness makes the chain aperiodic, so it converges.
    return 0.3 * np.eye(n) + 0.7 * sum(w * m for w, m in zip(weights, perms, strict=True))


def trajectory(start: np.ndarray, transition: np.ndarray, steps: int) -> np.ndarray:
    rows = [start]
    for _ in range(steps):
        rows.append(rows[-1] @ transition)
    return np.array(rows)


def main(out: str = "examples/markov_second_law.png") -> None:
    rng = np.random.default_rng(7)
    transition = doubly_stochastic(STATES, rng)
    p = trajectory(np.eye(STATES)[0], transition, STEPS)  # starts certain: H = 0
    q = trajectory(rng.dirichlet(np.full(STATES, 0.3)), transition, STEPS)
    uniform = np.full(STATES, 1.0 / STATES)

    h_p = ek.entropy(p, base=2)  # one call: every time step is a row
    kl_pq = ek.kl_divergence(p, q, base=2)
    ce_pq = ek.cross_entropy(p, q, base=2)
    kl_pu = ek.kl_divergence(p, uniform, base=2)  # u broadcasts against every row

    assert np.all(np.diff(h_p) >= -1e-12), "entropy decreased"
    assert np.all(np.diff(kl_pq) <= 1e-12), "KL(p_t || q_t) increased"
    assert np.allclose(ce_pq, h_p + kl_pq)

    t = np.arange(STEPS + 1)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    ax.plot(t, h_p, label="H(p_t)  (rises)")
    ax.plot(t, ce_pq, label="H(p_t, q_t) = H(p_t) + KL(p_t || q_t)")
    ax.plot(t, kl_pq, label="KL(p_t || q_t)  (falls)")
    ax.plot(t, kl_pu, "--", label="KL(p_t || uniform) = log2 n - H(p_t)")
    ax.axhline(np.log2(STATES), color="grey", lw=0.8, ls=":", label="log2 n")
    ax.set_xlabel("step t")
    ax.set_ylabel("bits")
    ax.set_title(f"A {STATES}-state doubly stochastic Markov chain: the Second Law")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
