"""Key paths for pytrees, as in ``jax.tree_util``: where each leaf sits in its tree.

A path is a tuple of keys, one per level: ``SequenceKey(i)`` for a list or
tuple entry, ``DictKey(k)`` for a dict entry, ``GetAttrKey(name)`` for a
namedtuple field or a dataclass field, ``FlattenedIndexKey(i)`` for the
``i``-th child of a node registered without keys. Paths come in the same leaf
order as :func:`tensorgrad.tree.tree_flatten` (dict keys sorted).

This module does not import :mod:`tensorgrad.tree` (which re-exports it, so
that would be an import cycle): ``tree`` hands over its flattening functions
and its registry of node types through :func:`attach` when it is imported.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import types
from typing import Any, Callable

__all__ = ["SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey", "keystr",
           "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path",
           "register_pytree_with_keys", "register_pytree_with_keys_class", "register_static",
           "all_leaves", "tree_transpose", "treedef_children", "treedef_is_leaf", "treedef_tuple",
           "tree_broadcast", "Partial", "tree_reduce_associative", "static",
           "flatten_one_level", "flatten_one_level_with_keys", "is_tree_node"]

#: tree's functions and registry, set by attach(): flatten, unflatten, flatten_up_to,
#: register, custom (type -> (flatten, unflatten)), TreeDef, make, dataclass_fields, dict_keys
_T = types.SimpleNamespace()

#: nodes registered with keys: type -> (flatten_with_keys, the flatten function registered)
_KEYED: dict = {}


class _Key:
    """A path entry: immutable, hashable, equal to keys of its own class and value only."""

    __slots__ = ()
    _field = ""

    def _get(self):
        return getattr(self, self._field)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        return type(other) is type(self) and other._get() == self._get()

    def __hash__(self):
        return hash((type(self).__name__, self._get()))

    def __repr__(self):
        return f"{type(self).__name__}({self._field}={self._get()!r})"

    def __reduce__(self):
        return (type(self), (self._get(),))


class SequenceKey(_Key):
    """The ``idx``-th entry of a list or tuple."""
    __slots__ = ("idx",)
    _field = "idx"
    __match_args__ = ("idx",)

    def __init__(self, idx: int):
        object.__setattr__(self, "idx", idx)

    def __str__(self):
        return f"[{self.idx!r}]"


class DictKey(_Key):
    """The entry of a dict under ``key``."""
    __slots__ = ("key",)
    _field = "key"
    __match_args__ = ("key",)

    def __init__(self, key):
        object.__setattr__(self, "key", key)

    def __str__(self):
        return f"[{self.key!r}]"


class GetAttrKey(_Key):
    """The attribute ``name`` (a namedtuple or dataclass field)."""
    __slots__ = ("name",)
    _field = "name"
    __match_args__ = ("name",)

    def __init__(self, name: str):
        object.__setattr__(self, "name", name)

    def __str__(self):
        return f".{self.name}"


class FlattenedIndexKey(_Key):
    """The ``key``-th child of a node registered without keys."""
    __slots__ = ("key",)
    _field = "key"
    __match_args__ = ("key",)

    def __init__(self, key: int):
        object.__setattr__(self, "key", key)

    def __str__(self):
        return f"[<flat index {self.key}>]"


def keystr(keys, *, simple: bool = False, separator: str = "") -> str:
    """A path as text: ``"['a'][0].x"``, or with ``simple=True`` the bare keys joined by
    ``separator`` (``"a/0/x"`` for ``separator="/"``), as JAX's ``keystr``."""
    if not isinstance(keys, (tuple, list)):
        raise TypeError(f"keystr: expected a key path (a tuple of keys), got {type(keys).__name__}")
    if not isinstance(separator, str):
        raise TypeError(f"keystr: separator must be a str, got {type(separator).__name__}")
    if not simple:
        return separator.join(str(k) for k in keys)
    return separator.join(str(k._get()) if isinstance(k, _Key) else str(k) for k in keys)


def _children_with_keys(node, custom) -> tuple[list, list]:
    """(keys, children) of a registered node, in its flattening order."""
    kind = type(node)
    keyed = _KEYED.get(kind)
    if keyed is not None and keyed[1] is custom[0]:
        pairs, _ = keyed[0](node)
        pairs = list(pairs)
        return [k for k, _ in pairs], [c for _, c in pairs]
    children = list(custom[0](node)[0])
    names = _T.dataclass_fields.get(kind)  # a dataclass registered by tree.register_dataclass
    if names is not None and len(names) == len(children):
        return [GetAttrKey(n) for n in names], children
    return [FlattenedIndexKey(i) for i in range(len(children))], children


