"""Web hardening installed by create_app: bounded ids in routes, refusal of NUL characters, security
headers, the http(s)-only link filter and readable error pages."""
from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..api import is_api_request
from ..api.problems import from_http_exception
from ..security.links import safe_external_url
from ..security.params import IdConverter, has_nul
from .headers import init_app as init_headers
from .i18n import error_text

_PAGES_FOR = (400, 403, 404, 405, 413, 429)


def install_converters(app: Flask) -> None:
    """Before any blueprint is registered: every `<int:…>` in a route is an id of ours (1 … 2³¹-1)."""
    app.url_map.converters["int"] = IdConverter


def _refuse_nul() -> None:
    # no text column stores NUL, and PostgreSQL refuses it even inside a query; forms check their own
    # fields (so a page can come back with what was typed and the reason)
    if has_nul(request.args):
        abort(400, description=_("A query string with NUL characters is not accepted."))


# werkzeug's words for the errors a person can meet here; its own are English only
def _standard_errors() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood: a form field or address is not valid.")),
        403: (_("Not allowed"), _("Your role does not give you access to this page or action.")),
        404: (_("Not found"), _("There is nothing at this address. It may have been deleted, or the link is wrong.")),
        405: (_("Not allowed this way"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("The upload is larger than this server accepts.")),
        429: (_("Too many requests"), _("Too many requests in a short time. Wait a moment and try again.")),
        500: (_("Something went wrong"), _("The server could not finish this request. It has been logged; try again.")),
    }


def error_words(error: HTTPException) -> tuple[str, str]:
    """Title and explanation in the reader's language: our own description when the code gave one (it is
    translated where it is raised), else the standard words for the status."""
    title, standard = _standard_errors().get(error.code or 500, (error.name, error.description or ""))
    own = error.description if error.description and error.description != type(error).description else None
    return title, error_text(own) if own else standard


def _error_page(error: HTTPException):  # type: ignore[no-untyped-def]
    if is_api_request():  # raised before an API route was reached (an unknown method, a NUL in the query)
        return from_http_exception(error)
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": error.description}, error.code
    title, message = error_words(error)
    return render_template("error.html", error=error, title=title, message=message), error.code


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
