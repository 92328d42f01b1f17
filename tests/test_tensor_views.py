"""PyTorch's views for in-place writes: an in-place update of t[i], t.T, t.view(-1),
t.detach(), ... reaches t."""
import gc
import weakref

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as jnp


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


# ---- PyTorch's other views: t(), T, view, reshape, permute, unsqueeze, diagonal, detach, ... ----
A = np.arange(12.0).reshape(3, 4)


def _diagonal(a, k):
    """A writable view of diagonal ``k`` (NumPy's ``diagonal`` is a read-only one)."""
    b = a[:, k:]
    return np.lib.stride_tricks.as_strided(b, (min(b.shape),), (b.strides[0] + b.strides[1],))


@pytest.mark.parametrize("name, make, as_numpy", [
    ("T", lambda t: t.T, lambda a: a.T),
    ("t()", lambda t: t.t(), lambda a: a.T),
    ("mT", lambda t: t.mT, lambda a: a.T),
    ("permute", lambda t: t.permute(1, 0), lambda a: a.transpose(1, 0)),
    ("swapaxes", lambda t: t.swapaxes(0, 1), lambda a: a.swapaxes(0, 1)),
    ("movedim", lambda t: t.movedim(0, 1), lambda a: np.moveaxis(a, 0, 1)),
    ("view", lambda t: t.view(2, 6), lambda a: a.reshape(2, 6)),
    ("view(-1)", lambda t: t.view(-1), lambda a: a.reshape(-1)),
    ("reshape", lambda t: t.reshape(6, 2), lambda a: a.reshape(6, 2)),
    ("flatten", lambda t: t.flatten(), lambda a: a.reshape(-1)),
    ("unflatten", lambda t: t.unflatten(1, (2, 2)), lambda a: a.reshape(3, 2, 2)),
    ("unsqueeze", lambda t: t.unsqueeze(0), lambda a: a[None]),
    ("squeeze", lambda t: t.unsqueeze(1).squeeze(1), lambda a: a),
    ("diagonal", lambda t: t.diagonal(), lambda a: _diagonal(a, 0)),
    ("diagonal(1)", lambda t: t.diagonal(1), lambda a: _diagonal(a, 1)),
    ("detach", lambda t: t.detach(), lambda a: a),
    ("view of a part", lambda t: t[1:].view(-1)[2:5], lambda a: a[1:].reshape(-1)[2:5]),
    ("permute then part", lambda t: t.T[1], lambda a: a.T[1]),
])
def test_an_in_place_update_of_a_view_reaches_the_tensor(name, make, as_numpy):
    # the NumPy program with the same views writes into the same entries (NumPy's views share
    # memory, as PyTorch's do)
    for update, np_update in ((lambda v: v.fill_(-1.0), lambda v: v.fill(-1.0)),
                              (lambda v: v.mul_(2.0), lambda v: v.__imul__(2.0)),
                              (lambda v: v.__setitem__(0, 7.0), lambda v: v.__setitem__(0, 7.0))):
        t = tg.tensor(A)
        update(make(t))
        want = A.copy()
        np_update(as_numpy(want))
        np.testing.assert_array_equal(t.numpy(), want, err_msg=name)


def test_views_of_parameters_recorded_results_and_detach_as_pytorch():
    w = tg.tensor(A, requires_grad=True)
    with tg.no_grad():
        w.t().copy_(tg.tensor(np.ones((4, 3))))  # an initializer's write through a transpose
    np.testing.assert_array_equal(w.numpy(), np.ones((3, 4)))
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.view(-1).mul_(2.0)  # while recording: refused, as PyTorch refuses
    # detach() shares the data: its update changes w's values, recording nothing
    w.detach().zero_()
    np.testing.assert_array_equal(w.numpy(), np.zeros((3, 4)))
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((3, 4), 3.0))
    # a recorded result updated through a view is differentiated as updated
    x = tg.tensor(A / 10 + 0.5, requires_grad=True)
    h = x.exp()
    h.view(-1)[0] = 5.0
    h.diagonal().mul_(x.diagonal())
    (h * h).sum().backward()
    xv = A / 10 + 0.5
    hv = np.exp(xv)
    hv.reshape(-1)[0] = 5.0
    d = np.arange(3)
    d_h = 2 * hv  # d/dh of sum(h²) before the diagonal update
    want = d_h * np.exp(xv)
    want[0, 0] = 0.0  # (set to a constant)
    hd = hv[d, d].copy()
    want[d, d] = 2 * (hd * xv[d, d]) * xv[d, d] * (np.exp(xv[d, d]) * (d != 0)) \
        + 2 * (hd * xv[d, d]) * hd
    np.testing.assert_allclose(x.grad, want, rtol=1e-13)


