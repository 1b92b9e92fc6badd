"""A/B of the table measures in one process: the baseline _core (HEAD before this branch) and the
current one, interleaved, each as a multiple of _core.stream_sum over the same bytes."""

import importlib.util
import platform
import statistics
import sys
import time

import numpy as np

from entropykit import _core as new


def load(path):
    spec = importlib.util.spec_from_file_location("oldpkg._core", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


old = load(sys.argv[1]) if len(sys.argv) > 1 else None
threads = 2
for m in (new, old):
    if m is not None:
        m.set_num_threads(threads)
cpu = next(
    (r.split(":", 1)[1].strip() for r in open("/proc/cpuinfo") if r.startswith("model name")),
    platform.processor(),
)
print(f"CPU: {cpu}; SIMD {new.simd_level()}; threads {threads}")
rng = np.random.default_rng(0)
shape = (10_000, 1_000)
tables = {
    "float64": rng.random(shape),
    "int64": rng.integers(0, 100, size=shape, dtype=np.int64),
}
yard = rng.random(shape[0] * shape[1])  # 80 MB float64: the same bytes as either table
calls = {
    "joint_entropy": lambda c, t: c.joint_entropy(t, None, (-2, -1), False, "propagate"),
    "mutual_information": lambda c, t: c.mutual_information(t, None, (-2, -1), False, "propagate"),
    "conditional_entropy": lambda c, t: c.conditional_entropy(
        t, "y", None, (-2, -1), False, "propagate"
    ),
    "variation_of_information": lambda c, t: c.variation_of_information(
        t, None, (-2, -1), False, "propagate"
    ),
    "normalized_mutual_information": lambda c, t: c.normalized_mutual_information(
        t, "arithmetic", None, (-2, -1), False, "propagate"
    ),
}


def once(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
sides = [("new", new)] + ([("old", old)] if old is not None else [])
for dtype, t in tables.items():
    for name, call in calls.items():
        for _, c in sides:
            call(c, t)
        times = {s: [] for s, _ in sides}
        sums = []
        for _ in range(reps):
            sums.append(once(lambda: new.stream_sum(yard)))
            for s, c in sides:
                times[s].append(once(lambda call=call, c=c, t=t: call(c, t)))
        ss = statistics.median(sums)
        vals = {s: call(c, t) for s, c in sides}
        line = f"{name:30s} {dtype:7s} sum {ss * 1e3:6.2f} ms"
        for s, _ in sides:
            med = statistics.median(times[s])
            line += f" | {s} {med * 1e3:6.2f} ms = {med / ss:5.2f}x sum"
        if old is not None:
            ratio = statistics.median(times["new"]) / statistics.median(times["old"])
            line += f" | new/old {ratio:.2f}"
            line += f" | diff {abs(vals['new'] - vals['old']):.1e}"
        print(line, flush=True)
