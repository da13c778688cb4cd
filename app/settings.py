"""Run-time settings, read once from the environment (CNNVIS_*), apart from the architecture."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 5 * 1024 * 1024  # any request body; larger is a 413 before it is read
    max_image_pixels: int = 16_000_000  # width * height of an uploaded image, against decompression bombs
    default_model: str = "mnist"
    gzip_min_bytes: int = 1024

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            max_body_bytes=_int("CNNVIS_MAX_BODY_BYTES", cls.max_body_bytes),
            max_image_pixels=_int("CNNVIS_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            default_model=os.environ.get("CNNVIS_DEFAULT_MODEL", cls.default_model),
        )
