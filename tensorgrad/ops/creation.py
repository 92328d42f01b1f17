"""Array creation with NumPy's names, so ``tg`` serves as the array namespace (as ``jnp`` does).

``zeros``, ``ones``, ``empty``, ``eye``, ``identity``, ``tri`` and ``arange`` make
constants: plain NumPy arrays, which carry no gradient. ``full`` with a traced fill
value, and ``array``/``asarray`` of (nested) lists holding traced values, build a
traced array with registered ops (``broadcast_to``, ``stack``), so the gradient
reaches every value that went in, as ``jnp.array([x, y])`` does in JAX. Every creation
function takes the ``device=`` keyword of NumPy 2 and JAX, which changes nothing (arrays
live in host memory). The module also gives NumPy's constants and dtypes (``tg.pi``,
``tg.newaxis``, ``tg.float32``, ...).

PyTorch's forms work too: ``zeros``, ``ones`` and ``empty`` take the sizes as separate ints
(``tg.ones(2, 2)``) or as ``size=``, and then return what PyTorch returns, a constant tensor
(``tg.tril(tg.ones(n, n)).view(1, 1, n, n)``, ``tg.zeros(2, 3).add_(1)``); NumPy's forms
(``tg.ones((2, 2))``, ``tg.zeros(3)``) return NumPy's arrays. The creation functions take
``requires_grad=True``, which makes the result a leaf of the imperative tape
(``tg.ones(2, 2, requires_grad=True)``, as ``tg.tensor(..., requires_grad=True)``).
"""
from __future__ import annotations

import numpy as np

from ..hooks import TorchTypeError
from ..recording import IMPERATIVE, holds_traced, leaf_node, pack
from ..registry import function
from ..tensor import Tensor, torch_made
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import any_traced, concrete, dtype_of, is_staged, shape_of
from .elementwise import astype, saturating_cast
from .shape import broadcast_to, reshape

__all__ = ["zeros", "ones", "empty", "full", "eye", "identity", "tri", "arange", "array", "asarray"]

# NumPy's constants and dtypes under the same names
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, np.newaxis
CONSTANTS = ("pi", "e", "inf", "nan", "newaxis")  # (the dtype names: scalar_types.py)


def _constant(name: str, *values) -> None:
    """Sizes and ranges must be known numbers: refuse a value traced by a transform."""
    for v in values:
        if (isinstance(v, Tensor) and v._trace is not None) or is_staged(v):
            raise TypeError(f"{name}: its sizes and bounds must be concrete numbers, not a traced "
                            f"value (shape {shape_of(concrete(v))}); the array it makes is a "
                            "constant with no gradient")


def leaf(a: np.ndarray, who: str) -> Tensor:
    """``a`` (an array of the caller's own) as a leaf of the imperative tape that requires grad,
    as ``tg.tensor(a, requires_grad=True)``: floating or complex dtypes only, as PyTorch's."""
    if a.dtype.kind not in "fc":
        raise TorchTypeError(
            f"{who}(requires_grad=True): only floating-point and complex tensors can require "
            f"gradients, got dtype {a.dtype}; pass dtype=float or use float data")
    a.flags.writeable = False
    t = Tensor(a, IMPERATIVE)
    t._node = leaf_node(a, t)
    return t


def device_form(who: str, device) -> bool:
    """Whether a creation call names a ``device`` (PyTorch's form: ``torch.full((4,), 1.0,
    device=device)``, ``torch.zeros((B, T), device=x.device)``); only the CPU is available."""
    if device is None:
        return False
    shards = getattr(device, "device_set", None)  # (a JAX sharding: its devices' platforms)
    kinds = {str(getattr(d, "platform", None) or getattr(d, "type", None) or d).split(":")[0]
             for d in (shards if shards is not None else (device,))}
    if kinds != {"cpu"}:  # (a device of JAX's, of PyTorch's, of tensorgrad's, or its name)
        raise ValueError(f"{who}(): device {device!r} is not available; tensorgrad computes on "
                         "the CPU (device='cpu')")
    return True