def _walk(node, path: tuple, is_leaf, takes_path: bool, out: list, decisions: list) -> None:
    """Append ``(path, leaf)`` pairs below ``node``, visiting nodes as ``tree_flatten`` does
    (and recording each ``is_leaf`` answer, so that ``tree_flatten`` can replay them)."""
    if is_leaf is not None:
        stop = bool(is_leaf(path, node) if takes_path else is_leaf(node))
        decisions.append(stop)
        if stop:
            out.append((path, node))
            return
    level = _children(node)
    if level is None:
        out.append((path, node))
        return
    for k, c in zip(*level):
        _walk(c, path + (k,), is_leaf, takes_path, out, decisions)


def _children(node) -> tuple | None:
    """``(keys, children)`` of a pytree node, in flattening order (a registered type first, as
    ``tree_flatten`` checks); None for a leaf."""
    if node is None:
        return [], ()
    t = type(node)
    custom = _T.custom.get(t)
    if t is tuple or t is list:
        return [SequenceKey(i) for i in range(len(node))], node
    if custom is not None:
        return _children_with_keys(node, custom)
    if isinstance(node, tuple) and hasattr(node, "_fields"):  # namedtuple
        return [GetAttrKey(f) for f in node._fields], node
    if isinstance(node, dict):
        order = _T.dict_keys(node)
        return [DictKey(k) for k in order], [node[k] for k in order]
    return None


def _one_level(node, where: str) -> tuple[list, list, Any, bool]:
    """``(keys, children, metadata, as_given)`` of a pytree node, as flattening visits it;
    ``as_given``: ``children`` is the node itself (a list or a tuple). A leaf raises."""
    level = _children(node)
    if level is None:
        raise ValueError(f"{where}: {type(node).__name__} is a leaf, not a pytree node (a "
                         "built-in container, None, or a type registered with "
                         "register_pytree_node)")
    keys, children = level
    t = type(node)
    custom = _T.custom.get(t)
    if node is None or t is tuple or t is list:
        return keys, children, None, True
    if custom is not None:
        return keys, children, custom[0](node)[1], False
    if isinstance(node, dict):
        return keys, children, tuple(k.key for k in keys), t is dict
    return keys, list(children), t, False  # a namedtuple: its class


def flatten_one_level(tree: Any) -> tuple:
    """``(children, metadata)`` of the pytree node ``tree``, one level down (``jax.tree_util.
    flatten_one_level``): a list or tuple's items, a dict's values in flattening order (its
    keys are the metadata), a namedtuple's fields (its class), a registered node's children
    and aux data. A leaf raises ValueError."""
    _, children, meta, as_given = _one_level(tree, "flatten_one_level")
    return (tuple(children) if as_given and type(tree) is not list else children), meta


def flatten_one_level_with_keys(tree: Any) -> tuple:
    """``(((key, child), ...), metadata)``: :func:`flatten_one_level` with each child's key
    (``SequenceKey``, ``DictKey``, ``GetAttrKey`` or ``FlattenedIndexKey``)."""
    keys, children, meta, as_given = _one_level(tree, "flatten_one_level_with_keys")
    pairs = list(zip(keys, children))
    return (tuple(pairs) if as_given else pairs), meta


def is_tree_node(tree: Any) -> bool:
    """True if ``tree`` is a pytree node (a list, tuple, dict, namedtuple, None or a registered
    type: something flattening looks inside), False for a leaf. Given a type (as JAX's
    ``is_tree_node(typ)``): whether flattening looks inside its instances."""
    if isinstance(tree, type):
        return (tree is type(None) or tree is tuple or tree is list or tree in _T.custom
                or issubclass(tree, dict) or (issubclass(tree, tuple) and hasattr(tree, "_fields")))
    t = type(tree)
    return (tree is None or t is tuple or t is list or t in _T.custom or isinstance(tree, dict)
            or (isinstance(tree, tuple) and hasattr(tree, "_fields")))


def tree_flatten_with_path(tree: Any, is_leaf: Callable | None = None,
                           is_leaf_takes_path: bool = False) -> tuple[list, Any]:
    """``([(path, leaf), ...], treedef)``: the leaves of ``tree`` with their key paths, in
    :func:`tree_flatten` order (``is_leaf(x)``, or ``is_leaf(path, x)`` with
    ``is_leaf_takes_path=True``, stops the descent)."""
    if is_leaf is not None and not callable(is_leaf):
        raise TypeError(f"tree_flatten_with_path: is_leaf must be callable, got {is_leaf!r}")
    pairs: list = []
    decisions: list = []
    _walk(tree, (), is_leaf, is_leaf_takes_path, pairs, decisions)
    if is_leaf is None:
        return pairs, _T.flatten(tree)[1]
    answers = iter(decisions)
    return pairs, _T.flatten(tree, lambda _: next(answers))[1]


