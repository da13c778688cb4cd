"""How fragile the answer is: the smallest-looking change, within an L-infinity budget, that
makes the network answer something else (or a chosen class).

Iterative gradient-sign steps, each a quarter of the budget by default: the input moves in
the sign of the gradient of the cross-entropy (up for the original answer, down for a target),
and is then kept on the 8-bit grid within the budget and within 0..1. It stops at the first
success. The budget is rounded down to whole 8-bit steps, so it is never exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gradients import backward_to, forward_cached
from .saliency import softmax

DEFAULT_STEPS = 10
MAX_STEPS = 100
MAX_EPSILON = 0.5


@dataclass
class Attack:
    pixels: np.ndarray  # (C, H, W), raw 0..1, on the 8-bit grid
    label: int
    probabilities: np.ndarray  # (K,)
    original_label: int
    success: bool
    steps_taken: int


def _predict(network, x: np.ndarray):
    logits, _, caches = forward_cached(network, x[None])
    p = softmax(logits.astype(np.float64))[0]
    return p, caches


def attack(network, x: np.ndarray, epsilon: float, target: int | None = None, steps: int = DEFAULT_STEPS) -> Attack:
    """Inputs: x (C, H, W) on the 8-bit grid (as parse_pixels makes it), epsilon in 0..MAX_EPSILON."""
    x0 = x.astype(np.float32)
    p, caches = _predict(network, x0)
    original = int(p.argmax())
    budget = np.floor(epsilon * 255 + 1e-6) / 255  # whole 8-bit steps, never above epsilon
    lo, hi = np.maximum(x0 - budget, 0), np.minimum(x0 + budget, 1)
    step = max(budget / 4, 1 / 255)  # a quarter of the budget, but at least one 8-bit step
    current, taken = x0, 0

    def done(probs):
        return int(probs.argmax()) != original if target is None else int(probs.argmax()) == target

    if budget > 0 and not done(p):
        goal = original if target is None else target
        direction = 1.0 if target is None else -1.0  # away from the original, towards a target
        for taken in range(1, steps + 1):
            seed = p[None].astype(np.float32).copy()
            seed[0, goal] -= 1  # d cross-entropy(goal) / d logits = p - onehot
            grad = backward_to(network, caches, seed)[0]
            moved = current + direction * step * np.sign(grad)
            current = np.clip(np.round(moved * 255) / 255, lo, hi).astype(np.float32)
            p, caches = _predict(network, current)
            if done(p):
                break
    return Attack(current, int(p.argmax()), p.astype(np.float32), original, done(p), taken)
