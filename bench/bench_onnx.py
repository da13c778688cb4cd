"""ONNX import and export against onnxruntime, measured in the same run.

    .venv/bin/python bench/bench_onnx.py [--reps 2000] [--before REVISION]

1. Agreement: for each test graph (colour 32x32 with batch norm, dropout and global pooling;
   tanh with average pooling and LogSoftmax; LeNet from an NHWC framework) and for our shipped
   models exported, every layer's largest absolute difference from onnxruntime's output of
   the same node, over that output's largest absolute value. Target <= 1e-5.
2. LeNet-5 trace (the shipped mnist model, one image) against onnxruntime on one thread
   computing every layer's output and the max-pool indices, as our trace does (the exported
   graph with every layer as an output, and each MaxPool's optional Indices output too), and
   against the same trace by the engine of an earlier commit (``--before``, default the one
   before the engine-speed work), taking turns (onnxruntime once more without the indices, as this
   bench timed it before, and once with the weighted inputs too, all that our trace returns).
   Target ratio <= 1.0. Two floors of a NumPy engine take turns too (bench/trace_floor.py): the
   same trace written straight for LeNet's shapes in the fewest NumPy calls we know, and that
   sequence of calls on one-element arrays (the calls' own cost, without their arithmetic).
   Then where the time goes: our layers one by one against onnxruntime's per-node profile.
3. Import time of an ONNX file of about 5 MB (a wide conv and dense chain). Target < 1 s.
Writes bench/results/onnx.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from app.models import load_model  # noqa: E402
from app.nn.network import Network  # noqa: E402
from app.onnx_io.importer import import_onnx  # noqa: E402
from app.onnx_io.writer import export_network  # noqa: E402
from before import DEFAULT_REVISION, before_network, load_before  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402
from onnx_io.graphs import GraphBuilder, colour_net, lenet_nhwc, tanh_net  # noqa: E402
from onnx_io.reference import node_outputs, relative_difference  # noqa: E402
from trace_floor import calls_only, check, straight_trace  # noqa: E402


def agreement() -> list[tuple[str, int, float]]:
    rows = []
    rng = np.random.default_rng(0)
    for label, builder, shape, nhwc, logs in [
        ("colour 32x32 (bn, dropout, gap)", colour_net(), (3, 32, 32), False, ()),
        ("tanh, avgpool, LogSoftmax", tanh_net(), (1, 28, 28), False, ("logsoftmax",)),
        ("LeNet, NHWC", lenet_nhwc(), (1, 28, 28), True, ()),
    ]:
        model = builder.model()
        network, metadata = import_onnx(model.SerializeToString())
        x = rng.uniform(0, 1, shape).astype(np.float32)
        ref = node_outputs(model, (x.transpose(1, 2, 0) if nhwc else x)[None])
        worst = 0.0
        layers = 0
        for spec, trace in zip(network.architecture.layers, network.trace(x)):
            if spec.name in metadata["added_layers"]:
                continue
            theirs = ref[spec.source][0]
            theirs = np.exp(theirs) if spec.source in logs else theirs
            worst = max(worst, relative_difference(trace.output, theirs.reshape(trace.output.shape)))
            layers += 1
        rows.append((f"import: {label}", layers, worst))
    for model_id in ("mnist", "fashion"):
        net = load_model(model_id).network
        x = rng.uniform(0, 1, (1, 28, 28)).astype(np.float32)
        ref = node_outputs(export_network(net), x[None])
        # a fused activation is its own node, "<layer>/<activation>", whose output is the layer's
        keys = [f"{s.name}/{s.activation}" if s.activation else s.name for s in net.architecture.layers]
        worst = max(relative_difference(t.output, ref[k][0].reshape(t.output.shape)) for k, t in zip(keys, net.trace(x)))
        rows.append((f"export: shipped {model_id}", len(net.layers), worst))
    return rows


def with_pool_indices(model):
    """The exported graph with each MaxPool's Indices output asked for too: our trace keeps
    the winner of every max-pool window, so the runtime is asked for the same."""
    for node in model.graph.node:
        if node.op_type == "MaxPool" and len(node.output) == 1:
            node.output.append(f"{node.name}/indices")
            model.graph.output.append(helper.make_tensor_value_info(node.output[1], TensorProto.INT64, None))
    return model


def with_weighted_inputs(model):
    """The graph with each conv's and dense layer's output before its activation asked for too:
    our trace keeps those (the weighted inputs); the runtime then cannot fuse the activation."""
    outputs = {o.name for o in model.graph.output}
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm") and node.output[0] not in outputs:
            outputs.add(node.output[0])
            model.graph.output.append(helper.make_tensor_value_info(node.output[0], TensorProto.FLOAT, None))
    return model


def per_layer(net: Network, x: np.ndarray, reps: int) -> tuple[list[tuple[str, float]], list[tuple[str, float]], float]:
    """Where the time goes: the median microseconds of each of our layers inside whole traces,
    and onnxruntime's own profile of the graph with the indices (median per node, and the
    median of its whole run, whose rest is the session's own work around the nodes)."""
    params, times = net.params, [[] for _ in net.layers]
    clock = time.perf_counter
    for _ in range(reps):
        a = np.ascontiguousarray(x, dtype=np.float32)
        for i, layer in enumerate(net.layers):
            t0 = clock()
            a = layer.trace_single(a, params)[0]
            times[i].append(clock() - t0)
    ours = [(layer.name, statistics.median(t) * 1e6) for layer, t in zip(net.layers, times)]
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = str(Path(tempfile.mkdtemp()) / "ort")
    model = with_pool_indices(export_network(net, every_layer=True))
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    for _ in range(reps):
        session.run(names, {"input": x[None]})
    events = json.loads(Path(session.end_profiling()).read_text())
    nodes: dict[str, list[float]] = {}
    runs = []
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            nodes.setdefault(e["name"].removesuffix("_kernel_time"), []).append(e["dur"])
        elif e.get("cat") == "Session" and e["name"] == "model_run":
            runs.append(e["dur"])
    theirs = [(name, statistics.median(d)) for name, d in nodes.items()]
    return ours, theirs, statistics.median(runs)


