"""PyTorch's resampling (tensorgrad/nn/torch_resample.py) and its remaining activations and
dropouts (tensorgrad/nn/torch_misc.py): values and gradients against JAX expressions of
PyTorch's definitions (its index arithmetic written in jax.numpy), float64 to 1e-12; the
dropouts' masks and scaling with fixed keys; tg.jit / tg.vmap / tg.jvp; the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(11)


def R(*shape):
    return RNG.normal(size=shape)


def check_many(tg_fs, jax_fs, *arrays):
    """Each tg_fs[k](*arrays) against jax_fs[k], values and the gradient of Σ_k Σ out_k·W_k
    for every array, the JAX side compiled once."""
    ja = tuple(map(jnp.asarray, arrays))
    shapes = jax.eval_shape(lambda *a: [f(*a) for f in jax_fs], *ja)
    Ws = [RNG.normal(size=s.shape) for s in shapes]
    argnums = tuple(range(len(arrays)))

    def jtotal(*a):
        outs = [f(*a) for f in jax_fs]
        return sum(jnp.sum(o * w) for o, w in zip(outs, Ws)), outs
    (_, want), jg = jax.jit(jax.value_and_grad(jtotal, argnums, has_aux=True))(*ja)
    for f, w in zip(tg_fs, want):
        got = np.asarray(f(*arrays))
        assert got.shape == w.shape
        np.testing.assert_allclose(got, np.asarray(w), rtol=1e-12, atol=1e-12)
    g = tg.grad(lambda *a: sum(tg.sum(f(*a) * w) for f, w in zip(tg_fs, Ws)), argnums)(*arrays)
    for a, b in zip(g, jg):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


# ---- PyTorch's interpolation rules in jax.numpy -----------------------------------------------
def j_scale(L, out, align, sf):
    if align:
        return (L - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / sf if sf is not None else L / out


def onehot(i, size):
    """(…, size): 1 where the integer position i is, none where it is outside 0 … size − 1."""
    return (i[..., None] == jnp.arange(size)).astype(jnp.float64)


def j_axis(x, axis, L, out, sf, mode, align, nd):
    """One axis resampled by PyTorch's rule, as a (out, L) matrix of gathered weights."""
    o = jnp.arange(out)
    if mode in ("nearest", "nearest-exact"):
        s = jnp.float32(1.0 / sf) if sf is not None else jnp.float32(L) / jnp.float32(out)
        if mode == "nearest":
            idx = jnp.floor(o.astype(jnp.float32) * s).astype(int)
            if nd == 4 and out == L:   # PyTorch's 2-D kernel copies an unchanged axis ...
                idx = o
            elif nd == 4 and out == 2 * L:  # ... and halves the index of a doubled one
                idx = o // 2
        else:
            idx = jnp.floor(((o + 0.5) * s.astype(jnp.float64)).astype(jnp.float32)).astype(int)
        M = onehot(jnp.minimum(idx, L - 1), L)
    else:
        s = j_scale(L, out, align, sf)
        src = s * o if align else s * (o + 0.5) - 0.5
        if mode == "bicubic":
            i0 = jnp.floor(src).astype(int)
            t = (src - i0)[:, None]
            A = -0.75
            c1 = lambda v: ((A + 2) * v - (A + 3)) * v * v + 1  # noqa: E731
            c2 = lambda v: ((A * v - 5 * A) * v + 8 * A) * v - 4 * A  # noqa: E731
            ws = [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]
            M = sum(ws[k] * onehot(jnp.clip(i0 - 1 + k, 0, L - 1), L) for k in range(4))
        elif out == L:
            return x
        else:
            src = jnp.maximum(src, 0.0)
            i0 = jnp.minimum(jnp.floor(src).astype(int), L - 1)
            lam = (src - i0)[:, None]
            i1 = jnp.where(i0 < L - 1, i0 + 1, i0)
            M = (1 - lam) * onehot(i0, L) + lam * onehot(i1, L)
    return jnp.moveaxis(jnp.tensordot(x, M, ((axis,), (1,))), -1, axis)


