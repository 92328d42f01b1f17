"""A layer held by a model reads and writes its entry of the model's parameters, as a PyTorch
layer shares its parameters with the model holding it."""
import copy
import pickle

import numpy as np
import pytest

import tensorgrad as tg

nn = tg.nn
F = tg.nn.functional
RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 3))
Y = RNG.integers(0, 2, 5)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Net()
        self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(2, 1)})

    def forward(self, x):
        h = self.inner(x)
        for b in self.blocks:
            h = b(h)
        return self.heads["a"](h)


def _values(named):
    return {k: np.array(tg.stop_gradient(v)) for k, v in named.items()}


def _train(net, opt, steps=3):
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(net(tg.tensor(X)), tg.tensor(Y)).backward()
        opt.step()


def test_a_layer_called_alone_uses_the_models_current_parameters():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    p = tg.tree_map(lambda a: a + 1.0, seq.init(1))
    seq.params = p                                    # a functional update of the model
    np.testing.assert_allclose(seq[0](X), X @ p[0]["W"] + p[0]["b"], rtol=1e-14)
    np.testing.assert_allclose(seq[2].parameters()[0], p[1]["W"])
    outer = Outer()
    q = tg.tree_map(lambda a: a * 2.0, outer.init(0))
    outer.params = q
    h = np.ones((1, 8))
    np.testing.assert_allclose(outer.inner.fc2(h), h @ q["inner"]["fc2"]["W"] + q["inner"]["fc2"]["b"],
                               rtol=1e-14)
    assert outer.blocks[2].params is q["blocks"][2] and outer.heads["a"].params is q["heads"]["a"]
    names = list(outer.inner.named_parameters().keys())
    assert names == ["fc1.W", "fc1.b", "fc2.W", "fc2.b"]


def test_per_layer_parameter_groups_and_a_frozen_layer_train_the_model():
    net = Net().requires_grad_()
    before = _values(net.named_parameters())
    opt = tg.optim.SGD([{"params": net.fc1.parameters(), "lr": 0.1},
                        {"params": net.fc2.parameters()}], lr=0.5)
    _train(net, opt)
    after = _values(net.named_parameters())
    assert all(not np.allclose(before[k], after[k]) for k in before)
    assert opt.param_groups[0]["params"][0] is net.fc1.parameters()[0]

    net = Net().requires_grad_()
    net.fc1.requires_grad_(False)                     # freeze the first layer in the model
    before = _values(net.named_parameters())
    _train(net, tg.optim.SGD(net.parameters(), lr=0.5))
    after = _values(net.named_parameters())
    assert {k: bool(np.allclose(before[k], after[k])) for k in before} == \
        {"fc1.W": True, "fc1.b": True, "fc2.W": False, "fc2.b": False}


def test_loading_or_casting_a_layer_writes_into_the_model():
    net = Net()
    net.init(0)
    net.fc1.load_state_dict({"W": np.ones((3, 8)), "b": np.zeros(8)})
    np.testing.assert_array_equal(net.state_dict()["fc1.W"], np.ones((3, 8)))
    np.testing.assert_allclose(net(X), net.apply(net.params, X))
    net.fc2.float()
    assert net.params["fc2"]["W"].dtype == np.float32 and net.params["fc1"]["W"].dtype == np.float64


def test_a_new_model_keeps_what_its_layers_were_given_and_draws_the_rest():
    loaded = nn.Linear(3, 4)
    loaded.load_state_dict({"W": np.full((3, 4), 2.0), "b": np.zeros(4)})
    seq = nn.Sequential(loaded, nn.ReLU(), nn.Linear(4, 2))
    tg.manual_seed(0)  # (a first use draws from the stream tg.manual_seed restarts)
    np.testing.assert_array_equal(seq.parameters()[0], np.full((3, 4), 2.0))
    np.testing.assert_array_equal(seq.parameters()[2], nn.Linear(4, 2).init(0)["W"])  # the first draw
    # layers that only made parameters for a call of their own get the model's fresh draws
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    a(X), b(X)
    assert not np.allclose(a.params["W"], b.params["W"])  # (each its own draw, as PyTorch's)
    seq = nn.Sequential(a, b)
    tg.manual_seed(0)
    ref = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3)).init(0)
    np.testing.assert_array_equal(seq.parameters()[0], ref[0]["W"])
    np.testing.assert_array_equal(seq.parameters()[2], ref[1]["W"])
    assert not np.allclose(seq.parameters()[0], seq.parameters()[2])
    # an explicit init draws everything afresh
    seq2 = nn.Sequential(loaded, nn.ReLU())
    seq2.init(0)
    assert not np.allclose(seq2.parameters()[0], 2.0)


