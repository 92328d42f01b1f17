"""PyTorch's ``torch.utils.data`` on NumPy: datasets, samplers and a ``DataLoader``.

* :class:`Dataset` (``__getitem__`` and ``__len__``; ``a + b`` concatenates),
  :class:`TensorDataset` (samples are the i-th rows of the arrays given), :class:`Subset`,
  :class:`ConcatDataset`, :class:`StackDataset` and :func:`random_split` (lengths, or
  fractions summing to 1); :class:`IterableDataset` (``__iter__``) and :class:`ChainDataset`;
* :class:`SequentialSampler`, :class:`RandomSampler`, :class:`SubsetRandomSampler`,
  :class:`WeightedRandomSampler` and :class:`BatchSampler`;
* :class:`DataLoader`: batches of ``batch_size`` samples, shuffled at each pass with
  ``shuffle=True``, the last short one dropped with ``drop_last=True``, put together by
  :func:`default_collate` (arrays stacked on a new first axis, dicts, tuples and lists
  collated entry by entry, numbers made arrays) or by ``collate_fn``.

Batches are NumPy arrays, as tensorgrad's models take; a dataset of tensors
(``TensorDataset(tg.tensor(x), tg.tensor(y))``) gives tensors, as PyTorch's does, so
PyTorch's loop code (``xb.view(-1, 1, 28, 28)``, ``yb.size(0)``) runs unchanged. Randomness comes from ``generator``:
a ``numpy.random.Generator`` (``tg.Generator()``) or an int seed; without one each pass draws
from the default stream ``tg.manual_seed`` starts (one per thread), as PyTorch's draw from the
generator ``torch.manual_seed`` seeds. ``num_workers``,
``pin_memory``, ``timeout``, ``prefetch_factor`` and ``persistent_workers`` are accepted and
change nothing (one process).
"""
from __future__ import annotations

import bisect
import math
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from ..nn import init as _init
from ..tensor import Tensor, torch_made, torch_style

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler", "IterableDataset", "ChainDataset", "StackDataset",
           "DataLoader", "default_collate", "default_convert", "get_worker_info"]


def _rng(generator) -> np.random.Generator:
    if generator is None:  # (the default stream, which tg.manual_seed starts)
        return _init._gen("DataLoader", None)
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be a numpy.random.Generator or an int seed, got "
                    f"{type(generator).__name__}")


def _count(who: str, name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {v!r}")
    return int(v)


class Dataset:
    """A map-style dataset: ``dataset[i]`` is the i-th sample, ``len(dataset)`` their number."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are ``(a[i], b[i], ...)`` for the arrays (or tensors) given, which share their
    first axis."""

    def __init__(self, *tensors):
        # (np.asarray refuses a tensor that requires grad or is traced: data carries no gradient)
        arrays = [np.asarray(t) for t in tensors]
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        if any(a.ndim == 0 for a in arrays) or len({a.shape[0] for a in arrays}) != 1:
            raise ValueError(f"TensorDataset: the arrays must share their first axis, got shapes "
                             f"{[a.shape for a in arrays]}")
        self.tensors = tuple(arrays)
        # (given as tensors: samples and batches are tensors too, as PyTorch's, with their
        # kind: PyTorch's methods and meanings for tg.tensor's, JAX's for tensorgrad.numpy's)
        self._as_tensors = tuple(("torch" if torch_style(t) else True) if isinstance(t, Tensor)
                                 else False for t in tensors)

    def __getitem__(self, index):
        return tuple(_sample(a[index], t) for a, t in zip(self.tensors, self._as_tensors))

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in np.asarray(index).tolist()]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of each dataset in turn."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be empty")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        index %= n
        k = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[k][index - (self.cumulative_sizes[k - 1] if k else 0)]


