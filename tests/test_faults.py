"""The fault catalogue (../shared/FAULTS.md, cases 1-34), one or more tests per case.

Each test is named ``test_cNN_...`` after its case number. NumPy floating-point
warnings are errors in this run (pyproject), so "no overflow warning" is
checked simply by the test passing. Cases 35-37 (checkpoints, command line)
are tested with the checkpoint and CLI code.
"""
import gc
import sys
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import jax_references, op_cases

RNG = np.random.default_rng(0)


def first_cases():
    """The first differentiable example of every registered op."""
    out = []
    for op in tg.REGISTRY.values():
        if op.kind == "none":
            continue
        cs = [c for c in op_cases(op, seed=0) if c.diff]
        if cs:
            out.append(cs[0])
    return out


FIRST = first_cases()


# ---------------------------------------------------------------- numerics (1-12)

def test_c01_relu_and_abs_subgradient_is_zero_at_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.nn.relu(x)))(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.abs(x)))(x), [-1.0, 0.0, 1.0])
    # forward mode agrees, and second order is finite
    np.testing.assert_array_equal(tg.jvp(tg.abs, (x,), (np.ones(3),))[1], [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.jacfwd(tg.nn.relu)(x), np.diag([0.0, 0.0, 1.0]))
    assert np.all(np.isfinite(tg.hessian(lambda x: tg.sum(tg.abs(x) * x))(x)))


def test_c02_ties_split_the_gradient_evenly():
    x = np.array([1.0, 3.0, 3.0, 3.0])
    g = tg.grad(tg.max)(x)
    np.testing.assert_allclose(g, [0, 1 / 3, 1 / 3, 1 / 3])
    assert g.sum() == pytest.approx(1.0)
    g = tg.grad(lambda x: tg.sum(tg.min(x, axis=1) * np.array([2.0, 5.0])))(
        np.array([[0.0, 0.0, 1.0], [4.0, 4.0, 4.0]]))
    np.testing.assert_allclose(g, [[1.0, 1.0, 0.0], [5 / 3, 5 / 3, 5 / 3]])
    np.testing.assert_allclose(g.sum(axis=1), [2.0, 5.0])  # shares sum to the incoming gradient
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    for fn in (tg.maximum, tg.minimum):
        ga, gb = tg.grad(lambda a, b: tg.sum(fn(a, b)), argnums=(0, 1))(a, b)
        np.testing.assert_allclose(ga + gb, np.ones(3))
        assert ga[0] == gb[0] == 0.5 and ga[2] == gb[2] == 0.5
    # forward mode uses the same shares
    np.testing.assert_allclose(tg.jvp(tg.max, (x,), (np.ones(4),))[1], 1.0)


def test_c03_norm_at_zero_has_zero_gradient():
    for shape in [(3,), (2, 3)]:
        z = np.zeros(shape)
        np.testing.assert_array_equal(tg.grad(tg.norm)(z), z)
        np.testing.assert_array_equal(tg.jacfwd(tg.norm)(z), z)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.norm(x, axis=-1)))(
        np.array([[0.0, 0.0], [3.0, 4.0]])), [[0.0, 0.0], [0.6, 0.8]])
    # std of equal entries: the same convention
    np.testing.assert_array_equal(tg.grad(tg.std)(np.full(4, 2.0)), np.zeros(4))


def test_c03_sqrt_at_zero_inf_slope_but_zero_cotangent_gives_zero():
    x = np.array([0.0, 4.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.sqrt(x)))(x), [np.inf, 0.25])
    # a zero cotangent (or tangent) through the infinite slope gives 0, not NaN
    np.testing.assert_array_equal(tg.vjp(tg.sqrt, x)[1](np.zeros(2))[0], [0.0, 0.0])
    np.testing.assert_array_equal(tg.jvp(tg.sqrt, (x,), (np.zeros(2),))[1], [0.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.sqrt(x) * np.array([0.0, 1.0])))(x),
                                  [0.0, 0.25])
    np.testing.assert_array_equal(tg.jacrev(lambda x: tg.sqrt(x)[1])(x), [0.0, 0.25])
    np.testing.assert_array_equal(tg.jacfwd(lambda x: tg.sqrt(x)[1])(x), [0.0, 0.25])
    # a negative cotangent keeps its sign; x ** 0.5 follows the same rule
    np.testing.assert_array_equal(tg.vjp(tg.sqrt, x)[1](np.array([-2.0, 0.0]))[0], [-np.inf, 0.0])
    np.testing.assert_array_equal(tg.vjp(lambda x: x ** 0.5, x)[1](np.zeros(2))[0], [0.0, 0.0])
    # the kind stays diagonal
    assert tg.get_op("sqrt").kind == "diagonal"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_c04_integer_power_at_zero_is_finite(n):
    x = np.array([0.0, -1.5, 2.0])
    g = tg.grad(lambda x: tg.sum(x ** n))(x)
    np.testing.assert_allclose(g, n * x ** (n - 1))
    np.testing.assert_allclose(tg.hessian(lambda x: tg.sum(x ** n))(x),
                               jax.jit(jax.hessian(lambda x: jnp.sum(x ** n)))(x), atol=1e-12)


def test_c04_zero_to_the_zero():
    x = np.array([0.0, 3.0])
    np.testing.assert_array_equal(tg.power(x, 0), [1.0, 1.0])  # 0⁰ = 1 (NumPy)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x ** 0))(x), [0.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x ** 0.0))(x), [0.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda y: tg.sum(tg.power(x, y)))(np.zeros(2)),
                                  [0.0, np.log(3.0)])


