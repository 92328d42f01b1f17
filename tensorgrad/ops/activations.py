"""Activations and losses: sigmoid and friends, log-sum-exp, softmax, the fused losses. Each
is one registered op with its own rules, computed stably:

* ``logsumexp`` (in :mod:`tensorgrad.ops.logsumexp`) shifts by the max; its gradient
  is softmax.
* ``softmax``: Jacobian ``diag(p) − p pᵀ``, applied without forming it:
  VJP ``p ⊙ (g − ⟨g, p⟩)``, JVP ``p ⊙ (t − ⟨t, p⟩)``.
* ``softmax_cross_entropy`` is fused: mean over the batch of
  ``logsumexp(z) − ⟨y, z⟩``, whose gradient is exactly ``(p − y)/batch``.
"""
from __future__ import annotations

import math
import threading
import weakref

import numpy as np
from scipy import special

from ..jacobians.maps import SoftmaxJacobian
from ..recording import bind
from ..registry import Example, elementwise, function, general
from ..staging import call as staged_call, is_staged
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import broadcast_warning, concrete, dtype_of, in_float_of, lift_tangent, negative_axes, \
    negative_axis, shape_of
from .elementwise import _gauss, astype as _astype, clip, exp, tanh, where
from .logsumexp import _lse_forward, logsumexp  # noqa: F401  (logsumexp: served here too)
from .reductions import sum as _sum
from .shape import reshape, transpose


# ---- activations (diagonal Jacobians) ------------------------------------------------
_expit = in_float_of(special.expit)


def expit(x):
    """σ(x) = 1/(1 + e⁻ˣ) without overflow; for complex x (as JAX's) 1/(1 + e⁻ˣ) where
    Re x ≥ 0 and eˣ/(1 + eˣ) elsewhere, so no exponential overflows."""
    if np.iscomplexobj(x):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            e = np.exp(-np.abs(x.real) + 1j * np.where(x.real >= 0, -x.imag, x.imag))
            return np.where(x.real >= 0, 1 / (1 + e), e / (1 + e))
    return _expit(x)


sigmoid = elementwise("sigmoid", expit, d={"x": lambda out, x: out * sigmoid(-x)},  # (σ(1 − σ) cancels)
                      jax="jax.nn.sigmoid", symbol="diag(σ(x)(1 − σ(x)))", numpy="scipy.special.expit",
                      doc="logistic sigmoid 1/(1 + e⁻ˣ), without overflow")


def _logaddexp0(x):
    """log(1 + eˣ) = logaddexp(0, x); a NaN input gives NaN without NumPy's warning. For
    complex x: x + log1p(e⁻ˣ) where Re x > 0, log1p(eˣ) elsewhere (no overflow)."""
    if np.iscomplexobj(x):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            big = x.real > 0
            return np.where(big, x, 0) + np.log1p(np.exp(np.where(big, -x, x)))
    with np.errstate(invalid="ignore"):
        return np.logaddexp(0, x)


softplus = elementwise("softplus", _logaddexp0, d={"x": lambda out, x: sigmoid(x)},
                       jax="jax.nn.softplus", symbol="diag(σ(x))", doc="log(1 + eˣ), stable")
log_sigmoid = elementwise("log_sigmoid", lambda x: -_logaddexp0(-x),
                          d={"x": lambda out, x: sigmoid(-x)}, jax="jax.nn.log_sigmoid",
                          symbol="diag(σ(−x))", doc="log σ(x), stable")

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # Python floats: float32 inputs stay float32
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


_erfc = in_float_of(special.erfc)  # (float16 stays float16)


@np.errstate(over="ignore", invalid="ignore")  # x³ overflows for |x| > 1e102; ∓inf·0 is NaN
def _gelu_forward(x, approximate):
    if dtype_of(x).kind in "biu":  # −x and x³ would wrap around in the integer dtype: float first
        x = np.asarray(x, dtype=np.float64)
    if approximate:
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)))
    # Φ(x) = erfc(−x/√2)/2: no cancellation in 1 + erf(x/√2) for x ≪ 0 (exact digits down to
    # the underflow of Φ, as jax.nn.gelu; 1 + erf loses every digit below x ≈ −8)
    return 0.5 * x * _erfc(-x * _SQRT_HALF)


