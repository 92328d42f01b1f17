"""PyTorch's lazy layers: the input size (``in_features``, ``in_channels``, ``num_features``)
is read from the first input instead of being given.

``tg.nn.LazyLinear(4)`` is a :class:`~tensorgrad.nn.Linear` whose ``in_features`` is not
known yet. Until its first forward its parameters (and a norm's running statistics) are
placeholders, :class:`UninitializedParameter` and :class:`UninitializedBuffer`. The first
forward (a *dry run*, ``model(x)`` on a sample batch) *materialises* the layer:

* the input size is taken from the input (a Linear's last axis, a convolution's or a norm's
  channel axis: 1 for a batch, 0 for one unbatched sample);
* the layer becomes an instance of the ordinary class (``cls_to_become``): after the call
  ``type(layer) is tg.nn.Linear``, its repr is Linear's, and nothing lazy is left;
* its parameters are made by the ordinary class's ``init_params``, so they follow that
  layer's initialisation exactly (tensorgrad's Linear: Xavier-uniform W, zero b; Conv1d and
  Conv2d: He-normal; Conv3d and the transposed convolutions: PyTorch's uniform ±1/√fan_in;
  norms: weight 1, bias 0, running mean 0 and variance 1).

Randomness: tensorgrad's layers draw from an explicit seed (``init(seed)``), or on a first use
without one from this thread's stream (PyTorch's global generator, ``tg.manual_seed``). A lazy
layer keeps the generator it was given at
that point and draws from it when it materialises, so a lazy layer used on its own gets the
very values of the ordinary layer of that size (``LazyLinear(4)(x)`` with 3 features, after
``tg.manual_seed(0)``: the W of ``Linear(3, 4)(x)`` after the same seed; ``LazyLinear(4).init(7)`` then a forward: ``Linear(3, 4).init(7)``).
Inside a model the lazy layers draw at materialisation, not in the model's order, so their
values differ from those of the ordinary model (each layer still gets its own draws); after
the dry run ``model.init(seed)`` gives exactly the ordinary model's.

The placeholders can't be used for anything but listing: any arithmetic, ``np.asarray``,
``.shape`` or ``.size`` raises a RuntimeError naming the layer and asking for a forward first.
This is also how tensorgrad refuses to train them: PyTorch lets an optimizer be built over
uninitialised parameters; here ``tg.optim.SGD(model.parameters(), ...)`` before the dry run
raises (its parameters include an ``UninitializedParameter``, which is not a tensor), and so
does differentiating a parameter pytree taken before the dry run (``model.init(0)``): the
placeholders in it are never silently replaced by arrays the optimizer does not hold. Run the
dry run first, then build the optimizer and take ``model.params``. A first forward on a value
traced by a transform (under ``tg.grad``, ``tg.jit``, ...) is refused for the same reason.

``load_state_dict`` into an unmaterialised lazy layer materialises it from the checkpoint's
shapes first (then loads). A model *holding* lazy layers can't see the checkpoint on their
behalf: :func:`materialize_from` materialises each of them from its entries, then
``model.load_state_dict(state_dict)`` loads as usual.

Layers: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d and
LazyInstanceNorm1d/2d/3d (PyTorch's defaults for these: ``affine=True`` and
``track_running_stats=True``, unlike InstanceNorm's own).
"""
from __future__ import annotations

import copy

import numpy as np

from ..imperative import tensor
from ..staging import is_staged
from ..tensor import concrete, traced_level
from ..tree import tree_flatten, tree_unflatten
from . import init as _init
from .layers import Conv2d, Linear
from .layers_more import BatchNorm1d, BatchNorm2d, Conv1d
from .module import _BOUND, Module
from .module_hooks import with_hooks
from .module_tracking import first_torch_call
from .state import StateDictMixin
from .torch_conv_modules import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .torch_modules import InstanceNorm1d, InstanceNorm2d
from .torch_modules_more import BatchNorm3d, InstanceNorm3d

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "materialize_from",
           "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


# ---- the placeholders ------------------------------------------------------------------

