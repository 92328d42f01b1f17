"""PyTorch's activation layers as classes (``tg.nn.ReLU()``, ``tg.nn.Softmax(dim=1)``, ...).

Each is an :class:`~tensorgrad.nn.layers.Activation`: an elementwise function as a layer,
with no parameters. As classes they answer ``isinstance(m, tg.nn.ReLU)`` and can be
subclassed, as PyTorch's. Each takes PyTorch's constructor arguments, and ``inplace=`` is
accepted as in :mod:`tensorgrad.nn.inplace` (tensorgrad never writes into a layer's input).
"""
from __future__ import annotations

from typing import Callable

from .. import ops as _ops
from . import functional as _functional
from . import torch_layers as _torch_layers
from .inplace import check as _check_inplace  # (PyTorch's inplace=: accepted, a bool)
from .layers import Activation, scaled_softplus

__all__ = ["ReLU", "Tanh", "Sigmoid", "LeakyReLU", "GELU", "Softplus", "Identity", "ELU", "CELU",
           "SELU", "SiLU", "Mish", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish", "Softsign",
           "LogSigmoid", "Softmax", "LogSoftmax"]


class _Named(Activation):
    """An activation computed by ``fn``, shown under ``name`` and PyTorch's arguments."""

    def _set(self, name: str, fn: str | Callable, shown: str = "") -> None:
        Activation.__init__(self, fn)
        self.name, self._shown = name, shown

    def extra_repr(self) -> str:
        return self._shown


class _Plain(_Named):
    """An activation with no argument but PyTorch's ``inplace``."""
    _op = "relu"

    def __init__(self, inplace: bool = False):
        _check_inplace(type(self).__name__, inplace)
        self._set(self._op, self._op)


class _NoArgs(_Named):
    """An activation with no argument at all (PyTorch's Tanh, Sigmoid, ...)."""
    _op = "tanh"

    def __init__(self):
        self._set(self._op, self._op)


class ReLU(_Plain):
    """The ``relu`` activation as a layer (``torch.nn.ReLU``)."""
    _op = "relu"


class Tanh(_NoArgs):
    """The ``tanh`` activation as a layer."""
    _op = "tanh"


class Sigmoid(_NoArgs):
    """The ``sigmoid`` activation as a layer."""
    _op = "sigmoid"


class SELU(_Plain):
    """The ``selu`` activation as a layer."""
    _op = "selu"


class SiLU(_Plain):
    """The ``silu`` (swish) activation as a layer."""
    _op = "silu"


class Mish(_Plain):
    """The ``mish`` activation as a layer."""
    _op = "mish"


class ReLU6(_Plain):
    """The ``relu6`` activation as a layer."""
    _op = "relu6"


class Hardsigmoid(_Plain):
    """The ``hard_sigmoid`` activation as a layer."""
    _op = "hard_sigmoid"


class Hardswish(_Plain):
    """The ``hard_silu`` (hard swish) activation as a layer."""
    _op = "hard_silu"


class Softsign(_NoArgs):
    """The ``soft_sign`` activation as a layer."""
    _op = "soft_sign"


class LogSigmoid(_NoArgs):
    """The ``log_sigmoid`` activation as a layer."""
    _op = "log_sigmoid"


class Identity(_Named):
    """The ``identity`` activation as a layer. Any arguments are ignored, as PyTorch's
    ``nn.Identity`` ignores them."""

    def __init__(self, *args, **kwargs):
        self._set("identity", "identity")


class GELU(_Named):
    """GELU as a layer, as ``torch.nn.GELU``: exact x·Φ(x) by default, the tanh formula with
    ``approximate="tanh"``."""

    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        shown = "" if approximate == "none" else "approximate='tanh'"
        if approximate == "none":
            self._set("gelu", "gelu", shown)
        else:
            self._set("gelu(tanh)", lambda x: _ops.gelu(x, approximate=True), shown)


