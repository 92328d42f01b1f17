"""PyTorch's ``torch.cuda`` queries, for code ported from PyTorch: tensorgrad computes with
NumPy on the CPU, so no CUDA device is available (``tg.cuda.is_available()`` is False and
``device_count()`` is 0), and the calls that only wait for or tidy a GPU do nothing.
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "synchronize", "empty_cache", "is_initialized"]


def is_available() -> bool:
    """False: there is no CUDA device (tensorgrad computes on the CPU)."""
    return False


def device_count() -> int:
    """0."""
    return 0


def is_initialized() -> bool:
    """False."""
    return False


def synchronize(device=None) -> None:
    """Nothing to wait for: NumPy computes eagerly on the CPU."""


def empty_cache() -> None:
    """Nothing to free: there is no GPU memory."""
