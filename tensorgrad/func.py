"""PyTorch's ``torch.func`` names and signatures on tensorgrad's transforms.

``torch.func`` follows JAX, so most names are tensorgrad's own transforms under PyTorch's
keywords (but complex gradients are PyTorch's, the conjugates of JAX's: ``grad`` of a real
function of complex inputs is ``.grad``'s conjugate Wirtinger derivative, ``vjp_fn(v)`` is
conj(Jᵀ conj(v)); ``jacrev``, ``jacfwd`` and ``hessian`` refuse complex inputs and outputs, as
PyTorch's do): ``grad``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd``, ``hessian``;
``grad_and_value`` returns ``(grad, value)`` (JAX's ``value_and_grad`` has the other order);
``vmap`` takes ``in_dims``/``out_dims``; ``functional_call(module, params, args)`` runs a
:class:`~tensorgrad.nn.Module` on parameters given by their ``named_parameters()`` names
(buffers by their ``named_buffers()`` names). Results have PyTorch's Tensor methods and
meanings, as torch.func's tensors (:func:`as_tensors`), where tensorgrad's own transforms give
plain NumPy arrays.
"""
from __future__ import annotations

import functools
import math
import os
import sys
import threading
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .batching import _spread_axes, vmap as _vmap
from .hooks import TorchTypeError, TorchValueError, as_grad, as_runtime
from . import staging, stream_draws
from .imperative import tensor
from .nn import init as _nn_init
from .nn import utils as _nn_utils
from .nn.layers_more import _BatchNorm
from .ops import conjugate
from .recording import IMPERATIVE, next_level, stopped_by_no_grad
from .tensor import STAMPS, Tensor, concrete, shape_of, traced_level
from .torch_updates import MAPPING
from .transform_parts import check_chunk_size, norm_argnums
from .transforms import grad as _grad
from .transforms import hessian as _hessian
from .transforms import jacfwd as _jacfwd
from .transforms import jacrev as _jacrev
from .transforms import jvp as _jvp
from .transforms import linearize as _linearize
from .transforms import value_and_grad
from .transforms import vjp as _vjp
from .tree import in_key_order, tree_flatten, tree_map, tree_unflatten

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian",
           "vmap", "functional_call", "stack_module_state", "replace_all_batch_norm_modules_",
           "functionalize"]


def conj_complex(tree):
    """Each complex value of ``tree`` conjugated: PyTorch's side of a complex product (its
    gradients are the conjugates of JAX's)."""
    return tree_map(lambda x: conjugate(x) if np.result_type(concrete(x)).kind == "c" else x, tree)


def _real_only(name: str, func: Callable, has_aux: bool = False) -> Callable:
    """``func`` refusing complex inputs and outputs with PyTorch's RuntimeError (torch.func's
    jacrev, jacfwd and hessian do not take them; an aux output is not checked)."""
    def check(tree, what):
        for k, v in enumerate(tree_flatten(tree)[0]):
            if np.result_type(concrete(v)).kind == "c":
                raise RuntimeError(f"{name}: Expected all {what} to be real but received complex "
                                   f"tensor at flattened {what[:-1]} idx: {k}")

    @functools.wraps(func)
    def run(*args, **kwargs):
        check(args, "inputs")
        out = func(*args, **kwargs)
        check(out[0] if has_aux else out, "outputs")
        return out
    return run


def as_tensors(tree):
    """``tree`` with its NumPy arrays (and NumPy scalars) as detached results of PyTorch's, as
    torch.func's are tensors: NumPy arrays with PyTorch's Tensor methods and meanings (the
    class ``.grad`` hands out: ``g.std()``, ``g.repeat(2)``, ``tg.max(J, 1)``, ``J.numel()`` are
    PyTorch's), which SciPy and NumPy still take as arrays; traced values as they are."""
    return in_key_order(tree_map(lambda v: as_grad(np.asarray(v)) if isinstance(
        v, (np.ndarray, np.generic)) else v, tree), tree)  # (tree_map sorts a dict's keys)


#: the prefixes of tensorgrad's own messages for a call a transform refuses
_OWN = tuple(n + ":" for n in ("grad", "value_and_grad", "grad_and_value", "vjp", "vjp_fn", "jvp",
                                "jacrev", "jacfwd", "hessian", "linearize"))
