"""Which pixels mattered: four saliency maps for one image and one class.

All are with respect to the raw 0..1 pixels. gradient = d logit[class] / d input;
gradient_x_input multiplies it by the input; occlusion covers a square patch at every
position and records the drop in the class's probability; Grad-CAM weighs a conv layer's maps
by their mean gradient. A colour input's map sums its channels.
"""

from __future__ import annotations

import numpy as np

from ..nn.layers.activations import Elementwise
from ..nn.network import Network
from .gradients import backward_to, forward_cached, input_gradient, logits, one_hot, score_layers

METHODS = ("gradient", "gradient_x_input", "occlusion", "gradcam")
MAX_OCCLUSION_POSITIONS = 1024  # patches in one batched forward pass: bounds its time and memory


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, K) logits."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gradient_map(network: Network, x: np.ndarray, cls: int, times_input: bool = False, params=None) -> np.ndarray:
    """Inputs: x (C, H, W). Returns: (H, W), the channels summed."""
    grad, _ = input_gradient(network, x, cls, params)
    return channel_sum(grad, x, times_input)


def channel_sum(grad: np.ndarray, x: np.ndarray, times_input: bool) -> np.ndarray:
    """The gradient (or gradient x input) of a (C, H, W) input as one (H, W) map, channels summed."""
    return (grad * x if times_input else grad).sum(axis=0)


def occlusion_starts(size: int, patch: int, stride: int) -> range:
    """Patch positions 0, stride, 2 stride, ... while below the size."""
    return range(0, size, stride)


def occlusion_map(network: Network, x: np.ndarray, cls: int, patch: int = 4, stride: int = 2, fill: float = 0.0,
                  params=None) -> np.ndarray:
    """Mean over the patches covering each pixel of p(cls | x) - p(cls | x with the patch filled).

    Every occluded copy goes through one batched forward pass. A patch that overhangs the
    border covers only the pixels inside. Returns: (H, W).
    """
    c, h, w = x.shape
    ys, xs = occlusion_starts(h, patch, stride), occlusion_starts(w, patch, stride)
    batch = np.repeat(x[None], 1 + len(ys) * len(xs), axis=0)  # (1 + P, C, H, W); row 0 untouched
    i = 1
    for y in ys:
        for x0 in xs:
            batch[i, :, y:y + patch, x0:x0 + patch] = fill
            i += 1
    p = softmax(logits(network, batch, params).astype(np.float64))[:, cls]  # (1 + P,)
    drops = p[0] - p[1:]
    total = np.zeros((h, w))
    count = np.zeros((h, w))
    i = 0
    for y in ys:
        for x0 in xs:
            total[y:y + patch, x0:x0 + patch] += drops[i]
            count[y:y + patch, x0:x0 + patch] += 1
            i += 1
    return (total / np.maximum(count, 1)).astype(np.float32)


def map_layers(network: Network) -> list[str]:
    """Names of the layers Grad-CAM can use: those whose output is maps (C, H, W)."""
    return [layer.name for layer in score_layers(network) if len(layer.out_shape) == 3]


def default_gradcam_layer(network: Network) -> str | None:
    """The last conv layer (the last layer with weights whose output is maps)."""
    names = [layer.name for layer in score_layers(network) if layer.weighted and len(layer.out_shape) == 3]
    return names[-1] if names else None


def gradcam_index(network: Network, layer: str) -> int:
    """The index of the layer whose output is A: the named layer's, or, when an activation
    layer of its own follows it, that activation's."""
    layers = score_layers(network)
    i = [item.name for item in layers].index(layer)
    if i + 1 < len(layers) and isinstance(layers[i + 1], Elementwise):
        i += 1
    return i


def gradcam_layer_map(network: Network, x: np.ndarray, cls: int, layer: str, params=None) -> np.ndarray:
    """ReLU(sum_k alpha_k A_k), alpha_k the mean over positions of d logit[cls] / d A_k. Returns: (H', W')."""
    i = gradcam_index(network, layer)
    logits, outputs, caches = forward_cached(network, x[None], params)
    grad = backward_to(network, caches, one_hot(1, logits.shape[1], cls, logits.dtype), stop=i)[0]  # (F, H', W')
    a = outputs[i][0]  # (F, H', W')
    alpha = grad.mean(axis=(1, 2))  # (F,)
    return np.maximum(np.tensordot(alpha, a, axes=1), 0)


def upsample_bilinear(m: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Bilinear resize of (H', W') to (out_h, out_w) with half-pixel centres (align_corners=False):
    source coordinate (d + 0.5) * in / out - 0.5, clamped at 0, the far neighbour at the edge."""
    def axis(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    y0, y1, ly = axis(m.shape[0], out_h)
    x0, x1, lx = axis(m.shape[1], out_w)
    top = m[y0][:, x0] * (1 - lx) + m[y0][:, x1] * lx  # (out_h, out_w)
    bottom = m[y1][:, x0] * (1 - lx) + m[y1][:, x1] * lx
    return (top * (1 - ly)[:, None] + bottom * ly[:, None]).astype(np.float32)


def randomized_params(network: Network, seed: int) -> dict:
    """Every layer's parameters redrawn from their initialisers with this seed."""
    return Network.initialise(network.architecture, seed).params
