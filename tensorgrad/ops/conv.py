"""Convolution and pooling on NCHW images, each op with its transpose registered too.

conv2d is bilinear in the image x (N, C, H, W) and the kernel w (O, C, kh, kw)
(cross-correlation, as in PyTorch and JAX)::

    out[n, o, h, v] = Σ_{c,i,j} w[o, c, i, j] · xp[n, c, h·sh + i, v·sw + j]

with xp the zero-padded image. Its two transposes are ops of their own, so the
rules of every op in the family are other members of the family and any order
of derivative works:

    conv2d(x, w)                 VJP  x̄ = conv2d_input_grad(ḡ, w),  w̄ = conv2d_weight_grad(x, ḡ)
    conv2d_input_grad(g, w)      VJP  ḡ = conv2d(c̄, w),             w̄ = conv2d_weight_grad(c̄, g)
    conv2d_weight_grad(x, g)     VJP  x̄ = conv2d_input_grad(g, c̄),  ḡ = conv2d(x, c̄)

and each JVP is the op itself applied to one tangent at a time (bilinearity).
Extra leading batch axes of cotangents and tangents are folded into the axis
along which the map acts independently (images for x and g, output channels
for w, input channels for the kernel-shaped cotangent) and unfolded after.

The forward rules use ``sliding_window_view`` and ``tensordot`` (im2col as one
BLAS call); the scatter back to the image loops over the kh·kw kernel offsets
only, never over pixels or images.

Pooling: avg_pool2d is linear (its transpose spreads ḡ/(kh·kw) over each
window, an op of its own); max_pool2d routes cotangents to each window's
arg-max (the first one in row-major order on ties) with the registered
scatter/gather indexing ops, which are each other's transposes.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..recording import bind
from ..registry import Example, general, linear
from ..staging import call as staged_call
from ..typing import Array, ArrayLike, Shape  # noqa: F401
from ._util import concrete, shape_of
from .shape import getitem, moveaxis, reshape, scatter_add


def _pair(v, op: str, what: str, low: int) -> tuple[int, int]:
    """An int or a pair of ints, checked to be ≥ ``low``."""
    pair = (v, v) if isinstance(v, (int, np.integer)) else tuple(v) if isinstance(v, (tuple, list)) else None
    if (pair is None or len(pair) != 2
            or not all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pair)):
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {v!r}")
    if any(p < low for p in pair):
        raise ValueError(f"{op}: {what} must be >= {low}, got {v!r}")
    return int(pair[0]), int(pair[1])


def _windows(x, k, s):
    """(..., H, W) → (..., Ho, Wo, kh, kw): every stride-s window, as a view."""
    v = sliding_window_view(x, k, axis=(-2, -1))
    return v[..., ::s[0], ::s[1], :, :]


def _pad(x, p):
    if p == (0, 0):
        return x
    return np.pad(x, ((0, 0),) * (x.ndim - 2) + ((p[0], p[0]), (p[1], p[1])))


def _scatter_windows(cols, k, s, hw_padded, p, dtype):
    """Add window contents (..., kh, kw, Ho, Wo) back into a zero image, then crop the padding.

    The transpose of taking stride-s windows; the loop runs over kernel offsets.
    """
    ho, wo = cols.shape[-2:]
    img = np.zeros(cols.shape[:-4] + hw_padded, dtype=dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            img[..., i:i + s[0] * (ho - 1) + 1:s[0], j:j + s[1] * (wo - 1) + 1:s[1]] += cols[..., i, j, :, :]
    return img[..., p[0]:hw_padded[0] - p[0], p[1]:hw_padded[1] - p[1]]


def _out_hw(hw, k, s, p):
    return tuple((hw[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))


# ---- folding batch axes into an axis of the core shape -------------------------------------
def _fold(t, core_ndim: int, axis: int):
    """t: batch + core → core with the batch merged (batch-major) into core axis ``axis``."""
    ts = shape_of(t)
    nb = len(ts) - core_ndim
    if nb == 0:
        return t, ()
    batch, core = ts[:nb], ts[nb:]
    t = moveaxis(t, tuple(range(nb)), tuple(range(axis, axis + nb)))
    merged = int(np.prod(batch)) * core[axis]
    return reshape(t, core[:axis] + (merged,) + core[axis + 1:]), (batch, core[axis])


def _unfold(y, folded: tuple, axis: int):
    """Undo :func:`_fold` on a result: split the batch out of ``axis`` (the same dimension as
    the one folded into, of the size it had) and move it to the front."""
    if not folded:
        return y
    batch, size = folded  # (the size is kept: an empty batch leaves nothing to divide by)
    ys = shape_of(y)
    y = reshape(y, ys[:axis] + batch + (size,) + ys[axis + 1:])
    return moveaxis(y, tuple(range(axis, axis + len(batch))), tuple(range(len(batch))))


def _hw(x):
    return tuple(shape_of(x)[-2:])


# ---- conv2d and its two transposes -------------------------------------------------------------
def _conv_forward(x, w, stride, padding):
    win = _windows(_pad(x, padding), w.shape[-2:], stride)       # N, C, Ho, Wo, kh, kw
    out = np.tensordot(win, w, axes=((1, 4, 5), (1, 2, 3)))      # N, Ho, Wo, O
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def _input_grad_forward(g, w, stride, padding, in_hw):
    cols = np.tensordot(g, w, axes=((1,), (0,)))                 # N, Ho, Wo, C, kh, kw
    cols = cols.transpose(0, 3, 4, 5, 1, 2)                      # N, C, kh, kw, Ho, Wo
    hwp = (in_hw[0] + 2 * padding[0], in_hw[1] + 2 * padding[1])
    img = _scatter_windows(cols, w.shape[-2:], stride, hwp, padding, np.result_type(g, w))
    return np.ascontiguousarray(img)


def _weight_grad_forward(x, g, stride, padding, k_hw):
    win = _windows(_pad(x, padding), k_hw, stride)               # N, C, Ho, Wo, kh, kw
    return np.tensordot(g, win, axes=((0, 2, 3), (0, 2, 3)))     # O, C, kh, kw


def _conv(x, w, s, p):
    return bind(conv2d.op, (x, w), (s, p))


def _input_grad(g, w, s, p, in_hw):
    return bind(conv2d_input_grad.op, (g, w), (s, p, in_hw))


def _weight_grad(x, g, s, p, k_hw):
    return bind(conv2d_weight_grad.op, (x, g), (s, p, k_hw))


# conv2d(x, w): x̄ per image (fold into N), w̄ summed over images (fold into O)
def _conv_vjp_x(g, out, x, w, s, p):
    gf, b = _fold(g, 4, 0)
    return _unfold(_input_grad(gf, w, s, p, _hw(x)), b, 0)


def _conv_vjp_w(g, out, x, w, s, p):
    gf, b = _fold(g, 4, 1)
    return _unfold(_weight_grad(x, gf, s, p, _hw(w)), b, 0)


def _conv_jvp_x(t, out, x, w, s, p):
    tf, b = _fold(t, 4, 0)
    return _unfold(_conv(tf, w, s, p), b, 0)


def _conv_jvp_w(t, out, x, w, s, p):
    tf, b = _fold(t, 4, 0)
    return _unfold(_conv(x, tf, s, p), b, 1)


# conv2d_input_grad(g, w) → image-shaped (N, C, H, W)
def _ig_vjp_g(c, out, g, w, s, p, in_hw):
    cf, b = _fold(c, 4, 0)
    return _unfold(_conv(cf, w, s, p), b, 0)


def _ig_vjp_w(c, out, g, w, s, p, in_hw):
    cf, b = _fold(c, 4, 1)
    return _unfold(_weight_grad(cf, g, s, p, _hw(w)), b, 1)


def _ig_jvp_g(t, out, g, w, s, p, in_hw):
    tf, b = _fold(t, 4, 0)
    return _unfold(_input_grad(tf, w, s, p, in_hw), b, 0)


def _ig_jvp_w(t, out, g, w, s, p, in_hw):
    tf, b = _fold(t, 4, 1)
    return _unfold(_input_grad(g, tf, s, p, in_hw), b, 1)


# conv2d_weight_grad(x, g) → kernel-shaped (O, C, kh, kw)
def _wg_vjp_x(c, out, x, g, s, p, k_hw):
    cf, b = _fold(c, 4, 1)
    return _unfold(_input_grad(g, cf, s, p, _hw(x)), b, 1)


def _wg_vjp_g(c, out, x, g, s, p, k_hw):
    cf, b = _fold(c, 4, 0)
    return _unfold(_conv(x, cf, s, p), b, 1)


def _wg_jvp_x(t, out, x, g, s, p, k_hw):
    tf, b = _fold(t, 4, 1)
    return _unfold(_weight_grad(tf, g, s, p, k_hw), b, 1)


def _wg_jvp_g(t, out, x, g, s, p, k_hw):
    tf, b = _fold(t, 4, 1)
    return _unfold(_weight_grad(x, tf, s, p, k_hw), b, 0)


def _jax_conv(x, w, stride=1, padding=0):
    import jax
    s = _pair(stride, "conv2d", "stride", 1)
    p = _pair(padding, "conv2d", "padding", 0)
    return jax.lax.conv_general_dilated(x, w, s, [(p[0], p[0]), (p[1], p[1])],
                                        dimension_numbers=("NCHW", "OIHW", "NCHW"))


def _jax_input_grad(jnp, g, w, stride=1, padding=0, in_hw=None):
    import jax
    x0 = jnp.zeros((g.shape[0], w.shape[1]) + tuple(in_hw), dtype=g.dtype)
    return jax.vjp(lambda x: _jax_conv(x, w, stride, padding), x0)[1](g)[0]


def _jax_weight_grad(jnp, x, g, stride=1, padding=0, k_hw=None):
    import jax
    w0 = jnp.zeros((g.shape[1], x.shape[1]) + tuple(k_hw), dtype=x.dtype)
    return jax.vjp(lambda w: _jax_conv(x, w, stride, padding), w0)[1](g)[0]


_CONV_EXAMPLES = [
    Example(((2, 3, 6, 6), (4, 3, 3, 3))),
    Example(((2, 3, 6, 6), (4, 3, 3, 3)), {"stride": 2}),
    Example(((2, 3, 6, 6), (4, 3, 3, 3)), {"padding": 1}),
    Example(((2, 3, 6, 6), (4, 3, 3, 3)), {"stride": 2, "padding": 1}),
    Example(((1, 2, 5, 7), (3, 2, 2, 3)), {"stride": (1, 2), "padding": (1, 0)}),
]

def _conv_signature(x: ArrayLike, w: ArrayLike, stride: Shape = 1, padding: Shape = 0):
    """2-D convolution (cross-correlation) of images x (N, C, H, W) with kernels w (O, C, kh, kw).

    ``stride`` and ``padding`` (zeros on both sides) are ints or (height, width)
    pairs. The output is (N, O, Ho, Wo) with Ho = (H + 2·ph − kh) // sh + 1.
    Gradients are the two transposed convolutions, themselves differentiable.
    """
    xs, ws = shape_of(concrete(x)), shape_of(concrete(w))
    s = _pair(stride, "conv2d", "stride", 1)
    p = _pair(padding, "conv2d", "padding", 0)
    if len(xs) != 4 or len(ws) != 4:
        raise ValueError(f"conv2d: expected x (N, C, H, W) and w (O, C, kh, kw), "
                         f"got shapes {xs} and {ws}")
    if xs[1] != ws[1]:
        raise ValueError(f"conv2d: x has {xs[1]} channels (shape {xs}) but w expects "
                         f"{ws[1]} (shape {ws})")
    if xs[2] + 2 * p[0] < ws[2] or xs[3] + 2 * p[1] < ws[3]:
        raise ValueError(f"conv2d: kernel {ws[2:]} is larger than the padded image "
                         f"{(xs[2] + 2 * p[0], xs[3] + 2 * p[1])} (x {xs}, padding {p})")
    return (x, w), (s, p)


conv2d = general(
    "conv2d", _conv_forward, vjp={"x": _conv_vjp_x, "w": _conv_vjp_w},
    jvp={"x": _conv_jvp_x, "w": _conv_jvp_w}, signature=_conv_signature,
    params=("stride", "padding"),
    jax=lambda jnp, x, w, stride=1, padding=0: _jax_conv(x, w, stride, padding),
    symbol="bilinear: Toeplitz blocks of w (w.r.t. x), windows of x (w.r.t. w)",
    doc="2-D cross-correlation of NCHW images with OIHW kernels",
    examples=_CONV_EXAMPLES)

conv2d_input_grad = general(
    "conv2d_input_grad", _input_grad_forward, public=False,
    vjp={"g": _ig_vjp_g, "w": _ig_vjp_w}, jvp={"g": _ig_jvp_g, "w": _ig_jvp_w},
    signature=lambda g, w, stride=1, padding=0, in_hw=None: (
        (g, w), (_pair(stride, "conv2d", "stride", 1), _pair(padding, "conv2d", "padding", 0),
                 tuple(in_hw))),
    params=("stride", "padding", "in_hw"),
    jax=_jax_input_grad, symbol="conv2dᵀ (w.r.t. the image)",
    doc="transpose of conv2d in the image: scatter each output back over its window",
    examples=[Example(((2, 4, 4, 4), (4, 3, 3, 3)), {"in_hw": (6, 6)}),
              Example(((2, 4, 2, 2), (4, 3, 3, 3)), {"stride": 2, "in_hw": (6, 6)}),
              Example(((2, 4, 3, 3), (4, 3, 3, 3)), {"stride": 2, "padding": 1, "in_hw": (6, 6)})])

conv2d_weight_grad = general(
    "conv2d_weight_grad", _weight_grad_forward, public=False,
    vjp={"x": _wg_vjp_x, "g": _wg_vjp_g}, jvp={"x": _wg_jvp_x, "g": _wg_jvp_g},
    signature=lambda x, g, stride=1, padding=0, k_hw=None: (
        (x, g), (_pair(stride, "conv2d", "stride", 1), _pair(padding, "conv2d", "padding", 0),
                 tuple(k_hw))),
    params=("stride", "padding", "k_hw"),
    jax=_jax_weight_grad, symbol="conv2dᵀ (w.r.t. the kernel)",
    doc="transpose of conv2d in the kernel: correlate the image with the output cotangent",
    examples=[Example(((2, 3, 6, 6), (2, 4, 4, 4)), {"k_hw": (3, 3)}),
              Example(((2, 3, 6, 6), (2, 4, 2, 2)), {"stride": 2, "k_hw": (3, 3)}),
              Example(((2, 3, 6, 6), (2, 4, 3, 3)), {"stride": 2, "padding": 1, "k_hw": (3, 3)})])


# ---- pooling ----------------------------------------------------------------------------------
def _avg_forward(x, k, s):
    return np.mean(_windows(x, k, s), axis=(-2, -1))


def _avg_grad_forward(g, k, s, in_hw):
    cols = np.broadcast_to((g / (k[0] * k[1]))[..., None, None, :, :], g.shape[:-2] + k + g.shape[-2:])
    return np.ascontiguousarray(_scatter_windows(cols, k, s, tuple(in_hw), (0, 0), g.dtype))


def _jax_avg_grad(jnp, g, kernel_size, stride, in_hw):
    import jax
    return jax.vjp(lambda x: _jax_pool(x, kernel_size, stride, "avg"),
                   jnp.zeros(g.shape[:-2] + tuple(in_hw), dtype=g.dtype))[1](g)[0]


def _pool_signature(name):
    def signature(x: ArrayLike, kernel_size: Shape, stride: Shape | None = None):
        return (x,), _pool_args(name, x, kernel_size, stride)
    return signature


# Both act on the last two axes only, so batch axes in front pass straight through.
avg_pool2d = linear(
    "avg_pool2d", _avg_forward, params=("kernel_size", "stride"),
    transpose=lambda g, out, x, k, s: bind(avg_pool2d_grad.op, (g,), (k, s, _hw(x))),
    signature=_pool_signature("avg_pool2d"),
    jax=lambda jnp, x, kernel_size, stride=None: _jax_pool(x, kernel_size, stride, "avg"),
    symbol="window means (1/(kh·kw) per window entry)",
    doc="Mean over each kh×kw window of x (N, C, H, W); ``stride`` defaults to the kernel.",
    examples=[Example(((2, 3, 4, 4),), {"kernel_size": 2}),
              Example(((2, 3, 5, 5),), {"kernel_size": 3, "stride": 1}),
              Example(((1, 2, 5, 6),), {"kernel_size": (2, 3), "stride": (2, 1)})])

avg_pool2d_grad = linear(
    "avg_pool2d_grad", _avg_grad_forward, inputs=("g",), public=False,
    params=("kernel_size", "stride", "in_hw"),
    transpose=lambda c, out, g, k, s, in_hw: bind(avg_pool2d.op, (c,), (k, s)),
    signature=lambda g, kernel_size, stride, in_hw: (
        (g,), (_pair(kernel_size, "avg_pool2d", "kernel_size", 1),
               _pair(stride, "avg_pool2d", "stride", 1), tuple(in_hw))),
    jax=_jax_avg_grad, symbol="avg_pool2dᵀ (spread ḡ/(kh·kw) over each window)",
    doc="transpose of avg_pool2d",
    examples=[Example(((2, 3, 2, 2),), {"kernel_size": 2, "stride": 2, "in_hw": (4, 4)}),
              Example(((2, 3, 3, 3),), {"kernel_size": 3, "stride": 1, "in_hw": (5, 5)}),
              Example(((1, 2, 2, 3),), {"kernel_size": 2, "stride": 2, "in_hw": (5, 7)})])


def _argmax_index(x, k, s):
    """Index arrays (n, c, row, col) of each window's maximum in x (N, C, H, W).

    np.argmax returns the first maximum in row-major window order, which makes
    the routing of ties deterministic.
    """
    return staged_call(_argmax_positions, concrete(x), k, s)  # recorded under tg.jit


def _argmax_positions(xv, k, s):
    win = _windows(np.asarray(xv), k, s)
    n, c, ho, wo = win.shape[:4]
    a = np.argmax(win.reshape(n, c, ho, wo, k[0] * k[1]), axis=-1)
    rows = np.arange(ho)[:, None] * s[0] + a // k[1]
    cols = np.arange(wo)[None, :] * s[1] + a % k[1]
    nn = np.broadcast_to(np.arange(n)[:, None, None, None], a.shape)
    cc = np.broadcast_to(np.arange(c)[None, :, None, None], a.shape)
    return nn, cc, rows, cols


def _max_pool_vjp(g, out, x, k, s):
    nb = len(shape_of(g)) - 4
    idx = _argmax_index(x, k, s)
    return scatter_add(g, (slice(None),) * nb + idx, shape_of(g)[:nb] + shape_of(x))


def _max_pool_jvp(t, out, x, k, s):
    nb = len(shape_of(t)) - 4
    return bind(getitem.op, (t,), ((slice(None),) * nb + _argmax_index(x, k, s),))


def _max_forward(x, k, s):
    return np.max(_windows(x, k, s), axis=(-2, -1))


max_pool2d = general(
    "max_pool2d", _max_forward, vjp={"x": _max_pool_vjp}, jvp={"x": _max_pool_jvp},
    params=("kernel_size", "stride"), signature=_pool_signature("max_pool2d"),
    jax=lambda jnp, x, kernel_size, stride=None: _jax_pool(x, kernel_size, stride, "max"),
    symbol="selection of each window's arg-max (rows of I)", domain="distinct",
    doc="Maximum over each kh×kw window of x (N, C, H, W); ``stride`` defaults to the kernel. "
        "The gradient goes to each window's arg-max (the first in row-major order on ties); "
        "overlapping windows add up",
    examples=[Example(((2, 3, 4, 4),), {"kernel_size": 2}),
              Example(((2, 3, 5, 5),), {"kernel_size": 3, "stride": 1}),
              Example(((1, 2, 5, 6),), {"kernel_size": (2, 3), "stride": (2, 1)})])


def _jax_pool(x, kernel_size, stride, kind):
    import jax
    import jax.numpy as jnp
    k = _pair(kernel_size, "pool", "kernel_size", 1)
    s = k if stride is None else _pair(stride, "pool", "stride", 1)
    if kind == "max":
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1,) * (x.ndim - 2) + k,
                                     (1,) * (x.ndim - 2) + s, "VALID")
    return jax.lax.reduce_window(x, 0.0, jax.lax.add, (1,) * (x.ndim - 2) + k,
                                 (1,) * (x.ndim - 2) + s, "VALID") / (k[0] * k[1])


def _pool_args(name, x, kernel_size, stride):
    xs = shape_of(concrete(x))
    k = _pair(kernel_size, name, "kernel_size", 1)
    s = k if stride is None else _pair(stride, name, "stride", 1)
    if len(xs) != 4:
        raise ValueError(f"{name}: expected x of shape (N, C, H, W), got {xs}")
    if xs[2] < k[0] or xs[3] < k[1]:
        raise ValueError(f"{name}: kernel {k} is larger than the image {xs[2:]} (x {xs})")
    return k, s