def test_views_that_copy_or_expand_and_stale_views():
    t = tg.tensor(A)
    t.t().reshape(-1).zero_()  # a reshape that needs a copy, as in NumPy and PyTorch: no view
    np.testing.assert_array_equal(t.numpy(), A)
    e = tg.tensor(np.ones((1, 4)))
    e.expand(3, 4).fill_(5.0)  # an expanded view: its entries of one place agree (PyTorch's too)
    np.testing.assert_array_equal(e.numpy(), np.full((1, 4), 5.0))
    with pytest.raises(RuntimeError, match="gives different values to entries that are one entry"):
        e.expand(3, 4).add_(tg.tensor(np.arange(12.0).reshape(3, 4)))
    v = t.t()
    t.add_(1.0)  # a view shows its tensor's later updates, as PyTorch's
    np.testing.assert_array_equal(v.numpy(), A.T + 1.0)
    v[0].zero_()
    np.testing.assert_array_equal(t.numpy()[:, 0], np.zeros(3))
    # a value a transform traces is immutable (JAX's rule): += makes a new value, nothing else
    g = tg.grad(lambda x: _plus_through_view(x))(A)
    np.testing.assert_array_equal(g, np.ones((3, 4)))


def _plus_through_view(x):
    v = x.T
    v += 1.0  # (rebinds v)
    return tg.sum(x)


def test_a_detached_tensor_does_not_keep_its_source_and_graph_alive():
    x = tg.tensor(np.ones(3), requires_grad=True)
    out = x * 2
    ref = weakref.ref(out)
    kept = out.detach()  # outputs.append(model(x).detach()): the graph must be free to go
    del out
    gc.collect()
    assert ref() is None
    kept.zero_()  # (nothing left to write into)
    np.testing.assert_array_equal(kept.numpy(), np.zeros(3))


def test_clones_and_copies_are_not_views():
    # PyTorch's clone() is a copy: its in-place updates never reach the tensor it came from
    x0 = np.array([1.0, 2.0])
    for make, on_graph in ((lambda t: t.clone(), True), (lambda t: tg.clone(t), True),
                           (lambda t: t.copy(), True), (lambda t: np.copy(t), True),
                           (lambda t: t.view(-1).clone(), True), (lambda t: t.detach().clone(), False)):
        x = tg.tensor(x0, requires_grad=True)
        a = x * 3
        b = make(a)
        b += x  # b = 4x (3x off the graph for the detached clone, + x)
        np.testing.assert_array_equal(a.detach().numpy(), 3 * x0)
        (a.sum() + (b * b).sum()).backward()
        np.testing.assert_allclose(x.grad, 3 + 2 * 4 * x0 * (4 if on_graph else 1), rtol=1e-15)
        c = tg.tensor(x0)
        make(c).zero_()
        np.testing.assert_array_equal(c.numpy(), x0)


