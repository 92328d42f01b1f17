"""Shapes: broadcasting undone once, reductions' axes, scalars, empty and strided arrays.

Each broadcast operand gets a cotangent of exactly its own shape; reductions
honour axis tuples, negative axes and keepdims; losses shaped (1,) or (1, 1)
count as scalars; Python floats, NumPy scalars and 0-d arrays agree; size-0
and non-contiguous inputs work; shape mismatches name the op and both shapes.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(0)


def test_broadcast_vjp_gives_each_operand_its_own_shape():
    shapes = [(), (1,), (3, 1), (1, 4), (2, 1, 4)]
    big = RNG.normal(size=(2, 3, 4))
    ops = [(tg.multiply, jnp.multiply), (tg.add, jnp.add), (tg.maximum, jnp.maximum)]
    smalls = [RNG.normal(size=shape) for shape in shapes]
    # JAX's gradients for every shape and op in one compiled call
    wants = jax.jit(lambda smalls: [[jax.grad(lambda a, b: jnp.sum(theirs(a, b) * big), argnums=(0, 1))(a, big)
                                     for _, theirs in ops] for a in smalls])(smalls)
    for shape, a, want_ops in zip(shapes, smalls, wants):
        for (ours, _), want in zip(ops, want_ops):
            ga, gb = tg.grad(lambda a, b: tg.sum(ours(a, b) * big), argnums=(0, 1))(a, big)
            assert ga.shape == shape and gb.shape == (2, 3, 4)
            np.testing.assert_allclose(ga, want[0], rtol=1e-12)
            np.testing.assert_allclose(gb, want[1], rtol=1e-12)


@pytest.mark.parametrize("axis,keepdims", [(None, False), ((0, 2), False), ((0, 2), True),
                                           (-1, False), ((-3, 1), True), (1, True)])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std"])
def test_reductions_axes_and_keepdims(name, axis, keepdims):
    x = RNG.permutation(24).reshape(2, 1, 3, 4)[:, 0].astype(float) / 7 + 0.5
    x = x.reshape(2, 3, 4)
    ours = getattr(tg, name)
    theirs = getattr(jnp, name)
    w = RNG.normal(size=np.shape(np.sum(x, axis=axis, keepdims=keepdims)))
    y = x[:, :1]
    # JAX's value and gradients in one compiled call
    jout, want, want_y = jax.jit(lambda x, y: (
        theirs(x, axis=axis, keepdims=keepdims),
        jax.grad(lambda a: jnp.sum(theirs(a, axis=axis, keepdims=keepdims) * w))(x),
        jax.grad(lambda a: jnp.sum(theirs(a, axis=1)))(y)))(x, y)
    out = ours(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out, jout, rtol=1e-12)
    g = tg.grad(lambda a: tg.sum(ours(a, axis=axis, keepdims=keepdims) * w))(x)
    np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
    # a size-1 axis (std there is 0: its subgradient is 0, where JAX gives NaN)
    g = tg.grad(lambda a: tg.sum(ours(a, axis=1)))(y)
    if name == "std":
        np.testing.assert_array_equal(g, np.zeros_like(y))
    else:
        np.testing.assert_allclose(g, want_y, rtol=1e-12)


def test_losses_shaped_1_or_1x1_are_scalars():
    x = np.array([1.0, 2.0])
    for shape in [(), (1,), (1, 1)]:
        g = tg.grad(lambda x: tg.reshape(tg.sum(x * x), shape))(x)
        np.testing.assert_array_equal(g, [2.0, 4.0])
    for bad in [(2,), (1, 1, 1), (2, 1)]:
        with pytest.raises(TypeError) as info:
            tg.grad(lambda x: tg.broadcast_to(tg.sum(x), bad))(x)
        assert ".sum()" in str(info.value) and "jacrev" in str(info.value) and str(bad) in str(info.value)
    t = tg.tensor(x, requires_grad=True)
    tg.reshape(tg.sum(t * t), (1, 1)).backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    with pytest.raises(RuntimeError, match=r"sum\(\)"):
        (t * 2.0).backward()


def test_python_float_numpy_scalar_and_0d_array_agree():
    inputs = [3.0, np.float64(3.0), np.array(3.0)]
    f = lambda x: tg.sin(x) * x ** 2 + tg.exp(-x)  # noqa: E731
    forward = [f(v) for v in inputs]
    assert len({type(v) for v in forward}) == 1
    assert len({float(v) for v in forward}) == 1
    for transform in (tg.grad(f), tg.jacfwd(f), tg.jacrev(f), tg.value_and_grad(f)):
        results = [transform(v) for v in inputs]
        flat = [np.asarray(r) for r in (results if not isinstance(results[0], tuple)
                                        else [r[1] for r in results])]
        assert all(type(r) is np.ndarray and r.shape == () and r.dtype == np.float64 for r in flat)
        assert len({float(r) for r in flat}) == 1
    tans = [tg.jvp(f, (v,), (1.0,))[1] for v in inputs]
    assert len({float(t) for t in tans}) == 1 and all(np.shape(t) == () for t in tans)


def test_size_zero_arrays():
    x = np.ones((0, 3))
    W = np.ones((3, 2))
    f = lambda x: tg.sum(tg.tanh(x @ W) * 2.0) + tg.sum(tg.max(x, axis=1))  # noqa: E731
    v, g = tg.value_and_grad(f)(x)
    assert v == 0.0 and g.shape == (0, 3)
    out, f_vjp = tg.vjp(lambda x: tg.exp(x) * 2.0, x)
    assert out.shape == (0, 3) and f_vjp(np.ones((0, 3)))[0].shape == (0, 3)
    assert tg.jvp(tg.exp, (x,), (x,))[1].shape == (0, 3)
    assert tg.jacrev(tg.exp)(x).shape == (0, 3, 0, 3)
    assert tg.jacfwd(tg.exp)(x).shape == (0, 3, 0, 3)
    assert tg.jacrev(tg.sum)(x).shape == (0, 3)
    gw = tg.grad(lambda W: tg.sum(x @ W))(W)
    np.testing.assert_array_equal(gw, np.zeros((3, 2)))


def test_non_contiguous_and_negative_stride_inputs():
    base = np.random.default_rng(11).normal(size=(6, 4))  # its own data, whatever ran before
    f = lambda a: tg.sum(tg.tanh(a) * tg.exp(a[..., :1]) + a @ np.ones((a.shape[-1], 2))[:, :1])  # noqa: E731
    views = [base.T, base[::2], base[::-1], base[:, ::-2], np.asfortranarray(base)]
    for v in views:
        assert not v.flags.c_contiguous or v.strides[0] < 0
        c = np.ascontiguousarray(v)
        # (BLAS and NumPy's pairwise sums may add in another order for strided operands:
        # last-digit differences, relative to the terms summed, not to a cancelled total)
        np.testing.assert_allclose(f(v), f(c), rtol=1e-14, atol=1e-15 * base.size * np.abs(base).max())
        np.testing.assert_allclose(tg.grad(f)(v), tg.grad(f)(c), rtol=1e-14)
        np.testing.assert_array_equal(tg.jacfwd(lambda a: tg.sum(a * a, axis=0))(v),
                                      tg.jacfwd(lambda a: tg.sum(a * a, axis=0))(c))
        np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(tg.sin(a) * a[::-1]))(v),
                                      tg.grad(lambda a: tg.sum(tg.sin(a) * a[::-1]))(c))


@pytest.mark.parametrize("call,words", [
    (lambda: tg.matmul(np.ones((2, 3)), np.ones((4, 5))), ["matmul", "(2, 3)", "(4, 5)"]),
    (lambda: tg.tensor(np.ones((2, 3))) @ np.ones((4, 5)), ["matmul", "(2, 3)", "(4, 5)"]),
    # matmul's shape check runs off its fast path: the same message on every path
    (lambda: np.ones((4, 5)) @ tg.tensor(np.ones((2, 3))), ["matmul", "(4, 5)", "(2, 3)", "align"]),
    (lambda: tg.grad(lambda w: tg.sum(w @ np.ones((4, 5))))(np.ones((2, 3))),
     ["matmul", "(2, 3)", "(4, 5)", "align"]),
    (lambda: tg.grad(lambda w: tg.sum(np.ones((4, 5)) @ w))(np.ones((2, 3))),
     ["matmul", "(4, 5)", "(2, 3)", "align"]),
    (lambda: tg.jacfwd(lambda w: w @ np.ones((4, 5)))(np.ones((2, 3))),
     ["matmul", "(2, 3)", "(4, 5)", "align"]),
    (lambda: tg.jit(tg.grad(lambda w: tg.sum(w @ np.ones((4, 5)))))(np.ones((2, 3))),
     ["matmul", "(2, 3)", "(4, 5)", "align"]),
    (lambda: tg.matmul(np.ones(3), 2.0), ["matmul", "at least 1-D"]),
    (lambda: tg.add(np.ones((2, 3)), np.ones(4)), ["add", "(2, 3)", "(4,)", "broadcast"]),
    (lambda: tg.grad(lambda x: tg.sum(x * np.ones(4)))(np.ones((2, 3))),
     ["multiply", "(2, 3)", "(4,)", "broadcast"]),
    (lambda: tg.where(np.ones(3) > 0, np.ones(2), 0.0), ["where", "(3,)", "(2,)"]),
    (lambda: tg.concatenate([np.ones((2, 3)), np.ones((2, 4))]), ["concatenate", "(2, 3)", "(2, 4)"]),
    (lambda: tg.nn.mse(np.ones(3), np.ones(4)), ["mse", "(3,)", "(4,)"]),
    (lambda: tg.reshape(np.ones(6), (4,)), ["reshape", "(6,)", "(4,)"]),
])
def test_shape_mismatch_names_op_and_shapes(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value)


def test_check_is_for_two_input_ops_without_parameters():
    from tensorgrad.registry import general
    with pytest.raises(ValueError, match="check= is for two-input ops"):
        general("never_registered", np.add, vjp={"x": None}, check=lambda x: None)
    assert "never_registered" not in tg.REGISTRY


# ---- advanced indices separated by a slice: NumPy moves their axes to the front ---------------
_I, _J = np.array([0, 1]), np.array([3, 0])
_SEPARATED = {
    "i,:,j": lambda z: z[_I, :, _J],
    "int,:,i": lambda z: z[0, :, _I],
    "None,i,None,:,j": lambda z: z[None, _I, None, :, _J],
    "mask,:,i": lambda z: z[np.array([True, False]), :, _I],
    "i,...,0": lambda z: z[_I, ..., 0],
    "2-d i,:,j": lambda z: z[np.array([[0], [1]]), :, _J],
}


@pytest.mark.parametrize("name", sorted(_SEPARATED))
def test_separated_advanced_indices_under_batched_transforms(name):
    """jacrev/jacfwd/hessian/vmap put batch axes in front of the indexed array; with
    advanced indices separated by a slice NumPy would put the index axes before them."""
    f = _SEPARATED[name]
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    xs = np.stack([x, 2 * x, -x])
    np.testing.assert_allclose(tg.jacrev(f)(x), jax.jit(jax.jacrev(f))(x), rtol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(f)(x), jax.jit(jax.jacfwd(f))(x), rtol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.jacrev(f))(x), jax.jit(jax.jacrev(f))(x), rtol=1e-12)
    np.testing.assert_allclose(tg.vmap(tg.jacfwd(f))(xs), jax.vmap(jax.jacfwd(f))(xs), rtol=1e-12)
    h = tg.hessian(lambda z: tg.sum(tg.sin(f(z)) ** 2))(x)
    np.testing.assert_allclose(h, jax.jit(jax.hessian(lambda z: jnp.sum(jnp.sin(f(z)) ** 2)))(x), rtol=1e-10)


def test_batch_size_equal_to_index_length_is_not_confused():
    i = np.array([0, 0])
    f = lambda z: z[i, :, i] * np.array([[1.0, 2.0], [3.0, 4.0]])  # noqa: E731
    x = np.ones((1, 2, 1))
    np.testing.assert_allclose(tg.jacfwd(f)(x), jax.jit(jax.jacfwd(f))(x))


def test_one_ellipsis_only():
    for fn in (lambda z: z[..., 1, ...], lambda z: tg.sum(z[np.array([0]), ..., ...])):
        with pytest.raises(IndexError, match="single ellipsis"):
            tg.grad(lambda z: tg.sum(fn(z)))(np.ones((2, 3)))
