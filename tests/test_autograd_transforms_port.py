"""Checks ported from HIPS autograd's tests/test_wrappers.py, test_core.py, test_direct.py,
test_jacobian.py, test_graphs.py, test_builtins.py, test_tuple.py, test_list.py, test_dict.py,
test_linalg.py (real cases) and test_scipy.py (real cases).

autograd's wrappers are written here with tensorgrad's JAX-style transforms, to test those:
``multigrad``/``grad(argnum=[..])`` → ``tg.grad(argnums=(..))``, ``elementwise_grad`` → a VJP with
a cotangent of ones (or ``tg.vmap(tg.grad(f))``), ``hessian_tensor_product`` → ``tg.hvp``,
``make_hvp`` → ``tg.linearize(tg.grad(f), x)``, ``tensor_jacobian_product`` → ``tg.vjp``,
``make_jvp`` → ``tg.jvp``, ``grad_and_aux`` → ``grad(has_aux=True)``, ``primitive``/``defvjp`` →
``tg.custom_vjp``, ``checkpoint`` → ``tg.checkpoint``; autograd's tuple/list/dict boxes are
tensorgrad's pytrees. (autograd's own names and signatures are ``tg.autograd``, tested in
test_autograd_api.py.) autograd's ``check_grads(fun, modes, order)`` is ``tg.check.check_grads``
(random directions against central differences and the adjoint identity, every order up to
``order``). Where JAX has the function, first derivatives are also compared with JAX's in
float64; values are compared with NumPy/SciPy.
"""
import functools
import itertools
import operator

import jax
import jax.numpy as jnp
import jax.scipy.signal as jsp_signal
import jax.scipy.special as jsp_special
import jax.scipy.stats as jsp_stats
import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.signal
import scipy.special
import scipy.stats

import tensorgrad as tg
from tensorgrad.check import check_grads
from tensorgrad.transform_parts import with_args

jax.config.update("jax_enable_x64", True)

tgs = tg.scipy


def rng_(seed=42):
    return np.random.RandomState(seed)


def close(got, want, rtol=1e-10, atol=1e-12):
    got_l, got_t = tg.tree_flatten(got)
    want_l, want_t = tg.tree_flatten(want)
    assert len(got_l) == len(want_l), (got_t, want_t)
    for a, b in zip(got_l, want_l):
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def combos(*arg_lists, **kw_lists):
    """Every combination of the given argument values and keyword values (autograd's combo_check)."""
    keys = list(kw_lists)
    for vals in itertools.product(*arg_lists, *[kw_lists[k] for k in keys]):
        yield list(vals[:len(arg_lists)]), dict(zip(keys, vals[len(arg_lists):]))


def check_combos(fun, argnums, *arg_lists, order=2, modes=("fwd", "rev"), rtol=1e-5, atol=1e-7,
                 eps=1e-6, **kw_lists):
    """check_grads of ``fun`` in the arguments ``argnums`` at every combination."""
    n = 0
    for args, kwargs in combos(*arg_lists, **kw_lists):
        def part(*xs, args=args, kwargs=kwargs):
            full = list(args)
            for i, x in zip(argnums, xs):
                full[i] = x
            return fun(*full, **kwargs)
        check_grads(part, *[np.asarray(args[i], float) for i in argnums], order=order, modes=modes,
                    rtol=rtol, atol=atol, eps=eps)
        n += 1
    return n


def vjp_matches_jax(tg_f, jax_f, *args, rtol=1e-9, atol=1e-11, seed=0):
    """Value and VJP (a random cotangent) of ``tg_f`` against ``jax_f`` at ``args``."""
    args = [np.asarray(a, float) for a in args]
    out, pull = tg.vjp(tg_f, *args)
    jout, jpull = jax.vjp(jax_f, *[jnp.asarray(a) for a in args])
    close(out, jout, rtol, atol)
    ct = np.random.default_rng(seed).normal(size=np.shape(out))
    close(pull(ct), jpull(jnp.asarray(ct)), rtol, atol)


# --------------------------------------------------------------------- test_wrappers.py
def test_value_and_grad_returns_both_exactly():
    fun = lambda x: 3.0 * x ** 3.2
    f, d = tg.value_and_grad(fun)(1.7)
    assert f == fun(1.7)
    assert d == tg.grad(fun)(1.7)
    close(d, jax.grad(lambda x: 3.0 * x ** 3.2)(1.7))


def test_value_and_grad_of_a_vector_and_its_own_derivative():
    x = rng_().randn(5)
    fun = lambda x: tg.sum(tg.sin(x) ** 2)
    val, g = tg.value_and_grad(fun)(x)
    assert not isinstance(val, tg.Tensor)  # a plain value, not a traced one (autograd: not a box)
    close(val, np.sum(np.sin(x) ** 2))
    close(g, tg.grad(fun)(x))
    close(g, jax.grad(lambda x: jnp.sum(jnp.sin(x) ** 2))(x))
    # the value part stays differentiable when value_and_grad runs inside another transform
    check_grads(lambda x: tg.value_and_grad(fun)(x)[0], x)


def test_hessian_of_a_quadratic_form():
    r = rng_()
    H = r.randn(5, 5)
    x = r.randn(5)
    close(tg.hessian(lambda x: tg.dot(tg.dot(x, H), x))(x), H + H.T)


def _complicated(a, b, c, d, e, f=1.1, g=9.0):
    return a + tg.sin(b) + tg.cosh(c) + tg.cos(d) + tg.tan(e) + f + g


_ARGS = (0.5, -0.3, 0.2, -1.1, 0.7)


def test_grad_in_several_argnums_with_keywords():
    got = tg.grad(_complicated, argnums=(3, 1))(*_ARGS, f=0.6, g=-0.1)
    assert isinstance(got, tuple) and len(got) == 2
    a, b, c, d, e = _ARGS
    packed = tg.grad(lambda db: _complicated(a, db[1], c, db[0], e, f=0.6, g=-0.1))((d, b))
    close(got, packed)
    close(got, (-np.sin(d), np.cos(b)))
    jfun = lambda a, b, c, d, e: a + jnp.sin(b) + jnp.cosh(c) + jnp.cos(d) + jnp.tan(e) + 0.5
    close(got, jax.grad(jfun, argnums=(3, 1))(*_ARGS))


def test_value_and_grad_in_several_argnums():
    val, g = tg.value_and_grad(_complicated, argnums=(3, 1))(*_ARGS, f=0.6, g=-0.1)
    close(val, _complicated(*_ARGS, f=0.6, g=-0.1))
    close(g, tg.grad(_complicated, argnums=(3, 1))(*_ARGS, f=0.6, g=-0.1))


def test_grad_in_a_one_element_argnums_tuple_gives_a_tuple():
    r = rng_()
    A, B = r.randn(3), r.randn(3)
    got = tg.grad(lambda x, y: tg.sum(x + tg.sin(y)), argnums=(0,))(A, B)
    assert isinstance(got, tuple) and len(got) == 1
    close(got, (tg.grad(lambda xy: tg.sum(xy[0] + tg.sin(xy[1])))((A, B))[0],))


