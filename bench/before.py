"""The engine as it was at an earlier commit, loaded beside today's in the same process.

A benchmark that compares "before" with "after" on a shared machine must time both in the same
run, taking turns: figures from two runs differ by more than the change being measured. This
module copies the ``app`` package of a git revision into a temporary folder under another name
(``cnnvis_before``; every import inside the package is relative, so nothing of today's leaks in)
and rebuilds a network of today's with that code and the same parameters.

    before = load_before("1354c18")
    old = before_network(before, network)   # same architecture and weights, old code
    before.why.saliency                     # any module of the old package
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
NAME = "cnnvis_before"
# The last commit before the engine-speed work; override with --before on each benchmark.
DEFAULT_REVISION = "1354c18"


def load_before(revision: str = DEFAULT_REVISION) -> SimpleNamespace:
    """The old package's nn.network, nn.architecture, nn.optim, why.gradients, why.saliency and
    why.adversary modules."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "app"], check=True, capture_output=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="cnnvis-before-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "app").rename(folder / NAME)
    sys.path.insert(0, str(folder))
    try:
        modules = {
            key: importlib.import_module(f"{NAME}.{path}")
            for key, path in [("network", "nn.network"), ("architecture", "nn.architecture"),
                              ("gradients", "why.gradients"), ("saliency", "why.saliency"), ("adversary", "why.adversary"), ("optim", "nn.optim")]
        }
    finally:
        sys.path.remove(str(folder))
    return SimpleNamespace(revision=revision, **modules)


def before_network(before: SimpleNamespace, network):
    """Today's network (architecture and parameters) run by the old code."""
    architecture = before.architecture.Architecture.from_dict(network.architecture.to_dict())
    return before.network.Network(architecture, {k: v.copy() for k, v in network.params.items()})
