"""The base class of ``tg.distributions`` and its helpers: parameter broadcasting, argument
validation and the explicit random key every draw needs."""
from __future__ import annotations

import functools
import threading

import numpy as np

from .. import ops as _ops
from ..lax import stop_gradient
from ..staging import is_staged
from ..nn.draws import key_or_stream
from ..flavor import torch_style
from ..tensor import concrete, dtype_of, shape_of, torch_made

__all__ = ["Distribution"]


def as_float(x):
    """A parameter as an array: Python numbers and lists become float64 arrays (a list holding
    traced values keeps their gradient), integer arrays float64; tensors and float arrays pass
    through unchanged."""
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        if np.issubdtype(np.dtype(dtype_of(x)), np.floating):
            return x
        return _ops.astype(x, np.float64)
    return _ops.asarray(x, dtype=np.float64)


def broadcast_all(*xs, who: str = "distribution", names: tuple = ()):
    """The parameters as float arrays broadcast to one shape (PyTorch's ``broadcast_all``). A
    Python number takes the dtype of the floating-point array parameters (NumPy's and
    PyTorch's weak scalars: ``Normal(np.zeros(2, np.float32), 1.0)`` is float32). Shapes that
    do not broadcast raise a ValueError naming ``who`` and the parameters' ``names``."""
    strong = [np.dtype(dtype_of(x)) for x in xs if hasattr(x, "shape") and hasattr(x, "dtype")]
    strong = [d for d in strong if d.kind == "f"]
    weak = np.result_type(*strong) if strong else np.float64
    xs = [_ops.asarray(x, dtype=weak) if type(x) in (int, float) else as_float(x) for x in xs]
    shapes = [tuple(shape_of(x)) for x in xs]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        names = names or [f"parameter {k}" for k in range(len(xs))]
        given = ", ".join(f"{n} shape {s}" for n, s in zip(names, shapes))
        raise ValueError(f"{who}: the parameters' shapes do not broadcast to one batch shape "
                         f"({given})") from None
    return [x if tuple(shape_of(x)) == shape else _ops.broadcast_to(x, shape) for x in xs], shape


def need_key(key, where: str):
    """``key``, or without one a key drawn from this thread's stream, PyTorch's global generator
    (``tg.manual_seed`` restarts it), so that ``d.sample()`` draws anew at each call, as
    PyTorch's; refused while ``tg.jit`` traces (see :func:`tensorgrad.nn.draws.key_or_stream`)."""
    return key_or_stream(where, key)


def _concrete_np(x):
    v = concrete(x)
    if is_staged(v) or not hasattr(np.asarray(v), "dtype") or np.asarray(v).dtype == object:
        return None
    return np.asarray(v)


def check_values(cls: str, what: str, constraint, value) -> None:
    """Raise ValueError when a concrete ``value`` has entries outside ``constraint`` (values
    traced by ``tg.jit`` are not checked)."""
    v = _concrete_np(value)
    if v is None:
        return
    ok = constraint.check(v)
    if not np.all(ok):
        raise ValueError(f"{cls}: {what} must satisfy the constraint {constraint!r}, got "
                         f"{np.array2string(v, threshold=12)} (shape {v.shape})")


class _Defaults(threading.local):
    """Per-thread settings: whether distributions built without ``validate_args`` check them."""

    def __init__(self):
        self.validate = True


_DEFAULTS = _Defaults()


def default_validate_args() -> bool:
    """This thread's default for ``validate_args`` (set with
    :meth:`Distribution.set_default_validate_args`)."""
    return _DEFAULTS.validate


def _in_param_dtype(draw):
    """A ``sample``/``rsample`` whose floating-point draw comes in its parameters' dtype
    (float32 parameters give float32 draws, as PyTorch's), not in the key's float64, and
    whose draw is a tensor when a parameter is a tensor of PyTorch's (``action.unsqueeze(0)``,
    ``action.detach()``), as PyTorch's draws are."""
    @functools.wraps(draw)
    def drawn(self, *args, **kwargs):
        out = draw(self, *args, **kwargs)
        params = [getattr(self, n) for n in self._params if hasattr(self, n)]
        if isinstance(out, (np.ndarray, np.generic)) and any(torch_style(p) for p in params):
            out = torch_made(np.asarray(out))
        have = np.dtype(dtype_of(out))
        kinds = [d for d in (np.dtype(dtype_of(p)) for p in params) if d.kind == "f"]
        if have.kind != "f" or not kinds:
            return out
        want = np.result_type(*kinds)
        return out if want == have else _ops.astype(out, want)
    drawn._in_param_dtype = True
    return drawn


