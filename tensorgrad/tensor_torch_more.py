"""PyTorch's Tensor methods, part two: shapes, indexing, reductions that return (values, indices),
and the helpers shared with :mod:`tensorgrad.tensor_torch` (which explains the rule)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import lax
from . import ops as tgo
from .ops.norms import in_norm_dtype, matrix_norm, vector_norm
from .devices import device as _device_type
from .hooks import checked_index, float_difference, runtime_errors, wrapped_index
from .staging import Staged
from .tensor import Tensor
from .ufunc_keywords import MISSING, given_inputs

__all__ = ["METHODS", "values_indices", "dim_of", "dims_of", "ints_of"]

values_indices = namedtuple("values_indices", "values indices")
min_max = namedtuple("min_max", "min max")
_ARRAYS = (Tensor, Staged, np.ndarray)
METHODS: dict = {}


def method(name, runtime: bool = False):
    def register(fn):
        fn.__name__ = fn.__qualname__ = name
        METHODS[name] = runtime_errors(fn) if runtime else fn
        return fn
    return register


def each_result(fn, r):
    """``fn`` of a method's result, entry by entry for a tuple or namedtuple (values, indices)."""
    if isinstance(r, tuple):
        parts = [each_result(fn, x) for x in r]
        return type(r)(*parts) if hasattr(r, "_fields") else type(r)(parts)
    return fn(r)


def dim_of(name: str, d, ndim: int, extra: int = 0) -> int:
    """``d`` as an axis in ``[0, ndim + extra)``; 0-d tensors accept -1 and 0, as PyTorch."""
    n = max(ndim + extra, 1)
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"Tensor.{name}: dim must be an int, got {d!r}")
    if not -n <= d < n:
        # (NumPy's AxisError: an IndexError, as PyTorch's, and a ValueError, as NumPy's)
        raise np.exceptions.AxisError(f"Tensor.{name}: dim {d} is out of range for a tensor of "
                                      f"{ndim} dims (out of bounds of [{-n}, {n - 1}])")
    return int(d) % n


def dims_of(name: str, dims, ndim: int):
    if dims is None:
        return None
    if isinstance(dims, (list, tuple)):
        out = tuple(dim_of(name, d, ndim) for d in dims)
        if len(set(out)) != len(out):
            raise ValueError(f"Tensor.{name}: dim {tuple(dims)} repeats an axis")
        return out
    return dim_of(name, dims, ndim)


def dtype_device(who: str, args, dtype=None, device=None):
    """PyTorch's ``to(...)`` arguments: a dtype, a tensor (its dtype) or a device, positional or
    as keywords, in any order. Returns the dtype (or None); a device but the CPU raises."""
    for a in args:
        if isinstance(a, _ARRAYS):
            dtype = a.dtype
        elif isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps", "meta", "xla") \
                or isinstance(a, _device_type):
            device = a
        else:
            try:
                dtype = np.dtype(a)
            except TypeError:
                raise TypeError(f"{who}: {a!r} is neither a dtype, a tensor nor a device") from None
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"{who}: tensorgrad computes on the CPU only, got device {device!r}")
    return None if dtype is None else np.dtype(dtype)


def ints_of(name: str, args) -> tuple:
    """``f(2, 3)`` or ``f((2, 3))`` as a tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    for a in args:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"Tensor.{name}: expected ints (or one tuple of ints), got {args!r}")
    return tuple(int(a) for a in args)


def _long(x):
    return tgo.astype(x, np.int64)


# ---- shapes ----------------------------------------------------------------------------------
@method("view", runtime=True)
def view(self, *shape, size=None):  # (size=: PyTorch's keyword for the shape)
    if not (shape := shape if size is None else shape + (size,)):  # NumPy's view(): the same values
        return self
    if len(shape) == 1 and not isinstance(shape[0], (list, tuple, int, np.integer)):
        raise TypeError(f"Tensor.view: reinterpreting the bytes as dtype {shape[0]!r} is not "
                        "supported (values are immutable); use t.to(dtype) or t.astype(dtype)")
    return tgo.reshape(self, ints_of("view", shape))


@method("view_as", runtime=True)
def view_as(self, other):
    return tgo.reshape(self, tuple(other.shape))


METHODS["reshape_as"] = view_as


@method("unsqueeze")
def unsqueeze(self, dim):
    return tgo.expand_dims(self, dim_of("unsqueeze", dim, self.ndim, 1))


def _keyword(name: str, args: tuple, kwargs: dict, key: str) -> tuple:
    """PyTorch's ``t.f(*ints)`` also given as ``t.f(key=ints)``."""
    if set(kwargs) - {key} or (kwargs and args):
        raise TypeError(f"Tensor.{name}: takes ints, or {key}= alone; got {args} and {sorted(kwargs)}")
    return (kwargs[key],) if kwargs else args