def trace_timing(reps: int, revision: str) -> dict[str, float]:
    """Median microseconds per one-image trace: ours, the earlier commit's, onnxruntime's (with
    the max-pool indices, as the target is set, and without them, as this bench once timed it)."""
    shipped = load_model("mnist").network
    # Both engines get fresh copies of the same weights, so neither runs on arrays laid out better.
    net = Network(shipped.architecture, {key: value.copy() for key, value in shipped.params.items()})
    old = before_network(load_before(revision), shipped)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1

    def session_run(model):
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        return lambda: session.run(names, feed)

    x = np.random.default_rng(1).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    feed = {"input": x[None]}
    runs = {
        "ours": lambda: net.trace(x), "before": lambda: old.trace(x),
        "straight": lambda run=straight_trace(net): run(x),
        "calls only": lambda run=calls_only(net): run(x),
        "onnxruntime": session_run(with_pool_indices(export_network(net, every_layer=True))),
        "onnxruntime without indices": session_run(export_network(net, every_layer=True)),
        "onnxruntime with weighted inputs": session_run(with_weighted_inputs(with_pool_indices(export_network(net, every_layer=True)))),
    }
    times: dict[str, list[float]] = {key: [] for key in runs}
    for _ in range(200):
        for run in runs.values():
            run()
    keys, order = list(runs), np.random.default_rng(0)
    for _ in range(reps):
        # A new order every time: the one running just after another finds the memory that one
        # has just freed, of the same sizes, still in the caches; no engine may always follow ours.
        for key in order.permutation(keys):
            t0 = time.perf_counter()
            runs[key]()
            times[key].append(time.perf_counter() - t0)
    return {key: statistics.median(values) * 1e6 for key, values in times.items()}


