"""``torch.nn.modules.linear``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_modules import Bilinear
from ..activation_layers import Identity
from ..lazy import LazyLinear
from ..layers import Linear

__all__ = ["Bilinear", "Identity", "LazyLinear", "Linear"]
