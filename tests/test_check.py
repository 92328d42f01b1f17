"""tg.check: check_grads at several orders, hand-derived vs tensorgrad, tensorgrad vs JAX,
and the per-op table."""
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.check import GradCheckError, check_grads, compare_grad, compare_jacobian, compare_with_jax


def net(p, x):
    return tg.tanh(x @ p["W"] + p["b"]) @ p["V"]


def params():
    rng = np.random.default_rng(0)
    return {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4), "V": rng.normal(size=(4, 2))}


X = np.random.default_rng(1).normal(size=(5, 3))


def test_check_grads_passes_for_correct_derivatives_up_to_third_order():
    check_grads(lambda p: net(p, X), params(), order=3)
    check_grads(lambda x, y: tg.sum(tg.sin(x) * y ** 2), np.array([0.3, 1.2]), np.array([0.7, -0.4]),
                order=2, modes=("rev",))
    check_grads(tg.nn.softmax, np.array([0.1, 2.0, -1.0]), order=2, modes=("fwd",))


def wrong_vjp_square():
    @tg.custom_vjp
    def sq(x):
        return x * x

    def fwd(x):
        return sq(x), x

    def bwd(x, g):
        return (g * 3 * x,)  # wrong: should be 2x
    sq.defvjp(fwd, bwd)
    return sq


def test_check_grads_catches_a_wrong_vjp_with_a_report():
    sq = wrong_vjp_square()
    with pytest.raises(GradCheckError) as e:
        check_grads(sq, np.array([1.0, 2.0]), order=1, modes=("rev",))
    msg = str(e.value)
    assert "rev-mode" in msg and "order 1" in msg and "finite differences" in msg
    assert "worst entries of arg0" in msg
    # entry [1, 1] (output 1, input 1): 3·x at x = 2 from the wrong rule, 4 from finite differences
    line = next(ln for ln in msg.splitlines() if ln.strip().startswith("[1, 1]"))
    assert line.split()[2:4] == ["6", "4"]


def test_check_grads_catches_a_wrong_jvp():
    @tg.custom_jvp
    def cube(x):
        return x ** 3

    @cube.defjvp
    def cube_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return cube(x), 2 * x * x * t  # wrong: 3x²
    with pytest.raises(GradCheckError, match="fwd-mode derivative disagrees"):
        check_grads(cube, np.array([0.5, -1.5]), order=1, modes=("fwd",))


def test_check_grads_catches_a_wrong_second_derivative_only_at_order_2():
    # first derivative right, but written with raw NumPy: invisible to the tape,
    # so the derivative of the derivative is wrong (zero)
    @tg.custom_vjp
    def f(x):
        return tg.sin(x)

    def fwd(x):
        return f(x), np.cos(np.asarray(x.numpy() if hasattr(x, "numpy") else x))

    def bwd(c, g):
        return (g * c,)
    f.defvjp(fwd, bwd)
    x = np.array([0.4, 1.1])
    check_grads(f, x, order=1, modes=("rev",))
    with pytest.raises(GradCheckError, match=r"order 2 \(VJP\)"):
        check_grads(f, x, order=2, modes=("rev",))


def test_check_grads_argument_errors():
    with pytest.raises(ValueError, match="modes"):
        check_grads(tg.sin, np.ones(2), modes=("sideways",))
    with pytest.raises(ValueError, match="order"):
        check_grads(tg.sin, np.ones(2), order=0)
    with pytest.raises(TypeError, match="floating point"):
        check_grads(lambda x, n: x * n, np.ones(2), np.array([1, 2]))