def import_timing() -> tuple[float, float]:
    g = GraphBuilder((3, 64, 64), seed=3)
    g.conv(3, 64, 3, name="c1", pads=[1, 1, 1, 1])
    g.op("Relu", name="r1")
    g.op("MaxPool", name="p1", kernel_shape=[4, 4], strides=[4, 4])
    g.conv(64, 128, 3, name="c2", pads=[1, 1, 1, 1])
    g.op("Relu", name="r2")
    g.op("MaxPool", name="p2", kernel_shape=[4, 4], strides=[4, 4])
    g.op("Flatten", name="f")
    g.gemm(128 * 4 * 4, 600, name="fc1")
    g.op("Relu", name="r3")
    g.gemm(600, 10, name="fc2")
    data = g.model().SerializeToString()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        import_onnx(data)
        times.append(time.perf_counter() - t0)
    return len(data) / 2**20, statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--before", default=DEFAULT_REVISION, help="git revision of the engine to compare with")
    args = parser.parse_args()
    rows = agreement()
    us = trace_timing(args.reps, args.before)
    ours, theirs, before = us["ours"], us["onnxruntime"], us["before"]
    shipped = load_model("mnist").network
    x = np.random.default_rng(1).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    our_layers, their_nodes, their_run = per_layer(shipped, x, min(args.reps, 2000))
    straight_difference = check(shipped, x)  # the floor returns what our trace returns
    mb, seconds = import_timing()
    load = os.getloadavg()[0]
    lines = [
        "# ONNX import and export against onnxruntime",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average {load:.1f}, "
        f"onnxruntime {ort.__version__}, one thread each.",
        "",
        "| graph | layers compared | largest relative difference (target <= 1e-5) |",
        "|---|---|---|",
        *[f"| {label} | {n} | {worst:.2e} |" for label, n, worst in rows],
        "",
        "LeNet-5 trace of one image, median of the seven taking turns in a new order every round:",
        "",
        "| engine | us | against onnxruntime |",
        "|---|---|---|",
        f"| onnxruntime, every layer's output and the max-pool indices | {theirs:.1f} | 1.00 |",
        f"| onnxruntime, every layer's output without the indices | {us['onnxruntime without indices']:.1f} | "
        f"{us['onnxruntime without indices'] / theirs:.2f} |",
        f"| onnxruntime, every layer's output, the indices and the weighted inputs (all our trace returns) | "
        f"{us['onnxruntime with weighted inputs']:.1f} | {us['onnxruntime with weighted inputs'] / theirs:.2f} |",
        f"| ours before (commit {args.before}) | {before:.1f} | {before / theirs:.2f} |",
        f"| ours now | {ours:.1f} | {ours / theirs:.2f} (target <= 1.0) |",
        f"| floor 1: a NumPy trace written straight for LeNet's shapes, the fewest calls we know "
        f"(largest difference from ours {straight_difference:.1e}, same winners) | "
        f"{us['straight']:.1f} | {us['straight'] / theirs:.2f} |",
        f"| floor 2: the same NumPy calls on one-element arrays (their cost without the arithmetic) | "
        f"{us['calls only']:.1f} | {us['calls only'] / theirs:.2f} |",
        "",
        f"Now against before: {ours / before:.2f} of the time ({before / ours:.2f}x faster). "
        f"Ours against onnxruntime returning all our trace returns: {ours / us['onnxruntime with weighted inputs']:.2f}.",
        "",
        "Where the time goes (medians, one engine at a time, so warmer than the turns above): each of our "
        "layers inside whole traces, and onnxruntime's own profile of its graph with the indices (its "
        "optimiser fuses and reorders nodes; its run adds the session's work around the nodes):",
        "",
        "| our layer | us | | onnxruntime node | us |",
        "|---|---|---|---|---|",
        *[
            f"| {a[0] if a else ''} | {f'{a[1]:.1f}' if a else ''} | | {b[0] if b else ''} | {f'{b[1]:.1f}' if b else ''} |"
            for a, b in itertools.zip_longest(our_layers, their_nodes)
        ],
        f"| all layers | {sum(t for _, t in our_layers):.1f} | | all nodes (whole run) | "
        f"{sum(t for _, t in their_nodes):.1f} ({their_run:.1f}) |",
        "",
        f"Import of a {mb:.1f} MB ONNX file: {seconds * 1000:.0f} ms (target < 1 s).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results" / "onnx.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
