"""Numerics at the edges: kinks, ties, zeros, infinities and NaN.

Subgradients at kinks (relu, abs, norm, sqrt at 0), ties in max/min, powers at
zero, log-sum-exp and softmax with −inf and huge logits, masked cross-entropy,
bad labels, saturating sigmoids, ``where`` with NaN in the branch not taken,
NaN/inf propagation, and ``debug_nans``. NumPy floating-point warnings are
errors in this run (pyproject), so "no overflow warning" is checked simply by
a test passing.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(0)


def test_relu_and_abs_subgradient_is_zero_at_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.nn.relu(x)))(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.abs(x)))(x), [-1.0, 0.0, 1.0])
    # forward mode agrees, and second order is finite
    np.testing.assert_array_equal(tg.jvp(tg.abs, (x,), (np.ones(3),))[1], [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.jacfwd(tg.nn.relu)(x), np.diag([0.0, 0.0, 1.0]))
    assert np.all(np.isfinite(tg.hessian(lambda x: tg.sum(tg.abs(x) * x))(x)))


def test_ties_split_the_gradient_evenly():
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


def test_norm_at_zero_has_zero_gradient():
    for shape in [(3,), (2, 3)]:
        z = np.zeros(shape)
        np.testing.assert_array_equal(tg.grad(tg.norm)(z), z)
        np.testing.assert_array_equal(tg.jacfwd(tg.norm)(z), z)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.norm(x, axis=-1)))(
        np.array([[0.0, 0.0], [3.0, 4.0]])), [[0.0, 0.0], [0.6, 0.8]])
    # std of equal entries: the same convention
    np.testing.assert_array_equal(tg.grad(tg.std)(np.full(4, 2.0)), np.zeros(4))


def test_sqrt_at_zero_inf_slope_but_zero_cotangent_gives_zero():
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
def test_integer_power_at_zero_is_finite(n):
    x = np.array([0.0, -1.5, 2.0])
    g = tg.grad(lambda x: tg.sum(x ** n))(x)
    np.testing.assert_allclose(g, n * x ** (n - 1))
    np.testing.assert_allclose(tg.hessian(lambda x: tg.sum(x ** n))(x),
                               jax.jit(jax.hessian(lambda x: jnp.sum(x ** n)))(x), atol=1e-12)


def test_zero_to_the_zero():
    x = np.array([0.0, 3.0])
    np.testing.assert_array_equal(tg.power(x, 0), [1.0, 1.0])  # 0⁰ = 1 (NumPy)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x ** 0))(x), [0.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x ** 0.0))(x), [0.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda y: tg.sum(tg.power(x, y)))(np.zeros(2)),
                                  [0.0, np.log(3.0)])


def test_logsumexp_of_all_minus_inf_row():
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
def test_softmax_family_with_huge_logits(dtype):
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


def test_softmax_family_on_empty_input():
    for fn in (tg.nn.softmax, tg.nn.log_softmax, lambda a: tg.nn.logsumexp(a, axis=-1)):
        x = np.zeros((0, 4))
        assert fn(x).size == 0
        g = tg.grad(lambda a: tg.sum(fn(a)))(x)
        assert g.shape == (0, 4)


def test_fully_masked_softmax_row_is_zero():
    # an all −inf row: no probability anywhere (documented), gradient 0, no NaN
    z = np.array([[-np.inf, -np.inf], [0.0, 0.0]])
    np.testing.assert_array_equal(tg.nn.softmax(z), [[0, 0], [0.5, 0.5]])
    np.testing.assert_array_equal(tg.nn.log_softmax(z)[0], [-np.inf, -np.inf])
    g = tg.grad(lambda a: tg.sum(tg.nn.softmax(a) * np.array([1.0, 2.0])))(z)
    np.testing.assert_array_equal(g[0], [0.0, 0.0])


def test_cross_entropy_with_masked_logits():
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
    # every logit of a row at −inf, the target's too: +inf as well (it was −inf + inf = NaN,
    # with a warning), the row's gradient −y (its softmax is 0, as softmax's own); a row with no
    # label weight adds nothing
    for z, y, want in ((np.array([[-np.inf, -np.inf]]), np.array([0]), [[-1.0, 0.0]]),
                       (np.array([-np.inf, -np.inf], np.float32), np.array(1), [0.0, -1.0]),
                       (np.array([[-np.inf, -np.inf], [1.0, 1.0]]), np.array([[0.5, 0.5], [0.0, 1.0]]),
                        [[-0.25, -0.25], [0.25, -0.25]])):
        for f in (tg.value_and_grad(tg.nn.softmax_cross_entropy), tg.jit(tg.value_and_grad(tg.nn.softmax_cross_entropy))):
            loss, g = f(z, y)
            assert loss == np.inf and loss.dtype == z.dtype
            np.testing.assert_allclose(g, want, rtol=1e-15)
    # a row holding +inf and −inf: the logits' finiteness check summed them (inf − inf, warned)
    assert tg.nn.softmax_cross_entropy(np.array([[np.inf, -np.inf, 1.0]]), np.array([2])) == np.inf
    z = np.array([[-np.inf, -np.inf], [1.0, 2.0]])
    loss = tg.nn.softmax_cross_entropy(z, np.array([[0.0, 0.0], [0.0, 1.0]]))
    assert loss == pytest.approx(-float(jax.nn.log_softmax(jnp.asarray(z[1]))[1]) / 2, rel=1e-14)


@pytest.mark.parametrize("labels,exc,words", [
    (np.array([0, 3]), IndexError, ["3", "3 classes"]),
    (np.array([0, -1]), IndexError, ["-1", "3 classes"]),
    (np.array([0.0, 1.5]), ValueError, ["integer", "3 classes", "1.5"]),
    (np.array([True, False]), TypeError, ["boolean"]),
])
def test_bad_labels(labels, exc, words):
    with pytest.raises(exc) as info:
        tg.nn.softmax_cross_entropy(np.zeros((2, 3)), labels)
    for w in words:
        assert w in str(info.value)
    assert "softmax_cross_entropy" in str(info.value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_family_at_plus_minus_1000(dtype):
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


def test_where_ignores_nan_and_inf_in_the_branch_not_taken():
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


def test_double_where_pattern():
    x = np.array([-1.0, 0.0, 4.0])

    def safe_sqrt(x):
        ok = x > 0
        return tg.where(ok, tg.sqrt(tg.where(ok, x, 1.0)), 0.0)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(safe_sqrt(x)))(x), [0.0, 0.0, 0.25])

    def safe_log(x):
        ok = x > 0
        return tg.where(ok, tg.log(tg.where(ok, x, 1.0)), 0.0)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(safe_log(x)))(x), [0.0, 0.0, 0.25])


def test_nan_and_inf_inputs_propagate():
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
    # a logsumexp row holding +inf: NaN at the +inf entry, 0 elsewhere (JAX's); softmax rows
    # holding NaN give NaN, quietly
    lse, g = tg.value_and_grad(lambda x: tg.nn.logsumexp(x))(np.array([np.inf, 1.0]))
    assert lse == np.inf and np.isnan(g[0]) and g[1] == 0.0
    assert np.all(np.isnan(tg.nn.softmax(np.array([np.nan, 1.0]))))
    # the tie shares of max, min and ptp: a NaN extreme gives NaN, without a 0/0 warning
    x = np.array([[np.nan, 1.0], [2.0, 3.0]])
    for f in (tg.max, tg.min, tg.ptp):
        for mode in (tg.jacrev, tg.jacfwd):
            J = mode(lambda v: f(v, axis=1))(x)
            assert np.isnan(J[0, 0]).all() and np.isfinite(J[1, 1]).all(), (f, mode)


def test_derivative_rules_make_nan_and_inf_without_numpy_warnings():
    # 0·∞ inside a rule (the slope of exp(−x²) at x = ∞, silu's at ∞, x/‖x‖ with an inf entry,
    # sqrt's second derivative under a zero weight) gives NaN or the masked value quietly, as in
    # JAX: the suite turns NumPy's warnings into errors, and they crashed every sweep, forward
    # push, structured chain and jit plan here. The caller's own forward keeps NumPy's warnings.
    x = np.array([np.inf, 0.5])
    gauss = lambda v: tg.exp(-v * v)  # noqa: E731
    want = [np.nan, -2 * 0.5 * np.exp(-0.25)]
    runs = [tg.grad(lambda v: tg.sum(gauss(v)))(x), tg.jvp(gauss, (x,), (np.ones(2),))[1],
            tg.vjp(gauss, x)[1](np.ones(2))[0], tg.linearize(gauss, x)[1](np.ones(2)),
            np.diag(tg.jacfwd(gauss)(x)), np.diag(tg.jacobian(gauss, structured=True)(x).todense()),
            tg.jit(tg.grad(lambda v: tg.sum(gauss(v))))(x), tg.vmap(tg.grad(gauss))(x)]
    t = tg.tensor(x, requires_grad=True)
    gauss(t).sum().backward()
    for got in runs + [t.grad]:
        np.testing.assert_allclose(got, want, rtol=1e-15)
    assert np.isnan(tg.grad(lambda v: tg.sum(tg.nn.silu(v)))(x)[0])
    assert np.isnan(tg.grad(tg.linalg.norm)(x)[0])
    w = np.array([0.0, 1.0])
    for h in (tg.hessian(lambda v: tg.sum(tg.sqrt(v) * w)), tg.jit(tg.hessian(lambda v: tg.sum(tg.sqrt(v) * w)))):
        np.testing.assert_array_equal(h(np.array([0.0, 1.0])), [[0.0, 0.0], [0.0, -0.25]])
    # vertex elimination and structured maps multiply the slopes themselves: NaN, quietly
    assert np.isnan(tg.jacobian(tg.nn.silu, method="elimination")(x)[0, 0])
    assert tg.jacobian(tg.reciprocal, method="elimination")(np.array([1e-300]))[0, 0] == -np.inf
    J = tg.jacobian(lambda y: tg.sqrt(y * np.ones((3, 1))), structured=True)(np.array([0.0, 1.0]))
    assert np.isinf(J.todense()[:, 0, 0]).all() and J.apply(np.array([0.0, 1.0]))[0, 1] == 0.5
    with pytest.raises(RuntimeWarning, match="invalid value encountered in log"):
        tg.log(np.array([-1.0]))  # a forward: NumPy's warning, as np.log's


def test_debug_nans_raises_before_numpys_warning():
    # with warnings as errors NumPy's "invalid value in log" came first, naming neither the op
    # nor the line; inside debug_nans the NonFiniteError does
    with tg.debug_nans():
        with pytest.raises(tg.debug.NonFiniteError, match="forward of op 'log'.*tg.log") as info:
            tg.grad(lambda x: tg.sum(tg.log(x)))(np.array([-1.0, 1.0]))
    assert "test_numerics.py" in str(info.value)
    with pytest.raises(RuntimeWarning):  # the mode off: NumPy's warning again
        tg.log(np.array([-1.0]))
    # a complex value with an infinite part is named too (np.isposinf has no complex loop: the
    # check itself raised a TypeError)
    with tg.debug_nans():
        with pytest.raises(tg.debug.NonFiniteError, match="forward of op 'fft_c2c' produced"):
            tg.fft.fft(np.array([np.inf, 1.0, 2.0]))
        with pytest.raises(tg.debug.NonFiniteError, match="op 'complex' produced inf"):
            tg.lax.complex(np.array([np.inf, 1.0]), np.array([1.0, 2.0]))


def _loss_with_sqrt(x):
    y = tg.sqrt(x)  # the line debug_nans must point at
    return tg.sum(y * 2.0)


def test_debug_nans_backward_names_op_and_creating_line():
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
    assert "test_numerics.py" in msg and "y = tg.sqrt(x)" in msg and "_loss_with_sqrt" in msg


def test_debug_nans_forward_and_global_switch():
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


def test_debug_nans_nested_blocks_restore_state():
    with tg.debug_nans():
        with tg.debug_nans(False):
            assert not tg.is_debugging_nans()
            tg.grad(_loss_with_sqrt)(np.array([0.0]))
        assert tg.is_debugging_nans()
    assert not tg.is_debugging_nans()


def test_inverse_trig_slopes_at_the_domain_edges_are_infinite_without_warnings():
    """arcsin/arccos at ±1, arccosh at 1: ±inf slopes as JAX gives them, no NumPy
    warning, and a zero cotangent or tangent there gives 0 (as √x at 0)."""
    cases = [(tg.arcsin, np.array([1.0, -1.0, 0.5]), np.inf), (tg.arccos, np.array([1.0, -1.0, 0.5]), -np.inf),
             (tg.arccosh, np.array([1.0, 2.0]), np.inf)]
    for fn, x, edge in cases:
        g = tg.grad(lambda z: tg.sum(fn(z)))(x)
        assert np.all(g[:-1] == edge) and np.isfinite(g[-1])
        w = np.r_[0.0, np.ones(len(x) - 1)]
        masked = tg.grad(lambda z: tg.sum(fn(z) * w))(x)
        assert masked[0] == 0.0
        t = np.r_[0.0, np.ones(len(x) - 1)]
        assert tg.jvp(fn, (x,), (t,))[1][0] == 0.0


def test_hessians_stay_symmetric_where_a_rule_guards_a_zero():
    # x**y at y = 0: the mixed derivative is 1/x (the y = 0 guard is only needed where x = 0)
    for f, jf, p in [(lambda v: v[0] ** v[1], lambda v: v[0] ** v[1], np.array([2.0, 0.0])),
                     (lambda v: tg.float_power(v[0], v[1]), lambda v: v[0] ** v[1], np.array([1.5, 0.0])),
                     (lambda v: tg.xlogy(v[0], v[1]), lambda v: jax.scipy.special.xlogy(v[0], v[1]),
                      np.array([0.0, 2.0])),
                     (lambda v: tg.xlog1py(v[0], v[1]), lambda v: jax.scipy.special.xlog1py(v[0], v[1]),
                      np.array([0.0, 1.0]))]:
        H = tg.hessian(f)(p)
        np.testing.assert_allclose(H, H.T, rtol=1e-14)
        np.testing.assert_allclose(H, jax.hessian(jf)(jnp.asarray(p)), rtol=1e-12)
    # at a pole the next derivative is NaN in every mode, never a silent 0
    with np.errstate(invalid="ignore", divide="ignore"):
        for f, p in [(lambda v: tg.beta(v[0], v[1]), np.array([1.0, -1.0])),
                     (lambda v: tg.poch(v[0], v[1]), np.array([0.0, -1.0]))]:
            assert np.isnan(tg.grad(f)(p)).all()
            assert np.isnan(tg.hessian(f)(p)).all() and np.isnan(tg.jacrev(tg.grad(f))(p)).all()
    # the inf-norm over an empty axis is 0, as NumPy's
    np.testing.assert_array_equal(tg.linalg.norm(np.zeros((2, 0)), ord=np.inf, axis=1), [0.0, 0.0])
    assert tg.linalg.vector_norm(np.zeros(0), ord=np.inf) == 0.0


def test_cumprod_derivatives_stay_exact_when_a_running_product_overflows():
    # out / x is not the derivative once a product overflowed (inf) or underflowed (0): the
    # exact products are used, and a zero cotangent or tangent never meets an inf
    with np.errstate(over="ignore"):  # (the forward's own overflow, as np.cumprod's)
        _cumprod_overflow_checks()


def _cumprod_overflow_checks():
    y = np.array([3.0, 1e300, 1e300, 2.0])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.cumprod(v)[1])(y), [1e300, 3.0, 0.0, 0.0])
    x = np.array([1e200, 1e200, 1.0])
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.cumprod(v)[:2]))(x), [1e200, 1e200, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.cumprod(v)[0])(x), [1.0, 0.0, 0.0])
    t = np.array([0.7, -0.4, 1.3])
    np.testing.assert_allclose(tg.jvp(tg.cumprod, (x,), (t,))[1][:2], [0.7, 0.7e200 - 0.4e200])
    tiny = np.array([1e-200, 1e-200, 3.0])  # the second product underflows to 0
    np.testing.assert_allclose(tg.grad(lambda v: tg.cumprod(v)[1])(tiny), [1e-200, 1e-200, 0.0])


def test_sinc_second_derivative_of_a_large_entry_next_to_a_small_one():
    # the small-x series is evaluated only where x is small: it no longer overflows at the
    # large entry and leaks 0·inf into the next derivative there
    for x in (np.array([1e150, 0.0]), np.array([1e9, 0.0], dtype=np.float32)):
        d2 = tg.grad(lambda v: tg.sum(tg.grad(lambda w: tg.sum(tg.sinc(w)))(v)))(x)
        ref = jax.grad(lambda v: jnp.sum(jax.grad(lambda w: jnp.sum(jnp.sinc(w)))(v)))(jnp.asarray(x))
        assert np.all(np.isfinite(d2)) and d2.dtype == x.dtype
        np.testing.assert_allclose(d2, np.asarray(ref), rtol=1e-6)


def test_at_a_cone_point_the_slope_and_its_own_slope_are_zero_as_for_norm():
    # hypot at the origin, std at a constant vector: the subgradient 0 is selected, so the next
    # derivative there is 0 too (as for norm and abs), not the identity or (I − 11ᵀ/n)·2/n
    z = np.zeros(2)
    h = tg.hessian(lambda p: tg.hypot(p[0], p[1]))(z)
    np.testing.assert_array_equal(h, tg.hessian(tg.linalg.norm)(z))
    np.testing.assert_array_equal(h, np.zeros((2, 2)))
    c = np.full(3, 5.0)
    np.testing.assert_array_equal(tg.grad(tg.std)(c), np.zeros(3))
    np.testing.assert_array_equal(tg.hessian(tg.std)(c), tg.hessian(tg.nanstd)(c))
    np.testing.assert_array_equal(tg.hessian(tg.std)(c), np.zeros((3, 3)))
    # away from the cone point both are the usual ones
    p = np.array([0.3, -0.4])
    np.testing.assert_allclose(tg.hessian(lambda p: tg.hypot(p[0], p[1]))(p),
                               tg.hessian(tg.linalg.norm)(p), rtol=1e-12)


def test_an_infinite_slope_meeting_a_zero_agrees_in_every_jacobian():
    """√x at 0 has an infinite slope; its rule turns a zero cotangent or tangent into 0.
    jacrev's symbolic basis follows the rule, as each row's VJP does (it gave NaN). A
    structured Jacobian or an elimination multiplies the slopes themselves: where one is
    infinite it gives NaN (0·∞), never a finite number the modes do not give."""
    v = np.array([1.0, 2.0, 3.0])
    for f in (lambda v: tg.sqrt(v * 0) * 0 + v, lambda v: tg.where(v > 0, v, tg.sqrt(v - v)),
              lambda v: tg.abs(v - v) ** 0.5 * 0 + v, lambda v: 0 * tg.cbrt(v - v) + v,
              lambda v: tg.sqrt(tg.abs(tg.cbrt(v - v))) + v):
        with np.errstate(invalid="ignore"):
            rows = np.stack([tg.vjp(f, v)[1](e)[0] for e in np.eye(3)])
            J, F = tg.jacrev(f)(v), tg.jacfwd(f)(v)
            structured = [tg.structured_jacobian(f)(v).todense()] + \
                [tg.eliminate(f, v, order=o).jacobian.todense() for o in ("forward", "reverse")]
        np.testing.assert_array_equal(J, rows)
        both = np.isfinite(J) & np.isfinite(F) & (J == F)
        for S in structured:  # the modes' value where finite, else NaN
            assert np.all(np.isnan(S) | (S == J)) and np.all(~both | np.isnan(S) | (S == F))
            assert not np.any(np.isfinite(S) & ~np.isfinite(J) & ~np.isfinite(F))
    x = np.array([0.0, 1.0, 4.0])
    g = lambda x: tg.where(x > 0, tg.sqrt(x), 0.0)  # noqa: E731
    J = tg.jacrev(g)(x)
    rows = np.stack([tg.vjp(g, x)[1](e)[0] for e in np.eye(3)])
    np.testing.assert_array_equal(J, rows)                      # (row 0 was NaN, its VJP 0)
    np.testing.assert_array_equal(np.diag(J), [0.0, 0.5, 0.25])
    with np.errstate(divide="ignore", invalid="ignore"):
        h = lambda x: tg.where(x > 0, tg.log(x), 0.0)  # noqa: E731
        Jh, Sh = tg.jacrev(h)(x), tg.structured_jacobian(h)(x).todense()
    assert np.isnan(Jh[0, 0]) and np.isnan(Sh[0, 0])           # the where trap, as JAX's jacrev
    np.testing.assert_array_equal(np.diag(Sh)[1:], np.diag(Jh)[1:])
    # jacrev's whole basis at once gives each row's VJP, whatever the chunk size: a zero of
    # another row meeting log's infinite slope is NaN there too (it was 0 in the batch)
    k = lambda x: tg.log(x) * np.array([0.0, 1.0])  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = np.stack([tg.vjp(k, x[:2])[1](e)[0] for e in np.eye(2)])
        for chunk in (None, 1):
            np.testing.assert_array_equal(tg.jacrev(k, chunk_size=chunk)(x[:2]), rows)
