"""Checks ported from JAX's tests/api_test.py: the autodiff and transform API (APITest's grad,
value_and_grad, has_aux, allow_int and float0, vjp/jvp/linearize argument checks, jacfwd,
jacrev and hessian on pytrees, eval_shape, vmap's axes and errors, jit's static arguments,
retracing and concretization errors; JitTest's static-argument caching; RematTest's basics).

Values are compared with JAX itself in float64; error checks assert the exception type JAX
raises (TypeError or ValueError), not its message. What does not apply to a NumPy library
(devices, sharding, pmap, complex and holomorphic, jaxprs, compilation caches, donation,
weak types, tracer leaks) is left out.
"""
import collections
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

FLOAT0 = jax.dtypes.float0


def _close(ours, theirs, rtol=1e-12, atol=1e-12):
    ol, otd = tg.tree_util.tree_flatten(ours)
    tl, ttd = jax.tree_util.tree_flatten(theirs)
    assert len(ol) == len(tl), (otd, ttd)
    for o, t in zip(ol, tl):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape, (o.shape, t.shape)
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol)


def _is_float0_zeros(a, shape=()):
    a = np.asarray(a)
    return a.dtype == tg.float0 and a.shape == shape


# ---------------------------------------------------------------- grad and value_and_grad

def test_grad_and_value_and_grad_argnums_with_keyword_flags():
    def f(x, y, z, flag=False):
        assert flag
        return 1.0 * x + 2.0 * y + 3.0 * z

    assert tg.grad(f)(1.0, 1.0, 1.0, flag=True) == 1.0
    assert tg.grad(f, argnums=1)(1.0, 1.0, 1.0, flag=True) == 2.0
    assert tg.grad(f, argnums=(2, 0))(1.0, 1.0, 1.0, flag=True) == (3.0, 1.0)
    y = f(1.0, 1.0, 1.0, flag=True)
    assert tg.value_and_grad(f)(1.0, 1.0, 1.0, flag=True) == (y, 1.0)
    assert tg.value_and_grad(f, argnums=1)(1.0, 1.0, 1.0, flag=True) == (y, 2.0)
    assert tg.value_and_grad(f, argnums=(2, 0))(1.0, 1.0, 1.0, flag=True) == (y, (3.0, 1.0))
    # a negative argnums counts from the end
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    got = tg.grad(lambda a, b: tg.sum(a) * tg.sum(tg.sin(b)), argnums=-1)(x, w)
    want = jax.grad(lambda a, b: jnp.sum(a) * jnp.sum(jnp.sin(b)), argnums=-1)(x, w)
    _close(got, want)


def test_grad_of_functions_that_are_not_scalar_valued_raise_type_error():
    for f, x in ((lambda x: (x, x), 1.0), (lambda x: (), np.zeros(3)), (lambda x: x, np.zeros(3))):
        with pytest.raises(TypeError):
            jax.grad(lambda x: f(x))(x)
        with pytest.raises(TypeError):
            tg.grad(f)(x)


def test_grad_refuses_inputs_that_are_not_arrays():
    for bad in ("foo", np.array([1, 2, 3], dtype=object)):
        with pytest.raises(TypeError):
            tg.grad(lambda x: x)(bad)
    # (tg.jit takes a string as a static leaf, where jax.jit refuses it: see docs/jit.md)
    assert tg.jit(lambda x: x)("foo") == "foo"


def test_grad_without_enough_positional_arguments_is_a_type_error():
    df = tg.grad(lambda x, y: x + y, argnums=0)
    with pytest.raises(TypeError):
        functools.partial(df, x=0.)(y=1.)


def test_grad_has_aux_basic_constant_and_concrete_aux():
    g, aux = tg.grad(lambda x: (x ** 3, [x ** 2]), has_aux=True)(3.)
    assert g == tg.grad(lambda x: x ** 3)(3.) == 27.
    _close(aux, [9.])
    g, aux = tg.grad(lambda x: (x ** 3, [4.]), has_aux=True)(4.)
    assert g == 48. and aux == [4.]
    g, aux = tg.grad(lambda x: (x ** 3, [x ** 2, 4.]), has_aux=True)(4.)
    assert g == 48. and aux[1] == 4. and aux[0] == 16.
    # the auxiliary values come back as plain arrays, not traced values
    _, aux = tg.grad(lambda x: (x ** 2, dict(identity=x, p1=x + 1)), has_aux=True)(3.)
    assert isinstance(aux, dict)
    for v in aux.values():
        assert not isinstance(v, tg.Tensor)
        assert isinstance(v, (np.ndarray, np.generic, float))
    assert aux["p1"] == 4.


