"""The last of ``torch.nn.functional``'s names: ``multi_head_attention_forward``,
``linear_cross_entropy``, ``conv_tbc`` and the fractional max poolings, with PyTorch's
signatures. All are composites of registered ops, so ``tg.grad``, ``tg.jvp``, ``tg.jacrev``,
``tg.hessian``, ``tg.vmap`` and ``tg.jit`` go through them.

* ``multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, ...)`` is
  the functional core of :class:`~tensorgrad.nn.MultiheadAttention` (it runs that layer's
  ``apply`` on the given weights): query (L, N, E) or unbatched (L, E), key and value (S, N, ·);
  returns ``(attn_output, attn_weights or None)``. Masks as PyTorch: boolean True (or a float
  −inf) hides a key; ``static_k``/``static_v`` ((N·num_heads, S, E/num_heads)) replace the
  projected key/value; ``bias_k``/``bias_v`` and ``add_zero_attn`` add one key each. Since
  ``key`` is the attention key here, the random key for the dropout on the attention weights
  is the keyword ``dropout_key=`` (as for ``MultiheadAttention``); without one, ``training=True``
  with ``dropout_p > 0`` draws from this thread's stream (``tg.manual_seed``). A query whose keys are all masked gets zero weights and a zero
  attention (before ``out_proj``); PyTorch gives NaN there.
* ``linear_cross_entropy(input, linear_weight, target, *, linear_bias, weight, reduction,
  ignore_index, label_smoothing, options)`` is ``cross_entropy(linear(input, W, b), target,
  ...)``, with PyTorch's K-dimensional form (``linear_weight`` (C, d1, ..., dK, in) gives logits
  (N, C, d1, ..., dK)). ``ignore_index=None`` means −100 for class-index targets (as PyTorch)
  and must stay None for probability targets. ``options`` (PyTorch's
  ``LinearCrossEntropyOptions``, a chunking plan that saves memory and gives the same loss) is
  accepted and ignored: the loss is always computed in one piece.
* ``conv_tbc(input, weight, bias, pad=0)``: a 1-d cross-correlation in (time, batch, channel)
  layout, input (T, B, C_in), weight (K, C_in, C_out), bias (C_out,), ``pad`` zeros on both
  ends of the time axis; output (T + 2·pad − K + 1, B, C_out).
* ``fractional_max_pool2d/3d`` (and the ``*_with_indices`` spellings, which always return
  ``(values, indices)``): the maximum over pseudo-random windows of ``kernel_size`` that tile
  the input into ``output_size`` (or ``floor(size · output_ratio)``) positions per axis. Along
  an axis with input ``n``, kernel ``k``, output ``m`` and a draw ``u`` in [0, 1), window ``i <
  m − 1`` starts at ``trunc((i + u)·α) − trunc(u·α)`` with ``α = (n − k)/(m − 1)`` (computed in
  the input's dtype, as PyTorch), the last at ``n − k``. ``_random_samples`` (N, C, 2) or
  (N, C, 3) gives the draws (for 2-d: column 0 for the width, 1 for the height; for 3-d: depth,
  height, width), and then the values and int64 indices (flat within each (H, W) / (D, H, W)
  plane) are PyTorch's. Without it the draws come from ``key=`` (uniform in [0, 1)); they
  differ from PyTorch's random draws. A maximum's gradient goes to the first maximal entry of
  its window (as ``max_pool2d``); a NaN wins its window, its index being the last NaN's (as
  PyTorch). PyTorch's 3-d version also refuses ``output + kernel − 1 == input``; tensorgrad
  allows it (the windows then still lie inside the input).
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from .attention import MultiheadAttention
from .losses import cross_entropy
from .torch_conv import conv1d
from .torch_layers import linear
from .draws import key_or_stream
from .torch_pooling import _first_max
from .torch_pooling_nd import _tuple

__all__ = ["multi_head_attention_forward", "linear_cross_entropy", "conv_tbc",
           "fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _arr(x):
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _dt(x) -> np.dtype:
    return np.dtype(dtype_of(concrete(x)))


def _posint(fn: str, name: str, v, low: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"{fn}: {name} must be an int >= {low}, got {v!r}")
    return int(v)


# ---- multi_head_attention_forward ------------------------------------------------------------
_MHA = "multi_head_attention_forward"


def _need_shape(name: str, x, want: tuple):
    if x is not None and _shape(x) != want:
        raise ValueError(f"{_MHA}: {name} must have shape {want}, got {_shape(x)}")


def _mask_kind(name: str, m):
    if m is not None and _dt(m).kind not in "bf":
        raise TypeError(f"{_MHA}: {name} must be boolean or floating, got dtype {_dt(m)} "
                        f"(shape {_shape(m)})")


def _static(name: str, s, n: int, h: int, hd: int):
    """static_k/static_v (N·H, S, hd) as the (S, N, E) input that an identity projection
    turns back into them."""
    ss = _shape(s)
    if len(ss) != 3 or ss[0] != n * h or ss[2] != hd:
        raise ValueError(f"{_MHA}: {name} must be (N·num_heads, S, head_dim) = ({n * h}, S, "
                         f"{hd}), got shape {ss}")
    s = _ops.reshape(s, (n, h, ss[1], hd))
    return _ops.reshape(_ops.transpose(s, (2, 0, 1, 3)), (ss[1], n, h * hd))


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v,
                                 add_zero_attn: bool, dropout_p: float, out_proj_weight,
                                 out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None,
                                 use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True,
                                 is_causal: bool = False, *, dropout_key=None):
    """Multi-head attention with explicit weights (``torch.nn.functional.
    multi_head_attention_forward``); see the module's notes. Returns ``(attn_output,
    attn_weights)``: output (L, N, out) (unbatched (L, out)); weights (N, L, S), or
    (N, num_heads, L, S) with ``average_attn_weights=False``, or None with
    ``need_weights=False``."""
    query, key, value = _arr(query), _arr(key), _arr(value)
    qs, ks, vs = _shape(query), _shape(key), _shape(value)
    if len(qs) not in (2, 3) or len(ks) != len(qs) or len(vs) != len(qs):
        raise ValueError(f"{_MHA}: query, key and value must all be (L, N, E) / (S, N, ·) or all "
                         f"unbatched (L, E) / (S, ·); got shapes {qs}, {ks}, {vs}")
    for name, a in (("query", query), ("key", key), ("value", value)):
        if _dt(a).kind != "f":
            raise TypeError(f"{_MHA}: {name} must be floating, got dtype {_dt(a)}")
    batched = len(qs) == 3
    e = qs[-1]
    if e != embed_dim_to_check:
        raise ValueError(f"{_MHA}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but query of shape {qs} has {e}")
    h = _posint(_MHA, "num_heads", num_heads)
    if e % h:
        raise ValueError(f"{_MHA}: embed_dim {e} not divisible by num_heads {h}")
    hd, n, tgt = e // h, (qs[1] if batched else 1), qs[0]
    if ks[0] != vs[0] or (batched and not ks[1] == vs[1] == n):
        raise ValueError(f"{_MHA}: key {ks} and value {vs} must share S (and N = {n} with query "
                         f"{qs})")
    if not use_separate_proj_weight and ks[-1:] != vs[-1:]:
        raise ValueError(f"{_MHA}: key shape {ks} does not match value shape {vs}")
    # projection weights, as (wq, wk, wv) with PyTorch's (out, in) layout
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise ValueError(f"{_MHA}: use_separate_proj_weight is False but in_proj_weight is "
                             "None")
        w = _arr(in_proj_weight)
        _need_shape("in_proj_weight", w, (3 * e, e))
        if ks[-1] != e:
            raise ValueError(f"{_MHA}: key and value must have E = {e} features with a packed "
                             f"in_proj_weight, got key {ks}")
        wq, wk, wv = (_ops.getitem(w, slice(i * e, (i + 1) * e)) for i in range(3))
    else:
        for name, wt, d in (("q_proj_weight", q_proj_weight, e), ("k_proj_weight", k_proj_weight,
                            ks[-1]), ("v_proj_weight", v_proj_weight, vs[-1])):
            if wt is None:
                raise ValueError(f"{_MHA}: use_separate_proj_weight is True but {name} is None")
            _need_shape(name, _arr(wt), (e, d))
        wq, wk, wv = _arr(q_proj_weight), _arr(k_proj_weight), _arr(v_proj_weight)
    if in_proj_bias is not None:
        in_proj_bias = _arr(in_proj_bias)
        _need_shape("in_proj_bias", in_proj_bias, (3 * e,))
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{_MHA}: bias_k and bias_v must be given together")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{_MHA}: bias_k/bias_v cannot be added to a static key or value")
        for name, b in (("bias_k", bias_k), ("bias_v", bias_v)):
            if _shape(b) not in ((e,), (1, e), (1, 1, e)):
                raise ValueError(f"{_MHA}: {name} must have shape (1, 1, {e}), got {_shape(b)}")
        bias_k, bias_v = (_ops.reshape(_arr(b), (1, 1, e)) for b in (bias_k, bias_v))
    out_w = _arr(out_proj_weight)
    ows = _shape(out_w)
    if len(ows) != 2 or ows[1] != e:
        raise ValueError(f"{_MHA}: out_proj_weight must be (out, E = {e}), got shape {ows}")
    if out_proj_bias is not None:
        out_proj_bias = _arr(out_proj_bias)
        _need_shape("out_proj_bias", out_proj_bias, (ows[0],))
    try:
        p = float(dropout_p)
    except (TypeError, ValueError):
        raise TypeError(f"{_MHA}: dropout_p must be a number, got {dropout_p!r}") from None
    if not 0 <= p <= 1:
        raise ValueError(f"{_MHA}: dropout_p must be in [0, 1], got {dropout_p!r}")
    if training and p > 0:
        dropout_key = key_or_stream(_MHA, dropout_key, query, "dropout_key")
    if is_causal and attn_mask is None:
        raise ValueError(f"{_MHA}: is_causal=True is a hint that attn_mask is the causal mask; "
                         "give attn_mask too")
    # everything batched, (L, N, ·), for MultiheadAttention.apply
    if not batched:
        query, key, value = (_ops.expand_dims(a, 1) for a in (query, key, value))
    dt = _dt(query)
    eye = np.eye(e, dtype=dt)
    kin, vin = key, value
    if static_k is not None:  # the given keys, through an identity projection and no bias
        kin, wk = _static("static_k", _arr(static_k), n, h, hd), eye
    if static_v is not None:
        vin, wv = _static("static_v", _arr(static_v), n, h, hd), eye
    src = _shape(kin)[0]
    if _shape(vin)[0] != src:
        raise ValueError(f"{_MHA}: the keys ({src}) and values ({_shape(vin)[0]}) differ in "
                         f"length (static_k {_shape(static_k) if static_k is not None else None}, "
                         f"static_v {_shape(static_v) if static_v is not None else None})")
    _mask_kind("attn_mask", attn_mask)
    _mask_kind("key_padding_mask", key_padding_mask)
    if attn_mask is not None:
        attn_mask = _arr(attn_mask)
        ok = ((tgt, src), (n * h, tgt, src))
        if _shape(attn_mask) not in ok:
            raise ValueError(f"{_MHA}: attn_mask of shape {_shape(attn_mask)} must be (L, S) = "
                             f"{ok[0]} or ({'N·' if batched else ''}num_heads, L, S) = {ok[1]}")
    if key_padding_mask is not None:
        key_padding_mask = _arr(key_padding_mask)
        want = (n, src) if batched else (src,)
        if _shape(key_padding_mask) != want:
            raise ValueError(f"{_MHA}: key_padding_mask of shape {_shape(key_padding_mask)} must "
                             f"be {'(N, S)' if batched else '(S,)'} = {want}")
        key_padding_mask = _ops.reshape(key_padding_mask, (n, src))
    kdim, vdim = _shape(kin)[-1], _shape(vin)[-1]
    use_bias = in_proj_bias is not None or out_proj_bias is not None
    mha = MultiheadAttention(e, h, dropout=p, bias=use_bias, add_bias_kv=bias_k is not None,
                             add_zero_attn=bool(add_zero_attn), kdim=kdim, vdim=vdim)
    mha.training = bool(training)
    params = {}
    if mha._packed:
        params["in_proj_weight"] = _ops.concatenate([wq, wk, wv], axis=0)
    else:
        params.update(q_proj_weight=wq, k_proj_weight=wk, v_proj_weight=wv)
    if use_bias:
        zero = np.zeros(e, dtype=dt)
        bq, bk, bv = ((zero,) * 3 if in_proj_bias is None else
                      (_ops.getitem(in_proj_bias, slice(i * e, (i + 1) * e)) for i in range(3)))
        bk = zero if static_k is not None else bk
        bv = zero if static_v is not None else bv
        params["in_proj_bias"] = _ops.concatenate([bq, bk, bv], axis=0)
    if bias_k is not None:
        params.update(bias_k=bias_k, bias_v=bias_v)
    square = ows[0] == e  # else out_proj after the layer (its out_proj the identity)
    params["out_proj"] = {"weight": out_w if square else eye}
    if use_bias:
        params["out_proj"]["bias"] = (out_proj_bias if square and out_proj_bias is not None
                                      else np.zeros(e, dtype=dt))
    out, weights = mha.apply(params, query, kin, vin, key_padding_mask, bool(need_weights),
                             attn_mask, bool(average_attn_weights), bool(is_causal),
                             dropout_key=dropout_key)
    if not square:
        out = linear(out, out_w, out_proj_bias)
    if not batched:
        out = _ops.getitem(out, (slice(None), 0))
        weights = None if weights is None else _ops.getitem(weights, 0)
    return out, weights


# ---- linear_cross_entropy --------------------------------------------------------------------
def linear_cross_entropy(input: ArrayLike, linear_weight: ArrayLike, target: ArrayLike, *,
                         linear_bias: ArrayLike | None = None, weight: ArrayLike | None = None,
                         reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options=None) -> Array:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``
    (``torch.nn.functional.linear_cross_entropy``): input (in,) or (N, in), linear_weight
    (C, in) or (C, d1, ..., dK, in) (then input (N, in) and logits (N, C, d1, ..., dK)),
    linear_bias (C, d1, ..., dK). ``options`` is accepted and ignored (see the module notes)."""
    fn = "linear_cross_entropy"
    input, linear_weight, target = _arr(input), _arr(linear_weight), _arr(target)
    xs, ws = _shape(input), _shape(linear_weight)
    if len(xs) not in (1, 2):
        raise ValueError(f"{fn}: expected input (in,) or (N, in), got shape {xs}")
    if len(ws) < 2:
        raise ValueError(f"{fn}: expected linear_weight (C, ..., in) with at least 2 axes, got "
                         f"shape {ws}")
    if xs[-1] != ws[-1]:
        raise ValueError(f"{fn}: input {xs} and linear_weight {ws} must share the last axis "
                         "(in_features)")
    c, extra = ws[0], ws[1:-1]
    if linear_bias is not None:
        linear_bias = _arr(linear_bias)
        if _shape(linear_bias) != (c, *extra):
            raise ValueError(f"{fn}: expected linear_bias of shape {(c, *extra)}, got "
                             f"{_shape(linear_bias)}")
    if extra and len(xs) == 1:
        raise ValueError(f"{fn}: a K-dimensional loss (linear_weight {ws}) needs batched input "
                         f"(N, {xs[-1]}), got shape {xs}")
    logits_shape = (*xs[:-1], c, *extra)
    if _shape(target) == logits_shape and ignore_index is not None:
        raise ValueError(f"{fn}: ignore_index cannot be given when target (shape "
                         f"{_shape(target)}) holds class probabilities")
    flat = math.prod(extra) * c
    w2 = _ops.reshape(linear_weight, (flat, ws[-1])) if extra else linear_weight
    b2 = (None if linear_bias is None else
          _ops.reshape(linear_bias, (flat,)) if extra else linear_bias)
    logits = _ops.reshape(linear(input, w2, b2), logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)


