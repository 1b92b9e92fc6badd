"""``--plot``: speedup against size, one panel per function (needs matplotlib)."""

from __future__ import annotations

import importlib
import os
from typing import Any

from .core import PEERS

__all__ = ["matplotlib_available", "write_plot"]


def matplotlib_available() -> bool:
    """Whether ``--plot`` can work."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        return False
    return True


def write_plot(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Speedup against size, one panel per function: solid lines 1-D, dashed batched, one colour
    per peer, one marker per dtype, at the largest thread count.

    Raises
    ------
    RuntimeError
        Without matplotlib (``pip install 'entropykit[bench]'``).
    """
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(
            "--plot needs matplotlib: pip install 'entropykit[bench]' (or matplotlib)"
        ) from None
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    cfg = report["config"]
    threads = max(cfg["threads"])
    functions = cfg["functions"]
    fig, axes = plt.subplots(
        1, len(functions), figsize=(5 * len(functions), 4.2), squeeze=False, sharey=True
    )
    labels = {
        "reference": "vs reference",
        "numpy": "vs NumPy one-liner",
        "scipy_stats": "vs scipy.stats",
        "scipy_special": "vs scipy.special",
        "torch": "vs PyTorch",
    }
    colours = dict(zip(PEERS, ("C0", "C1", "C2", "C3", "C4"), strict=True))
    markers = {"float32": "o", "float64": "s"}
    for ax, function in zip(axes[0], functions, strict=True):
        for peer in PEERS:
            if not report["peers"].get(peer):
                continue
            for dtype in cfg["dtypes"]:
                for layout, style in (("1-D", "-"), ("batched", "--")):
                    rows = sorted(
                        [
                            r
                            for r in report["rows"]
                            if r["function"] == function
                            and r["dtype"] == dtype
                            and r["layout"] == layout
                            and r["threads"] == threads
                        ],
                        key=lambda r: r["elements"],
                    )
                    points = [(r["elements"], r["speedup"][peer]) for r in rows]
                    points = [(x, y) for x, y in points if y is not None]
                    if not points:
                        continue
                    xs, ys = zip(*points, strict=True)
                    show = layout == "1-D" and dtype == cfg["dtypes"][-1]
                    ax.plot(
                        xs,
                        ys,
                        style,
                        color=colours[peer],
                        marker=markers[dtype],
                        markersize=4,
                        label=labels[peer] if show else None,
                    )
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(function)
        ax.set_xlabel("elements")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel(f"speedup of entropykit ({threads} threads)")
    axes[0][-1].legend(fontsize=8, title="o float32, s float64; -- batched", title_fontsize=8)
    m = report["machine"]
    fig.suptitle(f"entropykit {m['versions'].get('entropykit')}: {m['cpu_model']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
