"""Structured Jacobians, tape chaining, cost accounting, explain, and the benchmark smoke test.

For every registered op (every example) the structured Jacobian's dense form
equals jax.jacfwd (which test_registry compares with tg.jacrev and tg.jacfwd); random compositions of ops agree
in every chaining order; composition and transpose laws hold; flop counts
are exact for the known cases.
"""
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import bench
from tensorgrad import jacobians as J
from tensorgrad.chain import chain_jacobians, optimal_bracketing, structured_jacobian
from tensorgrad.testing import all_cases, jax_references

CASES = [c for c in all_cases(seed=0) if c.op.kind != "none" and c.diff]
TOL = 1e-9


def _close(a, b, tol=TOL):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _check_map(Jm, ref, rng):
    """matvec, vecmat, transpose and batches agree with the dense reference."""
    M = np.asarray(ref).reshape(Jm.out_size, Jm.in_size)
    t = rng.normal(size=(3,) + Jm.in_shape)
    g = rng.normal(size=(2,) + Jm.out_shape)
    _close(np.reshape(Jm.matvec(t), (3, -1)), t.reshape(3, -1) @ M.T)
    _close(np.reshape(Jm.vecmat(g), (2, -1)), g.reshape(2, -1) @ M)
    _close(np.reshape(Jm.matvec(t[0]), (-1,)), M @ t[0].ravel())  # no batch axis
    _close(Jm.T.todense().reshape(Jm.in_size, Jm.out_size), M.T)
    assert Jm.T.shape == (Jm.in_shape, Jm.out_shape)


# --------------------------------------------------------------------------
# every registered op
# --------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_every_op_structured_equals_materialized(case):
    f = case.fn(case.op)
    xs = case.diff_args
    rng = np.random.default_rng(3)
    # jax.jacfwd's Jacobian, computed once per case for every table that checks the case
    ref_jax = jax_references(case)["jacobian"]
    assert len(ref_jax) == len(xs)
    for k in range(len(xs)):
        Jm = tg.jacobian(f, argnums=k, structured=True)(*xs)
        assert isinstance(Jm, J.Jacobian)
        assert Jm.shape == (np.shape(f(*xs)), np.shape(xs[k]))
        dense = Jm.todense()
        # (test_registry checks tg.jacrev and tg.jacfwd against the same JAX Jacobian)
        _close(dense, ref_jax[k], case.op.tol * 10)
        _check_map(Jm, dense, rng)


def test_every_op_kind_keeps_its_structure():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    sj = lambda f: tg.jacobian(f, structured=True)(x)  # noqa: E731
    assert isinstance(sj(tg.tanh), J.Diagonal)
    assert isinstance(sj(lambda v: tg.reshape(v, (12,))), J.Reshape)
    assert isinstance(sj(lambda v: tg.transpose(v)), J.Permute)
    assert isinstance(sj(lambda v: tg.broadcast_to(v, (2, 3, 4))), J.Broadcast)
    assert isinstance(sj(lambda v: tg.sum(v, axis=0, keepdims=True)), J.SumTo)
    assert isinstance(sj(lambda v: np.ones((5, 3)) @ v), J.MatmulLeft)
    assert isinstance(sj(lambda v: v @ np.ones((4, 2))), J.MatmulRight)
    assert isinstance(sj(lambda v: tg.sign(v)), J.Zero)
    assert isinstance(sj(lambda v: v), J.Identity)
    assert isinstance(sj(lambda v: tg.softmax(v)), J.SoftmaxJacobian)
    assert isinstance(sj(lambda v: tg.log_softmax(v, axis=0)), J.SoftmaxJacobian)
    assert isinstance(sj(lambda v: tg.var(v, axis=1)), J.Dense)
    assert isinstance(sj(lambda v: tg.cumsum(v, axis=0)), J.RunningSum)
    assert isinstance(sj(lambda v: tg.sort(v, axis=1)), J.IndexPermutation)
    assert isinstance(sj(lambda v: tg.arcsinh(v) % 1.5), J.Diagonal)
    assert isinstance(sj(lambda v: tg.flip(v, 0)), J.IndexPermutation)
    assert isinstance(sj(lambda v: tg.roll(v, 5)), J.IndexPermutation)
    assert isinstance(sj(lambda v: tg.pad(v, 1, mode="reflect")), J.Gather)
    assert isinstance(sj(lambda v: tg.tril(v)), J.Diagonal)
    # an elementwise op on a broadcast input: diagonal after a broadcast
    b = tg.jacobian(lambda v: v * np.ones((2, 3, 4)), structured=True)(x)
    assert isinstance(b, J.Product) and [type(f) for f in b.factors] == [J.Diagonal, J.Broadcast]


