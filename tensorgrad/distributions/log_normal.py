"""``torch.distributions.log_normal``'s import path: ``LogNormal``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import LogNormal

__all__ = ["LogNormal"]