def _made(a: np.ndarray, requires_grad: bool | None, who: str, torch_form: bool = False,
          device=None):
    """The new array: a leaf that requires grad, or in PyTorch's form (``zeros(2, 3)``, or any
    call given ``requires_grad=`` or ``device=``, keywords NumPy code does not pass) a constant
    tensor, as PyTorch returns (its methods, ``.view(...)``, ``.mul_(...)``, work); else
    NumPy's array."""
    on_device = device_form(who, device)
    if requires_grad:
        return leaf(a, who)
    return torch_made(a) if torch_form or on_device or requires_grad is not None else a


def _torch_sizes(size: tuple) -> bool:
    """PyTorch's sizes as separate ints, ``zeros(2, 3)`` (NumPy's second argument, a dtype, is
    never an int)."""
    return len(size) > 1 and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                 for n in size)


def _sizes(who: str, size: tuple, shape, dtype, order):
    """``(shape, dtype, order, torch_form)``: NumPy's positional ``(shape, dtype, order)``, or
    PyTorch's sizes as separate ints (``torch_form`` True)."""
    if shape is not None:
        if size:
            raise TypeError(f"{who}: got the shape both positionally and as shape=")
        return shape, dtype, order, False
    if not size:
        raise TypeError(f"{who}() missing the shape")
    if _torch_sizes(size):
        return tuple(size), dtype, order, True
    if len(size) > 3:
        raise TypeError(f"{who}: takes (shape, dtype, order) or sizes as ints, got {size!r}")
    return (*(size + (dtype, order)[len(size) - 1:])[:3], False)


@function
def zeros(*size, shape=None, dtype=float, order: str = "C", device=None, like=None,
          requires_grad: bool | None = None) -> Array:
    """An array of zeros (a constant): ``zeros(shape, dtype)``, or PyTorch's ``zeros(2, 3)``."""
    shape, dtype, order, torch_form = _sizes("zeros", size, shape, dtype, order)
    _constant("zeros", shape)
    return _made(np.zeros(shape, dtype=dtype, order=order), requires_grad, "zeros", torch_form, device)


@function
def ones(*size, shape=None, dtype=None, order: str = "C", device=None, like=None,
         requires_grad: bool | None = None) -> Array:
    """An array of ones (a constant): ``ones(shape, dtype)``, or PyTorch's ``ones(2, 3)``."""
    shape, dtype, order, torch_form = _sizes("ones", size, shape, dtype, order)
    _constant("ones", shape)
    return _made(np.ones(shape, dtype=dtype, order=order), requires_grad, "ones", torch_form, device)


@function
def empty(*size, shape=None, dtype=float, order: str = "C", device=None, like=None,
          requires_grad: bool | None = None) -> Array:
    """An array of zeros: tensorgrad never hands out uninitialized memory (NumPy's ``empty``;
    PyTorch's ``empty(2, 3)`` too)."""
    shape, dtype, order, torch_form = _sizes("empty", size, shape, dtype, order)
    _constant("empty", shape)
    return _made(np.zeros(shape, dtype=dtype, order=order), requires_grad, "empty", torch_form, device)


@function
def full(shape, fill_value: ArrayLike, dtype=None, order: str = "C", *, device=None,
         like=None, requires_grad: bool | None = None) -> Array:
    """``fill_value`` broadcast to ``shape``; a traced fill value keeps its gradient (the sum
    of the cotangent over the copies)."""
    _constant("full", shape)
    on_device = device_form("full", device)
    if requires_grad:
        return leaf(np.array(np.full(shape, concrete(fill_value), dtype=dtype, order=order)), "full")
    if any_traced(fill_value):
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        v = fill_value if dtype is None or dtype_of(concrete(fill_value)) == np.dtype(dtype) \
            else astype(fill_value, dtype)
        return broadcast_to(v, shape)
    return _made(np.full(shape, fill_value, dtype=dtype, order=order), requires_grad, "full", on_device)


@function
def eye(N: int, M: int | None = None, k: int = 0, dtype=float, order: str = "C", *, device=None,
        like=None, requires_grad: bool | None = None) -> Array:
    """The identity (ones on diagonal ``k``), a constant."""
    _constant("eye", N, M, k)
    return _made(np.eye(N, M, k, dtype=dtype, order=order), requires_grad, "eye", device=device)


