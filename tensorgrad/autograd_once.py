"""PyTorch's ``once_differentiable``: a Function's ``backward`` that is not recorded, whose
gradients raise when a create_graph sweep differentiates them again; and the test whether a
Function's ``ctx`` holds values its forward computed, whose dependence on the inputs no tape
holds (see ``imperative_sweep.note_constant_rule``)."""
from __future__ import annotations

import copy
import functools
from types import SimpleNamespace

import numpy as np

from .custom import custom_vjp
from .imperative import rule_mode
from .tensor import Tensor
from .tree import tree_flatten

__all__ = ["once_differentiable", "once_barrier", "holds_hidden", "map_held"]


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


def map_held(v, fn):
    """``v`` with ``fn`` applied to each value inside the containers a ``ctx`` attribute may
    be (tuples, namedtuples, lists, dicts of any kind, SimpleNamespaces), rebuilt; for any
    other value, ``fn(v)``."""
    if type(v) in (tuple, list):
        return type(v)(map_held(e, fn) for e in v)
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return type(v)(*(map_held(e, fn) for e in v))
    if isinstance(v, dict):
        new = copy.copy(v)
        for k in new:
            new[k] = map_held(new[k], fn)
        return new
    if isinstance(v, SimpleNamespace):
        return SimpleNamespace(**{k: map_held(e, fn) for k, e in vars(v).items()})
    return fn(v)


def holds_hidden(values, full, out) -> bool:
    """Whether ``values`` (ctx's attributes, in the containers :func:`map_held` opens) hold a
    floating-point array or tensor that is none of forward's arguments ``full`` and outputs
    ``out``: a value forward computed (``a.exp()``, a float mask). Boolean and integer arrays
    carry no derivative, and Python numbers are taken for constants."""
    known = {id(v) for v in full} | {id(v) for v in tree_flatten(out)[0]}
    held: list = []
    map_held(list(values), held.append)
    return any(isinstance(v, (np.ndarray, Tensor)) and id(v) not in known
               and np.dtype(v.dtype).kind in "fc" for v in held)


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
