"""The ``cnnvis`` command: train, evaluate, serve."""

from __future__ import annotations

import argparse
import json
import sys

from .nn.architecture import ARCHITECTURES
from .nn.datasets import DATASETS


def cmd_train(args) -> int:
    from .nn.train import TrainSettings, run

    settings = TrainSettings(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
        weight_decay=args.weight_decay, augment=not args.no_augment, seed=args.seed, limit=args.limit,
        dataset=args.dataset,
    )
    metadata = run(args.data, args.out, settings, arch=args.arch)
    test = metadata.get("test_accuracy")
    summary = f"wrote {args.out}: train accuracy {metadata['train_accuracy'] * 100:.2f}%"
    if test is not None:
        summary += f", test accuracy {test * 100:.2f}% on {metadata['test_count']} digits"
    print(summary)
    return 0


def cmd_evaluate(args) -> int:
    from .models import load_model
    from .nn import idx
    from .nn.evaluate import evaluate, format_report

    model = load_model(args.model)
    images, labels = idx.load_split(args.data, "t10k")
    result = evaluate(model.network, images, labels)
    print(json.dumps(result) if args.json else format_report(result))
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:app", host=args.host, port=args.port, workers=args.workers, log_level="info",
        access_log=args.access_log,  # a line per request costs time while a class draws live
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
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
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("evaluate", help="accuracy and confusion matrix on a folder's t10k files")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--model", default="mnist", help="a shipped model id or a weights file")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(func=cmd_evaluate)

    serve = sub.add_parser("serve", help="start the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .nn.idx import IdxError
    from .nn.weights import WeightsError

    try:
        return args.func(args)
    except (IdxError, WeightsError, FileNotFoundError) as err:
        print(f"cnnvis: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
