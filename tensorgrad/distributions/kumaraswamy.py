"""``torch.distributions.kumaraswamy``'s import path: ``Kumaraswamy``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous_more import Kumaraswamy

__all__ = ["Kumaraswamy"]
