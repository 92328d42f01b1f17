"""``torch.nn.modules.sparse``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..layers import Embedding
from ..torch_bag_ctc import EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