# ---- conv_tbc --------------------------------------------------------------------------------
def conv_tbc(input: ArrayLike, weight: ArrayLike, bias: ArrayLike, pad: int = 0) -> Array:
    """1-d cross-correlation in (time, batch, channel) layout (``torch.conv_tbc``): input
    (T, B, C_in), weight (K, C_in, C_out), bias (C_out,); ``pad`` zeros at both ends of the
    time axis; output (T + 2·pad − K + 1, B, C_out)."""
    fn = "conv_tbc"
    input, weight, bias = _arr(input), _arr(weight), _arr(bias)
    xs, ws, bs = _shape(input), _shape(weight), _shape(bias)
    if len(xs) != 3:
        raise ValueError(f"{fn}: input must have 3 axes (time, batch, in_channels), got shape "
                         f"{xs}")
    if len(ws) != 3:
        raise ValueError(f"{fn}: weight must have 3 axes (kernel_width, in_channels, "
                         f"out_channels), got shape {ws}")
    if len(bs) != 1 or bs[0] != ws[2]:
        raise ValueError(f"{fn}: bias must be 1-d with out_channels = {ws[2]} entries (axis 2 "
                         f"of weight {ws}), got shape {bs}")
    if xs[2] != ws[1]:
        raise ValueError(f"{fn}: input channels (axis 2 of input {xs}) must equal axis 1 of "
                         f"weight {ws}")
    pad = _posint(fn, "pad", pad, 0)
    t_out = xs[0] + 2 * pad - ws[0] + 1
    if t_out < 0 or ws[0] < 1:
        raise ValueError(f"{fn}: kernel width {ws[0]} is longer than the padded input "
                         f"({xs[0]} + 2·{pad}) plus one")
    if t_out == 0:  # an empty output, still connected to the arguments
        return _ops.matmul(_ops.getitem(input, slice(0, 0)), _ops.getitem(weight, 0)) + bias
    x = _ops.transpose(input, (1, 2, 0))                      # (B, C_in, T)
    w = _ops.transpose(weight, (2, 1, 0))                     # (C_out, C_in, K)
    return _ops.transpose(conv1d(x, w, bias, padding=pad), (2, 0, 1))


