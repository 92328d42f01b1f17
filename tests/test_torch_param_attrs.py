"""PyTorch's attribute names for a layer's parameters (``conv.weight``, ``linear.bias``,
``norm.weight``), a tensor's ``.data`` with PyTorch's Tensor methods, and ``model.apply(fn)``
initialisation code, as PyTorch's tutorials write them. References are the layers' own
``params`` and NumPy (PyTorch is not a test dependency)."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.nn import init


def test_bias_and_weight_are_the_layers_parameters():
    lin = tg.nn.Linear(3, 2)
    assert lin.has_bias is True
    np.testing.assert_array_equal(lin.bias, lin.params["b"])  # (not the constructor's flag)
    assert tg.nn.Linear(3, 2, bias=False).bias is None
    assert repr(tg.nn.Linear(3, 2, bias=False)) == "Linear(3, 2, bias=False)"
    with pytest.raises(AttributeError, match=r"PyTorch's weight \(out_features, in_features\) transposed"):
        lin.weight  # noqa: B018  (a transposed copy would not be the parameter)
    with pytest.raises(AttributeError, match=r"\(in_features, out_features\) = \(3, 2\).*linear.W"):
        tg.nn.Linear(3, 2).weight  # noqa: B018  (also before the parameters are made)
    np.testing.assert_array_equal(lin.W, lin.params["W"])  # linear.W: the parameter itself
    assert lin.W.shape == (3, 2) and not hasattr(lin, "weight")
    for layer, w, b in [(tg.nn.Conv2d(1, 2, 3), "W", "b"), (tg.nn.Conv1d(1, 2, 3), "W", "b"),
                        (tg.nn.ConvTranspose2d(1, 2, 3), "W", "b"), (tg.nn.Conv3d(1, 2, 2), "W", "b"),
                        (tg.nn.BatchNorm2d(3), "weight", "bias"), (tg.nn.LayerNorm(4), "weight", "bias"),
                        (tg.nn.GroupNorm(2, 4), "weight", "bias"), (tg.nn.Bilinear(2, 3, 4), "weight", "bias")]:
        np.testing.assert_array_equal(layer.weight, layer.params[w])
        np.testing.assert_array_equal(layer.bias, layer.params[b])
    assert tg.nn.Conv2d(1, 2, 3).weight.shape == (2, 1, 3, 3)  # PyTorch's layout
    assert tg.nn.Conv2d(1, 2, 3, bias=False).bias is None
    assert tg.nn.LayerNorm(4, elementwise_affine=False).weight is None
    assert tg.nn.Embedding(5, 2).weight.shape == (5, 2)
    assert tg.nn.PReLU().weight.shape == (1,)
    with pytest.raises(AttributeError, match="layer.params\\['b'\\]"):
        tg.nn.Conv2d(1, 2, 3).bias = np.zeros(2)


def test_writes_through_the_attributes_reach_the_model():
    net = tg.nn.Sequential(tg.nn.Conv2d(1, 2, 3), tg.nn.Flatten(), tg.nn.Linear(8, 2))

    def init_weights(m):  # PyTorch's initialisation code, unchanged
        if isinstance(m, tg.nn.Conv2d):
            init.constant_(m.weight, 0.5)
        if isinstance(m, (tg.nn.Linear, tg.nn.Conv2d)):
            m.bias.data.fill_(0.01)

    assert net.apply(init_weights) is net
    sd = net.state_dict()
    np.testing.assert_array_equal(sd["0.W"], np.full((2, 1, 3, 3), 0.5))
    np.testing.assert_array_equal(sd["0.b"], [0.01, 0.01])
    np.testing.assert_array_equal(sd["2.b"], [0.01, 0.01])

    class Net(tg.nn.Module):  # a layer touched before its model made its parameters
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = tg.nn.Linear(2, 3), tg.nn.Linear(3, 1)

        def forward(self, x):
            return self.fc2(tg.relu(self.fc1(x)))

    n = Net()
    n.fc1.bias.data.fill_(0.5)
    init.constant_(n.fc2.bias, 2.0)
    n.requires_grad_()
    np.testing.assert_array_equal(n.state_dict()["fc1.b"], [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(n.fc2.bias.detach(), [2.0])
    x = np.ones((4, 2))
    n(x).sum().backward()
    assert n.fc2.bias.grad.tolist() == [4.0]  # the bias is the parameter the model trains
    n.fc2.bias.data.zero_()
    np.testing.assert_array_equal(n.state_dict()["fc2.b"], [0.0])


def test_data_takes_pytorchs_tensor_methods():
    w = tg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    tg.sum(w ** 2).backward()
    assert w.data.norm() == 5.0
    out = w.data.sub_(w.grad.data * 0.01)          # the 60-minute blitz's manual update
    np.testing.assert_allclose(w.detach(), [2.94, 3.92], rtol=1e-15)
    np.testing.assert_allclose(out, [2.94, 3.92], rtol=1e-15)
    assert w.is_leaf and w.requires_grad
    w.data.add_(w.grad, alpha=-0.1)
    np.testing.assert_allclose(w.detach(), [2.34, 3.12], rtol=1e-15)
    d = w.data                                       # a view kept from before a change: it is
    d.mul_(2.0)                                      # the old value, so a second in-place method
    np.testing.assert_allclose(w.detach(), [4.68, 6.24], rtol=1e-15)
    with pytest.raises(RuntimeError, match="from before it changed"):
        d.mul_(2.0)                                  # through it raises (never from an old value)
    np.testing.assert_allclose(w.detach(), [4.68, 6.24], rtol=1e-15)
    w.data = np.array([2.34, 3.12])
    np.testing.assert_array_equal(w.data.clone(), w.detach())
    w.data[0] = 1.0                                  # PyTorch's item assignment: into the tensor
    np.testing.assert_array_equal(w.detach(), [1.0, 3.12])
    w.data -= 0.5 * np.ones(2)                       # PyTorch's manual update, p.data -= lr * p.grad
    w.data *= 2.0
    np.testing.assert_allclose(w.detach(), [1.0, 5.24], rtol=1e-15)
    assert w.is_leaf and w.requires_grad
    d = w.data
    d[1] = 0.0
    with pytest.raises(RuntimeError, match="from before it changed"):
        d[0] = 0.0                                   # (the view is the old value now)
    np.testing.assert_array_equal(w.detach(), [1.0, 0.0])
    w.data[:1].zero_()                               # (a part of .data: into the tensor)
    np.testing.assert_array_equal(w.detach(), [0.0, 0.0])
    with pytest.raises(ValueError, match="read-only"):
        np.add(w.data, 1.0, out=w.data)              # (NumPy's own writes stay refused)
    tg.nn.init.constant_(w.data, 3.0)                # an initializer on .data (DCGAN's weights_init)
    np.testing.assert_array_equal(w.detach(), [3.0, 3.0])
    b = tg.tensor(np.zeros(8), requires_grad=True)
    b.data[2:4].fill_(1.0)                           # parts of .data: the LSTM forget-gate bias idiom
    b.data[0] += 5.0
    tg.nn.init.constant_(b.data[6:], 2.0)
    with tg.no_grad():
        b[4:6].data.fill_(3.0)                       # (.data of a part: into the whole)
    np.testing.assert_array_equal(b.detach(), [5.0, 0.0, 1.0, 1.0, 3.0, 3.0, 2.0, 2.0])
    i = tg.tensor([1, 2])
    i.data.add_(1)
    assert i.tolist() == [2, 3]
    with pytest.raises(TypeError, match="can't be cast"):
        i.data.add_(0.5)                             # (never a silent truncation)
    i.data.fill_(2.7)                                # (fill_ casts, as PyTorch's)
    assert i.tolist() == [2, 2]
    assert type(w.data - 1) is np.ndarray           # arithmetic gives plain arrays
    with pytest.raises(TypeError):
        tg.grad(lambda v: tg.sum(v.data))(np.ones(2))  # (inside a transform: still refused)


def test_add_module_and_attribute_assignment_extend_the_containers():
    s = tg.nn.Sequential()
    s.add_module("fc", tg.nn.Linear(2, 3))
    s.add_module("relu", tg.nn.ReLU())
    assert len(s) == 2 and list(s.state_dict()) == ["fc.W", "fc.b"]
    out = s(np.array([[-5.0, -5.0]]))
    np.testing.assert_allclose(out, np.maximum(np.array([[-5.0, -5.0]]) @ s.fc.params["W"]
                                               + s.fc.params["b"], 0.0))
    s = tg.nn.Sequential(tg.nn.Linear(2, 2))
    s.act = tg.nn.ReLU()                           # an attribute: one more layer, as PyTorch's
    s.init(0)
    s.add_module("out", tg.nn.Linear(2, 1))        # after the parameters were made
    assert len(s) == 3 and list(s.state_dict()) == ["0.W", "0.b", "out.W", "out.b"]
    assert s(np.ones((1, 2))).shape == (1, 1)
    s.add_module("0", tg.nn.Linear(2, 2, bias=False))  # an existing name: replaced
    assert len(s) == 3 and "0.b" not in s.state_dict()
    ml = tg.nn.ModuleList([tg.nn.Linear(2, 2)])
    ml.add_module("1", tg.nn.ReLU())
    assert len(ml) == 2
    md = tg.nn.ModuleDict({"a": tg.nn.Linear(2, 2)})
    md.add_module("b", tg.nn.ReLU())
    md.c = tg.nn.Tanh()
    assert list(md.keys()) == ["a", "b", "c"]


def test_gather_and_scatter_take_a_0d_index_into_a_vector():
    onehot = tg.tensor(np.zeros(5)).scatter_(0, tg.tensor(3), value=1)   # the tutorial's transform
    assert onehot.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert tg.tensor(np.arange(5.0)).gather(0, tg.tensor(3)).shape == ()
    assert tg.tensor(np.arange(5.0)).gather(0, tg.tensor(3)).item() == 3.0
    added = tg.tensor(np.zeros(4)).scatter_add(0, tg.tensor(1), tg.tensor([2.0, 9.0]))
    assert added.tolist() == [0.0, 2.0, 0.0, 0.0]           # (src: its first entry)
    g = tg.grad(lambda v: tg.sum(tg.tensor(np.zeros(3)).scatter(0, np.array(1), v) * np.arange(3.0)))
    assert g(np.array(2.0)) == 1.0
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    assert x.logsumexp(dim=(), keepdim=True).shape == (1, 1)  # dim=(): every axis, as PyTorch's


def test_the_bias_flag_survives_pickling_also_from_before_its_new_name():
    import pickle
    for layer in (tg.nn.Linear(2, 3), tg.nn.Conv2d(1, 2, 3, bias=False)):
        layer.init(0)
        back = pickle.loads(pickle.dumps(layer))
        assert back.has_bias == layer.has_bias
        if layer.has_bias:
            np.testing.assert_array_equal(back.bias, layer.bias)
        else:
            assert back.bias is None
    old = tg.nn.Linear(2, 3)
    old.init(0)
    old.__dict__["bias"] = old.__dict__.pop("has_bias")   # as an older version pickled it
    assert old.has_bias and old.bias is not None
    np.testing.assert_allclose(old(np.ones((1, 2))), np.ones((1, 2)) @ old.params["W"] + old.params["b"])


def test_the_transformers_own_linear_layers_have_pytorchs_attributes():
    layer = tg.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    layer.init(0)
    assert layer.linear1.weight.shape == (16, 8)             # PyTorch's (out, in) layout here
    np.testing.assert_array_equal(layer.linear1.bias, layer.linear1.params["bias"])


def test_pytorchs_compound_writes_on_parameters_and_their_data():
    conv = tg.nn.Conv2d(1, 2, 3)
    w0 = np.array(conv.weight)
    conv.weight.data *= 2.0              # (arrays: before any optimizer)
    conv.bias.data = np.ones(2)
    np.testing.assert_allclose(conv.weight, 2.0 * w0, rtol=1e-15)
    opt = tg.optim.SGD(conv.parameters(), lr=0.1)  # (tensors from here on)
    conv.weight.data[0] *= 0.5
    conv.bias.data[1:] += 1.0
    with tg.no_grad():
        conv.bias += 1.0                 # (layer.bias += 1: the attribute takes back its tensor)
        conv.weight *= 2.0
    np.testing.assert_allclose(conv.weight.detach()[0], 2.0 * w0[0], rtol=1e-15)
    np.testing.assert_array_equal(conv.bias.detach(), [2.0, 3.0])
    sd = conv.state_dict()
    sd["b"].copy_(np.full(2, 7.0))        # the partial-load idiom writes into the parameter
    np.testing.assert_array_equal(conv.bias.detach(), [7.0, 7.0])
    assert opt.param_groups[0]["params"][1] is conv.bias
    with pytest.raises(AttributeError, match="layer.params"):
        conv.bias = np.zeros(2)          # (assigning another array is still refused)
    x = tg.tensor(np.ones(2), requires_grad=True)
    y = tg.tensor(np.full(2, 3.0), requires_grad=True)
    loss = tg.sum(x * y)
    grads = tg.autograd.grad(loss, {"x": x, "y": y}.values())  # any iterable, as PyTorch's
    np.testing.assert_array_equal(grads[1], [1.0, 1.0])


def test_vector_to_parameters_writes_pytorchs_parameters_in_place():
    lin = tg.nn.Linear(2, 2)
    back = tg.nn.utils.vector_to_parameters(np.arange(6.0), lin.parameters())
    np.testing.assert_array_equal(lin.params["W"], [[0.0, 1.0], [2.0, 3.0]])  # (arrays)
    np.testing.assert_array_equal(back[1], [4.0, 5.0])
    tg.optim.SGD(lin.parameters(), lr=0.1)
    tg.nn.utils.vector_to_parameters(2 * np.arange(6.0), lin.parameters())   # (tensors)
    np.testing.assert_array_equal(lin.bias.detach(), [8.0, 10.0])
    plain = {"a": np.zeros(3)}  # a functional pytree stays a value: a new one comes back
    assert tg.nn.utils.vector_to_parameters(np.ones(3), plain)["a"].sum() == 3.0
    assert plain["a"].sum() == 0.0


def test_a_traced_value_written_through_data_raises_rather_than_become_a_constant():
    w = tg.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="traced by a transform"):
        tg.grad(lambda v: tg.sum(v) + (w.data.__setitem__(0, v[0]) or 0.0))(np.full(3, 7.0))
    with pytest.raises(TypeError, match="traced by a transform"):
        tg.grad(lambda v: tg.sum(v) + (w.data.__isub__(v) is None))(np.full(3, 7.0))
    np.testing.assert_array_equal(w.detach(), np.ones(3))  # (left as it was)