def test_copies_and_pickles_keep_their_own_links():
    net = Net()
    net.init(3)
    c = copy.deepcopy(net)
    c.params = tg.tree_map(lambda a: a * 0, c.params)
    np.testing.assert_array_equal(c.fc1.parameters()[0], 0)
    assert not np.allclose(net.fc1.parameters()[0], 0)
    back = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(back.fc1.parameters()[0], net.fc1.parameters()[0])
    back.params = tg.tree_map(lambda a: a + 1, back.params)
    np.testing.assert_array_equal(back.fc2(np.ones((1, 8))),
                                  np.ones((1, 8)) @ back.params["fc2"]["W"] + back.params["fc2"]["b"])


def test_a_layer_in_two_models_reads_the_one_that_made_parameters_last():
    shared = nn.Linear(3, 3)
    a = nn.Sequential(shared, nn.ReLU())
    b = nn.Sequential(shared, nn.Tanh())
    pa, pb = a.init(0), b.init(1)
    np.testing.assert_array_equal(shared.parameters()[0], pb[0]["W"])
    np.testing.assert_allclose(a(X), np.maximum(X @ pa[0]["W"] + pa[0]["b"], 0))  # a's own entry
    a.params = pa
    np.testing.assert_array_equal(shared.parameters()[0], pa[0]["W"])


class Body(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)
        self.blocks = nn.ModuleList([nn.Linear(4, 4)])

    def forward(self, x):
        h = tg.tanh(self.body(x))
        for b in self.blocks:
            h = b(h)
        return self.head(h)


def test_a_layer_replaced_added_or_removed_after_the_parameters_exist_is_followed():
    net = Body()
    net(X)
    body = net.params["body"]
    net.head = nn.Linear(4, 3)                        # a new head (fine-tuning)
    assert net(X).shape == (5, 3) and net.params["body"] is body
    loaded = nn.Linear(4, 3)
    loaded.load_state_dict({"W": np.full((4, 3), 2.0), "b": np.zeros(3)})
    net.head = loaded                                 # a layer with parameters of its own
    np.testing.assert_array_equal(net.params["head"]["W"], np.full((4, 3), 2.0))
    net.head = nn.Identity()                          # its entry leaves with it
    assert list(net.state_dict()) == ["blocks.0.W", "blocks.0.b", "body.W", "body.b"]
    del net.head
    net.head = nn.Linear(4, 2)
    net.requires_grad_()
    net.blocks.append(nn.Linear(4, 4))                # joins the model, trained and saved
    assert [n for n, _ in net.named_parameters()][:4] == ["blocks.0.W", "blocks.0.b", "blocks.1.W",
                                                           "blocks.1.b"]
    assert net.parameters()[2].requires_grad          # (the model's parameters require grad)
    before = _values(net.named_parameters())
    opt = tg.optim.SGD(net.parameters(), lr=0.1)
    opt.zero_grad()
    tg.sum(net(tg.tensor(X)) ** 2).backward()
    opt.step()
    after = _values(net.named_parameters())
    assert not np.allclose(before["blocks.1.W"], after["blocks.1.W"])


def test_containers_mutated_after_the_parameters_exist():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    p = seq.init(0)
    seq[2] = nn.Linear(4, 5)
    assert seq(X).shape == (5, 5) and seq.params[0] is p[0]
    seq.insert(1, nn.Linear(4, 4))
    assert [n for n, _ in seq.named_parameters()] == ["0.W", "0.b", "1.W", "1.b", "3.W", "3.b"]
    assert isinstance(seq.pop(1), nn.Linear) and seq.params[0] is p[0]
    assert [n for n, _ in seq.named_parameters()] == ["0.W", "0.b", "2.W", "2.b"]
    del seq[2]
    assert seq(X).shape == (5, 4) and len(seq.params) == 1
    seq.append(nn.Linear(4, 4))
    seq.append(nn.Linear(4, 4))
    assert seq(X).shape == (5, 4)
    assert not np.allclose(seq.params[1]["W"], seq.params[2]["W"])  # each its own draw

    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(3, 1)})

        def forward(self, x):
            return {k: m(x) for k, m in self.heads.items()}
    model = Heads()
    model(X)
    model.heads["b"] = nn.Linear(3, 2)
    assert {k: v.shape for k, v in model(X).items()} == {"a": (5, 1), "b": (5, 2)}
    model.heads.pop("a")
    assert list(model.state_dict()) == ["heads.b.W", "heads.b.b"]
    blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    blocks.init(0)
    blocks[0] = nn.Tanh()
    del blocks[1]
    assert blocks.params == [{}]