#: tensorgrad's own source files start with this (an error raised in one of them is its own)
_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _raised_here(exc: BaseException) -> bool:
    """Whether ``exc`` was raised in tensorgrad's own code (not in the user's function)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_HERE)


def _as_runtime(fn: Callable) -> Callable:
    """``fn`` whose refusals of a call (a plain TypeError or ValueError of tensorgrad's own, its
    message naming the transform) are also PyTorch's RuntimeError: a
    :class:`~tensorgrad.hooks.TorchTypeError` or ``TorchValueError`` with the same message. An
    error the user's function raises keeps its class."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            if type(exc) not in (TypeError, ValueError) or not str(exc).startswith(_OWN) \
                    or not _raised_here(exc):
                raise
            raise as_runtime(exc) from exc.__cause__
    return run


def _torch_errors(name: str, argnums, transform: Callable) -> Callable:
    """``transform`` (the function a transform returned) with PyTorch's RuntimeError for a bad
    ``argnums``: checked at each call, against its number of positional arguments, as a
    :class:`~tensorgrad.hooks.TorchTypeError` or ``TorchValueError`` (so also a
    RuntimeError)."""
    @functools.wraps(transform)
    def checked(*args, **kwargs):
        try:
            norm_argnums(argnums, len(args), name)
        except TypeError as exc:
            raise TorchTypeError(str(exc)) from None
        except ValueError as exc:
            raise TorchValueError(str(exc)) from None
        return transform(*args, **kwargs)
    return _as_runtime(checked)


def _scalar_output(func: Callable, has_aux: bool, name: str) -> Callable:
    """``func`` checking that its output (its first with ``has_aux``) has one entry, with
    PyTorch's RuntimeError (a :class:`~tensorgrad.hooks.TorchTypeError`) when it does not."""
    @functools.wraps(func)
    def scalar(*args, **kwargs):
        res = func(*args, **kwargs)
        out = res[0] if has_aux and isinstance(res, (tuple, list)) and len(res) == 2 else res
        if isinstance(out, (np.ndarray, np.generic, Tensor)):
            shape = tuple(shape_of(out))
            if math.prod(shape) != 1 or len(shape) > 2:
                raise TorchTypeError(
                    f"{name}: the function must return a scalar (or an array of shape (1,) or "
                    f"(1, 1)), got shape {shape}; reduce it first (e.g. .sum() or .mean()), or "
                    "use jacrev / vjp for non-scalar outputs")
        elif not staging.is_staged(out):  # (a Python number: no tensor, as PyTorch refuses)
            raise TorchTypeError(f"{name}: expected the function to return a tensor, got "
                                 f"{type(out).__name__}")
        return res
    return scalar


def respecting_no_grad(func: Callable, forward: bool = False) -> Callable:
    """``func`` run so that a ``tg.no_grad()`` block inside it stops the reverse-mode
    transforms opened from now on (PyTorch's rule for ``torch.func``: the block's results are
    constants to them; forward mode ignores the block), where ``tg.grad`` and the other
    JAX-style transforms ignore it. ``forward=True`` stops forward-mode transforms too."""
    mark = next_level()

    @functools.wraps(func)
    def run(*args, **kwargs):
        with stopped_by_no_grad(_traces_above(mark, (args, kwargs)), forward):
            return func(*args, **kwargs)
    return run


def _traces_above(mark: int, tree) -> list:
    """The traces of level above ``mark`` among the tensors of ``tree`` (nested ones too)."""
    found: list = []
    for v in tree_flatten(tree)[0]:
        while type(v) is Tensor:
            tr = v._trace
            if tr is not None and tr.level > mark and tr not in found:
                found.append(tr)
            v = v._value
    return found


def _args_at(args: tuple, argnums):
    """The arguments ``argnums`` picks (a tuple for a tuple), the template of their gradient."""
    if isinstance(argnums, (int, np.integer)):
        return args[argnums] if -len(args) <= argnums < len(args) else None
    return tuple(args[i] for i in argnums)


class _Order(threading.local):
    def __init__(self):
        self.like: dict = {}  # id(a _caller_order function) -> the arguments of its running call


_ORDER = _Order()


