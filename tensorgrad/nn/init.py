"""Seeded weight initializers.

Each takes a shape and a seed (an int, or a ``numpy.random.Generator`` to
draw from) and returns a float64 array, so the same seed always gives the same
model. ``fan_in``/``fan_out`` follow the usual convention: for a Linear
weight (in, out) they are ``in`` and ``out``; for a Conv2d weight
(out_ch, in_ch, kh, kw) they are ``in_ch·kh·kw`` and ``out_ch·kh·kw``.
"""
from __future__ import annotations

from typing import Union

import numpy as np

__all__ = ["rng_from", "fans", "uniform", "normal", "zeros", "xavier_uniform", "xavier_normal",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "get"]

Seed = Union[int, np.random.Generator, None]


def rng_from(seed: Seed) -> np.random.Generator:
    """A Generator: ``seed`` itself if it is one, else ``default_rng(seed)``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")
    return np.random.default_rng(seed)


def fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:  # Linear: (in, out), used as x @ W
        return shape[0], shape[1]
    receptive = int(np.prod(shape[2:]))  # Conv: (out, in, kh, kw)
    return shape[1] * receptive, shape[0] * receptive


def uniform(shape: tuple, seed: Seed = None, low: float = -0.05, high: float = 0.05) -> np.ndarray:
    """Uniform on [low, high)."""
    return rng_from(seed).uniform(low, high, size=shape)


def normal(shape: tuple, seed: Seed = None, std: float = 0.01) -> np.ndarray:
    """Normal with mean 0 and standard deviation ``std``."""
    return rng_from(seed).normal(0.0, std, size=shape)


def zeros(shape: tuple, seed: Seed = None) -> np.ndarray:
    """All zeros (the seed is ignored; accepted so every initializer has one signature)."""
    return np.zeros(shape)


def xavier_uniform(shape: tuple, seed: Seed = None, gain: float = 1.0) -> np.ndarray:
    """Glorot/Xavier uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out)).

    Keeps the variance of activations and of gradients roughly equal across
    layers for tanh/sigmoid networks (Var = 2/(fan_in + fan_out)).
    """
    fi, fo = fans(shape)
    a = gain * np.sqrt(6.0 / (fi + fo))
    return rng_from(seed).uniform(-a, a, size=shape)


def xavier_normal(shape: tuple, seed: Seed = None, gain: float = 1.0) -> np.ndarray:
    """Glorot/Xavier normal: N(0, gain²·2/(fan_in + fan_out))."""
    fi, fo = fans(shape)
    return rng_from(seed).normal(0.0, gain * np.sqrt(2.0 / (fi + fo)), size=shape)


def he_uniform(shape: tuple, seed: Seed = None) -> np.ndarray:
    """He/Kaiming uniform for ReLU layers: U(−a, a) with a = √(6/fan_in) (Var = 2/fan_in)."""
    fi, _ = fans(shape)
    a = np.sqrt(6.0 / fi)
    return rng_from(seed).uniform(-a, a, size=shape)


def he_normal(shape: tuple, seed: Seed = None) -> np.ndarray:
    """He/Kaiming normal for ReLU layers: N(0, 2/fan_in)."""
    fi, _ = fans(shape)
    return rng_from(seed).normal(0.0, np.sqrt(2.0 / fi), size=shape)


glorot_uniform = xavier_uniform
glorot_normal = xavier_normal

_BY_NAME = {"uniform": uniform, "normal": normal, "zeros": zeros,
            "xavier": xavier_uniform, "xavier_uniform": xavier_uniform, "xavier_normal": xavier_normal,
            "glorot": xavier_uniform, "glorot_uniform": xavier_uniform, "glorot_normal": xavier_normal,
            "he": he_normal, "he_uniform": he_uniform, "he_normal": he_normal,
            "kaiming": he_normal}


def get(init) -> callable:
    """An initializer from its name (``"xavier"``, ``"he"``, ...) or a callable ``(shape, rng)``."""
    if callable(init):
        return init
    try:
        return _BY_NAME[init]
    except KeyError:
        raise ValueError(f"unknown initializer {init!r}; choose one of {sorted(_BY_NAME)} "
                         "or pass a function (shape, rng) -> array") from None
