"""``torch.nn.utils.rnn``: :func:`pad_sequence`, :func:`unpad_sequence`, and the packed form of
a batch of sequences of different lengths (:class:`PackedSequence`, :func:`pack_padded_sequence`,
:func:`pad_packed_sequence`, :func:`pack_sequence`, :func:`unpack_sequence`), which
``tg.nn.RNN``, ``LSTM`` and ``GRU`` take as input as PyTorch's do.

All are composites of registered ops (pad, stack, slicing, concatenation, indexing), so
gradients flow to the sequences. A packed batch stores, time step after time step, the entries
of the sequences still running at that step, longest sequences first: ``data`` (sum of the
lengths, *), ``batch_sizes`` (how many sequences run at each step), and the permutation from
the caller's batch order to that one (``sorted_indices``) and back (``unsorted_indices``).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from ... import ops as _ops
from ...hooks import TorchValueError  # (PyTorch raises RuntimeError: both catch it)
from ...tensor import concrete, dtype_of, shape_of

__all__ = ["pad_sequence", "unpad_sequence", "PackedSequence", "pack_padded_sequence",
           "pad_packed_sequence", "pack_sequence", "unpack_sequence"]


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


class PackedSequence(NamedTuple):
    """A batch of sequences of different lengths, packed time step by time step (see the
    module). ``batch_sizes``, ``sorted_indices`` and ``unsorted_indices`` are int64 arrays."""

    data: object
    batch_sizes: np.ndarray
    sorted_indices: np.ndarray | None = None
    unsorted_indices: np.ndarray | None = None

    def lengths(self) -> np.ndarray:
        """Each sequence's length, in the caller's batch order."""
        sizes = np.asarray(self.batch_sizes)
        n = int(sizes[0]) if sizes.size else 0
        lens = (sizes[None, :] > np.arange(n)[:, None]).sum(axis=1)  # in the sorted order
        return lens if self.unsorted_indices is None else lens[np.asarray(self.unsorted_indices)]


def _lengths(where: str, lengths, n: int, steps: int) -> np.ndarray:
    lens = np.asarray(concrete(lengths)).reshape(-1)
    if lens.dtype.kind not in "iu" and not (lens.dtype.kind == "f" and np.all(lens == np.floor(lens))):
        raise TypeError(f"{where}: lengths must be integers, got dtype {lens.dtype}")
    lens = lens.astype(np.int64)
    if len(lens) != n or np.any(lens <= 0) or np.any(lens > steps):
        raise ValueError(f"{where}: lengths must be {n} integers in [1, {steps}] (one per "
                         f"sequence of the batch, none empty), got {lens.tolist()}")
    return lens


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True):
    """Pack a padded batch (L, B, *), or (B, L, *) with ``batch_first``, whose sequence b has
    ``lengths[b]`` steps. With ``enforce_sorted`` the lengths must not increase along the
    batch; otherwise the batch is sorted by decreasing length (stably) and the permutation is
    kept, so that :func:`pad_packed_sequence` and the RNNs give results in the caller's order."""
    shape = _shape(input)
    if len(shape) < 2:
        raise ValueError(f"pack_padded_sequence: input must be at least 2-d, got shape {shape}")
    x = _ops.swapaxes(input, 0, 1) if batch_first else input  # (L, B, *)
    steps, n = _shape(x)[:2]
    lens = _lengths("pack_padded_sequence", lengths, n, steps)
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise TorchValueError(f"pack_padded_sequence: lengths {lens.tolist()} are not sorted "
                                  "in decreasing order; sort the batch or pass enforce_sorted=False")
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    sizes = (lens[None, :] > np.arange(int(lens[0]))[:, None]).sum(axis=1).astype(np.int64)
    if order is None:
        return PackedSequence(pack_like(x, sizes, None), sizes)
    order = order.astype(np.int64)
    return PackedSequence(pack_like(x, sizes, order), sizes, order, np.argsort(order).astype(np.int64))


def pack_like(x, batch_sizes, sorted_indices):
    """The ``data`` of a packed batch from a padded (L, B, *) ``x`` in the caller's order, for
    the given ``batch_sizes`` and ``sorted_indices`` (None: already sorted)."""
    n = _shape(x)[1]
    cols = np.arange(n) if sorted_indices is None else np.asarray(sorted_indices)
    return _ops.concatenate([_ops.getitem(x, (t, cols[:int(b)]))
                             for t, b in enumerate(np.asarray(batch_sizes))])


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """``(padded, lengths)``: the inverse of :func:`pack_padded_sequence`, in the caller's batch
    order, padded with ``padding_value`` to the longest length (or ``total_length``, which may
    not be shorter)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}")
    sizes = np.asarray(sequence.batch_sizes).astype(np.int64)
    steps, n = len(sizes), int(sizes[0])
    length = steps if total_length is None else int(total_length)
    if length < steps:
        raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter than the "
                         f"longest sequence ({steps} steps)")
    data = sequence.data
    tail = _shape(data)[1:]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    rows = []
    for t in range(length):
        b = int(sizes[t]) if t < steps else 0
        part = _ops.getitem(data, slice(int(starts[t]), int(starts[t]) + b)) if b else None
        if b < n:
            fill = _ops.full((n - b,) + tail, padding_value, dtype=dtype_of(data))
            part = fill if part is None else _ops.concatenate([part, fill])
        rows.append(part)
    padded = _ops.stack(rows)  # (L, B, *) in the sorted order
    if sequence.unsorted_indices is not None:
        padded = _ops.take(padded, np.asarray(sequence.unsorted_indices), axis=1)
    return (_ops.swapaxes(padded, 0, 1) if batch_first else padded), sequence.lengths()


def pack_sequence(sequences: Sequence, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shapes (L_i, *): :func:`pad_sequence`, then
    :func:`pack_padded_sequence`."""
    seqs = list(sequences)
    lens = np.array([_shape(s)[0] if _shape(s) else 0 for s in seqs], dtype=np.int64)
    return pack_padded_sequence(pad_sequence(seqs), lens, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a :class:`PackedSequence` holds, in the caller's order."""
    padded, lens = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lens, batch_first=True)