@method("permute", runtime=True)
def permute(self, *dims, **kwargs):
    dims = ints_of("permute", _keyword("permute", dims, kwargs, "dims"))
    if len(dims) != self.ndim:
        raise ValueError(f"Tensor.permute: {len(dims)} dims {dims} for a tensor of {self.ndim} dims")
    return tgo.transpose(self, dims_of("permute", dims, self.ndim))


@method("expand", runtime=True)
def expand(self, *sizes, **kwargs):
    sizes, shape = ints_of("expand", _keyword("expand", sizes, kwargs, "size")), tuple(self.shape)
    if len(sizes) < len(shape):
        raise ValueError(f"Tensor.expand: {len(sizes)} sizes {sizes} for a tensor of shape {shape}")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise ValueError(f"Tensor.expand: -1 is not allowed for a new leading dim ({sizes})")
            s = shape[i - lead]
        elif i >= lead and shape[i - lead] not in (1, s):
            raise ValueError(f"Tensor.expand: size {s} at dim {i} does not match the tensor's "
                             f"{shape[i - lead]} (shape {shape}); only dims of length 1 expand")
        out.append(s)
    return tgo.broadcast_to(self, tuple(out))


@method("expand_as")
def expand_as(self, other):
    return expand(self, tuple(other.shape))


@method("broadcast_to")
def broadcast_to(self, size):
    return tgo.broadcast_to(self, tuple(size))


@method("movedim")
def movedim(self, source, destination):
    return tgo.moveaxis(self, dims_of("movedim", source, self.ndim),
                        dims_of("movedim", destination, self.ndim))


METHODS["moveaxis"] = movedim


@method("flip")
def flip(self, *dims, **kwargs):
    dims = ints_of("flip", _keyword("flip", dims, kwargs, "dims"))
    return tgo.flip(self, dims_of("flip", dims, self.ndim)) if dims else self


@method("fliplr")
def fliplr(self):
    if self.ndim < 2:
        raise ValueError(f"Tensor.fliplr: needs at least 2 dims, got shape {tuple(self.shape)}")
    return tgo.flip(self, 1)


@method("flipud")
def flipud(self):
    if self.ndim < 1:
        raise ValueError("Tensor.flipud: needs at least 1 dim, got a 0-d tensor")
    return tgo.flip(self, 0)


def _part(self, dim, start, stop):
    idx = [slice(None)] * self.ndim
    idx[dim] = slice(start, stop)
    return self[tuple(idx)]


@method("narrow")
def narrow(self, dim, start, length):
    dim = dim_of("narrow", dim, self.ndim)
    n = self.shape[dim]
    start = int(start) + n if int(start) < 0 else int(start)
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"Tensor.narrow: start {start}, length {length} out of range for dim "
                         f"{dim} of length {n}")
    return _part(self, dim, start, start + length)


@method("select")
def select(self, dim, index):
    dim = dim_of("select", dim, self.ndim)
    n = self.shape[dim]
    if not -n <= index < n:
        raise IndexError(f"Tensor.select: index {index} is out of range for dim {dim} of length {n}")
    return self[(slice(None),) * dim + (int(index),)]


@method("unbind")
def unbind(self, dim=0):
    dim = dim_of("unbind", dim, self.ndim)
    return tuple(select(self, dim, i) for i in range(self.shape[dim]))


