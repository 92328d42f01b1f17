"""Checks ported from MyGrad's tests: tests/tensor_base/ (test_backward, test_chainrule,
test_broadcast, test_backprop_through_non_scalar, test_operator_override,
test_pow_special_cases, test_augmented_updates, test_astype, test_memory_locking,
test_scalar_only, test_no_null_grad_semantics), tests/state_testing/test_view_semantics,
tests/linalg/ (test_einsum, test_matmul, test_multi_matmul, test_norm), tests/nnet/losses/
(softmax cross-entropy, negative log-likelihood, margin ranking) and tests/nnet/activations/
(elu, glu, hard_tanh, leaky_relu, relu, selu, sigmoid, soft_sign, softmax, logsoftmax).

MyGrad's own semantics are ported through tensorgrad's PyTorch-like imperative API:
MyGrad's ``constant=True`` is ``requires_grad=False`` (or ``detach()`` for the result of an
op), its implicit all-ones seed for a non-scalar ``backward()`` is refused as in PyTorch
(pass ``gradient=``), gradients of intermediate results are read after ``retain_grad()``,
and gradients accumulate across passes instead of being nulled when a tensor joins a new
graph. Values are compared with NumPy, gradients with JAX (float64) or central differences.
"""
from __future__ import annotations

import functools
import gc
import warnings

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import scipy.special
import pytest
from hypothesis import given, settings
from numpy.testing import assert_allclose, assert_array_equal

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

FEW = settings(max_examples=12, deadline=None)


def leaf(a, dtype=None):
    return tg.tensor(np.asarray(a, dtype=dtype), requires_grad=True)


def _collect_then(ok) -> bool:
    """``ok()`` once what just became garbage is freed: a young-generation collection first,
    which is cheap in a long run's large heap, and the full one only if ``ok()`` still fails."""
    gc.collect(1)
    if ok():
        return True
    gc.collect()
    return ok()


def writeable(x) -> bool:
    return x.flags.writeable


def central_diff(f, arrays, seed, h=1e-6):
    """d<seed, f(*arrays)>/d arrays by central differences (f works on NumPy arrays)."""
    out = []
    for i, x in enumerate(arrays):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up = [a.copy() for a in arrays]
            down = [a.copy() for a in arrays]
            up[i][idx] += h
            down[i][idx] -= h
            g[idx] = np.sum((f(*up) - f(*down)) * seed) / (2 * h)
        out.append(g)
    return out


# --------------------------------------------------------------------------------------
# tensor_base/test_backward.py
# --------------------------------------------------------------------------------------

def test_backward_seed_must_have_the_output_shape():
    t = leaf([1.0, 2.0])
    # MyGrad seeds a non-scalar backward() with ones; PyTorch and tensorgrad refuse it
    with pytest.raises(RuntimeError, match="pass gradient="):
        (t * 1).backward()
    (t * 1).backward(np.array([2.0, 2.0]))
    assert_allclose(t.grad, [2.0, 2.0])
    # MyGrad broadcasts a seed of shape () or (1,); PyTorch raises "Mismatch in shape"
    for seed in (tg.tensor(2.0), [3.0], np.arange(3.0)):
        with pytest.raises(ValueError, match="gradient has shape"):
            (t * 1).backward(seed)
    assert_allclose(t.grad, [2.0, 2.0])  # the refused passes added nothing
    s = leaf(3.0)
    s.backward()  # a leaf with one element: the seed 1
    assert_allclose(s.grad, 1.0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 2), (2, 3)])
@pytest.mark.parametrize("seed_dtype", [np.int64, np.float32, np.float64])
def test_grad_takes_the_dtype_and_shape_of_its_leaf(dtype, shape, seed_dtype):
    t = leaf(np.ones(shape), dtype)
    (t * 2).backward(np.full(shape, 3, dtype=seed_dtype))
    assert t.grad.dtype == t.dtype and t.grad.shape == t.shape
    assert_array_equal(t.grad, np.full(shape, 6.0))


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_incompatible_seed_shape_raises(shapes):
    (grad_shape, t_shape), _ = shapes.input_shapes, None
    t = leaf(np.ones(t_shape))
    seed = np.ones(grad_shape)
    if seed.shape != t.shape:
        with pytest.raises(ValueError):
            (t * 1).backward(seed)
        assert t.grad is None
    else:
        (t * 1).backward(seed)
        assert t.grad.shape == t.shape


# --------------------------------------------------------------------------------------
# tensor_base/test_chainrule.py
# --------------------------------------------------------------------------------------

@FEW
@given(x=st.floats(-1e3, 1e3), y=st.floats(-1e3, 1e3), z=st.floats(-1e3, 1e3),
       need=st.tuples(st.booleans(), st.booleans(), st.booleans()), side_effects=st.booleans())
def test_chainrule_scalar(x, y, z, need, side_effects):
    xt, yt, zt = (tg.tensor(v, requires_grad=r) for v, r in zip((x, y, z), need))
    f = xt * yt + zt
    g = xt + zt * f * f
    unused = w = None
    if side_effects:  # other branches of the graph take no part in g's backward pass
        unused, w = 2 * g - f, 1 * f
    if not g.requires_grad:  # MyGrad: constant tensors; here nothing was recorded
        with pytest.raises(RuntimeError, match="no graph"):
            g.backward()
        return
    f.retain_grad()
    g.backward()
    fv = x * y + z
    expect = {0: 1 + 2 * z * fv * y, 1: 2 * z * fv * x, 2: fv ** 2 + 2 * z * fv}
    for i, t in enumerate((xt, yt, zt)):
        if need[i]:
            assert_allclose(t.grad, expect[i], rtol=1e-12, atol=1e-9)
        else:
            assert t.grad is None
    if f.requires_grad:
        assert_allclose(f.grad, 2 * z * fv, rtol=1e-12, atol=1e-300)  # (subnormal z: the order of the products rounds)
    if w is not None and w.requires_grad:
        with pytest.warns(UserWarning, match=r"not a leaf.*call \.retain_grad\(\) on it before backward\(\)"):
            assert w.grad is None
    del unused


def test_identical_inputs():
    v1 = leaf(2.0)
    v2 = v1 + v1
    v3 = v2 + v2
    v3.backward(1.0)
    assert v3.item() == 8.0
    assert_allclose(v1.grad, 4.0)


@pytest.mark.parametrize("x, seed", [(0.3, None), (-2.0, 1.5), (1.7, -4.0)])
def test_non_broadcastable_chain_with_retained_grads(x, seed):
    v1 = leaf(x)
    v2 = tg.exp(v1)
    v3 = tg.cos(v2)
    v2.retain_grad()
    v3.retain_grad()
    v3.backward(seed)
    s = 1.0 if seed is None else seed
    assert_allclose(v3.grad, s)
    assert_allclose(v2.grad, -np.sin(np.exp(x)) * s, rtol=1e-13)
    assert_allclose(v1.grad, np.exp(x) * -np.sin(np.exp(x)) * s, rtol=1e-13)


@FEW
@given(v1=st.integers(-2, 2).map(float), v2=st.integers(-2, 2).map(float),
       detached=st.tuples(st.booleans(), st.booleans(), st.booleans()),
       grad=st.integers(-2, 2).map(float))
