"""PyTorch's Tensor methods, part three: the remaining everyday names (``mode``, ``type``,
``addr``, ``cov``, ``frexp``, ``hsplit``, ...), each built from tensorgrad's differentiable
functions. Registered into ``METHODS``; :mod:`tensorgrad.tensor_torch` installs them."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import ops as tgo
from . import special
from .recording import IMPERATIVE
from .tensor import Tensor, concrete, torch_made
from .flavor import torch_style
from .hooks import TorchValueError, checked_index
from .tensor_torch_more import dims_of, each_result, dim_of, method, split, values_indices

__all__: list = []
_frexp_pair = namedtuple("frexp", "mantissa exponent")

# PyTorch's legacy type names, by dtype
_TYPE_NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
               np.dtype(np.float16): "HalfTensor", np.dtype(np.uint8): "ByteTensor",
               np.dtype(np.int8): "CharTensor", np.dtype(np.int16): "ShortTensor",
               np.dtype(np.int32): "IntTensor", np.dtype(np.int64): "LongTensor",
               np.dtype(np.bool_): "BoolTensor", np.dtype(np.complex64): "ComplexFloatTensor",
               np.dtype(np.complex128): "ComplexDoubleTensor"}
_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}


@method("type")
def type_(self, dtype=None, non_blocking=False, **kwargs):
    """PyTorch's ``t.type()``: the legacy type name (``'torch.DoubleTensor'``); ``t.type(dtype)``
    (a dtype or such a name): the values cast to it."""
    if dtype is None:
        return "torch." + _TYPE_NAMES.get(np.dtype(self.dtype), "Tensor")
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        if name not in _BY_NAME:
            raise TypeError(f"Tensor.type: unknown type name {dtype!r}")
        dtype = _BY_NAME[name]
    return tgo.astype(self, np.dtype(dtype))


method("byte")(lambda self, memory_format=None: tgo.astype(self, np.uint8))
method("char")(lambda self, memory_format=None: tgo.astype(self, np.int8))
method("positive")(lambda self: self)
method("bitwise_not")(lambda self: tgo.bitwise_not(self))
method("argwhere")(lambda self: tgo.astype(tgo.argwhere(self), np.int64))
method("isposinf")(lambda self: tgo.isposinf(self))
method("isneginf")(lambda self: tgo.isneginf(self))
method("i0")(lambda self: tgo.i0(self))
method("polygamma")(lambda self, n: special.polygamma(n, self))
method("gcd")(lambda self, other: tgo.gcd(self, other))
method("lcm")(lambda self, other: tgo.lcm(self, other))
method("diagflat")(lambda self, offset=0: tgo.diagflat(self, offset))
method("corrcoef")(lambda self: _own_float(self, tgo.corrcoef(self)))
method("mvlgamma")(lambda self, p: special.multigammaln(self, p))
# no lazy conjugate or negation bits here: resolving returns the tensor, the physical conjugate
# is the conjugate (of a real tensor: the tensor)
method("conj_physical")(lambda self: tgo.conjugate(self) if np.dtype(self.dtype).kind == "c" else self)
method("resolve_conj")(lambda self: self)
method("resolve_neg")(lambda self: self)
method("is_conj")(lambda self: False)
method("is_neg")(lambda self: False)


def _own_float(self, r):
    """``r`` in the tensor's floating or complex dtype (PyTorch keeps float32 and complex64
    where NumPy gives float64 and complex128)."""
    return tgo.astype(r, self.dtype) if np.dtype(self.dtype).kind in "fc" else r


@method("detach_")
def detach_(self):
    """PyTorch's: the tensor itself, cut from the graph in place (a constant: it no longer
    requires grad). A value a transform traces is immutable: use ``detach()``."""
    if self._trace is not None and self._trace is not IMPERATIVE or type(self._value) is Tensor:
        raise TypeError("Tensor.detach_: values traced by a transform (grad, vmap, jit, ...) are "
                        "immutable; use t.detach() and the value it returns")
    self._trace, self._node = None, None
    return self


@method("ldexp")
def ldexp(self, other):
    """PyTorch's ``input * 2**other`` (a floating result; ``other`` may be any number)."""
    x = self if np.issubdtype(np.dtype(self.dtype), np.inexact) else tgo.astype(self, np.float64)
    return x * tgo.exp2(tgo.astype(other, x.dtype) if hasattr(other, "dtype") else float(other))


