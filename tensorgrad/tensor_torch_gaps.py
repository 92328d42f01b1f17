"""PyTorch's Tensor methods, part four: the scatter forms of views (``diagonal_scatter``,
``select_scatter``, ``slice_scatter``, ``as_strided_scatter``), ``as_strided`` (a view, as
PyTorch's, over the tensor's own entries in C order), ``fill_diagonal_``, ``put_``,
``index_reduce_``, the legacy ``lu``/``lu_solve`` (and the function :func:`lu_unpack`),
``bernoulli``/``multinomial`` draws, and the CPU-dense answers of PyTorch's layout and device
predicates (``is_sparse``, ``layout``, ``storage_offset()``, ``data_ptr()``, ...).

Each value is a composition of tensorgrad's differentiable functions; each in-place method
writes by the rule of ``t += v`` (:func:`tensorgrad.tensor_torch.write`). Imported at the end
of :mod:`tensorgrad.tensor_torch`, it installs its methods on Tensor and on ``tg.jit``'s
traced values itself (and gives the arrays of ``tg.autograd.Function`` rules the in-place
ones through ``_RULE_WRITES``)."""
from __future__ import annotations

import sys
import warnings
from collections import namedtuple

import numpy as np

from . import linalg_torch as _lt
from . import ops as tgo
from .imperative import tensor as _tensor
from .lu_parts import perm_from_piv
from .recording import IMPERATIVE
from .staging import Staged
from .tensor import Tensor, concrete, traced_level
from .tensor_torch_extra import index_reduce, masked_scatter as _masked_scatter
from .tensor_torch_more import METHODS, dim_of, ints_of, split, chunk
from .tensor_views import has_parts, is_view, note_positions, note_traced_part, traced_part
from .torch_random import multinomial as _multinomial
from .nn import init as _init

__all__ = ["strided", "lu_unpack", "GAPS"]

_ARRAYS = (Tensor, Staged, np.ndarray)
LUUnpack = namedtuple("lu_unpack", "P L U")
#: the methods of this module, installed on Tensor and Staged
GAPS: dict = {}


def gap(name):
    def register(fn):
        fn.__name__ = fn.__qualname__ = name
        GAPS[name] = fn
        return fn
    return register


def _shape(x) -> tuple:
    return tuple(np.shape(x))


def _dt(x) -> str:
    return str(np.dtype(x.dtype)) if hasattr(x, "dtype") else type(x).__name__


def _need_shape(name, src, want, what):
    if _shape(src) != tuple(want):
        raise RuntimeError(f"Tensor.{name}: src must have the shape of {what}, {tuple(want)}, got "
                           f"shape {_shape(src)} (dtype {_dt(src)})")


def _same_kind(name, self, src):
    if isinstance(src, _ARRAYS) and np.dtype(src.dtype) != np.dtype(self.dtype):
        raise TypeError(f"Tensor.{name}: src has dtype {_dt(src)}, the tensor {_dt(self)}; they "
                        "must match (PyTorch's rule); cast one with .to(dtype)")


# ---- scatter forms of views -------------------------------------------------------------------
def _diagonal_places(shape, offset, d1, d2):
    n1, n2 = shape[d1], shape[d2]
    k = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    i = np.arange(k) - min(offset, 0)
    return i, i + offset


@gap("diagonal_scatter")
def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
    """``self`` with ``src`` in place of ``self.diagonal(offset, dim1, dim2)``."""
    d1, d2 = dim_of("diagonal_scatter", dim1, self.ndim), dim_of("diagonal_scatter", dim2, self.ndim)
    if d1 == d2:
        raise ValueError(f"Tensor.diagonal_scatter: dim1 and dim2 are the same axis ({dim1}, {dim2})")
    _same_kind("diagonal_scatter", self, src)
    x = tgo.moveaxis(self, (d1, d2), (-2, -1))
    i, j = _diagonal_places(_shape(self), int(offset), d1, d2)
    _need_shape("diagonal_scatter", src, _shape(x)[:-2] + (len(i),), f"the diagonal (offset {offset})")
    return tgo.moveaxis(x.at[..., i, j].set(src), (-2, -1), (d1, d2))


