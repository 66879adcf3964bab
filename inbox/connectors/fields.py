"""What an admin fills in to connect an account: each connector folder's `settings.py` lists its
fields; the admin pages and the CLI build their forms from that list, and every way of saving
settings (`inbox.channels.settings`) checks the values with `SettingField.check`."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Mapping

from ..translatable import N_


@dataclass(frozen=True)
class SettingField:
    key: str
    label: str
    kind: str = "text"  # text | secret | number | checkbox | choice
    required: bool = False
    help: str = ""
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: int = 0  # numbers only
    maximum: int = 2**31 - 1
    # a server the connector connects to ("url": http(s) address, "host": name or address): the
    # outbound guard checks it when it is saved and again when the connector connects
    server: str = ""

    def read(self, form: Mapping[str, str]) -> Any:
        """The value the form gives; None leaves the stored value as it is (an empty secret, a blank field)."""
        if self.kind == "checkbox":
            return form.get(self.key) == "on"
        raw = (form.get(self.key) or "").strip()
        if not raw:
            return None
        return self.check(raw)

    def check(self, value: Any) -> Any:
        """`value` as this field stores it (a number as int); ValueError in words an admin can act on."""
        if self.kind == "number":
            text = str(value).strip()
            if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
                raise ValueError(N_("%(field)s must be a whole number", field=self.label))
            if len(text) > len(str(self.maximum)) or not self.minimum <= int(text) <= self.maximum:
                raise ValueError(N_("%(field)s must be a whole number from %(low)s to %(high)s", field=self.label,
                                    low=self.minimum, high=self.maximum))
            return int(text)
        if self.kind == "choice" and value not in self.choices:
            raise ValueError(N_("%(field)s must be one of %(choices)s", field=self.label, choices=", ".join(self.choices)))
        return value


def fields_for(kind: str) -> tuple[SettingField, ...]:
    try:
        module = importlib.import_module(f"inbox.connectors.{kind}.settings")
    except ImportError:
        return ()
    return tuple(getattr(module, "FIELDS", ()))
