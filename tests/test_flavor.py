"""A tensor takes the meaning of the API that made it where NumPy and PyTorch share a name
(tensorgrad.flavor): PyTorch's on tensors of PyTorch's API and on everything computed from
them, NumPy's (JAX's for ``+=``) on jnp arrays and on values traced from NumPy arrays."""
import copy
import pickle

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.func as tf
import tensorgrad.numpy as jnp
from tensorgrad.autograd.function import RuleArray
from tensorgrad.flavor import torch_style

rng = np.random.default_rng(3)
A = rng.standard_normal((3, 4))
M = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])


def val(x):
    return np.asarray(x.numpy() if isinstance(x, tg.Tensor) else x)


def pair(r):
    """``(values, indices)`` as two arrays (a PyTorch-style result)."""
    v, i = r
    return val(v), val(i)


# (call on the tensor, PyTorch's meaning, NumPy's meaning), both written with NumPy
METHODS = [
    (lambda t: t.std(), lambda a: a.std(ddof=1), lambda a: a.std()),
    (lambda t: t.var(0), lambda a: a.var(0, ddof=1), lambda a: a.var(0)),
    (lambda t: t.std(1, False), lambda a: a.std(1), None),
    (lambda t: t.var(0, True, True), lambda a: a.var(0, ddof=1, keepdims=True), None),
    (lambda t: pair(t.max(1)), lambda a: (a.max(1), a.argmax(1)), None),
    (lambda t: pair(t.min(0)), lambda a: (a.min(0), a.argmin(0)), None),
    (lambda t: t.max(1), None, lambda a: a.max(1)),
    (lambda t: t.transpose(0, 1), lambda a: a.T, lambda a: a),
    (lambda t: t.repeat(2, 1), lambda a: np.tile(a, (2, 1)), None),
    (lambda t: t.repeat((1, 1, 2)), lambda a: np.tile(a, (1, 1, 2)), None),
    (lambda t: t.repeat(2), None, lambda a: np.repeat(a, 2)),
    (lambda t: pair(t.sort()), lambda a: (np.sort(a, -1), np.argsort(a, -1, kind="stable")), None),
    (lambda t: pair(t.sort(0)), lambda a: (np.sort(a, 0), np.argsort(a, 0, kind="stable")), None),
    (lambda t: t[None].squeeze(1), lambda a: a[None], None),
    (lambda t: t.nonzero(), lambda a: np.argwhere(a), None),
    (lambda t: tuple(t.nonzero()), None, lambda a: a.nonzero()),
    # NumPy's keywords choose NumPy's meaning on any tensor, PyTorch's keywords PyTorch's
    (lambda t: t.std(ddof=0), lambda a: a.std(), lambda a: a.std()),
    (lambda t: t.max(axis=1), lambda a: a.max(1), lambda a: a.max(1)),
    (lambda t: t.var(dim=1), lambda a: a.var(1, ddof=1), lambda a: a.var(1, ddof=1)),
    (lambda t: t.repeat(2, axis=0), lambda a: np.repeat(a, 2, 0), lambda a: np.repeat(a, 2, 0)),
    (lambda t: t.transpose((1, 0)), lambda a: a.T, lambda a: a.T),
    # the top-level functions follow their first argument
    (lambda t: pair(tg.max(t, 1)), lambda a: (a.max(1), a.argmax(1)), None),
    (lambda t: tg.max(t, 1), None, lambda a: a.max(1)),
    (lambda t: tg.std(t), lambda a: a.std(ddof=1), lambda a: a.std()),
    (lambda t: tg.var(t, axis=0), lambda a: a.var(0), lambda a: a.var(0)),
    (lambda t: tg.transpose(t, 0, 1) if torch_style(t) else tg.transpose(t, (0, 1)),
     lambda a: a.T, lambda a: a),
    (lambda t: tg.nonzero(t), lambda a: np.argwhere(a), None),
    (lambda t: tg.median(t[:, :2].reshape(-1)), lambda a: np.sort(a[:, :2].ravel())[2], lambda a: np.median(a[:, :2])),
    (lambda t: [val(p) for p in tg.split(t.reshape(-1), 5)], lambda a: np.split(a.ravel(), [5, 10]),
     lambda a: np.split(a.ravel(), 5) if a.size % 5 == 0 else None),
    (lambda t: tg.nanmedian(t[:, :2].reshape(-1)), lambda a: np.sort(a[:, :2].ravel())[2],
     lambda a: np.nanmedian(a[:, :2])),
    (lambda t: pair(tg.nanmedian(t, 1)), lambda a: (np.sort(a, 1)[:, 1], np.argsort(a, 1)[:, 1]), None),
    (lambda t: tg.nanmedian(t, 1), None, lambda a: np.nanmedian(a, 1)),
    (lambda t: tg.quantile(t, 0.3, 1, True), lambda a: np.quantile(a, 0.3, axis=1, keepdims=True), None),
    (lambda t: tg.equal(t, t * 1.0), lambda a: True, lambda a: np.ones(a.shape, bool)),
    (lambda t: [val(m) for m in tg.meshgrid(t[0], t[1, :3])],
     lambda a: np.meshgrid(a[0], a[1, :3], indexing="ij"), lambda a: np.meshgrid(a[0], a[1, :3])),
    (lambda t: [val(m) for m in tg.meshgrid([t[0], t[1, :3]])],
     lambda a: np.meshgrid(a[0], a[1, :3], indexing="ij"), None),
]