def test_operators_on_parts_of_jnp_arrays_rebind_as_values_do():
    # tensorgrad.numpy's arrays (JAX's, immutable) are constant tensors: y = x.T; y += 1 and
    # acc = xs[0]; acc += ... make new values, and x keeps its own, as in JAX
    x = jnp.arange(6.0).reshape(2, 3)
    y = x.T
    y += 1.0
    w = x[0]
    w += 10.0
    acc = x[0]
    for r in x[1:]:
        acc += r
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(y.numpy(), np.arange(6.0).reshape(2, 3).T + 1)
    np.testing.assert_array_equal(w.numpy(), [10.0, 11.0, 12.0])
    np.testing.assert_array_equal(acc.numpy(), [3.0, 5.0, 7.0])
    c = tg.tensor(np.zeros(3))  # (a constant of PyTorch's API: in place, as PyTorch's)
    alias, v = c, c[1:]
    v += 1.0
    np.testing.assert_array_equal(c.numpy(), [0.0, 1.0, 1.0])
    c += 1.0
    assert alias is c and v.tolist() == [2.0, 2.0]
    v = c[1:]
    v.add_(1.0)
    np.testing.assert_array_equal(c.numpy(), [1.0, 3.0, 3.0])
    # parts of a tensor of the imperative tape taken under no_grad write on, as in PyTorch
    p = tg.tensor(np.zeros((2, 2)), requires_grad=True)
    with tg.no_grad():
        r = p[0]
        r += 1.0
        q = p.t()
        q *= 3.0
    d = p.detach()
    d += 5.0
    np.testing.assert_array_equal(p.detach().numpy(), [[8.0, 8.0], [5.0, 5.0]])


def test_contiguous_of_a_strided_view_is_a_copy():
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    h = x * 1
    c = h.t().contiguous()  # a copy, as PyTorch's of a non-contiguous tensor
    c.mul_(3.0)
    np.testing.assert_array_equal(h.detach().numpy(), np.arange(6.0).reshape(2, 3))
    (c.sum() + h.sum()).backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 4.0))
    assert h.contiguous() is h and x.cpu() is x  # (already in C order: the tensor itself)
    k = tg.tensor(np.arange(6.0).reshape(2, 3))
    k.t().contiguous().zero_()
    np.testing.assert_array_equal(k.numpy(), np.arange(6.0).reshape(2, 3))


def test_a_part_taken_under_no_grad_refuses_an_update_while_recording():
    # PyTorch: "a view was created in no_grad mode and is being modified inplace with grad mode
    # enabled"; written on, the update would cut the gradient silently
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = a * 1
    with tg.no_grad():
        v = x.t()
        r = x[0]
    for update in (lambda: v.mul_(3.0), lambda: r.add_(1.0), lambda: r.__iadd__(1.0)):
        with pytest.raises(RuntimeError, match="taken inside tg.no_grad"):
            update()
    np.testing.assert_array_equal(v.numpy(), [[1.0, 3.0], [2.0, 4.0]])  # (refused as a whole)
    with tg.no_grad():
        v.mul_(3.0)  # inside no_grad: written on, as PyTorch's
    np.testing.assert_array_equal(x.detach().numpy(), [[3.0, 6.0], [9.0, 12.0]])
    w = tg.tensor(np.zeros(2), requires_grad=True)
    w.detach().add_(1.0)  # detach() is not such a part: PyTorch allows it
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 1.0])


def test_a_detached_part_of_a_part_writes_into_the_tensor_the_chain_starts_from():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    x[0].detach().zero_()  # (x[0] is a temporary: the update still reaches x, as PyTorch's)
    np.testing.assert_array_equal(x.numpy(), [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]])
    w = tg.tensor(np.ones((2, 2)), requires_grad=True)
    w.t().detach()[0].mul_(0.5)
    np.testing.assert_array_equal(w.detach().numpy(), [[0.5, 1.0], [0.5, 1.0]])
    w[1, 1].detach().add_(10.0)  # (a 0-d part, whose value has no memory to match)
    v = tg.tensor(np.arange(3.0))
    v[1].detach().fill_(9.0)
    np.testing.assert_array_equal(w.detach().numpy(), [[0.5, 1.0], [0.5, 11.0]])
    np.testing.assert_array_equal(v.numpy(), [0.0, 9.0, 2.0])
    y = tg.tensor(np.ones(3), requires_grad=True)
    out = y * 2
    ref = weakref.ref(out)
    kept = out[1:].detach()  # the graph is still free to go
    del out
    gc.collect()
    assert ref() is None and kept.shape == (2,)


