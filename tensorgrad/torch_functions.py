"""PyTorch's top-level functions that NumPy's namespace lacks, for code ported from PyTorch:
``tg.unsqueeze(x, 1)``, ``tg.flatten(x, 1)``, ``tg.clamp(x, min=0)``, ``tg.mm(a, b)``,
``tg.topk(x, 3)``, ``tg.from_numpy(a)``, ``tg.is_tensor(t)``, ...

Each one is the Tensor method of the same name (see api.md, PyTorch's Tensor methods) called
on its first argument, so it records, traces and differentiates as the method does, and
takes the method's arguments (``dim=``, ``keepdim=``, ...). A NumPy array (or a list) gives
a NumPy array, as the rest of this namespace does; a tensor gives a tensor.

The same holds for the names in ``METHOD_FUNCTIONS``, made from the Tensor methods:
``tg.lerp``, ``addcmul``, ``addcdiv``, ``rsqrt``, ``neg``, ``lgamma``, ``clamp_min``, ``det``,
``logdet``, ``slogdet``, ``inverse``, ``cholesky``, ``movedim``, ``unbind``, ``tensor_split``,
``repeat_interleave``, ``scatter``, ``index_add``, ``masked_select``, ``matrix_exp``, ...
``tg`` also has PyTorch's ``block_diag`` and, from ``torch.nn.functional``, the functions
PyTorch has at its top level too (``tg.cosine_similarity``, ``layer_norm``, ``pdist``, ...).

``from_numpy`` and ``as_tensor`` copy (PyTorch's share the array's memory): a tensor's value
never changes behind the tape's back. PyTorch's random functions (``tg.randn``,
``tg.manual_seed``, ...) are in :mod:`tensorgrad.torch_random`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import ops as _ops
from . import registry as _registry
from . import torch_form as _torch_form_module
from .torch_form import named_inputs
from .autograd_function import RuleArray
from .imperative import tensor
from .dispatch import deliver
from .op_errors import naming
from .hooks import float_difference
from .ops._util import torch_axes
from .ops.complex_ops import imag_part as _imag, make_complex as _make_complex, real_part as _real
from .ops.norms import vector_norm as _vector_norm
from .ops.reductions import std_from_var
from .staging import Staged
from .tensor import Tensor, concrete, shape_of, torch_made, torch_style
from .tensor_torch import to_0d
from .ops.creation import device_form
from .tensor_torch_extra import constant_tensor
from .tensor_torch_more import each_result

__all__ = ["mul", "div", "sub", "unsqueeze", "flatten", "chunk", "topk", "clamp", "mm", "bmm", "mv", "narrow",
           "permute", "t", "gather", "index_select", "masked_fill", "clone", "numel", "take_along_dim", "cdist",
           "is_tensor", "from_numpy", "as_tensor", "kthvalue", "cummax", "cummin", "logcumsumexp",
           "aminmax", "view_as_real", "view_as_complex", "polar",
           "conj_physical", "resolve_conj", "resolve_neg", "is_complex", "is_conj"]


def _method(name: str, input, args: tuple, kwargs: dict):
    if isinstance(input, (Tensor, Staged, RuleArray)):  # (RuleArray: .grad, .data, a rule's
        return getattr(input, name)(*args, **kwargs)  # array: PyTorch's, for chained calls)
    a = input if isinstance(input, np.ndarray) else np.asarray(input)
    # (the RuleArrays of the result plain arrays again, also in topk's (values, indices))
    return each_result(lambda v: v.view(np.ndarray) if isinstance(v, RuleArray) else v,
                        getattr(a.view(RuleArray), name)(*args, **kwargs))


def _torch_form(name: str, args: tuple, kwargs: dict, params: frozenset | None = None,
                again=None):
    """``tg.<name>(x, ..., dim=..., keepdim=...)``: with PyTorch's keywords, which NumPy's
    signature lacks (``params``: the keywords it takes), PyTorch's function: the Tensor method
    of that name, or NumPy's function with PyTorch's keywords renamed (NotImplemented if there
    is neither). PyTorch's names of its inputs (``input=``, ``other=``, ``tensors=``) are
    moved into place, for the call ``again`` (the public function) of them."""
    lifted = named_inputs(args, kwargs, params) if again is not None else None
    if lifted is not None:
        return again(*lifted[0], **lifted[1])
    if name == "transpose" and len(args) == 3 and not kwargs:  # torch.transpose(x, d0, d1): a swap
        return _method("swapaxes", args[0], args[1:], {})
    unknown = params is not None and not params.issuperset(kwargs)
    renamed = _RENAMED.get(name)
    if renamed is not None:  # (only with its PyTorch keywords, and no keyword neither form takes)
        torch_names, call = renamed
        if not torch_names.isdisjoint(kwargs) and (
                params is None or (params | torch_names).issuperset(kwargs)):
            return call(*args, **kwargs)
    # (PyTorch's keywords, or a bool where NumPy takes none: torch.sum(x, 1, True)'s keepdim,
    # torch.sort(x, 1, True)'s descending)
    torch_like = not _TORCH_KEYWORDS.isdisjoint(kwargs) or any(type(a) is bool for a in args[2:])
    if not args or not hasattr(RuleArray, name):
        return NotImplemented
    if torch_like:
        return _method(name, args[0], args[1:], kwargs)
    takes = _method_takes(name, kwargs) if unknown else False
    if takes is None:  # a method that takes any keyword: its TypeError keeps NumPy's error
        try:
            return _method(name, args[0], args[1:], kwargs)
        except TypeError as exc:
            if isinstance(exc, RuntimeError):  # (a PyTorch-style refusal of the call itself)
                raise
            return NotImplemented
    return _method(name, args[0], args[1:], kwargs) if takes else NotImplemented


#: PyTorch's keywords that NumPy's signatures lack (torch.sum(x, dim=1), torch.roll(x, shifts, dims))
_TORCH_KEYWORDS = frozenset(("dim", "keepdim", "dims", "shifts"))
_TAKES: dict = {}


def _method_takes(name: str, kwargs: dict) -> bool | None:
    """Whether the Tensor method ``name`` takes these keywords (tg.unique(x, dim=0),
    tg.nonzero(x, as_tuple=True), tg.norm(x, p=1), tg.tril(x, diagonal=-1)); None for a
    method whose signature takes any keyword."""
    if name not in _TAKES:
        _TAKES[name] = _torch_form_module.keyword_names(getattr(RuleArray, name))
    known = _TAKES[name]
    return None if known is None else known.issuperset(kwargs)


def _renaming(name: str, **names: str):
    """NumPy's ``tg.<name>`` called with PyTorch's keywords (``names``: PyTorch's -> NumPy's)."""
    def call(*args, **kwargs):
        return _registry.FUNCTIONS[name](*args, **{names.get(k, k): v for k, v in kwargs.items()})
    return call


def _truncating(call):
    """``torch.linspace``/``logspace`` with an integer dtype: the float values truncated toward
    zero, as PyTorch's (NumPy 2 rounds them down: -0.26 becomes -1, where PyTorch gives 0)."""
    def run(*args, dtype=None, **kwargs):
        if dtype is not None and np.dtype(dtype).kind in "iu":
            return _ops.astype(call(*args, **kwargs), dtype)
        return call(*args, dtype=dtype, **kwargs)
    return run


