"""The ``cnnvis`` command: train, evaluate, serve."""

from __future__ import annotations

import argparse
import json
import os
import sys

# Nothing here imports NumPy at the top: `cnnvis serve` sets its BLAS threads before it loads.

def cmd_train(args) -> int:
    from .nn.train import TrainSettings, run

    settings = TrainSettings(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
        weight_decay=args.weight_decay, augment=not args.no_augment, seed=args.seed, limit=args.limit,
        dataset=args.dataset,
    )
    keeper = None
    if args.checkpoints:
        keeper = checkpoint_keeper(args, settings)
    metadata = run(args.data, args.out, settings, arch=args.arch, on_epoch=keeper)
    test = metadata.get("test_accuracy")
    summary = f"wrote {args.out}: train accuracy {metadata['train_accuracy'] * 100:.2f}%"
    if test is not None:
        summary += f", test accuracy {test * 100:.2f}% on {metadata['test_count']} digits"
    print(summary)
    if keeper is not None:
        epochs = ", ".join(map(str, keeper.epochs))
        print(f"wrote {len(keeper.written)} checkpoints to {args.checkpoints}: epochs {epochs}")
    return 0


def checkpoint_keeper(args, settings):
    """The hook that writes `<out name>@epoch<N>.npz` into --checkpoints, with test accuracies when
    the folder has a t10k split."""
    from pathlib import Path

    from .nn import idx
    from .training.checkpoints import CheckpointKeeper

    train_count = len(idx.load_split(args.data, "train")[1])
    if settings.limit:
        train_count = min(train_count, settings.limit)
    try:
        test_images, test_labels = idx.load_split(args.data, "t10k")
    except idx.IdxError:
        test_images = test_labels = None
    return CheckpointKeeper(args.checkpoints, Path(args.out).name.removesuffix(".npz"), settings, train_count,
                            test_images, test_labels)


def cmd_evaluate(args) -> int:
    from .models import load_model
    from .nn import idx
    from .nn.evaluate import evaluate, format_report

    model = load_model(args.model)
    images, labels = idx.load_split(args.data, "t10k")
    result = evaluate(model.network, images, labels)
    print(json.dumps(result) if args.json else format_report(result))
    return 0


