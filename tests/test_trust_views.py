"""Inputs and constants that share memory; arrays locked by live tapes; outputs that alias.

Reproductions: views of one buffer passed as inputs (or an input and a
constant slicing one array) raised "cannot set WRITEABLE flag to True", left
the caller's arrays read-only for good and replaced the user's own exception.
Saved constants are now locked (not copied) for as long as a tape needs them.
"""
from __future__ import annotations

import gc

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import tensorgrad as tg
from tensorgrad import guards


def _flags(*arrays):
    return [a.flags.writeable for a in arrays]


def test_views_of_one_buffer_as_inputs():
    P = np.arange(6.0).reshape(2, 3)
    a, b = P[0], P[1]
    ga, gb = tg.grad(lambda x, y: tg.sum(x * y), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, P[1])
    np.testing.assert_array_equal(gb, P[0])
    assert _flags(P, a, b) == [True, True, True]
    a[0] = 7.0  # still the caller's own, writable arrays
    assert P[0, 0] == 7.0


def test_two_columns_of_one_data_set_and_overlapping_slices():
    X = np.arange(10.0).reshape(5, 2)
    c0, c1 = X[:, 0], X[:, 1]
    g0, g1 = tg.grad(lambda u, v: tg.sum(u * u + u * v), argnums=(0, 1))(c0, c1)
    np.testing.assert_array_equal(g0, 2 * X[:, 0] + X[:, 1])
    np.testing.assert_array_equal(g1, X[:, 0])
    v = np.arange(5.0)
    s1, s2 = v[0:3], v[2:5]  # overlapping
    for J in (tg.jacrev, tg.jacfwd):
        j1, j2 = J(lambda p, q: p * q, argnums=(0, 1))(s1, s2)
        np.testing.assert_array_equal(j1, np.diag(v[2:5]))
        np.testing.assert_array_equal(j2, np.diag(v[0:3]))
    assert _flags(X, c0, c1, v, s1, s2) == [True] * 6


def test_params_dict_of_slices_of_one_flat_vector():
    flat = np.arange(6.0)
    params = {"W": flat[:4].reshape(2, 2), "b": flat[4:]}
    x = np.array([1.0, -1.0])

    def loss(p, x):
        return tg.sum(tg.tanh(p["W"] @ x + p["b"]))
    g = tg.grad(loss)(params, x)
    h = 1 - np.tanh(params["W"] @ x + params["b"]) ** 2
    np.testing.assert_allclose(g["W"], np.outer(h, x))
    np.testing.assert_allclose(g["b"], h)
    assert _flags(flat, params["W"], params["b"]) == [True, True, True]
    _, pull = tg.vjp(loss, params, x)
    assert _flags(flat, params["W"], params["b"]) == [False, False, False]
    del pull
    assert _flags(flat, params["W"], params["b"]) == [True, True, True]


def test_input_and_constant_slicing_one_array():
    A = np.arange(6.0).reshape(2, 3)
    g = tg.grad(lambda x: tg.sum(x * A[1] + A[0]))(A[0])
    np.testing.assert_array_equal(g, A[1])
    assert A.flags.writeable


def test_the_users_own_exception_propagates_and_flags_are_restored():
    P = np.arange(6.0).reshape(2, 3)
    c = P[1, ::-1]

    def f(x, y):
        tg.sum(x * y * c)
        raise KeyError("mine")
    for transform in (tg.grad(f, argnums=(0, 1)), tg.jacrev(f, argnums=(0, 1)),
                      lambda x, y: tg.vjp(f, x, y), lambda x, y: tg.linearize(f, x, y)):
        with pytest.raises(KeyError, match="mine"):
            transform(P[0], P[1])
        assert _flags(P, c) == [True, True]


def test_arrays_come_back_exactly_as_writable_as_they_went_in():
    base = np.arange(8.0)
    ro_view = base[:4]
    ro_view.flags.writeable = False  # the caller's own read-only view of a writable base
    frozen = np.arange(3.0)
    frozen.flags.writeable = False   # the caller's own read-only array
    w_view = base[4:]
    for transform in (tg.grad, tg.jacrev, tg.jacfwd):
        transform(lambda x, y, z: tg.sum(x * y) + tg.sum(z), argnums=(0, 1, 2))(
            ro_view, w_view, frozen)
        assert _flags(base, ro_view, frozen, w_view) == [True, False, False, True]
    _, pull = tg.vjp(lambda x, y: tg.sum(x * y), ro_view, w_view)
    assert _flags(base, ro_view, w_view) == [False, False, False]
    del pull
    assert _flags(base, ro_view, frozen, w_view) == [True, False, False, True]


