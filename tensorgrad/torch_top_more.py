"""More of PyTorch's top-level functions: the comparisons ``tg.eq``, ``ne``, ``lt``, ``le``,
``gt``, ``ge``; the ``torch.nn.functional`` functions PyTorch also has at its top level, in
the top-level signatures (``tg.batch_norm(input, weight, bias, running_mean, running_var,
training, momentum, eps, cudnn_enabled)``, ``tg.embedding(weight, indices)``, the losses'
``reduction`` as PyTorch's int enum 0/1/2 = none/mean/sum, none by default); ``rsub``,
``detach``, ``fill``, ``scalar_tensor``, ``split_with_sizes``, ``chain_matmul``, ``frobenius_norm``,
``nuclear_norm``, the predicates ``is_nonzero``, ``is_same_size``, ``is_signed``, ``is_neg``,
``is_inference``; the ``*_copy`` forms of the view functions (the view's values as a new
array, differentiable); and the window functions ``hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window``, ``kaiser_window``.

Each is made of tensorgrad's differentiable functions (the Tensor method on the first
argument, or ``tg.nn.functional``'s function), so it records, traces and differentiates as
they do. A NumPy array gives a NumPy array, a tensor a tensor, as the rest of ``tg`` does.
Random ones (``alpha_dropout``, ``feature_alpha_dropout``, ``feature_dropout``, ``rrelu``)
take ``key=`` as ``tg.dropout`` does.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import ops as _ops
from . import random as _random
from .imperative import tensor as _tensor
from .nn import functional as _F
from .nn.draws import key_or_stream
from .tensor import Tensor, concrete, shape_of
from .staging import Staged
from .tensor_torch_more import each_result
from .tensor_torch_gaps import bernoulli as _bernoulli_draws
from .torch_functions import _method, view_as_complex as _view_as_complex, view_as_real as _view_as_real
from .linalg import matrix_norm as _matrix_norm
from .ops.norms import vector_norm as _vector_norm

__all__ = ["eq", "ne", "lt", "le", "gt", "ge",
           "conv1d", "conv2d", "conv3d", "max_pool2d", "logspace", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "avg_pool1d", "max_pool1d", "max_pool1d_with_indices", "max_pool3d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm", "instance_norm",
           "embedding", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "native_channel_shuffle", "rms_norm", "alpha_dropout", "feature_alpha_dropout",
           "feature_dropout", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
           "hinge_embedding_loss", "margin_ranking_loss", "poisson_nll_loss",
           "triplet_margin_loss", "ctc_loss", "rrelu",
           "bernoulli", "rsub", "detach", "fill", "scalar_tensor", "split_with_sizes", "chain_matmul",
           "frobenius_norm", "nuclear_norm", "is_nonzero", "is_same_size", "is_signed", "is_neg",
           "is_inference",
           "alias_copy", "detach_copy", "diagonal_copy", "expand_copy", "permute_copy",
           "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy",
           "t_copy", "transpose_copy", "unbind_copy", "unfold_copy", "unsqueeze_copy",
           "view_copy", "view_as_real_copy", "view_as_complex_copy",
           "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


# ---- comparisons ------------------------------------------------------------------------------
def _comparison(name: str, symbol: str):
    def compare(input, other):
        return _method(name, input, (other,), {})
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (f"PyTorch's ``torch.{name}(input, other)``: ``input {symbol} other`` "
                       "entry by entry, broadcast, as bools (``other`` a tensor, an array or a "
                       "number); ``input." + name + "(other)``. Not differentiable: the result "
                       "is bool, and ``tg.where`` on it differentiates as usual.")
    return compare


eq, ne, lt, le, gt, ge = (_comparison(n, s) for n, s in (
    ("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")))


# ---- torch.nn.functional's functions at the top level -----------------------------------------
conv1d, conv3d = _F.conv1d, _F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = (
    _F.conv_transpose1d, _F.conv_transpose2d, _F.conv_transpose3d)
avg_pool1d, adaptive_avg_pool1d = _F.avg_pool1d, _F.adaptive_avg_pool1d
pixel_shuffle, pixel_unshuffle, channel_shuffle = _F.pixel_shuffle, _F.pixel_unshuffle, _F.channel_shuffle
rms_norm = _F.rms_norm


def _shape_like(v) -> bool:
    """An int or a tuple/list of them: the op's stride (``tg.conv2d(x, w, 2)``), not PyTorch's bias."""
    return isinstance(v, (numbers.Integral, tuple, list))


def conv2d(x, w, *args, **kwargs):
    """``tg.conv2d(x, w, stride=1, padding=0)``, the op (NCHW, its own VJP and JVP rules);
    called in PyTorch's form, ``torch.conv2d(input, weight, bias=None, stride=1, padding=0,
    dilation=1, groups=1)`` (a bias or None third, more than four arguments, or ``bias=``,
    ``dilation=``, ``groups=``), ``tg.nn.functional.conv2d``, which is that op when it can be."""
    if (args and not _shape_like(args[0])) or len(args) > 2 \
            or not {"bias", "dilation", "groups", "input", "weight"}.isdisjoint(kwargs):
        return _F.conv2d(x, w, *args, **kwargs)
    return _ops.conv2d(x, w, *args, **kwargs)


def max_pool2d(x, kernel_size, *args, **kwargs):
    """``tg.max_pool2d(x, kernel_size, stride=None)``, the op; with PyTorch's further arguments
    (``padding``, ``dilation``, ``ceil_mode``, also positionally: ``torch.max_pool2d(input,
    kernel_size, stride, padding, dilation, ceil_mode)``), ``tg.nn.functional.max_pool2d``."""
    if len(args) > 1 or not {"padding", "dilation", "ceil_mode", "return_indices"}.isdisjoint(kwargs):
        return _F.max_pool2d(x, kernel_size, *args, **kwargs)
    return _ops.max_pool2d(x, kernel_size, *args, **kwargs)


def logspace(start, stop, *args, **kwargs):
    """``tg.logspace``, NumPy's (the op); a number other than 0 and 1 in the fourth place,
    where NumPy takes the bool ``endpoint``, is PyTorch's ``base``: ``torch.logspace(0, 2, 3,
    2)`` is [1, 2, 4]. (``tensorgrad.numpy.logspace`` keeps NumPy's and JAX's meaning.)"""
    fourth = args[1] if len(args) > 1 else None
    if isinstance(fourth, (numbers.Real, np.integer, np.floating)) \
            and not isinstance(fourth, (bool, np.bool_)) and fourth not in (0, 1):
        if len(args) > 2 or "base" in kwargs or "endpoint" in kwargs:
            raise TypeError(f"logspace: {fourth!r} in the fourth place is PyTorch's base (NumPy's "
                            "endpoint is a bool); give the other arguments by name")
        return _ops.logspace(start, stop, args[0], base=fourth, **kwargs)
    return _ops.logspace(start, stop, *args, **kwargs)


# (the ops: documented as them; and tensorgrad.numpy, jax.numpy's namespace, serves them)
for _f, _op in ((conv2d, _ops.conv2d), (max_pool2d, _ops.max_pool2d), (logspace, _ops.logspace)):
    _f.__wrapped__ = _f.numpy_meaning = _op
del _f, _op


def native_channel_shuffle(input, groups: int):
    """PyTorch's ``torch.native_channel_shuffle``: :func:`channel_shuffle`."""
    return _F.channel_shuffle(input, groups)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """PyTorch's ``torch.max_pool1d``: the values of ``tg.nn.functional.max_pool1d``."""
    return _F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """PyTorch's ``torch.max_pool3d``: the values of ``tg.nn.functional.max_pool3d``."""
    return _F.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False) -> tuple:
    """PyTorch's ``torch.max_pool1d_with_indices``: ``(values, indices)``."""
    return tuple(_F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode,
                               return_indices=True))


