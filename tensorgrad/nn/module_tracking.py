"""A Module called PyTorch's way makes its parameters tensors that require grad.

PyTorch's parameters always require grad, so ``model(x)`` records on the autograd tape and
``loss.backward()`` fills every parameter's ``.grad``. A tensorgrad Module keeps plain arrays
(its functional form, ``model.apply(params, x)``, and a call on NumPy arrays stay as they
are) until it is first called with a tensor of PyTorch's API (``tg.tensor(...)``, a tensor that
requires grad, or one computed from them) while grad mode is on: then its parameters become
tensors that require grad, as ``model.requires_grad_()`` (or an optimizer made on
``model.parameters()``) makes them. A Module frozen or unfrozen explicitly
(``requires_grad_(flag)``) keeps that choice; under ``tg.no_grad()``, inside a transform and
while ``tg.jit`` traces, nothing changes.
"""
from __future__ import annotations

from ..imperative import is_grad_enabled
from ..recording import IMPERATIVE
from ..staging import is_staged, tracing_here
from ..tensor import Tensor, torch_style
from ..tree import tree_flatten

__all__ = ["TrackingMixin", "first_torch_call"]


def first_torch_call(module, inputs: tuple) -> bool:
    """Whether calling ``module`` (its ``requires_grad_()`` never called) on ``inputs`` should
    make its parameters tensors that require grad: a tensor of PyTorch's API among the inputs,
    none traced by a transform, grad mode on, not traced by ``tg.jit``, and a parameter that is
    still an array."""
    if tracing_here() or not is_grad_enabled():
        return False
    torch_input = False
    for v in tree_flatten(inputs)[0]:
        if type(v) is not Tensor:
            continue
        trace = v._trace
        if trace is not None and trace is not IMPERATIVE or is_staged(v._value):
            return False  # (a transform's value: its parameters are the transform's business)
        torch_input = torch_input or trace is IMPERATIVE or torch_style(v)
    return torch_input and any(type(p) is not Tensor for p in tree_flatten(module._have())[0])


class TrackingMixin:
    """Module's ``_called``: the parameters for a call of the Module itself."""

    def _called(self, *inputs):
        """``_have()``, after ``requires_grad_()`` on the Module's first call PyTorch's way."""
        if "_frozen" not in self.__dict__ and first_torch_call(self, inputs):
            self.requires_grad_()
        return self._have()
