"""PyTorch's Tensor methods on tensorgrad's Tensor (and on ``tg.jit``'s traced values).

The rule: NumPy's meaning stays, PyTorch's keywords give PyTorch's meaning.

1. A name ``numpy.ndarray`` lacks gets PyTorch's meaning and signature: ``t.exp()``,
   ``t.unsqueeze(0)``, ``t.view(-1)``, ``t.clamp(min=0)``, ``t.gather(1, idx)``,
   ``t.topk(3)``, ``t.float()``, ... Each is built from tensorgrad's differentiable
   functions, so it differentiates to any order, records on the imperative tape, and works on
   values traced by ``tg.grad``/``tg.vmap``/``tg.jacfwd`` and under ``tg.jit``.
2. A name ndarray has (``sum``, ``max``, ``std``, ``flatten``, ``transpose``, ...) keeps
   NumPy's meaning for NumPy-style calls here; PyTorch's keywords (``dim=``, ``keepdim=``,
   ``unbiased=``, ``correction=``, ``start_dim=``, ...) select PyTorch's meaning
   (``t.max(dim=1)`` returns ``(values, indices)``). ``t.size`` is NumPy's int that is also
   callable (``t.size()``, ``t.size(0)``). On a tensor of PyTorch's API the positional calls
   whose meanings differ are PyTorch's too: :mod:`tensorgrad.tensor_torch_flavor`.
3. Trailing-underscore methods (``add_``, ``clamp_``, ``zero_``, ...) update the tensor by the
   rule of ``t += v`` (:func:`tensorgrad.imperative._in_place` through
   :func:`tensorgrad.nn.inplace.write_back`); values a transform traces are immutable.
"""
from __future__ import annotations

import numpy as np

from . import ops as tgo
from . import special
from .hooks import float_difference
from .imperative import check_cast, tensor as _tensor
from .lax_ops import rsqrt  # (torch's rsqrt takes integers: not lax's dtype check)
from .nn.inplace import write_back, write_constant
from .ops.creation import device_form
from .nn.torch_activations import log_softmax, relu, softmax
from .flavor import torch_style
from .torch_updates import traced_update
from .recording import IMPERATIVE
from .staging import Staged
from .tensor import Tensor, traced_level
from .tensor_torch_extra import SELF_WRITING, clamp_of, numpy_keywords, to_tensor  # (and registers more METHODS)
from . import tensor_torch_names  # noqa: F401  (and more)
from .tensor_torch_names import INT_RESULTS, SizeInt as _Size, tensors_out
from .tensor_torch_more import METHODS, each_result, arg_reduce, dim_of, dims_of, dtype_device, ints_of, values_indices

__all__ = ["METHODS"]

_NO = object()
_ARRAYS = (Tensor, Staged, np.ndarray)


def _one(fn):
    return lambda self: fn(self)


def _frac(x):
    return x - tgo.trunc(x)


def _sgn(x):
    if np.issubdtype(x.dtype, np.complexfloating):
        a = tgo.abs(x)
        return tgo.where(a == 0, 0, x / tgo.where(a == 0, 1, a))
    return tgo.sign(x)


def _reciprocal(x):
    return tgo.true_divide(1.0 if np.issubdtype(x.dtype, np.inexact) else np.float64(1.0), x)


for _name, _fn in {
        "exp": tgo.exp, "exp2": tgo.exp2, "expm1": tgo.expm1, "log": tgo.log, "log2": tgo.log2,
        "log10": tgo.log10, "log1p": tgo.log1p, "sqrt": tgo.sqrt, "rsqrt": rsqrt,
        "square": tgo.square, "abs": tgo.abs, "absolute": tgo.abs, "neg": tgo.negative,
        "negative": tgo.negative, "reciprocal": _reciprocal, "sign": tgo.sign, "sgn": _sgn,
        "sin": tgo.sin, "cos": tgo.cos, "tan": tgo.tan, "asin": tgo.arcsin, "arcsin": tgo.arcsin,
        "acos": tgo.arccos, "arccos": tgo.arccos, "atan": tgo.arctan, "arctan": tgo.arctan,
        "sinh": tgo.sinh, "cosh": tgo.cosh, "tanh": tgo.tanh, "asinh": tgo.arcsinh,
        "arcsinh": tgo.arcsinh, "acosh": tgo.arccosh, "arccosh": tgo.arccosh,
        "atanh": tgo.arctanh, "arctanh": tgo.arctanh, "sigmoid": tgo.sigmoid, "relu": relu,
        "erf": special.erf, "erfc": special.erfc, "erfinv": special.erfinv,
        "lgamma": special.gammaln, "digamma": special.digamma, "floor": tgo.floor,
        "ceil": tgo.ceil, "trunc": tgo.trunc, "fix": tgo.trunc, "frac": _frac, "sinc": tgo.sinc,
        "deg2rad": tgo.deg2rad, "rad2deg": tgo.rad2deg, "isnan": tgo.isnan, "isinf": tgo.isinf,
        "isfinite": tgo.isfinite, "signbit": tgo.signbit, "angle": tgo.angle,
        "logical_not": tgo.logical_not, "isreal": lambda x: tgo.asarray(tgo.isreal(x))}.items():
    METHODS[_name] = _one(_fn)


