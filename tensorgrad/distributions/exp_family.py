"""``torch.distributions.exp_family``'s import path: ``ExponentialFamily``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous_more import ExponentialFamily

__all__ = ["ExponentialFamily"]
