"""PyTorch's pooling, unpooling and padding layers (``torch.nn.MaxPool3d`` ... ``CircularPad2d``)
as :class:`~tensorgrad.nn.layers.Module` s without parameters, with PyTorch's constructor
arguments. Each ``apply({}, x)`` calls the functional form of
:mod:`tensorgrad.nn.torch_pooling`, :mod:`tensorgrad.nn.torch_pooling_nd` or
:mod:`tensorgrad.nn.torch_padding`. (``MaxPool1d``/``AvgPool1d`` live in
:mod:`tensorgrad.nn.layers_more`, ``MaxPool2d``/``AvgPool2d`` in :mod:`tensorgrad.nn.layers`.)
"""
from __future__ import annotations

from .layers import Module
from .torch_padding import pad
from .torch_pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                            adaptive_max_pool2d, lp_pool1d, lp_pool2d)
from .torch_pooling_nd import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, lp_pool3d,
                               max_pool3d, max_unpool1d, max_unpool2d, max_unpool3d)

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
           "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


class _Layer(Module):
    """A parameter-free layer: a functional call with the arguments kept on the object."""

    _names: tuple = ()

    def _keep(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        self._names = tuple(kw)

    def extra_repr(self):
        return ", ".join(f"{k}={getattr(self, k)!r}" for k in self._names)


class MaxPool3d(_Layer):
    """``torch.nn.MaxPool3d``: :func:`~tensorgrad.nn.torch_pooling_nd.max_pool3d` as a layer."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        self._keep(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                   return_indices=return_indices, ceil_mode=ceil_mode)

    def apply(self, params, x):
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool3d(_Layer):
    """``torch.nn.AvgPool3d``: :func:`~tensorgrad.nn.torch_pooling_nd.avg_pool3d` as a layer."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        self._keep(kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad, divisor_override=divisor_override)

    def apply(self, params, x):
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)


class _AdaptiveAvg(_Layer):
    _fn = None

    def __init__(self, output_size):
        self._keep(output_size=output_size)

    def apply(self, params, x):
        return type(self)._fn(x, self.output_size)


class _AdaptiveMax(_Layer):
    _fn = None

    def __init__(self, output_size, return_indices: bool = False):
        self._keep(output_size=output_size, return_indices=return_indices)

    def apply(self, params, x):
        return type(self)._fn(x, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptiveAvg):
    """``torch.nn.AdaptiveAvgPool1d(output_size)``."""
    _fn = staticmethod(adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvg):
    """``torch.nn.AdaptiveAvgPool2d(output_size)`` (None in a pair keeps that size)."""
    _fn = staticmethod(adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvg):
    """``torch.nn.AdaptiveAvgPool3d(output_size)`` (None in a triple keeps that size)."""
    _fn = staticmethod(adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptiveMax):
    """``torch.nn.AdaptiveMaxPool1d(output_size, return_indices=False)``."""
    _fn = staticmethod(adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMax):
    """``torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False)``."""
    _fn = staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMax):
    """``torch.nn.AdaptiveMaxPool3d(output_size, return_indices=False)``."""
    _fn = staticmethod(adaptive_max_pool3d)


class _LPPool(_Layer):
    _fn = None

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        self._keep(norm_type=norm_type, kernel_size=kernel_size, stride=stride,
                   ceil_mode=ceil_mode)

    def apply(self, params, x):
        return type(self)._fn(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPool):
    """``torch.nn.LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)``."""
    _fn = staticmethod(lp_pool1d)


class LPPool2d(_LPPool):
    """``torch.nn.LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)``."""
    _fn = staticmethod(lp_pool2d)


class LPPool3d(_LPPool):
    """``torch.nn.LPPool3d(norm_type, kernel_size, stride=None, ceil_mode=False)``."""
    _fn = staticmethod(lp_pool3d)


