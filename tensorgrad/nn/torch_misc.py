"""``torch.nn.functional``'s remaining activations, dropouts and ``gumbel_softmax``, with
PyTorch's names and keywords, and the layers ``RReLU``, ``LocalResponseNorm``,
``AlphaDropout``, ``FeatureAlphaDropout``, ``Dropout1d``, ``Dropout2d`` and ``Dropout3d``.

* ``hardswish``, ``hardsigmoid`` and ``softsign`` are ``tg.nn.hard_swish``, ``hard_sigmoid``
  and ``soft_sign``: PyTorch's formulas and its derivatives at the kinks are the same
  (hardswish: 0 at −3 and 1 at 3; hardsigmoid: 0 at ±3; softsign: 1 at 0);
* ``prelu`` and ``rrelu`` take the negative slope at 0 (as PyTorch's gradient does);
* ``local_response_norm`` divides by ``(k + alpha · mean of x² over size channels)^beta``,
  the window centred as PyTorch's (``size//2`` channels before, ``(size − 1)//2`` after).

Randomness: everything that draws (the dropouts and ``rrelu`` with ``training=True``,
``gumbel_softmax``) takes a key from :mod:`tensorgrad.random` as the keyword ``key=``; the
same key gives the same draw, and a traced key works under ``tg.jit`` and ``tg.vmap``.
Without a key each call draws anew from this thread's stream, PyTorch's global generator
(``tg.manual_seed`` restarts it: :func:`key_or_stream`); a ``tg.jit`` trace refuses that, as
its plan would replay one draw as a constant. With
``training=False`` (the default of ``alpha_dropout``, ``feature_alpha_dropout`` and
``rrelu``, as PyTorch) the dropouts are the identity and ``rrelu`` is a leaky ReLU with the
mean slope ``(lower + upper)/2``. ``inplace=True`` follows the rule of tensorgrad's in-place
activations (:mod:`tensorgrad.nn.inplace`): only a tensor of the imperative tape is written;
use the returned value. The layers draw like :class:`~tensorgrad.nn.Dropout`: from ``key=``, else
from their own stream (see :mod:`tensorgrad.nn.layers_more`).
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..ops.activations_more import hard_sigmoid, hard_silu, soft_sign
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from .draws import key_or_stream
from .inplace import check as _check_inplace
from .inplace import finish
from .layers import Module
from .layers_more import Dropout

__all__ = ["hardswish", "hardsigmoid", "softsign", "prelu", "rrelu", "local_response_norm",
           "dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d",
           "dropout3d", "gumbel_softmax", "RReLU", "LocalResponseNorm", "AlphaDropout",
           "FeatureAlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d"]

_SELU_ALPHA = 1.7580993408473766  # selu's scale · alpha: where alpha dropout puts a dropped unit


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _arr(x):
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def probability(fn: str, p) -> float:
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: p must be a number, got {p!r}") from None
    if not 0 <= p <= 1:
        raise ValueError(f"{fn}: dropout probability has to be between 0 and 1, but got {p}")
    return p


# ---- activations ------------------------------------------------------------------------------
def hardswish(input: ArrayLike, inplace: bool = False) -> Array:
    """``x · relu6(x + 3)/6`` (``torch.nn.functional.hardswish``; the same function as
    ``tg.nn.hard_swish``, with PyTorch's derivatives at the kinks: 0 at −3, 1 at 3)."""
    return finish("hardswish", input, hard_silu(_arr(input)), inplace)


def hardsigmoid(input: ArrayLike, inplace: bool = False) -> Array:
    """``relu6(x + 3)/6`` (``torch.nn.functional.hardsigmoid``; the same function as
    ``tg.nn.hard_sigmoid``, derivative 0 at ±3 as PyTorch)."""
    return finish("hardsigmoid", input, hard_sigmoid(_arr(input)), inplace)


def softsign(input: ArrayLike) -> Array:
    """``x / (1 + |x|)`` (``torch.nn.functional.softsign``; ``tg.nn.soft_sign``)."""
    return soft_sign(_arr(input))


def prelu(input: ArrayLike, weight: ArrayLike) -> Array:
    """``x`` where ``x > 0``, else ``weight · x`` (``torch.nn.functional.prelu``): ``weight``
    has one entry, or one per channel (axis 1 of input with at least 2 axes)."""
    input, weight = _arr(input), _arr(weight)
    xs, ws = _shape(input), _shape(weight)
    c = xs[1] if len(xs) >= 2 else 1
    n = math.prod(ws)
    if len(ws) > 1 or n not in (1, c):
        raise ValueError(f"prelu: weight must be 0-d or 1-d with 1 or C = {c} entries for input "
                         f"of shape {xs}, got shape {ws}")
    if n == 1:
        w = _ops.reshape(weight, ())
    else:
        w = _ops.reshape(weight, (c,) + (1,) * (len(xs) - 2))
    return _ops.where(input > 0, input, w * input)


def rrelu(input: ArrayLike, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False, *, key=None) -> Array:
    """Randomized leaky ReLU (``torch.nn.functional.rrelu``): ``x`` where ``x > 0``, else
    ``a · x``. ``training=False``: ``a = (lower + upper)/2``; ``training=True``: ``a`` drawn
    uniformly from [lower, upper) for each entry, from ``key``."""
    fn = "rrelu"
    _check_inplace(fn, inplace)
    lower, upper = float(lower), float(upper)
    if not lower <= upper:
        raise ValueError(f"rrelu: lower must be <= upper, got lower={lower}, upper={upper}")
    x = _arr(input)
    if not training:
        return finish(fn, input, _ops.where(x > 0, x, x * ((lower + upper) / 2)), inplace)
    key = key_or_stream(fn, key, x)
    return finish(fn, input, _ops.where(x > 0, x, x * _slopes(key, lower, upper, x)), inplace)


def _slopes(key, lower: float, upper: float, x):
    dt = np.dtype(dtype_of(concrete(x)))
    dt = dt if dt.kind == "f" else np.dtype(np.float64)
    return _random.uniform(key, _shape(x), dt, lower, upper)


def local_response_norm(input: ArrayLike, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Array:
    """``x / (k + alpha · mean(x²))^beta``, the mean over ``size`` neighbouring channels (axis
    1, zero-padded: ``size//2`` before, ``(size − 1)//2`` after, always divided by ``size``)
    (``torch.nn.functional.local_response_norm``; input (N, C, *) with at least 3 axes)."""
    input = _arr(input)
    xs = _shape(input)
    if len(xs) < 3:
        raise ValueError(f"local_response_norm: input of shape {xs} must have 3 or more axes "
                         f"(N, C, *)")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    size = int(size)
    if 0 in xs:
        return input
    sq = _ops.pad(_ops.square(input), [(0, 0), (size // 2, (size - 1) // 2)]
                  + [(0, 0)] * (len(xs) - 2))
    c = xs[1]
    total = _ops.getitem(sq, (slice(None), slice(0, c)))
    for j in range(1, size):
        total = total + _ops.getitem(sq, (slice(None), slice(j, j + c)))
    return input / _ops.power(total / size * float(alpha) + float(k), float(beta))


# ---- dropouts ---------------------------------------------------------------------------------
def _feature_shape(xs: tuple) -> tuple:
    return xs[:2] + (1,) * (len(xs) - 2)


def drop(fn: str, input, p: float, training, key, mask_shape=None, alpha: bool = False):
    """The shared dropout rule: the identity unless training with 0 < p; zeros when p = 1."""
    input = _arr(input)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    key = key_or_stream(fn, key, input)
    xs = _shape(input)
    keep = _random.bernoulli(key, 1 - p, xs if mask_shape is None else mask_shape)
    if not alpha:
        return _ops.where(keep, input * (1 / (1 - p)), 0.0)
    a = 1 / math.sqrt((_SELU_ALPHA ** 2 * p + 1) * (1 - p))
    kept_shift = _SELU_ALPHA * a * p
    dropped = -_SELU_ALPHA * a + kept_shift
    return _ops.where(keep, input * a + kept_shift, dropped + input * 0)


def dropout(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False,
            *, key=None) -> Array:
    """Zero each entry with probability ``p`` and scale the others by 1/(1 − p)
    (``torch.nn.functional.dropout``), the mask drawn from ``key`` (without one, from this
    thread's stream, as PyTorch's global generator); the identity when ``training=False``."""
    _check_inplace("dropout", inplace)
    return finish("dropout", input, drop("dropout", input, probability("dropout", p), training, key),
                  inplace)


def alpha_dropout(input: ArrayLike, p: float = 0.5, training: bool = False,
                  inplace: bool = False, *, key=None) -> Array:
    """Dropout that keeps SELU's self-normalization (``torch.nn.functional.alpha_dropout``):
    dropped entries become −α′ (α′ ≈ 1.7581, SELU's scale · alpha), then every entry is mapped
    by ``a·(·) + a·α′·p`` with ``a = ((α′²·p + 1)(1 − p))^(−½)``. ``training`` defaults to
    False, as PyTorch."""
    fn = "alpha_dropout"
    _check_inplace(fn, inplace)
    return finish(fn, input, drop(fn, input, probability(fn, p), training, key, alpha=True), inplace)


def _feature(fn: str, input, ranks: tuple, what: str):
    input = _arr(input)
    xs = _shape(input)
    if len(xs) not in ranks:
        raise ValueError(f"{fn}: expected {what}, got input of shape {xs}")
    return input, xs


def feature_alpha_dropout(input: ArrayLike, p: float = 0.5, training: bool = False,
                          inplace: bool = False, *, key=None) -> Array:
    """:func:`alpha_dropout` of whole channels: one draw per (sample, channel) of (N, C, *)
    input (``torch.nn.functional.feature_alpha_dropout``; ``training`` defaults to False)."""
    fn = "feature_alpha_dropout"
    _check_inplace(fn, inplace)
    p = probability(fn, p)
    x, xs = _feature(fn, input, tuple(range(2, 33)), "(N, C, *) input with at least 2 axes")
    return finish(fn, input, drop(fn, x, p, training, key, _feature_shape(xs), alpha=True),
                  inplace)


def _channel_dropout(fn: str, input, p, training, inplace, key, batched: int, what: str):
    _check_inplace(fn, inplace)
    p = probability(fn, p)
    x, xs = _feature(fn, input, (batched - 1, batched), what)
    shape = _feature_shape(xs) if len(xs) == batched else (xs[0],) + (1,) * (len(xs) - 1)
    return finish(fn, input, drop(fn, x, p, training, key, shape), inplace)


def dropout1d(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False,
              *, key=None) -> Array:
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p``, scaling the
    others by 1/(1 − p) (``torch.nn.functional.dropout1d``)."""
    return _channel_dropout("dropout1d", input, p, training, inplace, key, 3,
                            "(N, C, L) or (C, L) input")


def dropout2d(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False,
              *, key=None) -> Array:
    """Zero whole channels of (N, C, H, W) input with probability ``p``, scaling the others by
    1/(1 − p) (``torch.nn.functional.dropout2d``). A 3-D input is read as (N, C, L), as
    PyTorch does today (it warns that this will change); other ranks raise."""
    fn = "dropout2d"
    _check_inplace(fn, inplace)
    p = probability(fn, p)
    x, xs = _feature(fn, input, (3, 4), "(N, C, H, W) input (or (N, C, L))")
    return finish(fn, input, drop(fn, x, p, training, key, _feature_shape(xs)), inplace)


def dropout3d(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False,
              *, key=None) -> Array:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``,
    scaling the others by 1/(1 − p) (``torch.nn.functional.dropout3d``)."""
    return _channel_dropout("dropout3d", input, p, training, inplace, key, 5,
                            "(N, C, D, H, W) or (C, D, H, W) input")


# ---- gumbel_softmax ---------------------------------------------------------------------------
def gumbel_softmax(logits: ArrayLike, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1, *, key=None) -> Array:
    """``softmax((logits + g)/tau)`` along ``dim`` with standard Gumbel noise ``g`` drawn from
    ``key`` (``torch.nn.functional.gumbel_softmax``). ``hard=True`` returns the one-hot of the
    arg-max (the first on ties) with the soft sample's gradient (straight-through:
    ``one_hot − stop_gradient(soft) + soft``). ``eps`` is unused, as in PyTorch."""
    fn = "gumbel_softmax"
    key = key_or_stream(fn, key, logits)
    tau = float(tau)
    if not tau > 0:
        raise ValueError(f"{fn}: tau must be positive, got {tau}")
    logits = _arr(logits)
    xs = _shape(logits)
    if not -len(xs) <= dim < max(len(xs), 1):
        raise ValueError(f"{fn}: dim {dim} is out of range for logits of shape {xs}")
    dt = np.dtype(dtype_of(concrete(logits)))
    if dt.kind != "f":
        raise TypeError(f"{fn}: logits must be floating, got dtype {dt} (shape {xs})")
    g = _random.gumbel(key, xs, dt)
    soft = _ops.softmax((logits + g) / tau, axis=dim)
    if not hard:
        return soft
    d = dim % len(xs)
    pos = np.arange(xs[d]).reshape((-1,) + (1,) * (len(xs) - d - 1))
    one = _ops.equal(_ops.expand_dims(_ops.argmax(soft, axis=d), d), pos)
    return _ops.astype(one, dt) - _ops.stop_gradient(soft) + soft


# ---- layers -----------------------------------------------------------------------------------
class _Masked(Dropout):
    """A Dropout whose draw and rule differ: ``_mask_shape`` and ``_combine``."""

    def apply(self, params, x, key=None):
        xs = self._check(tuple(np.shape(concrete(x))))  # (in eval mode too, as PyTorch)
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0
        keep = (_random.bernoulli(key, 1 - self.p, self._mask_shape(xs)) if key is not None
                else self._stream_mask(x, xs))
        return self._combine(x, keep)

    def _draw(self, shape, advance: bool):  # (the stream asks with the input's shape)
        return super()._draw(self._mask_shape(shape), advance)

    def _check(self, xs: tuple) -> tuple:
        return xs

    def _mask_shape(self, xs: tuple) -> tuple:
        return xs

    def _combine(self, x, keep):
        return _ops.where(keep, x * (1 / (1 - self.p)), 0.0)


class AlphaDropout(_Masked):
    """:func:`alpha_dropout` as a layer (PyTorch's ``nn.AlphaDropout``; active in training
    mode, the identity after ``eval()``)."""

    def _combine(self, x, keep):
        a = 1 / math.sqrt((_SELU_ALPHA ** 2 * self.p + 1) * (1 - self.p))
        shift = _SELU_ALPHA * a * self.p
        return _ops.where(keep, x * a + shift, -_SELU_ALPHA * a + shift + x * 0)


class FeatureAlphaDropout(AlphaDropout):
    """:func:`feature_alpha_dropout` as a layer (PyTorch's ``nn.FeatureAlphaDropout``)."""

    def _check(self, xs):
        if len(xs) < 2:
            raise ValueError(f"FeatureAlphaDropout: input of shape {xs} must be (N, C, *)")
        return xs

    def _mask_shape(self, xs):
        return _feature_shape(xs)


class _ChannelDropout(_Masked):
    _batched = 4

    def _check(self, xs):
        if len(xs) not in (self._batched - 1, self._batched):
            raise ValueError(f"{type(self).__name__}: input of shape {xs} must have "
                             f"{self._batched - 1} or {self._batched} axes")
        return xs

    def _mask_shape(self, xs):
        if len(xs) == self._batched:
            return _feature_shape(xs)
        return (xs[0],) + (1,) * (len(xs) - 1)


class Dropout1d(_ChannelDropout):
    """:func:`dropout1d` as a layer (PyTorch's ``nn.Dropout1d``): (N, C, L) or (C, L)."""

    _batched = 3


class Dropout2d(_ChannelDropout):
    """:func:`dropout2d` as a layer (PyTorch's ``nn.Dropout2d``): (N, C, H, W), or (N, C, L)."""

    _batched = 4

    def _mask_shape(self, xs):  # (a 3-D input is (N, C, L), as PyTorch today)
        return _feature_shape(xs)


class Dropout3d(_ChannelDropout):
    """:func:`dropout3d` as a layer (PyTorch's ``nn.Dropout3d``): (N, C, D, H, W) or
    (C, D, H, W)."""

    _batched = 5


class RReLU(Module):
    """:func:`rrelu` as a layer (PyTorch's ``nn.RReLU``): random slopes in training mode
    (from ``key=``, else from the layer's own stream, as :class:`~tensorgrad.nn.Dropout`),
    the mean slope ``(lower + upper)/2`` after ``eval()``. ``inplace`` is PyTorch's (see
    :mod:`tensorgrad.nn.inplace`); ``seed=`` (keyword) seeds the layer's stream."""

    stochastic = True
    # the key stream of Dropout, shared as plain functions (an RReLU is not a Dropout)
    reseed = Dropout.reseed
    _stream_mask = Dropout._stream_mask

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False, *,
                 seed: int | None = None):
        _check_inplace("RReLU", inplace)
        self.lower, self.upper = float(lower), float(upper)
        if not self.lower <= self.upper:
            raise ValueError(f"RReLU: lower must be <= upper, got lower={lower}, upper={upper}")
        self.seed = seed
        self.key = None if seed is None else _random.PRNGKey(seed)
        self.count = 0
        self._dtype = np.dtype(np.float64)

    def apply(self, params, x, key=None):
        if not self.training:
            return rrelu(x, self.lower, self.upper, training=False)
        x = _arr(x)
        if key is not None:
            return rrelu(x, self.lower, self.upper, training=True, key=key)
        dt = np.dtype(dtype_of(concrete(x)))
        self._dtype = dt if dt.kind == "f" else np.dtype(np.float64)
        a = self._stream_mask(x, _shape(x))
        return _ops.where(x > 0, x, x * a)

    def _draw(self, shape, advance: bool):
        k = _random.fold_in(self.key, self.count)
        if advance:
            self.count += 1
        return _random.uniform(k, shape, self._dtype, self.lower, self.upper)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}"


class LocalResponseNorm(Module):
    """:func:`local_response_norm` as a layer (PyTorch's ``nn.LocalResponseNorm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"LocalResponseNorm: size must be a positive int, got {size!r}")
        self.size, self.alpha, self.beta, self.k = int(size), float(alpha), float(beta), float(k)

    def apply(self, params, x):
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
