"""Tape hazards: mutation after recording, sweeping twice, long chains, memory,
fan-out, zero cotangents, non-differentiable outputs and nested transforms.
"""

import gc
import sys
import weakref

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.registry import REGISTRY

RNG = np.random.default_rng(0)


def test_mutating_inputs_and_constants_after_recording():
    # the caller's input, after tg.vjp: locked read-only while the VJP function lives
    x = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * x), x)
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [2.0, 4.0])
    del f_vjp
    x[0] = 100.0  # released with the VJP function
    # a constant captured by the function
    c = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * c), np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        c[0] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 2.0])
    del f_vjp
    # a view of a constant (read-only view, writable base): the base is locked
    c = np.array([1.0, 2.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x * np.broadcast_to(c, (3, 2))), np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        c[1] = -5.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [3.0, 6.0])
    del f_vjp
    assert c.flags.writeable
    # an index array and clip bounds (kept as parameters: private copies)
    idx = np.array([0, 0, 1])
    _, f_vjp = tg.vjp(lambda x: tg.sum(x[idx]), np.ones(3))
    idx[:] = 2
    np.testing.assert_array_equal(f_vjp(1.0)[0], [2.0, 1.0, 0.0])
    lo = np.array([0.0, 0.0])
    _, f_vjp = tg.vjp(lambda x: tg.sum(tg.clip(x, lo, None)), np.array([0.5, 0.5]))
    lo[:] = 9.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 1.0])


def test_mutation_inside_the_function_and_of_outputs():
    buf = np.array([1.0, 2.0])

    def f(x):
        y = x * buf
        buf[:] = 50.0  # changed after recording, before the sweep
        return tg.sum(y)
    # grad locks the constants its tape saved until the sweep is done: the
    # write is refused instead of silently changing the gradient
    with pytest.raises(ValueError, match="read-only"):
        tg.grad(f)(np.ones(2))
    assert buf.flags.writeable and list(buf) == [1.0, 2.0]  # unlocked after the call
    view_base = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tg.sum(x * view_base[::2]))(np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 3.0])
    assert view_base.flags.writeable  # a view's base is locked and unlocked too
    # a constant locked by an inner grad stays locked for an enclosing vjp,
    # whose tape outlives that grad (the locks are counted)
    c = np.array([1.0, 2.0])

    def outer(x):
        # the inner sweep computes g·x·c on the vjp's tape while grad has c locked
        return tg.sum(tg.grad(lambda y: tg.sum(y * c * x))(x))
    _, f_vjp = tg.vjp(outer, np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        c[:] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [1.0, 2.0])  # d/dx Σ c x = c
    del f_vjp
    assert c.flags.writeable
    x = np.array([1.0, 2.0])

    def g(a):
        y = tg.sum(a * a)
        x[:] = 7.0  # the caller's array behind the differentiated argument
        return y
    # grad/jacrev lock the caller's arrays (read-only) until their sweep is done
    with pytest.raises(ValueError, match="read-only"):
        tg.grad(g)(x)
    with pytest.raises(ValueError, match="read-only"):
        tg.jacrev(g)(x)
    assert x.flags.writeable  # unlocked again afterwards, even after the error
    np.testing.assert_array_equal(x, [1.0, 2.0])
    y = np.array([3.0, 4.0])
    gx, gy = tg.grad(lambda a, b: tg.sum(a * b), argnums=(0, 1))(x, y)
    gx[0] = -1.0  # a gradient never aliases the caller's arrays
    np.testing.assert_array_equal(y, [3.0, 4.0])
    # outputs handed to the caller are not the tape's residuals
    out, f_vjp = tg.vjp(tg.exp, np.array([1.0, 2.0]))
    out[:] = 0.0
    np.testing.assert_allclose(f_vjp(np.ones(2))[0], np.exp([1.0, 2.0]))
    out, f_jvp = tg.linearize(tg.exp, np.array([1.0, 2.0]))
    out[:] = 0.0
    np.testing.assert_allclose(f_jvp(np.ones(2)), np.exp([1.0, 2.0]))


