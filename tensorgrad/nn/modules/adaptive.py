"""``torch.nn.modules.adaptive``'s import path: :class:`tensorgrad.nn.AdaptiveLogSoftmaxWithLoss`
(the same class as ``tg.nn``'s)."""
from ..adaptive_softmax import AdaptiveLogSoftmaxWithLoss

__all__ = ["AdaptiveLogSoftmaxWithLoss"]
