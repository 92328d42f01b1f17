"""tg.nn's PyTorch-named gap fillers (tensorgrad.nn.torch_gaps): the *_with_indices poolings,
UpsamplingNearest2d / UpsamplingBilinear2d, the in-place activation spellings, ParameterList
and ParameterDict.

The expected values written as literals are PyTorch 2.13's (float64, computed once with
torch.nn.functional; this file does not import torch).
"""
import inspect

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient as _central

X1 = np.array([[[0.0, 0.3, -0.27, -0.89, -0.45, -0.99, 0.06],
                [1.34, -0.49, -0.62, 0.49, 0.36, 0.11, -0.93]]])
X2 = np.array([[[[-0.03, 0.7, -1.34, -0.46, -1.9], [-1.29, -1.84, -0.24, -1.27, 0.27],
                 [0.16, -0.19, -2.52, -0.54, -0.05], [0.11, -1.53, -0.48, -0.98, -0.81]]]])
X3 = np.array([[[[[1.06, -0.81, -0.03, 0.88], [-0.58, -0.11, 0.11, 0.06],
                  [-1.23, 0.08, 1.36, -1.55], [0.86, 0.12, -0.64, 2.0]],
                 [[0.76, -1.2, 0.07, 0.58], [-0.19, 0.68, -0.07, 0.67],
                  [1.44, -0.68, 0.2, -0.46], [0.13, -1.19, -0.58, -0.2]],
                 [[0.9, 1.15, -1.32, -0.79], [0.65, -1.99, -0.46, -0.1],
                  [1.26, 0.69, -0.33, -0.37], [-0.25, 1.52, -0.43, -0.3]]]]])

# (function, input, arguments, keywords, PyTorch 2.13's values, PyTorch 2.13's indices)
POOLS = [
    ("max_pool1d_with_indices", X1, (3,), dict(stride=2, padding=1, ceil_mode=True),
     [[[0.3, 0.3, -0.45, 0.06], [1.34, 0.49, 0.49, 0.11]]],
     [[[1, 1, 4, 6], [0, 3, 3, 5]]]),
    ("max_pool2d_with_indices", X2, (2,), dict(stride=(2, 1), padding=1),
     [[[[-0.03, 0.7, 0.7, -0.46, -0.46, -1.9], [0.16, 0.16, -0.19, -0.24, 0.27, 0.27],
        [0.11, 0.11, -0.48, -0.48, -0.81, -0.81]]]],
     [[[[0, 1, 1, 3, 3, 4], [10, 10, 11, 7, 9, 9], [15, 15, 17, 17, 19, 19]]]]),
    ("max_pool3d_with_indices", X3, (2,), dict(ceil_mode=True),
     [[[[[1.06, 0.88], [1.44, 2.0]], [[1.15, -0.1], [1.52, -0.3]]]]],
     [[[[[0, 3], [24, 15]], [[33, 39], [45, 47]]]]]),
    ("adaptive_max_pool1d_with_indices", X1, (3,), {},
     [[[0.3, -0.27, 0.06], [1.34, 0.49, 0.36]]],
     [[[1, 2, 6], [0, 3, 4]]]),
    ("adaptive_max_pool2d_with_indices", X2, ((3, 2),), {},
     [[[[0.7, 0.27], [0.16, 0.27], [0.16, -0.05]]]],
     [[[[1, 9], [10, 9], [10, 14]]]]),
    ("adaptive_max_pool3d_with_indices", X3, ((2, 3, 2),), {},
     [[[[[1.06, 0.88], [1.44, 1.36], [1.44, 2.0]], [[1.15, 0.67], [1.44, 0.67], [1.52, 0.2]]]]],
     [[[[[0, 3], [24, 10], [24, 15]], [[33, 23], [24, 23], [45, 26]]]]]),
]

XA = np.array([-2.5, -1.0, -0.3, 0.0, 0.25, 0.5, 1.0, 1.7, 3.0])
# (function, arguments, PyTorch 2.13's result on XA)
ACTIVATIONS = [
    ("relu_", (), [0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 1.7, 3.0]),
    ("elu_", (0.7,), [-0.6425405009632709, -0.44248439117999033, -0.1814272455227975, 0.0,
                      0.25, 0.5, 1.0, 1.7, 3.0]),
    ("celu_", (1.3,), [-1.1099964758069947, -0.6976198199994721, -0.2679005448366633, 0.0,
                       0.25, 0.5, 1.0, 1.7, 3.0]),
    ("selu_", (), [-1.6137857588732425, -1.1113307378125625, -0.45566731537912203, 0.0,
                   0.2626752468388701, 0.5253504936777402, 1.0507009873554805,
                   1.7861916785043168, 3.1521029620664414]),
    ("leaky_relu_", (0.2,), [-0.5, -0.2, -0.06, 0.0, 0.25, 0.5, 1.0, 1.7, 3.0]),
    ("hardtanh_", (-0.5, 2.0), [-0.5, -0.5, -0.3, 0.0, 0.25, 0.5, 1.0, 1.7, 2.0]),
    ("threshold_", (0.5, -3.0), [-3.0, -3.0, -3.0, -3.0, -3.0, -3.0, 1.0, 1.7, 3.0]),
    ("rrelu_", (0.1, 0.3), [-0.5, -0.2, -0.06, 0.0, 0.25, 0.5, 1.0, 1.7, 3.0]),
]


