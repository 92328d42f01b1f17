"""``torch.nn.modules.activation``'s import path: the Modules of :mod:`tensorgrad.nn` that PyTorch
defines there (the same classes as ``tg.nn``'s)."""
from ..torch_modules_more import (Threshold, GLU, Hardshrink, Softshrink, Tanhshrink, Softmin, Softmax2d)
from ..activation_layers import (ReLU, Hardtanh, ReLU6, Sigmoid, Hardsigmoid, Tanh, SiLU, Mish, Hardswish,
                                 ELU, CELU, SELU, GELU, LeakyReLU, LogSigmoid, Softplus, Softsign,
                                 Softmax, LogSoftmax)
from ..torch_misc import RReLU
from ..attention import MultiheadAttention
from ..layers import PReLU

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh",
           "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink",
           "LeakyReLU", "LogSigmoid", "Softplus", "Softshrink", "MultiheadAttention", "PReLU",
           "Softsign", "Tanhshrink", "Softmin", "Softmax", "Softmax2d", "LogSoftmax"]