def j_area_matrix(L, out):
    i = np.arange(out)
    start, end = (i * L) // out, -((-(i + 1) * L) // out)
    pos = jnp.arange(L)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return inside / (end - start)[:, None]


def j_interp(x, mode, size=None, sf=None, align=False, recompute=False):
    nd = x.ndim
    sp = x.shape[2:]
    if size is not None:
        out = (size,) * (nd - 2) if isinstance(size, int) else size
        scales = (None,) * (nd - 2)
    else:
        sfs = (sf,) * (nd - 2) if not isinstance(sf, tuple) else sf
        out = tuple(int(n * s) for n, s in zip(sp, sfs))
        scales = (None,) * (nd - 2) if recompute or mode == "area" else sfs
    if mode == "area":
        for j in range(nd - 2):
            x = jnp.moveaxis(jnp.tensordot(x, j_area_matrix(sp[j], out[j]), ((2 + j,), (1,))),
                             -1, 2 + j)
        return x
    for j in reversed(range(nd - 2)):
        x = j_axis(x, 2 + j, sp[j], out[j], scales[j], mode, align, nd)
    return x


def interp_cases(mode, cases, which=0):
    """tg and JAX functions of all the test's arrays, each resampling array ``which``."""
    return ([lambda *a, kw=kw: tg.nn.interpolate(a[which], mode=mode, **kw) for kw in cases],
            [lambda *a, kw=kw: j_interp(a[which], mode, kw.get("size"), kw.get("scale_factor"),
                                        bool(kw.get("align_corners")),
                                        bool(kw.get("recompute_scale_factor"))) for kw in cases])


def joined(*pairs):
    return [f for p in pairs for f in p[0]], [f for p in pairs for f in p[1]]


def test_interpolate_nearest_modes():
    check_many(*joined(
        # 1-d and 3-d: a scale factor giving out == in (1.1) or out == 2·in (2.1) still
        # reads floor(i/s) ...
        interp_cases("nearest", [dict(scale_factor=1.1), dict(scale_factor=2.1),
                                 dict(size=9), dict(scale_factor=0.55)], 0),
        interp_cases("nearest", [dict(scale_factor=(1.5, 0.7, 2.1))], 2),
        # ... 2-d: PyTorch's kernel copies or halves the index in those cases
        interp_cases("nearest", [dict(scale_factor=(1.1, 2.1)), dict(size=(3, 7)),
                                 dict(scale_factor=1.7, recompute_scale_factor=True)], 1),
        interp_cases("nearest-exact", [dict(scale_factor=1.7)], 0),
        interp_cases("nearest-exact", [dict(size=(3, 8)), dict(scale_factor=(0.6, 2.1))], 1),
        interp_cases("nearest-exact", [dict(size=(2, 5, 3))], 2)),
        R(2, 3, 5), R(1, 2, 4, 5), R(1, 2, 3, 4, 2))


def test_interpolate_linear_modes():
    cases = []
    for align in (False, True):
        kw = dict(align_corners=align)
        cases += [
            interp_cases("linear", [dict(scale_factor=1.7, **kw), dict(size=3, **kw),
                                    dict(scale_factor=1.1, **kw), dict(size=1, **kw),
                                    dict(scale_factor=2.6, recompute_scale_factor=True, **kw)],
                         0),
            interp_cases("bilinear", [dict(scale_factor=(1.3, 0.6), **kw),
                                      dict(size=(7, 2), **kw)], 1),
            interp_cases("bicubic", [dict(scale_factor=(1.6, 0.7), **kw), dict(size=(2, 9), **kw),
                                     dict(scale_factor=1.1, **kw)], 1),
            interp_cases("trilinear", [dict(scale_factor=(1.5, 0.7, 2.2), **kw)], 2)]
    check_many(*joined(*cases), R(2, 2, 5), R(1, 2, 4, 5), R(1, 2, 3, 4, 2))