@gap("select_scatter")
def select_scatter(self, src, dim, index):
    """``self`` with ``src`` in place of ``self.select(dim, index)``."""
    d = dim_of("select_scatter", dim, self.ndim)
    n = self.shape[d]
    if not -n <= index < n:
        raise IndexError(f"Tensor.select_scatter: index {index} is out of range for dim {d} of "
                         f"length {n} (shape {_shape(self)})")
    _same_kind("select_scatter", self, src)
    _need_shape("select_scatter", src, _shape(self)[:d] + _shape(self)[d + 1:], f"select({dim}, {index})")
    return self.at[(slice(None),) * d + (int(index),)].set(src)


@gap("slice_scatter")
def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
    """``self`` with ``src`` in place of ``self[..., start:end:step, ...]`` along ``dim``."""
    d = dim_of("slice_scatter", dim, self.ndim)
    if int(step) < 1:
        raise ValueError(f"Tensor.slice_scatter: step must be positive, got {step}")
    _same_kind("slice_scatter", self, src)
    part = slice(None if start is None else int(start), None if end is None else int(end), int(step))
    want = list(self.shape)
    want[d] = len(range(*part.indices(want[d])))
    _need_shape("slice_scatter", src, want, f"the slice {start}:{end}:{step} of dim {d}")
    return self.at[(slice(None),) * d + (part,)].set(src)


def _strided_places(name, self, size, stride, storage_offset):
    """The flat positions (in ``self``'s entries, C order) of PyTorch's ``as_strided`` view."""
    size = ints_of(name, (size,)) if isinstance(size, (list, tuple)) else ints_of(name, (size,))
    stride = ints_of(name, (stride,)) if isinstance(stride, (list, tuple)) else ints_of(name, (stride,))
    if len(size) != len(stride) or any(s < 0 for s in size + stride):
        raise ValueError(f"Tensor.{name}: size {size} and stride {stride} must be non-negative "
                         "and of the same length")
    v = concrete(self)
    if isinstance(self, Staged) or isinstance(v, Staged):
        raise NotImplementedError(
            f"Tensor.{name}: reads a tensor's memory layout, which tg.jit does not trace (a "
            "transposed or sliced value would be read in another order than PyTorch's); call it "
            "outside tg.jit, or use t.unfold(...) / numpy.lib.stride_tricks.sliding_window_view")
    if type(self) is Tensor and (is_view(self) or traced_part(self)):
        raise RuntimeError(
            f"Tensor.{name}: the tensor (shape {_shape(self)}) is a part or view of another "
            "tensor; PyTorch's would read that tensor's memory, tensorgrad reads only a tensor's "
            "own entries: call .clone() first (or call it on the whole tensor)")
    if isinstance(v, np.ndarray) and not v.flags.c_contiguous:
        raise RuntimeError(f"Tensor.{name}: the tensor (shape {_shape(self)}) is not contiguous; "
                           "tensorgrad reads as_strided over a tensor's own entries in C order, "
                           "so call .contiguous() first")
    base = storage_offset_of(self)
    off = base if storage_offset is None else int(storage_offset)
    places = off - base + sum((np.arange(n) * s).reshape((-1,) + (1,) * (len(size) - 1 - k))
                              for k, (n, s) in enumerate(zip(size, stride)))
    places = np.broadcast_to(places, size).astype(np.int64)
    count = int(np.prod(_shape(self), dtype=np.int64))
    if places.size and (places.min() < 0 or places.max() >= count):
        raise RuntimeError(f"Tensor.{name}: size {size}, stride {stride} and storage offset {off} "
                           f"reach outside the tensor's {count} entries (shape {_shape(self)}, "
                           f"storage offset {base}); tensorgrad reads only the tensor's own entries")
    return places


