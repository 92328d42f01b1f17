"""PyTorch's ``torch.utils`` names: :mod:`tensorgrad.utils.data` (datasets and a
``DataLoader`` on NumPy arrays) and :mod:`tensorgrad.utils.checkpoint` (``checkpoint``,
``checkpoint_sequential``)."""
from . import checkpoint, data  # noqa: F401

__all__ = ["checkpoint", "data"]
