"""PyTorch's Transformer layers: ``TransformerEncoderLayer``, ``TransformerDecoderLayer``, the
stacks ``TransformerEncoder`` / ``TransformerDecoder`` and the encoder-decoder ``Transformer``.

They are composites of :class:`~tensorgrad.nn.MultiheadAttention`,
:class:`~tensorgrad.nn.LayerNorm`, :class:`~tensorgrad.nn.Dropout` and a PyTorch-layout linear
map (weight (out, in)), so ``tg.grad``, ``tg.jvp``, ``tg.jacrev``, ``tg.vmap`` and ``tg.jit``
go through them.

One encoder layer (post-norm, PyTorch's default) is
``x = norm1(x + SA(x)); x = norm2(x + FF(x))`` and with ``norm_first=True``
``x = x + SA(norm1(x)); x = x + FF(norm2(x))``, where ``SA`` is self-attention followed by
``dropout1`` and ``FF(x) = dropout2(linear2(dropout(activation(linear1(x)))))``. A decoder
layer adds a cross-attention block on the encoder's output ``memory`` (``multihead_attn``,
``dropout2``, ``norm2``) between the two, its feed-forward block then using ``norm3`` and
``dropout3``.

Parameters: nested dicts (and, for the stacks, a list) whose ``tg.nn.named_parameters`` names
are PyTorch's ``state_dict`` names: ``self_attn.in_proj_weight``, ``self_attn.out_proj.bias``,
``linear1.weight`` (dim_feedforward, d_model), ``linear2.weight``, ``norm1.weight``, ... for a
layer; ``layers.0.linear1.weight`` ... and ``norm.weight`` (with a final ``norm``) for a stack;
``encoder.layers.0...``, ``encoder.norm.weight``, ``decoder.norm.bias`` for ``Transformer``.
Initialization is PyTorch's: the attention's own, U(±1/√in_features) for the linear maps'
weights and biases, ones and zeros for the norms. A stack repeats copies of its layer, so, as
in PyTorch, all its layers start with the same values; ``Transformer`` then redraws every
parameter with more than one axis from Xavier-uniform, as PyTorch's ``_reset_parameters``.

Calls take PyTorch's arguments: ``layer(src, src_mask=None, src_key_padding_mask=None,
is_causal=False)``, ``decoder_layer(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
memory_key_padding_mask, tgt_is_causal, memory_is_causal)``, ``encoder(src, mask,
src_key_padding_mask, is_causal)``, ``transformer(src, tgt, src_mask, tgt_mask, memory_mask,
src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask, src_is_causal,
tgt_is_causal, memory_is_causal)``; explicit parameters go by keyword (``params=p``) and the
pure form is ``apply(params, ...)`` with the same arguments. Shapes: (L, N, E), (N, L, E) with
``batch_first``, or unbatched (L, E). Masks as :class:`~tensorgrad.nn.MultiheadAttention`'s:
a boolean mask marks with True what may NOT be attended to, a float mask is added to the
logits; attention masks are (L, S) or (N·nhead, L, S), key padding masks (N, S).
``Transformer.generate_square_subsequent_mask(sz)`` is the causal float mask (−inf above the
diagonal). The ``*is_causal`` flags are PyTorch's hints that the matching mask is causal: the
mask is what is applied, so a hint needs its mask (None, the stacks' default, means no hint).

Dropout (``dropout > 0``, training mode, PyTorch's default mode; ``model.eval()`` turns it
off): with ``key=k`` (a ``tg.random`` key) every dropout site draws from a key folded from
``k``: in a layer the sites are numbered in the order they run (encoder: self-attention
weights 0, ``dropout1`` 1, ``dropout`` 2, ``dropout2`` 3; decoder: self-attention 0,
``dropout1`` 1, cross-attention 2, ``dropout2`` 3, ``dropout`` 4, ``dropout3`` 5) and site
``i`` uses ``fold_in(k, i)``; layer ``j`` of a stack gets ``fold_in(k, j)``, a Transformer's
encoder ``fold_in(k, 0)`` and decoder ``fold_in(k, 1)``. Without a key each site draws from
its own Dropout stream (seeded by the model's ``init(seed)``), as
:class:`~tensorgrad.nn.Dropout` does. The layers take ``key=`` in ``apply``, so they can sit
in a :class:`~tensorgrad.nn.Sequential`.

Differences from PyTorch: no fast path or nested tensors (``enable_nested_tensor`` and
``mask_check`` are accepted and ignored; PyTorch's nested-tensor path returns zeros at the
padded positions of an encoder's output in evaluation mode, tensorgrad the computed values);
a query whose keys are all masked gets a zero attention output, not NaN; no ``device`` or
``dtype`` arguments.
"""
from __future__ import annotations

