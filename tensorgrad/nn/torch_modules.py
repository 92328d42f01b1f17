"""A few of PyTorch's container and utility Modules.

* :class:`ModuleList` and :class:`ModuleDict` hold Modules for a Module of your own; their
  parameters are a list (one entry per Module, ``{}`` for those without parameters) or a
  dict (one entry per name), so ``named_parameters`` gives PyTorch's names (``"0.weight"``,
  ``"2.bias"``, ``"encoder.weight"``);
* :class:`Unflatten`, :class:`PixelShuffle`, :class:`PixelUnshuffle`: reshapes;
* :class:`Bilinear` (two inputs: ``layer(x1, x2)``), :class:`GroupNorm`,
  :class:`InstanceNorm1d` / :class:`InstanceNorm2d`, with PyTorch's parameter names
  (``weight``, ``bias``) and initializations.

They build on :mod:`tensorgrad.nn.torch_layers`' functions, so every transform goes through
them.
"""
from __future__ import annotations

import math
from typing import Iterable, Iterator, Sequence

import numpy as np

from .. import ops as _ops
from .. import staging as _staging
from ..tensor import concrete, shape_of
from ..tree import _dict_keys
from . import torch_layers as _F
from .layers import _LayerEdits, Module, _check_positive, _checked_layers
from .module import children_repr
from .param_alias import ParamAttr
from .layers_more import _BatchNorm, _no_jax

__all__ = ["ModuleList", "ModuleDict", "Unflatten", "Bilinear", "PixelShuffle",
           "PixelUnshuffle", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _modules(who: str, mods) -> list:
    return _checked_layers(mods, who)


class ModuleList(_LayerEdits, Module):
    """A list of Modules (PyTorch's ``nn.ModuleList``). It has no ``apply`` of its own: a
    Module holding one calls ``self.blocks[i].apply(params["blocks"][i], x)``. Its parameters
    are a list with one entry per Module (``{}`` for one without parameters), so the names
    keep PyTorch's indices."""

    _kind = "ModuleList"

    def __init__(self, modules: Iterable[Module] = ()):
        self.layers = _modules("ModuleList", modules)

    def init_params(self, rng):
        return self._layout(lambda m: m.init_params(rng))

    def _layout(self, make, own=None):
        return [make(m) if m.has_parameters else {} for m in self.layers]

    @property
    def has_parameters(self) -> bool:
        return any(m.has_parameters for m in self.layers)

    def named_children(self) -> list[tuple[str, Module]]:
        return [(str(i), m) for i, m in enumerate(self.layers)]

    def _child_entries(self, params):
        if not isinstance(params, (list, tuple)) or len(params) != len(self.layers):
            return None
        return [(i, m, p) for i, (m, p) in enumerate(zip(self.layers, params))]

    def _child_params(self, params):
        return [(m, p) for _, m, p in self._child_entries(params) or ()]

    def apply(self, params, x):
        raise NotImplementedError("ModuleList: a list of Modules has no apply (as PyTorch's has "
                                  "no forward); call its Modules' apply")

    def append(self, module: Module) -> "ModuleList":
        self.layers = self.layers + _modules("ModuleList", [module])
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        self.layers = self.layers + _modules("ModuleList", modules)
        return self

    def __add__(self, other) -> "ModuleList":
        return ModuleList([*self.layers, *_modules("ModuleList", other)])

    def __iadd__(self, modules) -> "ModuleList":
        return self.extend(modules)

    def insert(self, index: int, module: Module) -> None:  # (PyTorch's returns None)
        _LayerEdits.insert(self, index, module)

    def __getitem__(self, i):
        return ModuleList(self.layers[i]) if isinstance(i, slice) else self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self):
        return children_repr("ModuleList", self.named_children())


