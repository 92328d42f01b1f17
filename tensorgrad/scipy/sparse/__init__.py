"""``tg.scipy.sparse``: ``jax.scipy.sparse``'s layout; ``tg.scipy.sparse.linalg`` holds the
iterative solvers ``cg``, ``gmres`` and ``bicgstab``."""
from __future__ import annotations

from . import linalg  # noqa: F401
