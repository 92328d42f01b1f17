"""PyTorch's top-level functions NumPy lacks (tg.unsqueeze, tg.mm, tg.clamp, tg.topk, ...):
each is the Tensor method of that name on its first argument. References are NumPy's (PyTorch
is not a test dependency); gradients against central differences."""
import itertools

import numpy as np
import pytest
import scipy.spatial.distance

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

RNG = np.random.default_rng(0)
A, B = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))
C, D = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 4, 5))

CASES = [
    ("unsqueeze", (A, 1), {}, A[:, None, :]),
    ("flatten", (C, 1), {}, C.reshape(2, 12)),
    ("flatten", (C,), {}, C.reshape(-1)),
    ("clamp", (A,), {"min": -0.5, "max": 0.5}, np.clip(A, -0.5, 0.5)),
    ("mm", (A, B), {}, A @ B),
    ("bmm", (C, D), {}, C @ D),
    ("mv", (A, B[:, 0]), {}, A @ B[:, 0]),
    ("narrow", (A, 1, 1, 2), {}, A[:, 1:3]),
    ("permute", (C, (2, 0, 1)), {}, C.transpose(2, 0, 1)),
    ("t", (A,), {}, A.T),
    ("gather", (A, 1, np.array([[0, 1], [2, 3], [1, 1]])), {},
     np.take_along_axis(A, np.array([[0, 1], [2, 3], [1, 1]]), 1)),
    ("index_select", (A, 0, np.array([2, 0])), {}, A[[2, 0]]),
    ("masked_fill", (A, A > 0, 0.0), {}, np.where(A > 0, 0.0, A)),
    ("clone", (A,), {}, A),
    ("take_along_dim", (A, np.array([[3], [0], [1]]), 1), {},
     np.take_along_axis(A, np.array([[3], [0], [1]]), 1)),
    ("take_along_dim", (A, np.array([11, 0, 0])), {}, A.ravel()[[11, 0, 0]]),
    ("cdist", (C, RNG.normal(size=(2, 5, 4))), {"p": 1.0}, None),
]


@pytest.mark.parametrize("name,args,kwargs,want", CASES, ids=[c[0] for c in CASES])
def test_each_is_the_method_on_arrays_and_tensors(name, args, kwargs, want):
    fn = getattr(tg, name)
    if want is None:  # cdist: SciPy's Minkowski distances, matrix by matrix
        want = np.stack([scipy.spatial.distance.cdist(a, b, "minkowski", p=kwargs["p"])
                         for a, b in zip(*args)])
    got = fn(*args, **kwargs)
    assert type(got) is np.ndarray                              # arrays in: arrays out
    np.testing.assert_allclose(got, want, rtol=1e-13)
    x = tg.tensor(args[0], requires_grad=True)
    out = fn(x, *args[1:], **kwargs)
    assert isinstance(out, tg.Tensor) and out.requires_grad      # tensors in: recorded
    np.testing.assert_allclose(out.detach(), want, rtol=1e-13)
    w = RNG.normal(size=np.shape(want))
    g = tg.grad(lambda v: tg.sum(fn(v, *args[1:], **kwargs) * w))(args[0])
    fd = central_difference_gradient(lambda v: float(np.sum(fn(v, *args[1:], **kwargs) * w)), args[0])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_chunk_topk_and_the_tensor_helpers():
    parts = tg.chunk(A, 2, dim=1)
    assert [p.shape for p in parts] == [(3, 2), (3, 2)] and all(type(p) is np.ndarray for p in parts)
    values, indices = tg.topk(np.array([3.0, 1.0, 2.0]), 2)
    assert values.tolist() == [3.0, 2.0] and indices.tolist() == [0, 2]
    assert isinstance(tg.topk(tg.tensor([3.0, 1.0]), 1).values, tg.Tensor)
    assert tg.numel(C) == 24 and tg.numel(tg.tensor(C)) == 24
    assert tg.is_tensor(tg.tensor(1.0)) and not tg.is_tensor(A)
    t = tg.from_numpy(A)
    assert isinstance(t, tg.Tensor) and t.dtype == A.dtype
    a = A.copy()
    t = tg.from_numpy(a)
    a[0, 0] = 99.0                                                # a copy: the tensor keeps its value
    assert t[0, 0].item() == A[0, 0]
    with pytest.raises(TypeError, match="np.ndarray"):
        tg.from_numpy([1.0, 2.0])
    x = tg.tensor(A)
    assert tg.as_tensor(x) is x and tg.as_tensor(x, dtype=np.float32).dtype == np.float32
    assert tg.as_tensor([1, 2], dtype=np.float64).tolist() == [1.0, 2.0]
    assert tg.jit(lambda v: tg.unsqueeze(v, 0))(A).shape == (1, 3, 4)


