"""PyTorch's arithmetic of ``nn.Sequential``: ``a + b`` chains two, ``seq * n`` repeats one.

As in PyTorch the results hold the *same* layer objects, numbered by position. A layer with
parameters held at two places (``seq * 2``, ``a + a``: PyTorch's shared weights) raises, as
tensorgrad's Modules do for any such sharing (see :func:`~tensorgrad.nn.module.check_unshared`).
"""
from __future__ import annotations

import numbers

from .module import check_unshared

__all__ = ["SequentialArithmetic"]


class SequentialArithmetic:
    """``+``, ``+=``, ``*``, ``*=`` of a Sequential (a mixin; ``self.layers`` is its list)."""

    def _others(self, other, op: str) -> list:
        if not isinstance(other, SequentialArithmetic):
            raise ValueError(f"Sequential {op} {type(other).__name__}: only a Sequential can be "
                             "added to a Sequential")
        return list(other.layers)

    def _times(self, n, op: str) -> int:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"Sequential {op} {type(n).__name__}: a Sequential is repeated by an "
                            "int")
        if n <= 0:
            raise ValueError(f"Sequential {op} {n}: the number of repetitions must be positive")
        return int(n)

    def _made(self, layers: list, op: str):
        out = type(self)(*layers)
        check_unshared(out, f"Sequential {op}")
        return out

    def __add__(self, other):
        return self._made(list(self.layers) + self._others(other, "+"), "+")

    def __iadd__(self, other):
        more = self._others(other, "+=")
        self._made(list(self.layers) + more, "+=")  # (checked before self changes)
        return self.extend(more)

    def __mul__(self, n):
        return self._made(list(self.layers) * self._times(n, "*"), "*")

    __rmul__ = __mul__

    def __imul__(self, n):
        more = list(self.layers) * (self._times(n, "*=") - 1)
        self._made(list(self.layers) + more, "*=")
        return self.extend(more)
