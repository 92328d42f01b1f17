"""torch.nn.init (tg.nn.init's ``_`` functions) and torch.nn.utils (tg.nn.utils): initializer
statistics against their formulas (tolerances from the sample size), exact structures, fans and
gains; clipping, parameter vectors, batch-norm fusion, weight/spectral norm and pad_sequence
against JAX expressions of PyTorch's definitions (float64, 1e-12), through tg.jit / tg.jacrev."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import tensorgrad as tg
from tensorgrad.nn import init

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(11)
I, U = tg.nn.init, tg.nn.utils


def R(*shape):
    return RNG.normal(size=shape)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


# ---- torch.nn.init ----------------------------------------------------------------------------
def test_calculate_gain_and_fans():
    assert I.calculate_gain("linear") == I.calculate_gain("conv_transpose3d") == 1.0
    assert I.calculate_gain("sigmoid") == 1.0 and I.calculate_gain("tanh") == 5 / 3
    assert I.calculate_gain("relu") == math.sqrt(2) and I.calculate_gain("selu") == 0.75
    assert I.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert I.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert I.calculate_gain("leaky_relu", 3) == math.sqrt(2 / 10)
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity 'gelu'"):
        I.calculate_gain("gelu")
    with pytest.raises(ValueError, match="calculate_gain: negative_slope True"):
        I.calculate_gain("leaky_relu", True)
    fans = I._calculate_fan_in_and_fan_out
    assert fans(np.empty((3, 4))) == (4, 3)
    assert fans(np.empty((5, 6, 3))) == (18, 15)
    assert fans(np.empty((2, 3, 4, 5))) == (60, 40)
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions, got shape \(3,\)"):
        fans(np.empty(3))
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions"):
        I.xavier_uniform_(np.empty(3))
    with pytest.raises(ValueError, match="kaiming: mode 'fan_avg'"):
        I.kaiming_normal_(np.empty((3, 4)), mode="fan_avg")


def _std_ok(x, std, kurtosis):
    """Sample std within 6 standard errors of ``std`` (SE of the std ≈ std·√((κ−1)/(4N)))."""
    se = std * math.sqrt((kurtosis - 1) / (4 * x.size))
    assert abs(x.std() - std) < 6 * se, (x.std(), std, se)
    assert abs(x.mean()) < 6 * std / math.sqrt(x.size)


def test_random_initializer_statistics():
    shape = (200, 50, 3, 3)  # fan_in 450, fan_out 1800, N = 90000
    fi, fo, n = 450, 1800, 200 * 50 * 9
    cases = [  # (function, kwargs, std, uniform bound or None)
        (I.xavier_uniform_, dict(gain=1.5), 1.5 * math.sqrt(2 / (fi + fo)), True),
        (I.xavier_normal_, dict(gain=0.5), 0.5 * math.sqrt(2 / (fi + fo)), False),
        (I.kaiming_uniform_, dict(a=math.sqrt(5)), math.sqrt(2 / 6) / math.sqrt(fi), True),
        (I.kaiming_uniform_, dict(mode="fan_out", nonlinearity="relu"), math.sqrt(2 / fo), True),
        (I.kaiming_normal_, dict(nonlinearity="tanh"), 5 / 3 / math.sqrt(fi), False),
        (I.kaiming_normal_, dict(a=0.2, mode="fan_out"), math.sqrt(2 / 1.04 / fo), False),
        (I.normal_, dict(std=0.3), 0.3, False),
    ]
    for fn, kw, std, uniform in cases:
        x = np.empty(shape)
        assert fn(x, **kw, generator=3) is x
        _std_ok(x, std, 1.8 if uniform else 3.0)
        if uniform:
            b = math.sqrt(3) * std
            assert -b <= x.min() < -b * (1 - 20 / n) and b * (1 - 20 / n) < x.max() <= b
    x = I.uniform_(np.empty(shape), -1.0, 3.0, generator=3)
    assert -1 <= x.min() < -1 + 1e-3 and 3 - 1e-3 < x.max() < 3
    _std_ok(x - 1, 4 / math.sqrt(12), 1.8)
    # trunc_normal_: a, b absolute bounds; moments of the truncated normal
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    x = I.trunc_normal_(np.empty(shape), mean, std, a, b, generator=4)
    d = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    assert a <= x.min() < a + 1e-3 and b - 1e-3 < x.max() <= b
    _std_ok(x - d.mean(), d.std(), d.stats(moments="k") + 3)
    # float32 arrays are filled too; seeds reproduce; the default stream restarts
    x32 = I.xavier_normal_(np.empty((30, 20), np.float32), generator=5)
    assert x32.dtype == np.float32
    close(x32, I.xavier_normal_(np.empty((30, 20)), generator=5).astype(np.float32))
    I.manual_seed(9)
    first = I.normal_(np.empty(5)).copy()
    I.manual_seed(9)
    close(I.normal_(np.empty(5)), first)
    close(I.normal_(np.empty(5), generator=np.random.default_rng(2)), I.normal_(np.empty(5), generator=2))


def test_structured_initializers():
    assert np.array_equal(I.eye_(np.empty((3, 5))), np.eye(3, 5))
    assert np.array_equal(I.constant_(np.empty((2, 2), np.int64), 7), np.full((2, 2), 7))
    assert np.array_equal(I.ones_(np.empty(3)), np.ones(3)) and not I.zeros_(np.ones(3)).any()
    w = I.dirac_(np.full((6, 2, 3, 3), 5.0), groups=2)  # 3 outputs per group, 2 inputs
    want = np.zeros((6, 2, 3, 3))
    for o, i in [(0, 0), (1, 1), (3, 0), (4, 1)]:
        want[o, i, 1, 1] = 1
    assert np.array_equal(w, want)
    # the Dirac weight makes conv1d the identity on the channels
    x = R(1, 3, 7)
    close(tg.nn.conv1d(x, I.dirac_(np.empty((3, 3, 5))), padding=2), x)
    for shape in [(5, 3), (3, 5), (4, 2, 3, 3)]:
        q = I.orthogonal_(np.empty(shape), gain=2.0, generator=1).reshape(shape[0], -1) / 2
        small = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
        np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-12)
    s = I.sparse_(np.empty((10, 40)), sparsity=0.25, std=0.5, generator=2)
    assert ((s == 0).sum(axis=0) == 3).all()  # ⌈0.25·10⌉ per column
    _std_ok(s[s != 0], 0.5, 3.0)
    with pytest.raises(ValueError, match=r"eye_: only 2-d tensors .*\(2, 2, 2\)"):
        I.eye_(np.empty((2, 2, 2)))
    with pytest.raises(ValueError, match=r"dirac_: dim 0 of shape \(5, 2, 3\) must be divisible by groups=2"):
        I.dirac_(np.empty((5, 2, 3)), groups=2)
    with pytest.raises(ValueError, match=r"dirac_: only 3-, 4- or 5-d"):
        I.dirac_(np.empty((5, 2)))
    with pytest.raises(ValueError, match=r"orthogonal_: only tensors with 2 or more"):
        I.orthogonal_(np.empty(4))
    with pytest.raises(ValueError, match=r"sparse_: only 2-d"):
        I.sparse_(np.empty((2, 2, 2)), 0.1)


def test_init_refuses_what_it_cannot_fill():
    ro = np.zeros((3, 4))
    ro.flags.writeable = False
    with pytest.raises(TypeError, match=r"kaiming_uniform_: tensor of shape \(3, 4\) is read-only"):
        I.kaiming_uniform_(ro)
    with pytest.raises(TypeError, match="normal_: tensor must be a writable NumPy array or a tensor of the imperative tape, got list"):
        I.normal_([1.0, 2.0])
    with pytest.raises(TypeError, match="uniform_: tensor must have a floating dtype, got int64"):
        I.uniform_(np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="xavier_normal_: generator must be an int seed"):
        I.xavier_normal_(np.empty((2, 2)), generator="a")
    with pytest.raises(TypeError, match="xavier_uniform_: .*traced by a transform cannot be filled"):
        tg.grad(lambda w: tg.sum(I.xavier_uniform_(w)))(np.ones((2, 2)))


def test_initializer_pure_form_in_layers():
    init = I.initializer(I.kaiming_uniform_, a=math.sqrt(5), transposed=True)
    lin = tg.nn.Linear(6, 4, init=init)
    W = lin.init(3)["W"]
    assert W.shape == (6, 4)
    close(W, I.kaiming_uniform_(np.empty((4, 6)), a=math.sqrt(5), generator=3).T)
    assert np.abs(W).max() <= 1 / math.sqrt(6)  # PyTorch's fan_in = in_features
    close(tg.nn.Linear(6, 4, init=init).init(3)["W"], W)
    assert np.array_equal(I.initializer(I.eye_)((2, 3), 0), np.eye(2, 3))
    with pytest.raises(ValueError, match=r"initializer: transposed=True needs a 2-d shape, got \(3,\)"):
        init((3,), 0)


# ---- gradient clipping ------------------------------------------------------------------------
def _jax_clip(gs, max_norm, p):
    """PyTorch's clip_grad_norm_: norm of the per-tensor norms, factor min(1, max/(n + 1e-6))."""
    if p == math.inf:
        norms = jnp.stack([jnp.max(jnp.abs(g)) for g in gs])
        total = jnp.max(norms)
    else:
        norms = jnp.stack([jnp.sum(jnp.abs(g) ** p) ** (1 / p) for g in gs])
        total = jnp.sum(norms ** p) ** (1 / p)
    c = jnp.minimum(max_norm / (total + 1e-6), 1.0)
    return [g * c for g in gs], total


