"""Vertex elimination on the linearized graph (tensorgrad.elimination).

Every order must give the same Jacobian as jacrev, jacfwd and JAX; the flop
counts are checked by hand on small graphs, the cost model's predictions
against the maps' own counts, and the optimal order against every
permutation on small random graphs.
"""
from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorgrad as tg
from tensorgrad import elimination as el
from tensorgrad import jacobians as jac

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------
# random programs: every kind of structured edge
# --------------------------------------------------------------------------

OPS = ("tanh", "sin", "add", "mul", "lmat", "rmat", "T", "sum0", "softmax", "bcast", "reshape",
       "scale", "getitem")


def _program(seed: int, n_ops: int):
    """A random straight-line program on small matrices, runnable with tensorgrad or JAX."""
    rng = np.random.default_rng(seed)
    spec, shapes = [], [(2, 3)]
    for _ in range(n_ops):
        a = int(rng.integers(len(shapes)))
        sa = shapes[a]
        kind = OPS[int(rng.integers(len(OPS)))]
        if kind in ("softmax", "sum0", "T", "getitem") and len(sa) == 0:
            kind = "tanh"
        if kind in ("lmat", "rmat") and len(sa) != 2:
            kind = "sin"
        if kind == "bcast" and len(sa) != 1:
            kind = "scale"
        if kind == "getitem" and sa[0] < 2:
            kind = "tanh"
        if kind in ("add", "mul"):
            b = int(rng.choice([b for b in range(len(shapes)) if shapes[b] == sa]))
            spec.append((kind, a, b))
            shapes.append(sa)
        elif kind == "lmat":
            W = rng.normal(size=(int(rng.integers(1, 4)), sa[0]))
            spec.append((kind, a, W))
            shapes.append((W.shape[0], sa[1]))
        elif kind == "rmat":
            W = rng.normal(size=(sa[1], int(rng.integers(1, 4))))
            spec.append((kind, a, W))
            shapes.append((sa[0], W.shape[1]))
        elif kind == "bcast":
            c = rng.normal(size=(2,) + sa)
            spec.append((kind, a, c))
            shapes.append(c.shape)
        elif kind == "scale":
            spec.append((kind, a, float(rng.normal())))
            shapes.append(sa)
        else:
            spec.append((kind, a, None))
            if kind == "T":
                sa = sa[::-1]
            elif kind == "sum0":
                sa = sa[1:]
            elif kind == "reshape":
                sa = (int(np.prod(sa)),)
            elif kind == "getitem":
                sa = (sa[0] - 1,) + tuple(sa[1:])
            shapes.append(sa)
    outs = sorted({len(shapes) - 1, int(rng.integers(1, len(shapes)))})
    x = rng.normal(size=(2, 3))

    def f(v, np_=tg):
        vals = [v]
        for kind, a, b in spec:
            v = vals[a]
            if kind == "tanh":
                v = np_.tanh(v)
            elif kind == "sin":
                v = np_.sin(v)
            elif kind == "add":
                v = v + vals[b]
            elif kind == "mul":
                v = v * vals[b]
            elif kind == "lmat":
                v = b @ v
            elif kind == "rmat":
                v = v @ b
            elif kind == "T":
                v = np_.transpose(v)
            elif kind == "sum0":
                v = np_.sum(v, axis=0)
            elif kind == "softmax":
                v = tg.softmax(v, axis=-1) if np_ is tg else jax.nn.softmax(v, axis=-1)
            elif kind in ("bcast", "scale"):
                v = b * v
            elif kind == "reshape":
                v = np_.reshape(v, (-1,))
            else:
                v = v[1:]
            vals.append(v)
        return tuple(vals[o] for o in outs)
    return f, x


def _close(a, b) -> bool:
    return np.allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-10)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n_ops=st.integers(2, 7))
