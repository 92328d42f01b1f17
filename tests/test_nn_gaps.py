"""torch.nn's remaining pieces: batch-norm fusion into new layers, skip_init,
AdaptiveLogSoftmaxWithLoss, CrossMapLRN2d, NLLLoss2d and nn.init's deprecated names."""
import warnings

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.nn.adaptive_softmax import _ASMoutput
from tensorgrad.nn.utils import fusion

RNG = np.random.default_rng(0)


def _bn(cls, nf, affine=True):
    bn = cls(nf, affine=affine)
    bn.running_mean, bn.running_var = RNG.normal(size=nf), RNG.uniform(0.5, 2.0, nf)
    if affine:
        bn.params = {"weight": RNG.normal(size=nf), "bias": RNG.normal(size=nf)}
    return bn.eval()


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_fuse_conv_bn_eval_matches_conv_then_bn(bias, affine):
    conv = tg.nn.Conv2d(2, 3, 3, bias=bias)
    conv.init(1)
    conv.eval()
    bn = _bn(tg.nn.BatchNorm2d, 3, affine)
    w0 = np.array(conv.params["W"])
    fused = tg.nn.utils.fuse_conv_bn_eval(conv, bn)
    x = RNG.normal(size=(2, 2, 5, 5))
    np.testing.assert_allclose(np.asarray(fused(x)), np.asarray(bn(conv(x))), atol=1e-12)
    assert fused is not conv and fused.has_bias and sorted(fused.state_dict()) == ["W", "b"]
    np.testing.assert_array_equal(conv.params["W"], w0)  # the original is unchanged
    assert conv.has_bias == bias


def test_fuse_conv_transpose_and_3d():
    conv = tg.nn.ConvTranspose2d(2, 3, 3, stride=2)
    conv.init(2)
    conv.eval()
    bn = _bn(tg.nn.BatchNorm2d, 3)
    x = RNG.normal(size=(1, 2, 4, 4))
    fused = tg.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=True)
    np.testing.assert_allclose(np.asarray(fused(x)), np.asarray(bn(conv(x))), atol=1e-12)
    conv3 = tg.nn.Conv3d(2, 3, 2, bias=False)
    conv3.init(3)
    conv3.eval()
    bn3 = _bn(tg.nn.BatchNorm3d, 3)
    x3 = RNG.normal(size=(1, 2, 3, 3, 3))
    np.testing.assert_allclose(np.asarray(tg.nn.utils.fusion.fuse_conv_bn_eval(conv3, bn3)(x3)),
                               np.asarray(bn3(conv3(x3))), atol=1e-12)


def test_fuse_inside_a_model_leaves_it_alone():
    model = tg.nn.Sequential(tg.nn.Conv2d(2, 3, 3), tg.nn.BatchNorm2d(3))
    model.init(0)
    model.eval()
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    fused = tg.nn.utils.fuse_conv_bn_eval(model[0], model[1])
    x = RNG.normal(size=(1, 2, 4, 4))
    np.testing.assert_allclose(np.asarray(fused(x)), np.asarray(model(x)), atol=1e-12)
    fused.params = {"W": np.zeros_like(fused.params["W"]), "b": np.zeros(3)}
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_fused_tensor_parameters_are_new_leaves():
    model = tg.nn.Sequential(tg.nn.Conv2d(2, 3, 3, bias=False), tg.nn.BatchNorm2d(3))
    model.init(0)
    model.eval()
    model.requires_grad_()
    fused = tg.nn.utils.fuse_conv_bn_eval(model[0], model[1])
    w, b = fused.params["W"], fused.params["b"]
    assert isinstance(w, tg.Tensor) and w.is_leaf and w.requires_grad
    assert not b.requires_grad  # (the conv had no bias: as PyTorch's zeros_like bias)


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_linear_bn_eval(bias):
    lin = tg.nn.Linear(3, 4, bias=bias)
    lin.init(4)
    lin.eval()
    bn = _bn(tg.nn.BatchNorm1d, 4)
    x = RNG.normal(size=(5, 3))
    fused = tg.nn.utils.fuse_linear_bn_eval(lin, bn)
    np.testing.assert_allclose(np.asarray(fused(x)), np.asarray(bn(lin(x))), atol=1e-12)
    # by hand: s = γ/√(var + eps); W' = W·s (columns: W is (in, out)); b' = (b − μ)·s + β
    s = bn.params["weight"] / np.sqrt(bn.running_var + bn.eps)
    np.testing.assert_allclose(fused.params["W"], lin.params["W"] * s, atol=1e-14)
    b0 = lin.params["b"] if bias else 0.0
    np.testing.assert_allclose(fused.params["b"], (b0 - bn.running_mean) * s + bn.params["bias"],
                               atol=1e-14)


