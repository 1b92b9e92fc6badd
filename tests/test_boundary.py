"""The boundary between Python and Rust (issue 10): every public function of the fast path is its
signature, its docstring and one call into ``_core``, which checks the arguments; small calls
never wake the thread pool."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import numpy as np
import pytest

import entropykit as ek
from entropykit import _core

#: Public names of entropykit that are not measures (runtime controls, modules, the exception).
NOT_MEASURES = {
    "InvalidDistributionError",
    "available_simd_levels",
    "get_num_threads",
    "reference",
    "scipy_compat",
    "set_num_threads",
    "simd_level",
}

#: Public classes: Rust classes of ``_core`` (the accumulators, ``threads``), re-exported.
CLASSES = sorted(n for n in set(ek.__all__) - NOT_MEASURES if inspect.isclass(getattr(ek, n)))

MEASURES = sorted(set(ek.__all__) - NOT_MEASURES - set(CLASSES))


def _body_without_docstring(func: object) -> list[ast.stmt]:
    source = textwrap.dedent(inspect.getsource(func))  # type: ignore[arg-type]
    definition = ast.parse(source).body[0]
    assert isinstance(definition, ast.FunctionDef)
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _is_one_core_call(body: list[ast.stmt]) -> bool:
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return False
    call = body[0].value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return False
    owner = call.func.value
    if not (isinstance(owner, ast.Name) and owner.id == "_core"):
        return False
    # Arguments are passed as they came: names and constants, no computation on the way.
    return all(isinstance(a, (ast.Name, ast.Constant)) for a in call.args) and not call.keywords


@pytest.mark.parametrize("name", [*MEASURES, "set_num_threads"])
def test_public_function_is_one_core_call(name: str) -> None:
    func = getattr(ek, name)
    assert func.__doc__ and "Examples" in func.__doc__, f"{name} has no docstring example"
    assert _is_one_core_call(_body_without_docstring(func)), (
        f"{name} ({func.__module__}) does more than one call into _core"
    )


@pytest.mark.parametrize("name", CLASSES)
def test_public_class_is_a_core_class(name: str) -> None:
    """A public class is ``_core``'s own (its methods are Rust), re-exported by a module that
    only imports it, with a docstring example."""
    cls = getattr(ek, name)
    assert getattr(_core, name) is cls and cls.__module__ == "entropykit"
    assert cls.__doc__ and "Examples" in cls.__doc__, f"{name} has no docstring example"
    for module_name in {"entropykit._stream"}:
        tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
        defined = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert defined == [], f"{module_name} defines more than re-exports"


def test_scipy_compat_entropy_is_one_core_call() -> None:
    from entropykit import scipy_compat

    assert _is_one_core_call(_body_without_docstring(scipy_compat.entropy))


def test_fast_modules_hold_no_argument_rules() -> None:
    """The fast modules define only their public functions (and type aliases): no helpers."""
    modules = {getattr(ek, name).__module__ for name in MEASURES}
    for module_name in sorted(modules):
        module = importlib.import_module(module_name)
        tree = ast.parse(inspect.getsource(module))
        helpers = [
            node.name
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_")
        ]
        assert helpers == [], f"{module_name} defines helpers {helpers}"


SMALL_CALLS = [
    ("entropy", lambda p, q: ek.entropy(p)),
    ("cross_entropy", lambda p, q: ek.cross_entropy(p, q)),
    ("kl_divergence", lambda p, q: ek.kl_divergence(p, q)),
    ("js_divergence", lambda p, q: ek.js_divergence(p, q)),
    ("renyi_entropy", lambda p, q: ek.renyi_entropy(p, 2.0)),
    ("entropy batch", lambda p, q: ek.entropy(np.tile(p, (8, 1)), axis=1)),
    (
        "softmax_cross_entropy",
        lambda p, q: ek.softmax_cross_entropy(np.tile(p, (8, 1)).astype(np.float32), [1] * 8),
    ),
    ("byte_entropy order 2", lambda p, q: ek.byte_entropy(p, order=2)),
    ("windowed_byte_entropy", lambda p, q: ek.windowed_byte_entropy(p, 256, 64)),
    ("histogram_entropy", lambda p, q: ek.histogram_entropy(p, 64)),
    ("symbol_entropy", lambda p, q: ek.symbol_entropy((p * 100).astype(np.int64))),
]


@pytest.mark.parametrize(("label", "call"), SMALL_CALLS, ids=[c[0] for c in SMALL_CALLS])
def test_small_calls_never_wake_the_pool(label: str, call, restore_threads) -> None:
    ek.set_num_threads(2)
    p = np.random.default_rng(1).random(1000)
    q = np.random.default_rng(2).random(1000)
    before = _core.pool_uses()
    for _ in range(3):
        call(p, q)
    assert _core.pool_uses() == before, f"{label} on 1,000 values used the thread pool"


def test_large_calls_use_the_pool(restore_threads) -> None:
    """The counter the test above relies on does count (a test that cannot fail is a defect)."""
    ek.set_num_threads(2)
    before = _core.pool_uses()
    ek.entropy(np.ones(1 << 20))
    assert _core.pool_uses() > before
