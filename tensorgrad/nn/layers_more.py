"""Layers that behave differently in training and evaluation, and 1-D convolution and pooling.

* :class:`Dropout` zeroes entries with probability p while training (the kept ones scaled by
  1/(1 − p)) and is the identity in evaluation mode, as ``torch.nn.Dropout``.
* :class:`BatchNorm1d` / :class:`BatchNorm2d` normalize each channel with the batch's
  statistics while training and with their running statistics in evaluation mode, as
  ``torch.nn.BatchNorm1d/2d``.
* :class:`Conv1d`, :class:`MaxPool1d` and :class:`AvgPool1d` act on (N, C, L) sequences.

``model.train()`` / ``model.eval()`` switch every Module inside a model (training is the
default, as in PyTorch).

Randomness: a Dropout draws its masks from tensorgrad's keys (:mod:`tensorgrad.random`).
``apply(params, x, key=k)`` (or ``model(x, key=k)``, ``Sequential.apply(params, x, key=k)``,
which gives the i-th layer ``fold_in(k, i)``) is the pure, explicit form: the same key gives
the same mask, and a traced key works under ``tg.jit`` and ``tg.vmap``. Without a key the layer
draws from its own stream: mask number n comes from ``fold_in(layer.key, n)`` and the counter
``layer.count`` advances by one per draw. The stream's key is ``PRNGKey(seed)`` for
``Dropout(p, seed=...)``, else it is set by the enclosing model's ``init(seed)`` (the j-th
Dropout of the model gets ``fold_in(PRNGKey(seed), j)``), so ``tg.train.fit(model, seed=s)``
is reproducible. Under ``tg.jit`` the draw from the stream is a step of the plan: every call of
the compiled function takes the next mask (the same masks, in the same order, as eager calls).

Running statistics are *buffers*: arrays on the layer (``running_mean``, ``running_var``,
``num_batches_tracked``), not parameters, so no gradient or optimizer touches them. They are
updated as a side effect of a training-mode call (also at every call of a ``tg.jit`` plan, and
under ``tg.grad`` from the values of the batch statistics), listed by
``model.named_buffers()`` and saved and loaded by :mod:`tensorgrad.checkpoint` with the
Module. A ``tg.jit`` plan keeps the mode it was traced in: trace again after ``train()`` /
``eval()``. Under :func:`tensorgrad.to_jax` (``fit(..., backend="jax")``) a training-mode
Dropout without a key, or a BatchNorm updating its statistics, raises: jax.jit cannot run
those side effects.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .. import ops as _ops
from .. import random as _random
from .. import staging as _staging
from .. import stream_draws
from ..jax_backend import is_jax_tensor
from ..lax_ops2 import conv_general_dilated as _conv_general
from ..tensor import Tensor, concrete, dtype_of
from ..torch_updates import MAPPING
from . import init as _init
from . import torch_padding as _torch_padding
from . import torch_pooling as _torch_pooling
from .param_alias import ParamAttr
from .inplace import check as _check_inplace
from .layers import Module, _check_positive
from .torch_conv import _conv_padding

__all__ = ["Dropout", "BatchNorm1d", "BatchNorm2d", "Conv1d", "MaxPool1d", "AvgPool1d"]


def _int(name: str, v, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"{name} must be an integer ≥ {low}, got {v!r}")
    return int(v)


def _one(name: str, v, low: int) -> int:
    """An int, or a 1-tuple of one (PyTorch's 1-D layers accept both)."""
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"{name} must be an int or a 1-tuple, got {v!r}")
        v = v[0]
    return _int(name, v, low)


def _no_jax(who: str, x, what: str) -> None:
    if is_jax_tensor(x) or is_jax_tensor(concrete(x)):
        raise NotImplementedError(
            f"{who}: {what} is a side effect that jax.jit (tg.to_jax, fit(backend='jax')) cannot "
            "replay; train with the NumPy backend, or call model.eval() first")