def test_c05_logsumexp_of_all_minus_inf_row():
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.0, np.log(3.0), -np.inf]])
    v, f_vjp = tg.vjp(lambda x: tg.nn.logsumexp(x, axis=1), x)
    assert v[0] == -np.inf and v[1] == pytest.approx(np.log(4.0))
    np.testing.assert_allclose(f_vjp(np.array([1.0, 1.0]))[0], [[0, 0, 0], [0.25, 0.75, 0]])
    v, g = tg.value_and_grad(lambda x: tg.nn.logsumexp(x))(x[0])
    assert v == -np.inf
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])
    out = tg.nn.logsumexp(x, axis=1)
    assert out[0] == -np.inf
    for J in (tg.jacrev(tg.nn.logsumexp)(x[0]), tg.jacfwd(tg.nn.logsumexp)(x[0])):
        np.testing.assert_array_equal(J, np.zeros(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c06_softmax_family_with_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    p = tg.nn.softmax(z)
    assert p.dtype == dtype
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3] * 3, [0.5, 0.5, 0]], rtol=1e-6)
    ls = tg.nn.log_softmax(z)
    assert np.all(np.isfinite(ls)) and ls.dtype == dtype
    np.testing.assert_allclose(ls[1], -np.log(3.0), rtol=1e-6)
    lse = tg.nn.logsumexp(z, axis=1)
    np.testing.assert_allclose(lse, [1e4, -1e4 + np.log(3), 1e4 + np.log(2)], rtol=1e-6)
    w = np.arange(9.0).reshape(3, 3).astype(dtype)
    ref = jnp.asarray(z.astype(np.float64))
    for ours, theirs in [(tg.nn.softmax, jax.nn.softmax), (tg.nn.log_softmax, jax.nn.log_softmax),
                         (lambda a: tg.nn.logsumexp(a, axis=1, keepdims=True),
                          lambda a: jax.scipy.special.logsumexp(a, axis=1, keepdims=True))]:
        g = tg.grad(lambda a: tg.sum(ours(a) * w))(z)
        assert g.dtype == dtype and np.all(np.isfinite(g))
        want = jax.jit(jax.grad(lambda a: jnp.sum(theirs(a) * w.astype(np.float64))))(ref)
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-5)


def test_c06_softmax_family_on_empty_input():
    for fn in (tg.nn.softmax, tg.nn.log_softmax, lambda a: tg.nn.logsumexp(a, axis=-1)):
        x = np.zeros((0, 4))
        assert fn(x).size == 0
        g = tg.grad(lambda a: tg.sum(fn(a)))(x)
        assert g.shape == (0, 4)


def test_c06_fully_masked_softmax_row_is_zero():
    # an all −inf row: no probability anywhere (documented), gradient 0, no NaN
    z = np.array([[-np.inf, -np.inf], [0.0, 0.0]])
    np.testing.assert_array_equal(tg.nn.softmax(z), [[0, 0], [0.5, 0.5]])
    np.testing.assert_array_equal(tg.nn.log_softmax(z)[0], [-np.inf, -np.inf])
    g = tg.grad(lambda a: tg.sum(tg.nn.softmax(a) * np.array([1.0, 2.0])))(z)
    np.testing.assert_array_equal(g[0], [0.0, 0.0])


def test_c07_cross_entropy_with_masked_logits():
    z = np.array([[1.0, -np.inf, 0.5], [-np.inf, 0.0, 2.0]])
    y = np.array([0, 2])
    loss, g = tg.value_and_grad(lambda z: tg.nn.softmax_cross_entropy(z, y))(z)
    assert np.isfinite(loss)
    assert g[0, 1] == 0.0 and g[1, 0] == 0.0
    p = np.asarray(tg.nn.softmax(z))
    np.testing.assert_allclose(g, (p - np.eye(3)[y]) / 2, rtol=1e-14)
    ref = jnp.mean(-jax.nn.log_softmax(jnp.asarray(z))[jnp.arange(2), y])
    assert float(loss) == pytest.approx(float(ref), rel=1e-14)
    # the target class itself at −inf: the loss is +inf (documented)
    loss, g = tg.value_and_grad(lambda z: tg.nn.softmax_cross_entropy(z, np.array([1])))(
        np.array([[1.0, -np.inf, 0.5]]))
    assert loss == np.inf
    np.testing.assert_allclose(g[0, 1], -1.0)


@pytest.mark.parametrize("labels,exc,words", [
    (np.array([0, 3]), IndexError, ["3", "3 classes"]),
    (np.array([0, -1]), IndexError, ["-1", "3 classes"]),
    (np.array([0.0, 1.5]), ValueError, ["integer", "3 classes", "1.5"]),
    (np.array([True, False]), TypeError, ["boolean"]),
])
def test_c08_bad_labels(labels, exc, words):
    with pytest.raises(exc) as info:
        tg.nn.softmax_cross_entropy(np.zeros((2, 3)), labels)
    for w in words:
        assert w in str(info.value)
    assert "softmax_cross_entropy" in str(info.value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c09_sigmoid_family_at_plus_minus_1000(dtype):
    x = np.array([-1000.0, 1000.0], dtype=dtype)
    cases = [(tg.nn.sigmoid, [0.0, 1.0], [0.0, 0.0]),
             (tg.nn.softplus, [0.0, 1000.0], [0.0, 1.0]),
             (tg.nn.log_sigmoid, [-1000.0, 0.0], [1.0, 0.0])]
    for fn, value, slope in cases:
        out = fn(x)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, value)
        g = tg.grad(lambda a: tg.sum(fn(a)))(x)
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, slope)
        np.testing.assert_array_equal(tg.jvp(fn, (x,), (np.ones(2, dtype),))[1], slope)


