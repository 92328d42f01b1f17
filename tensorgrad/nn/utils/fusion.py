"""``torch.nn.utils.fusion``: fold an evaluation-mode batch norm into the layer before it, and
``torch.nn.utils.skip_init``.

* ``fuse_conv_bn_eval(conv, bn, transpose=False)`` and ``fuse_linear_bn_eval(linear, bn)``
  return a *new* layer (a copy of ``conv`` / ``linear``, which stay as they were) whose
  output equals ``bn(layer(x))`` in evaluation mode. Both layers must be in evaluation mode
  (``.eval()``) and ``bn`` must keep running statistics, else an ``AssertionError`` (also a
  ``ValueError``), as PyTorch's. The fused layer always has a bias, also when the original
  had none. Its parameters are new values: NumPy arrays when the originals are, fresh leaf
  tensors when they are imperative tensors (``requires_grad`` as the original weight's for
  both; PyTorch's fused bias of a bias-less layer does not require grad, and neither does
  tensorgrad's then), traced values as computed under a transform.
  A tensorgrad :class:`~tensorgrad.nn.Linear` keeps ``W`` (in, out), so its ``W`` is fused
  column-wise; a layer with PyTorch's (out, in) ``weight`` is fused row-wise. As PyTorch's,
  a batch norm with one feature may follow a linear layer with several outputs (its one
  scale and shift apply to all of them).
* ``fuse_conv_bn_weights`` and ``fuse_linear_bn_weights`` are the pure functions of
  :mod:`tensorgrad.nn.utils.clip_grad`, importable from here as from PyTorch's module.
* ``skip_init(module_cls, *args, **kwargs)`` builds ``module_cls(*args, **kwargs)`` without
  its initializer's draw. PyTorch leaves the memory uninitialized (whatever it held);
  tensorgrad has no uninitialized arrays, so every parameter is **zeros** of its shape and
  dtype (buffers as the constructor made them). Fill them before use (``tg.nn.init``'s
  functions, ``load_state_dict``). ``device=`` and ``dtype=`` go to the constructor, which
  takes them as every tensorgrad layer does.
"""
from __future__ import annotations

import copy

import numpy as np

from ... import ops as _ops
from ...imperative import tensor as _tensor
from ...tensor import Tensor, concrete, traced_level
from ...tree import tree_flatten, tree_unflatten
from ..module import Module
from .clip_grad import fuse_conv_bn_weights, fuse_linear_bn_weights

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "skip_init", "FusionError"]

#: what a Module's ``__dict__`` keeps of its place in a model and its parameters, left out of
#: the fused copy (which is a new layer of its own)
_PLACE = ("_owner", "_params", "_lazy", "_all_tensors", "_applied")


class FusionError(AssertionError, ValueError):
    """A fusion refused (PyTorch raises ``AssertionError``)."""


def _check_eval(layer, bn) -> None:
    if layer.training or bn.training:
        raise FusionError("Fusion only for eval!")
    if getattr(bn, "running_mean", None) is None or getattr(bn, "running_var", None) is None:
        raise FusionError("bn.running_mean and bn.running_var must not be None")


def _detached_copy(layer):
    """A copy of ``layer``'s settings (hooks too, as ``copy.deepcopy``), not of its place in
    a model nor its parameters."""
    new = object.__new__(type(layer))
    state = {k: v for k, v in layer.__dict__.items() if k not in _PLACE}
    new.__dict__.update(copy.deepcopy(state))
    return new


def _leaf(v, like):
    """``v`` as a new parameter: a fresh leaf tensor for an imperative tensor (requiring grad
    as ``like`` does; not when ``like`` is None), else as computed."""
    if isinstance(v, Tensor) and traced_level(v) == 0:
        wants = isinstance(like, Tensor) and bool(like.requires_grad)
        return _tensor(np.array(concrete(v)), requires_grad=wants)
    return v


def _bn_values(bn) -> tuple:
    p = bn._have() if bn.has_parameters else {}
    p = p if isinstance(p, dict) else {}
    return bn.running_mean, bn.running_var, float(bn.eps), p.get("weight"), p.get("bias")


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A new convolution computing ``bn(conv(x))`` of the evaluation-mode layers (PyTorch's
    ``torch.nn.utils.fuse_conv_bn_eval``); ``transpose=True`` for a transposed convolution
    (its weight is (in, out/groups, ...))."""
    _check_eval(conv, bn)
    params = conv._have()
    if not isinstance(params, dict) or "W" not in params and "weight" not in params:
        raise TypeError(f"fuse_conv_bn_eval: expected a convolution layer, got {type(conv).__name__}")
    key = "W" if "W" in params else "weight"
    bkey = "b" if key == "W" else "bias"
    w, b = fuse_conv_bn_weights(params[key], params.get(bkey), *_bn_values(bn), transpose)
    fused = _detached_copy(conv)
    fused.bias = True  # (the constructor's flag: the fused layer has a bias)
    fused.params = {key: _leaf(w, params[key]), bkey: _leaf(b, params.get(bkey))}
    return fused


def fuse_linear_bn_eval(linear, bn):
    """A new linear layer computing ``bn(linear(x))`` of the evaluation-mode layers
    (PyTorch's ``torch.nn.utils.fuse_linear_bn_eval``): ``linear.out_features`` must equal
    ``bn.num_features``, or ``bn.num_features`` be 1."""
    _check_eval(linear, bn)
    out, nf = linear.out_features, bn.num_features
    if out != nf and nf != 1:
        raise FusionError(f"To fuse, linear.out_features == bn.num_features or bn.num_features "
                          f"== 1, got linear.out_features={out} and bn.num_features={nf}")
    params = linear._have()
    rm, rv, eps, bw, bb = _bn_values(bn)
    if nf != out:  # (one feature: its statistics broadcast over the outputs)
        rm, rv = np.broadcast_to(rm, (out,)), np.broadcast_to(rv, (out,))
        bw = None if bw is None else _ops.broadcast_to(bw, (out,))
        bb = None if bb is None else _ops.broadcast_to(bb, (out,))
    if "W" in params:  # tensorgrad's Linear: W (in, out) is PyTorch's weight transposed
        w, b = fuse_linear_bn_weights(_ops.transpose(params["W"]), params.get("b"), rm, rv, eps,
                                      bw, bb)
        new = {"W": _leaf(_ops.transpose(w), params["W"]), "b": _leaf(b, params.get("b"))}
    elif "weight" in params:  # PyTorch's layout (out, in)
        w, b = fuse_linear_bn_weights(params["weight"], params.get("bias"), rm, rv, eps, bw, bb)
        new = {"weight": _leaf(w, params["weight"]), "bias": _leaf(b, params.get("bias"))}
    else:
        raise TypeError(f"fuse_linear_bn_eval: expected a linear layer, got {type(linear).__name__}")
    fused = _detached_copy(linear)
    fused.bias = True
    fused.params = new
    return fused


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` with every parameter zeros (PyTorch's
    ``torch.nn.utils.skip_init`` leaves them uninitialized; see the module's notes)."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    module = module_cls(*args, **kwargs)
    leaves, treedef = tree_flatten(module._have())
    module.params = tree_unflatten(treedef, [np.zeros(np.shape(concrete(v)),
                                                      np.result_type(concrete(v)))
                                             for v in leaves])
    return module
