"""torch.nn.functional's layers in tg.nn (tensorgrad/nn/torch_layers.py, torch_pooling.py):
values and gradients against JAX expressions of PyTorch's definitions (float64, 1e-12),
the options that change the formula, tg.jit / tg.vmap / tg.jvp / tg.jacrev through them,
the running-statistics updates and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(7)


def R(*shape):
    return RNG.normal(size=shape)


def check(tg_f, jax_f, *arrays):
    """Values, and the gradient of Σ out·W for every input, to 1e-12."""
    jax_f = jax.jit(jax_f)  # (one compilation: faster than JAX's op-by-op dispatch)
    want = np.asarray(jax_f(*map(jnp.asarray, arrays)))
    got = np.asarray(tg_f(*arrays))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    W = RNG.normal(size=want.shape)
    argnums = tuple(range(len(arrays)))
    g = tg.grad(lambda *a: tg.sum(tg_f(*a) * W), argnums=argnums)(*arrays)
    jg = jax.jit(jax.grad(lambda *a: jnp.sum(jax_f(*a) * W), argnums=argnums))(
        *map(jnp.asarray, arrays))
    for a, b in zip(g, jg):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


# ---- linear, normalizations, embedding ---------------------------------------------------------
def test_linear_and_bilinear():
    x = R(3, 4, 5)
    check(tg.nn.linear, lambda x, w, b: x @ w.T + b, x, R(6, 5), R(6))
    check(tg.nn.linear, lambda x, w: x @ w.T, x, R(6, 5))
    check(tg.nn.linear, lambda x, w: x @ w, x, R(5))
    check(tg.nn.bilinear, lambda a, b, w, c: jnp.einsum("ni,kij,nj->nk", a, w, b) + c,
          R(3, 4), R(3, 2), R(5, 4, 2), R(5))
    check(tg.nn.bilinear, lambda a, b, w: jnp.einsum("mni,kij,mnj->mnk", a, w, b),
          R(2, 3, 4), R(2, 3, 2), R(5, 4, 2))
    with pytest.raises(ValueError, match=r"linear: .*\(3, 4, 5\).*\(6, 4\)"):
        tg.nn.linear(x, R(6, 4))
    with pytest.raises(ValueError, match=r"bilinear: .*\(3, 4\).*\(3, 3\)"):
        tg.nn.bilinear(R(3, 4), R(3, 3), R(5, 4, 2))


def _jnorm(x, axes, eps):
    m = jnp.mean(x, axis=axes, keepdims=True)
    v = jnp.mean((x - m) ** 2, axis=axes, keepdims=True)
    return (x - m) / jnp.sqrt(v + eps)


def test_layer_norm_and_rms_norm():
    x = R(3, 4, 5)
    check(lambda x, w, b: tg.nn.layer_norm(x, (4, 5), w, b, eps=1e-3),
          lambda x, w, b: _jnorm(x, (1, 2), 1e-3) * w + b, x, R(4, 5), R(4, 5))
    check(lambda x: tg.nn.layer_norm(x, 5), lambda x: _jnorm(x, (2,), 1e-5), x)
    check(lambda x, w: tg.nn.layer_norm(x, [5], weight=w), lambda x, w: _jnorm(x, (2,), 1e-5) * w,
          x, R(5))
    eps64 = np.finfo(np.float64).eps
    check(lambda x, w: tg.nn.rms_norm(x, (4, 5), w),
          lambda x, w: x / jnp.sqrt(jnp.mean(x * x, axis=(1, 2), keepdims=True) + eps64) * w,
          x, R(4, 5))
    check(lambda x: tg.nn.rms_norm(x, 5, eps=0.1),
          lambda x: x / jnp.sqrt(jnp.mean(x * x, axis=-1, keepdims=True) + 0.1), x)
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(3, 4, 5\) must end in "
                                         r"normalized_shape \(4,\)"):
        tg.nn.layer_norm(x, 4)
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(5,\)"):
        tg.nn.layer_norm(x, 5, R(4))
    with pytest.raises(ValueError, match="rms_norm: normalized_shape"):
        tg.nn.rms_norm(x, 0)


def test_group_instance_and_batch_norm():
    x = R(2, 6, 3, 4)
    c = (1, 6, 1, 1)

    def jgroup(x, w, b):
        g = _jnorm(x.reshape(2, 3, -1), (2,), 1e-5).reshape(x.shape)
        return g * w.reshape(c) + b.reshape(c)
    check(lambda x, w, b: tg.nn.group_norm(x, 3, w, b), jgroup, x, R(6), R(6))
    check(lambda x: tg.nn.group_norm(x, 2, eps=0.01),
          lambda x: _jnorm(x.reshape(3, 2, -1), (2,), 0.01).reshape(x.shape), R(3, 4, 5))
    check(lambda x, w, b: tg.nn.instance_norm(x, weight=w, bias=b),
          lambda x, w, b: _jnorm(x, (2, 3), 1e-5) * w.reshape(c) + b.reshape(c), x, R(6), R(6))
    rm, rv = R(6), RNG.uniform(0.5, 2.0, 6)
    evaluate = lambda x: (x - rm.reshape(c)) / jnp.sqrt(rv.reshape(c) + 1e-5)  # noqa: E731
    check(lambda x: tg.nn.instance_norm(x, rm, rv, use_input_stats=False), evaluate, x)
    check(lambda x, w, b: tg.nn.batch_norm(x, rm, rv, w, b),
          lambda x, w, b: evaluate(x) * w.reshape(c) + b.reshape(c), x, R(6), R(6))
    check(lambda x, w, b: tg.nn.batch_norm(x, None, None, w, b, training=True),
          lambda x, w, b: _jnorm(x, (0, 2, 3), 1e-5) * w.reshape(c) + b.reshape(c), x, R(6), R(6))
    check(lambda x: tg.nn.batch_norm(x, None, None, training=True, eps=0.1),
          lambda x: _jnorm(x, (0,), 0.1), R(5, 3))
    # the second-order derivative through the batch statistics: a jvp of the gradient
    f = lambda x: tg.sum(tg.nn.group_norm(x, 3) ** 3)  # noqa: E731
    jf = lambda x: jnp.sum(_jnorm(x.reshape(2, 3, -1), (2,), 1e-5).reshape(x.shape) ** 3)  # noqa: E731
    t = R(*x.shape)
    _, got = tg.jvp(tg.grad(f), (x,), (t,))
    _, want = jax.jvp(jax.grad(jf), (jnp.asarray(x),), (jnp.asarray(t),))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match=r"group_norm: input of shape \(2, 6, 3, 4\) .*num_groups=4"):
        tg.nn.group_norm(x, 4)
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(6,\)"):
        tg.nn.batch_norm(x, rm, rv, R(5))
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var must be given"):
        tg.nn.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel"):
        tg.nn.batch_norm(R(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"instance_norm: input of shape \(2, 6\)"):
        tg.nn.instance_norm(R(2, 6))


def _running(x, axes, rm, rv, m):
    n = np.prod([x.shape[a] for a in axes])
    mean = x.mean(axis=axes)
    var = x.var(axis=axes) * n / (n - 1)
    return (1 - m) * rm + m * mean, (1 - m) * rv + m * var


def test_running_statistics_are_updated_in_place_or_refused():
    x = R(4, 3, 5)
    rm, rv = R(3), RNG.uniform(0.5, 2.0, 3)
    a, b = rm.copy(), rv.copy()
    y = tg.nn.batch_norm(x, a, b, training=True, momentum=0.3)
    want_m, want_v = _running(x, (0, 2), rm, rv, 0.3)
    np.testing.assert_allclose(a, want_m, rtol=1e-14)
    np.testing.assert_allclose(b, want_v, rtol=1e-14)
    np.testing.assert_allclose(y, np.asarray(_jnorm(jnp.asarray(x), (0, 2), 1e-5)), atol=1e-12)
    # instance_norm: the instances' statistics, averaged over N
    a, b = rm.copy(), rv.copy()
    tg.nn.instance_norm(x, a, b, momentum=0.2)
    means = [_running(x[i:i + 1], (0, 2), rm, rv, 0.2) for i in range(4)]
    np.testing.assert_allclose(a, np.mean([m for m, _ in means], axis=0), rtol=1e-13)
    np.testing.assert_allclose(b, np.mean([v for _, v in means], axis=0), rtol=1e-13)
    # under tg.jit the update is a step of the plan: it runs at every call, with that call's batch
    a, b = rm.copy(), rv.copy()
    f = tg.jit(lambda x: tg.nn.batch_norm(x, a, b, training=True))
    x2 = R(4, 3, 5)
    f(x), f(x2)
    m1, v1 = _running(x, (0, 2), rm, rv, 0.1)
    m2, v2 = _running(x2, (0, 2), m1, v1, 0.1)
    np.testing.assert_allclose(a, m2, rtol=1e-13)
    np.testing.assert_allclose(b, v2, rtol=1e-13)
    # not an array that can be updated: refused, never silently skipped
    ro = rm.copy()
    ro.flags.writeable = False
    with pytest.raises(TypeError, match=r"batch_norm: .*writable floating NumPy array or tensor "
                                        r"of shape \(3,\).*read-only"):
        tg.nn.batch_norm(x, ro, rv.copy(), training=True)
    # tensors that do not require grad (PyTorch's buffers) are updated in place too, under tg.jit
    # as well; the input's gradient is that of the batch statistics either way
    ta, tb = tg.tensor(rm.copy()), tg.tensor(rv.copy())
    xt = tg.tensor(x, requires_grad=True)
    tg.nn.batch_norm(xt, ta, tb, training=True, momentum=0.3).sum().backward()
    np.testing.assert_allclose(np.asarray(ta), _running(x, (0, 2), rm, rv, 0.3)[0], rtol=1e-14)
    np.testing.assert_allclose(np.asarray(tb), _running(x, (0, 2), rm, rv, 0.3)[1], rtol=1e-14)
    assert not ta.requires_grad and np.abs(xt.grad).max() < 1e-12  # (a sum of normalized values)
    ta, tb = tg.tensor(rm.copy()), tg.tensor(rv.copy())
    tg.jit(lambda x: tg.nn.batch_norm(x, ta, tb, training=True))(x)
    np.testing.assert_allclose(np.asarray(ta), _running(x, (0, 2), rm, rv, 0.1)[0], rtol=1e-13)
    with pytest.raises(TypeError, match="batch_norm: .*got Tensor that requires grad"):
        tg.nn.batch_norm(x, tg.tensor(rm.copy(), requires_grad=True), rv.copy(), training=True)
    with pytest.raises(TypeError, match="batch_norm: .*got Tensor of dtype int64"):
        tg.nn.batch_norm(x, tg.tensor(np.zeros(3, np.int64)), rv.copy(), training=True)
    with pytest.raises(TypeError, match="instance_norm: .*list"):
        tg.nn.instance_norm(x, list(rm), rv.copy())
    with pytest.raises(ValueError, match=r"batch_norm: running_var must have shape \(3,\)"):
        tg.nn.batch_norm(x, rm.copy(), np.ones(4), training=True)
    # evaluation mode only reads them (any array-like)
    assert tg.nn.batch_norm(x, ro, rv, training=False).shape == x.shape
    # momentum=None (the layers' cumulative average) cannot update them: said so, nothing written
    for fn, kw in ((tg.nn.batch_norm, {"training": True}), (tg.nn.instance_norm, {})):
        a = rm.copy()
        with pytest.raises(TypeError, match=fn.__name__ + r": momentum must be a number .* got None"):
            fn(x, a, rv.copy(), momentum=None, **kw)
        np.testing.assert_array_equal(a, rm)


def test_embedding_and_padding_idx():
    w = R(7, 3)
    ids = np.array([[1, 0, 6], [2, 2, 4]])
    check(lambda w: tg.nn.embedding(ids, w), lambda w: w[ids], w)
    for pad in (2, -1):
        p = pad % 7
        check(lambda w: tg.nn.embedding(ids, w, padding_idx=pad),
              lambda w: jnp.where((ids == p)[..., None], jax.lax.stop_gradient(w)[ids], w[ids]), w)
    g = tg.grad(lambda w: tg.sum(tg.nn.embedding(ids, w, padding_idx=2)))(w)
    assert not g[2].any() and g[1].all()
    with pytest.raises(IndexError, match="embedding: id 7 is out of range"):
        tg.nn.embedding(np.array([7]), w)
    with pytest.raises(TypeError, match="embedding: ids must be integers"):
        tg.nn.embedding(np.array([1.0]), w)
    with pytest.raises(ValueError, match=r"embedding: padding_idx 9 .*\(7, 3\)"):
        tg.nn.embedding(ids, w, padding_idx=9)
    with pytest.raises(NotImplementedError, match="embedding: max_norm"):
        tg.nn.embedding(ids, w, max_norm=1.0)


# ---- pooling ----------------------------------------------------------------------------------
def _out_len(L, k, s, p, d, ceil_mode):
    """PyTorch's rule (written out again here, independently of the module)."""
    span = d * (k - 1) + 1
    out = -(-(L + 2 * p - span) // s) + 1 if ceil_mode else (L + 2 * p - span) // s + 1
    return out - 1 if ceil_mode and (out - 1) * s >= L + p else out


def _jwindows(x, k, s, p, d, out, fill):
    """(..., out, k): x[o·s − p + j·d], fill outside."""
    L = x.shape[-1]
    pos = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    inside = (pos >= 0) & (pos < L)
    return jnp.where(inside, x[..., np.clip(pos, 0, L - 1)], fill)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, dilation=2),
                                dict(kernel_size=2, stride=4, ceil_mode=True, dilation=3)])