class IterableDataset(Dataset):
    """PyTorch's iterable-style dataset: define ``__iter__`` (the samples in order); a
    :class:`DataLoader` batches them as they come (no shuffling, no sampler)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other) -> "ChainDataset":
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of each iterable dataset in turn (PyTorch's ``ChainDataset``)."""

    def __init__(self, datasets: Iterable):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class StackDataset(Dataset):
    """PyTorch's ``StackDataset``: sample i is the tuple of the i-th samples of the datasets
    given by position, or the dict of those given by name; they must have one length."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: give the datasets by position or by name, not both")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        self.datasets = args or kwargs
        sizes = {len(d) for d in (args or kwargs.values())}
        if len(sizes) != 1:
            raise ValueError("StackDataset: size mismatch between datasets")
        self._length = sizes.pop()

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def get_worker_info():
    """PyTorch's: None in the main process, which is where tensorgrad's loader always runs."""
    return None


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list[Subset]:
    """PyTorch's: ``dataset`` split at random into :class:`Subset`s of the given lengths, or
    of the given fractions (summing to 1; the remainder goes one by one to the first
    subsets, as PyTorch's)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1.0 + 1e-12:
        for i, f in enumerate(lengths):  # fractions (PyTorch's rule: they sum to 1)
            if not 0 <= f <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n or any(v < 0 for v in lengths):
        raise ValueError(f"random_split: the lengths {lengths} must be non-negative and sum to "
                         f"the dataset's {n} samples (or be fractions summing to 1)")
    order = _rng(generator).permutation(n).tolist()
    out, start = [], 0
    for v in lengths:
        out.append(Subset(dataset, order[start:start + v]))
        start += v
    return out


class Sampler:
    """Iterates over dataset indices."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new permutation at each pass (``replacement=True``: ``num_samples`` draws with
    replacement)."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None):
        if not isinstance(replacement, bool):  # (PyTorch's check and message)
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement!r}")
        self.data_source, self.replacement = data_source, replacement
        self._num = None if num_samples is None else _count("RandomSampler", "num_samples", num_samples)
        self.generator = _rng(generator) if generator is not None else None

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num is None else self._num

    def __iter__(self):
        rng = self.generator if self.generator is not None else _rng(None)
        n = len(self.data_source)
        if self.replacement:
            return iter(rng.integers(0, n, self.num_samples).tolist())
        reps = -(-self.num_samples // n) if n else 0
        order = np.concatenate([rng.permutation(n) for _ in range(reps)]) if reps else np.zeros(0, int)
        return iter(order[:self.num_samples].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order at each pass."""

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices = list(indices)
        self.generator = _rng(generator) if generator is not None else None

    def __iter__(self):
        rng = self.generator if self.generator is not None else _rng(None)
        return iter([self.indices[i] for i in rng.permutation(len(self.indices))])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    replacement unless ``replacement=False``), anew at each pass."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None):
        w = np.asarray(weights, dtype=float)
        if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError("WeightedRandomSampler: weights must be a 1-D sequence of finite, "
                             f"non-negative numbers with a positive sum, got {weights!r}")
        self.weights, self.replacement = w, bool(replacement)
        self.num_samples = _count("WeightedRandomSampler", "num_samples", num_samples)
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {self.num_samples} samples "
                             f"without replacement from {np.count_nonzero(w)} with a weight")
        self.generator = _rng(generator) if generator is not None else None

    def __iter__(self):
        rng = self.generator if self.generator is not None else _rng(None)
        p = self.weights / self.weights.sum()
        return iter(rng.choice(len(p), self.num_samples, replace=self.replacement, p=p).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless
    ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool):
        if not isinstance(drop_last, (bool, np.bool_)):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, got {drop_last!r}")
        self.sampler, self.drop_last = sampler, bool(drop_last)
        self.batch_size = _count("BatchSampler", "batch_size", batch_size)

    def __iter__(self):
        batch: list = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _sample(v, as_tensor):
    """A dataset's sample ``v`` (an array's row), as a tensor (constant) if the dataset was
    given tensors: PyTorch's kind (``as_tensor`` "torch") or tensorgrad.numpy's."""
    if not as_tensor:
        return v
    return torch_made(np.asarray(v)) if as_tensor == "torch" else Tensor(np.asarray(v))


def _like(first, values: np.ndarray) -> Tensor:
    """``values`` as a constant tensor of ``first``'s kind (PyTorch's methods, or JAX's)."""
    return torch_made(values) if torch_style(first) else Tensor(values)


def _alike(fields: list) -> list:
    """A sample's collated fields: if one is a tensor, the arrays among the others (labels
    given as numbers, say) become tensors too, as PyTorch's loader gives all of them."""
    first = next((f for f in fields if isinstance(f, Tensor)), None)
    if first is not None:
        return [_like(first, f) if type(f) is np.ndarray else f for f in fields]
    return fields