def test_clip_grad_norm_against_pytorch_definition():
    gs = [R(3, 4), R(5), R(2, 2, 2)]
    W = [R(*g.shape) for g in gs]
    for p in (2.0, 1.0, 3.0, math.inf):
        for max_norm in (0.5, 1e3):
            ref = jax.jit(lambda gs: _jax_clip(gs, max_norm, p))
            (want, total) = ref([jnp.asarray(g) for g in gs])
            clipped, got_total = U.clip_grad_norm(gs, max_norm, norm_type=p)
            close(got_total, total)
            close(U.get_total_norm(gs, "inf" if p == math.inf else p), total)
            for a, b in zip(clipped, want):
                close(a, b)
            inplace = [g.copy() for g in gs]
            close(U.clip_grad_norm_(inplace, max_norm, p, foreach=True), total)
            for a, b in zip(inplace, want):
                close(a, b)
        # the gradient of the pure form (through the norm too), once per norm type
        g = tg.grad(lambda gs: sum(tg.sum(c * w) for c, w in zip(U.clip_grad_norm(gs, 0.5, p)[0], W)))(gs)
        jg = jax.jit(jax.grad(lambda gs: sum(jnp.sum(c * w) for c, w in zip(_jax_clip(gs, 0.5, p)[0], W))))(
            [jnp.asarray(x) for x in gs])
        for a, b in zip(g, jg):
            close(a, b)
    # tg.jit of the pure form on traced gradients: the factor follows the new values
    f = tg.jit(lambda d: U.clip_grad_norm(d, 1.0))
    for scale in (10.0, 0.1):
        d = {"a": gs[0] * scale, "b": [gs[1] * scale]}
        out, total = f(d)
        want, wt = jax.jit(lambda gs: _jax_clip(gs, 1.0, 2.0))([jnp.asarray(gs[0] * scale), jnp.asarray(gs[1] * scale)])
        close(total, wt)
        close(out["a"], want[0])
        close(out["b"][0], want[1])
    # clip_grads_with_norm(_) with a given total norm, and a single array
    x = R(4)
    close(U.clip_grads_with_norm(x, 1.0, 4.0), x * (1 / (4 + 1e-6)))
    y = x.copy()
    assert U.clip_grads_with_norm_([y], 1.0, 0.5) is None
    close(y, x)
    close(U.get_total_norm([]), 0.0)