import copy
import math
from typing import Callable

import numpy as np

from .param_alias import ParamAttr
from .. import ops as _ops
from .. import random as _random
from ..tensor import concrete, dtype_of
from ..tree import tree_map
from . import torch_layers as _F
from .attention import MultiheadAttention, _arr, _kind, _shape
from .layers import LayerNorm, Module, _check_positive
from .layers_more import Dropout
from .torch_modules import ModuleList

__all__ = ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerDecoder", "Transformer"]


def _gelu(x):
    """PyTorch's default (exact) GELU, x·Φ(x)."""
    return _ops.gelu(x, approximate=False)


_ACTIVATIONS = {"relu": _ops.relu, "gelu": _gelu}


def _activation(who: str, activation) -> Callable:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"{who}: activation should be 'relu', 'gelu' or a callable, "
                             f"got {activation!r}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"{who}: activation should be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    if isinstance(activation, Module) and activation.has_parameters:
        raise ValueError(f"{who}: an activation Module with parameters ({activation!r}) is not "
                         "supported; use a function or a Module without parameters")
    return activation


def _check_bools(who: str, **flags):
    for name, v in flags.items():
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{who}: {name} must be a bool, got {v!r}")


def _check_tree(who: str, params, shapes, path: str = ""):
    """``params`` against the expected ``shapes`` tree (dicts, lists, shape tuples; None: not
    checked), naming the offending entry by its dotted name."""
    if shapes is None:
        return
    where = f" at {path!r}" if path else ""
    if isinstance(shapes, dict):
        if not isinstance(params, dict):
            raise TypeError(f"{who}: params{where} must be a dict with PyTorch's names, got "
                            f"{type(params).__name__}")
        for k in params:
            if k not in shapes:
                raise ValueError(f"{who}: params has an unexpected entry {path + k!r} "
                                 f"(expected {sorted(shapes)}{where})")
        for k, s in shapes.items():
            if k not in params:
                raise ValueError(f"{who}: params has no {path + k!r} (expected "
                                 f"{sorted(shapes)}{where})")
            _check_tree(who, params[k], s, f"{path}{k}.")
    elif isinstance(shapes, list):
        if not isinstance(params, (list, tuple)) or len(params) != len(shapes):
            got = len(params) if isinstance(params, (list, tuple)) else type(params).__name__
            raise ValueError(f"{who}: params{where} must be a list of {len(shapes)} layers' "
                             f"parameters, got {got}")
        for i, (p, s) in enumerate(zip(params, shapes)):
            _check_tree(who, p, s, f"{path}{i}.")
    elif _shape(_arr(params)) != tuple(shapes):
        raise ValueError(f"{who}: params[{path[:-1]!r}] must have shape {tuple(shapes)}, got "
                         f"{_shape(_arr(params))}")


def _shapes_of(module):
    """The parameter shapes tree of one of this module's layers, a LayerNorm, or None."""
    if hasattr(module, "_param_shapes"):
        return module._param_shapes()
    if isinstance(module, LayerNorm):
        return _norm_shapes(module)
    return None


def _norm_shapes(norm: LayerNorm) -> dict:
    if not norm.elementwise_affine:
        return {}
    s = norm.normalized_shape
    return {"weight": s, **({"bias": s} if norm.has_bias else {})}


def _sequence(who: str, name: str, x, d_model: int, batch_first: bool):
    """``x`` checked as a (L, N, E) / (N, L, E) / (L, E) floating array: (x, N or None, L)."""
    x = _arr(x)
    xs = _shape(x)
    if _kind(x) != "f":
        raise TypeError(f"{who}: {name} must be a floating array, got dtype "
                        f"{dtype_of(concrete(x))}")
    if len(xs) not in (2, 3) or xs[-1] != d_model:
        layout = "(N, L, E)" if batch_first else "(L, N, E)"
        raise ValueError(f"{who}: {name} of shape {xs} must be {layout} or unbatched (L, E) "
                         f"with E = d_model = {d_model}")
    if len(xs) == 2:
        return x, None, xs[0]
    return x, (xs[0] if batch_first else xs[1]), (xs[1] if batch_first else xs[0])


