"""Draws from a layer's own random stream (a Dropout given no ``key``), made repeatable inside
``tg.checkpoint``/``tg.remat``.

A checkpointed function runs twice: forward, and again in the backward pass to recompute what
it did not keep. A layer that draws from its own stream would draw its next mask the second
time, so the gradient would belong to another mask than the value (PyTorch's checkpoint keeps
the generator's state for the same reason). The forward pass records the draws made under it;
the recomputation replays them in order instead of drawing. Under ``tg.jit`` the draws are plan
steps, and the replay reuses the forward's step, so every run of the plan uses one mask for
both. Per thread. ``torch.func.vmap``'s ``randomness`` uses the same frames: ``'same'`` replays
the first slice's draws in the others, ``'error'`` refuses a draw. So do the draws of the
default stream PyTorch's samplers share (``tg.randn``, ``tg.nn.init.normal_``, ...).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable

__all__ = ["draw", "recording", "replaying", "refusing", "active"]


class _Frames(threading.local):
    def __init__(self):
        self.stack: list = []  # ("record", list) and ("replay", iterator) frames


_FRAMES = _Frames()


def active() -> bool:
    """Whether a frame is open in this thread (a draw would be recorded, replayed or refused)."""
    return bool(_FRAMES.stack)


def draw(fresh: Callable[[], Any]) -> Any:
    """``fresh()``, or, inside a recomputation, the draw the forward pass made at this point."""
    stack = _FRAMES.stack
    if not stack:
        return fresh()
    start = 0
    for i in range(len(stack) - 1, -1, -1):
        kind, source = stack[i]
        if kind == "refuse":
            raise RuntimeError(source)
        if kind == "replay":
            try:
                value = next(source)
            except StopIteration:
                raise RuntimeError(
                    "tg.checkpoint: recomputing the function drew more random numbers from a "
                    "layer's own stream than its forward pass did (Python control flow that "
                    "changed between the two?); pass the layer a key (apply(params, x, key=k)) "
                    "to make its draws explicit") from None
            start = i + 1
            break
    else:
        value = fresh()
    for kind, log in stack[start:]:
        if kind == "record":
            log.append(value)
    return value


@contextmanager
def recording():
    """Record the own-stream draws made inside (a checkpoint's forward pass)."""
    log: list = []
    _FRAMES.stack.append(("record", log))
    try:
        yield log
    finally:
        _FRAMES.stack.pop()


@contextmanager
def refusing(message: str):
    """Inside, a draw from a layer's own stream raises ``RuntimeError(message)`` (torch.func's
    ``vmap(randomness='error')``)."""
    _FRAMES.stack.append(("refuse", message))
    try:
        yield
    finally:
        _FRAMES.stack.pop()


@contextmanager
def replaying(log: list):
    """Give the draws of ``log`` back in order inside (the recomputation); at the end, every one
    must have been used."""
    it = iter(log)
    _FRAMES.stack.append(("replay", it))
    try:
        yield
    finally:
        _FRAMES.stack.pop()
    if next(it, _END) is not _END:
        raise RuntimeError("tg.checkpoint: recomputing the function drew fewer random numbers "
                           "from a layer's own stream than its forward pass did (Python control "
                           "flow that changed between the two?); pass the layer a key "
                           "(apply(params, x, key=k)) to make its draws explicit")


_END = object()
