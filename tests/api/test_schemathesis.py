"""The API against its own OpenAPI document: schemathesis generates requests for every operation, valid
and invalid, sends them with a real admin token to the real app (database and Redis), and checks that
no answer is a 500 and every answer matches the document (status code, content type, body, headers).

Each operation runs as its own Hypothesis test inside one pytest test (schemathesis' pytest plugin
cannot take the app from a fixture under pytest 9), with a bounded number of examples per mode."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.workspace import open_ticket, user

EXAMPLES_PER_OPERATION = 15
# Schema-valid is not always acceptable: JSON Schema cannot say "a date between 1970 and 2999", "an ISO
# week that exists that year" or "a tag without control characters". Those get a 422 saying why; what a
# valid request must never get is a 400 or a 5xx.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})


@pytest.fixture
def api_schema(app):
    limits = {"API_RATE_LIMITS": app.config["API_RATE_LIMITS"], "API_INVALID_TOKEN_LIMITS": app.config["API_INVALID_TOKEN_LIMITS"]}
    app.config.update(API_RATE_LIMITS="100000/minute", API_INVALID_TOKEN_LIMITS="100000/minute")
    app.extensions.pop("inbox_api_limiter", None)
    app.extensions.pop("inbox_api_invalid_token_limiter", None)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    app.config.update(limits)
    app.extensions.pop("inbox_api_limiter", None)
    app.extensions.pop("inbox_api_invalid_token_limiter", None)


@pytest.fixture
def admin_token(app):
    from inbox.api.tokens import create_token

    admin = user("admin")
    open_ticket("fuzz-1", author="fuzz-a")  # ticket #1 and contact #1: the document's example ids
    open_ticket("fuzz-2", author="fuzz-b")
    return create_token(admin, "schemathesis", "write")[1]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_api_matches_its_document(api_schema, admin_token, mode):
    headers = {"Authorization": f"Bearer {admin_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as exc:  # noqa: BLE001  every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