def _gelu_deriv(out, x, approximate):
    if approximate:
        x = clip(x, -30.0, 30.0)  # beyond, tanh is ±1: slope exactly 1 or 0 (no x³ overflow, inf·0)
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
        th = tanh(inner)
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return _normal_cdf(x) + x * (_gauss(x, 0.5) * _INV_SQRT_2PI)  # (x² would overflow: _gauss)


# Φ as an op of its own for gelu's slope (Φ′ = φ written with ops: it differentiates again)
_normal_cdf = elementwise(
    "gelu_normal_cdf", in_float_of(special.ndtr, "ndtr"), d={"x": lambda out, x: _gauss(x, 0.5) * _INV_SQRT_2PI},
    public=False, numpy=(), jax="jax.scipy.special.ndtr", symbol="diag(φ(x))",
    doc="the standard normal CDF Φ (for gelu's derivative)")

erf = elementwise("erf", in_float_of(special.erf), d={"x": lambda out, x: _TWO_OVER_SQRT_PI * _gauss(x, 1.0)},
                  jax="jax.scipy.special.erf", symbol="diag(2/√π · e^(−x²))", numpy="scipy.special.erf",
                  doc="the error function")


def _gelu_approximate(approximate) -> bool:
    """JAX's bool, or PyTorch's strings ``'none'`` (exact) and ``'tanh'``."""
    if isinstance(approximate, str):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be True/False (JAX) or 'none'/'tanh' "
                             f"(PyTorch), got {approximate!r}")
        return approximate == "tanh"
    return bool(approximate)


gelu = elementwise(
    "gelu", _gelu_forward, d={"x": _gelu_deriv}, params=("approximate",),
    signature=lambda x, approximate=True: ((x,), (_gelu_approximate(approximate),)),
    jax="jax.nn.gelu", symbol="diag(Φ(x) + x φ(x))",
    doc="GELU: x·Φ(x), Φ the normal CDF; as ``jax.nn.gelu``, ``approximate=True`` (the default) is "
        "the tanh formula, ``False`` exact (PyTorch's default; its ``'none'``/``'tanh'`` work too)",
    examples=[Example(((3, 4),), {"approximate": False}),
              Example(((5,),), {"approximate": True}), Example(((),), {"approximate": False})])


# ---- softmax ----------------------------------------------------------------------------------
def _as_float(x):
    """Integer or bool logits in the float type NumPy's float functions give them (float16 for
    uint8), before any subtraction: x − max(x) of unsigned integers would wrap around."""
    return x.astype(np.result_type(x.dtype, np.float16)) if x.dtype.kind in "biu" else x


def _softmax_forward(x, axis):
    x = _as_float(x)
    if x.size == 0:
        return np.exp(x)
    m = x.max(axis=axis, keepdims=True)
    if np.isfinite(m).all():  # every max finite: each row sums to ≥ 1 (x − m overflows to −inf
        with np.errstate(over="ignore"):  # only for a range beyond the largest float: exp 0)
            e = np.exp(x - m)
        e /= e.sum(axis=axis, keepdims=True)  # e is our own fresh buffer
        return e
    # with +inf or NaN in a row the whole row is NaN (as JAX), without a NumPy warning
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(x - np.where(np.isfinite(m), m, 0))
        s = np.sum(e, axis=axis, keepdims=True)
        p = e / np.where(s == 0, 1, s)  # an all −inf row: every p = 0 (no mass anywhere)
        return np.where(np.isposinf(m.real), np.nan, p)  # (complex: a +inf real part)


def _softmax_vjp(g, out, x, axis):
    return out * (g - _sum(g * out, axis=axis, keepdims=True))


def _softmax_jacobian(log: bool):
    def build(i, args, out, params):
        return SoftmaxJacobian(np.exp(out) if log else out, params[0], log=log)
    return build


def _axis_signature(name):
    def signature(x: ArrayLike, axis: int = -1):
        return (x,), (negative_axis(axis, len(shape_of(concrete(x))), name),)
    return signature


