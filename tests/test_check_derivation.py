"""Checking a derivation: reports whose truth value means "agrees", the raising form,
the worst entries per leaf, finite differences, the JAX replay, and the CLI on a user's file."""
import textwrap

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.check import (GradCheckError, check_grads, compare_grad, compare_jacobian,
                              compare_with_finite_differences, compare_with_jax)
from tensorgrad.cli import main

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3))
Y = np.array([0, 2, 1, 1])
PARAMS = {"W": RNG.normal(size=(3, 5)), "b": RNG.normal(size=5), "V": RNG.normal(size=(5, 3))}


def loss(p, x, y):
    return tg.nn.softmax_cross_entropy(tg.tanh(x @ p["W"] + p["b"]) @ p["V"], y)


def hand(p, x, y):  # the book's backward pass, by hand
    a = np.tanh(x @ p["W"] + p["b"])
    z = a @ p["V"]
    e = np.exp(z - z.max(1, keepdims=True))
    d2 = (e / e.sum(1, keepdims=True) - np.eye(3)[y]) / len(y)
    d1 = (d2 @ p["V"].T) * (1 - a ** 2)
    return {"W": x.T @ d1, "b": d1.sum(0), "V": a.T @ d2}


def test_truth_value_means_agrees_and_the_raising_form():
    good = compare_grad(hand, loss, PARAMS, X, Y)
    assert good and good.ok and bool(good) is True
    assert good.raise_if_mismatch() is good

    def slip(p, x, y):
        g = hand(p, x, y)
        g["W"] = g["W"].copy()
        g["W"][2, 1] += 1e-3  # one wrong entry
        return g
    bad = compare_grad(slip, loss, PARAMS, X, Y)
    assert not bad and bool(bad) is False
    assert [(r.name, r.ok) for r in bad.rows] == [("V", True), ("W", False), ("b", True)]
    with pytest.raises(GradCheckError) as e:
        bad.raise_if_mismatch()
    with pytest.raises(AssertionError):  # `assert report` fails on a wrong derivation
        assert bad
    # the report names the leaf, the entry, both values and the relative error
    (worst,) = bad.mismatches[0].worst
    assert worst.index == (2, 1) and worst.abs_err == pytest.approx(1e-3, rel=1e-6)
    want = tg.grad(loss)(PARAMS, X, Y)["W"][2, 1]
    assert worst.want == want and worst.got == pytest.approx(want + 1e-3)
    assert worst.rel_err == pytest.approx(1e-3 / abs(want), rel=1e-6)
    text = str(e.value)
    assert "worst entries of W" in text and "[2, 1]" in text and "MISMATCH" in text
    assert "yours" in text and "tg.grad" in text


def test_report_lists_several_worst_entries_per_leaf_largest_first():
    z = np.array([0.2, -1.0, 0.5, 1.5])

    def wrong(z):  # softmax Jacobian with the rank-one part transposed and scaled
        p = np.exp(z) / np.exp(z).sum()
        return np.diag(p) - 1.5 * np.outer(p, p)
    cmp = compare_jacobian(wrong, tg.nn.softmax, z)
    assert not cmp
    worst = cmp.rows[0].worst
    assert len(worst) == 5 and all(a.abs_err >= b.abs_err for a, b in zip(worst, worst[1:]))
    J = tg.jacrev(tg.nn.softmax)(z)
    for e in worst:
        assert e.want == J[e.index] and e.got == wrong(z)[e.index]


def test_check_grads_returns_a_report_and_raises_by_default():
    rep = check_grads(lambda p: loss(p, X, Y), PARAMS, order=2)
    assert rep and len(rep.rows) >= 6  # fwd, rev and adjoint rows at two orders

    @tg.custom_vjp
    def sq(x):
        return x * x
    sq.defvjp(lambda x: (sq(x), x), lambda x, g: (g * 3 * x,))  # wrong: 2x
    quiet = check_grads(sq, np.array([1.0, 2.0]), order=1, modes=("rev",), raise_on_mismatch=False)
    assert not quiet
    entries = [r for r in quiet.rows if r.check == "rev entries"][0]
    assert entries.worst[0].index == (1, 1) and entries.worst[0].got == 6 and entries.worst[0].want == pytest.approx(4)
    with pytest.raises(GradCheckError, match="worst entries of arg0"):
        check_grads(sq, np.array([1.0, 2.0]), order=1, modes=("rev",))


def test_finite_differences_entry_by_entry_and_sampled_columns():
    rep = compare_with_finite_differences(loss, PARAMS, X, Y)
    assert rep and [r.name for r in rep.rows] == ["V", "W", "b"]
    assert rep.max_rel < 1e-7
    sampled = compare_with_finite_differences(loss, PARAMS, X, Y, max_columns=4, seed=1)
    assert sampled and "checked 4 of 35 input entries" in str(sampled)

    @tg.custom_vjp
    def bad_exp(x):
        return tg.exp(x)
    bad_exp.defvjp(lambda x: (bad_exp(x), x), lambda x, g: (g * x,))  # not exp(x)
    wrong = compare_with_finite_differences(lambda v: tg.sum(bad_exp(v)), np.array([0.5, 1.0, 2.0]))
    assert not wrong and wrong.rows[0].worst[0].index == (2,)  # largest error at x = 2


