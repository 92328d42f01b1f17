"""``torch.nn.functional.embedding_bag`` and ``ctc_loss`` with their Modules
:class:`EmbeddingBag` and :class:`CTCLoss`, as composites of registered ops.

* :func:`embedding_bag` reduces bags of embedding rows: a bag's sum (optionally weighted per
  entry), mean or elementwise max. The sum and the mean add each gathered row into its own
  bag (a scatter-add), so the gradient reaches ``weight`` and ``per_sample_weights`` exactly
  and a NaN or inf row or weight reaches only the bags that use it; the max sends each
  feature's gradient to the bag's first maximal entry, as PyTorch.
* :func:`ctc_loss` is the connectionist temporal classification loss: the negative log of
  the total probability of every alignment of a target with the input, summed by the forward
  (alpha) recursion in log space, one step per time frame. Its gradient is the exact
  derivative with respect to ``log_probs``; see :func:`ctc_loss` for how that relates to
  PyTorch's.

Offsets, lengths and targets may be traced (``tg.jit`` arguments): the bag and alignment
structure is built with ops, and the checks on their values run again at every call of a jit
plan.
"""
from __future__ import annotations

import numpy as np

from .param_alias import ParamAttr
from .. import ops as _ops
from .. import staging as _staging
from ..ops.shape import scatter_add
from ..tensor import concrete, dtype_of
from ..typing import Array, ArrayLike  # noqa: F401
from .layers import Module, _check_positive
from .losses import _Loss, _arr, _float, _known, _reduce, _reduction, _shape
from .torch_layers import _embedding_ids

__all__ = ["embedding_bag", "EmbeddingBag", "ctc_loss", "CTCLoss"]

_MODES = ("sum", "mean", "max")


def _int_array(name: str, what: str, v):
    v = _arr(v)
    dt = np.dtype(dtype_of(concrete(v)))
    if dt.kind not in "iu":
        raise TypeError(f"{name}: {what} must be integers, got dtype {dt} (shape {_shape(v)})")
    return v


# ---- embedding_bag -----------------------------------------------------------------------------
def _bag_bounds(name: str, ids, offsets, include_last_offset: bool):
    """(ids as 1-D, starts (B,), ends (B,)) of the bags, and the original input shape."""
    xs = _shape(ids)
    if len(xs) == 2:
        if offsets is not None:
            raise ValueError(f"{name}: offsets must be None for a 2-D input {xs} (each row is "
                             "one bag)")
        B, K = xs
        starts = np.arange(B) * K  # (include_last_offset changes nothing here, as in PyTorch)
        return _ops.reshape(ids, (B * K,)), starts, starts + K
    if len(xs) != 1:
        raise ValueError(f"{name}: input must be 1-D (with offsets) or 2-D (B, bag size), got "
                         f"shape {xs}")
    if offsets is None:
        raise ValueError(f"{name}: a 1-D input needs offsets (the start of each bag)")
    off = _int_array(name, "offsets", offsets)
    so = _shape(off)
    if len(so) != 1 or (include_last_offset and so[0] < 1):
        raise ValueError(f"{name}: offsets must be 1-D{' and non-empty' * include_last_offset}, "
                         f"got shape {so}")
    M = xs[0]

    def check_offsets(o):
        o = np.asarray(o)
        if o.size and o[0] != 0:
            raise ValueError(f"{name}: offsets[0] must be 0 (the first bag starts at the first "
                             f"entry), got {int(o[0])}")
        if (np.diff(o) < 0).any():
            raise ValueError(f"{name}: offsets must be non-decreasing, got {o.tolist()}")
        if o.size and o[-1] > M:
            raise ValueError(f"{name}: offsets[-1] = {int(o[-1])} is beyond the input's length "
                             f"{M}")
    _staging.check(check_offsets, concrete(off))
    if include_last_offset:  # the last offset closes the last bag: it runs to the end (PyTorch's
        off = _ops.getitem(off, slice(None, -1))  # reading also when that offset is short of it)
    ends = _ops.concatenate([_ops.getitem(off, slice(1, None)), np.array([M], np.int64)])
    return ids, off, ends


