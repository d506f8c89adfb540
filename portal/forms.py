"""From an HTML form (or an address's query) to a mutation's input, and from the payload's
errors back to the form.

Form fields are named like the GraphQL input fields (camelCase), so an error's ``field`` from
the API lands next to the input it is about without any mapping table.

Every value a user sends is read here, by ``read_integer`` and ``read_text``, which never raise:
whatever was typed or put in an address (``--5``, ``²``, ``1e9``, a thousand digits, NUL bytes)
is a value or an error message that starts with 此项 (``FIELD``), which the form shows with the
field's label in its place. Full-width digits and minus (１２, －５), as Chinese input methods
type them, are numbers. A value that is not on a visible form (a hidden version, a query's
filter) is read with ``integer_or_400``: a wrong one is a 400 page naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from portal.labels import FIELD, error_message, named_field

NOT_A_NUMBER = f"{FIELD}须填写整数（不带小数点和单位）。"  # 此项…, named by its label where shown
REQUIRED = f"{FIELD}为必填项，请填写或选择后再提交。"
UNREADABLE = f"{FIELD}含有无法识别的控制字符（如 NUL），请删除后重新填写。"
# GraphQL's Int: a value outside it could not even be sent.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－", "0123456789-")
_ASCII_DIGITS = frozenset("0123456789")
# Control characters a browser may send in a textarea's line breaks and tabs; the rest (NUL …) no
# input method types.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def out_of_range(minimum: int, maximum: int) -> str:
    return f"{FIELD}须在 {minimum} 至 {maximum} 之间。"


@dataclass(frozen=True)
class Reading:
    """A value read from user input: the value (None when left blank), or why it is refused."""

    value: Any = None
    error: str | None = None


def _unreadable(text: str) -> bool:
    return any(
        (ord(character) < 32 and character not in _ALLOWED_CONTROLS) or ord(character) == 127
        for character in text
    )


def read_text(raw: object) -> Reading:
    """Trimmed text; blank is None; control characters (NUL …) are refused."""
    text = str(raw if raw is not None else "").strip()
    if _unreadable(text):
        return Reading(error=UNREADABLE)
    return Reading(text or None)


def read_integer(raw: object, minimum: int = INT_MIN, maximum: int = INT_MAX) -> Reading:
    """An integer in [minimum, maximum], in ASCII or full-width digits with an optional leading
    minus; blank is None. Never raises: ``int()`` would take ``²`` for a digit and fail, and
    refuse (or spend seconds on) thousands of digits."""
    text = read_text(raw)
    if text.error or text.value is None:
        return text
    digits = text.value.translate(_FULL_WIDTH)
    negative = digits.startswith("-")
    digits = digits.removeprefix("-")
    if not digits or not set(digits) <= _ASCII_DIGITS:
        return Reading(error=NOT_A_NUMBER)
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(max(abs(minimum), abs(maximum)))):
        return Reading(error=out_of_range(minimum, maximum))
    number = -int(significant) if negative else int(significant)
    if not minimum <= number <= maximum:
        return Reading(error=out_of_range(minimum, maximum))
    return Reading(number)


def integer_or_400(
    raw: object, label: str, minimum: int = INT_MIN, maximum: int = INT_MAX
) -> int | None:
    """An integer from outside a visible form (a hidden field, the address); a wrong one is a
    400 page whose message names the field by ``label``."""
    reading = read_integer(raw, minimum, maximum)
    if reading.error:
        raise HTTPException(400, named_field(reading.error, label))
    return reading.value


def version_of(form: FormData) -> int:
    """The version of the record a form was rendered at (its hidden ``version``; 0 if none): the
    API refuses the change when the record has moved on since."""
    return integer_or_400(form.get("version"), "版本号", 0) or 0


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
        readings = {name: read_text(form.get(name)) for name in self.texts + self.dates}
        readings.update({name: read_integer(form.get(name)) for name in self.integers})
        for name, reading in readings.items():
            if reading.error:
                errors.add(name, reading.error)
            elif reading.value is not None:
                parsed[name] = reading.value
        for name in self.lists:
            values = [read_text(value) for value in form.getlist(name)]
            if any(value.error for value in values):
                errors.add(name, UNREADABLE)
            parsed[name] = [value.value for value in values if value.value is not None]
        parsed.update({name: name in form for name in self.flags})
        for name in self.required:
            if parsed.get(name) in (None, "", []):
                errors.add(name, REQUIRED)
        return parsed, errors