def _logit(self, eps=None):
    return special.logit(self if eps is None else tgo.clip(self, eps, 1 - eps))


def _nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    return tgo.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)


def _softmax(name, fn):
    def m(self, dim, dtype=None):
        x = self if dtype is None else tgo.astype(self, dtype)
        return fn(x, axis=dims_of(name, dim, self.ndim))
    return m


METHODS.update(logit=_logit, nan_to_num=_nan_to_num, softmax=_softmax("softmax", softmax),
               log_softmax=_softmax("log_softmax", log_softmax))


# ---- binary ---------------------------------------------------------------------------------
def _two(fn):
    return lambda self, other: fn(self, other)


def _pow(self, exponent):
    """PyTorch's ``t.pow(exponent)`` (also by keyword)."""
    return tgo.power(self, exponent)


for _name, _fn in {
        "mul": tgo.multiply, "multiply": tgo.multiply, "true_divide": tgo.true_divide,
        "floor_divide": tgo.floor_divide, "remainder": tgo.remainder, "fmod": tgo.fmod,
        "pow": tgo.power, "float_power": tgo.float_power, "atan2": tgo.arctan2,
        "arctan2": tgo.arctan2, "hypot": tgo.hypot, "maximum": tgo.maximum,
        "minimum": tgo.minimum, "fmax": tgo.fmax, "fmin": tgo.fmin, "logaddexp": tgo.logaddexp,
        "logaddexp2": tgo.logaddexp2, "xlogy": special.xlogy, "copysign": tgo.copysign,
        "eq": tgo.equal, "ne": tgo.not_equal, "not_equal": tgo.not_equal, "lt": tgo.less,
        "less": tgo.less, "gt": tgo.greater, "greater": tgo.greater, "le": tgo.less_equal,
        "less_equal": tgo.less_equal, "ge": tgo.greater_equal,
        "greater_equal": tgo.greater_equal, "logical_and": tgo.logical_and,
        "logical_or": tgo.logical_or, "logical_xor": tgo.logical_xor,
        "bitwise_and": tgo.bitwise_and, "bitwise_or": tgo.bitwise_or,
        "bitwise_xor": tgo.bitwise_xor}.items():
    METHODS[_name] = _two(_fn)
METHODS["pow"] = _pow


def _add(self, other, *, alpha=1):
    return self + (other if alpha == 1 else alpha * other)


def _sub(self, other, *, alpha=1):
    return self - (other if alpha == 1 else alpha * other)


def _rsub(self, other, *, alpha=1):
    return other - (self if alpha == 1 else alpha * self)


