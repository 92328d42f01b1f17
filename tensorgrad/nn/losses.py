"""PyTorch's loss functions (``torch.nn.functional``'s names, signatures and defaults) and their
Module forms (``tg.nn.CrossEntropyLoss()(input, target)``, ...). Every loss is a composite of
registered ops, so every transform, ``.backward()``, ``tg.jit`` and ``tg.vmap`` go through it.
``reduction`` is ``'mean'`` (the default), ``'sum'`` or ``'none'``; the deprecated
``size_average``/``reduce`` pair is mapped to a reduction as PyTorch does. Class scores are on
axis 1 of an ``(N, C)`` or ``(N, C, d1, ...)`` input (axis 0 of an unbatched ``(C,)`` one),
class targets are integer arrays, and a weighted ``'mean'`` divides by the total weight of the
counted targets."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..custom import custom_jvp
from ..ops._util import as_array_like, broadcast_warning
from ..staging import check, is_staged
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from .layers import Module

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_similarity",
           "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss", "CrossEntropyLoss",
           "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "HingeEmbeddingLoss"]

_REDUCTIONS = ("mean", "sum", "none")


# ---- helpers -----------------------------------------------------------------------------------
def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _dtype(x):
    return dtype_of(concrete(x)) if hasattr(x, "shape") else np.asarray(x).dtype


def _arr(x):
    """A traced value or an array as it is; a Python number or list as a NumPy array."""
    return as_array_like(x)


def _float(x, name: str, complex_ok: bool = False, like=None):
    """``x`` in a float dtype: integers and bools in ``like``'s float (or complex) dtype, as PyTorch
    promotes an integer target against a float32 input, else float64. A complex ``x`` stays complex
    where ``complex_ok`` (the functions PyTorch computes on complex values), else TypeError."""
    x, to = _arr(x), np.dtype(np.float64 if like is None else _dtype(like))
    dt = np.dtype(_dtype(x))
    if dt.kind == "c":
        if complex_ok:
            return x
        raise TypeError(f"{name}: complex input (dtype {dt}) is not supported, as in PyTorch; "
                        "pass real values (e.g. the real and imaginary parts, or the modulus)")
    return x if dt.kind == "f" else _ops.astype(x, to if to.kind in "fc" else np.float64)


def checked(fn, x, *args) -> None:
    """The value check ``fn(values of x, *args)`` (it raises on bad values): now, when the values
    are known, and under ``tg.jit`` at every replay of the plan (a trace-time check alone would
    let a later call's bad values through)."""
    v = concrete(x)
    if is_staged(v):
        check(fn, v, *args)
        return
    known = _known(x)
    if known is not None:
        fn(np.asarray(known), *args)


def _known(x):
    """The values of ``x`` when they are known now: also for a tensor that requires grad or
    one a transform traces eagerly (None for a value staged by tg.jit), so value checks hold
    in training as they do on plain arrays."""
    v = concrete(x)
    if is_staged(v):
        return None
    try:
        return np.asarray(v)
    except Exception:  # a value of another tracer (tg.to_jax): nothing to check now
        return None


def _reduction(name: str, reduction: str, size_average=None, reduce=None,
               allowed=_REDUCTIONS) -> str:
    """The reduction in force: PyTorch's mapping of the deprecated ``size_average``/``reduce``
    (both default to True) when either is given, else ``reduction`` (checked)."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return "none" if not reduce else ("mean" if size_average else "sum")
    if reduction not in allowed:
        raise ValueError(f"{name}: reduction must be one of {', '.join(map(repr, allowed))}, "
                         f"got {reduction!r}")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return _ops.sum(loss)
    return _ops.mean(loss)


def _ratio(num, den):
    """num / den, NaN where den is 0 (nothing counted, as PyTorch's 0/0) without a warning."""
    some = den != 0
    return _ops.where(some, num / _ops.where(some, den, 1.0), np.nan)


def _same_shape(name: str, input, target, what: str = "target") -> None:
    si, st = _shape(input), _shape(target)
    if si != st:
        raise ValueError(f"{name}: {what} shape {st} must equal the input's shape {si}")


def _weight_like(name: str, weight, input) -> None:
    if weight is not None and _shape(weight) != _shape(input):
        raise ValueError(f"{name}: weight shape {_shape(weight)} must equal the input's shape "
                         f"{_shape(input)}")


def _scaling(name: str, what: str, w, input):
    """``w`` (``weight``, ``pos_weight``) as floats, which must broadcast to the input's shape."""
    ws, xs = _shape(w), _shape(input)
    if len(ws) > len(xs) or any(a not in (1, b) for a, b in zip(ws[::-1], xs[::-1])):
        raise ValueError(f"{name}: {what} of shape {_shape(w)} does not broadcast to the input's "
                         f"shape {_shape(input)}")
    return _float(w, name)


def _elementwise_pair(name: str, input, target, warn: bool = False, complex_ok: bool = False):
    """input and target broadcast together (PyTorch broadcasts mismatched sizes too; with
    ``warn`` it warns, as PyTorch's regression losses do: (N, 1) against (N,) makes an N × N
    loss)."""
    input, target = _float(input, name, complex_ok), _float(target, name, complex_ok, input)
    try:
        shape = np.broadcast_shapes(_shape(input), _shape(target))
    except ValueError:
        raise ValueError(f"{name}: input of shape {_shape(input)} and target of shape "
                         f"{_shape(target)} do not broadcast together") from None
    if warn and _shape(input) != _shape(target):
        broadcast_warning(name, "an input", _shape(input), "a target", _shape(target), shape, 3)
    if _shape(input) != shape:
        input = _ops.broadcast_to(input, shape)
    if _shape(target) != shape:
        target = _ops.broadcast_to(target, shape)
    return input, target


# ---- class-index losses ------------------------------------------------------------------------
def _class_axis(name: str, input) -> int:
    nd = len(_shape(input))
    if nd == 0:
        raise ValueError(f"{name}: input must have a class axis: (C,), (N, C) or (N, C, d1, ...), "
                         "got a scalar")
    return 0 if nd == 1 else 1


def _class_weight(name: str, weight, C: int, axis: int, nd: int):
    """weight (C,) shaped to broadcast along the class axis."""
    if weight is None:
        return None
    weight = _float(weight, name)
    if _shape(weight) != (C,):
        raise ValueError(f"{name}: weight must have shape ({C},) (one per class), got "
                         f"{_shape(weight)}")
    return _ops.reshape(weight, (C,) + (1,) * (nd - axis - 1))


def _check_indices(name: str, input, target, axis: int, ignore_index: int) -> None:
    si, st = _shape(input), _shape(target)
    want = si[:axis] + si[axis + 1:]
    if st != want:
        raise ValueError(f"{name}: class-index target must have shape {want} for input of shape "
                         f"{si}, got {st}")
    checked(_classes_in_range, target, name, si[axis], ignore_index)


def _classes_in_range(t, name: str, C: int, ignore_index: int) -> None:
    if t.size:
        bad = (t != ignore_index) & ((t < 0) | (t >= C))
        if bad.any():
            raise ValueError(f"{name}: target holds class {int(t[bad].flat[0])} out of range "
                             f"[0, {C}) (and not ignore_index={ignore_index})")


def _pick(logp, target, axis: int, ignore_index: int, w):
    """Per position: the picked log-probability ``logp[.., target, ..]`` and the weight of the
    target class (0 where target == ignore_index). A one-hot mask, so a traced target works."""
    C = _shape(logp)[axis]
    nd = len(_shape(logp))
    t = _ops.expand_dims(target, axis)
    hit = _ops.equal(t, np.arange(C).reshape((C,) + (1,) * (nd - axis - 1)))
    kept = _ops.not_equal(target, ignore_index)
    picked = _ops.sum(_ops.where(hit, logp, 0.0), axis=axis)
    dt = _dtype(logp)
    if w is None:
        wt = _ops.where(kept, np.ones((), dt), np.zeros((), dt))
    else:
        wt = _ops.where(kept, _ops.sum(_ops.where(hit, w, 0.0), axis=axis), 0.0)
    return picked, wt, kept


def _nll(name, logp, target, weight, ignore_index, reduction):
    axis = _class_axis(name, logp)
    if not np.issubdtype(_dtype(target), np.integer):
        raise TypeError(f"{name}: class-index target of shape {_shape(target)} must hold integer "
                        f"class ids in 0..{_shape(logp)[axis] - 1} (input {_shape(logp)}), got "
                        f"dtype {_dtype(target)}; use target.astype(int) for whole numbers")
    _check_indices(name, logp, target, axis, ignore_index)
    nd = len(_shape(logp))
    w = _class_weight(name, weight, _shape(logp)[axis], axis, nd)
    picked, wt, kept = _pick(logp, target, axis, ignore_index, w)
    # an ignored position's value is selected away, not weighted by 0 (±inf/NaN add nothing)
    loss = _ops.where(kept, -wt * _ops.where(kept, picked, 0.0), 0.0)
    if reduction == "none":
        return loss, wt, kept, w
    if reduction == "sum":
        return _ops.sum(loss), wt, kept, w
    return _ratio(_ops.sum(loss), _ops.sum(wt)), wt, kept, w


def nll_loss(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
             size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Array:
    """The negative log-likelihood loss ``−weight[t]·input[n, t]`` of log-probabilities
    ``input`` (``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``) at integer class targets
    ``t`` (``torch.nn.functional.nll_loss``). Targets equal to ``ignore_index`` count for
    nothing; ``'mean'`` divides by the summed weight of the counted targets (NaN if none)."""
    red = _reduction("nll_loss", reduction, size_average, reduce)
    input = _float(input, "nll_loss")
    return _nll("nll_loss", input, _arr(target), weight, int(ignore_index), red)[0]


def cross_entropy(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Array:
    """Cross-entropy of the softmax of logits ``input`` over the class axis (axis 1 of
    ``(N, C)`` / ``(N, C, d1, ...)``, axis 0 of ``(C,)``; ``torch.nn.functional.cross_entropy``).

    ``target`` holds integer class indices (the input's shape without the class axis;
    ``ignore_index`` entries are left out, ``'mean'`` divides by the summed ``weight`` of
    the counted targets) or class probabilities (a float array of the input's shape;
    ``'mean'`` divides by the number of positions). ``label_smoothing`` ε mixes the target
    with the uniform distribution: ``(1 − ε)·target + ε/C``."""
    name = "cross_entropy"
    red = _reduction(name, reduction, size_average, reduce)
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    input, target = _float(input, name), _arr(target)
    axis = _class_axis(name, input)
    nd = len(_shape(input))
    C = _shape(input)[axis]
    logp = _ops.log_softmax(input, axis=axis)
    if np.issubdtype(_dtype(target), np.floating):  # class probabilities
        si = _shape(input)
        if _shape(target) != si and _shape(target) == si[:axis] + si[axis + 1:]:
            raise ValueError(f"{name}: a floating target of shape {_shape(target)} is read as class "
                             f"probabilities, which need the input's shape {_shape(input)}; for class "
                             f"indices (one per sample, of {C} classes) give an integer array "
                             "(target.astype(int), as PyTorch's long targets)")
        _same_shape(name, input, target, "probability target")
        if int(ignore_index) >= 0:  # (a negative one, the default -100 too, is PyTorch's "none")
            raise ValueError(f"{name}: ignore_index={ignore_index} needs class-index targets; "
                             "a floating target is read as class probabilities, where no class "
                             "is ignored (as PyTorch refuses it)")
        w = _class_weight(name, weight, C, axis, nd)
        q = target if eps == 0.0 else target * (1.0 - eps) + eps / C
        with np.errstate(invalid="ignore"):  # 0·(−inf) at a masked class: NaN, quietly (PyTorch's)
            terms = q * logp if w is None else q * logp * w
        loss = -_ops.sum(terms, axis=axis)
        return _reduce(loss, red)
    nll, wt, kept, w = _nll(name, logp, target, weight, int(ignore_index), red)
    if eps == 0.0:
        return nll
    smooth = -_ops.sum(logp if w is None else logp * w, axis=axis)
    smooth = _ops.where(kept, smooth, 0.0)
    if red == "sum":
        smooth = _ops.sum(smooth)
    elif red == "mean":
        smooth = _ratio(_ops.sum(smooth), _ops.sum(wt))
    return (1.0 - eps) * nll + smooth * (eps / C)


# ---- binary losses -----------------------------------------------------------------------------
def _clamped_log(x, one_minus=False):
    """log x, or log(1 − x) as log1p(−x) (a small x keeps its digits), clamped below at −100
    as PyTorch's BCE (log 0 gives −100, with no warning)."""
    ok = x < 1 if one_minus else x > 0
    v = _ops.log1p(-_ops.where(ok, x, 0.0)) if one_minus else _ops.log(_ops.where(ok, x, 1.0))
    return _ops.maximum(_ops.where(ok, v, -100.0), -100.0)


@custom_jvp
def _bce_terms(x, t):
    return -(t * _clamped_log(x) + (1.0 - t) * _clamped_log(x, True))


@_bce_terms.defjvp
def _bce_terms_jvp(primals, tangents):
    # PyTorch's slope in x, (x − t) / max(x(1 − x), 1e-12): the exact derivative inside
    # (0, 1), and at x = 0 or 1 a large push towards the target instead of the clamped
    # logs' zero (a confidently wrong prediction still learns); zero where x = t
    x, t = primals
    dx, dt = tangents
    slope_x = (x - t) / _ops.maximum(x * (1.0 - x), 1e-12)
    slope_t = _clamped_log(x, True) - _clamped_log(x)
    return _bce_terms(x, t), slope_x * dx + slope_t * dt


def binary_cross_entropy(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Array:
    """``−weight·(t·log x + (1 − t)·log(1 − x))`` for probabilities ``x`` in [0, 1]
    (``torch.nn.functional.binary_cross_entropy``). Each log is clamped at −100 as PyTorch
    does, so ``x = 0`` or ``1`` gives a finite loss; ``weight`` broadcasts to the input. The
    slope in ``x`` is PyTorch's, ``(x − t) / max(x(1 − x), 10⁻¹²)``: exact inside (0, 1), and
    at a saturated ``x = 0`` or ``1`` a steep push towards the target (the clamped logs alone
    would give none)."""
    name = "binary_cross_entropy"
    red = _reduction(name, reduction, size_average, reduce)
    input, target = _float(input, name), _float(target, name, like=input)
    _same_shape(name, input, target)
    checked(_probabilities, input, name)
    checked(_targets_in_unit, target, name)
    loss = _bce_terms(input, target)
    return _reduce(loss if weight is None else loss * _scaling(name, "weight", weight, input), red)


def _probabilities(x, name: str) -> None:
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise ValueError(f"{name}: every input must be a probability in [0, 1] (got values in "
                         f"[{np.nanmin(x)}, {np.nanmax(x)}]{', and NaN' if np.isnan(x).any() else ''})")


def _targets_in_unit(t, name: str) -> None:
    if t.size and not ((t >= 0) & (t <= 1)).all():
        raise ValueError(f"{name}: every target must be in [0, 1], as PyTorch requires (got "
                         f"values in [{np.nanmin(t)}, {np.nanmax(t)}])")


def binary_cross_entropy_with_logits(input: ArrayLike, target: ArrayLike,
                                     weight: ArrayLike | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: ArrayLike | None = None) -> Array:
    """Binary cross-entropy of ``sigmoid(input)``, computed from the logits stably
    (``−weight·(p·t·log σ(x) + (1 − t)·log σ(−x))`` with ``log σ`` never overflowing;
    ``torch.nn.functional.binary_cross_entropy_with_logits``). ``pos_weight`` (p) weighs
    the positive term and broadcasts along the last (class) axis."""
    name = "binary_cross_entropy_with_logits"
    red = _reduction(name, reduction, size_average, reduce)
    input, target = _float(input, name), _float(target, name, like=input)
    _same_shape(name, input, target)
    with np.errstate(invalid="ignore"):  # (a logit of ±inf: 0·inf is NaN, quietly, as PyTorch's)
        pos = target * _ops.log_sigmoid(input)
        if pos_weight is not None:
            pos = pos * _scaling(name, "pos_weight", pos_weight, input)
        loss = -(pos + (1.0 - target) * _ops.log_sigmoid(-input))
    return _reduce(loss if weight is None else loss * _scaling(name, "weight", weight, input), red)


# ---- regression losses -------------------------------------------------------------------------
def _weighted(loss, weight, red: str, by_weight: bool):
    loss = loss * weight
    if red == "mean" and by_weight:
        return _ratio(_ops.sum(loss), _ops.sum(weight))
    return _reduce(loss, red)


def mse_loss(input: ArrayLike, target: ArrayLike, size_average=None, reduce=None,
             reduction: str = "mean", weight: ArrayLike | None = None) -> Array:
    """The squared error ``(x − t)²`` (``torch.nn.functional.mse_loss``); input and target
    broadcast. With ``weight`` (the input's shape) a weighted ``'mean'`` divides by
    ``sum(weight)``, as PyTorch does."""
    red = _reduction("mse_loss", reduction, size_average, reduce)
    x, t = _elementwise_pair("mse_loss", input, target, warn=True)
    loss = _ops.square(x - t)
    if weight is None:
        return _reduce(loss, red)
    _weight_like("mse_loss", weight, input)
    return _weighted(loss, _float(weight, "mse_loss"), red, True)


def l1_loss(input: ArrayLike, target: ArrayLike, size_average=None, reduce=None,
            reduction: str = "mean", weight: ArrayLike | None = None) -> Array:
    """The absolute error ``|x − t|`` (``torch.nn.functional.l1_loss``); a weighted
    ``'mean'`` divides by ``sum(weight)``, as PyTorch does."""
    red = _reduction("l1_loss", reduction, size_average, reduce)
    x, t = _elementwise_pair("l1_loss", input, target, warn=True, complex_ok=True)
    loss = _ops.abs(x - t)
    if weight is None:
        return _reduce(loss, red)
    _weight_like("l1_loss", weight, input)
    return _weighted(loss, _float(weight, "l1_loss"), red, True)


def _quadratic_then_linear(d, k: float):
    """``d²/2`` for ``|d| < k`` and ``k·(|d| − k/2)`` beyond (Huber's function)."""
    a = _ops.abs(d)
    inner = a < k  # (the square of the inner d only: a huge d would overflow, and warn, in d²)
    return _ops.where(inner, 0.5 * _ops.square(_ops.where(inner, d, 0.0)), k * (a - 0.5 * k))


def smooth_l1_loss(input: ArrayLike, target: ArrayLike, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Array:
    """``0.5·d²/β`` for ``|d| < β``, ``|d| − β/2`` beyond, with ``d = x − t``
    (``torch.nn.functional.smooth_l1_loss``; ``beta=0`` is the L1 loss)."""
    name = "smooth_l1_loss"
    red = _reduction(name, reduction, size_average, reduce)
    beta = float(beta)
    if beta < 0:
        raise ValueError(f"{name}: beta must be non-negative, got {beta}")
    x, t = _elementwise_pair(name, input, target, warn=True)
    d = x - t
    loss = _ops.abs(d) if beta == 0.0 else _quadratic_then_linear(d, beta) / beta
    return _reduce(loss, red)


def huber_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean",
               delta: float = 1.0, weight: ArrayLike | None = None) -> Array:
    """``0.5·d²`` for ``|d| < δ``, ``δ·(|d| − δ/2)`` beyond, with ``d = x − t``
    (``torch.nn.functional.huber_loss``). With ``weight`` the ``'mean'`` is the plain mean
    of the weighted losses, as PyTorch's."""
    name = "huber_loss"
    red = _reduction(name, reduction)
    delta = float(delta)
    if not delta > 0:
        raise ValueError(f"{name}: delta must be positive, got {delta}")
    x, t = _elementwise_pair(name, input, target, warn=True)
    loss = _quadratic_then_linear(x - t, delta)
    if weight is None:
        return _reduce(loss, red)
    _weight_like(name, weight, input)
    return _weighted(loss, _float(weight, name), red, False)


def kl_div(input: ArrayLike, target: ArrayLike, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Array:
    """The Kullback–Leibler divergence terms ``t·(log t − x)`` of log-probabilities ``x``
    from target probabilities ``t`` (``t·log t`` is 0 where ``t = 0``), or
    ``eᵗ·(t − x)`` with ``log_target=True`` (``torch.nn.functional.kl_div``).
    ``reduction='batchmean'`` divides the sum by the batch size (the true KL divergence);
    ``'mean'`` divides by the number of elements, as PyTorch."""
    name = "kl_div"
    red = _reduction(name, reduction, size_average, reduce, _REDUCTIONS + ("batchmean",))
    x, t = _elementwise_pair(name, input, target)
    with np.errstate(invalid="ignore"):  # (t = 0 at x = ±inf: 0·inf is NaN, quietly, as PyTorch's)
        loss = _ops.exp(t) * (t - x) if log_target else _ops.xlogy(t, t) - t * x
    if red == "batchmean":
        shape = _shape(x)
        return _ops.sum(loss) / (shape[0] if shape else 1)
    return _reduce(loss, red)


# ---- similarity and margin losses --------------------------------------------------------------
def _max0(z):
    """max(z, 0) with PyTorch's ``clamp_min`` slopes: 1 where z >= 0 (z = 0 included), 0
    elsewhere, a NaN included; a NaN value stays NaN, as in PyTorch and NumPy (the plain
    ``where(z >= 0, z, 0)`` would turn it into 0)."""
    return _ops.where(z >= 0, z, _ops.stop_gradient(_ops.where(z < 0, 0.0, z)))


def _norm(x, axis: int, eps: float):
    """max(‖x‖₂ over axis, eps), keeping the axis; a zero vector gets a zero gradient."""
    s = _ops.sum(_ops.square(x), axis=axis, keepdims=True)
    zero = _ops.equal(s, 0)  # (s == 0, not s > 0: a NaN sum stays NaN)
    n = _ops.where(zero, 0.0, _ops.sqrt(_ops.where(zero, 1.0, s)))
    return _ops.maximum(n, eps)


def cosine_similarity(x1: ArrayLike, x2: ArrayLike, dim: int = 1, eps: float = 1e-8) -> Array:
    """``Σ (x1/max(‖x1‖, ε))·(x2/max(‖x2‖, ε))`` over ``dim``, after broadcasting x1 and x2
    (``torch.nn.functional.cosine_similarity``; each norm is clamped at ``eps`` as PyTorch
    does)."""
    name = "cosine_similarity"
    x1, x2 = _elementwise_pair(name, x1, x2)
    nd = len(_shape(x1))
    if not -max(nd, 1) <= dim < max(nd, 1):
        raise ValueError(f"{name}: dim {dim} is out of range for inputs of {nd} dimensions")
    if nd == 0:
        x1, x2, dim = _ops.reshape(x1, (1,)), _ops.reshape(x2, (1,)), 0
    return _ops.sum((x1 / _norm(x1, dim, eps)) * (x2 / _norm(x2, dim, eps)), axis=dim)


def cosine_embedding_loss(input1: ArrayLike, input2: ArrayLike, target: ArrayLike,
                          margin: float = 0, size_average=None, reduce=None,
                          reduction: str = "mean") -> Array:
    """``1 − cos(x1, x2)`` where target is 1 and ``max(0, cos(x1, x2) − margin)`` where it is
    −1, the cosine taken along the last axis of ``(N, D)`` or ``(D,)`` inputs with PyTorch's
    ``ε = 1e-12`` added to each squared norm (``torch.nn.functional.cosine_embedding_loss``)."""
    name = "cosine_embedding_loss"
    red = _reduction(name, reduction, size_average, reduce)
    x1, x2 = _float(input1, name), _float(input2, name)
    s1, s2 = _shape(x1), _shape(x2)
    if s1 != s2 or len(s1) not in (1, 2):
        raise ValueError(f"{name}: input1 and input2 must both be (N, D) or (D,), got {s1} and {s2}")
    target = _arr(target)  # (another target value than ±1 contributes 0, as PyTorch's)
    if _shape(target) != s1[:-1]:
        raise ValueError(f"{name}: target must have shape {s1[:-1]}, got {_shape(target)}")
    axis = len(s1) - 1
    dot = _ops.sum(x1 * x2, axis=axis)
    m1 = _ops.sum(_ops.square(x1), axis=axis) + 1e-12
    m2 = _ops.sum(_ops.square(x2), axis=axis) + 1e-12
    cos = dot / _ops.sqrt(m1 * m2)
    neg = cos - float(margin)
    loss = (_ops.where(_ops.equal(target, 1), 1.0 - cos, 0.0)
            + _ops.where(_ops.equal(target, -1), _max0(neg), 0.0))
    return _reduce(loss, red)


def margin_ranking_loss(input1: ArrayLike, input2: ArrayLike, target: ArrayLike,
                        margin: float = 0, size_average=None, reduce=None,
                        reduction: str = "mean") -> Array:
    """``max(0, −t·(x1 − x2) + margin)`` with targets ``t`` of ±1
    (``torch.nn.functional.margin_ranking_loss``); the three arrays broadcast."""
    name = "margin_ranking_loss"
    red = _reduction(name, reduction, size_average, reduce)
    x1, x2, t = _float(input1, name), _float(input2, name), _float(target, name, like=input1)
    shapes = [_shape(x1), _shape(x2), _shape(t)]
    if len({len(s) for s in shapes}) != 1:
        raise ValueError(f"{name}: input1, input2 and target must have the same number of "
                         f"dimensions, got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}")
    z = -t * (x1 - x2) + float(margin)
    return _reduce(_max0(z), red)


def hinge_embedding_loss(input: ArrayLike, target: ArrayLike, margin: float = 1.0,
                         size_average=None, reduce=None, reduction: str = "mean") -> Array:
    """``x`` where target is 1 and ``max(0, margin − x)`` where it is −1
    (``torch.nn.functional.hinge_embedding_loss``; any other target value gets both terms,
    as PyTorch's)."""
    name = "hinge_embedding_loss"
    red = _reduction(name, reduction, size_average, reduce)
    x = _float(input, name)
    # any target, as PyTorch: the hinge where it is not 1, x where it is not −1
    x, t = _elementwise_pair(name, x, _arr(target))
    m = float(margin) - x
    loss = (_ops.where(_ops.not_equal(t, 1), _max0(m), 0.0)
            + _ops.where(_ops.not_equal(t, -1), x, 0.0))
    return _reduce(loss, red)


# ---- Module forms ------------------------------------------------------------------------------
class _Loss(Module):
    """A loss as a Module: hyperparameters on the object, called ``loss_fn(input, target)``
    as in PyTorch (``apply(params, input, target)`` is the functional core; a loss has no
    parameters). Class weights are buffers, as PyTorch's."""

    _fn = None
    _options: tuple = ()

    _allowed = _REDUCTIONS

    def __init__(self, **options):
        legacy = (options.pop("size_average", None), options.pop("reduce", None))
        if "reduction" in options:
            options["reduction"] = _reduction(type(self).__name__, options["reduction"],
                                              *legacy, allowed=self._allowed)
        for k, v in options.items():
            setattr(self, k, v)

    def __call__(self, *inputs):
        return self.apply(None, *inputs)

    def apply(self, params, *inputs):
        return type(self)._fn(*inputs, **{k: getattr(self, k) for k in self._options})

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)!r}" for k in self._options
                         if k not in ("weight", "pos_weight"))


class CrossEntropyLoss(_Loss):
    """:func:`cross_entropy` as a Module (``torch.nn.CrossEntropyLoss``)."""
    _fn = staticmethod(cross_entropy)
    _options = ("weight", "ignore_index", "reduction", "label_smoothing")
    buffer_names = ("weight",)

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight=weight, size_average=size_average, ignore_index=ignore_index,
                         reduce=reduce, reduction=reduction, label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """:func:`nll_loss` as a Module (``torch.nn.NLLLoss``)."""
    _fn = staticmethod(nll_loss)
    _options = ("weight", "ignore_index", "reduction")
    buffer_names = ("weight",)

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(weight=weight, size_average=size_average, ignore_index=ignore_index,
                         reduce=reduce, reduction=reduction)


class BCELoss(_Loss):
    """:func:`binary_cross_entropy` as a Module (``torch.nn.BCELoss``)."""
    _fn = staticmethod(binary_cross_entropy)
    _options = ("weight", "reduction")
    buffer_names = ("weight",)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(weight=weight, size_average=size_average, reduce=reduce,
                         reduction=reduction)


class BCEWithLogitsLoss(_Loss):
    """:func:`binary_cross_entropy_with_logits` as a Module (``torch.nn.BCEWithLogitsLoss``)."""
    _fn = staticmethod(binary_cross_entropy_with_logits)
    _options = ("weight", "reduction", "pos_weight")
    buffer_names = ("weight", "pos_weight")

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None):
        super().__init__(weight=weight, size_average=size_average, reduce=reduce,
                         reduction=reduction, pos_weight=pos_weight)


class MSELoss(_Loss):
    """:func:`mse_loss` as a Module (``torch.nn.MSELoss``)."""
    _fn = staticmethod(mse_loss)
    _options = ("reduction",)

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average=size_average, reduce=reduce, reduction=reduction)


class L1Loss(_Loss):
    """:func:`l1_loss` as a Module (``torch.nn.L1Loss``)."""
    _fn = staticmethod(l1_loss)
    _options = ("reduction",)

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average=size_average, reduce=reduce, reduction=reduction)


