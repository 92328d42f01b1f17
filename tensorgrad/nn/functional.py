"""``jax.nn``'s composite functions, built on registered ops (so every transform and
``tg.jit`` differentiates through them): ``one_hot``, ``standardize``,
``logmeanexp``, ``glu``, ``identity`` and ``dot_product_attention``.

The module also answers as PyTorch's ``torch.nn.functional``: any other name is looked up
in ``tg.nn``, so ``import tensorgrad.nn.functional as F`` then ``F.relu``,
``F.cross_entropy``, ``F.conv2d`` or ``F.softmax(x, dim=1)`` work. Where PyTorch's default
differs from JAX's, the module has PyTorch's function of its own: ``F.gelu`` is exact by
default, ``F.softmax``/``F.log_softmax`` without ``dim`` make PyTorch's implicit
(deprecated, warned) choice of axis, and ``F.one_hot`` gives int64 rows, infers the number
of classes and refuses ids out of range (``tg.nn.one_hot`` is ``jax.nn.one_hot``).
"""
from __future__ import annotations

import functools
import inspect
import math
import sys
import warnings

import numpy as np

from .. import ops as _o
from ..ops._util import as_array_like, on_a_trace
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["jax_one_hot", "standardize", "logmeanexp", "glu", "identity", "dot_product_attention"]


def _shape(x) -> tuple:
    return shape_of(concrete(x)) if hasattr(x, "shape") else np.shape(x)


def jax_one_hot(x: ArrayLike, num_classes: int, *, dtype=np.float64, axis: int = -1) -> Array:
    """Rows of the identity: ``out[..., k] = (x[...] == k)`` for ``k < num_classes``
    (``jax.nn.one_hot``, which is ``tg.nn.one_hot``; an out-of-range class gives a row of
    zeros). A constant: class ids carry no gradient. Works on values traced by ``tg.jit``."""
    num_classes = int(num_classes)
    x = as_array_like(x)
    hit = _o.equal(_o.expand_dims(x, -1), np.arange(num_classes))
    out = _o.astype(hit, dtype)
    nd = len(_shape(out))
    if axis not in (-1, nd - 1):
        out = _o.moveaxis(out, -1, axis)
    return out


def one_hot(tensor: ArrayLike, num_classes: int = -1) -> Array:
    """``torch.nn.functional.one_hot``: int64 rows of the identity for integer class ids, with
    ``num_classes`` (-1: the largest id + 1) columns; an id outside [0, num_classes) is a
    RuntimeError, as PyTorch's. (``tg.nn.one_hot`` is JAX's: float rows, zeros for ids out of
    range.) Under ``tg.jit`` the ids are not known when tracing: give ``num_classes``."""
    x = as_array_like(tensor)
    v = concrete(x)
    if dtype_of(v).kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor (integer ids), got dtype "
                           f"{dtype_of(v)}")
    known = isinstance(v, (np.ndarray, np.generic))
    if int(num_classes) == -1:
        if not known or np.size(v) == 0:
            raise RuntimeError("one_hot: can not infer the number of classes from "
                               + ("an empty tensor" if known else "ids traced by tg.jit")
                               + "; pass num_classes")
        num_classes = int(np.max(v)) + 1
    if known and np.size(v):
        if np.min(v) < 0:
            raise RuntimeError("one_hot: class values must be non-negative")
        if np.max(v) >= int(num_classes):
            raise RuntimeError(f"one_hot: class values must be smaller than num_classes "
                               f"({int(num_classes)})")
    return jax_one_hot(x, int(num_classes), dtype=np.int64)


def _mask_count(x, where_, axis, keepdims: bool):
    """How many entries of ``where_`` (broadcast to x) are set over ``axis``, in x's float dtype.
    Built with ops, so a mask traced by ``tg.jit`` stays traced."""
    xs = _shape(x)
    dt = np.result_type(dtype_of(concrete(x)), np.float16)  # float32 stays float32
    ones = _o.where(where_, np.ones(xs, dt), np.zeros(xs, dt))
    return _o.sum(ones, axis=axis, keepdims=keepdims)


def _safe_ratio(num, count):
    """num / count, NaN where count is 0 (an empty selection), without a NumPy warning."""
    some = count > 0
    return _o.where(some, num / _o.where(some, count, 1.0), np.nan)


def _masked_mean(x, axis, where_):
    if where_ is None:
        n = math.prod(_shape(x)[a] for a in _axes(axis, len(_shape(x))))
        return _o.sum(x, axis=axis, keepdims=True) / n
    return _safe_ratio(_o.sum(_o.where(where_, x, 0.0), axis=axis, keepdims=True),
                       _mask_count(x, where_, axis, True))


def _axes(axis, nd: int) -> tuple:
    if axis is None:
        return tuple(range(nd))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % nd for a in axes)


