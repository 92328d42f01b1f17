"""Arrays a tape reads must not change before its backward pass: the cases around the edges of
locking (arrays read-only on arrival, views of read-only bases, memory NumPy cannot lock) and the
rules that run later (tg.checkpoint's recomputation, custom_vjp residuals, custom_jvp rules),
plus in-place NumPy calls under tg.jit."""
import array
import gc
import sys

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import guards
from tensorgrad.staging import ConcretizationError

X = np.array([0.5, -1.0, 2.0])
C = np.array([1.0, 2.0, 3.0])
EXPECTED = 2 * C ** 2 * X  # d/dx sum((x c)²)


def test_an_array_read_only_on_arrival_is_watched_and_keeps_its_flags():
    c = C.copy()
    c.flags.writeable = False
    _, pull = tg.vjp(lambda x: tg.sum((x * c) ** 2), X)
    c.flags.writeable = True  # the owner may: then the saved value could change
    c *= 10
    with pytest.raises(RuntimeError, match="made writable again"):
        pull(1.0)
    del pull
    assert c.flags.writeable  # as its owner left it

    d = C.copy()
    d.flags.writeable = False
    _, pull = tg.vjp(lambda x: tg.sum((x * d) ** 2), X)
    np.testing.assert_allclose(pull(1.0)[0], EXPECTED)
    del pull
    assert not d.flags.writeable  # never made writable by tensorgrad


def test_the_differentiated_input_read_only_on_arrival_is_watched_too():
    x = X.copy()
    x.flags.writeable = False
    _, pull = tg.vjp(lambda x: tg.sum(x ** 3), x)
    x.flags.writeable = True
    x *= 2
    with pytest.raises(RuntimeError, match="made writable again"):
        pull(1.0)


def test_a_writable_view_of_a_read_only_base_comes_back_writable():
    base = np.arange(1.0, 4.0)
    view = base[:]
    base.flags.writeable = False
    g = tg.grad(lambda x: tg.sum(x * x))(view)
    np.testing.assert_allclose(g, 2 * base)
    assert view.flags.writeable
    view2 = base[:]  # (taken while base is read-only: read-only itself, and stays so)
    tg.grad(lambda x: tg.sum(x * x))(view2)
    assert not view2.flags.writeable and not base.flags.writeable


def test_a_writable_view_comes_back_writable_while_its_read_only_base_is_watched_elsewhere():
    # the base, read-only by its owner, was already in the lock table (watched for another
    # pullback): the view was then locked instead of copied, and could never be made writable
    # again (NumPy refuses while the base is read-only)
    base = np.ones((2, 3))
    view = base[0]
    base.flags.writeable = False
    _, first = tg.vjp(lambda x: tg.sum(x * base), np.ones((2, 3)))
    _, second = tg.vjp(lambda x: tg.sum(x * view), np.ones(3))
    np.testing.assert_array_equal(second(1.0)[0], [1.0, 1.0, 1.0])
    del second, first
    gc.collect()
    assert view.flags.writeable and not base.flags.writeable
    view[0] = 5.0  # (the caller's view, writable as it came in)


class _Owner:
    """Memory exported through __array_interface__ by an object without a buffer interface (as
    a torch tensor's .numpy()): NumPy's flags cannot stop its owner writing."""

    def __init__(self, values):
        self.store = np.array(values, dtype=float)
        self.__array_interface__ = self.store.__array_interface__


def test_memory_owned_by_an_object_without_a_buffer_is_copied():
    owner = _Owner(C)
    c = np.asarray(owner)
    assert c.base is owner and c.flags.writeable
    _, pull = tg.vjp(lambda x: tg.sum((x * c) ** 2), X)
    owner.store *= 10  # a write NumPy's flags cannot see
    np.testing.assert_allclose(pull(1.0)[0], EXPECTED)


def test_checkpoint_locks_what_the_recomputation_reads():
    c = C.copy()
    f = tg.checkpoint(lambda x: tg.sum((x * c) ** 2))
    _, pull = tg.vjp(f, X)
    with pytest.raises(ValueError, match="read-only"):
        c *= 10
    np.testing.assert_allclose(pull(1.0)[0], EXPECTED)
    del pull
    assert c.flags.writeable
    c *= 10  # free again once the pullback is gone


def test_checkpoint_on_the_imperative_tape_releases_its_locks_with_the_backward_pass():
    c = C.copy()
    x = tg.tensor(X, requires_grad=True)
    loss = tg.checkpoint(lambda x: tg.sum((x * c) ** 2))(x)
    assert not c.flags.writeable
    loss.backward()
    np.testing.assert_allclose(x.grad, EXPECTED)
    assert c.flags.writeable


