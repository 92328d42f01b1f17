"""PyTorch's forward hooks on Modules (tensorgrad/nn/module_hooks.py)."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn

X = np.linspace(-1.0, 1.0, 15).reshape(5, 3)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.out = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.out(self.a(x))


def _net():
    m = Net()
    m.init(0)
    return m


def test_forward_hooks_see_inputs_and_outputs_everywhere_a_module_runs():
    m = _net()
    seen = []
    m.a.register_forward_hook(lambda mod, args, out: seen.append(("a", args[0].shape, out.shape)))
    m.out[1].register_forward_hook(lambda mod, args, out: seen.append(("lin", args[0].shape, out.shape)))
    want = m(X)
    assert seen == [("a", (5, 3), (5, 3)), ("lin", (5, 3), (5, 2))]
    seen.clear()
    np.testing.assert_allclose(m.apply(m.params, X), want)  # through apply, and in a Sequential
    assert [s[0] for s in seen] == ["a", "lin"]
    seen.clear()
    tg.grad(lambda p: tg.sum(m.apply(p, X)))(m.params)  # under a transform: traced values
    assert [s[0] for s in seen] == ["a", "lin"]
    enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    enc.init(0)
    got = []
    enc.self_attn.register_forward_hook(lambda mod, args, out: got.append(len(args)))
    enc(np.ones((3, 1, 8)))
    assert len(got) == 1  # a layer run by its container's apply


def test_hooks_may_replace_arguments_and_outputs_and_come_off():
    m = _net()
    m.params["out"][0]["b"] = np.array([0.5, -0.25])
    base, base_at_1 = m(X), m(np.ones_like(X))
    h1 = m.register_forward_hook(lambda mod, args, out: out * 2.0)
    np.testing.assert_allclose(m(X), 2.0 * base)
    h2 = m.register_forward_pre_hook(lambda mod, args: args[0] * 0.0 + 1.0)  # one value: new x
    np.testing.assert_allclose(m(X), 2.0 * base_at_1)
    assert not np.allclose(base_at_1, base)
    h2.remove()
    h1.remove()
    np.testing.assert_allclose(m(X), base)
    with m.register_forward_hook(lambda mod, args, out: out + 1.0):
        np.testing.assert_allclose(m(X), base + 1.0)
    np.testing.assert_allclose(m(X), base)


def test_hook_order_prepend_and_kwargs():
    m = _net()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append(1))
    m.register_forward_hook(lambda mod, args, out: order.append(0), prepend=True)
    m(X)
    assert order == [0, 1]
    calls = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: calls.append(sorted(kwargs)) or None,
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(out.shape), with_kwargs=True)
    m(X)
    assert calls == [[], (5, 2)]
    with pytest.raises(TypeError, match="must be callable"):
        m.register_forward_hook(3)


def test_a_gradient_through_a_hook_is_the_gradient_of_the_hooked_model():
    m = _net()
    m.a.register_forward_hook(lambda mod, args, out: tg.tanh(out))
    g = tg.grad(lambda p: tg.sum(m.apply(p, X) ** 2))(m.params)
    W, b = m.params["a"]["W"], m.params["a"]["b"]

    def loss(w):
        h = np.tanh(X @ w + b)
        return np.sum((np.maximum(h, 0) @ m.params["out"][0]["W"] + m.params["out"][0]["b"]) ** 2)
    eps, fd = 1e-6, np.zeros_like(W)
    for i in range(3):
        for j in range(3):
            e = np.zeros_like(W)
            e[i, j] = eps
            fd[i, j] = (loss(W + e) - loss(W - e)) / (2 * eps)
    np.testing.assert_allclose(g["a"]["W"], fd, rtol=1e-6, atol=1e-8)


def test_post_accumulate_grad_hook_runs_after_the_leaf_gradient_is_summed():
    # PyTorch's Tensor.register_post_accumulate_grad_hook: an optimizer step inside backward
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = []
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append(np.array(t.grad)))
    tg.sum(w * w).backward()
    tg.sum(w * 3.0).backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0])
    np.testing.assert_array_equal(seen[1], [5.0, 7.0])  # after accumulating: 2w + 3
    h.remove()
    tg.sum(w * w).backward()
    assert len(seen) == 2

    p = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)

    def step(t):
        with tg.no_grad():
            t -= 0.1 * t.grad
        t.grad = None
    p.register_post_accumulate_grad_hook(step)
    tg.sum(p * p).backward()
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6])
    assert p.grad is None
    with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
        (w * 2.0).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor(np.ones(2)).register_post_accumulate_grad_hook(print)


def test_full_backward_hooks_see_and_replace_the_gradients():
    """PyTorch's full backward hooks: a pre-hook gets grad_output, a hook gets (grad_input,
    grad_output) when backward() reaches the Module's inputs and may replace grad_input."""
    rng = np.random.default_rng(0)
    W, b, x = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 3))
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh())
    model.init(0)
    model.load_state_dict({"0.W": W, "0.b": b})
    model.requires_grad_()
    lin = model[0]
    seen = []
    pre = lin.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", go)))
    full = lin.register_full_backward_hook(
        lambda m, gi, go: seen.append(("full", gi, go)) or tuple(None if g is None else 2 * g for g in gi))
    X = tg.tensor(x, requires_grad=True)
    model(X).sum().backward()
    g_out = 1 - np.tanh(x @ W + b) ** 2  # d sum(tanh(h)) / dh
    assert [s[0] for s in seen] == ["pre", "full"]
    np.testing.assert_allclose(seen[0][1][0], g_out)
    np.testing.assert_allclose(seen[1][1][0], g_out @ W.T)  # grad_input before the hook's change
    np.testing.assert_allclose(X.grad, 2 * g_out @ W.T)  # the hook doubled it
    np.testing.assert_allclose(dict(model.named_parameters())["0.W"].grad, x.T @ g_out)  # parameters: untouched
    seen.clear()
    model(tg.tensor(x)).sum().backward()  # an input off the tape: the hook still runs, with None
    assert [s[0] for s in seen] == ["pre", "full"] and seen[1][1] == (None,)
    pre.remove(), full.remove()
    seen.clear()
    model(X).sum().backward()
    assert seen == []
