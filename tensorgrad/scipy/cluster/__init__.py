"""``tg.scipy.cluster``: ``jax.scipy.cluster``'s layout; ``tg.scipy.cluster.vq`` holds ``vq``."""
from __future__ import annotations

from . import vq  # noqa: F401
