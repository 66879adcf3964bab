"""The JSON API under /api/v1: personal tokens, problem+json errors, an OpenAPI 3.1 document generated
from the Pydantic models the views validate with (spec.py). See docs/api.md."""
from __future__ import annotations

import logging
import os

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ..auth.throttle import parse_limits
from ..extensions import csrf, db
from .auth import DEFAULT_INVALID_TOKEN_LIMITS, DEFAULT_RATE_LIMITS
from .blueprint import PREFIX, bp
from .problems import ApiProblem, from_http_exception, problem
from .spec import AnyDigits, openapi_document
from .views import people, reports, tickets  # noqa: F401  (their operations register on the blueprint)

log = logging.getLogger(__name__)



@bp.errorhandler(ApiProblem)
def _api_problem(exc: ApiProblem) -> Response:
    return problem(exc.status, exc.detail, exc.errors, exc.headers)


@bp.errorhandler(HTTPException)
def _http_problem(exc: HTTPException) -> Response:
    return from_http_exception(exc)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.exception("API request %s %s failed", request.method, request.path)

    db.session.rollback()
    return problem(500, "Something went wrong on our side; it has been logged.")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """Public, like any API's description: it names operations and shapes, never data."""
    return jsonify(openapi_document(PREFIX))


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def init_app(app: Flask) -> None:
    """Called by create_app: the routes, CSRF exemption (checked again for session requests in auth.py)."""
    for name, default in (("API_RATE_LIMITS", DEFAULT_RATE_LIMITS), ("API_INVALID_TOKEN_LIMITS", DEFAULT_INVALID_TOKEN_LIMITS)):
        spec = os.environ.get(f"INBOX_{name}") or default
        try:
            parse_limits(spec)
        except ValueError as exc:
            raise ValueError(f"INBOX_{name} must look like '{default}', got {spec!r}") from exc
        app.config.setdefault(name, spec)

    app.url_map.converters["api_id"] = AnyDigits
    csrf.exempt(bp)
    app.register_blueprint(bp)
