"""``torch.distributions.normal``'s import path: ``Normal``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Normal

__all__ = ["Normal"]