def tree_leaves_with_path(tree: Any, is_leaf: Callable | None = None,
                          is_leaf_takes_path: bool = False) -> list:
    """``[(path, leaf), ...]`` for the leaves of ``tree`` (see :func:`tree_flatten_with_path`)."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """``tree_map`` whose ``f`` also gets each leaf's key path first: ``f(path, x, *xs)``."""
    pairs, td = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = []
    for r in rest:
        sub: list = []
        try:
            _T.flatten_up_to(td, r, sub, "tree_map_with_path")
        except ValueError as exc:
            raise ValueError(f"tree_map_with_path: structures differ: {td} vs "
                             f"{_T.flatten(r)[1]} ({exc})") from None
        others.append(sub)
    return _T.unflatten(td, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable, unflatten_func: Callable,
                              flatten_func: Callable | None = None) -> None:
    """Register a pytree node whose children have keys (JAX's ``register_pytree_with_keys``):
    ``flatten_with_keys(x)`` returns ``([(key, child), ...], aux_data)``; ``flatten_func``
    (optional, faster) returns ``(children, aux_data)`` in the same order."""
    for name, fn in (("flatten_with_keys", flatten_with_keys), ("unflatten_func", unflatten_func)):
        if not callable(fn):
            raise TypeError(f"register_pytree_with_keys: {name} must be callable, got {fn!r}")
    if flatten_func is not None and not callable(flatten_func):
        raise TypeError(f"register_pytree_with_keys: flatten_func must be callable, got {flatten_func!r}")

    def flatten(x):
        pairs, aux = flatten_with_keys(x)
        return [c for _, c in pairs], aux
    used = flatten if flatten_func is None else flatten_func
    _T.register(nodetype, used, unflatten_func)
    _KEYED[nodetype] = (flatten_with_keys, used)


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: ``cls.tree_flatten_with_keys(self)`` and the classmethod
    ``cls.tree_unflatten(aux_data, children)`` (and ``tree_flatten`` if defined) make it a
    keyed pytree node."""
    for method in ("tree_flatten_with_keys", "tree_unflatten"):
        if not callable(getattr(cls, method, None)):
            raise TypeError(f"register_pytree_with_keys_class: {getattr(cls, '__name__', cls)!r} "
                            f"has no {method} method")
    flatten = (lambda x: x.tree_flatten()) if callable(getattr(cls, "tree_flatten", None)) else None
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten, flatten)
    return cls


def _static_flatten(x):
    return (), x


def _static_unflatten(aux, _children):
    return aux


def register_static(cls: type) -> type:
    """Make instances of ``cls`` pytree nodes with no children: the instance itself is the
    (hashable) static data of the structure (JAX's ``register_static``)."""
    if not isinstance(cls, type):
        raise TypeError(f"register_static: expected a class, got {cls!r}")
    _T.register(cls, _static_flatten, _static_unflatten)
    return cls


def all_leaves(iterable, is_leaf: Callable | None = None) -> bool:
    """True if every element of ``iterable`` is a pytree leaf (None and empty containers are
    not)."""
    return all(_T.flatten(x, is_leaf)[1].kind == "leaf" for x in iterable)


def _treedef(td, where: str):
    if not isinstance(td, _T.TreeDef):
        raise TypeError(f"{where}: expected a tree structure (TreeDef), got {type(td).__name__}")
    return td


def treedef_children(treedef) -> list:
    """The structures of the root's children (empty for a leaf)."""
    return list(_treedef(treedef, "treedef_children").children)


def treedef_is_leaf(treedef) -> bool:
    """True for a structure with a single node: a leaf, None, or an empty container."""
    return not _treedef(treedef, "treedef_is_leaf").children


def treedef_tuple(treedefs) -> Any:
    """The structure of a tuple whose entries have the given structures."""
    tds = tuple(_treedef(td, "treedef_tuple") for td in treedefs)
    return _T.make(tuple, None, tds)


def tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose: Any) -> Any:
    """Turn a tree of structure ``outer`` of trees of structure ``inner`` into an ``inner``
    tree of ``outer`` trees (``inner_treedef=None``: the first subtree's structure)."""
    outer = _treedef(outer_treedef, "tree_transpose")
    subs: list = []
    try:
        _T.flatten_up_to(outer, pytree_to_transpose, subs, "tree_transpose")
    except ValueError as exc:
        raise TypeError(f"tree_transpose: the tree does not have the outer structure {outer}: "
                        f"{exc}") from None
    flat = [_T.flatten(s) for s in subs]
    if inner_treedef is None:
        if not flat:
            raise ValueError("tree_transpose: inner_treedef=None needs at least one subtree")
        inner_treedef = flat[0][1]
    inner = _treedef(inner_treedef, "tree_transpose")
    for leaves, td in flat:
        if td != inner:
            raise TypeError(f"tree_transpose: a subtree has structure {td}, not the inner "
                            f"structure {inner}")
    return _T.unflatten(inner, [_T.unflatten(outer, [leaves[j] for leaves, _ in flat])
                                for j in range(inner.num_leaves)])


