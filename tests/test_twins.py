"""The two paths are twins: every measure of entropykit has a NumPy twin in entropykit.reference
with the same signature, and the twin is independent: the reference imports nothing from the fast
modules (but the exception class), and the fast modules import nothing from the reference."""

from __future__ import annotations

import ast
import importlib.util
import inspect
from pathlib import Path

import pytest

import entropykit
import entropykit.reference

# The entries of entropykit.__all__ that are not measures, and so have no NumPy twin.
NOT_MEASURES = {
    "InvalidDistributionError",
    "available_simd_levels",
    "get_num_threads",
    "set_num_threads",
    "simd_level",
    "reference",
    "scipy_compat",
}

# The one module of the fast side the reference may import: the exception both paths raise.
SHARED = {"entropykit._errors"}

# Modules under entropykit/ that are not the fast path. The benchmark, which times both paths
# against each other and so imports both, is the subpackage bench/, which the glob below skips.
NOT_FAST: set[str] = set()


def package_dir() -> Path:
    spec = importlib.util.find_spec("entropykit")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def imported_modules(path: Path, module: str, is_package: bool) -> set[str]:
    """Absolute names of the modules ``path`` (the module ``module``) imports, relative imports
    resolved. ``from pkg import name`` counts as importing ``pkg.name`` (``name`` may be a
    submodule) and, unless ``pkg`` is given only by dots (``from . import reference``), ``pkg``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                if node.module:
                    base = f"{base}.{node.module}"
                    found.add(base)
            else:
                assert node.module is not None
                base = node.module
                found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(name: str, modules: set[str]) -> bool:
    """``name`` is one of ``modules`` or inside one."""
    return any(name == m or name.startswith(f"{m}.") for m in modules)


def _bare(signature: inspect.Signature) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults: a Rust class's signature has no annotations."""
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def _methods(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


@pytest.mark.parametrize("name", entropykit.reference.__all__)
def test_twin_has_the_same_signature(name):
    fast_obj, twin_obj = getattr(entropykit, name), getattr(entropykit.reference, name)
    fast = inspect.signature(fast_obj)
    twin = inspect.signature(twin_obj)
    if inspect.isclass(fast_obj):
        # Classes (the accumulators, ``threads``) are Rust classes on the fast side.
        assert inspect.isclass(twin_obj)
        assert _bare(fast) == _bare(twin)
        assert _methods(fast_obj) == _methods(twin_obj)
        for method in _methods(fast_obj):
            params = inspect.signature(getattr(twin_obj, method)).parameters
            fast_params = inspect.signature(getattr(fast_obj, method)).parameters
            assert list(params)[1:] == list(fast_params)[1:], f"{name}.{method}"
    else:
        assert fast == twin


def test_every_measure_has_a_twin():
    measures = set(entropykit.__all__) - NOT_MEASURES
    assert all(
        inspect.isfunction(obj) or getattr(entropykit._core, name, None) is obj
        for name in measures
        for obj in [getattr(entropykit, name)]
    )
    assert set(entropykit.reference.__all__) == measures
    assert len(entropykit.reference.__all__) == len(set(entropykit.reference.__all__))


def test_the_package_is_the_one_imported():
    assert package_dir() == Path(entropykit.__file__).parent


def test_reference_imports_nothing_from_the_fast_path():
    root = package_dir() / "reference"
    files = sorted(root.glob("*.py"))
    assert {"__init__.py", "core.py", "_rules.py"} <= {f.name for f in files}
    for path in files:
        is_package = path.name == "__init__.py"
        module = "entropykit.reference" + ("" if is_package else f".{path.stem}")
        for imported in imported_modules(path, module, is_package):
            if within(imported, {"entropykit"}):
                allowed = within(imported, SHARED | {"entropykit.reference"})
                assert allowed, f"{module} imports {imported}"


def test_fast_path_imports_nothing_from_the_reference():
    root = package_dir()
    files = sorted(p for p in root.glob("*.py") if p.name not in NOT_FAST)
    assert {"__init__.py", "_api.py", "_family.py", "scipy_compat.py"} <= {f.name for f in files}
    for path in files:
        is_package = path.name == "__init__.py"
        module = "entropykit" + ("" if is_package else f".{path.stem}")
        for imported in imported_modules(path, module, is_package):
            if imported == "entropykit.reference" and is_package:
                continue  # `from . import reference`: the subpackage as an attribute
            assert not within(imported, {"entropykit.reference"}), f"{module} imports {imported}"


def test_one_exception_class():
    from entropykit import _errors
    from entropykit.reference import _rules

    assert entropykit.InvalidDistributionError is _errors.InvalidDistributionError
    assert _rules.InvalidDistributionError is _errors.InvalidDistributionError
    assert issubclass(_errors.InvalidDistributionError, ValueError)
