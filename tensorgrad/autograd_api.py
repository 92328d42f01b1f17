"""HIPS autograd's differential operators (``autograd.differential_operators``), with
autograd's names, signatures and results, built on tensorgrad's transforms.

``tg.autograd.grad(fun, argnum=0)`` differentiates ``fun`` in its positional argument
``argnum``; the function it returns takes ``fun``'s own arguments (keywords are passed
through to ``fun`` and never differentiated). ``argnum`` is an int or a tuple of ints: with a
tuple, the differentiated argument is the tuple of those arguments and the results are tuples
in that order. Results keep autograd's layouts: ``make_vjp(fun)(x)`` returns
``(vjp, value)``, ``make_jvp(fun)(x)(v)`` returns ``(value, jvp)``, ``jacobian`` has shape
``out.shape + in.shape``.

Each operator is a thin layer over ``tg.vjp``, ``tg.jvp``, ``tg.jacrev`` and ``tg.remat``
(second derivatives reverse over reverse, as autograd's), so they take pytrees, nest to any
order, run under ``tg.jit`` and ``tg.vmap``, and raise those transforms' errors. Complex values follow
autograd's (and JAX's) convention; ``holomorphic_grad`` is the gradient of the real part.

The names that do not collide with tensorgrad's JAX-style transforms are also top-level
(``tg.elementwise_grad``, ``tg.make_vjp``, ...); ``tg.grad``, ``tg.jacobian``, ``tg.hessian``,
``tg.value_and_grad`` and ``tg.checkpoint`` keep their own meaning, autograd's are here.
"""
from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections import OrderedDict
from typing import Callable

import numpy as np

from . import autograd_function as function
from . import autograd_functional as functional
from .autograd_extend import builtins, extend, misc, namespace, test_util
from . import autograd_graph as graph
from . import forward_ad
from . import ops as _ops
from .ad_checkpoint import remat
from .autograd_function import Function, FunctionCtx, once_differentiable
from .tensor import Tensor, concrete, dtype_of, shape_of
from .transform_parts import norm_argnums, with_args
from .imperative import enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor
from .torch_autograd import (backward, detect_anomaly, inference_mode, is_anomaly_enabled,
                             is_inference_mode_enabled, is_torch_form, set_detect_anomaly)
from .torch_gradcheck import GradcheckError, gradcheck, gradgradcheck
from .torch_autograd import grad as _torch_grad
from .transforms import jacrev, jvp, vjp
from .tree import in_key_order, tree_flatten, tree_map

__all__ = ["grad", "value_and_grad", "elementwise_grad", "deriv", "jacobian", "hessian",
           "holomorphic_grad", "grad_named", "grad_and_aux", "multigrad_dict", "make_vjp",
           "make_jvp", "make_jvp_reversemode", "make_hvp", "hessian_tensor_product",
           "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product",
           "make_ggnvp", "checkpoint", "backward", "functional", "function", "Function",
           "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "forward_ad", "extend", "misc", "test_util", "builtins",
           "differential_operators", "Variable"]


# --------------------------------------------------------------------------
# one argument (or a tuple of them) out of many
# --------------------------------------------------------------------------

def _check_fun(fun, name: str) -> None:
    if not callable(fun):
        raise TypeError(f"{name}: expected a function to differentiate, got {fun!r}")


def _check_argnum(argnum, name: str) -> None:
    ok = isinstance(argnum, (int, np.integer)) and not isinstance(argnum, bool)
    if not ok and isinstance(argnum, (tuple, list)):
        ok = all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in argnum)
    if not ok:
        raise TypeError(f"{name}: argnum must be an int or a tuple of ints, got {argnum!r}")


def _check_floating(x, name: str) -> None:
    """The differentiated values must be floating point (autograd refuses integers too; a
    transform would give them JAX's float0 zeros, which reads as a wrong gradient here)."""
    for leaf in tree_flatten(x)[0]:
        dt = np.result_type(concrete(leaf))
        if dt.kind not in "fc":
            raise TypeError(f"{name}: can only differentiate with respect to floating-point "
                            f"or complex values, got dtype {dt} (shape {shape_of(leaf)}): integer "
                            "or boolean values; convert it with .astype(float), or keep it out "
                            "of argnum")


