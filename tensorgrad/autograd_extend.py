"""HIPS autograd's extension and utility modules: ``tg.autograd.extend`` (``primitive``,
``defvjp``, ``defjvp``, ``defvjp_argnum``), ``tg.autograd.misc`` (``flatten``) and
``tg.autograd.test_util`` (``check_grads`` in autograd's curried form).

A ``primitive`` runs its function on plain values and differentiates by the rules given to it:
``defvjp(f, vjpmaker_0, vjpmaker_1, ...)`` with autograd's ``vjpmaker(ans, *args, **kwargs)``
returning ``g ↦ cotangent``, and ``defjvp(f, jvp_0, ...)`` with ``jvp(g, ans, *args, **kwargs)``
returning the output's tangent. They are tensorgrad's ``custom_vjp`` and ``custom_jvp``
underneath, so the rules may themselves be differentiated when written with tensorgrad's
functions. Differentiating in an argument that has no rule raises NotImplementedError, as
autograd's, instead of giving a zero; a rule given as None is autograd's zero rule.
"""
from __future__ import annotations

import functools
import itertools
import sys
from types import ModuleType
from typing import Callable

import numpy as np

from .check import check_grads as _check_grads
from .custom import custom_jvp, custom_vjp
from .flatten_util import ravel_pytree
from .tree import in_key_order, tree_flatten
from .ops import astype
from .tensor import Tensor, concrete, dtype_of, traced_level

__all__ = ["primitive", "defvjp", "defjvp", "defvjp_argnum", "defjvp_argnum", "defvjp_argnums",
           "defjvp_argnums", "vspace", "VSpace", "def_linear",
           "notrace_primitive", "flatten", "check_grads", "combo_check", "check_vjp", "check_jvp",
           "check_equivalent", "sgd", "rmsprop", "adam", "extend", "misc", "test_util", "builtins"]


def _is_traced(x) -> bool:
    return type(x) is Tensor and traced_level(x) >= 0


class primitive:
    """autograd's ``@primitive``: ``fun`` becomes a function whose derivatives are the rules
    given by :func:`defvjp` / :func:`defjvp` (not ``fun``'s own code)."""

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vjpmakers: dict = {}
        self.jvps: dict = {}

    def __call__(self, *args, **kwargs):
        diff = tuple(i for i, a in enumerate(args) if _is_traced(a))
        name = getattr(self.fun, "__name__", "a primitive")
        for k, v in kwargs.items():
            if _is_traced(v):
                raise NotImplementedError(f"{name}: keyword argument {k!r} is traced; autograd's "
                                          "primitives differentiate positional arguments only")
        if not diff:
            return self.fun(*args, **kwargs)

        def full(xs):
            out = list(args)
            for i, x in zip(diff, xs):
                out[i] = x
            return out

        def run(*xs):
            return self.fun(*full(xs), **kwargs)

        f = None
        if all(i in self.vjpmakers for i in diff):
            f = custom_vjp(run)

            def fwd(*xs):
                # the primitive again, not fun's code: differentiated at an outer level, the
                # answer has the rules' derivatives too (autograd's primitive at every order)
                ans = self(*full(xs), **kwargs)
                return ans, (ans, xs)

            def bwd(res, g):
                ans, xs = res
                vals = full(xs)
                return tuple(self.vjpmakers[i](ans, *vals, **kwargs)(g) for i in diff)
            f.defvjp(fwd, bwd)
        if all(i in self.jvps for i in diff):
            def rule(primals, tangents):
                ans = self(*full(primals), **kwargs)
                vals = full(primals)
                out = None
                for i, t in zip(diff, tangents):
                    d = self.jvps[i](t, ans, *vals, **kwargs)
                    out = d if out is None else out + d
                return ans, out
            if f is None:
                f = custom_jvp(run)
                f.defjvp(rule)
            else:  # both rules: the JVP serves forward mode, the VJP reverse mode (autograd's)
                f.forward_rule = rule
        if f is not None:
            return f(*(args[i] for i in diff))
        missing = next(i for i in diff if i not in self.vjpmakers and i not in self.jvps)
        raise NotImplementedError(f"VJP of {name} wrt argnum {missing} not defined "
                                  "(give it with tg.autograd.extend.defvjp or defjvp)")


