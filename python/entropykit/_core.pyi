"""Type stubs for the Rust extension module ``entropykit._core``."""

import numpy as np
import numpy.typing as npt

class KernelInputError(ValueError):
    """Bad data found by a kernel: args are (message, kind, arg, distribution, position, value)."""

def reduce(
    measure: str,
    p: npt.NDArray[np.generic],
    q: npt.NDArray[np.generic] | None,
    batch_dims: int,
    normalize: bool,
    nan_policy: str,
    base: float | None,
) -> npt.NDArray[np.float64]: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def simd_level() -> str: ...
def available_simd_levels() -> list[str]: ...
def set_simd_level(name: str) -> None: ...
