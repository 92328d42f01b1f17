"""torch.nn.functional's convolutions in tg.nn (tensorgrad/nn/torch_conv.py) and their layers
(torch_conv_modules.py, the extended Conv1d/Conv2d): values and gradients against JAX
expressions of PyTorch's definitions (float64, 1e-12), fold/unfold identities, tg.jit /
tg.vmap / tg.jvp / tg.jacrev through them, and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(11)
LAYOUT = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}


def R(*shape):
    return RNG.normal(size=shape)


def check(tg_f, jax_f, *arrays):
    """Values, and the gradient of Σ out·G for every input, to 1e-12 (one JAX compilation)."""
    want = jax.eval_shape(jax_f, *map(jnp.asarray, arrays)).shape
    G = RNG.normal(size=want)

    @jax.jit
    def ref(*a):
        y, pull = jax.vjp(jax_f, *a)
        return y, pull(jnp.asarray(G))
    y, jg = ref(*map(jnp.asarray, arrays))
    got = np.asarray(tg_f(*arrays))
    assert got.shape == y.shape
    np.testing.assert_allclose(got, y, rtol=1e-12, atol=1e-12)
    g = tg.grad(lambda *a: tg.sum(tg_f(*a) * G), argnums=tuple(range(len(arrays))))(*arrays)
    for a, b in zip(g, jg):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


# ---- PyTorch's definitions, in JAX -------------------------------------------------------------
def _pads(padding, k, d, nd):
    if padding == "valid":
        return [(0, 0)] * nd
    if padding == "same":
        return [(di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2) for ki, di in zip(k, d)]
    p = (padding,) * nd if isinstance(padding, int) else padding
    return [(v, v) for v in p]


def jconv(nd, stride=1, padding=0, dilation=1, groups=1):
    """torch's conv{nd}d: cross-correlation of (N, C_in, *S) with (C_out, C_in/groups, *k)."""
    s = (stride,) * nd if isinstance(stride, int) else stride
    d = (dilation,) * nd if isinstance(dilation, int) else dilation

    def f(x, w, b=None):
        unbatched = x.ndim == nd + 1
        x = x[None] if unbatched else x
        y = jax.lax.conv_general_dilated(x, w, s, _pads(padding, w.shape[2:], d, nd),
                                         rhs_dilation=d, feature_group_count=groups,
                                         dimension_numbers=LAYOUT[nd])
        y = y if b is None else y + b.reshape((-1,) + (1,) * nd)
        return y[0] if unbatched else y
    return f


