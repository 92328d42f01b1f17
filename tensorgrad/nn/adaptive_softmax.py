"""PyTorch's ``nn.AdaptiveLogSoftmaxWithLoss`` (Grave et al., *Efficient softmax approximation
for GPUs*) as a tensorgrad Module written PyTorch's way.

The classes are split by ``cutoffs`` = [c₀, c₁, ..., n_classes]: the *shortlist* 0..c₀−1 is
scored by the ``head`` together with one logit per tail cluster; cluster i (classes
cᵢ..cᵢ₊₁−1) has its own two-layer projection ``tail[i]`` = Linear(in, in // div_valueⁱ⁺¹) →
Linear(·, cᵢ₊₁ − cᵢ), both without bias. So

    log p(y | x) = head_logprob[y]                                  (y in the shortlist)
    log p(y | x) = head_logprob[c₀ + i] + tail_logprob_i[y − cᵢ]     (y in cluster i)

The parameters are PyTorch's, under its names and layouts (weights (out, in)): ``head.weight``
(``head.bias`` with ``head_bias=True``), ``tail.0.0.weight``, ``tail.0.1.weight``, ...; a
PyTorch state dict loads as it is. Each weight starts U(±1/√in), as ``nn.Linear``'s.

* ``forward(input, target)`` → ``_ASMoutput(output, loss)``: ``output`` the log-probability
  of each row's target, ``loss`` the mean of −output. Input (N, in) with target (N,), or one
  row (in,) with a 0-d target (``output`` 0-d then). Targets are concrete integer class ids
  (they choose which rows each cluster computes).
* ``log_prob(input)`` → (N, n_classes) log-probabilities of every class.
* ``predict(input)`` → the most likely class of each row, a NumPy int64 array (no gradient),
  computing the full distribution only for rows whose head prediction is a cluster. As
  PyTorch's, these two take a batch (N, in) only.

Gradients flow to the input and every weight through registered ops (the rows are gathered
and put back in order by indexing, not written in place).
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .. import ops as _ops
from ..tensor import concrete
from .layers import Module, Sequential
from .param_alias import ParamAttr
from .torch_modules import ModuleList

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

#: what ``forward`` returns (PyTorch's name)
_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])

_CUTOFFS = ("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
            "order, where each value is between 1 and n_classes-1")


class _ProjLinear(Module):
    """``x @ weightᵀ (+ bias)`` with PyTorch's (out, in) weight; U(±1/√in) (a layer with no
    inputs or outputs, as a narrow cluster's, is empty)."""

    weight = ParamAttr("weight")
    bias = ParamAttr("bias", flag=True)

    def __init__(self, in_features: int, out_features: int, bias: bool):
        self.in_features, self.out_features, self.bias = in_features, out_features, bias

    def init_params(self, rng):
        b = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
        p = {"weight": rng.uniform(-b, b, (self.out_features, self.in_features))}
        if self.has_bias:
            p["bias"] = rng.uniform(-b, b, (self.out_features,))
        return p

    def apply(self, params, x):
        y = _ops.matmul(x, _ops.transpose(params["weight"]))
        return y + params["bias"] if "bias" in params else y

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.has_bias}")


def _int(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"AdaptiveLogSoftmaxWithLoss: {name} must be a positive int, got {v!r}")
    return int(v)


