"""Central-difference gradients, for checking backward passes (tests only)."""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6, indices=None) -> np.ndarray:
    """d f() / d x by central differences, perturbing x in place and restoring it.

    f takes no arguments and returns a float that depends on x. With ``indices`` (a list of
    index tuples) only those entries are computed; the rest of the result stays 0.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    positions = indices if indices is not None else list(np.ndindex(x.shape))
    for i in positions:
        old = x[i]
        x[i] = old + eps
        plus = float(f())
        x[i] = old - eps
        minus = float(f())
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def assert_gradients_close(analytic, numeric, rtol=1e-6, atol=1e-8):
    """Analytic against numerical gradient, with the scale of the gradient in the message."""
    analytic = np.asarray(analytic, dtype=np.float64)
    scale = max(float(np.abs(numeric).max()), 1e-12)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=f"gradient scale {scale:.3g}")