def test_elementwise_grad_as_a_vjp_with_ones_and_as_vmap_of_grad():
    # tensorgrad has no elementwise_grad: for an elementwise f it is the VJP with a
    # cotangent of ones, or vmap(grad(f)) (JAX's idioms)
    A = rng_().randn(10)
    f = lambda a: a + tg.sin(a) + tg.cosh(a)
    out, pull = tg.vjp(f, A)
    explicit = np.array([tg.grad(f)(a) for a in A])
    close(pull(np.ones_like(out)), explicit)
    close(tg.vmap(tg.grad(f))(A), explicit)
    close(explicit, 1 + np.cos(A) + np.sinh(A))


def test_elementwise_grad_in_the_second_argument():
    B = rng_().randn(10)
    f = lambda a, b: a + tg.sin(a) + tg.cosh(b)
    explicit = np.array([tg.grad(f, argnums=1)(0.9, b) for b in B])
    out, pull = tg.vjp(lambda b: f(0.9, b), B)
    close(pull(np.ones_like(out)), explicit)
    close(tg.vmap(tg.grad(f, argnums=1), in_axes=(None, 0))(0.9, B), explicit)
    close(explicit, np.sinh(B))


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)])
def test_hessian_tensor_product(shape):
    r = rng_()
    a, V = r.randn(*shape), r.randn(*shape)
    fun = lambda a: tg.sum(tg.sin(a))
    H = tg.hessian(fun)(a)
    want = np.tensordot(H, V, axes=len(shape))
    out = tg.hvp(fun, (a,), (V,))
    close(out[1] if isinstance(out, tuple) else out, want)
    close(want, -np.sin(a) * V)


def test_make_hvp_as_linearize_of_the_gradient():
    r = rng_()
    a, v = r.randn(5), r.randn(5)
    fun = lambda a: tg.sum(tg.sin(a))
    g, hvp = tg.linearize(tg.grad(fun), a)
    close(g, np.cos(a))
    close(hvp(v), tg.hessian(fun)(a) @ v)


@pytest.mark.parametrize("shape", [(5,), (5, 4)])
def test_tensor_jacobian_product(shape):
    # an asymmetric Jacobian: roll moves the entries
    r = rng_()
    a, V = r.randn(*shape), r.randn(*shape)
    fun = lambda a: tg.roll(tg.sin(a), 1)
    J = tg.jacrev(fun)(a)
    _, pull = tg.vjp(fun, a)
    close(pull(V), np.tensordot(V, J, axes=len(shape)))
    vjp_matches_jax(fun, lambda a: jnp.roll(jnp.sin(a), 1), a)


def test_tensor_jacobian_product_over_leading_output_axes():
    # autograd contracts a (5, 4) tensor with the leading axes of a (5, 4, 3) output; with a
    # full-shape cotangent (tensorgrad, JAX) that is a batch of VJPs, one per trailing index
    r = rng_()
    a, V = r.randn(5, 4, 3), r.randn(5, 4)
    fun = lambda a: tg.roll(tg.sin(a), 1)
    J = tg.jacrev(fun)(a)
    _, pull = tg.vjp(fun, a)
    cts = V[None, :, :, None] * np.eye(3)[:, None, None, :]  # (3, 5, 4, 3)
    got = tg.vmap(pull)(cts)
    close(got, np.tensordot(V, J, axes=2))


def test_jvp_against_the_jacobian():
    r = rng_()
    A, x, v = r.randn(3, 5), r.randn(5), r.randn(5)
    fun = lambda x: tg.tanh(tg.dot(A, x))
    _, t = tg.jvp(fun, (x,), (v,))
    close(t, tg.jacrev(fun)(x) @ v)
    close(t, jax.jvp(lambda x: jnp.tanh(A @ x), (x,), (v,))[1])


def _ggnvp(f, g, x, v):
    """J(x)ᵀ H_g(f(x)) J(x) v from tensorgrad's jvp, hvp and vjp (autograd's make_ggnvp)."""
    y, Jv = tg.jvp(f, (x,), (v,))
    HJv = tg.hvp(g, (y,), (Jv,))
    HJv = HJv[1] if isinstance(HJv, tuple) else HJv
    return tg.vjp(f, x)[1](HJv)


@pytest.mark.parametrize("which_g", ["default", "quartic"])
def test_generalized_gauss_newton_vector_product(which_g):
    r = rng_()
    A, x, v = r.randn(5, 4), r.randn(4), r.randn(4)
    g = (lambda y: 0.5 * tg.dot(y, y)) if which_g == "default" else (
        lambda y: tg.sum(2.0 * y ** 2 + y ** 4))
    for fun in (lambda x: tg.dot(A, x), lambda x: tg.tanh(tg.dot(A, x))):
        J = tg.jacrev(fun)(x)
        H = tg.hessian(g)(fun(x))
        got = _ggnvp(fun, g, x, v)
        (got,) = got if isinstance(got, tuple) else (got,)
        close(got, J.T @ (H @ (J @ v)))


def test_grad_with_aux():
    r = rng_()
    A, x = r.randn(5, 4), r.randn(4)
    out = tg.grad(lambda x: (tg.sum(tg.dot(A, x)), x ** 2), has_aux=True)(x)
    assert len(out) == 2
    close(out[0], tg.grad(lambda x: tg.sum(tg.dot(A, x)))(x))
    close(out[0], A.sum(0))
    close(out[1], x ** 2)


def _custom_mul(zero=False):
    @tg.custom_vjp
    def new_mul(x, y):
        return 0 * x * y if zero else x * y

    def fwd(x, y):
        return new_mul(x, y), (x, y)

    def bwd(res, g):
        x, y = res
        if zero:
            return (tg.zeros_like(x), tg.zeros_like(y))
        return (y * g, x * g)

    new_mul.defvjp(fwd, bwd)
    return new_mul


@pytest.mark.parametrize("zero", [False, True])
def test_primitive_with_a_user_vjp(zero):
    # autograd's primitive + defvjp (and defvjp_is_zero) → tg.custom_vjp
    r = rng_()
    m1, m2 = r.randn(2, 2), r.randn(2, 2)
    new_mul = _custom_mul(zero)
    check_grads(new_mul, m1, m2, modes=("rev",))
    gx, gy = tg.grad(lambda x, y: tg.sum(new_mul(x, y) ** 2), argnums=(0, 1))(m1, m2)
    close(gx, 0 * m1 if zero else 2 * m1 * m2 ** 2)
    close(gy, 0 * m2 if zero else 2 * m2 * m1 ** 2)


def test_quick_grad_check_of_a_two_argument_function():
    check_grads(lambda x, y: x ** 2 + y, 1.0, 2.0)


