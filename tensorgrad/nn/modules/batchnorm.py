"""``torch.nn.modules.batchnorm``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..layers_more import BatchNorm1d, BatchNorm2d, _BatchNorm
from ..lazy import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d
from ..torch_modules_more import BatchNorm3d

__all__ = ["BatchNorm1d", "LazyBatchNorm1d", "BatchNorm2d", "LazyBatchNorm2d", "BatchNorm3d",
           "LazyBatchNorm3d"]
