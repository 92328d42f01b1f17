"""NumPy's ufunc keywords on tensorgrad's public functions: ``tg.exp(x, out=buf)``,
``tg.add(a, b, where=mask, out=c)``, ``tg.multiply(a, b, dtype=np.float32)``.

The functions of the registry's ops take them here, by :data:`UFUNC_KEYWORDS`, which
:mod:`tensorgrad.dispatch` fills with the rules ``np.exp(x, out=buf)`` follows on tensors
(this module imports only tensorgrad.tensor, which imports nothing of tensorgrad, so the
engine's modules can import it)."""
from __future__ import annotations

import inspect

import numpy as np

from .tensor import torch_style

__all__ = ["UFUNC_KEYWORDS", "with_keywords", "shown_as", "MISSING", "no_input",
           "TORCH_INPUT_NAMES", "named_inputs", "given_inputs"]

#: the function ``(name, inputs, out, kwargs) -> result`` (installed by tensorgrad.dispatch)
UFUNC_KEYWORDS: list = []


class _Missing:
    """The default of an input a one- or two-input function was not given in place, so that
    PyTorch's names for it (``tg.add(input=x, other=y)``) can fill it."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing input>"


MISSING = _Missing()
#: PyTorch's keyword names of a function's first and second inputs (``torch.add(input=,
#: other=)``, ``torch.pow(input=, exponent=)``, ``torch.mm(input=, mat2=)``, ``torch.cat(tensors=)``,
#: ``torch.linalg.solve(A=, B=)``), which NumPy's signatures call ``x``/``a``/``arrays``
TORCH_INPUT_NAMES = (("input", "tensors", "tensor", "A"),
                     ("other", "exponent", "values", "tensor", "vec2", "mat2", "vec", "B"))


def no_input(name: str, inputs: tuple, names: tuple = ()):
    """Raise the error for a call that did not give every input (``names``: PyTorch's)."""
    k = next(i for i, v in enumerate(inputs) if v is MISSING)
    named = names[k] if k < len(names) else TORCH_INPUT_NAMES[min(k, 1)][0]
    raise TypeError(f"{name}() takes {len(inputs)} input(s); input {k + 1} was not given "
                     f"(by place, or by PyTorch's name {named}=)")


def named_inputs(args: tuple, kwargs: dict, params: frozenset | None) -> tuple | None:
    """``(args, kwargs)`` with PyTorch's keywords for a function's first inputs, which NumPy's
    signature (taking ``params``) lacks, moved into place: ``tg.sum(input=x, dim=0)``,
    ``tg.cat(tensors=[a, b])``, ``tg.dot(x, tensor=y)``, ``tg.linalg.solve(A=a, B=b)``. None when
    there are none, or they do not fill the places after ``args`` in order."""
    if params is None:
        return None
    args, kwargs = [a for a in args if a is not MISSING], dict(kwargs)
    lifted = False
    for k, names in enumerate(TORCH_INPUT_NAMES):
        given = next((n for n in names if n in kwargs and n not in params), None)
        if given is None or len(args) > k:
            continue
        if len(args) < k:
            return None
        args.append(kwargs.pop(given))
        lifted = True
    return (tuple(args), kwargs) if lifted else None


def given_inputs(name: str, values: tuple, kwargs: dict, keys: tuple) -> tuple:
    """``values`` (:data:`MISSING` where not given in place), each filled from PyTorch's keyword
    in ``keys`` for it, for methods such as ``t.mm(mat2=m)`` and ``t.addmm(mat1=a, mat2=b)``."""
    for k in kwargs:
        if k not in keys or values[keys.index(k)] is not MISSING:
            raise TypeError(f"{name}() got an unexpected keyword argument {k!r}" if k not in keys
                            else f"{name}() got multiple values for argument {k!r}")
    values = tuple(kwargs.get(key, v) for key, v in zip(keys, values))
    if any(v is MISSING for v in values):
        no_input(name, (None,) + values, ("input",) + keys)
    return values


#: ufunc-like functions whose PyTorch form takes a number after the input (for PyTorch's
#: tensors; NumPy reads a second positional as out=)
_TORCH_POSITIONAL = {"logit": "eps"}

#: the keywords NumPy's ufuncs take
_UFUNC_PARAMS = frozenset(("out", "where", "casting", "order", "dtype", "subok", "signature"))


def with_keywords(name: str, inputs: tuple, out, kwargs: dict, outs: tuple = (), again=None):
    """``tg.<name>(*inputs, *outs, out=out, **kwargs)`` by NumPy's ufunc rules (``outs``: the
    out arrays given in place, after the inputs, as ``np.exp(x, o)``). An input not given in
    place (:data:`MISSING`) comes from PyTorch's keyword for it (:func:`named_inputs`), for the
    call ``again`` (the public function) of them."""
    if again is not None and not outs:
        lifted = named_inputs(inputs, kwargs, _UFUNC_PARAMS)
        if lifted is not None:
            return again(*lifted[0], **lifted[1], **({} if out is None else {"out": out}))
    if any(v is MISSING for v in inputs):
        no_input(name, inputs)
    if outs and out is not None:
        raise TypeError(f"{name}: cannot specify 'out' as both a positional and keyword argument")
    if again is not None and name in _TORCH_POSITIONAL and len(outs) == 1 and out is None \
            and (outs[0] is None or isinstance(outs[0], (int, float, np.integer, np.floating))) \
            and torch_style(inputs[0]):
        # PyTorch's form for its tensors: torch.logit(t, 1e-6) gives eps by position
        return again(*inputs, **{_TORCH_POSITIONAL[name]: outs[0]}, **kwargs)
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