# ---- fractional max pooling ------------------------------------------------------------------
_COLUMN = {2: (1, 0), 3: (0, 1, 2)}  # the _random_samples column of each spatial axis


def _ratios(fn: str, v, nd: int) -> tuple:
    vals = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if len(vals) not in (1, nd) or not all(isinstance(r, (int, float, np.integer, np.floating))
                                           and not isinstance(r, bool) for r in vals):
        raise ValueError(f"{fn}: output_ratio must be a number or a sequence of {nd} numbers, "
                         f"got {v!r}")
    if not all(0 < r <= 1 for r in vals):
        raise ValueError(f"{fn}: output_ratio must be in (0, 1], got {v!r}")
    return tuple(float(r) for r in vals) * (nd if len(vals) == 1 else 1)


def _window_starts(u, n: int, k: int, m: int, dt):
    """(B, C, m) int64 starts along one axis from the draws u (B, C) (PyTorch's formula)."""
    us = _shape(u)
    last = np.full(us + (1,), n - k, dtype=np.int64)
    if m == 1:
        return last
    alpha = dt.type(n - k) / dt.type(m - 1)
    u = _ops.expand_dims(u, -1)
    i = np.arange(m - 1, dtype=dt)
    st = _ops.astype((u + i) * alpha, np.int64) - _ops.astype(u * alpha, np.int64)
    return _ops.clip(_ops.concatenate([st, last], axis=-1), 0, n - k)


