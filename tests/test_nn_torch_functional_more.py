"""torch.nn.functional's multi_head_attention_forward, linear_cross_entropy, conv_tbc and the
fractional max poolings, and the Modules LinearCrossEntropyLoss and FractionalMaxPool2d/3d
(tensorgrad/nn/torch_functional_more.py, torch_modules_extra.py): values against NumPy
references written from the definitions, gradients against central differences, a second
derivative, tg.nn.MultiheadAttention agreement, randomness through keys, and the errors."""
import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

RNG = np.random.default_rng(2024)
F = tg.nn


def R(*shape):
    return RNG.normal(size=shape)


def A(x):
    return np.asarray(x)


# ---- fractional max pooling: NumPy reference --------------------------------------------------
def ref_starts(n, k, m, u, dt):
    """Window starts along one axis from the formula (computed in dtype dt)."""
    if m == 1:
        return [n - k]
    alpha = dt(n - k) / dt(m - 1)
    return [int(dt(dt(i) + dt(u)) * alpha) - int(dt(u) * alpha) for i in range(m - 1)] + [n - k]


def ref_fractional(x, k, out, s):
    """(values, indices) for x (N, C, *spatial); s (N, C, nd); 2-d: column 0 for W, 1 for H;
    3-d: columns 0, 1, 2 for D, H, W."""
    nd = len(k)
    cols = (1, 0) if nd == 2 else (0, 1, 2)
    dt = x.dtype.type
    sizes = x.shape[2:]
    vals = np.zeros(x.shape[:2] + tuple(out), x.dtype)
    idx = np.zeros(x.shape[:2] + tuple(out), np.int64)
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            starts = [ref_starts(sizes[a], k[a], out[a], s[b, c, cols[a]], dt) for a in range(nd)]
            for o in np.ndindex(*out):
                best, where = -np.inf, None
                for t in np.ndindex(*k):  # row-major order: the first maximum wins
                    pos = tuple(starts[a][o[a]] + t[a] for a in range(nd))
                    if where is None or x[(b, c) + pos] > best:
                        best, where = x[(b, c) + pos], pos
                vals[(b, c) + o] = best
                idx[(b, c) + o] = np.ravel_multi_index(where, sizes)
    return vals, idx


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", [((2, 3, 9, 8), (2, 3), (4, 5)), ((1, 2, 5, 5), 2, 4),
                                  ((1, 1, 6, 7), (3, 1), (1, 7)), ((2, 2, 7, 6, 8), 2, (3, 4, 5)),
                                  ((1, 1, 5, 5, 5), (1, 2, 3), 3)])
def test_fractional_max_pool_values_and_indices(dtype, case):
    shape, k, out = case
    nd = len(shape) - 2
    x = R(*shape).astype(dtype)
    x[..., 0] = np.round(x[..., 0])  # some ties
    s = RNG.random((shape[0], shape[1], nd)).astype(dtype)
    s[0, 0] = 0.0
    fn = F.fractional_max_pool2d if nd == 2 else F.fractional_max_pool3d
    y, i = fn(x, k, output_size=out, return_indices=True, _random_samples=s)
    kk = k if isinstance(k, tuple) else (k,) * nd
    oo = out if isinstance(out, tuple) else (out,) * nd
    vy, vi = ref_fractional(x, kk, oo, s)
    assert A(y).dtype == dtype and A(i).dtype == np.int64
    np.testing.assert_array_equal(A(y), vy)
    np.testing.assert_array_equal(A(i), vi)
    # the *_with_indices spelling and the values-only call agree
    wi = F.fractional_max_pool2d_with_indices if nd == 2 else F.fractional_max_pool3d_with_indices
    y2, i2 = wi(x, k, out, None, False, s)
    np.testing.assert_array_equal(A(y2), vy)
    np.testing.assert_array_equal(A(i2), vi)
    np.testing.assert_array_equal(A(fn(x, k, output_size=out, _random_samples=s)), vy)


