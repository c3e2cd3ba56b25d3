"""Users and personal tokens over GraphQL, for admins (what ``chroma users`` and
``chroma tokens`` do on the database), and ``me`` for anyone.

Merged into the root Query and Mutation (``schema.py``). The mutations are admins'
(``roles.py: ADMIN_MUTATIONS``, checked before anything runs); the lists are checked here,
field by field, since a query may hold fields of every role.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id, to_id
from chroma.server.graphql.roles import principal_or_local, require_role
from chroma.services import users
from chroma.services.principals import Role as ServiceRole


@strawberry.enum(description="What a user may do: each role may do what the ones before it may.")
class Role(Enum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    def to_service(self) -> ServiceRole:
        return ServiceRole.parse(self.value)

    @classmethod
    def of(cls, role: ServiceRole) -> Role:
        return cls(role.label)


@strawberry.type(description="A person or machine account with a role.")
class User:
    name: str
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, record: users.UserRecord) -> User:
        return cls(name=record.name, role=Role.of(record.role), created_at=record.created_at)


@strawberry.type(description="A personal token; never the token itself, only its start.")
class ApiToken:
    id: strawberry.ID
    user: str
    label: str
    starts_with: str = strawberry.field(description="The token's first characters.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: users.TokenRecord) -> ApiToken:
        return cls(
            id=to_id(record.id),
            user=record.user,
            label=record.label,
            starts_with=record.hint,
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            revoked_at=record.revoked_at,
        )


@strawberry.type(description="A token just made: `token` is shown this once, never again.")
class NewApiToken:
    token: str
    api_token: ApiToken


@strawberry.type(description="Who the request acts for.")
class Me:
    name: str
    role: Role


@strawberry.type
class UserQueries:
    @described.field("Who this request acts for (`local`, an admin, without auth).")
    def me(self, info: Info) -> Me:
        principal = principal_or_local(info.context)
        return Me(name=principal.name, role=Role.of(principal.role))

    @described.field("Every user (admins only).")
    async def users(self, info: Info) -> list[User]:
        require_role(info.context, ServiceRole.ADMIN, "users")
        return [User.of(u) for u in await offload.run(users.list_users, info.context.store)]

    @described.field("Personal tokens, of one user or all (admins only).")
    async def api_tokens(self, info: Info, user: str | None = None) -> list[ApiToken]:
        require_role(info.context, ServiceRole.ADMIN, "apiTokens")
        found = await offload.run(users.list_tokens, info.context.store, user)
        return [ApiToken.of(t) for t in found]


@strawberry.type
class UserMutations:
    @described.mutation("Add a user (admins only); give them a token with createApiToken.")
    async def add_user(self, info: Info, name: str, role: Role = Role.VIEWER) -> User:
        record = await offload.run(users.add_user, info.context.store, name, role.to_service())
        return User.of(record)

    @described.mutation("Change a user's role (admins only); it applies at once.")
    async def set_user_role(self, info: Info, name: str, role: Role) -> User:
        record = await offload.run(users.set_role, info.context.store, name, role.to_service())
        return User.of(record)

    @described.mutation("Remove a user with their tokens and sessions (admins only).")
    async def remove_user(self, info: Info, name: str) -> User:
        return User.of(await offload.run(users.remove_user, info.context.store, name))

    @described.mutation("Make a personal token for a user (admins only), shown this once.")
    async def create_api_token(self, info: Info, user: str, label: str = "") -> NewApiToken:
        made = await offload.run(users.create_token, info.context.store, user, label)
        return NewApiToken(token=made.token, api_token=ApiToken.of(made.record))

    @described.mutation("Revoke a token (admins only); sessions it opened end too.")
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> ApiToken:
        token_id = parse_id(id, where="id")
        return ApiToken.of(await offload.run(users.revoke_token, info.context.store, token_id))
