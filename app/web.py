"""The visualizer page: GET / renders templates/index.html; its scripts and styles are under /static."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from .paths import TEMPLATES_DIR

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

router = APIRouter(tags=["page"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def read_index(request: Request):
    """The page where a student draws a digit and sees every layer."""
    models = getattr(request.app.state, "models", {}) or {}
    settings = getattr(request.app.state, "settings", None)
    default = getattr(settings, "default_model", None)
    if default not in models:
        default = next(iter(models), "")
    choices = [{"id": m.id, "name": m.name} for m in models.values()]
    return templates.TemplateResponse(request, "index.html", {"default_model": default, "models": choices})
