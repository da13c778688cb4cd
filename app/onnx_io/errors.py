"""The one error an import raises: a single line naming the node and the operation."""


class OnnxImportError(ValueError):
    """An ONNX file we cannot read; the message is one line a student can act on."""


def node_error(node, index: int, reason: str) -> OnnxImportError:
    return OnnxImportError(f"node {node_label(node, index)} ({node.op_type}): {reason}")


def node_label(node, index: int) -> str:
    """The node's own name, or <op>_<index> for an unnamed one."""
    return node.name or f"{node.op_type}_{index}"
