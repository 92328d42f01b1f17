"""This thread's switch for NumPy's RuntimeWarnings of the NaN-skipping reductions (an all-NaN
or empty slice): JAX's and PyTorch's functions give the same NaN without them, so the JAX-style
namespace and PyTorch's tensor methods turn them off while they run, and a ``tg.jit`` plan
recorded meanwhile replays those steps with them off too."""
from __future__ import annotations

import threading

__all__ = ["NAN_WARNINGS", "NAN_REDUCTIONS", "quiet_nan_warnings", "quiet_step"]


class _NanWarnings(threading.local):
    off = 0


#: this thread's switch (a count of the quiet sections entered)
NAN_WARNINGS = _NanWarnings()
#: the functions (by name) whose NumPy namesakes warn about an all-NaN or empty slice, where
#: JAX's and PyTorch's do not: the JAX-style namespace and PyTorch-style tensors call them quietly
NAN_REDUCTIONS = frozenset(("nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanmedian",
                            "nanpercentile", "nanquantile", "median", "nanargmax", "nanargmin"))


class quiet_nan_warnings:
    """While entered, this thread's NaN-skipping reductions (``nanmean``, ``nanmax``,
    ``nanquantile``, ``median`` of an empty slice, ...) give their NaN for an all-NaN or empty
    slice without NumPy's RuntimeWarning, as JAX's and PyTorch's functions do (the JAX-style
    namespace and PyTorch's tensor methods enter it; the NumPy-style functions warn as NumPy)."""

    __slots__ = ()

    def __enter__(self):
        NAN_WARNINGS.off += 1

    def __exit__(self, *exc):
        NAN_WARNINGS.off -= 1


def quiet_step(fn):
    """A step of a jit plan recorded inside :class:`quiet_nan_warnings`: replayed inside it."""
    def step(*args, **kwargs):
        with quiet_nan_warnings():
            return fn(*args, **kwargs)
    step.__name__ = getattr(fn, "__name__", "step")
    step.checks_values = getattr(fn, "checks_values", False)
    return step
