"""The app serving the models the shipped ones do not cover, for the browser tests, started
once for them all: ``uvicorn tests.web.extra_models_app:app``.

- "colour" (the default): one small seeded colour model with every newer layer kind (batch
  norm, a ReLU layer, padded max pooling, dropout, global average pooling, normalisation);
- "mnist", the shipped digits model, beside "padded", a seeded LeNet whose conv2 pads by 2:
  the two read a picture alike up to pool1 and differently from conv2 on (compare mode).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.main import create_app
from app.models import Model, load_model
from app.nn.architecture import COLOUR32, LENET5, Architecture
from app.nn.network import Network
from app.settings import Settings


def colour_model() -> Model:
    net = Network.initialise(COLOUR32, seed=4)
    rng = np.random.default_rng(5)
    for key in ("bn1", "bn2"):  # running averages as training would leave them
        size = net.params[f"{key}.gamma"].shape
        net.params[f"{key}.running_mean"][:] = rng.uniform(-0.5, 0.5, size)
        net.params[f"{key}.running_var"][:] = rng.uniform(0.5, 2.0, size)
    return Model("colour", "Colour test", net, {"dataset": "random", "preparation": {"kind": "photo"}})


def padded_lenet() -> Model:
    layers = tuple(replace(spec, padding=2) if spec.name == "conv2" else spec for spec in LENET5.layers)
    net = Network.initialise(Architecture(name="lenet5-padded", input_shape=LENET5.input_shape, layers=layers), seed=7)
    return Model("padded", "LeNet with a padded conv2", net, {"dataset": "mnist", "preparation": {"box": 20, "centre": "mass"}})


# The environment's settings (an uploads folder a test chose), with the colour model the default.
app = create_app(
    replace(Settings.from_env(), default_model="colour"),
    loaded_models={"colour": colour_model(), "mnist": load_model("mnist"), "padded": padded_lenet()},
)
