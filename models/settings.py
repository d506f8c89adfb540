"""Process-wide settings, read once from the environment.

They live in the lowest layer so that every layer above (resolvers, auth, portal, the CLI, the
migrations) reads the same values without importing anything higher than itself.

A value that cannot be parsed is refused whatever the mode, and production (YULU_PRODUCTION=1)
refuses what is only safe on a developer's machine: the development secret key (it signs the
session cookie and encrypts the token signing keys, so whoever knows it — everyone, it is in this
file — could forge an admin session) and an issuer that is not https. The `yulu` command prints
the message of a :class:`SettingsError`, which names the variable, and exits non-zero.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'yulu.db'}"
DEVELOPMENT_SECRET_KEY = "development-only-secret-change-me"
# A production secret is random; 32 characters of token_urlsafe carry 192 bits.
MIN_PRODUCTION_SECRET_LENGTH = 32
# The federation key (YULU_FEDERATION_KEY) outside production: the person key works out of the box
# on a developer's machine; production must bring its own (it is shared with the partners).
DEVELOPMENT_FEDERATION_KEY = "development-only-federation-key-change-me"


class SettingsError(ValueError):
    """Settings the service must not start with; each line names its variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    database_url: str
    production: bool
    issuer: str
    access_token_seconds: int
    refresh_token_seconds: int
    secret_key: str
    # HMAC-SHA256 key of the person key (Person.idNumberHmac), shared with partner systems that
    # hold resident ID numbers; None: the person key is off (null everywhere, found by nothing).
    federation_key: str | None = None
    # The follow-up schedule (跟踪回访): months after a job's start (models.tracking.FollowUpDue).
    follow_up_months: tuple[int, ...] = (1, 3, 6, 12)


def _flag(name: str, default: str, problems: list[str]) -> bool:
    value = os.environ.get(name, default).strip()
    if value not in ("0", "1", ""):
        problems.append(f"{name}：只能是 0 或 1，现为 {value!r}。")
    return value == "1"


def _seconds(name: str, default: int, problems: list[str]) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not value.isascii() or not value.isdigit() or int(value) == 0:
        problems.append(f"{name}：须为正整数秒数，现为 {value!r}。")
        return default
    return int(value)


def _months(name: str, default: tuple[int, ...], problems: list[str]) -> tuple[int, ...]:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    parts = [part.strip() for part in value.split(",")]
    if not all(part.isascii() and part.isdigit() and 0 < int(part) <= 120 for part in parts):
        problems.append(f"{name}：须为逗号分隔的月数（1 至 120），例如 1,3,6,12，现为 {value!r}。")
        return default
    return tuple(sorted({int(part) for part in parts}))


def production_problems(settings: Settings) -> list[str]:
    """What production must not run with (empty outside production)."""
    if not settings.production:
        return []
    problems = []
    if (
        settings.secret_key == DEVELOPMENT_SECRET_KEY
        or len(settings.secret_key) < MIN_PRODUCTION_SECRET_LENGTH
    ):
        problems.append(
            f"YULU_SECRET_KEY：生产环境不能使用开发用的默认密钥或短于 {MIN_PRODUCTION_SECRET_LENGTH} 个字符的密钥；"
            "请设置随机密钥，例如 python3 -c 'import secrets; print(secrets.token_urlsafe(48))' 的输出。"
        )
    problems.extend(_federation_key_problems(settings))
    issuer = urlsplit(settings.issuer)
    if issuer.scheme != "https" or not issuer.hostname:
        problems.append(f"YULU_ISSUER：生产环境须为 https:// 地址，现为 {settings.issuer!r}。")
    return problems


def _federation_key_problems(settings: Settings) -> list[str]:
    key = settings.federation_key
    if key is None:
        return []
    if key == DEVELOPMENT_FEDERATION_KEY or len(key) < MIN_PRODUCTION_SECRET_LENGTH:
        return [
            f"YULU_FEDERATION_KEY：生产环境不能使用开发用的联邦密钥或短于 {MIN_PRODUCTION_SECRET_LENGTH} 个字符的密钥；"
            "它与持有身份证号的合作系统共享，用于计算人员键 idNumberHmac。"
        ]
    return []


def _federation_key(production: bool, problems: list[str]) -> str | None:
    """YULU_FEDERATION_KEY; YULU_FEDERATION_PERSON_KEY=0 turns the person key off. In production
    the key has no default: with the person key on, a missing key refuses to start."""
    enabled = _flag("YULU_FEDERATION_PERSON_KEY", "1", problems)
    key = os.environ.get("YULU_FEDERATION_KEY") or None
    if not enabled:
        return None
    if key is None and production:
        problems.append(
            "YULU_FEDERATION_KEY：生产环境启用了人员键（YULU_FEDERATION_PERSON_KEY=1），须设置与合作系统共享的随机密钥；"
            "不用人员键时设 YULU_FEDERATION_PERSON_KEY=0。"
        )
    return key or (None if production else DEVELOPMENT_FEDERATION_KEY)


def check_production(settings: Settings) -> None:
    problems = production_problems(settings)
    if problems:
        raise SettingsError(problems)


@lru_cache
def get_settings() -> Settings:
    env = os.environ.get
    problems: list[str] = []
    production = _flag("YULU_PRODUCTION", "0", problems)
    settings = Settings(
        database_url=env("YULU_DATABASE_URL", DEFAULT_DATABASE_URL),
        production=production,
        issuer=env("YULU_ISSUER", "http://127.0.0.1:8000"),
        access_token_seconds=_seconds("YULU_ACCESS_TOKEN_SECONDS", 900, problems),
        refresh_token_seconds=_seconds("YULU_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600, problems),
        secret_key=env("YULU_SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        federation_key=_federation_key(production, problems),
        follow_up_months=_months("YULU_FOLLOW_UP_MONTHS", (1, 3, 6, 12), problems),
    )
    if problems:
        raise SettingsError(problems)
    return settings