def tree_broadcast(prefix_tree: Any, full_tree: Any, is_leaf: Callable | None = None) -> Any:
    """``prefix_tree`` with each leaf repeated over the matching subtree of ``full_tree``."""
    def spread(x, sub):  # (is_leaf decides the prefix's leaves; the result has full_tree's shape)
        leaves, td = _T.flatten(sub)
        return _T.unflatten(td, [x] * len(leaves))
    pre_leaves, pre_td = _T.flatten(prefix_tree, is_leaf)
    subs: list = []
    try:
        _T.flatten_up_to(pre_td, full_tree, subs, "tree_broadcast")
    except ValueError as exc:
        raise ValueError(f"tree_broadcast: {prefix_tree!r} is not a prefix of the full tree: "
                         f"{exc}") from None
    return _T.unflatten(pre_td, [spread(x, s) for x, s in zip(pre_leaves, subs)])


class Partial(functools.partial):
    """A ``functools.partial`` that is a pytree: its positional and keyword arguments are the
    children (transforms see them), the function is static, as JAX's ``Partial``.

    A ``functools.partial`` given as the function stays whole (its arguments static), where
    ``functools.partial`` itself would merge its arguments into the new ones."""

    def __new__(cls, func, *args, **keywords):
        if isinstance(func, functools.partial):
            func = _Whole(func)
        return super().__new__(cls, func, *args, **keywords)


class _Whole:
    """A callable standing for an inner partial, so that ``functools.partial`` cannot see
    (and merge) its arguments; equal to that partial (and to stand-ins for it)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    func = property(lambda self: self.fn.func)
    args = property(lambda self: self.fn.args)
    keywords = property(lambda self: self.fn.keywords)

    def __eq__(self, other):  # equal to the partial it wraps, too (JAX's stable func)
        return (other.fn if type(other) is _Whole else other) is self.fn

    def __hash__(self):
        return hash(self.fn)

    def __repr__(self):
        return repr(self.fn)


def _partial_flatten(p):
    return (p.args, p.keywords), p.func


def _partial_unflatten(func, children):
    args, keywords = children
    return Partial(func, *args, **keywords)


_NO_IDENTITY = object()


def tree_reduce_associative(operation: Callable, tree: Any, *, identity: Any = _NO_IDENTITY,
                            is_leaf: Callable | None = None) -> Any:
    """Reduce the leaves with an associative ``operation`` by halves (the first half's
    result with the second's, recursively), as ``jax.tree.reduce_associative``;
    ``identity`` is the result of an empty tree (without it, an empty tree is a
    ``TypeError``)."""
    parts = list(_T.flatten(tree, is_leaf)[0])
    if not parts:
        if identity is _NO_IDENTITY:
            raise TypeError("tree_reduce_associative: the tree has no leaves; pass identity= "
                            "for the result of an empty reduction")
        return identity

    def halves(lo, hi):
        if hi - lo == 1:
            return parts[lo]
        mid = (lo + hi) // 2
        return operation(halves(lo, mid), halves(mid, hi))
    return halves(0, len(parts))


def static(**field_options):
    """A dataclass field that :func:`~tensorgrad.tree.register_dataclass` keeps in the tree's
    structure (static) instead of among its leaves, as ``jax.tree.static``: the options of
    ``dataclasses.field``, with ``metadata["static"] = True``."""
    metadata = dict(field_options.pop("metadata", None) or {})
    metadata["static"] = True
    return dataclasses.field(metadata=metadata, **field_options)


def attach(**internals) -> None:
    """Called by :mod:`tensorgrad.tree` once defined: its flattening functions and registry."""
    vars(_T).update(internals)
    _T.register(Partial, _partial_flatten, _partial_unflatten)
    dd = collections.defaultdict  # registered by tree (sorted keys, the factory as aux): DictKey paths
    _KEYED[dd] = (lambda d: ([(DictKey(k), d[k]) for k in sorted(d)], None), _T.custom[dd][0])
