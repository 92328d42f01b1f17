"""More of PyTorch's Tensor methods (linear algebra, reductions, windows, scatter_reduce, ...),
each a composition of tensorgrad's differentiable functions, so every transform and
``.backward()`` differentiates it. Registered into ``METHODS`` like those of
:mod:`tensorgrad.tensor_torch_more`; :mod:`tensorgrad.tensor_torch` installs them."""
from __future__ import annotations

import collections
import functools
import inspect
import sys

import numpy as np

from . import linalg as _linalg
from . import ops as tgo
from .hooks import TorchValueError
from .recording import IMPERATIVE, imperative_paused, leaf_node
from .tensor import Tensor, concrete, torch_made, traced_level
from .tensor_views import reshaped, reshaped_part
from .tensor_torch_more import _grid, _src, dim_of, dims_of, dtype_device, ints_of, method

__all__: list = []

#: in-place methods that write themselves (no out-of-place method of the name without ``_``)
SELF_WRITING = frozenset({"uniform_", "normal_", "bernoulli_", "exponential_", "geometric_",
                          "log_normal_", "cauchy_", "random_", "unsqueeze_", "squeeze_", "t_",
                          "transpose_", "swapaxes_", "swapdims_"})


def numpy_keywords(fn):
    """``fn``, a Tensor method with PyTorch's ``dim``/``keepdim``, also taking NumPy's names
    ``axis``/``keepdims`` for them, as PyTorch's methods do (``t.amax(axis=1)``)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    pairs = [(a, d) for a, d in (("axis", "dim"), ("keepdims", "keepdim"))
             if d in params and a not in params]
    if not pairs or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn

    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        for a, d in pairs:
            if a in kwargs:
                if d in kwargs:
                    raise TypeError(f"Tensor.{fn.__name__}: give {d} or {a} (NumPy's name), not both")
                kwargs[d] = kwargs.pop(a)
        return fn(self, *args, **kwargs)
    return call


# ---- random fills (weight-initialization code: t.data.normal_(0, 0.02), t.uniform_(-a, a)) ----
def to_tensor(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
              memory_format=None):
    """PyTorch's ``t.to(...)``: a dtype, a device or a tensor (for its dtype), by position or
    keyword, then ``non_blocking`` and ``copy``, by position too (``t.to(torch.float64, False,
    True)``). With ``copy`` a tensor of the same dtype comes back as a new one."""
    k = len(args)
    while k > 1 and isinstance(args[k - 1], (bool, np.bool_)):
        k -= 1
    if len(args) - k > 2:
        raise TypeError(f"Tensor.to: after the dtype, device or tensor come at most two flags "
                        f"(non_blocking, copy), got {args[k:]!r}")
    copy = args[k + 1] if len(args) - k == 2 else copy
    dtype = dtype_device("Tensor.to", args[:k], dtype, device)
    if dtype is None or dtype == self.dtype:
        return tgo.astype(self, self.dtype) if copy else self
    return tgo.astype(self, dtype)


def _init():
    return sys.modules["tensorgrad.nn.init"]  # (imported with tensorgrad, which imports this)


@method("uniform_")
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """PyTorch's ``uniform_(from, to)``: fill in place with draws from U(from, to), from
    ``tg.nn.init``'s default stream (one per thread, ``tg.nn.init.manual_seed`` restarts it)
    or ``generator`` (a NumPy Generator), as ``tg.nn.init.uniform_`` does."""
    return _init().uniform_(self, a, b, generator=generator)


@method("normal_")
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """PyTorch's ``normal_(mean, std)``: fill in place with draws from N(mean, std²), as
    :func:`uniform_` draws."""
    return _init().normal_(self, mean, std, generator=generator)


def _filled(name: str, self, generator, draw, floating: bool = True):
    """``self`` filled in place with ``draw(rng, shape)``, ``rng`` ``tg.nn.init``'s default
    stream or ``generator`` (a NumPy Generator); ``floating``: only a floating tensor."""
    init = _init()
    return init._tensors_too(lambda t: init._fill(init._target(name, t, floating), draw(
        init._gen(name, generator), t.shape)))(self)


def _drawn(name: str, draw):
    """PyTorch's ``t.<name>(...)``: fill in place with ``draw(rng, shape, *args)``
    (:func:`_filled`)."""
    def m(self, *args, generator=None, **kwargs):
        return _filled(name, self, generator, lambda rng, shape: draw(rng, shape, *args, **kwargs))
    m.__name__ = m.__qualname__ = name
    method(name)(m)


def _random_top(dtype) -> int:
    """The largest value ``random_()`` draws, as PyTorch's: 2^(mantissa bits + 1) for a float
    type (every integer up to it is exact: 2^53 for float64, 2^24 for float32, 2^11 for
    float16), the largest value of an integer type, 1 for bool."""
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return 2 ** (np.finfo(dt).nmant + 1)
    return 1 if dt.kind == "b" else int(np.iinfo(dt).max)


@method("random_")
def random_(self, *args, generator=None, **kwargs):
    """PyTorch's ``t.random_(from=0, to=None)``: integers drawn uniformly, in place:
    ``random_(to)`` from [0, to), ``random_(from, to)`` (also ``to=``, ``**{"from": 3}``) from
    [from, to), and without ``to`` from [from, the top of the dtype] (see :func:`_random_top`)."""
    unknown = set(kwargs) - {"from", "to"}
    if unknown or len(args) > 2:
        raise TypeError(f"Tensor.random_: takes (to), (from, to), from= and to=, got "
                        f"{len(args)} positional and {sorted(kwargs)} by name")
    if len(args) == 1 and not kwargs:
        low, high = 0, args[0]
    else:
        low = kwargs["from"] if "from" in kwargs else (args[0] if args else 0)
        high = kwargs["to"] if "to" in kwargs else (args[1] if len(args) > 1 else None)
    high = _random_top(self.dtype) + 1 if high is None else high
    if not low < high:
        raise RuntimeError(f"Tensor.random_: expects 'from' < 'to', got from={low} >= to={high}")
    return _filled("random_", self, generator, lambda rng, shape: rng.integers(low, high, size=shape),
                   floating=False)


_drawn("bernoulli_", lambda rng, shape, p=0.5: rng.random(shape) < np.asarray(concrete(p)))
_drawn("exponential_", lambda rng, shape, lambd=1.0: rng.exponential(1.0 / lambd, size=shape))
_drawn("geometric_", lambda rng, shape, p: rng.geometric(p, size=shape))
_drawn("log_normal_", lambda rng, shape, mean=1.0, std=2.0: rng.lognormal(mean, std, size=shape))
_drawn("cauchy_", lambda rng, shape, median=0.0, sigma=1.0:
       median + sigma * rng.standard_cauchy(size=shape))


def _reshaping(name: str):
    """PyTorch's shape-changing in-place ``t.<name>(...)`` (``unsqueeze_``, ``t_``, ...): the
    tensor takes the out-of-place result, its new shape too (recorded, as ``t += v``)."""
    fresh = "swapaxes" if name == "transpose_" else name[:-1]  # (PyTorch's transpose: a swap)

    def m(self, *args, **kwargs):
        before = tuple(self.shape)
        result = getattr(self, fresh)(*args, **kwargs)
        if type(self) is not Tensor or traced_level(self) > 0 or (
                self._trace is not IMPERATIVE and self._trace is not None):
            raise TypeError(f"Tensor.{name}: only a tensor of the imperative tape or a constant "
                            f"tensor changes its shape in place; use the out-of-place "
                            f"t.{name[:-1]}(...) and the value it returns")
        if self._trace is IMPERATIVE and self.is_leaf and self.requires_grad:
            if not imperative_paused():
                raise RuntimeError(f"Tensor.{name}: a leaf tensor that requires grad cannot "
                                   "change in place while recording (PyTorch's rule); use "
                                   f"t.{name[:-1]}(...) or tg.no_grad()")
            self._value = concrete(result)
            # (a leaf node of the new shape: later uses give gradients of it; a use recorded
            # before, of the old shape, still reaches the old node, and its gradient is refused)
            self._node = leaf_node(self._value, self)
        elif self._trace is IMPERATIVE and type(result) is Tensor and result._trace is IMPERATIVE:
            self._value, self._node = result._value, result._node
        else:
            self._value = concrete(result)
        again = lambda t: getattr(t, fresh)(*args, **kwargs)  # noqa: E731
        reshaped(self, again, before)  # (its views follow, and so does its place in its whole)
        reshaped_part(self, again, before)
        return self
    m.__name__ = m.__qualname__ = name
    method(name)(m)


for _name in ("unsqueeze_", "squeeze_", "t_", "transpose_", "swapaxes_", "swapdims_"):
    _reshaping(_name)


# ---- linear algebra ----------------------------------------------------------------------
method("det")(lambda self: _linalg.det(self))
method("inverse")(lambda self: _linalg.inv(self))
method("slogdet")(lambda self: _linalg.slogdet(self))
method("matrix_exp")(lambda self: _linalg.matrix_exp(self))
method("matrix_power")(lambda self, n: _linalg.matrix_power(self, n))


@method("logdet")
def logdet(self):
    """PyTorch's: log det, NaN for a negative determinant of a real matrix, -inf for 0."""
    if np.dtype(self.dtype).kind == "c":
        return tgo.log(_linalg.det(self))
    sign, logabs = _linalg.slogdet(self)
    return tgo.where(sign < 0, np.nan, tgo.where(sign == 0, -np.inf, logabs))