def _select(fun: Callable, argnum, args: tuple, kwargs: dict, name: str):
    """``(unary, x)``: ``x`` is argument ``argnum`` of ``args`` (a tuple of them when
    ``argnum`` is a tuple or list), and ``unary(x)`` calls ``fun`` with ``x`` put back in
    place, the other arguments and the keywords as given."""
    single, nums = norm_argnums(argnum, len(args), name)
    x = args[nums[0]] if single else tuple(args[i] for i in nums)
    _check_floating(x, name)

    call = with_args(fun, args, nums, kwargs)

    def unary(x):
        if single:
            return call(x)
        if not isinstance(x, (tuple, list)) or len(x) != len(nums):
            raise TypeError(f"{name}: expected a tuple of {len(nums)} values for "
                            f"argnum={argnum!r}, got {type(x).__name__}")
        return call(*x)
    return unary, x


def _is_scalar(x) -> bool:
    return isinstance(x, (int, float, complex, np.generic)) and not isinstance(x, bool) \
        or type(x) is np.ndarray and x.ndim == 0


def _scalars(tree):
    """0-d arrays of a result as NumPy scalars (``np.float64``), as autograd returns them for
    a scalar argument; a function in the result (``make_vjp``'s, ``make_hvp``'s) returns
    them so too."""
    def one(v):
        if type(v) is np.ndarray and v.ndim == 0:
            return v[()]
        if callable(v) and not isinstance(v, (np.ndarray, Tensor)):
            return functools.wraps(v)(lambda *a, **k: _scalars(v(*a, **k)))
        return v
    return tree_map(one, tree)


def _operator(name: str, doc: str | None, wrap: Callable) -> Callable:
    """autograd's operator ``name(fun, argnum=0)``, returning ``wrap(fun, argnum)``."""
    def op(fun, argnum=0):
        _check_fun(fun, name)
        _check_argnum(argnum, name)
        return wrap(fun, argnum)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    op.__module__ = __name__
    return op


def _on_argnum(unary_op: Callable, scalars: bool = True) -> Callable:
    """Turn ``unary_op(fun_of_x, x)`` into autograd's form ``op(fun, argnum=0)(*args, **kwargs)``
    (``scalars``: 0-d results for a scalar argument as NumPy scalars, as autograd's; its
    ``jacobian`` and ``hessian`` give 0-d arrays)."""
    name = unary_op.__name__.lstrip("_")

    def wrap(fun, argnum):
        @functools.wraps(fun)
        def applied(*args, **kwargs):
            unary, x = _select(fun, argnum, args, kwargs, name)
            out = unary_op(unary, x)
            return _scalars(out) if scalars and _is_scalar(x) else out
        applied.__name__ = f"{name}_of_{getattr(fun, '__name__', 'fun')}_wrt_argnum_{argnum}"
        return applied
    return _operator(name, unary_op.__doc__, wrap)


def _with_tensor(product_op: Callable, scalars: bool = False) -> Callable:
    """Turn ``product_op(fun_of_x, x, tensor)`` into autograd's form
    ``op(fun, argnum=0)(*args, tensor, **kwargs)``: the last positional argument is the tensor."""
    name = product_op.__name__.lstrip("_")

    def wrap(fun, argnum):
        @functools.wraps(fun)
        def product(*args, **kwargs):
            if not args:
                raise TypeError(f"{name}: the returned function takes (*args, tensor): "
                                "no arguments were given")
            unary, x = _select(fun, argnum, args[:-1], kwargs, name)
            out = product_op(unary, x, args[-1])
            return _scalars(out) if scalars and _is_scalar(x) else out
        return product
    return _operator(name, product_op.__doc__, wrap)


# --------------------------------------------------------------------------
# helpers on outputs
# --------------------------------------------------------------------------

