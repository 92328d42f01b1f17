"""PyTorch's rules at the edges of tensorgrad's torch-style layers: a Function's complex
gradients and saved tensors, torch.func's vmap keywords and jvp tuples, the functional forms
detaching what they return, gradcheck's inputs and options, and a second backward through
nodes that saved nothing. Expected numbers are PyTorch 2.13's, written out."""
import copy
import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import all_cases

Z0 = np.array([1 + 1j, 2 - 0.5j])


def _square(conj):
    class Square(tg.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):  # PyTorch's rule for a holomorphic op: g · conj(f'(z))
            (z,) = ctx.saved_tensors
            return g * conj(2 * z)
    return Square


def test_a_function_takes_and_returns_gradients_in_pytorchs_complex_convention():
    z = tg.tensor(Z0, requires_grad=True)
    tg.sum(tg.abs(_square(tg.conj).apply(z)) ** 2).backward()
    np.testing.assert_allclose(z.grad, [8 + 8j, 34 - 8.5j], rtol=1e-14)  # PyTorch's .grad
    ref = tg.tensor(Z0, requires_grad=True)
    tg.sum(tg.abs(ref * ref) ** 2).backward()  # the same through tensorgrad's own ops
    np.testing.assert_allclose(z.grad, ref.grad, rtol=1e-14)
    # in the functional transforms too (JAX's convention there, as for any op)
    want = tg.grad(lambda v: tg.sum(tg.abs(v * v) ** 2))(Z0)
    got = tg.grad(lambda v: tg.sum(tg.abs(_square(tg.conj).apply(v)) ** 2))(Z0)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert tg.autograd.gradcheck(_square(tg.conj).apply, (tg.tensor(Z0, requires_grad=True),))
    # the rule without the conjugate is wrong in PyTorch's convention, and is flagged
    assert not tg.autograd.gradcheck(_square(lambda v: v).apply,
                                     (tg.tensor(Z0, requires_grad=True),), raise_exception=False)


