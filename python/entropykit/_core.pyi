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
def differential_entropy(
    x: object, window_length: object, method: object, base: object, axis: object
) -> npt.NDArray[np.float64] | np.float64: ...
def scipy_differential_entropy(
    values: object,
    window_length: object,
    base: object,
    axis: object,
    method: object,
    nan_policy: object,
    keepdims: object,
) -> npt.NDArray[np.floating] | np.floating: ...
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
def knn_entropy(x: object, k: object, base: object) -> np.float64: ...
def knn_mutual_information(x: object, y: object, k: object) -> np.float64: ...
def knn_mutual_information_many(X: object, y: object, k: object) -> npt.NDArray[np.float64]: ...
def knn_kl_divergence(x: object, y: object, k: object) -> np.float64: ...
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
def byte_histogram(data: object) -> npt.NDArray[np.int64]: ...
def byte_entropy(data: object, base: object, order: object) -> np.float64: ...
def windowed_byte_entropy(
    data: object, window: object, step: object, base: object
) -> npt.NDArray[np.float64]: ...
def histogram_entropy(
    x: object, bins: object, range: object, base: object, axis: object
) -> npt.NDArray[np.float64] | np.float64: ...
def symbol_entropy(x: object, base: object) -> np.float64: ...

# Streams and distributed reductions (src/python/stream.rs).
#
# Partials are float64 arrays of shape (*batch, 6), one row per distribution of the piece
# (the batch is the shape of the result, i.e. the kept axes):
#
#   column 0  mass_p  sum of p 2^-e_p
#   column 1  mass_q  sum of q 2^-e_q (0 for entropy)
#   column 2  core    sum of the measure's term on the scaled entries:
#                     entropy p ln p, cross_entropy p ln q, kl_divergence p ln(p / q)
#   column 3  peak    0 (reserved)
#   column 4  e_p     the power of two p was scaled by (a whole number)
#   column 5  e_q     the same for q (0 for entropy)
#
# Each piece is summed at powers of two chosen from its own entries (as one call chooses them
# for a whole distribution; 0 under normalize=False), so that ln S and core / S stay small and
# finish exactly: a single positive entry gives exactly 0, equal entries of any magnitude ln n
# within a few ulp. Pieces at different exponents do not add elementwise: combine them with
# combine_partials (pieces at equal exponents do add exactly). A NaN under "propagate" makes
# its distribution's row NaN. Zero masses are reported by finish_partials, not partial_sums.

def partial_sums(
    kind: str,
    p: object,
    q: object | None,
    axis: Axis,
    nan_policy: str,
    normalize: bool = True,
    offset: int | tuple[int, ...] | None = None,
) -> npt.NDArray[np.float64]:
    """The partials (see above) of each distribution of the piece ``p`` (and ``q``) along
    ``axis``, with entries checked as the measures check them. ``offset`` is where the piece
    starts in its stream, added to the positions errors name: an int is added to the index along
    the first reduced axis (with ``axis=None``, errors name the flat position ``p[offset + i]``
    of the raveled stream); a tuple is added to the index of each dimension."""

def combine_partials(kind: str, a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The partials of two pieces of the same distributions (``a`` before ``b``), brought to a
    common scale (the larger exponent; a piece with no mass takes the other's) and added."""

def finish_partials(
    kind: str, partials: npt.ArrayLike, normalize: bool, base: float | None
) -> npt.NDArray[np.float64] | np.float64:
    """The measure of each distribution from its combined partials (a float64 scalar for
    partials of shape (6,)); InvalidDistributionError for a zero mass under ``normalize``."""

class EntropyAccumulator:
    def __init__(
        self,
        *,
        base: float | None = None,
        axis: int | None = -1,
        normalize: bool = True,
        nan_policy: str = "propagate",
    ) -> None: ...
    def update(self, p: npt.ArrayLike) -> None: ...
    def merge(self, other: EntropyAccumulator) -> None: ...
    def result(self) -> npt.NDArray[np.float64] | np.float64: ...
    def __getstate__(self) -> tuple[object, ...]: ...
    def __setstate__(self, state: tuple[object, ...]) -> None: ...

class CrossEntropyAccumulator:
    def __init__(
        self,
        *,
        base: float | None = None,
        axis: int | None = -1,
        normalize: bool = True,
        nan_policy: str = "propagate",
    ) -> None: ...
    def update(self, p: npt.ArrayLike, q: npt.ArrayLike) -> None: ...
    def merge(self, other: CrossEntropyAccumulator) -> None: ...
    def result(self) -> npt.NDArray[np.float64] | np.float64: ...
    def __getstate__(self) -> tuple[object, ...]: ...
    def __setstate__(self, state: tuple[object, ...]) -> None: ...

class KLDivergenceAccumulator:
    def __init__(
        self,
        *,
        base: float | None = None,
        axis: int | None = -1,
        normalize: bool = True,
        nan_policy: str = "propagate",
    ) -> None: ...
    def update(self, p: npt.ArrayLike, q: npt.ArrayLike) -> None: ...
    def merge(self, other: KLDivergenceAccumulator) -> None: ...
    def result(self) -> npt.NDArray[np.float64] | np.float64: ...
    def __getstate__(self) -> tuple[object, ...]: ...
    def __setstate__(self, state: tuple[object, ...]) -> None: ...

class CountsAccumulator:
    def __init__(self, estimator: str = "plugin", *, base: float | None = None) -> None: ...
    def update(self, labels: npt.ArrayLike) -> None: ...
    def merge(self, other: CountsAccumulator) -> None: ...
    def result(self) -> np.float64: ...
    def counts(self) -> dict[object, int]: ...
    def __getstate__(self) -> tuple[object, ...]: ...
    def __setstate__(self, state: tuple[object, ...]) -> None: ...

class TokenCrossEntropyAccumulator:
    def __init__(
        self,
        *,
        axis: int = -1,
        weight: npt.ArrayLike | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
    ) -> None: ...
    def update(self, logits: npt.ArrayLike, target: npt.ArrayLike) -> None: ...
    def merge(self, other: TokenCrossEntropyAccumulator) -> None: ...
    def result(self) -> np.float64: ...
    def perplexity(self) -> np.float64: ...
    def __getstate__(self) -> tuple[object, ...]: ...
    def __setstate__(self, state: tuple[object, ...]) -> None: ...

class threads:
    def __init__(self, n: int) -> None: ...
    def __enter__(self) -> threads: ...
    def __exit__(self, *exc: object) -> None: ...
