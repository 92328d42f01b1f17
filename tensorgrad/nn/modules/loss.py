"""``torch.nn.modules.loss``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..losses import (L1Loss, NLLLoss, KLDivLoss, MSELoss, BCELoss, BCEWithLogitsLoss, HingeEmbeddingLoss,
                      SmoothL1Loss, HuberLoss, CrossEntropyLoss, CosineEmbeddingLoss, MarginRankingLoss,
                      _Loss)
from ..torch_modules_more import (PoissonNLLLoss, GaussianNLLLoss, MultiLabelMarginLoss, SoftMarginLoss,
                                  MultiLabelSoftMarginLoss, MultiMarginLoss, TripletMarginLoss,
                                  TripletMarginWithDistanceLoss)
from ..torch_modules_extra import LinearCrossEntropyLoss
from ..torch_bag_ctc import CTCLoss
from ..torch_nn_gaps import NLLLoss2d

__all__ = ["L1Loss", "NLLLoss", "PoissonNLLLoss", "GaussianNLLLoss", "KLDivLoss", "MSELoss",
           "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss", "MultiLabelMarginLoss",
           "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "CrossEntropyLoss",
           "LinearCrossEntropyLoss", "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss",
           "MarginRankingLoss", "MultiMarginLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "CTCLoss", "NLLLoss2d"]