def embedding_bag(input: ArrayLike, weight: ArrayLike, offsets: ArrayLike | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: ArrayLike | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Array:
    """One row per bag: the sum, mean or elementwise max of the ``weight`` rows its ids pick
    (``torch.nn.functional.embedding_bag``), output (B, embedding_dim).

    The bags: a 2-D ``input`` (B, n) holds one bag per row; a 1-D ``input`` is cut into bags
    at ``offsets`` (non-decreasing, starting at 0; bag b runs to the next offset or the end;
    with ``include_last_offset`` the last offset is the input's length and ends the last bag,
    CSR style; as in PyTorch, the last bag runs to the input's end whatever that offset
    says). ``per_sample_weights`` (the input's shape, ``mode='sum'`` only) scales each row. Ids equal to ``padding_idx`` (negative: counted from the end) are left out of their
    bag (not counted by the mean, no gradient). An empty bag gives zeros. In ``'max'`` mode
    each feature's gradient goes to the first maximal entry of the bag, as PyTorch.
    ``max_norm`` and ``scale_grad_by_freq`` are not supported (NotImplementedError);
    ``sparse`` only changes PyTorch's gradient storage and is ignored."""
    name = "embedding_bag"
    if max_norm is not None:
        raise NotImplementedError(f"{name}: max_norm is not supported (PyTorch renormalizes "
                                  "the weight rows in place)")
    if scale_grad_by_freq:
        raise NotImplementedError(f"{name}: scale_grad_by_freq is not supported")
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{name}: per_sample_weights is only supported with "
                                  f"mode='sum' (as in PyTorch), got mode={mode!r}")
    weight = _float(weight, name)
    ws = _shape(weight)
    if len(ws) != 2:
        raise ValueError(f"{name}: weight must be (num_embeddings, embedding_dim), got {ws}")
    num, dim = ws
    ids = _int_array(name, "input ids", input)
    xs = _shape(ids)
    if per_sample_weights is not None:
        per_sample_weights = _float(per_sample_weights, name)
        if _shape(per_sample_weights) != xs:
            raise ValueError(f"{name}: per_sample_weights of shape {_shape(per_sample_weights)} "
                             f"must have the input's shape {xs}")
    padding_idx = _embedding_ids(name, ids, ws, padding_idx)
    ids, starts, ends = _bag_bounds(name, ids, offsets, include_last_offset)
    M = _shape(ids)[0]
    B = _shape(starts)[0]
    pos = np.arange(M)
    member_all = _ops.logical_and(_ops.less_equal(_ops.expand_dims(starts, 1), pos),
                                  _ops.greater(_ops.expand_dims(ends, 1), pos))  # (B, M)
    member = member_all
    if padding_idx is not None:
        member = _ops.logical_and(member, _ops.not_equal(ids, padding_idx))
    dt = np.dtype(dtype_of(concrete(weight)))
    if M == 0 or B == 0:  # every bag is empty, or there is none: zeros, on the graph (zero slopes)
        none = _ops.sum(_ops.getitem(weight, slice(0, 0)), axis=0)  # (dim,)
        if per_sample_weights is not None:
            none = none + _ops.sum(_ops.getitem(per_sample_weights, slice(0, 0)))
        return none + _ops.zeros((B, dim), dt)
    rows = _ops.getitem(weight, ids)  # (M, D)
    if mode == "max":
        vals = _ops.where(_ops.expand_dims(member, 2), _ops.expand_dims(rows, 0), -np.inf)
        first = _ops.argmax(vals, axis=1, keepdims=True)  # the first maximal entry, as PyTorch
        best = _ops.reshape(_ops.take_along_axis(vals, first, axis=1), (B, dim))
        return _ops.where(_ops.any(member, axis=1, keepdims=True), best, 0.0)
    # each entry's row (times its weight) is added into its own bag's row alone, the padding
    # entries into a spare row B that is dropped: a NaN or inf reaches only the bags that use
    # it, as in PyTorch (a product with a 0/1 membership matrix would meet it with 0 in every
    # other bag). Every entry lies in exactly one bag (offsets start at 0 and cover the input).
    bag = _ops.argmax(member_all, axis=0)  # (M,)
    if padding_idx is not None:
        bag = _ops.where(_ops.equal(ids, padding_idx), B, bag)
    bag = concrete(bag)  # scatter_add's index is a parameter: an array (or a jit-staged one)
    if not _staging.is_staged(bag):
        bag = np.asarray(bag)
    if per_sample_weights is not None:
        rows = rows * _ops.reshape(per_sample_weights, (M, 1))
    total = _ops.getitem(scatter_add(rows, (bag,), (B + 1, dim)), slice(0, B))
    if mode == "mean":
        count = _ops.sum(_ops.astype(member, dt), axis=1, keepdims=True)
        total = total / _ops.maximum(count, 1.0)
    return total


