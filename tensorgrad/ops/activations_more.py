"""More activations with ``jax.nn``'s names and conventions, each an elementwise op
(a diagonal Jacobian) whose derivative is written with tensorgrad ops:

leaky_relu, elu, celu, selu, silu (swish), mish, relu6, hard_tanh, hard_sigmoid, hard_silu
(hard_swish), soft_sign, squareplus, sparse_plus, sparse_sigmoid, log1mexp.

At a kink the derivative takes the value ``jax.nn`` gives there: relu6 and
hard_sigmoid use 0 at both corners, hard_tanh 1 at ±1, sparse_sigmoid ¼ at ±1
(half of each side, as NumPy's clip ties share), elu/celu/selu the left piece at 0
(the same number for the default alpha).
"""
from __future__ import annotations

import math

import numpy as np

from ..registry import Example, elementwise, function
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, on_a_trace
from .activations import expit as _expit, sigmoid, softplus
from .elementwise import _mask, abs, exp, expm1, tanh, where
from .elementwise_more import hypot

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

_ONE = [Example(((3, 4),))]


def _unary(name, forward, deriv, symbol, doc, **entry):
    entry.setdefault("examples", _ONE)
    return elementwise(name, forward, d={"x": deriv}, jax=f"jax.nn.{name}", symbol=symbol, doc=doc,
                       **entry)


# ---- relu ------------------------------------------------------------------------------------
def _relu_select(g, out, x):
    """g where x > 0, else 0: a select, as JAX's and PyTorch's relu, so an infinite or NaN
    cotangent (or tangent) reaching a dead unit gives 0, not NaN (0 · inf)."""
    return where(np.greater(concrete(x), 0), g, 0.0)


relu = elementwise("relu", lambda x: np.maximum(x, 0),
                   d={"x": lambda out, x: _mask(np.greater(concrete(x), 0), out)},
                   vjp={"x": _relu_select}, jvp={"x": _relu_select},
                   jax="jax.nn.relu", symbol="diag([x > 0]) (0 at x = 0)",
                   domain="nonzero", doc="max(x, 0); the subgradient at 0 is 0")


# ---- leaky relu -------------------------------------------------------------------------------
_leaky_relu = elementwise(
    "leaky_relu", lambda x, slope: np.where(x > 0, x, slope * x), public=False,
    d={"x": lambda out, x, slope: np.where(concrete(x) > 0, 1, slope).astype(dtype_of(out))},
    signature=lambda x, negative_slope=0.01: ((x,), (float(negative_slope),)),
    params=("negative_slope",),
    jax="jax.nn.leaky_relu", symbol="diag([x > 0] + α[x ≤ 0])", domain="nonzero",
    doc="x where x > 0, ``negative_slope``·x elsewhere",
    examples=[Example(((3, 4),)), Example(((5,),), {"negative_slope": 0.2})])


@function
def leaky_relu(x: ArrayLike, negative_slope: ArrayLike = 0.01) -> Array:
    """x where x > 0, ``negative_slope``·x elsewhere. A traced slope (a learned one, as in
    PReLU) differentiates: ``where(x > 0, x, slope·x)``; a constant slope is one op."""
    if on_a_trace(negative_slope) or np.ndim(concrete(negative_slope)) > 0:
        # a learned slope, or one slope per entry/channel (an array, as jax.nn.leaky_relu takes)
        return where(x > 0, x, negative_slope * x)
    return _leaky_relu(x, negative_slope)


# ---- exponential linear units ----------------------------------------------------------------
def _elu_forward(x, alpha):
    neg = np.minimum(x, 0)  # (no overflow from the positive entries)
    return np.where(x > 0, x, alpha * np.expm1(neg))


def _elu_d(out, x, alpha):
    pos = _mask(np.greater(concrete(x), 0), out)
    # e^x only where it is used: e^0 elsewhere (x·(1 − pos) would be inf·0 = NaN at x = +inf)
    return pos + (1 - pos) * alpha * exp(where(pos, 0.0, x))


elu = _unary("elu", _elu_forward, _elu_d, "diag([x > 0] + α eˣ [x ≤ 0])",
             "x where x > 0, α(eˣ − 1) elsewhere",
             signature=lambda x, alpha=1.0: ((x,), (float(alpha),)), params=("alpha",),
             examples=[Example(((3, 4),), {"alpha": 1.0}), Example(((5,),), {"alpha": 0.5})])


def _celu_forward(x, alpha):
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)


def _celu_d(out, x, alpha):
    pos = _mask(np.greater(concrete(x), 0), out)
    return pos + (1 - pos) * exp(where(pos, 0.0, x) / alpha)  # (no inf·0 at x = +inf)