def test_clip_grad_value_and_errors():
    gs = {"w": R(3, 4), "b": R(4)}
    want = {k: np.clip(v, -0.3, 0.3) for k, v in gs.items()}
    got = U.clip_grad_value(gs, 0.3)
    close(got["w"], want["w"])
    inplace = {k: v.copy() for k, v in gs.items()}
    assert U.clip_grad_value_(inplace, 0.3) is None
    close(inplace["b"], want["b"])
    g = tg.jit(tg.grad(lambda w: tg.sum(U.clip_grad_value(w, 0.3) * 2.0)))(gs["w"])
    close(g, np.where(np.abs(gs["w"]) <= 0.3, 2.0, 0.0))
    bad = [np.ones(2), np.array([np.inf, 1.0])]
    with pytest.raises(RuntimeError, match=r"get_total_norm: the total norm of order 2.0 .* non-finite \(inf\)"):
        U.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)  # (PyTorch's RuntimeError)
    with pytest.raises(ValueError, match="non-finite"):
        U.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    f = tg.jit(lambda g: U.clip_grad_norm(g, 1.0, error_if_nonfinite=True)[1])
    close(f(np.ones(4)), 2.0)
    with pytest.raises(ValueError, match="non-finite"):
        f(np.array([np.nan, 1.0, 1.0, 1.0]))
    ro = np.ones(3)
    ro.flags.writeable = False
    with pytest.raises(TypeError, match=r"clip_grad_norm_: .*leaf 1 is a read-only array of shape \(3,\); "
                                        r"use the pure form clip_grad_norm"):
        U.clip_grad_norm_([np.ones(2), ro], 1.0)
    with pytest.raises(TypeError, match="clip_grad_value_: .*leaf 0 is Tensor"):
        tg.grad(lambda w: U.clip_grad_value_([w], 1.0) or tg.sum(w))(np.ones(2))
    with pytest.raises(ValueError, match="get_total_norm: norm_type must be a number or 'inf', got nan"):
        U.clip_grad_norm([np.ones(2)], 1.0, norm_type=float("nan"))
    # every order of torch.linalg.vector_norm, as PyTorch's: 0 counts, −inf the smallest
    grads = [np.array([0.0, 2.0, -3.0]), np.array([1.0, 0.0])]
    for p, want in ((0, 2.0), (-np.inf, 0.0), (-2.0, 0.0), (0.5, (np.sqrt(2) + np.sqrt(3) + 1) ** 2)):
        close(U.get_total_norm(grads, p), want)
    with pytest.raises(TypeError, match="clip_grad_value: foreach must be None or a bool"):
        U.clip_grad_value([np.ones(2)], 1.0, foreach="yes")