def _check_mask(who: str, name: str, mask, n, nhead: int, tgt: int, src: int | None = None):
    """An attention mask ((L, S) or (N·nhead, L, S)), or with ``src=None`` a key padding mask
    ((N, L), unbatched (L,)), checked for dtype and shape."""
    if mask is None:
        return None
    mask = _arr(mask)
    if _kind(mask) not in "bf":
        raise TypeError(f"{who}: {name} must be boolean or floating, got dtype "
                        f"{dtype_of(concrete(mask))}")
    ms = _shape(mask)
    if src is None:
        want = [(tgt,)] if n is None else [(n, tgt)]
        text = f"{'(S,)' if n is None else '(N, S)'} = {want[0]}"
    else:
        lead = nhead if n is None else n * nhead
        want = [(tgt, src), (lead, tgt, src)]
        text = (f"(L, S) = {want[0]} or ({'nhead' if n is None else 'N·nhead'}, L, S) = "
                f"{want[1]}")
    if ms not in want:
        raise ValueError(f"{who}: {name} of shape {ms} must be {text}")
    return mask


def _hint(who: str, flag, flag_name: str, mask, mask_name: str):
    if flag and mask is None:
        raise ValueError(f"{who}: {flag_name}=True is a hint that {mask_name} is the causal "
                         f"mask; give {mask_name} too")


def _same_batch(who: str, a: tuple, b: tuple, names: tuple):
    """Both unbatched or both batched with one batch size (``a``, ``b``: (N or None, name))."""
    if (a is None) != (b is None) or a != b:
        raise ValueError(f"{who}: {names[0]} and {names[1]} must both be batched with the same "
                         f"batch size, or both unbatched; got batch sizes {a} and {b}")


def _fold(key, i: int):
    return None if key is None else _random.fold_in(key, i)


class _Linear(Module):
    """PyTorch's ``nn.Linear``: ``x @ weightᵀ + bias``, weight (out, in); weight and bias start
    U(±1/√in)."""

    weight = ParamAttr("weight")  # (PyTorch's attribute names for the parameters)
    bias = ParamAttr("bias", flag=True)

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        self.in_features, self.out_features, self.bias = in_features, out_features, bias

    def _param_shapes(self) -> dict:
        s = {"weight": (self.out_features, self.in_features)}
        return {**s, "bias": (self.out_features,)} if self.has_bias else s

    def init_params(self, rng):
        b = 1.0 / math.sqrt(self.in_features)
        return {k: rng.uniform(-b, b, size=s) for k, s in self._param_shapes().items()}

    def apply(self, params, x):
        return _F.linear(x, params["weight"], params.get("bias"))

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.has_bias}"


