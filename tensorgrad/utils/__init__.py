"""PyTorch's ``torch.utils`` names: :mod:`tensorgrad.utils.data` (datasets and a
``DataLoader`` on NumPy arrays) and :mod:`tensorgrad.utils.checkpoint` (``checkpoint``,
``checkpoint_sequential``)."""
from . import checkpoint, data  # noqa: F401
from . import data_paths  # noqa: F401  (tensorgrad.utils.data.dataset, .sampler, .distributed, ...)

__all__ = ["checkpoint", "data"]
