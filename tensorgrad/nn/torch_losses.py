"""More of ``torch.nn.functional``: the shrink activations, the margin and likelihood losses
and the distances, with PyTorch's names, signatures, defaults and reductions.

* activations: ``softmin``, ``softshrink``, ``hardshrink``, ``tanhshrink``, ``threshold``
  and ``logsigmoid`` (the registered ``log_sigmoid``);
* losses: ``soft_margin_loss``, ``multi_margin_loss``, ``multilabel_margin_loss``,
  ``multilabel_soft_margin_loss``, ``poisson_nll_loss``, ``gaussian_nll_loss`` and
  ``triplet_margin_loss``;
* distances: ``pairwise_distance``, ``pdist`` and ``normalize``.

Each is a composite of registered ops, so ``tg.grad``, ``tg.jvp``, ``tg.jacrev``, ``tg.jit``
and ``tg.vmap`` go through it. ``reduction`` is ``'mean'`` (the default), ``'sum'`` or
``'none'``; the deprecated ``size_average``/``reduce`` pair maps to a reduction as in PyTorch.
Where a function has a kink, its derivative there is the one PyTorch's backward gives (each
docstring says which), and no derivative is NaN where PyTorch's is finite.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _ops
from ..ops.activations import log_sigmoid
from ..typing import Array, ArrayLike  # noqa: F401
from .inplace import check as _check_inplace
from .inplace import finish
from .losses import (_arr, _dtype, _elementwise_pair, _float, _max0, _reduce, _reduction, _shape,
                     checked)

__all__ = ["softmin", "softshrink", "hardshrink", "tanhshrink", "threshold", "logsigmoid",
           "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "multilabel_soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
           "triplet_margin_loss", "pairwise_distance", "pdist", "normalize"]

logsigmoid = log_sigmoid
"""``torch.nn.functional.logsigmoid``: the registered op ``tg.nn.log_sigmoid``, log σ(x)."""


# ---- helpers -----------------------------------------------------------------------------------
def _positive_part(z, at_zero_passes: bool):
    """max(z, 0). Its slope at z = 0 is 1 when ``at_zero_passes`` (PyTorch's ``clamp_min``,
    which keeps a NaN value, with slope 0), else 0 (PyTorch's margin kernels test ``z > 0``,
    so a NaN gives 0 there, as in PyTorch)."""
    if at_zero_passes:
        return _max0(z)
    return _ops.where(z > 0, z, 0.0)


def _axis(name: str, dim: int, nd: int) -> int:
    n = max(nd, 1)
    if not -n <= dim < n:
        raise ValueError(f"{name}: dim {dim} is out of range for an input of {nd} dimensions")
    return dim % n


def _integer_target(name: str, target):
    target = _arr(target)
    if not np.issubdtype(_dtype(target), np.integer):
        raise TypeError(f"{name}: target must be an integer array of class indices, got dtype "
                        f"{_dtype(target)}")
    return target


def _vector_norm(d, p: float, axis, keepdims: bool = False, every_tie: bool = False):
    """The p-norm of ``d`` over ``axis`` with PyTorch's derivatives: 0 where the norm is 0,
    0 at a zero entry for p < 1, sign(d) for p = 1, and for p = ±inf the entries tied at the
    extreme share the slope (``torch.norm``) or each get all of it (``every_tie``: ``pdist``).
    A NaN entry makes the norm NaN (for p = 0 it counts as non-zero, as NumPy and
    ``torch.linalg.vector_norm``)."""
    a = _ops.abs(d)
    if p == 0:  # the number of non-zero entries: a count, with no derivative
        one = np.ones((), _dtype(a))
        # (plus 0 · sign(d) without its NaNs: slope 0, so the tape keeps d, as PyTorch's)
        zero = 0 * _ops.sign(_ops.where(_ops.isnan(a), 0 * one, a))
        return _ops.sum(_ops.where(_ops.not_equal(d, 0), one, 0 * one) + zero, axis=axis,
                        keepdims=keepdims)
    if p == 1:
        return _ops.sum(a, axis=axis, keepdims=keepdims)
    if p == 2:
        sq = _ops.square(a) if np.dtype(_dtype(d)).kind == "c" else _ops.square(d)  # |d|²
        s = _ops.sum(sq, axis=axis, keepdims=keepdims)
        zero = _ops.equal(s, 0)  # (tested as s == 0, so that a NaN sum stays NaN)
        return _ops.where(zero, 0.0, _ops.sqrt(_ops.where(zero, 1.0, s)))
    if math.isinf(p):
        m = (_ops.max if p > 0 else _ops.min)(a, axis=axis, keepdims=keepdims)
        if not every_tie:
            return m  # tg's max and min share a tied slope evenly, as torch.norm's backward
        top = _ops.equal(a, _ops.stop_gradient(_ops.max(a, axis=axis, keepdims=True)))
        moved = _ops.sum(_ops.where(top, a - _ops.stop_gradient(a), 0.0), axis=axis,
                         keepdims=keepdims)
        return _ops.stop_gradient(m) + moved  # the value of m; every tied entry's slope is ±1
    # the zero entries are the special ones (tested as a == 0, so that a NaN entry is not one
    # of them and reaches the sum). Their term is built from ``a`` itself, whose slope there
    # is |·|'s 0: a finite cotangent gives them slope 0, as a constant would, and a NaN one
    # (a NaN elsewhere in the vector) a NaN slope, as the plain formula in PyTorch and JAX.
    zero = _ops.equal(a, 0)
    if p > 0:
        terms = _ops.where(zero, a, _ops.power(_ops.where(zero, 1.0, a), p))
        s = _ops.sum(terms, axis=axis, keepdims=keepdims)
        none = _ops.equal(s, 0)
        return _ops.where(none, 0.0, _ops.power(_ops.where(none, 1.0, s), 1.0 / p))
    # p < 0: a zero entry makes the sum infinite and the norm 0 (slope 0 there), unless a NaN
    # entry makes it NaN (as PyTorch and NumPy: inf + NaN is NaN)
    s = _ops.sum(_ops.power(_ops.where(zero, a + 1.0, a), p), axis=axis, keepdims=keepdims)
    hit = _ops.logical_and(_ops.any(zero, axis=axis, keepdims=keepdims),
                           _ops.logical_not(_ops.isnan(s)))
    return _ops.where(hit, 0.0, _ops.power(s, 1.0 / p))


# ---- activations -------------------------------------------------------------------------------
def softmin(input: ArrayLike, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Array:
    """``softmax(−x)`` along ``dim`` (``torch.nn.functional.softmin``): the entries of each
    slice along ``dim`` sum to 1, the smallest getting the most. ``dtype`` casts the input
    first. Without ``dim`` PyTorch's deprecated implicit choice is made (axis 0 for 0-, 1- and
    3-dimensional input, else axis 1) with a warning, as PyTorch does."""
    x = _float(input, "softmin") if dtype is None else _ops.astype(_arr(input), dtype)
    nd = len(_shape(x))
    if dim is None:
        warnings.warn("softmin: implicit dimension choice is deprecated (as in PyTorch); pass "
                      "dim=", UserWarning, stacklevel=_stacklevel)
        dim = 0 if nd in (0, 1, 3) else 1
    axis = _axis("softmin", dim, nd)
    if nd == 0:
        return _ops.reshape(_ops.softmax(-_ops.reshape(x, (1,)), axis=0), ())
    return _ops.softmax(-x, axis=axis)


def _inside(x, lambd: float):
    return _ops.logical_and(x >= -lambd, x <= lambd)


def softshrink(input: ArrayLike, lambd: float = 0.5) -> Array:
    """``x − λ`` above λ, ``x + λ`` below −λ, 0 in between
    (``torch.nn.functional.softshrink``; λ ≥ 0). The slope at ``x = ±λ`` is 0, PyTorch's
    choice (its backward passes the gradient only where ``|x| > λ``); NaN stays NaN."""
    lambd = float(lambd)
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    x = _float(input, "softshrink")
    return _ops.where(_inside(x, lambd), 0.0, _ops.where(x > lambd, x - lambd, x + lambd))


def hardshrink(input: ArrayLike, lambd: float = 0.5) -> Array:
    """``x`` where ``|x| > λ``, 0 where ``−λ ≤ x ≤ λ`` (``torch.nn.functional.hardshrink``).
    The slope at ``x = ±λ`` is 0, PyTorch's choice; a negative λ keeps every entry, as
    PyTorch."""
    x = _float(input, "hardshrink")
    return _ops.where(_inside(x, float(lambd)), 0.0, x)


def tanhshrink(input: ArrayLike) -> Array:
    """``x − tanh(x)`` (``torch.nn.functional.tanhshrink``)."""
    x = _float(input, "tanhshrink")
    return x - _ops.tanh(x)


def threshold(input: ArrayLike, threshold: float, value: float, inplace: bool = False) -> Array:
    """``x`` where ``x > threshold``, ``value`` elsewhere (``torch.nn.functional.threshold``).
    The slope at ``x = threshold`` is 0 (the entry is replaced), as PyTorch's; NaN stays NaN.
    ``inplace=True`` follows the rule of :mod:`tensorgrad.nn.inplace` (only a tensor of the
    imperative tape is written; use the returned value)."""
    _check_inplace("threshold", inplace)
    x = _float(input, "threshold")
    return finish("threshold", input, _ops.where(x <= float(threshold), float(value), x), inplace)


# ---- margin losses -----------------------------------------------------------------------------
def soft_margin_loss(input: ArrayLike, target: ArrayLike, size_average=None, reduce=None,
                     reduction: str = "mean") -> Array:
    """The two-class logistic loss ``log(1 + exp(−y·x))`` of targets ``y`` of ±1
    (``torch.nn.functional.soft_margin_loss``); the target broadcasts to the input. Written as
    ``softplus(−y·x)``, finite where PyTorch's ``log1p(exp(·))`` overflows (|y·x| > 709)."""
    name = "soft_margin_loss"
    red = _reduction(name, reduction, size_average, reduce)
    x, y = _elementwise_pair(name, input, target)
    if _shape(x) != _shape(input):  # (PyTorch computes into the input's shape)
        raise ValueError(f"{name}: a target of shape {_shape(target)} broadcasts the input of "
                         f"shape {_shape(input)} up to {_shape(x)}; give a target the input's "
                         "shape (or one that broadcasts to it)")
    return _reduce(_ops.softplus(-y * x), red)


