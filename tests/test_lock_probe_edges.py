"""Saved arrays that cannot be locked as usual: read-only views of writable arrays read by a
custom rule's closure, memmaps a checkpointed function reads, strided read-only views whose
dtype is set, NumPy subclasses and masked arrays, and an interrupt as locked views wake."""
import gc

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import tensorgrad as tg
import tensorgrad.guards as guards


def _closure_rule(c):
    h = tg.custom_vjp(lambda z: np.sum(z * c))
    h.defvjp(lambda z: (np.sum(z * c), None), lambda res, g: (g * c,))
    return h


def test_a_read_only_view_a_rule_reads_from_its_closure_locks_its_base():
    w = np.array([1.0, 2.0, 3.0])
    c = np.broadcast_to(w, (2, 3))  # (read-only, a view of a writable array)
    _, pb = tg.vjp(_closure_rule(c), np.ones((2, 3)))
    with pytest.raises(ValueError, match="read-only"):
        w[0] = 100.0
    np.testing.assert_array_equal(pb(1.0)[0], [[1.0, 2.0, 3.0]] * 2)
    del pb
    gc.collect()
    assert w.flags.writeable and not c.flags.writeable


def test_an_array_that_cannot_be_locked_is_compared_before_the_backward_pass(tmp_path):
    m = np.memmap(tmp_path / "m.dat", dtype=float, mode="w+", shape=(3,))
    m[:] = [1.0, 2.0, 3.0]
    h = _closure_rule(m)
    _, pb = tg.vjp(h, np.ones(3))
    np.testing.assert_array_equal(pb(1.0)[0], [1.0, 2.0, 3.0])
    _, pb = tg.vjp(h, np.ones(3))
    m[0] = 50.0  # (a memmap cannot be locked: the write lands, and the pullback refuses)
    with pytest.raises(RuntimeError, match=r"shape \(3,\) .* cannot lock.* was written or changed"):
        pb(1.0)
    m[:] = [1.0, 2.0, 3.0]
    f = tg.checkpoint(lambda x: tg.sum(tg.sin(x) * m))  # (the backward pass runs f again)
    _, pb = tg.vjp(f, np.zeros(3))
    np.testing.assert_array_equal(pb(1.0)[0], [1.0, 2.0, 3.0])
    _, pb = tg.vjp(f, np.zeros(3))
    m[:] = [100.0, 200.0, 300.0]  # (sin(0) = 0: the recomputed value cannot tell)
    with pytest.raises(RuntimeError, match="checkpoint.*was written or changed"):
        pb(1.0)
    x = tg.tensor(np.zeros(3), requires_grad=True)  # (the imperative tape too)
    m[:] = [1.0, 2.0, 3.0]
    y = f(x)
    m[1] = 7.0
    with pytest.raises(RuntimeError, match="was written or changed"):
        y.backward()


