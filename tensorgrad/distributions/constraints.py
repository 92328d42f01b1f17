"""Descriptive constraints of ``tg.distributions`` (PyTorch's ``torch.distributions.constraints``
by name): each one names a set and tests membership with ``check(value)``, an elementwise
boolean NumPy array (reduced over the event axes for vector-valued sets)."""
from __future__ import annotations

import numpy as np

from ..tensor import concrete

__all__ = ["Constraint", "real", "positive", "nonnegative", "unit_interval", "boolean",
           "nonnegative_integer", "positive_integer", "simplex", "real_vector",
           "positive_definite", "lower_cholesky", "interval", "greater_than",
           "greater_than_eq", "integer_interval", "dependent", "independent", "less_than",
           "half_open_interval", "square", "symmetric", "positive_semidefinite", "lower_triangular",
           "one_hot", "is_dependent", "corr_cholesky", "multinomial", "dependent_property", "cat",
           "stack"]


def _np(x):
    return np.asarray(concrete(x))


class Constraint:
    """A set of values: ``check(value)`` tells which entries (or events) belong to it."""
    is_discrete = False
    event_dim = 0

    def __init__(self, name: str, test, is_discrete: bool = False, event_dim: int = 0, *,
                 kind: str | None = None, **params):
        self._name, self._test = name, test
        self.is_discrete, self.event_dim = is_discrete, event_dim
        #: the family the set belongs to (``"interval"``, ``"greater_than"``, ...) and its
        #: parameters as attributes (``lower_bound``, ``upper_bound``, ``base_constraint``),
        #: which biject_to and transform_to read
        self.kind = kind or name.split(" ")[0].split("(")[0]
        for k, v in params.items():
            setattr(self, k, v)

    def check(self, value) -> np.ndarray:
        return np.asarray(self._test(_np(value)))

    def __repr__(self) -> str:
        return self._name


def _is_int(v):
    with np.errstate(invalid="ignore"):  # (±inf and NaN are not integers)
        return np.isfinite(v) & (v == np.floor(v))


def _is_square(v) -> bool:
    return np.ndim(v) >= 2 and np.shape(v)[-1] == np.shape(v)[-2]


def _square(v):
    return np.full(np.shape(v)[:-2], _is_square(v))


def _of_squares(check):
    """``check`` of square matrices; for any other value False for each matrix (as PyTorch's
    checks answer), not NumPy's error."""
    def checked(v):
        return check(v) if _is_square(v) else _square(v)
    return checked


def _simplex(v):
    return np.all(v >= 0, axis=-1) & (np.abs(np.sum(v, axis=-1) - 1) < 1e-6)


@_of_squares
def _pos_def(v):
    with np.errstate(invalid="ignore"):
        sym = np.all(np.abs(v - np.swapaxes(v, -1, -2)) <= 1e-6 * (1 + np.abs(v)), axis=(-1, -2))
        ev = np.linalg.eigvalsh(np.where(np.isfinite(v), v, 0.0))
    return sym & np.all(ev > 0, axis=-1) & np.all(np.isfinite(v), axis=(-1, -2))


@_of_squares
def _lower_chol(v):
    diag = np.diagonal(v, axis1=-2, axis2=-1)  # (NaN anywhere: False, as PyTorch's)
    return np.all(np.tril(v) == v, axis=(-1, -2)) & np.all(diag > 0, axis=-1)


real = Constraint("real", lambda v: ~np.isnan(v))
positive = Constraint("positive (> 0)", lambda v: v > 0, kind="greater_than", lower_bound=0.0)
nonnegative = Constraint("nonnegative (>= 0)", lambda v: v >= 0, kind="greater_than_eq", lower_bound=0.0)
unit_interval = Constraint("unit_interval ([0, 1])", lambda v: (v >= 0) & (v <= 1), kind="interval",
                           lower_bound=0.0, upper_bound=1.0)
boolean = Constraint("boolean ({0, 1})", lambda v: (v == 0) | (v == 1), is_discrete=True)
nonnegative_integer = Constraint("nonnegative_integer", lambda v: (v >= 0) & _is_int(v), True,
                                 lower_bound=0)
positive_integer = Constraint("positive_integer", lambda v: (v >= 1) & _is_int(v), True,
                              lower_bound=1)
simplex = Constraint("simplex", _simplex, event_dim=1)
real_vector = Constraint("real_vector", lambda v: np.all(~np.isnan(v), axis=-1), event_dim=1)
positive_definite = Constraint("positive_definite", _pos_def, event_dim=2)
lower_cholesky = Constraint("lower_cholesky", _lower_chol, event_dim=2)
dependent = Constraint("dependent", lambda v: np.ones(np.shape(v), bool))


def interval(low, high) -> Constraint:
    """The closed interval [low, high]."""
    return Constraint(f"interval({low}, {high})", lambda v: (v >= _np(low)) & (v <= _np(high)),
                      lower_bound=low, upper_bound=high)


def half_open_interval(low, high) -> Constraint:
    """The interval [low, high)."""
    return Constraint(f"half_open_interval({low}, {high})",
                      lambda v: (v >= _np(low)) & (v < _np(high)), lower_bound=low, upper_bound=high)


def greater_than(lower) -> Constraint:
    return Constraint(f"greater_than({lower})", lambda v: v > _np(lower), lower_bound=lower)


def greater_than_eq(lower) -> Constraint:
    return Constraint(f"greater_than_eq({lower})", lambda v: v >= _np(lower), lower_bound=lower)


def less_than(upper) -> Constraint:
    return Constraint(f"less_than({upper})", lambda v: v < _np(upper), upper_bound=upper)


