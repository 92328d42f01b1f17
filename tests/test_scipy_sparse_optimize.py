"""tg.scipy.sparse.linalg (cg, gmres, bicgstab) and tg.scipy.optimize (minimize BFGS,
line_search) against jax.scipy's values, iterates and gradients (x64) and SciPy's solutions;
pytrees, preconditioners, vmap, jit, and the errors."""
import jax
import jax.numpy as jnp
import jax.scipy.optimize as jso
import jax.scipy.sparse.linalg as jsl
import numpy as np
import pytest
import scipy.optimize as so
from jax._src.scipy.optimize.line_search import line_search as jax_line_search

import tensorgrad as tg
from tensorgrad.scipy import optimize as topt
from tensorgrad.testing import default_xla_options
from tensorgrad.scipy.sparse import linalg as tsl

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(7)
N = 6
_Q = RNG.normal(size=(N, N))
SPD = _Q @ _Q.T + N * np.eye(N)
GEN = RNG.normal(size=(N, N)) + 4 * np.eye(N)
B = RNG.normal(size=N)
SOLVERS = ["cg", "gmres", "bicgstab"]


def _matrix(name):
    return SPD if name == "cg" else GEN


def _max(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


# ---- values and iterates -------------------------------------------------------------------
@pytest.mark.parametrize("name", SOLVERS)
def test_solvers_match_jax_iterates(name):
    A = _matrix(name)
    for kw in [{"maxiter": 2}, {"maxiter": 3, "x0": np.ones(N), "atol": 1e-3, "tol": 0.0}]:
        x = getattr(tsl, name)(A, B, **kw)[0]
        xj = getattr(jsl, name)(jnp.asarray(A), jnp.asarray(B), **kw)[0]
        assert _max(x, xj) < 1e-12, (name, kw)
    x = getattr(tsl, name)(lambda v: A @ v, B, tol=1e-12)[0]
    assert _max(x, np.linalg.solve(A, B)) < 1e-9
    assert _max(A @ getattr(tsl, name)(A, B, tol=1e-12)[0], B) < 1e-10


@pytest.mark.parametrize("method", ["batched", "incremental"])
def test_gmres_restart_cycles_match_jax(method):
    kw = {"restart": 3, "maxiter": 2}
    x, info = tsl.gmres(GEN, B, solve_method=method, **kw)
    xj, infoj = jsl.gmres(jnp.asarray(GEN), jnp.asarray(B), solve_method=method, **kw)
    assert _max(x, xj) < 1e-12 and int(info) == int(infoj) == 0
    x, info = tsl.gmres(GEN, B, solve_method=method, restart=4, tol=1e-12)
    assert _max(GEN @ x, B) < 1e-10 and int(info) == 0


def test_preconditioner_and_pytrees():
    M = np.diag(1.0 / np.diag(SPD))
    for name in SOLVERS:
        A = _matrix(name)
        x = getattr(tsl, name)(A, B, M=M, maxiter=2)[0]
        xj = getattr(jsl, name)(jnp.asarray(A), jnp.asarray(B), M=jnp.asarray(M), maxiter=2)[0]
        assert _max(x, xj) < 1e-12
        assert getattr(tsl, name)(A, B)[1] is None or name == "gmres"
    # a dict right-hand side and a function on it: [[2, 1], [1, 3]] blocks
    b = {"u": np.array([1.0, 2.0]), "w": np.array([[0.5]])}

    def op(t):
        # the symmetric positive definite [[2, 0, 1], [0, 2, 1], [1, 1, 3]]
        return {"u": 2 * t["u"] + t["w"][0, 0], "w": (tg.sum(t["u"]) + 3 * t["w"][0]).reshape(1, 1)}
    want = np.linalg.solve([[2, 0, 1], [0, 2, 1], [1, 1, 3.0]], [1.0, 2.0, 0.5])
    for name in SOLVERS:
        x = getattr(tsl, name)(op, b, tol=1e-12)[0]
        assert set(x) == {"u", "w"} and x["w"].shape == (1, 1)
        assert _max(x["u"], want[:2]) < 1e-10 and _max(x["w"], want[2:]) < 1e-10
        r = op(x)
        assert _max(r["u"], b["u"]) < 1e-9 and _max(r["w"], b["w"]) < 1e-9


# ---- derivatives -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", SOLVERS)
def test_gradients_match_jax(name):
    A = _matrix(name)

    def f(M, v):
        return tg.sum(getattr(tsl, name)(M, v, tol=1e-12)[0] ** 3)

    def f_fn(M, v):   # a function closing over the traced matrix
        return tg.sum(getattr(tsl, name)(lambda x: M @ x, v, tol=1e-12)[0] ** 3)
    # the exact derivatives of sum(x³), x = A⁻¹b (what JAX's implicit solves give)
    x = np.linalg.solve(A, B)
    gb = np.linalg.solve(A.T, 3 * x ** 2)
    for fun in (f, f_fn):
        got = tg.grad(fun, argnums=(0, 1))(A, B)
        assert _max(got[0], -np.outer(gb, x)) < 1e-8 and _max(got[1], gb) < 1e-8
    ainv = np.linalg.inv(A)
    h = tg.hessian(lambda v: f(A, v))(B)
    assert _max(h, ainv.T @ np.diag(6 * x) @ ainv) < 1e-8
    t = tg.jvp(lambda M: f(M, B), (A,), (GEN,))[1]
    assert abs(t - 3 * x ** 2 @ -np.linalg.solve(A, GEN @ x)) < 1e-8


@pytest.mark.parametrize("name", SOLVERS)
def test_vmap_and_jit(name):
    A = _matrix(name)
    bs = np.stack([B, 2 * B + 1, -B])
    solve = lambda M, v: getattr(tsl, name)(M, v, tol=1e-12)[0]  # noqa: E731
    got = tg.vmap(lambda v: solve(A, v))(bs)
    assert _max(got, np.linalg.solve(A, bs.T).T) < 1e-9
    jf = tg.jit(solve)
    jf(A, B)
    A2 = A + np.eye(N)
    assert _max(jf(A2, B + 1), np.linalg.solve(A2, B + 1)) < 1e-9   # replayed on new values
    assert jf.cache_size() == 1
    f = lambda M, v: tg.sum(solve(M, v) ** 2)  # noqa: E731
    jg = tg.jit(tg.grad(f, argnums=(0, 1)))
    jg(A, B)
    got = jg(A2, B + 1)
    x = np.linalg.solve(A2, B + 1)
    gb = np.linalg.solve(A2.T, 2 * x)
    assert _max(got[0], -np.outer(gb, x)) < 1e-8 and _max(got[1], gb) < 1e-8
    with pytest.raises(tg.ConcretizationError, match=name):   # a function closing over a traced W
        tg.jit(lambda W, v: getattr(tsl, name)(lambda x: W @ x, v)[0])(A, B)


def test_solver_errors_name_the_function():
    with pytest.raises(ValueError, match="cg: .*square"):
        tsl.cg(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="gmres: x0 and b must have matching tree structure"):
        tsl.gmres(lambda v: v, [np.ones(2)], x0=(np.ones(2),))
    with pytest.raises(ValueError, match="bicgstab: arrays in x0 and b must have matching shapes"):
        tsl.bicgstab(lambda v: v, np.ones(2), x0=np.ones(3))
    with pytest.raises(ValueError, match="cg: A is a matrix of shape"):
        tsl.cg(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match=r"bicgstab: A\(x\) must return"):
        tsl.bicgstab(lambda v: v[:1], np.ones(2))
    with pytest.raises(TypeError, match="cg: A must be a function"):
        tsl.cg([[1.0]], np.ones(1))
    with pytest.raises(ValueError, match="solve_method"):
        tsl.gmres(np.eye(2), np.ones(2), solve_method="qr")
    b = np.ones(N)
    b.flags.writeable = False   # a read-only input is fine and stays untouched
    x0 = np.zeros(N)
    with np.errstate(all="raise"):
        tsl.cg(SPD, b, x0=x0)
        assert np.all(tsl.cg(SPD, np.zeros(N))[0] == 0)   # b = 0: no division by zero
    assert np.all(x0 == 0) and not b.flags.writeable


# ---- minimize and line_search -----------------------------------------------------------------
def rosen(x, xp=tg):
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


_A = _Q[:4, :4] @ _Q[:4, :4].T + np.eye(4)
CASES = [(rosen, lambda x: rosen(x, jnp), np.array([-1.2, 1.0, 0.5, 0.3])),
         (lambda x: 0.5 * x @ _A @ x + tg.sum(x), lambda x: 0.5 * x @ _A @ x + jnp.sum(x), np.zeros(4)),
         (lambda x: (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2,
          lambda x: (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2, np.array([0.1, -0.3]))]


@pytest.mark.parametrize("case,opts", [(0, None), (1, {"gtol": 1e-7, "norm": 2}),
                                       (2, {"maxiter": 3})])
def test_minimize_matches_jax(case, opts):
    f, fj, x0 = CASES[case]
    r = topt.minimize(f, x0, method="BFGS", options=opts)
    rj = jso.minimize(fj, jnp.asarray(x0), method="BFGS", options=opts)
    for k in r._fields:   # every field, the failures too (JAX's zoom fails on the quadratic)
        assert _max(getattr(r, k), getattr(rj, k)) < 1e-8, (opts, k)


def test_minimize_finds_scipys_minimum():
    f, _, x0 = CASES[0]
    r = topt.minimize(f, x0, method="bfgs")
    ref = so.minimize(lambda x: float(f(x)), x0, jac=lambda x: np.asarray(tg.grad(f)(x)),
                      method="BFGS", options={"gtol": 1e-10})
    assert bool(r.success) and int(r.status) == 0 and int(r.nit) > 10
    assert _max(r.x, ref.x) < 1e-6 and abs(float(r.fun) - ref.fun) < 1e-10
    assert np.max(np.abs(r.jac)) < 1e-5 and _max(r.jac, tg.grad(f)(r.x)) < 1e-12


def test_minimize_args_results_vmap_jit():
    fun = lambda x, a: tg.sum((x - a) ** 2) + tg.sum(x ** 4)  # noqa: E731
    r = topt.minimize(fun, np.zeros(2), (np.array([1.0, 2.0]),), method="BFGS")
    rj = jso.minimize(lambda x, a: jnp.sum((x - a) ** 2) + jnp.sum(x ** 4), jnp.zeros(2),
                      (jnp.array([1.0, 2.0]),), method="BFGS")
    assert isinstance(r, topt.OptimizeResults) and r._fields == rj._fields
    assert _max(r.x, rj.x) < 1e-12 and int(r.nit) == int(rj.nit) and int(r.nfev) == int(rj.nfev)
    a2 = np.array([[1.0, 2.0], [3.0, -1.0]])
    got = tg.vmap(lambda a: topt.minimize(fun, np.zeros(2), (a,), method="BFGS").x)(a2)
    want = [topt.minimize(fun, np.zeros(2), (a,), method="BFGS").x for a in a2]
    assert _max(got, want) < 1e-14
    jm = tg.jit(lambda x0, a: topt.minimize(fun, x0, (a,), method="BFGS").x)
    jm(np.zeros(2), a2[0])
    assert _max(jm(np.zeros(2), a2[1]), want[1]) < 1e-14 and jm.cache_size() == 1
    with pytest.raises(tg.ConcretizationError, match="minimize: fun closes over"):
        tg.jit(lambda a: topt.minimize(lambda x: tg.sum((x - a) ** 2), np.zeros(2),
                                       method="BFGS").x)(a2[0])
    with pytest.raises(TypeError, match="not differentiable"):
        tg.grad(lambda a: topt.minimize(fun, np.zeros(2), (a,), method="BFGS").fun)(a2[0])


def test_minimize_errors():
    f = lambda x: tg.sum(x ** 2)  # noqa: E731
    with pytest.raises(ValueError, match="1-D"):
        topt.minimize(f, np.zeros((2, 2)), method="BFGS")
    with pytest.raises(ValueError, match="not recognized"):
        topt.minimize(f, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(ValueError, match="experimental L-BFGS method is not available"):
        topt.minimize(f, np.zeros(2), method="l-bfgs-experimental-do-not-rely-on-this")
    with pytest.raises(TypeError, match="must be a tuple"):
        topt.minimize(lambda x, a: f(x), np.zeros(2), args=[1.0], method="BFGS")
    with pytest.raises(TypeError, match="unknown BFGS options"):
        topt.minimize(f, np.zeros(2), method="BFGS", options={"maxfev": 3})
    r = topt.minimize(f, np.array([1, 2]), method="BFGS")   # integers: in float64
    assert r.x.dtype == np.float64 and _max(r.x, 0) < 1e-8


def test_line_search_matches_jax():
    x = np.array([-1.2, 1.0, 0.4])
    g = np.asarray(jax.grad(lambda v: rosen(v, jnp))(x))
    for kw in [{"c2": 0.1}, {"old_fval": float(rosen(x)), "gfk": g, "maxiter": 1,
                             "old_old_fval": float(rosen(x)) + 5.0}]:
        res = topt.line_search(rosen, x, -g, **kw)
        ref = jax_line_search(lambda v: rosen(v, jnp), jnp.asarray(x), jnp.asarray(-g), **kw)
        for k in res._fields:
            assert _max(getattr(res, k), getattr(ref, k)) < 1e-10, (kw, k)
    res = topt.line_search(rosen, x, -g)
    a = float(res.a_k)   # the strong Wolfe conditions hold
    assert float(rosen(x - a * g)) <= float(rosen(x)) - 1e-4 * a * g @ g
    assert abs(np.asarray(tg.grad(rosen)(x - a * g)) @ g) <= 0.9 * g @ g


def test_gmres_of_a_singular_system_gives_nan_and_info_minus_one_as_jax():
    # (ported from JAX's lax_scipy_sparse tests) a singular Hessenberg system is no LinAlgError
    A, b = np.diag([1.0, 0.0, 1.0]), np.ones(3)
    for method in ("batched", "incremental"):
        x, info = tg.scipy.sparse.linalg.gmres(A, b, solve_method=method)
        # (XLA's default compilation: unoptimized, JAX's singular solve gives finite garbage)
        xj, infoj = jax.jit(lambda A, b: jsl.gmres(A, b, solve_method=method),
                            compiler_options=default_xla_options())(A, b)
        assert np.isnan(np.asarray(x)).all() and np.isnan(np.asarray(xj)).all()
        assert int(info) == int(infoj) == -1
