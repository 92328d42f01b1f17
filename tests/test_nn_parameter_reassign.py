"""A Parameter assigned anew to a layer held by a model whose parameters exist is the one the
model then uses (PyTorch registers it on assignment: nanoGPT's crop_block_size, re-tying after
construction), and Dropout layers inside a list of a model each get their own stream."""
import copy
import pickle

import numpy as np

import tensorgrad as tg
from tensorgrad import nn


class Emb(nn.Module):
    def __init__(self, rows):
        super().__init__()
        self.weight = nn.Parameter(tg.arange(rows * 3.0).reshape(rows, 3))
        self.bias = nn.Parameter(tg.ones(3))

    def forward(self, x):
        return x @ self.weight.T + self.bias.sum()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.e, self.f = Emb(8), Emb(8)

    def forward(self, x):
        return self.e(x).sum() + self.f(x).sum()


def test_a_new_parameter_replaces_the_old_after_parameters_exist():
    m = Net()
    x = tg.ones(2, 3)
    m(x).backward()  # (parameters made, gradients held)
    assert [n for n, _ in m.named_parameters()] == ["e.bias", "e.weight", "f.bias", "f.weight"]
    new = nn.Parameter(tg.zeros(4, 3))
    m.e.weight = new
    assert m.e.weight is new
    assert dict((n, tuple(p.shape)) for n, p in m.named_parameters())["e.weight"] == (4, 3)
    assert m.state_dict()["e.weight"].shape == (4, 3)
    for p in m.parameters():
        p.grad = None
    out = m(x)
    out.backward()
    np.testing.assert_array_equal(new.grad, np.full((4, 3), 2.0))  # (the new one is in use)
    assert float(out) == 2 * 4 * 3 + float(m.f(x).sum())
    m.f.weight = m.e.weight  # tied after construction: listed once, as PyTorch
    assert [n for n, _ in m.named_parameters()] == ["e.bias", "e.weight", "f.bias"]
    del m.e.bias
    assert [n for n, _ in m.named_parameters()] == ["e.weight", "f.bias"]


class One(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(tg.arange(24.0).reshape(8, 3))


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.e = One()


def test_replacing_a_layers_only_parameter():
    m = Holder()
    list(m.parameters())  # (the model's parameters exist)
    new = nn.Parameter(tg.zeros(4, 3))
    m.e.weight = new
    assert m.e.weight is new
    assert [tuple(p.shape) for p in m.parameters()] == [(4, 3)]
    np.testing.assert_array_equal(m.state_dict()["e.weight"], np.zeros((4, 3)))


def test_replacing_before_the_parameters_exist_still_works():
    m = Net()
    new = nn.Parameter(tg.zeros(5, 3))
    m.e.weight = new
    assert m.e.weight is new and m(tg.ones(1, 3)).shape == ()


class Drops(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.ds = nn.ModuleList([nn.Dropout(0.5), nn.Dropout(0.5)])

    def forward(self, x):
        return [self.ds[0](x), self.ds[1](x)]


def test_dropouts_in_a_list_draw_different_masks():
    a, b = (np.asarray(o) != 0 for o in Drops()(tg.ones(6, 10)))
    assert (a != b).any()
    m = Drops()  # (and a model seeded explicitly keeps its seeding)
    m.init(3)
    k0, k1 = (np.asarray(d.key) for d in m.ds)
    m(tg.ones(2, 2 * 2))
    np.testing.assert_array_equal(np.asarray(m.ds[0].key), k0)
    assert not np.array_equal(k0, k1)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(tg.relu(self.fc1(x)))


def test_first_use_draws_from_the_stream_manual_seed_restarts():
    # as PyTorch's constructors draw from its global generator: two models differ, the same
    # seed gives the same model, and init(seed) stays the explicit, seeded draw
    x = tg.ones(1, 4)
    a, b = MLP(), MLP()
    a(x), b(x)
    assert not np.allclose(a.state_dict()["fc1.W"], b.state_dict()["fc1.W"])
    assert not np.allclose(a.state_dict()["fc2.W"], b.state_dict()["fc2.W"])
    models = []
    for _ in range(2):
        tg.manual_seed(3)
        models.append(MLP())
        models[-1](x)
    for k, v in models[0].state_dict().items():
        np.testing.assert_array_equal(v, models[1].state_dict()[k])
    c, d = MLP(), MLP()
    for p, q in zip(tg.tree_leaves(c.init(5)), tg.tree_leaves(d.init(5))):
        np.testing.assert_array_equal(p, q)
    policy = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    for target in (copy.deepcopy(policy), pickle.loads(pickle.dumps(policy))):  # (made alike)
        np.testing.assert_array_equal(target(np.ones((1, 3))), policy(np.ones((1, 3))))
    e, f = nn.Linear(3, 3), nn.Linear(3, 3)  # stand-alone layers too
    assert not np.allclose(e.parameters()[0], f.parameters()[0])
