"""tg.autograd (HIPS autograd's differential operators, autograd's signatures) and the
top-level aliases, against the JAX expression of the same quantity in float64.

autograd itself is not a test dependency: each operator is compared with what it means in
JAX (grad → jax.grad, elementwise_grad → jax.vjp with ones, jacobian → jax.jacfwd, make_hvp →
jax.jvp of jax.grad, make_ggnvp → Jᵀ·H_g·J·v from jax.jacfwd and jax.hessian, ...).
"""
import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.autograd_api as autograd_api
import tensorgrad.transforms

jax.config.update("jax_enable_x64", True)

A = tg.autograd
RNG = np.random.default_rng(0)


def close(ours, theirs):
    ol, _ = tg.tree_flatten(ours)
    tl, _ = jax.tree_util.tree_flatten(theirs)
    assert len(ol) == len(tl), (ours, theirs)
    for o, t in zip(ol, tl):
        assert np.shape(o) == np.shape(t), (np.shape(o), np.shape(t))
        np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=1e-12, atol=1e-12)


def funs(np_):
    """The same three functions on tensorgrad's or JAX's ops."""
    def scalar2(x, y, scale=1.0):  # two arguments, scalar-valued
        return scale * np_.sum(np_.tanh(x) * np_.sin(y)) + np_.sum(x * x * y)

    def vector(x, W, shift=0.0):  # vector-valued, a matmul
        return np_.tanh(W @ np_.sin(x) + shift)

    def elem(x):  # elementwise
        return np_.sin(x) * np_.exp(0.3 * x)
    return scalar2, vector, elem


T_S, T_V, T_E = funs(tg)
J_S, J_V, J_E = funs(jnp)


def data():
    return RNG.normal(size=4), RNG.normal(size=4), RNG.normal(size=(3, 4))


def jnums(argnum):
    return tuple(argnum) if isinstance(argnum, (tuple, list)) else argnum


ARGNUMS = [0, 1, (0, 1), (1, 0)]


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------

@pytest.mark.parametrize("argnum", ARGNUMS)
def test_grad_and_value_and_grad_match_jax(argnum):
    x, y, _ = data()
    close(A.grad(T_S, argnum)(x, y), jax.grad(J_S, jnums(argnum))(x, y))
    close(A.grad(T_S, argnum)(x, y, scale=2.5),  # keywords pass through to fun
          jax.grad(lambda a, b: J_S(a, b, scale=2.5), jnums(argnum))(x, y))
    close(A.value_and_grad(T_S, argnum)(x, y), jax.value_and_grad(J_S, jnums(argnum))(x, y))
    if isinstance(argnum, tuple):
        assert isinstance(A.grad(T_S, argnum)(x, y), tuple)


def test_grad_takes_any_size_one_output_and_pytrees():
    x, y, _ = data()
    close(A.grad(lambda x: tg.reshape(tg.sum(x ** 3), (1, 1, 1)))(x),
          jax.grad(lambda x: jnp.sum(x ** 3))(x))
    p = {"w": x, "b": y}
    close(A.grad(lambda p: tg.sum(tg.sin(p["w"]) * p["b"]))(p),
          jax.grad(lambda p: jnp.sum(jnp.sin(p["w"]) * p["b"]))(p))
    close(A.grad(lambda t: tg.sin(t) * t)(0.7), jax.grad(lambda t: jnp.sin(t) * t)(0.7))


def test_grad_named_and_multigrad_dict_match_jax():
    x, y, _ = data()
    close(A.grad_named(T_S, "y")(x, y, scale=2.0), jax.grad(lambda a, b: J_S(a, b, 2.0), 1)(x, y))

    def h(a, b=2.0, *c, k=1.5, **kw):
        return tg.sum(a * b) * k + sum(tg.sum(ci ** 2) for ci in c) + tg.sum(kw["z"] ** 3)

    def jh(a, b, c0, c1, k, z):
        return jnp.sum(a * b) * k + jnp.sum(c0 ** 2) + jnp.sum(c1 ** 2) + jnp.sum(z ** 3)
    got = A.multigrad_dict(h)(x, y, x, y, z=x)
    assert isinstance(got, collections.OrderedDict) and list(got) == ["a", "b", "c", "k", "kw"]
    g = jax.grad(jh, (0, 1, 2, 3, 4, 5))(x, y, x, y, 1.5, x)
    close([got["a"], got["b"], got["c"], got["k"], got["kw"]],
          [g[0], g[1], (g[2], g[3]), g[4], {"z": g[5]}])
    # a default is differentiated too
    got = A.multigrad_dict(lambda a, b=3.0: tg.sum(a) * b)(x)
    close([got["a"], got["b"]], list(jax.grad(lambda a, b: jnp.sum(a) * b, (0, 1))(x, 3.0)))