def test_compare_with_jax_reports_rows_and_worst_entries():
    import jax.numpy as jnp
    rep = compare_with_jax(loss, PARAMS, X, Y)  # the same function, run by JAX through tg.to_jax
    assert rep and {r.check for r in rep.rows} == {"value", "jvp", "vjp", "grad", "jacobian"}
    other = compare_with_jax(loss, PARAMS, X, Y,
                             jax_f=lambda p, x, y: jnp.sum(jnp.tanh(x @ p["W"] + p["b"]) @ p["V"]))
    assert not other  # a different function does not agree
    grad_w = {r.name: r for r in other.mismatches if r.check == "grad"}["arg0.W"]
    assert grad_w.worst and "worst entries of arg0.W (grad)" in str(other)
    assert other.worst[("grad", "arg0.W")][0] == grad_w.worst[0].index


# ---------------------------------------------------------------- the command line
USER_FILE = textwrap.dedent('''
    import numpy as np
    import tensorgrad as tg

    def loss(p, x):
        return tg.sum(tg.tanh(x @ p["W"] + p["b"]) ** 2)

    def grad_by_hand(p, x):
        t = np.tanh(x @ p["W"] + p["b"])
        d = 2 * t * (1 - t ** 2)
        return {"W": x.T @ d, "b": d.sum(0)}

    def grad_with_a_slip(p, x):
        g = grad_by_hand(p, x)
        g["b"] = g["b"] * 1.01
        return g

    def make_inputs(seed=0):
        rng = np.random.default_rng(seed)
        return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}, rng.normal(size=(4, 3))

    def layer(v):
        return tg.tanh(v) * 2.0
''')


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(USER_FILE)
    return path


def run(*args, capsys):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_check_a_users_function_and_hand_gradient(user_file, capsys):
    status, out, _ = run("check", f"{user_file}:loss", "--inputs", "make_inputs", "--hand", "grad_by_hand",
                         capsys=capsys)
    assert status == 0, out
    assert "central finite differences" in out and "tensorgrad vs JAX" in out
    assert "hand-derived gradient vs tg.grad" in out and "all checks agree" in out
    status, out, _ = run("check", f"{user_file}:loss", "--inputs", f"{user_file}:make_inputs",
                         "--hand", "grad_with_a_slip", "--no-jax", capsys=capsys)
    assert status == 1
    assert "worst entries of b" in out and "MISMATCH" in out
    # a non-scalar function: its Jacobian, from random inputs of a given shape
    status, out, _ = run("check", f"{user_file}:layer", "--shape", "3", "--seed", "2", capsys=capsys)
    assert status == 0 and "jacobian" in out


@pytest.mark.parametrize("args, message", [
    (["{f}:nope", "--shape", "3"], "defines no 'nope'"),
    (["missing.py:loss", "--shape", "3"], "no such file"),
    (["{f}:layer"], "--shape"),
    (["{f}:layer", "--shape", "3", "--shape", "2"], "takes 1 positional argument"),
    (["{f}:layer", "--shape", "x,y"], "expected a shape"),
    (["{f}:layer", "--shape", "3", "--hand", "nothere"], "defines no 'nothere'"),
    (["tanh", "--hand", "g"], "--hand goes with a function"),
])
def test_cli_check_usage_errors_exit_2_without_a_traceback(user_file, capsys, args, message):
    args = [a.format(f=user_file) for a in args]
    with pytest.raises(SystemExit) as e:
        main(["check", *args])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "usage: tensorgrad check" in err and message in err and "Traceback" not in err


def test_cli_explain_prints_blocks_and_plots(user_file, tmp_path, capsys):
    png = tmp_path / "tape.png"
    status, out, _ = run("explain", f"{user_file}:loss", "--inputs", "make_inputs", "--cost",
                         "--plot", png, capsys=capsys)
    assert status == 0
    assert "x.W: input (3, 2)" in out and "one block per leaf" in out and "∂v" in out
    assert "structured reverse" in out and f"plot saved to {png}" in out
    assert png.stat().st_size > 5000


