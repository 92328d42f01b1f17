"""Derivatives at points where an op's slope is infinite (√x at 0, x^−2 at 0, arcsin at 1, ...).

There a zero cotangent still gives 0 (nothing flows), but the next derivative of an infinite
slope has no finite value: tensorgrad gives NaN for it, never a silent 0 (JAX gives ±inf or NaN).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

# (tensorgrad function, JAX function, point): the first derivative there is ±inf
STEEP = [
    ("sqrt", tg.sqrt, jnp.sqrt, 0.0),
    ("cbrt", tg.cbrt, jnp.cbrt, 0.0),
    ("pow_half", lambda x: x ** 0.5, lambda x: x ** 0.5, 0.0),
    ("pow_minus_half", lambda x: tg.power(x, -0.5), lambda x: jnp.power(x, -0.5), 0.0),
    ("pow_minus_two", lambda x: tg.power(x, -2.0), lambda x: jnp.power(x, -2.0), 0.0),
    ("arcsin", tg.arcsin, jnp.arcsin, 1.0),
    ("arccos", tg.arccos, jnp.arccos, 1.0),
    ("arccosh", tg.arccosh, jnp.arccosh, 1.0),
    ("integer_pow", lambda x: tg.lax.integer_pow(x, -2), lambda x: jax.lax.integer_pow(x, -2), 0.0),
    ("entr", tg.special.entr, jax.scipy.special.entr, 0.0),
]


@pytest.mark.parametrize("name,f,jf,x0", STEEP, ids=[c[0] for c in STEEP])
def test_second_derivative_at_an_infinite_slope_is_nan_not_zero(name, f, jf, x0):
    x = np.float64(x0)
    with np.errstate(divide="ignore", invalid="ignore"):  # the forward itself may be ±inf there
        d1 = tg.grad(f)(x)
        assert np.isinf(d1) and d1 == jax.jit(jax.grad(jf))(x)  # the first: ±inf, as JAX
        assert np.isnan(tg.grad(tg.grad(f))(x))
        xs = np.array([x0, 2.0 if name == "arccosh" else (0.25 if x0 == 0 else 0.5)])
        h = tg.hessian(lambda v: tg.sum(f(v)))(xs)
        assert np.isnan(h[0, 0]) and h[0, 1] == 0 and h[1, 0] == 0
        # elsewhere the second derivative is the usual one
        want = jax.jit(jax.hessian(lambda v: jnp.sum(jf(v))))(xs)
        np.testing.assert_allclose(h[1, 1], want[1, 1], rtol=1e-12)
        for hh in (tg.jacfwd(tg.grad(lambda v: tg.sum(f(v))))(xs), tg.jit(tg.hessian(lambda v: tg.sum(f(v))))(xs)):
            assert np.isnan(hh[0, 0]) and hh[1, 1] == h[1, 1]


def test_a_masked_steep_point_stays_zero_at_every_order():
    # where() sends a zero cotangent to sqrt at 0: nothing flows, at first and second order
    f = lambda v: tg.sum(tg.where(v > 0.5, tg.sqrt(v), 0.0))  # noqa: E731
    x = np.array([0.0, 4.0])
    np.testing.assert_array_equal(tg.grad(f)(x), [0.0, 0.25])
    np.testing.assert_array_equal(tg.hessian(f)(x), [[0.0, 0.0], [0.0, -1 / 32]])


def test_power_slope_sign_at_negative_zero_follows_the_odd_exponent():
    # d/dx x^−2 = −2x^−3: +inf at −0.0 (x^−3 = −inf there), −inf at +0.0; x^−1: −inf at both
    with np.errstate(divide="ignore"):
        for y in (-2.0, -1.0, -3.0, -0.5):
            for x0 in (0.0, -0.0):
                got = tg.grad(lambda v: tg.power(v, y))(np.float64(x0))
                want = jax.jit(jax.grad(lambda v: jnp.power(v, y)))(x0)
                assert got == want, (y, x0, got, want)


def test_an_infinite_cotangent_through_abs_at_zero_is_nan_without_a_warning():
    x = np.array([0.0, 1.0, 2.0])
    g = tg.grad(lambda v: tg.sum(tg.sqrt(tg.abs(v))))(x)     # the warning is an error here
    assert np.isnan(g[0]) and np.allclose(g[1:], 0.5 / np.sqrt(x[1:]))
    g = tg.grad(lambda v: tg.linalg.vector_norm(v, ord=0.5))(x)
    assert np.isnan(g[0]) and np.isfinite(g[1:]).all()


@pytest.mark.parametrize("name, f, jf, z0", [
    ("sqrt", tg.sqrt, jnp.sqrt, 0j),
    ("rsqrt", tg.lax.rsqrt, jax.lax.rsqrt, 0j),  # (1/√z: reciprocal's 0·inf is NaN, as JAX's)
    ("pow_half", lambda z: z ** 0.5, lambda z: z ** 0.5, 0j),
    ("arcsin", tg.arcsin, jnp.arcsin, 1 + 0j),
    ("arccos", tg.arccos, jnp.arccos, -1 + 0j),
    ("arccosh", tg.arccosh, jnp.arccosh, 1 + 0j),
])
def test_a_complex_branch_point_gives_nan_as_jax_and_a_zero_cotangent_masks_it(name, f, jf, z0):
    # the slope is infinite with no one direction: NaN + NaN·i, as JAX (not a crash)
    z = np.array([z0, 0.5 + 0.5j])
    g = np.array([1.0 + 0.5j, 1.0 - 2.0j])
    with np.errstate(divide="ignore", invalid="ignore"):  # (as NumPy's 1/√z at 0 warns)
        _check_branch_point(f, jf, z, g)


def _check_branch_point(f, jf, z, g):
    ours = tg.vjp(f, z)[1](g)[0]
    theirs = np.asarray(jax.vjp(jf, z)[1](g)[0])
    assert np.isnan(ours[0].real) and np.isnan(ours[0].imag)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    _, tangent = tg.jvp(f, (z,), (g,))
    assert np.isnan(tangent[0]) and np.isclose(tangent[1], jax.jvp(jf, (z,), (g,))[1][1], rtol=1e-12)
    # a zero cotangent on the branch point: nothing flows there (rsqrt = 1/√z: NaN, as JAX)
    masked = tg.vjp(f, z)[1](np.array([0j, 1.0]))[0]
    assert masked[0] == 0 if f is not tg.lax.rsqrt else np.isnan(masked[0])
    np.testing.assert_allclose(masked[1], np.asarray(jax.vjp(jf, z)[1](np.array([0j, 1.0]))[0])[1],
                               rtol=1e-12)


@pytest.mark.parametrize("p", [0.5, 0.25])
def test_a_p_norm_below_one_at_a_zero_entry_is_undefined_in_both_modes(p):
    # |x_i|^p grows like |t|^p: forward and reverse mode agree that the slope is undefined
    # there (JAX: −inf/inf), and stay finite along directions that leave the zero entry at 0
    x, v = np.array([2.0, 0.0, 3.0]), np.array([0.7, -0.4, 1.3])
    f = lambda a: tg.linalg.norm(a, ord=p)  # noqa: E731
    g = tg.grad(f)(x)
    assert np.isnan(g[1]) and np.all(np.isfinite(g[[0, 2]]))
    np.testing.assert_allclose(g[[0, 2]], np.asarray(jax.grad(lambda a: jnp.linalg.norm(a, ord=p))(x))[[0, 2]],
                               rtol=1e-12)
    assert np.isnan(tg.jvp(f, (x,), (v,))[1])
    w = v * np.array([1.0, 0.0, 1.0])
    np.testing.assert_allclose(tg.jvp(f, (x,), (w,))[1], g[[0, 2]] @ w[[0, 2]], rtol=1e-12)
    assert tg.grad(f)(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]  # the documented 0 at x = 0


@pytest.mark.parametrize("name, f, x0", [
    ("gammainc(2)", lambda x: tg.scipy.special.gammainc(2.0, x), 0.0),
    ("gammainc(1.5)", lambda x: tg.scipy.special.gammainc(1.5, x), 0.0),
    ("gammaincc(2)", lambda x: tg.scipy.special.gammaincc(2.0, x), 0.0),
    ("betainc(2, 3) at 0", lambda x: tg.scipy.special.betainc(2.0, 3.0, x), 0.0),
    ("betainc(3, 2) at 1", lambda x: tg.scipy.special.betainc(3.0, 2.0, x), 1.0),
])
def test_a_slope_from_a_limit_at_an_end_has_no_silent_zero_second_derivative(name, f, x0):
    # the first derivative there is a limit (0 or 1): its own slope is 1, inf, −1, 12, −12,
    # not the 0 of a constant; tensorgrad gives NaN (as JAX), and the first derivative stays
    x = np.array([x0, 0.5])
    d1 = tg.grad(lambda v: tg.sum(f(v)))(x)
    assert np.isfinite(d1[0])
    d2 = tg.grad(lambda v: tg.sum(tg.grad(lambda w: tg.sum(f(w)))(v)))(x)
    assert np.isnan(d2[0]) and np.isfinite(d2[1])
    # a > 2 (b > 2 at x = 1): the slope's slope there is 0 indeed
    far = tg.grad(lambda v: tg.grad(lambda w: tg.scipy.special.gammainc(3.0, w))(v))(0.0)
    assert far == 0.0


def test_an_overflowed_output_next_to_a_steep_entry_keeps_its_second_derivative():
    # the NaN marking a steep entry's next derivative goes into the inputs only: through the
    # output (x**y = inf at x = 1e200) it met the output's own infinite slope and leaked 0·inf
    def mixed(x, y):
        gx = lambda a, b: tg.grad(lambda a, b: tg.sum(tg.power(a, b)), argnums=0)(a, b)  # noqa: E731
        return tg.grad(lambda a, b: tg.sum(gx(a, b)), argnums=1)(x, y)
    with np.errstate(over="ignore"):  # (x**y's own overflow, as NumPy's)
        d = mixed(np.array([1e200, 0.0]), np.array([2.0, 0.5]))
    assert np.isclose(d[0], 1e200 * (1 + 2 * np.log(1e200)), rtol=1e-12) and np.isnan(d[1])


@pytest.mark.parametrize("name,f,jf,x0", STEEP, ids=[c[0] for c in STEEP])
def test_every_further_derivative_stays_undefined_in_every_mode(name, f, jf, x0):
    # once the second derivative is NaN, the third and fourth are too (they were a silent 0:
    # the NaN was a constant, whose own derivative is 0), nested reverse, forward or mixed
    x = np.float64(x0)
    with np.errstate(divide="ignore", invalid="ignore"):
        for nest in ((tg.grad,) * 4, (tg.jacfwd,) * 4, (tg.grad, tg.jacfwd) * 2, (tg.jacfwd, tg.grad) * 2):
            d = f
            for k, t in enumerate(nest):
                d = t(d)
                if k >= 1:
                    assert np.isnan(d(x)), (name, k + 1, nest)


def test_a_masked_entry_stays_zero_at_every_order():
    d = lambda x: tg.where(x > 0, tg.sqrt(x), 0.0)  # noqa: E731
    for _ in range(4):
        d = tg.grad(d)
        assert d(0.0) == 0.0
    x = np.array([0.0, 4.0])
    third = tg.jacfwd(tg.hessian(lambda x: tg.sum(tg.sqrt(x) * np.array([0.0, 1.0]))))(x)
    assert third[0].tolist() == [[0.0, 0.0], [0.0, 0.0]] and third[1, 1, 1] == 3 / 8 / 32


def test_mixed_derivative_of_a_power_over_its_exponent_is_undefined_at_the_singular_points():
    # ∂x∂y x^y = x^(y−1)·(1 + y·log x): 1/x on y = 0, 1 + log x on y = 1, both unbounded at
    # x = 0; each slope is finite there, so the mixed derivative came out 0 or 1 (and the
    # Hessian was not symmetric: [[0, 1], [0, 0]] at (0, 1))
    pw = lambda v: v[0] ** v[1]  # noqa: E731
    for y in (0.0, 1.0):
        for hess in (tg.hessian(pw), tg.jacrev(tg.jacrev(pw)), tg.jacfwd(tg.jacrev(pw)), tg.jacrev(tg.jacfwd(pw))):
            h = hess(np.array([0.0, y]))
            assert np.isnan(h[0, 1]) and np.isnan(h[1, 0]), (y, h)
            assert h[0, 0] == 0.0 and h[1, 1] == 0.0
    # below y = 1 too, whichever input goes first (the y rule's slope at x = 0 is 0)
    for y in (0.5, 0.25):
        assert np.isnan(tg.grad(tg.grad(lambda a, b: a ** b, 1), 0)(0.0, y))
        assert np.isnan(tg.jacrev(tg.jacrev(pw))(np.array([0.0, y]))[1, 0])
    # nearby, and above y = 1, the mixed derivative is finite and symmetric, as JAX's
    for v in ([0.0, 2.0], [0.0, 3.5], [2.0, 1.0], [0.5, 0.0]):
        h = tg.hessian(pw)(np.array(v))
        assert np.allclose(h, jax.hessian(lambda v: v[0] ** v[1])(jnp.array(v)), rtol=1e-12, atol=0)
    # through the exponent's slope: ∂y∂x∂x x^y at x = 0 for y = 0.5 (an infinite slope) and
    # y = 2 (x^(y−2) = x^0: 3 + 2·log x), where JAX's 3 is the finite value of a divergent limit
    for y in (0.5, 2.0):
        d = tg.grad(tg.grad(tg.grad(lambda x, y: x ** y, 0), 0), 1)(0.0, y)
        assert np.isnan(d), (y, d)
    # a zero cotangent still gives 0 there: the entry not selected
    g = tg.grad(lambda v: tg.where(v[0] > 0, v[0] ** v[1], 0.0) * 0.0 + tg.sum(v))
    assert tg.jacfwd(g)(np.array([0.0, 1.0])).tolist() == [[0.0, 0.0], [0.0, 0.0]]