def _argnums(argnums, n: int):
    return range(n) if argnums is None else argnums


class VSpace:
    """autograd's ``vspace(value)``: the space a value lives in, with ``zeros()``, ``ones()``
    and ``randn()`` of its shape and (floating) dtype, for any pytree of arrays."""

    def __init__(self, value):
        self.leaves, self.tree = tree_flatten(value)
        self.shapes = [np.shape(concrete(v)) for v in self.leaves]
        self.dtypes = [d if d.kind in "fc" else np.dtype(np.float64)
                       for d in (np.dtype(dtype_of(concrete(v))) for v in self.leaves)]
        self.shape = self.shapes[0] if len(self.leaves) == 1 and self.tree.num_nodes == 1 else None
        self.dtype = self.dtypes[0] if self.shape is not None else None
        self.size = int(sum(np.prod(s, dtype=np.int64) for s in self.shapes))
        self.ndim = len(self.shape) if self.shape is not None else None
        self.iscomplex = any(d.kind == "c" for d in self.dtypes)

    def _filled(self, make):
        from_leaves = [make(s, d) for s, d in zip(self.shapes, self.dtypes)]
        return self.tree.unflatten(from_leaves)

    def zeros(self):
        return self._filled(lambda s, d: np.zeros(s, d))

    def ones(self):
        return self._filled(lambda s, d: np.ones(s, d))

    def randn(self):
        rng = np.random.default_rng()
        return self._filled(lambda s, d: rng.standard_normal(s).astype(d))

    def __eq__(self, other) -> bool:
        return isinstance(other, VSpace) and (self.tree, self.shapes, self.dtypes) == (
            other.tree, other.shapes, other.dtypes)

    __hash__ = None

    def __repr__(self) -> str:
        return f"VSpace(shapes={self.shapes}, dtypes={[str(d) for d in self.dtypes]})"


def vspace(value) -> VSpace:
    """autograd's ``vspace``: ``vspace(x).zeros()`` is a zero cotangent shaped like ``x``."""
    return VSpace(value)


def _zero_vjp(k: int) -> Callable:
    return lambda ans, *args, **kwargs: (lambda g: vspace(args[k]).zeros())


def defvjp(fun: primitive, *vjpmakers, argnums=None) -> None:
    """autograd's ``defvjp(fun, vjpmaker_0, ...)``: ``vjpmaker_k(ans, *args, **kwargs)``
    returns the function ``g ↦`` the cotangent of argument ``k`` (or of ``argnums[k]``);
    None gives that argument a zero cotangent, as autograd's. An argument beyond the makers
    given has no rule: differentiating in it raises."""
    _check_primitive(fun, "defvjp")
    for k, maker in zip(_argnums(argnums, len(vjpmakers)), vjpmakers):
        fun.vjpmakers[int(k)] = _zero_vjp(int(k)) if maker is None else maker


def defjvp(fun: primitive, *jvpfuns, argnums=None) -> None:
    """autograd's ``defjvp(fun, jvp_0, ...)``: ``jvp_k(g, ans, *args, **kwargs)`` returns the
    output's tangent for the tangent ``g`` of argument ``k`` (or of ``argnums[k]``); None is a
    zero tangent and ``"same"`` is ``fun`` itself with ``g`` in argument ``k`` (a linear
    argument), as autograd's."""
    _check_primitive(fun, "defjvp")
    for k, jvp in zip(_argnums(argnums, len(jvpfuns)), jvpfuns):
        k = int(k)
        if jvp is None:
            jvp = (lambda g, ans, *args, **kwargs: vspace(ans).zeros())
        elif isinstance(jvp, str) and jvp == "same":
            jvp = (lambda g, ans, *args, _k=k, **kwargs: fun(*args[:_k], g, *args[_k + 1:], **kwargs))
        fun.jvps[k] = jvp