def test_creation_takes_pytorchs_sizes_and_requires_grad():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.ones(2, 3, 4, 5).shape == (2, 3, 4, 5)
    assert tg.empty(2, 3).shape == (2, 3) and tg.zeros(3).shape == (3,)
    assert tg.zeros((2, 3), np.float32).dtype == np.float32            # NumPy's (shape, dtype)
    assert tg.ones((2, 2), "f4", "F").flags.f_contiguous
    assert tg.zeros(shape=(2, 2)).shape == (2, 2)
    with pytest.raises(TypeError, match="both positionally and as shape="):
        tg.zeros(2, shape=(2,))
    x = tg.ones(2, 2, requires_grad=True)                  # the 60-minute blitz's autograd example
    assert x.is_leaf and x.requires_grad
    out = tg.mean((x + 2) * (x + 2) * 3)
    out.backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 4.5))
    for t in (tg.zeros(3, requires_grad=True), tg.full((2,), 3.0, requires_grad=True),
              tg.eye(2, requires_grad=True), tg.arange(3.0, requires_grad=True),
              tg.empty(2, requires_grad=True)):
        assert isinstance(t, tg.Tensor) and t.is_leaf and t.requires_grad
    assert type(tg.zeros((2, 3))) is np.ndarray               # without it, NumPy's form: an array
    with pytest.raises(TypeError, match="only floating-point"):
        tg.zeros(2, dtype=int, requires_grad=True)


def test_pytorchs_creation_forms_return_tensors_numpys_return_arrays():
    # sizes as separate ints or size= are PyTorch's form only (NumPy's second argument is a
    # dtype): the result is a constant tensor, as PyTorch's, so its methods work
    n = 4
    mask = tg.tril(tg.ones(n, n)).view(1, 1, n, n)  # (minGPT's causal mask, verbatim)
    assert type(mask) is tg.Tensor and mask.shape == (1, 1, n, n) and not mask.requires_grad
    np.testing.assert_array_equal(mask.numpy()[0, 0], np.tril(np.ones((n, n))))
    for t in (tg.zeros(2, 3), tg.empty(2, 3), tg.zeros(size=(2, 3)), tg.ones(size=[2, 3]),
              tg.full(size=(2, 3), fill_value=0.0)):
        assert type(t) is tg.Tensor and t.shape == (2, 3) and t.dtype == np.float64
    z = tg.zeros(2, 3, dtype=np.float32)
    assert z.dtype == np.float32
    z.add_(1)
    np.testing.assert_array_equal(z.numpy(), np.ones((2, 3), np.float32))
    # NumPy's forms keep NumPy's arrays
    for a in (tg.ones((2, 2)), tg.zeros(3), tg.empty((2,)), tg.full((2, 2), 1.0), tg.ones(2, np.float32)):
        assert type(a) is np.ndarray
    leaf = tg.ones(2, 2, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf


def test_a_device_makes_a_creation_call_pytorchs_form():
    # torch.full((4,), 1.0, dtype=torch.float32, device=device) (PyTorch's DCGAN example) and
    # torch.zeros((B, T), device=x.device): tensors, so label.fill_(0.0) works; before, NumPy's
    # arrays, and a later method call failed far from the cause
    label = tg.full((4,), 1.0, dtype=tg.float32, device="cpu")
    assert type(label) is tg.Tensor and label.dtype == np.float32
    label.fill_(0.0)
    np.testing.assert_array_equal(label.numpy(), np.zeros(4, np.float32))
    cpu = tg.device("cpu")
    made = {"zeros": tg.zeros((2, 3), device=cpu), "ones": tg.ones((2, 3), device="cpu"),
            "empty": tg.empty((2, 3), device="cpu"), "eye": tg.eye(3, device="cpu"),
            "arange": tg.arange(4, device="cpu"), "linspace": tg.linspace(0, 1, 5, device="cpu"),
            "logspace": tg.logspace(0, 2, 3, device="cpu"), "steps": tg.linspace(0, 1, steps=3, device="cpu"),
            "size": tg.zeros(size=(2,), device="cpu")}
    want = {"zeros": np.zeros((2, 3)), "ones": np.ones((2, 3)), "empty": np.zeros((2, 3)),
            "eye": np.eye(3), "arange": np.arange(4), "linspace": np.linspace(0, 1, 5),
            "logspace": np.logspace(0, 2, 3), "steps": np.linspace(0, 1, 3), "size": np.zeros(2)}
    for name, t in made.items():
        assert type(t) is tg.Tensor, name
        np.testing.assert_array_equal(t.numpy(), want[name])
        # PyTorch's methods: var divides by N - 1
        assert t.var().item() == pytest.approx(np.var(want[name], ddof=1)), name
    values, step = tg.linspace(0, 1, 5, retstep=True, device="cpu")
    assert type(values) is tg.Tensor and step == 0.25
    for call in (lambda: tg.zeros(3, device="cuda"), lambda: tg.full((2,), 1.0, device="cuda:0"),
                 lambda: tg.linspace(0, 1, 3, device="mps"), lambda: tg.logspace(0, 1, 3, device="cuda"),
                 lambda: tg.zeros_like(np.ones(2), device="cuda"), lambda: tg.arange(3, device="meta"),
                 lambda: tg.asarray([1.0], device="cuda"), lambda: tg.array([1.0], device="cuda"),
                 lambda: tg.tensor([1.0]).new_zeros(2, device="cuda"), lambda: tg.tensor([1.0], device="cuda:0")):
        with pytest.raises(ValueError, match=r"\(\): device '[a-z:0]+' is not available"):
            call()
    assert type(tg.full((2,), 1.0)) is np.ndarray and type(tg.linspace(0, 1, 3)) is np.ndarray


def test_mul_div_sub_take_out_as_add_does():
    x = tg.tensor([1.0, 2.0, 3.0])
    o = tg.tensor([0.0, 0.0, 0.0])
    assert tg.mul(x, 2, out=o) is o
    np.testing.assert_array_equal(o.numpy(), [2.0, 4.0, 6.0])
    tg.div(x, 2, rounding_mode="floor", out=o)
    np.testing.assert_array_equal(o.numpy(), [0.0, 1.0, 1.0])
    tg.sub(x, 1, alpha=2, out=o)
    np.testing.assert_array_equal(o.numpy(), [-1.0, 0.0, 1.0])
    a = np.zeros(3)
    tg.mul(np.arange(3.0), 3, out=a)
    np.testing.assert_array_equal(a, [0.0, 3.0, 6.0])
    with pytest.raises(TypeError, match="mul: cannot cast the result's dtype float64"):
        tg.mul(x, 2, out=tg.tensor([0, 0, 0]))


def test_pytorchs_dtype_names_arithmetic_and_keywords():
    assert np.dtype(tg.float) == np.float32 and np.dtype(tg.int) == np.int32
    assert np.dtype(tg.cfloat) == np.complex64
    pred = tg.tensor(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]))
    y = tg.tensor([1, 0, 0])
    assert (pred.argmax(1) == y).type(tg.float).sum().item() == 2.0   # the tutorial's accuracy
    np.testing.assert_array_equal(tg.mul(tg.tensor([1.0, 2.0]), 3), [3.0, 6.0])
    np.testing.assert_array_equal(tg.div(np.array([5.0, -7.0]), 2, rounding_mode="floor"), [2.0, -4.0])
    np.testing.assert_array_equal(tg.sub(np.array([5.0]), np.array([1.0]), alpha=2), [3.0])
    assert tg.tensor([1.0], device="cpu").tolist() == [1.0]
    with pytest.raises(ValueError, match="device 'cuda'"):
        tg.tensor([1.0], device="cuda")
    np.testing.assert_array_equal(tg.tensor([1.0], requires_grad=True).numpy(force=True), [1.0])
    m = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.Linear(3, 1))
    m.requires_grad_()
    assert sum(p.numel() for p in m.parameters()) == 2 * 3 + 3 + 3 + 1