def test_setting_the_dtype_of_a_strided_read_only_view_is_caught():
    w = sliding_window_view(np.array([0.1, 0.2, 0.3, 0.4, 0.5]), 2)[:, 0]
    _, pb = tg.vjp(lambda x: tg.sum(tg.sin(x)), w)
    w.dtype = np.int64
    with pytest.raises(RuntimeError, match="dtype int64"):
        pb(1.0)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_numpy_subclasses_compute_as_plain_arrays_and_masked_arrays_are_refused():
    row = np.matrix([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x * row))(np.ones((1, 3))), [[1.0, 2.0, 3.0]])
    sq = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    value, g = tg.value_and_grad(lambda x: tg.sum(tg.sin(x) * sq))(np.ones((2, 2)))
    np.testing.assert_allclose(value, 10 * np.sin(1.0), rtol=1e-15)  # (elementwise, not matrix *)
    np.testing.assert_allclose(g, np.cos(1.0) * np.asarray(sq), rtol=1e-15)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x * x))(sq), 2 * np.asarray(sq))
    xx = np.ones((2, 2))  # (forward mode too: the tangent of x * sq is sq, not a matrix product)
    np.testing.assert_array_equal(tg.jvp(lambda x: x * sq, (xx,), (xx,))[1], np.asarray(sq))
    np.testing.assert_array_equal(tg.jacfwd(lambda x: tg.sum(x * sq))(xx), np.asarray(sq))
    twice = tg.grad(lambda x: tg.sum(x * row * row))(np.ones((1, 3)))  # (one constant used twice)
    np.testing.assert_array_equal(twice, [[1.0, 4.0, 9.0]])
    k = tg.custom_vjp(lambda a: a * 2.0)  # (a residual of a subclass reaches bwd plain, as JAX's)
    k.defvjp(lambda a: (a * 2.0, sq), lambda r, g: (g * r,))
    corner = np.array([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(k(a) * corner))(xx), corner)
    masked = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    with pytest.raises(ValueError, match=r"multiply: a NumPy masked array \(shape \(3,\)"):
        tg.value_and_grad(lambda z: tg.sum(z * masked))(np.ones(3))
    with pytest.raises(ValueError, match="input 0 of grad: a NumPy masked array"):
        tg.grad(lambda z: tg.sum(z * 2.0))(masked)


class _InterruptOnce(dict):
    """A Ctrl-C landing as a base that was locked wakes the views that waited for it."""
    armed = False

    def pop(self, *args):
        if _InterruptOnce.armed:
            _InterruptOnce.armed = False
            raise KeyboardInterrupt
        return super().pop(*args)


def test_an_interrupt_as_waiting_views_wake_leaves_them_writable(monkeypatch):
    monkeypatch.setattr(guards, "_BLOCKED_BY", _InterruptOnce())
    base = np.arange(8.0)
    view = base[:4]
    first, second = guards.Held(), guards.Held()
    guards.lock(view, first, "a")  # (the view and its base)
    guards.lock(base, second, "b")
    guards.unlock(first)  # (the view waits for its base)
    assert not view.flags.writeable
    _InterruptOnce.armed = True
    with pytest.raises(KeyboardInterrupt):
        guards.unlock(second)
    assert base.flags.writeable and view.flags.writeable
    _, pb = tg.vjp(lambda z: tg.sum(z * z), view)  # (raised a bare KeyError)
    np.testing.assert_array_equal(pb(1.0)[0], 2 * view)
    del pb
    gc.collect()
    assert base.flags.writeable and view.flags.writeable


def test_an_array_of_a_subclass_is_itself_locked():
    base = np.array([1.0, 2.0, 3.0])
    rec = base.view(np.recarray)  # (a view of a subclass: its plain view would skip it)
    _, pb = tg.vjp(lambda z: tg.sum(z * rec), np.ones(3))
    with pytest.raises(ValueError, match="read-only"):
        rec[0] = 100.0
    np.testing.assert_array_equal(pb(1.0)[0], [1.0, 2.0, 3.0])
    del pb
    gc.collect()
    assert base.flags.writeable and rec.flags.writeable
    x = tg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    u = tg.tensor(np.ones(3), requires_grad=True)
    y = (u * x.grad).sum()  # (x.grad, an array of a subclass, saved by y's graph)
    (x * x).sum().backward()  # (accumulates into x.grad)
    y.backward()
    np.testing.assert_array_equal(u.grad, [2.0, 4.0, 6.0])


def test_the_imperative_tape_compares_an_unlockable_closure_array(tmp_path):
    m = np.memmap(tmp_path / "m.dat", dtype=float, mode="w+", shape=(3,))
    m[:] = [1.0, 2.0, 3.0]
    h = _closure_rule(m)
    t = tg.tensor(np.ones(3), requires_grad=True)
    h(t).backward()
    np.testing.assert_array_equal(t.grad, [1.0, 2.0, 3.0])
    y = h(t)
    m[0] = 100.0
    with pytest.raises(RuntimeError, match="cannot lock, so it kept a digest"):
        y.backward()