def test_interesting_graph(v1, v2, detached, grad):
    """MyGrad's ``constant=True`` on an op's output is ``detach()``: nothing flows back
    through it (PyTorch's semantics)."""
    d3, d4, d5 = detached
    t1, t2 = leaf(v1), leaf(v2)
    t3 = t1 * t1
    t3 = t3.detach() if d3 else t3
    t4 = t2 * t3
    t4 = t4.detach() if d4 else t4
    t5 = t3 * t4
    t5 = t5.detach() if d5 else t5
    if not t5.requires_grad:
        with pytest.raises(RuntimeError):
            t5.backward(grad)
        assert t1.grad is None and t2.grad is None
        return
    t5.backward(grad)
    want2 = None if t4.requires_grad is False else grad * v1 ** 4
    want1 = None if not t3.requires_grad else (
        2 * grad * v1 * (v2 * v1 ** 2) if not t4.requires_grad else grad * 4 * v1 ** 3 * v2)
    for t, want in ((t1, want1), (t2, want2)):
        if want is None:
            assert t.grad is None
        else:
            assert_allclose(t.grad, want)
    with pytest.raises(RuntimeError, match="already freed"):  # the graph is cleared
        t5.backward(grad)


# --------------------------------------------------------------------------------------
# tensor_base/test_broadcast.py: the gradient of a broadcast operand is summed back
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("var_shape, out_shape", [
    ((), (2, 3)), ((2, 3), (2, 3)), ((2, 3), (5, 2, 3)), ((2, 3), (4, 5, 2, 3)),
    ((2, 1, 4), (2, 5, 4)), ((1, 1), (3, 4)), ((3, 1, 2), (5, 3, 4, 2)), ((1,), (0,)),
])
def test_gradient_of_a_broadcast_operand_is_reduced_to_its_shape(var_shape, out_shape):
    rng = np.random.default_rng(0)
    x = leaf(rng.normal(size=var_shape))
    seed = rng.normal(size=out_shape)
    (x + np.zeros(out_shape)).backward(seed)
    lead = len(out_shape) - len(var_shape)
    want = seed.sum(axis=tuple(range(lead)))
    keep = tuple(i for i, (v, o) in enumerate(zip(var_shape, want.shape)) if v != o)
    want = want.sum(axis=keep, keepdims=True)
    assert x.grad.shape == var_shape
    assert_allclose(x.grad, want, rtol=1e-13)


# --------------------------------------------------------------------------------------
# tensor_base/test_backprop_through_non_scalar.py
# --------------------------------------------------------------------------------------

def test_backprop_through_non_scalar_with_a_ones_seed_is_the_summed_backprop():
    t1 = leaf([2.0, 4.0, 8.0])
    y = t1 * t1[::-1]
    with pytest.raises(RuntimeError):  # MyGrad's implicit ones seed: PyTorch refuses
        y.backward()
    y.backward(np.ones(3))
    t2 = leaf([2.0, 4.0, 8.0])
    tg.sum(t2 * t2[::-1]).backward()
    assert_array_equal(t1.grad, t2.grad)
    assert_array_equal(t1.grad, [16.0, 8.0, 4.0])


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(signature="(n?,k),(k,m?)->(n?,m?)", max_side=4),
       seed=st.integers(0, 2 ** 16))
def test_backprop_through_unsummed_matmul_matches_summed_matmul(shapes, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    A, B = rng.uniform(-10, 10, sa), rng.uniform(-10, 10, sb)
    a1, b1, a2, b2 = leaf(A), leaf(B), leaf(A), leaf(B)
    out = a1 @ b1
    out.backward(np.ones(out.shape))
    (a2 @ b2).sum().backward()
    assert_allclose(a1.grad, a2.grad, rtol=1e-14)
    assert_allclose(b1.grad, b2.grad, rtol=1e-14)


# --------------------------------------------------------------------------------------
# tensor_base/test_operator_override.py and test_pow_special_cases.py
# --------------------------------------------------------------------------------------

OPERATORS = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: x / y, "**": lambda x, y: x ** y, "@": lambda x, y: x @ y.T,
}


@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_operators_between_array_and_tensor_give_recorded_tensors(name, shape):
    fn = OPERATORS[name]
    arr = np.linspace(1.0, 2.0, int(np.prod(shape))).reshape(shape)
    t = leaf(arr)
    for out in (fn(t, arr), fn(arr, t), fn(t, t)):
        assert type(out) is tg.Tensor and out.requires_grad and not out.is_leaf
        assert_allclose(out.detach().numpy(), fn(arr, arr), rtol=1e-14)
    plain = tg.tensor(arr)
    assert type(fn(plain, arr)) is tg.Tensor and not fn(arr, plain).requires_grad


@pytest.mark.parametrize("a1", [np.array(3), np.array([3, 4, 5]), np.array([3.5, 4.0, -5.5])])
@pytest.mark.parametrize("a2", [np.array(2), np.array([2, 3, 1]), np.array([2.0, -1.5, 1.0])])
def test_floor_div_of_tensors_that_need_no_grad_is_numpys(a1, a2):
    want = a1 // a2
    for got in (tg.tensor(a1) // a2.tolist(), a1 // tg.tensor(a2), tg.tensor(a1) // tg.tensor(a2)):
        assert got.dtype == want.dtype
        assert_array_equal(got.numpy(), want)


def test_floor_div_has_a_zero_derivative():
    # MyGrad raises on `x // 1` for a variable tensor; tensorgrad treats floor division as
    # floor, as JAX and PyTorch's div(rounding_mode="floor") do: recorded, with gradient 0
    for make in (lambda x: x // 1, lambda x: 7 // x, lambda x: x.div(2, rounding_mode="floor")):
        x = leaf(3.5)
        out = make(x)
        assert out.requires_grad
        out.backward()
        assert x.grad == 0.0


@pytest.mark.parametrize("p", [1, 1.0, np.array(1), 2, 2.0, np.array(2.0), 3, 0])
def test_pow_special_cases(p):
    x = np.array([-1.5, 0.0, 0.5, 2.0])
    t = leaf(x)
    out = t ** p
    assert out.requires_grad
    assert_array_equal(out.detach().numpy(), x ** p)
    out.backward(np.arange(1.0, 5.0))
    want = jax.vjp(lambda v: v ** p, jnp.asarray(x))[1](jnp.arange(1.0, 5.0))[0]
    assert_allclose(t.grad, want, rtol=1e-14)
    t32 = leaf(x, np.float32)  # a Python number keeps the base's dtype, a 0-d array promotes
    assert (t32 ** p).dtype == np.result_type(x.astype(np.float32), p)
    assert not (tg.tensor(x) ** p).requires_grad


# --------------------------------------------------------------------------------------
# tensor_base/test_augmented_updates.py
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("op, method, dx, dy", [
    ("*=", "multiply", lambda a: np.where(a < 4, 2.0, 1.0), lambda a: a[a < 4]),
    ("+=", "add", lambda a: np.ones_like(a), lambda a: np.ones(4)),
    ("/=", "divide", lambda a: np.where(a < 4, 0.5, 1.0), lambda a: -a[a < 4] / 4),
    ("-=", "subtract", lambda a: np.ones_like(a), lambda a: -np.ones(4)),
    ("**=", "power", lambda a: np.where(a < 4, 2 * a, 1.0),
     lambda a: a[a < 4] ** 2 * np.log(np.where(a[a < 4] == 0, 1.0, a[a < 4]))),
])
def test_augmented_update_of_masked_entries(op, method, dx, dy):
    a = np.arange(9.0).reshape(3, 3)
    want = a.copy()
    exec(f"want[want < 4] {op} 2.0")
    t1 = leaf(a)
    y = leaf(np.full(4, 2.0))
    t2 = t1 * 1
    t3 = getattr(t2.at[a < 4], method)(y)  # JAX's form of the update
    t3.sum().backward()
    assert_allclose(t3.detach().numpy(), want)
    assert_allclose(t1.grad, dx(a))
    assert_allclose(y.grad, dy(a), atol=1e-15)
    t1.grad = y.grad = None  # MyGrad's (and PyTorch's) form: t2[mask] op= y, in place
    t2 = t1 * 1
    exec(f"t2[t2.detach().numpy() < 4] {op} y")
    t2.sum().backward()
    assert_allclose(t2.detach().numpy(), want)
    assert_allclose(t1.grad, dx(a))
    assert_allclose(y.grad, dy(a), atol=1e-15)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "**="])
