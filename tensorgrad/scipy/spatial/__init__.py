"""``tg.scipy.spatial``: ``jax.scipy.spatial``'s layout; ``tg.scipy.spatial.transform`` holds
``Rotation`` and ``Slerp``."""
from __future__ import annotations

from . import transform  # noqa: F401