def adaptive_max_pool1d(input, output_size) -> tuple:
    """PyTorch's ``torch.adaptive_max_pool1d``: ``(values, indices)`` (always both)."""
    return tuple(_F.adaptive_max_pool1d(input, output_size, return_indices=True))


def batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float,
               eps: float, cudnn_enabled: bool = True):
    """PyTorch's ``torch.batch_norm`` (every argument required, in this order; weight and bias
    before the running statistics, unlike ``F.batch_norm``): ``tg.nn.functional.batch_norm``.
    ``cudnn_enabled`` changes nothing."""
    return _F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool,
                  momentum: float, eps: float, cudnn_enabled: bool = True):
    """PyTorch's ``torch.instance_norm`` (every argument required, weight and bias first):
    ``tg.nn.functional.instance_norm``. ``cudnn_enabled`` changes nothing."""
    return _F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                            momentum, eps)


def embedding(weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False):
    """PyTorch's ``torch.embedding(weight, indices, padding_idx=-1, ...)``: the rows of
    ``weight`` at ``indices`` (weight FIRST, unlike ``F.embedding``). A non-negative
    ``padding_idx`` gets no gradient; a negative one means none, as PyTorch's."""
    pad = None if padding_idx is None or padding_idx < 0 else int(padding_idx)
    return _F.embedding(indices, weight, padding_idx=pad, scale_grad_by_freq=scale_grad_by_freq,
                        sparse=sparse)


