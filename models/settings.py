"""Process-wide settings: one validated object, read once from the ``YULU_*`` environment.

They live in the lowest layer so that every layer above (resolvers, auth, portal, the CLI, the
migrations) reads the same values without importing anything higher than itself.

Every variable is declared once below, typed and described (``yulu settings`` prints them, and
the README's settings table lists them). A value that cannot be parsed is refused whatever the
mode, and production (YULU_PRODUCTION=1) refuses what is only safe on a developer's machine: the
development secret key (it signs the session cookie and encrypts the token signing keys, so
whoever knows it — everyone, it is in this file — could forge an admin session) and an issuer
that is not https. The `yulu` command prints the message of a :class:`SettingsError`, which
names each variable, and exits non-zero.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as UnreadableSetting

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'yulu.db'}"
DEVELOPMENT_SECRET_KEY = "development-only-secret-change-me"
# A production secret is random; 32 characters of token_urlsafe carry 192 bits.
MIN_PRODUCTION_SECRET_LENGTH = 32
# The federation key (YULU_FEDERATION_KEY) outside production: the person key works out of the box
# on a developer's machine; production must bring its own (it is shared with the partners).
DEVELOPMENT_FEDERATION_KEY = "development-only-federation-key-change-me"
PREFIX = "YULU_"
DAY = 24 * 3600


class SettingsError(ValueError):
    """Settings the service must not start with; each line names its variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TrustedIssuer:
    """An external OIDC issuer (a province's identity platform, a central SOE's SSO ...), one
    item of YULU_TRUSTED_ISSUERS; keys other than these are ignored.

    Its tokens name the member by its unified social credit code; organisation and region are
    then taken from our own records, so an issuer cannot place a member in another region.
    """

    issuer: str
    jwks_uri: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    token_types: tuple[str, ...] = ("at+jwt",)
    role_claim: str = "role"
    organisation_claim: str = "organisation_credit_code"
    scope_claim: str = "scope"
    # External role names → ours, e.g. {"hr": "agency"}; unmapped values are taken as they are.
    role_map: dict[str, str] = Field(default_factory=dict)


def _zero_or_one(value: Any) -> Any:
    """A flag is written 0 or 1 (or left empty): "yes", "true" or "on" are refused, not guessed."""
    if isinstance(value, str):
        value = value.strip()
        if value not in ("0", "1", ""):
            raise ValueError("只能是 0 或 1")
        return value == "1"
    return value


Flag = Annotated[bool, BeforeValidator(_zero_or_one)]


def _secret(description: str, default: Any = None, **options: Any) -> Any:
    """A field whose value ``yulu settings`` and ``repr`` never show."""
    return Field(
        default, description=description, repr=False, json_schema_extra={"secret": True}, **options
    )


