"""PyTorch's ``torch.autograd.graph`` context managers, as ``tg.autograd.graph``.

* :class:`save_on_cpu`: tensorgrad keeps every value on the CPU already, so the values saved
  for backward are where ``save_on_cpu`` would put them: entering it changes nothing, and
  gradients are PyTorch's. ``pin_memory`` only concerns copies to an accelerator (there is
  none) and is accepted.
* :class:`saved_tensors_hooks` (``pack_hook``/``unpack_hook`` on the values a recorded op saves
  for backward) is not implemented: the imperative tape keeps a node's saved inputs as the
  arrays themselves, with no point at which a hook could see them. Entering it raises
  NotImplementedError rather than record a graph the hooks never touched.
* :class:`disable_saved_tensors_hooks`: inside it, entering ``saved_tensors_hooks`` raises
  RuntimeError with the given message, as PyTorch's.
* :func:`register_multi_grad_hook` is not implemented either (the tape reports neither which
  tensors a backward pass reaches nor when it ends): it raises NotImplementedError. Hooks of
  one tensor (``t.register_hook(fn)``) work.
"""
from __future__ import annotations

import threading
from typing import Callable

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
           "register_multi_grad_hook"]


class _Disabled(threading.local):
    def __init__(self):
        self.messages: list = []


_DISABLED = _Disabled()


class saved_tensors_hooks:  # noqa: N801  (PyTorch's name)
    """PyTorch's ``saved_tensors_hooks(pack_hook, unpack_hook)``: not implemented (see the
    module's notes); entering it raises NotImplementedError."""

    def __init__(self, pack_hook: Callable, unpack_hook: Callable):
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("saved_tensors_hooks: pack_hook and unpack_hook must be callable")
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if _DISABLED.messages:
            raise RuntimeError(_DISABLED.messages[-1])
        raise NotImplementedError(
            "tg.autograd.graph.saved_tensors_hooks: tensorgrad's tape keeps the values saved "
            "for backward as they are and cannot apply pack/unpack hooks to them; use "
            "tg.utils.checkpoint.checkpoint to trade memory for recomputation")

    def __exit__(self, *exc) -> bool:
        return False


class save_on_cpu(saved_tensors_hooks):  # noqa: N801  (PyTorch's name)
    """PyTorch's ``save_on_cpu(pin_memory=False, device_type="cuda")``: saved values stay on
    the CPU, where tensorgrad always keeps them, so entering it changes nothing."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        self.pin_memory, self.device_type = bool(pin_memory), device_type
        self.pack_hook = self.unpack_hook = None

    def __enter__(self):
        if _DISABLED.messages:
            raise RuntimeError(_DISABLED.messages[-1])
        return self

    def __exit__(self, *exc) -> bool:
        return False


class disable_saved_tensors_hooks:  # noqa: N801  (PyTorch's name)
    """Inside it, entering :class:`saved_tensors_hooks` (or :class:`save_on_cpu`) raises
    RuntimeError with ``error_message``."""

    def __init__(self, error_message: str):
        self.error_message = str(error_message)

    def __enter__(self):
        _DISABLED.messages.append(self.error_message)
        return self

    def __exit__(self, *exc) -> bool:
        _DISABLED.messages.pop()
        return False


def register_multi_grad_hook(tensors, fn: Callable, *, mode: str = "all"):
    """PyTorch's ``register_multi_grad_hook``: not implemented; raises NotImplementedError."""
    if mode not in ("all", "any"):
        raise ValueError(f"register_multi_grad_hook: mode must be 'all' or 'any', got {mode!r}")
    raise NotImplementedError(
        "tg.autograd.graph.register_multi_grad_hook: tensorgrad's tape does not report which "
        "tensors a backward pass reaches or when it ends; register a hook on each tensor "
        "(t.register_hook(fn)) instead")
