"""Module.state_dict() and load_state_dict(), PyTorch's names, checks and results."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_round_trip_restores_parameters_and_buffers():
    m = _model()
    m.init(0)
    x = np.random.default_rng(1).normal(size=(5, 3))
    m.train()
    m(x)  # updates BatchNorm's running statistics
    m.eval()
    want = m(x)
    sd = m.state_dict()
    assert list(sd) == list(m.named_parameters().keys()) + list(m.named_buffers().keys())
    assert sd["1.running_mean"].base is m.layers[1].running_mean  # the Module's own arrays (views
    assert sd["1.running_mean"].size() == (4,) and sd["0.W"].numel() == 12  # with Tensor methods)
    fresh = _model()
    fresh.init(7)
    fresh.eval()
    assert not np.allclose(fresh(x), want)
    result = fresh.load_state_dict({k: np.array(v) for k, v in sd.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(fresh(x), want)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])


def test_strictness_and_shape_checks():
    m = nn.Linear(3, 2)
    m.init(0)
    sd = dict(m.state_dict())
    sd["extra"] = np.zeros(1)
    del sd["b"]
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        m.load_state_dict(sd)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "b"'):
        m.load_state_dict(sd)
    old_b = m.params["b"]
    W = np.arange(6.0).reshape(3, 2)
    res = m.load_state_dict({"W": W, "extra": 1.0}, strict=False)
    assert res.missing_keys == ["b"] and res.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(m.params["W"], W)
    assert m.params["b"] is old_b
    with pytest.raises(RuntimeError, match=r"size mismatch for W: copying a param with shape "
                                           r"\(2, 3\) from checkpoint, the shape in current "
                                           r"model is \(3, 2\)"):
        m.load_state_dict({"W": W.T}, strict=False)
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([W])


def test_values_are_copied_in_the_parameter_dtype_unless_assign():
    m = nn.Linear(2, 2)
    m.init(0)
    src = {"W": np.ones((2, 2), np.float32), "b": np.zeros(2, np.float32)}
    m.load_state_dict(src)
    assert m.params["W"].dtype == np.float64 and m.params["W"] is not src["W"]
    m.load_state_dict(src, assign=True)
    assert m.params["W"].dtype == np.float32


def test_imperative_parameters_keep_their_identity():
    m = nn.Linear(2, 1)
    m.init(0)
    m.params = {k: tg.tensor(v, requires_grad=True) for k, v in m.params.items()}
    W = m.params["W"]
    m.load_state_dict({"W": np.full((2, 1), 3.0), "b": np.zeros(1)})
    assert m.params["W"] is W and W.requires_grad
    np.testing.assert_array_equal(W.detach().numpy(), np.full((2, 1), 3.0))
    assert isinstance(m.state_dict()["W"], np.ndarray)  # (an array, read-only: not the tensor)
    assert not m.state_dict()["W"].flags.writeable
    assert m.state_dict(keep_vars=True)["W"] is W


def test_traced_values_keep_their_derivative_or_raise():
    xb = np.ones((4, 2))
    w0 = nn.Linear(2, 1).init(0)["W"]

    def loss(w, assign):
        m = nn.Linear(2, 1)
        m.init(0)
        m.load_state_dict({"W": w}, strict=False, assign=assign)
        return tg.sum(m(xb))
    np.testing.assert_allclose(tg.grad(lambda w: loss(w, True))(w0), [[4.0], [4.0]])
    with pytest.raises(TypeError, match="'W' is a value traced by a transform"):
        tg.grad(lambda w: loss(w, False))(w0)  # (a copy would be a silent constant)


def test_to_float_double_half_cast_floating_parameters_and_buffers_in_place():
    m = _model()
    m.init(0)
    assert m.double() is m and m.to("cpu") is m and m.cpu() is m
    sd = m.state_dict()
    assert sd["0.W"].dtype == np.float64 and sd["1.num_batches_tracked"].dtype.kind == "i"
    m.float()  # PyTorch's: floating parameters and buffers; integer buffers stay
    sd32 = m.state_dict()
    assert {k: v.dtype.name for k, v in sd32.items()} == {
        k: ("int64" if k.endswith("num_batches_tracked") else "float32") for k in sd}
    np.testing.assert_array_equal(sd32["0.W"], sd["0.W"].astype(np.float32))
    m.eval()
    x = np.random.default_rng(1).normal(size=(5, 3))
    assert m(x.astype(np.float32)).dtype == np.float32
    m.to(np.float64)
    np.testing.assert_allclose(m(x), m.to(dtype=np.float64)(x))
    assert m.half().state_dict()["1.running_var"].dtype == np.float16
    assert m.to(np.ones(1, np.float64)).state_dict()["3.b"].dtype == np.float64  # a tensor's dtype
    with pytest.raises(TypeError, match="floating point or complex dtypes only"):
        m.to(np.int32)
    with pytest.raises(ValueError, match="CPU only"):
        m.to("cuda")


def test_casting_keeps_imperative_parameters_and_their_gradient_dtype():
    m = nn.Linear(3, 2)
    m.init(0)
    m.requires_grad_()
    W = m.params["W"]
    opt = tg.optim.SGD(m.parameters(), lr=0.1)
    m.float()
    assert m.params["W"] is W and W.dtype == np.float32 and W.requires_grad
    m(np.ones((4, 3), np.float32)).sum().backward()
    assert W.grad.dtype == np.float32  # the leaf's gradient takes the new dtype
    opt.step()
    assert W.dtype == np.float32


def test_a_state_dict_without_batch_counts_loads_as_pytorchs_older_format():
    net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.BatchNorm1d(4))
    net.init(0)
    net(np.ones((5, 3)) * np.arange(3))
    sd = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    other = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.BatchNorm1d(4))
    assert other.load_state_dict(sd) == ([], [])
    assert other[1].num_batches_tracked == 0
    np.testing.assert_array_equal(other[1].running_mean, net[1].running_mean)
    # a layer that has counted keeps its own count, as PyTorch's (it was reset to 0)
    net(np.ones((5, 3)))
    assert net.load_state_dict(sd) == ([], []) and net[1].num_batches_tracked == 2


def test_pytorchs_prefix_dedup_and_parameters_without_their_module():
    # state_dict(prefix="enc.") gave "enc..W"; a parameter-less layer used twice was visited
    # twice by modules()/children()/apply(); one Parameter under two names was listed twice
    # (so an optimizer refused it) and became two tensors; parameters() of a layer nothing
    # else holds could not make an optimizer
    lin = nn.Linear(2, 2)
    lin.init(0)
    assert list(lin.state_dict(prefix="enc.")) == ["enc.W", "enc.b"]
    sd = {}
    nn.Sequential(lin).state_dict(destination=sd, prefix="m.")
    assert list(sd) == ["m.0.W", "m.0.b"]
    relu = nn.ReLU()
    seq = nn.Sequential(relu, nn.Linear(2, 2), relu)
    seq.init(0)
    seen = []
    seq.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["ReLU", "Linear", "Sequential"]
    assert len(list(seq.modules())) == 3 and len(list(seq.children())) == 2

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(np.ones(2))
            self.q = self.p

        def forward(self, x):
            return (self.p * x).sum() + (self.q * x).sum()
    m = Tied()
    assert [n for n, _ in m.named_parameters()] == ["p"]
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == ["p", "q"]
    assert list(m.state_dict()) == ["p", "q"]  # (PyTorch's state_dict keeps both names)
    opt = tg.optim.SGD(m.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        m(tg.tensor(np.array([1.0, 2.0]))).backward()
        opt.step()
    np.testing.assert_allclose(np.asarray(m.p.detach()), [0.6, 0.2])  # torch 2.13: [0.6, 0.2]
    np.testing.assert_allclose(np.asarray(m.q.detach()), [0.6, 0.2])
    opt = tg.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2


def test_pytorchs_weight_and_bias_keys_get_a_hint():
    m = nn.Sequential(nn.Linear(2, 2))
    m.init(0)
    with pytest.raises(RuntimeError, match=r"(?s)Unexpected key.*0.weight.*PyTorch's weight and bias are W and b here"):
        m.load_state_dict({"0.weight": np.ones((2, 2)), "0.bias": np.ones(2)})
    missing, unexpected = m.load_state_dict({"0.weight": np.ones((2, 2))}, strict=False)
    assert unexpected == ["0.weight"]


def test_a_tensor_buffer_stays_a_tensor_through_load_state_dict():
    class Running(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("avg", tg.tensor(np.zeros(3)))

        def forward(self, x):
            with tg.no_grad():
                self.avg.mul_(0.9).add_(0.1 * x)
            return x
    trained = Running()
    trained(tg.tensor(np.ones(3)))
    fresh = Running()
    buffer = fresh.avg
    fresh.load_state_dict(trained.state_dict())
    assert fresh.avg is buffer  # (written in place, as PyTorch copies into it)
    fresh(tg.tensor(np.ones(3)))  # (its in-place updates go on: it raised, a NumPy array)
    np.testing.assert_allclose(fresh.avg.numpy(), np.full(3, 0.19), rtol=1e-15)
