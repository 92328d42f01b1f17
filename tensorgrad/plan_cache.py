"""The cache of a jitted function's plans, one per input signature."""
from __future__ import annotations

import threading

__all__ = ["PlanCache"]


class PlanCache(dict):
    """A jitted function's plans by signature, at most ``limit`` of them: beyond that the
    oldest is dropped (a static number that changes at every call, such as a decaying
    learning rate, would otherwise keep one plan per value for ever)."""

    limit = 512

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()  # threads may add plans to one jitted function at once

    def __setitem__(self, key, plan):
        with self._lock:
            while len(self) >= self.limit:
                self.pop(next(iter(self)), None)
            super().__setitem__(key, plan)
