"""Request values an attacker controls, read so that nothing out of range reaches the database.

Ids are INTEGER columns (32-bit on PostgreSQL): a larger number is not an id of ours, so it is a
404, not a database error. Dates and ISO weeks are kept to a span the date arithmetic of reports
can always extend by a few weeks in both directions.
"""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from ..translatable import N_

MAX_ID = 2**31 - 1
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 31)


class BadParameter(BadRequest):
    """A 400 whose description says which value was refused and why (shown on the error page)."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1 … 2³¹-1, so /tickets/2147483648 is a 404 like any missing row."""

    def __init__(self, map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _digits(raw: str | None, max_len: int) -> str | None:
    """`raw` stripped, if it is 1 … max_len ASCII digits. `str.isdigit()` alone is not enough: it
    accepts "²" and "١٢", which int() refuses or reads as a number nobody typed."""
    value = (raw or "").strip()
    return value if value.isascii() and value.isdigit() and len(value) <= max_len else None


def parse_id(raw: str | None) -> int | None:
    """A positive id as typed in a form or query string, or None when it cannot be one of ours."""
    value = _digits(raw, len(str(MAX_ID)))
    number = int(value) if value is not None else 0
    return number if 0 < number <= MAX_ID else None


def parse_bounded_int(raw: str | None, low: int, high: int) -> int | None:
    """A whole number typed in a form, within [low, high]; None otherwise (never a huge int)."""
    value = _digits(raw, len(str(high)))
    if value is None:
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_decimal(raw: str | None, low: float, high: float, places: int = 2) -> float | None:
    """A number with at most `places` decimals ("80", "12.5") within [low, high]; None otherwise
    (no exponent, no "nan" or "inf", no digits of another script)."""
    whole, dot, fraction = (raw or "").strip().partition(".")
    if _digits(whole, len(str(int(high)))) is None or (dot and fraction and _digits(fraction, places) is None):
        return None
    number = float(f"{whole}.{fraction or 0}")
    return number if low <= number <= high else None


def check_date(value: date, name: str) -> date:
    """`value` if reports can work with it; otherwise a 400 that says the accepted span."""
    if not MIN_DATE <= value <= MAX_DATE:
        raise BadParameter(N_("“%(name)s” must be a date between %(first)s and %(last)s.", name=name,
                              first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()))
    return value


def has_nul(args: MultiDict[str, str]) -> bool:
    """Whether any name or value of a query string holds a NUL, which no text column stores."""
    return any("\x00" in name or any("\x00" in value for value in values) for name, values in args.lists())
