"""Composition, by both composers (the Guild's, which writes the gateway's supergraph, and
Apollo's): the committed SDL files match the partners' code and compose; a subgraph that
contradicts another fails composition with a non-zero exit; the shared value types are what let
a partner declare its own PageInfo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.local import GATEWAY_DIR, PARTNERS, compose, print_alliance_sdl, run
from gateway.partners.job_board.app import PARTNER as JOB_BOARD
from gateway.partners.social_insurance.app import PARTNER as SOCIAL_INSURANCE


@pytest.mark.parametrize("partner", [SOCIAL_INSURANCE, JOB_BOARD], ids=lambda partner: partner.name)
def test_committed_partner_sdl_is_the_code(partner) -> None:
    assert partner.sdl_path.read_text(encoding="utf-8") == partner.sdl(), (
        f"run `make supergraph` to refresh {partner.sdl_path}"
    )


def test_alliance_and_partners_compose(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    compose(out, {}, {"alliance": print_alliance_sdl(tmp_path / "alliance.graphql")})
    supergraph = out.read_text()
    for name in ("ALLIANCE", *(partner.upper() for partner in PARTNERS)):
        assert f"{name} @join__graph" in supergraph
    assert (
        "insuredEmployment: InsuredEmployment @join__field(graph: SOCIAL_INSURANCE) @authenticated"
        in supergraph
    )


APOLLO_COMPOSE = Path(__file__).parent / "apollo_composition" / "compose.mjs"


def compose_with_guild(tmp_path: Path, sdls: dict[str, Path]) -> None:
    compose(tmp_path / "supergraph.graphql", {}, sdls)


def compose_with_apollo(_tmp_path: Path, sdls: dict[str, Path]) -> None:
    overrides = [argument for name, sdl in sdls.items() for argument in ("--sdl", f"{name}={sdl}")]
    output = run(["node", str(APOLLO_COMPOSE), *overrides], dict(os.environ))
    assert output.startswith(f"composed: {', '.join(PARTNERS_AND_ALLIANCE)}")


PARTNERS_AND_ALLIANCE = ("alliance", *PARTNERS)
COMPOSERS = pytest.mark.parametrize(
    "composer", [compose_with_guild, compose_with_apollo], ids=["guild", "apollo"]
)


@COMPOSERS
def test_both_composers_accept_the_subgraphs(tmp_path: Path, composer) -> None:
    composer(tmp_path, {"alliance": print_alliance_sdl(tmp_path / "alliance.graphql")})


@COMPOSERS
def test_a_contradicting_subgraph_fails_composition(tmp_path: Path, composer) -> None:
    # The job board claiming Organisation.name is an Int contradicts the alliance's String!.
    organisation = 'type Organisation @key(fields: "id") {\n  id: ID!\n'
    broken = JOB_BOARD.sdl().replace(organisation, f"{organisation}  name: Int\n", 1)
    assert broken != JOB_BOARD.sdl()
    (tmp_path / "job_board.graphql").write_text(broken)
    with pytest.raises(RuntimeError, match="composition error"):
        composer(
            tmp_path,
            {
                "alliance": print_alliance_sdl(tmp_path / "alliance.graphql"),
                "job_board": tmp_path / "job_board.graphql",
            },
        )


@COMPOSERS
def test_a_partners_own_page_info_composes_because_it_is_shareable(
    tmp_path: Path, composer
) -> None:
    # The school registry declares its own PageInfo (its connections): it composes with the
    # alliance's only while both say @shareable.
    registry_sdl = GATEWAY_DIR / "partners" / "school_registry" / "schema.graphql"
    assert "type PageInfo @shareable {" in registry_sdl.read_text()
    alliance = print_alliance_sdl(tmp_path / "alliance.graphql")
    composer(tmp_path, {"alliance": alliance})
    unshared = alliance.read_text().replace("type PageInfo @shareable {", "type PageInfo {", 1)
    assert unshared != alliance.read_text()
    alliance.write_text(unshared)
    with pytest.raises(RuntimeError, match="composition error"):
        composer(tmp_path, {"alliance": alliance})


def test_partners_join_by_the_person_key_and_by_credit_code(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    compose(out, {}, {"alliance": print_alliance_sdl(tmp_path / "alliance.graphql")})
    supergraph = out.read_text()
    assert '@join__type(graph: SCHOOL_REGISTRY, key: "idNumberHmac")' in supergraph
    assert '@join__type(graph: SCHOOL_REGISTRY, key: "creditCode")' in supergraph
    # The key is for the gateway's plans only: no client of the supergraph may select it.
    (key_field,) = [line for line in supergraph.splitlines() if "  idNumberHmac:" in line]
    assert "@join__field(graph: SCHOOL_REGISTRY" in key_field and key_field.endswith(
        "@inaccessible"
    )


def test_committed_supergraph_is_current(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    compose(out, {})
    assert out.read_text() == (GATEWAY_DIR / "supergraph.graphql").read_text(), (
        "the subgraphs changed: run `make supergraph` and commit gateway/supergraph.graphql"
    )