def test_interpolate_area_and_aliases():
    check_many(*joined(
        interp_cases("area", [dict(size=3), dict(scale_factor=0.6), dict(size=7)], 0),
        interp_cases("area", [dict(size=(2, 3)), dict(scale_factor=(0.5, 1.4))], 1),
        interp_cases("area", [dict(size=(2, 3, 2))], 2)), R(2, 2, 5), R(1, 2, 5, 4),
        R(1, 2, 3, 5, 4))
    x = R(1, 2, 3, 4)
    np.testing.assert_array_equal(tg.nn.upsample_bilinear(x, scale_factor=2),
                                  tg.nn.interpolate(x, scale_factor=2, mode="bilinear",
                                                    align_corners=True))
    np.testing.assert_array_equal(tg.nn.upsample_nearest(x, size=(5, 6)),
                                  tg.nn.interpolate(x, size=(5, 6)))
    np.testing.assert_array_equal(tg.nn.upsample(x, None, 1.5, "bicubic", True),
                                  tg.nn.interpolate(x, None, 1.5, "bicubic", True))
    up = tg.nn.Upsample(scale_factor=(2, 1.5), mode="bilinear")
    np.testing.assert_array_equal(up(x), tg.nn.interpolate(x, scale_factor=(2, 1.5),
                                                           mode="bilinear"))
    assert np.asarray(tg.nn.interpolate(x.astype(np.float32), scale_factor=1.5,
                                        mode="bicubic")).dtype == np.float32


def test_interpolate_transforms():
    x = R(2, 3, 4, 5)
    f = lambda x: tg.nn.interpolate(x, scale_factor=(1.5, 0.8), mode="bicubic")  # noqa: E731
    np.testing.assert_allclose(tg.jit(f)(x), f(x), rtol=0, atol=1e-15)
    np.testing.assert_allclose(tg.vmap(f)(x[:, None])[:, 0], f(x), rtol=0, atol=1e-15)
    t = R(*x.shape)
    _, got = tg.jvp(f, (x,), (t,))
    np.testing.assert_allclose(got, f(t), rtol=1e-12, atol=1e-12)  # (a linear map)
    jf = tg.jit(tg.grad(lambda x: tg.sum(tg.nn.interpolate(x, size=(3, 7)) ** 2)))
    np.testing.assert_allclose(jf(x), tg.grad(lambda x: tg.sum(
        tg.nn.interpolate(x, size=(3, 7)) ** 2))(x), rtol=0, atol=1e-15)


def test_interpolate_errors():
    x = R(1, 2, 3, 4)
    with pytest.raises(ValueError, match="interpolate: align_corners can only be set"):
        tg.nn.interpolate(x, scale_factor=2, align_corners=False)
    with pytest.raises(ValueError, match="interpolate: only one of size or scale_factor"):
        tg.nn.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: either size or scale_factor"):
        tg.nn.interpolate(x)
    with pytest.raises(ValueError, match=r"interpolate: got 4-D input of shape \(1, 2, 3, 4\), "
                                         r"but mode 'linear' needs 3-D"):
        tg.nn.interpolate(x, size=3, mode="linear")
    with pytest.raises(ValueError, match=r"interpolate: input with spatial shape \(3, 4\)"):
        tg.nn.interpolate(x, size=(3, 4, 5))
    with pytest.raises(ValueError, match="interpolate: recompute_scale_factor is not meaningful"):
        tg.nn.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="interpolate: antialias"):
        tg.nn.interpolate(x, size=3, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="interpolate: mode must be one of"):
        tg.nn.interpolate(x, size=3, mode="cubic")
    with pytest.raises(ValueError, match=r"interpolate: scale_factor 0.1 gives an empty output"):
        tg.nn.interpolate(x, scale_factor=0.1)
    with pytest.raises(TypeError, match="interpolate: mode 'bilinear' needs floating input"):
        tg.nn.interpolate(np.ones((1, 1, 2, 2), int), size=3, mode="bilinear")
    np.testing.assert_array_equal(tg.nn.interpolate(np.arange(3).reshape(1, 1, 3), size=6),
                                  [[[0, 0, 1, 1, 2, 2]]])


