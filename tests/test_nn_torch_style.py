"""Modules written PyTorch's way (children as attributes, a ``forward``) and PyTorch's names."""
import threading

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.nn.module import _BOUND

nn = tg.nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lin = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        return x + tg.tanh(self.norm(self.lin(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([Block(4), Block(4)])
        self.act = nn.ReLU()
        self.head = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))

    def forward(self, x, scale=1.0):
        h = self.act(self.inp(x))
        for b in self.blocks:
            h = b(h)
        return self.head(h) * scale


def _by_hand(p, x, scale=1.0):
    """Net's forward written out on the parameter pytree."""
    def ln(v, q):
        mu = tg.mean(v, axis=-1, keepdims=True)
        var = tg.mean((v - mu) ** 2, axis=-1, keepdims=True)
        return (v - mu) / tg.sqrt(var + 1e-5) * q["weight"] + q["bias"]
    h = tg.relu(x @ p["inp"]["W"] + p["inp"]["b"])
    for q in p["blocks"]:
        h = h + tg.tanh(ln(h @ q["lin"]["W"] + q["lin"]["b"], q["norm"]))
    h = tg.relu(h @ p["head"][0]["W"] + p["head"][0]["b"])
    return (h @ p["head"][1]["W"] + p["head"][1]["b"]) * scale


X = np.random.default_rng(1).normal(size=(6, 3))


def test_forward_style_module_has_its_childrens_parameters_and_names():
    net = Net()
    p = net.init(0)
    assert set(p) == {"inp", "blocks", "head"}  # the relu has no parameters
    names = [n for n, _ in net.named_parameters()]
    assert names == ["blocks.0.lin.W", "blocks.0.lin.b", "blocks.0.norm.bias",
                     "blocks.0.norm.weight", "blocks.1.lin.W", "blocks.1.lin.b",
                     "blocks.1.norm.bias", "blocks.1.norm.weight", "head.0.W", "head.0.b",
                     "head.2.W", "head.2.b", "inp.W", "inp.b"]
    assert len(net.parameters()) == 14
    assert net.num_parameters() == 3 * 4 + 4 + 2 * (16 + 4 + 8) + 4 * 5 + 5 + 5 * 2 + 2
    assert [n for n, _ in net.named_modules()][:4] == ["", "inp", "blocks", "blocks.0"]
    assert len(list(net.children())) == 4
    text = repr(net)
    assert "(blocks): ModuleList(\n    (0): Block(\n      (lin): Linear(4, 4" in text


def test_forward_style_module_calls_apply_and_differentiates():
    net = Net()
    p = net.init(0)
    np.testing.assert_allclose(net(X), _by_hand(p, X), rtol=1e-12)
    np.testing.assert_allclose(net(X, scale=2.0), 2 * _by_hand(p, X), rtol=1e-12)
    q = tg.tree_map(lambda a: a * 0.5, p)
    np.testing.assert_allclose(net.apply(q, X), _by_hand(q, X), rtol=1e-12)
    np.testing.assert_allclose(net(X, params=q), _by_hand(q, X), rtol=1e-12)
    loss = lambda f: lambda p: tg.sum(f(p, X) ** 2)  # noqa: E731
    g = tg.grad(loss(net.apply))(p)
    want = tg.grad(loss(_by_hand))(p)
    for a, b in zip(tg.tree_leaves(g), tg.tree_leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.jit(net.apply)(p, X), net(X), rtol=1e-12)
    # nothing stays bound after a call, even one that raised
    assert not _BOUND.table and net.inp.params is p["inp"]   # the model's entry, not q's
    with pytest.raises(ValueError):
        net(np.ones((2, 5)))
    assert not _BOUND.table


def test_forward_style_state_dict_round_trip():
    net = Net()
    net.init(0)
    sd = net.state_dict()
    other = Net()
    other.init(3)
    assert not np.allclose(other(X), net(X))
    assert other.load_state_dict({k: np.array(v) for k, v in sd.items()}) == ([], [])
    np.testing.assert_array_equal(other(X), net(X))


def test_sequential_parameter_and_buffer_names_share_the_layer_index():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.BatchNorm1d(4))
    m.init(0)
    keys = list(m.state_dict())
    # PyTorch's keys for the same Sequential
    assert sorted(keys) == sorted(["0.W", "0.b", "2.weight", "2.bias", "2.running_mean",
                                   "2.running_var", "2.num_batches_tracked", "3.weight",
                                   "3.bias", "3.running_mean", "3.running_var",
                                   "3.num_batches_tracked"])
    sd = {k: np.array(v) for k, v in m.state_dict().items()}
    sd["2.weight"] = np.full(4, 3.0)  # the first BatchNorm, layer 2
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m.params[1]["weight"], 3.0)
    np.testing.assert_array_equal(m.params[2]["weight"], 1.0)