def test_grad_of_a_partial_with_a_keyword():
    def f(x, y):
        return x * y
    g = tg.grad(functools.partial(f, y=1.5))
    assert g(2.0) == 1.5


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.longdouble])
def test_gradient_keeps_the_input_dtype(dtype):
    y = rng_().randn(10, 10).astype(dtype)
    g = tg.grad(lambda x: tg.sum(x ** 2))(y)
    assert g.dtype == dtype
    np.testing.assert_allclose(np.asarray(g, float), 2 * y.astype(float), rtol=1e-2 if dtype == np.float16 else 1e-6)


def test_complex_input_gets_the_complex_gradient():
    # Re(Σ z²) = Σ x² − y²: ∂/∂x − i ∂/∂y = 2x + 2iy = 2z (autograd's and JAX's convention)
    y = (rng_().randn(3, 3) + 1j * rng_().randn(3, 3)).astype(np.complex128)
    g = tg.grad(lambda x: tg.real(tg.sum(x ** 2)))(y)
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g, 2 * y, rtol=1e-12)


@pytest.mark.parametrize("condition,x,y", [
    (True, 1, 2), (True, 3.0, 4.0), (False, 1, 2.0), (True, [1, 2], [3, 4]),
    (True, np.array([1.0], np.float32), np.array([2.0], np.float32)),
    (False, np.array([1.0]), np.array([2.0])),
    (False, np.array([1.0]), np.array([2.0], np.float32)),
])
def test_where_dtypes_follow_numpy(condition, x, y):
    got, want = tg.where(condition, x, y), np.where(condition, x, y)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_where_values_gradient_and_one_argument_form():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    cond = [True, False, True]
    close(tg.where(cond, x, y), np.array([1.0, 5.0, 3.0]))
    gx, gy = tg.grad(lambda x, y: tg.sum(tg.where(cond, x, y) ** 2), argnums=(0, 1))(x, y)
    close(gx, np.array([2.0, 0.0, 6.0]))
    close(gy, np.array([0.0, 10.0, 0.0]))
    (idx,) = tg.where(cond)
    np.testing.assert_array_equal(idx, [0, 2])


def test_checkpoint_changes_neither_value_nor_gradient():
    bar = lambda x, y: 2 * x + y + 5
    cbar = tg.checkpoint(bar)
    foo = lambda x: bar(x, x / 3.0) + bar(x, x ** 2)
    foo2 = lambda x: cbar(x, x / 3.0) + cbar(x, x ** 2)
    close(foo2(3.0), foo(3.0))
    close(tg.grad(foo2)(3.0), tg.grad(foo)(3.0))
    close(tg.grad(foo2)(3.0), 4 + 1 / 3 + 2 * 3.0)
    baz = lambda *args: sum(args)
    cbaz = tg.checkpoint(baz)
    close(tg.grad(lambda x: cbaz(x, x / 3.0))(3.0), 4 / 3)
    # a checkpointed function applied repeatedly, as autograd's memory test does
    def layers(a):
        for _ in range(3):
            a = tg.sin(a ** 2 + 1)
        return a
    A = rng_(0).randn(6)
    plain = tg.grad(lambda x: tg.sum(layers(layers(x))))(A)
    ck = tg.checkpoint(layers)
    close(tg.grad(lambda x: tg.sum(ck(ck(x))))(A), plain, rtol=1e-12)


def test_grad_keeps_the_function_name_as_jax():
    def foo(x):
        return x
    assert tg.grad.__name__ == "grad"
    assert tg.grad.__doc__.strip()
    assert tg.grad(foo, 1).__name__ == jax.grad(foo, 1).__name__ == "foo"


# ------------------------------------------------------------------------ test_core.py
_BINARY = {
    "add": operator.add, "sub": operator.sub, "truediv": operator.truediv,
    "mul": operator.mul, "pow": operator.pow, "mod": operator.mod,
}


@pytest.mark.parametrize("name", list(_BINARY))
def test_python_operators_on_scalars(name):
    op = _BINARY[name]
    x, y = 0.7, 1.8
    for argnum in (0, 1):
        got = tg.grad(op, argnums=argnum)(x, y)
        h = 1e-6
        if argnum == 0:
            fd = (op(x + h, y) - op(x - h, y)) / (2 * h)
        else:
            fd = (op(x, y + h) - op(x, y - h)) / (2 * h)
        np.testing.assert_allclose(got, fd, rtol=1e-7, atol=1e-8)
        close(got, jax.grad(op, argnums=argnum)(x, y))


@pytest.mark.parametrize("op", [operator.eq, operator.ne, operator.le, operator.ge,
                                operator.lt, operator.gt])
def test_comparisons_have_no_gradient(op):
    # autograd returns a zero gradient with a warning; tensorgrad (as JAX) refuses a
    # boolean output with a TypeError
    assert op(0.7, 1.8) == bool(op(tg.tensor(0.7), 1.8))
    with pytest.raises(TypeError, match="bool"):
        tg.grad(op)(0.7, 1.8)
    with pytest.raises(TypeError):
        jax.grad(op)(0.7, 1.8)


# ---------------------------------------------------------------------- test_direct.py
def test_explicit_gradient_and_derivative_values():
    fun = lambda x: (x + tg.sin(x ** 2)) * x
    assert abs(tg.grad(fun)(1.3) - 3.190948746871) < 1e-6
    # autograd's deriv: the forward-mode derivative of a scalar function
    assert abs(tg.jvp(fun, (1.3,), (1.0,))[1] - 3.190948746871) < 1e-6
    assert abs(tg.jacfwd(fun)(1.3) - 3.190948746871) < 1e-6


def test_complex_output_is_refused():
    with pytest.raises(TypeError, match="complex"):
        tg.grad(lambda x: x * (1.0 + 0.2j))(1.0)


# -------------------------------------------------------------------- test_jacobian.py
def test_jacobian_of_a_singleton_output_matches_grad():
    A = rng_().randn(1, 3)
    fun = lambda x: tg.sum(tg.sin(x), axis=1, keepdims=True)
    J = tg.jacrev(fun)(A)
    assert J.shape == (1, 1, 1, 3)
    close(tg.grad(fun)(A), J.reshape(1, 3))
    close(tg.jacfwd(fun)(A), J)


def test_jacobian_scalar_to_vector():
    val = rng_().randn()
    fun = lambda x: tg.array([x, x ** 2, x ** 3])
    want = np.array([1.0, 2 * val, 3 * val ** 2])
    close(tg.jacrev(fun)(val), want)
    close(tg.jacfwd(fun)(val), want)


def test_jacobian_against_stacked_grads():
    scalar_funs = [
        lambda x: tg.sum(x ** 3),
        lambda x: tg.prod(tg.sin(x) + tg.sin(x)),
        lambda x: tg.grad(lambda y: tg.exp(y) * tg.tanh(x[0]))(x[1]),
    ]
    vector_fun = lambda x: tg.stack([f(x) for f in scalar_funs])
    x = rng_().randn(5)
    want = np.vstack([tg.grad(f)(x) for f in scalar_funs])
    close(tg.jacrev(vector_fun)(x), want)
    close(tg.jacfwd(vector_fun)(x), want)