def _scaled():
    @tg.custom_vjp
    def f(x, c):
        return tg.sum((x * c) ** 2)

    def fwd(x, c):
        return f(x, c), (x, c)

    def bwd(res, g):
        x, c = res
        return g * 2 * c ** 2 * x, None

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_residuals_are_locked_while_the_pullback_lives():
    c = C.copy()
    f = _scaled()
    _, pull = tg.vjp(lambda x: f(x, c), X)
    with pytest.raises(ValueError, match="read-only"):
        c *= 10
    np.testing.assert_allclose(pull(1.0)[0], EXPECTED)
    del pull
    assert c.flags.writeable

    x = tg.tensor(X, requires_grad=True)
    loss = f(x, c)
    assert not c.flags.writeable
    loss.backward()  # (the imperative node's locks go with its saved values)
    np.testing.assert_allclose(x.grad, EXPECTED)
    assert c.flags.writeable


def test_custom_jvp_rule_runs_in_the_forward_pass_under_reverse_mode():
    c = C.copy()
    calls = []

    @tg.custom_jvp
    def h(x):
        return tg.sum((x * c) ** 2)

    @h.defjvp
    def h_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return h(x), tg.sum(2 * c ** 2 * x * t)

    _, pull = tg.vjp(h, X)
    _, push = tg.linearize(h, X)
    c *= 10  # read after the forward pass: must not reach the derivatives
    n = len(calls)
    np.testing.assert_allclose(pull(1.0)[0], EXPECTED)
    np.testing.assert_allclose([push(e) for e in np.eye(3)], EXPECTED)
    assert len(calls) == n  # (the checks that the rule is linear ran in the forward pass too)

    c[:] = C
    x = tg.tensor(X, requires_grad=True)
    loss = h(x)
    c *= 10
    loss.backward()
    np.testing.assert_allclose(x.grad, EXPECTED)


@pytest.mark.parametrize("call", [
    lambda x, buf: np.dot(np.eye(3), x, out=buf),
    lambda x, buf: np.cumsum(x, out=buf),
    lambda x, buf: np.clip(x, 0, 1, out=buf),
])
def test_jit_refuses_out_arrays_of_numpy_functions(call):
    def f(x):
        buf = np.empty(3)
        call(x, buf)
        return x * buf
    with pytest.raises(ConcretizationError, match="out=array"):
        tg.jit(f)(X)
    with pytest.raises(ConcretizationError, match="out=array"):
        tg.jit(lambda x: np.sum(x, out=np.empty(())))(X)


def test_a_saved_array_whose_dtype_or_shape_is_set_is_refused():
    # NumPy lets a.dtype = ... and a.shape = ... reread a read-only array's memory in place
    c = C.copy()
    _, pull = tg.vjp(lambda x: tg.sum((x * c) ** 2), X)
    c.dtype = np.int64
    with pytest.raises(RuntimeError, match="dtype float64 .* now reads its memory as shape \\(3,\\), strides \\(8,\\), dtype int64"):
        pull(1.0)
    c.dtype = np.float64  # as it was: the saved value again
    np.testing.assert_allclose(pull(1.0)[0], EXPECTED)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    _, pull = tg.vjp(lambda v: tg.sum(v ** 3), x)
    x.shape = (2, 2)
    with pytest.raises(RuntimeError, match="now reads its memory as shape \\(2, 2\\)"):
        pull(1.0)
    t = tg.tensor(X, requires_grad=True)
    d = C.copy()
    y = tg.sum(t * d)
    d.dtype = np.int64
    with pytest.raises(RuntimeError, match="backward\\(\\): .* now reads its memory"):
        y.backward()
    d.dtype = np.float64
    y.backward()
    np.testing.assert_allclose(t.grad, C)
    del pull, y
    assert c.flags.writeable and x.flags.writeable and d.flags.writeable


