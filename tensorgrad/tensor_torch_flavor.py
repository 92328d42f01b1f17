"""PyTorch's meaning of the method names NumPy's ndarray shares, on the tensors that follow
PyTorch (see :mod:`tensorgrad.flavor`).

:mod:`tensorgrad.tensor_torch` gives each shared name NumPy's meaning for NumPy-style calls and
PyTorch's for PyTorch's keywords. Here a tensor made by PyTorch's API (or computed from one)
gives PyTorch's meaning to its positional calls too: ``t.std()`` and ``t.var(0)`` are unbiased,
``t.max(1)`` / ``t.min(0)`` return ``(values, indices)``, ``m.transpose(0, 1)`` swaps,
``t.repeat(2, 1)`` tiles, ``t.sort()`` returns ``(values, indices)``, ``t.squeeze(0)`` leaves
an axis longer than 1 alone, ``t.nonzero()`` is the ``(n, ndim)`` index tensor. NumPy's
keywords (``axis=``, ``ddof=``, ``keepdims=``, ...) still select NumPy's meaning. So do the
arrays PyTorch's API hands out (RuleArray and its subclasses: ``t.grad``, ``t.data``,
parameters, a custom Function's rules' arrays), which NumPy's functions see as plain arrays.

The top-level functions of those names follow their first argument the same way, as
PyTorch's ``torch.max(t, 1)`` does (:func:`functions`): ``tg.max(t, 1)``, ``tg.std(t)``,
``tg.sort(t)``, ``tg.transpose(t, 0, 1)``, ``tg.squeeze(t, 0)``, ``tg.nonzero(t)``,
``tg.median(t)`` and ``tg.nanmedian(t)`` (the lower middle value), ``tg.quantile(t, q, 1, True)``
(``keepdim``, where NumPy's fourth argument is ``out``), ``tg.equal(t, u)`` (one bool),
``tg.split(t, 2)`` (pieces of 2), ``tg.norm(t, 1)`` (the sum of the magnitudes) and
``tg.select(t, 0, 1)``; ``tg.meshgrid(a, b)`` of such tensors indexes as PyTorch's ("ij"); ``tg.diagonal``, ``tg.reshape``,
``tg.swapaxes``, ``tg.ravel``, ``tg.moveaxis`` and ``tg.hsplit``/``vsplit``/``dsplit`` give
views of such a tensor, as its methods do.
"""
from __future__ import annotations

import functools

import numpy as np

from . import ops as tgo
from . import torch_form
from .autograd_function import RuleArray, plain_arrays
from . import tensor_torch, tensor_view_methods  # noqa: F401  (install the methods wrapped here:
# the view methods record their calls for replay, which must see PyTorch's keywords)
from .flavor import torch_style
from .tensor import Tensor, torch_made
from .tensor_torch_more import each_result
from .ufunc_keywords import named_inputs

__all__: list = []

#: NumPy's keywords of the shared methods: a call with one of them means NumPy's method
_NUMPY_KEYWORDS = frozenset({"axis", "axes", "ddof", "keepdims", "dtype", "out", "where", "mean",
                             "initial", "kind", "order", "repeats", "size", "fill_value", "axisa",
                             "axisb", "axisc", "weights", "return_index", "equal_nan", "length"})


