"""Pytrees: nested tuples, lists and dicts of arrays, flattened and rebuilt.

Transforms accept and return pytrees, as JAX's do. Dict keys are visited in
sorted order; ``None`` is an empty subtree.
"""
from __future__ import annotations

import builtins
import dataclasses
import functools
from collections import OrderedDict, defaultdict
from typing import Any, Callable, TypeVar

import numpy as np

__all__ = ["tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "tree_structure",
           "tree_reduce", "tree_all", "named_leaves", "TreeDef", "register_pytree_node",
           "register_pytree_node_class", "register_dataclass"]


class _Children(tuple):
    """A definition's children: a tuple, also callable as JAX's ``treedef.children()``."""

    __slots__ = ()

    def __call__(self) -> list:
        return list(self)


class TreeDef:
    """The shape of a pytree without its leaves.

    Tree definitions are shared: flattening two pytrees of one structure gives
    the same object (see :func:`_make`), so comparing them is usually one
    identity test.
    """

    __slots__ = ("kind", "meta", "children", "num_leaves", "depth", "build")

    def __init__(self, kind, meta, children):
        self.kind = kind          # "leaf", "none", tuple/list/dict type, or a namedtuple type
        self.meta = meta          # dict keys, for dicts
        self.children = _Children(children)
        self.num_leaves = 1 if kind == "leaf" else sum([c.num_leaves for c in children])
        self.depth = 1 + max([c.depth for c in children], default=0)
        self.build = None         # list of leaves -> pytree, made on first use (see _builder)

    def __eq__(self, other):
        if self is other:
            return True
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.meta == other.meta and self.children == other.children)

    def __hash__(self):  # equal definitions hash alike; aux data (maybe unhashable) left out, as JAX
        return hash((self.kind, self.children))

    @property
    def num_nodes(self) -> int:
        """Nodes of the tree, leaves and None included (JAX's ``num_nodes``)."""
        return 1 + sum([c.num_nodes for c in self.children])

    def unflatten(self, leaves):
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree) -> list:
        """The subtrees of ``tree`` at this structure's leaves (JAX's ``flatten_up_to``)."""
        out: list = []
        _flatten_up_to(self, tree, out, "flatten_up_to")
        return out

    def compose(self, inner: "TreeDef") -> "TreeDef":
        """This structure with ``inner`` in place of each leaf."""
        if self.kind == "leaf":
            return inner
        return _make(self.kind, self.meta, tuple([c.compose(inner) for c in self.children]))

    def node_data(self):
        """``(type, aux data)`` of the root (None for a leaf), as JAX's ``node_data``."""
        if self.kind == "leaf":
            return None
        if self.kind == "none":
            return (type(None), None)
        return (self.kind, list(self.meta) if isinstance(self.kind, type) and issubclass(self.kind, dict)
                and not issubclass(self.kind, OrderedDict) and self.kind not in _CUSTOM else self.meta)

    def __reduce__(self):  # copies and pickles rebuild the definition (not its compiled builder)
        return (TreeDef, (self.kind, self.meta, self.children))

    def __repr__(self):
        return f"PyTreeDef({self.body()})"  # (JAX's form: PyTreeDef((*, {'a': *})))

    def body(self) -> str:
        """The structure drawn with ``*`` for each leaf: ``(*, {'a': *, 'b': [*, None]})``."""
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind in _CUSTOM:
            return f"{self.kind.__name__}[{self.meta!r}](" + ", ".join(c.body() for c in self.children) + ")"
        if isinstance(self.kind, type) and issubclass(self.kind, dict):
            return "{" + ", ".join(f"{k!r}: {c.body()}" for k, c in zip(self.meta, self.children)) + "}"
        if isinstance(self.kind, type) and self.kind is not tuple and hasattr(self.kind, "_fields"):
            # a namedtuple, by its name and fields (JAX: CustomNode(namedtuple[name], ...))
            return f"{self.kind.__name__}(" + ", ".join(
                f"{k}={c.body()}" for k, c in zip(self.kind._fields, self.children)) + ")"
        body = ", ".join(c.body() for c in self.children)
        return f"[{body}]" if self.kind is list else f"({body},)" if len(self.children) == 1 else f"({body})"