class EmbeddingBag(Module):
    """:func:`embedding_bag` with its table as a parameter (``torch.nn.EmbeddingBag``):
    ``weight`` (num_embeddings, embedding_dim) starts N(0, 1) (the ``padding_idx`` row at 0),
    or at ``_weight``; called ``bag(input, offsets=None, per_sample_weights=None)``.
    ``dtype`` is the table's (float64 by default); ``device`` may only be None or ``'cpu'``."""

    weight = ParamAttr("weight")  # (PyTorch's attribute name)

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: ArrayLike | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device=None, dtype=None):
        name = "EmbeddingBag"
        _check_positive(name, num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        if max_norm is not None:
            raise NotImplementedError(f"{name}: max_norm is not supported")
        if scale_grad_by_freq:
            raise NotImplementedError(f"{name}: scale_grad_by_freq is not supported")
        if mode not in _MODES:
            raise ValueError(f"{name}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if device not in (None, "cpu"):
            raise ValueError(f"{name}: device must be None or 'cpu', got {device!r}")
        n, d = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -n <= padding_idx < n:
                raise ValueError(f"{name}: padding_idx {padding_idx} must be within [-{n}, {n})")
            padding_idx = int(padding_idx) % n
        self.dtype = np.dtype(np.float64 if dtype is None else dtype)
        if _weight is not None:
            _weight = np.array(concrete(_weight), dtype=self.dtype)
            if _weight.shape != (n, d):
                raise ValueError(f"{name}: _weight must have shape ({n}, {d}), got "
                                 f"{_weight.shape}")
        self.num_embeddings, self.embedding_dim = n, d
        self.mode, self.sparse, self.norm_type = mode, bool(sparse), float(norm_type)
        self.include_last_offset, self.padding_idx = bool(include_last_offset), padding_idx
        self._initial = _weight

    def init_params(self, rng):
        if self._initial is not None:
            return {"weight": self._initial.copy()}
        w = rng.normal(size=(self.num_embeddings, self.embedding_dim)).astype(self.dtype)
        if self.padding_idx is not None:
            w[self.padding_idx] = 0
        return {"weight": w}

    def apply(self, params, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, params["weight"], offsets, mode=self.mode,
                             per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    def __call__(self, input, offsets=None, per_sample_weights=None, params=None):
        return self.apply(self._called(input) if params is None else params, input, offsets,
                          per_sample_weights)

    def extra_repr(self):
        return (f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
                + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""))


# ---- ctc_loss ----------------------------------------------------------------------------------
def _logsumexp0(x):
    """log Σ exp over axis 0, where a slice of only −inf gives −inf with a zero gradient (not
    NaN): the states no alignment reaches stay out of the derivative."""
    m = _ops.stop_gradient(_ops.max(x, axis=0))
    m = _ops.where(_ops.isfinite(m), m, 0.0)
    s = _ops.sum(_ops.exp(x - m), axis=0)
    some = _ops.not_equal(s, 0.0)
    return _ops.where(some, _ops.log(_ops.where(some, s, 1.0)) + m, -np.inf)


def _lengths(name: str, what: str, v, n: int, batched: bool):
    v = _int_array(name, what, v)
    sv = _shape(v)
    if batched and sv != (n,) or not batched and sv not in ((), (1,)):
        want = f"({n},)" if batched else "() or (1,)"
        raise ValueError(f"{name}: {what} must have shape {want}, got {sv}")
    return _ops.reshape(v, (n,))


def _labels(name, targets, tl, N: int, padded: bool, C: int, blank: int):
    """(N, S) target labels, blank past each target's length, S a static bound on them."""
    known = _known(tl)
    S = _shape(targets)[-1]
    if known is not None:
        S = int(known.max(initial=0))
    if S == 0:
        return np.full((N, 0), blank, np.int64)
    steps = np.arange(S)
    valid = _ops.less(steps, _ops.expand_dims(tl, 1))  # (N, S)
    if padded:
        lab = _ops.getitem(targets, (slice(None), slice(0, S)))
    else:
        start = _ops.cumsum(tl) - tl
        idx = _ops.where(valid, _ops.expand_dims(start, 1) + steps, 0)
        lab = _ops.take(targets, idx)
    return _ops.where(valid, lab, blank)


def ctc_loss(log_probs: ArrayLike, targets: ArrayLike, input_lengths: ArrayLike,
             target_lengths: ArrayLike, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Array:
    """The connectionist temporal classification loss
    (``torch.nn.functional.ctc_loss``): ``−log Σ_π Π_t p_t(π_t)`` over the alignments ``π``
    of length ``input_lengths[n]`` that reduce to the target (repeats merged, then blanks
    removed), by the forward recursion in log space.

    ``log_probs`` is (T, N, C) (or (T, C) unbatched), normally a ``log_softmax`` over C;
    ``targets`` is (N, S) padded (entries past ``target_lengths[n]`` are ignored) or 1-D, the
    N targets concatenated (length ``sum(target_lengths)``); the lengths are (N,) integer
    arrays or sequences. Target entries are classes in [0, C) other than ``blank``.
    ``reduction='mean'`` divides each loss by its target length (at least 1) and averages over
    the batch, as PyTorch; ``'sum'`` and ``'none'`` as usual. A target no alignment can reach
    (too long for its input) has an infinite loss, 0 with ``zero_infinity=True``.

    The gradient is the exact derivative with respect to ``log_probs`` (0 for a sample whose
    loss is infinite, and past each input's length). PyTorch's ``ctc_loss`` instead returns
    that derivative plus ``exp(log_probs)``, the gradient with respect to the logits of a
    ``log_softmax``; through a ``log_softmax`` both give the same gradient for the logits."""
    name = "ctc_loss"
    red = _reduction(name, reduction)
    lp = _float(log_probs, name)
    ls = _shape(lp)
    if len(ls) not in (2, 3):
        raise ValueError(f"{name}: log_probs must be (T, N, C) or (T, C), got shape {ls}")
    batched = len(ls) == 3
    if not batched:
        lp = _ops.expand_dims(lp, 1)
    T, N, C = _shape(lp)
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < C:
        raise ValueError(f"{name}: blank must be a class index in [0, {C}), got {blank!r}")
    blank = int(blank)
    targets = _int_array(name, "targets", targets)
    st = _shape(targets)
    padded = batched and len(st) == 2
    if not (padded or len(st) == 1) or padded and st[0] != N:
        raise ValueError(f"{name}: targets of shape {st} do not fit log_probs of shape {ls}: "
                         f"expected ({N}, S) padded or 1-D concatenated targets"
                         if batched else f"{name}: unbatched targets must be 1-D, got {st}")
    il = _lengths(name, "input_lengths", input_lengths, N, batched)
    tl = _lengths(name, "target_lengths", target_lengths, N, batched)

    def check_values(i, t, y):
        i, t, y = np.asarray(i).reshape(-1), np.asarray(t).reshape(-1), np.asarray(y)
        if ((i < 0) | (i > T)).any():
            raise ValueError(f"{name}: input_lengths must be in [0, {T}] (T of log_probs "
                             f"{ls}), got {i.tolist()}")
        if (t < 0).any() or (padded and (t > st[1]).any()):
            raise ValueError(f"{name}: target_lengths must be in [0, {st[1] if padded else 'inf'}"
                             f"] for targets of shape {st}, got {t.tolist()}")
        if not padded and int(t.sum()) != st[0]:
            raise ValueError(f"{name}: concatenated targets must hold sum(target_lengths) = "
                             f"{int(t.sum())} entries, got {st[0]}")
        used = [y[n, :t[n]] for n in range(len(t))] if padded else [y]
        used = np.concatenate(used) if used else y
        bad = used[(used < 0) | (used >= C) | (used == blank)]
        if bad.size:
            raise ValueError(f"{name}: target entry {int(bad[0])} is not a class in [0, {C}) "
                             f"other than blank={blank}")
    _staging.check(check_values, concrete(il), concrete(tl), concrete(targets))
    if not padded:
        targets = _ops.reshape(targets, (-1,))
    lab = _labels(name, targets, tl, N, padded, C, blank)
    S = _shape(lab)[1]
    blanks = np.full((N, S), blank, np.int64)
    ext = _ops.concatenate([_ops.reshape(_ops.stack([blanks, lab], axis=2), (N, 2 * S)),
                            np.full((N, 1), blank, np.int64)], axis=1)  # (N, 2S + 1)
    width = 2 * S + 1
    if width >= 3:
        tail, before = _ops.getitem(ext, (slice(None), slice(2, None))), \
            _ops.getitem(ext, (slice(None), slice(None, -2)))
        skip = _ops.concatenate([np.zeros((N, 2), bool), _ops.logical_and(
            _ops.not_equal(tail, blank), _ops.not_equal(tail, before))], axis=1)
    emit = _ops.take_along_axis(lp, _ops.broadcast_to(_ops.expand_dims(ext, 0), (T, N, width)),
                                axis=2)  # (T, N, 2S + 1): log p_t of each extended label
    alpha = _ops.where(np.arange(width) < 2, _ops.getitem(emit, 0), -np.inf)
    for t in range(1, T):
        shifted = _ops.pad(alpha, ((0, 0), (2, 0)), constant_values=-np.inf)
        ways = [alpha, _ops.getitem(shifted, (slice(None), slice(1, -1)))]
        if width >= 3:
            ways.append(_ops.where(skip, _ops.getitem(shifted, (slice(None), slice(0, -2))),
                                   -np.inf))
        step = _logsumexp0(_ops.stack(ways)) + _ops.getitem(emit, t)
        alpha = _ops.where(_ops.expand_dims(_ops.greater(il, t), 1), step, alpha)
    last = _ops.expand_dims(2 * tl, 1)
    ends = [_ops.reshape(_ops.take_along_axis(alpha, last, axis=1), (N,)),
            _ops.where(_ops.greater(tl, 0), _ops.reshape(_ops.take_along_axis(
                alpha, _ops.maximum(last - 1, 0), axis=1), (N,)), -np.inf)]
    ll = _logsumexp0(_ops.stack(ends))
    dt = np.dtype(dtype_of(concrete(lp)))
    empty = _ops.where(_ops.equal(tl, 0), np.zeros((), dt), np.asarray(-np.inf, dt))
    loss = -_ops.where(_ops.greater(il, 0), ll, empty)  # (no frames: only an empty target fits)
    if zero_infinity:
        loss = _ops.where(_ops.isinf(loss), 0.0, loss)
    if red == "mean":
        return _ops.mean(loss / _ops.maximum(_ops.astype(tl, dt), 1.0))
    if red == "none" and not batched:
        return _ops.reshape(loss, ())
    return _reduce(loss, red)


class CTCLoss(_Loss):
    """:func:`ctc_loss` as a Module (``torch.nn.CTCLoss``), called
    ``loss_fn(log_probs, targets, input_lengths, target_lengths)``."""

    _fn = staticmethod(ctc_loss)
    _options = ("blank", "reduction", "zero_infinity")

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or blank < 0:
            raise ValueError(f"CTCLoss: blank must be a non-negative class index, got {blank!r}")
        super().__init__(blank=int(blank), reduction=reduction, zero_infinity=bool(zero_infinity))
