"""``torch.nn.utils``'s gradient clipping, parameter vectors and batch-norm fusion.

Gradients in tensorgrad are a pytree (what ``tg.grad`` returns), not ``.grad`` attributes, so
each clipping function takes that pytree (or a single array) and comes in two forms:

* the pure form (``clip_grad_norm``, ``clip_grads_with_norm``, ``clip_grad_value``) returns
  the clipped pytree (and, for ``clip_grad_norm``, the total norm); it is a composite of
  registered ops, so it works on traced gradients under ``tg.jit`` and the other transforms;
* PyTorch's in-place form (the names ending in ``_``) scales the leaves in place and needs
  every leaf to be a writable floating NumPy array (else a ``TypeError`` points to the pure
  form); ``clip_grad_norm_`` returns the total norm, as PyTorch's. They take PyTorch's
  argument too, the parameters (``model.parameters()``: tensors that require grad), and
  change each one's ``.grad``.

``foreach`` is accepted (None or a bool) and has no effect.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import ops as _ops
from ... import staging as _staging
from ...hooks import is_param_view
from ...ops.norms import vector_norm
from ...recording import IMPERATIVE
from ...tensor import Tensor, concrete, dtype_of, shape_of
from ...tree import tree_flatten, tree_unflatten

__all__ = ["get_total_norm", "clip_grads_with_norm", "clip_grads_with_norm_", "clip_grad_norm",
           "clip_grad_norm_", "clip_grad_value", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "fuse_conv_bn_weights", "fuse_linear_bn_weights"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _dtype(x) -> np.dtype:
    """A weight's dtype (a zero bias in it keeps a float32 layer float32)."""
    return np.dtype(dtype_of(concrete(x))) if hasattr(x, "dtype") else np.result_type(x)


def _foreach(fn: str, foreach) -> None:
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"{fn}: foreach must be None or a bool, got {foreach!r}")


def _norm_type(fn: str, norm_type) -> float:
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: norm_type must be a number or 'inf', got {norm_type!r}") from None
    if np.isnan(p):
        raise ValueError(f"{fn}: norm_type must be a number or 'inf', got {norm_type!r}")
    return p


def _vector_norm(x, p: float):
    if p == np.inf:
        return _ops.max(_ops.abs(x))
    if p == 2.0:
        return _ops.sqrt(_ops.sum(x * x))
    if p == 1.0:
        return _ops.sum(_ops.abs(x))
    return vector_norm(x, ord=p)  # (0: the count of nonzeros; −inf: the smallest magnitude)


def _leaves(grads) -> list:
    return tree_flatten(grads)[0]


class NonFiniteNormError(RuntimeError, ValueError):
    """``error_if_nonfinite=True`` met a non-finite total norm: PyTorch's RuntimeError (and a
    ValueError, which tensorgrad raised before)."""


def get_total_norm(tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None):
    """The ``norm_type``-norm of all leaves of ``tensors`` together: the norm of the vector of
    the leaves' norms (as PyTorch computes it). ``norm_type`` is any order of
    ``torch.linalg.vector_norm`` (``inf``: the largest magnitude, ``-inf`` the smallest, 0 the
    count of nonzeros). No leaves give 0. ``error_if_nonfinite=True`` raises a
    ``ValueError`` when the norm is nan or infinite (under ``tg.jit``, at every run of the
    plan)."""
    _foreach("get_total_norm", foreach)
    p = _norm_type("get_total_norm", norm_type)
    leaves = _leaves(tensors)
    if not leaves:
        return np.asarray(0.0)
    norms = [_vector_norm(g, p) for g in leaves]
    total = norms[0] if len(norms) == 1 else _vector_norm(_ops.stack(norms), p)
    if error_if_nonfinite:
        def nonfinite_check(v):
            if not np.all(np.isfinite(v)):
                raise NonFiniteNormError(f"get_total_norm: the total norm of order {p} of the gradients "
                                 f"is non-finite ({float(v)}); pass error_if_nonfinite=False to "
                                 "clip anyway")
        _staging.check(nonfinite_check, concrete(total))
    return total


def _coef(max_norm, total_norm):
    """PyTorch's factor min(1, max_norm / (total_norm + 1e-6))."""
    return _ops.minimum(float(max_norm) / (total_norm + 1e-6), 1.0)


def _scale(g, c):
    dt = np.dtype(concrete(g).dtype) if hasattr(concrete(g), "dtype") else np.dtype(np.float64)
    return g * (_ops.astype(c, dt) if dt.kind == "f" else c)


def clip_grads_with_norm(grads: Any, max_norm: float, total_norm, foreach: bool | None = None) -> Any:
    """``grads`` (a pytree) times min(1, max_norm / (total_norm + 1e-6)): the pure form of
    :func:`clip_grads_with_norm_`."""
    _foreach("clip_grads_with_norm", foreach)
    leaves, tree = tree_flatten(grads)
    c = _coef(max_norm, total_norm)
    return tree_unflatten(tree, [_scale(g, c) for g in leaves])


