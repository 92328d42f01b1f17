"""PyTorch's global settings and control flow at the top level: ``tg.get_rng_state`` /
``set_rng_state`` (this thread's default random stream, the one ``tg.manual_seed`` restarts),
the thread counts, deterministic algorithms, the default device, the float32 matmul
precision, ``set_warn_always``, ``set_flush_denormal``, the anomaly switches (which are
``tg.debug_nans``), ``tg.autocast``, ``tg.compile``, ``tg.cond`` and ``tg.while_loop``, and
the names PyTorch removed (``eig``, ``symeig``, ``lstsq``, ``solve``, ``matrix_rank``), which
raise pointing to ``tg.linalg``, as PyTorch's do.

Settings are per thread, as tensorgrad's other state (``tg.no_grad``, ``tg.debug_nans``, the
random stream), except the thread counts, which describe the process. NumPy computes every
op deterministically on the CPU at full precision, so the switches that choose algorithms in
PyTorch are recorded and reported back, and change no result.
"""
from __future__ import annotations

import functools
import math
import numbers
import operator
import os
import threading
import warnings

import numpy as np

from . import lax as _lax
from .devices import device as _device
from .imperative import tensor as _tensor
from .nn import init as _init
from .tensor import Tensor as _Tensor
from .torch_autograd import (is_anomaly_check_nan_enabled, is_anomaly_enabled,  # noqa: F401
                             set_anomaly as _set_anomaly)

__all__ = ["get_rng_state", "set_rng_state", "set_num_threads", "get_num_threads",
           "set_num_interop_threads", "get_num_interop_threads", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode", "get_default_device",
           "set_default_device", "set_float32_matmul_precision", "get_float32_matmul_precision",
           "set_warn_always", "is_warn_always_enabled", "set_flush_denormal", "is_anomaly_enabled",
           "set_anomaly_enabled", "is_anomaly_check_nan_enabled", "autocast", "compile", "cond",
           "while_loop", "eig", "symeig", "lstsq", "solve", "matrix_rank", "Size", "FloatTensor",
           "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor"]


class Size(tuple):
    """PyTorch's ``torch.Size``: a tuple of ints (``tg.Size([3, 4])``) that shapes take anywhere
    a tuple goes (``d.sample(tg.Size([5]))``, a tensor's ``t.view(tg.Size([2, 6]))``); ``numel()`` is
    the product of its entries."""

    def __new__(cls, sizes=()):
        return super().__new__(cls, (operator.index(s) for s in sizes))

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self) -> str:
        return f"tg.Size({list(self)})"


class _LegacyType(type):
    """PyTorch's legacy tensor types (``torch.FloatTensor``, ``torch.LongTensor``, ...): called
    with sizes, a tensor of zeros of that shape (PyTorch's is uninitialized), with one sequence,
    a tensor of those values, both in the type's dtype; ``isinstance(t, tg.FloatTensor)`` is
    whether ``t`` is a tensor of that dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, _Tensor) and np.dtype(obj.dtype) == cls.dtype

    def __call__(cls, *data):
        if data and all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in data):
            return _tensor(np.zeros(tuple(int(n) for n in data), cls.dtype))
        if len(data) > 1:
            raise TypeError(f"{cls.__name__}(): give sizes as ints or one sequence of values, got "
                            f"{len(data)} arguments")
        return _tensor(np.asarray(data[0] if data else [], dtype=cls.dtype))


_LEGACY = {"FloatTensor": np.float32, "DoubleTensor": np.float64, "HalfTensor": np.float16,
           "LongTensor": np.int64, "IntTensor": np.int32, "ShortTensor": np.int16,
           "CharTensor": np.int8, "ByteTensor": np.uint8, "BoolTensor": np.bool_}
globals().update({name: _LegacyType(name, (), {"dtype": np.dtype(dt), "__module__": "tensorgrad"})
                  for name, dt in _LEGACY.items()})


class _Settings(threading.local):
    def __init__(self):
        self.deterministic = False
        self.warn_only = False
        self.matmul_precision = "highest"
        self.warn_always = False


_THIS = _Settings()


# ---- random state -----------------------------------------------------------------------------
def get_rng_state() -> dict:
    """PyTorch's ``torch.get_rng_state()``: the place of this thread's default random stream
    (the one ``tg.manual_seed``, ``tg.randn``, ``tg.nn.init`` and the Tensor fills use), for
    :func:`set_rng_state`. A dict of NumPy's bit-generator state and the initial seed, not
    PyTorch's byte tensor."""
    return {"bit_generator": _init._STREAM.rng.bit_generator.state,
            "initial_seed": _init.initial_seed()}


def set_rng_state(new_state: dict) -> None:
    """PyTorch's ``torch.set_rng_state(state)``: put this thread's default stream back where
    :func:`get_rng_state` found it (the same draws follow)."""
    if not isinstance(new_state, dict) or "bit_generator" not in new_state:
        raise TypeError(f"set_rng_state: expected a state from tg.get_rng_state(), got "
                        f"{type(new_state).__name__}")
    rng = np.random.default_rng(0)
    try:
        rng.bit_generator.state = new_state["bit_generator"]
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"set_rng_state: not a state from tg.get_rng_state() ({e})") from None
    _init._STREAM.rng = rng
    _init._STREAM.seed = int(new_state.get("initial_seed", 0))