def test_max_pool1d(kw):
    x = R(2, 3, 11)
    k, s, p, d = kw["kernel_size"], kw.get("stride", kw["kernel_size"]), kw.get("padding", 0), \
        kw.get("dilation", 1)
    out = _out_len(11, k, s, p, d, kw.get("ceil_mode", False))
    check(lambda x: tg.nn.max_pool1d(x, **kw),
          lambda x: jnp.max(_jwindows(x, k, s, p, d, out, -jnp.inf), axis=-1), x)
    _, idx = tg.nn.max_pool1d(x, return_indices=True, **kw)
    pos = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    want = np.take_along_axis(np.broadcast_to(pos, (2, 3) + pos.shape),
                              np.argmax(np.asarray(_jwindows(x, k, s, p, d, out, -np.inf)), -1)[..., None],
                              -1)[..., 0]
    np.testing.assert_array_equal(idx, want)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
                                dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                                     count_include_pad=False),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)])
def test_avg_pool1d(kw):
    x = R(2, 3, 11)
    k, s, p = kw["kernel_size"], kw.get("stride", kw["kernel_size"]), kw.get("padding", 0)
    out = _out_len(11, k, s, p, 1, kw.get("ceil_mode", False))
    div = []
    for o in range(out):  # PyTorch's divisor: the window clipped to the padded input, or the input
        lo, hi = o * s - p, min(o * s - p + k, 11 + p)
        div.append(hi - lo if kw.get("count_include_pad", True) else min(hi, 11) - max(lo, 0))
    check(lambda x: tg.nn.avg_pool1d(x, **kw),
          lambda x: jnp.sum(_jwindows(x, k, s, p, 1, out, 0.0), axis=-1) / np.array(div, float), x)