def test_jacobian_higher_order():
    r = rng_()
    fun = lambda x: tg.sin(tg.outer(x, x)) + tg.cos(tg.dot(x, x))
    jfun = lambda x: jnp.sin(jnp.outer(x, x)) + jnp.cos(jnp.dot(x, x))
    x = r.randn(3)
    assert tg.jacrev(fun)(x).shape == (3, 3, 3)
    close(tg.jacrev(fun)(x), jax.jacfwd(jfun)(x))
    J2 = tg.jacrev(tg.jacrev(fun))(x)
    assert J2.shape == (3, 3, 3, 3)
    close(tg.jacfwd(tg.jacrev(fun))(x), J2)
    check_grads(lambda x: tg.sum(tg.sin(tg.jacrev(fun)(x))), r.randn(3))
    check_grads(lambda x: tg.sum(tg.sin(tg.jacrev(tg.jacrev(fun))(x))), r.randn(3), order=1,
                modes=("rev",))


# ---------------------------------------------------------------------- test_graphs.py
def test_fan_out_and_third_derivative():
    r = rng_(1)
    fun = lambda x: tg.sin(tg.sin(x) + tg.sin(x))
    check_grads(fun, r.randn(), order=3)
    check_grads(tg.grad(fun), r.rand())
    d3 = tg.grad(tg.grad(tg.grad(fun)))(0.3)
    close(d3, jax.grad(jax.grad(jax.grad(lambda x: jnp.sin(2 * jnp.sin(x)))))(0.3))


@pytest.mark.parametrize("order", [(0, 1, 0), (1, 0, 1)])
def test_third_derivative_in_alternating_arguments(order):
    fun = lambda x, y: tg.sin(tg.sin(x) + tg.sin(y))
    jfun = lambda x, y: jnp.sin(jnp.sin(x) + jnp.sin(y))
    r = rng_(1)
    x, y = r.randn(), r.randn()
    f, jf = fun, jfun
    for a in order:
        f, jf = tg.grad(f, argnums=a), jax.grad(jf, argnums=a)
        check_grads(f, x, y)
    close(f(x, y), jf(x, y))


def test_gradient_of_a_constant_and_of_the_identity():
    assert tg.grad(lambda x: 1.0)(2.0) == 0.0
    df = tg.grad(lambda x: x)
    assert df(2.0) == 1.0
    assert tg.grad(df)(2.0) == 0.0


def test_hessian_vector_product_by_nested_grad():
    r = rng_(1)
    randv = r.randn(10)
    fun = lambda x: tg.sin(tg.dot(x, randv))
    vector_product = lambda x, v: tg.sin(tg.dot(v, tg.grad(fun)(x)))
    A, B = r.randn(10), r.randn(10)
    check_grads(fun, A)
    check_grads(vector_product, A, B)
    jfun = lambda x: jnp.sin(jnp.dot(x, randv))
    vjp_matches_jax(vector_product, lambda x, v: jnp.sin(jnp.dot(v, jax.grad(jfun)(x))), A, B)


@pytest.mark.parametrize("inner", [lambda x, y: x * y, lambda x, y: y * x])
def test_inner_grad_closing_over_the_outer_argument(inner):
    fun = lambda x: x * tg.grad(lambda y: inner(x, y))(2.0)
    check_grads(fun, 1.0)
    close(tg.grad(fun)(1.5), 3.0)


@pytest.mark.parametrize("index_first", [False, True])
def test_one_value_used_by_several_consumers(index_first):
    def fun(a):
        b = a + 1.0
        c = (b[0] if index_first else b) + 1.5
        return tg.sum(a + b + c)
    A = rng_(1).randn(5)
    check_grads(fun, A)
    want = np.full(5, 3.0) if not index_first else np.full(5, 2.0) + 5 * np.eye(5)[0]
    close(tg.grad(fun)(A), want)


@pytest.mark.parametrize("shape,axis,keepdims", [
    ((3, 3), None, True), ((3, 1), 0, False), ((1, 3), 1, False), ((3, 1), 0, True),
    ((1, 3), 1, True)])
def test_singleton_array_output(shape, axis, keepdims):
    fun = lambda x: tg.sum(tg.sin(x), axis=axis, keepdims=keepdims)
    x = rng_(1).randn(*shape)
    check_grads(fun, x)
    # autograd (and tensorgrad) take grad of an output with one entry
    g = tg.grad(fun)(x)
    close(g, np.cos(x))
    check_grads(lambda x: tg.sum(tg.grad(fun)(x)), x)


def test_item_assignment_inside_grad_raises():
    def into_numpy(A, b):
        A = np.array(A)
        A[1] = b
        return tg.sum(A)

    def into_tensor(A, b):
        A[1] = b
        return tg.sum(A)
    A = rng_(1).randn(5)
    with pytest.raises((TypeError, ValueError)):  # JAX: ValueError as well
        tg.grad(into_numpy, argnums=1)(A, 3.0)
    with pytest.raises(TypeError, match="immutable"):
        tg.grad(into_tensor)(A, 3.0)


def test_nonscalar_output_is_refused():
    with pytest.raises(TypeError, match="scalar"):
        tg.grad(lambda x: x * 2)(np.zeros(2))


# --------------------------------------------- test_builtins.py, test_tuple.py, test_list.py
@pytest.mark.parametrize("type_,pos,neg", [
    (list, [[]], [()]), (np.ndarray, [np.zeros(1)], [[]]), ((tuple, list), [[], ()], [np.zeros(1)])])
def test_isinstance_of_containers_under_grad(type_, pos, neg):
    def checker(x, ex, truth):
        assert isinstance(ex, type_) == truth
        return x * 1.0
    for ex in pos:
        assert tg.grad(checker)(2.0, ex, True) == 1.0
    for ex in neg:
        assert tg.grad(checker)(2.0, ex, False) == 1.0

    # a pytree argument keeps its container type inside grad
    def f(x):
        assert isinstance(x, tuple)
        return x[0]
    close(tg.grad(f)((1.0, 2.0, 3.0)), (1.0, 0.0, 0.0))


