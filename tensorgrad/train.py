"""A training loop that does not hide the maths.

:func:`fit` runs epochs of mini-batch updates ``params ← opt.step(params,
∇loss)`` with a tqdm progress bar showing the running loss and accuracy,
evaluates on validation data after each epoch and returns the parameters and
a history. It is a convenience only; the loop by hand is ten lines (``fit`` draws each
epoch's shuffle from one generator seeded with ``seed``, so its batches differ from these)::

    opt = tg.optim.Adam(1e-2); state = opt.init(params)
    for epoch in range(20):
        for xb, yb in tg.data.batches(X, y, 64, seed=epoch):
            loss, g = tg.value_and_grad(loss_fn)(params, xb, yb)
            params, state = opt.step(params, g, state)

With ``backend="jax"`` the same step (loss, gradient, optimizer update) runs
compiled by ``jax.jit`` through :func:`tensorgrad.to_jax`, data-parallel over
the devices (see :mod:`tensorgrad.distributed`); the loss curve is the NumPy
backend's to rounding, and the parameters come back as NumPy arrays.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Union

import numpy as np

from . import distributed as _distributed
from . import optim as _optim
from . import ops as _ops
from .data import BatchIterator
from .imperative import no_grad
from .jax_backend import is_jax_tensor
from .nn import accuracy as _accuracy
from .nn import mse as _mse
from .nn import softmax_cross_entropy as _sce
from .nn import losses as _losses
from .nn.layers import Module
from .nn.state import into_tensors
from .jit import jit as _jit
from .staging import as_array
from .tensor import Tensor, concrete
from .transforms import value_and_grad
from .tree import tree_flatten, tree_unflatten

__all__ = ["fit", "evaluate", "predict", "get_loss"]

Loss = Union[str, Callable]
def _like(out, y):
    # targets (n,) for outputs (n, 1): compare entry by entry, not by broadcasting to (n, n)
    shape = np.shape(concrete(out))
    if int(np.prod(np.shape(y))) != int(np.prod(shape)):  # ((2,) targets for (2, 2) outputs
        raise ValueError(  # would broadcast silently)
            f"loss: targets of shape {tuple(np.shape(y))} do not fit outputs of shape {shape}; "
            "this loss compares them entry by entry: give targets of the outputs' shape (one-hot "
            "rows for class ids, or loss='cross_entropy')")
    if is_jax_tensor(y):  # under tg.to_jax (backend="jax"): JAX values, reshaped by ops
        y = y if y.dtype.kind == "f" else _ops.astype(y, np.float64)
        return _ops.reshape(y, shape)
    return as_array(concrete(y), float).reshape(shape)  # (traced labels stay traced under tg.jit)


_LOSSES: dict[str, Callable] = {
    "cross_entropy": _sce, "softmax_cross_entropy": _sce,
    "mse": lambda out, y: _mse(out, _like(out, y)),
    "half_mse": lambda out, y: _mse(out, _like(out, y), half=True),
    # PyTorch's names (tg.nn.losses, default options): class ids as they are, other targets
    # in the outputs' shape
    "nll_loss": _losses.nll_loss,
}
_ENTRYWISE = tuple(getattr(_losses, name) for name in (
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits"))
_LOSSES.update({fn.__name__: (lambda fn: lambda out, y: fn(out, _like(out, y)))(fn) for fn in _ENTRYWISE})


def get_loss(loss: Loss) -> Callable:
    """A loss ``(outputs, targets) -> scalar`` by name or a callable (a ``tg.nn`` loss Module
    such as ``tg.nn.BCEWithLogitsLoss(pos_weight=...)`` is one). The names: cross_entropy
    (= softmax_cross_entropy: class ids or one-hot rows), mse, half_mse, and PyTorch's
    nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div, binary_cross_entropy and
    binary_cross_entropy_with_logits (``tg.nn``'s, with their default options). These (and
    their Modules, ``tg.nn.MSELoss()``, ...) take targets entry by entry: (n,) targets for (n, 1)
    outputs are read as a column, and targets that do not fit the outputs raise."""
    if callable(loss):
        if getattr(type(loss), "_fn", None) in _ENTRYWISE:  # (tg.nn.BCEWithLogitsLoss(), ...:
            return lambda out, y: loss(out, _like(out, y))  # targets as the names' are)
        return loss
    try:
        return _LOSSES[loss]
    except KeyError:
        raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(_LOSSES)} or pass a "
                         "function (outputs, targets) -> scalar") from None


def _apply_of(model) -> tuple[Callable, Any]:
    if isinstance(model, Module):
        return model.apply, model.params
    if callable(model):
        return model, None
    raise TypeError(f"fit: model must be a tg.nn.Module or a function apply(params, x), got "
                    f"{type(model).__name__}")


def predict(model, params, X, batch_size: int = 1024) -> np.ndarray:
    """Model outputs on ``X`` in chunks (no tape is recorded). A Module runs in evaluation
    mode, as PyTorch users write it (``model.eval()`` around the pass): Dropout is the
    identity and BatchNorm normalizes with its running statistics, which the data must not
    update. Each Module's own mode is restored afterwards."""
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"predict: batch_size must be a positive integer, got {batch_size!r}")
    apply, own = _apply_of(model)
    if params is None:  # a Module's own parameters
        params = model._have() if isinstance(model, Module) else own
    X = np.asarray(X)
    modes = [(m, m.training) for m in model.modules()] if isinstance(model, Module) else []
    if modes:
        model.eval()
    try:
        with no_grad():  # (parameters that require grad record nothing here)
            outs = [np.asarray(apply(params, X[i:i + batch_size]))  # (no rows: one empty batch,
                    for i in range(0, max(len(X), 1), batch_size)]  # for the output's shape)
    finally:
        for m, mode in modes:
            m.training = mode
    return np.concatenate(outs) if outs else np.zeros((0,))


