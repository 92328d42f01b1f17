"""tg.image (resize, scale_and_translate) against jax.image (x64), and jax's image_test checks."""
import numpy as np
import pytest
import jax
import jax.numpy as jnp

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

METHODS = ["linear", "cubic", "lanczos3", "lanczos5", "cubic-pytorch", "area"]
RNG = np.random.default_rng(0)


def close(a, b, tol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=tol, atol=tol)


@pytest.mark.parametrize("method", ["nearest"] + METHODS)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_values(method, antialias):
    for sin, sout in [((2, 7, 5, 3), (2, 13, 4, 3)), ((6,), (3,)), ((8, 9), (3, 2)),
                      ((4, 5, 3), (4, 5, 3)), ((3, 4), (0, 4)), ((3, 4, 5), (5, 2, 8))]:
        x = RNG.normal(size=sin)
        close(tg.image.resize(x, sout, method, antialias=antialias),
              jax.image.resize(x, sout, method, antialias=antialias))


def test_method_names_and_enum():
    x = RNG.normal(size=(3, 4))
    for alias, enum_name in [("bilinear", "LINEAR"), ("trilinear", "LINEAR"), ("triangle", "LINEAR"),
                             ("bicubic", "CUBIC"), ("tricubic", "CUBIC"), ("lanczos5", "LANCZOS5"),
                             ("bicubic-pytorch", "CUBIC_PYTORCH"), ("nearest", "NEAREST")]:
        ref = jax.image.resize(x, (5, 7), alias, antialias=False)
        close(tg.image.resize(x, (5, 7), alias, antialias=False), ref)
        close(tg.image.resize(x, (5, 7), tg.image.ResizeMethod[enum_name], antialias=False), ref)
        close(tg.image.resize(x, (5, 7), jax.image.ResizeMethod[enum_name], antialias=False), ref)
    assert tg.image.ResizeMethod.from_string("bilinear") is tg.image.ResizeMethod.LINEAR


def test_nearest_indices_match_jax_everywhere():
    for m in (10, 17, 33):
        for n in range(1 + m % 3, 30, 3):  # (a third of the sizes: each is a JAX compile)
            x = np.arange(m)
            np.testing.assert_array_equal(tg.image.resize(x, (n,), "nearest"),
                                          jax.image.resize(x, (n,), "nearest"))


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_, np.int64, np.float32])
def test_dtypes(dtype):
    x = (np.arange(20).reshape(4, 5) % 3).astype(dtype)
    tol = 1e-12 if np.dtype(dtype).itemsize == 8 else 1e-6
    for m in ["linear", "nearest", "lanczos3"]:
        close(tg.image.resize(x, (7, 3), m), jax.image.resize(x, (7, 3), m), tol)
    s32, t32 = np.array([1.3, 0.45], np.float32), np.array([0.2, -0.1], np.float32)
    close(tg.image.scale_and_translate(x, (7, 3), (0, 1), s32, t32, "cubic"),
          jax.image.scale_and_translate(x, (7, 3), (0, 1), s32, t32, "cubic"), 1e-5)


# jax's testResizeUp / testScaleAndTranslateUp / testScaleAndTranslateDown (reference data)
UP = {"nearest": [64, 64, 32, 32, 64, 64, 32, 32, 32, 32, 64, 64, 32, 32, 64, 64, 50, 50, 100,
                  100, 50, 50, 100, 100],
      "linear": [64.0, 56.0, 40.0, 32.0, 56.0, 52.0, 44.0, 40.0, 40.0, 44.0, 52.0, 56.0, 36.5,
                 45.625, 63.875, 73.0, 45.5, 56.875, 79.625, 91.0, 50.0, 62.5, 87.5, 100.0],
      "lanczos3": [75.8294, 59.6281, 38.4313, 22.23, 60.6851, 52.0037, 40.6454, 31.964, 35.8344,
                   41.0779, 47.9383, 53.1818, 24.6968, 43.0769, 67.1244, 85.5045, 35.7939,
                   56.4713, 83.5243, 104.2017, 44.8138, 65.1949, 91.8603, 112.2413],
      "cubic": [70.1453, 59.0252, 36.9748, 25.8547, 59.3195, 53.3386, 41.4789, 35.4981, 36.383,
                41.285, 51.0051, 55.9071, 30.2232, 42.151, 65.8032, 77.731, 41.6492, 55.823,
                83.9288, 98.1026, 47.0363, 62.2744, 92.4903, 107.7284]}
DATA = [64, 32, 32, 64, 50, 100]


