"""The report every ``tg.check`` comparison returns.

A :class:`Comparison` holds one :class:`Row` per leaf (one array of a pytree)
and check: the largest absolute error ``max |a − b|``, the relative error
``max |a − b| / max |b|`` and the worst entries (:class:`Entry`: index, the
value checked, the reference, absolute and relative error ``|a − b| / |b|``).
Its truth value means *agrees*; :meth:`Comparison.raise_if_mismatch` raises
:class:`GradCheckError` with the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .tensor import concrete

__all__ = ["GradCheckError", "Entry", "Row", "Comparison"]


class GradCheckError(AssertionError):
    """A derivative disagrees with its reference; the message is the report."""


def _numbers(x) -> np.ndarray:
    """``x`` as float64, or complex128 when it is complex (its imaginary part is compared too)."""
    a = np.asarray(concrete(x))
    return a.astype(np.complex128) if a.dtype.kind == "c" else a.astype(np.float64)


def _scalar(v):
    return complex(v) if np.iscomplexobj(v) else float(v)


def _errors(got, want) -> tuple[float, float]:
    a, b = _numbers(got), _numbers(want)
    if a.shape != b.shape:
        return float("inf"), float("inf")
    if a.size == 0:
        return 0.0, 0.0
    diff = _diff(a, b)
    ab = float(np.max(diff))
    scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0))
    return ab, (ab / scale if scale > 0 else (0.0 if ab == 0 else float("inf")))


def _diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a − b| entrywise; 0 where both are NaN or both the same infinity, inf where one is NaN."""
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - b)
        diff = np.where(np.isnan(a) & np.isnan(b), 0.0, diff)
        diff = np.where(a == b, 0.0, diff)  # equal infinities
        diff = np.where(np.isnan(diff), np.inf, diff)
    return diff


def _entry_bounds(want, rtol: float, atol: float, floor: float) -> np.ndarray:
    """Each entry's tolerance ``atol + rtol·max(|b|, floor·max|b|)``."""
    b = _numbers(want)
    mag = np.abs(np.where(np.isfinite(b), b, 0.0))
    return atol + rtol * np.maximum(mag, floor * float(np.max(mag, initial=0.0)))


def _entrywise_ok(got, want, rtol: float, atol: float, floor: float) -> bool:
    """Every entry within ``atol + rtol·max(|b|, floor·max|b|)``."""
    a, b = _numbers(got), _numbers(want)
    return a.size == 0 or bool(np.all(_diff(a, b) <= _entry_bounds(want, rtol, atol, floor)))