# ---- grid_sample and affine_grid --------------------------------------------------------------
def j_clip(c, size):
    return jnp.where(c <= 0, 0.0, jnp.where(c >= size - 1, size - 1.0, c))


def j_reflect(c, lo2, hi2):
    if lo2 == hi2:
        return c * 0.0
    lo, span = lo2 / 2, (hi2 - lo2) / 2
    c = c - lo
    a = jnp.where(c < 0, -c, c)
    flips = jax.lax.stop_gradient(jnp.floor(a / span))
    extra = jnp.fmod(a, span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + lo, span - extra + lo)


def j_coord(g, size, pm, align):
    c = (g + 1) / 2 * (size - 1) if align else ((g + 1) * size - 1) / 2
    if pm == "border":
        c = j_clip(c, size)
    elif pm == "reflection":
        c = j_clip(j_reflect(c, 0, 2 * (size - 1)) if align else j_reflect(c, -1, 2 * size - 1),
                   size)
    return c


def j_grid_sample(x, g, mode, pm, align):
    n = x.ndim - 2
    sizes = x.shape[2:]
    cs = [j_coord(g[..., n - 1 - j], sizes[j], pm, align) for j in range(n)]
    spec = "nc" + "dhw"[3 - n:] + "," + ",".join("nijk"[:n + 1] + a for a in "dhw"[3 - n:]) \
        + "->nc" + "ijk"[:n]

    if mode == "nearest":  # one-hot weights of the rounded positions (none outside)
        return jnp.einsum(spec, x, *[onehot(jnp.round(jax.lax.stop_gradient(c)).astype(int), s)
                                     for c, s in zip(cs, sizes)])
    # bilinear: the tent weights max(0, 1 − |c − w|) of each input position w, 0 outside
    return jnp.einsum(spec, x, *[jnp.maximum(0.0, 1 - jnp.abs(c[..., None] - jnp.arange(s)))
                                 for c, s in zip(cs, sizes)])


def gs_cases(combos, pair=0):
    """tg and JAX functions of all the test's arrays, sampling arrays 2·pair and 2·pair + 1."""
    k = 2 * pair
    return ([lambda *a, c=c: tg.nn.grid_sample(a[k], a[k + 1], *c) for c in combos],
            [lambda *a, c=c: j_grid_sample(a[k], a[k + 1], *c) for c in combos])


def test_grid_sample_2d_padding_modes():
    x = R(2, 3, 4, 5)
    g = RNG.uniform(-1.7, 1.7, size=(2, 3, 4, 2))  # (reaching outside [−1, 1])
    combos = [("bilinear", "zeros", False), ("bilinear", "border", True),
              ("bilinear", "reflection", False), ("bilinear", "reflection", True)]
    check_many(*gs_cases(combos), x, g)


def test_grid_sample_nearest_and_3d():
    x = R(2, 3, 4, 5)
    g = RNG.uniform(-1.7, 1.7, size=(2, 3, 4, 2))
    combos = [("nearest", pm, al) for pm in ("zeros", "border", "reflection")
              for al in (False, True)]
    x5 = R(1, 2, 3, 4, 2)
    g5 = RNG.uniform(-1.5, 1.5, size=(1, 2, 3, 2, 3))
    check_many(*joined(gs_cases(combos, 0),
                       gs_cases([("bilinear", "zeros", False), ("bilinear", "reflection", True),
                                 ("nearest", "border", False)], 1),
                       # a single-pixel axis with align_corners=True reflects to 0
                       gs_cases([("bilinear", "reflection", True)], 2)),
               x, g, x5, g5, R(1, 2, 1, 3), RNG.uniform(-1.5, 1.5, size=(1, 2, 2, 2)))
    assert not np.any(tg.grad(lambda g: tg.sum(tg.nn.grid_sample(x, g, "nearest") ** 2))(g))


