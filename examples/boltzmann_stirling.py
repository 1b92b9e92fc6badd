"""Boltzmann's ln W against N H(p): Stirling's link between counting and entropy.

N particles spread over K cells with occupation numbers n_i = N p_i can be arranged in
W = N! / prod n_i! ways. Stirling's formula gives

    ln W = N H(p) - (K - 1)/2 ln(2 pi N) - 1/2 sum ln p_i + O(1/N),

so ln W / N -> H(p): entropy is the log-count of arrangements per particle. entropykit computes
ln W exactly (through lgamma, no factorials) for every N in one batched call.

Run: python examples/boltzmann_stirling.py [out.png]   (needs matplotlib)
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import entropykit as ek

P = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])


def main(out: str = "examples/boltzmann_stirling.png") -> None:
    sizes = np.unique(np.round(np.logspace(1, 8, 57) / 16) * 16).astype(np.int64)
    counts = np.outer(sizes // 16, np.round(P * 16)).astype(np.int64)  # rows: n_i = N p_i exactly
    n = counts.sum(axis=1)
    ln_w = ek.boltzmann_entropy(counts)  # one value per row, in nats
    h = ek.entropy(counts)  # H(p) of each row: the same p
    stirling = n * h - (len(P) - 1) / 2 * np.log(2 * np.pi * n) - 0.5 * np.log(P).sum()
    assert np.all(ln_w <= n * h), "ln W exceeds N H"
    assert abs(ln_w[-1] - stirling[-1]) < 1e-6 * ln_w[-1]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), dpi=120, sharex=True)
    top.semilogx(n, ln_w / n, "o-", ms=3, label="ln W / N (exact, boltzmann_entropy)")
    top.axhline(h[0], color="grey", ls="--", label=f"H(p) = {h[0]:.4f} nats")
    top.set_ylabel("nats per particle")
    top.set_title("Boltzmann: ln W / N tends to the Shannon entropy H(p)")
    top.legend(fontsize=8)
    bottom.loglog(n, n * h - ln_w, "o", ms=3, label="N H(p) - ln W")
    bottom.loglog(n, n * h - stirling, "-", label="Stirling: (K-1)/2 ln(2 pi N) + 1/2 sum ln p_i")
    bottom.set_xlabel("N (particles)")
    bottom.set_ylabel("nats")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
