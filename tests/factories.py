"""Test helpers that create accounts, organisations and members through the real HTTP API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import jwt
from sqlalchemy import update

API = "/api/v1"


@dataclass
class Account:
    user_id: UUID
    email: str
    password: str
    access_token: str
    refresh_token: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class OrgFixture:
    id: UUID
    slug: str
    admin: Account


def token_claims(access_token: str) -> dict[str, Any]:
    """The claims of an access token, unverified (the server checks them; tests only read them)."""
    claims: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return claims


def _check(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    body: dict[str, Any] = response.json()
    return body


async def create_account(
    client: httpx.AsyncClient,
    *,
    email: str | None = None,
    password: str | None = None,
    display_name: str | None = None,
    invitation_token: str | None = None,
) -> Account:
    """Sign up a new account (joining an organisation when `invitation_token` is given)."""
    tag = uuid.uuid4().hex[:12]
    email = email or f"user-{tag}@example.org"
    password = password or f"pw-{tag}-Secret!"
    body: dict[str, Any] = {
        "email": email,
        "password": password,
        "display_name": display_name or f"User {tag}",
    }
    if invitation_token:
        body["invitation_token"] = invitation_token
    pair = _check(await client.post(f"{API}/auth/signup", json=body), 201)
    return Account(
        user_id=UUID(token_claims(pair["access_token"])["sub"]),
        email=email.lower(),
        password=password,
        access_token=pair["access_token"],
        refresh_token=pair["refresh_token"],
    )


async def login(
    client: httpx.AsyncClient, account: Account, *, organisation_id: UUID | None = None
) -> Account:
    """Sign `account` in again (a new session); returns it with the new tokens."""
    body: dict[str, Any] = {"email": account.email, "password": account.password}
    if organisation_id:
        body["organisation_id"] = str(organisation_id)
    pair = _check(await client.post(f"{API}/auth/login", json=body), 200)
    return Account(
        account.user_id, account.email, account.password, pair["access_token"], pair["refresh_token"]
    )


async def switch_organisation(client: httpx.AsyncClient, account: Account, organisation_id: UUID) -> None:
    """Make `organisation_id` the active organisation of `account` (updates its access token)."""
    pair = _check(
        await client.post(
            f"{API}/auth/switch-organisation",
            json={"organisation_id": str(organisation_id)},
            headers=account.headers,
        ),
        200,
    )
    account.access_token = pair["access_token"]


async def create_org(
    client: httpx.AsyncClient, *, admin: Account | None = None, time_zone: str = "UTC"
) -> OrgFixture:
    """A new organisation whose admin (created when not given) has it as the active one."""
    admin = admin or await create_account(client)
    slug = f"org-{uuid.uuid4().hex[:12]}"
    org = _check(
        await client.post(
            f"{API}/orgs",
            json={"name": f"Organisation {slug}", "slug": slug, "time_zone": time_zone},
            headers=admin.headers,
        ),
        201,
    )
    await switch_organisation(client, admin, UUID(org["id"]))
    return OrgFixture(id=UUID(org["id"]), slug=slug, admin=admin)


async def create_invitation(
    client: httpx.AsyncClient, org: OrgFixture, role: str = "learner", *, email: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"role": role, "expires_in_days": 7}
    if email:
        body["email"] = email
    return _check(await client.post(f"{API}/org/invitations", json=body, headers=org.admin.headers), 201)


async def add_member(client: httpx.AsyncClient, org: OrgFixture, role: str) -> Account:
    """A new account invited by `org.admin` with `role`, accepted; its token is active on `org`."""
    invitation = await create_invitation(client, org, role)
    account = await create_account(client, invitation_token=invitation["token"])
    assert token_claims(account.access_token)["org"] == str(org.id)
    return account


async def make_platform_admin(runtime: Any, account: Account) -> Account:
    """Grant platform admin rights directly (only `starguide create-admin` does it in production)."""
    from starguide.auth.models import User

    async with runtime.db.session() as session:
        await session.execute(update(User).where(User.id == account.user_id).values(is_platform_admin=True))
    return account