class Distribution:
    """A batch of probability distributions with PyTorch's interface.

    ``batch_shape`` indexes independent distributions, ``event_shape`` is the shape of one
    draw. ``sample``/``rsample`` take ``sample_shape`` and a ``key`` from ``tg.random``: the
    draw has shape ``sample_shape + batch_shape + event_shape``. ``rsample`` is
    differentiable in the parameters (reparameterized); ``sample`` stops the gradient.
    """
    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict = {}
    support = None

    def enumerate_support(self, expand=True):
        raise NotImplementedError(f"{type(self).__name__}.enumerate_support: its support is not "
                                  "enumerated here (has_enumerate_support is False), as in PyTorch")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("rsample", "sample"):
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "_in_param_dtype", False):
                setattr(cls, name, _in_param_dtype(fn))

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None and not isinstance(validate_args, bool):
            raise TypeError(f"{type(self).__name__}: validate_args must be None or a bool, "
                            f"got {validate_args!r}")
        self._validate_args = _DEFAULTS.validate if validate_args is None else validate_args
        if self._validate_args:
            # only the parameters the user passed (``_given`` when a class derives some from
            # others, e.g. probs from logits: a derived value may round onto its boundary)
            given = getattr(self, "_given", None)
            for name, con in self.arg_constraints.items():
                if name in given if given is not None else name in self.__dict__:
                    check_values(type(self).__name__, f"parameter {name}", con,
                                 getattr(self, name))

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions built without ``validate_args``
        (in the calling thread: each thread starts with validation on)."""
        if not isinstance(value, bool):
            raise TypeError(f"Distribution.set_default_validate_args: expected a bool, got {value!r}")
        _DEFAULTS.validate = value

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple:
        if isinstance(sample_shape, (int, np.integer)):
            sample_shape = (int(sample_shape),)
        try:
            sample_shape = tuple(int(s) for s in sample_shape)
        except TypeError:
            raise TypeError(f"{type(self).__name__}.sample: sample_shape must be a tuple of ints, "
                            f"got {sample_shape!r}") from None
        return sample_shape + self._batch_shape + self._event_shape

    def _check_value_shape(self, value) -> None:
        """A clear ValueError for a value whose shape does not fit ``batch_shape +
        event_shape``: one that does not broadcast with it, and (when validating, as PyTorch)
        one whose trailing axes are not exactly the event shape."""
        shape, ev = tuple(shape_of(value)), self._event_shape
        full = self._batch_shape + ev
        try:
            np.broadcast_shapes(shape, full)
            fits = True
        except ValueError:
            fits = False
        if self._validate_args and ev and shape[max(len(shape) - len(ev), 0):] != ev:
            fits = False
        if not fits:
            raise ValueError(f"{type(self).__name__}: the value's shape {shape} must end in the "
                             f"event shape {ev} and broadcast with batch_shape + event_shape = "
                             f"{full}")

    def _validate_sample(self, value) -> None:
        self._check_value_shape(value)
        if self._validate_args and self.support is not None:
            check_values(type(self).__name__, "value", self.support, value)

    def _missing(self, what: str):
        return NotImplementedError(f"{type(self).__name__}: {what} is not implemented")

    def rsample(self, sample_shape=(), key=None):
        raise NotImplementedError(f"{type(self).__name__}.rsample: this distribution has no "
                                  "reparameterized sampler (has_rsample is False); use sample")

    def sample(self, sample_shape=(), key=None):
        """A draw of shape ``sample_shape + batch_shape + event_shape`` with no gradient."""
        return stop_gradient(self.rsample(sample_shape, key=key))

    def sample_n(self, n: int, key=None):
        return self.sample((n,), key=key)

    def log_prob(self, value):
        raise self._missing("log_prob")

    def cdf(self, value):
        raise self._missing("cdf")

    def icdf(self, value):
        raise self._missing("icdf")

    def entropy(self):
        raise self._missing("entropy")

    def perplexity(self):
        return _ops.exp(self.entropy())

    @property
    def mean(self):
        raise self._missing("mean")

    @property
    def mode(self):
        raise self._missing("mode")

    @property
    def variance(self):
        raise self._missing("variance")

    @property
    def stddev(self):
        return _ops.sqrt(self.variance)

    _param_event_dims: dict = {}

    def _expand_shape(self, batch_shape) -> tuple:
        """``batch_shape`` as a tuple, checked to be a broadcast of this batch shape."""
        batch_shape = tuple(int(b) for b in batch_shape)
        try:
            if np.broadcast_shapes(self._batch_shape, batch_shape) != batch_shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"{type(self).__name__}.expand: batch shape {self._batch_shape} "
                             f"cannot be broadcast to {batch_shape}") from None
        return batch_shape

    def _copy(self):
        """A shallow copy (``expand`` then replaces the broadcast attributes)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def expand(self, batch_shape, _instance=None):
        """The same distribution with its parameters broadcast to ``batch_shape``.

        The parameters broadcast are those named in ``_params``; a distribution built on
        other distributions (``Independent``, ``TransformedDistribution``,
        ``MixtureSameFamily``) expands those instead."""
        batch_shape = self._expand_shape(batch_shape)
        new = self._copy()
        for name in self._params:
            v = getattr(self, name)
            ev = tuple(shape_of(v))[len(self._batch_shape):]
            setattr(new, name, _ops.broadcast_to(v, batch_shape + ev))
        new._batch_shape = batch_shape
        return new

    _params: tuple = ()

    def __repr__(self) -> str:
        parts = ", ".join(f"{p}: {tuple(shape_of(getattr(self, p)))}" for p in self._params)
        return f"{type(self).__name__}({parts})"