@method("pinverse")
def pinverse(self, rcond=1e-15):
    return _linalg.pinv(self, rcond=rcond)


@method("cholesky")
def cholesky(self, upper=False):
    low = _linalg.cholesky(self)
    return tgo.conj(tgo.swapaxes(low, -1, -2)) if upper else low


# ---- shapes and windows ------------------------------------------------------------------
@method("swapdims")
def swapdims(self, dim0, dim1):
    return tgo.swapaxes(self, dim_of("swapdims", dim0, self.ndim), dim_of("swapdims", dim1, self.ndim))


@method("rot90")
def rot90(self, k=1, dims=(0, 1)):
    return tgo.rot90(self, int(k), axes=dims_of("rot90", dims, self.ndim))


@method("msort")
def msort(self):
    return tgo.sort(self, axis=0)


@method("repeat_interleave")
def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Each entry (each slice along ``dim``; with ``dim`` None, of the flattened tensor)
    ``repeats`` times in a row (PyTorch's; NumPy's ``repeat``). Without ``repeats``, PyTorch's
    one-argument form: the tensor holds the counts, and the result repeats each position
    ``0, 1, ...`` that many times (``tg.repeat_interleave(tg.tensor([2, 0, 3]))``: 0 0 2 2 2)."""
    if repeats is None:
        counts = np.asarray(tgo.stop_gradient(self))
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise TypeError(f"Tensor.repeat_interleave: without repeats the tensor must be a 1-d "
                            f"tensor of counts, got shape {counts.shape} and dtype {counts.dtype}")
        return constant_tensor(np.repeat(np.arange(counts.size), counts))
    return tgo.repeat(self, repeats, axis=None if dim is None else dim_of("repeat_interleave", dim, self.ndim))


@method("unfold")
def unfold(self, dimension, size, step):
    """PyTorch's sliding windows: ``dimension`` becomes the window count, and a new last axis
    of length ``size`` holds each window (windows start every ``step``)."""
    d = dim_of("unfold", dimension, self.ndim)
    n = self.shape[d] if self.ndim else 1
    size, step = int(size), int(step)
    if step < 1 or not 0 <= size <= n:
        raise ValueError(f"Tensor.unfold: size {size} and step {step} do not fit dim {d} of length {n} "
                         f"(need 0 <= size <= {n} and step >= 1)")
    x = self if self.ndim else tgo.reshape(self, (1,))
    idx = np.arange(0, n - size + 1, step)[:, None] + np.arange(size)
    return tgo.moveaxis(tgo.take(x, idx, axis=d), d + 1, -1)


@method("sum_to_size")
def sum_to_size(self, *size):
    """The sum over the axes that ``size`` broadcasts (PyTorch's; ``self`` must expand from
    ``size``)."""
    size = ints_of("sum_to_size", size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s not in (1, t) for s, t in zip(size, shape[lead:])):
        raise ValueError(f"Tensor.sum_to_size: size {size} is not expandable to the tensor's shape {shape}")
    kw = {"dtype": np.int64} if np.dtype(self.dtype).kind == "u" else {}  # (as PyTorch's sum)
    out = tgo.sum(self, axis=tuple(range(lead)), **kw) if lead else self
    axes = tuple(i for i, (s, t) in enumerate(zip(size, shape[lead:])) if s == 1 and t != 1)
    return tgo.sum(out, axis=axes, keepdims=True, **kw) if axes else out


# ---- reductions and statistics -------------------------------------------------------------
@method("diff")
def diff(self, n=1, dim=-1, prepend=None, append=None):
    kw = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return tgo.diff(self, n, axis=dim_of("diff", dim, self.ndim), **kw)


def _quantile(name, fn):
    def m(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        if self.size == 0:  # (PyTorch refuses both; NumPy's nanquantile warns and gives NaN)
            raise TorchValueError(f"Tensor.{name}: the input tensor must be non-empty")
        axis = None if dim is None else dim_of(name, dim, self.ndim)
        return fn(self, q, axis=axis, keepdims=bool(keepdim), method=interpolation)
    return method(name)(m)


_quantile("quantile", tgo.quantile)
_quantile("nanquantile", tgo.nanquantile)


@method("renorm")
def renorm(self, p, dim, maxnorm):
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to that norm
    (PyTorch's, with its 1e-7 in the scale)."""
    d = dim_of("renorm", dim, self.ndim)
    others = tuple(i for i in range(self.ndim) if i != d)
    # (vector_norm: |x|**p through abs would lose x²'s curvature at a zero entry)
    norm = _linalg.vector_norm(self, p, axis=others, keepdims=True)
    return self * tgo.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