def test_imperative_tensors_cannot_be_written_through():
    a = np.array([1.0, 2.0])
    t = tg.tensor(a, requires_grad=True)  # a copy
    c = np.array([3.0, 4.0])
    h = tg.exp(t)
    y = tg.sum(h * c)
    a[0] = 100.0
    with pytest.raises(ValueError, match="read-only"):
        c[0] = 100.0  # saved by the graph: locked until backward() frees it
    t.data[0] = 5.0  # (PyTorch's spelling of t.data = ...: a new value; the graph keeps the old)
    np.testing.assert_array_equal(t.detach(), [5.0, 2.0])
    with pytest.raises(TypeError, match="requires grad"):
        np.asarray(h)  # would drop the gradient: use h.numpy() or h.detach()
    assert np.exp(np.ones(2), out=h) is h  # out=h: item assignment, h[...] = exp(1) (MyGrad's,
    np.testing.assert_allclose(h.detach().numpy(), np.exp([1.0, 1.0]))  # PyTorch's out=)
    with pytest.raises(ValueError, match="read-only"):
        np.add(t.data, 1.0, out=t.data)
    h[0] = 1.0  # item assignment (PyTorch's rule): h takes a new value on the tape ...
    assert h.numpy()[0] == 1.0 and h.requires_grad
    h.numpy()[0] = 0.0  # a copy: harmless
    assert np.shape(h) == (2,) and np.ndim(h) == 1 and np.size(h) == 2  # metadata is fine
    y.backward()
    np.testing.assert_allclose(t.grad, np.exp([1.0, 2.0]) * [3.0, 4.0])  # ... y kept the old one
    c[0] = 100.0  # backward() freed the saved values and let go of the lock


def test_backward_twice_and_retain_graph():
    t = tg.tensor([0.5, 1.5], requires_grad=True)
    y = tg.sum(tg.tanh(t) * tg.exp(t))
    y.backward(retain_graph=True)
    first = t.grad.copy()
    y.backward()
    np.testing.assert_array_equal(t.grad, 2 * first)  # .grad accumulates (bit for bit)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    # vjp functions retain: two sweeps agree bit for bit
    _, f_vjp = tg.vjp(lambda x: tg.tanh(x) * tg.exp(x), np.array([0.5, 1.5]))
    a, b = f_vjp(np.ones(2))[0], f_vjp(np.ones(2))[0]
    assert a.tobytes() == b.tobytes()
    t.zero_grad()
    assert t.grad is None


def test_a_second_backward_through_ops_that_keep_no_values_works():
    # PyTorch's cat, stack, reshape and sum save no tensors, so backward() twice through them
    # works there; so it does here (their rules read only shapes), and .grad accumulates
    t = tg.tensor([0.5, 1.5, -2.0], requires_grad=True)
    for y in (tg.sum(tg.cat([t, t])), tg.sum(tg.stack([t, t, t], dim=1)),
              tg.sum(tg.reshape(tg.cat([t[:2], t]), (5, 1)))):
        t.grad = None
        y.backward()
        first = t.grad.copy()
        y.backward()
        np.testing.assert_array_equal(t.grad, 2 * first)
    y = tg.sum(tg.cat([t, t]) ** 2)  # power keeps its input: a second sweep is refused
    y.backward()
    with pytest.raises(RuntimeError, match="'power'.*already freed.*retain_graph"):
        y.backward()


def test_hundred_thousand_op_chain():
    n = 100_000
    limit = sys.getrecursionlimit()

    def f(x):
        for _ in range(n):
            x = x * 1.0
        return tg.sum(x)
    np.testing.assert_array_equal(tg.grad(f)(np.ones(2)), [1.0, 1.0])
    t = tg.tensor(np.ones(2), requires_grad=True)
    y = t
    for _ in range(n):
        y = y + 0.0
    tg.sum(y).backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0])
    del y  # freeing a long chain must not recurse either
    gc.collect()
    np.testing.assert_array_equal(tg.jacfwd(f)(np.ones(2)), [1.0, 1.0])
    assert sys.getrecursionlimit() == limit


