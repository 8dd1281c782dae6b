"""`starguide seed-demo`: a demo organisation with an admin, a mentor and learners.

Other domains add their demo content with `register_demo_seeder(fn)`, where
`async def fn(session, demo: DemoData)` runs in the same transaction; it must be safe to run twice.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth import passwords
from starguide.auth.models import User
from starguide.cli import _migrate, command
from starguide.config import Settings
from starguide.db import Database
from starguide.kit.events import MemberJoined, UserSignedUp
from starguide.kit.outbox import record_event
from starguide.kit.time import utcnow
from starguide.orgs.models import Membership, Organisation, Role

DEMO_ORG_NAME = "Starlight Academy"
DEMO_ORG_SLUG = "starlight-academy"
DEMO_DOMAIN = "starlight.example"
DEMO_PEOPLE = (
    ("ada", "Ada Lovelace", Role.ORG_ADMIN),
    ("miles", "Miles Okafor", Role.MENTOR),
    ("lena", "Lena Fischer", Role.LEARNER),
    ("leo", "Leo Martins", Role.LEARNER),
    ("luna", "Luna Park", Role.LEARNER),
)


@dataclass(frozen=True)
class DemoUser:
    user_id: uuid.UUID
    email: str
    password: str
    display_name: str
    role: Role


@dataclass(frozen=True)
class DemoData:
    organisation_id: uuid.UUID
    organisation_slug: str
    admin: DemoUser
    mentor: DemoUser
    learners: tuple[DemoUser, ...]
    created: bool  # False when the demo organisation already existed

    @property
    def users(self) -> tuple[DemoUser, ...]:
        return (self.admin, self.mentor, *self.learners)


DemoSeeder = Callable[[AsyncSession, DemoData], Awaitable[None]]
_SEEDERS: list[DemoSeeder] = []


def register_demo_seeder(fn: DemoSeeder) -> DemoSeeder:
    """Run `fn(session, demo)` on every `seed-demo`, after the accounts exist (usable as a decorator)."""
    if fn not in _SEEDERS:
        _SEEDERS.append(fn)
    return fn


def demo_password(settings: Settings, email: str) -> str:
    """The same password on every run of one installation, unguessable without its secret key."""
    digest = hmac.new(settings.secret_key_value().encode(), f"demo:{email}".encode(), hashlib.sha256).digest()
    return "star-" + base64.b32encode(digest[:10]).decode().lower()


async def _ensure_user(
    session: AsyncSession, settings: Settings, handle: str, name: str, role: Role, org_id: uuid.UUID
) -> DemoUser:
    email = f"{handle}@{DEMO_DOMAIN}"
    password = demo_password(settings, email)
    now = utcnow()
    user_id = await session.scalar(select(User.id).where(User.email == email))
    if user_id is None:
        user = User(
            email=email,
            display_name=name,
            password_hash=await passwords.hash_password(settings, password),
            password_changed_at=now,
            email_verified_at=now,
            is_active=True,
            is_platform_admin=False,
            time_zone="UTC",
            locale="en",
            last_organisation_id=org_id,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        await session.flush()
        user_id = user.id
        record_event(session, UserSignedUp(user_id=user_id, occurred_at=now))
    member = await session.scalar(
        select(Membership).where(Membership.organisation_id == org_id, Membership.user_id == user_id)
    )
    if member is None:
        session.add(Membership(organisation_id=org_id, user_id=user_id, role=role.value, created_at=now))
        record_event(
            session, MemberJoined(organisation_id=org_id, user_id=user_id, role=role, occurred_at=now)
        )
    return DemoUser(user_id, email, password, name, Role(member.role) if member else role)


async def seed_demo(settings: Settings, *, if_empty: bool) -> DemoData | None:
    """Create what is missing of the demo; None when `if_empty` and the database has accounts."""
    db = Database(settings)
    try:
        async with db.session() as session:
            if if_empty and (await session.scalar(select(func.count()).select_from(User))):
                return None
            org = await session.scalar(select(Organisation).where(Organisation.slug == DEMO_ORG_SLUG))
            created = org is None
            if org is None:
                now = utcnow()
                org = Organisation(
                    name=DEMO_ORG_NAME, slug=DEMO_ORG_SLUG, time_zone="UTC", created_at=now, updated_at=now
                )
                session.add(org)
                await session.flush()
            people = [await _ensure_user(session, settings, h, n, r, org.id) for h, n, r in DEMO_PEOPLE]
            demo = DemoData(org.id, org.slug, people[0], people[1], tuple(people[2:]), created)
            for seeder in _SEEDERS:
                await seeder(session, demo)
        return demo
    finally:
        await db.dispose()


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database has accounts already",
    )


@command("seed-demo", "Create the demo organisation and its accounts (safe to run twice).", _arguments)
def seed_demo_command(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    demo = asyncio.run(seed_demo(settings, if_empty=args.if_empty))
    if demo is None:
        print("the database has accounts already: demo not seeded")
        return 0
    print(f"Demo organisation: {DEMO_ORG_NAME} ({demo.organisation_slug})")
    print(f"  {'role':<10} {'e-mail':<26} password")
    for person in demo.users:
        print(f"  {person.role.value:<10} {person.email:<26} {person.password}")
    print(f"Sign in at {settings.public_url.rstrip('/')}/ with any of them.")
    return 0