def _threshold(loss) -> float:
    """Where a single output column is read as class 1: 0 for a loss on logits, else 0.5."""
    if (loss == "binary_cross_entropy_with_logits" if isinstance(loss, str)
            else loss is _losses.binary_cross_entropy_with_logits
            or isinstance(loss, _losses.BCEWithLogitsLoss)):
        return 0.0
    return 0.5


def evaluate(model, params, X, y, loss: Loss = "cross_entropy", metric: bool = True) -> dict:
    """``{"loss": ..., "accuracy": ...}`` of the model on ``(X, y)``, in evaluation mode (see
    :func:`predict`). With one output column the accuracy reads ``out > 0`` for a loss on
    logits (``binary_cross_entropy_with_logits``, ``tg.nn.BCEWithLogitsLoss``), ``out > 0.5``
    otherwise."""
    if len(np.asarray(concrete(X))) == 0:
        raise ValueError("evaluate: X is empty; there is nothing to evaluate on")
    out = predict(model, params, X)
    res = {"loss": float(get_loss(loss)(out, y))}
    if metric:
        res["accuracy"] = _accuracy(out, y, _threshold(loss))
    return res


def fit(model, params: Any = None, X=None, y=None, *, loss: Loss = "cross_entropy",
        optimizer: _optim.Optimizer | None = None, epochs: int = 10, batch_size: int = 32,
        validation: tuple | None = None, seed: int = 0, progress: bool = True,
        metric: bool = True, desc: str = "train", file=None, backend: str = "numpy",
        devices=None,
        jit: bool = True) -> tuple[Any, dict]:
    """Train ``model`` (a Module or a function ``apply(params, x)``) on ``(X, y)``.

    Each step computes ``loss(apply(params, xb), yb)`` and its gradient with
    ``tg.value_and_grad`` and applies ``optimizer.step`` (default Adam, 1e-2).
    With ``jit=True`` (the default) that gradient step runs under ``tg.jit``:
    traced once per batch shape, then replayed as a NumPy plan (same numbers);
    ``jit=False`` runs it eagerly (for models whose Python code branches on
    values, which jit refuses).
    Returns ``(params, history)``; history holds per-epoch ``loss``,
    ``accuracy``, ``val_loss``, ``val_accuracy``, ``time`` and per-step
    ``step_loss``. A Module gets the trained parameters stored on it too (a tensor
    parameter keeps its identity, so an optimizer made on ``model.parameters()`` still holds
    it). Without ``params`` a Module's own are used, made at a first use if there are none
    (keeping what its layers were given). A frozen parameter (a tensor that does not require
    grad, or one of a layer frozen by its ``requires_grad_(False)``) keeps its value.

    ``backend="jax"`` compiles the step with ``jax.jit`` (through
    :func:`tensorgrad.to_jax`) and splits each batch across ``devices`` (a
    count or a list; default every device, of every process in a
    multi-process run): same batches, same loss curve to rounding, NumPy
    parameters back. A schedule's rate is computed on the host each step.
    """
    if backend not in ("numpy", "jax"):
        raise ValueError(f"fit: backend must be 'numpy' or 'jax', got {backend!r}")
    if devices is not None and backend != "jax":
        raise ValueError("fit: devices= applies to backend='jax' only")
    apply, mparams = _apply_of(model)
    if params is None:
        if isinstance(model, Module) and mparams is None:
            # (as a first use: the parameters its layers were given are kept, the rest drawn)
            mparams = model._initialize(seed, keep=True)
        params = mparams
    if params is None:
        raise ValueError("fit: no parameters given (pass params, or a Module)")
    if X is None or y is None:
        raise ValueError("fit: training data X and y are required")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    _check_data("fit", X, y, "X", "y")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("fit: validation must be a tuple (X_val, y_val)")
        _check_data("fit", *validation, "validation X", "validation y")
        vx, vy = (np.asarray(concrete(v)) for v in validation)  # (up front, not after an epoch)
        if len(vx) != len(vy):
            raise ValueError(f"fit: validation X has {len(vx)} rows but validation y has {len(vy)}")
        if vx.shape[1:] != np.shape(concrete(X))[1:]:
            raise ValueError(f"fit: validation X has rows of shape {vx.shape[1:]}, the training X "
                             f"rows of shape {np.shape(concrete(X))[1:]}")
    loss_fn = get_loss(loss)
    cut = _threshold(loss)
    opt = optimizer if optimizer is not None else _optim.Adam(1e-2)
    if not callable(getattr(opt, "init", None)) or not callable(getattr(opt, "step", None)) \
            or isinstance(opt, type):
        raise TypeError(f"fit: optimizer must be a functional optimizer such as "
                        f"tg.optim.Adam(1e-2) (opt.init(params), opt.step(params, grads, state)), "
                        f"got {opt!r}; PyTorch's form (an optimizer holding the parameters) "
                        "runs its own loop")
    frozen = _frozen_leaves(model, params)
    state = opt.init(params)
    data = BatchIterator(X, y, batch_size, shuffle=True, seed=seed)

    def objective(p, xb, yb):
        out = apply(p, xb)
        return loss_fn(out, yb), out

    if backend == "jax":
        runner, params, state = _distributed.data_parallel(objective, opt, params, state, devices)
        host = runner.to_host
        count = int(np.asarray(host(state["step"])))

        def update(params, state, xb, yb):
            nonlocal count
            lr = opt.lr(count)  # on the host: the compiled step gets the number
            count += 1
            new, state, value, out = runner.step(params, state, xb, yb, lr)
            return _keep_frozen(new, params, frozen), state, value, out
    else:
        step_fn = value_and_grad(objective, has_aux=True)
        if jit:
            step_fn = _jit(step_fn)

        def host(tree):
            return tree

        def update(params, state, xb, yb):
            (value, out), g = step_fn(params, xb, yb)
            new, state = opt.step(params, g, state)
            return _keep_frozen(new, params, frozen), state, value, out
    hist: dict[str, list] = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [],
                             "time": [], "step_loss": []}
    bar = _bar(progress, epochs * len(data), desc, file)
    t0 = time.perf_counter()
    try:
        for epoch in range(epochs):
            tot = correct = n = 0.0
            post: dict = {}
            for xb, yb in data:
                params, state, value, out = update(params, state, xb, yb)
                value = float(value)
                if not np.isfinite(value):
                    raise FloatingPointError(f"fit: the loss became {value} at epoch {epoch + 1}; "
                                             "lower the learning rate")
                k = len(yb)
                tot, n = tot + value * k, n + k
                hist["step_loss"].append(value)
                if metric:
                    correct += _accuracy(out, yb, cut) * k
                if bar is not None:
                    post = {"epoch": f"{epoch + 1}/{epochs}", "loss": f"{tot / n:.4f}"}
                    if metric:
                        post["acc"] = f"{correct / n:.3f}"
                    if metric and hist["val_accuracy"]:
                        post["val_acc"] = f"{hist['val_accuracy'][-1]:.3f}"
                    bar.set_postfix(post, refresh=False)
                    bar.update(1)
            hist["loss"].append(tot / max(n, 1))
            hist["accuracy"].append(correct / max(n, 1) if metric else float("nan"))
            if validation is not None:
                ev = evaluate(model if isinstance(model, Module) else apply, host(params),
                              *validation, loss=loss, metric=metric)
                hist["val_loss"].append(ev["loss"])
                hist["val_accuracy"].append(ev.get("accuracy", float("nan")))
                if bar is not None and metric:  # this epoch's validation shows at once, not one epoch late
                    post["val_acc"] = f"{hist['val_accuracy'][-1]:.3f}"
                    bar.set_postfix(post, refresh=True)
            hist["time"].append(time.perf_counter() - t0)
    finally:
        if bar is not None:
            bar.close()
    params = host(params)
    if isinstance(model, Module):
        _store(model, params)
    leaves, td = tree_flatten(params)
    if any(isinstance(v, Tensor) for v in leaves):  # (plain arrays back, the frozen ones too)
        params = tree_unflatten(td, [np.array(concrete(v)) if isinstance(v, Tensor) else v
                                     for v in leaves])
    return params, hist


