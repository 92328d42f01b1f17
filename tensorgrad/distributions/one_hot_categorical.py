"""``torch.distributions.one_hot_categorical``'s import path:
``OneHotCategorical``, ``OneHotCategoricalStraightThrough``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import OneHotCategorical
from .continuous_more import OneHotCategoricalStraightThrough

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]