def _fractional(fn: str, nd: int, input, kernel_size, output_size, output_ratio,
                samples, key):
    input = _arr(input)
    xs = _shape(input)
    layout = "(N, C, H, W) or (C, H, W)" if nd == 2 else "(N, C, D, H, W) or (C, D, H, W)"
    if len(xs) not in (nd + 1, nd + 2) or 0 in xs[-nd - 1:]:
        raise ValueError(f"{fn}: input of shape {xs} must be {layout} with non-empty channel "
                         f"and spatial sizes")
    dt = _dt(input)
    if dt.kind != "f":
        raise TypeError(f"{fn}: input must be floating, got dtype {dt} (shape {xs})")
    k = _tuple(fn, "kernel_size", kernel_size, nd, 1)
    sizes = xs[-nd:]
    if output_size is not None:
        out = _tuple(fn, "output_size", output_size, nd, 0)
    elif output_ratio is not None:
        out = tuple(int(s * r) for s, r in zip(sizes, _ratios(fn, output_ratio, nd)))
    else:
        raise ValueError(f"{fn}: give either output_size or output_ratio")
    for a in range(nd):
        if out[a] + k[a] - 1 > sizes[a]:
            raise ValueError(f"{fn}: kernel_size {k} too large for input of shape {xs} and "
                             f"output_size {out}: along axis {a - nd}, output + kernel - 1 = "
                             f"{out[a] + k[a] - 1} > {sizes[a]}")
    batched = len(xs) == nd + 2
    x = input if batched else _ops.expand_dims(input, 0)
    b, c = _shape(x)[0], _shape(x)[1]
    if samples is not None:
        samples = _arr(samples)
        ss = _shape(samples)
        if len(ss) != 3 or ss[0] < b or ss[1:] != (c, nd):
            raise ValueError(f"{fn}: _random_samples of shape {ss} must be (N, C, {nd}) with at "
                             f"least N = {b} rows and C = {c} (input shape {xs})")
        if _dt(samples).kind != "f":
            raise TypeError(f"{fn}: _random_samples must be floating, got dtype {_dt(samples)}")
        samples = _ops.getitem(samples, slice(0, b)) if ss[0] > b else samples
        samples = samples if _dt(samples) == dt else _ops.astype(samples, dt)
    elif key is not None:
        samples = _random.uniform(key, (b, c, nd), dt)
    else:
        raise ValueError(f"{fn}: the windows are random: pass key=tg.random.PRNGKey(seed) or "
                         f"_random_samples (N, C, {nd})")
    samples = _ops.stop_gradient(samples)
    lead = (b, c)
    if b == 0 or 0 in out:  # nothing to pool: empty results, still connected to the input
        flat = _ops.reshape(x, lead + (math.prod(sizes),))  # (not -1: ambiguous when b = 0)
        empty = _ops.reshape(_ops.getitem(flat, (Ellipsis, slice(0, 0))), lead + out)
        idx = np.zeros(lead + out, dtype=np.int64)
        return (empty, idx) if batched else (_ops.getitem(empty, 0), idx[0])
    # flat in-plane position of every tap of every window: (B, C, o1..on, k1..kn)
    flat = None
    for a in range(nd):
        st = _window_starts(_ops.getitem(samples, (Ellipsis, _COLUMN[nd][a])), sizes[a], k[a],
                            out[a], dt)
        shape = [1] * (2 * nd)
        shape[a] = out[a]
        pos = _ops.reshape(st, lead + tuple(shape))
        shape[a], shape[nd + a] = 1, k[a]
        pos = (pos + np.arange(k[a], dtype=np.int64).reshape(shape)) * math.prod(sizes[a + 1:])
        flat = pos if flat is None else flat + pos
    big_o, big_k = math.prod(out), math.prod(k)
    flat = _ops.reshape(_ops.broadcast_to(flat, lead + out + k), lead + (big_o * big_k,))
    win = _ops.take_along_axis(_ops.reshape(x, lead + (-1,)), flat, axis=-1)
    win = _ops.reshape(win, lead + (big_o, big_k))
    values, j = _first_max(win)
    nan = _ops.isnan(win)  # PyTorch: a NaN wins, the last one of the window
    last_nan = (big_k - 1) - _ops.argmax(_ops.flip(nan, -1), axis=-1)
    j = _ops.where(_ops.any(nan, axis=-1), last_nan, j)
    idx = _ops.take_along_axis(_ops.reshape(flat, lead + (big_o, big_k)),
                               _ops.expand_dims(_ops.astype(j, np.int64), -1), axis=-1)
    values = _ops.reshape(values, lead + out)
    idx = _ops.astype(_ops.reshape(idx, lead + out), np.int64)
    return (values, idx) if batched else (_ops.getitem(values, 0), _ops.getitem(idx, 0))


