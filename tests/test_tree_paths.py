"""Key paths in ``tg.tree_util`` against ``jax.tree_util``."""
import collections
import dataclasses
import functools
import operator
import pickle

import jax
import jax.tree_util as jtu
import numpy as np
import pytest

import tensorgrad as tg

tu = tg.tree_util
Pair = collections.namedtuple("Pair", "a b")

TREES = [
    [1.0, (2.0, 3.0)],
    {"b": [1.0, (2.0, None)], "a": Pair(3.0, {"z": 4.0}), "c": ()},
    (None, [], {}, [[5.0]]),
    7.0,
    None,
    {1: "x", 0: ["y", Pair("u", "v")]},
]


def _as_jax_keys(path):
    table = {tu.SequenceKey: lambda k: jtu.SequenceKey(k.idx), tu.DictKey: lambda k: jtu.DictKey(k.key),
             tu.GetAttrKey: lambda k: jtu.GetAttrKey(k.name),
             tu.FlattenedIndexKey: lambda k: jtu.FlattenedIndexKey(k.key)}
    return tuple(table[type(k)](k) for k in path)


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_paths_and_keystr_match_jax(tree):
    ours, td = tu.tree_flatten_with_path(tree)
    theirs, _ = jtu.tree_flatten_with_path(tree)
    assert [_as_jax_keys(p) for p, _ in ours] == [p for p, _ in theirs]
    assert [leaf for _, leaf in ours] == [leaf for _, leaf in theirs] == tu.tree_leaves(tree)
    assert td == tu.tree_structure(tree)
    for (p, _), (q, _) in zip(ours, theirs):
        assert tu.keystr(p) == jtu.keystr(q)
        assert tu.keystr(p, simple=True, separator="/") == jtu.keystr(q, simple=True, separator="/")
    assert tu.tree_leaves_with_path(tree) == ours


def test_keys_print_compare_and_hash_like_jax():
    for ours, theirs in [(tu.SequenceKey(1), jtu.SequenceKey(1)), (tu.DictKey("a"), jtu.DictKey("a")),
                         (tu.GetAttrKey("x"), jtu.GetAttrKey("x")),
                         (tu.FlattenedIndexKey(2), jtu.FlattenedIndexKey(2))]:
        assert (str(ours), repr(ours)) == (str(theirs), repr(theirs))
        assert pickle.loads(pickle.dumps(ours)) == ours
    assert tu.SequenceKey(1) == tu.SequenceKey(1) and hash(tu.SequenceKey(1)) == hash(tu.SequenceKey(1))
    assert tu.SequenceKey(1) != tu.FlattenedIndexKey(1) and tu.DictKey("a") != tu.DictKey("b")
    assert len({tu.DictKey("a"), tu.DictKey("a"), tu.GetAttrKey("a")}) == 2
    assert (tu.SequenceKey(3).idx, tu.DictKey("k").key, tu.GetAttrKey("n").name,
            tu.FlattenedIndexKey(4).key) == (3, "k", "n", 4)
    with pytest.raises(AttributeError, match="immutable"):
        tu.SequenceKey(1).idx = 2
    path = (tu.SequenceKey(0), tu.DictKey("a"), tu.GetAttrKey("x"), tu.FlattenedIndexKey(3))
    assert tu.keystr(path) == "[0]['a'].x[<flat index 3>]"
    assert tu.keystr(path, simple=True, separator=".") == "0.a.x.3"
    assert tu.keystr(()) == ""
    with pytest.raises(TypeError, match="keystr: expected a key path"):
        tu.keystr("abc")


def test_registered_nodes_use_flat_indices_and_dataclasses_field_names():
    class Box:
        def __init__(self, x, y):
            self.x, self.y = x, y
    tu.register_pytree_node(Box, lambda b: ((b.x, b.y), None), lambda _, ch: Box(*ch))
    jtu.register_pytree_node(Box, lambda b: ((b.x, b.y), None), lambda _, ch: Box(*ch))
    tree = [Box(1.0, {"w": 2.0})]
    ours = tu.tree_flatten_with_path(tree)[0]
    assert [_as_jax_keys(p) for p, _ in ours] == [p for p, _ in jtu.tree_flatten_with_path(tree)[0]]
    assert ours[0][0] == (tu.SequenceKey(0), tu.FlattenedIndexKey(0))

    @tu.register_dataclass
    @dataclasses.dataclass
    class Params:
        w: float
        b: float
        tag: str = dataclasses.field(default="p", metadata={"static": True})
    paths = [p for p, _ in tu.tree_flatten_with_path({"p": Params(1.0, 2.0)})[0]]
    assert paths == [(tu.DictKey("p"), tu.GetAttrKey("w")), (tu.DictKey("p"), tu.GetAttrKey("b"))]

    @dataclasses.dataclass
    class Swapped:
        x: float
        y: float
    tu.register_dataclass(Swapped, data_fields=["y", "x"], meta_fields=[])
    assert tu.tree_leaves_with_path(Swapped(1.0, 2.0)) == [((tu.GetAttrKey("y"),), 2.0),
                                                            ((tu.GetAttrKey("x"),), 1.0)]


