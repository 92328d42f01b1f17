"""Ctrl-C for the command line, made reliable.

Python turns SIGINT into a KeyboardInterrupt raised in whatever Python code runs at that
moment. When that code is a callback the garbage collector calls (JAX registers one), Python
prints "Exception ignored in ..." and drops the exception: the run would go on to its end
and exit 0. :class:`Interrupts` raises the KeyboardInterrupt again every half second until
the command has caught one (long enough for the clean-up code an interrupt runs on its way
out to finish undisturbed). :func:`leave` ends the process after an interrupt without Python's
shutdown, which can crash while JAX's threads are still at work.
"""
from __future__ import annotations

import _thread
import os
import signal
import sys
import threading

__all__ = ["Interrupts", "leave"]


class Interrupts:
    """A context for one command in the main thread: SIGINT raises KeyboardInterrupt, as by
    default, and again every half second until :meth:`caught` (or the end of the context)."""

    def __init__(self):
        self._done = threading.Event()
        self._hit = False
        self._old = None

    def __enter__(self) -> "Interrupts":
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> bool:
        self._done.set()
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False

    def caught(self) -> None:
        """The command caught its KeyboardInterrupt: no more of them."""
        self._done.set()

    def _handler(self, signum, frame):
        if self._done.is_set():
            return
        if not self._hit:
            self._hit = True
            threading.Thread(target=self._again, name="tensorgrad-interrupt", daemon=True).start()
        raise KeyboardInterrupt

    def _again(self) -> None:
        while not self._done.wait(0.5):
            _thread.interrupt_main(signal.SIGINT)


def leave(status: int) -> None:
    """Exit with ``status``; after an interrupt with JAX loaded, at once (output flushed):
    the interpreter's shutdown can crash while XLA's threads still run."""
    if status == 130 and "jax" in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(status)
    sys.exit(status)