def _div(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return tgo.true_divide(self, other)
    if rounding_mode == "floor":
        return tgo.floor_divide(self, other)
    if rounding_mode == "trunc":
        q = tgo.trunc(tgo.true_divide(self, other))
        kinds = [np.dtype(v.dtype) if isinstance(v, _ARRAYS) else np.result_type(v)
                 for v in (self, other)]
        if all(np.issubdtype(k, np.integer) for k in kinds):
            q = tgo.astype(q, np.result_type(*kinds))
        return q
    raise ValueError(f"Tensor.div: rounding_mode must be None, 'trunc' or 'floor', got "
                     f"{rounding_mode!r}")


def _lerp(self, end, weight):
    return self + weight * float_difference("lerp", end, self)


def _addcmul(self, tensor1, tensor2, *, value=1):
    p = tensor1 * tensor2
    return self + (p if value == 1 else value * p)


def _addcdiv(self, tensor1, tensor2, *, value=1):
    p = tensor1 / tensor2
    return self + (p if value == 1 else value * p)


def _isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return tgo.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(tgo.all(_isclose(self, other, rtol, atol, equal_nan)))


def _equal(self, other):
    return tuple(self.shape) == tuple(np.shape(other)) and bool(tgo.all(tgo.equal(self, other)))


def _where(self, condition, other):
    return tgo.where(condition, self, other)


def _clamp(self, min=None, max=None):
    if min is None and max is None:
        raise ValueError("Tensor.clamp: give at least one of min and max")
    return clamp_of(self, min, max)


METHODS.update(add=_add, sub=_sub, subtract=_sub, rsub=_rsub, div=_div, divide=_div,
               lerp=_lerp, addcmul=_addcmul, addcdiv=_addcdiv, isclose=_isclose,
               allclose=_allclose, equal=_equal, where=_where, clamp=_clamp,
               clamp_min=lambda self, min: _clamp(self, min=min),
               clamp_max=lambda self, max: _clamp(self, max=max))


# ---- casting and constructors ------------------------------------------------------------
def _cast(dtype):
    # (the tensor itself when it has the dtype already, as PyTorch's: a leaf stays that leaf)
    return lambda self, memory_format=None: self if self.dtype == dtype else tgo.astype(self, dtype)


METHODS.update({"float": _cast(np.float32), "double": _cast(np.float64),
                "half": _cast(np.float16), "int": _cast(np.int32), "long": _cast(np.int64),
                "short": _cast(np.int16), "bool": _cast(np.bool_), "cfloat": _cast(np.complex64),
                "cdouble": _cast(np.complex128)})


def _to(self, *args, **kwargs):
    return to_tensor(self, *args, **kwargs)


def _new(fill):  # (size given by position or as size=; requires_grad makes a leaf, as PyTorch)
    def m(self, *shape, size=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        shape = ints_of("new_" + fill[0], shape if size is None else (size,))
        device_form("Tensor.new_" + fill[0], device)
        return _tensor(np.full(shape, fill[1], dtype=dtype or self.dtype), requires_grad=requires_grad,
                       device=device)
    return m


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _tensor(np.full(tuple(size), fill_value, dtype=dtype or self.dtype), requires_grad=requires_grad,
                   device=device)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return _tensor(np.array(data, dtype=dtype or self.dtype), requires_grad=requires_grad, device=device)


METHODS.update(to=_to, type_as=lambda self, other: _cast(np.dtype(other.dtype))(self),
               new_zeros=_new(("zeros", 0)), new_ones=_new(("ones", 1)),
               new_empty=_new(("empty", 0)), new_full=_new_full, new_tensor=_new_tensor,
               is_floating_point=lambda self: bool(np.issubdtype(self.dtype, np.floating)),
               is_complex=lambda self: bool(np.issubdtype(self.dtype, np.complexfloating)),
               element_size=lambda self: np.dtype(self.dtype).itemsize,
               nelement=lambda self: int(np.prod(self.shape, dtype=np.int64)),
               ndimension=lambda self: len(self.shape))


# ---- in place: the rule of t += v ------------------------------------------------------------
#: the out-of-place forms of the in-place methods that have no method of their own name
_OUT_OF_PLACE = {"zero_": "tg.zeros_like(t)", "fill_": "tg.full_like(t, value)",
                 "copy_": "the other value itself (or tg.broadcast_to(v, t.shape))"}

def write(name: str, self, result):
    """``self`` takes ``result`` in place (the rule of ``t += v``), and comes back."""
    fresh = _OUT_OF_PLACE.get(name, f"t.{name[:-1]}(...)")
    if name not in _FILLS:
        check_cast(f"Tensor.{name}", result, self.dtype, f"use the out-of-place {fresh}")
    if traced_update(self, result, f"Tensor.{name}"):  # (a value traced for PyTorch: torch.func's)
        return self
    if type(self) is not Tensor or traced_level(self) > 0 or (
            self._trace is not IMPERATIVE and (self._trace is not None or type(self._value) is Tensor)):
        raise TypeError(f"Tensor.{name}: values traced by a transform (grad, vmap, jit, ...) are "
                        f"immutable; use the out-of-place {fresh} and the value it returns")
    if self._trace is IMPERATIVE:
        if write_back(f"Tensor.{name}", self, result, fresh) is not self:
            raise TypeError(f"Tensor.{name}: the new value is traced by a transform, so the tensor "
                            f"cannot hold it; use the out-of-place {fresh}")
        return self
    return write_constant(f"Tensor.{name}", self, result, fresh)  # (item assignment's rule)


#: in-place methods that write given values, cast to its dtype as item assignment is (not arithmetic)
_FILLS = frozenset({"masked_fill_", "index_fill_", "index_copy_", "index_put_", "scatter_",
                    "masked_scatter_"})


def _in_place(name):
    out_of_place = METHODS.get(name[:-1])  # (None: a name ndarray has, such as cumsum)

    def m(self, *args, **kwargs):
        fresh = out_of_place or getattr(type(self), name[:-1])
        return write(name, self, fresh(self, *args, **kwargs))
    m.__name__ = m.__qualname__ = name
    return m


for _name in ("add_", "sub_", "mul_", "div_", "pow_", "clamp_", "clamp_min_", "clamp_max_",
              "exp_", "log_", "sqrt_", "neg_", "abs_", "sigmoid_", "tanh_", "relu_",
              "masked_fill_", "index_fill_", "index_add_", "index_copy_", "scatter_",
              "scatter_add_", "reciprocal_", "sin_", "cos_", "floor_", "ceil_", "lerp_",
              "addcmul_", "addcdiv_", "square_", "tril_", "triu_", "index_put_", "masked_scatter_",
              "log1p_", "expm1_", "exp2_", "log2_", "log10_", "rsqrt_", "sign_", "sgn_", "trunc_",
              "fix_", "frac_", "tan_", "sinh_", "cosh_", "asin_", "acos_", "atan_", "asinh_",
              "acosh_", "atanh_", "erf_", "erfc_", "erfinv_", "lgamma_", "digamma_", "logit_",
              "sinc_", "deg2rad_", "rad2deg_", "nan_to_num_", "xlogy_", "fmod_", "remainder_",
              "atan2_", "hypot_", "copysign_", "true_divide_", "floor_divide_", "cumsum_",
              "cumprod_", "round_", "polygamma_", "i0_", "ldexp_", "addr_", "addbmm_", "absolute_",
              "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctan2_", "arctanh_", "divide_",
              "multiply_", "subtract_", "negative_", "float_power_", "gcd_", "lcm_", "heaviside_",
              "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_not_", "logical_and_", "logical_or_",
              "logical_xor_", "logical_not_", "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "less_",
              "greater_equal_", "less_equal_", "not_equal_", "mvlgamma_", "renorm_", "addmm_", "addmv_",
              "baddbmm_", "scatter_reduce_", "conj_physical_"):
    METHODS[_name] = _in_place(_name)
METHODS["clip_"] = METHODS["clamp_"]


def _replaced(self, v):
    """``v`` (cast to the tensor's dtype) in place of the tensor's values, as an op of both: a
    recorded tensor stays recorded, with a zero derivative for its old values (PyTorch's
    ``zero_``, ``fill_`` and ``copy_`` keep it on the graph), and a recorded ``v`` gets its
    gradient."""
    v = tgo.astype(v, self.dtype) if isinstance(v, _ARRAYS) else np.asarray(v, self.dtype)
    return tgo.where(np.ones(self.shape, bool), v, self)


def _zero_(self):
    return write("zero_", self, _replaced(self, 0))


def _fill_(self, value):
    if isinstance(value, _ARRAYS) and np.ndim(value):
        raise RuntimeError(f"Tensor.fill_: the value must be a number or a 0-d tensor, got shape "
                           f"{tuple(np.shape(value))} (use copy_ to copy a tensor)")
    return write("fill_", self, _replaced(self, value))


def _copy_(self, src, non_blocking=False):
    if not isinstance(src, _ARRAYS):
        src = np.asarray(src)
    return write("copy_", self, _replaced(self, tgo.broadcast_to(src, tuple(self.shape))))


METHODS.update(zero_=_zero_, fill_=_fill_, copy_=_copy_)


# ---- names ndarray has: PyTorch's keywords -----------------------------------------------
def _aliases(name, kwargs):
    """``dim=`` → ``axis=``, ``keepdim=`` → ``keepdims=`` (both spellings: a TypeError)."""
    for torch_name, np_name in (("dim", "axis"), ("keepdim", "keepdims")):
        if torch_name in kwargs:
            if np_name in kwargs:
                raise TypeError(f"Tensor.{name}: got both {torch_name}= and {np_name}=; give one")
            v = kwargs.pop(torch_name)
            kwargs[np_name] = tuple(v) if isinstance(v, list) else v
    return kwargs


def _bool_form(name, args, kwargs, names):
    """PyTorch's positional form ``(dim, <names>...)`` as keywords, or None.

    It is told by a bool second argument, where NumPy's method takes a dtype or an
    ``out`` array and refuses a bool: ``t.sum(1, True)``, ``t.max(0, False)``,
    ``t.std(1, True, True)``.
    """
    if len(args) < 2 or not isinstance(args[1], (bool, np.bool_)):
        return None
    if len(args) > 1 + len(names):
        raise TypeError(f"Tensor.{name}: PyTorch's form takes (dim, {', '.join(names)}), "
                        f"got {len(args)} positional arguments")
    form = dict(zip(("dim",) + tuple(names), args))
    both = sorted(form.keys() & kwargs.keys())
    if both:
        raise TypeError(f"Tensor.{name}: got {', '.join(both)} both by position and by keyword")
    return {**form, **kwargs}


def _keywords(name, orig, names=("keepdim",)):
    def m(self, *args, **kwargs):
        form = _bool_form(name, args, kwargs, names) if names else None
        if form is not None:
            args, kwargs = (), form
        return orig(self, *args, **_aliases(name, kwargs))
    m.__name__, m.__qualname__, m.__doc__ = name, name, orig.__doc__
    return m


def _extremum(name, orig, elementwise, arg):
    def m(self, *args, **kwargs):
        if "other" in kwargs:  # PyTorch's t.max(other=u)
            args, kwargs = args + (kwargs.pop("other"),), kwargs
        if args and isinstance(args[0], _ARRAYS) and not (np.ndim(args[0]) == 0 and np.issubdtype(
                np.dtype(args[0].dtype), np.integer)):
            if len(args) > 1 or kwargs:
                raise TypeError(f"Tensor.{name}(other) takes no further arguments")
            return elementwise(self, args[0])
        form = _bool_form(name, args, kwargs, ("keepdim",))
        if form is not None:
            args, kwargs = (), form
        if "dim" in kwargs or "keepdim" in kwargs:  # PyTorch's keywords: PyTorch's (values, indices)
            if "dim" not in kwargs and len(args) == 1:
                kwargs["dim"], args = args[0], ()
            if "dim" not in kwargs:
                raise TypeError(f"Tensor.{name}(keepdim=...) needs a dim, as in PyTorch")
            dim = kwargs.pop("dim")
            keepdim = kwargs.pop("keepdim", kwargs.pop("keepdims", False))
            if args or kwargs:
                raise TypeError(f"Tensor.{name}(dim=..., keepdim=...) takes no other arguments, "
                                f"got {args} {sorted(kwargs)}")
            return arg_reduce(name, self, dim, keepdim, arg)
        return orig(self, *args, **_aliases(name, kwargs))
    m.__name__ = m.__qualname__ = name
    return m


def _spread(name, orig):
    def m(self, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], (bool, np.bool_)):  # t.std(False): PyTorch's unbiased
            args, kwargs = (), {"unbiased": args[0], **kwargs}
        form = _bool_form(name, args, kwargs, ("unbiased", "keepdim"))
        if form is not None:
            args, kwargs = (), form
        torch = {k: kwargs.pop(k) for k in ("dim", "keepdim", "unbiased", "correction") if k in kwargs}
        if not torch:
            return orig(self, *args, **kwargs)
        if "ddof" in kwargs:
            raise TypeError(f"Tensor.{name}: got both ddof= and PyTorch's correction/unbiased")
        unbiased = torch.pop("unbiased", None)
        correction = torch.pop("correction", None)
        if correction is None:
            correction = 0 if unbiased is False else 1
        elif unbiased is not None:
            raise TypeError(f"Tensor.{name}: got both unbiased= and correction=")
        kwargs = _aliases(name, {**kwargs, **torch})
        return getattr(tgo, name)(self, *args, ddof=correction, **kwargs)
    m.__name__ = m.__qualname__ = name
    return m


def _sort_of(orig):
    def sort(self, *args, **kwargs):
        """PyTorch's ``t.sort(dim=-1, descending=False, stable=False)`` -> ``(values, indices)``
        when called with one of those keywords. A NumPy-style call (``t.sort()``, ``t.sort(0)``)
        would sort in place and return None; it raises instead, as before, so that nobody
        reads an unsorted tensor believing it sorted."""
        if (2 <= len(args) <= 3 and isinstance(args[1], (bool, np.bool_))) or (
                len(args) == 1 and kwargs and not set(kwargs) - {"descending", "stable"}):
            kwargs = {**dict(zip(("dim", "descending", "stable"), args)), **kwargs}  # (dim, ...)
            args = ()
        if args or not kwargs or set(kwargs) - {"dim", "descending", "stable"}:
            return orig(self, *args, **kwargs)
        dim, descending = kwargs.get("dim", -1), kwargs.get("descending", False)
        if not self.shape:  # a 0-d tensor: itself, at index 0 (dim 0 or -1, as PyTorch's)
            dim_of("sort", 0 if dim is None else dim, 0)
            return to_0d(sort(tgo.reshape(self, (1,)), dim=0, descending=descending))
        if dim is None:
            self, dim = tgo.reshape(self, (-1,)), 0
        idx = tgo.astype(tgo.argsort(self, axis=dim, descending=bool(descending)), np.int64)
        return values_indices(tgo.take_along_axis(self, idx, dim), idx)
    return sort


def _argsort_of(orig):
    def argsort(self, *args, **kwargs):
        if args[1:2] and isinstance(args[1], (bool, np.bool_)):
            kwargs["descending"], args = args[1], args[:1] + args[2:]
        if not self.shape and not args and torch_style(self):  # PyTorch's 0-d: 0-d indices
            return to_0d(argsort(tgo.reshape(self, (1,)), **kwargs))
        if "dim" in kwargs or "descending" in kwargs:
            kwargs = _aliases("argsort", kwargs)
            kwargs.setdefault("axis", args[0] if args else -1)
            return tgo.astype(tgo.argsort(self, **kwargs), np.int64)
        return orig(self, *args, **kwargs)
    return argsort


def _flatten_of(orig):
    def flatten(self, *args, **kwargs):
        torch = (args and isinstance(args[0], (int, np.integer))) or "start_dim" in kwargs or "end_dim" in kwargs
        if not torch:
            return orig(self, *args, **kwargs)
        start, end = (list(args) + [kwargs.pop("start_dim", 0), kwargs.pop("end_dim", -1)][len(args):])[:2]
        shape = tuple(self.shape)
        s, e = dim_of("flatten", start, self.ndim), dim_of("flatten", end, self.ndim)
        if s > e:
            raise ValueError(f"Tensor.flatten: start_dim {start} comes after end_dim {end}")
        if not shape:
            return tgo.reshape(self, (1,))
        return tgo.reshape(self, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])  # (0 entries too)
    return flatten


