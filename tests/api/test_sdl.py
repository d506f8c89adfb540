"""The committed SDL is the schema: every API change shows up in review (`make schema`)."""

from schema import sdl


def test_committed_sdl_matches_the_code():
    assert sdl.SDL_PATH.read_text(encoding="utf-8") == sdl.printed(), (
        "run `make schema` and commit it"
    )


def test_entities_and_auth_directives_are_declared():
    text = sdl.printed()
    for entity in ("Organisation", "Person", "Position", "TrainingClass", "Region"):
        assert (
            f'type {entity} implements Node @key(fields: "id")' in text
            or f"type {entity} implements Node" in text
        )
    assert "federation/v2.9" in text
    assert "@requiresScopes" in text and "@authenticated" in text