# ---- parameter vectors and batch-norm fusion ---------------------------------------------------
def test_parameters_vector_round_trip():
    params = {"b": R(3), "W": R(2, 3), "layers": [{"k": R(2, 2, 2)}]}
    vec = U.parameters_to_vector(params)
    assert vec.shape == (17,)
    leaves = tg.tree_leaves(params)
    close(vec, np.concatenate([x.ravel() for x in leaves]))
    back = U.vector_to_parameters(vec, params)
    assert str(tg.tree_flatten(back)[1]) == str(tg.tree_flatten(params)[1])
    for a, b in zip(tg.tree_leaves(back), leaves):
        close(a, b)
    w = R(2, 3)  # (pytree order sorts the keys: "W" comes first)
    J = tg.jacrev(lambda v: tg.sum(U.vector_to_parameters(v, params)["W"] * w))(vec)
    close(J, np.r_[w.ravel(), np.zeros(11)])
    with pytest.raises(ValueError, match=r"vector_to_parameters: vec must be 1-d with 17 entries .*got shape \(16,\)"):
        U.vector_to_parameters(vec[:16], params)
    with pytest.raises(ValueError, match="parameters_to_vector: the pytree has no leaves"):
        U.parameters_to_vector({})


def check(tg_f, jax_f, *arrays):
    """Values and the gradient of Σ out·W (every output, every input) to 1e-12."""
    jax_f = jax.jit(jax_f)
    want = jax_f(*map(jnp.asarray, arrays))
    got = tg_f(*arrays)
    Ws = [R(*np.shape(w)) for w in want]
    for a, b in zip(got, want):
        close(a, b)
    argnums = tuple(range(len(arrays)))
    g = tg.grad(lambda *a: sum(tg.sum(o * w) for o, w in zip(tg_f(*a), Ws)), argnums=argnums)(*arrays)
    jg = jax.jit(jax.grad(lambda *a: sum(jnp.sum(o * w) for o, w in zip(jax_f(*a), Ws)),
                          argnums=argnums))(*map(jnp.asarray, arrays))
    for a, b in zip(g, jg):
        close(a, b)


def test_fuse_conv_and_linear_bn():
    rm, rv, bw, bb = R(4), RNG.uniform(0.5, 2.0, 4), R(4), R(4)
    eps = 1e-3

    def jconv(w, b, rm, rv, bw, bb, axis):
        s = bw / jnp.sqrt(rv + eps)
        shape = [1] * w.ndim
        shape[axis] = -1
        return w * s.reshape(shape), (b - rm) * s + bb
    check(lambda *a: U.fuse_conv_bn_weights(*a[:4], eps, *a[4:]),
          lambda *a: jconv(*a, 0), R(4, 3, 2, 2), R(4), rm, rv, bw, bb)
    check(lambda w, rm, rv: U.fuse_conv_bn_weights(w, None, rm, rv, eps, None, None, transpose=True),
          lambda w, rm, rv: jconv(w, jnp.zeros(4), rm, rv, jnp.ones(4), jnp.zeros(4), 1), R(3, 4, 2), rm, rv)
    check(lambda *a: U.fuse_linear_bn_weights(*a[:4], eps, *a[4:]),
          lambda w, b, rm, rv, bw, bb: (w * (bw / jnp.sqrt(rv + eps))[:, None],
                                        (b - rm) * bw / jnp.sqrt(rv + eps) + bb),
          R(4, 6), R(4), rm, rv, bw, bb)
    lw, lb, t = R(4, 6), R(4), R(4)
    _, dt = tg.jvp(lambda bw: U.fuse_linear_bn_weights(lw, lb, rm, rv, eps, bw, bb)[1], (bw,), (t,))
    close(dt, (lb - rm) / np.sqrt(rv + eps) * t)
    # the fused conv equals conv then batch norm (evaluation mode)
    x, w, b = R(2, 3, 5, 5), R(4, 3, 3, 3), R(4)
    fw, fb = U.fuse_conv_bn_weights(w, b, rm, rv, eps, bw, bb)
    y = tg.nn.batch_norm(tg.nn.conv2d(x, w, b), rm, rv, bw, bb, training=False, eps=eps)
    close(tg.nn.conv2d(x, fw, fb), y)
    with pytest.raises(ValueError, match=r"fuse_conv_bn_weights: bn_rm must have shape \(3,\) .*got \(4,\)"):
        U.fuse_conv_bn_weights(R(3, 3, 2), None, rm, rv, eps, None, None)
    with pytest.raises(ValueError, match=r"fuse_linear_bn_weights: linear_w must be 2-d \(out, in\), got shape \(4,\)"):
        U.fuse_linear_bn_weights(R(4), None, rm, rv, eps, None, None)