def defvjp_argnum(fun: primitive, vjpmaker: Callable) -> None:
    """autograd's ``defvjp_argnum(fun, vjpmaker)`` with ``vjpmaker(argnum, ans, args, kwargs)``,
    one maker for every argument."""
    _check_primitive(fun, "defvjp_argnum")
    fun.vjpmakers = _EveryArg(lambda k: (lambda ans, *args, **kwargs: vjpmaker(k, ans, args, kwargs)))


def defvjp_argnums(fun: primitive, vjpmaker: Callable) -> None:
    """autograd's ``defvjp_argnums(fun, vjpmaker)`` with ``vjpmaker(argnums, ans, args,
    kwargs)`` returning ``g ↦`` the cotangents of those arguments (asked here one at a time)."""
    _check_primitive(fun, "defvjp_argnums")
    fun.vjpmakers = _EveryArg(lambda k: (lambda ans, *args, **kwargs: (
        lambda g: vjpmaker((k,), ans, args, kwargs)(g)[0])))


def defjvp_argnums(fun: primitive, jvpmaker: Callable) -> None:
    """autograd's ``defjvp_argnums(fun, jvpmaker)`` with ``jvpmaker(argnums, gs, ans, args,
    kwargs)`` returning the output's tangent for the tangents ``gs`` of those arguments."""
    _check_primitive(fun, "defjvp_argnums")
    fun.jvps = _EveryArg(lambda k: (lambda g, ans, *args, **kwargs: jvpmaker((k,), (g,), ans, args, kwargs)))


def defjvp_argnum(fun: primitive, jvpmaker: Callable) -> None:
    """autograd's ``defjvp_argnum(fun, jvpfun)`` with ``jvpfun(argnum, g, ans, args, kwargs)``,
    one rule for every argument."""
    _check_primitive(fun, "defjvp_argnum")
    fun.jvps = _EveryArg(lambda k: (lambda g, ans, *args, **kwargs: jvpmaker(k, g, ans, args, kwargs)))


def def_linear(fun: primitive) -> None:
    """autograd's ``def_linear(fun)``: ``fun`` is linear in each argument, so its JVP in an
    argument is ``fun`` with the tangent in that argument's place (and its VJP the transpose
    of that map, which tensorgrad derives)."""
    _check_primitive(fun, "def_linear")

    def jvp(k, g, ans, args, kwargs):
        return fun(*args[:k], g, *args[k + 1:], **kwargs)
    defjvp_argnum(fun, jvp)


def notrace_primitive(fun: Callable) -> Callable:
    """autograd's ``@notrace_primitive``: ``fun`` runs on the plain values of its arguments and
    its result carries no derivative (a constant, as for a rounding or an index)."""
    @functools.wraps(fun)
    def plain(*args, **kwargs):
        return fun(*(concrete(a) for a in args), **{k: concrete(v) for k, v in kwargs.items()})
    return plain


class _EveryArg(dict):
    def __init__(self, make):
        super().__init__()
        self._make = make

    def __contains__(self, k) -> bool:
        return True

    def __getitem__(self, k):
        return self._make(k)


def _check_primitive(fun, name: str) -> None:
    if not isinstance(fun, primitive):
        raise TypeError(f"{name}: the function must be made with tg.autograd.extend.primitive, "
                        f"got {fun!r}")


def flatten(value):
    """autograd's ``misc.flatten(value)``: ``(vector, unflatten)``, the leaves of a nested
    container raveled into one vector and the function that rebuilds it
    (``tg.flatten_util.ravel_pytree``; as autograd's, ``unflatten`` takes a vector of any
    numeric dtype, cast to the raveled one)."""
    vector, unravel = ravel_pytree(value)
    want = dtype_of(concrete(vector))

    def unflatten(v):  # (a dict in the given key order, as autograd's)
        return in_key_order(unravel(v if dtype_of(concrete(v)) == want else astype(v, want)), value)
    return vector, unflatten


