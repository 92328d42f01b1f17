"""PyTorch's ``torch.utils.data.distributed.DistributedSampler`` for one process.

Each of ``num_replicas`` ranks iterates over every ``num_replicas``-th index of the dataset's
index list, starting at its ``rank``: the list is padded by repeating its first indices until
its length divides evenly (or, with ``drop_last=True``, cut to the largest multiple of
``num_replicas``), so every rank gets ``len(sampler)`` indices. With ``shuffle=True`` the list
is a permutation drawn from ``seed + epoch`` (``set_epoch(e)`` before each epoch gives a new
one, the same on every rank). tensorgrad runs in one process, so ``num_replicas`` defaults to
1 and ``rank`` to 0; passing them gives the partition another process of that rank would
iterate. The shuffled permutations are NumPy's (``numpy.random.default_rng(seed + epoch)``),
not PyTorch's numbers; without shuffling the indices are PyTorch's exactly.
"""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from .data import Sampler

__all__ = ["DistributedSampler"]


def _whole(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"DistributedSampler: {name} must be an int, got {v!r}")
    return int(v)


class DistributedSampler(Sampler):
    """The share of ``dataset``'s indices that replica ``rank`` of ``num_replicas`` reads."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        num_replicas = 1 if num_replicas is None else _whole("num_replicas", num_replicas)
        rank = 0 if rank is None else _whole("rank", rank)
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if rank < 0 or rank >= num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = bool(shuffle), _whole("seed", seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            order = list(range(n))
        if self.drop_last:
            order = order[:self.total_size]
        elif order:
            missing = self.total_size - len(order)
            order += (order * math.ceil(missing / len(order)))[:missing]
        if len(order) != self.total_size:
            raise RuntimeError(f"DistributedSampler: {len(order)} indices for a total size of "
                               f"{self.total_size}")
        mine = order[self.rank:self.total_size:self.num_replicas]
        return iter(mine)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch that, with ``seed``, draws the next shuffle (call before each epoch)."""
        self.epoch = _whole("epoch", epoch)
