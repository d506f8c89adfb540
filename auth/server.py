"""The authorization server: Authlib's grants and endpoints on Starlette.

Authlib has no Starlette server integration. The adapter is small: an ``OAuth2Request`` built
from the query and the already-read form, and ``handle_response`` returning a Starlette
response. Authlib is synchronous, so each request builds a server around a synchronous
``Session`` inside ``AsyncSession.run_sync`` (see :func:`run_authorization_server`).

Sharp edges handled here: PKCE is required and S256-only (Authlib accepts ``plain``);
refresh tokens rotate, and a reused one revokes its family; access tokens are JWTs, so
revocation is a jti deny list; lifetimes come from our settings, not Authlib's 10-day default.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from auth import keys, scopes
from auth.clock import as_utc, utcnow
from auth.config import AuthConfig
from auth.digests import digest, matches, new_secret
from auth.jwt_checks import TokenRejected, verify
from auth.revocations import revoking
from auth.tokens import GENERATION, TOKEN_TYPE, IssuedToken, issue_access_token
from models.oauth import AuthorizationCode, OAuthClient, RefreshToken, RevokedAccessToken
from models.organisations import User

CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post"]
ANY_CLIENT_METHODS = [*CONFIDENTIAL_METHODS, "none"]
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


# --- the Starlette adapter -------------------------------------------------------------------


class _Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]):
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for name, value in pairs:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, method: str, uri: str, headers, query: list[tuple], form: list[tuple]):
        super().__init__(method, uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload(query + form)

    @property
    def args(self) -> dict:
        return self._args

    @property
    def form(self) -> dict:
        return self._form


async def oauth_request(request: Request, config: AuthConfig) -> StarletteOAuth2Request:
    form = list((await request.form()).multi_items()) if request.method == "POST" else []
    # Authlib refuses non-https URIs; the issuer (https in production) decides, not the Host
    # header of a request that may have come through a proxy.
    uri = config.issuer + request.url.path
    return StarletteOAuth2Request(
        request.method, uri, request.headers, list(request.query_params.multi_items()), form
    )


# --- Authlib's views of our rows -------------------------------------------------------------


class RegisteredClient(ClientMixin):
    def __init__(self, row: OAuthClient):
        self.row = row

    @property
    def is_public(self) -> bool:
        return self.row.client_secret_hash is None

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous registration may omit redirect_uri from the request.
        return self.row.redirect_uris[0] if len(self.row.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = scopes.parse(self.row.scope)
        return scopes.join(allowed & scopes.parse(scope) if scope else allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris  # exact match, no prefixes

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(client_secret, self.row.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.is_public else method in CONFIDENTIAL_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.check_grant_type("authorization_code")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


class StoredCode:
    def __init__(self, row: AuthorizationCode):
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class AccessTokenRecord:
    """A presented JWT access token, for revocation and introspection."""

    kind = "access_token"

    def __init__(self, claims: dict, revoked: bool):
        self.claims = claims
        self.revoked = revoked

    def check_client(self, client: RegisteredClient) -> bool:
        return self.claims.get("client_id") == client.get_client_id()

    def get_scope(self) -> str:
        return self.claims.get("scope", "")

    def is_expired(self) -> bool:
        return self.claims["exp"] <= utcnow().timestamp()

    def is_revoked(self) -> bool:
        return self.revoked


class RefreshTokenRecord:
    kind = "refresh_token"

    def __init__(self, row: RefreshToken):
        self.row = row

    def check_client(self, client: RegisteredClient) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def is_expired(self) -> bool:
        return as_utc(self.row.expires_at) <= utcnow()

    def is_revoked(self) -> bool:
        # A rotated token is spent: for introspection it is no longer active.
        return self.row.revoked_at is not None or self.row.rotated_at is not None


# --- grants ----------------------------------------------------------------------------------


class S256CodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only: Authlib alone would accept ``plain`` and no PKCE."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ANY_CLIENT_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.db.add(
            AuthorizationCode(
                code_hash=digest(code),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.scope or "",
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                expires_at=utcnow()
                + timedelta(seconds=self.server.config.authorization_code_seconds),
            )
        )

    def query_authorization_code(self, code: str, client: RegisteredClient) -> StoredCode | None:
        row = self.server.db.get(AuthorizationCode, digest(code))
        if row is None or row.client_id != client.get_client_id():
            return None
        if row.used_at is not None:
            # Presented again: the code leaked. What it was exchanged for goes too (RFC 6749 §4.1.2).
            self.server.revoke_exchanged(row)
            return None
        if as_utc(row.expires_at) <= utcnow():
            return None
        return StoredCode(row)

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        """Spent, not deleted: kept until ``yulu tokens purge`` to recognise a replay."""
        authorization_code.row.used_at = utcnow()

    def authenticate_user(self, authorization_code: StoredCode) -> User | None:
        return self.server.active_user(authorization_code.row.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ANY_CLIENT_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every use returns a new refresh token

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshTokenRecord | None:
        row = self.server.db.get(RefreshToken, digest(refresh_token))
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= utcnow():
            return None
        if row.rotated_at is not None:
            # Reuse of a spent token: either the client or a thief holds a copy. Revoke all.
            self.server.revoke_family(row.family_id)
            return None
        return RefreshTokenRecord(row)

    def authenticate_user(self, refresh_token: RefreshTokenRecord) -> User | None:
        return self.server.active_user(refresh_token.row.user_id)

    def revoke_old_credential(self, refresh_token: RefreshTokenRecord) -> None:
        refresh_token.row.rotated_at = utcnow()


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_METHODS


# --- revocation (RFC 7009) and introspection (RFC 7662) -------------------------------------


class _TokenLookup:
    server: YuluAuthorizationServer  # set by the Authlib endpoint this is mixed into

    def query_token(self, token_string: str, token_type_hint: str | None):
        if token_type_hint == "access_token":
            return self.server.find_access_token(token_string)
        if token_type_hint == "refresh_token":
            return self.server.find_refresh_token(token_string)
        return self.server.find_refresh_token(token_string) or self.server.find_access_token(
            token_string
        )


class Revocation(_TokenLookup, RevocationEndpoint):
    # Public clients revoke their own tokens too (RFC 7009 §2.1: client_id identifies them).
    CLIENT_AUTH_METHODS = ANY_CLIENT_METHODS

    def revoke_token(self, token, request) -> None:
        if isinstance(token, RefreshTokenRecord):
            # Revoking a refresh token ends the grant: its whole family and their access tokens.
            self.server.revoke_family(token.row.family_id)
        else:
            self.server.deny_access_token(token.claims["jti"], token.claims["exp"])


class Introspection(_TokenLookup, IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def check_permission(self, token, client, request) -> bool:
        # A client may introspect the tokens issued to it, not other clients' tokens.
        return token.check_client(client)

    def introspect_token(self, token) -> dict:
        if isinstance(token, RefreshTokenRecord):
            row = token.row
            return {
                "token_type": "refresh_token",
                "client_id": row.client_id,
                "scope": row.scope,
                "sub": str(row.user_id),
                "exp": int(as_utc(row.expires_at).timestamp()),
                "iat": int(as_utc(row.issued_at).timestamp()),
                "iss": self.server.config.issuer,
            }
        claims = token.claims
        visible = (
            "iss",
            "aud",
            "sub",
            "client_id",
            "scope",
            "exp",
            "iat",
            "nbf",
            "jti",
            "role",
            "organisation",
            "region",
            "region_level",
        )
        return {
            "token_type": "Bearer",
            **{name: claims[name] for name in visible if name in claims},
        }


# --- the server ------------------------------------------------------------------------------


class YuluAuthorizationServer(AuthorizationServer):
    """One per request, around that request's synchronous session."""

    def __init__(self, db: Session, config: AuthConfig):
        super().__init__(scopes_supported=list(scopes.ALL))
        self.db = db
        self.config = config
        self.issued: IssuedToken | None = None
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        self.register_token_generator("default", self.generate_bearer_token)

    # Authlib's framework hooks

    def query_client(self, client_id: str) -> RegisteredClient | None:
        row = self.db.scalars(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
        return RegisteredClient(row) if row else None

    def create_oauth2_request(self, request):
        return request  # already a StarletteOAuth2Request, built before entering run_sync

    def create_json_request(self, request):
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status: int, body, headers) -> Response:
        content = json.dumps(body, ensure_ascii=False) if isinstance(body, dict) else body
        return Response(content, status_code=status, headers=dict(headers))

    def send_signal(self, name, *args, **kwargs) -> None:
        """Authlib's signals have no listeners here."""

    # tokens

    def generate_bearer_token(
        self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True
    ) -> dict:
        scope = client.get_allowed_scope(scope)
        if grant_type == "client_credentials":
            user, subject = self._service_user(client), client.get_client_id()
        else:
            subject = str(user.id)
        self.issued = issue_access_token(
            self.db,
            self.config,
            user=user,
            client_id=client.get_client_id(),
            subject=subject,
            scope=scope,
        )
        token = {
            "token_type": "Bearer",
            "access_token": self.issued.access_token,
            "expires_in": self.config.access_token_seconds,
            "scope": self.issued.scope,
        }
        if include_refresh_token:
            token["refresh_token"] = new_secret(32)
        return token

    def _service_user(self, client: RegisteredClient) -> User:
        user = self.active_user(client.row.service_user_id)
        if user is None:
            raise InvalidClientError(description="The client has no active service user.")
        return user

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        """Access tokens are self-contained JWTs; only refresh tokens are stored. An exchanged
        authorization code notes what it bought, for ``revoke_exchanged``."""
        family = self._save_refresh_token(token, request) if "refresh_token" in token else None
        code = getattr(request, "authorization_code", None)
        if isinstance(code, StoredCode):
            assert self.issued is not None  # generate_token ran before Authlib saves the token
            code.row.access_token_jti, code.row.refresh_family_id = self.issued.jti, family

    def _save_refresh_token(self, token: dict, request: OAuth2Request) -> str:
        assert self.issued is not None  # generate_token ran before Authlib saves the token
        previous = request.refresh_token
        family = previous.row.family_id if previous else new_secret(12)
        now = utcnow()
        self.db.add(
            RefreshToken(
                token_hash=digest(token["refresh_token"]),
                family_id=family,
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                scope=self.issued.scope,
                issued_at=now,
                expires_at=now + timedelta(seconds=self.config.refresh_token_seconds),
                access_token_jti=self.issued.jti,
                access_token_expires_at=datetime.fromtimestamp(self.issued.expires_at, now.tzinfo),
            )
        )
        return family

    # storage helpers shared by the grants and endpoints

    def active_user(self, user_id: int | None) -> User | None:
        user = self.db.get(User, user_id) if user_id is not None else None
        return user if user is not None and user.is_active else None

    def revoke_family(self, family_id: str) -> None:
        now = utcnow()
        family = self.db.scalars(select(RefreshToken).where(RefreshToken.family_id == family_id))
        for row in family:
            if as_utc(row.access_token_expires_at) > now:
                self.deny_access_token(row.access_token_jti, row.access_token_expires_at)
        self.db.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_exchanged(self, code: AuthorizationCode) -> None:
        """The tokens a spent authorization code was exchanged for, and their refreshes."""
        if code.refresh_family_id:
            self.revoke_family(code.refresh_family_id)
        if code.access_token_jti:
            assert code.used_at is not None  # it was exchanged, so it was used
            lifetime = timedelta(seconds=self.config.access_token_seconds)
            self.deny_access_token(code.access_token_jti, as_utc(code.used_at) + lifetime)

    def deny_access_token(self, jti: str, expires_at: int | datetime) -> None:
        if isinstance(expires_at, int):
            expires_at = datetime.fromtimestamp(expires_at, utcnow().tzinfo)
        if self.db.get(RevokedAccessToken, jti) is None:
            self.db.add(RevokedAccessToken(jti=jti, expires_at=expires_at))
            self.db.flush()
        revoking(self.db)

    def find_refresh_token(self, token_string: str) -> RefreshTokenRecord | None:
        row = self.db.get(RefreshToken, digest(token_string))
        return RefreshTokenRecord(row) if row else None

    def find_access_token(self, token_string: str) -> AccessTokenRecord | None:
        try:
            claims = verify(
                token_string,
                KeySet.import_key_set(keys.published_jwks(self.db)),
                issuer=self.config.issuer,
                audience=self.config.audience,
                algorithms=(keys.ALGORITHM,),
                token_types=(TOKEN_TYPE,),
                leeway=0,
            )
        except TokenRejected:
            return None  # expired, forged or foreign: nothing to revoke, inactive to introspect
        user = self.db.get(User, claims["uid"]) if claims.get("uid") is not None else None
        stale = user is None or user.token_generation != claims.get(GENERATION, 0)
        revoked = stale or self.db.get(RevokedAccessToken, claims["jti"]) is not None
        return AccessTokenRecord(claims, revoked)


async def run_authorization_server(
    request: Request, call: Callable[[YuluAuthorizationServer], Response]
) -> Response:
    """Run ``call`` with a server bound to a fresh session; commit whatever it wrote — also
    when it answered with an error, because reuse detection revokes a family and then refuses."""
    config: AuthConfig = request.app.state.auth.config
    async with request.app.state.sessions() as session:
        response = await session.run_sync(
            lambda sync_session: call(YuluAuthorizationServer(sync_session, config))
        )
        await session.commit()
    return response