def test_register_with_keys_and_class_decorator():
    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y
    tu.register_pytree_with_keys(
        Point, lambda p: (((tu.GetAttrKey("x"), p.x), (tu.GetAttrKey("y"), p.y)), None),
        lambda _, ch: Point(*ch))
    pts, td = tu.tree_flatten_with_path([Point(1.0, 2.0)])
    assert [tu.keystr(p) for p, _ in pts] == ["[0].x", "[0].y"]
    back = tu.tree_unflatten(td, [3.0, 4.0])[0]
    assert (back.x, back.y) == (3.0, 4.0)
    g = tg.grad(lambda p: p.x * p.y)(Point(2.0, 5.0))
    assert isinstance(g, Point) and (g.x, g.y) == (5.0, 2.0)

    @tu.register_pytree_with_keys_class
    class Named:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def tree_flatten_with_keys(self):
            return ((tu.DictKey("a"), self.a), (tu.DictKey("b"), self.b)), "aux"

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)
    assert tu.tree_map_with_path(lambda p, v: tu.keystr(p), Named(1, 2)).b == "['b']"
    # registered without keys: flat indices
    Plain = type("Plain", (Named,), {})
    tu.register_pytree_node(Plain, lambda n: ((n.a, n.b), None), lambda _, ch: Plain(*ch))
    assert tu.tree_leaves_with_path(Plain(1, 2))[1][0] == (tu.FlattenedIndexKey(1),)
    with pytest.raises(TypeError, match="register_pytree_with_keys_class: .*tree_flatten_with_keys"):
        tu.register_pytree_with_keys_class(type("Bare", (), {}))
    with pytest.raises(TypeError, match="register_pytree_with_keys: flatten_with_keys must be callable"):
        tu.register_pytree_with_keys(type("Other", (), {}), None, lambda a, c: None)


def test_tree_map_with_path_matches_jax():
    a, b = [1.0, {"x": 2.0, "y": (3.0,)}], [10.0, {"x": 20.0, "y": (30.0,)}]
    f = lambda p, u, v: (jtu.keystr(p) if isinstance(p[0], jtu.SequenceKey) else tu.keystr(p), u + v)
    assert tu.tree_map_with_path(f, a, b) == jtu.tree_map_with_path(f, a, b)
    with pytest.raises(ValueError, match="tree_map_with_path: structures differ"):
        tu.tree_map_with_path(f, a, [1.0, {"x": 2.0}])


def test_is_leaf_with_and_without_path():
    tree = [1.0, [2.0, 3.0], {"k": [4.0]}]
    stop_lists = lambda x: isinstance(x, list) and len(x) == 1
    ours = tu.tree_flatten_with_path(tree, is_leaf=stop_lists)
    theirs = jtu.tree_flatten_with_path(tree, is_leaf=stop_lists)
    assert [(_as_jax_keys(p), v) for p, v in ours[0]] == theirs[0]
    assert ours[1] == tu.tree_structure(tree, is_leaf=stop_lists)
    by_depth = lambda p, x: len(p) == 1
    ours = tu.tree_flatten_with_path(tree, is_leaf=by_depth, is_leaf_takes_path=True)
    theirs = jtu.tree_flatten_with_path(tree, is_leaf=by_depth, is_leaf_takes_path=True)
    assert [(_as_jax_keys(p), v) for p, v in ours[0]] == theirs[0]
    assert tu.tree_unflatten(ours[1], ["a", "b", "c"]) == ["a", "b", "c"]