class SmoothL1Loss(_Loss):
    """:func:`smooth_l1_loss` as a Module (``torch.nn.SmoothL1Loss``)."""
    _fn = staticmethod(smooth_l1_loss)
    _options = ("reduction", "beta")

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average=size_average, reduce=reduce, reduction=reduction, beta=beta)


class HuberLoss(_Loss):
    """:func:`huber_loss` as a Module (``torch.nn.HuberLoss``)."""
    _fn = staticmethod(huber_loss)
    _options = ("reduction", "delta")

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction, delta=delta)


class KLDivLoss(_Loss):
    """:func:`kl_div` as a Module (``torch.nn.KLDivLoss``)."""
    _fn = staticmethod(kl_div)
    _options = ("reduction", "log_target")
    _allowed = _REDUCTIONS + ("batchmean",)

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False):
        super().__init__(size_average=size_average, reduce=reduce, reduction=reduction,
                         log_target=log_target)


class CosineEmbeddingLoss(_Loss):
    """:func:`cosine_embedding_loss` as a Module (``torch.nn.CosineEmbeddingLoss``)."""
    _fn = staticmethod(cosine_embedding_loss)
    _options = ("margin", "reduction")

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean"):
        super().__init__(margin=margin, size_average=size_average, reduce=reduce,
                         reduction=reduction)


class MarginRankingLoss(_Loss):
    """:func:`margin_ranking_loss` as a Module (``torch.nn.MarginRankingLoss``)."""
    _fn = staticmethod(margin_ranking_loss)
    _options = ("margin", "reduction")

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean"):
        super().__init__(margin=margin, size_average=size_average, reduce=reduce,
                         reduction=reduction)


class HingeEmbeddingLoss(_Loss):
    """:func:`hinge_embedding_loss` as a Module (``torch.nn.HingeEmbeddingLoss``)."""
    _fn = staticmethod(hinge_embedding_loss)
    _options = ("margin", "reduction")

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean"):
        super().__init__(margin=margin, size_average=size_average, reduce=reduce,
                         reduction=reduction)
