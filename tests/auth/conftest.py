"""An authorization server over real HTTP: the app on 127.0.0.1 with its own small database,
and a second, "external" identity provider whose JWKS the app trusts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import migrations
from auth import admin
from auth.config import AuthConfig, TrustedIssuer
from auth.install import AuthState
from auth.resource import TokenValidator
from models.db import create_engine, session_factory
from models.organisations import Organisation, OrganisationKind, Role
from models.regions import Region, RegionLevel
from models.settings import get_settings
from portal.app import create_app
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving

PASSWORD = "correct horse battery staple"
BUREAU_CREDIT_CODE = "11500229MB1234567X"
EXTERNAL_AUDIENCE = "yulu-api"
SECRET_KEY = "auth-tests-secret"


@dataclass
class ExternalIdP:
    """A stand-in for a province's identity platform: signs RS/ES tokens, serves its JWKS."""

    issuer: str
    keys: list[ECKey]
    fetches: int = 0

    def add_key(self, kid: str) -> ECKey:
        key = ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256"}, private=True)
        self.keys.append(key)
        return key

    def sign(self, key: ECKey, **overrides) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": EXTERNAL_AUDIENCE,
            "sub": "ext-user-7",
            "iat": now,
            "exp": now + 300,
            "jti": f"ext-{now}-{key.kid}",
            "role": "bureau",
            "organisation_credit_code": BUREAU_CREDIT_CODE,
            "scope": "alliance:read admin",
            "client_id": "province-portal",
            **overrides,
        }
        return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}, claims, key)

    def app(self) -> Starlette:
        async def jwks(request):
            self.fetches += 1
            return JSONResponse({"keys": [key.as_dict(private=False) for key in self.keys]})

        return Starlette(routes=[Route("/jwks", jwks)])


@dataclass(frozen=True)
class LiveApp:
    url: str
    config: AuthConfig
    database_url: str

    async def run(self, function, *args, **kwargs):
        """Run a synchronous ``function(session, ...)`` against the app's database and commit."""
        engine = create_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                result = await session.run_sync(lambda sync: function(sync, *args, **kwargs))
                await session.commit()
                return result
        finally:
            await engine.dispose()


@pytest.fixture(scope="session")
async def auth_database_url(tmp_path_factory):
    """A migrated database holding one county, a bureau, a school and their users."""
    url = await create_database(tmp_path_factory.mktemp("auth-db"))
    await asyncio.to_thread(migrations.upgrade, url)
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        await session.run_sync(_members)
        await session.commit()
    await engine.dispose()
    yield url
    await drop_database(url)


def _members(session) -> None:
    session.add_all(
        [
            Region(code="500000", name="重庆市", level=RegionLevel.PROVINCE, path="/50"),
            Region(
                code="500229",
                name="城口县",
                level=RegionLevel.COUNTY,
                parent_code="500000",
                path="/50/5002/500229",
                is_key_county=True,
            ),
        ]
    )
    session.flush()
    bureau = Organisation(
        kind=OrganisationKind.BUREAU,
        name="城口县乡村振兴局",
        credit_code=BUREAU_CREDIT_CODE,
        region_code="500229",
    )
    school = Organisation(
        kind=OrganisationKind.SCHOOL,
        name="城口县职业教育中心",
        credit_code="52500229MJ7654321Y",
        region_code="500229",
        school_level="secondary_vocational",
    )
    session.add_all([bureau, school])
    session.flush()
    admin.create_user(
        session,
        "officer",
        PASSWORD,
        role=Role.BUREAU,
        organisation_id=bureau.id,
        display_name="王科长",
    )
    admin.create_user(session, "teacher", PASSWORD, role=Role.SCHOOL, organisation_id=school.id)
    admin.create_user(session, "root", PASSWORD, role=Role.ADMIN)
    admin.create_user(
        session, "member-system", PASSWORD, role=Role.SCHOOL, organisation_id=school.id
    )


@pytest.fixture(scope="session")
def external_idp():
    idp_port = free_port()
    idp = ExternalIdP(issuer=f"http://127.0.0.1:{idp_port}", keys=[])
    idp.add_key("ext-1")
    with serving(idp.app(), idp_port):
        yield idp


@pytest.fixture(scope="session")
def live_app(auth_database_url, external_idp):
    port = free_port()
    settings = get_settings().replace(
        database_url=auth_database_url,
        issuer=f"http://127.0.0.1:{port}",
        secret_key=SECRET_KEY,
    )
    app = create_app(settings)
    trusted = TrustedIssuer(
        issuer=external_idp.issuer,
        jwks_uri=f"{external_idp.issuer}/jwks",
        audience=EXTERNAL_AUDIENCE,
        algorithms=("ES256",),
    )
    # No refetch cooldown: the tests rotate keys and expect the very next request to see them;
    # a short cache age, so a retired key stops verifying within the test.
    config = replace(
        app.state.auth.config,
        trusted_issuers=(trusted,),
        jwks_refetch_seconds=0,
        jwks_max_age_seconds=1,
    )
    app.state.auth = AuthState(config, TokenValidator(config, app.state.sessions))
    with serving(app, port) as url:
        yield LiveApp(url, config, auth_database_url)
