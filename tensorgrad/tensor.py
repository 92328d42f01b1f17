"""Tensor: an ndarray plus its place on a trace.

A Tensor wraps a value (an ndarray, or a Tensor of a lower trace when
transforms nest) and belongs to at most one trace: a reverse trace gives it the
tape node that produced it, a forward trace gives it a tangent. A Tensor with
no trace is a plain constant.

NumPy functions called on a Tensor (``np.tanh(t)``, ``np.sum(t)``, and
``a * t`` with an ndarray ``a`` on the left) reach tensorgrad's function of the
same NumPy name through ``__array_ufunc__`` and ``__array_function__``, which
:mod:`tensorgrad.dispatch` installs; so ``a * t`` records exactly like ``t * a``.

This module is the bottom of the package: it imports nothing from tensorgrad.
Operators and array methods are installed by the ops' registry entries.
"""
from __future__ import annotations

import dis
import itertools
import linecache
import operator
import sys
from typing import Any

import numpy as np

__all__ = ["Tensor", "concrete", "undual", "shape_of", "ndim_of", "dtype_of", "traced_level", "NUMPY_FUNCTIONS"]


_LEGACY = frozenset((list, tuple, int))  # (the value types of PyTorch's legacy constructor)
_NDARRAY = np.ndarray


def _legacy(*args) -> np.ndarray:
    """The value of PyTorch's ``torch.Tensor(data)`` or ``torch.Tensor(*sizes)``."""
    if type(args[0]) is not int:
        if any(a is not None for a in args[1:]):
            raise TypeError("Tensor(data): give the data alone (tg.tensor(data, dtype=...) for more)")
        return np.array(args[0], dtype=np.float64)
    sizes = tuple(a for a in args if a is not None)
    if not all(type(n) is int and n >= 0 for n in sizes):
        raise TypeError(f"Tensor(*sizes): the sizes must be non-negative ints, got {sizes}")
    return np.zeros(sizes)


def torch_style(t) -> bool:
    """Whether ``t``'s method names shared with NumPy take PyTorch's meaning: a constant made
    by PyTorch's API (or computed from one), a tensor of a trace that follows PyTorch (the
    imperative tape, a transform given such a tensor), or an array PyTorch's API hands out
    (``torch_api``: ``.grad``, ``.data``). See :mod:`tensorgrad.flavor`."""
    if type(t) is not Tensor:
        return getattr(type(t), "torch_api", False)
    tr = t._trace
    return getattr(t, "_torch", False) if tr is None else getattr(tr, "torch", False)


def torch_made(value) -> "Tensor":
    """A constant tensor of ``value`` whose methods follow PyTorch (see
    :mod:`tensorgrad.flavor`): what PyTorch's constructors, and every op on their tensors,
    give. Its flag is a number from :data:`STAMPS`, which also numbers the transforms' traces:
    a constant made after a trace opened has a higher number than the trace's level."""
    t = Tensor(value)
    t._torch = next(STAMPS)
    return t


#: numbers of traces (their levels) and of PyTorch's constants, in the order they were made
STAMPS = itertools.count(1)


