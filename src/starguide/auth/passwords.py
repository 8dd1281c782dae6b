"""Password hashing (argon2id, off the event loop) and the password policy."""

from __future__ import annotations

import asyncio
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from starguide.config import Settings
from starguide.kit.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128

# The most common choices, refused outright (attackers try them first).
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "0000000000",
        "qwertyuiop",
        "password12",
        "password123",
        "password1234",
        "iloveyou123",
        "qwerty12345",
        "abcdefghij",
        "letmein123",
        "welcome123",
        "starguide1",
        "starguide123",
        "changeme123",
        "administrator",
    }
)


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
        settings.password_hash_parallelism,
    )


@lru_cache(maxsize=8)
def _dummy_hash(ph: PasswordHasher) -> str:
    return ph.hash(secrets.token_urlsafe(16))


async def hash_password(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(hasher(settings).hash, password)


def _verify(ph: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return ph.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(settings: Settings, password_hash: str | None, password: str) -> bool:
    """Check `password`; with no hash (unknown account) check a dummy one, so both take as long."""
    ph = hasher(settings)
    if password_hash is None:
        await asyncio.to_thread(_verify, ph, _dummy_hash(ph), password)
        return False
    return await asyncio.to_thread(_verify, ph, password_hash, password)


def needs_rehash(settings: Settings, password_hash: str) -> bool:
    try:
        return hasher(settings).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def check_password(password: str, *, email: str | None = None, field: str = "body.password") -> None:
    """Refuse short, overly long, and guessable passwords, naming the reason."""
    problem = None
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = f"Use at least {MIN_PASSWORD_LENGTH} characters."
    elif len(password) > MAX_PASSWORD_LENGTH:
        problem = f"Use at most {MAX_PASSWORD_LENGTH} characters."
    elif not password.strip():
        problem = "The password cannot be only spaces."
    elif password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problem = "This password is too easy to guess; choose another."
    elif email and password.lower() in {email.lower(), email.split("@", 1)[0].lower()}:
        problem = "The password cannot be your e-mail address."
    if problem:
        raise InvalidInput(
            f"Invalid input: {field}: {problem}",
            errors=[{"loc": field, "message": problem, "kind": "password_policy"}],
        )
