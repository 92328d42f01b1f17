"""custom_jvp / custom_vjp: default arguments reach the rules; JAX's symbolic_zeros form."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.custom import CustomVJPPrimal

X = np.array([1.0, 2.0, 3.0])


def test_default_arguments_reach_the_rules():
    @tg.custom_jvp
    def f(a, s=2.0):
        return a * s

    @f.defjvp
    def f_jvp(primals, tangents):
        a, s = primals              # the default comes in too, as in JAX
        ta, ts = tangents
        return a * s, ta * s * 100 + ts * a

    @tg.custom_vjp
    def g(a, s=2.0):
        return a * s

    g.defvjp(lambda a, s=2.0: (a * s, (a, s)), lambda r, ct: (ct * r[1] * 100, None))
    for fn in (f, g):
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a)))(X), 200.0)
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a, 3.0)))(X), 300.0)
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a, s=0.5)))(X), 50.0)
        np.testing.assert_allclose(fn(X), 2 * X)


def test_custom_vjp_symbolic_zeros_form():
    seen = []

    @tg.custom_vjp
    def f(a, b):
        return a * b

    def fwd(a, b):
        assert isinstance(a, CustomVJPPrimal) and isinstance(b, CustomVJPPrimal)
        seen.append((a.perturbed, b.perturbed))
        return a.value * b.value, (a.value, b.value)

    def bwd(res, g):
        a, b = res
        return g * b, None  # None: a zero cotangent

    f.defvjp(fwd, bwd, symbolic_zeros=True, optimize_remat=False)
    y = X[::-1].copy()
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(f(a, y)))(X), y)
    assert seen[-1] == (True, False)
    np.testing.assert_allclose(tg.grad(lambda b: tg.sum(f(X, b)))(y), 0.0)  # (bwd's None)
    assert seen[-1] == (False, True)
    # the imperative tape, and a second derivative through the recorded sweep
    t = tg.tensor(X, requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(f(t, y) * t), [t], create_graph=True)
    np.testing.assert_allclose(g.detach(), 2 * X * y)
    (h,) = tg.autograd.grad(tg.sum(g), [t])
    np.testing.assert_allclose(h, 2 * y)
    with pytest.raises(TypeError, match="unexpected keyword"):
        f.defvjp(fwd, bwd, symbolic=True)


def _complex_pair(api, npm):
    @api.custom_jvp
    def h(z, w):
        return z * z * w, npm.real(z) * w

    @h.defjvp
    def _(p, t):
        z, w = p
        tz, tw = t
        return h(z, w), (2 * z * w * tz + z * z * tw, npm.real(tz) * w + npm.real(z) * tw)
    return h


def test_custom_jvp_of_complex_values_matches_jax():
    # complex outputs used to leave the forward trace (a zero tangent), and a complex leaf
    # packed with others lost its imaginary part
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    ht, hj = _complex_pair(tg, tg), _complex_pair(jax, jnp)
    z, w = np.array([1 + 1j, 0.5 - 2j]), np.array([0.3 + 0.2j, -1.0 + 0.5j])
    tz, tw = np.array([1.0 + 0.5j, -0.2 + 1j]), np.array([0.1 - 0.3j, 0.7 + 0j])
    for a, b in zip(tg.jvp(ht, (z, w), (tz, tw))[1], jax.jvp(hj, (z, w), (tz, tw))[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    lt = lambda z, w: tg.sum(tg.abs(ht(z, w)[0]) ** 2 + tg.real(ht(z, w)[1] * 1j))  # noqa: E731
    lj = lambda z, w: jnp.sum(jnp.abs(hj(z, w)[0]) ** 2 + jnp.real(hj(z, w)[1] * 1j))  # noqa: E731
    for a, b in zip(tg.grad(lt, argnums=(0, 1))(z, w), jax.grad(lj, argnums=(0, 1))(z, w)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_complex_rules_are_checked():
    z = np.array([1 + 1j, 0.5 - 2j])

    @tg.custom_jvp
    def bad(v):
        return v * v

    bad.defjvp(lambda p, t: (p[0] * p[0], t[0] * t[0]))  # not linear in a complex tangent
    with pytest.raises(ValueError, match="not linear in the tangents"):
        tg.grad(lambda v: tg.sum(tg.abs(bad(v)) ** 2))(z)

    @tg.custom_vjp
    def f(x):
        return tg.sin(x)

    f.defvjp(lambda x: (tg.sin(x), x), lambda res, g: (g * (1 + 1j),))
    with pytest.raises(TypeError, match="bwd returned a complex cotangent .* of dtype float64"):
        tg.grad(lambda x: tg.sum(f(x)))(np.ones(3))

    @tg.custom_jvp
    def g(x):
        return tg.sin(x)

    g.defjvp(lambda p, t: (tg.sin(p[0]), t[0] * tg.cos(p[0]) * 1j))
    with pytest.raises(TypeError, match="complex output tangent"):
        tg.jvp(g, (np.ones(3),), (np.ones(3),))


# ---- compositions a probe against JAX found wrong or failing ----------------------------------
def test_reverse_over_a_batched_transpose_of_diag():
    # grad of a jacrev through diag: the transpose of the diagonal's extraction counted the
    # batch axes twice (a silently doubled gradient, or a crash at third order)
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    y = np.array([0.5, -1.0, 1.5])
    for k in (0, -2):
        f = lambda v: tg.sum(tg.jacrev(lambda z: tg.diag(z, k) * tg.sum(z))(v) ** 2)  # noqa: E731
        fj = lambda v: jnp.sum(jax.jacrev(lambda z: jnp.diag(z, k) * jnp.sum(z))(v) ** 2)  # noqa: E731
        np.testing.assert_allclose(tg.grad(f)(y), jax.grad(fj)(y), rtol=1e-12)
    h = lambda z: tg.sum(tg.diag(z, 1) @ tg.ones(4)) * tg.sum(z ** 2)  # noqa: E731
    # (third order: sum(diag) * |z|² = 2·(Σz)·|z|²... its third derivative, by hand)
    t3 = tg.jacrev(tg.jacrev(tg.jacrev(h)))(y)
    e = np.eye(3)
    want = 2 * (np.einsum("i,jk->ijk", np.ones(3), e) + np.einsum("j,ik->ijk", np.ones(3), e)
                + np.einsum("k,ij->ijk", np.ones(3), e))
    np.testing.assert_allclose(t3, want, atol=1e-12)
    g = lambda v: tg.sum(tg.jacrev(lambda z: tg.diagflat(z * z))(v) ** 2)  # noqa: E731
    gj = lambda v: jnp.sum(jax.jacrev(lambda z: jnp.diagflat(z * z))(v) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(g)(y), jax.grad(gj)(y), rtol=1e-12)


def test_checkpoint_runs_its_function_on_traced_values():
    x = np.array([0.3, -1.2, 0.5, 0.8])
    f = lambda y: y.at[np.array([1, 1, 3, 0])].add(y * y[0])  # noqa: E731  (a Tensor method)
    want = tg.grad(lambda y: tg.sum(f(y) ** 2))(x)
    np.testing.assert_allclose(tg.grad(lambda y: tg.sum(tg.checkpoint(f)(y) ** 2))(x), want)
    np.testing.assert_allclose(tg.hessian(lambda y: tg.sum(tg.checkpoint(f)(y) ** 2))(x),
                               tg.hessian(lambda y: tg.sum(f(y) ** 2))(x), rtol=1e-12)


def test_jit_of_second_derivatives_of_eigenvalues_and_of_vmapped_grads():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(4, 4))
    S = W @ W.T + 4 * np.eye(4)
    x = rng.normal(size=4)
    for f in (lambda y: tg.sum(tg.linalg.eigvalsh(tg.outer(y, y) + S) ** 2),
              lambda y: tg.sum(tg.linalg.svd(tg.outer(y, y) + W, compute_uv=False) ** 2)):
        np.testing.assert_allclose(tg.jit(tg.hessian(f))(x), tg.hessian(f)(x), rtol=1e-10)
    # a replay where eigenvalues repeat checks them as the eager call does
    top = tg.jit(tg.hessian(lambda y: tg.linalg.eigvalsh(tg.outer(y, y) + np.eye(3))[2]))
    np.testing.assert_allclose(top(np.array([1.0, 2.0, 3.0])), 2 * np.eye(3), atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="repeated eigenvalues get different cotangents"):
        top(np.zeros(3))
    c = np.array([1.0, -0.5])
    g = lambda v: tg.vmap(lambda s: tg.grad(lambda y: tg.sum(tg.sin(y)))(v * s))(c)  # noqa: E731
    np.testing.assert_allclose(tg.jit(g)(x[:2]), g(x[:2]), rtol=1e-14)


def test_jaxs_custom_derivatives_names():
    import jax
    from tensorgrad.custom_derivatives import SymbolicZero, zero_from_primal

    @tg.custom_vjp
    def f(x, y):
        return x * y
    f.defvjp(lambda x, y: (x * y, (x, y)),
             lambda r, g: (g * r[1], SymbolicZero.from_primal_value(r[1])))  # a zero, as JAX's
    np.testing.assert_allclose(tg.grad(f, argnums=(0, 1))(2.0, 3.0), (3.0, 0.0))

    @tg.custom_jvp
    def h(x, n):
        return x * n
    h.defjvp(lambda p, t: (h(*p), SymbolicZero.from_primal_value(p[0]) if type(t[0]) is SymbolicZero
                           else t[0] * p[1]), symbolic_zeros=True)
    np.testing.assert_allclose(tg.jvp(h, (2.0, 3.0), (1.0, 0.0))[1], 3.0)
    np.testing.assert_allclose(tg.grad(h)(2.0, 3.0), 3.0)
    tree = {"a": np.ones(2, np.float32), "b": 1}
    mine, ref = zero_from_primal(tree), jax.custom_derivatives.zero_from_primal(tree)
    assert [(np.shape(v), np.asarray(v).dtype) for v in tg.tree_leaves(mine)] == \
        [(np.shape(v), np.asarray(v).dtype) for v in jax.tree_util.tree_leaves(ref)]
    z = zero_from_primal(np.ones((2, 3)), symbolic_zeros=True)
    assert type(z) is SymbolicZero and z.shape == (2, 3) and np.array_equal(z.instantiate(), np.zeros((2, 3)))
    assert tg.custom_derivatives.custom_vjp is tg.custom_vjp


def test_a_rule_that_branches_on_its_tangents_is_refused_in_reverse_mode():
    # reverse mode records the rule once (on zero tangents) and transposes the record: a
    # "skip zero tangents" branch there gave a zero gradient (JAX refuses the branch)
    @tg.custom_jvp
    def f(x):
        return np.sin(x)

    @f.defjvp
    def f_jvp(p, t):
        if not np.any(t[0] != 0):
            return f(p[0]), np.zeros_like(p[0])
        return f(p[0]), np.cos(p[0]) * t[0]

    assert np.isclose(tg.jvp(f, (0.7,), (1.0,))[1], np.cos(0.7))  # forward mode: the rule as written
    for reverse in (tg.grad(f), tg.jacrev(f), tg.jit(tg.grad(f)), lambda x: tg.vjp(f, x)[1](1.0)):
        with pytest.raises(ValueError, match="depends on the tangents' values"):
            reverse(0.7)


def test_a_tangent_of_another_structure_than_the_output_is_refused_in_both_modes():
    @tg.custom_jvp
    def f(x):
        return (x * 2, x * 3)

    f.defjvp(lambda p, t: (f(p[0]), [t[0] * 5, t[0] * 7]))  # a list for a tuple
    for run in (lambda: tg.jvp(f, (1.0,), (1.0,)), lambda: tg.grad(lambda x: f(x)[0] + f(x)[1])(1.0)):
        with pytest.raises(TypeError, match="must have one structure"):
            run()


def test_a_rule_that_applies_reduce_precision_to_its_tangents_is_transposed_through_its_rule():
    # (a custom_jvp on the tangents runs as its bare function there: reduce_precision's
    # rounding differentiated to 0, a silently zero gradient; it keeps its rule now)
    @tg.custom_jvp
    def f(x):
        return tg.sin(x)

    f.defjvp(lambda p, t: (f(p[0]), tg.lax.reduce_precision(tg.cos(p[0]) * t[0], exponent_bits=8,
                                                             mantissa_bits=7)))
    assert np.isclose(tg.grad(f)(0.7), np.cos(0.7), rtol=1e-12)  # (JAX: cos 0.7, unrounded)
    assert np.isclose(tg.jvp(f, (0.7,), (1.0,))[1], 0.765625)   # (cos 0.7 rounded to bfloat16)

    @tg.custom_jvp
    def g(x):
        return tg.sin(x)

    g.defjvp(lambda p, t: (g(p[0]), g(t[0]) * 0 + tg.cos(p[0]) * t[0]))  # its own function: no recursion
    assert np.isclose(tg.grad(g)(0.7), np.cos(0.7), rtol=1e-12)


@pytest.mark.parametrize("kind", ["jvp", "vjp"])
def test_double_backward_through_a_custom_rule_given_a_constant_tensor(kind):
    # a tensor that does not require grad among the arguments (BCE's target, say) cut the
    # second backward off the rule's output: the 2·f′·f′ term of d²(f²) was lost
    if kind == "jvp":
        @tg.custom_jvp
        def f(x, t):
            return tg.sin(x) * t

        @f.defjvp
        def _(p, tn):
            (x, t), (dx, dt) = p, tn
            return f(x, t), tg.cos(x) * t * dx + tg.sin(x) * dt
    else:
        @tg.custom_vjp
        def f(x, t):
            return tg.sin(x) * t
        f.defvjp(lambda x, t: (f(x, t), (x, t)), lambda r, g: (g * tg.cos(r[0]) * r[1], g * tg.sin(r[0])))
    x0, t0, v = np.array([0.3, 1.1]), np.array([2.0, -1.0]), np.array([1.0, 0.5])
    want = tg.jvp(tg.grad(lambda x: tg.sum(f(x, t0) ** 2)), (x0,), (v,))[1]
    for target in (t0, tg.tensor(t0)):
        x = tg.tensor(x0, requires_grad=True)
        (g,) = tg.autograd.grad(tg.sum(f(x, target) ** 2), x, create_graph=True)
        tg.sum(g * tg.tensor(v)).backward()
        np.testing.assert_allclose(x.grad, want, rtol=1e-13)
    z, y = np.array([0.2, -1.3, 0.7]), np.array([0.1, 0.8, 0.5])
    loss = lambda s, yy: tg.sum(tg.nn.functional.binary_cross_entropy(tg.sigmoid(s), yy, reduction="none") ** 2)  # noqa: E731
    zt = tg.tensor(z, requires_grad=True)
    (g,) = tg.autograd.grad(loss(zt, tg.tensor(y)), zt, create_graph=True)
    tg.sum(g * tg.tensor(v[:1].repeat(3))).backward()
    np.testing.assert_allclose(zt.grad, tg.jvp(tg.grad(lambda s: loss(s, y)), (z,), (np.ones(3),))[1], rtol=1e-12)


def test_a_rule_given_a_constant_tensor_still_sees_a_tensor():
    @tg.custom_vjp
    def f(x, t):
        return tg.sin(x) * t
    f.defvjp(lambda x, t: (f(x, t), (x, t.detach())), lambda r, g: (g * tg.cos(r[0]) * r[1], g * tg.sin(r[0])))
    x0, t0 = np.array([0.3, 1.1]), np.array([2.0, -1.0])
    x = tg.tensor(x0, requires_grad=True)
    f(x, tg.tensor(t0)).sum().backward()
    np.testing.assert_allclose(x.grad, np.cos(x0) * t0, rtol=1e-15)