class Tensor:
    """An array that can be recorded on a tape or carry a tangent.

    Create one with :func:`tensorgrad.tensor`; transforms create them for you.
    """

    # (_post_hooks, set only by register_post_accumulate_grad_hook, stays unset on every
    # other tensor)
    # (_torch, set only on a constant made by PyTorch's API or computed from one, says its
    # methods follow PyTorch: see tensorgrad.flavor)
    __slots__ = ("_value", "_trace", "_node", "_tangent", "_grad", "_post_hooks", "_torch",
                 "__weakref__")
    __array_ufunc__ = None  # until tensorgrad.dispatch installs NumPy's protocols: defer
    __array_priority__ = 1000

    def __init__(self, value, trace=None, node=None, tangent=None):
        if type(value) is not _NDARRAY and type(value) in _LEGACY and (
                type(value) is not int or type(trace) is int or (trace is None and node is None)):
            # PyTorch's legacy constructor: Tensor([2.0]) (data, floating) or Tensor(2, 3),
            # Tensor(4) (sizes; zeros, where PyTorch leaves the memory uninitialized)
            value, trace = _legacy(value, trace, node, tangent), None
            node = tangent = None
            self._torch = next(STAMPS)
        self._value = value
        self._trace = trace
        self._node = node
        self._tangent = tangent
        self._grad = None

    # ---- array-like attributes -------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The concrete NumPy array, a read-only view: outside every transform (on the
        imperative tape too, as PyTorch's ``.data``). Inside a transform it raises, since
        the array would be a constant; ``t.detach()``, ``t.numpy()`` or
        ``tg.stop_gradient(t)`` say that a constant is meant."""
        if traced_level(self) > 0:
            _leaving(self, "t.data", array=True)
        v = concrete(self)
        if isinstance(v, np.ndarray):
            v = v.view()
            v.flags.writeable = False
        return v

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """A copy of the concrete value as a NumPy array (``force``, PyTorch's, changes
        nothing: it is always a copy, also of a tensor that requires grad)."""
        return np.array(concrete(self))

    def to_numpy(self) -> np.ndarray:
        """The value as a NumPy array, as ``np.asarray(t)`` gives it (refused while the tensor
        records, as ``np.asarray`` is: use ``t.detach().to_numpy()``). pandas' name, which
        matplotlib and other libraries call to read array-likes."""
        return np.asarray(self)

    def item(self, *args):
        _leaving(self, "t.item()")
        return np.asarray(concrete(self)).item(*args)

    def tolist(self):
        """The value as nested Python lists of numbers (a traced value refuses, as ``item``)."""
        _leaving(self, "t.tolist()")
        return np.asarray(concrete(self)).tolist()

    def tobytes(self, order: str = "C") -> bytes:
        """The value's raw bytes, as ``ndarray.tobytes`` (a traced value refuses, as ``item``)."""
        _leaving(self, "t.tobytes()")
        return np.asarray(concrete(self)).tobytes(order)

    def __format__(self, spec: str) -> str:
        # printing is allowed on any value (it cannot carry a gradient anywhere)
        if not spec:
            return str(self)
        return format(np.asarray(concrete(self))[()] if not self.shape else
                      np.asarray(concrete(self)), spec)

    @property
    def shape(self) -> tuple:
        return self._value.shape if hasattr(self._value, "shape") else np.shape(self._value)

    @property
    def dtype(self):
        v = self._value
        return v.dtype if hasattr(v, "dtype") else np.result_type(v)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
        return np.dtype(self.dtype).itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    @property
    def device(self) -> str:
        """Where the value lives: always ``"cpu"`` (tensorgrad computes with NumPy)."""
        return "cpu"

    #: PyTorch's device queries: a tensor lives on the CPU (``get_device()`` is -1 there)
    is_cuda, is_cpu, is_mps, is_meta = False, True, False, False

    def get_device(self) -> int:
        """PyTorch's ``get_device()``: -1, the CPU."""
        return -1

    def to_device(self, device, /, *, stream=None) -> "Tensor":
        """The tensor itself for ``"cpu"`` (the Array API's method; there is no other device)."""
        if device not in ("cpu", None):
            raise ValueError(f"to_device: tensorgrad computes on the CPU only, got device {device!r}")
        return self

    def block_until_ready(self) -> "Tensor":
        """The tensor itself: NumPy computes eagerly, nothing is pending (JAX's method)."""
        return self

    def __contains__(self, value) -> bool:
        # like ndarray: (t == value).any(), a comparison (values are concrete)
        return bool(np.any(np.asarray(concrete(self)) == concrete(value)))

    @property
    def requires_grad(self) -> bool:
        """True while this tensor is recorded by a live trace; a tensor of the imperative
        tape stays True inside ``tg.no_grad()`` (which pauses recording, as PyTorch's)."""
        tr = self._trace
        if tr is not None and tr.forward and getattr(tr, "dual", False):  # (a forward_ad dual: its primal's)
            return type(self._value) is Tensor and self._value.requires_grad
        return tr is not None and not tr.forward and (tr.level >= 0 or getattr(tr, "pausable", False))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        # (not a generator itself: iter() of a 0-d tensor raises at once, as NumPy's and
        # PyTorch's, so np.iterable(t) and matplotlib tell a scalar from a sequence)
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        if self._trace is not None and self._trace.jax:  # inside tg.to_jax: a JAX value
            return f"tensor({self._value!r}, jax=True)"
        v = concrete(self)
        try:
            body = np.array2string(np.asarray(v), separator=", ", prefix="tensor(")
        except TypeError:  # a value traced by tg.jit has no concrete entries to show
            body = repr(v)
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self._trace is not None and self._trace.forward and self._trace.level >= 0:
            extra = ", tangent=True"
        return f"tensor({body}{extra})"

    def __array__(self, dtype=None, copy=None):
        # a read-only view: the value may be saved on a tape, so writing to it
        # would silently change gradients (np.array(t) still gives a copy)
        _leaving(self, "converting it to a NumPy array or scalar (np.asarray(t), np.array(t), "
                       "np.array([t0, t1]): join values with tg.stack or np.stack instead)", array=True)
        v = np.asarray(concrete(self))
        if dtype is not None and np.dtype(dtype) != v.dtype:
            if copy is False:  # (NumPy's own error for a cast it is told not to copy for)
                raise ValueError(f"Unable to avoid copy while creating an array as requested: "
                                 f"the tensor's {v.dtype} values cast to {np.dtype(dtype)}")
            return v.astype(dtype)
        if copy:
            return v.copy()
        # always a new view, also of a read-only value: handing out the tensor's own array
        # would let `a.flags.writeable = True` unlock a value a tape has saved (a leaf's)
        v = v.view()
        v.flags.writeable = False
        return v

    def __dlpack__(self, **kwargs):
        """DLPack's export (``torch.tensor(t)``, ``np.from_dlpack(t)``), of a copy of the values
        (the importer may ignore DLPack's read-only flag and write into what it gets, which
        must never be the tensor's own, possibly saved, array); refused, as ``np.asarray(t)``
        is, for a value that requires grad."""
        return np.array(self.__array__()).__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple:
        return (1, 0)  # DLPack's code for the CPU, device 0

    # Turning a traced value into a Python number or a NumPy array would drop
    # its gradient without a word; inside a transform these raise instead
    # (see _leaving). bool() and comparisons stay allowed: values are concrete.
    # float(t), int(t), complex(t) of any one-element tensor, as PyTorch's (NumPy 2 takes
    # 0-d arrays only)
    def __float__(self) -> float:
        _leaving(self, "float(t) (or a math.* function, which calls it)")
        return float(_one_element(self))

    def __int__(self) -> int:
        _leaving(self, "int(t)")
        return int(_one_element(self))

    def __complex__(self) -> complex:
        _leaving(self, "complex(t)")
        return complex(_one_element(self))

    def __bool__(self) -> bool:
        return bool(concrete(self))

    def __index__(self) -> int:
        _leaving(self, "using t as an index (operator.index(t))")
        return operator.index(concrete(self))

    def __hash__(self) -> int:
        """By identity, as PyTorch's tensors (a dict keyed by parameters). A tensor of NumPy's
        or JAX's kind (``tensorgrad.numpy``'s, or one a transform traces or slices from NumPy
        arrays) is unhashable, as NumPy's arrays and JAX's are, and so is a value ``tg.jit``
        traces: as a dict key or a set member it would need its value (``{1.0: 2.0}[x[0]]``
        found by identity would silently miss)."""
        if not torch_style(self):
            raise TypeError("unhashable: a tensor of NumPy's or JAX's kind (a value tg.grad, "
                            "tg.vmap, ... trace or slice from NumPy arrays) cannot be a dict key "
                            "or a set member, as NumPy's arrays cannot; its value decides equality")
        v = concrete(self)
        if not isinstance(v, (np.ndarray, np.generic)):
            hash(v)
        return object.__hash__(self)

    # ---- copying and pickling -----------------------------------------------
    # A Tensor's value never changes, so a copy of a value on a live trace is the value
    # itself: its gradient keeps flowing. (A deep copy used to copy the trace object too,
    # which silently cut the gradient: a zero instead of the right answer.) A Tensor of no
    # trace gets a copy of its array. The imperative tape's leaves (tg.tensor(...,
    # requires_grad=True)) become fresh leaves, as in PyTorch: see tensorgrad.imperative.
    def __copy__(self) -> "Tensor":  # a constant tensor takes in-place updates: another object
        return self.__deepcopy__({}) if self._trace is None else self

    def __deepcopy__(self, memo) -> "Tensor":
        if self._trace is None:
            v = self._value
            t = Tensor(v.copy() if isinstance(v, np.ndarray) else v)
            if getattr(self, "_torch", False):
                t._torch = next(STAMPS)
            return t
        # (a recorded tensor of the imperative tape, whose trace is pausable, stays itself)
        return self if getattr(self._trace, "pausable", False) else self._another()

    def _another(self) -> "Tensor":
        """Another Tensor object holding this traced value (its value, trace, node and
        tangent): a copy that a later in-place update of either (PyTorch's form under
        ``tensorgrad.func``, which rebinds the object) leaves apart."""
        t = object.__new__(Tensor)
        t._value, t._trace, t._node, t._tangent, t._grad = (
            self._value, self._trace, self._node, self._tangent, None)
        if getattr(self, "_torch", False):
            t._torch = True
        return t

    def __reduce__(self):
        if self._trace is not None:
            raise TypeError(
                "pickling a Tensor that a transform is tracing would store a constant and "
                "lose its gradient; pickle t.detach() or tg.stop_gradient(t) if the value is "
                "what you mean")
        return (torch_made if getattr(self, "_torch", False) else Tensor, (concrete(self),))

    def detach(self) -> "Tensor":
        """The same value, cut from every trace (no gradient flows through); a tensor
        following PyTorch (see :mod:`tensorgrad.flavor`) gives one that does too."""
        if torch_style(self):
            return torch_made(concrete(self))
        return Tensor(concrete(self))

    def zero_grad(self) -> None:
        self._grad = None

    def __pos__(self):
        return self

    def _in_place(self, *args, **kwargs):
        raise TypeError(
            "Tensors are immutable: this NumPy method changes an array in place. Use the "
            "function that returns a new value instead (np.sort(t), t.at[index].set(v), "
            "tg.full_like(t, v), ...)")

    sort = fill = put = resize = partition = itemset = _in_place

    def __setitem__(self, idx, value):
        raise TypeError(
            "Tensors are immutable: item assignment would corrupt recorded gradients. "
            "Build the new value instead: t = t.at[index].set(value) (or .add, .multiply, ...), "
            "tg.where(mask, new, old) or tg.concatenate.")

    # Operators (``t + u``, ``t @ u``, ``t[i]``) and array methods (``t.sum()``,
    # ``t.reshape(...)``) call registered ops: each op's registry entry installs
    # the methods it serves (see ``methods=`` in :mod:`tensorgrad.registry`), and
    # :mod:`tensorgrad.imperative` adds ``backward``.


