"""The exception both paths raise for bad data. It lives in a module of its own so that the
fast path, the NumPy reference and the Rust binding (which imports it as
``entropykit._errors.InvalidDistributionError``) share the one class without sharing anything else.
"""

from __future__ import annotations

__all__ = ["InvalidDistributionError"]


class InvalidDistributionError(ValueError):
    """A distribution that breaks the input rules: a negative, infinite or (with
    ``nan_policy="raise"``) NaN entry, or zero total mass under ``normalize=True``.

    Attributes
    ----------
    kind : str
        ``"negative"``, ``"infinite"``, ``"nan"`` or ``"zero_mass"``.
    arg : str
        The argument at fault, by its name (``"p"``, ``"q"``, ``"pxy"``, ...).
    index : tuple of int
        For an entry, its index in the argument as passed; for zero mass, the index of the
        distribution in the result.
    """

    def __init__(self, message: str, kind: str, arg: str, index: tuple[int, ...]) -> None:
        super().__init__(message)
        self.kind = kind
        self.arg = arg
        self.index = index

    def __reduce__(self) -> tuple[type, tuple[str, str, str, tuple[int, ...]]]:
        # Pickled with all four fields, so that it crosses process boundaries intact (Dask
        # workers, multiprocessing): the default would call the class with the message only.
        return (type(self), (str(self), self.kind, self.arg, self.index))
