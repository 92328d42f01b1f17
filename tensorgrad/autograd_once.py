"""PyTorch's ``once_differentiable``: a Function's ``backward`` that is not recorded, whose
gradients raise when a create_graph sweep differentiates them again."""
from __future__ import annotations

import functools

from .custom import custom_vjp
from .imperative import rule_mode

__all__ = ["once_differentiable", "once_barrier"]


def _pass_through(v, deps):
    return v


def _barrier_fwd(v, deps):
    return v, None


def _barrier_bwd(res, g):
    raise RuntimeError("trying to differentiate twice a Function whose backward is decorated "
                       "with once_differentiable (as PyTorch: its backward is not recorded); "
                       "drop the decorator to differentiate it again")


#: a gradient from a once_differentiable backward under create_graph: its value, on the tape
#: after the recorded values backward read, with a rule that raises when reached
once_barrier = custom_vjp(_pass_through)
once_barrier.check_outputs = False
once_barrier.defvjp(_barrier_fwd, _barrier_bwd)


def once_differentiable(fn):
    """PyTorch's decorator for a ``backward`` that cannot be differentiated again: it runs
    with grad mode off even under ``create_graph=True``, and differentiating its gradients
    again raises RuntimeError, as in PyTorch. (Inside a transform such as ``tg.hessian`` its
    ops are still traced, so a second derivative is computed there.)"""
    @functools.wraps(fn)
    def backward(ctx, *grad_outputs):
        with rule_mode():
            return fn(ctx, *grad_outputs)
    backward._once_differentiable = True
    return backward
