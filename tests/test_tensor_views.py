"""PyTorch's views for in-place writes: an in-place update of t[i] reaches t."""
import numpy as np
import pytest

import tensorgrad as tg


def test_an_in_place_update_of_a_part_reaches_the_whole():
    emb = tg.nn.Embedding(4, 3)
    tg.optim.SGD(emb.parameters(), lr=0.1)  # (the parameters are tensors that require grad)
    before = np.array(emb.weight.detach())
    with tg.no_grad():
        emb.weight[0].zero_()           # the padding row, as PyTorch code zeroes it
        emb.weight[1].fill_(2.0)
        emb.weight[2] += 1.0
        part = emb.weight[3]
        part.mul_(0.0)
        part.add_(5.0)                  # (a second update through the same part)
    want = np.vstack([np.zeros(3), np.full(3, 2.0), before[2] + 1.0, np.full(3, 5.0)])
    np.testing.assert_allclose(emb.weight.detach(), want, rtol=1e-15)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        emb.weight[0].zero_()           # while recording: refused, as PyTorch refuses
    c = tg.tensor(np.arange(6.0).reshape(2, 3))
    c[1].zero_()
    c[0, 1:].fill_(9.0)
    c[np.array([0])].zero_()            # integer-array indexing gives a copy, as in PyTorch
    np.testing.assert_array_equal(c.detach(), [[0.0, 9.0, 9.0], [0.0, 0.0, 0.0]])


def test_a_recorded_part_updated_in_place_is_differentiated_as_pytorch_does():
    x = tg.tensor(np.ones(3), requires_grad=True)
    h = x * 2.0
    h[0].mul_(10.0)                     # h = [20 x0, 2 x1, 2 x2]
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [20.0, 2.0, 2.0])


def test_a_part_taken_before_its_whole_changed_refuses_to_write_old_values():
    c = tg.tensor(np.arange(6.0).reshape(2, 3))
    part = c[0]
    c.data = np.zeros((2, 3))
    with pytest.raises(RuntimeError, match="taken before the tensor.s values there changed"):
        part.fill_(1.0)
    np.testing.assert_array_equal(c.detach(), np.zeros((2, 3)))
    # values a transform traces stay immutable: nothing is noted or written there
    g = tg.grad(lambda v: tg.sum(v[0] * 3.0))(np.ones((2, 2)))
    np.testing.assert_array_equal(g, [[3.0, 3.0], [0.0, 0.0]])


def test_parts_of_parts_siblings_and_operators_write_through_as_pytorchs_views():
    torch_like = [  # (each against the value PyTorch computes)
        (lambda w: w[0][1:].zero_(), lambda a: a.__setitem__((0, slice(1, None)), 0.0)),
        (lambda w: w[None][0, 1].fill_(5.0), lambda a: a.__setitem__(1, 5.0)),
        (lambda w: w[1:][0].mul_(10.0), lambda a: a.__setitem__(1, a[1] * 10.0)),
        (lambda w: w[1].__iadd__(1.0), lambda a: a.__setitem__(1, a[1] + 1.0)),
        (lambda w: [c.zero_() for c in w.chunk(3)], lambda a: a.fill(0.0)),
        (lambda w: w[tg.tensor(2)].fill_(7.0), lambda a: a.__setitem__(2, 7.0)),
    ]
    for update, want in torch_like:
        w = tg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        a = np.arange(12.0).reshape(3, 4)
        with tg.no_grad():
            update(w)
        want(a)
        np.testing.assert_array_equal(w.detach(), a)
    w = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with tg.no_grad():
        first, second = w[0], w[1]      # siblings: a write to one leaves the other's place alone
        first.zero_()
        second.fill_(3.0)
        w[0] = 1.0                      # ... and a change elsewhere keeps a part usable
        second.add_(1.0)
    np.testing.assert_array_equal(w.detach(), [[1.0, 1.0, 1.0], [4.0, 4.0, 4.0]])
    x = tg.tensor(np.ones((2, 3)), requires_grad=True)
    h = x * 2.0
    h[0][1:].mul_(3.0)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 6.0, 6.0], [2.0, 2.0, 2.0]])