def fractional_max_pool2d_with_indices(input: ArrayLike, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None, *, key=None):
    """:func:`fractional_max_pool2d` returning ``(values, indices)`` always (PyTorch's
    spelling; ``return_indices`` is accepted and ignored)."""
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size,
                       output_ratio, _random_samples, key)


def fractional_max_pool3d_with_indices(input: ArrayLike, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None, *, key=None):
    """:func:`fractional_max_pool3d` returning ``(values, indices)`` always (PyTorch's
    spelling; ``return_indices`` is accepted and ignored)."""
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size,
                       output_ratio, _random_samples, key)


def fractional_max_pool2d(input: ArrayLike, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None, *, key=None):
    """Fractional max pooling over (N, C, H, W) or (C, H, W) (``torch.nn.functional.
    fractional_max_pool2d``; see the module's notes): ``output_size`` (an int or (oH, oW)) or
    ``output_ratio`` (in (0, 1]) sets the output; the windows come from ``_random_samples``
    (N, C, 2) or from ``key=``. ``return_indices=True`` adds the int64 flat (H·W) indices."""
    y, idx = _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size,
                         output_ratio, _random_samples, key)
    return (y, idx) if return_indices else y


def fractional_max_pool3d(input: ArrayLike, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None, *, key=None):
    """Fractional max pooling over (N, C, D, H, W) or (C, D, H, W) (``torch.nn.functional.
    fractional_max_pool3d``): as :func:`fractional_max_pool2d`, samples (N, C, 3)."""
    y, idx = _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size,
                         output_ratio, _random_samples, key)
    return (y, idx) if return_indices else y