@pytest.mark.parametrize("argnum", [0, 1, (0, 1)])
def test_grad_and_aux_matches_jax(argnum):
    x, y, _ = data()

    def f(x, y):
        return tg.sum(tg.sin(x) * y), {"c": tg.cos(x), "tag": "kept"}

    def jf(x, y):
        return jnp.sum(jnp.sin(x) * y), {"c": jnp.cos(x)}
    g, aux = A.grad_and_aux(f, argnum)(x, y)
    jg, jaux = jax.grad(jf, jnums(argnum), has_aux=True)(x, y)
    close(g, jg)
    close(aux["c"], jaux["c"])
    assert aux["tag"] == "kept"
    # a non-scalar output: the VJP with ones, as autograd's
    g, aux = A.grad_and_aux(lambda x: (T_E(x), 2.0))(x)
    out, pull = jax.vjp(J_E, x)
    close(g, pull(jnp.ones_like(out))[0])
    assert aux == 2.0


# --------------------------------------------------------------------------
# products
# --------------------------------------------------------------------------

@pytest.mark.parametrize("argnum", ARGNUMS)
def test_elementwise_grad_make_vjp_make_jvp_match_jax(argnum):
    x, _, W = data()
    jn = jnums(argnum)
    pick = (lambda a: a[jn] if isinstance(jn, int) else tuple(a[i] for i in jn))
    args = (x, W)

    def jf(*sel):  # vector() as a function of the selected arguments only
        full = list(args)
        for i, s in zip([jn] if isinstance(jn, int) else jn, sel):
            full[i] = s
        return J_V(*full, shift=0.5)
    out, pull = jax.vjp(jf, *(pick(args) if isinstance(jn, tuple) else (pick(args),)))
    want = pull(jnp.ones_like(out))
    close(A.elementwise_grad(T_V, argnum)(x, W, shift=0.5), want if isinstance(jn, tuple) else want[0])
    ct = RNG.normal(size=3)
    vjp_fn, ans = A.make_vjp(T_V, argnum)(x, W, shift=0.5)  # autograd's order: (vjp, value)
    close(ans, out)
    want = pull(jnp.asarray(ct))
    close(vjp_fn(ct), want if isinstance(jn, tuple) else want[0])
    tangent = tuple(RNG.normal(size=np.shape(a)) for a in pick(args)) if isinstance(jn, tuple) \
        else RNG.normal(size=np.shape(pick(args)))
    got = A.make_jvp(T_V, argnum)(x, W, shift=0.5)(tangent)  # (value, jvp)
    prim = pick(args) if isinstance(jn, tuple) else (pick(args),)
    tans = tangent if isinstance(jn, tuple) else (tangent,)
    close(got, jax.jvp(jf, prim, tans))


@pytest.mark.parametrize("argnum", [0, 1])
def test_deriv_and_make_jvp_reversemode_match_jax(argnum):
    x, _, W = data()
    close(A.deriv(T_E)(x), jax.jvp(J_E, (x,), (jnp.ones_like(x),))[1])
    close(A.deriv(T_V, argnum)(x, W), jax.jvp(lambda *a: J_V(*a), (x, W),
                                              tuple(jnp.ones_like(a) if i == argnum else jnp.zeros_like(a)
                                                    for i, a in enumerate((x, W))))[1])
    v = RNG.normal(size=np.shape((x, W)[argnum]))
    jf = (lambda a: J_V(a, W)) if argnum == 0 else (lambda a: J_V(x, a))
    close(A.make_jvp_reversemode(T_V, argnum)(x, W)(v), jax.jvp(jf, ((x, W)[argnum],), (v,))[1])


def test_deriv_of_a_complex_input_takes_autograds_ones():
    # autograd's vspace(z).ones() is 1 + 1j for a complex z: deriv gives f'(z)(1 + 1j)
    z = np.array([1 + 2j, 0.5 - 1j])
    close(A.deriv(lambda a: a * a)(z), jax.jvp(lambda a: a * a, (z,), (np.full(2, 1 + 1j),))[1])
    assert A.deriv(lambda a: a ** 2)(1 + 1j) == 4j
    assert A.deriv(lambda a: tg.abs(a) ** 2)(1 + 1j) == 4.0
    assert A.deriv(tg.sin)(0.3) == np.cos(0.3)  # a real input keeps a tangent of 1


