"""From an HTML form to a mutation's input, and from the payload's errors back to the form.

Form fields are named like the GraphQL input fields (camelCase), so an error's ``field`` from
the API lands next to the input it is about without any mapping table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from portal.labels import FIELD, error_message

NOT_A_NUMBER = f"{FIELD}须填写整数（不带小数点和单位）。"  # 此项…, named by its label where shown
REQUIRED = f"{FIELD}为必填项，请填写或选择后再提交。"


@dataclass
class FormErrors:
    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)

    def add(self, name: str | None, message: str) -> None:
        if name and name not in self.by_field:
            self.by_field[name] = message
        elif not name:
            self.general.append(message)

    @classmethod
    def from_payload(cls, errors: list[dict], known_fields: set[str]) -> FormErrors:
        """User errors of a payload; those about fields the form does not show go on top."""
        collected = cls()
        for error in errors:
            name = error.get("field")
            collected.add(name if name in known_fields else None, error_message(error))
        return collected


@dataclass(frozen=True)
class FormSpec:
    """Which form fields a mutation input takes, by type; a blank optional text is left out."""

    texts: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # left blank: an inline error, the mutation is not sent

    @property
    def names(self) -> set[str]:
        return {*self.texts, *self.integers, *self.dates, *self.lists, *self.flags}

    def values(self, form: FormData) -> dict[str, Any]:
        """What the user typed, kept as text, to show the form again."""
        shown: dict[str, Any] = {
            name: form.get(name, "") for name in self.texts + self.integers + self.dates
        }
        shown.update({name: form.getlist(name) for name in self.lists})
        shown.update({name: name in form for name in self.flags})
        return shown

    def parse(self, form: FormData) -> tuple[dict[str, Any], FormErrors]:
        parsed: dict[str, Any] = {}
        errors = FormErrors()
        for name in self.texts + self.dates:
            text = str(form.get(name, "")).strip()
            if text:
                parsed[name] = text
        for name in self.integers:
            text = str(form.get(name, "")).strip()
            if text.lstrip("-").isdigit():
                parsed[name] = int(text)
            elif text:
                errors.add(name, NOT_A_NUMBER)
        parsed.update({name: [v for v in form.getlist(name) if v] for name in self.lists})
        parsed.update({name: name in form for name in self.flags})
        for name in self.required:
            if parsed.get(name) in (None, "", []):
                errors.add(name, REQUIRED)
        return parsed, errors