def _train(fn: str, train):
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"{fn}: train must be a bool (it is required, as PyTorch's), got {train!r}")
    return bool(train)


def alpha_dropout(input, p: float, train: bool, *, key=None):
    """PyTorch's ``torch.alpha_dropout(input, p, train)``: ``tg.nn.functional.alpha_dropout``
    with ``training=train`` (a ``key`` is needed when training)."""
    return _F.alpha_dropout(input, p, _train("alpha_dropout", train), key=key)


def feature_alpha_dropout(input, p: float, train: bool, *, key=None):
    """PyTorch's ``torch.feature_alpha_dropout(input, p, train)``."""
    return _F.feature_alpha_dropout(input, p, _train("feature_alpha_dropout", train), key=key)


def feature_dropout(input, p: float, train: bool, *, key=None):
    """PyTorch's ``torch.feature_dropout(input, p, train)``: zero whole channels of (N, C, *)
    input (one draw per (sample, channel); a 2-D input is (N, C), one draw per entry) with
    probability ``p``, the others scaled by 1/(1 − p), from ``key`` (else the global stream)."""
    train = _train("feature_dropout", train)
    xs = tuple(shape_of(concrete(input)))
    if len(xs) < 2:
        raise RuntimeError(f"feature_dropout: requires at least 2 dimensions in the input, got "
                           f"shape {xs}")
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"feature_dropout: dropout probability has to be between 0 and 1, "
                         f"but got {p}")
    if not train or p == 0:
        return input
    if p == 1:
        return input * 0
    keep = _random.bernoulli(key_or_stream("feature_dropout", key, input), 1 - p,
                             xs[:2] + (1,) * (len(xs) - 2))
    return _ops.where(keep, input * (1 / (1 - p)), 0.0)


def rrelu(input, lower: float = 0.125, upper: float = 1.0 / 3, training: bool = False, *,
          key=None):
    """PyTorch's ``torch.rrelu``: ``tg.nn.functional.rrelu`` (a ``key`` when training)."""
    return _F.rrelu(input, lower, upper, training, key=key)