def test_affine_grid_and_identity():
    for align in (False, True):
        th = R(2, 2, 3)

        def j_affine(t, size=(2, 3, 4, 5), align=align):
            def line(s):
                v = jnp.linspace(-1.0, 1.0, s)
                return v if align else v * (s - 1) / s
            ys, xs = jnp.meshgrid(line(size[2]), line(size[3]), indexing="ij")
            base = jnp.stack([xs, ys, jnp.ones_like(xs)], axis=-1)
            return jnp.einsum("hwj,nij->nhwi", base, t)
        check_many([lambda t: tg.nn.affine_grid(t, (2, 3, 4, 5), align)], [j_affine], th)
        x = R(2, 3, 4, 5)
        eye = np.tile(np.eye(2, 3), (2, 1, 1))
        for mode in ("bilinear", "nearest"):
            grid = tg.nn.affine_grid(eye, x.shape, align_corners=align)
            np.testing.assert_allclose(tg.nn.grid_sample(x, grid, mode, align_corners=align), x,
                                       rtol=0, atol=1e-12)
        x5 = R(1, 2, 3, 2, 4)
        grid5 = tg.nn.affine_grid(np.eye(3, 4)[None], x5.shape, align_corners=align)
        assert grid5.shape == (1, 3, 2, 4, 3)
        np.testing.assert_allclose(tg.nn.grid_sample(x5, grid5, align_corners=align), x5,
                                   rtol=0, atol=1e-12)


def test_grid_sample_transforms():
    x = R(2, 3, 4, 5)
    g = RNG.uniform(-1.4, 1.4, size=(2, 3, 2, 2))
    f = lambda x, g: tg.nn.grid_sample(x, g, padding_mode="reflection")  # noqa: E731
    np.testing.assert_allclose(tg.jit(f)(x, g), f(x, g), rtol=0, atol=1e-15)
    np.testing.assert_allclose(tg.vmap(f)(x[:, None], g[:, None])[:, 0], f(x, g), rtol=0,
                               atol=1e-15)
    t = R(*g.shape)
    _, got = tg.jvp(lambda g: f(x, g), (g,), (t,))
    _, want = jax.jit(lambda g, t: jax.jvp(
        lambda g: j_grid_sample(jnp.asarray(x), g, "bilinear", "reflection", False), (g,),
        (t,)))(jnp.asarray(g), jnp.asarray(t))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    jg = tg.jit(tg.grad(lambda x, g: tg.sum(f(x, g) ** 2), argnums=(0, 1)))(x, g)
    eg = tg.grad(lambda x, g: tg.sum(f(x, g) ** 2), argnums=(0, 1))(x, g)
    for a, b in zip(jg, eg):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_grid_sample_and_affine_grid_errors():
    x, g = R(1, 2, 3, 4), R(1, 2, 2, 2)
    with pytest.raises(NotImplementedError, match="grid_sample: mode='bicubic'"):
        tg.nn.grid_sample(x, g, "bicubic")
    with pytest.raises(ValueError, match="grid_sample: padding_mode must be"):
        tg.nn.grid_sample(x, g, padding_mode="wrap")
    with pytest.raises(ValueError, match=r"grid_sample: .*got input \(1, 2, 3, 4\) and grid "
                                         r"\(1, 2, 2, 3\)"):
        tg.nn.grid_sample(x, R(1, 2, 2, 3))
    with pytest.raises(ValueError, match=r"affine_grid: for size \(1, 2, 3, 4\) theta must have "
                                         r"shape \(1, 2, 3\), got \(1, 3, 4\)"):
        tg.nn.affine_grid(R(1, 3, 4), (1, 2, 3, 4))
    with pytest.raises(TypeError, match="affine_grid: theta must be floating"):
        tg.nn.affine_grid(np.ones((1, 2, 3), int), (1, 2, 3, 4))


