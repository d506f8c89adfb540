"""Item 6: the portal reads every number a user sends with one parser that never raises, and a
hostile value is a 4xx naming the field in Chinese, never a 500 — first the parser on the values
that broke ``isdigit()`` + ``int()``, then the same values through the portal over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2
import pytest

from portal.forms import (
    INT_MAX,
    INT_MIN,
    NOT_A_NUMBER,
    UNREADABLE,
    Reading,
    read_integer,
    read_text,
)
from tests.operations.conftest import signed_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Each passes str.isdigit() (after lstrip("-")) or int() refuses it, or it overflows an Int.
HOSTILE = ["--5", "²", "1e9", "9" * 5000, "2147483648", "-2147483649", "1 2", "\x00", "12\x00", "٣"]
OUT_OF_RANGE = f"此项须在 {INT_MIN} 至 {INT_MAX} 之间。"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("", None),
        ("   ", None),
        ("\u3000 42 \t", 42),  # an ideographic space around it is trimmed
        ("１２", 12),  # full-width digits, as a Chinese input method types them
        ("－５", -5),
        ("-0", 0),
        ("007", 7),
        (str(INT_MAX), INT_MAX),
        (str(INT_MIN), INT_MIN),
        (None, None),
    ],
)
def test_numbers_people_type_are_read(typed, read):
    assert read_integer(typed) == Reading(read, None)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("--5", NOT_A_NUMBER),
        ("-", NOT_A_NUMBER),
        ("²", NOT_A_NUMBER),
        ("٣", NOT_A_NUMBER),  # an Arabic-Indic three: a digit to Python, not to a form
        ("1e9", NOT_A_NUMBER),
        ("1.5", NOT_A_NUMBER),
        ("1 2", NOT_A_NUMBER),
        ("+5", NOT_A_NUMBER),
        ("9" * 5000, OUT_OF_RANGE),  # int() refuses this many digits
        ("0" * 5000 + "1", 1),  # leading zeros are not size
        ("2147483648", OUT_OF_RANGE),
        ("-2147483649", OUT_OF_RANGE),
        ("\x00", UNREADABLE),
        ("12\x00", UNREADABLE),
    ],
)
def test_hostile_numbers_are_refused_with_a_message_never_an_exception(typed, error):
    reading = read_integer(typed)
    if isinstance(error, int):
        assert (reading.value, reading.error) == (error, None)
    else:
        assert (reading.value, reading.error) == (None, error)


def test_a_range_is_named_and_texts_refuse_control_characters():
    assert read_integer("0", 1).error == f"此项须在 1 至 {INT_MAX} 之间。"
    assert read_text("第一行\r\n\t第二行").value == "第一行\r\n\t第二行"
    assert read_text("名称\x00").error == UNREADABLE
    assert read_text("名称\x7f").error == UNREADABLE


# --- over real HTTP, signed in as the demo accounts ----------------------------------------------


@pytest.fixture(scope="module")
def graduate(portal) -> Iterator[httpx2.Client]:
    browser = signed_in(portal, "graduate", "/me")
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def school(portal) -> Iterator[httpx2.Client]:
    browser = signed_in(portal, "school", "/school")
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def enterprise(portal) -> Iterator[httpx2.Client]:
    browser = signed_in(portal, "enterprise", "/enterprise")
    yield browser
    browser.close()


def csrf(browser: httpx2.Client, path: str) -> str:
    return CSRF.search(browser.get(path).text).group(1)


@pytest.mark.db
@pytest.mark.parametrize("typed", HOSTILE, ids=repr)
def test_a_hostile_graduation_year_is_a_400_naming_the_field(graduate, typed):
    answer = graduate.post(
        "/me/intention",
        data={"csrf_token": csrf(graduate, "/me"), "graduationYear": typed, "expectedSalary": ""},
    )
    assert answer.status_code == 400, answer.text[:300]
    assert "「毕业年份」" in answer.text


@pytest.mark.db
@pytest.mark.parametrize("typed", ["--5", "²", "9" * 5000, "\x00"], ids=repr)
def test_a_hostile_filter_in_the_address_is_a_400_naming_the_field(school, typed):
    answer = school.get("/school", params={"cohortYear": typed})
    assert answer.status_code == 400 and "<title>请求有误" in answer.text, answer.text[:300]
    assert "「毕业年份」" in answer.text
    assert school.get("/school", params={"cohortYear": "２０２６"}).status_code == 200
    assert school.get("/school", params={"page": "²", "after": "x"}).status_code < 500


@pytest.mark.db
@pytest.mark.parametrize("typed", ["--5", "²", "-1", "1e9", "\x00"], ids=repr)
def test_a_tampered_hidden_version_is_a_400_naming_the_field(enterprise, typed):
    positions = enterprise.get("/enterprise").text
    position = re.search(r'href="/enterprise/positions/([^"/]+)"', positions)
    assert position, "the enterprise has no position to act on"
    path = f"/enterprise/positions/{position.group(1)}"
    answer = enterprise.post(
        f"{path}/close", data={"csrf_token": csrf(enterprise, path), "version": typed}
    )
    assert answer.status_code == 400, answer.text[:300]
    assert "「版本号」" in answer.text
