"""``torch.nn.utils``'s weight and spectral normalization as wrapper Modules.

A tensorgrad Module keeps its parameters in a pytree and applies them in a pure
``apply(params, x)``, so a reparametrization is a Module around the layer: its parameters are
the layer's with one entry replaced (``weight`` by ``weight_g`` and ``weight_v``, or by
``weight_orig``), and its ``apply`` computes the weight from them and calls the layer's
``apply``. :func:`weight_norm` and :func:`spectral_norm` return that wrapper (PyTorch changes
the Module in place and returns it); :func:`remove_weight_norm` and
:func:`remove_spectral_norm` return the inner layer holding the computed weight.

``name="weight"`` also finds the weight of tensorgrad's own layers, which call it ``"W"``.
:class:`~tensorgrad.nn.Linear`'s ``W`` is (in, out), PyTorch's ``weight`` transposed, so under
the name ``"weight"`` its ``dim`` counts PyTorch's axes, as a ported call means them:
``weight_norm(linear)`` normalizes per output unit (``dim=0`` of PyTorch's (out, in) weight,
axis 1 of ``W``) and ``spectral_norm(linear)`` reads PyTorch's (out, in) matrix. Under the
name ``"W"``, ``dim`` counts ``W``'s own axes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops as _ops
from ... import staging as _staging
from ...tensor import concrete
from ..layers import Module
from ..torch_conv_modules import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = ["WeightNorm", "SpectralNorm", "weight_norm", "remove_weight_norm", "spectral_norm",
           "remove_spectral_norm", "remove_parametrizations", "is_parametrized"]


def _key(fn: str, params: Any, name: str) -> str:
    if not isinstance(params, dict):
        raise TypeError(f"{fn}: the layer's parameters must be a dict, got {type(params).__name__}")
    if name in params:
        return name
    if name == "weight" and "W" in params:
        return "W"
    raise ValueError(f"{fn}: the layer has no parameter {name!r}; it has {sorted(params)}")


def _replace(params: dict, key: str, new: dict) -> dict:
    out = {}
    for k, v in params.items():
        if k == key:
            out.update(new)
        else:
            out[k] = v
    return out


class _Reparametrized(Module):
    """A Module wrapping ``module`` whose parameter ``name`` is computed from others."""

    def __init__(self, fn: str, module: Module, name: str):
        if not isinstance(module, Module):
            raise TypeError(f"{fn}: module must be a tensorgrad Module, got {type(module).__name__}")
        self.module, self.name, self.key = module, name, None
        self.stochastic = module.stochastic
        self.training = module.training

    def init_params(self, rng):
        return self._split(self.module.init_params(rng), rng)

    def _from_module(self):
        if self.module.params is not None:
            self.params = self._split(self.module.params, np.random.default_rng(0))

    def _inner(self, params, update: bool = True) -> dict:
        """The inner layer's parameters: ``params`` with the computed weight put back."""
        names = self._names()
        if self.key is None:
            raise ValueError(f"{type(self).__name__}: call init() (or wrap a layer that has "
                             "parameters) before apply")
        if not isinstance(params, dict) or any(p not in params for p in names):
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"{type(self).__name__}: params must hold {list(names)}, got {got}")
        w = self._weight(params, update)
        return {(self.key if p == names[0] else p): (w if p == names[0] else v)
                for p, v in params.items() if p == names[0] or p not in names}

    def apply(self, params, x, **kwargs):
        return self.module.apply(self._inner(params), x, **kwargs)

    def _axis(self, d: int, ndim: int) -> int:
        """Axis ``d`` of the weight as the call names it: under the name ``"weight"``, an axis of
        PyTorch's layout, which for a weight stored transposed (Linear's (in, out) ``W``) is
        axis ``1 - d`` of the array (see the module's docstring)."""
        if self.name == "weight" and ndim == 2 and self.key is not None \
                and self.key in getattr(type(self.module), "in_out_params", ()):
            return 1 - int(d) % 2
        return d

    def __getattr__(self, attr: str):
        """``wrapper.weight`` (the parameter's name): the weight computed from the current
        parameters, as PyTorch's parametrized ``module.weight``."""
        d = self.__dict__
        if attr == d.get("name") and d.get("key") is not None and d.get("_params") is not None:
            return self._inner(d["_params"], update=False)[d["key"]]
        return super().__getattr__(attr)

    def _remove(self) -> Module:
        if self.params is not None:
            self.module.params = self._inner(self.params, update=False)
        return self.module

    def extra_repr(self):
        return f"{self.module!r}, name={self.name!r}"