@pytest.mark.parametrize("method", sorted(UP))
def test_jax_resize_up_data(method):
    for sin, sout in [([3, 1, 2], [6, 1, 4]), ([1, 3, 2, 1], [1, 6, 4, 1])]:
        x = np.array(DATA, np.float64).reshape(sin)
        np.testing.assert_allclose(tg.image.resize(x, sout, method),
                                   np.reshape(UP[method], sout), atol=1e-4)
        if method != "nearest":  # the same, translated by one pixel per doubled axis
            scale = [2.0, 1.0, 2.0] if len(sin) == 3 else [1.0, 2.0, 2.0, 1.0]
            tr = [1.0, 0.0, -1.0] if len(sin) == 3 else [0.0, 1.0, -1.0, 0.0]
            out = np.asarray(tg.image.scale_and_translate(
                x, sout, range(len(sin)), np.array(scale), np.array(tr), method))
            exp = np.reshape(UP[method], sout)
            exp = np.roll(exp, (1, -1), axis=(0, 2) if len(sin) == 3 else (1, 2))
            if len(sin) == 3:
                exp[0], exp[:, :, -1] = 0, 0
            else:
                exp[:, 0], exp[:, :, -1] = 0, 0
            np.testing.assert_allclose(out, exp, atol=2e-3)


DOWN = [51, 38, 32, 89, 41, 21, 97, 51, 33, 87, 89, 34, 21, 97, 43, 25, 25, 92, 41, 11, 84, 11,
        55, 111, 23, 99, 50, 83, 13, 92, 52, 43, 90, 43, 14, 89, 71, 32, 23, 23, 35, 93]
DOWN_EXP = {(True, "linear"): [43.5372, 59.3694, 53.6907, 49.3221, 56.8168, 55.4849, 0, 0, 0],
            (True, "lanczos5"): [43.9209, 57.6360, 54.9575, 48.9272, 58.1865, 53.1948, 0, 0, 0],
            (False, "linear"): [43.6071, 89, 59, 37.1785, 27.2857, 58.3571, 0, 0, 0],
            (False, "cubic"): [43.6426, 88.8854, 60.6638, 31.4685, 22.1204, 58.3457, 0, 0, 0]}


@pytest.mark.parametrize("antialias,method", sorted(DOWN_EXP))
def test_jax_scale_and_translate_down_data(antialias, method):
    x = np.array(DOWN, np.float64).reshape(1, 6, 7, 1)
    s, t = np.array([1.0, 0.35, 0.4, 1.0]), np.array([0.0, 0.2, 0.1, 0.0])
    exp = np.reshape(DOWN_EXP[antialias, method], (1, 3, 3, 1))
    out = tg.image.scale_and_translate(x, (1, 3, 3, 1), (0, 1, 2, 3), s, t, method, antialias)
    np.testing.assert_allclose(out, exp, atol=2e-3)
    out = tg.jit(lambda a, b, c: tg.image.scale_and_translate(
        a, (1, 3, 3, 1), (1, 2), b, c, method, antialias))(x, s[1:3], t[1:3])
    np.testing.assert_allclose(out, exp, atol=2e-3)


@pytest.mark.parametrize("method", METHODS)
def test_scale_and_translate_values_and_gradients(method):
    x = RNG.normal(size=(6, 7))
    w = RNG.normal(size=(5, 9))
    # generic points (JAX's slopes at a kink depend on XLA's last-bit rounding there)
    for aa, sc, tr in [(True, [0.37, 1.55], [0.21, -0.97]), (False, [1.3, 0.71], [-0.3, 0.46])]:
        s, t = np.array(sc), np.array(tr)

        def f(lib, img, s, t):
            return (lib.image.scale_and_translate(img, (5, 9), (0, -1), s, t, method,
                                                  antialias=aa) * w).sum()
        v = RNG.normal(size=2)

        def ref(x, s, t, v):  # JAX's value, gradients and tangent, compiled as one program
            return (jax.image.scale_and_translate(x, (5, 9), (0, 1), s, t, method, aa),
                    jax.grad(lambda *a: f(jax, *a), argnums=(0, 1, 2))(x, s, t),
                    jax.jvp(lambda s: f(jax, x, s, t), (s,), (v,))[1])
        value, gb, tangent = jax.jit(ref)(x, s, t, v)
        close(tg.image.scale_and_translate(x, (5, 9), (0, 1), s, t, method, aa), value)
        ga = tg.grad(lambda *a: f(tg, *a), argnums=(0, 1, 2))(x, s, t)
        for p, q in zip(ga, gb):
            close(p, q, 1e-10)
        close(tg.jvp(lambda s: f(tg, x, s, t), (s,), (v,))[1], tangent, 1e-10)


