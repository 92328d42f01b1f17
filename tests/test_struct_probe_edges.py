"""Edges of the structured Jacobians, their chaining, cost and explain (a probe's findings).

* ``tg.structured_jacobian`` checks ``order`` as ``tg.chain_jacobians`` does;
* the map constructors refuse bad shapes, axes and matrices with errors that name the map;
* no flop count is negative (broadcasts to and from empty shapes);
* explain puts selections, entry permutations and running sums with the index maps;
* a bad ``argnums`` is reported under the name of the function the user called;
* ``"optimal"`` never costs more flops than forward or reverse, in chain_jacobians and tg.cost.
"""
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp
from tensorgrad import jacobians as jac
from tensorgrad.explain import jacobian_category
from tensorgrad.jacobians.scans import RunningSum


# ---------------------------------------------------------------- 1. order is checked
@pytest.mark.parametrize("order", ["bogus", "markowitz", "Forward", None, 1])
def test_structured_jacobian_refuses_the_orders_chain_jacobians_refuses(order):
    f = lambda v: tnp.tanh(v) @ np.ones((3, 2))
    with pytest.raises(ValueError) as chain_err:
        tg.chain_jacobians(f, np.ones(3), order=order)
    with pytest.raises(ValueError) as struct_err:
        tg.structured_jacobian(f, order=order)(np.ones(3))
    assert str(struct_err.value).startswith("structured_jacobian: order must be")
    assert str(chain_err.value).startswith("chain_jacobians: order must be")
    assert str(struct_err.value).split(": ", 1)[1] == str(chain_err.value).split(": ", 1)[1]


def test_structured_jacobian_takes_every_valid_order():
    f = lambda v: tnp.sin(tnp.tanh(v) @ np.arange(6.0).reshape(3, 2))
    x = np.array([0.1, -0.4, 0.7])
    ref = tg.jacrev(f)(x)
    for order in ("forward", "reverse", "optimal"):
        np.testing.assert_allclose(tg.structured_jacobian(f, order=order)(x).todense(), ref)


# ---------------------------------------------------------------- 2. constructors check arguments
BAD_MAPS = [
    (lambda: jac.Permute((2, 3), (0, 0)), ValueError, r"Permute: axes \(0, 0\) are not a permutation"),
    (lambda: jac.Permute((2, 3), (0, 2)), ValueError, r"Permute: axis 2 .* out of range for in_shape \(2, 3\)"),
    (lambda: jac.Permute((2, 3), (0,)), ValueError, r"Permute: axes \(0,\) are not a permutation"),
    (lambda: jac.Permute((2, 3), (0, 1.0)), TypeError, r"Permute: axes must be a sequence of ints"),
    (lambda: jac.Reshape((5,), (2, 3)), ValueError, r"Reshape: out_shape \(5,\) .* in_shape \(2, 3\)"),
    (lambda: jac.MatmulLeft(np.ones(3), 2), ValueError, r"MatmulLeft: A must be a 2-D matrix.*\(3,\)"),
    (lambda: jac.MatmulLeft(np.ones((2, 3)), -1), ValueError, r"MatmulLeft: n .* non-negative"),
    (lambda: jac.MatmulRight(np.ones((2, 3, 4)), 2), ValueError, r"MatmulRight: B must be a 2-D matrix"),
    (lambda: jac.MatmulRight(np.ones((2, 3)), 2.5), TypeError, r"MatmulRight: m .* must be an int"),
    (lambda: jac.Broadcast((3,), (2,)), ValueError,
     r"Broadcast: in_shape \(3,\) does not broadcast to out_shape \(2,\): axis -1 has length 3"),
    (lambda: jac.Broadcast((2, 3), (3,)), ValueError, r"Broadcast: in_shape \(2, 3\) .* 2 axes"),
    (lambda: jac.SumTo((2,), (3,)), ValueError, r"SumTo: out_shape \(3,\) does not broadcast back"),
    (lambda: jac.Dense(np.ones((2, 3)), (2,), (4,)), ValueError, r"Dense: M of shape \(2, 3\)"),
    (lambda: jac.Dense(np.ones(3), in_shape=(2, 3)), ValueError, r"Dense: M of shape \(3,\) has fewer axes"),
    (lambda: jac.Dense(np.array(["a", "b"]), (1,), (2,)), TypeError, r"Dense: M must be an array of numbers"),
    (lambda: jac.Diagonal(np.array([object()])), TypeError, r"Diagonal: d must be an array of numbers"),
    (lambda: jac.Identity(3), TypeError, r"Identity: shape must be a shape"),
    (lambda: jac.Identity((2, -1)), ValueError, r"Identity: shape \(2, -1\) has a negative length"),
    (lambda: jac.Zero((2,), (1.5,)), TypeError, r"Zero: in_shape must be a shape"),
    (lambda: jac.SoftmaxJacobian(np.ones(3), 0.5), TypeError, r"SoftmaxJacobian: axis must be an int"),
    (lambda: jac.Transposed(np.eye(2)), TypeError, r"Transposed: base must be a Jacobian"),
    (lambda: jac.Product([]), ValueError, r"Product: factors must hold at least one map"),
    (lambda: jac.Product([jac.Identity((2,)), jac.Identity((3,))]), ValueError,
     r"Product: factor 0 takes shape \(2,\) but factor 1 gives \(3,\)"),
    (lambda: jac.SumOf([jac.Identity((2,)), jac.Identity((3,))]), ValueError, r"SumOf: term 1 has shape"),
    (lambda: jac.SumOf([jac.Identity((2,)), np.eye(2)]), TypeError, r"SumOf: terms must all be Jacobian maps"),
]