def test_c10_where_ignores_nan_and_inf_in_the_branch_not_taken():
    c = np.array([True, False, True])
    x = np.array([1.0, 2.0, 3.0])
    bad = np.array([np.nan, 5.0, np.inf])  # non-finite only where not taken
    gx, gb = tg.grad(lambda x, b: tg.sum(tg.where(c, x, b) * 2.0), argnums=(0, 1))(x, bad)
    np.testing.assert_array_equal(gx, [2.0, 0.0, 2.0])
    np.testing.assert_array_equal(gb, [0.0, 2.0, 0.0])
    # a non-finite tangent or cotangent of the other branch does not leak (select, not 0·inf)
    f = lambda x: tg.where(c, x, x * np.inf)  # noqa: E731
    np.testing.assert_array_equal(tg.jvp(f, (x,), (np.ones(3),))[1][[0, 2]], [1.0, 1.0])
    np.testing.assert_array_equal(tg.vjp(lambda x: tg.where(c, x, 0.0), x)[1](
        np.array([1.0, np.inf, 1.0]))[0], [1.0, 0.0, 1.0])


def test_c10_double_where_pattern():
    x = np.array([-1.0, 0.0, 4.0])

    def safe_sqrt(x):
        ok = x > 0
        return tg.where(ok, tg.sqrt(tg.where(ok, x, 1.0)), 0.0)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(safe_sqrt(x)))(x), [0.0, 0.0, 0.25])

    def safe_log(x):
        ok = x > 0
        return tg.where(ok, tg.log(tg.where(ok, x, 1.0)), 0.0)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(safe_log(x)))(x), [0.0, 0.0, 0.25])


def test_c11_nan_and_inf_inputs_propagate():
    x = np.array([np.nan, np.inf, -np.inf, 1.0])
    w = np.array([1.0, 1.0, 1.0, 2.0])
    out, g = tg.value_and_grad(lambda x: tg.sum(tg.tanh(x) * w))(x)
    assert np.isnan(out)
    assert np.isnan(g[0])
    np.testing.assert_array_equal(g[1:], [0.0, 0.0, 2 * (1 - np.tanh(1.0) ** 2)])
    g = tg.grad(lambda x: tg.sum(tg.exp(x) * w))(x)
    assert np.isnan(g[0]) and g[1] == np.inf and g[2] == 0.0 and g[3] == pytest.approx(2 * np.e)
    J = tg.jacfwd(lambda x: x * 3.0)(x)  # the slope of 3x does not look at x
    np.testing.assert_array_equal(J, 3.0 * np.eye(4))
    g = tg.grad(lambda x: tg.sum(x * x))(x)
    assert np.isnan(g[0]) and g[1] == np.inf and g[2] == -np.inf and g[3] == 2.0
    # a reduction with a NaN entry still gives the other entries their gradient
    g = tg.grad(lambda x: tg.sum(x * x))(np.array([np.nan, 2.0]))
    assert np.isnan(g[0]) and g[1] == 4.0
    # softmax/logsumexp rows holding +inf or NaN give NaN, quietly
    lse, g = tg.value_and_grad(lambda x: tg.nn.logsumexp(x))(np.array([np.inf, 1.0]))
    assert lse == np.inf and np.all(np.isnan(g))
    assert np.all(np.isnan(tg.nn.softmax(np.array([np.nan, 1.0]))))


def _loss_with_sqrt(x):
    y = tg.sqrt(x)  # the line debug_nans must point at
    return tg.sum(y * 2.0)


def test_c12_debug_nans_backward_names_op_and_creating_line():
    x = np.array([0.0, 1.0])
    assert not tg.is_debugging_nans()
    np.testing.assert_array_equal(tg.grad(_loss_with_sqrt)(x), [np.inf, 1.0])  # off: no error
    with tg.debug_nans():
        assert tg.is_debugging_nans()
        with pytest.raises(FloatingPointError) as info:
            tg.grad(_loss_with_sqrt)(x)
    assert not tg.is_debugging_nans()
    msg = str(info.value)
    assert "'sqrt'" in msg and "VJP" in msg and "+inf" in msg
    assert "test_faults.py" in msg and "y = tg.sqrt(x)" in msg and "_loss_with_sqrt" in msg


def test_c12_debug_nans_forward_and_global_switch():
    prev = tg.debug_nans(True)  # the global switch
    try:
        assert tg.is_debugging_nans()
        with pytest.raises(FloatingPointError) as info:
            with np.errstate(divide="ignore"):
                tg.grad(lambda x: tg.sum(tg.log(x)))(np.array([0.0, 1.0]))  # log(0)
        assert "'log'" in str(info.value) and "forward" in str(info.value)
        assert "tg.log(x)" in str(info.value)
        # forward mode: the JVP rule is checked
        with pytest.raises(FloatingPointError, match="JVP rule of op 'sqrt'"):
            tg.jvp(tg.sqrt, (np.array([0.0]),), (np.array([1.0]),))
        # imperative backward
        t = tg.tensor([0.0, 4.0], requires_grad=True)
        y = tg.sum(tg.sqrt(t))
        with pytest.raises(FloatingPointError, match="y = tg.sum"):
            y.backward()
        # finite results pass, and inner intermediate infs that get masked do not raise
        np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.sqrt(x) * 0.0))(np.zeros(2)), 0.0)
    finally:
        tg.debug_nans(False)
    assert not tg.is_debugging_nans()
    del prev


def test_c12_debug_nans_nested_blocks_restore_state():
    with tg.debug_nans():
        with tg.debug_nans(False):
            assert not tg.is_debugging_nans()
            tg.grad(_loss_with_sqrt)(np.array([0.0]))
        assert tg.is_debugging_nans()
    assert not tg.is_debugging_nans()


# ------------------------------------------------------------ consistency (13-15)

