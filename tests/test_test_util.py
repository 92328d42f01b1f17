"""tensorgrad.test_util: jax.test_util's check_grads(f, args, order), check_jvp and check_vjp
pass correct derivatives (real and complex) and raise AssertionError on wrong ones."""
import functools

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as jnp
from tensorgrad.test_util import check_grads, check_jvp, check_vjp

W = np.arange(6.0).reshape(2, 3) / 5
B = np.ones(3)


def f(w, b):
    return jnp.tanh(w @ (b * b))


def g(z):
    return jnp.sin(z) * z


@tg.custom_jvp
def wrong_jvp(x):
    return jnp.sin(x)


wrong_jvp.defjvp(lambda p, t: (jnp.sin(p[0]), 2 * t[0]))


@tg.custom_vjp
def wrong_vjp(x):
    return jnp.sin(x)


wrong_vjp.defvjp(lambda x: (jnp.sin(x), x), lambda x, ct: (ct * 2.0,))


def test_correct_derivatives_pass():
    assert check_grads(f, (W, B), order=2) is None
    assert check_grads(f, [W, B], 1, modes=["rev"]) is None
    check_jvp(f, functools.partial(tg.jvp, f), (W, B))
    check_vjp(f, functools.partial(tg.vjp, f), (W, B))
    z = np.array([1 + 2j, 0.5 - 1j])
    check_grads(g, (z,), order=2)
    check_jvp(g, functools.partial(tg.jvp, g), (z,))
    check_vjp(g, functools.partial(tg.vjp, g), (z,))
    assert tg.test_util.check_grads is check_grads


def test_wrong_derivatives_raise():
    x = np.array([0.3, -0.7])
    with pytest.raises(AssertionError):
        check_grads(wrong_jvp, (x,), 1, modes=["fwd"])
    with pytest.raises(AssertionError, match="check_jvp"):
        check_jvp(wrong_jvp, functools.partial(tg.jvp, wrong_jvp), (x,))
    with pytest.raises(AssertionError, match="check_vjp"):
        check_vjp(wrong_vjp, functools.partial(tg.vjp, wrong_vjp), (x,))
    with pytest.raises(AssertionError, match="check_vjp"):  # a wrong primal output
        check_vjp(jnp.sin, lambda x: (jnp.cos(x), lambda u: (u,)), (x,))


def test_args_must_be_a_tuple():
    with pytest.raises(TypeError, match=r"check_grads\(f, args, order\)"):
        check_grads(jnp.sin, np.array([0.3]), 1)