@pytest.mark.parametrize("build,error,match", BAD_MAPS)
def test_map_constructors_refuse_bad_arguments_naming_the_map(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_permute_takes_negative_axes_as_numpy_does():
    t = np.arange(24.0).reshape(2, 3, 4)
    P = jac.Permute((2, 3, 4), (-1, 0, 1))
    assert P.axes == (2, 0, 1) and P.out_shape == (4, 2, 3)
    np.testing.assert_array_equal(P.matvec(t), np.transpose(t, (2, 0, 1)))
    g = np.arange(48.0).reshape(2, 4, 2, 3)  # a batch of 2 covectors
    np.testing.assert_array_equal(P.vecmat(g), np.transpose(g, (0, 2, 3, 1)))


def test_valid_maps_still_build_and_apply():
    A = np.arange(6.0).reshape(2, 3)
    assert jac.MatmulLeft(A, np.int64(4)).shape == ((2, 4), (3, 4))
    assert jac.MatmulRight(A, 5).shape == ((5, 3), (5, 2))
    assert jac.Broadcast((1, 3), (0, 2, 0, 3)).out_shape == (0, 2, 0, 3)
    assert jac.SumTo((2, 0, 3), (1, 3)).in_shape == (2, 0, 3)
    assert jac.Dense(np.ones((2, 3, 2)), (2, 3)).in_shape == (2,)
    assert jac.Dense(np.ones((2, 3, 4)), in_shape=(3, 4)).out_shape == (2,)
    R = jac.Reshape(np.array([3, 2]), (6,))
    np.testing.assert_array_equal(R.matvec(np.arange(6.0)), np.arange(6.0).reshape(3, 2))


# ---------------------------------------------------------------- 4. flop counts are never negative
def test_broadcasts_to_and_from_empty_shapes_count_no_negative_flops():
    maps = [jac.Broadcast((), (0,)), jac.Broadcast((1, 1), (0, 3)), jac.Broadcast((1,), (2, 0)),
            jac.SumTo((0,), ()), jac.SumTo((0, 3), (1, 1))]
    maps += [M.T for M in maps]
    maps += [jac.Product([jac.Broadcast((), (0,)), jac.Identity(())]),
             jac.SumOf([jac.Broadcast((), (0,)), jac.Broadcast((), (0,))])]
    for M in maps:
        assert M.matvec_flops >= 0 and M.vecmat_flops >= 0, M
    assert jac.Broadcast((), (0,)).vecmat_flops == 0


def test_cost_of_a_function_of_an_empty_array_has_no_negative_row():
    rep = tg.cost(lambda v: v * tnp.sum(v), np.zeros(0))
    assert rep.flops("vjp (one sweep)") == 0
    assert all(row["flops"] >= 0 for row in rep.rows.values())


# ---------------------------------------------------------------- 5. explain's categories
@pytest.mark.parametrize("name,h", [
    ("flip", tnp.flip), ("sort", tnp.sort), ("roll", lambda v: tnp.roll(v, 1)),
    ("pad", lambda v: tnp.pad(v, 1)), ("repeat", lambda v: tnp.repeat(v, 2)),
    ("cumsum", tnp.cumsum)])
def test_explain_puts_selections_permutations_and_running_sums_with_the_index_maps(name, h):
    row = tg.explain(h, np.array([3.0, 1.0, 2.0])).rows[0]
    assert row["category"] == "permutation", (name, row["kinds"])
    assert row["categories"] == ["permutation"]


def test_jacobian_category_of_index_maps():
    assert jacobian_category(jac.Gather(np.array([2, -1, 0]), (3,))) == "permutation"
    assert jacobian_category(jac.IndexPermutation(np.array([2, 0, 1]), (3,))) == "permutation"
    assert jacobian_category(jac.RunningSum((4,), -1)) == "permutation"
    assert jacobian_category(jac.RunningSum((4,), -1).T) == "permutation"
    # a product takes its costliest part: a diagonal after a selection is a diagonal
    J = jac.Diagonal(np.ones(3)) @ jac.Gather(np.array([2, -1, 0]), (3,))
    assert jacobian_category(J) == "diagonal"


# ---------------------------------------------------------------- 6. errors name the caller
@pytest.mark.parametrize("who,call", [
    ("cost", lambda: tg.cost(tnp.sin)),
    ("explain", lambda: tg.explain(tnp.sin)),
    ("chain_jacobians", lambda: tg.chain_jacobians(tnp.sin)),
    ("structured_jacobian", lambda: tg.structured_jacobian(tnp.sin)()),
    ("jacobian", lambda: tg.jacobian(tnp.sin, structured=True)()),
    ("cost", lambda: tg.cost(tnp.sin, np.ones(2), argnums=(0,))),
    ("explain", lambda: tg.explain(tnp.sin, np.ones(2), argnums=3)),
    ("chain_jacobians", lambda: tg.chain_jacobians(lambda v: (v, v), np.ones(2))),
])
def test_argument_errors_name_the_function_called(who, call):
    with pytest.raises(TypeError) as err:
        call()
    assert str(err.value).startswith(f"{who}: "), str(err.value)
    assert "record_tape" not in str(err.value)


# ---------------------------------------------------------------- 3. optimal is never worse
ORDERS = ("forward", "reverse", "optimal")


def _assert_optimal_cheapest(flops):
    assert flops["optimal"] <= min(flops["forward"], flops["reverse"]), flops


def test_optimal_structured_chain_never_costs_more_than_forward_or_reverse():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=(2, 3))
    f = lambda v: tnp.sum(A @ tnp.sum(v, axis=0), keepdims=True) * np.ones(3)
    res = {o: tg.chain_jacobians(f, x, order=o) for o in ORDERS}
    _assert_optimal_cheapest({o: r.flops for o, r in res.items()})
    assert res["optimal"].order == "optimal"
    np.testing.assert_allclose(res["optimal"].todense(), tg.jacrev(f)(x))