class Settings(BaseSettings):
    """Everything the service reads from its environment. Each field ``x`` is ``YULU_X``."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, extra="ignore", validate_default=True
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the database: sqlite+aiosqlite:///… or postgresql+asyncpg://…",
    )
    production: Flag = Field(
        False,
        description="1 in production: no introspection or GraphiQL, masked errors, secure cookies, "
        "and the checks below on the secret and the issuer",
    )
    issuer: str = Field(
        "http://127.0.0.1:8000",
        description="this server's public base URL: the OAuth issuer (https in production)",
    )
    audience: str | None = Field(
        None, description="the aud of our access tokens (default: <issuer>/graphql)"
    )
    access_token_seconds: int = Field(
        900, gt=0, le=DAY, description="lifetime of an access token, in seconds"
    )
    refresh_token_seconds: int = Field(
        30 * DAY, gt=0, le=366 * DAY, description="lifetime of a refresh token, in seconds"
    )
    secret_key: str = _secret(
        "signs the session cookie and encrypts the signing keys at rest "
        f"(production: random, ≥ {MIN_PRODUCTION_SECRET_LENGTH} characters)",
        DEVELOPMENT_SECRET_KEY,
        min_length=1,
    )
    trusted_issuers: tuple[TrustedIssuer, ...] = Field(
        (),
        description="JSON array of external OIDC issuers whose access tokens the API accepts; "
        "each item has issuer, jwks_uri, audience (and optionally algorithms, token_types, "
        "role_claim, organisation_claim, scope_claim, role_map)",
    )
    gateway_hmac_secret: str | None = _secret(
        "the secret Hive Gateway signs subgraph requests with; when set, unsigned _entities and "
        "_service requests are refused"
    )
    log_level: str = Field(
        "INFO", description="lowest level of the JSON log lines: DEBUG, INFO, WARNING or ERROR"
    )
    otlp_endpoint: str | None = Field(
        None,
        validation_alias=AliasChoices("YULU_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        description="OTLP/HTTP collector base URL (e.g. http://collector:4318); traces are "
        "exported there when set, and not recorded at all otherwise. "
        "OTEL_EXPORTER_OTLP_ENDPOINT is read too",
    )
    metrics_token: str | None = _secret(
        "bearer token a Prometheus scraper sends to /metrics; without it /metrics is open in "
        "development and closed (404) in production",
        min_length=16,
    )
    federation_person_key: Flag = Field(
        True,
        description="1: persons carry the federation person key (idNumberHmac); 0 turns it off "
        "(null everywhere, found by nothing)",
    )
    # HMAC-SHA256 key of the person key (Person.idNumberHmac), shared with partner systems that
    # hold resident ID numbers; None: the person key is off.
    federation_key: str | None = _secret(
        "HMAC-SHA256 key of the person key, shared with the partners that hold ID numbers "
        "(production: random, ≥ 32 characters; development: a development key)"
    )
    # Comma-separated in the environment (1,3,6,12), not JSON: NoDecode hands the text to
    # _schedule.
    follow_up_months: Annotated[tuple[int, ...], NoDecode] = Field(
        (1, 3, 6, 12),
        description="the follow-up schedule (跟踪回访): months after a job's start when a "
        "follow-up falls due, comma-separated, each 1 to 120",
    )

    @model_validator(mode="after")
    def _effective_federation_key(self) -> Settings:
        """Off with the person key; outside production, a development key when none is set.
        Production without a key is refused (``production_problems``)."""
        key = self.federation_key or None
        if not self.federation_person_key:
            key = None
        elif key is None and not self.production:
            key = DEVELOPMENT_FEDERATION_KEY
        object.__setattr__(self, "federation_key", key)  # frozen: set once, while validating
        return self

    @field_validator("follow_up_months", mode="before")
    @classmethod
    def _schedule(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = [part.strip() for part in value.split(",")]
        if not all(part.isascii() and part.isdigit() and 0 < int(part) <= 120 for part in parts):
            raise ValueError("须为逗号分隔的月数（1 至 120），例如 1,3,6,12")
        return tuple(sorted({int(part) for part in parts}))

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("须为 DEBUG、INFO、WARNING 或 ERROR")
        return level

    @field_validator("issuer", "otlp_endpoint")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None:
            address = urlsplit(value)
            if address.scheme not in ("http", "https") or not address.hostname:
                raise ValueError("须为 http:// 或 https:// 地址")
        return value

    @property
    def token_audience(self) -> str:
        return self.audience or f"{self.issuer.rstrip('/')}/graphql"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (tests and tools that build settings in code)."""
        unknown = set(changes) - set(type(self).model_fields)
        if unknown:
            raise TypeError(f"no such settings: {', '.join(sorted(unknown))}")
        return self.model_copy(update=changes)

    def production_problems(self) -> list[str]:
        """What production must not run with (empty outside production)."""
        if not self.production:
            return []
        problems = []
        if (
            self.secret_key == DEVELOPMENT_SECRET_KEY
            or len(self.secret_key) < MIN_PRODUCTION_SECRET_LENGTH
        ):
            problems.append(
                f"YULU_SECRET_KEY：生产环境不能使用开发用的默认密钥或短于 {MIN_PRODUCTION_SECRET_LENGTH} 个字符的密钥；"
                "请设置随机密钥，例如 python3 -c 'import secrets; print(secrets.token_urlsafe(48))' 的输出。"
            )
        problems.extend(self._federation_key_problems())
        if urlsplit(self.issuer).scheme != "https":
            problems.append(f"YULU_ISSUER：生产环境须为 https:// 地址，现为 {self.issuer!r}。")
        return problems

    def _federation_key_problems(self) -> list[str]:
        key = self.federation_key
        if key is None and self.federation_person_key:
            return [
                "YULU_FEDERATION_KEY：生产环境启用了人员键（YULU_FEDERATION_PERSON_KEY=1），须设置与合作系统共享的随机密钥；"
                "不用人员键时设 YULU_FEDERATION_PERSON_KEY=0。"
            ]
        if key is not None and (
            key == DEVELOPMENT_FEDERATION_KEY or len(key) < MIN_PRODUCTION_SECRET_LENGTH
        ):
            return [
                f"YULU_FEDERATION_KEY：生产环境不能使用开发用的联邦密钥或短于 {MIN_PRODUCTION_SECRET_LENGTH} 个字符的密钥；"
                "它与持有身份证号的合作系统共享，用于计算人员键 idNumberHmac。"
            ]
        return []

    def shown(self) -> list[tuple[str, str, str]]:
        """(variable, effective value, description) of every setting; secrets only say whether
        they are set."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None:
                value = "(unset)"
            elif is_secret(field):
                development = value in (field.default, DEVELOPMENT_FEDERATION_KEY)
                value = "(development default)" if development else "****** (set)"
            elif isinstance(value, bool):
                value = int(value)
            elif isinstance(value, tuple):
                value = f"{len(value)} item(s): " + ", ".join(
                    getattr(item, "issuer", str(item)) for item in value
                )
            rows.append((variable(name), str(value), field.description or ""))
        return rows


def is_secret(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("secret"))


def variable(field: str) -> str:
    return PREFIX + field.upper()


def _variable_of(location: tuple[Any, ...]) -> str:
    """``YULU_X`` for field ``x`` (an aliased field is located by its variable already), with
    the place inside a JSON value: ``YULU_TRUSTED_ISSUERS[0].jwks_uri``."""
    if not location:
        return PREFIX + "*"
    head, *inside = location
    name = str(head) if str(head).isupper() else variable(str(head))
    return name + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in inside)


def _is_secret(location: tuple[Any, ...]) -> bool:
    field = Settings.model_fields.get(str(location[0])) if location else None
    return field is not None and is_secret(field)


def _problem(error: Any) -> str:
    location = tuple(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    shown = "" if isinstance(given, dict | list) or _is_secret(location) else f"，现为 {given!r}"
    return f"{_variable_of(location)}：{message}{shown}。"


def load_settings(**overrides: Any) -> Settings:
    """The environment's settings, or a SettingsError naming every variable that is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError([_problem(item) for item in error.errors()]) from None
    except UnreadableSetting as error:  # a JSON value that is not JSON
        field = re.search(r'field "(\w+)"', str(error))
        name = variable(field.group(1)) if field else PREFIX + "*"
        raise SettingsError([f"{name}：不是有效的 JSON（{error.__cause__}）。"]) from None


def check_production(settings: Settings) -> None:
    problems = settings.production_problems()
    if problems:
        raise SettingsError(problems)


@lru_cache
def get_settings() -> Settings:
    return load_settings()