def test_every_order_gives_the_same_jacobian(seed, n_ops):
    f, x = _program(seed, n_ops)
    ref = jax.jit(jax.jacfwd(lambda v: f(v, jnp)))(x)
    rev, fwd = tg.jacrev(f)(x), tg.jacfwd(f)(x)
    g = tg.linearized_graph(f, x)
    shuffled = list(np.random.default_rng(seed).permutation(g.intermediates))
    for order in ("forward", "reverse", "markowitz", "optimal", shuffled):
        res = tg.eliminate(f, x, order=order)
        # the cost model predicts exactly what the maps counted
        assert res.flops == res.predicted_flops
        dense = res.todense()
        for D, R, A, B in zip(dense, ref, rev, fwd):
            assert D.shape == np.shape(R)
            assert _close(D, R) and _close(D, A) and _close(D, B)
    # the optimal order is no dearer than any permutation
    if len(g.intermediates) <= 5:
        opt = tg.eliminate(f, x, order="optimal").flops
        every = min(tg.eliminate(f, x, order=list(p)).flops
                    for p in itertools.permutations(g.intermediates))
        assert opt == every


def test_optimal_order_when_a_copy_feeds_a_sum():
    # v4 = v1 + v3, v3 = transpose(transpose(v1)): eliminating the identity edge v3 -> v4 first
    # (it adds into no edge at that moment) makes the later sum at v4 come before a composition
    # instead of after it: 12 flops where the best order costs 6. The search must find the 6.
    f, x = _program(572792, 7)
    g = tg.linearized_graph(f, x)
    every = {p: tg.eliminate(f, x, order=list(p)).flops for p in itertools.permutations(g.intermediates)}
    assert min(every.values()) == 6 and max(every.values()) > 6
    assert tg.eliminate(f, x, order="optimal").flops == 6


# --------------------------------------------------------------------------
# flop counts checked by hand
# --------------------------------------------------------------------------

def _skip_graph(n=6, k=2, seed=0):
    rng = np.random.default_rng(seed)
    W1, W2 = rng.normal(size=(k, n)), rng.normal(size=(n, k))
    return (lambda v: tg.tanh(W2 @ tg.tanh(W1 @ v)) + v), rng.normal(size=n)


def test_hand_counts_on_a_skip_connection():
    # v1 = W1 x (k), v2 = tanh v1, v3 = W2 v2 (n), v4 = tanh v3, v5 = v4 + x (the output)
    n, k = 6, 2
    f, x = _skip_graph(n, k)
    g = tg.linearized_graph(f, x)
    assert g.intermediates == ["v1", "v2", "v3", "v4"] and g.outputs == ["v5"]
    assert [J.kind for _, _, J in g.edges] == ["dense", "diagonal", "dense", "diagonal",
                                               "identity", "identity"]
    counts = {o: tg.eliminate(f, x, order=o).flops for o in ("forward", "reverse", "optimal")}
    # forward: diag·W1 (k·n), W2·(k×n) (2·n·k·n), diag·(n×n) (n²), I + (n×n) (n²)
    assert counts["forward"] == k * n + 2 * n * k * n + n * n + n * n == 228
    # reverse: I·diag (free), (I∘diag)·W2 (n·k), (n×k)·diag (n·k), (n×k)·W1 (2·n·k·n), I + (n×n)
    assert counts["reverse"] == n * k + n * k + 2 * n * k * n + n * n == 204
    # the cheapest: v4 (free), v2 (W2·diag: n·k), v3 (diag·(n×k): n·k), v1 (2·n·k·n), the sum (n²)
    assert counts["optimal"] == 204
    steps = tg.eliminate(f, x, order=["v4", "v2", "v3", "v1"]).steps
    assert [s.flops for s in steps] == [0, n * k, n * k, 2 * n * k * n + n * n]
    assert [s.markowitz for s in steps] == [1, 1, 1, 1]
    assert [s.fill_in for s in steps] == [1, 1, 1, 0]  # the last sums into the edge x → v5