class Scaled(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.alpha = nn.Parameter(np.full(d, 2.0))
        self.register_parameter("beta", None)     # an absent parameter, as bias=False

    def forward(self, x):
        return self.fc(x) * self.alpha


def test_a_parameter_of_a_modules_own():
    m = Scaled(3)
    assert [n for n, _ in m.named_parameters()] == ["alpha", "fc.W", "fc.b"] and m.beta is None
    assert list(m.named_parameters(recurse=False).keys()) == ["alpha"] and m.parameters(recurse=False)[0] is m.alpha
    assert list(m.named_parameters(prefix="net").keys()) == ["net.alpha", "net.fc.W", "net.fc.b"]
    assert m.get_parameter("fc.W").base is m.params["fc"]["W"]  # (a view with the Tensor methods)
    p = m.init(0)
    np.testing.assert_array_equal(p["alpha"], np.full(3, 2.0))    # init starts from its value
    g = tg.grad(lambda p: tg.sum(m.apply(p, X) ** 2))(p)           # traced inside forward
    h = X @ p["fc"]["W"] + p["fc"]["b"]
    np.testing.assert_allclose(g["alpha"], np.sum(2 * h * h * p["alpha"], axis=0), rtol=1e-13)
    m.requires_grad_()
    before = np.array(tg.stop_gradient(m.alpha))
    opt = tg.optim.SGD(m.parameters(), lr=0.1)
    opt.zero_grad()
    tg.sum(m(tg.tensor(X)) ** 2).backward()
    opt.step()
    np.testing.assert_allclose(tg.stop_gradient(m.alpha), before - 0.1 * g["alpha"], rtol=1e-12)
    assert list(m.state_dict()) == ["alpha", "fc.W", "fc.b"]
    other = Scaled(3)
    other.load_state_dict(m.state_dict())
    np.testing.assert_allclose(tg.stop_gradient(other(X)), tg.stop_gradient(m(X)), rtol=1e-14)
    m.alpha = nn.Parameter(np.full(3, 5.0))
    np.testing.assert_array_equal(tg.stop_gradient(m.params["alpha"]), 5.0)
    with pytest.raises(TypeError, match="as parameter 'alpha'"):
        m.alpha = np.ones(3)
    seq = nn.Sequential(Scaled(3), nn.ReLU())
    assert [n for n, _ in seq.named_parameters()] == ["0.alpha", "0.fc.W", "0.fc.b"]
    w = nn.Parameter(np.zeros(2))                       # on its own: a leaf that requires grad
    opt = tg.optim.SGD([w], lr=0.5)
    tg.sum((w - 1) ** 2).backward()
    opt.step()
    np.testing.assert_array_equal(tg.stop_gradient(w), [1.0, 1.0])
    with pytest.raises(TypeError, match="lays out its own parameters"):
        nn.Linear(2, 2).register_parameter("extra", nn.Parameter(np.ones(2)))


def test_add_module_names_a_child():
    net = Net()
    net.init(0)
    net.add_module("extra", nn.Linear(2, 2))
    assert "extra.W" in net.named_parameters() and net.get_submodule("extra") is net.extra
    with pytest.raises(TypeError, match="is not a Module"):
        net.add_module("bad", 3)
    # a name taken by another attribute is refused, as PyTorch's; a child is replaced
    net.note = "kept"
    for taken in ("note", "forward"):
        with pytest.raises(KeyError, match=f"attribute '{taken}' already exists"):
            net.add_module(taken, nn.ReLU())
    assert net.note == "kept"
    net.add_module("extra", nn.Linear(2, 3))
    assert net.extra.out_features == 3


def test_embedding_from_pretrained():
    table = np.arange(12.0).reshape(4, 3)
    e = nn.Embedding.from_pretrained(table)
    np.testing.assert_array_equal(tg.stop_gradient(e(np.array([1, 3]))), table[[1, 3]])
    e.init(5)                                                 # starts from the table again
    np.testing.assert_array_equal(tg.stop_gradient(e.params["weight"]), table)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding.from_pretrained(table)   # frozen: no grad
            self.fc = nn.Linear(3, 2)

        def forward(self, i):
            return self.fc(self.emb(i))
    m = M()
    opt = tg.optim.SGD(m.parameters(), lr=0.1)               # the table stays frozen
    assert [p.requires_grad for p in m.parameters()] == [False, True, True]
    tg.sum(m(np.array([0, 2]))).backward()
    opt.step()
    np.testing.assert_array_equal(tg.stop_gradient(m.params["emb"]["weight"]), table)
    free = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert free.params["weight"].requires_grad and free(np.array([1])).tolist() == [[3, 4, 5]]
    with pytest.raises(ValueError, match="2-D floating"):
        nn.Embedding.from_pretrained(np.ones(3))


def test_a_slice_or_a_new_model_of_layers_in_use_shares_their_values():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seq(X)                                            # parameters made by the first call
    before = seq[2](np.tanh(X[:, :1] * np.ones(4)))
    tail = seq[2:]
    np.testing.assert_allclose(tail(np.tanh(X[:, :1] * np.ones(4))), before, rtol=1e-15)
    np.testing.assert_allclose(seq(X), seq[2](seq[1](seq[0](X))), rtol=1e-15)
    net = Net()
    net(X)
    moved = nn.Sequential(net.fc2)
    h = np.ones((1, 8))
    np.testing.assert_allclose(moved(h), net.fc2(h), rtol=1e-15)


def test_a_container_that_gains_or_loses_its_only_layers_with_parameters():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.heads = nn.ModuleDict()
            self.blocks = nn.ModuleList()
            self.act = nn.Sequential(nn.ReLU(), nn.Dropout(0.0))  # none: a parameter-less Sequential

        def forward(self, x):
            h = self.act(self.fc(x))
            for b in self.blocks:
                h = b(h)
            return self.heads["a"](h) if "a" in self.heads else h
    m = Model()
    m.init(0)
    m.heads["a"] = nn.Linear(4, 2)
    m.blocks.append(nn.Linear(4, 4))
    m.act.append(nn.Linear(4, 4))
    assert list(m.state_dict()) == ["act.2.W", "act.2.b", "blocks.0.W", "blocks.0.b", "fc.W", "fc.b",
                                    "heads.a.W", "heads.a.b"]
    g = tg.grad(lambda p: tg.sum(m.apply(p, X)))(m.params)
    assert len(tg.tree_leaves(g)) == 8 and m(X).shape == (5, 2)
    m.blocks.pop()
    del m.act[2]
    m.heads.clear()
    assert list(m.state_dict()) == ["fc.W", "fc.b"] and m(X).shape == (5, 4)


def test_a_layer_frozen_on_its_own_stays_frozen_until_the_model_is_made_to_require_grad():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    net[0].requires_grad_(False)                      # freeze the body, train the head
    frozen = np.array(tg.stop_gradient(net.parameters()[0]))
    opt = tg.optim.SGD(net.parameters(), lr=0.1)      # (its conversion keeps the freeze)
    assert [p.requires_grad for p in net.parameters()] == [False, False, True, True]
    tg.sum(net(tg.tensor(X))).backward()
    opt.step()
    np.testing.assert_array_equal(tg.stop_gradient(net.parameters()[0]), frozen)
    net.requires_grad_()                              # then unfreeze all, as PyTorch's
    assert all(p.requires_grad for p in net.parameters())
    opt.zero_grad()
    tg.sum(net(tg.tensor(X))).backward()
    opt.step()
    assert not np.array_equal(tg.stop_gradient(net.parameters()[0]), frozen)
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net[0].requires_grad_()                           # a layer's own call: that layer only
    assert [p.requires_grad for p in net.parameters()] == [True, True, False, False]


def test_module_list_concatenation():
    a = nn.ModuleList([nn.Linear(2, 2)])
    b = a + nn.ModuleList([nn.ReLU()])
    a += [nn.Tanh()]
    assert len(b) == 2 and len(a) == 2 and isinstance(a[1], nn.Tanh) and b[0] is a[0]


def test_a_jitted_function_traces_again_after_a_layer_of_a_model_in_use_changes():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    p = seq.init(0)
    f = tg.jit(lambda p, x: seq.apply(p, x))
    f(p, X)
    seq[1] = nn.Tanh()                                # the same parameters, another layer
    np.testing.assert_allclose(f(p, X), seq.apply(p, X), rtol=1e-14)
    g = tg.jit(tg.grad(lambda p: tg.sum(seq.apply(p, X) ** 2)))
    g(p)
    del seq[1]
    seq.insert(1, nn.Sigmoid())
    want = tg.grad(lambda p: tg.sum(seq.apply(p, X) ** 2))(p)
    for a, b in zip(tg.tree_leaves(g(p)), tg.tree_leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    built = tg.jit(lambda x: nn.Sequential(nn.ReLU(), nn.Tanh())(x))  # layers built inside
    built(X)
    built(X)
    assert len(built._plans) == 1                    # (building them does not retrace)


def test_a_jitted_closure_over_a_model_sees_its_new_parameters():
    net = Net()
    f = tg.jit(lambda x: net(x))
    traced = []
    trace = f._trace
    f._trace = lambda *a: traced.append(1) or trace(*a)
    f(X)
    f(X)
    assert len(traced) == 1                          # unchanged parameters: one plan, replayed
    net.params = tg.tree_util.tree_map(lambda a: 2 * a, net.params)
    np.testing.assert_allclose(f(X), net(X), rtol=1e-14)
    net.fc1.params = tg.tree_util.tree_map(lambda a: a + 1, net.fc1.params)  # into a layer
    np.testing.assert_allclose(f(X), net(X), rtol=1e-14)
    g = tg.jit(tg.grad(lambda x: tg.sum(net(x) ** 2)))
    g(X)
    net.load_state_dict({k: v * 3 for k, v in net.state_dict().items()})
    np.testing.assert_allclose(g(X), tg.grad(lambda x: tg.sum(net(x) ** 2))(X), rtol=1e-13)
    net.requires_grad_()                             # PyTorch's loop: tensors, stepped in place
    opt = tg.optim.SGD(net.parameters(), lr=0.1)
    tg.sum(net(tg.tensor(X)) ** 2).backward()
    opt.step()
    with tg.no_grad():
        np.testing.assert_allclose(f(X), net(X), rtol=1e-14)


def _counting(f):
    traced = []
    trace = f._trace
    f._trace = lambda *a: traced.append(1) or trace(*a)
    return traced


def test_a_jitted_model_checks_one_guard_and_sees_hooks_modes_and_lowering():
    net = nn.Sequential(*[m for _ in range(5) for m in (nn.Linear(3, 3), nn.Tanh())])
    f = tg.jit(lambda x: net(x))
    f(X)
    plan, = f._plans.values()
    assert len(plan.guards) == 1                   # (one identity test per model, per call)
    net.params = tg.tree_util.tree_map(lambda a: 2 * a, net.params)
    np.testing.assert_allclose(f.lower(X).compile()(X), net(X), rtol=1e-14)  # lower: fresh too
    h = net[1].register_forward_hook(lambda m, args, out: out * 10)
    np.testing.assert_allclose(f(X), net(X), rtol=1e-14)
    h.remove()
    np.testing.assert_allclose(f(X), net(X), rtol=1e-14)
    traced = _counting(f)
    for _ in range(4):
        net.eval()                                 # (the same mode again: nothing to trace)
        f(X)
    assert len(traced) == 1


def test_a_jitted_closure_over_a_constant_tensor_sees_its_updates():
    w = tg.tensor(np.ones(3))
    f = tg.jit(lambda x: x * w)
    f(np.ones(3))
    with tg.no_grad():
        w.mul_(2)
    np.testing.assert_array_equal(f(np.ones(3)), [2.0, 2.0, 2.0])
    w.data = np.full(3, 5.0)
    np.testing.assert_array_equal(f(np.ones(3)), [5.0, 5.0, 5.0])
    w[0] = 7.0
    np.testing.assert_array_equal(f(np.ones(3)), [7.0, 5.0, 5.0])
    traced = _counting(f)
    f(np.ones(3))
    f(np.ones(3))
    assert not traced
    w.requires_grad_()                             # (now a tensor of the tape: run as written)
    assert f(np.ones(3)).requires_grad


def test_a_jitted_optimizer_step_traces_once():
    p = {"w": np.ones(3)}
    for opt in (tg.optim.Adam(0.01), tg.optim.SGD(0.1, momentum=0.9), tg.optim.NAdam(0.01),
                tg.optim.Adafactor(0.01)):
        step = tg.jit(lambda p, s, g: opt.step(p, g, s))
        q, s = p, opt.init(p)
        for _ in range(3):
            q, s = step(q, s, {"w": np.full(3, 0.5)})
        assert step.cache_size() == 1
        assert type(s["step"]) is np.ndarray and s["step"] == 3


def test_a_jitted_closure_over_spectral_norm_iterates_at_every_call():
    eager = tg.nn.utils.spectral_norm(nn.Linear(4, 3))
    eager.init(0)
    jitted = copy.deepcopy(eager)
    f = tg.jit(lambda v: jitted(v))
    x = RNG.normal(size=(2, 4))
    for _ in range(4):                             # (training mode: u and v move at each call)
        np.testing.assert_allclose(f(x), eager(x), rtol=1e-14, atol=1e-15)
        # (u is a unit vector: its entries agree to rounding of its norm, also a small one)
        np.testing.assert_allclose(jitted.weight_u, eager.weight_u, rtol=1e-14, atol=1e-15)