def _rotate(backward):
    """A Function x ↦ (1 + 2j)·x from real to complex values, with the given backward."""
    class Rotate(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * (1 + 2j)
    Rotate.backward = staticmethod(lambda ctx, g: backward(g))
    return Rotate


def test_a_function_from_real_to_complex_takes_a_real_gradient():
    # g · conj(f') is complex: its real part is the real input's gradient; a complex one is
    # refused, as by PyTorch (its imaginary part would be dropped silently)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    _rotate(lambda g: (g * (1 - 2j)).real).apply(x).backward(np.array([1 + 1j, 2 - 1j]))
    np.testing.assert_allclose(x.grad, [3.0, 0.0], rtol=1e-15)
    assert x.grad.dtype == np.float64
    with pytest.raises(RuntimeError, match="complex gradient"):
        _rotate(lambda g: g * (1 - 2j)).apply(x).backward(np.array([1 + 1j, 2 - 1j]))


def test_needs_input_grad_and_the_tensors_jvp_reads():
    seen = []

    class Mul(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            ctx.save_for_forward(y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            x, y = ctx.saved_tensors
            return g * y, g * x

        @staticmethod
        def jvp(ctx, tx, ty):
            (y,) = ctx.saved_tensors  # PyTorch: what save_for_forward saved
            return tx * y

    tg.sum(Mul.apply(tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0, 4.0]))).backward()
    tg.sum(Mul.apply(tg.tensor([1.0, 2.0], requires_grad=True), np.array([3.0, 4.0]))).backward()
    assert seen == [(True, False), (True, False)]
    tg.grad(lambda a, b: tg.sum(Mul.apply(a, b)), (0, 1))(np.ones(2), np.ones(2))
    assert seen[-1] == (True, True)
    _, t = tg.jvp(lambda x: Mul.apply(x, np.array([2.0, 3.0])), (np.array([0.5, 1.0]),),
                  (np.ones(2),))
    np.testing.assert_allclose(t, [2.0, 3.0])


def test_func_vmap_passes_keywords_unmapped_and_jvp_wants_tuples():
    X = np.arange(6.0).reshape(2, 3)
    W = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    out = tg.func.vmap(lambda x, w=None: x * w)(X, w=W)
    assert out.shape == (2, 2, 3)  # each row of X times the whole of W
    np.testing.assert_array_equal(out, X[:, None, :] * W[None])
    np.testing.assert_array_equal(tg.func.vmap(lambda x, s=1.0: x * s)(X, s=3.0), 3 * X)
    p, t = np.array([[3.0, 1.0]]), np.array([[1.0, 0.0]])
    with pytest.raises(RuntimeError, match="primals to be a tuple"):
        tg.func.jvp(lambda x: x, p, (t,))
    with pytest.raises(RuntimeError, match="tangents to be a tuple"):
        tg.func.jvp(lambda x: x, (p,), t)
    with pytest.raises(RuntimeError, match="1 primals but 2 tangents"):
        tg.func.jvp(lambda x: x, (p,), (t, t))
    out, tan = tg.func.jvp(lambda x: 2 * x, (p,), (t,))
    np.testing.assert_array_equal(tan, 2 * t)


def test_functional_results_are_detached_without_create_graph():
    F = tg.autograd.functional
    for fn in (lambda f, x: F.jacobian(f, x), lambda f, x: F.vjp(f, x, np.ones(2))[1],
               lambda f, x: F.jvp(f, x, np.ones(2))[1], lambda f, x: F.hessian(
                   lambda v: tg.sum(f(v)), x), lambda f, x: F.hvp(
                   lambda v: tg.sum(f(v)), x, np.ones(2))[1]):
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        w = tg.tensor([3.0, 4.0], requires_grad=True)
        J = fn(lambda v: v ** 3 * w, x)  # w is captured: the result must not reach it
        assert isinstance(J, np.ndarray) and not J.requires_grad  # (PyTorch's methods, detached)
        (tg.sum(w * x) + tg.sum(J)).backward()
        np.testing.assert_allclose(w.grad, [1.0, 2.0])  # PyTorch's: only sum(w * x) counts


def test_functional_products_keep_the_output_shape():
    F = tg.autograd.functional
    f = lambda x: tg.reshape(tg.sum(x ** 3), (1, 1))  # noqa: E731
    for product in (F.hvp, F.vhp):
        value, hv = product(f, np.array([1.0, 2.0]), np.array([1.0, 0.0]))
        assert np.shape(value) == (1, 1)
        np.testing.assert_allclose(hv, [6.0, 0.0])


def test_gradcheck_options_and_the_tensors_it_passes():
    drop = _rotate(tg.real)  # a wrong backward: it drops the 2j part
    assert not tg.autograd.gradcheck(drop.apply, (tg.tensor([1.0, 2.0], requires_grad=True),),
                                     raise_exception=False)
    # the function sees Tensors, whose methods work as PyTorch's
    f = lambda x: x.clone() * x.detach()  # noqa: E731  (derivative x, not 2x)
    assert not tg.autograd.gradcheck(f, (tg.tensor([1.0, 2.0], requires_grad=True),),
                                     raise_exception=False)
    assert tg.autograd.gradcheck(lambda x: x.clone() * x, (tg.tensor([1.0, 2.0], requires_grad=True),))
    with pytest.raises(ValueError, match="both False"):
        tg.autograd.gradcheck(lambda x: x * x, (tg.tensor([1.0], requires_grad=True),),
                              check_backward_ad=False)


def test_a_second_backward_through_nodes_that_saved_nothing():
    b = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = b + 1
    c.sum().backward()
    c.sum().backward()  # add and sum save no values: PyTorch allows this
    np.testing.assert_array_equal(b.grad, [2.0, 2.0, 2.0])
    x = tg.tensor(np.ones((2, 3)), requires_grad=True)
    y = tg.sum(tg.reshape(x.T, (6,)) - 3.0)
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    e = b * b
    e.sum().backward()
    with pytest.raises(RuntimeError, match="already freed"):  # multiply saved its inputs
        e.sum().backward()


def test_every_op_gives_a_second_backward_right_or_refuses_it():
    """Without retain_graph, a second backward through any op either raises or doubles the
    first gradient: stand-ins kept for ops whose VJP reads only shapes must never be read as
    values. Each op marked shapes-only must allow it."""
    allowed, checked = set(), 0
    for case in all_cases(seed=0):
        op = case.op
        if op.kind == "none" or not case.diff or any(
                np.result_type(case.args[i]).kind not in "fc" for i in case.diff):
            continue
        ts = [tg.tensor(case.args[i], requires_grad=True) for i in case.diff]
        out = case.fn(op)(*ts)
        if not isinstance(out, tg.Tensor) or not out.requires_grad:
            continue
        u = np.random.default_rng(0).normal(size=out.shape).astype(out.dtype)
        out.backward(u)
        first = [None if t.grad is None else np.array(t.grad) for t in ts]
        try:
            out.backward(u)
        except RuntimeError as e:
            assert "already freed" in str(e), (case.label, e)
            continue
        checked += 1
        allowed.add(op.name)
        for t, g in zip(ts, first):
            if g is None:
                assert t.grad is None, case.label
                continue
            np.testing.assert_allclose(t.grad, 2 * g, rtol=1e-13, atol=1e-300,
                                       err_msg=case.label)
    assert {"add", "subtract", "negative", "sum", "reshape", "transpose"} <= allowed
    assert checked > 50


def test_a_retained_gradient_fills_from_autograd_grad_and_backward_inputs():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    z = tg.sum(h * h)
    tg.autograd.grad(z, x, retain_graph=True)
    first = h.grad
    np.testing.assert_array_equal(first, [4.0, 8.0])  # PyTorch 2.13's
    assert x.grad is None  # (autograd.grad fills no leaf's .grad)
    z.backward(inputs=[x])
    np.testing.assert_array_equal(h.grad, [8.0, 16.0])
    np.testing.assert_array_equal(first, [4.0, 8.0])  # summed out of place, as PyTorch's
    np.testing.assert_array_equal(x.grad, [8.0, 16.0])


def test_copies_of_a_constant_tensor_are_other_objects_that_take_in_place_updates_alone():
    # PyTorch: b = a.clone(); b[0] = 50 leaves a as it was (clone returned a itself)
    for make in (lambda t: t.clone(), lambda t: t.copy(), tg.copy, copy.copy, copy.deepcopy):
        a = tg.tensor([1.0, 2.0, 3.0])
        b = make(a)
        assert b is not a and isinstance(b, tg.Tensor)
        b[0] = 50.0
        b.add_(1.0)
        assert a.tolist() == [1.0, 2.0, 3.0] and b.tolist() == [51.0, 3.0, 4.0]
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    c = w.clone()
    assert c is not w and c.requires_grad  # recorded: the gradient flows through the copy
    (c * c).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_python_numbers_of_any_one_element_tensor_as_pytorch():
    assert float(tg.tensor([[1.5]])) == 1.5 and int(tg.tensor([3.7])) == 3
    assert complex(tg.tensor([1 + 2j])) == 1 + 2j
    w = tg.tensor([2.0], requires_grad=True)
    assert float(w) == 2.0 and math.exp(tg.tensor([0.0])) == 1.0
    with pytest.raises(TypeError, match="0-dimensional"):  # more than one element: refused
        float(tg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="traced"):  # a traced value never leaves as a number
        tg.grad(lambda x: float(x))(np.array([1.0]))


def test_cat_and_the_dim_keyword_of_stack_and_concatenate_as_pytorch():
    a = tg.tensor(np.ones((2, 3)), requires_grad=True)
    b = tg.tensor(np.arange(6.0).reshape(2, 3))
    c = tg.cat([a, b], dim=1)
    np.testing.assert_array_equal(c.detach(), np.concatenate([np.ones((2, 3)), np.arange(6.0).reshape(2, 3)], 1))
    assert tg.stack([a, b], dim=1).shape == (2, 2, 3) and tg.concatenate((a, b), dim=0).shape == (4, 3)
    (c * np.arange(12.0).reshape(2, 6)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.0, 1.0, 2.0], [6.0, 7.0, 8.0]])
    with pytest.raises(TypeError, match="both axis=1 and dim=0"):
        tg.stack([a, b], axis=1, dim=0)