def _parameter(g) -> bool:
    """Whether ``g`` is a parameter in PyTorch's form: an imperative tensor (one that requires
    grad, or a frozen one), not a value traced by a transform, or a Module's parameter array
    as ``model.parameters()`` lists it (its ``grad``: None, or its tensor's once it has one)."""
    return (type(g) is Tensor and (g._trace is IMPERATIVE or g._trace is None)) or is_param_view(g)


def _writable(fn: str, grads) -> list:
    """The arrays to change in place: the leaves of ``grads``, or PyTorch's form, the ``.grad``
    of each parameter (a tensor that requires grad; one without a gradient yet is left out)."""
    if isinstance(grads, Iterator):  # (PyTorch's model.parameters() is a generator)
        grads = list(grads)
    leaves = _leaves(grads)
    if any(_parameter(g) for g in leaves):  # (a frozen one, requires_grad False, has no grad)
        leaves = [g.grad if _parameter(g) else g for g in leaves]
        # (a .grad assigned a tensor by hand, as PyTorch allows: its array, changed in place)
        leaves = [concrete(g) if type(g) is Tensor and g._trace is None else g
                  for g in leaves if g is not None]
    for i, g in enumerate(leaves):
        if not (isinstance(g, np.ndarray) and g.flags.writeable and g.dtype.kind in "fc"):
            what = (f"a read-only array of shape {g.shape}" if isinstance(g, np.ndarray)
                    and g.dtype.kind in "fc" else type(g).__name__ if not isinstance(g, np.ndarray)
                    else f"an array of dtype {g.dtype}")
            raise TypeError(f"{fn}: works in place on writable floating NumPy arrays, but leaf {i} "
                            f"is {what}; use the pure form {fn[:-1]} (it returns the clipped "
                            "gradients), e.g. under tg.grad or tg.jit")
    return leaves


def clip_grads_with_norm_(grads: Any, max_norm: float, total_norm,
                          foreach: bool | None = None) -> None:
    """Scale every leaf of ``grads`` in place by min(1, max_norm / (total_norm + 1e-6))."""
    _foreach("clip_grads_with_norm_", foreach)
    leaves = _writable("clip_grads_with_norm_", grads)
    c = float(np.asarray(concrete(_coef(max_norm, total_norm))))
    for g in leaves:
        g *= c


