"""Every error becomes JSON with a sentence in `detail`: never a stack trace, never HTML.

An unexpected exception (a 500) is answered by app.middleware.ServerErrors.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from .api.responses import JSONBytes
from .api.schemas import ApiError
from .web import templates


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid request")


def _wants_page(request: Request) -> bool:
    """A browser navigating to an address outside the API gets a page, not JSON."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError):
        return JSONBytes({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError):
        problems = "; ".join(_describe(e) for e in exc.errors()[:5])
        return JSONBytes({"detail": f"The request is not as expected: {problems}."}, status_code=422)

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"Nothing here: {request.url.path} is not a page or API route of cnnvis."
        if _wants_page(request):
            title = "Page not found" if exc.status_code == 404 else "This address cannot do that"
            context = {"status": exc.status_code, "title": title, "message": detail}
            return templates.TemplateResponse(request, "error.html", context, status_code=exc.status_code)
        return JSONBytes({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(ClientDisconnect)
    async def on_client_gone(request: Request, exc: ClientDisconnect):
        return Response(status_code=400)  # nobody is listening: nothing to log, nothing to say
