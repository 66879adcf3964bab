"""Language and time zone of each request (Flask-Babel), and the message catalogs it reads.

The catalogs live as ``.po`` files in ``inbox/translations``; their compiled ``.mo`` twins are built
here when missing or older than the ``.po`` so a checkout never serves stale or absent translations.
"""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale, gettext, refresh
from flask_login import current_user

from ..labels import label
from ..translatable import Label, Text, message_of

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ja")
DEFAULT_LOCALE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"


def _user_setting(name: str) -> str | None:
    if not has_request_context():
        return None
    try:
        user = current_user._get_current_object()
    except Exception:  # noqa: BLE001  the database is down: the outage page must still render
        return None
    return getattr(user, name, None) if user is not None and user.is_authenticated else None


def select_locale() -> str:
    """The signed-in user's chosen language, else the browser's best match, else English."""
    chosen = _user_setting("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if not has_request_context():
        return DEFAULT_LOCALE
    return request.accept_languages.best_match(SUPPORTED_LOCALES, default=DEFAULT_LOCALE)


def select_timezone() -> str:
    """The signed-in user's time zone when they set a valid one, else the team's INBOX_TIMEZONE."""
    for chosen in (_user_setting("timezone"), current_app.config.get("INBOX_TIMEZONE")):
        if chosen:
            try:
                ZoneInfo(chosen)
            except (ValueError, ZoneInfoNotFoundError):
                continue
            return chosen
    return "UTC"


def error_text(said: BaseException | str | None) -> str:
    """What a service said (the exception it raised, or the problem it returned) in the reader's language.

    A :class:`~inbox.translatable.Text` is translated now, and so are its parameters that are themselves a Text,
    a Label or an exception; any other message is shown as it is (a service that already translated it, or a
    network's own words)."""
    if said is None:
        return ""
    if isinstance(said, BaseException):
        message = message_of(said)
        return error_text(message) if isinstance(message, Text) else str(said)
    if not isinstance(said, Text):
        return str(said)
    if not said.params:
        return gettext(said.msgid)
    return gettext(said.msgid, **{name: _param_text(value) for name, value in said.params.items()})


def said(stored: str | None) -> str:
    """A sentence stored in English as its own message key (a delivery error, a set-aside reason, an account's
    status detail) in the reader's language; one the catalog does not know (a network's own words) as it is.
    A reply still being retried is stored as "retrying: <why>"."""
    if not stored:
        return ""
    for prefix in ("retrying: ",):
        if stored.startswith(prefix):
            return gettext("retrying: %(reason)s", reason=said(stored[len(prefix):]))
    return gettext(stored)


def _param_text(value: object) -> object:
    if isinstance(value, (Text, BaseException)):
        return error_text(value)
    if isinstance(value, Label):
        return label(value.group, value.value)
    return value


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or stale; returns the files written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)  # atomic: another process starting at the same time reads a whole file
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    compile_catalogs()
    Babel(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )

    # Flask-Babel caches the choice on `g`, which lives as long as the app context: a request inside a
    # longer-lived one (a test client, a worker's job) must choose afresh
    app.before_request(refresh)

    app.jinja_env.globals["error_text"] = error_text
    app.jinja_env.filters["said"] = said

    @app.context_processor
    def _locale_context() -> dict[str, str]:
        return {"current_locale": str(get_locale() or DEFAULT_LOCALE)}
