"""The rest of NumPy's namespace that ``jax.numpy`` also has, so ``tg`` can stand in for
``np``/``jnp``: shape queries, index builders, dtype utilities and names, window
functions, and the index tricks ``r_``, ``c_``, ``s_``, ``mgrid``, ``ogrid``.

Everything here either only looks at shapes and dtypes or builds constants
(integer indices, window coefficients), so most names are NumPy's own
functions. ``shape``, ``ndim`` and ``size`` also read traced values, and
``r_``/``c_`` join traced values with registered ops, so the gradient reaches
each piece.
"""
from __future__ import annotations

import numpy as np

from ..op_errors import naming
from ..serialization import load, save  # noqa: F401  (in __all__)
from ..torch_form import torch_form_of
from ._util import any_traced, concrete, dtype_of, negative_axes, reduced_count, shape_of
from .elementwise import astype
from .shape import concatenate, reshape, swapaxes, transpose
from .special_fns import i0
from .signal import linspace
from .scalar_types import bool_, double, float_, int_, single, uint, uint16, uint32, uint64  # noqa: F401


def shape(a) -> tuple:
    """The shape of ``a`` (NumPy's ``shape``; also for traced values)."""
    return shape_of(concrete(a)) if any_traced(a) else np.shape(a)


def ndim(a) -> int:
    """The number of dimensions of ``a`` (NumPy's ``ndim``)."""
    return len(shape(a))


def size(a, axis: int | tuple | None = None) -> int:
    """The number of entries of ``a``, or of one slice along ``axis`` (an int or a tuple of
    ints, as NumPy's ``size``: the product of those lengths)."""
    s = shape(a)
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    return reduced_count(s, negative_axes(axis, len(s), "size"))


# integer index builders, window functions, dtype utilities: NumPy's own
diag_indices = np.diag_indices


def _triangle_indices(numpy_fn, doc: str):
    def fn(n: int, k: int = 0, m: int | None = None) -> tuple:
        return numpy_fn(n, k, m)
    fn.__name__ = fn.__qualname__ = numpy_fn.__name__
    fn.__doc__ = (f"The row and column indices of the {doc} of an (n, m) array above diagonal "
                  f"``k`` (NumPy's ``{numpy_fn.__name__}``: a tuple of two integer arrays). "
                  f"With PyTorch's keywords (``offset=``, ``row=``, ``col=``), PyTorch's "
                  f"``{numpy_fn.__name__}(row, col, offset=0)``: one (2, N) int64 tensor.")
    return naming(fn, torch_form_of(fn))


tril_indices = _triangle_indices(np.tril_indices, "lower triangle (on and below)")
triu_indices = _triangle_indices(np.triu_indices, "upper triangle (on and above)")
indices, unravel_index = np.indices, np.unravel_index


def mask_indices(n: int, mask_func, k: int = 0, *, size: int | None = None) -> tuple:
    """The indices where ``mask_func(ones((n, n)), k)`` is non-zero (NumPy's
    ``mask_indices``); JAX's ``size`` gives exactly that many (padded with 0)."""
    rows, cols = np.mask_indices(n, lambda a, kk: np.asarray(concrete(mask_func(a, kk))), k)
    if size is None:
        return rows, cols
    size = int(size)
    keep = min(rows.size, size)
    return tuple(np.concatenate([i[:keep], np.zeros(size - keep, i.dtype)]) for i in (rows, cols))


def ravel_multi_index(multi_index, dims, mode="raise", order="C", *, dtype=None):
    """NumPy's ``ravel_multi_index`` (``dtype`` as ``jnp.ravel_multi_index``'s: the result's)."""
    out = np.ravel_multi_index(multi_index, dims, mode=mode, order=order)
    return out if dtype is None else astype(out, dtype)
bartlett, blackman, hamming, hanning = np.bartlett, np.blackman, np.hamming, np.hanning


def kaiser(M: int, beta) -> np.ndarray:
    """NumPy's Kaiser window of ``M`` points, ``I0(β·√(1 − (2n/(M−1) − 1)²)) / I0(β)``; a traced
    ``beta`` differentiates (as ``jnp.kaiser``)."""
    if not any_traced(beta):
        return np.kaiser(M, concrete(beta))
    M = int(M)
    if M <= 1:
        return np.ones(max(M, 0))
    n = np.arange(M)
    r = np.sqrt(np.clip(1.0 - (2.0 * n / (M - 1) - 1.0) ** 2, 0.0, None))
    return i0(beta * r) / i0(beta)
