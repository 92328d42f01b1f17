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


def with_keywords(name: str, inputs: tuple, out, kwargs: dict):
    """``tg.<name>(*inputs, out=out, **kwargs)`` by NumPy's ufunc rules."""
    if not UFUNC_KEYWORDS:  # pragma: no cover - tensorgrad.dispatch is imported with tensorgrad
        raise TypeError(f"{name}: out= and NumPy's ufunc keywords need tensorgrad.dispatch")
    return UFUNC_KEYWORDS[0](name, inputs, out, kwargs)


def shown_as(fn, names: tuple):
    """``fn`` (``def fn(x, *, out=None, **kwargs)``) with the signature ``(x, *, out=None)`` for
    ``names`` ``("x",)``: the ufunc keywords are NumPy's, not the op's own parameters."""
    P = inspect.Parameter
    fn.__signature__ = inspect.Signature([P(n, P.POSITIONAL_OR_KEYWORD) for n in names]
                                         + [P("out", P.KEYWORD_ONLY, default=None)])
    return fn