def _ones(tree):
    """Ones shaped and typed like each leaf of ``tree`` (a constant, also for traced leaves)."""
    return tree_map(_ops.ones_like, tree)


def _size(tree) -> int:
    return sum(math.prod(shape_of(leaf)) for leaf in tree_flatten(tree)[0])


def _real_only(ans, name: str) -> None:
    """autograd's rule: gradients of complex outputs are refused (holomorphic_grad takes f′), and
    of integer or bool outputs, which have no vector space (a gradient of zeros would hide that
    the function is not differentiable: ``grad(lambda x: np.argmax(x))``)."""
    kinds = {np.dtype(dtype_of(leaf)).kind for leaf in tree_flatten(ans)[0]}
    if kinds & set("biu"):
        dtypes = sorted({str(np.dtype(dtype_of(leaf))) for leaf in tree_flatten(ans)[0]})
        raise TypeError(f"{name} needs a floating-point output, got dtype {', '.join(dtypes)}: "
                        "an integer or bool output (argmax, a comparison) has no gradient")
    if "c" in kinds:
        raise TypeError(f"{name} only applies to real-output functions, got a complex output; "
                        "use holomorphic_grad for the derivative of a holomorphic function, or "
                        "take the real part (tg.real) or the modulus (tg.abs) first")


def _scalar_only(ans, name: str) -> None:
    _real_only(ans, name)
    if _size(ans) != 1:
        shapes = [shape_of(leaf) for leaf in tree_flatten(ans)[0]]
        got = shapes[0] if len(shapes) == 1 else shapes
        raise TypeError(f"{name} only applies to real scalar-output functions (an output of "
                        f"size 1), got an output of shape {got}. Try jacobian, elementwise_grad "
                        "or make_vjp for non-scalar outputs")


def _pull1(pull, like=None, out=None):
    """A tg.vjp pullback with one primal, returning that primal's cotangent alone (its dicts
    in the key order of ``like``, the primal, when given). With ``out``, the function's
    output, a cotangent tuple or list for a tuple or list output takes the output's own
    container type, as autograd's sequences do (``(0.0, 1.0)`` for slogdet's named tuple)."""
    def vjp_fn(g):
        return in_key_order(pull(g if out is None else _as_sequence_of(g, out))[0], like)
    return vjp_fn


def _as_sequence_of(g, out):
    if isinstance(out, (tuple, list)) and isinstance(g, (tuple, list)) and len(g) == len(out):
        parts = [_as_sequence_of(a, b) for a, b in zip(g, out)]
        return type(out)(*parts) if hasattr(out, "_fields") else type(out)(parts)
    return g


def _grad_of(fun, x, name: str = "grad"):
    """autograd's gradient of a one-argument ``fun`` (size-1 output) at ``x``, with its value."""
    ans, pull = vjp(fun, x)
    _scalar_only(ans, name)
    return ans, in_key_order(pull(_ones(ans))[0], x)  # (autograd keeps a dict's own key order)


def _check_like(v, x, name: str, what: str) -> None:
    """A vector given for ``x`` must have ``x``'s structure and shapes."""
    vl, vt = tree_flatten(v)
    xl, xt = tree_flatten(x)
    if vt != xt:
        raise TypeError(f"{name}: the {what} has structure {vt}, the argument has {xt}")
    for a, b in zip(vl, xl):
        if shape_of(a) != shape_of(b):
            raise ValueError(f"{name}: the {what} has shape {shape_of(a)}, the argument has "
                             f"shape {shape_of(b)}")


# --------------------------------------------------------------------------
# reverse and forward products
# --------------------------------------------------------------------------

@_on_argnum
def make_vjp(fun, x):
    """``make_vjp(fun, argnum=0)(*args)`` returns ``(vjp, value)``: ``value = fun(*args)`` and
    ``vjp(g)``, the cotangent ``g`` (shaped like ``value``) pulled back to argument ``argnum``
    (a tuple of cotangents for a tuple ``argnum``). Built on ``tg.vjp``: ``fun`` runs once, the
    tape is kept while ``vjp`` lives."""
    ans, pull = vjp(fun, x)
    return _pull1(pull, x, ans), ans


