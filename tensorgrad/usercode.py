"""A user's own Python file, from the command line: ``tensorgrad check FILE.py:FUNC``
and ``tensorgrad explain FILE.py:FUNC``.

* :func:`load_target` runs ``FILE.py`` as a module and returns ``FUNC`` (a
  missing file or name is a :class:`UsageError`: exit status 2, no traceback);
* :func:`inputs_for` builds the arguments from ``--shape``/``--seed`` or an
  ``--inputs`` function in the file;
* :func:`check_function` runs the checks and prints the reports.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any, Callable, Sequence

import numpy as np

from . import check
from .tensor import concrete
from .tree import tree_leaves

__all__ = ["load_target", "inputs_for", "check_function", "function_args", "UsageError", "EXTRAS"]

#: How to get every optional package the examples use.
EXTRAS = 'pip install "tensorgrad[examples]"'


class UsageError(Exception):
    """A problem with the arguments found after parsing (reported with the usage line)."""


def _have(module: str) -> bool:
    """Whether an optional package can be imported (a missing one is None in sys.modules too)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _is_target(s: str) -> bool:
    """A ``FILE.py:NAME`` argument (op names never contain ':' or end in .py)."""
    return ":" in s or s.endswith(".py")


_MODULES: dict[str, Any] = {}


def _import_file(path: str):
    """Run a user's Python file as a module (once per path); its folder is importable meanwhile."""
    path = os.path.abspath(path)
    if path in _MODULES:
        return _MODULES[path]
    name = "_tensorgrad_user_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {path!r} as Python (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the user's code: one line, no traceback
        raise RuntimeError(f"running {os.path.basename(path)} failed: {type(e).__name__}: {e}") from None
    except SystemExit as e:  # (a script's exit would end the command with its status, silently)
        raise RuntimeError(f"running {os.path.basename(path)} failed: it called sys.exit({e.code!r}) "
                           "when imported; put a script's own work under "
                           "`if __name__ == \"__main__\":`") from None
    finally:
        sys.path.remove(os.path.dirname(path))
    _MODULES[path] = module
    return module


def load_target(spec: str, what: str, default_file: str | None = None) -> tuple[Callable, str]:
    """``FILE.py:NAME`` (or ``NAME`` in ``default_file``) → (the callable, its file)."""
    file, sep, name = spec.rpartition(":")
    if not sep:
        if default_file is None or spec.endswith(".py"):
            raise UsageError(f"{what}: expected FILE.py:NAME (a function in a Python file), got {spec!r}")
        file, name = default_file, spec
    if not file or not name:
        raise UsageError(f"{what}: expected FILE.py:NAME, got {spec!r}")
    if not os.path.isfile(file):
        raise UsageError(f"{what}: no such file {file!r}")
    module = _import_file(file)
    obj = getattr(module, name, None)
    if obj is None:
        names = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
        hint = difflib.get_close_matches(name, names, 3)
        raise UsageError(f"{what}: {file} defines no {name!r}"
                         + (f" (did you mean {', '.join(hint)}?)" if hint else
                            f"; its functions: {', '.join(sorted(names)) or 'none'}"))
    if not callable(obj):
        raise UsageError(f"{what}: {name!r} in {file} is a {type(obj).__name__}, not a function")
    return obj, file


def _shape_arg(s: str) -> tuple:
    s = s.strip().strip("()[]")
    if s in ("", "scalar"):
        return ()
    parts = [v.strip() for v in s.replace("x", ",").split(",")]
    if len(parts) > 1 and parts[-1] == "":  # "3," is the 1-d shape (3,)
        parts.pop()
    try:
        dims = tuple(int(v) for v in parts)  # an empty part ("x", "3,x", "3,,4") is an error
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape like 3,4 (or 'scalar'), got {s!r}") from None
    if any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError(f"expected non-negative sizes, got {s!r}")
    return dims