_softmax_op = general(
    "softmax", _softmax_forward,
    vjp={"x": _softmax_vjp}, jvp={"x": _softmax_vjp},  # the Jacobian diag(p) − p pᵀ is symmetric
    signature=_axis_signature("softmax"), params=("axis",), jacobian=_softmax_jacobian(log=False),
    jax="jax.nn.softmax", symbol="diag(p) − p pᵀ",
    doc="Softmax along ``axis``: exp(x) / Σ exp(x); its Jacobian diag(p) − p pᵀ is never formed",
    examples=[Example(((4,),)), Example(((3, 4),)), Example(((3, 4),), {"axis": 0}),
              Example(((2, 3, 4),), {"axis": 1})])


def _log_softmax_forward(x, axis):
    # (x − m) − log Σ exp(x − m): the shifted form keeps float32 exact for large logits
    x = _as_float(x)
    if x.size == 0:
        return x - x
    m = np.max(x, axis=axis, keepdims=True)  # (complex: NumPy's order, real part first)
    inf_row = np.isposinf(m.real)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # +inf/NaN rows: NaN
        d = x - m
        lse = np.log(np.sum(np.exp(d), axis=axis, keepdims=True))
        out = np.where(np.isneginf(lse.real), -np.inf, d - lse)  # all −inf row: −inf, like log 0
        return np.where(inf_row, np.nan, out)  # a +inf entry: the whole row NaN, as JAX


_log_softmax_op = general(
    "log_softmax", _log_softmax_forward,
    # p from the stable softmax of x (exp(out) loses digits in float32 for large logits)
    vjp={"x": lambda g, out, x, axis: g - bind(_softmax_op.op, (x,), (axis,)) * _sum(g, axis=axis, keepdims=True)},
    jvp={"x": lambda t, out, x, axis: t - _sum(bind(_softmax_op.op, (x,), (axis,)) * t, axis=axis, keepdims=True)},
    signature=_axis_signature("log_softmax"), params=("axis",), jacobian=_softmax_jacobian(log=True),
    jax="jax.nn.log_softmax", symbol="I − 1 pᵀ",
    doc="log(softmax(x)) computed as x − logsumexp(x): stable",
    examples=[Example(((4,),)), Example(((3, 4),)), Example(((3, 4),), {"axis": 0})])


# ---- softmax and log_softmax over several axes, with where= ----------------------------------
def _over_axes(op_fn, x, axes: tuple):
    """``op_fn`` (an op normalizing along one axis) over ``axes`` together: those axes moved
    last and flattened into one, the op along it, everything put back."""
    xs = shape_of(concrete(x))
    n = len(xs)
    if len(axes) == 1:
        return op_fn(x, axis=axes[0])
    rest = [a for a in range(n) if a not in axes]
    order = rest + list(axes)
    kept = tuple(xs[a] for a in rest)
    # the merged length spelled out: -1 is ambiguous when a kept axis has length 0
    y = op_fn(reshape(transpose(x, order), kept + (int(np.prod([xs[a] for a in axes])),)), axis=-1)
    y = reshape(y, kept + tuple(xs[a] for a in axes))
    return transpose(y, [order.index(a) for a in range(n)])


def _normalized(op_fn, name: str, fill: float, x, axis, where_):
    if where_ is None and isinstance(axis, (int, np.integer)):
        return op_fn(x, axis=axis)  # the common case: the op itself
    n = len(shape_of(concrete(x)))
    axes = tuple(sorted(negative_axes(axis, n, name)))
    if not axes:  # axis=(), or all the axes of a 0-d input: each entry normalized alone, as JAX
        d = x - x  # (0, NaN where x is not finite; a zero gradient)
        out = exp(d) if name == "softmax" else d
        return out if where_ is None else where(where_, out, fill)
    axes = tuple(a % n for a in axes) if axes else tuple(range(n))
    if where_ is None:
        return _over_axes(op_fn, x, axes)
    # entries outside where= take no part: −inf in, a fixed value out (JAX's convention)
    out = _over_axes(op_fn, where(where_, x, -np.inf), axes)
    return where(where_, out, fill)


def _dtype_given(x, where):
    """``(x, where)``, with a dtype given in ``where``'s place taken as PyTorch's third
    positional argument, ``torch.softmax(x, 1, torch.float32)``: ``x`` cast to it, no mask (a
    dtype is never a mask; read as one, it would silently select every entry)."""
    if isinstance(where, (np.dtype, type, str)):  # (np.float32, tg.float32, "float32", float)
        dt = np.dtype(where)
        if dt.kind not in "fc":  # (an int or bool softmax would truncate; PyTorch's refuses too)
            raise TypeError(f"softmax: the dtype {dt} given in where's place (PyTorch's dtype) "
                            "must be a floating type")
        return _astype(x, dt), None
    return x, where