def test_compare_grad_reports_per_output_and_catches_a_wrong_derivation():
    y = np.array([0, 1, 1, 0, 1])

    def loss(p):
        return tg.nn.softmax_cross_entropy(net(p, X), y)

    def hand(p):  # chapter 6: ∂L/∂z = (p − y)/n, then back through the layers
        z1 = X @ p["W"] + p["b"]
        a1 = np.tanh(z1)
        z2 = a1 @ p["V"]
        e = np.exp(z2 - z2.max(1, keepdims=True))
        probs = e / e.sum(1, keepdims=True)
        d2 = (probs - np.eye(2)[y]) / len(y)
        d1 = (d2 @ p["V"].T) * (1 - a1 ** 2)
        return {"W": X.T @ d1, "b": d1.sum(0), "V": a1.T @ d2}
    cmp = compare_grad(hand, loss, params())
    assert cmp.ok and [r[1] for r in cmp.rows] == ["V", "W", "b"]
    assert cmp.max_rel < 1e-12
    assert "max abs err" in str(cmp) and "ok" in str(cmp)
    cmp.assert_ok()

    def hand_wrong(p):
        g = hand(p)
        g["b"] = g["b"] * 1.01  # a slip in one output
        return g
    bad = compare_grad(hand_wrong, loss, params())
    assert not bad.ok
    assert [r[4] for r in bad.rows] == [True, True, False]
    with pytest.raises(GradCheckError, match="MISMATCH"):
        bad.assert_ok()


def test_compare_jacobian_with_the_softmax_formula():
    z = np.array([0.2, -1.0, 0.5])

    def hand(z):  # diag(p) − p pᵀ
        p = np.exp(z) / np.exp(z).sum()
        return np.diag(p) - np.outer(p, p)
    cmp = compare_jacobian(hand, tg.nn.softmax, z)
    assert cmp.ok and len(cmp.rows) == 2 and cmp.max_abs < 1e-15
    wrong = compare_jacobian(lambda z: hand(z).T * 1.1, tg.nn.softmax, z)
    assert not wrong.ok


def test_compare_with_jax_all_checks_and_a_mismatch():
    def jnet(p, x):
        return jnp.tanh(x @ p["W"] + p["b"]) @ p["V"]
    cmp = compare_with_jax(net, jnet, params(), X)
    whats = {r[0] for r in cmp.rows}
    assert whats == {"value", "jvp", "vjp", "jacobian"}   # no grad: the output is not a scalar
    assert cmp.ok, str(cmp)
    scalar = compare_with_jax(lambda p, x: tg.sum(net(p, x)), lambda p, x: jnp.sum(jnet(p, x)),
                              params(), X, argnums=(0, 1))
    assert "grad" in {r[0] for r in scalar.rows} and scalar.ok
    off = compare_with_jax(lambda x: tg.sin(x), lambda x: jnp.sin(x) + 1e-3 * x ** 2, np.array([0.5, 1.0]))
    assert not off.ok
    assert {r[0] for r in off.rows if not r[4]} == {"value", "jvp", "vjp", "grad", "jacobian"} - {"grad"}


def test_op_table_for_named_ops_and_unknown_names():
    rows = tg.check.op_table(["tanh", "softmax_cross_entropy", "argmax"])
    assert [r.name for r in rows] == ["tanh", "softmax_cross_entropy", "argmax"]
    assert all(r.ok for r in rows)
    tanh = rows[0]
    assert tanh.cases >= 5 and tanh.errors["vjp/jax"] < 1e-12 and tanh.errors["fd"] < 1e-6
    assert np.isnan(rows[2].errors["vjp/jax"])  # argmax has no derivative to compare
    text = tg.check.format_op_table(rows)
    assert "tanh" in text and "3 ops checked, 0 with problems" in text
    with pytest.raises(KeyError, match="unknown op"):
        tg.check.op_table(["tanhh"])


def test_op_table_flags_a_broken_op(monkeypatch):
    op = tg.REGISTRY["sin"]
    bad_vjp = (lambda g, out, x: g * x,)  # d sin = cos, not x
    monkeypatch.setattr(op, "vjps", bad_vjp)
    (row,) = tg.check.op_table(["sin"], use_jax=False)
    assert not row.ok and row.errors["adjoint"] > 1e-3 and np.isnan(row.errors["vjp/jax"])
    assert "MISMATCH" in tg.check.format_op_table([row])


def test_op_table_checks_ops_with_complex_outputs():
    rows = tg.check.op_table(["fft_c2c", "astype", "eigvals"])
    assert all(r.ok and r.cases > 0 and not r.message for r in rows), [(r.name, r.message) for r in rows]
    assert all(np.isnan(r.errors["jacrev/jacfwd"]) or r.name == "astype" for r in rows)
    assert all(r.errors["vjp/jax"] < 1e-12 and r.errors["adjoint"] < 1e-12 for r in rows)
