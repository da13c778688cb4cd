"""The one error an import raises: a single line naming the node and the operation."""


class OnnxImportError(ValueError):
    """An ONNX file we cannot read; the message is one line a student can act on."""


class NotOnnxError(OnnxImportError):
    """Bytes that are no ONNX model at all (a picture, a text, a truncated file): the sender
    chose the wrong file, where an OnnxImportError says what of a real model cannot be shown."""


def node_error(node, index: int, reason: str) -> OnnxImportError:
    return OnnxImportError(f"node {node_label(node, index)} ({node.op_type}): {reason}")


def node_label(node, index: int) -> str:
    """The node's own name, or <op>_<index> for an unnamed one."""
    return node.name or f"{node.op_type}_{index}"
