"""``tg.scipy.optimize``: ``minimize`` (method ``"BFGS"``) and its strong-Wolfe ``line_search``,
with ``jax.scipy.optimize``'s signatures, iterates and results.

The iterations are JAX's (Nocedal and Wright's Algorithm 6.1 with the line search of their
Algorithms 3.5/3.6: doubling, then zooming by cubic, quadratic or bisection steps), run on
plain NumPy values; ``fun``'s gradient comes from ``tg.value_and_grad``. So the iterates,
counts and status codes are JAX's (in float64, to rounding), and the minimum SciPy's to the
tolerance.

As in JAX, the result is not differentiable: ``x0``, ``args`` or values ``fun`` closes over
that a transform traces (``tg.grad``, ``tg.jvp``) are refused with a ``TypeError`` (to
differentiate a minimizer, wrap it in ``tg.lax.custom_root`` with the gradient as ``f``).
``tg.vmap`` works (one minimization per slice). Under ``tg.jit`` the whole minimization is
one step of the plan, run again on every call's ``x0`` and ``args``; a ``fun`` that closes
over a value traced by ``tg.jit`` raises ``tg.ConcretizationError`` (pass it in ``args``).

Differences from JAX: ``tol`` is accepted and ignored, as in JAX (use ``options["gtol"]``);
integer ``x0`` is minimized in float64; the iterations run in float64 and the results are
cast to ``x0``'s dtype.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from ..staging import ConcretizationError, call, find_staged
from ..tensor import concrete, dtype_of, shape_of, traced_level
from ..transforms import value_and_grad
from ..tree import tree_flatten, tree_unflatten

__all__ = ["minimize", "OptimizeResults", "line_search", "LineSearchResults"]

_ERR = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


class OptimizeResults(NamedTuple):
    """The result of ``minimize``, with JAX's fields: ``x`` the solution, ``success``
    (converged and no line search failed), ``status`` (0 converged, 1 maxiter reached,
    3 the zoom failed, 4 a saddle point, 5 the line search's maxiter reached, -1 undefined),
    ``fun`` and ``jac`` the value and gradient at ``x``, ``hess_inv`` the final inverse
    Hessian estimate, ``nfev``/``njev`` the counts of function and gradient evaluations,
    ``nit`` the number of BFGS iterations."""
    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


class LineSearchResults(NamedTuple):
    """The result of ``line_search``, with JAX's fields: ``failed`` (the strong Wolfe
    conditions were not met), ``nit`` iterations, ``nfev``/``ngev`` evaluations, ``k`` the
    final iteration counter, ``a_k`` the step size, ``f_k``/``g_k`` the value and gradient
    there, ``status`` (0 passed, 1 the zoom failed, 3 maxiter reached)."""
    failed: Any
    nit: Any
    nfev: Any
    ngev: Any
    k: Any
    a_k: Any
    f_k: Any
    g_k: Any
    status: Any


# ---- fun on NumPy values ----------------------------------------------------------------------
def _not_differentiable(name: str) -> TypeError:
    return TypeError(f"{name}: the result is not differentiable (as in jax.scipy.optimize): x0, "
                     "args or a value fun closes over is traced by a transform (tg.grad, tg.jvp, "
                     "...). To differentiate a minimizer, wrap it in tg.lax.custom_root with the "
                     "gradient as f, or compute it outside the transform")


def _jit_error(name: str) -> ConcretizationError:
    return ConcretizationError(
        f"{name}: fun closes over a value traced by tg.jit, so the iterations could not be "
        "replayed on new values; pass that value in args (or as x0), or call it outside the "
        "jitted function")


def _value_grad(name: str, fun: Callable) -> Callable:
    """``x -> (f, g)`` on float64 NumPy values, through ``tg.value_and_grad``."""
    vg = value_and_grad(fun)

    def evaluate(x):
        f, g = vg(x)
        for v in (f, g):
            if traced_level(v) >= 0:
                raise _not_differentiable(name)
            if find_staged(concrete(v)) is not None:
                raise _jit_error(name)
        f, g = np.asarray(concrete(f)), np.asarray(concrete(g), dtype=np.float64)
        if f.shape != ():
            raise TypeError(f"{name}: fun must return a scalar, got shape {f.shape}")
        if g.shape != np.shape(x):
            raise ValueError(f"{name}: the gradient has shape {g.shape}, expected {np.shape(x)}")
        return np.float64(f), g
    return evaluate


# ---- JAX's line search, on values -------------------------------------------------------------
def _cubicmin(a, fa, fpa, b, fb, c, fc):
    db, dc = b - a, c - a
    denom = (db * dc) ** 2 * (db - dc)
    d1 = np.array([[dc ** 2, -db ** 2], [-dc ** 3, db ** 3]])
    A, B = (d1 @ np.array([fb - fa - fpa * db, fc - fa - fpa * dc])) / denom
    return a + (-B + np.sqrt(B * B - 3.0 * A * fpa)) / (3.0 * A)


def _quadmin(a, fa, fpa, b, fb):
    db = b - a
    B = (fb - fa - fpa * db) / db ** 2
    return a - fpa / (2.0 * B)


def _zoom(phi, wolfe_one, wolfe_two, lo, hi, g0):
    """Algorithm 3.6: ``lo``/``hi`` are (a, phi, dphi) brackets; returns
    (failed, (a*, phi*, dphi*, g*), evaluations)."""
    (a_lo, p_lo, d_lo), (a_hi, p_hi, _) = lo, hi   # (the slope at a_hi is never used)
    a_rec, p_rec = (a_lo + a_hi) / 2.0, (p_lo + p_hi) / 2.0
    star = (np.float64(1.0), p_lo, d_lo, g0)
    done = failed = False
    j = nfev = 0
    while not done and not failed:
        dalpha = a_hi - a_lo
        lo_end, hi_end = min(a_hi, a_lo), max(a_hi, a_lo)
        failed = bool(dalpha <= 1e-10)   # (a bracket given high end first fails here, as JAX)
        a_cub = _cubicmin(a_lo, p_lo, d_lo, a_hi, p_hi, a_rec, p_rec)
        if j > 0 and lo_end + 0.2 * dalpha < a_cub < hi_end - 0.2 * dalpha:
            a_j = a_cub
        else:
            a_quad = _quadmin(a_lo, p_lo, d_lo, a_hi, p_hi)
            if lo_end + 0.1 * dalpha < a_quad < hi_end - 0.1 * dalpha:
                a_j = a_quad
            else:
                a_j = (a_lo + a_hi) / 2.0
        p_j, d_j, g_j = phi(a_j)
        nfev += 1
        hi_to_j = wolfe_one(a_j, p_j) or p_j >= p_lo
        star_to_j = wolfe_two(d_j) and not hi_to_j
        hi_to_lo = d_j * (a_hi - a_lo) >= 0.0 and not hi_to_j and not star_to_j
        lo_to_j = not hi_to_j and not star_to_j
        if hi_to_j:
            a_rec, p_rec = a_hi, p_hi
            a_hi, p_hi = a_j, p_j
        if star_to_j:
            done, star = True, (a_j, p_j, d_j, g_j)
        if hi_to_lo:
            a_rec, p_rec = a_hi, p_hi
            a_hi, p_hi = a_lo, p_lo
        if lo_to_j and not hi_to_lo:
            a_rec, p_rec = a_lo, p_lo
        if lo_to_j:
            a_lo, p_lo, d_lo = a_j, p_j, d_j
        j += 1
        failed = failed or j >= 30
    return failed, star, nfev


def _line_search(vg, xk, pk, old_fval, old_old_fval, gfk, c1, c2, maxiter):
    """JAX's Algorithm 3.5 on values: a tuple in ``LineSearchResults``' order."""
    def phi(t):
        f, g = vg(xk + np.float64(t) * pk)
        return f, np.float64(g @ pk), g

    fresh = old_fval is None or gfk is None
    if fresh:
        phi0, dphi0, gfk = phi(0.0)
    else:
        phi0, dphi0 = np.float64(old_fval), np.float64(gfk @ pk)
    if old_old_fval is not None:
        cand = 1.01 * 2 * (phi0 - np.float64(old_old_fval)) / dphi0
        start = 1.0 if cand > 1 else cand
    else:
        start = 1.0

    def wolfe_one(a, p):   # the first (sufficient decrease) condition fails
        return bool(p > phi0 + c1 * a * dphi0)

    def wolfe_two(d):      # the curvature condition holds
        return bool(abs(d) <= -c2 * dphi0)

    done = failed = False
    i, nfev = 1, int(fresh)
    prev = (np.float64(0.0), phi0, dphi0)
    star = (np.float64(0.0), phi0, dphi0, gfk)
    while not done and i <= maxiter and not failed:
        a_i = np.float64(start if i == 1 else prev[0] * 2.0)
        p_i, d_i, g_i = phi(a_i)
        nfev += 1
        to_zoom1 = wolfe_one(a_i, p_i) or (p_i >= prev[1] and i > 1)
        to_i = wolfe_two(d_i) and not to_zoom1
        to_zoom2 = d_i >= 0.0 and not to_zoom1 and not to_i
        if to_zoom1 or to_zoom2:
            lo, hi = (prev, (a_i, p_i, d_i)) if to_zoom1 else ((a_i, p_i, d_i), prev)
            z_failed, star, n = _zoom(phi, wolfe_one, wolfe_two, lo, hi, gfk)
            nfev += n
            done, failed = True, z_failed
        elif to_i:
            done, star = True, (a_i, p_i, d_i, g_i)
        i += 1
        prev = (a_i, p_i, d_i)
    status = 1 if failed else (3 if i > maxiter else 0)
    return (failed or not done, i - 1, nfev, nfev, i, np.float64(star[0]), np.float64(star[1]),
            np.asarray(star[3], dtype=np.float64), status)


# ---- BFGS -------------------------------------------------------------------------------------
def _bfgs(vg, x0, maxiter, norm, gtol, line_search_maxiter):
    """JAX's BFGS on values: (x, success, status, f, g, H, nfev, ngev, nit)."""
    d = x0.shape[0]
    f, g = vg(x0)
    x, H = x0, np.eye(d)
    converged = bool(np.linalg.norm(g, ord=norm) < gtol)
    failed, k, nfev, ls_status = False, 0, 1, 0
    old_old = f + np.linalg.norm(g) / 2
    while not converged and not failed and k < maxiter:
        p = -(H @ g)
        ls = _line_search(vg, x, p, f, old_old, g, 1e-4, 0.9, line_search_maxiter)
        failed, ls_status = ls[0], ls[8]
        nfev += ls[2]
        s = ls[5] * p
        x_new, f_new, g_new = x + s, ls[6], ls[7]
        y = g_new - g
        rho = np.float64(1.0) / (y @ s)
        if np.isfinite(rho):
            w = np.eye(d) - rho * np.outer(s, y)
            H = np.einsum("ij,jk,lk", w, H, w) + rho * np.outer(s, s)
        converged = bool(np.linalg.norm(g_new, ord=norm) < gtol)
        old_old, x, f, g, k = f, x_new, f_new, g_new, k + 1
    status = 0 if converged else (1 if k == maxiter else (2 + ls_status if failed else -1))
    return x, converged and not failed, status, f, g, H, nfev, nfev, k


