"""Functional index updates, ``t.at[index].<method>(values)``, against NumPy and JAX.

Values follow NumPy: ``set`` is ``a[index] = v`` (the last write wins on a
repeated entry) and the other methods are ``np.<ufunc>.at`` (every write
applied in turn). Gradients, with respect to the array and the values, are
compared with ``jax.grad`` where JAX has a rule; JAX has none for
``multiply``/``divide``/``power`` unless told the entries are unique, and
there forward and reverse mode are compared with each other and with central
differences.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(7)
X = RNG.uniform(0.5, 2.0, size=(4, 5))

INDICES = {
    "scalar": (1, 2),
    "column": (slice(None), 0),
    "repeats": (np.array([0, 2, 0]), np.array([1, 1, 1])),
    "mask": (X > 1.2,),
    "ellipsis": (Ellipsis, np.array([4, 0, 4, 4])),
    "rows": (slice(1, 3),),
    "row twice": (np.array([3, 3]),),
}
UFUNCS = {"add": np.add, "multiply": np.multiply, "divide": np.divide, "power": np.power,
          "min": np.minimum, "max": np.maximum}


def _numpy(method, idx, v):
    out = X.copy()
    if method == "set":
        out[idx] = v
    else:
        UFUNCS[method].at(out, idx, np.broadcast_to(v, X[idx].shape))
    return out


def _repeats(idx) -> bool:
    pos = np.arange(X.size).reshape(X.shape)[idx].ravel()
    return len(np.unique(pos)) < pos.size


@pytest.mark.parametrize("method", ["set", "add", "multiply", "divide", "power", "min", "max"])
@pytest.mark.parametrize("name", list(INDICES))
def test_at_matches_numpy_values_and_jax_gradients(name, method):
    idx = INDICES[name]
    v = RNG.uniform(0.5, 1.5, size=X[idx].shape)
    w = RNG.normal(size=X.shape)
    np.testing.assert_allclose(np.asarray(getattr(tg.Tensor(X).at[idx], method)(v)),
                               _numpy(method, idx, v), rtol=1e-15)

    def loss(a, b):
        return tg.sum(getattr(tg.at(a)[idx], method)(b) * w)

    g = tg.grad(loss, argnums=(0, 1))(X, v)
    try:
        want = jax.jit(jax.grad(lambda a, b: jnp.sum(getattr(a.at[idx], method)(b) * w), argnums=(0, 1)))(X, v)
    except NotImplementedError:  # JAX: no scatter_mul gradient unless told the entries are unique
        assert method in ("multiply", "divide", "power")
        want = (tg.jacfwd(loss, argnums=0)(X, v), tg.jacfwd(loss, argnums=1)(X, v))
        e = np.zeros(v.shape)
        e.flat[0] = 1e-6
        fd = (loss(X, v + e) - loss(X, v - e)) / 2e-6
        assert abs(float(fd) - g[1].flat[0]) < 1e-6 * max(1.0, abs(float(fd)))
    np.testing.assert_allclose(g[0], want[0], rtol=1e-12, atol=1e-14)
    if not (method == "set" and _repeats(idx)):  # which repeated write wins is JAX's choice
        np.testing.assert_allclose(g[1], want[1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.grad(loss))(X, v), g[0], rtol=1e-13, atol=1e-14)


def test_at_set_keeps_the_last_write_and_its_gradient():
    # NumPy's a[[1, 1]] = [5, 7] leaves 7: only the second value reaches the output
    g = tg.grad(lambda v: tg.sum(tg.at(np.zeros(3))[np.array([1, 1])].set(v) * 2.0))(np.array([5.0, 7.0]))
    np.testing.assert_array_equal(g, [0.0, 2.0])
    np.testing.assert_array_equal(np.asarray(tg.at(np.zeros(3))[np.array([1, 1])].set([5.0, 7.0])),
                                  [0.0, 7.0, 0.0])


def test_at_scalar_values_apply_get_and_second_order():
    x = X[0]
    np.testing.assert_allclose(np.asarray(tg.Tensor(x).at[1:3].get()), x[1:3])
    # apply runs once per occurrence, as np.sin.at and JAX's apply do
    ref = x.copy()
    np.sin.at(ref, [1, 1])
    out = tg.at(x)[np.array([1, 1])].apply(tg.sin)
    np.testing.assert_allclose(np.asarray(out), ref)
    np.testing.assert_allclose(np.asarray(out), np.asarray(jnp.asarray(x).at[np.array([1, 1])].apply(jnp.sin)))
    g = tg.grad(lambda t: tg.sum(t.at[np.array([1, 1])].apply(tg.sin)))(x)
    np.testing.assert_allclose(g[1], np.cos(np.sin(x[1])) * np.cos(x[1]))
    f = lambda t: tg.sum(t.at[np.array([0, 2])].multiply(t[1]) ** 2)  # noqa: E731
    jf = lambda t: jnp.sum(t.at[np.array([0, 2])].multiply(t[1], unique_indices=True) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.hessian(f)(x), jax.hessian(jf)(x), rtol=1e-12)
    # nothing indexed: an equal array, never the caller's own
    a = np.ones(3)
    same = tg.at(a)[np.array([], dtype=int)].set(2.0)
    assert same is not a and np.array_equal(same, a)
    # a float32 array keeps its dtype, as NumPy's assignment does
    out32 = tg.at(x.astype(np.float32))[0].add(1.0)
    assert np.asarray(out32).dtype == np.float32


def test_at_under_jit_and_its_errors():
    f = tg.jit(lambda v: v.at[0, 1].set(9.0).at[1, np.array([1, 1])].add(v[0, 1:3]))
    for x in (X[:2, :3], X[:2, :3] + 1):
        want = np.asarray((lambda v: v.at[0, 1].set(9.0).at[1, np.array([1, 1])].add(v[0, 1:3]))(jnp.asarray(x)))
        np.testing.assert_allclose(f(x), want)
    t = tg.Tensor(X)
    with pytest.raises(IndexError, match=r"at\[\.\.\.\]\.set: index 9 is out of bounds .* shape \(4, 5\)"):
        t.at[9].set(1.0)
    with pytest.raises(ValueError, match=r"values of shape \(3,\) cannot be broadcast to the indexed shape \(5,\)"):
        t.at[0].set(np.ones(3))
    with pytest.raises(NotImplementedError, match=r"mode='clip'"):
        t.at[0].set(1.0, mode="clip")
    with pytest.raises(TypeError, match=r"unexpected keyword\(s\) \['foo'\]"):
        t.at[0].add(1.0, foo=1)
    with pytest.raises(NotImplementedError, match="under tg.jit the index must be a constant"):
        tg.jit(lambda v, i: v.at[i].set(0.0))(X, np.array([0]))
    with pytest.raises(TypeError, match=r"t = t\.at\[index\]\.set\(value\)"):
        t[0] = 1.0
