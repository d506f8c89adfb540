"""The resource server's side: from a bearer token to a Viewer.

Tokens come from our own issuer (keys read from the database) or from a trusted external OIDC
issuer (keys fetched from its JWKS URL). Keys are cached; a token naming an unknown ``kid`` makes
us refetch that issuer's keys once (rate-limited, so forged kids cannot make us hammer the issuer).

A token that passed every check is remembered (``CheckedTokens``) and taken again without its
signature check or a database query — until it expires, its issuer's key set is reloaded, a
revocation commits in this process (auth.revocations), or ``revocation_recheck_seconds`` have
passed: the bound within which a revocation made through another worker or the command line,
which this process cannot see, takes effect here too.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

import httpx2
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from auth import keys, revocations, scopes
from auth.config import EXTERNAL_ROLES, AuthConfig, TrustedIssuer
from auth.jwt_checks import TokenRejected, UnknownKeyId, unverified_parts, verify
from auth.tokens import GENERATION, TOKEN_TYPE
from auth.viewer import Viewer, viewer_from_claims
from models.oauth import RevokedAccessToken
from models.organisations import Organisation, OrganisationKind, Role, User
from models.regions import Region

log = logging.getLogger(__name__)


class CachedKeys:
    """An issuer's public keys: fetched on first use, reloaded when older than ``max_age`` (so a
    retired key stops verifying) and on an unknown kid, but never more often than
    ``min_refetch_seconds``."""

    def __init__(self, fetch, min_refetch_seconds: float, max_age_seconds: float):
        self._fetch = fetch
        self._min_refetch_seconds = min_refetch_seconds
        self._max_age_seconds = max_age_seconds
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")

    async def current(self) -> KeySet:
        if self._keys is None or time.monotonic() - self._fetched_at >= self._max_age_seconds:
            await self._load()
        assert self._keys is not None  # _load sets them or raises
        return self._keys

    async def refetch(self) -> bool:
        """Reload after an unknown kid; False when we reloaded too recently to try again."""
        if time.monotonic() - self._fetched_at < self._min_refetch_seconds:
            return False
        await self._load()
        return True

    async def _load(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            self._keys = KeySet.import_key_set(await self._fetch())
        except (httpx2.HTTPError, ValueError) as error:
            raise TokenRejected(f"cannot load keys: {error}") from error


@dataclass(frozen=True)
class _Checked:
    viewer: Viewer
    keys: CachedKeys  # where the key set that verified the token came from
    key_set: KeySet
    usable_before: int  # exp + leeway, in seconds since the epoch (the claims registry's rule)
    recheck_at: float  # time.monotonic()
    epoch: int  # revocations.epoch() when the check began


class CheckedTokens:
    """Tokens that passed every check lately: a bounded LRU, so a flood of distinct valid tokens
    costs memory once, never without limit (only a valid token gets in)."""

    def __init__(self, capacity: int = 4096):
        self.capacity = capacity
        self._entries: OrderedDict[str, _Checked] = OrderedDict()

    async def viewer(self, token: str) -> Viewer | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if (
            time.monotonic() >= entry.recheck_at
            or int(time.time()) >= entry.usable_before
            or entry.epoch != revocations.epoch()
            or await entry.keys.current() is not entry.key_set
        ):
            self._entries.pop(token, None)
            return None
        self._entries.move_to_end(token)
        return entry.viewer

    def remember(self, token: str, entry: _Checked) -> None:
        if entry.epoch != revocations.epoch():  # a revocation committed while we checked
            return
        self._entries[token] = entry
        self._entries.move_to_end(token)
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


class TokenValidator:
    def __init__(self, config: AuthConfig, sessions: async_sessionmaker):
        self.config = config
        self.sessions = sessions
        # Our own keys are one local query away, so an unknown kid (a key just rotated in, here
        # or by another replica) is looked up at once; remote JWKS are rate-limited.
        self.own_keys = self._cached(self._own_jwks, min_refetch_seconds=0.0)
        self.external = {
            trusted.issuer: (trusted, self._cached(_remote_jwks(trusted)))
            for trusted in config.trusted_issuers
        }
        self.checked = CheckedTokens()

    def _cached(self, fetch, min_refetch_seconds: float | None = None) -> CachedKeys:
        if min_refetch_seconds is None:
            min_refetch_seconds = self.config.jwks_refetch_seconds
        return CachedKeys(fetch, min_refetch_seconds, self.config.jwks_max_age_seconds)

    async def viewer_for(self, token: str) -> Viewer:
        """The Viewer the token proves, or TokenRejected."""
        remembered = await self.checked.viewer(token)
        if remembered is not None:
            return remembered
        epoch = revocations.epoch()  # before the database is asked: see CheckedTokens.remember
        _, stated_claims = unverified_parts(token)
        issuer = stated_claims.get("iss")
        if issuer == self.config.issuer:
            viewer, claims, cached = await self._own_viewer(token)
        elif issuer in self.external:
            viewer, claims, cached = await self._external_viewer(token, *self.external[issuer])
        else:
            raise TokenRejected(f"untrusted issuer {issuer!r}")
        checked = _Checked(
            viewer,
            cached,
            await cached.current(),
            usable_before=claims["exp"] + self.config.leeway_seconds,
            recheck_at=time.monotonic() + self.config.revocation_recheck_seconds,
            epoch=epoch,
        )
        self.checked.remember(token, checked)
        return viewer

    async def _own_viewer(self, token: str) -> tuple[Viewer, dict, CachedKeys]:
        claims = await _verify_refetching_once(
            token,
            self.own_keys,
            issuer=self.config.issuer,
            audience=self.config.audience,
            algorithms=(keys.ALGORITHM,),
            token_types=(TOKEN_TYPE,),
            leeway=self.config.leeway_seconds,
        )
        await self._refuse_revoked_or_stale(claims)
        viewer = viewer_from_claims(
            claims, scopes.parse(claims.get("scope")), claims.get("client_id")
        )
        return viewer, claims, self.own_keys

    async def _external_viewer(
        self, token: str, trusted: TrustedIssuer, cached: CachedKeys
    ) -> tuple[Viewer, dict, CachedKeys]:
        claims = await _verify_refetching_once(
            token,
            cached,
            issuer=trusted.issuer,
            audience=trusted.audience,
            algorithms=trusted.algorithms,
            token_types=trusted.token_types,
            leeway=self.config.leeway_seconds,
        )
        await self._refuse_revoked(claims["jti"])
        role = _external_role(claims.get(trusted.role_claim), trusted)
        organisation, region = await self._member(claims.get(trusted.organisation_claim), role)
        viewer = Viewer(
            role=role,
            organisation_id=organisation.id,
            region_code=region.code,
            region_level=region.level,
            scopes=_external_scopes(claims.get(trusted.scope_claim)),
            client_id=claims.get("client_id") or claims.get("azp"),
        )
        return viewer, claims, cached

    async def _member(self, credit_code, role: Role) -> tuple[Organisation, Region]:
        """The organisation an external token names, by credit code; its kind must fit the role."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(Organisation, Region)
                    .join(Region, Region.code == Organisation.region_code)
                    .where(Organisation.credit_code == str(credit_code))
                )
            ).first()
        if row is None or row.Organisation.kind != OrganisationKind(role.value):
            raise TokenRejected("external token names no matching member organisation")
        return row.Organisation, row.Region

    async def _refuse_revoked_or_stale(self, claims: dict) -> None:
        """Deny-listed, or issued before its user's password reset or deactivation: one query."""
        denied = (
            select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == claims["jti"]).exists()
        )
        generation = (
            select(User.token_generation).where(User.id == claims.get("uid")).scalar_subquery()
        )
        async with self.sessions() as session:
            is_denied, current = (await session.execute(select(denied, generation))).one()
        if is_denied:
            raise TokenRejected("revoked jti")
        if current is None or current != claims.get(GENERATION, 0):
            raise TokenRejected("issued before the user's sessions were ended")

    async def _refuse_revoked(self, jti: str) -> None:
        async with self.sessions() as session:
            if await session.get(RevokedAccessToken, jti) is not None:
                raise TokenRejected("revoked jti")

    async def _own_jwks(self) -> dict:
        async with self.sessions() as session:
            return await session.run_sync(keys.published_jwks)


def _remote_jwks(trusted: TrustedIssuer):
    async def fetch() -> dict:
        async with httpx2.AsyncClient(timeout=5) as client:
            response = await client.get(trusted.jwks_uri)
            response.raise_for_status()
            return response.json()

    return fetch


async def _verify_refetching_once(token: str, cached: CachedKeys, **expected) -> dict:
    try:
        return verify(token, await cached.current(), **expected)
    except UnknownKeyId:
        if not await cached.refetch():
            raise
        return verify(token, await cached.current(), **expected)


def _external_role(value, trusted: TrustedIssuer) -> Role:
    mapped = trusted.role_map.get(str(value), value)
    try:
        role = Role(mapped)
    except ValueError as error:
        raise TokenRejected(f"unknown external role {value!r}") from error
    if role not in EXTERNAL_ROLES:
        raise TokenRejected(f"role {role} cannot come from an external issuer")
    return role


def _external_scopes(value) -> frozenset[str]:
    stated = frozenset(value) if isinstance(value, list) else scopes.parse(value)
    return (stated & frozenset(scopes.ALL)) - {scopes.ADMIN}
