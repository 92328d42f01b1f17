"""A Module called PyTorch's way makes its parameters tensors that require grad.

PyTorch's parameters always require grad, so ``model(x)`` records on the autograd tape and
``loss.backward()`` fills every parameter's ``.grad``. A tensorgrad Module keeps plain arrays
(its functional form, ``model.apply(params, x)``, and a call on NumPy arrays stay as they
are) until it is first called with a tensor of PyTorch's API (``tg.tensor(...)``, a tensor that
requires grad, or one computed from them) while grad mode is on: then its parameters become
tensors that require grad, as an optimizer made on ``model.parameters()`` makes them: arrays
listed before (``model.parameters()``, ``lin.weight``) are noted with the tensors that took
their place, and parameters already tensors keep their flags (one frozen with
``p.requires_grad = False`` stays frozen, as does a layer frozen with its own
``requires_grad_(False)``). A Module frozen or unfrozen explicitly (``requires_grad_(flag)``)
keeps that choice; under ``tg.no_grad()``, on values a transform traces and while ``tg.jit``
traces, nothing changes (called on constants only inside a transform, the parameters do
become tensors: results then depend on them, as on any tensor that requires grad). Two
threads making the first call at once share one set of tensors.
"""
from __future__ import annotations

from ..imperative import is_grad_enabled
from ..recording import IMPERATIVE
from ..staging import is_staged, tracing_here
from ..tensor import Tensor, torch_style
from ..tree import tree_flatten
from .param_owners import convert_parameters

__all__ = ["TrackingMixin", "first_torch_call"]


def _torch_inputs(inputs) -> bool:
    """Whether a tensor of PyTorch's API is among ``inputs`` (into lists, tuples, named tuples
    such as a PackedSequence, and dicts) and none is traced by a transform or ``tg.jit``."""
    found = False
    for v in inputs:
        if isinstance(v, (list, tuple, dict)):
            leaves = tree_flatten(v)[0]
            if len(leaves) == 1 and leaves[0] is v:  # (a tuple subclass the trees keep whole)
                continue
            v = leaves
            if not v or not _torch_inputs(v):
                continue
            found = True
        elif type(v) is Tensor:
            trace = v._trace
            if trace is not None and trace is not IMPERATIVE or is_staged(v._value):
                return False  # (a transform's value: its parameters are the transform's business)
            found = found or trace is IMPERATIVE or torch_style(v)
    return found


def first_torch_call(module, params, inputs: tuple) -> bool:
    """Whether calling ``module`` (its ``requires_grad_()`` never called) with ``params`` (its
    own) on ``inputs`` should make its parameters tensors that require grad: a tensor of
    PyTorch's API among the inputs, none traced by a transform, grad mode on, not traced by
    ``tg.jit``, and a parameter that is still an array. Parameters found all tensors (a layer
    of a model whose parameters are tensors) are remembered, so later calls skip the walk."""
    if not _torch_inputs(inputs) or tracing_here() or not is_grad_enabled():
        return False
    if all(type(p) is Tensor for p in tree_flatten(params)[0]):
        module.__dict__["_all_tensors"] = params
        return False
    return True


class TrackingMixin:
    """Module's ``_called``: the parameters for a call of the Module itself."""

    def _called(self, *inputs):
        """``_have()``; on the Module's first call PyTorch's way, after its parameters (and
        its model's) became tensors that require grad."""
        params = self._have()
        d = self.__dict__
        if "_frozen" in d or d.get("_all_tensors") is params or not first_torch_call(self, params, inputs):
            return params
        convert_parameters(self)  # (as an optimizer made on them: frozen ones stay frozen)
        return self._have()
