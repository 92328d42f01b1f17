"""PyTorch's ``once_differentiable``: a Function's ``backward`` that is not recorded, whose
gradients raise when a create_graph sweep differentiates them again; and the test whether a
Function's ``ctx`` holds values its forward computed, whose dependence on the inputs no tape
holds (see ``imperative_sweep.note_constant_rule``)."""
from __future__ import annotations

import functools
import weakref
from types import SimpleNamespace

import numpy as np

from .custom import custom_vjp
from .imperative import rule_mode
from .recording import IMPERATIVE
from .tensor import Tensor, concrete, dtype_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["once_differentiable", "once_barrier", "holds_hidden", "guard_nested", "recorded",
           "find_node"]


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


def _nested_pass(v, deps, name):
    return v


def _nested_fwd(v, deps, name):
    return v, None


def _nested_bwd(name, res, g):
    raise RuntimeError(
        f"{name}: this tg.autograd.Function ran inside a transform (tg.vjp, tg.grad, "
        "tg.autograd.functional.*) on tensors that require grad; its forward and backward are "
        "not recorded on their tape there, so a derivative of this result would silently miss "
        "them. Take the derivatives with tg.autograd.grad(..., create_graph=True), or give the "
        "transform NumPy arrays")


#: a Function's value computed, unrecorded, from tensors of the imperative tape (its forward
#: or backward run by a transform on them): tied to them by a rule that raises when reached
nested_barrier = custom_vjp(_nested_pass, nondiff_argnums=(2,))
nested_barrier.check_outputs = False
nested_barrier.defvjp(_nested_fwd, _nested_bwd)


def guard_nested(tree, deps, name: str):
    """``tree`` with its floating-point arrays behind :data:`nested_barrier`, where ``deps``
    holds values recorded on the imperative tape (else ``tree`` as it is)."""
    deps = tuple(d for d in deps if recorded(d))
    if not deps:
        return tree
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [nested_barrier(v, deps, name) if isinstance(v, (np.ndarray, Tensor))
                               and np.dtype(dtype_of(concrete(v))).kind in "fc" else v
                               for v in leaves])


def recorded(v) -> bool:
    return type(v) is Tensor and v._trace is IMPERATIVE and v._node is not None


def find_node(out, node_ref: list) -> None:
    """Remember (weakly) the imperative tape's node of the Function's call: its output is
    read as a recorded value when a create_graph sweep differentiates backward."""
    leaves = [v for v in tree_flatten(out)[0] if recorded(v)]
    if not leaves:
        return
    node = leaves[0]._node
    if len(tree_flatten(out)[0]) > 1:  # one output of several: unpacked from the node's
        for _ in range(4):              # vector by a reshape (and a cast) of a slice
            if node is None or node.op is None or str(node.op.name).startswith("custom_vjp["):
                break
            node = node.parents[0]
    if node is not None and node.op is not None and str(node.op.name).startswith("custom_vjp["):
        node_ref.append(weakref.ref(node))


def holds_hidden(values, full, out) -> bool:
    """Whether ``values`` (ctx's attributes, in tuples, lists and dicts) hold a floating-point
    array or tensor that is none of forward's arguments ``full`` and outputs ``out``: a value
    forward computed (``a.exp()``, a float mask; also in a namedtuple, an OrderedDict or a
    SimpleNamespace). Boolean and integer arrays carry no derivative, and Python numbers are
    taken for constants."""
    return _other_floats(values, {id(v) for v in full} | {id(v) for v in tree_flatten(out)[0]})


def _other_floats(values, known: set) -> bool:
    for v in values:
        if isinstance(v, (tuple, list, dict, SimpleNamespace)):
            if _other_floats(v.values() if isinstance(v, dict) else vars(v).values()
                             if isinstance(v, SimpleNamespace) else v, known):
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
