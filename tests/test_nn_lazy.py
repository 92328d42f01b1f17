"""PyTorch's lazy layers (tensorgrad.nn.lazy) and nn.Buffer (tensorgrad.nn.buffer)."""
import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.nn.lazy import LazyModuleMixin, materialize_from

RNG = np.random.default_rng(0)

# (lazy class, its arguments, the ordinary class, its arguments given the input size n, input)
CASES = [
    (nn.LazyLinear, (4,), {}, nn.Linear, lambda n: (n, 4), (5, 3)),
    (nn.LazyLinear, (4,), {"bias": False}, nn.Linear, lambda n: (n, 4, False), (2, 3, 6)),
    (nn.LazyConv1d, (4, 3), {"stride": 2, "groups": 2}, nn.Conv1d,
     lambda n: (n, 4, 3, 2, 0, 1, 2), (2, 6, 9)),
    (nn.LazyConv1d, (4, 3), {}, nn.Conv1d, lambda n: (n, 4, 3), (6, 9)),  # one sample (C, L)
    (nn.LazyConv2d, (4, 3), {"padding": 1}, nn.Conv2d, lambda n: (n, 4, 3, 1, 1), (2, 5, 6, 6)),
    (nn.LazyConv3d, (4, 3), {"groups": 2}, nn.Conv3d,
     lambda n: (n, 4, 3, 1, 0, 1, 2), (2, 6, 4, 4, 4)),
    (nn.LazyConvTranspose1d, (4, 3), {"stride": 2}, nn.ConvTranspose1d,
     lambda n: (n, 4, 3, 2), (2, 5, 7)),
    (nn.LazyConvTranspose2d, (4, 3), {"groups": 2}, nn.ConvTranspose2d,
     lambda n: (n, 4, 3, 1, 0, 0, 2), (2, 6, 4, 4)),
    (nn.LazyConvTranspose3d, (2, 2), {}, nn.ConvTranspose3d, lambda n: (n, 2, 2), (1, 3, 3, 3, 3)),
    (nn.LazyBatchNorm1d, (), {}, nn.BatchNorm1d, lambda n: (n,), (8, 5)),
    (nn.LazyBatchNorm2d, (), {}, nn.BatchNorm2d, lambda n: (n,), (4, 5, 3, 3)),
    (nn.LazyBatchNorm3d, (), {"affine": False}, nn.BatchNorm3d,
     lambda n: (n, 1e-5, 0.1, False), (3, 5, 2, 3, 2)),
    (nn.LazyInstanceNorm1d, (), {}, nn.InstanceNorm1d, lambda n: (n, 1e-5, 0.1, True, True), (4, 5, 6)),
    (nn.LazyInstanceNorm1d, (), {}, nn.InstanceNorm1d, lambda n: (n, 1e-5, 0.1, True, True), (5, 6)),
    (nn.LazyInstanceNorm2d, (), {}, nn.InstanceNorm2d, lambda n: (n, 1e-5, 0.1, True, True),
     (2, 5, 4, 4)),
    (nn.LazyInstanceNorm3d, (), {"track_running_stats": False}, nn.InstanceNorm3d,
     lambda n: (n, 1e-5, 0.1, True, False), (2, 5, 3, 3, 3)),
]
IDS = [f"{c[0].__name__}-{len(c[5])}d" for c in CASES]


def _size(lazy) -> int:
    for attr in ("in_features", "in_channels", "num_features"):
        if attr in lazy.__dict__:
            return getattr(lazy, attr)
    raise AssertionError("no input size")


@pytest.mark.parametrize("lazy_cls,args,kw,cls,ordinary_args,shape", CASES, ids=IDS)
def test_first_forward_becomes_the_ordinary_layer(lazy_cls, args, kw, cls, ordinary_args, shape):
    x = RNG.normal(size=shape)
    lazy = lazy_cls(*args, **kw)
    assert isinstance(lazy, LazyModuleMixin) and isinstance(lazy, cls) and _size(lazy) == 0
    assert lazy.has_uninitialized_params()
    before = lazy.state_dict()
    y = lazy(x)
    assert type(lazy) is cls and not isinstance(lazy, LazyModuleMixin)
    n = _size(lazy)
    ref = cls(*ordinary_args(n))
    assert repr(lazy) == repr(ref)
    assert {k: np.shape(v) for k, v in lazy.state_dict().items()} == \
        {k: np.shape(v) for k, v in ref.state_dict().items()}
    assert list(before) == list(ref.state_dict())  # the same names before the dry run
    # the same parameters in the ordinary layer give the same output
    ref.load_state_dict(lazy.state_dict())
    ref.train(lazy.training)
    np.testing.assert_allclose(ref(x), y, rtol=1e-12, atol=1e-12)


