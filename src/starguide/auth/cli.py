"""`starguide create-admin`: create (or promote) a platform admin account."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from sqlalchemy import select, update

from starguide.auth import passwords
from starguide.auth.models import User
from starguide.cli import CLIError, _migrate, command
from starguide.config import Settings
from starguide.db import Database
from starguide.kit.errors import InvalidInput
from starguide.kit.events import UserSignedUp
from starguide.kit.outbox import record_event
from starguide.kit.time import utcnow


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--email", required=True, help="e-mail address of the admin (used to sign in)")
    p.add_argument("--name", default="Administrator", help="display name (default: Administrator)")


def _check_email(raw: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise CLIError(f"--email: {exc}") from None


def read_password(email: str) -> str:
    """Prompt twice on a terminal; otherwise read the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password for the new admin: ")
        if getpass.getpass("Repeat it: ") != first:
            raise CLIError("the two passwords differ")
        password = first
    else:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CLIError("no password on standard input (pipe it in, or run in a terminal to be asked)")
    try:
        passwords.check_password(password, email=email)
    except InvalidInput as exc:
        raise CLIError(f"password refused: {exc.detail.rsplit(': ', 1)[-1]}") from None
    return password


async def create_admin(settings: Settings, email: str, name: str) -> str:
    db = Database(settings)
    try:
        async with db.session(write=False) as session:
            exists = await session.scalar(select(User.id).where(User.email == email))
        if exists is not None:
            async with db.session() as session:
                await session.execute(update(User).where(User.id == exists).values(is_platform_admin=True))
            return f"{email} already had an account: it is now a platform admin (password unchanged)"
        password = read_password(email)
        password_hash = await passwords.hash_password(settings, password)
        now = utcnow()
        async with db.session() as session:
            user = User(
                email=email,
                display_name=name,
                password_hash=password_hash,
                password_changed_at=now,
                email_verified_at=now,
                is_platform_admin=True,
                is_active=True,
                time_zone="UTC",
                locale="en",
                created_at=now,
                updated_at=now,
            )
            session.add(user)
            await session.flush()
            record_event(session, UserSignedUp(user_id=user.id, occurred_at=now))
        return f"platform admin {email} created; sign in with this address and the password you chose"
    finally:
        await db.dispose()


@command(
    "create-admin", "Create a platform admin (asks for the password, or reads it from stdin).", _arguments
)
def create_admin_command(args: argparse.Namespace, settings: Settings) -> int:
    email = _check_email(args.email)
    name = args.name.strip()
    if not name or len(name) > 100:
        raise CLIError("--name must be 1 to 100 characters")
    _migrate(settings)
    print(asyncio.run(create_admin(settings, email, name)))
    return 0
