"""JAX's ``jax.ad_checkpoint`` (``tg.ad_checkpoint``): ``checkpoint`` / ``remat``, which
recompute a function in the backward pass instead of keeping its intermediate values, with
JAX's ``checkpoint_policies`` and ``checkpoint_name`` (accepted; tensorgrad's remat saves
no intermediate value whatever they say)."""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from . import staging, stream_draws
from .api_extras import closure_convert
from .custom import RESIDUALS, custom_vjp
from .guards import Held, noting_copies, watch_contents
from .tensor import concrete, shape_of
from .transforms import _record, vjp
from .transform_parts import finish_value
from .tree import tree_flatten, tree_unflatten

__all__ = ["checkpoint", "remat", "checkpoint_policies", "checkpoint_name"]


def remat(fun: Callable | None = None, *, prevent_cse: bool = True, policy: Callable | None = None,
          static_argnums: int | tuple = ()) -> Callable:
    """``jax.checkpoint`` (also ``tg.checkpoint(f)``): ``fun`` with the same values and
    derivatives, whose reverse mode keeps only ``fun``'s inputs and runs ``fun`` again in
    the backward pass instead of keeping its intermediate values: less memory, one more
    forward computation. Forward mode differentiates ``fun`` as it is.

    ``static_argnums`` name arguments that are not differentiated (flags, sizes).
    ``prevent_cse`` is accepted for JAX's signature (tensorgrad merges no computations
    across the boundary); ``policy`` may be given, but nothing is saved whatever it says
    (JAX's default, ``policy=None``). Usable as a decorator, with or without arguments.

    ``fun`` must be a function of its arguments alone: the backward pass runs its Python
    again, so a NumPy random generator it draws from or Python state it reads would give a
    different value there, and a gradient of that other value. The recomputed output is
    compared with the forward pass's, and a different one raises RuntimeError. (Layers that
    draw from their own stream, Dropout given no key, get the forward pass's draws again.)
    """
    if fun is None:
        return functools.partial(remat, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)
    if not callable(fun):
        raise TypeError(f"remat: expected a function, got {fun!r}")
    if policy is not None and not callable(policy):
        raise TypeError(f"remat: policy must be None or a callable, got {policy!r}")
    nums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums
    if not isinstance(nums, (tuple, list)) or not all(isinstance(i, int) for i in nums):
        raise TypeError(f"remat: static_argnums must be integers, got {static_argnums!r}")
    nums = tuple(int(i) for i in nums)

    @functools.wraps(fun)
    def checked(*args, **kwargs):
        n = len(args)  # (positions: an argument passed by keyword has none, as in JAX)
        if nums and (max(nums) >= n or min(nums) < -n):
            raise ValueError(f"remat: static_argnums={static_argnums!r} is out of range for a call "
                             f"with {n} positional arguments (and {len(kwargs)} by keyword); pass "
                             "a static argument by position")
        here = {i % len(args) if i < 0 else i for i in nums}  # negative: from the last argument
        static = {i: args[i] for i in here}
        dyn = [i for i in range(len(args)) if i not in here]
        keys = tuple(kwargs)

        def of_dynamic(*values):  # the other positional arguments, then the keyword ones
            full = [static[i] if i in static else None for i in range(len(dyn) + len(static))]
            for i, v in zip(dyn, values):
                full[i] = v
            return fun(*full, **dict(zip(keys, values[len(dyn):])))
        of_dynamic.__name__ = getattr(fun, "__name__", "fun")
        call = tuple(args[i] for i in dyn) + tuple(kwargs[k] for k in keys)
        # traced values fun closes over (a layer's parameters; a static argument that is
        # traced after all) become inputs, so that this call is recomputed too, as JAX's
        # (they get their cotangents)
        converted, consts = closure_convert(of_dynamic)
        return _rematerialized(converted, ())(*call, *consts)
    return checked


def _rematerialized(fun: Callable, nums: tuple) -> custom_vjp:
    """``fun`` as a custom_vjp whose backward pass runs it again (``remat``'s core)."""
    inner = custom_vjp(fun, nondiff_argnums=nums)

    def split(args):
        """The differentiated leaves of ``args`` and ``fun`` as a function of them alone."""
        dynamic = [i for i in range(len(args)) if i not in nums]
        leaves, td = tree_flatten([args[i] for i in dynamic])
        # only floating leaves are differentiated (an int count or a bool mask is a constant,
        # given a zero cotangent), as the transforms treat them outside remat
        wrt = [k for k, v in enumerate(leaves) if _floating(v)]

        def of_wrt(*values):
            now = list(leaves)
            for k, v in zip(wrt, values):
                now[k] = v
            full = list(args)
            for i, v in zip(dynamic, tree_unflatten(td, now)):
                full[i] = v
            return fun(*full)
        return leaves, td, wrt, of_wrt

    def fwd(*args):
        leaves, _, wrt, of_wrt = split(args)
        if not wrt:
            return fun(*args), (args, _Draws([]))
        # fun runs on traced values, as it does outside remat, so the Tensor methods it may
        # use (x.at[...]) are there; the recording is dropped: only the inputs are kept. The
        # arrays it reads stay locked with the node's residuals (the backward pass reads them
        # again), so a write to one before then is refused rather than changing the gradient;
        # one that cannot be locked (a memmap) is compared by a digest before the backward pass
        held = RESIDUALS.held if RESIDUALS.held is not None else Held()
        with stream_draws.recording() as drawn, noting_copies() as copied:  # (drawn: a layer's
            rec = _record(of_wrt, [leaves[k] for k in wrt], tuple(range(len(wrt))), False,
                          "checkpoint", held, True)  # own-stream masks, replayed below)
        for a in copied:
            watch_contents(a, held, "checkpoint")
        outs = [finish_value(v) for v in rec.out_values]
        return tree_unflatten(rec.out_tree, outs), (args, _Draws(drawn, outs))

    def bwd(*rest):
        *_, (args, drawn), g = rest  # (the static arguments come first; they are in args too)
        leaves, td, wrt, of_wrt = split(args)
        cts = [np.zeros(shape_of(concrete(v))) for v in leaves]
        if wrt:
            with stream_draws.replaying(drawn.values):  # the forward's masks, not the next ones
                again, pullback = vjp(of_wrt, *[leaves[k] for k in wrt])
            _check_same(drawn.outs, tree_flatten(again)[0], getattr(fun, "__name__", "fun"))
            for k, c in zip(wrt, pullback(g)):
                cts[k] = c
        return tuple(tree_unflatten(td, cts))

    inner.defvjp(fwd, bwd)
    inner.forward_through_fun = True
    return inner