@pytest.mark.parametrize("case", FIRST, ids=[c.label for c in FIRST])
def test_c13_adjoint_identity_every_op(case):
    rng = np.random.default_rng(3)
    f = case.fn(case.op)
    xs = case.diff_args
    vs = [rng.normal(size=np.shape(x)) for x in xs]
    out, jv = tg.jvp(f, xs, vs)
    u = rng.normal(size=np.shape(out))
    jtu = tg.vjp(f, *xs)[1](u)
    np.testing.assert_allclose(np.vdot(u, jv), sum(np.vdot(a, b) for a, b in zip(jtu, vs)),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", FIRST, ids=[c.label for c in FIRST])
def test_c14_jacrev_equals_jacfwd_equals_jax(case):
    f = case.fn(case.op)
    xs = case.diff_args
    argnums = tuple(range(len(xs)))
    rev = tg.jacrev(f, argnums=argnums)(*xs)
    fwd = tg.jacfwd(f, argnums=argnums)(*xs)
    want = jax_references(case)["jacobian"]  # jax.jacfwd, shared with the registry table
    assert len(rev) == len(fwd) == len(want) == len(xs)
    for r, w, j in zip(rev, fwd, want):
        np.testing.assert_allclose(r, w, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r, j, rtol=1e-9, atol=1e-9)


def test_c15_second_order():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    f = lambda x: tg.sum(tg.tanh(A @ x) ** 2) + tg.nn.logsumexp(x) * tg.sum(x ** 3)  # noqa: E731
    jf = lambda x: jnp.sum(jnp.tanh(A @ x) ** 2) + jax.scipy.special.logsumexp(x) * jnp.sum(x ** 3)  # noqa: E731
    x = rng.normal(size=3)
    H = tg.hessian(f)(x)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)
    jH, jgg = jax.jit(lambda x: (jax.hessian(jf)(x), jax.grad(lambda x: jnp.sum(jax.grad(jf)(x) ** 2))(x)))(x)
    np.testing.assert_allclose(H, jH, rtol=1e-10)
    gg = tg.grad(lambda x: tg.sum(tg.grad(f)(x) ** 2))(x)
    np.testing.assert_allclose(gg, jgg, rtol=1e-10)
    d = lambda x: 1.0 / x  # noqa: E731
    for _ in range(6):
        d = tg.grad(d)
    assert d(4.0) == pytest.approx(720 / 4 ** 7, rel=1e-12)


# ------------------------------------------------------------------ shapes (16-22)

def test_c16_broadcast_vjp_gives_each_operand_its_own_shape():
    shapes = [(), (1,), (3, 1), (1, 4), (2, 1, 4)]
    big = RNG.normal(size=(2, 3, 4))
    ops = [(tg.multiply, jnp.multiply), (tg.add, jnp.add), (tg.maximum, jnp.maximum)]
    smalls = [RNG.normal(size=shape) for shape in shapes]
    # JAX's gradients for every shape and op in one compiled call
    wants = jax.jit(lambda smalls: [[jax.grad(lambda a, b: jnp.sum(theirs(a, b) * big), argnums=(0, 1))(a, big)
                                     for _, theirs in ops] for a in smalls])(smalls)
    for shape, a, want_ops in zip(shapes, smalls, wants):
        for (ours, _), want in zip(ops, want_ops):
            ga, gb = tg.grad(lambda a, b: tg.sum(ours(a, b) * big), argnums=(0, 1))(a, big)
            assert ga.shape == shape and gb.shape == (2, 3, 4)
            np.testing.assert_allclose(ga, want[0], rtol=1e-12)
            np.testing.assert_allclose(gb, want[1], rtol=1e-12)


@pytest.mark.parametrize("axis,keepdims", [(None, False), ((0, 2), False), ((0, 2), True),
                                           (-1, False), ((-3, 1), True), (1, True)])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std"])
def test_c17_reductions_axes_and_keepdims(name, axis, keepdims):
    x = RNG.permutation(24).reshape(2, 1, 3, 4)[:, 0].astype(float) / 7 + 0.5
    x = x.reshape(2, 3, 4)
    ours = getattr(tg, name)
    theirs = getattr(jnp, name)
    w = RNG.normal(size=np.shape(np.sum(x, axis=axis, keepdims=keepdims)))
    y = x[:, :1]
    # JAX's value and gradients in one compiled call
    jout, want, want_y = jax.jit(lambda x, y: (
        theirs(x, axis=axis, keepdims=keepdims),
        jax.grad(lambda a: jnp.sum(theirs(a, axis=axis, keepdims=keepdims) * w))(x),
        jax.grad(lambda a: jnp.sum(theirs(a, axis=1)))(y)))(x, y)
    out = ours(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out, jout, rtol=1e-12)
    g = tg.grad(lambda a: tg.sum(ours(a, axis=axis, keepdims=keepdims) * w))(x)
    np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
    # a size-1 axis (std there is 0: its subgradient is 0, where JAX gives NaN)
    g = tg.grad(lambda a: tg.sum(ours(a, axis=1)))(y)
    if name == "std":
        np.testing.assert_array_equal(g, np.zeros_like(y))
    else:
        np.testing.assert_allclose(g, want_y, rtol=1e-12)


def test_c18_losses_shaped_1_or_1x1_are_scalars():
    x = np.array([1.0, 2.0])
    for shape in [(), (1,), (1, 1)]:
        g = tg.grad(lambda x: tg.reshape(tg.sum(x * x), shape))(x)
        np.testing.assert_array_equal(g, [2.0, 4.0])
    for bad in [(2,), (1, 1, 1), (2, 1)]:
        with pytest.raises(TypeError) as info:
            tg.grad(lambda x: tg.broadcast_to(tg.sum(x), bad))(x)
        assert ".sum()" in str(info.value) and "jacrev" in str(info.value) and str(bad) in str(info.value)
    t = tg.tensor(x, requires_grad=True)
    tg.reshape(tg.sum(t * t), (1, 1)).backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    with pytest.raises(RuntimeError, match=r"sum\(\)"):
        (t * 2.0).backward()


