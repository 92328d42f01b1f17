"""NumPy's scalar types under tensorgrad's names, callable on traced values (``jnp.float32(x)``).

``tg.float32`` is NumPy's ``float32`` wherever a dtype is read: ``dtype=tg.float32``,
``np.dtype(tg.float32)``, ``x.astype(tg.float32)``, ``np.issubdtype``, ``isinstance``, and
it compares and hashes equal to ``np.float32``. Called on plain values it *is*
``np.float32(...)`` (a NumPy scalar, or an array for an array).

Called on a traced value (a Tensor of a transform or of the imperative tape, a value
``tg.jit`` is tracing, or a list holding one), NumPy's conversion would take the value off
the tape, which tensorgrad refuses. There the call is the cast JAX makes of
``jnp.float32(x)``: ``tg.asarray(x, dtype=float32)``, which keeps the gradient (to a
floating type; an integer or boolean result is a constant).
"""
from __future__ import annotations

import numpy as np

from .creation import _holds_traced, asarray

__all__ = ["scalar_type"]


class ScalarType(type):
    """The metaclass of tensorgrad's scalar types: each stands for one NumPy scalar type."""

    numpy: type
    dtype: np.dtype

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs and _holds_traced(args[0]):  # (NumPy's call would drop it)
            return asarray(args[0], dtype=cls.dtype)
        out = cls.numpy(*args, **kwargs)
        if len(args) == 1 and type(out) is np.ndarray and np.may_share_memory(out, args[0]):
            # (NumPy hands back an array of the dtype already, or a view of it; JAX's
            # jnp.float32(a) is a new array, so x = jnp.float32(a); x += 1 leaves a alone)
            out = out.copy()
        return out

    def __eq__(cls, other):
        if type(other) is ScalarType:
            return other.numpy is cls.numpy
        if other is cls.numpy:
            return True
        return NotImplemented  # (a dtype answers for itself: np.dtype("f4") == tg.float32)

    def __ne__(cls, other):
        eq = ScalarType.__eq__(cls, other)
        return eq if eq is NotImplemented else not eq

    def __hash__(cls):
        return hash(cls.numpy)

    def __instancecheck__(cls, x) -> bool:
        return isinstance(x, cls.numpy)

    def __subclasscheck__(cls, c) -> bool:
        return issubclass(c.numpy if type(c) is ScalarType else c, cls.numpy)

    def __repr__(cls) -> str:
        return f"<class 'tensorgrad.{cls.__name__}'>"


_MADE: dict = {}


def scalar_type(t: type) -> ScalarType:
    """tensorgrad's scalar type standing for NumPy's ``t`` (one per NumPy type: the aliases
    ``tg.double`` and ``tg.float64`` are one object, as in NumPy)."""
    made = _MADE.get(t)
    if made is None:
        name = t.__name__
        made = _MADE[t] = ScalarType(name, (), {
            "numpy": t, "dtype": np.dtype(t), "__module__": "tensorgrad", "__qualname__": name,
            "__doc__": f"NumPy's ``{name}``; called on a traced value, a cast that keeps its "
                       f"gradient (``tg.asarray(x, dtype={name})``), as ``jax.numpy.{name}``."})
    return made


# the sized types, then NumPy 2's aliases for them (the same objects, as in NumPy)
float16, float32, float64 = scalar_type(np.float16), scalar_type(np.float32), scalar_type(np.float64)
int8, int16, int32, int64 = (scalar_type(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (scalar_type(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
bool_ = scalar_type(np.bool_)
float_, double, single, half = float64, float64, float32, float16
int_, uint = scalar_type(np.int_), scalar_type(np.uint)
byte, ubyte, short, ushort = (scalar_type(t) for t in (np.byte, np.ubyte, np.short, np.ushort))
intc, uintc, intp, uintp = (scalar_type(t) for t in (np.intc, np.uintc, np.intp, np.uintp))
long, ulong, longlong, ulonglong = (scalar_type(t) for t in (np.long, np.ulong, np.longlong,
                                                               np.ulonglong))

__all__ += ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
            "uint32", "uint64", "bool_", "float_", "double", "single", "half", "int_", "uint",
            "byte", "ubyte", "short", "ushort", "intc", "uintc", "intp", "uintp", "long", "ulong",
            "longlong", "ulonglong"]