def _transpose_of(orig):
    def transpose(self, *axes, **kwargs):
        if kwargs:  # PyTorch's keywords: transpose(dim0=, dim1=)
            if set(kwargs) - {"dim0", "dim1"} or len(axes) + len(kwargs) != 2:
                raise TypeError("Tensor.transpose takes NumPy's axes or PyTorch's (dim0, dim1), "
                                f"got {axes} and {sorted(kwargs)}")
            axes = axes + tuple(kwargs[k] for k in ("dim0", "dim1") if k in kwargs)
        elif len(axes) != 2 or not all(isinstance(a, (int, np.integer)) for a in axes) or (
                self.ndim == 2 and min(axes) >= 0):  # (on a tensor of PyTorch's, (0, 1) swaps:
            # see tensorgrad.tensor_torch_flavor)
            return orig(self, *axes)  # NumPy's permutation (also m.transpose(0, 1) on a matrix,
            # as generic code that builds a permutation means it)
        # two axes of a tensor that is not a matrix, or negative ones (k.transpose(-2, -1)):
        # PyTorch's swap (NumPy's (-2, -1) on a matrix would be the identity)
        d0, d1 = (dim_of("transpose", a, self.ndim) for a in axes)  # PyTorch's swap
        return tgo.swapaxes(self, d0, d1) if self.ndim and d0 != d1 else tgo.reshape(self, self.shape)
    return transpose