def _norm_axes(fn: str, ndim: int, dim, axis=lambda d, ndim: d):
    """The axes that ``weight_norm`` sums over (all but ``dim``, read by ``axis``; all for None
    or -1)."""
    if dim is None or dim == -1:
        return tuple(range(ndim))
    if not isinstance(dim, (int, np.integer)) or not -ndim <= dim < ndim:
        raise ValueError(f"{fn}: dim must be None or in [-{ndim}, {ndim}) for a {ndim}-d weight, "
                         f"got {dim!r}")
    d = axis(int(dim) % ndim, ndim)
    return tuple(a for a in range(ndim) if a != d)


class WeightNorm(_Reparametrized):
    """``module`` with its weight w = g · v / ‖v‖ (the norm over all axes but ``dim``);
    parameters ``<name>_g`` (the norms, size 1 on the summed axes; a scalar for
    ``dim=None``) and ``<name>_v`` (the direction), both trained."""

    def __init__(self, module: Module, name: str = "weight", dim: int | None = 0):
        super().__init__("weight_norm", module, name)
        self.dim = dim
        self.key = _key("weight_norm", module.params, name) if module.params is not None else None
        self._from_module()

    def _names(self):
        return (f"{self.name}_g", f"{self.name}_v")

    def _split(self, params, rng):
        self.key = k = _key("weight_norm", params, self.name)
        w = np.asarray(concrete(params[k]))
        axes = _norm_axes("weight_norm", w.ndim, self.dim, self._axis)
        g = np.sqrt(np.sum(w * w, axis=axes, keepdims=self.dim is not None and self.dim != -1))
        g = np.asarray(g)  # (dim=None: a 0-d array, a parameter like any other, not a NumPy scalar)
        return _replace(params, k, {f"{self.name}_g": g, f"{self.name}_v": w.copy()})

    def _weight(self, params, update=True):
        g, v = params[f"{self.name}_g"], params[f"{self.name}_v"]
        axes = _norm_axes("weight_norm", len(np.shape(concrete(v))), self.dim, self._axis)
        return v * (g / _ops.sqrt(_ops.sum(v * v, axis=axes, keepdims=True)))

    def extra_repr(self):
        return f"{super().extra_repr()}, dim={self.dim}"


def _normalize(x, eps):
    return x / max(float(np.linalg.norm(x)), eps)


