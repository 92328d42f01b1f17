"""tg.custom_batching (custom_vmap, sequential_vmap) against jax.custom_batching, at run time."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import custom_batching as jcb

import tensorgrad as tg
from tensorgrad import custom_batching as tcb

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(0)
X = RNG.standard_normal(3)
Y = RNG.standard_normal(3)
M = RNG.standard_normal((2, 3))


def close(a, b):
    for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(tg.tree_map(np.asarray, u)), np.asarray(v),
                                   rtol=1e-12, atol=1e-12)


def pair(body, rule_body, lib):
    """The same custom_vmap function in tensorgrad or JAX; its rule logs (axis_size, in_batched)."""
    calls = []
    cv = tcb.custom_vmap if lib is tg else jcb.custom_vmap
    f = cv(lambda *a: body(lib, *a))

    @f.def_vmap
    def rule(axis_size, in_batched, *args):
        calls.append((axis_size, in_batched))
        return rule_body(lib, axis_size, in_batched, *args)
    return f, calls


def both(body, rule_body, run):
    """run(lib, f) in both libraries: the results and the rule's calls agree."""
    ft, ct = pair(body, rule_body, tg)
    fj, cj = pair(body, rule_body, jax)
    got, want = run(tg, ft), run(jax, fj)
    close(got, want)
    assert ct == cj, (ct, cj)
    for _, flags in ct:
        assert type(flags) is list
    return got


def prod_body(lib, x, y):
    return (lib.numpy if lib is jax else lib).add(x, y)


def prod_rule(lib, n, in_batched, xs, ys):
    return xs * ys, bool(in_batched[0] or in_batched[1])


def test_documentation_example_rule_replaces_the_body_under_vmap():
    both(prod_body, prod_rule, lambda lib, f: lib.vmap(f)(X, Y))
    both(prod_body, prod_rule, lambda lib, f: f(X[0], Y[0]))  # outside vmap: the body


@pytest.mark.parametrize("in_axes, args", [
    ((0, None), (X, 2.0)), ((None, 0), (2.0, Y)), ((1, 0), (M, X)), ((0, 1), (X, M)),
    (0, (M, M * 2)),
])
def test_in_axes_give_the_rule_front_batched_arguments_and_flags(in_axes, args):
    def rule(lib, n, in_batched, xs, ys):
        if np.ndim(xs) and np.ndim(ys) and np.ndim(xs) != np.ndim(ys):  # (2, 3) and (3,)
            xs, ys = (xs[..., None], ys) if np.ndim(xs) < np.ndim(ys) else (xs, ys[..., None])
        return xs * 2 + ys, True
    both(prod_body, rule, lambda lib, f: lib.vmap(f, in_axes=in_axes)(*args))


@pytest.mark.parametrize("out_axes", [0, 1, -1])
def test_out_axes(out_axes):
    def body(lib, x):
        return x * 3

    def rule(lib, n, in_batched, xs):
        return xs * 3, True
    both(body, rule, lambda lib, f: lib.vmap(f, out_axes=out_axes)(M))


def test_pytrees_in_and_out_and_unbatched_outputs_are_broadcast():
    def body(lib, d, t):
        return {"s": d["a"] + t[0], "c": t[1] * 2}, t[1]

    def rule(lib, n, in_batched, d, t):
        assert in_batched == [{"a": True}, (False, False)] or in_batched[0]["a"] is False
        return ({"s": d["a"] + t[0], "c": t[1] * 2}, t[1]), ({"s": in_batched[0]["a"], "c": False},
                                                             False)
    both(body, rule, lambda lib, f: lib.vmap(f, in_axes=({"a": 0}, None))({"a": X}, (1.5, 2.5)))
    both(body, rule, lambda lib, f: lib.vmap(f, in_axes=({"a": 0}, None),
                                             out_axes=({"s": 0, "c": None}, None))({"a": X}, (1.5, 2.5)))


def test_nested_vmaps_match_jax_values_and_rule_arguments():
    def rule(lib, n, in_batched, xs, ys):
        return xs * ys + n, True
    for outer, inner, a, b in [((0, 0), (0, 0), M, M * 2), ((None, 0), (0, None), X, Y),
                               ((0, None), (None, 0), X, Y), ((1, 0), (0, None), M, Y)]:
        calls = {}
        for lib in (tg, jax):
            f, c = pair(prod_body, rule, lib)
            calls[lib.__name__] = (lib.vmap(lib.vmap(f, in_axes=inner), in_axes=outer)(a, b), c)
        close(calls["tensorgrad"][0], calls["jax"][0])
        # tensorgrad's outer vmap is a loop: the rule runs once per outer slice, as JAX's once
        assert {str(c) for c in calls["tensorgrad"][1]} == {str(c) for c in calls["jax"][1]}


def test_no_batched_argument_runs_the_body_not_the_rule():
    both(prod_body, prod_rule, lambda lib, f: lib.vmap(lambda x: f(1.0, 2.0) * x)(X))


