"""``tnp.ufunc`` and ``tnp.frompyfunc`` against JAX's (values, dtypes, errors, derivatives),
and ``tnp.ComplexWarning`` / ``tnp.from_dlpack``. JAX runs eagerly on few small cases."""
import operator

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

X = np.array([[0.5, 1.25, 0.75], [1.5, 0.25, 1.0]])


def _poly(ns):
    """A scalar function neither associative nor commutative, without an identity."""
    return ns.frompyfunc(lambda x, y: x * y + ns.sin(x), 2, 1)


def _methods(ns, u, x):
    """Every method of a binary ufunc on ``x`` (2, 3), as a list of arrays."""
    return [u(x, x[::-1] + 1.0), u(x, 2.0), u.outer(x[0], x[1, :2]), u.reduce(x),
            u.reduce(x, axis=1, keepdims=True), u.reduce(x, axis=None),
            u.reduce(x, axis=-1, initial=0.5, where=np.array([True, False, True])),
            u.accumulate(x, axis=1), u.at(x, (np.array([0, 0, 1]), np.array([2, 2, 0])), 1.5,
                                          inplace=False),
            u.at(x[0], np.array([1, 1]), x[1, :2], inplace=False), u.at(x, 1, x[0], inplace=False),
            u.reduceat(x, np.array([0, 2, 1]), axis=1)]


def test_attributes_repr_and_identity_follow_jax():
    for ns in (tnp, jnp):
        add = ns.frompyfunc(operator.add, 2, 1, identity=0)
        assert isinstance(add, ns.ufunc)
        assert (add.nin, add.nout, add.nargs, add.identity, add.__name__) == (2, 1, 2, 0, "add")
        assert repr(add) == "<jnp.ufunc 'add'>"
        assert add == ns.frompyfunc(operator.add, 2, 1, identity=0)
        assert hash(add) == hash(ns.frompyfunc(operator.add, 2, 1, identity=0))
        assert add != ns.frompyfunc(operator.add, 2, 1)
        with pytest.raises(AttributeError):
            add.nin = 3
        named = ns.ufunc(operator.mul, 2, 1, name="times", nargs=3)
        assert (repr(named), named.nargs) == ("<jnp.ufunc 'times'>", 3)
        with pytest.raises(TypeError):
            ns.ufunc(operator.add, 2.0, 1)


def test_values_and_dtypes_match_jax():
    for dt in (np.float64, np.float32):
        x = X.astype(dt)
        got, want = _methods(tnp, _poly(tnp), x), _methods(jnp, _poly(jnp), x)
        for k, (g, w) in enumerate(zip(got, want)):
            assert type(g) is tg.Tensor, k
            assert g.dtype == w.dtype and g.shape == w.shape, (k, g.dtype, w.dtype)
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-6 if dt == np.float32 else 1e-13,
                                       err_msg=str(k))


def test_integer_inputs_python_scalars_and_identity():
    i32 = np.arange(1, 5, dtype=np.int32)
    for ns in (tnp, jnp):
        mul1 = ns.frompyfunc(lambda x, y: x * y + 1, 2, 1)
        add1 = ns.frompyfunc(operator.add, 2, 1, identity=1)  # (a wrong identity: JAX uses it)
        res = [mul1(i32, 3), mul1.reduce(i32), mul1.accumulate(i32), mul1.outer(i32, 2),
               mul1.at(i32, np.array([0, 0]), 0.5, inplace=False), add1.reduce(i32),
               add1.reduceat(i32, np.array([0, 2])), add1.reduce(np.zeros((0, 2), np.int32)),
               mul1.reduce(np.zeros((0, 2), np.float32), axis=0, keepdims=True, initial=2.5),
               mul1(np.float32(2), 1.5),
               mul1.at(i32, np.array([7, 0, -1]), 3, inplace=False)]  # (7: dropped, as JAX's)
        if ns is tnp:
            got = res
        else:
            want = res
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, (k, g.dtype, w.dtype)
        np.testing.assert_array_equal(np.asarray(g), w, err_msg=str(k))
    assert int(got[5]) == 11  # 1 + (1 + 2 + 3 + 4): the identity starts every reduction


