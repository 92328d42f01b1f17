"""More of torch.nn's Modules in tg.nn (tensorgrad/nn/torch_modules_more.py, torch_bag_ctc.py):
each Module against the function it wraps (values and gradients), PyTorch's defaults, the
multi-input calls; embedding_bag and ctc_loss against JAX expressions of PyTorch's definitions
(float64, 1e-12), through tg.jit / tg.vmap / tg.jvp, and the errors."""
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import logsumexp as jlogsumexp

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(11)
TOL = dict(rtol=1e-12, atol=1e-12)


def R(*shape):
    return RNG.normal(size=shape)


def same_as(module_call, fn_call, *arrays):
    """The Module gives the function's value and the same gradient for its first input."""
    np.testing.assert_array_equal(np.asarray(module_call(*arrays)), np.asarray(fn_call(*arrays)))
    W = R(*np.shape(np.asarray(fn_call(*arrays))))
    g1 = tg.grad(lambda a: tg.sum(module_call(a, *arrays[1:]) * W))(arrays[0])
    g2 = tg.grad(lambda a: tg.sum(fn_call(a, *arrays[1:]) * W))(arrays[0])
    assert np.abs(np.asarray(g1)).sum() > 0
    np.testing.assert_array_equal(np.asarray(g1), np.asarray(g2))


# ---- the Modules over existing functions -------------------------------------------------------
def test_activation_modules_wrap_their_functions():
    x = R(2, 6, 3, 4)
    nn = tg.nn
    cases = [(nn.Softmin(1), lambda a: nn.softmin(a, 1)),
             (nn.Softshrink(), lambda a: nn.softshrink(a, 0.5)),
             (nn.Softshrink(0.2), lambda a: nn.softshrink(a, 0.2)),
             (nn.Hardshrink(0.3), lambda a: nn.hardshrink(a, 0.3)),
             (nn.Tanhshrink(), nn.tanhshrink),
             (nn.Threshold(0.1, -2.0), lambda a: nn.threshold(a, 0.1, -2.0)),
             (nn.GLU(), lambda a: nn.glu(a, axis=-1)), (nn.GLU(1), lambda a: nn.glu(a, axis=1)),
             (nn.ChannelShuffle(3), lambda a: nn.channel_shuffle(a, 3)),
             (nn.Softmax(dim=2), lambda a: nn.softmax(a, axis=2)),
             (nn.LogSoftmax(1), lambda a: nn.log_softmax(a, axis=1)),
             (nn.LogSoftmax(axis=1), lambda a: nn.log_softmax(a, axis=1))]
    for layer, fn in cases:
        same_as(layer, fn, x)
        assert not layer.has_parameters
    # Softmax2d: the softmax over the channels (axis -3), 4-d and 3-d
    want = jax.jit(lambda a: jax.nn.softmax(a, axis=-3))
    for a in (x, x[0]):
        np.testing.assert_allclose(nn.Softmax2d()(a), want(a), **TOL)
    # in a model: parameters only for the Linear layer, and the gradient goes through
    model = nn.Sequential(nn.Linear(4, 6), nn.Softshrink(0.1), nn.GLU(), nn.Tanhshrink())
    params = model.init(0)
    assert len(params) == 1 and model(R(5, 4)).shape == (5, 3)
    g = tg.grad(lambda p: tg.sum(model.apply(p, x[0, 0])))(params)
    assert np.abs(g[0]["W"]).sum() > 0
    assert repr(nn.Threshold(0.1, 2.0)) == "Threshold(threshold=0.1, value=2.0)"
    with pytest.warns(UserWarning, match="softmin: implicit dimension"):
        np.testing.assert_array_equal(nn.Softmin()(x[0]), nn.softmin(x[0], 0))


