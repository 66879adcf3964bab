"""What an admin fills in to connect an account: each connector folder's `settings.py` lists its
fields; the admin pages and the CLI build their forms from that list."""
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

    def read(self, form: Mapping[str, str]) -> Any:
        """The value the form gives; None leaves the stored value as it is (an empty secret, a blank field)."""
        if self.kind == "checkbox":
            return form.get(self.key) == "on"
        raw = (form.get(self.key) or "").strip()
        if not raw:
            return None
        if self.kind == "number":
            if not raw.isdigit():
                raise ValueError(N_("%(field)s must be a whole number", field=self.label))
            return int(raw)
        if self.kind == "choice" and raw not in self.choices:
            raise ValueError(N_("%(field)s must be one of %(choices)s", field=self.label, choices=", ".join(self.choices)))
        return raw


def fields_for(kind: str) -> tuple[SettingField, ...]:
    try:
        module = importlib.import_module(f"inbox.connectors.{kind}.settings")
    except ImportError:
        return ()
    return tuple(getattr(module, "FIELDS", ()))