dtype, finfo, iinfo = np.dtype, np.finfo, np.iinfo
issubdtype, promote_types, can_cast, isdtype = np.issubdtype, np.promote_types, np.can_cast, np.isdtype
result_type, broadcast_shapes = np.result_type, np.broadcast_shapes
isscalar, iscomplexobj, isrealobj = np.isscalar, np.iscomplexobj, np.isrealobj
s_, index_exp, mgrid, ogrid = np.s_, np.index_exp, np.mgrid, np.ogrid
euler_gamma = np.euler_gamma
iterable = np.iterable
nextafter = np.nextafter  # (no derivative: on a traced value it is the "no tensorgrad rule" error)
# files, buffers and printing: NumPy's own (a traced value refuses to become an array)
savez, savez_compressed = np.savez, np.savez_compressed
# save and load: NumPy's, and PyTorch's save(obj, f) / load(f) (tensorgrad.serialization)
fromfile, frombuffer, fromiter, fromstring = np.fromfile, np.frombuffer, np.fromiter, np.fromstring
printoptions, get_printoptions, set_printoptions = np.printoptions, np.get_printoptions, np.set_printoptions
# dtype names (as in NumPy 2 and jax.numpy)
complex64, complex128, complex_ = np.complex64, np.complex128, np.complex128
csingle, cdouble, object_ = np.csingle, np.cdouble, np.object_
character, flexible = np.character, np.flexible
generic, number, inexact, floating, integer = np.generic, np.number, np.inexact, np.floating, np.integer
signedinteger, unsignedinteger, complexfloating = np.signedinteger, np.unsignedinteger, np.complexfloating


def _at_least(x, ndmin: int):
    """``x`` with leading size-1 axes up to ``ndmin`` dimensions."""
    s = shape_of(concrete(x))
    return reshape(x, (1,) * (ndmin - len(s)) + s) if len(s) < ndmin else x


class _Concatenator:
    """``r_[...]`` and ``c_[...]``: NumPy's index-expression concatenation, also for traced
    values (joined with ``concatenate``, so each piece keeps its gradient)."""

    def __init__(self, axis: int, ndmin: int, trans1d: int, name: str):
        self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

    def __len__(self) -> int:
        return 0

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        if not any_traced(*items):
            return (np.r_ if self.name == "r_" else np.c_)[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if items and isinstance(items[0], str):
            directive = items[0]
            if directive in ("r", "c"):
                raise NotImplementedError(f"{self.name}: the matrix directives 'r' and 'c' are "
                                          "not supported with traced values")
            try:
                parts = [int(p) for p in directive.split(",")]
            except ValueError:
                raise ValueError(f"{self.name}: unknown directive {directive!r}") from None
            axis = parts[0]
            if len(parts) > 1:
                ndmin = parts[1]
            if len(parts) == 3:
                trans1d = parts[2]
            items = items[1:]
        pieces, types = [], []
        for item in items:
            scalar = False
            if isinstance(item, slice):
                start = 0 if item.start is None else item.start
                step = 1 if item.step is None else item.step
                if isinstance(step, (complex, np.complexfloating)):
                    piece = linspace(start, item.stop, num=int(abs(step)))
                else:
                    piece = np.arange(start, item.stop, step)
                if ndmin > 1:
                    piece = _at_least(piece, ndmin)
                    if trans1d != -1:
                        piece = swapaxes(piece, -1, trans1d)
            elif isinstance(item, str):
                raise ValueError(f"{self.name}: a string directive may only come first")
            elif type(item) in np.ScalarType:
                scalar = True
                piece = item
            else:
                piece = item if any_traced(item) else np.asarray(item)
                nd = len(shape_of(concrete(piece)))
                piece = _at_least(piece, ndmin)
                if trans1d != -1 and nd < ndmin:  # where the item's own axes go
                    k2, k1 = ndmin - nd, trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    order = list(range(ndmin))
                    piece = transpose(piece, tuple(order[:k1] + order[k2:] + order[k1:k2]))
            pieces.append(piece)
            types.append(item if scalar else dtype_of(concrete(piece)))
        if types:  # Python scalars are weak, as in NumPy
            final = np.result_type(*types)
            pieces = [_at_least(p if any_traced(p) else np.asarray(p), ndmin) for p in pieces]
            pieces = [p if dtype_of(concrete(p)) == final else astype(p, final) for p in pieces]
        return concatenate(pieces, axis=axis)


r_ = _Concatenator(0, 1, -1, "r_")
c_ = _Concatenator(-1, 2, 0, "c_")

__all__ = ["shape", "ndim", "size", "diag_indices", "tril_indices", "triu_indices", "indices",
           "mask_indices", "ravel_multi_index", "unravel_index", "bartlett", "blackman", "hamming",
           "hanning", "kaiser", "dtype", "finfo", "iinfo", "issubdtype", "promote_types",
           "can_cast", "isdtype", "result_type", "broadcast_shapes", "isscalar", "iscomplexobj",
           "isrealobj", "s_", "index_exp", "mgrid", "ogrid", "euler_gamma", "float_", "double",
           "single", "int_", "uint", "uint16", "uint32", "uint64", "complex64", "complex128",
           "generic", "number", "inexact", "floating", "integer", "signedinteger",
           "unsignedinteger", "complexfloating", "r_", "c_", "complex_", "csingle", "cdouble",
           "object_", "character", "flexible", "iterable", "nextafter", "bool", "load", "save",
           "savez", "savez_compressed", "fromfile", "frombuffer", "fromiter", "fromstring",
           "printoptions", "get_printoptions", "set_printoptions"]

bool = bool_  # noqa: A001  (jax.numpy's and NumPy 2's name; last, so nothing above sees it)