def test_distance_and_loss_modules_wrap_their_functions():
    nn = tg.nn
    a, p, n = R(4, 5), R(4, 5), R(4, 5)
    same_as(nn.CosineSimilarity(), lambda u, v: nn.cosine_similarity(u, v, 1, 1e-8), a, p)
    same_as(nn.PairwiseDistance(1.5, keepdim=True),
            lambda u, v: nn.pairwise_distance(u, v, 1.5, 1e-6, True), a, p)
    y = RNG.integers(0, 5, 4)
    w5 = RNG.uniform(0.5, 2.0, 5)
    same_as(nn.MultiMarginLoss(p=2, margin=0.5, weight=w5),
            lambda u, t: nn.multi_margin_loss(u, t, 2, 0.5, w5), a, y)
    same_as(nn.SoftMarginLoss(reduction="sum"),
            lambda u, t: nn.soft_margin_loss(u, t, reduction="sum"), a, np.sign(p))
    ml = np.array([[3, 0, -1, 1, 1], [1, 2, 4, -1, 0], [0, -1, 2, 2, 2], [4, 1, 0, 3, 2]])
    same_as(nn.MultiLabelMarginLoss(reduction="none"),
            lambda u, t: nn.multilabel_margin_loss(u, t, reduction="none"), a, ml)
    same_as(nn.MultiLabelSoftMarginLoss(weight=w5),
            lambda u, t: nn.multilabel_soft_margin_loss(u, t, w5), a, (p > 0) * 1.0)
    counts = RNG.poisson(2.0, (4, 5)) * 1.0
    same_as(nn.PoissonNLLLoss(full=True), lambda u, t: nn.poisson_nll_loss(u, t, full=True),
            a, counts)
    same_as(nn.PoissonNLLLoss(log_input=False, eps=1e-3),
            lambda u, t: nn.poisson_nll_loss(u, t, False, eps=1e-3), np.exp(a), counts)
    var = RNG.uniform(0.5, 2.0, (4, 1))
    same_as(nn.GaussianNLLLoss(full=True),  # three inputs: loss_fn(input, target, var)
            lambda u, t, v: nn.gaussian_nll_loss(u, t, v, full=True), a, p, var)
    same_as(nn.TripletMarginLoss(margin=2.0, p=1.0, swap=True),
            lambda u, v, w: nn.triplet_margin_loss(u, v, w, 2.0, 1.0, swap=True), a, p, n)
    loss = nn.TripletMarginWithDistanceLoss(margin=3.0, swap=True, reduction="sum")
    same_as(loss, lambda u, v, w: nn.triplet_margin_with_distance_loss(
        u, v, w, margin=3.0, swap=True, reduction="sum"), a, p, n)
    assert loss.forward(a, p, n) == loss(a, p, n)
    assert nn.MultiMarginLoss(weight=w5).named_buffers()["weight"] is w5


def test_triplet_margin_with_distance_loss_against_jax():
    a, p, n = R(6, 4), R(6, 4), R(6, 4)

    def jdist(u, v):
        return jnp.sqrt(jnp.sum((u - v + 1e-6) ** 2, axis=-1))

    def jloss(a, p, n):
        default = jnp.maximum(1.0 + jdist(a, p) - jdist(a, n), 0)
        cos = lambda u, v: 1 - jnp.sum(u * v, -1) / jnp.sqrt(jnp.sum(u * u, -1) * jnp.sum(v * v, -1))  # noqa: E731
        swapped = jnp.maximum(0.5 + cos(a, p) - jnp.minimum(cos(a, n), cos(p, n)), 0)
        return jnp.concatenate([default, swapped])

    def tloss(a, p, n):
        cos = lambda u, v: 1 - tg.nn.cosine_similarity(u, v, dim=-1, eps=0.0)  # noqa: E731
        return tg.concatenate([
            tg.nn.triplet_margin_with_distance_loss(a, p, n, reduction="none"),
            tg.nn.TripletMarginWithDistanceLoss(distance_function=cos, margin=0.5, swap=True,
                                                reduction="none")(a, p, n)])
    want = jax.jit(jloss)(a, p, n)
    assert 0 < (np.asarray(want) > 0).sum() < 12  # both sides of the hinge are exercised
    np.testing.assert_allclose(tloss(a, p, n), want, **TOL)
    W = R(12)
    got = tg.grad(lambda *x: tg.sum(tloss(*x) * W), argnums=(0, 1, 2))(a, p, n)
    ref = jax.jit(jax.grad(lambda *x: jnp.sum(jloss(*x) * W), argnums=(0, 1, 2)))(a, p, n)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, **TOL)
    assert np.isclose(tg.nn.triplet_margin_with_distance_loss(a, p, n),
                      np.mean(np.asarray(want[:6])), rtol=1e-13)