def test_a_norm_without_parameters_or_statistics_still_learns_its_size():
    norm = nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)
    assert not norm.has_uninitialized_params()
    norm(RNG.normal(size=(2, 4, 5)))
    assert type(norm) is nn.InstanceNorm1d and norm.num_features == 4


def test_lazy_linear_draws_what_the_ordinary_linear_draws():
    x = RNG.normal(size=(5, 3))
    lazy, ref = nn.LazyLinear(4), nn.Linear(3, 4)
    tg.manual_seed(0)  # (a first use draws from the stream tg.manual_seed restarts)
    lazy(x)
    tg.manual_seed(0)
    ref(x)
    np.testing.assert_array_equal(lazy.W, ref.W)
    np.testing.assert_array_equal(lazy.bias, ref.bias)
    lazy, ref = nn.LazyLinear(4), nn.Linear(3, 4)
    lazy.init(7)
    ref.init(7)
    lazy(x)
    np.testing.assert_array_equal(lazy.W, ref.W)
    assert lazy.in_features == 3 and lazy.out_features == 4


def test_init_follows_the_ordinary_layers():
    lin = nn.LazyLinear(200)
    lin(RNG.normal(size=(2, 300)))
    bound = math.sqrt(6 / (300 + 200))  # tensorgrad's Linear: Xavier-uniform W, zero b
    assert np.abs(lin.W).max() <= bound and np.abs(lin.W).max() > 0.95 * bound
    assert np.all(lin.bias == 0)
    for lazy_cls in (nn.LazyConv3d, nn.LazyConvTranspose3d):  # PyTorch's ±1/√fan_in
        conv = lazy_cls(16, 3)
        conv(RNG.normal(size=(1, 32, 4, 4, 4)))
        fan_in = conv.weight.shape[1] * 27
        for v in (conv.weight, conv.bias):
            assert np.abs(v).max() <= 1 / math.sqrt(fan_in)
        assert np.abs(conv.weight).max() > 0.95 / math.sqrt(fan_in)
    conv = nn.LazyConv2d(32, 3)  # He-normal
    conv(RNG.normal(size=(1, 64, 5, 5)))
    assert abs(np.std(conv.weight) / math.sqrt(2 / (64 * 9)) - 1) < 0.05
    bn = nn.LazyBatchNorm2d()
    bn(RNG.normal(size=(4, 3, 2, 2)))
    assert np.all(bn.weight == 1) and np.all(bn.bias == 0)
    bn.reset_running_stats()
    assert np.all(bn.running_mean == 0) and np.all(bn.running_var == 1)


def test_placeholders_refuse_every_use_and_name_the_layer():
    lazy = nn.LazyLinear(3)
    assert lazy.has_uninitialized_params()
    params = lazy.parameters()
    assert len(params) == 2 and all(isinstance(p, nn.UninitializedParameter) for p in params)
    w = lazy.W
    uses = [lambda: w.shape, lambda: np.asarray(w), lambda: w + 1, lambda: np.ones(3) @ w,
            lambda: tg.tensor(np.ones(3)) * w, lambda: w[0], lambda: w.numel()]
    for use in uses:
        with pytest.raises(RuntimeError, match="LazyLinear.*'W'.*forward"):
            use()
    bn = nn.LazyBatchNorm1d()
    assert isinstance(bn.running_mean, nn.UninitializedBuffer)
    assert isinstance(bn.state_dict()["running_var"], nn.UninitializedBuffer)
    with pytest.raises(RuntimeError, match="LazyBatchNorm1d.*running_mean"):
        np.asarray(bn.running_mean)
    with pytest.raises(RuntimeError, match="forward"):
        lazy.num_parameters()


def test_an_optimizer_over_unmaterialised_parameters_is_refused():
    with pytest.raises(TypeError, match="UninitializedParameter"):
        tg.optim.SGD(nn.LazyLinear(3).parameters(), lr=0.1)
    # a model with ordinary layers too: never an optimizer that silently leaves the lazy out
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LazyLinear(2))
    with pytest.raises(TypeError, match="UninitializedParameter"):
        tg.optim.Adam(model.parameters(), lr=0.1)
    x = tg.tensor(RNG.normal(size=(5, 3)))
    model(x)  # the dry run
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    before = model[2].W.detach().numpy().copy()
    model(x).sum().backward()
    opt.step()
    assert not np.allclose(model[2].W.detach().numpy(), before)


