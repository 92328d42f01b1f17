"""``torch.nn.modules.fold``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_conv_modules import Fold, Unfold

__all__ = ["Fold", "Unfold"]