# ---- activations ------------------------------------------------------------------------------
def test_activations_at_and_around_kinks():
    x = np.array([-3.0, 3.0, 0.0, -3 - 1e-9, -3 + 1e-9, 3 - 1e-9, 3 + 1e-9, -1e-12, 1e-12,
                  -7.0, 7.0, -1.3, 2.2])
    lo, up = 0.1, 0.4
    check_many(
        [tg.nn.hardswish, tg.nn.hardsigmoid, tg.nn.softsign,
         lambda x: tg.nn.rrelu(x, lo, up), tg.nn.rrelu],
        [lambda x: jnp.where(x <= -3, 0.0, jnp.where(x >= 3, x, x * (x + 3) / 6)),
         lambda x: jnp.where(x <= -3, 0.0, jnp.where(x >= 3, 1.0, x / 6 + 0.5)),
         lambda x: x / (1 + jnp.abs(x)),
         lambda x: jnp.where(x > 0, x, x * (lo + up) / 2),
         lambda x: jnp.where(x > 0, x, x * (1 / 8 + 1 / 3) / 2)], x)
    X = R(2, 4, 3)
    X[0, :, 0] = 0.0
    check_many([tg.nn.prelu], [lambda x, w: jnp.where(x > 0, x, w[:, None] * x)], X, R(4))
    check_many([tg.nn.prelu], [lambda x, w: jnp.where(x > 0, x, w * x)], X, R(1))
    with pytest.raises(ValueError, match=r"prelu: weight must be 0-d or 1-d with 1 or C = 4 "
                                         r"entries for input of shape \(2, 4, 3\), got shape \(3,\)"):
        tg.nn.prelu(X, R(3))
    with pytest.raises(TypeError, match="hardswish: inplace must be True or False"):
        tg.nn.hardswish(X, inplace=None)


def test_local_response_norm():
    def j_lrn(x, size, alpha, beta, k):
        sq = jnp.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
        c = x.shape[1]
        avg = sum(sq[:, j:j + c] for j in range(size)) / size
        return x / (k + alpha * avg) ** beta
    check_many([lambda x: tg.nn.local_response_norm(x, 3, 0.5, 0.8, 1.5),
                lambda x: tg.nn.local_response_norm(x, 2, 1.2, 0.6),
                tg.nn.LocalResponseNorm(5, 0.3, 1.1, 2.0)],
               [lambda x: j_lrn(x, 3, 0.5, 0.8, 1.5), lambda x: j_lrn(x, 2, 1.2, 0.6, 1.0),
                lambda x: j_lrn(x, 5, 0.3, 1.1, 2.0)], R(2, 6, 3, 2))
    with pytest.raises(ValueError, match=r"local_response_norm: input of shape \(2, 6\)"):
        tg.nn.local_response_norm(R(2, 6), 3)


# ---- dropouts, rrelu and gumbel_softmax with keys ---------------------------------------------
def test_dropout_masks_and_scaling():
    key = tg.random.PRNGKey(5)
    x = RNG.uniform(0.5, 1.5, size=(40, 500))
    p = 0.3
    y = np.asarray(tg.nn.dropout(x, p, key=key))
    kept = y != 0
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / x.size)
    np.testing.assert_allclose(y[kept], x[kept] / (1 - p), rtol=1e-15)
    np.testing.assert_array_equal(tg.nn.dropout(x, p, key=key), y)  # same key, same mask
    g = tg.grad(lambda x: tg.sum(tg.nn.dropout(x, p, key=key)))(x)
    np.testing.assert_allclose(g, kept / (1 - p), rtol=1e-15)
    for f in (tg.nn.dropout, tg.nn.dropout1d, tg.nn.dropout2d):
        assert f(x[:, :, None], p, training=False) is not None
        np.testing.assert_array_equal(f(x[:, :, None], p, training=False), x[:, :, None])
    np.testing.assert_array_equal(tg.nn.dropout(x, 0.0, key=key), x)
    np.testing.assert_array_equal(tg.nn.dropout(x, 1.0, key=key), 0 * x)
    np.testing.assert_array_equal(tg.nn.alpha_dropout(x, p), x)  # training=False by default
    # channel dropouts: one draw per (sample, channel)
    x4 = RNG.uniform(0.5, 1.5, size=(30, 20, 3, 2))
    y4 = np.asarray(tg.nn.dropout2d(x4, 0.5, key=key))
    assert ((y4 == 0) == (y4[:, :, :1, :1] == 0)).all() and 0.35 < (y4 == 0).mean() < 0.65
    y1 = np.asarray(tg.nn.dropout1d(x4[0, :, :, 0], 0.5, key=key))  # (C, L): per channel
    assert ((y1 == 0) == (y1[:, :1] == 0)).all()
    y5 = np.asarray(tg.nn.dropout3d(x4[..., None], 0.5, key=key))
    assert ((y5 == 0) == (y5[:, :, :1, :1, :1] == 0)).all()
    with pytest.raises(ValueError, match="dropout: without a key this draws from the global stream"):
        tg.jit(lambda v: tg.nn.dropout(v, p))(x)  # (a plan would replay one draw as a constant)
    with pytest.raises(ValueError, match="dropout: dropout probability has to be between 0 and "
                                         "1, but got 1.5"):
        tg.nn.dropout(x, 1.5, key=key)
    with pytest.raises(TypeError, match="dropout1d: inplace must be True or False"):
        tg.nn.dropout1d(x, inplace=1, key=key)
    with pytest.raises(ValueError, match=r"dropout1d: expected \(N, C, L\) or \(C, L\) input, "
                                         r"got input of shape \(30, 20, 3, 2\)"):
        tg.nn.dropout1d(x4, key=key)