def test_saved_values_are_released():
    t = tg.tensor(np.ones(3), requires_grad=True)
    h = tg.exp(t)
    y = tg.sum(h * 2.0)
    ref = weakref.ref(h._value)
    node = y._node
    del h
    y.backward()
    gc.collect(1)  # (young objects: cheap in a long run's large heap; the full one if needed)
    if ref() is not None:
        gc.collect()
    assert ref() is None
    # sum's VJP reads only shapes: it keeps memoryless stand-ins (a second backward works);
    # multiply's node keeps nothing
    assert all(a.shape == (3,) and a.strides == (0,) and not a.flags.writeable
               for a in node.args)
    assert node.out.shape == () and node.parents[0].args is None
    # the transform tape goes away entirely after grad returns
    refs = []

    def f(x):
        h = tg.exp(x)
        refs.append(weakref.ref(h._value))
        return tg.sum(h * h)
    tg.grad(f)(np.ones(3))
    gc.collect(1)
    if refs[0]() is not None:
        gc.collect()
    assert refs[0]() is None


def test_fan_out_sums_without_sharing_buffers():
    x = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tg.sum(x + x + x * x + tg.sin(x) * x))(x)
    np.testing.assert_allclose(g, 2 + 2 * x + np.sin(x) + x * np.cos(x), rtol=1e-14)
    # x used by many nodes
    g = tg.grad(lambda x: sum(tg.sum(x * k) for k in range(1, 11)))(x)
    np.testing.assert_array_equal(g, np.full(3, 55.0))
    # results never share a buffer with each other or with the caller's seed
    u = np.ones(3)
    ga, gb = tg.vjp(lambda a, b: a + b, x, x.copy())[1](u)
    assert not np.shares_memory(ga, gb) and not np.shares_memory(ga, u)
    ga += 1.0
    np.testing.assert_array_equal(gb, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(u, [1.0, 1.0, 1.0])
    ga, gb = tg.grad(lambda a, b: tg.sum(a + b), argnums=(0, 1))(x, x)
    assert not np.shares_memory(ga, gb) and ga.flags.writeable and gb.flags.writeable
    _, tout = tg.jvp(lambda a: a * 1.0 + 0.0, (x,), (u,))
    assert not np.shares_memory(tout, u)
    ta, tb = tg.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    tg.sum(ta + tb).backward()
    assert not np.shares_memory(ta.grad, tb.grad)
    ta.grad *= 2.0  # writable, and only ta's
    np.testing.assert_array_equal(tb.grad, [1.0, 1.0, 1.0])


def test_zero_cotangents_and_unused_inputs():
    x = np.array([0.5, 2.0])
    for fn in (tg.log, tg.sqrt, tg.tanh, lambda a: a ** 0.5, tg.nn.softmax):
        np.testing.assert_array_equal(tg.vjp(fn, x)[1](np.zeros(2))[0], [0.0, 0.0])
        np.testing.assert_array_equal(tg.jvp(fn, (x,), (np.zeros(2),))[1], np.zeros(2))
    f = lambda a, b: tg.sum(a * 2.0)  # noqa: E731  (b unused)
    ga, gb = tg.grad(f, argnums=(0, 1))(x, np.ones(3))
    np.testing.assert_array_equal(gb, np.zeros(3))
    assert gb.dtype == np.float64
    J = tg.jacrev(lambda a, b: a * 2.0, argnums=(0, 1))(x, np.ones(3))
    np.testing.assert_array_equal(J[1], np.zeros((2, 3)))
    J = tg.jacfwd(lambda a, b: a * 2.0, argnums=(0, 1))(x, np.ones(3))
    np.testing.assert_array_equal(J[1], np.zeros((2, 3)))
    np.testing.assert_array_equal(tg.vjp(lambda a, b: a, x, np.ones(3))[1](np.ones(2))[1], np.zeros(3))
    # an output that does not depend on the input at all
    np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(np.ones(3)))(x), np.zeros(2))
    # imperative: a leaf the output never reached keeps .grad None (documented)
    t, u = tg.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    tg.sum(t * 3.0).backward()
    assert u.grad is None


