"""What differs between the data sets a model can be trained on: class names, how training
distorts the images, and how an uploaded picture is prepared to look like the data set."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .augment import Augmentation


@dataclass(frozen=True)
class Preparation:
    """How the data set's own images were made, for app/preprocess.py to repeat on uploads.

    kind: "ink" (a drawing: find the ink, fit it and centre it, as below) or "photo" (a
    photograph: shorter side resized to the input size, centre crop, colour kept; app/centre_crop.py);
    box: the object's bounding box is scaled so its longer side is `box` pixels;
    centre: "mass" puts its centre of mass at the middle (MNIST), "box" its bounding box (Fashion-MNIST).
    """

    box: int = 20
    centre: str = "mass"
    kind: str = "ink"

    def __post_init__(self):
        if self.kind not in ("ink", "photo") or self.centre not in ("mass", "box"):
            raise ValueError(f"preparation kind must be 'ink' or 'photo' and centre 'mass' or 'box', not {self}")

    def to_dict(self) -> dict:
        return asdict(self)


MNIST_PREPARATION = Preparation(20, "mass")


@dataclass(frozen=True)
class Dataset:
    name: str
    class_names: tuple[str, ...]
    augmentation: Augmentation
    preparation: Preparation


DATASETS = {
    # MNIST's documentation: digits fit in 20x20, centred by centre of mass in 28x28.
    "mnist": Dataset("mnist", tuple(str(d) for d in range(10)), Augmentation(), MNIST_PREPARATION),
    # Fashion-MNIST's documentation: the longest edge resized to 28, the image centred.
    # Clothes are not handwriting: no elastic distortion, small turns, mirror images allowed.
    "fashion-mnist": Dataset(
        "fashion-mnist",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        Augmentation(max_rotation_deg=5, scale_range=(0.95, 1.05), max_shear=0.05, max_shift=2.0,
                     elastic_alpha=0.0, mirror=True),
        Preparation(28, "box"),
    ),
}