def test_treedef_helpers_transpose_and_broadcast():
    td = tu.tree_structure((1, [2, 3]))
    assert tu.treedef_children(td) == [tu.tree_structure(1), tu.tree_structure([2, 3])]
    assert tu.treedef_children(tu.tree_structure(1)) == []
    assert [tu.treedef_is_leaf(tu.tree_structure(t)) for t in (1, None, (), (1,))] == \
        [jtu.treedef_is_leaf(jtu.tree_structure(t)) for t in (1, None, (), (1,))] == [True, True, True, False]
    tup = tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1, 2])])
    assert tup == tu.tree_structure((0, [0, 0]))
    with pytest.raises(TypeError, match="treedef_tuple: expected a tree structure"):
        tu.treedef_tuple([1])
    outer, inner = tu.tree_structure([0, 0]), tu.tree_structure((0, 0, 0))
    x = [(1, 2, 3), (4, 5, 6)]
    assert tu.tree_transpose(outer, inner, x) == jtu.tree_transpose(
        jtu.tree_structure([0, 0]), jtu.tree_structure((0, 0, 0)), x) == ([1, 4], [2, 5], [3, 6])
    assert tu.tree_transpose(outer, None, x) == ([1, 4], [2, 5], [3, 6])
    with pytest.raises(TypeError, match="tree_transpose: a subtree has structure"):
        tu.tree_transpose(outer, inner, [(1, 2, 3), (4, 5)])
    with pytest.raises(TypeError, match="tree_transpose: the tree does not have the outer structure"):
        tu.tree_transpose(outer, inner, [(1, 2, 3)])
    prefix, full = [1, {"a": 2}], [[3, 4], {"a": (5, None, 6)}]
    assert tu.tree_broadcast(prefix, full) == jtu.tree_broadcast(prefix, full)
    with pytest.raises(ValueError, match="tree_broadcast: .* is not a prefix"):
        tu.tree_broadcast([1, 2, 3], full)


def test_all_leaves_static_and_partial():
    for items in ([1, 2], [[1], 2], [None], [()], [np.ones(2), 3.0]):
        assert tu.all_leaves(items) == jtu.all_leaves(items)
    assert tu.all_leaves([[1]], is_leaf=lambda x: isinstance(x, list))

    @tu.register_static
    class Mode:
        def __init__(self, name):
            self.name = name

        def __eq__(self, other):
            return type(other) is Mode and other.name == self.name

        def __hash__(self):
            return hash(self.name)
    leaves, td = tu.tree_flatten([Mode("train"), 1.0])
    assert leaves == [1.0] and tu.tree_unflatten(td, [2.0])[0] == Mode("train")

    p = tu.Partial(lambda a, b, c=0.0: a * b + c, 3.0, c=1.0)
    assert isinstance(p, functools.partial) and p(2.0) == 7.0
    jp = jtu.Partial(lambda a, b, c=0.0: a * b + c, 3.0, c=1.0)
    assert [(_as_jax_keys(k), v) for k, v in tu.tree_flatten_with_path(p)[0]] == \
        jtu.tree_flatten_with_path(jp)[0]
    g = tg.grad(lambda f, x: f(x))(p, 2.0)
    assert isinstance(g, tu.Partial) and g.args == (2.0,) and g.keywords == {"c": 1.0}
    doubled = tu.tree_map(lambda v: 2 * v, p)
    assert doubled(2.0) == 14.0
    # an inner functools.partial stays whole: its arguments are static, as in JAX
    inner = functools.partial(lambda a, b, c: a * b + c, 2.0)
    nested = tu.Partial(inner, 3.0)
    assert tu.tree_leaves(nested) == jtu.tree_leaves(jtu.Partial(inner, 3.0)) == [3.0]
    assert nested(1.0) == 7.0 and tu.tree_unflatten(tu.tree_structure(nested), [4.0])(1.0) == 9.0
    assert tu.tree_structure(tu.Partial(inner, 1.0)) == tu.tree_structure(nested)


def test_ordered_dict_keeps_insertion_order_and_defaultdict_its_factory():
    # JAX: a dict flattens in sorted key order, an OrderedDict in insertion order, and a
    # defaultdict (sorted) keeps its default_factory in the structure
    od = collections.OrderedDict([("b", np.array(1.0)), ("a", np.array(2.0))])
    leaves, td = tg.tree_util.tree_flatten(od)
    assert [float(v) for v in leaves] == [1.0, 2.0]
    assert [tg.tree_util.keystr(p) for p, _ in tg.tree_util.tree_flatten_with_path(od)[0]] == ["['b']", "['a']"]
    assert list(tg.tree_util.tree_unflatten(td, leaves)) == ["b", "a"]
    g = tg.grad(lambda d: 3 * d["b"] + 5 * d["a"])(od)
    assert type(g) is collections.OrderedDict and list(g) == ["b", "a"] and float(g["b"]) == 3.0
    assert tg.flatten_util.ravel_pytree(od)[0].tolist() == [1.0, 2.0]
    swapped = collections.OrderedDict([("a", np.array(2.0)), ("b", np.array(1.0))])
    assert tg.tree_util.tree_structure(swapped) != td
    dd = collections.defaultdict(list, {"b": np.array(1.0), "a": np.array(2.0)})
    leaves, td = tg.tree_util.tree_flatten(dd)
    assert [float(v) for v in leaves] == [2.0, 1.0]
    back = tg.tree_util.tree_unflatten(td, leaves)
    assert type(back) is collections.defaultdict and back.default_factory is list
    g = tg.grad(lambda d: 3 * d["b"] + 5 * d["a"])(dd)
    assert type(g) is collections.defaultdict and float(g["a"]) == 5.0