@_on_argnum
def make_jvp(fun, x):
    """``make_jvp(fun, argnum=0)(*args)`` returns ``jvp`` with ``jvp(v) = (value, J·v)``, the
    tangent ``v`` (shaped like argument ``argnum``) pushed forward. Each call runs ``fun``
    once more in forward mode (``tg.jvp``), as autograd's does."""
    def jvp_fn(v):
        return jvp(fun, (x,), (v,))
    return jvp_fn


@_on_argnum
def make_jvp_reversemode(fun, x):
    """``make_jvp_reversemode(fun, argnum=0)(*args)`` returns ``v ↦ J·v`` computed by reverse
    mode only: the pullback of ``fun`` is linear in its cotangent, so pulling ``v`` back
    through the pullback (``tg.vjp`` of ``tg.vjp``'s function) gives ``J·v``."""
    ans, pull = vjp(fun, x)
    return _reverse_jvp(pull, ans)


def _reverse_jvp(pull, ans):
    """``v ↦ J·v`` from the pullback ``pull`` of a function whose output is ``ans``, by reverse
    mode only: the pullback is linear in its cotangent (any point gives the same map), so
    pulling ``v`` back through it gives ``J·v``."""
    _, pull_of_pull = vjp(_pull1(pull), tree_map(_ops.zeros_like, ans))
    return _pull1(pull_of_pull)


@_on_argnum
def elementwise_grad(fun, x):
    """``elementwise_grad(fun, argnum=0)(*args)``: the VJP of ``fun`` with a cotangent of ones,
    that is the sum of the Jacobian's rows (column sums of autograd's ``jacobian``), in one
    reverse sweep. For an elementwise ``fun`` it is the derivative of each entry."""
    ans, pull = vjp(fun, x)
    _real_only(ans, "elementwise_grad")
    return in_key_order(pull(_ones(ans))[0], x)


@_on_argnum
def deriv(fun, x):
    """``deriv(fun, argnum=0)(*args)``: the JVP of ``fun`` with a tangent of ones (the sum of
    the Jacobian's columns), in one forward sweep (``tg.jvp``); for an elementwise ``fun``,
    the derivative of each entry, as ``elementwise_grad``. A complex input's tangent is
    ``1 + 1j`` in each entry, as autograd's ``vspace(x).ones()``, so a holomorphic ``fun``
    gives ``f′(x)·(1 + 1j)``."""
    return jvp(fun, (x,), (tree_map(_complex_ones, x),))[1]


def _complex_ones(leaf):
    """autograd's ones of a vector space: ``1 + 1j`` for a complex leaf, else 1."""
    one = _ops.ones_like(leaf)
    if np.dtype(dtype_of(leaf)).kind == "c":
        return one + 1j * one
    return one


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------

@_on_argnum
def grad(fun, x):
    """``grad(fun, argnum=0)(*args)``: the gradient of a scalar ``fun`` (an output of size 1,
    any shape) in argument ``argnum``, shaped like that argument (a tuple of gradients for a
    tuple ``argnum``). A TypeError names any other output. One ``tg.vjp`` sweep seeded with
    ones."""
    return _grad_of(fun, x, "grad")[1]


_hips_grad = grad


def grad(*args, **kwargs):
    """Two forms, told apart by the first argument.

    * HIPS autograd's ``grad(fun, argnum=0)(*args)``: the gradient of a scalar ``fun`` (an
      output of size 1, any shape) in argument ``argnum``, shaped like that argument (a tuple
      of gradients for a tuple ``argnum``). A TypeError names any other output. One
      ``tg.vjp`` sweep seeded with ones.
    * PyTorch's ``grad(outputs, inputs, grad_outputs=None, retain_graph=None,
      create_graph=False, allow_unused=None, is_grads_batched=False,
      materialize_grads=False)`` when ``outputs`` is a Tensor or a sequence of Tensors of the
      imperative tape (``tg.tensor(..., requires_grad=True)``): the tuple of gradients with
      respect to ``inputs``, leaves or recorded results (see
      :func:`tensorgrad.torch_autograd.grad`).
    """
    if (args and is_torch_form(args[0])) or "outputs" in kwargs or "inputs" in kwargs \
            or (len(args) > 1 and is_torch_form(args[1])):  # (argnum is never a tensor)
        return _torch_grad(*args, **kwargs)
    return _hips_grad(*args, **kwargs)


