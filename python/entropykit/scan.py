"""``entropykit scan PATH...``: the entropy of files, beside what zlib reaches.

For each file: its size, the byte entropy of order 0 .. K in bits per byte (memory-mapped and
read in parallel by :func:`entropykit.byte_entropy`), the size those imply (size x H / 8 bytes,
the bound of a coder that models bytes with that much context) and the size zlib reaches at
level 6, streamed through ``zlib.compressobj`` in chunks (never the whole file in memory). With
``--window`` the entropy along the file (:func:`entropykit.windowed_byte_entropy`), summarised,
and with ``--plot`` drawn (matplotlib, imported only then). A file that cannot be read is named on
stderr and skipped; the exit status is then 1.

Examples
--------
::

    entropykit scan /bin/ls firmware.bin --order 2
    entropykit scan disk.img --window 4096 --step 1024 --plot disk.png
    python -m entropykit scan *.log --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._raw import byte_entropy, windowed_byte_entropy

__all__ = ["add_parser", "run", "scan_file"]

#: Files above this many bytes get a progress bar on stderr (when tqdm is importable).
PROGRESS_BYTES = 100 * 1024 * 1024
CHUNK = 1 << 20


def add_parser(sub: Any) -> None:
    """Adds the ``scan`` subcommand to the ``entropykit`` subparsers ``sub``."""
    scan = sub.add_parser(
        "scan",
        help="byte entropy of files (order 0..K, windows) beside the zlib level-6 size",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    scan.add_argument("paths", nargs="+", metavar="PATH", help="files to scan")
    scan.add_argument(
        "--order", type=int, default=0, choices=(0, 1, 2), help="highest context order K"
    )
    scan.add_argument("--window", type=int, metavar="N", help="entropy along the file")
    scan.add_argument("--step", type=int, metavar="M", help="bytes between windows (default N / 4)")
    scan.add_argument("--json", action="store_true", help="print JSON instead of a table")
    scan.add_argument(
        "--plot", metavar="OUT.png", help="draw the windowed entropy (default window 1024)"
    )


def _chunks(path: str, size: int) -> Iterator[bytes]:
    bar = None
    if size > PROGRESS_BYTES:
        try:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            bar = tqdm(
                total=size, unit="B", unit_scale=True, desc=os.path.basename(path), leave=False
            )
        except ImportError:
            pass
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if bar is not None:
                bar.update(len(chunk))
            yield chunk
    if bar is not None:
        bar.close()


def zlib_size(path: str, size: int, level: int = 6) -> int:
    """The size of ``path`` compressed by zlib at ``level``, streamed in chunks."""
    compressor = zlib.compressobj(level)
    total = 0
    for chunk in _chunks(path, size):
        total += len(compressor.compress(chunk))
    return total + len(compressor.flush())


def scan_file(
    path: str, order: int = 0, window: int | None = None, step: int | None = None
) -> tuple[dict[str, Any], np.ndarray | None]:
    """The figures of one file, and its windowed entropy when ``window`` is given."""
    size = os.stat(path).st_size
    entropy: list[float | None] = []
    for k in range(order + 1):
        try:
            entropy.append(float(byte_entropy(path, order=k)))
        except ValueError:  # too short for order k (or empty): no sample
            entropy.append(None)
    row: dict[str, Any] = {
        "path": path,
        "size": size,
        "entropy": entropy,
        "bound_bytes": [None if h is None else size * h / 8 for h in entropy],
        "zlib6_bytes": zlib_size(path, size),
    }
    values = None
    if window is not None:
        step = step or max(window // 4, 1)
        values = windowed_byte_entropy(path, window, step)
        row["windows"] = {
            "window": window,
            "step": step,
            "count": int(values.size),
            "min": float(values.min()) if values.size else None,
            "mean": float(values.mean()) if values.size else None,
            "max": float(values.max()) if values.size else None,
        }
    return row, values


def _header(order: int) -> str:
    head = ["size"] + [f"H{k}" for k in range(order + 1)]
    head += [f"bound{k}" for k in range(order + 1)] + ["zlib -6"]
    return "  ".join(f"{h:>12}" for h in head) + "  path"


def _row(row: dict[str, Any]) -> str:
    def cell(value: float | None, spec: str) -> str:
        return f"{'-' if value is None else format(value, spec):>12}"

    cells = [f"{row['size']:>12,}"] + [cell(h, ".4f") for h in row["entropy"]]
    cells += [cell(b, ",.0f") for b in row["bound_bytes"]] + [f"{row['zlib6_bytes']:>12,}"]
    line: str = "  ".join(cells) + "  " + str(row["path"])
    w = row.get("windows")
    if w is not None and w["count"]:
        line += (
            f"\n{'':>12}  {w['count']} windows of {w['window']} bytes every {w['step']}: "
            f"min {w['min']:.3f}, mean {w['mean']:.3f}, max {w['max']:.3f} bits per byte"
        )
    elif w is not None:
        line += f"\n{'':>12}  no window of {w['window']} bytes fits"
    return line


LEGEND = "H: bits per byte; bound: size x H / 8 bytes; zlib -6: bytes at level 6 (streamed)"


def _plot(curves: list[tuple[str, int, np.ndarray]], out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    for path, step, values in curves:
        ax.plot(np.arange(values.size) * step, values, lw=0.8, label=os.path.basename(path))
    ax.set_xlabel("offset (bytes)")
    ax.set_ylabel("entropy (bits per byte)")
    ax.set_ylim(0, 8.1)
    if curves:
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    """Runs ``scan`` on parsed arguments; 1 if a file could not be read, else 0."""
    window = args.window
    if window is None and args.plot:
        window = 1024
    if (window is not None and window < 1) or (args.step is not None and args.step < 1):
        print("entropykit scan: --window and --step must be at least 1", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []
    curves: list[tuple[str, int, np.ndarray]] = []
    status = 0
    if not args.json:
        print(_header(args.order), flush=True)
    for path in args.paths:
        try:
            row, values = scan_file(path, args.order, window, args.step)
        except OSError as error:
            reason = error.strerror or str(error)
            print(f"entropykit scan: {path}: {reason}", file=sys.stderr)
            status = 1
            continue
        rows.append(row)
        if values is not None:
            curves.append((path, row["windows"]["step"], values))
        if not args.json:
            print(_row(row), flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(LEGEND)
    if args.plot:
        _plot(curves, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr if args.json else sys.stdout)
    return status