def _caller_order(func: Callable) -> Callable:
    """``func`` given its arguments' dicts in the key order of the call :func:`_ordered_call`
    is running (torch.func's transforms pass a dict as it is; flattening sorts its keys)."""
    @functools.wraps(func)
    def run(*args, **kwargs):
        like = _ORDER.like.get(id(run))
        return func(*(args if like is None else in_key_order(args, like)), **kwargs)
    return run


def _ordered_call(run: Callable, call: Callable, args: tuple, kwargs: dict):
    """``call(*args, **kwargs)``, in which the :func:`_caller_order` function ``run`` sees
    ``args``' key order."""
    key = id(run)
    outer = _ORDER.like.get(key)
    _ORDER.like[key] = args
    try:
        return call(*args, **kwargs)
    finally:
        if outer is None:
            del _ORDER.like[key]
        else:
            _ORDER.like[key] = outer


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """``torch.func.grad``: the gradient of a scalar ``func`` in ``argnums`` (with ``has_aux``,
    ``(grad, aux)``). A dict argument's gradient keeps the argument's key order, as
    PyTorch's, and so does the dict ``func`` is given."""
    inner = _caller_order(func)
    g = _grad(_scalar_output(respecting_no_grad(inner), has_aux, "grad"), argnums, has_aux)

    def ordered(*args, **kwargs):
        out = _ordered_call(inner, g, args, kwargs)
        like = _args_at(args, argnums)
        if has_aux:
            return as_tensors(in_key_order(conj_complex(out[0]), like)), out[1]
        return as_tensors(in_key_order(conj_complex(out), like))
    return _torch_errors("grad", argnums, functools.wraps(g)(ordered))


def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """``torch.func.grad_and_value``: ``(grad, value)``, or ``(grad, (value, aux))`` with
    ``has_aux``, from one evaluation."""
    inner = _caller_order(func)
    vg = value_and_grad(_scalar_output(respecting_no_grad(inner), has_aux, "grad_and_value"),
                        argnums, has_aux)

    def both(*args, **kwargs):
        value, g = _ordered_call(inner, vg, args, kwargs)
        value = (as_tensors(value[0]), value[1]) if has_aux else as_tensors(value)
        return as_tensors(in_key_order(conj_complex(g), _args_at(args, argnums))), value
    return _torch_errors("grad_and_value", argnums, both)


def _float_primals(name: str, primals) -> None:
    """PyTorch's refusal of an integer or boolean primal: torch.func's ``vjp``, ``jvp`` and
    ``linearize`` differentiate every primal (tensorgrad's own give such a primal JAX's
    float0 instead), raised as ``grad`` raises it (a TorchTypeError, so also a RuntimeError)."""
    for k, v in enumerate(tree_flatten(primals)[0]):
        dt = np.dtype(v.dtype) if hasattr(v, "dtype") else np.asarray(v).dtype
        if dt.kind not in "fc":
            raise TorchTypeError(
                f"{name}: can only differentiate with respect to floating-point or complex inputs, "
                f"got dtype {dt} (shape {tuple(shape_of(v))}) at flattened primal {k}; convert "
                "it with .float() / .astype(float), or close over it in the function as a constant")


@_as_runtime
def vjp(func: Callable, *primals, has_aux: bool = False):
    """``torch.func.vjp``: ``(func(*primals), vjp_fn)`` (and ``aux``); ``vjp_fn(ct)`` returns one
    cotangent per primal, a dict's with the primal's own key order, as PyTorch's. Every primal
    must be floating-point or complex (an integer one raises, as PyTorch's)."""
    _float_primals("vjp", primals)
    res = _vjp(respecting_no_grad(lambda *a: func(*in_key_order(a, primals))), *primals,
               has_aux=has_aux)
    pull = res[1]

    @_as_runtime
    def vjp_fn(ct, *, retain_graph: bool = True, create_graph: bool | None = None):
        # (PyTorch's keywords change nothing here: the pullback can be called again, and its
        # result is differentiable under an enclosing transform)
        return as_tensors(in_key_order(conj_complex(pull(conj_complex(ct))), primals))
    return (as_tensors(res[0]), vjp_fn) + tuple(res[2:])