@method("split")
def split(self, split_size_or_sections=None, dim=0, *, split_size=None):
    if (split_size is None) == (split_size_or_sections is None):
        raise TypeError("Tensor.split: give the split size (or the sections) once: positionally "
                        "or as split_size=")
    if split_size_or_sections is None:
        split_size_or_sections = split_size
    dim = dim_of("split", dim, self.ndim)
    n = self.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n > 0:
            raise ValueError(f"Tensor.split: split size must be positive, got {size}")
        sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"Tensor.split: sizes {sizes} do not add up to the length {n} of dim {dim}")
    starts = np.cumsum([0] + sizes)
    return tuple(_part(self, dim, int(a), int(a + s)) for a, s in zip(starts, sizes))


@method("chunk")
def chunk(self, chunks, dim=0):
    if chunks <= 0:
        raise ValueError(f"Tensor.chunk: chunks must be positive, got {chunks}")
    n = self.shape[dim_of("chunk", dim, self.ndim)]  # (0: that many empty pieces, as PyTorch's)
    return split(self, -(-n // chunks), dim) if n else tuple(tgo.reshape(self, tuple(self.shape)) for _ in range(chunks))


@method("tensor_split")
def tensor_split(self, indices_or_sections, dim=0):
    return tuple(tgo.array_split(self, indices_or_sections, dim_of("tensor_split", dim, self.ndim)))


@method("tile")
def tile(self, *dims):
    return tgo.tile(self, ints_of("tile", dims))


@method("t")
def t(self):
    if self.ndim > 2:
        raise ValueError(f"Tensor.t: expects a tensor of at most 2 dims, got shape {tuple(self.shape)}")
    return tgo.transpose(self) if self.ndim == 2 else tgo.reshape(self, self.shape)  # (a view)


def _mh(self):
    if self.ndim < 2:
        raise ValueError(f"Tensor.mH: needs at least 2 dims, got shape {tuple(self.shape)}")
    return tgo.conj(tgo.swapaxes(self, -1, -2))


def _h(self):
    if self.ndim not in (0, 2):
        raise ValueError(f"Tensor.H: needs a matrix (or 0-d), got shape {tuple(self.shape)}")
    return tgo.conj(tgo.transpose(self))


METHODS["mH"], METHODS["H"] = property(_mh), property(_h)


@method("unflatten")
def unflatten(self, dim, sizes):
    dim = dim_of("unflatten", dim, self.ndim)
    shape = tuple(self.shape)
    return tgo.reshape(self, shape[:dim] + tuple(int(s) for s in sizes) + shape[dim + 1:])


def _same(self, *args, **kwargs):
    return self


METHODS["cpu"] = _same


@method("contiguous")
def contiguous(self, memory_format=None):
    """PyTorch's: the tensor itself when its entries lie in C order, else a copy (so an
    in-place update of ``x.t().contiguous()`` leaves ``x`` alone, as in PyTorch)."""
    v = self._value if type(self) is Tensor else None
    if type(v) is not np.ndarray or v.flags.c_contiguous:
        return self
    return tgo.copy(self)  # (a new tensor, on the graph as the identity; not a view of self)


@method("tril")
def tril(self, diagonal=0):
    return tgo.tril(self, diagonal)


@method("triu")
def triu(self, diagonal=0):
    return tgo.triu(self, diagonal)


@method("diag")
def diag(self, diagonal=0):
    if self.ndim not in (1, 2):
        raise ValueError(f"Tensor.diag: expects 1 or 2 dims, got shape {tuple(self.shape)}")
    return tgo.diag(self, diagonal)


@method("diag_embed")
def diag_embed(self, offset=0, dim1=-2, dim2=-1):
    n, k = self.shape[-1], abs(int(offset))
    out = tgo.expand_dims(self, -1) * np.eye(n, dtype=bool)
    pad = [(0, 0)] * (self.ndim - 1) + ([(0, k), (k, 0)] if offset >= 0 else [(k, 0), (0, k)])
    out = tgo.pad(out, pad)
    d1, d2 = dim_of("diag_embed", dim1, self.ndim, 1), dim_of("diag_embed", dim2, self.ndim, 1)
    return tgo.moveaxis(out, (-2, -1), (d1, d2))


# ---- products ----------------------------------------------------------------------------
def _need(name, x, dims):
    if x.ndim not in dims:
        raise ValueError(f"Tensor.{name}: expects {' or '.join(map(str, dims))}-d operands, got "
                         f"shape {tuple(x.shape)}")


def _product(name, dims_a, dims_b, fn, key="other"):
    def m(self, other=MISSING, **kwargs):  # (PyTorch's keyword: t.mm(mat2=m))
        other, = given_inputs(name, (other,), kwargs, (key,)) if kwargs or other is MISSING else (other,)
        _need(name, self, dims_a)
        _need(name, other, dims_b)
        return fn(self, other)
    METHODS[name] = m
    m.__name__ = m.__qualname__ = name


_product("mm", (2,), (2,), tgo.matmul, "mat2")
_product("bmm", (3,), (3,), tgo.matmul, "mat2")
_product("mv", (2,), (1,), tgo.matmul, "vec")
_product("outer", (1,), (1,), tgo.outer, "vec2")
_product("ger", (1,), (1,), tgo.outer, "vec2")
METHODS.update({n: (lambda f: lambda self, other: f(self, other))(getattr(tgo, n))
                for n in ("matmul", "inner", "kron", "vdot")})


def _addprod(name, dims, fn, keys):
    def m(self, a=MISSING, b=MISSING, *, beta=1, alpha=1, **kwargs):  # (t.addmm(mat1=, mat2=))
        a, b = given_inputs(name, (a, b), kwargs, keys) if kwargs or b is MISSING else (a, b)
        _need(name, a, dims)
        p = fn(a, b)
        p = p if alpha == 1 else alpha * p
        if beta == 0:  # PyTorch ignores self then (a nan in it does not spread)
            return p + tgo.zeros_like(self)
        return (self if beta == 1 else beta * self) + p
    METHODS[name] = m
    m.__name__ = m.__qualname__ = name


_addprod("addmm", (2,), tgo.matmul, ("mat1", "mat2"))
_addprod("baddbmm", (3,), tgo.matmul, ("batch1", "batch2"))
_addprod("addmv", (2,), tgo.matmul, ("mat", "vec"))


@method("cross")
def cross(self, other, dim=None):
    if dim is None:
        sizes = np.broadcast_shapes(tuple(self.shape), tuple(other.shape))
        found = [i for i, s in enumerate(sizes) if s == 3]
        if not found:
            raise ValueError(f"Tensor.cross: no dim of length 3 in shape {sizes}")
        dim = found[0]
    else:
        dim = dim_of("cross", dim, max(self.ndim, other.ndim))
        dim -= max(self.ndim, other.ndim)
    return tgo.cross(self, other, axis=dim)


# ---- indexing ----------------------------------------------------------------------------
def _grid(name, self, dim, index):
    """The index tuple: ``index`` along ``dim``, each other axis's own positions (PyTorch's)."""
    index = np.asarray(index) if not isinstance(index, _ARRAYS) else index
    checked_index(name, index, self.shape[dim], dim)
    if index.ndim != self.ndim:
        raise ValueError(f"Tensor.{name}: index has {index.ndim} dims, the tensor {self.ndim}")
    for d in range(self.ndim):
        if d != dim and index.shape[d] > self.shape[d]:
            raise IndexError(f"Tensor.{name}: index shape {tuple(index.shape)} exceeds the tensor's "
                             f"{tuple(self.shape)} at dim {d}")
    grid = list(np.indices(tuple(index.shape), sparse=True))
    grid[dim] = index
    return tuple(grid)


def _vector_entry(self, index) -> bool:
    """PyTorch's 0-d index into a vector or 0-d tensor: one entry (``x.gather(0, i)``)."""
    return np.ndim(index) == 0 and self.ndim <= 1


@method("gather")
def gather(self, dim, index, *, sparse_grad=False):
    if _vector_entry(self, index):
        return tgo.reshape(gather(tgo.reshape(self, (-1,)), dim, tgo.reshape(index, (1,))), ())
    dim = dim_of("gather", dim, self.ndim)
    return self[_grid("gather", self, dim, index)]


def _fill_value(self, value):
    if isinstance(value, (Tensor, Staged)):
        return tgo.astype(value, self.dtype)
    return np.asarray(value, dtype=self.dtype)


@method("masked_fill")
def masked_fill(self, mask, value):
    return tgo.where(mask, _fill_value(self, value), self)


@method("masked_select")
def masked_select(self, mask):
    shape = np.broadcast_shapes(tuple(self.shape), tuple(np.shape(mask)))
    return tgo.broadcast_to(self, shape)[tgo.broadcast_to(mask, shape)]


def _src(self, index, src, value):
    if src is None:
        if value is None:
            raise TypeError("Tensor.scatter: give src (a tensor) or value (a number)")
        return _fill_value(self, value)
    if not isinstance(src, _ARRAYS):
        return _fill_value(self, src)
    return src[tuple(slice(0, s) for s in index.shape)]


@method("scatter")
def scatter(self, dim, index, src=None, *, value=None, reduce=None):
    if _vector_entry(self, index):  # (src: its first entry, as PyTorch reads it)
        src = tgo.reshape(src, (-1,))[:1] if isinstance(src, _ARRAYS) else src
        out = scatter(tgo.reshape(self, (-1,)), dim, tgo.reshape(index, (1,)), src, value=value,
                      reduce=reduce)
        return tgo.reshape(out, self.shape)
    dim = dim_of("scatter", dim, self.ndim)
    at = self.at[_grid("scatter", self, dim, index)]
    v = _src(self, index, src, value)
    if reduce is None:
        return at.set(v)
    if reduce == "add":
        return at.add(v)
    if reduce == "multiply":
        return at.multiply(v)
    raise ValueError(f"Tensor.scatter: reduce must be 'add' or 'multiply', got {reduce!r}")


@method("scatter_add")
def scatter_add(self, dim, index, src):
    if _vector_entry(self, index):
        return scatter(self, dim, index, src, reduce="add")
    dim = dim_of("scatter_add", dim, self.ndim)
    return self.at[_grid("scatter_add", self, dim, index)].add(_src(self, index, src, None))


def _along(name, self, dim, index):
    dim = dim_of(name, dim, self.ndim)
    checked_index(name, index, self.shape[dim], dim)
    return self.at[(slice(None),) * dim + (index,)], dim


@method("index_add")
def index_add(self, dim, index, source, *, alpha=1):
    at, _ = _along("index_add", self, dim, index)
    return at.add(source if alpha == 1 else alpha * source)


@method("index_fill")
def index_fill(self, dim, index, value):
    index = wrapped_index(index, self.shape[dim_of("index_fill", dim, self.ndim)])
    at, _ = _along("index_fill", self, dim, index)
    return at.set(_fill_value(self, value))


@method("index_copy")
def index_copy(self, dim, index, source):
    at, _ = _along("index_copy", self, dim, index)
    return at.set(source)


# ---- reductions ----------------------------------------------------------------------------
@method("amax")
def amax(self, dim=None, keepdim=False):
    return tgo.max(self, axis=dims_of("amax", dim, self.ndim) if dim != () else None, keepdims=keepdim)


@method("amin")
def amin(self, dim=None, keepdim=False):
    return tgo.min(self, axis=dims_of("amin", dim, self.ndim) if dim != () else None, keepdims=keepdim)


@method("aminmax")
def aminmax(self, *, dim=None, keepdim=False):
    return min_max(amin(self, dim, keepdim), amax(self, dim, keepdim))


def arg_reduce(name, self, dim, keepdim, fn):
    """(values, indices) of ``fn`` (argmax/argmin) along ``dim``, the values taken at the indices
    (the gradient goes to the chosen entry, PyTorch's); a dim of size 0 is PyTorch's IndexError."""
    dim = dim_of(name, dim, self.ndim)
    if (x := self if self.ndim else tgo.reshape(self, (1,))).shape[dim] == 0:
        raise IndexError(f"Tensor.{name}: dim {dim} has size 0 (shape {tuple(x.shape)}): no {name}")
    idx = tgo.expand_dims(_long(fn(x, axis=dim)), dim)
    values = tgo.take_along_axis(x, idx, dim)
    if not keepdim or not self.ndim:
        values, idx = tgo.squeeze(values, dim), tgo.squeeze(idx, dim)
    return values_indices(values, idx)


def _kth(name, self, k, dim, keepdim, descending=False):
    dim = dim_of(name, dim, self.ndim)
    x = self if self.ndim else tgo.reshape(self, (1,))
    n = x.shape[dim]
    if not 1 <= k <= n:
        raise IndexError(f"Tensor.{name}: k={k} is out of range for dim {dim} of length {n}")
    order = _long(tgo.argsort(x, axis=dim, descending=descending))
    idx = _part(order, dim, k - 1, k)
    values = tgo.take_along_axis(x, idx, dim)
    if not keepdim or not self.ndim:
        values, idx = tgo.squeeze(values, dim), tgo.squeeze(idx, dim)
    return values_indices(values, idx)


@method("kthvalue")
def kthvalue(self, k, dim=-1, keepdim=False):
    return _kth("kthvalue", self, int(k), dim, keepdim)


def _median(name, self, dim, keepdim, skip_nan):
    """PyTorch's lower median: a NaN in the slice makes it NaN (the first NaN's index), or
    with ``skip_nan`` (nanmedian) the median of the other entries."""
    if dim is None:
        flat = tgo.reshape(self, (-1,))
        if flat.shape[0] == 0:  # (PyTorch's NaN for an empty float tensor, on its tape)
            if np.issubdtype(np.dtype(self.dtype), np.inexact):
                return tgo.sum(flat) + np.nan
            raise ValueError(f"Tensor.{name}: the tensor is empty")
        v = _median(name, flat, 0, False, skip_nan).values
        return _tied(flat, v) if np.issubdtype(np.dtype(self.dtype), np.inexact) else v
    dim = dim_of(name, dim, self.ndim)
    x = self if self.ndim else tgo.reshape(self, (1,))
    n = x.shape[dim]
    if not np.issubdtype(np.dtype(self.dtype), np.inexact):
        return _kth(name, self, (n + 1) // 2, dim, keepdim)
    nan = tgo.isnan(lax.stop_gradient(x))
    order = _long(tgo.argsort(x, axis=dim))  # NaNs last
    if skip_nan:
        m = n - tgo.sum(nan, axis=dim, keepdims=True)
        idx = tgo.take_along_axis(order, tgo.maximum((m + 1) // 2 - 1, 0), dim)
    else:
        idx = tgo.where(tgo.any(nan, axis=dim, keepdims=True),
                        _long(tgo.argmax(nan, axis=dim, keepdims=True)), _part(order, dim, (n - 1) // 2, (n + 1) // 2))
    values = tgo.take_along_axis(x, idx, dim)
    if not keepdim or not self.ndim:
        values, idx = tgo.squeeze(values, dim), tgo.squeeze(idx, dim)
    return values_indices(values, idx)


def _tied(flat, v):
    """The median ``v`` of ``flat`` with PyTorch's gradient: split evenly among the entries
    equal to it (among the NaNs for a NaN median). It is the max of the entries not above
    ``v``, whose rule splits ties; a median of -inf the min."""
    at, seen = lax.stop_gradient(v), lax.stop_gradient(flat)
    nan = tgo.isnan(seen)
    low = tgo.where(at == -np.inf, tgo.min(tgo.where(nan, np.inf, flat)),
                    tgo.max(tgo.where(seen <= at, flat, -np.inf)))
    nans = tgo.sum(tgo.where(nan, flat, 0)) / tgo.astype(tgo.maximum(tgo.sum(nan), 1), flat.dtype)
    return tgo.where(tgo.isnan(at), nans, low)


@method("median")
def median(self, dim=None, keepdim=False):
    return _median("median", self, dim, keepdim, False)


@method("nanmedian")
def nanmedian(self, dim=None, keepdim=False):
    return _median("nanmedian", self, dim, keepdim, True)


@method("topk")
def topk(self, k, dim=-1, largest=True, sorted=True):
    dim = dim_of("topk", dim, self.ndim)
    x = self if self.ndim else tgo.reshape(self, (1,))
    n = x.shape[dim]
    if not 0 <= k <= n:
        raise IndexError(f"Tensor.topk: k={k} is out of range for dim {dim} of length {n}")
    idx = _part(_long(tgo.argsort(x, axis=dim, descending=largest)), dim, 0, k)
    values = tgo.take_along_axis(x, idx, dim)
    if not self.ndim:
        values, idx = tgo.reshape(values, ()), tgo.reshape(idx, ())
    return values_indices(values, idx)


def _cum(name, better):
    def m(self, dim):
        d = dim_of(name, dim, self.ndim)
        x = self if self.ndim else tgo.reshape(self, (1,))
        run = (lax.cummax if better is tgo.greater_equal else lax.cummin)(x, axis=d)
        pos = tgo.reshape(np.arange(x.shape[d]), (-1,) + (1,) * (x.ndim - 1 - d))
        pos = tgo.broadcast_to(pos, tuple(x.shape))
        hit = tgo.logical_or(tgo.equal(x, run), tgo.isnan(x))
        idx = _long(lax.cummax(tgo.where(hit, pos, 0), axis=d))
        values = tgo.take_along_axis(x, idx, d)
        if not self.ndim:
            values, idx = tgo.reshape(values, ()), tgo.reshape(idx, ())
        return values_indices(values, idx)
    m.__name__ = m.__qualname__ = name
    METHODS[name] = m


_cum("cummax", tgo.greater_equal)
_cum("cummin", tgo.less_equal)


@method("logcumsumexp")
def logcumsumexp(self, dim):
    return lax.cumlogsumexp(self, axis=dim_of("logcumsumexp", dim, self.ndim))


@method("count_nonzero")
def count_nonzero(self, dim=None):
    return _long(tgo.count_nonzero(self, axis=dims_of("count_nonzero", dim, self.ndim)))


@method("nansum")
def nansum(self, dim=None, keepdim=False, *, dtype=None):
    return tgo.nansum(self, axis=dims_of("nansum", dim, self.ndim), keepdims=keepdim, dtype=dtype)


@method("nanmean")
def nanmean(self, dim=None, keepdim=False, *, dtype=None):
    return tgo.nanmean(self, axis=dims_of("nanmean", dim, self.ndim), keepdims=keepdim, dtype=dtype)


@method("norm")
def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else in_norm_dtype("Tensor.norm", self, dtype)
    dims = dims_of("norm", dim, self.ndim)
    if p == "nuc":
        if dims is None:
            dims = (0, 1) if self.ndim == 2 else None
        if dims is None or not isinstance(dims, tuple) or len(dims) != 2:
            raise ValueError(f"Tensor.norm: p='nuc' needs a matrix or two dims, got dim={dim}")
        x = tgo.moveaxis(x, dims, (-2, -1))
        out = matrix_norm(x, ord="nuc")
        if keepdim:
            out = tgo.expand_dims(out, tuple(sorted(dims)))
        return out
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise ValueError(f"Tensor.norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(x, axis=dims, keepdims=keepdim, ord=p)


@method("dist")
def dist(self, other, p=2):
    return vector_norm(float_difference("dist", self, other), ord=p)


@method("logsumexp")
def logsumexp(self, dim, keepdim=False):
    return tgo.logsumexp(self, axis=dims_of("logsumexp", dim, self.ndim), keepdims=keepdim)


@method("nonzero_torch")
def nonzero_torch(self, as_tuple=False):
    if as_tuple:
        return tuple(_long(i) for i in tgo.nonzero(self if self.ndim else tgo.reshape(self, (1,))))
    return _long(tgo.argwhere(self))