class _Unmade:
    """A placeholder for an array whose shape is not known yet: it refuses every use."""

    __slots__ = ("owner", "key", "requires_grad")
    _kind = "array"

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        if device not in (None, "cpu"):
            raise ValueError(f"{type(self).__name__}: device {device!r} is not available; "
                             "tensorgrad computes on the CPU")
        self.owner, self.key, self.requires_grad = "", "", bool(requires_grad)

    @classmethod
    def _of(cls, owner: str, key: str) -> "_Unmade":
        made = cls()
        made.owner, made.key = owner, key
        return made

    def _error(self) -> RuntimeError:
        what = f"{self.owner}: its {self._kind} {self.key!r}" if self.owner else \
            f"this {type(self).__name__}"
        return RuntimeError(
            f"{what} is not materialised yet: a lazy layer learns its input size from its first "
            "input. Run a forward on a sample input first (a dry run, model(x), outside any "
            "transform), then build the optimizer and take model.params; a parameter pytree or "
            "state_dict taken before the dry run still holds this placeholder, so take it again "
            "(to load a checkpoint into a model holding lazy layers, call "
            "tg.nn.lazy.materialize_from(model, state_dict) first)")

    def _refuse(self, *args, **kwargs):
        raise self._error()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}{f' of {self.owner}.{self.key}' if self.owner else ''}>"

    @property
    def dtype(self) -> np.dtype:
        """``object``: no numeric dtype until materialised (the layer's ``dtype=`` or a cast,
        ``.double()``, gives the dtype it will be made in)."""
        return np.dtype(object)

    shape = size = ndim = T = data = property(_refuse)
    __array__ = __getitem__ = __setitem__ = __float__ = __int__ = __neg__ = __abs__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _refuse
    __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __rpow__ = _refuse
    reshape = astype = copy_ = fill_ = numel = _refuse


class UninitializedParameter(_Unmade):
    """PyTorch's ``nn.UninitializedParameter``: the placeholder a lazy layer lists for a
    parameter before its first forward (see :mod:`tensorgrad.nn.lazy`). It holds no data:
    every use raises a RuntimeError naming the layer."""

    __slots__ = ()
    _kind = "parameter"


class UninitializedBuffer(_Unmade):
    """PyTorch's ``nn.UninitializedBuffer``: the placeholder a lazy norm keeps for a running
    statistic before its first forward (see :mod:`tensorgrad.nn.lazy`)."""

    __slots__ = ()
    _kind = "buffer"


def _holds_placeholder(tree) -> bool:
    return tree is not None and any(isinstance(v, _Unmade) for v in tree_flatten(tree)[0])


def _explicitly_frozen(module) -> bool:
    """Whether ``module`` or a model holding it chose its parameters' flag with
    ``requires_grad_``: then a first call does not make them tensors (see module_tracking)."""
    while module is not None:
        if "_frozen" in module.__dict__:
            return True
        link = module.__dict__.get("_owner")
        module = None if link is None else link.module
    return False


# ---- the mixin -------------------------------------------------------------------------