def test_fuse_linear_with_one_feature_batch_norm():
    lin = tg.nn.Linear(3, 4)
    lin.init(5)
    lin.eval()
    bn = _bn(tg.nn.BatchNorm1d, 1)
    x = RNG.normal(size=(5, 1, 3))  # BatchNorm1d(1) sees channel 1 of (N, 1, 4)
    fused = tg.nn.utils.fuse_linear_bn_eval(lin, bn)
    np.testing.assert_allclose(np.asarray(fused(x)), np.asarray(bn(lin(x))), atol=1e-12)


def test_fusion_refusals():
    conv, bn = tg.nn.Conv2d(2, 3, 3), tg.nn.BatchNorm2d(3)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        tg.nn.utils.fuse_conv_bn_eval(conv, bn)
    conv.eval()
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        tg.nn.utils.fuse_conv_bn_eval(conv, bn)
    with pytest.raises(AssertionError, match="running_mean"):
        tg.nn.utils.fuse_conv_bn_eval(conv, tg.nn.BatchNorm2d(3, track_running_stats=False).eval())
    lin = tg.nn.Linear(3, 4).eval()
    with pytest.raises(ValueError, match="bn.num_features == 1"):
        tg.nn.utils.fuse_linear_bn_eval(lin, tg.nn.BatchNorm1d(5).eval())
    with pytest.raises(ValueError, match="shape"):
        tg.nn.utils.fuse_conv_bn_eval(conv, tg.nn.BatchNorm2d(4).eval())


def test_fusion_module_path():
    assert {"fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights"} <= set(fusion.__all__)
    assert fusion.fuse_conv_bn_weights is tg.nn.utils.fuse_conv_bn_weights
    assert tg.nn.utils.fusion.fuse_linear_bn_eval is tg.nn.utils.fuse_linear_bn_eval


def test_skip_init_gives_zeros():
    m = tg.nn.utils.skip_init(tg.nn.Linear, 5, 2, dtype=np.float32)
    assert m.params["W"].shape == (5, 2) and m.params["W"].dtype == np.float32
    assert not np.any(m.params["W"]) and not np.any(m.params["b"])
    c = tg.nn.utils.skip_init(tg.nn.Conv2d, in_channels=1, out_channels=2, kernel_size=3)
    assert c.params["W"].shape == (2, 1, 3, 3) and not np.any(c.params["W"])
    with pytest.raises(RuntimeError, match="Expected a Module"):
        tg.nn.utils.skip_init(int)


# ---- AdaptiveLogSoftmaxWithLoss ---------------------------------------------------------------

def _asm(seed=0, **kw):
    m = tg.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], **kw)
    m.init(seed)
    return m


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_asm_parameter_names_and_shapes():
    m = _asm(head_bias=True)
    shapes = {k: np.shape(v) for k, v in m.state_dict().items()}
    assert shapes == {"head.weight": (5, 8), "head.bias": (5,), "tail.0.0.weight": (2, 8),
                      "tail.0.1.weight": (3, 2), "tail.1.0.weight": (0, 8),
                      "tail.1.1.weight": (4, 0)}
    sd = {k: RNG.normal(size=s) for k, s in shapes.items()}
    m2 = tg.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], head_bias=True)
    m2.load_state_dict(sd)
    np.testing.assert_array_equal(m2.head.weight, sd["head.weight"])