def _squeeze_of(orig):
    def squeeze(self, *args, **kwargs):
        if "dim" not in kwargs:
            return orig(self, *args, **kwargs)
        if args or "axis" in kwargs:
            raise TypeError("Tensor.squeeze: got both dim= and axis=; give one")
        dims = dims_of("squeeze", kwargs.pop("dim"), self.ndim)
        dims = (dims,) if isinstance(dims, int) else dims
        keep = tuple(d for d in (dims or ()) if self.shape[d] == 1) if dims is not None else None
        return tgo.squeeze(self, keep) if keep != () else tgo.reshape(self, self.shape)  # (a view)
    return squeeze


def _diagonal_of(orig):
    def diagonal(self, *args, **kwargs):
        return orig(self, *args, **{{"dim1": "axis1", "dim2": "axis2"}.get(k, k): v for k, v in kwargs.items()})
    return diagonal


def _nonzero_of(orig):
    def nonzero(self, *, as_tuple=_NO, size=None, fill_value=None):
        if as_tuple is _NO:  # NumPy's (with JAX's size and fill_value)
            if size is None and fill_value is None:
                return orig(self)
            return tgo.nonzero(self, size=size, fill_value=fill_value)
        if size is not None or fill_value is not None:
            raise TypeError("nonzero: size and fill_value (JAX's) do not go with as_tuple (PyTorch's)")
        return METHODS["nonzero_torch"](self, as_tuple)
    return nonzero


