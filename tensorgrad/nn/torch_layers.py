"""``torch.nn.functional``'s layers, with PyTorch's names, keywords and NCHW / NCL layouts.

* ``linear``, ``bilinear``;
* normalizations: ``layer_norm``, ``group_norm``, ``instance_norm``, ``rms_norm``,
  ``batch_norm`` (biased variance for normalizing, as PyTorch);
* ``embedding`` (``padding_idx`` rows get no gradient);
* pooling (:mod:`tensorgrad.nn.torch_pooling`): ``max_pool1d``, ``avg_pool1d``, the adaptive
  poolings and ``lp_pool1d``/``lp_pool2d``;
* ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``;
* ``scaled_dot_product_attention`` (without dropout).

Every function is a composite of registered ops, so the transforms (``tg.grad``, ``tg.jvp``,
``tg.jacrev``, ``tg.vmap``) and ``tg.jit`` go through it.

Running statistics: PyTorch's ``batch_norm`` and ``instance_norm`` update ``running_mean`` and
``running_var`` in place in training mode. tensorgrad does the same, but only on arrays that can
take it: they must be writable floating NumPy arrays of shape (C,), or floating tensors that do
not require grad (buffers, as PyTorch's), else the call raises (pass
``None`` to normalize with the batch statistics and update nothing). The update reads the batch
statistics' values: eagerly (also under ``tg.grad`` and the other transforms) at the call, and
under ``tg.jit`` as a step of the plan, run at every call of the compiled function, as the
``BatchNorm`` layers do. ``tg.vmap`` is a loop: a mapped call updates once per slice.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import ops as _ops
from .. import random as _random
from .. import staging as _staging
from ..hooks import TorchTypeError
from ..jax_backend import is_jax_tensor
from ..ops._util import broadcast_shapes_of, on_a_trace
from ..tensor import Tensor, concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from .inplace import check as _check_inplace
from .inplace import finish
from .draws import key_or_stream
from .torch_pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: F401
                            adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, lp_pool1d,
                            lp_pool2d, max_pool1d)

# (the poolings are documented in, and listed by, tensorgrad.nn.torch_pooling)
__all__ = ["linear", "bilinear", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "batch_norm", "embedding", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "scaled_dot_product_attention", "hardtanh"]


def hardtanh(input: ArrayLike, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Array:
    """``input`` clipped to [min_val, max_val] (``torch.nn.functional.hardtanh``): slope 1
    strictly inside and 0 elsewhere, at the corners too, as PyTorch's (``tg.nn.hard_tanh`` is
    JAX's, whose slope at ±1 is 1); ``min_val == max_val`` gives that constant (slope 0), as
    PyTorch. ``inplace=True`` follows the rule of :mod:`tensorgrad.nn.inplace` (only a tensor of
    the imperative tape is written; use the returned value)."""
    _check_inplace("hardtanh", inplace)
    lo, hi = float(min_val), float(max_val)
    if not lo <= hi:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got {lo} and {hi}")
    inside = _ops.logical_and(_ops.greater(input, lo), _ops.less(input, hi))
    clipped = _ops.clip(input, lo, hi)
    if np.dtype(dtype_of(concrete(input))).kind in "iu":  # an integer input stays integer (PyTorch)
        clipped = _ops.astype(clipped, dtype_of(concrete(input)))
    return finish("hardtanh", input,
                  _ops.where(inside, input, _ops.stop_gradient(clipped)), inplace)


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _arr(x):
    """A traced value or a tensor as it is, anything else as a NumPy array."""
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _float_dtype(x):
    dt = np.dtype(dtype_of(concrete(x)))
    return dt if dt.kind == "f" else np.dtype(np.float64)


def _check_param(fn: str, what: str, p, want: tuple, x_shape: tuple):
    if p is not None and _shape(p) != tuple(want):
        raise ValueError(f"{fn}: {what} must have shape {tuple(want)} for input of shape "
                         f"{x_shape}, got {_shape(p)}")


# ---- linear maps ------------------------------------------------------------------------------
def linear(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> Array:
    """``input @ weightᵀ + bias`` (``torch.nn.functional.linear``): input (*, in), weight
    (out, in) or (in,), bias (out,) (or broadcastable to the output)."""
    xs, ws = _shape(input), _shape(weight)
    if len(ws) not in (1, 2) or not xs or xs[-1] != ws[-1]:
        raise ValueError(f"linear: input (*, in) and weight (out, in) or (in,) must share the "
                         f"in size; got input {xs} and weight {ws}")
    y = _ops.matmul(input, _ops.transpose(weight) if len(ws) == 2 else weight)
    if bias is None:
        return y
    if broadcast_shapes_of("linear", output=_shape(y), bias=_shape(bias)) != _shape(y):
        raise ValueError(f"linear: a bias of shape {_shape(bias)} would broadcast the output of "
                         f"shape {_shape(y)} to a larger one; give it the output's trailing shape "
                         "(out,)")
    return y + bias


def bilinear(input1: ArrayLike, input2: ArrayLike, weight: ArrayLike,
             bias: ArrayLike | None = None) -> Array:
    """``y[..., k] = Σ_ij input1[..., i] · weight[k, i, j] · input2[..., j] + bias[k]``
    (``torch.nn.functional.bilinear``): input1 (*, in1), input2 (*, in2), weight
    (out, in1, in2), bias (out,)."""
    s1, s2, ws = _shape(input1), _shape(input2), _shape(weight)
    if (len(ws) != 3 or not s1 or not s2 or s1[:-1] != s2[:-1] or s1[-1] != ws[1]
            or s2[-1] != ws[2]):
        raise ValueError(f"bilinear: expected input1 (*, in1), input2 (*, in2) with the same "
                         f"leading shape and weight (out, in1, in2); got input1 {s1}, "
                         f"input2 {s2}, weight {ws}")
    _check_param("bilinear", "bias", bias, ws[:1], s1)
    y = _ops.einsum("...i,kij,...j->...k", input1, weight, input2)
    return y if bias is None else y + bias


# ---- normalizations ---------------------------------------------------------------------------
def _normalize(x, axes, eps):
    """(x − mean) / √(var + eps) over ``axes``, with the biased variance; also mean and var."""
    mean = _ops.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = _ops.mean(centered * centered, axis=axes, keepdims=True)
    return centered / _ops.sqrt(var + eps), mean, var


def _normalized_shape(fn: str, normalized_shape, xs: tuple) -> tuple:
    ns = ((normalized_shape,) if isinstance(normalized_shape, (int, np.integer))
          else tuple(normalized_shape))
    if not ns or not all(isinstance(n, (int, np.integer)) and n > 0 for n in ns):
        raise ValueError(f"{fn}: normalized_shape must be a positive int or a non-empty "
                         f"sequence of them, got {normalized_shape!r}")
    ns = tuple(int(n) for n in ns)
    if len(xs) < len(ns) or xs[len(xs) - len(ns):] != ns:
        raise ValueError(f"{fn}: input of shape {xs} must end in normalized_shape {ns}")
    return ns


def layer_norm(input: ArrayLike, normalized_shape: int | Sequence[int],
               weight: ArrayLike | None = None, bias: ArrayLike | None = None,
               eps: float = 1e-5) -> Array:
    """Normalize over the trailing ``normalized_shape`` axes: ``(x − mean)/√(var + eps) ·
    weight + bias``, the variance biased (``torch.nn.functional.layer_norm``); weight and
    bias have shape ``normalized_shape``."""
    input = _arr(input)
    xs = _shape(input)
    ns = _normalized_shape("layer_norm", normalized_shape, xs)
    _check_param("layer_norm", "weight", weight, ns, xs)
    _check_param("layer_norm", "bias", bias, ns, xs)
    y, _, _ = _normalize(input, tuple(range(-len(ns), 0)), float(eps))
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def rms_norm(input: ArrayLike, normalized_shape: int | Sequence[int],
             weight: ArrayLike | None = None, eps: float | None = None) -> Array:
    """``x / √(mean(x²) + eps) · weight`` over the trailing ``normalized_shape`` axes
    (``torch.nn.functional.rms_norm``); ``eps=None`` is the machine epsilon of the input's
    floating dtype, as PyTorch."""
    input = _arr(input)
    xs = _shape(input)
    ns = _normalized_shape("rms_norm", normalized_shape, xs)
    _check_param("rms_norm", "weight", weight, ns, xs)
    eps = float(np.finfo(_float_dtype(input)).eps) if eps is None else float(eps)
    ms = _ops.mean(_ops.square(input), axis=tuple(range(-len(ns), 0)), keepdims=True)
    y = input / _ops.sqrt(ms + eps)
    return y if weight is None else y * weight


def _channel_shape(nd: int, c: int) -> tuple:
    return (1, c) + (1,) * (nd - 2)


def _affine(y, weight, bias, nd: int, c: int):
    if weight is not None:
        y = y * _ops.reshape(weight, _channel_shape(nd, c))
    if bias is not None:
        y = y + _ops.reshape(bias, _channel_shape(nd, c))
    return y


def group_norm(input: ArrayLike, num_groups: int, weight: ArrayLike | None = None,
               bias: ArrayLike | None = None, eps: float = 1e-5) -> Array:
    """Normalize (N, C, *) over each group of C/num_groups consecutive channels and the
    trailing axes, then scale and shift per channel (``torch.nn.functional.group_norm``;
    weight and bias of shape (C,))."""
    input = _arr(input)
    xs = _shape(input)
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) \
            or num_groups < 1:
        raise ValueError(f"group_norm: num_groups must be a positive int, got {num_groups!r}")
    if len(xs) < 2 or xs[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {xs} must be (N, C, *) with C divisible "
                         f"by num_groups={num_groups}")
    c = xs[1]
    _check_param("group_norm", "weight", weight, (c,), xs)
    _check_param("group_norm", "bias", bias, (c,), xs)
    # the group size spelled out: -1 is ambiguous when the batch is empty
    per_group = math.prod(xs[1:]) // int(num_groups)
    g = _ops.reshape(input, (xs[0], int(num_groups), per_group))
    # an empty batch or empty groups: nothing to normalize (and no mean of an empty slice)
    y = g if 0 in _shape(g) else _normalize(g, (2,), float(eps))[0]
    return _affine(_ops.reshape(y, xs), weight, bias, len(xs), c)


def _check_running(fn: str, name: str, r, c: int, xs: tuple, update: bool):
    """A running statistic: shape (C,); when it is updated, a writable floating NumPy array or
    a floating tensor that does not require grad (a buffer, as PyTorch's)."""
    if r is None:
        return None
    buffer = (type(r) is Tensor and type(concrete(r)) is np.ndarray and not r.requires_grad
              and concrete(r).dtype.kind == "f")
    if update and not buffer and not (type(r) is np.ndarray and r.dtype.kind == "f" and r.flags.writeable):
        why = " (read-only)" if isinstance(r, np.ndarray) else ""
        if type(r) is Tensor:
            why = " that requires grad" if r.requires_grad else f" of dtype {dtype_of(concrete(r))}"
        raise TypeError(f"{fn}: in training mode {name} is updated in place, so it must be a "
                        f"writable floating NumPy array or tensor of shape ({c},) that does not "
                        f"require grad, got {type(r).__name__}{why}; pass None to use the "
                        f"batch statistics without updating anything")
    if _shape(r) != (c,):
        raise ValueError(f"{fn}: {name} must have shape ({c},) for input of shape {xs}, "
                         f"got {_shape(r)}")
    return r


def _update_running(fn: str, x, rm, rv, mean, var, n: int, momentum):
    """rm ← (1 − m)·rm + m·mean, rv ← (1 − m)·rv + m·var·n/(n − 1), in place (PyTorch's rule,
    the unbiased variance), from the values of mean and var (C,): now, or when a tg.jit plan
    runs."""
    if momentum is None:
        raise TypeError(f"{fn}: momentum must be a number to update running_mean/running_var, "
                        f"got {momentum!r} (a cumulative average, momentum=None, is the layer's: "
                        "tg.nn.BatchNorm1d(c, momentum=None))")
    momentum = float(momentum)
    if is_jax_tensor(x) or is_jax_tensor(concrete(x)):
        raise NotImplementedError(f"{fn}: updating running_mean/running_var in place is a side "
                                  "effect jax.jit cannot replay; pass None for them")

    def update_running_stats(m, v):
        m, v = np.asarray(m).reshape(-1), np.asarray(v).reshape(-1) * (n / (n - 1))
        if rm is not None:  # (a tensor's value read as an array: the update is not recorded)
            rm[...] = (1 - momentum) * concrete(rm) + momentum * m
        if rv is not None:
            rv[...] = (1 - momentum) * concrete(rv) + momentum * v
    _staging.effect(update_running_stats, concrete(mean), concrete(var))


def batch_norm(input: ArrayLike, running_mean: ArrayLike | None, running_var: ArrayLike | None,
               weight: ArrayLike | None = None, bias: ArrayLike | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """Batch normalization of (N, C, *) per channel (``torch.nn.functional.batch_norm``).

    ``training=False`` normalizes with ``running_mean``/``running_var`` (constants of shape
    (C,)); ``training=True`` with the batch's mean and biased variance over every axis but 1
    (the gradient flows through them) and, when running_mean/running_var are given, updates
    them in place with the unbiased variance, as PyTorch: they must then be writable floating
    NumPy arrays (see the module's notes), else a TypeError says so."""
    input = _arr(input)
    xs = _shape(input)
    if len(xs) < 2:
        raise ValueError(f"batch_norm: input of shape {xs} must be (N, C, *)")
    c, nd = xs[1], len(xs)
    running_mean = _check_running("batch_norm", "running_mean", running_mean, c, xs, training)
    running_var = _check_running("batch_norm", "running_var", running_var, c, xs, training)
    _check_param("batch_norm", "weight", weight, (c,), xs)
    _check_param("batch_norm", "bias", bias, (c,), xs)
    if training:
        axes = (0,) + tuple(range(2, nd))
        n = math.prod(xs[a] for a in axes)
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {xs}")
        y, mean, var = _normalize(input, axes, float(eps))
        if running_mean is not None or running_var is not None:
            _update_running("batch_norm", input, running_mean, running_var, mean, var, n,
                            momentum)
    else:
        y = _with_running("batch_norm", input, running_mean, running_var, nd, c, eps,
                          "in evaluation mode (training=False)")
    return _affine(y, weight, bias, nd, c)


def _with_running(fn: str, input, running_mean, running_var, nd: int, c: int, eps, when: str):
    """``input`` normalized per channel with the given running statistics (they must be given)."""
    if running_mean is None or running_var is None:
        raise ValueError(f"{fn}: running_mean and running_var must be given {when}")
    bs = _channel_shape(nd, c)
    return (input - _ops.reshape(running_mean, bs)) / _ops.sqrt(
        _ops.reshape(running_var, bs) + float(eps))


def instance_norm(input: ArrayLike, running_mean: ArrayLike | None = None,
                  running_var: ArrayLike | None = None, weight: ArrayLike | None = None,
                  bias: ArrayLike | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """Normalize (N, C, *) over the trailing axes of each (sample, channel) pair
    (``torch.nn.functional.instance_norm``), then scale and shift per channel.

    ``use_input_stats=False`` normalizes with ``running_mean``/``running_var`` instead. With
    input statistics and running statistics given, those are updated in place with the
    instances' mean and unbiased variance averaged over N, as PyTorch (writable floating NumPy
    arrays only; see the module's notes)."""
    input = _arr(input)
    xs = _shape(input)
    if len(xs) < 3:
        raise ValueError(f"instance_norm: input of shape {xs} must be (N, C, *) with at least "
                         f"one axis after C")
    c, nd = xs[1], len(xs)
    running_mean = _check_running("instance_norm", "running_mean", running_mean, c, xs,
                                  use_input_stats)
    running_var = _check_running("instance_norm", "running_var", running_var, c, xs,
                                 use_input_stats)
    _check_param("instance_norm", "weight", weight, (c,), xs)
    _check_param("instance_norm", "bias", bias, (c,), xs)
    if use_input_stats:
        axes = tuple(range(2, nd))
        n = math.prod(xs[2:])
        if n <= 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element per "
                             f"instance, got input of shape {xs}")
        y, mean, var = _normalize(input, axes, float(eps))
        if running_mean is not None or running_var is not None:
            _update_running("instance_norm", input, running_mean, running_var,
                            _ops.mean(mean, axis=0), _ops.mean(var, axis=0), n, momentum)
    else:
        y = _with_running("instance_norm", input, running_mean, running_var, nd, c, eps,
                          "when use_input_stats=False")
    return _affine(y, weight, bias, nd, c)


# ---- embedding --------------------------------------------------------------------------------
def _embedding_ids(name: str, ids, ws: tuple, padding_idx):
    """Check ``ids`` against a (num_embeddings, dim) weight of shape ``ws`` (``IndexError`` for
    an id out of range, when the values are known: now, or at each run of a jit plan) and
    return ``padding_idx`` as a row number (None stays None); shared by :func:`embedding` and
    ``embedding_bag``."""
    num = ws[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{name}: padding_idx {padding_idx} must be within "
                             f"[-{num}, {num}) for weight of shape {ws}")
        padding_idx = int(padding_idx) % num

    def check_ids(v):
        v = np.asarray(v)
        bad = v[(v < 0) | (v >= num)]
        if bad.size:
            raise IndexError(f"{name}: id {int(bad.flat[0])} is out of range 0..{num - 1} "
                             f"(weight of shape {ws})")
    _staging.check(check_ids, concrete(ids))
    return padding_idx


def embedding(input: ArrayLike, weight: ArrayLike, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Array:
    """Row ``weight[i]`` for each integer id ``i`` of ``input`` (``torch.nn.functional.embedding``;
    weight (num_embeddings, dim), output ``input.shape + (dim,)``). Ids equal to
    ``padding_idx`` (negative: counted from the end) still read their row but send it no
    gradient. ``max_norm`` (which rewrites weight in place in PyTorch) and
    ``scale_grad_by_freq`` are not supported; ``sparse`` only changes PyTorch's gradient
    storage and is ignored."""
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding: max_norm and scale_grad_by_freq are not supported")
    ws = _shape(weight)
    if len(ws) != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, embedding_dim), got {ws}")
    ids = _arr(input)
    if np.dtype(dtype_of(concrete(ids))).kind not in "iu":
        raise TypeError(f"embedding: ids must be integers, got dtype {dtype_of(concrete(ids))} "
                        f"(shape {_shape(ids)})")
    padding_idx = _embedding_ids("embedding", ids, ws, padding_idx)
    rows = _ops.getitem(weight, ids)
    if padding_idx is None:
        return rows
    pad = _ops.expand_dims(_ops.equal(ids, padding_idx), -1)
    return _ops.where(pad, _ops.getitem(_ops.stop_gradient(weight), ids), rows)


# ---- rearranging channels ---------------------------------------------------------------------
def _factor(fn: str, what: str, r) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
        raise ValueError(f"{fn}: {what} must be a positive int, got {r!r}")
    return int(r)


def pixel_shuffle(input: ArrayLike, upscale_factor: int) -> Array:
    """(*, C·r², H, W) → (*, C, H·r, W·r): ``out[..., c, h·r + i, w·r + j] =
    input[..., c·r² + i·r + j, h, w]`` (``torch.nn.functional.pixel_shuffle``)."""
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    input = _arr(input)
    xs = _shape(input)
    if len(xs) < 3 or xs[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: input of shape {xs} must be (*, C·r², H, W) with "
                         f"channels divisible by upscale_factor² = {r * r}")
    *lead, cr, h, w = xs
    nb = len(lead)
    y = _ops.reshape(input, (*lead, cr // (r * r), r, r, h, w))
    y = _ops.transpose(y, (*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2))
    return _ops.reshape(y, (*lead, cr // (r * r), h * r, w * r))


def pixel_unshuffle(input: ArrayLike, downscale_factor: int) -> Array:
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of :func:`pixel_shuffle`
    (``torch.nn.functional.pixel_unshuffle``)."""
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    input = _arr(input)
    xs = _shape(input)
    if len(xs) < 3 or xs[-2] % r or xs[-1] % r:
        raise ValueError(f"pixel_unshuffle: input of shape {xs} must be (*, C, H, W) with H "
                         f"and W divisible by downscale_factor = {r}")
    *lead, c, hr, wr = xs
    nb = len(lead)
    y = _ops.reshape(input, (*lead, c, hr // r, r, wr // r, r))
    y = _ops.transpose(y, (*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3))
    return _ops.reshape(y, (*lead, c * r * r, hr // r, wr // r))


def channel_shuffle(input: ArrayLike, groups: int) -> Array:
    """Split the C channels of (N, C, *) into ``groups`` groups and interleave them:
    output channel ``k·groups + g`` is input channel ``g·(C/groups) + k``
    (``torch.nn.functional.channel_shuffle``)."""
    g = _factor("channel_shuffle", "groups", groups)
    input = _arr(input)
    xs = _shape(input)
    if len(xs) < 3 or xs[1] % g:
        raise ValueError(f"channel_shuffle: input of shape {xs} must be (N, C, *) with at "
                         f"least 3 axes and C divisible by groups = {g}")
    y = _ops.reshape(input, (xs[0], g, xs[1] // g) + xs[2:])
    return _ops.reshape(_ops.swapaxes(y, 1, 2), xs)


# ---- attention --------------------------------------------------------------------------------
def scaled_dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                                 attn_mask: ArrayLike | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False, *, dropout_key=None) -> Array:
    """``softmax(q kᵀ · scale + mask) v`` (``torch.nn.functional.scaled_dot_product_attention``):
    query (*, L, E), key (*, S, E), value (*, S, Ev) → (*, L, Ev); the leading axes broadcast.

    ``scale`` defaults to 1/√E. A boolean ``attn_mask`` (broadcast to (*, L, S)) keeps the
    entries where it is True, a float one is added to the logits; ``is_causal`` keeps
    ``s ≤ l`` (top-left aligned) and excludes ``attn_mask``. A query row with every key
    masked gives zeros, as PyTorch. ``enable_gqa`` lets key/value have fewer heads (axis −3)
    than the query, each serving a block of consecutive query heads. ``dropout_p > 0`` drops
    attention weights (the kept ones scaled by 1/(1 − p)), as PyTorch's, always (PyTorch's
    function has no training flag): the mask comes from ``dropout_key=``, else from this
    thread's stream (``tg.manual_seed``; see ``tg.nn.functional.dropout``)."""
    query, key, value = _arr(query), _arr(key), _arr(value)
    sq, sk, sv = _shape(query), _shape(key), _shape(value)
    if (len(sq) < 2 or len(sk) < 2 or len(sv) < 2 or sq[-1] != sk[-1]
            or sk[-2] != sv[-2]):
        raise ValueError(f"scaled_dot_product_attention: expected query (*, L, E), key (*, S, E) "
                         f"and value (*, S, Ev); got query {sq}, key {sk}, value {sv}")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: attn_mask must not be given when "
                         "is_causal=True")
    if enable_gqa and len(sq) >= 3 and len(sk) >= 3 and sk[-3] != sq[-3]:
        if sq[-3] % sk[-3] or sk[-3] != sv[-3]:
            raise ValueError(f"scaled_dot_product_attention: with enable_gqa the query heads "
                             f"(axis -3) must be a multiple of the key/value heads; got query "
                             f"{sq}, key {sk}, value {sv}")
        rep = sq[-3] // sk[-3]
        key, value = _ops.repeat(key, rep, axis=-3), _ops.repeat(value, rep, axis=-3)
    L, S = sq[-2], sk[-2]
    scale = 1.0 / math.sqrt(sq[-1]) if scale is None else float(scale)
    logits = _ops.matmul(query, _ops.swapaxes(key, -1, -2)) * scale
    keep = None
    if is_causal:
        keep = np.tril(np.ones((L, S), dtype=bool))
    elif attn_mask is not None:
        attn_mask = _arr(attn_mask)
        ms = _shape(attn_mask)
        try:
            np.broadcast_shapes(ms, _shape(logits))
        except ValueError:
            raise ValueError(f"scaled_dot_product_attention: attn_mask of shape {ms} does not "
                             f"broadcast to the attention weights' shape {_shape(logits)}") from None
        kind = np.dtype(dtype_of(concrete(attn_mask))).kind
        if kind == "b":
            keep = attn_mask
        elif kind not in "fc":  # (an integer 0/1 mask would be added as a bias: PyTorch refuses)
            raise TorchTypeError(f"scaled_dot_product_attention: attn_mask must be boolean (True: "
                                 f"attend) or floating (added to the logits), got "
                                 f"{np.dtype(dtype_of(concrete(attn_mask)))}; use mask.bool()")
        else:
            logits = logits + attn_mask
    if keep is not None:
        logits = _ops.where(keep, logits, -np.inf)
    if keep is not None or (attn_mask is not None and (on_a_trace(attn_mask) or np.isneginf(
            np.asarray(concrete(attn_mask))).any())):
        # a row without any key (all −inf): weights 0, not NaN, and no NaN in the gradient
        dead = _ops.all(_ops.equal(logits, -np.inf), axis=-1, keepdims=True)
        probs = _ops.where(dead, 0.0, _ops.softmax(_ops.where(dead, 0.0, logits), axis=-1))
    else:
        probs = _ops.softmax(logits, axis=-1)
    if dropout_p:
        p = float(dropout_p)
        if not 0 <= p <= 1:
            raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got {p}")
        keep = _random.bernoulli(key_or_stream("scaled_dot_product_attention", dropout_key, probs,
                                               "dropout_key"), 1 - p, _shape(probs))
        probs = _ops.where(keep, probs * (1 / (1 - p)), 0.0) if p < 1 else probs * 0
    return _ops.matmul(probs, value)
