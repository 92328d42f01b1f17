"""JAX's device and scope queries, for code written against ``jax``: tensorgrad computes with
NumPy in one process on the CPU, so there is one device, ``tg.devices()[0]``, and one process.

``named_call``, ``named_scope`` and ``ensure_compile_time_eval`` only label or steer JAX's
compilation; here they run the code as it is.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .debug import debug_nans, is_debugging_nans
from .jit_aot import _OFF
from .tensor import Tensor

__all__ = ["CpuDevice", "devices", "local_devices", "device_count", "local_device_count",
           "default_backend", "process_index", "process_count", "named_call", "named_scope",
           "ensure_compile_time_eval", "config", "default_matmul_precision", "enable_x64",
           "device", "set_default_dtype", "get_default_dtype"]


class CpuDevice:
    """The one device: the CPU NumPy runs on (``platform == "cpu"``, ``id == 0``)."""

    id = 0
    platform = "cpu"
    device_kind = "cpu"
    process_index = 0

    def __repr__(self) -> str:
        return "CpuDevice(id=0)"


_CPU = CpuDevice()


def _array_devices(self) -> set:
    """JAX's ``x.devices()``: ``{CpuDevice(id=0)}``, the one device."""
    return {_CPU}


def _is_ready(self) -> bool:
    """JAX's ``x.is_ready()``: True (NumPy computes eagerly)."""
    return True


def _copy_to_host_async(self) -> None:
    """JAX's ``x.copy_to_host_async()``: nothing to copy (the value is in host memory)."""


Tensor.devices, Tensor.is_ready, Tensor.copy_to_host_async = _array_devices, _is_ready, _copy_to_host_async


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

    def __call__(self, fun: Callable) -> Callable:
        """As a decorator (JAX's ``@named_scope("name")``): ``fun`` run inside the scope."""
        def scoped(*args, **kwargs):
            with self:
                return fun(*args, **kwargs)
        scoped.__name__ = getattr(fun, "__name__", "scoped")
        scoped.__doc__ = getattr(fun, "__doc__", None)
        scoped.__wrapped__ = fun
        return scoped


