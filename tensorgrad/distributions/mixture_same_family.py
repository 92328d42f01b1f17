"""``torch.distributions.mixture_same_family``'s import path: ``MixtureSameFamily``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .transformed import MixtureSameFamily

__all__ = ["MixtureSameFamily"]