def _handed_out(a):
    """The arrays PyTorch's API hands out holding ``a``: a gradient, a tensor's ``.data``, a
    parameter, and what a custom Function's rules see."""
    w = tg.tensor(a, requires_grad=True)
    (w * tg.tensor(a)).sum().backward()
    lin = tg.nn.Conv1d(a.shape[1], a.shape[0], 1)
    lin.weight.data.copy_(a[:, :, None])
    return w.grad, tg.tensor(a).data, lin.weight[:, :, 0], a.copy().view(RuleArray)


def _same(got, want):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
    else:
        np.testing.assert_allclose(val(got), want, rtol=1e-12)


@pytest.mark.parametrize("k", range(len(METHODS)))
def test_shared_names_take_the_meaning_of_the_api_that_made_the_tensor(k):
    call, torch_meaning, numpy_meaning = METHODS[k]
    a = M if k in (14, 15, 26) else A
    if torch_meaning is not None:
        for t in (tg.tensor(a), tg.tensor(a, requires_grad=True), tg.as_tensor(a), tg.from_numpy(a.copy()),
                  *_handed_out(a)):
            _same(call(t), torch_meaning(a))
    if numpy_meaning is not None and numpy_meaning(a) is not None:
        _same(call(jnp.asarray(a)), numpy_meaning(a))


def test_functions_follow_the_arrays_pytorchs_api_hands_out():
    w = tg.tensor(A, requires_grad=True)
    out = w * 2.0
    (out * out).sum().backward()
    _, predicted = tg.max(out.data, 1)  # PyTorch's tutorial idiom on .data
    np.testing.assert_array_equal(val(predicted), A.argmax(1))
    np.testing.assert_allclose(float(tg.std(w.grad)), (8 * A).std(ddof=1), rtol=1e-12)
    # their own methods are PyTorch's too, while NumPy's functions, which call those methods
    # with NumPy's meaning (np.tile calls a.repeat(n, 0), np.unique ar.sort()), get plain arrays
    g = w.grad
    np.testing.assert_array_equal(np.tile(w.data, (2, 1)), np.tile(A, (2, 1)))
    np.testing.assert_array_equal(np.nonzero(g)[0], np.nonzero(A)[0])
    np.testing.assert_array_equal(np.unique(g), np.unique(8 * A))
    np.testing.assert_array_equal(np.argwhere(w.data), np.argwhere(A))
    assert type(np.sort(g)) is np.ndarray and np.std(g) == (8 * A).std()
    values, indices = g.sort()  # (PyTorch's sort: not NumPy's in place, which changed w.grad)
    np.testing.assert_array_equal(values, np.sort(8 * A))
    np.testing.assert_array_equal(w.grad, 8 * A)
    assert type(values) is type(g) and type(g.repeat(2, 1)) is type(g)


def test_what_follows_pytorch_and_what_numpy():
    t, w = tg.tensor(A), tg.tensor(A, requires_grad=True)
    with tg.no_grad():
        under_no_grad = w * 2
    for x in (t, w, t + 1, t[0], t.T, t.view(-1), t.detach(), w.detach(), t.clone(), tg.sin(t),
              tg.zeros(2, 3), tg.ones(2, 3), tg.randn(3), tg.zeros_like(t), tg.Tensor([1.0]),
              tg.stack([t, t]), under_no_grad, copy.deepcopy(t), pickle.loads(pickle.dumps(t)),
              t.float()):
        assert torch_style(x), x
    for x in (jnp.zeros(3), jnp.asarray(A) + 1, jnp.asarray(A)[0], jnp.asarray(A).T,
              copy.deepcopy(jnp.asarray(A)), pickle.loads(pickle.dumps(jnp.asarray(A))), A):
        assert not torch_style(x)