def test_a_wrong_small_entry_beside_a_large_one_is_caught():
    # two scales in one leaf: a leaf-relative tolerance would let the sign error in the
    # small entry through; hand derivations are compared entry by entry
    def f(x):
        return 0.5e7 * x[0] ** 2 + tg.sin(x[1])
    x = np.array([1.0, 0.3])
    assert not tg.check.compare_grad(lambda v: np.array([1e7 * v[0], -np.cos(v[1])]), f, x)
    assert tg.check.compare_grad(lambda v: np.array([1e7 * v[0], np.cos(v[1])]), f, x)

    def g(z):
        return tg.stack([1e7 * z[0], tg.tanh(z[1])])
    z = np.array([0.2, 0.7])
    assert not tg.check.compare_jacobian(lambda v: np.diag([1e7, 1 - np.tanh(v[1])]), g, z)
    assert tg.check.compare_jacobian(lambda v: np.diag([1e7, 1 - np.tanh(v[1]) ** 2]), g, z)


def test_a_hand_gradient_with_other_keys_is_refused_not_paired_by_position():
    # the leaves were paired by flattened position only: a hand gradient whose dict keys were
    # misnamed passed as long as the arrays lined up
    params = {"W": np.ones((2, 2)), "b": np.ones(2)}
    x = np.array([1.0, 2.0])

    def f(p):
        return tg.sum(tg.tanh(p["W"] @ x + p["b"]))

    def hand(p):
        d = 1 - np.tanh(p["W"] @ x + p["b"]) ** 2
        return {"W": np.outer(d, x), "b": d}
    assert bool(tg.check.compare_grad(hand, f, params))
    with pytest.raises(ValueError, match="laid out as .*'A'.* but tensorgrad's as .*'W'"):
        tg.check.compare_grad(lambda p: {"A": hand(p)["W"], "B": hand(p)["b"]}, f, params)
    # a list for a tuple of arguments is the same layout
    assert bool(tg.check.compare_grad(lambda a, b: [b, a], lambda a, b: tg.sum(a * b),
                                      np.ones(2), np.arange(2.0), argnums=(0, 1)))


def test_tolerances_follow_the_size_and_precision_of_the_gradient():
    rng = np.random.default_rng(3)
    w, x = rng.normal(size=(3, 2)), rng.normal(size=(4, 3))

    def tiny(w, x):  # a gradient of about 1e-10 (small weights, deep networks)
        return tg.sum(tg.tanh(x @ w) ** 2) * 1e-10

    def right(w, x):
        h = np.tanh(x @ w)
        return 2e-10 * x.T @ (h * (1 - h * h))
    assert compare_grad(right, tiny, w, x)
    # a fixed absolute tolerance of 1e-9 passed all of these: each is wrong
    for wrong in (lambda w, x: -right(w, x), lambda w, x: 0 * w, lambda w, x: 1.001 * right(w, x)):
        report = compare_grad(wrong, tiny, w, x)
        assert not report and "MISMATCH" in str(report)
    assert compare_grad(wrong, tiny, w, x, atol=1e-9)  # (an absolute tolerance given is used)
    # each leaf by its own size: a large leaf beside a small one does not let the small one pass
    report = compare_grad(lambda w, b: (2e3 * w, -2 * b), lambda w, b: 1e3 * tg.sum(w ** 2) + tg.sum(b ** 2),
                          np.array([1e3, 2e3]), np.array([1e-3, 2e-3]), argnums=(0, 1))
    assert [r.ok for r in report.rows] == [True, False]
    # a leaf zero in exact arithmetic (a shift a standardization removes) is rounding noise on
    # both sides: it agrees with an exact 0
    def centred(v, b):
        z = v + b
        return tg.sum(tg.tanh(z - tg.mean(z)) * np.arange(5.0))
    v = np.random.default_rng(0).normal(size=5)
    gv, gb = tg.grad(centred, argnums=(0, 1))(v, 0.5)
    assert gb != 0 and abs(gb) < 1e-15  # (tensorgrad's own sum of the zero: rounding noise)
    for noise in (0.0, 3e-17):  # (the hand sum: 0, or other noise)
        report = compare_grad(lambda v, b: (gv, noise), centred, v, 0.5, argnums=(0, 1))
        assert report and "rounding level" in str(report)
    # float32: rtol 1e-4, so a correct derivation agrees; a 1e-3 slip does not
    w32, x32 = w.astype(np.float32), x.astype(np.float32)
    assert compare_grad(right, tiny, w32, x32).rtol == 1e-4
    assert compare_grad(right, tiny, w32, x32)
    assert not compare_grad(lambda w, x: 1.001 * right(w, x), tiny, w32, x32)
    # an entry past its own tolerance is listed first among the worst entries, though another
    # has the larger absolute error (within its tolerance)
    report = compare_grad(lambda v: np.array([1000 + 1e-4, 0.01 + 1e-5]),
                          lambda v: 500 * v[0] ** 2 + 0.005 * v[1] ** 2, np.ones(2))
    assert not report and report.rows[0].max_rel < 1e-6
    assert [e.index for e in report.rows[0].worst] == [(1,)]


def test_compare_with_jax_in_float32_uses_float32_tolerances():
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    report = tg.check.compare_with_jax(lambda x: tg.sum(tg.tanh(x - tg.mean(x, axis=0)) ** 2), x)
    assert report and report.rtol == 1e-5
