"""Ctrl-C for the command line, made reliable.

Python turns SIGINT into a KeyboardInterrupt raised in whatever Python code runs at that
moment. When that code is a callback the garbage collector calls (JAX registers one), Python
drops the exception, printing "Exception ignored in ...", and the run would go on to its end
and exit 0. While a command runs, :class:`Interrupts` hears of such a dropped interrupt
(Python hands it to ``sys.unraisablehook``) and raises it again in the main thread, without
the message. An interrupt that the code caught itself stays caught, and SIGINT keeps its
handler (an ignored SIGINT, as a background job inherits it, stays ignored). :func:`leave`
ends the process after an interrupt without Python's shutdown, which can crash while XLA's
threads are still at work.
"""
from __future__ import annotations

import _thread
import os
import signal
import sys
import threading

__all__ = ["Interrupts", "leave"]


class Interrupts:
    """A context for one command: a KeyboardInterrupt dropped by a callback is raised again."""

    def __init__(self):
        self._old = None

    def __enter__(self) -> "Interrupts":
        self._old = sys.unraisablehook
        sys.unraisablehook = self._dropped
        return self

    def __exit__(self, *exc) -> bool:
        if sys.unraisablehook == self._dropped:
            sys.unraisablehook = self._old
        return False

    def _dropped(self, unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt) \
                and threading.current_thread() is threading.main_thread():
            # (from another thread, a moment later: in this hook it would be dropped again)
            again = threading.Timer(0.02, _thread.interrupt_main, (signal.SIGINT,))
            again.daemon = True
            again.start()
            return
        self._old(unraisable)


def leave(status: int) -> None:
    """Exit with ``status``; after an interrupt with JAX's runtime loaded, at once (output
    flushed): the interpreter's shutdown can crash while XLA's threads still run."""
    if status == 130 and ("jax" in sys.modules or "jaxlib" in sys.modules):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(status)
    sys.exit(status)
