"""``torch.nn.utils.stateless``' import path: ``functional_call``, the function of
:mod:`tensorgrad.func` (``torch.func.functional_call``, which PyTorch's deprecated alias calls)."""
from ...func import functional_call

__all__ = ["functional_call"]
