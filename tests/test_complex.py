"""The complex table: every op registered with ``complex=True``, on complex inputs, against
JAX (value, VJP, JVP, the adjoint identity under JAX's pairing Re Σ a·b, forward over
reverse), plus the engine's complex rules: grad's convention, holomorphic=True, real
inputs meeting complex values, and ops without complex rules refusing complex values."""
import warnings

import numpy as np
import pytest
import scipy.special as ss

import tensorgrad as tg
from tensorgrad.testing import complex_cases, jax_reference
from tensorgrad.utils.checkpoint import checkpoint as torch_checkpoint

import jax  # (JAX must import: no skip)
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

CASES = complex_cases(seed=0)

#: ops whose complex derivative JAX gets wrong somewhere: checked against central differences
#: of the forward instead (their value is still compared with JAX's)
JAX_DIFFERS = {
    # JAX 0.10 differentiates arccosh as 1/√((z − 1)(z + 1)), which has the wrong sign for
    # Re z < 0; the principal branch's derivative is 1/(√(z − 1)·√(z + 1)), as NumPy's arccosh
    "arccosh": "the sign of JAX's slope for Re z < 0",
    # compiled with the suite's --xla_backend_optimization_level=0, JAX 0.10's VJP of a stack
    # of complex SVDs is wrong for the second matrix (central differences, eager JAX and JAX
    # compiled with the default level agree with tensorgrad); test_svd_of_complex_matrices
    # compares with eager JAX
    "svd": "JAX's compiled VJP of a stack of complex SVDs at optimization level 0",
}


def _central_jvp(f, xs, v, h=1e-6):
    """(f(x + h v) − f(x − h v)) / 2h: the directional derivative, also for complex x and v."""
    plus = f(*[x + h * t for x, t in zip(xs, v)])
    minus = f(*[x - h * t for x, t in zip(xs, v)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * h)


def _probe(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    return a + 1j * rng.normal(size=shape) if np.dtype(dtype).kind == "c" else a


def _jax_parts(case, u, v):
    ref = jax_reference(case.op)
    fj = case.fn(lambda *a, **p: ref(*[jnp.asarray(x) if isinstance(x, np.ndarray) else x
                                       for x in a], **p))

    def parts(xs, u, v):
        out = {"value": fj(*xs), "vjp": jax.vjp(fj, *xs)[1](u), "jvp": jax.jvp(fj, tuple(xs), tuple(v))[1]}
        if case.op.second_order:
            out["fwd_rev"] = jax.jvp(lambda *ys: jax.vjp(fj, *ys)[1](u), tuple(xs), tuple(v))[1]
        return out
    try:
        return jax.tree_util.tree_map(np.asarray, jax.jit(parts)(case.diff_args, u, v))
    except Exception:  # a reference that needs concrete values: eagerly
        return jax.tree_util.tree_map(np.asarray, parts(case.diff_args, u, v))


def _close(a, b, tol):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_complex_rules_match_jax(case):
    f = case.fn(case.op)
    xs = case.diff_args
    out = f(*xs)
    u = _probe(np.shape(out), np.result_type(out), 1)
    v = [_probe(np.shape(x), np.result_type(x), 2 + k) for k, x in enumerate(xs)]
    want = _jax_parts(case, u, v)
    tol = max(case.op.tol, 1e-9)
    _close(out, want["value"], tol)
    if case.op.name in JAX_DIFFERS:
        _, t = tg.jvp(f, tuple(xs), tuple(v))
        _close(t, _central_jvp(f, xs, v), 1e-6)
        got = tg.vjp(f, *xs)[1](u)
        lhs = np.real(np.sum(u * t))
        assert np.isclose(lhs, sum(np.real(np.sum(g * vk)) for g, vk in zip(got, v)), rtol=1e-9)
        return
    y, f_vjp = tg.vjp(f, *xs)
    got = f_vjp(u)
    for g, w, x in zip(got, want["vjp"], xs):
        assert np.result_type(g) == np.result_type(x), "a cotangent has its input's dtype"
        _close(g, w, tol)
    _, t = tg.jvp(f, tuple(xs), tuple(v))
    assert np.iscomplexobj(t) == np.iscomplexobj(out), "a tangent has its output's kind"
    _close(t, want["jvp"], tol)
    # the adjoint identity under JAX's pairing: Re Σ u·(J v) = Re Σ (Jᵀu)·v
    lhs = np.real(np.sum(u * t))
    rhs = sum(np.real(np.sum(g * vk)) for g, vk in zip(got, v))
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-9)
    if case.op.second_order:
        _, h = tg.jvp(lambda *ys: tg.vjp(f, *ys)[1](u), tuple(xs), tuple(v))
        for a, b in zip(h, want["fwd_rev"]):
            _close(a, b, max(tol, 1e-8))


def test_every_complex_op_is_in_the_table():
    ops = {c.op.name for c in CASES}
    assert {"add", "multiply", "abs", "real_part", "imag_part", "conj_part", "complex", "angle",
            "matmul", "sum", "exp", "fft_c2c", "rfft", "irfft", "inv", "solve", "det"} <= ops
    # every op but those of real inputs is checked on complex inputs (not only real ones)
    on_complex = {c.op.name for c in CASES if any(np.iscomplexobj(a) for a in c.diff_args)}
    # (nan_slope's examples differentiate nothing: its NaN slope is checked below)
    assert ops - on_complex == {"complex", "rfft", "nan_slope"}


def test_second_derivatives_at_a_complex_branch_point_are_nan_not_an_error():
    # √z, z^p and rsqrt at 0 have no slope: a second derivative is NaN there (as JAX's),
    # the other entries JAX's values; it raised "nan_slope: cannot differentiate through
    # complex values" for the whole array before
    z = np.array([0j, 1 + 1j])
    for f, fj in ((lambda m, w: m.sqrt(w), lambda w: jnp.sqrt(w)),
                  (lambda m, w: w ** (0.5 + 1j), lambda w: w ** (0.5 + 1j))):
        def inner(w, f=f):
            return tg.real(tg.sum(f(tg, w)))

        def inner_j(w, fj=fj):
            return jnp.real(jnp.sum(fj(w)))
        got = tg.grad(lambda v: tg.real(tg.sum(tg.grad(inner)(v))))(z)
        want = jax.grad(lambda v: jnp.real(jnp.sum(jax.grad(inner_j)(v))))(jnp.asarray(z))
        assert np.isnan(got[0].real) and np.isnan(got[0].imag)
        _close(got[1:], np.asarray(want)[1:], 1e-10)
    t = tg.tensor(z, requires_grad=True)
    g, = tg.autograd.grad(t.sqrt().real.sum(), t, create_graph=True)
    g2, = tg.autograd.grad(g.real.sum(), t)
    assert np.isnan(g2[0]) and np.isfinite(g2[1])


# ---- the engine's rules, against JAX -----------------------------------------------------

Z = np.array([3 + 4j, 1 - 2j, -0.5 + 0.25j])


@pytest.mark.parametrize("name,fn", [
    ("abs2", lambda m, z: m.sum(m.abs(z) ** 2)),
    ("real_of_square", lambda m, z: m.sum(m.real(z * z))),
    ("angle_mix", lambda m, z: m.sum(m.real(m.angle(z) * m.conj(z) + m.imag(z)))),
    ("exp_sin", lambda m, z: m.sum(m.abs(m.exp(z) * m.sin(z) / (z + 2)))),
    ("matmul", lambda m, z: m.sum(m.abs(m.outer(z, z) @ z))),
])
def test_grad_of_real_function_of_complex_input(name, fn):
    g = tg.grad(lambda z: fn(tg, z))(Z)
    want = jax.grad(lambda z: fn(jnp, z))(Z)
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g, want, rtol=1e-12)
    # ∂f/∂x − i ∂f/∂y, by central differences on the real and imaginary parts
    e = 1e-6
    for k in range(3):
        d = np.zeros(3, complex)
        d[k] = e
        fx = (fn(np, Z + d) - fn(np, Z - d)) / (2 * e)
        fy = (fn(np, Z + 1j * d) - fn(np, Z - 1j * d)) / (2 * e)
        assert abs(g[k] - (fx - 1j * fy)) < 1e-6


