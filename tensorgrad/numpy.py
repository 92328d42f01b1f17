"""``import tensorgrad.numpy as jnp``: tensorgrad's NumPy namespace as jax.numpy presents it,
so that code written for JAX ports by changing its imports.

Every attribute is the top-level ``tensorgrad`` one of that name, with one difference that
JAX code relies on: where a NumPy-namespace function would return a NumPy array (or a NumPy
scalar), the ``jnp`` one returns a constant :class:`~tensorgrad.Tensor` of it, as jax.numpy
returns ``jax.Array``\\ s. So JAX's idioms on freshly made arrays work, in and outside the
transforms: ``jnp.zeros(3).at[0].set(1.0)``, ``jnp.zeros_like(x).at[i].add(v)`` inside
``tg.grad``, ``jnp.arange(4.0).at[::2].multiply(2)``. Traced values pass through unchanged.
As JAX's arrays, such results never share memory with the caller's NumPy arrays (a view of
one, ``jnp.asarray(a)`` or ``jnp.reshape(a, ...)``, is copied), so later writes to ``a``
do not reach them. ``jnp.linalg`` and ``jnp.fft`` (also importable as
``tensorgrad.numpy.linalg`` and ``tensorgrad.numpy.fft``) do the same. ``tg.sum``,
``tg.zeros``, ... keep NumPy's convention: arrays in, arrays out.

``jnp.ndarray`` is the type of every array value tensorgrad works with (NumPy arrays,
Tensors, values ``tg.jit`` traces), for ``isinstance``.
"""
from __future__ import annotations

import functools
import inspect
import sys
import types

import numpy as np

from . import fft as _fft_module
from . import linalg as _linalg_module
from . import numpy_jax as _jax_meaning
from .nan_quiet import NAN_REDUCTIONS, quiet_nan_warnings
from .ops.creation import device_form
from .ops.decompositions import _symmetrized
from .numpy_ufunc import ComplexWarning, from_dlpack, frompyfunc, ufunc  # noqa: F401  (jnp.*)
from .staging import Staged
from .tensor import Tensor
from .tensor_torch_more import each_result


class _ArrayType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, (np.ndarray, np.generic, Tensor, Staged))

    def __subclasscheck__(cls, sub) -> bool:
        return isinstance(sub, type) and issubclass(sub, (np.ndarray, np.generic, Tensor, Staged))


