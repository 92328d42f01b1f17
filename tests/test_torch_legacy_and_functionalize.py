"""PyTorch's legacy ``torch.autograd.Variable`` and ``torch.func.functionalize``."""
import warnings

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.autograd import Variable


def test_variable_is_a_detached_leaf_of_the_same_values():
    x = tg.tensor([1.0, 2.0])
    v = Variable(x, requires_grad=True)
    assert v.requires_grad and v.is_leaf and not x.requires_grad
    (v * v).sum().backward()
    np.testing.assert_array_equal(v.grad, [2.0, 4.0])
    assert x.grad is None
    u = Variable(v * 2)  # a graph of its own: no gradient flows back through it
    assert not u.requires_grad and u.is_leaf
    np.testing.assert_array_equal(u.detach().numpy(), [2.0, 4.0])
    assert isinstance(x, Variable) and isinstance(u, tg.autograd.Variable)
    assert not isinstance(np.ones(2), Variable)
    w = Variable(np.array([3.0]), requires_grad=True)  # a NumPy array is taken too
    (w ** 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [27.0])


def test_variable_refuses_what_pytorch_refuses():
    with pytest.raises(TypeError, match="Variable: data has to be a tensor, got list"):
        Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        Variable(tg.tensor([1, 2]), requires_grad=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Variable(tg.tensor([1.0]), volatile=True)
    assert any("volatile" in str(w.message) for w in seen)


def test_functionalize_keeps_values_gradients_and_input_mutations():
    def f(x):
        y = x.clone()
        y.add_(1)
        y.mul_(y)
        return y
    x = tg.tensor([1.0, 2.0])
    g = tg.func.functionalize(f)
    np.testing.assert_array_equal(tg.func.grad(lambda x: g(x).sum())(x), [4.0, 6.0])
    np.testing.assert_array_equal(tg.func.vmap(g)(tg.tensor([[1.0, 2.0], [3.0, 4.0]])).numpy(),
                                  [[4.0, 9.0], [16.0, 25.0]])
    a = tg.tensor([1.0, 2.0])

    def h(a):
        a.add_(1)
        return a * 2
    np.testing.assert_array_equal(tg.func.functionalize(h, remove="mutations_and_views")(a).numpy(),
                                  [4.0, 6.0])
    np.testing.assert_array_equal(a.numpy(), [2.0, 3.0])  # the input's mutation shows, as PyTorch's
    with pytest.raises(ValueError, match="functionalize: remove must be"):
        tg.func.functionalize(f, remove="views")
