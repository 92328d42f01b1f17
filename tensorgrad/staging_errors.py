"""The errors of ``tg.jit``'s tracing (:mod:`tensorgrad.staging`), and the shape check of a
recorded step that reads a traced integer."""
from __future__ import annotations

import numpy as np

__all__ = ["ConcretizationError", "ClosedOver", "HINT", "out_refused", "concretization", "shapes",
           "shape_guarded"]


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


def shape_guarded(kind: str, fn, what: str, name: str, traced: tuple):
    """The call of a step that reads a traced integer, checking at each replay that its
    result has the shape it had while tracing. A traced integer taken as a shape, axis, size
    or count (``a.reshape(n, -1)``, ``np.repeat(a, r)``) changes the result's shape, which the
    steps after it read while tracing only: an error, not a plan replayed on stale shapes."""
    def step(*args, **kwargs):
        out = getattr(args[0], fn)(*args[1:], **kwargs) if kind == "method" else fn(*args, **kwargs)
        if shapes(out) != traced:
            raise ConcretizationError(
                f"tg.jit: {what} in the plan of {name!r} gave a result of shape {shapes(out)} "
                f"for these arguments, {traced} while tracing: its shape depends on the value of "
                "a traced integer (a NumPy integer or integer array argument used as a shape, "
                "axis, size or count). Make that argument static (static_argnums=... / "
                "static_argnames=..., or pass a Python int)")
        return out
    step.__name__ = fn if kind == "method" else getattr(fn, "__name__", "step")
    step.checks_values = getattr(fn, "checks_values", False)
    return step