@pytest.mark.parametrize("argnum", [0, 1])
def test_tensor_jacobian_product_matches_jax(argnum):
    x, _, W = data()
    v = RNG.normal(size=3)
    jf = (lambda a: J_V(a, W, 0.2)) if argnum == 0 else (lambda a: J_V(x, a, 0.2))
    want = jax.vjp(jf, (x, W)[argnum])[1](jnp.asarray(v))[0]
    close(A.tensor_jacobian_product(T_V, argnum)(x, W, v, shift=0.2), want)
    assert A.vector_jacobian_product is A.tensor_jacobian_product
    # a tensor over the leading axes of a matrix output only: out.shape[1:] + in.shape
    M, JM = (lambda x: tg.outer(tg.sin(x), x)), (lambda x: jnp.outer(jnp.sin(x), x))
    u = RNG.normal(size=4)
    close(A.tensor_jacobian_product(M)(x, u), jnp.tensordot(u, jax.jacfwd(JM)(x), axes=1))


# --------------------------------------------------------------------------
# Jacobians and second order
# --------------------------------------------------------------------------

@pytest.mark.parametrize("argnum", [0, 1])
def test_jacobian_and_hessian_match_jax(argnum):
    x, y, W = data()
    J = A.jacobian(T_V, argnum)(x, W, shift=0.1)
    close(J, jax.jacfwd(lambda *a: J_V(*a, shift=0.1), argnum)(x, W))
    assert J.shape == (3,) + np.shape((x, W)[argnum])  # out.shape + in.shape
    close(A.hessian(T_S, argnum)(x, y, scale=0.5),
          jax.hessian(lambda *a: J_S(*a, scale=0.5), argnum)(x, y))
    H = A.hessian(T_V, argnum)(x, W)  # a vector-valued function: out + in + in
    close(H, jax.jacfwd(jax.jacrev(J_V, argnum), argnum)(x, W))
    close(A.jacobian(T_V, (0, 1))(x, W), jax.jacfwd(J_V, (0, 1))(x, W))  # (autograd refuses a tuple)


@pytest.mark.parametrize("argnum", [0, 1])
def test_make_hvp_and_hessian_tensor_product_match_jax(argnum):
    x, y, _ = data()
    v = RNG.normal(size=4)
    jf = (lambda a: J_S(a, y, 1.5)) if argnum == 0 else (lambda a: J_S(x, a, 1.5))
    p = (x, y)[argnum]
    want_hv = jax.jvp(jax.grad(jf), (p,), (v,))[1]
    hvp_fn, g = A.make_hvp(T_S, argnum)(x, y, scale=1.5)
    close(g, jax.grad(jf)(p))
    close(hvp_fn(v), want_hv)
    close(A.hessian_tensor_product(T_S, argnum)(x, y, v, scale=1.5), want_hv)
    assert A.hessian_vector_product is A.hessian_tensor_product


@pytest.mark.parametrize("argnum", [0, 1])
def test_make_ggnvp_matches_gauss_newton_from_jax(argnum):
    x, _, W = data()
    p = (x, W)[argnum]
    v = RNG.normal(size=np.shape(p))
    jf = (lambda a: J_V(a, W)) if argnum == 0 else (lambda a: J_V(x, a))
    Jm = jax.jacfwd(jf)(p).reshape(3, -1)
    fx = jf(p)
    close(A.make_ggnvp(T_V, f_argnum=argnum)(x, W)(v),
          (Jm.T @ (Jm @ v.ravel())).reshape(np.shape(p)))
    g, jg = (lambda z: tg.sum(tg.sin(z)) ** 2), (lambda z: jnp.sum(jnp.sin(z)) ** 2)
    Hg = jax.hessian(jg)(fx)
    close(A.make_ggnvp(T_V, g, argnum)(x, W)(v), (Jm.T @ Hg @ Jm @ v.ravel()).reshape(np.shape(p)))


def test_checkpoint_keeps_values_and_gradients():
    x, _, _ = data()
    f = A.checkpoint(T_E)
    close(f(x), J_E(x))
    close(A.grad(lambda x: tg.sum(f(x) ** 2))(x),
          jax.grad(lambda x: jnp.sum(jax.checkpoint(J_E)(x) ** 2))(x))


# --------------------------------------------------------------------------
# composition: nesting, tg.grad/jacrev over them, tg.jit, tg.vmap
# --------------------------------------------------------------------------