class LazyModuleMixin:
    """What makes a layer lazy (PyTorch's ``torch.nn.modules.lazy.LazyModuleMixin``): placed
    before the ordinary class, ``class LazyLinear(LazyModuleMixin, Linear)``, with
    ``cls_to_become`` the class it turns into. A subclass supplies ``_in_size(shape)`` (the
    input size read from an input's shape), ``_set_in_size(n)`` and ``_size_from_weight(shape)``
    (or ``_size_from_state(state_dict)``: the input size a checkpoint's entries give)."""

    cls_to_become: type | None = None
    _param_keys: tuple = ("W", "b")

    def _lazy_keys(self) -> tuple:
        return tuple(k for k in self._param_keys if k != self._param_keys[-1] or self.has_bias)

    def init_params(self, rng):
        """Placeholders under the ordinary layer's names; the generator is kept (a copy, at
        this point of its stream) for the draws at materialisation, and moved on by one draw,
        so the next layer made from it draws other values."""
        self.__dict__["_lazy_rng"] = copy.deepcopy(rng)
        rng.random()
        name = type(self).__name__
        return {k: UninitializedParameter._of(name, k) for k in self._lazy_keys()}

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still a placeholder (PyTorch's)."""
        params = self.params
        if params is None and self._lazy_keys() or _holds_placeholder(params):
            return True
        return any(isinstance(getattr(self, b, None), _Unmade) for b in self.buffer_names)

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        """Materialise the layer for ``input`` (PyTorch's name; the first forward calls it):
        read the input size, become ``cls_to_become``, make its parameters and buffers."""
        if traced_level(input) > 0 or is_staged(concrete(input)):
            raise RuntimeError(
                f"{type(self).__name__}: the first forward of a lazy layer makes its parameters, "
                "so it can't run on a value traced by a transform (tg.grad, tg.jit, ...): the "
                "transformed parameters would not include them. Run a dry forward on a sample "
                "input first (model(x)), then take model.params")
        self._materialize(self._in_size(np.shape(concrete(input))))

    def _materialize(self, size: int) -> None:
        d = self.__dict__
        self._set_in_size(int(size))
        rng = d.pop("_lazy_rng", None) or _init.rng_from(0)
        current, was_lazy = self.params, d.get("_lazy")
        self.__class__ = cls = self.cls_to_become
        if hasattr(self, "reset_running_stats"):
            self.reset_running_stats()  # (the ordinary buffers of that size, in the layer's dtype)
        if current is None or _holds_placeholder(current):  # (arrays set by hand are kept)
            self.params = cls.init_params(self, rng)
            if d.get("_params") is not None:  # (its own, not a model's entry: as a first use's)
                d["_lazy"] = was_lazy

    def apply(self, params, *args, **kwargs):
        """The first forward: materialise, then run the ordinary layer."""
        if not args:
            raise TypeError(f"{type(self).__name__}: a forward needs an input")
        self.initialize_parameters(*args, **kwargs)
        own = self.params
        if not _explicitly_frozen(self) and first_torch_call(self, own, args):
            # (a call PyTorch's way: tensors that require grad, as the model's others became)
            leaves, td = tree_flatten(own)
            own = tree_unflatten(td, [tensor(v, requires_grad=True) if type(v) is np.ndarray
                                      else v for v in leaves])
            was_lazy = self.__dict__.get("_lazy")
            self.params = own
            if self.__dict__.get("_params") is own:
                self.__dict__["_lazy"] = was_lazy
        table = _BOUND.table
        if id(self) in table:  # (called again in this forward: the new entry, not the placeholder)
            table[id(self)] = own
        return type(self).apply(self, own if _holds_placeholder(params) else params, *args, **kwargs)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Materialise from the checkpoint's shapes (when it has the entries that tell the
        input size), then load as the ordinary layer."""
        if isinstance(self, LazyModuleMixin) and hasattr(state_dict, "keys"):
            size = self._size_from_state(state_dict)
            if size is not None:
                self._materialize(size)
        return StateDictMixin.load_state_dict(self, state_dict, strict, assign)

    def _size_from_state(self, state_dict) -> int | None:
        w = state_dict.get(self._param_keys[0]) if hasattr(state_dict, "get") else None
        return None if w is None else self._size_from_weight(np.shape(concrete(w)))

    def _fail(self, shape: tuple, want: str) -> ValueError:
        return ValueError(f"{type(self).__name__}: can't infer the input size from an input of "
                          f"shape {shape}: expected {want}")


LazyModuleMixin.apply = with_hooks(LazyModuleMixin.apply)  # (forward hooks, module.apply(fn))


def materialize_from(model: Module, state_dict) -> list:
    """Materialise every lazy layer inside ``model`` (``model`` too) from the shapes of its
    entries in ``state_dict``, so that ``model.load_state_dict(state_dict)`` can load it.
    Returns the names of the layers materialised."""
    done = []
    for name, m in list(model.named_modules()):
        if not isinstance(m, LazyModuleMixin):
            continue
        head = f"{name}." if name else ""
        own = {k[len(head):]: v for k, v in state_dict.items() if k.startswith(head)}
        size = m._size_from_state(own)
        if size is not None:
            m._materialize(size)
            done.append(name)
    return done


# ---- the layers ------------------------------------------------------------------------

class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` with ``in_features`` read from the first input's last axis
    (PyTorch's ``nn.LazyLinear(out_features, bias=True, device=None, dtype=None)``; tensorgrad's
    ``init=``/``bias_init=`` are taken too). Becomes a :class:`~tensorgrad.nn.Linear`."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, **options):
        super().__init__(1, out_features, bias, **options)
        self.in_features = 0

    def _in_size(self, shape: tuple) -> int:
        if not shape:
            raise self._fail(shape, "an array with the features on its last axis")
        return shape[-1]

    def _set_in_size(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"{type(self).__name__}: an input with {n} features")
        self.in_features = n

    def _size_from_weight(self, shape: tuple) -> int:
        return shape[0]  # (W is (in_features, out_features))


class _LazyConv(LazyModuleMixin):
    """The lazy convolutions: ``in_channels`` from the channel axis (1 of a batch, 0 of one
    sample); the other arguments are the ordinary layer's, without ``in_channels``."""

    _spatial = 0

    def __init__(self, out_channels: int, kernel_size, *args, **kwargs):
        # (a stand-in for in_channels that any valid groups divides: made 0 right after)
        super().__init__(out_channels, out_channels, kernel_size, *args, **kwargs)
        self.in_channels = 0

    def _in_size(self, shape: tuple) -> int:
        nd = self._spatial
        if len(shape) not in (nd + 1, nd + 2):
            raise self._fail(shape, f"(N, C_in, *spatial) or (C_in, *spatial) with {nd} spatial "
                                    "axes")
        return shape[1] if len(shape) == nd + 2 else shape[0]

    def _set_in_size(self, n: int) -> None:
        if n < 1 or n % self.groups:
            raise ValueError(f"{type(self).__name__}: the input's {n} channels must be a positive "
                             f"multiple of groups ({self.groups})")
        self.in_channels = n

    def _size_from_weight(self, shape: tuple) -> int:
        # (W is (C_out, C_in/groups, *k); a transposed layer's (C_in, C_out/groups, *k))
        return shape[0] if getattr(self, "_transposed", False) else shape[1] * self.groups