def test_namespace_reductions_take_pytorchs_dim_keyword():
    # torch.sum(x, dim=1), torch.max(x, dim=1) -> (values, indices), torch.argmax(x, dim=1):
    # PyTorch's keywords, which NumPy's signatures lack, select PyTorch's function
    x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]])
    np.testing.assert_array_equal(tg.sum(x, dim=1), [8.0, 7.0])
    np.testing.assert_array_equal(tg.mean(x, dim=0, keepdim=True), [[2.5, 2.5, 2.5]])
    values, indices = tg.max(x, dim=1)
    np.testing.assert_array_equal(values, [5.0, 4.0])
    np.testing.assert_array_equal(indices, [1, 0])
    np.testing.assert_array_equal(tg.argmax(x, dim=1), [1, 0])
    np.testing.assert_allclose(tg.std(x, dim=1), np.std(x, axis=1, ddof=1), rtol=1e-15)  # (PyTorch's)
    np.testing.assert_array_equal(tg.median(x, dim=1).values, [2.0, 3.0])
    assert isinstance(tg.sum(tg.tensor(x), dim=0), tg.Tensor)
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.max(v, dim=1).values))(x),
                                  [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(tg.max(x, 1), [5.0, 4.0])  # positional: NumPy's meaning
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(tg.softmax(x, dim=1), e / e.sum(axis=1, keepdims=True), rtol=1e-15)
    np.testing.assert_allclose(tg.log_softmax(x, dim=0), x - np.log(np.exp(x).sum(0)), atol=1e-14)
    np.testing.assert_allclose(tg.logsumexp(x, dim=1, keepdim=True), np.log(np.exp(x).sum(1, keepdims=True)),
                               rtol=1e-15)
    np.testing.assert_allclose(tg.nanquantile(x, 0.5, dim=1), np.nanquantile(x, 0.5, axis=1))
    with pytest.raises(TypeError, match="dim"):
        tg.nanpercentile(x, 50, dim=1)  # (no PyTorch function of that name: the plain error)


def test_cdist_orders_broadcasting_and_the_slope_of_a_zero_distance():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 5, 3))
    b[1, 2] = a[1]                                       # a zero distance
    for p in (2.0, 0.5, 3.0, np.inf):
        got = tg.cdist(a, b, p=p)                        # batch axes broadcast: (2, 4, 5)
        want = np.stack([scipy.spatial.distance.cdist(a, bb, "minkowski", p=p) for bb in b])
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    assert np.count_nonzero(tg.cdist(a, b, p=0.0)) == 2 * 4 * 5 - 1   # p=0: nonzeros counted
    w = rng.normal(size=(2, 4, 5))
    ga, gb = tg.grad(lambda u, v: tg.sum(tg.cdist(u, v) * w), (0, 1))(a, b)
    diff = a[None, :, None, :] - b[:, None, :, :]
    d = np.linalg.norm(diff, axis=-1)
    safe = np.where(d > 0, d, 1.0)
    unit = np.where(d[..., None] > 0, diff / safe[..., None], 0.0)   # PyTorch's: 0 at d = 0
    np.testing.assert_allclose(ga, np.einsum("bpr,bprm->pm", w, unit), rtol=1e-12)
    np.testing.assert_allclose(gb, -np.einsum("bpr,bprm->brm", w, unit), rtol=1e-12)
    with pytest.raises(RuntimeError, match="same number of columns"):
        tg.cdist(a, rng.normal(size=(5, 2)))
    with pytest.raises(RuntimeError, match="non-negative"):
        tg.cdist(a, a, p=-1.0)