@pytest.mark.parametrize("kind", [tuple, list])
def test_sequence_getter_and_grads(kind):
    r = rng_(1)
    inp = kind([r.randn(5, 6), r.randn(4, 3), r.randn(2, 4)])
    g = tg.grad(lambda t: tg.sum(t[0]) + 2 * tg.sum(t[1]))(inp)
    assert isinstance(g, kind)
    close(g, kind([np.ones((5, 6)), 2 * np.ones((4, 3)), np.zeros((2, 4))]))

    fun = lambda t: tg.sum(tg.sin(t[0])) + tg.sum(tg.cos(t[1]))

    def d_fun(t):
        g = tg.grad(fun)(t)
        return tg.sum(g[0]) + tg.sum(tg.sin(g[0])) + tg.sum(tg.sin(g[1]))
    check_grads(fun, inp)
    check_grads(d_fun, inp, order=1)
    g = tg.grad(d_fun)(inp)  # d/dx of Σ(cos x + sin cos x) and of Σ sin(−sin x)
    close(g[0], -np.sin(inp[0]) - np.cos(np.cos(inp[0])) * np.sin(inp[0]))
    close(g[1], -np.cos(-np.sin(inp[1])) * np.cos(inp[1]))
    close(g[2], np.zeros((2, 4)))


def test_grad_of_a_tuple_built_inside_the_function():
    def outer(x):
        g = tg.grad(lambda y: y[0] * y[1])((x, x))
        return tg.sum(tg.sin(tg.array(g)))
    check_grads(outer, 5.0)
    check_grads(tg.grad(outer), 10.0)
    check_grads(tg.grad(tg.grad(outer)), 10.0)
    close(tg.grad(outer)(0.4), 2 * np.cos(0.4))


def test_list_slices_and_nested_lists():
    g = tg.grad(lambda x: x[slice(None, -1, None)][0])([1.0, 2.0, 3.0])
    close(g, [1.0, 0.0, 0.0])
    g = tg.grad(lambda x: x[1:3][0])([1.0, 2.0, 3.0])
    close(g, [0.0, 1.0, 0.0])
    A = [[1.0], 2.0, 1.5]
    check_grads(lambda x: x[1:][0], A)
    close(tg.grad(lambda x: x[1:][0])(A), [[0.0], 1.0, 0.0])


# ------------------------------------------------------------------------ test_dict.py
def _dict_input():
    r = rng_(0)
    return {"item_1": r.randn(5, 6), "item_2": r.randn(4, 3), "item_X": r.randn(2, 4)}


def _d_of(fun):
    def d_fun(d):
        g = tg.grad(fun)(d)
        return tg.sum(g["item_1"]) + tg.sum(tg.sin(g["item_1"])) + tg.sum(tg.sin(g["item_2"]))
    return d_fun


def test_dict_getter():
    g = tg.grad(lambda d: tg.sum(d["item_1"]) + 2 * tg.sum(d["item_2"]))(_dict_input())
    assert set(g) == {"item_1", "item_2", "item_X"}
    close(g["item_1"], np.ones((5, 6)))
    close(g["item_2"], 2 * np.ones((4, 3)))
    close(g["item_X"], np.zeros((2, 4)))


def _by_getitem(d):
    return tg.sum(tg.sin(d["item_1"])) + tg.sum(tg.cos(d["item_2"]))


def _by_iteration(d):
    A, B = 0.0, 0.0
    for i, k in enumerate(sorted(d)):
        A = A + tg.sum(tg.sin(d[k])) * (i + 1.0)
        B = B + tg.sum(tg.cos(d[k]))
    return A + B


def _by_items_values_keys(d):
    A, B = 0.0, 0.0
    for i, (k, v) in enumerate(sorted(d.items(), key=operator.itemgetter(0))):
        A = A + tg.sum(tg.sin(v)) * (i + 1.0)
        B = B + tg.sum(tg.cos(v))
    for v in d.values():
        A = A + tg.sum(tg.sin(v))
    for k in sorted(d.keys()):
        A = A + tg.sum(tg.cos(d[k]))
    return A + B


@pytest.mark.parametrize("fun", [_by_getitem, _by_iteration, _by_items_values_keys])
def test_dict_grads(fun):
    d = _dict_input()
    check_grads(fun, d)
    check_grads(_d_of(fun), d, order=1)
    if fun is _by_iteration:
        g = tg.grad(fun)(d)
        close(g["item_X"], 3 * np.cos(d["item_X"]) - np.sin(d["item_X"]))


@pytest.mark.parametrize("d", [{"item_1": 3.0}, {"item_2": 4.0}, {}])
def test_dict_get_with_a_default(d):
    fun = lambda d, x: d.get("item_1", x) ** 2
    check_grads(fun, d, 2.0)
    gd, gx = tg.grad(fun, argnums=(0, 1))(d, 2.0)
    if "item_1" in d:
        close(gd, {"item_1": 6.0})
        close(gx, 0.0)
    else:
        close(gx, 4.0)


def test_dict_built_inside_the_function():
    check_grads(lambda x: dict([("a", x)], b=x), 1.0, modes=("rev",))
    check_grads(lambda x: dict({"a": x}), 1.0, modes=("rev",))
    out, pull = tg.vjp(lambda x: dict([("a", x)], b=2 * x), 1.0)
    close(out, {"a": 1.0, "b": 2.0})
    close(pull({"a": 1.0, "b": 1.0}), (3.0,))

    def f(x):
        assert isinstance(x, dict)
        return x["x"]
    close(tg.grad(f)({"x": 1.0}), {"x": 1.0})


# ---------------------------------------------------------------------- test_linalg.py
LA = tg.linalg


def _sym_lower(f):
    """f of the symmetric matrix built from the lower triangle of its first argument."""
    def g(A, *rest):
        L = tg.tril(A)
        return f((L + tg.swapaxes(L, -1, -2)) / 2.0, *rest)
    return g


def _psd(D, seed=42):
    m = rng_(seed).randn(D, D)
    return m @ m.T


def test_inv_of_a_matrix_and_of_stacks():
    r = rng_()
    m = r.randn(8, 8)
    check_grads(LA.inv, m @ m + np.eye(8), modes=("rev",))
    check_grads(LA.inv, r.randn(4, 4, 4) + 5 * np.eye(4))
    check_grads(LA.inv, r.randn(2, 2, 4, 4) + 5 * np.eye(4), order=1)


@pytest.mark.parametrize("M", range(2, 8))
def test_pinv_of_full_and_fixed_rank_matrices(M):
    rs = rng_(M)
    check_grads(LA.pinv, rs.randn(5, M), order=1)
    check_grads(LA.pinv, rs.randn(2, 5, M), order=1, modes=("rev",))
    # a square matrix of rank min(5, M): its rank stays fixed under small perturbations of x
    low_rank = lambda x: LA.pinv(tg.swapaxes(x, -1, -2) @ x)
    check_grads(low_rank, rs.randn(5, M), order=1, modes=("rev",))


def test_solve_in_either_argument_and_batched():
    r = rng_()
    A, B = r.randn(8, 8) + 10 * np.eye(8), r.randn(8, 7)
    check_grads(lambda a: LA.solve(a, B), A, modes=("rev",))
    check_grads(lambda a: LA.solve(a, B[:, 0]), A, modes=("rev",))
    A6 = r.randn(6, 6) + np.eye(6)
    check_grads(lambda b: LA.solve(A6, b), r.randn(6, 5))
    A3 = r.randn(5, 4, 4) + 5 * np.eye(4)
    b3 = r.randn(5, 4)
    check_grads(lambda a: LA.solve(a, b3[..., None])[..., 0], A3, order=1)
    B3 = r.randn(5, 4, 6)
    check_grads(lambda a: LA.solve(a, B3), A3, order=1)