def _class_rows(name: str, input, target):
    """input as (N, C) rows, the integer target as (N,), and the shape of the per-sample loss
    (target's shape: ``(N,)``, or ``()``/``(1,)`` for a single ``(C,)`` input)."""
    x = _float(input, name)
    sx = _shape(x)
    if len(sx) > 2:
        raise ValueError(f"{name}: input must be (C,) or (N, C), got shape {sx}")
    t = _integer_target(name, target)
    st = _shape(t)
    want = ((), (1,)) if len(sx) < 2 else (sx[:1],)
    if st not in want:
        raise ValueError(f"{name}: target shape {st} does not fit input of shape {sx}: expected "
                         f"{' or '.join(map(str, want))}")
    C = sx[-1] if sx else 1
    N = sx[0] if len(sx) == 2 else 1
    return _ops.reshape(x, (N, C)), _ops.reshape(t, (N,)), st, C


def _in_classes(t, name: str, C: int) -> None:
    if t.size and ((t < 0) | (t >= C)).any():
        raise ValueError(f"{name}: target holds a class out of range [0, {C})")


def _listed_classes(t, name: str, C: int) -> None:
    if t.size and ((t < -1) | (t >= C)).any():
        raise ValueError(f"{name}: target entries must be class indices in [0, {C}) or -1")


