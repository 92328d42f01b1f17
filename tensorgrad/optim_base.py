"""The machinery shared by :mod:`tensorgrad.optim`'s optimizers: the :class:`Optimizer` base
class (state pytrees, one update per leaf, running under the transforms), the constant schedule
and the argument checks. Everything here is re-exported by :mod:`tensorgrad.optim`; the
optimizers themselves live there and in :mod:`tensorgrad.optim_more`."""
from __future__ import annotations

import math
from typing import Any, Callable, Union

import numpy as np

from . import ops as _ops
from .jax_backend import is_jax_tensor
from .optim_params import ParamOptimizer, _Group
from .optim_subclass import TorchOptimizer, check_builtin_subclass, torch_subclass
from .staging import call as staged_call, is_staged
from .tensor import Tensor, concrete, traced_level
from .tree import tree_flatten, tree_unflatten

__all__ = ["Optimizer", "constant"]

Schedule = Callable[[int], float]
LR = Union[float, Schedule]


def _check_rate(who: str, name: str, v) -> float:
    """A rate (or decay factor) as a float, refused at construction unless finite and ≥ 0:
    a negative or NaN one would otherwise fail only at the update that first uses it, and
    an infinite one would send every parameter to ±inf."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: {name} must be a number, got {v!r}") from None
    if not (v >= 0 and math.isfinite(v)):  # (NaN fails both)
        raise ValueError(f"{who}: {name} must be ≥ 0 and finite, got {v}")
    return v


def _check_count(who: str, name: str, v, least: int) -> None:
    """An integer count (not a bool, not a float) of at least ``least`` (0 or 1)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < least:
        kind = "a positive integer" if least else "an integer ≥ 0"
        raise ValueError(f"{who}: {name} must be {kind}, got {v!r}")


class Rate:
    """A learning-rate schedule, ``t ↦ η_t``: a module-level rule and its numbers, so that
    an optimizer holding one can be pickled and deep-copied (a closure could not be).
    ``constant`` marks a rate that needs no concrete update count (see Optimizer.step)."""

    def __init__(self, rule: Callable, doc: str, constant: bool = False, **numbers):
        self.rule, self.numbers, self.__doc__, self.constant = rule, numbers, doc, constant

    def __call__(self, t):
        return self.rule(t, **self.numbers)

    def __repr__(self) -> str:
        return f"<schedule: {self.__doc__}>"


def _constant_rate(t, lr):
    return lr


def constant(lr: float) -> Schedule:
    """η_t = lr."""
    lr = _check_rate("constant", "learning rate", lr)
    return Rate(_constant_rate, f"constant learning rate {lr}", constant=True, lr=lr)



def _as_schedule(lr: LR) -> Schedule:
    if callable(lr):
        return lr
    if isinstance(lr, (str, bytes)) or np.ndim(lr) != 0:  # (float("0.1") would read a string)
        raise TypeError(f"learning rate must be a number or a schedule, got {lr!r}")
    lr = float(lr)
    # (NaN fails both; inf sends every parameter to ±inf/NaN; 0 is valid, as in torch.optim)
    if not (lr >= 0 and math.isfinite(lr)):
        raise ValueError(f"learning rate must be positive and finite, or 0, got {lr}")
    return constant(lr)


def _float_dtype(who: str, v, what: str, i: int, complex_ok: bool = False) -> np.dtype:
    """The dtype of a parameter (or gradient) leaf, refused unless it is a float: an integer
    parameter would be truncated back to integers after every update. A complex one is
    taken by the rules that update it as the pair of its real and imaginary parts
    (``complex_ok``, PyTorch's list), on concrete values."""
    symbolic = _symbolic(v)
    dt = np.dtype(v.dtype) if symbolic else np.asarray(concrete(v)).dtype
    ok = dt.kind == "f" if what == "parameter" else dt.kind in "fiub"
    if dt.kind == "c" and complex_ok and not symbolic:
        return dt
    if not ok:
        raise TypeError(f"{who}: {what} leaf {i} has dtype {dt}; this optimizer updates real "
                        "floating-point parameters only (convert it with .astype(float))"
                        + ("" if dt.kind != "c" else "; complex ones are taken by SGD, Adam, "
                           "AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop, "
                           "outside tg.jit and other transforms"))
    return dt


def _pairs(z):
    """A complex array as the real array of its (real, imaginary) pairs, shape (..., 2):
    PyTorch's ``view_as_real``, under which its optimizers update complex parameters."""
    if z is None or np.asarray(z).dtype.kind != "c":
        return z
    z = np.ascontiguousarray(z)
    return z.view(z.real.dtype).reshape(z.shape + (2,))


