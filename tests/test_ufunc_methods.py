"""NumPy's ufunc methods on tensorgrad's two-operand functions (tg.add.outer, .reduce,
.accumulate, .at): values and dtypes against NumPy's, gradients against jax.numpy's ufuncs,
under tg.jit, and NumPy's errors."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(11)
X = RNG.normal(size=(3, 4))
XI = RNG.integers(1, 5, size=(3, 4))
NAMES = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin",
         "logaddexp", "logaddexp2", "hypot", "logical_and", "logical_or", "logical_xor",
         "bitwise_and", "bitwise_or", "bitwise_xor", "remainder", "floor_divide", "copysign"]
CALLS = [("reduce", {}), ("reduce", {"axis": 1}), ("reduce", {"axis": -1, "keepdims": True}),
         ("reduce", {"axis": None}), ("reduce", {"axis": (0, 1)}), ("reduce", {"axis": 0, "initial": 2}),
         ("reduce", {"axis": 1, "dtype": np.float64}), ("accumulate", {}), ("accumulate", {"axis": 1})]


@pytest.mark.parametrize("name", NAMES)
def test_methods_equal_numpys(name):
    tf, nf = getattr(tg, name), getattr(np, name)
    a = XI if name.startswith("bitwise") or name in ("remainder", "floor_divide") else X
    assert (tf.nin, tf.nout, tf.identity) == (2, 1, nf.identity)
    calls = [(m, k) for m, k in CALLS if not (name.startswith("logical") and "dtype" in k)]
    for method, args, kw in [("outer", (a[0], a[1, :3]), {})] + [(m, (a,), k) for m, k in calls] \
            + [("reduce", (a[:, :0],), {"axis": 1})]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = getattr(nf, method)(*args, **kw)
            except (TypeError, ValueError) as e:  # NumPy refuses: so does tensorgrad
                with pytest.raises(type(e) if isinstance(e, ValueError) else (TypeError, ValueError)):
                    getattr(tf, method)(*args, **kw)
                continue
        got = getattr(tf, method)(*args, **kw)
        assert np.shape(got) == np.shape(want) and np.result_type(got) == np.result_type(want), \
            (method, kw)
        np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"{name}.{method} {kw}")


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "subtract", "logaddexp"])
def test_gradients_equal_jaxs(name):
    v = RNG.normal(size=6)
    for method, f in [("outer", lambda m, u: m.outer(u[:3], u[3:] + 2.0)),
                      ("reduce", lambda m, u: m.reduce(u.reshape(2, 3), axis=1)),
                      ("accumulate", lambda m, u: m.accumulate(u.reshape(2, 3) + 3.0, axis=1))]:
        wt = RNG.normal(size=np.shape(f(getattr(np, name), v)))
        want = jax.grad(lambda u: jnp.sum(f(getattr(jnp, name), u) * wt))(jnp.asarray(v))
        got = tg.grad(lambda u: tg.sum(f(getattr(tg, name), u) * wt))(v)
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-12, err_msg=f"{name}.{method}")
        np.testing.assert_allclose(tg.jit(tg.grad(lambda u: tg.sum(f(getattr(tg, name), u) * wt)))(v),
                                   got, rtol=1e-14)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "minimum", "maximum"])
def test_at_in_place_as_numpy_and_functional_as_jax(name):
    idx = np.array([0, 0, 2])
    a, b = X.copy(), X.copy()
    getattr(np, name).at(a, idx, 2.5)
    assert getattr(tg, name).at(b, idx, 2.5) is None  # NumPy's: in place, returns None
    np.testing.assert_array_equal(b, a)
    np.testing.assert_allclose(getattr(tg, name).at(X, idx, 2.5, inplace=False), a, rtol=1e-15)
    update = {"add": lambda u: u.at[idx].add(2.5), "subtract": lambda u: u.at[idx].add(-2.5),
              "multiply": lambda u: u.at[idx].multiply(2.5), "divide": lambda u: u.at[idx].divide(2.5),
              "minimum": lambda u: u.at[idx].min(2.5), "maximum": lambda u: u.at[idx].max(2.5)}[name]
    want = jax.grad(lambda u: jnp.sum(update(u) ** 2))(jnp.asarray(X))
    got = tg.grad(lambda u: tg.sum(getattr(tg, name).at(u, idx, 2.5, inplace=False) ** 2))(X)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-13)
    with pytest.raises(TypeError, match="inplace=False"):  # a traced value never changes in place
        tg.grad(lambda u: tg.sum(getattr(tg, name).at(u, idx, 2.5)))(X)
    frozen = X.copy()
    frozen.flags.writeable = False
    with pytest.raises(TypeError, match="writable NumPy array a .*read-only"):
        getattr(tg, name).at(frozen, idx, 2.5)
    assert not frozen.flags.writeable and np.array_equal(frozen, X)


def test_errors_as_numpys():
    with pytest.raises(ValueError, match="not reorderable"):
        tg.subtract.reduce(X, axis=(0, 1))
    with pytest.raises(ValueError, match="no identity"):
        tg.fmax.reduce(X[:, :0], axis=1)
    with pytest.raises(TypeError, match="scalar"):
        tg.subtract.accumulate(np.float64(1.0))
    with pytest.raises(NotImplementedError, match="inplace=False is supported for"):
        tg.hypot.at(X, [0], 1.0, inplace=False)
    assert not hasattr(tg.less, "reduce") and tg.less.outer([1, 2], [2]).tolist() == [[True], [False]]
    assert not hasattr(tg.matmul, "reduce")  # a generalized ufunc: NumPy's has no such methods


def test_reduce_over_no_axis_meets_the_identity_or_initial_as_numpys():
    x = np.array([-1.5, 2.0])
    for name in ("add", "maximum", "hypot", "logaddexp", "multiply", "subtract", "logaddexp2"):
        for kw in ({}, {"initial": 3.0}):
            try:
                want = getattr(np, name).reduce(x, axis=(), **kw)
            except (TypeError, ValueError):
                continue
            np.testing.assert_array_equal(getattr(tg, name).reduce(x, axis=(), **kw), want)
    np.testing.assert_array_equal(tg.hypot.reduce(x, axis=()), [1.5, 2.0])  # hypot(0, x) = |x|
    assert np.shape(tg.argmax(np.array(3.0), axis=0, keepdims=True)) == ()  # (0-d stays 0-d)


REDUCEAT = [([0, 2, 1, 3], 0), ([0, 3, 3], 1), ([3, 0], -1), ([2], 1), ([0, 1, 2, 3], 1), ([], 1)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("indices, axis", REDUCEAT)
def test_reduceat_matches_numpy(name, indices, axis):
    x = XI if name.startswith(("bitwise", "logical", "remainder", "floor")) else X
    x = x[:, :3] if axis == 0 else x  # (axis 0 has 3 entries: index 3 is out of bounds there)
    indices = [i for i in indices if i < x.shape[axis]]
    want = getattr(np, name).reduceat(x, np.asarray(indices, np.intp), axis=axis)
    got = np.asarray(getattr(tg.numpy, name).reduceat(x, indices, axis=axis))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_reduceat_gradient_and_jit_against_jax():
    idx = [0, 2, 1, 3]
    w = np.arange(1.0, 5.0)
    for name in ("add", "multiply", "maximum", "logaddexp"):
        def f(a, m=getattr(tg, name)):
            return (m.reduceat(a, idx) * w).sum()

        def fj(a, m=getattr(jnp, name)):
            return (m.reduceat(a, jnp.asarray(idx)) * w).sum()
        a = RNG.normal(size=5)
        np.testing.assert_allclose(tg.grad(f)(a), jax.grad(fj)(a), rtol=1e-12)
        np.testing.assert_allclose(tg.jit(f)(a), fj(a), rtol=1e-12)
    assert tg.add.nargs == jnp.add.nargs == 2


def test_reduceat_refuses_as_numpy():
    with pytest.raises(IndexError, match="add.reduceat: index 4 is out of bounds"):
        tg.add.reduceat(np.arange(4.0), [0, 4])
    with pytest.raises(TypeError, match="1-d sequence of integers"):
        tg.add.reduceat(np.arange(4.0), [[0, 1]])
    with pytest.raises(TypeError, match="0-d"):
        tg.add.reduceat(np.float64(1.0), [0])


def test_numpys_reduceat_on_tensors_differentiates():
    w = np.array([1.0, 2.0, 3.0])
    a = RNG.normal(size=5)
    for name in ("add", "maximum", "subtract"):
        def f(v, u=getattr(np, name)):
            return (u.reduceat(v, [0, 3, 1]) * w).sum()

        def fj(v, u=getattr(jnp, name)):
            return (u.reduceat(v, jnp.array([0, 3, 1])) * w).sum()
        np.testing.assert_allclose(tg.grad(f)(a), jax.grad(fj)(a), rtol=1e-12)