def test_grad_has_aux_needs_a_two_element_tuple():
    for f in (lambda x: (1, 2, 3), lambda x: x, lambda x: (x,)):
        with pytest.raises(TypeError):
            jax.grad(f, has_aux=True)(1.)
        with pytest.raises(TypeError):
            tg.grad(f, has_aux=True)(1.)


@pytest.mark.parametrize("name", ["grad", "jacfwd", "jacrev"])
def test_transforms_with_aux_nest_and_jit(name):
    tr, jtr = getattr(tg, name), getattr(jax, name)

    def f(x):
        _, aux = tr(lambda x: (x ** 3, [x ** 3]), has_aux=True)(x)
        return aux[0] * tg.sin(x)

    def jf(x):
        _, aux = jtr(lambda x: (x ** 3, [x ** 3]), has_aux=True)(x)
        return aux[0] * jnp.sin(x)

    want = jtr(jf)(4.)
    for got in (tr(f)(4.), tg.jit(tr(f))(4.), tg.jit(tr(tg.jit(f)))(4.)):
        _close(got, want)
    jac, aux = tr(lambda x: (x ** 3, [x ** 2]), has_aux=True)(3.)
    _close((jac, aux), jtr(lambda x: (x ** 3, [x ** 2]), has_aux=True)(3.))


def test_grad_of_integer_inputs_errors_or_gives_float0_with_allow_int():
    with pytest.raises(TypeError):
        jax.grad(lambda x: x ** 2)(3)
    with pytest.raises(TypeError):
        tg.grad(lambda x: x ** 2)(3)
    assert _is_float0_zeros(tg.grad(lambda x: x + 0., allow_int=True)(1))
    value, g = tg.value_and_grad(lambda p: tg.lax.cond(p, lambda _: 1., lambda _: 2., 1.),
                                 allow_int=True)(True)
    assert value == 1. and _is_float0_zeros(g)
    gf = tg.grad(lambda x, i: x[i], argnums=(0, 1), allow_int=True)
    for gx, gi in (gf(np.ones(2), 1), tg.jit(gf)(np.ones(2), 1)):
        _close(gx, np.array([0., 1.]))
        assert _is_float0_zeros(gi)
    # dtype-agnostic operations work on float0 arrays
    z = tg.grad(lambda x: tg.sum(x + 0.), allow_int=True)(np.ones((2, 4), dtype=int))
    assert _is_float0_zeros(z, (2, 4))
    assert _is_float0_zeros(z.reshape((4, 2)), (4, 2)) and _is_float0_zeros(z.transpose(), (4, 2))


def test_grad_of_a_namedtuple_and_of_a_node_with_none_children():
    Point = collections.namedtuple("Point", ["x", "y"])
    pt = Point(1., 2.)
    g = tg.grad(lambda p: tg.sqrt(p.x ** 2 + p.y ** 2))(pt)
    assert isinstance(g, Point)
    _close(tuple(g), tuple(jax.grad(lambda p: jnp.sqrt(p.x ** 2 + p.y ** 2))(pt)))
    assert np.allclose(tg.jit(lambda p: tg.sqrt(p.x ** 2 + p.y ** 2))(pt), np.sqrt(5.))

    class Node(list):
        pass

    def unflatten(_, children):
        assert children[0] is not None
        return Node(children)

    tg.tree_util.register_pytree_node(Node, lambda x: (x, None), unflatten)
    assert list(tg.grad(lambda x: x[0])(Node([0.]))) == [1.]


def test_grad_through_inner_jits_with_constant_and_duplicated_outputs():
    def f(x):
        return tg.jit(lambda a, x: (a, tg.exp(x)))(0.0, x)[0] + x

    assert tg.grad(f)(1.) == 1.
    g = lambda x: tg.jit(lambda x, y: (x, y))(x, -x)[0]  # noqa: E731
    assert tg.grad(g)(3.) == 1.

    def h(x):
        res1 = tg.jit(lambda y: y * x)(4.)
        res2 = tg.jit(lambda y: y * x)(5.)
        return res1 + res2

    _close(tg.jvp(h, (5.,), (1.,)), (45., 9.))


def test_grad_with_python_control_flow_works_and_jit_of_it_raises():
    def f(x):
        if x > 0:
            return x
        return -x

    assert tg.grad(f)(1.0) == 1.0 and tg.grad(f)(-1.0) == -1.0
    assert tg.grad(lambda x: x ** 2 if x.astype(bool).item() else x)(2.0) == 4.0
    # tg.jit takes Python numbers as static (docs/jit.md): pass NumPy scalars to trace them
    with pytest.raises(tg.ConcretizationError):
        tg.jit(f)(np.float64(1.))
    with pytest.raises(TypeError):  # JAX's ConcretizationTypeError is a TypeError too
        tg.jit(f)(np.int64(1))
    with pytest.raises(TypeError):
        tg.jit(lambda x: x.item())(np.array(1.0))
    assert tg.jit(f)(-2.) == 2.  # a Python number is static: traced for its value