def standardize(x: ArrayLike, axis=-1, mean: ArrayLike | None = None,
                variance: ArrayLike | None = None, epsilon: float = 1e-5,
                where: ArrayLike | None = None, *, algorithm: str = "fast") -> Array:
    """``(x − mean) / √(variance + ε)`` over ``axis`` (``jax.nn.standardize``; the mean and
    the variance are computed when not given: ``algorithm="fast"`` uses ``E[x²] − mean²``,
    clipped at 0 as JAX does, ``"stable"`` the two-pass ``E[(x − mean)²]``)."""
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"standardize: unknown algorithm {algorithm!r}; expected 'fast' or 'stable'")
    if mean is None:
        mean = _masked_mean(x, axis, where)
    if variance is None:
        if algorithm == "stable":
            variance = _masked_mean(_o.square(x - mean), axis, where)
        else:  # E[x²] − mean² can come out slightly negative: clip, as jax.nn.standardize
            variance = _o.maximum(_masked_mean(_o.square(x), axis, where) - _o.square(mean), 0.0)
    return (x - mean) * (1.0 / _o.sqrt(variance + epsilon))


def logmeanexp(x: ArrayLike, axis=None, where: ArrayLike | None = None,
               keepdims: bool = False) -> Array:
    """``log(mean(exp(x)))`` over ``axis``, stable (``jax.nn.logmeanexp``)."""
    nd = len(_shape(x))
    if where is None:
        n = math.prod(_shape(x)[a] for a in _axes(axis, nd))
        return _o.logsumexp(x, axis=axis, keepdims=keepdims) - math.log(n)
    return _masked_logmeanexp(x, where, axis, keepdims)


def _masked_logmeanexp(x, mask, axis, keepdims: bool):
    count = _mask_count(x, mask, axis, keepdims)
    some = count > 0  # an empty selection gives NaN, as JAX (and no NumPy warning)
    lse = _o.logsumexp(_o.where(mask, x, -np.inf), axis=axis, keepdims=keepdims)
    return _o.where(some, lse - _o.log(_o.where(some, count, 1.0)), np.nan)


def glu(x: ArrayLike, axis: int = -1, *, dim: int | None = None) -> Array:
    """The gated linear unit ``a · σ(b)``, with ``x`` split in halves ``a``, ``b`` along
    ``axis`` (``jax.nn.glu``; PyTorch's ``dim=`` names it too, and ``input=`` names ``x``)."""
    if dim is not None:
        axis = dim
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"glu: axis must be an integer, got {axis!r}")
    if not -len(_shape(x)) <= axis < len(_shape(x)):
        raise ValueError(f"glu: axis {axis} is out of range for x of shape {_shape(x)}")
    if _shape(x)[axis] % 2:
        raise ValueError(f"glu: axis {axis} of x (shape {_shape(x)}) must have an even size")
    a, b = _o.split(x, 2, axis=axis)
    return a * _o.sigmoid(b)


def identity(x: ArrayLike) -> Array:
    """``x`` itself (``jax.nn.identity``)."""
    return x