# ---- weight_norm and spectral_norm -------------------------------------------------------------
def test_weight_norm():
    conv = tg.nn.Conv2d(3, 4, 3)
    conv.init(0)
    x = R(2, 3, 5, 5)
    wn = U.weight_norm(conv)  # "weight" finds tensorgrad's "W"; norm over all axes but 0
    assert list(wn.params) == ["weight_g", "weight_v", "b"] and wn.params["weight_g"].shape == (4, 1, 1, 1)
    close(wn(x), conv(x))
    g, v = R(4, 1, 1, 1), R(4, 3, 3, 3)
    want_w = jax.jit(lambda g, v: g * v / jnp.sqrt(jnp.sum(v * v, axis=(1, 2, 3), keepdims=True)))
    p = {"weight_g": g, "weight_v": v, "b": conv.params["b"]}
    close(wn._inner(p)["W"], want_w(g, v))
    W = R(4, 3, 3, 3)
    gr = tg.grad(lambda p: tg.sum(wn._inner(p)["W"] * W))(p)
    jg = jax.jit(jax.grad(lambda g, v: jnp.sum(want_w(g, v) * W), argnums=(0, 1)))(g, v)
    close(gr["weight_g"], jg[0])
    close(gr["weight_v"], jg[1])
    # dim=None (or -1): one norm for the whole weight; tg.jit through the wrapper
    lin = tg.nn.Linear(4, 3)
    whole = U.weight_norm(lin, dim=None)
    whole.init(1)
    assert whole.params["weight_g"].shape == ()
    y = tg.jit(whole.apply)(whole.params, R(2, 4))
    assert y.shape == (2, 3)
    back = U.remove_weight_norm(whole)
    assert back is lin and list(back.params) == ["W", "b"]
    close(back.params["W"], whole._inner(whole.params)["W"])
    with pytest.raises(ValueError, match=r"weight_norm: the layer has no parameter 'kernel'; it has \['W', 'b'\]"):
        U.weight_norm(lin, "kernel")
    with pytest.raises(ValueError, match=r"weight_norm: dim must be None or in \[-2, 2\)"):
        U.weight_norm(lin, dim=2)
    with pytest.raises(ValueError, match="remove_weight_norm: weight_norm of 'weight' not found"):
        U.remove_weight_norm(lin)


def test_weight_and_spectral_norm_of_a_linear_read_pytorchs_axes_under_the_name_weight():
    # Linear's W is (in, out), PyTorch's weight transposed: "weight" with dim=0 normalizes per
    # output unit, as torch.nn.utils.weight_norm(nn.Linear(3, 4)) does; "W" counts W's own axes
    lin = tg.nn.Linear(3, 4)
    lin.init(0)
    x = R(5, 3)
    wn = U.weight_norm(lin)
    assert wn.params["weight_g"].shape == (1, 4) and wn.params["weight_v"].shape == (3, 4)
    close(wn(x), lin(x))
    v = R(3, 4)
    p = {"weight_g": np.ones((1, 4)), "weight_v": v, "b": np.zeros(4)}
    W = np.asarray(wn._inner(p)["W"])
    close(np.linalg.norm(W, axis=0), np.ones(4))  # every output unit's weights have norm g = 1
    close(W, v / np.linalg.norm(v, axis=0))
    assert U.weight_norm(lin, dim=1).params["weight_g"].shape == (3, 1)  # per input feature
    assert U.weight_norm(lin, "W").params["W_g"].shape == (3, 1)  # W's own axis 0
    assert U.weight_norm(lin, dim=None).params["weight_g"].shape == ()
    sn = U.spectral_norm(tg.nn.Linear(3, 4))
    sn.init(2)
    assert sn.weight_u.shape == (4,) and sn.weight_v.shape == (3,)  # PyTorch's (out, in) matrix
    w = sn.params["weight_orig"]
    y = sn(x)  # one power-iteration step on the (out, in) matrix w.T, then W / (u . w.T v)
    u, v = sn.weight_u, sn.weight_v
    close(y, x @ (w / (u @ (w.T @ v))) + sn.params["b"])


def test_parametrizations_names_remove_parametrizations_and_the_computed_weight():
    P, PZ = U.parametrizations, U.parametrize
    conv = tg.nn.Conv1d(3, 4, 3)
    conv.init(0)
    x = R(2, 3, 7)
    wn = P.weight_norm(conv)
    assert isinstance(wn, U.WeightNorm) and wn.params["weight_g"].shape == (4, 1, 1)
    close(wn(x), conv(x))
    close(wn.weight, conv.params["W"])  # the computed weight, as PyTorch's module.weight
    assert PZ.is_parametrized(wn) and PZ.is_parametrized(wn, "weight")
    assert not PZ.is_parametrized(wn, "bias") and not PZ.is_parametrized(conv)
    with pytest.raises(ValueError, match="two tensors"):
        PZ.remove_parametrizations(wn, "weight", leave_parametrized=False)
    assert PZ.remove_parametrizations(wn, "weight") is conv
    with pytest.raises(ValueError, match="no parametrization on 'weight'"):
        PZ.remove_parametrizations(conv, "weight")
    # spectral normalization starts u, v with 15 power iterations, as PyTorch's newer form does
    lin = tg.nn.Linear(3, 4)
    q1, _ = np.linalg.qr(R(3, 3))
    q2, _ = np.linalg.qr(R(4, 4))
    W = q1 @ np.diag([3.0, 1.0, 0.5]) @ q2[:3]  # singular values 3, 1, 0.5
    lin.params = {"W": W, "b": np.zeros(4)}
    sn = P.spectral_norm(lin)
    close(np.linalg.svd(np.asarray(sn.weight), compute_uv=False), [1.0, 1 / 3, 1 / 6])
    close(sn.weight_u @ W.T @ sn.weight_v, 3.0)  # (u, v: PyTorch's (out, in) matrix W.T)
    old = U.spectral_norm(tg.nn.Linear(3, 4))  # the older form starts from the random vectors
    assert type(old) is U.SpectralNorm
    back = PZ.remove_parametrizations(sn, "weight", leave_parametrized=False)
    assert back is lin
    close(back.params["W"], W)