def test_a_view_shows_its_tensors_later_updates_and_their_history():
    # PyTorch's views share their base's memory: they show its later in-place updates, and
    # while recording those updates' history too (a silently wrong gradient otherwise)
    b0, b1, a0, a1 = 0.7, -1.3, 0.4, 2.1

    def run(update):
        a = tg.tensor([a0, a1], requires_grad=True)
        b = tg.tensor([b0, b1], requires_grad=True)
        x = a * 1.0
        v = x[0:1]
        update(x, b)
        v.mul_(3.0)
        (x.sum() + (v * v).sum()).backward()
        return (np.zeros(2) if a.grad is None else a.grad), b.grad, x.detach()

    ga, gb, x = run(lambda x, b: x.copy_(b))  # equal or not, x's values come from b now
    np.testing.assert_allclose(x, [3 * b0, b1], rtol=1e-15)
    np.testing.assert_allclose(ga, [0.0, 0.0])
    np.testing.assert_allclose(gb, [3 + 18 * b0, 1.0], rtol=1e-14)
    ga, gb, x = run(lambda x, b: x.__setitem__(slice(0, 1), b[0:1]))
    np.testing.assert_allclose(ga, [0.0, 1.0])
    np.testing.assert_allclose(gb, [3 + 18 * b0, 0.0], rtol=1e-14)
    ga, gb, x = run(lambda x, b: x.add_(b))
    s = a0 + b0
    np.testing.assert_allclose(x, [3 * s, a1 + b1], rtol=1e-15)
    np.testing.assert_allclose(ga, [3 + 18 * s, 1.0], rtol=1e-14)
    np.testing.assert_allclose(gb, [3 + 18 * s, 1.0], rtol=1e-14)
    ga, gb, x = run(lambda x, b: x.__setitem__(slice(1, 2), b[1:]))  # elsewhere: v keeps its own
    np.testing.assert_allclose(ga, [3 + 18 * a0, 0.0], rtol=1e-14)
    np.testing.assert_allclose(gb, [0.0, 1.0])
    a = tg.tensor([a0, a1], requires_grad=True)  # the same values: only the history differs
    b = tg.tensor([a0, a1], requires_grad=True)
    x = a * 1.0
    v = x[0:1]
    x.copy_(b)
    v.mul_(3.0)
    x.sum().backward()
    assert a.grad is None or not np.any(a.grad)
    np.testing.assert_array_equal(b.grad, [3.0, 1.0])
    # reads: parts, method views, detach() and parts of parts
    x = tg.tensor(np.zeros(4))
    v, t, d = x[0:2], x.view(2, 2), x.detach()
    tt, el = t.t(), t[1][1:]
    x.add_(1.0)
    x[3] = 7.0
    want = np.array([1.0, 1.0, 1.0, 7.0])
    np.testing.assert_array_equal(v.numpy(), want[:2])
    np.testing.assert_array_equal(t.numpy(), want.reshape(2, 2))
    np.testing.assert_array_equal(tt.numpy(), want.reshape(2, 2).T)
    np.testing.assert_array_equal(d.numpy(), want)
    np.testing.assert_array_equal(el.numpy(), want[3:])
    # a write inside no_grad (and through .data) changes values only, not the history
    w = tg.nn.Parameter(np.array([1.0, 2.0, 3.0]))
    r = w[1]
    with tg.no_grad():
        w.add_(10.0)
    w.data.mul_(2.0)
    assert float(r.detach()) == 24.0
    (r * 5.0).backward()
    np.testing.assert_array_equal(w.grad, [0.0, 5.0, 0.0])