class Softplus(_Named):
    """softplus as a layer, as ``torch.nn.Softplus``: log(1 + e^(βx))/β, and x itself where
    βx > ``threshold``. The defaults give the ``softplus`` activation (log(1 + eˣ) everywhere;
    above 20 the two agree to 2e-9)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        beta, threshold = float(beta), float(threshold)
        if beta == 0 or beta != beta:  # (negative: PyTorch's, −softplus of −x scaled)
            raise ValueError(f"Softplus: beta must be non-zero (the formula divides by it), got {beta}")
        shown = f"beta={beta}, threshold={threshold}"
        if beta == 1.0 and threshold == 20.0:
            self._set("softplus", "softplus", shown)
        else:
            self._set(f"softplus(beta={beta}, threshold={threshold})",
                      lambda x: scaled_softplus(x, beta, threshold), shown)


class ELU(_Named):
    """``elu`` with ``alpha``, as a layer (PyTorch's ``nn.ELU``)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        _check_inplace("ELU", inplace)
        self._set(f"elu({alpha})", lambda x: _ops.elu(x, alpha), f"alpha={alpha}")


class CELU(_Named):
    """``celu`` with ``alpha``, as a layer."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        _check_inplace("CELU", inplace)
        self._set(f"celu({alpha})", lambda x: _ops.celu(x, alpha), f"alpha={alpha}")


class Hardtanh(_Named):
    """x clipped to [min_val, max_val] as a layer, as PyTorch's ``nn.Hardtanh``: the slope is 1
    strictly inside and 0 elsewhere, at the corners too as in PyTorch (the function
    ``tg.nn.hard_tanh`` follows JAX's, whose slope at ±1 is 1)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None):
        _check_inplace("Hardtanh", inplace)
        # (min_value, max_value: PyTorch's deprecated names, which win when given, as there)
        lo = float(min_val if min_value is None else min_value)
        hi = float(max_val if max_value is None else max_value)
        if not lo < hi:
            raise ValueError(f"Hardtanh: min_val must be below max_val, got {lo} and {hi}")
        self._set(f"hardtanh({lo}, {hi})", lambda x: _torch_layers.hardtanh(x, lo, hi),
                  f"min_val={lo}, max_val={hi}")


class LeakyReLU(_Named):
    """Leaky ReLU with slope ``negative_slope`` below 0, as a layer."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        _check_inplace("LeakyReLU", inplace)
        self._set(f"leaky_relu({negative_slope})",
                  lambda x: _ops.leaky_relu(x, negative_slope), f"negative_slope={negative_slope}")


class _SoftmaxLayer(_Named):
    _fn = "softmax"

    def __init__(self, dim: int | None = None, *, axis: int | None = None):
        name, fn = type(self).__name__, self._fn
        if dim is not None and axis is not None and dim != axis:
            raise ValueError(f"{name}: dim={dim} and axis={axis} disagree; give one of them")
        if dim is None and axis is None:  # PyTorch's implicit choice when called (warned)
            self._set(fn, lambda x: getattr(_functional, fn)(x, None, _stacklevel=7), "dim=None")
            return
        axis = int(axis if dim is None else dim)
        self._set(f"{fn}(axis={axis})", lambda x: getattr(_ops, fn)(x, axis=axis), f"dim={axis}")


class Softmax(_SoftmaxLayer):
    """``softmax`` over ``dim`` (PyTorch's name; ``axis=`` is accepted too) as a layer (its
    Jacobian is ``diag(p) − p pᵀ`` per row). Without either, PyTorch's deprecated implicit
    choice with its warning: axis 0 for 0-, 1- and 3-d input, else axis 1."""
    _fn = "softmax"


class LogSoftmax(_SoftmaxLayer):
    """``log_softmax`` over ``dim`` (or ``axis=``) as a layer; without either, PyTorch's
    implicit choice, as :class:`Softmax`."""
    _fn = "log_softmax"
