"""``python -m entropykit bench``: the benchmark's command line, which lives in
:mod:`entropykit.bench.cli` (the ``entropykit`` console script calls the same ``main``)."""

from __future__ import annotations

import sys

from entropykit.bench.cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