def test_pytorch_defaults():
    nn = tg.nn
    expected = {
        nn.Softmin: {"dim": None}, nn.Softshrink: {"lambd": 0.5}, nn.Hardshrink: {"lambd": 0.5},
        nn.GLU: {"dim": -1}, nn.CosineSimilarity: {"dim": 1, "eps": 1e-8},
        nn.PairwiseDistance: {"p": 2.0, "eps": 1e-6, "keepdim": False},
        nn.SoftMarginLoss: {"reduction": "mean"},
        nn.MultiMarginLoss: {"p": 1, "margin": 1.0, "weight": None, "reduction": "mean"},
        nn.MultiLabelSoftMarginLoss: {"weight": None, "reduction": "mean"},
        nn.PoissonNLLLoss: {"log_input": True, "full": False, "eps": 1e-8},
        nn.GaussianNLLLoss: {"full": False, "eps": 1e-6, "reduction": "mean"},
        nn.TripletMarginLoss: {"margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False},
        nn.TripletMarginWithDistanceLoss: {"distance_function": None, "margin": 1.0,
                                           "swap": False, "reduction": "mean"},
        nn.RMSNorm: {"eps": None, "elementwise_affine": True},
        nn.BatchNorm3d: {"eps": 1e-5, "momentum": 0.1, "affine": True,
                         "track_running_stats": True},
        nn.InstanceNorm3d: {"eps": 1e-5, "momentum": 0.1, "affine": False,
                            "track_running_stats": False},
        nn.EmbeddingBag: {"max_norm": None, "mode": "mean", "include_last_offset": False,
                          "padding_idx": None},
        nn.CTCLoss: {"blank": 0, "reduction": "mean", "zero_infinity": False},
        nn.embedding_bag: {"offsets": None, "mode": "mean", "per_sample_weights": None,
                           "include_last_offset": False, "padding_idx": None},
        nn.ctc_loss: {"blank": 0, "reduction": "mean", "zero_infinity": False},
    }
    for obj, defaults in expected.items():
        params = inspect.signature(obj).parameters
        for k, v in defaults.items():
            assert params[k].default == v, (obj, k)
    loss = nn.PoissonNLLLoss(size_average=False)  # the legacy pair maps to a reduction
    assert loss.reduction == "sum"


def test_norm_modules():
    nn = tg.nn
    x = R(3, 4, 5)
    rms = nn.RMSNorm([4, 5], eps=1e-3)
    params = rms.init()
    np.testing.assert_array_equal(params["weight"], np.ones((4, 5)))
    w = R(4, 5)
    same_as(lambda a: rms.apply({"weight": w}, a), lambda a: nn.rms_norm(a, (4, 5), w, 1e-3), x)
    plain = nn.RMSNorm(5, elementwise_affine=False)
    assert not plain.has_parameters and plain.init() == {}
    eps = np.finfo(np.float64).eps
    jrms = jax.jit(lambda a: a / jnp.sqrt(jnp.mean(a * a, axis=-1, keepdims=True) + eps))
    np.testing.assert_allclose(plain(x), jrms(x), **TOL)
    t = R(3, 4, 5)  # a jvp through the layer
    _, got = tg.jvp(plain, (x,), (t,))
    _, want = jax.jit(lambda a, b: jax.jvp(jrms, (a,), (b,)))(x, t)
    np.testing.assert_allclose(got, want, **TOL)
    # BatchNorm3d: the batch statistics over N, D, H, W, and the running ones after eval()
    bn = nn.BatchNorm3d(3, momentum=0.5)
    v = R(2, 3, 2, 3, 2)
    params = bn.init()
    jnorm = jax.jit(lambda a, w: (a - a.mean((0, 2, 3, 4), keepdims=True)) / jnp.sqrt(
        a.var((0, 2, 3, 4), keepdims=True) + 1e-5) * w.reshape(1, 3, 1, 1, 1))
    w3 = R(3)
    np.testing.assert_allclose(bn.apply({"weight": w3, "bias": np.zeros(3)}, v), jnorm(v, w3),
                               **TOL)
    n = 2 * 2 * 3 * 2
    np.testing.assert_allclose(bn.running_mean, 0.5 * v.mean((0, 2, 3, 4)), rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * v.var((0, 2, 3, 4)) * n / (n - 1),
                               rtol=1e-13)
    bn.eval()
    want = (v - bn.running_mean.reshape(1, 3, 1, 1, 1)) / np.sqrt(
        bn.running_var.reshape(1, 3, 1, 1, 1) + 1e-5)
    np.testing.assert_allclose(bn(v, params), want, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"BatchNorm3d\(3\): input of shape \(2, 3, 4\)"):
        bn(R(2, 3, 4))
    # InstanceNorm3d: each (sample, channel) over D, H, W; unbatched (C, D, H, W) too
    inorm = nn.InstanceNorm3d(3, affine=True, track_running_stats=True, momentum=0.5)
    jinst = jax.jit(lambda a, w: (a - a.mean((2, 3, 4), keepdims=True)) / jnp.sqrt(
        a.var((2, 3, 4), keepdims=True) + 1e-5) * w.reshape(1, 3, 1, 1, 1))
    np.testing.assert_allclose(inorm.apply({"weight": w3, "bias": np.zeros(3)}, v),
                               jinst(v, w3), **TOL)
    np.testing.assert_allclose(inorm.apply({"weight": w3, "bias": np.zeros(3)}, v[1]),
                               jinst(v[1:], w3)[0], **TOL)
    m = 2 * 3 * 2  # two training calls: the batch (instances averaged), then the single one
    unbiased = lambda a: a.var((-3, -2, -1)) * m / (m - 1)  # noqa: E731
    np.testing.assert_allclose(inorm.running_mean, 0.25 * v.mean((2, 3, 4)).mean(0)
                               + 0.5 * v[1].mean((1, 2, 3)), rtol=1e-13)
    np.testing.assert_allclose(inorm.running_var, 0.25 + 0.25 * unbiased(v).mean(0)
                               + 0.5 * unbiased(v[1]), rtol=1e-13)
    inorm.eval()
    want = (v - inorm.running_mean.reshape(1, 3, 1, 1, 1)) / np.sqrt(
        inorm.running_var.reshape(1, 3, 1, 1, 1) + 1e-5)
    np.testing.assert_allclose(inorm.apply({}, v), want, rtol=1e-12, atol=1e-12)
    assert not nn.InstanceNorm3d(3).has_parameters
    with pytest.raises(ValueError, match=r"InstanceNorm3d\(3\): input of shape \(2, 3, 4\)"):
        inorm(R(2, 3, 4))
    with pytest.raises(ValueError, match=r"RMSNorm\(4, 5\): input of shape \(3, 5\)"):
        rms(R(3, 5))


def test_module_errors():
    nn = tg.nn
    with pytest.raises(ValueError, match=r"Softmax2d: expected a 3-d or 4-d input, got shape "
                                         r"\(2, 3\)"):
        nn.Softmax2d()(R(2, 3))
    with pytest.raises(ValueError, match="Softshrink: lambd must be non-negative, got -1"):
        nn.Softshrink(-1)
    with pytest.raises(TypeError, match="Threshold: inplace must be True or False"):
        nn.Threshold(0.0, 0.0, inplace="yes")
    with pytest.raises(ValueError, match="Softmax: dim=1 and axis=0 disagree"):
        nn.Softmax(1, axis=0)
    with pytest.raises(ValueError, match=r"GLU: dim 3 is out of range for input of shape"):
        nn.GLU(3)(R(2, 4))
    with pytest.raises(ValueError, match="glu: axis -1 of x"):
        nn.GLU()(R(2, 3))
    with pytest.raises(ValueError, match="MultiMarginLoss: p must be 1 or 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: margin must be greater"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)
    with pytest.raises(TypeError, match="TripletMarginWithDistanceLoss: distance_function"):
        nn.TripletMarginWithDistanceLoss(distance_function=2.0)
    with pytest.raises(ValueError, match=r"triplet_margin_with_distance_loss: .*\(4, 5\), "
                                         r"\(5,\) and \(4, 5\)"):
        nn.triplet_margin_with_distance_loss(R(4, 5), R(5), R(4, 5))
    with pytest.raises(ValueError, match="ChannelShuffle: groups must be a positive int"):
        nn.ChannelShuffle(0)
    with pytest.raises(ValueError, match="GaussianNLLLoss: reduction must be one of"):
        nn.GaussianNLLLoss(reduction="avg")


# ---- embedding_bag -----------------------------------------------------------------------------
IDS = np.array([1, 0, 4, 5, 4, 3, 2, 0, 6, 6])
# (mode, offsets, include_last_offset, padding_idx, per-sample weights?): empty bags, a bag of
# only padding, the CSR form, a negative padding_idx, the 2-D form (offsets None)
BAGS = [("sum", [0, 3, 3, 7], False, None, True), ("sum", [0, 2, 5, 10], True, 0, True),
        ("mean", [0, 3, 3, 7], False, 6, False), ("mean", [0, 1, 2, 10], True, -7, False),
        ("max", [0, 3, 3, 7], False, None, False), ("max", [0, 7, 8, 10], True, 0, False),
        ("mean", None, False, 6, False), ("max", None, False, 4, False), ("sum", None, False, 0, True)]


def _bags(offsets, ilo):
    """PyTorch's bags: (start, end) of each."""
    if offsets is None:
        return [(5 * b, 5 * b + 5) for b in range(2)]
    ends = offsets[1:] + ([] if ilo else [len(IDS)])
    return list(zip(offsets[:len(ends)], ends))


def _jbag(w, psw, mode, offsets, ilo, pad):
    out = []
    for s, e in _bags(offsets, ilo):
        keep = [i for i in range(s, e) if pad is None or IDS[i] != pad % 7]
        if not keep:
            out.append(jnp.zeros(w.shape[1]))
            continue
        rows = w[IDS[keep]]
        if psw is not None:
            rows = rows * psw[np.array(keep)][:, None]
        out.append({"sum": jnp.sum, "mean": jnp.mean, "max": jnp.max}[mode](rows, axis=0))
    return jnp.stack(out)


def _tbag(w, psw, mode, offsets, ilo, pad):
    ids = IDS if offsets is None else IDS
    if offsets is None:
        ids = IDS.reshape(2, 5)
        psw = None if psw is None else tg.reshape(psw, (2, 5))
    return tg.nn.embedding_bag(ids, w, None if offsets is None else np.array(offsets), mode=mode,
                               per_sample_weights=psw, include_last_offset=ilo, padding_idx=pad)


def test_embedding_bag_against_jax():
    w, psw = R(7, 3), R(10)
    Ws = [R(len(_bags(c[1], c[2])), 3) for c in BAGS]

    def total(fn, w, psw):  # Σ over the cases of Σ out·W: one function, one JAX compilation
        return sum((fn(w, psw if c[4] else None, *c[:4]) * Wc).sum() for c, Wc in zip(BAGS, Ws))

    def jall(w, psw):
        return [_jbag(w, psw if c[4] else None, *c[:4]) for c in BAGS]
    want = jax.jit(jall)(w, psw)
    for c, ref in zip(BAGS, want):
        got = _tbag(w, psw if c[4] else None, *c[:4])
        np.testing.assert_allclose(got, ref, err_msg=str(c), **TOL)
    assert any((np.asarray(r) == 0).all(axis=1).any() for r in want)  # an empty bag is zeros
    got = tg.grad(lambda w, p: total(_tbag, w, p), argnums=(0, 1))(w, psw)
    ref = jax.jit(jax.grad(lambda w, p: total(_jbag, w, p), argnums=(0, 1)))(w, psw)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, **TOL)
    # padding rows get no gradient; the max sends a feature's gradient to one entry
    g = tg.grad(lambda w: tg.sum(tg.nn.embedding_bag(IDS, w, np.array([0, 4]), padding_idx=4)))(w)
    assert (g[4] == 0).all() and (g[1] != 0).all()


