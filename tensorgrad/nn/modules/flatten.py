"""``torch.nn.modules.flatten``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..layers import Flatten
from ..torch_modules import Unflatten

__all__ = ["Flatten", "Unflatten"]
