"""Two ready-made models built from :mod:`tensorgrad.nn.layers`: :class:`MLP` (Linear layers
with an activation between them) and :class:`CNN` (a small convolutional classifier)."""
from __future__ import annotations

from typing import Callable, Sequence

from .activation_layers import ReLU
from .layers import (Activation, Conv2d, Flatten, Linear, MaxPool2d, Module, Sequential,
                     _check_positive)
from .layers import activation as _activation

__all__ = ["MLP", "CNN"]


class MLP(Sequential):
    """Multi-layer perceptron: Linear layers of ``sizes`` with ``activation`` between them.

    ``MLP([64, 32, 10])`` is Linear(64, 32) → relu → Linear(32, 10) (logits; no
    activation after the last layer unless ``out_activation`` is given). The
    default initializer is He for relu-like activations, Xavier otherwise.
    """

    def __init__(self, sizes: Sequence[int], activation: str | Callable = "relu",
                 out_activation: str | Callable | None = None, bias: bool = True,
                 init: str | Callable | None = None):
        sizes = list(sizes)
        _activation(activation)  # unknown names fail here, even with no hidden layer
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        if init is None:
            init = "he_normal" if activation in ("relu", "leaky_relu", "gelu") else "xavier_uniform"
        layers: list[Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(a, b, bias=bias, init=init))
            if i < len(sizes) - 2:
                layers.append(Activation(activation))
        if out_activation is not None:
            layers.append(Activation(out_activation))
        super().__init__(*layers)
        self.sizes = sizes


class CNN(Sequential):
    """A small convolutional classifier for (N, C, H, W) images:
    conv3×3 (padding 1) → relu → maxpool 2 → flatten → Linear → classes."""

    def __init__(self, in_channels: int = 1, image_size: int = 8, channels: int = 8,
                 num_classes: int = 10):
        _check_positive("CNN", in_channels=in_channels, image_size=image_size, channels=channels,
                        num_classes=num_classes)
        if image_size % 2:
            raise ValueError(f"CNN: image_size must be even (2×2 pooling), got {image_size}")
        half = image_size // 2
        super().__init__(Conv2d(in_channels, channels, 3, padding=1), ReLU(), MaxPool2d(2),
                         Flatten(), Linear(channels * half * half, num_classes, init="xavier_uniform"))
