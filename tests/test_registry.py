"""The registry-driven table: every registered op, every example, every check.

For each case: forward vs JAX; VJP vs jax.vjp (through tg.vjp and the imperative
tape's tg.autograd.grad); JVP vs jax.jvp; Jacobians
(jacrev, jacfwd) vs jax.jacfwd; the adjoint identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩;
second order (forward-over-reverse, reverse-over-reverse, and the imperative
tape's backward(create_graph=True)) vs JAX; central
finite differences; and cotangents shaped exactly like their inputs.
No op needs a test of its own: registering it puts it in this table.
"""
import conftest
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import all_cases, case_group, complex_cases, jax_references

CASES = all_cases(seed=0)
DIFF_CASES = [c for c in CASES if c.op.kind != "none" and c.diff]
SECOND = [c for c in DIFF_CASES if c.op.second_order]


def ids(cases):
    return [c.label for c in cases]


def tg_fn(case):
    return case.fn(case.op)


def close(a, b, tol):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def rand_like(x, rng):
    return rng.normal(size=np.shape(x))


# JAX's answers for a case come from jax_references: one compiled JAX call per case,
# computed by the first of the case's tests and reused by the others (conftest.py sends
# all of a case's tests to the same worker).

@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_forward_matches_jax(case):
    out = tg_fn(case)(*case.diff_args)
    ref = jax_references(case)["value"]
    assert isinstance(out, np.ndarray) or np.isscalar(out)
    close(out, ref, case.op.tol)
    assert np.asarray(out).dtype == np.asarray(ref).dtype or case.op.kind == "none"


@pytest.mark.parametrize("case", DIFF_CASES, ids=ids(DIFF_CASES))
def test_vjp_matches_jax(case):
    refs = jax_references(case)
    xs = case.diff_args
    out, f_vjp = tg.vjp(tg_fn(case), *xs)
    got = f_vjp(refs.probes.u)
    want = refs["vjp"]
    assert len(got) == len(want) == len(xs)
    for g, w, x in zip(got, want, xs):
        assert np.shape(g) == np.shape(x), "cotangent must have its input's shape"
        close(g, w, case.op.tol)
    # the imperative tape's sweep, PyTorch's way: tg.autograd.grad from the same cotangent
    ts = [tg.tensor(x, requires_grad=True) for x in xs]
    out = tg_fn(case)(*ts)
    if not isinstance(out, tg.Tensor):  # nothing recorded: only right for a zero derivative
        assert all(np.allclose(w, 0) for w in want)
        return
    got = tg.autograd.grad(out, ts, refs.probes.u, materialize_grads=True)
    for g, w, x in zip(got, want, xs):
        assert np.shape(g) == np.shape(x) and np.asarray(g).dtype == np.asarray(x).dtype
        close(g, w, case.op.tol)


@pytest.mark.parametrize("case", DIFF_CASES, ids=ids(DIFF_CASES))
def test_jvp_matches_jax(case):
    refs = jax_references(case)
    out, t = tg.jvp(tg_fn(case), case.diff_args, list(refs.probes.v))
    ref_out, ref_t = refs["jvp"]
    close(out, ref_out, case.op.tol)
    close(t, ref_t, case.op.tol)


@pytest.mark.parametrize("case", DIFF_CASES, ids=ids(DIFF_CASES))
def test_jacobians_match_jax(case):
    xs = case.diff_args
    argnums = tuple(range(len(xs)))
    ref = jax_references(case)["jacobian"]
    rev = tg.jacrev(tg_fn(case), argnums=argnums)(*xs)
    fwd = tg.jacfwd(tg_fn(case), argnums=argnums)(*xs)
    chunked = tg.jacrev(tg_fn(case), argnums=argnums, chunk_size=2)(*xs)
    assert len(rev) == len(fwd) == len(chunked) == len(ref) == len(xs)
    for r, f, c, w in zip(rev, fwd, chunked, ref):
        close(r, f, 1e-12)  # reverse and forward mode: the same rules read two ways
        close(r, w, case.op.tol)
        close(f, w, case.op.tol)
        close(c, w, case.op.tol)


@pytest.mark.parametrize("case", DIFF_CASES, ids=ids(DIFF_CASES))
def test_adjoint_identity(case):
    rng = np.random.default_rng(3)
    xs = case.diff_args
    vs = [rand_like(x, rng) for x in xs]
    out, jv = tg.jvp(tg_fn(case), xs, vs)
    u = rand_like(out, rng)
    jtu = tg.vjp(tg_fn(case), *xs)[1](u)
    lhs = np.vdot(u, jv)
    rhs = sum(np.vdot(a, b) for a, b in zip(jtu, vs))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("case", DIFF_CASES, ids=ids(DIFF_CASES))
