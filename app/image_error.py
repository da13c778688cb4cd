"""The one error an uploaded picture can raise, shared by the modules that decode and prepare it."""

from __future__ import annotations


class ImageError(ValueError):
    """An image we cannot use; ``status`` is the HTTP status that says why (413, 415, 422)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
