"""PyTorch's global generator for ``torch.nn.functional``'s random functions called without a
key (``F.dropout(x, 0.1)``, ``F.scaled_dot_product_attention(q, k, v, dropout_p=0.1)``): a
key drawn from this thread's stream, the one ``tg.manual_seed`` restarts."""
from __future__ import annotations

from .. import random as _random
from .. import staging as _staging
from ..jax_backend import is_jax_tensor
from ..tensor import concrete
from . import init as _init

__all__ = ["key_or_stream"]


def key_or_stream(fn: str, key, x=None, name: str = "key"):
    """``key``, or without one a key drawn from this thread's stream (PyTorch's global
    generator, which ``tg.manual_seed`` restarts), so that each call draws anew, as PyTorch's.
    Refused while ``tg.jit`` traces or on JAX values (``tg.to_jax``): the plan would replay the
    one draw made while tracing as a constant."""
    if key is not None:
        return key
    if _staging.tracing_here() or x is not None and (is_jax_tensor(x) or is_jax_tensor(concrete(x))):
        raise ValueError(f"{fn}: without a key this draws from the global stream (tg.manual_seed), "
                         f"which a traced plan would replay as one constant draw; pass "
                         f"{name}=tg.random.PRNGKey(seed)")
    return _random.PRNGKey(int(_init._gen(fn, None).integers(2 ** 31)))
