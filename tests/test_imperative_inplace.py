"""In-place operators on imperative tensors follow PyTorch: an optimizer step inside
``tg.no_grad()`` updates the parameter object itself; a leaf that requires grad refuses an
in-place update while recording; a recorded result takes the new value and its place on the
tape, so every name bound to it sees the update. Values traced by a transform stay immutable
(JAX): ``x += 1`` rebinds the name. The expected numbers are PyTorch's (worked out by hand
here: PyTorch is a benchmark extra, not a test dependency)."""
import copy
import threading

import numpy as np
import pytest

import tensorgrad as tg

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
Y = np.array([1.0, 2.0, 3.0])


def test_a_pytorch_style_update_loop_trains_the_parameters():
    ours = [tg.tensor(np.zeros(2), requires_grad=True), tg.tensor(0.0, requires_grad=True)]
    w_ref, b_ref = np.zeros(2), 0.0  # plain gradient descent on the mean squared error
    for _ in range(3):
        w, b = ours
        loss = tg.mean((X @ w + b - Y) ** 2)
        loss.backward()
        with tg.no_grad():
            for p in ours:
                p -= 0.01 * p.grad
        for p in ours:
            p.grad = None
        r = X @ w_ref + b_ref - Y
        assert float(loss) == pytest.approx(np.mean(r ** 2), rel=1e-14)
        w_ref, b_ref = w_ref - 0.01 * 2 * X.T @ r / len(Y), b_ref - 0.01 * 2 * r.mean()
    np.testing.assert_allclose(ours[0].detach(), w_ref, rtol=1e-14)
    np.testing.assert_allclose(ours[1].detach(), b_ref, rtol=1e-14)
    assert float(tg.mean((X @ ours[0] + ours[1] - Y) ** 2)) < 0.2  # it trained (4.67 at the start)
    w, b = ours  # still leaves: the next backward fills their .grad
    tg.sum(X @ w + b).backward()
    np.testing.assert_allclose(w.grad, X.sum(axis=0))


def test_every_in_place_operator_keeps_dtype_and_leaf_and_refuses_a_new_shape():
    p = tg.tensor(np.ones(2, np.float32), requires_grad=True)
    with tg.no_grad():
        p -= 0.25 * np.ones(2)  # a float64 step: the parameter stays float32
        p *= 2.0
        p /= 3.0
        p += 1.0
        p **= 2.0
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.detach(), np.full(2, (1.5 / 3 + 1) ** 2, np.float32))
    tg.sum(p * p).backward()
    np.testing.assert_allclose(p.grad, 2 * p.detach(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"in-place update must keep t's shape \(2,\)"):
        with tg.no_grad():
            p += np.ones((2, 2))


def test_a_leaf_refuses_an_in_place_update_while_recording():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad .* tg.no_grad"):
        x -= 1.0
    np.testing.assert_array_equal(x.detach(), [1.0, 2.0])


def test_a_recorded_result_updated_in_place_is_seen_by_its_aliases_as_in_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y
    y += 1
    (z * z).sum().backward()
    np.testing.assert_array_equal(z.detach(), [3.0, 5.0])  # z is y: 2x + 1
    np.testing.assert_allclose(x.grad, [12.0, 20.0], rtol=1e-15)  # 4 (2x + 1)
    # a use recorded before the update keeps the old value; inside no_grad the tape stays
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    h = a * a
    u = tg.sum(h)
    h += 1
    (u + tg.sum(h)).backward()
    np.testing.assert_allclose(a.grad, 4 * np.array([1.0, 2.0]))
    b = tg.tensor([1.0, 2.0], requires_grad=True)
    k = b * 3
    with tg.no_grad():
        k += 1  # not differentiated: k = 3b + 1 in value, 3b on the tape
    tg.sum(k * k).backward()
    np.testing.assert_allclose(b.grad, [24.0, 42.0], rtol=1e-15)  # 2 (3b + 1) · 3


def test_values_traced_by_a_transform_stay_immutable_as_in_jax():
    def f(v):
        w = v
        v += 1  # rebinds v; w is still the input
        return tg.sum(v * w)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(tg.grad(f)(x), 2 * x + 1)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), 2 * x + 1)