def _one_element(t: "Tensor"):
    v = concrete(t)
    return v.reshape(()) if isinstance(v, np.ndarray) and v.size == 1 else v


def undual(t):
    """The primal under ``t``'s dual levels of ``tg.autograd.forward_ad`` (``t`` itself if it
    is not dual there): what PyTorch's reverse mode differentiates for a dual tensor."""
    while type(t) is Tensor and t._trace is not None and t._trace.forward \
            and getattr(t._trace, "dual", False) and type(t._value) is Tensor:
        t = t._value
    return t


def concrete(x: Any):
    """Strip every trace: the plain value under ``x``."""
    while type(x) is Tensor:
        x = x._value
    return x


def traced_level(x) -> int:
    """The highest live trace level under ``x`` (transforms are ≥ 1, the imperative
    tape is 0), or -1 when ``x`` is a constant."""
    level = -1
    while type(x) is Tensor:
        tr = x._trace
        if tr is not None:
            lv = tr.level
            if lv > level:
                level = lv
        x = x._value
    return level


def _leaving(t: "Tensor", how: str, array: bool = False) -> None:
    """Refuse to turn a traced value into a plain number or array (its gradient would be lost).

    Inside a transform every such conversion raises. A tensor on the
    imperative tape (``requires_grad=True``) may still become a Python number
    (``float(loss)``, ``loss.item()``, as in PyTorch) but not a NumPy array.
    """
    level = traced_level(t)
    if level < 0:
        return
    if level == 0 and not array:
        if not _stored_into_array(sys._getframe(2)):
            return
        how = ("storing it into a NumPy array (a[i] = t; for a number to keep, such as a loss "
               "to log, write a[i] = t.item(); for a buffer whose entries keep their gradients, "
               "make it a tensor: buf = tg.zeros_like(t), or tg.tensor(np.zeros(n)))")
    where = "inside a transform (grad, vjp, jacrev, ...)" if level > 0 else \
        "while it requires grad (imperative tape)"
    raise TypeError(
        f"{how}: a traced value of shape {t.shape} and dtype {t.dtype} {where}; the result "
        "would be a constant and the gradient through it would be silently lost. Use "
        "tensorgrad ops on the Tensor itself (tg.exp, tg.sum, ... instead of math.* or NumPy "
        "functions); if a constant is what you mean, say so with tg.stop_gradient(x) (or "
        "x.detach(), or x.numpy() for a NumPy copy)")