def test_det_and_slogdet():
    r = rng_()
    m = r.randn(6, 6)
    check_grads(LA.det, m)
    check_grads(LA.det, r.randn(3, 3, 3))
    logdet = lambda x: LA.slogdet(x)[1]
    check_grads(logdet, m)
    check_grads(logdet, -m)
    stack = np.stack([_psd(5) + 5 * np.eye(5)] * 3)
    check_grads(lambda x: tg.sum(LA.slogdet(x)[1]), stack, order=1)


@pytest.mark.parametrize("ord,shape,axis", [
    (None, (6,), None), (None, (6, 5), None), (None, (6, 5, 4), (0, 1)),
    (2, (6,), None), (3, (6,), None), (4, (6,), None),
    (None, (6, 5, 4), 0), (None, (6, 5, 4), 1), (None, (6, 5, 4), 2)])
def test_norms(ord, shape, axis):
    x = rng_().randn(*shape)
    f = lambda x: LA.norm(x, ord=ord, axis=axis)
    close(f(x), np.linalg.norm(x, ord=ord, axis=axis))
    check_grads(f, x)


def test_nuclear_norm():
    r = rng_()
    check_grads(lambda x: LA.norm(x, ord="nuc"), r.randn(6, 5), order=1)
    x3 = r.randn(6, 5, 4)
    f = lambda x: LA.norm(x, ord="nuc", axis=(0, 1))
    close(f(x3), np.linalg.norm(x3, ord="nuc", axis=(0, 1)))
    check_grads(f, x3, order=1)


def test_norm_of_a_list_of_traced_values():
    # NumPy's array_like: a list or tuple holding traced scalars (tg.linalg refused it)
    assert tg.grad(lambda x: LA.norm(tg.stack([x, x + 2])))(0.0) == 1.0
    assert tg.grad(lambda x: LA.norm([x, x + 2]))(0.0) == 1.0
    assert tg.grad(lambda x: LA.norm((x, x + 2)))(0.0) == 1.0


@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh_reads_one_triangle(UPLO):
    # autograd checks eigh of a non-symmetric matrix: only the UPLO triangle is read, so
    # finite differences see no dependence on the other one
    r = rng_()
    m = r.randn(6, 6)
    f = lambda x: tuple(LA.eigh(x, UPLO))
    close(f(m), tuple(np.linalg.eigh(m, UPLO)), rtol=1e-8, atol=1e-10)
    check_grads(f, m, modes=("rev",))
    batch = r.randn(2, 3, 6, 6) + 10 * np.eye(6)
    batch = np.einsum("...ij,...kj->...ik", batch, batch)
    check_grads(f, batch, order=1)


def test_cholesky_and_the_reparameterization_trick():
    check_grads(_sym_lower(LA.cholesky), _psd(6))
    stack = np.stack([_psd(6)] * 3)
    check_grads(_sym_lower(LA.cholesky), stack, order=1)
    z = np.random.RandomState(0).randn(6)
    f = _sym_lower(lambda A: LA.norm(LA.cholesky(A) @ z))
    check_grads(f, _psd(6))


@pytest.mark.parametrize("shape", [(3, 5), (4, 3, 5), (4, 4), (3, 4, 4), (5, 3), (4, 5, 3)])
def test_svd_reduced(shape):
    x = rng_().randn(*shape)
    f = lambda x: tuple(LA.svd(x, full_matrices=False))
    u, s, vt = f(x)
    close(u @ (s[..., :, None] * vt), x)
    check_grads(f, x, modes=("rev",), order=1 if len(shape) == 3 else 2)
    check_grads(lambda x: LA.svd(x, full_matrices=False, compute_uv=False), x, order=1)


# ----------------------------------------------------------------------- test_scipy.py
R = lambda *s: rng_(sum(s) + 7).randn(*s)
U = lambda lo, hi, s: rng_(11).uniform(lo, hi, s)
POS = R(4) ** 2 + 1.1
POS2 = R(4) ** 2 + 2.1
ST = tgs.stats

_STATS = [  # (name, tensorgrad, scipy, jax or None, argument lists, differentiated argnums)
    ("chi2.pdf", ST.chi2.pdf, scipy.stats.chi2.pdf, jsp_stats.chi2.pdf, [[POS], [1, 2, 3]], [0]),
    ("chi2.cdf", ST.chi2.cdf, scipy.stats.chi2.cdf, jsp_stats.chi2.cdf, [[POS], [1, 2, 3]], [0]),
    ("chi2.logpdf", ST.chi2.logpdf, scipy.stats.chi2.logpdf, jsp_stats.chi2.logpdf, [[POS], [1, 2, 3]], [0]),
    ("beta.cdf", ST.beta.cdf, scipy.stats.beta.cdf, jsp_stats.beta.cdf, [[U(0, 1, 4)], [POS], [POS2]], [0]),
    ("beta.pdf", ST.beta.pdf, scipy.stats.beta.pdf, jsp_stats.beta.pdf, [[U(0, 1, 4)], [POS], [POS2]], [0, 1, 2]),
    ("beta.logpdf", ST.beta.logpdf, scipy.stats.beta.logpdf, jsp_stats.beta.logpdf,
     [[U(0, 1, 4)], [POS], [POS2]], [0, 1, 2]),
    ("gamma.cdf", ST.gamma.cdf, scipy.stats.gamma.cdf, jsp_stats.gamma.cdf, [[POS], [POS2]], [0]),
    ("gamma.pdf", ST.gamma.pdf, scipy.stats.gamma.pdf, jsp_stats.gamma.pdf, [[POS], [POS2]], [0, 1]),
    ("gamma.logpdf", ST.gamma.logpdf, scipy.stats.gamma.logpdf, jsp_stats.gamma.logpdf, [[POS], [POS2]], [0, 1]),
    ("poisson.cdf", ST.poisson.cdf, scipy.stats.poisson.cdf, jsp_stats.poisson.cdf,
     [[np.round(R(4) ** 2)], [POS]], [1]),
    ("poisson.logpmf", ST.poisson.logpmf, scipy.stats.poisson.logpmf, jsp_stats.poisson.logpmf,
     [[np.round(R(4) ** 2)], [POS]], [1]),
    ("poisson.pmf (broadcast)", ST.poisson.pmf, scipy.stats.poisson.pmf, jsp_stats.poisson.pmf,
     [[np.round(R(4, 3) ** 2)], [R(4, 1) ** 2 + 1.1]], [1]),
    ("t.pdf", ST.t.pdf, scipy.stats.t.pdf, jsp_stats.t.pdf, [[R(4)], [POS2], [R(5)[:4]], [POS2 + 0.3]], [0, 1, 2, 3]),
    ("t.logpdf (broadcast)", ST.t.logpdf, scipy.stats.t.logpdf, jsp_stats.t.logpdf,
     [[R(4, 3)], [R(1, 3) ** 2 + 2.1], [R(3, 4).T], [R(4, 1) ** 2 + 2.1]], [0, 1, 2, 3]),
]
for _m in ["pdf", "cdf", "sf", "logpdf", "logcdf", "logsf"]:
    _STATS.append((f"norm.{_m}", getattr(ST.norm, _m), getattr(scipy.stats.norm, _m),
                   getattr(jsp_stats.norm, _m), [[R(4)], [R(5)[:4]], [POS]], [0, 1, 2]))
    _STATS.append((f"norm.{_m} (broadcast)", getattr(ST.norm, _m), getattr(scipy.stats.norm, _m), None,
                   [[R(4, 3)], [R(1, 3)], [R(4, 1) ** 2 + 1.1]], [0, 1, 2]))
