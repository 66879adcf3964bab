"""API operations: one decorator declares an operation's method, path, role, query, body and answer.

It registers the Flask route, runs authentication, validates the query string and the JSON body
with the declared Pydantic models, serialises the answer with the declared response model, and
records everything the OpenAPI document (`openapi_document`) needs. Views stay thin: they get the
caller and validated models, and return a model (or a ready Response for files)."""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from werkzeug.routing import BaseConverter

from .auth import Caller, authenticate
from .problems import PROBLEM_TYPE, ApiProblem, validation_errors
from .schemas import Problem

JSON_TYPE = "application/json"
MAX_ID = 2**31 - 1
REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    role: str
    response: type[BaseModel] | None
    status: int
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    errors: tuple[int, ...]
    produces: str
    description: str = ""
    path_params: list[str] = field(default_factory=list)
    refusals: tuple[str, ...] = ()  # what else this operation answers 422 for, beyond its schema


OPERATIONS: list[Operation] = []


def _json_body(model: type[BaseModel]) -> BaseModel:
    if not request.mimetype or request.mimetype != JSON_TYPE:
        raise ApiProblem(415, "Send the body as application/json.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiProblem(422, "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiProblem(422, "The body is not valid.", errors=validation_errors(exc, "body")) from None


def _query(model: type[BaseModel]) -> BaseModel:
    values = {name: request.args.get(name) for name in request.args}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ApiProblem(422, "The query string is not valid.", errors=validation_errors(exc, "query")) from None


class AnyDigits(BaseConverter):
    """Any run of digits routes to the operation, which answers 404 for an id out of range: a bounded
    converter would make werkzeug answer 405 when another method's rule has the same path."""

    regex = r"[0-9]+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= 12 else MAX_ID + 1

    def to_url(self, value: Any) -> str:
        return str(int(value))


def _converter(match: re.Match[str]) -> str:
    """Ids (`…_id`) are digits (AnyDigits); any other parameter is one path segment."""
    name = match.group(1)
    return f"<api_id:{name}>" if name.endswith("_id") else f"<string:{name}>"


def _path_schema(name: str) -> dict[str, Any]:
    if name.endswith("_id"):
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "examples": [1]}
    return {"type": "string", "minLength": 1, "maxLength": 200}


def operation(bp: Blueprint, method: str, path: str, *, summary: str, tag: str, response: type[BaseModel] | None = None,
              status: int = 200, query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
              role: str = "agent", errors: tuple[int, ...] = (), produces: str = JSON_TYPE,
              description: str = "", refusals: tuple[str, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    method = method.upper()

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(method, path, view.__name__, summary, tag, role, response, status, query, body, errors, produces,
                       description or (view.__doc__ or "").strip(), _PATH_PARAM.findall(path), refusals)

        @functools.wraps(view)
        def wrapped(**path_args: Any) -> Response:
            caller: Caller = authenticate(method, role)
            for name, value in path_args.items():
                if isinstance(value, int) and not 1 <= value <= MAX_ID:
                    raise ApiProblem(404, f"No such {name.removesuffix('_id')}.")
            kwargs: dict[str, Any] = dict(path_args)
            if query is not None:
                kwargs["query"] = _query(query)
            if body is not None:
                kwargs["body"] = _json_body(body)
            result = view(caller, **kwargs)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status=status)
            return Response(result.model_dump_json(by_alias=True), status=status, mimetype=JSON_TYPE)

        bp.add_url_rule(_PATH_PARAM.sub(_converter, path), endpoint=op.operation_id, view_func=wrapped, methods=[method])
        OPERATIONS.append(op)
        return wrapped

    return decorator


# -- the OpenAPI 3.1 document ----------------------------------------------------------------------

def _no_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string: "null" is not a value it can take."""
    variants = schema.get("anyOf")
    if variants:
        kept = [v for v in variants if v.get("type") != "null"]
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        schema = {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _no_null(dict(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}}}


_ERROR_TEXT = {400: "Malformed request (bad JSON, a failed CSRF check on a session request, NUL characters)",
               401: "No valid token or session", 403: "The token's scope or the user's role does not allow this",
               404: "No such resource (or a user or contact the body names)", 409: "The change conflicts with the ticket's state", 413: "Body too large",
               415: "The body is not application/json", 422: "A value was refused (see errors)",
               429: "Rate limit reached (see Retry-After)"}


def openapi_document(server_url: str = "/api/v1") -> dict[str, Any]:
    models: list[type[BaseModel]] = [Problem]
    for op in OPERATIONS:
        models += [m for m in (op.response, op.body) if m is not None]
    unique = list(dict.fromkeys(models))
    _, definitions = models_json_schema(
        [(m, "validation" if any(m is op.body for op in OPERATIONS) else "serialization") for m in unique],
        by_alias=True, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        parameters = [{"name": p, "in": "path", "required": True, "schema": _path_schema(p)} for p in op.path_params]
        if op.query is not None:
            parameters += _query_parameters(op.query)
        codes = {401, 403, 429, *op.errors}
        if op.path_params or op.body is not None:
            codes.add(404)
        if op.query is not None:
            codes |= {400, 422}
        if op.body is not None:
            codes |= {400, 413, 415, 422}
        if op.method != "GET":
            codes.add(400)  # CSRF on session requests
        responses: dict[str, Any] = {}
        if op.response is not None:
            if op.produces == JSON_TYPE:
                content = {JSON_TYPE: {"schema": {"$ref": REF.format(model=op.response.__name__)}}}
            else:
                content = {op.produces: {"schema": {"type": "string"}}}
            responses[str(op.status)] = {"description": op.summary, "content": content}
        elif op.produces != JSON_TYPE:
            responses[str(op.status)] = {"description": op.summary, "content": {op.produces: {"schema": {"type": "string"}}}}
        else:
            responses[str(op.status)] = {"description": op.summary}
        if op.refusals:
            codes.add(422)
        for code in sorted(codes):
            text = _ERROR_TEXT.get(code, "Error")
            if code == 422 and op.refusals:
                text += ", among them: " + "; ".join(op.refusals)
            responses[str(code)] = _problem(text)
        entry: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.tag],
                                 "parameters": parameters, "responses": responses,
                                 "x-inbox-role": op.role}
        if op.description:
            entry["description"] = op.description + f"\n\nNeeds the {op.role} role" + (
                "" if op.method == "GET" else " and a write token") + "."
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {JSON_TYPE: {"schema": {"$ref": REF.format(model=op.body.__name__)}}}}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Inbox API", "version": "1.0.0",
                 "description": "Tickets, messages, notes, contacts, users, SLA outcomes, metrics and exports. See docs/api.md."},
        "servers": [{"url": server_url}],
        "security": [{"bearerToken": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "A personal API token from Settings → API tokens (starts with inbox_)."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser session; requests that change data also need the X-CSRFToken header."},
            },
        },
    }
