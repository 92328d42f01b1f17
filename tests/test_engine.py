"""Engine tests: the tape, the sweeps and the transforms beyond single ops."""

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


def mlp(params, x):
    h = tg.tanh(x @ params["W1"] + params["b1"])
    return tg.nn.softmax_cross_entropy(h @ params["W2"], np.array([0, 2, 1]))


def test_fan_out_sums_gradients():
    x = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tg.sum(x * x + x + tg.sin(x) * x))(x)
    np.testing.assert_allclose(g, 2 * x + 1 + np.sin(x) + x * np.cos(x), rtol=1e-14)


def test_fan_out_does_not_mutate_shared_buffers():
    x = np.array([1.0, 2.0])
    out, f_vjp = tg.vjp(lambda x: x + x, x)
    u = np.array([1.0, 1.0])
    (g1,) = f_vjp(u)
    (g2,) = f_vjp(u)
    np.testing.assert_array_equal(g1, [2.0, 2.0])
    np.testing.assert_array_equal(g2, [2.0, 2.0])
    np.testing.assert_array_equal(u, [1.0, 1.0])


def test_imperative_backward_and_grad_accumulation():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.sum(x * x)
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])  # accumulates, as in PyTorch
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_perturbation_confusion():
    # d/dx [x · d/dy (x + y)] at any x is 1 (the inner derivative is 1)
    def outer(x):
        return x * tg.grad(lambda y: x + y)(x)
    assert tg.grad(outer)(np.array(3.0)) == pytest.approx(1.0)

    def outer_fwd(x):
        inner = tg.jvp(lambda y: x + y, (x,), (np.array(1.0),))[1]
        return x * inner
    assert tg.jvp(outer_fwd, (np.array(3.0),), (np.array(1.0),))[1] == pytest.approx(1.0)


def test_higher_order_derivative_of_reciprocal():
    # the 6th derivative of 1/x at 4 is 720/4^7
    f = lambda x: 1.0 / x  # noqa: E731
    for _ in range(6):
        f = tg.grad(f)
    assert f(np.array(4.0)) == pytest.approx(720 / 4 ** 7, rel=1e-12)


def test_pytrees_and_has_aux():
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 3))}
    x = rng.normal(size=(3, 4))
    (loss, aux), g = tg.value_and_grad(lambda p, x: (mlp(p, x), "hello"), has_aux=True)(params, x)
    assert aux == "hello"
    assert set(g) == set(params) and all(g[k].shape == params[k].shape for k in params)

    def jmlp(p, x):
        h = jnp.tanh(x @ p["W1"] + p["b1"])
        z = h @ p["W2"]
        return jnp.mean(-jax.nn.log_softmax(z)[jnp.arange(3), jnp.array([0, 2, 1])])
    jloss, jg = jax.jit(jax.value_and_grad(jmlp))(params, x)  # compiled: one JAX compile
    for k in params:
        np.testing.assert_allclose(g[k], jg[k], rtol=1e-10)
    assert float(loss) == pytest.approx(float(jloss), rel=1e-12)


def test_keyword_arguments_pass_through_the_transforms():
    # as in JAX: keywords reach f unchanged and are never differentiated
    x = np.linspace(0.5, 2.0, 6).reshape(2, 3)
    w = x[::-1] * 0.3

    def f(v, w=None, scale=1.0):
        return (v ** 3).sum() * scale + (0.0 if w is None else (v * w).sum())
    pairs = [(tg.grad, jax.grad), (tg.jacrev, jax.jacrev), (tg.jacfwd, jax.jacfwd),
             (tg.hessian, jax.hessian), (tg.jit, jax.jit)]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(tg.grad(f) if ours is tg.jit else f)(x, w=w, scale=2.0),
                                   theirs(jax.grad(f) if theirs is jax.jit else f)(x, w=w, scale=2.0),
                                   rtol=1e-12)
    value, g = tg.value_and_grad(f)(x, scale=3.0)
    jvalue, jg = jax.jit(jax.value_and_grad(f))(x, scale=3.0)
    assert float(value) == pytest.approx(float(jvalue), rel=1e-14)
    np.testing.assert_allclose(g, jg, rtol=1e-12)


