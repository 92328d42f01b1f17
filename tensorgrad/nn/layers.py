"""Layers with a functional core.

A model is two things: its parameters, a pytree of arrays (dicts and lists),
and a pure function ``apply(params, x)``. Because ``apply`` is an ordinary
tensorgrad function of ``params``, every transform works on it directly:
``tg.grad(loss)(params, ...)``, ``tg.jacrev(model.apply)(params, x)``,
``tg.hessian``.

:class:`Module` is a light convenience on top: a layer object holds its
hyperparameters (sizes, stride, ...), ``init(seed)`` creates (and remembers)
its parameters, ``model(x)`` applies the remembered ones, and
``parameters()`` / ``named_parameters()`` list them. Nothing is hidden:
``model.params`` is the same pytree ``apply`` takes.

Conventions: the book's row-vector form for dense layers, ``y = x @ W + b``
with ``W`` of shape (in, out); images are NCHW and convolution weights OIHW.
"""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np

from .. import ops as _ops
from ..ops._util import on_a_trace
from ..staging import check as _staged_check, is_staged
from ..imperative import tensor
from ..tensor import concrete, traced_level
from .. import random as _random
from . import init as _init
from . import torch_conv as _torch_conv
from . import torch_layers as _torch_layers
from . import torch_padding as _torch_padding
from . import torch_pooling_nd as _torch_pool
from .param_alias import ParamAttr
from .param_owners import frozen_changed
from .sequential_ops import SequentialArithmetic
from .module import Module, check_unshared, children_repr, count_parameters, named_parameters

__all__ = ["Module", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Activation",
           "LayerNorm", "Embedding", "PReLU", "Sequential", "named_parameters", "count_parameters",
           "activation"]


def _check_positive(name: str, **values):
    for k, v in values.items():
        if not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"{name}: {k} must be a positive integer, got {v!r}")


def _no_weight(layer) -> AttributeError:
    """PyTorch's weight is W's transpose: not handed out (a write through it could not reach W)."""
    return AttributeError(
        f"{type(layer).__name__} has no 'weight': tensorgrad's Linear keeps W of shape "
        f"(in_features, out_features) = {(layer.in_features, layer.out_features)} for x @ W + b, "
        "PyTorch's weight (out_features, in_features) transposed; use linear.W (nn.init's functions "
        "fill it with PyTorch's fans; to copy a PyTorch weight, copy its transpose)")


class _TransposedWeight:
    def __get__(self, obj, cls=None):  # (on a raise, Python asks Linear.__getattr__: the same)
        return self if obj is None else Linear.__getattr__(obj, "weight")

    def __set__(self, obj, value):
        raise _no_weight(obj)


class Linear(Module):
    """Dense layer ``y = x @ W + b``, W of shape (in_features, out_features)."""

    W, in_out_params = ParamAttr("W"), ("W",)  # (itself, as conv.weight; nn.init: fans (in, out))
    bias = ParamAttr("b", flag=True)  # (PyTorch's name for b; W is (in, out): no weight)
    weight = _TransposedWeight()

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str | Callable = "xavier_uniform", bias_init: str | Callable = "zeros"):
        _check_positive("Linear", in_features=in_features, out_features=out_features)
        self.in_features, self.out_features, self.bias = int(in_features), int(out_features), bias
        self.w_init, self.b_init = _init.get(init), _init.get(bias_init)

    def __getattr__(self, name: str):
        if name == "weight" and "in_features" in self.__dict__:
            raise _no_weight(self)
        return super().__getattr__(name)

    def init_params(self, rng):
        p = {"W": self.w_init((self.in_features, self.out_features), rng)}
        if self.has_bias:
            p["b"] = self.b_init((self.out_features,), rng)
        return p

    def apply(self, params, x):
        shape = np.shape(concrete(x))
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input of shape "
                             f"{shape} must end in {self.in_features} features")
        y = x @ params["W"]
        return y + params["b"] if "b" in params else y

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.has_bias}"