def test_real_input_meeting_complex_values_keeps_the_real_part():
    f = lambda m, x: m.real(m.sum(m.exp(1j * x) * (2 - 1j) * x))  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    g = tg.grad(lambda x: f(tg, x))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, jax.grad(lambda x: f(jnp, x))(x), rtol=1e-12)
    # a complex cotangent into a real-output op (abs, real) is taken as its real part first
    h = lambda m, z: m.real(1j * m.abs(z) + (1 + 2j) * m.real(z) + 1j * m.imag(z))  # noqa: E731
    np.testing.assert_allclose(tg.grad(lambda z: tg.sum(h(tg, z)))(Z),
                               jax.grad(lambda z: jnp.sum(h(jnp, z)))(Z), rtol=1e-12)


def test_holomorphic_grad_and_jacobians():
    f = lambda m, z: m.exp(z) * z ** 2  # noqa: E731
    np.testing.assert_allclose(tg.grad(lambda z: f(tg, z), holomorphic=True)(1 + 2j),
                               jax.grad(lambda z: f(jnp, z), holomorphic=True)(1 + 2j), rtol=1e-12)
    for tgj, jj in ((tg.jacrev, jax.jacrev), (tg.jacfwd, jax.jacfwd)):
        np.testing.assert_allclose(tgj(lambda z: f(tg, z), holomorphic=True)(Z),
                                   jj(lambda z: f(jnp, z), holomorphic=True)(Z), rtol=1e-12)
    # jacrev of a real function of complex inputs (no holomorphic needed), as JAX
    np.testing.assert_allclose(tg.jacrev(lambda z: tg.abs(z))(Z), jax.jacrev(jnp.abs)(Z), rtol=1e-12)
    # holomorphic=True with a real output (any leaf): refused by both, as JAX (jacfwd took the
    # real direction's derivative alone)
    for jac in (tg.jacrev, tg.jacfwd):
        for g in (lambda z: tg.abs(z) ** 2, lambda z: (z * 2, tg.abs(z))):
            with pytest.raises(TypeError, match="holomorphic=True needs complex outputs, got dtype float64"):
                jac(g, holomorphic=True)(Z)
    # hessian of a real function of real inputs through complex intermediates
    q = lambda m, x: m.sum(m.abs(m.exp(1j * x) + x) ** 2)  # noqa: E731
    x = np.array([0.1, 0.7])
    np.testing.assert_allclose(tg.hessian(lambda x: q(tg, x))(x), jax.hessian(lambda x: q(jnp, x))(x),
                               rtol=1e-10)


def test_complex_under_jit_and_linearize():
    f = lambda m, z: m.sum(m.abs(m.sin(z) * m.conj(z)) ** 2)  # noqa: E731
    want = jax.grad(lambda z: f(jnp, z))(Z)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda z: f(tg, z)))(Z), want, rtol=1e-12)
    y, f_jvp = tg.linearize(lambda z: tg.exp(z) * z, Z)
    np.testing.assert_allclose(f_jvp(Z), jax.jvp(lambda z: jnp.exp(z) * z, (Z,), (Z,))[1], rtol=1e-12)


def test_ops_without_complex_rules_refuse_complex_values():
    unflagged = [op for op in tg.REGISTRY.values() if op.kind != "none" and not op.complex]
    assert len(unflagged) > 100
    for fn in (lambda z: tg.nn.relu(z), lambda z: tg.erf(z), lambda z: tg.nn.gelu(z)):
        with pytest.raises(TypeError, match="complex"):
            tg.grad(lambda z: tg.sum(tg.abs(fn(z))))(Z)
    # a complex constant turning a real value complex inside an op without complex rules
    with pytest.raises(TypeError, match="relu: cannot differentiate through complex values"):
        tg.grad(lambda x: tg.sum(tg.real(tg.nn.relu(x * 1j))))(np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match="cannot differentiate through complex values"):
        tg.jvp(lambda x: tg.nn.relu(x * 1j), (np.array([0.1]),), (np.array([1.0]),))