def test_forward_and_reverse_orders_are_structured_accumulation():
    # the same products as tg.chain_jacobians / tg.cost's structured rows (no repeated operands)
    for f, x in (_skip_graph(), _skip_graph(5, 3, 1)):
        rep = tg.cost(f, x)
        for order in ("forward", "reverse"):
            assert tg.eliminate(f, x, order=order).flops == rep.flops(f"structured {order}")
            assert rep.flops(f"elimination {order}") == rep.flops(f"structured {order}")
        assert rep.flops("elimination optimal") <= rep.flops("elimination markowitz")


def test_the_chain_optimum_is_the_optimal_bracketing():
    rng = np.random.default_rng(3)
    dims = [6, 2, 7, 3, 5]
    Ws = [rng.normal(size=(dims[i + 1], dims[i])) for i in range(4)]

    def f(v):
        for W in Ws:
            v = tg.tanh(W @ v)
        return v
    x = rng.normal(size=6)
    opt = tg.eliminate(f, x, order="optimal")
    bracket = tg.chain_jacobians(f, x, order="optimal")
    assert opt.flops == bracket.flops
    assert opt.flops < min(tg.eliminate(f, x, order=o).flops for o in ("forward", "reverse"))
    assert _close(opt.todense(), bracket.todense())


def test_diagonal_graph_counts_and_structure():
    N = 5
    x = np.linspace(-1, 1, N)
    f = lambda v: tg.sin(tg.tanh(tg.exp(v)))  # noqa: E731
    for order in ("forward", "reverse", "markowitz", "optimal"):
        res = tg.eliminate(f, x, order=order)
        assert res.flops == 2 * N  # two Diagonal ∘ Diagonal products
        assert isinstance(res.jacobian, jac.Diagonal)
    # an op using a value twice: one edge, the sum of the two (N flops when the graph is built)
    g = tg.linearized_graph(lambda v: tg.tanh(v) * tg.tanh(v), x)  # two tanh nodes: no sharing
    assert g.build_flops == 0 and len(g.edges) == 4
    g = tg.linearized_graph(lambda v: (lambda t: t * t)(tg.tanh(v)), x)
    assert g.build_flops == N and len(g.edges) == 2
    assert isinstance(g.edge("v1", "v2"), jac.Diagonal)
    assert np.allclose(g.edge("v1", "v2").d, 2 * np.tanh(x))


def test_multi_output_shared_subexpressions():
    L = (1.0, 0.7)

    def arm(t1, t2, np_=tg):
        p = t1 + t2
        x1, y1 = L[0] * np_.cos(t1), L[0] * np_.sin(t1)
        return {"elbow": (x1, y1), "hand": (x1 + L[1] * np_.cos(p), y1 + L[1] * np_.sin(p))}
    rng = np.random.default_rng(0)
    t = (rng.normal(size=4), rng.normal(size=4))
    J = tg.jacobian(arm, argnums=(0, 1), method="elimination", order="optimal", structured=True)(*t)
    dense = tg.jacobian(arm, argnums=(0, 1), method="elimination", order="reverse")(*t)
    ref = jax.jit(jax.jacfwd(lambda a, b: arm(a, b, jnp), argnums=(0, 1)))(*t)
    assert set(J) == {"elbow", "hand"}
    for key in ("elbow", "hand"):
        for o in range(2):
            for i in range(2):
                assert isinstance(J[key][o][i], (jac.Diagonal, jac.Zero))
                assert _close(J[key][o][i].todense(), ref[key][o][i])
                assert _close(dense[key][o][i], ref[key][o][i])
    assert isinstance(J["elbow"][0][1], jac.Zero)  # the elbow does not move with t2