def test_gradients_equal_those_of_the_ordinary_layer():
    x = RNG.normal(size=(6, 3))
    lazy = nn.LazyLinear(2)
    xt = tg.tensor(x)
    (lazy(xt) ** 2).sum().backward()  # the first call, PyTorch's way: its tensors record
    ref = nn.Linear(3, 2)
    ref.load_state_dict({k: np.array(v) for k, v in lazy.state_dict().items()})
    (ref(tg.tensor(x)) ** 2).sum().backward()
    np.testing.assert_allclose(lazy.W.grad, ref.W.grad, rtol=1e-12)
    np.testing.assert_allclose(lazy.bias.grad, ref.bias.grad, rtol=1e-12)
    # and functionally, on the pytree taken after the dry run
    conv = nn.LazyConv1d(2, 3)
    conv(x[None])
    ref = nn.Conv1d(6, 2, 3)
    ref.params = conv.params
    g1 = tg.grad(lambda p: (conv.apply(p, x[None]) ** 2).sum())(conv.params)
    g2 = tg.grad(lambda p: (ref.apply(p, x[None]) ** 2).sum())(conv.params)
    np.testing.assert_allclose(g1["W"], g2["W"], rtol=1e-12)


def test_a_model_of_lazy_layers():
    x = RNG.normal(size=(5, 3))
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    tg.manual_seed(0)
    assert [n for n, _ in model.named_parameters()] == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert model(x).shape == (5, 2)
    assert [type(m) for m in model.layers[::2]] == [nn.Linear] * 3
    assert not np.allclose(model[2].W, model[2].W.T)  # (4, 4): its own draws
    first = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4))
    tg.manual_seed(0)
    first(x)
    np.testing.assert_array_equal(model[0].W, first[0].W)  # the first to draw: as ordinary
    assert not np.allclose(model[2].W, first[2].W)
    ref = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    for a, b in zip(tg.tree_leaves(model.init(5)), tg.tree_leaves(ref.init(5))):
        np.testing.assert_array_equal(a, b)  # after the dry run, init(seed) is the ordinary one


def test_a_pytorch_style_model_with_lazy_children():
    class Net(nn.Module):
        def __init__(self):
            self.fc1 = nn.LazyLinear(4)
            self.fc2 = nn.LazyLinear(4)
            self.bn = nn.LazyBatchNorm1d()
            self.scale = nn.Parameter(np.ones(4))

        def forward(self, x):
            return self.bn(self.fc2(self.fc2(self.fc1(x)))) * self.scale  # fc2 used twice

    net = Net()
    y = net(tg.tensor(RNG.normal(size=(6, 3))))
    y.sum().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert set(grads) == {"fc1.W", "fc1.b", "fc2.W", "fc2.b", "bn.weight", "bn.bias", "scale"}
    assert all(g is not None for g in grads.values())
    assert type(net.fc2) is nn.Linear and net.fc2.in_features == 4
    assert int(net.bn.num_batches_tracked) == 1


def test_load_state_dict_materialises_from_the_checkpoint():
    src = nn.Linear(3, 4)
    src.init(1)
    lazy = nn.LazyLinear(4)
    lazy.load_state_dict(src.state_dict())
    assert type(lazy) is nn.Linear and lazy.in_features == 3
    np.testing.assert_array_equal(lazy.W, src.W)
    ct = nn.ConvTranspose2d(6, 4, 3, groups=2)
    lazy = nn.LazyConvTranspose2d(4, 3, groups=2)
    lazy.load_state_dict(ct.state_dict())
    assert repr(lazy) == repr(ct)
    c1 = nn.Conv1d(6, 4, 3, groups=2)
    lazy = nn.LazyConv1d(4, 3, groups=2)
    lazy.load_state_dict(c1.state_dict())
    assert lazy.in_channels == 6
    bn = nn.BatchNorm2d(5)
    bn(RNG.normal(size=(4, 5, 3, 3)))
    lazy = nn.LazyBatchNorm2d()
    lazy.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(lazy.running_var, bn.running_var)
    assert int(lazy.num_batches_tracked) == 1
    with pytest.raises(RuntimeError, match="size mismatch"):
        nn.LazyLinear(5).load_state_dict(src.state_dict())


def test_a_model_holding_lazy_layers_loads_after_materialize_from():
    ref = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ref.init(3)
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    with pytest.raises(RuntimeError, match="materialize_from"):
        model.load_state_dict(ref.state_dict())
    assert materialize_from(model, ref.state_dict()) == ["0", "2"]
    model.load_state_dict(ref.state_dict())
    x = RNG.normal(size=(5, 3))
    np.testing.assert_array_equal(model(x), ref(x))


