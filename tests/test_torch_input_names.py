"""PyTorch's keyword names of a function's inputs at tensorgrad's top level and in tg.linalg
(``torch.add(input=x, other=y)``, ``torch.sum(input=x, dim=0)``, ``torch.cat(tensors=[...])``,
``torch.linalg.solve(A=a, B=b)``, ``t.mm(mat2=m)``): the same result and gradient as the
positional call, and a clear error for an input not given. References are the positional
calls and NumPy (PyTorch is not a test dependency)."""
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(7)
X, Y = RNG.uniform(0.5, 2.0, size=4), RNG.uniform(0.5, 2.0, size=4)
M = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
N = RNG.normal(size=(3, 2))

# (named call, positional call) pairs, each a function of one traced array v
PAIRS = [
    ("sin", lambda v: tg.sin(input=v), lambda v: tg.sin(v)),
    ("exp", lambda v: tg.exp(input=v), lambda v: tg.exp(v)),
    ("add", lambda v: tg.add(input=v, other=Y), lambda v: tg.add(v, Y)),
    ("add other only", lambda v: tg.add(v, other=v * 2), lambda v: tg.add(v, v * 2)),
    ("multiply", lambda v: tg.multiply(input=Y, other=v), lambda v: tg.multiply(Y, v)),
    ("pow", lambda v: tg.pow(input=v, exponent=3), lambda v: tg.pow(v, 3)),
    ("maximum", lambda v: tg.maximum(input=v, other=Y), lambda v: tg.maximum(v, Y)),
    ("atan2", lambda v: tg.atan2(input=v, other=Y), lambda v: tg.atan2(v, Y)),
    ("xlogy", lambda v: tg.xlogy(input=v, other=Y), lambda v: tg.xlogy(v, Y)),
    ("sigmoid", lambda v: tg.sigmoid(input=v), lambda v: tg.sigmoid(v)),
    ("float_power", lambda v: tg.float_power(input=v, exponent=2), lambda v: tg.float_power(v, 2)),
    ("copysign", lambda v: tg.copysign(input=v, other=-Y), lambda v: tg.copysign(v, -Y)),
    ("clip", lambda v: tg.clip(input=v, min=0.8, max=1.5), lambda v: tg.clip(v, 0.8, 1.5)),
    ("sum dim", lambda v: tg.sum(input=v.reshape(2, 2), dim=0), lambda v: tg.sum(v.reshape(2, 2), 0)),
    ("mean", lambda v: tg.mean(input=v), lambda v: tg.mean(v)),
    ("prod", lambda v: tg.prod(input=v), lambda v: tg.prod(v)),
    ("logsumexp", lambda v: tg.logsumexp(input=v, dim=0), lambda v: tg.logsumexp(v, 0)),
    ("cumsum", lambda v: tg.cumsum(input=v, dim=0), lambda v: tg.cumsum(v, 0)),
    ("reshape", lambda v: tg.reshape(input=v, shape=(2, 2)), lambda v: tg.reshape(v, (2, 2))),
    ("flip", lambda v: tg.flip(input=v, dims=(0,)), lambda v: tg.flip(v, (0,))),
    ("where", lambda v: tg.where(v > 1, input=v, other=Y * v), lambda v: tg.where(v > 1, v, Y * v)),
    ("where other only", lambda v: tg.where(v > 1, v, other=Y), lambda v: tg.where(v > 1, v, Y)),
    ("where all named", lambda v: tg.where(condition=v > 1, input=v, other=Y), lambda v: tg.where(v > 1, v, Y)),
    ("cat", lambda v: tg.cat(tensors=[v, Y]), lambda v: tg.cat([v, Y])),
    ("stack", lambda v: tg.stack(tensors=[v, Y], dim=1), lambda v: tg.stack([v, Y], 1)),
    ("hstack", lambda v: tg.hstack(tensors=[v, Y]), lambda v: tg.hstack([v, Y])),
    ("dot", lambda v: tg.dot(v, tensor=Y), lambda v: tg.dot(v, Y)),
    ("outer", lambda v: tg.outer(v, vec2=Y), lambda v: tg.outer(v, Y)),
    ("kron", lambda v: tg.kron(input=v, other=Y), lambda v: tg.kron(v, Y)),
    ("split", lambda v: tg.split(tensor=v, split_size_or_sections=2)[1],
     lambda v: tg.split(v, 2)[1]),
    ("mm method", lambda v: v.reshape(2, 2).mm(mat2=M[:2, :2]), lambda v: v.reshape(2, 2) @ M[:2, :2]),
    ("mv method", lambda v: tg.tensor(N.T).mv(vec=v[:3]), lambda v: tg.tensor(N.T) @ v[:3]),
    ("addmm method", lambda v: tg.tensor(np.ones((2, 2))).addmm(mat1=v.reshape(2, 2), mat2=M[:2, :2],
                                                                 alpha=2),
     lambda v: 1 + 2 * (v.reshape(2, 2) @ M[:2, :2])),
    ("linalg.solve", lambda v: tg.linalg.solve(A=M + np.diag(v[:3]), B=N),
     lambda v: tg.linalg.solve(M + np.diag(v[:3]), N)),
    ("linalg.solve B only", lambda v: tg.linalg.solve(M, B=N * v[0]), lambda v: tg.linalg.solve(M, N * v[0])),
    ("linalg.inv", lambda v: tg.linalg.inv(A=M * v[0]), lambda v: tg.linalg.inv(M * v[0])),
    ("linalg.eigh", lambda v: tg.linalg.eigh(A=M + M.T + np.diag(v[:3]))[0],
     lambda v: tg.linalg.eigh(M + M.T + np.diag(v[:3]))[0]),
    ("linalg.multi_dot", lambda v: tg.linalg.multi_dot(tensors=[M * v[1], N]),
     lambda v: tg.linalg.multi_dot([M * v[1], N])),
]