def test_jit_refuses_traced_values_where_python_needs_a_concrete_one():
    L = [1, 2, 3]
    assert tg.jit(lambda n: L[n], static_argnums=(0,))(0) == 1
    with pytest.raises(TypeError):
        tg.jit(lambda n: L[n])(np.int64(0))

    def f(x, n):
        for i in range(n):
            x = x + i
        return x

    assert tg.jit(f, static_argnums=(1,))(0, 5) == 10
    with pytest.raises(TypeError):
        tg.jit(f)(0, np.int64(5))
    for cast in (int, float, hex, oct):
        with pytest.raises(TypeError):
            tg.jit(lambda x: cast(x))(np.int64(0))
    for cast in (int, float):
        with pytest.raises(TypeError):
            tg.jit(lambda x: cast(x))(np.float64(1.0))


# ---------------------------------------------------------------- jit: static arguments, caching

def test_jit_static_args_and_keyword_retracing():
    # JAX's case with NumPy int32 scalars; tg.jit takes Python numbers as static (docs/jit.md),
    # so its case with Python ints would trace once per value
    one, two, three = (np.asarray(i, np.int32) for i in (1, 2, 3))
    side = []

    def f(x, y, z, flag=False, flag2=False):
        assert flag
        side.append(None)
        return 100 * x + 10 * y + z

    f1 = tg.jit(f, static_argnums=(3, 4))
    assert f1(one, two, three, True, False) == 123 and len(side) == 1
    assert f1(one, two, three, True, False) == 123 and len(side) == 1
    assert f1(two, one, three, True, False) == 213 and len(side) == 1
    assert f1(two, one, three, True, True) == 213 and len(side) == 2
    side.clear()
    f2 = tg.jit(f, static_argnums=(0, 2, 3, 4))
    for (a, b, c, d, e), want, n in (((1, 2, 3, True, False), 123, 1), ((1, 3, 3, True, False), 133, 1),
                                     ((2, 2, 3, True, False), 223, 2), ((2, 4, 3, True, False), 243, 2),
                                     ((2, 4, 3, True, True), 243, 3), ((2, 5, 3, True, True), 253, 3)):
        assert f2(a, np.asarray(b, np.int32), c, d, e) == want and len(side) == n
    side.clear()

    def g(x, y, z):
        side.append(None)
        return 100 * x + 10 * y + z

    g = tg.jit(g)
    assert g(one, two, three) == 123 and g(one, two, three) == 123 and len(side) == 1
    assert g(one, two, z=three) == 123 and len(side) == 2  # a keyword is a new signature
    assert g(one, two, z=three) == 123 and len(side) == 2
    g(one, two, z=np.zeros(3))
    assert len(side) == 3


def test_jit_static_argument_caching_uses_equality_and_type():
    class A:
        def __hash__(self):
            return 1

        def __eq__(self, other):
            return isinstance(other, A)

    side = []
    f1 = tg.jit(lambda x, s: side.append(None) or x * 100, static_argnums=(1,))
    assert f1(1, A()) == 100 and f1(1, A()) == 100 and len(side) == 1

    calls = []
    f = tg.jit(lambda k: calls.append(k) or k, static_argnums=(0,))
    for k in (1, True, 1.0):  # equal values of different types do not share a trace
        n = len(calls)
        assert f(k) == k and len(calls) == n + 1
        assert f(k) == k and len(calls) == n + 1
    g = tg.jit(lambda x, y: x * y, static_argnums=-1)
    assert g(1, 2) == 2


def test_jit_of_a_transform_with_static_argnames():
    for name in ("grad", "jacfwd", "jacrev"):
        my = tg.jit(getattr(tg, name)(lambda x, flag: x if flag else tg.zeros_like(x)),
                    static_argnames=["flag"])
        assert my(1.0, False) == 0.0 and my(1.0, True) == 1.0