@_on_argnum
def value_and_grad(fun, x):
    """``value_and_grad(fun, argnum=0)(*args)`` returns ``(fun(*args), grad(fun, argnum)(*args))``
    from one evaluation (autograd's order: the value first, for ``scipy.optimize``; a 0-d
    value as a NumPy scalar, as autograd's)."""
    ans, g = _grad_of(fun, x, "value_and_grad")
    return _scalars(ans), g


@_on_argnum
def grad_and_aux(fun, x):
    """``grad_and_aux(fun, argnum=0)(*args)`` for a ``fun`` returning ``(output, aux)``:
    returns ``(g, aux)``, ``g`` the VJP of ``output`` with a cotangent of ones (the gradient
    when ``output`` is a scalar) and ``aux`` as ``fun`` returned it (``tg.vjp(has_aux=True)``;
    a traced aux comes back as its value)."""
    def pair(x):
        res = fun(x)
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise TypeError("grad_and_aux: the function must return a pair (output, aux), got "
                            f"{type(res).__name__}")
        return tuple(res)
    ans, pull, aux = vjp(pair, x, has_aux=True)
    _real_only(ans, "grad_and_aux")
    return in_key_order(pull(_ones(ans))[0], x), aux


def holomorphic_grad(fun: Callable, argnum=0) -> Callable:
    """autograd's derivative ``f′(z)`` of a holomorphic function: the gradient of its real
    part (for ``f = u + iv``, ``∂u/∂x − i ∂u/∂y = f′(z)`` by Cauchy–Riemann), as autograd
    computes it; ``tg.grad(fun, holomorphic=True)`` in JAX's terms."""
    def real_part_of(*args, **kwargs):
        return _ops.real(fun(*args, **kwargs))
    return grad(real_part_of, argnum)



def grad_named(fun: Callable, argname: str) -> Callable:
    """``grad_named(fun, argname)``: ``grad`` in the argument named ``argname`` (a named
    positional parameter of ``fun``, not ``*args`` or ``**kwargs``)."""
    _check_fun(fun, "grad_named")
    names = inspect.getfullargspec(fun).args
    if argname not in names:
        raise ValueError(f"grad_named: {argname!r} is not a named positional argument of "
                         f"{getattr(fun, '__name__', fun)} (its arguments: {names})")
    return grad(fun, names.index(argname))


def multigrad_dict(fun: Callable) -> Callable:
    """``multigrad_dict(fun)(*args, **kwargs)``: the gradients of a scalar ``fun`` in all its
    arguments at once, as an ``OrderedDict`` from argument name to gradient, in the order of
    ``fun``'s signature (defaults included; ``*args`` gives a tuple of gradients, ``**kwargs``
    a dict). One reverse sweep over a dict of the arguments (a pytree)."""
    _check_fun(fun, "multigrad_dict")
    sig = inspect.signature(fun)
    params = sig.parameters
    P = inspect.Parameter

    def call(values: dict):
        pos, kw = [], {}
        for n, p in params.items():
            if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
                pos.append(values[n])
            elif p.kind is P.VAR_POSITIONAL:
                pos.extend(values[n])
            elif p.kind is P.KEYWORD_ONLY:
                kw[n] = values[n]
            else:
                kw.update(values[n])
        return fun(*pos, **kw)

    @functools.wraps(fun)
    def gradfun(*args, **kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"multigrad_dict: {e}") from None
        bound.apply_defaults()
        values = OrderedDict(bound.arguments)
        _check_floating(dict(values), "multigrad_dict")
        grads = _grad_of(call, dict(values), "multigrad_dict")[1]
        return OrderedDict((n, grads[n]) for n in values)
    return gradfun