class _Layer(Module):
    """What the encoder and decoder layers share: arguments, the feed-forward block, dropout."""

    stochastic = True  # apply takes key= (a Sequential passes one)
    _attns: tuple = ()
    _norms = 0  # residual blocks, each with a norm and a dropout: norm1, dropout1, ...

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True):
        who = type(self).__name__
        _check_positive(who, d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward)
        if d_model % nhead:
            raise ValueError(f"{who}: d_model ({d_model}) must be divisible by nhead ({nhead})")
        try:
            p = float(dropout)
        except (TypeError, ValueError):
            raise TypeError(f"{who}: dropout must be a number, got {dropout!r}") from None
        if not 0 <= p <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{who}: dropout must be in [0, 1], got {dropout!r}")
        try:
            eps = float(layer_norm_eps)
        except (TypeError, ValueError):
            raise TypeError(f"{who}: layer_norm_eps must be a number, got "
                            f"{layer_norm_eps!r}") from None
        if not (eps > 0 and math.isfinite(eps)):
            raise ValueError(f"{who}: layer_norm_eps must be positive and finite, got {eps}")
        _check_bools(who, batch_first=batch_first, norm_first=norm_first, bias=bias)
        self.activation = activation
        self._act = _activation(who, activation)
        self.d_model, self.nhead, self.dim_feedforward = int(d_model), int(nhead), int(dim_feedforward)
        self.batch_first, self.norm_first = bool(batch_first), bool(norm_first)
        self.bias, self.layer_norm_eps = bool(bias), eps
        self.self_attn = self._attention(p)
        self.linear1 = _Linear(self.d_model, self.dim_feedforward, self.bias)
        self.dropout = Dropout(p)
        self.linear2 = _Linear(self.dim_feedforward, self.d_model, self.bias)
        for i in range(1, self._norms + 1):
            setattr(self, f"norm{i}", LayerNorm(self.d_model, eps=eps, bias=self.bias))
            setattr(self, f"dropout{i}", Dropout(p))

    def _attention(self, p: float) -> MultiheadAttention:
        return MultiheadAttention(self.d_model, self.nhead, dropout=p, bias=self.bias,
                                  batch_first=self.batch_first)

    def _param_shapes(self) -> dict:
        s = {name: getattr(self, name)._param_shapes() for name in self._attns}
        s.update(linear1=self.linear1._param_shapes(), linear2=self.linear2._param_shapes())
        s.update({f"norm{i}": _norm_shapes(getattr(self, f"norm{i}"))
                  for i in range(1, self._norms + 1)})
        return s

    def init_params(self, rng):
        p = {name: getattr(self, name).init_params(rng) for name in self._attns}
        p.update(linear1=self.linear1.init_params(rng), linear2=self.linear2.init_params(rng))
        p.update({f"norm{i}": getattr(self, f"norm{i}").init_params(rng)
                  for i in range(1, self._norms + 1)})
        return p

    def _drop(self, layer: Dropout, x, key, site: int):
        if not layer.training or layer.p == 0:
            return x
        return layer.apply({}, x) if key is None else layer.apply({}, x, key=_fold(key, site))

    def _norm(self, params, i: int, x):
        return getattr(self, f"norm{i}").apply(params[f"norm{i}"], x)

    def _attend(self, params, name: str, x, mem, mask, pad, key, site: int, dropout):
        attn = getattr(self, name)
        y = attn.apply(params[name], x, mem, mem, key_padding_mask=pad, need_weights=False,
                       attn_mask=mask,
                       dropout_key=_fold(key, site) if attn.training and attn.dropout else None)[0]
        return self._drop(dropout, y, key, site + 1)

    def _feed_forward(self, params, x, key, site: int):
        h = self._act(self.linear1.apply(params["linear1"], x))
        h = self._drop(self.dropout, h, key, site)
        y = self.linear2.apply(params["linear2"], h)
        return self._drop(getattr(self, f"dropout{self._norms}"), y, key, site + 1)

    def _blocks(self, params, x, blocks):
        """Residual blocks ``f(y)``, each with its norm (before, or after the sum)."""
        for i, f in enumerate(blocks, start=1):
            if self.norm_first:
                x = x + f(self._norm(params, i, x))
            else:
                x = self._norm(params, i, x + f(x))
        return x

    def extra_repr(self):
        act = self.activation if isinstance(self.activation, str) else \
            getattr(self.activation, "__name__", type(self.activation).__name__)
        s = (f"{self.d_model}, {self.nhead}, dim_feedforward={self.dim_feedforward}, "
             f"dropout={self.dropout.p}, activation={act}")
        for name, default in (("layer_norm_eps", 1e-5), ("batch_first", False),
                              ("norm_first", False), ("bias", True)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class TransformerEncoderLayer(_Layer):
    """Self-attention and a feed-forward network, each in a residual block with a LayerNorm
    (PyTorch's ``nn.TransformerEncoderLayer``, same arguments and defaults; ``activation`` is
    ``'relu'``, ``'gelu'`` (exact) or a function). See the module's notes for the equations,
    the parameter names, the masks and the dropout ``key``."""

    _attns = ("self_attn",)
    _norms = 2

    def __call__(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False, *,
                 params=None, key=None):
        """PyTorch's call; parameters by keyword (``params=p``), else the remembered ones."""
        return self.apply(self._called(src) if params is None else params, src, src_mask,
                          src_key_padding_mask, is_causal, key=key)

    def apply(self, params, src, src_mask=None, src_key_padding_mask=None, is_causal=False,
              *, key=None):
        """The layer's output, shaped like ``src``."""
        who = type(self).__name__
        _check_tree(who, params, self._param_shapes())
        x, n, s = _sequence(who, "src", src, self.d_model, self.batch_first)
        src_mask = _check_mask(who, "src_mask", src_mask, n, self.nhead, s, s)
        pad = _check_mask(who, "src_key_padding_mask", src_key_padding_mask, n, self.nhead, s)
        _hint(who, is_causal, "is_causal", src_mask, "src_mask")
        sa = lambda y: self._attend(params, "self_attn", y, y, src_mask, pad, key, 0,  # noqa: E731
                                    self.dropout1)
        return self._blocks(params, x, [sa, lambda y: self._feed_forward(params, y, key, 2)])


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention to the encoder's output ``memory`` and a feed-forward network,
    each in a residual block with a LayerNorm (PyTorch's ``nn.TransformerDecoderLayer``, same
    arguments and defaults). See the module's notes."""

    _attns = ("self_attn", "multihead_attn")
    _norms = 3

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.multihead_attn = self._attention(self.dropout.p)

    def __call__(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                 memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False, *,
                 params=None, key=None):
        """PyTorch's call; parameters by keyword (``params=p``), else the remembered ones."""
        return self.apply(self._called(tgt, memory) if params is None else params, tgt, memory, tgt_mask,
                          memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                          tgt_is_causal, memory_is_causal, key=key)

    def apply(self, params, tgt, memory, tgt_mask=None, memory_mask=None,
              tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
              memory_is_causal=False, *, key=None):
        """The layer's output, shaped like ``tgt``."""
        who = type(self).__name__
        _check_tree(who, params, self._param_shapes())
        x, n, t = _sequence(who, "tgt", tgt, self.d_model, self.batch_first)
        mem, nm, s = _sequence(who, "memory", memory, self.d_model, self.batch_first)
        _same_batch(who, n, nm, ("tgt", "memory"))
        h = self.nhead
        tgt_mask = _check_mask(who, "tgt_mask", tgt_mask, n, h, t, t)
        memory_mask = _check_mask(who, "memory_mask", memory_mask, n, h, t, s)
        tpad = _check_mask(who, "tgt_key_padding_mask", tgt_key_padding_mask, n, h, t)
        mpad = _check_mask(who, "memory_key_padding_mask", memory_key_padding_mask, n, h, s)
        _hint(who, tgt_is_causal, "tgt_is_causal", tgt_mask, "tgt_mask")
        _hint(who, memory_is_causal, "memory_is_causal", memory_mask, "memory_mask")
        sa = lambda y: self._attend(params, "self_attn", y, y, tgt_mask, tpad, key, 0,  # noqa: E731
                                    self.dropout1)
        ca = lambda y: self._attend(params, "multihead_attn", y, mem, memory_mask, mpad,  # noqa: E731
                                    key, 2, self.dropout2)
        return self._blocks(params, x, [sa, ca, lambda y: self._feed_forward(params, y, key, 4)])


class _Stack(Module):
    """``num_layers`` copies of a layer, then an optional final norm."""

    stochastic = True
    _layer_class: type = _Layer

    def __init__(self, layer, num_layers: int, norm: Module | None = None):
        who = type(self).__name__
        if not isinstance(layer, self._layer_class):
            raise TypeError(f"{who}: the layer must be a tg.nn.{self._layer_class.__name__}, "
                            f"got {type(layer).__name__}")
        _check_positive(who, num_layers=num_layers)
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"{who}: norm must be a Module (a LayerNorm) or None, got "
                            f"{type(norm).__name__}")
        self.layers = ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers, self.norm = int(num_layers), norm

    @property
    def _first(self) -> _Layer:
        return self.layers[0]

    def _param_shapes(self) -> dict:
        s = {"layers": [layer._param_shapes() for layer in self.layers]}
        if self.norm is not None:
            s["norm"] = _shapes_of(self.norm)
        return s

    def init_params(self, rng):
        """One draw of the layer's parameters, copied into every layer (PyTorch deep-copies
        the layer it is given), and the final norm's."""
        one = self._first.init_params(rng)
        p = {"layers": [tree_map(np.copy, one) for _ in self.layers]}
        if self.norm is not None:
            p["norm"] = self.norm.init_params(rng)
        return p

    def _final(self, params, x):
        return x if self.norm is None else self.norm.apply(params["norm"], x)

    def extra_repr(self):
        return f"num_layers={self.num_layers}, norm={self.norm!r}\n  layer={self._first!r}"


