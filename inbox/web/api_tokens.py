"""Settings → API tokens: each person creates and revokes their own personal tokens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..api.models import TOKEN_SCOPES
from ..api.tokens import TokenError, create_token, revoke_token, tokens_of
from .blueprint import bp
from .i18n import error_text


@bp.get("/settings/api-tokens")
@login_required
def api_tokens():
    return render_template("api_tokens.html", tokens=tokens_of(current_user), scopes=TOKEN_SCOPES, created=None, form={})


@bp.post("/settings/api-tokens")
@login_required
def api_token_create():
    form = {"name": request.form.get("name", ""), "scope": request.form.get("scope", "read")}
    try:
        token, plaintext = create_token(current_user, form["name"], form["scope"])
    except TokenError as exc:
        flash(_("Token not created: %(reason)s", reason=error_text(exc)), "error")
        return render_template("api_tokens.html", tokens=tokens_of(current_user), scopes=TOKEN_SCOPES, created=None,
                               form=form), 422
    # shown on this response only: the database keeps the hash
    response = render_template("api_tokens.html", tokens=tokens_of(current_user), scopes=TOKEN_SCOPES,
                               created=(token, plaintext), form={})
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/settings/api-tokens/<int:token_id>/revoke")
@login_required
def api_token_revoke(token_id: int):
    try:
        token = revoke_token(token_id, current_user)
        flash(_("Token “%(name)s” revoked; requests using it are refused from now on.", name=token.name), "success")
    except TokenError as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("web.api_tokens"))
