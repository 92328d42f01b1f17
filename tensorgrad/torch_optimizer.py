"""``torch.optim.optimizer``'s names, at ``tg.optim.optimizer``: ``Optimizer``, the base class
of optimizers written PyTorch's way (see :mod:`tensorgrad.optim_subclass`), and ``required``,
the default a parameter group must give itself (``def __init__(self, params, lr=required)``),
so ``from tensorgrad.optim.optimizer import Optimizer, required`` works as PyTorch's import.
"""
from __future__ import annotations

from .optim_base import Optimizer
from .optim_subclass import required

__all__ = ["Optimizer", "required"]