def _bounds(L, out):
    return [(i * L // out, -(-(i + 1) * L // out)) for i in range(out)]


def test_adaptive_pooling():
    x = R(2, 3, 11)
    for o in (4, 15):
        b = _bounds(11, o)
        for tg_f, red in ((tg.nn.adaptive_avg_pool1d, jnp.mean), (tg.nn.adaptive_max_pool1d, jnp.max)):
            check(lambda x: tg_f(x, o),
                  lambda x: jnp.stack([red(x[..., lo:hi], axis=-1) for lo, hi in b], -1), x)
        idx = tg.nn.adaptive_max_pool1d(x, o, return_indices=True)[1]
        np.testing.assert_array_equal(idx, [[[lo + np.argmax(x[n, c, lo:hi]) for lo, hi in b]
                                             for c in range(3)] for n in range(2)])
    x = R(2, 3, 7, 9)
    for size, (oh, ow) in (((None, 2), (7, 2)), ((10, 4), (10, 4))):
        bh, bw = _bounds(7, oh), _bounds(9, ow)
        for tg_f, red in ((tg.nn.adaptive_avg_pool2d, jnp.mean), (tg.nn.adaptive_max_pool2d, jnp.max)):
            check(lambda x: tg_f(x, size),
                  lambda x: jnp.stack([jnp.stack([red(x[..., h0:h1, w0:w1], axis=(-2, -1))
                                                  for w0, w1 in bw], -1) for h0, h1 in bh], -2), x)
        idx = np.asarray(tg.nn.adaptive_max_pool2d(x[0], size, return_indices=True)[1])
        for i, (h0, h1) in enumerate(bh):
            for j, (w0, w1) in enumerate(bw):
                r, q = np.unravel_index(np.argmax(x[0, 1, h0:h1, w0:w1]), (h1 - h0, w1 - w0))
                assert idx[1, i, j] == (h0 + r) * 9 + w0 + q
    # ties: the first maximum takes the gradient, as PyTorch
    t = np.array([[1.0, 3, 3, 2, 2, 5, 5]])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.nn.adaptive_max_pool1d(v, 2)))(t),
                                  [[0, 1, 0, 0, 0, 1, 0]])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.nn.max_pool1d(v, 2, 1)))(t),
                                  [[0, 2, 1, 1, 0, 2, 0]])