# --------------------------------------------------------------------------
# Jacobians and second order
# --------------------------------------------------------------------------

@functools.partial(_on_argnum, scalars=False)
def jacobian(fun, x):
    """``jacobian(fun, argnum=0)(*args)``: the full Jacobian of ``fun`` in argument
    ``argnum``, of shape ``out.shape + in.shape`` (``tg.jacrev``: one reverse sweep with the
    whole basis of cotangents). A tuple ``argnum`` gives a tuple of blocks (autograd refuses
    it)."""
    return jacrev(fun)(x)


@functools.partial(_on_argnum, scalars=False)
def hessian(fun, x):
    """``hessian(fun, argnum=0)(*args)``: the Jacobian of the Jacobian, of shape
    ``out.shape + in.shape + in.shape`` (``in.shape * 2`` for a scalar ``fun``), reverse over
    reverse as autograd's (so a :func:`~tensorgrad.autograd_extend.primitive` is
    differentiated by its rules at both orders; ``tg.hessian`` is forward over reverse)."""
    return jacrev(jacrev(fun))(x)


@_on_argnum
def make_hvp(fun, x):
    """``make_hvp(fun, argnum=0)(*args)`` returns ``(hvp, gradient)``: ``hvp(v)`` is the
    Hessian of the scalar ``fun`` times ``v``, at a point whose gradient is computed once and
    kept (``tg.vjp`` of the gradient: reverse over reverse, as autograd's), for many products
    at one point."""
    g, pull = vjp(lambda x: _grad_of(fun, x, "make_hvp")[1], x)
    return _pull1(pull, x), g


@functools.partial(_with_tensor, scalars=True)
def hessian_tensor_product(fun, x, tensor):
    """``hessian_tensor_product(fun, argnum=0)(*args, tensor, **kwargs)``: the Hessian of the
    scalar ``fun`` in argument ``argnum`` contracted with ``tensor`` (shaped like that
    argument), ``H·tensor``, without forming ``H``: one reverse sweep over the gradient (the
    VJP of the gradient, reverse over reverse as autograd's; ``tg.hvp`` is forward over
    reverse). Also named ``hessian_vector_product``."""
    _check_like(tensor, x, "hessian_tensor_product", "tensor")
    return vjp(lambda x: _grad_of(fun, x, "hessian_tensor_product")[1], x)[1](tensor)[0]


hessian_vector_product = hessian_tensor_product
"""autograd's other name of ``hessian_tensor_product`` (the same function)."""


@_with_tensor
def tensor_jacobian_product(fun, x, tensor):
    """``tensor_jacobian_product(fun, argnum=0)(*args, tensor, **kwargs)``: ``tensor``
    contracted with the leading ``tensor.ndim`` axes of the Jacobian of ``fun`` in argument
    ``argnum``. When ``tensor`` is shaped like ``fun``'s output this is the VJP, shaped like
    the argument; a tensor over fewer leading axes leaves the rest of the output's axes in
    front (shape ``out.shape[tensor.ndim:] + in.shape``). Built on ``tg.jacrev`` of
    ``tensordot(tensor, fun, tensor.ndim)`` (one reverse sweep when the contraction is
    complete). Also named ``vector_jacobian_product``."""
    k = len(shape_of(tensor))

    def contracted(x):
        out = fun(x)
        if tuple(shape_of(out))[:k] != tuple(shape_of(tensor)):
            raise ValueError(f"tensor_jacobian_product: a tensor of shape {shape_of(tensor)} "
                             f"does not match the leading axes of the output's shape "
                             f"{shape_of(out)}")
        return _ops.tensordot(tensor, out, axes=k)
    return jacrev(contracted)(x)


vector_jacobian_product = tensor_jacobian_product
"""autograd's other name of ``tensor_jacobian_product`` (the same function)."""


def _half_sum_of_squares(y):
    return 0.5 * (_ops.sum(y ** 2, axis=-1) if len(shape_of(y)) else y ** 2)