def test_pytorchs_complex_helpers():
    """torch.view_as_real / view_as_complex / complex / polar / conj_physical / resolve_conj
    (missing before): values as torch 2.13 gives them (checked there), float32 giving
    complex64, an infinite part kept (not NaN), gradients as PyTorch's (a leaf's .grad) and
    JAX's (tg.grad), clear errors for bad dtypes and shapes."""
    z = np.array([1 + 2j, -3 + 0.5j])
    np.testing.assert_array_equal(tg.view_as_real(z), [[1, 2], [-3, 0.5]])
    pairs = np.array([[1.0, 2.0], [np.inf, -1.0]])
    np.testing.assert_array_equal(tg.view_as_complex(pairs), [1 + 2j, complex(np.inf, -1)])
    c = tg.complex(np.float32([1, np.inf]), np.float32([np.inf, 2]))
    assert c.dtype == np.complex64
    assert np.isinf(c.imag[0]) and c.real[0] == 1 and np.isinf(c.real[1]) and c.imag[1] == 2
    np.testing.assert_allclose(tg.polar(np.array([2.0]), np.array([0.5])), [2 * np.exp(0.5j)], rtol=1e-15)
    t = tg.tensor(z, requires_grad=True)
    out = tg.view_as_real(t)
    assert isinstance(out, tg.Tensor) and type(tg.view_as_real(z)) is np.ndarray
    (out ** 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(t.grad), 2 * z)  # torch: tensor([2+4j, -6+1j])
    a = tg.tensor(np.array([2.0]), requires_grad=True)
    b = tg.tensor(np.array([0.5]), requires_grad=True)
    tg.real(tg.polar(a, b)).sum().backward()
    np.testing.assert_allclose([float(a.grad[0]), float(b.grad[0])], [np.cos(0.5), -2 * np.sin(0.5)], rtol=1e-15)
    g = tg.grad(lambda v: tg.sum(tg.abs(tg.view_as_complex(v)) ** 2))(pairs[:1])
    np.testing.assert_array_equal(g, [[2.0, 4.0]])
    assert tg.is_complex(z) and not tg.is_complex(pairs) and not tg.is_conj(z)
    np.testing.assert_array_equal(tg.conj_physical(z), np.conj(z))
    assert tg.resolve_conj(z) is z and tg.resolve_neg(z) is z
    assert t.resolve_conj() is t and not t.is_conj() and not t.is_neg()
    np.testing.assert_array_equal(np.asarray(t.conj_physical().detach()), np.conj(z))
    with pytest.raises(TypeError, match="complex: expects floating arrays of one dtype, got dtypes float32, float64"):
        tg.complex(np.float32([1]), np.float64([1]))
    with pytest.raises(ValueError, match=r"view_as_complex: the last axis must have length 2, got shape \(2, 3\)"):
        tg.view_as_complex(np.ones((2, 3)))
    with pytest.raises(TypeError, match="view_as_real: expects a complex array"):
        tg.view_as_real(pairs)


def test_pytorchs_spellings_of_amax_flip_roll_and_transpose():
    # tg.amax(x, dim=1) (PyTorch's: the values alone), tg.flip(x, dims=), tg.roll(x, shifts=,
    # dims=) and tg.transpose(x, 0, 1) (a swap) raised TypeError; NumPy's forms are unchanged
    x = np.array([[1.0, 5.0], [4.0, 0.0]])
    np.testing.assert_array_equal(tg.amax(x, dim=1), [5.0, 4.0])
    assert float(tg.amin(x, dim=(0, 1))) == 0.0
    np.testing.assert_array_equal(tg.amax(x, axis=0), [4.0, 5.0])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.amax(v, dim=1)))(x), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(tg.flip(x, dims=(0,)), x[::-1])
    np.testing.assert_array_equal(tg.roll(x, shifts=1, dims=0), np.roll(x, 1, axis=0))
    np.testing.assert_array_equal(tg.transpose(x, 0, 1), x.T)
    np.testing.assert_array_equal(tg.transpose(x, (0, 1)), x)  # NumPy's permutation
    t = tg.tensor(x, requires_grad=True)
    tg.transpose(t, 0, 1)[0, 1].backward()
    np.testing.assert_array_equal(np.asarray(t.grad), [[0, 0], [1, 0]])


