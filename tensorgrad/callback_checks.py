"""What a host callback (``pure_callback``, ``io_callback``) may not reach: a value that a
transform differentiates.

A Python callback has no derivative. Its arguments are checked where it is called; this
module looks for the values it could reach some other way: what its closure cells, default
arguments, bound object and the module globals its code names hold (and, the same way,
the functions, methods and partials among those), and the values it returns. JAX raises
for such a value (a tracer leaked into the callback); without the check the gradient
through it would be silently dropped.
"""
from __future__ import annotations

import dis
import functools
import types

import numpy as np

from .tensor import Tensor

__all__ = ["differentiated", "find_differentiated", "global_names"]

#: leaves that cannot hold a Tensor
_INERT = (type, types.ModuleType, types.BuiltinFunctionType, types.CodeType, np.ufunc,
          np.ndarray, np.generic, np.dtype, str, bytes, bool, int, float, complex, type(None))
#: how many objects one search looks at, at most (a closure over a large structure)
_BUDGET = 4000
#: containers longer than this are not searched (a list of numbers, a dataset)
_LONG = 512
#: how many attribute levels deep objects are searched (``self.layer.w``: two)
_DEPTH = 2


def differentiated(x) -> bool:
    """True for a Tensor that a tensorgrad transform (grad, vjp, jvp, jacrev, ...) traces, or
    that the imperative tape records (it requires grad, outside ``tg.no_grad``). The values
    of ``tg.to_jax`` are JAX's: JAX checks those itself."""
    while type(x) is Tensor:
        tr = x._trace
        if tr is not None and tr.level >= 0 and not getattr(tr, "jax", False):
            return True
        x = x._value
    return False


@functools.lru_cache(maxsize=512)
def global_names(code: types.CodeType) -> tuple:
    """The global names ``code`` (and the functions and comprehensions written inside it) loads."""
    names = []
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(ins.argval, str):
            names.append(ins.argval)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names.extend(global_names(c))
    return tuple(dict.fromkeys(names))


def find_differentiated(fn):
    """The first differentiated Tensor (:func:`differentiated`) that the callable ``fn``
    reaches, or None. Searched: closure cells, ``__defaults__`` and ``__kwdefaults__``, the
    globals a function's code names (only functions of ``fn``'s own module are followed
    through theirs), a partial's function and arguments, a bound method's object and a
    callable object (their attributes, two levels deep), and tuples, lists and dicts."""
    home = getattr(fn, "__globals__", None)
    if home is None:
        home = getattr(getattr(fn, "__func__", None), "__globals__", None)
    if home is None:
        home = getattr(getattr(type(fn), "__call__", None), "__globals__", None)
    search = _Search(home)
    if not isinstance(fn, (types.FunctionType, types.MethodType, functools.partial)):
        call = getattr(type(fn), "__call__", None)
        if isinstance(call, types.FunctionType):  # a callable object: its method's code too
            found = search.visit(call, 0)
            if found is not None:
                return found
    return search.visit(fn, 0)


class _Search:
    __slots__ = ("home", "seen", "left")

    def __init__(self, home):
        self.home, self.seen, self.left = home, set(), _BUDGET

    def visit(self, obj, depth: int):
        if type(obj) is Tensor:
            return obj if differentiated(obj) else None
        if depth > _DEPTH or isinstance(obj, _INERT) or id(obj) in self.seen or self.left <= 0:
            return None
        self.seen.add(id(obj))
        self.left -= 1
        for part, deeper in self._parts(obj):
            found = self.visit(part, depth + deeper)
            if found is not None:
                return found
        return None

    def _parts(self, obj):
        """(value, 1 for an object's attribute else 0) pairs for what ``obj`` holds."""
        if isinstance(obj, types.FunctionType):
            for cell in obj.__closure__ or ():
                try:
                    yield cell.cell_contents, 0
                except ValueError:  # (an empty cell: a name assigned later)
                    pass
            yield obj.__defaults__, 0
            yield obj.__kwdefaults__, 0
            if obj.__globals__ is self.home:  # (library code is not followed through its globals)
                g = obj.__globals__
                yield from ((g[name], 0) for name in global_names(obj.__code__) if name in g)
        elif isinstance(obj, functools.partial):
            yield from ((obj.func, 0), (obj.args, 0), (obj.keywords, 0))
        elif isinstance(obj, types.MethodType):
            yield from ((obj.__func__, 0), (obj.__self__, 0))
        elif isinstance(obj, (tuple, list, set, frozenset, dict)):
            if len(obj) <= _LONG:
                yield from ((o, 0) for o in (obj.values() if isinstance(obj, dict) else obj))
        else:
            try:
                attrs = getattr(obj, "__dict__", None)
            except Exception:  # noqa: BLE001 - (an object whose __getattr__ raises otherwise)
                attrs = None
            if isinstance(attrs, dict) and len(attrs) <= _LONG:
                yield from ((o, 1) for o in attrs.values())
