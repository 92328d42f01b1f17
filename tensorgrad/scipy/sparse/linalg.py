"""``tg.scipy.sparse.linalg``: the iterative linear solvers of ``jax.scipy.sparse.linalg``,
``cg``, ``gmres`` and ``bicgstab``, with JAX's signatures, stopping rules and results.

``A`` (and the preconditioner ``M``) is a square 2-D array or a linear function
``A(x)``; ``b`` and ``x0`` may be pytrees (the function must return the structure and
shapes it is given). The iterations run on plain NumPy values; the solution is
differentiated implicitly through ``tg.lax.custom_linear_solve``, never through the
iterations, as in JAX: a derivative in ``b`` or in the values ``A`` depends on (a matrix, or
traced arrays a function closes over) solves one more system with the same method (``cg``
with ``A`` itself, ``gmres`` and ``bicgstab`` with its transpose), so ``tg.grad``,
``tg.jvp``, ``tg.jacrev``, ``tg.hessian`` agree with JAX's to about the solver tolerance.
``x0``, ``M`` and the tolerances get no derivative. ``tg.vmap`` works (one solve per slice).

Under ``tg.jit`` each solve is one step of the plan that iterates on the new values at every
replay, as long as what changes between calls reaches the solver as arrays (``b``, ``x0``,
the matrix ``A`` or ``M``). A function ``A`` or ``M`` that closes over a value traced by
``tg.jit`` cannot be replayed on new values: that raises ``tg.ConcretizationError``; pass
the matrix instead, or call the solver outside the jitted function.

Differences from JAX: real floating-point values only (complex systems are refused; integer
``b`` is solved in float64); ``info`` is ``None`` (``cg``, ``bicgstab``) or, for ``gmres``,
0 or -1 (a NaN in the solution), as JAX returns them.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ...lax_ops3 import custom_linear_solve, transpose_of
from ...ops import astype, isnan, where
from ...ops import sum as _sum
from ...staging import ConcretizationError, call, find_staged
from ...tensor import concrete, dtype_of, shape_of
from ...tree import tree_flatten, tree_unflatten

__all__ = ["cg", "gmres", "bicgstab"]

_ERR = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


# ---- vectors as lists of float64 leaves ----------------------------------------------------
def _dot(xs, ys) -> np.float64:
    return np.float64(sum(float(np.vdot(x, y)) for x, y in zip(xs, ys)))


def _axpy(a: float, xs, ys):
    """a·x + y, leaf by leaf."""
    return [a * x + y for x, y in zip(xs, ys)]


def _sub(xs, ys):
    return [x - y for x, y in zip(xs, ys)]


def _safe_normalize(xs, thresh=None):
    """(x / |x|, |x|), or (0, 0) when |x| is at most ``thresh`` (machine epsilon)."""
    norm = math.sqrt(_dot(xs, xs))
    if thresh is None:
        thresh = np.finfo(np.float64).eps
    if norm > thresh:
        return [x / norm for x in xs], norm
    return [np.zeros_like(x) for x in xs], 0.0


# ---- the iterations (JAX's algorithms, on NumPy values) ------------------------------------
def _cg_run(A, M, b, x0, tol, atol, maxiter, identity_m, **_):
    atol2 = max(tol ** 2 * _dot(b, b), atol ** 2)
    x, r = x0, _sub(b, A(x0))
    z = M(r)
    p, gamma, k = z, _dot(r, z), 0
    while (gamma if identity_m else _dot(r, r)) > atol2 and k < maxiter:
        ap = A(p)
        alpha = gamma / _dot(p, ap)
        x, r = _axpy(alpha, p, x), _axpy(-alpha, ap, r)
        z = M(r)
        gamma_new = _dot(r, z)
        p, gamma, k = _axpy(gamma_new / gamma, p, z), gamma_new, k + 1
    return x


def _bicgstab_run(A, M, b, x0, tol, atol, maxiter, **_):
    atol2 = max(tol ** 2 * _dot(b, b), atol ** 2)
    x = x0
    r = _sub(b, A(x0))
    rhat, p, q = r, r, r
    alpha = omega = rho = 1.0
    k = 0
    while _dot(r, r) > atol2 and k < maxiter and k >= 0:   # (k < 0: a breakdown)
        rho_new = _dot(rhat, r)
        beta = rho_new / rho * alpha / omega
        p = [ri + beta * (pi - omega * qi) for ri, pi, qi in zip(r, p, q)]
        phat = M(p)
        q = A(phat)
        alpha = rho_new / _dot(rhat, q)
        s = _axpy(-alpha, q, r)
        early = _dot(s, s) < atol2
        shat = M(s)
        t = A(shat)
        omega = _dot(t, s) / _dot(t, t)
        if early:
            x, r = _axpy(alpha, phat, x), s
        else:
            x = [xi + (alpha * ph + omega * sh) for xi, ph, sh in zip(x, phat, shat)]
            r = _axpy(-omega, t, s)
        k = -11 if (omega == 0 or alpha == 0) else k + 1
        k = -10 if rho_new == 0 else k
        rho = rho_new
    return x


def _arnoldi(k: int, A, M, V, H):
    """The k-th Arnoldi step: column k+1 of the basis ``V`` (leaves with a trailing axis) and
    row k of ``H``; True when the new vector vanishes (an invariant subspace)."""
    v = M(A([X[..., k] for X in V]))
    _, norm0 = _safe_normalize(v)
    h = sum(np.tensordot(y, X, axes=y.ndim) for X, y in zip(V, v))   # one Gram–Schmidt pass
    v = [y - X @ h for X, y in zip(V, v)]
    unit, norm1 = _safe_normalize(v, thresh=np.finfo(np.float64).eps * norm0)
    for X, u in zip(V, unit):
        X[..., k + 1] = u
    h[k + 1] = norm1
    H[k, :] = h
    return norm1 == 0.0


def _rotate(vec, i: int, cs: float, sn: float) -> None:
    x1, y1 = vec[i], vec[i + 1]
    vec[i], vec[i + 1] = cs * x1 - sn * y1, sn * x1 + cs * y1


def _givens(a: float, b: float):
    if b == 0:
        return 1.0, 0.0
    small = abs(a) < abs(b)
    t = -(a / b if small else b / a)
    r = 1.0 / math.sqrt(1.0 + t * t)
    return (r * t, r) if small else (r, r * t)


def _solve(a, rhs):
    """``np.linalg.solve``, or NaN for a singular system (JAX's LU solve gives NaN or inf there,
    so the solution holds a NaN and ``info`` is -1, instead of a ``LinAlgError``)."""
    try:
        return np.linalg.solve(a, rhs)
    except np.linalg.LinAlgError:
        return np.full(np.shape(rhs), np.nan)


def _gmres_cycle(A, M, b, x0, unit, rnorm, ptol, restart: int, incremental: bool):
    """One restart: the best solution in the ``restart``-dimensional Krylov space."""
    V = [np.concatenate([u[..., None], np.zeros(u.shape + (restart,))], axis=-1) for u in unit]
    H = np.eye(restart, restart + 1)
    beta = np.zeros(restart + 1)
    beta[0] = rnorm
    if incremental:
        givens = np.zeros((restart, 2))
        k, err = 0, rnorm
        while k < restart and err > ptol:
            _arnoldi(k, A, M, V, H)
            row = H[k, :].copy()
            for i in range(k):
                _rotate(row, i, *givens[i])
            givens[k] = _givens(row[k], row[k + 1])
            _rotate(row, k, *givens[k])
            H[k, :] = row
            _rotate(beta, k, *givens[k])
            k, err = k + 1, abs(beta[k + 1])
        y = _solve(H[:, :-1].T, beta[:-1])
    else:
        k, broke = 0, False
        while k < restart and not broke:
            broke = _arnoldi(k, A, M, V, H)
            k += 1
        y = _solve(H @ H.T, H @ beta)     # the least squares fit, normal equations
    x = [xi + X[..., :-1] @ y for xi, X in zip(x0, V)]
    unit, rnorm = _safe_normalize(M(_sub(b, A(x))))
    return x, unit, rnorm


def _gmres_run(A, M, b, x0, tol, atol, maxiter, b_fwd, restart, method, **_):
    # the tolerances come from the right-hand side of the forward system, as in JAX
    b_norm = np.sqrt(_dot(b_fwd, b_fwd))
    atol = max(tol * b_norm, atol)
    mb = M(b_fwd)
    ptol = np.sqrt(_dot(mb, mb)) * np.minimum(1.0, np.float64(atol) / b_norm)
    x = x0
    unit, rnorm = _safe_normalize(M(_sub(b, A(x0))))
    k = 0
    while k < maxiter and rnorm > atol:
        x, unit, rnorm = _gmres_cycle(A, M, b, x, unit, rnorm, ptol, restart,
                                      method == "incremental")
        k += 1
    return x


_RUNS = {"cg": _cg_run, "bicgstab": _bicgstab_run, "gmres": _gmres_run}


# ---- operators on NumPy values -------------------------------------------------------------
def _jit_error(name: str, what: str) -> ConcretizationError:
    return ConcretizationError(
        f"{name}: {what} closes over a value traced by tg.jit, so the iterations could not be "
        "replayed on new values. Pass the matrix (A or M as a 2-D array), pass the values as "
        f"b/x0, or call {name} outside the jitted function (tg.grad, tg.jvp, tg.vmap work)")


def _values(name: str, what: str, out) -> list:
    leaves = [concrete(v) for v in tree_flatten(out)[0]]
    if find_staged(leaves) is not None:
        raise _jit_error(name, what)
    return [np.asarray(v, dtype=np.float64) for v in leaves]


def _on_values(name: str, what: str, fun: Callable, td):
    """``fun`` (pytree in, pytree out) as a map of lists of float64 leaves."""
    def apply(vs):
        return _values(name, what, fun(tree_unflatten(td, list(vs))))
    return apply


def _with_matrix(a):
    def apply(vs):
        return [np.asarray(a @ vs[0], dtype=np.float64)]
    return apply


def _run(name, opts, fn_a, fn_m, transposed, rhs_leaves, x0_leaves, bf_leaves, a_mat, m_mat, td):
    """The iterations on plain values (also the step a jit plan replays)."""
    if a_mat is not None:
        A = _with_matrix(np.asarray(a_mat).T if transposed else np.asarray(a_mat))
    else:
        A = _on_values(name, "A", transpose_of(fn_a) if transposed else fn_a, td)
    if m_mat is not None:
        M = _with_matrix(np.asarray(m_mat))
    elif fn_m is not None:
        M = _on_values(name, "M", fn_m, td)
    else:
        M = list
    b = [np.asarray(v, dtype=np.float64) for v in rhs_leaves]
    x0 = [np.asarray(v, dtype=np.float64) for v in x0_leaves]
    bf = [np.asarray(v, dtype=np.float64) for v in bf_leaves]
    with np.errstate(**_ERR):
        x = _RUNS[name](A, M, b, x0, b_fwd=bf, identity_m=fn_m is None and m_mat is None, **opts)
    return [np.asarray(v, dtype=dtype_of(r)) for v, r in zip(x, rhs_leaves)]


def _solver(name, opts, fn_a, fn_m, a_mat, m_mat, x0, b, transposed: bool):
    """The ``solve(matvec, rhs)`` handed to custom_linear_solve."""
    x0c = [concrete(v) for v in tree_flatten(x0)[0]]
    bfc = [concrete(v) for v in tree_flatten(b)[0]]
    ac = None if a_mat is None else concrete(a_mat)
    mc = None if m_mat is None else concrete(m_mat)

    def solve(matvec, rhs):
        leaves, td = tree_flatten(rhs)
        rc = [concrete(v) for v in leaves]
        if find_staged([rc, x0c, bfc, ac, mc]) is None:
            # the matvec custom_linear_solve gives (the transposed one for a transposed solve)
            out = _run(name, opts, matvec, fn_m, False, rc, x0c, bfc, None, mc, td)
        else:   # under tg.jit: one step of the plan, run again on every call's values
            out = call(lambda r, x, f, a, m: _run(name, opts, fn_a, fn_m, transposed, r, x, f,
                                                  a, m, td), rc, x0c, bfc, ac, mc)
        return tree_unflatten(td, list(out))
    return solve


# ---- the public functions ------------------------------------------------------------------
def _is_matrix(op) -> bool:
    return not callable(op) and hasattr(op, "shape") and hasattr(op, "__matmul__")


def _operator(name: str, what: str, op, b):
    """(function, matrix or None) for ``A`` or ``M``, checked."""
    if callable(op):
        return op, None
    if not _is_matrix(op):
        raise TypeError(f"{name}: {what} must be a function computing the linear map or a square "
                        f"2-D array, got {type(op).__name__}")
    shape = tuple(shape_of(op) if not hasattr(op, "toarray") else op.shape)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name}: the linear operator {what} must be a square matrix, but has "
                         f"shape: {shape}")
    leaves = tree_flatten(b)[0]
    if len(leaves) != 1 or not shape_of(leaves[0]) or shape_of(leaves[0])[0] != shape[0]:
        raise ValueError(f"{name}: {what} is a matrix of shape {shape}, so b must be one array "
                         f"whose first axis has length {shape[0]}, got leaf shapes "
                         f"{[shape_of(v) for v in leaves]}")
    if np.dtype(dtype_of(op)).kind == "c":
        raise TypeError(f"{name}: complex operators are not supported (tensorgrad solves real "
                        "systems)")
    return (lambda x: op @ x), op


def _checked(name: str, what: str, fun: Callable) -> Callable:
    def checked(x):
        out = fun(x)
        ol, otd = tree_flatten(out)
        il, itd = tree_flatten(x)
        if otd != itd or [shape_of(v) for v in ol] != [shape_of(v) for v in il]:
            raise ValueError(f"{name}: {what}(x) must return the structure and shapes of x "
                             f"({itd}, {[shape_of(v) for v in il]}), got {otd}, "
                             f"{[shape_of(v) for v in ol]}")
        return out
    return checked


def _prepare(name: str, b, x0):
    leaves, td = tree_flatten(b)
    if not leaves:
        raise ValueError(f"{name}: b has no arrays")
    fixed = []
    for v in leaves:
        kind = np.dtype(dtype_of(v)).kind
        if kind == "c":
            raise TypeError(f"{name}: complex b is not supported (tensorgrad solves real systems)")
        if kind not in "fc":
            v = astype(v, np.float64)
        fixed.append(v)
    b = tree_unflatten(td, fixed)
    if x0 is None:
        x0 = tree_unflatten(td, [np.zeros(shape_of(v), dtype=dtype_of(v)) for v in fixed])
    xl, xtd = tree_flatten(x0)
    if xtd != td:
        raise ValueError(f"{name}: x0 and b must have matching tree structure: {xtd} vs {td}")
    if [shape_of(v) for v in xl] != [shape_of(v) for v in fixed]:
        raise ValueError(f"{name}: arrays in x0 and b must have matching shapes: "
                         f"{[shape_of(v) for v in xl]} vs {[shape_of(v) for v in fixed]}")
    size = sum(math.prod(shape_of(v)) for v in fixed)
    return b, x0, size


def _isolve(name: str, A, b, x0, M, opts: dict, symmetric: bool):
    b, x0, size = _prepare(name, b, x0)
    if opts["maxiter"] is None:
        opts["maxiter"] = 10 * size   # (SciPy's default)
    fn_a, a_mat = _operator(name, "A", A, b)
    fn_m, m_mat = (None, None) if M is None else _operator(name, "M", M, b)
    if m_mat is not None:
        fn_m = None
    matvec = _checked(name, "A", fn_a)
    if fn_m is not None:
        fn_m = _checked(name, "M", fn_m)
    solve = _solver(name, opts, matvec, fn_m, a_mat, m_mat, x0, b, False)
    tsolve = solve if symmetric else _solver(name, opts, matvec, fn_m, a_mat, m_mat, x0, b, True)
    return custom_linear_solve(matvec, b, solve, transpose_solve=tsolve, symmetric=symmetric)


def cg(A, b, x0=None, *, tol=1e-5, atol=0.0, maxiter=None, M=None):
    """``jax.scipy.sparse.linalg.cg``: the conjugate gradient solution of ``A x = b`` for a
    symmetric positive definite ``A`` (a square 2-D array or a function ``A(x)``).

    Stops when ``|r|² <= max(tol²·|b|², atol²)`` (with a preconditioner ``M``, the residual's
    ``M``-norm, as JAX) or after ``maxiter`` steps (default ``10 · size(b)``). ``b`` and
    ``x0`` may be pytrees. Returns ``(x, None)``. Derivatives by implicit differentiation
    (another ``cg`` solve with ``A``): exact for the exact solution, so they agree with JAX's
    to about the tolerance."""
    opts = {"tol": float(tol), "atol": float(atol), "maxiter": maxiter}
    return _isolve("cg", A, b, x0, M, opts, symmetric=True), None


def bicgstab(A, b, x0=None, *, tol=1e-5, atol=0.0, maxiter=None, M=None):
    """``jax.scipy.sparse.linalg.bicgstab``: the BiCGSTAB solution of ``A x = b`` for a
    general square ``A`` (a 2-D array or a function ``A(x)``).

    Stops when ``|r|² <= max(tol²·|b|², atol²)``, after ``maxiter`` steps (default
    ``10 · size(b)``) or at a breakdown (as JAX: the current iterate is returned). ``b`` and
    ``x0`` may be pytrees. Returns ``(x, None)``. Derivatives by implicit differentiation:
    reverse mode solves the transposed system with ``bicgstab``."""
    opts = {"tol": float(tol), "atol": float(atol), "maxiter": maxiter}
    return _isolve("bicgstab", A, b, x0, M, opts, symmetric=False), None


def gmres(A, b, x0=None, *, tol=1e-5, atol=0.0, restart=20, maxiter=None, M=None,
          solve_method="batched"):
    """``jax.scipy.sparse.linalg.gmres``: restarted GMRES for ``A x = b`` (``A`` a square 2-D
    array or a function ``A(x)``).

    Each of at most ``maxiter`` cycles (default ``10 · size(b)``) builds a Krylov space of
    dimension ``restart`` (at most ``size(b)``) with Arnoldi's process; ``solve_method``
    ``'batched'`` fits the whole space at once, ``'incremental'`` builds its QR factorization
    with Givens rotations and stops early inside a cycle, as JAX. Stops when the
    (preconditioned) residual is at most ``max(tol·|b|, atol)``. Returns ``(x, info)`` with
    ``info`` 0, or -1 when ``x`` holds a NaN, as JAX. Derivatives by implicit
    differentiation: reverse mode solves the transposed system with ``gmres``."""
    if solve_method not in ("batched", "incremental"):
        raise ValueError(f"gmres: invalid solve_method {solve_method}, must be either "
                         "'incremental' or 'batched'")
    restart = int(restart)
    if restart < 1:
        raise ValueError(f"gmres: restart must be a positive integer, got {restart}")
    size = sum(math.prod(shape_of(v)) for v in tree_flatten(b)[0])
    opts = {"tol": float(tol), "atol": float(atol), "maxiter": maxiter,
            "restart": min(restart, max(size, 1)), "method": solve_method}
    x = _isolve("gmres", A, b, x0, M, opts, symmetric=False)
    total = sum(_sum(v * v) for v in tree_flatten(x)[0])
    return x, where(isnan(total), -1, 0)