def test_pytorchs_kthvalue_cummax_cummin_logcumsumexp_and_aminmax_at_the_top_level():
    # they were Tensor methods only; the expected values are torch 2.13's for the same calls
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    v, i = tg.kthvalue(a, 2, dim=1)
    np.testing.assert_array_equal(v, [2.0, 4.0])
    np.testing.assert_array_equal(i, [2, 2])
    v, i = tg.cummax(a, 1)
    np.testing.assert_array_equal(v, [[3, 3, 3], [0, 5, 5]])
    np.testing.assert_array_equal(i, [[0, 0, 0], [0, 1, 1]])
    np.testing.assert_array_equal(tg.cummin(a, 1).values, [[3, 1, 1], [0, 0, 0]])
    np.testing.assert_allclose(tg.logcumsumexp(a, 1), np.logaddexp.accumulate(a, axis=1), rtol=1e-15)
    lo, hi = tg.aminmax(a, dim=0)
    np.testing.assert_array_equal(lo, [0, 1, 2])
    np.testing.assert_array_equal(hi, [3, 5, 4])
    t = tg.tensor(a, requires_grad=True)
    tg.cummax(t, 1).values.sum().backward()
    np.testing.assert_array_equal(np.asarray(t.grad), [[3, 0, 0], [1, 2, 0]])


# ---- PyTorch's keywords on NumPy-named functions: a keyword NumPy's signature lacks is PyTorch's
P = RNG.normal(size=(3, 5))
KEYWORD_FORMS = [
    (lambda: tg.linspace(-1, 2, steps=7), np.linspace(-1, 2, 7)),
    (lambda: tg.linspace(start=0, end=1, steps=3), np.linspace(0, 1, 3)),
    (lambda: tg.logspace(0, 2, steps=4, base=2), np.logspace(0, 2, 4, base=2)),
    (lambda: tg.arange(end=4), np.arange(4)),
    (lambda: tg.arange(start=1, end=6, step=2), np.arange(1, 6, 2)),
    (lambda: tg.zeros(size=(2, 3)), np.zeros((2, 3))),
    (lambda: tg.ones(size=[1, 2]), np.ones((1, 2))),
    (lambda: tg.full(size=(2,), fill_value=3.5), np.full(2, 3.5)),
    (lambda: tg.searchsorted(np.array([1.0, 2, 3]), np.array([2.0, 2.5]), right=True),
     np.searchsorted([1.0, 2, 3], [2.0, 2.5], side="right")),
    (lambda: tg.tensordot(C, C.transpose(0, 2, 1), dims=([1, 2], [2, 1])),
     np.tensordot(C, C.transpose(0, 2, 1), axes=([1, 2], [2, 1]))),
    (lambda: tg.trapezoid(P, dim=0), np.trapezoid(P, axis=0)),
    (lambda: tg.trapz(P, dx=0.5), np.trapezoid(P, dx=0.5)),
    (lambda: tg.var(P, 1, unbiased=False), np.var(P, 1)),
    (lambda: tg.std(P, dim=(0, 1), correction=2), np.std(P, ddof=2)),
    (lambda: tg.norm(P, p=3, dim=1), np.sum(np.abs(P) ** 3, 1) ** (1 / 3)),
    (lambda: tg.norm(P, p="fro"), np.linalg.norm(P)),
    (lambda: tg.cov(P, correction=0), np.cov(P, ddof=0)),
    (lambda: tg.quantile(P, 0.3, dim=1, keepdim=True), np.quantile(P, 0.3, axis=1, keepdims=True)),
    (lambda: tg.tril(P, diagonal=-1), np.tril(P, -1)),
    (lambda: tg.diagonal(C, offset=1, dim1=1, dim2=2), np.diagonal(C, 1, 1, 2)),
    (lambda: tg.count_nonzero(P > 0, dim=0), np.count_nonzero(P > 0, axis=0)),
    (lambda: tg.unique(np.array([[1, 2], [1, 2], [0, 1]]), dim=0), np.array([[0, 1], [1, 2]])),
    (lambda: tg.max(P, P[::-1]), np.maximum(P, P[::-1])),
    (lambda: tg.min(P, P[::-1]), np.minimum(P, P[::-1])),
]


@pytest.mark.parametrize("i", range(len(KEYWORD_FORMS)))
def test_a_keyword_numpy_lacks_gives_pytorchs_function(i):
    call, want = KEYWORD_FORMS[i]
    got = call()
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=1e-12, atol=1e-14)


def test_pytorch_keyword_forms_with_tuples_and_gradients():
    rows, cols = tg.nonzero(np.array([[0, 1], [1, 1]]), as_tuple=True)
    np.testing.assert_array_equal(rows, [0, 1, 1])
    np.testing.assert_array_equal(cols, [1, 0, 1])
    parts = tg.split(P, [2, 3], dim=1)  # PyTorch's sizes, not NumPy's split points
    assert [np.shape(p) for p in parts] == [(3, 2), (3, 3)]
    g = tg.gradient(P, spacing=[0.5, 2.0], dim=[0, 1])
    assert isinstance(g, tuple) and len(g) == 2
    for got, want in zip(g, np.gradient(P, 0.5, 2.0)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    (one,) = tg.gradient(P, dim=1)  # always a tuple, as PyTorch's
    np.testing.assert_allclose(one, np.gradient(P, axis=1), rtol=1e-12)
    assert tg.searchsorted(np.array([1.0, 2]), np.array([1.5]), out_int32=True).dtype == np.int32
    # gradients flow through the PyTorch form as through the NumPy one
    f = lambda x: tg.sum(tg.trapezoid(x, dim=0) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(P), central_difference_gradient(f, P), rtol=1e-6)


def test_a_keyword_neither_form_takes_keeps_numpys_error():
    with pytest.raises(TypeError, match="linspace.*bogus"):
        tg.linspace(0, 1, bogus=3)
    with pytest.raises(TypeError, match="unique.*bogus"):
        tg.unique(np.arange(3), bogus=True)
    with pytest.raises(ValueError, match="side='left' and right=True"):
        tg.searchsorted(np.array([1.0]), np.array([1.0]), right=True, side="left")


# ---- torch.svd, qr, cholesky_solve, combinations, dropout, trapz, cumulative_trapezoid
def test_svd_gives_v_and_zero_filled_factors_without_uv():
    u, s, v = tg.svd(C)
    np.testing.assert_allclose((u * s[..., None, :]) @ np.swapaxes(v, -1, -2), C, atol=1e-12)
    np.testing.assert_allclose(s, np.linalg.svd(C, compute_uv=False), rtol=1e-12)
    assert [np.shape(t) for t in tg.svd(C, some=False)] == [(2, 3, 3), (2, 3), (2, 4, 4)]
    u, s, v = tg.svd(C, compute_uv=False)
    assert not u.any() and not v.any() and u.shape == (2, 3, 3) and v.shape == (2, 4, 4)
    f = lambda x: tg.sum(tg.svd(x)[1] ** 3)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(A), central_difference_gradient(f, A), rtol=1e-6)


