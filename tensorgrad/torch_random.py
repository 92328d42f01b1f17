"""PyTorch's random numbers from global state: ``tg.manual_seed``, ``tg.randn``, ``tg.rand``,
``tg.randint``, ``tg.randperm``, ``tg.normal``, ``tg.multinomial``, ``tg.poisson`` and the
``*_like`` forms.

They draw from the stream ``tg.nn.init`` and the Tensor fills (``t.normal_()``, ...) draw from:
one per thread, started at seed 0, restarted by :func:`manual_seed`; ``generator=`` (a
:class:`Generator`, a NumPy Generator, or an int seed) draws from another. The draws are NumPy's, so they are not
PyTorch's numbers for the same seed. Each returns a constant tensor (``requires_grad=True``: a
leaf of the imperative tape), as PyTorch's return tensors; floating draws are float64,
tensorgrad's default dtype (``normal`` of float32 arrays: float32, as PyTorch's). For JAX's
key-based samplers see :mod:`tensorgrad.random`.
"""
from __future__ import annotations

import numbers
import secrets

import numpy as np

from . import staging as _staging
from .imperative import tensor as _tensor
from .nn import init as _init
from .tensor import concrete

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "randn", "rand", "randint", "randperm",
           "normal", "rand_like", "randn_like", "randint_like", "multinomial", "poisson"]

class Generator(np.random.Generator):
    """PyTorch's ``torch.Generator``: a stream of its own (a NumPy Generator on PCG64, which
    every ``generator=`` here, in ``tg.nn.init`` and in the Tensor fills takes), as makemore
    writes it: ``g = tg.Generator().manual_seed(2147483647); tg.randn((27, 10), generator=g)``.
    ``manual_seed(seed)`` restarts it and returns it; ``get_state``/``set_state`` save and
    restore its place (NumPy's state dict, not PyTorch's byte tensor)."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"Generator: device {device!r} is not available; tensorgrad computes "
                             "on the CPU (device='cpu')")
        super().__init__(np.random.PCG64(0))
        self._seed = 0

    @property
    def device(self) -> str:
        return "cpu"

    def manual_seed(self, seed: int) -> "Generator":
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {type(seed).__name__}")
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._seed = int(seed)
        return self

    def seed(self) -> int:
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self.bit_generator.state = state
        return self


def manual_seed(seed: int) -> np.random.Generator:
    """PyTorch's: restart this thread's default stream at ``seed`` (the stream of
    ``tg.nn.init``, the Tensor fills and the functions here). Returns that stream's NumPy
    Generator, which ``generator=`` also takes."""
    _init.manual_seed(seed)  # (which checks the seed)
    return _init._gen("manual_seed", None)


def seed() -> int:
    """PyTorch's: restart the default stream at a non-deterministic seed, and return it."""
    s = secrets.randbits(63)
    manual_seed(s)
    return s


def initial_seed() -> int:
    """PyTorch's: the seed this thread's default stream was last started from (0 at first)."""
    return _init.initial_seed()


def _size(fn: str, size: tuple, kw_size) -> tuple:
    """PyTorch's size argument: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if kw_size is not None:
        if size:
            raise TypeError(f"{fn}: give the size positionally or as size=, not both")
        size = (kw_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise TypeError(f"{fn}: the size must be non-negative ints, got {size!r}")
    return tuple(int(n) for n in size)


def _not_traced(fn: str) -> None:
    """While ``tg.jit`` traces, the function runs as written instead (see ``tg.nn.init``'s
    stream): checked before a draw's arguments are read, which a trace cannot give."""
    if _staging.tracing_here():
        _init._gen(fn, None)


def _made(fn: str, values, dtype, requires_grad: bool, floating: bool = True, device=None):
    if dtype is not None:
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{fn}: dtype {dtype!r} is not a dtype") from None
        if floating and dt.kind not in "fc":
            raise TypeError(f"{fn}: dtype must be floating, got {dt}")
        values = np.asarray(values).astype(dt)
    if requires_grad and np.asarray(values).dtype.kind not in "fc":
        raise RuntimeError(f"{fn}: only floating and complex tensors can require gradients, got "
                           f"dtype {np.asarray(values).dtype}")
    return _tensor(values, requires_grad=requires_grad, device=device)


def _floating_draws(name: str, draw, doc: str):
    """PyTorch's ``torch.<name>(*size)``: ``draw(rng, size)`` from the default stream or
    ``generator``, as a tensor."""
    def sample(*shape, generator=None, dtype=None, requires_grad: bool = False, device=None,
               **kw):
        size = _size(name, shape, kw.pop("size", None))
        _no_more(name, kw)
        return _made(name, draw(_init._gen(name, generator), size), dtype, requires_grad,
                     device=device)
    sample.__name__ = sample.__qualname__ = name
    sample.__doc__ = doc
    return sample


randn = _floating_draws("randn", lambda rng, size: rng.standard_normal(size),
                        "PyTorch's ``torch.randn(*size)``: standard normal draws.")
rand = _floating_draws("rand", lambda rng, size: rng.random(size),
                       "PyTorch's ``torch.rand(*size)``: uniform draws on [0, 1).")