class AdaptiveLogSoftmaxWithLoss(Module):
    """PyTorch's ``nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs,
    div_value=4.0, head_bias=False)``; see the module's notes. As every layer, it also takes
    ``dtype=`` (the parameters', float64 by default) and ``device=`` (None or ``'cpu'``)."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False):
        super().__init__()
        in_features, n_classes = _int("in_features", in_features), _int("n_classes", n_classes)
        cutoffs = list(cutoffs)
        if not cutoffs:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError(_CUTOFFS)
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = float(div_value), bool(head_bias)
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = _ProjLinear(in_features, self.head_size, self.head_bias)
        tails = []
        for i in range(self.n_clusters):
            hidden = int(in_features // (self.div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            tails.append(Sequential(_ProjLinear(in_features, hidden, False),
                                    _ProjLinear(hidden, size, False)))
        self.tail = ModuleList(tails)

    def forward(self, input, target):
        t = np.asarray(concrete(target))
        shape = tuple(np.shape(concrete(input)))
        if t.ndim == 1:
            if not shape or shape[0] != t.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if len(shape) != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs "
                                   f"with size {shape}")
        elif t.ndim == 0:
            if len(shape) != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs "
                                   f"with size {shape}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if t.size and t.dtype.kind not in "iu":
            raise TypeError(f"AdaptiveLogSoftmaxWithLoss: target must hold integer class ids, "
                            f"got dtype {t.dtype}")
        batched = t.ndim == 1
        x = input if batched else _ops.reshape(input, (1, shape[0]))
        t = t.reshape(-1).astype(np.int64)
        n = t.shape[0]
        gather = np.zeros(n, np.int64)
        bounds = [0, *self.cutoffs]
        used, rows_of, pieces = 0, [], []
        for i in range(len(bounds) - 1):
            rows = np.nonzero((t >= bounds[i]) & (t < bounds[i + 1]))[0]
            if not rows.size:
                continue
            used += rows.size
            if i == 0:
                gather[rows] = t[rows]
                continue
            gather[rows] = self.shortlist_size + i - 1
            logp = _ops.log_softmax(self.tail[i - 1](_ops.getitem(x, rows)), axis=1)
            pieces.append(_ops.getitem(logp, (np.arange(rows.size), t[rows] - bounds[i])))
            rows_of.append(rows)
        if used != n:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values "
                               f"in range [{t.min()}, {t.max()}] were found. ")
        head_logp = _ops.log_softmax(self.head(x), axis=1)
        output = _ops.getitem(head_logp, (np.arange(n), gather))
        if pieces:  # each cluster's rows' term, put back in row order (zero for the shortlist)
            in_tail = np.concatenate(rows_of)
            rest = np.setdiff1d(np.arange(n), in_tail)
            placed = np.concatenate([in_tail, rest])
            zeros = np.zeros(rest.size, np.result_type(concrete(output)))
            tail_terms = _ops.concatenate([*pieces, zeros]) if rest.size else \
                _ops.concatenate(pieces)
            output = output + _ops.getitem(tail_terms, np.argsort(placed))
        loss = _ops.mean(-output)
        if not batched:
            output = _ops.reshape(output, ())
        return _ASMoutput(output, loss)

    def _full_log_prob(self, x, head_out):
        head_logp = _ops.log_softmax(head_out, axis=1)
        s = self.shortlist_size
        parts = [head_logp[:, :s]]
        for i in range(self.n_clusters):
            cluster = _ops.log_softmax(self.tail[i](x), axis=1)
            parts.append(cluster + head_logp[:, s + i:s + i + 1])
        return _ops.concatenate(parts, axis=1)

    def _rows(self, who: str, input) -> None:
        shape = tuple(np.shape(concrete(input)))
        if len(shape) != 2 or shape[1] != self.in_features:  # (PyTorch's take no single row)
            raise ValueError(f"AdaptiveLogSoftmaxWithLoss.{who}: input of shape {shape} must be "
                             f"a batch (N, {self.in_features})")

    def log_prob(self, input):
        """Log-probabilities (N, n_classes) of every class for each row of ``input`` (N, in)."""
        self._rows("log_prob", input)
        return self._full_log_prob(input, self.head(input))

    def predict(self, input) -> np.ndarray:
        """The most likely class of each row (``argmax`` of ``log_prob``), as int64 (N,)."""
        self._rows("predict", input)
        head_out = self.head(input)
        pred = np.asarray(np.argmax(np.asarray(concrete(head_out)), axis=1), np.int64)
        far = np.nonzero(pred >= self.shortlist_size)[0]
        if far.size:
            logp = self._full_log_prob(_ops.getitem(input, far), _ops.getitem(head_out, far))
            pred[far] = np.argmax(np.asarray(concrete(logp)), axis=1)
        return pred

    def extra_repr(self):
        return (f"in_features={self.in_features}, n_classes={self.n_classes}, "
                f"cutoffs={self.cutoffs}, div_value={self.div_value}, head_bias={self.head_bias}")