def _keep_frozen(new, old, frozen):
    """``new`` with each frozen leaf at its value in ``old`` (as PyTorch's optimizers skip a
    parameter that does not require grad, decay and momentum included)."""
    if not frozen:
        return new
    leaves, td = tree_flatten(new)
    before = tree_flatten(old)[0]
    return tree_unflatten(td, [o if f else v for v, o, f in zip(leaves, before, frozen)])


def _frozen_leaves(model, params) -> list | None:
    """Per leaf of ``params``: whether it is frozen (a tensor that does not require grad, or
    a parameter of a layer frozen by its ``requires_grad_(False)``); None when none is."""
    leaves, td = tree_flatten(params)
    own = leaves
    ids = set()
    if isinstance(model, Module):
        ids = model._frozen_leaf_ids(include_self=True)
        if model.params is not None:
            held, held_td = tree_flatten(model.params)
            if held_td == td:  # params given as a copy of the model's: its leaves, by position
                own = held
    flags = [id(h) in ids or any(isinstance(v, Tensor) and not v.requires_grad for v in (h, p))
             for h, p in zip(own, leaves)]
    return flags if any(flags) else None


def _store(model, params) -> None:
    """The trained ``params`` into ``model``: an imperative tensor parameter keeps its
    identity and takes the new value (an optimizer made on ``model.parameters()`` holds it)."""
    held = model.params
    if held is not None:
        old, td_old = tree_flatten(held)
        new, td = tree_flatten(params)
        if td == td_old and any(isinstance(v, Tensor) for v in old):
            params = tree_unflatten(td, into_tensors(old, new))
    model.params = params