def _as_ids(v):
    """Sequence lengths: a traced value as it is, anything else as a NumPy array."""
    return v if on_a_trace(v) else np.asarray(concrete(v))


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
        query, key, value = _o.expand_dims(query, 0), _o.expand_dims(key, 0), _o.expand_dims(value, 0)
        sq, sk, sv = (1,) + sq, (1,) + sk, (1,) + sv
    B, T, N, H = sq
    _, S, K, _ = sk
    if sk != sv or sk[0] != B or sk[3] != H or N % K:
        raise ValueError(f"dot_product_attention: key and value must be (B, S, K, H) with the "
                         f"query's B and H and N a multiple of K; got query {sq}, key {sk}, value {sv}")
    if K != N:  # grouped heads: each key/value head serves N // K query heads
        key, value = _o.repeat(key, N // K, axis=2), _o.repeat(value, N // K, axis=2)
    scale = 1.0 / math.sqrt(H) if scale is None else float(scale)
    logits = _o.einsum("btnh,bsnh->bnts", query, key) * scale
    if bias is not None:
        logits = logits + bias  # (right-aligned: (N, T, S) or (T, S) broadcast over the rest)
    # the mask and the sequence lengths may be traced (tg.jit arguments): combined with ops,
    # everything known now (is_causal, constant masks) folded into one NumPy array first
    keep = np.ones((B, 1, T, S), dtype=bool)
    traced = []

    def _and(m):
        nonlocal keep
        if on_a_trace(m):
            traced.append(m)
        else:
            keep = keep & np.asarray(concrete(m), dtype=bool)
    if mask is not None:
        _and(mask if on_a_trace(mask) else np.asarray(concrete(mask), dtype=bool))
    if is_causal:
        keep = keep & np.tril(np.ones((T, S), dtype=bool))
    ql = None
    if query_seq_lengths is not None:
        ql = _as_ids(query_seq_lengths)
        _and(_o.less(np.arange(T).reshape(1, 1, T, 1), _o.reshape(ql, (B, 1, 1, 1))))
    if key_value_seq_lengths is not None:
        kl = _as_ids(key_value_seq_lengths)
        _and(_o.less(np.arange(S).reshape(1, 1, 1, S), _o.reshape(kl, (B, 1, 1, 1))))
    for m in traced:
        keep = _o.logical_and(keep, _o.astype(m, bool))
    dt = dtype_of(concrete(logits))
    if traced or not keep.all():  # JAX's large negative number, kept within float32's range
        logits = _o.where(keep, logits, -0.7 * min(np.finfo(dt).max, np.finfo(np.float32).max))
    probs = _o.softmax(logits, axis=-1)
    out = _o.einsum("bnts,bsnh->btnh", probs, value)
    if ql is not None:  # padding queries attend to nothing: zero, as in JAX
        out = _o.where(_o.less(np.arange(T).reshape(1, T, 1, 1), _o.reshape(ql, (B, 1, 1, 1))), out, 0.0)
    return out if batched else _o.getitem(out, 0)



# PyTorch's functions whose defaults differ from those of tg.nn's (jax.nn's) function of the
# same name; not in __all__, so tg.nn keeps JAX's

def gelu(input: ArrayLike, approximate: str | bool = "none") -> Array:
    """``torch.nn.functional.gelu``: exact, ``x·Φ(x)``, by default (``tg.nn.gelu``, JAX's,
    takes the tanh formula by default); ``approximate='tanh'`` for the tanh formula."""
    return _o.gelu(input, approximate=approximate)


def _implicit_dim(fn: str, x, dim, stacklevel: int):
    """PyTorch's axis for softmax without ``dim``: 0 for 0-, 1- and 3-d input, else 1 (a
    deprecated choice: warned, as PyTorch warns)."""
    if dim is not None:
        return dim
    warnings.warn(f"{fn}: implicit dimension choice is deprecated (as in PyTorch); pass dim=",
                  UserWarning, stacklevel=stacklevel + 1)
    return 0 if len(_shape(x)) in (0, 1, 3) else 1


def _normalized(fn: str, input, dim, stacklevel, dtype):
    dim = _implicit_dim(fn, input, dim, max(int(stacklevel), 2))
    f = vars(sys.modules[__package__])[fn]  # (tg.nn's, which imports this module)
    if _shape(input) == () and dim in (0, -1):  # a 0-d input is one slice, as PyTorch's
        return _o.reshape(f(_o.reshape(input, (1,)), dim=0, dtype=dtype), ())
    return f(input, dim=dim, dtype=dtype)


def softmax(input: ArrayLike, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Array:
    """``torch.nn.functional.softmax``: the entries of each slice along ``dim`` sum to 1;
    ``dtype`` casts the input first. Without ``dim``, PyTorch's deprecated implicit choice
    (axis 0 for 0-, 1- and 3-d input, else axis 1) with its warning (``tg.nn.softmax``,
    JAX's, takes the last axis)."""
    return _normalized("softmax", input, dim, _stacklevel, dtype)


def log_softmax(input: ArrayLike, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Array:
    """``torch.nn.functional.log_softmax``: ``log(softmax(x))`` along ``dim``, computed
    stably; without ``dim`` PyTorch's implicit choice, as :func:`softmax`."""
    return _normalized("log_softmax", input, dim, _stacklevel, dtype)


def _takes_input(fn):
    """``fn`` answering PyTorch's keyword ``input=`` for its first parameter too, when that
    parameter has JAX's name (``F.relu(input=x)`` as ``tg.nn.relu(x)``); ``fn`` itself when
    its first parameter is already called ``input`` or it takes no such argument."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn
    if (not params or any(p.name == "input" for p in params)
            or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                      inspect.Parameter.POSITIONAL_OR_KEYWORD)):
        return fn
    first = params[0].name

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if "input" in kwargs and not args and first not in kwargs:
            args = (kwargs.pop("input"),)
        return fn(*args, **kwargs)
    return call


glu = _takes_input(glu)
_WITH_INPUT: dict = {}


def __getattr__(name: str):
    """PyTorch's ``torch.nn.functional`` names: the function of that name in ``tg.nn``, which
    also takes PyTorch's keyword ``input=`` for its first argument."""
    nn = sys.modules.get(__package__)  # (tensorgrad.nn, which imports this module)
    if not name.startswith("__") and nn is not None and name in vars(nn):
        fn = vars(nn)[name]
        if not callable(fn) or isinstance(fn, type):
            return fn
        seen = _WITH_INPUT.get(name)
        if seen is None or seen[0] is not fn:  # (tg.nn's function, its wrapper) per name
            seen = _WITH_INPUT[name] = (fn, _takes_input(fn))
        return seen[1]
    raise AttributeError(f"module 'tensorgrad.nn.functional' has no attribute {name!r} (nor has tg.nn)")
