"""OpenAPI of the accounts/organisations contract (CONTRACT.md), used only until main serves it."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

Role = Literal["learner", "mentor", "org_admin"]


class SignupIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(min_length=8, max_length=256)
    display_name: str = Field(min_length=1, max_length=100)
    invitation_token: str | None = None


class LoginIn(BaseModel):
    email: str
    password: str
    organisation_id: uuid.UUID | None = None


class RefreshIn(BaseModel):
    refresh_token: str | None = None


class SwitchIn(BaseModel):
    organisation_id: uuid.UUID


class PasswordChange(BaseModel):
    current_password: str
    new_password: str


class PasswordForgot(BaseModel):
    email: str


class PasswordReset(BaseModel):
    token: str
    new_password: str


class EmailVerify(BaseModel):
    token: str


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str | None
    organisation_id: uuid.UUID | None


class SessionRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool


class ActiveOrganisation(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    role: Role


class MembershipRead(BaseModel):
    organisation_id: uuid.UUID
    name: str
    slug: str
    role: Role


class MeRead(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    avatar_url: str | None
    time_zone: str
    locale: str
    email_verified: bool
    is_platform_admin: bool
    active_organisation: ActiveOrganisation | None
    memberships: list[MembershipRead]


class MeUpdate(BaseModel):
    display_name: str | None = None
    avatar_url: str | None = None
    time_zone: str | None = None
    locale: str | None = None


class OrgCreate(BaseModel):
    name: str
    slug: str
    time_zone: str = "UTC"


class OrgRead(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    leaderboards_enabled: bool
    created_at: datetime


class OrgUpdate(BaseModel):
    name: str | None = None
    time_zone: str | None = None
    leaderboards_enabled: bool | None = None


class MemberRead(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    joined_at: datetime


class MemberPage(BaseModel):
    items: list[MemberRead]
    total: int
    limit: int
    offset: int


class MemberUpdate(BaseModel):
    role: Role


class InvitationCreate(BaseModel):
    email: str | None = None
    role: Role
    expires_in_days: int = Field(default=7, ge=1, le=30)


class InvitationRead(BaseModel):
    id: uuid.UUID
    email: str | None
    role: Role
    expires_at: datetime
    token: str | None = None
    url: str | None = None


class InvitationPreview(BaseModel):
    organisation_name: str
    role: Role
    email: str | None
    expires_at: datetime
    valid: bool


auth = APIRouter(prefix="/api/v1/auth", tags=["auth"])
me = APIRouter(prefix="/api/v1", tags=["me"])
orgs = APIRouter(prefix="/api/v1", tags=["orgs"])


@auth.post("/signup", status_code=201)
def signup(body: SignupIn) -> TokenPair: ...
@auth.post("/login")
def login(body: LoginIn) -> TokenPair: ...
@auth.post("/refresh")
def refresh(body: RefreshIn | None = None) -> TokenPair: ...
@auth.post("/logout", status_code=204)
def logout() -> None: ...
@auth.post("/logout-all", status_code=204)
def logout_all() -> None: ...
@auth.post("/switch-organisation")
def switch_organisation(body: SwitchIn) -> TokenPair: ...
@auth.post("/password/change", status_code=204)
def change_password(body: PasswordChange) -> None: ...
@auth.post("/password/forgot", status_code=202)
def forgot_password(body: PasswordForgot) -> None: ...
@auth.post("/password/reset", status_code=204)
def reset_password(body: PasswordReset) -> None: ...
@auth.post("/email/verify", status_code=204)
def verify_email(body: EmailVerify) -> None: ...
@auth.post("/email/resend", status_code=202)
def resend_verification() -> None: ...
@auth.get("/sessions")
def list_sessions() -> list[SessionRead]: ...
@auth.delete("/sessions/{session_id}", status_code=204)
def revoke_session(session_id: uuid.UUID) -> None: ...
@me.get("/me")
def read_me() -> MeRead: ...
@me.patch("/me")
def update_me(body: MeUpdate) -> MeRead: ...
@orgs.post("/orgs", status_code=201)
def create_org(body: OrgCreate) -> OrgRead: ...
@orgs.get("/orgs")
def list_my_orgs() -> list[MembershipRead]: ...
@orgs.get("/org")
def read_org() -> OrgRead: ...
@orgs.patch("/org")
def update_org(body: OrgUpdate) -> OrgRead: ...
@orgs.get("/org/members")
def list_members(
    q: str | None = None,
    role: Role | None = None,
    limit: int = Query(default=20, ge=1, le=100),
    offset: int = Query(default=0, ge=0),
) -> MemberPage: ...
@orgs.patch("/org/members/{user_id}")
def update_member(user_id: uuid.UUID, body: MemberUpdate) -> MemberRead: ...
@orgs.delete("/org/members/{user_id}", status_code=204)
def remove_member(user_id: uuid.UUID) -> None: ...
@orgs.post("/org/leave", status_code=204)
def leave_org() -> None: ...
@orgs.post("/org/invitations", status_code=201)
def create_invitation(body: InvitationCreate) -> InvitationRead: ...
@orgs.get("/org/invitations")
def list_invitations() -> list[InvitationRead]: ...
@orgs.delete("/org/invitations/{invitation_id}", status_code=204)
def revoke_invitation(invitation_id: uuid.UUID) -> None: ...
@orgs.get("/invitations/{token}")
def read_invitation(token: str) -> InvitationPreview: ...
@orgs.post("/invitations/{token}/accept")
def accept_invitation(token: str) -> MembershipRead: ...


def contract_paths() -> dict[str, object]:
    app = FastAPI()
    for router in (auth, me, orgs):
        app.include_router(router)
    return app.openapi()


if __name__ == "__main__":
    base = json.load(sys.stdin)
    extra = contract_paths()
    for path, item in extra["paths"].items():
        base["paths"].setdefault(path, item)
    schemas = base.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in extra["components"]["schemas"].items():
        schemas.setdefault(name, schema)
    json.dump(base, sys.stdout, indent=2)