def test_keyword_arguments_bind_to_positions():
    def make(lib):
        def f(x, y):
            return x + y
        f = (jcb if lib is jax else tcb).custom_vmap(f)
        f.def_vmap(lambda n, b, xs, ys: (xs * ys, True))
        return lib.vmap(lambda a, c: f(a, y=c))(X, Y)
    close(make(tg), make(jax))


def sin_body(lib, x, y):
    return (jnp if lib is jax else tg).sin(x) * y


def cos_rule(lib, n, in_batched, xs, ys):  # deliberately not the body's batch: shows which ran
    return (jnp if lib is jax else tg).cos(xs) * ys, bool(in_batched[0] or in_batched[1])


def test_forward_mode_differentiates_the_body_outside_vmap_and_the_rule_inside():
    both(sin_body, cos_rule, lambda lib, f: lib.jvp(f, (0.3, 2.0), (1.0, 0.5)))
    both(sin_body, cos_rule, lambda lib, f: lib.jvp(lambda a: lib.vmap(f)(a, Y), (X,), (Y,)))
    both(sin_body, cos_rule, lambda lib, f: lib.jvp(lambda a: lib.vmap(f, in_axes=(None, 0))(a, Y),
                                                    (0.3,), (1.0,)))
    # jacfwd: JAX's is a vmap of jvp, which runs the rule with in_batched all False; tensorgrad's
    # pushes a batch of tangents through the body. They agree for a rule true to the body
    true_rule = lambda lib, n, b, xs, ys: (sin_body(lib, xs, ys), bool(b[0] or b[1]))  # noqa: E731
    close(tg.jacfwd(pair(sin_body, true_rule, tg)[0], argnums=(0, 1))(0.3, 2.0),
          jax.jacfwd(pair(sin_body, true_rule, jax)[0], argnums=(0, 1))(0.3, 2.0))
    # vmap of jvp: the JVP of the rule (the rule's flags differ: JAX splits the batch there)
    got = tg.vmap(lambda a, b: tg.jvp(pair(sin_body, cos_rule, tg)[0], (a, b), (b, a)))(X, Y)
    want = jax.vmap(lambda a, b: jax.jvp(pair(sin_body, cos_rule, jax)[0], (a, b), (b, a)))(X, Y)
    close(got, want)


def test_reverse_mode_raises_as_in_jax_except_through_an_enclosing_vmap():
    for lib, err in ((tg, TypeError), (jax, ValueError)):
        f, _ = pair(sin_body, cos_rule, lib)
        with pytest.raises(err):
            lib.grad(f)(0.3, 2.0)
        with pytest.raises(err):
            lib.vmap(lib.grad(f))(X, Y)
    with pytest.raises(TypeError, match="custom_vmap .*reverse-mode"):
        tg.grad(pair(sin_body, cos_rule, tg)[0])(0.3, 2.0)
    # grad of a vmapped function differentiates the rule, in both
    both(sin_body, cos_rule, lambda lib, f: lib.grad(lambda a: lib.vmap(f)(a, Y).sum())(X))
    both(sin_body, cos_rule, lambda lib, f: lib.grad(
        lambda b: lib.vmap(f, in_axes=(0, None))(X, b).sum())(0.7))


def test_custom_vjp_around_custom_vmap_the_documentation_example():
    def make(lib):
        np_ = jnp if lib is jax else tg
        f = (jax.custom_vjp if lib is jax else tg.custom_vjp)(
            (jcb if lib is jax else tcb).custom_vmap(lambda x, y: np_.sin(x) * y))

        @f.def_vmap
        def rule(axis_size, in_batched, xs, ys):
            return np_.cos(xs) * ys, True
        f.defvjp(lambda x, y: (f(x, y), (np_.cos(x), np_.sin(x), y)),
                 lambda res, g: (res[0] * g * res[2], res[1] * g))
        return f
    ft, fj = make(tg), make(jax)
    close(tg.vmap(ft)(np.zeros(3), np.ones(3)), jax.vmap(fj)(np.zeros(3), np.ones(3)))
    close(tg.grad(ft)(0.0, 1.0), jax.grad(fj)(0.0, 1.0))
    close(tg.grad(lambda a: tg.vmap(ft)(a, Y).sum())(X), jax.grad(lambda a: jax.vmap(fj)(a, Y).sum())(X))


