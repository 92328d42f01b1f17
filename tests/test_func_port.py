"""Cases from PyTorch's torch.func tests that tensorgrad got wrong: results that aliased an
array the caller (or a custom rule) owns, and an empty argnums."""
import numpy as np
import pytest

import tensorgrad as tg


def test_custom_vjp_rule_array_is_not_handed_out():
    fixed = np.array([0.5, -1., 2.])

    @tg.custom_vjp
    def f(x):
        return tg.sum(x)

    f.defvjp(lambda x: (f(x), None), lambda res, g: (fixed,))
    g = tg.grad(f)(np.ones(3))
    assert g is not fixed and not np.shares_memory(g, fixed)
    g *= -0.1
    assert np.array_equal(tg.grad(f)(np.ones(3)), [0.5, -1., 2.])
    _, pull = tg.vjp(f, np.ones(3))
    assert not np.shares_memory(pull(1.0)[0], fixed)


def test_custom_jvp_rule_tangent_is_not_handed_out():
    fixed = np.array([1., 2.])

    @tg.custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda primals, tangents: (f(primals[0]), fixed))
    _, t = tg.jvp(f, (np.ones(2),), (np.ones(2),))
    assert not np.shares_memory(t, fixed)
    # (a constant tangent is not linear in the input tangent: linearize, which records the rule
    # once and pushes tangents through that record, refuses it as reverse mode does)
    with pytest.raises(ValueError, match="not linear in the tangents"):
        tg.linearize(f, np.ones(2))


def test_vmap_out_axes_none_returns_a_copy():
    c = np.array([1., 2.])
    out = tg.vmap(lambda x: c, out_axes=None)(np.ones((3, 2)))
    assert np.array_equal(out, c) and not np.shares_memory(out, c)
    y = np.array([4., 5.])
    out = tg.vmap(lambda x, y: y, in_axes=(0, None), out_axes=None)(np.ones((3, 2)), y)
    assert not np.shares_memory(out, y)
    out = tg.vmap(lambda x: c, out_axes=None)(np.ones((0, 2)))
    assert np.array_equal(out, c) and not np.shares_memory(out, c)


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad, tg.jacrev, tg.jacfwd, tg.hessian])
def test_empty_argnums_is_refused(transform):
    with pytest.raises(ValueError, match="argnums"):
        transform(lambda x: tg.sum(x * x), argnums=())(np.ones(2))


def test_argnums_may_be_a_numpy_integer_array_as_in_jax():
    f = lambda x, y: x * y ** 2  # noqa: E731
    for transform in (tg.grad, tg.jacrev, tg.jacfwd):
        got = transform(f, argnums=np.array([0, 1]))(2.0, 3.0)
        assert isinstance(got, tuple) and np.allclose(got, (9.0, 12.0))
        assert np.isclose(transform(f, argnums=np.array(1))(2.0, 3.0), 12.0)


@pytest.mark.parametrize("transform", [tg.jacrev, tg.jacfwd])
@pytest.mark.parametrize("chunk", [0, -1, 1.5, True])
def test_bad_chunk_size_is_refused(transform, chunk):
    with pytest.raises(ValueError, match="chunk_size"):
        transform(lambda x: x * 2, chunk_size=chunk)
    assert np.array_equal(transform(lambda x: x * 2, chunk_size=1)(np.ones(3)), 2 * np.eye(3))


@pytest.mark.parametrize("chunk", [0, -1, 1.5, True])
def test_vmap_refuses_a_bad_chunk_size_as_torch_func(chunk):
    with pytest.raises(ValueError, match="vmap: chunk_size"):
        tg.func.vmap(lambda x: x * 2, chunk_size=chunk)
    np.testing.assert_array_equal(tg.func.vmap(lambda x: x * 2, chunk_size=2)(np.ones(3)), 2 * np.ones(3))
