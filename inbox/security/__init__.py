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
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": error.description}, error.code
    return render_template("error.html", error=error), error.code


def _server_error_page(error: HTTPException):  # type: ignore[no-untyped-def]
    """The styled page for an unexpected error; plain text if even the page cannot be drawn."""
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": "internal server error"}, 500
    try:
        return render_template("error.html", error=error), 500
    except Exception:  # noqa: BLE001  the template needs the database or the session that just failed
        return "Something went wrong on our side. Try again in a moment.\n", 500, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    init_headers(app)
    app.before_request(_refuse_nul)
    app.jinja_env.filters["external_url"] = safe_external_url
    for code in _PAGES_FOR:
        app.register_error_handler(code, _error_page)
    app.register_error_handler(500, _server_error_page)
