"""Small pieces of ``torch.nn`` and ``torch.nn.functional`` that round out ``tg.nn``'s
PyTorch-named API.

* ``max_pool1d_with_indices``, ``max_pool2d_with_indices``, ``max_pool3d_with_indices`` and
  ``adaptive_max_pool1d_with_indices`` / ``2d`` / ``3d``: PyTorch's spellings of the max
  poolings with ``return_indices=True``. As in PyTorch they always return ``(values,
  indices)``; their ``return_indices`` argument is accepted and ignored.
* :class:`UpsamplingNearest2d` and :class:`UpsamplingBilinear2d`: :class:`Upsample` with the
  mode fixed (``'nearest'``, or ``'bilinear'`` with ``align_corners=True``, as PyTorch's).
* the in-place activation spellings ``relu_``, ``elu_``, ``celu_``, ``selu_``,
  ``leaky_relu_``, ``hardtanh_``, ``threshold_`` and ``rrelu_``. They follow tensorgrad's
  rule for in-place operators (``t += 1``): a recorded result of the imperative tape takes
  the new value itself (every name bound to it sees it, and the gradient flows through the
  activation), a leaf that requires grad takes it inside ``tg.no_grad()`` and is refused
  while recording (as PyTorch refuses), and a tensor that does not require grad takes it
  too. A NumPy array or a value traced by a transform is never written: the functions return
  the activated value, as the out-of-place forms do, so always use the returned value.
* :class:`ParameterList` and :class:`ParameterDict`: Modules whose parameter pytree is a list
  or a dict of the arrays they were given, so a Module written PyTorch's way (children as
  attributes, a ``forward``) can hold free-standing parameters. Inside ``forward``,
  ``self.weights[i]`` reads the parameters ``apply`` was called with; names in
  ``named_parameters()`` and ``state_dict()`` are PyTorch's (``"weights.0"``,
  ``"scales.alpha"``). ``init(seed)`` starts again from the given values: they are not drawn.
  As for every child Module, the parameters live in the parent's pytree: outside ``apply``,
  ``model.weights[0]`` reads the parent's entry ``model.params["weights"][0]`` once the
  parent has made its parameters.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

import numpy as np

from ..ops.activations_more import celu, elu, leaky_relu, relu, selu
from ..tensor import concrete
from ..typing import Array, ArrayLike  # noqa: F401
from .inplace import write_back as _write_back
from .module import Module
from .torch_layers import hardtanh
from .torch_losses import threshold
from .torch_misc import rrelu
from .torch_pooling import adaptive_max_pool1d, adaptive_max_pool2d, max_pool1d
from .torch_pooling_nd import adaptive_max_pool3d, max_pool2d, max_pool3d
from .torch_resample import Upsample

__all__ = ["max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "UpsamplingNearest2d", "UpsamplingBilinear2d",
           "relu_", "elu_", "celu_", "selu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu_",
           "ParameterList", "ParameterDict"]


# ---- max poolings that always return their indices --------------------------------------------
def max_pool1d_with_indices(input: ArrayLike, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``(values, indices)`` of :func:`~tensorgrad.nn.max_pool1d`
    (``torch.nn.functional.max_pool1d_with_indices``); ``return_indices`` is ignored."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: ArrayLike, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``(values, indices)`` of :func:`~tensorgrad.nn.max_pool2d`, each index the flat
    position ``h·W + w`` in its plane (``torch.nn.functional.max_pool2d_with_indices``);
    ``return_indices`` is ignored."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: ArrayLike, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``(values, indices)`` of :func:`~tensorgrad.nn.max_pool3d`, each index the flat
    position ``(d·H + h)·W + w`` in its volume
    (``torch.nn.functional.max_pool3d_with_indices``); ``return_indices`` is ignored."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: ArrayLike, output_size,
                                     return_indices: bool = False):
    """``(values, indices)`` of :func:`~tensorgrad.nn.adaptive_max_pool1d`
    (``torch.nn.functional.adaptive_max_pool1d_with_indices``); ``return_indices`` is
    ignored."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: ArrayLike, output_size,
                                     return_indices: bool = False):
    """``(values, indices)`` of :func:`~tensorgrad.nn.adaptive_max_pool2d`
    (``torch.nn.functional.adaptive_max_pool2d_with_indices``); ``return_indices`` is
    ignored."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: ArrayLike, output_size,
                                     return_indices: bool = False):
    """``(values, indices)`` of :func:`~tensorgrad.nn.adaptive_max_pool3d`
    (``torch.nn.functional.adaptive_max_pool3d_with_indices``); ``return_indices`` is
    ignored."""
    return adaptive_max_pool3d(input, output_size, True)


# ---- upsampling layers with a fixed mode -------------------------------------------------------
def _floats(scale_factor):
    """PyTorch's ``Upsample`` keeps a scale factor as a float (or a tuple of floats)."""
    if scale_factor is None or isinstance(scale_factor, bool):
        return scale_factor
    if isinstance(scale_factor, (tuple, list)):
        return tuple(float(f) for f in scale_factor)
    if isinstance(scale_factor, (int, float, np.number)):
        return float(scale_factor)
    return scale_factor


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) input (``torch.nn.UpsamplingNearest2d``):
    ``interpolate(x, size, scale_factor, mode='nearest')``. Give ``size`` or
    ``scale_factor``, not both."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size=size, scale_factor=_floats(scale_factor), mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) input (``torch.nn.UpsamplingBilinear2d``):
    ``interpolate(x, size, scale_factor, mode='bilinear', align_corners=True)``; note
    ``align_corners=True``, as PyTorch's. Give ``size`` or ``scale_factor``, not both."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size=size, scale_factor=_floats(scale_factor), mode="bilinear",
                         align_corners=True)