@gap("as_strided")
def as_strided(self, size, stride, storage_offset=None):
    """PyTorch's ``as_strided``: the entries at ``storage_offset + Σ i_k stride[k]`` of the
    tensor's entries in C order, a view: an in-place update of it reaches the tensor (where
    entries repeat, only with agreeing values), as in PyTorch. Only of a tensor that is not a
    part or view of another one and whose entries are contiguous (PyTorch's reads the memory
    underneath, which tensorgrad does not share), and not under ``tg.jit``, which does not
    trace memory layouts; these raise. Under ``tg.grad`` and the other transforms an in-place
    update of the view or of the tensor raises, as for ``t[i]``."""
    places = _strided_places("as_strided", self, size, stride, storage_offset)
    out = tgo.take(tgo.reshape(self, (-1,)), places)
    if type(out) is Tensor and type(self) is Tensor:
        if self._trace is None or self._trace is IMPERATIVE:
            again = lambda t: as_strided(t, size, stride, storage_offset)  # noqa: E731
            note_positions(self, out, False, again, again)
        else:  # (traced by a transform: an in-place update of either refuses, as for t[i])
            note_traced_part(self, out)
    return out


@gap("as_strided_scatter")
def as_strided_scatter(self, src, size, stride, storage_offset=None):
    """``self`` with ``src`` written where ``self.as_strided(size, stride, storage_offset)``
    reads (a position read twice takes the last write, as PyTorch's on the CPU)."""
    places = _strided_places("as_strided_scatter", self, size, stride, storage_offset)
    _same_kind("as_strided_scatter", self, src)
    _need_shape("as_strided_scatter", src, places.shape, "the strided view")
    if len(np.unique(places)) != places.size:
        raise RuntimeError(f"Tensor.as_strided_scatter: size {places.shape} and stride {stride} "
                           "write more than one entry to the same place (unsupported, as in PyTorch)")
    flat = tgo.reshape(self, (-1,)).at[places.reshape(-1)].set(tgo.reshape(src, (-1,)))
    return tgo.reshape(flat, _shape(self))


@gap("masked_scatter")
def masked_scatter(self, mask, source):
    """``self`` (broadcast with ``mask``, as PyTorch's out-of-place form) with the places where
    ``mask`` is true taking ``source``'s entries in C order."""
    shape = np.broadcast_shapes(_shape(self), _shape(mask))
    return _masked_scatter(self if _shape(self) == shape else tgo.broadcast_to(self, shape), mask, source)


@gap("narrow_copy")
def narrow_copy(self, dim, start, length):
    return tgo.copy(self.narrow(dim, start, length))


gap("unsafe_chunk")(lambda self, chunks, dim=0: chunk(self, chunks, dim))
gap("unsafe_split")(lambda self, split_size, dim=0: split(self, split_size, dim))
gap("unsafe_split_with_sizes")(lambda self, split_sizes, dim=0: split(self, list(split_sizes), dim))


# ---- fills and puts ---------------------------------------------------------------------
def _diagonal_mask(self, wrap):
    shape = _shape(self)
    if len(shape) < 2:
        raise RuntimeError(f"Tensor.fill_diagonal_: dimensions must be larger than 1, got shape {shape}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(f"Tensor.fill_diagonal_: all dimensions of input must be of equal "
                           f"length, got shape {shape}")
    mask = np.zeros(int(np.prod(shape)), bool)
    if len(shape) == 2:
        rows, cols = shape
        end = rows * cols if wrap else min(rows, cols) * cols
        mask[0:end:cols + 1] = True
    else:
        mask[::sum(int(np.prod(shape[k:])) for k in range(1, len(shape))) + 1] = True
    return mask.reshape(shape)


def _value_of(self, value):
    if isinstance(value, _ARRAYS):
        if np.ndim(value):
            raise RuntimeError(f"Tensor.fill_diagonal_: fill_value must be a number or a 0-d "
                               f"tensor, got shape {_shape(value)}")
        return tgo.astype(value, self.dtype)
    return np.asarray(value).astype(self.dtype)