# ---- threads ----------------------------------------------------------------------------------
def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


_THREADS = {"intra": _cpus(), "interop": _cpus()}


def _count(fn: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{fn}: expects a positive int, got {n!r}")
    return int(n)


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's name
    """PyTorch's ``torch.set_num_threads(n)``: recorded, and returned by
    :func:`get_num_threads`. tensorgrad runs its ops in the calling thread; NumPy's BLAS keeps
    its own thread pool, which only its environment variables (``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS``, set before starting Python) size, so this does not change it."""
    _THREADS["intra"] = _count("set_num_threads", int)


def get_num_threads() -> int:
    """PyTorch's ``torch.get_num_threads()``: the number :func:`set_num_threads` recorded
    (at first the CPUs this process may run on)."""
    return _THREADS["intra"]


def set_num_interop_threads(int: int) -> None:  # noqa: A002 - PyTorch's name
    """PyTorch's ``torch.set_num_interop_threads(n)``: recorded only (tensorgrad runs no
    inter-op pool)."""
    _THREADS["interop"] = _count("set_num_interop_threads", int)


def get_num_interop_threads() -> int:
    """PyTorch's ``torch.get_num_interop_threads()``: the number last recorded."""
    return _THREADS["interop"]


# ---- deterministic algorithms -----------------------------------------------------------------
def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's ``torch.use_deterministic_algorithms(mode, warn_only=False)``: recorded for
    this thread. Every tensorgrad op is deterministic already (NumPy on the CPU), so nothing
    is refused or warned about."""
    if not isinstance(mode, (bool, np.bool_)):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {mode!r}")
    _THIS.deterministic, _THIS.warn_only = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """PyTorch's: whether :func:`use_deterministic_algorithms` is on in this thread."""
    return _THIS.deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """PyTorch's: whether it was switched on with ``warn_only=True``."""
    return _THIS.warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode) -> None:
    """PyTorch's ``torch.set_deterministic_debug_mode``: 0/"default" (off), 1/"warn" (on,
    ``warn_only``), 2/"error" (on) — another way to call :func:`use_deterministic_algorithms`."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of default, warn, "
                               f"error, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if isinstance(debug_mode, bool) or not isinstance(debug_mode, numbers.Integral) \
            or debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    _THIS.deterministic, _THIS.warn_only = debug_mode != 0, debug_mode == 1


def get_deterministic_debug_mode() -> int:
    """PyTorch's: 0 (off), 1 (warn only) or 2 (on), from this thread's setting."""
    return 0 if not _THIS.deterministic else 1 if _THIS.warn_only else 2


# ---- device, precision, warnings, denormals ---------------------------------------------------
def _cpu(fn: str, dev) -> None:
    if dev is None:
        return
    d = dev if isinstance(dev, _device) else _device(str(dev)) if isinstance(dev, str) else None
    if d is None or d.type != "cpu":
        raise ValueError(f"{fn}: device {dev!r} is not available; tensorgrad computes on the CPU "
                         "(device='cpu')")


def get_default_device() -> _device:
    """PyTorch's ``torch.get_default_device()``: ``device(type='cpu')``, always."""
    return _device("cpu")


def set_default_device(device) -> None:
    """PyTorch's ``torch.set_default_device``: None or the CPU are accepted (nothing changes);
    another device raises ValueError, as giving it to ``tg.tensor`` does."""
    _cpu("set_default_device", device)


def set_float32_matmul_precision(precision: str) -> None:
    """PyTorch's ``torch.set_float32_matmul_precision``: "highest", "high" or "medium",
    recorded for this thread. NumPy multiplies float32 at float32 precision whatever it says
    (as "highest"). An unknown name raises ValueError (PyTorch's only warns)."""
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: {precision!r} is not one of 'highest', "
                         "'high', or 'medium'")
    _THIS.matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """PyTorch's: the name :func:`set_float32_matmul_precision` recorded ("highest" at first)."""
    return _THIS.matmul_precision


def set_warn_always(b: bool) -> None:
    """PyTorch's ``torch.set_warn_always``: recorded for this thread. tensorgrad's warnings go
    through Python's ``warnings`` module, whose filters decide how often they show."""
    _THIS.warn_always = bool(b)


def is_warn_always_enabled() -> bool:
    """PyTorch's: what :func:`set_warn_always` recorded (False at first)."""
    return _THIS.warn_always


def set_flush_denormal(mode: bool) -> bool:
    """PyTorch's ``torch.set_flush_denormal``: False, PyTorch's answer where flushing is not
    supported: NumPy cannot switch the CPU's denormal mode, so nothing changes."""
    return False