def test_c19_python_float_numpy_scalar_and_0d_array_agree():
    inputs = [3.0, np.float64(3.0), np.array(3.0)]
    f = lambda x: tg.sin(x) * x ** 2 + tg.exp(-x)  # noqa: E731
    forward = [f(v) for v in inputs]
    assert len({type(v) for v in forward}) == 1
    assert len({float(v) for v in forward}) == 1
    for transform in (tg.grad(f), tg.jacfwd(f), tg.jacrev(f), tg.value_and_grad(f)):
        results = [transform(v) for v in inputs]
        flat = [np.asarray(r) for r in (results if not isinstance(results[0], tuple)
                                        else [r[1] for r in results])]
        assert all(type(r) is np.ndarray and r.shape == () and r.dtype == np.float64 for r in flat)
        assert len({float(r) for r in flat}) == 1
    tans = [tg.jvp(f, (v,), (1.0,))[1] for v in inputs]
    assert len({float(t) for t in tans}) == 1 and all(np.shape(t) == () for t in tans)


def test_c20_size_zero_arrays():
    x = np.ones((0, 3))
    W = np.ones((3, 2))
    f = lambda x: tg.sum(tg.tanh(x @ W) * 2.0) + tg.sum(tg.max(x, axis=1))  # noqa: E731
    v, g = tg.value_and_grad(f)(x)
    assert v == 0.0 and g.shape == (0, 3)
    out, f_vjp = tg.vjp(lambda x: tg.exp(x) * 2.0, x)
    assert out.shape == (0, 3) and f_vjp(np.ones((0, 3)))[0].shape == (0, 3)
    assert tg.jvp(tg.exp, (x,), (x,))[1].shape == (0, 3)
    assert tg.jacrev(tg.exp)(x).shape == (0, 3, 0, 3)
    assert tg.jacfwd(tg.exp)(x).shape == (0, 3, 0, 3)
    assert tg.jacrev(tg.sum)(x).shape == (0, 3)
    gw = tg.grad(lambda W: tg.sum(x @ W))(W)
    np.testing.assert_array_equal(gw, np.zeros((3, 2)))


def test_c21_non_contiguous_and_negative_stride_inputs():
    base = RNG.normal(size=(6, 4))
    f = lambda a: tg.sum(tg.tanh(a) * tg.exp(a[..., :1]) + a @ np.ones((a.shape[-1], 2))[:, :1])  # noqa: E731
    views = [base.T, base[::2], base[::-1], base[:, ::-2], np.asfortranarray(base)]
    for v in views:
        assert not v.flags.c_contiguous or v.strides[0] < 0
        c = np.ascontiguousarray(v)
        # (BLAS may sum in another order for strided operands: last-digit differences)
        np.testing.assert_allclose(f(v), f(c), rtol=1e-14)
        np.testing.assert_allclose(tg.grad(f)(v), tg.grad(f)(c), rtol=1e-14)
        np.testing.assert_array_equal(tg.jacfwd(lambda a: tg.sum(a * a, axis=0))(v),
                                      tg.jacfwd(lambda a: tg.sum(a * a, axis=0))(c))
        np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(tg.sin(a) * a[::-1]))(v),
                                      tg.grad(lambda a: tg.sum(tg.sin(a) * a[::-1]))(c))


@pytest.mark.parametrize("call,words", [
    (lambda: tg.matmul(np.ones((2, 3)), np.ones((4, 5))), ["matmul", "(2, 3)", "(4, 5)"]),
    (lambda: tg.tensor(np.ones((2, 3))) @ np.ones((4, 5)), ["matmul", "(2, 3)", "(4, 5)"]),
    (lambda: tg.add(np.ones((2, 3)), np.ones(4)), ["add", "(2, 3)", "(4,)", "broadcast"]),
    (lambda: tg.grad(lambda x: tg.sum(x * np.ones(4)))(np.ones((2, 3))),
     ["multiply", "(2, 3)", "(4,)", "broadcast"]),
    (lambda: tg.where(np.ones(3) > 0, np.ones(2), 0.0), ["where", "(3,)", "(2,)"]),
    (lambda: tg.concatenate([np.ones((2, 3)), np.ones((2, 4))]), ["concatenate", "(2, 3)", "(2, 4)"]),
    (lambda: tg.nn.mse(np.ones(3), np.ones(4)), ["mse", "(3,)", "(4,)"]),
    (lambda: tg.reshape(np.ones(6), (4,)), ["reshape", "(6,)", "(4,)"]),
])
def test_c22_shape_mismatch_names_op_and_shapes(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value)


# ------------------------------------------------------------------ dtypes (23-26)

@pytest.mark.parametrize("value", [np.array([1, 2]), np.array([True, False]), 3, np.int32(2)])
def test_c23_int_and_bool_inputs_are_rejected(value):
    dt = np.asarray(value).dtype
    for transform in (tg.grad(lambda x: tg.sum(x * 1.0)), tg.jacfwd(lambda x: x * 1.0),
                      tg.jacrev(lambda x: x * 1.0), lambda v: tg.vjp(lambda x: x, v),
                      lambda v: tg.jvp(lambda x: x, (v,), (v,))):
        with pytest.raises(TypeError, match=str(dt)):
            transform(value)
    with pytest.raises(TypeError, match=str(dt)):
        tg.tensor(value, requires_grad=True)


