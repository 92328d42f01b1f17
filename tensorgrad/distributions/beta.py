"""``torch.distributions.beta``'s import path: ``Beta``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Beta

__all__ = ["Beta"]
