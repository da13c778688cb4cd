"""A fuzz run over the OpenAPI schema: whatever schemathesis sends, the answer is never a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.main import create_app

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_finds_no_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
