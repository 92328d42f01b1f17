"""In-place operators on imperative tensors follow PyTorch: an optimizer step inside
``tg.no_grad()`` updates the parameter object itself; a leaf that requires grad refuses an
in-place update while recording; a recorded result takes the new value and its place on the
tape, so every name bound to it sees the update. Values traced by a transform stay immutable
(JAX): ``x += 1`` rebinds the name. Checked against PyTorch."""
import numpy as np
import pytest
import torch

import tensorgrad as tg

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
Y = np.array([1.0, 2.0, 3.0])


def test_a_pytorch_style_update_loop_trains_the_parameters():
    ours = [tg.tensor(np.zeros(2), requires_grad=True), tg.tensor(0.0, requires_grad=True)]
    theirs = [torch.zeros(2, dtype=torch.float64, requires_grad=True),
              torch.tensor(0.0, dtype=torch.float64, requires_grad=True)]
    for _ in range(3):
        w, b = ours
        loss = tg.mean((X @ w + b - Y) ** 2)
        loss.backward()
        with tg.no_grad():
            for p in ours:
                p -= 0.01 * p.grad
        for p in ours:
            p.grad = None
        tw, tb = theirs
        tloss = torch.mean((torch.from_numpy(X) @ tw + tb - torch.from_numpy(Y)) ** 2)
        tloss.backward()
        tval = tloss.detach()
        with torch.no_grad():
            for p in theirs:
                p -= 0.01 * p.grad
        for p in theirs:
            p.grad = None
        assert float(loss) == pytest.approx(float(tval), rel=1e-14)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.detach(), t.detach().numpy(), rtol=1e-14)
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
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    yt = xt * 2
    zt = yt
    yt += 1
    (zt * zt).sum().backward()
    np.testing.assert_array_equal(z.detach(), zt.detach().numpy())
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-15)
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
        k += 1
    tg.sum(k * k).backward()
    bt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    kt = bt * 3
    with torch.no_grad():
        kt += 1
    (kt * kt).sum().backward()
    np.testing.assert_allclose(b.grad, bt.grad.numpy(), rtol=1e-15)


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
    with pytest.raises(NotImplementedError, match="retain_grad"):
        (x * 2).retain_grad()
    x.grad = np.zeros((2, 1))  # a wrong shape is refused, not broadcast into
    with pytest.raises(ValueError, match=r"\.grad has shape \(2, 1\), but the leaf has shape \(2,\)"):
        tg.sum(x * x).backward()
