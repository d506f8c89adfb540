"""Item 1: every setting is validated when any `yulu` command starts — a bad value stops it with
a message naming the variable, never a traceback — and `yulu settings` shows the effective
values with the secrets hidden."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.operations.conftest import yulu_environment

SECRET = "a-secret-nobody-may-read-0123456789"
BAD = [
    ("YULU_ACCESS_TOKEN_SECONDS", "１２"),  # full-width digits are not a number of seconds
    ("YULU_ACCESS_TOKEN_SECONDS", "1e9"),
    ("YULU_REFRESH_TOKEN_SECONDS", "99999999999999999999999"),
    ("YULU_REFRESH_TOKEN_SECONDS", "0"),
    ("YULU_PRODUCTION", "true"),
    ("YULU_TRUSTED_ISSUERS", '[{"issuer": "https://idp.example"}]'),  # no jwks_uri, no audience
    ("YULU_TRUSTED_ISSUERS", "not json"),
    ("YULU_ISSUER", "127.0.0.1:8000"),
    ("YULU_LOG_LEVEL", "verbose"),
    ("YULU_OTLP_ENDPOINT", "collector:4318"),
    ("YULU_METRICS_TOKEN", "short"),
]


def yulu(*args: str, **settings: str) -> subprocess.CompletedProcess:
    env = yulu_environment("sqlite+aiosqlite:////nonexistent/never-opened.db", **settings)
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("variable", "value"), BAD, ids=[f"{v}={w}" for v, w in BAD])
def test_a_bad_setting_stops_yulu_naming_the_variable(variable, value):
    run = yulu("settings", **{variable: value})
    assert run.returncode != 0 and run.stdout == ""
    assert variable in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_yulu_settings_prints_every_setting_with_the_secrets_hidden():
    run = yulu(
        "settings",
        YULU_SECRET_KEY=SECRET,
        YULU_METRICS_TOKEN=SECRET + "-metrics",
        YULU_GATEWAY_HMAC_SECRET=SECRET + "-gateway",
        YULU_FEDERATION_KEY=SECRET + "-federation",
        YULU_ACCESS_TOKEN_SECONDS="600",
    )
    assert run.returncode == 0, run.stderr
    assert SECRET not in run.stdout
    shown = dict(line.split("=", 1) for line in run.stdout.splitlines() if line.startswith("YULU_"))
    assert {
        shown[name] for name in ("YULU_SECRET_KEY", "YULU_METRICS_TOKEN", "YULU_FEDERATION_KEY")
    } == {"****** (set)"}
    assert shown["YULU_ACCESS_TOKEN_SECONDS"] == "600"
    assert shown["YULU_DATABASE_URL"] == "sqlite+aiosqlite:////nonexistent/never-opened.db"
    assert shown["YULU_OTLP_ENDPOINT"] == "(unset)"
    expected = {
        "YULU_DATABASE_URL",
        "YULU_PRODUCTION",
        "YULU_ISSUER",
        "YULU_AUDIENCE",
        "YULU_ACCESS_TOKEN_SECONDS",
        "YULU_REFRESH_TOKEN_SECONDS",
        "YULU_SECRET_KEY",
        "YULU_TRUSTED_ISSUERS",
        "YULU_GATEWAY_HMAC_SECRET",
        "YULU_LOG_LEVEL",
        "YULU_OTLP_ENDPOINT",
        "YULU_METRICS_TOKEN",
        "YULU_FEDERATION_PERSON_KEY",
        "YULU_FEDERATION_KEY",
        "YULU_FOLLOW_UP_MONTHS",
    }
    assert set(shown) == expected
