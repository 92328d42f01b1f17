"""``torch.nn.modules.pooling``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..layers_more import MaxPool1d, AvgPool1d
from ..layers import MaxPool2d, AvgPool2d
from ..torch_pooling_layers import (MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, AvgPool3d, LPPool1d,
                                    LPPool2d, LPPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                                    AdaptiveMaxPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                                    AdaptiveAvgPool3d)
from ..torch_modules_extra import FractionalMaxPool2d, FractionalMaxPool3d

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
           "AvgPool1d", "AvgPool2d", "AvgPool3d", "FractionalMaxPool2d", "FractionalMaxPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AdaptiveMaxPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"]
