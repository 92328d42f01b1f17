"""Seeded weight initializers.

Each takes a shape and a seed (an int, or a ``numpy.random.Generator`` to
draw from) and returns a float64 array, so the same seed always gives the same
model. ``fan_in``/``fan_out`` follow the usual convention: for a Linear
weight (in, out) they are ``in`` and ``out``; for a Conv2d weight
(out_ch, in_ch, kh, kw) they are ``in_ch·kh·kw`` and ``out_ch·kh·kw``.

PyTorch's ``torch.nn.init`` functions are here too, with PyTorch's names, arguments and
formulas (``calculate_gain``, ``uniform_`` ... ``kaiming_normal_``, ``orthogonal_``,
``sparse_``). Their design for NumPy parameters:

* a function ending in ``_`` fills a writable NumPy array in place and returns it; a read-only
  array, a non-array or a traced value (inside ``tg.grad``, ``tg.jit``, ...) raises a
  ``TypeError`` -- initialize outside the transformed function;
* the random ones take PyTorch's ``generator=`` keyword: an int seed, a
  ``numpy.random.Generator``, or None for this module's default stream (one per thread,
  each seeded with 0; :func:`manual_seed` restarts the calling thread's);
* fans follow PyTorch's layout (``_calculate_fan_in_and_fan_out``): fan_in = ``shape[1]`` ×
  receptive field, fan_out = ``shape[0]`` × receptive field, and fewer than 2 dimensions
  raise -- unlike :func:`fans` above, which reads a 2-d shape as tensorgrad's (in, out);
* :func:`initializer` turns one into a pure ``(shape, seed) -> array`` function, which
  ``Linear(init=...)`` and the other layers accept (``transposed=True`` draws a 2-d weight
  in PyTorch's (out, in) layout and transposes it, for tensorgrad's (in, out) ``Linear.W``).
"""
from __future__ import annotations

import math
import threading
import warnings
from typing import Callable, Union

import numpy as np
from scipy import special as _special

from .. import staging as _staging
from ..staging_errors import ClosedOver
from .. import stream_draws
from ..imperative import no_grad
from ..tensor import Tensor, concrete, traced_level
from .param_owners import param_key