_STORE = dis.opmap["STORE_SUBSCR"]


#: the calls that write a number into a NumPy array: ``operator.setitem(a, i, t)``,
#: ``a.__setitem__(i, t)``, ``a.fill(t)``, ``a.itemset(i, t)``
_WRITERS = frozenset({"setitem", "__setitem__", "fill", "itemset"})


def _stored_into_array(frame) -> bool:
    """True when the conversion is NumPy's, for ``a[i] = t`` into an ndarray (the caller's
    instruction is a subscript store) or a call that does the same (``operator.setitem``,
    ``a.__setitem__``, ``a.fill``): a number written there leaves the tape silently, where
    ``float(t)`` or ``t.item()`` says so."""
    if frame is None:
        return False
    code = frame.f_code
    raw = code.co_code
    i = frame.f_lasti
    if not 0 <= i < len(raw):
        return False
    if raw[i] == _STORE:
        return True
    # a call: the name it calls, read from the source span of the instruction
    pos = next(itertools.islice(code.co_positions(), i // 2, None), None)
    if pos is None or None in pos or pos[0] != pos[1]:
        return False
    text = linecache.getline(code.co_filename, pos[0])[pos[2]:pos[3]]
    callee = text.split("(", 1)[0].strip()
    return callee.rsplit(".", 1)[-1] in _WRITERS


_SEQS = (list, tuple)


def _seq_shape(x) -> tuple:
    """The shape of the array a (nested) list or tuple would make, read from its entries."""
    inner = [_seq_shape(e) if type(e) in _SEQS else shape_of(e) for e in x]
    for s in inner:
        if s != inner[0]:
            raise ValueError(f"a list or tuple of arrays with different shapes ({inner}) cannot "
                             "be made into one array; stack or pad them to one shape first")
    return (len(x),) + (inner[0] if inner else ())


def _seq_leaves(x, out: list) -> list:
    for e in x:
        if type(e) in _SEQS:
            _seq_leaves(e, out)
        else:
            out.append(e)
    return out


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` (NumPy's rules)."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def shape_of(x) -> tuple:
    """The shape of an array, Tensor, number, or (nested) list of them."""
    s = getattr(x, "shape", None)
    if s is not None:
        return tuple(s)
    if type(x) in _SEQS:
        return _seq_shape(x)
    return np.shape(x)


def ndim_of(x) -> int:
    n = getattr(x, "ndim", None)
    if n is not None:
        return n
    return len(_seq_shape(x)) if type(x) in _SEQS else np.ndim(x)


def dtype_of(x):
    d = getattr(x, "dtype", None)
    if d is not None:
        return d
    if type(x) in _SEQS:
        leaves = [getattr(e, "dtype", e) for e in _seq_leaves(x, [])]
        return np.result_type(*leaves) if leaves else np.dtype(np.float64)
    return np.result_type(x)


#: Full NumPy path (``"numpy.sum"``, ``"numpy.linalg.solve"``, ``"scipy.special.erf"``)
#: -> tensorgrad function, for ``np.sum(t)``-style calls (see :mod:`tensorgrad.dispatch`).
#: Filled by the registry from each entry's ``numpy=`` field.
NUMPY_FUNCTIONS: dict = {}


#: argument types an op takes as they are (the test of :func:`as_numpy_args` for each)
_NATIVE = frozenset({np.ndarray, Tensor, float, int, bool, complex, np.float64, np.float32,
                     np.int64, np.bool_, list, tuple, dict, str, type(None)})


_FOREIGN: dict = {}  # type -> whether its objects are such arrays (the test, once per type)


def _foreign(x) -> bool:
    t = type(x)
    known = _FOREIGN.get(t)
    if known is None:
        known = _FOREIGN[t] = t is not type and (
            any(hasattr(t, k) for k in ("__array__", "__array_interface__", "__array_struct__"))
            or t is memoryview or t.__module__ == "array") \
            and not issubclass(t, (np.ndarray, np.generic)) \
            and not t.__module__.startswith(("tensorgrad", "jax"))  # (JAX's arrays are immutable)
    return known


def as_numpy_args(args: tuple) -> tuple:
    """``args`` with each array-like of another library (an object NumPy converts through its
    ``__array__``, ``__array_interface__`` or buffer: a PyTorch tensor, a pandas Series, a
    memoryview, an ``array.array``, ...) made a NumPy array, as NumPy's own functions read it,
    once: an op's saved inputs are then arrays, locked as the others are, so a later write into
    the object's memory is refused instead of changing a gradient rule's input, and an op's
    result is never an object of that library (a torch comparison gives uint8) with a dtype
    NumPy does not know. (JAX's arrays, immutable, stay as they are for tensorgrad's JAX
    interop.)"""
    for a in args:
        if type(a) not in _NATIVE and _foreign(a):
            return tuple(np.asarray(x) if _foreign(x) else x for x in args)
    return args