_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(fn: str, reduction) -> str:
    """PyTorch's top-level losses take ``reduction`` as an int: 0 none, 1 mean, 2 sum. Without
    it they give the loss of each entry (PyTorch's top-level default, unlike ``F``'s mean)."""
    if isinstance(reduction, (numbers.Integral,)) and not isinstance(reduction, bool) \
            and int(reduction) in _REDUCTIONS:
        return _REDUCTIONS[int(reduction)]
    if reduction in ("none", "mean", "sum"):  # (F's names, accepted too)
        return reduction
    raise ValueError(f"{fn}: reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction!r}")


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
                                     reduction: int = 0):
    """PyTorch's ``torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight,
    reduction=0)`` (pos_weight before reduction, an int enum)."""
    return _F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction("binary_cross_entropy_with_logits", reduction),
        pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    """PyTorch's ``torch.cosine_embedding_loss(..., margin=0., reduction=0)``."""
    return _F.cosine_embedding_loss(input1, input2, target, margin,
                                    reduction=_reduction("cosine_embedding_loss", reduction))


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: int = 0):
    """PyTorch's ``torch.hinge_embedding_loss(input, target, margin=1., reduction=0)``."""
    return _F.hinge_embedding_loss(input, target, margin,
                                   reduction=_reduction("hinge_embedding_loss", reduction))


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    """PyTorch's ``torch.margin_ranking_loss(..., margin=0., reduction=0)``."""
    return _F.margin_ranking_loss(input1, input2, target, margin,
                                  reduction=_reduction("margin_ranking_loss", reduction))


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction: int):
    """PyTorch's ``torch.poisson_nll_loss(input, target, log_input, full, eps, reduction)``
    (all required)."""
    return _F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                               reduction=_reduction("poisson_nll_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: int = 0):
    """PyTorch's ``torch.triplet_margin_loss(..., swap=False, reduction=0)``."""
    return _F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                  reduction=_reduction("triplet_margin_loss", reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: int = 0, zero_infinity: bool = False):
    """PyTorch's ``torch.ctc_loss(..., blank=0, reduction=0, zero_infinity=False)``."""
    return _F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                       reduction=_reduction("ctc_loss", reduction), zero_infinity=zero_infinity)


# ---- small functions --------------------------------------------------------------------------
def bernoulli(input, p=None, *, generator=None, out=None):  # noqa: A002 - PyTorch's names
    """PyTorch's ``torch.bernoulli(input, p=None, *, generator=None)``: draws of 0 or 1 with the
    entries of ``input`` as probabilities (or ``p``), shaped and typed like ``input``; a
    constant, as PyTorch's (``t.bernoulli()``). An integer ``n`` instead gives SciPy's
    Bernoulli numbers B₀ … Bₙ (``tg.scipy.special.bernoulli``, the op of this name), which
    was ``tg.bernoulli``'s only meaning before: PyTorch's needs a tensor of probabilities."""
    if out is not None:
        raise TypeError("bernoulli: out= is not supported (tensorgrad's results are new arrays)")
    if isinstance(input, numbers.Integral) and not isinstance(input, bool) and p is None \
            and generator is None:
        return _ops.bernoulli(input)
    if not isinstance(input, (Tensor, Staged, np.ndarray, list, tuple)):
        raise TypeError(f"bernoulli: draws need a tensor or array of probabilities (PyTorch's), "
                        f"Bernoulli numbers an integer n (SciPy's); got {type(input).__name__}")
    if isinstance(input, (Tensor, Staged)):
        return _bernoulli_draws(input, p, generator=generator)
    return _bernoulli_draws(np.asarray(input), p, generator=generator).numpy()


bernoulli.numpy_meaning = _ops.bernoulli  # (tensorgrad.numpy: SciPy's numbers, as before)

def rsub(input, other, *, alpha=1):
    """PyTorch's ``torch.rsub(input, other, alpha=1)``: ``other - alpha * input``."""
    return _method("rsub", input, (other,), {"alpha": alpha})


def detach(input):
    """PyTorch's ``torch.detach``: the values, cut from the tape (``input.detach()``); an
    array comes back as it is."""
    if isinstance(input, (Tensor, Staged)):
        return input.detach()
    return input