# ---- the public functions ---------------------------------------------------------------------
def _point(name: str, what: str, x, one_d: bool = True):
    if traced_level(x) >= 0:
        raise _not_differentiable(name)
    v = concrete(x)
    if find_staged(v) is None:
        v = np.asarray(v)
    if one_d and len(shape_of(v)) != 1:
        raise ValueError(f"{name}: {what} must be a 1-D array (shape (n,)), as in "
                         f"jax.scipy.optimize, got shape {shape_of(v)}")
    kind = np.dtype(dtype_of(v)).kind
    if kind == "c":
        raise TypeError(f"{name}: complex {what} is not supported")
    if kind not in "fc" and find_staged(v) is None:
        v = v.astype(np.float64)
    return v


def _plain_args(name: str, args) -> list:
    leaves, _ = tree_flatten(args)
    if any(traced_level(v) >= 0 for v in leaves):
        raise _not_differentiable(name)
    return [concrete(v) for v in leaves]


def _run(body, x, leaves, td):
    """``body(fun_with_args values)`` on values, or as one step of a jit plan when staged."""
    def go(xv, lv):
        with np.errstate(**_ERR):
            return list(body(np.asarray(xv, dtype=np.float64), tree_unflatten(td, list(lv))))
    if find_staged([x, leaves]) is None:
        return go(x, leaves)
    return list(call(go, x, leaves))