def test_fractional_max_pool_ratio_unbatched_and_extra_samples():
    x = R(3, 9, 8)
    s = RNG.random((1, 3, 2))
    y, i = F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.75), return_indices=True,
                                   _random_samples=s)
    vy, vi = ref_fractional(x[None], (2, 2), (4, 6), s)
    np.testing.assert_array_equal(A(y), vy[0])
    np.testing.assert_array_equal(A(i), vi[0])
    xb = R(2, 3, 7, 7)
    s4 = RNG.random((4, 3, 2))  # more rows than the batch: the first N are used
    np.testing.assert_array_equal(
        A(F.fractional_max_pool2d(xb, 3, output_size=3, _random_samples=s4)),
        ref_fractional(xb, (3, 3), (3, 3), s4[:2])[0])


def test_fractional_max_pool_nan_wins_with_the_last_index():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = np.nan
    y, i = F.fractional_max_pool2d(x, 2, output_size=2, return_indices=True,
                                   _random_samples=np.full((1, 1, 2), 0.3))
    assert np.isnan(A(y)[0, 0, 0, 0]) and A(i)[0, 0, 0, 0] == 5
    assert A(i)[0, 0, 1, 1] == 10  # a tie of zeros: the window's first entry


def test_fractional_max_pool_gradient_and_key():
    x = R(1, 2, 6, 7)
    s = RNG.random((1, 2, 2))
    w = R(1, 2, 3, 4)

    def f(a):
        return tg.sum(F.fractional_max_pool2d(a, (2, 3), output_size=(3, 4), _random_samples=s)
                      * w)
    np.testing.assert_allclose(A(tg.grad(f)(x)), central_difference_gradient(
        lambda a: float(A(f(a))), x), atol=1e-8)
    # ties: the gradient goes to the first maximal entry of the window, as max_pool2d's
    z = np.zeros((1, 1, 2, 2))
    g = tg.grad(lambda a: tg.sum(F.fractional_max_pool2d(a, 2, output_size=1,
                                                         _random_samples=np.zeros((1, 1, 2)))))(z)
    np.testing.assert_array_equal(A(g), A(tg.grad(lambda a: tg.sum(F.max_pool2d(a, 2)))(z)))
    # draws from a key: reproducible, and the windows those draws give
    k = tg.random.PRNGKey(3)
    x3 = R(2, 1, 6, 6, 6)
    y1, i1 = F.fractional_max_pool3d(x3, 2, output_size=3, return_indices=True, key=k)
    u = A(tg.random.uniform(k, (2, 1, 3), np.float64))
    y, i = F.fractional_max_pool3d(x3, 2, output_size=3, return_indices=True, key=k)
    np.testing.assert_array_equal(A(i), ref_fractional(x3, (2, 2, 2), (3, 3, 3), u)[1])
    np.testing.assert_array_equal(A(i), A(i1))  # same key, same windows
    jitted = tg.jit(lambda a, kk: F.fractional_max_pool3d(a, 2, output_size=3, key=kk))
    np.testing.assert_array_equal(A(jitted(x3, k)), A(y))