def test_embedding_bag_max_ties_go_to_the_first_entry_and_jit_vmap():
    w = np.array([[1.0, 2.0], [1.0, 0.0], [3.0, 2.0]])
    for ids, want in (([0, 1, 2, 0], [[1, 1], [0, 0], [1, 1]]),
                      ([1, 0, 2, 0], [[0, 1], [1, 0], [1, 1]])):  # PyTorch's gradients
        g = tg.grad(lambda w: tg.sum(tg.nn.embedding_bag(np.array(ids), w, np.array([0, 2]),
                                                         mode="max")))(w)
        np.testing.assert_array_equal(g, want)
    # tg.jit with traced ids, offsets and weights: new bags replay the plan
    tw, psw = R(7, 3), R(10)
    f = tg.jit(lambda w, i, o, p: tg.nn.embedding_bag(i, w, o, mode="sum", per_sample_weights=p))
    for off in ([0, 3, 3, 7], [0, 1, 6, 9]):
        want = tg.nn.embedding_bag(IDS, tw, np.array(off), mode="sum", per_sample_weights=psw)
        np.testing.assert_allclose(f(tw, IDS, np.array(off), psw), want, rtol=1e-14)
    with pytest.raises(ValueError, match=r"embedding_bag: offsets\[0\] must be 0"):
        f(tw, IDS, np.array([1, 3, 3, 7]), psw)
    # tg.vmap over per-sample weights
    P = R(3, 10)
    got = tg.vmap(lambda p: tg.nn.embedding_bag(IDS, tw, np.array([0, 4]), mode="sum",
                                                per_sample_weights=p))(P)
    for k in range(3):
        np.testing.assert_allclose(got[k], tg.nn.embedding_bag(
            IDS, tw, np.array([0, 4]), mode="sum", per_sample_weights=P[k]), rtol=1e-14)