def _argnums_arg(s: str):
    try:
        nums = tuple(int(v) for v in s.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected argument positions like 0 or 0,1, got {s!r}") from None
    if not nums:
        raise argparse.ArgumentTypeError("expected at least one argument position")
    return nums[0] if len(nums) == 1 else nums


def _positional_count(f: Callable) -> tuple[int, int | None]:
    """(required, maximum or None) positional parameters of f."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return 0, None
    req, most = 0, 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return req, None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            most += 1
            req += p.default is p.empty
    return req, most


def inputs_for(a, f: Callable, file: str, say) -> tuple:
    """The arguments to call the user's function with: from --inputs or --shape/--seed."""
    if a.inputs and a.shape:
        raise UsageError("give either --inputs or --shape, not both")
    if a.inputs:
        make, _ = load_target(a.inputs, "--inputs", default_file=file)
        takes_seed = "seed" in _signature_names(make)
        try:
            made = make(seed=a.seed) if takes_seed else make()
        except Exception as e:
            raise RuntimeError(f"--inputs {a.inputs}: {type(e).__name__}: {e}") from None
        args = tuple(made) if isinstance(made, tuple) else (made,)
    elif a.shape:
        rng = np.random.default_rng(a.seed)
        args = tuple(rng.normal(size=s) for s in a.shape)
    else:
        raise UsageError("say what to call the function with: --shape 3,4 (one per argument; random "
                         "normal entries from --seed) or --inputs FILE.py:MAKE (a function returning "
                         "the arguments, a tuple for several)")
    req, most = _positional_count(f)
    if len(args) < req or (most is not None and len(args) > most):
        want = f"{req}" if most == req else f"{req} to {most}" if most is not None else f"at least {req}"
        raise UsageError(f"{getattr(f, '__name__', 'the function')} takes {want} positional "
                         f"argument(s), but {len(args)} input(s) were given")
    nums = a.argnums if isinstance(a.argnums, tuple) else (a.argnums,)
    bad = [k for k in nums if not -len(args) <= k < len(args)]
    if bad:
        raise UsageError(f"--argnums {bad} out of range for {len(args)} input(s)")
    return args


def _signature_names(f: Callable) -> set:
    try:
        return set(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return set()


def _describe_args(args) -> str:
    def one(x):
        leaves = tree_leaves(x)
        if len(leaves) == 1 and not isinstance(x, (dict, list, tuple)):
            return f"array{tuple(np.shape(x))}"
        return f"pytree of {len(leaves)} arrays"
    return ", ".join(one(x) for x in args)


def check_function(f: Callable, args: Sequence, argnums=0, hand: Callable | None = None,
                   jax_f: Callable | None = None, use_jax: bool = True,
                   say: Callable = print) -> bool | None:
    """What ``tensorgrad check FILE.py:FUNC`` runs: tensorgrad's derivative of ``f`` at ``args``
    against central finite differences, against JAX (``jax_f``, or else ``f`` itself converted
    by ``tg.to_jax``) when JAX is installed, and against ``hand`` (a hand-derived gradient, or
    Jacobian for a non-scalar output) when given. Prints each report; True when all agree, None
    (with a note) when the inputs or the value hold NaN or inf, where nothing can be checked."""
    out = f(*args)
    leaves = tree_leaves(out)
    for v in leaves:
        dt = np.result_type(np.asarray(concrete(v)))
        if dt.kind != "f":
            raise TypeError(f"{getattr(f, '__name__', 'f')} returned a {dt} array: checking a "
                            "derivative needs floating-point output")
    scalar = len(leaves) == 1 and np.size(leaves[0]) == 1
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    differentiated = [args[k] for k in nums if -len(args) <= k < len(args)]
    bad = [what for what, vals in (("its inputs", tree_leaves(differentiated)), ("its value", leaves))
           if any(not np.isfinite(np.asarray(concrete(v), dtype=complex)).all() for v in vals
                  if np.result_type(np.asarray(concrete(v))).kind in "fc")]
    if bad:  # (finite differences and derivatives there compare NaN with NaN: no verdict)
        say(f"note: {' and '.join(bad)} {'hold' if len(bad) > 1 else 'holds'} NaN or infinite "
            "entries at these inputs, so the derivatives cannot be checked there; choose other "
            "inputs (--inputs, --seed)")
        return None
    ok = True
    reports = [check.compare_with_finite_differences(f, *args, argnums=argnums)]
    if use_jax and not _have("jax"):
        say(f"note: JAX is not installed: skipping the JAX comparison ({EXTRAS})")
    elif use_jax:
        checks = ("value", "grad", "jvp", "vjp") if scalar else ("value", "jvp", "vjp", "jacobian")
        try:  # jax_f None: FUNC itself, converted by tg.to_jax
            reports.append(check.compare_with_jax(f, *args, jax_f=jax_f, argnums=argnums, checks=checks))
        except (TypeError, ValueError, NotImplementedError) as e:
            if jax_f is not None:  # a reference the caller asked for: its failure is an error
                raise RuntimeError(f"the JAX reference {getattr(jax_f, '__name__', 'jax_f')} "
                                   f"failed: {type(e).__name__}: {e}") from e
            say(f"note: skipping the JAX comparison: {type(e).__name__}: {e}")
    if hand is not None:
        compare = check.compare_grad if scalar else check.compare_jacobian
        reports.append(compare(hand, f, *args, argnums=argnums))
    for r in reports:
        say(str(r))
        say("")
        ok = ok and bool(r)
    return ok


def _run_check_function(a, say=print) -> int:
    if len(a.ops) != 1:
        raise UsageError(f"check one function at a time (FILE.py:FUNC), got {' '.join(a.ops)}")
    f, file = load_target(a.ops[0], "check")
    args = inputs_for(a, f, file, say)
    hand = load_target(a.hand, "--hand", default_file=file)[0] if a.hand else None
    jax_f = load_target(a.jax, "--jax", default_file=file)[0] if a.jax else None
    say(f"checking {a.ops[0]} at {_describe_args(args)} (differentiating argument(s) {a.argnums})")
    ok = check_function(f, args, a.argnums, hand, jax_f, use_jax=not a.no_jax, say=say)
    say("all checks agree" if ok else "NOT CHECKED: see the note above" if ok is None
        else "MISMATCH: see the worst entries above")
    return 0 if ok else 1


def function_args(p) -> None:
    """The options that say what to call a user's function with (check and explain)."""
    p.add_argument("--shape", type=_shape_arg, action="append", default=[], metavar="S",
                   help="shape of one random input, e.g. 3,4 or scalar; repeat for each argument")
    p.add_argument("--inputs", metavar="[FILE.py:]MAKE", default=None,
                   help="a function returning the arguments (a tuple for several; it may take seed=)")
    several = p.prog.split()[-1] != "explain"  # (explain differentiates one argument)
    p.add_argument("--argnums", type=_argnums_arg, default=0,
                   help="which argument(s) to differentiate, e.g. 0 or 0,1 (default 0)" if several
                   else "which argument to differentiate (default 0; several arrays: one pytree)")