def _creating(call, who: str):
    """A creation function called in PyTorch's form (``linspace(0, 1, steps=5)``,
    ``arange(end=4)``): a new constant array is a tensor of PyTorch's, as ``torch.linspace``
    returns (``.var()`` is then PyTorch's); ``requires_grad=True`` makes it a leaf of the
    imperative tape."""
    def made(*args, requires_grad=False, device=None, **kwargs):
        device_form(who, device)
        out = constant_tensor(call(*args, **kwargs))
        return out.requires_grad_(True) if requires_grad else out
    return made


def _sized(name: str):
    def call(*args, size=None, **kwargs):  # torch.zeros(size=(2, 3)), torch.full(size=, ...)
        if size is None:
            return _registry.FUNCTIONS[name](*args, **kwargs)
        if name == "full":
            return _registry.FUNCTIONS[name](size, *args, **kwargs)
        return _registry.FUNCTIONS[name](*args, shape=size, **kwargs)
    return call


def _arange(*args, end=None, **kwargs):
    """torch.arange(start=0, end, step=1): ``end`` is NumPy's stop."""
    if end is None:
        return _registry.FUNCTIONS["arange"](*args, **kwargs)
    if not args and "start" not in kwargs:
        args = (0,)
    return _registry.FUNCTIONS["arange"](*args, stop=end, **kwargs)


