"""The command line: ``python -m entropykit bench`` (also the ``entropykit`` console script).

Examples
--------
::

    python -m entropykit bench --quick
    python -m entropykit bench --full --json bench.json --plot speedup.png
    entropykit bench --sizes 1e3,1e5,1e8 --json bench.json --plot bench.png
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from .. import scan
from . import plot
from .config import (
    DEFAULT_FAMILY_SIZE,
    DEFAULT_LOGITS_SHAPE,
    DEFAULT_SIZES,
    DTYPES,
    FULL_SIZES,
    FUNCTIONS,
    PEER_GROUPS,
    QUICK_FAMILY_SIZE,
    QUICK_LOGITS_SHAPE,
    QUICK_SIZES,
    BenchConfig,
    default_threads,
    parse_logits_shape,
    parse_sizes,
    usable_cpus,
)
from .pipeline import DEFAULT_PIPELINE_SIZE, QUICK_PIPELINE_SIZE

__all__ = ["build_parser", "main"]


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return parse_sizes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _family_size(text: str) -> int:
    sizes = _sizes(text)
    if len(sizes) != 1:
        raise argparse.ArgumentTypeError(f"one size expected, not {text!r}")
    return sizes[0]


def _logits_shape(text: str) -> tuple[int, int]:
    try:
        return parse_logits_shape(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _names(choices: Sequence[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
        unknown = [n for n in names if n not in choices]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated subset of {', '.join(choices)}, not {text!r}"
            )
        return names

    return parse


def _threads(text: str) -> tuple[int, ...]:
    counts = []
    for item in text.split(","):
        item = item.strip().lower()
        if item == "all":
            counts.append(usable_cpus())
        elif item.isdigit() and int(item) >= 1:
            counts.append(int(item))
        else:
            raise argparse.ArgumentTypeError(
                f"a thread count is an int >= 1 or 'all', not {item!r}"
            )
    return tuple(dict.fromkeys(counts))


def _peers(text: str) -> tuple[str, ...]:
    if text.strip().lower() == "none":
        return ()
    return _names(PEER_GROUPS)(text)


def build_parser() -> argparse.ArgumentParser:
    """The ``entropykit`` argument parser (subcommands ``bench`` and ``scan``)."""
    parser = argparse.ArgumentParser(
        prog="entropykit",
        description="entropykit: fast entropy, cross-entropy and KL divergence.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = sub.add_parser(
        "bench",
        help="time entropykit against NumPy, SciPy and PyTorch",
        description=(
            "Time every entropykit function against its pure-NumPy twin (entropykit.reference), "
            "the NumPy one-liners, SciPy and PyTorch (when importable), interleaved in one "
            "process; check that entropykit agrees with the reference; report each kernel "
            "time as a multiple of a plain streaming sum over the same bytes, peak extra "
            "memory at the largest size, and the speed targets of issue 3. A second section "
            "times the losses from logits (softmax_cross_entropy, logsumexp, ...) at one "
            "(batch, vocabulary) shape against their twins and PyTorch: the targets of issue 5."
        ),
    )
    bench.add_argument(
        "--sizes",
        type=_sizes,
        help="comma-separated element counts, e.g. 1e3,1e5,1e8 (default 1e3,1e5,1e7; sizes "
        ">= 1e4 also run batched as rows of 1,000; sizes >= 5e7 time entropykit and the sum only)",
    )
    preset = bench.add_mutually_exclusive_group()
    preset.add_argument(
        "--quick",
        action="store_true",
        help="sizes 1e3,1e5,1e6, logits 256x8000, family 1e6 and shorter samples: well under a "
        "minute on 2 cores",
    )
    preset.add_argument(
        "--full",
        action="store_true",
        help="the default run plus size 1e8 (entropykit and the streaming sum; memory probes "
        "at 1e8): several minutes more and ~3 GB of memory",
    )
    bench.add_argument(
        "--repeats",
        type=int,
        help="timed samples per candidate, median kept (default 3, 5 with --full)",
    )
    bench.add_argument(
        "--min-time",
        type=float,
        help="seconds one sample lasts at least (default 0.002; --quick 0.001)",
    )
    bench.add_argument(
        "--threads",
        type=_threads,
        help="entropykit thread counts, e.g. 1,all (default 1,all)",
    )
    bench.add_argument(
        "--functions",
        type=_names(FUNCTIONS),
        help=f"subset of {','.join(FUNCTIONS)} (default all)",
    )
    bench.add_argument(
        "--dtypes", type=_names(DTYPES), help=f"subset of {','.join(DTYPES)} (default both)"
    )
    bench.add_argument(
        "--peers",
        type=_peers,
        help="peers to time besides entropykit.reference: a subset of numpy,scipy,torch, or "
        "'none' (default all that are importable; 'none' keeps large sizes short)",
    )
    bench.add_argument(
        "--no-memory",
        action="store_true",
        help="skip the peak-memory subprocesses",
    )
    bench.add_argument(
        "--no-logits",
        action="store_true",
        help="skip the losses-from-logits section (and the issue-5 targets)",
    )
    bench.add_argument(
        "--logits-shape",
        type=_logits_shape,
        metavar="BATCHxVOCAB",
        help="shape of the logits section (default 1024x32000, the issue-5 targets' shape; "
        "--quick 256x8000)",
    )
    bench.add_argument(
        "--no-family",
        action="store_true",
        help="skip the family section (JS, Renyi, MI, elementwise, ...: the issue-4 targets)",
    )
    bench.add_argument(
        "--family-size",
        type=_family_size,
        metavar="N",
        help="elements per argument in the family section (default 1e7, --quick 1e6)",
    )
    bench.add_argument(
        "--no-small",
        action="store_true",
        help="skip the small-calls section (microseconds per call on 10 to 1,000 values)",
    )
    bench.add_argument(
        "--grouped",
        action="store_true",
        help="run only the grouped/ragged section: 1e7 values in 1e4 groups against Polars and "
        "SciPy (--quick: 1e6 in 1e3); --pipeline runs it after the stream",
    )
    bench.add_argument(
        "--continuous",
        action="store_true",
        help="run only the continuous-data section (issue 15): differential_entropy on 10,000 "
        "rows of 50 and on one row of 1e7 against SciPy (--quick: 2,000 rows, 1e6)",
    )
    bench.add_argument(
        "--continuous-scale",
        choices=("tiny", "quick", "default"),
        help="sizes of the continuous-data section (default: 'quick' with --quick, else "
        "'default'; 'tiny' is the suite's smoke run)",
    )
    bench.add_argument(
        "--pipeline",
        action="store_true",
        help="run only the pipeline section: a chunked stream of 1e8 float64 values through "
        "EntropyAccumulator against one call over the whole array (--quick: 1e6)",
    )
    bench.add_argument(
        "--pipeline-size",
        type=_family_size,
        metavar="N",
        help="values in the pipeline section's stream (default 1e8, --quick 1e6)",
    )
    bench.add_argument(
        "--raw",
        action="store_true",
        help="run only the raw-data section (issue 14): byte histogram, windows, binned and "
        "symbol entropy against NumPy/SciPy (--full: the issue's 1e9 bytes, 1e8 values)",
    )
    bench.add_argument("--json", metavar="PATH", help="write every figure and the machine here")
    bench.add_argument(
        "--plot", metavar="PATH.png", help="draw speedup against size (needs matplotlib)"
    )
    bench.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    bench.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    scan.add_parser(sub)
    return parser


def _bench(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .machine import cpu_line, machine_info
    from .report import format_header, format_report, write_json
    from .run import run_benchmark

    # Fail before a long run, not after it.
    if args.plot and not plot.matplotlib_available():
        parser.error("--plot needs matplotlib: pip install 'entropykit[bench]' (or matplotlib)")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.min_time is not None and args.min_time < 0:
        parser.error("--min-time must be >= 0")
    quick = args.quick
    pipeline = args.pipeline or args.pipeline_size is not None
    config = BenchConfig(
        sizes=args.sizes or (QUICK_SIZES if quick else FULL_SIZES if args.full else DEFAULT_SIZES),
        functions=args.functions or FUNCTIONS,
        dtypes=args.dtypes or DTYPES,
        threads=args.threads or default_threads(),
        repeats=args.repeats or (5 if args.full else 3),
        min_time=args.min_time if args.min_time is not None else (0.001 if quick else 0.002),
        memory=not (args.no_memory or pipeline),
        progress=not args.no_progress,
        seed=args.seed,
        peers=PEER_GROUPS if args.peers is None else args.peers,
        quick=quick,
        full=args.full,
        logits=not (args.no_logits or pipeline),
        logits_shape=args.logits_shape or (QUICK_LOGITS_SHAPE if quick else DEFAULT_LOGITS_SHAPE),
        family=not (args.no_family or pipeline),
        family_size=args.family_size or (QUICK_FAMILY_SIZE if quick else DEFAULT_FAMILY_SIZE),
        small=not (args.no_small or pipeline),
        pipeline=pipeline,
        pipeline_size=args.pipeline_size
        or (QUICK_PIPELINE_SIZE if quick else DEFAULT_PIPELINE_SIZE),
    )
    machine = machine_info()
    # The CPU first: every figure below depends on it.
    print(f"entropykit bench on {cpu_line(machine)}", flush=True)
    if args.grouped:
        return _grouped(config)
    if args.raw:
        return _raw(config)
    if args.continuous or args.continuous_scale:
        return _continuous(config, args.continuous_scale or ("quick" if quick else "default"))
    report = run_benchmark(config, machine)
    print(format_header(report).split("\n", 1)[1])
    print()
    print(format_report(report, with_header=False))
    if args.json:
        write_json(report, args.json)
        print(f"wrote {args.json}")
    if args.plot:
        plot.write_plot(report, args.plot)
        print(f"wrote {args.plot}")
    agree = bool(report["all_agree"])
    if config.pipeline:
        # The grouped/ragged rows of issue 11 belong to the pipeline section too.
        print()
        agree = _grouped(config) == 0 and agree
        _dask(config)
    # Speed targets never fail the command; a disagreement with the reference does.
    return 0 if agree else 1


def _grouped(config: BenchConfig) -> int:
    """The grouped/ragged section alone (issue 11), printed as its table."""
    import numpy as np

    from .grouped import format_grouped, run_grouped
    from .harness import ThreadState

    n, groups = (1_000_000, 1_000) if config.quick else (10_000_000, 10_000)
    if config.pipeline and config.pipeline_size < n:
        # A smaller stream asked for (the suite's tiny run): the groups follow it.
        n, groups = config.pipeline_size, max(config.pipeline_size // 1_000, 1)
    rows = run_grouped(
        n,
        groups,
        config.threads,
        config.repeats,
        config.min_time,
        ThreadState(None),
        np.random.default_rng(config.seed),
    )
    print(format_grouped(rows))
    return 0 if all(row["agreement"] for row in rows) else 1


def _raw(config: BenchConfig) -> int:
    """The raw-data section alone (issue 14), printed as its table with the load average."""
    import os

    import numpy as np

    from .harness import ThreadState
    from .raw import format_raw, raw_sizes, run_raw

    sizes = raw_sizes(config.full, config.quick)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = run_raw(
        sizes,
        config.threads,
        config.repeats,
        config.min_time,
        ThreadState(None),
        np.random.default_rng(config.seed),
    )
    print(format_raw(rows))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if all(row["agreement"] for row in rows) else 1


def _continuous(config: BenchConfig, scale: str) -> int:
    """The continuous-data section alone (issue 15): the spacing estimators' table, then the
    k-NN estimators' (issue 15's sizes by default, smaller with --quick and the tiny scale)."""
    import numpy as np

    from .continuous import format_continuous, run_continuous
    from .harness import ThreadState
    from .knn import format_knn, run_knn

    rows = run_continuous(scale, config.threads, config.repeats, config.min_time, ThreadState(None))
    print(format_continuous(rows))
    n, samples, features = KNN_SIZES[scale]
    rng = np.random.default_rng(config.seed)
    knn_rows = run_knn(
        n,
        samples,
        features,
        config.threads,
        config.repeats,
        config.min_time,
        ThreadState(None),
        rng,
    )
    print(format_knn(knn_rows))
    spacing_ok = all(row["agreement"] and row["same_bits_across_threads"] for row in rows)
    knn_ok = all(
        row["agreement"] is not False and row["same_bits_across_threads"] for row in knn_rows
    )
    return 0 if spacing_ok and knn_ok else 1


#: (n of the 1-D pair, rows, features) of the k-NN rows per scale of ``--continuous``.
KNN_SIZES = {
    "tiny": (2_000, 500, 8),
    "quick": (20_000, 2_000, 20),
    "default": (100_000, 10_000, 100),
}


def _dask(config: BenchConfig) -> None:
    """The Dask row of the pipeline section (issue 11), when Dask is importable: the same stream
    on a 2-process LocalCluster, Dask with entropykit inside each task against Dask with NumPy."""
    import importlib.util

    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        print("\nDask row: not run (pip install 'entropykit[dask]')")
        return
    from .dask import dask_rows, format_dask

    size = config.pipeline_size
    print()
    print(format_dask(dask_rows(size, chunk=max(size // 20, 1), repeats=config.repeats)))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m entropykit`` and of the ``entropykit`` script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 1 if entropykit disagreed with the reference (or no
        command was given: help is printed), 2 for bad arguments (argparse exits).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "bench":
        return _bench(parser, args)
    if args.command == "scan":
        return scan.run(args)
    parser.print_help()
    return 1