def test_qr_and_cholesky_solve():
    q, r = tg.qr(C.transpose(0, 2, 1))
    np.testing.assert_allclose(q @ r, C.transpose(0, 2, 1), atol=1e-12)
    assert [np.shape(t) for t in tg.qr(C.transpose(0, 2, 1), some=False)] == [(2, 4, 4), (2, 4, 3)]
    m = RNG.normal(size=(2, 3, 3))
    spd = m @ m.transpose(0, 2, 1) + 3 * np.eye(3)
    low = np.linalg.cholesky(spd)
    b = RNG.normal(size=(2, 3, 2))
    want = np.linalg.solve(spd, b)
    np.testing.assert_allclose(tg.cholesky_solve(b, low), want, rtol=1e-10)
    np.testing.assert_allclose(tg.cholesky_solve(b, low.transpose(0, 2, 1), upper=True), want,
                               rtol=1e-10)
    # only the lower triangle is read: its gradient is zero above the diagonal
    g = tg.grad(lambda l: tg.sum(tg.cholesky_solve(b, l)))(low + np.triu(np.ones(3), 1))
    assert not np.triu(g, 1).any()
    f = lambda l: tg.sum(tg.cholesky_solve(b, l) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(low), np.tril(central_difference_gradient(f, low)),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_are_itertools_rows(r, with_replacement):
    x = np.array([1.5, -2.0, 3.0, 0.5])
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    got = tg.combinations(x, r, with_replacement=with_replacement)
    if r == 0:  # an empty 1-D array, as PyTorch's
        assert got.shape == (0,)
        return
    want = np.array([[x[i] for i in c] for c in pick(range(4), r)]).reshape(-1, r)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_dropout_and_cumulative_trapezoid():
    np.testing.assert_array_equal(tg.dropout(A, 0.5, False), A)
    kept = tg.dropout(np.ones(2000), 0.25, True, key=tg.random.PRNGKey(0))
    assert set(np.unique(kept)) <= {0.0, 1 / 0.75} and 0.15 < np.mean(kept == 0) < 0.35
    np.testing.assert_allclose(tg.cumulative_trapezoid(P, dim=0),
                               np.cumsum((P[1:] + P[:-1]) / 2, axis=0), rtol=1e-12)
    x = np.array([0.0, 0.5, 2.0, 2.5, 4.0])
    np.testing.assert_allclose(tg.cumulative_trapezoid(P, x),
                               np.cumsum(np.diff(x) * (P[:, 1:] + P[:, :-1]) / 2, axis=1), rtol=1e-12)
    with pytest.raises(ValueError, match="combinations: the input must be 1-D"):
        tg.combinations(A)


def test_pytorchs_device_queries_name_the_cpu():
    dev = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    assert dev == "cpu" and dev == tg.device("cpu") and str(dev) == "cpu" and dev.type == "cpu"
    assert tg.cuda.device_count() == 0 and tg.device("cuda", 1) == "cuda:1"
    layer = tg.nn.Linear(3, 2).to(dev)
    x = tg.tensor(np.ones((4, 3)), device=dev).to(dev)
    assert layer(x).shape == (4, 2)
    with pytest.raises(ValueError, match="CPU only"):
        x.to(tg.device("cuda:0"))
    with pytest.raises(ValueError, match="unknown device type"):
        tg.device("gpu")
    tg.set_default_dtype(tg.float64)  # tensorgrad's default already
    assert tg.get_default_dtype() is np.float64
    with pytest.raises(ValueError, match="default floating dtype is float64"):
        tg.set_default_dtype(tg.float32)


def test_pytorchs_legacy_tensor_constructor():
    # torch.Tensor(data) is a floating tensor of the data; torch.Tensor(*sizes) a tensor of that
    # shape (zeros here), as custom layers make their parameters before initializing them
    a = tg.Tensor([2.0, 3])
    assert type(a) is tg.Tensor and a.dtype == np.float64 and a.tolist() == [2.0, 3.0]
    assert a.double().dtype == np.float64 and a.float().dtype == np.float32
    assert tg.Tensor(((1, 2), (3, 4))).shape == (2, 2)
    for sizes in ((4,), (2, 3), (2, 3, 4)):
        t = tg.Tensor(*sizes)
        assert t.shape == sizes and not t.numpy().any() and not t.requires_grad
    w = tg.nn.Parameter(tg.Tensor(4, 3))
    tg.nn.init.kaiming_uniform_(w, a=np.sqrt(5))
    v = w.detach().numpy()
    assert v.shape == (4, 3) and v.any() and np.abs(v).max() <= 1 / np.sqrt(3)
    with pytest.raises(TypeError, match="sizes must be non-negative ints"):
        tg.Tensor(2, -3)


def test_triangle_indices_take_pytorchs_keywords():
    # torch.tril_indices(row, col, offset=0): one (2, N) int64 tensor; a PyTorch keyword
    # (offset=, row=, col=) chooses that form, NumPy's positional (n, k, m) stays NumPy's
    for name in ("tril_indices", "triu_indices"):
        for row, col, offset in ((3, 3, -1), (3, 4, 1), (4, 2, 0), (0, 0, 0)):
            got = getattr(tg, name)(row, col, offset=offset)
            want = np.stack(getattr(np, name)(row, offset, col))
            assert isinstance(got, tg.Tensor) and got.dtype == np.int64 and got.shape == want.shape
            np.testing.assert_array_equal(got.numpy(), want)
        assert getattr(tg, name)(row=3, col=2, dtype=np.int32).dtype == np.int32
        for got, want in zip(getattr(tg, name)(4, -1, 3), getattr(np, name)(4, -1, 3)):
            np.testing.assert_array_equal(got, want)
        with pytest.raises(TypeError, match=name):
            getattr(tg, name)(3, kk=1)
        with pytest.raises(TypeError, match=name):  # (PyTorch's form needs col)
            getattr(tg, name)(3, offset=1)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_is_a_loop_over_the_index(reduce, include_self):
    x, src = RNG.normal(size=(5, 3)), RNG.normal(size=(4, 3))
    index = np.array([0, 4, 0, 2])
    want = x.copy()
    for r in set(index.tolist()):
        rows = [src[i] for i in range(4) if index[i] == r] + ([x[r]] if include_self else [])
        want[r] = {"prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce](rows, axis=0)

    def f(s):
        return tg.index_reduce(tg.tensor(x), 0, tg.tensor(index), s, reduce, include_self=include_self)
    got = f(tg.tensor(src))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-13)
    w = RNG.normal(size=want.shape)
    s = tg.tensor(src, requires_grad=True)
    (f(s) * tg.tensor(w)).sum().backward()
    fd = central_difference_gradient(lambda v: float(np.sum(f(tg.tensor(v)).numpy() * w)), src)
    np.testing.assert_allclose(s.grad, fd, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="index_reduce"):
        tg.index_reduce(tg.tensor(x), 0, tg.tensor(index), tg.tensor(src), "sum")


def test_cholesky_inverse_triangular_solve_addmv_addr():
    m = RNG.normal(size=(2, 3, 3))
    L = np.linalg.cholesky(m @ m.transpose(0, 2, 1) + 3 * np.eye(3))
    b = RNG.normal(size=(2, 3, 2))
    np.testing.assert_allclose(tg.cholesky_inverse(tg.tensor(L)).numpy(),
                               np.linalg.inv(L @ L.transpose(0, 2, 1)), rtol=1e-12)
    U = L.transpose(0, 2, 1)
    np.testing.assert_allclose(tg.cholesky_inverse(tg.tensor(U), upper=True).numpy(),
                               np.linalg.inv(U.transpose(0, 2, 1) @ U), rtol=1e-12)
    # its gradient reaches the triangle it reads, as central differences of that triangle give
    low = np.tril_indices(3)
    w = RNG.normal(size=(3, 3))

    def of_triangle(v):
        f = np.zeros((3, 3))
        f[low] = v
        return float(np.sum(np.linalg.inv(f @ f.T) * w))
    t = tg.tensor(L[0], requires_grad=True)
    (tg.cholesky_inverse(t) * tg.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad[low], central_difference_gradient(of_triangle, L[0][low]), rtol=1e-6)
    np.testing.assert_array_equal(np.triu(t.grad, 1), 0.0)
    with pytest.raises(ValueError, match=r"cholesky_inverse: needs a square factor .* shape \(2, 3\)"):
        tg.cholesky_inverse(tg.tensor(np.ones((2, 3))))
    # triangular_solve(b, A): (X, a copy of A), the triangle of A (transposed, unit) solving
    A = L + np.triu(RNG.normal(size=(3, 3)), 1)  # (entries above the diagonal are not read)
    x, cc = tg.triangular_solve(tg.tensor(b), tg.tensor(A), upper=False)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(np.tril(A), b), rtol=1e-12)
    np.testing.assert_array_equal(cc.numpy(), A)
    x = tg.tensor(b).triangular_solve(tg.tensor(A), upper=False, transpose=True).solution
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(np.tril(A).transpose(0, 2, 1), b), rtol=1e-12)
    unit = np.triu(A, 1) + np.eye(3)
    x = tg.triangular_solve(tg.tensor(b), tg.tensor(A), unitriangular=True).solution
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(unit, b), rtol=1e-12)
    # torch.addmv(v, M, u, beta, alpha) and torch.addr(M, u, v, beta, alpha)
    M, u, v = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=3)
    np.testing.assert_allclose(tg.addmv(tg.tensor(v), tg.tensor(M), tg.tensor(u), beta=0.5, alpha=2.0).numpy(),
                               0.5 * v + 2.0 * M @ u, rtol=1e-13)
    np.testing.assert_allclose(tg.addr(tg.tensor(M), tg.tensor(v), tg.tensor(u), beta=2.0, alpha=0.5).numpy(),
                               2.0 * M + 0.5 * np.outer(v, u), rtol=1e-13)