@method("heaviside")
def heaviside(self, values):
    return tgo.heaviside(self, values)


@method("bincount")
def bincount(self, weights=None, minlength=0):
    return tgo.bincount(self, weights, minlength=minlength)


def constant_tensor(r):
    """A NumPy array ``r`` as a constant tensor of PyTorch's, as its functions return one (a
    traced value, which is a tensor already, passes as it is)."""
    return torch_made(r) if type(r) is np.ndarray else r


@method("histc")
def histc(self, bins=100, min=0, max=0):  # noqa: A002  (PyTorch's names)
    """Counts in ``bins`` equal bins over [min, max] (the data's range when both are 0;
    values outside are left out), in the tensor's dtype, as PyTorch's."""
    lo, hi = float(min), float(max)
    if lo == hi:
        v = np.asarray(tgo.stop_gradient(self))
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"Tensor.histc: min {lo} is greater than max {hi}")
    r = tgo.astype(tgo.histogram(tgo.stop_gradient(self), int(bins), range=(lo, hi))[0], self.dtype)
    return constant_tensor(r)


Histogram = collections.namedtuple("histogram", ["hist", "bin_edges"])


@method("histogram")
def histogram(self, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """PyTorch's ``t.histogram(bins, *, range, weight, density)``: ``(hist, bin_edges)``, the
    counts (or summed weights, or densities) in the tensor's dtype, as constants."""
    hist, edges = tgo.histogram(tgo.stop_gradient(self), bins if isinstance(bins, int) else tgo.stop_gradient(bins),
                                range=range, weights=None if weight is None else tgo.stop_gradient(weight),
                                density=bool(density))
    return Histogram(constant_tensor(tgo.astype(hist, self.dtype)), constant_tensor(tgo.astype(edges, self.dtype)))


@method("unique")
def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """PyTorch's: the distinct values (sorted), and with ``return_inverse`` the index of each
    entry's value, shaped like the tensor (like the slices along ``dim``). Each NaN is a value
    of its own, as PyTorch's (NumPy's unique takes them as one)."""
    axis = None if dim is None else dim_of("unique", dim, self.ndim)
    out = tgo.unique(self, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
    values, inverse, counts = out[0], out[1], out[2]
    if return_inverse:
        inverse = tgo.reshape(inverse, tuple(self.shape) if axis is None else (self.shape[axis],))
    parts = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return parts[0] if len(parts) == 1 else parts


@method("unique_consecutive")
def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    """PyTorch's: each run of equal consecutive entries (slices along ``dim``) kept once."""
    if dim is None:
        x, axis = tgo.reshape(self, (-1,)), 0
    else:
        x, axis = self, dim_of("unique_consecutive", dim, self.ndim)
    n = x.shape[axis]
    if n > 1:
        a, b = tgo.take(x, np.arange(1, n), axis=axis), tgo.take(x, np.arange(n - 1), axis=axis)
        others = tuple(i for i in range(x.ndim) if i != axis)
        change = tgo.any(a != b, axis=others) if others else a != b
        keep = tgo.concatenate([np.ones(1, bool), change])
    else:  # (no entry, or one: kept)
        keep = np.ones(n, bool)
    starts = tgo.nonzero(keep)[0]
    values = tgo.take(x, starts, axis=axis)
    parts = (values,)
    if return_inverse:
        inv = tgo.cumsum(tgo.astype(keep, np.int64)) - 1
        parts += (tgo.reshape(inv, tuple(self.shape)) if dim is None else inv,)
    if return_counts:
        parts += (tgo.diff(tgo.concatenate([starts, np.array([n])])),)
    return parts[0] if len(parts) == 1 else parts


# ---- scatter and put -----------------------------------------------------------------------
_REDUCE = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "max", "amin": "min"}


def _identity(reduce, dtype):
    dtype = np.dtype(dtype)
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.iinfo(dtype).max if dtype.kind in "iu" else (True if dtype.kind == "b" else np.inf)
    small = np.iinfo(dtype).min if dtype.kind in "iu" else (False if dtype.kind == "b" else -np.inf)
    return small if reduce == "amax" else big


@method("scatter_reduce")
def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
    """PyTorch's: ``src``'s entries reduced into the positions ``index`` gives along ``dim``
    with ``reduce`` ('sum', 'prod', 'mean', 'amax', 'amin'); with ``include_self=False`` a
    position that receives values forgets its own."""
    if reduce not in _REDUCE:
        raise ValueError(f"Tensor.scatter_reduce: reduce must be one of {sorted(_REDUCE)}, got {reduce!r}")
    d = dim_of("scatter_reduce", dim, self.ndim)
    grid = _grid("scatter_reduce", self, d, index)
    v = _src(self, index, src, None)
    base = self if include_self else self.at[grid].set(_identity(reduce, self.dtype))
    out = getattr(base.at[grid], _REDUCE[reduce])(v)
    if reduce != "mean":
        return out
    count = np.zeros(tuple(self.shape), np.int64)
    np.add.at(count, tuple(np.asarray(tgo.stop_gradient(g)) for g in grid), 1)
    count = np.maximum(count + bool(include_self), 1)
    if np.dtype(self.dtype).kind in "iub":
        return out // tgo.astype(count, self.dtype)
    return out / count.astype(self.dtype)


@method("index_reduce")
def index_reduce(self, dim, index, source, reduce, *, include_self=True):
    """``self`` with the slices ``source[..., i, ...]`` (along ``dim``) reduced into
    ``self[..., index[i], ...]`` by ``reduce`` ("prod", "mean", "amax" or "amin"), starting
    from ``self``'s entries there (``include_self=True``) or from those slices alone, as
    PyTorch's ``index_reduce``: :meth:`scatter_reduce` with ``index`` spread along ``dim``."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueError(f"Tensor.index_reduce: reduce must be 'prod', 'mean', 'amax' or 'amin', got {reduce!r}")
    d = dim_of("index_reduce", dim, self.ndim)
    if np.ndim(index) != 1 or np.shape(source)[d:d + 1] != np.shape(index):
        raise IndexError(f"Tensor.index_reduce: index must be 1-d with one entry per slice of source "
                         f"along dim {dim}, got index shape {np.shape(index)} and source shape {np.shape(source)}")
    shape = [1] * self.ndim
    shape[d] = -1
    spread = tgo.broadcast_to(tgo.reshape(index, tuple(shape)), tuple(np.shape(source)))
    return scatter_reduce(self, d, spread, source, reduce, include_self=include_self)


@method("index_put")
def index_put(self, indices, values, accumulate=False):
    """``self`` with ``values`` put at ``self[indices]`` (a tuple of index tensors), or added
    there with ``accumulate=True`` (repeated positions add up), as PyTorch's."""
    at = self.at[tuple(indices)]
    return at.add(values) if accumulate else at.set(values)


@method("masked_scatter")
def masked_scatter(self, mask, source):
    """``self`` with the positions where ``mask`` is true taking ``source``'s entries in
    row-major order (PyTorch's)."""
    m = tgo.broadcast_to(mask, tuple(self.shape))
    count = int(np.count_nonzero(np.asarray(tgo.stop_gradient(m))))
    flat = tgo.reshape(source, (-1,))
    if flat.shape[0] < count:
        raise ValueError(f"Tensor.masked_scatter: the mask selects {count} entries, source has "
                         f"only {flat.shape[0]}")
    return self.at[m].set(flat[:count])


# ---- triangular factors ------------------------------------------------------------------------
TriangularSolve = collections.namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


@method("cholesky_inverse")
def cholesky_inverse(self, upper=False):
    """The inverse of ``L Lᴴ`` from its Cholesky factor ``L`` (of ``Uᴴ U`` from ``U`` with
    ``upper=True``), as PyTorch's: ``L⁻ᴴ L⁻¹`` from one triangular solve. Only that triangle is
    read, so only it gets a gradient (PyTorch's formula gives the other triangle one too, as if
    its entries were part of the factor)."""
    if self.ndim < 2 or self.shape[-1] != self.shape[-2]:
        raise ValueError(f"Tensor.cholesky_inverse: needs a square factor (or a stack of them), "
                         f"got shape {tuple(self.shape)}")
    n = self.shape[-1]
    eye = tgo.broadcast_to(tgo.eye(n, dtype=self.dtype), tuple(self.shape))
    f = _linalg.solve_triangular(self, eye, upper=bool(upper))  # L⁻¹ (or U⁻¹)
    fh = tgo.conj(tgo.swapaxes(f, -1, -2))
    return tgo.matmul(f, fh) if upper else tgo.matmul(fh, f)


@method("triangular_solve")
def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
    """PyTorch's ``b.triangular_solve(A)``: ``(X, A)`` with ``T X = b`` for the upper (or lower)
    triangle ``T`` of ``A`` (``Tᵀ X = b`` with ``transpose=True``; ones on its diagonal with
    ``unitriangular=True``), the batch axes broadcast."""
    if transpose:
        A, upper = tgo.swapaxes(A, -1, -2), not upper
    x = _linalg.solve_triangular(A, self, upper=bool(upper), unitriangular=bool(unitriangular))
    return TriangularSolve(x, tgo.swapaxes(A, -1, -2) if transpose else A * 1)


# ---- memory layout -------------------------------------------------------------------------
@method("is_contiguous")
def is_contiguous(self, memory_format=None):
    return bool(np.asarray(tgo.stop_gradient(self)).flags.c_contiguous)


@method("stride")
def stride(self, dim=None):
    """The step between entries along each axis, in entries (PyTorch's)."""
    a = np.asarray(tgo.stop_gradient(self))
    steps = tuple(s // a.itemsize for s in a.strides)
    return steps if dim is None else steps[dim_of("stride", dim, self.ndim)]


def clamp_of(self, lo, hi):
    """``t.clamp(min, max)``. With a bound a trace follows (a tensor that requires grad, or one a
    transform traces), PyTorch's derivative (JAX's ``clip``, served otherwise, shares ½ at a
    tie): the cotangent goes to ``t`` where min ≤ t ≤ max (none at a NaN), to ``min`` where
    t < min < max, to ``max`` where t > max or min > max, and nowhere in an entry the value
    (``clip``'s) is NaN. Selections only, so infinite entries stay exact."""
    if not any(type(b) is Tensor and b._trace is not None for b in (lo, hi)):
        return tgo.clip(self, lo, hi)
    value = tgo.stop_gradient(tgo.clip(self, lo, hi))
    out = value  # (the three cases exclude one another; in none of them, the value alone)
    if hi is not None:
        high = tgo.greater(self, hi) if lo is None else tgo.logical_or(tgo.greater(self, hi),
                                                                       tgo.greater(lo, hi))
        out = tgo.where(high, hi, out)
    if lo is not None:
        low = tgo.less(self, lo) if hi is None else tgo.logical_and(tgo.less(self, lo), tgo.less(lo, hi))
        out = tgo.where(low, lo, out)
    inside = tgo.greater_equal(self, lo) if lo is not None else None
    if hi is not None:
        below = tgo.less_equal(self, hi)
        inside = below if inside is None else tgo.logical_and(inside, below)
    return tgo.where(tgo.isnan(value), value, tgo.where(inside, self, out))