def test_views_follow_optimizer_steps_data_writes_and_in_place_reshapes():
    # an optimizer step and load_state_dict write a parameter in place, as PyTorch's do: its
    # views show the new values (and take updates afterwards)
    w = tg.nn.Parameter(np.array([1.0, 2.0, 3.0]))
    v, col = w[:2], w.view(3, 1)
    opt = tg.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(v.detach(), [0.8, 1.6], rtol=1e-15)
    np.testing.assert_allclose(col.detach().ravel(), w.detach(), rtol=0)
    with tg.no_grad():
        v.zero_()
    np.testing.assert_allclose(w.detach(), [0.0, 0.0, 2.4], rtol=1e-15)
    # .data's in-place methods on a view of a leaf: into the leaf, unrecorded (PyTorch's)
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[:2].data.mul_(2.0)
    x.t().data[2] = 9.0
    np.testing.assert_array_equal(x.detach(), [2.0, 4.0, 9.0])
    y = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y.diagonal().detach().zero_()  # (diagonal's value is a copy: its detach writes on too)
    np.testing.assert_array_equal(y.detach(), [[0.0, 2.0], [3.0, 0.0]])
    h = tg.tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    h.t().diagonal(1).detach().mul_(5.0)  # (through a temporary view: into h itself)
    np.testing.assert_array_equal(h.numpy(), [[1.0, 2.0, 3.0], [20.0, 5.0, 6.0]])
    # an update the whole refuses leaves the view as it was: the two still agree
    part = x[1:]
    with pytest.raises(RuntimeError, match="leaf"):
        part.mul_(5.0)
    np.testing.assert_array_equal(part.detach(), x.detach()[1:])
    # a shape change in place (t_, squeeze_, unsqueeze_, transpose_) keeps the views' entries
    z = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    row = z[0]
    z.t_()
    z.mul_(2.0)
    np.testing.assert_array_equal(row.numpy(), [2.0, 4.0])
    row.zero_()
    np.testing.assert_array_equal(z.numpy(), [[0.0, 6.0], [0.0, 8.0]])


def test_views_of_single_entries_are_views():
    x = tg.tensor([1.0, 2.0, 3.0])
    a, b, c = x[1].view(1), x[2].unsqueeze(0), x[0].expand(2)
    a.mul_(10.0)
    x.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), [2.0, 21.0, 4.0])
    np.testing.assert_array_equal(a.numpy(), [21.0])
    np.testing.assert_array_equal(b.numpy(), [4.0])
    np.testing.assert_array_equal(c.numpy(), [2.0, 2.0])
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1.0
    e = h[0].reshape(1, 1)
    h.mul_(3.0)  # e shows h's update and its history: (3 w0)², slope 18 w0
    (e * e).sum().backward()
    np.testing.assert_array_equal(w.grad, [18.0, 0.0])
    leaf = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    leaf[0].detach().view(1).fill_(9.0)  # (detach()'s view writes unrecorded, a leaf's too)
    np.testing.assert_array_equal(leaf.detach(), [9.0, 2.0, 3.0])