def test_alpha_dropout_keeps_selu_statistics():
    key = tg.random.PRNGKey(9)
    x = RNG.normal(size=(200, 400))
    p = 0.2
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    y = np.asarray(tg.nn.alpha_dropout(x, p, training=True, key=key))
    dropped = np.isclose(y, a * (alpha * p - alpha), rtol=0, atol=1e-14)
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + a * alpha * p, rtol=1e-14)
    assert abs(dropped.mean() - p) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1) < 0.02  # zero mean, unit variance kept
    g = tg.grad(lambda x: tg.sum(tg.nn.alpha_dropout(x, p, True, key=key)))(x)
    np.testing.assert_allclose(g, np.where(dropped, 0.0, a), rtol=1e-15)
    yf = np.asarray(tg.nn.feature_alpha_dropout(x.reshape(200, 40, 10), p, True, key=key))
    df = np.isclose(yf, a * (alpha * p - alpha), rtol=0, atol=1e-14)
    assert (df == df[:, :, :1]).all() and 0.15 < df.mean() < 0.25


def test_rrelu_training_and_gumbel_softmax():
    key = tg.random.PRNGKey(2)
    x = R(50, 40)
    y = np.asarray(tg.nn.rrelu(x, 0.1, 0.3, training=True, key=key))
    neg = x <= 0
    np.testing.assert_array_equal(y[~neg], x[~neg])
    slope = y[neg] / x[neg]
    assert slope.min() >= 0.1 and slope.max() < 0.3 and np.ptp(slope) > 0.15
    g = tg.grad(lambda x: tg.sum(tg.nn.rrelu(x, 0.1, 0.3, True, key=key)))(x)
    np.testing.assert_allclose(g[neg], slope, rtol=1e-12)
    tg.manual_seed(2)  # without a key: the global stream (PyTorch's generator), anew at each call
    y1, y2 = (np.asarray(tg.nn.rrelu(x, 0.1, 0.3, training=True)) for _ in range(2))
    tg.manual_seed(2)
    np.testing.assert_array_equal(np.asarray(tg.nn.rrelu(x, 0.1, 0.3, training=True)), y1)
    assert (y1[neg] != y2[neg]).all() and (y1[~neg] == x[~neg]).all()
    logits = R(6, 5)
    soft = np.asarray(tg.nn.gumbel_softmax(logits, tau=0.7, key=key))
    z = (logits + np.asarray(tg.random.gumbel(key, logits.shape))) / 0.7
    want = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(soft, want / want.sum(-1, keepdims=True), rtol=1e-12)
    hard = np.asarray(tg.nn.gumbel_softmax(logits, 0.7, hard=True, dim=0, key=key))
    assert (hard.sum(0) == 1).all() and set(np.unique(hard)) <= {0.0, 1.0}
    soft0 = np.asarray(tg.nn.gumbel_softmax(logits, 0.7, dim=0, key=key))
    np.testing.assert_array_equal(hard.argmax(0), soft0.argmax(0))
    W = R(6, 5)
    gh = tg.grad(lambda l: tg.sum(tg.nn.gumbel_softmax(l, 0.7, True, dim=0, key=key) * W))(logits)
    gs = tg.grad(lambda l: tg.sum(tg.nn.gumbel_softmax(l, 0.7, dim=0, key=key) * W))(logits)
    np.testing.assert_allclose(gh, gs, rtol=1e-12, atol=1e-15)  # straight-through
    with pytest.raises(ValueError, match="gumbel_softmax: without a key"):
        tg.jit(lambda v: tg.nn.gumbel_softmax(v))(logits)