def _searchsorted(sorted_sequence, input, *, right=False, side=None, sorter=None, out_int32=False):
    """torch.searchsorted: ``right=True`` is NumPy's ``side="right"``; out_int32 gives int32."""
    if right and side == "left":
        raise ValueError("searchsorted: side='left' and right=True contradict each other")
    out = _registry.FUNCTIONS["searchsorted"](sorted_sequence, input,
                                              side="right" if right else side or "left",
                                              sorter=sorter)
    return _ops.astype(out, np.int32) if out_int32 else out


def _gradient(input, *, spacing=1, dim=None, edge_order=1):
    """torch.gradient: a tuple of derivative estimates, one per dimension in ``dim``; ``spacing``
    a scalar, one scalar per dimension or one coordinate tensor per dimension."""
    varargs = tuple(spacing) if isinstance(spacing, (list, tuple)) else (spacing,)
    out = _registry.FUNCTIONS["gradient"](input, *varargs, axis=dim, edge_order=edge_order)
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def _trapezoid(y, x=None, *, dx=None, dim=-1):
    """torch.trapezoid(y, x=None, *, dx=None, dim=-1)."""
    return _registry.FUNCTIONS["trapezoid"](y, x, dx=1.0 if dx is None else dx, axis=dim)


def _triangle_indices(numpy_fn):
    """``torch.tril_indices`` / ``triu_indices(row, col, offset=0)``: one (2, N) tensor."""
    def call(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
        return torch_made(np.stack(numpy_fn(row, offset, col)).astype(dtype or np.int64))
    call.__name__ = call.__qualname__ = numpy_fn.__name__
    return naming(call)  # (its errors name it)


#: PyTorch's functions that NumPy's of the same name serve: PyTorch's keywords (NumPy's lack
#: them) and the call that takes them
_RENAMED = {**{n: ({"end", "steps", "requires_grad", "device"}, _creating(_truncating(_renaming(n, end="stop", steps="num")), n))
               for n in ("linspace", "logspace")},
            "tensordot": ({"dims"}, _renaming("tensordot", dims="axes")),
            "eye": ({"n", "m"}, _creating(_renaming("eye", n="N", m="M"), "eye")),
            "arange": ({"end"}, _creating(_arange, "arange")), "searchsorted": ({"right", "out_int32"}, _searchsorted),
            "gradient": ({"spacing", "dim"}, _gradient), "trapezoid": ({"dim"}, _trapezoid),
            **{n: ({"size"}, _creating(_sized(n), n)) for n in ("zeros", "ones", "empty", "full")},
            **{n: ({"requires_grad"}, _creating(_renaming(n), n))
               for n in ("zeros_like", "ones_like", "empty_like", "full_like")},
            **{n: ({"row", "col", "offset", "dtype", "device", "layout"}, _triangle_indices(getattr(np, n)))
               for n in ("tril_indices", "triu_indices")}}
_RENAMED = {n: (frozenset(k), call) for n, (k, call) in _RENAMED.items()}


_torch_form_module.TORCH_FORM.append(_torch_form)


def _one_entry(call, args: tuple, kwargs: dict):
    """A 0-d tensor of PyTorch's has an axis 0 (also named -1) of length 1, which NumPy's 0-d
    arrays lack: ``tg.mean(s, 0)``, ``tg.cumsum(s, 0)``, ``tg.flip(s, [0])``, ``tg.logsumexp(s,
    dim=0)``. After NumPy's AxisError, ``call`` of it as a vector of one entry, whose results
    of one entry are 0-d again; NotImplemented (NumPy's error) for any other first argument,
    where this call fails too, or where a result has more axes than that vector (an axis
    added: ``tg.expand_dims(s, 1)``, which PyTorch's unsqueeze rejects too)."""
    if not isinstance(args[0], Tensor) or args[0].ndim or not torch_style(args[0]):
        return NotImplemented
    try:
        r = call(_ops.reshape(args[0], (1,)), *args[1:], **kwargs)
    except (TypeError, ValueError, IndexError):
        return NotImplemented
    parts = r if isinstance(r, tuple) else (r,)
    if not all(isinstance(v, (Tensor, np.ndarray, np.generic)) and v.ndim <= 1 for v in parts):
        return NotImplemented
    return to_0d(r)


_torch_form_module.ONE_ENTRY.append(_one_entry)


def _out(name: str, result, out):
    """``result``, or written into PyTorch's ``out=`` tensor (or array), as ``tg.add``'s."""
    return result if out is None else deliver(name, result, out)


def mul(input, other, *, out=None):
    """PyTorch's ``torch.mul``: ``input * other``; ``input.mul(...)``."""
    return _out("mul", _method("mul", input, (other,), {}), out)


def div(input, other, *, rounding_mode=None, out=None):
    """PyTorch's ``torch.div``: ``input / other`` (``rounding_mode="floor"`` or ``"trunc"``
    rounds); ``input.div(...)``."""
    return _out("div", _method("div", input, (other,), {"rounding_mode": rounding_mode}), out)


def sub(input, other, *, alpha=1, out=None):
    """PyTorch's ``torch.sub``: ``input - alpha * other``; ``input.sub(...)``."""
    return _out("sub", _method("sub", input, (other,), {"alpha": alpha}), out)


def unsqueeze(input, dim):
    """PyTorch's ``torch.unsqueeze``: a new axis of length 1 at ``dim``;
    ``input.unsqueeze(...)``."""
    return _method("unsqueeze", input, (dim,), {})


def flatten(input, start_dim=0, end_dim=-1):
    """PyTorch's ``torch.flatten``: axes ``start_dim`` to ``end_dim`` merged into one;
    ``input.flatten(...)``."""
    return _method("flatten", input, (start_dim, end_dim), {})


def kthvalue(input, k, dim=-1, keepdim=False):
    """PyTorch's ``torch.kthvalue``: the k-th smallest entry along ``dim`` and its index,
    ``(values, indices)``; ``input.kthvalue(...)``."""
    return _method("kthvalue", input, (k,), {"dim": dim, "keepdim": keepdim})


def cummax(input, dim):
    """PyTorch's ``torch.cummax``: the running maximum along ``dim`` and where it was reached,
    ``(values, indices)``; ``input.cummax(...)``."""
    return _method("cummax", input, (), {"dim": dim})


def cummin(input, dim):
    """PyTorch's ``torch.cummin``: the running minimum along ``dim`` and its indices."""
    return _method("cummin", input, (), {"dim": dim})


def logcumsumexp(input, dim):
    """PyTorch's ``torch.logcumsumexp``: log(cumsum(exp(input))) along ``dim``, stably."""
    return _method("logcumsumexp", input, (), {"dim": dim})


def aminmax(input, *, dim=None, keepdim=False):
    """PyTorch's ``torch.aminmax``: ``(min, max)`` over ``dim`` (all entries by default)."""
    return _method("aminmax", input, (), {"dim": dim, "keepdim": keepdim})


def chunk(input, chunks, dim=0):
    """PyTorch's ``torch.chunk``: ``chunks`` pieces along ``dim`` (the last may be smaller);
    ``input.chunk(...)``."""
    return _method("chunk", input, (chunks,), {"dim": dim})


def topk(input, k, dim=-1, largest=True, sorted=True):
    """PyTorch's ``torch.topk``: the ``k`` largest (``largest=False``: smallest) entries along
    ``dim`` and their indices, ``(values, indices)``; ``input.topk(...)``."""
    return _method("topk", input, (k,), {"dim": dim, "largest": largest, "sorted": sorted})


def clamp(input, min=None, max=None):
    """PyTorch's ``torch.clamp``: ``input`` limited to [min, max]; ``input.clamp(...)``."""
    return _method("clamp", input, (), {"min": min, "max": max})


def mm(input, mat2):
    """PyTorch's ``torch.mm``: the matrix product of two matrices; ``input.mm(...)``."""
    return _method("mm", input, (mat2,), {})


def bmm(input, mat2):
    """PyTorch's ``torch.bmm``: batched matrix products of (b, n, m) and (b, m, p);
    ``input.bmm(...)``."""
    return _method("bmm", input, (mat2,), {})


def mv(input, vec):
    """PyTorch's ``torch.mv``: matrix times vector; ``input.mv(...)``."""
    return _method("mv", input, (vec,), {})


def narrow(input, dim, start, length):
    """PyTorch's ``torch.narrow``: ``length`` entries of axis ``dim`` from ``start``;
    ``input.narrow(...)``."""
    return _method("narrow", input, (dim, start, length), {})


def permute(input, dims):
    """PyTorch's ``torch.permute``: the axes in the order ``dims``; ``input.permute(...)``."""
    return _method("permute", input, (dims,), {})


def t(input):
    """PyTorch's ``torch.t``: a matrix transposed (a vector as it is); ``input.t(...)``."""
    return _method("t", input, (), {})


def gather(input, dim, index, *, sparse_grad: bool = False):
    """PyTorch's ``torch.gather``: the entries at ``index`` along ``dim``; ``input.gather(...)``
    (``sparse_grad``, a storage choice for the gradient in PyTorch, changes no value here)."""
    return _method("gather", input, (dim, index), {})


def index_select(input, dim, index):
    """PyTorch's ``torch.index_select``: the slices at ``index`` along ``dim``;
    ``input.index_select(...)``."""
    return _method("index_select", input, (dim, index), {})


def take_along_dim(input, indices, dim=None):
    """PyTorch's ``torch.take_along_dim``: the entries at ``indices`` along ``dim`` (NumPy's
    ``take_along_axis``; ``dim`` None: of the flattened input); ``input.take_along_dim(...)``."""
    return _method("take_along_dim", input, (indices, dim), {})


def cdist(x1, x2, p: float = 2.0, compute_mode=None):
    """PyTorch's ``torch.cdist``: the ``p``-norm distances between the rows of ``x1`` (…, P, M)
    and those of ``x2`` (…, R, M), shape (…, P, R); batch axes broadcast. The gradient of a zero
    distance is 0, as PyTorch's (the norms' convention). ``compute_mode`` changes nothing (the
    differences are always formed directly, never by PyTorch's matrix-product shortcut)."""
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode")
    s1, s2 = shape_of(concrete(x1)), shape_of(concrete(x2))
    if len(s1) < 2 or len(s2) < 2 or s1[-1] != s2[-1]:
        raise RuntimeError(f"cdist: x1 of shape {s1} and x2 of shape {s2}: both need at least 2 "
                           "dimensions and the same number of columns (last axis)")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got p={p}")
    from_x1 = _ops.expand_dims(x1, -2)  # (..., P, 1, M)
    from_x2 = _ops.expand_dims(x2, -3)  # (..., 1, R, M)
    return _vector_norm(float_difference("cdist", from_x1, from_x2), p, axis=-1)


def masked_fill(input, mask, value):
    """PyTorch's ``torch.masked_fill``: ``value`` where ``mask`` is True;
    ``input.masked_fill(...)``."""
    return _method("masked_fill", input, (mask, value), {})


def clone(input, *, memory_format=None):
    """PyTorch's ``torch.clone(input)``: a copy (recorded for a tensor, as ``input.clone()``;
    ``memory_format`` is accepted and changes nothing: arrays are C-ordered)."""
    return _method("clone", input, (), {})


def numel(input) -> int:
    """PyTorch's ``torch.numel(input)``: the number of entries."""
    return int(np.prod(np.shape(input), dtype=np.int64))


def is_tensor(obj: Any) -> bool:
    """PyTorch's ``torch.is_tensor(obj)``: whether ``obj`` is a tensorgrad Tensor."""
    return isinstance(obj, Tensor)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """PyTorch's ``torch.from_numpy``: a tensor of the array's values and dtype. A copy, not
    PyTorch's shared memory: a tensor's value never changes behind the tape's back."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    return tensor(ndarray)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """PyTorch's ``torch.as_tensor``: ``data`` itself when it is a tensor of that dtype, else
    a new tensor of its values (a copy; ``device`` may only be None or ``'cpu'``)."""
    if device not in (None, "cpu"):
        raise ValueError(f"as_tensor: device {device!r} is not available (only 'cpu')")
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    if isinstance(data, Tensor):
        return data.to(dtype)
    return tensor(data, dtype=dtype)


# ---- PyTorch's complex helpers (``torch.complex`` itself is ``tg.torch_functions.complex``:
# not exported at the top, where it would hide Python's ``complex`` from a star import) ----

def _floats(name: str, *xs):
    dts = [np.result_type(concrete(x)) for x in xs]
    if any(d.kind != "f" for d in dts) or len(set(dts)) > 1:
        raise TypeError(f"{name}: expects floating arrays of one dtype, got dtypes "
                        f"{', '.join(map(str, dts))}")


def _same_kind(input, out):
    """A tensor for a tensor, a NumPy array for anything else (this namespace's rule)."""
    return out if isinstance(input, (Tensor, Staged)) or not isinstance(out, Tensor) else concrete(out)


def view_as_real(input):
    """PyTorch's ``torch.view_as_real(z)``: the real array of a complex one's (real, imaginary)
    pairs, shape ``z.shape + (2,)`` (a new array, not a view), differentiable."""
    if np.result_type(concrete(input)).kind != "c":
        raise TypeError(f"view_as_real: expects a complex array, got dtype "
                        f"{np.result_type(concrete(input))}")
    return _same_kind(input, _ops.stack([_real(input), _imag(input)], axis=-1))


def view_as_complex(input):
    """PyTorch's ``torch.view_as_complex(x)``: the complex array whose (real, imaginary) pairs
    are the last axis of ``x`` (of length 2), as a new array, differentiable."""
    _floats("view_as_complex", input)
    if shape_of(input)[-1:] != (2,):
        raise ValueError(f"view_as_complex: the last axis must have length 2, got shape "
                         f"{tuple(shape_of(input))}")
    return _same_kind(input, _make_complex(input[..., 0], input[..., 1]))


def complex(real, imag):
    """PyTorch's ``torch.complex(real, imag)``: ``real + i·imag`` from two floating arrays of
    one dtype (float32 gives complex64); an infinite part stays infinite, not NaN."""
    _floats("complex", real, imag)
    return _same_kind(real, _make_complex(real, imag))


def polar(abs, angle):
    """PyTorch's ``torch.polar(abs, angle)``: ``abs·(cos(angle) + i·sin(angle))``."""
    _floats("polar", abs, angle)
    return _same_kind(abs, _make_complex(abs * _ops.cos(angle), abs * _ops.sin(angle)))


def conj_physical(input):
    """PyTorch's ``torch.conj_physical``: the conjugate (tensorgrad has no lazy conjugate
    bit, so this is ``conj``; a real array is returned as it is)."""
    if np.result_type(concrete(input)).kind != "c":
        return input
    return _ops.conjugate(input)


def resolve_conj(input):
    """PyTorch's ``torch.resolve_conj``: ``input`` itself (no array here carries a lazy
    conjugate bit)."""
    return input


def resolve_neg(input):
    """PyTorch's ``torch.resolve_neg``: ``input`` itself (no lazy negation bit here)."""
    return input


def is_complex(input) -> bool:
    """PyTorch's ``torch.is_complex``: whether the dtype is complex."""
    return np.result_type(concrete(input)).kind == "c"


def is_conj(input) -> bool:
    """PyTorch's ``torch.is_conj``: always False (no lazy conjugate bit)."""
    return False


# ---- more of PyTorch's functions NumPy lacks ---------------------------------------------------
def broadcast_tensors(*tensors) -> tuple:
    """PyTorch's ``torch.broadcast_tensors``: the inputs broadcast to one shape (a tuple)."""
    return tuple(_ops.broadcast_arrays(*tensors))


def cartesian_prod(*tensors):
    """PyTorch's ``torch.cartesian_prod``: every combination of the entries of the 1-D inputs,
    one per row in row-major order, (∏ nᵢ, k); one input comes back as it is."""
    for i, t in enumerate(tensors):
        if len(shape_of(concrete(t))) != 1:
            raise ValueError(f"cartesian_prod: input {i} must be 1-D, got shape "
                             f"{tuple(shape_of(concrete(t)))}")
    if len(tensors) == 1:
        return tensors[0]
    grids = _ops.meshgrid(*tensors, indexing="ij")
    return _ops.stack([_ops.reshape(g, (-1,)) for g in grids], axis=1)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    """PyTorch's ``torch.bucketize``: the index of each entry's bucket among the sorted 1-D
    ``boundaries`` (``right=False``: ``boundaries[i-1] < x <= boundaries[i]``); integers."""
    if len(shape_of(concrete(boundaries))) != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape "
                         f"{tuple(shape_of(concrete(boundaries)))}")
    out = _ops.searchsorted(boundaries, input, side="right" if right else "left")
    return _ops.astype(out, np.int32 if out_int32 else np.int64)


def adjoint(input):
    """PyTorch's ``torch.adjoint``: the conjugate transpose of the last two axes."""
    if len(shape_of(concrete(input))) < 2:
        raise ValueError(f"adjoint: input must have at least 2 axes, got shape "
                         f"{tuple(shape_of(concrete(input)))}")
    return _ops.conj(_ops.swapaxes(input, -1, -2))


def _moments(name: str, input, dim, unbiased, keepdim, correction):
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: give unbiased or correction, not both")
    ddof = correction if correction is not None else 1 if unbiased in (None, True) else 0
    axis = (tuple(dim) or None) if isinstance(dim, (list, tuple)) else dim  # (dim=(): all, as PyTorch)
    mean = _ops.mean(input, axis=axis, keepdims=bool(keepdim))
    return _ops.var(input, axis=axis, ddof=ddof, keepdims=bool(keepdim)), mean


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None,
             keepdims=None) -> tuple:
    """PyTorch's ``torch.var_mean``: (variance, mean) over ``dim`` (all axes for None), the
    variance with PyTorch's default ``correction=1`` (divided by N − 1). ``axis`` and
    ``keepdims`` are PyTorch's NumPy-style aliases of ``dim`` and ``keepdim``; a bool in
    ``dim``'s place is PyTorch's other form, ``var_mean(input, unbiased)``."""
    if isinstance(dim, (bool, np.bool_)):
        dim, unbiased = None, bool(dim)
    dim, keepdim = torch_axes("var_mean", axis, keepdim if keepdims is None else keepdims, dim, None)
    return _moments("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None,
             keepdims=None) -> tuple:
    """PyTorch's ``torch.std_mean``: (standard deviation, mean), as :func:`var_mean`."""
    if isinstance(dim, (bool, np.bool_)):
        dim, unbiased = None, bool(dim)
    dim, keepdim = torch_axes("std_mean", axis, keepdim if keepdims is None else keepdims, dim, None)
    var, mean = _moments("std_mean", input, dim, unbiased, keepdim, correction)
    return std_from_var(var), mean  # (as tg.std: a zero gradient where the spread is 0)