def test_compositions_match_jax():
    x, y, W = data()
    # grad of elementwise_grad, and tg.grad / tg.jacrev / tg.jvp over autograd's operators
    close(A.grad(lambda x: tg.sum(A.elementwise_grad(T_E)(x) ** 2))(x),
          jax.grad(lambda x: jnp.sum(jax.vmap(jax.grad(J_E))(x) ** 2))(x))
    close(tg.grad(lambda x: tg.sum(A.elementwise_grad(T_E)(x)))(x),
          jax.grad(lambda x: jnp.sum(jax.vmap(jax.grad(J_E))(x)))(x))
    close(tg.jacrev(A.grad(T_S))(x, y), jax.hessian(J_S)(x, y))
    close(tg.jvp(A.grad(T_S, 1), (x, y), (y, x))[1], jax.jvp(jax.grad(J_S, 1), (x, y), (y, x))[1])
    close(A.jacobian(A.grad(T_S))(x, y), jax.hessian(J_S)(x, y))
    close(A.grad(A.grad(A.grad(lambda t: tg.sin(t) * t)))(0.3),
          jax.grad(jax.grad(jax.grad(lambda t: jnp.sin(t) * t)))(0.3))
    # tg.jit of make_vjp's pullback, of grad, of a Hessian-vector product
    ct = RNG.normal(size=3)
    vjp_jit = tg.jit(lambda x, W, ct: A.make_vjp(T_V)(x, W)[0](ct))
    close(vjp_jit(x, W, ct), jax.vjp(lambda a: J_V(a, W), x)[1](jnp.asarray(ct))[0])
    close(tg.jit(A.grad(T_S, (0, 1)))(x, y), jax.grad(J_S, (0, 1))(x, y))
    close(tg.jit(A.hessian_tensor_product(T_S))(x, y, y),
          jax.jvp(jax.grad(lambda a: J_S(a, y)), (x,), (y,))[1])
    close(tg.jit(lambda x, W, v: A.make_ggnvp(T_V)(x, W)(v))(x, W, y),
          jax.jacfwd(J_V)(x, W).T @ (jax.jacfwd(J_V)(x, W) @ y))
    # tg.vmap over the operators
    X = RNG.normal(size=(5, 4))
    close(tg.vmap(A.grad(T_S), in_axes=(0, None))(X, y),
          jax.vmap(jax.grad(J_S), in_axes=(0, None))(X, y))
    close(tg.vmap(A.elementwise_grad(T_E))(X), jax.vmap(jax.vmap(jax.grad(J_E)))(X))
    close(tg.vmap(A.hessian_tensor_product(T_S), in_axes=(0, None, 0))(X, y, X),
          jax.vmap(lambda a, v: jax.jvp(jax.grad(J_S), (a, y), (v, jnp.zeros(4)))[1])(X, X))


# --------------------------------------------------------------------------
# names and errors
# --------------------------------------------------------------------------

def test_top_level_aliases_and_unchanged_jax_names():
    for name in ["elementwise_grad", "make_vjp", "make_jvp", "make_hvp", "hessian_tensor_product",
                 "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product",
                 "grad_and_aux", "make_ggnvp", "grad_named", "multigrad_dict", "deriv"]:
        assert getattr(tg, name) is getattr(autograd_api, name), name
    assert tg.autograd is autograd_api
    assert tg.grad is tensorgrad.transforms.grad and tg.hessian is tensorgrad.transforms.hessian
    assert tg.value_and_grad is tensorgrad.transforms.value_and_grad
    assert tg.jacobian is not A.jacobian and tg.checkpoint is not A.checkpoint
    assert set(autograd_api.__all__) == {
        "grad", "value_and_grad", "elementwise_grad", "deriv", "jacobian", "hessian", "holomorphic_grad",
        "grad_named", "grad_and_aux", "multigrad_dict", "make_vjp", "make_jvp", "make_jvp_reversemode",
        "make_hvp", "hessian_tensor_product", "hessian_vector_product", "tensor_jacobian_product",
        "vector_jacobian_product", "make_ggnvp", "checkpoint", "backward", "functional", "function", "Function",
        "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck", "GradcheckError",
        "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
        "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "forward_ad",
        "extend", "misc", "test_util", "builtins", "differential_operators", "Variable"}