# --------------------------------------------------------------------------
# random compositions
# --------------------------------------------------------------------------

def _random_program(rng, n):
    """A random function of x (shape (n,)) mixing elementwise, shape, reduction and dense ops."""
    W = rng.normal(size=(n, n)) / np.sqrt(n)
    c = rng.normal(size=(n,))
    steps = [
        lambda v: tg.tanh(v), lambda v: tg.sin(v) * v, lambda v: tg.exp(0.3 * v) + c,
        lambda v: W @ v, lambda v: tg.softmax(v), lambda v: tg.reshape(tg.reshape(v, (2, n // 2)).T, (n,)),
        lambda v: tg.concatenate([v[: n // 2] * 2.0, v[n // 2:]]), lambda v: v[::-1] - v,
        lambda v: tg.sigmoid(v) * tg.cos(v), lambda v: tg.mean(tg.broadcast_to(v, (3, n)), axis=0),
        lambda v: tg.log_softmax(v), lambda v: tg.maximum(v, c),
    ]
    picks = rng.integers(0, len(steps), size=int(rng.integers(2, 6)))

    def f(x):
        v = x
        for p in picks:
            v = steps[p](v)
        return v
    return f


@pytest.mark.parametrize("seed", range(12))
def test_random_compositions(seed):
    rng = np.random.default_rng(seed)
    n = 6
    f = _random_program(rng, n)
    x = rng.normal(size=n)
    ref = tg.jacrev(f)(x)
    _close(tg.jacfwd(f)(x), ref)
    for order in ("forward", "reverse", "optimal"):
        for structured in (True, False):
            r = chain_jacobians(f, x, order=order, structured=structured)
            _close(r.todense(), ref)
    Jm = tg.jacobian(f, structured=True)(x)
    _check_map(Jm, ref, rng)


def test_fan_out_and_fan_in():
    x = np.array([0.5, -1.0, 2.0])
    f = lambda v: v * v + tg.sin(v)  # noqa: E731  three paths from x
    Jm = tg.jacobian(f, structured=True)(x)
    assert isinstance(Jm, J.Diagonal)
    _close(Jm.d, 2 * x + np.cos(x))


def test_elementwise_chain_of_a_million_is_diagonal_in_linear_memory():
    n = 1_000_000
    x = np.linspace(-1, 1, n)

    def f(v):
        for op in (tg.sin, tg.tanh, tg.exp, tg.cos, tg.sigmoid, tg.sin, tg.tanh, tg.arctan, tg.sinh, tg.tanh):
            v = op(v)
        return v
    Jm = tg.jacobian(f, structured=True)(x)
    assert isinstance(Jm, J.Diagonal) and Jm.nbytes == 8 * n
    _, vjp_fn = tg.vjp(f, x)
    _close(Jm.vecmat(np.ones(n)), vjp_fn(np.ones(n))[0])


# --------------------------------------------------------------------------
# laws
# --------------------------------------------------------------------------

def _maps(rng):
    n = 4
    d = rng.normal(size=n)
    M = rng.normal(size=(n, n))
    return {
        "identity": J.Identity((n,)), "diagonal": J.Diagonal(d), "dense": J.Dense(M),
        "reshape": J.compose(J.Reshape((n,), (2, 2)), J.Reshape((2, 2), (n,))),
        "permute": J.compose(J.Reshape((n,), (2, 2)), J.compose(J.Permute((2, 2), (1, 0)),
                                                                J.Reshape((2, 2), (n,)))),
        "sum-broadcast": J.compose(J.Broadcast((1,), (n,)), J.SumTo((n,), (1,))),
        "zero": J.Zero((n,), (n,)),
    }


def test_composition_and_transpose_laws():
    rng = np.random.default_rng(0)
    maps = _maps(rng)
    names = list(maps)
    for a in names:
        for b in names:
            A, B = maps[a], maps[b]
            AB = A @ B
            _close(AB.matrix(), A.matrix() @ B.matrix())
            _close((A @ B).T.matrix(), (B.T @ A.T).matrix())
            _close((A + B).matrix(), A.matrix() + B.matrix())
            for c in ("diagonal", "dense", "permute"):
                C = maps[c]
                _close(((A @ B) @ C).matrix(), (A @ (B @ C)).matrix())
        _close(maps[a].T.T.matrix(), maps[a].matrix())


def test_closed_forms_keep_their_kind():
    rng = np.random.default_rng(1)
    d1, d2 = rng.normal(size=(2, 5))
    assert isinstance(J.Diagonal(d1) @ J.Diagonal(d2), J.Diagonal)
    assert isinstance(J.Diagonal(d1) @ J.Identity((5,)), J.Diagonal)
    assert isinstance(J.Dense(rng.normal(size=(3, 5))) @ J.Diagonal(d1), J.Dense)
    A1, A2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    K = J.MatmulLeft(A1, 6) @ J.MatmulLeft(A2, 6)
    assert isinstance(K, J.MatmulLeft)
    _close(K.matrix(), J.MatmulLeft(A1, 6).matrix() @ J.MatmulLeft(A2, 6).matrix())
    B1, B2 = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
    R = J.MatmulRight(B1, 5) @ J.MatmulRight(B2, 5)
    assert isinstance(R, J.MatmulRight)
    _close(R.matrix(), J.MatmulRight(B1, 5).matrix() @ J.MatmulRight(B2, 5).matrix())
    P = J.Permute((2, 3, 4), (2, 0, 1))
    assert isinstance(P @ P.T, J.Identity)
    assert isinstance(J.Reshape((6,), (2, 3)) @ J.Reshape((2, 3), (6,)), J.Identity)
    with pytest.raises(ValueError, match="cannot compose"):
        J.Diagonal(d1) @ J.Diagonal(np.ones(4))


def test_todense_uses_jax_layout():
    x = np.arange(6.0).reshape(2, 3)
    W = np.arange(12.0).reshape(4, 3) / 10
    f = lambda v: v @ W.T  # noqa: E731  (2,3) -> (2,4)
    Jm = tg.jacobian(f, structured=True)(x)
    assert Jm.todense().shape == (2, 4, 2, 3)
    _close(Jm.todense(), jax.jit(jax.jacfwd(lambda v: v @ jnp.asarray(W).T))(jnp.asarray(x)))


# --------------------------------------------------------------------------
# cost accounting
# --------------------------------------------------------------------------

def test_cost_counts_exact_for_known_cases():
    n = 7
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2, n, n))
    with J.count_flops() as c:
        J.Dense(A) @ J.Dense(B)
    assert c[0] == 2 * n ** 3  # an n×n by n×n product
    N = 1000
    with J.count_flops() as c:
        J.Diagonal(np.ones(N)) @ J.Diagonal(np.ones(N))
    assert c[0] == N
    assert J.Diagonal(np.ones(N)).matvec_flops == N  # a diagonal application

    W1, W2 = rng.normal(size=(2, n, n))
    rep = tg.cost(lambda x: W2 @ (W1 @ x), np.ones(n))
    assert rep.flops("vjp (one sweep)") == 2 * (2 * n * n)
    assert rep.flops("jvp (one sweep)") == 2 * (2 * n * n)
    assert rep.flops("jacrev") == n * 4 * n * n
    assert rep.flops("jacfwd") == n * 4 * n * n
    assert rep.flops("dense chain forward") == 2 * n ** 3
    assert rep.flops("dense chain reverse") == 2 * n ** 3
    assert rep.flops("structured forward") == 2 * n ** 3

    rep = tg.cost(lambda x: tg.sin(tg.tanh(x)), np.ones(N))
    assert rep.flops("vjp (one sweep)") == 2 * N
    assert rep.flops("jacrev") == N * 2 * N
    assert rep.flops("dense chain forward") == 2 * N ** 3
    assert rep.flops("structured forward") == N  # Diagonal ∘ Diagonal
    assert rep["structured forward"]["bytes"] == 3 * 8 * N
    assert rep.best.startswith("structured")
    assert "structured" in rep.recommendation

    rep = tg.cost(lambda x: tg.sum(tg.tanh(x)), np.ones(N))
    assert "scalar" in rep.recommendation and "VJP" in rep.recommendation
    assert "recommendation" in str(rep)


def test_optimal_order_is_never_worse():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(40, 2))
    B = rng.normal(size=(40, 40))
    C = rng.normal(size=(1, 40))
    f = lambda x: C @ tg.tanh(B @ tg.tanh(A @ x))  # noqa: E731  2 → 40 → 40 → 1
    x = rng.normal(size=2)
    res = {o: chain_jacobians(f, x, order=o, structured=False) for o in ("forward", "reverse", "optimal")}
    assert res["optimal"].flops <= min(res["forward"].flops, res["reverse"].flops)
    for r in res.values():
        _close(r.todense(), tg.jacrev(f)(x))
    # the textbook three-matrix example: (10×30)(30×5)(5×60)
    flops, split = optimal_bracketing([60, 5, 30, 10], ["dense"] * 3)
    assert flops == 2 * 4500 and split[1][3] == 1  # (J3 J2) J1


# --------------------------------------------------------------------------
# explain
# --------------------------------------------------------------------------

def test_explain_lists_every_node_with_symbols():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 4))
    y = np.array([0.0, 1.0, 0.0])

    def f(x):
        h = tg.tanh(W @ x)
        return tg.softmax_cross_entropy(tg.softmax(h), y)
    ex = tg.explain(f, rng.normal(size=4))
    text = str(ex)
    assert len(ex.rows) == 4
    assert [r["op"] for r in ex.rows] == ["matmul", "tanh", "softmax", "softmax_cross_entropy"]
    assert "diag(1 − tanh²x)   [x is v1]" in text and "diag(p) − p pᵀ" in text and "(p − y)" in text
    assert "A ⊗ I" in text and "diagonal" in text
    dense = str(tg.explain(lambda x: tg.tanh(x), np.zeros(2), dense=True))
    assert "[[1. 0.]" in dense


# --------------------------------------------------------------------------
# API and the benchmark smoke test
# --------------------------------------------------------------------------

def test_jacobian_default_is_jacrev_and_structured_variants():
    x = np.array([0.1, 0.2, 0.3])
    f = lambda a, b: tg.tanh(a) * b  # noqa: E731
    _close(tg.jacobian(f)(x, x), tg.jacrev(f)(x, x))
    Ja, Jb = tg.jacobian(f, argnums=(0, 1), structured=True)(x, x)
    _close(Ja.todense(), tg.jacrev(f, argnums=0)(x, x))
    _close(Jb.todense(), tg.jacrev(f, argnums=1)(x, x))
    Jm, aux = structured_jacobian(lambda v: (tg.exp(v), "aux"), has_aux=True)(x)
    assert aux == "aux" and isinstance(Jm, J.Diagonal)
    Z = tg.jacobian(lambda v: np.ones(2), structured=True)(x)
    assert isinstance(Z, J.Zero) and Z.todense().shape == (2, 3)


def test_benchmark_quick_smoke(tmp_path):
    res = bench.run(sizes=(8, 16), quick=True, out=str(tmp_path), peers=False,
                    elementwise_n=2000, verbose=False)
    data = json.loads((tmp_path / "vjp_vs_jacobian.json").read_text())
    assert (tmp_path / "vjp_vs_jacobian.png").stat().st_size > 0
    assert set(data["methods"]) >= {"numpy vjp", "numpy dense chain", "tg vjp", "tg jacrev",
                                    "tg jacrev (jit)", "tg jacfwd", "tg structured"}
    for errs in res["max_abs_error"].values():
        assert max(errs.values()) < 1e-10
    assert data["elementwise"]["kind"] == "Diagonal"
    assert "fitted log-log slopes" in res["table"]
    assert bench.main(["--quick", "--sizes", "8", "--out", str(tmp_path / "cli"), "--no-peers",
                       "--elementwise-n", "500"]) == 0


def test_structured_maps_meet_arrays_with_matmul_and_softmax_maps_take_any_axis():
    x = np.array([0.5, -1.0, 2.0])
    J = tg.jacobian(lambda v: tg.sin(v), structured=True)(x)
    np.testing.assert_allclose(J @ np.ones(3), np.cos(x))
    np.testing.assert_allclose(np.ones(3) @ J, np.cos(x))
    p = tg.nn.softmax(np.random.default_rng(0).normal(size=(3, 4)), axis=0)
    for axis in (0, -2):
        dense = tg.jacobians.SoftmaxJacobian(p, axis).todense()
        want = tg.jacrev(lambda z: tg.nn.softmax(z, axis=0))(np.log(p))
        np.testing.assert_allclose(dense, want.reshape(dense.shape), atol=1e-12)
    for bad in (lambda v: "hello", lambda v: object()):
        with pytest.raises(TypeError):
            tg.jacobian(bad, structured=True)(x)
        with pytest.raises(TypeError):
            tg.jacrev(bad)(x)


def test_jacobian_takes_jaxs_holomorphic_and_allow_int():
    z = np.array([1 + 2j, 0.5 - 1j])
    np.testing.assert_allclose(tg.jacobian(lambda z: z ** 2, holomorphic=True)(z), np.diag(2 * z))
    jx, jn = tg.jacobian(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(np.ones(2), np.array(3))
    np.testing.assert_array_equal(jx, 3 * np.eye(2))
    assert jn.shape == (2,) and not np.any(jn)
    with pytest.raises(ValueError, match="jacobian: holomorphic and allow_int"):
        tg.jacobian(lambda z: z, structured=True, holomorphic=True)


def test_todense_has_jacrevs_dtype():
    x32 = np.array([1.0, 2.0], np.float32)
    for f in (lambda x: tg.sin(x) * 2, lambda x: x, lambda x: np.ones(2, np.float32),
              lambda x: tg.tanh(x) @ np.ones((2, 3), np.float32)):
        dense = tg.structured_jacobian(f)(x32).todense()
        want = tg.jacrev(f)(x32)
        assert dense.dtype == want.dtype == np.float32
        np.testing.assert_allclose(dense, want, rtol=1e-6)
    p = {"a": x32, "b": np.ones(2)}
    got = tg.structured_jacobian(lambda q: q["a"] * q["b"])(p).todense()
    assert got["a"].dtype == np.float32 and got["b"].dtype == np.float64


def test_structured_tools_take_custom_vjp_functions_float32_and_block_algebra():
    # custom_vjp: the structured tools went through its (undefined) forward mode and raised
    # "forward-mode differentiation (jvp, jacfwd, linearize) is not defined"; its VJP rule
    # builds the local Jacobian
    tnp = tg.numpy

    @tg.custom_vjp
    def s(x):
        return tnp.sin(x)
    s.defvjp(lambda x: (tnp.sin(x), x), lambda x, g: (g * tnp.cos(x),))
    x = np.array([0.5, 1.0])
    want = np.diag(np.cos(x))
    np.testing.assert_allclose(tg.jacobian(s, structured=True)(x).todense(), want, rtol=1e-15)
    np.testing.assert_allclose(tg.chain_jacobians(s, x, order="reverse").todense(), want, rtol=1e-15)
    np.testing.assert_allclose(tg.jacobian(s, method="elimination")(x), want, rtol=1e-15)
    # float32 stays float32 (the diagonals were float64)
    x32 = x.astype(np.float32)
    J = tg.jacobian(lambda v: tnp.sin(v) * 2, structured=True)(x32)
    assert J.d.dtype == J.todense().dtype == J.matvec(np.ones(2, np.float32)).dtype == np.float32
    assert tg.chain_jacobians(lambda v: tnp.tanh(v) * 3, x32).todense().dtype == np.float32
    # BlockJacobian: shape, T, +, −, scalar multiples, as every structured Jacobian
    p = {"a": np.arange(6.0).reshape(2, 3) / 5, "b": np.ones(3)}
    B = tg.jacobian(lambda q: tnp.tanh(q["a"] @ q["b"]), structured=True)(p)
    dense = jax.jacfwd(lambda q: jnp.tanh(q["a"] @ q["b"]))(p)
    assert B.shape == ((2,), {"a": (2, 3), "b": (3,)}) and B.T.shape == ({"a": (2, 3), "b": (3,)}, (2,))
    np.testing.assert_allclose(B.T.todense()["a"], np.moveaxis(np.asarray(dense["a"]), 0, -1), rtol=1e-13)
    g = np.array([1.0, -2.0])
    np.testing.assert_allclose(B.T.matvec(g)["b"], g @ np.asarray(dense["b"]), rtol=1e-13)
    np.testing.assert_allclose((B + 2 * B - B).todense()["b"], 2 * np.asarray(dense["b"]), rtol=1e-13)
    np.testing.assert_allclose((-B).todense()["a"], -np.asarray(dense["a"]), rtol=1e-13)
    M = tg.jacobian(lambda v: tnp.sin(v) * v, structured=True)(x)
    np.testing.assert_allclose((3 * M - M).todense(), 2 * M.todense(), rtol=1e-15)
    # a batched matvec of an empty map (a bare NumPy reshape error before)
    assert tg.jacobians.Dense(np.zeros((0,)), (), (0,)).matvec(np.zeros((2, 0))).shape == (2,)


@pytest.mark.parametrize("f", [
    lambda x: tg.tile(x * x, 2),
    lambda x: tg.tile(tg.reshape(tg.sin(x), (3, 1)), (2, 2)),
    lambda x: tg.pad(tg.reshape(x * x, (1, 3)), ((1, 0), (2, 1)), constant_values=1.5),
    lambda x: tg.pad(tg.exp(x), 2, mode="reflect"),
    lambda x: tg.pad(tg.exp(x), 2, mode="reflect", reflect_type="odd"),
], ids=["tile", "tile2d", "pad", "pad_reflect", "pad_odd"])
def test_reverse_over_forward_through_linear_ops_with_batched_tangents(f):
    # jacrev(jacfwd(f)) transposes the linear op on jacfwd's batch of tangents, whose leading
    # axis the op's transpose rule must keep; fwd-over-rev reaches the same Hessian another way
    x = np.array([0.1, 0.2, 0.3])
    _close(tg.jacrev(tg.jacfwd(f))(x), tg.jacfwd(tg.jacrev(f))(x), 1e-12)


def test_explain_names_the_operands_of_each_line():
    # the op's own names (x, y) would read as the input x: a bracket names the operands
    c = np.array([10.0, 20.0])
    assert "J = diag(x)   [x is c]" in str(tg.explain(lambda v: c * v, np.array([1.0, 2.0])))
    assert "J = diag(−x/y²)   [x is c, y is x]" in str(tg.explain(lambda v: tg.divide(c, v),
                                                                   np.array([1.0, 2.0])))
    text = str(tg.explain(lambda v: tg.sin(v) * v, np.array([1.0, 2.0])))
    assert "J = diag(y); diag(x)   [x is v1, y is x]" in text and "J = diag(cos x)\n" in text


def test_a_block_jacobian_applies_to_a_tangent_pytree_every_way():
    p = {"a": np.ones((2, 3)), "b": np.arange(3.0)}
    J = tg.jacobian(lambda q: tg.tanh(q["a"] @ q["b"]), structured=True)(p)
    want = tg.jvp(lambda q: tg.tanh(q["a"] @ q["b"]), (p,), (p,))[1]
    for got in (J.matvec(p), J.apply(p), J @ p):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    with pytest.raises(TypeError):
        J @ tg.jacobian(tg.sin, structured=True)(np.ones(2))  # no composition before it
