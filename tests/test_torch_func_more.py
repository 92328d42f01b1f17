"""torch.func and torch.autograd.functional: second derivatives through a custom Function,
dict key order, argnums given as NumPy integers, PyTorch's error for a tuple output."""
import numpy as np
import pytest
import scipy.optimize

import tensorgrad as tg

G = tg.autograd.functional
X = np.float64(0.5)


class Exp(tg.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        out = tg.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class ExpNewStyle(tg.autograd.Function):
    @staticmethod
    def forward(a):
        return tg.exp(a)

    @staticmethod
    def setup_context(ctx, inputs, out):
        ctx.save_for_backward(out)

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out

    @staticmethod
    def jvp(ctx, t):
        out, = ctx.saved_tensors
        return t * out


@pytest.mark.parametrize("fn", [Exp, ExpNewStyle])
def test_second_derivatives_through_a_custom_function(fn):
    def f(s):
        return fn.apply(s)
    want = np.exp(X)  # (its rules run with grad mode off, as PyTorch's, and are still differentiated)
    assert np.isclose(tg.func.grad(tg.func.grad(f))(X), want, rtol=1e-15)
    assert np.isclose(tg.func.jacrev(tg.func.jacrev(f))(X), want, rtol=1e-15)
    assert np.isclose(G.hessian(f, X), want, rtol=1e-15)
    assert np.isclose(G.hvp(f, X, np.float64(1.0))[1], want, rtol=1e-15)
    assert np.isclose(G.vhp(f, X, np.float64(1.0))[1], want, rtol=1e-15)
    if fn is ExpNewStyle:
        assert np.isclose(tg.func.jacrev(tg.func.jacfwd(f))(X), want, rtol=1e-15)
        assert np.isclose(tg.func.grad(lambda s: tg.func.jvp(f, (s,), (np.float64(1.0),))[1])(X),
                          want, rtol=1e-15)
    # a user's no_grad() block inside still gives constants to torch.func's reverse mode
    assert np.isclose(tg.func.grad(lambda s: tg.sin(s) * tg.no_grad()(lambda: tg.cos(s))())(X),
                      np.cos(X) ** 2, rtol=1e-15)


def test_jacobians_keep_the_key_order_of_outputs_and_arguments():
    p = {"w": np.array([1.0, 2.0]), "b": np.array([3.0])}

    def f(p):
        return {"z": p["w"].sum() * p["b"].sum(), "a": p["w"]}
    for jac in (tg.func.jacrev, tg.func.jacfwd):
        J = jac(f)(p)
        assert list(J) == ["z", "a"] and all(list(v) == ["w", "b"] for v in J.values())
        np.testing.assert_array_equal(J["a"]["w"], np.eye(2))
        J, aux = jac(lambda p: (f(p), 1), has_aux=True)(p)
        assert list(J) == ["z", "a"] and aux == 1
    H = tg.func.hessian(lambda p: (p["w"] ** 2).sum() * p["b"].sum())(p)
    assert list(H) == ["w", "b"] and all(list(v) == ["w", "b"] for v in H.values())
    np.testing.assert_array_equal(H["w"]["w"], 6 * np.eye(2))


def test_argnums_may_be_a_numpy_integer_and_a_tuple_output_gets_pytorchs_error():
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(tg.func.grad(lambda a, b: (a * b).sum(), argnums=np.int64(1))(x, 2 * x), x)
    g, v = tg.func.grad_and_value(lambda a, b: (a * b).sum(), argnums=np.int64(0))(x, 2 * x)
    np.testing.assert_array_equal(g, 2 * x)
    with pytest.raises(RuntimeError, match="should return a single Tensor"):
        G.hvp(lambda a: ((a ** 2).sum(),), np.ones(3), np.ones(3))


@pytest.mark.parametrize("draw", [
    lambda a: a + tg.randn(3), lambda a: a + tg.rand(3), lambda a: a + tg.randint(0, 10**6, (3,)),
    lambda a: a + tg.randn_like(a), lambda a: a + tg.tensor(np.zeros(3)).normal_(),
    lambda a: a + tg.nn.init.normal_(tg.tensor(np.zeros(3)))], ids=[
    "randn", "rand", "randint", "randn_like", "normal_", "init.normal_"])
def test_vmap_randomness_for_the_default_stream(draw):
    x = np.zeros((4, 3))
    same = np.asarray(tg.func.vmap(draw, randomness="same")(x))
    assert all(np.array_equal(row, same[0]) for row in same)
    different = np.asarray(tg.func.vmap(draw, randomness="different")(x))
    assert any(not np.array_equal(row, different[0]) for row in different)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        tg.func.vmap(draw)(x)


def test_vmap_randomness_for_layers_own_streams():
    drop = tg.nn.Dropout(0.5)
    x = np.ones((4, 8))
    same = np.asarray(tg.func.vmap(drop, randomness="same")(x))
    assert all(np.array_equal(row, same[0]) for row in same) and 0 < same.sum() < 2 * x.size
    different = np.asarray(tg.func.vmap(drop, randomness="different")(x))
    assert any(not np.array_equal(row, different[0]) for row in different)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        tg.func.vmap(drop)(x)                           # PyTorch's default, 'error'
    key = tg.random.PRNGKey(0)                          # a key: no draw from the stream
    keyed = np.asarray(tg.func.vmap(lambda v: drop(v, key=key))(x))
    assert all(np.array_equal(row, keyed[0]) for row in keyed)


def test_vjp_fn_takes_pytorchs_keywords_and_vmap_a_one_tuple_of_out_dims():
    _, pull = tg.func.vjp(lambda v: v ** 2, np.ones(2))
    np.testing.assert_array_equal(pull(np.ones(2), retain_graph=True)[0], [2.0, 2.0])
    np.testing.assert_array_equal(pull(np.ones(2), create_graph=False)[0], [2.0, 2.0])
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.func.vmap(lambda v: v * 2, out_dims=(1,))(x), 2 * x.T)
    out = tg.func.vmap(lambda v: (v,), out_dims=(1,))(x)
    assert isinstance(out, tuple) and out[0].shape == (3, 2)


