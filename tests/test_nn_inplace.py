"""``inplace=True`` on every ``tg.nn`` function that takes it follows one rule
(tensorgrad/nn/inplace.py): a recorded tensor of the imperative tape takes the new value, a
leaf that requires grad is refused while recording, a tensor that requires no grad (and its
views) takes the new value, as PyTorch's; arrays and traced values are never written.

Before, three rules lived side by side: the activations wrote back, ``hardtanh`` ignored the
flag, and ``threshold``, ``hardswish``, ``hardsigmoid``, ``rrelu`` and the dropouts raised.
"""
import inspect

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.func as tf
from tensorgrad import nn

KEY = tg.random.PRNGKey(3)
X = np.array([[[-2.5, -0.4, 0.3], [1.7, 3.5, -1.0]], [[0.2, -3.2, 2.2], [-0.7, 0.9, 4.1]]])

# name -> (positional arguments before inplace, keyword arguments)
CALLS = {
    "relu": ((), {}), "relu6": ((), {}), "elu": ((0.7,), {}), "celu": ((1.3,), {}),
    "selu": ((), {}), "silu": ((), {}), "mish": ((), {}), "leaky_relu": ((0.2,), {}),
    "hardtanh": ((-0.5, 0.8), {}), "threshold": ((0.25, -1.0), {}), "hardswish": ((), {}),
    "hardsigmoid": ((), {}), "rrelu": ((0.1, 0.3, True), {"key": KEY}),
    "dropout": ((0.4, True), {"key": KEY}), "alpha_dropout": ((0.4, True), {"key": KEY}),
    "feature_alpha_dropout": ((0.4, True), {"key": KEY}),
    "dropout1d": ((0.4, True), {"key": KEY}), "dropout2d": ((0.4, True), {"key": KEY}),
    "dropout3d": ((0.4, True), {"key": KEY}),
}


def _x(name):
    return X[None] if name == "dropout3d" else X  # dropout3d: (N, C, D, H, W)


def test_every_inplace_function_is_listed():
    have = {n for n in dir(nn) if not n[0].isupper() and callable(getattr(nn, n))
            and "inplace" in inspect.signature(getattr(nn, n)).parameters}
    assert have == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inplace_true_leaves_arrays_alone_and_returns_the_value(name):
    fn, (args, kw) = getattr(nn, name), CALLS[name]
    x = _x(name)
    want = fn(x, *args, False, **kw)
    kept = x.copy()
    np.testing.assert_array_equal(fn(kept, *args, True, **kw), want)
    np.testing.assert_array_equal(kept, x)
    np.testing.assert_array_equal(fn(x, *args, inplace=True, **kw), want)
    with pytest.raises(TypeError, match=f"{name}: inplace must be True or False"):
        fn(x, *args, "yes", **kw)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inplace_true_writes_a_recorded_tensor_and_the_gradient_flows(name):
    fn, (args, kw) = getattr(nn, name), CALLS[name]
    a = _x(name)
    t = tg.tensor(a, requires_grad=True)
    h = t * 2.0
    alias = h
    assert fn(h, *args, True, **kw) is h
    want = fn(2.0 * a, *args, False, **kw)
    np.testing.assert_allclose(alias.detach().numpy(), want, rtol=1e-14)
    tg.sum(h * h).backward()
    grad = tg.grad(lambda v: tg.sum(fn(2.0 * v, *args, False, **kw) ** 2))(a)
    np.testing.assert_allclose(t.grad, grad, rtol=1e-12, atol=1e-14)
    with pytest.raises(RuntimeError, match=rf"{name}\(inplace=True\): the input is a leaf"):
        fn(t, *args, True, **kw)
    with tg.no_grad():
        assert fn(t, *args, True, **kw) is t
    np.testing.assert_allclose(t.detach().numpy(), fn(a, *args, False, **kw), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inplace_true_writes_a_tensor_that_requires_no_grad_and_its_views(name):
    # torch.nn.functional.relu_(t) on tg.tensor(a), or on a result made under no_grad, writes
    # into it (before, only the recorded tensors took the value and these kept their old one)
    fn, (args, kw) = getattr(nn, name), CALLS[name]
    a = _x(name)
    want = fn(a, *args, False, **kw)
    t = tg.tensor(a)
    alias = t
    assert fn(t, *args, True, **kw) is t
    np.testing.assert_array_equal(alias.numpy(), want)
    w = tg.tensor(a, requires_grad=True)
    with tg.no_grad():
        h = w * 1.0
        assert fn(h, *args, True, **kw) is h
    np.testing.assert_array_equal(h.numpy(), want)
    base = tg.tensor(a)
    part = base[:, 1:]
    fn(part, *args, True, **kw)  # a view writes on into its base
    np.testing.assert_array_equal(base.numpy()[:, 1:], fn(a[:, 1:], *args, False, **kw))
    np.testing.assert_array_equal(base.numpy()[:, :1], a[:, :1])


@pytest.mark.parametrize("name", ["relu_", "elu_", "celu_", "selu_", "leaky_relu_",
                                  "hardtanh_", "threshold_"])
def test_the_underscore_functions_write_a_tensor_that_requires_no_grad(name):
    fn = getattr(nn, name)
    args = (0.25, -1.0) if name == "threshold_" else ()
    t = tg.tensor(X)
    alias = t
    assert fn(t, *args) is t
    np.testing.assert_array_equal(alias.numpy(), getattr(nn, name[:-1])(X, *args))
    if name in ("elu_", "celu_", "selu_"):  # an integer tensor cannot hold their floats
        with pytest.raises(TypeError, match=f"{name}: result type float64 can't be cast"):
            fn(tg.tensor([1, -2, 3]))


def test_the_identity_writes_nothing():
    # a dropout outside training returns its input: nothing to write, even for a leaf
    t = tg.tensor(X, requires_grad=True)
    assert nn.dropout(t, 0.5, False, True) is t
    assert nn.alpha_dropout(t, 0.5, False, True) is t


def test_inplace_inside_a_transform_is_the_out_of_place_function():
    f = lambda v: tg.sum(nn.hardtanh(v * 1.5, -0.5, 0.8, True) ** 2)  # noqa: E731
    g = lambda v: tg.sum(nn.hardtanh(v * 1.5, -0.5, 0.8) ** 2)  # noqa: E731
    np.testing.assert_array_equal(tg.grad(f)(X), tg.grad(g)(X))


def test_the_functions_write_pytorchs_arrays_and_torch_func_values_as_the_methods_do():
    # F.relu_(p.grad), F.relu_(p.data) and F.relu_(z) on a value tensorgrad.func traces did
    # nothing, where p.grad.relu_(), p.data.relu_() and z.relu_() (and PyTorch) write
    p = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    tg.sum(p * np.array([1.0, 1.0, -1.0])).backward()
    assert nn.relu_(p.grad) is p.grad
    np.testing.assert_array_equal(p.grad, [1.0, 1.0, 0.0])
    nn.leaky_relu(p.data, 0.5, True)
    np.testing.assert_array_equal(p.detach().numpy(), [1.0, -1.0, 3.0])
    g = tf.grad(lambda y: tg.sum(nn.relu_(y * 1.0)))(tg.tensor([1.0, -2.0]))
    np.testing.assert_array_equal(np.asarray(g), [1.0, 0.0])  # (PyTorch's torch.func.grad: [1, 0])
    a = np.array([1.0, -1.0])
    np.testing.assert_array_equal(nn.relu_(a), [1.0, 0.0])
    np.testing.assert_array_equal(a, [1.0, -1.0])  # a NumPy array stays a value
