"""The machine a run was on: CPU model and cores, memory, SIMD levels, library versions and the
environment variables that change the figures."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from typing import Any

import entropykit as ek

from .config import usable_cpus

__all__ = ["cpu_line", "machine_info"]


def _cpuinfo() -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return info
    cores = set()
    physical = core = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in ("model name", "Model", "cpu model") and "model" not in info:
            info["model"] = value
        elif key == "physical id":
            physical = value
        elif key == "core id":
            core = value
        elif key == "flags" and "flags" not in info:
            info["flags"] = value.split()
        elif not key and physical is not None and core is not None:
            cores.add((physical, core))
            physical = core = None
    if physical is not None and core is not None:
        cores.add((physical, core))
    if cores:
        info["physical_cores"] = len(cores)
    return info


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, SIMD levels, library versions and the environment variables that
    change the figures."""
    cpu = _cpuinfo()
    simd_flags = [
        f for f in cpu.get("flags", []) if f.startswith(("avx", "fma", "sse4", "neon", "asimd"))
    ]
    total_memory = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    total_memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    env_names = (
        "ENTROPYKIT_SIMD",
        "ENTROPYKIT_NUM_THREADS",
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    )
    return {
        "cpu_model": cpu.get("model") or platform.processor() or platform.machine(),
        "machine": platform.machine(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "physical_cores": cpu.get("physical_cores"),
        "memory_bytes": total_memory,
        "cpu_simd_flags": simd_flags,
        "simd_level": ek.simd_level(),
        "available_simd_levels": list(ek.available_simd_levels()),
        "entropykit_default_threads": ek.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("entropykit", "numpy", "scipy", "torch", "tqdm", "matplotlib")
        },
        "environment": {name: os.environ[name] for name in env_names if name in os.environ},
    }


def cpu_line(machine: dict[str, Any]) -> str:
    """One line naming the CPU, its cores and the SIMD level in use (printed first)."""
    m = machine
    return (
        f"{m['cpu_model']}, {m['usable_cpus']} CPUs usable"
        + (f" ({m['physical_cores']} cores)" if m.get("physical_cores") else "")
        + f", SIMD {m['simd_level']} (available: {', '.join(m['available_simd_levels'])})"
    )
