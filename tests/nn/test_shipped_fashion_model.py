"""The shipped clothes model (app/models/fashion.npz) on official Fashion-MNIST test images.

Floor: small convolutional networks of LeNet-5's size reach about 89-91% on Fashion-MNIST
(the data set's own benchmark table); 87% on the committed 500 images leaves room for the
sample's noise (one image is 0.2%) while catching a broken or mislabelled model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import load_model
from app.nn.architecture import LENET5
from app.nn.idx import load_split, to_input

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "fashion-mnist-t10k-500"
# From the Fashion-MNIST documentation, label 0 to 9.
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


@pytest.fixture(scope="module")
def fashion():
    return load_model("fashion")


def test_fashion_model_is_lenet5_with_the_documented_class_names(fashion):
    assert fashion.architecture.layers == LENET5.layers
    assert fashion.architecture.class_names == FASHION_CLASSES
    assert fashion.metadata["dataset"] == "fashion-mnist"


def test_fashion_model_gets_at_least_87_percent_on_the_committed_500_test_images(fashion):
    images, labels = load_split(SAMPLE, "t10k")
    assert len(images) == 500
    predicted = fashion.network.predict(to_input(images))
    assert (predicted == labels).mean() >= 0.87


def test_fashion_model_prepares_uploads_the_way_fashion_mnist_was_made(fashion):
    # Fashion-MNIST's documentation: longest edge resized to 28, the image centred.
    assert (fashion.preparation.box, fashion.preparation.centre) == (28, "box")
