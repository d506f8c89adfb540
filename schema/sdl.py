"""The committed SDL (schema/alliance.graphql): printed from the code, compared by a test."""

from __future__ import annotations

from pathlib import Path

from schema.api import build_schema

SDL_PATH = Path(__file__).with_name("alliance.graphql")


def printed() -> str:
    return build_schema().as_str() + "\n"


def write() -> Path:
    SDL_PATH.write_text(printed(), encoding="utf-8")
    return SDL_PATH