for _m in ["ppf", "isf"]:
    _STATS.append((f"norm.{_m}", getattr(ST.norm, _m), getattr(scipy.stats.norm, _m),
                   getattr(jsp_stats.norm, _m, None), [[U(0.05, 0.95, (4, 3))], [R(1, 3)], [R(4, 1) ** 2 + 1.1]],
                   [0, 1, 2]))


@pytest.mark.parametrize("case", _STATS, ids=[c[0] for c in _STATS])
def test_scipy_stats(case):
    name, f, ref, jf, arg_lists, argnums = case
    for args, _ in combos(*arg_lists):
        close(f(*args), ref(*args), rtol=1e-9, atol=1e-12)
    check_combos(f, argnums, *arg_lists, rtol=1e-4, atol=1e-6)


def _sym(f, argnum):
    def g(*args):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + tg.swapaxes(args[argnum], -1, -2))
        return f(*args)
    return g


@pytest.mark.parametrize("method", ["pdf", "logpdf"])
def test_multivariate_normal(method):
    m = R(4, 4)
    cov = m.T @ m + np.eye(4)
    f = _sym(getattr(ST.multivariate_normal, method), 2)
    for x in (R(4), R(5, 4)):
        close(f(x, R(4), cov), getattr(scipy.stats.multivariate_normal, method)(x, R(4), cov), rtol=1e-9)
        check_grads(f, x, R(4), cov, order=1)


@pytest.mark.parametrize("method", ["pdf", "logpdf"])
def test_dirichlet(method):
    alpha = rng_(3).random_sample(4) ** 2 + 1.2
    x = scipy.stats.dirichlet.rvs(alpha, size=1, random_state=0)[0]
    f = getattr(ST.dirichlet, method)
    close(f(x, alpha), getattr(scipy.stats.dirichlet, method)(x, alpha), rtol=1e-9)
    # x is renormalized so that it stays on the simplex under finite differences
    check_grads(lambda x: f(x / tg.sum(x), alpha), x)
    check_grads(lambda a: f(x, a), alpha)


@pytest.mark.parametrize("x,kw", [
    (np.array([1.1]), dict(axis=[None, 0], keepdims=[True, False])),
    (R(3, 4), dict(axis=[None, 0, 1], keepdims=[True, False])),
    (R(4, 5, 6), dict(axis=[None, 0, 1], keepdims=[True, False])),
    (R(1, 5), dict(axis=[None, 0, 1], keepdims=[True, False])),
    (R(4), dict(b=[np.exp(R(4))], axis=[None, 0], keepdims=[True, False])),
    (R(3, 4), dict(b=[np.exp(R(3, 4))], axis=[None, 0, 1], keepdims=[True, False])),
    (R(2, 3, 4), dict(b=[np.exp(R(2, 3, 4))], axis=[None, 0, 1], keepdims=[True, False])),
])
def test_logsumexp(x, kw):
    lse = tgs.special.logsumexp
    for _, kwargs in combos(**kw):
        close(lse(x, **kwargs), scipy.special.logsumexp(x, **kwargs))
    check_combos(lse, [0], [x], **kw)
    f = lambda a: lse(a, axis=1, keepdims=True)
    if x.ndim == 2:
        check_grads(tg.grad(lambda a: tg.sum(f(a))), x)


@pytest.mark.parametrize("ndim", [1, 2])
def test_convolve(ndim):
    conv = tgs.signal.convolve
    if ndim == 1:
        ins, kernels = [R(4), R(5), R(6)], [R(2), R(3), R(4)]
    else:
        ins, kernels = [R(4, 3), R(5, 4), R(6, 7)], [R(2, 2), R(3, 2), R(4, 2), R(4, 1)]
    for (a, b), kw in combos(ins, kernels, mode=["full", "valid", "same"]):
        close(conv(a, b, **kw), scipy.signal.convolve(a, b, method="direct", **kw))
    check_combos(conv, [0, 1], ins, kernels, mode=["full", "valid", "same"], order=1)
    check_grads(lambda a, b: conv(a, b, mode="same"), ins[1], kernels[1])


SP = tgs.special
_SPECIAL = [  # (name, argument lists, differentiated argnums)
    ("beta", [[POS], [POS2]], [0, 1]),
    ("betaln", [[POS], [POS2]], [0, 1]),
    ("betainc", [[POS], [POS2], [U(0.0, 1.0, 4)]], [2]),
    ("gammainc", [[1.0], [R(4) ** 2 + 1.3]], [1]),
    ("gammaincc", [[1.0], [R(4) ** 2 + 1.3]], [1]),
    ("polygamma", [[0], [R(4) ** 2 + 1.3]], [1]),
    ("jn", [[2], [R(4) ** 2 + 1.3]], [1]),
    ("yn", [[2], [R(4) ** 2 + 1.3]], [1]),
    ("iv", [[U(1.0, 50.0, 4)], [R(4) ** 2 + 1.3]], [1]),
    ("ive", [[U(1.0, 50.0, 4)], [R(4) ** 2 + 1.3]], [1]),
    ("multigammaln", [[U(4.0, 5.0, ()), U(4.0, 5.0, (2, 3))], [1, 2, 3]], [0]),
]
for _n, _lims in [("psi", (0.3, 2.0)), ("digamma", (0.3, 2.0)), ("gamma", (0.3, 2.0)),
                  ("gammaln", (0.3, 2.0)), ("gammasgn", (0.3, 2.0)), ("rgamma", (0.3, 2.0)),
                  ("j0", (0.2, 20.0)), ("j1", (0.2, 20.0)), ("y0", (0.2, 20.0)), ("y1", (0.2, 20.0)),
                  ("i0", (0.2, 20.0)), ("i1", (0.2, 20.0)), ("erf", (-3.0, 3.0)), ("erfc", (-3.0, 3.0)),
                  ("erfinv", (-0.95, 0.95)), ("erfcinv", (0.05, 1.95)), ("logit", (0.1, 0.9)),
                  ("expit", (-4.05, 4.95))]:
    # autograd's unary_ufunc_check: a scalar, a vector and matrices scaled into the limits
    _t = lambda x, lo=_lims[0], hi=_lims[1]: x * (hi - lo) + lo
    _SPECIAL.append((_n, [[_t(0.4), _t(rng_(5).rand(2)), _t(rng_(6).rand(3, 2)), _t(rng_(7).rand(1, 2))]], [0]))