def fill(input, value):
    """PyTorch's ``torch.fill(input, value)``: a new array of ``input``'s shape and dtype,
    every entry ``value`` (a number or a 0-d array). Its gradient flows to a recorded
    ``value``, none to ``input``."""
    if len(tuple(shape_of(concrete(value)))) != 0:
        raise RuntimeError(f"fill: only supports a 0-dimension value, got one of shape "
                           f"{tuple(shape_of(concrete(value)))}")
    like = concrete(input)
    dt = np.result_type(like)
    out = _ops.broadcast_to(_ops.astype(value, dt), shape_of(like))
    if isinstance(input, (Tensor, Staged)) or isinstance(value, (Tensor, Staged)):
        return out if isinstance(out, (Tensor, Staged)) else _tensor(out)
    return np.array(out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False):
    """PyTorch's ``torch.scalar_tensor(s)``: a 0-d tensor of the number ``s``, of
    tensorgrad's default float64 (PyTorch's is float32) unless ``dtype`` says otherwise."""
    if not isinstance(s, (numbers.Number, np.generic)):
        raise TypeError(f"scalar_tensor: s must be a number, got {type(s).__name__}")
    return _tensor(np.asarray(s, dtype=np.float64 if dtype is None else dtype),
                   requires_grad=requires_grad, device=device)


def split_with_sizes(input, split_sizes, dim: int = 0) -> tuple:
    """PyTorch's ``torch.split_with_sizes``: pieces of these sizes along ``dim`` (they must
    add up to its length)."""
    n = tuple(shape_of(concrete(input)))[dim] if shape_of(concrete(input)) else 0
    if sum(int(k) for k in split_sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input's "
                           f"size at dimension {dim}), but got split_sizes={list(split_sizes)}")
    return tuple(_method("split_with_sizes", input, (list(split_sizes),), {"dim": dim}))


def chain_matmul(*matrices):
    """PyTorch's ``torch.chain_matmul(*matrices)`` (deprecated there): the product of 2-D
    matrices, ``tg.linalg.multi_dot`` for two or more."""
    for i, m in enumerate(matrices):
        if len(shape_of(concrete(m))) != 2:
            raise RuntimeError(f"chain_matmul: matrix {i} has shape {tuple(shape_of(concrete(m)))},"
                               " expected 2 dimensions")
    if not matrices:
        raise RuntimeError("chain_matmul: expects at least one matrix")
    if len(matrices) == 1:
        return matrices[0]
    out = matrices[0]
    for m in matrices[1:]:
        out = _ops.matmul(out, m)
    return out


def frobenius_norm(input, dim, keepdim: bool = False):
    """PyTorch's ``torch.frobenius_norm(input, dim, keepdim=False)``: the 2-norm over the
    axes ``dim`` (one or two; ``()`` every axis, as PyTorch's); its gradient at 0 is 0."""
    if dim is None:
        raise TypeError("frobenius_norm: dim is required (an int, a tuple of ints, or () for "
                        "every axis), as PyTorch's")
    axes = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    return _vector_norm(input, 2, axes if axes else None, bool(keepdim))


def nuclear_norm(input, dim=None, keepdim: bool = False):
    """PyTorch's ``torch.nuclear_norm(input, keepdim=False)`` or ``(input, dim, keepdim)``:
    the sum of singular values of the matrices over axes ``dim`` (the last two of a 2-D
    input)."""
    if isinstance(dim, (bool, np.bool_)):  # (torch.nuclear_norm(x, True): keepdim)
        dim, keepdim = None, bool(dim)
    if dim is None:
        if len(shape_of(concrete(input))) != 2:
            raise RuntimeError(f"nuclear_norm: expected a 2-D input, got shape "
                               f"{tuple(shape_of(concrete(input)))}")
        dim = (0, 1)
    return _matrix_norm(input, "nuc", dim=tuple(dim), keepdim=bool(keepdim))