def make_ggnvp(f: Callable, g: Callable = _half_sum_of_squares, f_argnum=0) -> Callable:
    """``make_ggnvp(f, g=½Σy², f_argnum=0)(*args)`` returns ``ggnvp``, the generalized
    Gauss–Newton product of the scalar ``g ∘ f`` at ``args``: ``ggnvp(v) = Jᵀ·H_g·J·v``
    with ``J`` the Jacobian of ``f`` in argument ``f_argnum`` and ``H_g`` the Hessian of ``g``
    at ``f(*args)`` (the default ``g`` gives ``Jᵀ·J·v``). Reverse mode only, as autograd's:
    ``J·v`` is the VJP of ``f``'s pullback, ``H_g`` the VJP of ``g``'s gradient; each product
    is then three sweeps over kept tapes."""
    _check_fun(f, "make_ggnvp")
    _check_fun(g, "make_ggnvp")
    _check_argnum(f_argnum, "make_ggnvp")

    @functools.wraps(f)
    def at(*args, **kwargs):
        unary, x = _select(f, f_argnum, args, kwargs, "make_ggnvp")
        fx, f_pull = vjp(unary, x)
        _, g_hvp = vjp(lambda y: _grad_of(g, y, "make_ggnvp")[1], fx)
        f_jvp = _reverse_jvp(f_pull, fx)

        def ggnvp(v):
            _check_like(v, x, "make_ggnvp", "vector")
            out = f_pull(g_hvp(f_jvp(v))[0])[0]
            return _scalars(out) if _is_scalar(x) else out
        return ggnvp
    return at


# --------------------------------------------------------------------------
# checkpointing
# --------------------------------------------------------------------------

def checkpoint(fun: Callable) -> Callable:
    """``checkpoint(fun)``: ``fun`` with the same values and derivatives, whose reverse mode
    keeps only its inputs and runs it again in the backward pass (``tg.remat``; also
    ``tg.checkpoint(fun)``)."""
    _check_fun(fun, "checkpoint")
    return remat(fun)


# PyTorch's legacy Variable
# --------------------------------------------------------------------------

class _VariableType(type):
    def __instancecheck__(cls, obj) -> bool:  # every tensor is one, as in PyTorch
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableType):
    """PyTorch's legacy ``Variable(data, requires_grad=False)``: a tensor of ``data``'s values
    that starts a graph of its own (``data.detach()``, requiring gradients when asked).
    ``data`` is a tensor or a NumPy array; ``volatile`` has no effect any more (use
    ``tg.no_grad()``), as in PyTorch."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if isinstance(data, np.ndarray) and not isinstance(data, Tensor):
            data = tensor(data)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable: data has to be a tensor, got {type(data).__name__}")
        if volatile:
            warnings.warn("Variable: volatile was removed and has no effect; use "
                          "`with tg.no_grad():` instead", UserWarning, stacklevel=2)
        return data.detach().requires_grad_(bool(requires_grad))


# torch.autograd's submodules (``from tensorgrad.autograd.grad_mode import no_grad``)
grad_mode = namespace("grad_mode", "PyTorch's torch.autograd.grad_mode: no_grad, enable_grad, "
                      "set_grad_enabled, inference_mode.", no_grad=no_grad, enable_grad=enable_grad,
                      set_grad_enabled=set_grad_enabled, inference_mode=inference_mode)
variable = namespace("variable", "PyTorch's torch.autograd.variable: Variable.", Variable=Variable)


# autograd's module of its operators (``from autograd.differential_operators import grad``)
differential_operators = namespace(
    "differential_operators", "HIPS autograd's autograd.differential_operators.",
    **{n: globals()[n] for n in ("grad", "value_and_grad", "elementwise_grad", "deriv", "jacobian",
                                 "hessian", "holomorphic_grad", "grad_named", "grad_and_aux",
                                 "multigrad_dict", "make_vjp", "make_jvp", "make_jvp_reversemode",
                                 "make_hvp", "hessian_tensor_product", "hessian_vector_product",
                                 "tensor_jacobian_product", "vector_jacobian_product", "make_ggnvp",
                                 "checkpoint")})
