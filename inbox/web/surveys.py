"""The public survey page (no login: the signed token is the key) and the admin settings page."""
from __future__ import annotations

from typing import Any

from babel import Locale
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.roles import role_required
from ..extensions import db
from ..voice.surveys.models import SurveyInvitation, SurveyResponse
from ..voice.surveys.scores import SCALES
from ..voice.surveys.service import (
    AlreadyAnswered,
    SurveyError,
    answer_survey,
    invitation_for_token,
    invitation_language,
    save_survey_settings,
    survey_settings,
    survey_url,
    team_name,
)
from .blueprint import voice_bp as bp
from .i18n import error_text

_NO_INDEX = {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _invitation_or_404(token: str) -> SurveyInvitation:
    invitation = invitation_for_token(token)
    if invitation is None:
        abort(404, description=_("This survey link is not valid."))
    return invitation


def _page(invitation: SurveyInvitation, token: str, error: str | None = None, status: int = 200) -> Any:
    extra = invitation.extra_question
    return render_template(
        "voice/survey.html", invitation=invitation, token=token, error=error, answered=invitation.response,
        team_name=team_name(),
        extra=extra, extra_range=range(SCALES[extra][0], SCALES[extra][1] + 1) if extra else None,
        chosen=request.values.get("csat", ""), chosen_extra=request.values.get("extra", ""),
    ), status, _NO_INDEX


@bp.get("/survey/<token>")
def survey(token: str):
    """Shows the question; never records anything (link previews and scanners fetch it too)."""
    invitation = _invitation_or_404(token)
    with force_locale(invitation_language(invitation)):  # the customer's language, whatever the browser says
        return _page(invitation, token)


@bp.post("/survey/<token>")
def survey_answer(token: str):
    invitation = _invitation_or_404(token)
    with force_locale(invitation_language(invitation)):
        try:
            answer_survey(invitation, request.form.get("csat"), request.form.get("extra"))
        except AlreadyAnswered:
            db.session.refresh(invitation)
            return _page(invitation, token, status=409)
        except SurveyError as exc:
            return _page(invitation, token, error=error_text(exc), status=422)
        db.session.refresh(invitation)
        return _page(invitation, token)


@bp.route("/surveys/settings", methods=["GET", "POST"])
@role_required("admin")
def survey_settings_page():
    if request.method == "POST":
        try:
            save_survey_settings(request.form)
            flash(_("Survey settings saved."), "success")
        except SurveyError as exc:
            flash(error_text(exc), "error")
        return redirect(url_for("voice.survey_settings_page"))
    return render_template("voice/survey_settings.html", settings=survey_settings())


@bp.app_template_global()
def ticket_survey(ticket_id: int) -> dict[str, Any] | None:
    """The ticket page's survey box: the link to share and the answer, if any."""
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.ticket_id == ticket_id))
    if invitation is None:
        return None
    response: SurveyResponse | None = invitation.response
    language = Locale.parse(invitation_language(invitation)).get_display_name(get_locale() or "en")
    return {"url": survey_url(invitation), "sent_via": invitation.sent_via, "response": response, "language": language}