def _as_tensor(input):
    return input if isinstance(input, (Tensor, Staged)) else Tensor(np.asarray(input))


def is_nonzero(input) -> bool:
    """PyTorch's ``torch.is_nonzero``: whether a one-entry array is not zero (more entries
    raise)."""
    return _as_tensor(input).is_nonzero()


def is_same_size(input, other) -> bool:
    """PyTorch's ``torch.is_same_size``: whether the shapes are equal."""
    return tuple(shape_of(concrete(input))) == tuple(shape_of(concrete(other)))


def is_signed(input) -> bool:
    """PyTorch's ``torch.is_signed``: whether the dtype holds negative numbers."""
    return _as_tensor(input).is_signed()


def is_neg(input) -> bool:
    """PyTorch's ``torch.is_neg``: always False (no array here carries a lazy negation bit)."""
    return False


def is_inference(input) -> bool:
    """PyTorch's ``torch.is_inference``: always False. ``tg.inference_mode`` stops recording
    but makes ordinary constants, not PyTorch's separate kind of inference tensor."""
    return False


# ---- the *_copy forms: the view function's values as a new array ------------------------------
def _copy(v):
    if isinstance(v, Tensor):
        return v.clone()
    if isinstance(v, Staged):  # (under tg.jit: a copy in the plan)
        return _ops.copy(v)
    return np.array(v, copy=True)


def _copying(name: str, method: str | None = None):
    def copy(input, *args, **kwargs):
        args = tuple(tuple(a) if isinstance(a, list) else a for a in args)  # (NumPy's: tuples)
        return each_result(_copy, _method(method or name[:-5], input, args, kwargs))
    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = (f"PyTorch's ``torch.{name}``: ``{name[:-5]}``'s result as a new array (a "
                    "copy, not a view), differentiable as the view is.")
    return copy


diagonal_copy, expand_copy, permute_copy, select_copy, squeeze_copy, t_copy, transpose_copy, \
    unfold_copy, unsqueeze_copy = (_copying(n) for n in (
        "diagonal_copy", "expand_copy", "permute_copy", "select_copy", "squeeze_copy", "t_copy",
        "transpose_copy", "unfold_copy", "unsqueeze_copy"))
transpose_copy = _copying("transpose_copy", "swapaxes")  # (a traced tensor's transpose is NumPy's)


def alias_copy(input):
    """PyTorch's ``torch.alias_copy``: a copy of ``input`` (recorded for a tensor)."""
    return _copy(input)


def detach_copy(input):
    """PyTorch's ``torch.detach_copy``: a copy of the values, cut from the tape."""
    return _copy(detach(input))


def view_copy(input, size):
    """PyTorch's ``torch.view_copy(input, size)``: ``input`` reshaped (a copy). PyTorch's other
    form, a dtype in ``size``'s place (a bit reinterpretation), is not differentiable and
    raises here."""
    if isinstance(size, (type, np.dtype, str)):
        raise TypeError("view_copy: the dtype form (reinterpreting bits) is not supported; give "
                        "a size")
    return _copy(_method("view", input, (tuple(size) if isinstance(size, (list, tuple)) else size,), {}))


def slice_copy(input, dim: int = 0, start=None, end=None, step: int = 1):
    """PyTorch's ``torch.slice_copy(input, dim=0, start=None, end=None, step=1)``: the slice
    ``start:end:step`` of axis ``dim`` (out-of-range bounds clipped), as a new array."""
    if int(step) <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got {step}")
    nd = len(shape_of(concrete(input)))
    if not -nd <= dim < nd:
        raise IndexError(f"slice_copy: dim {dim} is out of range for shape "
                         f"{tuple(shape_of(concrete(input)))}")
    index = (slice(None),) * (dim % nd) + (slice(start, end, int(step)),)
    return _copy(input[index])