def _celu_signature(x, alpha=1.0):
    if float(alpha) == 0:  # it divides by α (PyTorch refuses 0 too)
        raise ValueError("celu: alpha must be non-zero, got 0")
    return (x,), (float(alpha),)


celu = _unary("celu", _celu_forward, _celu_d, "diag([x > 0] + e^(x/α) [x ≤ 0])",
              "max(x, 0) + α(e^(min(x, 0)/α) − 1): elu, continuously differentiable for any α ≠ 0",
              signature=_celu_signature, params=("alpha",),
              examples=[Example(((3, 4),), {"alpha": 1.0}), Example(((5,),), {"alpha": 2.0})])


def _selu_forward(x):
    return _SELU_SCALE * _elu_forward(x, _SELU_ALPHA)


def _selu_d(out, x):
    return _SELU_SCALE * _elu_d(out, x, _SELU_ALPHA)


selu = _unary("selu", _selu_forward, _selu_d, "diag(λ([x > 0] + α eˣ [x ≤ 0]))",
              "the self-normalizing λ·elu(x, α) (λ ≈ 1.0507, α ≈ 1.6733)")


# ---- smooth gates -------------------------------------------------------------------------------
def _silu_d(out, x):
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


@np.errstate(invalid="ignore")  # silu(−inf) = −inf·0: NaN, as jax.nn.silu, without a warning
def _silu_forward(x):
    return x * _expit(x)  # (float16 stays float16; complex x as JAX's)


silu = _unary("silu", _silu_forward, _silu_d, "diag(σ(x)(1 + x(1 − σ(x))))",
              "x·σ(x) (also called swish)", aliases=("swish",))


def _mish_forward(x):
    with np.errstate(invalid="ignore"):  # a NaN input gives NaN, without a warning
        return x * np.tanh(np.logaddexp(0, x))


def _mish_d(out, x):
    t = tanh(softplus(x))
    return t + x * (1 - t * t) * sigmoid(x)


mish = _unary("mish", _mish_forward, _mish_d, "diag(tanh(sp) + x sech²(sp) σ(x)), sp = softplus(x)",
              "x·tanh(softplus(x))")


def _squareplus_forward(x, b):
    # r = √(x² + b) without overflow (hypot); for x < 0 the conjugate b/(2(r − x)): no
    # cancellation in x + r, which is what the value is made of there
    r = np.hypot(x, math.sqrt(b))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # (±inf, NaN pass through)
        return np.where(x < 0, b / (2 * (r - x)), (x + r) / 2)


def _squareplus_signature(x, b=4.0):
    if not float(b) >= 0:
        raise ValueError(f"squareplus: b must be ≥ 0, got {b}")
    return (x,), (float(b),)


def _squareplus_d(out, x, b):
    if b == 0:  # (x + |x|)/2 = relu: slope 0, 1, and ½ at the kink (no 0/0)
        xv = concrete(x)
        return _mask(np.where(np.greater(xv, 0), 1.0, np.where(np.less(xv, 0), 0.0, 0.5)), out)
    r = hypot(x, math.sqrt(b))  # (x² + b overflows for |x| > 1e154)
    # x < 0: (r + x)/(2r) = b/(2r(r − x)), without the cancellation in 1 + x/r
    neg = np.less(concrete(x), 0)
    return where(neg, (b / (2 * r)) / (r - where(neg, x, -1.0)), (1 + x / r) / 2)


squareplus = _unary("squareplus", _squareplus_forward, _squareplus_d,
                    "diag((1 + x/√(x² + b))/2)", "(x + √(x² + b))/2, a smooth relu (b = 0: relu, "
                    "slope ½ at 0)",
                    signature=_squareplus_signature, params=("b",),
                    examples=[Example(((3, 4),), {"b": 4.0}), Example(((5,),), {"b": 1.0})])


@np.errstate(invalid="ignore")  # ±inf/inf: NaN, as jax.nn.soft_sign, without a warning
def _soft_sign_forward(x):
    return x / (np.abs(x) + 1)


def _soft_sign_d(out, x):
    r = 1 / (abs(x) + 1)  # squared after the division: (|x| + 1)² overflows for large finite x
    return r * r


soft_sign = _unary("soft_sign", _soft_sign_forward, _soft_sign_d,
                   "diag(1/(|x| + 1)²)", "x/(|x| + 1)")


_LOG2 = math.log(2.0)  # a Python float: a float32 input stays float32 (np.log(2.0) is a float64)


