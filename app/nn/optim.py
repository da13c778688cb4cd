"""Optimisers that update a parameter dict in place, and the learning-rate schedule."""

from __future__ import annotations

import math

import numpy as np


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 0.01, momentum: float = 0.9):
        self.params, self.lr, self.momentum = params, lr, momentum
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for key, g in grads.items():
            v = self.velocity[key]
            v *= self.momentum
            v -= self.lr * g
            self.params[key] += v


class Adam:
    """Adam (Kingma and Ba, 2015) with bias-corrected first and second moments."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decay=()):
        """``decay``: the keys of the parameters weight decay applies to, as their layers
        declare them (``Network.decayed_keys()``); weights, never biases or batch-norm scales."""
        if weight_decay and not decay:
            raise ValueError("weight decay needs the parameters it applies to (decay=network.decayed_keys())")
        self.params, self.lr, self.decay = params, lr, frozenset(decay)
        self.beta1, self.beta2, self.eps, self.weight_decay = beta1, beta2, eps, weight_decay
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        # The bias corrections fold into one step size.
        step = self.lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for key, g in grads.items():
            m, v, p = self.m[key], self.v[key], self.params[key]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            if self.weight_decay and key in self.decay:
                p *= 1 - self.lr * self.weight_decay  # decoupled weight decay (AdamW)
            p -= step * m / (np.sqrt(v) + self.eps)


def cosine_lr(base_lr: float, step: int, total_steps: int, warmup: int = 0, final_fraction: float = 0.01) -> float:
    """Linear warm-up for ``warmup`` steps, then cosine decay from base_lr to base_lr*final_fraction."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
    low = base_lr * final_fraction
    return low + 0.5 * (base_lr - low) * (1 + math.cos(math.pi * progress))