def igamma(input, other):
    """PyTorch's ``torch.igamma``: the regularized lower incomplete gamma P(input, other)."""
    return _ops.gammainc(input, other)


def igammac(input, other):
    """PyTorch's ``torch.igammac``: the regularized upper incomplete gamma Q(input, other)."""
    return _ops.gammaincc(input, other)


__all__ += ["broadcast_tensors", "cartesian_prod", "bucketize", "adjoint", "var_mean", "std_mean",
            "igamma", "igammac"]


# ---- PyTorch's functions that are its Tensor methods on the first argument ------------------
#: ``torch.<name>(input, ...)`` is ``input.<name>(...)`` for each of these (``torch.lerp(a, b, w)``
#: is ``a.lerp(b, w)``): ``tg.<name>`` calls the Tensor method, on a tensor or an array alike
METHOD_FUNCTIONS = (
    "lgamma", "mvlgamma", "frac", "sgn", "neg", "rsqrt", "addcmul", "addcdiv", "lerp", "clamp_min",
    "clamp_max", "histc", "renorm", "dist", "matrix_exp", "ger", "addmm", "addbmm", "baddbmm",
    "mode", "msort", "unique_consecutive", "masked_select", "scatter", "scatter_add",
    "scatter_reduce", "index_add", "index_copy", "index_fill", "unbind", "tensor_split", "movedim",
    "swapdims", "unflatten", "repeat_interleave", "diag_embed", "logdet", "slogdet", "det",
    "inverse", "pinverse", "cholesky", "is_floating_point", "index_put", "matrix_power", "addmv",
    "addr", "cholesky_inverse", "triangular_solve", "index_reduce", "diagonal_scatter", "select_scatter",
    "slice_scatter", "masked_scatter", "as_strided", "as_strided_scatter", "narrow_copy", "unsafe_chunk",
    "unsafe_split", "unsafe_split_with_sizes", "lu", "lu_solve")


