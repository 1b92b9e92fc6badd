"""Type stubs for the Rust extension module ``entropykit._core``."""

import numpy as np
import numpy.typing as npt

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
def joint_entropy(
    pxy: object, base: object, axis: object, keepdims: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def mutual_information(
    pxy: object, base: object, axis: object, keepdims: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def variation_of_information(
    pxy: object, base: object, axis: object, keepdims: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def conditional_entropy(
    pxy: object, given: object, base: object, axis: object, keepdims: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def normalized_mutual_information(
    pxy: object, method: object, base: object, axis: object, keepdims: object, nan_policy: object
) -> npt.NDArray[np.float64] | np.float64: ...
def js_divergence_many(ps: object, weights: object, base: object, axis: object) -> np.float64: ...
def scipy_entropy(
    pk: object, qk: object, base: object, axis: object, nan_policy: object, keepdims: object
) -> npt.NDArray[np.float64] | np.float64: ...
def stream_sum(data: npt.NDArray[np.floating]) -> float: ...
def set_num_threads(n: object) -> None: ...
def get_num_threads() -> int: ...
def pool_uses() -> int: ...
def simd_level() -> str: ...
def available_simd_levels() -> list[str]: ...
def set_simd_level(name: str) -> None: ...
def entropy_from_counts(
    counts: object, estimator: object, base: object, axis: object, keepdims: object
) -> npt.NDArray[np.float64] | np.float64: ...
def boltzmann_entropy(
    counts: object, base: object, axis: object, keepdims: object
) -> npt.NDArray[np.float64] | np.float64: ...
def gaussian_entropy(
    cov_or_sigma: object, base: object, kind: object
) -> npt.NDArray[np.float64] | np.float64: ...
def gaussian_kl(
    mu1: object, s1: object, mu2: object, s2: object, base: object, kind: object
) -> npt.NDArray[np.float64] | np.float64: ...
def entr(
    x: object, base: object
) -> npt.NDArray[np.float64 | np.float32] | np.float64 | np.float32: ...
def rel_entr(
    x: object, y: object, base: object
) -> npt.NDArray[np.float64 | np.float32] | np.float64 | np.float32: ...
def kl_div(
    x: object, y: object, base: object
) -> npt.NDArray[np.float64 | np.float32] | np.float64 | np.float32: ...
def xlogy(
    x: object, y: object, base: object
) -> npt.NDArray[np.float64 | np.float32] | np.float64 | np.float32: ...
def binary_entropy(
    p: object, base: object
) -> npt.NDArray[np.float64 | np.float32] | np.float64 | np.float32: ...
def surprisal(
    p: object, base: object
) -> npt.NDArray[np.float64 | np.float32] | np.float64 | np.float32: ...
def logsumexp(
    x: object, axis: object, keepdims: object
) -> npt.NDArray[np.float64] | np.float64: ...
def log_softmax(x: object, axis: object, out: object) -> npt.NDArray[np.floating]: ...
def entropy_from_logits(logits: object, axis: object) -> npt.NDArray[np.float64] | np.float64: ...
def kl_divergence_from_logits(
    logits_p: object, logits_q: object, axis: object
) -> npt.NDArray[np.float64] | np.float64: ...
def softmax_cross_entropy(
    logits: object,
    target: object,
    axis: object,
    weight: object,
    ignore_index: object,
    label_smoothing: object,
    reduction: object,
) -> npt.NDArray[np.float64] | np.float64: ...
def perplexity_from_logits(logits: object, target: object, ignore_index: object) -> np.float64: ...
def binary_cross_entropy_with_logits(
    x: object, y: object, weight: object, pos_weight: object, reduction: object
) -> npt.NDArray[np.float64] | np.float64: ...
def binary_cross_entropy(
    p: object, y: object, weight: object, reduction: object
) -> npt.NDArray[np.float64] | np.float64: ...
def set_logits_block_entries(entries: int) -> int: ...
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
def entropy_segments(
    values: object, offsets: object, base: object, normalize: object, nan_policy: object
) -> npt.NDArray[np.float64]: ...
def cross_entropy_segments(
    p: object, q: object, offsets: object, base: object, normalize: object, nan_policy: object
) -> npt.NDArray[np.float64]: ...
def kl_divergence_segments(
    p: object, q: object, offsets: object, base: object, normalize: object, nan_policy: object
) -> npt.NDArray[np.float64]: ...
def js_divergence_segments(
    p: object, q: object, offsets: object, base: object, normalize: object, nan_policy: object
) -> npt.NDArray[np.float64]: ...
def entropy_grouped(
    values: object, keys: object, base: object, normalize: object, nan_policy: object
) -> tuple[np.ndarray, npt.NDArray[np.float64]]: ...