def test_view_never_copies_silently():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    for make in (lambda: x.t().view(-1), lambda: x.expand(3, 2, 3).view(-1),
                 lambda: x[:, :2].view(-1), lambda: x.t().view_as(np.zeros(6))):
        with pytest.raises(RuntimeError, match="view size is not compatible"):  # PyTorch's error
            make()
    assert x.t().view(3, 2).shape == (3, 2) and x[:, 1].view(2).shape == (2,)
    # a value whose layout is tensorgrad's own (not a view: PyTorch's would be contiguous)
    y = tg.tensor(np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    y.view(-1)[1:3].zero_()
    np.testing.assert_array_equal(y.numpy().ravel(), [0.0, 0.0, 0.0, 3.0, 4.0, 5.0])


def test_unfold_and_the_splits_pieces_are_views():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0])
    x.unfold(0, 2, 2).mul_(10.0)
    np.testing.assert_array_equal(x.numpy(), [10.0, 20.0, 30.0, 40.0])
    windows = x.unfold(0, 2, 1)
    x.add_(1.0)
    np.testing.assert_array_equal(windows.numpy(), [[11.0, 21.0], [21.0, 31.0], [31.0, 41.0]])
    y = tg.tensor([1.0, 2.0, 3.0, 4.0])
    y.tensor_split(2)[0].zero_()
    z = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    z.vsplit(2)[1].zero_()
    w = tg.tensor(np.arange(8.0).reshape(2, 2, 2))
    w.dsplit(2)[1].zero_()
    u = tg.tensor(np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]))
    u.hsplit(2)[1].zero_()
    np.testing.assert_array_equal(u.numpy(), [[1.0, 2.0, 0.0, 0.0], [5.0, 6.0, 0.0, 0.0]])
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, 3.0, 4.0])
    np.testing.assert_array_equal(z.numpy(), [[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(w.numpy()[..., 1], np.zeros((2, 2)))
    h = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    g = h * 1.0
    g.tensor_split(2)[1].mul_(3.0)  # recorded through the piece: PyTorch's gradient
    g.sum().backward()
    np.testing.assert_array_equal(h.grad, [1.0, 1.0, 3.0, 3.0])


def test_expanded_views_take_partial_writes_and_views_of_them_follow():
    x = tg.tensor([1.0, 2.0, 3.0])
    e = x.expand(3, 3)
    e[2] = 5.0  # row 2 is x's memory: x takes it, and so do e's other rows (PyTorch's)
    np.testing.assert_array_equal(x.numpy(), [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(e.numpy(), np.full((3, 3), 5.0))
    y = tg.tensor([[1.0, 2.0, 3.0]])
    y.expand(3, 3).narrow(0, 1, 1).add_(1.0)
    np.testing.assert_array_equal(y.numpy(), [[2.0, 3.0, 4.0]])
    z = tg.tensor([1.0, 2.0, 3.0])
    f = z.expand(2, 3).t()  # a view of an expanded view shows z's updates
    z.add_(1.0)
    np.testing.assert_array_equal(f.numpy(), [[2.0, 2.0], [3.0, 3.0], [4.0, 4.0]])
    with pytest.raises(RuntimeError, match="gives different values to entries that are one entry"):
        z.expand(3, 3).add_(tg.tensor(np.arange(9.0).reshape(3, 3)))  # (PyTorch refuses it too)


def test_a_view_changes_its_own_shape_in_place_and_stays_a_view():
    x = tg.tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    piece = x.tensor_split(2, dim=1)[0]  # x[:, :2]
    piece.t_()  # (its strides change, its memory stays, as PyTorch's)
    piece[0, 1] = 40.0
    row = x[1]
    row.unsqueeze_(0)
    row.mul_(10.0)
    x.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), [[2.0, 3.0, 4.0], [401.0, 51.0, 61.0]])
    np.testing.assert_array_equal(piece.numpy(), [[2.0, 401.0], [3.0, 51.0]])
    np.testing.assert_array_equal(row.numpy(), [[401.0, 51.0, 61.0]])
    y = tg.tensor(np.arange(8.0).reshape(2, 4))  # unfold's value is tensorgrad's copy: no error
    y.unfold(1, 2, 2).view(-1).zero_()
    np.testing.assert_array_equal(y.numpy(), np.zeros((2, 4)))


def test_a_leaf_that_changes_shape_in_place_gets_a_gradient_of_its_new_shape():
    w = tg.tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
    with tg.no_grad():
        w.t_()
    c = np.arange(6.0).reshape(3, 2)
    (w * tg.tensor(c)).sum().backward()
    np.testing.assert_array_equal(w.grad, c)  # (it raised: a (2, 3) gradient for a (3, 2) leaf)
    u = tg.tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
    row = u[0]  # recorded on the old layout: its gradient is refused, as PyTorch refuses it,
    with tg.no_grad():  # never laid out anew into the new shape
        u.t_()
    with pytest.raises(ValueError, match=r"a gradient of shape \(2, 3\) for a tensor of shape \(3, 2\)"):
        (row * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
    with pytest.raises(ValueError, match=r"a gradient of shape \(2, 3\) for a tensor of shape \(3, 2\)"):
        (row * tg.tensor([1.0, 10.0, 100.0])).sum().backward(create_graph=True)


def test_base_and_is_view_as_pytorch():
    # PyTorch's t._base (the tensor at the start of a chain of views) and t._is_view()
    x = tg.tensor(np.arange(6.0), requires_grad=True)
    a = x[1:]
    assert a._base is x and a[1:]._base is x and a._is_view()
    assert x.view(2, 3)._base is x and x.view(2, 3).t()._base is x and x.reshape(2, 3)._base is x
    assert x._base is None and not x._is_view()
    assert (x * 2)._base is None and x[[0, 1]]._base is None  # (a result, a copy: no views)
    d = x.detach()  # shares memory, yet no view in PyTorch's sense; a view of it is its
    assert d._base is None and not d._is_view() and d[1:]._base is d
    w = tg.tensor(np.ones((2, 3)))
    assert w[0]._base is w and w.transpose(0, 1)._base is w and w.unsqueeze(0)._base is w
