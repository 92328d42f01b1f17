"""``jax.nn``'s composite functions, built on registered ops (so every transform and
``tg.jit`` differentiates through them): ``one_hot``, ``standardize``,
``logmeanexp``, ``glu``, ``identity`` and ``dot_product_attention``.
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import (astype, einsum, equal, expand_dims, getitem, logsumexp, moveaxis, repeat,
                   sigmoid, softmax, split, sqrt, square, where)
from ..ops import sum as _sum
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["one_hot", "standardize", "logmeanexp", "glu", "identity", "dot_product_attention"]


def _shape(x) -> tuple:
    return shape_of(concrete(x)) if hasattr(x, "shape") else np.shape(x)


def one_hot(x: ArrayLike, num_classes: int, *, dtype=np.float64, axis: int = -1) -> Array:
    """Rows of the identity: ``out[..., k] = (x[...] == k)`` for ``k < num_classes``
    (``jax.nn.one_hot``; an out-of-range class gives a row of zeros). A constant: class
    ids carry no gradient. Works on values traced by ``tg.jit``."""
    num_classes = int(num_classes)
    x = x if hasattr(x, "shape") else np.asarray(x)
    hit = equal(expand_dims(x, -1), np.arange(num_classes))
    out = astype(hit, dtype)
    nd = len(_shape(out))
    if axis not in (-1, nd - 1):
        out = moveaxis(out, -1, axis)
    return out


def _masked_mean(x, axis, where_):
    if where_ is None:
        n = math.prod(_shape(x)[a] for a in _axes(axis, len(_shape(x))))
        return _sum(x, axis=axis, keepdims=True) / n
    mask = np.broadcast_to(np.asarray(concrete(where_), dtype=bool), _shape(x))
    return _sum(where(mask, x, 0.0), axis=axis, keepdims=True) / np.sum(mask, axis=axis, keepdims=True)


def _axes(axis, nd: int) -> tuple:
    if axis is None:
        return tuple(range(nd))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % nd for a in axes)


def standardize(x: ArrayLike, axis=-1, mean: ArrayLike | None = None,
                variance: ArrayLike | None = None, epsilon: float = 1e-5,
                where: ArrayLike | None = None) -> Array:
    """``(x − mean) / √(variance + ε)`` over ``axis`` (``jax.nn.standardize``; the mean and
    the variance ``E[x²] − mean²`` are computed when not given)."""
    if mean is None:
        mean = _masked_mean(x, axis, where)
    if variance is None:
        variance = _masked_mean(square(x), axis, where) - square(mean)
    return (x - mean) * (1.0 / sqrt(variance + epsilon))


def logmeanexp(x: ArrayLike, axis=None, where: ArrayLike | None = None,
               keepdims: bool = False) -> Array:
    """``log(mean(exp(x)))`` over ``axis``, stable (``jax.nn.logmeanexp``)."""
    nd = len(_shape(x))
    if where is None:
        n = math.prod(_shape(x)[a] for a in _axes(axis, nd))
        return logsumexp(x, axis=axis, keepdims=keepdims) - math.log(n)
    mask = np.broadcast_to(np.asarray(concrete(where), dtype=bool), _shape(x))
    count = np.sum(mask, axis=axis, keepdims=keepdims)
    return logsumexp(x, axis=axis, b=mask.astype(dtype_of(concrete(x))), keepdims=keepdims) - np.log(count)


def glu(x: ArrayLike, axis: int = -1) -> Array:
    """The gated linear unit ``a · σ(b)``, with ``x`` split in halves ``a``, ``b`` along
    ``axis`` (``jax.nn.glu``)."""
    size = _shape(x)[axis]
    if size % 2:
        raise ValueError(f"glu: axis {axis} of x (shape {_shape(x)}) must have an even size")
    a, b = split(x, 2, axis=axis)
    return a * sigmoid(b)


def identity(x: ArrayLike) -> Array:
    """``x`` itself (``jax.nn.identity``)."""
    return x


def dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                          bias: ArrayLike | None = None, mask: ArrayLike | None = None, *,
                          scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths=None, key_value_seq_lengths=None,
                          local_window_size=None, implementation=None) -> Array:
    """Scaled dot-product attention, ``softmax(q kᵀ · scale + bias, masked) v``, with
    ``jax.nn.dot_product_attention``'s layout: query ``(B, T, N, H)``, key and value
    ``(B, S, K, H)`` (``N`` a multiple of ``K``: grouped heads), or the same without
    ``B``. ``bias`` and the boolean ``mask`` broadcast to ``(B, N, T, S)``; masked logits
    are replaced by a large negative number, as JAX does. ``is_causal`` keeps ``s ≤ t``;
    ``query_seq_lengths``/``key_value_seq_lengths`` mask padding (padding queries give
    zeros). Unlike JAX's, the logits and the softmax stay in the inputs' precision."""
    if local_window_size is not None:
        raise NotImplementedError("dot_product_attention: local_window_size is not supported")
    if implementation not in (None, "xla"):
        raise ValueError(f"dot_product_attention: implementation {implementation!r} is not "
                         "available (tensorgrad runs one NumPy implementation)")
    sq, sk, sv = _shape(query), _shape(key), _shape(value)
    batched = len(sq) == 4
    if len(sq) not in (3, 4) or len(sk) != len(sq) or len(sv) != len(sq):
        raise ValueError(f"dot_product_attention: query, key and value must all be (B, T, N, H) "
                         f"or (T, N, H), got shapes {sq}, {sk}, {sv}")
    if not batched:
        query, key, value = expand_dims(query, 0), expand_dims(key, 0), expand_dims(value, 0)
        sq, sk, sv = (1,) + sq, (1,) + sk, (1,) + sv
    B, T, N, H = sq
    _, S, K, _ = sk
    if sk != sv or sk[0] != B or sk[3] != H or N % K:
        raise ValueError(f"dot_product_attention: key and value must be (B, S, K, H) with the "
                         f"query's B and H and N a multiple of K; got query {sq}, key {sk}, value {sv}")
    if K != N:  # grouped heads: each key/value head serves N // K query heads
        key, value = repeat(key, N // K, axis=2), repeat(value, N // K, axis=2)
    scale = 1.0 / math.sqrt(H) if scale is None else float(scale)
    logits = einsum("btnh,bsnh->bnts", query, key) * scale
    if bias is not None:
        logits = logits + bias  # (right-aligned: (N, T, S) or (T, S) broadcast over the rest)
    keep = np.ones((B, 1, T, S), dtype=bool)
    if mask is not None:
        m = np.asarray(concrete(mask), dtype=bool)
        keep = keep & m
    if is_causal:
        keep = keep & np.tril(np.ones((T, S), dtype=bool))
    if query_seq_lengths is not None:
        ql = np.asarray(concrete(query_seq_lengths)).reshape(B, 1, 1, 1)
        keep = keep & (np.arange(T).reshape(1, 1, T, 1) < ql)
    if key_value_seq_lengths is not None:
        kl = np.asarray(concrete(key_value_seq_lengths)).reshape(B, 1, 1, 1)
        keep = keep & (np.arange(S).reshape(1, 1, 1, S) < kl)
    dt = dtype_of(concrete(logits))
    if not keep.all():  # JAX's large negative number, kept within float32's range
        logits = where(keep, logits, -0.7 * min(np.finfo(dt).max, np.finfo(np.float32).max))
    probs = softmax(logits, axis=-1)
    out = einsum("bnts,bsnh->btnh", probs, value)
    if query_seq_lengths is not None:  # padding queries attend to nothing: zero, as in JAX
        out = where((np.arange(T).reshape(1, T) < ql.reshape(B, 1))[:, :, None, None], out, 0.0)
    return out if batched else getitem(out, 0)

