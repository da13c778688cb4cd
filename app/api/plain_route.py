"""A route whose handler is called with the request as it is.

FastAPI's own handler reads the body, works out the handler's parameters and dependencies,
and checks what it returns, on every request. The routes a drawing asks many times a second
(/api/predict, /api/explain) read and check their JSON themselves (app/api/bodies.py) and
return a finished Response, so that work would be spent for nothing: it cost about as much
CPU as LeNet's forward pass. A PlainRoute keeps everything else an APIRoute has: its place
in /openapi.json (with the body described through `openapi_extra`), the app's exception
handlers, and its middleware.

A handler of a PlainRoute takes one parameter, the Request, and returns a Response; what it
needs from the app it reads from `request.app.state` (see `registry_of`).
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from starlette.requests import Request

from .deps import Registry


class PlainRoute(APIRoute):
    def get_route_handler(self):
        return self.endpoint


def registry_of(request: Request) -> Registry:
    """The app's models and settings, as the RegistryDep dependency gives them to other routes."""
    return request.app.state.registry
