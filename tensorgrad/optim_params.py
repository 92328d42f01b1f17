"""PyTorch's form of ``tg.optim``'s optimizers: built on the parameters, stepped in place.

``tg.optim.SGD(params, lr=0.1, momentum=0.9)``, with ``params`` an iterable of imperative
tensors that require grad (``tg.tensor(a, requires_grad=True)``, or ``model.parameters()``:
given a Module's parameter arrays, it runs the Module's ``requires_grad_()`` and holds the
tensors that take their place, as PyTorch's parameters always are) or of parameter groups (dicts with ``"params"`` and options
of their own), gives a :class:`ParamOptimizer`. Its ``step()`` runs the functional rule of the
same class (``SGD(lr=0.1, momentum=0.9).step``) on each parameter's value and ``.grad`` and
writes the result into the tensor, which keeps its identity; parameters whose ``.grad`` is
None are skipped, as in PyTorch. ``zero_grad()`` clears the gradients.

The constructor takes PyTorch's arguments in PyTorch's order (``SGD(params, lr, momentum,
dampening, weight_decay, nesterov)``, ``RMSprop(params, lr, alpha, eps, weight_decay, momentum,
centered)``, ``Adam(params, lr, betas, eps, weight_decay, amsgrad)``, ...) with PyTorch's
defaults, and each parameter group lists every hyperparameter under PyTorch's name, its default
filled in (PyTorch's performance flags ``foreach``, ``fused``, ``capturable`` and
``differentiable`` are kept in the group and otherwise ignored). Parameters that do not require
grad are kept and skipped, as their ``.grad`` stays None.

Each group has an optimizer of its own (``group_optimizers[i]``), which holds the group's
hyperparameters: ``param_groups[i]["lr"]`` (and ``"momentum"``, ``"betas"``,
``"decoupled_weight_decay"``, ...) read and write it, so a learning-rate scheduler, or code that
sets ``param_groups[i][...]``, changes what the next step uses; an option that needs a state
buffer (momentum, ``centered``, ``amsgrad``) may be turned on later, its buffer then starting as
PyTorch starts it. ``state_dict()`` saves every group entry (``initial_lr`` too once a scheduler
has set it) and ``load_state_dict`` restores them, copying the state arrays. The state buffers
go by PyTorch's names there (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``,
``max_exp_avg_sq``, ``exp_inf``; ``opt.state`` keeps tensorgrad's), so the arrays of a
PyTorch optimizer's ``state_dict()`` (``.numpy()``) load, and a PyTorch optimizer loads
tensorgrad's.
"""
from __future__ import annotations

import copy
import inspect
from typing import Any, Callable

import numpy as np

from .imperative import enable_grad, no_grad, write_data
from .optim_subclass import own_classes, param_tensors, zero_grads
from .tensor import Tensor, concrete

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


_FLAGS = ("foreach", "fused", "capturable", "differentiable")
_BETAS = (0.9, 0.999)

# PyTorch 2.13's constructors: how many arguments after ``params`` may be positional, and every
# hyperparameter with its default (what PyTorch's parameter groups hold)
_TORCH = {
    "SGD": (5, dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                    maximize=False, foreach=None, differentiable=False, fused=None)),
    "RMSprop": (10, dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                         centered=False, capturable=False, foreach=None, maximize=False,
                         differentiable=False)),
    "Adam": (5, dict(lr=1e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0, amsgrad=False,
                     foreach=None, maximize=False, capturable=False, differentiable=False,
                     fused=None, decoupled_weight_decay=False)),
    "AdamW": (5, dict(lr=1e-3, betas=_BETAS, eps=1e-8, weight_decay=1e-2, amsgrad=False,
                      maximize=False, foreach=None, capturable=False, differentiable=False,
                      fused=None, decoupled_weight_decay=True)),
    "Adagrad": (6, dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                        eps=1e-10, foreach=None, maximize=False, differentiable=False, fused=None)),
    "Adamax": (5, dict(lr=2e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0, foreach=None,
                       maximize=False, differentiable=False, capturable=False)),
    "SparseAdam": (3, dict(lr=1e-3, betas=_BETAS, eps=1e-8, maximize=False)),
    "NAdam": (6, dict(lr=2e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                      decoupled_weight_decay=False, foreach=None, maximize=False,
                      capturable=False, differentiable=False)),
    "RAdam": (5, dict(lr=1e-3, betas=_BETAS, eps=1e-8, weight_decay=0.0,
                      decoupled_weight_decay=False, foreach=None, maximize=False,
                      capturable=False, differentiable=False)),
    "Adadelta": (5, dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, foreach=None,
                         capturable=False, maximize=False, differentiable=False)),
    "ASGD": (9, dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, foreach=None,
                     maximize=False, differentiable=False, capturable=False)),
    "Rprop": (3, dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), capturable=False,
                      foreach=None, maximize=False, differentiable=False)),
    "Adafactor": (5, dict(lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
                          foreach=None, maximize=False)),
}

