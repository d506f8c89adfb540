"""Composition: the committed SDL files match the partners' code, and compose; a subgraph that
contradicts another fails composition with a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.local import GATEWAY_DIR, PARTNERS, compose, print_alliance_sdl
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


def test_a_contradicting_subgraph_fails_composition(tmp_path: Path) -> None:
    # The job board claiming Organisation.name is an Int contradicts the alliance's String!.
    organisation = 'type Organisation @key(fields: "id") {\n  id: ID!\n'
    broken = JOB_BOARD.sdl().replace(organisation, f"{organisation}  name: Int\n", 1)
    assert broken != JOB_BOARD.sdl()
    (tmp_path / "job_board.graphql").write_text(broken)
    with pytest.raises(RuntimeError, match="composition error"):
        compose(
            tmp_path / "supergraph.graphql",
            {},
            {
                "alliance": print_alliance_sdl(tmp_path / "alliance.graphql"),
                "job_board": tmp_path / "job_board.graphql",
            },
        )


def test_committed_supergraph_is_current(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    compose(out, {})
    assert out.read_text() == (GATEWAY_DIR / "supergraph.graphql").read_text(), (
        "the subgraphs changed: run `make supergraph` and commit gateway/supergraph.graphql"
    )