def _unpairs(r, dtype):
    """The complex array of ``dtype`` whose (real, imaginary) pairs are ``r`` (shape (..., 2))."""
    r = np.ascontiguousarray(np.asarray(concrete(r)), dtype=np.finfo(dtype).dtype)
    return r.view(dtype).reshape(r.shape[:-1])


def _symbolic(v) -> bool:
    """A value some transform is tracing: under tg.grad/jvp (a Tensor above the tape
    level), tg.jit (a staged value) or tg.to_jax. The update rules then run on it as it
    is, so the update is recorded, staged or compiled; reading its concrete value
    instead would drop its derivative (or bake the trace-time value into a plan)."""
    return is_jax_tensor(v) or is_staged(v) or (type(v) is Tensor and traced_level(v) > 0)


def _rate_for(lr, p):
    """The learning rate for parameter ``p``: a traced rate (a 0-d float64 array, as
    ``learning_rate`` returns) in ``p``'s dtype, as a Python number would be (a float32
    parameter stays float32)."""
    dt = getattr(lr, "dtype", None)
    return _ops.astype(lr, p.dtype) if dt is not None and _symbolic(lr) and dt != p.dtype else lr


def _zeros(p, who: str = "Optimizer", i: int = 0, complex_ok: bool = False):
    a = p if _symbolic(p) else np.asarray(concrete(p))
    return np.zeros(tuple(a.shape), _float_dtype(who, a, "parameter", i, complex_ok))


# ---- optimizers -------------------------------------------------------------------------
class _OptimizerType(type):
    """``isinstance(opt, tg.optim.SGD)`` (and ``tg.optim.Optimizer``) holds for PyTorch's form
    too, the :class:`ParamOptimizer` that holds the parameters and runs SGD's rule, as code
    written for ``torch.optim`` checks (d2l's training loops do)."""

    def __instancecheck__(cls, obj) -> bool:
        if type(obj) is ParamOptimizer:
            return issubclass(obj.optimizer_class, cls)
        return super().__instancecheck__(obj)