def test_grad_of_jit_and_jit_of_grad_trace_once():
    side = []

    @tg.jit
    def f(x):
        side.append(None)
        return x * x

    # under grad, tg.jit runs the Python of f as written on every call (docs/jit.md: given
    # an enclosing transform's values), where jax.grad reuses one trace of f
    assert tg.grad(f)(1.0) == 2.0 and tg.grad(f)(2.0) == 4.0
    side.clear()

    @tg.jit
    def h(x):
        side.append(None)
        return x * x

    g = tg.jit(tg.grad(h))
    assert g(np.float64(1.0)) == 2.0 and len(side) == 1  # (NumPy scalars are traced)
    assert g(np.float64(2.0)) == 4.0 and len(side) == 1
    # a new shape is a new trace
    assert np.array_equal(tg.jit(tg.grad(lambda x: tg.sum(h(x))))(np.ones(3)), 2 * np.ones(3))
    assert len(side) == 2


def test_disable_jit_runs_the_python_each_call():
    effects = []

    @tg.jit
    def f(x):
        effects.append(1)
        return x

    with tg.disable_jit():
        f(2)
        f(2)
    assert len(effects) == 2
    f(2)
    f(2)
    assert len(effects) == 3


def test_jit_small_cases():
    assert tg.jit(lambda args: sum(args))(list(range(500))) == sum(range(500))
    assert np.isnan(tg.jit(lambda x: 1 + x * 0)(np.nan))
    # tg.arange gives a NumPy array, which a traced index cannot subscript: take() it
    assert np.array_equal(tg.jit(lambda x: tg.take(tg.arange(x.shape[0]), x))(np.array([0, 2, 1], np.int32)),
                          [0, 2, 1])
    out = tg.vmap(lambda x: np.zeros((2,)), out_axes=-1)(np.zeros((5,)))
    assert out.shape == (2, 5)


# ---------------------------------------------------------------- jacobians and hessians

def test_jacobian_and_hessian():
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(4, 3)), rng.normal(size=3)
    for jac in (tg.jacfwd, tg.jacrev):
        _close(jac(lambda x: tg.dot(A, x))(x), A)
    _close(tg.jacfwd(lambda x: tg.tanh(A @ x))(x), jax.jacrev(lambda x: jnp.tanh(A @ x))(x))
    _close(tg.jacrev(lambda x: tg.tanh(A @ x))(x), jax.jacfwd(lambda x: jnp.tanh(A @ x))(x))
    B, y = rng.normal(size=(4, 4)), rng.normal(size=4)
    _close(tg.hessian(lambda x: tg.dot(x, tg.dot(B, x)))(y), B + B.T)
    h, aux = tg.hessian(lambda x: (tg.dot(x, tg.dot(B, x)), x), has_aux=True)(y)
    _close((h, aux), (B + B.T, y))


def test_jacobians_on_pytrees():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=2), rng.normal(size=3)
    for jac, jjac in ((tg.jacfwd, jax.jacfwd), (tg.jacrev, jax.jacrev)):
        _close(jac(lambda x, y: (x, y))(0., 1.), (1., 0.))
        _close(jac(lambda x, y: (x, y), 1)(0., 1.), (0., 1.))
        _close(jac(lambda x, y: (x, y), (0, 1))(0., 1.), ((1., 0.), (0., 1.)))
        _close(jac(lambda x: x[:2])((1., 2., 3.)), ((1., 0., 0.), (0., 1., 0.)))
        got = jac(lambda x, y: {"x": x, "xy": tg.outer(x, y)})(x, y)
        _close(got, {"x": np.eye(2), "xy": np.kron(np.eye(2), y[:, None]).reshape(2, 3, 2)})
        _close(got, jjac(lambda x, y: {"x": x, "xy": jnp.outer(x, y)})(x, y))
    got = tg.hessian(lambda x: tg.array(x) ** 2)((1., 2.))
    want = jax.hessian(lambda x: jnp.array(x) ** 2)((1., 2.))
    _close(got, want)
    _close(got, ((np.array([2., 0.]), np.array([0., 0.])), (np.array([0., 0.]), np.array([0., 2.]))))


def test_mixed_jacobian_compositions_have_jaxs_shapes():
    def f(x, u):
        return tg.dot(x, x) + tg.dot(u, u)

    x, u = np.ones(5), np.ones(2)
    sizes = {0: 5, 1: 2}
    for outer in (tg.jacrev, tg.jacfwd):
        for inner in (tg.jacrev, tg.jacfwd):
            for i in (0, 1):
                for j in (0, 1):
                    out = outer(inner(f, i), j)(x, u)
                    assert out.shape == (sizes[i], sizes[j])
                    want = 2 * np.eye(sizes[i]) if i == j else np.zeros((sizes[i], sizes[j]))
                    assert np.array_equal(out, want)


# ---------------------------------------------------------------- jvp, vjp, linearize

def test_jvp_has_aux():
    primals, tangents, aux = tg.jvp(lambda x: (x ** 3, [x ** 2]), (3.,), (4.,), has_aux=True)
    want = jax.jvp(lambda x: x ** 3, (3.,), (4.,))
    _close((primals, tangents), want)
    assert aux == [9.]


