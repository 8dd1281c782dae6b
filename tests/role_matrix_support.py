"""The role matrix: every route, called by each of six principals, answers the expected status.

Each domain lists its routes in `tests/<domain>/role_matrix.py` as `ROUTES: list[RouteCase]`;
`tests/test_route_roles.py` fails when a route of the app has no entry, then runs every entry.

The six principals of a `RoleContext`:
- `anonymous`: no token;
- `outsider`: org_admin of *another* organisation (active there), so ids of `ctx.org` must answer 404;
- `learner`, `mentor`, `org_admin`: members of `ctx.org`, active in it;
- `platform_admin`: a platform admin who belongs to no organisation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.factories import (
    Account,
    OrgFixture,
    add_member,
    create_account,
    create_invitation,
    create_org,
    make_platform_admin,
    token_claims,
)

ROLES = ("anonymous", "outsider", "learner", "mentor", "org_admin", "platform_admin")

Setup = Callable[["RoleContext"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class RouteCase:
    """One route and the status each role gets.

    `setup(ctx)` runs before each role's call and returns the path parameters (extra keys are
    kept in `ctx.params` for `body`). `body` is the JSON body, or a function `body(ctx)` that
    builds it (it may read `ctx.role` and `ctx.params`). `query` holds query parameters.
    """

    method: str
    path: str
    expected: Mapping[str, int]
    setup: Setup | None = None
    body: Any = None
    query: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.method.upper(), self.path

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def expect(
    *,
    anonymous: int,
    outsider: int,
    learner: int,
    mentor: int,
    org_admin: int,
    platform_admin: int,
) -> dict[str, int]:
    """The expected statuses, every role named (a keyword call cannot forget one)."""
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "learner": learner,
        "mentor": mentor,
        "org_admin": org_admin,
        "platform_admin": platform_admin,
    }


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, anonymous: int = 401) -> dict[str, int]:
    """`status` for every signed-in principal, 401 for anonymous."""
    return {**dict.fromkeys(ROLES, status), "anonymous": anonymous}


@dataclass
class RoleContext:
    harness: Any
    org: OrgFixture
    other_org: OrgFixture
    accounts: dict[str, Account]
    role: str = "anonymous"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        client: httpx.AsyncClient = self.harness.client
        return client

    @property
    def runtime(self) -> Any:
        return self.harness.runtime

    def account(self, role: str | None = None) -> Account | None:
        return self.accounts.get(role or self.role)

    def headers(self, role: str | None = None) -> dict[str, str]:
        account = self.account(role)
        return account.headers if account else {}

    async def new_account(self) -> Account:
        return await create_account(self.client)

    async def new_member(self, role: str = "learner", org: OrgFixture | None = None) -> Account:
        return await add_member(self.client, org or self.org, role)

    async def new_invitation(
        self, role: str = "learner", *, email: str | None = None, org: OrgFixture | None = None
    ) -> dict[str, Any]:
        return await create_invitation(self.client, org or self.org, role, email=email)


async def build_context(harness: Any) -> RoleContext:
    """A fresh organisation with an admin, a mentor and a learner, an outsider and a platform admin."""
    client = harness.client
    org = await create_org(client)
    mentor = await add_member(client, org, "mentor")
    learner = await add_member(client, org, "learner")
    other = await create_org(client)
    platform = await make_platform_admin(harness.runtime, await create_account(client))
    accounts = {
        "outsider": other.admin,
        "learner": learner,
        "mentor": mentor,
        "org_admin": org.admin,
        "platform_admin": platform,
    }
    return RoleContext(harness=harness, org=org, other_org=other, accounts=accounts)


async def session_id_of(account: Account) -> str:
    return str(token_claims(account.access_token)["sid"])
