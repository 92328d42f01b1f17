"""``torch.nn.modules.padding``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_pooling_layers import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                                    ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                                    ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                                    ZeroPad1d, ZeroPad2d, ZeroPad3d)

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]