# ---- in-place activation spellings -------------------------------------------------------------
def relu_(input: ArrayLike) -> Array:
    """``relu`` written into ``input`` (``torch.nn.functional.relu_``): an imperative tensor
    is updated in place (see the module notes); an array or a traced value is not modified:
    use the returned value."""
    return _write_back("relu_", input, relu(input))


def elu_(input: ArrayLike, alpha: float = 1.0) -> Array:
    """``elu`` written into ``input`` (``torch.nn.functional.elu_``): an imperative tensor is
    updated in place (see the module notes); an array or traced value is not modified: use the
    returned value."""
    return _write_back("elu_", input, elu(input, alpha))


def celu_(input: ArrayLike, alpha: float = 1.0) -> Array:
    """``celu`` written into ``input`` (``torch.nn.functional.celu_``): an imperative tensor
    is updated in place (see the module notes); an array or a traced value is not modified:
    use the returned value."""
    return _write_back("celu_", input, celu(input, alpha))


def selu_(input: ArrayLike) -> Array:
    """``selu`` written into ``input`` (``torch.nn.functional.selu_``): an imperative tensor
    is updated in place (see the module notes); an array or a traced value is not modified:
    use the returned value."""
    return _write_back("selu_", input, selu(input))


def leaky_relu_(input: ArrayLike, negative_slope: float = 0.01) -> Array:
    """``leaky_relu`` written into ``input`` (``torch.nn.functional.leaky_relu_``): an
    imperative tensor is updated in place (see the module notes); an array or traced value is
    not modified: use the returned value."""
    return _write_back("leaky_relu_", input, leaky_relu(input, negative_slope))