__all__ = ["rng_from", "fans", "uniform", "normal", "zeros", "xavier_uniform", "xavier_normal",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "get",
           # PyTorch's torch.nn.init
           "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "manual_seed", "initializer"]

Seed = Union[int, np.random.Generator, None]


def rng_from(seed: Seed) -> np.random.Generator:
    """A Generator: ``seed`` itself if it is one, else ``default_rng(seed)``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")
    return np.random.default_rng(seed)


def fans(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:  # Linear: (in, out), used as x @ W
        return shape[0], shape[1]
    receptive = int(np.prod(shape[2:]))  # Conv: (out, in, kh, kw)
    return shape[1] * receptive, shape[0] * receptive


def uniform(shape: tuple, seed: Seed = None, low: float = -0.05, high: float = 0.05) -> np.ndarray:
    """Uniform on [low, high)."""
    return rng_from(seed).uniform(low, high, size=shape)


def normal(shape: tuple, seed: Seed = None, std: float = 0.01) -> np.ndarray:
    """Normal with mean 0 and standard deviation ``std``."""
    return rng_from(seed).normal(0.0, std, size=shape)


def zeros(shape: tuple, seed: Seed = None) -> np.ndarray:
    """All zeros (the seed is ignored; accepted so every initializer has one signature)."""
    return np.zeros(shape)


def xavier_uniform(shape: tuple, seed: Seed = None, gain: float = 1.0) -> np.ndarray:
    """Glorot/Xavier uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out)).

    Keeps the variance of activations and of gradients roughly equal across
    layers for tanh/sigmoid networks (Var = 2/(fan_in + fan_out)).
    """
    fi, fo = fans(shape)
    a = gain * np.sqrt(6.0 / (fi + fo))
    return rng_from(seed).uniform(-a, a, size=shape)


def xavier_normal(shape: tuple, seed: Seed = None, gain: float = 1.0) -> np.ndarray:
    """Glorot/Xavier normal: N(0, gain²·2/(fan_in + fan_out))."""
    fi, fo = fans(shape)
    return rng_from(seed).normal(0.0, gain * np.sqrt(2.0 / (fi + fo)), size=shape)


def he_uniform(shape: tuple, seed: Seed = None) -> np.ndarray:
    """He/Kaiming uniform for ReLU layers: U(−a, a) with a = √(6/fan_in) (Var = 2/fan_in)."""
    fi, _ = fans(shape)
    a = np.sqrt(6.0 / fi)
    return rng_from(seed).uniform(-a, a, size=shape)


def he_normal(shape: tuple, seed: Seed = None) -> np.ndarray:
    """He/Kaiming normal for ReLU layers: N(0, 2/fan_in)."""
    fi, _ = fans(shape)
    return rng_from(seed).normal(0.0, np.sqrt(2.0 / fi), size=shape)


glorot_uniform = xavier_uniform
glorot_normal = xavier_normal

_BY_NAME = {"uniform": uniform, "normal": normal, "zeros": zeros,
            "xavier": xavier_uniform, "xavier_uniform": xavier_uniform, "xavier_normal": xavier_normal,
            "glorot": xavier_uniform, "glorot_uniform": xavier_uniform, "glorot_normal": xavier_normal,
            "he": he_normal, "he_uniform": he_uniform, "he_normal": he_normal,
            "kaiming": he_normal}


def get(init) -> callable:
    """An initializer from its name (``"xavier"``, ``"he"``, ...) or a callable ``(shape, rng)``."""
    if callable(init):
        return init
    try:
        return _BY_NAME[init]
    except KeyError:
        raise ValueError(f"unknown initializer {init!r}; choose one of {sorted(_BY_NAME)} "
                         "or pass a function (shape, rng) -> array") from None


# ---- PyTorch's torch.nn.init ------------------------------------------------------------------
class _Stream(threading.local):
    """The default stream of the ``_`` functions, one per thread (each starts at seed 0)."""

    def __init__(self):
        self.rng = np.random.default_rng(0)


_STREAM = _Stream()
_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def manual_seed(seed: int) -> None:
    """Restart this thread's default stream of the ``_`` functions (used when ``generator``
    is None; each thread has its own, starting at seed 0)."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _STREAM.rng = np.random.default_rng(int(seed))
    _STREAM.seed = int(seed)


def default_stream() -> np.random.Generator:
    """This thread's default stream itself (what ``tg.manual_seed`` restarts): a model's first
    use draws its parameters from it, as PyTorch's constructors draw from the global generator."""
    return _STREAM.rng


def initial_seed() -> int:
    """The seed this thread's default stream was last started from (0 at first)."""
    return getattr(_STREAM, "seed", 0)


class _DrawsAnew(ClosedOver):
    """Raised while ``tg.jit`` traces a function that draws from a stream or generator (a plan
    would replay the one draw made while tracing): it runs as written at every call instead,
    drawing anew each time as PyTorch's code does (keys of ``tg.random`` trace into the plan)."""

    every_call = True


def _gen(fn: str, generator) -> np.random.Generator:
    if _staging.tracing_here():
        raise _DrawsAnew(f"{fn}: draws from the global stream or a generator, so tg.jit runs the "
                         "function as written at every call; draw with tg.random from a key "
                         "argument for a traced plan")
    if generator is None:
        # inside tensorgrad.func.vmap's randomness or a checkpoint's recomputation, each draw
        # of the default stream goes through their frames (replayed, refused or recorded)
        return _Framed(_STREAM.rng) if stream_draws.active() else _STREAM.rng
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"{fn}: generator must be an int seed, a numpy Generator or None, "
                    f"got {type(generator).__name__}")


class _Framed:
    """The default stream, each draw made through :func:`stream_draws.draw` (a copy each
    time: a replayed draw is handed out again)."""

    __slots__ = ("rng",)

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def __getattr__(self, name: str):
        method = getattr(self.rng, name)
        return lambda *args, **kwargs: np.copy(stream_draws.draw(lambda: method(*args, **kwargs)))