def test_forward_style_parameters_are_per_thread():
    net = Net()
    p = net.init(0)
    q = tg.tree_map(lambda a: a * 2, p)
    out = {}

    def run(i, params):
        for _ in range(100):
            out[i] = net.apply(params, X)

    ts = [threading.Thread(target=run, args=(0, p)), threading.Thread(target=run, args=(1, q))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    np.testing.assert_allclose(out[0], _by_hand(p, X), rtol=1e-12)
    np.testing.assert_allclose(out[1], _by_hand(q, X), rtol=1e-12)


def test_a_module_without_apply_or_forward_says_so():
    class Empty(nn.Module):
        pass
    with pytest.raises(NotImplementedError, match="Empty: a Module defines apply"):
        Empty()(X)


def test_nn_functional_answers_as_pytorchs_functional_module():
    import tensorgrad.nn.functional as F
    from tensorgrad.nn.functional import cross_entropy, relu  # noqa: F401  (importable too)
    x = np.random.default_rng(0).normal(size=(4, 5))
    y = np.array([0, 2, 1, 4])
    assert F.cross_entropy is tg.nn.cross_entropy and F.conv2d is tg.nn.conv2d
    # PyTorch's keyword input= names the first argument of tg.nn's JAX-named functions too
    for name in ("relu", "relu6", "elu", "selu", "celu", "leaky_relu", "glu", "sigmoid", "tanh", "silu", "mish"):
        np.testing.assert_array_equal(getattr(F, name)(input=x[:, :4]), getattr(tg.nn, name)(x[:, :4]), err_msg=name)
    t = tg.tensor(x, requires_grad=True)
    F.relu(input=t).sum().backward()
    np.testing.assert_array_equal(t.grad, (x > 0).astype(float))
    with pytest.raises(TypeError, match="input"):
        F.glu(x, input=x)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(F.softmax(x, dim=1), e / e.sum(1, keepdims=True))  # PyTorch's dim=
    np.testing.assert_allclose(F.cross_entropy(x, y), -np.mean(np.log((e / e.sum(1, keepdims=True))[np.arange(4), y])))
    # F.one_hot is PyTorch's (int64, inferred width, ids out of range refused); tg.nn's is JAX's
    oh = F.one_hot(np.array([1, 3]))
    assert oh.dtype == np.int64 and oh.tolist() == [[0, 1, 0, 0], [0, 0, 0, 1]]
    assert F.one_hot(np.array([1]), 3).tolist() == [[0, 1, 0]]
    for ids, n, match in [(np.array([-1, 2]), 3, "non-negative"), (np.array([0, 3]), 3, "smaller than"),
                          (np.array([], np.int64), -1, "infer"), (np.array([1.0]), 3, "index tensor")]:
        with pytest.raises(RuntimeError, match=match):
            F.one_hot(ids, n)
    j = tg.nn.one_hot(np.array([1, 5]), 3)
    assert j.dtype == np.float64 and j.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    assert tg.jit(lambda ids: F.one_hot(ids, 4))(np.array([1, 3])).tolist() == [[0, 1, 0, 0], [0, 0, 0, 1]]
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        F.nope
