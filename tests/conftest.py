"""Test configuration: JAX in float64 is required (never skipped).

The registry-driven tables (test_registry, and the per-op tests of test_jacobians and
test_faults) take JAX's answers for a case from ``tensorgrad.testing.jax_references``,
computed once per case and process. Every test of one case therefore goes to the same
xdist worker: it gets an ``xdist_group`` named after the case, and the run uses
``--dist loadgroup`` (pyproject's addopts). The tests of one case also run one after
the other (at the place of the first), so a run without xdist computes each case once too.
"""
import os
import re

# JAX's reference programs are small and each runs once: XLA's backend optimizations
# cost more compile time than they could save (set before JAX starts its CPU backend;
# subprocesses of the tests inherit it)
_FAST_COMPILE = "--xla_backend_optimization_level=0"
if _FAST_COMPILE.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FAST_COMPILE}".strip()

import jax  # noqa: E402  -- a missing JAX must fail the run, not skip the comparisons
import pytest  # noqa: E402

from tensorgrad.testing import Case  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")


def case_group(case: Case) -> str:
    """``op-k`` for the k-th example of an op (xdist's group names cannot hold brackets)."""
    m = re.match(r"(\w+)\[(\d+)\]", case.label)
    return f"{m[1]}-{m[2]}" if m else re.sub(r"\W", "_", case.label)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    first = {}  # group -> position of its first test
    keys = []
    for pos, item in enumerate(items):
        spec = getattr(item, "callspec", None)
        case = spec.params.get("case") if spec is not None else None
        if isinstance(case, Case):
            group = case_group(case)
            item.add_marker(pytest.mark.xdist_group(group))
            pos = first.setdefault(group, pos)
        keys.append(pos)
    # a case's tests side by side, at the place of its first one (sort is stable)
    order = sorted(range(len(items)), key=keys.__getitem__)
    items[:] = [items[i] for i in order]