def _check_data(where: str, X, y, xname: str, yname: str) -> None:
    """Refuse empty data, and NaN or inf in the data, naming the array and the rows.

    A non-finite input makes the loss NaN at once; blaming the learning rate
    for it would send the user the wrong way.
    """
    for name, a in ((xname, X), (yname, y)):
        a = np.asarray(concrete(a))
        if a.ndim == 0 or len(a) == 0:
            raise ValueError(f"{where}: {name} is empty (shape {a.shape}); there is nothing to "
                             "train on")
        if a.dtype.kind not in "fc":
            continue
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(a).reshape(len(a), -1).all(axis=1)
        if not ok.all():
            rows = np.flatnonzero(~ok)
            shown = ", ".join(str(int(r)) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
            kinds = "/".join(k for k, f in (("NaN", np.isnan), ("inf", np.isinf)) if f(a).any())
            raise ValueError(f"{where}: {name} holds {kinds} in {len(rows)} of {len(a)} rows "
                             f"(rows {shown}); the data must be finite: clean or drop those rows")


def _bar(progress: bool, total: int, desc: str, file):
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        print("(install tqdm for a progress bar: pip install tqdm)", file=file or sys.stderr)
        return None
    return tqdm(total=total, desc=desc, unit="step", file=file or sys.stderr, dynamic_ncols=True,
                mininterval=0.2)