def test_augmented_update_of_a_recorded_result(op):
    """A recorded result updated in place is the recorded result of the op (PyTorch)."""
    a = np.arange(1.0, 5.0)
    t1, y = leaf(a), leaf(np.full(4, 1.5))
    t2 = t1 * 1
    alias = t2
    exec(f"t2 {op} y")
    assert alias is t2
    f = {"+=": jnp.add, "-=": jnp.subtract, "*=": jnp.multiply, "/=": jnp.divide,
         "**=": jnp.power}[op]
    t2.sum().backward()
    ga, gy = jax.grad(lambda u, v: jnp.sum(f(u, v)), argnums=(0, 1))(a, np.full(4, 1.5))
    assert_allclose(alias.detach().numpy(), f(a, 1.5), rtol=1e-14)
    assert_allclose(t1.grad, ga, rtol=1e-14)
    assert_allclose(y.grad, gy, rtol=1e-14)
    with pytest.raises(RuntimeError, match="leaf"):  # a leaf refuses while recording
        exec(f"t1 {op} y")


# --------------------------------------------------------------------------------------
# tensor_base/test_astype.py
# --------------------------------------------------------------------------------------

REAL = [np.int8, np.int32, np.int64, np.uint8, np.uint16, np.float16, np.float32, np.float64]


@pytest.mark.parametrize("dest", REAL)
@pytest.mark.parametrize("requires_grad", [True, False])
def test_astype(dest, requires_grad):
    x = np.array([[1.5, -2.0, 3.0], [4.0, 0.0, 7.25]])
    t = tg.tensor(x, requires_grad=requires_grad) * 1  # a recorded result, or a plain value
    out = t.astype(dest)
    assert out.dtype == dest and out.shape == t.shape
    assert_array_equal(out.detach().numpy(), x.astype(dest))
    # MyGrad's astype gives a new tensor without a creator; as PyTorch's .to(dtype) the cast
    # stays on the tape for floating types; an integer result takes no gradient
    assert out.requires_grad is (requires_grad and np.dtype(dest).kind == "f")
    if out.requires_grad:
        t.retain_grad()
        (out * out).sum().backward()
        assert t.grad.dtype == np.float64
        assert_allclose(t.grad, 2 * x.astype(dest).astype(np.float64), rtol=1e-15)


@pytest.mark.parametrize("family", [[np.int8, np.int16, np.int64], [np.uint8, np.uint32],
                                    [np.float16, np.float32, np.float64]])
def test_upcast_roundtrip(family):
    rng = np.random.default_rng(1)
    for thin, wide in zip(family, family[1:]):
        if np.dtype(thin).kind == "f":
            a = rng.normal(size=(3, 4)).astype(thin)
        else:
            info = np.iinfo(thin)
            a = rng.integers(info.min, info.max, size=(3, 4), endpoint=True).astype(thin)
        t = tg.tensor(a)
        back = t.astype(wide).astype(thin)
        assert back.dtype == thin
        assert_array_equal(back.numpy(), a)


def test_astype_gradient_is_cast_back_to_the_leaf_dtype():
    t = leaf([1.5, 2.5])
    o = t.astype(np.float32)
    (o * o).sum().backward()
    assert t.grad.dtype == np.float64
    assert_allclose(t.grad, [3.0, 5.0])


# --------------------------------------------------------------------------------------
# tensor_base/test_memory_locking.py: arrays saved by a live graph are read-only
# --------------------------------------------------------------------------------------

def test_memory_locks_during_graph_and_unlocks_after_backward():
    y = np.arange(3.0)
    z = y * leaf(np.ones(3))
    assert not writeable(y)
    with pytest.raises(ValueError, match="read-only"):
        y[:] = 0
    z.backward(np.ones(3))
    assert writeable(y)
    y *= 1


def test_unreferenced_op_does_not_lock_data():
    y = np.arange(10.0)
    y * leaf(np.arange(10.0))
    assert _collect_then(lambda: writeable(y))


def test_only_final_dereference_restores_writeability():
    x, y = leaf(np.ones(10)), np.arange(10.0)
    w = y[...] * x
    z = y * x[...]
    del w
    gc.collect(1)
    assert not writeable(y), "y is still saved by z's graph"
    del z
    assert _collect_then(lambda: writeable(y))


@pytest.mark.parametrize("y_writeable", [True, False])
def test_view_becomes_writeable_after_base_is_made_writeable(y_writeable):
    x = leaf(np.array([1.0, -2.0, 3.0]))
    y = np.arange(3.0)
    y.flags.writeable = y_writeable
    view_y = y[...]
    w = y * x
    z = x * view_y
    del z
    gc.collect(1)
    assert not writeable(y) and not writeable(view_y)
    del w
    assert _collect_then(lambda: writeable(y) is y_writeable and writeable(view_y) is y_writeable)


def test_touching_data_in_local_scope_does_not_leave_it_locked():
    z = np.arange(10.0)

    def f(x):
        p = leaf(np.ones(10))
        for _ in range(4):
            x = x * p * tg.ones_like(x)  # z is saved (for p's gradient)
        assert not writeable(z)

    f(z)
    assert _collect_then(lambda: writeable(z))


def test_that_errored_op_does_not_leave_inputs_locked():
    a, b = np.zeros((2, 3)), np.zeros((4, 4))
    with pytest.raises(ValueError):
        tg.add(leaf(a), b)
    assert writeable(a) and writeable(b)


def test_documented_guarding_and_retain_graph():
    x = np.arange(3.0)
    y = leaf(np.ones(3))
    z = tg.sum(x * y)
    with pytest.raises(ValueError):  # the mutation that would corrupt z's gradient
        x[:] = 0
    z.backward(retain_graph=True)
    assert not writeable(x), "retain_graph keeps the saved values, and their locks"
    z.backward()
    assert writeable(x)
    assert_allclose(y.grad, 2 * np.array([0.0, 1.0, 2.0]))


