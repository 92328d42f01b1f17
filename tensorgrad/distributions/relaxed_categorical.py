"""``torch.distributions.relaxed_categorical``'s import path:
``ExpRelaxedCategorical``, ``RelaxedOneHotCategorical``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .transformed import ExpRelaxedCategorical, RelaxedOneHotCategorical

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]
