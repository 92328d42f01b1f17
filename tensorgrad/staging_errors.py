"""The errors of ``tg.jit``'s tracing (:mod:`tensorgrad.staging`), and the shape check of a
recorded step that reads a traced integer or whose result's size may follow the values."""
from __future__ import annotations

import numpy as np

__all__ = ["ConcretizationError", "ClosedOver", "HINT", "out_refused", "concretization", "shapes",
           "shape_guarded", "unvetted"]


class ConcretizationError(TypeError):
    """A traced value was needed as a concrete Python value while ``tg.jit`` traced."""


HINT = ("tg.jit records the computation once and replays it for new inputs, so Python "
        "control flow and conversions may not depend on a traced value (the branch taken "
        "while tracing would be replayed for every input). Select values with tg.where(cond, "
        "a, b), compute the decision outside the jitted function, or mark the argument "
        "static (tg.jit(f, static_argnums=...) / static_argnames=...) so that each value "
        "is traced on its own.")


def out_refused(path: str) -> ConcretizationError:
    """The error for ``path(..., out=array)`` given a traced value under tg.jit: the write cannot
    be recorded (the plan would replay the value seen while tracing)."""
    return ConcretizationError(f"tg.jit: {path}(..., out=array) writes a traced value into a NumPy "
                               "array in place, which cannot be recorded; use the returned value "
                               "instead")


def concretization(what: str, v) -> ConcretizationError:
    """The error for ``what`` (a conversion, a branch, ...) of the traced value ``v``, naming
    the function being traced."""
    name = getattr(getattr(v, "program", None), "name", None)
    where = f" in tg.jit's trace of {name!r}" if name else ""
    return ConcretizationError(f"tg.jit: {what} of a traced array (shape {v.shape}, dtype "
                               f"{v.dtype}){where}; its value is only known when the compiled "
                               f"function runs. {HINT}")


class ClosedOver(TypeError):
    """Raised while a jit trace records: the function reads a value that must not be baked
    into the plan (a tensor of the imperative tape, or a value an enclosing transform
    traces); ``tg.jit`` runs the function as written instead."""


def shapes(value):
    return tuple(shapes(v) for v in value) if isinstance(value, (tuple, list)) else np.shape(value)


def _resolve(names: str) -> frozenset:
    found = set()
    for name in names.split():
        obj = np
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            found.add(obj)
    return frozenset(found)


#: NumPy functions whose result's shape follows from their arguments' shapes and from their
#: parameters (a traced integer parameter is checked by the integer rule below): their steps
#: are replayed unchecked. Any other NumPy function recorded on traced values (np.intersect1d,
#: np.polymul, np.linalg.lstsq, ...) may give a result of another size for other values, so
#: its step checks the result's shape at every replay. (np.where: with three arguments.)
_SHAPE_FOLLOWS = _resolve(
    "asarray asanyarray array ascontiguousarray copy broadcast_to broadcast_arrays reshape "
    "ravel clip real imag sum prod mean var std average nansum nanmean nanprod nanmax nanmin "
    "nanvar nanstd max min amax amin any all argmax argmin nanargmax nanargmin cumsum cumprod "
    "nancumsum nancumprod isposinf isneginf isreal iscomplex isclose isin moveaxis swapaxes "
    "transpose permute_dims matrix_transpose expand_dims squeeze atleast_1d atleast_2d "
    "atleast_3d diag diagonal diagflat trace tril triu concatenate concat stack hstack vstack "
    "dstack column_stack split array_split argsort sort partition argpartition searchsorted "
    "take take_along_axis round around tile pad diff repeat full_like zeros_like ones_like "
    "empty_like full zeros ones empty eye identity einsum dot vdot inner outer tensordot kron "
    "cross flip fliplr flipud roll rot90 ptp median percentile quantile nanmedian "
    "nanpercentile nanquantile cov corrcoef convolve correlate interp nan_to_num select choose "
    "meshgrid linspace logspace geomspace polyval sinc angle unwrap trapezoid gradient "
    "count_nonzero lexsort cumulative_sum cumulative_prod vecdot matvec vecmat "
    "linalg.inv linalg.solve linalg.det linalg.slogdet linalg.cholesky linalg.qr linalg.svd "
    "linalg.svdvals linalg.eigh linalg.eigvalsh linalg.eig linalg.eigvals linalg.norm "
    "linalg.vector_norm linalg.matrix_norm linalg.matrix_power linalg.pinv linalg.matrix_rank "
    "linalg.tensorinv linalg.tensorsolve linalg.multi_dot linalg.cond linalg.vecdot "
    "linalg.cross linalg.outer linalg.diagonal linalg.trace linalg.matrix_transpose "
    "fft.fft fft.ifft fft.rfft fft.irfft fft.fft2 fft.ifft2 fft.rfft2 fft.irfft2 fft.fftn "
    "fft.ifftn fft.rfftn fft.irfftn fft.hfft fft.ihfft fft.fftshift fft.ifftshift")


def unvetted(kind: str, fn, args: tuple) -> bool:
    """Whether a recorded step calls a NumPy function whose result's shape may depend on the
    values of its arguments (see ``_SHAPE_FOLLOWS``). tensorgrad's own functions fix their
    result shapes themselves (JAX's ``size=``)."""
    if kind != "call" or fn in _SHAPE_FOLLOWS:
        return False
    if fn is np.where:
        return len(args) == 1
    return (getattr(fn, "__module__", None) or "").startswith("numpy")


def shape_guarded(kind: str, fn, what: str, name: str, traced: tuple, integer: bool = True):
    """The call of a step that reads a traced integer (``integer``) or calls a NumPy function
    whose result's size may depend on the values (:func:`unvetted`), checking at each replay
    that its result has the shape it had while tracing. A traced integer taken as a shape,
    axis, size or count (``a.reshape(n, -1)``, ``np.repeat(a, r)``), or values deciding a
    size (``np.intersect1d(a, b)``), change the result's shape, which the steps after it read
    while tracing only: an error, not a plan replayed on stale shapes."""
    def step(*args, **kwargs):
        out = getattr(args[0], fn)(*args[1:], **kwargs) if kind == "method" else fn(*args, **kwargs)
        if shapes(out) != traced:
            why = ("the value of a traced integer (a NumPy integer or integer array argument "
                   "used as a shape, axis, size or count). Make that argument static "
                   "(static_argnums=... / static_argnames=..., or pass a Python int)") if integer \
                else ("the values of its arguments, and a plan replays the shapes seen while "
                      "tracing. Give the size explicitly (JAX's size= where tensorgrad offers "
                      "it) or call it outside the jitted function")
            raise ConcretizationError(
                f"tg.jit: {what} in the plan of {name!r} gave a result of shape {shapes(out)} "
                f"for these arguments, {traced} while tracing: its shape depends on {why}")
        return out
    step.__name__ = fn if kind == "method" else getattr(fn, "__name__", "step")
    step.checks_values = getattr(fn, "checks_values", False)
    # (what identifies the step for the plan's merging of repeated calls: the function called
    # and the shapes it checks, not this wrapper, which each recorded call gets anew)
    step.guarded = (kind, fn if kind == "method" else id(fn), traced)
    return step