def test_pytorch_leaf_api_is_leaf_requires_grad_and_bare_no_grad_decorator():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([1.0, 3.0])
    assert x.is_leaf and c.is_leaf and not (x * 2).is_leaf
    assert c.requires_grad_() is c and c.requires_grad
    tg.sum(c * c).backward()
    np.testing.assert_array_equal(c.grad, [2.0, 6.0])
    with pytest.raises(RuntimeError, match="only leaves can change requires_grad"):
        (x * 2).requires_grad_(False)

    @tg.no_grad
    def doubled(v):
        return v * 2
    assert not doubled(x).requires_grad and (x * 2).requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        doubled(x).retain_grad()
    with pytest.raises(ValueError, match=r"shape \(2, 1\) for a tensor of shape \(2,\)"):
        x.grad = np.zeros((2, 1))  # a wrong shape is refused (as PyTorch), not broadcast into


def test_in_place_with_a_value_a_transform_traces_keeps_the_dependence():
    x0, v0 = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.5, -1.0])
    x = tg.tensor(x0, requires_grad=True)

    def f(v):
        y = x * 2.0
        y += v                        # a new (traced) value: the name is rebound
        return tg.sum(y * v)
    g = tg.grad(f)(v0)               # it depends on x: a tensor of the imperative tape
    np.testing.assert_allclose(g.detach(), 2 * x0 + 2 * v0)
    p = tg.tensor(x0, requires_grad=True)

    def g(v):
        nonlocal p
        with tg.no_grad():
            p -= v                    # a leaf cannot hold a traced value
        return tg.sum(p * v)
    with pytest.raises(TypeError, match="leaf"):
        tg.grad(g)(v0)


def test_leaves_still_require_grad_inside_no_grad_and_optimizer_idioms_work():
    x0 = np.array([1.0, -2.0, 3.0])
    p = tg.tensor(x0, requires_grad=True)
    tg.sum(p * p).backward()
    with tg.no_grad():
        assert p.requires_grad
        for q in [p]:
            if q.requires_grad:
                q -= 0.1 * q.grad
    np.testing.assert_allclose(p.detach(), 0.8 * x0)
    w = tg.tensor(x0, requires_grad=True)
    with tg.no_grad():
        w.requires_grad_(False)
    assert not w.requires_grad


def test_a_saved_leaf_cannot_be_unlocked_through_np_asarray_and_grad_accumulates_in_place():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.sum(x * x)
    a = np.asarray(x.detach())
    with pytest.raises(ValueError):
        a.flags.writeable = True      # a view of a locked array: NumPy refuses
    y.backward()
    held = x.grad
    tg.sum(x * x).backward()
    assert held is x.grad and held.tolist() == [4.0, 8.0]     # as PyTorch: in place
    z = tg.tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="complex"):
        (z * z).backward(gradient=np.array([1 + 1j, 2.0]))
    _, f_vjp = tg.vjp(lambda v: v * v, np.array([2.0, 3.0]))
    with pytest.raises(TypeError, match="complex"):
        f_vjp(np.array([1 + 1j, 2.0]))


def test_no_grad_on_a_generator_covers_its_body():
    x = tg.tensor([1.0, 2.0], requires_grad=True)

    @tg.no_grad()
    def scaled(n):
        for k in range(n):
            yield x * float(k)
    outs = list(scaled(3))
    assert all(not o.requires_grad for o in outs)
    assert (x * 2.0).requires_grad