def test_creation_functions_called_in_pytorchs_form_make_pytorchs_tensors():
    """A keyword only PyTorch's creation functions take (``steps=``, ``end=``, ``size=``,
    ``requires_grad=``, even False) makes the call PyTorch's and the result its tensor; NumPy's
    call forms keep returning NumPy arrays."""
    grid = np.linspace(0.0, 1.0, 5)
    torch_forms = {"linspace": (tg.linspace(0, 1, steps=5), grid),
                   "logspace": (tg.logspace(0, 1, steps=5), 10.0 ** grid),
                   "arange": (tg.arange(end=5.0), np.arange(5.0)),
                   "arange rg": (tg.arange(5.0, requires_grad=False), np.arange(5.0)),
                   "zeros rg": (tg.zeros(5, requires_grad=False), np.zeros(5)),
                   "ones size": (tg.ones(size=(5,)), np.ones(5)),
                   "full rg": (tg.full((5,), 2.0, requires_grad=False), np.full(5, 2.0)),
                   "eye rg": (tg.eye(5, requires_grad=False)[0], np.eye(5)[0])}
    for name, (t, values) in torch_forms.items():
        assert type(t) is tg.Tensor and torch_style(t), name
        np.testing.assert_allclose(np.asarray(t), values, err_msg=name)
        np.testing.assert_allclose(t.var(), np.var(values, ddof=1), err_msg=name)  # PyTorch's N - 1
        assert isinstance(t.max(0), tuple), name  # (values, indices)
        assert not t.requires_grad
    for a in (tg.linspace(0, 1, 5), tg.logspace(0, 1, 5), tg.arange(5.0), tg.zeros(5),
              tg.ones((5,)), tg.full((5,), 2.0), tg.eye(5)):
        assert type(a) is np.ndarray
    assert tg.ones(2, requires_grad=True).requires_grad


def test_transforms_and_jit_follow_their_inputs():
    std = lambda x: x.std() + x.transpose(0, 1)[0, 1]  # noqa: E731
    t = tg.tensor(A)
    torch_value = A.std(ddof=1) + A[1, 0]
    numpy_value = A.std() + A[0, 1]
    assert np.isclose(float(std(t)), torch_value) and np.isclose(float(std(jnp.asarray(A))), numpy_value)
    # a transform given a tensor of PyTorch's traces values that follow PyTorch, given arrays NumPy
    np.testing.assert_allclose(tg.grad(lambda x: x.std())(t), tg.grad(lambda a: tg.std(a, ddof=1))(A))
    np.testing.assert_allclose(tg.grad(lambda x: x.std())(A), tg.grad(lambda a: tg.std(a, ddof=0))(A))
    np.testing.assert_allclose(tf.grad(lambda x: x.var())(t), tg.grad(lambda a: tg.var(a, ddof=1))(A))
    np.testing.assert_array_equal(val(tg.vmap(lambda r: r.max(0)[1])(t)), A.argmax(1))
    np.testing.assert_allclose(val(tg.vmap(lambda r: r.max(0))(A)), A.max(1))
    # tg.jit: the same numbers as eagerly, with a plan for each meaning
    f = tg.jit(std)
    for x, want in ((t, torch_value), (jnp.asarray(A), numpy_value), (t, torch_value)):
        assert np.isclose(float(f(x)), want)
    assert torch_style(f(t) * 1) and not torch_style(f(jnp.asarray(A)) * 1)


def test_linalg_solve_and_norm_follow_pytorch_on_its_tensors():
    a = rng.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal((3, 4))
    want = np.stack([np.linalg.solve(a[k], b[k]) for k in range(3)])  # PyTorch: b is 3 vectors
    np.testing.assert_allclose(val(tg.linalg.solve(tg.tensor(a), tg.tensor(b))), want, rtol=1e-12)
    w = tg.tensor(a, requires_grad=True)
    tg.linalg.solve(w, tg.tensor(b)).sum().backward()
    np.testing.assert_allclose(val(w.grad), tg.grad(lambda m: tg.sum(tg.linalg.solve(m, b[..., None])))(a))
    with pytest.raises(ValueError, match=r"b of shape \(3, 4\) does not fit"):
        tg.linalg.solve(a, b)  # NumPy's rule for arrays: a 2-d b is a stack of matrices
    with pytest.raises(RuntimeError, match="batch of vectors"):
        tg.linalg.solve(tg.tensor(a), tg.tensor(b), left=False)
    m = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert float(tg.norm(tg.tensor(m), 1)) == np.abs(m).sum() and float(tg.norm(m, 1)) == np.linalg.norm(m, 1)


