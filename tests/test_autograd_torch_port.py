"""Checks ported from PyTorch's autograd tests (test_autograd and torch.autograd.functional) for
tensorgrad's imperative tensors: frozen leaves, backward's inputs= and create_graph=, del .grad,
and tg.hvp's argument form. PyTorch's answers are written out (it is not a test dependency)."""
import copy

import numpy as np
import pytest

import tensorgrad as tg


def test_a_leaf_frozen_after_the_forward_pass_gets_no_grad():
    for freeze in (lambda t: t.requires_grad_(False), lambda t: setattr(t, "requires_grad", False)):
        x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = tg.tensor([0.5, 0.5, 0.5], requires_grad=True)
        loss = tg.sum(x * x * w)
        freeze(x)
        loss.backward()
        assert x.grad is None  # as PyTorch: the parameter stays frozen
        np.testing.assert_array_equal(w.grad, [1.0, 4.0, 9.0])


def test_backward_inputs_fills_only_those_leaves():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    y = tg.sum(x * x * w)
    y.backward(inputs=[x], retain_graph=True)
    np.testing.assert_array_equal(x.grad, [6.0, 16.0])
    assert w.grad is None
    y.backward(inputs=w)
    np.testing.assert_array_equal(w.grad, [1.0, 4.0])
    np.testing.assert_array_equal(x.grad, [6.0, 16.0])
    z = tg.sum(x * w)
    with pytest.raises(ValueError, match="must not be empty"):
        z.backward(inputs=[])
    u = x * 2.0  # a recorded result (PyTorch): its .grad fills, the leaves' stay as they were
    tg.sum(u * w).backward(inputs=[u])
    np.testing.assert_array_equal(u.grad, [3.0, 4.0])
    np.testing.assert_array_equal(x.grad, [6.0, 16.0])
    np.testing.assert_array_equal(w.grad, [1.0, 4.0])


def test_backward_create_graph_records_the_gradient_for_higher_orders():
    rng = np.random.default_rng(0)
    x0, w0, v = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    x = tg.tensor(x0, requires_grad=True)
    w = tg.tensor(w0, requires_grad=True)
    tg.sum(tg.sin(x) * w * x).backward(create_graph=True)
    gx = x.grad
    assert isinstance(gx, tg.Tensor) and not gx.is_leaf
    np.testing.assert_allclose(gx.numpy(), w0 * (np.cos(x0) * x0 + np.sin(x0)), rtol=1e-13)
    x.grad = w.grad = None
    tg.sum(gx * v).backward()  # the Hessian-vector product, and the mixed partial in w
    np.testing.assert_allclose(x.grad, v * w0 * (2 * np.cos(x0) - x0 * np.sin(x0)), rtol=1e-12)
    np.testing.assert_allclose(w.grad, v * (np.cos(x0) * x0 + np.sin(x0)), rtol=1e-12)


def test_backward_create_graph_matches_nested_transforms():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 3))
    A0 = rng.normal(size=(3, 3))
    A0 = A0 @ A0.T + 3 * np.eye(3)
    V = rng.normal(size=(3, 3))
    fns = [lambda A: tg.sum(tg.tanh(W @ A) ** 2), lambda A: tg.linalg.slogdet(A)[1],
           lambda A: tg.sum(tg.linalg.eigh(A)[0] ** 3),
           lambda A: tg.sum(tg.softmax(A, axis=1) * tg.concatenate([A, A * A])[[0, 0, 4]])]
    for f in fns:
        A = tg.tensor(A0, requires_grad=True)
        f(A).backward(create_graph=True)
        g = A.grad
        A.grad = None
        tg.sum(g * V).backward(create_graph=True)
        want = tg.jvp(tg.grad(f), (A0,), (V,))[1]
        g2 = A.grad
        np.testing.assert_allclose(g2.numpy(), want, rtol=1e-10, atol=1e-12)
        A.grad = None  # third order, through two recorded sweeps
        tg.sum(g2).backward()
        want3 = tg.grad(lambda a: tg.sum(tg.jvp(tg.grad(f), (a,), (V,))[1]))(A0)
        np.testing.assert_allclose(A.grad, want3, rtol=1e-9, atol=1e-11)


