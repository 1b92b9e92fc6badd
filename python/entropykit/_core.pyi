"""Type stubs for the Rust extension module ``entropykit._core``."""

import numpy as np
import numpy.typing as npt

class KernelInputError(ValueError):
    """Bad data found by a kernel: args are (message, kind, arg, distribution, position, value)."""

Axis = int | tuple[int, ...] | list[int] | None

def entropy(
    p: object, base: object, axis: object, keepdims: object, normalize: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def cross_entropy(
    p: object,
    q: object,
    base: object,
    axis: object,
    keepdims: object,
    normalize: object,
    nan_policy: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def kl_divergence(
    p: object,
    q: object,
    base: object,
    axis: object,
    keepdims: object,
    normalize: object,
    nan_policy: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def js_divergence(
    p: object,
    q: object,
    base: object,
    axis: object,
    keepdims: object,
    normalize: object,
    nan_policy: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def js_distance(
    p: object,
    q: object,
    base: object,
    axis: object,
    keepdims: object,
    normalize: object,
    nan_policy: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def perplexity(
    p: object, base: object, axis: object, keepdims: object, normalize: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def renyi_entropy(
    p: object,
    alpha: object,
    base: object,
    axis: object,
    keepdims: object,
    normalize: object,
    nan_policy: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def tsallis_entropy(
    p: object,
    q_index: object,
    base: object,
    axis: object,
    keepdims: object,
    normalize: object,
    nan_policy: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def reduce(
    measure: str,
    p: npt.NDArray[np.generic],
    q: npt.NDArray[np.generic] | None,
    batch_dims: int,
    normalize: bool,
    nan_policy: str,
    base: float | None,
    order: float = 2.0,
) -> npt.NDArray[np.float64]: ...
def partial_sums(
    kind: str,
    p: npt.NDArray[np.generic],
    q: npt.NDArray[np.generic] | None,
    batch_dims: int,
    nan_policy: str,
) -> npt.NDArray[np.float64]: ...
def table_column_sums(
    rows: npt.NDArray[np.generic],
    batch_dims: int,
    x_len: int,
    inner: int,
    omit_nan: bool,
) -> npt.NDArray[np.float64]: ...
def stream_sum(data: npt.NDArray[np.floating]) -> float: ...
def set_num_threads(n: object) -> None: ...
def get_num_threads() -> int: ...
def simd_level() -> str: ...
def available_simd_levels() -> list[str]: ...
def set_simd_level(name: str) -> None: ...
def logits_rows(
    op: str,
    x: npt.NDArray[np.floating],
    other: npt.NDArray[np.floating] | None,
    target: npt.NDArray[np.int64] | None,
    weight: npt.NDArray[np.floating] | None,
    ignore_index: int | None,
    label_smoothing: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def log_softmax_rows(x: npt.NDArray[np.floating], out: npt.NDArray[np.floating]) -> None: ...
def binary_rows(
    kind: str,
    x: npt.NDArray[np.floating],
    y: npt.NDArray[np.floating],
    weight: npt.NDArray[np.floating] | None,
    pos_weight: npt.NDArray[np.floating] | None,
    per_row: bool,
) -> npt.NDArray[np.float64]: ...
def elementwise(
    function: str,
    x: npt.NDArray[np.floating],
    y: npt.NDArray[np.floating] | None,
    base: float | None,
    out: npt.NDArray[np.floating],
) -> None: ...
def counts_reduce(
    measure: str,
    counts: npt.NDArray[np.generic],
    batch_dims: int,
    base: float | None,
) -> npt.NDArray[np.float64]: ...
def gaussian_entropy_rows(
    kind: str,
    x: npt.NDArray[np.float64],
    rows: int,
    d: int,
    base: float | None,
) -> npt.NDArray[np.float64]: ...
def gaussian_kl_rows(
    kind: str,
    mu1: npt.NDArray[np.float64],
    s1: npt.NDArray[np.float64],
    mu2: npt.NDArray[np.float64],
    s2: npt.NDArray[np.float64],
    rows: int,
    d: int,
    base: float | None,
) -> npt.NDArray[np.float64]: ...
def entropy_labels(x: object, base: object) -> np.float64: ...
def mutual_information_labels(x: object, y: object, base: object) -> np.float64: ...