def test_graph_by_hand_and_pictures(tmp_path):
    f, x = _skip_graph()
    g = tg.linearized_graph(f, x)
    h = g.copy()
    s = h.eliminate("v2")
    assert s.fill_in == 1 and h.edge("v1", "v3") is not None and "v2" not in h.vertices
    assert "v2" in g.vertices  # the copy left the original alone
    with pytest.raises(RuntimeError, match="remain"):
        h.blocks()
    fig = el.draw_elimination(g, ["v4", "v2", "v3", "v1"], path=tmp_path / "steps.png")
    assert len(fig.axes) == 6 and (tmp_path / "steps.png").stat().st_size > 1000
    assert "v2 → v3: dense" in g.describe()


def test_has_aux_and_the_recommendation():
    f, x = _skip_graph(8, 2)
    J, aux = tg.jacobian(lambda v: (f(v), 7), method="elimination", has_aux=True)(x)
    assert aux == 7 and _close(J, tg.jacrev(f)(x))
    rng = np.random.default_rng(1)
    A1, B1, A2, B2 = (rng.normal(size=s) for s in [(2, 12), (12, 2), (2, 12), (12, 2)])
    hourglass = lambda v: tg.tanh(B2 @ tg.tanh(A2 @ tg.tanh(B1 @ tg.tanh(A1 @ v)))) + v  # noqa: E731
    rep = tg.cost(hourglass, rng.normal(size=12))
    assert rep.best == "elimination optimal"
    assert "method='elimination'" in rep.recommendation
    assert rep.flops("elimination optimal") < 0.6 * min(rep.flops("structured forward"),
                                                         rep.flops("structured reverse"))


def test_dense_results_belong_to_the_caller():
    W = np.arange(12.0).reshape(3, 4)
    x = np.ones(4)
    J = tg.jacobian(lambda v: W @ v, method="elimination")(x)
    assert J.flags.writeable and not np.shares_memory(J, W)
    J[0, 0] = 99.0  # editing the result changes neither W nor a later Jacobian
    assert W[0, 0] == 0.0 and W.flags.writeable and x.flags.writeable
    assert tg.jacobian(lambda v: W @ v, method="elimination")(x)[0, 0] == 0.0
    both = tg.jacobian(lambda v: (v, v), method="elimination")(x)  # two identity blocks
    assert not np.shares_memory(both[0], both[1])


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------

def test_bad_orders_are_clear_errors():
    f, x = _skip_graph()
    with pytest.raises(ValueError, match="'forward', 'reverse', 'markowitz', 'optimal'"):
        tg.eliminate(f, x, order="sideways")
    with pytest.raises(TypeError, match="list of vertex labels"):
        tg.eliminate(f, x, order=3)
    with pytest.raises(TypeError, match="strings such as 'v1'"):
        tg.eliminate(f, x, order=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="no vertex 'v9'.*v1, v2, v3, v4"):
        tg.eliminate(f, x, order=["v9", "v1", "v2", "v3"])
    with pytest.raises(ValueError, match="'x' is an input vertex"):
        tg.eliminate(f, x, order=["x", "v1", "v2", "v3", "v4"])
    with pytest.raises(ValueError, match="'v5' is an output vertex"):
        tg.eliminate(f, x, order=["v1", "v2", "v3", "v4", "v5"])
    with pytest.raises(ValueError, match="names 'v1' twice"):
        tg.eliminate(f, x, order=["v1", "v1", "v2", "v3", "v4"])
    with pytest.raises(ValueError, match="leaves v3, v4 uneliminated"):
        tg.eliminate(f, x, order=["v1", "v2"])
    with pytest.raises(ValueError, match="method must be"):
        tg.jacobian(f, method="cross-country")
    with pytest.raises(ValueError, match="needs method='elimination'"):
        tg.jacobian(f, order="optimal")
    with pytest.raises(ValueError, match="order must be one of"):
        tg.jacobian(f, method="elimination", order="best")
    g = tg.linearized_graph(f, x)
    g.eliminate("v1")
    with pytest.raises(ValueError, match="already eliminated"):
        g.eliminate("v1")
    # (x + 0.0 is a plain copy of x: an identity edge, the pair one vertex under two names)
    c = tg.linearized_graph(lambda v: tg.tanh(tg.sin(tg.cos(v) + 0.0) * 2.0), x)
    with pytest.raises(ValueError, match=r"n = 3 \(not counting 1 plain copy\), more than the limit of 1"):
        el.optimal_order(c, limit=1)
    # a vertex with a zero Jacobian is not in the graph, and the error says why
    # (where's condition has a zero derivative: tanh(v) feeds nothing that moves)
    h = tg.linearized_graph(lambda v: tg.where(tg.tanh(v), 1.0, 2.0) + tg.sin(v), x)
    assert set(h.removed) == {"v1", "v2"} and h.intermediates == ["v3"]
    with pytest.raises(ValueError, match="no output depends on it"):
        h.eliminate("v1")
    with pytest.raises(ValueError, match="every input is zero"):
        h.eliminate("v2")


