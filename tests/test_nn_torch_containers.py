"""PyTorch's container and traversal forms on tensorgrad's Modules: Sequential from an
OrderedDict (named layers, attribute access, state_dict names), append/extend, slices that
are Sequentials, Module.apply(fn) visiting every submodule children first, and
clip_grad_norm_/clip_grad_value_ taking the parameters (changing their .grad), register_buffer
and get_submodule, as PyTorch's."""
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(5)


def test_sequential_from_an_ordered_dict_names_its_layers():
    seq = tg.nn.Sequential(OrderedDict([("fc1", tg.nn.Linear(3, 4)), ("act", tg.nn.Tanh()),
                                        ("fc2", tg.nn.Linear(4, 2))]))
    assert [n for n, _ in seq.named_children()] == ["fc1", "act", "fc2"]
    assert list(seq.state_dict()) == ["fc1.W", "fc1.b", "fc2.W", "fc2.b"]
    assert seq.fc2 is seq[2] and isinstance(seq.fc1, tg.nn.Linear)
    with pytest.raises(AttributeError, match="fc3"):
        seq.fc3
    x = RNG.normal(size=(5, 3))
    sd = seq.state_dict()
    want = np.tanh(x @ sd["fc1.W"] + sd["fc1.b"]) @ sd["fc2.W"] + sd["fc2.b"]
    np.testing.assert_allclose(seq(x), want, rtol=1e-14)
    g = tg.grad(lambda p: tg.sum(seq.apply(p, x)))(seq.params)
    assert tg.tree_util.tree_structure(g) == tg.tree_util.tree_structure(seq.params)
    tail = seq[1:]  # a slice is a Sequential keeping the names, as PyTorch's
    assert isinstance(tail, tg.nn.Sequential) and [n for n, _ in tail.named_children()] == ["act", "fc2"]
    with pytest.raises(KeyError, match="without dots"):
        tg.nn.Sequential(OrderedDict([("a.b", tg.nn.Tanh())]))
    with pytest.raises(TypeError, match="not a Module"):
        tg.nn.Sequential(OrderedDict([("a", np.tanh)]))


def test_sequential_append_and_extend():
    seq = tg.nn.Sequential(tg.nn.Linear(2, 3))
    assert seq.append(tg.nn.ReLU()) is seq
    seq.extend([tg.nn.Linear(3, 1)])
    assert len(seq) == 3 and list(seq.state_dict()) == ["0.W", "0.b", "2.W", "2.b"]
    assert seq(np.ones((4, 2))).shape == (4, 1)
    named = tg.nn.Sequential(OrderedDict([("first", tg.nn.Linear(2, 2))]))
    named.append(tg.nn.Tanh())
    assert [n for n, _ in named.named_children()] == ["first", "1"]
    with pytest.raises(TypeError, match="not a Module"):
        seq.append(np.tanh)
    # appended after the parameters were made: they stay, the new layer brings its own
    used = tg.nn.Sequential(tg.nn.Linear(2, 3))
    x = RNG.normal(size=(4, 2))
    first = used(x)
    last = tg.nn.Linear(3, 1)
    used.append(tg.nn.ReLU()).append(last)
    np.testing.assert_allclose(used(x), last(np.maximum(first, 0)), rtol=1e-14)
    assert list(used.state_dict()) == ["0.W", "0.b", "2.W", "2.b"]