class ensure_compile_time_eval:
    """``with ensure_compile_time_eval():`` runs its block unchanged: tensorgrad already
    computes every value that does not depend on a traced one eagerly."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        return False


class _Config:
    """``jax.config`` for code ported from JAX: ``config.update(name, value)`` and reading a flag
    (``config.jax_enable_x64``). tensorgrad computes in NumPy's own precision (float64 by
    default) on the CPU, so ``jax_enable_x64`` is always True and setting it False is refused
    (it would not make tensorgrad compute in 32 bits); ``jax_debug_nans`` switches
    :func:`tensorgrad.debug_nans` for the calling thread; ``jax_disable_jit`` turns ``tg.jit``
    off (as ``with tg.disable_jit()``, for the calling thread); ``jax_platforms`` and
    ``jax_platform_name`` take ``"cpu"``; ``jax_default_matmul_precision`` is accepted and
    changes nothing (NumPy's products are computed in full). Any other flag is an error naming
    it. ``config.read(name)`` reads a flag."""

    _CPU_ONLY = ("jax_platforms", "jax_platform_name", "jax_default_device")

    def update(self, name: str, value) -> None:
        if name == "jax_enable_x64":
            if not value:
                raise ValueError("config.update('jax_enable_x64', False): tensorgrad computes in "
                                 "NumPy's precision (float64 by default); cast to float32 yourself "
                                 "for 32-bit arithmetic")
        elif name == "jax_debug_nans":
            debug_nans(bool(value))
        elif name == "jax_disable_jit":
            _OFF.on = bool(value)
        elif name == "jax_default_matmul_precision":
            _check_precision(value, "config.update('jax_default_matmul_precision', ...)")
        elif name in self._CPU_ONLY:
            if value not in (None, "cpu") and str(value).split(":")[0].lower() != "cpu":
                raise ValueError(f"config.update({name!r}, {value!r}): tensorgrad runs on the CPU only")
        else:
            raise ValueError(f"config.update: unknown or unsupported flag {name!r} (tensorgrad knows "
                             "jax_enable_x64, jax_debug_nans, jax_disable_jit, jax_platforms)")

    def read(self, name: str):
        """The value of the flag ``name`` (JAX's ``config.read``)."""
        if name in ("jax_enable_x64", "jax_debug_nans", "jax_disable_jit"):
            return getattr(self, name)
        if name == "jax_default_matmul_precision":
            return None
        if name in self._CPU_ONLY:
            return "cpu" if name != "jax_default_device" else None
        raise ValueError(f"config.read: unknown or unsupported flag {name!r}")

    @property
    def jax_enable_x64(self) -> bool:
        return True

    @property
    def jax_debug_nans(self) -> bool:
        return is_debugging_nans()

    @property
    def jax_disable_jit(self) -> bool:
        return bool(_OFF.on)


config = _Config()


_PRECISIONS = (None, "default", "high", "highest", "fastest", "float32", "tensorfloat32",
               "bfloat16", "bfloat16_3x", "ANY_F8_ANY_F8_F32", "F16_F16_F32", "F32_F32_F32",
               "F64_F64_F64")


def _check_precision(value, who: str) -> None:
    name = getattr(value, "name", value)  # (a tg.lax.Precision member)
    if name not in _PRECISIONS and str(name).lower() not in _PRECISIONS:
        raise ValueError(f"{who}: unknown matmul precision {value!r}")


class _Unchanged:
    """A context manager for a JAX setting that NumPy's computation already meets: it checks
    its argument and changes nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class default_matmul_precision(_Unchanged):
    """``jax.default_matmul_precision(name)`` as a context manager: accepted, and changes
    nothing (NumPy computes products at the operands' full precision on the CPU)."""

    def __init__(self, precision):
        _check_precision(precision, "default_matmul_precision")
        self.precision = precision


class enable_x64(_Unchanged):
    """``jax.enable_x64(True)`` as a context manager: tensorgrad computes in NumPy's own
    precision (float64 by default) always, so it changes nothing; ``False`` is refused, as
    ``config.update('jax_enable_x64', False)`` is."""

    def __init__(self, new_val: bool = True):
        if not new_val:
            raise ValueError("enable_x64(False): tensorgrad computes in NumPy's precision "
                             "(float64 by default); cast to float32 yourself for 32-bit arithmetic")


# ---- PyTorch's device queries: torch.device, torch.cuda, torch.set_default_dtype -------------
class device:  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.device("cpu")`` (or ``"cuda:0"``, ``device("cuda", 0)``): a device
    name for ``x.to(dev)``, ``model.to(dev)`` and ``tg.tensor(..., device=dev)``. Only the CPU
    computes; giving another device to one of those raises. ``tg.cuda.is_available()`` is
    False, so ``device("cuda" if tg.cuda.is_available() else "cpu")`` is the CPU."""

    def __init__(self, type, index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        kind, _, number = type.partition(":")
        if number:
            if index is not None:
                raise ValueError(f"device: {type!r} names an index already; index={index} too")
            if not number.isdigit():
                raise ValueError(f"device: invalid device string {type!r}")
            index = int(number)
        if kind not in ("cpu", "cuda", "mps", "meta", "xla", "xpu", "hip"):
            raise ValueError(f"device: unknown device type {kind!r} in {type!r}")
        self.type, self.index = kind, None if index is None else int(index)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type={self.type!r})" if self.index is None else \
            f"device(type={self.type!r}, index={self.index})"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def set_default_dtype(d) -> None:
    """PyTorch's ``torch.set_default_dtype``: tensorgrad's default floating dtype is float64
    (NumPy's), so ``set_default_dtype(tg.float64)`` is accepted and changes nothing; another
    dtype raises, as tensorgrad cannot make it the default (cast with ``.float()`` or
    ``astype``)."""
    if d is float or str(d) in ("float64", "torch.float64") or getattr(d, "__name__", "") == "float64":
        return
    raise ValueError(f"set_default_dtype({d!r}): tensorgrad's default floating dtype is float64 "
                     "and stays so; cast tensors and models yourself (x.float(), model.float())")


def get_default_dtype():
    """PyTorch's ``torch.get_default_dtype``: ``float64``, tensorgrad's default floating dtype."""
    return np.float64
