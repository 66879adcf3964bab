"""Errors as RFC 9457 problem details (application/problem+json), for every failure of an API route."""
from __future__ import annotations

from typing import Any

from flask import Response, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"
_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           409: "Conflict", 413: "Payload too large", 415: "Unsupported media type", 422: "Unprocessable content",
           429: "Too many requests", 500: "Internal server error", 503: "Service unavailable"}


class ApiProblem(Exception):
    """Raised by API code to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status,
                            "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    """Pydantic's errors in a stable, JSON-safe shape: where, which field, what is wrong."""
    return [{"in": where, "field": ".".join(str(p) for p in e.get("loc", ())) or None, "message": e.get("msg", "invalid")}
            for e in exc.errors(include_url=False, include_input=False)]


def from_http_exception(exc: HTTPException) -> Response:
    code = exc.code or 500
    detail = exc.description if isinstance(exc.description, str) else _TITLES.get(code, "Error")
    if code == 404 and detail.startswith("The requested URL was not found"):
        detail = "No such resource."
    response = problem(code, detail)
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response