def test_sequential_addition_and_repetition_chain_the_same_layers():
    a = tg.nn.Sequential(tg.nn.Linear(3, 3), tg.nn.ReLU())
    b = tg.nn.Sequential(tg.nn.Linear(3, 2))
    x = RNG.normal(size=(4, 3))
    c = a + b  # PyTorch's: a new Sequential of the same layer objects, numbered by position
    assert isinstance(c, tg.nn.Sequential) and c[0] is a[0] and c[2] is b[0]
    assert [n for n, _ in c.named_children()] == ["0", "1", "2"]
    np.testing.assert_allclose(c(x), b(a(x)), rtol=1e-14)
    t = tg.nn.Sequential(tg.nn.Tanh(), tg.nn.ReLU())
    for r in (t * 3, 3 * t):
        assert len(r) == 6 and r[4] is t[0]
        np.testing.assert_allclose(r(x), t(t(t(x))), rtol=1e-14)
    d = tg.nn.Sequential(tg.nn.Linear(3, 3))
    d += b
    assert len(d) == 2 and d[1] is b[0] and d(x).shape == (4, 2)
    t *= 2
    assert len(t) == 4
    with pytest.raises(ValueError, match="only a Sequential can be added"):
        a + tg.nn.ReLU()
    with pytest.raises(ValueError, match="must be positive"):
        t * 0
    with pytest.raises(TypeError, match="repeated by an int"):
        t * 1.5
    # a layer with parameters at two places (PyTorch's shared weights) raises at once
    with pytest.raises(NotImplementedError, match=r"Sequential \*: the same Linear is held at two places"):
        a * 2
    with pytest.raises(NotImplementedError, match=r"Sequential \+=: the same Linear"):
        a += a
    assert len(a) == 2  # (unchanged)


def test_module_apply_of_a_function_visits_every_submodule_children_first():
    inner = tg.nn.Sequential(tg.nn.Linear(3, 1))
    net = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU(), inner)
    seen = []
    assert net.apply(seen.append) is net
    assert seen == [net[0], net[1], inner[0], inner, net]

    class Net(tg.nn.Module):
        def __init__(self):
            self.a, self.b = tg.nn.Linear(2, 2), tg.nn.Tanh()

        def forward(self, x):
            return self.b(self.a(x))
    n = Net()
    names = []
    n.apply(lambda m: names.append(type(m).__name__))
    assert names == ["Linear", "Tanh", "Net"]
    x = RNG.normal(size=(3, 2))  # the pure apply(params, x) is unchanged
    np.testing.assert_array_equal(n.apply(n.params, x), n(x))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, np.inf])
def test_clip_grad_norm_takes_the_parameters_and_clips_their_grads(norm_type):
    net = tg.nn.Linear(2, 3)
    net.requires_grad_()
    x = RNG.normal(size=(4, 2)) * 3
    tg.sum(net(x) ** 2).backward()
    before = [p.grad.copy() for p in net.parameters()]
    flat = np.concatenate([g.ravel() for g in before])
    total = np.linalg.norm(flat, ord=norm_type)
    got = tg.nn.utils.clip_grad_norm_(iter(net.parameters()), 1.0, norm_type=norm_type)
    np.testing.assert_allclose(got, total, rtol=1e-13)
    scale = min(1.0, 1.0 / (total + 1e-6))
    for p, g in zip(net.parameters(), before):
        np.testing.assert_allclose(p.grad, g * scale, rtol=1e-14)
    assert np.linalg.norm(np.concatenate([p.grad.ravel() for p in net.parameters()]), norm_type) <= 1.0


def test_clip_grad_value_takes_the_parameters_and_skips_those_without_a_grad():
    w = tg.tensor(np.array([3.0, -0.2]), requires_grad=True)
    unused = tg.tensor(np.ones(2), requires_grad=True)
    tg.sum(w * np.array([4.0, -1.0])).backward()
    assert unused.grad is None
    tg.nn.utils.clip_grad_value_([w, unused], 0.5)
    assert w.grad.tolist() == [0.5, -0.5] and unused.grad is None
    g = {"a": np.array([2.0, -3.0])}  # the pytree of gradient arrays still works
    tg.nn.utils.clip_grad_value_(g, 1.0)
    assert g["a"].tolist() == [1.0, -1.0]


class _Positional(tg.nn.Module):
    def __init__(self, n, d):
        self.lin = tg.nn.Linear(d, d)
        self.register_buffer("pe", np.arange(n * d, dtype=float).reshape(n, d))
        self.register_buffer("scratch", np.zeros(d), persistent=False)

    def forward(self, x):
        return self.lin(x + self.pe[:x.shape[0]])


