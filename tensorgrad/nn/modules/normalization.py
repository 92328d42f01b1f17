"""``torch.nn.modules.normalization``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_misc import LocalResponseNorm
from ..layers import LayerNorm
from ..torch_modules import GroupNorm
from ..torch_modules_more import RMSNorm
from ..torch_nn_gaps import CrossMapLRN2d

__all__ = ["LocalResponseNorm", "CrossMapLRN2d", "LayerNorm", "GroupNorm", "RMSNorm"]