#: user-registered node types: type -> (flatten(x) -> (children, aux), unflatten(aux, children))
_CUSTOM: dict = {}
#: dataclasses registered by register_dataclass: type -> names of the data fields (their key paths)
_DATA_FIELDS: dict = {}


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable,
                         flatten_with_keys_func: Callable | None = None) -> None:
    """Make instances of ``nodetype`` pytree nodes, as ``jax.tree_util.register_pytree_node``:
    ``flatten_func(x)`` returns ``(children, aux_data)`` (the children are pytrees; the
    hashable ``aux_data`` is kept in the structure) and ``unflatten_func(aux_data,
    children)`` rebuilds an instance. Transforms then differentiate through the children
    and return gradients as instances of ``nodetype``. With ``flatten_with_keys_func``
    (``x -> ([(key, child), ...], aux_data)``) the children have keys for the key-path
    functions, as ``register_pytree_with_keys``."""
    if flatten_with_keys_func is not None:
        return register_pytree_with_keys(  # (imported from tree_paths at the end of this module)
            nodetype, flatten_with_keys_func, unflatten_func, flatten_func)
    if not isinstance(nodetype, type):
        raise TypeError(f"register_pytree_node: expected a class, got {nodetype!r}")
    if nodetype in (tuple, list, dict, type(None), OrderedDict) or nodetype is np.ndarray:
        raise ValueError(f"register_pytree_node: {nodetype.__name__} is built in and cannot be "
                         "registered again")
    if nodetype in _CUSTOM:  # (JAX refuses it too: structures made before would change meaning)
        raise ValueError(f"register_pytree_node: {nodetype!r} is registered already; a type "
                         "is registered once")
    _CUSTOM[nodetype] = (flatten_func, unflatten_func)
    _DATA_FIELDS.pop(nodetype, None)
    _SHARED.clear()


def _defaultdict_flatten(d):
    keys = sorted(d)
    return [d[k] for k in keys], (d.default_factory, tuple(keys))


# a defaultdict keeps its default_factory in the structure (JAX's rule); keys sorted
_CUSTOM[defaultdict] = (_defaultdict_flatten, lambda aux, kids: defaultdict(aux[0], zip(aux[1], kids)))


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: ``cls.tree_flatten(self) -> (children, aux_data)`` and the
    classmethod ``cls.tree_unflatten(aux_data, children)`` make it a pytree node (JAX's
    ``register_pytree_node_class``)."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(nodetype: type | None = None, data_fields=None, meta_fields=None,
                       drop_fields=()):
    """Make a dataclass a pytree node (JAX's ``register_dataclass``): ``data_fields`` are its
    children, ``meta_fields`` (hashable, static) go into the structure. With neither given,
    every field is a data field except those declared with ``metadata={"static": True}``.
    Given, both are needed, and for a dataclass they must name exactly its ``init`` fields
    (less ``drop_fields``); any class whose constructor takes them by name may be registered
    that way. Usable as a decorator."""
    def register(cls):
        if data_fields is None and meta_fields is None:
            if not dataclasses.is_dataclass(cls):
                raise TypeError("register_dataclass: data_fields and meta_fields are required "
                                f"when nodetype is not a dataclass. Got nodetype={cls!r}.")
            fields = [f for f in dataclasses.fields(cls) if f.init and f.name not in drop_fields]
            data = [f.name for f in fields if not f.metadata.get("static", False)]
            meta = [f.name for f in fields if f.metadata.get("static", False)]
        elif data_fields is None or meta_fields is None:
            raise TypeError("register_dataclass: data_fields and meta_fields must both be specified "
                            f"when either is specified. Got data_fields={data_fields!r} "
                            f"meta_fields={meta_fields!r}.")
        else:
            data, meta = list(data_fields), list(meta_fields)
            if dataclasses.is_dataclass(cls):
                init = {f.name for f in dataclasses.fields(cls) if f.init} - set(drop_fields)
                missing, unexpected = init - {*data, *meta}, {*data, *meta} - init
                if missing or unexpected:
                    raise ValueError("register_dataclass: data_fields and meta_fields must include "
                                     "all dataclass fields with init=True and only them."
                                     + (f" Missing fields: {missing}." if missing else "")
                                     + (f" Unexpected fields: {unexpected}." if unexpected else ""))
        data, meta = tuple(data), tuple(meta)

        def flatten(x):
            return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

        def unflatten(aux, children):
            return cls(**dict(zip(data, children)), **dict(zip(meta, aux)))
        register_pytree_node(cls, flatten, unflatten)
        _DATA_FIELDS[cls] = data
        return cls
    return register if nodetype is None else register(nodetype)