@pytest.mark.parametrize("where", ["_enter", "lock", "unlock", "_give_back_each", "_finish", "_park"])
def test_an_interrupt_inside_the_locking_leaves_no_array_read_only(where, monkeypatch):
    # a KeyboardInterrupt (Ctrl-C) lands on entry to one of the guards' functions, as a signal
    # does at a function's start; every array must come back writable, and the mutex free
    # (an interrupt in a finalizer is printed and dropped; pytest's own hook would keep its
    # traceback, and with it the frames of live graphs that still hold their locks)
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)

    code = getattr(guards, where).__code__
    for nth in range(1, 6):
        ys = [np.array([1.0, 2.0]) for _ in range(4)]
        views = [y[::-1] for y in ys[:2]]
        x = np.ones(2)
        seen = [0]

        def trace(frame, event, arg):
            if event == "call" and frame.f_code is code:
                seen[0] += 1
                if seen[0] == nth:
                    sys.settrace(None)
                    raise KeyboardInterrupt
            return None

        def f(v):
            return tg.sum(v * ys[0] * ys[1] * ys[2] * ys[3] * views[0] + views[1])

        sys.settrace(trace)
        try:
            tg.grad(f)(x)
            _, pull = tg.vjp(f, x)
            pull(1.0)
            del pull
            t = tg.tensor(x, requires_grad=True)
            f(t).backward()
            del t
        except KeyboardInterrupt:
            pass
        finally:
            sys.settrace(None)
        mine = ys + views + [x]  # (other tests' live pullbacks may hold arrays of their own)

        def given_back():
            return all(a.flags.writeable for a in mine) and not any(id(a) in guards._TABLE for a in mine)
        gc.collect(1)  # (young objects: cheap in a long run's large heap; the full one if needed)
        if not given_back():
            gc.collect()
        assert given_back(), (where, nth)
        assert not guards._MUTEX._is_owned()


def test_an_interrupt_as_a_holders_finalizer_begins_leaves_nothing_read_only(monkeypatch):
    # a Ctrl-C landing as Held.__del__ starts is reported and dropped by Python; the holder's
    # weak-reference callback then gives the counts back (the array stayed read-only for good)
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    for cyclic in (False, True):
        x = np.ones(3)
        _, pull = tg.vjp(lambda v: tg.sum(v * v), x)
        if cyclic:  # (a holder collected by the cycle collector, whose callbacks are special)
            box = [pull]
            box.append(box)
        assert not x.flags.writeable

        def trace(frame, event, arg):
            if event == "call" and frame.f_code is guards.Held.__del__.__code__:
                sys.settrace(None)
                raise KeyboardInterrupt
            return None

        sys.settrace(trace)
        try:
            del pull
            if cyclic:
                del box
            gc.collect()
        finally:
            sys.settrace(None)
        assert x.flags.writeable and id(x) not in guards._TABLE, cyclic


@pytest.mark.parametrize("recover", ["sweep", "new holders"])
def test_interrupts_in_both_a_holders_finalizer_and_its_callback_leave_nothing_read_only(
        monkeypatch, recover):
    # two Ctrl-Cs microseconds apart, one as Held.__del__ begins and one as its weak-reference
    # callback begins: Python drops both, and the counts were never given back (the arrays
    # stayed read-only for good); the holder's dead reference still holds them
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    interrupted = []

    class Interrupting(dict):  # the callback's first step is _BACKUPS.pop(ref, None)
        def pop(self, *args):
            if not interrupted:
                interrupted.append("callback")
                raise KeyboardInterrupt
            return super().pop(*args)
    monkeypatch.setattr(guards, "_BACKUPS", Interrupting(guards._BACKUPS))
    x = np.ones(3)
    _, pull = tg.vjp(lambda v: tg.sum(v * v), x)

    def trace(frame, event, arg):  # (a trace function that raises is removed: one interrupt)
        if event == "call" and frame.f_code is guards.Held.__del__.__code__:
            raise KeyboardInterrupt
        return None

    sys.settrace(trace)
    try:
        del pull
        gc.collect()
    finally:
        sys.settrace(None)
    assert interrupted and not x.flags.writeable  # (both interrupted: nothing given back)
    if recover == "sweep":
        guards.sweep_lost()
    else:  # what runs on its own: a sweep after as many new holders as live ones (≥ 1024)
        for _ in range(guards._MADE[1] - guards._MADE[0]):
            guards.Held()
    assert x.flags.writeable and id(x) not in guards._TABLE


