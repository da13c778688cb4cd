"""Run-time settings, read once from the environment (CNNVIS_*), apart from the architecture."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 1024 * 1024  # any request body; larger is a 413 before it is read
    max_image_pixels: int = 16_000_000  # width * height of an uploaded image, against decompression bombs
    default_model: str = "mnist"
    gzip_min_bytes: int = 1024
    max_concurrent_decodes: int = 2  # pictures one process decodes at once (~100 MB each at the pixel limit)
    decode_wait_seconds: float = 10.0  # how long an upload waits for a decoding slot before a 503

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            max_body_bytes=_int("CNNVIS_MAX_BODY_BYTES", cls.max_body_bytes),
            max_image_pixels=_int("CNNVIS_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            default_model=os.environ.get("CNNVIS_DEFAULT_MODEL", cls.default_model),
            max_concurrent_decodes=max(1, _int("CNNVIS_MAX_CONCURRENT_DECODES", cls.max_concurrent_decodes)),
            decode_wait_seconds=max(0.0, _float("CNNVIS_DECODE_WAIT_SECONDS", cls.decode_wait_seconds)),
        )
