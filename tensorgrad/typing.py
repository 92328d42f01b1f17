"""Type aliases for the public API."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from .tensor import Tensor  # defined before the ops (which import this) load

#: Anything an op accepts as an array: a Tensor, an ndarray, a NumPy or Python scalar.
ArrayLike = Union[Tensor, np.ndarray, np.generic, float, int, bool, Sequence]
#: What an op returns: an ndarray when nothing records, a Tensor otherwise.
Array = Union[Tensor, np.ndarray]
#: An axis argument, as in NumPy.
Axis = Union[None, int, Sequence[int]]
Shape = Union[int, Sequence[int]]

__all__ = ["ArrayLike", "Array", "Axis", "Shape"]