class _MaxUnpool(_Layer):
    """Takes two inputs, as PyTorch's: ``layer(x, indices, output_size=None)``, or
    ``layer.apply({}, x, indices, output_size)``."""
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0):
        self._keep(kernel_size=kernel_size, stride=stride, padding=padding)

    def apply(self, params, x, indices, output_size=None):
        return type(self)._fn(x, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def __call__(self, x, indices, output_size=None, params=None):
        return self.apply({} if params is None else params, x, indices, output_size)


class MaxUnpool1d(_MaxUnpool):
    """``torch.nn.MaxUnpool1d(kernel_size, stride=None, padding=0)``: call it on
    ``(x, indices)`` from ``max_pool1d(..., return_indices=True)``."""
    _fn = staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpool):
    """``torch.nn.MaxUnpool2d(kernel_size, stride=None, padding=0)``: call it on
    ``(x, indices)`` from ``max_pool2d(..., return_indices=True)``."""
    _fn = staticmethod(max_unpool2d)


class MaxUnpool3d(_MaxUnpool):
    """``torch.nn.MaxUnpool3d(kernel_size, stride=None, padding=0)``: call it on
    ``(x, indices)`` from ``max_pool3d(..., return_indices=True)``."""
    _fn = staticmethod(max_unpool3d)


# ---- padding ----------------------------------------------------------------------------------
class _Pad(_Layer):
    _mode, _nd = "constant", 1

    def __init__(self, padding):
        n = 2 * self._nd
        vals = (padding,) * n if isinstance(padding, int) and not isinstance(padding, bool) \
            else tuple(padding) if isinstance(padding, (tuple, list)) else None
        if vals is None or len(vals) != n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a sequence of "
                             f"{n} ints (last axis first), got {padding!r}")
        self._keep(padding=vals)

    def apply(self, params, x):
        return pad(x, self.padding, self._mode)


class _ConstantPad(_Pad):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value
        self._names = ("padding", "value")

    def apply(self, params, x):
        return pad(x, self.padding, "constant", self.value)


class ZeroPad1d(_Pad):
    """``torch.nn.ZeroPad1d(padding)``: zeros around the last axis."""
    _mode, _nd = "constant", 1


class ZeroPad2d(_Pad):
    """``torch.nn.ZeroPad2d(padding)``: zeros around the last two axes."""
    _mode, _nd = "constant", 2


class ZeroPad3d(_Pad):
    """``torch.nn.ZeroPad3d(padding)``: zeros around the last three axes."""
    _mode, _nd = "constant", 3


class ConstantPad1d(_ConstantPad):
    """``torch.nn.ConstantPad1d(padding, value)``: ``value`` around the last axis."""
    _mode, _nd = "constant", 1


class ConstantPad2d(_ConstantPad):
    """``torch.nn.ConstantPad2d(padding, value)``: ``value`` around the last two axes."""
    _mode, _nd = "constant", 2


class ConstantPad3d(_ConstantPad):
    """``torch.nn.ConstantPad3d(padding, value)``: ``value`` around the last three axes."""
    _mode, _nd = "constant", 3


class ReflectionPad1d(_Pad):
    """``torch.nn.ReflectionPad1d(padding)``: the last axis mirrored at its edges."""
    _mode, _nd = "reflect", 1


class ReflectionPad2d(_Pad):
    """``torch.nn.ReflectionPad2d(padding)``: the last two axes mirrored at their edges."""
    _mode, _nd = "reflect", 2


class ReflectionPad3d(_Pad):
    """``torch.nn.ReflectionPad3d(padding)``: the last three axes mirrored at their edges."""
    _mode, _nd = "reflect", 3


class ReplicationPad1d(_Pad):
    """``torch.nn.ReplicationPad1d(padding)``: the last axis extended by its edge entries."""
    _mode, _nd = "replicate", 1


class ReplicationPad2d(_Pad):
    """``torch.nn.ReplicationPad2d(padding)``: the last two axes extended by their edge entries."""
    _mode, _nd = "replicate", 2


class ReplicationPad3d(_Pad):
    """``torch.nn.ReplicationPad3d(padding)``: the last three axes extended by their edges."""
    _mode, _nd = "replicate", 3


class CircularPad1d(_Pad):
    """``torch.nn.CircularPad1d(padding)``: the last axis wrapped around."""
    _mode, _nd = "circular", 1


class CircularPad2d(_Pad):
    """``torch.nn.CircularPad2d(padding)``: the last two axes wrapped around."""
    _mode, _nd = "circular", 2


class CircularPad3d(_Pad):
    """``torch.nn.CircularPad3d(padding)``: the last three axes wrapped around."""
    _mode, _nd = "circular", 3
