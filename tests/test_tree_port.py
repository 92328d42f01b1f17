"""Cases from JAX's tree tests that tensorgrad got wrong: OrderedDict order and defaultdict
under tg.jit, registered namedtuples and dict subclasses, shared structures mixing up equal
keys (1, 1.0, True; 0.0 and -0.0), the TreeDef interface, register_dataclass's rules,
Partial.func, registered nodes as vmap axes, and ravel_pytree with a complex leaf."""
import collections
import dataclasses
import warnings

import jax
import jax.flatten_util
import numpy as np
import pytest

import tensorgrad as tg

tu = tg.tree_util


def test_jit_keeps_ordereddict_order_and_defaultdict():
    od = collections.OrderedDict
    f = tg.jit(lambda d: list(d.values())[0] * 1.0)
    assert float(f(od([("a", np.array(1.)), ("b", np.array(2.))]))) == 1.
    assert float(f(od([("b", np.array(2.)), ("a", np.array(1.))]))) == 2.
    seen = []
    out = tg.jit(lambda d: (seen.append(type(d)), d)[1])(collections.defaultdict(list, a=np.ones(1)))
    assert seen == [collections.defaultdict] and type(out) is collections.defaultdict


ATuple2 = collections.namedtuple("ATuple2", "foo bar")
tu.register_pytree_node(ATuple2, lambda o: ((o.foo,), o.bar), lambda bar, foo: ATuple2(foo[0], bar))


class StaticDict(dict):
    pass


tu.register_static(StaticDict)


def test_registered_namedtuple_and_dict_subclass_use_their_registration():
    assert tu.tree_leaves(ATuple2(1., "hi")) == [1.]
    assert tu.tree_map(lambda x: x, ATuple2(1., "hi")) == ATuple2(1., "hi")
    assert tg.grad(lambda t: t.foo * 2.)(ATuple2(3., "hi")) == ATuple2(2., "hi")
    assert tu.tree_leaves(StaticDict(foo=4, bar=5)) == []
    assert tu.tree_map(lambda x: x, StaticDict(foo=4, bar=5)) == {"foo": 4, "bar": 5}


@dataclasses.dataclass
class Cfg:
    w: object
    scale: object = dataclasses.field(metadata={"static": True})


tu.register_dataclass(Cfg)


def test_equal_but_different_keys_are_not_mixed_up():
    tu.tree_structure({True: 0})
    assert list(tu.tree_map(lambda x: x, {1: 5})) == [1]
    assert type(next(iter(tu.tree_map(lambda x: x, {1: 5})))) is int
    tu.tree_structure({0.0: 0})
    assert repr(next(iter(tu.tree_map(lambda x: x, {-0.0: 5})))) == "-0.0"
    tg.grad(lambda c: tg.sum(c.w))(Cfg(np.ones(1), True))
    assert repr(tg.grad(lambda c: tg.sum(c.w))(Cfg(np.ones(1), 1.0)).scale) == "1.0"


def test_treedef_interface():
    td = tu.tree_structure({"a": (1, 2), "b": None})
    assert hash(td) == hash(tu.tree_structure({"a": (3, 4), "b": None}))
    assert len(td.children()) == 2 and td.num_nodes == 5 and td.num_leaves == 2
    assert td.unflatten([7, 8]) == {"a": (7, 8), "b": None}
    assert td.flatten_up_to({"a": ([1], {"x": 2}), "b": None}) == [[1], {"x": 2}]
    assert tu.tree_structure((0, 0)).compose(tu.tree_structure([0, 0])).num_leaves == 4


def test_register_dataclass_follows_jax_rules():
    @dataclasses.dataclass
    class P:
        x: object
        y: object

    with pytest.raises(TypeError):
        tu.register_dataclass(P, data_fields=["x"])
    with pytest.raises(ValueError, match="Missing"):
        tu.register_dataclass(P, data_fields=["x"], meta_fields=[])


def test_partial_func_and_vmap_axes_node_and_ravel():
    import functools
    p = functools.partial(lambda a, b: a + b, 1)
    assert tu.Partial(p).func == p
    Pt = collections.namedtuple("Pt", "a b")
    tu.register_pytree_node(Pt, lambda o: ((o.a, o.b), None), lambda _, c: Pt(*c))
    out = tg.vmap(lambda p: p.a * p.b, in_axes=(Pt(0, None),))(Pt(np.arange(3.), np.array(2.)))
    assert out.tolist() == [0., 2., 4.]
    flat, unravel = tg.flatten_util.ravel_pytree({"a": np.ones(2), "z": np.array([1j])})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = unravel(flat)
    assert back["a"].dtype == np.float64


def test_registering_a_type_twice_is_refused():
    class Twice:
        pass

    tg.tree_util.register_pytree_node(Twice, lambda t: ((), None), lambda aux, kids: Twice())
    with pytest.raises(ValueError, match="registered already"):
        tg.tree_util.register_pytree_node(Twice, lambda t: ((1,), None), lambda aux, kids: Twice())
    assert tg.tree_util.tree_leaves(Twice()) == []  # the first registration stands