def test_c23_int_and_bool_constants_are_fine():
    g = tg.grad(lambda x: tg.sum(x * np.array([1, 2]) + np.array([True, False]) - 3))(np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 2.0])
    g = tg.grad(lambda x, n: tg.sum(x ** n), argnums=0)(np.ones(2) * 2, 3)
    np.testing.assert_array_equal(g, [12.0, 12.0])


@pytest.mark.parametrize("bad", [np.array([1.0, None]), np.array([1.0, 2.0], dtype=object),
                                 np.array(["a", "b"]), np.array([b"a", b"b"])])
def test_c24_object_and_string_arrays_raise_type_error(bad):
    with pytest.raises(TypeError):
        tg.grad(lambda x: tg.sum(x))(bad)
    with pytest.raises(TypeError):
        tg.tensor(bad)
    with pytest.raises(TypeError) as info:
        tg.grad(lambda x: tg.sum(x * bad))(np.ones(2))
    assert str(bad.dtype) in str(info.value)
    with pytest.raises(TypeError, match=str(bad.dtype)):
        tg.exp(bad)


def test_c25_float32_stays_float32():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    W = RNG.normal(size=(4, 2)).astype(np.float32)

    def f(x, W):
        h = tg.tanh(x @ W) + tg.nn.relu(x[:, :2]) * 0.5
        return tg.nn.softmax_cross_entropy(h, np.array([0, 1, 1])) + tg.mean(tg.sqrt(x * x + 1.0)) ** 2
    v, (gx, gW) = tg.value_and_grad(f, argnums=(0, 1))(x, W)
    assert v.dtype == gx.dtype == gW.dtype == np.float32
    assert tg.jacfwd(lambda x: tg.exp(x) * 2.0)(x).dtype == np.float32
    assert tg.jacrev(lambda x: tg.exp(x) * 2.0)(x).dtype == np.float32
    out, f_vjp = tg.vjp(lambda x: tg.nn.log_softmax(x), x)
    assert out.dtype == np.float32 and f_vjp(np.ones((3, 4)))[0].dtype == np.float32
    assert tg.hessian(lambda x: tg.sum(x ** 3))(x[0]).dtype == np.float32


def test_c25_mixed_dtypes_follow_numpy_promotion():
    a32 = np.array([1.0, 2.0], np.float32)
    b64 = np.array([3.0, 4.0])
    h16 = np.array([0.5, 0.25], np.float16)
    f = lambda a, b: a * b  # noqa: E731
    assert f(tg.tensor(a32), b64).dtype == np.result_type(a32, b64)
    v, (ga, gb) = tg.value_and_grad(lambda a, b: tg.sum(f(a, b)), argnums=(0, 1))(a32, b64)
    assert v.dtype == np.float64 and ga.dtype == np.float32 and gb.dtype == np.float64
    np.testing.assert_allclose(ga, b64)
    gh, ga = tg.grad(lambda h, a: tg.sum(h * a), argnums=(0, 1))(h16, a32)
    assert gh.dtype == np.float16 and ga.dtype == np.float32
    # a Python float is weak: float32 stays float32
    assert tg.grad(lambda a: tg.sum(a * 2.5))(a32).dtype == np.float32
    # the imperative tape too
    ta, tb = tg.tensor(a32, requires_grad=True), tg.tensor(b64, requires_grad=True)
    tg.sum(ta * tb).backward()
    assert ta.grad.dtype == np.float32 and tb.grad.dtype == np.float64


def test_c26_complex_values_raise_a_clear_type_error():
    z = np.array([1.0 + 2.0j])
    for call in (lambda: tg.grad(lambda x: tg.sum(x))(z),
                 lambda: tg.jvp(lambda x: x, (z,), (z,)),
                 lambda: tg.tensor(z, requires_grad=True)):
        with pytest.raises(TypeError, match="complex"):
            call()
    # a complex constant mixed into a real function
    with pytest.raises(TypeError, match="complex"):
        tg.grad(lambda x: tg.sum(x * 1j))(np.ones(2))
    with pytest.raises(TypeError, match="complex"):
        tg.jacfwd(lambda x: x * np.array([1j, 1.0]))(np.ones(2))
    with pytest.raises(TypeError, match="complex"):
        tg.vjp(lambda x: tg.sum(x * np.array([1j, 1.0]) * np.array([-1j, 1.0])), np.ones(2))[1](1.0 + 0j)


# ------------------------------------------------------------- tape hazards (27-34)

def test_c27_mutating_inputs_and_constants_after_recording():
    # the caller's input, after tg.vjp
    x = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * x), x)
    x[0] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [2.0, 4.0])
    # a constant captured by the function
    c = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * c), np.ones(2))
    c[0] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 2.0])
    # a view of a constant (read-only view, writable base)
    c = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * np.broadcast_to(c, (3, 2))), np.ones(2))
    c[1] = -5.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [3.0, 6.0])
    # an index array and clip bounds (kept as parameters)
    idx = np.array([0, 0, 1])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x[idx]), np.ones(3))
    idx[:] = 2
    np.testing.assert_array_equal(f_vjp(1.0)[0], [2.0, 1.0, 0.0])
    lo = np.array([0.0, 0.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(tg.clip(x, lo, None)), np.array([0.5, 0.5]))
    lo[:] = 9.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 1.0])