_LEAF = TreeDef("leaf", None, ())
_NONE = TreeDef("none", None, ())
_ndarray = np.ndarray

#: shared tree definitions, keyed by (kind, meta, ids of the (shared) children); a cache
#: only: cleared when it grows large, after which equal definitions may be distinct objects
_SHARED: dict = {}


def _make(kind, meta, children: tuple) -> TreeDef:
    key = (kind, meta, tuple([id(c) for c in children]))
    try:
        td = _SHARED.get(key)
    except TypeError:  # unhashable dict keys: not shared
        return TreeDef(kind, meta, children)
    if td is None or td.children != children or not (td.meta is meta or _same_meta(td.meta, meta)):
        if len(_SHARED) > 4096:
            _SHARED.clear()
        td = _SHARED[key] = TreeDef(kind, meta, children)
    return td


def _same_meta(a, b) -> bool:
    """Equal metadata that also rebuilds the same tree: ``{1: x}``, ``{1.0: x}`` and
    ``{True: x}`` (or ``0.0`` and ``-0.0``) have equal, equally hashed keys, but a shared
    definition would give back the first one's keys."""
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return False
    if t is tuple:
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if x is not y and not _same_meta(x, y):
                return False
        return True
    if t is float or t is complex:
        return a == b and repr(a) == repr(b)
    return a == b


def _dict_keys(d) -> list:
    """A dict's keys in flattening order: sorted, as JAX does, except an OrderedDict's, which
    keep their insertion order (also JAX's rule)."""
    if isinstance(d, OrderedDict):
        return list(d.keys())
    try:
        return sorted(d.keys())
    except TypeError as exc:
        raise TypeError(f"tree_flatten: the keys of a dict in the pytree cannot be sorted "
                        f"({exc}; keys {list(d.keys())!r}); a pytree's dict keys must be "
                        "comparable with each other (all str, say), or use an OrderedDict, "
                        "which keeps its order") from None


def tree_flatten(tree: Any, is_leaf: Callable | None = None) -> tuple[list, TreeDef]:
    """Leaves of ``tree`` (left to right) and its structure.

    ``is_leaf(node)``, as in JAX, stops the descent at the nodes it returns True for.
    """
    leaves: list = []
    if is_leaf is not None:
        return leaves, _flatten_until(tree, leaves, is_leaf)
    return leaves, _flatten(tree, leaves)


def _flatten_until(tree, leaves, is_leaf):
    if is_leaf(tree):
        leaves.append(tree)
        return _LEAF
    if tree is None:
        return _NONE
    t = type(tree)
    if t is tuple or t is list or (isinstance(tree, tuple) and hasattr(tree, "_fields") and t not in _CUSTOM):
        return _make(t, None, tuple([_flatten_until(c, leaves, is_leaf) for c in tree]))
    if isinstance(tree, dict) and t not in _CUSTOM:  # (defaultdict and registered subclasses: below)
        keys = _dict_keys(tree)
        return _make(t, tuple(keys), tuple([_flatten_until(tree[k], leaves, is_leaf) for k in keys]))
    custom = _CUSTOM.get(t)
    if custom is not None:
        children, aux = _node_parts(custom, tree)
        return _make(t, aux, tuple([_flatten_until(c, leaves, is_leaf) for c in children]))
    leaves.append(tree)
    return _LEAF