def test_lp_pool():
    x = np.abs(R(2, 3, 11)) + 0.1

    def jlp1(x, p, k, s, ceil):
        out = _out_len(11, k, s, 0, 1, ceil)
        cnt = np.array([min(o * s + k, 11) - o * s for o in range(out)], float)
        avg = jnp.sum(_jwindows(x ** p, k, s, 0, 1, out, 0.0), axis=-1) / cnt
        return (jnp.sign(avg) * jax.nn.relu(jnp.abs(avg)) * k) ** (1 / p)
    for p, k, s, ceil in ((2, 3, 3, False), (3, 3, 2, False), (2.5, 4, 3, True)):
        check(lambda x: tg.nn.lp_pool1d(x, p, k, s, ceil), lambda x: jlp1(x, p, k, s, ceil), x)
    x = np.abs(R(2, 3, 7, 8)) + 0.1

    def jlp2(x, p, k, s, ceil):
        oh, ow = _out_len(7, k[0], s[0], 0, 1, ceil), _out_len(8, k[1], s[1], 0, 1, ceil)
        rows = [[jnp.mean(x[..., i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]] ** p,
                          axis=(-2, -1)) for j in range(ow)] for i in range(oh)]
        avg = jnp.stack([jnp.stack(r, -1) for r in rows], -2)
        return (jnp.sign(avg) * jax.nn.relu(jnp.abs(avg)) * (k[0] * k[1])) ** (1 / p)
    for p, k, s, ceil in ((3, (2, 3), (2, 1), False), (1.5, (3, 2), None, True)):
        kk = (k, k) if isinstance(k, int) else k
        ss = kk if s is None else (s, s) if isinstance(s, int) else s
        check(lambda x: tg.nn.lp_pool2d(x, p, k, s, ceil), lambda x: jlp2(x, p, kk, ss, ceil), x)


