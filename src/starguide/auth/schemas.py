"""Request and response bodies of the accounts API, and the validated field types they share."""

from __future__ import annotations

import re
import unicodedata
import uuid
import zoneinfo
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, EmailStr, Field

from starguide.orgs.models import Role


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} for ch in value):
        raise ValueError("must not contain control or unassigned characters")
    return value


def plain_text(value: str) -> str:
    value = _no_control_characters(unicodedata.normalize("NFC", value).strip())
    if not value:
        raise ValueError("must not be blank")
    return value


def _time_zone(value: str) -> str:
    if value not in time_zones():
        raise ValueError("must be an IANA time zone such as 'Europe/Paris' or 'UTC'")
    return value


_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")


def _locale(value: str) -> str:
    if not _LOCALE.match(value):
        raise ValueError("must be a BCP 47 language tag such as 'en', 'fr-CA' or 'zh-Hant-TW'")
    parts = value.split("-")
    # Canonical casing: language lower, script title, region upper.
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def _http_url(value: str) -> str:
    value = _no_control_characters(value.strip())
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError("must be an http(s) URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or " " in value:
        raise ValueError("must be an http(s) URL")
    return value


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, AfterValidator(_lower)]
DisplayName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(plain_text)]
TimeZone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_time_zone)]
Locale = Annotated[str, Field(min_length=2, max_length=35), AfterValidator(_locale)]
AvatarUrl = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_http_url)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=200)]


class SignupIn(BaseModel):
    email: Email
    password: Password
    display_name: DisplayName
    invitation_token: OpaqueToken | None = None


class LoginIn(BaseModel):
    email: Email
    password: Password
    organisation_id: uuid.UUID | None = None


class RefreshIn(BaseModel):
    refresh_token: OpaqueToken | None = Field(
        default=None, description="Omit it when the refresh token is in the `sg_refresh` cookie."
    )


class SwitchOrganisationIn(BaseModel):
    organisation_id: uuid.UUID


class PasswordChangeIn(BaseModel):
    current_password: Password
    new_password: Password


class PasswordForgotIn(BaseModel):
    email: Email


class PasswordResetIn(BaseModel):
    token: OpaqueToken
    new_password: Password


class EmailVerifyIn(BaseModel):
    token: OpaqueToken


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str | None = Field(
        description="null for web clients (`X-Client: web`), which get it as the `sg_refresh` cookie"
    )
    organisation_id: uuid.UUID | None


class SessionRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
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
    display_name: DisplayName | None = None
    avatar_url: AvatarUrl | Literal[""] | None = Field(
        default=None, description='an http(s) URL; null or "" removes the picture'
    )
    time_zone: TimeZone | None = None
    locale: Locale | None = None
