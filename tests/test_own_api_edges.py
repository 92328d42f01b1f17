"""tensorgrad's own APIs at their edges (structured Jacobians, elimination, tg.check, tg.cost,
the command line), each case found by a probe of the documented claims and wrong before its fix."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import cli
from tensorgrad import jacobians as jac

X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("make", [
    lambda f, x: tg.jacobian(f, structured=True)(x).todense(),
    lambda f, x: tg.chain_jacobians(f, x).todense(),
    lambda f, x: tg.jacobian(f, method="elimination")(x),
    lambda f, x: tg.eliminate(f, x).todense(),
], ids=["structured", "chain_jacobians", "method=elimination", "eliminate"])
def test_numpy_jacobians_refuse_values_traced_by_an_enclosing_transform(make):
    # before: structured and chained Jacobians inside tg.grad gave a silently zero gradient
    with pytest.raises(TypeError, match="an input is traced by an enclosing transform"):
        tg.grad(lambda v: tg.sum(make(lambda u: tg.sin(u) * u, v) ** 2))(X)
    w0 = np.array([1.0, 2.0, 3.0])  # a closure's traced value
    with pytest.raises(TypeError, match="multiply on the tape uses a value traced by an enclosing"):
        tg.grad(lambda w: tg.sum(make(lambda u: tg.sin(u * w), X) ** 2))(w0)
    J = make(lambda u: tg.sin(u) * u, X)  # outside a transform: as before
    np.testing.assert_allclose(J, np.diag(np.sin(X) + X * np.cos(X)), rtol=1e-14)


def test_compare_grad_compares_the_imaginary_part():
    z = np.array([3 + 4j, 1 - 2j])
    loss = lambda z: tg.sum(tg.abs(z) ** 2)  # noqa: E731  (its gradient: 2·conj(z))
    assert tg.check.compare_grad(lambda z: 2 * np.conj(z), loss, z)
    wrong = tg.check.compare_grad(lambda z: 2 * z, loss, z)
    assert not wrong and wrong.max_rel > 1.0
    assert "6+8j" in str(wrong)


def test_finite_differences_and_cost_of_size_zero_inputs():
    assert tg.check.compare_with_finite_differences(lambda v: tg.tanh(v) * 2.0, np.zeros((0,)))
    rep = tg.cost(lambda v: tg.sum(tg.sin(v), axis=0), np.zeros((0, 3)))
    assert rep.flops("jvp (one sweep)") == 0 and rep.flops("jacfwd") == 0


def test_elimination_and_map_sums_keep_float32_and_complex():
    x = X.astype(np.float32)
    f = lambda v: tg.tanh(v) * v  # noqa: E731
    assert tg.jacobian(f, method="elimination")(x).dtype == np.float32
    assert tg.eliminate(f, x).todense().dtype == np.float32
    D = jac.Diagonal(np.array([1 + 1j, 2j]))
    np.testing.assert_array_equal(np.diag((D + jac.Identity((2,))).todense()), [2 + 1j, 1 + 2j])
    D32 = jac.Diagonal(np.array([1.0, 2.0], np.float32))
    assert (D32 + D32).d.dtype == np.float32


def test_chain_jacobians_returns_the_aux():
    r = tg.chain_jacobians(lambda v: (tg.sin(v), {"twice": v * 2}), X, has_aux=True)
    np.testing.assert_array_equal(r.aux["twice"], 2 * X)


def test_a_format_spec_on_a_jit_traced_value_is_a_concretization_error():
    f = tg.jit(lambda v: v * len(f"{tg.sum(v):.3f}"))
    with pytest.raises(tg.ConcretizationError, match=r'formatting with a format spec \(f"\{x:.3f\}"\)'):
        f(np.array([1.0, 2.0]))


def test_cli_user_function_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(
        "import jax.numpy as jnp\nimport tensorgrad as tg\n"
        "def bad(v):\n    return v[10]\n"
        "def f(v):\n    return tg.sum(tg.sin(v))\n"
        "def jf(v):\n    return jnp.sum(jnp.sin(v)) + jnp.ones(7) @ jnp.ones(3)\n")
    assert cli.main(["check", "m.py:bad", "--shape", "3", "--no-jax"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tensorgrad check: error: IndexError:") and "Traceback" not in err
    # a JAX reference asked for with --jax that fails is an error, not a skipped comparison
    assert cli.main(["check", "m.py:f", "--shape", "3", "--jax", "jf"]) == 1
    assert "the JAX reference jf failed: TypeError" in capsys.readouterr().err