# PyTorch's names of state buffers that tensorgrad names otherwise
_TORCH_STATE = {"momentum_buffer": "momentum", "exp_avg": "m", "exp_avg_sq": "v",
                "max_exp_avg_sq": "v_max", "exp_inf": "u"}
_AS_TORCH = {v: k for k, v in _TORCH_STATE.items()}


class _Named(dict):
    """One parameter's state as PyTorch names it (``exp_avg``, ``momentum_buffer``, ...):
    reads and writes reach the optimizer's own entries (``m``, ``momentum``, ...)."""

    def __init__(self, own: dict):
        super().__init__({_AS_TORCH.get(k, k): v for k, v in own.items()})
        self._own = own

    def __setitem__(self, key, value):
        self._own[_TORCH_STATE.get(key, key)] = value
        dict.__setitem__(self, key, value)


class _State(dict):
    """``optimizer.state``: each parameter's state, kept under ``id(parameter)``; indexed by
    the parameter itself, as PyTorch's (``opt.state[p]["exp_avg"]``), it reads with PyTorch's
    names."""

    def __getitem__(self, key):
        if isinstance(key, int):
            return dict.__getitem__(self, key)
        return _Named(dict.__getitem__(self, id(key)))

    def __contains__(self, key):
        return dict.__contains__(self, key if isinstance(key, int) else id(key))

    def get(self, key, default=None):
        return self[key] if key in self else default


def _signature(cls: type) -> tuple[list, dict]:
    """(the hyperparameters that may be positional, in order; every one's default). A
    subclass of a built-in optimizer that keeps its constructor (``class A(tg.optim.Adam):
    ...``) takes the built-in's PyTorch signature."""
    for k in cls.__mro__:
        if k.__module__.startswith("tensorgrad.") and k.__name__ in _TORCH:
            npos, defaults = _TORCH[k.__name__]
            return list(defaults)[:npos], dict(defaults)
        if "__init__" in vars(k):
            break
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    defaults = {p.name: p.default for p in params
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                and p.default is not p.empty}
    return positional, defaults


class _Group(dict):
    """A parameter group: ``"params"`` and the group's options; the hyperparameters read and
    write the group's own optimizer."""

    def __init__(self, opt, params: list, options: dict):
        super().__init__(options)
        dict.__setitem__(self, "params", params)
        self._opt = opt

    def __reduce__(self):
        # rebuilt from its items as they are: a copy replaying them through __setitem__ would
        # write the options as given (max_eval=None) over the optimizer's resolved values
        return _Group, (self.__dict__.get("_opt"), dict.__getitem__(self, "params"),
                        {k: v for k, v in dict.items(self) if k != "params"})

    def _attr(self, key) -> bool:
        opt = self.__dict__.get("_opt")  # (None while unpickling)
        return (opt is not None and key != "params" and isinstance(key, str) and hasattr(opt, key)
                and key not in getattr(opt, "group_ignores", ()))  # (the group's word, unread)

    def __getitem__(self, key):
        if key == "lr" and self._attr("lr"):
            lr = self._opt.lr
            return float(lr(0)) if getattr(lr, "constant", False) else lr
        if self._attr(key):
            return getattr(self._opt, key)
        return dict.__getitem__(self, key)

    def __setitem__(self, key, value):
        if key == "lr" and not callable(value) and self._attr("lr"):
            self._opt.lr = _Rate(float(value))
        elif self._attr(key):
            setattr(self._opt, key, value)
        dict.__setitem__(self, key, value)

    def get(self, key, default=None):
        return self[key] if key in self or self._attr(key) else default

    # every other way in and out goes through the two above: dict's own update, |=,
    # setdefault, items, values, copy, dict(group) and {**group} read and write its storage
    # directly, and missed the optimizer's values (group.update(lr=0.5) changed nothing)
    def __iter__(self):  # (not dict's: dict(group) and {**group} then read through __getitem__)
        return dict.__iter__(self)

    def update(self, *args, **kwargs) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def __ior__(self, other):
        self.update(other)
        return self

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def items(self):
        return [(k, self[k]) for k in dict.keys(self)]

    def values(self):
        return [self[k] for k in dict.keys(self)]

    def copy(self) -> dict:
        return dict(self.items())