def _target(fn: str, tensor, floating: bool = True) -> np.ndarray:
    """The array to fill in place, after the checks."""
    if not isinstance(tensor, np.ndarray):
        raise TypeError(f"{fn}: tensor must be a writable NumPy array or a tensor of the "
                        f"imperative tape, got {type(tensor).__name__} (a value traced by a "
                        "transform cannot be filled in place: initialize outside tg.grad / tg.jit, "
                        "or use tg.nn.init.initializer for a pure form)")
    if not tensor.flags.writeable:
        raise TypeError(f"{fn}: tensor of shape {tensor.shape} is read-only; pass a writable "
                        "array (e.g. np.array(x)) or use tg.nn.init.initializer")
    if floating and tensor.dtype.kind not in "fc":
        raise TypeError(f"{fn}: tensor must have a floating dtype, got {tensor.dtype}")
    return tensor


def _fill(tensor: np.ndarray, values) -> np.ndarray:
    tensor[...] = values
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity: 1 for the linear maps, convolutions and
    sigmoid; 5/3 for tanh; √2 for relu; √(2/(1 + slope²)) for leaky_relu (slope = ``param``,
    0.01 by default); 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float, np.integer, np.floating)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """PyTorch's fans: (``shape[1]`` × receptive field, ``shape[0]`` × receptive field)."""
    shape = np.shape(tensor)
    if len(shape) < 2:
        raise ValueError("_calculate_fan_in_and_fan_out: fan in and fan out can not be computed "
                         f"for a tensor with fewer than 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor, mode: str) -> int:
    mode = mode.lower() if isinstance(mode, str) else mode
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming: mode {mode!r} is not supported, choose 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: np.ndarray, a: float = 0.0, b: float = 1.0, generator: Seed = None) -> np.ndarray:
    """Fill ``tensor`` with draws from U(a, b)."""
    t = _target("uniform_", tensor)
    return _fill(t, _gen("uniform_", generator).uniform(a, b, size=t.shape))


def normal_(tensor: np.ndarray, mean: float = 0.0, std: float = 1.0,
            generator: Seed = None) -> np.ndarray:
    """Fill ``tensor`` with draws from N(mean, std²)."""
    t = _target("normal_", tensor)
    return _fill(t, _gen("normal_", generator).normal(mean, std, size=t.shape))


def trunc_normal_(tensor: np.ndarray, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Seed = None) -> np.ndarray:
    """Fill ``tensor`` with N(mean, std²) truncated to [a, b] (``a`` and ``b`` are absolute
    bounds, as in PyTorch), drawn by inverting the normal CDF on [Φ(α), Φ(β)]."""
    t = _target("trunc_normal_", tensor)
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    lo, hi = _special.ndtr((a - mean) / std), _special.ndtr((b - mean) / std)
    p = _gen("trunc_normal_", generator).uniform(lo, hi, size=t.shape)
    return _fill(t, np.clip(mean + std * _special.ndtri(p), a, b))


def constant_(tensor: np.ndarray, val: float) -> np.ndarray:
    """Fill ``tensor`` with ``val``."""
    return _fill(_target("constant_", tensor, floating=False), val)


def ones_(tensor: np.ndarray) -> np.ndarray:
    """Fill ``tensor`` with ones."""
    return _fill(_target("ones_", tensor, floating=False), 1)


def zeros_(tensor: np.ndarray) -> np.ndarray:
    """Fill ``tensor`` with zeros."""
    return _fill(_target("zeros_", tensor, floating=False), 0)


def eye_(tensor: np.ndarray) -> np.ndarray:
    """Fill a 2-d ``tensor`` with the identity (ones on the main diagonal, rectangular too)."""
    t = _target("eye_", tensor, floating=False)
    if t.ndim != 2:
        raise ValueError(f"eye_: only 2-d tensors are supported, got shape {t.shape}")
    return _fill(t, np.eye(*t.shape))