@function(methods=())
def softmax(x: ArrayLike, axis: Axis = -1, where: ArrayLike | None = None, *, dim: Axis = None) -> Array:
    """Softmax along ``axis`` (an int, a tuple of axes normalized together, or None: all),
    exp(x)/Σ exp(x); with ``where`` only those entries (0 elsewhere), as ``jax.nn.softmax``.
    ``dim`` is PyTorch's name for ``axis`` (``torch.softmax(x, dim=1)``), and a dtype in
    ``where``'s place is PyTorch's ``dtype`` (``torch.softmax(x, 1, torch.float32)``).
    Jacobian diag(p) − p pᵀ, never formed."""
    x, where = _dtype_given(x, where)
    return _normalized(_softmax_op, "softmax", 0.0, x, axis if dim is None else dim, where)


@function(methods=())
def log_softmax(x: ArrayLike, axis: Axis = -1, where: ArrayLike | None = None, *,
                dim: Axis = None) -> Array:
    """log(softmax(x)) as x − logsumexp(x) (stable), over ``axis`` as :func:`softmax`; with
    ``where``, −inf outside it (``jax.nn.log_softmax``). ``dim``: PyTorch's name for ``axis``;
    a dtype in ``where``'s place is PyTorch's ``dtype``, as in :func:`softmax`."""
    x, where = _dtype_given(x, where)
    return _normalized(_log_softmax_op, "log_softmax", -np.inf, x, axis if dim is None else dim,
                       where)


softmax.op = _softmax_op.op
log_softmax.op = _log_softmax_op.op


# ---- fused softmax cross-entropy ------------------------------------------------------------
_add_reduce = np.add.reduce
_max_reduce = np.maximum.reduce


def _softmax_lse(z, finite: bool = False):
    """Softmax and log-sum-exp of ``z`` along its last axis, from one exp.

    The same numbers as :func:`_softmax_forward` and :func:`_lse_forward`
    (non-finite rows included); the fused loss computes both at once and its
    rules reuse the softmax. ``finite``: the caller has checked that every
    entry of ``z`` is finite.
    """
    if z.size == 0:
        return np.exp(z), _lse_forward(z, (-1,), False)
    # the ufuncs' own reductions: one C call each, without ndarray.max/sum's Python frame
    m = _max_reduce(z, axis=-1, keepdims=True)
    if finite or math.isfinite(_add_reduce(m, axis=None)):
        e = np.exp(z - m)
        s = _add_reduce(e, axis=-1, keepdims=True)
        lse = np.log(s) + m
        e /= s  # our own buffer
        return e, lse[..., 0]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        inf_row = np.isposinf(m)
        m = np.where(np.isfinite(m), m, 0)
        e = np.exp(z - m)
        s = np.sum(e, axis=-1, keepdims=True)
        lse = np.log(s) + m
        return np.where(inf_row, np.nan, e / np.where(s == 0, 1, s)), lse[..., 0]


#: this thread's last fused-loss softmax, for its VJP: ``.slot`` = [a weak reference to the
#: logits, the softmax], emptied when the logits die (an evaluation pins nothing)
_last_softmax = threading.local()


def _keep_softmax(z, p) -> None:
    slot = _last_softmax.__dict__.setdefault("slot", [None, None])
    slot[:] = weakref.ref(z, lambda r, s=slot: s[0] is r and s.__setitem__(slice(None), [None, None])), p


def _softmax_rows(z):
    """softmax(z) along the last axis for the fused loss's rules: the forward's own result
    when it was this thread's last (no second exp); under ``tg.jit`` its recorded step again
    (merged in the plan); for a Tensor of an enclosing transform the softmax op."""
    if type(z) is np.ndarray:
        slot = getattr(_last_softmax, "slot", None)
        if slot is not None and slot[0] is not None and slot[0]() is z:
            p, slot[0], slot[1] = slot[1], None, None
            return p
        return _softmax_lse(z)[0]
    if is_staged(z):
        return staged_call(_softmax_lse, z)[0]
    return bind(_softmax_op.op, (z,), (-1,))