def test_searchsorted_of_a_stack_of_sorted_rows():
    # PyTorch's: each row of a (..., M) is searched for the same row of v (..., K)
    a = np.sort(RNG.normal(size=(2, 3, 6)), axis=-1)
    v = RNG.normal(size=(2, 3, 4))
    v[0, 0, 0] = a[0, 0, 2]  # a tie: side decides
    for kwargs, side in (({}, "left"), ({"right": True}, "right"), ({"side": "right"}, "right")):
        got = tg.searchsorted(tg.tensor(a), tg.tensor(v), **kwargs)
        want = np.stack([[np.searchsorted(a[i, j], v[i, j], side=side) for j in range(3)] for i in range(2)])
        np.testing.assert_array_equal(got, want)
    assert tg.searchsorted(a, v, out_int32=True).dtype == np.int32
    with pytest.raises(ValueError, match="leading axes"):
        tg.searchsorted(a, v[0])


def test_a_pytorch_keyword_of_a_one_input_function_calls_pytorchs_function():
    # torch.logit(x, eps=): the input clamped to [eps, 1 - eps] first; NumPy's keywords stay
    x = np.array([0.1, 0.5, 0.99])
    clamped = np.clip(x, 0.2, 0.8)
    np.testing.assert_allclose(tg.logit(x, eps=0.2), np.log(clamped / (1 - clamped)), rtol=1e-14)
    g = tg.grad(lambda v: tg.sum(tg.logit(v, eps=0.2)))(x)
    np.testing.assert_allclose(g, np.where((x > 0.2) & (x < 0.8), 1 / (x * (1 - x)), 0.0), rtol=1e-14)
    np.testing.assert_allclose(tg.exp(x, dtype=np.float32), np.exp(x, dtype=np.float32))  # (a ufunc's own)
    with pytest.raises(TypeError, match="unexpected keyword argument 'epsilon'"):
        tg.logit(x, epsilon=0.2)


