"""PyTorch's ``torch.autograd.gradcheck`` and ``gradgradcheck``.

``gradcheck(func, inputs)`` compares the whole Jacobian of ``func`` in every checked input,
as reverse mode computes it (``tg.jacrev``; with ``check_forward_ad=True`` forward mode's
``tg.jacfwd`` too), with central finite differences, entry by entry:
``|analytical − numerical| ≤ atol + rtol·|numerical|``. It returns True, or raises
:class:`GradcheckError` naming the output, the input and the worst entries (returns False with
``raise_exception=False``). The checked inputs are the imperative tensors that require grad
when there are any (as PyTorch), otherwise every floating-point array. ``gradgradcheck`` does
the same for the map ``(inputs, v) ↦ vᵀJ``, so second derivatives are checked. Complex inputs
or outputs are checked with :func:`tensorgrad.check.check_grads` (directional differences
under JAX's convention).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .check import check_grads
from .imperative import tensor
from .recording import IMPERATIVE
from .reports import GradCheckError as _TgGradCheckError
from .tensor import Tensor, concrete, torch_style
from .transforms import jacfwd, jacrev, vjp

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """A Jacobian that differs from finite differences (PyTorch's ``GradcheckError``)."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _checked_positions(inputs: tuple) -> list:
    imperative = [i for i, x in enumerate(inputs) if isinstance(x, Tensor)
                  and x._trace is IMPERATIVE]
    if imperative:
        return imperative
    return [i for i, x in enumerate(inputs)  # (arrays; a Python number, or PyTorch's tensor
            if not isinstance(x, (bool, int, float, complex)) and x is not None  # that does not
            and not (type(x) is Tensor and torch_style(x))  # require grad, is a constant)
            and hasattr(x, "shape") and np.result_type(concrete(x)).kind in "fc"]


def _constant(x):
    """An input as ``func`` sees it outside the transforms: a Tensor (not recorded), so
    Tensor methods such as ``x.clone()`` and ``x.detach()`` work as in PyTorch."""
    if isinstance(x, Tensor) or (isinstance(x, np.ndarray) and x.dtype.kind in "fc"):
        return tensor(concrete(x))
    return x


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _of_checked(func, values: list, pos: list) -> Callable:
    """``func`` as a function of the checked inputs only (positions ``pos``), the others
    fixed at ``values``."""
    def of_checked(*xs):
        args = list(values)
        for i, v in zip(pos, xs):
            args[i] = v
        return func(*args)
    return of_checked


def _numerical(func, values: list, k: int, eps: float, outs0: tuple) -> list:
    """Central differences of every output in every entry of input ``k``: one array of shape
    ``out.shape + in.shape`` per output (``outs0``: the outputs at ``values``)."""
    x = np.asarray(values[k], dtype=np.float64)
    cols = []
    for j in range(x.size):
        outs = []
        for sign in (1.0, -1.0):
            xp = x.copy().reshape(-1)
            xp[j] += sign * eps
            args = list(values)
            args[k] = _constant(xp.reshape(x.shape))
            outs.append([np.asarray(concrete(o), dtype=np.float64)
                         for o in _as_tuple(func(*args))])
        cols.append([(p - m) / (2 * eps) for p, m in zip(*outs)])
    result = []
    for o, out in enumerate(outs0):
        shape = np.shape(concrete(out))
        stacked = np.stack([c[o] for c in cols], axis=-1) if cols else np.zeros(shape + (0,))
        result.append(stacked.reshape(shape + x.shape))
    return result


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True when the Jacobians of ``func(*inputs)`` (reverse mode, and forward mode with
    ``check_forward_ad=True``) agree with central differences of step ``eps`` within
    ``atol + rtol·|numerical|`` (a NaN entry never agrees); else GradcheckError (or False with
    ``raise_exception=False``). ``fast_mode`` and PyTorch's other options (nondeterminism,
    batched, undefined and dtype checks) are accepted and change nothing: every entry is
    checked. Tensors that do not require grad are constants, as in PyTorch; plain NumPy
    arrays are checked."""
    if not (check_forward_ad or check_backward_ad):
        raise ValueError("gradcheck: check_forward_ad and check_backward_ad are both False, so "
                         "nothing would be checked; set at least one to True")
    ins = _as_tuple(inputs)
    pos = _checked_positions(ins)
    if not pos:
        raise ValueError("gradcheck: no input to check: pass floating-point arrays, or tensors "
                         "made with tg.tensor(..., requires_grad=True) (PyTorch's gradcheck "
                         "expects at least one input tensor to require gradient)")
    values = [_constant(x) for x in ins]
    out0 = func(*values)
    outs0 = _as_tuple(out0)
    partial = _of_checked(func, values, pos)
    if any(np.result_type(concrete(values[i])).kind == "c" for i in pos) or any(
            np.result_type(concrete(o)).kind == "c" for o in outs0):
        return _complex_check(partial, [values[i] for i in pos], eps, atol, rtol,
                              raise_exception, check_forward_ad, check_backward_ad)
    modes = ([("reverse", jacrev)] if check_backward_ad else []) + \
        ([("forward", jacfwd)] if check_forward_ad else [])
    out_tuple = isinstance(out0, (tuple, list))
    keep = [o for o, v in enumerate(outs0) if np.result_type(concrete(v)).kind in "fc"]
    if len(keep) < len(outs0):  # (integer and boolean outputs have no derivative: left out, as
        whole, out_tuple = partial, True  # PyTorch leaves them)
        if not keep:
            raise ValueError("gradcheck: no output is floating point, so none has a derivative")

        def partial(*xs):
            return tuple(_as_tuple(whole(*xs))[o] for o in keep)
    numeric = {i: _numerical(func, values, i, eps, outs0) for i in pos}
    for mode, transform in modes:
        J = transform(partial, argnums=tuple(range(len(pos))))(*[values[i] for i in pos])
        per_out = list(J) if out_tuple else [J]
        for o, row in zip(keep, per_out):
            for slot, i in enumerate(pos):
                a = np.asarray(concrete(row[slot]), dtype=np.float64)
                n = numeric[i][o]
                if a.shape != n.shape:
                    return _fail(f"gradcheck: the {mode}-mode Jacobian of output {o} in input "
                                 f"{i} has shape {a.shape}, finite differences {n.shape}",
                                 raise_exception)
                bad = ~np.isclose(a, n, rtol=rtol, atol=atol)  # (NaN: bad, as PyTorch's allclose)
                if bad.any():
                    worst = np.argsort(-np.where(bad, np.nan_to_num(np.abs(a - n), nan=np.inf), 0).reshape(-1))[:5]
                    lines = "\n".join(f"  entry {tuple(int(i) for i in np.unravel_index(w, a.shape))}: {mode} "
                                      f"{a.reshape(-1)[w]:.10g}, numerical "
                                      f"{n.reshape(-1)[w]:.10g}" for w in worst
                                      if bad.reshape(-1)[w])
                    return _fail(f"gradcheck: Jacobian mismatch for output {o} with respect to "
                                 f"input {i} ({int(bad.sum())} of {bad.size} entries beyond "
                                 f"atol={atol}, rtol={rtol}):\n{lines}", raise_exception)
    return True


def _complex_check(partial, xs, eps, atol, rtol, raise_exception, forward, backward) -> bool:
    modes = (("rev",) if backward else ()) + (("fwd",) if forward else ())

    def on_tensors(*args):  # (the finite differences' plain arrays as tensors, as func sees them)
        return partial(*(_constant(a) if type(a) is np.ndarray else a for a in args))
    try:
        check_grads(on_tensors, *xs, order=1, modes=modes, eps=eps, rtol=rtol, atol=atol)
    except _TgGradCheckError as exc:
        return _fail(f"gradcheck: {exc}", raise_exception)
    return True


def gradgradcheck(func: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False, seed: int = 0) -> bool:
    """:func:`gradcheck` of ``(inputs, v) ↦ vᵀJ``: the second derivatives of ``func``.
    ``grad_outputs`` (one per output) default to random normal arrays (``seed``)."""
    ins = _as_tuple(inputs)
    pos = _checked_positions(ins)
    values = [_constant(x) for x in ins]
    out = func(*values)
    out_tuple = isinstance(out, (tuple, list))
    outs = _as_tuple(out)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        vs = [rng.normal(size=np.shape(concrete(o))) for o in outs]
    else:  # (as given, a complex one complex: float64 would drop its imaginary part)
        vs = [np.asarray(concrete(v), dtype=np.result_type(concrete(v), np.float64))
              for v in _as_tuple(grad_outputs)]
        if len(vs) != len(outs):
            raise ValueError(f"gradgradcheck: {len(vs)} grad_outputs for {len(outs)} outputs")
    k = len(pos)

    partial = _of_checked(func, values, pos)

    def first(*args):
        xs, v = args[:k], args[k:]
        _, pull = vjp(partial, *xs)
        return tuple(pull(tuple(v) if out_tuple else v[0]))
    # (the checked inputs as given, arrays or tensors that require grad: values[i] is a
    # constant tensor, which gradcheck would leave out)
    return gradcheck(first, tuple(ins[i] for i in pos) + tuple(vs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception,
                     check_backward_ad=check_rev_over_rev, check_forward_ad=check_fwd_over_rev)