def _all_finite(z) -> bool:
    """Whether every logit is finite: Σ z² is (BLAS: no NumPy warning where a sum of +inf and
    −inf would give one; an overflow only sends the caller to its general path)."""
    return math.isfinite(np.vdot(z, z))


def _sce_forward(z, y):
    if type(z) is np.ndarray and type(y) is np.ndarray:  # plain arrays: nothing to stage
        # one finiteness check of the logits serves both parts
        finite = bool(z.size) and _all_finite(z)
        p, lse = _softmax_lse(z, finite)
        _keep_softmax(z, p)
        return _sce_from_lse(lse, z, y, finite)
    p, lse = staged_call(_softmax_lse, z)  # one recorded step under tg.jit
    if type(z) is np.ndarray:
        _keep_softmax(z, p)
    return staged_call(_sce_from_lse, lse, z, y)


def _sce_from_lse(lse, z, y, finite: bool = False):
    # −Σ_k y_k log p_k = lse·Σ_k y_k − ⟨y, z⟩ (lse − ⟨y, z⟩ for probability rows)
    if finite or _all_finite(z):
        d = lse * _add_reduce(y, axis=-1) - _add_reduce(y * z, axis=-1)
    else:
        with np.errstate(invalid="ignore"):  # 0·(−inf) on masked classes counts as 0
            picked = np.sum(np.where(y != 0, y * z, 0), axis=-1)
            ys = _add_reduce(y, axis=-1)
            d = lse * ys - picked
        # a row of −inf logits has its target at −inf too: a loss of +inf (not −inf + inf)
        d = np.where(lse == -np.inf, np.where(ys != 0, np.inf, 0.0), d).astype(d.dtype, copy=False)
    if d.size == 0:  # an empty batch: the mean of nothing is NaN (as in PyTorch), without a warning
        return np.asarray(np.nan, dtype=d.dtype)
    return _add_reduce(d, axis=None) / d.shape[0] if d.ndim == 1 and d.shape[0] else d.mean()


def _label_sums(y):
    """Σ_k y_k per row, kept as a column: 1 for probability rows and one-hot labels."""
    if type(y) is np.ndarray:
        return _add_reduce(y, axis=-1, keepdims=True)
    return _sum(y, axis=-1, keepdims=True)


def _sce_vjp(g, out, z, y):
    # ∂L/∂z = (p·Σy − y)/batch, which is (p − y)/batch for probability rows: the fused rule,
    # p the forward's stable softmax
    if type(g) is np.ndarray and type(z) is np.ndarray and g.ndim == 0 and z.ndim == 2:
        # a first-order sweep: NumPy directly
        return (_softmax_rows(z) * _label_sums(y) - y) * (g / max(z.shape[0], 1))
    n = max(shape_of(z)[0], 1) if len(shape_of(z)) == 2 else 1  # (an empty batch: no 1/0)
    p = _softmax_rows(z)
    return (p * _label_sums(y) - y) * (_expand_loss(g, z) / n)  # scale the small g first


def _neg_log_softmax(z):
    """−log softmax(z) = lse − z along the last axis, with ops (it differentiates again)."""
    return logsumexp(z, axis=-1, keepdims=True) - z


def _sce_vjp_labels(g, out, z, y):
    # ∂L/∂y = −log softmax(z)/batch (soft labels, e.g. a teacher's probabilities)
    n = max(shape_of(z)[0], 1) if len(shape_of(z)) == 2 else 1  # (an empty batch: no 1/0)
    return _neg_log_softmax(z) * (_expand_loss(g, z) / n)


def _sce_jvp_labels(t, out, z, y):
    n = max(shape_of(z)[0], 1) if len(shape_of(z)) == 2 else 1  # (an empty batch: no 1/0)
    return _sum(t * (_neg_log_softmax(z) / n), axis=tuple(range(-len(shape_of(z)), 0)))


def _expand_loss(g, z):
    # g is a scalar per batch entry of the sweep; give it axes to meet (batch, classes).
    k = len(shape_of(z))
    if k == 0:
        return g
    if type(g) is np.ndarray:
        return g.reshape(g.shape + (1,) * k)
    return reshape(g, shape_of(g) + (1,) * k)


