"""``tg.vmap`` against ``jax.vmap``: in_axes/out_axes as ints, None and pytree prefixes,
keyword arguments, and composition with grad, jacrev and tg.jit (it is a loop over the
slices, built from indexing and stack, so every transform goes through it)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.ops.shape import scatter_add

RNG = np.random.default_rng(3)
W = RNG.normal(size=(3, 4))
X = RNG.normal(size=(5, 4))
Y = RNG.normal(size=(5, 3))


def loss(W, x, y):
    return tg.sum((tg.tanh(W @ x) - y) ** 2)


def jloss(W, x, y):
    return jnp.sum((jnp.tanh(W @ x) - y) ** 2)


def test_per_example_gradients_and_jit():
    want = jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0))(W, X, Y)
    got = tg.vmap(tg.grad(loss), in_axes=(None, 0, 0))(W, X, Y)
    assert got.shape == (5, 3, 4)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    jitted = tg.jit(tg.vmap(tg.grad(loss), in_axes=[None, 0, 0]))
    np.testing.assert_allclose(jitted(W, X, Y), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jitted(W, X + 1, Y), jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0))(W, X + 1, Y),
                               rtol=1e-12, atol=1e-14)


def test_pytree_axes_keywords_and_transforms_through_vmap():
    p = {"w": RNG.normal(size=4)}
    f = lambda p, x: {"o": p["w"] * x, "s": tg.sum(x)}  # noqa: E731
    jf = lambda p, x: {"o": p["w"] * x, "s": jnp.sum(x)}  # noqa: E731
    kw = dict(in_axes=({"w": None}, 1), out_axes={"o": 1, "s": 0})
    got, want = tg.vmap(f, **kw)(p, X.T), jax.vmap(jf, **kw)(p, X.T)
    for k in ("o", "s"):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-14)
    g = tg.grad(lambda W: tg.sum(tg.vmap(lambda x: tg.tanh(W @ x))(X) ** 2))(W)
    jg = jax.jit(jax.grad(lambda W: jnp.sum(jax.vmap(lambda x: jnp.tanh(W @ x))(X) ** 2)))(W)
    np.testing.assert_allclose(g, jg, rtol=1e-12)
    J = tg.vmap(tg.jacrev(lambda v: tg.tanh(W @ v)))(X)
    np.testing.assert_allclose(J, jax.vmap(jax.jacrev(lambda v: jnp.tanh(W @ v)))(X), rtol=1e-12)
    s = np.arange(5.0)[:, None]
    np.testing.assert_allclose(tg.vmap(lambda x, s: x * s)(X, s=s), jax.vmap(lambda x, s: x * s)(X, s=s))
    assert tg.vmap(lambda x: x * 2, in_axes=None, axis_size=3)(np.ones(2)).shape == (3, 2)


def test_vmap_errors_name_the_problem():
    with pytest.raises(ValueError, match="in_axes has 2 entries for 3 positional arguments"):
        tg.vmap(loss, in_axes=(None, 0))(W, X, Y)
    with pytest.raises(ValueError, match=r"different sizes \[3, 5\]"):
        tg.vmap(loss, in_axes=(None, 0, 0))(W, X, Y[:3])
    with pytest.raises(ValueError, match="give axis_size"):
        tg.vmap(lambda x: x, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match=r"in_axes 2 is out of range for an argument of shape \(3,\)"):
        tg.vmap(lambda x: x, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="does not match the structure"):
        tg.vmap(lambda p: p["a"], in_axes=({"b": 0},))({"a": np.ones(3)})


def test_the_mapped_function_sees_jax_like_arrays():
    x = np.ones((3, 4))
    out = tg.vmap(lambda z: z.at[1].mul(3.0))(x)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, np.where(np.arange(4) == 1, 3.0, 1.0)[None].repeat(3, 0))
    s, d = tg.vmap(lambda z: (z.sum(), {"a": z.astype(np.float32) * 2}))(x)
    assert type(s) is np.ndarray and d["a"].dtype == np.float32


def test_a_zero_size_map_learns_its_output_shapes_from_a_stand_in_slice():
    # JAX traces abstractly; tensorgrad calls the function once on zeros, and where that raises
    # (cholesky, inv of a zero matrix) on ones with identity matrices
    empty = np.zeros((0, 3, 3))
    assert tg.vmap(tg.linalg.cholesky)(empty).shape == (0, 3, 3)
    assert tg.vmap(tg.linalg.inv, out_axes=1)(empty).shape == (3, 0, 3)
    assert tg.lax.scan(lambda c, m: (c, tg.linalg.cholesky(m)), 0.0, empty)[1].shape == (0, 3, 3)
    assert tg.vmap(lambda v: tg.log(v).sum())(np.zeros((0, 4))).shape == (0,)
    # then on distinct values: shifted Cholesky, eigenvector derivatives, square roots
    I3 = np.eye(3)
    assert tg.vmap(lambda x: tg.linalg.cholesky(x - 5 * I3))(empty).shape == (0, 3, 3)
    assert tg.vmap(tg.grad(lambda a: tg.sum(tg.linalg.eigh(a)[1] ** 3)))(empty).shape == (0, 3, 3)
    assert tg.vmap(lambda x: tg.scipy.linalg.sqrtm(x - 3 * I3))(empty).shape == (0, 3, 3)
    assert tg.vmap(lambda v: tg.log(v - 1.5).sum())(np.zeros((0, 4))).shape == (0,)

    for n in (0, 2):  # the same error for an empty map
        with pytest.raises(ValueError, match="vmap: out_axes 1 is out of range for output 0"):
            tg.vmap(tg.sum, out_axes=1)(np.zeros((n, 3)))

    def always_fails(v):
        raise ValueError("no")
    with pytest.raises(ValueError, match="no") as err:
        tg.vmap(always_fails)(np.zeros((0, 2)))
    assert any("stand-in" in n for n in getattr(err.value, "__notes__", []))


def test_namedtuple_and_ordered_dict_in_axes_are_prefixes_of_their_arguments():
    import collections
    NT = collections.namedtuple("NT", "a b")
    x = NT(np.ones((3, 4)), np.arange(4.0))
    out = tg.vmap(lambda t: t.a * t.b, in_axes=(NT(0, None),))(x)
    np.testing.assert_array_equal(out, np.ones((3, 4)) * np.arange(4.0))
    od = collections.OrderedDict([("z", np.ones((3, 2))), ("a", np.arange(3.0))])
    axes = collections.OrderedDict([("z", 1), ("a", None)])
    out = tg.vmap(lambda d: d["z"] + d["a"], in_axes=(axes,))(od)
    np.testing.assert_array_equal(out, np.ones((2, 3)) + np.arange(3.0))


def test_every_slice_is_a_tensor_zero_d_empty_and_beside_traced_arguments():
    np.testing.assert_array_equal(tg.vmap(lambda a: a.at[()].set(5.0))(np.arange(3.0)), [5.0] * 3)
    assert tg.vmap(lambda a: a.at[0].set(1.0))(np.zeros((0, 2))).shape == (0, 2)
    X = np.arange(6.0).reshape(3, 2)
    g = tg.grad(lambda w: tg.sum(tg.vmap(lambda a, b: a.at[0].set(0.0) * b, in_axes=(0, None))(X, w)))
    assert g(2.0) == 9.0


def test_slices_of_different_types_are_refused_by_name():
    # a cond whose branches differ in dtype, or a shape that depends on the values: vmap says
    # so (stack would promote float32 to float64 silently, or fail with its own message)
    x = np.arange(4.0)
    # (a cond whose branches differ in dtype is refused by cond itself, as in JAX)
    with pytest.raises(TypeError, match=r"cond: (true|false)_fun returns an array of shape \(\) and dtype float"):
        tg.vmap(lambda v: tg.lax.cond(v > 1, lambda a: a, lambda a: a.astype(np.float32), v))(x)
    with pytest.raises(ValueError, match=r"vmap: output 0 has different shapes or dtypes .*float32"):
        tg.vmap(lambda v: v if v > 1 else v.astype(np.float32))(x)
    with pytest.raises(ValueError, match=r"vmap: output 1 has different shapes"):
        tg.vmap(lambda v: (v, tg.arange(int(v))))(x)
    np.testing.assert_array_equal(tg.vmap(lambda v: tg.lax.cond(v > 1, lambda a: a, lambda a: -a, v))(x),
                                  np.where(x > 1, x, -x))
    with pytest.raises(ValueError, match="vmap: out_axes 3 is out of range for output 0, which has 2"):
        tg.vmap(lambda v: v * 2, out_axes=3)(np.ones((2, 3)))
    assert tg.vmap(lambda v: v * 2, out_axes=-1)(np.ones((2, 3))).shape == (3, 2)


def test_scatter_add_accumulates_repeats_of_a_mapped_index():
    # the index slice arrives as a Tensor under vmap; repeated entries must add up
    idx = np.array([[0, 0, 1], [2, 2, 2]])
    got = tg.vmap(lambda i: scatter_add(np.ones(3), (i,), (3,)))(idx)
    np.testing.assert_array_equal(got, [[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]])


def test_the_mapped_arrays_stay_read_only_while_the_slices_run():
    xb = np.ones((3, 2))

    def f(v):  # a write into the caller's array would change the slices still to come
        xb[2, 0] = 50.0
        return v * 2
    with pytest.raises(ValueError, match="read-only"):
        tg.vmap(f)(xb)
    assert xb.flags.writeable and np.array_equal(xb, np.ones((3, 2)))  # (flags restored)
    r = np.arange(6.0).reshape(2, 3)
    r.flags.writeable = False
    np.testing.assert_array_equal(tg.vmap(lambda v: v.sum())(r), [3.0, 12.0])
    assert not r.flags.writeable


def test_a_negative_or_fractional_axis_size_is_named():
    for bad in (-1, 2.5):
        with pytest.raises(ValueError, match="axis_size must be a non-negative integer"):
            tg.vmap(lambda x: x, in_axes=None, axis_size=bad)(np.ones(2))
