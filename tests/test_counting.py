"""Histograms, the array-API unique_* functions, poly and the shape-only helpers on tensors,
against NumPy's values and JAX's gradients."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(0)
A = RNG.normal(size=20)
W = RNG.uniform(0.5, 1.5, size=20)


@pytest.mark.parametrize("kw", [{"bins": 4}, {"bins": 4, "density": True},
                                {"bins": np.array([-2, 0, 0.5, 3.0])}, {"bins": 5, "range": (-1, 1)}],
                         ids=["bins", "density", "edges", "range"])
def test_histogram_values_and_gradients_match_jax(kw):
    h, e = np.histogram(tg.Tensor(A), weights=tg.Tensor(W), **kw)
    hn, en = np.histogram(A, weights=W, **kw)
    np.testing.assert_allclose(np.asarray(h), hn, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(e), en, rtol=1e-14)
    c = np.arange(len(hn), dtype=float)
    pairs = [  # weights -> weighted counts; data -> bin edges (from the data's range) and density
        (lambda w: tg.sum(np.histogram(A, weights=w, **kw)[0] * c), lambda w: jnp.sum(jnp.histogram(A, weights=w, **kw)[0] * c), W),
        (lambda v: tg.sum(np.histogram(v, **kw)[1] ** 2), lambda v: jnp.sum(jnp.histogram(v, **kw)[1] ** 2), A),
        (lambda v: tg.sum(np.histogram(v, **kw)[0] * c), lambda v: jnp.sum(jnp.histogram(v, **kw)[0] * c), A),
    ]
    for f, jf, at in pairs:
        np.testing.assert_allclose(tg.grad(f)(at), jax.jit(jax.grad(jf))(at), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(np.histogram_bin_edges(tg.Tensor(A), **{k: v for k, v in kw.items() if k != "density"})),
                               np.histogram_bin_edges(A, **{k: v for k, v in kw.items() if k != "density"}))


def test_histogram_dtypes_and_values_follow_numpy_for_narrow_weights():
    # NumPy's hist has the weights' dtype (float32 stays float32); a density is float64 (bin
    # widths in float64) even for float32 data; given edges sum the weights cumulatively in
    # their dtype: bit-equal values on Tensors, eagerly and under tg.jit, as on ndarrays
    edges = np.array([0.0, 0.3, 1.5, 4.0])
    for adt, wdt in ((np.float32, np.float32), (np.float64, np.float32), (np.float32, np.float16),
                     (np.float32, None), (np.float16, np.float64), (np.int64, np.float32)):
        a = (RNG.random(30) * 4).astype(adt)
        w = None if wdt is None else (RNG.random(30) * 3).astype(wdt)
        for bins, density in ((3, False), (3, True), (edges, False), (edges, True)):
            want = np.histogram(a, bins=bins, weights=w, density=density)
            ta = a if adt == np.int64 else tg.tensor(a)
            tw = None if w is None else tg.tensor(w)
            jitted = tg.jit(lambda x, v: tg.histogram(x, bins=bins, weights=v, density=density))
            for got in (tg.histogram(ta, bins=bins, weights=tw, density=density), jitted(a, w)):
                for g, n in zip(got, want):
                    assert np.asarray(g).dtype == n.dtype, (adt, wdt, bins, density)
                    np.testing.assert_array_equal(g, n)
    x32 = np.array([1, 2, 3, 4.5], np.float32)
    assert tg.histogram(tg.tensor(x32), bins=3, weights=tg.tensor(x32))[0].dtype == np.float32
    # the gradient in float32 weights: each weight's bin (given edges too)
    c = np.array([1.0, 2.0, 3.0])
    for bins in (3, edges):
        a, w = RNG.random(12) * 4, RNG.random(12).astype(np.float32)
        g = tg.grad(lambda v: tg.sum(tg.histogram(a, bins=bins, weights=v)[0] * c))(w)
        _, e = np.histogram(a, bins=bins)
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g, c[np.clip(np.searchsorted(e, a, side="right") - 1, 0, 2)]
                                      * ((a >= e[0]) & (a <= e[-1])))
    # histogram2d / histogramdd: float64 counts, as NumPy's, for float32 data and weights
    x, y = (RNG.random(15) * 4).astype(np.float32), (RNG.random(15) * 4).astype(np.float32)
    w = RNG.random(15).astype(np.float32)
    for density in (False, True):
        want = np.histogram2d(x, y, bins=3, weights=w, density=density)
        got = tg.histogram2d(tg.tensor(x), y, bins=3, weights=tg.tensor(w), density=density)
        for g, n in zip(got, want):
            assert np.asarray(g).dtype == n.dtype
            np.testing.assert_allclose(g, n, rtol=1e-6)
        hist, _ = tg.histogramdd(tg.tensor(np.stack([x, y], 1)), bins=3, weights=tg.tensor(w), density=density)
        assert hist.dtype == np.histogramdd(np.stack([x, y], 1), bins=3, weights=w, density=density)[0].dtype


def test_histogram_of_a_matrix_with_weights_of_its_shape():
    # NumPy flattens both; the weights (traced or not) keep the data's 2-D shape
    m = A.reshape(4, 5)
    f = lambda mod: lambda x: mod.sum(mod.histogram(x, bins=3, weights=x * x)[0] ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tg))(m), jax.grad(f(jnp))(m), rtol=1e-12)
    g = lambda mod: lambda w: mod.sum(mod.histogram(m, bins=3, weights=w)[1])  # noqa: E731
    np.testing.assert_allclose(tg.grad(g(tg))(W.reshape(4, 5)), np.zeros((4, 5)))


@pytest.mark.parametrize("rule", ["auto", "fd", "sturges"])
def test_histogram_edges_chosen_by_a_rule_differentiate_like_a_count(rule):
    # a rule picks the number of bins (piecewise constant); the edges still span min..max
    n = len(np.histogram_bin_edges(A, rule)) - 1
    np.testing.assert_array_equal(np.asarray(np.histogram_bin_edges(tg.Tensor(A), rule)),
                                  np.histogram_bin_edges(A, rule))
    g = tg.grad(lambda v: tg.sum(np.histogram(v, bins=rule)[1] ** 2))(A)
    want = jax.jit(jax.grad(lambda v: jnp.sum(jnp.histogram(v, bins=n)[1] ** 2)))(A)
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)
    assert np.abs(g).max() > 0  # the extreme entries move the edges


def test_unique_family_poly_and_helpers():
    x = np.array([[3.0, 1.0], [1.0, 2.0]])
    t = tg.Tensor(x)
    for name in ("unique_counts", "unique_inverse", "unique_all"):
        got, want = getattr(np, name)(t), getattr(np, name)(x)
        assert type(got) is type(want) and got._fields == want._fields
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), w)
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(np.unique_inverse(v).values * np.arange(3.0)))(x),
                                  [[2.0, 0.0], [0.0, 1.0]])
    r = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(np.asarray(np.poly(tg.Tensor(r))), np.poly(r))
    np.testing.assert_allclose(tg.jacrev(np.poly)(r), jax.jit(jax.jacrev(jnp.poly))(r), rtol=1e-14)
    z = np.array([0.0, 0.0, 1.0, 2.0, 0.0])
    for trim in ("fb", "f", "b"):
        np.testing.assert_array_equal(np.asarray(np.trim_zeros(tg.Tensor(z), trim)), np.trim_zeros(z, trim))
    for got, want in zip(np.ix_(tg.Tensor(np.array([0, 1])), [1]), np.ix_(np.array([0, 1]), [1])):
        np.testing.assert_array_equal(got, want)
    # float arrays are reshaped, as in NumPy and JAX: a traced one keeps its gradient
    a, b = np.array([0.5, 0.3, 0.7]), np.array([1.0, 2.0])

    def mesh_sum(xp):
        return lambda u, v: xp.sum(xp.ix_(u, v)[0] * xp.arange(3.0)[:, None] + 3 * xp.ix_(u, v)[1] ** 2)
    for got, want in zip(tg.grad(mesh_sum(np), argnums=(0, 1))(a, b),
                         jax.jit(jax.grad(mesh_sum(jnp), argnums=(0, 1)))(a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    for got, want in zip(np.diag_indices_from(t), np.diag_indices_from(x)):
        np.testing.assert_array_equal(got, want)
    assert not np.iscomplex(t).any() and np.isreal(t).all()
    assert np.array_repr(t) == np.array_repr(x) and np.array_str(t) == np.array_str(x)
    assert np.einsum_path("ij,jk->ik", t, x)[0] == np.einsum_path("ij,jk->ik", x, x)[0]
    with pytest.raises(ValueError, match="diag_indices_from: all dimensions of input must be of equal length"):
        np.diag_indices_from(tg.Tensor(np.ones((2, 3))))


# ---- histogramdd / histogram2d ------------------------------------------------------------
S = RNG.normal(size=(25, 3))
SW = RNG.uniform(0.5, 1.5, size=25)
DD_KW = {
    "bins": {"bins": 4},
    "per_dim": {"bins": (3, 4, 2)},
    "density": {"bins": (3, 4, 2), "density": True},
    "edges": {"bins": [np.array([-2.0, 0.0, 0.5, 3.0]), 3, np.linspace(-1.0, 1.0, 5)]},
    "edges_density": {"bins": [np.array([-2.0, 0.0, 0.5, 3.0]), 3, np.linspace(-1.0, 1.0, 5)],
                      "density": True},
    "range": {"bins": 3, "range": [(-1.0, 1.0), None, (-2.0, 2.0)]},
}


def _grad_pair(f, jf, at):
    np.testing.assert_allclose(tg.grad(f)(at), jax.jit(jax.grad(jf))(at), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kw", list(DD_KW.values()), ids=list(DD_KW))
def test_histogramdd_values_and_gradients_match_numpy_and_jax(kw):
    for weights in (None, SW):
        h, e = np.histogramdd(tg.Tensor(S), weights=None if weights is None else tg.Tensor(weights), **kw)
        hn, en = np.histogramdd(S, weights=weights, **kw)
        np.testing.assert_allclose(np.asarray(h), hn, rtol=1e-14)
        assert np.asarray(h).dtype == hn.dtype and isinstance(e, list) and len(e) == len(en)
        for a, b in zip(e, en):
            np.testing.assert_allclose(np.asarray(a), b, rtol=1e-14)
            assert np.asarray(a).dtype == b.dtype
    c = np.arange(hn.size, dtype=float).reshape(hn.shape)
    # weights -> weighted counts (a scatter-add); with density also the normalisation
    _grad_pair(lambda w: tg.sum(np.histogramdd(S, weights=w, **kw)[0] * c),
               lambda w: jnp.sum(jnp.histogramdd(S, weights=w, **kw)[0] * c), SW)
    # the sample -> the edges derived from each coordinate's min and max, and the density
    _grad_pair(lambda s: sum(tg.sum(e ** 2) for e in np.histogramdd(s, **kw)[1]),
               lambda s: sum(jnp.sum(e ** 2) for e in jnp.histogramdd(s, **kw)[1]), S)
    _grad_pair(lambda s: tg.sum(np.histogramdd(s, weights=SW, **kw)[0] * c),
               lambda s: jnp.sum(jnp.histogramdd(s, weights=SW, **kw)[0] * c), S)
    # both at once, by tg.histogramdd itself
    g = tg.grad(lambda s, w: tg.sum(tg.histogramdd(s, weights=w, **kw)[0] * c), argnums=(0, 1))(S, SW)
    jg = jax.jit(jax.grad(lambda s, w: jnp.sum(jnp.histogramdd(s, weights=w, **kw)[0] * c),
                          argnums=(0, 1)))(S, SW)
    for a, b in zip(g, jg):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_histogramdd_edge_cases_follow_numpy():
    # samples on interior edges, on the right-most edge (in the last bin) and outside every bin
    edges = [np.array([0.0, 1.0, 2.0]), np.array([-1.0, 0.0, 1.0, 3.0])]
    pts = np.array([[0.0, -1.0], [1.0, 0.0], [2.0, 3.0], [2.0, 1.0], [2.5, 0.5], [-0.1, 0.0],
                    [1.5, 3.0], [0.5, 3.5], [1.0, np.nan]])
    w = np.arange(1.0, len(pts) + 1)
    h, _ = np.histogramdd(tg.Tensor(pts), bins=edges, weights=tg.Tensor(w))
    np.testing.assert_array_equal(np.asarray(h), np.histogramdd(pts, bins=edges, weights=w)[0])
    c6 = np.arange(6.0).reshape(2, 3)
    g = tg.grad(lambda v: tg.sum(np.histogramdd(pts, bins=edges, weights=v)[0] * c6))(w)
    np.testing.assert_array_equal(
        g, jax.jit(jax.grad(lambda v: jnp.sum(jnp.histogramdd(pts, bins=edges, weights=v)[0] * c6)))(w))
    # a constant coordinate: NumPy widens its range by ½ each way, and the edges still move with it
    flat = np.column_stack([S[:, 0], np.full(25, 2.0)])
    h, e = np.histogramdd(tg.Tensor(flat), bins=3)
    hn, en = np.histogramdd(flat, bins=3)
    np.testing.assert_array_equal(np.asarray(h), hn)
    np.testing.assert_allclose(np.asarray(e[1]), en[1], rtol=1e-15)
    _grad_pair(lambda s: tg.sum(np.histogramdd(s, bins=3)[1][1] ** 2),
               lambda s: jnp.sum(jnp.histogramdd(s, bins=3)[1][1] ** 2), flat)
    # a 1-D sample is one coordinate; a list of coordinate arrays (traced ones too) is NumPy's other form
    h, e = np.histogramdd(tg.Tensor(S[:, 0]), bins=4)
    hn, en = np.histogramdd(S[:, 0], bins=4)
    np.testing.assert_array_equal(np.asarray(h), hn)
    np.testing.assert_allclose(np.asarray(e[0]), en[0], rtol=1e-15)
    cols = [S[:, 0], S[:, 1]]
    h, e = np.histogramdd([tg.Tensor(cols[0]), cols[1]], bins=(3, 2), weights=SW)
    hn, en = np.histogramdd(cols, bins=(3, 2), weights=SW)
    np.testing.assert_allclose(np.asarray(h), hn, rtol=1e-14)
    c6 = np.arange(6.0).reshape(3, 2)
    _grad_pair(lambda x: tg.sum(np.histogramdd([x, cols[1]], bins=(3, 2), density=True)[0] * c6),
               lambda x: jnp.sum(jnp.histogramdd(jnp.stack([x, cols[1]], axis=1), bins=(3, 2),
                                                 density=True)[0] * c6), cols[0])
    # float32 data: float32 edges, float64 counts, as NumPy
    h, e = np.histogramdd(tg.Tensor(S.astype(np.float32)), bins=3, weights=tg.Tensor(SW.astype(np.float32)))
    hn, en = np.histogramdd(S.astype(np.float32), bins=3, weights=SW.astype(np.float32))
    assert np.asarray(h).dtype == hn.dtype == np.float64
    assert all(np.asarray(a).dtype == b.dtype == np.float32 for a, b in zip(e, en))
    np.testing.assert_allclose(np.asarray(h), hn, rtol=1e-6)
    # traced edges given as bins, and a traced range, differentiate (the density's bin volumes)
    e0 = np.array([-2.0, 0.0, 0.5, 3.0])
    c = np.arange(12.0).reshape(3, 4)
    _grad_pair(lambda e: tg.sum(np.histogramdd(S[:, :2], bins=[e, 4], density=True)[0] * c)
               + tg.sum(np.histogramdd(S[:, :2], bins=[e, 4])[1][0] ** 2),
               lambda e: jnp.sum(jnp.histogramdd(S[:, :2], bins=[e, 4], density=True)[0] * c)
               + jnp.sum(jnp.histogramdd(S[:, :2], bins=[e, 4])[1][0] ** 2), e0)
    _grad_pair(lambda r: tg.sum(np.histogramdd(S[:, :2], bins=(3, 4), range=[r, None],
                                               density=True)[0] * c),
               lambda r: jnp.sum(jnp.histogramdd(S[:, :2], bins=(3, 4), range=[r, None],
                                                 density=True)[0] * c),
               np.array([-1.0, 1.5]))
    # nothing traced: NumPy's own answer; NumPy's errors on tensors
    hn2, en2 = tg.histogramdd(S, bins=3)
    assert type(hn2) is np.ndarray and type(en2[0]) is np.ndarray
    with pytest.raises(ValueError, match="The dimension of bins must be equal to the dimension of the"):
        np.histogramdd(tg.Tensor(S), bins=(2, 3))


@pytest.mark.parametrize("kw", [{"bins": 4}, {"bins": [3, 5]}, {"bins": [3, 5], "density": True},
                                {"bins": np.array([-2.0, -0.5, 0.0, 0.4, 2.5])},
                                {"bins": [np.array([-2.0, 0.0, 2.5]), 4], "density": True},
                                {"bins": 3, "range": [(-1.0, 1.0), (-2.0, 2.0)]}],
                         ids=["bins", "pair", "density", "edges", "mixed", "range"])
def test_histogram2d_values_and_gradients_match_numpy_and_jax(kw):
    x, y = S[:, 0], S[:, 1]
    h, xe, ye = np.histogram2d(tg.Tensor(x), tg.Tensor(y), weights=tg.Tensor(SW), **kw)
    hn, xn, yn = np.histogram2d(x, y, weights=SW, **kw)
    for a, b in zip((h, xe, ye), (hn, xn, yn)):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-14)
    c = np.arange(hn.size, dtype=float).reshape(hn.shape)
    _grad_pair(lambda w: tg.sum(np.histogram2d(x, y, weights=w, **kw)[0] * c),
               lambda w: jnp.sum(jnp.histogram2d(x, y, weights=w, **kw)[0] * c), SW)
    for which in (0, 1):  # the x and the y coordinates, through the edges and the density
        def f(v, which=which):
            xy = (v, y) if which == 0 else (x, v)
            hist, xe, ye = np.histogram2d(*xy, weights=SW, **kw)
            return tg.sum(hist * c) + tg.sum(xe ** 2) + tg.sum(ye ** 3)

        def jf(v, which=which):
            xy = (v, y) if which == 0 else (x, v)
            hist, xe, ye = jnp.histogram2d(*xy, weights=SW, **kw)
            return jnp.sum(hist * c) + jnp.sum(xe ** 2) + jnp.sum(ye ** 3)
        _grad_pair(f, jf, S[:, which])


def test_histogramdd_under_jit():
    # traced samples: each value's bin is found in the plan (as the 1-D histogram's), so a
    # replay with new samples, and the weights' gradient with traced samples, both compile
    f = tg.jit(lambda s: np.histogramdd(s, bins=3)[0])
    np.testing.assert_array_equal(f(S), np.histogramdd(S, bins=3)[0])
    np.testing.assert_array_equal(f(S ** 3), np.histogramdd(S ** 3, bins=3)[0])
    gs = tg.grad(lambda w, s: tg.sum(np.histogramdd(s, bins=3, weights=w)[0] * np.arange(3.0)))
    np.testing.assert_allclose(tg.jit(gs)(SW, S ** 2), gs(SW, S ** 2), rtol=1e-15)
    # constant samples: their bins are known while tracing, and the weights' gradient compiles
    gw = tg.grad(lambda w: tg.sum(np.histogramdd(S, bins=3, weights=w)[0] * np.arange(3.0)))
    np.testing.assert_allclose(tg.jit(gw)(SW), gw(SW), rtol=1e-15)
    np.testing.assert_allclose(tg.jit(gw)(SW * 2), gw(SW * 2), rtol=1e-15)
    # (the 1-D histogram finds each value's bin in the plan: its gradient compiles)
    g = tg.grad(lambda w: tg.sum(np.histogram(S[:, 0], bins=3, weights=w)[0] * np.arange(3.0)))
    np.testing.assert_allclose(tg.jit(g)(SW), g(SW), rtol=1e-15)


def test_histogram_with_a_traced_range_or_traced_edges_differentiates_in_them():
    # np.histogram met the traced range inside NumPy (an item-assignment TypeError)
    x = np.array([0.2, 0.9, 0.5, 1.1])
    wt = np.array([1.0, 2.0, 3.0, 4.0])

    def f(m, c):
        h, e = m.histogram(x, bins=3, range=(0.0, c + 1.0), weights=wt, density=True)
        return m.sum(h * np.arange(3.0)) + m.sum(e)

    def g(m, c):
        edges = m.stack([0.0, c, 1.2])
        return m.sum(m.histogram(x, bins=edges, weights=wt, density=True)[0] * np.arange(2.0))
    for fn, c in ((f, 0.3), (g, 0.6)):
        assert np.isclose(fn(tg, c), float(fn(jnp, c)))
        assert np.isclose(tg.grad(lambda v: fn(tg, v))(c), float(jax.jit(jax.grad(lambda v: fn(jnp, v)))(c)))