class ModuleDict(Module):
    """Modules by name (PyTorch's ``nn.ModuleDict``, insertion-ordered). Its parameters are
    a dict ``{name: that Module's parameters}`` for the Modules that have some. Names are
    strings without dots (dots join the parameter names)."""

    def __init__(self, modules=None):
        self.mods: dict[str, Module] = {}
        for name, m in (dict(modules) if modules is not None else {}).items():
            self[name] = m

    def __setitem__(self, name: str, module: Module) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"ModuleDict: a name must be a non-empty string without '.', "
                             f"got {name!r}")
        self.mods = {**self.mods, name: _modules("ModuleDict", [module])[0]}

    def __delitem__(self, name: str) -> None:
        self.pop(name)

    def add_module(self, name: str, module: Module) -> None:
        """PyTorch's: the Module ``name`` (as ``md[name] = module``)."""
        self[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Module) and name[:1] != "_" and "mods" in self.__dict__:
            self[name] = value  # (a Module assigned as an attribute is one more entry, as PyTorch's)
            return
        super().__setattr__(name, value)

    def pop(self, name: str) -> Module:
        """PyTorch's: remove and return the Module ``name``."""
        mods = dict(self.mods)
        m = mods.pop(name)
        self.mods = mods
        return m

    def update(self, modules) -> None:
        """PyTorch's: add (or replace) the Modules of a mapping or of ``(name, module)`` pairs."""
        for name, m in (modules.items() if hasattr(modules, "items") else modules):
            self[name] = m

    def clear(self) -> None:
        self.mods = {}

    def init_params(self, rng):
        return self._layout(lambda m: m.init_params(rng))

    def _layout(self, make, own=None):
        return {k: make(m) for k, m in self.mods.items() if m.has_parameters}

    @property
    def has_parameters(self) -> bool:
        return any(m.has_parameters for m in self.mods.values())

    def named_children(self) -> list[tuple[str, Module]]:
        return list(self.mods.items())

    def _child_entries(self, params):
        if not isinstance(params, dict):
            return None
        return [(k, self.mods.get(k), params[k]) for k in _dict_keys(params)]

    def _child_params(self, params):
        if not isinstance(params, dict):
            return []
        return [(m, params.get(k, {})) for k, m in self.mods.items()]

    def apply(self, params, x):
        raise NotImplementedError("ModuleDict: a dict of Modules has no apply (as PyTorch's has "
                                  "no forward); call its Modules' apply")

    def __getitem__(self, name: str) -> Module:
        return self.mods[name]

    def __getattr__(self, name: str):  # PyTorch's md.wte for the entry "wte"
        mods = self.__dict__.get("mods")
        if mods is not None and name in mods:
            return mods[name]
        return super().__getattr__(name)

    def __contains__(self, name) -> bool:
        return name in self.mods

    def __len__(self) -> int:
        return len(self.mods)

    def __iter__(self) -> Iterator[str]:
        return iter(self.mods)

    def keys(self):
        return self.mods.keys()

    def values(self):
        return self.mods.values()

    def items(self):
        return self.mods.items()

    def __repr__(self):
        return children_repr("ModuleDict", self.named_children())