def test_a_leaf_is_read_only_and_updated_through_no_grad():
    # MyGrad lets `x.data *= 1` through once the graph is gone; tensorgrad keeps a leaf's
    # array read-only for good (no storage is shared), and updates go through no_grad/.data:
    # `x.data[...] = v` gives the leaf a new value, as `x.data = ...` does
    x = leaf([1.0, 2.0])
    held = x.data
    with pytest.raises(ValueError):
        np.multiply(held, 1.0, out=held)
    x.data[...] = 0
    assert_array_equal(x.numpy(), [0.0, 0.0])
    x.data = np.array([1.0, 2.0])
    (x * 2).sum().backward()
    with tg.no_grad():
        x *= 3
    assert_array_equal(x.numpy(), [3.0, 6.0])
    x.data = x.data - x.grad
    assert_array_equal(x.numpy(), [1.0, 4.0])
    assert x.is_leaf and x.requires_grad


# --------------------------------------------------------------------------------------
# state_testing/test_view_semantics.py
# --------------------------------------------------------------------------------------

VIEWS = {
    "identity": lambda x: x[...],
    "horizontal flip": lambda x: x[:, ::-1],
    "vertical flip": lambda x: x[::-1],
    "transpose": lambda x: x.T,
    "einsum view": lambda x: (tg.einsum if isinstance(x, tg.Tensor) else np.einsum)("...->...", x),
    "leading newaxis": lambda x: x[np.newaxis][0],
    "middle newaxis": lambda x: x[:, np.newaxis, :][:, 0, :],
    "trailing newaxis": lambda x: x[..., np.newaxis][..., 0],
}


