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

import numpy as np

from .recording import IMPERATIVE
from .tensor import Tensor
from .tensor_views import is_view, note_positions, note_traced_part, replayed_view

__all__ = ["VIEW_METHODS", "VIEW_PROPERTIES"]

#: methods whose result shares the tensor's storage in PyTorch (when NumPy's value shares it)
VIEW_METHODS = ("t", "transpose", "permute", "swapaxes", "swapdims", "movedim", "moveaxis", "view",
                "view_as", "reshape", "reshape_as", "flatten", "ravel", "unflatten", "unsqueeze",
                "squeeze", "diagonal", "expand", "expand_as", "unfold", "detach", "broadcast_to")
VIEW_PROPERTIES = ("T", "mT", "H", "mH", "real")
#: views whose value tensorgrad computes as a copy: their places come from the method again
_REPLAYED = ("diagonal", "unfold")
#: methods whose pieces are views in PyTorch, as tensorgrad computes them by copies: each piece's
#: places come from the method again (split, chunk and unbind give parts by indexing)
_SPLITS = ("tensor_split", "hsplit", "vsplit", "dsplit")


def _noting(fn, quiet: bool, replayed: bool = False, strict: bool = False):
    @functools.wraps(fn)
    def made(self, *args, **kwargs):
        out = fn(self, *args, **kwargs)
        if type(out) is Tensor and (self._trace is None or self._trace is IMPERATIVE):
            # (the method again, for the places of a view whose value shares no memory: a
            # replayed method's, or any view of a 0-d tensor, x[1].view(1), whose value is a
            # NumPy scalar)
            again = lambda t: fn(t, *args, **kwargs)  # noqa: E731
            # (a view of a value whose layout is tensorgrad's own: by its places, see _must_view)
            replay = replayed or strict and not _must_view(fn.__name__, self, out)
            note_positions(self, out, quiet, again if replay else None, again)
        elif type(out) is Tensor:
            note_traced_part(self, out)
        return out
    return made


def _must_view(name: str, t, out) -> bool:
    """PyTorch's ``view`` never copies. Where a view's layout (``t.t()``, ``t[:, :2]``,
    ``t.expand(...)``, which tensorgrad lays out as PyTorch does) needs a copy
    (``x.t().view(-1)``) it raises, as PyTorch does; False where ``t``'s own layout is
    tensorgrad's (an op's result, which PyTorch makes contiguous): its view is then noted by
    its places (a write through it reaches ``t``), whatever the memory."""
    v, o = t._value, out._value
    if type(v) is not np.ndarray or type(o) is not np.ndarray or v.size <= 1 \
            or np.may_share_memory(v, o):
        return True
    if is_view(t) and not replayed_view(t):  # (unfold's value is a copy: tensorgrad's layout)
        raise RuntimeError(
            f"{name}: view size is not compatible with input tensor's size and stride (at least "
            f"one dimension spans across two contiguous subspaces): a tensor of shape "
            f"{tuple(v.shape)} whose entries are not laid out in order cannot be viewed as "
            f"{tuple(o.shape)}. Use .reshape(...) instead (a copy), as in PyTorch")
    return False


for _name in VIEW_METHODS:
    setattr(Tensor, _name, _noting(getattr(Tensor, _name), _name == "detach", _name in _REPLAYED,
                                   _name in ("view", "view_as")))
def _pieces_noting(fn):
    @functools.wraps(fn)
    def made(self, *args, **kwargs):
        out = fn(self, *args, **kwargs)
        if isinstance(out, (tuple, list)) and (self._trace is None or self._trace is IMPERATIVE):
            for i, piece in enumerate(out):
                again = lambda t, i=i: fn(t, *args, **kwargs)[i]  # noqa: E731
                note_positions(self, piece, False, again, again)
        elif isinstance(out, (tuple, list)):  # (a traced value's pieces: its parts, see above)
            for piece in out:
                if type(piece) is Tensor:
                    note_traced_part(self, piece)
        return out
    return made


for _name in _SPLITS:
    setattr(Tensor, _name, _pieces_noting(getattr(Tensor, _name)))
for _name in VIEW_PROPERTIES:
    _prop = inspect.getattr_static(Tensor, _name)
    setattr(Tensor, _name, property(_noting(_prop.fget, False), _prop.fset, _prop.fdel, _prop.__doc__))
del _name, _prop


def _adjoint(self):
    """PyTorch's ``t.adjoint()``: the conjugate transpose of the last two axes, ``t.mH``, a view
    of ``t`` as in PyTorch (a write through it reaches ``t``)."""
    if self.ndim < 2:
        raise ValueError(f"Tensor.adjoint: needs a matrix or a batch of them, got shape "
                         f"{tuple(self.shape)}")
    return self.mH


Tensor.adjoint = _adjoint
