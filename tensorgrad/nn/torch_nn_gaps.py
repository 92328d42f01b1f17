"""Two of ``torch.nn``'s older Modules: ``CrossMapLRN2d`` and the deprecated ``NLLLoss2d``.

* ``CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1)`` normalizes each channel of an
  (N, C, H, W) input by its neighbours across channels, ``y_c = x_c · (k + alpha/size ·
  s_c)^(−beta)``, where ``s_c`` sums ``x_j²`` over the window of channels
  ``max(0, c − p + 1) ≤ j ≤ min(C − 1, c + p − 1)`` with ``p = (size − 1) // 2 + 1``.
  It reproduces PyTorch's values exactly, quirks included, so it is *not*
  :class:`~tensorgrad.nn.LocalResponseNorm` (which averages a window of exactly ``size``
  channels, zero-padded): an even ``size`` gives a window of ``size − 1`` channels, and once
  the window has moved past channel 0 PyTorch's running sum never removes ``x_0²``, so
  ``s_c`` also includes ``x_0²`` for every channel whose window starts after 0. Its gradient
  is the exact derivative of these values (PyTorch's hand-written backward is not: it
  assumes a plain window and disagrees with finite differences of its own forward).
  Only 4-d input is taken (``ValueError`` otherwise, as PyTorch's).
* ``NLLLoss2d`` is :class:`~tensorgrad.nn.NLLLoss` under its old name (PyTorch keeps it as a
  subclass that warns with a ``FutureWarning`` when made; so does this one). NLLLoss takes
  (N, C, H, W) log-probabilities with (N, H, W) targets itself.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops as _ops
from ..tensor import dtype_of, shape_of
from .losses import NLLLoss
from .module import Module

__all__ = ["CrossMapLRN2d", "NLLLoss2d"]


def _window_sums(sq, size: int):
    """PyTorch's running window sums of ``sq`` (N, C, H, W) over the channel axis."""
    c = shape_of(sq)[1]
    half = (size - 1) // 2 + 1
    lo = np.maximum(np.arange(c) - half + 1, 0)
    hi = np.minimum(np.arange(c) + half, c)
    zero = _ops.zeros_like(sq[:, :1])
    csum = _ops.concatenate([zero, _ops.cumsum(sq, axis=1)], axis=1)  # csum[:, j] = Σ_{i<j} sq_i
    window = _ops.getitem(csum, (slice(None), hi)) - _ops.getitem(csum, (slice(None), lo))
    stale = (lo > 0).astype(dtype_of(sq)).reshape(1, c, 1, 1)  # x_0² kept
    return window + sq[:, :1] * stale


class CrossMapLRN2d(Module):
    """PyTorch's ``nn.CrossMapLRN2d``: local response normalization across channels of
    (N, C, H, W) input; see the module's notes for how it differs from LocalResponseNorm."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"CrossMapLRN2d: size must be a positive int, got {size!r}")
        self.size, self.alpha, self.beta, self.k = int(size), alpha, beta, k

    def apply(self, params, x):
        nd = len(shape_of(x))
        if nd != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {nd}D instead.")
        scale = self.k + (self.alpha / self.size) * _window_sums(x * x, self.size)
        return x * scale ** (-self.beta)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated ``nn.NLLLoss2d``: :class:`~tensorgrad.nn.NLLLoss`, with a
    ``FutureWarning`` when made."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        warnings.warn("NLLLoss2d is deprecated; NLLLoss computes the same loss (also for "
                      "(N, C, H, W) inputs) and replaces it as it is", FutureWarning, stacklevel=3)  # (past the
        # constructor's wrapper taking device= and dtype=)
        super().__init__(weight=weight, size_average=size_average, ignore_index=ignore_index,
                         reduce=reduce, reduction=reduction)