@_of_squares
def _symmetric(v):
    return np.all(np.isclose(v, np.swapaxes(v, -1, -2), atol=1e-6), axis=(-1, -2))


@_of_squares
def _psd(v):
    with np.errstate(invalid="ignore"):
        ev = np.linalg.eigvalsh(np.where(np.isfinite(v), v, 0.0))
    return _symmetric(v) & np.all(ev >= 0, axis=-1) & np.all(np.isfinite(v), axis=(-1, -2))


square = Constraint("square", _square, event_dim=2)
symmetric = Constraint("symmetric", _symmetric, event_dim=2)
positive_semidefinite = Constraint("positive_semidefinite", _psd, event_dim=2)
lower_triangular = Constraint("lower_triangular", lambda v: np.all(np.tril(v) == v, axis=(-1, -2)),
                              event_dim=2)  # (NaN anywhere: False, as PyTorch's)
one_hot = Constraint("one_hot", lambda v: np.all((v == 0) | (v == 1), axis=-1) & (np.sum(v, axis=-1) == 1),
                     True, event_dim=1)


def _corr_cholesky(v):
    tol = np.finfo(np.float64).eps * v.shape[-1] * 10  # (rows of unit length)
    return _lower_chol(v) & np.all(np.abs(np.linalg.norm(v, axis=-1) - 1.0) <= tol, axis=-1)


#: lower-triangular matrices with a positive diagonal and rows of unit length (LKJCholesky's)
corr_cholesky = Constraint("corr_cholesky", _corr_cholesky, event_dim=2)


def multinomial(upper_bound) -> Constraint:
    """Vectors of nonnegative integer counts summing to at most ``upper_bound``."""
    def test(v):
        return np.all((v >= 0) & _is_int(v), axis=-1) & (np.sum(v, axis=-1) <= _np(upper_bound))
    return Constraint(f"multinomial({upper_bound})", test, True, event_dim=1,
                      upper_bound=upper_bound)


class dependent_property(property):  # noqa: N801 - PyTorch's name
    """PyTorch's ``@constraints.dependent_property(is_discrete=..., event_dim=...)``: a property
    (a distribution's ``support`` that depends on its parameters) that is also a ``dependent``
    constraint on the class, so ``is_dependent(Class.support)`` holds."""

    def __init__(self, fn=None, *, is_discrete: bool = False, event_dim: int = 0):
        super().__init__(fn)
        self.is_discrete, self.event_dim, self.kind = is_discrete, event_dim, "dependent"

    def __call__(self, fn):  # (the decorator's form with keywords)
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


def is_dependent(constraint) -> bool:
    """Whether ``constraint`` is ``dependent`` (a support that depends on other values)."""
    return getattr(constraint, "kind", None) == "dependent"


def integer_interval(low, high) -> Constraint:
    return Constraint(f"integer_interval({low}, {high})",
                      lambda v: (v >= _np(low)) & (v <= _np(high)) & _is_int(v), True,
                      lower_bound=low, upper_bound=high)


def independent(base: Constraint, n: int) -> Constraint:
    """``base`` on events of ``n`` more trailing axes (all entries must belong)."""
    def test(v):
        ok = base.check(v)
        return np.all(ok, axis=tuple(range(-min(n, ok.ndim), 0))) if n else ok
    return Constraint(f"independent({base!r}, {n})", test, base.is_discrete, base.event_dim + n,
                      kind="independent", base_constraint=base, reinterpreted_batch_ndims=n)


def cat(cseq, dim: int = 0, lengths=None) -> Constraint:
    """The constraints ``cseq`` on consecutive pieces of ``lengths`` (1 each by default) along
    ``dim``, as PyTorch's ``constraints.cat`` (``biject_to`` gives the matching CatTransform)."""
    cseq = list(cseq)
    lengths = [1] * len(cseq) if lengths is None else [int(n) for n in lengths]
    if len(lengths) != len(cseq):
        raise ValueError(f"constraints.cat: {len(lengths)} lengths for {len(cseq)} constraints")
    ends = np.cumsum(lengths)[:-1]

    def test(v):
        if np.shape(v)[dim] != sum(lengths):
            raise ValueError(f"constraints.cat: a value of length {np.shape(v)[dim]} along dim {dim} "
                             f"for pieces of lengths {lengths}")
        return np.concatenate([np.broadcast_to(c.check(p), np.shape(p))
                               for c, p in zip(cseq, np.split(v, ends, axis=dim))], axis=dim)
    return Constraint(f"cat({cseq}, dim={dim}, lengths={lengths})", test, any(c.is_discrete for c in cseq),
                      max((c.event_dim for c in cseq), default=0), kind="cat", cseq=cseq, dim=dim,
                      lengths=lengths)


def stack(cseq, dim: int = 0) -> Constraint:
    """The constraints ``cseq`` on the slices along ``dim``, one each, as PyTorch's
    ``constraints.stack`` (``biject_to`` gives the matching StackTransform)."""
    cseq = list(cseq)

    def test(v):
        if np.shape(v)[dim] != len(cseq):
            raise ValueError(f"constraints.stack: a value of length {np.shape(v)[dim]} along dim {dim} "
                             f"for {len(cseq)} constraints")
        return np.stack([c.check(np.take(v, i, axis=dim)) for i, c in enumerate(cseq)], axis=dim)
    return Constraint(f"stack({cseq}, dim={dim})", test, any(c.is_discrete for c in cseq),
                      max((c.event_dim for c in cseq), default=0), kind="stack", cseq=cseq, dim=dim)
