"""Neural-network building blocks.

* activations and losses (registered ops, each with its own VJP/JVP rules):
  sigmoid, relu, ..., the fused ``softmax_cross_entropy`` and ``mse``
  (``half=True`` gives the book's ½ convention);
  and ``jax.nn``'s elu, celu, selu, silu/swish, mish, relu6, hard_tanh, hard_sigmoid,
  hard_silu/hard_swish, soft_sign, squareplus, sparse_plus, sparse_sigmoid, log1mexp;
  softmax, log_softmax, softplus, relu, relu6, elu, celu, selu, silu, mish and leaky_relu
  also take PyTorch's keywords (:mod:`tensorgrad.nn.torch_activations`);
* ``jax.nn``'s composite functions (:mod:`tensorgrad.nn.functional`): one_hot,
  standardize, logmeanexp, glu, identity, dot_product_attention;
* PyTorch's pooling and padding (:mod:`tensorgrad.nn.torch_pooling_nd`): ``max_pool2d``,
  ``avg_pool2d`` (PyTorch's signatures; ``tg.max_pool2d`` ... are the book's ops), 3-D pooling,
  ``max_unpool1d/2d/3d``, ``pad``; and PyTorch's convolutions (:mod:`tensorgrad.nn.torch_conv`):
  ``conv1d``, ``conv2d`` (PyTorch's signature, with bias, dilation and groups; ``tg.conv2d``
  is the book's op), ``conv3d``, ``conv_transpose1d/2d/3d``, ``unfold``, ``fold``;
* layers with a functional core (:mod:`tensorgrad.nn.layers`): a model is a
  parameter pytree plus a pure ``apply(params, x)``; :class:`Module` adds
  ``init(seed)``, ``model(x)`` and ``parameters()`` on top;
* Dropout, BatchNorm1d/2d (training and evaluation modes: ``model.train()`` /
  ``model.eval()``), Conv1d, MaxPool1d and AvgPool1d (:mod:`tensorgrad.nn.layers_more`);
* seeded initializers in :mod:`tensorgrad.nn.init` (Xavier/Glorot, He, uniform);
* PyTorch's losses (:mod:`tensorgrad.nn.losses`): cross_entropy, nll_loss,
  binary_cross_entropy(_with_logits), mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div,
  cosine_similarity, cosine_embedding_loss, margin_ranking_loss, hinge_embedding_loss, and
  their Modules CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss,
  SmoothL1Loss, HuberLoss, KLDivLoss, CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss.
"""
from __future__ import annotations

import numpy as np

from ..ops.activations import (erf, gelu, log_sigmoid, logsumexp, mse, sigmoid,  # noqa: F401
                               softmax_cross_entropy)
from ..ops.activations_more import (hard_sigmoid, hard_silu, hard_swish, hard_tanh,  # noqa: F401
                                    log1mexp, soft_sign, sparse_plus, sparse_sigmoid, squareplus,
                                    swish)
from ..ops.elementwise import tanh  # noqa: F401
from ..tensor import concrete
from . import init  # noqa: F401
from . import initializers  # noqa: F401  (jax.nn.initializers on tg.random keys)
from .functional import (dot_product_attention, glu, identity, logmeanexp,  # noqa: F401
                         standardize)
from .functional import jax_one_hot as one_hot  # noqa: F401  (F.one_hot is PyTorch's)
# jax.nn's names that take PyTorch's keywords too (dim=, dtype=, beta=, threshold=, inplace=)
from .torch_activations import (celu, elu, leaky_relu, log_softmax, mish, relu,  # noqa: F401
                                relu6, selu, silu, softmax, softplus)
from .layers import (Activation, AvgPool2d, Conv2d, Embedding, Flatten,  # noqa: F401
                     LayerNorm, Linear, MaxPool2d, Module, PReLU, Sequential, activation,
                     count_parameters, named_parameters)
from .activation_layers import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish,  # noqa: F401
                                Hardtanh, Identity, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
                                ReLU, ReLU6, SiLU, Sigmoid, Softmax, Softplus, Softsign, Tanh)
from .layers_more import (AvgPool1d, BatchNorm1d, BatchNorm2d, Conv1d, Dropout,  # noqa: F401
                          MaxPool1d)