def test_casts_vdot_and_imperative_tensors_through_complex_values():
    x = np.array([1.0, -2.0, 0.5])
    f = lambda m, x: m.sum(m.abs(x.astype(np.complex128) * (1 + 2j) + 1j) ** 2)  # noqa: E731
    g = tg.grad(lambda x: f(tg, x))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, jax.grad(lambda x: f(jnp, x))(x), rtol=1e-12)
    assert tg.jacfwd(lambda x: x.astype(np.complex64))(x.astype(np.float32)).dtype == np.complex64
    b = np.array([2 - 1j, 0.5 + 1j, -1j])
    assert tg.vdot(Z, b) == np.vdot(Z, b)
    np.testing.assert_allclose(tg.grad(lambda a: tg.real(tg.vdot(a, b)))(Z),
                               jax.grad(lambda a: jnp.real(jnp.vdot(a, b)))(Z), rtol=1e-12)
    # the imperative tape: a real leaf through complex intermediates gets a real gradient
    t = tg.tensor(x, requires_grad=True)
    f(tg, t).backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_allclose(t.grad, g, rtol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"ord": 1, "axis": 1}, {"ord": 3, "axis": 0},
                                {"ord": "fro"}, {"ord": np.inf}, {"ord": -1}])
def test_norms_of_complex_arrays_read_the_moduli(kw):
    z = np.random.default_rng(3).normal(size=(3, 4)) + 1j * np.random.default_rng(4).normal(size=(3, 4))
    np.testing.assert_allclose(tg.linalg.norm(z, **kw), np.linalg.norm(z, **kw), rtol=1e-12)
    np.testing.assert_allclose(tg.grad(lambda z: tg.sum(tg.linalg.norm(z, **kw)))(z),
                               jax.grad(lambda z: jnp.sum(jnp.linalg.norm(z, **kw)))(z), rtol=1e-10)


def test_variance_of_complex_arrays_is_real():
    z = np.random.default_rng(5).normal(size=(3, 4)) * (1 + 0.5j) + 0.3j
    for kw in ({}, {"axis": 0, "ddof": 1}, {"axis": 1, "keepdims": True}):
        np.testing.assert_allclose(tg.var(z, **kw), np.var(z, **kw), rtol=1e-12)
        np.testing.assert_allclose(tg.std(z, **kw), np.std(z, **kw), rtol=1e-12)
    loss = lambda m, z: m.var(z) + m.sum(m.std(z, axis=1))  # noqa: E731
    np.testing.assert_allclose(tg.grad(lambda z: loss(tg, z))(z), jax.grad(lambda z: loss(jnp, z))(z),
                               rtol=1e-10)


def test_eigvals_roots_sort_complex_and_poly():
    a = np.random.default_rng(7).normal(size=(4, 4))
    w = tg.linalg.eigvals(a)
    assert w.dtype == np.complex128
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(np.linalg.eigvals(a)), rtol=1e-12)
    loss = lambda m: lambda a: m.sum(m.abs(m.linalg.eigvals(a)) ** 3 + m.real(m.linalg.eigvals(a)))  # noqa: E731
    for x in (a, a + 0.5j * np.random.default_rng(8).normal(size=(4, 4))):
        np.testing.assert_allclose(tg.grad(loss(tg))(x), jax.grad(loss(jnp))(x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.grad(loss(tg)))(a), jax.grad(loss(jnp))(a), rtol=1e-9)
    # second derivatives through eig's eigenvectors (JAX's eigvals has none: its eig's, opted in)
    jax_eigvals = lambda a: jax.lax.linalg.eig(  # noqa: E731
        a, compute_left_eigenvectors=False, compute_right_eigenvectors=False, enable_eigvec_derivs=True)[0]
    jax_loss = lambda a: jnp.sum(jnp.abs(jax_eigvals(a)) ** 3 + jnp.real(jax_eigvals(a)))  # noqa: E731
    np.testing.assert_allclose(tg.hessian(loss(tg))(a), jax.hessian(jax_loss)(a), rtol=1e-8, atol=1e-10)
    # roots: the companion matrix's eigenvalues, NumPy's zeros handling, JAX's complex dtype
    for p in (np.array([1.0, -3, 2]), np.array([0.0, 1, 0, 1, 0, 0]), np.array([2.0, 1, 3, -1])):
        r = tg.roots(p)
        assert r.dtype == np.complex128
        np.testing.assert_allclose(np.sort_complex(r), np.sort_complex(np.roots(p)), atol=1e-12)
    p = np.array([2.0, 1, 3, -1])
    f = lambda m: lambda p: m.sum(m.abs(m.roots(p)) ** 2 + m.real(m.roots(p)))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tg))(p), jax.grad(f(jnp))(p), rtol=1e-10)
    z = np.array([[1 + 2j, 1 - 1j, 0.5], [3j, -1, 2 + 2j]])
    np.testing.assert_array_equal(tg.sort_complex(z), np.sort_complex(z))
    assert tg.sort_complex(np.array([3.0, 1, 2])).dtype == np.complex128
    # poly of complex roots: complex coefficients, real for conjugate pairs (NumPy's rule)
    np.testing.assert_array_equal(tg.poly(np.array([1 + 1j, 1 - 1j])), [1.0, -2.0, 2.0])
    r = np.array([1 + 1j, 2 - 1j])
    np.testing.assert_allclose(tg.grad(lambda r: tg.sum(tg.real(tg.poly(r))))(r),
                               jax.grad(lambda r: jnp.sum(jnp.real(jnp.poly(r))))(r), rtol=1e-12)


def test_sort_complex_dtype_follows_numpy():
    # NumPy: complex64 for (u)int8/16, clongdouble for longdouble, complex128 otherwise
    # (float16 and float32 included), a complex input keeps its dtype
    for code in np.typecodes["AllInteger"] + np.typecodes["AllFloat"] + "?":
        a = np.array([[3, 1, 0, 2], [1, 2, 2, 0]]).astype(code)
        want = np.sort_complex(a)
        for got in (tg.sort_complex(a), tg.sort_complex(tg.tensor(a)), np.sort_complex(tg.tensor(a))):
            assert np.asarray(got).dtype == want.dtype, code
            np.testing.assert_array_equal(got, want)
    x = np.array([0.5, -1.5, 2.0], np.float32)
    g = tg.grad(lambda v: tg.sum(tg.real(tg.sort_complex(v)) * np.array([1.0, 2.0, 3.0])))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [2.0, 1.0, 3.0])


