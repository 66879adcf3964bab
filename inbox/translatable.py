"""What a service says to a person (why an action was refused), kept in English until it is shown.

Services mark the sentence with ``N_`` — babel's no-op marker, so ``make catalog`` and tests/test_catalog.py
extract it — and give the values it names as parameters, never pasted into it:

    raise UserError(N_("a user with email %(email)s already exists", email=email))

``N_`` returns a :class:`Text`: a ``str`` holding the English sentence, which is what logs, the CLI and the API
show, and which remembers its msgid and parameters. The web UI says it in the reader's language only when it
shows it (``inbox.web.i18n.error_text``), so a service needs no request, no locale and no Flask-Babel.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Text(str):
    """An English sentence that can still be said in another language: `msgid` % `params`."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> "Text":
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid, self.params = msgid, params
        return self


def N_(msgid: str, /, **params: Any) -> Text:
    """Marks `msgid` for the message catalog without translating it; see the module docstring."""
    return Text(msgid, **params)


@dataclass(frozen=True)
class Label:
    """A stored value named in a sentence (a role): the value itself in English, its label word when shown."""

    group: str
    value: str

    def __str__(self) -> str:
        return self.value


def message_of(exc: BaseException) -> str:
    """The message `exc` was raised with, for raising it again as another error: a Text stays translatable."""
    message = exc.args[0] if len(exc.args) == 1 else None
    return message if isinstance(message, str) else str(exc)