def test_backward_create_graph_with_a_recorded_seed_and_under_no_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    s = tg.tensor([0.5, -1.0], requires_grad=True)
    y = x * x
    y.backward(gradient=s, create_graph=True)  # x.grad = 2 x s: differentiable in s too
    g = x.grad
    x.grad = None
    tg.sum(g).backward()
    np.testing.assert_array_equal(x.grad, [1.0, -2.0])
    np.testing.assert_array_equal(s.grad, [2.0, 4.0])
    z = tg.sum(tg.sin(x))
    x.grad = None
    with tg.no_grad():  # create_graph records the backward pass all the same, as PyTorch's engine
        z.backward(create_graph=True)
    assert x.grad.requires_grad
    np.testing.assert_allclose(tg.stop_gradient(x.grad), np.cos([1.0, 2.0]), rtol=1e-15)
    g, = tg.autograd.grad(tg.sum(x.grad), x)
    np.testing.assert_allclose(g, -np.sin([1.0, 2.0]), rtol=1e-15)


def test_del_grad_sets_it_to_none():
    x = tg.tensor([1.0], requires_grad=True)
    tg.sum(x * 2).backward()
    del x.grad
    assert x.grad is None


def test_hvp_refuses_bare_arrays():
    hv = tg.hvp(lambda a: tg.sum(a ** 3), (np.array([2.0]),), (np.array([1.0]),))
    np.testing.assert_array_equal(hv, [12.0])
    for x in (np.array([2.0]), np.ones(3)):
        with pytest.raises(TypeError, match="tuples"):
            tg.hvp(lambda a: tg.sum(a ** 3), x, x)


def test_retain_grad_keeps_the_gradient_of_recorded_results():
    x0 = np.array([0.3, -1.2, 2.0])
    x = tg.tensor(x0, requires_grad=True)
    h = tg.sin(x) * x
    h.retain_grad()
    h2 = tg.exp(h)
    h2.retain_grad()
    c = tg.tanh(tg.cos(h2))  # a run of elementwise ops after a retained one
    y = tg.sum(c * h)
    assert h.retains_grad and not x.retains_grad and h.grad is None
    y.backward(retain_graph=True)
    hv = np.sin(x0) * x0
    dc = 1 - np.tanh(np.cos(np.exp(hv))) ** 2
    g_h2 = hv * dc * -np.sin(np.exp(hv))
    g_h = np.tanh(np.cos(np.exp(hv))) + g_h2 * np.exp(hv)
    np.testing.assert_allclose(h2.grad, g_h2, rtol=1e-13)
    np.testing.assert_allclose(h.grad, g_h, rtol=1e-13)
    np.testing.assert_allclose(x.grad, g_h * (np.cos(x0) * x0 + np.sin(x0)), rtol=1e-13)
    y.backward(retain_graph=True)  # accumulates, as a leaf's does
    np.testing.assert_allclose(h.grad, 2 * g_h, rtol=1e-13)
    x.grad = None
    k = tg.sum(h * h)
    k.backward(inputs=[x])  # only those leaves, and the retained results on the way
    np.testing.assert_allclose(h.grad, 2 * g_h + 2 * hv, rtol=1e-13)  # (PyTorch 2.13's)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor(x0).retain_grad()
    with pytest.raises(TypeError, match="traced by a transform"):
        tg.grad(lambda v: (v.retain_grad(), tg.sum(v))[1])(x0)


def _fw_without_jvp():
    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    with tg.autograd.forward_ad.dual_level():
        Twice.apply(tg.autograd.forward_ad.make_dual(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 1.0])))


def _grad_for_a_number():
    class Scale(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, k):
            return a * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, g
    Scale.apply(tg.tensor([1.0, 2.0], requires_grad=True), 2.0).sum().backward()


def _hook_writing_in_place():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.__imul__(2))
    y.sum().backward()


def _dual_of_another_shape():
    with tg.autograd.forward_ad.dual_level():
        tg.autograd.forward_ad.make_dual(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0, 3.0]))