def test_errors_are_clear():
    x, y, W = data()
    # holomorphic_grad: f′(z), the gradient of the real part (autograd's definition)
    assert A.holomorphic_grad(lambda z: z * z)(1.0 + 2.0j) == 2.0 + 4.0j
    # a complex output is refused, as autograd refuses it (it was the real part's gradient)
    for wrap in (A.grad, A.value_and_grad, A.elementwise_grad):
        with pytest.raises(TypeError, match="only applies to real-output functions"):
            wrap(lambda z: tg.conj(z) * 2.0)(np.array(1.0 + 2.0j))
    with pytest.raises(TypeError, match="grad_and_aux only applies to real-output"):
        A.grad_and_aux(lambda z: (z * z, 0))(1.0 + 2.0j)
    assert A.grad(lambda z: tg.abs(z) ** 2)(1.0 + 2.0j) == 2.0 - 4.0j  # a real output: JAX's convention
    with pytest.raises(TypeError, match="grad only applies to real scalar-output functions"):
        A.grad(T_E)(x)
    with pytest.raises(TypeError, match="value_and_grad only applies"):
        A.value_and_grad(T_V)(x, W)
    with pytest.raises(TypeError, match="grad: argnums=2 is out of range"):
        A.grad(T_S, 2)(x, y)
    with pytest.raises(TypeError, match="argnum must be an int or a tuple of ints"):
        A.grad(T_S, "x")
    with pytest.raises(TypeError, match="expected a function"):
        A.elementwise_grad(3.0)
    with pytest.raises(ValueError, match="grad_named: 'z' is not a named positional argument"):
        A.grad_named(T_S, "z")
    with pytest.raises(ValueError, match="hessian_tensor_product: the tensor has shape"):
        A.hessian_tensor_product(T_S)(x, y, np.ones(3))
    with pytest.raises(ValueError, match="tensor_jacobian_product: a tensor of shape"):
        A.tensor_jacobian_product(T_V)(x, W, np.ones(4))
    with pytest.raises(TypeError, match="grad_and_aux: the function must return a pair"):
        A.grad_and_aux(T_E)(x)
    with pytest.raises(TypeError, match="multigrad_dict: missing a required argument"):
        A.multigrad_dict(T_S)(x)
    with pytest.raises(ValueError, match="make_ggnvp: the vector has shape"):
        A.make_ggnvp(T_V)(x, W)(np.ones(3))
    with pytest.raises(TypeError, match="grad: can only differentiate with respect to floating"):
        A.grad(lambda n: n * 2.0)(3)  # (not JAX's float0 zeros: autograd refuses integers)
    with pytest.raises(TypeError, match="jacobian: can only differentiate"):
        A.jacobian(T_E)(np.arange(3))
    close(A.grad(lambda x, n: tg.sum(x) * n)(x, 3), jax.grad(lambda x, n: jnp.sum(x) * n)(x, 3))


def test_autograd_extend_misc_and_test_util():
    from tensorgrad.autograd.extend import defjvp, defvjp, defvjp_argnum, primitive
    from tensorgrad.autograd.misc import flatten
    from tensorgrad.autograd.test_util import check_grads

    @primitive
    def logsumexp(x):  # autograd's tutorial primitive: its own code is not differentiated
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))
    defvjp(logsumexp, lambda ans, x: lambda g: g * tg.exp(x - ans))
    x = np.array([0.5, -1.0, 2.0])
    close(A.grad(lambda v: 2 * logsumexp(v))(x), 2 * jax.nn.softmax(x))
    close(A.hessian(logsumexp)(x), jax.hessian(jax.nn.logsumexp)(x))  # the rule is differentiated
    t = tg.tensor(x, requires_grad=True)
    logsumexp(t).backward()
    close(t.grad, jax.nn.softmax(x))
    close(tg.jit(tg.grad(logsumexp))(x), jax.nn.softmax(x))

    @primitive
    def mul3(a, b, c):
        return a * b * c
    defvjp(mul3, lambda ans, a, b, c: lambda g: g * b * c, None, lambda ans, a, b, c: lambda g: g * a * b)
    assert A.grad(lambda c: mul3(1.0, 2.0, c))(1.5) == 2.0
    assert A.grad(lambda b: mul3(1.0, b, 3.0))(1.5) == 0.0  # None: autograd's zero rule

    @primitive
    def cube(v):
        return v ** 3
    defjvp(cube, lambda g, ans, v: 3 * v ** 2 * g)
    assert A.deriv(cube)(2.0) == 12.0

    @primitive
    def both(a, b):
        return a * b
    defvjp_argnum(both, lambda k, ans, args, kwargs: lambda g: g * args[1 - k])
    assert A.grad(lambda a: both(a, 5.0))(2.0) == 5.0 and A.grad(lambda b: both(3.0, b))(2.0) == 3.0

    flat, unflatten = flatten({"a": np.ones(2), "b": [np.zeros(3), np.float64(2.0)]})
    assert flat.tolist() == [1, 1, 0, 0, 0, 2]
    assert unflatten(flat)["b"][1] == 2.0
    check_grads(lambda v: tg.sin(v) * v, modes=["fwd", "rev"], order=2)(x)
    with pytest.raises(Exception, match="mismatch|differ|disagree"):
        bad = primitive(lambda v: v * v)
        defvjp(bad, lambda ans, v: lambda g: g * v)  # wrong by a factor 2
        check_grads(bad, modes=["rev"], order=1)(x)