# PyTorch's dim argument of each method that takes one: its position (None: by keyword only,
# where a positional argument keeps NumPy's meaning), and whether an empty dim (``dim=()`` or
# ``dim=[]``) reduces over every axis, as PyTorch's reductions do (NumPy's ``axis=()`` reduces
# over none)
_DIMS = {"sum": (None, True), "mean": (None, True), "std": (None, True), "var": (None, True),
         "nansum": (0, True), "nanmean": (0, True), "count_nonzero": (0, True), "norm": (1, True),
         "amax": (0, True), "amin": (0, True), "prod": (None, False), "all": (None, False),
         "any": (None, False), "cumsum": (None, False), "cumprod": (None, False),
         "squeeze": (None, False), "max": (None, False), "min": (None, False),
         "argmax": (None, False), "argmin": (None, False), "sort": (None, False),
         "argsort": (None, False), "logsumexp": (0, True), "softmax": (0, False),
         "log_softmax": (0, False), "logcumsumexp": (0, False), "cummax": (0, False),
         "cummin": (0, False), "median": (0, False), "nanmedian": (0, False),
         "kthvalue": (1, False), "topk": (1, False), "aminmax": (None, False), "mode": (0, False),
         "flip": (0, False), "movedim": (0, False), "index_select": (0, False)}