def jconv_t(nd, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch's conv_transpose{nd}d: the gradient, with respect to its input, of the forward
    convolution whose weight is the given (C_in, C_out/groups, *k) read as (O, I, *k), on
    inputs of the transposed output's size (padded by (p, p − output_padding): the extra
    entries on the right get no contribution beyond the bias)."""
    t = [(v,) * nd if isinstance(v, int) else v for v in (stride, padding, output_padding, dilation)]
    s, p, op, d = t

    def f(x, w, b=None):
        unbatched = x.ndim == nd + 1
        x = x[None] if unbatched else x
        out = tuple((n - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
                    for n, si, pi, di, ki, oi in zip(x.shape[2:], s, p, d, w.shape[2:], op))
        z = jnp.zeros((x.shape[0], w.shape[1] * groups) + out)
        def fwd(z):
            return jax.lax.conv_general_dilated(z, w, s, [(pi, pi - oi) for pi, oi in zip(p, op)],
                                                rhs_dilation=d, feature_group_count=groups,
                                                dimension_numbers=LAYOUT[nd])
        _, pull = jax.vjp(fwd, z)
        (y,) = pull(x)
        y = y if b is None else y + b.reshape((-1,) + (1,) * nd)
        return y[0] if unbatched else y
    return f


def junfold(k, d=1, p=0, s=1):
    pair = [(v, v) if isinstance(v, int) else v for v in (k, d, p, s)]
    k, d, p, s = pair

    def f(x):
        unbatched = x.ndim == 3
        x = x[None] if unbatched else x
        y = jax.lax.conv_general_dilated_patches(x, k, s, [(p[0], p[0]), (p[1], p[1])],
                                                 rhs_dilation=d,
                                                 dimension_numbers=LAYOUT[2])
        y = y.reshape(y.shape[:2] + (-1,))
        return y[0] if unbatched else y
    return f


def jfold(output_size, k, d=1, p=0, s=1):
    """torch's fold: the transpose of unfold on images of output_size."""
    def f(cols):
        unbatched = cols.ndim == 2
        cols = cols[None] if unbatched else cols
        kk = (k * k) if isinstance(k, int) else k[0] * k[1]
        x0 = jnp.zeros((cols.shape[0], cols.shape[1] // kk) + tuple(output_size))
        _, pull = jax.vjp(junfold(k, d, p, s), x0)
        (y,) = pull(cols)
        return y[0] if unbatched else y
    return f


# ---- convolutions ------------------------------------------------------------------------------
CONV = [  # (nd, input shape, weight shape, bias?, keywords)
    (1, (2, 4, 11), (6, 2, 3), True, dict(stride=2, padding=1, dilation=2, groups=2)),
    (1, (4, 9), (3, 4, 4), False, dict(padding="same")),            # unbatched; 3 = 1 + 2
    (1, (2, 4, 9), (6, 4, 2), True, dict(padding="valid", stride=3)),
    (2, (2, 3, 7, 6), (4, 3, 3, 2), True, dict(stride=(2, 1), padding=(1, 2))),  # tg.conv2d
    (2, (2, 6, 9, 8), (6, 2, 3, 3), True, dict(stride=2, padding=(2, 1), dilation=(2, 1),
                                                groups=3)),
    (2, (3, 7, 6), (4, 3, 2, 3), False, dict(padding="same", dilation=(1, 2))),  # unbatched
    (3, (2, 4, 5, 6, 5), (4, 2, 2, 3, 2), True, dict(stride=(1, 2, 1), padding=(1, 0, 1),
                                                     dilation=(1, 1, 2), groups=2)),
    (3, (2, 5, 4, 5), (3, 2, 2, 3, 2), True, dict(padding="same")),  # unbatched
]


@pytest.mark.parametrize("nd, xs, ws, bias, kw", CONV)
def test_conv_values_and_gradients(nd, xs, ws, bias, kw):
    fn = getattr(tg.nn, f"conv{nd}d")
    ref = jconv(nd, **kw)
    arrays = (R(*xs), R(*ws)) + ((R(ws[0]),) if bias else ())
    check(lambda *a: fn(*a, **kw), ref, *arrays)


CONV_T = [  # (nd, input shape, weight shape (C_in, C_out/groups, *k), bias?, keywords)
    (1, (2, 4, 6), (4, 3, 3), True, dict(stride=3, padding=1, output_padding=2, groups=2,
                                         dilation=2)),
    (2, (2, 3, 4, 3), (3, 2, 3, 2), True, dict(stride=(2, 3), padding=(1, 0),
                                               output_padding=(1, 2))),
    (2, (4, 3, 4), (4, 1, 2, 3), False, dict(output_padding=1, groups=2, dilation=2)),
    (2, (1, 2, 3, 3), (2, 2, 2, 2), True, dict(stride=3, padding=2)),  # padding > d·(k − 1)
    (3, (2, 2, 3, 2, 3), (2, 2, 2, 2, 1), True, dict(stride=(2, 1, 2), padding=(0, 1, 0),
                                                     output_padding=(1, 0, 0))),
]


@pytest.mark.parametrize("nd, xs, ws, bias, kw", CONV_T)
def test_conv_transpose_values_and_gradients(nd, xs, ws, bias, kw):
    fn = getattr(tg.nn, f"conv_transpose{nd}d")
    arrays = (R(*xs), R(*ws)) + ((R(ws[1] * kw.get("groups", 1)),) if bias else ())
    check(lambda *a: fn(*a, **kw), jconv_t(nd, **kw), *arrays)


def test_conv_transpose_is_the_adjoint_of_conv():
    x, w, y = R(2, 4, 10, 8), R(6, 2, 3, 2), R(2, 6, 5, 8)
    kw = dict(stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2)
    cx = tg.nn.conv2d(x, w, **kw)
    assert cx.shape == y.shape
    back = tg.nn.conv_transpose2d(y, w, output_padding=(1, 0), **kw)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(cx, y), np.vdot(x, back), rtol=1e-12)


# ---- unfold / fold -----------------------------------------------------------------------------
UNFOLD = [((2, 3, 7, 8), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
          ((3, 6, 6), dict(kernel_size=3, stride=2, padding=(0, 1)))]


@pytest.mark.parametrize("xs, kw", UNFOLD)
def test_unfold_and_fold_values_and_gradients(xs, kw):
    args = [kw["kernel_size"], kw.get("dilation", 1), kw.get("padding", 0), kw.get("stride", 1)]
    x = R(*xs)
    check(lambda x: tg.nn.unfold(x, **kw), junfold(*args), x)
    cols = R(*tg.nn.unfold(x, **kw).shape)
    check(lambda c: tg.nn.fold(c, xs[-2:], **kw), jfold(xs[-2:], *args), cols)


def test_fold_of_unfold():
    x = R(2, 3, 6, 8)
    # non-overlapping blocks that tile the image: fold undoes unfold
    np.testing.assert_array_equal(tg.nn.fold(tg.nn.unfold(x, (2, 4), stride=(2, 4)), (6, 8),
                                             (2, 4), stride=(2, 4)), x)
    # overlapping blocks: each pixel comes back once per block covering it (PyTorch's identity)
    kw = dict(kernel_size=3, dilation=(1, 2), padding=1, stride=(2, 1))
    count = tg.nn.fold(tg.nn.unfold(np.ones((1, 1, 6, 8)), **kw), (6, 8), **kw)
    assert count.min() >= 1 and count.max() > 1
    np.testing.assert_allclose(tg.nn.fold(tg.nn.unfold(x, **kw), (6, 8), **kw), x * count,
                               rtol=1e-14)
    # channel-major rows: row c·kh·kw + i·kw + j is channel c at offset (i, j)
    u = tg.nn.unfold(x, 2)
    np.testing.assert_array_equal(u[:, 1 * 4 + 1 * 2 + 0, :].reshape(2, 5, 7), x[:, 1, 1:, :7])


# ---- transforms --------------------------------------------------------------------------------
def test_jit_vmap_jvp_and_jacrev_go_through():
    x, w, b = R(2, 6, 7, 7), R(6, 2, 3, 3), R(6)
    kw = dict(stride=2, padding=(1, 2), dilation=2, groups=3)
    y = tg.nn.conv2d(x, w, b, **kw)
    np.testing.assert_allclose(tg.jit(lambda x, w, b: tg.nn.conv2d(x, w, b, **kw))(x, w, b), y,
                               rtol=1e-13, atol=1e-13)
    # vmap over unbatched images (the batch axis elsewhere), over weights, and through the op
    np.testing.assert_allclose(tg.vmap(lambda v: tg.nn.conv2d(v, w, b, **kw), in_axes=1)(
        np.moveaxis(x, 0, 1)), y, rtol=1e-13, atol=1e-13)
    ws = R(3, 4, 6, 2, 2)
    yw = tg.vmap(lambda v: tg.nn.conv2d(x, v, padding=1))(ws)
    for i in range(3):
        np.testing.assert_allclose(yw[i], tg.conv2d(x, ws[i], padding=1), rtol=1e-13, atol=1e-13)
    # jvp of the bilinear conv_transpose: f(ẋ, w) + f(x, ẇ)
    xt, wt, dx, dw = R(2, 4, 5), R(4, 3, 3), R(2, 4, 5), R(4, 3, 3)
    tkw = dict(stride=2, output_padding=1, padding=1)
    out, tan = tg.jvp(lambda a, c: tg.nn.conv_transpose1d(a, c, **tkw), (xt, wt), (dx, dw))
    np.testing.assert_allclose(out, tg.nn.conv_transpose1d(xt, wt, **tkw), rtol=1e-14)
    np.testing.assert_allclose(tan, tg.nn.conv_transpose1d(dx, wt, **tkw)
                               + tg.nn.conv_transpose1d(xt, dw, **tkw), rtol=1e-12, atol=1e-12)
    # jacrev of unfold: a 0/1 selection matrix, each output entry picking one input (or padding)
    J = tg.jacrev(lambda v: tg.nn.unfold(v, 2, padding=1))(R(1, 1, 3, 3))
    J = np.asarray(J).reshape(-1, 9)
    assert set(np.unique(J)) == {0.0, 1.0} and J.sum(axis=1).max() == 1
    assert J.sum() == 9 * 4  # every pixel lies in 4 of the 2×2 blocks of the padded 5×5 image
    # jit of fold, replayed on new columns
    f = tg.jit(lambda c: tg.nn.fold(c, (5, 6), 3, padding=1, stride=2))
    for _ in range(2):
        c = R(2, 18, 9)
        np.testing.assert_allclose(f(c), tg.nn.fold(c, (5, 6), 3, padding=1, stride=2), rtol=1e-14)


# ---- layers ------------------------------------------------------------------------------------
def _uniform_init_ok(W, fan_in):
    bound = 1 / np.sqrt(fan_in)
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.5 * bound


def test_conv_layers_apply_the_functions_with_torch_init():
    x3 = R(2, 4, 5, 6, 5)
    c3 = tg.nn.Conv3d(4, 6, (2, 3, 2), stride=(1, 2, 1), padding="valid", groups=2)
    p = c3.init(0)
    assert p["W"].shape == (6, 2, 2, 3, 2) and p["b"].shape == (6,)
    _uniform_init_ok(p["W"], 2 * 12)
    _uniform_init_ok(np.concatenate([p["b"], [1 / np.sqrt(24)]]), 2 * 12)
    np.testing.assert_array_equal(c3.apply(p, x3), tg.nn.conv3d(x3, p["W"], p["b"], (1, 2, 1),
                                                                 0, 1, 2))
    ct = tg.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                               bias=False)
    q = ct.init(1)
    assert list(q) == ["W"] and q["W"].shape == (4, 3, 3, 3)
    _uniform_init_ok(q["W"], 3 * 9)   # fan_in from W.shape[1], as torch
    x2 = R(2, 4, 5, 5)
    y = ct(x2, q)
    assert y.shape == (2, 6, 10, 10)
    np.testing.assert_array_equal(y, tg.nn.conv_transpose2d(x2, q["W"], None, 2, 1, 1, 2))
    assert tg.nn.ConvTranspose2d(4, 6, 3)(x2[0]).shape == (6, 7, 7)  # unbatched
    for cls, xs in ((tg.nn.ConvTranspose1d, (2, 4, 5)), (tg.nn.ConvTranspose3d, (4, 3, 2, 3))):
        m = cls(4, 2, 2, stride=2)
        np.testing.assert_array_equal(m(R(*xs), m.init(3)).shape[-1], 2 * xs[-1])
    u, f = tg.nn.Unfold(3, padding=1), tg.nn.Fold((5, 5), 3, padding=1)
    np.testing.assert_array_equal(f(u(x2)), tg.nn.fold(tg.nn.unfold(x2, 3, padding=1), (5, 5), 3,
                                                      padding=1))
    assert not u.has_parameters and "kernel_size=(3, 3)" in repr(u)
    assert "groups=2" in repr(c3) and "output_padding=(1, 1)" in repr(ct)
    # gradients through a layer, against the JAX reference
    check(lambda W, b, x: c3.apply({"W": W, "b": b}, x),
          lambda W, b, x: jconv(3, (1, 2, 1), "valid", 1, 2)(x, W, b), p["W"], p["b"], x3)


def test_conv1d_and_conv2d_layers_take_dilation_groups_and_same():
    x = R(2, 6, 9, 8)
    c = tg.nn.Conv2d(6, 4, 3, padding="same", dilation=2, groups=2)
    p = c.init(0)
    assert p["W"].shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(c(x, p), tg.nn.conv2d(x, p["W"], p["b"], 1, "same", 2, 2))
    assert c(x, p).shape == (2, 4, 9, 8) and "dilation=2, groups=2" in repr(c)
    plain = tg.nn.Conv2d(6, 4, 3, 2, 1)  # the old positional form: the tg.conv2d op, plus bias
    q = plain.init(0)
    np.testing.assert_allclose(plain(x, q), tg.conv2d(x, q["W"], stride=2, padding=1)
                               + q["b"][:, None, None], rtol=1e-15, atol=1e-15)
    c1 = tg.nn.Conv1d(6, 4, 4, padding="same", dilation=1)
    p1 = c1.init(0)
    x1 = R(2, 6, 9)
    check(lambda W, b, x: c1.apply({"W": W, "b": b}, x),
          lambda W, b, x: jconv(1, padding="same")(x, W, b), p1["W"], p1["b"], x1)
    for cls in (tg.nn.Conv1d, tg.nn.Conv2d):
        with pytest.raises(ValueError, match=f"{cls.__name__}: padding='same' is not supported "
                                             "for strided"):
            cls(6, 4, 3, stride=2, padding="same")
        with pytest.raises(ValueError, match="must be 'valid' or 'same'"):
            cls(6, 4, 3, padding="full")
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(6\) and out_channels \(4\) must "
                                         r"be divisible by groups \(3\)"):
        tg.nn.Conv2d(6, 4, 3, groups=3)


