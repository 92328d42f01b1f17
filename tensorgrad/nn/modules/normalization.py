"""``torch.nn.modules.normalization``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_misc import LocalResponseNorm
from ..layers import LayerNorm
from ..torch_modules import GroupNorm
from ..torch_modules_more import RMSNorm

__all__ = ["LocalResponseNorm", "LayerNorm", "GroupNorm", "RMSNorm"]