@method("frexp")
def frexp(self):
    """PyTorch's ``(mantissa, exponent)``: the exponent as int32."""
    m, e = tgo.frexp(self)
    return _frexp_pair(m, tgo.astype(e, np.int32))


@method("cov")
def cov(self, *, correction=1, fweights=None, aweights=None):
    """PyTorch's ``cov``: rows are the variables, columns the observations."""
    return _own_float(self, tgo.cov(self, ddof=correction, fweights=fweights, aweights=aweights))


@method("addr")
def addr(self, vec1, vec2, *, beta=1, alpha=1):
    """``beta * self + alpha * outer(vec1, vec2)``."""
    return _scaled(self, beta) + _scaled(tgo.outer(vec1, vec2), alpha)


@method("addbmm")
def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """``beta * self + alpha * Σ_b batch1[b] @ batch2[b]``."""
    return _scaled(self, beta) + _scaled(tgo.sum(tgo.matmul(batch1, batch2), axis=0), alpha)


def _scaled(x, c):
    """PyTorch's ``beta * x``, where ``beta == 0`` drops ``x`` (NaN and inf in it too)."""
    if c == 0:
        return tgo.zeros_like(x)
    return x if c == 1 else c * x


@method("split_with_sizes")
def split_with_sizes(self, split_sizes, dim=0):
    return split(self, list(split_sizes), dim)


def _sections(name):
    def cut(self, indices_or_sections):
        if isinstance(indices_or_sections, (list, tuple)):
            indices_or_sections = [int(i) for i in indices_or_sections]
        return tuple(getattr(tgo, name)(self, indices_or_sections))
    cut.__name__ = name
    return cut


for _name in ("hsplit", "vsplit", "dsplit"):
    method(_name)(_sections(_name))


@method("mode")
def mode(self, dim=-1, keepdim=False):
    """PyTorch's ``(values, indices)``: the most frequent value along ``dim`` (the smallest of
    those tied), at the last index where it occurs; the gradient goes to that entry."""
    if self.ndim == 0:
        return values_indices(self, np.asarray(0, np.int64))
    d = dim_of("mode", dim, self.ndim)
    x = np.moveaxis(np.asarray(concrete(self)), d, -1)
    n = x.shape[-1]
    if n == 0:
        raise IndexError(f"Tensor.mode: dim {dim} of shape {tuple(self.shape)} is empty")
    order = np.argsort(x, axis=-1, kind="stable")
    s = np.take_along_axis(x, order, -1)
    new = np.ones(s.shape, bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    run = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=-1)
    length = np.arange(n) - run + 1   # length of the run of equal values up to each place
    best = np.argmax(length == length.max(axis=-1, keepdims=True), axis=-1)  # the smallest tied
    value = np.take_along_axis(s, best[..., None], -1)
    last = n - 1 - np.argmax((x == value)[..., ::-1], axis=-1)
    idx = np.expand_dims(last, d).astype(np.int64)
    values = tgo.take_along_axis(self, idx, axis=d)
    if not keepdim:
        values, idx = tgo.squeeze(values, d), np.squeeze(idx, d)
    return values_indices(values, idx)