def test_power_on_the_whole_complex_plane():
    # a negative real base with a complex exponent: the principal branch, as JAX
    x, z = np.array([-2.0, 3.0, 0.5]), np.array([0.5 + 1j, -1 + 0.3j, 2 - 1j])
    f = lambda m: lambda x, z: m.sum(m.abs(m.power(x, z)) ** 2 + m.real(z ** x))  # noqa: E731
    for a, b in zip(tg.grad(f(tg), argnums=(0, 1))(x, z), jax.grad(f(jnp), argnums=(0, 1))(x, z)):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_structured_jacobians_and_elimination_refuse_complex_values():
    # a complex matrix cannot hold abs's real-linear map: refuse instead of a wrong Jacobian
    for call in (lambda: tg.jacobian(tg.exp, structured=True)(Z),
                 lambda: tg.jacobian(lambda x: tg.abs(tg.fft.fft(x)), structured=True)(np.ones(3)),
                 lambda: tg.eliminate(lambda z: tg.exp(z), Z),
                 lambda: tg.linearized_graph(lambda x: tg.abs(x * 1j), np.ones(2))):
        with pytest.raises(TypeError, match="complex values"):
            call()
    assert tg.jacobian(tg.exp, structured=True)(np.ones(2)).todense().dtype == np.float64


def test_check_grads_on_complex_functions():
    assert tg.check.check_grads(lambda z: tg.exp(z) * tg.conj(z), Z, order=2)
    assert tg.check.check_grads(lambda x: tg.abs(tg.fft.rfft(x)), np.array([1.0, 2.0, 3.0, -1.0]))
    # a conjugate whose VJP forgot the conjugate is caught (the adjoint identity and the
    # finite differences both disagree with it)
    op = tg.REGISTRY["conj_part"]
    saved = op.vjps
    op.vjps = (lambda g, out, x: g,)
    try:
        with pytest.raises(tg.check.GradCheckError):
            tg.check.check_grads(lambda z: tg.conj(z) * 2, Z, modes=("rev",))
    finally:
        op.vjps = saved


def test_jacobian_sweeps_keep_real_cotangents_real():
    # jacrev's symbolic identity (Eye) through an elementwise op onto a real value, and a
    # chain of elementwise ops: the real value's cotangent is the real part there too
    f = lambda m, z: m.abs(z) * 1j + m.exp(z)  # noqa: E731
    np.testing.assert_allclose(tg.jacrev(lambda z: f(tg, z), holomorphic=True)(Z),
                               jax.jacrev(lambda z: f(jnp, z), holomorphic=True)(Z), atol=1e-12)
    g = lambda m, x: m.real(m.exp(m.sin(m.cos(x)) * (1 + 2j)))  # noqa: E731
    x = np.array([0.3, 0.7, -1.1])
    for tgj, jj in ((tg.jacrev, jax.jacrev), (tg.jacfwd, jax.jacfwd)):
        np.testing.assert_allclose(tgj(lambda x: g(tg, x))(x), jj(lambda x: g(jnp, x))(x), rtol=1e-12)


def test_angle_at_zero_has_the_zero_subgradient():
    z = np.array([0j, 1 + 1j])
    np.testing.assert_allclose(tg.grad(lambda z: tg.sum(tg.angle(z)))(z), [0, -0.5 - 0.5j])
    np.testing.assert_allclose(tg.jvp(tg.angle, (z,), (np.ones(2, complex),))[1], [0, -0.5])


def test_complex_abs_and_angle_at_zero_keep_the_zero_subgradient_under_jit():
    # (under tg.jit the zero is a step of the plan; it was skipped: conj(0)/0 gave NaN, and
    # angle's slope NaN − inf·i, where JAX's is NaN)
    z = np.array([0j, 1 + 1j])
    sq = lambda a: tg.sum(tg.abs(a) ** 2)  # noqa: E731
    for f in (tg.grad(sq), tg.jit(tg.grad(sq))):
        np.testing.assert_array_equal(f(z), [0, 2 - 2j])
        np.testing.assert_array_equal(f(z[::-1]), [2 - 2j, 0])
    np.testing.assert_array_equal(tg.jit(tg.grad(tg.linalg.norm))(np.zeros(2, complex)), [0, 0])
    jvp = tg.jit(lambda a, t: tg.jvp(tg.abs, (a,), (t,))[1])
    np.testing.assert_allclose(jvp(z, z + 1), [0, 1.5 * np.sqrt(2)], rtol=1e-15)
    np.testing.assert_array_equal(tg.jit(tg.grad(lambda a: tg.sum(tg.angle(a))))(z), [0, -0.5 - 0.5j])
    jvp = tg.jit(lambda a, t: tg.jvp(tg.angle, (a,), (t,))[1])
    np.testing.assert_array_equal(jvp(z, np.ones(2, complex)), [0, -0.5])


def test_conjugating_products_and_matrix_powers():
    rng = np.random.default_rng(9)
    a = rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4))
    b = a[::-1] * 2
    # NumPy's vecdot conjugates its first argument (it multiplied them plainly before)
    np.testing.assert_allclose(tg.vecdot(a, b), np.vecdot(a, b), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.vecdot(a, b), np.linalg.vecdot(a, b), rtol=1e-12)
    g = lambda m: lambda a, b: m.sum(m.abs(m.vecdot(a, b)) ** 2)  # noqa: E731
    for x, y in zip(tg.grad(g(tg), argnums=(0, 1))(a, b), jax.grad(g(jnp), argnums=(0, 1))(a, b)):
        np.testing.assert_allclose(x, y, rtol=1e-10)
    sq = a[:, :3]
    for n in (3, -2, 0):
        np.testing.assert_allclose(tg.linalg.matrix_power(sq, n), np.linalg.matrix_power(sq, n), rtol=1e-10)
    f = lambda m: lambda s: m.sum(m.abs(m.linalg.matrix_power(s, -2)))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tg))(sq), jax.grad(f(jnp))(sq), rtol=1e-9)