class Optimizer(metaclass=_OptimizerType):
    """Base class: subclasses say which per-parameter buffers they keep (``slots``)
    and implement ``_update(p, g, bufs, t, lr) -> new p``, storing each buffer's
    new value in the dict ``bufs`` (``bufs["m"] = ...``). Write the rule with
    operators and tensorgrad ops (``tg.sqrt``), not in-place NumPy: then it
    runs on NumPy arrays and, under :func:`tensorgrad.to_jax`, on JAX arrays."""

    slots: tuple[str, ...] = ()
    #: whether the rule takes complex parameters, as the pairs of their real and imaginary
    #: parts (PyTorch's: its optimizers that support complex parameters use view_as_real)
    complex_ok: bool = False
    # buffers that an option turned on after ``init`` (momentum, centered, amsgrad: through
    # ``param_groups[i][...]``, a scheduler or ``load_state_dict``) needs: missing from the state,
    # they reach ``_update`` as None and start there as PyTorch starts them
    _lazy: frozenset = frozenset()

    def __new__(cls, *args, **kwargs):
        if torch_subclass(cls, Optimizer):  # (a step written PyTorch's way: optim_subclass)
            form = vars(cls).get("_torch_form")  # (kept on the class: collected with it)
            if form is None:
                form = type(cls.__name__, (cls, _TorchBase), {
                    "__module__": cls.__module__, "__qualname__": cls.__qualname__})
                type.__setattr__(cls, "_torch_form", form)
            return super().__new__(form)
        first = args[0] if args else kwargs.get("params")
        if first is not None and hasattr(first, "__iter__") and not isinstance(
                first, (str, bytes, np.ndarray, Tensor)) and not callable(first):
            # PyTorch's SGD(model.parameters(), lr=0.1): the optimizer holds the parameters
            check_builtin_subclass(cls, Optimizer)
            rest = dict(kwargs)
            rest.pop("params", None)
            return ParamOptimizer(cls, first, args[1:] if args else (), rest)
        return super().__new__(cls)

    def __init__(self, lr: LR, weight_decay: float = 0.0):
        self.lr = _as_schedule(lr)
        if not (weight_decay >= 0 and math.isfinite(weight_decay)):  # (NaN too; inf: NaN parameters)
            raise ValueError(f"{type(self).__name__}: weight_decay must be finite and ≥ 0, "
                             f"got {weight_decay}")
        self.weight_decay = float(weight_decay)

    def init(self, params: Any) -> dict:
        """The initial state: update count 0 and zero buffers shaped like ``params``."""
        leaves, td = tree_flatten(params)
        state: dict = {"step": np.asarray(0, dtype=np.int64)}
        for i, p in enumerate(leaves):
            _float_dtype(f"{type(self).__name__}.init", p, "parameter", i, self.complex_ok)
        for s in self.slots:
            state[s] = tree_unflatten(td, [_zeros(p, type(self).__name__, i, self.complex_ok)
                                           for i, p in enumerate(leaves)])
        return state

    @property
    def param_groups(self) -> list:
        """PyTorch's view of the hyperparameters: one parameter group (a dict with no
        ``"params"``), whose ``"lr"``, ``"momentum"``, ``"betas"``, ... read and set this
        optimizer's; the schedulers of ``tg.optim.lr_scheduler`` keep ``"initial_lr"`` there."""
        group = self.__dict__.get("_param_group")
        if group is None:
            group = self.__dict__["_param_group"] = _Group(self, [], {})
        return [group]

    def learning_rate(self, state: dict) -> float:
        """η for the next update, as a NumPy float64 (a float), so that a jitted step given
        it as ``lr=`` traces it once instead of once per value (a Python number is static)."""
        return np.float64(self.lr(int(state["step"])))

    def step(self, params: Any, grads: Any, state: dict, lr: float | None = None) -> tuple[Any, dict]:
        """One update. Returns new ``(params, state)``; the inputs are not modified.

        ``lr`` overrides the schedule for this update (e.g. a rate computed
        outside a compiled step, where the update count is not concrete).
        """
        p_leaves, td = tree_flatten(params)
        g_leaves, gtd = tree_flatten(grads)
        if gtd != td:
            raise ValueError(f"{type(self).__name__}.step: gradient structure {gtd} does not match "
                             f"the parameters' {td}")
        slots = tuple(self.slots)
        missing = [k for k in ("step",) + slots
                   if not isinstance(state, dict) or (k not in state and k not in self._lazy)]
        if missing:
            raise TypeError(f"{type(self).__name__}.step: state must be this optimizer's "
                            f"init(params) (or the state a step returned); it lacks "
                            f"{', '.join(map(repr, missing))}")
        slot_leaves = {}
        for s in slots:
            if s not in state:  # (a lazy buffer: created by this update)
                slot_leaves[s] = [None] * len(p_leaves)
                continue
            sl, std = tree_flatten(state[s])
            if std != td:
                raise ValueError(f"{type(self).__name__}.step: state {s!r} has structure {std}, "
                                 f"parameters have {td}; call init(params) again")
            slot_leaves[s] = [a if _symbolic(a) else _read_only(a) for a in sl]
        count = state["step"]
        if _symbolic(count):  # traced by tg.jit, or a JAX value (maybe traced by jax.jit)
            # (under tg.jit a 0-d array, as init's and an eager step's: NumPy's count + 1 is a
            # scalar, whose other signature would make the next call trace again)
            t = staged_call(np.asarray, count + 1) if is_staged(count) else count + 1
            lr = self._traced_rate(count) if lr is None else lr
        else:
            t = int(count) + 1
            lr = float(self.lr(t - 1)) if lr is None else float(lr)
            if not lr >= 0:  # a schedule (or an override) gave a negative or NaN rate
                raise ValueError(f"{type(self).__name__}.step: the learning rate for update {t} "
                                 f"is {lr}; it must be ≥ 0")
        new = []
        for i, (p, g) in enumerate(zip(p_leaves, g_leaves)):
            p, g = _leaf(p), _leaf(g)
            pdt = _float_dtype(f"{type(self).__name__}.step", p, "parameter", i, self.complex_ok)
            if pdt.kind != "c":
                _float_dtype(f"{type(self).__name__}.step", g, "gradient", i)
            if g.shape != p.shape:
                raise ValueError(f"{type(self).__name__}.step: gradient of shape {g.shape} for a "
                                 f"parameter of shape {p.shape} (leaf {i})")
            bufs = {s: slot_leaves[s][i] for s in slots}
            if pdt.kind == "c":  # the real and imaginary parts as pairs (PyTorch's view_as_real)
                # g is tg.grad's (JAX's convention): the conjugate of PyTorch's .grad, the
                # direction of steepest ascent, which PyTorch's rules step against
                p = _pairs(p)
                g = _pairs(np.conj(np.asarray(g, dtype=pdt)))
                bufs = {k: _pairs(b) for k, b in bufs.items()}
            before = dict(bufs)
            try:
                q = self._update(p, g, bufs, t, _rate_for(lr, p))
            except ValueError as exc:
                if "read-only" not in str(exc):
                    raise
                raise TypeError(f"{type(self).__name__}._update wrote into a state buffer in place; "
                                "the state passed to step() is never modified: store each new "
                                "value with bufs[name] = <new value>") from exc
            for s in slots:
                if bufs[s] is None:
                    raise TypeError(f"{type(self).__name__}._update did not store its new buffer "
                                    f"{s!r}: assign bufs[{s!r}] = <new value>")
                if bufs[s] is before[s] and _symbolic(before[s]):
                    raise TypeError(f"{type(self).__name__}._update did not store a new value for "
                                    f"its buffer {s!r}; under tg.to_jax arrays cannot change in "
                                    f"place: assign bufs[{s!r}] = <new value>")
                slot_leaves[s][i] = _like(bufs[s], p if before[s] is None else before[s])
                if pdt.kind == "c" and np.shape(slot_leaves[s][i]) == p.shape:  # (not a scalar slot)
                    slot_leaves[s][i] = _unpairs(slot_leaves[s][i], pdt)
            new.append(_like(q, p) if pdt.kind != "c" else _unpairs(_like(q, p), pdt))
        # buffers of options now off are kept, unchanged (as PyTorch keeps them in its state)
        new_state = {k: v for k, v in state.items() if k != "step" and k not in slots}
        new_state["step"] = t if _symbolic(t) else np.asarray(t, dtype=np.int64)
        for s in slots:
            new_state[s] = tree_unflatten(td, slot_leaves[s])
        return tree_unflatten(td, new), new_state

    def _traced_rate(self, count):
        if getattr(self.lr, "constant", False):
            return self.lr(0)
        try:
            return self.lr(count)
        except TypeError as exc:  # int()/float() of a value jax.jit is tracing
            raise TypeError(
                f"{type(self).__name__}.step: the learning-rate schedule needs a concrete update "
                "count, but under tg.jit (or tg.to_jax and jax.jit) it is traced; compute the rate "
                "outside the compiled step and pass it: opt.step(params, grads, state, "
                "lr=opt.learning_rate(state))") from exc

    def _update(self, p, g, bufs, t, lr):  # pragma: no cover - abstract
        raise NotImplementedError


