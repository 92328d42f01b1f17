"""``torch.nn.modules`` as ``tensorgrad.nn.modules``: PyTorch's import paths for the Modules of
:mod:`tensorgrad.nn` (``from tensorgrad.nn.modules.loss import _Loss``,
``from tensorgrad.nn.modules.module import Module``). Each submodule re-exports the classes
PyTorch defines in its namesake; they are the very classes of ``tg.nn``."""
from . import (activation, adaptive, batchnorm, channelshuffle, container, conv, distance,  # noqa: F401
               dropout, flatten, fold, instancenorm, lazy, linear, loss, module, normalization,
               padding, pixelshuffle, pooling, rnn, sparse, transformer, upsampling, utils)

_PARTS = (activation, adaptive, batchnorm, channelshuffle, container, conv, distance, dropout, flatten, fold,
          instancenorm, lazy, linear, loss, module, normalization, padding, pixelshuffle, pooling,
          rnn, sparse, transformer, upsampling)
globals().update({n: getattr(m, n) for m in _PARTS for n in m.__all__})
__all__ = sorted({n for m in _PARTS for n in m.__all__})
del _PARTS
