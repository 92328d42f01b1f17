"""More of ``torch.nn``'s Module classes, each a thin holder of options over a ``tg.nn``
function, with PyTorch's constructor arguments and defaults.

* activations: :class:`Softmin`, :class:`Softmax2d`, :class:`Softshrink`,
  :class:`Hardshrink`, :class:`Tanhshrink`, :class:`Threshold`, :class:`GLU`;
* distances: :class:`CosineSimilarity`, :class:`PairwiseDistance` (called ``d(x1, x2)``);
* losses: :class:`SoftMarginLoss`, :class:`MultiMarginLoss`, :class:`MultiLabelMarginLoss`,
  :class:`MultiLabelSoftMarginLoss`, :class:`PoissonNLLLoss`, :class:`GaussianNLLLoss`
  (called ``loss_fn(input, target, var)``), :class:`TripletMarginLoss` and
  :class:`TripletMarginWithDistanceLoss` with its function
  :func:`triplet_margin_with_distance_loss` (called ``loss_fn(anchor, positive, negative)``);
* normalizations and rearranging: :class:`RMSNorm`, :class:`BatchNorm3d`,
  :class:`InstanceNorm3d`, :class:`ChannelShuffle`.

The activations are :class:`~tensorgrad.nn.layers.Activation` layers (``layer(x)``, no
parameters); the distances and losses are called with all their inputs, as PyTorch's
``forward``; :class:`RMSNorm` holds a ``weight`` parameter (ones at first) and
:class:`BatchNorm3d` and :class:`InstanceNorm3d` are the 1-d/2-d layers' schemes for
(N, C, D, H, W) volumes. Everything is a composite of registered ops, so every transform and
``tg.jit`` go through it.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .. import ops as _ops
from ..typing import Array, ArrayLike  # noqa: F401
from .functional import glu
from .inplace import check as _check_inplace
from .layers import Activation, Module
from .layers_more import _BatchNorm
from .param_alias import ParamAttr
from .losses import _Loss, _reduce, _reduction, _shape, cosine_similarity
from .torch_layers import _normalized_shape, channel_shuffle, rms_norm
from .torch_modules import _InstanceNorm
from .torch_losses import (_positive_part, gaussian_nll_loss, hardshrink,
                           multi_margin_loss, multilabel_margin_loss,
                           multilabel_soft_margin_loss, pairwise_distance, poisson_nll_loss,
                           soft_margin_loss, softmin, softshrink, tanhshrink, threshold,
                           triplet_margin_loss)

__all__ = ["Softmin", "Softmax2d", "Softshrink", "Hardshrink", "Tanhshrink", "Threshold", "GLU",
           "CosineSimilarity", "PairwiseDistance", "SoftMarginLoss", "MultiMarginLoss",
           "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
           "triplet_margin_with_distance_loss", "RMSNorm", "BatchNorm3d", "InstanceNorm3d",
           "ChannelShuffle"]


# ---- activations -------------------------------------------------------------------------------
class _OptionActivation(Activation):
    """An activation with options held on the layer; ``apply`` calls ``_call(x)``."""

    _options: tuple = ()

    def __init__(self, **options):
        for k, v in options.items():
            setattr(self, k, v)
        self.name = type(self).__name__.lower()
        self.fn = self._call

    def _call(self, x):  # pragma: no cover - each subclass defines it
        raise NotImplementedError

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)!r}" for k in self._options)


class Softmin(_OptionActivation):
    """:func:`~tensorgrad.nn.softmin` along ``dim`` as a layer (``torch.nn.Softmin``);
    ``dim=None`` is PyTorch's deprecated implicit choice, with its warning."""

    _options = ("dim",)

    def __init__(self, dim: int | None = None):
        super().__init__(dim=dim)

    def _call(self, x):
        return softmin(x, self.dim, _stacklevel=5)


class Softmax2d(_OptionActivation):
    """Softmax over the channels of each location, axis −3 of a (N, C, H, W) or (C, H, W)
    input (``torch.nn.Softmax2d``)."""

    def _call(self, x):
        nd = len(_shape(x))
        if nd not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-d or 4-d input, got shape {_shape(x)}")
        return _ops.softmax(x, axis=-3)


class Softshrink(_OptionActivation):
    """:func:`~tensorgrad.nn.softshrink` with ``lambd`` as a layer (``torch.nn.Softshrink``)."""

    _options = ("lambd",)

    def __init__(self, lambd: float = 0.5):
        lambd = float(lambd)
        if not lambd >= 0:
            raise ValueError(f"Softshrink: lambd must be non-negative, got {lambd}")
        super().__init__(lambd=lambd)

    def _call(self, x):
        return softshrink(x, self.lambd)


class Hardshrink(_OptionActivation):
    """:func:`~tensorgrad.nn.hardshrink` with ``lambd`` as a layer (``torch.nn.Hardshrink``)."""

    _options = ("lambd",)

    def __init__(self, lambd: float = 0.5):
        super().__init__(lambd=float(lambd))

    def _call(self, x):
        return hardshrink(x, self.lambd)


