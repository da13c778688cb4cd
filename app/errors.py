"""Every error becomes JSON with a sentence in `detail`: never a stack trace, never HTML.

An unexpected exception (a 500) is answered by app.middleware.ServerErrors.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Match

from .api.responses import JSONBytes
from .api.schemas import ApiError
from .web import templates


# The validator's words ("Input should be greater than or equal to 1") said as a rule about the field.
_RULES = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_too_long": "must be at most {max_length} characters",
    "literal_error": "must be {expected}",
    "enum": "must be {expected}",
    "missing": "is missing",
    "extra_forbidden": "is not a field this request takes",
}


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    rule = _RULES.get(error.get("type", ""))
    if where and rule:
        try:
            return f"{where} {rule.format(**error.get('ctx', {}))}"
        except (KeyError, IndexError, ValueError):
            pass
    return f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid request")


def _methods_for(request: Request) -> list[str]:
    """Every method some route takes at this path. The framework's Allow header names those of
    the first route that matched the path alone (DELETE for /api/models/{id}, not GET too)."""
    found = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            found.append(method)
    return found


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
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405 and detail == "Method Not Allowed":
            allowed = _methods_for(request)
            detail = f"{request.url.path} does not take {request.method[:10]}: use {' or '.join(allowed)}."
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        if _wants_page(request):
            title = "Page not found" if exc.status_code == 404 else "This address cannot do that"
            context = {"status": exc.status_code, "title": title, "message": detail}
            return templates.TemplateResponse(request, "error.html", context, status_code=exc.status_code)
        return JSONBytes({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(ClientDisconnect)
    async def on_client_gone(request: Request, exc: ClientDisconnect):
        return Response(status_code=400)  # nobody is listening: nothing to log, nothing to say
