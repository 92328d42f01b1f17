"""PyTorch's ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp``
and ``hvp`` with PyTorch's signatures and result layouts, on tensorgrad's transforms.

``inputs`` is one array (or Tensor) or a tuple of them, passed to ``func`` as its positional
arguments; results follow the same structure (a tuple of inputs gives tuples). ``func``
returns an array or a tuple of arrays. With ``create_graph=False`` (the default) results are
plain arrays, cut from any imperative graph the inputs belong to, as PyTorch detaches them;
with ``create_graph=True`` and inputs made by ``tg.tensor(..., requires_grad=True)`` the
results are recorded on the imperative tape, so ``.backward()`` reaches the inputs through
them. ``strict=True`` is PyTorch's check that each output depends on the inputs (a
RuntimeError otherwise), made by running ``func`` once more on the imperative tape.

For complex values the products are PyTorch's: ``vjp`` gives the conjugate of JAX's product
with the conjugate of ``v`` (so a real loss's ``vjp`` is ``.grad``, the conjugate of
``tg.grad``), and ``vhp``/``hvp`` differentiate that gradient; ``jvp`` is the same in both.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .func import as_tensors, conj_complex as _conj, respecting_no_grad
from .hooks import TorchValueError
from .imperative import tensor
from .recording import IMPERATIVE
from .tensor import Tensor, concrete, torch_made
from .torch_autograd import grad as _tape_grad, sweep_grad
from .tree import tree_map
from .transforms import hessian as _hessian
from .transforms import jacfwd, jacrev
from .transforms import value_and_grad as _value_and_grad
from .transforms import jvp as _jvp
from .transforms import vjp as _vjp

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x) -> tuple[tuple, bool]:
    if isinstance(x, (tuple, list)):
        return tuple(x), True
    return (x,), False


def _prepare(name: str, func, inputs, create_graph: bool, strict: bool) -> tuple[tuple, bool]:
    if not callable(func):
        raise TypeError(f"tg.autograd.functional.{name}: func must be callable, got {func!r}")
    ins, is_tuple = _as_tuple(inputs)
    if not ins:
        raise ValueError(f"tg.autograd.functional.{name}: inputs must not be empty")
    if not create_graph:  # detached from the imperative tape (a transform's values stay traced)
        ins = tuple(x.detach() if isinstance(x, Tensor) and x._trace is IMPERATIVE else x
                    for x in ins)  # (a tensor still: PyTorch's methods, x.std() unbiased)
    for i, x in enumerate(ins):
        dt = np.result_type(concrete(x))
        if dt.kind not in "fc":
            raise TypeError(f"tg.autograd.functional.{name}: input {i} has dtype {dt}; only "
                            "floating-point and complex inputs can be differentiated")
    if strict:
        _check_strict(name, func, ins)
    return ins, is_tuple


def _check_strict(name: str, func, ins: tuple) -> None:
    """PyTorch's ``strict=True``: a RuntimeError unless every output is computed
    differentiably from the inputs and depends on each of them (for ``jacobian``: every
    output on every input; for ``hessian``, ``vhp`` and ``hvp`` also every part of the gradient
    on some input, which a function linear in one of them fails, and for ``hessian`` on each
    input). ``func`` runs once more for the check, on fresh leaves of the imperative tape."""
    leaves = tuple(tensor(concrete(x), requires_grad=True) for x in ins)
    outs, _ = _as_tuple(func(*leaves))
    who = f"tg.autograd.functional.{name}"
    for i, o in enumerate(outs):
        if not (isinstance(o, Tensor) and o._trace is IMPERATIVE):
            raise RuntimeError(f"{who}: output {i} of the user-provided function does not "
                               "require gradients; in strict mode the outputs must be computed "
                               "differentiably from the inputs")
    pairs = [(outs, "the output")] if name != "jacobian" else \
        [((o,), f"output {i}") for i, o in enumerate(outs)]
    for group, what in pairs:
        sums = [_sum_all(o) for o in group]
        grads = _tape_grad(sums, leaves, retain_graph=True, allow_unused=True)
        for j, g in enumerate(grads):
            if g is None:
                raise RuntimeError(f"{who}: {what} of the user-provided function is independent "
                                   f"of input {j}; this is not allowed in strict mode")
    if name in ("hessian", "vhp", "hvp"):
        firsts = sweep_grad([_sum_all(outs[0])], leaves, create_graph=True, allow_unused=True,
                            link_constants=False)
        for i, g in enumerate(firsts):
            seconds = _tape_grad([_sum_all(g)], leaves, retain_graph=True, allow_unused=True) \
                if isinstance(g, Tensor) and g._trace is IMPERATIVE else ()
            if all(s is None for s in seconds):
                raise RuntimeError(f"{who}: the gradient of the user-provided function with respect "
                                   f"to input {i} is independent of the inputs (a function linear "
                                   "in it, for example); this is not allowed in strict mode")
            for j, s in enumerate(seconds if name == "hessian" else ()):
                if s is None:
                    raise RuntimeError(f"{who}: the gradient of the user-provided function with "
                                       f"respect to input {i} is independent of input {j}; this "
                                       "is not allowed in strict mode")


def _sum_all(o):
    return o.sum() if np.result_type(concrete(o)).kind != "c" else (o.real + o.imag).sum()


def _result(tree, create_graph: bool):
    """``tree`` as returned, its arrays with PyTorch's Tensor methods (PyTorch returns
    tensors: ``J.std()`` is then PyTorch's); with ``create_graph=False``, every value on the
    imperative tape is detached, so a tensor ``func`` captured (a model's parameter) does not
    tie the result to the tape either."""
    if not create_graph:
        tree = tree_map(lambda x: concrete(x) if isinstance(x, Tensor) and x._trace is IMPERATIVE
                        else x, tree)
    return as_tensors(tree)


def _vector(name: str, v, like: tuple, what: str, optional_when: str) -> tuple:
    """``v`` in the structure of ``like`` (a tuple of values); None means ones when ``like``
    is one value of one element."""
    if v is None:
        if len(like) != 1 or np.size(concrete(like[0])) != 1:
            raise RuntimeError(f"tg.autograd.functional.{name}: v can be None only when "
                               f"{optional_when} one element; pass v shaped like {what}")
        return (np.ones(np.shape(concrete(like[0])), np.result_type(concrete(like[0]))),)
    vs, _ = _as_tuple(v)
    if len(vs) != len(like):
        raise TorchValueError(f"tg.autograd.functional.{name}: v has {len(vs)} entries, {what} has "
                         f"{len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if np.shape(concrete(a)) != np.shape(concrete(b)):
            raise TorchValueError(f"tg.autograd.functional.{name}: v[{i}] has shape "
                             f"{np.shape(concrete(a))}, {what}[{i}] has shape "
                             f"{np.shape(concrete(b))}")
    return vs


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), vᵀJ)``: the vector–Jacobian product, shaped like ``inputs``."""
    func = respecting_no_grad(func, forward=True)
    ins, in_tuple = _prepare("vjp", func, inputs, create_graph, strict)
    out, pull = _vjp(func, *ins)
    outs, out_tuple = _as_tuple(out)
    vs = _vector("vjp", v, outs, "the output", "func's output has")
    g = _conj(pull(_conj(tuple(vs) if out_tuple else vs[0])))  # (PyTorch's, see above)
    g = _constants_as_tensors(g, ins, create_graph)
    return _result((out, (tuple(g) if in_tuple else g[0])), create_graph)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), J v)``: the Jacobian–vector product, shaped like the output."""
    func = respecting_no_grad(func, forward=True)  # (PyTorch's JVP is two reverse sweeps)
    ins, in_tuple = _prepare("jvp", func, inputs, create_graph, strict)
    vs = _vector("jvp", v, ins, "inputs", "the input has")
    return _result(_jvp(func, ins, vs), create_graph)


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian, of shape ``output.shape + input.shape``; ``J[i][j]`` for the i-th output
    and j-th input when both are tuples, one level of tuple when one is. ``strategy`` is
    ``"reverse-mode"`` (``tg.jacrev``) or ``"forward-mode"`` (``tg.jacfwd``); ``vectorize`` is
    accepted and changes nothing (every row comes from one batched sweep anyway)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"tg.autograd.functional.jacobian: strategy must be 'reverse-mode' or "
                         f"'forward-mode', got {strategy!r}")
    _refuse_as_pytorch("jacobian", strategy, strict, vectorize)
    func = respecting_no_grad(func, forward=strategy == "reverse-mode")
    ins, in_tuple = _prepare("jacobian", func, inputs, create_graph, strict)
    nums = tuple(range(len(ins)))
    if strategy == "reverse-mode":
        J = _complex_refused("jacobian", lambda: jacrev(func, argnums=nums)(*ins))
    else:  # PyTorch pushes the real basis through complex inputs: JAX's holomorphic jacfwd
        whole = all(np.result_type(concrete(x)).kind == "c" for x in ins)
        J = _complex_refused("jacobian", lambda: jacfwd(func, argnums=nums, holomorphic=whole)(*ins))
    if strategy == "reverse-mode":  # rows from PyTorch's vjp: the conjugates of JAX's
        J = _conj(J)
    # (the transforms keep func's output structure outermost: one output gives a tuple over
    # the inputs, a tuple of outputs a tuple of such tuples)
    if isinstance(J[0], (tuple, list)):
        J = [_constants_as_tensors(row, ins, create_graph) for row in J]
        return _result(tuple((tuple(row) if in_tuple else row[0]) for row in J), create_graph)
    J = _constants_as_tensors(J, ins, create_graph)
    return _result(tuple(J) if in_tuple else J[0], create_graph)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a ``func`` returning one element: ``H[i][j]`` of shape
    ``inputs[i].shape + inputs[j].shape`` for a tuple of inputs, one array otherwise."""
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError("tg.autograd.functional.hessian: outer_jacobian_strategy must be "
                         f"'reverse-mode' or 'forward-mode', got {outer_jacobian_strategy!r}")
    _refuse_as_pytorch("hessian", outer_jacobian_strategy, strict, vectorize)
    func = respecting_no_grad(func, forward=outer_jacobian_strategy == "reverse-mode")
    ins, in_tuple = _prepare("hessian", func, inputs, create_graph, strict)
    H = _complex_refused("hessian", lambda: _hessian(
        lambda *xs: _scalar(func, "hessian")(*xs)[0], argnums=tuple(range(len(ins))))(*ins))
    H = [_constants_as_tensors(row, ins, create_graph) for row in H]
    return _result(tuple(tuple(row) for row in H) if in_tuple else H[0][0], create_graph)