class Tanhshrink(_OptionActivation):
    """``x − tanh(x)`` as a layer (``torch.nn.Tanhshrink``)."""

    def _call(self, x):
        return tanhshrink(x)


class Threshold(_OptionActivation):
    """``x`` above ``threshold``, ``value`` elsewhere, as a layer (``torch.nn.Threshold``;
    ``inplace`` is accepted, as by the other activation layers: a layer never writes into its
    input)."""

    _options = ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        _check_inplace("Threshold", inplace)
        super().__init__(threshold=float(threshold), value=float(value))

    def _call(self, x):
        return threshold(x, self.threshold, self.value)


class GLU(_OptionActivation):
    """The gated linear unit ``a · σ(b)``, ``input`` split in halves ``a``, ``b`` along ``dim``
    (``torch.nn.GLU``; :func:`~tensorgrad.nn.glu`)."""

    _options = ("dim",)

    def __init__(self, dim: int = -1):
        super().__init__(dim=int(dim))

    def _call(self, x):
        nd = len(_shape(x))
        if not -max(nd, 1) <= self.dim < max(nd, 1) or nd == 0:
            raise ValueError(f"GLU: dim {self.dim} is out of range for input of shape {_shape(x)}")
        return glu(x, axis=self.dim)


# ---- distances ---------------------------------------------------------------------------------
class CosineSimilarity(_Loss):
    """:func:`~tensorgrad.nn.cosine_similarity` over ``dim`` as a Module
    (``torch.nn.CosineSimilarity``), called ``layer(x1, x2)``."""

    _fn = staticmethod(cosine_similarity)
    _options = ("dim", "eps")

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__(dim=int(dim), eps=float(eps))


class PairwiseDistance(_Loss):
    """:func:`~tensorgrad.nn.pairwise_distance` as a Module (``torch.nn.PairwiseDistance``),
    called ``layer(x1, x2)``."""

    _fn = staticmethod(pairwise_distance)
    _options = ("p", "eps", "keepdim")

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__(p=float(p), eps=float(eps), keepdim=bool(keepdim))


# ---- losses ------------------------------------------------------------------------------------
class SoftMarginLoss(_Loss):
    """:func:`~tensorgrad.nn.soft_margin_loss` as a Module (``torch.nn.SoftMarginLoss``)."""

    _fn = staticmethod(soft_margin_loss)
    _options = ("reduction",)

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average=size_average, reduce=reduce, reduction=reduction)


class MultiMarginLoss(_Loss):
    """:func:`~tensorgrad.nn.multi_margin_loss` as a Module (``torch.nn.MultiMarginLoss``;
    the class weights are a buffer)."""

    _fn = staticmethod(multi_margin_loss)
    _options = ("p", "margin", "weight", "reduction")
    buffer_names = ("weight",)

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean"):
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        super().__init__(p=p, margin=float(margin), weight=weight, size_average=size_average,
                         reduce=reduce, reduction=reduction)


class MultiLabelMarginLoss(_Loss):
    """:func:`~tensorgrad.nn.multilabel_margin_loss` as a Module
    (``torch.nn.MultiLabelMarginLoss``)."""

    _fn = staticmethod(multilabel_margin_loss)
    _options = ("reduction",)

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average=size_average, reduce=reduce, reduction=reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """:func:`~tensorgrad.nn.multilabel_soft_margin_loss` as a Module
    (``torch.nn.MultiLabelSoftMarginLoss``; the class weights are a buffer)."""

    _fn = staticmethod(multilabel_soft_margin_loss)
    _options = ("weight", "reduction")
    buffer_names = ("weight",)

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(weight=weight, size_average=size_average, reduce=reduce,
                         reduction=reduction)


class PoissonNLLLoss(_Loss):
    """:func:`~tensorgrad.nn.poisson_nll_loss` as a Module (``torch.nn.PoissonNLLLoss``)."""

    _fn = staticmethod(poisson_nll_loss)
    _options = ("log_input", "full", "eps", "reduction")

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean"):
        super().__init__(log_input=bool(log_input), full=bool(full), size_average=size_average,
                         eps=float(eps), reduce=reduce, reduction=reduction)


class GaussianNLLLoss(_Loss):
    """:func:`~tensorgrad.nn.gaussian_nll_loss` as a Module (``torch.nn.GaussianNLLLoss``),
    called ``loss_fn(input, target, var)``."""

    _fn = staticmethod(gaussian_nll_loss)
    _options = ("full", "eps", "reduction")

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(full=bool(full), eps=float(eps), reduction=reduction)


class TripletMarginLoss(_Loss):
    """:func:`~tensorgrad.nn.triplet_margin_loss` as a Module (``torch.nn.TripletMarginLoss``),
    called ``loss_fn(anchor, positive, negative)``."""

    _fn = staticmethod(triplet_margin_loss)
    _options = ("margin", "p", "eps", "swap", "reduction")

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None, reduction: str = "mean"):
        if not float(margin) > 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        super().__init__(margin=float(margin), p=float(p), eps=float(eps), swap=bool(swap),
                         size_average=size_average, reduce=reduce, reduction=reduction)