def _sce_jvp(t, out, z, y):
    n = max(shape_of(z)[0], 1) if len(shape_of(z)) == 2 else 1  # (an empty batch: no 1/0)
    p = _softmax_rows(z)
    return _sum(t * ((p * _label_sums(y) - y) / n), axis=tuple(range(-len(shape_of(z)), 0)))


def _sce_signature(logits: ArrayLike, labels: ArrayLike):
    """Mean cross-entropy of ``softmax(logits)`` against ``labels``.

    ``logits`` is (batch, classes) or (classes,). ``labels`` holds integer
    class ids (shape (batch,) or ()) or probability rows shaped like
    ``logits`` (one-hot included). The loss is the mean over the batch of
    −Σ_k y_k log softmax(z)_k; its gradient with respect to the logits is exactly
    (p − y)/batch for probability rows ((p·Σy − y)/batch in general), and soft labels
    differentiate too: −log softmax(z)/batch. Integer class ids carry no gradient.
    """
    zs = shape_of(concrete(logits))
    if type(labels) is np.ndarray and labels.dtype.kind == "f" and labels.shape == zs \
            and len(zs) in (1, 2):  # probability rows: the common case, nothing to convert
        return (logits, labels), ()
    if len(zs) not in (1, 2):
        raise ValueError(f"softmax_cross_entropy: logits must be (batch, classes) or (classes,), "
                         f"got shape {zs}")
    y = concrete(labels)
    if not is_staged(y):
        try:
            y = np.asarray(y)
        except TypeError:  # values Python cannot read (traced by jax.jit under tg.to_jax):
            return (logits, labels), ()  # the JAX counterpart checks them
    k = zs[-1]
    if y.dtype.kind in "iub" and y.shape == zs[:-1]:
        if y.dtype.kind == "b":
            raise TypeError("softmax_cross_entropy: labels are booleans; give class ids or one-hot rows")
        # under tg.jit the check and the one-hot rows are one recorded step (new labels each call)
        y = staged_call(_one_hot, y, k, dtype_of(concrete(logits)))
    elif y.dtype.kind in "iub" and y.shape == zs:  # one-hot rows as integers or booleans:
        y = y.astype(dtype_of(concrete(logits)))    # rows in the logits' dtype, as optax
    elif y.dtype.kind == "f" and y.shape == zs:
        # probability rows: the labels themselves, so traced (soft) labels keep their gradient
        y = labels if hasattr(labels, "shape") and hasattr(labels, "dtype") else y
    elif y.dtype.kind == "f" and y.shape == zs[:-1]:
        odd = y[(y != np.round(y)) | (y < 0) | (y >= k)] if y.size and not is_staged(y) else y[:0]
        shown = f"; first bad label {odd.flat[0]!r}" if odd.size else ""
        raise ValueError("softmax_cross_entropy: labels of shape "
                         f"{y.shape} must be integer class ids in 0..{k - 1} for {k} classes "
                         f"(got dtype {y.dtype}{shown}); use .astype(int) for whole numbers")
    else:
        raise ValueError(f"softmax_cross_entropy: labels of shape {y.shape} (dtype {y.dtype}) "
                         f"do not match logits of shape {zs}: give class ids of shape {zs[:-1]} "
                         f"or probability rows of shape {zs}")
    return (logits, y), ()


def _one_hot(y, k: int, dtype):
    """Rows of the identity for integer class ids ``y``, after checking they are in 0..k-1."""
    bad = (y < 0) | (y >= k)
    if bad.any():
        raise IndexError(f"softmax_cross_entropy: label {int(y[bad].flat[0])} is out of range "
                         f"for {k} classes (labels must be in 0..{k - 1})")
    return np.eye(k, dtype=dtype)[y]


def _jax_sce(jnp, z, y):
    import jax
    onehot = y if y.shape == z.shape else jax.nn.one_hot(y, z.shape[-1], dtype=z.dtype)
    return jnp.mean(-jnp.sum(onehot * jax.nn.log_softmax(z, axis=-1), axis=-1))


