"""``torch.distributions.weibull``'s import path: ``Weibull``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Weibull

__all__ = ["Weibull"]