def _untraced(v):
    return v._value if type(v) is Tensor and v._trace is None else v


def _method_function(name: str):
    def fn(input, *args, **kwargs):
        if isinstance(input, (Tensor, Staged)):
            return getattr(input, name)(*args, **kwargs)
        # an array: the method of a constant tensor, whose untraced results come back as arrays
        # (one traced by another argument stays a tensor)
        return each_result(_untraced, getattr(Tensor(np.asarray(input)), name)(*args, **kwargs))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"PyTorch's ``torch.{name}(input, ...)``: ``input.{name}(...)``, the Tensor method."
    return fn


globals().update({_name: _method_function(_name) for _name in METHOD_FUNCTIONS})


class MemoryFormat:
    """PyTorch's memory formats (``torch.preserve_format``, ``torch.contiguous_format``,
    ``torch.channels_last``, ``torch.channels_last_3d``), accepted where PyTorch takes
    ``memory_format=``: every value here is a NumPy array in C order, so they change nothing."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


preserve_format, contiguous_format, channels_last, channels_last_3d = (MemoryFormat(_n) for _n in (
    "preserve_format", "contiguous_format", "channels_last", "channels_last_3d"))
#: every function (and constant) of this module that tg's namespace takes as it is
TOP_LEVEL = tuple(METHOD_FUNCTIONS) + ("broadcast_tensors", "cartesian_prod", "bucketize", "adjoint",
                                      "var_mean", "std_mean", "igamma", "igammac", "preserve_format",
                                      "contiguous_format", "channels_last", "channels_last_3d")