def tolerances(leaves, rtol: float | None, atol: float | None) -> tuple[float, float, float, float]:
    """``(rtol, atol, floor, ulps)`` for comparing with an exact reference (a hand derivation
    against autodiff), the ones not given set by the precision of the least precise float
    among ``leaves`` (the values compared, the reference's last): rtol 1e-6 in float64, 1e-4
    in float32; atol 64 ulps of the reference's largest entry (``ulps``: 64 ulps, nonzero when
    atol was not given, for :class:`Comparison` to take each leaf's own largest entry), so
    that a gradient of any size is judged by its relative error (a fixed absolute tolerance
    passes any gradient smaller than itself, wrong or not); floor as :class:`Comparison`'s."""
    arrays = [np.asarray(concrete(v)) for v in leaves]
    eps = max([float(np.finfo(a.dtype).eps) for a in arrays if a.dtype.kind in "fc"]
              + [float(np.finfo(np.float64).eps)])
    if rtol is None:
        rtol = 1e-6 if eps < 1e-12 else (1e-4 if eps < 1e-6 else 1e-2)
    ulps = 0.0
    if atol is None:
        ref = [np.abs(_numbers(a)) for a in arrays[len(arrays) // 2:]]
        scale = max([float(np.max(m[np.isfinite(m)], initial=0.0)) for m in ref] + [0.0])
        ulps = 64 * eps
        atol = ulps * (scale if scale > 0 else 1.0)  # (for a leaf whose reference is all 0)
    return rtol, atol, min(0.1, max(1e-6, 1e4 * eps)), ulps


# ---------------------------------------------------------------- reports
class Entry(NamedTuple):
    """One entry of a leaf: its index, the value checked (``got``) and the reference (``want``)."""

    index: tuple
    got: float
    want: float
    abs_err: float
    rel_err: float

    def where(self) -> str:
        return "[" + ", ".join(str(i) for i in self.index) + "]"


class Row(NamedTuple):
    """One leaf of one check: errors, verdict, and the worst entries (largest |a − b| first)."""

    check: str
    name: str
    max_abs: float
    max_rel: float
    ok: bool
    note: str = ""
    worst: tuple = ()


def _worst(got, want, k: int, bounds=None) -> tuple:
    """The ``k`` entries with the largest errors (with ``bounds``, those furthest past them)."""
    a, b = _numbers(got), _numbers(want)
    if a.shape != b.shape or a.ndim == 0 or a.size == 0 or k <= 0:
        return ()  # a scalar's one entry is the row itself
    diff = _diff(a, b).ravel()
    key = diff if bounds is None else diff / np.where(bounds > 0, bounds, np.inf).ravel()
    k = min(k, diff.size)
    top = np.argpartition(-key, k - 1)[:k] if diff.size > k else np.arange(diff.size)
    top = top[np.argsort(-key[top], kind="stable")]
    out = []
    for j in top:
        if diff[j] == 0 or bounds is not None and key[j] <= 1:
            break  # entries that agree exactly (or within their tolerance) are not "worst"
        idx = tuple(int(i) for i in np.unravel_index(int(j), a.shape)) if a.ndim else ()
        av, bv, d = _scalar(a.flat[j]), _scalar(b.flat[j]), float(diff[j])
        rel = 0.0 if d == 0 else (d / abs(bv) if bv != 0 and np.isfinite(bv) else float("inf"))
        out.append(Entry(idx, av, bv, d, rel))
    return tuple(out)


@dataclass
class Comparison:
    """The report of a cross-check: one :class:`Row` per leaf and check.

    ``bool(report)`` is True exactly when every row agrees, so ``assert report``
    is a test; :meth:`raise_if_mismatch` raises :class:`GradCheckError` with
    the report instead. ``str(report)`` is a table followed by the worst
    entries of every leaf that disagrees (:meth:`report` shows them for all).
    ``got`` and ``want`` name the two sides (the value checked, the reference).
    """

    title: str
    rows: list = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-9
    got: str = "got"
    want: str = "want"
    top: int = 5
    notes: list = field(default_factory=list)
    #: With ``entrywise``, a leaf also needs every entry within ``atol + rtol·|b|``
    #: (|b| floored at ``floor`` × the leaf's largest entry), so an error in a small
    #: entry is not hidden by the leaf's largest one. For exact references
    #: (a hand derivation against autodiff or JAX), not for finite differences.
    entrywise: bool = False
    floor: float = 1e-6
    #: when nonzero (64 ulps), each leaf's ``atol`` is this many times its reference's largest entry
    ulps: float = 0.0

    def add(self, what: str, name: str, got, want, ok: bool | None = None) -> Row:
        """Compare two arrays and append the row (``ok`` overrides the tolerance test)."""
        ab, rel = _errors(got, want)
        gs, ws = np.shape(concrete(got)), np.shape(concrete(want))
        note = "" if gs == ws else f"shape {gs} vs {ws}"
        bounds, atol = None, self.atol
        if self.ulps and gs == ws:  # (64 ulps of this leaf's own largest entry: see tolerances)
            m, g = np.abs(_numbers(want)), np.abs(_numbers(got))
            scale = float(np.max(m[np.isfinite(m)], initial=0.0))
            atol = self.ulps * scale if scale > 0 else self.atol
            if scale <= self.atol and float(np.max(g, initial=0.0)) <= self.atol:
                # both sides at the rounding level of the whole gradient (64 ulps of its largest
                # entry): a leaf that is zero in exact arithmetic (a bias before a batch norm)
                atol, note = self.atol, "(both at the rounding level: zero)"
        if ok is None:
            ok = gs == ws and (ab <= atol or rel <= self.rtol)
            if ok and self.entrywise and ab > atol:
                ok = _entrywise_ok(got, want, self.rtol, atol, self.floor)
                if not ok:  # (then the entries past their own tolerance are the worst)
                    bounds = _entry_bounds(want, self.rtol, atol, self.floor)
                    note = "(entries past their own tolerance: see below)"
        row = Row(what, name, ab, rel, bool(ok), note, _worst(got, want, self.top, bounds))
        self.rows.append(row)
        return row

    @property
    def ok(self) -> bool:
        """True when every row agrees (also the truth value of the report)."""
        return all(r.ok for r in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def max_abs(self) -> float:
        return max((r.max_abs for r in self.rows), default=0.0)

    @property
    def max_rel(self) -> float:
        return max((r.max_rel for r in self.rows), default=0.0)

    @property
    def mismatches(self) -> list:
        """The rows that disagree."""
        return [r for r in self.rows if not r.ok]

    def report(self, all_rows: bool = False) -> str:
        """The table, then the worst entries of each disagreeing row (of every row with ``all_rows``)."""
        w1 = max([len(r.check) for r in self.rows] + [5])
        w2 = max([len(r.name) for r in self.rows] + [4])
        lines = [self.title, f"  {'check':{w1}}  {'leaf':{w2}}  {'max abs err':>11}  {'max rel err':>11}"
                             f"  {'worst at':>10}  status"]
        for r in self.rows:
            at = r.worst[0].where() if r.worst else "-"
            lines.append(f"  {r.check:{w1}}  {r.name:{w2}}  {r.max_abs:11.2e}  {r.max_rel:11.2e}  "
                         f"{at:>10}  {'ok' if r.ok else 'MISMATCH'}{'  ' + r.note if r.note else ''}")
        lines += [f"  {n}" for n in self.notes]
        shown = [r for r in self.rows if (all_rows or not r.ok) and r.worst]
        for r in shown:
            lines.append(f"  worst entries of {r.name} ({r.check}): index, {self.got}, {self.want}, "
                         "abs. error, rel. error")
            for e in r.worst:
                lines.append(f"    {e.where():>12}  {e.got: .10g}  {e.want: .10g}  {e.abs_err:.2e}  "
                             f"{e.rel_err:.2e}")
        verdict = "agrees" if self.ok else f"{len(self.mismatches)} of {len(self.rows)} rows disagree"
        each = (f"; and each entry within abs + rel·max(|{self.want}|, {self.floor:g}·max|{self.want}|)"
                if self.entrywise else "")
        absolute = f"64 ulps of the leaf's largest |{self.want}|" if self.ulps else f"{self.atol:.3g}"
        lines.append(f"  {verdict} (tolerance: abs {absolute} or rel {self.rtol:g} per leaf{each})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    __repr__ = __str__

    def raise_if_mismatch(self) -> "Comparison":
        """Raise :class:`GradCheckError` with the report unless every row agrees; return self."""
        if not self.ok:
            raise GradCheckError(self.report())
        return self

    assert_ok = raise_if_mismatch  # the name used before; kept
