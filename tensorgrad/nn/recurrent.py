"""PyTorch's recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

Each layer is a composite of registered ops (matmul, sigmoid, tanh, slicing, stack), unrolled
in a Python loop over the time steps, so ``tg.grad``, ``tg.jvp``, ``tg.jacrev``, ``tg.vmap``
and ``tg.jit`` go through it and the gradients are exact (backpropagation through time).

Parameters: a flat dict whose keys are PyTorch's ``state_dict`` names and whose arrays have
PyTorch's shapes, so a model exported from PyTorch is a dict copy::

    params = {name: tensor.detach().numpy() for name, tensor in torch_model.state_dict().items()}

For layer ``l`` (0-based) of a multi-layer model: ``weight_ih_l{l}`` (G·H, input),
``weight_hh_l{l}`` (G·H, H_out), ``bias_ih_l{l}`` and ``bias_hh_l{l}`` (G·H,) with G = 1
(RNN), 4 (LSTM, gates in the order i, f, g, o) or 3 (GRU, gates r, z, n); the reverse
direction of a bidirectional model adds the suffix ``_reverse``; an LSTM with
``proj_size > 0`` has ``weight_hr_l{l}`` (proj_size, H) and its hidden state has proj_size
entries. Every entry starts uniform on ±1/√hidden_size, as PyTorch's.

Calls: ``model(input)`` or ``model(input, hx)`` (the initial state; zeros when omitted) and
the pure ``model.apply(params, input, hx=None, key=None)``; explicit parameters go by keyword,
``model(input, hx, params=p)``. ``RNN``/``GRU`` return ``(output, h_n)``, ``LSTM`` returns
``(output, (h_n, c_n))`` and takes ``hx = (h_0, c_0)``. Shapes are PyTorch's: input
(L, N, H_in), or (N, L, H_in) with ``batch_first=True``, or unbatched (L, H_in); the states
(D·num_layers, N, H_out) (never batch-first), or (D·num_layers, H_out) for unbatched input,
D = 2 if bidirectional else 1. A :class:`~tensorgrad.nn.utils.rnn.PackedSequence` input gives a
PackedSequence output: each sequence runs only its own steps (the reverse direction starts at
its last one), ``h_n`` holds each sequence's state after its last step, and ``hx`` and ``h_n``
are in the caller's batch order, as in PyTorch. Since ``apply(params, x)`` keeps the one-input form, a recurrent
layer can sit in a :class:`~tensorgrad.nn.Sequential` (last, as its output is a tuple).

Dropout between stacked layers (``dropout > 0``, training mode only): with ``key=`` the mask
after layer l is drawn from ``fold_in(key, l)``; without a key, from the layer's own Dropout
stream (seeded by the model's ``init(seed)``, as :class:`~tensorgrad.nn.Dropout`).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..tensor import concrete, dtype_of, shape_of
from .layers import Module, _check_positive
from .layers_more import Dropout
from .param_alias import ParamAttr
from .utils.rnn import PackedSequence, pack_like, pad_packed_sequence

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "RNNBase", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x)))


def _arr(x):
    """A traced value or a tensor as it is, anything else as a NumPy array."""
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _floating(who: str, what: str, x):
    x = _arr(x)
    dt = np.dtype(dtype_of(concrete(x)))
    if dt.kind != "f":
        raise TypeError(f"{who}: {what} must be a floating array, got dtype {dt} "
                        f"(shape {_shape(x)})")
    return x


def _flag(who: str, name: str, v) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be a bool, got {v!r}")
    return bool(v)


def _mode(who: str, nonlinearity) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{who}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


def _t(w):
    return _ops.transpose(w)


def _gate(a, k: int, h: int):
    """Gate ``k`` (a block of ``h`` columns) of the stacked pre-activations ``a`` (..., G·h)."""
    return _ops.getitem(a, (Ellipsis, slice(k * h, (k + 1) * h)))


def _step(mode: str, xw, h, c, w_hh, b_hh, w_hr, hidden: int):
    """One time step. ``xw`` = x W_ihᵀ + b_ih (..., G·H) is computed by the caller (for every
    step at once in the layers). Returns the new (h, c); ``c`` is None except for the LSTM."""
    hw = _ops.matmul(h, _t(w_hh))
    if b_hh is not None:
        hw = hw + b_hh
    if mode == "LSTM":
        a = xw + hw
        i, f = _ops.sigmoid(_gate(a, 0, hidden)), _ops.sigmoid(_gate(a, 1, hidden))
        g, o = _ops.tanh(_gate(a, 2, hidden)), _ops.sigmoid(_gate(a, 3, hidden))
        c = f * c + i * g
        h = o * _ops.tanh(c)
        if w_hr is not None:
            h = _ops.matmul(h, _t(w_hr))
        return h, c
    if mode == "GRU":
        r = _ops.sigmoid(_gate(xw, 0, hidden) + _gate(hw, 0, hidden))
        z = _ops.sigmoid(_gate(xw, 1, hidden) + _gate(hw, 1, hidden))
        n = _ops.tanh(_gate(xw, 2, hidden) + r * _gate(hw, 2, hidden))
        return (1 - z) * n + z * h, None
    a = xw + hw
    return (_ops.tanh(a) if mode == "RNN_TANH" else _ops.relu(a)), None


def _zeros(shape: tuple, *like):
    return np.zeros(shape, dtype=np.result_type(*(np.dtype(dtype_of(concrete(a))) for a in like)))


def _check_params(who: str, params, want: dict) -> None:
    """``params`` must be a dict with exactly the names of ``want``, of those shapes."""
    if not isinstance(params, dict):
        raise TypeError(f"{who}: params must be a dict of PyTorch's parameter names, got "
                        f"{type(params).__name__}")
    missing, extra = sorted(set(want) - set(params)), sorted(set(params) - set(want))
    if missing or extra:
        raise ValueError(f"{who}: params has the wrong names: missing {missing}, "
                         f"unexpected {extra}")
    for name, s in want.items():
        if _shape(_arr(params[name])) != s:
            raise ValueError(f"{who}: params[{name!r}] must have shape {s}, got "
                             f"{_shape(_arr(params[name]))}")


class _NamedParameters:
    """PyTorch's attributes for a recurrent layer's parameters (``rnn.weight_hh_l0``,
    ``cell.bias_ih``): the parameters themselves, as ``conv.weight`` is (so
    ``rnn.weight_hh_l0.data.copy_(w)`` and ``nn.init.orthogonal_(rnn.weight_hh_l0)`` write
    into the layer)."""

    def __getattr__(self, name: str):
        if name.startswith(("weight_", "bias_")) and name in self._param_shapes():
            attr = ParamAttr(name)
            attr.name = name
            return attr.__get__(self)
        return super().__getattr__(name)


# ---- cells ------------------------------------------------------------------------------------
class RNNCellBase(_NamedParameters, Module):
    """The base of the cells (PyTorch's ``nn.RNNCellBase``): made directly, the parameters of
    a cell of ``num_chunks`` gates, with no forward of its own."""
    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 num_chunks: int | None = None):
        who = type(self).__name__
        _check_positive(who, input_size=input_size, hidden_size=hidden_size,
                        **({} if num_chunks is None else {"num_chunks": num_chunks}))
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.bias = _flag(who, "bias", bias)
        self._chunks = None if num_chunks is None else int(num_chunks)

    def _param_shapes(self) -> dict[str, tuple]:
        gates = self.__dict__.get("_chunks") or _GATES[self._mode]
        g, h = gates * self.hidden_size, self.hidden_size
        shapes = {"weight_ih": (g, self.input_size), "weight_hh": (g, h)}
        if self.bias:
            shapes.update(bias_ih=(g,), bias_hh=(g,))
        return shapes

    def init_params(self, rng):
        k = 1.0 / math.sqrt(self.hidden_size)
        return {name: rng.uniform(-k, k, size=s) for name, s in self._param_shapes().items()}

    def __call__(self, input, hx=None, *, params=None):
        """``cell(input, hx)``: one step from state ``hx`` (zeros when omitted); parameters by
        keyword, ``cell(input, hx, params=p)``, else the remembered ones."""
        if params is None:
            params = self._called(input, hx)
        return self.apply(params, input, hx)

    def apply(self, params, input, hx=None):
        who = f"{type(self).__name__}({self.input_size}, {self.hidden_size})"
        if type(self) is RNNCellBase:
            raise NotImplementedError(f"{who}: the base class of the cells has no forward of its "
                                      "own (as PyTorch's); use RNNCell, LSTMCell or GRUCell")
        _check_params(who, params, self._param_shapes())
        if isinstance(input, PackedSequence):
            raise TypeError(f"{who}: a cell takes one time step, (N, H_in) or (H_in,); a "
                            "PackedSequence is for RNN, LSTM and GRU")
        x = _floating(who, "input", input)
        xs = _shape(x)
        if len(xs) not in (1, 2) or xs[-1] != self.input_size:
            raise ValueError(f"{who}: input of shape {xs} must be (N, {self.input_size}) or "
                             f"({self.input_size},)")
        lead, h = xs[:-1], self.hidden_size
        states = self._states(who, hx, lead, x, params["weight_hh"])
        xw = _ops.matmul(x, _t(params["weight_ih"]))
        if "bias_ih" in params:
            xw = xw + params["bias_ih"]
        h1, c1 = _step(self._mode, xw, states[0], states[1], params["weight_hh"],
                       params.get("bias_hh"), None, h)
        return (h1, c1) if self._mode == "LSTM" else h1

    def _states(self, who, hx, lead, x, w):
        want = lead + (self.hidden_size,)
        if hx is None:
            z = _zeros(want, x, w)
            return z, (z if self._mode == "LSTM" else None)
        if self._mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{who}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
            parts = [("h_0", hx[0]), ("c_0", hx[1])]
        else:
            parts = [("hx", hx)]
        out = []
        for name, s in parts:
            s = _floating(who, name, s)
            if _shape(s) != want:
                raise ValueError(f"{who}: {name} of shape {_shape(s)} must be {want} for input "
                                 f"of shape {lead + (self.input_size,)}")
            out.append(s)
        return out[0], (out[1] if len(out) == 2 else None)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias}"


class RNNCell(RNNCellBase):
    """One step of an Elman RNN (PyTorch's ``nn.RNNCell``):
    ``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` with act = tanh or relu.

    ``cell(input, hx=None)``: input (N, input_size) or (input_size,), hx of the matching
    (N, hidden_size) or (hidden_size,) (zeros when omitted); returns h'. Parameters
    ``weight_ih`` (H, input_size), ``weight_hh`` (H, H), ``bias_ih``, ``bias_hh`` (H,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh"):
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity
        self._mode = _mode("RNNCell", nonlinearity)

    def extra_repr(self):
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(RNNCellBase):
    """One step of an LSTM (PyTorch's ``nn.LSTMCell``): with the gates (i, f, g, o) the four
    blocks of ``x W_ihᵀ + b_ih + h W_hhᵀ + b_hh`` and σ, σ, tanh, σ applied to them,
    ``c' = f ⊙ c + i ⊙ g`` and ``h' = o ⊙ tanh(c')``.

    ``cell(input, (h, c))`` returns ``(h', c')``; the state defaults to zeros. Parameters
    ``weight_ih`` (4H, input_size), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,)."""

    _mode = "LSTM"


class GRUCell(RNNCellBase):
    """One step of a GRU (PyTorch's ``nn.GRUCell``): with the blocks (r, z, n) of
    ``x W_ihᵀ + b_ih`` and of ``h W_hhᵀ + b_hh``,
    ``r = σ(·_r + ·_r)``, ``z = σ(·_z + ·_z)``, ``n = tanh(x_n + r ⊙ h_n)`` and
    ``h' = (1 − z) ⊙ n + z ⊙ h``.

    ``cell(input, hx=None)`` returns h'. Parameters ``weight_ih`` (3H, input_size),
    ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,)."""

    _mode = "GRU"


# ---- sequence layers --------------------------------------------------------------------------
class RNNBase(_NamedParameters, Module):
    """The base of RNN, LSTM and GRU (PyTorch's ``nn.RNNBase``): ``mode`` is ``"RNN_TANH"``,
    ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``; made directly, it runs as that layer."""
    _mode = "RNN_TANH"

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0):
        who = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{who}: mode must be one of {sorted(_GATES)}, got {mode!r}")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{who}: proj_size is for LSTM only, got {proj_size!r} for {mode!r}")
        self._mode = mode
        _check_positive(who, input_size=input_size, hidden_size=hidden_size,
                        num_layers=num_layers)
        if isinstance(proj_size, bool) or not isinstance(proj_size, (int, np.integer)) \
                or not 0 <= proj_size < hidden_size:
            raise ValueError(f"{who}: proj_size must be an int in [0, hidden_size={hidden_size}), "
                             f"got {proj_size!r}")
        try:
            p = float(dropout)
        except (TypeError, ValueError):
            raise TypeError(f"{who}: dropout must be a number, got {dropout!r}") from None
        if not 0 <= p <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{who}: dropout must be a number in [0, 1], got {dropout!r}")
        if p > 0 and int(num_layers) == 1:  # (PyTorch's warning: the dropout does nothing)
            warnings.warn(f"{who}: dropout is applied between stacked layers only, so dropout="
                          f"{dropout} does nothing with num_layers=1", UserWarning, stacklevel=3)
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.proj_size, self.dropout = int(num_layers), int(proj_size), p
        self.bias = _flag(who, "bias", bias)
        self.batch_first = _flag(who, "batch_first", batch_first)
        self.bidirectional = _flag(who, "bidirectional", bidirectional)
        # the mask between stacked layers: a child Dropout, so init(seed) seeds its stream and
        # train()/eval() switch it
        self._drop = Dropout(p) if p > 0 else None

    @property
    def mode(self) -> str:
        """PyTorch's ``mode``: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``."""
        return self._mode

    @property
    def stochastic(self) -> bool:
        return self.dropout > 0 and self.num_layers > 1

    @property
    def _dirs(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _out(self) -> int:
        return self.proj_size or self.hidden_size

    def _names(self, layer: int, d: int) -> list[str]:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
        if self.bias:
            names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
        if self.proj_size:
            names.append(f"weight_hr{sfx}")
        return names

    def _param_shapes(self) -> dict[str, tuple]:
        g, h, out = _GATES[self._mode] * self.hidden_size, self.hidden_size, self._out
        shapes = {}
        for layer in range(self.num_layers):
            fan = self.input_size if layer == 0 else out * self._dirs
            for d in range(self._dirs):
                w_ih, w_hh, *rest = self._names(layer, d)
                shapes[w_ih], shapes[w_hh] = (g, fan), (g, out)
                for name in rest:
                    shapes[name] = (self.proj_size, h) if name.startswith("weight_hr") else (g,)
        return shapes

    def init_params(self, rng):
        k = 1.0 / math.sqrt(self.hidden_size)
        return {name: rng.uniform(-k, k, size=s) for name, s in self._param_shapes().items()}

    def __call__(self, input, hx=None, *, params=None, key=None):
        """``model(input, hx)``; parameters by keyword (``params=p``), else the remembered ones;
        ``key=`` for the dropout between layers."""
        if key is not None and not self.stochastic:
            raise TypeError(f"{type(self).__name__}: key= is for the dropout between layers "
                            f"(dropout > 0 and num_layers > 1), got dropout={self.dropout}, "
                            f"num_layers={self.num_layers}")
        if params is None:
            params = self._called(input, hx)
        return self.apply(params, input, hx, key=key)

    def apply(self, params, input, hx=None, key=None):
        """``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``) for ``input`` from state ``hx``;
        see the module's notes for the shapes."""
        who = f"{type(self).__name__}({self.input_size}, {self.hidden_size})"
        _check_params(who, params, self._param_shapes())
        packed = input if isinstance(input, PackedSequence) else None
        lens = None
        if packed is not None:  # (batch_first does not apply: a packed batch has no layout)
            input, lens = pad_packed_sequence(packed)
        x = _floating(who, "input", input)
        xs = _shape(x)
        if len(xs) not in (2, 3) or xs[-1] != self.input_size:
            layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ValueError(f"{who}: input of shape {xs} must be {layout} or unbatched "
                             f"(L, H_in) with H_in = {self.input_size}")
        unbatched = len(xs) == 2
        if unbatched:
            x = _ops.expand_dims(x, 1)
        elif self.batch_first and packed is None:
            x = _ops.swapaxes(x, 0, 1)
        steps, n = _shape(x)[:2]
        if steps == 0:
            raise ValueError(f"{who}: input of shape {xs} has no time steps")
        h0, c0 = self._initial(who, hx, n, unbatched, x, params)
        hs, cs = [], []
        for layer in range(self.num_layers):
            if layer and self.training and self.stochastic:
                x = self._dropped(x, layer - 1, key)
            outs = []
            for d in range(self._dirs):
                j = layer * self._dirs + d
                y, h, c = self._direction(params, layer, d, x, _ops.getitem(h0, j),
                                          None if c0 is None else _ops.getitem(c0, j), lens)
                outs.append(y)
                hs.append(h)
                cs.append(c)
            x = outs[0] if len(outs) == 1 else _ops.concatenate(outs, axis=-1)
        h_n = _ops.stack(hs)
        c_n = _ops.stack(cs) if c0 is not None else None
        if unbatched:
            x, h_n = _ops.getitem(x, (slice(None), 0)), _ops.getitem(h_n, (slice(None), 0))
            c_n = None if c_n is None else _ops.getitem(c_n, (slice(None), 0))
        elif packed is not None:
            x = PackedSequence(pack_like(x, packed.batch_sizes, packed.sorted_indices),
                               packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        elif self.batch_first:
            x = _ops.swapaxes(x, 0, 1)
        return (x, (h_n, c_n)) if self._mode == "LSTM" else (x, h_n)

    def _dropped(self, x, after: int, key):
        if key is not None:
            return self._drop.apply({}, x, key=_random.fold_in(key, after))
        return self._drop.apply({}, x)

    def _direction(self, params, layer, d, x, h, c, lens=None):
        """One direction of one layer over the whole sequence x (L, N, ·): the outputs
        (L, N, H_out) and the final state. With ``lens`` (a packed batch), sequence b only
        runs its first lens[b] steps: past them its state stays and its output is zero (the
        reverse direction starts at its own last step)."""
        names = self._names(layer, d)
        p = {n.split("_l")[0]: params[n] for n in names}
        xw = _ops.matmul(x, _t(p["weight_ih"]))  # the input's share, every step at once
        if "bias_ih" in p:
            xw = xw + p["bias_ih"]
        steps = _shape(x)[0]
        outs = [None] * steps
        for t in (range(steps - 1, -1, -1) if d else range(steps)):
            h1, c1 = _step(self._mode, _ops.getitem(xw, t), h, c, p["weight_hh"], p.get("bias_hh"),
                           p.get("weight_hr"), self.hidden_size)
            if lens is None or bool(np.all(lens > t)):
                h, c = h1, c1
                outs[t] = h
                continue
            live = (lens > t)[:, None]
            h = _ops.where(live, h1, h)
            c = None if c is None else _ops.where(live, c1, c)
            outs[t] = _ops.where(live, h1, _ops.zeros_like(h1))
        return _ops.stack(outs), h, c

    def _initial(self, who, hx, n, unbatched, x, params):
        """h_0 and c_0 (LSTM; else None) as (D·num_layers, N, ·)."""
        layers = self._dirs * self.num_layers
        hshape, cshape = (layers, n, self._out), (layers, n, self.hidden_size)
        if hx is None:
            z = _zeros(hshape, x, params["weight_hh_l0"])
            return z, (_zeros(cshape, x, params["weight_hh_l0"]) if self._mode == "LSTM" else None)
        if self._mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{who}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
            parts = [("h_0", hx[0], hshape), ("c_0", hx[1], cshape)]
        else:
            parts = [("hx", hx, hshape)]
        out = []
        for name, s, want in parts:
            s = _floating(who, name, s)
            want = (want[0], want[2]) if unbatched else want
            if _shape(s) != want:
                raise ValueError(f"{who}: {name} of shape {_shape(s)} must be {want} "
                                 f"(D·num_layers, {'' if unbatched else 'N, '}H) for this input")
            out.append(_ops.expand_dims(s, 1) if unbatched else s)
        return out[0], (out[1] if len(out) == 2 else None)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self._mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False), ("proj_size", 0)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class RNN(RNNBase):
    """A multi-layer Elman RNN (PyTorch's ``nn.RNN``): at each step
    ``h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)`` with act = tanh or relu
    (``nonlinearity``); layer l > 0 reads the outputs of layer l − 1 (dropout between them in
    training mode). ``model(input, hx=None)`` returns ``(output, h_n)``; see the module's notes
    for the shapes, parameter names and the dropout key."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False):
        self.nonlinearity = nonlinearity
        super().__init__(_mode("RNN", nonlinearity), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional)


class LSTM(RNNBase):
    """A multi-layer LSTM (PyTorch's ``nn.LSTM``): at each step the gates (i, f, g, o) are
    σ, σ, tanh, σ of the four blocks of ``x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh``,
    ``c_t = f ⊙ c_{t−1} + i ⊙ g`` and ``h_t = o ⊙ tanh(c_t)``, then ``h_t ← h_t W_hrᵀ`` when
    ``proj_size > 0``. ``model(input, (h_0, c_0))`` returns ``(output, (h_n, c_n))``; h has
    proj_size entries when projecting, c always hidden_size."""

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size)


class GRU(RNNBase):
    """A multi-layer GRU (PyTorch's ``nn.GRU``): with the blocks (r, z, n) of
    ``x_t W_ihᵀ + b_ih`` and of ``h_{t−1} W_hhᵀ + b_hh``, ``r = σ(·_r + ·_r)``,
    ``z = σ(·_z + ·_z)``, ``n = tanh(x_n + r ⊙ h_n)`` and ``h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}``.
    ``model(input, hx=None)`` returns ``(output, h_n)``."""

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)