class LazyConv1d(_LazyConv, Conv1d):
    """``Conv1d`` with ``in_channels`` from the first input (PyTorch's ``nn.LazyConv1d``)."""

    cls_to_become, _spatial = Conv1d, 1


class LazyConv2d(_LazyConv, Conv2d):
    """``Conv2d`` with ``in_channels`` from the first input (PyTorch's ``nn.LazyConv2d``)."""

    cls_to_become, _spatial = Conv2d, 2


class LazyConv3d(_LazyConv, Conv3d):
    """``Conv3d`` with ``in_channels`` from the first input (PyTorch's ``nn.LazyConv3d``)."""

    cls_to_become, _spatial = Conv3d, 3


class LazyConvTranspose1d(_LazyConv, ConvTranspose1d):
    """``ConvTranspose1d`` with ``in_channels`` from the first input (PyTorch's
    ``nn.LazyConvTranspose1d``)."""

    cls_to_become, _spatial = ConvTranspose1d, 1


class LazyConvTranspose2d(_LazyConv, ConvTranspose2d):
    """``ConvTranspose2d`` with ``in_channels`` from the first input (PyTorch's
    ``nn.LazyConvTranspose2d``)."""

    cls_to_become, _spatial = ConvTranspose2d, 2


class LazyConvTranspose3d(_LazyConv, ConvTranspose3d):
    """``ConvTranspose3d`` with ``in_channels`` from the first input (PyTorch's
    ``nn.LazyConvTranspose3d``)."""

    cls_to_become, _spatial = ConvTranspose3d, 3


class _LazyNorm(LazyModuleMixin):
    """The lazy norms: ``num_features`` from the channel axis; PyTorch's lazy norms' defaults
    (``affine=True``, ``track_running_stats=True``), the running statistics placeholders
    (:class:`UninitializedBuffer`) until the first forward."""

    _param_keys = ("weight", "bias")

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, *, bias: bool = True, **factory):
        super().__init__(1, eps, momentum, affine, track_running_stats, bias=bias, **factory)
        self.num_features = 0

    def _lazy_keys(self) -> tuple:
        return super()._lazy_keys() if self.affine else ()

    def reset_running_stats(self) -> None:
        """Placeholders until the layer is materialised (then the ordinary statistics)."""
        if not self.track_running_stats:
            self.running_mean = self.running_var = self.num_batches_tracked = None
            return
        name = type(self).__name__
        self.running_mean = UninitializedBuffer._of(name, "running_mean")
        self.running_var = UninitializedBuffer._of(name, "running_var")
        self.num_batches_tracked = np.asarray(0, dtype=np.int64)

    def _in_size(self, shape: tuple) -> int:
        if len(shape) < 2:
            raise self._fail(shape, "(N, C, ...) with the channels on axis 1")
        return shape[1]

    def _set_in_size(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"{type(self).__name__}: an input with {n} channels")
        self.num_features = n

    def _size_from_state(self, state_dict) -> int | None:
        for key in ("weight", "bias", "running_mean", "running_var"):
            v = state_dict.get(key) if hasattr(state_dict, "get") else None
            if v is not None:
                return np.shape(concrete(v))[0]
        return None


class LazyBatchNorm1d(_LazyNorm, BatchNorm1d):
    """``BatchNorm1d`` with ``num_features`` from the first input (PyTorch's
    ``nn.LazyBatchNorm1d``)."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNorm, BatchNorm2d):
    """``BatchNorm2d`` with ``num_features`` from the first input (PyTorch's
    ``nn.LazyBatchNorm2d``)."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNorm, BatchNorm3d):
    """``BatchNorm3d`` with ``num_features`` from the first input (PyTorch's
    ``nn.LazyBatchNorm3d``)."""

    cls_to_become = BatchNorm3d


class _LazyInstanceNorm(_LazyNorm):
    def _in_size(self, shape: tuple) -> int:
        nd = self._nd  # (a batch's number of axes; one sample has one less)
        if len(shape) not in (nd - 1, nd):
            raise self._fail(shape, f"(N, C, ...) with {nd} axes or one sample (C, ...) with "
                                    f"{nd - 1}")
        return shape[1] if len(shape) == nd else shape[0]


class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    """``InstanceNorm1d`` with ``num_features`` from the first input (PyTorch's
    ``nn.LazyInstanceNorm1d``; ``affine`` and ``track_running_stats`` default to True)."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    """``InstanceNorm2d`` with ``num_features`` from the first input (PyTorch's
    ``nn.LazyInstanceNorm2d``)."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    """``InstanceNorm3d`` with ``num_features`` from the first input (PyTorch's
    ``nn.LazyInstanceNorm3d``)."""

    cls_to_become = InstanceNorm3d
