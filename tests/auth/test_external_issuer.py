"""Tokens from a trusted external OIDC issuer, whose JWKS is served by a second local app."""

from __future__ import annotations

from joserfc.jwk import ECKey

from tests.auth.oauth_client import userinfo


async def test_external_token_maps_role_and_member_from_our_records(live_app, external_idp):
    token = external_idp.sign(external_idp.keys[0], scope="alliance:read profile admin")
    answer = await userinfo(live_app, token)
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert me["role"] == "bureau" and me["region"] == "500229" and me["region_level"] == "county"
    assert me["user_id"] is None and me["client_id"] == "province-portal"
    assert "admin" not in me["scope"].split()  # an external issuer cannot grant admin


async def test_unknown_kid_refetches_the_jwks_once(live_app, external_idp):
    await userinfo(live_app, external_idp.sign(external_idp.keys[0], scope="profile"))
    rotated = external_idp.add_key("ext-rotated")
    fetches = external_idp.fetches

    answer = await userinfo(live_app, external_idp.sign(rotated, scope="profile"))

    assert answer.status_code == 200
    assert external_idp.fetches == fetches + 1


async def test_kid_unknown_even_after_refetch_is_refused(live_app, external_idp):
    stranger = ECKey.generate_key("P-256", parameters={"kid": "ext-never"}, private=True)
    assert (
        await userinfo(live_app, external_idp.sign(stranger, scope="profile"))
    ).status_code == 401


async def test_external_issuer_cannot_assert_admin(live_app, external_idp):
    token = external_idp.sign(external_idp.keys[0], role="admin", scope="profile")
    assert (await userinfo(live_app, token)).status_code == 401


async def test_external_token_naming_an_unknown_member_is_refused(live_app, external_idp):
    token = external_idp.sign(
        external_idp.keys[0], organisation_credit_code="915000000000000000", scope="profile"
    )
    assert (await userinfo(live_app, token)).status_code == 401


async def test_external_role_must_fit_the_member_kind(live_app, external_idp):
    token = external_idp.sign(external_idp.keys[0], role="enterprise", scope="profile")
    assert (await userinfo(live_app, token)).status_code == 401


async def test_external_token_with_wrong_audience_is_refused(live_app, external_idp):
    token = external_idp.sign(external_idp.keys[0], aud=live_app.config.audience, scope="profile")
    assert (await userinfo(live_app, token)).status_code == 401
