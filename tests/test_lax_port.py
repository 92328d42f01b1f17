"""Cases from JAX's lax autodiff and control-flow tests that tensorgrad got wrong: the second
derivative of custom_linear_solve, higher derivatives under tg.jit (cumprod, logaddexp, rem,
custom_jvp rules, products over an empty axis), and out-of-range axes in tg.lax."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(0)


def test_custom_linear_solve_second_order():
    A = RNG.normal(size=(3, 3)) + 4 * np.eye(3)
    b, tb, ct = RNG.normal(size=3), RNG.normal(size=3), RNG.normal(size=3)
    tA = RNG.normal(size=(3, 3))

    def f_tg(A, b):
        return tg.lax.custom_linear_solve(lambda v: A @ v, b, lambda mv, r: tg.linalg.solve(A, r),
                                          lambda mv, r: tg.linalg.solve(A.T, r))

    def f_jax(A, b):
        return jax.lax.custom_linear_solve(lambda v: A @ v, b, lambda mv, r: jnp.linalg.solve(A, r),
                                           lambda mv, r: jnp.linalg.solve(A.T, r))
    h_tg = lambda A, b: tg.sum(tg.jvp(f_tg, (A, b), (tA, tb))[1] * ct)  # noqa: E731
    h_jax = lambda A, b: jnp.sum(jax.jvp(f_jax, (A, b), (tA, tb))[1] * ct)  # noqa: E731
    for got, want in zip(tg.grad(h_tg, argnums=(0, 1))(A, b), jax.grad(h_jax, argnums=(0, 1))(A, b)):
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12)
    got = tg.jit(tg.grad(h_tg))(A, b)
    assert np.allclose(got, jax.grad(h_jax)(A, b), rtol=1e-10)


@pytest.mark.parametrize("name", ["prod_empty", "cumprod", "cumlogsumexp", "rem", "custom_jvp"])
def test_higher_derivatives_under_jit(name):
    x = np.array([0.7, -1.3, 2.1, 0.4])
    y = np.array([1.1, 0.7, -2.0, 0.9])

    @tg.custom_jvp
    def f(v):
        return tg.sin(v) * v
    f.defjvp(lambda p, t: (f(p[0]), (tg.cos(p[0]) * p[0] + tg.sin(p[0])) * t[0]))
    fn, arg = {
        "prod_empty": (tg.grad(lambda v: tg.sum(tg.prod(v, axis=1))), np.ones((3, 0, 5))),
        "cumprod": (tg.hessian(lambda v: tg.sum(tg.lax.cumprod(v, reverse=True) ** 2)), x),
        "cumlogsumexp": (tg.hessian(lambda v: tg.sum(tg.lax.cumlogsumexp(v) ** 2)), x),
        "rem": (tg.hessian(lambda d: tg.sum(tg.lax.rem(x, d) ** 2)), y),
        "custom_jvp": (tg.hessian(lambda v: tg.sum(f(v) ** 2)), x),
    }[name]
    assert np.allclose(tg.jit(fn)(arg), fn(arg), rtol=1e-12)


def test_lax_refuses_out_of_range_axes():
    x = np.arange(12.).reshape(3, 4)
    with pytest.raises(ValueError, match="axis"):
        tg.lax.dynamic_index_in_dim(x, 1, axis=2)
    with pytest.raises(ValueError, match="axis"):
        tg.lax.dynamic_slice_in_dim(x, 1, 2, axis=-3)
    for name in ("cummax", "cummin", "cumlogsumexp"):
        with pytest.raises(ValueError, match="axis"):
            getattr(tg.lax, name)(x, axis=2)
    assert np.array_equal(tg.lax.cummax(x, axis=-1), jax.lax.cummax(x, axis=1))


def test_fori_loop_with_float_bounds_of_one_dtype_counts_as_jax():
    body = lambda i, c: c + i  # noqa: E731
    for lo, hi in [(0.0, 3.0), (np.float32(0.5), np.float32(3.0)), (1.0, 1.0), (-1.5, 2.5)]:
        want = jax.lax.fori_loop(lo, hi, body, jnp.asarray(0.0, np.asarray(lo).dtype))
        got = tg.lax.fori_loop(lo, hi, body, np.asarray(0.0, np.asarray(lo).dtype)[()])
        np.testing.assert_array_equal(got, np.asarray(want))
    for lo, hi in [(0, 3.5), (0.0, np.float32(2.0))]:  # mixed types: JAX refuses them too
        with pytest.raises(TypeError, match="one type"):
            tg.lax.fori_loop(lo, hi, body, 0.0)
    np.testing.assert_allclose(tg.grad(lambda x: tg.lax.fori_loop(0.0, 2.0, lambda i, c: c * x + i, x))(2.0),
                               jax.grad(lambda x: jax.lax.fori_loop(0.0, 2.0, lambda i, c: c * x + i, x))(2.0))


@pytest.mark.parametrize("symmetric", [True, False])
def test_forward_over_reverse_through_custom_linear_solve_in_matvec_consts(symmetric):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, 2.0])

    def make(m, L):
        kw = {"symmetric": True} if symmetric else {"transpose_solve": lambda mv, r: L.linalg.solve(m.T, r)}
        return lambda bb: L.lax.custom_linear_solve(lambda v: m @ v, bb, lambda mv, r: L.linalg.solve(m, r), **kw)

    def tg_loss(m):
        return tg.sum(make(m, tg)(b) ** 3)

    def jax_loss(m):
        return jnp.sum(make(m, _JaxNS)(b) ** 3)

    got = tg.jvp(tg.grad(tg_loss), (A,), (np.ones((2, 2)),))[1]
    want = jax.jvp(jax.grad(jax_loss), (A,), (np.ones((2, 2)),))[1]
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-12)
    np.testing.assert_allclose(tg.hessian(tg_loss)(A), np.asarray(jax.hessian(jax_loss)(A)), rtol=1e-12,
                               atol=1e-15)


class _JaxNS:  # jax.lax and jnp.linalg under one name, for the shared builder above
    lax = jax.lax
    linalg = jnp.linalg


def test_loop_carries_keep_their_dtypes_as_in_jax():
    bad = [lambda: tg.lax.scan(lambda c, x: (c.astype(np.float32), None), np.float64(1.0), None, length=2),
           lambda: tg.lax.fori_loop(0, 2, lambda i, c: 1.5, np.float32(0)),
           lambda: tg.lax.scan(lambda c, x: (np.int32(1), None), 0.5, None, length=2),
           # (a wrong body that never ends the loop: refused at the first step)
           lambda: tg.lax.while_loop(lambda c: c[1] < 1, lambda c: (True, True),
                                     (np.bool_(True), np.float32(0.0)))]
    for f in bad:
        with pytest.raises(TypeError, match="carry"):
            f()
    # a Python number is weakly typed: it may take a wider kind's dtype, as in JAX
    for init, body in ((0, lambda i, c: c + np.float32(0.5)), (0.0, lambda i, c: c + np.float64(1.0))):
        got = tg.lax.fori_loop(0, 3, body, init)
        want = jax.lax.fori_loop(0, 3, body, init)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)
    # scan: a weak carry takes the dtype of its first new value before the loop, so the ys
    # it is stacked into get that dtype too (they were float64 beside a float32 carry)
    xs = np.arange(8, dtype=np.float32).reshape(4, 2)
    for init, body in ((0.0, lambda c, a: (c + a[0], c)), (0, lambda c, a: (c + a[1], c * a))):
        got, want = tg.lax.scan(body, init, xs), jax.lax.scan(body, init, xs)
        for g, w in zip(got, want):
            assert np.asarray(g).dtype == w.dtype
            np.testing.assert_array_equal(g, w)


def test_select_checks_dtypes_with_a_clear_error():
    a, b, p = np.ones(2), np.zeros(2, np.float32), np.array([True, False])
    with pytest.raises(TypeError, match="same dtypes"):
        tg.lax.select_n(np.int32(0), a, b)
    with pytest.raises(TypeError, match="same dtypes"):
        tg.lax.select(p, a, b)


def test_integer_division_and_narrowing_casts_wrap_quietly_as_xla():
    x, y = np.array([-2**31, 7], np.int32), np.array([-1, -2], np.int32)
    np.testing.assert_array_equal(tg.lax.div(x, y), jax.lax.div(x, y))
    np.testing.assert_array_equal(tg.jit(tg.lax.div)(x, y), jax.lax.div(x, y))
    v = np.array([1e300, -1e39, 2.0])
    for dt in (np.float32, np.float16):
        got = tg.lax.convert_element_type(v, dt)
        assert got.dtype == dt
        np.testing.assert_array_equal(got, jax.lax.convert_element_type(v, dt))


def test_top_k_ranks_positive_zero_above_negative_zero():
    x = np.array([-0.0, 0.0, -1.0, 0.0])
    for k in (1, 2, 4):
        vals, idx = tg.lax.top_k(x, k)
        jv, ji = jax.lax.top_k(x, k)
        assert type(tg.lax.top_k(x, k)) is type(jax.lax.top_k(x, k)) is list  # (JAX's pytree)
        np.testing.assert_array_equal(idx, ji)
        np.testing.assert_array_equal(np.signbit(vals), np.signbit(jv))
    g = tg.grad(lambda v: tg.lax.top_k(v, 1)[0][0])(x)
    np.testing.assert_array_equal(g, jax.grad(lambda v: jax.lax.top_k(v, 1)[0][0])(x))


def test_scan_length_is_a_non_negative_integral_number():
    c, ys = tg.lax.scan(lambda c, x: (c + 1, c), 0, None, length=2.0)
    cj, yj = jax.lax.scan(lambda c, x: (c + 1, c), 0, None, length=2.0)
    assert int(c) == int(cj) and np.array_equal(ys, yj)
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="length"):
            tg.lax.scan(lambda c, x: (c + 1, c), 0, None, length=bad)


def test_cond_branches_of_python_numbers_and_arrays_must_agree_as_in_jax():
    pairs = [(lambda: 1, lambda: 2.5), (lambda: 2.0, lambda: np.float32(1.0)),
             (lambda: 1, lambda: np.int32(2)), (lambda: 1.0, lambda: np.float64(2.0)),
             (lambda: True, lambda: False), (lambda: 1.0, lambda: np.ones(()))]
    for a, b in pairs:
        for pred in (True, False):
            try:
                want = ("value", float(jax.lax.cond(pred, a, b)))
            except TypeError:
                want = ("TypeError",)
            try:
                got = ("value", float(tg.lax.cond(pred, a, b)))
            except TypeError:
                got = ("TypeError",)
            assert got == want, (a, b, pred)
