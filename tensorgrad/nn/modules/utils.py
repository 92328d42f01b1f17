"""``torch.nn.modules.utils``' helpers: ``_single``, ``_pair``, ``_triple``, ``_quadruple``
(``_ntuple(n)``: a value repeated ``n`` times, an iterable as a tuple), ``_reverse_repeat_tuple``
and ``consume_prefix_in_state_dict_if_present``."""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["consume_prefix_in_state_dict_if_present"]


def _ntuple(n: int, name: str = "parse"):
    """A function that makes a tuple of ``n`` copies of a single value and passes an iterable
    through as a tuple (its length unchecked, as PyTorch's)."""
    def parse(x):
        if isinstance(x, Iterable):
            return tuple(x)
        return (x,) * n
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n: int) -> tuple:
    """``t`` reversed, each entry repeated ``n`` times: ``((1, 2), 2)`` gives ``(2, 2, 1, 1)``
    (a convolution's padding per axis as ``F.pad``'s last-axis-first pairs)."""
    return tuple(x for x in reversed(t) for _ in range(n))


def _list_with_default(out_size, defaults):
    """``out_size`` with its ``None`` entries taken from the trailing entries of ``defaults``."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    tail = list(defaults)[-len(out_size):]
    return [d if v is None else v for v, d in zip(out_size, tail)]


def consume_prefix_in_state_dict_if_present(state_dict, prefix: str) -> None:
    """Strip ``prefix`` from the keys of ``state_dict`` that start with it, in place (as after
    saving a wrapped model, ``"module."``); its ``_metadata`` keys too, if it has any."""
    for key in sorted(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in list(metadata.keys()):
            if len(key) == 0:
                continue
            if key == prefix.replace(".", "") or key.startswith(prefix):
                metadata[key[len(prefix):]] = metadata.pop(key)