from .models import CNN, MLP  # noqa: F401
from .losses import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss,  # noqa: F401
                     CrossEntropyLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,
                     MarginRankingLoss, MSELoss, NLLLoss, SmoothL1Loss,
                     binary_cross_entropy, binary_cross_entropy_with_logits,
                     cosine_embedding_loss, cosine_similarity, cross_entropy, hinge_embedding_loss,
                     huber_loss, kl_div, l1_loss, margin_ranking_loss, mse_loss, nll_loss,
                     smooth_l1_loss)
from .torch_losses import *  # noqa: F401,F403  (softmin ... normalize)
from . import torch_layers, torch_losses, torch_pooling  # (PyTorch's functional names)
from .torch_layers import *  # noqa: F401,F403  (linear ... scaled_dot_product_attention)
from .torch_pooling import *  # noqa: F401,F403  (max_pool1d ... lp_pool2d)
from .attention import MultiheadAttention  # noqa: F401  (torch.nn's recurrent, attention, containers)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # noqa: F401
from .torch_modules import (Bilinear, GroupNorm, InstanceNorm1d, InstanceNorm2d,  # noqa: F401
                            ModuleDict, ModuleList, PixelShuffle, PixelUnshuffle, Unflatten)
# torch.nn.functional's convolutions: tg.nn.conv2d takes torch's signature (tg.conv2d stays the op)
from .torch_conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401
                         conv_transpose3d, fold, unfold)
from .torch_conv_modules import (Conv3d, ConvTranspose1d, ConvTranspose2d,  # noqa: F401
                                 ConvTranspose3d, Fold, Unfold)
from . import torch_misc, torch_resample  # (PyTorch's resampling, activations, dropouts)
from .torch_misc import *  # noqa: F401,F403  (hardswish ... gumbel_softmax, RReLU ...)
from .torch_resample import *  # noqa: F401,F403  (interpolate ... affine_grid, Upsample)
from .transformer import (Transformer, TransformerDecoder,  # noqa: F401  (torch.nn's Transformer)
                          TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)
# PyTorch's 2-d/3-d poolings (tg.nn.max_pool2d/avg_pool2d become them; tg.max_pool2d stays
# the book's op), max_unpool, F.pad, and their layers
from . import torch_padding, torch_pooling_layers, torch_pooling_nd
from .torch_padding import pad  # noqa: F401
from .torch_pooling_layers import *  # noqa: F401,F403  (MaxPool3d ... CircularPad3d)
from .torch_pooling_nd import *  # noqa: F401,F403  (max_pool2d ... max_unpool3d)
from . import torch_bag_ctc, torch_modules_more  # (more of torch.nn's Modules)
from .torch_bag_ctc import *  # noqa: F401,F403  (embedding_bag, EmbeddingBag, ctc_loss, CTCLoss)
from .torch_modules_more import *  # noqa: F401,F403  (Softmin ... ChannelShuffle)
from . import utils  # noqa: F401  (torch.nn.utils: clip_grad_norm_ ... weight_norm, utils.rnn)
from . import torch_gaps  # (PyTorch's *_with_indices, relu_ ..., Upsampling*2d, Parameter*)
from .torch_gaps import *  # noqa: F401,F403  (max_pool1d_with_indices ... ParameterDict)
from .parameter import Parameter  # noqa: F401  (PyTorch's nn.Parameter)
from . import torch_functional_more, torch_modules_extra  # (F's last names and Modules)
from .torch_functional_more import *  # noqa: F401,F403  (multi_head_attention_forward ...)
from .torch_modules_extra import *  # noqa: F401,F403  (LinearCrossEntropyLoss, FractionalMaxPool*)
from .buffer import Buffer  # noqa: F401  (PyTorch's nn.Buffer)
from . import lazy  # (PyTorch's lazy layers: tensorgrad.nn.lazy)
from .lazy import *  # noqa: F401,F403  (UninitializedParameter ... LazyInstanceNorm3d)