def cmd_exemplars(args) -> int:
    import time

    from .models import load_model
    from .why.exemplars import compute_exemplars, exemplar_path, save_exemplars
    from .why.samples import test_set_for

    model = load_model(args.model)
    test_set = test_set_for(model)
    if test_set is None:
        print(f"cnnvis: model {model.id!r} has no shipped test set (its data set must be MNIST or Fashion-MNIST)",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    path = exemplar_path(model.path)
    save_exemplars(path, compute_exemplars(model.network, test_set), test_set)
    print(f"wrote {path}: 9 exemplars per unit from {len(test_set.labels)} test images "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_import(args) -> int:
    from .onnx_io.importer import import_file

    classes = args.classes.split(",") if args.classes else None
    if args.classes_file:
        with open(args.classes_file, encoding="utf-8") as handle:
            classes = [line.strip() for line in handle if line.strip()]
    network = import_file(args.model, args.out, name=args.name, classes=classes, preparation=args.preparation,
                          mean=args.mean, std=args.std)
    arch = network.architecture
    print(f"wrote {args.out}: {len(arch.layers)} layers, input {list(arch.input_shape)}, {arch.n_classes} classes")
    return 0


def cmd_export(args) -> int:
    import onnx

    from .models import load_model
    from .onnx_io.writer import export_network

    model = load_model(args.model)
    onnx.save_model(export_network(model.network, model.id), args.out)
    print(f"wrote {args.out}: {len(model.architecture.layers)} layers of {model.id}")
    return 0


# serve flag -> the CNNVIS_* variable it sets, so that every worker process reads the same value
SERVE_SETTINGS = {
    "models_dir": "CNNVIS_MODELS_DIR",
    "max_header_bytes": "CNNVIS_MAX_HEADER_BYTES",
    "header_timeout": "CNNVIS_HEADER_TIMEOUT",
    "body_timeout": "CNNVIS_BODY_TIMEOUT",
    "keep_alive_timeout": "CNNVIS_KEEP_ALIVE_TIMEOUT",
    "max_connections": "CNNVIS_MAX_CONNECTIONS",
    "shutdown_timeout": "CNNVIS_SHUTDOWN_TIMEOUT",
}


def cmd_serve(args) -> int:
    import uvicorn

    from .models import load_shipped
    from .server import raise_open_file_limit, uvicorn_options
    from .settings import Settings, SettingsError

    for name, variable in SERVE_SETTINGS.items():
        if getattr(args, name) is not None:
            os.environ[variable] = str(getattr(args, name))
    if args.model:
        os.environ["CNNVIS_EXTRA_MODELS"] = os.pathsep.join(os.path.abspath(p) for p in args.model)
    settings = Settings.from_env()
    from .upload_store import load_local

    load_local(settings.extra_models)  # checked here once: a bad file is one line and exit 2
    # Every model is loaded and checked here, once, before any worker starts: a bad file is one
    # line and a non-zero exit, whatever --workers says, rather than a traceback per worker.
    models = load_shipped(settings.models_dir)
    if settings.default_model not in models:
        raise SettingsError(f"CNNVIS_DEFAULT_MODEL is {settings.default_model!r}; the models are {', '.join(models)}")
    connections = raise_open_file_limit(settings.max_connections)
    if connections < settings.max_connections:
        print(f"cnnvis: the system lets this process open few files; serving at most {connections} connections",
              file=sys.stderr)
        os.environ["CNNVIS_MAX_CONNECTIONS"] = str(connections)
        settings = Settings.from_env()
    uvicorn.run(
        "app.main:app", host=args.host, port=args.port, workers=args.workers, log_level="info",
        access_log=args.access_log,  # a line per request costs time while a class draws live
        **uvicorn_options(settings),
    )
    return 0


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    from .nn.architecture import ARCHITECTURES
    from .nn.datasets import DATASETS

    parser = argparse.ArgumentParser(prog="cnnvis", description="See inside a convolutional network.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a network on an MNIST-style IDX folder")
    train.add_argument("--data", required=True, help="folder with train-images-idx3-ubyte(.gz) and friends")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--out", required=True, help="weights file to write (.npz)")
    train.add_argument("--arch", default="lenet5", choices=sorted(ARCHITECTURES))
    train.add_argument("--dataset", default="mnist", choices=sorted(DATASETS),
                       help="what the images are: sets class names, augmentation and upload preparation")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=2e-3)
    train.add_argument("--optimizer", default="adam", choices=["adam", "sgd"])
    train.add_argument("--weight-decay", type=float, default=0.0, help="decoupled weight decay (Adam only)")
    train.add_argument("--limit", type=int, default=None, help="train on the first N digits only")
    train.add_argument("--no-augment", action="store_true", help="train on the digits as they are")
    train.add_argument("--checkpoints", default=None, metavar="DIR",
                       help="also write DIR/<out name>@epoch<N>.npz at epochs 0, 1, 2, 5, 10, 20 and the last")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("evaluate", help="accuracy and confusion matrix on a folder's t10k files")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--model", default="mnist", help="a shipped model id or a weights file")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(func=cmd_evaluate)

    exemplars = sub.add_parser("exemplars", help="precompute the 9 test images that excite each unit most")
    exemplars.add_argument("--model", default="mnist", help="a shipped model id or a weights file")
    exemplars.set_defaults(func=cmd_exemplars)
    imp = sub.add_parser("import", help="read an ONNX model (a chain of layers) into a weights file")
    imp.add_argument("model", help="the .onnx file")
    imp.add_argument("--out", required=True, help="weights file to write (.npz)")
    imp.add_argument("--name", help="the name the page shows")
    names = imp.add_mutually_exclusive_group()
    names.add_argument("--classes", help="class names, comma-separated, in output order")
    names.add_argument("--classes-file", help="a text file with one class name a line")
    imp.add_argument("--preparation", choices=["digit", "box", "photo"],
                     help="how uploads are prepared (default: photo for 3 channels, digit for 1)")
    imp.add_argument("--mean", type=float, nargs="+", help="per-channel mean (0..1 units) the model subtracts first")
    imp.add_argument("--std", type=float, nargs="+", help="per-channel standard deviation it divides by")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="write a model as an ONNX file")
    exp.add_argument("--model", required=True, help="a shipped model id or a weights file")
    exp.add_argument("--out", required=True, help="the .onnx file to write")
    exp.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve", help="start the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument("--model", action="append", metavar="FILE",
                       help="also serve this model (.npz or .onnx), as id file-<name>; repeatable")
    serve.add_argument("--models-dir", help="a folder holding mnist.npz and fashion.npz to serve instead of the shipped ones")
    limits = serve.add_argument_group("limits", "defaults in the README; each also settable as CNNVIS_<NAME>")
    limits.add_argument("--max-header-bytes", type=_positive(int), help="request line and headers (default 32768)")
    limits.add_argument("--header-timeout", type=_positive(float), help="seconds for a request's headers (default 10)")
    limits.add_argument("--body-timeout", type=_positive(float), help="seconds for a request's body (default 60)")
    limits.add_argument("--keep-alive-timeout", type=_positive(float), help="seconds an idle connection stays open (default 15)")
    limits.add_argument("--max-connections", type=_positive(int), help="open connections per worker (default 500)")
    limits.add_argument("--shutdown-timeout", type=_positive(float),
                        help="seconds unfinished requests get after SIGTERM (default 10)")
    serve.set_defaults(func=cmd_serve)
    return parser


# One BLAS thread per server process unless these say otherwise. A worker answers one small
# forward pass at a time, and the server runs one worker per core: a second BLAS thread would
# only take a core from the other worker's requests (a batched pass took ~90 ms with the
# default threads against ~14 ms with one, two workers on two cores).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Set the BLAS thread variables this process and its workers read when NumPy first loads."""
    for variable in BLAS_THREADS:
        os.environ.setdefault(variable, "1")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        one_blas_thread()  # before build_parser, which is the first to import NumPy
    args = build_parser().parse_args(argv)
    from .nn.idx import IdxError
    from .nn.weights import WeightsError
    from .onnx_io.errors import OnnxImportError
    from .settings import SettingsError

    try:
        return args.func(args)
    except (IdxError, WeightsError, SettingsError, OnnxImportError, FileNotFoundError) as err:
        print("cnnvis: " + " ".join(str(err).split()), file=sys.stderr)  # one line, whatever the message
        return 2


if __name__ == "__main__":
    sys.exit(main())