def test_optimal_pytree_chain_never_costs_more_than_forward_or_reverse():
    # the output (12 entries) outgrows the input (8): the shared output side still makes
    # reverse accumulation over the whole tape cheaper than each leaf on its own
    rng = np.random.default_rng(1)
    W1, W2 = rng.normal(size=(2, 4, 4))
    W3 = rng.normal(size=(12, 4))
    f = lambda q: W3 @ tnp.tanh(W2 @ tnp.tanh(W1 @ (q["a"] + q["b"])))
    p = {"a": rng.normal(size=4), "b": rng.normal(size=4)}
    res = {o: tg.chain_jacobians(f, p, order=o) for o in ORDERS}
    _assert_optimal_cheapest({o: r.flops for o, r in res.items()})
    ref = tg.jacrev(f)(p)
    for leaf in p:
        np.testing.assert_allclose(res["optimal"].todense()[leaf], ref[leaf])
    rep = tg.cost(f, p)
    _assert_optimal_cheapest({o: rep.flops(f"structured {o}") for o in ORDERS})


def test_cost_optimal_rows_are_never_costlier_than_forward_or_reverse():
    rng = np.random.default_rng(0)

    def g(v):
        s = tg.softmax(tg.log_softmax(v, axis=0), axis=0)
        return s * s

    A = rng.normal(size=(3, 3))
    programs = [
        (g, rng.normal(size=(3, 4))),
        (lambda v: tnp.sum(A @ tnp.sum(v, axis=0), keepdims=True) * np.ones(3), rng.normal(size=(2, 3))),
        (lambda v: tnp.cumsum(tnp.flip(tnp.tanh(v))) @ A, rng.normal(size=3)),
        (lambda v: tg.softmax(A @ tnp.sin(v)) * tnp.sum(v), rng.normal(size=3)),
    ]
    for f, x in programs:
        rep = tg.cost(f, x)
        for kind in ("structured", "dense chain"):
            _assert_optimal_cheapest({o: rep.flops(f"{kind} {o}") for o in ORDERS})
        _assert_optimal_cheapest({o: tg.chain_jacobians(f, x, order=o).flops for o in ORDERS})
        assert rep.flops(rep.best) <= rep.flops("structured optimal")


@pytest.mark.parametrize("axis,err", [(2, ValueError), (-3, ValueError), (1.0, TypeError), ("0", TypeError)])
def test_running_sum_checks_its_axis(axis, err):
    with pytest.raises(err, match="RunningSum: axis"):
        RunningSum((2, 3), axis)
    assert np.array_equal(RunningSum((2, 3), -1).matvec(np.ones((2, 3))), np.cumsum(np.ones((2, 3)), axis=1))
    assert np.array_equal(RunningSum((2, 3), 0).todense(), RunningSum((2, 3), -2).todense())
