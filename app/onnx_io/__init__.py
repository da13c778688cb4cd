"""ONNX in and out: read a chain-shaped ONNX graph into our architecture and weights
(``reader``), write one of our networks as an ONNX graph (``writer``). Only the ``onnx``
package is used; nothing here runs a model."""

from .errors import OnnxImportError

__all__ = ["OnnxImportError"]
