"""``torch.nn.modules.module``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..module import Module

__all__ = ["Module"]
