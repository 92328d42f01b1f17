"""In-place updates keep a tensor's dtype only where the result fits it (PyTorch's rule, and
NumPy's same_kind casting); a leaf keeps its hooks and its place on recorded graphs when its
requires_grad is toggled or its Module's dtype changes."""
import numpy as np
import pytest

import tensorgrad as tg


@pytest.mark.parametrize("update", [lambda t: t.div_(2), lambda t: t.mul_(2.9), lambda t: t.add_(0.5),
                                    lambda t: t.clamp_(0.5, 2.5), lambda t: t.exp_()])
def test_an_in_place_update_refuses_a_result_its_integers_cannot_hold(update):
    t = tg.tensor(np.array([1, 2, 3]))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        update(t)
    np.testing.assert_array_equal(t, [1, 2, 3])                    # (unchanged)


def test_in_place_updates_that_fit_and_fills_still_work():
    t = tg.tensor(np.array([1, 2, 3]))
    t.add_(2)
    t.floor_divide_(2)
    np.testing.assert_array_equal(t, [1, 2, 2])
    t.masked_fill_(np.array([True, False, False]), 7.5)            # (a fill casts, as PyTorch)
    np.testing.assert_array_equal(t, [7, 2, 2])
    f = tg.tensor(np.ones(2, np.float32))
    f.mul_(np.float64(2.0))                                        # float64 into float32: same kind
    assert f.dtype == np.float32
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.tensor(np.array([True, False])).add_(1)
    with pytest.raises(RuntimeError, match="complex128 can't be cast"):
        y = tg.tensor([1.0, 2.0], requires_grad=True) * 1
        y += 1j * y
    z = tg.tensor(np.array([1, 2]), requires_grad=False) * tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="can't be cast"):
        z.div_(1j)


def test_a_leaf_keeps_its_hooks_and_graphs_through_requires_grad_toggles():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w.register_hook(lambda g: g * np.array([1.0, 0.0, 1.0]))
    w.requires_grad_(False)
    w.requires_grad_(True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 0.0, 6.0])
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.requires_grad_(False)
    x.requires_grad_(True)
    g, = tg.autograd.grad(y + (x * 5).sum(), x)
    np.testing.assert_array_equal(g, [7.0, 9.0])


def test_a_parameters_hooks_survive_the_modules_dtype_cast():
    m = tg.nn.Linear(2, 1)
    m.requires_grad_()
    m.params["W"].register_hook(lambda g: g * 0)
    m.float()
    m(tg.tensor(np.ones((1, 2), np.float32))).sum().backward()
    np.testing.assert_array_equal(m.params["W"].grad, np.zeros((2, 1), np.float32))
    assert m.params["b"].grad.dtype == np.float32 and np.all(m.params["b"].grad == 1)


def test_hooks_see_their_gradient_with_pytorchs_tensor_methods():
    x = tg.tensor([1.0, -5.0, 3.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.clamp(-1, 1) * 3)       # (PyTorch hook code, unchanged)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -6.0, 6.0])
    # (the hook's RuleArray does not leak: .grad is a GradArray over a plain array)
    assert type(x.grad) is tg.autograd.function.GradArray and type(x.grad.base) is np.ndarray
    seen = []
    z = tg.tensor([3.0, 4.0], requires_grad=True)
    z.register_hook(lambda g: seen.append(float(g.norm())))
    (z * z).sum().backward()
    assert seen == [10.0]


def test_a_cast_to_the_dtype_a_tensor_has_is_the_tensor_itself():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    assert w.double() is w and w.type_as(w) is w
    v = w.double()
    (v * v).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    assert w.float() is not w and w.float().dtype == np.float32


def test_grad_fn_prehooks_see_and_replace_the_nodes_gradient():
    # PyTorch's y.grad_fn.register_prehook(fn): fn((grad_y,)) before the node's rule; a returned
    # 1-tuple replaces it (references: the chain rule by hand, as PyTorch 2.13 gives it)
    x = tg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 2
    seen = []

    def hook(grad_outputs):
        seen.append(np.array(grad_outputs[0]))
        return (grad_outputs[0] * 10,)
    handle = y.grad_fn.register_prehook(hook)
    tg.sin(y).sum().backward(retain_graph=True)
    np.testing.assert_allclose(seen[0], np.cos(2 * x.detach().numpy()), rtol=1e-15)
    np.testing.assert_allclose(x.grad, 20 * np.cos(2 * x.detach().numpy()), rtol=1e-15)
    handle.remove()
    x.grad = None
    tg.sin(y).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.cos(2 * x.detach().numpy()), rtol=1e-15)
    z = x * 3
    z.grad_fn.register_prehook(lambda go: go[0])  # not a 1-tuple: a clear error
    with pytest.raises(TypeError, match="register_prehook: the hook .* must return None or a 1-tuple"):
        z.sum().backward()
    with pytest.raises(NotImplementedError, match="MulBackward0.register_hook: .* register_prehook"):
        z.grad_fn.register_hook(lambda gi, go: None)
    # PyTorch's order: the tensor's own hooks first, then the node's prehooks (in their order)
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = w * 2
    v.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    v.grad_fn.register_prehook(lambda go: (go[0] + 1,))
    v.register_hook(lambda g: g * 2)
    v.sum().backward()
    np.testing.assert_array_equal(w.grad, [42.0, 42.0])  # ((1 · 2) · 10 + 1) · 2, as PyTorch 2.13
    u = w * 3
    u.grad_fn.register_prehook(lambda go: [go[0]])  # (a list: PyTorch expects a tuple)
    with pytest.raises(TypeError, match="must return None or a 1-tuple"):
        u.sum().backward()