def _constants_as_tensors(parts, ins: tuple, create_graph: bool) -> tuple:
    """The derivatives ``parts``, one per input; with ``create_graph``, one that came out
    constant for an input on the imperative tape is a constant tensor, so differentiating it
    raises RuntimeError (PyTorch's would give zeros; here the zero could be wrong: a
    once_differentiable backward, or a Function's values kept on ctx, gives constants too)."""
    if not create_graph:
        return tuple(parts)
    return tuple(torch_made(np.asarray(g)) if isinstance(t, Tensor) and t._trace is IMPERATIVE
                 and isinstance(g, (np.ndarray, np.generic)) else g for g, t in zip(parts, ins))


def _complex_refused(name: str, run: Callable):
    """``run()``, with the transforms' refusal of complex values said in this function's terms
    (PyTorch refuses them here too: its reverse mode needs real outputs)."""
    try:
        return run()
    except TypeError as exc:
        if "needs real-valued" not in str(exc) and "needs complex" not in str(exc):
            raise
        raise TypeError(f"tg.autograd.functional.{name}: complex values are not supported here "
                        f"({str(exc).split(':')[0]}), as in PyTorch, except by jacobian's "
                        "strategy='forward-mode' when every input and output is complex; use "
                        "tg.autograd.functional.vjp or jvp, or tg.vjp and tg.jvp") from None