def test_characteristic_polynomial_and_zero_gradients_of_complex_inputs():
    A = np.random.default_rng(10).normal(size=(3, 3))
    np.testing.assert_allclose(tg.poly(A), np.poly(A), rtol=1e-12)
    # its second coefficient is −trace(A): the Jacobian row is −I
    np.testing.assert_allclose(tg.jacrev(tg.poly)(A)[1], -np.eye(3), atol=1e-12)
    # a complex input the output does not depend on gets complex zeros (not float0)
    g = tg.grad(lambda z: tg.sum(tg.abs(tg.round(z))))(Z)
    assert g.dtype == np.complex128 and not g.any()


def test_hermitian_eigh_and_second_order_through_indexing():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    h = a + a.conj().T  # Hermitian: NumPy's eigh reads its lower triangle
    w, v = tg.linalg.eigh(h)
    assert w.dtype == np.float64 and v.dtype == np.complex128
    np.testing.assert_allclose(w, np.linalg.eigvalsh(h), rtol=1e-12)
    np.testing.assert_allclose(h @ v, v * w, atol=1e-12)
    # a loss of the eigenvalues and of phase-free functions of the eigenvectors, as JAX's
    loss = lambda m: lambda a: (m.sum(m.linalg.eigh(a + m.conj(m.swapaxes(a, -1, -2)))[0] ** 2)  # noqa: E731
                                + m.sum(m.abs(m.linalg.eigh(a + m.conj(m.swapaxes(a, -1, -2)))[1][0]) ** 2
                                        * np.arange(1.0, 4.0)))
    np.testing.assert_allclose(tg.grad(loss(tg))(a), jax.grad(loss(jnp))(a), rtol=1e-9, atol=1e-12)
    # second order through indexing of complex values (getitem's transpose, scatter_add)
    q = lambda m: lambda x: m.sum(m.abs(m.exp(1j * x)[1:] * (x[:2] + 1j)) ** 2)  # noqa: E731
    x = np.array([0.2, -0.4, 0.9])
    np.testing.assert_allclose(tg.hessian(q(tg))(x), jax.hessian(q(jnp))(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_of_hermitian_matrices(upper):
    rng = np.random.default_rng(12)
    b = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    a = b @ b.conj().T + 3 * np.eye(3)
    c = tg.linalg.cholesky(a, upper=upper)
    np.testing.assert_allclose(c, np.linalg.cholesky(a, upper=upper), rtol=1e-12)
    w = np.arange(9.0).reshape(3, 3)
    loss = lambda m: lambda a: m.sum(m.abs(m.linalg.cholesky(  # noqa: E731
        a + m.conj(m.swapaxes(a, -1, -2)), upper=upper) * w) ** 2)
    np.testing.assert_allclose(tg.grad(loss(tg))(a), jax.grad(loss(jnp))(a), rtol=1e-9, atol=1e-12)


def test_hermitian_svd_and_pinv_keep_complex64():
    # NumPy's dtypes: complex64, float32, complex64 (the Hermitian matrix read from one
    # triangle was promoted by a float64 identity)
    a = np.array([[2, 1j], [-1j, 3]], dtype=np.complex64)
    got, want = tg.linalg.svd(a, hermitian=True), np.linalg.svd(a, hermitian=True)
    assert [x.dtype for x in got] == [x.dtype for x in want]
    assert tg.linalg.pinv(a, hermitian=True).dtype == np.complex64
    np.testing.assert_allclose(tg.linalg.pinv(a, hermitian=True), np.linalg.pinv(a, hermitian=True),
                               rtol=1e-5)


def test_slogdet_of_complex_matrices():
    rng = np.random.default_rng(13)
    a = rng.normal(size=(2, 3, 3)) + 1j * rng.normal(size=(2, 3, 3))
    sign, logabsdet = tg.linalg.slogdet(a)
    want = np.linalg.slogdet(a)
    assert sign.dtype == np.complex128 and logabsdet.dtype == np.float64
    np.testing.assert_allclose(sign, want[0], rtol=1e-12)
    np.testing.assert_allclose(logabsdet, want[1], rtol=1e-12)
    # both outputs differentiate: d log|det| = Re tr(A⁻¹ dA), d sign = i Im tr(A⁻¹ dA) sign
    f = lambda m: lambda a: m.sum(m.real(m.linalg.slogdet(a)[0] * (1 + 2j)) + 3 * m.linalg.slogdet(a)[1])  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tg))(a), jax.grad(f(jnp))(a), rtol=1e-10, atol=1e-12)


def test_imperative_tensors_follow_pytorchs_complex_convention():
    # PyTorch's .grad of a complex leaf is the conjugate Wirtinger derivative: the conjugate
    # of JAX's gradient (2z for |z|², where JAX gives 2·conj(z))
    z = tg.tensor(Z, requires_grad=True)
    loss = tg.sum(tg.abs(tg.sin(z)) ** 2 + tg.angle(z) * tg.real(z))
    loss.backward()
    want = jax.grad(lambda z: jnp.sum(jnp.abs(jnp.sin(z)) ** 2 + jnp.angle(z) * jnp.real(z)))(Z)
    np.testing.assert_allclose(z.grad, np.conj(want), rtol=1e-12)
    # a complex output takes its gradient explicitly; it is conjugated going in, as PyTorch's:
    # for y = c·e^z, z.grad = conj(c·e^z)·v
    c, v = np.array([0.5 + 1j, 2 - 1j, 1j]), np.array([1 - 0.5j, 0.3 + 2j, -1.0])
    z = tg.tensor(Z, requires_grad=True)
    (tg.exp(z) * c).backward(v)
    np.testing.assert_allclose(z.grad, np.conj(c * np.exp(Z)) * v, rtol=1e-12)
    x = tg.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)  # a real leaf: Re(conj(c)·v)
    (x * c).backward(v)
    np.testing.assert_allclose(x.grad, np.real(np.conj(c) * v), rtol=1e-12)
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        tg.sum(tg.exp(tg.tensor(Z, requires_grad=True))).backward()
    # create_graph: the recorded gradient differentiates again (PyTorch's numbers by hand:
    # ∂/∂z of Re Σ w·conj(∂|sin z|²/∂z̄)... checked against JAX's forward over reverse)
    w = np.array([0.5, 2.0, -1.0])
    z = tg.tensor(Z, requires_grad=True)
    tg.sum(tg.abs(tg.sin(z)) ** 2).backward(create_graph=True)
    g = z.grad
    z.grad = None
    tg.real(tg.sum(g * w)).backward()
    inner = lambda z: jnp.conj(jax.grad(lambda z: jnp.sum(jnp.abs(jnp.sin(z)) ** 2))(z))  # noqa: E731
    np.testing.assert_allclose(z.grad, np.conj(jax.grad(lambda z: jnp.real(jnp.sum(inner(z) * w)))(Z)),
                               rtol=1e-10)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 4, 2), (2, 4)])
