"""The :class:`Module` base class: hyperparameters on the object, parameters in a pytree.

A Module is written one of two ways:

* **tensorgrad's functional form**: ``init_params(rng) -> pytree`` and a pure
  ``apply(params, x)``; every transform differentiates ``apply`` in ``params``;
* **PyTorch's form**: child Modules assigned as attributes in ``__init__`` and a
  ``forward(x, ...)`` that calls them. The default ``init_params`` gives a dict with one
  entry per child that has parameters, under its attribute name, and the default ``apply``
  runs ``forward`` with every child reading its entry of ``params``, so ``model(x)``,
  ``model.apply(params, x)`` and ``tg.grad`` of it work as for a functional Module.

Either way the names of ``named_parameters()`` and ``state_dict()`` are PyTorch's: the
children's names joined by dots, with a Sequential's layers numbered by their position
(``"2.W"`` for the Linear after a ReLU), as its buffers are.
"""
from __future__ import annotations

import operator
import threading
from typing import Any, Iterator

import numpy as np

from .. import random as _random
from ..imperative import tensor
from ..jit_aot import MODES, note_read
from ..tensor import Tensor, concrete
from ..tree import _dict_keys, named_leaves, tree_flatten, tree_unflatten
from . import init as _init
from .module_hooks import HookHandle, with_hooks
from .module_hooks import register as register_hook
from .module_dtype import DtypeMixin
from .module_owner import MISSING as _MISSING
from .module_tracking import TrackingMixin
from .module_owner import Owner as _Owner
from ..hooks import as_param as param_view
from .param_owners import CONVERTING, NamedArrays, ParameterList, frozen_changed, listed
from .parameter import check_parameter_name, is_parameter
from .buffer import BufferMixin, buffer_persistent, is_buffer
from .state import StateDictMixin

__all__ = ["Module", "NamedArrays", "named_parameters", "count_parameters", "children_repr",
           "check_unshared"]


