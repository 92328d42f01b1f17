"""Custom rules see JAX's shapes, and batched transforms map them over the batch.

Reproductions: under ``jacrev`` a custom_vjp backward rule received the
cotangent with an extra batch axis, so the textbook rule ``(A.T @ g,)`` gave
Aᵀ instead of A; a scalar output crashed; check_grads crashed on a wrong rule
instead of reporting it.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

A = np.array([[2.0, -1.0, 0.5], [0.3, 1.5, -2.0], [1.0, 0.2, 0.7]])
X = np.array([0.4, -0.3, 1.1])


def _linear_tg():
    @tg.custom_vjp
    def f(x):
        return A @ x
    f.defvjp(lambda x: (f(x), None), lambda res, g: (A.T @ g,))
    return f


def _sum_sin_tg():
    @tg.custom_vjp
    def s(x):
        return tg.sum(tg.sin(x))
    s.defvjp(lambda x: (s(x), x), lambda x, g: (g * tg.cos(x),))
    return s


def _sum_sin_jax():
    @jax.custom_vjp
    def s(x):
        return jnp.sum(jnp.sin(x))
    s.defvjp(lambda x: (s(x), x), lambda x, g: (g * jnp.cos(x),))
    return s


def test_custom_vjp_under_jacrev_gives_the_jacobian():
    f = _linear_tg()
    np.testing.assert_allclose(tg.jacrev(f)(X), A, rtol=1e-14)
    np.testing.assert_allclose(tg.jacrev(f, chunk_size=2)(X), A, rtol=1e-14)
    with pytest.raises(TypeError, match="forward-mode differentiation .* custom_vjp"):
        tg.jacfwd(f)(X)  # as JAX: a VJP rule says nothing about forward mode


def test_custom_vjp_with_a_scalar_output_and_second_order():
    s, sj = _sum_sin_tg(), _sum_sin_jax()
    np.testing.assert_allclose(tg.jacrev(s)(X), np.cos(X), rtol=1e-14)
    H = np.asarray(jax.jit(jax.jacrev(jax.jacrev(sj)))(X))  # the user's rule, differentiated
    np.testing.assert_allclose(tg.jacrev(tg.jacrev(s))(X), H, rtol=1e-12)
    np.testing.assert_allclose(tg.hessian(s)(X), H, rtol=1e-12)


def test_custom_vjp_with_a_matrix_output_and_two_inputs():
    @tg.custom_vjp
    def outer(a, b):
        return a[:, None] * b[None, :]
    outer.defvjp(lambda a, b: (outer(a, b), (a, b)),
                 lambda r, g: (g @ r[1], r[0] @ g))

    @jax.custom_vjp
    def outer_j(a, b):
        return a[:, None] * b[None, :]
    outer_j.defvjp(lambda a, b: (outer_j(a, b), (a, b)), lambda r, g: (g @ r[1], r[0] @ g))
    b = np.array([1.0, 2.0])
    want = jax.jit(jax.jacrev(outer_j, argnums=(0, 1)))(X, b)
    got = tg.jacrev(outer, argnums=(0, 1))(X, b)
    for gt, w in zip(got, want):
        np.testing.assert_allclose(gt, np.asarray(w), rtol=1e-14)


def _exp_jvp_tg():
    @tg.custom_jvp
    def e(x):
        return tg.exp(x)

    @e.defjvp
    def e_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        assert np.shape(t) == np.shape(x)  # the rule sees one tangent shaped like its input
        return e(x), e(x) * t
    return e


def test_custom_jvp_in_every_mode_matches_jax():
    e = _exp_jvp_tg()

    @jax.custom_jvp
    def ej(x):
        return jnp.exp(x)
    ej.defjvp(lambda p, t: (ej(p[0]), ej(p[0]) * t[0]))
    W = np.arange(6.0).reshape(2, 3) / 5

    def f(x):
        return W @ e(x * x)

    def fj(x):
        return W @ ej(x * x)
    J, H = (np.asarray(r) for r in jax.jit(lambda x: (
        jax.jacfwd(fj)(x), jax.hessian(lambda v: jnp.sum(fj(v)))(x)))(X))
    np.testing.assert_allclose(tg.jacfwd(f)(X), J, rtol=1e-13)
    np.testing.assert_allclose(tg.jacrev(f)(X), J, rtol=1e-13)
    np.testing.assert_allclose(tg.jacfwd(f, chunk_size=2)(X), J, rtol=1e-13)
    np.testing.assert_allclose(tg.hessian(lambda x: tg.sum(f(x)))(X), H, rtol=1e-12)


def test_check_grads_reports_a_wrong_rule_as_a_mismatch():
    wrong = tg.custom_vjp(lambda x: tg.sin(x))
    wrong.defvjp(lambda x: (tg.sin(x), x), lambda x, g: (g * tg.sin(x),))  # should be cos
    with pytest.raises(tg.check.GradCheckError, match="disagrees"):
        tg.check.check_grads(wrong, X, modes=("rev",))  # (forward mode refuses custom_vjp, as JAX)
    transposed = tg.custom_vjp(lambda x: A @ x)  # the classic slip: A instead of A.T
    transposed.defvjp(lambda x: (A @ x, None), lambda r, g: (A @ g,))
    with pytest.raises(tg.check.GradCheckError, match="worst Jacobian entries"):
        tg.check.check_grads(transposed, X, modes=("rev",))
    scalar = tg.custom_vjp(lambda x: tg.sum(tg.sin(x)))  # a scalar output used to crash here
    scalar.defvjp(lambda x: (tg.sum(tg.sin(x)), x), lambda x, g: (g * tg.sin(x),))
    with pytest.raises(tg.check.GradCheckError, match="worst Jacobian entries"):
        tg.check.check_grads(scalar, X, modes=("rev",))
    right = tg.custom_vjp(lambda x: tg.sin(x))
    right.defvjp(lambda x: (tg.sin(x), x), lambda x, g: (g * tg.cos(x),))
    tg.check.check_grads(right, X, order=1, modes=("rev",))


def test_a_rule_returning_the_wrong_shape_is_a_clear_error():
    bad = tg.custom_vjp(lambda x: tg.sum(x))
    bad.defvjp(lambda x: (tg.sum(x), None), lambda r, g: (np.ones(2),))
    with pytest.raises(ValueError, match=r"custom_vjp .*shape \(2,\).*shape \(3,\)"):
        tg.grad(bad)(X)
    e = tg.custom_jvp(lambda x: tg.sum(x))
    e.defjvp(lambda p, t: (tg.sum(p[0]), t[0]))  # a tangent of the input's shape, not the output's
    with pytest.raises(ValueError, match="custom_jvp"):
        tg.jvp(e, (X,), (X,))


# ---- pytrees, keywords, linearize, forward mode ------------------------------------------------
def _dict_rule(m, C):
    @C
    def f(d):
        return d["a"] * 2.0 + m.sin(d["b"])
    f.defjvp(lambda p, t: (f(p[0]), 100.0 * t[0]["a"] + 3.0 * t[0]["b"]))
    return f


def test_rules_see_pytree_arguments_and_outputs_as_jax():
    """The user's rule is used (not the function's own ops) when arguments or outputs are
    dicts, lists or tuples: before, arrays inside them were differentiated plainly."""
    ft, fj = _dict_rule(tg, tg.custom_jvp), _dict_rule(jnp, jax.custom_jvp)
    d = {"a": X, "b": 2 * X}
    for a, b in [(tg.grad(lambda v: tg.sum(ft(v)))(d), jax.grad(lambda v: jnp.sum(fj(v)))(d)),
                 (tg.jacfwd(ft)(d), jax.jacfwd(fj)(d)), (tg.jacrev(ft)(d), jax.jacrev(fj)(d)),
                 (tg.jvp(ft, (d,), (d,))[1], jax.jvp(fj, (d,), (d,))[1])]:
        for k in ("a", "b") if isinstance(a, dict) else (None,):
            np.testing.assert_allclose(a[k] if k else a, b[k] if k else b, rtol=1e-13)

    def pair(m, C):
        @C
        def g(a, b):
            return {"p": a * b, "q": m.sum(a)}
        g.defvjp(lambda a, b: (g(a, b), (a, b)),
                 lambda r, ct: ([ct["p"] * r[1] + ct["q"]][0], ct["p"] * r[0] * 10))
        return g
    gt, gj = pair(tg, tg.custom_vjp), pair(jnp, jax.custom_vjp)
    loss_t = lambda a, b: tg.sum(gt(a, b)["p"]) + gt(a, b)["q"]  # noqa: E731
    loss_j = lambda a, b: jnp.sum(gj(a, b)["p"]) + gj(a, b)["q"]  # noqa: E731
    for a, b in zip(tg.grad(loss_t, argnums=(0, 1))(X, X + 1), jax.grad(loss_j, argnums=(0, 1))(X, X + 1)):
        np.testing.assert_allclose(a, b, rtol=1e-13)

    @tg.custom_vjp
    def lst(v):
        return v[0] * v[1]
    lst.defvjp(lambda v: (lst(v), v), lambda r, ct: ([100 * ct, 200 * ct],))
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(lst([a, a])))(X), 300.0)


def test_keywords_linearize_defjvps_and_forward_mode_of_custom_vjp():
    @tg.custom_jvp
    def k(a, b=2.0):
        return a * b
    k.defjvp(lambda p, t: (k(*p), t[0] * p[1] * 10 + t[1] * p[0]))
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(k(a, b=3.0)))(X), 30.0)

    @tg.custom_jvp
    def h(a):
        return tg.sin(a)
    h.defjvp(lambda p, t: (tg.sin(p[0]), 2 * tg.cos(p[0]) * t[0]))
    np.testing.assert_allclose(tg.linearize(h, X)[1](np.ones(3)), 2 * np.cos(X))  # was zeros

    @tg.custom_jvp
    def f3(a, b):
        return a * b
    f3.defjvps(lambda ta, ans, a, b: ta * b, None)
    ga, gb = tg.grad(lambda a, b: tg.sum(f3(a, b)), argnums=(0, 1))(X, X + 1)
    np.testing.assert_allclose(ga, X + 1)
    np.testing.assert_allclose(gb, 0.0)

    @tg.custom_vjp
    def c(a):
        return a
    c.defvjp(lambda a: (a, None), lambda _, g: (0.0 * g,))
    for fn in (lambda: tg.jacfwd(c)(X), lambda: tg.jvp(c, (X,), (X,)), lambda: tg.linearize(c, X)[1](X)):
        with pytest.raises(TypeError, match="forward-mode differentiation .* custom_vjp"):
            fn()
    np.testing.assert_allclose(tg.hessian(lambda a: tg.sum(c(a) ** 2))(X), 0.0)  # over the rule


def test_a_misshaped_bwd_cotangent_names_its_argument():
    @tg.custom_vjp
    def f(x, y):
        return x * y
    f.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1], g * r[0]))  # y's is x-shaped
    with pytest.raises(ValueError, match=r"shape \(3,\) for input 1 of shape \(\)"):
        tg.grad(lambda x, y: tg.sum(f(x, y)), argnums=(0, 1))(np.array([0.1, 0.2, 0.3]), 2.0)


def test_user_rules_with_wrong_structures_or_nonlinear_tangents_raise():
    @tg.custom_vjp
    def f(p):
        return p["w"] * 2.0 + p["b"] * 3.0

    f.defvjp(lambda p: (f(p), None), lambda res, g: ((g * 2.0, g * 3.0),))   # a tuple, not a dict
    p = {"w": np.ones(2), "b": np.ones(2)}
    with pytest.raises(TypeError, match="structure"):
        tg.grad(lambda q: tg.sum(f(q)))(p)

    @tg.custom_vjp
    def h(x):
        return x * 2.0
    h.defvjp(lambda x: x * 2.0, lambda res, g: (g,))                        # fwd: not a pair
    with pytest.raises(TypeError, match="fwd must return a pair"):
        tg.grad(lambda x: tg.sum(h(x)))(np.ones(3))

    @tg.custom_jvp
    def s(x):
        return np.sin(x)

    @s.defjvp
    def s_jvp(primals, tangents):
        (x,), (dx,) = primals, tangents
        return s(x), np.cos(x) * dx ** 2                                      # not linear in dx
    with pytest.raises(ValueError, match="not linear"):
        tg.grad(lambda x: tg.sum(s(x)))(np.array([0.3, -1.2]))
    with pytest.raises(TypeError, match="has_aux"):
        tg.jvp(lambda x: np.stack([x, x]), (np.ones(3),), (np.ones(3),), has_aux=True)


def test_custom_jvp_values_come_from_the_rule_and_integer_outputs_stay_exact():
    @tg.custom_jvp
    def softplus(x):
        with np.errstate(over="ignore"):
            return np.log(1 + np.exp(x))                                      # overflows

    @softplus.defjvp
    def sp_jvp(primals, tangents):
        (x,), (dx,) = primals, tangents
        return np.logaddexp(x, 0.0), dx / (1 + np.exp(-x))                   # the stable form
    value, g = tg.value_and_grad(lambda x: tg.sum(softplus(x)))(np.array([1000.0, 1.0]))
    assert np.isclose(value, 1000.0 + np.log1p(np.exp(-1.0)) + 1.0) and np.isfinite(g).all()
    big = np.int64(2 ** 60 + 1)
    out = tg.grad(lambda x: tg.checkpoint(lambda v: (tg.sum(v), big))(x)[0])(np.ones(2))
    assert out.tolist() == [1.0, 1.0]
    (_, aux), _ = tg.value_and_grad(lambda x: tg.checkpoint(lambda v: (tg.sum(v), big))(x),
                                    has_aux=True)(np.ones(2))
    assert aux == big                                                        # not rounded to 2**60


def test_defjvps_adds_pytree_contributions_leaf_by_leaf():
    x = np.array([0.3, 1.2])

    @tg.custom_jvp
    def h(x, y):
        return (x * y, tg.sin(x))
    h.defjvps(lambda tx, ans, x, y: (tx * y, tg.cos(x) * tx),
              lambda ty, ans, x, y: (x * ty, 0.0 * x))

    @tg.custom_jvp
    def k(x, y):
        return {"a": x * y}
    k.defjvps(lambda tx, ans, x, y: {"a": tx * y}, lambda ty, ans, x, y: {"a": x * ty})
    t = tg.jvp(lambda v: h(v, 2.0 * v)[0] + h(v, v)[1], (x,), (np.ones(2),))[1]
    np.testing.assert_allclose(t, 4 * x + np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(k(v, 2.0 * v)["a"]))(x), 4 * x, rtol=1e-14)


def test_defjvps_rules_hold_at_second_order_too():
    # JAX hands the rules the output of the custom function itself, so differentiating the
    # JVP uses the rules again: f = sin with the (deliberately) custom slope 2 cos
    f = tg.custom_jvp(lambda x: tg.sin(x))
    f.defjvps(lambda t, ans, x: 2 * tg.cos(x) * t)
    g = tg.custom_jvp(lambda x: tg.sin(x))
    g.defjvp(lambda p, t: (g(p[0]), 2 * tg.cos(p[0]) * t[0]))
    x = 0.7
    want = 8 * np.cos(x) ** 2 - 4 * np.sin(x) ** 2  # d²/dx² f(x)² with f' = 2 cos
    for h in (f, g):
        np.testing.assert_allclose(tg.grad(tg.grad(lambda z: h(z) ** 2))(x), want, rtol=1e-14)
        np.testing.assert_allclose(tg.hessian(lambda z: h(z) ** 2)(x), want, rtol=1e-14)


class _SavesAConstant(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x, a):
        ctx.save_for_backward(a)
        ctx.also = a
        return x * a

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        assert ctx.also is a
        return g * a, None


def test_a_functions_saved_arrays_are_locked_while_the_tape_needs_them():
    # an array given to ctx.save_for_backward (or kept as a ctx attribute) was not locked, as a
    # custom_vjp rule's residuals are: a later write changed what backward read, silently
    a = np.array([1.0, 2.0, 3.0])
    _, pull = tg.vjp(lambda x: _SavesAConstant.apply(x, a), np.ones(3))
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 100.0
    np.testing.assert_array_equal(pull(np.ones(3))[0], [1.0, 2.0, 3.0])
    del pull
    assert a.flags.writeable
    x = tg.tensor(np.ones(3), requires_grad=True)
    y = _SavesAConstant.apply(x, a).sum()
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 100.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])
    assert a.flags.writeable


_SCALE = np.array([1.0, 2.0, 3.0])  # (read by a rule by its global name)


def test_arrays_a_custom_vjp_rule_reads_from_its_closure_or_globals_are_locked():
    # bwd read c from its closure (or _SCALE by name): a write between the forward pass and
    # the pullback changed the gradient silently ([100, 2, 3] for the function's [1, 2, 3])
    c = np.array([1.0, 2.0, 3.0])

    @tg.custom_vjp
    def f(x):
        return x * c * _SCALE

    f.defvjp(lambda x: (f(x), None), lambda res, g: (g * c * _SCALE,))
    _, pull = tg.vjp(lambda x: tg.sum(f(x)), np.ones(3))
    for arr in (c, _SCALE):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 100.0
    np.testing.assert_array_equal(pull(1.0)[0], [1.0, 4.0, 9.0])
    del pull
    assert c.flags.writeable and _SCALE.flags.writeable


class _Sub(np.ndarray):
    pass


def test_a_custom_vjp_residual_of_an_array_subclass_is_locked():
    # the residuals' lock looked at exact ndarrays only: a view of the caller's array as a
    # subclass stayed writable through its base, and a write changed the gradient silently
    a = np.array([1.0, 2.0, 3.0])

    @tg.custom_vjp
    def f(x):
        return x * a

    f.defvjp(lambda x: (x * a, a.view(_Sub)), lambda r, g: (g * np.asarray(r),))
    _, pull = tg.vjp(f, np.ones(3))
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 100.0
    np.testing.assert_array_equal(pull(np.ones(3))[0], [1.0, 2.0, 3.0])
    del pull
    assert a.flags.writeable
