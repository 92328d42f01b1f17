"""``torch.nn.modules.lazy``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..lazy import LazyModuleMixin

__all__ = ["LazyModuleMixin"]
