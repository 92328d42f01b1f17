"""PyTorch's ``nn.LinearCrossEntropyLoss``, ``nn.FractionalMaxPool2d`` and
``nn.FractionalMaxPool3d`` as tensorgrad Modules (their functions are in
:mod:`tensorgrad.nn.torch_functional_more`).

* ``LinearCrossEntropyLoss(in_features, num_classes, *, out_features=(), bias=False, ...)``
  holds PyTorch's ``linear.weight`` (C·prod(out_features), in_features) and, with
  ``bias=True``, ``linear.bias`` (both uniform on ±1/√in_features, as ``nn.Linear``); the
  parameter pytree is ``{"linear": {"weight": ..., "bias": ...}}``. Called ``loss(input,
  target)`` (explicit parameters: ``loss(input, target, params=p)``; pure form ``apply(params,
  input, target)``). ``options`` is kept and ignored, as by ``linear_cross_entropy``.
* ``FractionalMaxPool2d/3d(kernel_size, output_size=None, output_ratio=None,
  return_indices=False, _random_samples=None)`` draw their windows like
  :class:`~tensorgrad.nn.Dropout` draws its masks: fixed ``_random_samples`` if given (kept as
  a buffer, as PyTorch), else from ``key=`` (``pool(x, key=k)``, ``apply({}, x, key=k)``), else
  from the layer's own stream (``fold_in(layer.key, count)``, seeded by ``seed=`` or by the
  model's ``init(seed)``). As PyTorch's, they draw in evaluation mode too.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..tensor import concrete, dtype_of
from .layers import Module, _check_positive
from .layers_more import Dropout
from .losses import _REDUCTIONS
from .torch_functional_more import _ratios, fractional_max_pool2d, fractional_max_pool3d, \
    linear_cross_entropy
from .torch_pooling_nd import _tuple

__all__ = ["LinearCrossEntropyLoss", "FractionalMaxPool2d", "FractionalMaxPool3d"]


class LinearCrossEntropyLoss(Module):
    """:func:`~tensorgrad.nn.linear_cross_entropy` with its linear layer as parameters
    (PyTorch's ``nn.LinearCrossEntropyLoss``; see the module's notes). ``dtype`` is the
    parameters' (float64 by default); ``device`` may only be None or ``'cpu'``."""

    buffer_names = ("weight",)

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple = (),
                 bias: bool = False, device=None, dtype=None, reduction: str = "mean",
                 weight=None, ignore_index: int | None = None, label_smoothing: float = 0.0,
                 options=None):
        name = "LinearCrossEntropyLoss"
        _check_positive(name, in_features=in_features, num_classes=num_classes)
        out_features = tuple(out_features)
        if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
                   for d in out_features):
            raise ValueError(f"{name}: out_features must be a tuple of positive ints, got "
                             f"{out_features!r}")
        if weight is not None and np.shape(concrete(weight)) != (num_classes,):
            raise ValueError(f"{name}: expected weight of shape {(num_classes,)}, got "
                             f"{np.shape(concrete(weight))}")
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        if device not in (None, "cpu"):
            raise ValueError(f"{name}: device must be None or 'cpu', got {device!r}")
        self.in_features, self.num_classes = int(in_features), int(num_classes)
        self.out_features = tuple(int(d) for d in out_features)
        self.bias, self.dtype = bool(bias), np.dtype(np.float64 if dtype is None else dtype)
        self.weight, self.reduction, self.ignore_index = weight, reduction, ignore_index
        self.label_smoothing, self.options = float(label_smoothing), options

    def init_params(self, rng):
        rows = math.prod(self.out_features) * self.num_classes
        b = 1.0 / math.sqrt(self.in_features)
        p = {"weight": rng.uniform(-b, b, (rows, self.in_features)).astype(self.dtype)}
        if self.bias:
            p["bias"] = rng.uniform(-b, b, (rows,)).astype(self.dtype)
        return {"linear": p}

    def __call__(self, input, target, *, params=None):
        return self.apply(self._called(input) if params is None else params, input, target)

    def apply(self, params, input, target):
        lin = params["linear"]
        w = _ops.reshape(lin["weight"], (self.num_classes, *self.out_features, self.in_features))
        b = lin.get("bias")
        if b is not None:
            b = _ops.reshape(b, (self.num_classes, *self.out_features))
        return linear_cross_entropy(input, w, target, linear_bias=b, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return (f"in_features={self.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.bias}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}")


class _FractionalMaxPool(Module):
    """Shared code: PyTorch's constructor checks, and Dropout's key stream for the draws."""

    stochastic = True
    buffer_names = ("_random_samples",)
    # the key stream of Dropout, shared as plain functions (a pooling is not a Dropout)
    reseed = Dropout.reseed
    _stream_mask = Dropout._stream_mask
    _nd = 2
    _fn = None

    def __init__(self, kernel_size, output_size=None, output_ratio=None,
                 return_indices: bool = False, _random_samples=None, *,
                 seed: int | None = None):
        name, nd = type(self).__name__, self._nd
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, nd, 1)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name}: give either output_size or output_ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{name}: give only one of output_size and output_ratio")
        self.output_size = None if output_size is None else \
            _tuple(name, "output_size", output_size, nd, 1)
        self.output_ratio = None if output_ratio is None else _ratios(name, output_ratio, nd)
        if self.output_ratio is not None and not all(r < 1 for r in self.output_ratio):
            raise ValueError(f"{name}: output_ratio must be between 0 and 1 (exclusive), got "
                             f"{output_ratio!r}")
        self.return_indices = bool(return_indices)
        self._random_samples = _random_samples
        self.seed = seed
        self.key = None if seed is None else _random.PRNGKey(seed)
        self.count = 0
        self._dtype = np.dtype(np.float64)

    def apply(self, params, x, key=None):
        fn = type(self)._fn
        args = (x, self.kernel_size, self.output_size, self.output_ratio, self.return_indices)
        if self._random_samples is not None:
            return fn(*args, _random_samples=self._random_samples)
        if key is not None:
            return fn(*args, key=key)
        dt = np.dtype(dtype_of(concrete(x)))
        self._dtype = dt if dt.kind == "f" else np.dtype(np.float64)
        xs = tuple(np.shape(concrete(x)))
        if len(xs) not in (self._nd + 1, self._nd + 2):  # (let the function name the problem)
            return fn(*args, _random_samples=np.zeros((1, 1, self._nd)))
        return fn(*args, _random_samples=self._stream_mask(x, xs))

    def _draw(self, shape, advance: bool):
        """The draws for an input of ``shape``: (N, C, nd) uniform on [0, 1)."""
        n = shape[0] if len(shape) == self._nd + 2 else 1
        k = _random.fold_in(self.key, self.count)
        if advance:
            self.count += 1
        return _random.uniform(k, (n, shape[-self._nd - 1], self._nd), self._dtype)

    def extra_repr(self):
        size = (f"output_size={self.output_size}" if self.output_size is not None
                else f"output_ratio={self.output_ratio}")
        return f"kernel_size={self.kernel_size}, {size}, return_indices={self.return_indices}"


class FractionalMaxPool2d(_FractionalMaxPool):
    """:func:`~tensorgrad.nn.fractional_max_pool2d` as a layer (PyTorch's
    ``nn.FractionalMaxPool2d``); see the module's notes for its randomness."""

    _nd = 2
    _fn = staticmethod(fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPool):
    """:func:`~tensorgrad.nn.fractional_max_pool3d` as a layer (PyTorch's
    ``nn.FractionalMaxPool3d``); see the module's notes for its randomness."""

    _nd = 3
    _fn = staticmethod(fractional_max_pool3d)
