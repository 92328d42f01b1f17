"""Casts to integer or bool dtypes carry no gradient (JAX's answer); float casts keep it.

Reproduction: ``tg.grad(lambda x: tg.sum(x.astype(np.int64) * x))([1.5, 2.5, -1.5])``
gave [2.5, 4.5, -2.5]; JAX gives [1, 2, -1].
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

X = np.array([1.5, 2.5, -1.5])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_integer_and_bool_casts_carry_no_gradient(dtype):
    x = np.abs(X) if dtype is np.uint8 else X
    f = lambda x: tg.sum(x.astype(dtype) * x)  # noqa: E731
    fj = lambda x: jnp.sum(x.astype(dtype) * x)  # noqa: E731
    want, Jw = (np.asarray(r) for r in jax.jit(lambda x: (
        jax.grad(fj)(x), jax.jacfwd(lambda v: v.astype(dtype) * v)(x)))(x))
    np.testing.assert_array_equal(tg.grad(f)(x), want)
    np.testing.assert_array_equal(tg.jacfwd(lambda x: x.astype(dtype) * x)(x), Jw)
    np.testing.assert_array_equal(tg.jacrev(lambda x: x.astype(dtype) * x)(x), Jw)
    assert np.all(tg.grad(lambda x: tg.sum(tg.astype(x, dtype) * 1.0))(x) == 0)


def test_a_cast_alone_gives_zero_and_is_not_recorded():
    t = tg.tensor(X, requires_grad=True)
    assert not t.astype(np.int64).requires_grad
    assert t.astype(np.float32).requires_grad
    assert tg.grad(lambda x: tg.sum(x.astype(np.int64) * 1.0))(X).tolist() == [0.0, 0.0, 0.0]


def test_float_casts_keep_the_gradient_in_the_inputs_dtype():
    g = tg.grad(lambda x: tg.sum(x.astype(np.float32) * x.astype(np.float32)))(X)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * X, rtol=1e-6)
    x32 = X.astype(np.float32)
    g = tg.grad(lambda x: tg.sum(x.astype(np.float64) ** 2))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x32)