def _first_axis(d) -> bool:
    """``d`` names only the one axis PyTorch lets a 0-d tensor have (0 or -1)."""
    ds = d if isinstance(d, (list, tuple)) else (d,)
    return bool(ds) and all(isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))
                            and k in (0, -1) for k in ds)


def to_0d(r):
    """``r`` (a result, or a tuple of them) with each array of one entry made 0-d."""
    return each_result(lambda v: tgo.reshape(v, ()) if isinstance(v, _ARRAYS) and np.size(v) == 1
                        and np.ndim(v) else v, r)


def _torch_dims(name, fn, pos, empty_is_all):
    """PyTorch's two readings of ``dim`` that NumPy's axes lack: a 0-d tensor has an axis 0
    (also -1) of length 1 (``s.sum(dim=0)``, ``s.softmax(0)``, ``s.sort(dim=-1)``; results
    stay 0-d), and, for the sums and means, ``dim=()`` / ``dim=[]`` reduce over every axis
    (positionally, ``t.sum(())``, on PyTorch's tensors only: NumPy's ``axis=()`` reduces none)."""
    def m(self, *args, **kwargs):
        d, at = kwargs.get("dim", kwargs.get("dims", _NO)), None  # (flip's dims=; at: d's place)
        if d is _NO:
            if pos is not None and len(args) > pos:
                d, at = args[pos], pos
            elif pos is None and args and ((len(args) > 1 and isinstance(args[1], (bool, np.bool_)))
                                           or torch_style(self) and (self.ndim == 0 or type(
                                               args[0]) in (list, tuple) and not args[0])):
                d, at = args[0], 0  # PyTorch's positional form t.sum(dim, keepdim), s.sum(0), t.sum(())
        if d is _NO:
            return fn(self, *args, **kwargs)
        if empty_is_all and isinstance(d, (list, tuple)) and not d and ("dim" in kwargs or torch_style(self)):
            return fn(self, *args, **{**kwargs, "dim": None}) if at is None else \
                fn(self, *args[:at], None, *args[at + 1:], **kwargs)
        if self.ndim == 0 and _first_axis(d):
            return to_0d(fn(tgo.reshape(self, (1,)), *args, **kwargs))
        return fn(self, *args, **kwargs)
    m.__name__, m.__qualname__, m.__doc__ = name, name, fn.__doc__
    return m