# ---- errors ------------------------------------------------------------------------------------
def test_errors_name_the_function_and_the_offending_values():
    x, w = R(2, 4, 7, 7), R(6, 2, 3, 3)
    cases = [
        (lambda: tg.nn.conv2d(x, w), ValueError, r"conv2d: with groups=1, input of shape "
                                                 r"\(2, 4, 7, 7\) must have .* 2 channels"),
        (lambda: tg.nn.conv2d(x, w, groups=4), ValueError, r"conv2d: .*C_out divisible by 4"),
        (lambda: tg.nn.conv2d(x, w, stride=2, padding="same", groups=2), ValueError,
         r"conv2d: padding='same' is not supported for strided convolutions"),
        (lambda: tg.nn.conv2d(x, w, padding="SAME", groups=2), ValueError,
         r"conv2d: padding string must be 'valid' or 'same', got 'SAME'"),
        (lambda: tg.nn.conv2d(x, w, padding=((1, 2), (1, 2)), groups=2), TypeError,
         r"conv2d: padding must be an int or a sequence of 2 ints"),
        (lambda: tg.nn.conv2d(x, w, padding=-1, groups=2), ValueError, r"conv2d: padding must be >= 0"),
        (lambda: tg.nn.conv2d(x, w, stride=0, groups=2), ValueError, r"conv2d: stride must be >= 1"),
        (lambda: tg.nn.conv2d(x, w, groups=2.0), TypeError, r"conv2d: groups must be an int"),
        (lambda: tg.nn.conv2d(x, w, R(5), groups=2), ValueError,
         r"conv2d: bias must have shape \(6,\) \(C_out\), got \(5,\)"),
        (lambda: tg.nn.conv2d(x[0, 0], w), ValueError, r"conv2d: input of shape \(7, 7\) must be 4-d"),
        (lambda: tg.nn.conv2d(x, w[0]), ValueError, r"conv2d: weight of shape \(2, 3, 3\) must be 4-d"),
        (lambda: tg.nn.conv2d(x[..., :2, :2], w, dilation=1, groups=2), ValueError,
         r"conv2d: the padded input size \(2, 2\) is smaller than the dilated kernel's size \(3, 3\)"),
        (lambda: tg.nn.conv1d(np.ones((1, 2, 5), int), np.ones((1, 2, 2), int)), TypeError,
         r"conv1d: input, weight and bias must be .* floating dtype, got int64, int64"),
        (lambda: tg.nn.conv_transpose2d(x, w), ValueError,
         r"conv_transpose2d: input of shape \(2, 4, 7, 7\) must have weight.shape\[0\] = 6"),
        (lambda: tg.nn.conv_transpose2d(x, R(4, 2, 3, 3), stride=2, output_padding=2), ValueError,
         r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either stride \(2, 2\) "
         r"or dilation \(1, 1\)"),
        (lambda: tg.nn.conv_transpose2d(x, R(4, 2, 3, 3), padding="same"), TypeError,
         r"conv_transpose2d: padding must be an int .* got 'same'"),
        (lambda: tg.nn.conv_transpose1d(R(1, 2, 1), R(2, 1, 1), padding=1), ValueError,
         r"conv_transpose1d: the output size \(-1,\) would be empty"),
        (lambda: tg.nn.unfold(R(2, 3, 4), 5), ValueError,
         r"unfold: the padded size \(3, 4\) is smaller than the dilated kernel's size \(5, 5\)"),
        (lambda: tg.nn.unfold(R(3, 4), 2), ValueError, r"unfold: input of shape \(3, 4\) must be 4-d"),
        (lambda: tg.nn.fold(R(2, 12, 15), (5, 5), 2), ValueError,
         r"fold: input of shape \(2, 12, 15\) must have L = 4·4 = 16 blocks"),
        (lambda: tg.nn.fold(R(2, 10, 16), (5, 5), 2), ValueError,
         r"fold: input of shape \(2, 10, 16\): dimension 1 must be divisible by the kernel's size"),
        (lambda: tg.nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), ValueError,
         r"ConvTranspose2d: output_padding \(2, 2\) must be smaller"),
        (lambda: tg.nn.Conv3d(4, 6, 3, groups=4), ValueError,
         r"Conv3d: in_channels \(4\) and out_channels \(6\) must be divisible by groups \(4\)"),
        (lambda: tg.nn.Conv3d(4, 6, 3, padding_mode="mirror"), ValueError,
         r"Conv3d: padding_mode must be one of \('zeros', 'reflect', 'replicate', 'circular'\)"),
        (lambda: tg.nn.Conv3d(4, 6, (3, 3))(R(1, 4, 5, 5, 5)), TypeError,
         r"Conv3d: kernel_size must be an int or a sequence of 3 ints"),
        (lambda: tg.nn.Conv3d(4, 6, 3)(R(1, 3, 5, 5, 5)), ValueError,
         r"Conv3d\(4, 6\): input of shape \(1, 3, 5, 5, 5\) must be \(N, 4, \*spatial\)"),
    ]
    for f, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            f()
    # 'same' with stride 1 and 'valid' are fine; float32 data with float64 weights promotes
    assert tg.nn.conv2d(x, w, padding="same", groups=2).shape == (2, 6, 7, 7)
    y32 = tg.nn.conv1d(np.ones((1, 2, 5), np.float32), np.ones((3, 2, 2)))
    assert y32.dtype == np.float64 and float(y32[0, 0, 0]) == 4.0