def test_a_primitive_is_differentiated_by_its_rules_at_every_order():
    # autograd's primitive: a rule that is not fun's own derivative (a straight-through
    # estimator) defines the derivative at the second order too, and fun only ever sees values
    ext = tg.autograd.extend
    x = np.array([0.3, -1.2, 2.0])

    @ext.primitive
    def ste(a):
        assert not isinstance(a, tg.Tensor)                   # plain values only
        return a * 3.0
    ext.defvjp(ste, lambda ans, a: lambda g: g)
    loss = lambda a: tg.sum(ste(a) ** 2)  # noqa: E731  (gradient 2·ste(a)·1, then 2)
    np.testing.assert_allclose(tg.autograd.grad(loss)(x), 6 * x)
    np.testing.assert_allclose(tg.autograd.hessian(loss)(x), 2 * np.eye(3))
    np.testing.assert_allclose(tg.autograd.hessian_vector_product(loss)(x, np.ones(3)), [2, 2, 2])
    np.testing.assert_allclose(tg.autograd.make_hvp(loss)(x)[0](np.ones(3)), [2, 2, 2])

    @ext.primitive
    def sin(a):
        return np.sin(a)                                      # NumPy's: never traced
    ext.defvjp(sin, lambda ans, a: lambda g: g * tg.cos(a))
    ext.defjvp(sin, lambda g, ans, a: g * tg.cos(a))          # both: forward mode works too
    np.testing.assert_allclose(tg.autograd.deriv(sin)(x), np.cos(x), rtol=1e-15)
    np.testing.assert_allclose(tg.autograd.elementwise_grad(tg.autograd.elementwise_grad(sin))(x),
                               -np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(tg.autograd.hessian(lambda a: tg.sum(sin(a)))(x), np.diag(-np.sin(x)),
                               rtol=1e-15)

    @ext.primitive
    def only_vjp(a):
        return np.sin(a)
    ext.defvjp(only_vjp, lambda ans, a: lambda g: g * tg.cos(a))
    ggn = tg.autograd.make_ggnvp(only_vjp)(x)(np.ones(3))     # reverse mode only, as autograd's
    np.testing.assert_allclose(ggn, np.cos(x) ** 2, rtol=1e-15)


def test_autograds_optimizers_flatten_module_scalars_and_key_order():
    from tensorgrad.autograd.misc.flatten import flatten
    from tensorgrad.autograd.misc.optimizers import adam, rmsprop, sgd
    p0 = {"w": np.array([1.0, -2.0]), "b": np.array(0.5)}
    grad = tg.autograd.grad(lambda p, i: tg.sum((p["w"] - 3.0) ** 2) + (p["b"] + 1.0) ** 2)
    seen = []
    out = sgd(grad, p0, callback=lambda x, i, g: seen.append((i, sorted(x))), num_iters=3)
    assert seen == [(0, ["b", "w"]), (1, ["b", "w"]), (2, ["b", "w"])] and list(out) == ["w", "b"]
    # autograd's rules written out: momentum, RMS from 1, bias-corrected Adam
    w, vel = p0["w"].copy(), np.zeros(2)
    for _ in range(3):
        vel = 0.9 * vel - 0.1 * 2 * (w - 3.0)
        w = w + 0.1 * vel
    np.testing.assert_allclose(out["w"], w, rtol=1e-14)
    w, sq = p0["w"].copy(), np.ones(2)
    for _ in range(2):
        g = 2 * (w - 3.0)
        sq = 0.9 * sq + 0.1 * g ** 2
        w = w - 0.1 * g / (np.sqrt(sq) + 1e-8)
    np.testing.assert_allclose(rmsprop(grad, p0, num_iters=2)["w"], w, rtol=1e-14)
    w, m, v = p0["w"].copy(), np.zeros(2), np.zeros(2)
    for i in range(2):
        g = 2 * (w - 3.0)
        m, v = 0.1 * g + 0.9 * m, 0.001 * g ** 2 + 0.999 * v
        w = w - 0.01 * (m / (1 - 0.9 ** (i + 1))) / (np.sqrt(v / (1 - 0.999 ** (i + 1))) + 1e-8)
    np.testing.assert_allclose(adam(grad, p0, num_iters=2, step_size=0.01)["w"], w, rtol=1e-14)
    vec, unflatten = flatten({"z": np.ones(2), "a": 2.0})
    assert list(unflatten(vec)) == ["z", "a"]                       # the dict's own key order
    d = {"z": np.ones(2), "a": 2 * np.ones(2)}
    assert list(tg.autograd.make_hvp(lambda P: tg.sum(P["z"] * P["a"] ** 2))(d)[0](d)) == ["z", "a"]
    assert type(tg.autograd.grad(lambda a: a ** 2)(0.5)) is np.float64     # a scalar, as autograd
    cube = lambda a: a ** 3  # noqa: E731  (autograd's types: its jacobian/hessian stay 0-d arrays)
    assert type(tg.autograd.hessian(cube)(0.5)) is np.ndarray
    assert type(tg.autograd.hessian_tensor_product(cube)(0.5, 1.0)) is np.float64
    assert type(tg.autograd.make_hvp(cube)(0.5)[0](1.0)) is np.float64
    assert type(tg.autograd.make_vjp(cube)(0.5)[0](1.0)) is np.float64
    assert tg.autograd.make_ggnvp(lambda a: a * 2)(0.5)(1.0) == 4.0
    assert type(tg.autograd.value_and_grad(lambda a: tg.sum(a ** 2))(np.ones(2))[0]) is np.float64


def test_autograd_extend_linear_argnum_and_notrace():
    ext = tg.autograd.extend
    x, A = np.array([0.3, -1.2, 2.0]), np.arange(9.0).reshape(3, 3)

    @ext.primitive
    def mv(M, v):
        return M @ v
    ext.def_linear(mv)                                   # its JVP is mv itself, its VJP derived
    np.testing.assert_allclose(tg.jvp(lambda v: mv(A, v), (x,), (np.ones(3),))[1], A @ np.ones(3))
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(mv(A, v)))(x), A.T @ np.ones(3))

    @ext.notrace_primitive
    def largest(v):
        assert not isinstance(v, tg.Tensor)
        return np.argmax(v)
    np.testing.assert_array_equal(tg.grad(lambda v: v[largest(v)] * 2)(x), [0, 0, 2])

    @ext.primitive
    def f(a, b):
        return np.sin(a) * b
    ext.defjvp_argnum(f, lambda k, g, ans, args, kw: g * tg.cos(args[0]) * args[1] if k == 0
                      else g * tg.sin(args[0]))
    np.testing.assert_allclose(tg.jvp(lambda a: f(a, 2.0), (x,), (np.ones(3),))[1], 2 * np.cos(x))
    np.testing.assert_allclose(tg.jvp(lambda b: f(x, b), (2.0,), (1.0,))[1], np.sin(x))