def test_vmap_keeps_the_key_order_of_dicts_as_torch_func_does():
    params = {"w": np.arange(4.0), "b": np.ones(1)}  # not sorted: zip(params, grads) must pair
    xs = np.arange(12.0).reshape(3, 4)

    def loss(p, x):
        assert list(p) == ["w", "b"]  # the function sees the caller's order too
        return (p["w"] * x).sum() * p["b"].sum()
    per_sample = tg.func.vmap(tg.func.grad(loss), in_dims=(None, 0))(params, xs)
    assert list(per_sample) == ["w", "b"]
    for (name, p), g in zip(params.items(), per_sample.values()):
        assert g.shape == (3,) + p.shape, name
    np.testing.assert_array_equal(per_sample["w"], xs)
    for g in (tg.func.grad(loss)(params, xs[1]), tg.func.grad_and_value(loss)(params, xs[1])[0],
              tg.func.jacrev(loss)(params, xs[1]), tg.func.vjp(loss, params, xs[1])[1](1.0)[0]):
        assert list(g) == ["w", "b"]
    tg.func.jvp(loss, (params, xs[1]), (params, xs[1]))
    assert list(tg.func.vmap(lambda p: {"z": p["w"], "a": p["b"]})(
        {"w": np.ones((2, 3)), "b": np.ones((2, 1))})) == ["z", "a"]