def triplet_margin_with_distance_loss(anchor: ArrayLike, positive: ArrayLike,
                                      negative: ArrayLike, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Array:
    """``max(0, margin + d(a, pos) − d(a, neg))`` with any distance ``d``
    (``torch.nn.functional.triplet_margin_with_distance_loss``): ``distance_function(x, y)``
    returns one distance per triplet, :func:`~tensorgrad.nn.pairwise_distance` (p = 2,
    eps = 1e-6) by default. ``swap`` takes ``min(d(a, neg), d(pos, neg))`` as the negative
    distance (a tie shares the slope). At ``margin + d(a, pos) − d(a, neg) = 0`` the slope is
    that of the positive side, as PyTorch's ``clamp_min``; margin must be > 0."""
    name = "triplet_margin_with_distance_loss"
    red = _reduction(name, reduction)
    margin = float(margin)
    if not margin > 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{name}: distance_function must be callable or None, got "
                        f"{type(distance_function).__name__}")
    shapes = [_shape(anchor), _shape(positive), _shape(negative)]
    if len({len(s) for s in shapes}) != 1:
        raise ValueError(f"{name}: anchor, positive and negative must have the same number of "
                         f"dimensions, got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _ops.minimum(d_neg, dist(positive, negative))
    return _reduce(_positive_part(margin + d_pos - d_neg, at_zero_passes=True), red)


class TripletMarginWithDistanceLoss(_Loss):
    """:func:`triplet_margin_with_distance_loss` as a Module
    (``torch.nn.TripletMarginWithDistanceLoss``), called ``loss_fn(anchor, positive,
    negative)``; ``distance_function=None`` is the Euclidean :func:`pairwise_distance`."""

    _fn = staticmethod(triplet_margin_with_distance_loss)
    _options = ("distance_function", "margin", "swap", "reduction")

    def __init__(self, *, distance_function: Callable | None = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean"):
        if not float(margin) > 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, "
                             f"got {margin}")
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"TripletMarginWithDistanceLoss: distance_function must be callable "
                            f"or None, got {type(distance_function).__name__}")
        super().__init__(distance_function=distance_function, margin=float(margin),
                         swap=bool(swap), reduction=reduction)


# ---- normalizations and rearranging ------------------------------------------------------------
class RMSNorm(Module):
    """Root-mean-square normalization over the trailing ``normalized_shape`` axes
    (``torch.nn.RMSNorm``): ``x / √(mean(x²) + eps) · weight``, ``weight`` of shape
    ``normalized_shape`` starting at ones (none with ``elementwise_affine=False``);
    ``eps=None`` is the machine epsilon of the input's floating dtype, as PyTorch."""

    weight = ParamAttr("weight")  # (None with elementwise_affine=False)

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True):
        shape = ((normalized_shape,) if isinstance(normalized_shape, (int, np.integer))
                 else tuple(normalized_shape))
        self.normalized_shape = _normalized_shape("RMSNorm", shape, shape)
        if eps is not None and not float(eps) >= 0:
            raise ValueError(f"RMSNorm: eps must be non-negative or None, got {eps}")
        self.eps = None if eps is None else float(eps)
        self.elementwise_affine = bool(elementwise_affine)

    def init_params(self, rng):
        return {"weight": np.ones(self.normalized_shape)} if self.elementwise_affine else {}

    @property
    def has_parameters(self) -> bool:
        return self.elementwise_affine

    def apply(self, params, x):
        xs = _shape(x)
        k = len(self.normalized_shape)
        if tuple(xs[len(xs) - k:]) != self.normalized_shape or len(xs) < k:
            raise ValueError(f"RMSNorm{self.normalized_shape}: input of shape {xs} must end in "
                             f"{self.normalized_shape}")
        return rms_norm(x, self.normalized_shape, (params or {}).get("weight"), self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) volumes over N, D, H and W, per channel
    (``torch.nn.BatchNorm3d``); the modes and running statistics are those of
    :class:`~tensorgrad.nn.layers_more.BatchNorm1d`."""

    _ndims = (5,)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or unbatched (C, D, H, W) over D, H and W per
    sample and channel (``torch.nn.InstanceNorm3d``); the options, parameters and running
    statistics are those of :class:`~tensorgrad.nn.torch_modules.InstanceNorm1d`."""

    _nd = 5


class ChannelShuffle(Module):
    """:func:`~tensorgrad.nn.channel_shuffle` with ``groups`` as a layer
    (``torch.nn.ChannelShuffle``)."""

    def __init__(self, groups: int):
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"ChannelShuffle: groups must be a positive int, got {groups!r}")
        self.groups = int(groups)

    def apply(self, params, x):
        return channel_shuffle(x, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