def test_fractional_max_pool_errors():
    x = R(1, 2, 5, 5)
    s = RNG.random((1, 2, 2))
    with pytest.raises(ValueError, match="kernel_size .*too large.*5, 5"):
        F.fractional_max_pool2d(x, 6, output_size=1, _random_samples=s)
    with pytest.raises(ValueError, match="output \\+ kernel - 1 = 6 > 5"):
        F.fractional_max_pool2d(x, 2, output_size=5, _random_samples=s)
    with pytest.raises(ValueError, match="output_ratio must be in \\(0, 1\\], got 1.5"):
        F.fractional_max_pool2d(x, 2, output_ratio=1.5, _random_samples=s)
    with pytest.raises(ValueError, match="output_ratio must be a number or a sequence of 2"):
        F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5), _random_samples=s)
    with pytest.raises(ValueError, match="either output_size or output_ratio"):
        F.fractional_max_pool2d(x, 2, _random_samples=s)
    with pytest.raises(ValueError, match=r"_random_samples of shape \(1, 3, 2\)"):
        F.fractional_max_pool2d(x, 2, output_size=3, _random_samples=RNG.random((1, 3, 2)))
    with pytest.raises(ValueError, match="key=tg.random.PRNGKey"):
        F.fractional_max_pool2d(x, 2, output_size=3)
    with pytest.raises(ValueError, match=r"input of shape \(5, 5\)"):
        F.fractional_max_pool2d(x[0, 0], 2, output_size=3, _random_samples=s)
    with pytest.raises(TypeError, match="must be floating, got dtype int64"):
        F.fractional_max_pool2d(np.arange(25).reshape(1, 1, 5, 5), 2, output_size=3,
                                _random_samples=s[:, :1])
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        F.FractionalMaxPool2d(2, output_ratio=1.0)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        F.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5)


def test_fractional_max_pool_modules_draw_like_dropout():
    x = R(2, 3, 9, 9)
    fixed = RNG.random((2, 3, 2))
    m = F.FractionalMaxPool2d(2, output_size=4, _random_samples=fixed)
    np.testing.assert_array_equal(A(m(x)), ref_fractional(x, (2, 2), (4, 4), fixed)[0])
    np.testing.assert_array_equal(A(m(x)), A(m(x)))  # fixed samples: the same windows
    assert "_random_samples" in dict(m.named_buffers())
    k = tg.random.PRNGKey(7)
    m = F.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True, seed=1)
    np.testing.assert_array_equal(A(m(x, key=k)[1]),
                                  A(F.fractional_max_pool2d(x, 2, output_size=4, key=k,
                                                            return_indices=True)[1]))
    i1, i2 = A(m(x)[1]), A(m(x)[1])  # the layer's own stream: a new draw per call
    assert m.count == 2 and not np.array_equal(i1, i2)
    u = A(tg.random.uniform(tg.random.fold_in(tg.random.PRNGKey(1), 0), (2, 3, 2), np.float64))
    np.testing.assert_array_equal(i1, ref_fractional(x, (2, 2), (4, 4), u)[1])
    seq = F.Sequential(F.FractionalMaxPool3d(2, output_size=2), F.Flatten())
    seq.init(3)
    assert seq.layers[0].count == 0 and A(seq(R(2, 1, 5, 5, 5))).shape == (2, 8)


# ---- multi_head_attention_forward -------------------------------------------------------------
def softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def ref_mha(q, k, v, E, H, wq, wk, wv, b, bias_k, bias_v, zero_attn, wo, bo, kpm=None,
            am=None, static_k=None, static_v=None):
    """(output (L, N, out), weights (N, H, L, S)) from the projection formulas (batched)."""
    L, N, _ = q.shape
    hd = E // H
    bq, bk, bv = (np.zeros(E),) * 3 if b is None else np.split(b, 3)
    Q = (q @ wq.T + bq).reshape(L, N * H, hd).transpose(1, 0, 2)
    K = k @ wk.T + bk
    V = v @ wv.T + bv
    if bias_k is not None:
        K = np.concatenate([K, np.broadcast_to(bias_k.reshape(1, 1, E), (1, N, E))])
        V = np.concatenate([V, np.broadcast_to(bias_v.reshape(1, 1, E), (1, N, E))])
    K = K.reshape(-1, N * H, hd).transpose(1, 0, 2) if static_k is None else static_k
    V = V.reshape(-1, N * H, hd).transpose(1, 0, 2) if static_v is None else static_v
    if zero_attn:
        K = np.concatenate([K, np.zeros((N * H, 1, hd))], 1)
        V = np.concatenate([V, np.zeros((N * H, 1, hd))], 1)
    S = K.shape[1]
    logits = Q @ K.transpose(0, 2, 1) / math.sqrt(hd)
    add = np.zeros((N * H, L, S))
    if am is not None:
        m = np.where(am, -np.inf, 0.0) if am.dtype == bool else am
        m = m if m.ndim == 3 else m[None]
        add = add + np.pad(m, [(0, 0), (0, 0), (0, S - m.shape[-1])])
    if kpm is not None:
        m = np.where(kpm, -np.inf, 0.0) if kpm.dtype == bool else kpm
        m = np.pad(m, [(0, 0), (0, S - m.shape[-1])])
        add = add + np.repeat(m, H, axis=0)[:, None, :]
    w = softmax(logits + add)
    o = (w @ V).transpose(1, 0, 2).reshape(L, N, E) @ wo.T
    return (o if bo is None else o + bo), w.reshape(N, H, L, S)


