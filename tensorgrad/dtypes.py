"""``jax.dtypes``'s names on NumPy's dtypes: ``tg.dtypes.float0``, ``canonicalize_dtype``,
``result_type``, ``issubdtype``, ``scalar_type_of``, ``finfo``, ``iinfo``.

tensorgrad computes in the dtypes NumPy gives (64-bit by default, as JAX with
``jax_enable_x64``), so canonicalizing a dtype only normalizes its spelling.
"""
from typing import Any

import numpy as np

from .transform_parts import FLOAT0 as float0

__all__ = ["float0", "canonicalize_dtype", "result_type", "issubdtype", "scalar_type_of",
           "finfo", "iinfo", "itemsize_bits", "TypePromotionError"]

finfo = np.finfo
iinfo = np.iinfo
issubdtype = np.issubdtype


class TypePromotionError(ValueError):
    """JAX's error for a refused type promotion. tensorgrad promotes as NumPy does and refuses
    nothing, so it never raises this; it exists for code that catches it."""


def canonicalize_dtype(dtype: Any, allow_extended_dtype: bool = False) -> np.dtype:
    """``dtype`` as a NumPy dtype (Python ``int`` → int64, ``float`` → float64, ``complex`` →
    complex128, strings parsed): the dtypes tensorgrad computes in."""
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"canonicalize_dtype: {dtype!r} is not a dtype") from exc


def result_type(*args: Any, return_weak_type_flag: bool = False):
    """The dtype NumPy's promotion gives ``args`` (values or dtypes; Python numbers are weak, as
    in JAX). With ``return_weak_type_flag``, ``(dtype, weak)``: weak when every argument is a
    Python int, float or complex."""
    if not args:
        raise ValueError("result_type: at least one argument is required")
    dt = np.result_type(*args)
    if return_weak_type_flag:
        weak = all(type(a) in (int, float, complex) for a in args)
        return dt, weak
    return dt


def scalar_type_of(x: Any) -> type:
    """The Python scalar type of ``x``'s dtype: ``bool``, ``int``, ``float`` or ``complex``."""
    dt = np.dtype(x.dtype) if hasattr(x, "dtype") else np.result_type(x)
    kind = dt.kind
    if kind == "b":
        return bool
    if kind in "iu":
        return int
    if kind == "f":
        return float
    if kind == "c":
        return complex
    raise TypeError(f"scalar_type_of: no Python scalar type for dtype {dt}")


def itemsize_bits(dtype: Any) -> int:
    """The number of bits one element of ``dtype`` takes."""
    return np.dtype(dtype).itemsize * 8