def _to_jax_sce(jnp, z, y):
    """The loss under tg.to_jax, where labels are JAX values that cannot be checked in Python."""
    import jax
    zs, k = tuple(z.shape), z.shape[-1]
    ys, ydt = tuple(jnp.shape(y)), jnp.result_type(y)
    if jnp.issubdtype(ydt, jnp.integer) and ys == zs[:-1]:
        valid = (y >= 0) & (y < k)
        rows = jax.nn.one_hot(jnp.where(valid, y, 0), k, dtype=z.dtype)
        per = -jnp.sum(rows * jax.nn.log_softmax(z, axis=-1), axis=-1)
        # an out-of-range label cannot raise under jit: it makes the loss NaN instead
        return jnp.mean(jnp.where(valid, per, jnp.nan))
    if ys == zs and any(jnp.issubdtype(ydt, t) for t in (jnp.floating, jnp.integer, jnp.bool_)):
        return jnp.mean(-jnp.sum(y * jax.nn.log_softmax(z, axis=-1), axis=-1))
    raise ValueError(f"softmax_cross_entropy: labels of shape {ys} (dtype {ydt}) do not match "
                     f"logits of shape {zs}: give integer class ids of shape {zs[:-1]} or "
                     f"probability rows of shape {zs}")


softmax_cross_entropy = general(
    "softmax_cross_entropy", _sce_forward, vjp={"z": _sce_vjp, "y": _sce_vjp_labels},
    jvp={"z": _sce_jvp, "y": _sce_jvp_labels}, signature=_sce_signature, jax=_jax_sce,
    to_jax=_to_jax_sce,
    composite=True,
    symbol="(p − y)ᵀ / batch", domain=("real", "probs"),
    doc="mean over the batch of −Σ y log softmax(z), fused",
    examples=[Example(((5, 4), (5, 4))), Example(((4,), (4,))),
              Example(((3, 5), np.array([0, 4, 2])))])


# ---- mean squared error ---------------------------------------------------------------
def _mse_forward(p, y, half):
    d = p - y
    if d.size == 0:  # the mean of nothing is NaN (as in PyTorch), without NumPy's warning
        return np.asarray(np.nan, dtype=np.result_type(d.dtype, np.float16))
    return np.mean(d * d) * (0.5 if half else 1.0)


def _mse_rule(sign):
    def rule(g, out, p, y, half):
        scale = (1.0 if half else 2.0) / max(int(np.prod(np.broadcast_shapes(shape_of(p), shape_of(y)))), 1)
        d = (p - y) * (sign * scale)
        return _expand_loss(g, d) * d
    return rule


def _mse_jvp(sign, wrt):
    def rule(t, out, p, y, half):
        scale = (1.0 if half else 2.0) / max(int(np.prod(np.broadcast_shapes(shape_of(p), shape_of(y)))), 1)
        d = (p - y) * (sign * scale)
        nd = len(np.broadcast_shapes(shape_of(p), shape_of(y)))
        t = lift_tangent(t, p if wrt == 0 else y, nd)
        return _sum(t * d, axis=tuple(range(-nd, 0)))
    return rule


def _mse_signature(pred: ArrayLike, target: ArrayLike, half: bool = False):
    """Mean of (pred − target)² over all entries; ``half=True`` gives the book's ½ convention."""
    ps, ts = shape_of(concrete(pred)), shape_of(concrete(target))
    try:
        both = np.broadcast_shapes(ps, ts)
    except ValueError:
        raise ValueError(f"mse: prediction shape {ps} and target shape {ts} do not broadcast") from None
    if both != ps and both != ts:  # both grow: (N, 1) against (N,) is an N × N mean
        broadcast_warning("mse", "a prediction", ps, "a target", ts, both, stacklevel=4)
    return (pred, target), (bool(half),)


mse = general(
    "mse", _mse_forward, vjp={"pred": _mse_rule(1), "target": _mse_rule(-1)},
    jvp={"pred": _mse_jvp(1, 0), "target": _mse_jvp(-1, 1)},
    signature=_mse_signature, params=("half",),
    jax=lambda jnp, p, y, half=False: jnp.mean((p - y) ** 2) * (0.5 if half else 1.0),
    symbol="2(p − y)ᵀ/n", doc="mean squared error (½ of it with half=True)",
    examples=[Example(((3, 4), (3, 4))), Example(((3, 4), (4,)), {"half": True}), Example(((), ()))])