def _scalar(f):
    return lambda v: tg.sum(f(v) ** 2)


@pytest.mark.parametrize("name, named, positional", PAIRS, ids=[p[0] for p in PAIRS])
def test_named_inputs_match_positional(name, named, positional):
    np.testing.assert_allclose(np.asarray(named(tg.tensor(X))), np.asarray(positional(tg.tensor(X))),
                               rtol=1e-14, atol=1e-14)
    g_named = tg.grad(_scalar(named))(X)
    g_pos = tg.grad(_scalar(positional))(X)
    assert np.any(g_pos != 0)
    np.testing.assert_allclose(g_named, g_pos, rtol=1e-13, atol=1e-13)


def test_named_inputs_on_the_imperative_tape():
    x = tg.tensor(X, requires_grad=True)
    tg.sum(input=tg.mul(input=x, other=tg.sin(input=x))).backward()
    np.testing.assert_allclose(x.grad, np.sin(X) + X * np.cos(X), rtol=1e-14)


def test_named_inputs_keep_pytorchs_meaning_on_its_tensors():
    t = tg.tensor([1.0, 2.0, 3.0, 4.0])
    assert float(tg.std(input=t)) == float(tg.std(t)) == np.std([1, 2, 3, 4], ddof=1)
    assert float(tg.median(input=t)) == 2.0  # (PyTorch's lower median, not NumPy's 2.5)
    values, indices = tg.sort(input=t, descending=True)
    np.testing.assert_array_equal(indices, [3, 2, 1, 0])
    assert tg.equal(input=t, other=t) is True
    u = tg.tensor(np.array([1, 2, 3], np.uint8))
    assert int(tg.sum(input=u) - 10) == -4  # (int64 accumulation, as tg.sum(u))
    # named inputs with PyTorch's other keywords: the function is called again once the input is
    # in place (a guard against PyTorch forms that lead back to themselves refused that call)
    m = tg.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
    for like in (tg.zeros_like, tg.ones_like, tg.empty_like):
        made = like(input=m, requires_grad=True)
        assert made.requires_grad and made.shape == (2, 3)
    np.testing.assert_array_equal(tg.gradient(input=m, dim=1)[0], np.gradient(m.numpy(), axis=1))


def test_named_inputs_with_out():
    o = np.zeros(4)
    tg.add(input=X, other=Y, out=o)
    np.testing.assert_array_equal(o, X + Y)
    tg.sin(input=X, out=o)
    np.testing.assert_array_equal(o, np.sin(X))


def test_named_inputs_on_plain_arrays_give_arrays():
    out = tg.add(input=X, other=Y)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, X + Y)
    np.testing.assert_array_equal(tg.sum(input=M, dim=1), M.sum(1))


@pytest.mark.parametrize("call, words", [
    (lambda: tg.sin(), ("sin", "input 1", "input=")),
    (lambda: tg.add(X), ("add", "input 2", "other=")),
    (lambda: tg.add(input=X), ("add", "input 2", "other=")),
    (lambda: tg.tensor(M).mm(), ("mm", "mat2=")),
    (lambda: tg.tensor(M).addmm(M), ("addmm", "mat2=")),
    (lambda: tg.tensor(M).mm(M, mat2=M), ("mm", "mat2")),
    (lambda: tg.tensor(M).mm(mat2=M, other=M), ("mm", "mat2")),
    (lambda: tg.sin(X, input=X), ("sin", "input")),
    (lambda: tg.add(X, other=Y, exponent=Y), ("add", "exponent")),
    (lambda: tg.add(input=X, other=Y, values=Y), ("add", "values")),
    (lambda: tg.clip(), ("clip", "takes 1 input", "input 1")),
])
def test_missing_or_extra_inputs_are_clear_type_errors(call, words):
    with pytest.raises(TypeError) as info:
        call()
    for w in words:
        assert w in str(info.value)