def _flatten_up_to(td: TreeDef, tree, out: list, where: str) -> None:
    """The subtrees of ``tree`` at the leaves of ``td`` (``tree`` has ``td``'s structure down
    to them), as JAX's ``flatten_up_to``."""
    kind = td.kind
    if kind == "leaf":
        out.append(tree)
        return
    if kind == "none":
        if tree is not None:
            raise ValueError(f"{where}: expected None, got {type(tree).__name__}")
        return
    if type(tree) is not kind:
        raise ValueError(f"{where}: expected a {getattr(kind, '__name__', kind)} here, got "
                         f"{type(tree).__name__}")
    custom = _CUSTOM.get(kind)
    if custom is not None:
        kids, aux = _node_parts(custom, tree)
        kids = list(kids)
        if aux != td.meta or len(kids) != len(td.children):
            raise ValueError(f"{where}: a {kind.__name__} of a different structure")
    elif isinstance(tree, dict):
        if _dict_keys(tree) != list(td.meta):
            raise ValueError(f"{where}: dict keys {_dict_keys(tree)} differ from {list(td.meta)}")
        kids = [tree[k] for k in td.meta]
    else:
        kids = list(tree)
        if len(kids) != len(td.children):
            raise ValueError(f"{where}: {len(kids)} entries where {len(td.children)} are expected")
    for c, sub in zip(td.children, kids):
        _flatten_up_to(c, sub, out, where)


def _flatten(tree, leaves):
    t = type(tree)
    if t is _ndarray:  # the commonest leaf, first
        leaves.append(tree)
        return _LEAF
    if tree is None:
        return _NONE
    if t is tuple or t is list or (isinstance(tree, tuple) and hasattr(tree, "_fields") and t not in _CUSTOM):
        kids = []
        for c in tree:
            if type(c) is _ndarray:  # a leaf without a call
                leaves.append(c)
                kids.append(_LEAF)
            else:
                kids.append(_flatten(c, leaves))
        return _make(t, None, tuple(kids))
    if isinstance(tree, dict) and t not in _CUSTOM:  # (defaultdict and registered subclasses: below)
        keys = _dict_keys(tree)
        return _make(t, tuple(keys), tuple([_flatten(tree[k], leaves) for k in keys]))
    if _CUSTOM:
        custom = _CUSTOM.get(t)
        if custom is not None:
            children, aux = _node_parts(custom, tree)
            return _make(t, aux, tuple([_flatten(c, leaves) for c in children]))
    leaves.append(tree)
    return _LEAF


def _node_parts(custom, tree) -> tuple:
    """``(children, aux_data)`` of a registered node, checked: a ValueError naming the type
    (not a bare unpacking error) when its flatten function returns something else."""
    res = custom[0](tree)
    if type(res) is tuple and len(res) == 2 and type(res[0]) in (tuple, list):
        return res
    name = type(tree).__name__
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise ValueError(f"tree_flatten: the flatten function registered for {name} must return a "
                         f"(children, aux_data) pair, got {res!r}")
    try:
        return list(res[0]), res[1]
    except TypeError:
        raise ValueError(f"tree_flatten: the flatten function registered for {name} must return "
                         f"an iterable of children first, got {res[0]!r}") from None


