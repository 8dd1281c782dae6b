"""Organisations' provider keys, encrypted at rest with Fernet keyed from STARGUIDE_ENCRYPTION_KEY.

Rotation: set the new STARGUIDE_ENCRYPTION_KEY and list the old one(s) in
STARGUIDE_ENCRYPTION_KEYS_PREVIOUS (comma-separated). Keys sealed with an old secret still open;
`python -m starguide.ai.keys rotate` re-seals every stored key with the new secret, after which
the old secret can be dropped from the setting.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import sys
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.config import Settings

_INFO = b"starguide/ai-provider-keys/v1"


def _fernet(secret: str) -> Fernet:
    """A Fernet key derived from the service secret, used for this purpose only."""
    raw = HKDF(algorithm=SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


class KeyBoxError(Exception):
    """A stored key cannot be opened with the current or previous secrets."""


class KeyBox:
    def __init__(self, current: str, previous: Sequence[str] = ()) -> None:
        self._box = MultiFernet([_fernet(current), *(_fernet(p) for p in previous)])

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyBox:
        previous = settings.encryption_keys_previous
        old = [p.strip() for p in previous.get_secret_value().split(",") if p.strip()] if previous else []
        return _box(settings.encryption_key_value(), tuple(old))

    def seal(self, plaintext: str) -> str:
        return self._box.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._box.decrypt(token.encode()).decode()
        except InvalidToken:
            raise KeyBoxError("a stored provider key does not open with the configured secrets") from None

    def reseal(self, token: str) -> str:
        try:
            return self._box.rotate(token.encode()).decode()
        except InvalidToken:
            raise KeyBoxError("a stored provider key does not open with the configured secrets") from None


@functools.lru_cache(maxsize=8)
def _box(current: str, previous: tuple[str, ...]) -> KeyBox:
    """Deriving the Fernet keys costs a little: once per secret, not once per request."""
    return KeyBox(current, previous)


def last4(key: str) -> str:
    return key[-4:] if len(key) >= 8 else "…"


async def rotate_all(session: AsyncSession, box: KeyBox) -> int:
    """Re-seal every stored provider key with the current secret; returns how many."""
    from starguide.ai.models import AIProviderKey

    rows = (await session.scalars(select(AIProviderKey))).all()
    for row in rows:
        row.ciphertext = box.reseal(row.ciphertext)
    return len(rows)


async def _rotate() -> int:
    from starguide.config import load_settings
    from starguide.db import Database

    settings = load_settings()
    db = Database(settings)
    try:
        async with db.session() as session:
            return await rotate_all(session, KeyBox.from_settings(settings))
    finally:
        await db.dispose()


def main(argv: Sequence[str]) -> int:
    if list(argv) != ["rotate"]:
        print("usage: python -m starguide.ai.keys rotate", file=sys.stderr)
        return 2
    count = asyncio.run(_rotate())
    print(f"re-sealed {count} provider key(s) with the current STARGUIDE_ENCRYPTION_KEY")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