class TransformerEncoder(_Stack):
    """``num_layers`` copies of ``encoder_layer`` (a :class:`TransformerEncoderLayer`) applied
    in turn, then ``norm`` if given (PyTorch's ``nn.TransformerEncoder``;
    ``enable_nested_tensor`` and ``mask_check`` are accepted and ignored)."""

    _layer_class = TransformerEncoderLayer

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True):
        super().__init__(encoder_layer, num_layers, norm)
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def __call__(self, src, mask=None, src_key_padding_mask=None, is_causal=None, *,
                 params=None, key=None):
        """PyTorch's call; parameters by keyword (``params=p``), else the remembered ones."""
        return self.apply(self._called(src) if params is None else params, src, mask,
                          src_key_padding_mask, is_causal, key=key)

    def apply(self, params, src, mask=None, src_key_padding_mask=None, is_causal=None, *,
              key=None):
        """The encoded sequence, shaped like ``src``."""
        who = type(self).__name__
        _check_tree(who, params, self._param_shapes())
        f = self._first
        _, n, s = _sequence(who, "src", src, f.d_model, f.batch_first)
        _check_mask(who, "mask", mask, n, f.nhead, s, s)
        _check_mask(who, "src_key_padding_mask", src_key_padding_mask, n, f.nhead, s)
        _hint(who, is_causal, "is_causal", mask, "mask")
        x = src
        for j, (layer, p) in enumerate(zip(self.layers, params["layers"])):
            x = layer.apply(p, x, mask, src_key_padding_mask, bool(is_causal), key=_fold(key, j))
        return self._final(params, x)