def test_qr_of_complex_matrices(shape):
    rng = np.random.default_rng(14)
    a = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    q, r = tg.linalg.qr(a)
    qn, rn = np.linalg.qr(a)
    np.testing.assert_allclose(q, qn, atol=1e-12)
    np.testing.assert_allclose(r, rn, atol=1e-12)
    w = rng.normal(size=q.shape) + 1j * rng.normal(size=q.shape)
    w2 = rng.normal(size=r.shape)
    m, n = shape[-2:]

    def jax_qr(a):  # JAX differentiates tall and square QR: a wide [X Y] as Q R₁ = X, R₂ = Qᴴ Y
        if m >= n:
            return jnp.linalg.qr(a)
        q, r1 = jnp.linalg.qr(a[..., :m])
        return q, jnp.concatenate([r1, jnp.conj(jnp.swapaxes(q, -1, -2)) @ a[..., m:]], axis=-1)

    def loss(mod, qr):
        return lambda a: (mod.sum(mod.real(qr(a)[0] * w)) + mod.sum(mod.imag(qr(a)[1]) * w2)
                          + mod.sum(mod.abs(qr(a)[1]) ** 2))
    np.testing.assert_allclose(tg.grad(loss(tg, tg.linalg.qr))(a), jax.grad(loss(jnp, jax_qr))(a),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 4), (2, 3, 2)])
def test_svd_of_complex_matrices(shape):
    rng = np.random.default_rng(15)
    a = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    u, s, vh = tg.linalg.svd(a, full_matrices=False)
    assert s.dtype == np.float64
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose((u * s[..., None, :]) @ vh, a, atol=1e-12)
    # losses that do not depend on the phase u_j and v_j share, against eager JAX
    w = rng.normal(size=u.shape)

    def loss(m):
        def f(a):
            u, s, vh = m.linalg.svd(a, full_matrices=False)
            return m.sum(s ** 2 * np.arange(1.0, s.shape[-1] + 1)) + m.sum(m.abs(u) ** 2 * w) \
                + m.sum(m.real(u @ vh))
        return f
    np.testing.assert_allclose(tg.grad(loss(tg))(a), jax.grad(loss(jnp))(a), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (2, 5), (2, 3, 4)])
def test_singular_values_and_pseudo_inverse_of_complex_matrices(shape):
    rng = np.random.default_rng(16)
    a = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    np.testing.assert_allclose(tg.linalg.pinv(a), np.linalg.pinv(a), atol=1e-12)
    assert tg.linalg.matrix_rank(a).tolist() == np.linalg.matrix_rank(a).tolist()
    fns = [lambda m, a: m.sum(m.linalg.svdvals(a) * np.arange(1.0, min(shape[-2:]) + 1)),
           lambda m, a: m.sum(m.linalg.matrix_norm(a, ord="nuc")),
           lambda m, a: m.sum(m.linalg.norm(a, 2, axis=(-2, -1))),
           lambda m, a: m.sum(m.linalg.norm(a, -2, axis=(-2, -1))),
           lambda m, a: m.sum(m.linalg.cond(a)),
           lambda m, a: m.sum(m.abs(m.linalg.pinv(a)) ** 2 + m.real(m.linalg.pinv(a)))]
    for fn in fns:
        np.testing.assert_allclose(fn(tg, a), fn(jnp, a), rtol=1e-10)
    # the gradients, weighted so that no term cancels another (one JAX call per shape)
    total = lambda m, a: sum(fn(m, a) * (k + 1.5) for k, fn in enumerate(fns))  # noqa: E731
    np.testing.assert_allclose(tg.grad(lambda a: total(tg, a))(a), jax.grad(lambda a: total(jnp, a))(a),
                               rtol=1e-9, atol=1e-12)
    if len(shape) == 2:  # least squares: residuals |r|², real as NumPy's
        b = rng.normal(size=shape[0]) + 1j * rng.normal(size=shape[0])
        got, want = tg.linalg.lstsq(a, b), np.linalg.lstsq(a, b)
        for u, v in [(got[0], want[0]), (got[1], want[1]), (got[3], want[3])]:
            assert np.asarray(u).dtype == v.dtype and np.shape(u) == v.shape
            np.testing.assert_allclose(u, v, atol=1e-12)

        def loss(m):
            return lambda a, b: m.sum(m.abs(m.linalg.lstsq(a, b)[0])) + m.sum(m.linalg.lstsq(a, b)[1])
        for g, w in zip(tg.grad(loss(tg), (0, 1))(a, b), jax.grad(loss(jnp), (0, 1))(a, b)):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["cov", "cov rowvar", "cov y", "cov weights", "cov 1-d",
                                  "corrcoef", "corrcoef y"])
def test_complex_cov_and_corrcoef_match_numpy_and_jax_gradients(name):
    # Σ (x − x̄)(y − ȳ)*, as NumPy; corrcoef divides by √Re diag
    rng = np.random.default_rng(4)
    m = rng.normal(size=(3, 5)) + 1j * rng.normal(size=(3, 5))
    y = rng.normal(size=5) + 1j * rng.normal(size=5)
    fw, aw = np.array([1, 2, 1, 3, 1]), rng.random(5)
    f = {"cov": lambda lib, x: lib.cov(x), "cov rowvar": lambda lib, x: lib.cov(x.T, rowvar=False),
         "cov y": lambda lib, x: lib.cov(x, y),
         "cov weights": lambda lib, x: lib.cov(x, fweights=fw, aweights=aw),
         "cov 1-d": lambda lib, x: lib.cov(x[0], bias=True),
         "corrcoef": lambda lib, x: lib.corrcoef(x), "corrcoef y": lambda lib, x: lib.corrcoef(x[0], y)}[name]
    ours, theirs = f(tg, m), f(np, m)
    assert np.asarray(ours).dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    w = rng.normal(size=np.shape(theirs)) + 1j * rng.normal(size=np.shape(theirs))
    g = tg.grad(lambda x: tg.sum(tg.real(f(tg, x) * w)))(m)
    jg = jax.grad(lambda x: jnp.sum(jnp.real(f(jnp, x) * w)))(jnp.asarray(m))
    np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["nanprod", "nancumsum", "nancumprod", "nanmax", "nanmin",
                                  "nanvar", "nanstd"])
