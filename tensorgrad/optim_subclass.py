"""PyTorch's ``torch.optim.Optimizer`` as a base class for optimizers written PyTorch's way.

A subclass of :class:`tensorgrad.optim.Optimizer` that defines ``step`` (and no ``_update``,
tensorgrad's functional rule) is read as PyTorch's form::

    class MySGD(tg.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        @tg.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])

``super().__init__(params, defaults)`` then lays out ``param_groups`` (plain dicts, every
default filled in), ``state`` (a dict per parameter, indexed by the tensor, made on first
use) and ``defaults``, and the subclass inherits PyTorch's ``zero_grad``,
``add_param_group``, ``state_dict`` and ``load_state_dict``. A Module's parameter arrays
(``model.parameters()``) become the Module's tensors that require grad, as for the built-in
optimizers.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from .nn.param_owners import tensor_for
from .tensor import Tensor

__all__ = ["TorchOptimizer", "torch_subclass", "check_builtin_subclass", "zero_grads", "required",
           "param_tensors", "own_classes"]


class _Required:
    """PyTorch's ``required``: a default a parameter group must give itself."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: ``torch.optim.optimizer.required``: ``def __init__(self, params, lr=required)``
required = _Required()


class _ByTensor(dict):
    """``optimizer.state``: PyTorch's ``defaultdict(dict)`` keyed by the tensors (kept under
    their ``id``, as tensors compare elementwise; iterating gives the tensors)."""

    def __init__(self):
        super().__init__()
        self.tensors: dict = {}

    def __getitem__(self, p) -> dict:
        key = id(p)
        if not dict.__contains__(self, key):
            self[p] = {}
        return dict.__getitem__(self, key)

    def __setitem__(self, p, value) -> None:
        dict.__setitem__(self, id(p), value)
        self.tensors[id(p)] = p

    def __iter__(self):
        return iter(self.keys())

    def keys(self) -> list:
        return [self.tensors[k] for k in dict.keys(self)]

    def items(self) -> list:
        return [(self.tensors[k], v) for k, v in dict.items(self)]

    def __reduce__(self):  # (pickled by its tensors, the same objects as the groups')
        return _state_of, (self.items(),)

    def __contains__(self, p) -> bool:
        return dict.__contains__(self, id(p))

    def get(self, p, default=None):
        return dict.get(self, id(p), default)


def param_tensors(name: str, params, hint: str = "") -> list:
    """A parameter group's ``params`` as tensors, for both kinds of PyTorch-form optimizer: one
    tensor (or one array) is a group of one, as PyTorch's; a Module's parameter array becomes
    the tensor in its place (the Module's parameters made tensors that require grad, as
    PyTorch's are); anything else raises TypeError naming it (and ``hint``)."""
    given = [params] if isinstance(params, (Tensor, np.ndarray)) else list(params)
    out = []
    for i, p in enumerate(given):
        t = p if isinstance(p, Tensor) else tensor_for(p) if isinstance(p, np.ndarray) else None
        if t is None:
            raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a tensor that "
                            f"requires grad nor a parameter a Module listed{hint}")
        out.append(t)
    return out


def zero_grads(param_groups, set_to_none: bool) -> None:
    """PyTorch's ``optimizer.zero_grad``: every parameter's ``.grad`` None, or zeros."""
    for g in param_groups:
        for p in g["params"]:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.grad)


def _state_of(pairs) -> _ByTensor:
    state = _ByTensor()
    for p, v in pairs:
        state[p] = v
    return state


class TorchOptimizer:
    """The methods a PyTorch-form subclass inherits (see the module)."""

    param_groups = None  # (the instance's list; shadows the functional optimizers' property)

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state = _ByTensor()
        self.param_groups: list = []
        groups = [params] if isinstance(params, (Tensor, np.ndarray, dict)) else list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        for g in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group: ``{"params": tensors, option: value}``; options not given take
        ``defaults``."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry")
        params = param_tensors(name, param_group["params"])
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) < len(params) or seen & {id(p) for p in params}:
            raise ValueError(f"{name}: some parameters appear more than once (in one group or in "
                             "more than one)")
        for k, v in self.defaults.items():
            if v is required and k not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {k}")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: None (PyTorch's default), or zeros."""
        zero_grads(self.param_groups, set_to_none)

    def step(self, closure: Callable | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: a PyTorch-form optimizer defines step")

    def state_dict(self) -> dict:
        """PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params":
        [indices]}]}``, the parameters numbered in order across the groups."""
        index, groups, k = {}, [], 0
        for g in self.param_groups:
            ids = list(range(k, k + len(g["params"])))
            index.update((id(p), i) for p, i in zip(g["params"], ids))
            groups.append({**{key: v for key, v in g.items() if key != "params"}, "params": ids})
            k += len(ids)
        state = {index[key]: copy.deepcopy(v) for key, v in dict.items(self.state) if key in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict` of an optimizer over as many parameters, group by
        group."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state dict's parameter "
                             "groups do not match this optimizer's (count or sizes)")
        params = {}
        for saved, mine in zip(groups, self.param_groups):
            params.update(zip(saved["params"], mine["params"]))
            mine.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = _ByTensor()
        for i, v in state_dict["state"].items():
            self.state[params[int(i)]] = copy.deepcopy(v)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.param_groups)} group(s), PyTorch's form)"


def own_classes(cls: type, base: type | None = None) -> tuple[list, bool]:
    """(the classes of ``cls``'s MRO written outside tensorgrad, before ``base`` or a class of
    tensorgrad's; whether a built-in optimizer of tensorgrad's comes next)."""
    own = []
    for k in cls.__mro__:
        if k is base or k is TorchOptimizer or k.__module__.startswith("tensorgrad."):
            return own, k is not base and k is not TorchOptimizer
        own.append(k)
    return own, False


def torch_subclass(cls: type, base: type) -> bool:
    """Whether ``cls`` (a subclass of ``base``, tensorgrad's Optimizer) is written PyTorch's
    way: a subclass of ``base`` itself, outside tensorgrad, whose classes define ``step`` and
    not ``_update``."""
    own, builtin = own_classes(cls, base)
    return bool(own) and not builtin and any("step" in vars(k) for k in own) \
        and not any("_update" in vars(k) for k in own)


#: what PyTorch's form of a built-in optimizer does itself: a subclass's own versions would not run
_FORM_METHODS = ("__init__", "step", "zero_grad", "add_param_group", "state_dict", "load_state_dict")


def check_builtin_subclass(cls: type, base: type) -> None:
    """PyTorch's form of a subclass of a built-in optimizer that writes its own ``__init__``,
    ``step``, ``zero_grad``, ``add_param_group``, ``state_dict`` or ``load_state_dict``
    (``class Clipped(tg.optim.SGD): def step(self, closure=None): ...; super().step(closure)``)
    is refused: the built-in's PyTorch form is a separate object that runs the functional
    rule, so the override would see other arguments, or not run at all."""
    own, builtin = own_classes(cls, base)
    written = [n for n in _FORM_METHODS if any(n in vars(k) for k in own)]
    if builtin and written:
        raise NotImplementedError(
            f"{cls.__name__}: a subclass of tensorgrad's {cls.__mro__[len(own)].__name__} that "
            f"defines its own {' and '.join(written)} is not supported in PyTorch's form (given "
            "the parameters); subclass tg.optim.Optimizer and write step() in full (see "
            "tensorgrad.optim_subclass), or keep the built-in and act on the gradients "
            "before calling its step()")