def test_non_differentiable_outputs_carry_no_gradient():
    x = np.array([1.0, 3.0, 2.0])

    def f(x):
        i = tg.argmax(x)
        mask = x > 1.5
        cnt = tg.sum(tg.astype(mask, np.float64))
        return tg.sum(x[i] * 2.0 + x * cnt) + tg.sum(tg.where(mask, x, 0.0))
    g = tg.grad(f)(x)
    np.testing.assert_array_equal(g, [2.0, 2.0 * 3 + 2.0 + 1.0, 3.0])  # x[i]·2 is broadcast 3 times
    assert isinstance(tg.argmax(tg.tensor(x, requires_grad=True)), tg.Tensor)
    assert not tg.argmax(tg.tensor(x, requires_grad=True)).requires_grad
    assert not (tg.tensor(x, requires_grad=True) > 0).requires_grad
    # jacfwd of a non-differentiable output is zeros; jacrev refuses an integer output, as
    # JAX's does (no cotangent to seed it with); vjp takes pytrees mixing both
    with pytest.raises(TypeError, match="jacrev needs real-valued"):
        tg.jacrev(tg.argmax)(x)
    np.testing.assert_array_equal(tg.jacfwd(lambda a: a > 1)(x), np.zeros((3, 3)))
    (ga,) = tg.vjp(lambda a: (a > 1, tg.sign(a), tg.sum(a)), x)[1](
        (np.zeros(3, bool), np.zeros(3), 1.0))
    np.testing.assert_array_equal(ga, np.ones(3))


def test_nested_transforms_keep_their_tapes_apart():
    # d/dx [x · d/dy (x + y)] = 1 (perturbation confusion)
    def outer(x):
        return x * tg.grad(lambda y: x + y)(x)
    assert tg.grad(outer)(3.0) == 1.0

    def outer_fwd(x):
        return x * tg.jvp(lambda y: x + y, (x,), (1.0,))[1]
    assert tg.jvp(outer_fwd, (3.0,), (1.0,))[1] == 1.0
    assert tg.jacfwd(lambda x: x * tg.jacrev(lambda y: x * y)(x))(3.0) == 2 * 3.0
    f = lambda x: tg.sum(x ** 3)  # noqa: E731
    x = np.array([1.0, 3.0])
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(f))(x), np.diag(6 * x))
    np.testing.assert_allclose(tg.jacrev(tg.jacfwd(f))(x), np.diag(6 * x))
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(tg.grad(f)(x)))(x), 6 * x)
    # a tensor of a finished transform is a constant afterwards
    leaked = []
    tg.grad(lambda x: leaked.append(x) or tg.sum(x))(x)
    np.testing.assert_array_equal(tg.grad(lambda y: tg.sum(y * leaked[0]))(x), x)


@pytest.mark.parametrize("name", ["concatenate", "stack"])
def test_joining_many_pieces_takes_one_cotangent_rule_call(name, monkeypatch):
    # one rule call hands back every piece's cotangent: a rule per piece, each given all n
    # pieces, made the sweep quadratic in n (tg.array of 16,000 traced scalars: seconds)
    op = REGISTRY[name]
    calls = []
    rule = op.vjp_all
    monkeypatch.setattr(op, "vjp_all", lambda *a: calls.append(1) or rule(*a))
    x = np.arange(300.0)
    join = tg.concatenate if name == "concatenate" else tg.stack
    g = tg.grad(lambda v: tg.sum(join([v[i:i + 1] * i for i in range(300)]) ** 2))(x)
    np.testing.assert_allclose(g, 2 * x * np.arange(300.0) ** 2)
    assert calls == [1]