def test_jvp_refuses_mismatched_primals_and_tangents():
    mul = lambda x, y: x * y  # noqa: E731
    for args in (((np.float32(2),), ()), ((np.float32(2),), [np.float32(2)])):
        with pytest.raises(TypeError):
            jax.jvp(mul, *args)
        with pytest.raises(TypeError):
            tg.jvp(mul, *args)
    # a tangent of another floating dtype: JAX refuses it (TypeError); tensorgrad casts it
    # to the primal's dtype, as it does Python numbers
    with pytest.raises(TypeError):
        jax.jvp(lambda x: -x, (np.float16(2),), (np.float32(4),))
    _, t = tg.jvp(lambda x: -x, (np.float16(2),), (np.float32(4),))
    assert t == -4 and np.asarray(t).dtype == np.float16
    fun = lambda x: x + 1  # noqa: E731
    for p, t in (((np.array([1., 2., 3.]),), (np.array([1., 2., 3., 4.]),)),
                 ((np.float32(10.),), (np.array([1., 2., 3.], np.float32),)),
                 ((np.array([1., 2., 3.], np.float32),), (np.float32(20.),)),
                 ((np.array([1., 2., 3.]),), (20.,))):
        with pytest.raises(ValueError):
            jax.jvp(fun, p, t)
        with pytest.raises(ValueError):
            tg.jvp(fun, p, t)
    # primals and tangents must be tuples or lists
    for p, t in ((0., (1.,)), ((0.,), np.array([1., 2.]))):
        with pytest.raises(TypeError):
            tg.jvp(lambda x, y=0.: x + y, p, t)


def test_vjp_refuses_mismatched_cotangents():
    _, pullback = tg.vjp(lambda x, y: x * y, np.float32(3), np.float32(4))
    with pytest.raises(TypeError):
        pullback((np.float32(7), np.float32(100)))
    # (a float16 cotangent for a float32 output: JAX refuses it, tensorgrad casts it)
    assert pullback(np.float16(2)) == (8., 6.)
    x, y = np.ones((2, 5), np.float32), np.ones((5, 3), np.float32)
    _, pullback = tg.vjp(tg.matmul, x, y)
    with pytest.raises(ValueError):
        pullback(np.ones((2, 4), np.float32))
    _, f_vjp = tg.vjp(lambda x: (x, x), 1.0)
    with pytest.raises(TypeError):
        f_vjp(1.0, 1.0)


def test_linearize_checks_tangents_against_the_primals():
    T = np.array([[1., 2.], [3., 4.], [5., 6.]])
    x = np.array([1., 2., 3.])
    for f in (tg.sum, tg.jit(tg.sum)):
        _, f_jvp = tg.linearize(f, x)
        with pytest.raises(ValueError):
            f_jvp(T)
    _, f_jvp = tg.linearize(lambda x: x, 1.)
    assert f_jvp(1.) == 1.
    with pytest.raises(ValueError):
        f_jvp(1)
    _, f_jvp = tg.linearize(lambda x: x, np.ones(2, np.int32))
    assert _is_float0_zeros(f_jvp(np.zeros(2, tg.float0)), (2,))
    with pytest.raises(ValueError):
        f_jvp(np.ones(2, np.int32))


def test_linearize_has_aux_and_reuse():
    f, lin, aux = tg.linearize(lambda x: (x * 2 - 3, x > 0), 3.4, has_aux=True)
    _close((f, lin(5.)), (3.8, 10.))
    assert aux == True  # noqa: E712
    rng = np.random.default_rng(3)
    x = rng.normal(size=4)
    y, lin = tg.linearize(lambda x: tg.sin(x) * tg.exp(x), x)
    jy, jlin = jax.linearize(lambda x: jnp.sin(x) * jnp.exp(x), x)
    _close(y, jy)
    for _ in range(3):
        t = rng.normal(size=4)
        _close(lin(t), jlin(t))


