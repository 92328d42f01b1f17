"""PyTorch's convolution layers that :mod:`tensorgrad.nn.layers` lacks: :class:`Conv3d`,
:class:`ConvTranspose1d`, :class:`ConvTranspose2d`, :class:`ConvTranspose3d`, :class:`Unfold`
and :class:`Fold`, with ``torch.nn``'s constructor arguments.

Each layer keeps its hyperparameters on the object and applies the functions of
:mod:`tensorgrad.nn.torch_conv` in a pure ``apply(params, x)``. The parameters are
``{"W": weight, "b": bias}`` (the names of :class:`~tensorgrad.nn.Conv1d` and
:class:`~tensorgrad.nn.Conv2d`), with PyTorch's shapes and PyTorch's default initialization:
weight and bias uniform in ±1/√fan_in, fan_in = ``W.shape[1]`` × the kernel's size (for the
transposed layers too, as PyTorch does).
"""
from __future__ import annotations

import math

import numpy as np

from . import torch_conv as _F
from ..tensor import concrete
from .layers import Module
from .param_alias import ParamAttr
from .torch_padding import check_padding_mode, conv_input_padded

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Unfold", "Fold"]


def _channels(name: str, in_channels, out_channels, groups) -> tuple:
    for what, v in (("in_channels", in_channels), ("out_channels", out_channels),
                     ("groups", groups)):
        if not _F._is_int(v) or v < 1:
            raise ValueError(f"{name}: {what} must be a positive integer, got {v!r}")
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                         f"must be divisible by groups ({groups})")
    return int(in_channels), int(out_channels), int(groups)


def _padding_mode(name: str, padding_mode, transposed: bool) -> str:
    if transposed and padding_mode != "zeros":  # (as PyTorch: transposed layers pad with zeros)
        raise ValueError(f"{name}: padding_mode {padding_mode!r} is not supported (only 'zeros')")
    return check_padding_mode(name, padding_mode)


class _ConvNd(Module):
    _nd = 0
    _transposed = False
    weight = ParamAttr("W")  # (PyTorch's names for W and b: the same arrays, same layout)
    bias = ParamAttr("b", flag=True)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 output_padding=0):
        name, nd = type(self).__name__, self._nd
        self.in_channels, self.out_channels, self.groups = _channels(
            name, in_channels, out_channels, groups)
        self.kernel_size = _F._ints(name, "kernel_size", kernel_size, nd, 1)
        self.stride = _F._ints(name, "stride", stride, nd, 1)
        self.dilation = _F._ints(name, "dilation", dilation, nd, 1)
        if isinstance(padding, str) and not self._transposed:
            _F._conv_padding(name, padding, self.kernel_size, self.dilation, self.stride)
            self.padding = padding
        else:
            self.padding = _F._ints(name, "padding", padding, nd, 0)
        self.output_padding = _F._ints(name, "output_padding", output_padding, nd, 0)
        if any(o >= s and o >= d for o, s, d in zip(self.output_padding, self.stride,
                                                   self.dilation)):
            raise ValueError(f"{name}: output_padding {self.output_padding} must be smaller than "
                             f"either stride {self.stride} or dilation {self.dilation}")
        self.bias = bool(bias)
        self.padding_mode = _padding_mode(name, padding_mode, self._transposed)

    def weight_shape(self) -> tuple:
        """The weight's shape: (C_out, C_in/groups, *k), transposed (C_in, C_out/groups, *k)."""
        if self._transposed:
            return (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        return (self.out_channels, self.in_channels // self.groups) + self.kernel_size

    def init_params(self, rng):
        shape = self.weight_shape()
        bound = 1.0 / math.sqrt(math.prod(shape[1:]))
        p = {"W": rng.uniform(-bound, bound, size=shape)}
        if self.has_bias:
            p["b"] = rng.uniform(-bound, bound, size=(self.out_channels,))
        return p

    def _check_input(self, x):
        shape = _F._shape(x)
        nd = self._nd
        if len(shape) not in (nd + 1, nd + 2) or shape[-nd - 1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}({self.in_channels}, {self.out_channels}): "
                             f"input of shape {shape} must be (N, {self.in_channels}, *spatial) "
                             f"or ({self.in_channels}, *spatial) with {nd} spatial axes")

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}, padding={self.padding}")
        if self._transposed and any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.has_bias else ", bias=False")