def test_enable_grad_and_set_grad_enabled_as_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        assert not (x * 2.0).requires_grad
        with tg.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad
    for train in (True, False):
        with tg.set_grad_enabled(train):
            assert (x * 2.0).requires_grad is train
    assert (x * 2.0).requires_grad
    tg.set_grad_enabled(False)
    try:
        assert not (x * 2.0).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert (x * 2.0).requires_grad

    @tg.enable_grad()
    def doubled(t):
        return t * 2.0
    with tg.no_grad():
        assert doubled(x).requires_grad


def test_pytorch_idioms_from_its_autograd_tests():
    # h //= v while recording: h becomes a constant (as h // v), never the old h's gradient
    t = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = t * 3.0
    h //= 2.0
    (h * t).sum().backward()
    np.testing.assert_array_equal(t.grad, np.floor(3 * np.array([0.5, -1.0, 2.0]) / 2))
    # copies of a tensor that takes in-place updates are other objects
    p = tg.tensor(np.ones(2), requires_grad=True)
    copies = [p.copy(), tg.copy(p), np.copy(p), tg.array(p), copy.copy(p), copy.deepcopy(p)]
    with tg.no_grad():
        p -= 0.5
    for c in copies:
        np.testing.assert_array_equal(np.asarray(c.detach() if isinstance(c, tg.Tensor) else c), [1.0, 1.0])
    # grad modes restore what they found, as PyTorch's
    with tg.no_grad():
        tg.set_grad_enabled(True)
        assert tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    with tg.no_grad():
        assert not (tg.tensor([1.0], requires_grad=True) * 2).requires_grad
    with tg.no_grad():
        with tg.enable_grad():
            tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def evaluate(v):
        return (v * 2).requires_grad
    assert tg.is_grad_enabled() and evaluate(tg.tensor([1.0], requires_grad=True)) is False
    assert tg.is_grad_enabled()
    # one no_grad object entered in two threads at once
    ctx, seen, gate = tg.no_grad(), [], threading.Barrier(2)

    def worker():
        with ctx:
            gate.wait()
            seen.append(tg.is_grad_enabled())
        seen.append(tg.is_grad_enabled())
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(seen) == [False, False, True, True]
    # requires_grad_ on a value a transform traces is refused, not silently obeyed
    with pytest.raises((RuntimeError, TypeError, ValueError)):
        tg.grad(lambda x: (x.requires_grad_(False) * x).sum())(np.array([1.0, 2.0]))
    # PyTorch's attribute idioms
    q = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (q * q).sum().backward()
    q.data = q.data - 0.25 * q.grad
    np.testing.assert_array_equal(q.detach().numpy(), [0.5, 1.0])
    q.requires_grad = False
    assert not q.requires_grad and not (q * 2).requires_grad


def test_in_place_refusals_name_an_out_of_place_form_that_exists():
    with pytest.raises(TypeError, match=r"use the out-of-place tg.zeros_like\(t\)"):
        tg.grad(lambda v: tg.sum(v.zero_()))(np.ones(2))
    with pytest.raises(TypeError, match=r"use the out-of-place tg.full_like\(t, value\)"):
        tg.grad(lambda v: tg.sum(v.fill_(1.0)))(np.ones(2))


@pytest.mark.parametrize("op", ["&=", "|=", "^=", "<<=", ">>="])
def test_bitwise_and_shift_updates_are_in_place_as_the_arithmetic_ones(op):
    t = tg.tensor(np.array([0, 1, 5], np.int8))
    same, view = t, t[1:]
    a = np.array([0, 1, 5], np.int8)
    namespace = {"t": t, "a": a, "other": np.array([3, 1, 2])}
    exec(f"t {op} other\na {op} other", namespace)
    assert namespace["t"] is same and same.dtype == np.int8
    np.testing.assert_array_equal(same.detach(), namespace["a"])
    np.testing.assert_array_equal(view.detach(), namespace["a"][1:])  # its views see it
    flag = tg.tensor(np.array([True, False]))
    with pytest.raises(TypeError, match="can't be cast"):  # bool << bool is int8: refused, as NumPy
        flag <<= True