def _stacked(batch) -> np.ndarray:
    arrays = [np.asarray(b) for b in batch]
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:  # (PyTorch's message)
            raise RuntimeError(f"default_collate: stack expects each array to be equal size, but "
                               f"got {list(arrays[0].shape)} at entry 0 and {list(a.shape)} at "
                               f"entry {i}; give the DataLoader a collate_fn for samples of "
                               "different shapes")
    return np.stack(arrays)


def default_collate(batch: list) -> Any:
    """PyTorch's rule on NumPy: arrays stacked on a new first axis (tensors into a tensor),
    numbers made a 1-D array, dicts collated entry by entry, tuples and lists into a list of
    the collated entries (a namedtuple stays one), strings and bytes kept as a list."""
    first = batch[0]
    if isinstance(first, Tensor):  # (np.asarray refuses one that requires grad, as PyTorch)
        return _like(first, _stacked(batch))
    if isinstance(first, (np.ndarray, np.generic)):
        return _stacked(batch)
    if isinstance(first, (bool, int, float, complex)):
        return np.asarray(batch)
    if isinstance(first, (str, bytes)):
        return batch  # (as PyTorch: the list of samples, or a tuple when it came from one)
    if isinstance(first, dict):
        fields = {k: default_collate([b[k] for b in batch]) for k in first}
        out = dict(zip(fields, _alike(list(fields.values()))))
        try:  # (an OrderedDict stays one, as in PyTorch)
            return out if type(first) is dict else type(first)(out)
        except TypeError:
            return out
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*_alike([default_collate(s) for s in zip(*batch)]))
    if isinstance(first, (tuple, list)):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("default_collate: each sample in the batch must have the same "
                               "number of entries")
        return _alike([default_collate(s) for s in zip(*batch)])  # (a list, as PyTorch's)
    raise TypeError(f"default_collate: samples must be arrays, numbers, strings, dicts, lists "
                    f"or tuples; got {type(first).__name__}")


def default_convert(data: Any) -> Any:
    """PyTorch's conversion of one sample when batching is off (``batch_size=None``): arrays
    and numbers as they are (tensorgrad's batches are arrays), a tuple made a list (a
    namedtuple kept), lists and dicts converted entry by entry."""
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    if isinstance(data, dict):
        out = {k: default_convert(v) for k, v in data.items()}
        return out if type(data) is dict else type(data)(out)
    return data


class DataLoader:
    """PyTorch's ``DataLoader``: iterating gives batches of ``dataset``'s samples (see the
    module's description). With ``batch_size=None`` it gives the samples one by one."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True):
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        self.dataset, self.num_workers, self.drop_last = dataset, num_workers, bool(drop_last)
        self.batch_size = None if batch_size is None else _count("DataLoader", "batch_size", batch_size)
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:  # (PyTorch's messages)
            for name, v in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if v:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} "
                                     f"option, but got {name}={v!r}")
            self.sampler = self.batch_sampler = None
            self.collate_fn = collate_fn if collate_fn is not None else (
                default_collate if self.batch_size is not None else default_convert)
            return
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and self.batch_size is not None:
            batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)

    def _iterate(self):
        """The batches of an iterable dataset: its samples as they come, ``batch_size`` at a
        time (the last short batch kept unless ``drop_last``)."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __iter__(self):
        if self._iterable:
            yield from self._iterate()
            return
        if self.batch_sampler is None:
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])
            return
        # a TensorDataset's own samples (not a subclass's __getitem__): the rows at once
        fast = type(self.dataset).__getitem__ is TensorDataset.__getitem__ \
            and self.collate_fn is default_collate
        for idx in self.batch_sampler:
            if fast:
                rows = np.asarray(idx, dtype=np.intp)
                yield [_sample(a[rows], t) for a, t in zip(self.dataset.tensors,
                                                           self.dataset._as_tensors)]
            else:
                yield self.collate_fn([self.dataset[i] for i in idx])

    def __len__(self) -> int:
        if self._iterable:  # (a TypeError when the dataset has no length, as in PyTorch)
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