def named_parameters(params: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a parameter pytree to ``{"0.W": array, ...}`` (dict keys and list indices
    joined by dots), in the same order as ``tg.tree_leaves``."""
    return {name: leaf for name, _, leaf in named_leaves(params, prefix)}


def count_parameters(params: Any) -> int:
    """Total number of scalar parameters in a pytree."""
    return int(sum(np.size(concrete(v)) for v in named_parameters(params).values()))


class _Bound(threading.local):
    """Per thread: the parameters a PyTorch-form ``apply`` hands to the Modules under it
    (``id(module) -> params``) while its ``forward`` runs."""

    def __init__(self):
        self.table: dict = {}


_BOUND = _Bound()
_PARAMS = operator.attrgetter("params")  # (how a jit plan reads them again: see note_read)


def _holds_modules(v) -> bool:
    """Whether ``v`` is a Module or a list, tuple or dict holding one."""
    if isinstance(v, Module):
        return True
    if isinstance(v, (list, tuple)):
        return any(isinstance(c, Module) for c in v)
    return isinstance(v, dict) and any(isinstance(c, Module) for c in v.values())


def _join(prefix: str, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def check_unshared(root: "Module", who: str) -> None:
    """Refuse a Module with parameters held at two places of ``root`` (PyTorch's weight tying
    by assigning one Module twice): its parameters would get an entry per place, and the
    places would silently read one entry and leave the other's gradient zero."""
    first: dict = {}
    for name, m in root.named_modules(remove_duplicate=False):
        if id(m) in first and m.has_parameters:
            raise NotImplementedError(
                f"{who}: the same {type(m).__name__} is held at two places, "
                f"{first[id(m)] or '(the model)'!r} and {name!r}. tensorgrad keeps a model's "
                "parameters in one pytree with an entry per place, so a Module with parameters "
                "cannot be shared between places (PyTorch's weight tying by assigning one Module "
                "twice). Hold it once and call it twice in forward: y = self.a(self.a(x))")
        first.setdefault(id(m), name)


def children_repr(head: str, pairs, extra: str = "") -> str:
    """PyTorch's layout: ``head(`` then the ``extra_repr`` lines and one ``(name): repr`` line
    per child, indented (a child's own lines one level deeper), then ``)``."""
    body = "".join(f"\n  {line}" for line in extra.split("\n") if extra)
    body += "".join(f"\n  ({n}): " + repr(c).replace("\n", "\n  ") for n, c in pairs)
    return f"{head}({body}\n)"


class Module(StateDictMixin, DtypeMixin, TrackingMixin, BufferMixin):
    """Base layer: hyperparameters on the object, parameters in a pytree.

    Subclasses implement ``init_params(rng) -> pytree`` and the pure ``apply(params, x)``,
    or, PyTorch's way, assign child Modules as attributes and define ``forward``.
    ``state_dict()`` / ``load_state_dict()`` are PyTorch's.
    """

    training: bool = True
    #: names of the layer's buffers: arrays it keeps that are not parameters (BatchNorm's
    #: running statistics), listed by named_buffers() and saved in checkpoints
    buffer_names: tuple = ()
    #: whether ``apply`` takes a ``key=`` (Dropout; a Sequential holding one)
    stochastic: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        apply = cls.__dict__.get("apply")
        if apply is not None and not getattr(apply, "_with_hooks", False):
            cls.apply = with_hooks(apply)  # (forward hooks run around every apply)
        # written PyTorch's way (a forward, no apply): a call passes every argument to forward
        if cls.apply is Module.apply and cls.forward is not Module.forward \
                and "__call__" not in cls.__dict__:
            cls.__call__ = Module._call_forward

    # ---- parameters ------------------------------------------------------------------

    @property
    def params(self) -> Any:
        """The remembered parameter pytree (None until made). A Module held by a model whose
        parameters are made reads its entry of the model's pytree, and assigning writes it
        there, as in PyTorch, where a layer and the model holding it share the parameters:
        ``model[0](x)``, ``model.fc1.parameters()``, ``model.fc1.requires_grad_(False)`` and
        ``model.fc1.load_state_dict(sd)`` act on the model's parameters."""
        d = self.__dict__
        link = d.get("_owner")
        p = _MISSING if link is None else link.entry(self)
        if p is _MISSING:
            p = d.get("_params")
            link = None
        note_read(self, p, _PARAMS, link)  # (a jit trace bakes them in: its plan checks they stay)
        return p

    @params.setter
    def params(self, value: Any) -> None:
        d = self.__dict__
        link = d.get("_owner")
        if value is not None and link is not None and link.write(self, value):
            return
        d["_params"] = value
        d["_lazy"] = False
        if value is not None:
            self._claim(value)

    def _claim(self, params: Any) -> None:
        """Make this Module the owner of its children's entries of ``params`` (and so on
        down): they read and write them here, not in a copy of their own. Children without
        parameters are linked too, so one that gains some later is laid out here."""
        slots = {id(c): slot for slot, c in self._child_slots(params)} if params is not None else {}
        for _, c in self.named_children():
            cd = c.__dict__
            link = cd.get("_owner")
            if link is None or link.module is not self:
                cd["_owner"] = _Owner(self)
            slot = slots.get(id(c), _MISSING)
            if slot is not _MISSING:
                cd["_params"] = None
                c._claim(params[slot])
            else:
                c._claim(None)

    def _child_slots(self, params) -> list:
        """``[(slot, child), ...]``: where each child with parameters has its entry in
        ``params`` (a dict key or list index); empty when the class lays ``params`` out
        itself."""
        entries = self._child_entries(params)
        return [(k, c) for k, c, _ in entries or () if c is not None and c.has_parameters]

    def _layout(self, make, own=None):
        """The parameters laid out by child, ``{name: make(child)}`` for every child with
        parameters, and ``{name: own(name, p)}`` for each :func:`Parameter` ``p`` of the
        Module's own (``p`` itself without ``own``); None when the class lays them out itself
        (its own ``init_params``)."""
        if type(self).init_params is not Module.init_params:
            return None
        mine = self.__dict__.get("_own_params") or {}
        out = {n: (p if own is None else own(n, p)) for n, p in mine.items() if p is not None}
        out.update((name, make(c)) for name, c in self.named_children() if c.has_parameters)
        return out

    def __getattr__(self, name: str):
        mine = self.__dict__.get("_own_params")
        if mine is not None and name in mine:  # a Parameter of its own: the value in use
            return None if mine[name] is None else self._have()[name]
        hint = ""
        if name[:1] != "_" and "_params" in self.__dict__:  # (never made here: no side effect)
            params = self.params
            if isinstance(params, dict) and params and type(self).init_params is not Module.init_params:
                named = {getattr(d, "key", None): n for c in type(self).__mro__  # (ParamAttrs)
                         for n, d in vars(c).items() if hasattr(d, "key") and hasattr(d, "flag")}
                hint = (f"; its parameters are {', '.join(map(str, params))}, read as layer.params"
                        f"[name]{''.join(f', layer.{named[k]}' for k in params if k in named)}")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}{hint}")

    def register_parameter(self, name: str, param: Any) -> None:
        """PyTorch's: ``param`` (a :func:`Parameter`, or None for an absent one) becomes the
        Module's parameter ``name`` (see :mod:`tensorgrad.nn.parameter`)."""
        check_parameter_name("register_parameter", name)
        if name not in (self.__dict__.get("_own_params") or {}) and name in self.__dict__:
            raise KeyError(f"register_parameter: attribute '{name}' already exists")
        if param is not None and not is_parameter(param):
            raise TypeError(f"register_parameter: cannot assign {type(param).__name__} as parameter "
                            f"'{name}' (tg.nn.Parameter or None required)")
        if type(self).init_params is not Module.init_params:
            raise TypeError(f"{type(self).__name__}: lays out its own parameters (init_params), so it "
                            f"cannot take the Parameter '{name}'; Parameters are for Modules written "
                            "PyTorch's way (children as attributes and a forward)")
        def change():
            self.__dict__.pop(name, None)
            self.__dict__.setdefault("_own_params", {})[name] = param
        self._restructure(change, name)  # (the new value, not the old entry)

    def __getstate__(self):
        """(copy, deepcopy, pickle) A model not run yet draws its parameters first (from the
        stream, as at a first use), so that its copies start from the same values, as
        PyTorch's do (drawn when the model is made): ``target = copy.deepcopy(policy)``."""
        d = self.__dict__
        if d.get("_owner") is None and d.get("_params") is None and self.has_parameters and not any(
                getattr(m, "has_uninitialized_params", None) is not None for m in self.modules()):
            self._have()
        return d

    def __setattr__(self, name: str, value: Any) -> None:
        mine = self.__dict__.get("_own_params")
        if is_parameter(value) or (mine is not None and name in mine):
            if value is not None and not is_parameter(value):
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                "(tg.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        if is_buffer(value):  # tg.nn.Buffer(...): registered as a buffer (nn/buffer.py)
            return self.register_buffer(name, value, buffer_persistent(value))
        # a child assigned, replaced or removed once the parameters exist: they follow
        if name[:1] == "_" or not (_holds_modules(value) or _holds_modules(self.__dict__.get(name))):
            object.__setattr__(self, name, value)
            return
        self._restructure(lambda: object.__setattr__(self, name, value))

    def __delattr__(self, name: str) -> None:
        mine = self.__dict__.get("_own_params")
        if mine is not None and name in mine:
            self._restructure(lambda: mine.pop(name))
        elif _holds_modules(self.__dict__.get(name)):
            self._restructure(lambda: object.__delattr__(self, name))
        else:
            object.__delattr__(self, name)

    def _restructure(self, change, replaced: str | None = None) -> None:
        """Run ``change()`` (children or Parameters held are added, replaced or removed), then
        lay the parameters out again: here, and in each owner up the chain whose child gained
        its first parameters or lost its last ones (a slot appears or goes there). Once the
        Module has parameters or has run, jitted functions trace again at their next call
        (their plans hold the layers they saw; a Module being built, maybe inside a jitted
        function, does not make them trace again). ``replaced``: the name of an own Parameter
        being replaced, whose old entry is not kept."""
        if self.__dict__.get("_owner") is None and self.params is None:
            if self.__dict__.get("_applied"):
                MODES[0] += 1
            change()  # no parameters made here or above (a Module being built): nothing to follow
            return
        MODES[0] += 1
        chain, m = [], self
        while m is not None:
            chain.append((m, m._entries_by_child(), m.has_parameters))
            if m is self and replaced is not None and chain[0][1] is not None:
                chain[0][1].pop(replaced, None)
            link = m.__dict__.get("_owner")
            m = link.module if link is not None else None
        change()
        for m, before, had in chain:
            m._relay(before)
            if m.has_parameters == had:
                break

    def _entries_by_child(self) -> dict | None:
        """``{id(child): its entry}`` of the parameters in use, and ``{name: entry}`` for the
        Module's own Parameters (None when there are no parameters yet)."""
        params = self.params
        if params is None:
            return None
        out: dict = {id(c): params[slot] for slot, c in self._child_slots(params)}
        if isinstance(params, dict):
            out.update((n, params[n]) for n in self.__dict__.get("_own_params") or () if n in params)
        return out

    def _relay(self, before: dict | None) -> None:
        """Lay the parameters out again for the children held now (as PyTorch registers a
        Module on assignment): a child that had an entry keeps it, a new one brings what it
        was given or gets a fresh draw (tensors that require grad when the model's are), and
        a child no longer held leaves with its entry."""
        if before is None:
            return
        kept = list(before.values())
        live = any(isinstance(v, Tensor) and v.requires_grad for v in tree_flatten(kept)[0])
        rng = _init.rng_from(len(tree_flatten(kept)[0]))

        def entry(c):
            p = before.get(id(c), _MISSING)
            if p is not _MISSING:
                return p
            p = c._kept_params(rng, [])
            if live:
                leaves, td = tree_flatten(p)
                p = tree_unflatten(td, [v if isinstance(v, Tensor) else tensor(v, requires_grad=True)
                                        for v in leaves])
            return p
        new = self._layout(entry, lambda n, p: before.get(n, p))
        if new is not None:
            self.params = new

    def _made_lazily(self) -> bool:
        """Whether this Module's own parameters were made by a first use of its own, not given
        (an entry in a model's parameters counts as given, however the model made it)."""
        link = self.__dict__.get("_owner")
        if link is not None and link.entry(self) is not _MISSING:
            return False
        return bool(self.__dict__.get("_lazy"))

    def _kept_params(self, rng, kept: list) -> Any:
        """The parameters a first use makes: those already given to this Module (set,
        loaded, or its entry in another model; noted in ``kept``), else new ones from
        ``rng``, child by child, so a layer made and loaded on its own keeps its values
        inside a new model. Parameters a layer made for itself on a first use of its own
        are not kept: each layer of a new model gets its own draw."""
        own = None if self._made_lazily() else self.params
        if own is not None:
            kept.append(self)
            return own
        if self.__dict__.get("_own_params"):
            kept.append(self)  # (its Parameters were given)
        made = self._layout(lambda c: c._kept_params(rng, kept))
        return made if made is not None else self.init_params(rng)

    def init_params(self, rng: np.random.Generator) -> Any:
        """The default: ``{name: child.init_params(rng)}`` for each child Module (an
        attribute, or an entry of a list attribute) that has parameters, and a copy of each
        :func:`Parameter` of its own."""
        return self._layout(lambda c: c.init_params(rng), lambda n, p: np.array(concrete(p)))

    @property
    def has_parameters(self) -> bool:
        """Whether the layer has parameters (an entry in a :class:`Sequential`'s list).

        True when the class defines its own ``init_params``, or holds a child Module that
        has parameters; activations, pooling and Flatten have none."""
        if type(self).init_params is not Module.init_params:
            return True
        if any(p is not None for p in (self.__dict__.get("_own_params") or {}).values()):
            return True
        return any(c.has_parameters for _, c in self.named_children())

    def init(self, seed: _init.Seed = 0) -> Any:
        """Create parameters from ``seed`` (int or Generator), remember and return them.

        Every Dropout in the model made without a seed of its own gets its stream from
        ``seed`` too: the j-th one (in :meth:`modules` order) ``fold_in(PRNGKey(seed), j)``.
        Running statistics start afresh (BatchNorm's ``reset_running_stats()``, as PyTorch's
        ``reset_parameters()``): a re-initialized model is a new model."""
        return self._initialize(seed, keep=False)

    def _initialize(self, seed, keep: bool) -> Any:
        check_unshared(self, f"{type(self).__name__}.init")
        rng = _init.rng_from(seed)
        if keep:  # the first use: what was given is kept, the rest is made
            kept: list = []
            self.params = self._kept_params(rng, kept)
            self.__dict__["_lazy"] = not kept
        else:
            self.params = self.init_params(rng)
            for m in self.modules():
                if hasattr(m, "reset_running_stats"):
                    m.reset_running_stats()
        drops = [m for m in self.modules() if hasattr(m, "reseed") and getattr(m, "seed", 0) is None]
        if drops:
            base = int(seed) if isinstance(seed, (int, np.integer)) else int(rng.integers(2 ** 31))
            for j, m in enumerate(drops):
                if not keep or getattr(m, "key", None) is None:  # (a first use keeps a model's seeding)
                    m.reseed(_random.fold_in(_random.PRNGKey(base), j))
        return self.params

    def _have(self):
        """The parameters in use: those a PyTorch-form parent's ``apply`` handed down (this
        thread), else the remembered ones (made on first use)."""
        table = _BOUND.table
        if table:
            p = table.get(id(self), _MISSING)
            if p is not _MISSING:
                return p
        params = self.params
        if params is None:
            with CONVERTING:  # (two threads' first calls: one set of parameters)
                params = self.params
                params = self._initialize(_init.default_stream(), keep=True) if params is None else params
        return params

    def parameters(self, recurse: bool = True) -> ParameterList:
        """The parameter arrays, in pytree order (``recurse=False``: only the Module's own,
        not its children's), as ``ParamArray`` views (PyTorch's parameter attributes; see
        ``tensorgrad.autograd_function.ParamArray``); tensors once they are. A list that
        ``next()`` also reads, as PyTorch's generator."""
        out = ParameterList(self.named_parameters(recurse=recurse).values())
        out._module = self
        return out

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> NamedArrays:
        """``{"0.W": array, "0.b": array, ...}``; iterating gives ``(name, array)`` pairs,
        as PyTorch's does. ``prefix`` goes in front of every name; ``recurse=False`` lists
        only the Module's own parameters, not its children's; a parameter held under two
        names (``self.q = self.p``) comes once, under its first, unless ``remove_duplicate=False``."""
        pairs = self._named_leaves(listed(self), prefix)  # (noted for an optimizer: param_owners)
        if remove_duplicate:
            seen: set = set()
            pairs = [(n, v) for n, v in pairs if not (id(v) in seen or seen.add(id(v)))]
        if not recurse:
            kids = {_join(prefix, n) for n, _ in self.named_children()}
            pairs = [(n, v) for n, v in pairs if not any(n == k or n.startswith(k + ".") for k in kids)]
        return NamedArrays((n, param_view(v)) for n, v in pairs)

    def get_parameter(self, target: str):
        """PyTorch's: the parameter named ``target`` (``"fc1.W"``)."""
        named = self.named_parameters()
        if target not in named:
            raise AttributeError(f"{type(self).__name__} has no parameter {target!r}")
        return named[target]

    def add_module(self, name: str, module: "Module | None") -> None:
        """PyTorch's: hold ``module`` as the child ``name`` (as ``setattr``)."""
        check_parameter_name("add_module", name, self, Module)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        setattr(self, name, module)

    register_module = add_module

    def num_parameters(self) -> int:
        return count_parameters(self._have())

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """PyTorch's: every parameter becomes an imperative tensor that requires grad (of a
        copy of its array), so ``loss.backward()`` fills its ``.grad`` and an optimizer made
        PyTorch's way (``tg.optim.SGD(model.parameters(), lr=0.1)``, which converts the arrays
        itself when given them) updates it; ``False`` stops them requiring grad.
        Returns ``self``.

        Every parameter of the model follows, as PyTorch's: ``model.requires_grad_()`` also
        unfreezes a layer inside that was frozen on its own (its ``requires_grad_(False)``,
        ``Embedding.from_pretrained(freeze=True)``; fine-tuning's "freeze the body, later
        unfreeze all"). The conversions made without this call (the model's first call on a
        tensor, an optimizer made on its arrays: see module_tracking) keep such layers frozen."""
        leaves, td = tree_flatten(self._have())
        if requires_grad:
            for m in self.modules():  # (their own freezes are undone, as PyTorch's flags would be)
                m.__dict__.pop("_frozen", None)
        self.__dict__["_frozen"] = not requires_grad
        frozen_changed()
        out = []
        for v in leaves:
            if isinstance(v, Tensor):
                v.requires_grad_(requires_grad)
            elif requires_grad:
                v = tensor(v, requires_grad=True)
            out.append(v)
        self.params = tree_unflatten(td, out)
        return self

    def _frozen_leaf_ids(self, include_self: bool) -> set:
        """The ``id``s of the parameters of the Modules inside frozen on their own (their
        ``requires_grad_(False)``, ``Embedding.from_pretrained``), and of this one's too when
        ``include_self``."""
        return {id(v) for m in self.modules()
                if (include_self or m is not self) and m.__dict__.get("_frozen")
                and m.params is not None for v in tree_flatten(m.params)[0]}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the ``.grad`` of every parameter that is an imperative tensor."""
        for v in tree_flatten(self._have())[0]:
            if isinstance(v, Tensor) and v.grad is not None:
                v.grad = None if set_to_none else np.zeros_like(v.grad)

    def _child_entries(self, params) -> list | None:
        """``[(key, child or None, its parameters), ...]`` in ``params``' flattening order,
        when ``params`` is laid out by child (None when the class lays it out itself)."""
        if type(self).init_params is not Module.init_params or not isinstance(params, dict):
            return None
        kids = dict(self.named_children())
        return [(k, kids.get(k), params[k]) for k in _dict_keys(params)]

    def _child_params(self, params) -> list:
        """``[(child, its parameters), ...]`` when ``params`` is laid out by child (``{}``
        for a child without parameters); empty when the class lays it out itself."""
        if type(self).init_params is not Module.init_params or not isinstance(params, dict):
            return []
        return [(c, params.get(name, {})) for name, c in self.named_children()]

    def _named_leaves(self, params, prefix: str = "") -> list:
        """``[(name, leaf), ...]`` in flattening order, each child's leaves named by the
        child (a Sequential numbers its layers by position)."""
        entries = self._child_entries(params)
        if entries is None:
            return [(n, leaf) for n, _, leaf in named_leaves(params, prefix)]
        out: list = []
        for key, child, sub in entries:
            name = _join(prefix, key)
            if child is None:
                out.extend((n, leaf) for n, _, leaf in named_leaves(sub, name))
            else:
                out.extend(child._named_leaves(sub, name))
        return out

    # ---- calling ---------------------------------------------------------------------

    def apply(self, params: Any, *args, **kwargs) -> Any:
        """The pure forward pass on ``params``. For a Module written PyTorch's way (a
        ``forward``, children as attributes) it runs ``forward(*args, **kwargs)`` with each
        child reading its entry of ``params``."""
        if type(self).forward is Module.forward:
            raise NotImplementedError(
                f"{type(self).__name__}: a Module defines apply(params, x) (with "
                "init_params(rng)), or forward(x) calling child Modules assigned as attributes "
                "(PyTorch's way); this one defines neither")
        table = _BOUND.table
        if not table:  # (the outermost apply checks the whole model once)
            check_unshared(self, f"{type(self).__name__}.apply")
        saved: dict = {}

        def bind(m, p):
            key = id(m)
            if key not in saved:
                saved[key] = table.get(key, _MISSING)
            table[key] = p
            for child, sub in m._child_params(p):
                bind(child, sub)

        bind(self, params)
        try:
            return self.forward(*args, **kwargs)
        finally:
            for key, old in saved.items():
                if old is _MISSING:
                    table.pop(key, None)
                else:
                    table[key] = old

    def __call__(self, x: Any, params: Any = None, key: Any = None) -> Any:
        if params is None:
            params = self._called(x)
        if key is None:
            return self.apply(params, x)
        if not self.stochastic:
            raise TypeError(f"{type(self).__name__}: key= is for layers that draw random numbers "
                            "(Dropout, or a Sequential holding one)")
        return self.apply(params, x, key=key)

    def _call_forward(self, *args, params: Any = None, **kwargs) -> Any:
        # the call of a Module written PyTorch's way: every argument goes to forward
        return self.apply(self._called(*args, *kwargs.values()) if params is None else params, *args, **kwargs)

    def forward(self, *args, **kwargs) -> Any:
        """``self(...)``, PyTorch's name for the call."""
        return self(*args, **kwargs)

    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> HookHandle:
        """PyTorch's: ``hook(module, args)`` runs before the Module computes its output and may
        return new positional arguments (see :mod:`tensorgrad.nn.module_hooks`)."""
        return register_hook(self, "_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> HookHandle:
        """PyTorch's: ``hook(module, args, output)`` runs after the Module computed its output
        and may return a new one (see :mod:`tensorgrad.nn.module_hooks`). ``always_call`` is
        accepted; a hook does not run when the computation raised."""
        return register_hook(self, "_forward_hooks", hook, prepend, with_kwargs)

    def register_full_backward_pre_hook(self, hook, *, prepend: bool = False) -> HookHandle:
        """PyTorch's: ``hook(module, grad_output)`` runs in ``backward()`` when the gradient
        of the Module's output is known and may return a new one (see
        :mod:`tensorgrad.nn.module_hooks`)."""
        return register_hook(self, "_backward_pre_hooks", hook, prepend, False)

    def register_full_backward_hook(self, hook, *, prepend: bool = False) -> HookHandle:
        """PyTorch's: ``hook(module, grad_input, grad_output)`` runs in ``backward()`` when the
        gradients of the Module's inputs are known and may return new ones (see
        :mod:`tensorgrad.nn.module_hooks`)."""
        return register_hook(self, "_backward_hooks", hook, prepend, False)

    # ---- the Modules inside ----------------------------------------------------------

    def named_children(self) -> list[tuple[str, "Module"]]:
        """``[(name, module), ...]``: the Modules held directly, as attributes or in lists."""
        out = []
        for name, v in vars(self).items():
            if isinstance(v, Module):
                out.append((name, v))
            elif isinstance(v, (list, tuple)):
                out.extend((f"{name}.{i}", c) for i, c in enumerate(v) if isinstance(c, Module))
        return out

    def children(self) -> Iterator["Module"]:
        """The Modules held directly, each once (PyTorch's ``children()``)."""
        return iter({id(c): c for _, c in self.named_children()}.values())

    def modules(self) -> Iterator["Module"]:
        """This Module and every Module inside it, depth first, each once (as PyTorch's)."""
        return (m for _, m in self.named_modules())

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """``("", self)``, then ``(name, module)`` for every Module inside, depth first
        (PyTorch's ``named_modules``; a Module held twice comes once unless
        ``remove_duplicate=False``)."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, c in self.named_children():
            yield from c.named_modules(memo, _join(prefix, name), remove_duplicate)

    def get_submodule(self, target: str) -> "Module":
        """PyTorch's: the Module at the dotted path ``target`` (``""``: this one)."""
        m = self
        for part in target.split(".") if target else ():
            kids = dict(m.named_children())
            if part not in kids:
                raise AttributeError(f"{type(m).__name__} has no submodule {part!r} (in "
                                     f"{target!r})")
            m = kids[part]
        return m

    def train(self, mode: bool = True) -> "Module":
        """Set training mode (the default) on this Module and every Module inside it: Dropout
        and BatchNorm behave differently in training and evaluation. Jitted functions trace
        again at their next call, in the new mode. Returns ``self``."""
        if not isinstance(mode, (bool, np.bool_)):  # (PyTorch's too: train("x") is a slip)
            raise ValueError(f"{type(self).__name__}.train: mode must be a bool, got {mode!r}")
        if any(bool(m.training) != mode for m in self.modules()):
            MODES[0] += 1  # jitted functions trace again (their plans hold the mode they saw)
        self.training = mode = bool(mode)
        for _, c in self.named_children():
            c.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode for this Module and every Module inside it: ``train(False)``."""
        return self.train(False)

    def __repr__(self) -> str:
        kids = self.named_children() if type(self).init_params is Module.init_params else []
        if not kids:
            return f"{type(self).__name__}({self.extra_repr()})"
        return children_repr(type(self).__name__, kids, self.extra_repr())

    def extra_repr(self) -> str:
        return ""


Module.apply = with_hooks(Module.apply)  # (before any subclass is made: see __init_subclass__)
