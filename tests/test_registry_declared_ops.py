"""An op declared after tensorgrad is imported (as docs/registry.md shows) is checked by the
same table as the built-in ones, whatever its kind: without examples, an op of one to three
inputs gets the default shapes (before, only elementwise ops did, and a linear or general op
without examples made ``all_cases()`` raise for the whole table); a variadic op must give
examples, and declaring one without is an error at once."""
import numpy as np
import pytest

import test_registry as table
import tensorgrad as tg
from tensorgrad import registry
from tensorgrad.testing import UNARY_SHAPES, all_cases, op_cases

CHECKS = [table.test_forward_matches_jax, table.test_vjp_matches_jax, table.test_jvp_matches_jax,
          table.test_jacobians_match_jax, table.test_adjoint_identity, table.test_finite_differences,
          table.test_second_order_matches_jax]


def _flip2(x):
    return 2 * np.flip(x, -1) if np.ndim(x) else 2 * x


@pytest.fixture
def declared():
    names = []
    yield names.append
    for name in names:  # (the declarations leave the process as they found it)
        registry.REGISTRY.pop(name, None)
        registry.FUNCTIONS.pop(name, None)


def test_a_declared_linear_op_gets_default_cases_and_every_check(declared):
    declared("user_flip_twice")
    flip2 = registry.linear("user_flip_twice", _flip2, transpose=lambda g, out, x: _flip2(g),
                            jax=lambda jnp, x: 2 * jnp.flip(x, -1) if x.ndim else 2 * x)
    op = tg.REGISTRY["user_flip_twice"]
    cases = op_cases(op)
    assert [np.shape(c.args[0]) for c in cases] == UNARY_SHAPES
    assert any(c.op is op for c in all_cases())  # (the whole table still builds)
    for case in cases:
        for check in CHECKS:
            check(case)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(flip2(x) * np.arange(3.0)))(np.ones(3)),
                                  [4.0, 2.0, 0.0])
    op.vjps = (lambda g, out, x: 2 * g,)  # a transpose that forgets the flip is caught
    with pytest.raises(AssertionError):
        table.test_vjp_matches_jax(cases[-1])


def test_a_variadic_op_without_examples_is_refused_when_declared(declared):
    declared("user_join")
    with pytest.raises(ValueError, match="'user_join': a variadic op needs examples="):
        registry.linear("user_join", lambda *a: np.concatenate(a[:-1]), variadic=True, inputs=(),
                        transpose=lambda i, g, out, *a: g, jax=lambda jnp, *a: jnp.concatenate(a))
    assert "user_join" not in tg.REGISTRY