def test_pooling_errors():
    x = R(2, 3, 5)
    with pytest.raises(ValueError, match=r"max_pool1d: input of shape \(5,\) must be \(N, C, L\)"):
        tg.nn.max_pool1d(R(5), 2)
    with pytest.raises(ValueError, match="avg_pool1d: padding should be at most half"):
        tg.nn.avg_pool1d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"max_pool1d: input length 5 .*span 7"):
        tg.nn.max_pool1d(x, 4, dilation=2)
    with pytest.raises(TypeError, match="max_pool1d: kernel_size must be an int"):
        tg.nn.max_pool1d(x, 2.5)
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output_size"):
        tg.nn.adaptive_avg_pool2d(R(1, 2, 3, 3), (0, 2))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: input of shape \(3, 5\)"):
        tg.nn.adaptive_max_pool2d(x[0], 2)
    with pytest.raises(TypeError, match="adaptive_max_pool1d: input must be floating"):
        tg.nn.adaptive_max_pool1d(np.ones((2, 3), int), 2)
    with pytest.raises(ValueError, match="lp_pool1d: norm_type"):
        tg.nn.lp_pool1d(x, 0, 2)
    with pytest.raises(ValueError, match="lp_pool2d: norm_type"):
        tg.nn.lp_pool2d(R(1, 2, 4, 4), -np.inf, 2)


