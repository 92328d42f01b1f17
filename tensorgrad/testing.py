"""Test cases for every registered op, generated from the registry.

The test suite and ``tensorgrad check`` both use these helpers, so an op is
checked the moment it is registered: its examples (or default shapes for its
kind) become concrete inputs drawn from the op's input domain.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .registry import REGISTRY, Example, Op

__all__ = ["Case", "op_cases", "default_examples", "jax_reference", "sample"]

# Shapes every elementwise op runs on: scalars, size-1 axes and broadcast pairs.
UNARY_SHAPES = [(), (3,), (3, 1), (1, 4), (2, 3, 4)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 4)), ((), (2, 3)),
                 ((2, 1, 4), (3, 1)), ((1,), (2, 3, 4))]
TERNARY_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 4), (3, 1), (1, 4)), ((2, 3), (), (2, 3))]


@dataclass
class Case:
    """Concrete inputs for one op: all arguments, params, and which are differentiated."""

    op: Op
    args: list
    params: dict
    diff: tuple
    label: str

    def fn(self, backend: Callable) -> Callable:
        """``f(*diff_args)`` calling ``backend(*all_args, **params)``."""
        def f(*xs):
            full = list(self.args)
            for i, x in zip(self.diff, xs):
                full[i] = x
            return backend(*full, **self.params)
        return f

    @property
    def diff_args(self) -> list:
        return [self.args[i] for i in self.diff]


def default_examples(op: Op) -> list[Example]:
    if op.examples:
        return op.examples
    if op.kind in ("diagonal", "none"):
        table = {1: UNARY_SHAPES, 2: BINARY_SHAPES, 3: TERNARY_SHAPES}[op.nargs]
        return [Example((s,)) if op.nargs == 1 else Example(s) for s in table]
    raise ValueError(f"op {op.name!r} has no examples and no default shapes for kind {op.kind!r}")


def sample(domain: str, shape: tuple, rng: np.random.Generator, dtype=np.float64):
    """Random inputs inside an op's valid domain."""
    if domain == "real":
        a = rng.normal(size=shape)
    elif domain == "positive":
        a = rng.uniform(0.5, 2.0, size=shape)
    elif domain == "unit":
        a = rng.uniform(-0.9, 0.9, size=shape)
    elif domain == "nonzero":
        a = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 2.0, size=shape)
    elif domain == "distinct":  # well-separated values: no ties, no kinks within FD steps
        n = int(np.prod(shape))
        a = (rng.permutation(n) * 0.37 - 0.2 * n + rng.uniform(-0.05, 0.05, size=n)).reshape(shape)
    elif domain == "bool":
        return rng.random(size=shape) > 0.5
    elif domain == "wellcond":  # square matrices near the identity: far from singular
        a = np.eye(shape[-1]) + 0.3 * rng.normal(size=shape) / np.sqrt(shape[-1])
    elif domain == "spd":  # symmetric positive definite matrices, well conditioned
        m = rng.normal(size=shape)
        a = m @ np.swapaxes(m, -1, -2) / shape[-1] + np.eye(shape[-1])
    elif domain == "probs":
        e = np.exp(rng.normal(size=shape))
        a = e / e.sum(axis=-1, keepdims=True)
    else:
        raise ValueError(f"unknown domain {domain!r}")
    return np.asarray(a, dtype=dtype)


def op_cases(op: Op, seed: int = 0, dtype=np.float64) -> list[Case]:
    """One :class:`Case` per example of ``op``, with reproducible random inputs."""
    rng = np.random.default_rng(seed)
    cases = []
    for k, ex in enumerate(default_examples(op)):
        domains = ex.domain or op.domain
        args, diff = [], []
        for i, a in enumerate(ex.args):
            dom = domains[i] if isinstance(domains, tuple) else domains
            if isinstance(a, tuple):
                args.append(sample(dom, a, rng, dtype))
                if dom not in ("bool", "probs"):
                    diff.append(i)
            else:
                args.append(a)
        if ex.diff is not None:
            diff = list(ex.diff)
        shapes = ", ".join(str(np.shape(a)) for a in args)
        label = f"{op.name}[{k}]({shapes}{', ' if ex.params else ''}" \
                f"{', '.join(f'{p}={v!r}' for p, v in ex.params.items())})"
        cases.append(Case(op, args, dict(ex.params), tuple(diff), label))
    return cases


def jax_reference(op: Op) -> Callable:
    """The JAX function an op is compared with, called as ``ref(*args, **params)``."""
    ref = op.jax
    if ref is None:
        raise ValueError(f"op {op.name!r} names no JAX reference")
    import jax.numpy as jnp
    if callable(ref):
        return lambda *a, **p: ref(jnp, *a, **p)
    module, _, attr = ref.rpartition(".")
    fn = getattr(importlib.import_module(module), attr)
    return fn


def all_cases(seed: int = 0) -> list[Case]:
    return [c for op in REGISTRY.values() for c in op_cases(op, seed)]


_ = Any