def test_first_and_second_derivatives_match_jax():
    def loss(ns, u, v):
        def f(x):
            terms = _methods(ns, u, x)
            return sum(ns.sum(t * (k + 1) / 7.0) for k, t in enumerate(terms)) + \
                ns.sum(v.accumulate(x[0])) + ns.sum(v.reduce(x[:, :0], axis=1))
        return f
    tf = loss(tnp, _poly(tnp), tnp.frompyfunc(lambda x, y: x / y, 2, 1, identity=1.0))
    jf = loss(jnp, _poly(jnp), jnp.frompyfunc(lambda x, y: x / y, 2, 1, identity=1.0))
    np.testing.assert_allclose(tf(X), jf(X), rtol=1e-13)
    want = jax.grad(jf)(X)
    np.testing.assert_allclose(tg.grad(tf)(X), want, rtol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.grad(tf))(X), want, rtol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(tf)(X), want, rtol=1e-12)
    x0 = X[0]
    small_t = lambda x: tnp.sum(_poly(tnp).accumulate(x) ** 2) + _poly(tnp).reduce(x)  # noqa: E731
    small_j = lambda x: jnp.sum(_poly(jnp).accumulate(x) ** 2) + _poly(jnp).reduce(x)  # noqa: E731
    np.testing.assert_allclose(tg.jacfwd(tg.grad(small_t))(x0), jax.hessian(small_j)(x0),
                               rtol=1e-12)


def test_vmap_and_jacobians_of_at_outer_and_reduceat_match_jax():
    def f(ns):
        u = ns.frompyfunc(lambda x, y: x * ns.exp(-y), 2, 1)
        return lambda x: ns.concatenate([u.at(x, np.array([2, 0, 2]), x[1] + 1.0, inplace=False),
                                         u.outer(x[:2], x[2:]).ravel(),
                                         u.reduceat(x, np.array([0, 3]))])
    x = np.linspace(0.2, 1.0, 4)
    np.testing.assert_allclose(tg.jacfwd(f(tnp))(x), jax.jacfwd(f(jnp))(x), rtol=1e-12)
    np.testing.assert_allclose(tg.jacrev(f(tnp))(x), jax.jacfwd(f(jnp))(x), rtol=1e-12)
    batch = np.stack([x, x[::-1] * 2.0])
    np.testing.assert_allclose(tg.vmap(f(tnp))(batch), jax.vmap(f(jnp))(batch), rtol=1e-12)


def test_unary_and_two_output_ufuncs():
    results = {}
    for ns in (tnp, jnp):
        u = ns.frompyfunc(lambda x: ns.exp(x) * ns.cos(x), 1, 1)
        two = ns.frompyfunc(lambda x, y: (x * y, x - y), 2, 2)
        res = [u(X), u.at(X[0], np.array([0, 0]), inplace=False), *two(X, 0.5),
               ns.frompyfunc(lambda x: 2, 1, 1)(X[0])]
        results[ns] = res
        for method in ("reduce", "accumulate", "outer", "reduceat"):
            args = (X, X) if method in ("outer", "reduceat") else (X,)
            with pytest.raises(ValueError, match="binary"):
                getattr(u, method)(*args)
            with pytest.raises(ValueError, match="single value"):
                getattr(two, method)(*args)
    assert isinstance(tnp.frompyfunc(lambda x, y: (x, y), 2, 2)(X, 1.0), tuple)
    for g, w in zip(results[tnp], results[jnp]):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-13)
    grad = tg.grad(lambda x: tnp.sum(tnp.frompyfunc(lambda a: a ** 3, 1, 1)(x)))(X)
    np.testing.assert_allclose(grad, 3 * X ** 2, rtol=1e-13)


@pytest.mark.parametrize("call", [
    lambda ns, u: u([1.0, 2.0], 1.0),
    lambda ns, u: u(X, X, out=X),
    lambda ns, u: u(X, X, where=True),
    lambda ns, u: u.reduce([1.0, 2.0]),
    lambda ns, u: u.reduce(X, out=1),
    lambda ns, u: u.reduce(X, axis=(0, 1)),
    lambda ns, u: u.reduce(X, axis=2),
    lambda ns, u: u.reduce(X[0, 0]),
    lambda ns, u: u.reduce(X[:0]),
    lambda ns, u: u.reduce(X, where=X > 1),
    lambda ns, u: u.reduce(X, initial=0.0, where=np.array([1, 0, 1])),
    lambda ns, u: u.accumulate(X, axis=None),
    lambda ns, u: u.accumulate(X, out=1),
    lambda ns, u: u.at(X, 0, 1.0),
    lambda ns, u: u.at(X, [0, 1], 1.0, inplace=False),
    lambda ns, u: u.reduceat(X, np.array([[0]])),
    lambda ns, u: u.reduceat(X[0, 0], np.array([0])),
    lambda ns, u: u.reduceat(X, np.array([0]), axis=None),
    lambda ns, u: u.reduceat(X, np.array([0]), out=1),
    lambda ns, u: ns.frompyfunc(lambda x, y: (x + y).astype(ns.float32), 2, 1).reduce(
        X, dtype=np.float64),
])
def test_errors_match_jax(call):
    raised = []
    for ns in (jnp, tnp):
        with pytest.raises(Exception) as info:
            call(ns, _poly(ns))
        raised.append(info.type)
    assert raised[1] is raised[0], raised


