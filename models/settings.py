"""Process-wide settings, read once from the environment.

They live in the lowest layer so that every layer above (resolvers, auth, portal, the CLI, the
migrations) reads the same values without importing anything higher than itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'yulu.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    production: bool
    issuer: str
    access_token_seconds: int
    refresh_token_seconds: int
    secret_key: str


@lru_cache
def get_settings() -> Settings:
    env = os.environ.get
    return Settings(
        database_url=env("YULU_DATABASE_URL", DEFAULT_DATABASE_URL),
        production=env("YULU_PRODUCTION", "0") == "1",
        issuer=env("YULU_ISSUER", "http://127.0.0.1:8000"),
        access_token_seconds=int(env("YULU_ACCESS_TOKEN_SECONDS", "900")),
        refresh_token_seconds=int(env("YULU_REFRESH_TOKEN_SECONDS", str(30 * 24 * 3600))),
        secret_key=env("YULU_SECRET_KEY", "development-only-secret-change-me"),
    )
