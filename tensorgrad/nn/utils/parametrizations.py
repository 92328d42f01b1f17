"""``torch.nn.utils.parametrizations``' ``weight_norm`` and ``spectral_norm``, PyTorch's current
names for weight and spectral normalization: the wrapper Modules of :mod:`.parametrize`
(:class:`~tensorgrad.nn.utils.parametrize.WeightNorm`,
:class:`~tensorgrad.nn.utils.parametrize.SpectralNorm`), with PyTorch's arguments.

PyTorch changes the Module in place and keeps the originals under
``module.parametrizations.weight.original0``; here the wrapper is returned (use its result,
``self.conv = weight_norm(nn.Conv1d(...))``, as PyTorch code does), its parameters are
``weight_g``/``weight_v`` (``weight_orig`` for spectral normalization) and ``wrapper.weight``
is the computed weight. ``tg.nn.utils.parametrize.remove_parametrizations`` gives the inner
layer back.
"""
from __future__ import annotations

import numpy as np

from ...tensor import concrete
from ..module import Module
from .parametrize import SpectralNorm, WeightNorm, _normalize

__all__ = ["weight_norm", "spectral_norm"]


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> WeightNorm:
    """PyTorch's ``parametrizations.weight_norm``: w = g · v / ‖v‖, the norm over every axis
    but ``dim`` (all for None), counted as in :func:`.parametrize.weight_norm`."""
    return WeightNorm(module, name, dim)


class _StartedSpectralNorm(SpectralNorm):
    """:class:`.parametrize.SpectralNorm` whose u and v start from 15 power iterations on the
    weight, as PyTorch's ``parametrizations.spectral_norm`` starts them (the older
    ``torch.nn.utils.spectral_norm`` starts from the random vectors)."""

    def _split(self, params, rng):
        out = super()._split(params, rng)
        m = np.asarray(concrete(self._matrix(out[f"{self.name}_orig"])))
        u = getattr(self, f"{self.name}_u")
        for _ in range(15):
            v = _normalize(m.T @ u, self.eps)
            u = _normalize(m @ v, self.eps)
        setattr(self, f"{self.name}_u", u)
        setattr(self, f"{self.name}_v", v)
        return out


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> SpectralNorm:
    """PyTorch's ``parametrizations.spectral_norm``: the weight over an estimate of its
    largest singular value (see :class:`.parametrize.SpectralNorm`), its u and v started by 15
    power iterations, as PyTorch's."""
    return _StartedSpectralNorm(module, name, n_power_iterations, eps, dim)