def test_finite_differences(case):
    rng = np.random.default_rng(4)
    xs = case.diff_args
    vs = [rand_like(x, rng) for x in xs]
    f = tg_fn(case)
    out, jv = tg.jvp(f, xs, vs)
    u = rand_like(out, rng)
    h = 1e-6
    plus = f(*[x + h * v for x, v in zip(xs, vs)])
    minus = f(*[x - h * v for x, v in zip(xs, vs)])
    fd = (np.vdot(u, plus) - np.vdot(u, minus)) / (2 * h)
    np.testing.assert_allclose(fd, np.vdot(u, jv), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", SECOND, ids=ids(SECOND))
def test_second_order_matches_jax(case):
    refs = jax_references(case)
    xs = case.diff_args
    w, vs = refs.probes.w, refs.probes.v2
    argnums = tuple(range(len(xs)))
    f = tg_fn(case)

    def s_tg(*ys):
        return tg.sum(w * f(*ys))
    # forward over reverse: H v
    got = tg.hvp(s_tg, xs, list(vs))
    got = got if isinstance(got, tuple) else (got,)
    want = refs["hvp"]
    assert len(got) == len(want) == len(xs)
    for g, wv in zip(got, want):
        close(g, wv, 1e-9)

    # reverse over reverse: ∇_x ⟨∇s(x), v⟩
    def inner_tg(*ys):
        gs = tg.grad(s_tg, argnums=argnums)(*ys)
        return sum(tg.sum(g * v) for g, v in zip(gs, vs))
    got2 = tg.grad(inner_tg, argnums=argnums)(*xs)
    want2 = refs["hvp"]  # the same vector: ∇⟨∇s, v⟩ = H v for a symmetric Hessian
    assert len(got2) == len(want2) == len(xs)
    for g, wv in zip(got2, want2):
        close(g, wv, 1e-9)

    # the same on the imperative tape, PyTorch's way: backward with create_graph=True records
    # the sweep, whose rules must then record their dependence on the saved values
    ts = [tg.tensor(x, requires_grad=True) for x in xs]
    gs = tg.autograd.grad(tg.sum(w * f(*ts)), ts, create_graph=True, materialize_grads=True)
    terms = [tg.sum(g * v) for g, v in zip(gs, vs) if isinstance(g, tg.Tensor)]
    got3 = tg.autograd.grad(sum(terms[1:], terms[0]), ts, materialize_grads=True) if terms \
        else [np.zeros(np.shape(x)) for x in xs]  # (a linear op: a constant gradient)
    for g, wv in zip(got3, want2):
        close(g, wv, 1e-9)


NONE_CASES = [c for c in CASES if c.op.kind == "none" and c.diff]


@pytest.mark.parametrize("case", NONE_CASES, ids=ids(NONE_CASES))
def test_non_differentiable_ops_carry_no_gradient(case):
    xs = case.diff_args
    f = tg_fn(case)
    g = tg.vjp(lambda *a: tg.astype(f(*a), np.float64) * 1.0, *xs)[1](
        np.ones(np.shape(f(*xs))))
    for gi, x in zip(g, xs):
        assert np.shape(gi) == np.shape(x)
        assert not np.any(gi)


def test_every_op_has_cases():
    # (ops whose outputs are complex for real inputs are in the complex table only)
    names = {c.op.name for c in CASES} | {c.op.name for c in complex_cases(seed=0)}
    assert names == set(tg.REGISTRY)


def test_every_case_id_names_its_case():
    # conftest.py keeps a case's tests on one worker by reading the case from the test id
    groups = {case_group(f"tests/test_registry.py::test_vjp_matches_jax[{c.label}]") for c in CASES}
    assert len(groups) == len(CASES) and None not in groups
    assert case_group("tests/test_faults.py::test_c17_reductions_axes_and_keepdims[sum-None-False]") is None
    # conftest's copy (its scheduler runs where tensorgrad is not imported) reads them alike
    ids = [f"tests/test_registry.py::test_vjp_matches_jax[{c.label}]" for c in CASES]
    ids.append("tests/test_faults.py::test_c17_reductions_axes_and_keepdims[sum-None-False]")
    assert [conftest.case_group(i) for i in ids] == [case_group(i) for i in ids]