def test_error_messages_name_the_ufunc():
    u = _poly(tnp)
    with pytest.raises(NotImplementedError, match="inplace=False"):
        u.at(X, 0, 1.0)
    with pytest.raises(ValueError, match="zero-size array to reduction operation <lambda>"):
        u.reduce(X[:0])
    with pytest.raises(ValueError, match="'<lambda>' does not have an identity"):
        u.reduce(X, where=X > 1)
    with pytest.raises(TypeError, match=r"<lambda>\.reduce requires ndarray or scalar"):
        u.reduce([1.0])


def test_accumulate_gradient_has_no_spurious_nan():
    # JAX's accumulate also computes f(a[0], a[0]) and discards it, and its reverse-mode
    # gradient turns NaN here (x / y at 0); the fold itself is smooth: d/da0 = 1 + 1/1 + 1/2
    a = np.array([0.0, 1.0, 2.0])
    div = jnp.frompyfunc(lambda x, y: x / y, 2, 1)
    assert np.isnan(jax.grad(lambda x: jnp.sum(div.accumulate(x)))(a)[0])
    np.testing.assert_allclose(jax.jacfwd(lambda x: jnp.sum(div.accumulate(x)))(a), [2.5, 0.0, 0.0])
    div = tnp.frompyfunc(lambda x, y: x / y, 2, 1)
    np.testing.assert_allclose(tg.grad(lambda x: tnp.sum(div.accumulate(x)))(a), [2.5, 0.0, 0.0])


def test_custom_implementations_are_called_as_jax_calls_them():
    seen = {}
    u = tnp.ufunc(operator.add, 2, 1, call=lambda x, y: tnp.subtract(x, y),
                  reduce=lambda a, **kw: seen.setdefault("reduce", sorted(kw)) and tnp.sum(a),
                  accumulate=lambda a, **kw: seen.setdefault("accumulate", sorted(kw)) and a,
                  reduceat=lambda a, i, **kw: seen.setdefault("reduceat", sorted(kw)) and a,
                  at=lambda a, i, *b: seen.setdefault("at", len(b)) and a)
    assert float(u(3.0, 1.0)) == 2.0 and float(u.reduce(np.ones(3))) == 3.0
    u.accumulate(np.ones(2))
    u.reduceat(np.ones(2), np.array([0]))
    u.at(np.ones(2), 0, 1.0, inplace=False)
    assert seen == {"reduce": ["axis", "dtype", "initial", "keepdims", "where"],
                    "accumulate": ["axis", "dtype"], "reduceat": ["axis", "dtype"], "at": 1}
    # the default reduce folds with the ufunc's own call (JAX's: ``self(...)``)
    minus = tnp.ufunc(operator.add, 2, 1, call=lambda x, y: tnp.subtract(x, y))
    assert float(minus.reduce(np.arange(4.0))) == -6.0


def test_complex_warning_and_from_dlpack():
    assert tnp.ComplexWarning is jnp.ComplexWarning is np.exceptions.ComplexWarning
    src = np.arange(6.0).reshape(2, 3)
    got = tnp.from_dlpack(src)
    assert type(got) is tg.Tensor and got.dtype == np.float64
    src[0, 0] = 9.0  # a copy, as JAX's arrays never change with the source
    np.testing.assert_array_equal(np.asarray(got), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(np.asarray(tnp.from_dlpack(tnp.arange(3))), [0, 1, 2])
    with pytest.raises(TypeError, match="traced"):
        tg.grad(lambda x: tnp.sum(tnp.from_dlpack(x)))(np.ones(2))


def test_at_refuses_a_mask_and_reduce_a_result_type_that_depends_on_values():
    u = tnp.frompyfunc(lambda x, y: x + y, 2, 1)
    with pytest.raises(IndexError, match="nonzero"):  # (each True read as an index updates all)
        u.at(np.array([0.5, 1.5, 2.5]), np.array([True, False, True]), 1.0, inplace=False)
    v = tnp.frompyfunc(lambda a, b: a + b if b > 1 else 0, 2, 1)  # (an int for ones: a cast to int)
    for method in ("reduce", "accumulate"):
        with pytest.raises(TypeError, match="depend on the values"):
            getattr(v, method)(np.array([0.5, 1.5, 2.5]))
