"""Record a timeline of checkpoints for a model of the shipped size, for the page's slider.

``python -m app.training.checkpoints DATA_DIR MODEL_ID [EPOCHS [LIMIT]]`` trains LeNet-5 with
the settings of ``cnnvis train`` (the seed fixed at 0) on the first LIMIT images of DATA_DIR's
training split and writes
``app/models/checkpoints/<MODEL_ID>@epoch<N>.npz`` at epochs 0 (the initialisation), 1, 2,
5, 10, 20 and the last. The shipped weights themselves were trained for longer; this run is a
reference run of the same architecture on fewer images (the shipped checkpoints: 20 epochs
on the first 1,500 digits, as 20 epochs on all 10,000 take most of an hour on a busy machine),
so each file says so in its metadata.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, replace

from ..models.checkpoints import CHECKPOINTS_DIR
from ..nn import idx, weights
from ..nn.architecture import LENET5
from ..nn.datasets import DATASETS
from ..nn.network import Network
from ..nn.train import TrainSettings, accuracy, train_network

KEPT_EPOCHS = (0, 1, 2, 5, 10, 20)
DATASET_OF = {"mnist": "mnist", "fashion": "fashion-mnist"}


def record(data_dir: str, model_id: str, epochs: int = 20, limit: int = 1500) -> None:
    dataset = DATASETS[DATASET_OF[model_id]]
    settings = TrainSettings(epochs=epochs, dataset=dataset.name, seed=0, limit=limit)
    images, labels = idx.load_split(data_dir, "train")
    images, labels = images[:limit], labels[:limit]
    test_images, test_labels = idx.load_split(data_dir, "t10k")
    network = Network.initialise(replace(LENET5, class_names=dataset.class_names), seed=settings.seed)
    CHECKPOINTS_DIR.mkdir(exist_ok=True)

    def keep(epoch: int, net: Network) -> None:
        if epoch not in KEPT_EPOCHS and epoch != epochs:
            return
        test_accuracy = accuracy(net, test_images, test_labels)
        metadata = {
            "name": f"{model_id} reference run", "dataset": dataset.name, "epoch": epoch,
            "preparation": dataset.preparation.to_dict(), "train_count": len(images),
            "test_accuracy": test_accuracy, "test_count": len(test_images), "settings": asdict(settings),
            "note": "a reference run of the shipped architecture on fewer images, not the shipped weights",
        }
        weights.save(CHECKPOINTS_DIR / f"{model_id}@epoch{epoch}.npz", net, metadata)
        print(f"epoch {epoch}: test accuracy {test_accuracy:.4f}", flush=True)

    keep(0, network)
    train_network(network, images, labels, settings, show_progress=False, on_epoch=keep)


if __name__ == "__main__":
    record(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
