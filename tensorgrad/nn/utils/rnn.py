"""``torch.nn.utils.rnn``'s padding helpers: :func:`pad_sequence` and :func:`unpad_sequence`.

Both are composites of registered ops (pad, stack, slicing), so gradients flow to the
sequences. ``pack_padded_sequence`` / ``pad_packed_sequence`` and ``PackedSequence`` are not
provided: tensorgrad's RNNs take padded batches, so a packed form would have no consumer.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ... import ops as _ops
from ...tensor import concrete, shape_of

__all__ = ["pad_sequence", "unpad_sequence"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def pad_sequence(sequences: Sequence, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right"):
    """Stack sequences of shapes (L_i, *) into one array padded with ``padding_value`` to the
    longest length L: (L, B, *), or (B, L, *) with ``batch_first``. ``padding_side`` is
    ``"right"`` (pad after each sequence) or ``"left"`` (before)."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: got no sequences")
    shapes = [_shape(s) for s in seqs]
    if any(len(s) == 0 for s in shapes) or len({s[1:] for s in shapes}) != 1:
        raise ValueError(f"pad_sequence: the sequences must be at least 1-d with equal trailing "
                         f"shapes, got shapes {shapes}")
    longest = max(s[0] for s in shapes)
    padded = []
    for seq, shape in zip(seqs, shapes):
        extra = longest - shape[0]
        width = [(0, extra) if padding_side == "right" else (extra, 0)] + [(0, 0)] * (len(shape) - 1)
        padded.append(_ops.pad(seq, width, constant_values=padding_value) if extra else seq)
    return _ops.stack(padded, axis=0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """The inverse of right-padded :func:`pad_sequence`: the list of ``padded[:, b][:lengths[b]]``
    (``padded[b][:lengths[b]]`` with ``batch_first``)."""
    shape = _shape(padded_sequences)
    lens = np.asarray(concrete(lengths)).reshape(-1)
    if len(shape) < 2:
        raise ValueError(f"unpad_sequence: padded_sequences must be at least 2-d, got shape {shape}")
    b_axis, t_axis = (0, 1) if batch_first else (1, 0)
    if lens.dtype.kind not in "iu" or len(lens) != shape[b_axis] or np.any(lens < 0) \
            or np.any(lens > shape[t_axis]):
        raise ValueError(f"unpad_sequence: lengths must be {shape[b_axis]} integers in "
                         f"[0, {shape[t_axis]}] for padded_sequences of shape {shape} "
                         f"(batch_first={batch_first}), got {lens.tolist()}")
    x = padded_sequences if batch_first else _ops.moveaxis(padded_sequences, 1, 0)
    return [x[b, :int(n)] for b, n in enumerate(lens)]