def test_tree_rebuild_matches_jax_tree_util():
    # the generated one-frame rebuild and the recursive walk (large or deep trees) agree
    # with jax.tree_util on every container kind; a wrong number of leaves is an error
    import pickle

    from tensorgrad import tree as T
    trees = [np.ones(2), None, [(1.0, 2.0), (3.0, 4.0)], (), [], {}, ((),), [[[[1.0]]]],
             {"b": [1.0, None, (2.0,)], "a": Pair(3.0, {"z": 4.0})},
             collections.OrderedDict(x=1.0, y=(2.0, 3.0)),
             list(range(T._BUILD_LEAVES + 5)), _nested(T._BUILD_DEPTH + 3)]
    for tree in trees:
        leaves, td = T.tree_flatten(tree)
        jleaves, jtd = jax.tree_util.tree_flatten(tree)
        assert [id(v) for v in leaves] == [id(v) for v in jleaves]
        back = T.tree_unflatten(td, leaves)
        jback = jax.tree_util.tree_unflatten(jtd, jleaves)
        assert type(back) is type(jback) and repr(back) == repr(jback)
        again = T.tree_unflatten(pickle.loads(pickle.dumps(td)), iter(leaves))
        assert repr(again) == repr(jback)
    _, td = T.tree_flatten([(1.0, 2.0), (3.0, 4.0)])
    with pytest.raises(ValueError, match=r"3 leaves for a tree of 4"):
        T.tree_unflatten(td, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"5 leaves for a tree of 4"):
        T.tree_unflatten(td, [1.0] * 5)


Pair = collections.namedtuple("Pair", "a b")


def _nested(depth):
    tree = 1.0
    for _ in range(depth):
        tree = [tree]
    return tree


def test_jacobian_of_pytree_function_matches_jax():
    def f(d):
        return {"a": d["x"] * d["y"][0], "b": tg.sum(d["x"] ** 2)}

    def jf(d):
        return {"a": d["x"] * d["y"][0], "b": jnp.sum(d["x"] ** 2)}
    d = {"x": np.array([1.0, 2.0, 3.0]), "y": np.array([0.5, 4.0])}
    ref = jax.jit(jax.jacfwd(jf))(d)
    for ours in (tg.jacrev(f)(d), tg.jacfwd(f)(d)):
        for k in ("a", "b"):
            for j in ("x", "y"):
                np.testing.assert_allclose(ours[k][j], ref[k][j], rtol=1e-12)


def test_hessian_is_symmetric_and_matches_jax():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    f = lambda x: tg.sum(tg.tanh(A @ x) ** 2) + tg.sum(x ** 3)  # noqa: E731
    jf = lambda x: jnp.sum(jnp.tanh(A @ x) ** 2) + jnp.sum(x ** 3)  # noqa: E731
    x = rng.normal(size=4)
    H = tg.hessian(f)(x)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H, jax.jit(jax.hessian(jf))(x), rtol=1e-10)
    v = rng.normal(size=4)
    np.testing.assert_allclose(tg.hvp(f, (x,), (v,)), H @ v, rtol=1e-10)
    np.testing.assert_allclose(tg.jacrev(tg.jacrev(f))(x), H, rtol=1e-10)
    np.testing.assert_allclose(tg.jacfwd(tg.jacfwd(f))(x), H, rtol=1e-10)


def test_linearize_matches_jvp():
    f = lambda x, y: tg.sin(x) * y + tg.exp(x)  # noqa: E731
    x, y = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    out, f_jvp = tg.linearize(f, x, y)
    tx, ty = np.array([1.0, 0.5]), np.array([-2.0, 1.0])
    np.testing.assert_allclose(f_jvp(tx, ty), tg.jvp(f, (x, y), (tx, ty))[1], rtol=1e-14)
    np.testing.assert_allclose(out, f(x, y))


def test_custom_vjp_is_used():
    @tg.custom_vjp
    def clip_grad(x):
        return x

    def fwd(x):
        return x, None

    def bwd(res, g):
        return (tg.clip(g, -1.0, 1.0),)
    clip_grad.defvjp(fwd, bwd)
    g = tg.grad(lambda x: tg.sum(clip_grad(x) * 10.0))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_custom_jvp_forward_and_reverse():
    @tg.custom_jvp
    def f(x):
        return tg.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 2.0 * tg.cos(x) * t  # deliberately twice the true derivative
    x = np.array([0.1, 0.7])
    np.testing.assert_allclose(tg.jvp(f, (x,), (np.ones(2),))[1], 2 * np.cos(x))
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(f(x)))(x), 2 * np.cos(x))
    np.testing.assert_allclose(tg.jacfwd(f)(x), np.diag(2 * np.cos(x)))