# ---- *_with_indices ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, x, args, kwargs, values, indices", POOLS, ids=[p[0] for p in POOLS])
def test_with_indices_match_pytorch(name, x, args, kwargs, values, indices):
    fn = getattr(tg.nn, name)
    v, i = fn(x, *args, **kwargs)
    np.testing.assert_array_equal(np.asarray(v), values)
    np.testing.assert_array_equal(np.asarray(i), indices)
    assert np.asarray(i).dtype == np.int64
    # PyTorch's return_indices argument is accepted and ignored: always (values, indices)
    v2, i2 = fn(x, *args, **kwargs, return_indices=False)
    np.testing.assert_array_equal(np.asarray(i2), indices)


def test_with_indices_signatures_are_pytorch_s():
    pool = ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"]
    for nd in (1, 2, 3):
        assert list(inspect.signature(getattr(tg.nn, f"max_pool{nd}d_with_indices")).parameters) \
            == pool
        assert list(inspect.signature(
            getattr(tg.nn, f"adaptive_max_pool{nd}d_with_indices")).parameters) \
            == ["input", "output_size", "return_indices"]


def test_with_indices_gradient():
    def f(x):
        v, _ = tg.nn.max_pool2d_with_indices(x, 2, stride=(2, 1), padding=1)
        return tg.sum(v * np.arange(18.0).reshape(1, 1, 3, 6))
    np.testing.assert_allclose(tg.grad(f)(X2), _central(f, X2), atol=1e-8)


# ---- upsampling layers -------------------------------------------------------------------------
def test_upsampling_layers_are_interpolate():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    for kw in (dict(scale_factor=2), dict(size=(7, 3)), dict(scale_factor=(1.5, 2.5))):
        near = tg.nn.UpsamplingNearest2d(**kw)
        bil = tg.nn.UpsamplingBilinear2d(**kw)
        np.testing.assert_array_equal(near(x), tg.nn.interpolate(x, mode="nearest", **kw))
        np.testing.assert_array_equal(
            bil(x), tg.nn.interpolate(x, mode="bilinear", align_corners=True, **kw))
        assert isinstance(near, tg.nn.Upsample) and not near.has_parameters
    assert repr(tg.nn.UpsamplingNearest2d(scale_factor=2)) == \
        "UpsamplingNearest2d(scale_factor=2.0, mode='nearest')"
    assert repr(tg.nn.UpsamplingBilinear2d(size=(3, 4))) == \
        "UpsamplingBilinear2d(size=(3, 4), mode='bilinear')"


def test_upsampling_bilinear_matches_pytorch_and_its_gradient():
    x = np.array([[[[0.0, 1.0], [2.0, 4.0]]]])
    # PyTorch 2.13: nn.UpsamplingBilinear2d(size=(3, 3)) (align_corners=True)
    want = [[[[0.0, 0.5, 1.0], [1.0, 1.75, 2.5], [2.0, 3.0, 4.0]]]]
    layer = tg.nn.UpsamplingBilinear2d(size=(3, 3))
    np.testing.assert_allclose(layer(x), want, rtol=1e-15)
    w = np.arange(9.0).reshape(1, 1, 3, 3) - 4

    def f(x):
        return tg.sum(layer(x) ** 2 * w)
    np.testing.assert_allclose(tg.grad(f)(x), _central(f, x), atol=1e-7)


