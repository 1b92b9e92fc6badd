"""A pytest plugin (loaded with ``-p _scipy_swap`` by tests/test_scipy_suite.py) that runs SciPy's
own tests with ``scipy.stats.entropy`` and ``scipy.stats.differential_entropy`` replaced by
entropykit's drop-ins. The swap happens after collection: SciPy's test module reads
``stats.entropy`` at import time only to tag its classes (``make_xp_test_case``), and at run time
looks the functions up as attributes of ``scipy.stats``, which is what is replaced. Each call of
a drop-in is counted, and the counts are written to ``ENTROPYKIT_SWAP_REPORT``, so the caller can
check that the drop-ins, not SciPy, were exercised.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import pytest

CALLS: Counter[str] = Counter()


def _counted(name: str, function: Any) -> Any:
    def drop_in(*args: Any, **kwargs: Any) -> Any:
        CALLS[name] += 1
        return function(*args, **kwargs)

    return drop_in


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: Any, config: Any, items: Any) -> None:
    from scipy import stats

    from entropykit import scipy_compat

    for name in ("entropy", "differential_entropy"):
        setattr(stats, name, _counted(name, getattr(scipy_compat, name)))


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    path = os.environ.get("ENTROPYKIT_SWAP_REPORT")
    if path:
        with open(path, "w") as report:
            json.dump(dict(CALLS), report)
