"""``torch.nn.modules.container``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..layers import Sequential
from ..torch_modules import ModuleList, ModuleDict
from ..torch_gaps import ParameterList, ParameterDict

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