@_as_runtime
def jvp(func: Callable, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``torch.func.jvp``: ``(func(*primals), J·tangents)`` (and ``aux``). ``primals`` and
    ``tangents`` are tuples of the same length, one entry per argument of ``func``; every
    primal must be floating-point or complex (an integer one raises, as PyTorch's)."""
    for name, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple):  # (PyTorch's rule and error type)
            raise RuntimeError(f"jvp(f, primals, tangents): expected {name} to be a tuple, one "
                               f"entry per argument of f, got {type(v).__name__}; it must be "
                               f"valid to call f(*{name})")
    if len(primals) != len(tangents):
        raise RuntimeError(f"jvp(f, primals, tangents): {len(primals)} primals but "
                           f"{len(tangents)} tangents")
    _float_primals("jvp", primals)
    p_leaves, p_tree = tree_flatten(primals)
    t_leaves, t_tree = tree_flatten(tangents)
    if p_tree == t_tree:  # (another structure: jvp's own error names it)
        for k, (p, t) in enumerate(zip(p_leaves, t_leaves)):
            if tuple(shape_of(p)) != tuple(shape_of(t)):
                raise TorchValueError(f"jvp: tangent {k} has shape {tuple(shape_of(t))}, its "
                                      f"primal has shape {tuple(shape_of(p))}; each tangent "
                                      "must have its primal's shape")
    res = _jvp(lambda *a: func(*in_key_order(a, primals)), primals, tangents, has_aux=has_aux)
    return (as_tensors(res[0]), as_tensors(res[1])) + tuple(res[2:])


@_as_runtime
def linearize(func: Callable, *primals, has_aux: bool = False):
    """``torch.func.linearize``: ``(func(*primals), jvp_fn)`` (and ``aux``), ``func`` evaluated
    once and ``jvp_fn(*tangents)`` its JVP at ``primals`` (see :func:`tensorgrad.linearize`).
    Every primal must be floating-point or complex (an integer one raises, as PyTorch's)."""
    _float_primals("linearize", primals)
    return _linearize(func, *primals, has_aux=has_aux)


def _jac_order(jac, out_like, in_like):
    """A Jacobian (the output's tree, each leaf holding a tree like the arguments) with the
    key order of the output's dicts and of the arguments' dicts."""
    if type(jac) is dict and isinstance(out_like, dict) and jac.keys() == out_like.keys():
        return {k: _jac_order(jac[k], out_like[k], in_like) for k in out_like}
    if type(jac) in (tuple, list) and type(out_like) in (tuple, list) and len(jac) == len(out_like):
        return type(jac)(_jac_order(a, b, in_like) for a, b in zip(jac, out_like))
    return in_key_order(jac, in_like)


def _in_key_order(make: Callable, func: Callable, argnums, has_aux: bool = False,
                  twice: bool = False) -> Callable:
    """The Jacobian transform ``make(func)`` whose dicts keep the key order of ``func``'s
    output and arguments, as torch.func's do (flattening sorts them: JAX's rule).
    ``twice``: a Hessian, whose both levels are trees like the arguments."""
    def ordered(*args, **kwargs):
        seen: list = []

        def noted(*a, **k):
            out = func(*in_key_order(a, args), **k)
            seen.append(out)
            return out
        res = make(noted)(*args, **kwargs)
        like = _args_at(args, argnums)
        got = seen[0] if seen else None
        out_like = like if twice else got[0] if has_aux and got is not None else got
        if has_aux:  # (the aux output keeps its dicts' order too)
            return (as_tensors(_jac_order(res[0], out_like, like)),
                    in_key_order(res[1], got[1] if got else None))
        return as_tensors(_jac_order(res, out_like, like))
    return functools.wraps(func)(ordered)


def jacrev(func: Callable, argnums=0, *, has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    """``torch.func.jacrev`` (``chunk_size`` caps the rows of one sweep)."""
    return _torch_errors("jacrev", argnums, _real_only("jacrev", _in_key_order(
        lambda f: _jacrev(respecting_no_grad(f), argnums, has_aux, chunk_size), func, argnums,
        has_aux), has_aux))


def jacfwd(func: Callable, argnums=0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """``torch.func.jacfwd`` (``randomness`` as vmap's: PyTorch's jacfwd maps the JVP over
    the basis; here one pass draws once, so 'different' and 'same' are alike)."""
    _check_randomness("jacfwd", randomness)
    return _torch_errors("jacfwd", argnums, _real_only("jacfwd", _in_key_order(
        lambda f: _jacfwd(_per_slice(f, {}, randomness), argnums, has_aux), func, argnums,
        has_aux), has_aux))


def hessian(func: Callable, argnums=0) -> Callable:
    """``torch.func.hessian`` (forward over reverse)."""
    h = _real_only("hessian", _in_key_order(
        lambda f: _hessian(respecting_no_grad(f), argnums), func, argnums, twice=True))

    @functools.wraps(h)
    def run(*args, **kwargs):  # (an integer argument: named as hessian's, not its inner jacfwd's)
        _float_primals("hessian", _args_at(args, argnums))
        return h(*args, **kwargs)
    return _torch_errors("hessian", argnums, run)


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """``torch.func.vmap``: ``tg.vmap`` with PyTorch's keyword names (``in_dims`` is JAX's
    ``in_axes``, ``out_dims`` its ``out_axes``); ``chunk_size`` (None or a positive integer)
    changes nothing (a loop). As in PyTorch, ``in_dims`` covers the positional arguments only:
    keyword arguments are passed unmapped to every call."""
    check_chunk_size("vmap", chunk_size)
    _check_randomness("vmap", randomness)
    def call(*args, **kwargs):
        watched = [(t, t._value, t._trace, t._node) for t in _unmapped_tensors(args, in_dims)]
        # (tensors made before the call, other than its arguments, are refused updates)
        MAPPING.since.append((next(STAMPS), {id(t) for t in tree_flatten(args)[0] if type(t) is Tensor}))
        try:
            out = mapped(*args, **kwargs)
        finally:
            MAPPING.since.pop()
        changed = [w for w in watched if w[0]._value is not w[1]]
        for t, value, trace, node in changed:  # (given back as they came in, then refused)
            t._value, t._trace, t._node = value, trace, node
        if changed:
            raise RuntimeError(
                f"vmap: the function updated in place an argument that in_dims leaves unmapped "
                f"(shape {tuple(changed[0][0].shape)}); here the function runs once per slice, "
                "so the update would be made once per slice (torch.func.vmap, which runs the "
                "function once, makes an update by an unmapped value once and refuses a mapped "
                "one). "
                "Map that argument, or update a copy (b = b.clone())")
        return out

    def mapped(*args, **kwargs):
        each = _per_slice(func, kwargs, randomness)
        first: list = []  # (a slice's output: its dicts' key order is kept, as torch.func's)

        def run(*a):
            out = each(*in_key_order(a, args))  # (the arguments' dicts in their own order too)
            if not first:
                first.append(out)
            return out
        if not (type(out_dims) is tuple and len(out_dims) == 1):
            res = _vmap(run, in_axes=in_dims, out_axes=out_dims)(*args)
            return in_key_order(res, first[0]) if first else res
        single: list = []  # out_dims=(d,) for one output that is not a tuple: d (as PyTorch)

        def one(*a):
            out = run(*a)
            if isinstance(out, tuple):
                return out
            single.append(True)
            return (out,)
        res = _vmap(one, in_axes=in_dims, out_axes=out_dims)(*args)
        res = in_key_order(res[0] if single else res, first[0]) if first else res
        return res
    return call


def _unmapped_tensors(args: tuple, in_dims) -> list:
    """The tensors of the imperative tape (or constant ones) among ``args`` that ``in_dims``
    leaves unmapped (none when ``in_dims`` does not fit: vmap's own error names it)."""
    dims = tuple(in_dims) if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
    try:
        axes = _spread_axes(dims, args, "in_axes")
    except (ValueError, TypeError):
        return []
    return [v for v, ax in zip(tree_flatten(args)[0], axes)
            if ax is None and type(v) is Tensor and (v._trace is None or v._trace is IMPERATIVE)]


def _check_randomness(name: str, randomness) -> None:
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"{name}: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")


def _per_slice(func: Callable, kwargs: dict, randomness: str) -> Callable:
    """``func`` as one call of ``vmap`` runs it on each slice, with PyTorch's ``randomness`` for
    the draws of layers' own streams (a Dropout given no key) and of the default stream
    (``tg.randn``, ``nn.init.normal_``, ...): ``'different'`` draws anew in every slice,
    ``'same'`` gives every slice the first one's draws, ``'error'`` refuses them."""
    first: list = []

    def run(*args):
        if randomness == "different":
            return func(*args, **kwargs)
        if randomness == "error":
            with stream_draws.refusing(
                    "vmap: called random operation while in randomness error mode (a layer drew "
                    "from its own random stream, or a sampler such as tg.randn from the default "
                    "one). Please either use the 'same' or 'different' "
                    "randomness flags on vmap or perform the randomness operation out of vmap "
                    "(or give the layer a key)"):
                return func(*args, **kwargs)
        if not first:
            with stream_draws.recording() as drawn:
                out = func(*args, **kwargs)
            first.append(drawn)
            return out
        with stream_draws.replaying(first[0]):
            return func(*args, **kwargs)
    return run


def functional_call(module, parameter_and_buffer_dicts, args: Any = None, kwargs: dict | None = None,
                    *, tie_weights: bool = True, strict: bool = False):
    """``torch.func.functional_call``: ``module`` run on the arrays of
    ``parameter_and_buffer_dicts`` (a dict, or a sequence of dicts, keyed by
    ``named_parameters()`` and ``named_buffers()`` names) instead of its own, which it
    leaves untouched. A name the module lacks raises; a parameter not given is the module's
    own (all must be given with ``strict=True``). The parameters are arguments of the call, so
    ``tg.grad(lambda p: loss(functional_call(model, p, x)))(params)`` differentiates them.
    ``tie_weights`` is accepted and changes nothing: a Module with parameters held at two
    places of a model raises (see ``Module.init``), so no weights are tied."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        dicts = [dicts]
    given: dict = {}
    for d in dicts:
        for k, v in d.items():
            if k in given:
                raise ValueError(f"functional_call: {k!r} is given twice")
            given[k] = v
    # (a model not run yet makes its parameters as at its first call: its buffers, which the
    # dicts may hold, are kept -- init() would start its running statistics afresh)
    own = module.params if module.params is not None else module._initialize(_nn_init.default_stream(),
                                                                                keep=True)
    names = [n for n, _ in module._named_leaves(own)]
    slots = module._buffer_slots()
    known = set(names)
    unknown = [k for k in given if k not in known and k not in slots]
    if unknown:
        raise ValueError(f"functional_call: {type(module).__name__} has no parameter or buffer "
                         f"named {', '.join(map(repr, unknown))}")
    if strict:
        missing = [n for n in names + list(slots) if n not in given]
        if missing:
            raise TorchValueError(f"functional_call(strict=True): missing {', '.join(map(repr, missing))}")
    leaves, treedef = tree_flatten(own)
    params = tree_unflatten(treedef, [given.get(n, leaf) for n, leaf in zip(names, leaves)])
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    saved = {n: getattr(m, a) for n, (m, a) in slots.items() if n in given}
    put = {}
    for n in saved:
        m, a = slots[n]
        v = given[n]  # (a traced buffer stays traced: its derivative is kept)
        plain = type(v) is Tensor and v._trace is None and type(concrete(v)) is np.ndarray
        put[n] = concrete(v) if plain else v if isinstance(v, Tensor) else staging.as_array(v)
        if m.training and getattr(m, "track_running_stats", False) and (
                (isinstance(v, Tensor) and not plain) or staging.is_staged(v) or staging.tracing_here()):
            why = ("is traced (by tg.jit or another transform)" if staging.is_staged(v) or
                   staging.tracing_here() or v._trace is not None and v._trace.level > 0
                   else "requires grad")
            raise NotImplementedError(
                f"functional_call: {type(m).__name__} ({n!r}) updates its running statistics in "
                f"training mode, and the buffer given {why}, so the update could not reach it; "
                "call model.eval(), or pass NumPy arrays or tensors that do not require grad "
                "outside the transform")
    try:
        for n in saved:
            m, a = slots[n]
            setattr(m, a, put[n])
        out = module.apply(params, *args, **(kwargs or {}))
        for n in saved:  # a buffer the call updated (BatchNorm's statistics in training mode)
            m, a = slots[n]  # goes into the array given, in place, as PyTorch's
            now, mine = getattr(m, a), given[n]
            mine = concrete(mine) if type(mine) is Tensor and mine._trace is None else mine
            if now is not put[n] and isinstance(mine, np.ndarray) and mine.flags.writeable \
                    and np.shape(now) == mine.shape:
                np.copyto(mine, np.asarray(concrete(now)), casting="unsafe")
        return out
    finally:
        for n, v in saved.items():
            m, a = slots[n]
            setattr(m, a, v)


def stack_module_state(models) -> tuple[dict, dict]:
    """``torch.func.stack_module_state``: the parameters and the buffers of ``models`` (Modules
    of one architecture), each stacked along a new leading axis, as two dicts keyed by the
    ``named_parameters()`` and ``named_buffers()`` names. With ``functional_call`` and ``vmap``
    they run the whole ensemble at once::

        params, buffers = tg.func.stack_module_state(models)
        run = lambda p, b, x: tg.func.functional_call(models[0], (p, b), (x,))
        tg.func.vmap(run, in_dims=(0, 0, None))(params, buffers, x)

    The stacks are new arrays (the models keep theirs); where the models' parameters are
    imperative tensors that require grad, the stacks are new leaf tensors that require grad,
    as PyTorch's. The models must share their names, shapes and training mode."""
    models = list(models)
    if not models:
        raise TorchValueError("stack_module_state: expected at least one model, got 0")
    if len({type(m) for m in models}) > 1:  # (as PyTorch: one architecture)
        raise TorchValueError("stack_module_state: expected all models to be of the same class, got "
                         + ", ".join(sorted({type(m).__name__ for m in models})))
    if len({bool(m.training) for m in models}) > 1:
        raise TorchValueError("stack_module_state: expected all models to be in the same training or "
                         "eval mode, got " + ", ".join("train" if m.training else "eval" for m in models))
    out = []
    for what in ("named_parameters", "named_buffers"):
        named = [dict(getattr(m, what)()) for m in models]
        names = list(named[0])
        for i, d in enumerate(named[1:], 1):
            if list(d) != names:
                raise TorchValueError(f"stack_module_state: model {i} has other {what[6:]} than model 0: "
                                 f"{list(d)} against {names}")
        stacked = {}
        for n in names:
            vals = [d[n] for d in named]
            shapes = {tuple(np.shape(concrete(v))) for v in vals}
            if len(shapes) > 1:
                raise TorchValueError(f"stack_module_state: {n!r} has different shapes across the "
                                 f"models: {sorted(shapes)}")
            if any(traced_level(v) > 0 for v in vals):  # (stacking would make them constants, silently)
                raise TypeError(f"stack_module_state: {n!r} is traced by a transform; the stacks "
                                "are new arrays that cannot carry its derivative. Stack the "
                                "models' arrays outside the transform")
            arr = np.stack([np.asarray(concrete(v)) for v in vals])
            grad = any(isinstance(v, Tensor) and v.requires_grad for v in vals)
            stacked[n] = tensor(arr, requires_grad=True) if grad else arr
        out.append(stacked)
    return out[0], out[1]


def replace_all_batch_norm_modules_(root):
    """``torch.func.replace_all_batch_norm_modules_``: every BatchNorm layer in ``root`` stops
    tracking running statistics (they become None), in place, so it normalizes with the
    batch's own statistics in both modes: what ``vmap`` over a model needs, as no running
    statistic can be updated per mapped slice. Returns ``root``."""
    for m in root.modules():
        if isinstance(m, _BatchNorm):
            m.track_running_stats = False
            m.reset_running_stats()
    return root


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``torch.func.functionalize``: ``func`` computing the same values without mutating
    inside. tensorgrad's transforms already record each in-place update of a tensor as a new
    value (a mutation of an input shows in the caller's tensor, as PyTorch's), so this is
    ``func`` itself, behind PyTorch's check of ``remove``."""
    if remove not in ("mutations", "mutations_and_views"):
        raise ValueError(f"functionalize: remove must be 'mutations' or 'mutations_and_views', "
                         f"got {remove!r}")
    if not callable(func):
        raise TypeError(f"functionalize: expected a function, got {type(func).__name__}")

    @functools.wraps(func)
    def functionalized(*args, **kwargs):
        return func(*args, **kwargs)
    return functionalized


# torch.nn.utils.stateless' import path (``from tensorgrad.nn.utils.stateless import
# functional_call``), made here, where functional_call lives (tg.nn sits below tg.func)
stateless = ModuleType(f"{_nn_utils.__name__}.stateless",
                       "torch.nn.utils.stateless' import path: functional_call (tg.func's).")
stateless.functional_call, stateless.__all__ = functional_call, ["functional_call"]
_nn_utils.stateless = sys.modules.setdefault(stateless.__name__, stateless)