def _fill_diagonal(self, fill_value, wrap=False):
    return tgo.where(_diagonal_mask(self, bool(wrap)), _value_of(self, fill_value), self)


def _put(self, index, source, accumulate=False):
    flat, at = tgo.reshape(self, (-1,)), tgo.reshape(index, (-1,))
    if np.dtype(at.dtype).kind not in "iu":
        raise TypeError(f"Tensor.put_: index must hold integers (int64), got dtype {_dt(at)}")
    if isinstance(source, _ARRAYS) and np.dtype(source.dtype) != np.dtype(self.dtype):
        raise RuntimeError(f"Tensor.put_: self and source must have the same dtype, got "
                           f"{_dt(self)} and {_dt(source)}")
    src = tgo.reshape(source, (-1,))
    if src.shape != at.shape:
        raise RuntimeError(f"Tensor.put_: source has {src.shape[0]} entries (shape "
                           f"{_shape(source)}) for {at.shape[0]} indices (shape {_shape(index)})")
    n = flat.shape[0]
    seen = np.asarray(concrete(at)) if not isinstance(at, Staged) else None
    if seen is not None and seen.size and (seen.min() < -n or seen.max() >= n):
        raise IndexError(f"Tensor.put_: an index is out of range for a tensor of {n} entries "
                         f"(shape {_shape(self)})")
    src = tgo.astype(src, self.dtype)
    out = flat.at[at].add(src) if accumulate else flat.at[at].set(src)
    return tgo.reshape(out, _shape(self))


def _torch():
    return sys.modules["tensorgrad.tensor_torch"]  # (which imports this module at its end)


def write(name, self, result):
    """``self`` takes ``result`` in place: :func:`tensorgrad.tensor_torch.write`."""
    return _torch().write(name, self, result)


def _writing(name, fresh):
    def m(self, *args, **kwargs):
        return write(name, self, fresh(self, *args, **kwargs))
    gap(name)(m)
    # (a tg.autograd.Function rule's array: its in-place methods write the out-of-place value)
    _torch()._RULE_WRITES[name] = lambda self, *a, **k: concrete(fresh(Tensor(np.asarray(self)), *a, **k))


_writing("fill_diagonal_", _fill_diagonal)
_torch()._OUT_OF_PLACE["fill_diagonal_"] = "t.diagonal_scatter(values, ...)"
_writing("put_", _put)
_writing("index_reduce_", index_reduce)
for _name in ("igamma_", "igammac_", "nextafter_", "bitwise_left_shift_", "bitwise_right_shift_"):
    _writing(_name, lambda self, *a, _n=_name[:-1], **k: getattr(self, _n)(*a, **k))


def _constant_only(name, self):
    if type(self) is not Tensor or traced_level(self) > 0 or self._trace not in (None, IMPERATIVE) \
            or type(self._value) is not np.ndarray and not np.isscalar(self._value):
        raise TypeError(f"Tensor.{name}: values traced by a transform (grad, vmap, jit, ...) are "
                        "immutable and have no derivative through a Python callable")
    if self._trace is IMPERATIVE and self.requires_grad:
        raise RuntimeError(f"Tensor.{name}: the tensor requires grad and {name} has no derivative; "
                           "use it on t.detach() or inside tg.no_grad() on a constant")


@gap("apply_")
def apply_(self, callable):  # noqa: A002  (PyTorch's name)
    """Each entry replaced by ``callable(entry)`` (a constant tensor only, as PyTorch's)."""
    _constant_only("apply_", self)
    v = np.asarray(concrete(self))
    out = np.array([callable(e) for e in v.reshape(-1).tolist()], dtype=object).reshape(v.shape)
    return write("apply_", self, out.astype(v.dtype))