def _refuse_as_pytorch(name: str, strategy: str, strict: bool, vectorize: bool) -> None:
    """The combinations PyTorch's jacobian and hessian refuse."""
    who = f"tg.autograd.functional.{name}"
    if strict and vectorize:
        raise RuntimeError(f"{who}: strict=True and vectorize=True are not supported together "
                           "(as in PyTorch); set one of them to False")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{who}: the forward-mode strategy needs vectorize=True, as "
                                  "in PyTorch")
    if strict and strategy == "forward-mode":
        raise RuntimeError(f"{who}: strict=True and the forward-mode strategy are not "
                           "supported together (as in PyTorch)")


def _scalar(func, name: str):
    """``func`` as ``xs ↦ (its one element as a 0-d value, its output as returned)``."""
    def f(*xs):
        y = func(*xs)
        if isinstance(y, (tuple, list)):  # (PyTorch's message)
            raise RuntimeError(f"tg.autograd.functional.{name}: The function given to {name} "
                               f"should return a single Tensor, got a {type(y).__name__} of "
                               f"{len(y)}")
        if np.size(concrete(y)) != 1:
            raise RuntimeError(f"tg.autograd.functional.{name}: func must return a single "
                               f"tensor with one element, got shape {np.shape(concrete(y))}")
        return (y.reshape(()) if hasattr(y, "reshape") else y), y
    return f


def _hessian_product(name: str, func, inputs, v, create_graph, strict):
    func = respecting_no_grad(func, forward=True)
    ins, in_tuple = _prepare(name, func, inputs, create_graph, strict)
    vs = _vector(name, v, ins, "inputs", "the input has")
    argnums = tuple(range(len(ins)))
    ((_, value), _), (_, hv) = _jvp(_value_and_grad(_scalar(func, name), argnums=argnums,
                                                    has_aux=True), ins, vs)
    hv = _conj(hv)  # the derivative of PyTorch's gradient, the conjugate of JAX's
    hv = _constants_as_tensors(hv, ins, create_graph)
    return _result((value, (tuple(hv) if in_tuple else hv[0])), create_graph)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), vᵀH)`` for a ``func`` returning one element."""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), H v)`` for a ``func`` returning one element (the Hessian is
    symmetric, so it equals ``vhp``'s product; both are computed without forming H)."""
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)