def test_random_layers():
    x = R(8, 6, 5)
    key = tg.random.PRNGKey(4)
    model = tg.nn.Sequential(tg.nn.RReLU(0.1, 0.3), tg.nn.Dropout1d(0.5),
                             tg.nn.AlphaDropout(0.2), tg.nn.Dropout2d(0.4),
                             tg.nn.FeatureAlphaDropout(0.1))
    model.init(3)
    a, b = model(x), model(x)
    assert np.abs(a - b).max() > 0  # the layers' streams advance
    np.testing.assert_array_equal(model(x, key=key), model(x, key=key))
    step = tg.jit(lambda x: model(x))
    assert np.abs(step(x) - step(x)).max() > 0  # each call of the plan draws again
    r = tg.nn.RReLU(0.1, 0.3, seed=1)
    np.testing.assert_array_equal(r(x, key=key), tg.nn.rrelu(x, 0.1, 0.3, True, key=key))
    # PyTorch's third argument is inplace (it was taken for the seed); Hardtanh's deprecated names
    assert tg.nn.RReLU(0.1, 0.3, True).seed is None and tg.nn.RReLU(0.1, 0.3, False).key is None
    np.testing.assert_array_equal(tg.nn.RReLU(0.1, 0.3, True).eval()(x), tg.nn.rrelu(x, 0.1, 0.3))
    ht = tg.nn.Hardtanh(min_value=-0.5, max_value=0.25)
    np.testing.assert_array_equal(ht(x), np.clip(x, -0.5, 0.25))
    d = tg.nn.Dropout2d(0.5)
    np.testing.assert_array_equal(d(x[..., None], key=key),
                                  tg.nn.dropout2d(x[..., None], 0.5, key=key))
    d3 = tg.nn.Dropout3d(0.5)
    np.testing.assert_array_equal(d3(x[..., None], key=key),  # (C, D, H, W): per channel
                                  tg.nn.dropout3d(x[..., None], 0.5, key=key))
    model.eval()
    np.testing.assert_array_equal(model(x), np.where(x > 0, x, 0.2 * x))


@pytest.mark.parametrize("image_requires_grad", [False, True])
def test_nearest_grid_sample_keeps_the_grid_on_the_graph_with_slope_zero(image_requires_grad):
    # PyTorch's spatial-transformer idiom: theta -> affine_grid -> grid_sample(mode="nearest");
    # theta.grad is zeros there (not None), and backward() works with a constant image
    rng = np.random.default_rng(5)
    image = rng.normal(size=(1, 2, 4, 5))
    img = tg.tensor(image, requires_grad=image_requires_grad)
    theta = tg.tensor(np.array([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]]]), requires_grad=True)
    grid = tg.nn.functional.affine_grid(theta, (1, 2, 3, 3), align_corners=False)
    out = tg.nn.functional.grid_sample(img, grid, mode="nearest", align_corners=False)
    plain = tg.nn.functional.grid_sample(image, tg.stop_gradient(grid).numpy(), mode="nearest",
                                         align_corners=False)
    np.testing.assert_array_equal(out.detach().numpy(), plain)  # the same values
    (out ** 2).sum().backward()
    np.testing.assert_array_equal(theta.grad, np.zeros((1, 2, 3)))