# ---- in-place activation spellings -------------------------------------------------------------
@pytest.mark.parametrize("name, args, want", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_inplace_activations_match_pytorch_and_leave_arrays_alone(name, args, want):
    x = XA.copy()
    np.testing.assert_allclose(getattr(tg.nn, name)(x, *args), want, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(x, XA)  # a NumPy array is a value: never written
    c = tg.tensor(XA)  # a tensor that does not require grad takes the value, as PyTorch's
    assert getattr(tg.nn, name)(c, *args) is c
    np.testing.assert_allclose(c.numpy(), want, rtol=1e-15, atol=0)


def test_inplace_activations_signatures():
    want = {"relu_": ["input"], "elu_": ["input", "alpha"], "celu_": ["input", "alpha"],
            "selu_": ["input"], "leaky_relu_": ["input", "negative_slope"],
            "hardtanh_": ["input", "min_val", "max_val"],
            "threshold_": ["input", "threshold", "value"],
            "rrelu_": ["input", "lower", "upper", "training", "key"]}
    for name, params in want.items():
        assert list(inspect.signature(getattr(tg.nn, name)).parameters) == params


def test_rrelu_training_draws_from_key():
    key = tg.random.PRNGKey(3)
    got = tg.nn.rrelu_(XA, 0.1, 0.3, True, key=key)
    np.testing.assert_array_equal(got, tg.nn.rrelu(XA, 0.1, 0.3, True, key=key))


def test_inplace_activation_gradient_in_a_transform():
    def f(x):
        return tg.sum(tg.nn.elu_(x * 1.5, 0.7) ** 2)
    x = XA[XA != 0]  # away from the kink
    np.testing.assert_allclose(tg.grad(f)(x), _central(f, x), rtol=1e-6, atol=1e-8)


def test_inplace_activation_on_imperative_tensors_follows_pytorch():
    a = np.array([[-1.5, 0.3], [2.0, -0.2]])
    x = tg.tensor(a, requires_grad=True)
    h = x * 2.0
    alias = h
    assert tg.nn.elu_(h, 0.5) is h  # a recorded result takes the new value itself
    np.testing.assert_allclose(alias.detach().numpy(), tg.nn.elu(2 * a, 0.5), rtol=1e-15)
    tg.sum(h * h).backward()
    np.testing.assert_allclose(
        x.grad, tg.grad(lambda v: tg.sum(tg.nn.elu(2.0 * v, 0.5) ** 2))(a), rtol=1e-14)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        tg.nn.relu_(x)  # PyTorch refuses it too
    with tg.no_grad():
        assert tg.nn.relu_(x) is x
    np.testing.assert_array_equal(x.detach().numpy(), np.maximum(a, 0))
    assert x.requires_grad and x.is_leaf


# ---- ParameterList and ParameterDict -----------------------------------------------------------
class _Net(tg.nn.Module):
    def __init__(self):
        self.ws = tg.nn.ParameterList([np.eye(2), 2 * np.ones((2, 2))])
        self.sc = tg.nn.ParameterDict({"beta": np.array(0.5), "alpha": np.array([1.0, -1.0])})
        self.lin = tg.nn.Linear(2, 2)

    def forward(self, x):
        for w in self.ws:
            x = x @ w
        return self.lin(x) * self.sc["alpha"] + self.sc.beta


def test_parameter_containers_in_a_pytorch_style_module():
    m = _Net()
    p = m.init(0)
    assert list(m.state_dict()) == ["lin.W", "lin.b", "sc.alpha", "sc.beta", "ws.0", "ws.1"]
    np.testing.assert_array_equal(p["ws"][1], 2 * np.ones((2, 2)))
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    W, b = p["lin"]["W"], p["lin"]["b"]
    np.testing.assert_allclose(m(x), (x @ np.eye(2) @ (2 * np.ones((2, 2))) @ W + b)
                               * np.array([1.0, -1.0]) + 0.5, rtol=1e-14)
    g = tg.grad(lambda q: tg.sum(m.apply(q, x) ** 2))(p)
    flat, unravel = tg.flatten_util.ravel_pytree(p)
    num = _central(lambda v: tg.sum(m.apply(unravel(v), x) ** 2), np.asarray(flat))
    np.testing.assert_allclose(tg.flatten_util.ravel_pytree(g)[0], num, rtol=1e-6, atol=1e-7)


def test_parameter_list_and_dict_containers():
    pl = tg.nn.ParameterList([np.zeros(3)])
    pl.append(np.ones(2)).extend([np.full(1, 5.0)])
    assert len(pl) == 3
    assert list(pl.named_parameters().keys()) == ["0", "1", "2"]
    np.testing.assert_array_equal(pl[2], [5.0])
    pd = tg.nn.ParameterDict([("z", np.ones(1)), ("a", np.zeros(2))])
    assert list(pd.keys()) == ["z", "a"]  # pairs keep their order; the pytree sorts
    assert list(pd.named_parameters().keys()) == ["a", "z"]
    pd["m"] = np.full(2, 3.0)
    assert "m" in pd and len(pd) == 3 and pd.get("nope") is None
    np.testing.assert_array_equal(pd.m, [3.0, 3.0])
    with pytest.raises(TypeError, match="ModuleList"):
        tg.nn.ParameterList([tg.nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="without '.'"):
        pd["a.b"] = np.ones(1)
    with pytest.raises(NotImplementedError):
        pl(np.ones(3))
    assert "Parameter containing: [float64 of size (3,)]" in repr(pl)