class _Draws:
    """The own-stream draws of a checkpoint's forward pass, kept with its residuals as one
    opaque value (not a pytree: the masks are not differentiated)."""

    __slots__ = ("values", "outs")

    def __init__(self, values: list, outs: list = ()):
        self.values = values
        self.outs = outs  # the forward pass's output values, which the recomputation must give


def _check_same(before: list, again: list, name: str) -> None:
    """RuntimeError unless the backward pass's recomputation of a checkpointed function gave
    the values its forward pass did (to rounding: a sum may run in another order): otherwise
    the function read something besides its arguments (a random generator, Python state, a
    rebound closure), and the gradient would belong to the other value."""
    if any(staging.is_staged(concrete(v)) for v in (*before, *again)):
        return  # (being traced by tg.jit, which replays both computations as recorded)
    if len(before) != len(again) or not all(_same_value(a, b) for a, b in zip(before, again)):
        raise RuntimeError(
            f"checkpoint {name}: the function gave another value when the backward pass ran it "
            "again: it depends on something besides its arguments (a NumPy random generator, "
            "Python state, a closed-over array rebound or written), so its gradient would belong "
            "to a different value than the one computed. Make it a function of its arguments "
            "alone (pass the random key, the mask or the state in as an argument)")


def _same_value(a, b) -> bool:
    """Equal shapes and entries: integers and booleans exactly; floating ones at the same
    places non-finite, the finite ones within √eps of the larger array's magnitude."""
    a, b = np.asarray(concrete(a)), np.asarray(concrete(b))
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        return np.array_equal(a, b)
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
        return False
    da, db = np.abs(a[fa]), np.abs(b[fb])
    scale = max(float(da.max(initial=0.0)), float(db.max(initial=0.0)))
    return bool(np.all(np.abs(a[fa] - b[fb]) <= np.sqrt(np.finfo(np.result_type(a, b)).eps) * scale))


def _floating(v) -> bool:
    """A value a transform differentiates: floating point or complex (Python floats and
    complex numbers included)."""
    v = concrete(v)
    return isinstance(v, (float, complex)) or np.result_type(v).kind in "fc"


# ---- JAX's remat policies ---------------------------------------------------------------------
def _policy(saves: bool, name: str) -> Callable:
    def policy(*args, **params) -> bool:
        return saves
    policy.__name__ = policy.__qualname__ = name
    return policy


def _names_policy(name: str) -> Callable:
    def make(*names, **kwargs) -> Callable:
        return _policy(False, name)
    make.__name__ = make.__qualname__ = name
    return make


class _CheckpointPolicies:
    """``jax.checkpoint_policies``: the names of JAX's rematerialization policies, so that
    code passing one to ``tg.remat(..., policy=...)`` runs. tensorgrad's remat recomputes
    everything inside the function whatever the policy says (JAX's ``nothing_saveable``), so
    every policy gives the same values and derivatives; only memory and time could differ."""

    everything_saveable = staticmethod(_policy(True, "everything_saveable"))
    nothing_saveable = staticmethod(_policy(False, "nothing_saveable"))
    dots_saveable = checkpoint_dots = staticmethod(_policy(False, "dots_saveable"))
    dots_with_no_batch_dims_saveable = checkpoint_dots_with_no_batch_dims = staticmethod(
        _policy(False, "dots_with_no_batch_dims_saveable"))
    save_only_these_names = staticmethod(_names_policy("save_only_these_names"))
    save_anything_except_these_names = staticmethod(_names_policy("save_anything_except_these_names"))
    save_any_names_but_these = staticmethod(_names_policy("save_any_names_but_these"))
    save_and_offload_only_these_names = staticmethod(_names_policy("save_and_offload_only_these_names"))
    offload_dot_with_no_batch_dims = staticmethod(_names_policy("offload_dot_with_no_batch_dims"))

    @staticmethod
    def save_from_both_policies(policy_1: Callable, policy_2: Callable) -> Callable:
        def both(*args, **params) -> bool:
            return bool(policy_1(*args, **params) or policy_2(*args, **params))
        return both


#: ``jax.checkpoint_policies`` (see :class:`_CheckpointPolicies`)
checkpoint_policies = _CheckpointPolicies()


def checkpoint_name(x, name: str):
    """``jax.ad_checkpoint.checkpoint_name``: ``x`` itself, named for a remat policy (the
    names change nothing in tensorgrad, whose remat saves no intermediate value)."""
    if not isinstance(name, str):
        raise TypeError(f"checkpoint_name: name must be a string, got {type(name).__name__}")
    return x


#: ``jax.ad_checkpoint.checkpoint`` is remat
checkpoint = remat
