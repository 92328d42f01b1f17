"""PyTorch's ``nn.MultiheadAttention`` as a tensorgrad Module.

``MultiheadAttention(embed_dim, num_heads, ...)`` projects query, key and value, splits them
into ``num_heads`` heads of ``embed_dim / num_heads`` features, applies
``softmax(q kᵀ / √head_dim + mask) v`` per head and projects the concatenated heads back. It
is a composite of registered ops, so ``tg.grad``, ``tg.jvp``, ``tg.jacrev``, ``tg.vmap`` and
``tg.jit`` go through it.

Parameters: a dict whose ``named_parameters`` names are PyTorch's ``state_dict`` names:
``{"in_proj_weight": (3E, E), "in_proj_bias": (3E,), "out_proj": {"weight": (E, E),
"bias": (E,)}}``, i.e. ``in_proj_weight``, ``in_proj_bias``, ``out_proj.weight``,
``out_proj.bias`` (a nested dict, as dict keys with dots cannot be saved by
:mod:`tensorgrad.checkpoint`). With ``kdim``/``vdim`` different from ``embed_dim`` the packed
weight is replaced by ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim) and
``v_proj_weight`` (E, vdim); ``bias=False`` drops both biases; ``add_bias_kv`` adds
``bias_k`` and ``bias_v`` (1, 1, E). The initialization is PyTorch's: Xavier-uniform input
projections, zero biases, U(±1/√E) for ``out_proj.weight``, N(0, 1/E) for bias_k/bias_v.

Calls: ``mha(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
average_attn_weights=True, is_causal=False)`` returns ``(attn_output, attn_weights)`` with
PyTorch's shapes: query (L, N, E) (``batch_first``: (N, L, E); unbatched (L, E)), key
(S, N, kdim), value (S, N, vdim); output like the query; weights (N, L, S), or
(N, num_heads, L, S) with ``average_attn_weights=False``, or None with
``need_weights=False``. The pure form is ``mha.apply(params, query, key, value, ...)``;
explicit parameters go by keyword: ``mha(q, k, v, params=p)``. Since PyTorch's ``key`` is the
attention key, the random key for dropout on the attention weights is ``dropout_key=``
(without one, a training-mode call with ``dropout > 0`` draws from the layer's own Dropout
stream, seeded by ``init(seed)``). ``key`` and ``value`` default to ``query``
(self-attention), so ``apply(params, x)`` keeps the one-input form of a layer.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from ..tensor import concrete, dtype_of, shape_of
from .layers import Module, _check_positive
from .layers_more import Dropout
from .param_alias import ChildParams, ParamAttr

__all__ = ["MultiheadAttention"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x)))


def _arr(x):
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _kind(x) -> str:
    return np.dtype(dtype_of(concrete(x))).kind


def _t(w):
    return _ops.transpose(w)


class MultiheadAttention(Module):
    """Multi-head attention (PyTorch's ``nn.MultiheadAttention``); see the module's notes for
    the parameter layout, the call and the shapes.

    Masks, as PyTorch: a boolean ``attn_mask`` ((L, S) or (N·num_heads, L, S)) or
    ``key_padding_mask`` ((N, S)) marks with True the keys a query may NOT attend to (the
    opposite of ``scaled_dot_product_attention``); a float mask is added to the logits
    q kᵀ/√head_dim. ``is_causal=True`` is PyTorch's hint that ``attn_mask`` is the causal
    mask: it must be given with it (the mask is what is applied). A query row whose keys are
    all masked gets zero weights and a zero output before ``out_proj`` (PyTorch returns NaN
    there on its need_weights path)."""

    stochastic = False  # (Sequential's key= would land on PyTorch's attention key: dropout_key=)
    # (PyTorch's attribute names for the parameters; None where the layout has none)
    in_proj_weight, in_proj_bias = ParamAttr("in_proj_weight"), ParamAttr("in_proj_bias")
    q_proj_weight, k_proj_weight = ParamAttr("q_proj_weight"), ParamAttr("k_proj_weight")
    v_proj_weight = ParamAttr("v_proj_weight")
    bias_k, bias_v = ParamAttr("bias_k"), ParamAttr("bias_v")
    out_proj = ChildParams()

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False):
        _check_positive("MultiheadAttention", embed_dim=embed_dim, num_heads=num_heads)
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        kdim = embed_dim if kdim is None else kdim
        vdim = embed_dim if vdim is None else vdim
        _check_positive("MultiheadAttention", kdim=kdim, vdim=vdim)
        try:
            p = float(dropout)
        except (TypeError, ValueError):
            raise TypeError(f"MultiheadAttention: dropout must be a number, got {dropout!r}") \
                from None
        if not 0 <= p <= 1 or isinstance(dropout, bool):
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout!r}")
        for name, v in (("bias", bias), ("add_bias_kv", add_bias_kv),
                        ("add_zero_attn", add_zero_attn), ("batch_first", batch_first)):
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"MultiheadAttention: {name} must be a bool, got {v!r}")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.kdim, self.vdim, self.dropout = int(kdim), int(vdim), p
        self.bias, self.add_bias_kv = bool(bias), bool(add_bias_kv)
        self.add_zero_attn, self.batch_first = bool(add_zero_attn), bool(batch_first)
        self._drop = Dropout(p) if p > 0 else None  # (a child: init(seed) seeds its stream)

    @property
    def _packed(self) -> bool:
        """Whether q, k and v share one (3E, E) weight (PyTorch's ``_qkv_same_embed_dim``)."""
        return self.kdim == self.embed_dim and self.vdim == self.embed_dim

    def _param_shapes(self) -> dict[str, tuple]:
        e = self.embed_dim
        if self._packed:
            shapes = {"in_proj_weight": (3 * e, e)}
        else:
            shapes = {"q_proj_weight": (e, e), "k_proj_weight": (e, self.kdim),
                      "v_proj_weight": (e, self.vdim)}
        if self.bias:
            shapes["in_proj_bias"] = (3 * e,)
        if self.add_bias_kv:
            shapes.update(bias_k=(1, 1, e), bias_v=(1, 1, e))
        shapes["out_proj"] = {"weight": (e, e), **({"bias": (e,)} if self.bias else {})}
        return shapes

    def init_params(self, rng):
        e = self.embed_dim
        p = {}
        for name, s in self._param_shapes().items():
            if name.endswith("_weight"):  # Xavier uniform, fans from the (out, in) shape
                a = math.sqrt(6.0 / (s[0] + s[1]))
                p[name] = rng.uniform(-a, a, size=s)
            elif name in ("bias_k", "bias_v"):
                p[name] = rng.normal(0.0, 1.0 / math.sqrt(e), size=s)
            elif name == "in_proj_bias":
                p[name] = np.zeros(s)
        b = 1.0 / math.sqrt(e)
        p["out_proj"] = {"weight": rng.uniform(-b, b, size=(e, e))}
        if self.bias:
            p["out_proj"]["bias"] = np.zeros(e)
        return p

    def __call__(self, query, key=None, value=None, key_padding_mask=None, need_weights=True,
                 attn_mask=None, average_attn_weights=True, is_causal=False, *, params=None,
                 dropout_key=None):
        """PyTorch's call; parameters by keyword (``params=p``), else the remembered ones."""
        if params is None:
            params = self._called(query, key, value)
        return self.apply(params, query, key, value, key_padding_mask, need_weights, attn_mask,
                          average_attn_weights, is_causal, dropout_key=dropout_key)

    def apply(self, params, query, key=None, value=None, key_padding_mask=None,
              need_weights=True, attn_mask=None, average_attn_weights=True, is_causal=False,
              *, dropout_key=None):
        """``(attn_output, attn_weights or None)``; see the class and module notes."""
        who = f"MultiheadAttention({self.embed_dim}, {self.num_heads})"
        self._check_params(who, params)
        q_in = _arr(query)
        k_in = q_in if key is None else _arr(key)
        v_in = k_in if value is None else _arr(value)
        q_in, k_in, v_in, unbatched = self._batch_major(who, q_in, k_in, v_in)
        n, tgt, src = _shape(q_in)[0], _shape(q_in)[1], _shape(k_in)[1]
        if is_causal and attn_mask is None:
            raise ValueError(f"{who}: is_causal=True is a hint that attn_mask is the causal "
                             "mask; give attn_mask too")
        am = self._attn_mask(who, attn_mask, n, tgt, src, unbatched)
        kpm = self._padding_mask(who, key_padding_mask, n, src, unbatched)
        e, h, hd = self.embed_dim, self.num_heads, self.head_dim
        if self._packed:
            w = params["in_proj_weight"]
            wq, wk, wv = (_ops.getitem(w, slice(i * e, (i + 1) * e)) for i in range(3))
        else:
            wq, wk, wv = params["q_proj_weight"], params["k_proj_weight"], params["v_proj_weight"]
        q, k, v = (_ops.matmul(a, _t(wt)) for a, wt in ((q_in, wq), (k_in, wk), (v_in, wv)))
        if self.bias:
            b = params["in_proj_bias"]
            q, k, v = (a + _ops.getitem(b, slice(i * e, (i + 1) * e))
                       for i, a in enumerate((q, k, v)))
        if self.add_bias_kv:  # one more key and value, learned, seen by every query
            k = _ops.concatenate([k, _ops.broadcast_to(params["bias_k"], (n, 1, e))], axis=1)
            v = _ops.concatenate([v, _ops.broadcast_to(params["bias_v"], (n, 1, e))], axis=1)
            am, kpm = _pad_last(am), _pad_last(kpm)
        q, k, v = (_ops.swapaxes(_ops.reshape(a, (n, -1, h, hd)), 1, 2) for a in (q, k, v))
        if self.add_zero_attn:  # and one more key and value of zeros
            zeros = np.zeros((n, h, 1, hd), dtype=np.dtype(dtype_of(concrete(k))))
            k, v = (_ops.concatenate([a, zeros], axis=2) for a in (k, v))
            am, kpm = _pad_last(am), _pad_last(kpm)
        logits = _ops.matmul(q, _ops.swapaxes(k, -1, -2)) * (1.0 / math.sqrt(hd))
        for m in (am, kpm):
            if m is not None:
                logits = logits + m
        if am is not None or kpm is not None:
            # a query without any key left (all −inf): weights 0, not NaN, and no NaN gradient
            dead = _ops.all(_ops.equal(logits, -np.inf), axis=-1, keepdims=True)
            weights = _ops.where(dead, 0.0, _ops.softmax(_ops.where(dead, 0.0, logits), axis=-1))
        else:
            weights = _ops.softmax(logits, axis=-1)
        if self.training and self.dropout > 0:
            weights = (self._drop.apply({}, weights, key=dropout_key) if dropout_key is not None
                       else self._drop.apply({}, weights))
        out = _ops.reshape(_ops.swapaxes(_ops.matmul(weights, v), 1, 2), (n, tgt, e))
        out = _ops.matmul(out, _t(params["out_proj"]["weight"]))
        if self.bias:
            out = out + params["out_proj"]["bias"]
        if unbatched:
            out = _ops.getitem(out, 0)
        elif not self.batch_first:
            out = _ops.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = _ops.mean(weights, axis=1)
        return out, (_ops.getitem(weights, 0) if unbatched else weights)

    def _check_params(self, who, params):
        want = self._param_shapes()
        if not isinstance(params, dict) or not isinstance(params.get("out_proj"), dict):
            raise TypeError(f"{who}: params must be a dict with PyTorch's names and an "
                            f"'out_proj' dict, got {type(params).__name__}")
        for name, s in [*((k, v) for k, v in want.items() if k != "out_proj"),
                        *((f"out_proj.{k}", v) for k, v in want["out_proj"].items())]:
            box = params["out_proj"] if name.startswith("out_proj.") else params
            leaf = name.split(".")[-1]
            if leaf not in box:
                raise ValueError(f"{who}: params has no {name!r} (expected "
                                 f"{sorted(k for k in want if k != 'out_proj')} and out_proj)")
            if _shape(_arr(box[leaf])) != s:
                raise ValueError(f"{who}: params[{name!r}] must have shape {s}, got "
                                 f"{_shape(_arr(box[leaf]))}")

    def _batch_major(self, who, q, k, v):
        """query, key, value as (N, L, ·), (N, S, ·), (N, S, ·), and whether unbatched."""
        sq, sk, sv = _shape(q), _shape(k), _shape(v)
        for name, a in (("query", q), ("key", k), ("value", v)):
            if _kind(a) != "f":
                raise TypeError(f"{who}: {name} must be a floating array, got dtype "
                                f"{dtype_of(concrete(a))}")
        ok = len(sq) in (2, 3) and len(sk) == len(sv) == len(sq)
        if ok:
            ok = (sq[-1], sk[-1], sv[-1]) == (self.embed_dim, self.kdim, self.vdim)
            bat = 0 if self.batch_first else 1
            seq = 1 - bat
            if ok and len(sq) == 3:
                ok = sq[bat] == sk[bat] == sv[bat] and sk[seq] == sv[seq]
            elif ok:
                ok = sk[0] == sv[0]
        if not ok:
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise ValueError(f"{who}: expected query {layout}, key and value likewise with S "
                             f"keys and kdim={self.kdim}, vdim={self.vdim} features (or all "
                             f"unbatched, (L, E)); got query {sq}, key {sk}, value {sv}")
        if len(sq) == 2:
            return _ops.expand_dims(q, 0), _ops.expand_dims(k, 0), _ops.expand_dims(v, 0), True
        if not self.batch_first:
            q, k, v = (_ops.swapaxes(a, 0, 1) for a in (q, k, v))
        return q, k, v, False

    def _attn_mask(self, who, mask, n, tgt, src, unbatched):
        """attn_mask as an additive (1 or N, 1 or H, L, S) array, or None."""
        if mask is None:
            return None
        mask = _arr(mask)
        ms, h = _shape(mask), self.num_heads
        if ms == (tgt, src):
            mask = _ops.reshape(mask, (1, 1, tgt, src))
        elif ms == ((h,) if unbatched else (n * h,)) + (tgt, src):
            mask = _ops.reshape(mask, (n, h, tgt, src))
        else:
            lead = "num_heads" if unbatched else "N·num_heads"
            raise ValueError(f"{who}: attn_mask of shape {ms} must be (L, S) = {(tgt, src)} or "
                             f"({lead}, L, S) = {((h,) if unbatched else (n * h,)) + (tgt, src)}")
        return _additive(who, "attn_mask", mask)

    def _padding_mask(self, who, mask, n, src, unbatched):
        """key_padding_mask as an additive (N, 1, 1, S) array, or None."""
        if mask is None:
            return None
        mask = _arr(mask)
        want = (src,) if unbatched else (n, src)
        if _shape(mask) != want:
            raise ValueError(f"{who}: key_padding_mask of shape {_shape(mask)} must be "
                             f"{'(S,)' if unbatched else '(N, S)'} = {want}")
        return _additive(who, "key_padding_mask", _ops.reshape(mask, (n, 1, 1, src)))

    def extra_repr(self):
        s = f"{self.embed_dim}, {self.num_heads}"
        for name, default in (("dropout", 0.0), ("bias", True), ("add_bias_kv", False),
                              ("add_zero_attn", False), ("batch_first", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        if not self._packed:
            s += f", kdim={self.kdim}, vdim={self.vdim}"
        return s


def _additive(who: str, name: str, mask):
    """A mask as the term added to the logits: −inf where a boolean mask is True (that key is
    masked), 0 elsewhere; a float mask as it is."""
    kind = _kind(mask)
    if kind == "b":  # (in float16, the narrowest: the logits' dtype decides the result's)
        return _ops.where(mask, np.float16(-np.inf), np.float16(0.0))
    if kind != "f":
        raise TypeError(f"{who}: {name} must be boolean or floating, got dtype "
                        f"{dtype_of(concrete(mask))}")
    return mask


def _pad_last(mask):
    """An additive mask with one more key column of 0 (that key is not masked)."""
    if mask is None:
        return None
    return _ops.pad(mask, [(0, 0)] * (len(_shape(mask)) - 1) + [(0, 1)])
