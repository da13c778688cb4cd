"""Every layer kind, one module each, and the registry that names them (see ``base``)."""

from . import activations, avgpool, batchnorm, conv, dense, dropout, flatten, globalavgpool, maxpool, normalize, softmax  # noqa: F401  (registers the kinds)
from .base import KINDS, MODES, Layer, Param, Reads, UnknownKindError, check_mode, initial_value, layer_class

__all__ = ["KINDS", "MODES", "Layer", "Param", "Reads", "UnknownKindError", "check_mode", "initial_value", "layer_class"]