def test_autograd_test_util_builtins_and_differential_operators_modules():
    # autograd's own test-suite is built on combo_check(fun, argnum, modes=..)(*choices, **kw)
    from tensorgrad.autograd.builtins import isinstance as ag_isinstance
    from tensorgrad.autograd.differential_operators import grad as do_grad
    from tensorgrad.autograd.test_util import (check_equivalent, check_grads, check_jvp,
                                               check_vjp, combo_check)
    assert do_grad is A.grad
    rng = np.random.default_rng(2)
    seen = []

    def summed(x, axis=None, keepdims=False):
        seen.append((axis, keepdims))
        return tg.sum(tg.sin(x), axis=axis, keepdims=keepdims)
    combo_check(summed, [0], modes=["rev"], order=1)([rng.normal(size=(2, 3))], axis=[None, 0, 1],
                                                    keepdims=[True, False])
    assert {s for s in seen} == {(a, k) for a in (None, 0, 1) for k in (True, False)}
    combo_check(lambda x, n: tg.sum(x ** n), [0])([rng.normal(size=3)], [2, 3])  # n: an int, held
    check_grads(lambda x, y: x * tg.exp(y), (0, 1))(rng.normal(size=3), rng.normal(size=3))
    check_grads(lambda x, y: x * tg.exp(y), 1, modes=["fwd"])(2, rng.normal(size=3))
    check_vjp(tg.tanh, rng.normal(size=3))
    check_jvp(tg.tanh, rng.normal(size=3))
    check_equivalent({"a": np.ones(2)}, {"a": np.ones(2) + 1e-9})
    with pytest.raises(AssertionError, match="value mismatch"):
        check_equivalent(np.ones(2), np.zeros(2))
    bad = tg.autograd.extend.primitive(lambda v: v * v)
    tg.autograd.extend.defvjp(bad, lambda ans, v: lambda g: g * v)  # wrong by a factor 2
    with pytest.raises(Exception, match="mismatch|differ|disagree"):
        combo_check(bad, [0], modes=["rev"], order=1)([rng.normal(size=2)])
    # autograd.builtins.isinstance judges a traced value by its value, as autograd's boxes
    assert A.grad(lambda x: 3.0 * x if ag_isinstance(x, float) else 0.0 * x)(1.5) == 3.0
    np.testing.assert_array_equal(
        A.grad(lambda x: tg.sum(x) if ag_isinstance(x, np.ndarray) else 0.0 * tg.sum(x))(np.ones(2)),
        [1.0, 1.0])