@gap("map_")
def map_(self, tensor, callable):  # noqa: A002
    """Each entry replaced by ``callable(entry, other's entry)`` (``tensor`` broadcast)."""
    _constant_only("map_", self)
    v = np.asarray(concrete(self))
    w = np.broadcast_to(np.asarray(concrete(tensor)), v.shape)
    out = [callable(a, b) for a, b in zip(v.reshape(-1).tolist(), w.reshape(-1).tolist())]
    return write("map_", self, np.array(out, dtype=object).reshape(v.shape).astype(v.dtype))


@gap("resize_")
def resize_(self, *sizes, memory_format=None):
    """PyTorch's: the tensor takes the shape ``sizes``, keeping its first entries in C order
    (zeros after them where it grows: PyTorch's are uninitialized). A constant tensor only."""
    shape = ints_of("resize_", sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Tensor.resize_: negative size in {shape}")
    if type(self) is Tensor and self._trace is IMPERATIVE and self.requires_grad:
        raise RuntimeError("Tensor.resize_: cannot resize variables that require grad")
    _constant_only("resize_", self)
    if shape != _shape(self) and (is_view(self) or has_parts(self)):
        raise RuntimeError(f"Tensor.resize_: the tensor (shape {_shape(self)}) is a view of another "
                           "tensor or has views kept, which a new shape would cut off (tensorgrad's "
                           "views are not memory); resize a .clone(), or drop the views first")
    v = np.asarray(concrete(self)).reshape(-1)
    n = int(np.prod(shape, dtype=np.int64))
    self._value = np.concatenate([v[:n], np.zeros(max(0, n - v.size), v.dtype)]).reshape(shape)
    return self


gap("resize_as_")(lambda self, other, memory_format=None: resize_(self, _shape(other)))


# ---- randomness ----------------------------------------------------------------------------
@gap("bernoulli")
def bernoulli(self, p=None, *, generator=None):
    """Draws of 0 or 1 (in the tensor's dtype) with probability ``p`` of 1, or with the tensor's
    entries as probabilities; a constant (no gradient), as PyTorch's."""
    probs = np.asarray(concrete(self) if p is None else concrete(p), np.float64)
    if not np.all((probs >= 0) & (probs <= 1)):
        raise RuntimeError(f"Tensor.bernoulli: the probabilities must lie in [0, 1] (shape "
                           f"{probs.shape})")
    if np.dtype(self.dtype).kind not in "fiub":
        raise TypeError(f"Tensor.bernoulli: unsupported dtype {_dt(self)}")
    draws = _init._gen("bernoulli", generator).random(_shape(self)) < probs
    return _tensor(draws.astype(self.dtype))


gap("multinomial")(lambda self, num_samples, replacement=False, *, generator=None:
                   _multinomial(self, num_samples, replacement, generator=generator))


# ---- legacy LU --------------------------------------------------------------------------
@gap("lu")
def lu(self, pivot=True, get_infos=False):
    """PyTorch's legacy ``t.lu()``: ``(LU, pivots)`` (1-based int32), with ``get_infos`` also
    LAPACK's infos; a singular matrix is factored too. Differentiable in the tensor."""
    LU, piv, info = _lt.lu_factor_ex(self, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


@gap("lu_solve")
def lu_solve(self, LU_data, LU_pivots):
    """``X`` with ``A X = self`` from ``(LU_data, LU_pivots) = A.lu()``."""
    return _lt.lu_solve(LU_data, LU_pivots, self)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """PyTorch's ``torch.lu_unpack``: ``(P, L, U)`` with ``A = P @ L @ U`` from ``A.lu()``;
    differentiable in ``LU_data``. An unpacked part not asked for is an empty tensor."""
    s = _shape(LU_data)
    if len(s) < 2:
        raise ValueError(f"lu_unpack: LU_data must be a matrix or a stack of them, got shape {s}")
    piv = LU_pivots if isinstance(LU_pivots, _ARRAYS) else np.asarray(LU_pivots)
    m, n = s[-2:]
    k = min(m, n)
    if np.dtype(piv.dtype).kind not in "iu" or _shape(piv)[-1:] != (k,):
        raise ValueError(f"lu_unpack: LU_pivots must be integers of shape (..., {k}) for LU_data of "
                         f"shape {s}, got shape {_shape(piv)} and dtype {_dt(piv)}")
    P = L = U = _tensor(np.zeros((0,), np.dtype(LU_data.dtype)))
    if unpack_data:
        L, U = _lt.lu_parts(LU_data, m, k, np.dtype(LU_data.dtype))
    if unpack_pivots:
        seen = concrete(piv)
        if isinstance(seen, np.ndarray) and seen.size and (seen.min() < 1 or seen.max() > m):
            raise ValueError(f"lu_unpack: LU_pivots must lie in 1..{m} (PyTorch's 1-based pivots "
                             f"of a matrix with {m} rows), got values from {seen.min()} to {seen.max()}")
        perm = perm_from_piv(tgo.astype(piv, np.int64) - 1, m)
        P = _lt.permutation_matrix(perm, m, np.dtype(LU_data.dtype))
        P = P if isinstance(P, (Tensor, Staged)) else _tensor(np.asarray(P))
    return LUUnpack(P, L, U)


# ---- layout, storage and device: PyTorch's answers for a dense CPU tensor --------------------
class _Layout:
    """PyTorch's ``torch.strided``: the layout of every tensorgrad tensor (dense)."""

    def __repr__(self) -> str:
        return "torch.strided"

    def __reduce__(self):
        return "strided"


strided = _Layout()


def _array(self) -> np.ndarray:
    return np.asarray(concrete(self))


def _root(v: np.ndarray) -> np.ndarray:
    while isinstance(v.base, np.ndarray):
        v = v.base
    return v


def storage_offset_of(self) -> int:
    """PyTorch's ``storage_offset()``: entries from the start of the memory the tensor's value
    is a view of (0 for a tensor owning its memory; ``x[1:]``'s is ``x``'s row length)."""
    v = concrete(self)
    if type(v) is not np.ndarray or v.size == 0:
        return 0
    if type(self) is Tensor and not is_view(self):  # (a tensor of its own, whose value may
        return 0  # share memory with another's: tensor values are never written in place)
    start = v.__array_interface__["data"][0]
    return (start - _root(v).__array_interface__["data"][0]) // v.itemsize


def _no(kind):
    return lambda self, *a, **k: False


for _name in ("is_pinned", "is_shared", "is_distributed", "is_inference"):
    gap(_name)(_no(_name))
for _name in ("is_nested", "is_sparse", "is_sparse_csr", "is_quantized", "is_mkldnn", "is_xpu",
              "is_ipu", "is_mtia", "is_maia", "is_vulkan", "is_xla"):
    GAPS[_name] = property(lambda self: False, doc=f"PyTorch's ``{_name}``: False (a dense CPU tensor).")
GAPS["layout"] = property(lambda self: strided, doc="PyTorch's layout: ``tg.strided`` (dense).")
GAPS["name"] = property(lambda self: None, doc="PyTorch's named-tensor name: None (no names).")
gap("storage_offset")(storage_offset_of)
gap("data_ptr")(lambda self: int(_array(self).__array_interface__["data"][0]))
gap("to_dense")(lambda self, dtype=None, *, masked_grad=None: self if dtype is None else tgo.astype(self, dtype))


def _volatile(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
    return False


GAPS["volatile"] = property(_volatile)


@gap("is_set_to")
def is_set_to(self, tensor):
    """Whether both tensors address the same memory with the same shape and strides."""
    a, b = _array(self), _array(tensor)
    return a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape \
        and a.strides == b.strides and a.dtype == b.dtype and np.may_share_memory(a, b) or self is tensor


@gap("is_coalesced")
def is_coalesced(self):
    raise RuntimeError("Tensor.is_coalesced: expected a sparse COO tensor, got a dense (strided) "
                       "one; tensorgrad has no sparse tensors")


@gap("dim_order")
def dim_order(self, *, ambiguity_check=False):
    """The dims from the outermost in memory to the innermost (by stride, ties in order)."""
    steps = _array(self).strides
    return tuple(sorted(range(len(steps)), key=lambda d: -steps[d]))


def _refuse(name, what, error=RuntimeError):
    def m(self, *args, **kwargs):
        raise error(f"Tensor.{name}: {what}")
    gap(name)(m)


for _name in ("to_sparse", "to_sparse_csr", "to_sparse_csc", "to_sparse_bsr", "to_sparse_bsc", "to_sparse_coo"):
    _refuse(_name, "tensorgrad has no sparse tensors (every tensor is dense, layout tg.strided)")
_refuse("cuda", "Torch not compiled with CUDA enabled: tensorgrad computes on the CPU only", AssertionError)
_refuse("pin_memory", "Cannot access accelerator device when none is available (tensorgrad "
        "computes on the CPU only)")
_refuse("share_memory_", "tensorgrad cannot move a tensor's memory into shared memory (its "
        "values are NumPy arrays of this process)")
_refuse("chalf", "tensorgrad has no complex32 (chalf) dtype; use cfloat() (complex64)", TypeError)
_refuse("bfloat16", "tensorgrad has no bfloat16 dtype (NumPy lacks it); use half() or float()", TypeError)


@gap("new")
def new(self, *args, dtype=None, device=None, requires_grad=False):
    """PyTorch's legacy ``t.new(...)``: ``new()`` an empty tensor, ``new(2, 3)`` (or
    ``new(*t.size())``) a tensor of that shape (zeros; PyTorch's are uninitialized), ``new(data)``
    (a list or tuple of numbers, or a tensor) one holding that data; the tensor's dtype.
    ``t.size()`` is a plain tuple here, so ``new(t.size())`` is data, not a shape."""
    dt = np.dtype(dtype or self.dtype)
    if not args:
        return _tensor(np.zeros((0,), dt), requires_grad=requires_grad)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return _tensor(np.zeros(ints_of("new", args), dt), requires_grad=requires_grad)
    if len(args) == 1:
        return _tensor(np.array(concrete(args[0]), dtype=dt), requires_grad=requires_grad)
    raise TypeError(f"Tensor.new: takes sizes (ints) or one sequence of data, got {args!r}")


@gap("new_empty_strided")
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """A tensor of ``size``, zeros (PyTorch's are uninitialized), of the tensor's dtype. Its
    values are a tensor's own: ``stride()`` reports a contiguous layout, and entries a zero
    stride would make share one place in PyTorch are separate here."""
    size, stride = ints_of("new_empty_strided", (size,)), ints_of("new_empty_strided", (stride,))
    if len(size) != len(stride) or any(s < 0 for s in size + stride):
        raise ValueError(f"Tensor.new_empty_strided: size {size} and stride {stride} must be "
                         "non-negative and of the same length")
    return _tensor(np.zeros(size, np.dtype(dtype or self.dtype)), requires_grad=requires_grad)


@gap("nonzero_static")
def nonzero_static(self, *, size, fill_value=-1):
    """The indices of the non-zero entries (``(size, ndim)``, int64), cut at ``size`` rows or
    filled up to them with ``fill_value``; a constant."""
    if int(size) < 0:
        raise RuntimeError(f"Tensor.nonzero_static: size must be non-negative, got {size}")
    found = np.argwhere(_array(self)).astype(np.int64)[:int(size)]
    out = np.full((int(size), found.shape[1]), fill_value, np.int64)
    out[:len(found)] = found
    return _tensor(out)


def _install() -> None:
    METHODS.update(GAPS)
    for cls in (Tensor, Staged):
        for name, fn in GAPS.items():
            setattr(cls, name, fn)


_install()
del _name
