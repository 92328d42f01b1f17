"""``jax.example_libraries`` on tensorgrad: ``stax`` (layers as ``(init_fun, apply_fun)``
pairs) and ``optimizers`` (``(init_fun, update_fun, get_params)`` triples over pytrees).

``from tensorgrad.example_libraries import stax, optimizers`` takes the place of
``from jax.example_libraries import stax, optimizers``; the keys are ``tg.random``'s.
"""
from . import optimizers, stax

__all__ = ["optimizers", "stax"]