def dirac_(tensor: np.ndarray, groups: int = 1) -> np.ndarray:
    """Fill a 3-, 4- or 5-d convolution weight (out, in, *kernel) with the Dirac delta, so the
    convolution keeps its input channels: in each of ``groups`` groups, output channel d gets
    a one at input channel d and the kernel's centre (for d < min(out/groups, in))."""
    t = _target("dirac_", tensor, floating=False)
    if t.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3-, 4- or 5-d tensors are supported, got shape {t.shape}")
    if not isinstance(groups, (int, np.integer)) or groups < 1 or t.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 of shape {t.shape} must be divisible by groups={groups!r}")
    per = t.shape[0] // groups
    centre = tuple(k // 2 for k in t.shape[2:])
    t[...] = 0
    for g in range(groups):
        for d in range(min(per, t.shape[1])):
            t[(g * per + d, d) + centre] = 1
    return t


def xavier_uniform_(tensor: np.ndarray, gain: float = 1.0, generator: Seed = None) -> np.ndarray:
    """Glorot/Xavier uniform with PyTorch's fans: U(−a, a), a = gain·√(6/(fan_in + fan_out))."""
    t = _target("xavier_uniform_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(t, _gen("xavier_uniform_", generator).uniform(-a, a, size=t.shape))


def xavier_normal_(tensor: np.ndarray, gain: float = 1.0, generator: Seed = None) -> np.ndarray:
    """Glorot/Xavier normal with PyTorch's fans: N(0, std²), std = gain·√(2/(fan_in + fan_out))."""
    t = _target("xavier_normal_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(t, _gen("xavier_normal_", generator).normal(0.0, std, size=t.shape))


def _kaiming_std(fn, t, a, mode, nonlinearity) -> float:
    fan = _calculate_correct_fan(t, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: np.ndarray, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Seed = None) -> np.ndarray:
    """He/Kaiming uniform: U(−bound, bound), bound = √3·gain/√fan with gain =
    ``calculate_gain(nonlinearity, a)`` and fan = fan_in or fan_out (``mode``)."""
    t = _target("kaiming_uniform_", tensor)
    if t.size == 0:
        return t
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", t, a, mode, nonlinearity)
    return _fill(t, _gen("kaiming_uniform_", generator).uniform(-bound, bound, size=t.shape))


def kaiming_normal_(tensor: np.ndarray, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Seed = None) -> np.ndarray:
    """He/Kaiming normal: N(0, std²), std = gain/√fan (see :func:`kaiming_uniform_`)."""
    t = _target("kaiming_normal_", tensor)
    if t.size == 0:
        return t
    std = _kaiming_std("kaiming_normal_", t, a, mode, nonlinearity)
    return _fill(t, _gen("kaiming_normal_", generator).normal(0.0, std, size=t.shape))


def orthogonal_(tensor: np.ndarray, gain: float = 1.0, generator: Seed = None) -> np.ndarray:
    """A (semi-)orthogonal matrix times ``gain``: the Q of the QR factorization of a standard
    normal (rows, cols) draw (rows = ``shape[0]``, the other dimensions flattened), its columns
    multiplied by the signs of R's diagonal so that Q is uniformly distributed. Wide matrices
    factor the transpose, so that either the rows or the columns are orthonormal."""
    t = _target("orthogonal_", tensor)
    if t.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {t.shape}")
    if t.size == 0:
        return t
    rows = t.shape[0]
    cols = t.size // rows
    m = _gen("orthogonal_", generator).normal(size=(rows, cols))
    if rows < cols:
        m = m.T
    q, r = np.linalg.qr(m)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, gain * q.reshape(t.shape))


def sparse_(tensor: np.ndarray, sparsity: float, std: float = 0.01,
            generator: Seed = None) -> np.ndarray:
    """A 2-d matrix with N(0, std²) entries where, in each column, ⌈sparsity·rows⌉ entries at
    random rows are zero."""
    t = _target("sparse_", tensor)
    if t.ndim != 2:
        raise ValueError(f"sparse_: only 2-d tensors are supported, got shape {t.shape}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity!r}")
    rng = _gen("sparse_", generator)
    rows, cols = t.shape
    zeros = int(math.ceil(sparsity * rows))
    w = rng.normal(0.0, std, size=t.shape)
    for c in range(cols):
        w[rng.permutation(rows)[:zeros], c] = 0.0
    return _fill(t, w)


def initializer(fn: Callable, *args, transposed: bool = False, **kwargs) -> Callable:
    """A pure ``(shape, seed=None) -> array`` initializer from one of the ``_`` functions and
    its arguments, e.g. ``Linear(4, 3, init=initializer(kaiming_uniform_, a=math.sqrt(5),
    transposed=True))``. The array is float64, drawn from ``seed`` (an int, a Generator, or None
    for the default stream). ``transposed=True`` (2-d shapes only) fills the array in the
    reversed shape and returns its transpose: PyTorch's (out, in) fans for tensorgrad's (in, out)
    ``Linear.W``."""
    if not callable(fn):
        raise TypeError(f"initializer: fn must be callable, got {type(fn).__name__}")

    def init(shape: tuple, seed: Seed = None) -> np.ndarray:
        shape = tuple(shape)
        if transposed and len(shape) != 2:
            raise ValueError(f"initializer: transposed=True needs a 2-d shape, got {shape}")
        out = np.empty(shape[::-1] if transposed else shape)
        rng = _STREAM.rng if seed is None else rng_from(seed)
        takes_rng = getattr(fn, "__name__", "") not in ("constant_", "ones_", "zeros_", "eye_",
                                                         "dirac_")
        out = fn(out, *args, **({"generator": rng} if takes_rng else {}), **kwargs)
        return out.T.copy() if transposed else out
    init.__name__ = f"initializer({getattr(fn, '__name__', 'fn')})"
    return init


def _same(a):
    return a


def _transposed(a):
    return a.T


def _tensors_too(fill: Callable) -> Callable:
    """``fill`` (an in-place initializer) also for a tensor of the imperative tape, as PyTorch's
    ``with torch.no_grad(): init.normal_(w)``: the values are drawn into a NumPy copy and
    written into the tensor under ``tg.no_grad()``; the tensor comes back. A value traced by
    a transform is refused, as before."""
    def filled(tensor, *args, **kwargs):
        # a layer's (in, out) weight, linear.W, is filled as PyTorch's (out, in) weight, its
        # transpose (a view of it), so fan_in is in_features, as for torch's linear.weight
        held = getattr(tensor, "owner", None)  # (a tensor's .data: that tensor's place)
        whole = held() if held is not None and not getattr(tensor, "path", ()) else tensor
        owned = param_key(whole) if np.ndim(tensor) == 2 and whole is not None else None
        flip = owned is not None and owned[1] in getattr(type(owned[0]), "in_out_params", ())
        side = _transposed if flip else _same
        write = getattr(tensor, "write_back", None)
        if write is not None and not tensor.flags.writeable:  # a tensor's .data: into the tensor
            return write(side(fill(side(np.array(tensor)), *args, **kwargs)), "copy_")
        if type(tensor) is not Tensor or traced_level(tensor) > 0:
            out = fill(side(tensor), *args, **kwargs)
            return tensor if flip else out
        values = side(fill(side(np.array(concrete(tensor))), *args, **kwargs))
        with no_grad():
            tensor[...] = values
        return tensor
    filled.__name__ = filled.__qualname__ = fill.__name__
    filled.__doc__ = fill.__doc__
    filled.__wrapped__ = fill
    return filled


for _name in ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
              "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
              "orthogonal_", "sparse_"):
    globals()[_name] = _tensors_too(globals()[_name])
del _name


def _deprecated_alias(new: str) -> Callable:
    """PyTorch's old name for ``new`` (its name without the trailing ``_``): the same fill,
    after a ``FutureWarning`` (as ``torch.nn.init``'s)."""
    fill = globals()[new]

    def alias(*args, **kwargs):
        warnings.warn(f"nn.init.{new[:-1]} is deprecated; use nn.init.{new}, which it calls",
                      FutureWarning, stacklevel=2)
        return fill(*args, **kwargs)
    alias.__name__ = alias.__qualname__ = new[:-1]
    alias.__doc__ = f"Deprecated (PyTorch's old name): :func:`{new}` after a ``FutureWarning``."
    return alias


# torch.nn.init's deprecated names without "_"; normal, uniform, xavier_normal and
# xavier_uniform are not among them here: those names are tensorgrad's own (shape, seed)
# initializers above
for _name in ("constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_",
              "orthogonal_", "sparse_"):
    globals()[_name[:-1]] = _deprecated_alias(_name)
del _name
__all__ += ["constant", "dirac", "eye", "kaiming_normal", "kaiming_uniform", "orthogonal", "sparse"]