def _nonnegative_var(v, name: str) -> None:
    if (v < 0).any():
        raise ValueError(f"{name}: var has negative entries")


def multi_margin_loss(input: ArrayLike, target: ArrayLike, p: int = 1, margin: float = 1.0,
                      weight: ArrayLike | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Array:
    """The multi-class hinge loss ``Σ_{i≠y} w[y]·max(0, margin − x[y] + x[i])ᵖ / C`` of
    scores ``x`` (``(N, C)`` or ``(C,)``) at integer targets ``y``
    (``torch.nn.functional.multi_margin_loss``; p is 1 or 2, ``weight`` one per class).
    ``'mean'`` is the plain mean over samples. At ``margin − x[y] + x[i] = 0`` the slope is 0,
    PyTorch's choice."""
    name = "multi_margin_loss"
    red = _reduction(name, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"{name}: p must be 1 or 2, got {p}")
    x, t, out_shape, C = _class_rows(name, input, target)
    checked(_in_classes, target, name, C)
    hit = _ops.equal(_ops.expand_dims(t, 1), np.arange(C))
    xy = _ops.sum(_ops.where(hit, x, 0.0), axis=1, keepdims=True)
    h = _positive_part(float(margin) - xy + x, at_zero_passes=False)
    if p == 2:
        h = _ops.square(h)
    loss = _ops.sum(_ops.where(hit, 0.0, h), axis=1) / C
    if weight is not None:
        w = _float(weight, name)
        if _shape(w) != (C,):
            raise ValueError(f"{name}: weight must have shape ({C},) (one per class), got "
                             f"{_shape(w)}")
        loss = loss * _ops.sum(_ops.where(hit, w, 0.0), axis=1)
    return _reduce(_ops.reshape(loss, out_shape), red)


def multilabel_margin_loss(input: ArrayLike, target: ArrayLike, size_average=None, reduce=None,
                           reduction: str = "mean") -> Array:
    """The multi-label hinge loss ``Σ_j Σ_{i∉Y} max(0, 1 − (x[y_j] − x[i])) / C``
    (``torch.nn.functional.multilabel_margin_loss``): the target (integer, the input's shape,
    ``(C,)`` or ``(N, C)``) lists each sample's classes ``y_j`` up to the first −1; a class
    listed twice counts twice, as PyTorch. At ``1 − (x[y_j] − x[i]) = 0`` the slope is 0,
    PyTorch's choice."""
    name = "multilabel_margin_loss"
    red = _reduction(name, reduction, size_average, reduce)
    x = _float(input, name)
    sx = _shape(x)
    if len(sx) not in (1, 2):
        raise ValueError(f"{name}: input must be (C,) or (N, C), got shape {sx}")
    t = _integer_target(name, target)
    if _shape(t) != sx:
        raise ValueError(f"{name}: target shape {_shape(t)} must equal the input's shape {sx}")
    C = sx[-1]
    checked(_listed_classes, t, name, C)
    x2, t2 = _ops.reshape(x, (-1, C)), _ops.reshape(t, (-1, C))
    listed = _ops.cumprod(_ops.astype(_ops.not_equal(t2, -1), np.int64), axis=1) > 0  # (N, J)
    hit = _ops.logical_and(_ops.equal(_ops.expand_dims(t2, 2), np.arange(C)),
                           _ops.expand_dims(listed, 2))  # (N, J, C): y_j == c
    is_target = _ops.any(hit, axis=1)  # (N, C)
    xy = _ops.sum(_ops.where(hit, _ops.expand_dims(x2, 1), 0.0), axis=2)  # (N, J): x[y_j]
    z = 1.0 - _ops.expand_dims(xy, 2) + _ops.expand_dims(x2, 1)  # (N, J, I)
    counted = _ops.logical_and(_ops.expand_dims(listed, 2),
                               _ops.logical_not(_ops.expand_dims(is_target, 1)))
    h = _ops.where(counted, _positive_part(z, at_zero_passes=False), 0.0)
    loss = _ops.sum(h, axis=(1, 2)) / C
    return _reduce(loss if len(sx) == 2 else _ops.reshape(loss, ()), red)


def multilabel_soft_margin_loss(input: ArrayLike, target: ArrayLike,
                                weight: ArrayLike | None = None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Array:
    """The per-class logistic loss ``−(y·log σ(x) + (1 − y)·log σ(−x))``, times ``weight``,
    averaged over the class axis, the input's last
    (``torch.nn.functional.multilabel_soft_margin_loss``): one loss per sample, then
    reduced. Target and weight broadcast against the input, as PyTorch."""
    name = "multilabel_soft_margin_loss"
    red = _reduction(name, reduction, size_average, reduce)
    nd = len(_shape(input))
    if nd == 0:
        raise ValueError(f"{name}: input must have a class axis, got a scalar")
    x, y = _elementwise_pair(name, input, target)
    loss = -(y * log_sigmoid(x) + (1.0 - y) * log_sigmoid(-x))
    if weight is not None:
        w = _float(weight, name)
        try:
            np.broadcast_shapes(_shape(loss), _shape(w))
        except ValueError:
            raise ValueError(f"{name}: weight of shape {_shape(w)} does not broadcast with the "
                             f"loss of shape {_shape(loss)}") from None
        loss = loss * w
    C = _shape(input)[-1]
    return _reduce(_ops.sum(loss, axis=nd - 1) / C, red)


# ---- likelihood losses -------------------------------------------------------------------------
def poisson_nll_loss(input: ArrayLike, target: ArrayLike, log_input: bool = True,
                     full: bool = False, size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Array:
    """The Poisson negative log-likelihood ``exp(x) − t·x`` (``log_input=True``: x is the log
    rate) or ``x − t·log(x + eps)`` (x is the rate) (``torch.nn.functional.poisson_nll_loss``).
    ``full`` adds Stirling's term ``t·log t − t + ½·log(2πt)`` where ``t > 1`` (0 elsewhere,
    with slope 0 in t). Input and target broadcast; both are differentiable."""
    name = "poisson_nll_loss"
    red = _reduction(name, reduction, size_average, reduce)
    x, t = _elementwise_pair(name, input, target)
    if log_input:
        loss = _ops.exp(x) - t * x
    else:
        loss = x - t * _ops.log(x + float(eps))
    if full:
        big = t > 1
        ts = _ops.where(big, t, 2.0)
        stirling = ts * _ops.log(ts) - ts + 0.5 * _ops.log(2 * math.pi * ts)
        loss = loss + _ops.where(big, stirling, 0.0)
    return _reduce(loss, red)


def _var_like(name: str, var, input):
    """var shaped as PyTorch's gaussian_nll_loss accepts it: the input's shape, the input's
    shape without its last axis (a trailing 1 is added), or the input's shape with one axis of
    size 1; a Python number is that variance everywhere."""
    si = _shape(input)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{name}: var has a negative entry ({var})")
        return _ops.full_like(input, float(var))
    var = _float(var, name)
    checked(_nonnegative_var, var, name)
    sv = _shape(var)
    if sv == si:
        return var
    if si[:-1] == sv and si:
        return _ops.expand_dims(var, -1)
    if len(sv) == len(si) and sum(v for i, v in zip(si, sv) if i != v) == 1:
        return var
    raise ValueError(f"{name}: var of shape {sv} does not fit input of shape {si}: expected the "
                     "input's shape, that shape without its last axis, or with one axis of size 1")


def gaussian_nll_loss(input: ArrayLike, target: ArrayLike, var: ArrayLike | float,
                      full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> Array:
    """The Gaussian negative log-likelihood ``½·(log v + (x − t)²/v)`` with
    ``v = max(var, eps)`` (``torch.nn.functional.gaussian_nll_loss``; ``full`` adds
    ``½·log 2π``). ``var`` is a Python number, an array of the input's shape, of that shape
    without its last axis, or with one axis of size 1 (PyTorch's rules); input and target
    broadcast. As in PyTorch the clamp at ``eps`` is not differentiated: the slope in var is
    that of the formula at ``v``, also where ``var < eps``."""
    name = "gaussian_nll_loss"
    red = _reduction(name, reduction)
    x = _float(input, name)
    v = _var_like(name, var, x)
    x, t = _elementwise_pair(name, x, target)
    clamped = _ops.stop_gradient(_ops.where(v < float(eps), float(eps), v))
    v = clamped + (v - _ops.stop_gradient(v))  # the clamped value; the slope of v itself
    try:
        np.broadcast_shapes(_shape(x), _shape(v))
    except ValueError:
        raise ValueError(f"{name}: var of shape {_shape(v)} does not broadcast with input and "
                         f"target of shape {_shape(x)}") from None
    loss = 0.5 * (_ops.log(v) + _ops.square(x - t) / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, red)


# ---- distances ---------------------------------------------------------------------------------
def pairwise_distance(x1: ArrayLike, x2: ArrayLike, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Array:
    """``‖x1 − x2 + eps‖_p`` over the last axis, after broadcasting x1 and x2
    (``torch.nn.functional.pairwise_distance``; any p, ±inf and 0 included). The derivatives
    are PyTorch's: 0 where the distance is 0, 0 at a zero entry for p < 1, and at p = ±inf the
    entries tied at the extreme share the slope."""
    name = "pairwise_distance"
    a, b = _float(x1, name, True), _float(x2, name, True)
    try:
        np.broadcast_shapes(_shape(a), _shape(b))
    except ValueError:
        raise ValueError(f"{name}: x1 of shape {_shape(a)} and x2 of shape {_shape(b)} do not "
                         "broadcast together") from None
    d = (a - b) + float(eps)
    if not _shape(d):
        return _ops.reshape(_vector_norm(_ops.reshape(d, (1,)), float(p), 0), ())
    return _vector_norm(d, float(p), len(_shape(d)) - 1, keepdims=bool(keepdim))


def pdist(input: ArrayLike, p: float = 2) -> Array:
    """The p-norm distances between the rows of an ``(N, M)`` input, pair ``(i, j)`` for
    ``i < j`` in row-major order: ``N(N − 1)/2`` values (``torch.nn.functional.pdist``;
    ``0 ≤ p ≤ inf``). The derivatives are PyTorch's: 0 for a pair at distance 0 (a repeated
    row), 0 at a zero difference for p < 1, and at p = inf every entry tied at the maximum
    gets the whole slope (PyTorch's pdist, unlike its norm)."""
    name = "pdist"
    x = _float(input, name)
    sx = _shape(x)
    if len(sx) != 2:
        raise ValueError(f"{name}: input must be 2-D (N, M), got shape {sx}")
    p = float(p)
    if not p >= 0:
        raise ValueError(f"{name}: p must be non-negative, got {p}")
    i, j = np.triu_indices(sx[0], 1)
    d = _ops.take(x, i, axis=0) - _ops.take(x, j, axis=0)
    return _vector_norm(d, p, 1, every_tie=True)


def normalize(input: ArrayLike, p: float = 2.0, dim: int | tuple = 1, eps: float = 1e-12,
              out=None) -> Array:
    """``x / max(‖x‖_p, eps)`` with the norm over ``dim`` (an axis or a tuple of axes)
    (``torch.nn.functional.normalize``). The derivatives are PyTorch's: where the norm is
    below ``eps`` (a zero vector) the result is ``x/eps`` and its slope ``1/eps``; at the
    norm's kinks they are those of :func:`pairwise_distance`. ``out`` must be None (results
    are new tensors)."""
    name = "normalize"
    if out is not None:
        raise TypeError("normalize: out= is not supported (the result is a new tensor); leave it "
                        "None")
    x = _float(input, name, True)
    nd = len(_shape(x))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    axes = tuple(_axis(name, int(k), nd) for k in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: dim {dim} repeats an axis")
    if nd == 0:
        return _ops.reshape(normalize(_ops.reshape(x, (1,)), p, 0, eps), ())
    n = _vector_norm(x, float(p), axes, keepdims=True)
    eps = float(eps)
    return x / _ops.where(n < eps, eps, n)


def triplet_margin_loss(anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average=None, reduce=None, reduction: str = "mean") -> Array:
    """``max(0, margin + d(a, pos) − d(a, neg))`` with ``d`` the :func:`pairwise_distance`
    (p, eps) over the last axis (``torch.nn.functional.triplet_margin_loss``; margin > 0).
    ``swap`` uses ``min(d(a, neg), d(pos, neg))`` for the negative distance (a tie shares
    the slope). The three inputs have the same number of dimensions and broadcast. At
    ``margin + d(a, pos) − d(a, neg) = 0`` the slope is that of the positive side, as
    PyTorch's ``clamp_min``."""
    name = "triplet_margin_loss"
    red = _reduction(name, reduction, size_average, reduce)
    margin = float(margin)
    if not margin > 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    shapes = [_shape(anchor), _shape(positive), _shape(negative)]
    if len({len(s) for s in shapes}) != 1:
        raise ValueError(f"{name}: anchor, positive and negative must have the same number of "
                         f"dimensions, got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}")
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{name}: anchor, positive and negative of shapes {shapes[0]}, "
                         f"{shapes[1]} and {shapes[2]} do not broadcast together") from None
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(_positive_part(margin + d_pos - d_neg, at_zero_passes=True), red)
