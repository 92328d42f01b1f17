"""``jax.test_util`` on tensorgrad: JAX's signatures of the derivative checks, for test code
written against JAX (``from jax.test_util import check_grads`` becomes
``from tensorgrad.test_util import check_grads``).

* ``check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None)``:
  :func:`tensorgrad.check.check_grads` with the arguments as one tuple, as JAX's takes them;
* ``check_jvp(f, f_jvp, args, ...)``: ``f_jvp(args, tangents)`` (``functools.partial(tg.jvp,
  f)``) against central differences of ``f`` in random directions;
* ``check_vjp(f, f_vjp, args, ...)``: ``f_vjp(*args)`` (``functools.partial(tg.vjp, f)``)
  through the adjoint identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩, J v by central differences.

Each returns None when the derivatives agree and raises an ``AssertionError`` (a
:class:`~tensorgrad.check.GradCheckError` for ``check_grads``) naming the disagreement.
Defaults are :func:`tensorgrad.check.check_grads`': ``eps=1e-6``, ``rtol=1e-5``, ``atol=1e-7``
(float64).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import check as _check
from .tensor import concrete
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = ["check_grads", "check_jvp", "check_vjp"]


def check_grads(f: Callable, args, order: int, modes: Sequence[str] = ("fwd", "rev"),
                atol: float | None = None, rtol: float | None = None, eps: float | None = None):
    """JAX's ``check_grads``: the derivatives of ``f(*args)`` up to ``order`` in ``modes``
    against finite differences (see :func:`tensorgrad.check.check_grads`); None when they
    agree."""
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"check_grads: args must be a tuple of f's arguments (JAX's "
                        f"signature check_grads(f, args, order)), got {type(args).__name__}")
    _check.check_grads(f, *args, order=order, modes=modes, eps=eps, rtol=rtol, atol=atol)


def _leaves(tree) -> list:
    return [np.asarray(concrete(v)) for v in tree_flatten(tree)[0]]


def _direction(args, rng) -> Any:
    leaves, treedef = tree_flatten(args)
    out = []
    for v in leaves:
        a = np.asarray(concrete(v))
        d = rng.standard_normal(a.shape)
        out.append(d + 1j * rng.standard_normal(a.shape) if a.dtype.kind == "c" else d.astype(
            a.dtype if a.dtype.kind == "f" else np.float64))
    return tree_unflatten(treedef, out)


def _numerical_jvp(f: Callable, args: tuple, v, eps: float):
    up = tree_map(lambda a, d: np.asarray(concrete(a)) + eps * d, args, v)
    down = tree_map(lambda a, d: np.asarray(concrete(a)) - eps * d, args, v)
    return [(p - m) / (2 * eps) for p, m in zip(_leaves(f(*up)), _leaves(f(*down)))]


def _close(name: str, got: list, want: list, atol: float, rtol: float, err_msg: str) -> None:
    for k, (g, w) in enumerate(zip(got, want)):
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            raise AssertionError(f"{name}: output {k} differs from finite differences beyond "
                                 f"atol={atol}, rtol={rtol}: max |difference| "
                                 f"{np.max(np.abs(np.asarray(g) - np.asarray(w)))}"
                                 f"{'; ' + err_msg if err_msg else ''}")


def check_jvp(f: Callable, f_jvp: Callable, args, atol: float | None = None,
              rtol: float | None = None, eps: float | None = None, err_msg: str = "") -> None:
    """JAX's ``check_jvp``: ``f_jvp(args, tangents)`` returns ``(f(*args), J·tangents)``;
    both are compared, the second with central differences along random tangents."""
    atol, rtol, eps = 1e-7 if atol is None else atol, 1e-5 if rtol is None else rtol, \
        1e-6 if eps is None else eps
    args = tuple(args)
    v = _direction(args, np.random.default_rng(0))
    out, tangent = f_jvp(args, v)
    _close("check_jvp (primal)", _leaves(out), _leaves(f(*args)), atol, rtol, err_msg)
    _close("check_jvp", _leaves(tangent), _numerical_jvp(f, args, v, eps), atol, rtol, err_msg)


def check_vjp(f: Callable, f_vjp: Callable, args, atol: float | None = None,
              rtol: float | None = None, eps: float | None = None, err_msg: str = "") -> None:
    """JAX's ``check_vjp``: ``f_vjp(*args)`` returns ``(f(*args), pullback)``; the pullback
    of a random cotangent u must satisfy ⟨u, J v⟩ = ⟨pullback(u), v⟩ for a random v, J v by
    central differences."""
    atol, rtol, eps = 1e-7 if atol is None else atol, 1e-5 if rtol is None else rtol, \
        1e-6 if eps is None else eps
    args = tuple(args)
    rng = np.random.default_rng(0)
    out, pullback = f_vjp(*args)
    _close("check_vjp (primal)", _leaves(out), _leaves(f(*args)), atol, rtol, err_msg)
    u = _direction(out, rng)
    v = _direction(args, rng)
    ct = [np.conj(c) for c in _leaves(pullback(tree_map(np.conj, u)))]  # (JAX's pairing)
    lhs = sum(np.real(np.vdot(a, b)) for a, b in zip(_numerical_jvp(f, args, v, eps), _leaves(u)))
    rhs = sum(np.real(np.vdot(a, b)) for a, b in zip(_leaves(v), ct))
    _close("check_vjp (⟨u, J v⟩ against ⟨Jᵀu, v⟩)", [lhs], [rhs], atol, rtol, err_msg)