@pytest.mark.parametrize("seed", range(6))
def test_view_gradients_correspond_to_view_data(seed):
    """Seeding a chain of element-preserving views with its own data gives every tensor of
    the chain a gradient equal to its data (MyGrad's view/gradient correspondence)."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([3, 4]))
    base = leaf(np.arange(float(n * n)).reshape(n, n))
    arr = np.arange(float(n * n)).reshape(n, n)
    pairs = [(+base * 1, arr)]
    for _ in range(5):
        t, a = pairs[int(rng.integers(len(pairs)))]
        name = list(VIEWS)[int(rng.integers(len(VIEWS)))]
        pairs.append((VIEWS[name](t), VIEWS[name](a)))
    for t, a in pairs:
        t.retain_grad()
        assert_array_equal(t.detach().numpy(), a)
    term, term_arr = pairs[-1]
    term.backward(term_arr)
    # only the tensors the terminal one came from receive a gradient; each equals its data
    assert_array_equal(base.grad, arr)
    for t, a in pairs:
        if t.grad is not None:
            assert_array_equal(t.grad, a)


def test_in_place_update_of_a_view_reaches_its_base():
    # MyGrad (and NumPy, PyTorch) share memory between a view and its base; tensorgrad has
    # no shared storage, but writes the view's update on into its base, as they show it
    x = leaf(np.arange(4.0).reshape(2, 2))
    y = x * 1
    v = y.T
    v += 2.0
    assert_array_equal(y.detach().numpy(), np.arange(4.0).reshape(2, 2) + 2)
    assert_array_equal(v.detach().numpy(), np.arange(4.0).reshape(2, 2).T + 2)
    v.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert_array_equal(x.grad, [[1.0, 3.0], [2.0, 4.0]])
    # and the base's gradient flows through the updated values, to the view's update
    x2 = leaf(np.arange(4.0).reshape(2, 2))
    y2 = x2 * 1
    y2.T.mul_(x2)  # y2[j, i] = x2[j, i] * x2[i, j]: d sum / d x2[a, b] = 2 x2[b, a]
    y2.sum().backward()
    assert_array_equal(x2.grad, 2 * np.arange(4.0).reshape(2, 2).T)


# --------------------------------------------------------------------------------------
# tensor_base/test_scalar_only.py and test_no_null_grad_semantics.py
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("operation", ["add", "sub", "mul", "truediv", "pow"])
@pytest.mark.parametrize("requires_grad", [True, False])
def test_practical_scalar_only(requires_grad, operation):
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=requires_grad)
    b = tg.tensor(3.0, requires_grad=requires_grad)
    out = getattr(a, f"__{operation}__")(b)
    # MyGrad: backward() on a constant is a no-op; PyTorch and tensorgrad raise (no graph)
    # or, recorded, refuse the implicit seed of a non-scalar output
    with pytest.raises(RuntimeError):
        out.backward()
    if requires_grad:
        out.backward(np.ones(3))
        want = jax.grad(lambda u, v: jnp.sum(getattr(jnp, {"sub": "subtract", "mul": "multiply",
                                                           "truediv": "divide", "pow": "power",
                                                           "add": "add"}[operation])(u, v)),
                        argnums=(0, 1))(np.array([1.0, 2.0, 3.0]), 3.0)
        assert_allclose(a.grad, want[0], rtol=1e-14)
        assert_allclose(b.grad, want[1], rtol=1e-14)


@pytest.mark.parametrize("func", [lambda x: x[...], lambda x: +x, lambda x: x * 1])
def test_involving_a_tensor_in_a_graph_keeps_its_gradient(func):
    # MyGrad nulls x.grad when x joins a new graph; PyTorch keeps it (zero it yourself)
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    func(x)
    assert_array_equal(x.grad, [3.0, 3.0])


@pytest.mark.parametrize("requires_grad", [True, False])
def test_backprop_clears_graph_and_grads_accumulate(requires_grad):
    x = tg.tensor([0.5, -1.0, 2.0], requires_grad=requires_grad)
    for n in range(2):
        y = 2 * x
        f = y + x ** 2
        x ** 3  # noqa: B018  (a branch that takes no part)
        if not requires_grad:
            with pytest.raises(RuntimeError):
                f.backward(np.ones(3))
            assert x.grad is None
            continue
        y.retain_grad()
        f.backward(np.ones(3))
        assert_array_equal(y.grad, np.ones(3))
        assert_array_equal(x.grad, (n + 1) * (2 + 2 * x.detach().numpy()))
        with pytest.raises(RuntimeError, match="freed"):
            f.backward(np.ones(3))


# --------------------------------------------------------------------------------------
# linalg/test_einsum.py
# --------------------------------------------------------------------------------------

def _einsum_args(operands):
    return tuple(tg.tensor(o) if isinstance(o, np.ndarray) else o for o in operands)


def test_einsum_static_fwd():
    a, b, c = np.arange(25).reshape(5, 5), np.arange(5), np.arange(6).reshape(2, 3)
    a3, b3 = np.arange(60.0).reshape(3, 4, 5), np.arange(24.0).reshape(4, 3, 2)
    a2, b2 = np.arange(6).reshape(3, 2), np.arange(12).reshape(4, 3)
    E = Ellipsis
    cases = [("ii", a), (a, [0, 0]), ("ii->i", a), (a, [0, 0], [0]), ("ij,j", a, b),
             (a, [0, 1], b, [1]), ("...j,j", a, b), (a, [E, 0], b, [E, 0]), ("ji", c),
             (c, [1, 0]), ("..., ...", 3, c), (3, [E], c, [E]), ("i,i", b, b), (b, [0], b, [0]),
             ("i,j", np.arange(2) + 1, b), ("i...->...", a), ("ijk,jil->kl", a3, b3),
             (a3, [0, 1, 2], b3, [1, 0, 3], [2, 3]), ("ki,jk->ij", a2, b2),
             (a2, [0, 1], b2, [2, 0], [1, 2]), ("ki,...k->i...", a2, b2),
             (a2, [0, 1], b2, [E, 0], [1, E]), ("k...,jk", a2, b2), (a2, [0, E], b2, [2, 0])]
    for case in cases:
        out = tg.einsum(*_einsum_args(case))
        want = np.einsum(*case)
        assert type(out) is tg.Tensor and out.dtype == want.dtype
        assert_array_equal(out.numpy(), want)


EINSUM_BKWD = [
    ("ii", [(5, 5)]), ("ii->i", [(5, 5)]), ("ij->", [(5, 5)]), ("ij,j", [(5, 5), (5,)]),
    ("...j,j", [(5, 5), (5,)]), ("ji", [(2, 3)]), ("..., ...", [(), (2, 3)]), ("i,i", [(5,), (5,)]),
    ("i,j", [(2,), (5,)]), ("ijk,jil->kl", [(3, 4, 5), (4, 3, 2)]), ("ki,jk->ij", [(3, 2), (4, 1)]),
    ("ki,...k->i...", [(3, 2), (4, 1)]), ("k...,jk", [(3, 2), (4, 1)]),
    # traces (test_traces_bkwd), with NumPy's broadcasting of size-1 labelled axes
    ("ijji -> i", [(5, 2, 2, 5)]), ("iii -> i", [(5, 5, 5)]), ("ijji -> j", [(5, 2, 2, 5)]),
    ("ijji -> ij", [(5, 2, 2, 5)]), ("ijji -> ji", [(5, 2, 2, 5)]), ("ijji -> ", [(5, 2, 2, 5)]),
    ("ijji,kji -> ", [(5, 2, 2, 5), (3, 2, 1)]), ("ijji,kji -> kj", [(5, 2, 2, 5), (3, 2, 1)]),
    ("ijji,kji,jj-> kj", [(5, 2, 2, 5), (3, 2, 1), (1, 1)]),
    ("ijji,kji,jj-> ijk", [(5, 2, 2, 5), (3, 2, 1), (1, 1)]),
    ("ijji,kji,jj-> jk", [(5, 2, 2, 5), (3, 2, 1), (1, 1)]),
    # test_einsum_bkwd1..6: broadcast operands
    ("i, i", [(4,), (1,)]), ("i, i", [(1,), (4,)]), ("ia, i -> a", [(1, 3), (4,)]),
    ("ia, ia, i -> a", [(3, 2), (1, 2), (1,)]), ("ia, i -> ", [(3, 2), (1,)]),
    ("iBCj, aijd -> aBCd", [(5, 3, 4, 2), (1, 5, 2, 2)]), ("ijk, -> j", [(2, 3, 2), ()]),
]


@pytest.mark.parametrize("script, shapes", EINSUM_BKWD, ids=[s for s, _ in EINSUM_BKWD])
def test_einsum_backward_matches_central_differences(script, shapes):
    rng = np.random.default_rng(len(script))
    arrays = [rng.random(s) for s in shapes]
    ts = [leaf(a) for a in arrays]
    out = tg.einsum(script, *ts)
    want = np.einsum(script, *arrays)
    assert_allclose(out.detach().numpy(), want, rtol=1e-13)
    seed = rng.random(want.shape)
    out.backward(seed)
    for t, g in zip(ts, central_diff(lambda *a: np.einsum(script, *a), arrays, seed)):
        assert t.grad.shape == t.shape
        assert_allclose(t.grad, g, atol=1e-6, rtol=1e-6)


def test_einsum_sublist_form_backward():
    rng = np.random.default_rng(3)
    a3, b3 = rng.random((3, 4, 5)), rng.random((4, 3, 2))
    ta, tb = leaf(a3), leaf(b3)
    out = tg.einsum(ta, [0, 1, 2], tb, [1, 0, 3], [2, 3])
    seed = rng.random((5, 2))
    out.backward(seed)
    ja, jb = jax.vjp(lambda u, v: jnp.einsum("ijk,jil->kl", u, v), a3, b3)[1](seed)
    assert_allclose(ta.grad, ja, rtol=1e-13)
    assert_allclose(tb.grad, jb, rtol=1e-13)


def test_einsum_redundant_args():
    """An operand passed several times gets the sum of every use's gradient."""
    A = np.arange(4.0).reshape(2, 2)
    B = -np.arange(2.0).reshape(2, 1)
    for script, uses in [("ij,ij", 2), ("ii,ii", 2), ("ij,jk", 2)]:
        a, a_copy = leaf(A), leaf(A)
        tg.einsum(script, a, a).sum().backward()
        tg.einsum(script, a_copy, a_copy * 1).sum().backward()
        assert_allclose(a.grad, a_copy.grad)
    a, b = leaf(A), leaf(B)
    a2, b2 = leaf(A), leaf(B)
    s = "ii,ii,i...,i...,...i,...i"
    tg.einsum(s, a, a, b, b, a, a).sum().backward()
    tg.einsum(s, a2, a2 * 1, b2, b2 * 1, a2, 1 * a2).sum().backward()
    ja, jb = jax.grad(lambda u, v: jnp.sum(jnp.einsum(s, u, u, v, v, u, u)), argnums=(0, 1))(A, B)
    assert_allclose(a.grad, a2.grad)
    assert_allclose(b.grad, b2.grad)
    assert_allclose(a.grad, ja)
    assert_allclose(b.grad, jb)


# --------------------------------------------------------------------------------------
# linalg/test_matmul.py and test_multi_matmul.py
# --------------------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(signature="(n?,k),(k,m?)->(n?,m?)", max_side=4),
       seed=st.integers(0, 2 ** 16))