class Conv3d(_ConvNd):
    """3-d convolution over (N, C_in, D, H, W) or (C_in, D, H, W) volumes (``torch.nn.Conv3d``):
    weight (out_channels, in_channels/groups, kd, kh, kw), bias (out_channels,);
    ``padding`` an int, a triple, ``'valid'`` or ``'same'``."""

    _nd = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode)

    def apply(self, params, x):
        self._check_input(x)
        padding = self.padding
        if self.padding_mode != "zeros":
            x = conv_input_padded(x, _F._conv_padding("Conv3d", padding, self.kernel_size,
                                                      self.dilation, self.stride),
                                  self.padding_mode)
            padding = 0
        return _F.conv3d(x, params["W"], params.get("b"), self.stride, padding,
                         self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding)

    def apply(self, params, x, output_size=None):
        """The transposed convolution; ``output_size`` (PyTorch's: the spatial sizes, or with
        the batch and channel sizes in front) picks the ``output_padding`` that gives it."""
        self._check_input(x)
        op = self.output_padding if output_size is None else self._padding_for(x, output_size)
        return type(self)._fn(x, params["W"], params.get("b"), self.stride, self.padding,
                              op, self.groups, self.dilation)

    def __call__(self, x, output_size=None, params=None):
        if isinstance(output_size, dict):  # tensorgrad's layer(x, params)
            output_size, params = None, output_size
        return self.apply(self._called(x) if params is None else params, x, output_size)

    def _padding_for(self, x, output_size) -> tuple:
        nd, name = self._nd, type(self).__name__
        size = [int(v) for v in (output_size.tolist() if hasattr(output_size, "tolist") else output_size)]
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ValueError(f"{name}: output_size must have {nd} or {nd + 2} elements (got "
                             f"{len(size)})")
        spatial = np.shape(concrete(x))[-nd:]
        pads = []
        for i, (n, want) in enumerate(zip(spatial, size)):
            k, s, p, d = self.kernel_size[i], self.stride[i], self.padding[i], self.dilation[i]
            low = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not low <= want <= low + s - 1:
                raise ValueError(f"{name}: requested an output size of {size}, but valid sizes "
                                 f"range from {low} to {low + s - 1} on axis {i} (for an input "
                                 f"of spatial size {tuple(spatial)})")
            pads.append(want - low)
        return tuple(pads)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution (``torch.nn.ConvTranspose1d``): weight
    (in_channels, out_channels/groups, k); see :func:`tensorgrad.nn.conv_transpose1d`."""

    _nd = 1
    _fn = staticmethod(_F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution (``torch.nn.ConvTranspose2d``): weight
    (in_channels, out_channels/groups, kh, kw); see :func:`tensorgrad.nn.conv_transpose2d`."""

    _nd = 2
    _fn = staticmethod(_F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution (``torch.nn.ConvTranspose3d``): weight
    (in_channels, out_channels/groups, kd, kh, kw); see :func:`tensorgrad.nn.conv_transpose3d`."""

    _nd = 3
    _fn = staticmethod(_F.conv_transpose3d)


class Unfold(Module):
    """Sliding blocks as columns (``torch.nn.Unfold``): :func:`tensorgrad.nn.unfold` with the
    layer's ``kernel_size``, ``dilation``, ``padding`` and ``stride``."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        self.kernel_size, self.dilation, self.padding, self.stride = _F._window_args(
            "Unfold", kernel_size, dilation, padding, stride)

    def apply(self, params, x):
        return _F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns back into an image, overlaps summed (``torch.nn.Fold``):
    :func:`tensorgrad.nn.fold` with the layer's ``output_size`` and window arguments."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        self.output_size = _F._ints("Fold", "output_size", output_size, 2, 1)
        self.kernel_size, self.dilation, self.padding, self.stride = _F._window_args(
            "Fold", kernel_size, dilation, padding, stride)

    def apply(self, params, x):
        return _F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding,
                       self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