_x = tg.tensor([1.0, 2.0], requires_grad=True)
_AF = tg.autograd.functional


@pytest.mark.parametrize("call, expected", [
    (lambda: tg.autograd.grad([(_x * 2).sum(), (_x * 3).sum()], _x, grad_outputs=[tg.tensor(1.0)]),
     ValueError),
    (lambda: tg.autograd.grad(_x * 2, _x, grad_outputs=tg.ones(3, 3), is_grads_batched=True),
     ValueError),
    (lambda: _AF.vjp(lambda a: a * 2, tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0, 3.0])), ValueError),
    (lambda: _AF.vjp(lambda a: (a * 2, a * 3), tg.tensor([1.0, 2.0]), (tg.tensor([1.0, 2.0]),)),
     ValueError),
    (lambda: _AF.jvp(lambda a, b: a * b, (tg.tensor([1.0]), tg.tensor([1.0])), (tg.tensor([1.0]),)),
     ValueError),
    (_dual_of_another_shape, ValueError),
    (_hook_writing_in_place, ValueError),
    (_grad_for_a_number, TypeError),
])
def test_errors_where_pytorch_raises_runtime_error_are_runtime_errors(call, expected):
    # ported code catches RuntimeError; tensorgrad's own class (ValueError, TypeError) holds too
    with pytest.raises(RuntimeError) as info:
        call()
    assert isinstance(info.value, expected)


def test_forward_mode_through_a_function_without_jvp_is_not_implemented():
    with pytest.raises(NotImplementedError):  # PyTorch's class; JAX's TypeError holds too
        _fw_without_jvp()
    with pytest.raises(TypeError):
        _fw_without_jvp()


def test_a_complex_gradient_for_a_real_input_is_refused():
    class Twisted(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * (2 + 5j)  # its imaginary part would be dropped: PyTorch raises
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="complex gradient .* for input 0, which is real"):
        Twisted.apply(a).sum().backward()
    with pytest.raises(TypeError, match="complex gradient"):
        tg.grad(lambda v: tg.sum(Twisted.apply(v)))(np.array([1.0, 2.0]))
    z = tg.tensor([1.0 + 1.0j, 2.0], requires_grad=True)  # a complex input takes it (conjugated back)
    Twisted.apply(z).real.sum().backward()
    np.testing.assert_allclose(z.grad, [2 + 5j, 2 + 5j])


def test_a_grad_of_another_dtype_is_refused_when_assigned():
    a = tg.tensor([1.0, 2.0], dtype=tg.float32, requires_grad=True)
    with pytest.raises(RuntimeError, match="a gradient of dtype float64 for a tensor of dtype float32"):
        a.grad = tg.tensor([1.0, 1.0], dtype=tg.float64)
    with pytest.raises(TypeError):
        a.grad = np.ones(2)  # (NumPy's float64)
    a.grad = np.ones(2, np.float32)
    (a * a).sum().backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_array_equal(a.grad, [3.0, 5.0])


def test_backward_after_a_cast_of_the_model_and_grads_of_lists():
    # m.float() between the forward and backward passes: the gradients keep the dtype they
    # were computed in (PyTorch's too); only an assignment t.grad = g is checked
    m = tg.nn.Linear(3, 2)
    m.init(0)
    m.requires_grad_()
    loss = tg.sum(m(tg.tensor(np.ones((2, 3)))) ** 2)
    m.float()
    loss.backward()
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float64 for p in m.parameters())
    opt = tg.optim.SGD(m.parameters(), lr=0.1)
    opt.zero_grad(set_to_none=False)  # zeros of the grad's own dtype, as PyTorch's zero_()
    m.zero_grad(set_to_none=False)
    assert all(p.grad.dtype == np.float64 and not p.grad.any() for p in m.parameters())
    assert all(p.grad.dtype == np.float64 for p in copy.deepcopy(m).parameters())
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a.grad = [1.0, 2.0, 3.0]  # (a list has no dtype to check: taken as before)
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 6.0, 9.0])