def test_extend_none_rules_are_zero_and_the_argnums_forms_and_vspace():
    # autograd's defvjp(f, None, ...) and defjvp(f, None, ...): a zero cotangent or tangent for
    # that argument; "same": the function itself (linear in that argument)
    ext = tg.autograd.extend
    f = ext.primitive(lambda x, y: x * y)
    ext.defvjp(f, None, lambda ans, x, y: lambda g: g * x)
    ext.defjvp(f, None, "same")
    gx, gy = tg.autograd.grad(lambda x, y: f(x, y), (0, 1))(2.0, 3.0)
    assert float(gx) == 0.0 and float(gy) == 2.0
    _, t = tg.jvp(lambda y: f(2.0, y), (3.0,), (1.0,))
    assert float(t) == 2.0
    _, t = tg.jvp(lambda x: f(x, 3.0), (2.0,), (1.0,))
    assert float(t) == 0.0
    h = ext.primitive(lambda x, y: x * y)
    ext.defvjp_argnums(h, lambda argnums, ans, args, kwargs: lambda g: tuple(g * args[1 - i] for i in argnums))
    ext.defjvp_argnums(h, lambda argnums, gs, ans, args, kwargs: sum(g * args[1 - i] for i, g in zip(argnums, gs)))
    gx, gy = tg.autograd.grad(lambda x, y: h(x, y) * y, (0, 1))(2.0, 3.0)
    assert (float(gx), float(gy)) == (9.0, 12.0)
    _, t = tg.jvp(lambda x, y: h(x, y), (2.0, 3.0), (1.0, 1.0))
    assert float(t) == 5.0
    z = ext.vspace({"a": np.ones((2, 3), np.float32), "b": [1.0]}).zeros()
    assert z["a"].shape == (2, 3) and z["a"].dtype == np.float32 and z["b"][0] == 0.0
    assert ext.vspace(np.arange(3)).ones().dtype == np.float64  # (a float space for integers)
    g = ext.primitive(lambda x, y: x + y)
    ext.defvjp(g, lambda ans, x, y: lambda c: c)  # no maker for argument 1: it raises
    with pytest.raises(NotImplementedError, match="argnum 1"):
        tg.autograd.grad(lambda x, y: g(x, y), 1)(1.0, 2.0)


def test_integer_and_bool_outputs_have_no_gradient_and_sequence_cotangents_take_the_outputs_type():
    # autograd raises for an output with no vector space; zeros would hide it (test_logic's nograd)
    for f in (lambda x: tg.argmax(x), lambda x: tg.sum(x) > 0, lambda x: tg.allclose(x, x)):
        for op in (autograd_api.grad, autograd_api.elementwise_grad, autograd_api.value_and_grad):
            with pytest.raises(TypeError, match="floating-point output"):
                op(f)(np.ones(2))
    # a tuple cotangent for a named-tuple output (autograd's sequences)
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    pull, _ = autograd_api.make_vjp(tg.linalg.slogdet)(S)
    np.testing.assert_allclose(pull((0.0, 1.0)), np.linalg.inv(S), rtol=1e-12)
    pull, _ = autograd_api.make_vjp(tg.linalg.eigh)(S)
    np.testing.assert_allclose(pull([np.ones(2), np.zeros((2, 2))]), np.eye(2), atol=1e-12)
    # autograd's `isinstance(x, np.ndarray)` with tensorgrad as np: traced values are arrays too
    assert isinstance(np.zeros(1), tg.ndarray) and not isinstance([], tg.ndarray)
    np.testing.assert_allclose(
        autograd_api.grad(lambda x: tg.sum(x) * float(isinstance(x, tg.ndarray)))(np.ones(2)), np.ones(2))