class Dropout(Module):
    """Zero each entry with probability ``p`` while training and scale the rest by 1/(1 − p)
    (PyTorch's ``nn.Dropout``); the identity in evaluation mode or with p = 0.

    ``apply(params, x, key=k)`` draws the mask from the key ``k``; without a key, from the
    layer's own stream (see the module's notes): under ``tg.jit`` each call of the plan draws
    the next mask. The gradient is the same mask times 1/(1 − p). ``inplace`` is accepted
    for PyTorch's signature and changes nothing (tensorgrad never writes into its input)."""

    stochastic = True

    def __init__(self, p: float = 0.5, inplace: bool = False, *, seed: int | None = None):
        _check_inplace(type(self).__name__, inplace)
        try:
            p = float(p)
        except (TypeError, ValueError):
            raise TypeError(f"Dropout: p must be a number, got {p!r}") from None
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p, self.seed = p, seed
        self.key = None if seed is None else _random.PRNGKey(seed)
        self.count = 0

    def reseed(self, key) -> "Dropout":
        """Restart the layer's stream from ``key`` (a key array, or an int seed)."""
        self.key = _random.PRNGKey(key) if isinstance(key, (int, np.integer)) else np.asarray(key)
        self.count = 0
        return self

    def apply(self, params, x, key=None):
        if not self.training or self.p == 0:
            return x
        if self.p == 1:  # every entry dropped (PyTorch gives zeros, and a zero gradient)
            return x * 0
        shape = tuple(np.shape(concrete(x)))
        if key is not None:
            keep = _random.bernoulli(key, 1 - self.p, shape)
        else:
            keep = self._stream_mask(x, shape)
        return _ops.where(keep, x * (1 / (1 - self.p)), 0)

    def _stream_mask(self, x, shape):
        # (inside tg.checkpoint's recomputation: the forward pass's mask, see stream_draws)
        return stream_draws.draw(lambda: Dropout._fresh_mask(self, x, shape))

    def _fresh_mask(self, x, shape):
        _no_jax("Dropout", x, "drawing a mask from the layer's own stream (no key given)")
        if self.key is None:
            self.key = _random.PRNGKey(0)
        v = concrete(x)
        if not _staging.is_staged(v):
            if _staging.tracing_here():
                raise ValueError(
                    "Dropout: under tg.jit the input does not depend on the jitted function's "
                    "arguments, so a mask drawn here would be a constant of the plan, the same at "
                    "every call; pass a key argument (apply(params, x, key=k)) or pass x in")
            return self._draw(shape, True)
        tracing = [True]

        def dropout_mask(value):
            return self._draw(np.shape(value), not tracing[0])
        mask = _staging.call(dropout_mask, v)  # a plan step: drawn again at every call
        tracing[0] = False
        return mask

    def _draw(self, shape, advance: bool):
        k = _random.fold_in(self.key, self.count)
        if advance:  # while tracing, the mask is drawn again (and counted) when the plan runs
            self.count += 1
        return _random.bernoulli(k, 1 - self.p, shape)

    def extra_repr(self):
        return f"p={self.p}"