def tree_unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a pytree of shape ``treedef`` from ``leaves`` (exactly ``treedef.num_leaves``)."""
    if type(leaves) is not list and type(leaves) is not tuple:
        leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: {len(leaves)} leaves for a tree of "
                         f"{treedef.num_leaves}: {treedef}")
    build = treedef.build
    if build is None:
        build = treedef.build = _builder(treedef)
    return build(leaves)


#: trees up to this size and nesting are rebuilt by one generated expression
_BUILD_LEAVES, _BUILD_DEPTH = 256, 24


def _builder(td: TreeDef) -> Callable:
    """A function rebuilding trees of shape ``td`` from a list of leaves in one frame.

    The walk over ``td`` happens once, here: it writes one Python expression
    (``[(L[0], L[1]), (L[2], L[3])]`` for a list of two pairs), compiled once
    and kept on the (shared) tree definition. Large or deep trees use the
    recursive walk instead.
    """
    if td.num_leaves > _BUILD_LEAVES or td.depth > _BUILD_DEPTH:
        return lambda leaves: _unflatten(td, iter(leaves))
    names: dict = {}
    count = [0]

    def expr(t) -> str:
        kind = t.kind
        if kind == "leaf":
            count[0] += 1
            return f"L[{count[0] - 1}]"
        if kind == "none":
            return "None"
        kids = [expr(c) for c in t.children]
        if kind is tuple:
            return "(" + "".join(k + ", " for k in kids) + ")"
        if kind is list:
            return "[" + ", ".join(kids) + "]"
        j = len(names)
        custom = _CUSTOM.get(kind)
        if custom is not None:  # a registered node: its unflatten(aux, children)
            names[f"K{j}"], names[f"M{j}"] = custom[1], t.meta
            return f"K{j}(M{j}, (" + "".join(k + ", " for k in kids) + "))"  # (a tuple, as JAX)
        names[f"K{j}"] = kind
        if issubclass(kind, tuple):  # namedtuple
            return f"K{j}(" + ", ".join(kids) + ")"
        names[f"M{j}"] = t.meta
        return f"K{j}(zip(M{j}, (" + "".join(k + ", " for k in kids) + ")))"

    body = expr(td)
    return eval(f"lambda L: {body}", names)  # noqa: S307 - text built above from the tree's shape


def _unflatten(td, it):
    kind = td.kind
    if type(kind) is str:
        return next(it) if kind == "leaf" else None
    kids = [next(it) if c is _LEAF else _unflatten(c, it) for c in td.children]
    if kind is tuple or kind is list:
        return kind(kids)
    custom = _CUSTOM.get(kind)
    if custom is not None:
        return custom[1](td.meta, tuple(kids))
    if issubclass(kind, tuple):  # namedtuple
        return kind(*kids)
    return kind(zip(td.meta, kids))


def tree_leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable | None = None) -> TreeDef:
    """The structure of ``tree`` without its leaves (JAX's ``tree_structure``)."""
    return tree_flatten(tree, is_leaf)[1]


_NO_INITIAL = object()


def tree_reduce(f: Callable, tree: Any, initializer: Any = _NO_INITIAL,
                is_leaf: Callable | None = None) -> Any:
    """``functools.reduce(f, leaves)`` over the leaves of ``tree`` (JAX's ``tree_reduce``)."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIAL:
        return functools.reduce(f, leaves)
    return functools.reduce(f, leaves, initializer)


def tree_all(tree: Any, is_leaf: Callable | None = None) -> bool:
    """True if every leaf of ``tree`` is truthy (JAX's ``tree_all``)."""
    return builtins.all(tree_leaves(tree, is_leaf))


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply ``f`` leafwise to ``tree`` and the matching parts of ``rest``, as JAX's ``tree_map``.

    Each of ``rest`` has ``tree``'s structure, at least down to ``tree``'s leaves: where
    ``tree`` has a leaf, ``f`` gets the whole subtree there. ``is_leaf`` as in
    :func:`tree_flatten`.
    """
    leaves, td = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        rl, rtd = tree_flatten(r)
        if rtd != td:
            rl = []
            try:
                _flatten_up_to(td, r, rl, "tree_map")
            except ValueError as exc:
                raise ValueError(f"tree_map: structures differ: {td} vs {rtd} ({exc})") from None
        others.append(rl)
    return tree_unflatten(td, [f(*xs) for xs in zip(leaves, *others)])


def named_leaves(tree: Any, prefix: str = "") -> list[tuple[str, str, Any]]:
    """``(name, path, leaf)`` for each leaf, in :func:`tree_leaves` order.

    ``name`` joins dict keys and list indices with dots (``"0.W"``; ``prefix``
    alone for a single leaf), as parameter names and checkpoint entries are
    spelled; ``path`` is the Python index that reaches the leaf
    (``"[0]['W']"``).
    """
    out: list = []

    def walk(t, name, path):
        if t is None:
            return
        if type(t) in _CUSTOM:  # a registered node: its children, numbered in flattening order
            children, _ = _CUSTOM[type(t)][0](t)
            for i, c in enumerate(children):
                walk(c, f"{name}.{i}" if name else str(i), f"{path}<child {i}>")
        elif isinstance(t, dict):
            for k in _dict_keys(t):
                walk(t[k], f"{name}.{k}" if name else str(k), f"{path}[{k!r}]")
        elif isinstance(t, (list, tuple)):
            for i, c in enumerate(t):
                walk(c, f"{name}.{i}" if name else str(i), f"{path}[{i}]")
        else:
            out.append((name, path, t))
    walk(tree, prefix, "")
    return out


# ``jax.tree``'s short names, so ``tg.tree.map(f, params)`` reads as ``jax.tree.map`` does
# (defined last: the module's own code uses the builtins map and all through ``builtins``)
map = tree_map  # noqa: A001
leaves = tree_leaves
flatten = tree_flatten
unflatten = tree_unflatten
structure = tree_structure
reduce = tree_reduce
all = tree_all  # noqa: A001


def in_key_order(tree, like):
    """``tree`` with each plain dict's keys in the order of the matching dict in ``like``.

    A pytree's dicts come back from flattening with sorted keys (JAX's rule, which
    ``tg.grad`` follows); PyTorch's ``torch.func`` and HIPS autograd hand a gradient back
    with the argument's own key order, which code zipping ``params.items()`` with
    ``grads.values()`` relies on. Anything that does not match ``like`` is left as it is.
    """
    if type(tree) is dict and isinstance(like, dict) and tree.keys() == like.keys():
        return {k: in_key_order(tree[k], like[k]) for k in like}
    if type(tree) in (tuple, list) and type(like) in (tuple, list) and len(tree) == len(like):
        return type(tree)(in_key_order(a, b) for a, b in zip(tree, like))
    if isinstance(tree, tuple) and hasattr(tree, "_fields") and type(like) is type(tree):
        return type(tree)(*(in_key_order(a, b) for a, b in zip(tree, like)))
    return tree


# Key paths (JAX's tree_flatten_with_path, keystr, Partial, ...): tree_paths does not import
# this module (that would be a cycle), so it is handed the functions and registry it needs here.
def numbers_as_arrays(tree, passed=None):
    """``tree`` with its Python numbers (bool, int, float, complex) and NumPy scalars as 0-d
    NumPy arrays: the
    results of ``tg.jit`` and of ``tg.lax``'s loops and branches, which JAX returns as arrays
    (``fori_loop(0, 3, lambda i, c: c * 2.0, 1.0)`` is ``array(8.)``, not the float 8.0). A
    number that is the very leaf of ``passed`` in its place (a loop's initial carry, which the
    body handed back unchanged) stays a number, as JAX passes such a carry through."""
    leaves, td = tree_flatten(tree)
    if not any(_number(v) for v in leaves):
        return tree
    kept = [None] * len(leaves)
    if passed is not None:
        old, old_td = tree_flatten(passed)
        if old_td == td:
            kept = old
    return tree_unflatten(td, [np.asarray(v) if _number(v) and v is not k else v
                               for v, k in zip(leaves, kept)])


_NUMBERS = (bool, int, float, complex)


def _number(v) -> bool:
    """A Python number, or a NumPy scalar (``np.float64(2.0)``: a 0-d array, as JAX's)."""
    return type(v) in _NUMBERS or isinstance(v, (np.number, np.bool_))


from . import tree_paths as _tree_paths  # noqa: E402
from .tree_paths import (DictKey, FlattenedIndexKey, GetAttrKey, Partial, SequenceKey,  # noqa: E402
                         all_leaves, keystr, register_pytree_with_keys,
                         register_pytree_with_keys_class, register_static, tree_broadcast,
                         tree_flatten_with_path, tree_leaves_with_path, tree_map_with_path,
                         tree_reduce_associative, tree_transpose, treedef_children,
                         treedef_is_leaf, treedef_tuple, static, flatten_one_level,
                         flatten_one_level_with_keys, is_tree_node)
_tree_paths.attach(flatten=tree_flatten, unflatten=tree_unflatten, flatten_up_to=_flatten_up_to,
                   register=register_pytree_node, custom=_CUSTOM, TreeDef=TreeDef, make=_make,
                   dataclass_fields=_DATA_FIELDS, dict_keys=_dict_keys)
__all__ += ["SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey", "keystr",
            "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path",
            "register_pytree_with_keys", "register_pytree_with_keys_class", "register_static",
            "all_leaves", "tree_transpose", "treedef_children", "treedef_is_leaf", "treedef_tuple",
            "tree_broadcast", "Partial", "tree_reduce_associative", "static",
            "flatten_one_level", "flatten_one_level_with_keys", "is_tree_node", "PyTreeDef",
            "KeyPath", "KeyEntry"]
#: JAX's names for the structure of a tree, for one key of a path and for a key path (a tuple
#: of keys), for annotations
PyTreeDef = TreeDef
KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyPath = tuple
# the rest of ``jax.tree``'s short names
map_with_path, leaves_with_path = tree_map_with_path, tree_leaves_with_path
flatten_with_path, transpose, broadcast = tree_flatten_with_path, tree_transpose, tree_broadcast
reduce_associative = tree_reduce_associative