def _flat_optimizer(step_rule: Callable) -> Callable:
    """autograd's optimizer form ``opt(grad, x0, callback=None, num_iters=..., **hyper)``:
    ``grad(x, i)`` and ``callback(x, i, g)`` see ``x`` as given (any container of arrays),
    the rule works on one flat vector; the final ``x`` is returned."""
    @functools.wraps(step_rule)
    def optimize(grad: Callable, x0, callback: Callable | None = None, num_iters: int | None = None,
                 **hyper):
        x, unflatten = flatten(x0)
        x = np.array(concrete(x), dtype=float)
        if num_iters is not None:  # (else the rule's own default)
            hyper["num_iters"] = int(num_iters)

        def flat_grad(v, i):
            g = grad(unflatten(v), i)
            gv = np.asarray(concrete(flatten(g)[0]), dtype=float)
            if callback is not None:
                callback(unflatten(v), i, g)
            return gv
        return unflatten(step_rule(flat_grad, x, **hyper))
    return optimize


@_flat_optimizer
def sgd(grad, x, num_iters=200, step_size=0.1, mass=0.9):
    """autograd's ``sgd(grad, x, callback=None, num_iters=200, step_size=0.1, mass=0.9)``:
    gradient descent with momentum (the velocity is ``mass``·velocity − (1 − mass)·g)."""
    velocity = np.zeros_like(x)
    for i in range(num_iters):
        velocity = mass * velocity - (1.0 - mass) * grad(x, i)
        x = x + step_size * velocity
    return x


@_flat_optimizer
def rmsprop(grad, x, num_iters=100, step_size=0.1, gamma=0.9, eps=1e-8):
    """autograd's ``rmsprop(grad, x, callback=None, num_iters=100, step_size=0.1, gamma=0.9,
    eps=1e-8)``: the running mean of g² starts at 1."""
    avg_sq = np.ones_like(x)
    for i in range(num_iters):
        g = grad(x, i)
        avg_sq = avg_sq * gamma + g ** 2 * (1.0 - gamma)
        x = x - step_size * g / (np.sqrt(avg_sq) + eps)
    return x


@_flat_optimizer
def adam(grad, x, num_iters=100, step_size=0.001, b1=0.9, b2=0.999, eps=1e-8):
    """autograd's ``adam(grad, x, callback=None, num_iters=100, step_size=0.001, b1=0.9,
    b2=0.999, eps=1e-8)``, with bias-corrected moments."""
    m, v = np.zeros_like(x), np.zeros_like(x)
    for i in range(num_iters):
        g = grad(x, i)
        m = (1.0 - b1) * g + b1 * m
        v = (1.0 - b2) * g ** 2 + b2 * v
        x = x - step_size * (m / (1.0 - b1 ** (i + 1))) / (np.sqrt(v / (1.0 - b2 ** (i + 1))) + eps)
    return x


def check_grads(fun: Callable, argnum=0, modes=("fwd", "rev"), order: int = 2) -> Callable:
    """autograd's ``check_grads(fun, argnum=0, modes=['fwd', 'rev'], order=2)(*args,
    **kwargs)``: the derivatives of ``fun`` in argument ``argnum`` (an int or a tuple of them;
    the other arguments are held fixed) up to ``order`` against finite differences
    (:func:`tensorgrad.check.check_grads`); raises on a mismatch. A list of mode names given
    second is ``modes``."""
    if isinstance(argnum, (list, tuple)) and argnum and all(isinstance(m, str) for m in argnum):
        argnum, modes = 0, argnum
    nums = tuple(argnum) if isinstance(argnum, (list, tuple)) else (argnum,)

    def check(*args, **kwargs):
        def f(*picked):
            full = list(args)
            for i, v in zip(nums, picked):
                full[i] = v
            return fun(*full, **kwargs)
        f.__name__ = getattr(fun, "__name__", "fun")
        _check_grads(f, *[args[i] for i in nums], order=order, modes=tuple(modes))
    return check


def combo_check(fun: Callable, *args, **kwargs) -> Callable:
    """autograd's ``combo_check(fun, argnum, modes=..., order=...)(*arg_choices,
    **keyword_choices)``: :func:`check_grads` at every combination of the listed argument
    values and keyword values."""
    def check_all(*arg_choices, **keyword_choices):
        keys = list(keyword_choices)
        for picked_args in itertools.product(*arg_choices):
            for picked in itertools.product(*(keyword_choices[k] for k in keys)):
                check_grads(fun, *args, **kwargs)(*picked_args, **dict(zip(keys, picked)))
    return check_all