class _BatchNorm(Module):
    """Shared code of BatchNorm1d/2d: statistics over every axis but the channel axis 1."""

    weight = ParamAttr("weight")  # (PyTorch's attribute names for the parameters)
    bias = ParamAttr("bias", flag=True)

    buffer_names = ("running_mean", "running_var", "num_batches_tracked")
    _ndims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *, bias: bool = True):
        name = type(self).__name__
        _check_positive(name, num_features=num_features)
        if not (float(eps) > 0 and math.isfinite(eps)):
            raise ValueError(f"{name}: eps must be positive and finite, got {eps}")
        if momentum is not None and not 0 <= float(momentum) <= 1:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None (cumulative average), "
                             f"got {momentum}")
        self.num_features, self.eps = int(num_features), float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.bias = bool(bias)  # (PyTorch 2.13's: with affine, a weight and no bias)
        self.reset_running_stats()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted (None without tracking)."""
        if self.track_running_stats:
            dtype = self.__dict__.get("_made_dtype")  # (a float() or dtype= layer's: see module_dtype)
            self.running_mean = np.zeros(self.num_features, dtype)
            self.running_var = np.ones(self.num_features, dtype)
            self.num_batches_tracked = np.asarray(0, dtype=np.int64)
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def init_params(self, rng):
        if not self.affine:
            return {}
        if not self.has_bias:
            return {"weight": np.ones(self.num_features)}
        return {"weight": np.ones(self.num_features), "bias": np.zeros(self.num_features)}

    @property
    def has_parameters(self) -> bool:
        return self.affine

    def apply(self, params, x):
        name = type(self).__name__
        shape = tuple(np.shape(concrete(x)))
        if len(shape) not in self._ndims or shape[1] != self.num_features:
            want = " or ".join(f"{d}-d" for d in self._ndims)
            raise ValueError(f"{name}({self.num_features}): input of shape {shape} must be {want} "
                             f"with {self.num_features} channels on axis 1")
        axes = (0,) + tuple(range(2, len(shape)))
        bshape = (1, self.num_features) + (1,) * (len(shape) - 2)
        if self.training or not self.track_running_stats:
            n = int(np.prod([shape[a] for a in axes]))
            if n <= 1:  # (also in evaluation mode without running statistics, as PyTorch)
                raise ValueError(f"{name}: expected more than 1 value per channel when training "
                                 f"(or without running statistics), got input of shape {shape}")
            mean = _ops.mean(x, axis=axes, keepdims=True)
            centered = x - mean
            var = _ops.mean(centered * centered, axis=axes, keepdims=True)
            if self.training and self.track_running_stats:
                self._track(x, mean, var, n)
        else:
            centered = x - self._buffer(x, "running_mean", bshape)
            var = self._buffer(x, "running_var", bshape)
        y = centered / _ops.sqrt(var + self.eps)
        if params:
            y = y * _ops.reshape(params["weight"], bshape)
            if "bias" in params:
                y = y + _ops.reshape(params["bias"], bshape)
        return y

    def _buffer(self, x, name, bshape):
        """A running statistic, read when the plan runs under tg.jit (not fixed at trace time);
        a traced one (given to ``functional_call`` under a transform) as it is."""
        held = getattr(self, name)
        if type(held) is Tensor or _staging.is_staged(held):
            return _ops.reshape(held, bshape)
        v = concrete(x)
        if _staging.is_staged(v):
            return _staging.call(lambda _: getattr(self, name).reshape(bshape), v)
        return getattr(self, name).reshape(bshape)

    def _track(self, x, mean, var, n):
        _no_jax(type(self).__name__, x, "updating the running statistics")
        if MAPPING.since:  # (tensorgrad.func.vmap runs the layer once per slice)
            raise RuntimeError(
                f"vmap: {type(self).__name__} in training mode updates its running_mean and "
                "running_var in place, which are not batched: here once per slice "
                "(torch.func.vmap refuses it too). Call it in eval mode, with "
                "track_running_stats=False, or after tg.func.replace_all_batch_norm_modules_")

        def update_running_stats(m, v):
            self.num_batches_tracked = np.asarray(self.num_batches_tracked + 1, dtype=np.int64)
            f = self.momentum if self.momentum is not None else 1.0 / int(self.num_batches_tracked)
            m, v = np.asarray(m).reshape(-1), np.asarray(v).reshape(-1) * (n / (n - 1))
            # (in the buffers' own dtype, as PyTorch updates them in place)
            self.running_mean = ((1 - f) * self.running_mean + f * m).astype(self.running_mean.dtype)
            self.running_var = ((1 - f) * self.running_var + f * v).astype(self.running_var.dtype)
        _staging.effect(update_running_stats, concrete(mean), concrete(var))

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs over N (and L), per channel
    (PyTorch's ``nn.BatchNorm1d``): ``(x − mean)/√(var + eps)·weight + bias``.

    Training mode normalizes with the batch's mean and biased variance (the gradient flows
    through them) and updates ``running_mean`` ← (1 − m)·running_mean + m·mean and
    ``running_var`` likewise with the *unbiased* variance (m = ``momentum``; with
    ``momentum=None`` a cumulative average). Evaluation mode normalizes with the running
    statistics (constants). ``track_running_stats=False`` always uses the batch's."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) images over N, H and W, per channel (PyTorch's
    ``nn.BatchNorm2d``); see :class:`BatchNorm1d` for the modes and running statistics."""

    _ndims = (4,)