def test_asm_log_prob_is_the_head_tail_decomposition():
    m = _asm()
    x = RNG.normal(size=(7, 8))
    lp = np.asarray(m.log_prob(x))
    np.testing.assert_allclose(np.exp(lp).sum(1), 1.0, atol=1e-12)
    sd = m.state_dict()
    head = _log_softmax(x @ sd["head.weight"].T)
    c0 = _log_softmax(x @ sd["tail.0.0.weight"].T @ sd["tail.0.1.weight"].T)
    c1 = _log_softmax(x @ sd["tail.1.0.weight"].T @ sd["tail.1.1.weight"].T)
    want = np.concatenate([head[:, :3], c0 + head[:, 3:4], c1 + head[:, 4:5]], axis=1)
    np.testing.assert_allclose(lp, want, atol=1e-12)
    y = np.array([0, 2, 3, 5, 6, 9, 4])
    out = m(x, y)
    assert isinstance(out, _ASMoutput)
    np.testing.assert_allclose(np.asarray(out.output), want[np.arange(7), y], atol=1e-12)
    np.testing.assert_allclose(float(out.loss), -want[np.arange(7), y].mean(), atol=1e-12)
    np.testing.assert_array_equal(m.predict(x), want.argmax(1))


def test_asm_unbatched_and_shortlist_only():
    m = _asm()
    x = RNG.normal(size=(4, 8))
    lp = np.asarray(m.log_prob(x))
    one = m(x[2], np.array(7))
    assert np.shape(one.output) == () and np.isclose(float(one.output), lp[2, 7])
    short = m(x, np.array([0, 1, 2, 0]))
    np.testing.assert_allclose(np.asarray(short.output), lp[np.arange(4), [0, 1, 2, 0]], atol=1e-12)


def test_asm_gradients():
    m = _asm(1, head_bias=True)
    x = RNG.normal(size=(6, 8))
    y = np.array([9, 0, 4, 7, 1, 3])
    tg.check.check_grads(lambda p, x: m.apply(p, x, y).loss, m.params, x, order=1)
    tg.check.check_grads(lambda p, x: m.apply(p, x, y).output, m.params, x, order=1)


def test_asm_errors():
    for bad in ([], [3, 3], [0, 3], [5, 2], [10], [2.5]):
        with pytest.raises(ValueError, match="cutoffs should be a sequence"):
            tg.nn.AdaptiveLogSoftmaxWithLoss(4, 10, bad)
    m = _asm()
    x = np.ones((3, 8))
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\].*\[0, 10\]"):
        m(x, np.array([0, 10, 2]))
    with pytest.raises(RuntimeError, match=r"\[-1, 2\]"):
        m(x, np.array([-1, 1, 2]))
    with pytest.raises(RuntimeError, match="same size in the batch"):
        m(x, np.array([1, 2]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D"):
        m(x, np.array(1))
    with pytest.raises(RuntimeError, match="multi-target"):
        m(np.ones((2, 3, 8)), np.ones((2, 3), int))
    with pytest.raises(ValueError, match="a batch"):
        m.log_prob(np.ones(8))


# ---- CrossMapLRN2d, NLLLoss2d ----------------------------------------------------------------

def _cross_map_by_loop(x, size, alpha, beta, k):
    """PyTorch's running sum, channel by channel: add the entering channel, drop the leaving
    one, except channel 0, which is never dropped."""
    sq, c = x ** 2, x.shape[1]
    half = (size - 1) // 2 + 1
    scale = np.zeros_like(x)
    scale[:, 0] = sq[:, :min(half, c)].sum(1)
    for ch in range(1, c):
        scale[:, ch] = scale[:, ch - 1]
        if ch + half - 1 < c:
            scale[:, ch] += sq[:, ch + half - 1]
        if ch > half:
            scale[:, ch] -= sq[:, ch - half]
    return x * (k + alpha / size * scale) ** (-beta)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8])
