"""Running the authorization server from the API: OAuth clients, users and signing keys.

Admins only, with a token granted the ``admin`` scope (declared with @requiresScopes so a gateway
refuses first). Managing accounts is no way around the personal-data rules: nothing here reads
persons, and an admin still sees every person masked.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.federation.schema_directives import Authenticated, RequiresScopes
from strawberry.types import Info

from auth import scopes
from auth.clock import as_utc, utcnow
from models import oauth as oauth_model
from models import organisations as organisation_model
from models import people as people_model
from resolvers import admin as resolve
from resolvers.batching import one_by
from schema.base import Payload, ctx, global_id, provided
from schema.organisations import Role

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person

LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]

ADMIN_READS = (Authenticated(), RequiresScopes(scopes=[[scopes.ADMIN]]))
ADMIN_WRITES = (Authenticated(), RequiresScopes(scopes=[[scopes.WRITE, scopes.ADMIN]]))

KeyState = oauth_model.KeyState
strawberry.enum(KeyState)


@strawberry.type(description="A registered OAuth client (its secret is never shown again).")
class OAuthClient:
    client_id: str
    name: str
    grant_types: list[str]
    redirect_uris: list[str]
    scope: str
    first_party: bool = strawberry.field(
        description="Skips the consent screen (the portal itself)."
    )
    created_at: datetime | None

    @strawberry.field(description="False for a public client (PKCE only, no secret).")
    def confidential(self) -> bool:
        return self.client_secret_hash is not None

    @strawberry.field(description="The user a client_credentials token acts as.")
    async def service_username(self, info: Info) -> str | None:
        return await resolve.service_username(ctx(info), self)


@strawberry.type(
    description="A new client and its secret: shown in this answer only; store it now."
)
class CreatedOAuthClient:
    client: OAuthClient
    client_secret: str | None = strawberry.field(description="Null for a public client.")


@strawberry.type
class DeletedOAuthClient:
    client_id: str


@strawberry.type(description="A sign-in account (never its password).")
class UserAccount:
    username: str
    display_name: str
    role: Role
    is_active: bool
    failed_logins: int
    locked_until: datetime | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("User", self.id)

    @strawberry.field(
        description="Some network address is locked out of this account for now, after its own "
        "failed sign-ins; other addresses are not."
    )
    def locked(self) -> bool:
        return self.locked_until is not None and as_utc(self.locked_until) > utcnow()

    @strawberry.field
    async def organisation(self, info: Info) -> LazyOrganisation | None:
        if self.organisation_id is None:
            return None
        return await one_by(ctx(info), organisation_model.Organisation.id).load(
            self.organisation_id
        )

    @strawberry.field(
        description="A graduate's own record, masked as the reader sees persons (admins: always)."
    )
    async def person(self, info: Info) -> LazyPerson | None:
        if self.person_id is None:
            return None
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)


@strawberry.type(description="A token signing key (public half only).")
class SigningKey:
    kid: str
    state: KeyState
    created_at: datetime | None


@strawberry.input
class CreateOAuthClientInput:
    client_id: str
    name: str | None = strawberry.UNSET
    confidential: bool = strawberry.field(
        default=True, description="False: a public client (browser/native app)."
    )
    grant_types: list[str] = strawberry.field(
        default_factory=lambda: ["authorization_code", "refresh_token"],
        description="authorization_code, refresh_token, client_credentials.",
    )
    redirect_uris: list[str] | None = strawberry.UNSET
    scope: str | None = strawberry.field(
        default=strawberry.UNSET, description="Space-separated; default: every scope."
    )
    first_party: bool = False
    service_username: str | None = strawberry.field(
        default=strawberry.UNSET, description="For client_credentials: the user its tokens act as."
    )


@strawberry.input
class CreateUserInput:
    username: str
    password: str = strawberry.field(
        description="At least 12 characters; stored as an Argon2 hash."
    )
    role: Role
    display_name: str | None = strawberry.UNSET
    organisation_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Members' roles: an organisation of the matching kind.",
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Graduates: their record."
    )
    id_number: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Graduates, instead of personId: the resident ID number (身份证号) of their record. Admins "
        "see persons masked and may not search them; the number is looked up here, for the admin only.",
    )


@strawberry.type
class AdminQueries:
    @strawberry.field(
        name="oauthClients",
        description="Registered OAuth clients (admins).",
        directives=ADMIN_READS,
    )
    async def oauth_clients(self, info: Info) -> list[OAuthClient]:
        return await resolve.oauth_clients(ctx(info))

    @strawberry.field(description="Sign-in accounts (admins).", directives=ADMIN_READS)
    async def user_accounts(self, info: Info) -> list[UserAccount]:
        return await resolve.user_accounts(ctx(info))


def _values(input_object: Any) -> dict[str, Any]:
    return provided(input_object)


@strawberry.type
class AdminMutations:
    @strawberry.mutation(
        name="createOAuthClient",
        directives=ADMIN_WRITES,
        description="Register an OAuth client; a confidential client's secret is in this answer only.",
    )
    async def create_o_auth_client(
        self, info: Info, input: CreateOAuthClientInput
    ) -> Payload[CreatedOAuthClient]:
        return Payload.of(await resolve.create_client(ctx(info), _values(input)))

    @strawberry.mutation(
        name="deleteOAuthClient",
        directives=ADMIN_WRITES,
        description="Remove a client; its codes and refresh tokens go with it.",
    )
    async def delete_o_auth_client(self, info: Info, client_id: str) -> Payload[DeletedOAuthClient]:
        return Payload.of(await resolve.delete_client(ctx(info), client_id))

    @strawberry.mutation(description="A new sign-in account.", directives=ADMIN_WRITES)
    async def create_user(self, info: Info, input: CreateUserInput) -> Payload[UserAccount]:
        return Payload.of(await resolve.create_user(ctx(info), _values(input)))

    @strawberry.mutation(
        description="Set a new password (at least 12 characters); also lifts a sign-in lock.",
        directives=ADMIN_WRITES,
    )
    async def reset_password(
        self, info: Info, username: str, password: str
    ) -> Payload[UserAccount]:
        return Payload.of(await resolve.reset_password(ctx(info), username, password))

    @strawberry.mutation(
        description="Lift the sign-in lock after repeated failures.", directives=ADMIN_WRITES
    )
    async def unlock_user(self, info: Info, username: str) -> Payload[UserAccount]:
        return Payload.of(await resolve.unlock_user(ctx(info), username))

    @strawberry.mutation(
        description="The user can no longer sign in; their refresh tokens are revoked.",
        directives=ADMIN_WRITES,
    )
    async def deactivate_user(self, info: Info, username: str) -> Payload[UserAccount]:
        return Payload.of(await resolve.deactivate_user(ctx(info), username))

    @strawberry.mutation(
        description="A new signing key; the previous one stays published until the next rotation.",
        directives=ADMIN_WRITES,
    )
    async def rotate_signing_keys(self, info: Info) -> Payload[SigningKey]:
        return Payload.of(await resolve.rotate_keys(ctx(info)))
