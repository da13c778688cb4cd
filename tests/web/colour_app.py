"""The app serving one small seeded colour model with every new layer kind (batch norm, a ReLU
layer, padded max pooling, dropout, global average pooling, normalisation), for the browser
tests: ``uvicorn tests.web.colour_app:app``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.main import create_app
from app.models import Model
from app.nn.architecture import COLOUR32
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


# The environment's settings (an uploads folder a test chose), with the colour model the default.
app = create_app(replace(Settings.from_env(), default_model="colour"), loaded_models={"colour": colour_model()})