@pytest.mark.parametrize("method", ["nearest", "linear", "lanczos3"])
def test_resize_gradients_jit_vmap(method):
    x = RNG.normal(size=(3, 6, 7))
    fa = lambda i: tg.image.resize(i, (3, 4, 11), method)
    fb = lambda i: jax.image.resize(i, (3, 4, 11), method)
    close(tg.jacrev(fa)(x[:, :3, :4]), jax.jacrev(fb)(x[:, :3, :4]))
    close(tg.jit(fa)(x), fb(x))
    close(tg.vmap(lambda i: tg.image.resize(i, (4, 11), method))(x),
          jax.vmap(lambda i: jax.image.resize(i, (4, 11), method))(x))
    # second order
    hv = RNG.normal(size=x.shape)
    close(tg.jvp(tg.grad(lambda i: (fa(i) ** 2).sum()), (x,), (hv,))[1],
          jax.jvp(jax.grad(lambda i: (fb(i) ** 2).sum()), (x,), (hv,))[1], 1e-10)


def test_scale_and_translate_jit_vmap():
    xs = RNG.normal(size=(3, 6, 7))
    ss, ts = RNG.uniform(0.3, 2, size=(3, 2)), RNG.normal(size=(3, 2))
    fa = lambda i, s, t: tg.image.scale_and_translate(i, (5, 9), (0, 1), s, t, "cubic")
    fb = lambda i, s, t: jax.image.scale_and_translate(i, (5, 9), (0, 1), s, t, "cubic")
    g = lambda lib, f: lib.grad(lambda s: (f(xs[0], s, ts[0]) ** 2).sum())
    # JAX's three answers compiled as one program
    batched, single, slope = jax.jit(lambda: (jax.vmap(fb)(xs, ss, ts), fb(xs[0], ss[0], ts[0]),
                                              g(jax, fb)(ss[0])))()
    close(tg.vmap(fa)(xs, ss, ts), batched)
    close(tg.jit(fa)(xs[0], ss[0], ts[0]), single)
    close(tg.jit(g(tg, fa))(ss[0]), slope, 1e-10)


def test_errors():
    x = np.ones((3, 3))
    cases = [
        (ValueError, "resize", lambda: tg.image.resize(x, (5, 3, 1), "linear")),
        (ValueError, "resize", lambda: tg.image.resize(x, (5, 3), "foo")),
        (TypeError, "resize", lambda: tg.image.resize(x, (5, 3), 3)),
        (ValueError, "resize", lambda: tg.image.resize(np.ones((0, 3)), (5, 3), "linear")),
        (ValueError, "scale_and_translate",
         lambda: tg.image.scale_and_translate(x, (5, 3), (0,), [1.0, 2.0], [0.0], "linear")),
        (ValueError, "scale_and_translate",
         lambda: tg.image.scale_and_translate(x, (5, 3), (0,), [1.0], [0.0], "nearest")),
        (ValueError, "scale_and_translate",
         lambda: tg.image.scale_and_translate(x, (5, 4), (0,), [1.0], [0.0], "linear")),
        (ValueError, "scale_and_translate",
         lambda: tg.image.scale_and_translate(x, (5, 3), (2,), [1.0], [0.0], "linear")),
    ]
    for exc, name, call in cases:
        with pytest.raises(exc, match=name):
            call()


def test_complex_images_and_inputs_are_resampled_by_parts_as_jax():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5)) + 1j * rng.normal(size=(4, 5))
    for method in ("linear", "cubic", "nearest", "lanczos3"):
        got = tg.image.resize(x, (7, 3), method)
        want = np.asarray(jax.image.resize(x, (7, 3), method))
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert tg.image.resize(x.astype(np.complex64), (7, 3), "linear").dtype == np.complex64
    args = ((6, 6), (0, 1), np.array([1.3, 0.8]), np.array([0.2, -0.1]), "linear")
    np.testing.assert_allclose(tg.image.scale_and_translate(x, *args),
                               np.asarray(jax.image.scale_and_translate(x, *args)), rtol=1e-12, atol=1e-14)
    coords = [np.array([0.5, 2.2, -1.0]), np.array([1.5, 3.7, 0.2])]
    for mode in ("constant", "nearest", "wrap"):
        np.testing.assert_allclose(
            tg.scipy.ndimage.map_coordinates(x, coords, 1, mode, cval=1 + 2j),
            np.asarray(jax.scipy.ndimage.map_coordinates(x, coords, 1, mode, cval=1 + 2j)), rtol=1e-12)

    def loss(m, resize):
        return lambda xr: m.sum(m.abs(resize(xr * (1 + 0.5j))) ** 2)
    np.testing.assert_allclose(
        tg.grad(loss(tg, lambda z: tg.image.resize(z, (7, 3), "linear")))(x.real),
        np.asarray(jax.grad(loss(jnp, lambda z: jax.image.resize(z, (7, 3), "linear")))(x.real)),
        rtol=1e-10, atol=1e-12)