def test_spectral_norm():
    conv = tg.nn.Conv2d(2, 3, 3)
    sn = U.spectral_norm(conv, n_power_iterations=2)
    sn.init(4)
    assert list(sn.params) == ["weight_orig", "b"] and set(sn.named_buffers().keys()) == {"weight_u", "weight_v"}
    w = sn.params["weight_orig"]
    m = w.reshape(3, -1)
    u, v = sn.weight_u.copy(), sn.weight_v.copy()
    for _ in range(2):  # PyTorch's power iteration, in NumPy
        v = m.T @ u / max(np.linalg.norm(m.T @ u), 1e-12)
        u = m @ v / max(np.linalg.norm(m @ v), 1e-12)
    x = R(1, 2, 5, 5)
    y = sn(x)
    close(sn.weight_u, u)
    close(sn.weight_v, v)
    ref = jax.jit(lambda w, u, v: w / (u @ (w.reshape(3, -1) @ v)))
    close(y, conv.apply({"W": ref(w, u, v), "b": sn.params["b"]}, x))
    # evaluation mode: u, v are constants (stored), the gradient flows through W only
    sn.eval()
    W = R(3, 2, 3, 3)
    gr = tg.grad(lambda p: tg.sum(sn._inner(p)["W"] * W))(sn.params)
    jg = jax.jit(jax.grad(lambda w: jnp.sum(ref(w, u, v) * W)))(w)
    close(gr["weight_orig"], jg)
    close(sn.weight_u, u)  # no update in evaluation mode
    # training under tg.jit: each run of the plan iterates from the stored u
    sn.train()
    f = tg.jit(lambda p, x: sn.apply(p, x))
    f(sn.params, x)
    f(sn.params, x)
    for _ in range(4):
        v = m.T @ u / np.linalg.norm(m.T @ u)
        u = m @ v / np.linalg.norm(m @ v)
    close(sn.weight_u, u)
    assert 0.95 < (u @ m @ v) / np.linalg.svd(m, compute_uv=False)[0] <= 1 + 1e-12
    back = U.remove_spectral_norm(sn)
    assert back is conv
    close(back.params["W"], ref(w, u, v))
    assert U.spectral_norm(tg.nn.ConvTranspose2d(2, 3, 3)).dim == 1
    with pytest.raises(ValueError, match="spectral_norm: n_power_iterations must be a non-negative integer, got -1"):
        U.spectral_norm(conv, n_power_iterations=-1)


# ---- rnn.pad_sequence ---------------------------------------------------------------------------
def test_pad_and_unpad_sequence():
    seqs = [R(2, 3), R(4, 3), R(1, 3)]
    out = U.rnn.pad_sequence(seqs)
    assert out.shape == (4, 3, 3)
    for b, s in enumerate(seqs):
        close(out[:len(s), b], s)
        assert (out[len(s):, b] == 0).all()
    left = U.rnn.pad_sequence(seqs, batch_first=True, padding_value=-1.0, padding_side="left")
    assert left.shape == (3, 4, 3)
    for b, s in enumerate(seqs):
        close(left[b, 4 - len(s):], s)
        assert (left[b, :4 - len(s)] == -1).all()
    for bf in (False, True):
        back = U.rnn.unpad_sequence(U.rnn.pad_sequence(seqs, batch_first=bf), [2, 4, 1], batch_first=bf)
        for a, b in zip(back, seqs):
            close(a, b)
    W = R(3, 4, 3)
    g = tg.grad(lambda a, b, c: tg.sum(U.rnn.pad_sequence([a, b, c], batch_first=True) * W),
                argnums=(0, 1, 2))(*seqs)
    for i, s in enumerate(seqs):
        close(g[i], W[i, :len(s)])
    vm = tg.vmap(lambda a: U.rnn.pad_sequence([a, seqs[1]]))(np.stack([seqs[0]] * 2))
    close(vm[1], U.rnn.pad_sequence([seqs[0], seqs[1]]))
    with pytest.raises(ValueError, match=r"pad_sequence: .*equal trailing shapes, got shapes \[\(2, 3\), \(2, 4\)\]"):
        U.rnn.pad_sequence([R(2, 3), R(2, 4)])
    with pytest.raises(ValueError, match="pad_sequence: padding_side must be 'right' or 'left', got 'both'"):
        U.rnn.pad_sequence(seqs, padding_side="both")
    with pytest.raises(ValueError, match=r"unpad_sequence: lengths must be 3 integers in \[0, 4\]"):
        U.rnn.unpad_sequence(out, [2, 5, 1])