class TransformerDecoder(_Stack):
    """``num_layers`` copies of ``decoder_layer`` (a :class:`TransformerDecoderLayer`) applied
    in turn, each attending to ``memory``, then ``norm`` if given (PyTorch's
    ``nn.TransformerDecoder``)."""

    _layer_class = TransformerDecoderLayer

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None):
        super().__init__(decoder_layer, num_layers, norm)

    def __call__(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                 memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False, *,
                 params=None, key=None):
        """PyTorch's call; parameters by keyword (``params=p``), else the remembered ones."""
        return self.apply(self._called(tgt, memory) if params is None else params, tgt, memory, tgt_mask,
                          memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                          tgt_is_causal, memory_is_causal, key=key)

    def apply(self, params, tgt, memory, tgt_mask=None, memory_mask=None,
              tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
              memory_is_causal=False, *, key=None):
        """The decoded sequence, shaped like ``tgt``."""
        who = type(self).__name__
        _check_tree(who, params, self._param_shapes())
        f = self._first
        _, n, t = _sequence(who, "tgt", tgt, f.d_model, f.batch_first)
        _, nm, s = _sequence(who, "memory", memory, f.d_model, f.batch_first)
        _same_batch(who, n, nm, ("tgt", "memory"))
        for name, m, shape in (("tgt_mask", tgt_mask, (t, t)), ("memory_mask", memory_mask, (t, s)),
                               ("tgt_key_padding_mask", tgt_key_padding_mask, (t, None)),
                               ("memory_key_padding_mask", memory_key_padding_mask, (s, None))):
            _check_mask(who, name, m, n, f.nhead, *shape)
        _hint(who, tgt_is_causal, "tgt_is_causal", tgt_mask, "tgt_mask")
        _hint(who, memory_is_causal, "memory_is_causal", memory_mask, "memory_mask")
        x = tgt
        for j, (layer, p) in enumerate(zip(self.layers, params["layers"])):
            x = layer.apply(p, x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                            memory_key_padding_mask, bool(tgt_is_causal), bool(memory_is_causal),
                            key=_fold(key, j))
        return self._final(params, x)


def _xavier(rng, a):
    """A fresh Xavier-uniform draw for an array of 2 or more axes, with PyTorch's fans
    (fan_in = size(1)·receptive field, fan_out = size(0)·receptive field)."""
    s = np.shape(a)
    if len(s) < 2:
        return a
    field = math.prod(s[2:])
    bound = math.sqrt(6.0 / ((s[0] + s[1]) * field))
    return rng.uniform(-bound, bound, size=s)