class ParamOptimizer:
    """An optimizer holding its parameters, as PyTorch's (see the module)."""

    def __init__(self, cls: type, params, args: tuple, kwargs: dict):
        name = cls.__name__
        #: LBFGS: step(closure) evaluates the loss at the points it tries, one flat state
        self.closure_driven = "closure" in inspect.signature(cls.step).parameters
        self.optimizer_class = cls
        positional, defaults = _signature(cls)
        if len(args) > len(positional):
            raise TypeError(f"{name}: takes at most {len(positional)} hyperparameters by position "
                            f"after the parameters ({', '.join(positional)}), got {len(args)}")
        given = dict(zip(positional, args))
        for k in kwargs:
            if k in given:
                raise TypeError(f"{name}: got multiple values for argument {k!r}")
        given.update(kwargs)
        if "betas" in defaults and ("b1" in given or "b2" in given):  # tensorgrad's names
            b1, b2 = given.get("betas", defaults["betas"])
            given["betas"] = (given.pop("b1", b1), given.pop("b2", b2))
        self.defaults = {**defaults, **given}
        groups = list(params.values()) if isinstance(params, dict) and "params" not in params \
            else [params] if isinstance(params, (dict, Tensor)) else list(params)
        if not groups:
            raise ValueError(f"{name}: the optimizer got an empty parameter list")
        self.param_groups: list = []
        self.group_optimizers: list = []
        self.state: dict = _State()  # id(parameter) -> its functional state
        if isinstance(groups[0], tuple) and len(groups[0]) == 2 and isinstance(groups[0][0], str):
            groups = [p for _, p in groups]  # named parameters: (name, tensor) pairs
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)
        if self.closure_driven and len(self.param_groups) > 1:
            raise ValueError(f"{name} doesn't support per-parameter options (parameter groups), "
                             "as in PyTorch")

    def __repr__(self) -> str:
        return f"{self.optimizer_class.__name__}({len(self.param_groups)} group(s), PyTorch's form)"

    def __getattr__(self, name: str):
        # a subclass's own methods and attributes (class A(tg.optim.Adam): def extra(self)),
        # on this object, as on PyTorch's optimizer of that class
        cls = self.__dict__.get("optimizer_class")
        for k in own_classes(cls)[0] if cls is not None and not name.startswith("__") else ():
            if name in vars(k):
                v = vars(k)[name]
                return v.__get__(self, type(self)) if hasattr(v, "__get__") else v
        raise AttributeError(f"{getattr(cls, '__name__', 'ParamOptimizer')!r} optimizer has no "
                             f"attribute {name!r}")

    # pickle and copy.deepcopy: the state is keyed by id(parameter), which a copy does not
    # keep, so it travels keyed by the parameter's position and comes back keyed by the
    # copied parameter (as PyTorch's state, keyed by the tensors themselves, does)
    def __getstate__(self) -> dict:
        d = self.__dict__.copy()
        place = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        d["state"] = {place[k]: v for k, v in self.state.items() if k in place}
        return d

    def __setstate__(self, d: dict) -> None:
        self.__dict__.update(d)
        params = [p for g in self.param_groups for p in g["params"]]
        self.state = _State({id(params[i]): v for i, v in d["state"].items()})

    def _build(self, options: dict):
        """The functional optimizer of a group's options (the performance flags left out)."""
        cls, name = self.optimizer_class, self.optimizer_class.__name__
        accepted = inspect.signature(cls.__init__).parameters
        kwargs = {}
        if options.get("fused") and options.get("foreach"):
            raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together (as PyTorch)")
        for k, v in options.items():
            if k in _FLAGS and k not in accepted:
                if v is not None and not isinstance(v, bool):
                    raise TypeError(f"{name}: {k} must be None or a bool, got {v!r}")
            else:
                kwargs[k] = v
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}: {exc}") from None

    def add_param_group(self, group: dict) -> None:
        """Add a group: ``{"params": tensors, option: value, ...}`` (the constructor's
        options are its defaults)."""
        name = self.optimizer_class.__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry, got "
                            f"{type(group).__name__}")
        params = param_tensors(name, group["params"], (
            "; PyTorch's form of an optimizer updates imperative tensors (tg.tensor(a, "
            "requires_grad=True), or model.parameters()). For arrays use the functional form: "
            f"opt = {name}(lr, ...); state = opt.init(params); "
            "params, state = opt.step(params, grads, state)"))
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if p._node is not None and p._node.op is not None:  # (PyTorch's rule and message)
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i} is the "
                                 "recorded result of an op); optimize the leaf it comes from")
            if id(p) in seen:
                twice = any(q is p for q in params[:i])  # (PyTorch warns, then updates it twice)
                raise ValueError(f"{name}: parameter {i} appears twice in its parameter group; list "
                                 "each parameter once" if twice else
                                 f"{name}: some parameters appear in more than one parameter group")
            seen.add(id(p))
        options = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        if "betas" in options and ("b1" in options or "b2" in options):
            b1, b2 = options["betas"]
            options["betas"] = (options.pop("b1", b1), options.pop("b2", b2))
        fixed = {k: self.defaults[k] for k in getattr(self.optimizer_class, "group_ignores", ())
                 if k in self.defaults}  # (read from the constructor in every group, as PyTorch)
        opt = self._build({**options, **fixed})
        self.group_optimizers.append(opt)
        self.param_groups.append(_Group(opt, params, options))

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: None (PyTorch's default), or zeros."""
        zero_grads(self.param_groups, set_to_none)

    def step(self, closure: Callable | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; with ``closure`` (which
        recomputes the loss and calls ``backward()``), the closure runs first and its loss is
        returned."""
        if self.closure_driven:
            return self._closure_step(closure)
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
                        state = opt.init(concrete(p))  # (its value; p.data is a view with
                        # PyTorch's methods, made at each read)
                    g = np.asarray(p.grad)
                    # (.grad is PyTorch's convention; step takes tg.grad's, its conjugate)
                    new, state = opt.step(concrete(p), np.conj(g) if g.dtype.kind == "c" else g,
                                          state)
                    write_data(p, new)
                    self.state[id(p)] = state
        return loss

    def _closure_step(self, closure: Callable | None) -> Any:
        """PyTorch's LBFGS ``step(closure)``: ``closure()`` clears the gradients, computes the
        loss and calls ``backward()``; it runs at every point the iterations try, with the
        parameters holding that point. Returns the loss of the first call."""
        name = self.optimizer_class.__name__
        if closure is None:
            raise TypeError(f"{name}.step needs a closure that recomputes the loss and calls "
                            "backward(), as PyTorch's")
        params, opt = self.param_groups[0]["params"], self.group_optimizers[0]
        first: list = []

        def evaluate(values):
            with no_grad():
                for p, v in zip(params, values):
                    write_data(p, v)
            with enable_grad():
                loss = closure()
            if not first:
                first.append(loss)
            return loss, [np.zeros(p.shape, p.dtype) if p.grad is None else np.asarray(p.grad)
                           for p in params]
        values = [concrete(p) for p in params]
        state = self.state.get(id(params[0]))
        new, state = opt.step(values, evaluate, opt.init(values) if state is None else state)
        with no_grad():
            for p, v in zip(params, new):
                write_data(p, v)
        self.state[id(params[0])] = state
        return first[0]

    def state_dict(self) -> dict:
        """``{"state": {index: state}, "param_groups": [options with "params" as indices]}``,
        PyTorch's layout (parameters numbered across the groups in order) and state names
        (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ``exp_inf``), so
        a PyTorch optimizer loads it too; each group holds every hyperparameter (and
        ``initial_lr`` and the like once a scheduler has set them)."""
        index, groups, state = 0, [], {}
        torch_names = not self.closure_driven  # (LBFGS keeps one state of its own form)
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                if id(p) in self.state:
                    state[index] = {(_AS_TORCH.get(k, k) if torch_names else k): v
                                    for k, v in self.state[id(p)].items()}
                ids.append(index)
                index += 1
            groups.append({**{k: g[k] for k in dict.keys(g) if k != "params"}, "params": ids})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` saved (or the arrays of PyTorch's) into an optimizer
        over parameters of the same layout: every group entry, and a copy of the state."""
        name = f"{self.optimizer_class.__name__}.load_state_dict"
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError(f"{name}: the saved parameter groups do not match this "
                             "optimizer's (number of groups or of parameters per group)")
        for saved, g in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    g[k] = copy.deepcopy(v)
        flat = [(p, opt) for g, opt in zip(self.param_groups, self.group_optimizers)
                for p in g["params"]]
        state = {}
        for i, s in state_dict["state"].items():
            p, opt = flat[int(i)]
            if self.closure_driven:  # (one state, of all the parameters, under the first's index)
                fresh = opt.init([np.asarray(q.data) for q, _ in flat])
                state[id(p)] = {k: np.array(s.get(k, v), dtype=np.asarray(v).dtype) for k, v in fresh.items()}
                continue
            state[id(p)] = _loaded_state(name, opt, p, int(i), s)
        self.state = _State(state)


def _loaded_state(who: str, opt, p, index: int, saved) -> dict:
    """One parameter's saved state as ``opt`` keeps it: copies of the arrays, PyTorch's names
    mapped to tensorgrad's, checked against the buffers ``opt.init`` makes."""
    fresh = opt.init(p.data)
    known = set(fresh) | set(opt._lazy)
    expected = ", ".join(map(repr, fresh))
    if not isinstance(saved, dict):
        raise TypeError(f"{who}: the state of parameter {index} must be a dict of arrays "
                        f"({expected}), got {type(saved).__name__}")
    out = {}
    for k, v in saved.items():
        if v is None:  # (PyTorch's not-yet-created buffer)
            continue
        key = k if k in known else _TORCH_STATE.get(k, k)
        if key not in known:
            torch_names = {t: n for n, t in _TORCH_STATE.items()}
            also = [repr(torch_names[n]) for n in fresh if n in torch_names]
            raise ValueError(f"{who}: the state of parameter {index} has an entry {k!r} that "
                             f"{type(opt).__name__} does not keep; it expects {expected}"
                             + (f" (PyTorch's names {', '.join(also)} are accepted)" if also else ""))
        ref = fresh.get(key)
        a = np.array(v, dtype=(ref if ref is not None else np.asarray(p.data)).dtype)  # (a copy)
        if ref is not None and a.shape != np.shape(ref):
            raise ValueError(f"{who}: the saved {k!r} of parameter {index} has shape {a.shape}, "
                             f"the parameter's needs {np.shape(ref)}")
        out[key] = a
    for k, v in fresh.items():
        if k in out or k in opt._lazy:
            continue
        if k == "step":  # (PyTorch's SGD keeps no count: a saved buffer means updates were made)
            out[k] = np.asarray(1 if out else 0, np.int64)
        elif k in getattr(opt, "_filled_on_load", ()):
            out[k] = v
        else:
            raise ValueError(f"{who}: the state of parameter {index} lacks {k!r}; "
                             f"{type(opt).__name__} expects {expected}")
    return out