def test_in_place_operators_on_pytorchs_constants_write_in_place():
    c = tg.tensor(np.arange(6.0).reshape(2, 3))
    alias, row, col, tr = c, c[0], c[:, 1], c.t()
    c += 1.0
    assert alias is c
    np.testing.assert_array_equal(val(row), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(val(tr), np.arange(1.0, 7.0).reshape(2, 3).T)
    row *= 2.0  # a view writes into its tensor, and the other views see it
    np.testing.assert_array_equal(val(c), [[2.0, 4.0, 6.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(val(col), [4.0, 5.0])
    tr -= 1.0
    np.testing.assert_array_equal(val(c), [[1.0, 3.0, 5.0], [3.0, 4.0, 5.0]])
    acc = tg.tensor(np.zeros(3))
    for k in range(3):
        acc[k] += k
    np.testing.assert_array_equal(val(acc), [0.0, 1.0, 2.0])
    i = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5  # PyTorch's rule: never a silent truncation
    with pytest.raises(ValueError, match="keep t's shape"):
        acc += np.ones((2, 3))
    assert i.tolist() == [1, 2] and val(acc).tolist() == [0.0, 1.0, 2.0]
    # a constant updated by a recorded value joins the graph, as in PyTorch
    s, w = tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0], requires_grad=True)
    same = s
    s += w * w
    (same * 1.0).sum().backward()
    assert same is s and s.requires_grad and w.grad.tolist() == [6.0, 8.0]


def test_in_place_operators_on_jnp_arrays_and_traced_values_rebind():
    a = jnp.zeros(3)
    b, part = a, a[1:]
    a += 1.0
    assert a is not b and val(b).tolist() == [0.0] * 3 and val(part).tolist() == [0.0] * 2

    def f(x):
        y = x * 2.0
        y += 1.0  # a value a transform traces: a new value, the name rebound
        return tg.sum(y)
    np.testing.assert_allclose(tg.grad(f)(A), np.full(A.shape, 2.0))
    np.testing.assert_allclose(tg.grad(f)(tg.tensor(A)), np.full(A.shape, 2.0))


def test_operator_updates_of_parts_of_values_traced_for_pytorch_raise():
    # tensorgrad.func's transforms trace immutable values: v += 1 on a part of one cannot reach
    # the tensor it was taken from (torch.func writes it in), so it raises rather than rebind
    def f(x):
        h = x * 2.0
        v = h[0]
        v += 1.0
        return (h * h).sum()
    for transform in (tf.grad, tf.hessian, tg.grad):
        with pytest.raises(TypeError, match="part or view of a value that a transform traces"):
            transform(f)(tg.tensor(A))
    with pytest.raises(TypeError, match="part or view"):
        tf.grad(lambda x: (lambda t: (t.__iadd__(1.0), x.sum())[1])(x.t()))(tg.tensor(A))
    # the same program eagerly writes into h, as PyTorch's; on NumPy arrays (JAX's values) the
    # name is rebound and h keeps its values, as in JAX
    h0 = 2.0 * A
    h0[0] += 1.0
    assert np.isclose(float(f(tg.tensor(A))), (h0 * h0).sum())
    np.testing.assert_allclose(tg.grad(f)(A), 8.0 * A)

    def g(x):  # a whole value updated by an operator: a new value, the name rebound
        h = x * 2.0
        h += 1.0
        return (h * h).sum()
    np.testing.assert_allclose(tf.grad(g)(tg.tensor(A)), 4.0 * (2.0 * A + 1.0))


def test_mixed_programs_follow_the_same_rule_eagerly_and_under_every_transform():
    # a closure over a tensor of PyTorch's API, called with NumPy arrays: PyTorch's meaning
    # eagerly, under jit, and under the transforms once the traced value meets the tensor
    W = tg.tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]))
    f = lambda x: (W + x).max(1)[0].sum()  # noqa: E731  PyTorch's: the two row maxima
    x = np.zeros((2, 3))
    assert float(f(x)) == float(tg.jit(f)(x)) == 12.0
    value, g = tg.value_and_grad(f)(x)
    assert float(value) == 12.0 and g.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert float(tg.jvp(f, (x,), (np.ones_like(x),))[1]) == 2.0
    s = lambda x: (W * x).std()  # noqa: E731
    o = np.ones((2, 3))
    assert np.isclose(float(tg.value_and_grad(s)(o)[0]), val(W).std(ddof=1))
    # the arrays PyTorch's API hands out, given to jit: the same meaning as eagerly
    w = tg.tensor(A, requires_grad=True)
    (w * w).sum().backward()
    for fn in (lambda G: tg.std(G), lambda G: tg.max(G, 1)[1]):
        _same(tg.jit(fn)(w.grad), val(fn(w.grad)))
    # jax.numpy's functions keep NumPy's meaning on any argument; NumPy's own functions too
    t = tg.tensor(A)
    _same(jnp.max(t, 1), A.max(1))
    assert np.isclose(float(jnp.var(t)), A.var()) and len(jnp.split(t.reshape(-1), 2)) == 2
    a = rng.standard_normal((4, 4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal((4, 4))
    assert np.linalg.solve(tg.tensor(a), tg.tensor(b)).shape == np.linalg.solve(a, b).shape == (4, 4, 4)
    assert tg.linalg.solve(tg.tensor(a), tg.tensor(b)).shape == (4, 4)
    # PyTorch's max/min with a tensor argument (a 0-d integer one too) are elementwise
    i = t.argmin()
    _same(t.max(i), np.maximum(A, A.argmin()))
    _same(tg.min(t, tg.tensor(1)), np.minimum(A, 1))


def test_pytorchs_view_functions_and_0d_dims_on_its_tensors():
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    d, r, s, h = tg.diagonal(x), tg.reshape(x, (12,)), tg.swapaxes(x, 0, 1), tg.hsplit(x, 2)[0]
    d += 100.0  # each writes into x, as torch.diagonal(x), torch.reshape(x, ...), ... do
    r[0] = -1.0
    s[3, 2] = -5.0
    h[2, 1] = -7.0
    want = np.arange(12.0).reshape(3, 4)
    want[[0, 1, 2], [0, 1, 2]] += 100.0
    want[0, 0], want[2, 3], want[2, 1] = -1.0, -5.0, -7.0
    np.testing.assert_array_equal(val(x), want)
    np.testing.assert_array_equal(val(tg.select(x, 0, 1)), want[1])  # torch.select, not np.select
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(tg.reshape(a, (12,)), a.ravel())  # arrays: NumPy's (copies)
    # a 0-d tensor of PyTorch's has a dim 0 (also -1), positionally too
    z = tg.tensor(2.5)
    for got in (z.sum(0), z.mean(-1), z.prod(0), z.cumsum(0), z.max(0)[0], z.sum(0, True)):
        assert got.shape == () and float(got) == 2.5
    # a no-op view is a new tensor (a view), not the tensor itself
    v = tg.tensor(np.arange(3.0))
    for view in (v.t(), v.squeeze(0), v.transpose(0, -1)):
        assert view is not v
    w = v.t()
    v += 1.0
    np.testing.assert_array_equal(val(w), [1.0, 2.0, 3.0])


def test_pytorchs_functions_and_methods_take_dim_0_or_minus_1_of_a_0d_tensor():
    # torch.mean(s, 0), torch.softmax(s, dim=0), s.flip(0), ...: a 0-d tensor of PyTorch's
    # has one axis of length 1, so each is the function of the one entry, a 0-d result
    v = 1.75
    calls = {
        "mean": (lambda s: tg.mean(s, 0), lambda a: np.mean(a, 0)),
        "cumsum": (lambda s: tg.cumsum(s, -1), lambda a: np.cumsum(a, -1)),
        "cumprod": (lambda s: tg.cumprod(s, 0), lambda a: np.cumprod(a, 0)),
        "softmax": (lambda s: tg.softmax(s, dim=0), lambda a: np.exp(a) / np.exp(a).sum()),
        "log_softmax": (lambda s: tg.log_softmax(s, dim=-1), lambda a: a - np.log(np.exp(a).sum())),
        "logsumexp": (lambda s: tg.logsumexp(s, dim=0), lambda a: np.log(np.exp(a).sum(0))),
        "flip": (lambda s: tg.flip(s, [0]), lambda a: a[::-1]),
        "flip method": (lambda s: s.flip(0), lambda a: a[::-1]),
        "flip dims=": (lambda s: s.flip(dims=[-1]), lambda a: a[::-1]),
        "movedim": (lambda s: s.movedim(0, -1), lambda a: a),
        "tg.movedim": (lambda s: tg.movedim(s, -1, 0), lambda a: a),
        "index_select": (lambda s: s.index_select(0, tg.tensor([0])), lambda a: a[[0]]),
        "squared mean": (lambda s: tg.mean(s * s, 0, keepdim=True), lambda a: np.mean(a * a, 0)),
    }
    for name, (f, ref) in calls.items():
        s = tg.tensor(v, dtype=tg.float64, requires_grad=True)
        out = f(s)
        assert out.shape == () and tg.is_tensor(out), name
        np.testing.assert_allclose(float(out), ref(np.array([v])).item(), rtol=1e-15, err_msg=name)
        out.backward()
        h = 1e-6  # the derivative of the one entry's function
        want = (ref(np.array([v + h])).item() - ref(np.array([v - h])).item()) / (2 * h)
        np.testing.assert_allclose(float(s.grad), want, rtol=1e-7, atol=1e-9, err_msg=name)
    s = tg.tensor(v)
    assert s.argsort().shape == () and int(s.argsort()) == 0  # (torch.argsort of a 0-d: 0-d)
    assert int(tg.count_nonzero(s, 0)) == 1
    # only axis 0 (or -1): an added axis or any other raises, as in PyTorch
    for bad in (lambda: tg.mean(s, 1), lambda: tg.expand_dims(s, 1), lambda: s.flip(1),
                lambda: tg.cumsum(s, -2)):
        with pytest.raises(np.exceptions.AxisError):
            bad()
    # NumPy's 0-d arrays and tensors traced by JAX-style transforms keep NumPy's axes
    with pytest.raises(np.exceptions.AxisError, match="mean"):
        tg.mean(np.array(v), 0)
    with pytest.raises(np.exceptions.AxisError, match="mean"):
        tg.grad(lambda x: tg.mean(x, 0))(v)


def test_operator_updates_of_pytorchs_tensors_agree_eagerly_and_under_transforms():
    def h(x):
        c = x * 1.0
        d = c  # an alias sees the update, as in PyTorch
        c += 1.0
        return (d * x).sum()
    x = np.array([1.0, 2.0])
    want_value, want_grad = ((x + 1.0) * x).sum(), 2.0 * x + 1.0
    assert float(h(tg.tensor(x))) == want_value
    assert float(tg.jit(h)(tg.tensor(x))) == want_value
    value, g = tg.value_and_grad(h)(tg.tensor(x))
    assert float(value) == want_value and g.tolist() == want_grad.tolist()
    np.testing.assert_allclose(tf.grad(h)(tg.tensor(x)), want_grad)
    np.testing.assert_allclose(tg.jacfwd(h)(tg.tensor(x)), want_grad)
    assert float(tg.jit(h)(jnp.asarray(x))) == (x * x).sum()  # JAX's values: rebound, d kept

    def f(x):  # an argument updated in place: under jit too, the caller's tensor takes it
        x += 1.0
        return x * 2.0
    for run in (f, tg.jit(f), tg.jit(f)):
        t = tg.tensor(x)
        np.testing.assert_array_equal(val(run(t)), 2.0 * (x + 1.0))
        np.testing.assert_array_equal(val(t), x + 1.0)


def test_in_place_methods_inside_tensorgrad_func_update_the_traced_value():
    def f(x):
        h = x * 2.0
        g = h
        h.mul_(3.0)
        h.exp_()  # g is h: it sees both updates, as under torch.func
        return g.sum()
    x = np.array([0.1, -0.2])
    np.testing.assert_allclose(tf.grad(f)(tg.tensor(x)), 6.0 * np.exp(6.0 * x), rtol=1e-12)
    np.testing.assert_allclose(tf.hessian(f)(tg.tensor(x)), np.diag(36.0 * np.exp(6.0 * x)), rtol=1e-12)
    t = tg.tensor(x)
    np.testing.assert_allclose(val(tg.jit(lambda a: a.add_(1.0) * 2.0)(t)), 2.0 * (x + 1.0))
    np.testing.assert_allclose(val(t), x + 1.0)  # (an argument updated in place: run as written)


def test_updates_through_parts_and_views_agree_or_refuse_under_transforms():
    x = np.array([0.5, -1.0, 2.0])

    def through_view(t):  # an operator update through a view of the argument
        v = t.view(-1)
        v += 1.0
        return t.sum()
    for run in (through_view, tg.jit(through_view)):
        t = tg.tensor(x)
        assert float(run(t)) == (x + 1.0).sum() and val(t).tolist() == (x + 1.0).tolist()

    def through_part(t):
        t[1:].add_(1.0)
        return t.sum()
    t = tg.tensor(x)
    assert float(tg.jit(through_part)(t)) == x.sum() + 2.0 and val(t)[1:].tolist() == (x[1:] + 1.0).tolist()

    def stale_view(t):  # a view taken before its base is updated: refused under a transform
        h = t * 1.0
        v = h[1:]
        h.mul_(2.0)
        return v.sum()
    assert float(stale_view(tg.tensor(x))) == 2.0 * x[1:].sum()
    with pytest.raises(TypeError, match="parts or views taken from it"):
        tf.grad(stale_view)(tg.tensor(x))

    def view_of_a_temporary(t):  # nothing else sees the base: the update is the view's own
        h = (t * 2.0).view(3, 1)
        h += 1.0
        return (h * h).sum()
    np.testing.assert_allclose(tf.grad(view_of_a_temporary)(tg.tensor(x)), 4.0 * (2.0 * x + 1.0))

    def constant_takes_traced(t):  # a tensor the function made takes the traced value, as
        c = tg.tensor(np.zeros(3))  # torch.func's: every name bound to it sees it (grad 2t)
        d = c
        c += t
        return (d * t).sum()
    assert float(constant_takes_traced(tg.tensor(x))) == (x * x).sum()
    np.testing.assert_array_equal(tf.grad(constant_takes_traced)(tg.tensor(x)), 2.0 * x)
    outside = tg.tensor(np.zeros(3))  # one from outside the transform: refused, not rebound

    def captured_takes_traced(t):
        outside.add_(t)
        return outside.sum()
    with pytest.raises(TypeError, match="cannot hold it"):
        tf.grad(captured_takes_traced)(tg.tensor(x))
    assert outside.tolist() == [0.0, 0.0, 0.0]

    def filled(t):  # a buffer the function makes, filled by item assignment, under tg.jit too
        b = t.new_zeros(3)
        b[1:] = t[:2] * 2.0
        return b * 2.0
    for run in (filled, tg.jit(filled)):
        np.testing.assert_array_equal(run(tg.tensor(x)), [0.0, 4.0 * x[0], 4.0 * x[1]])

    def int_takes_float(t):
        i = (t > 0).long()
        i += t
        return t.sum()
    for run in (int_takes_float, tg.jit(int_takes_float), tf.grad(int_takes_float)):
        with pytest.raises(RuntimeError, match="can't be cast"):
            run(tg.tensor(x))


def test_put_is_pytorchs_out_of_place_put_on_its_tensors():
    # torch's t.put(index, source, accumulate=False) returns a new tensor (flat positions,
    # negative ones from the end); NumPy's put writes in place, which tensors refuse
    x = rng.standard_normal((2, 3))
    t = tg.tensor(x, requires_grad=True)
    s = tg.tensor([5.0, 6.0, 7.0], requires_grad=True)
    y = t.put(tg.tensor([0, -1, 2]), s)
    z = t.put(tg.tensor([1, 1, 4]), s, accumulate=True)
    want_y, want_z = x.ravel().copy(), x.ravel().copy()
    want_y[[0, -1, 2]] = [5.0, 6.0, 7.0]
    np.add.at(want_z, [1, 1, 4], [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(val(y), want_y.reshape(2, 3))
    np.testing.assert_array_equal(val(z), want_z.reshape(2, 3))
    np.testing.assert_array_equal(val(t), x)  # t itself is unchanged
    (y.sum() + 2.0 * z.sum()).backward()
    g = np.full(6, 3.0)
    g[[0, 5, 2]] = 2.0  # overwritten entries pass no gradient through y
    np.testing.assert_array_equal(val(t.grad), g.reshape(2, 3))
    np.testing.assert_array_equal(val(s.grad), [3.0, 3.0, 3.0])
    with pytest.raises(TypeError, match="immutable"):
        jnp.asarray(x).put(np.array([0]), np.array([1.0]))


def test_sums_of_unsigned_integers_and_cross_follow_pytorch_on_its_tensors():
    # PyTorch accumulates integers in int64 (NumPy's uint8 sum is uint64, where 265 - 1000
    # wraps around); the method and the function alike, unless a dtype is given
    x = np.array([[1, 2, 250], [3, 4, 5]], np.uint8)
    t = tg.tensor(x, dtype=tg.uint8)
    for got, want in ((t.sum(), x.sum()), (tg.sum(t, 1), x.sum(1)), (t.prod(), np.prod(x, dtype=np.int64)),
                      (t.cumsum(1), np.cumsum(x, 1)), (tg.cumprod(t, 0), np.cumprod(x, 0)),
                      (t.nansum(), x.sum())):
        assert got.dtype == np.int64
        np.testing.assert_array_equal(val(got), want)
    assert int(t.sum() - 1000) == int(x.sum()) - 1000
    assert t.sum(dtype=np.uint16).dtype == np.uint16
    assert tg.sum(x).dtype == np.uint64 and jnp.sum(jnp.asarray(x)).dtype == np.uint64  # NumPy's
    # torch.cross without dim: the first dim of length 3 (NumPy's cross: the last axis)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    np.testing.assert_allclose(val(tg.cross(tg.tensor(a), tg.tensor(b))), np.cross(a, b, axis=0), rtol=1e-14)
    np.testing.assert_allclose(val(tg.cross(tg.tensor(a), tg.tensor(b), dim=1)), np.cross(a, b), rtol=1e-14)
    np.testing.assert_allclose(val(tg.cross(a, b)), np.cross(a, b), rtol=1e-14)
    np.testing.assert_allclose(val(tg.cross(tg.tensor(a), tg.tensor(b), axisa=1, axisb=1)), np.cross(a, b),
                               rtol=1e-14)


def test_histogram_and_count_nonzero_give_pytorchs_tensors_on_its_tensors():
    x = np.array([1.0, 2.0, 2.0, 5.0])
    t = tg.tensor(x)
    for r in (tg.histogram(t, 3, weight=t * 2), t.histogram(3, weight=t * 2)):
        hist, edges = r.hist, r.bin_edges  # PyTorch's field names; the counts in t's dtype
        want = np.histogram(x, 3, weights=x * 2)
        assert isinstance(hist, tg.Tensor) and hist.dtype == np.float64
        np.testing.assert_allclose(val(hist), want[0], rtol=1e-14)
        np.testing.assert_allclose(val(edges), want[1], rtol=1e-14)
    np.testing.assert_allclose(val(tg.histogram(t, 3, weights=x)[0]), np.histogram(x, 3, weights=x)[0])  # NumPy's keyword
    assert tg.histogram(x, 3)[0].dtype == np.int64  # arrays: NumPy's counts
    c = tg.count_nonzero(tg.tensor([[0.0, 1.0], [2.0, 3.0]]), 0)
    assert isinstance(c, tg.Tensor) and val(c).tolist() == [1, 2]
    assert tg.count_nonzero(np.array([0.0, 1.0])) == 1


def test_unique_keeps_each_nan_and_chunk_of_an_empty_dim_gives_every_piece():
    # PyTorch's unique: each NaN a value of its own (NumPy 2's unique merges them)
    t = tg.tensor([np.nan, 1.0, np.nan, 1.0])
    values, inverse, counts = t.unique(return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(val(values), [1.0, np.nan, np.nan])
    assert val(inverse).tolist() == [1, 0, 2, 0] and val(counts).tolist() == [2, 1, 1]
    assert len(tg.unique(np.array([np.nan, np.nan]))) == 1  # NumPy's, on arrays
    # torch.zeros(0, 3).chunk(2): two empty pieces
    assert [p.shape for p in tg.zeros(0, 3).chunk(2)] == [(0, 3), (0, 3)]
    assert [p.shape for p in tg.zeros(5, 3).chunk(2)] == [(3, 3), (2, 3)]


def test_a_value_traced_from_numpy_is_unhashable_as_jaxs_pytorchs_tensors_hash_by_identity():
    # a dict key found by identity would silently miss {1.0: ...}[x[0]]: JAX's tracers refuse
    def f(a):
        return {1.0: 10.0}.get(a[0], -1.0) * tg.sum(a)
    with pytest.raises(TypeError, match="unhashable"):
        tg.grad(f)(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="unhashable"):  # (vmap's slices too, as NumPy's arrays)
        tg.vmap(lambda v: v * {1.0: 2.0}.get(v, -1.0))(np.ones(2))
    with pytest.raises(TypeError, match="unhashable"):
        hash(jnp.asarray(1.0))
    # PyTorch's tensors: by identity (an optimizer's state is keyed by its parameters)
    w = tg.tensor(np.ones(2), requires_grad=True)
    y = w * 2.0
    state = {w: "w", y: "y"}
    assert state[w] == "w" and state[y] == "y" and len({w, w}) == 1
    g = tf.grad(lambda t: ({t: 3.0}[t] * t).sum())(tg.tensor(np.ones(2)))
    np.testing.assert_array_equal(val(g), [3.0, 3.0])
