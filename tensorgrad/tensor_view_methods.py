"""PyTorch's view-making Tensor methods note their results as views (see
:mod:`tensorgrad.tensor_views`): an in-place update of ``w.t()``, ``x.view(-1)``,
``h.permute(1, 0)`` or ``w.detach()`` reaches the tensor it was taken from, as it does in
PyTorch, where it was silently lost before.

Installed on :class:`~tensorgrad.tensor.Tensor` once PyTorch's methods are (imported by
``tensorgrad`` after :mod:`tensorgrad.tensor_torch`).
"""
from __future__ import annotations

import functools
import inspect

from .recording import IMPERATIVE
from .tensor import Tensor
from .tensor_views import note_positions

__all__ = ["VIEW_METHODS", "VIEW_PROPERTIES"]

#: methods whose result shares the tensor's storage in PyTorch (when NumPy's value shares it)
VIEW_METHODS = ("t", "transpose", "permute", "swapaxes", "swapdims", "movedim", "moveaxis", "view",
                "view_as", "reshape", "reshape_as", "flatten", "ravel", "unflatten", "unsqueeze",
                "squeeze", "diagonal", "expand", "expand_as", "unfold", "detach")
VIEW_PROPERTIES = ("T", "mT", "H", "mH", "real")
#: views whose value tensorgrad computes as a copy: their places come from the method again
_REPLAYED = ("diagonal",)


def _noting(fn, quiet: bool, replayed: bool = False):
    @functools.wraps(fn)
    def made(self, *args, **kwargs):
        out = fn(self, *args, **kwargs)
        if type(out) is Tensor and (self._trace is None or self._trace is IMPERATIVE):
            # (the method again, for the places of a view whose value shares no memory: a
            # replayed method's, or any view of a 0-d tensor, x[1].view(1), whose value is a
            # NumPy scalar)
            again = lambda t: fn(t, *args, **kwargs)  # noqa: E731
            note_positions(self, out, quiet, again if replayed else None, again)
        return out
    return made


for _name in VIEW_METHODS:
    setattr(Tensor, _name, _noting(getattr(Tensor, _name), _name == "detach", _name in _REPLAYED))
for _name in VIEW_PROPERTIES:
    _prop = inspect.getattr_static(Tensor, _name)
    setattr(Tensor, _name, property(_noting(_prop.fget, False), _prop.fset, _prop.fdel, _prop.__doc__))
del _name, _prop