@function
def identity(n: int, dtype=None, *, device=None, like=None) -> Array:
    """The n × n identity, a constant."""
    _constant("identity", n)
    return np.identity(n, dtype=dtype)


@function
def tri(N: int, M: int | None = None, k: int = 0, dtype=float, *, device=None, like=None) -> Array:
    """Ones at and below diagonal ``k``, a constant."""
    _constant("tri", N, M, k)
    return np.tri(N, M, k, dtype=dtype)


@function
def arange(start=None, stop=None, step=None, dtype=None, *, device=None, like=None,
           requires_grad: bool | None = None) -> Array:
    """Evenly spaced numbers (a constant; the bounds must be concrete numbers).
    ``arange(stop=n)`` starts at 0, as NumPy 2's."""
    if start is None:
        if stop is None:
            raise TypeError("arange() requires stop to be specified.")
        start, stop = 0, stop
    _constant("arange", start, stop, step)
    args = [a for a in (start, stop, step) if a is not None]
    if step is not None and stop is None:
        args = [0, start, step]
    return _made(np.arange(*args, dtype=dtype), requires_grad, "arange", device=device)


def _holds_traced(x) -> bool:
    return any_traced(x) or (isinstance(x, (list, tuple)) and holds_traced(x))


@function
def array(object, dtype=None, *, copy: bool = True, order: str = "K", subok: bool = False,
          ndmin: int = 0, device=None, like=None) -> Array:
    """An array from ``object``, as NumPy's ``array``; a (nested) list holding traced values is
    stacked with registered ops, so each value keeps its gradient (``jnp.array([x, y])``)."""
    device_form("array", device)  # (the CPU, the only device: checked, NumPy's form kept)
    if not _holds_traced(object):
        object = _saturated(object, dtype) if copy is not False else object  # (NumPy raises there)
        return np.array(object, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    out = object if any_traced(object) else pack(object, "array")
    if copy and out is object and type(out) is Tensor and out._trace is IMPERATIVE:
        # an imperative tensor takes in-place updates (t += v): a copy is another object
        out = reshape(out, shape_of(concrete(out)))
    if dtype is not None and dtype_of(concrete(out)) != np.dtype(dtype):
        out = astype(out, dtype)
    s = shape_of(concrete(out))
    if len(s) < ndmin:
        out = reshape(out, (1,) * (ndmin - len(s)) + s)
    return out


@function
def asarray(a, dtype=None, order: str | None = None, *, copy: bool | None = None, device=None,
            like=None) -> Array:
    """``a`` as an array (NumPy's ``asarray``); Tensors and traced lists as :func:`array` does."""
    device_form("asarray", device)  # (as array's)
    if not _holds_traced(a):
        return np.asarray(_saturated(a, dtype) if copy is not False else a, dtype=dtype, order=order,
                          copy=copy)
    return array(a, dtype=dtype, copy=bool(copy))


def _python_numbers(a, inside: bool = False) -> bool:
    """Whether ``a`` is a Python number or a (nested) list or tuple of numbers (Python's or
    NumPy's scalars) only: NumPy converts those one by one, raising for a NaN, an infinity or
    an integer out of range. (A NumPy scalar alone is cast as an array: saturated.)"""
    if type(a) in (list, tuple):
        return all(_python_numbers(v, True) for v in a)
    if isinstance(a, np.generic):
        return inside
    return isinstance(a, (int, float, complex))


def _saturated(a, dtype):
    """``a``, its floats cast to an integer ``dtype`` with saturation (see
    :func:`~tensorgrad.ops.elementwise.saturating_cast`), where NumPy's cast is undefined."""
    if dtype is None or is_staged(a) or np.dtype(dtype).kind not in "iu" or _python_numbers(a):
        return a  # (Python numbers and lists: NumPy raises for NaN, ±inf and out of range, as JAX)
    v = np.asarray(a)
    return saturating_cast(v, dtype) if v.dtype.kind == "f" else a