class Conv1d(Module):
    """1-D convolution (cross-correlation) over (N, C, L) sequences, PyTorch's ``nn.Conv1d``:
    weight (out_channels, in_channels/groups, kernel_size), with ``stride``, zero
    ``padding`` (an int, ``'valid'``, or ``'same'``: the input's length at stride 1, the odd
    unit on the right), ``dilation`` and ``groups``; built on ``tg.lax.conv_general_dilated``."""

    weight = ParamAttr("W")  # (PyTorch's names for W and b: the same arrays, same layout)
    bias = ParamAttr("b", flag=True)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int | str = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", init: str | Callable = "he_normal",
                 bias_init: str | Callable = "zeros"):
        _check_positive("Conv1d", in_channels=in_channels, out_channels=out_channels)
        self.padding_mode = _torch_padding.check_padding_mode("Conv1d", padding_mode)
        self.groups = _int("Conv1d groups", groups, 1)
        if in_channels % self.groups or out_channels % self.groups:
            raise ValueError(f"Conv1d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _one("Conv1d kernel_size", kernel_size, 1)
        self.stride = _one("Conv1d stride", stride, 1)
        self.dilation = _one("Conv1d dilation", dilation, 1)
        if isinstance(padding, str):  # (checked: 'valid', or 'same' at stride 1)
            _conv_padding("Conv1d", padding, (self.kernel_size,), (self.dilation,), (self.stride,))
            self.padding = padding
        else:
            self.padding = _one("Conv1d padding", padding, 0)
        self.bias = bias
        self.w_init, self.b_init = _init.get(init), _init.get(bias_init)

    def init_params(self, rng):
        shape = (self.out_channels, self.in_channels // self.groups, self.kernel_size)
        p = {"W": self.w_init(shape, rng)}
        if self.has_bias:
            p["b"] = self.b_init((self.out_channels,), rng)
        return p

    def apply(self, params, x):
        shape = tuple(np.shape(concrete(x)))
        if len(shape) == 2 and shape[0] == self.in_channels:  # unbatched (C, L), as PyTorch
            return _ops.squeeze(self.apply(params, _ops.expand_dims(x, 0)), 0)
        if len(shape) != 3 or shape[1] != self.in_channels:
            raise ValueError(f"Conv1d({self.in_channels}, {self.out_channels}): input of shape "
                             f"{shape} must be (N, {self.in_channels}, L) or "
                             f"({self.in_channels}, L)")
        span = (self.kernel_size - 1) * self.dilation + 1
        pads = _conv_padding("Conv1d", self.padding, (self.kernel_size,), (self.dilation,),
                             (self.stride,))
        if self.padding_mode != "zeros":
            x = _torch_padding.conv_input_padded(x, pads, self.padding_mode)
            shape, pads = tuple(np.shape(concrete(x))), [(0, 0)]
        if shape[2] + sum(pads[0]) < span:
            raise ValueError(f"Conv1d: input length {shape[2]} (padded by {pads[0]}) is shorter "
                             f"than the kernel's span {span}")
        x, W = _promoted(x, params["W"])  # float32 data, float64 weights: as Linear and Conv2d
        y = _conv_general(x, W, (self.stride,), pads,
                          rhs_dilation=(self.dilation,), feature_group_count=self.groups)
        if "b" in params:
            y = y + _ops.reshape(params["b"], (self.out_channels, 1))
        return y

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"groups={self.groups}")


def _promoted(*arrays) -> list:
    """The arrays in their common dtype (NumPy's promotion), converted only where it differs
    (lax.conv_general_dilated takes one dtype, as JAX's)."""
    dts = [np.dtype(dtype_of(concrete(a))) for a in arrays]
    dt = np.result_type(*dts)
    return [a if d == dt else _ops.astype(a, dt) for a, d in zip(arrays, dts)]


def _lowest(dtype):
    """The padding that never wins a window's max: −inf for floats, the dtype's smallest
    integer for integers, False for bool (−inf would overflow an integer, and be True)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return False
    return np.iinfo(dt).min if dt.kind in "iu" else -np.inf


class _Pool1d(Module):
    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0):
        name = type(self).__name__
        self.kernel_size = _one(f"{name} kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else _one(f"{name} stride", stride, 1)
        self.padding = _one(f"{name} padding", padding, 0)
        if self.padding > self.kernel_size // 2:
            raise ValueError(f"{name}: padding should be at most half the kernel size "
                             f"({self.kernel_size}), got {self.padding}")

    def _windows(self, x, fill: float) -> list:
        """The k strided slices whose i-th entries make up the i-th window."""
        x, n = self._padded(x, fill)
        k, s = self.kernel_size, self.stride
        return [_ops.getitem(x, (Ellipsis, slice(j, j + s * (n - 1) + 1, s))) for j in range(k)]

    def _padded(self, x, fill: float):
        """``x`` padded by ``fill`` on both ends of its last axis, and the number of windows."""
        name = type(self).__name__
        shape = tuple(np.shape(concrete(x)))
        if len(shape) not in (2, 3):
            raise ValueError(f"{name}: input of shape {shape} must be (N, C, L) or (C, L)")
        k, s, p = self.kernel_size, self.stride, self.padding
        length = shape[-1] + 2 * p
        if length < k:
            raise ValueError(f"{name}: input length {shape[-1]} (padded by {p}) is shorter than "
                             f"the kernel size {k}")
        if p:
            x = _ops.pad(x, [(0, 0)] * (len(shape) - 1) + [(p, p)], constant_values=fill)
        return x, (length - k) // s + 1

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool1d):
    """Max pooling over windows of ``kernel_size`` along the last axis of (N, C, L) or (C, L)
    (PyTorch's ``nn.MaxPool1d``; stride defaults to the kernel size, padding counts as −inf).
    The gradient goes to the maximum of each window, the first one on ties (as PyTorch, and
    as :class:`MaxPool2d`): it is ``max_pool2d`` of windows k × 1. PyTorch's ``dilation``,
    ``return_indices`` and ``ceil_mode`` are those of :func:`tensorgrad.nn.max_pool1d`."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 dilation: int = 1, return_indices: bool = False, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding)
        self.dilation = _one("MaxPool1d dilation", dilation, 1)
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def apply(self, params, x):
        if self.dilation != 1 or self.return_indices or self.ceil_mode:
            return _torch_pooling.max_pool1d(x, self.kernel_size, self.stride, self.padding,
                                             self.dilation, self.ceil_mode, self.return_indices)
        x, _ = self._padded(x, _lowest(dtype_of(concrete(x))))
        unbatched = len(np.shape(concrete(x))) == 2
        x4 = _ops.expand_dims(_ops.expand_dims(x, 0) if unbatched else x, -1)  # (N, C, L, 1)
        y = _ops.max_pool2d(x4, (self.kernel_size, 1), stride=(self.stride, 1))
        y = _ops.getitem(y, (Ellipsis, 0))
        return _ops.getitem(y, 0) if unbatched else y


class AvgPool1d(_Pool1d):
    """Average pooling over windows of ``kernel_size`` along the last axis of (N, C, L) or
    (C, L) (PyTorch's ``nn.AvgPool1d``; with the default ``count_include_pad=True`` zero
    padding counts in the average). ``ceil_mode`` and ``count_include_pad=False`` are those
    of :func:`tensorgrad.nn.avg_pool1d`."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def apply(self, params, x):
        if self.ceil_mode or not self.count_include_pad:
            return _torch_pooling.avg_pool1d(x, self.kernel_size, self.stride, self.padding,
                                             self.ceil_mode, self.count_include_pad)
        # the mean of the k window slices, with np.mean's dtype rule (as avg_pool2d): integer
        # and bool input averages in float64, not summed in its own dtype (which wraps around)
        return _ops.mean(_ops.stack(self._windows(x, 0), axis=-1), axis=-1)
