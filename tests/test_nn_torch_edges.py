"""tg.nn against PyTorch 2.13 where they used to part: relu's mask, Lp pooling over windows of
zeros, max pooling whose padding ties with −inf entries, value checks on inputs that require
grad, and bad shapes named. Expected numbers are PyTorch 2.13's, written out (PyTorch is not a
test dependency)."""
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.nn as N


def test_relu_masks_an_infinite_or_nan_cotangent_as_jax_and_pytorch():
    x = np.array([-1.0, 0.0, 2.0])
    # sqrt's slope is infinite at 0: relu's mask (a select) makes it 0 there, as JAX's relu
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.sqrt(tg.relu(v))))(x),
                                  [0.0, 0.0, 0.5 / np.sqrt(2.0)])
    _, t = tg.jvp(tg.relu, (x,), (np.array([np.inf, np.nan, 3.0]),))
    np.testing.assert_array_equal(t, [0.0, 0.0, 3.0])
    v = tg.tensor(x, requires_grad=True)
    tg.relu(v).backward(np.array([np.nan, np.inf, 1.0]))
    np.testing.assert_array_equal(v.grad, [0.0, 0.0, 1.0])
    # second order through the mask, and the structured Jacobian stays diagonal
    np.testing.assert_array_equal(tg.hessian(lambda v: tg.sum(tg.relu(v) ** 2))(x), np.diag([0.0, 0.0, 2.0]))
    assert isinstance(tg.jacobian(tg.relu, structured=True)(x), tg.jacobians.Diagonal)


def test_lp_pool_over_a_window_of_zeros_has_a_zero_gradient():
    x = np.array([[[0.0, 0.0, 1.0, 2.0, 0.0, 0.0]]])
    a = tg.tensor(x, requires_grad=True)
    y = N.lp_pool1d(a, 2, 2)
    np.testing.assert_allclose(y.detach(), [[[0.0, np.sqrt(5.0), 0.0]]], rtol=1e-15)
    tg.sum(y).backward()
    np.testing.assert_allclose(a.grad, [[[0, 0, 1 / np.sqrt(5.0), 2 / np.sqrt(5.0), 0, 0]]], rtol=1e-15)
    x2 = np.zeros((1, 1, 2, 4))
    x2[0, 0, :, 2:] = [[1.0, 2.0], [0.5, -1.0]]
    g = tg.grad(lambda v: tg.sum(N.lp_pool2d(v, 3.0, 2)))(x2)
    s = 8.125 ** (-2 / 3)  # PyTorch 2.13: [[0, 0, .2474, .9897], [0, 0, .0619, .2474]]
    np.testing.assert_allclose(g[0, 0], [[0, 0, s, 4 * s], [0, 0, 0.25 * s, s]], rtol=1e-14)


def test_max_pool1d_padding_never_wins_a_tie_with_minus_inf():
    x = np.array([[[-np.inf, 1.0, 2.0, -np.inf, -np.inf]]])
    y, idx = N.max_pool1d(x, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(y, [[[-np.inf, 2.0, -np.inf]]])
    np.testing.assert_array_equal(idx, [[[0, 2, 3]]])  # PyTorch 2.13's
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(N.max_pool1d(v, 2, padding=1)))(x),
                                  [[[1.0, 0.0, 1.0, 1.0, 0.0]]])
    np.testing.assert_array_equal(N.max_unpool1d(y, idx, 2, padding=1, output_size=(5,)),
                                  [[[-np.inf, 0.0, 2.0, -np.inf, 0.0]]])
    # the same under tg.jit, and with dilation and ceil_mode against max_pool2d on (1, L) rows
    f = tg.jit(lambda v: N.max_pool1d(v, 2, padding=1, return_indices=True))
    np.testing.assert_array_equal(f(x)[1], idx)
    rng = np.random.default_rng(0)
    z = np.round(rng.normal(size=(2, 3, 9)), 1)
    z[rng.random(z.shape) < 0.3] = -np.inf
    for k, s, p, d, cm in [(3, 2, 1, 1, True), (2, 1, 1, 3, False), (3, 3, 1, 2, True)]:
        got = N.max_pool1d(z, k, s, p, d, cm, return_indices=True)
        ref = N.max_pool2d(z[:, :, None], (1, k), (1, s), (0, p), (1, d), cm, return_indices=True)
        np.testing.assert_array_equal(got[0], np.asarray(ref[0])[:, :, 0])
        np.testing.assert_array_equal(got[1], np.asarray(ref[1])[:, :, 0])