def mha_args(E=4, H=2, L=3, S=5, N=2):
    return dict(q=R(L, N, E), k=R(S, N, E), v=R(S, N, E), w=R(3 * E, E), b=R(3 * E),
                wo=R(E, E), bo=R(E))


@pytest.mark.parametrize("variant", ["plain", "bool2d", "float3d", "kpm_bool", "kpm_float",
                                     "bias_kv", "zero_attn", "static", "separate", "unbatched"])
def test_mha_forward_against_the_formulas(variant):
    E, H, L, S, N = 6, 3, 3, 4, 2
    p = mha_args(E, H, L, S, N)
    q, k, v, w, b, wo, bo = (p[n] for n in ("q", "k", "v", "w", "b", "wo", "bo"))
    wq, wk, wv = np.split(w, 3)
    kw, rk = {}, {}
    bias_k = bias_v = None
    zero = False
    if variant == "bool2d":
        am = RNG.random((L, S)) < 0.4
        am[:, 0] = False
        kw["attn_mask"] = rk["am"] = am
    elif variant == "float3d":
        kw["attn_mask"] = rk["am"] = R(N * H, L, S)
    elif variant == "kpm_bool":
        kpm = np.zeros((N, S), bool)
        kpm[:, -2:] = True
        kw["key_padding_mask"] = rk["kpm"] = kpm
        kw["attn_mask"] = rk["am"] = R(L, S)
    elif variant == "kpm_float":
        kw["key_padding_mask"] = rk["kpm"] = R(N, S)
    elif variant == "bias_kv":
        bias_k, bias_v = R(1, 1, E), R(1, 1, E)
        kw["key_padding_mask"] = rk["kpm"] = RNG.random((N, S)) < 0.5
    elif variant == "zero_attn":
        zero = True
        kw["attn_mask"] = rk["am"] = RNG.random((N * H, L, S)) < 0.5
    elif variant == "static":
        kw["static_k"] = rk["static_k"] = R(N * H, S, E // H)
        kw["static_v"] = rk["static_v"] = R(N * H, S, E // H)
    if variant == "separate":
        k, v = R(S, N, 2), R(S, N, 5)
        wk, wv = R(E, 2), R(E, 5)
        kw.update(use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
                  v_proj_weight=wv)
        w = None
    want_o, want_w = ref_mha(q, k, v, E, H, wq, wk, wv, b, bias_k, bias_v, zero, wo, bo, **rk)
    if variant == "unbatched":
        o, aw = F.multi_head_attention_forward(q[:, 0], k[:, 0], v[:, 0], E, H, w, b, None,
                                               None, False, 0.0, wo, bo,
                                               average_attn_weights=False)
        np.testing.assert_allclose(A(o), want_o[:, 0], atol=1e-12)
        np.testing.assert_allclose(A(aw), want_w[0], atol=1e-12)
        return
    o, aw = F.multi_head_attention_forward(q, k, v, E, H, w, b, bias_k, bias_v, zero, 0.0, wo,
                                           bo, **kw)
    np.testing.assert_allclose(A(o), want_o, atol=1e-12)
    np.testing.assert_allclose(A(aw), want_w.mean(1), atol=1e-12)
    o2, none = F.multi_head_attention_forward(q, k, v, E, H, w, b, bias_k, bias_v, zero, 0.0,
                                              wo, bo, need_weights=False, **kw)
    assert none is None
    np.testing.assert_allclose(A(o2), want_o, atol=1e-12)


def test_mha_matches_the_module_and_odd_biases():
    E, H = 4, 2
    mha = F.MultiheadAttention(E, H, add_bias_kv=True, add_zero_attn=True)
    prm = mha.init(0)
    prm = tg.tree_util.tree_map(lambda a: a + R(*np.shape(a)) * 0.1, prm)
    q, k = R(3, 2, E), R(4, 2, E)
    mask = RNG.random((3, 4)) < 0.3
    want = mha.apply(prm, q, k, k, attn_mask=mask, average_attn_weights=False)
    got = F.multi_head_attention_forward(
        q, k, k, E, H, prm["in_proj_weight"], prm["in_proj_bias"], prm["bias_k"],
        prm["bias_v"], True, 0.0, prm["out_proj"]["weight"], prm["out_proj"]["bias"],
        attn_mask=mask, average_attn_weights=False)
    for a, b in zip(got, want):
        np.testing.assert_allclose(A(a), A(b), atol=1e-13)
    # no in_proj_bias but an out_proj_bias, and a non-square out_proj (E -> 5)
    wo, bo = R(5, E), R(5)
    o, _ = F.multi_head_attention_forward(q, k, k, E, H, prm["in_proj_weight"], None, None,
                                          None, False, 0.0, wo, bo)
    wq, wk, wv = np.split(prm["in_proj_weight"], 3)
    np.testing.assert_allclose(A(o), ref_mha(q, k, k, E, H, wq, wk, wv, None, None, None,
                                             False, wo, bo)[0], atol=1e-12)


def test_mha_dropout_uses_the_key():
    E, H = 4, 2
    p = mha_args(E, H)
    args = (p["q"], p["k"], p["v"], E, H, p["w"], p["b"], None, None, False)
    plain = A(F.multi_head_attention_forward(*args, 0.0, p["wo"], p["bo"],
                                             average_attn_weights=False)[1])
    key = tg.random.PRNGKey(0)
    o1, w1 = F.multi_head_attention_forward(*args, 0.4, p["wo"], p["bo"], dropout_key=key,
                                            average_attn_weights=False)
    o2, _ = F.multi_head_attention_forward(*args, 0.4, p["wo"], p["bo"], dropout_key=key)
    np.testing.assert_array_equal(A(o1), A(o2))
    w1 = A(w1)
    kept = w1 != 0
    assert kept.any() and (~kept).any()
    np.testing.assert_allclose(w1[kept], plain[kept] / 0.6, rtol=1e-12)
    off = F.multi_head_attention_forward(*args, 0.4, p["wo"], p["bo"], training=False)[1]
    np.testing.assert_allclose(A(off), plain.mean(1), atol=1e-14)
    tg.manual_seed(11)  # without dropout_key: PyTorch's global generator, tg.manual_seed's stream
    def weights():
        return A(F.multi_head_attention_forward(*args, 0.4, p["wo"], p["bo"], average_attn_weights=False)[1])
    w3, w4 = weights(), weights()
    tg.manual_seed(11)
    np.testing.assert_array_equal(weights(), w3)
    assert ((w3 != 0) != (w4 != 0)).any()  # each call draws anew
    np.testing.assert_allclose(w3[w3 != 0], plain[w3 != 0] / 0.6, rtol=1e-12)


def test_mha_gradients_and_second_derivative():
    E, H = 4, 2
    p = mha_args(E, H, L=2, S=3, N=1)
    am = np.array([[False, True, False], [False, False, False]])

    def f(q, w):
        o, aw = F.multi_head_attention_forward(q, p["k"], p["v"], E, H, w, p["b"], None, None,
                                               False, 0.0, p["wo"], p["bo"], attn_mask=am)
        return tg.sum(tg.sin(o)) + tg.sum(aw * aw)
    gq, gw = tg.grad(f, argnums=(0, 1))(p["q"], p["w"])
    np.testing.assert_allclose(A(gq), central_difference_gradient(
        lambda a: float(A(f(a, p["w"]))), p["q"]), atol=1e-8)
    np.testing.assert_allclose(A(gw), central_difference_gradient(
        lambda a: float(A(f(p["q"], a))), p["w"]), atol=1e-8)
    # the Hessian in q against central differences of the (exact) gradient
    hess = A(tg.hessian(lambda a: f(a, p["w"]))(p["q"])).reshape(p["q"].size, -1)
    g = tg.grad(lambda a: f(a, p["w"]))
    fd = np.stack([central_difference_gradient(lambda a, i=i: A(g(a)).ravel()[i], p["q"]).ravel()
                   for i in range(p["q"].size)])
    np.testing.assert_allclose(hess, fd, atol=1e-7)
    # the imperative tape
    t = tg.tensor(p["q"], requires_grad=True)
    f(t, p["w"]).backward()
    np.testing.assert_allclose(A(t.grad), A(gq), atol=1e-13)


def test_mha_errors():
    E, H = 4, 2
    p = mha_args(E, H)
    base = (p["w"], p["b"], None, None, False, 0.0, p["wo"], p["bo"])
    with pytest.raises(ValueError, match="expecting embedding dimension of 6, but query of "
                                         r"shape \(3, 2, 4\) has 4"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], 6, H, *base)
    with pytest.raises(ValueError, match="embed_dim 4 not divisible by num_heads 3"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, 3, *base)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) must be \(L, S\) = "
                                         r"\(3, 5\)"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, *base,
                                       attn_mask=np.zeros((3, 4), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(5,\) must be \(N, S\)"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, *base,
                                       key_padding_mask=np.zeros(5, bool))
    with pytest.raises(TypeError, match="attn_mask must be boolean or floating, got dtype int"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, *base,
                                       attn_mask=np.zeros((3, 5), int))
    with pytest.raises(ValueError, match="in_proj_weight must have shape \\(12, 4\\)"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, R(4, 4), *base[1:])
    with pytest.raises(ValueError, match="static_k must be"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, *base,
                                       static_k=R(2, 5, 2))
    with pytest.raises(ValueError, match="bias_k and bias_v must be given together"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, p["w"], p["b"],
                                       R(1, 1, E), None, False, 0.0, p["wo"], p["bo"])
    with pytest.raises(ValueError, match="is_causal=True"):
        F.multi_head_attention_forward(p["q"], p["k"], p["v"], E, H, *base, is_causal=True)