def test_conv_transpose_modules_take_pytorchs_output_size():
    # the output_padding that gives the requested size: (L − 1)·s − 2p + d(k − 1) + 1 + op
    rng = np.random.default_rng(3)
    for cls, nd in ((tg.nn.ConvTranspose1d, 1), (tg.nn.ConvTranspose2d, 2)):
        m = cls(2, 3, 3, stride=2, padding=1)
        x = rng.normal(size=(1, 2) + (4,) * nd)
        m(x)
        p = m.params
        np.testing.assert_array_equal(m(x, p), m.apply(p, x))  # tensorgrad's layer(x, params)
        for size, op in ((7, 0), (8, 1)):
            want = m.apply(p, x) if op == 0 else cls(2, 3, 3, stride=2, padding=1,
                                                       output_padding=1).apply(p, x)
            for given in ([size] * nd, [1, 3] + [size] * nd):
                got = m(x, output_size=given)
                assert got.shape == (1, 3) + (size,) * nd
                np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(m(x, [size] * nd), want)  # positional, as PyTorch's
        with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
            m(x, output_size=[9] * nd)
        with pytest.raises(ValueError, match=f"must have {nd} or {nd + 2} elements"):
            m(x, output_size=[7] * (nd + 1))


def test_conv2d_takes_pytorchs_positional_order():
    # tg.nn.Conv2d(4, 4, 3, 1, 0, 2) read the 2 as bias (dilation stayed 1), silently another
    # layer than torch.nn.Conv2d's; its order is now PyTorch's, as Conv1d's and Conv3d's
    c = tg.nn.Conv2d(4, 6, 3, 1, 0, 2, 2, False, "reflect")
    assert c.dilation == 2 and c.groups == 2 and not c.has_bias and c.padding_mode == "reflect"
    c.init(0)
    x = np.random.default_rng(0).normal(size=(1, 4, 7, 7))
    assert c(x).shape == (1, 6, 3, 3)
    kw = tg.nn.Conv2d(4, 6, 3, stride=1, padding=0, dilation=2, groups=2, bias=False,
                      padding_mode="reflect")
    np.testing.assert_array_equal(kw.apply(c.params, x), c(x))