def test_a_kept_error_of_an_op_leaves_its_constants_writable():
    # constants are locked before the op's forward reads them; when the forward fails, an
    # imperative node's own locks go back at once (an exception kept alive, as a REPL's last
    # traceback or pytest.raises keeps it, held the caller's array read-only)
    x = tg.tensor(np.ones((3, 2)), requires_grad=True)
    cases = [(np.zeros((2, 2)), lambda c: tg.matmul(x, c[:1])), (np.zeros(3), lambda c: tg.add(x, c)),
             (np.zeros(3), lambda c: x * c), (np.zeros((5, 2)), lambda c: tg.where(c[:3] > 0, x, c))]
    kept = []
    for c, call in cases:
        with pytest.raises(ValueError) as info:
            call(c)
        kept.append(info)  # (its traceback holds the failed call's frames)
        assert c.flags.writeable
    A = np.zeros((5, 2))
    with pytest.raises(ValueError) as info:  # a transform's trace gives its locks back on exit
        tg.grad(lambda v: tg.sum(tg.matmul(v, A)))(np.ones(3))
    assert A.flags.writeable


def test_a_forward_failing_with_any_exception_leaves_its_constants_writable(monkeypatch):
    # not only the errors of bad inputs: a FloatingPointError (np.errstate) or an interrupt
    # raised inside the forward gives the imperative node's own locks back too
    x = tg.tensor(np.full(3, 1e308), requires_grad=True)
    c = np.full(3, 10.0)
    with pytest.raises(FloatingPointError) as kept:
        with np.errstate(over="raise"):
            x * c
    assert c.flags.writeable and kept.value.__cause__ is None  # (raised as it was)

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(tg.registry.REGISTRY["where"], "forward", interrupted)
    d = np.zeros(2)
    with pytest.raises(KeyboardInterrupt) as kept2:
        tg.where(d > 0, tg.tensor(np.ones(2), requires_grad=True), d)
    assert d.flags.writeable


class _Wrapper:
    """An array-like holding its array (as pandas or xarray objects do), NumPy's view of it."""

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a


def test_array_likes_are_saved_as_arrays_and_locked_as_arrays_are():
    # an object NumPy reads through __array__ (or a memoryview, an array.array) was saved as
    # the object itself and read again by the gradient rule: a write in between changed the
    # gradient (a new constant mixed with the old forward), and z ** a or z / a of an
    # array.array failed in the pullback
    x = np.array([1.0, 2.0, 3.0])
    want = np.cos(x * [1.0, 2.0, 3.0]) * [1.0, 2.0, 3.0]
    w = _Wrapper(np.array([1.0, 2.0, 3.0]))
    _, pull = tg.vjp(lambda z: tg.sum(tg.sin(z * w)), x)
    with pytest.raises(ValueError, match="read-only"):
        w.a[0] = 100.0
    np.testing.assert_allclose(pull(1.0)[0], want, rtol=1e-15)
    del pull
    gc.collect()
    w.a[0] = 1.0  # released: writable again
    raw = bytearray(np.array([1.0, 2.0, 3.0]).tobytes())
    view = memoryview(raw).cast("d")
    _, pull = tg.vjp(lambda z: tg.sum(tg.sin(z * view)), x)
    view[0] = 100.0  # (a bytearray cannot be locked: its values were copied)
    np.testing.assert_allclose(pull(1.0)[0], want, rtol=1e-15)
    exponents = array.array("d", [1.0, 2.0, 3.0])
    np.testing.assert_allclose(tg.vjp(lambda z: tg.sum(z ** exponents), x)[1](1.0)[0], [1.0, 4.0, 27.0])
    np.testing.assert_allclose(tg.vjp(lambda z: tg.sum(z / exponents), x)[1](1.0)[0], [1.0, 0.5, 1 / 3])
    t = tg.tensor(x, requires_grad=True)
    y = tg.sum(tg.sin(t * w))
    with pytest.raises(ValueError, match="read-only"):
        w.a[1] = 7.0
    y.backward()
    np.testing.assert_allclose(t.grad, want, rtol=1e-15)


@pytest.mark.parametrize("transform", [tg.grad, tg.value_and_grad, tg.jacrev, tg.hessian,
                                       lambda f: tg.vmap(tg.grad(f))])
def test_a_saved_array_made_writable_inside_the_function_is_caught_before_the_sweep(transform):
    # vjp's function and backward() check the locks before they sweep; grad, jacrev (and what
    # is built on them) swept without looking, so a function that forced a saved constant
    # writable and wrote into it got the gradient of the new value mixed with the old forward
    c = np.array([1.0, 2.0, 3.0])

    def f(x):
        y = tg.sum(tg.sin(x * c))
        c.flags.writeable = True
        c[0] = 100.0
        return y
    x = np.array([0.3, 0.7, 1.1])
    with pytest.raises(RuntimeError, match=r"\(3,\) and dtype float64 saved by op 'multiply'.*made writable"):
        transform(f)(x)
    assert c.flags.writeable