def _pair(v, name, low: int = 1):
    """An int, or a pair of ints (height, width), checked ≥ ``low``: the int when both are
    equal, else the pair."""
    pair = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if (len(pair) != 2
            or not all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pair)):
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    if min(pair) < low:
        raise ValueError(f"{name} must be >= {low}, got {v!r}")
    return int(pair[0]) if pair[0] == pair[1] else (int(pair[0]), int(pair[1]))


def _two(v) -> tuple:
    return v if isinstance(v, tuple) else (v, v)


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every DL library) over NCHW images.

    ``y = conv2d(x, W, stride, padding) + b`` with W of shape
    (out_channels, in_channels/groups, k, k): :func:`tensorgrad.nn.conv2d` (PyTorch's
    signature), which without ``dilation`` or ``groups`` is the op ``tg.conv2d``, with its
    own VJP and JVP rules (a transposed convolution and the convolution of the tangent).
    ``kernel_size``, ``stride``, ``dilation`` and ``padding`` are ints or (height, width)
    pairs; ``padding`` also ``'valid'`` or ``'same'`` (stride 1; PyTorch's split, the odd unit
    on the right); ``dilation`` spaces the kernel's taps and ``groups`` splits the channels
    into independent blocks; ``padding_mode`` (``'zeros'``, ``'reflect'``, ``'replicate'``,
    ``'circular'``) is how the input is padded, as ``torch.nn.Conv2d``.
    """

    weight = ParamAttr("W")  # (PyTorch's names for W and b: the same arrays, same layout)
    bias = ParamAttr("b", flag=True)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int | str = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", init: str | Callable = "he_normal",
                 bias_init: str | Callable = "zeros"):  # (PyTorch's positional order)
        _check_positive("Conv2d", in_channels=in_channels, out_channels=out_channels,
                        groups=groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = int(groups)
        self.kernel_size = _pair(kernel_size, "Conv2d kernel_size")
        self.stride, self.bias = _pair(stride, "Conv2d stride"), bias
        self.dilation = _pair(dilation, "Conv2d dilation")
        if isinstance(padding, str):  # (checked: 'valid', or 'same' at stride 1)
            _torch_conv._conv_padding("Conv2d", padding, _two(self.kernel_size),
                                      _two(self.dilation), _two(self.stride))
            self.padding = padding
        else:
            self.padding = _pair(padding, "Conv2d padding", low=0)
        self.padding_mode = _torch_padding.check_padding_mode("Conv2d", padding_mode)
        self.w_init, self.b_init = _init.get(init), _init.get(bias_init)

    def init_params(self, rng):
        k = _two(self.kernel_size)
        p = {"W": self.w_init((self.out_channels, self.in_channels // self.groups) + k, rng)}
        if self.has_bias:
            p["b"] = self.b_init((self.out_channels,), rng)
        return p

    def apply(self, params, x):
        padding = self.padding
        if self.padding_mode != "zeros":
            pairs = _torch_conv._conv_padding("Conv2d", padding, _two(self.kernel_size),
                                              _two(self.dilation), _two(self.stride))
            x, padding = _torch_padding.conv_input_padded(x, pairs, self.padding_mode), 0
        return _torch_conv.conv2d(x, params["W"], params.get("b"), stride=self.stride,
                                  padding=padding, dilation=self.dilation,
                                  groups=self.groups)

    def extra_repr(self):
        extra = (f", dilation={self.dilation}" if self.dilation != 1 else "") + \
            (f", groups={self.groups}" if self.groups != 1 else "")
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{extra}")


def _window(layer: str, what: str, v):
    """A pooling size or stride as PyTorch takes it (an int or a pair), one int when square."""
    k = _torch_pool._tuple(layer, what, v, 2, 1)
    return k[0] if k[0] == k[1] else k


class MaxPool2d(Module):
    """Max pooling over kh×kw windows, the gradient to the max: PyTorch's arguments, as
    :func:`tensorgrad.nn.torch_pooling_nd.max_pool2d` (plain windows run the op)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        self.kernel_size = _window("MaxPool2d", "kernel_size", kernel_size)
        self.stride = None if stride is None else _window("MaxPool2d", "stride", stride)
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def apply(self, params, x):
        return _torch_pool.max_pool2d(x, self.kernel_size, self.stride, self.padding,
                                      self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Average pooling over kh×kw windows, a linear map: PyTorch's arguments, as
    :func:`tensorgrad.nn.torch_pooling_nd.avg_pool2d` (plain windows run the op)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        self.kernel_size = _window("AvgPool2d", "kernel_size", kernel_size)
        self.stride = None if stride is None else _window("AvgPool2d", "stride", stride)
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override

    def apply(self, params, x):
        return _torch_pool.avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                                      self.ceil_mode, self.count_include_pad,
                                      self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Flatten(Module):
    """Axes ``start_dim`` … ``end_dim`` merged into one (PyTorch's ``nn.Flatten``; by default
    (batch, ...) → (batch, features)): a reshape, whose VJP is the reshape back."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def apply(self, params, x):
        shape = np.shape(concrete(x))
        n = len(shape)
        lo = self.start_dim + n if self.start_dim < 0 else self.start_dim
        hi = self.end_dim + n if self.end_dim < 0 else self.end_dim
        if not (0 <= lo < max(n, 1) and 0 <= hi < max(n, 1)) or lo > hi:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}): "
                             f"input of shape {shape} has no such axes")
        if n == 0:
            return _ops.reshape(x, (1,))
        return _ops.reshape(x, shape[:lo] + (int(np.prod(shape[lo:hi + 1], dtype=int)),) + shape[hi + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _exact_gelu(x):
    """x·Φ(x), exact: the GELU layer follows torch.nn.GELU (tg.nn.gelu, jax.nn.gelu's tanh
    form by default)."""
    return _ops.gelu(x, approximate=False)


_ACTIVATIONS: dict[str, Callable] = {
    "relu": _ops.relu, "tanh": _ops.tanh, "sigmoid": _ops.sigmoid, "gelu": _exact_gelu,
    "softplus": _ops.softplus, "leaky_relu": _ops.leaky_relu, "identity": lambda x: x,
    "elu": _ops.elu, "celu": _ops.celu, "selu": _ops.selu, "silu": _ops.silu, "swish": _ops.silu,
    "mish": _ops.mish, "relu6": _ops.relu6, "hard_tanh": _ops.hard_tanh,
    "hard_sigmoid": _ops.hard_sigmoid, "hard_silu": _ops.hard_silu, "hard_swish": _ops.hard_silu,
    "soft_sign": _ops.soft_sign, "log_sigmoid": _ops.log_sigmoid,
}


def activation(name: str | Callable) -> Callable:
    """An activation function from its name (relu, tanh, sigmoid, gelu, softplus, leaky_relu,
    identity, elu, celu, selu, silu/swish, mish, relu6, hard_tanh, hard_sigmoid,
    hard_silu/hard_swish, soft_sign, log_sigmoid)."""
    if callable(name):
        return name
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}") from None


class Activation(Module):
    """An elementwise activation as a layer (its Jacobian is diagonal)."""

    def __init__(self, fn: str | Callable = "relu"):
        self.name = fn if isinstance(fn, str) else getattr(fn, "__name__", "fn")
        self.fn = activation(fn)

    def apply(self, params, x):
        return self.fn(x)

    def extra_repr(self):
        return self.name


def scaled_softplus(x, beta: float, threshold: float):
    """PyTorch's softplus: ``log(1 + e^(βx))/β``, and ``x`` itself where ``βx > threshold``."""
    with np.errstate(over="ignore"):  # (βx = ±inf past the largest float: x, or softplus 0)
        bx = x * beta
    return _ops.where(_ops.greater(bx, threshold), x, _ops.softplus(bx) / beta)


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` axes (PyTorch's
    ``nn.LayerNorm``): ``(x − mean) / √(var + eps) · weight + bias``, with the biased
    variance; ``weight`` starts at ones and ``bias`` at zeros."""

    weight = ParamAttr("weight")  # (PyTorch's attribute names for the parameters)
    bias = ParamAttr("bias", flag=True)

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True):
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        _check_positive("LayerNorm", **{f"normalized_shape[{i}]": n for i, n in enumerate(shape)})
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine, self.bias = float(eps), elementwise_affine, bias

    def init_params(self, rng):
        if not self.elementwise_affine:
            return {}
        p = {"weight": np.ones(self.normalized_shape)}
        if self.has_bias:
            p["bias"] = np.zeros(self.normalized_shape)
        return p

    @property
    def has_parameters(self) -> bool:
        return self.elementwise_affine

    def apply(self, params, x):
        shape = np.shape(concrete(x))
        k = len(self.normalized_shape)
        if tuple(shape[len(shape) - k:]) != self.normalized_shape:
            raise ValueError(f"LayerNorm{self.normalized_shape}: input of shape {shape} must end "
                             f"in {self.normalized_shape}")
        axes = tuple(range(-k, 0))
        mean = _ops.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = _ops.mean(centered * centered, axis=axes, keepdims=True)
        y = centered / _ops.sqrt(var + self.eps)
        if params:
            y = y * params["weight"]
            if "bias" in params:
                y = y + params["bias"]
        return y

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` (``num_embeddings × embedding_dim``) for each
    integer id ``i`` in the input (PyTorch's ``nn.Embedding``; rows start N(0, 1)). The
    gradient of the table is a scatter-add of the rows' cotangents. With ``padding_idx``
    (negative: from the end) that row starts at zero and gets no gradient, as PyTorch's;
    ``max_norm`` and ``scale_grad_by_freq`` are not supported, ``sparse`` changes nothing."""

    weight = ParamAttr("weight")  # (PyTorch's attribute name)

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, *,
                 init: str | Callable | None = None):
        _check_positive("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("Embedding: max_norm (PyTorch renormalizes rows in place) "
                                      "and scale_grad_by_freq are not supported")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= int(padding_idx) < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{self.num_embeddings} embeddings")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        self.w_init = _init.get(init) if init is not None else None

    def init_params(self, rng):
        given = self.__dict__.get("_pretrained")
        if given is not None:  # from_pretrained: a copy of the table given
            return {"weight": tensor(np.array(given[0])) if given[1] else np.array(given[0])}
        shape = (self.num_embeddings, self.embedding_dim)
        w = self.w_init(shape, rng) if self.w_init else rng.normal(size=shape)
        if self.padding_idx is not None:
            w = np.array(w)
            w[self.padding_idx] = 0.0
        return {"weight": w}

    def apply(self, params, x):
        ids = x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)
        if np.dtype(ids.dtype).kind not in "iu":
            raise TypeError(f"Embedding: ids must be integers, got dtype {ids.dtype} "
                            f"(shape {tuple(ids.shape)})")
        v = concrete(ids)
        if not on_a_trace(ids) or is_staged(v):  # checked again at every replay under tg.jit:
            _staged_check(self._check_ids, v)     # NumPy would wrap a negative id around
        if self.padding_idx is not None:
            return _torch_layers.embedding(ids, params["weight"], padding_idx=self.padding_idx)
        return _ops.getitem(params["weight"], ids)  # (a traced id array works under tg.jit)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """PyTorch's: an Embedding whose table is a copy of the 2-D ``embeddings`` (the
        ``padding_idx`` row as given; ``init(seed)`` starts from it again). ``freeze=True`` (the
        default) keeps it as a tensor that does not require grad, so a PyTorch-form optimizer
        leaves it alone, also after the model's ``requires_grad_()`` (the Embedding's own
        ``requires_grad_()`` unfreezes it); under ``tg.grad`` every parameter is
        differentiated, so leave it out of the pytree you differentiate to freeze it there."""
        if traced_level(embeddings) > 0:
            raise TypeError("Embedding.from_pretrained: the table is a value traced by a "
                            "transform; a pretrained table is a constant: pass its array")
        w = np.array(concrete(embeddings))
        if w.ndim != 2 or w.dtype.kind not in "fc":
            raise ValueError(f"Embedding.from_pretrained: embeddings must be a 2-D floating array, "
                             f"got shape {w.shape} and dtype {w.dtype}")
        m = cls(w.shape[0], w.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)
        m._pretrained = (w, bool(freeze))  # (init(seed) starts from it again, not from a draw)
        m._frozen = bool(freeze)  # (a model's requires_grad_() leaves it frozen)
        frozen_changed()
        m.params = m.init_params(None)
        if not freeze:  # (a parameter that requires grad, as PyTorch's: also used on its own)
            m.params = {"weight": tensor(m.params["weight"], requires_grad=True)}
        return m

    def _check_ids(self, v):
        v = np.asarray(v)
        bad = v[(v < 0) | (v >= self.num_embeddings)]
        if bad.size:
            raise IndexError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): id "
                             f"{int(bad.flat[0])} is out of range 0..{self.num_embeddings - 1}")

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class PReLU(Module):
    """Leaky ReLU with a learned slope (PyTorch's ``nn.PReLU``): one slope, or one per channel
    (axis 1) with ``num_parameters = C``; the slopes start at ``init``."""

    weight = ParamAttr("weight")  # (PyTorch's attribute name)

    def __init__(self, num_parameters: int = 1, init: float = 0.25):
        _check_positive("PReLU", num_parameters=num_parameters)
        self.num_parameters, self.init_value = int(num_parameters), float(init)

    def init_params(self, rng):
        return {"weight": np.full((self.num_parameters,), self.init_value)}

    def apply(self, params, x):
        slope = params["weight"]
        shape = np.shape(concrete(x))
        if self.num_parameters > 1:
            if len(shape) < 2 or shape[1] != self.num_parameters:
                raise ValueError(f"PReLU({self.num_parameters}): input of shape {shape} must have "
                                 f"{self.num_parameters} channels on axis 1")
            slope = _ops.reshape(slope, (self.num_parameters,) + (1,) * (len(shape) - 2))
        else:  # one slope: a scalar, so the output keeps x's shape (a 0-d x stays 0-d)
            slope = _ops.reshape(slope, ())
        return _ops.where(x > 0, x, slope * x)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


def _int_index(who: str, index) -> None:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"{who}: index must be an int, got {type(index).__name__}")


def _position(who: str, index, n: int) -> int:
    """A list index in range(n) from a Python int (negative counts from the end)."""
    _int_index(who, index)
    if not -n <= index < n:
        raise IndexError(f"{who}: index {index} is out of range for {n} layers")
    return int(index) % n


def _insert_at(who: str, index, n: int) -> int:
    """PyTorch's insert position: ``-n <= index <= n``, negative counting from the end."""
    _int_index(who, index)
    if not -n <= index <= n:
        raise IndexError(f"{who}: index {index} is out of range for {n} layers")
    return int(index) + n if index < 0 else int(index)


def _checked_layers(layers, who: str = "Sequential") -> list:
    layers = list(layers)
    for l in layers:
        if not isinstance(l, Module):
            raise TypeError(f"{who}: {l!r} is not a Module")
    return layers


class _LayerEdits:
    """PyTorch's list edits of a Module whose layers are the list ``self.layers`` (Sequential,
    ModuleList): each builds a new list and assigns it, so the parameters and jitted plans
    follow (``Module.__setattr__``). ``_kind`` names the class in messages."""

    _kind = "Sequential"

    def _edited(self, layers: list, moved: bool) -> None:
        """Take the edited list (``moved``: some layers changed position)."""
        self.layers = layers

    def _layer(self, module) -> Module:
        return _checked_layers([module], self._kind)[0]

    def insert(self, index: int, module: Module):
        """PyTorch's: ``module`` becomes the layer at ``index``."""
        layers = list(self.layers)
        layers.insert(_insert_at(f"{self._kind}.insert", index, len(layers)), self._layer(module))
        self._edited(layers, moved=True)
        return self

    def pop(self, index: int = -1) -> Module:
        """PyTorch's: remove and return the layer at ``index``."""
        layers = list(self.layers)
        m = layers.pop(_position(f"{self._kind}.pop", index, len(layers)))
        self._edited(layers, moved=True)
        return m

    def __setitem__(self, index: int, module: Module) -> None:
        layers = list(self.layers)
        layers[_position(self._kind, index, len(layers))] = self._layer(module)
        self._edited(layers, moved=False)

    def __delitem__(self, index) -> None:
        layers = list(self.layers)
        del layers[index if isinstance(index, slice) else _position(self._kind, index, len(layers))]
        self._edited(layers, moved=True)

    def _names(self) -> list[str]:
        return [str(i) for i in range(len(self.layers))]

    def add_module(self, name: str, module: Module) -> None:
        """PyTorch's, on a container of layers: ``module`` becomes the last layer (or replaces
        the layer named ``name``), so it runs and its parameters join the model's, as PyTorch's
        containers run every module they hold. A ModuleList numbers its layers; a Sequential
        keeps the name (``seq.add_module("fc", layer)``: ``"fc.W"`` in its state dict)."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{self._kind}.add_module: a name must be a non-empty string without "
                           f"dots, got {name!r}")
        names = self._names()
        if name in names:
            self[names.index(name)] = module
            return
        layer = self._layer(module)
        if self._kind == "Sequential" and name != str(len(names)):
            object.__setattr__(self, "layer_names", names + [name])
        self._edited(list(self.layers) + [layer], moved=False)

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        # a Module assigned as an attribute is one more layer, as in PyTorch's containers
        if isinstance(value, Module) and name[:1] != "_" and "layers" in self.__dict__:
            self.add_module(name, value)
            return
        super().__setattr__(name, value)


class Sequential(_LayerEdits, SequentialArithmetic, Module):
    """Layers applied in order. The parameters are a list with one entry per layer
    *that has parameters*, in order: ``MLP([64, 32, 10]).init()`` is
    ``[{"W", "b"}, {"W", "b"}]`` (the relu between them has none), so
    ``params[1]`` is the second Linear layer. :meth:`layer_params` pairs
    each layer with its entry. ``named_parameters()`` and ``state_dict()`` name the
    parameters by the layer's position, as PyTorch does (``"2.W"`` for that second Linear),
    as the buffers are named.

    A list with one entry for *every* layer (``{}`` or None for layers without
    parameters, the earlier layout) is accepted too.
    """

    def __init__(self, *layers: Module):
        names = None
        if len(layers) == 1 and isinstance(layers[0], dict):  # PyTorch's Sequential(OrderedDict)
            names, layers = [str(k) for k in layers[0]], tuple(layers[0].values())
            for n in names:
                if not n or "." in n:
                    raise KeyError(f"Sequential: a layer name must be a non-empty string without "
                                   f"dots, got {n!r}")
        elif len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers = _checked_layers(layers)
        if names is not None:
            self.layer_names = names

    def _names(self) -> list[str]:
        """The layers' names: PyTorch's positions, or the keys of the OrderedDict given."""
        names = self.__dict__.get("layer_names")
        return names if names is not None else [str(i) for i in range(len(self.layers))]

    def __getattr__(self, name: str):  # PyTorch's seq.conv1 for a layer named "conv1"
        names = self.__dict__.get("layer_names")
        if names is not None and name in names:
            return self.layers[names.index(name)]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def append(self, module: Module) -> "Sequential":
        """PyTorch's: ``module`` becomes the last layer (named by its position)."""
        return self.extend([module])

    def extend(self, modules) -> "Sequential":
        """PyTorch's: the modules become the last layers, each with its own parameters."""
        new = _checked_layers(modules)
        if self.__dict__.get("layer_names") is not None:
            self.layer_names = self.layer_names + [str(len(self.layers) + i) for i in range(len(new))]
        self.layers = self.layers + new  # (parameters made already: the new layers' join them)
        return self

    def _edited(self, layers: list, moved: bool) -> None:
        if moved:  # (PyTorch numbers the layers by position again)
            self.__dict__.pop("layer_names", None)
        self.layers = layers

    @property
    def has_parameters(self) -> bool:
        return any(l.has_parameters for l in self.layers)

    @property
    def stochastic(self) -> bool:
        return any(l.stochastic for l in self.layers)

    def named_children(self) -> list[tuple[str, Module]]:
        """``[("0", layer), ("1", layer), ...]``, as PyTorch names a Sequential's layers (or
        the names of the OrderedDict it was made from)."""
        return list(zip(self._names(), self.layers))

    def init_params(self, rng):
        return self._layout(lambda l: l.init_params(rng))

    def _layout(self, make, own=None):
        return [make(l) for l in self.layers if l.has_parameters]

    def _child_slots(self, params):
        if not isinstance(params, (list, tuple)):
            return []
        owners = [l for l in self.layers if l.has_parameters]
        if len(params) == len(self.layers):
            return [(i, l) for i, l in enumerate(self.layers) if l.has_parameters]
        return list(enumerate(owners)) if len(params) == len(owners) else []

    def layer_params(self, params) -> list:
        """``[(layer, its parameters or {}), ...]`` for every layer, in order."""
        owners = [l.has_parameters for l in self.layers]
        if len({id(l) for l, has in zip(self.layers, owners) if has}) < sum(owners):
            check_unshared(self, type(self).__name__)
        if not any(owners) and (params is None or isinstance(params, dict) and not params):
            return [(l, {}) for l in self.layers]  # (no parameters: the {} a parent hands down)
        if not isinstance(params, (list, tuple)) or len(params) not in (sum(owners), len(self.layers)):
            raise ValueError(f"{type(self).__name__}: expected a list of {sum(owners)} parameter entries "
                             f"(one per layer with parameters), got {type(params).__name__} of length "
                             f"{len(params) if hasattr(params, '__len__') else '?'}")
        if len(params) == len(self.layers):  # one entry per layer (the older layout), or all have some
            return [(l, p if p is not None else {}) for l, p in zip(self.layers, params)]
        it = iter(params)
        return [(l, next(it) if has else {}) for l, has in zip(self.layers, owners)]

    def _child_entries(self, params):
        try:
            pairs = self.layer_params(params)
        except ValueError:
            return None
        compact = len(params) != len(self.layers)
        return [(n, l, p) for n, (l, p) in zip(self._names(), pairs) if not compact or l.has_parameters]

    def _child_params(self, params):
        try:
            return self.layer_params(params)
        except ValueError:
            return []

    def apply(self, params, x, key=None):
        """The layers in order. With ``key``, the i-th layer that draws random numbers
        (Dropout) gets ``fold_in(key, i)``; without, each draws from its own stream."""
        for i, (layer, p) in enumerate(self.layer_params(params)):
            if key is not None and layer.stochastic:
                x = layer.apply(p, x, key=_random.fold_in(key, i))
            else:
                x = layer.apply(p, x)
        return x

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i) -> Module:
        if isinstance(i, slice):  # PyTorch's: a Sequential of those layers
            return Sequential(dict(zip(self._names()[i], self.layers[i])))
        return self.layers[i]

    def __repr__(self):
        return children_repr(type(self).__name__, self.named_children())