def test_vmap_in_place_updates_of_mapped_and_unmapped_arguments():
    for dims in (1, -1):  # a slice along another axis is a part of the argument: updates reach it
        x = tg.tensor(np.arange(6.0).reshape(2, 3))
        out = tg.func.vmap(lambda a: a.mul_(2.0), in_dims=dims)(x)
        np.testing.assert_array_equal(x.numpy(), 2 * np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(np.asarray(out), x.numpy().T)
    b = tg.tensor(np.zeros(3))  # unmapped: once per slice would be wrong; refused, b as it was
    with pytest.raises(RuntimeError, match="updated in place an argument that in_dims leaves unmapped"):
        tg.func.vmap(lambda a, b: b.add_(a), in_dims=(0, None))(tg.tensor(np.ones((2, 3))), b)
    np.testing.assert_array_equal(b.numpy(), np.zeros(3))
    # a tensor the function captures: refused too (every row of a returned c was the last
    # slice's: [[3, 4], [3, 4]]); one the function makes takes its updates per slice
    c = tg.tensor(np.zeros(2))

    def into_captured(x):
        c.copy_(x)
        return c
    for write in (into_captured, lambda x: c.__setitem__(0, x[0]), lambda x: c[0].add_(1.0)):
        with pytest.raises(RuntimeError, match=r"from outside it \(captured\)"):
            tg.func.vmap(write)(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert c.tolist() == [0.0, 0.0]

    def into_made(x):
        m = x.new_zeros(2)
        m.copy_(x)
        m[0] = 5.0
        return m
    np.testing.assert_array_equal(tg.func.vmap(into_made)(tg.tensor([[1.0, 2.0], [3.0, 4.0]])),
                                  [[5.0, 2.0], [5.0, 4.0]])


def test_torch_func_results_are_tensors_of_pytorchs_kind():
    # torch.func's results are tensors: here NumPy arrays with PyTorch's methods and meanings
    # (the class .grad hands out), detached, which SciPy still takes
    x = tg.tensor([0.1, 0.5, 2.0, -1.0])
    g = tg.func.grad(lambda a: (a ** 3).sum())(x)
    v = 3 * np.asarray([0.1, 0.5, 2.0, -1.0]) ** 2
    assert isinstance(g, np.ndarray) and not g.requires_grad
    np.testing.assert_allclose(float(g.std()), np.std(v, ddof=1), rtol=1e-14)  # unbiased
    np.testing.assert_array_equal(g.repeat(2), np.tile(v, 2))  # PyTorch's tile, not NumPy's repeat
    J = tg.func.jacrev(lambda a: a.sin() * a)(x)
    values, indices = tg.max(J, 1)
    np.testing.assert_array_equal(indices, [0, 1, 2, 0])
    assert J.numel() == 16 and J.size(0) == 4 and J.flatten(1).shape == (4, 4)
    for r in (tg.func.jacfwd(lambda a: a.sin())(x), tg.func.hessian(lambda a: (a ** 3).sum())(x),
              tg.func.vjp(lambda a: a.sin(), x)[1](tg.ones(4))[0],
              tg.func.jvp(lambda a: a.sin(), (x,), (tg.ones(4),))[1],
              tg.func.grad_and_value(lambda a: (a ** 2).sum())(x)[1],
              tg.autograd.functional.jacobian(lambda a: a.sin(), x)):
        assert isinstance(r, np.ndarray) and not r.requires_grad and r.numel() == r.size
    d = tg.func.grad(lambda p: (p["w"] * p["a"]).sum())({"w": x, "a": x})
    assert list(d) == ["w", "a"] and all(v.numel() == 4 for v in d.values())
    res = scipy.optimize.minimize(lambda v: float(np.sum(v ** 4)), np.ones(3), method="L-BFGS-B",
                                  jac=tg.func.grad(lambda v: (v ** 4).sum()))
    assert res.success and type(res.x) is np.ndarray and np.abs(res.x).max() < 0.05


def test_functional_transforms_keep_pytorchs_methods_on_inputs_that_require_grad():
    x = np.array([0.3, -1.2, 0.8, 2.0])
    n = x.size
    want_grad = (x - x.mean()) / ((n - 1) * x.std(ddof=1))  # (unbiased, PyTorch's std)
    for inp in (tg.tensor(x, requires_grad=True), tg.tensor(x)):
        value, g = G.vjp(lambda a: a.std(), inp)
        np.testing.assert_allclose(np.asarray(value), x.std(ddof=1), rtol=1e-13)
        np.testing.assert_allclose(np.asarray(g), want_grad, rtol=1e-12)
        J = G.jacobian(lambda a: a.sort().values, inp)
        np.testing.assert_array_equal(np.asarray(J), np.eye(n)[np.argsort(x)])


def test_unpack_dual_gives_the_primal_pytorchs_methods():
    fwd = tg.autograd.forward_ad
    x = np.array([0.3, -1.2, 0.8, 2.0])
    with fwd.dual_level():
        p, t = fwd.unpack_dual(fwd.make_dual(tg.tensor(x), tg.tensor(np.ones(4))) * 2)
        np.testing.assert_allclose(float(p.std()), (2 * x).std(ddof=1), rtol=1e-13)
        np.testing.assert_allclose(float(p.sum(dim=0)), 2 * x.sum(), rtol=1e-13)
        np.testing.assert_allclose(np.asarray(t), np.full(4, 2.0))


def test_vmap_refuses_batch_norm_updating_its_running_statistics_per_slice():
    x = tg.tensor(np.random.default_rng(0).standard_normal((3, 5, 4)))
    bn = tg.nn.BatchNorm1d(4)
    with pytest.raises(RuntimeError, match="BatchNorm1d.*once per slice"):
        tg.func.vmap(bn)(x)
    assert int(bn.num_batches_tracked) == 0
    np.testing.assert_array_equal(np.asarray(bn.running_mean), np.zeros(4))
    bn.eval()
    assert tg.func.vmap(bn)(x).shape == (3, 5, 4)  # (reads them: fine)
    fresh = tg.nn.BatchNorm1d(4)
    tg.func.replace_all_batch_norm_modules_(fresh)
    assert tg.func.vmap(fresh)(x).shape == (3, 5, 4)


def test_jacfwd_randomness_as_vmaps():
    f = lambda a: a * tg.randn(3)  # noqa: E731
    with pytest.raises(RuntimeError, match="randomness"):
        tg.func.jacfwd(f)(tg.tensor(np.ones(3)))
    J = tg.func.jacfwd(f, randomness="different")(tg.tensor(np.ones(3)))
    assert np.count_nonzero(np.asarray(J) - np.diag(np.diag(np.asarray(J)))) == 0
    with pytest.raises(ValueError, match="randomness"):
        tg.func.jacfwd(f, randomness="sometimes")


def test_functional_create_graph_constant_results_refuse_differentiation():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    square = lambda a: (a ** 2).sum()  # noqa: E731
    results = [G.hvp(square, x, tg.ones(2), create_graph=True)[1],
               G.vhp(square, x, tg.ones(2), create_graph=True)[1],
               G.hessian(square, x, create_graph=True),
               G.jacobian(lambda a: 2 * a, x, create_graph=True),
               G.vjp(lambda a: 2 * a, x, tg.ones(2), create_graph=True)[1]]
    for r in results:  # (a tensor: a clear RuntimeError, not an AttributeError or a zero)
        assert isinstance(r, tg.Tensor) and not r.requires_grad
        with pytest.raises(RuntimeError, match="has no graph"):
            r.sum().backward()
    np.testing.assert_allclose(np.asarray(results[0]), [2.0, 2.0])
    h = G.hvp(lambda a: (a ** 3).sum(), x, tg.ones(2), create_graph=True)[1]
    assert h.requires_grad  # (6a: on the tape)
    np.testing.assert_allclose(tg.autograd.grad(h.sum(), x)[0], [6.0, 6.0])


def _linear_pair():
    return tg.nn.Linear(2, 2), tg.nn.Linear(2, 3)


@pytest.mark.parametrize("call, match", [
    (lambda x: tg.func.vjp(tg.sin, x)[1](tg.ones(4, dtype=tg.float64)), "cotangent of shape"),
    (lambda x: tg.func.vjp(tg.sin, x)[1]((x, x)), "cotangent structure"),
    (lambda x: tg.func.vjp(lambda a: a.sum(), x, has_aux=True), "has_aux"),
    (lambda x: tg.func.grad(lambda a: a.sum(), has_aux=True)(x), "has_aux"),
    (lambda x: tg.func.jacrev(lambda a: a.sum(), has_aux=True)(x), "has_aux"),
    (lambda x: tg.func.jvp(lambda a: a.sum(), (x,), (x,), has_aux=True), "has_aux"),
    (lambda x: tg.func.grad(lambda a: a.sum())(tg.arange(3)), "floating-point"),
    (lambda x: tg.func.stack_module_state(_linear_pair()), "different shapes"),
    (lambda x: tg.func.stack_module_state([]), "at least one model"),
    (lambda x: tg.func.functional_call(tg.nn.Linear(2, 2), {"W": np.ones((2, 2))}, (x[:2],),
                                       strict=True), "missing"),
])
def test_func_refusals_are_pytorchs_runtime_error(call, match):
    # torch.func raises RuntimeError for each of these calls; tensorgrad's error is still a
    # TypeError or ValueError too, so code written for either catches it
    x = tg.tensor(np.array([0.1, 0.2, 0.3]))
    with pytest.raises(RuntimeError, match=match) as info:
        call(x)
    assert isinstance(info.value, (TypeError, ValueError))


def test_a_users_own_error_keeps_its_class_under_func_transforms():
    def f(a):
        raise ValueError("grad: mine")  # (even one worded as tensorgrad's own)

    def g(a):
        raise TypeError("mine")
    with pytest.raises(ValueError) as info:
        tg.func.grad(f)(tg.tensor(np.array(1.0)))
    assert type(info.value) is ValueError
    with pytest.raises(TypeError) as info:
        tg.func.vjp(g, tg.tensor(np.array(1.0)))
    assert type(info.value) is TypeError