def test_nesting_inside_another_transform_is_refused():
    f, x = _skip_graph()
    W = np.ones((6, 6))

    def outer(w):
        return tg.sum(tg.jacobian(lambda v: tg.tanh(w @ v), method="elimination")(x))
    with pytest.raises(TypeError, match="enclosing transform"):
        tg.grad(outer)(W)
    with pytest.raises(TypeError, match="enclosing transform"):
        tg.grad(lambda v: tg.sum(tg.jacobian(f, method="elimination")(v)))(x)


# --------------------------------------------------------------------------
# the benchmark runs (quick mode, temporary output)
# --------------------------------------------------------------------------

def test_benchmark_quick_run(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_elimination", ROOT / "benchmarks" / "elimination.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| workload |" in out
    data = json.loads((tmp_path / "elimination.json").read_text())
    assert len(data["workloads"]) == 4
    for w in data["workloads"].values():
        for row in w["rows"]:
            assert row["max_error"] < 1e-9  # every method agreed with the reference Jacobian
            assert row["flops"]["elim optimal"] <= row["flops"]["elim forward"]
    assert (tmp_path / "elimination.png").stat().st_size > 1000


def test_optimal_chain_on_a_non_chain_is_the_cheaper_direction():
    def f(x):
        h = tg.exp(x)
        return tg.sin(h) * tg.cos(h) + h
    x = np.random.default_rng(0).normal(size=4)
    for structured in (False, True):
        fl = {o: tg.chain_jacobians(f, x, order=o, structured=structured).flops
              for o in ("forward", "reverse", "optimal")}
        assert fl["optimal"] == min(fl["forward"], fl["reverse"]), fl


def test_the_optimal_search_stops_at_its_budget_instead_of_running_for_minutes(monkeypatch):
    # cross(v, v²) of a 3-vector has 16 intermediate vertices (within OPTIMAL_LIMIT), but the
    # edges' kinds multiply the search's states: it ran for minutes. A budget of expanded
    # states now ends it with an error that names the way out (here a small budget, quickly)
    from tensorgrad.elimination import orders
    x = np.array([0.3, -1.2, 0.7])
    g = tg.linearized_graph(lambda v: tg.numpy.cross(v, v ** 2), x)
    assert len(g.intermediates) == 16 <= tg.elimination.OPTIMAL_LIMIT
    monkeypatch.setattr(orders, "OPTIMAL_BUDGET", 500)
    with pytest.raises(ValueError, match=r"expanded 500 partial eliminations .* order='markowitz'"):
        tg.eliminate(lambda v: tg.numpy.cross(v, v ** 2), x, order="optimal")
    np.testing.assert_allclose(tg.eliminate(lambda v: tg.numpy.cross(v, v ** 2), x, order="markowitz").todense(),
                               tg.jacfwd(lambda v: tg.numpy.cross(v, v ** 2))(x), rtol=1e-13)