def test_c27_mutation_inside_the_function_and_of_outputs():
    buf = np.array([1.0, 2.0])

    def f(x):
        y = x * buf
        buf[:] = 50.0  # changed after recording, before the sweep
        return tg.sum(y)
    # grad locks the constants its tape saved until the sweep is done: the
    # write is refused instead of silently changing the gradient
    with pytest.raises(ValueError, match="read-only"):
        tg.grad(f)(np.ones(2))
    assert buf.flags.writeable and list(buf) == [1.0, 2.0]  # unlocked after the call
    view_base = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tg.sum(x * view_base[::2]))(np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 3.0])
    assert view_base.flags.writeable  # a view's base is locked and unlocked too
    # a constant locked by an inner grad is still copied by an enclosing vjp,
    # whose tape outlives that grad
    c = np.array([1.0, 2.0])

    def outer(x):
        # the inner sweep computes g·x·c on the vjp's tape while grad has c locked
        return tg.sum(tg.grad(lambda y: tg.sum(y * c * x))(x))
    _, f_vjp = tg.vjp(outer, np.ones(2))
    c[:] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 2.0])  # d/dx Σ c x = c
    # vjp keeps its tape after returning: it saved a copy, so a later write is harmless
    buf2 = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * buf2), np.ones(2))
    buf2[:] = 50.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 2.0])
    x = np.array([1.0, 2.0])

    def g(a):
        y = tg.sum(a * a)
        x[:] = 7.0  # the caller's array behind the differentiated argument
        return y
    # grad/jacrev lock the caller's arrays (read-only) until their sweep is done
    with pytest.raises(ValueError, match="read-only"):
        tg.grad(g)(x)
    with pytest.raises(ValueError, match="read-only"):
        tg.jacrev(g)(x)
    assert x.flags.writeable  # unlocked again afterwards, even after the error
    np.testing.assert_array_equal(x, [1.0, 2.0])
    y = np.array([3.0, 4.0])
    gx, gy = tg.grad(lambda a, b: tg.sum(a * b), argnums=(0, 1))(x, y)
    gx[0] = -1.0  # a gradient never aliases the caller's arrays
    np.testing.assert_array_equal(y, [3.0, 4.0])
    # outputs handed to the caller are not the tape's residuals
    out, f_vjp = tg.vjp(tg.exp, np.array([1.0, 2.0]))
    out[:] = 0.0
    np.testing.assert_allclose(f_vjp(np.ones(2))[0], np.exp([1.0, 2.0]))
    out, f_jvp = tg.linearize(tg.exp, np.array([1.0, 2.0]))
    out[:] = 0.0
    np.testing.assert_allclose(f_jvp(np.ones(2)), np.exp([1.0, 2.0]))


def test_c27_imperative_tensors_cannot_be_written_through():
    a = np.array([1.0, 2.0])
    t = tg.tensor(a, requires_grad=True)  # a copy
    c = np.array([3.0, 4.0])
    h = tg.exp(t)
    y = tg.sum(h * c)
    a[0] = 100.0
    c[0] = 100.0
    with pytest.raises(ValueError, match="read-only"):
        t.data[0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(h)[0] = 0.0
    with pytest.raises(TypeError):
        np.exp(np.ones(2), out=h)
    with pytest.raises(ValueError, match="read-only"):
        np.add(t.data, 1.0, out=t.data)
    with pytest.raises(TypeError, match="immutable"):
        h[0] = 1.0
    h.numpy()[0] = 0.0  # a copy: harmless
    assert np.shape(h) == (2,) and np.ndim(h) == 1 and np.size(h) == 2  # metadata is fine
    y.backward()
    np.testing.assert_allclose(t.grad, np.exp([1.0, 2.0]) * [3.0, 4.0])


def test_c28_backward_twice_and_retain_graph():
    t = tg.tensor([0.5, 1.5], requires_grad=True)
    y = tg.sum(tg.tanh(t) * tg.exp(t))
    y.backward(retain_graph=True)
    first = t.grad.copy()
    y.backward()
    np.testing.assert_array_equal(t.grad, 2 * first)  # .grad accumulates (bit for bit)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    # vjp functions retain: two sweeps agree bit for bit
    _, f_vjp = tg.vjp(lambda x: tg.tanh(x) * tg.exp(x), np.array([0.5, 1.5]))
    a, b = f_vjp(np.ones(2))[0], f_vjp(np.ones(2))[0]
    assert a.tobytes() == b.tobytes()
    t.zero_grad()
    assert t.grad is None


def test_c29_hundred_thousand_op_chain():
    n = 100_000
    limit = sys.getrecursionlimit()

    def f(x):
        for _ in range(n):
            x = x * 1.0
        return tg.sum(x)
    np.testing.assert_array_equal(tg.grad(f)(np.ones(2)), [1.0, 1.0])
    t = tg.tensor(np.ones(2), requires_grad=True)
    y = t
    for _ in range(n):
        y = y + 0.0
    tg.sum(y).backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0])
    del y  # freeing a long chain must not recurse either
    gc.collect()
    np.testing.assert_array_equal(tg.jacfwd(f)(np.ones(2)), [1.0, 1.0])
    assert sys.getrecursionlimit() == limit


def test_c30_saved_values_are_released():
    t = tg.tensor(np.ones(3), requires_grad=True)
    h = tg.exp(t)
    y = tg.sum(h * 2.0)
    ref = weakref.ref(h._value)
    node = y._node
    del h
    y.backward()
    gc.collect()
    assert node.args is None and node.out is None and ref() is None
    # the transform tape goes away entirely after grad returns
    refs = []

    def f(x):
        h = tg.exp(x)
        refs.append(weakref.ref(h._value))
        return tg.sum(h * h)
    tg.grad(f)(np.ones(3))
    gc.collect()
    assert refs[0]() is None


