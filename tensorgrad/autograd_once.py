"""PyTorch's ``once_differentiable``: a Function's ``backward`` that is not recorded, whose
gradients raise when a create_graph sweep differentiates them again; and the same barrier
for a recorded backward whose gradient came out constant although it read values forward
computed, whose dependence on the inputs no tape holds."""
from __future__ import annotations

import functools

import numpy as np

from .custom import custom_vjp
from .imperative import rule_mode
from .tensor import Tensor

__all__ = ["once_differentiable", "once_barrier", "hidden_barrier", "holds_hidden"]


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


def _hidden_pass(v, deps, name):
    return v


def _hidden_fwd(v, deps, name):
    return v, None


def _hidden_bwd(name, res, g):
    raise RuntimeError(
        f"differentiating again a gradient of {name} whose backward used values its forward "
        "computed and kept on ctx (neither forward's inputs nor its outputs): how they depend "
        "on the inputs was not recorded, so their derivative would be silently missing (PyTorch "
        "raises here too: the gradient does not require grad). Save the inputs (or outputs) "
        "instead and recompute those values in backward; pass a constant array to apply as an "
        "argument rather than keeping it on ctx")


#: a constant gradient from a create_graph sweep's backward that read such values: on the
#: tape after the recorded values backward read, with a rule that raises when reached
hidden_barrier = custom_vjp(_hidden_pass, nondiff_argnums=(2,))
hidden_barrier.check_outputs = False
hidden_barrier.defvjp(_hidden_fwd, _hidden_bwd)


def holds_hidden(values, known: set) -> bool:
    """Whether ``values`` (ctx's attributes, in tuples and lists) hold a floating-point array
    or tensor whose ``id`` is not in ``known`` (forward's arguments and outputs). Boolean and
    integer arrays (masks, indices) carry no derivative, so they never count."""
    for v in values:
        if type(v) in (tuple, list):
            if holds_hidden(v, known):
                return True
        elif isinstance(v, (np.ndarray, Tensor)) and id(v) not in known \
                and np.dtype(v.dtype).kind in "fc":
            return True
    return False


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
