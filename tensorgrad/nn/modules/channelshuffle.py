"""``torch.nn.modules.channelshuffle``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_modules_more import ChannelShuffle

__all__ = ["ChannelShuffle"]