def test_value_checks_hold_for_inputs_that_require_grad():
    t = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="probability in"):
        N.binary_cross_entropy(tg.tensor([1.5, 0.5], requires_grad=True), t)
    with pytest.raises(ValueError, match="probability in"):
        tg.grad(lambda v: N.binary_cross_entropy(v, t))(np.array([1.5, 0.5]))
    with pytest.raises(ValueError, match="var has negative"):
        N.gaussian_nll_loss(np.zeros(3), np.ones(3), tg.tensor([-1.0, 1.0, 1.0], requires_grad=True))
    # under tg.jit the values are not known while tracing: no error, as before
    tg.jit(lambda v: N.binary_cross_entropy(v, t))(np.array([0.3, 0.5]))


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"linear: shapes output \(2, 3\), bias \(4,\)"):
        N.linear(np.ones((2, 4)), np.ones((3, 4)), np.ones(4))
    x = np.ones((2, 3, 4, 5))
    for layer in (N.Dropout1d(0.5).eval(), N.Dropout1d(0.0)):
        with pytest.raises(ValueError, match="Dropout1d: input of shape"):  # (PyTorch raises too)
            layer(x)
    assert np.shape(N.Dropout1d(0.5).eval()(np.ones((2, 3, 4)))) == (2, 3, 4)


def test_softplus_takes_a_negative_beta_and_boolean_attention_masks_keep_float32():
    v = np.array([0.5, -2.0, 30.0])
    want = np.log1p(np.exp(-v)) / -1.0                       # PyTorch's formula, beta = -1
    np.testing.assert_allclose(tg.nn.Softplus(beta=-1.0)(v), want, rtol=1e-13)
    np.testing.assert_allclose(tg.grad(lambda t: tg.sum(tg.nn.Softplus(beta=-1.0)(t)))(v),
                               1 / (1 + np.exp(v)), rtol=1e-12)
    with pytest.raises(ValueError, match="non-zero"):
        tg.nn.Softplus(beta=0.0)
    m = tg.nn.MultiheadAttention(4, 2)
    m.init(0)
    m.float()
    x = np.random.default_rng(0).normal(size=(3, 1, 4)).astype(np.float32)
    mask = np.triu(np.ones((3, 3), bool), 1)
    out, w = m(x, x, x, attn_mask=mask, key_padding_mask=np.array([[False, False, True]]))
    assert out.dtype == np.float32 and w.dtype == np.float32
    assert m(x, x, x, attn_mask=mask, is_causal=True)[0].dtype == np.float32


def test_layers_take_pytorchs_factory_keywords_and_a_cast_model_reinits_in_its_dtype():
    # nn.Linear(3, 2, dtype=torch.float32, device="cpu") is PyTorch's form; a layer cast by
    # float() keeps its dtype through a re-initialization, as reset_parameters() keeps it
    lin = N.Linear(3, 2, dtype=np.float32, device="cpu")
    assert {v.dtype for v in tg.tree_leaves(lin.init(0))} == {np.dtype(np.float32)}
    assert lin(np.ones((4, 3), np.float32)).dtype == np.float32
    bn = N.BatchNorm1d(3, dtype=np.float32)
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    model = N.Sequential(N.Linear(3, 4, dtype=np.float32), N.Tanh(), N.Linear(4, 2), N.BatchNorm1d(2))
    assert [v.dtype for v in tg.tree_leaves(model.init(0))] == [np.float32] * 2 + [np.float64] * 4
    model.float()
    params = model.init(1)
    assert {v.dtype for v in tg.tree_leaves(params)} == {np.dtype(np.float32)}
    assert model[3].running_mean.dtype == np.float32
    twin = N.Sequential(N.Linear(3, 4), N.Tanh(), N.Linear(4, 2), N.BatchNorm1d(2))
    for a, b in zip(tg.tree_leaves(params), tg.tree_leaves(twin.init(1))):
        np.testing.assert_array_equal(a, b.astype(np.float32))  # the same draws, rounded
    model.double()
    assert {v.dtype for v in tg.tree_leaves(model.init(1))} == {np.dtype(np.float64)}

    class Net(N.Module):
        def __init__(self):
            super().__init__()
            self.fc = N.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)

    assert Net(dtype=np.float32)(np.ones((1, 3), np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="Linear: tensorgrad computes on the CPU only, got device 'cuda'"):
        N.Linear(3, 2, device="cuda")
    with pytest.raises(TypeError, match="Linear: .*floating point or complex dtypes only.*int32"):
        N.Linear(3, 2, dtype=np.int32)