def test_lp_pool_with_an_infinite_norm_is_the_largest_magnitude_of_each_window():
    # PyTorch's norm_type=inf (tensorgrad refused it): max |x| per window, partial ceil-mode
    # windows included; the gradient is sign(x) at each window's largest entry
    x = R(2, 3, 5, 7)
    got = tg.nn.lp_pool2d(x, np.inf, 2, ceil_mode=True)
    a = np.pad(np.abs(x), ((0, 0), (0, 0), (0, 1), (0, 1)))
    want = a.reshape(2, 3, 3, 2, 4, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tg.nn.LPPool1d(float("inf"), 3)(x[0]),
                                  np.abs(x[0])[..., :6].reshape(3, 5, 2, 3).max(axis=-1))
    x3 = R(1, 2, 4, 4, 4)
    np.testing.assert_array_equal(tg.nn.functional.lp_pool3d(x3, np.inf, 2),
                                  np.abs(x3).reshape(1, 2, 2, 2, 2, 2, 2, 2).max(axis=(3, 5, 7)))
    g = tg.grad(lambda v: tg.sum(tg.nn.lp_pool2d(v, np.inf, 2)))(x)
    top = np.abs(x)[..., :4, :6].reshape(2, 3, 2, 2, 3, 2)
    mask = top == top.max(axis=(3, 5), keepdims=True)
    want_g = np.zeros_like(x)
    want_g[..., :4, :6] = (mask * np.sign(x[..., :4, :6].reshape(top.shape))).reshape(2, 3, 4, 6)
    np.testing.assert_array_equal(g, want_g)