def clip_grad_norm(grads: Any, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> tuple:
    """``(clipped_grads, total_norm)``: the pure form of :func:`clip_grad_norm_`. (PyTorch's
    deprecated ``clip_grad_norm`` is in place; here the name without ``_`` is the pure one.)"""
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    return clip_grads_with_norm(grads, max_norm, total), total


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None):
    """Clip the gradients in place so that their total ``norm_type``-norm is at most about
    ``max_norm`` (:func:`get_total_norm`, then :func:`clip_grads_with_norm_`); returns the
    total norm before clipping. ``parameters`` (PyTorch's name) are tensors whose ``.grad``
    is clipped, or a pytree of gradient arrays clipped themselves."""
    leaves = _writable("clip_grad_norm_", parameters)
    total = get_total_norm(leaves, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(leaves, max_norm, total)
    return total


def _clip_value(fn: str, clip_value) -> float:
    try:
        v = float(clip_value)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: clip_value must be a number, got {clip_value!r}") from None
    return v


def clip_grad_value(grads: Any, clip_value: float, foreach: bool | None = None) -> Any:
    """Every leaf clamped to [−clip_value, clip_value]: the pure form of
    :func:`clip_grad_value_`."""
    _foreach("clip_grad_value", foreach)
    v = _clip_value("clip_grad_value", clip_value)
    leaves, tree = tree_flatten(grads)
    return tree_unflatten(tree, [_ops.clip(g, -v, v) for g in leaves])


def clip_grad_value_(parameters: Any, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient to [−clip_value, clip_value] in place (``parameters`` as in
    :func:`clip_grad_norm_`)."""
    _foreach("clip_grad_value_", foreach)
    v = _clip_value("clip_grad_value_", clip_value)
    for g in _writable("clip_grad_value_", parameters):
        np.clip(g, -v, v, out=g)


# ---- parameter vectors ------------------------------------------------------------------------
def parameters_to_vector(parameters: Any):
    """All leaves of ``parameters`` flattened and concatenated, in pytree order."""
    leaves = _leaves(parameters)
    if not leaves:
        raise ValueError("parameters_to_vector: the pytree has no leaves")
    return _ops.concatenate([_ops.reshape(leaf, (-1,)) for leaf in leaves])


def vector_to_parameters(vec, parameters: Any) -> Any:
    """The inverse of :func:`parameters_to_vector`: a new pytree shaped like ``parameters``
    whose leaves are consecutive slices of the 1-d ``vec``. Given PyTorch's parameters
    (``model.parameters()``: tensors of the imperative tape, or a Module's parameter arrays)
    and a concrete ``vec``, it also writes the slices into them, as PyTorch's does."""
    leaves, tree = tree_flatten(parameters)
    shapes = [_shape(leaf) for leaf in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    vs = _shape(vec)
    if len(vs) != 1 or vs[0] != sum(sizes):
        raise ValueError(f"vector_to_parameters: vec must be 1-d with {sum(sizes)} entries (the "
                         f"parameters' total size), got shape {vs}")
    out, start = [], 0
    for s, n in zip(shapes, sizes):
        out.append(_ops.reshape(vec[start:start + n], s))
        start += n
    if not _staging.is_staged(concrete(vec)) and (not isinstance(vec, Tensor) or vec._trace is None
                                                  or vec._trace is IMPERATIVE):
        for leaf, new in zip(leaves, out):
            if type(leaf) is Tensor and _parameter(leaf):
                leaf.data = new  # (the same tensor, its new value; nothing recorded)
            elif is_param_view(leaf):
                leaf[...] = concrete(new)  # (into the Module's array; a stale one refuses)
    return tree_unflatten(tree, out)


# ---- batch-norm fusion ------------------------------------------------------------------------
def _bn(fn: str, n: int, what: str, rm, rv, w, b):
    if rm is None or rv is None:
        raise ValueError(f"{fn}: bn_rm and bn_rv (the running mean and variance) are required")
    for name, v in (("bn_rm", rm), ("bn_rv", rv), ("bn_w", w), ("bn_b", b)):
        if v is not None and _shape(v) != (n,):
            raise ValueError(f"{fn}: {name} must have shape ({n},) to match {what}, got {_shape(v)}")
    w = np.ones(n) if w is None else w
    b = np.zeros(n) if b is None else b
    return w, b


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps: float, bn_w, bn_b,
                         transpose: bool = False) -> tuple:
    """``(fused_w, fused_b)`` of a convolution followed by an evaluation-mode batch norm:
    with s = bn_w / √(bn_rv + bn_eps), fused_w = conv_w · s (over output channels: axis 0,
    or axis 1 when ``transpose`` for transposed convolutions' (in, out, ...) weights) and
    fused_b = (conv_b − bn_rm) · s + bn_b. ``conv_b``, ``bn_w``, ``bn_b`` may be None
    (zeros, ones, zeros)."""
    ws = _shape(conv_w)
    if len(ws) < 3:
        raise ValueError(f"fuse_conv_bn_weights: conv_w must be a convolution weight with at "
                         f"least 3 dimensions, got shape {ws}")
    axis = 1 if transpose else 0
    n = ws[axis]
    bn_w, bn_b = _bn("fuse_conv_bn_weights", n, f"conv_w {ws} on axis {axis}", bn_rm, bn_rv,
                     bn_w, bn_b)
    if conv_b is not None and _shape(conv_b) != (n,):
        raise ValueError(f"fuse_conv_bn_weights: conv_b must have shape ({n},), got {_shape(conv_b)}")
    conv_b = np.zeros(n, _dtype(conv_w)) if conv_b is None else conv_b  # (a float32 layer stays so)
    scale = bn_w / _ops.sqrt(bn_rv + bn_eps)
    bshape = [1] * len(ws)
    bshape[axis] = -1
    return conv_w * _ops.reshape(scale, tuple(bshape)), (conv_b - bn_rm) * scale + bn_b


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps: float, bn_w, bn_b) -> tuple:
    """``(fused_w, fused_b)`` of a linear layer in PyTorch's layout (weight (out, in), as
    ``tg.nn.linear``) followed by an evaluation-mode batch norm: s = bn_w / √(bn_rv + bn_eps),
    fused_w = linear_w · s[:, None], fused_b = (linear_b − bn_rm) · s + bn_b (``linear_b``
    None is zeros)."""
    ws = _shape(linear_w)
    if len(ws) != 2:
        raise ValueError(f"fuse_linear_bn_weights: linear_w must be 2-d (out, in), got shape {ws}")
    n = ws[0]
    bn_w, bn_b = _bn("fuse_linear_bn_weights", n, f"linear_w {ws}", bn_rm, bn_rv, bn_w, bn_b)
    if linear_b is not None and _shape(linear_b) != (n,):
        raise ValueError(f"fuse_linear_bn_weights: linear_b must have shape ({n},), got "
                         f"{_shape(linear_b)}")
    linear_b = np.zeros(n, _dtype(linear_w)) if linear_b is None else linear_b
    scale = bn_w / _ops.sqrt(bn_rv + bn_eps)
    return linear_w * _ops.reshape(scale, (n, 1)), (linear_b - bn_rm) * scale + bn_b