def test_in_place_initializers_fill_a_tensor_of_the_imperative_tape():
    # PyTorch's `with torch.no_grad(): init.normal_(w)` on a leaf that requires grad
    w = tg.tensor(np.zeros((3, 4)), requires_grad=True)
    assert init.normal_(w, generator=0) is w and w.requires_grad and w.is_leaf
    np.testing.assert_array_equal(w.detach().numpy(), init.normal_(np.zeros((3, 4)), generator=0))
    init.ones_(w)
    (w * 2).sum().backward()
    assert w.detach().numpy().tolist() == [[1.0] * 4] * 3 and w.grad.tolist() == [[2.0] * 4] * 3
    with pytest.raises(TypeError, match="traced by a transform cannot be filled"):
        tg.grad(lambda v: tg.sum(init.normal_(v)))(np.ones(2))


def test_clip_grad_functions_take_pytorchs_parameters_keyword():
    p = tg.tensor(np.ones(3), requires_grad=True)
    tg.sum(p * p * 10).backward()
    total = tg.nn.utils.clip_grad_norm_(parameters=[p], max_norm=1.0)
    np.testing.assert_allclose(total, np.sqrt(3) * 20)
    np.testing.assert_allclose(np.linalg.norm(p.grad), 1.0, rtol=1e-5)
    tg.nn.utils.clip_grad_value_(parameters=[p], clip_value=0.1)
    np.testing.assert_array_equal(p.grad, 0.1)
    # a .grad assigned a tensor by hand (PyTorch allows it; the optimizers read it) is clipped
    # in place too; it was refused as "not a writable NumPy array"
    p.grad = tg.tensor(np.array([3.0, 4.0, 0.0]))
    assert tg.nn.utils.clip_grad_norm_([p], 1.0) == 5.0
    np.testing.assert_allclose(np.asarray(p.grad), [0.6, 0.8, 0.0], rtol=1e-5)
    p.grad = tg.tensor(np.array([3.0, -4.0, 0.5]))
    tg.nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(np.asarray(p.grad), [1.0, -1.0, 0.5])


def test_clip_grad_of_a_model_with_a_frozen_layer_skips_it_as_pytorch():
    tg.manual_seed(0)  # (parameters whose hidden units are not all dead at this input: a gradient)
    net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2)).requires_grad_()
    net[0].requires_grad_(False)
    tg.sum(net(tg.tensor(np.ones((2, 3)))) ** 2).backward()
    grads = [p.grad.copy() for p in net.parameters()[2:]]
    total = tg.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    np.testing.assert_allclose(total, np.sqrt(sum(np.sum(g * g) for g in grads)), rtol=1e-13)
    np.testing.assert_allclose(np.sqrt(sum(np.sum(p.grad ** 2) for p in net.parameters()[2:])), 1.0,
                               rtol=1e-5)
    tg.nn.utils.clip_grad_value_(net.parameters(), 0.01)
    assert all(np.abs(p.grad).max() <= 0.01 for p in net.parameters()[2:])
    assert net.parameters()[0].grad is None


@pytest.mark.parametrize("as_tensors", [False, True])
@pytest.mark.parametrize("fill, mode, fan", [(init.kaiming_normal_, "fan_in", 400),
                                             (init.kaiming_uniform_, "fan_in", 400),
                                             (init.kaiming_normal_, "fan_out", 8)])
def test_a_linear_weight_is_filled_with_pytorchs_fans(as_tensors, fill, mode, fan):
    # linear.W is (in, out), PyTorch's weight transposed: an initializer given it fills it as
    # PyTorch's weight, so fan_in is in_features (it used to read out_features)
    layer = tg.nn.Linear(400, 8)
    layer.init(0)
    if as_tensors:
        layer.requires_grad_()
    fill(layer.W, mode=mode, nonlinearity="relu", generator=np.random.default_rng(1))
    w = np.asarray(tg.stop_gradient(layer.W))
    assert w.shape == (400, 8)
    std = np.sqrt(2.0 / fan)
    assert abs(w.std() - std) < 0.1 * std
    for p in layer.parameters():  # the arrays (or tensors) parameters() hands out, too
        if np.ndim(p) == 2:
            init.kaiming_normal_(p, generator=np.random.default_rng(2))
    w = np.asarray(tg.stop_gradient(layer.W))
    assert abs(w.std() - np.sqrt(2.0 / 400)) < 0.1 * np.sqrt(2.0 / 400)