def accuracy(logits, labels, threshold: float = 0.5) -> float:
    """Fraction of rows whose arg-max equals the label (labels: class ids or one-hot rows).

    For a single output column (binary) the prediction is ``out > threshold``: 0.5 for
    sigmoid outputs (probabilities), 0 for logits.
    """
    z = np.asarray(concrete(logits))
    y = np.asarray(concrete(labels))
    if z.ndim == 2 and z.shape[1] == 1 or z.ndim == 1:
        pred = (z.reshape(len(z), -1)[:, 0] > threshold).astype(int)
        if y.size != len(pred) or y.ndim > 2:
            raise ValueError(f"accuracy: {len(pred)} outputs but labels of shape {y.shape}")
        return float(np.mean(pred == np.round(y.reshape(-1))))
    if y.shape == z.shape:  # one-hot (or probability) rows
        y = y.argmax(-1)
    elif y.shape != z.shape[:-1]:
        raise ValueError(f"accuracy: labels of shape {y.shape} fit neither outputs of shape "
                         f"{z.shape} as class ids (shape {z.shape[:-1]}) nor as one-hot rows")
    elif y.size and (y.dtype.kind not in "iub" or y.min() < 0 or y.max() >= z.shape[-1]):
        raise ValueError(f"accuracy: labels must be integer class ids in 0..{z.shape[-1] - 1}, "
                         f"got dtype {y.dtype} with values in [{y.min()}, {y.max()}]")
    return float(np.mean(z.argmax(-1) == y))


__all__ = ["sigmoid", "relu", "leaky_relu", "softplus", "log_sigmoid", "gelu", "erf", "tanh",
           "elu", "celu", "selu", "silu", "swish", "mish", "relu6", "hard_tanh", "hard_sigmoid",
           "hard_silu", "hard_swish", "soft_sign", "squareplus", "sparse_plus", "sparse_sigmoid",
           "log1mexp", "one_hot", "standardize", "logmeanexp", "glu", "identity",
           "dot_product_attention",
           "logsumexp", "softmax", "log_softmax", "softmax_cross_entropy", "mse",
           "conv2d", "max_pool2d", "avg_pool2d",
           "accuracy", "init", "initializers", "Module", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d",
           "Flatten",
           "Activation", "ReLU", "Tanh", "Sigmoid", "LeakyReLU", "GELU", "Softplus", "Identity",
           "ELU", "CELU", "SELU", "SiLU", "Mish", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish",
           "Softsign", "LogSigmoid", "Softmax", "LogSoftmax", "LayerNorm", "Embedding", "PReLU",
           "Sequential", "MLP", "CNN", "activation", "named_parameters", "count_parameters",
           "Dropout", "BatchNorm1d", "BatchNorm2d", "Conv1d", "MaxPool1d", "AvgPool1d",
           "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_similarity",
           "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss",
           "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
           "HingeEmbeddingLoss"]
__all__ += [*torch_layers.__all__, *torch_pooling.__all__, *torch_losses.__all__]  # torch.nn.functional's names
__all__ += ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "RNNBase", "RNNCellBase", "MultiheadAttention",  # torch.nn's
            "ModuleList", "ModuleDict", "Unflatten", "Bilinear", "PixelShuffle", "PixelUnshuffle",
            "GroupNorm", "InstanceNorm1d", "InstanceNorm2d"]  # recurrent, attention, container Modules
__all__ += [*torch_resample.__all__, *torch_misc.__all__]  # interpolate ... gumbel_softmax
__all__ += ["conv1d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
            "unfold", "fold", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
            "Unfold", "Fold"]  # (tensorgrad.nn.torch_conv, torch_conv_modules; conv2d is listed above)
__all__ += ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
            "TransformerDecoder", "Transformer"]  # PyTorch's Transformer layers
__all__ += [n for n in (*torch_pooling_nd.__all__, *torch_padding.__all__,  # (max_pool2d ... CircularPad3d)
                      *torch_pooling_layers.__all__) if n not in __all__]
__all__ += [*torch_modules_more.__all__, *torch_bag_ctc.__all__]  # more of torch.nn's Modules
__all__ += ["utils"]  # torch.nn.utils (tensorgrad.nn.utils)
__all__ += [*torch_gaps.__all__]  # max_pool1d_with_indices ... relu_ ... ParameterDict
__all__ += ["Parameter"]  # PyTorch's nn.Parameter (tensorgrad.nn.parameter)
__all__ += [*torch_functional_more.__all__,  # multi_head_attention_forward ... fractional pooling
            *torch_modules_extra.__all__]
__all__ += ["Buffer", "lazy", *lazy.__all__]  # nn.Buffer, lazy layers (tensorgrad.nn.lazy)
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss  # noqa: E402  (torch.nn's last Modules)
from .torch_nn_gaps import CrossMapLRN2d, NLLLoss2d  # noqa: E402
__all__ += ["AdaptiveLogSoftmaxWithLoss", "CrossMapLRN2d", "NLLLoss2d"]
from . import modules  # noqa: F401,E402  (torch.nn.modules: PyTorch import paths of the Modules)