# ---- linear_cross_entropy ---------------------------------------------------------------------
def ref_ce(logits, target, weight=None, reduction="mean", ignore=-100, eps=0.0):
    """Cross-entropy over axis 1 ((N, C, ...) logits) from its definition."""
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    C = logits.shape[1]
    w = np.ones(C) if weight is None else weight
    wb = w.reshape((1, C) + (1,) * (logits.ndim - 2))
    if target.dtype.kind == "f":
        q = target * (1 - eps) + eps / C
        loss = -(q * logp * wb).sum(1)
        return {"none": loss, "sum": loss.sum(), "mean": loss.sum() / loss.size}[reduction]
    keep = target != ignore
    t = np.where(keep, target, 0)
    picked = np.take_along_axis(logp, t[:, None], 1)[:, 0]
    wt = w[t] * keep
    loss = -(1 - eps) * picked * wt - eps / C * (logp * wb).sum(1) * keep
    return {"none": loss, "sum": loss.sum(), "mean": loss.sum() / wt.sum()}[reduction]


@pytest.mark.parametrize("extra", [(), (3,), (2, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_linear_cross_entropy(extra, reduction):
    N, inf, C = 4, 3, 5
    x, W, b = R(N, inf), R(C, *extra, inf), R(C, *extra)
    t = RNG.integers(0, C, (N, *extra))
    t.flat[0] = 2
    cw = RNG.random(C) + 0.5
    logits = np.einsum("ni,c...i->nc...", x, W) + b
    got = F.linear_cross_entropy(x, W, t, linear_bias=b, weight=cw, reduction=reduction,
                                 ignore_index=2, label_smoothing=0.1)
    np.testing.assert_allclose(A(got), ref_ce(logits, t, cw, reduction, 2, 0.1), rtol=1e-12)
    # ignore_index=None: -100 is ignored (as PyTorch), every other target counts
    t2 = t.copy()
    t2.flat[-1] = -100
    np.testing.assert_allclose(A(F.linear_cross_entropy(x, W, t2, reduction=reduction)),
                               ref_ce(logits - b, t2, None, reduction), rtol=1e-12)
    # probabilities as the target, and the gradient
    pt = RNG.random((N, C, *extra))
    pt /= pt.sum(1, keepdims=True)
    np.testing.assert_allclose(A(F.linear_cross_entropy(x, W, pt, linear_bias=b,
                                                        reduction=reduction)),
                               ref_ce(logits, pt, None, reduction), rtol=1e-12)

    def f(w):
        return tg.sum(F.linear_cross_entropy(x, w, t, linear_bias=b, reduction=reduction,
                                             label_smoothing=0.2, options=object()))
    np.testing.assert_allclose(A(tg.grad(f)(W)), central_difference_gradient(
        lambda a: float(A(f(a))), W), atol=1e-8)


def test_linear_cross_entropy_unbatched_module_and_errors():
    x, W = R(3), R(4, 3)
    assert abs(float(A(F.linear_cross_entropy(x, W, np.array(1))))
               - ref_ce((W @ x)[None], np.array([1]))) < 1e-12
    loss = F.LinearCrossEntropyLoss(3, 4, out_features=(2,), bias=True, reduction="sum")
    prm = loss.init(0)
    assert sorted(dict(loss.named_parameters())) == ["linear.bias", "linear.weight"]
    assert np.shape(prm["linear"]["weight"]) == (8, 3)
    xb, t = R(5, 3), RNG.integers(0, 4, (5, 2))
    want = F.linear_cross_entropy(xb, prm["linear"]["weight"].reshape(4, 2, 3), t,
                                  linear_bias=prm["linear"]["bias"].reshape(4, 2),
                                  reduction="sum")
    np.testing.assert_allclose(A(loss(xb, t)), A(want), rtol=1e-13)
    with pytest.raises(ValueError, match=r"input \(5, 3\) and linear_weight \(4, 2\) must share"):
        F.linear_cross_entropy(xb, R(4, 2), t[:, 0])
    with pytest.raises(ValueError, match=r"expected linear_bias of shape \(4,\), got \(3,\)"):
        F.linear_cross_entropy(xb, W, t[:, 0], linear_bias=R(3))
    with pytest.raises(ValueError, match="needs batched input"):
        F.linear_cross_entropy(x, R(4, 2, 3), np.array([0, 1]))
    with pytest.raises(ValueError, match="ignore_index cannot be given"):
        F.linear_cross_entropy(xb, W, np.full((5, 4), 0.25), ignore_index=0)
    with pytest.raises(ValueError, match=r"expected weight of shape \(4,\)"):
        F.LinearCrossEntropyLoss(3, 4, weight=np.ones(3))


# ---- conv_tbc ---------------------------------------------------------------------------------
def ref_tbc(x, w, b, pad):
    xp = np.pad(x, [(pad, pad), (0, 0), (0, 0)])
    T = xp.shape[0] - w.shape[0] + 1
    return np.stack([sum(xp[t + j] @ w[j] for j in range(w.shape[0])) + b for t in range(T)])


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_conv_tbc(pad):
    x, w, b = R(6, 2, 3), R(3, 3, 4), R(4)
    np.testing.assert_allclose(A(F.conv_tbc(x, w, b, pad)), ref_tbc(x, w, b, pad), atol=1e-12)
    cw = R(*ref_tbc(x, w, b, pad).shape)

    def f(a, c, d):
        return tg.sum(F.conv_tbc(a, c, d, pad) * cw)
    grads = tg.grad(f, argnums=(0, 1, 2))(x, w, b)
    for i, (g, arg) in enumerate(zip(grads, (x, w, b))):
        def fi(a, i=i):
            args = [x, w, b]
            args[i] = a
            return float(A(f(*args)))
        np.testing.assert_allclose(A(g), central_difference_gradient(fi, arg), atol=1e-8)


def test_conv_tbc_errors_and_empty_output():
    x, w, b = R(5, 2, 3), R(3, 3, 4), R(4)
    assert A(F.conv_tbc(x, R(8, 3, 4), b, 1)).shape == (0, 2, 4)
    with pytest.raises(ValueError, match=r"input must have 3 axes .* got shape \(2, 3\)"):
        F.conv_tbc(x[0], w, b)
    with pytest.raises(ValueError, match=r"input channels .* must equal axis 1 of weight"):
        F.conv_tbc(x, R(3, 2, 4), b)
    with pytest.raises(ValueError, match=r"bias must be 1-d with out_channels = 4"):
        F.conv_tbc(x, w, R(3))
    with pytest.raises(ValueError, match="kernel width 7 is longer"):
        F.conv_tbc(x, R(7, 3, 4), b)
    with pytest.raises(ValueError, match="pad must be an int >= 0"):
        F.conv_tbc(x, w, b, -1)


def test_functional_gelu_and_implicit_softmax_axis_are_pytorchs():
    F = tg.nn.functional  # (torch.nn.functional's functions; this module's F is tg.nn)
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    # PyTorch's F.gelu is exact by default (tg.nn.gelu, JAX's, is the tanh formula)
    np.testing.assert_array_equal(F.gelu(x), tg.nn.gelu(x, approximate=False))
    np.testing.assert_array_equal(F.gelu(x, approximate="tanh"), tg.nn.gelu(x, approximate=True))
    assert abs(F.gelu(1.5) - 1.5 * 0.5 * (1 + math.erf(1.5 / math.sqrt(2)))) < 1e-15
    assert tg.nn.gelu(1.5) != F.gelu(1.5)
    # without dim: PyTorch's deprecated choice, axis 0 for 0-, 1-, 3-d input, else 1, warned
    rng = np.random.default_rng(0)
    for shape, axis in [((4,), 0), ((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]:
        v = rng.normal(size=shape)
        for fn, layer in ((F.softmax, tg.nn.Softmax()), (F.log_softmax, tg.nn.LogSoftmax())):
            with pytest.warns(UserWarning, match="implicit dimension"):
                got = fn(v)
            np.testing.assert_allclose(got, fn(v, dim=axis), rtol=0, atol=0)
            with pytest.warns(UserWarning, match="implicit dimension"):
                np.testing.assert_array_equal(layer(v), got)
        np.testing.assert_allclose(np.sum(F.softmax(v, axis), axis=axis), 1.0, rtol=1e-15)
    assert F.softmax(np.float64(3.0), 0) == 1.0 and F.log_softmax(np.float64(3.0), -1) == 0.0
    assert F.softmax(rng.normal(size=(2, 3)), 1, dtype=np.float32).dtype == np.float32
    np.testing.assert_allclose(tg.grad(lambda v: F.softmax(v, dim=0)[0])(np.zeros(3)),
                               [2 / 9, -1 / 9, -1 / 9], rtol=1e-14)