def split_copy(input, split_size, dim: int = 0) -> tuple:
    """PyTorch's ``torch.split_copy(input, split_size, dim=0)``: ``split``'s pieces, copied."""
    return tuple(_copy(v) for v in _method("split", input, (split_size,), {"dim": dim}))


def split_with_sizes_copy(input, split_sizes, dim: int = 0) -> tuple:
    """PyTorch's ``torch.split_with_sizes_copy``: :func:`split_with_sizes`' pieces, copied."""
    return tuple(_copy(v) for v in split_with_sizes(input, split_sizes, dim))


def unbind_copy(input, dim: int = 0) -> tuple:
    """PyTorch's ``torch.unbind_copy``: ``unbind``'s slices, copied."""
    return tuple(_copy(v) for v in _method("unbind", input, (dim,), {}))


def view_as_real_copy(input):
    """PyTorch's ``torch.view_as_real_copy``: ``tg.view_as_real`` (already a new array)."""
    return _copy(_view_as_real(input))


def view_as_complex_copy(input):
    """PyTorch's ``torch.view_as_complex_copy``: ``tg.view_as_complex`` (a new array)."""
    return _copy(_view_as_complex(input))


# ---- window functions -------------------------------------------------------------------------
def _window(fn: str, window_length, periodic, dtype, requires_grad, device, values):
    if isinstance(window_length, bool) or not isinstance(window_length, numbers.Integral):
        raise TypeError(f"{fn}: window_length must be an int, got {window_length!r}")
    if window_length < 0:
        raise RuntimeError(f"{fn} requires non-negative window_length, got "
                           f"window_length={window_length}")
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise RuntimeError(f"{fn} expects floating point dtypes, got: {dt}")
    n = int(window_length)
    if n <= 1:
        w = np.ones((n,), np.float64)
    else:
        m = n + 1 if periodic else n  # (periodic: one point more, the last dropped)
        w = values(np.arange(n, dtype=np.float64), m)
    return _tensor(w.astype(dt), requires_grad=requires_grad, device=device)


def _cosine_sum(*coeffs):
    def values(k, m):
        return sum(((-1) ** j) * c * np.cos(2 * np.pi * j * k / (m - 1)) for j, c in enumerate(coeffs))
    return values


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, requires_grad: bool = False):
    """PyTorch's ``torch.hann_window``: ``0.5 − 0.5·cos(2πk/(M − 1))``, ``M = N + 1`` when
    ``periodic`` (the default), else ``N``; a length of 1 gives ``[1.]``, 0 an empty window.
    float64 (tensorgrad's default dtype) unless ``dtype`` is given; a tensor."""
    return _window("hann_window", window_length, periodic, dtype, requires_grad, device,
                   _cosine_sum(0.5, 0.5))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False):
    """PyTorch's ``torch.hamming_window``: ``alpha − beta·cos(2πk/(M − 1))`` (as
    :func:`hann_window`)."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad, device,
                   _cosine_sum(float(alpha), float(beta)))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False):
    """PyTorch's ``torch.blackman_window``: ``0.42 − 0.5·cos(2πk/(M − 1)) +
    0.08·cos(4πk/(M − 1))`` (as :func:`hann_window`)."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, device,
                   _cosine_sum(0.42, 0.5, 0.08))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False):
    """PyTorch's ``torch.bartlett_window``: ``1 − |2k/(M − 1) − 1|`` (as :func:`hann_window`)."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, m: 1 - np.abs(2 * k / (m - 1) - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None,
                  layout=None, device=None, requires_grad: bool = False):
    """PyTorch's ``torch.kaiser_window``: ``I0(beta·sqrt(1 − (2k/(M − 1) − 1)²)) / I0(beta)``
    (as :func:`hann_window`)."""
    beta = float(beta)
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, m: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (m - 1) - 1) ** 2, 0, None)))
                   / np.i0(beta))
