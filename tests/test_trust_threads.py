"""Library state is per thread: no_grad, debug_nans, flop counters; locks are counted.

Reproductions: a no_grad block in one thread used to switch recording off for
the whole process (another thread's backward() was wrong or failed), two
overlapping no_grad blocks left recording off for good, and two threads
running grad with one shared constant unlocked it under each other's sweep.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.jacobians import count_flops
import tensorgrad.jacobians as jac


def _run_threads(targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # reported in the main thread
                errors.append(exc)
        return run
    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]


def test_no_grad_is_per_thread():
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def paused():
        with tg.no_grad():
            inside.set()
            t = tg.tensor([1.0], requires_grad=True)
            seen["paused"] = (t * 2.0).requires_grad
            done.wait(timeout=30)

    def recording():
        inside.wait(timeout=30)
        t = tg.tensor([1.0, 2.0], requires_grad=True)
        y = tg.sum(t * t)
        seen["other"] = y.requires_grad
        y.backward()
        seen["grad"] = t.grad.tolist()
        done.set()
    _run_threads([paused, recording])
    assert seen == {"paused": False, "other": True, "grad": [2.0, 4.0]}


def test_overlapping_no_grad_blocks_leave_recording_on():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with tg.no_grad():
            first_in.set()
            second_in.wait(timeout=30)
        first_out.set()

    def b():
        first_in.wait(timeout=30)
        with tg.no_grad():
            second_in.set()
            first_out.wait(timeout=30)
    _run_threads([a, b])
    t = tg.tensor([3.0], requires_grad=True)
    assert (t * t).requires_grad  # recording is back on everywhere
    with tg.no_grad():
        with tg.no_grad():
            assert not (t * t).requires_grad
        assert not (t * t).requires_grad  # nested blocks are counted
    assert (t * t).requires_grad


def _imperative_grad(x0, c):
    t = tg.tensor(x0, requires_grad=True)
    y = tg.sum(tg.tanh(t * c) ** 2)
    y.backward()
    return t.grad


def _loss(x, c):
    return tg.sum(tg.sin(x * c) * x)


def test_threads_match_serial_results_beside_a_no_grad_thread():
    rng = np.random.default_rng(0)
    shared = rng.normal(size=5)  # one constant array used by every thread
    xs = [rng.normal(size=5) for _ in range(4)]
    want_grad = [tg.grad(_loss)(x, shared) for x in xs]
    want_imp = [_imperative_grad(x, shared) for x in xs]
    stop = threading.Event()
    results: dict = {}

    def no_grad_worker():
        t = tg.tensor(np.ones(5), requires_grad=True)
        while not stop.is_set():
            with tg.no_grad():
                out = tg.sum(t * shared)
                assert not out.requires_grad

    def worker(k):
        def run():
            got_g, got_i = [], []
            for _ in range(25):
                got_g.append(tg.grad(_loss)(xs[k], shared))
                got_i.append(_imperative_grad(xs[k], shared))
            results[k] = (got_g, got_i)
        return run

    bg = threading.Thread(target=no_grad_worker)
    bg.start()
    try:
        _run_threads([worker(k) for k in range(4)])
    finally:
        stop.set()
        bg.join(timeout=30)
    for k in range(4):
        got_g, got_i = results[k]
        for g in got_g:
            np.testing.assert_array_equal(g, want_grad[k])
        for g in got_i:
            np.testing.assert_array_equal(g, want_imp[k])
    assert shared.flags.writeable  # every lock on the shared constant was given back


def test_shared_constant_stays_locked_until_the_last_thread_is_done():
    # the first thread to lock the constant finishes first; the other is still sweeping
    c = np.array([1.0, 2.0, 3.0])
    first_locked, second_locked, first_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first_f(x):
        y = tg.sum(x * c)
        first_locked.set()
        second_locked.wait(timeout=30)
        return y

    def second_f(x):
        first_locked.wait(timeout=30)
        y = tg.sum(x * c * 2.0)
        second_locked.set()
        first_done.wait(timeout=30)  # the first grad has returned and let go of its lock
        seen["locked_while_needed"] = not c.flags.writeable
        return y

    def first():
        seen["g1"] = tg.grad(first_f)(np.ones(3)).tolist()
        first_done.set()

    def second():
        seen["g2"] = tg.grad(second_f)(np.ones(3)).tolist()
    _run_threads([first, second])
    assert seen == {"locked_while_needed": True, "g1": [1.0, 2.0, 3.0], "g2": [2.0, 4.0, 6.0]}
    assert c.flags.writeable


def test_debug_nans_is_per_thread():
    on, checked = threading.Event(), threading.Event()
    seen = {}

    def debugging():
        with tg.debug_nans():
            on.set()
            checked.wait(timeout=30)
            seen["here"] = tg.is_debugging_nans()
            with pytest.raises(FloatingPointError):
                tg.grad(lambda x: tg.sum(tg.sqrt(x)))(np.zeros(1))

    def other():
        on.wait(timeout=30)
        seen["other"] = tg.is_debugging_nans()
        with np.errstate(divide="ignore"):  # no check here: the inf goes through
            seen["value"] = tg.grad(lambda x: tg.sum(tg.sqrt(x)))(np.zeros(1)).tolist()
        checked.set()
    _run_threads([debugging, other])
    assert seen == {"here": True, "other": False, "value": [np.inf]}
    assert not tg.is_debugging_nans()


def test_a_thread_ending_with_debug_nans_on_does_not_leak_it():
    t = threading.Thread(target=lambda: tg.debug_nans(True))
    t.start()
    t.join()
    assert not tg.is_debugging_nans()


def test_flop_counters_are_per_thread():
    A = jac.Dense(np.ones((4, 4)), (4,), (4,))
    started, counted = threading.Event(), threading.Event()
    seen = {}

    def counting():
        with count_flops() as c:
            started.set()
            counted.wait(timeout=30)
        seen["mine"] = c[0]

    def other():
        started.wait(timeout=30)
        for _ in range(5):
            jac.compose(A, A)
        counted.set()
    _run_threads([counting, other])
    assert seen["mine"] == 0
    with count_flops() as c:
        jac.compose(A, A)
    assert c[0] > 0


@pytest.mark.parametrize("opname, call", [
    ("multiply", lambda W, x: tg.multiply(W, x)),            # the binary functions' fast path
    ("matmul", lambda W, x: W @ x),                           # an operator through dispatch
    ("where", lambda W, x: tg.where(W > 0, W, x)),            # the general path (three inputs)
])
@pytest.mark.parametrize("how", ["grad", "backward"])
def test_a_constant_is_locked_before_the_forward_reads_it(monkeypatch, opname, call, how):
    # locked after the forward, another thread's write landing in between was read by the
    # forward as the old value and by the backward pass as the new one: a gradient of neither
    op = tg.registry.REGISTRY[opname]
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    seen = []
    forward = op.forward

    def watching(*args):
        if any(a is W for a in args):
            seen.append(W.flags.writeable)
        return forward(*args)
    monkeypatch.setattr(op, "forward", watching)
    x = np.array([0.5, -0.3])
    if how == "grad":
        tg.grad(lambda v: tg.sum(call(W, v)))(x)
    else:
        v = tg.tensor(x, requires_grad=True)
        tg.sum(call(W, v)).backward()
    assert seen and not any(seen)  # read-only whenever the forward read it
    monkeypatch.undo()
    assert W.flags.writeable  # given back afterwards


def test_a_parameter_arrays_collection_never_waits_for_the_owners_lock():
    # its weak-reference callback may run inside guards' critical section; waiting there for
    # param_owners' lock, held by a thread that waits for that section, would deadlock
    from_module = tg.nn.param_owners
    owner = tg.nn.Linear(2, 2)
    a = np.ones(3)
    from_module._note(a, owner)
    key, old = id(a), from_module._OWNERS[id(a)][0]
    held, release = threading.Event(), threading.Event()

    def hold():
        with from_module._LOCK:
            held.set()
            release.wait(10)
    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    done = threading.Event()

    def collect():
        nonlocal a
        a = None  # the callback runs here
        done.set()
    c = threading.Thread(target=collect)
    c.start()
    c.join(5)
    assert done.is_set()  # it did not wait
    release.set()
    t.join(5)
    assert from_module._OWNERS[key][0] is old and any(r is old for _, r in from_module._PENDING)
    b = np.ones(2)
    from_module._note(b, owner)  # the next note removes the pending entry (b may reuse the id)
    assert from_module._OWNERS.get(key, (None,))[0] is not old and not from_module._PENDING


def test_a_broken_lock_in_another_threads_graph_does_not_stop_this_backward():
    # one graph whose saved array was forced writable (kept alive by another thread) made every
    # backward() in every thread raise; only the graphs that hold that array refuse now
    c = np.array([1.0, 2.0, 3.0])
    kept = []

    def other():
        t = tg.tensor(np.ones(3), requires_grad=True)
        y = tg.sum(t * c)
        c.flags.writeable = True
        kept.append(y)
    th = threading.Thread(target=other)
    th.start()
    th.join()
    u = tg.tensor(np.ones(3), requires_grad=True)
    tg.sum(u * 3.0).backward()
    np.testing.assert_array_equal(u.grad, [3.0, 3.0, 3.0])
    g, = tg.autograd.grad(tg.sum(u * u), [u])
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match=r"backward\(\): the array of shape \(3,\).*made writable"):
        kept[0].backward()
    del kept[:]