def test_integer_primals_take_and_give_float0_tangents():
    z = np.zeros((), dtype=tg.float0)
    _, out = tg.jvp(lambda x: x, (1,), (z,))
    assert _is_float0_zeros(out)
    _, out = tg.jvp(lambda x: x + 1, (2,), (z,))
    assert _is_float0_zeros(out)
    _, out = tg.jvp(tg.jit(lambda x: x + 1), (2,), (z,))
    assert _is_float0_zeros(out)
    primal, tangent = tg.jvp(lambda x: x.astype(np.int32) + 1, (2.,), (1.,))
    assert primal == 3 and np.asarray(primal).dtype == np.int32 and _is_float0_zeros(tangent)
    primal, fn_vjp = tg.vjp(lambda x, i: x[i], np.ones(2) * 2, 1)
    tx, ti = fn_vjp(1.)
    assert primal == 2. and np.array_equal(tx, [0., 1.]) and _is_float0_zeros(ti)
    out, fn_vjp = tg.vjp(lambda x: tg.reshape(x, (2, 2)), np.ones((4, 1), dtype=int))
    assert _is_float0_zeros(fn_vjp(np.zeros((2, 2), tg.float0))[0], (4, 1))
    primal, fn_vjp = tg.vjp(lambda x, y: x + y, 2, 1)
    tx, ty = tg.jit(fn_vjp)(np.zeros((), tg.float0))
    assert primal == 3 and _is_float0_zeros(tx) and _is_float0_zeros(ty)
    out, fn_vjp = tg.vjp(tg.lax.full_like, np.zeros((2, 2)), 1)
    assert np.array_equal(out, np.ones((2, 2)))
    tx, ty = fn_vjp(out)
    assert np.array_equal(tx, np.zeros((2, 2))) and _is_float0_zeros(ty)


def test_vjp_and_linearize_functions_pass_through_jit():
    f = lambda x: 2. * x  # noqa: E731

    @functools.partial(tg.jit, static_argnums=0)
    def vjp_of(f, x):
        return tg.vjp(f, x)[1]

    @functools.partial(tg.jit, static_argnums=0)
    def lin_of(f, x):
        return tg.linearize(f, x)[1]

    # JAX's pullback is a pytree (a Partial) that a jitted function may return; tensorgrad's
    # is a Python function: returned from tg.jit it comes out of the function run as written
    # (no plan), and passed into tg.jit it is a static argument
    for of in (vjp_of, lin_of):
        got = of(f, 1.)(3.)
        np.testing.assert_allclose(got[0] if isinstance(got, tuple) else got, 6.)
    assert tg.jit(lambda g, x: g(x))(tg.vjp(f, 1.)[1], np.float64(3.)) == (6.,)
    assert tg.jit(lambda g, x: g(x))(tg.linearize(f, 1.)[1], np.float64(3.)) == 6.


# ---------------------------------------------------------------- stop_gradient

def test_stop_gradient_semantics():
    rng = np.random.default_rng(4)
    x = rng.normal(size=3)
    f = lambda x: tg.sum(tg.stop_gradient(x) * x ** 2)  # noqa: E731
    jf = lambda x: jnp.sum(jax.lax.stop_gradient(x) * x ** 2)  # noqa: E731
    _close(tg.grad(f)(x), jax.grad(jf)(x))
    _close(tg.hessian(f)(x), jax.hessian(jf)(x))
    _close(tg.jvp(f, (x,), (x,)), jax.jvp(jf, (x,), (x,)))
    _close(tg.jit(tg.grad(f))(x), jax.grad(jf)(x))
    # a stopped value's own derivative is zero in both modes
    _close(tg.jacfwd(tg.stop_gradient)(x), np.zeros((3, 3)))
    _close(tg.jacrev(tg.stop_gradient)(x), np.zeros((3, 3)))
    # of an integer array it is the identity
    assert np.array_equal(tg.stop_gradient(np.arange(3)), np.arange(3))


# ---------------------------------------------------------------- eval_shape

def test_eval_shape():
    def fun(x, y):
        return tg.tanh(tg.dot(x, y) + 3.)

    assert tg.eval_shape(fun, np.ones((2, 3)), np.ones((3, 4))).shape == (2, 4)
    assert tg.eval_shape(lambda: fun(np.ones((2, 3)), np.ones((3, 4)))).shape == (2, 4)
    x = (np.ones(2), np.ones(2))
    assert tg.eval_shape(lambda x, y: x[0] + x[1] + y, x, 3.).shape == (2,)
    out = tg.eval_shape(lambda x, y: {"hi": x[0] + x[1] + y}, x, 3.)
    assert tg.tree_util.tree_map(np.shape, out) == {"hi": (2,)}
    with pytest.raises(TypeError):
        jax.eval_shape(lambda x, y: jnp.dot(x, y), jnp.ones((3, 3)), jnp.ones((4, 4)))
    with pytest.raises(ValueError):  # tensorgrad's ops raise NumPy's error (np.dot: ValueError)
        tg.eval_shape(fun, np.ones((3, 3)), np.ones((4, 4)))

    class Arg:
        def __init__(self, shape, dtype):
            self.shape, self.dtype = shape, np.dtype(dtype)

    out = tg.eval_shape(lambda A, b, x: tg.dot(A, x) + b, Arg((3, 4), np.float32),
                        Arg((1, 5), np.float32), Arg((4, 5), np.float32))
    assert out.shape == (3, 5) and out.dtype == np.float32
    s = tg.ShapeDtypeStruct((3,), np.float32)
    assert tg.eval_shape(lambda x: x, s).shape == (3,)