def test_matmul_fwd_and_bkwd(shapes, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    A, B = rng.normal(size=sa), rng.normal(size=sb)
    ta, tb = leaf(A), leaf(B)
    out = tg.matmul(ta, tb)
    assert_allclose(out.detach().numpy(), np.matmul(A, B), rtol=1e-13, atol=1e-14)
    g = rng.normal(size=out.shape)
    out.backward(g)
    ja, jb = jax.vjp(jnp.matmul, A, B)[1](g)
    assert_allclose(ta.grad, ja, rtol=1e-12, atol=1e-13)
    assert_allclose(tb.grad, jb, rtol=1e-12, atol=1e-13)


def test_matmul_into_a_slice_of_a_target():
    # MyGrad writes `matmul(x1, x2, out=y[1:2])`; tensorgrad builds the new value instead
    y = leaf([0.0, 0.0, 0.0])
    x1, x2 = leaf([1.0]), leaf([2.0])
    out = y.at[1].set(x1 @ x2)
    assert_allclose(out.detach().numpy(), [0.0, 2.0, 0.0])
    out.backward(np.array([0.0, 1.0, 0.0]))
    assert_allclose(y.grad, [0.0, 0.0, 0.0])  # the entry was overwritten
    assert_allclose(x1.grad, [2.0])
    assert_allclose(x2.grad, [1.0])


@pytest.mark.parametrize("shapes", [[(4, 5), (5, 6), (6, 2), (2, 7)], [(5,), (5, 3), (3, 4)],
                                    [(3, 4), (4, 6), (6,)], [(3,), (3, 2), (2,)]])
def test_multi_dot_is_the_chained_matmul(shapes):
    rng = np.random.default_rng(2)
    arrays = [rng.integers(0, 5, size=s).astype(float) for s in shapes]
    ts, ts2 = [leaf(a) for a in arrays], [leaf(a) for a in arrays]
    out = tg.linalg.multi_dot(ts)
    ref = functools.reduce(tg.matmul, ts2)
    assert_allclose(out.detach().numpy(), np.linalg.multi_dot(arrays), rtol=1e-13)
    assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-13)
    seed = rng.normal(size=out.shape)
    out.backward(seed)
    ref.backward(seed)
    for t, t2 in zip(ts, ts2):  # (matmul's gradients are checked against JAX above)
        assert_allclose(t.grad, t2.grad, rtol=1e-12)


# --------------------------------------------------------------------------------------
# linalg/test_norm.py
# --------------------------------------------------------------------------------------

ORDS = [None, 1.0, 2.0, -1.0, 0.5, 1.25, 1.5, 2.5, -np.inf, np.inf]


def manual_norm(x, ord, axis, keepdims):
    """MyGrad's reference: the norm written with tensorgrad's elementary ops."""
    p = 2 if ord is None else ord
    if np.isinf(p):
        return (tg.max if p > 0 else tg.min)(tg.abs(x), axis=axis, keepdims=keepdims)
    return tg.sum(tg.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1 / p)


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_fwd_and_bkwd(ord):
    rng = np.random.default_rng(4)
    X = rng.uniform(0.5, 3.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    # (axis=None of a matrix is a matrix norm, except for ord=None: the Frobenius norm)
    for axis in (0, 1, -1, (0,), (1,), None) if ord is None else (0, 1, -1, (0,), (1,)):
        for keepdims in (False, True):
            want = np.linalg.norm(X, ord=ord, axis=axis, keepdims=keepdims)
            t1, t2 = leaf(X), leaf(X)
            o1 = tg.linalg.norm(t1, ord=ord, axis=axis, keepdims=keepdims)
            assert o1.shape == want.shape
            assert_allclose(o1.detach().numpy(), want, rtol=1e-13)
            o1.sum().backward()
            manual_norm(t2, ord, axis, keepdims).sum().backward()
            assert_allclose(t1.grad, t2.grad, rtol=1e-12, atol=1e-14)
            if axis == 1 and not keepdims and not (ord is not None and np.isinf(ord)):
                jg = jax.grad(lambda v: jnp.sum(jnp.linalg.norm(v, ord=ord, axis=1)))(X)
                assert_allclose(t1.grad, jg, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norms(ord):
    # MyGrad raises NotImplementedError for matrix norms; tensorgrad has every NumPy order
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2, 3, 4))
    t = leaf(X)
    out = tg.linalg.norm(t, ord=ord, axis=(1, 2))
    assert_allclose(out.detach().numpy(), np.linalg.norm(X, ord=ord, axis=(1, 2)), rtol=1e-12)
    out.sum().backward()
    jg = jax.grad(lambda v: jnp.sum(jnp.linalg.norm(v, ord=ord, axis=(1, 2))))(X)
    assert_allclose(t.grad, jg, rtol=1e-10, atol=1e-12)


def test_norm_order_zero_counts_and_has_no_gradient():
    # MyGrad raises NotImplementedError for ord=0; tensorgrad counts the nonzeros, a
    # piecewise-constant value whose gradient is 0 (like floor: recorded with a zero slope,
    # as PyTorch's, so backward() works)
    x = leaf([[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]])
    out = tg.linalg.norm(x, ord=0, axis=1)
    assert_array_equal(out.numpy(), [2.0, 1.0])
    assert out.requires_grad
    out.sum().backward()
    assert_array_equal(x.grad, np.zeros((2, 3)))