def _log1mexp_forward(x):
    # log(1 − e^(−x)) for x > 0, accurate at both ends (Mächler's switch at log 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.log(-np.expm1(-np.minimum(x, _LOG2)))
        large = np.log1p(-np.exp(-np.maximum(x, _LOG2)))
    return np.where(x > _LOG2, large, small)


def _log1mexp_d(out, x):
    # 1/(eˣ − 1) = e^(−x)/(1 − e^(−x)): no overflow of eˣ for large x (the value is 0 there)
    return exp(-x) / -expm1(-x)


log1mexp = _unary("log1mexp", _log1mexp_forward, _log1mexp_d,
                  "diag(1/(eˣ − 1))", "log(1 − e^(−x)) for x > 0, stable", domain="positive")


# ---- piecewise-linear and piecewise-quadratic ---------------------------------------------
def _open(x, lo, hi, like):
    v = concrete(x)
    return _mask(np.logical_and(np.greater(v, lo), np.less(v, hi)), like)


relu6 = _unary("relu6", lambda x: np.minimum(np.maximum(x, 0), 6.0),  # (6.0: ints give floats, as JAX)
               lambda out, x: _open(x, 0, 6, out), "diag([0 < x < 6])",
               "min(max(x, 0), 6); the derivative is 0 at both corners")

hard_tanh = _unary("hard_tanh", lambda x: np.clip(x, -1, 1),
                   lambda out, x: _mask(np.less_equal(np.abs(concrete(x)), 1), out),
                   "diag([|x| ≤ 1])", "x clipped to [−1, 1]")

hard_sigmoid = _unary("hard_sigmoid", lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6,
                      lambda out, x: _open(x, -3, 3, out) / 6, "diag([−3 < x < 3]/6)",
                      "relu6(x + 3)/6")


def _hard_silu_d(out, x):
    inside = _open(x, -3, 3, out)
    hs = hard_sigmoid(x)
    # x only where it is used (x·0 would be NaN at x = ±inf, where the slope is 0 or 1)
    return hs + where(inside, x, 0.0) / 6


@np.errstate(invalid="ignore")  # hard_silu(−inf) = −inf·0: NaN, as jax.nn.hard_silu
def _hard_silu_forward(x):
    return x * (np.minimum(np.maximum(x + 3, 0), 6) / 6)


hard_silu = _unary("hard_silu", _hard_silu_forward, _hard_silu_d,
                   "diag(hard_sigmoid(x) + x[−3 < x < 3]/6)", "x·hard_sigmoid(x) (also hard_swish)",
                   aliases=("hard_swish",))


def _sparse_plus_forward(x):
    x = np.asarray(x)  # (a Python number reaches the forward as it is)
    dt = x.dtype if x.dtype.kind == "f" else np.result_type(x.dtype, 1.0)  # integers: floats
    x = x.astype(dt, copy=False)
    inner = np.clip(x, -1, 1)  # (no overflow squaring the outer entries)
    return np.where(x <= -1, 0.0, np.where(x >= 1, x, (inner + 1) ** 2 / 4)).astype(dt, copy=False)


def _sparse_plus_d(out, x):
    v = concrete(x)
    mid = _open(x, -1, 1, out)
    # x only where it is used (x·0 would be NaN at x = ±inf, where the slope is 0 or 1)
    return mid * (where(mid, x, 0.0) + 1) / 2 + _mask(np.greater_equal(v, 1), out)


sparse_plus = _unary("sparse_plus", _sparse_plus_forward, _sparse_plus_d,
                     "diag([|x| < 1](x + 1)/2 + [x ≥ 1])",
                     "0 for x ≤ −1, (x + 1)²/4 between, x for x ≥ 1: a smooth relu")


def _sparse_sigmoid_d(out, x):
    v = concrete(x)
    inside = _open(x, -1, 1, out)
    edge = _mask(np.equal(np.abs(v), 1), out)
    return 0.5 * inside + 0.25 * edge


sparse_sigmoid = _unary("sparse_sigmoid", lambda x: 0.5 * np.clip(x + 1, 0, 2), _sparse_sigmoid_d,
                        "diag([|x| < 1]/2)", "(x + 1)/2 clipped to [0, 1]")

swish, hard_swish = silu, hard_silu  # (jax.nn's second names; tg.swish too)

__all__ = ["elu", "celu", "selu", "silu", "swish", "mish", "squareplus", "soft_sign", "log1mexp",
           "relu6", "hard_tanh", "hard_sigmoid", "hard_silu", "hard_swish", "sparse_plus",
           "sparse_sigmoid"]
