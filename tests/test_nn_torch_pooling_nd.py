"""PyTorch's 2-d/3-d poolings, max_unpool, F.pad and their layers in tg.nn
(tensorgrad/nn/torch_pooling_nd.py, torch_padding.py, torch_pooling_layers.py): values and
gradients against JAX expressions of PyTorch's definitions (float64, 1e-12), the indices and
their unpooling, ties, tg.jit / tg.vmap / tg.jvp through them, and the errors.

Each test compiles its JAX reference once: several configurations are one jitted function
returning a tuple."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(49)


def R(*shape):
    return RNG.normal(size=shape)


def check(tg_f, jax_f, *arrays):
    """tg_f and jax_f return tuples: values, and the gradient of Σ_i Σ out_i·W_i for every
    input, to 1e-12 (the reference is one jax.jit of values and gradient together)."""
    got = tg_f(*arrays)
    W = [RNG.normal(size=np.shape(g)) for g in got]
    argnums = tuple(range(len(arrays)))

    def loss(*a):
        return sum(jnp.sum(o * w) for o, w in zip(jax_f(*a), W))
    want, jg = jax.jit(lambda *a: (jax_f(*a), jax.grad(loss, argnums=argnums)(*a)))(
        *map(jnp.asarray, arrays))
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert np.shape(a) == b.shape
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)
    g = tg.grad(lambda *a: sum(tg.sum(o * w) for o, w in zip(tg_f(*a), W)),
                argnums=argnums)(*arrays)
    for a, b in zip(g, jg):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)
    return got


# ---- PyTorch's definitions, restated ----------------------------------------------------------
def _n(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _out(L, k, s, p, d, ceil):
    """PyTorch's output size: floor (or ceil) of the padded length over the stride, a ceil-mode
    window starting in the right padding dropped."""
    n = (L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    return n - 1 if ceil and (n - 1) * s >= L + p else n


def _geom(x, nd, k, s=None, p=0, d=1, ceil=False):
    k, p, d = _n(k, nd), _n(p, nd), _n(d, nd)
    s = k if s is None else _n(s, nd)
    sp = x.shape[-nd:]
    return k, s, p, d, [_out(sp[a], k[a], s[a], p[a], d[a], ceil) for a in range(nd)]


def jpool(x, nd, kind, k, s=None, p=0, d=1, ceil=False, cip=True, div=None):
    """lax.reduce_window over the input padded by p in front and as far as the last window
    reaches behind (−inf for max, 0 for sums), then PyTorch's divisor for averages. (JAX has no
    VJP for a dilated max window: those take the maximum of the strided slices of each tap.)"""
    k, s, p, d, out = _geom(x, nd, k, s, p, d, ceil)
    sp, lead = x.shape[-nd:], x.ndim - nd
    pads = [(0, 0)] * lead + [(p[a], max(0, (out[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 - sp[a]
                                          - p[a])) for a in range(nd)]
    init, op = (-jnp.inf, jax.lax.max) if kind == "max" else (0.0, jax.lax.add)
    if kind == "max" and max(d) > 1:
        xp = jnp.pad(x, pads, constant_values=-jnp.inf)
        taps = [xp[(Ellipsis, *(slice(j[a] * d[a], j[a] * d[a] + (out[a] - 1) * s[a] + 1, s[a])
                                for a in range(nd)))] for j in np.ndindex(*k)]
        return jnp.max(jnp.stack(taps, -1), -1)
    y = jax.lax.reduce_window(x, init, op, (1,) * lead + k, (1,) * lead + s, pads,
                              window_dilation=(1,) * lead + d)
    y = y[(Ellipsis, *(slice(0, o) for o in out))]
    if kind == "max":
        return y
    if div is not None:
        return y / div
    count = np.ones(())
    for a in range(nd):
        start = np.arange(out[a]) * s[a] - p[a]
        end = np.minimum(start + k[a], sp[a] + p[a])
        c = end - start if cip else np.minimum(end, sp[a]) - np.maximum(start, 0)
        count = np.multiply.outer(count, c)
    return y / count


def first_max_index(x, nd, k, s=None, p=0, d=1, ceil=False):
    """PyTorch's indices by a loop: the first maximal entry inside the input, windows read in
    row-major order, as a flat position in the spatial plane."""
    k, s, p, d, out = _geom(x, nd, k, s, p, d, ceil)
    sp = x.shape[-nd:]
    idx = np.zeros(x.shape[:-nd] + tuple(out), dtype=np.int64)
    for lead in np.ndindex(*x.shape[:-nd]):
        for o in np.ndindex(*out):
            best, where = -np.inf, None
            for j in np.ndindex(*k):
                pos = tuple(o[a] * s[a] - p[a] + j[a] * d[a] for a in range(nd))
                if all(0 <= pos[a] < sp[a] for a in range(nd)) and (
                        where is None or x[lead + pos] > best):
                    best, where = x[lead + pos], pos
            idx[lead + o] = np.ravel_multi_index(where, sp)
    return idx


# ---- max and average pooling ------------------------------------------------------------------
MAX2 = [dict(kernel_size=3, stride=2),                                  # the book's call
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),       # a clipped last window
        dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 3)),
        dict(kernel_size=2, stride=3, ceil_mode=True, dilation=2)]
MAX3 = [dict(kernel_size=2, stride=(1, 2, 2), padding=1, ceil_mode=True),
        dict(kernel_size=(3, 2, 2), stride=2, padding=(1, 1, 0), dilation=(1, 2, 1))]


def _ren(kw):
    """tg's keywords → jpool's."""
    names = dict(kernel_size="k", stride="s", padding="p", dilation="d", ceil_mode="ceil",
                 count_include_pad="cip", divisor_override="div")
    return {names[k]: v for k, v in kw.items()}


def test_max_pool2d_and_3d():
    x2, x3 = R(2, 3, 7, 8), R(2, 2, 5, 6, 7)
    # (which input: x2, unbatched x2, x3, unbatched x3; nd; keywords)
    cases = [(0, 2, kw) for kw in MAX2] + [(1, 2, MAX2[1])] + [(2, 3, kw) for kw in MAX3] \
        + [(3, 3, MAX3[0])]

    def parts(a, b):
        return a, a[0], b, b[1]
    got = check(lambda a, b: tuple(getattr(tg.nn, f"max_pool{nd}d")(parts(a, b)[i], **kw)
                                   for i, nd, kw in cases),
                lambda a, b: tuple(jpool(parts(a, b)[i], nd, "max", **_ren(kw))
                                   for i, nd, kw in cases), x2, x3)
    assert got[1].shape == (2, 3, 4, 5)  # ceil_mode adds a window along W ...
    assert got[5].shape == (2, 2, 6, 4, 4)  # ... and drops one starting in the padding
    # PyTorch's int64 indices, and the plane entries they name are the maxima
    for x, nd, kw in ((x2, 2, MAX2[1]), (x2, 2, MAX2[2]), (x3, 3, MAX3[1])):
        y, idx = getattr(tg.nn, f"max_pool{nd}d")(x, return_indices=True, **kw)
        assert np.asarray(idx).dtype == np.int64
        np.testing.assert_array_equal(idx, first_max_index(x, nd, **_ren(kw)))
        flat, n = x.reshape(x.shape[:2] + (-1,)), x.shape[:2] + (-1,)
        np.testing.assert_array_equal(np.take_along_axis(flat, np.reshape(idx, n), -1),
                                      np.reshape(y, n))


AVG = [(2, dict(kernel_size=3, stride=2)),
       (2, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),   # clipped by ceil_mode
       (2, dict(kernel_size=(3, 2), stride=(2, 3), padding=1, ceil_mode=True,
                count_include_pad=False)),
       (2, dict(kernel_size=2, padding=1, divisor_override=3)),
       (3, dict(kernel_size=(2, 3, 2), stride=2, padding=1, ceil_mode=True)),
       (3, dict(kernel_size=3, stride=(2, 1, 2), padding=1, ceil_mode=True,
                count_include_pad=False))]


def test_avg_pool2d_and_3d():
    x2, x3 = R(2, 3, 7, 8), R(2, 2, 5, 6, 7)

    def run(f):  # every case, then two unbatched ones
        return lambda x2, x3: tuple(f(nd, x2 if nd == 2 else x3, kw) for nd, kw in AVG) \
            + (f(2, x2[1], AVG[2][1]), f(3, x3[0], AVG[5][1]))
    got = check(run(lambda nd, x, kw: getattr(tg.nn, f"avg_pool{nd}d")(x, **kw)),
                run(lambda nd, x, kw: jpool(x, nd, "avg", **_ren(kw))), x2, x3)
    # the corner window of the ceil-mode case: rows 5, 6 and one of padding; column 7, one of
    # padding, and one beyond the padding that does not count
    np.testing.assert_allclose(got[1][..., 3, 4], (x2[..., 5, 7] + x2[..., 6, 7]) / 6,
                               rtol=1e-12)
    # integer input averages in float64
    y = tg.nn.avg_pool2d(np.arange(16).reshape(1, 4, 4), 2)
    assert np.asarray(y).dtype == np.float64
    np.testing.assert_array_equal(y, [[[2.5, 4.5], [10.5, 12.5]]])


def test_ties_and_all_minus_inf_windows():
    # the gradient goes to the first maximum in the window's row-major order, as PyTorch
    t = np.array([[[[1.0, 3, 3], [3, 2, 3], [0, 3, 1]]]])
    g = tg.grad(lambda v: tg.sum(tg.nn.max_pool2d(v, 2, 1)))(t)
    np.testing.assert_array_equal(g[0, 0], [[0, 2, 0], [1, 0, 1], [0, 0, 0]])
    _, idx = tg.nn.max_pool2d(t, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx[0, 0], [[1, 1], [3, 5]])
    t3 = np.zeros((1, 1, 2, 2, 2))
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.nn.max_pool3d(v, 2)))(t3).ravel(),
                                  [1, 0, 0, 0, 0, 0, 0, 0])
    # a window of −inf: PyTorch's index is its first entry inside the input, never the padding
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 3, 3] = 1.0
    y, idx = tg.nn.max_pool2d(x, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(idx[0, 0], [[0, 1, 3], [4, 5, 7], [12, 13, 15]])
    g = tg.grad(lambda v: tg.nn.max_pool2d(v, 2, padding=1)[0, 0, 1, 1])(x)  # (all −inf)
    assert g[0, 0, 1, 1] == 1 and g.sum() == 1
    # a dilated window with no tap inside the input reads −inf (PyTorch's index: its start)
    y, idx = tg.nn.max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, padding=1,
                              dilation=(5, 1), return_indices=True)
    np.testing.assert_array_equal(y, [[[[-np.inf] * 3]]])
    np.testing.assert_array_equal(idx, [[[[16, 17, 19]]]])
    # integer input (PyTorch allows it for max pooling)
    np.testing.assert_array_equal(tg.nn.max_pool2d(np.arange(16).reshape(1, 4, 4), 2, padding=1),
                                  [[[0, 2, 3], [8, 10, 11], [12, 14, 15]]])


# ---- adaptive, power-average ------------------------------------------------------------------
def _bounds(L, out):
    return [(i * L // out, -(-(i + 1) * L // out)) for i in range(out)]


def test_adaptive_pool3d_and_lp_pool3d():
    x = R(2, 3, 5, 7, 6)
    sizes = ((2, 3, 4), (None, 2, 8))  # (8 > 6: windows overlap)

    def jadaptive(x, size, red):  # red over the masked box floor(i·L/o) ≤ l < ceil((i+1)·L/o)
        out = [x.shape[-3 + a] if o is None else o for a, o in enumerate(size)]
        m = []
        for a in range(3):
            lo, hi = np.array(_bounds(x.shape[-3 + a], out[a])).T
            pos = np.arange(x.shape[-3 + a])
            shape = [1] * 6
            shape[a], shape[3 + a] = out[a], x.shape[-3 + a]
            m.append(((pos >= lo[:, None]) & (pos < hi[:, None])).reshape(shape))
        box = m[0] & m[1] & m[2]  # (od, oh, ow, D, H, W)
        xb = x[..., None, None, None, :, :, :]
        if red == "max":
            return jnp.max(jnp.where(box, xb, -jnp.inf), axis=(-3, -2, -1))
        return jnp.sum(jnp.where(box, xb, 0.0), axis=(-3, -2, -1)) / box.sum(axis=(-3, -2, -1))

    def jlp(x, p, k, s, ceil):
        avg = jpool(x ** p, 3, "avg", k, s, 0, 1, ceil)
        return (jnp.sign(avg) * jax.nn.relu(jnp.abs(avg)) * np.prod(_n(k, 3))) ** (1 / p)
    LP = ((2, 2, None, False), (3, (2, 3, 2), (1, 2, 3), True), (1.5, 3, 2, True))
    xa = np.abs(x) + 0.1
    check(lambda x, xa: tuple(tg.nn.adaptive_avg_pool3d(x, s) for s in sizes)
          + tuple(tg.nn.adaptive_max_pool3d(x, s) for s in sizes)
          + tuple(tg.nn.lp_pool3d(xa, *c) for c in LP),
          lambda x, xa: tuple(jadaptive(x, s, "mean") for s in sizes)
          + tuple(jadaptive(x, s, "max") for s in sizes)
          + tuple(jlp(xa, *c) for c in LP), x, xa)
    y, idx = tg.nn.adaptive_max_pool3d(x[0], (2, 3, 4), return_indices=True)
    b = [_bounds(n, o) for n, o in zip((5, 7, 6), (2, 3, 4))]
    for i, j, k in itertools.product(range(2), range(3), range(4)):
        (d0, d1), (h0, h1), (w0, w1) = b[0][i], b[1][j], b[2][k]
        win = x[0, 2, d0:d1, h0:h1, w0:w1]
        r = np.unravel_index(np.argmax(win), win.shape)
        assert idx[2, i, j, k] == ((d0 + r[0]) * 7 + h0 + r[1]) * 6 + w0 + r[2]


# ---- max_unpool -------------------------------------------------------------------------------
def test_max_unpool_round_trips():
    cases = [(1, R(2, 3, 10), dict(kernel_size=2)),
             (2, R(2, 3, 7, 8), dict(kernel_size=2, stride=2, padding=1)),
             (2, R(3, 6, 9), dict(kernel_size=(2, 3))),
             (3, R(1, 2, 4, 6, 5), dict(kernel_size=2, stride=(2, 3, 2)))]
    pooled = []
    for nd, x, kw in cases:
        y, idx = getattr(tg.nn, f"max_pool{nd}d")(x, return_indices=True, **kw)
        size = x.shape[-nd:]
        pooled.append((nd, np.asarray(y), np.asarray(idx), kw, size))

    def junpool(y, idx, size):
        B = int(np.prod(y.shape[:-len(size)]))
        flat = jnp.zeros((B, int(np.prod(size)))).at[np.arange(B)[:, None],
                                                     idx.reshape(B, -1)].set(y.reshape(B, -1))
        return flat.reshape(y.shape[:-len(size)] + size)
    got = check(lambda *ys: tuple(getattr(tg.nn, f"max_unpool{nd}d")(y, idx, output_size=size,
                                                                     **kw)
                                  for y, (nd, _, idx, kw, size) in zip(ys, pooled)),
                lambda *ys: tuple(junpool(y, idx, size)
                                  for y, (nd, _, idx, kw, size) in zip(ys, pooled)),
                *[p[1] for p in pooled])
    for (nd, x, kw), (_, y, _, _, _), z in zip(cases, pooled, got):
        z = np.asarray(z)  # each maximum back in place, zeros elsewhere
        assert np.count_nonzero(z) == y.size
        np.testing.assert_array_equal(z[z != 0], x[z != 0])
    # the default size, and a size given with its (N, C) axes
    y, idx = tg.nn.max_pool2d(R(1, 1, 4, 4), 2, return_indices=True)
    assert tg.nn.max_unpool2d(y, idx, 2).shape == (1, 1, 4, 4)
    assert tg.nn.max_unpool2d(y, idx, 2, output_size=(1, 1, 5, 5)).shape == (1, 1, 5, 5)
    # an index given twice keeps the last value in row-major order; the gradient goes to it
    v, i = np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1, 1, 0]]])
    np.testing.assert_array_equal(tg.nn.max_unpool1d(v, i, 2), [[[3.0, 2.0, 0, 0, 0, 0]]])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.nn.max_unpool1d(v, i, 2)
                                                           * np.arange(1.0, 7.0)))(v),
                                  [[[0.0, 2.0, 1.0]]])


# ---- pad --------------------------------------------------------------------------------------
PADS = [(1, 2), (-1, 3), (2, -2, 1, 0), (1, 1, 2, 0, 0, 2)]


def jpad(x, pad, mode, value=0.0):
    """jnp.pad (edge for replicate, wrap for circular); negative pads crop, for circular before
    the wrap and for reflect/replicate after padding (PyTorch reflects about the full input)."""
    n = len(pad) // 2
    axes = [x.ndim - 1 - i for i in range(n)]
    crop = [slice(None)] * x.ndim
    widths = [(0, 0)] * x.ndim
    for i, a in enumerate(axes):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        widths[a] = (max(lo, 0), max(hi, 0))
        crop[a] = (max(-lo, 0), max(-hi, 0))
    cut = tuple(slice(c[0], x.shape[a] - c[1]) if isinstance(c, tuple) else c
                for a, c in enumerate(crop))
    if mode in ("constant", "circular"):
        x = x[cut]
        kind = {"constant": "constant", "circular": "wrap"}[mode]
        return jnp.pad(x, widths, kind, **({"constant_values": value} if kind == "constant"
                                            else {}))
    y = jnp.pad(x, widths, {"reflect": "reflect", "replicate": "edge"}[mode])
    return y[tuple(slice(c[0], y.shape[a] - c[1]) if isinstance(c, tuple) else c
                   for a, c in enumerate(crop))]


def test_pad_modes():
    x = R(2, 3, 5, 6, 7)
    parts = (x, x[0], x[0, :, 0], x[0, 0, 0])  # 5, 4, 3 and 2 axes
    cases = [(m, p, {2: 2, 4: 1, 6: 0}[len(p)]) for m in ("reflect", "replicate", "circular")
             for p in PADS]
    cases += [("constant", (1, -2, 0, 3, 2, 2, 1, 0), 0), ("constant", (-5, 0), 3)]
    got = check(lambda *a: tuple(tg.nn.pad(a[i], p, m) for m, p, i in cases)
                + (tg.nn.pad(a[1], (1, 2, 0, 3), value=2.5),),
                lambda *a: tuple(jpad(a[i], p, m) for m, p, i in cases)
                + (jpad(a[1], (1, 2, 0, 3), "constant", 2.5),), *parts)
    assert got[-3].shape == (2, 4, 9, 9, 6)
    np.testing.assert_array_equal(got[-2], x[0, 0, 0][:, 5:])
    np.testing.assert_array_equal(tg.nn.pad(np.arange(5.0)[None], (-3, 3), "reflect"),
                                  [[3, 4, 3, 2, 1]])
    np.testing.assert_array_equal(tg.nn.pad(np.arange(5.0)[None], (-2, 2), "circular"),
                                  [[2, 3, 4, 2, 3]])
    assert tg.nn.pad(x[0, 0, 0], (-7, 0)).shape == (6, 0)


# ---- transforms -------------------------------------------------------------------------------
def test_jit_vmap_and_jvp_through_them():
    x, t = R(2, 3, 7, 8), R(2, 3, 7, 8)
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)

    def jref(x, t):
        f = lambda v: jnp.sum(jpool(v, 2, "max", 3, 2, 1, 1, True) ** 2)  # noqa: E731
        g = lambda v: jpad(v, (2, 1, -1, 3), "reflect")  # noqa: E731
        return jax.grad(f)(x), jax.jvp(g, (x,), (t,)), jax.jvp(
            lambda v: jpool(v, 2, "max", 3, 2, 1, 1, True), (x,), (t,))[1]
    jg, (pv, pt), mt = jax.jit(jref)(x, t)
    g = tg.jit(tg.grad(lambda v: tg.sum(tg.nn.max_pool2d(v, **kw) ** 2)))
    np.testing.assert_allclose(g(x), jg, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g(t), jax.jit(jax.grad(lambda v: jnp.sum(
        jpool(v, 2, "max", 3, 2, 1, 1, True) ** 2)))(t), rtol=1e-12, atol=1e-12)  # replayed
    out, tan = tg.jvp(lambda v: tg.nn.pad(v, (2, 1, -1, 3), "reflect"), (x,), (t,))
    np.testing.assert_allclose(out, pv, rtol=1e-12)
    np.testing.assert_allclose(tan, pt, rtol=1e-12)
    _, mtan = tg.jvp(lambda v: tg.nn.max_pool2d(v, **kw), (x,), (t,))
    np.testing.assert_allclose(mtan, mt, rtol=1e-12)
    # vmap over a batch of 3-d volumes, indices included
    v = R(3, 2, 4, 5, 6)
    ys, ids = tg.vmap(lambda a: tg.nn.max_pool3d(a, 2, padding=1, return_indices=True))(v)
    y1, i1 = tg.nn.max_pool3d(v, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(ys, y1)
    np.testing.assert_array_equal(ids, i1)
    # a jitted pool-and-unpool with traced indices replays with the new input's indices
    f = tg.jit(lambda a: tg.nn.max_unpool2d(*tg.nn.max_pool2d(a, 2, return_indices=True), 2))
    for a in (x[..., :6, :], t[..., :6, :]):
        z = np.asarray(f(a))
        mask = z != 0
        np.testing.assert_array_equal(z[mask], a[mask])
        assert mask.sum() == 2 * 3 * 3 * 4


# ---- layers -----------------------------------------------------------------------------------
def test_layers():
    nn = tg.nn
    x2, x3 = R(2, 3, 7, 8), R(2, 2, 5, 6, 7)
    xa = np.abs(x2[0])
    cases = [(nn.MaxPool3d(2, padding=1, ceil_mode=True), x3,
              nn.max_pool3d(x3, 2, None, 1, 1, True)),
             (nn.AvgPool3d(3, 2, 1, True, False), x3, nn.avg_pool3d(x3, 3, 2, 1, True, False)),
             (nn.AdaptiveAvgPool3d((None, 2, 3)), x3, nn.adaptive_avg_pool3d(x3, (None, 2, 3))),
             (nn.AdaptiveMaxPool3d(2), x3, nn.adaptive_max_pool3d(x3, 2)),
             (nn.AdaptiveMaxPool2d(3), x2, nn.adaptive_max_pool2d(x2, 3)),
             (nn.AdaptiveAvgPool1d(4), xa, nn.adaptive_avg_pool1d(xa, 4)),
             (nn.LPPool2d(2, 3, 2), x2, nn.lp_pool2d(x2, 2, 3, 2)),
             (nn.LPPool1d(3, 2), xa, nn.lp_pool1d(xa, 3, 2)),
             (nn.ZeroPad2d((1, 0, 2, 3)), x2, nn.pad(x2, (1, 0, 2, 3))),
             (nn.ConstantPad3d(1, 0.5), x3, nn.pad(x3, (1,) * 6, value=0.5)),
             (nn.ReflectionPad2d(2), x2, nn.pad(x2, (2,) * 4, "reflect")),
             (nn.ReplicationPad1d((3, 1)), xa, nn.pad(xa, (3, 1), "replicate")),
             (nn.CircularPad2d((1, 2, 0, 1)), x2, nn.pad(x2, (1, 2, 0, 1), "circular")),
             (nn.MaxPool2d(3, 2, padding=1, dilation=2), x2, nn.max_pool2d(x2, 3, 2, 1, 2)),
             (nn.AvgPool2d((2, 3), divisor_override=4), x2,
              nn.avg_pool2d(x2, (2, 3), None, 0, False, True, 4)),
             (nn.MaxPool1d(3, 2, 1, ceil_mode=True), xa, nn.max_pool1d(xa, 3, 2, 1, 1, True)),
             (nn.AvgPool1d(3, 2, 1, count_include_pad=False), xa,
              nn.avg_pool1d(xa, 3, 2, 1, False, False))]
    for layer, inp, want in cases:
        np.testing.assert_array_equal(layer(inp), want)
        assert not layer.has_parameters and type(layer).__name__ in repr(layer)
    y, idx = nn.MaxPool2d(2, return_indices=True)(x2)
    np.testing.assert_array_equal(nn.MaxUnpool2d(2)(y, idx), nn.max_unpool2d(y, idx, 2))
    model = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(3, 4, 3), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten())
    p = model.init(0)
    assert model(x2).shape == (2, 4)
    g = tg.grad(lambda p: tg.sum(model.apply(p, x2) ** 2))(p)
    assert np.all(np.isfinite(g[0]["W"])) and np.any(g[0]["W"] != 0)
    # the old arguments keep the book's ops (integer input included)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(np.arange(16).reshape(1, 1, 4, 4)),
                                  [[[[5, 7], [13, 15]]]])


# ---- errors -----------------------------------------------------------------------------------
def test_errors():
    x = R(2, 3, 5, 5)
    bad = [(lambda: tg.nn.max_pool2d(R(5, 5), 2), ValueError,
            r"max_pool2d: input of shape \(5, 5\) must be \(N, C, H, W\)"),
           (lambda: tg.nn.max_pool3d(R(5, 5, 5), 2), ValueError,
            r"max_pool3d: input of shape \(5, 5, 5\) must be \(N, C, D, H, W\)"),
           (lambda: tg.nn.avg_pool2d(x, 2, padding=2), ValueError,
            r"avg_pool2d: padding \(2, 2\) should be at most half the kernel size \(2, 2\)"),
           (lambda: tg.nn.max_pool2d(x, 3, dilation=3), ValueError,
            r"max_pool2d: input of shape .* too small along axis -2.*span 7"),
           (lambda: tg.nn.max_pool2d(x, (2, 2, 2)), TypeError,
            "max_pool2d: kernel_size must be an int or a sequence of 2 ints"),
           (lambda: tg.nn.max_pool2d(x, 2, stride=0), ValueError,
            "max_pool2d: stride must be >= 1"),
           (lambda: tg.nn.max_pool2d(x > 0, 2), TypeError, "max_pool2d: input must be real"),
           (lambda: tg.nn.avg_pool2d(x, 2, divisor_override=0), ValueError,
            "avg_pool2d: divisor_override must be a non-zero int"),
           (lambda: tg.nn.adaptive_max_pool3d(R(3, 4, 4), 2), ValueError,
            r"adaptive_max_pool3d: input of shape \(3, 4, 4\) must be \(N, C, D, H, W\)"),
           (lambda: tg.nn.adaptive_avg_pool3d(R(2, 3, 4, 4, 4), (2, 0, 2)), ValueError,
            "adaptive_avg_pool3d: output_size"),
           (lambda: tg.nn.lp_pool3d(R(1, 2, 4, 4, 4), 0, 2), ValueError, "lp_pool3d: norm_type"),
           (lambda: tg.nn.max_unpool2d(x, np.zeros((2, 3, 5, 5), int) + 100, 2), ValueError,
            r"max_unpool2d: index 100 is out of range for an output of spatial size \(10, 10\)"),
           (lambda: tg.nn.max_unpool2d(x, np.zeros((2, 3, 5, 4), int), 2), ValueError,
            r"max_unpool2d: indices of shape \(2, 3, 5, 4\) must have the input's shape"),
           (lambda: tg.nn.max_unpool2d(x, np.zeros(x.shape), 2), TypeError,
            "max_unpool2d: indices must be integers"),
           (lambda: tg.nn.max_unpool2d(x, np.zeros(x.shape, int), 2, output_size=(12, 10)),
            ValueError, "max_unpool2d: output_size .* strictly between 8 and 12"),
           (lambda: tg.nn.pad(x, (1, 2, 3)), ValueError, "pad: pad .* even length"),
           (lambda: tg.nn.pad(x, (1,) * 10), ValueError, "pad: pad .* names 5 axes"),
           (lambda: tg.nn.pad(x, (1, 1), "bogus"), ValueError, "pad: mode must be one of"),
           (lambda: tg.nn.pad(x[0], (5, 0), "reflect"), ValueError,
            r"pad: mode 'reflect' needs each pad smaller .* \(5, 0\) for axis 2 of size 5"),
           (lambda: tg.nn.pad(x[0], (-2, 4), "circular"), ValueError,
            "pad: mode 'circular' wraps around at most once"),
           (lambda: tg.nn.pad(x, (1, 1), "replicate", value=2), ValueError,
            "pad: mode 'replicate' takes no value"),
           (lambda: tg.nn.pad(x, (1, 1), "replicate"), ValueError,
            r"pad: mode 'replicate' pads the last 1, 2 or 3 axes .* \(2, 3, 5, 5\)"),
           (lambda: tg.nn.pad(x, (-3, -3)), ValueError, "pad: pads .* remove more than axis 3"),
           (lambda: tg.nn.pad(x, (1.5, 1)), TypeError, "pad: pad must be a sequence of ints"),
           (lambda: tg.nn.ZeroPad2d((1, 2)), ValueError, "ZeroPad2d: padding must be an int or")]
    for f, err, msg in bad:
        with pytest.raises(err, match=msg):
            f()


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
def test_pad_cropping_an_axis_to_nothing_gives_an_empty_axis(mode):
    # PyTorch returns shape (1, 1, 0, 5) in every mode; cropping past the axis is an error
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    assert tg.nn.pad(x, (0, 0, 0, -5), mode=mode).shape == (1, 1, 0, 5)
    g = tg.grad(lambda v: tg.sum(tg.nn.pad(v, (0, 0, -2, -3), mode=mode)))(x)
    assert g.shape == x.shape and not g.any()
    with pytest.raises(ValueError, match=r"pad: pads \(0, -6\) remove more than axis 2 of size 5"):
        tg.nn.pad(x, (0, 0, 0, -6), mode=mode)


@pytest.mark.parametrize("name, shape, kw, out", [
    ("max_pool3d", (0, 2, 4, 4, 4), dict(kernel_size=1), (0, 2, 4, 4, 4)),
    ("max_pool3d", (0, 2, 4, 4, 4), dict(kernel_size=2, return_indices=True), (0, 2, 2, 2, 2)),
    ("max_pool2d", (0, 3, 5, 5), dict(kernel_size=2, padding=1), (0, 3, 3, 3)),
    ("max_pool1d", (0, 3, 5), dict(kernel_size=2, ceil_mode=True), (0, 3, 3)),
    ("adaptive_max_pool1d", (0, 1, 6), dict(output_size=4), (0, 1, 4)),
    ("adaptive_max_pool2d", (0, 1, 6, 8), dict(output_size=7), (0, 1, 7, 7)),
    ("adaptive_max_pool3d", (0, 1, 3, 3, 3), dict(output_size=2), (0, 1, 2, 2, 2))])
def test_max_pools_of_an_empty_batch(name, shape, kw, out):
    # PyTorch's: an empty batch pools to an empty result (it raised "kernel larger than the image")
    x = tg.tensor(np.zeros(shape), requires_grad=True)
    r = getattr(tg.nn.functional, name)(x, **kw)
    y = r[0] if kw.get("return_indices") else r
    assert y.shape == out and (not kw.get("return_indices") or r[1].shape == out)
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_of_an_empty_batch(nd):
    # its own empty-input branch reshaped to (0, C, -1), which NumPy cannot resolve
    x = tg.tensor(np.zeros((0, 3) + (4,) * nd), requires_grad=True)
    fn = getattr(tg.nn.functional, f"fractional_max_pool{nd}d")
    y, idx = fn(x, 2, output_size=(2,) * nd, key=tg.random.PRNGKey(0), return_indices=True)
    assert y.shape == idx.shape == (0, 3) + (2,) * nd
    y.sum().backward()
    assert x.grad.shape == x.shape