def test_stop_gradient_and_no_grad():
    g = tg.grad(lambda x: tg.sum(x * tg.stop_gradient(x)))(np.array([3.0]))
    np.testing.assert_array_equal(g, [3.0])
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = x * 2
    assert not y.requires_grad


def test_numpy_on_the_left_records():
    a = np.array([1.0, 2.0])
    g = tg.grad(lambda x: tg.sum(a * x + a @ x + (a - x) / (a + x) + a ** x))(np.array([0.5, 1.5]))
    ja = jnp.asarray(a)
    ref = jax.jit(jax.grad(lambda x: jnp.sum(ja * x + ja @ x + (ja - x) / (ja + x) + ja ** x)))(
        np.array([0.5, 1.5]))
    np.testing.assert_allclose(g, ref, rtol=1e-12)


def test_float32_is_preserved():
    x = np.array([0.5, 1.0], dtype=np.float32)
    g = tg.grad(lambda x: tg.sum(tg.tanh(x) * 2.0))(x)
    assert g.dtype == np.float32
    J = tg.jacfwd(lambda x: tg.exp(x))(x)
    assert J.dtype == np.float32


def test_unused_input_gets_zeros():
    g = tg.grad(lambda x, y: tg.sum(x), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(g[1], np.zeros(3))


def test_grad_of_non_scalar_suggests_sum():
    with pytest.raises(TypeError, match=r"\.sum\(\)"):
        tg.grad(lambda x: x * 2)(np.ones(3))
    assert tg.grad(lambda x: tg.reshape(tg.sum(x), (1, 1)))(np.ones(2)).shape == (2,)


def test_integer_input_is_rejected():
    with pytest.raises(TypeError, match="int64"):
        tg.grad(lambda x: tg.sum(x))(np.array([1, 2]))


def test_a_comparison_result_is_a_constant_input_not_a_nested_value():
    # x > 0.5 is a Tensor of no trace; an op taking it with traced values records it as a
    # constant, so the op's output holds a plain array (it held a Tensor, which made prod's
    # exact zero-entry rule refuse a first-order gradient)
    x = np.array([[1.0, 0.2], [0.7, 0.3]])
    seen = []

    def f(v):
        w = tg.where(v > 0.5, v - 0.7, v)  # [[0.3, 0.2], [0, 0.3]]
        seen.append(type(w._value))
        return tg.prod(w)
    g = tg.grad(f)(x)
    assert seen == [np.ndarray]
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.3 * 0.2 * 0.3, 0.0]], atol=1e-15)
    np.testing.assert_allclose(tg.jacfwd(f)(x), g)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.where(v > 0.5, v * v, -v)))(x),
                               np.where(x > 0.5, 2 * x, -1.0))


def test_linearize_tangents_are_private_arrays():
    # f passes its input through: f_jvp must not hand back the caller's tangent (or one
    # buffer for two outputs), as jvp does not
    t = np.array([1.0, 2.0])
    _, f_jvp = tg.linearize(lambda x: (x, tg.reshape(x, (2,))), np.zeros(2))
    a, b = f_jvp(t)
    assert a is not t and b is not t and a is not b
    a[0] = 9.0
    assert t[0] == 1.0 and b[0] == 1.0
    _, f_jvp = tg.linearize(lambda x: x, np.zeros(2, dtype=np.float32))
    assert f_jvp(t).dtype == np.float32  # in the primal's dtype, as jvp gives it
    with pytest.raises(TypeError, match="complex tangent"):
        f_jvp(np.array([1j, 0]))


@pytest.mark.parametrize("wrap", [lambda v: (v,), lambda v: [v], lambda v: {"l": v}])
def test_grad_refuses_a_container_holding_one_scalar(wrap):
    # JAX: "Gradient only defined for scalar-output functions"; the value would lose f's structure
    f = lambda x: wrap(tg.sum(x * x))  # noqa: E731
    for transform in (tg.grad, tg.value_and_grad):
        with pytest.raises(TypeError, match="must return a single array, got a pytree"):
            transform(f)(np.ones(2))
