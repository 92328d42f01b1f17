"""PyTorch's constructor arguments on tensorgrad's layers and optimizers."""
import numpy as np
import pytest

import tensorgrad as tg

nn = tg.nn
rng = np.random.default_rng(0)
NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@pytest.mark.parametrize("make", [
    lambda: nn.ReLU(inplace=True), lambda: nn.LeakyReLU(0.2, True), lambda: nn.ELU(inplace=True),
    lambda: nn.CELU(inplace=True), lambda: nn.SELU(inplace=True), lambda: nn.SiLU(inplace=True),
    lambda: nn.Mish(inplace=True), lambda: nn.ReLU6(inplace=True),
    lambda: nn.Hardtanh(inplace=True), lambda: nn.Hardsigmoid(inplace=True),
    lambda: nn.Hardswish(inplace=True), lambda: nn.Threshold(0.1, -2.0, inplace=True),
    lambda: nn.Identity(54, unused=0.1)])
def test_inplace_is_accepted_and_leaves_the_input_alone(make):
    x = np.linspace(-3, 3, 7)
    before = x.copy()
    layer = make()
    y = layer(x)
    np.testing.assert_array_equal(x, before)
    assert y.shape == x.shape


def test_inplace_must_be_a_bool_and_dropout_takes_it_positionally():
    with pytest.raises(TypeError, match="ReLU: inplace must be True or False"):
        nn.ReLU(inplace="yes")
    d = nn.Dropout(0.5, False)
    assert d.p == 0.5 and d.seed is None
    d.eval()
    np.testing.assert_array_equal(d(np.ones(4)), np.ones(4))


def test_flatten_start_and_end_dim():
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    with pytest.raises(ValueError, match="start_dim=3, end_dim=1"):
        nn.Flatten(3, 1)(x)


def test_embedding_padding_idx_row_starts_at_zero_and_gets_no_gradient():
    e = nn.Embedding(5, 3, padding_idx=-1)
    p = e.init(0)
    np.testing.assert_array_equal(p["weight"][4], 0.0)
    ids = np.array([4, 1, 4])
    g = tg.grad(lambda q: tg.sum(e.apply(q, ids) ** 2))(p)["weight"]
    np.testing.assert_array_equal(g[4], 0.0)
    np.testing.assert_allclose(g[1], 2 * p["weight"][1])
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(5, 3, max_norm=1.0)


def _conv_ref(x, W, b, stride, pads, mode, nd):
    """np.pad with the mode, then the zero-padded functional convolution."""
    xp = np.pad(x, [(0, 0)] * (x.ndim - nd) + list(pads), mode=NP_MODE[mode])
    fn = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}[nd]
    return fn(xp, W, b, stride=stride, padding=0)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_layers_padding_mode_and_rectangular_windows(mode):
    x = rng.normal(size=(2, 3, 7, 8))
    m = nn.Conv2d(3, 4, (3, 5), stride=(1, 2), padding=(1, 2), padding_mode=mode)
    p = m.init(0)
    assert p["W"].shape == (4, 3, 3, 5)
    want = (nn.conv2d(x, p["W"], p["b"], stride=(1, 2), padding=(1, 2)) if mode == "zeros"
            else _conv_ref(x, p["W"], p["b"], (1, 2), [(1, 1), (2, 2)], mode, 2))
    np.testing.assert_allclose(m(x), want, rtol=1e-12, atol=1e-12)
    if mode == "zeros":
        return
    g = tg.grad(lambda v: tg.sum(m(v) ** 2))(x)
    gw = tg.grad(lambda v: tg.sum(_conv_ref(v, p["W"], p["b"], (1, 2), [(1, 1), (2, 2)], mode, 2) ** 2))(x)
    np.testing.assert_allclose(g, gw, rtol=1e-10)
    c1 = nn.Conv1d(3, 2, 3, padding=2, dilation=2, padding_mode=mode)
    q = c1.init(1)
    x1 = rng.normal(size=(3, 9))  # unbatched (C, L), as PyTorch accepts
    ref = nn.conv1d(np.pad(x1, [(0, 0), (2, 2)], mode=NP_MODE[mode]), q["W"], q["b"], dilation=2)
    np.testing.assert_allclose(c1(x1), ref, rtol=1e-12)
    c3 = nn.Conv3d(2, 2, 3, padding=1, padding_mode=mode)
    r = c3.init(2)
    x3 = rng.normal(size=(1, 2, 4, 5, 6))
    np.testing.assert_allclose(c3(x3), _conv_ref(x3, r["W"], r["b"], 1, [(1, 1)] * 3, mode, 3),
                               rtol=1e-12)


def test_padding_mode_is_checked():
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="only 'zeros'"):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


def test_adagrad_maximize_ascends():
    p, g = {"w": np.array([1.0, -2.0])}, {"w": np.array([0.5, 0.25])}
    up, down = tg.optim.Adagrad(0.1, maximize=True), tg.optim.Adagrad(0.1)
    p_up, _ = up.step(p, g, up.init(p))
    p_down, _ = down.step(p, {"w": -g["w"]}, down.init(p))
    np.testing.assert_allclose(p_up["w"], p_down["w"])
    assert np.all(p_up["w"] > p["w"])


def test_a_pytorch_style_optimizer_on_arrays_says_how_to_use_tensorgrads():
    params = [np.ones(3)]
    with pytest.raises(TypeError, match=r"SGD: parameter 0 is a ndarray, not a tensor that "
                                        r"requires grad.*opt.step\(params, grads, state\)"):
        tg.optim.SGD(params, lr=0.1)
    with pytest.raises(TypeError, match="Adam: parameter 0 is a ndarray"):
        tg.optim.Adam(iter(params))
    assert tg.optim.SGD(0.1).learning_rate({"step": 0}) == 0.1


def test_functional_hardtanh_and_glu_dim():
    x = np.array([-2.0, -1.0, 0.3, 1.0, 2.0])
    np.testing.assert_array_equal(tg.nn.hardtanh(x), np.clip(x, -1, 1))
    # PyTorch's slope: 1 strictly inside, 0 at and beyond the corners
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.nn.hardtanh(v)))(x), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(tg.nn.Hardtanh(-0.5, 0.5)(x), np.clip(x, -0.5, 0.5))
    z = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(tg.nn.glu(z, dim=0), tg.nn.glu(z, 0))
    np.testing.assert_allclose(tg.nn.glu(z, dim=0), z[:2] / (1 + np.exp(-z[2:])))
    for bad, axis in ((np.array(1.0), -1), (z, 2)):  # a clear error, not a bare IndexError
        with pytest.raises(ValueError, match="glu: axis .* is out of range"):
            tg.nn.glu(bad, axis)
    with pytest.raises(TypeError, match="glu: axis must be an integer"):
        tg.nn.glu(z, 2.0)
