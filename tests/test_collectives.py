"""Collectives over a named vmap axis (tg.lax.psum, pmean, pmax, pmin, all_gather, ppermute,
pshuffle, psum_scatter, all_to_all, pswapaxes, axis_index, axis_size) and tg.pmap, against jax.vmap(..., axis_name=...) with jax.lax's
collectives: values, nested named axes, derivatives by transforms outside the map, tg.jit,
tg.to_jax, and the errors for what cannot work."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import tensorgrad as tg

X = np.random.default_rng(0).normal(size=(4, 3))
X3 = np.random.default_rng(1).normal(size=(2, 3, 4))
RING = [(0, 1), (1, 2), (2, 3), (3, 0)]

# (tensorgrad's function, JAX's): each maps one row of X with axis_name "i"
PAIRS = {
    "centre": (lambda v: v - tg.lax.pmean(v, "i"), lambda v: v - lax.pmean(v, "i")),
    "share": (lambda v: v / tg.lax.psum(v, "i"), lambda v: v / lax.psum(v, "i")),
    "range": (lambda v: (tg.lax.pmax(v, "i"), tg.lax.pmin(v, "i")),
              lambda v: (lax.pmax(v, "i"), lax.pmin(v, "i"))),
    "gather": (lambda v: tg.lax.all_gather(v, "i"), lambda v: lax.all_gather(v, "i")),
    "gather-axis1": (lambda v: tg.lax.all_gather(v, "i", axis=1),
                     lambda v: lax.all_gather(v, "i", axis=1)),
    "gather-tiled": (lambda v: tg.lax.all_gather(v, "i", tiled=True),
                     lambda v: lax.all_gather(v, "i", tiled=True)),
    "ring": (lambda v: tg.lax.ppermute(v, "i", RING), lambda v: lax.ppermute(v, "i", RING)),
    "index": (lambda v: v * tg.lax.axis_index("i"), lambda v: v * lax.axis_index("i")),
    "pytree": (lambda v: tg.lax.psum({"a": v, "b": 2.0 * v[0]}, "i"),
               lambda v: lax.psum({"a": v, "b": 2.0 * v[0]}, "i")),
    "two-calls": (lambda v: tg.lax.psum(tg.sin(v - tg.lax.pmean(v, "i")), "i"),
                  lambda v: lax.psum(jnp.sin(v - lax.pmean(v, "i")), "i")),
}


Y = np.random.default_rng(2).normal(size=(4, 4, 2))  # 4 slices of (4, 2): an axis to split
# (tensorgrad's, JAX's) functions of a slice of Y: the collectives that split an axis
SPLITS = {
    "psum_scatter": (lambda v: tg.lax.psum_scatter(v, "i"), lambda v: lax.psum_scatter(v, "i")),
    "psum_scatter-tiled": (lambda v: tg.lax.psum_scatter(v, "i", scatter_dimension=0, tiled=True),
                           lambda v: lax.psum_scatter(v, "i", scatter_dimension=0, tiled=True)),
    "all_to_all-00": (lambda v: tg.lax.all_to_all(v, "i", 0, 0),
                      lambda v: lax.all_to_all(v, "i", 0, 0)),
    "all_to_all-01": (lambda v: tg.lax.all_to_all(v, "i", 0, 1),
                      lambda v: lax.all_to_all(v, "i", 0, 1)),
    "all_to_all-tiled": (lambda v: tg.lax.all_to_all(v, "i", 0, 1, tiled=True),
                         lambda v: lax.all_to_all(v, "i", 0, 1, tiled=True)),
    "pswapaxes": (lambda v: tg.lax.pswapaxes(v, "i", 0), lambda v: lax.pswapaxes(v, "i", 0)),
    "pshuffle": (lambda v: tg.lax.pshuffle(v, "i", [3, 0, 1, 2]),
                 lambda v: lax.pshuffle(v, "i", [3, 0, 1, 2])),
}


@pytest.mark.parametrize("name", sorted(PAIRS) + sorted(SPLITS))
def test_collectives_match_jax_vmap(name):
    f_tg, f_jax = PAIRS[name] if name in PAIRS else SPLITS[name]
    x = X if name in PAIRS else Y
    got = tg.vmap(f_tg, axis_name="i")(x)
    want = jax.vmap(f_jax, axis_name="i")(x)
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("names", ["i", "j", ("i", "j")])
@pytest.mark.parametrize("red", ["psum", "pmean", "pmax", "pmin"])
def test_nested_named_axes(red, names):
    inner_tg = tg.vmap(lambda v: getattr(tg.lax, red)(v, names) + v * tg.lax.axis_index(names),
                       axis_name="j")
    inner_jax = jax.vmap(lambda v: getattr(lax, red)(v, names) + v * lax.axis_index(names),
                         axis_name="j")
    np.testing.assert_allclose(tg.vmap(inner_tg, axis_name="i")(X3),
                               jax.vmap(inner_jax, axis_name="i")(X3), rtol=1e-12)


def _loss_tg(v):
    rows = tg.vmap(lambda r: tg.tanh(r - tg.lax.pmean(r, "i")) * tg.lax.psum(r * r, "i"),
                   axis_name="i")(v)
    return tg.sum(rows ** 2)


def _loss_jax(v):
    rows = jax.vmap(lambda r: jnp.tanh(r - lax.pmean(r, "i")) * lax.psum(r * r, "i"),
                    axis_name="i")(v)
    return jnp.sum(rows ** 2)


def test_transforms_outside_the_map_differentiate_through_collectives():
    np.testing.assert_allclose(tg.grad(_loss_tg)(X), jax.grad(_loss_jax)(X), rtol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(_loss_tg)(X), jax.jacfwd(_loss_jax)(X), rtol=1e-12)
    np.testing.assert_allclose(tg.hessian(_loss_tg)(X[:2, :2]), jax.hessian(_loss_jax)(X[:2, :2]),
                               rtol=1e-10)
    step = tg.jit(tg.grad(_loss_tg))
    for x in (X, X + 1.0):  # the plan replays every pass of the slices
        np.testing.assert_allclose(step(x), jax.grad(_loss_jax)(x), rtol=1e-12)
    # pmax's gradient (JAX has none for pmax): that of the max over the mapped axis
    g = tg.grad(lambda v: tg.sum(tg.sin(tg.vmap(lambda r: tg.lax.pmax(r, "i") * r, axis_name="i")(v))))(X)
    np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(jnp.sin(jnp.max(v, axis=0) * v)))(X),
                               rtol=1e-12)
    f = lambda v: tg.sum(tg.sin(tg.vmap(lambda r: r - tg.lax.pmean(r, "i"), axis_name="i")(v)))  # noqa: E731
    np.testing.assert_allclose(jax.grad(tg.to_jax(f))(X), tg.grad(f)(X), rtol=1e-12)


def test_pmap_sizes_and_partial_permutations():
    np.testing.assert_allclose(tg.pmap(lambda v: v - tg.lax.pmean(v, "d"), axis_name="d")(X),
                               X - X.mean(axis=0), rtol=1e-12)
    out = tg.pmap(lambda v, s: v * s, axis_name="d", static_broadcasted_argnums=1)(X, 3.0)
    np.testing.assert_allclose(out, 3.0 * X)
    shifted = tg.vmap(lambda v: tg.lax.ppermute(v, "i", [(0, 2)]), axis_name="i")(X)
    np.testing.assert_array_equal(shifted, np.stack([0 * X[0], 0 * X[0], X[0], 0 * X[0]]))
    sizes = tg.vmap(lambda v: tg.lax.axis_size("i") + tg.lax.psum(1, "i") + 0 * v[0], axis_name="i")(X)
    np.testing.assert_array_equal(sizes, [8, 8, 8, 8])


def test_collective_errors_are_clear():
    with pytest.raises(NameError, match="lax.psum: unbound axis name 'k'.*named axes here are"):
        tg.vmap(lambda v: tg.lax.psum(v, "k"), axis_name="i")(X)
    with pytest.raises(NameError, match="unbound axis name 'i'"):
        tg.lax.pmean(X, "i")
    with pytest.raises(NotImplementedError, match="inside a transform .* opened within the mapped"):
        tg.vmap(lambda v: tg.grad(lambda u: tg.lax.psum(tg.sum(u), "i"))(v), axis_name="i")(X)
    with pytest.raises(ValueError, match="sends from or to one slice twice"):
        tg.vmap(lambda v: tg.lax.ppermute(v, "i", [(0, 1), (2, 1)]), axis_name="i")(X)
    with pytest.raises(ValueError, match="outside 0..3"):
        tg.vmap(lambda v: tg.lax.ppermute(v, "i", [(0, 7)]), axis_name="i")(X)
    with pytest.raises(ValueError, match="lax.psum_scatter: the value's axis 0 has size 3, which "
                       "must equal the number of slices 4"):
        tg.vmap(lambda v: tg.lax.psum_scatter(v, "i"), axis_name="i")(X)
    with pytest.raises(ValueError, match="lax.all_to_all: .* size 3, which the 4 slices do not divide"):
        tg.vmap(lambda v: tg.lax.all_to_all(v, "i", 0, 0, tiled=True), axis_name="i")(X)
    with pytest.raises(ValueError, match="pshuffle: perm must be a permutation"):
        tg.vmap(lambda v: tg.lax.pshuffle(v, "i", [0, 0, 1, 2]), axis_name="i")(X)
    with pytest.raises(ValueError, match="different order or number"):
        tg.vmap(lambda v: tg.lax.psum(v, "i") if tg.lax.axis_index("i") < 2 else v,
                axis_name="i")(X)


def test_psum_and_pmean_give_jaxs_dtypes_for_integers_and_booleans():
    # lax's sums keep an integer dtype (NumPy's would widen int8 to int64); booleans count
    # in int32; a mean of integers is float32 (float64 for 64-bit ones), as JAX's
    for dt, s_dt, m_dt in [(np.int8, np.int8, np.float32), (np.uint8, np.uint8, np.float32),
                           (np.int32, np.int32, np.float32), (np.bool_, np.int32, np.float32),
                           (np.int64, np.int64, np.float64), (np.float32, np.float32, np.float32)]:
        x = np.arange(6).reshape(3, 2).astype(dt)
        s = tg.vmap(lambda v: tg.lax.psum(v, "i"), axis_name="i")(x)
        m = tg.vmap(lambda v: tg.lax.pmean(v, "i"), axis_name="i")(x)
        assert s.dtype == s_dt and m.dtype == m_dt, (dt, s.dtype, m.dtype)
        np.testing.assert_array_equal(s, np.broadcast_to(x.sum(0, dtype=np.int64), (3, 2)))
        np.testing.assert_allclose(m, np.broadcast_to(x.mean(0), (3, 2)), rtol=1e-7)
    wrap = tg.vmap(lambda v: tg.lax.psum(v, "i"), axis_name="i")(np.full((3,), 100, np.int8))
    assert wrap.dtype == np.int8 and wrap.tolist() == [44, 44, 44]  # 300 wraps, as in JAX


def test_a_map_over_zero_slices_knows_its_axis_name_and_never_runs_a_loop():
    # with no slice, the output shapes come from one stand-in slice: the collectives find their
    # axis there, shapes that count the slices count none, and a while_loop does not run (its
    # output is its carry's type), so a loop that never ends on the stand-ins cannot hang
    calls = []

    def body(c):
        calls.append(1)
        if len(calls) > 1000:
            raise RuntimeError("the loop ran on the stand-in")
        return c * 2.0
    got = tg.vmap(lambda x: tg.lax.while_loop(lambda c: tg.all(c == c), body, x))(np.zeros((0, 2)))
    assert got.shape == (0, 2) and not calls
    # an unmapped output (out_axes None) is the probe's own value: its loops run in full
    got = tg.vmap(lambda x: (x, tg.lax.while_loop(lambda c: c < 10, lambda c: c + 1, 0)),
                  out_axes=(0, None))(np.zeros(0))
    assert got[0].shape == (0,) and int(got[1]) == 10
    z = np.zeros((0, 3))
    for f, jf in [
        (lambda x: x - tg.lax.pmean(x, "i"), lambda x: x - jax.lax.pmean(x, "i")),
        (lambda x: tg.lax.psum(x, "i") + tg.lax.axis_index("i"), lambda x: jax.lax.psum(x, "i") + jax.lax.axis_index("i")),
        (lambda x: tg.lax.all_gather(x, "i"), lambda x: jax.lax.all_gather(x, "i")),
        (lambda x: tg.lax.all_gather(x, "i", axis=1), lambda x: jax.lax.all_gather(x, "i", axis=1)),
        (lambda x: tg.lax.all_gather(x, "i", tiled=True), lambda x: jax.lax.all_gather(x, "i", tiled=True)),
        (lambda x: x * tg.lax.axis_size("i"), lambda x: x * jax.lax.axis_size("i")),
    ]:
        out, ref = tg.vmap(f, axis_name="i")(z), jax.vmap(jf, axis_name="i")(z)
        assert out.shape == ref.shape


def test_collectives_in_the_branches_of_a_mapped_decision_match_jax():
    # each slice takes its own branch, but a branch's collective meets every slice's (JAX runs
    # both branches of a mapped decision): the slices' psum(u) and psum(10 u) never mix
    x = np.array([[1.0, 2.0], [-1.0, 3.0], [2.0, -5.0]])
    cases = [
        (lambda L: lambda a: L.cond(a[0] > 0, lambda u: L.psum(u, "i"), lambda u: L.psum(10 * u, "i"), a), (x,)),
        (lambda L: lambda a: L.cond(a[0] > 0, lambda u: L.pmax(u, "i"), lambda u: L.pmin(u, "i"), a), (x,)),
        (lambda L: lambda i, a: L.switch(i, [lambda u: L.psum(u, "i"), lambda u: L.pmax(u, "i"),
                                             lambda u: u * L.axis_index("i")], a),
         (np.array([0, 1, 2]), np.array([1.0, 2.0, 4.0]))),
    ]
    for make, args in cases:
        got = tg.vmap(make(tg.lax), axis_name="i")(*args)
        want = jax.vmap(make(lax), axis_name="i")(*args)
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_a_mapped_decision_without_collectives_runs_the_untaken_branch_once():
    runs = []

    def costly(u):
        runs.append(1)
        return u * 2.0
    x = np.arange(40.0).reshape(40, 1) - 20.0
    got = tg.vmap(lambda a: tg.lax.cond(a[0] > 0, costly, lambda u: u - 1.0, a))(x)
    np.testing.assert_array_equal(got, np.where(x > 0, 2 * x, x - 1))
    assert len(runs) <= int((x > 0).sum()) + 2  # (the taken runs, one to learn it calls no
    # collective and one for the branches' type check; it ran in all 40 slices)
