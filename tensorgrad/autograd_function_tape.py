"""A ``tg.autograd.Function`` and the tape: what its ``ctx`` keeps locked, its outputs as
tensors, its node on the imperative tape and the outputs a sweep reaches, and the gradients
its ``backward`` returns brought to the tape's conventions: of each input's shape (summed
down from a shape it broadcasts to) and, for a complex value, the conjugate (PyTorch's
``backward`` takes and returns the conjugates of tensorgrad's, JAX's, cotangents)."""
from __future__ import annotations

import functools
import weakref

import numpy as np

from . import ops as _ops
from .custom import RESIDUALS
from .guards import locked_tree
from .hooks import TorchTypeError, TorchValueError, note_gradient
from .recording import IMPERATIVE
from .sweep import unbroadcast
from .tensor import Tensor, broadcasts_to, concrete, dtype_of, shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["fitted", "torch_convention", "from_torch_convention", "lock_saved", "as_tensors",
           "recorded", "on_tape", "find_node", "listen"]


def lock_saved(ctx, name: str) -> None:
    """The arrays forward kept on ``ctx`` (``save_for_backward``, or attributes) locked for as
    long as the tape needs them, as a custom_vjp rule's residuals are: a later write to one
    must not change what ``backward`` reads."""
    held = RESIDUALS.held
    if held is None:  # (the primal alone: nothing is kept)
        return
    for k, v in list(vars(ctx).items()):
        if k != "to_save" and not k.startswith("_") and k != "needs_input_grad":
            safe = locked_tree(v, held, f"{name}: ctx.{k}")  # (RuleArray views: their bases lock)
            if safe is not v:
                setattr(ctx, k, safe)
    ctx.to_save = ctx.saved_tensors


def as_tensors(out, args):
    """PyTorch's ``apply`` returns tensors: with a tensor of the imperative tape (or a constant
    one) among the inputs, an array among the outputs (an integer or boolean result, one
    marked non-differentiable) becomes a constant tensor. Arrays in give arrays out."""
    if not any(type(a) is Tensor and (a._trace is IMPERATIVE or a._trace is None) for a in args):
        return out
    leaves, td = tree_flatten(out)
    return tree_unflatten(td, [Tensor(np.asarray(v)) if isinstance(v, (np.ndarray, np.generic)) else v
                               for v in leaves])


def recorded(v) -> bool:
    return type(v) is Tensor and v._trace is IMPERATIVE and v._node is not None


def on_tape(v) -> bool:
    """Whether ``v`` is (or a transform traced it over) a tensor of the imperative tape."""
    while type(v) is Tensor:
        if v._trace is IMPERATIVE:
            return True
        v = v._value
    return False


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


def listen(out, ctx) -> None:
    """``set_materialize_grads(False)``: note which outputs a sweep gives a gradient."""
    leaves = tree_flatten(out)[0]
    if len(leaves) < 2:
        return  # (a single output always has one when backward runs)
    ctx._notes = True
    for k, v in enumerate(leaves):
        if recorded(v):
            note_gradient(v._node, functools.partial(_got_one, weakref.ref(ctx), k))


def _got_one(ctx_ref, k: int, g) -> None:
    ctx = ctx_ref()
    if ctx is not None:
        ctx._got.add(k)


def fitted(name: str, i: int, r, arg):
    """backward's gradient ``r`` for input ``i``: of the input's shape, or (as PyTorch) of a
    shape the input broadcasts to, summed down to the input's shape."""
    have, want = tuple(shape_of(r)) if r is not None else None, tuple(shape_of(arg))
    if r is None or have == want:
        return r
    if not broadcasts_to(want, have):
        raise TorchValueError(f"{name}.backward returned a gradient of shape {have} for input "
                              f"{i} of shape {want}; each gradient must have its input's shape "
                              "(or one the input broadcasts to, which is summed down to it)")
    return unbroadcast(r, want)


def torch_convention(g):
    """A cotangent in PyTorch's convention: the conjugate, for a complex one."""
    return _ops.conj(g) if g is not None and np.iscomplexobj(concrete(g)) else g


def from_torch_convention(r, arg, name: str, i: int):
    """backward's gradient ``r`` for input ``i``, ``arg``, back in tensorgrad's convention: the
    conjugate for a complex input. A complex gradient for a real input is refused, as by
    PyTorch (its imaginary part would be dropped silently)."""
    if r is None or not np.iscomplexobj(concrete(r)):
        return r
    if not np.iscomplexobj(concrete(arg)):
        raise TorchTypeError(f"{name}.backward returned a complex gradient (dtype "
                             f"{dtype_of(r)}) for input {i}, which is real (dtype "
                             f"{dtype_of(arg)}); return a real gradient (its real part, if the "
                             "imaginary part is meant to be dropped)")
    return _ops.conj(r)