class _Holder(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tg.nn.Linear(400, 8)

    def forward(self, x):
        return self.fc(x)


def _weights_by_every_route():
    """(name, model, weight getter, the arrays an initializer is given) for a Linear(400, 8)
    reached as PyTorch code reaches a weight."""
    seq = tg.nn.Sequential(tg.nn.Linear(400, 8), tg.nn.ReLU())
    net, named, bare, data = _Holder(), _Holder(), tg.nn.Linear(400, 8), tg.nn.Linear(400, 8)
    for m in (seq, net, named, bare, data):
        m.init(0)
    data.requires_grad_()
    return [("Sequential.parameters()", lambda: seq[0].W, lambda: seq.parameters()),
            ("a Module's parameters()", lambda: net.fc.W, lambda: net.parameters()),
            ("named_parameters()", lambda: named.fc.W, lambda: [p for _, p in named.named_parameters()]),
            ("state_dict()", lambda: bare.W, lambda: list(bare.state_dict().values())),
            ("W.data of a tensor", lambda: data.W, lambda: [data.W.data])]


@pytest.mark.parametrize("route", range(5))
def test_a_linear_weight_reached_through_a_model_is_filled_with_pytorchs_fans(route):
    # (for p in model.parameters(): kaiming_(p) took fan_in = out_features for a Linear
    # inside a container, a state_dict's entry or a tensor's .data)
    name, weight, arrays = _weights_by_every_route()[route]
    for p in arrays():
        if np.ndim(p) == 2:
            init.kaiming_uniform_(p, a=math.sqrt(5), generator=np.random.default_rng(3))
    w = np.asarray(tg.stop_gradient(weight()))
    assert w.shape == (400, 8)
    bound = 1 / math.sqrt(400)  # PyTorch's: gain √(2/(1 + 5)) · √(3/fan_in)
    assert 0.95 * bound < np.abs(w).max() <= bound, name


def test_a_linear_weights_transpose_and_other_arrays_keep_the_plain_rule():
    layer = tg.nn.Linear(400, 8)
    layer.init(0)
    init.kaiming_normal_(layer.W.T, generator=np.random.default_rng(1))  # (out, in): PyTorch's
    assert abs(np.asarray(layer.W).std() - np.sqrt(2 / 400)) < 0.1 * np.sqrt(2 / 400)
    a = np.zeros((400, 8))  # not a layer's: shape[1] is fan_in, as in PyTorch
    init.kaiming_normal_(a, generator=np.random.default_rng(1))
    assert abs(a.std() - np.sqrt(2 / 8)) < 0.1 * np.sqrt(2 / 8)
    square = tg.nn.Linear(5, 3)
    square.init(0)
    init.eye_(square.W)  # PyTorch's eye on the (3, 5) weight, transposed
    np.testing.assert_array_equal(square.W, np.eye(3, 5).T)
    init.orthogonal_(square.W, generator=np.random.default_rng(0))
    np.testing.assert_allclose(np.asarray(square.W).T @ np.asarray(square.W), np.eye(3), atol=1e-12)


def test_a_missing_parameter_attribute_names_the_attributes_that_hold_them():
    layer = tg.nn.Linear(3, 2)
    layer.init(0)
    with pytest.raises(AttributeError, match=r"layer\.params\[name\], layer\.W, layer\.bias$"):
        layer.b  # noqa: B018
    with pytest.raises(AttributeError, match="nn.init's functions fill it with PyTorch's fans"):
        layer.weight  # noqa: B018


def test_weight_norm_over_the_whole_weight_has_a_trainable_0d_magnitude():
    x = tg.tensor(np.random.default_rng(0).normal(size=(2, 3)))
    for make in (tg.nn.utils.weight_norm, tg.nn.utils.parametrizations.weight_norm):
        m = make(tg.nn.Linear(3, 4), dim=None)
        m.init(0)
        g0 = float(m.get_parameter("weight_g"))
        assert type(m.params["weight_g"]) is np.ndarray and np.shape(m.params["weight_g"]) == ()
        opt = tg.optim.SGD(m.parameters(), lr=0.1)  # (a NumPy scalar was refused here)
        (m(x) ** 2).sum().backward()
        g = m.get_parameter("weight_g")
        assert g.grad is not None and np.shape(g.grad) == () and g.grad != 0
        opt.step()
        assert float(m.get_parameter("weight_g")) == pytest.approx(g0 - 0.1 * float(g.grad))


def test_get_buffer_as_pytorch():
    m = tg.nn.Sequential(tg.nn.BatchNorm1d(3))
    m.init(0)
    np.testing.assert_array_equal(m.get_buffer("0.running_var"), np.ones(3))
    with pytest.raises(AttributeError, match="no buffer '0.weight'.*0.running_mean"):
        m.get_buffer("0.weight")