# ---- rearranging channels, attention ----------------------------------------------------------
def test_pixel_and_channel_shuffle():
    def jshuffle(x, r):  # out[..., c, h·r + i, w·r + j] = x[..., c·r² + i·r + j, h, w]
        *lead, cr, H, Wd = x.shape
        c, h, w = np.meshgrid(np.arange(cr // r // r), np.arange(H * r), np.arange(Wd * r),
                              indexing="ij")
        return x[..., c * r * r + (h % r) * r + w % r, h // r, w // r]

    check(lambda x: tg.nn.pixel_shuffle(x, 2), lambda x: jshuffle(x, 2), R(2, 8, 3, 4))
    check(lambda x: tg.nn.pixel_shuffle(x, 3), lambda x: jshuffle(x, 3), R(2, 2, 9, 2, 3))
    y = R(2, 3, 4, 6)
    np.testing.assert_array_equal(jshuffle(np.asarray(tg.nn.pixel_unshuffle(y, 2)), 2), y)
    check(lambda x: tg.nn.pixel_shuffle(tg.nn.pixel_unshuffle(x, 2), 2), lambda x: x, y)
    k = np.arange(6)  # output channel k·g + i is input channel i·(C/g) + k
    check(lambda x: tg.nn.channel_shuffle(x, 3), lambda x: x[:, (k % 3) * 2 + k // 3], R(2, 6, 2, 3))
    with pytest.raises(ValueError, match=r"pixel_shuffle: input of shape \(2, 6, 3, 4\)"):
        tg.nn.pixel_shuffle(R(2, 6, 3, 4), 2)
    with pytest.raises(ValueError, match=r"pixel_unshuffle: input of shape \(2, 3, 5, 6\)"):
        tg.nn.pixel_unshuffle(R(2, 3, 5, 6), 2)
    with pytest.raises(ValueError, match=r"channel_shuffle: input of shape \(2, 6, 3\) .*groups = 4"):
        tg.nn.channel_shuffle(R(2, 6, 3), 4)


def _jattn(q, k, v, mask=None, causal=False, scale=None):
    s = q @ jnp.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    keep = np.tril(np.ones(s.shape[-2:], bool)) if causal else None
    if mask is not None and mask.dtype == bool:
        keep = mask
    elif mask is not None:
        s = s + mask
    if keep is not None:
        s = jnp.where(keep, s, -jnp.inf)
    dead = jnp.all(s == -jnp.inf, axis=-1, keepdims=True)
    return jnp.where(dead, 0.0, jax.nn.softmax(jnp.where(dead, 0.0, s), axis=-1)) @ v


def test_scaled_dot_product_attention_dropout():
    """dropout_p > 0 drops attention weights, the kept ones scaled by 1/(1 − p), as PyTorch's;
    the mask from dropout_key, else from the global stream that tg.manual_seed restarts."""
    sdpa = tg.nn.scaled_dot_product_attention
    q, k = R(2, 3, 4, 5), R(2, 3, 6, 5)
    eye = np.broadcast_to(np.eye(6), (2, 3, 6, 6))  # (the output is the attention weights)
    plain = np.asarray(sdpa(q, k, eye, is_causal=True))
    key = tg.random.PRNGKey(3)
    w1 = np.asarray(sdpa(q, k, eye, dropout_p=0.4, is_causal=True, dropout_key=key))
    np.testing.assert_array_equal(w1, np.asarray(sdpa(q, k, eye, dropout_p=0.4, is_causal=True,
                                                      dropout_key=key)))
    kept = w1 != 0
    assert kept.any() and (~kept & (plain != 0)).any()
    np.testing.assert_allclose(w1[kept], plain[kept] / 0.6, rtol=1e-13)
    tg.manual_seed(5)
    w2, w3 = (np.asarray(sdpa(q, k, eye, dropout_p=0.4)) for _ in range(2))
    tg.manual_seed(5)
    np.testing.assert_array_equal(np.asarray(sdpa(q, k, eye, dropout_p=0.4)), w2)
    assert ((w2 != 0) != (w3 != 0)).any()
    v = R(2, 3, 6, 7)  # the gradient goes through the kept weights only
    g = tg.grad(lambda v: tg.sum(sdpa(q, k, v, dropout_p=0.4, dropout_key=key) ** 2))(v)
    d = np.asarray(sdpa(q, k, eye, dropout_p=0.4, dropout_key=key))
    np.testing.assert_allclose(g, np.swapaxes(d, -1, -2) @ (2 * d @ v), rtol=1e-12)
    with pytest.raises(ValueError, match="scaled_dot_product_attention: without a key .*dropout_key="):
        tg.jit(lambda q: sdpa(q, k, k, dropout_p=0.4))(q)


def test_scaled_dot_product_attention():
    sdpa = tg.nn.scaled_dot_product_attention
    q, k, v = R(2, 3, 4, 5), R(2, 3, 6, 5), R(2, 3, 6, 7)
    check(sdpa, _jattn, q, k, v)
    check(lambda q, k, v: sdpa(q, k, v, is_causal=True, scale=0.3),
          lambda q, k, v: _jattn(q, k, v, causal=True, scale=0.3), q, k, v)
    bm = RNG.uniform(size=(4, 6)) > 0.4
    bm[1] = False  # a query that sees no key: zeros, as PyTorch
    check(lambda q, k, v: sdpa(q, k, v, attn_mask=bm), lambda q, k, v: _jattn(q, k, v, bm), q, k, v)
    fm = R(3, 4, 6)
    fm[0, 2] = -np.inf
    fm[1, 1, :3] = -np.inf
    check(lambda q, k, v: sdpa(q, k, v, attn_mask=fm), lambda q, k, v: _jattn(q, k, v, fm), q, k, v)
    check(lambda q, k, v, m: sdpa(q, k, v, attn_mask=m), _jattn, q, k, v, R(4, 6))
    check(lambda q, k, v: sdpa(q, k, v, enable_gqa=True),
          lambda q, k, v: _jattn(q, jnp.repeat(k, 2, axis=1), jnp.repeat(v, 2, axis=1)),
          R(2, 4, 3, 5), R(2, 2, 6, 5), R(2, 2, 6, 3))
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: dropout_p must be in \[0, 1\]"):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: .*query \(2, 3, 4, 5\), "
                                         r"key \(2, 3, 6, 4\)"):
        sdpa(q, R(2, 3, 6, 4), v)
    with pytest.raises(ValueError, match="attn_mask must not be given when is_causal"):
        sdpa(q, k, v, attn_mask=bm, is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(5, 6\) does not broadcast"):
        sdpa(q, k, v, attn_mask=np.ones((5, 6), bool))


# ---- transforms and tg.jit ----------------------------------------------------------------------
def test_jit_vmap_and_jacrev_through_them():
    q, k, v = R(3, 4, 5), R(3, 6, 5), R(3, 6, 2)
    bm = RNG.uniform(size=(3, 4, 6)) > 0.3
    f = tg.jit(lambda q, k, v, m: tg.nn.scaled_dot_product_attention(q, k, v, attn_mask=m))
    for mask in (bm, ~bm):  # a traced mask: the replay sees the new one
        np.testing.assert_allclose(f(q, k, v, mask), _jattn(q, k, v, mask), rtol=1e-12, atol=1e-12)
    per = tg.vmap(lambda q, k, v: tg.nn.scaled_dot_product_attention(q, k, v, is_causal=True))
    np.testing.assert_allclose(per(q, k, v), _jattn(q, k, v, causal=True), rtol=1e-12, atol=1e-12)
    x = R(2, 3, 11)
    g = tg.jit(tg.grad(lambda x: tg.sum(tg.nn.max_pool1d(x, 3, 2, 1, ceil_mode=True) ** 2)))
    jg = jax.grad(lambda x: jnp.sum(jnp.max(_jwindows(x, 3, 2, 1, 1, 6, -jnp.inf), -1) ** 2))
    for xx in (x, R(2, 3, 11)):
        np.testing.assert_allclose(g(xx), jg(jnp.asarray(xx)), rtol=1e-12, atol=1e-12)
    ln = tg.vmap(lambda x, w: tg.nn.layer_norm(x, (3, 11), w), in_axes=(0, None))
    np.testing.assert_allclose(ln(x, x[0]), _jnorm(x, (1, 2), 1e-5) * x[0], rtol=1e-12, atol=1e-12)
    ids = np.array([3, 1, 3])
    emb = tg.jit(lambda i, w: tg.nn.embedding(i, w, padding_idx=1))
    w = R(5, 2)
    np.testing.assert_array_equal(emb(ids, w), w[ids])
    np.testing.assert_array_equal(emb(ids[::-1].copy(), w), w[ids[::-1]])
    J = tg.jacrev(lambda x: tg.nn.adaptive_avg_pool1d(x, 4))(x[0])
    np.testing.assert_allclose(J, jax.jacrev(lambda x: jnp.stack(
        [jnp.mean(x[:, lo:hi], -1) for lo, hi in _bounds(11, 4)], -1))(jnp.asarray(x[0])),
        atol=1e-14)