def test_complex_nan_functions_match_numpy_and_jax_gradients(name):
    # an entry with a NaN part counts as NaN; nanmax/nanmin order as NumPy; nanvar is real
    rng = np.random.default_rng(6)
    m = rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4))
    m[0, 1], m[2, 2], m[1, :] = np.nan, complex(1.0, np.nan), np.nan
    f = {"nanprod": lambda lib, x: lib.nanprod(x, axis=1),
         "nancumsum": lambda lib, x: lib.nancumsum(x, axis=1),
         "nancumprod": lambda lib, x: lib.nancumprod(x, axis=0),
         "nanmax": lambda lib, x: lib.nanmax(x, axis=1), "nanmin": lambda lib, x: lib.nanmin(x, axis=0),
         "nanvar": lambda lib, x: lib.nanvar(x, axis=1),
         "nanstd": lambda lib, x: lib.nanstd(x, axis=0, ddof=1)}[name]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's all-NaN slice warnings)
        theirs = f(np, m)
        ours = f(tg, m)
        assert np.asarray(ours).dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)
        keep = np.isfinite(theirs)
        w = rng.normal(size=theirs.shape) * (1 + 1j if np.iscomplexobj(theirs) else 1)
        g = tg.grad(lambda x: tg.sum(tg.real(tg.where(keep, f(tg, x), 0) * w)))(m)
        jg = jax.grad(lambda x: jnp.sum(jnp.real(jnp.where(keep, f(jnp, x), 0) * w)))(jnp.asarray(m))
    np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-10, atol=1e-12)


def test_wofz_of_real_and_complex_arguments_as_scipy_and_jax():
    z = np.array([0.5 + 0.3j, 2.0 - 1.0j, -1.0 + 0.2j])
    x = np.array([0.3, -1.2, 4.0])
    for v in (z, x):
        out = tg.scipy.special.wofz(v)
        assert out.dtype == np.complex128
        np.testing.assert_allclose(out, ss.wofz(v), rtol=1e-14)
        # a real loss of a complex output: a real x gets the real part of its cotangent
        g = tg.grad(lambda a: tg.sum(tg.real(tg.scipy.special.wofz(a) * (1 + 2j))))(v)
        jg = jax.grad(lambda a: jnp.sum(jnp.real(jax.scipy.special.wofz(a) * (1 + 2j))))(v)
        assert g.dtype == v.dtype
        # (at x = 4, 2i/√π − 2x·w(x) cancels to 0.08: JAX's w and SciPy's differ in the last digits)
        np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-10)
    h = tg.hessian(lambda a: tg.sum(tg.imag(tg.scipy.special.wofz(a))))(x)
    jh = jax.hessian(lambda a: jnp.sum(jnp.imag(jax.scipy.special.wofz(a))))(x)
    np.testing.assert_allclose(h, np.asarray(jh), rtol=1e-9, atol=1e-14)


def test_checkpoint_and_remat_differentiate_complex_inputs_as_jax():
    """tg.checkpoint took complex inputs (and complex values it closes over) for constants:
    a zero gradient, silently. It must give JAX's gradient, through every form of it."""
    z = np.array([0.3 + 0.8j, -1.2 + 0.4j])
    x = np.array([0.5, -1.0])
    inner, jinner = (lambda w: tg.sin(w) * w), (lambda w: jnp.sin(w) * w)
    got = tg.grad(lambda v: tg.sum(tg.abs(tg.checkpoint(inner)(v)) ** 2))(z)
    want = jax.grad(lambda v: jnp.sum(jnp.abs(jax.checkpoint(jinner)(v)) ** 2))(z)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    (ct,) = tg.vjp(tg.remat(lambda w: 2 * w), z)[1](np.ones(2, complex))
    np.testing.assert_array_equal(ct, [2, 2])
    got = tg.grad(lambda v: tg.sum(tg.abs(tg.checkpoint(lambda w: w * v)(x)) ** 2))(z)
    want = jax.grad(lambda v: jnp.sum(jnp.abs(jax.checkpoint(lambda w: w * v)(x)) ** 2))(z)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    a = tg.tensor(z.copy(), requires_grad=True)
    torch_checkpoint(lambda w: tg.abs(w * w) ** 2, a).sum().backward()
    np.testing.assert_allclose(np.asarray(a.grad), 4 * np.abs(z) ** 2 * z, rtol=1e-12)  # PyTorch's


def test_autograd_functional_jacobian_forward_mode_of_complex_functions():
    """PyTorch's forward-mode jacobian pushes the real basis through complex inputs: for a
    holomorphic f that is f′(z) (torch 2.13: diag(0.9885+1.7919j, -1.6308-0.1539j) here). It
    was refused, and the refusals of the other forms named jacrev and holomorphic=True."""
    z = np.array([0.3 + 0.8j, -1.2 + 0.4j])
    J = tg.autograd.functional.jacobian(lambda v: tg.sin(v) * v, z, strategy="forward-mode",
                                        vectorize=True)
    np.testing.assert_allclose(J, np.diag(np.sin(z) + z * np.cos(z)), rtol=1e-14)
    for call in (lambda: tg.autograd.functional.jacobian(lambda v: tg.sin(v) * v, z),
                 lambda: tg.autograd.functional.hessian(lambda v: tg.sum(tg.abs(v) ** 4), z)):
        with pytest.raises(TypeError, match=r"tg.autograd.functional.(jacobian|hessian): complex values are not supported") as info:
            call()
        assert "holomorphic=True" not in str(info.value)


