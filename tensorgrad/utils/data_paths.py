"""PyTorch's import paths inside ``torch.utils.data`` (``torch.utils.data.dataset``,
``.dataloader``, ``.sampler``, ``.distributed``) for :mod:`tensorgrad.utils.data`.

``tensorgrad.utils.data`` is one module, not a package, so these four are small module objects
holding the very classes and functions of :mod:`tensorgrad.utils.data` (and
:class:`~tensorgrad.utils.data_distributed.DistributedSampler`), registered in ``sys.modules``
under PyTorch's dotted names and set as attributes of ``tensorgrad.utils.data``, the way
``tensorgrad`` makes ``tg.autograd``'s and ``tg.scipy``'s namespaces importable. Importing
:mod:`tensorgrad.utils` does it.
"""
from __future__ import annotations

import sys
from types import ModuleType

from . import data, data_distributed

__all__ = ["PARTS"]

PARTS = {
    "dataset": ("Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
                "ChainDataset", "Subset", "random_split"),
    "dataloader": ("DataLoader", "get_worker_info", "default_collate", "default_convert"),
    "sampler": ("BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
                "SubsetRandomSampler", "WeightedRandomSampler"),
}

for _part, _names in PARTS.items():
    _mod = ModuleType(f"{data.__name__}.{_part}",
                      f"torch.utils.data.{_part}'s import path: {', '.join(_names)} "
                      f"(the objects of tensorgrad.utils.data).")
    for _n in _names:
        setattr(_mod, _n, getattr(data, _n))
    _mod.__all__ = list(_names)
    sys.modules.setdefault(_mod.__name__, _mod)
    setattr(data, _part, sys.modules[_mod.__name__])
sys.modules.setdefault(f"{data.__name__}.distributed", data_distributed)
data.distributed = data_distributed
data.DistributedSampler = data_distributed.DistributedSampler
del _part, _names, _mod, _n