class _TorchBase(TorchOptimizer, Optimizer):
    """PyTorch's base-class methods under a PyTorch-form subclass (see optim_subclass): the
    class made for a subclass ``C`` is ``C``'s ``_torch_form``, ``(C, _TorchBase)``."""

    def __reduce__(self):  # (pickled as an instance of C, whose form is made again)
        return _torch_form_of, (type(self).__mro__[1], self.__dict__.copy())


def _torch_form_of(cls: type, attributes: dict):
    opt = Optimizer.__new__(cls)
    opt.__dict__.update(attributes)
    return opt


def _read_only(a) -> np.ndarray:
    """A read-only view of a state buffer: the update rules build new arrays."""
    v = np.asarray(concrete(a)).view()
    v.flags.writeable = False
    return v


def _leaf(v):
    """A parameter, gradient or buffer as the update rules take it: a NumPy array,
    or the traced value itself (under tg.grad, tg.jit or tg.to_jax)."""
    return v if _symbolic(v) else np.asarray(concrete(v))


def _like(v, ref):
    """``v`` in ``ref``'s dtype (a NumPy array unless a transform is tracing it)."""
    if _symbolic(v):
        v = v if np.dtype(v.dtype) == np.dtype(ref.dtype) else _ops.astype(v, ref.dtype)
        # (a 0-d value under tg.jit: a 0-d array, as eagerly; NumPy's arithmetic gives a scalar
        # there, whose other signature would make the next call of a jitted step trace again)
        return staged_call(np.asarray, v) if is_staged(v) and v.ndim == 0 else v
    return np.asarray(concrete(v), dtype=ref.dtype)



def _alias(attr: str, cast, doc: str) -> property:
    """A property under PyTorch's name for the attribute ``attr`` (read, and set through
    ``cast``), so ``param_groups[i][name]`` reaches the rule's own option."""
    return property(lambda self: getattr(self, attr),
                    lambda self, value: setattr(self, attr, cast(value)), doc=doc)


def _check_eps(name: str, eps) -> None:
    if not eps >= 0:  # (NaN too)
        raise ValueError(f"{name}: eps must be ≥ 0, got {eps}")
