"""Web hardening installed by create_app: bounded ids in routes, refusal of NUL characters, security
headers, the http(s)-only link filter and readable error pages."""
from __future__ import annotations

from flask import Flask, abort, render_template, request
from werkzeug.exceptions import HTTPException

from .headers import init_app as init_headers
from .links import safe_external_url
from .params import IdConverter, has_nul

_PAGES_FOR = (400, 403, 404, 405, 413, 429)


def install_converters(app: Flask) -> None:
    """Before any blueprint is registered: every `<int:…>` in a route is an id of ours (1 … 2³¹-1)."""
    app.url_map.converters["int"] = IdConverter


def _refuse_nul() -> None:
    # no text column stores NUL, and PostgreSQL refuses it even inside a query; forms check their own
    # fields (so a page can come back with what was typed and the reason)
    if has_nul(request.args):
        abort(400, description="A query string with NUL characters is not accepted.")


def _error_page(error: HTTPException):  # type: ignore[no-untyped-def]
    from ..api import is_api_request
    from ..api.problems import from_http_exception

    if is_api_request():  # raised before an API route was reached (an unknown method, a NUL in the query)
        return from_http_exception(error)
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": error.description}, error.code
    return render_template("error.html", error=error), error.code


def init_app(app: Flask) -> None:
    init_headers(app)
    app.before_request(_refuse_nul)
    app.jinja_env.filters["external_url"] = safe_external_url
    for code in _PAGES_FOR:
        app.register_error_handler(code, _error_page)