def _int(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _bools(args) -> bool:
    return all(isinstance(a, (bool, np.bool_)) for a in args)


def _torch_call(self, kwargs) -> bool:
    return torch_style(self) and not _NUMPY_KEYWORDS.intersection(kwargs)


def _spread(orig):
    """std, var: ``(dim=None, unbiased=True, keepdim=False)``, positionally too."""
    def m(self, *args, **kwargs):
        if _torch_call(self, kwargs) and len(args) <= 3 and _bools(args[1:]) \
                and not (args and isinstance(args[0], (bool, np.bool_))) \
                and not {"dim", "unbiased", "correction", "keepdim"}.intersection(kwargs):
            return orig(self, **dict(zip(("dim", "unbiased", "keepdim"), args or (None,))), **kwargs)
        return orig(self, *args, **kwargs)
    return m


def _extremum(orig, elementwise):
    """max, min: ``t.max(1)`` is ``(values, indices)``; ``t.max(u)`` with a tensor ``u`` (a 0-d
    integer one too, such as an ``argmax``) the elementwise maximum, as PyTorch's."""
    def m(self, *args, **kwargs):
        if len(args) == 1 and _torch_call(self, kwargs) and "dim" not in kwargs:
            if _int(args[0]):
                return orig(self, dim=args[0], **kwargs)
            if type(args[0]) is Tensor and not kwargs:
                return elementwise(self, args[0])
        return orig(self, *args, **kwargs)
    return m


def _transpose(orig):
    """``m.transpose(0, 1)`` swaps the two axes, whatever the tensor's rank."""
    def m(self, *args, **kwargs):
        if len(args) == 2 and not kwargs and _int(args[0]) and _int(args[1]) and torch_style(self):
            return orig(self, dim0=args[0], dim1=args[1])
        return orig(self, *args, **kwargs)
    return m


def _repeat(orig):
    """PyTorch's ``repeat(*sizes)``: the tensor tiled (NumPy's ``repeat`` repeats each entry)."""
    def m(self, *args, **kwargs):
        if not (args and not kwargs and torch_style(self)):
            return orig(self, *args, **kwargs)
        sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if not all(_int(s) and s >= 0 for s in sizes):
            raise TypeError(f"Tensor.repeat: the sizes must be non-negative ints, got {sizes}")
        if len(sizes) < self.ndim:
            raise RuntimeError(f"Tensor.repeat: {len(sizes)} repeat sizes for a tensor of "
                               f"{self.ndim} dims (shape {tuple(self.shape)}); give at least one "
                               "per dim, as PyTorch requires")
        return tgo.tile(self, sizes)
    return m


def _sort(orig):
    """``t.sort()``, ``t.sort(0)``: PyTorch's ``(values, indices)`` along ``dim`` (default -1)."""
    def m(self, *args, **kwargs):
        if len(args) <= 1 and not kwargs and all(_int(a) for a in args) and torch_style(self):
            return orig(self, dim=args[0] if args else -1)
        return orig(self, *args, **kwargs)
    return m


def _squeeze(orig):
    """``t.squeeze(0)``: PyTorch's (an axis longer than 1 is left alone)."""
    def m(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and (_int(args[0]) or isinstance(args[0], (tuple, list))) \
                and torch_style(self):
            return orig(self, dim=args[0])
        return orig(self, *args, **kwargs)
    return m


def _nonzero(orig):
    """``t.nonzero()``: PyTorch's ``(n, ndim)`` index tensor."""
    def m(self, *args, **kwargs):
        if not args and not kwargs and torch_style(self):
            return orig(self, as_tuple=False)
        return orig(self, *args, **kwargs)
    return m


def _put(orig):
    """``t.put(index, source, accumulate=False)``: PyTorch's, a new tensor with ``source`` put
    at the flat positions ``index`` (added there with ``accumulate=True``, repeats adding up).
    NumPy's ``put`` writes in place, which a tensor refuses (:meth:`Tensor._in_place`)."""
    def m(self, *args, **kwargs):
        if not torch_style(self) or "mode" in kwargs:
            return orig(self, *args, **kwargs)
        return _torch_put(self, *args, **kwargs)
    return m


def _torch_put(self, index, source, accumulate=False):
    flat, at = tgo.reshape(self, (-1,)), tgo.reshape(index, (-1,))
    if np.dtype(at.dtype).kind not in "iu":
        raise TypeError(f"Tensor.put: index must hold integers, got dtype {at.dtype}")
    src = tgo.reshape(source, (-1,))
    if src.shape != at.shape:
        raise ValueError(f"Tensor.put: source has {src.shape[0]} entries for {at.shape[0]} indices")
    out = flat.at[at].add(src) if accumulate else flat.at[at].set(src)
    return tgo.reshape(out, tuple(self.shape))


def _as_own(m):
    """A method of the arrays PyTorch's API hands out: ndarray results as the array's class."""
    def method(self, *args, **kwargs):
        to = getattr(type(self), "results_as", type(self))
        return each_result(lambda v: v.view(to) if type(v) is np.ndarray else v,
                           m(self, *args, **kwargs))
    return method


def _numpy_function(self, func, types, args, kwargs):
    """NumPy's functions see the arrays PyTorch's API hands out as plain arrays: they call the
    shared method names with NumPy's meaning (``np.tile`` calls ``a.repeat(n, 0)``, ``np.unique``
    ``ar.sort()``). Their results are plain arrays (a Function's rules get RuleArrays)."""
    out = func(*plain_arrays(args), **plain_arrays(kwargs))
    if type(self) is not RuleArray:
        return out
    return each_result(lambda v: v.view(RuleArray) if type(v) is np.ndarray else v, out)


_WRAPS = (("std", _spread), ("var", _spread), ("put", _put),
          ("max", lambda orig: _extremum(orig, tgo.maximum)),
          ("min", lambda orig: _extremum(orig, tgo.minimum)),
          ("transpose", _transpose), ("repeat", _repeat), ("sort", _sort),
          ("squeeze", _squeeze), ("nonzero", _nonzero))
for _cls in (Tensor, RuleArray):
    for _name, _wrap in _WRAPS:
        if _cls is RuleArray and _name == "put":  # (NumPy's in place: a gradient takes writes)
            continue
        _orig = getattr(_cls, _name)
        _m = _wrap(_orig) if _cls is Tensor else _as_own(_wrap(_orig))
        _m.__name__ = _m.__qualname__ = _name
        _m.__doc__ = getattr(_orig, "__doc__", None)
        setattr(_cls, _name, _m)
del _cls, _name, _wrap, _orig, _m
# (the arrays of .grad, .data, parameters and a Function's rules follow PyTorch in their own
# methods too, and NumPy's functions get plain arrays; tg's functions keep RuleArrays in rules)
RuleArray.__array_function__ = _numpy_function
RuleArray.at = property(tgo.at, doc="JAX's out-of-place updates, ``a.at[i].add(v)``: ``tg.at(a)``.")
torch_form.RULE_ARRAYS[0] = RuleArray


#: the top-level functions whose first argument chooses the meaning (its method of that name)
_FUNCTIONS = ("max", "min", "std", "var", "sort", "transpose", "squeeze", "nonzero", "median",
              "nanmedian", "quantile", "nanquantile", "equal", "cross", "histogram", "count_nonzero",
              "split", "norm", "select", "bincount", "unique", "argwhere", "reciprocal", "cov",
              "corrcoef",
              # (and PyTorch's views: the method notes the view, a write through it reaches t)
              "diagonal", "reshape", "swapaxes", "ravel", "moveaxis", "hsplit", "vsplit", "dsplit",
              "broadcast_to")


#: functions PyTorch gives one input and these keywords alone: another argument (NumPy's ``y``,
#: ``rowvar``, ``bias``) means NumPy's function
_ONE_INPUT = {"cov": frozenset({"correction", "fweights", "aweights"}), "corrcoef": frozenset()}


def _given_inputs(fn):
    """``(args, kwargs) -> (args, kwargs)``: PyTorch's names of ``fn``'s first inputs
    (``input=``, ``other=``, ...) moved into place, so that the wrappers here see the first
    argument that chooses the meaning (``tg.std(input=t)`` is ``tg.std(t)``)."""
    params = torch_form.keyword_names(fn) or frozenset()

    def lifted(args: tuple, kwargs: dict) -> tuple:
        return (named_inputs(args, kwargs, params) or (args, kwargs)) if not args and kwargs \
            else (args, kwargs)
    return lifted


def _following(name: str, fn):
    lifted = _given_inputs(fn)

    @functools.wraps(fn)
    def f(*args, **kwargs):
        args, kwargs = lifted(args, kwargs)
        if args and _torch_call(args[0], kwargs) and (name not in _ONE_INPUT or (
                len(args) == 1 and _ONE_INPUT[name].issuperset(kwargs))):
            first = args[0]
            if type(first) is not Tensor:  # an array PyTorch's API hands out (t.data, t.grad):
                first = torch_made(np.asarray(first))  # a tensor's result, as PyTorch's
            return getattr(first, name)(*args[1:], **kwargs)
        return fn(*args, **kwargs)
    f.numpy_meaning = fn  # (what tensorgrad.numpy, JAX's namespace, serves: NumPy's meaning)
    return f


def _meshgrid(fn):
    """``tg.meshgrid(a, b)`` of tensors of PyTorch's: PyTorch's default ``indexing="ij"`` (NumPy's
    is "xy"), and PyTorch's form with the tensors in one list, ``tg.meshgrid([a, b])``."""
    @functools.wraps(fn)
    def meshgrid(*xi, **kwargs):
        if len(xi) == 1 and isinstance(xi[0], (list, tuple)) and xi[0] and all(
                torch_style(x) for x in xi[0]):
            xi = tuple(xi[0])
        if "indexing" not in kwargs and any(torch_style(x) for x in xi):
            kwargs["indexing"] = "ij"
        return fn(*xi, **kwargs)
    meshgrid.numpy_meaning = fn
    return meshgrid


def _in_int64(fn):
    """sum, prod, cumsum, cumprod, nansum and trace of a tensor of PyTorch's holding unsigned
    integers accumulate in int64, as PyTorch's (NumPy's in uint64, where a later subtraction
    wraps around): the method and the top-level function, unless a dtype is given."""
    lifted = _given_inputs(fn)

    @functools.wraps(fn)
    def f(*args, **kwargs):
        args, kwargs = lifted(args, kwargs)
        x = args[0] if args else None
        if type(x) is Tensor and "dtype" not in kwargs and np.dtype(x.dtype).kind == "u" \
                and torch_style(x) and not any(isinstance(a, (type, np.dtype, str)) for a in args[1:]):
            kwargs["dtype"] = np.int64
        return fn(*args, **kwargs)
    f.numpy_meaning = getattr(fn, "numpy_meaning", fn)
    return f


_SUMS = ("sum", "prod", "cumsum", "cumprod", "nansum", "trace")
for _name in _SUMS:
    setattr(Tensor, _name, _in_int64(getattr(Tensor, _name)))


def functions(namespace: dict) -> dict:
    """The top-level functions of ``namespace`` (``tensorgrad``'s) that follow their first
    argument: PyTorch's meaning on a tensor of PyTorch's, NumPy's otherwise."""
    return {**{name: _following(name, namespace[name]) for name in _FUNCTIONS},
            **{name: _in_int64(namespace[name]) for name in _SUMS},
            "meshgrid": _meshgrid(namespace["meshgrid"])}