def test_jax_tree_short_names_reduce_associative_and_static_fields():
    assert [n for n in dir(jax.tree) if not n.startswith("_") and not hasattr(tg.tree, n)] == []
    assert tg.tree.reduce_associative(operator.add, [1, (2, 3), [4, 5, 6]]) == 21
    assert tg.tree.reduce_associative(operator.add, [], identity=0) == 0
    with pytest.raises(TypeError, match="identity"):
        tg.tree.reduce_associative(operator.add, [])
    for n in range(1, 9):  # the same bracketing as JAX's (it matters for a non-commutative op)
        letters = list("abcdefgh"[:n])
        assert tg.tree.reduce_associative(lambda a, b: f"({a}{b})", letters) == \
            jax.tree.reduce_associative(lambda a, b: f"({a}{b})", letters)

    @tg.tree_util.register_dataclass
    @dataclasses.dataclass
    class Scaled:
        x: np.ndarray
        how: str = tg.tree.static(default="add")
    leaves, td = tg.tree.flatten(Scaled(np.ones(2)))
    assert len(leaves) == 1 and tg.tree.unflatten(td, [np.zeros(2)]).how == "add"


_Pt = collections.namedtuple("_Pt", "x y")


@pytest.mark.parametrize("tree", [
    {"b": {"c": 3}, "a": [1, 2]}, [1, (2, 3)], (4,), _Pt(1, [2]), None,
    collections.OrderedDict(b=1, a=2), collections.defaultdict(list, {"z": 1, "a": 2}), [], {}],
    ids=["dict", "list", "tuple", "namedtuple", "None", "OrderedDict", "defaultdict", "empty-list",
         "empty-dict"])
def test_flatten_one_level_matches_jax(tree):
    tu = tg.tree_util
    assert tu.flatten_one_level(tree) == jtu.flatten_one_level(tree)
    assert tu.is_tree_node(tree)
    pairs, meta = tu.flatten_one_level_with_keys(tree)
    children, meta1 = tu.flatten_one_level(tree)
    assert meta == meta1 and [c for _, c in pairs] == list(children)
    # each key finds its child (JAX 0.10 repeats the first field's key for a namedtuple)
    for k, c in pairs:
        assert tu.keystr((k,)) and (tree[k.idx] if isinstance(k, tu.SequenceKey) else
                                    tree[k.key] if isinstance(k, tu.DictKey) else getattr(tree, k.name)) == c


def test_flatten_one_level_of_registered_nodes_and_leaves():
    tu = tg.tree_util

    @tu.register_pytree_node_class
    class Box:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def tree_flatten(self):
            return (self.a, self.b), "box"

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)

    children, meta = tu.flatten_one_level(Box(1, [2]))
    assert list(children) == [1, [2]] and meta == "box"
    assert [k for k, _ in tu.flatten_one_level_with_keys(Box(1, 2))[0]] == \
        [tu.FlattenedIndexKey(0), tu.FlattenedIndexKey(1)]
    for leaf in (3, "s", np.ones(2), 2.5):
        assert not tu.is_tree_node(leaf)
        with pytest.raises(ValueError, match="flatten_one_level: .* is a leaf"):
            tu.flatten_one_level(leaf)
    assert isinstance(tu.tree_structure([1, {"a": 2}]), tu.PyTreeDef)
    assert tu.tree_flatten_with_path({"a": [1]})[0][0][0] == (tu.DictKey("a"), tu.SequenceKey(0))
    assert isinstance(tu.tree_flatten_with_path({"a": [1]})[0][0][0], tu.KeyPath)


def test_unravels_leaves_are_new_arrays_not_views_of_the_vector():
    tree = {"a": np.ones((2, 2)), "b": np.arange(3.0)}
    flat, unravel = tg.flatten_util.ravel_pytree(tree)
    vec = np.arange(7.0)
    back = unravel(vec)
    vec[:] = -1.0  # (as in JAX, the rebuilt leaves keep their values)
    np.testing.assert_array_equal(back["a"], np.arange(4.0).reshape(2, 2))
    np.testing.assert_array_equal(back["b"], [4.0, 5.0, 6.0])
    flat[:] = 0.0
    np.testing.assert_array_equal(tree["a"], np.ones((2, 2)))