def test_embedding_bag_module():
    bag = tg.nn.EmbeddingBag(7, 3, mode="sum", padding_idx=2)
    params = bag.init(0)
    assert params["weight"].shape == (7, 3) and (params["weight"][2] == 0).all()
    off = np.array([0, 4])
    np.testing.assert_array_equal(bag(IDS, off), tg.nn.embedding_bag(
        IDS, params["weight"], off, mode="sum", padding_idx=2))
    psw = R(10)
    np.testing.assert_array_equal(bag.forward(IDS, off, psw), tg.nn.embedding_bag(
        IDS, params["weight"], off, mode="sum", per_sample_weights=psw, padding_idx=2))
    g = tg.grad(lambda p: tg.sum(bag.apply(p, IDS, off)))(params)
    np.testing.assert_array_equal(g["weight"], np.bincount(IDS, minlength=7)[:, None]
                                  * (np.arange(7) != 2)[:, None] * np.ones(3))
    start = R(7, 3)
    csr = tg.nn.EmbeddingBag(7, 3, _weight=start, include_last_offset=True, dtype=np.float32)
    assert csr.init()["weight"].dtype == np.float32
    np.testing.assert_allclose(csr(IDS, np.array([0, 10])), start[IDS].mean(0, keepdims=True),
                               rtol=1e-6)
    with pytest.raises(NotImplementedError, match="EmbeddingBag: max_norm"):
        tg.nn.EmbeddingBag(7, 3, max_norm=1.0)
    with pytest.raises(ValueError, match=r"EmbeddingBag: _weight must have shape \(7, 3\)"):
        tg.nn.EmbeddingBag(7, 3, _weight=R(3, 7))