@method("take_along_dim")
def take_along_dim(self, indices, dim=None):
    if dim is None:
        return tgo.take_along_axis(tgo.reshape(self, (-1,)), tgo.reshape(indices, (-1,)), 0)
    dim = dim_of("take_along_dim", dim, self.ndim)
    if indices.ndim != self.ndim:
        raise ValueError(f"Tensor.take_along_dim: indices have {indices.ndim} dims, the tensor "
                         f"{self.ndim}")
    a, b = list(self.shape), list(indices.shape)
    a[dim] = b[dim] = 1
    shape = list(np.broadcast_shapes(tuple(a), tuple(b)))
    ishape = list(shape)
    shape[dim], ishape[dim] = self.shape[dim], indices.shape[dim]
    return tgo.take_along_axis(tgo.broadcast_to(self, tuple(shape)),
                               tgo.broadcast_to(indices, tuple(ishape)), dim)


@method("index_select")
def index_select(self, dim, index):
    if np.ndim(index) == 0:  # PyTorch: a 0-d index selects a length-1 slice (the dim stays)
        index = tgo.reshape(index, (1,))
    if np.ndim(index) != 1:
        raise IndexError(f"Tensor.index_select: the index must be 0-d or 1-d, got shape "
                         f"{tuple(np.shape(index))}")
    dim = dim_of("index_select", dim, self.ndim)
    checked_index("index_select", index, self.shape[dim], dim)
    return tgo.take(self, index, axis=dim)

#: methods whose integer or boolean results NumPy computes (counts, indices, exponents,
#: masks): given as constant tensors for a tensor, as PyTorch's are (tensor_torch wraps them)
INT_RESULTS = ("angle", "argwhere", "bincount", "count_nonzero", "frexp", "isreal", "mode",
               "unique", "unique_consecutive", "nonzero_torch")


def tensors_out(fn):
    """``fn`` with the NumPy arrays among its results made constant tensors when it is called
    on a tensor (a traced value or an array keeps them as they are)."""
    def m(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        if type(self) is not Tensor:
            return r
        made = torch_made if torch_style(self) else Tensor
        return each_result(lambda v: made(v) if type(v) is np.ndarray else v, r)
    m.__name__ = m.__qualname__ = getattr(fn, "__name__", "method")
    m.__doc__ = fn.__doc__
    return m


class SizeInt(int):
    """NumPy's ``size`` (the number of entries, an int) that is also PyTorch's ``size()``:
    ``t.size()`` is the shape, ``t.size(d)`` the length of axis ``d``."""

    def __new__(cls, shape):
        self = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        self.shape = tuple(shape)
        return self

    def __call__(self, dim=None):
        if dim is None:
            return self.shape
        n = len(self.shape)
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)) \
                or not -n <= dim < n:
            raise IndexError(f"Tensor.size: dim {dim!r} is out of range for a tensor of {n} dims")
        return self.shape[dim]

    def __reduce__(self):
        return (int, (int(self),))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # a Python int to NumPy (weak under NEP 50: float32 / t.size stays float32), not an
        # int subclass, which NumPy would take as a strong int64; so for NumPy's functions
        inputs = tuple(int(v) if type(v) is SizeInt else v for v in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        args = tuple(int(v) if type(v) is SizeInt else v for v in args)
        return func(*args, **{k: int(v) if type(v) is SizeInt else v for k, v in kwargs.items()})


@method("roll")
def roll(self, shifts, dims=None):
    if dims is None:  # (one shift for the flattened tensor, as PyTorch's)
        if np.size(concrete(shifts)) != 1:
            raise TorchValueError(f"Tensor.roll: shifts {shifts!r} without dims: give one dim "
                                  "for each shift (or one shift for the flattened tensor)")
        return tgo.roll(self, shifts)
    n_s, n_d = (np.size(concrete(v)) for v in (shifts, dims))  # (a number: 1)
    if n_s != n_d:  # (PyTorch's rule: one shift per dim; NumPy would broadcast them)
        raise TorchValueError(f"Tensor.roll: shifts {shifts!r} and dims {dims!r} must align: "
                              "one shift for each dim")
    return tgo.roll(self, shifts, dims_of("roll", dims, self.ndim))