def test_locks_in_any_order_restore_every_flag():
    rng = np.random.default_rng(0)
    for trial in range(60):
        P = np.arange(12.0)
        views = [P, P[:6], P[3:9], P[::2], P.reshape(3, 4)[1], P[6:]]
        if trial % 3 == 0:
            views[2].flags.writeable = False
        before = _flags(*views)
        holders = []
        for _ in range(rng.integers(1, 6)):
            h = guards.Held()
            for k in rng.choice(len(views), size=rng.integers(1, 4), replace=False):
                assert guards.lock(views[k], h, "test")
            holders.append(h)
        assert not P.flags.writeable or all(not h.arrays for h in holders)
        for k in rng.permutation(len(holders)):
            guards.unlock(holders[k])
        assert _flags(*views) == before


def test_vjp_locks_saved_arrays_until_the_pullback_is_released():
    x = np.array([1.0, 2.0])
    c = np.array([3.0, 4.0])
    out, pull = tg.vjp(lambda x: tg.sum(x * x * c), x)
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 100.0
    with pytest.raises(ValueError, match="read-only"):
        c[0] = 100.0
    np.testing.assert_array_equal(pull(1.0)[0], 2 * x * c)
    np.testing.assert_array_equal(pull(1.0)[0], 2 * x * c)  # callable again
    del pull
    gc.collect()
    assert x.flags.writeable and c.flags.writeable
    x[0] = 100.0
    # linearize the same way
    out, f_jvp = tg.linearize(lambda x: tg.exp(x) * c, x)
    with pytest.raises(ValueError, match="read-only"):
        c[1] = 0.0
    del f_jvp
    assert c.flags.writeable


def test_forcing_a_locked_array_writable_is_reported_by_name():
    c = np.array([3.0, 4.0, 5.0])
    _, pull = tg.vjp(lambda x: tg.sum(x * c), np.ones(3))
    c.flags.writeable = True  # the caller forces it
    c[0] = -1.0
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*float64.*multiply"):
        pull(1.0)
    del pull
    t = tg.tensor(np.ones(2), requires_grad=True)
    d = np.array([1.0, 2.0])
    y = tg.sum(t * d)
    d.flags.writeable = True
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        y.backward()


def test_nested_and_repeated_tapes_share_a_lock():
    c = np.array([1.0, 2.0])

    def outer(x):  # the inner grad locks c too; the outer vjp keeps it locked
        return tg.sum(tg.grad(lambda y: tg.sum(y * c * x))(x))
    _, pull1 = tg.vjp(outer, np.ones(2))
    _, pull2 = tg.vjp(lambda x: tg.sum(x * c), np.ones(2))
    assert not c.flags.writeable
    np.testing.assert_array_equal(pull1(1.0)[0], [1.0, 2.0])
    del pull1
    assert not c.flags.writeable  # pull2 still needs it
    del pull2
    assert c.flags.writeable


def test_imperative_constants_are_locked_until_backward():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    c = np.array([3.0, 4.0])
    y = tg.sum(tg.exp(t) * c)
    with pytest.raises(ValueError, match="read-only"):
        c[0] = 100.0
    y.backward()
    np.testing.assert_allclose(t.grad, np.exp([1.0, 2.0]) * [3.0, 4.0])
    assert c.flags.writeable  # the saved values are freed, and so is the lock
    z = tg.sum(t * c)
    assert not c.flags.writeable
    del z  # a graph dropped without backward lets go too
    gc.collect()
    assert c.flags.writeable
    w = tg.sum(t * c)
    w.backward(retain_graph=True)
    assert not c.flags.writeable  # kept for the second backward
    w.backward()
    assert c.flags.writeable