def test_a_first_forward_under_a_transform_or_on_a_stale_pytree_is_refused():
    with pytest.raises(RuntimeError, match="transform"):
        tg.jit(nn.LazyLinear(3))(np.ones((2, 5)))
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    stale = model.init(0)
    x = RNG.normal(size=(5, 3))
    with pytest.raises(RuntimeError, match="not materialised"):
        tg.grad(lambda p: model.apply(p, x).sum())(stale)
    model(x)
    with pytest.raises(RuntimeError, match="take it again"):
        model.apply(stale, x)
    g = tg.grad(lambda p: model.apply(p, x).sum())(model.params)
    assert [np.shape(v) for v in tg.tree_leaves(g)] == [(3, 4), (4,), (4, 2), (2,)]


def test_wrong_inputs_and_dtypes():
    with pytest.raises(RuntimeError, match="groups"):
        nn.LazyConv1d(4, 3, groups=2)(np.ones((1, 3, 5)))
    with pytest.raises(RuntimeError, match="input size"):
        nn.LazyConv2d(4, 3)(np.ones((5, 5)))
    lin = nn.LazyLinear(3, dtype=np.float32)
    lin(np.ones((2, 5), np.float32))
    assert lin.W.dtype == np.float32
    bn = nn.LazyBatchNorm1d(dtype=np.float32)
    bn(RNG.normal(size=(4, 3)).astype(np.float32))
    assert bn.weight.dtype == np.float32 and bn.running_mean.dtype == np.float32
    model = nn.Sequential(nn.LazyConv1d(2, 3), nn.ReLU()).float()  # a cast before the dry run
    model(np.ones((1, 4, 6), np.float32))
    assert model[0].weight.dtype == np.float32


def test_a_frozen_model_keeps_its_arrays_and_hooks_run_once():
    model = nn.Sequential(nn.Linear(3, 3), nn.LazyLinear(2))
    model.requires_grad_(False)
    out = model(tg.tensor(np.ones((2, 3))))
    assert not out.requires_grad
    lazy, seen = nn.LazyLinear(2), []
    lazy.register_forward_hook(lambda m, args, out: seen.append(type(m).__name__))
    lazy(np.ones((1, 3)))
    lazy(np.ones((1, 3)))
    assert seen == ["Linear", "Linear"]


# ---- nn.Buffer ------------------------------------------------------------------------------

class _WithBuffers(nn.Module):
    def __init__(self):
        self.lin = nn.Linear(2, 2)
        self.mask = nn.Buffer(np.array([1.0, 0.0]))
        self.scratch = nn.Buffer(np.zeros(2), persistent=False)
        self.plain = 3

    def forward(self, x):
        return self.lin(x) * self.mask


def test_buffer_assignment_registers_a_buffer():
    m = _WithBuffers()
    assert isinstance(m.mask, nn.Buffer) and not isinstance(np.ones(2), nn.Buffer)
    assert list(m.named_buffers()) == [("mask", m.mask), ("scratch", m.scratch)]
    assert list(m.state_dict()) == ["lin.W", "lin.b", "mask"]
    assert m(np.ones((1, 2)))[0, 1] == 0
    m.scratch = np.ones(2)  # a plain array: still the buffer, still not persistent
    assert "scratch" in dict(m.named_buffers()) and "scratch" not in m.state_dict()
    m.scratch = nn.Buffer(np.ones(2))  # a Buffer: its own persistence
    assert "scratch" in m.state_dict()
    m.double()
    fresh = _WithBuffers()
    loaded = fresh.load_state_dict({k: np.array(v) + 1 for k, v in m.state_dict().items()},
                                   strict=False)
    assert loaded.unexpected_keys == ["scratch"]  # (not persistent in the fresh Module)
    np.testing.assert_array_equal(fresh.mask, [2.0, 1.0])


def test_buffer_values_and_refusals():
    a = np.arange(3.0)
    b = nn.Buffer(a)
    assert np.shares_memory(a, b) and not isinstance(a, nn.Buffer)
    assert isinstance(nn.Buffer(), nn.Buffer) and nn.Buffer().shape == (0,)
    t = nn.Buffer(tg.tensor([1.0, 2.0], requires_grad=True))
    assert isinstance(t, tg.Tensor) and t.requires_grad and isinstance(t, nn.Buffer)
    m = _WithBuffers()
    with pytest.raises(KeyError, match="already exists"):
        m.plain = nn.Buffer(np.ones(2))
    with pytest.raises(KeyError, match="already exists"):
        m.lin = nn.Buffer(np.ones(2))
    m.p = nn.Parameter(np.ones(2))
    with pytest.raises(TypeError, match="parameter"):
        m.p = nn.Buffer(np.ones(2))
    with pytest.raises(TypeError, match="traced"):
        tg.grad(lambda x: nn.Buffer(x).sum())(np.ones(2))