def minimize(fun: Callable, x0, args: tuple = (), *, method: str, tol: float | None = None,
             options: Mapping[str, Any] | None = None) -> OptimizeResults:
    """``jax.scipy.optimize.minimize``: minimizes ``fun(x, *args)`` over a 1-D ``x`` from
    ``x0`` with ``method="BFGS"`` (any case), returning ``OptimizeResults``.

    ``options``: ``maxiter`` (default ``200 · size(x0)``), ``norm`` (of the gradient for the
    stopping test, default ``inf``), ``gtol`` (default ``1e-5``), ``line_search_maxiter``
    (default 10). ``tol`` is ignored, as in JAX. Not differentiable (see the module); works
    under ``tg.vmap`` and, with the traced values passed in ``x0``/``args``, ``tg.jit``."""
    options = {} if options is None else dict(options)
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to tg.scipy.optimize.minimize must be a tuple, got {args}")
    if not isinstance(method, str):
        raise TypeError(f"minimize: method must be a string such as 'BFGS', got {method!r}")
    if method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized (tg.scipy.optimize.minimize supports "
                         "'BFGS'; jax.scipy.optimize.minimize's experimental L-BFGS method is "
                         "not available: use method='BFGS', or scipy.optimize.minimize with "
                         "jac=tg.grad(fun))")
    known = {"maxiter", "norm", "gtol", "line_search_maxiter"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"minimize: unknown BFGS options {unknown}; the options are {sorted(known)}")
    x = _point("minimize", "x0", x0)
    dtype = np.dtype(dtype_of(x))
    leaves, td = tree_flatten(args)
    leaves = _plain_args("minimize", args)
    maxiter = options.get("maxiter")
    maxiter = 200 * shape_of(x)[0] if maxiter is None else int(maxiter)
    norm, gtol = options.get("norm", np.inf), float(options.get("gtol", 1e-5))
    ls_maxiter = int(options.get("line_search_maxiter", 10))

    def body(xv, a):
        vg = _value_grad("minimize", lambda v: fun(v, *a))
        out = _bfgs(vg, xv, maxiter, norm, gtol, ls_maxiter)
        return [np.asarray(out[0], dtype), np.asarray(out[1]), np.asarray(out[2]),
                np.asarray(out[3], dtype), np.asarray(out[4], dtype), np.asarray(out[5], dtype),
                np.asarray(out[6]), np.asarray(out[7]), np.asarray(out[8])]
    return OptimizeResults(*_run(body, x, leaves, td))


