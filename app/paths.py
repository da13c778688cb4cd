"""Where the package finds its files, whether installed or run from a checkout.

An installed package carries its templates and static files inside it (app/templates,
app/static, copied there by the build); a checkout keeps them at the project's top level.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _asset_dir(name: str) -> Path:
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


STATIC_DIR = _asset_dir("static")
TEMPLATES_DIR = _asset_dir("templates")
