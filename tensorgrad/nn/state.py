"""PyTorch's ``state_dict()`` and ``load_state_dict()`` for :class:`~tensorgrad.nn.Module`.

A state dict is a flat ``{name: array}`` of a Module's parameters (the names of
``named_parameters()``: dict keys and list indices joined by dots) followed by its buffers
(``named_buffers()``: BatchNorm's running statistics). ``load_state_dict`` puts arrays back by
name, checking names and shapes as PyTorch does, so a model can be saved with ``np.savez`` (or
``tg.save``) and restored into a fresh Module of the same architecture.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..hooks import as_grad
from ..imperative import write_data
from ..tensor import Tensor, concrete, traced_level
from ..tree import tree_flatten, tree_unflatten
from .param_owners import note_owner

__all__ = ["StateDictMixin", "IncompatibleKeys"]

#: what ``load_state_dict`` returns, as PyTorch's ``_IncompatibleKeys``
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _detached(v):
    if isinstance(v, Tensor):  # (its .data: the value, whose in-place methods write into v,
        # as the saving tutorial's sd[name].copy_(pretrained[name]); a traced one: its value)
        return v.data if traced_level(v) == 0 else concrete(v)
    return v


def into_tensors(old: list, new: list) -> list:
    """``new`` (a pytree's leaves) where each old leaf that is an imperative tensor takes its
    new value instead, and stays the same object (an optimizer made PyTorch's way holds it)."""
    out = list(new)
    for i, (o, v) in enumerate(zip(old, new)):
        if isinstance(o, Tensor) and o is not v:
            write_data(o, np.array(concrete(v)))
            out[i] = o
    return out


class StateDictMixin:
    """``state_dict`` and ``load_state_dict`` (the Module supplies ``params``, ``_have()``,
    ``_named_leaves()`` and ``_buffer_slots()``)."""

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict:
        """``{name: array}``: the parameters under their ``named_parameters()`` names, then
        the buffers. The arrays are the Module's own at the time of the call (not copies);
        an update (an optimizer's step) replaces them rather than writing into them, so where
        PyTorch's dict follows the live weights, take a new ``state_dict()`` after training.
        With ``keep_vars=False`` imperative tensors come as their arrays (their values,
        read-only). Arrays come as views with PyTorch's Tensor methods (``GradArray``s,
        pickled as plain arrays), so the saving tutorial's ``sd[name].size()`` and the partial
        load ``sd[name].copy_(pretrained[name])`` work."""
        out = {} if destination is None else destination
        have = self._have()
        note_owner(self, tree_flatten(have)[0])  # (nn.init finds a layer's (in, out) weight)
        # (the prefix is put in front as it is, "enc." giving "enc.W", as PyTorch's)
        for name, leaf in self._named_leaves(have, ""):
            out[prefix + name] = leaf if keep_vars else as_grad(_detached(leaf))
        for name, (m, attr) in self._buffer_slots("", persistent=True).items():
            out[prefix + name] = as_grad(getattr(m, attr))
        return out

    def load_state_dict(self, state_dict, strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Put the arrays of ``state_dict`` into this Module by name. Every name must be known
        and present unless ``strict=False``; shapes must match either way (a RuntimeError
        lists every problem, as PyTorch's). Values are copied in the parameter's dtype, unless
        ``assign=True`` (then the given values are kept as they are, a transform's traced
        values too; copying a traced value raises, as it would cut its derivative). An
        imperative tensor
        parameter keeps its identity (its value is replaced), so an optimizer holding it
        still sees it. Returns ``(missing_keys, unexpected_keys)``."""
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"load_state_dict: expected a mapping of names to arrays, got "
                            f"{type(state_dict).__name__}")
        who = type(self).__name__
        params = self._have()
        names = [name for name, _ in self._named_leaves(params)]  # (tree_flatten's order)
        leaves, treedef = tree_flatten(params)
        slots = self._buffer_slots(persistent=True)
        expected = names + list(slots)
        given, known = set(state_dict.keys()), set(expected)
        # a state dict from before BatchNorm counted its batches (PyTorch's older format, or a
        # dict without its version note) loads without that count, as PyTorch's does: the layer
        # keeps its own count
        recount = [n for n in slots if n not in given and n.rpartition(".")[2] == "num_batches_tracked"]
        missing = [n for n in expected if n not in given and n not in recount]
        unexpected = [n for n in state_dict.keys() if n not in known]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{n}"' for n in unexpected) + ".")
        if strict and missing:
            errors.append("Missing key(s) in state_dict: "
                          + ", ".join(f'"{n}"' for n in missing) + ".")
        current = dict(zip(names, leaves))
        current.update({n: getattr(m, a) for n, (m, a) in slots.items()})
        for n in expected:
            if n in given:
                have = tuple(np.shape(concrete(current[n])))
                got = tuple(np.shape(concrete(state_dict[n])))
                if have != got:
                    errors.append(f"size mismatch for {n}: copying a param with shape {got} "
                                  f"from checkpoint, the shape in current model is {have}.")
        if errors and any(n.rpartition(".")[2] in ("weight", "bias") for n in unexpected) and \
                any(n.rpartition(".")[2] in ("W", "b") for n in missing):
            errors.append("(PyTorch's weight and bias are W and b here; a Linear's W is the "
                          "transpose of PyTorch's weight, a Conv's has PyTorch's layout)")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {who}:\n\t"
                               + "\n\t".join(errors))

        def value(n, old):
            new = state_dict[n]
            if traced_level(new) > 0 and (not assign or isinstance(old, Tensor)):
                raise TypeError(f"load_state_dict: {n!r} is a value traced by a transform; "
                                "copying it into the parameter would make it a constant and "
                                "lose its derivative. Pass assign=True to make it the "
                                "parameter itself")
            if assign and not isinstance(old, Tensor):
                return new if isinstance(new, Tensor) else np.asarray(new)
            new = concrete(new)
            return np.asarray(new) if assign else np.array(new, dtype=np.result_type(concrete(old)))

        new_leaves = []
        for n, leaf in zip(names, leaves):
            if n not in given:
                new_leaves.append(leaf)
            elif isinstance(leaf, Tensor):
                write_data(leaf, value(n, leaf))  # (the same tensor object, a new value)
                new_leaves.append(leaf)
            else:
                new_leaves.append(value(n, leaf))
        self.params = tree_unflatten(treedef, new_leaves)
        for n, (m, attr) in slots.items():
            if n in given and isinstance(getattr(m, attr), Tensor):  # (a Tensor buffer takes the
                write_data(getattr(m, attr), value(n, getattr(m, attr)))  # value in place, as
            elif n in given:  # PyTorch copies into it: register_buffer's tensors stay tensors)
                setattr(m, attr, value(n, getattr(m, attr)))
        return IncompatibleKeys(missing, unexpected)