# ---------------------------------------------------------------- vmap

def test_vmap_in_axes_forms_and_unbatched_objects():
    d = {"a": 5., "b": np.ones(2)}
    x, y = np.zeros(3), np.arange(3.)

    def f(dct, x, y):
        return dct["a"] + dct["b"] + x + y

    out1 = tg.vmap(f, (None, 0, 0))(d, x, y)
    out2 = tg.vmap(f, [None, 0, 0])(d, x, y)
    _close(out1, out2)
    _close(out1, jax.vmap(f, (None, 0, 0))(d, x, y))
    ans = tg.vmap(lambda f, x: f(x), (None, 0))(lambda x: x + 1, np.arange(3))
    assert np.array_equal(ans, [1, 2, 3])


def test_vmap_structured_in_axes():
    A, B, C, D, K = 2, 3, 4, 5, 6
    x, y, z = np.ones((K, A, B)), np.ones((B, K, C)), np.ones((C, D, K))

    def foo(tree):
        x, (y, z) = tree
        return tg.dot(x, tg.dot(y, z))

    assert tg.vmap(foo, in_axes=((0, (1, 2)),))((x, (y, z))).shape == (6, 2, 5)
    Point = collections.namedtuple("Point", ["x", "y"])
    assert tg.vmap(foo, in_axes=((0, Point(1, 2)),))((x, Point(y, z))).shape == (6, 2, 5)

    def bar(tree):
        x, dct = tree
        return tg.dot(x, tg.dot(dct["a"], dct["b"]))

    assert tg.vmap(bar, in_axes=((0, {"a": 1, "b": 2}),))((x, {"a": y, "b": z})).shape == (6, 2, 5)
    od = collections.OrderedDict([("a", y), ("b", z)])
    spec = collections.OrderedDict([("a", 1), ("b", 2)])
    assert tg.vmap(bar, in_axes=((0, spec),))((x, od)).shape == (6, 2, 5)
    rng = np.random.default_rng(5)
    xs = rng.normal(size=(3, 5))
    _close(tg.vmap(lambda v: tg.sin(tg.sin(v)), 1, 0)(xs), np.sin(np.sin(xs)).T)


def test_vmap_axis_size_none_axes_and_nesting():
    out = tg.vmap(lambda: tg.sin(1.), axis_size=2, out_axes=None)()
    assert np.allclose(out, np.sin(1.))
    out = tg.vmap(lambda: tg.ones(3), axis_size=4)()
    assert out.shape == (4, 3)
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    got = tg.vmap(tg.vmap(lambda u, v: tg.dot(u, v), (None, 0)), (0, None))(a, b)
    want = jax.vmap(jax.vmap(jnp.dot, (None, 0)), (0, None))(a, b)
    _close(got, want)
    got = tg.vmap(lambda u: (u, {"s": tg.sum(u)}), out_axes=(1, 0))(a)
    want = jax.vmap(lambda u: (u, {"s": jnp.sum(u)}), out_axes=(1, 0))(a)
    _close(got, want)


def test_vmap_refuses_bad_axes_specifications():
    with pytest.raises(TypeError):
        tg.vmap(lambda x: x["a"], in_axes={"a": 0})
    with pytest.raises(ValueError):
        tg.vmap(lambda x: x["a"], in_axes=(0, {"a": 0}))({"a": np.zeros((3, 3))})
    with pytest.raises(ValueError):
        tg.vmap(lambda x: x, in_axes=([0],))(np.ones(3))
    with pytest.raises(TypeError):
        tg.vmap(lambda x: x, in_axes=(np.array([1., 2.]),))(np.array([1., 2.]))
    with pytest.raises(TypeError):
        tg.vmap(lambda x: x, out_axes=(np.array([1., 2.]),))(np.array([1., 2.]))
    with pytest.raises(TypeError):
        tg.vmap(lambda x: x, in_axes=False)(np.zeros(3))