def test_custom_jvp_and_custom_vmap_either_way_round():
    def outer_jvp(lib):  # a custom_jvp function whose body is a custom_vmap function
        np_ = jnp if lib is jax else tg
        g, _ = pair(sin_body, cos_rule, lib)
        f = (jax.custom_jvp if lib is jax else tg.custom_jvp)(g)
        f.defjvp(lambda p, t: (g(*p), np_.cos(p[0]) * p[1] * t[0] + np_.sin(p[0]) * t[1]))
        return f
    ft, fj = outer_jvp(tg), outer_jvp(jax)
    close(tg.grad(ft)(0.3, 2.0), jax.grad(fj)(0.3, 2.0))
    close(tg.jvp(ft, (0.3, 2.0), (1.0, 1.0)), jax.jvp(fj, (0.3, 2.0), (1.0, 1.0)))
    close(tg.vmap(ft)(X, Y), jax.vmap(fj)(X, Y))
    close(tg.grad(lambda a: tg.vmap(ft)(a, Y).sum())(X), jax.grad(lambda a: jax.vmap(fj)(a, Y).sum())(X))

    def inner_jvp(lib):  # a custom_vmap function whose body is a custom_jvp function
        np_ = jnp if lib is jax else tg
        h = (jax.custom_jvp if lib is jax else tg.custom_jvp)(lambda x: np_.sin(x))
        h.defjvp(lambda p, t: (h(*p), 2.0 * t[0]))  # (a rule that shows it was used)
        f = (jcb if lib is jax else tcb).custom_vmap(lambda x: h(x))
        f.def_vmap(lambda n, b, xs: (np_.cos(xs), b[0]))
        return f
    ft, fj = inner_jvp(tg), inner_jvp(jax)
    close(tg.jvp(ft, (0.3,), (1.0,)), jax.jvp(fj, (0.3,), (1.0,)))
    close(tg.vmap(ft)(X), jax.vmap(fj)(X))
    with pytest.raises(TypeError, match="custom_vmap"):
        tg.grad(ft)(0.3)
    with pytest.raises(ValueError):
        jax.grad(fj)(0.3)


def test_under_jit_the_rule_runs_at_trace_time():
    ft, ct = pair(sin_body, cos_rule, tg)
    fj, _ = pair(sin_body, cos_rule, jax)
    jf = tg.jit(tg.vmap(ft))
    for a in (X, Y, X * 2):
        close(jf(a, Y), jax.jit(jax.vmap(fj))(a, Y))
    assert ct == [(3, [True, True])]  # traced once, replayed after
    close(tg.jit(lambda a: tg.vmap(ft, in_axes=(0, None))(a, 2.0))(X), jax.vmap(fj, in_axes=(0, None))(X, 2.0))
    close(tg.vmap(tg.jit(ft))(X, Y), jax.vmap(jax.jit(fj))(X, Y))


def test_sequential_vmap_loops_and_passes_unbatched_arguments_whole():
    def body(lib, x, w):
        assert np.ndim(x) == 1 and np.shape(w) == (2, 3)
        return {"y": (jnp if lib is jax else tg).tanh(w @ x), "n": (x * x).sum()}
    A = RNG.standard_normal((4, 3))
    for in_axes, args in [((0, None), (A, M)), ((1, None), (A.T.copy(), M))]:
        want = jax.vmap(jcb.sequential_vmap(lambda x, w: body(jax, x, w)), in_axes=in_axes)(*args)
        got = tg.vmap(tcb.sequential_vmap(lambda x, w: body(tg, x, w)), in_axes=in_axes)(*args)
        close(got, want)
    s = tcb.sequential_vmap(lambda x: x + 1)
    close(tg.vmap(tg.vmap(s))(M), jax.vmap(jax.vmap(jcb.sequential_vmap(lambda x: x + 1)))(M))
    close(s(2.0), 3.0)
    close(tg.jvp(lambda a: tg.vmap(tcb.sequential_vmap(tg.sin))(a).sum(), (X,), (Y,)),
          jax.jvp(lambda a: jax.vmap(jcb.sequential_vmap(jnp.sin))(a).sum(), (X,), (Y,)))
    with pytest.raises(ValueError):  # the loop calls the function itself: no reverse mode
        jax.grad(lambda a: jax.vmap(jcb.sequential_vmap(jnp.sin))(a).sum())(X)
    with pytest.raises(TypeError, match="custom_vmap .*reverse-mode"):
        tg.grad(lambda a: tg.vmap(tcb.sequential_vmap(tg.sin))(a).sum())(X)


@pytest.mark.parametrize("rule, match", [
    (lambda n, b, xs, ys: xs * ys, "pair"),
    (lambda n, b, xs, ys: ((xs, ys), True), "out_batched"),
    (lambda n, b, xs, ys: ((xs, ys), (True, True)), "structure"),
    (lambda n, b, xs, ys: (xs[:2], True), "batch axis"),
    (lambda n, b, xs, ys: (xs[:, None], True), "shape"),
    (lambda n, b, xs, ys: (xs, "yes"), "bools"),
])
def test_bad_rules_raise_clear_errors(rule, match):
    f = tcb.custom_vmap(lambda x, y: x + y)
    f.def_vmap(rule)
    with pytest.raises((TypeError, ValueError), match=f"custom_vmap .*{match}"):
        tg.vmap(f)(X, Y)


def test_missing_rule_and_bad_input():
    f, fj = tcb.custom_vmap(lambda x: x), jcb.custom_vmap(lambda x: x)
    with pytest.raises(AttributeError):
        fj(1.0)
    with pytest.raises(AttributeError, match="custom_vmap .*def_vmap"):
        f(1.0)
    with pytest.raises(TypeError, match="sequential_vmap"):
        tcb.sequential_vmap(3)
    with pytest.raises(TypeError, match="def_vmap"):
        f.def_vmap(None)