def test_embedding_bag_errors():
    w = R(7, 3)
    eb = tg.nn.embedding_bag
    with pytest.raises(ValueError, match=r"embedding_bag: offsets must be None for a 2-D input"):
        eb(IDS.reshape(2, 5), w, np.array([0, 5]))
    with pytest.raises(ValueError, match="embedding_bag: a 1-D input needs offsets"):
        eb(IDS, w)
    with pytest.raises(ValueError, match=r"embedding_bag: offsets\[-1\] = 11 is beyond"):
        eb(IDS, w, np.array([0, 11]))
    with pytest.raises(ValueError, match="embedding_bag: offsets must be non-decreasing"):
        eb(IDS, w, np.array([0, 5, 3]))
    # a last offset short of the input's length: PyTorch 2.13's last bag still runs to the end
    # (it used to be refused here); torch gave [w[[1, 0, 4, 5, 4]].sum(0), w[[3, 2, 0, 6, 6]].sum(0)]
    short = eb(IDS, w, np.array([0, 5, 8]), mode="sum", include_last_offset=True)
    np.testing.assert_allclose(short, np.stack([w[IDS[:5]].sum(0), w[IDS[5:]].sum(0)]), rtol=1e-14)
    g = tg.grad(lambda v: tg.sum(eb(IDS, v, np.array([0, 5, 8]), mode="mean", include_last_offset=True)))(w)
    np.testing.assert_allclose(g, np.bincount(IDS, minlength=7)[:, None] / 5 * np.ones(3), rtol=1e-14)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported"):
        eb(IDS, w, np.array([0, 5]), per_sample_weights=R(10))
    with pytest.raises(NotImplementedError, match="embedding_bag: max_norm"):
        eb(IDS, w, np.array([0, 5]), max_norm=1.0)
    with pytest.raises(NotImplementedError, match="embedding_bag: scale_grad_by_freq"):
        eb(IDS, w, np.array([0, 5]), scale_grad_by_freq=True)
    with pytest.raises(ValueError, match="embedding_bag: mode must be"):
        eb(IDS, w, np.array([0, 5]), mode="min")
    with pytest.raises(IndexError, match="embedding_bag: id 9 is out of range 0..6"):
        eb(np.array([0, 9]), w, np.array([0]))
    with pytest.raises(TypeError, match="embedding_bag: input ids must be integers"):
        eb(IDS * 1.0, w, np.array([0]))
    with pytest.raises(ValueError, match=r"per_sample_weights of shape \(9,\) must have the "
                                         r"input's shape \(10,\)"):
        eb(IDS, w, np.array([0]), mode="sum", per_sample_weights=R(9))


# ---- ctc_loss ----------------------------------------------------------------------------------
T, N, C = 9, 4, 5
TARGETS = np.array([[1, 2, 2, 3], [3, 0, 0, 0], [1, 1, 4, 0], [2, 4, 3, 1]])
IN_LEN = np.array([9, 6, 7, 3])
TG_LEN = np.array([4, 1, 3, 0])