def test_norm_gradient_at_zero_entries():
    """MyGrad's ``nan_to_num`` option: its raw gradient has NaN at zero entries, its default
    replaces them by 0 (as PyTorch). tensorgrad: the orders ≥ 1 give the subgradient 0 there
    (and 0 for the zero vector); for 0 < ord < 1 the slope at a zero entry is infinite, and
    tensorgrad gives NaN there on purpose (JAX: inf, PyTorch: 0; see test_steep_points)."""
    X = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    for ord in (None, 1.0, 1.5, 2.5, 3.0):
        x = leaf(X)
        tg.linalg.norm(x, ord=ord, axis=1).sum().backward()
        assert np.isfinite(x.grad).all()
        assert_array_equal(x.grad[2], 0.0)
        assert_array_equal(x.grad[1], [1.0, 0.0, 0.0])
    x = leaf(X[:2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either
        tg.linalg.norm(x, ord=0.5, axis=1).sum().backward()
    assert np.isnan(x.grad[1, 1:]).all() and np.isfinite(x.grad[0]).all()
    for ord in (-1.0, -2.0):  # the norm is 0 with a zero entry: the subgradient 0, as PyTorch
        x = leaf(X[:2])
        tg.linalg.norm(x, ord=ord, axis=1).sum().backward()
        assert_array_equal(x.grad[1], 0.0)


# --------------------------------------------------------------------------------------
# nnet/losses: softmax cross-entropy, negative log-likelihood, margin ranking
# --------------------------------------------------------------------------------------

def _scores_and_labels(seed, n=None, c=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(1, 8))
    c = c or int(rng.integers(1, 8))
    return rng.uniform(-100, 100, (n, c)), rng.integers(0, c, n)


def test_softmax_cross_entropy_input_validation():
    ce = tg.nn.softmax_cross_entropy
    with pytest.raises(ValueError, match="integer class ids"):  # non-integer labels
        ce(np.ones((2, 1)), np.zeros(2))
    for shape in [(3,), (3, 1), (), (2, 4)]:  # bad label shapes for (2, 4) scores
        with pytest.raises(ValueError, match="do not match"):
            ce(np.arange(8.0).reshape(2, 4), np.zeros(shape if shape != (2, 4) else (3, 4), int))
    with pytest.raises(TypeError, match="booleans"):
        ce(np.arange(12.0).reshape(3, 4), np.zeros(3, bool))
    with pytest.raises(IndexError, match="out of range"):
        ce(np.ones((3, 4)), np.array([0, 1, 4]))
    # MyGrad refuses 1-D scores and labels shaped like the scores; tensorgrad reads labels
    # shaped like the logits as probability (one-hot) rows, as optax does
    assert ce(np.array([[1.0, 2.0]]), np.array([[0, 1]])) == ce(np.array([[1.0, 2.0]]), np.array([1]))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("labels_as_tensor", [False, True])
def test_softmax_cross_entropy(seed, labels_as_tensor):
    s, y = _scores_and_labels(seed)
    y = y.astype([np.int8, np.int16, np.int32, np.int64, np.uint8][seed])
    scores = leaf(s)
    loss = tg.nn.softmax_cross_entropy(scores, tg.tensor(y) if labels_as_tensor else y)
    loss.backward()
    probs_scores = leaf(s)
    truth = np.zeros(s.shape)
    truth[np.arange(len(y)), y] = 1
    manual = (-1 / s.shape[0]) * tg.sum(tg.log(tg.nn.softmax(probs_scores)) * truth)
    manual.backward()
    lse = s.max(axis=1) + np.log(np.exp(s - s.max(axis=1, keepdims=True)).sum(axis=1))
    want = np.mean(lse - s[np.arange(len(y)), y])
    assert_allclose(loss.item(), want, rtol=1e-12, atol=1e-12)
    assert_allclose(manual.item(), want, rtol=1e-12, atol=1e-12)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    jg = (p / p.sum(axis=1, keepdims=True) - truth) / len(y)  # optax's and PyTorch's gradient
    assert_allclose(scores.grad, jg, rtol=1e-12, atol=1e-15)
    assert_allclose(probs_scores.grad, jg, rtol=1e-10, atol=1e-13)


def test_nll_loss_input_validation():
    nll = tg.nn.nll_loss
    with pytest.raises(ValueError, match="target"):  # 1-D scores with N labels
        nll(np.ones(2), np.zeros(2, int))
    with pytest.raises(TypeError, match="integer"):
        nll(np.ones((2, 1)), np.zeros(2))
    for shape in [(2, 1), (3,)]:
        with pytest.raises(ValueError, match=r"must have shape \(2,\)"):
            nll(np.ones((2, 1)), np.zeros(shape, int))
    with pytest.raises(ValueError, match="weight"):
        nll(np.ones((2, 2)), np.zeros(2, int), weight=np.ones(1))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_fwd_and_bkwd(seed, weighted):
    s, y = _scores_and_labels(seed)
    w = np.random.default_rng(seed).uniform(1e-8, 100, s.shape[1]) if weighted else None
    t = leaf(s)
    loss = tg.nn.nll_loss(t, y, weight=w)
    loss.backward()

    # PyTorch's weighted mean: Σ w_y x_y / Σ w_y (MyGrad divides by N)
    ww = (np.ones(s.shape[1]) if w is None else w)[y]
    rows = np.arange(len(y))
    assert_allclose(loss.item(), -np.sum(s[rows, y] * ww) / np.sum(ww), rtol=1e-12)
    want = np.zeros_like(s)
    np.add.at(want, (rows, y), -ww / np.sum(ww))
    assert_allclose(t.grad, want, rtol=1e-12, atol=1e-15)
    # MyGrad's weighted identity, per row: with reduction='sum' the weight multiplies
    for row, label in zip(s, y):
        one = tg.nn.log_softmax(row.reshape(1, -1))
        plain = tg.nn.nll_loss(one, np.array([label]), reduction="sum")
        if w is not None:
            weighted_ = tg.nn.nll_loss(one, np.array([label]), weight=w, reduction="sum")
            assert_allclose(weighted_, w[label] * plain, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_nll_of_log_softmax_is_softmax_cross_entropy(seed):
    s, y = _scores_and_labels(seed)
    a, b = leaf(s), leaf(s)
    nll = tg.nn.nll_loss(tg.log(tg.nn.softmax(a)), y)
    ce = tg.nn.softmax_cross_entropy(b, y)
    nll.backward()
    ce.backward()
    assert_allclose(nll.item(), ce.item(), rtol=1e-10, atol=1e-12)
    assert_allclose(a.grad, b.grad, rtol=1e-8, atol=1e-12)


def test_margin_ranking_input_validation():
    mr = tg.nn.margin_ranking_loss
    ones = np.ones((3, 4))
    with pytest.raises(ValueError):  # shapes that do not broadcast
        mr(ones, np.ones((3, 5)), ones, margin=0.5)
    # MyGrad takes a scalar or shape-(N,) target for (N, D) inputs; PyTorch (and
    # tensorgrad) need inputs and target of one number of dimensions
    for y in (1.0, np.ones(3), np.ones(5)):
        with pytest.raises(ValueError, match="same number of dimensions"):
            mr(ones, ones, y, margin=0.5)
    with pytest.raises(TypeError):
        mr(ones, ones, ones, margin=None)


@pytest.mark.parametrize("seed", range(5))
def test_margin_ranking(seed):
    rng = np.random.default_rng(seed)
    shape = [(5,), (3, 4), (1,), (4, 2), (6,)][seed]
    x1, x2 = rng.uniform(-1000, 1000, shape), rng.uniform(-1000, 1000, shape)
    y = rng.choice([-1, 1], shape[:1]).astype(float)
    y = y.reshape((-1,) + (1,) * (len(shape) - 1))
    margin = float(rng.uniform(0, 1000))
    x1c, x2c, yc = x1.copy(), x2.copy(), y.copy()
    t1, t2 = leaf(x1), leaf(x2)
    loss = tg.nn.margin_ranking_loss(t1, t2, y, margin)
    loss.backward()

    hinge = margin - y * (x1 - x2)
    assert_allclose(loss.item(), np.mean(np.maximum(0.0, hinge)), rtol=1e-13)
    ga = np.broadcast_to(np.where(hinge > 0, -y, 0.0) / x1.size, shape)
    assert_allclose(t1.grad, ga, rtol=1e-13)
    assert_allclose(t2.grad, -ga, rtol=1e-13)
    for arr, copy in ((x1, x1c), (x2, x2c), (y, yc)):  # the inputs are not mutated
        assert_array_equal(arr, copy)


# --------------------------------------------------------------------------------------
# nnet/activations
# --------------------------------------------------------------------------------------

def _away_from_zero(rng, shape, lo=-10.0, hi=10.0):
    x = rng.uniform(lo, hi, shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


ACTIVATIONS = [
    ("relu", lambda x: tg.nn.relu(x), jax.nn.relu, lambda x: np.maximum(x, 0)),
    ("sigmoid", lambda x: tg.nn.sigmoid(x), jax.nn.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ("selu", lambda x: tg.nn.selu(x), jax.nn.selu,
     lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("soft_sign", lambda x: tg.nn.soft_sign(x), jax.nn.soft_sign, lambda x: x / (1 + np.abs(x))),
    ("hard_tanh", lambda x: tg.nn.hard_tanh(x), jax.nn.hard_tanh, lambda x: np.clip(x, -1, 1)),
    ("elu", lambda x: tg.nn.elu(x, 0.7), lambda x: jax.nn.elu(x, 0.7),
     lambda x: np.where(x < 0, 0.7 * np.expm1(x), x)),
    ("elu_0d_alpha", lambda x: tg.nn.elu(x, np.array(-1.5)), lambda x: jax.nn.elu(x, -1.5),
     lambda x: np.where(x < 0, -1.5 * np.expm1(x), x)),
    ("leaky_relu", lambda x: tg.nn.leaky_relu(x, 0.3), lambda x: jax.nn.leaky_relu(x, 0.3),
     lambda x: np.maximum(x, 0) + 0.3 * np.minimum(x, 0)),
    ("leaky_relu_0d_slope", lambda x: tg.nn.leaky_relu(x, np.array(-2.0)),
     lambda x: jax.nn.leaky_relu(x, -2.0), lambda x: np.maximum(x, 0) - 2.0 * np.minimum(x, 0)),
    ("glu", lambda x: tg.nn.glu(x, axis=0), lambda x: jax.nn.glu(x, axis=0),
     lambda x: x[: len(x) // 2] / (1 + np.exp(-x[len(x) // 2:]))),
    ("glu_last", lambda x: tg.nn.glu(x), jax.nn.glu,
     lambda x: x[..., :2] / (1 + np.exp(-x[..., 2:]))),
]


@pytest.mark.parametrize("name, f, jf, npf", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("shape", [(4,), (2, 4, 4)])
def test_activation_fwd_and_bkwd(name, f, jf, npf, shape):
    rng = np.random.default_rng(7)
    x = _away_from_zero(rng, shape)
    x[np.abs(np.abs(x) - 1) < 1e-3] = 0.5  # away from hard_tanh's kinks too
    t = leaf(x)
    out = f(t)
    assert_allclose(out.detach().numpy(), npf(x), rtol=1e-13, atol=1e-300)
    seed = rng.normal(size=out.shape)
    out.backward(seed)
    if name == "sigmoid":  # JAX's σ(1 − σ) loses digits of 1 − σ for x ≫ 0; σ(x)σ(−x) keeps them
        assert_allclose(t.grad, seed * scipy.special.expit(x) * scipy.special.expit(-x), rtol=1e-14)
    # (sigmoid and glu: JAX's slope of σ is the less accurate one, see above)
    rtol = 1e-10 if name.startswith(("sigmoid", "glu")) else 1e-12
    assert_allclose(t.grad, jax.vjp(jf, x)[1](seed)[0], rtol=rtol, atol=1e-300)


def test_activation_input_validation():
    with pytest.raises(ValueError, match="glu"):
        tg.nn.glu(np.ones(3), axis=0)
    for fn, kw in ((tg.nn.elu, "alpha"), (tg.nn.leaky_relu, "negative_slope")):
        with pytest.raises(TypeError):
            fn(np.array([2.0]), **{kw: None})
    # MyGrad's hard_tanh(x, lower_bound, upper_bound) is PyTorch's hardtanh(min_val,
    # max_val); tensorgrad's is jax.nn.hard_tanh, with the bounds -1 and 1
    with pytest.raises(TypeError):
        tg.nn.hard_tanh(np.array([2.0]), -0.5, 0.5)


def test_activations_at_their_kinks():
    x = np.array([-1.0, 0.0, 1.0])
    # relu: slope 0 at 0, hard_tanh: slope 1 at ±1 (jax.nn's; PyTorch's hardtanh has 0
    # there), selu: λα at 0, as JAX and PyTorch
    for f, jf in ((tg.nn.relu, jax.nn.relu), (tg.nn.hard_tanh, jax.nn.hard_tanh),
                  (tg.nn.selu, jax.nn.selu)):
        t = leaf(x)
        f(t).sum().backward()
        assert_allclose(t.grad, jax.grad(lambda v: jnp.sum(jf(v)))(x), rtol=1e-15)
    # leaky_relu: the negative slope at 0, as PyTorch (jax.nn.leaky_relu's slope there is 1)
    t = leaf(x)
    tg.nn.leaky_relu(t, 0.2).sum().backward()
    assert_array_equal(t.grad, [0.2, 0.2, 1.0])


def test_sigmoid_and_softmax_extremes_are_finite_without_warnings():
    big = np.log(np.finfo(np.float64).max)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_array_equal(tg.nn.sigmoid(np.array([-800.0, 800.0])), [0.0, 1.0])
        s = tg.nn.softmax(np.array([big, -big, big - 1]))
        ls = tg.nn.log_softmax(np.array([big, -big, big - 1]))
    assert np.isfinite(ls).all()
    assert_allclose(np.exp(ls), s, rtol=1e-14)


@FEW
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=st.floats(-np.log(np.finfo(np.float64).max),
                                       np.log(np.finfo(np.float64).max))),
       data=st.data())
def test_softmax_numerical_stability(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) | st.none(), label="axis")
    for out in (tg.nn.softmax(x, axis=axis), np.exp(tg.nn.log_softmax(x, axis=axis))):
        out = np.asarray(out)
        assert np.all((0 <= out) & (out <= 1))
        assert_allclose(out.sum(axis=axis), 1.0, rtol=1e-12)


def test_softmax_of_a_0d_value():
    # MyGrad's softmax of a 0-d tensor is 1; jax.nn.softmax's default axis -1 does not exist
    # there, and tensorgrad follows JAX (an AxisError naming the function)
    with pytest.raises(np.exceptions.AxisError, match="softmax"):
        tg.nn.softmax(np.array(3.0))
    assert tg.nn.softmax(np.array(3.0), axis=()) == 1.0
    # axis=None names all of a 0-d input's (no) axes: the entry alone, as jax.nn's
    assert tg.nn.softmax(np.array(3.0), axis=None) == 1.0 and tg.nn.log_softmax(np.array(3.0), axis=None) == 0.0
    assert tg.grad(lambda v: tg.nn.softmax(v, axis=None))(3.0) == 0.0


SKEW = np.array([[0.87566484, 0.53596079, 0.85693981, 0.09526036],
                 [0.32024455, 0.81532148, 0.2480434, 0.85119342],
                 [0.57943085, 0.33958252, 0.95864464, 0.22881712]])


@pytest.mark.parametrize("integer", [False, True])
@pytest.mark.parametrize("fn, value1, value2, grad", [
    (tg.nn.softmax, 0.33911235096116465, 1.449875865467131,
     [[0.01720112, 0.01715422, 0.12266443, -0.15701977],
      [-0.01179518, 0.01108053, -0.10425844, 0.10497309],
      [0.00502799, -0.00723393, 0.12698131, -0.12477536]]),
    (tg.nn.log_softmax, -5.596387676353177, -13.722895761739732,
     [[0.79988389, 0.3299668, 0.29699009, -1.42684078],
      [0.24859989, 0.62057111, -0.281343, -0.587828],
      [0.5119002, 0.15601518, 0.45965687, -1.12757225]]),
])
def test_static_softmax_values(fn, value1, value2, grad, integer):
    """MyGrad's values (checked against Theano); integer inputs are promoted to float64."""
    x = np.arange(12).reshape(3, 4)
    t1 = leaf(x[0].astype(float))
    f1 = tg.sum(fn(t1) * SKEW[0])
    assert_allclose(f1.item(), value1, rtol=1e-12)
    f1.backward()
    assert_allclose(t1.grad, grad[0], atol=1e-7)
    t2 = leaf(x.astype(float))
    f2 = tg.sum(fn(t2) * SKEW)
    assert_allclose(f2.item(), value2, rtol=1e-8)
    f2.backward()
    assert_allclose(t2.grad, grad, atol=1e-7)
    if integer:  # an integer tensor cannot require grad; its softmax is float64
        assert_allclose(tg.sum(fn(tg.tensor(x)) * SKEW).item(), f2.item(), rtol=1e-15)