class ndarray(metaclass=_ArrayType):
    """``jnp.ndarray`` (JAX's array type) for ``isinstance`` checks and annotations: a NumPy
    array or scalar, a tensorgrad Tensor, or a value ``tg.jit`` traces is one. Not
    instantiable: make arrays with ``jnp.array``, ``jnp.zeros``, ..."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("jnp.ndarray is a type for isinstance checks; make arrays with "
                        "jnp.array, jnp.zeros, ... (as in JAX)")


# the functions whose results become tensors: tensorgrad's NumPy namespace (its registry ops
# and NumPy-named functions, NumPy's own re-exported ones, PyTorch's names NumPy lacks);
# transforms, tree utilities, devices and the like are handed over as they are
# (the registry's ops say they are tensorgrad's own: that name exactly; the others with submodules)
_ARRAY_MODULES = ("tensorgrad.ops", "tensorgrad.torch_functions", "tensorgrad.linalg",
                  "tensorgrad.linalg_torch", "tensorgrad.fft", "numpy")
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, type(np.concatenate))


# arguments that cannot hand over memory of the caller's (a NumPy array can: it is checked)
_OWN = (Tensor, Staged, int, float, complex, bool, str, type(None), np.generic, np.dtype, type,
        slice, type(Ellipsis))


def _arrays_in(args, kwargs) -> list | None:
    """The NumPy arrays among a call's arguments (and one level inside lists and tuples), or
    None when an argument may be some other array-like (a memoryview, an object with
    ``__array__``, ...), whose memory a result may then share unseen."""
    out = []
    for a in (*args, *kwargs.values()):
        for v in (a if isinstance(a, (list, tuple)) else (a,)):
            if isinstance(v, np.ndarray):
                out.append(v)
            elif not isinstance(v, _OWN) and not callable(v):
                return None
    return out


def _as_tensor(v, inputs: list | None, name: str = "", first=None):
    """One result entry as JAX gives it: a NumPy array or scalar of numbers becomes a
    constant Tensor, copied unless it is new memory: it owns its data and is none of the
    input arrays (``inputs``; None: an input may be any array-like, so always copied)."""
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "OUSV":  # (not a JAX value: jax.numpy refuses to make one)
            raise TypeError(f"{name or 'tensorgrad.numpy'}: the result would be an array of "
                            f"dtype {v.dtype} (from a value of type "
                            f"{type(first).__name__}); tensorgrad.numpy's arrays, as "
                            "jax.numpy's, hold numbers only")
        if inputs is None or not v.flags.owndata or any(v is a for a in inputs):
            v = v.copy()
        return Tensor(v if type(v) is np.ndarray else v.view(np.ndarray))
    if isinstance(v, (np.number, np.bool_)):
        return Tensor(np.asarray(v))
    if isinstance(v, list):
        return [_as_tensor(x, inputs, name, first) for x in v]
    if isinstance(v, tuple):
        return each_result(lambda x: _as_tensor(x, inputs, name, first), v)
    return v


_UFUNC_METHODS = ("outer", "reduce", "accumulate", "reduceat", "at")


def _takes(fn) -> tuple[bool, bool]:
    """Whether ``fn`` takes NumPy's ``where=`` mask (a parameter of its own, or a ufunc's
    keywords beside ``out=``), so that JAX's ``where=None``, no mask, is dropped before it;
    a function handing its keywords on (``apply_along_axis``, ``piecewise``, ``savez``) keeps
    it, as the caller's. And whether it takes ``device=``, which JAX's creation functions
    take as a device or sharding: checked to be the CPU and dropped (to ``tg.zeros`` it would
    ask for PyTorch's form)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False, False
    return "where" in params or "out" in params, "device" in params


def _jax_function(fn, returns_function: bool = False, where: str = "", name: str = ""):
    """``fn`` returning tensors where it returns NumPy arrays (``returns_function``: ``fn``
    makes a function, ``vectorize``'s, which is wrapped so). A ufunc's methods (``outer``,
    ``reduce``, ``accumulate``, ``at``, ...) are wrapped too."""

    strips, on_device = _takes(fn)
    quiet = (name or getattr(fn, "__name__", "")) in NAN_REDUCTIONS

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs.get("copy") is False:  # (JAX's arrays are immutable: copy=False never raises)
            kwargs = {**kwargs, "copy": None}
        if strips and "where" in kwargs and kwargs["where"] is None:  # (JAX's: no mask; NumPy's
            kwargs = {k: v for k, v in kwargs.items() if k != "where"}  # None is a mask)
        if on_device and "device" in kwargs:
            device_form(name or getattr(fn, "__name__", "tensorgrad.numpy"), kwargs["device"])
            kwargs = {k: v for k, v in kwargs.items() if k != "device"}
        if quiet:  # (JAX's NaN for an all-NaN or empty slice comes without NumPy's warning)
            with quiet_nan_warnings():
                r = fn(*args, **kwargs)
        else:
            r = fn(*args, **kwargs)
        if returns_function:
            return _jax_function(r)
        return _as_tensor(r, _arrays_in(args, kwargs), name or getattr(fn, "__name__", ""),
                          args[0] if args else None)
    call.__wrapped__ = fn
    if where:  # (pickled by reference: tensorgrad.numpy.tanh, tensorgrad.numpy.add.outer, ...)
        call.__module__, call.__qualname__ = where, name
    for k in _UFUNC_METHODS:
        method = getattr(fn, k, None)
        if isinstance(method, _FUNCTION_TYPES):
            setattr(call, k, _jax_function(method, where=where, name=f"{name}.{k}" if where else ""))
    return call


def isscalar(element) -> bool:
    """JAX's ``jnp.isscalar``: True for a Python or NumPy scalar and for any 0-d array
    (a Tensor, a traced value), where NumPy's is False for arrays."""
    if isinstance(element, (np.ndarray, Tensor, Staged)):
        return np.ndim(element) == 0 if not isinstance(element, Tensor) else element.ndim == 0
    return bool(np.isscalar(element))


class _JaxIndexer:
    """``jnp.r_``, ``c_``, ``mgrid``, ``ogrid``: NumPy's index tricks, results as tensors."""

    def __init__(self, base):
        self._base = base

    def __getitem__(self, key):
        return _as_tensor(self._base[key], [])

    def __repr__(self) -> str:
        return f"jnp-style {self._base!r}"


def _is_array_function(value) -> bool:
    if not isinstance(value, _FUNCTION_TYPES):
        return False
    module = getattr(value, "__module__", None) or ""
    return module == "tensorgrad" or any(module == m or module.startswith(m + ".") for m in _ARRAY_MODULES)


def _namespace_getattr(source, cache: dict, label: str):
    """A module ``__getattr__`` serving ``source``'s attributes, its array functions wrapped
    (once per function: ``jnp.sum is jnp.sum``)."""

    def get(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            value = getattr(source(), name)
        except AttributeError:
            raise AttributeError(f"module {label!r} has no attribute {name!r} (nor has "
                                 "tensorgrad)") from None
        # (jax.numpy's meaning on any argument: not PyTorch's on its tensors, tensorgrad.flavor)
        value = getattr(value, "numpy_meaning", value)
        hit = cache.get(name)
        if hit is not None and hit[0] is value:
            return hit[1]
        if _is_array_function(value):
            wrapped = _jax_function(value, name == "vectorize", label, name)
        elif name in ("r_", "c_", "mgrid", "ogrid"):
            wrapped = _JaxIndexer(value)
        else:
            return value
        cache[name] = (value, wrapped)
        return wrapped
    return get


def _package():
    return sys.modules[__name__.rpartition(".")[0]]


def _submodule(name: str, source: types.ModuleType) -> types.ModuleType:
    """``jnp.linalg`` / ``jnp.fft``: ``source``'s functions, results as tensors."""
    full = f"{__name__}.{name}"
    mod = types.ModuleType(full, f"``{source.__name__}`` with jax.numpy's array results "
                                 "(see ``tensorgrad.numpy``).")
    mod.__getattr__ = _namespace_getattr(lambda: source, {}, full)
    mod.__dir__ = lambda: sorted(dir(source))
    sys.modules.setdefault(full, mod)
    return mod


linalg = _submodule("linalg", _linalg_module)


def _symmetrizing(name: str):
    """``tensorgrad.linalg.<name>`` with ``jax.numpy.linalg``'s default
    ``symmetrize_input=True``: of ``(a + aᴴ)/2`` (NumPy reads one triangle)."""
    fn = getattr(_linalg_module, name)

    @functools.wraps(fn)
    def jax_default(*args, symmetrize_input: bool = True, **kwargs):
        return fn(*args, symmetrize_input=symmetrize_input, **kwargs)
    return _jax_function(jax_default, False, linalg.__name__, name)


def _hermitian_symmetrized(name: str):
    """``tensorgrad.linalg.<name>`` as ``jax.numpy.linalg``'s: with ``hermitian=True`` of
    ``(a + aᴴ)/2``, as JAX's eigh reads it (NumPy reads one triangle; the gradient differs
    off symmetric directions)."""
    fn = getattr(_linalg_module, name)
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def jax_reading(*args, **kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)  # (its own error, naming it)
        a = bound.arguments.get("a")
        shape = np.shape(a) if a is not None else ()
        if bound.arguments.get("hermitian", False) and len(shape) >= 2 and shape[-1] == shape[-2]:
            bound.arguments["a"] = _symmetrized(name, a, True)  # (in float64 for bools/ints)
        return fn(*bound.args, **bound.kwargs)  # (not a square matrix: its own error)
    return _jax_function(jax_reading, False, linalg.__name__, name)


for _name in ("eigh", "eigvalsh", "cholesky"):
    setattr(linalg, _name, _symmetrizing(_name))
for _name in ("svd", "pinv"):
    setattr(linalg, _name, _hermitian_symmetrized(_name))
fft = _submodule("fft", _fft_module)
__getattr__ = _namespace_getattr(_package, {}, __name__)
for _name in _jax_meaning.__all__:  # (where jax.numpy's meaning is not NumPy's: fromfunction, ...)
    globals()[_name] = _jax_function(getattr(_jax_meaning, _name), False, __name__, _name)

# the Python Array API standard's entry points: this namespace (tensors' and traced values'
# ``x.__array_namespace__()``), its version, and NumPy's inspection object (same dtypes, CPU)
__array_api_version__ = "2024.12"
__array_namespace_info__ = np.__array_namespace_info__


def _array_namespace(self, /, *, api_version: str | None = None):
    """The Array API's ``x.__array_namespace__()``: ``tensorgrad.numpy``."""
    if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
        raise ValueError(f"__array_namespace__: api_version {api_version!r} is not supported "
                         "(2021.12 to 2024.12)")
    return sys.modules[__name__]


Tensor.__array_namespace__ = Staged.__array_namespace__ = _array_namespace
Staged.to_device = Tensor.to_device  # (a value tg.jit traces, as a tensor: itself, on the CPU)
Staged.ptp = lambda self, axis=None, out=None, keepdims=False: np.ptp(self, axis, out, keepdims)


def __dir__():
    return sorted(set(dir(_package())) | set(globals()))
