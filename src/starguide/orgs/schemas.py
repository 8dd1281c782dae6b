"""Request and response bodies of the organisations API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from starguide.auth.schemas import Email, MembershipRead, TimeZone, plain_text
from starguide.orgs.models import Role

__all__ = ["MembershipRead"]

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
RESERVED_SLUGS = frozenset(
    {"admin", "api", "app", "auth", "new", "org", "orgs", "settings", "static", "www", "me", "help"}
)


def _slug(value: str) -> str:
    if len(value) < 2 or not _SLUG.match(value) or "--" in value:
        raise ValueError(
            "use 2 to 50 lower-case letters, digits and single hyphens, e.g. 'starlight-academy'"
        )
    if value in RESERVED_SLUGS:
        raise ValueError("this address is reserved; choose another")
    return value


Slug = Annotated[str, Field(min_length=2, max_length=50), AfterValidator(_slug)]
OrgName = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(plain_text)]


class OrgCreate(BaseModel):
    name: OrgName
    slug: Slug
    time_zone: TimeZone = "UTC"


class OrgUpdate(BaseModel):
    name: OrgName | None = None
    slug: Slug | None = None
    time_zone: TimeZone | None = None
    leaderboards_enabled: bool | None = None


class OrgRead(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    leaderboards_enabled: bool
    created_at: datetime


class MemberRead(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    joined_at: datetime


class MemberRoleUpdate(BaseModel):
    role: Role


class InvitationCreate(BaseModel):
    email: Email | None = Field(
        default=None, description="invite this address (single use); omit it for a shareable link"
    )
    role: Role = Role.LEARNER
    expires_in_days: int = Field(default=7, ge=1, le=30)


class InvitationRead(BaseModel):
    id: uuid.UUID
    email: str | None
    role: Role
    created_at: datetime
    expires_at: datetime
    accepted_count: int
    token: str | None = Field(default=None, description="only in the answer that creates it")
    url: str | None = Field(default=None, description="only in the answer that creates it")


class InvitationPreview(BaseModel):
    organisation_name: str
    role: Role
    email: str | None
    expires_at: datetime
    valid: bool


class AdminOrgRead(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    created_at: datetime
    member_count: int


class AuditEventRead(BaseModel):
    id: uuid.UUID
    actor_id: uuid.UUID | None
    action: str
    target_user_id: uuid.UUID | None
    details: dict[str, str | int | bool | None]
    created_at: datetime