@pytest.mark.parametrize("case", _SPECIAL, ids=[c[0] for c in _SPECIAL])
def test_scipy_special(case):
    name, arg_lists, argnums = case
    f, ref = getattr(SP, name), getattr(scipy.special, name)
    for args, _ in combos(*arg_lists):
        close(f(*args), ref(*args), rtol=1e-9, atol=1e-12)
    if name != "gammasgn":
        check_combos(f, argnums, *arg_lists, rtol=1e-4, atol=1e-6, eps=1e-5)
    else:  # piecewise constant: a zero derivative
        close(tg.grad(lambda x: tg.sum(f(x)))(arg_lists[0][1]), np.zeros(2))


def _ode_rhs(y, t, arg1, arg2):
    return -tg.sqrt(t) - y + arg1 - tg.mean((y + arg2) ** 2)


def test_odeint_in_initial_state_times_and_arguments():
    y0, t, a1, a2 = R(3), np.linspace(0.1, 0.2, 4), R(4)[:3], R(5)[:3]
    ode = tgs.integrate.odeint
    want = scipy.integrate.odeint(lambda y, t: -np.sqrt(t) - y + a1 - np.mean((y + a2) ** 2), y0, t,
                                  rtol=1e-10, atol=1e-10)
    close(ode(_ode_rhs, y0, t, (a1, a2)), want, rtol=1e-6, atol=1e-8)  # (SciPy's args tuple)
    check_grads(lambda y0, t, a1, a2: ode(_ode_rhs, y0, t, (a1, a2)), y0, t, a1, a2, order=1,
                modes=("rev",), rtol=1e-4, atol=1e-6)


def test_sqrtm_of_a_symmetric_matrix():
    f = _sym(tgs.linalg.sqrtm, 0)
    A = R(3, 3)
    S = 0.5 * (A + A.T) + 3 * np.eye(3)  # eigenvalues > 0: a real square root
    close(f(S), scipy.linalg.sqrtm(S), rtol=1e-8)
    check_grads(f, S, rtol=1e-4, atol=1e-6)


def test_solve_sylvester():
    a, b, c = R(3, 3), R(3, 3) + 0.1, R(3, 3) - 0.1
    close(tgs.linalg.solve_sylvester(a, b, c), scipy.linalg.solve_sylvester(a, b, c), rtol=1e-8)
    check_grads(tgs.linalg.solve_sylvester, a, b, c, rtol=1e-4, atol=1e-6)


# ------------------------------------------------- first derivatives against JAX, in one jit
def _jax_cases():
    """(name, tensorgrad function, JAX function, differentiated arguments) of the SciPy checks."""
    cases = []
    for name, f, _, jf, arg_lists, argnums in _STATS:
        # JAX's betaln (inside beta.pdf/logpdf) is off by 2e-7 near a, b ≈ 8, 9: SciPy and
        # finite differences are the reference there
        if jf is not None and not name.startswith("beta.") or name == "beta.cdf":
            args = [a[0] for a in arg_lists]
            cases.append((name, with_args(f, args, argnums), with_args(jf, args, argnums),
                          [np.asarray(args[i], float) for i in argnums]))
    for name, arg_lists, argnums in _SPECIAL:
        jf = getattr(jsp_special, name, None)
        if jf is None or name in ("jn", "yn", "beta", "betaln", "gammasgn"):
            continue
        args = [a[-1] for a in arg_lists]
        cases.append((name, with_args(getattr(SP, name), args, argnums), with_args(jf, args, argnums),
                      [np.asarray(args[i], float) for i in argnums]))
    m = R(4, 4)
    cov = m.T @ m + np.eye(4)
    for meth in ("pdf", "logpdf"):
        cases.append(("mvn." + meth, _sym(getattr(ST.multivariate_normal, meth), 2),
                      _sym(getattr(jsp_stats.multivariate_normal, meth), 2), [R(4), R(4) + 0.5, cov]))
    for kw in (dict(axis=0, keepdims=True), dict(axis=None, b=np.exp(R(3, 4)))):
        cases.append((f"logsumexp{kw}", lambda a, kw=kw: SP.logsumexp(a, **kw),
                      lambda a, kw=kw: jsp_special.logsumexp(a, **kw), [R(3, 4)]))
    cases.append(("convolve same", lambda a, b: tgs.signal.convolve(a, b, mode="same"),
                  lambda a, b: jsp_signal.convolve(a, b, mode="same"), [R(5, 4), R(3, 2)]))
    # tg.linalg against jnp.linalg
    r = rng_(3)
    sq = r.randn(4, 4) + 5 * np.eye(4)
    cases += [
        ("inv", LA.inv, jnp.linalg.inv, [sq]),
        ("solve", LA.solve, jnp.linalg.solve, [sq, r.randn(4, 3)]),
        ("slogdet", lambda x: LA.slogdet(x)[1], lambda x: jnp.linalg.slogdet(x)[1], [r.randn(5, 5)]),
        ("pinv low rank", lambda x: LA.pinv(x.T @ x), lambda x: jnp.linalg.pinv(x.T @ x), [r.randn(5, 7)]),
        ("nuclear norm", lambda x: LA.norm(x, ord="nuc"), lambda x: jnp.linalg.norm(x, ord="nuc"),
         [r.randn(6, 5)]),
        ("cholesky", lambda A: LA.cholesky(A @ A.T + np.eye(4)),
         lambda A: jnp.linalg.cholesky(A @ A.T + np.eye(4)), [r.randn(4, 4)]),
    ]
    return cases


def test_first_derivatives_match_jax():
    cases = _jax_cases()
    got, cts = [], []
    for i, (name, f, _, xs) in enumerate(cases):
        out, pull = tg.vjp(f, *xs)
        ct = np.random.default_rng(i).normal(size=np.shape(out))
        got.append((out, pull(ct)))
        cts.append(ct)

    def all_vjps(xss, cts):
        res = []
        for (_, _, jf, _), xs, ct in zip(cases, xss, cts):
            out, pull = jax.vjp(jf, *xs)
            res.append((out, pull(ct)))
        return res
    want = jax.jit(all_vjps)([c[3] for c in cases], cts)
    assert len(cases) > 40
    for (name, *_), g, w in zip(cases, got, want):
        try:
            close(g, w, rtol=1e-8, atol=1e-10)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