def _jctc_one(lp, target, blank=0):
    """−log p(target | lp) for one sample, (T, C) log-probabilities, by the alpha recursion."""
    ext = [blank]
    for c in target:
        ext += [int(c), blank]
    S = len(ext)
    skip = np.array([s >= 2 and ext[s] != blank and ext[s] != ext[s - 2] for s in range(S)])
    neg = -1e30  # exp(neg - anything finite) is exactly 0 in float64
    emit = lp[:, np.array(ext)]  # (T, S)

    def step(alpha, e):
        one = jnp.concatenate([jnp.full(1, neg), alpha[:-1]])
        two = jnp.where(skip, jnp.concatenate([jnp.full(2, neg), alpha[:-2]])[:S], neg)
        return jlogsumexp(jnp.stack([alpha, one, two]), axis=0) + e, None
    alpha, _ = jax.lax.scan(step, jnp.where(np.arange(S) < 2, emit[0], neg), emit[1:])
    return -jlogsumexp(alpha[-2:]) if S > 1 else -alpha[0]


def _jctc(lp, lengths=IN_LEN, targets=TARGETS, tl=TG_LEN, blank=0):
    return jnp.stack([_jctc_one(lp[:lengths[n], n], targets[n, :tl[n]], blank)
                      for n in range(len(lengths))])


def test_ctc_loss_against_jax_both_layouts_and_reductions():
    lp = np.asarray(jax.nn.log_softmax(R(T, N, C), axis=-1))
    jnone = jax.jit(_jctc)
    jgrad = jax.jit(jax.grad(lambda lp, g: jnp.sum(_jctc(lp) * g)))
    want = np.asarray(jnone(lp))
    concat = np.concatenate([TARGETS[n, :TG_LEN[n]] for n in range(N)])
    per_mean = 1.0 / (np.maximum(TG_LEN, 1) * N)  # PyTorch's 'mean': by target length first
    G = R(N)
    for targets in (TARGETS, concat, list(map(int, concat))):
        np.testing.assert_allclose(tg.nn.ctc_loss(lp, targets, IN_LEN, TG_LEN, reduction="none"),
                                   want, **TOL)
        np.testing.assert_allclose(tg.nn.ctc_loss(lp, targets, tuple(IN_LEN), list(TG_LEN)),
                                   np.sum(want * per_mean), **TOL)
        np.testing.assert_allclose(tg.nn.ctc_loss(lp, targets, IN_LEN, TG_LEN, reduction="sum"),
                                   want.sum(), **TOL)
        for red, g in (("none", G), ("mean", per_mean), ("sum", np.ones(N))):
            got = tg.grad(lambda a: tg.sum(tg.nn.ctc_loss(a, targets, IN_LEN, TG_LEN,
                                                          reduction=red) * (G if red == "none"
                                                                            else 1.0)))(lp)
            np.testing.assert_allclose(got, jgrad(lp, g), **TOL)
    # an empty target is all blanks: slope −1 at the blank of each of its 3 frames, 0 past them
    got = tg.grad(lambda a: tg.nn.ctc_loss(a, TARGETS, IN_LEN, TG_LEN, reduction="sum"))(lp)
    blank_only = np.zeros((T, C))
    blank_only[:3, 0] = -1
    np.testing.assert_array_equal(got[:, 3], blank_only)
    # unbatched: (T, C) log_probs, 1-D target, scalar lengths
    one = tg.nn.ctc_loss(lp[:, 0], TARGETS[0], 9, 4, reduction="none")
    assert np.shape(one) == () and np.isclose(one, want[0], rtol=1e-13)
    # another blank, through the Module
    ctc = tg.nn.CTCLoss(blank=4, reduction="none")
    t4 = np.where(TARGETS == 4, 0, TARGETS)
    np.testing.assert_allclose(ctc(lp, t4, IN_LEN, TG_LEN),
                               jax.jit(lambda a: _jctc(a, targets=t4, blank=4))(lp), **TOL)