def test_c31_fan_out_sums_without_sharing_buffers():
    x = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tg.sum(x + x + x * x + tg.sin(x) * x))(x)
    np.testing.assert_allclose(g, 2 + 2 * x + np.sin(x) + x * np.cos(x), rtol=1e-14)
    # x used by many nodes
    g = tg.grad(lambda x: sum(tg.sum(x * k) for k in range(1, 11)))(x)
    np.testing.assert_array_equal(g, np.full(3, 55.0))
    # results never share a buffer with each other or with the caller's seed
    u = np.ones(3)
    ga, gb = tg.vjp(lambda a, b: a + b, x, x.copy())[1](u)
    assert not np.shares_memory(ga, gb) and not np.shares_memory(ga, u)
    ga += 1.0
    np.testing.assert_array_equal(gb, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(u, [1.0, 1.0, 1.0])
    ga, gb = tg.grad(lambda a, b: tg.sum(a + b), argnums=(0, 1))(x, x)
    assert not np.shares_memory(ga, gb) and ga.flags.writeable and gb.flags.writeable
    _, tout = tg.jvp(lambda a: a * 1.0 + 0.0, (x,), (u,))
    assert not np.shares_memory(tout, u)
    ta, tb = tg.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    tg.sum(ta + tb).backward()
    assert not np.shares_memory(ta.grad, tb.grad)
    ta.grad *= 2.0  # writable, and only ta's
    np.testing.assert_array_equal(tb.grad, [1.0, 1.0, 1.0])


def test_c32_zero_cotangents_and_unused_inputs():
    x = np.array([0.5, 2.0])
    for fn in (tg.log, tg.sqrt, tg.tanh, lambda a: a ** 0.5, tg.nn.softmax):
        np.testing.assert_array_equal(tg.vjp(fn, x)[1](np.zeros(2))[0], [0.0, 0.0])
        np.testing.assert_array_equal(tg.jvp(fn, (x,), (np.zeros(2),))[1], np.zeros(2))
    f = lambda a, b: tg.sum(a * 2.0)  # noqa: E731  (b unused)
    ga, gb = tg.grad(f, argnums=(0, 1))(x, np.ones(3))
    np.testing.assert_array_equal(gb, np.zeros(3))
    assert gb.dtype == np.float64
    J = tg.jacrev(lambda a, b: a * 2.0, argnums=(0, 1))(x, np.ones(3))
    np.testing.assert_array_equal(J[1], np.zeros((2, 3)))
    J = tg.jacfwd(lambda a, b: a * 2.0, argnums=(0, 1))(x, np.ones(3))
    np.testing.assert_array_equal(J[1], np.zeros((2, 3)))
    np.testing.assert_array_equal(tg.vjp(lambda a, b: a, x, np.ones(3))[1](np.ones(2))[1], np.zeros(3))
    # an output that does not depend on the input at all
    np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(np.ones(3)))(x), np.zeros(2))
    # imperative: a leaf the output never reached keeps .grad None (documented)
    t, u = tg.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    tg.sum(t * 3.0).backward()
    assert u.grad is None


def test_c33_non_differentiable_outputs_carry_no_gradient():
    x = np.array([1.0, 3.0, 2.0])

    def f(x):
        i = tg.argmax(x)
        mask = x > 1.5
        cnt = tg.sum(tg.astype(mask, np.float64))
        return tg.sum(x[i] * 2.0 + x * cnt) + tg.sum(tg.where(mask, x, 0.0))
    g = tg.grad(f)(x)
    np.testing.assert_array_equal(g, [2.0, 2.0 * 3 + 2.0 + 1.0, 3.0])  # x[i]·2 is broadcast 3 times
    assert isinstance(tg.argmax(tg.tensor(x, requires_grad=True)), tg.Tensor)
    assert not tg.argmax(tg.tensor(x, requires_grad=True)).requires_grad
    assert not (tg.tensor(x, requires_grad=True) > 0).requires_grad
    # Jacobians of non-differentiable outputs are zeros; pytrees mixing both work
    np.testing.assert_array_equal(tg.jacrev(tg.argmax)(x), np.zeros(3))
    np.testing.assert_array_equal(tg.jacfwd(lambda a: a > 1)(x), np.zeros((3, 3)))
    (ga,) = tg.vjp(lambda a: (a > 1, tg.sign(a), tg.sum(a)), x)[1](
        (np.zeros(3, bool), np.zeros(3), 1.0))
    np.testing.assert_array_equal(ga, np.ones(3))


def test_c34_nested_transforms_keep_their_tapes_apart():
    # d/dx [x · d/dy (x + y)] = 1 (perturbation confusion)
    def outer(x):
        return x * tg.grad(lambda y: x + y)(x)
    assert tg.grad(outer)(3.0) == 1.0

    def outer_fwd(x):
        return x * tg.jvp(lambda y: x + y, (x,), (1.0,))[1]
    assert tg.jvp(outer_fwd, (3.0,), (1.0,))[1] == 1.0
    assert tg.jacfwd(lambda x: x * tg.jacrev(lambda y: x * y)(x))(3.0) == 2 * 3.0
    f = lambda x: tg.sum(x ** 3)  # noqa: E731
    x = np.array([1.0, 3.0])
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(f))(x), np.diag(6 * x))
    np.testing.assert_allclose(tg.jacrev(tg.jacfwd(f))(x), np.diag(6 * x))
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(tg.grad(f)(x)))(x), 6 * x)
    # a tensor of a finished transform is a constant afterwards
    leaked = []
    tg.grad(lambda x: leaked.append(x) or tg.sum(x))(x)
    np.testing.assert_array_equal(tg.grad(lambda y: tg.sum(y * leaked[0]))(x), x)


def test_conventions_page_runs():
    # docs/conventions.md states the conventions above; its code blocks run top to bottom
    import pathlib
    import re
    page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "conventions.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 10
    namespace: dict = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"{page.name}[{k}]", "exec"), namespace)
