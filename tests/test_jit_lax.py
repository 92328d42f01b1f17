"""``tg.lax`` control flow and dynamic slicing under ``tg.jit`` with traced decisions.

A plan is straight-line code, so a cond/switch whose predicate or index the plan traces runs
every branch and selects (as JAX does under vmap); dynamic slices with traced starts gather
at positions computed in the plan. Each jitted call must equal JAX's for its own inputs.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.staging import ConcretizationError

jax.config.update("jax_enable_x64", True)

X = np.array([[1.0, -2.0, 3.0, 0.5], [4.0, 5.0, -6.0, 2.0], [0.1, 0.2, 0.3, 0.4]])


def _both(f_tg, f_jax, *args):
    got = tg.jit(f_tg)(*args)
    want = jax.jit(f_jax)(*args)
    for g, w in zip(tg.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-13)
        assert np.asarray(g).dtype == np.asarray(w).dtype


@pytest.mark.parametrize("i", [-7, -2, 0, 1, 2, 9])
def test_dynamic_slices_with_traced_starts(i):
    i = np.int64(i)
    _both(lambda x, i: tg.lax.dynamic_slice(x, (i, i + 1), (2, 2)),
          lambda x, i: jax.lax.dynamic_slice(x, (i, i + 1), (2, 2)), X, i)
    _both(lambda x, i: tg.lax.dynamic_slice_in_dim(x, i, 3, axis=1),
          lambda x, i: jax.lax.dynamic_slice_in_dim(x, i, 3, axis=1), X, i)
    upd = np.array([[10.0, 20.0], [30.0, 40.0]])
    _both(lambda x, u, i: tg.lax.dynamic_update_slice(x, u, (i, 1)),
          lambda x, u, i: jax.lax.dynamic_update_slice(x, u, (i, 1)), X, upd, i)
    _both(lambda x, i: tg.lax.dynamic_update_index_in_dim(x, x[0] * 7, i, 0),
          lambda x, i: jax.lax.dynamic_update_index_in_dim(x, x[0] * 7, i, 0), X, i)
    # and their gradients, in the operand and the update
    gt = tg.jit(tg.grad(lambda x, u, i: tg.sum(tg.lax.dynamic_update_slice(x, u, (i, 1)) ** 2),
                        argnums=(0, 1)))(X, upd, i)
    gj = jax.jit(jax.grad(lambda x, u, i: jnp.sum(jax.lax.dynamic_update_slice(x, u, (i, 1)) ** 2),
                          argnums=(0, 1)))(X, upd, i)
    for a, b in zip(gt, gj):
        np.testing.assert_allclose(a, b, rtol=1e-13)


@pytest.mark.parametrize("allow", [False, (True, False), (False, True)])
def test_allow_negative_indices_false_clamps_traced_starts_and_refuses_known_ones(allow):
    upd = np.array([[10.0, 20.0], [30.0, 40.0]])
    for st in [(-1, -2), (-3, 1), (2, -9), (1, 7)]:
        i, j = np.int64(st[0]), np.int64(st[1])
        _both(lambda x, i, j: tg.lax.dynamic_slice(x, (i, j), (2, 2), allow_negative_indices=allow),
              lambda x, i, j: jax.lax.dynamic_slice(x, (i, j), (2, 2),
                                                    allow_negative_indices=allow), X, i, j)
        _both(lambda x, u, i, j: tg.lax.dynamic_update_slice(x, u, (i, j),
                                                             allow_negative_indices=allow),
              lambda x, u, i, j: jax.lax.dynamic_update_slice(x, u, (i, j),
                                                              allow_negative_indices=allow),
              X, upd, i, j)
        wrapped = _negatives_wrapped(allow, st)
        if wrapped:  # a known negative start where it is not allowed: JAX raises too
            with pytest.raises(ValueError, match="allow_negative_indices=False"):
                tg.lax.dynamic_slice(X, st, (2, 2), allow_negative_indices=allow)
            with pytest.raises(ValueError):
                jax.lax.dynamic_slice(X, st, (2, 2), allow_negative_indices=allow)
        else:
            np.testing.assert_array_equal(
                tg.lax.dynamic_slice(X, st, (2, 2), allow_negative_indices=allow),
                jax.lax.dynamic_slice(X, st, (2, 2), allow_negative_indices=allow))


def _negatives_wrapped(allow, st) -> bool:
    flags = [allow] * len(st) if isinstance(allow, bool) else list(allow)
    return any(s < 0 and not f for s, f in zip(st, flags))


def test_cond_and_switch_on_a_traced_value_select_per_call():
    f_tg = tg.jit(lambda x, i: tg.lax.switch(i, [lambda v: v, lambda v: 2 * v, lambda v: v ** 2], x))
    f_jax = jax.jit(lambda x, i: jax.lax.switch(i, [lambda v: v, lambda v: 2 * v, lambda v: v ** 2], x))
    for i in (-3, 0, 1, 2, 5):  # clamped into range, as JAX
        np.testing.assert_allclose(f_tg(X, np.int64(i)), f_jax(X, np.int64(i)), rtol=1e-15)
    c_tg = tg.jit(lambda x: tg.lax.cond(tg.sum(x) > 0, lambda v: tg.sin(v), lambda v: -v, x))
    c_jax = jax.jit(lambda x: jax.lax.cond(jnp.sum(x) > 0, lambda v: jnp.sin(v), lambda v: -v, x))
    for x in (X, -X):
        np.testing.assert_allclose(c_tg(x), c_jax(x), rtol=1e-15)
        # the gradient follows the branch each call takes
        np.testing.assert_allclose(
            tg.jit(tg.grad(lambda v: tg.sum(tg.lax.cond(tg.sum(v) > 0, tg.sin, lambda w: -w, v))))(x),
            jax.jit(jax.grad(lambda v: jnp.sum(jax.lax.cond(jnp.sum(v) > 0, jnp.sin, lambda w: -w, v))))(x),
            rtol=1e-14)
    # a pytree output, and the traced predicate of a Python-number pair
    p_tg = tg.jit(lambda x, i: tg.lax.cond(i > 0, lambda: {"a": x, "b": 1.0}, lambda: {"a": -x, "b": 2.0}))
    out = p_tg(X, np.int64(0))
    np.testing.assert_array_equal(out["a"], -X)
    assert float(out["b"]) == 2.0
    assert float(p_tg(X, np.int64(3))["b"]) == 1.0


def test_traced_branches_must_match_and_loop_bounds_must_be_static():
    with pytest.raises(TypeError, match="different shapes"):
        tg.jit(lambda x, i: tg.lax.cond(i > 0, lambda: x, lambda: x[0]))(X, np.int64(1))
    with pytest.raises(TypeError, match="different structures"):
        tg.jit(lambda x, i: tg.lax.switch(i, [lambda: (x, x), lambda: x]))(X, np.int64(1))
    with pytest.raises(ValueError, match="at least one branch"):
        tg.lax.switch(0, [])
    with pytest.raises(ConcretizationError, match="fori_loop: the upper bound is traced"):
        tg.jit(lambda x, n: tg.lax.fori_loop(0, n, lambda k, c: c + x, x))(X, np.int64(2))
    with pytest.raises(ConcretizationError, match="while_loop"):
        tg.jit(lambda x: tg.lax.while_loop(lambda c: tg.sum(c) < 100, lambda c: c * 2, x))(X)
    # eagerly and with static bounds they run as before
    assert tg.jit(lambda x: tg.lax.fori_loop(0, 3, lambda k, c: c + x, x))(X).tolist() == (4 * X).tolist()


@pytest.mark.parametrize("i", [0, 2, -1, 5, -7])
def test_index_updates_at_traced_integer_scalars(i):
    # x.at[i].set(v) with i traced: a select with a mask the plan computes; an out-of-bounds
    # index raises as it does eagerly, at the trace and at every replay; mode="drop" updates
    # nothing there, as JAX's updates do by default (mode="clip" clamps it)
    x = np.arange(12.0).reshape(3, 4)
    inside = -3 <= i < 3
    i = np.int64(i)
    mode = {} if inside else {"mode": "drop"}
    for meth, args in [("set", (9.0,)), ("add", (np.arange(4.0),)), ("multiply", (2.0,)),
                       ("min", (3.0,)), ("max", (6.0,))]:
        _both(lambda x, i: getattr(x.at[i], meth)(*args, **mode),
              lambda x, i: getattr(x.at[i], meth)(*args), x, i)
    _both(lambda x, i: x.at[i, 1].set(-1.0, **mode), lambda x, i: x.at[i, 1].set(-1.0), x, i)
    if not inside:
        f = tg.jit(lambda x, i: x.at[i].set(9.0))
        for j in (i, np.int64(1), i):  # the trace, a replay in bounds, a replay out of bounds
            if j == 1:
                np.testing.assert_array_equal(f(x, j)[1], 9.0)
                continue
            with pytest.raises(IndexError, match="out of bounds"):
                f(x, j)
        return
    _both(lambda x, i: x.at[i].set(1.0, mode="clip"), lambda x, i: x.at[i].set(1.0, mode="clip"), x, i)
    gt = tg.jit(tg.grad(lambda x, v, i: tg.sum(x.at[i].set(v) ** 2), argnums=(0, 1)))(x, np.ones(4), i)
    gj = jax.jit(jax.grad(lambda x, v, i: jnp.sum(x.at[i].set(v) ** 2), argnums=(0, 1)))(x, np.ones(4), i)
    for a, b in zip(gt, gj):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_a_scan_writing_a_buffer_at_its_step_under_jit():
    # (the carry starts as a NumPy array, which has no .at and cannot be indexed by a traced
    # value: tg.at(buf) and lax.dynamic_index_in_dim are the spellings that work on both)
    def fill(m, at, steps):
        def body(buf, k):
            prev = m.lax.dynamic_index_in_dim(buf, k - 1, keepdims=False)
            return at(buf)[k].set(prev * 2.0 + 1.0), prev
        return m.lax.scan(body, np.zeros(5), steps)
    got = tg.jit(lambda s: fill(tg, tg.at, s))(np.arange(5))
    want = jax.jit(lambda s: fill(jax, lambda b: b.at, s))(np.arange(5))
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tg.jit(lambda x, idx: x.at[idx].set(0.0))(np.ones(4), np.array([0, 2])),
                                  [0.0, 1.0, 0.0, 1.0])


def test_a_loop_carry_keeps_its_type_as_in_jax():
    x, xs = np.array([1.0, 2.0, 3.0]), np.ones((4, 3))
    with pytest.raises(TypeError, match="scan: .*shape"):
        tg.lax.scan(lambda c, r: (c[:2], r), x, xs)
    with pytest.raises(TypeError, match="scan: .*structure"):
        tg.lax.scan(lambda c, r: ((c, c), r), x, xs)
    with pytest.raises(TypeError, match="while_loop: .*shape"):
        tg.lax.while_loop(lambda c: c.shape[0] < 3, lambda c: tg.concatenate([c, c]), np.ones(1))
    with pytest.raises(TypeError, match="fori_loop: .*dtype"):
        tg.lax.fori_loop(0, 2, lambda i, c: c * 0.5, np.ones(2, dtype=np.int64))
    # a Python number's dtype is weak: a float carry may start as 0.0
    assert float(tg.lax.fori_loop(0, 3, lambda i, c: c + np.float64(i), 0.0)) == 3.0


def test_loops_and_branches_return_arrays_for_python_numbers_as_jax():
    # a carry or branch result that stays a Python number came back as one (8.0, with no
    # .shape or .dtype), where JAX returns an array of the number's dtype
    jax.config.update("jax_enable_x64", True)
    calls = [
        lambda L: L.fori_loop(0, 3, lambda i, c: c * 2.0, 1.0),
        lambda L: L.while_loop(lambda c: c < 3, lambda c: c + 1, 0),
        lambda L: L.scan(lambda c, x: (c + 1.5, x), 0.0, np.arange(2.0))[0],
        lambda L: L.cond(True, lambda a: 1.0, lambda a: 2.0, 1.0),
        lambda L: L.switch(1, [lambda: 1, lambda: 2]),
        lambda L: L.fori_loop(0, 2, lambda i, c: (c[0] + 1, c[1]), (0, True))[0],
    ]
    for call in calls:
        got, want = call(tg.lax), call(jax.lax)
        assert isinstance(got, np.ndarray) and got.shape == () and got.dtype == want.dtype, (got, want)
        assert got == want
    # a carry the body hands back unchanged passes through as it came, as in JAX
    for call in (lambda L: L.fori_loop(0, 3, lambda i, c: c, 1.0),
                 lambda L: L.fori_loop(0, 2, lambda i, c: (c[0] + 1, c[1]), (0, True))[1],
                 lambda L: L.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1]), (0, 2.5))[1],
                 lambda L: L.scan(lambda c, x: (c, x), 1.5, np.arange(2.0))[0]):
        got, want = call(tg.lax), call(jax.lax)
        assert type(got) is type(want) and got == want
    # tg.jit's results too (a fresh array at each call: the caller may write into it)
    jf = tg.jit(lambda v: (v * 2, 2.5, {"n": 3, "flag": True}))
    got, want = jf(np.ones(2)), jax.jit(lambda v: (v * 2, 2.5, {"n": 3, "flag": True}))(np.ones(2))
    for g, w in zip(tg.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert isinstance(g, np.ndarray) and g.dtype == w.dtype and np.array_equal(g, w)
    got[1][...] = 7.0
    assert jf(np.ones(2))[1] == 2.5

    def inside(v):  # run as written under an enclosing transform: the same results
        a, n = tg.jit(lambda u: (u * v, 1))(v)
        assert isinstance(n, np.ndarray) and n.dtype == np.int64
        return tg.sum(a)
    np.testing.assert_array_equal(tg.grad(inside)(np.arange(3.0)), [0.0, 2.0, 4.0])
    assert isinstance(tg.jit(lambda v: (v, lambda: 1, 2))(np.ones(2))[2], np.ndarray)  # (eager)
    with tg.disable_jit():  # (as JAX's disable_jit: the function's own values)
        assert tg.jit(lambda v: 2)(np.ones(2)) == 2 and type(tg.jit(lambda v: 2)(np.ones(2))) is int
    x32 = np.ones(3, np.float32)  # (inside the body a Python number stays weak, as in JAX)
    assert tg.lax.fori_loop(0, 3, lambda i, c: c + x32[i], 0.0).dtype == np.float32


def test_cond_under_jit_runs_only_the_taken_branch_when_nothing_is_differentiated():
    def f(a):
        return tg.lax.cond(a[0, 0] > 0, lambda m: tg.linalg.cholesky(m), lambda m: -m, a)
    jf = tg.jit(f)
    jf(np.eye(2) * 4.0)
    neg = -np.eye(2)             # cholesky of the untaken branch would raise at the replay
    np.testing.assert_array_equal(jf(neg), f(neg))
    # the untaken log would warn about log(0) (an error in this test run)
    g = tg.jit(lambda i, v: tg.lax.switch(i, [lambda w: tg.log(w), lambda w: 2.0 * w], v))
    assert g(np.int64(0), np.array(1.0)) == 0.0
    assert g(np.int64(1), np.array(0.0)) == 0.0


def test_eager_cond_and_switch_refuse_branches_of_different_types():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="cond: true_fun returns structure"):
        tg.lax.cond(True, lambda a: (a, a), lambda a: a, x)
    with pytest.raises(TypeError, match=r"cond: false_fun returns an array of shape \(\) .* true_fun returns shape \(2,\)"):
        tg.lax.cond(False, lambda a: a, lambda a: a[0], x)
    with pytest.raises(TypeError, match="dtype float32"):
        tg.lax.cond(True, lambda a: a.astype(np.float32), lambda a: a, x)
    with pytest.raises(TypeError, match="switch: branch 2 returns"):
        tg.lax.switch(5, [lambda a: a, lambda a: a, lambda a: a.sum()], x)
    # a Python number joins any dtype (JAX's weak types); a branch that fails is not run for
    # its type; the other branch runs once per branch code and operand type
    assert tg.lax.cond(True, lambda a: a.sum(), lambda a: 0.0, x) == 3.0
    assert tg.lax.cond(True, lambda a: a[0], lambda a: a[5], x) == 1.0
    calls = []

    def other(a):
        calls.append(1)
        return -a

    for _ in range(3):
        np.testing.assert_array_equal(tg.lax.cond(True, lambda a: a, other, x), x)
    assert len(calls) == 1
    g = tg.grad(lambda a: tg.lax.cond(a[0] > 0, lambda b: tg.sum(b ** 2), lambda b: tg.sum(b), a))(x)
    np.testing.assert_allclose(g, 2 * x)


def test_branches_not_taken_keep_jaxs_checks_without_their_effects():
    # a branch run eagerly for its type alone called io_callback (and pure_callback) for
    # real; branches one factory made on other shapes shared the memory of a passed check;
    # and a branch that cannot take the operands was skipped silently. JAX never runs the
    # callback, and raises TypeError for the other two
    log = []

    def write(u):
        log.append(float(u[0]))
        return u
    spec = jax.ShapeDtypeStruct((2,), np.float64)
    x = np.array([1.0, 2.0])
    out = tg.lax.cond(False, lambda v: tg.experimental.io_callback(write, spec, v), lambda v: -v, x)
    tg.lax.switch(0, [lambda v: v, lambda v: tg.pure_callback(write, spec, v)], x)
    np.testing.assert_array_equal(out, -x)
    assert log == []
    assert tg.lax.cond(True, lambda v: tg.experimental.io_callback(write, spec, v), lambda v: v, x) is not None
    assert log == [1.0]

    def make(n):
        return lambda v: v[:n]
    np.testing.assert_array_equal(tg.lax.cond(True, make(2), make(2), np.arange(4.0)), [0.0, 1.0])
    with pytest.raises(TypeError, match=r"shape \(2,\) .* shape \(3,\)"):
        tg.lax.cond(True, make(2), make(3), np.arange(4.0))
    with pytest.raises(TypeError, match="cond: false_fun cannot take the 1 operand"):
        tg.lax.cond(True, lambda a: a, lambda a, b: a, x)
    with pytest.raises(TypeError, match="switch: branch 1 cannot take the 2 operand"):
        tg.lax.switch(0, [lambda a, b: a, lambda a: a], x, x)


def test_branches_may_close_over_modules_and_objects_whose_shape_is_a_method():
    """The memory of checked branches keys a branch by what it closes over: a module alias
    (``tg.numpy`` has functions ``shape`` and ``dtype``) or an object with a ``shape()``
    method is known by identity, not read as an array."""
    tnp = tg.numpy

    class Box:
        def shape(self):
            return (2,)
        dtype = np.float64
    box = Box()
    x = np.array([1.0, -2.0])
    for pred in (True, False):
        out = tg.lax.cond(pred, lambda v: tnp.sin(v) + 0 * len(box.shape()), lambda v: tnp.cos(v), x)
        np.testing.assert_allclose(out, np.sin(x) if pred else np.cos(x))
    np.testing.assert_allclose(tg.lax.switch(1, [lambda v: tnp.sin(v), lambda v: tnp.exp(v)], x), np.exp(x))
    g = tg.grad(lambda v: tg.lax.cond(v[0] > 0, lambda u: tnp.sum(tnp.sin(u)), lambda u: tnp.sum(u), v))(x)
    np.testing.assert_allclose(g, np.cos(x))
    jg = tg.jit(tg.grad(lambda v: tg.lax.cond(v[0] > 0, lambda u: tnp.sum(tnp.sin(u)), lambda u: tnp.sum(u), v)))
    np.testing.assert_allclose(jg(x), np.cos(x))
    np.testing.assert_allclose(jg(-x), np.ones(2))


def test_a_branch_not_taken_under_jit_adds_no_nan_to_the_gradient():
    """Under tg.jit of a transform every branch runs and each call selects; the branch not
    taken (sqrt of a negative number: a NaN slope) must not reach the gradient, as JAX's
    cond runs one branch."""
    def mk(lax, m):
        return lambda x: lax.cond(x[0] > 0, lambda v: m.sum(m.sqrt(v) ** 3), lambda v: m.sum(v ** 2), x)

    def sw(lax, m):
        return lambda x: lax.switch(m.int32(x[0] > 0) + m.int32(x[0] > 5),
                                    [lambda v: m.sum(m.log(-v)), lambda v: m.sum(m.sqrt(v)), lambda v: m.sum(v)], x)
    for x in (np.array([-2.0, 3.0]), np.array([4.0, 3.0])):
        for name in ("grad", "jacfwd", "hessian"):
            with np.errstate(invalid="ignore", divide="ignore"):  # (the branch not taken, traced)
                got = tg.jit(getattr(tg, name)(mk(tg.lax, tg)))(x)
            np.testing.assert_allclose(got, jax.jit(getattr(jax, name)(mk(jax.lax, jnp)))(x), rtol=1e-13)
    f = tg.jit(tg.grad(sw(tg.lax, tg)))
    for x in (np.array([-2.0, -1.0]), np.array([2.0, 1.0]), np.array([7.0, 1.0])):
        with np.errstate(invalid="ignore", divide="ignore"):
            got = f(x)
        np.testing.assert_allclose(got, jax.jit(jax.grad(sw(jax.lax, jnp)))(x), rtol=1e-13)
    assert f.cache_size() == 1
    v = np.array([[-2.0, 1.0], [4.0, 1.0]])
    with np.errstate(invalid="ignore"):
        got = tg.jit(tg.vmap(tg.grad(mk(tg.lax, tg))))(v)
    np.testing.assert_allclose(got, jax.vmap(jax.grad(mk(jax.lax, jnp)))(v), rtol=1e-13)


def test_debug_effects_fire_only_in_the_branch_taken(capsys):
    # as JAX's: a branch run only to learn its type (eagerly) or probed while tracing prints
    # nothing; the taken branch prints once per call
    def t(v):
        tg.debug.print("TRUE {}", v[0])
        return v

    def e(v):
        tg.debug.print("FALSE {}", v[0])
        return -v
    f = tg.jit(lambda a: tg.lax.cond(a[0] > 1, t, e, a))
    f(np.array([1.0]))
    f(np.array([2.0]))
    tg.lax.cond(np.bool_(False), t, e, np.array([1.0, 5.0]))
    branches = [lambda v: (tg.debug.print("b0"), v)[1], lambda v: (tg.debug.print("b1"), 2 * v)[1]]
    g = tg.jit(lambda i, a: tg.lax.switch(i, branches, a))
    g(np.int64(1), np.ones(2))
    g(np.int64(0), np.ones(2))
    assert capsys.readouterr().out.split("\n") == ["FALSE 1.0", "TRUE 2.0", "FALSE 1.0", "b1", "b0", ""]


def test_loops_that_run_no_step_type_their_carry_as_jax():
    # JAX traces the body even when the loop runs no step: a weak carry takes the body's dtype
    # and a carry of another type raises. tensorgrad returned the Python int 0, stacked empty ys
    # as int64, and accepted an empty scan whose body changes the carry's shape
    for value in (tg.lax.fori_loop(0, 0, lambda i, c: c + 0.5, 0),
                  tg.lax.while_loop(lambda c: c > 5, lambda c: c + 0.5, 0),
                  tg.jit(lambda: tg.lax.fori_loop(0, 0, lambda i, c: c + 0.5, 0))()):
        assert value == 0.0 and np.result_type(value) == np.float64
        assert isinstance(value, float) or np.asarray(value).dtype == np.float64
    carry, ys = tg.lax.scan(lambda c, x: (c + x, c * 2), 0, np.zeros(0))
    want_carry, want_ys = jax.lax.scan(lambda c, x: (c + x, c * 2), 0, np.zeros(0))
    assert np.asarray(carry).dtype == want_carry.dtype and ys.dtype == want_ys.dtype == np.float64
    with pytest.raises(TypeError, match="scan: the body function returned a carry whose leaf 0 has shape"):
        tg.lax.scan(lambda c, x: (c * x + 1, c), np.float32(1.2), np.zeros((0, 2), np.float32))
    # a body that cannot run on these values (a counter past an empty array) is left alone
    assert tg.lax.fori_loop(0, 0, lambda i, c: c + np.zeros(0)[i], 0.0) == 0.0


def test_switch_on_a_static_index_checks_the_branch_types_under_jit():
    # eagerly a branch of another type raises (as JAX, which traces every branch); under tg.jit
    # with traced operands the check was skipped and the taken branch's value returned
    def g(x):
        return tg.lax.switch(1, [lambda a: a * 2, lambda a: 1.0], x)
    for f in (g, tg.jit(g)):
        with pytest.raises(TypeError, match="switch: branch 1 returns .* float64 where branch 0 returns .* float32"):
            f(np.float32(1.5))
    h = tg.jit(lambda x: tg.lax.switch(1, [lambda a: a * 2, lambda a: a + 1], x))
    assert h(np.float32(1.5)) == 2.5 and h(np.float32(2.5)) == 3.5  # (the plan: one branch)