def test_a_registered_unflatten_gets_its_children_as_a_tuple():
    class Pair:  # a JAX-style unflatten doing tuple arithmetic on the children
        def __init__(self, *xs):
            self.xs = xs

    tu.register_pytree_node(Pair, lambda p: (p.xs, None), lambda aux, ch: Pair(*(ch + (0,))[:-1]))
    assert tu.tree_map(lambda v: v * 2, Pair(1, 2)).xs == (2, 4)
    leaves, td = tu.tree_flatten([Pair(1.0, 2.0)])
    assert tu.tree_unflatten(td, [3.0, 4.0])[0].xs == (3.0, 4.0)
    np.testing.assert_allclose(tg.grad(lambda p: p.xs[0] * p.xs[1])(Pair(3.0, 4.0)).xs, (4.0, 3.0))


def test_dict_keys_that_cannot_be_sorted_are_named():
    with pytest.raises(TypeError, match=r"keys of a dict in the pytree cannot be sorted .*\['a', 3\]"):
        tg.tree_util.tree_leaves({"a": 1.0, 3: 2.0})
    assert tg.tree_util.tree_leaves(collections.OrderedDict([("a", 1.0), (3, 2.0)])) == [1.0, 2.0]


def test_is_tree_node_of_a_type_as_jax():
    Point = collections.namedtuple("Point", "x y")
    for typ in (list, tuple, dict, collections.OrderedDict, Point, type(None), int, float, np.ndarray, str):
        assert tg.tree_util.is_tree_node(typ) == jax.tree_util.is_tree_node(typ), typ


def test_broadcast_with_is_leaf_returns_the_full_trees_structure():
    pair = lambda x: isinstance(x, tuple) and len(x) == 2 and not isinstance(x[0], tuple)  # noqa: E731
    for prefix, full, leaf in [(((1, 2),), ((5, 6),), pair),
                               ({"a": 1}, {"a": (2, 3)}, lambda x: isinstance(x, tuple)),
                               ([1, (2, 3)], [[4, 5], (6, [7, 8])], None)]:
        assert tg.tree.broadcast(prefix, full, is_leaf=leaf) == jax.tree.broadcast(prefix, full, is_leaf=leaf)


def test_a_bad_flatten_function_is_named_in_a_value_error():
    class Node:
        def __init__(self, a):
            self.a = a
    tg.tree_util.register_pytree_node(Node, lambda n: n.a, lambda aux, ch: Node(*ch))
    with pytest.raises(ValueError, match="registered for Node must return a .children, aux_data. pair, got 5"):
        tg.tree_util.tree_leaves(Node(5))
    with pytest.raises(ValueError, match="iterable of children first, got 5"):
        tg.tree_util.tree_leaves(Node((5, None)))
    with pytest.raises(ValueError, match=r"pair, got \(1, 2, 3\)"):
        tg.tree_util.tree_structure(Node((1, 2, 3)))
    with pytest.raises(ValueError, match="must return"):
        tg.tree_util.tree_flatten(Node(5), is_leaf=lambda x: False)

    class Lazy(Node):  # a generator of children is an iterable: accepted
        pass
    tg.tree_util.register_pytree_node(Lazy, lambda n: ((c for c in n.a), None), lambda aux, ch: Lazy(list(ch)))
    assert tg.tree_util.tree_leaves(Lazy([1, 2])) == [1, 2]


def test_ordered_dict_node_data_and_key_entry_as_jax():
    od = collections.OrderedDict(b=1, a=2)
    assert tg.tree_util.tree_structure(od).node_data() == jax.tree_util.tree_structure(od).node_data()
    assert tg.tree_util.tree_structure({"b": 1, "a": 2}).node_data()[1] == ["a", "b"]
    assert tg.tree_util.KeyEntry is not None and tg.tree_util.KeyPath is tuple


def test_unravel_refuses_a_vector_of_another_dtype():
    tree = [np.ones(2, np.float32), np.ones(3)]
    flat, unravel = tg.flatten_util.ravel_pytree(tree)
    with pytest.raises(TypeError, match="expected a vector of dtype float64 .*got dtype int64"):
        unravel(np.arange(5))
    with pytest.raises(TypeError):
        jax.flatten_util.ravel_pytree(tree)[1](np.arange(5))
    back = unravel(flat * 2)
    assert back[0].dtype == np.float32 and back[1].dtype == np.float64


def test_unravel_of_leaves_of_one_dtype_takes_the_vectors_dtype_as_jax():
    tree = {"a": np.ones(2), "b": np.zeros(1)}
    flat, unravel = tg.flatten_util.ravel_pytree(tree)
    _, jax_unravel = jax.flatten_util.ravel_pytree(tree)
    for v in (flat.astype(np.float32), np.arange(3), flat * 2):
        got, want = unravel(v), jax_unravel(v)
        for k in tree:
            assert got[k].dtype == want[k].dtype == v.dtype
            np.testing.assert_array_equal(got[k], want[k])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(unravel(v)["a"] ** 2))(flat), [2, 2, 0])


def test_built_in_ordered_dict_cannot_be_registered_again_as_in_jax():
    flatten = lambda d: (list(d.values()), tuple(d))  # noqa: E731
    unflatten = lambda keys, kids: collections.OrderedDict(zip(keys, kids))  # noqa: E731
    for register in (tg.tree_util.register_pytree_node, jax.tree_util.register_pytree_node):
        with pytest.raises(ValueError):
            register(collections.OrderedDict, flatten, unflatten)
    od = collections.OrderedDict(b=1, a=2)
    assert tg.tree_util.tree_leaves(od) == [1, 2]  # (its own order, unchanged)