class Unflatten(Module):
    """Axis ``dim`` of the input reshaped to ``unflattened_size`` (PyTorch's ``nn.Unflatten``;
    one entry may be −1)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        size = tuple(unflattened_size)
        if not size or not all(isinstance(s, (int, np.integer)) and (s > 0 or s == -1)
                               for s in size) or size.count(-1) > 1:
            raise ValueError(f"Unflatten: unflattened_size must be positive ints (at most one "
                             f"-1), got {unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), tuple(int(s) for s in size)

    def apply(self, params, x):
        xs = _shape(x)
        if not -len(xs) <= self.dim < len(xs):
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for input of shape {xs}")
        d = self.dim % len(xs)
        size = self.unflattened_size
        known = math.prod(s for s in size if s != -1)
        if (xs[d] % known if -1 in size else xs[d] != known):
            raise ValueError(f"Unflatten: axis {self.dim} of size {xs[d]} cannot be unflattened "
                             f"to {size} (input of shape {xs})")
        size = tuple(xs[d] // known if s == -1 else s for s in size)
        return _ops.reshape(x, xs[:d] + size + xs[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Bilinear(Module):
    """``y = x1ᵀ A x2 + b`` per output feature (PyTorch's ``nn.Bilinear``): weight
    (out_features, in1_features, in2_features) and bias (out_features,), both uniform on
    ±1/√in1_features. Called with two inputs, ``layer(x1, x2)`` or
    ``apply(params, x1, x2)``."""

    weight = ParamAttr("weight")  # (PyTorch's attribute names for the parameters)
    bias = ParamAttr("bias", flag=True)

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True):
        _check_positive("Bilinear", in1_features=in1_features, in2_features=in2_features,
                        out_features=out_features)
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features, self.bias = int(out_features), bool(bias)

    def init_params(self, rng):
        k = 1.0 / math.sqrt(self.in1_features)
        p = {"weight": rng.uniform(-k, k, (self.out_features, self.in1_features,
                                           self.in2_features))}
        if self.has_bias:
            p["bias"] = rng.uniform(-k, k, (self.out_features,))
        return p

    def __call__(self, input1, input2, *, params=None):
        return self.apply(self._called(input1, input2) if params is None else params, input1, input2)

    def apply(self, params, input1, input2):
        return _F.bilinear(input1, input2, params["weight"], params.get("bias"))

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.has_bias}")


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r) (PyTorch's ``nn.PixelShuffle``)."""

    def __init__(self, upscale_factor: int):
        _check_positive("PixelShuffle", upscale_factor=upscale_factor)
        self.upscale_factor = int(upscale_factor)

    def apply(self, params, x):
        return _F.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W) (PyTorch's ``nn.PixelUnshuffle``)."""

    def __init__(self, downscale_factor: int):
        _check_positive("PixelUnshuffle", downscale_factor=downscale_factor)
        self.downscale_factor = int(downscale_factor)

    def apply(self, params, x):
        return _F.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class GroupNorm(Module):
    """Group normalization of (N, C, *) (PyTorch's ``nn.GroupNorm``): ``weight`` (ones) and
    ``bias`` (zeros) of shape (num_channels,) when ``affine``."""

    weight = ParamAttr("weight")  # (PyTorch's attribute names for the parameters)
    bias = ParamAttr("bias", flag=True)

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, *, bias: bool = True):
        _check_positive("GroupNorm", num_groups=num_groups, num_channels=num_channels)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine, self.bias = float(eps), bool(affine), bool(bias)

    def init_params(self, rng):
        if not self.affine:
            return {}
        if not self.has_bias:  # (PyTorch 2.13's bias=False: a weight only)
            return {"weight": np.ones(self.num_channels)}
        return {"weight": np.ones(self.num_channels), "bias": np.zeros(self.num_channels)}

    @property
    def has_parameters(self) -> bool:
        return self.affine

    def apply(self, params, x):
        xs = _shape(x)
        if len(xs) < 2 or xs[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): input of shape "
                             f"{xs} must be (N, {self.num_channels}, *)")
        return _F.group_norm(x, self.num_groups, params.get("weight"), params.get("bias"),
                             self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(_BatchNorm):
    """Shared code of InstanceNorm1d/2d/3d: BatchNorm's constructor, buffers and parameters
    (PyTorch's InstanceNorm keeps ``num_batches_tracked`` at 0: its forward never counts),
    with statistics per sample and channel."""

    _nd = 3

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, *, bias: bool = True):
        # (momentum None: PyTorch's InstanceNorm passes 0 for it, and its running statistics
        # then stay as they are; it counts no batches for a cumulative average)
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias=bias)

    def apply(self, params, x):
        who = f"{type(self).__name__}({self.num_features})"
        xs = _shape(x)
        if len(xs) not in (self._nd - 1, self._nd) or xs[-self._nd + 1] != self.num_features:
            raise ValueError(f"{who}: input of shape {xs} must be {self._nd}-d with "
                             f"{self.num_features} channels on axis 1, or unbatched "
                             f"({self._nd - 1}-d, channels on axis 0)")
        unbatched = len(xs) == self._nd - 1
        if unbatched:
            x = _ops.expand_dims(x, 0)
        if self.training or not self.track_running_stats:
            y = _F.instance_norm(x, None, None, params.get("weight"), params.get("bias"),
                                 use_input_stats=True, eps=self.eps)
            if self.training and self.track_running_stats:
                self._track_instances(x)
        else:  # the buffers as they are when a tg.jit plan runs (not fixed at trace time)
            c = self.num_features
            y = _F.instance_norm(x, self._buffer(x, "running_mean", (c,)),
                                 self._buffer(x, "running_var", (c,)), params.get("weight"),
                                 params.get("bias"), use_input_stats=False, eps=self.eps)
        return _ops.getitem(y, 0) if unbatched else y

    def _track_instances(self, x):
        """running ← (1 − m)·running + m·(the instances' statistics averaged over N), written to
        the layer's current buffers now, or at each run of a tg.jit plan."""
        _no_jax(type(self).__name__, x, "updating the running statistics")
        xs = _shape(x)
        axes = tuple(range(2, len(xs)))
        n = math.prod(xs[2:])
        mean = _ops.mean(x, axis=axes)
        var = _ops.mean(_ops.square(x - _ops.mean(x, axis=axes, keepdims=True)), axis=axes)

        def update_running_stats(m, v):
            f = 0.0 if self.momentum is None else self.momentum
            m, v = np.asarray(m).mean(axis=0), np.asarray(v).mean(axis=0) * (n / (n - 1))
            # (in the buffers' own dtype, as PyTorch updates them in place)
            self.running_mean = ((1 - f) * self.running_mean + f * m).astype(self.running_mean.dtype)
            self.running_var = ((1 - f) * self.running_var + f * v).astype(self.running_var.dtype)
        _staging.effect(update_running_stats, concrete(_ops.stop_gradient(mean)),
                        concrete(_ops.stop_gradient(var)))


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or unbatched (C, L) over L per sample and channel
    (PyTorch's ``nn.InstanceNorm1d``; no parameters unless ``affine``). With
    ``track_running_stats`` a training-mode call updates ``running_mean``/``running_var``
    (buffers) and evaluation mode normalizes with them."""

    _nd = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or unbatched (C, H, W) over H and W per sample
    and channel (PyTorch's ``nn.InstanceNorm2d``); see :class:`InstanceNorm1d`."""

    _nd = 4
