"""onnxruntime as the reference: every node's output of a graph, and the relative difference
the targets use (largest absolute difference over the layer's largest absolute value)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort


def node_outputs(model: onnx.ModelProto, x: np.ndarray) -> dict[str, np.ndarray]:
    """node name (or <op>_<index>) -> its first output, for one batch x."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    names = {}
    existing = {o.name for o in model.graph.output}
    for i, node in enumerate(model.graph.node):
        if node.op_type in ("Constant", "Shape", "Gather", "Unsqueeze", "Concat"):
            continue
        names[node.name or f"{node.op_type}_{i}"] = node.output[0]
        if node.output[0] not in existing:
            model.graph.output.append(onnx.ValueInfoProto(name=node.output[0]))
            existing.add(node.output[0])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    outputs = [o.name for o in session.get_outputs()]
    values = dict(zip(outputs, session.run(outputs, {input_name: x})))
    return {node: values[tensor] for node, tensor in names.items()}


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    scale = max(np.abs(theirs).max(), 1e-30)
    return float(np.abs(ours - theirs).max() / scale)
