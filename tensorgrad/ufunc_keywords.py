"""NumPy's ufunc keywords on tensorgrad's public functions: ``tg.exp(x, out=buf)``,
``tg.add(a, b, where=mask, out=c)``, ``tg.multiply(a, b, dtype=np.float32)``.

The functions of the registry's ops take them here, by :data:`UFUNC_KEYWORDS`, which
:mod:`tensorgrad.dispatch` fills with the rules ``np.exp(x, out=buf)`` follows on tensors
(this module imports nothing of tensorgrad, so the engine's modules can import it)."""
from __future__ import annotations

import inspect

__all__ = ["UFUNC_KEYWORDS", "with_keywords", "shown_as"]

#: the function ``(name, inputs, out, kwargs) -> result`` (installed by tensorgrad.dispatch)
UFUNC_KEYWORDS: list = []


def with_keywords(name: str, inputs: tuple, out, kwargs: dict, outs: tuple = ()):
    """``tg.<name>(*inputs, *outs, out=out, **kwargs)`` by NumPy's ufunc rules (``outs``: the
    out arrays given in place, after the inputs, as ``np.exp(x, o)``)."""
    if outs and out is not None:
        raise TypeError(f"{name}: cannot specify 'out' as both a positional and keyword argument")
    if any(isinstance(o, (bool, int, float, complex)) for o in outs):  # (tg.logit(x, 1e-3))
        raise TypeError(f"{name}: takes {len(inputs)} positional input(s); NumPy reads more as "
                        f"output arrays (out=), not the number {outs[0]!r}: give other "
                        "parameters by name (as tg.logit(x, eps=1e-6))")
    if not UFUNC_KEYWORDS:  # pragma: no cover - tensorgrad.dispatch is imported with tensorgrad
        raise TypeError(f"{name}: out= and NumPy's ufunc keywords need tensorgrad.dispatch")
    return UFUNC_KEYWORDS[0](name, inputs, outs or out, kwargs)


def shown_as(fn, names: tuple):
    """``fn`` (``def fn(x, *, out=None, **kwargs)``) with the signature ``(x, *, out=None)`` for
    ``names`` ``("x",)``: the ufunc keywords are NumPy's, not the op's own parameters."""
    P = inspect.Parameter
    fn.__signature__ = inspect.Signature([P(n, P.POSITIONAL_OR_KEYWORD) for n in names]
                                         + [P("out", P.KEYWORD_ONLY, default=None)])
    return fn