def test_register_buffer_and_get_submodule_as_pytorch():
    m = _Positional(5, 3)
    assert list(m.state_dict()) == ["lin.W", "lin.b", "pe"]  # not the non-persistent one
    assert [n for n, _ in m.named_buffers()] == ["pe", "scratch"]
    x = RNG.normal(size=(2, 3))
    sd = m.state_dict()
    np.testing.assert_allclose(m(x), (x + m.pe[:2]) @ sd["lin.W"] + sd["lin.b"], rtol=1e-14)
    sd = dict(sd, pe=np.zeros((5, 3)))
    m.load_state_dict(sd)
    assert not m.pe.any()
    m.float()
    assert m.pe.dtype == np.float32 and m.scratch.dtype == np.float32
    assert m.get_submodule("lin") is m.lin and m.get_submodule("") is m
    seq = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.Sequential(tg.nn.ReLU()))
    assert seq.get_submodule("1.0") is seq[1][0]
    with pytest.raises(AttributeError, match="no submodule '2'"):
        seq.get_submodule("2")
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("lin", np.ones(2))
    with pytest.raises(KeyError, match="contain no '.'"):
        m.register_buffer("a.b", np.ones(2))


def test_activation_layers_are_classes_with_pytorchs_repr():
    nn = tg.nn
    layers = [nn.ReLU(), nn.LeakyReLU(0.2), nn.Softmax(dim=1), nn.GELU("tanh"), nn.Hardtanh(-2, 2),
              nn.Softplus(2.0), nn.Identity(5), nn.Tanh(), nn.ELU(0.5)]
    # torch 2.13's reprs of the same layers
    assert [repr(m) for m in layers] == [
        "ReLU()", "LeakyReLU(negative_slope=0.2)", "Softmax(dim=1)", "GELU(approximate='tanh')",
        "Hardtanh(min_val=-2.0, max_val=2.0)", "Softplus(beta=2.0, threshold=20.0)", "Identity()",
        "Tanh()", "ELU(alpha=0.5)"]
    assert isinstance(layers[0], nn.ReLU) and isinstance(layers[0], nn.Activation)
    assert not isinstance(layers[1], nn.ReLU)
    x = np.array([-1.0, 0.5, 2.0])

    class Shifted(nn.ReLU):  # subclassed, as PyTorch's
        def apply(self, params, v):
            return super().apply(params, v) + 1.0
    np.testing.assert_array_equal(Shifted()(x), [1.0, 1.5, 3.0])
    again = pickle.loads(pickle.dumps(nn.SiLU()))
    assert type(again) is nn.SiLU
    np.testing.assert_allclose(again(x), x / (1 + np.exp(-x)), rtol=1e-15)
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    assert [type(m).__name__ for m in net.modules()] == ["Sequential", "Linear", "ReLU"]


def test_module_dict_entries_are_attributes_as_pytorchs():
    # nanoGPT: self.transformer = nn.ModuleDict(dict(wte=..., drop=...)); self.transformer.wte(idx)
    md = tg.nn.ModuleDict(dict(wte=tg.nn.Embedding(5, 3), drop=tg.nn.Dropout(0.0)))
    assert md.wte is md["wte"] and md.drop is md["drop"]
    idx = np.array([[0, 4, 2]])
    np.testing.assert_array_equal(md.wte(idx), md["wte"].params["weight"][idx])
    with pytest.raises(AttributeError, match="'ModuleDict' object has no attribute 'lm_head'"):
        md.lm_head


def test_a_modules_extra_repr_comes_before_its_children_as_pytorchs():
    class Scale(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = tg.nn.Linear(2, 2)

        def extra_repr(self):
            return "k=3\nmode=fast"

        def forward(self, x):
            return self.lin(x) * 3
    assert repr(Scale()) == "Scale(\n  k=3\n  mode=fast\n  (lin): Linear(2, 2, bias=True)\n)"
