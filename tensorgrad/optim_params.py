"""PyTorch's form of ``tg.optim``'s optimizers: built on the parameters, stepped in place.

``tg.optim.SGD(params, lr=0.1, momentum=0.9)``, with ``params`` an iterable of imperative
tensors that require grad (``tg.tensor(a, requires_grad=True)``, or ``model.parameters()``
after ``model.requires_grad_()``) or of parameter groups (dicts with ``"params"`` and options
of their own), gives a :class:`ParamOptimizer`. Its ``step()`` runs the functional rule of the
same class (``SGD(lr=0.1, momentum=0.9).step``) on each parameter's value and ``.grad`` and
writes the result into the tensor, which keeps its identity; parameters whose ``.grad`` is
None are skipped, as in PyTorch. ``zero_grad()`` clears the gradients.

Each group has an optimizer of its own (``group_optimizers[i]``), which holds the group's
hyperparameters: ``param_groups[i]["lr"]`` (and ``"momentum"``, ``"betas"``, ...) read and
write it, so a learning-rate scheduler made on a one-group ParamOptimizer, or code that sets
``param_groups[0]["lr"]``, changes the rate the next step uses.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .imperative import enable_grad, no_grad
from .tensor import Tensor

__all__ = ["ParamOptimizer"]


class _Rate:
    """The constant schedule a scheduler (or ``param_groups[i]["lr"] = v``) stores in an
    optimizer. Unlike :func:`tensorgrad.optim.constant` it takes any finite value, as PyTorch's
    groups do (a schedule stepped past its end may go below 0); the optimizer refuses a
    negative rate when an update uses it."""

    constant = True  # (read by Optimizer.step: no update count needed)

    def __init__(self, value: float):
        self.value = value

    def __call__(self, t) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"constant learning rate {self.value} (set by a scheduler or a parameter group)"


class _Group(dict):
    """A parameter group: ``"params"`` and the group's options; the hyperparameters read and
    write the group's own optimizer."""

    def __init__(self, opt, params: list, options: dict):
        super().__init__(options)
        dict.__setitem__(self, "params", params)
        self._opt = opt

    def __getitem__(self, key):
        if key == "lr":
            return float(self._opt.lr(0)) if getattr(self._opt.lr, "constant", False) \
                else dict.__getitem__(self, key)
        if key != "params" and hasattr(self._opt, key):
            return getattr(self._opt, key)
        return dict.__getitem__(self, key)

    def __setitem__(self, key, value):
        if key == "lr" and not callable(value):
            self._opt.lr = _Rate(float(value))
        elif key != "params" and hasattr(self._opt, key):
            setattr(self._opt, key, value)
        dict.__setitem__(self, key, value)

    def get(self, key, default=None):
        return self[key] if key in self or (key != "params" and hasattr(self._opt, key)) \
            else default


class ParamOptimizer:
    """An optimizer holding its parameters, as PyTorch's (see the module)."""

    def __init__(self, cls: type, params, args: tuple, kwargs: dict):
        name = cls.__name__
        if "closure" in inspect.signature(cls.step).parameters:
            raise NotImplementedError(f"{name}: this optimizer's step takes a closure of the "
                                      "parameters; use its functional form")
        self.optimizer_class = cls
        try:  # positional hyperparameters (SGD(params, 0.1)) by name, so groups can override
            bound = inspect.signature(cls.__init__).bind_partial(None, *args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}: {exc}") from None
        self.defaults = {k: v for k, v in bound.arguments.items() if k != "self"}
        groups = list(params.values()) if isinstance(params, dict) and "params" not in params \
            else [params] if isinstance(params, (dict, Tensor)) else list(params)
        if not groups:
            raise ValueError(f"{name}: the optimizer got an empty parameter list")
        self.param_groups: list = []
        self.group_optimizers: list = []
        self.state: dict = {}  # id(parameter) -> its functional state
        if isinstance(groups[0], tuple) and len(groups[0]) == 2 and isinstance(groups[0][0], str):
            groups = [p for _, p in groups]  # named parameters: (name, tensor) pairs
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __repr__(self) -> str:
        return f"{self.optimizer_class.__name__}({len(self.param_groups)} group(s), PyTorch's form)"

    def add_param_group(self, group: dict) -> None:
        """Add a group: ``{"params": tensors, option: value, ...}`` (the constructor's
        options are its defaults)."""
        name = self.optimizer_class.__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry, got "
                            f"{type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not (isinstance(p, Tensor) and p.requires_grad):
                raise TypeError(
                    f"{name}: parameter {i} is a {type(p).__name__}, not a tensor that requires "
                    "grad; PyTorch's form of an optimizer updates imperative tensors "
                    "(tg.tensor(a, requires_grad=True), or a Module's parameters after "
                    "model.requires_grad_()). For arrays use the functional form: "
                    f"opt = {name}(lr, ...); state = opt.init(params); "
                    "params, state = opt.step(params, grads, state)")
            if id(p) in seen:
                raise ValueError(f"{name}: some parameters appear in more than one parameter group")
            seen.add(id(p))
        options = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        try:
            opt = self.optimizer_class(**options)
        except TypeError as exc:
            raise TypeError(f"{name}: {exc}") from None
        self.group_optimizers.append(opt)
        self.param_groups.append(_Group(opt, params, options))

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: None (PyTorch's default), or zeros."""
        for g in self.param_groups:
            for p in g["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.grad)

    def step(self, closure: Callable | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; with ``closure`` (which
        recomputes the loss and calls ``backward()``), the closure runs first and its loss is
        returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for g, opt in zip(self.param_groups, self.group_optimizers):
                for p in g["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.get(id(p))
                    if state is None:
                        state = opt.init(p.data)
                    new, state = opt.step(p.data, p.grad, state)
                    p.data = new
                    self.state[id(p)] = state
        return loss

    def state_dict(self) -> dict:
        """``{"state": {index: state}, "param_groups": [options with "params" as indices]}``,
        PyTorch's layout (parameters numbered across the groups in order)."""
        index, groups, state = 0, [], {}
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                if id(p) in self.state:
                    state[index] = self.state[id(p)]
                ids.append(index)
                index += 1
            groups.append({**{k: g[k] for k in dict.keys(g) if k != "params"}, "lr": g["lr"],
                           "params": ids})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` saved into an optimizer over parameters of the same
        layout."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError("load_state_dict: the saved parameter groups do not match this "
                             "optimizer's (number of groups or of parameters per group)")
        flat = [p for g in self.param_groups for p in g["params"]]
        self.state = {id(flat[int(i)]): s for i, s in state_dict["state"].items()}
        for saved, g in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    g[k] = v