class Transformer(Module):
    """An encoder-decoder Transformer (PyTorch's ``nn.Transformer``, same arguments and
    defaults): a :class:`TransformerEncoder` of ``num_encoder_layers`` layers with a final
    LayerNorm, and a :class:`TransformerDecoder` of ``num_decoder_layers`` layers with a final
    LayerNorm, unless ``custom_encoder`` / ``custom_decoder`` (Modules whose ``apply`` takes
    the stacks' arguments) replace them. Parameters ``{"encoder": ..., "decoder": ...}``; every
    parameter with more than one axis starts Xavier-uniform. See the module's notes."""

    stochastic = True

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = "relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True):
        who = "Transformer"
        _check_positive(who, d_model=d_model, nhead=nhead, num_encoder_layers=num_encoder_layers,
                        num_decoder_layers=num_decoder_layers)
        if d_model % nhead:
            raise ValueError(f"{who}: d_model ({d_model}) must be divisible by nhead ({nhead})")
        for name, m in (("custom_encoder", custom_encoder), ("custom_decoder", custom_decoder)):
            if m is not None and not isinstance(m, Module):
                raise TypeError(f"{who}: {name} must be a Module, got {type(m).__name__}")
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.d_model, self.nhead, self.batch_first = int(d_model), int(nhead), bool(batch_first)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, dtype=None) -> np.ndarray:
        """The (sz, sz) causal mask as a float array: −inf above the diagonal (a query may not
        attend to later positions), 0 on and below it."""
        _check_positive("Transformer.generate_square_subsequent_mask", sz=sz)
        dt = np.dtype(np.float64 if dtype is None else dtype)
        if dt.kind != "f":
            raise TypeError(f"Transformer.generate_square_subsequent_mask: dtype must be a "
                            f"floating dtype, got {dt}")
        return np.triu(np.full((sz, sz), -np.inf, dtype=dt), 1)

    def init_params(self, rng):
        p = {"encoder": self.encoder.init_params(rng), "decoder": self.decoder.init_params(rng)}
        return tree_map(lambda a: _xavier(rng, a), p)

    def _param_shapes(self) -> dict:
        return {"encoder": _shapes_of(self.encoder), "decoder": _shapes_of(self.decoder)}

    def __call__(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                 src_key_padding_mask=None, tgt_key_padding_mask=None,
                 memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                 memory_is_causal=False, *, params=None, key=None):
        """PyTorch's call; parameters by keyword (``params=p``), else the remembered ones."""
        return self.apply(self._called(src, tgt) if params is None else params, src, tgt, src_mask,
                          tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask,
                          memory_key_padding_mask, src_is_causal, tgt_is_causal,
                          memory_is_causal, key=key)

    def apply(self, params, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
              src_key_padding_mask=None, tgt_key_padding_mask=None,
              memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
              memory_is_causal=False, *, key=None):
        """The decoder's output for ``tgt`` attending to the encoded ``src``, shaped like
        ``tgt``."""
        who = "Transformer"
        _check_tree(who, params, self._param_shapes())
        _, n, s = _sequence(who, "src", src, self.d_model, self.batch_first)
        _, nt, t = _sequence(who, "tgt", tgt, self.d_model, self.batch_first)
        _same_batch(who, n, nt, ("src", "tgt"))
        for name, m, shape in (("src_mask", src_mask, (s, s)), ("tgt_mask", tgt_mask, (t, t)),
                               ("memory_mask", memory_mask, (t, s)),
                               ("src_key_padding_mask", src_key_padding_mask, (s, None)),
                               ("tgt_key_padding_mask", tgt_key_padding_mask, (t, None)),
                               ("memory_key_padding_mask", memory_key_padding_mask, (s, None))):
            _check_mask(who, name, m, n, self.nhead, *shape)
        for flag, name, m, mname in ((src_is_causal, "src_is_causal", src_mask, "src_mask"),
                                     (tgt_is_causal, "tgt_is_causal", tgt_mask, "tgt_mask"),
                                     (memory_is_causal, "memory_is_causal", memory_mask,
                                      "memory_mask")):
            _hint(who, flag, name, m, mname)
        ekw = {"key": _fold(key, 0)} if key is not None and self.encoder.stochastic else {}
        dkw = {"key": _fold(key, 1)} if key is not None and self.decoder.stochastic else {}
        memory = self.encoder.apply(params["encoder"], src, mask=src_mask,
                                    src_key_padding_mask=src_key_padding_mask,
                                    is_causal=src_is_causal, **ekw)
        return self.decoder.apply(params["decoder"], tgt, memory, tgt_mask=tgt_mask,
                                  memory_mask=memory_mask,
                                  tgt_key_padding_mask=tgt_key_padding_mask,
                                  memory_key_padding_mask=memory_key_padding_mask,
                                  tgt_is_causal=tgt_is_causal,
                                  memory_is_causal=memory_is_causal, **dkw)

    def extra_repr(self):
        return (f"d_model={self.d_model}, nhead={self.nhead}, batch_first={self.batch_first}"
                f"\n  encoder={self.encoder!r}\n  decoder={self.decoder!r}")