def test_ctc_loss_infinite_and_zero_infinity():
    lp = np.asarray(jax.nn.log_softmax(R(T, N, C), axis=-1))
    lengths = np.array([9, 6, 2, 3])  # sample 2: 3 labels (one repeat) cannot fit in 2 frames
    loss = tg.nn.ctc_loss(lp, TARGETS, lengths, TG_LEN, reduction="none")
    assert np.isinf(loss[2]) and np.isfinite(loss[[0, 1, 3]]).all()
    ok = np.array([0, 1, 3])
    want = jax.jit(lambda a: _jctc(a[:, ok], lengths[ok], TARGETS[ok], TG_LEN[ok]))(lp)
    zi = tg.nn.ctc_loss(lp, TARGETS, lengths, TG_LEN, reduction="none", zero_infinity=True)
    np.testing.assert_allclose(zi, np.insert(np.asarray(want), 2, 0.0), **TOL)
    g = tg.grad(lambda a: tg.nn.ctc_loss(a, TARGETS, lengths, TG_LEN, zero_infinity=True))(lp)
    scale = 1.0 / (np.maximum(TG_LEN[ok], 1) * N)
    ref = jax.jit(jax.grad(lambda a: jnp.sum(
        _jctc(a[:, ok], lengths[ok], TARGETS[ok], TG_LEN[ok]) * scale)))(lp)
    np.testing.assert_allclose(g, ref, **TOL)
    assert np.isfinite(g).all() and (g[:, 2] == 0).all()
    # without zero_infinity the infinite sample's gradient is 0, not NaN
    g = tg.grad(lambda a: tg.nn.ctc_loss(a, TARGETS, lengths, TG_LEN, reduction="sum"))(lp)
    assert np.isfinite(g).all() and (g[:, 2] == 0).all()
    # an empty input with an empty target costs nothing; with a label it is impossible
    out = tg.nn.ctc_loss(lp, TARGETS, np.array([0, 0, 7, 3]), np.array([0, 1, 3, 0]),
                         reduction="none")
    assert out[0] == 0 and np.isinf(out[1])


def test_ctc_loss_under_jit_and_errors():
    lp = np.asarray(jax.nn.log_softmax(R(T, N, C), axis=-1))
    f = tg.jit(lambda a, t, i, l: tg.nn.ctc_loss(a, t, i, l, reduction="none"))
    other = np.array([8, 6, 5, 2]), np.array([3, 1, 2, 0])
    for il, tl in ((IN_LEN, TG_LEN), other):
        np.testing.assert_allclose(f(lp, TARGETS, il, tl),
                                   tg.nn.ctc_loss(lp, TARGETS, il, tl, reduction="none"),
                                   rtol=1e-14)
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths must be in \[0, 9\]"):
        f(lp, TARGETS, np.array([10, 6, 7, 3]), TG_LEN)  # checked again when the plan runs
    ctc = tg.nn.ctc_loss
    with pytest.raises(ValueError, match="ctc_loss: target entry 0 is not a class"):
        ctc(lp, np.array([[1, 0, 2, 3]] * 4), IN_LEN, TG_LEN)
    with pytest.raises(ValueError, match=r"ctc_loss: target_lengths must be in \[0, 4\]"):
        ctc(lp, TARGETS, IN_LEN, np.array([5, 1, 1, 1]))
    with pytest.raises(ValueError, match=r"concatenated targets must hold sum\(target_lengths\) "
                                         r"= 8 entries, got 3"):
        ctc(lp, np.array([1, 2, 3]), IN_LEN, TG_LEN)
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths must have shape \(4,\), got "
                                         r"\(3,\)"):
        ctc(lp, TARGETS, IN_LEN[:3], TG_LEN)
    with pytest.raises(TypeError, match="ctc_loss: target_lengths must be integers"):
        ctc(lp, TARGETS, IN_LEN, TG_LEN * 1.0)
    with pytest.raises(ValueError, match=r"ctc_loss: log_probs must be \(T, N, C\) or \(T, C\)"):
        ctc(lp[0, 0], TARGETS, IN_LEN, TG_LEN)
    with pytest.raises(ValueError, match=r"ctc_loss: blank must be a class index in \[0, 5\)"):
        ctc(lp, TARGETS, IN_LEN, TG_LEN, blank=5)
    with pytest.raises(ValueError, match=r"ctc_loss: targets of shape \(3, 4\) do not fit"):
        ctc(lp, TARGETS[:3], IN_LEN, TG_LEN)
    with pytest.raises(ValueError, match="ctc_loss: reduction must be one of"):
        ctc(lp, TARGETS, IN_LEN, TG_LEN, reduction="batchmean")


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_of_no_entries_stays_on_the_graph(mode):
    # PyTorch: empty bags give zeros with zero gradients (the zeros were a constant: backward
    # raised, and the table got no gradient inside a larger loss)
    w = tg.tensor(np.random.default_rng(0).normal(size=(3, 2)), requires_grad=True)
    psw = tg.tensor(np.zeros(0), requires_grad=True)
    kw = {"per_sample_weights": psw} if mode == "sum" else {}
    y = tg.nn.functional.embedding_bag(np.array([], np.int64), w, np.array([0, 0]), mode=mode, **kw)
    assert y.shape == (2, 2) and not np.asarray(y.detach()).any()
    (tg.sum(y * 3.0) + tg.sum(w[0])).backward()
    np.testing.assert_array_equal(w.grad, [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    assert mode != "sum" or psw.grad.shape == (0,)