def hardtanh_(input: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    """:func:`~tensorgrad.nn.hardtanh` written into ``input``
    (``torch.nn.functional.hardtanh_``; slope 0 at the corners, as PyTorch's): an imperative
    tensor is updated in place (see the module notes); an array or traced value is not
    modified: use the returned value."""
    return _write_back("hardtanh_", input, hardtanh(input, min_val, max_val))


_threshold = threshold  # (threshold_'s own argument shadows the function's name)


def threshold_(input: ArrayLike, threshold: float, value: float) -> Array:
    """:func:`~tensorgrad.nn.threshold` written into ``input``
    (``torch.nn.functional.threshold_``): an imperative tensor is updated in place (see the
    module notes); any array or traced value is not modified: use the returned value."""
    return _write_back("threshold_", input, _threshold(input, threshold, value))


def rrelu_(input: ArrayLike, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, *, key=None) -> Array:
    """:func:`~tensorgrad.nn.rrelu` written into ``input`` (``torch.nn.functional.rrelu_``;
    ``training=True`` draws the slopes from ``key``, tensorgrad's replacement for PyTorch's
    global generator): an imperative tensor is updated in place (see the module notes); any
    array or traced value is not modified: use the returned value."""
    return _write_back("rrelu_", input, rrelu(input, lower, upper, training, key=key))


# ---- free-standing parameters ------------------------------------------------------------------
def _value(owner: str, v) -> np.ndarray:
    """A parameter's starting value: a copy of its array (a tensor's concrete value)."""
    if isinstance(v, Module):
        raise TypeError(f"{owner}: holds arrays, got the Module {type(v).__name__}; "
                        "use ModuleList / ModuleDict for Modules")
    a = np.array(concrete(v))
    if a.dtype.kind not in "fc":
        raise TypeError(f"{owner}: a parameter must be a floating (or complex) array, got dtype "
                        f"{a.dtype} (shape {a.shape})")
    return a


def _param_line(name, a) -> str:
    a = np.asarray(concrete(a))
    return f"\n    ({name}): Parameter containing: [{a.dtype} of size {tuple(a.shape)}]"


class ParameterList(Module):
    """A list of parameter arrays (PyTorch's ``nn.ParameterList``). Its parameter pytree is
    the list itself: ``named_parameters()`` gives ``"0"``, ``"1"``, ... (``"name.0"`` inside
    a parent), and ``init(seed)`` starts from copies of the given arrays. Indexing and
    iterating read the parameters in use, so ``self.weights[i]`` inside a ``forward`` is
    the array ``apply`` was given (and what ``tg.grad`` differentiates). It has no
    ``forward`` of its own, as PyTorch's."""

    def __init__(self, values: Iterable[Any] | None = None):
        self._values: list = [_value("ParameterList", v) for v in (values or ())]

    def init_params(self, rng):
        return [np.array(v) for v in self._values]

    def apply(self, params, *args, **kwargs):
        raise NotImplementedError("ParameterList: a list of parameters has no apply (as "
                                  "PyTorch's has no forward); index it inside your forward")

    def __getitem__(self, i):
        return self._have()[i]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator:
        return iter(self._have())

    def append(self, value) -> "ParameterList":
        """Add a parameter at the end (also to the remembered parameters, if made)."""
        a = _value("ParameterList", value)
        self._values.append(a)
        if self.params is not None:
            self.params = [*self.params, np.array(a)]
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        for v in values:
            self.append(v)
        return self

    def __repr__(self) -> str:
        return "ParameterList(" + "".join(_param_line(i, a) for i, a in
                                          enumerate(self._have())) + "\n)"


class ParameterDict(Module):
    """Parameter arrays by name (PyTorch's ``nn.ParameterDict``). Its parameter pytree is the
    dict itself: ``named_parameters()`` gives the names (``"name.key"`` inside a parent), and
    ``init(seed)`` starts from copies of the given arrays. A plain dict's items are taken in
    sorted order, as PyTorch does; pairs or an ordered mapping keep theirs for ``keys()``, but
    ``parameters()`` and ``state_dict()`` list them sorted (tensorgrad's pytree order).
    Looking up a key (or an attribute of that name) reads the parameters in use, so
    ``self.scales["alpha"]`` inside a ``forward`` is the array ``apply`` was given."""

    def __init__(self, parameters: Any = None):
        self._values: dict = {}
        if parameters is not None:
            self.update(parameters)

    def init_params(self, rng):
        return {k: np.array(v) for k, v in self._values.items()}

    def apply(self, params, *args, **kwargs):
        raise NotImplementedError("ParameterDict: a dict of parameters has no apply (as "
                                  "PyTorch's has no forward); look its entries up inside your "
                                  "forward")

    def __getitem__(self, key: str):
        if key not in self._values:
            raise KeyError(key)
        return self._have()[key]

    def __setitem__(self, key: str, value) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise ValueError(f"ParameterDict: a name must be a non-empty string without '.', "
                             f"got {key!r}")
        a = _value("ParameterDict", value)
        self._values[key] = a
        if self.params is not None:
            self.params = {**self.params, key: np.array(a)}

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return self[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def update(self, parameters: Any) -> None:
        """Add (or replace) entries from a mapping or from ``(key, value)`` pairs; a plain
        dict's in sorted key order, as PyTorch."""
        if isinstance(parameters, dict) and type(parameters) is dict:
            pairs = sorted(parameters.items())
        elif hasattr(parameters, "items"):
            pairs = list(parameters.items())
        else:
            pairs = list(parameters)
        for k, v in pairs:
            self[k] = v

    def __contains__(self, key) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def keys(self):
        return self._values.keys()

    def values(self) -> list:
        params = self._have()
        return [params[k] for k in self._values]

    def items(self) -> list:
        params = self._have()
        return [(k, params[k]) for k in self._values]

    def get(self, key: str, default: Any = None):
        return self[key] if key in self._values else default

    def __repr__(self) -> str:
        return "ParameterDict(" + "".join(_param_line(k, v) for k, v in self.items()) + "\n)"