def test_cross_map_lrn2d_values(size):
    x = RNG.normal(size=(2, 6, 3, 2))
    m = tg.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.6, k=2.0)
    np.testing.assert_allclose(np.asarray(m(x)), _cross_map_by_loop(x, size, 0.5, 0.6, 2.0),
                               rtol=1e-13)


def test_cross_map_lrn2d_is_not_local_response_norm():
    x = RNG.normal(size=(1, 5, 2, 2))
    a = np.asarray(tg.nn.CrossMapLRN2d(3, 0.5, 0.6, 2.0)(x))
    b = np.asarray(tg.nn.LocalResponseNorm(3, 0.5, 0.6, 2.0)(x))
    assert np.abs(a - b).max() > 1e-3


def test_cross_map_lrn2d_gradient_and_shape_check():
    m = tg.nn.CrossMapLRN2d(3, 0.5, 0.6, 2.0)
    tg.check.check_grads(m, RNG.normal(size=(1, 5, 2, 2)), order=2)
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
        m(np.ones((5, 2, 2)))
    with pytest.raises(ValueError, match="positive int"):
        tg.nn.CrossMapLRN2d(0)
    assert repr(m) == "CrossMapLRN2d(3, alpha=0.5, beta=0.6, k=2.0)"


def test_nll_loss_2d_warns_and_is_nll_loss():
    with pytest.warns(FutureWarning, match="NLLLoss2d is deprecated"):
        loss = tg.nn.NLLLoss2d(ignore_index=1)
    assert isinstance(loss, tg.nn.NLLLoss)
    lp = RNG.normal(size=(2, 3, 4, 4))
    y = RNG.integers(0, 3, (2, 4, 4))
    keep = y != 1
    want = -np.take_along_axis(lp, y[:, None], 1)[:, 0][keep].mean()
    assert np.isclose(float(loss(lp, y)), want)


# ---- nn.init's deprecated names ----------------------------------------------------------------

@pytest.mark.parametrize("name,args,kwargs", [
    ("constant", ((3, 4), 0.5), {}), ("eye", ((3, 4),), {}), ("dirac", ((2, 2, 3),), {}),
    ("kaiming_normal", ((3, 4),), {"generator": 1}), ("kaiming_uniform", ((3, 4),), {"generator": 1}),
    ("orthogonal", ((3, 4),), {"generator": 2}), ("sparse", ((4, 3), 0.5), {"generator": 3})])
def test_init_deprecated_aliases(name, args, kwargs):
    shape, rest = args[0], args[1:]
    with pytest.warns(FutureWarning, match=f"nn.init.{name} is deprecated"):
        a = getattr(tg.nn.init, name)(np.empty(shape), *rest, **kwargs)
    b = getattr(tg.nn.init, name + "_")(np.empty(shape), *rest, **kwargs)
    np.testing.assert_array_equal(a, b)
    assert name in tg.nn.init.__all__


def test_init_names_taken_by_tensorgrad_stay():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = tg.nn.init.normal((3, 2), 0)  # tensorgrad's (shape, seed) initializer
    assert w.shape == (3, 2)


def test_fusing_a_float32_layer_without_bias_stays_float32():
    x = np.random.default_rng(5).normal(size=(1, 2, 5, 5)).astype(np.float32)
    conv, bn = tg.nn.Conv2d(2, 3, 3, bias=False).to(tg.float32), tg.nn.BatchNorm2d(3).to(tg.float32)
    bn(conv(x))  # (made, with running statistics)
    conv.eval(), bn.eval()
    fused = tg.nn.utils.fuse_conv_bn_eval(conv, bn)
    assert fused(x).dtype == np.float32 and fused.bias.dtype == np.float32
    np.testing.assert_allclose(fused(x), bn(conv(x)), atol=1e-5)
    lin, bn1 = tg.nn.Linear(4, 3, bias=False).to(tg.float32), tg.nn.BatchNorm1d(3).to(tg.float32)
    lin(np.ones((2, 4), np.float32))
    lin.eval(), bn1.eval()
    assert tg.nn.utils.fuse_linear_bn_eval(lin, bn1)(np.ones((2, 4), np.float32)).dtype == np.float32
