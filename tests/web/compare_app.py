"""The app serving the shipped digits model beside a seeded LeNet whose conv2 pads by 2, for
the compare browser test: the two read the picture alike up to pool1 and differently from
conv2 on. ``uvicorn tests.web.compare_app:app``."""

from __future__ import annotations

from dataclasses import replace

from app.main import create_app
from app.models import Model, load_model
from app.nn.architecture import LENET5, Architecture
from app.nn.network import Network
from app.settings import Settings


def padded_lenet() -> Model:
    layers = tuple(replace(spec, padding=2) if spec.name == "conv2" else spec for spec in LENET5.layers)
    net = Network.initialise(Architecture(name="lenet5-padded", input_shape=LENET5.input_shape, layers=layers), seed=7)
    return Model("padded", "LeNet with a padded conv2", net, {"dataset": "mnist", "preparation": {"box": 20, "centre": "mass"}})


app = create_app(Settings(default_model="mnist"), loaded_models={"mnist": load_model("mnist"), "padded": padded_lenet()})
