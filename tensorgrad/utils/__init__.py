"""PyTorch's ``torch.utils`` names: :mod:`tensorgrad.utils.data` (datasets and a
``DataLoader`` on NumPy arrays)."""
from . import data  # noqa: F401

__all__ = ["data"]