def test_vmap_refuses_inconsistent_sizes_and_impossible_maps():
    with pytest.raises(ValueError):
        tg.vmap(lambda x1, x2, g: g(x1, x2), (0, 0, None))(np.ones(2), np.ones(3), tg.add)
    with pytest.raises(ValueError):
        tg.vmap(lambda x, y: x + y)(np.array([1], np.int32), y=np.array([1, 2], np.int32))
    rng = np.random.default_rng(7)
    X, U = rng.normal(size=(10, 4)), rng.normal(size=(10, 2))
    h = lambda a, b: tg.sum(a) + tg.sum(b)  # noqa: E731
    for call in (lambda: tg.vmap(h, in_axes=(0, 1))(X, U),
                 lambda: tg.vmap(lambda x, y, z: None, in_axes=(0, 1, 0))(X, U, X),
                 lambda: tg.vmap(h, in_axes=(0, 1))(X, [U, U]),
                 lambda: tg.vmap(lambda x: x)(1.),
                 lambda: tg.vmap(lambda x: x, in_axes=None)(np.array([1., 2.])),
                 lambda: tg.vmap(lambda x: x, in_axes=1)(np.array([1., 2.])),
                 lambda: tg.vmap(lambda x: x, in_axes=0, out_axes=(2, 3))(np.array([1., 2.])),
                 lambda: tg.vmap(lambda x: x, out_axes=None)(np.array([1., 2.])),
                 lambda: tg.vmap(lambda x: x)({})):
        with pytest.raises(ValueError):
            call()


# ---------------------------------------------------------------- remat / checkpoint

@pytest.mark.parametrize("remat", [tg.remat, tg.checkpoint,
                                   functools.partial(tg.remat, policy=lambda *_, **__: False)])
def test_remat_basic_freevars_jit_vmap_and_higher_order(remat):
    @remat
    def g(x):
        return tg.sin(tg.sin(x)), 3.

    def f(x):
        return g(x)[0]

    assert np.isclose(f(2.), np.sin(np.sin(2.)))
    ans, f_lin = tg.linearize(f, 2.)
    assert np.isclose(ans, np.sin(np.sin(2.)))
    assert np.isclose(f_lin(3.), np.cos(np.sin(2.)) * np.cos(2.) * 3.)

    def f2(x):
        y = 2 * tg.sin(x)
        return remat(lambda x: tg.cos(x) * tg.sin(y))(x)

    ans, lin = tg.linearize(f2, 2.)
    jans, jlin = jax.linearize(lambda x: jnp.cos(x) * jnp.sin(2 * jnp.sin(x)), 2.)
    _close((ans, lin(3.)), (jans, jlin(3.)))

    h = remat(lambda x: tg.sin(tg.sin(x)))
    dh = np.cos(np.sin(2.)) * np.cos(2.)
    assert np.isclose(tg.jit(h)(2.), np.sin(np.sin(2.)))
    assert np.isclose(tg.grad(tg.jit(h))(2.), dh) and np.isclose(tg.jit(tg.grad(h))(2.), dh)
    x = np.arange(3.)
    _close(tg.vmap(h)(x), np.sin(np.sin(x)))
    for jac in (tg.jacfwd, tg.jacrev):
        _close(jac(h)(x), np.diag(np.cos(np.sin(x)) * np.cos(x)))
    k = remat(lambda x: tg.cos(tg.sin(x)))
    jk = lambda x: jnp.cos(jnp.sin(x))  # noqa: E731
    _close(tg.grad(tg.grad(k))(3.), jax.grad(jax.grad(jk))(3.))
    _close(tg.grad(tg.grad(tg.grad(k)))(3.), jax.grad(jax.grad(jax.grad(jk)))(3.))
    _close(tg.jvp(tg.grad(k), (3.,), (1.,)), jax.jvp(jax.grad(jk), (3.,), (1.,)))


def test_remat_static_argnums_with_python_control_flow():
    @functools.partial(tg.remat, static_argnums=(0,))
    def g(x):
        if x > 0:
            return tg.sin(x), 3.
        return tg.cos(x), 4.

    assert np.isclose(g(2.)[0], np.sin(2.))
    assert np.isclose(g(-2.)[0], np.cos(-2.))


# ---------------------------------------------------------------- custom rules (not in test_custom_port)

def test_custom_vjp_backward_pass_drops_its_references_and_composes():
    @tg.custom_vjp
    def f(x):
        return x

    f.defvjp(lambda x: (x, None), lambda _, g: (2. * g,))
    assert tg.grad(lambda x: f(f(f(x))))(1.) == 8.
    assert tg.jit(tg.grad(lambda x: f(tg.sin(x))))(1.) == 2. * np.cos(1.)

    @tg.custom_jvp
    def t(y):
        return y

    t.defjvp(lambda p, tan: (p[0], 3. * tan[0]))
    assert tg.jit(lambda y: t(y))(3.) == 3.
    _close(tg.jvp(t, (1.,), (1.,)), (1., 3.))
    _close(tg.grad(t)(1.), 3.)