def _install(cls) -> None:
    for name, fn in METHODS.items():
        if name != "nonzero_torch":
            setattr(cls, name, fn)
    for name in ("sum", "mean", "prod", "all", "any", "argmax", "argmin"):
        setattr(cls, name, _keywords(name, getattr(cls, name)))
    for name in ("cumsum", "cumprod"):  # PyTorch's (dim, *, dtype): no keepdim
        setattr(cls, name, _keywords(name, getattr(cls, name), ()))
    cls.max = _extremum("max", cls.max, tgo.maximum, tgo.argmax)
    cls.min = _extremum("min", cls.min, tgo.minimum, tgo.argmin)
    cls.std, cls.var = _spread("std", cls.std), _spread("var", cls.var)
    cls.sort = _sort_of(cls.sort)
    cls.argsort = _argsort_of(cls.argsort)
    cls.flatten = _flatten_of(cls.flatten)
    cls.transpose = _transpose_of(cls.transpose)
    cls.squeeze = _squeeze_of(cls.squeeze)
    cls.diagonal = _diagonal_of(cls.diagonal)
    cls.nonzero = _nonzero_of(cls.nonzero)
    cls.size = property(lambda self: _Size(self.shape), doc=_Size.__doc__)
    for name, (pos, empty_is_all) in _DIMS.items():
        if hasattr(cls, name):
            setattr(cls, name, _torch_dims(name, getattr(cls, name), pos, empty_is_all))


for _name, _fn in METHODS.items():  # (INT_RESULTS' counts and indices: tensors; and axis=/keepdims=)
    METHODS[_name] = numpy_keywords(tensors_out(_fn) if _name in INT_RESULTS else _fn)
_install(Tensor)
_install(Staged)


def _take_in_place(self, out, name: str):
    """``self`` (a rule's array, ``.grad``, a tensor's ``.data``) takes ``out`` in place."""
    out = np.broadcast_to(np.asarray(out), self.shape)
    write = getattr(self, "write_back", None)  # (a tensor's .data: into the tensor)
    if write is not None:
        return write(out, name)
    np.copyto(self, out, casting="unsafe")
    return self


def install_on_rule_arrays(cls) -> None:
    """The same methods on ``cls``, the ndarray subclass a ``tg.autograd.Function``'s
    ``forward`` and ``backward`` see (``i.exp()``, ``x.mm(w.t())``, ``g.sum(dim=0)``): its
    results come back as ``cls`` (for chained calls), and the in-place methods write into
    the array itself (NumPy's item assignment)."""
    keep = {"clone", "detach", "numel", "dim", "numpy", "requires_grad_"}  # cls's own
    own = {k: vars(cls)[k] for k in keep if k in vars(cls)}
    _install(cls)

    def rule(r, to):  # (to: the class of self, a subclass of cls too, or the class it names)
        to = getattr(to, "results_as", to)
        return each_result(lambda v: v.view(to) if type(v) is np.ndarray else v, r)

    def wrapped(name, fn):
        if name.endswith("_") and name[-2] != "_" and name not in ("requires_grad_", *SELF_WRITING):
            fresh = METHODS.get(name[:-1])

            def m(self, *args, **kwargs):
                out = fresh(self, *args, **kwargs) if fresh is not None and name not in (
                    "zero_", "fill_", "copy_") else _RULE_WRITES[name](self, *args, **kwargs)
                return _take_in_place(self, out, name)
        else:
            def m(self, *args, **kwargs):
                return rule(fn(self, *args, **kwargs), type(self))
        m.__name__, m.__qualname__, m.__doc__ = name, name, getattr(fn, "__doc__", None)
        return m

    for name in set(METHODS) | set(_DIMS) | {"max", "min", "std", "var", "sort", "argsort", "flatten",
                                             "transpose", "squeeze", "diagonal", "nonzero"}:
        fn = vars(cls).get(name)
        if callable(fn) and name not in keep and name != "nonzero_torch":
            setattr(cls, name, wrapped(name, fn))
    for k, v in own.items():
        setattr(cls, k, v)
    cls.take_in_place = _take_in_place
    torch_view = vars(cls)["view"]

    def view(self, *args, **kwargs):
        """PyTorch's ``view(*shape)``; NumPy's ``view(type)`` / ``view(dtype)`` for a type or dtype."""
        if len(args) == 1 and not isinstance(args[0], (list, tuple, int, np.integer)) or kwargs:
            return np.ndarray.view(self, *args, **kwargs)
        return torch_view(self, *args)
    cls.view = view


_RULE_WRITES = {"zero_": lambda self: 0, "fill_": lambda self, value: value,
                "copy_": lambda self, src, non_blocking=False: src}
del _name, _fn
from . import tensor_torch_gaps  # noqa: E402,F401  (PyTorch's remaining methods: as_strided, lu, is_sparse, ...; needs write)