def randint(*args, size=None, generator=None, dtype=None, requires_grad: bool = False,
            device=None, low=None, high=None):
    """PyTorch's ``torch.randint(low=0, high, size)``: integers in [low, high), int64 by
    default."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args or high is None or size is None:
        raise TypeError("randint: give (high, size) or (low, high, size)")
    size = _size("randint", (), size)
    if int(low) >= int(high):
        raise RuntimeError(f"randint: low ({int(low)}) must be below high ({int(high)})")
    out = _init._gen("randint", generator).integers(int(low), int(high), size=size)
    return _made("randint", out, dtype, requires_grad, floating=False, device=device)


def randperm(n: int, *, generator=None, dtype=None, requires_grad: bool = False, device=None):
    """PyTorch's ``torch.randperm(n)``: a random permutation of 0 … n−1, int64 by default."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise TypeError(f"randperm: n must be a non-negative int, got {n!r}")
    out = _init._gen("randperm", generator).permutation(int(n))
    return _made("randperm", out, dtype, requires_grad, floating=False, device=device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None,
           requires_grad: bool = False, device=None):
    """PyTorch's ``torch.normal``: draws from N(mean, std²), ``mean`` and ``std`` broadcast
    (numbers or arrays), or numbers with ``size``. Not differentiable in ``mean`` and ``std``
    (as PyTorch's); for a reparametrized draw write ``mean + std * tg.randn(...)``. As
    PyTorch's, the draws take the floating dtype of ``mean`` when it is an array of floats,
    else that of ``std`` (``tg.normal(t32)``, ``tg.normal(0., t32)``: float32), and float64
    (tensorgrad's default) for numbers; the same draws either way, cast."""
    m, s = np.asarray(concrete(mean), float), np.asarray(concrete(std), float)
    if np.any(s < 0):
        raise RuntimeError("normal: std must be >= 0")
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else _size("normal", (), size)
    out = m + s * _init._gen("normal", generator).standard_normal(shape)
    own = [np.dtype(v.dtype) for v in (mean, std) if hasattr(v, "dtype")]
    out = out.astype(next((d for d in own if d.kind == "f"), np.dtype(np.float64)), copy=False)
    return _made("normal", out, dtype, requires_grad, device=device)


def _like(fn: str, t, dtype):
    _not_traced(fn)
    v = np.asarray(concrete(t))
    return v.shape, (v.dtype if dtype is None else dtype)


def rand_like(input, *, dtype=None, requires_grad: bool = False, generator=None, **kw):
    """PyTorch's: :func:`rand` of ``input``'s shape and dtype."""
    _no_more("rand_like", {k: v for k, v in kw.items() if k not in ("device", "memory_format",
                                                                        "layout")})
    shape, dt = _like("rand_like", input, dtype)
    return rand(shape, dtype=dt, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, requires_grad: bool = False, generator=None, **kw):
    """PyTorch's: :func:`randn` of ``input``'s shape and dtype."""
    _no_more("randn_like", {k: v for k, v in kw.items() if k not in ("device", "memory_format",
                                                                          "layout")})
    shape, dt = _like("randn_like", input, dtype)
    return randn(shape, dtype=dt, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, requires_grad: bool = False,
                 generator=None, **kw):
    """PyTorch's: :func:`randint` of ``input``'s shape and dtype (``randint_like(t, high)`` or
    ``(t, low, high)``)."""
    if high is None:
        low, high = 0, low
    shape, dt = _like("randint_like", input, dtype)
    return randint(low, high, shape, dtype=dt, requires_grad=requires_grad, generator=generator)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None):
    """PyTorch's ``torch.multinomial``: for each row of non-negative weights (1-d: one row),
    ``num_samples`` category indices drawn in proportion to them, without replacement unless
    ``replacement``. int64."""
    _not_traced("multinomial")
    w = np.asarray(concrete(input), float)
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise RuntimeError(f"multinomial: input must be 1-d or 2-d with categories, got shape "
                           f"{w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise RuntimeError("multinomial: the weights must be finite and non-negative")
    rows = w.reshape(-1, w.shape[-1])
    for r in rows:
        if r.sum() <= 0:
            raise RuntimeError("multinomial: a row of weights sums to 0")
        if not replacement and num_samples > np.count_nonzero(r):
            raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without "
                               f"replacement from {np.count_nonzero(r)} categories of non-zero weight")
    rng = _init._gen("multinomial", generator)
    out = np.stack([rng.choice(r.size, size=int(num_samples), replace=bool(replacement), p=r / r.sum())
                    for r in rows])
    return _tensor(out.reshape(w.shape[:-1] + (int(num_samples),)))


def poisson(input, generator=None):
    """PyTorch's ``torch.poisson(rates)``: Poisson draws with the given rates, in their float
    dtype."""
    lam = np.asarray(concrete(input))
    if lam.dtype.kind != "f":
        lam = lam.astype(float)
    if not np.all(lam >= 0):  # (NaN too)
        raise RuntimeError(f"poisson: the rates (shape {lam.shape}) must be non-negative numbers")
    return _tensor(_init._gen("poisson", generator).poisson(lam).astype(lam.dtype))


def _no_more(fn: str, kw: dict) -> None:
    kw = {k: v for k, v in kw.items() if k not in ("layout", "pin_memory", "out")
          or (k == "out" and v is not None)}
    if kw:
        raise TypeError(f"{fn}() got an unexpected keyword argument {next(iter(kw))!r}")
