"""A child Module's link to the Module whose parameter pytree holds its entry.

A layer held by a model reads and writes its entry of the model's parameters (PyTorch's
sharing of a layer's parameters with the model holding it): the model *owns* the entry, and
the layer keeps an :class:`Owner` pointing at the model (see ``Module.params``).
"""
from __future__ import annotations

from typing import Any

__all__ = ["Owner", "MISSING"]

#: "no entry" (None can be a value)
MISSING: Any = object()


class Owner:
    """A child Module's link to the Module whose parameter pytree holds its entry."""

    __slots__ = ("module",)

    def __init__(self, module: Any):
        self.module = module

    def _slot(self, child: Any):
        """``(the owner's parameters in use, child's slot there)``, or None without one."""
        owner = self.module
        params = owner.params
        if params is not None:
            for slot, c in owner._child_slots(params):
                if c is child:
                    return params, slot
        return None

    def entry(self, child: Any):
        """``child``'s entry in the owner's parameters in use, or ``MISSING``."""
        found = self._slot(child)
        return MISSING if found is None else found[0][found[1]]

    def write(self, child: Any, value) -> bool:
        """Put ``value`` in place of ``child``'s entry (a new container up to the owner's
        root); False when the owner holds no entry for it."""
        found = self._slot(child)
        if found is None:
            return False
        self.module.params = _replaced(*found, value)
        return True


def _replaced(container, slot, value):
    """A copy of ``container`` (dict, list or tuple) with ``container[slot] = value``."""
    if isinstance(container, tuple):
        items = list(container)
        items[slot] = value
        return type(container)(items) if type(container) is tuple else type(container)(*items)
    new = container.copy()
    new[slot] = value
    return new