def test_pytorchs_integer_linspace_truncates_toward_zero():
    # PyTorch's form (steps=) casts the float points toward zero; NumPy's (num) rounds down
    got = np.asarray(tg.linspace(5, -5, steps=20, dtype=np.int32))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.trunc(np.linspace(5, -5, 20)).astype(np.int32))
    np.testing.assert_array_equal(tg.linspace(5, -5, 20, dtype=np.int32), np.linspace(5, -5, 20, dtype=np.int32))
    np.testing.assert_array_equal(np.asarray(tg.logspace(0, 2, steps=5, dtype=np.int64)), [1, 3, 10, 31, 100])


def test_var_mean_and_std_mean_take_pytorchs_numpy_style_aliases():
    a = np.arange(12.0).reshape(3, 4)
    s, m = tg.std_mean(tg.tensor(a), axis=1)
    np.testing.assert_allclose(np.asarray(s), a.std(axis=1, ddof=1), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(m), a.mean(axis=1), rtol=1e-15)
    v, m = tg.var_mean(tg.tensor(a), 0, keepdims=True)
    assert np.asarray(v).shape == (1, 4) and np.asarray(m).shape == (1, 4)
    with pytest.raises(TypeError, match="not both"):
        tg.std_mean(tg.tensor(a), 1, axis=1)
    # PyTorch's other form: var_mean(input, unbiased)
    np.testing.assert_allclose(np.asarray(tg.var_mean(tg.tensor(a), False)[0]), a.var(), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(tg.std_mean(tg.tensor(a), True)[0]), a.std(ddof=1), rtol=1e-15)


def test_pytorchs_legacy_tensor_types_make_and_check_tensors():
    a = tg.FloatTensor([1, 2])
    assert tg.is_tensor(a) and a.dtype == np.float32 and isinstance(a, tg.FloatTensor)
    assert not isinstance(a, tg.LongTensor) and not isinstance(np.ones(2, np.float32), tg.FloatTensor)
    b = tg.LongTensor([[1, 2]])
    assert b.dtype == np.int64 and b.shape == (1, 2) and isinstance(b, tg.LongTensor)
    assert tg.FloatTensor(2, 3).shape == (2, 3) and tg.FloatTensor().shape == (0,)
    for name, dt in (("DoubleTensor", np.float64), ("IntTensor", np.int32), ("ByteTensor", np.uint8),
                     ("BoolTensor", np.bool_), ("HalfTensor", np.float16)):
        assert getattr(tg, name)([1, 0]).dtype == dt
    assert float(tg.FloatTensor([1.5, 2.0]).mean()) == 1.75
    with pytest.raises(TypeError, match="FloatTensor\\(\\): give sizes as ints or one sequence"):
        tg.FloatTensor([1.0], [2.0])