def test_extrema_nan_to_num_and_logsumexp_of_complex_values():
    # maximum/minimum compare complex numbers lexicographically (NumPy's and JAX's order): the
    # gradient goes to the winner, ½ each on an exact tie
    z, w = np.array([1 + 2j, 1 + 1j, 3 - 1j]), np.array([1 + 2j, 1 + 3j, 2 + 5j])
    c = np.array([1 + 2j, 3 - 1j, 2 - 0.5j])
    for name in ("maximum", "minimum"):
        f = lambda m, a, b: m.sum(m.real(getattr(m, name)(a, b) * c))  # noqa: E731
        got = tg.grad(lambda a, b: f(tg, a, b), argnums=(0, 1))(z, w)
        want = jax.grad(lambda a, b: f(jnp, a, b), argnums=(0, 1))(z, w)
        for g, h in zip(got, want):
            np.testing.assert_allclose(g, h, rtol=1e-14)
    # nan_to_num replaces each non-finite part on its own, so each part of the cotangent is kept
    # where that part of z is finite (as JAX)
    z = np.array([complex(np.nan, 1), complex(2, np.inf), 1 + 1j, complex(np.inf, np.nan)])
    c = np.array([1 + 2j, 3 - 1j, 2 - 0.5j, 1j])
    f = lambda m, a: m.sum(m.real(m.nan_to_num(a) * c))  # noqa: E731
    with np.errstate(over="ignore"):  # (the largest float times c overflows in the forward)
        np.testing.assert_array_equal(tg.grad(lambda a: f(tg, a))(z), [2j, 3, 2 - 0.5j, 0])
        np.testing.assert_array_equal(jax.grad(lambda a: f(jnp, a))(z), [2j, 3, 2 - 0.5j, 0])
    t = np.array([1 + 1j, 2 + 2j, 3 + 3j, 4 + 4j])
    np.testing.assert_array_equal(tg.jvp(tg.nan_to_num, (z,), (t,))[1], [1j, 2, 3 + 3j, 0])
    # logsumexp of complex terms: the imaginary part is the principal phase of the sum (SciPy's,
    # JAX's), not shifted by the phase of the complex max; its gradient is the complex softmax
    z = np.array([[1 + 3.1j, 0.5 - 3j], [2 + 10j, 0.5 - 3j]])
    want = ss.logsumexp(z, axis=1)
    np.testing.assert_allclose(tg.logsumexp(z, axis=1), want, rtol=1e-14)
    assert np.all(np.abs(np.imag(tg.logsumexp(z, axis=1))) <= np.pi)
    np.testing.assert_allclose(tg.logsumexp(z, axis=1, b=np.array([1.0, -2.0])),
                               ss.logsumexp(z, axis=1, b=np.array([1.0, -2.0])), rtol=1e-13)
    f = lambda m, a: m.sum(m.real(jax.scipy.special.logsumexp(a, axis=1) if m is jnp  # noqa: E731
                                  else tg.logsumexp(a, axis=1)) * np.array([1.0, 2.0]))
    np.testing.assert_allclose(tg.grad(lambda a: f(tg, a))(z), jax.grad(lambda a: f(jnp, a))(z),
                               rtol=1e-13)
    # a row of −inf terms weighs 0 (as for real terms), one holding +inf or NaN gives NaN: no
    # error from NumPy's tests of infinity, which take no complex values
    ninf = complex(-np.inf, 0)
    z = np.array([[1 + 1j, 2 - 1j], [ninf, ninf], [complex(np.inf, 0), 1j]])
    g, = tg.vjp(lambda a: tg.real(tg.logsumexp(a, axis=1)), z)[1](np.ones(3))
    np.testing.assert_array_equal(g[1], [0, 0])
    assert np.isnan(g[2, 0]) and g[2, 1] == 0
    np.testing.assert_allclose(g[0], jax.grad(lambda a: jnp.sum(jnp.real(
        jax.scipy.special.logsumexp(a, axis=1))))(z[:1])[0], rtol=1e-13)


def test_gradcheck_of_complex_inputs_hands_tensors_to_the_function():
    z = np.array([0.5 + 1j, 1.2 - 0.3j])
    t = tg.tensor(z, requires_grad=True)
    assert tg.autograd.gradcheck(lambda w: w.exp(), (t,))  # (a Tensor method: was an ndarray)
    assert tg.autograd.gradgradcheck(lambda w: w * w * w, (t,),
                                     (tg.tensor(np.array([1 + 2j, 0.5 - 1j])),))

    class WrongExp(tg.autograd.Function):  # (a wrong rule still fails the check)
        @staticmethod
        def forward(ctx, w):
            ctx.save_for_backward(w)
            return w.exp()

        @staticmethod
        def backward(ctx, g):
            w, = ctx.saved_tensors
            return g * w.exp() * 2
    assert not tg.autograd.gradcheck(WrongExp.apply, (t,), raise_exception=False)


def test_complex_log_add_exp_and_running_logsumexp_match_jax():
    # NumPy's logaddexp has no complex loop; JAX's (and PyTorch's) compute it, the imaginary
    # part on the principal branch
    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 4)) * 3 + 1j * rng.uniform(-3.1, 3.1, size=(3, 4))
    b = rng.normal(size=(4,)) * 3 + 1j * rng.uniform(-3.1, 3.1, size=(4,))
    for t, j in ((tg.logaddexp, jnp.logaddexp), (tg.logaddexp2, jnp.logaddexp2)):
        np.testing.assert_allclose(t(a, b), j(a, b), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(t(a[0, 0], b[0]), j(a[0, 0], b[0]), rtol=1e-12)
        assert np.ndim(t(a[0, 0], b[0])) == 0
    np.testing.assert_allclose(tg.logaddexp(a, 2.0), jnp.logaddexp(a, 2.0), rtol=1e-12)
    np.testing.assert_allclose(tg.lax.cumlogsumexp(a, axis=1), jax.lax.cumlogsumexp(a, axis=1),
                               rtol=1e-12, atol=1e-12)
    loss = lambda lib, np_: lambda x: np_.abs(lib.lax.cumlogsumexp(x, axis=1)).sum()  # noqa: E731
    ref = jax.grad(loss(jax, jnp))(a)
    np.testing.assert_allclose(tg.grad(loss(tg, tg))(a), ref, rtol=1e-10)
    # PyTorch's form: the conjugate of JAX's gradient
    x = tg.tensor(a, requires_grad=True)
    tg.logcumsumexp(x, 1).abs().sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.conj(ref), rtol=1e-10)
