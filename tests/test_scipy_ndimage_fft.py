"""tg.scipy.ndimage.map_coordinates, tg.scipy.interpolate.RegularGridInterpolator and
tg.scipy.fft's DCTs against SciPy's values (every mode, method, type and norm) and
jax.scipy's derivatives (grad, jvp, jacfwd, hessian in float64), under tg.jit and tg.vmap,
with the errors SciPy and JAX give."""
import warnings

import jax
import jax.numpy as jnp
import jax.scipy as jsp
import numpy as np
import pytest
import scipy.fft as sfft
import scipy.interpolate as sinterp
import scipy.ndimage as sndimage

import tensorgrad as tg
from tensorgrad.scipy import fft as tfft
from tensorgrad.scipy.interpolate import RegularGridInterpolator
from tensorgrad.scipy.ndimage import map_coordinates

RNG = np.random.default_rng(30)
MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]
#: JAX's 'constant' and 'wrap' are SciPy's 'grid-constant' and 'grid-wrap'
SCIPY_MODE = {"constant": "grid-constant", "wrap": "grid-wrap"}


def _close(a, b, tol=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _off_ties(c):
    """Coordinates moved off the half-integers (where order 0 rounds differently in SciPy)."""
    return np.where(np.abs(np.abs(c - np.floor(c)) - 0.5) < 0.02, c + 0.1, c)


# ---- map_coordinates ----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6,), (3, 4), (3, 4, 2)], ids=str)
@pytest.mark.parametrize("mode", MODES)
def test_map_coordinates_values_match_scipy(shape, mode):
    x = RNG.normal(size=shape)
    for order in (0, 1):
        c = [_off_ties(RNG.uniform(-2.6, n + 1.6, size=(5, 3))) for n in shape]
        got = map_coordinates(x, c, order, mode=mode, cval=-0.7)
        ref = sndimage.map_coordinates(x, np.array(c), order=order,
                                       mode=SCIPY_MODE.get(mode, mode), cval=-0.7)
        _close(got, ref, 1e-12)
        # SciPy's own names for the same rules
        alias = {"constant": "grid-constant", "wrap": "grid-wrap", "reflect": "grid-mirror"}
        if mode in alias:
            _close(map_coordinates(x, c, order, mode=alias[mode], cval=-0.7), got, 0)


@pytest.mark.parametrize("mode", MODES)
def test_map_coordinates_derivatives_match_jax(mode):
    x = RNG.normal(size=(4, 5))
    c0, c1 = RNG.uniform(-1.7, 5.2, 6), RNG.uniform(-1.7, 6.3, 6)
    c0[:2] = [1.0, 3.0]            # integer coordinates: the slope to the right, as JAX
    c1[2] = 4.0                    # the last entry: with 'constant', cval - x[..., 4]
    w = RNG.normal(size=6)
    tangents = (RNG.normal(size=x.shape), RNG.normal(size=6), RNG.normal(size=6))

    def loss(mc, sum_, order):
        return lambda x, c0, c1: sum_(mc(x, [c0, c1], order, mode=mode, cval=0.4) * w)

    def square(mc, x_):
        return lambda c0: mc(x_, [c0, c1], 1, mode=mode) ** 2

    @jax.jit                       # JAX's answers, compiled once
    def reference(x, c0, c1, tangents):
        mc, out = jsp.ndimage.map_coordinates, []
        for order in (0, 1):
            f = loss(mc, jnp.sum, order)
            out += [mc(x, [c0, c1], order, mode=mode, cval=0.4),
                    jax.grad(f, argnums=(0, 1, 2))(x, c0, c1),
                    jax.jvp(f, (x, c0, c1), tangents)[1]]
        f = square(mc, x)
        return out + [jax.jacfwd(f)(c0), jax.hessian(lambda c: jnp.sum(f(c)))(c0)]

    ours = []
    for order in (0, 1):
        f = loss(map_coordinates, tg.sum, order)
        ours += [map_coordinates(x, [c0, c1], order, mode=mode, cval=0.4),
                 tg.grad(f, argnums=(0, 1, 2))(x, c0, c1), tg.jvp(f, (x, c0, c1), tangents)[1]]
    f = square(map_coordinates, x)
    ours += [tg.jacfwd(f)(c0), tg.hessian(lambda c: tg.sum(f(c)))(c0)]
    theirs = reference(x, c0, c1, tangents)
    assert len(tg.tree_leaves(ours)) == len(jax.tree_util.tree_leaves(theirs)) == 12
    for a, b in zip(tg.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        _close(a, b)


def test_map_coordinates_right_slope_at_integers_and_jax_ties():
    x = np.array([0.0, 1.0, 4.0, 9.0])
    g = tg.grad(lambda c: tg.sum(map_coordinates(x, [c], 1)))(np.array([1.0, 2.0, 3.0]))
    assert g.tolist() == [3.0, 5.0, -9.0]          # x[c+1] - x[c]; past the end cval 0 - 9
    # order 0 rounds half away from zero and then applies the boundary rule (JAX)
    c = np.arange(-3.5, 7.0, 0.5)
    ref = jax.jit(lambda x, c: [jsp.ndimage.map_coordinates(x, [c], 0, mode=m, cval=5.0)
                                for m in MODES])(x, c)
    for mode, r in zip(MODES, ref):
        _close(map_coordinates(x, [c], 0, mode=mode, cval=5.0), r, 0)
    assert map_coordinates(x, [np.array([-0.5, 0.5, 1.5])], 0).tolist() == [0.0, 1.0, 4.0]


def test_map_coordinates_dtypes_nonfinite_and_layouts():
    xi = np.arange(12).reshape(3, 4)
    c = [RNG.uniform(-1, 3.5, 9), RNG.uniform(-1, 4.5, 9)]
    cases = [(m, order) for m in MODES for order in (0, 1)]
    ref = jax.jit(lambda x, c: [jsp.ndimage.map_coordinates(x, c, order, mode=m, cval=-3)
                                for m, order in cases])(xi, c)
    for (mode, order), r in zip(cases, ref):
        got = map_coordinates(xi, c, order, mode=mode, cval=-3)
        assert got.dtype == xi.dtype and np.array_equal(got, np.asarray(r))
    x32 = np.arange(5.0, dtype=np.float32)
    assert map_coordinates(x32, [np.array([0.5, 2.25])], 1).dtype == np.float32
    # an array of shape (ndim, ...) works as the sequence; integer coordinates too
    x = RNG.normal(size=(3, 4))
    c = np.array([[0.5, 2.0], [1.5, 3.0]])
    _close(map_coordinates(x, c, 1), map_coordinates(x, list(c), 1), 0)
    assert map_coordinates(x, [np.array([1, 2]), np.array([3, 0])], 1).tolist() == [x[1, 3], x[2, 0]]
    # NaN positions give NaN (inf too for order 1), without a NumPy warning
    c = np.array([np.nan, np.inf, -np.inf, 1.25])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mode in MODES:
            r1 = map_coordinates(np.arange(5.0), [c], 1, mode=mode)
            assert np.isnan(r1[:3]).all() and r1[3] == 1.25
            r0 = map_coordinates(np.arange(5.0), [c], 0, mode=mode, cval=-1.0)
            assert np.isnan(r0[0]) and r0[3] == 1.0
        assert map_coordinates(np.arange(5.0), [c], 0, mode="nearest")[1:3].tolist() == [4.0, 0.0]
        assert map_coordinates(np.arange(5.0), [c], 0, cval=-1.0)[1:3].tolist() == [-1.0, -1.0]


def test_map_coordinates_under_jit_and_vmap():
    x = RNG.normal(size=(4, 5))

    def loss(x, c0, c1):
        return tg.sum(map_coordinates(x, [c0, c1], 1, mode="reflect") ** 2)
    step = tg.jit(tg.value_and_grad(loss, argnums=(0, 1, 2)))
    for k in range(3):              # traced once, replayed with new coordinates
        c0, c1 = RNG.uniform(-2, 6, 7), RNG.uniform(-2, 7, 7)
        v, g = step(x, c0, c1)
        ve, ge = tg.value_and_grad(loss, argnums=(0, 1, 2))(x, c0, c1)
        _close(v, ve, 1e-13)
        for a, b in zip(g, ge):
            _close(a, b, 1e-13)
    assert step.cache_size() == 1
    cs = RNG.uniform(0, 3, (4, 2, 6))
    got = tg.vmap(lambda c: map_coordinates(x, c, 1, mode="wrap"))(cs)
    _close(got, np.stack([map_coordinates(x, c, 1, mode="wrap") for c in cs]), 0)


def test_map_coordinates_errors():
    x, c = np.arange(5.0), [np.linspace(0, 5, 3)]
    with pytest.raises(NotImplementedError, match="map_coordinates.*requires order<=1"):
        map_coordinates(x, c, 2)
    with pytest.raises(NotImplementedError, match="map_coordinates: mode must be.*'foo'"):
        map_coordinates(x, c, 1, mode="foo")
    with pytest.raises(ValueError, match=r"sequence of length input.ndim = 1 \(input shape \(5,\)\), got 2"):
        map_coordinates(x, [c[0], c[0]], 1)
    with pytest.raises(TypeError, match="map_coordinates: input must be a real.*bool"):
        map_coordinates(x > 0, c, 1)
    with pytest.raises(ValueError, match=r"must broadcast together, got shapes \[\(2,\), \(3,\)\]"):
        map_coordinates(np.ones((3, 3)), [np.ones(2), np.ones(3)], 1)
    with pytest.raises(TypeError, match="order must be the integer"):
        map_coordinates(x, c, 1.0)


# ---- RegularGridInterpolator --------------------------------------------------------------
@pytest.mark.parametrize("dims, trailing", [((5,), ()), ((4, 6), ()), ((3, 3, 4), (2,))], ids=str)
def test_regular_grid_values_and_derivatives(dims, trailing):
    pts = tuple(np.sort(RNG.uniform(0, 10, n)) for n in dims)
    v = RNG.normal(size=dims + trailing)
    xi = np.stack([RNG.uniform(p[0] - 1, p[-1] + 1, (4, 3)) for p in pts], -1)
    xi[0, 0] = [p[1] for p in pts]        # on interior grid points: the left interval's slope
    xi[0, 1] = [p[0] for p in pts]        # on the first grid point: the first interval's
    for method in ("linear", "nearest"):
        for fill in (np.nan, None, -2.5):
            got = RegularGridInterpolator(pts, v, method=method, fill_value=fill)(xi)
            ref = sinterp.RegularGridInterpolator(pts, v, method=method, bounds_error=False,
                                                  fill_value=fill)(xi)
            assert got.shape == xi.shape[:-1] + trailing
            _close(got, ref, 1e-12)
    w = RNG.normal(size=got.shape)
    tangent = RNG.normal(size=xi.shape)

    def loss(rgi, sum_, method):
        return lambda p, v, xi: sum_(rgi(p, v, method=method, fill_value=None)(xi) * w)

    @jax.jit
    def reference(p, v, xi, tangent):
        rgi, out = jsp.interpolate.RegularGridInterpolator, []
        for method in ("linear", "nearest"):
            out.append(jax.grad(loss(rgi, jnp.sum, method), argnums=(0, 1, 2))(p, v, xi))
        return out + [jax.jvp(lambda q: rgi(p, v)(q), (xi,), (tangent,))[1]]

    ours = [tg.grad(loss(RegularGridInterpolator, tg.sum, m), argnums=(0, 1, 2))(pts, v, xi)
            for m in ("linear", "nearest")]
    ours.append(tg.jvp(lambda q: RegularGridInterpolator(pts, v)(q), (xi,), (tangent,))[1])
    theirs = reference(pts, v, xi, tangent)
    assert len(tg.tree_leaves(ours)) == len(jax.tree_util.tree_leaves(theirs)) == 2 * len(dims) + 5
    for a, b in zip(tg.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        _close(a, b)  # (the jvp: NaN outside the grid, in both)


def test_regular_grid_scipy_extras():
    g, v = np.array([3.0, 1.0, 0.0]), np.array([5.0, 2.0, 1.0])   # a decreasing axis
    q = np.array([[0.5], [2.0], [4.0]])
    ref = sinterp.RegularGridInterpolator((g,), v, bounds_error=False)(q)
    _close(RegularGridInterpolator((g,), v)(q), ref, 1e-15)
    # NaN query points give NaN with both methods, as SciPy
    r = RegularGridInterpolator((np.arange(3.0),), np.arange(3.0), method="nearest")
    out = r(np.array([np.nan, 0.5, 0.51]))
    assert np.isnan(out[0]) and out[1:].tolist() == [0.0, 1.0]
    # one point on an axis; integer values in float64; a tuple of coordinate arrays
    one = RegularGridInterpolator((np.array([2.0]),), np.array([7.0]))(np.array([2.0, 3.0]))
    assert one[0] == 7.0 and np.isnan(one[1])
    pts = (np.arange(3.0), np.arange(4.0))
    vi = np.arange(12).reshape(3, 4)
    assert RegularGridInterpolator(pts, vi)(np.array([0.5, 1.25])).dtype == np.float64
    a, b = np.array([0.5, 1.2]), np.array([[2.5], [0.1], [1.0]])
    _close(RegularGridInterpolator(pts, vi)((a, b)),
           sinterp.RegularGridInterpolator(pts, vi)((a, b)), 1e-14)
    # bounds_error=True, eagerly and under jit (checked at every call)
    rb = RegularGridInterpolator(pts, vi, bounds_error=True)
    with pytest.raises(ValueError, match="out of bounds in dimension 1"):
        rb(np.array([[0.5, 3.5]]))
    jb = tg.jit(lambda q: rb(q))
    assert jb(np.array([[0.5, 2.5]])).shape == (1,)
    with pytest.raises(ValueError, match="out of bounds in dimension 0"):
        jb(np.array([[-0.5, 2.5]]))


def test_regular_grid_jit_vmap_and_pytree():
    pts = (np.arange(3.0), np.array([0.0, 0.5, 2.0, 3.0]))
    v = RNG.normal(size=(3, 4))
    xi = RNG.uniform(0, 2, (7, 2))
    interp = RegularGridInterpolator(pts, v)
    call = tg.jit(lambda r, q: r(q))      # the interpolator is a pytree: passed as an argument
    _close(call(interp, xi), interp(xi), 1e-14)
    v2 = RNG.normal(size=(3, 4))
    _close(call(RegularGridInterpolator(pts, v2), xi + 0.5), RegularGridInterpolator(pts, v2)(xi + 0.5), 1e-14)
    assert call.cache_size() == 1
    grad_v = tg.grad(lambda r: tg.sum(r(xi) ** 2))(interp)
    assert isinstance(grad_v, RegularGridInterpolator)
    gj = jax.jit(jax.grad(lambda v: jnp.sum(jsp.interpolate.RegularGridInterpolator(pts, v)(xi) ** 2)))(v)
    _close(grad_v.values, gj)
    got = tg.vmap(lambda q: interp(q[None]))(xi)
    _close(got[:, 0], interp(xi), 0)


def test_regular_grid_errors():
    g = np.arange(3.0)
    with pytest.raises(ValueError, match="method must be 'linear' or 'nearest', got 'cubic'"):
        RegularGridInterpolator((g,), g, method="cubic")
    with pytest.raises(ValueError, match="strictly ascending or descending"):
        RegularGridInterpolator((np.array([0.0, 1.0, 1.0]),), g)
    with pytest.raises(ValueError, match="there are 3 points and 4 values in dimension 0"):
        RegularGridInterpolator((g,), np.arange(4.0))
    with pytest.raises(ValueError, match="2 point arrays, but values has 1 dimensions"):
        RegularGridInterpolator((g, g), g)
    with pytest.raises(ValueError, match="have dimension 2, but this RegularGridInterpolator has dimension 1"):
        RegularGridInterpolator((g,), g)(np.ones((2, 2)))
    with pytest.raises(TypeError, match="fill_value must be real"):
        RegularGridInterpolator((g,), g, fill_value=1j)


# ---- DCT ------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [1, 2, 3, 4], ids=lambda t: f"type{t}")
def test_dct_values_match_scipy(t):
    worst = 0.0
    for norm in (None, "backward", "ortho", "forward"):
        for orth in (None, not (norm == "ortho")):
            for size in (2, 5, 8):
                x = RNG.normal(size=(3, size))
                for n in (None, max(size - 1, 2), size + 3):
                    for ours, theirs in ((tfft.dct, sfft.dct), (tfft.idct, sfft.idct)):
                        a = ours(x, type=t, n=n, norm=norm, orthogonalize=orth)
                        b = theirs(x, type=t, n=n, norm=norm, orthogonalize=orth)
                        assert a.shape == b.shape
                        worst = max(worst, np.abs(a - b).max() / np.abs(b).max())
                    b = sfft.dct(x, type=t, n=n, axis=0, norm=norm, orthogonalize=orth)
                    a = tfft.dct(x, type=t, n=n, axis=0, norm=norm, orthogonalize=orth)
                    worst = max(worst, np.abs(a - b).max() / np.abs(b).max())
        x = RNG.normal(size=(4, 3, 5))
        for s, axes in ((None, None), (None, (0, 2)), ((6,), None), ((2, 7), (2, 0))):
            for ours, theirs in ((tfft.dctn, sfft.dctn), (tfft.idctn, sfft.idctn)):
                a, b = ours(x, type=t, s=s, axes=axes, norm=norm), theirs(x, type=t, s=s, axes=axes, norm=norm)
                assert a.shape == b.shape
                worst = max(worst, np.abs(a - b).max() / np.abs(b).max())
    assert worst < 1e-13
    x = RNG.normal(size=(2, 6))   # the inverse undoes the transform
    for norm in (None, "ortho", "forward"):
        _close(tfft.idct(tfft.dct(x, type=t, norm=norm), type=t, norm=norm), x, 1e-13)


def test_dct_derivatives_match_jax():
    x = RNG.normal(size=(3, 6))
    one = [(norm, n, RNG.normal(size=(3, n or 6))) for norm, n in ((None, None), ("ortho", 4),
                                                                   (None, 9))]
    many = [(norm, s, axes, RNG.normal(size=x.shape)) for norm, s, axes in
            ((None, None, None), ("ortho", (4, 7), None), ("ortho", (3,), (0,)))]

    def one_grads(fft, grad, sum_, x):
        return [grad(lambda x: sum_(f(x, n=n, axis=-1, norm=norm) * w))(x)
                for norm, n, w in one for f in (fft.dct, fft.idct)]

    def many_jvps(fft, jvp, x):
        return [jvp(lambda x: f(x, s=s, axes=axes, norm=norm), (x,), (t,))[1]
                for norm, s, axes, t in many for f in (fft.dctn, fft.idctn)]

    @jax.jit
    def reference(x):
        return (one_grads(jsp.fft, jax.grad, jnp.sum, x) + many_jvps(jsp.fft, jax.jvp, x)
                + [jax.jacfwd(lambda v: jsp.fft.dct(v, norm="ortho"))(x[0])])
    ours = (one_grads(tfft, tg.grad, tg.sum, x) + many_jvps(tfft, tg.jvp, x)
            + [tg.jacrev(lambda v: tfft.dct(v, norm="ortho"))(x[0])])
    theirs = reference(x)
    assert len(ours) == len(theirs) == 13
    for a, b in zip(ours, theirs):
        _close(a, b)
    # type 4 (not in JAX): the gradient is the transposed matrix, SciPy's columns
    m = sfft.dct(np.eye(5), type=4, axis=0)
    w = RNG.normal(size=5)
    _close(tg.grad(lambda v: tg.sum(tfft.dct(v, type=4) * w))(x[0, :5]), m.T @ w, 1e-12)


def test_dct_jit_vmap_dtypes_and_errors():
    x = RNG.normal(size=(3, 6))
    f = tg.jit(tg.grad(lambda x: tg.sum(tfft.dctn(x, norm="ortho") ** 3)))
    for k in range(2):
        _close(f(x + k), tg.grad(lambda x: tg.sum(tfft.dctn(x, norm="ortho") ** 3))(x + k), 1e-12)
    _close(tg.vmap(lambda r: tfft.idct(r, type=3))(x), sfft.idct(x, type=3), 1e-13)
    assert tfft.dct(np.ones(3, np.float32)).dtype == np.float32
    assert tfft.dct(np.arange(3)).dtype == np.float64
    a = np.ones((2, 2))
    assert tfft.dctn(a, axes=()) is not a
    with pytest.raises(ValueError, match="dct: type must be 1, 2, 3 or 4, got 5"):
        tfft.dct(x, type=5)
    with pytest.raises(ValueError, match="idct: norm must be"):
        tfft.idct(x, norm="bad")
    with pytest.raises(ValueError, match=r"invalid number of data points \(0\)"):
        tfft.dct(x, n=0)
    with pytest.raises(np.exceptions.AxisError, match="dct: axis 2 is out of bounds"):
        tfft.dct(x, axis=2)
    with pytest.raises(ValueError, match="all axes must be unique"):
        tfft.dctn(x, axes=(0, -2))
    with pytest.raises(ValueError, match="type 1 transform needs at least 2"):
        tfft.dct(np.ones(1), type=1)
    with pytest.raises(TypeError, match="dct: x must be a real array, got dtype complex128"):
        tfft.dct(x + 0j)


def test_callers_arrays_are_left_alone():
    x, c = RNG.normal(size=(4, 5)), [RNG.uniform(0, 3, 6), RNG.uniform(0, 4, 6)]
    g, v = np.array([3.0, 1.0, 0.0]), np.array([5.0, 2.0, 1.0])
    kept = [a.copy() for a in (x, *c, g, v)]
    tg.grad(lambda x, a, b: tg.sum(map_coordinates(x, [a, b], 1, mode="mirror")),
            argnums=(0, 1, 2))(x, *c)
    RegularGridInterpolator((g,), v)(np.array([0.5]))
    out = tfft.idctn(x, type=1)
    out[0, 0] = 1.0                                   # results are new, writable arrays
    for a, b in zip((x, *c, g, v), kept):
        assert np.array_equal(a, b) and a.flags.writeable


def test_interpolator_at_an_infinite_point_is_nan_with_finite_gradients_in_the_values():
    # (ported from JAX's scipy_interpolate tests) no inf * 0 in the weights: no warning, and the
    # fill value (or NaN) there has slope 0 in every value, as the finite queries say
    TR = RegularGridInterpolator
    g = np.arange(4.0)
    q = np.array([[np.inf], [-np.inf], [1.5]])
    for fill in (np.nan, -1.0):
        with np.errstate(invalid="ignore"):  # (SciPy's own weights warn here)
            want = sinterp.RegularGridInterpolator((g,), g ** 2, bounds_error=False, fill_value=fill)(q)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = np.asarray(TR((g,), g ** 2, fill_value=fill)(q))
        np.testing.assert_array_equal(got, want)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gr = tg.grad(lambda vv: tg.sum(TR((g,), vv, fill_value=-1.0)(q)))(g ** 2)
    np.testing.assert_array_equal(gr, [0.0, 0.5, 0.5, 0.0])


@pytest.mark.parametrize("dtype, cval", [(np.uint8, -1), (np.int8, 300)])
def test_map_coordinates_refuses_a_cval_its_integer_input_cannot_hold(dtype, cval):
    a = np.array([10, 100, 50], dtype)
    with pytest.raises(OverflowError):
        jsp.ndimage.map_coordinates(a, [np.array([-1.0, 1.0, 5.0])], order=0, cval=cval)
    with pytest.raises(OverflowError, match="cval"):  # (it wrapped around: 255, 44)
        map_coordinates(a, [np.array([-1.0, 1.0, 5.0])], order=0, cval=cval)
