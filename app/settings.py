"""Run-time settings, read once from the environment (CNNVIS_*), apart from the architecture.

`cnnvis serve` writes its command-line flags into the same variables before it starts the
server, so every worker process reads one set of values from one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def default_state_dir() -> Path:
    """Where the server keeps what it makes (job files, trained models): CNNVIS_STATE_DIR, else
    $XDG_STATE_HOME/cnnvis, else ~/.local/state/cnnvis."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "cnnvis"


class SettingsError(ValueError):
    """A setting with a value that cannot be used; the message names the variable."""


def _number(name: str, default, kind):
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {value!r}") from None
    if not 0 < number < float("inf"):
        raise SettingsError(f"{name} must be more than 0, not {value!r}")
    return number


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 1024 * 1024  # any request body; larger is a 413 before it is read
    max_image_pixels: int = 16_000_000  # width * height of an uploaded image, against decompression bombs
    default_model: str = "mnist"
    gzip_min_bytes: int = 1024
    max_concurrent_decodes: int = 2  # pictures one process decodes at once (~100 MB each at the pixel limit)
    decode_wait_seconds: float = 10.0  # how long an upload waits for a decoding slot before a 503
    models_dir: Path | None = None  # a folder of mnist.npz and fashion.npz instead of the shipped ones
    # The server's limits (app/server.py). A class drawing live sends small requests with
    # headers of about 1 KB, each answered in milliseconds; these stop what is not that.
    max_header_bytes: int = 32 * 1024  # request line and headers; larger is a 431
    header_timeout: float = 10.0  # seconds from a connection's first byte to the end of its headers
    body_timeout: float = 60.0  # seconds for a whole body (5 MB at 1 Mbit/s takes 40)
    keep_alive_timeout: float = 15.0  # an idle connection is closed after this many seconds
    max_connections: int = 500  # per worker; past it idle ones are closed, or the newcomer gets a 503
    shutdown_timeout: float = 10.0  # on SIGTERM, unfinished requests get this long before they are cut
    # Training from the page (app/training): job files and trained models live under state_dir.
    state_dir: Path = field(default_factory=lambda: default_state_dir())
    train_max_waiting: int = 30  # jobs waiting behind the running one; one more is a 429
    train_max_seconds: float = 300.0  # a job running longer fails with a reason
    train_max_epochs: int = 20
    train_max_images: int = 9000  # training images per job (the shipped samples hold 9,000 plus 1,000 held out)
    trained_models_max: int = 30  # trained models kept; the least recently used go first
    # Models users upload (POST /api/models), kept in a folder every worker reads.
    uploaded_models_dir: Path = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "cnnvis" / "models"
    model_uploads: bool = True  # CNNVIS_MODEL_UPLOADS=0 turns uploads (and deleting them) off
    max_model_bytes: int = 20 * 1024 * 1024  # one uploaded model file, apart from the picture limit
    max_model_params: int = 5_000_000  # parameters of one uploaded model
    max_uploaded_models: int = 50  # kept; the least recently used beyond this are removed
    extra_models: tuple[str, ...] = ()  # files given to `cnnvis serve --model`

    @classmethod
    def from_env(cls) -> Settings:
        models_dir = os.environ.get("CNNVIS_MODELS_DIR")
        return cls(
            max_body_bytes=_number("CNNVIS_MAX_BODY_BYTES", cls.max_body_bytes, int),
            max_image_pixels=_number("CNNVIS_MAX_IMAGE_PIXELS", cls.max_image_pixels, int),
            default_model=os.environ.get("CNNVIS_DEFAULT_MODEL", cls.default_model),
            max_concurrent_decodes=_number("CNNVIS_MAX_CONCURRENT_DECODES", cls.max_concurrent_decodes, int),
            decode_wait_seconds=_number("CNNVIS_DECODE_WAIT_SECONDS", cls.decode_wait_seconds, float),
            models_dir=Path(models_dir) if models_dir else None,
            max_header_bytes=_number("CNNVIS_MAX_HEADER_BYTES", cls.max_header_bytes, int),
            header_timeout=_number("CNNVIS_HEADER_TIMEOUT", cls.header_timeout, float),
            body_timeout=_number("CNNVIS_BODY_TIMEOUT", cls.body_timeout, float),
            keep_alive_timeout=_number("CNNVIS_KEEP_ALIVE_TIMEOUT", cls.keep_alive_timeout, float),
            max_connections=_number("CNNVIS_MAX_CONNECTIONS", cls.max_connections, int),
            shutdown_timeout=_number("CNNVIS_SHUTDOWN_TIMEOUT", cls.shutdown_timeout, float),
            state_dir=Path(os.environ.get("CNNVIS_STATE_DIR") or default_state_dir()),
            train_max_waiting=_number("CNNVIS_TRAIN_MAX_WAITING", cls.train_max_waiting, int),
            train_max_seconds=_number("CNNVIS_TRAIN_MAX_SECONDS", cls.train_max_seconds, float),
            train_max_epochs=_number("CNNVIS_TRAIN_MAX_EPOCHS", cls.train_max_epochs, int),
            train_max_images=_number("CNNVIS_TRAIN_MAX_IMAGES", cls.train_max_images, int),
            trained_models_max=_number("CNNVIS_TRAINED_MODELS_MAX", cls.trained_models_max, int),
            uploaded_models_dir=Path(os.environ.get("CNNVIS_UPLOADED_MODELS_DIR") or cls.uploaded_models_dir),
            model_uploads=os.environ.get("CNNVIS_MODEL_UPLOADS", "1").strip().lower() not in ("0", "false", "no", "off"),
            max_model_bytes=_number("CNNVIS_MAX_MODEL_BYTES", cls.max_model_bytes, int),
            max_model_params=_number("CNNVIS_MAX_MODEL_PARAMS", cls.max_model_params, int),
            max_uploaded_models=_number("CNNVIS_MAX_UPLOADED_MODELS", cls.max_uploaded_models, int),
            extra_models=tuple(p for p in os.environ.get("CNNVIS_EXTRA_MODELS", "").split(os.pathsep) if p),
        )
