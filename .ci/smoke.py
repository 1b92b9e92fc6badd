"""Smoke test of an installed wheel, run in a fresh environment that holds only NumPy.

Imports entropykit, forces every SIMD level the CPU reports through ENTROPYKIT_SIMD (each in a
fresh interpreter: the level is read once per process) and makes one call per function group,
checked against the NumPy twin shipped in the same wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

CALLS = """
import numpy as np
import entropykit as ek
from entropykit import reference as ref

rng = np.random.default_rng(0)
p = rng.random((3, 50))
q = rng.random((3, 50))
logits = rng.standard_normal((4, 10)).astype(np.float32)
target = np.array([0, 3, 9, 2])
labels = rng.integers(0, 5, 200)
calls = {
    "entropy (core)": lambda m: m.kl_divergence(p, q, base=2),
    "js_divergence (family)": lambda m: m.js_divergence(p, q),
    "mutual_information (tables)": lambda m: m.mutual_information(p),
    "entropy_from_counts (counts)": lambda m: m.entropy_from_counts([3, 1, 0, 7], "chao_shen"),
    "gaussian_kl (gaussians)": lambda m: m.gaussian_kl(0.0, 1.0, 1.0, 2.0),
    "rel_entr (elementwise)": lambda m: m.rel_entr(p, q),
    "mutual_information_labels (labels)": lambda m: m.mutual_information_labels(labels, labels % 2),
    "softmax_cross_entropy (logits)": lambda m: m.softmax_cross_entropy(logits, target),
    "byte_entropy (raw)": lambda m: m.byte_entropy(p, order=1),
    "histogram_entropy (raw)": lambda m: m.histogram_entropy(p, 7, axis=1),
}
for name, call in calls.items():
    got, want = call(ek), call(ref)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-12, err_msg=name)
got = ek.scipy_compat.entropy(p.T)
np.testing.assert_allclose(got, ek.entropy(p), rtol=1e-12, err_msg="scipy_compat")
acc = ek.EntropyAccumulator()
acc.update(p[:, :20])
acc.update(p[:, 20:])
np.testing.assert_allclose(acc.result(), ek.entropy(p), rtol=1e-12, err_msg="streaming")
print(ek.simd_level(), ek.get_num_threads(), "threads:", len(calls) + 2, "groups agree")
"""


def main() -> int:
    import entropykit as ek

    assert "site-packages" in ek.__file__, f"not the installed wheel: {ek.__file__}"
    levels = ek.available_simd_levels()
    print(f"entropykit {ek.__version__} from {os.path.dirname(ek.__file__)}; levels {levels}")
    assert "scalar" in levels, levels
    for level in levels:
        env = dict(os.environ, ENTROPYKIT_SIMD=level)
        out = subprocess.run(
            [sys.executable, "-W", "error", "-c", CALLS],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        reported = out.split()[0]
        assert reported == level, f"ENTROPYKIT_SIMD={level} ran at {reported}"
        print(f"  {level}: {out.strip()}")
    assert np.isclose(float(ek.entropy([1, 1, 1, 1], base=2)), 2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
