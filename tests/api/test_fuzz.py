"""A fuzz run over the OpenAPI schema: whatever schemathesis sends, the answer is never a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.main import create_app

# Starting a training job is left out: each would train a real network in a process of its
# own; tests/api/test_train.py sends it bad settings of every kind instead.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).exclude(method="POST", path="/api/train")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_finds_no_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