def test_arrays_that_cannot_be_locked_are_copied():
    base = np.array([1.0, 2.0, 3.0])
    strided = as_strided(base, shape=(3,), strides=(8,))  # writable, owned by a helper object
    _, pull = tg.vjp(lambda x: tg.sum(x * strided), np.ones(3))
    strided[0] = 50.0  # allowed: the tape holds its own copy
    np.testing.assert_array_equal(pull(1.0)[0], [1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tg.sum(x * x))(strided)
    np.testing.assert_array_equal(g, 2 * strided)
    assert strided.flags.writeable and base.flags.writeable


def test_outputs_never_alias_the_callers_arrays():
    x = np.array([1.0, 2.0, 3.0])
    c = np.array([5.0, 6.0])
    (val, aux), g = tg.value_and_grad(lambda x: (tg.sum(x), x), has_aux=True)(x)
    assert not np.shares_memory(aux, x) and aux.flags.writeable
    _, pull, aux = tg.vjp(lambda x: (x * 2.0, c), x, has_aux=True)
    assert not np.shares_memory(aux, c)
    del pull
    out, _ = tg.jvp(lambda x: x, (x,), (np.ones(3),))
    assert not np.shares_memory(out, x)
    out, pull = tg.vjp(lambda x: x.reshape(3, 1), x)
    assert not np.shares_memory(out, x)
    del pull
    v, _ = tg.value_and_grad(lambda x: tg.sum(x).reshape(()))(x)
    J, aux = tg.jacrev(lambda x: (x, c), has_aux=True)(x)
    assert not np.shares_memory(aux, c)
    J, aux = tg.jacfwd(lambda x: (x, c), has_aux=True)(x)
    assert not np.shares_memory(aux, c)
    for a in (x, c):
        assert a.flags.writeable


def test_a_holder_collected_inside_the_critical_section_gives_its_locks_back():
    # the garbage collector may run while this thread holds the guard's mutex
    # (any allocation there can trigger it); that must neither deadlock nor leak
    c = np.array([1.0, 2.0])
    h = guards.Held()
    assert guards.lock(c, h, "test")
    cycle = [h]
    cycle.append(cycle)
    del h, cycle
    with guards._MUTEX:
        gc.collect()  # finalizes the holder while the mutex is ours
        assert not c.flags.writeable  # deferred, not given back in the middle of a section
        guards._drain()  # what every critical section does before it ends
    assert c.flags.writeable
    h2 = guards.Held()
    assert guards.lock(c, h2, "test")
    cycle = [h2]
    cycle.append(cycle)
    del h2, cycle
    with guards._MUTEX:
        gc.collect()
    d = np.ones(2)
    guards.unlock(guards.Held())  # nothing held: nothing to do
    h3 = guards.Held()
    guards.lock(d, h3, "test")  # the next section drains what was deferred
    assert c.flags.writeable
    guards.unlock(h3)


def test_views_through_helper_objects_and_foreign_memory(tmp_path):
    x = np.arange(5.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, 2)  # read-only, hangs on a helper

    def f(w):
        y = tg.sum(w * windows)
        x[0] = 100.0  # the memory behind the constant windows
        return y
    with pytest.raises(ValueError, match="read-only"):
        tg.grad(f)(np.ones((4, 2)))
    assert x.flags.writeable and x[0] == 0.0
    # memory owned by a writable non-array object is copied, never trusted
    buf = bytearray(np.arange(3.0).tobytes())
    c = np.frombuffer(buf)
    c.flags.writeable = False  # read-only, but the bytearray can still change it
    _, pull = tg.vjp(lambda v: tg.sum(v * c), np.ones(3))
    buf[:8] = np.array([50.0]).tobytes()
    np.testing.assert_array_equal(pull(1.0)[0], [0.0, 1.0, 2.0])
    m = np.lib.format.open_memmap(tmp_path / "m.npy", mode="w+", shape=(3,))
    m[:] = [1.0, 2.0, 3.0]
    _, pull = tg.vjp(lambda v: tg.sum(v * m), np.ones(3))
    m[0] = -7.0  # a memory map stays writable: the tape kept a copy
    np.testing.assert_array_equal(pull(1.0)[0], [1.0, 2.0, 3.0])
    del pull, m


def test_views_released_while_their_base_is_held_wait_for_it_and_then_come_back():
    P = np.random.default_rng(0).random((50, 3))
    rows = [P[i] for i in range(50)]
    _, pull = tg.vjp(lambda a: tg.sum(a * P), np.ones((50, 3)))  # holds P
    for r in rows:  # each call locks its row (and P); the row waits for P afterwards
        tg.grad(lambda u, w: tg.sum(u * w))(np.ones(3), r)
    assert not any(r.flags.writeable for r in rows)  # (a view of a locked array cannot be)
    assert {guards._BLOCKED_BY[id(r)] for r in rows} == {id(P)}  # released with P, not rescanned
    tg.grad(lambda u, w: tg.sum(u * w))(np.ones(3), rows[0])  # a waiting view locked again
    np.testing.assert_allclose(pull(1.0)[0], P)
    del pull
    assert P.flags.writeable and all(r.flags.writeable for r in rows)
    assert not any(id(r) in guards._BLOCKED_BY for r in rows) and id(P) not in guards._WAITING