class SpectralNorm(_Reparametrized):
    """``module`` with its weight divided by an estimate of its largest singular value σ:
    parameter ``<name>_orig`` (the unnormalized weight); buffers ``<name>_u`` and
    ``<name>_v``. The weight is read as a matrix with axis ``dim`` as rows. In training mode
    each call first runs ``n_power_iterations`` steps v ← normalize(Wᵀu), u ← normalize(Wv)
    on the weight's values and stores u, v; then σ = uᵀWv with u, v constants (the gradient
    flows through W only). Evaluation mode uses the stored u, v."""

    def __init__(self, module: Module, name: str = "weight", n_power_iterations: int = 1,
                 eps: float = 1e-12, dim: int | None = None):
        super().__init__("spectral_norm", module, name)
        if not isinstance(n_power_iterations, (int, np.integer)) or n_power_iterations < 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be a non-negative integer, "
                             f"got {n_power_iterations!r}")
        if dim is None:
            dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
        self.n_power_iterations, self.eps, self.dim = int(n_power_iterations), float(eps), dim
        self.buffer_names = (f"{name}_u", f"{name}_v")
        self.key = _key("spectral_norm", module.params, name) if module.params is not None else None
        self._from_module()

    def _names(self):
        return (f"{self.name}_orig",)

    def _matrix(self, w):
        nd = len(np.shape(concrete(w)))
        if not isinstance(self.dim, (int, np.integer)) or not -nd <= self.dim < nd:
            raise ValueError(f"spectral_norm: dim must be in [-{nd}, {nd}) for a {nd}-d weight, "
                             f"got {self.dim!r}")
        d = self._axis(int(self.dim) % nd, nd)
        w = w if d == 0 else _ops.moveaxis(w, d, 0)
        return _ops.reshape(w, (np.shape(concrete(w))[0], -1))

    def _split(self, params, rng):
        self.key = k = _key("spectral_norm", params, self.name)
        w = np.asarray(concrete(params[k]))
        h, n = np.shape(np.asarray(concrete(self._matrix(w))))
        setattr(self, f"{self.name}_u", _normalize(rng.normal(size=h), self.eps))
        setattr(self, f"{self.name}_v", _normalize(rng.normal(size=n), self.eps))
        return _replace(params, k, {f"{self.name}_orig": w.copy()})

    def _power(self, m):
        """[u; v] after the power iterations on the matrix ``m`` (values), from the stored u."""
        m = np.asarray(m)
        u, v = getattr(self, f"{self.name}_u"), getattr(self, f"{self.name}_v")
        for _ in range(self.n_power_iterations):
            v = _normalize(m.T @ u, self.eps)
            u = _normalize(m @ v, self.eps)
        return np.concatenate([u, v])

    def _weight(self, params, update=True):
        w = params[f"{self.name}_orig"]
        m = self._matrix(w)
        h = np.shape(concrete(m))[0]
        mv = concrete(m)
        if self.training and update and self.n_power_iterations > 0:
            if _staging.tracing_here() and not _staging.is_staged(mv):
                # a weight a jitted function closes over: the iteration is still a step of the
                # plan (on the stored u, read when it runs), so each call iterates, as eagerly
                uv = _staging.recording_programs()[-1].emit(
                    "call", self._power, (mv,), {}, "spectral_norm's power iteration")
            else:
                uv = _staging.call(self._power, mv)

            def store_u_v(uv):
                setattr(self, f"{self.name}_u", np.array(uv[:h]))
                setattr(self, f"{self.name}_v", np.array(uv[h:]))
            _staging.effect(store_u_v, uv)
            u = _staging.call(lambda a: np.array(a[:h]), uv)
            v = _staging.call(lambda a: np.array(a[h:]), uv)
        elif _staging.is_staged(mv):
            u = _staging.call(lambda _: getattr(self, f"{self.name}_u"), mv)
            v = _staging.call(lambda _: getattr(self, f"{self.name}_v"), mv)
        else:
            u, v = getattr(self, f"{self.name}_u"), getattr(self, f"{self.name}_v")
        sigma = _ops.sum(u * _ops.matmul(m, v))
        return w / sigma

    def extra_repr(self):
        return (f"{super().extra_repr()}, n_power_iterations={self.n_power_iterations}, "
                f"eps={self.eps}, dim={self.dim}")


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> WeightNorm:
    """``module`` with weight normalization on parameter ``name`` (see :class:`WeightNorm`).
    ``dim=None`` (or -1, as PyTorch) normalizes over the whole weight. If ``module`` has
    parameters already, the wrapper starts from them (g = ‖w‖, v = w)."""
    return WeightNorm(module, name, dim)


def remove_weight_norm(module: WeightNorm, name: str = "weight") -> Module:
    """The inner layer, with its parameter set to the computed weight g · v / ‖v‖."""
    if not isinstance(module, WeightNorm) or module.name != name:
        raise ValueError(f"remove_weight_norm: weight_norm of {name!r} not found in {module!r}")
    return module._remove()


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> SpectralNorm:
    """``module`` with spectral normalization on parameter ``name`` (see
    :class:`SpectralNorm`); ``dim`` defaults to 1 for transposed convolutions, else 0. The
    random start of u and v is drawn from the seed of ``init`` (or a fixed stream when
    ``module`` already has parameters)."""
    return SpectralNorm(module, name, n_power_iterations, eps, dim)


def remove_spectral_norm(module: SpectralNorm, name: str = "weight") -> Module:
    """The inner layer, with its parameter set to W / σ computed with the stored u, v."""
    if not isinstance(module, SpectralNorm) or module.name != name:
        raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in {module!r}")
    return module._remove()


def is_parametrized(module, tensor_name: str | None = None) -> bool:
    """PyTorch's ``parametrize.is_parametrized``: whether ``module`` is a wrapper of this module
    (of the parameter ``tensor_name``, if given)."""
    return isinstance(module, _Reparametrized) and tensor_name in (None, module.name)


def remove_parametrizations(module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """PyTorch's ``parametrize.remove_parametrizations``: the inner layer, its parameter set to
    the computed weight; with ``leave_parametrized=False`` to the original one (spectral
    normalization's ``weight_orig``; weight normalization has none, and raises, as PyTorch)."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: module {type(module).__name__} has no "
                         f"parametrization on {tensor_name!r}")
    if leave_parametrized:
        return module._remove()
    if isinstance(module, WeightNorm):
        raise ValueError("remove_parametrizations: weight normalization is parametrized by two "
                         "tensors (g and v), so leave_parametrized=False has no original to "
                         "restore; use leave_parametrized=True")
    if module.params is not None:
        inner = {(module.key if k == f"{module.name}_orig" else k): v
                 for k, v in module.params.items()}
        module.module.params = inner
    return module.module