def line_search(f: Callable, xk, pk, old_fval=None, old_old_fval=None, gfk=None, c1=1e-4,
                c2=0.9, maxiter=20) -> LineSearchResults:
    """JAX's inexact line search along ``pk`` from ``xk`` satisfying the strong Wolfe
    conditions (Nocedal and Wright's Algorithm 3.5), returning ``LineSearchResults``.
    ``old_fval`` and ``gfk`` (both, or the value and gradient are computed) are ``f`` and its
    gradient at ``xk``; ``old_old_fval``, the previous value, sets the first trial step as in
    SciPy (otherwise 1)."""
    xv = _point("line_search", "xk", xk)
    pv = _point("line_search", "pk", pk)
    if shape_of(xv) != shape_of(pv):
        raise ValueError(f"line_search: xk and pk must have the same shape, got {shape_of(xv)} "
                         f"and {shape_of(pv)}")
    extras = [None if v is None else _point("line_search", name, v, one_d=False)
              for name, v in (("old_fval", old_fval), ("old_old_fval", old_old_fval),
                              ("gfk", gfk))]
    dtype = np.result_type(np.dtype(dtype_of(xv)), np.dtype(dtype_of(pv)))
    c1, c2, maxiter = float(c1), float(c2), int(maxiter)

    def body(x, parts):
        p, fo, foo, g = parts
        vg = _value_grad("line_search", f)
        out = _line_search(vg, x, np.asarray(p, dtype=np.float64),
                           None if fo is None else np.float64(fo),
                           None if foo is None else np.float64(foo),
                           None if g is None else np.asarray(g, dtype=np.float64), c1, c2, maxiter)
        return [np.asarray(out[0]), np.asarray(out[1]), np.asarray(out[2]), np.asarray(out[3]),
                np.asarray(out[4]), np.asarray(out[5], dtype), np.asarray(out[6], dtype),
                np.asarray(out[7], dtype), np.asarray(out[8])]
    pl, ptd = tree_flatten([pv] + extras)
    return LineSearchResults(*_run(body, xv, pl, ptd))