# ---- anomaly detection: tg.debug_nans ---------------------------------------------------------
def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """PyTorch's ``torch.set_anomaly_enabled(enabled, check_nan=True)``: switch
    ``tg.debug_nans`` on or off in this thread. tensorgrad's anomaly detection is the NaN/inf
    check, so with ``check_nan=False`` the mode is on but checks nothing."""
    _set_anomaly(enabled, check_nan)


# ---- autocast, compile, cond, while_loop ------------------------------------------------------
class autocast:  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``
    as a context manager or decorator. tensorgrad does not cast ops to a lower precision by
    itself, so only a disabled autocast runs: ``enabled=False``, a CUDA autocast (PyTorch
    warns and disables it without CUDA, and so does this) or float32 on the CPU (PyTorch
    warns that CPU autocast supports only bfloat16 and float16, and disables it). The CPU's
    default, bfloat16 (no NumPy dtype), raises TypeError; float16 raises NotImplementedError:
    cast yourself (``x.half()``, ``model.half()``)."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: expected a device type string, got {device_type!r}")
        kind = _device(device_type).type  # (an unknown device type raises here)
        self.device_type, self.enabled = kind, bool(enabled)
        if not self.enabled:
            return
        if kind != "cpu":
            warnings.warn(f"autocast: device {kind!r} is not available; disabling autocast",
                          UserWarning, stacklevel=2)
            self.enabled = False
            return
        name = "bfloat16" if dtype is None else getattr(dtype, "__name__", str(dtype))
        if "bfloat16" in name:
            raise TypeError("autocast: tensorgrad has no bfloat16 dtype (PyTorch's default for CPU "
                            "autocast); pass enabled=False, or cast explicitly")
        if np.dtype(dtype) == np.float16:
            raise NotImplementedError("autocast: tensorgrad does not cast ops to float16 "
                                      "automatically; cast explicitly (x.half(), model.half())")
        warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast."
                      " CPU autocast only supports bfloat16 and float16.", UserWarning, stacklevel=2)
        self.enabled = False

    def __enter__(self) -> "autocast":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, fun):
        @functools.wraps(fun)
        def run(*args, **kwargs):
            with self:
                return fun(*args, **kwargs)
        return run


_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable: bool = False):
    """PyTorch's ``torch.compile(model)``: the same computation, run eagerly (a wrapper of a
    function, a Module itself), so value-dependent Python control flow works as it does
    uncompiled; with no ``model``, a decorator. For a traced, replayed plan use ``tg.jit``,
    which refuses ``if`` on traced values."""
    if mode not in _MODES:
        raise RuntimeError(f"compile: unknown mode {mode!r}; expected one of {_MODES[1:]}")
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise RuntimeError(f"compile: model must be callable, got {type(model).__name__}")
    if not isinstance(model, type(compile)):  # (a Module or another callable object: itself)
        return model

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return model(*args, **kwargs)
    return compiled


def cond(pred, true_fn, false_fn, operands=()):
    """PyTorch's ``torch.cond(pred, true_fn, false_fn, operands=())``: ``true_fn(*operands)``
    if ``pred`` else ``false_fn(*operands)``, by ``tg.lax.cond`` (so it also stages under
    ``tg.jit`` and differentiates through the branch taken)."""
    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"cond: operands must be a tuple or list, got {type(operands).__name__}")
    return _lax.cond(pred, true_fn, false_fn, *operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """PyTorch's ``torch.while_loop(cond_fn, body_fn, carried_inputs)``: while
    ``cond_fn(*carried)`` is true, ``carried = body_fn(*carried)``; the final carried tuple
    (``tg.lax.while_loop``, differentiable in reverse mode)."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"while_loop: carried_inputs must be a tuple or list, got "
                           f"{type(carried_inputs).__name__}")

    def body(carried):
        out = body_fn(*carried)
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(carried):
            raise RuntimeError(f"while_loop: body_fn returned {len(out)} values for "
                               f"{len(carried)} carried inputs")
        return out
    return tuple(_lax.while_loop(lambda carried: cond_fn(*carried), body, tuple(carried_inputs)))


# ---- names PyTorch removed --------------------------------------------------------------------
def _removed(name: str, instead: str):
    def removed(*args, **kwargs):
        raise RuntimeError(f"{name}: this function was deprecated since PyTorch 1.9 and is now "
                           f"removed; use {instead} instead")
    removed.__name__ = removed.__qualname__ = name
    removed.__doc__ = f"Removed from PyTorch (1.9); raises RuntimeError pointing to ``{instead}``."
    return removed


eig = _removed("eig", "tg.linalg.eig (complex results) or tg.linalg.eigvals")
symeig = _removed("symeig", "tg.linalg.eigh (lower triangle by default) or tg.linalg.eigvalsh")
lstsq = _removed("lstsq", "tg.linalg.lstsq (arguments reversed: lstsq(A, B))")
solve = _removed("solve", "tg.linalg.solve (arguments reversed: solve(A, B))")
matrix_rank = _removed("matrix_rank", "tg.linalg.matrix_rank")
