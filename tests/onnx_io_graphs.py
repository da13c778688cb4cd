"""The ONNX test graphs, importable from every test folder (tests/ is on the path)."""

from onnx_io.graphs import GraphBuilder, colour_net, lenet_nhwc, tanh_net  # noqa: F401


def tiny_net(seed=0):
    """A conv, a global pool and a classifier on 1x8x8: a small, fast upload."""
    g = GraphBuilder((1, 8, 8), seed)
    g.conv(1, 4, 3, name="stem", pads=[1, 1, 1, 1])
    g.op("Relu", name="act")
    g.op("GlobalAveragePool", name="gap")
    g.op("Flatten", name="flat")
    g.gemm(4, 3, name="head")
    return g
