"""JAX's device and scope queries, for code written against ``jax``: tensorgrad computes with
NumPy in one process on the CPU, so there is one device, ``tg.devices()[0]``, and one process.

``named_call``, ``named_scope`` and ``ensure_compile_time_eval`` only label or steer JAX's
compilation; here they run the code as it is.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["CpuDevice", "devices", "local_devices", "device_count", "local_device_count",
           "default_backend", "process_index", "process_count", "named_call", "named_scope",
           "ensure_compile_time_eval"]


class CpuDevice:
    """The one device: the CPU NumPy runs on (``platform == "cpu"``, ``id == 0``)."""

    id = 0
    platform = "cpu"
    device_kind = "cpu"
    process_index = 0

    def __repr__(self) -> str:
        return "CpuDevice(id=0)"


_CPU = CpuDevice()


def _backend(backend, name: str) -> None:
    if backend is not None and str(getattr(backend, "platform", backend)).lower() != "cpu":
        raise RuntimeError(f"{name}: unknown backend {backend!r}; tensorgrad has only the CPU")


def devices(backend=None) -> list:
    """``[CpuDevice(id=0)]``, as ``jax.devices()`` on a machine with one CPU device."""
    _backend(backend, "devices")
    return [_CPU]


def local_devices(process_index: int | None = None, backend=None) -> list:
    """The devices of this process: ``[CpuDevice(id=0)]``."""
    _backend(backend, "local_devices")
    if process_index not in (None, 0):
        raise ValueError(f"local_devices: process {process_index} does not exist (one process)")
    return [_CPU]


def device_count(backend=None) -> int:
    """1."""
    _backend(backend, "device_count")
    return 1


def local_device_count(backend=None) -> int:
    """1."""
    _backend(backend, "local_device_count")
    return 1


def default_backend() -> str:
    """``"cpu"``."""
    return "cpu"


def process_index(backend=None) -> int:
    """0: the only process."""
    return 0


def process_count(backend=None) -> int:
    """1."""
    return 1


def named_call(fun: Callable, *, name: str | None = None) -> Callable:
    """``fun`` itself (JAX names the call in its compiled program; there is none here)."""
    if not callable(fun):
        raise TypeError(f"named_call: expected a function, got {fun!r}")
    return fun


class named_scope:
    """``with named_scope(name):`` runs its block unchanged (JAX labels the ops inside)."""

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"named_scope: the name must be a string, got {name!r}")
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        return False


class ensure_compile_time_eval:
    """``with ensure_compile_time_eval():`` runs its block unchanged: tensorgrad already
    computes every value that does not depend on a traced one eagerly."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        return False
