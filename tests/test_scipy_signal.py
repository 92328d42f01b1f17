"""tg.scipy.signal against scipy.signal's values (every mode, odd and even sizes, in2 larger
than in1, 1-D to 3-D, SciPy's boundaries) and jax.scipy.signal's derivatives (VJP and JVP in
both inputs, second order), with finite differences where JAX has no counterpart."""
import jax
import jax.numpy as jnp
import jax.scipy.signal as jss
import numpy as np
import pytest
import scipy.signal as ss

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient
from tensorgrad.scipy import signal as tss

RNG = np.random.default_rng(11)
SHAPES = [((7,), (3,)), ((6,), (4,)), ((3,), (7,)), ((4,), (6,)), ((5,), (5,)), ((1,), (1,)),
          ((6, 5), (3, 2)), ((3, 2), (6, 5)), ((5, 6), (4, 4)), ((5, 4), (2, 6)),
          ((4, 5, 3), (2, 3, 2)), ((2, 3, 2), (4, 5, 3))]
MODES = ["full", "same", "valid"]


def _pair(a, b):
    return RNG.normal(size=a), RNG.normal(size=b)


def _scipy_or_error(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except ValueError:
        return None


@pytest.mark.parametrize("fn", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_nd_values_match_scipy_in_every_mode(fn, shapes):
    x, y = _pair(*shapes)
    for mode in MODES:
        ref = _scipy_or_error(getattr(ss, fn), x, y, mode=mode)
        if ref is None:   # SciPy refuses 'valid' when neither input is larger on every axis
            with pytest.raises(ValueError, match="at least as large"):
                getattr(tss, fn)(x, y, mode=mode)
            continue
        got = np.asarray(getattr(tss, fn)(x, y, mode=mode))
        assert got.shape == ref.shape, (mode, got.shape, ref.shape)
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    if fn != "fftconvolve":   # SciPy's FFT path centres 'same' as its direct one
        np.testing.assert_allclose(tss.correlate(x, y, "same") if fn == "correlate" else
                                   tss.convolve(x, y, "same"),
                                   getattr(ss, fn)(x, y, "same", method="fft"), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("shapes", [s for s in SHAPES if len(s[0]) == 2] + [((3, 4), (5, 7))], ids=str)
def test_2d_values_match_scipy_with_every_boundary(fn, shapes):
    x, y = _pair(*shapes)
    for mode in MODES:
        for boundary in ["fill", "wrap", "symm"]:
            for fillvalue in [0, 1.5]:
                ref = _scipy_or_error(getattr(ss, fn), x, y, mode, boundary, fillvalue)
                if ref is None:
                    with pytest.raises(ValueError, match="at least as large"):
                        getattr(tss, fn)(x, y, mode, boundary, fillvalue)
                    continue
                got = np.asarray(getattr(tss, fn)(x, y, mode, boundary, fillvalue))
                assert got.shape == ref.shape
                np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12,
                                           err_msg=f"{mode} {boundary} {fillvalue}")


def test_fftconvolve_axes_broadcast_as_scipy():
    x, y = RNG.normal(size=(3, 7, 4)), RNG.normal(size=(1, 3, 4))
    for mode in MODES:
        for axes in [None, 1, (1,), (0, 1), -2, (1, 2)]:
            ref = _scipy_or_error(ss.fftconvolve, x, y, mode=mode, axes=axes)
            if ref is None:
                with pytest.raises(ValueError):
                    tss.fftconvolve(x, y, mode=mode, axes=axes)
                continue
            np.testing.assert_allclose(tss.fftconvolve(x, y, mode=mode, axes=axes), ref,
                                       rtol=1e-10, atol=1e-12, err_msg=f"{mode} {axes}")
    with pytest.raises(ValueError, match="incompatible shapes"):
        tss.fftconvolve(x, RNG.normal(size=(2, 3, 4)), axes=1)


def test_integer_inputs_stay_integers_as_in_scipy_and_scalars_multiply():
    a, b = RNG.integers(-5, 5, size=(6, 3)), RNG.integers(-5, 5, size=(2, 2))
    for fn in ["convolve", "correlate", "convolve2d", "correlate2d"]:
        got, ref = getattr(tss, fn)(a, b), getattr(ss, fn)(a, b)
        assert got.dtype == ref.dtype == np.int64 and np.array_equal(got, ref)
    assert tss.convolve(a, b.astype(np.float32)).dtype == np.float64
    assert tss.convolve(np.float32([1, 2]), np.float32([3])).dtype == np.float32
    assert tss.convolve(np.array(2.0), np.array(3.0)) == 6.0


# ---- derivatives ---------------------------------------------------------------------------------
GRAD_CASES = [("convolve", (7,), (3,), "same"), ("convolve", (6,), (4,), "same"),
              ("convolve", (4,), (6,), "valid"), ("correlate", (6,), (4,), "full"),
              ("correlate", (3,), (7,), "valid"), ("correlate", (5, 6), (4, 4), "same"),
              ("convolve", (4, 5, 3), (2, 3, 2), "same"), ("convolve2d", (6, 5), (3, 2), "full"),
              ("correlate2d", (5, 6), (4, 4), "same"), ("convolve2d", (3, 2), (6, 5), "valid"),
              ("correlate2d", (3, 2), (6, 5), "valid"), ("fftconvolve", (5, 4), (2, 3), "same")]


@pytest.mark.parametrize("fn,s1,s2,mode", GRAD_CASES, ids=str)
def test_vjp_and_jvp_match_jax_in_both_inputs(fn, s1, s2, mode):
    x, y = _pair(s1, s2)
    out = np.asarray(getattr(tss, fn)(x, y, mode=mode))
    w = RNG.normal(size=out.shape)
    jf = lambda a, b: getattr(jss, fn)(a, b, mode=mode)  # noqa: E731
    ref_out, ref_vjp = jax.jit(lambda a, b, c: (jf(a, b), jax.vjp(jf, a, b)[1](c)))(x, y, w)
    np.testing.assert_allclose(out, np.asarray(ref_out), rtol=1e-10, atol=1e-12)
    g = tg.grad(lambda a, b: tg.sum(getattr(tss, fn)(a, b, mode=mode) * w), argnums=(0, 1))(x, y)
    for mine, theirs in zip(g, ref_vjp):
        np.testing.assert_allclose(mine, np.asarray(theirs), rtol=1e-10, atol=1e-12)
    tx, ty = _pair(s1, s2)
    ref_jvp = jax.jit(lambda a, b, u, v: jax.jvp(jf, (a, b), (u, v))[1])(x, y, tx, ty)
    jac = tg.jacfwd(lambda a, b: getattr(tss, fn)(a, b, mode=mode), argnums=(0, 1))(x, y)
    mine = np.tensordot(jac[0], tx, axes=tx.ndim) + np.tensordot(jac[1], ty, axes=ty.ndim)
    np.testing.assert_allclose(mine, np.asarray(ref_jvp), rtol=1e-10, atol=1e-12)


def test_fftconvolve_over_some_axes_differentiates_as_jax():
    x, y = _pair((3, 7, 4), (3, 3, 4))   # (jax.scipy does not broadcast the other axes)
    w = RNG.normal(size=(3, 7, 4))
    jf = lambda a, b: jnp.sum(jss.fftconvolve(a, b, mode="same", axes=1) * w)  # noqa: E731
    ref = jax.jit(jax.grad(jf, argnums=(0, 1)))(x, y)
    g = tg.grad(lambda a, b: tg.sum(tss.fftconvolve(a, b, mode="same", axes=1) * w), argnums=(0, 1))(x, y)
    for mine, theirs in zip(g, ref):
        np.testing.assert_allclose(mine, np.asarray(theirs), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_boundaries_and_fillvalue_against_finite_differences(boundary):
    x, y = _pair((4, 3), (3, 2))
    w = RNG.normal(size=ss.convolve2d(x, y).shape)
    for fn in ["convolve2d", "correlate2d"]:
        f = lambda a, b, fv: tg.sum(getattr(tss, fn)(a, b, "full", boundary, fv) * w)  # noqa: E731
        ref = lambda a, b, fv: float(np.sum(getattr(ss, fn)(a, b, "full", boundary, fv) * w))  # noqa: E731
        ga, gb, gf = tg.grad(f, argnums=(0, 1, 2))(x, y, 0.7)
        np.testing.assert_allclose(ga, central_difference_gradient(lambda v: ref(v, y, 0.7), x), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gb, central_difference_gradient(lambda v: ref(x, v, 0.7), y), rtol=1e-6, atol=1e-8)
        expected_gf = 0.0 if boundary != "fill" else (ref(x, y, 1.7) - ref(x, y, 0.7))  # linear in fv
        np.testing.assert_allclose(gf, expected_gf, rtol=1e-8, atol=1e-10)


def test_second_order_matches_jax_and_the_windowed_loop_matches_the_gather(monkeypatch):
    x, y = _pair((6,), (3,))
    f = lambda a, b: tg.sum(tg.sin(tss.convolve(a, b, "same")))  # noqa: E731
    jf = lambda a, b: jnp.sum(jnp.sin(jss.convolve(a, b, "same")))  # noqa: E731
    h = tg.hessian(f, argnums=(0, 1))(x, y)
    ref = jax.jit(jax.hessian(jf, argnums=(0, 1)))(x, y)
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(h[i][j], np.asarray(ref[i][j]), rtol=1e-10, atol=1e-12)
    x3, y3 = _pair((4, 5, 3), (2, 3, 2))
    g3 = lambda a, b: tg.sum(tss.correlate(a, b, "full") ** 2)  # noqa: E731
    gathered, grads = tss.correlate(x3, y3), tg.grad(g3, argnums=(0, 1))(x3, y3)
    monkeypatch.setattr(tss, "_GATHER_LIMIT", 0)   # force the loop over the kernel's offsets
    np.testing.assert_allclose(tss.correlate(x3, y3), gathered, rtol=1e-12, atol=1e-13)
    for a, b in zip(tg.grad(g3, argnums=(0, 1))(x3, y3), grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_transforms_jit_jacrev_vmap():
    x, y = _pair((6, 5), (3, 2))
    ref = ss.convolve(x, y, "same")
    np.testing.assert_allclose(tg.jit(lambda a, b: tss.convolve(a, b, "same"))(x, y), ref, rtol=1e-12)
    j1 = tg.jacrev(lambda a: tss.correlate2d(a, y, "valid"))(x)
    j2 = tg.jacfwd(lambda a: tss.correlate2d(a, y, "valid"))(x)
    np.testing.assert_allclose(j1, j2, rtol=1e-12, atol=1e-14)
    xs = RNG.normal(size=(3, 6, 5))
    np.testing.assert_allclose(tg.vmap(lambda a: tss.convolve(a, y, "same"))(xs),
                               np.stack([ss.convolve(v, y, "same") for v in xs]), rtol=1e-10, atol=1e-12)


def test_detrend_values_and_gradient():
    x = RNG.normal(size=(4, 20))
    for kind in ["linear", "constant"]:
        for bp in [0, [5, 12], 19]:
            np.testing.assert_allclose(tss.detrend(x, type=kind, bp=bp), ss.detrend(x, type=kind, bp=bp),
                                       rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(tss.detrend(x, axis=0, type=kind), ss.detrend(x, axis=0, type=kind),
                                   rtol=1e-10, atol=1e-12)
    w = RNG.normal(size=x.shape)
    g = tg.grad(lambda v: tg.sum(tss.detrend(v, bp=[7]) * w))(x)
    ref = jax.jit(jax.grad(lambda v: jnp.sum(jss.detrend(v, bp=[7]) * w)))(x)
    np.testing.assert_allclose(g, np.asarray(ref), rtol=1e-9, atol=1e-11)
    assert tss.detrend(np.arange(6)).dtype == np.float64


def test_clear_errors():
    x, y = _pair((5,), (3,))
    with pytest.raises(ValueError, match="convolve: mode must be"):
        tss.convolve(x, y, mode="sames")
    with pytest.raises(ValueError, match="method must be"):
        tss.correlate(x, y, method="fast")
    with pytest.raises(ValueError, match=r"same number of dimensions.*\(5,\) and \(1, 3\)"):
        tss.convolve(x, y[None])
    with pytest.raises(ValueError, match="must not be empty"):
        tss.correlate(x, np.zeros(0))
    with pytest.raises(ValueError, match="2-D arrays"):
        tss.convolve2d(x, y)
    with pytest.raises(ValueError, match="boundary must be"):
        tss.correlate2d(x[None], y[None], boundary="reflect")
    with pytest.raises(ValueError, match="fillvalue must be a scalar"):
        tss.convolve2d(x[None], y[None], fillvalue=[1.0, 2.0])
    with pytest.raises(TypeError, match="numeric .*bool"):
        tss.convolve(x > 0, y > 0)
    with pytest.raises(ValueError, match="at least as large"):
        tss.convolve(RNG.normal(size=(5, 2)), RNG.normal(size=(2, 5)), mode="valid")
    with pytest.raises(ValueError, match="type must be"):
        tss.detrend(x, type="quadratic")
    with pytest.raises(ValueError, match="breakpoints"):
        tss.detrend(x, bp=[7])


def test_complex_inputs_as_scipy_and_jax():
    def c(*shape):
        return RNG.normal(size=shape) + 1j * RNG.normal(size=shape)
    for name in ("convolve", "correlate", "fftconvolve"):
        for a, b in ((c(7), c(3)), (c(3), c(7)), (c(4, 5), c(2, 3)), (c(5), RNG.normal(size=3))):
            for mode in ("full", "same", "valid"):
                np.testing.assert_allclose(getattr(tss, name)(a, b, mode=mode),
                                           getattr(ss, name)(a, b, mode=mode), atol=1e-12)
    for name in ("convolve2d", "correlate2d"):
        for a, b in ((c(4, 5), c(2, 3)), (c(2, 3), c(4, 5))):  # (SciPy's swap for a larger in2, too)
            for mode in ("full", "same", "valid"):
                np.testing.assert_allclose(getattr(tss, name)(a, b, mode=mode, boundary="wrap"),
                                           getattr(ss, name)(a, b, mode=mode, boundary="wrap"), atol=1e-12)
    a, b, u = c(6), c(3), c(8)
    got = tg.vjp(lambda x, y: tss.correlate(x, y), a, b)[1](u)
    want = jax.vjp(lambda x, y: jss.correlate(x, y), a, b)[1](u)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-12)


def _general_reference(a, b, axes, dot_axes, mode):
    """HIPS autograd's convolve(A, B, axes, dot_axes) by loops over SciPy's convolve: A's other
    axes, B's other axes, then the convolved ones; summed over the dot axes."""
    def split(x, conv, dot):
        other = [i for i in range(x.ndim) if i not in conv + dot]
        x = np.moveaxis(x, other + dot + conv, list(range(x.ndim)))
        return x, x.shape[:len(other)], x.shape[len(other):len(other) + len(dot)]
    x, oa, d = split(a, list(axes[0]), list(dot_axes[0]))
    y, ob, _ = split(b, list(axes[1]), list(dot_axes[1]))
    out = None
    for i in np.ndindex(*oa):
        for j in np.ndindex(*ob):
            part = sum(ss.convolve(x[i + k], y[j + k], mode=mode) for k in np.ndindex(*d))
            if out is None:
                out = np.zeros(oa + ob + part.shape)
            out[i + j] = part
    return out


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("sa, sb, axes, dot_axes", [
    ((2, 5), (3, 2), ([1], [0]), ([0], [1])),
    ((4, 3, 5), (2, 6), ([2], [1]), ((), ())),
    ((3, 4, 5), (2, 4, 3), ([0, 2], [0, 2]), ([1], [1])),
    ((4, 7), (4, 3), ([-1], [1]), ((), ())),
])
def test_autograds_generalized_convolve_with_axes_and_dot_axes(mode, sa, sb, axes, dot_axes):
    rng = np.random.default_rng(len(sa) + len(sb))
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    want = _general_reference(a, b, ([x % len(sa) for x in axes[0]], list(axes[1])), dot_axes, mode)
    got = tss.convolve(a, b, axes=axes, dot_axes=dot_axes, mode=mode)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    f = lambda v: tg.sum(tss.convolve(v, b, axes=axes, dot_axes=dot_axes, mode=mode) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(a), central_difference_gradient(f, a), rtol=1e-6, atol=1e-8)


def test_autograds_convolve_takes_axes_positionally_and_checks_them():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 5)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(tss.convolve(a, b, ([1], [0]), ([0], [1])),
                               tss.convolve(a, b, axes=([1], [0]), dot_axes=([0], [1])))
    with pytest.raises(ValueError, match="dot_axes=.*different lengths"):
        tss.convolve(a, b, axes=([0], [0]), dot_axes=([1], [1]))
    with pytest.raises(ValueError, match="pair as many axes"):
        tss.convolve(a, b, axes=([1], [0, 1]))