def check_vjp(f: Callable, x) -> None:
    """autograd's ``check_vjp(f, x)``: reverse mode of ``f`` at ``x`` against finite
    differences (first order)."""
    _check_grads(f, x, order=1, modes=("rev",))


def check_jvp(f: Callable, x) -> None:
    """autograd's ``check_jvp(f, x)``: forward mode of ``f`` at ``x`` against finite
    differences (first order)."""
    _check_grads(f, x, order=1, modes=("fwd",))


def check_equivalent(x, y) -> None:
    """autograd's ``check_equivalent(x, y)``: the same structure, shapes and (to 1e-6) values;
    AssertionError otherwise."""
    xs, xd = tree_flatten(x)
    ys, yd = tree_flatten(y)
    assert xd == yd, f"structure mismatch:\nx: {xd}\ny: {yd}"
    for a, b in zip(xs, ys):
        a, b = np.asarray(concrete(a)), np.asarray(concrete(b))
        assert a.shape == b.shape, f"shape mismatch: {a.shape} and {b.shape}"
        assert np.allclose(a, b, rtol=1e-6, atol=1e-6), f"value mismatch:\nx: {a}\ny: {b}"


def _isinstance(x, types) -> bool:
    """autograd's ``builtins.isinstance``: Python's, with a traced value judged by its value
    (an array is an ``np.ndarray``, a 0-d float array a ``float``), as autograd's boxes are."""
    if isinstance(x, Tensor):
        v = concrete(x)  # (a staged value keeps its type)
        if type(v) is np.ndarray and v.ndim == 0 and not isinstance(v, types):
            v = v.item()
        return isinstance(v, types) or isinstance(x, types)
    return isinstance(x, types)


def namespace(name: str, doc: str, **members) -> ModuleType:
    mod = ModuleType(f"tensorgrad.autograd.{name}", doc)
    for k, v in members.items():
        setattr(mod, k, v)
    mod.__all__ = list(members)
    return mod


extend = namespace("extend", "HIPS autograd's autograd.extend: primitive, defvjp, defjvp, "
                    "defvjp_argnum(s), defjvp_argnum(s), def_linear, notrace_primitive, vspace.",
                    primitive=primitive, defvjp=defvjp, defjvp=defjvp, defvjp_argnum=defvjp_argnum,
                    defjvp_argnum=defjvp_argnum, defvjp_argnums=defvjp_argnums,
                    defjvp_argnums=defjvp_argnums, def_linear=def_linear,
                    notrace_primitive=notrace_primitive, vspace=vspace, VSpace=VSpace)
optimizers = namespace("misc.optimizers", "HIPS autograd's autograd.misc.optimizers: sgd, "
                        "rmsprop, adam.", sgd=sgd, rmsprop=rmsprop, adam=adam)
misc = namespace("misc", "HIPS autograd's autograd.misc: flatten, optimizers.", flatten=flatten,
                  optimizers=optimizers)
# autograd's module autograd.misc.flatten (``from autograd.misc.flatten import flatten``)
sys.modules.setdefault("tensorgrad.autograd.misc.flatten",
                       namespace("misc.flatten", "HIPS autograd's autograd.misc.flatten.",
                                  flatten=flatten))
test_util = namespace("test_util", "HIPS autograd's autograd.test_util: check_grads, combo_check, "
                       "check_vjp, check_jvp, check_equivalent.", check_grads=check_grads,
                       combo_check=combo_check, check_vjp=check_vjp, check_jvp=check_jvp,
                       check_equivalent=check_equivalent)
builtins = namespace("builtins", "HIPS autograd's autograd.builtins: isinstance (a traced value "
                      "judged by its value), and Python's list, tuple and dict.",
                      isinstance=_isinstance, list=list, tuple=tuple, dict=dict)
