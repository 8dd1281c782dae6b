"""Outgoing e-mail through an outbox: queued with the change that asks for it, sent by a job.

With `STARGUIDE_SMTP_URL` set, messages go out over SMTP; otherwise each is written as an `.eml`
file under `<data dir>/mail/` (the log says where, and never carries the body: it may hold a token).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import Index, String, Text, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, UUIDPrimaryKey
from starguide.kit.time import Clock, utcnow

if TYPE_CHECKING:
    from starguide.db import Database

logger = logging.getLogger("starguide.mail")
MAX_SEND_ATTEMPTS = 8
CLAIM_SECONDS = 300


class OutgoingEmail(UUIDPrimaryKey, Base):
    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_pending", "sent_at", "failed_at"),)

    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    not_before: Mapped[datetime | None]  # claimed by a sender, or backing off after a failure
    last_error: Mapped[str | None] = mapped_column(Text)


def queue_email(session: AsyncSession, to: str, subject: str, text: str) -> OutgoingEmail:
    """Queue a message in the caller's transaction; it is sent after commit."""
    email = OutgoingEmail(to_address=to, subject=subject, text_body=text)
    session.add(email)
    session.info["mail_written"] = True
    return email


class Mailer:
    def __init__(self, smtp_url: str | None, sender: str, data_dir: Path) -> None:
        self.smtp_url = smtp_url
        self.sender = sender
        self.maildir = data_dir / "mail"

    def _message(self, email: OutgoingEmail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = email.to_address
        msg["Subject"] = email.subject
        msg["Message-ID"] = f"<{email.id}@starguide>"
        msg.set_content(email.text_body)
        return msg

    async def deliver(self, email: OutgoingEmail) -> None:
        msg = self._message(email)
        if not self.smtp_url:
            self.maildir.mkdir(parents=True, exist_ok=True)
            path = self.maildir / f"{email.id}.eml"
            path.write_bytes(bytes(msg))
            logger.info("e-mail written to file (no SMTP configured)", extra={"file": str(path)})
            return
        import aiosmtplib

        url = urlparse(self.smtp_url)
        query = parse_qs(url.query)
        await aiosmtplib.send(
            msg,
            hostname=url.hostname or "localhost",
            port=url.port or (465 if url.scheme == "smtps" else 25),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=url.scheme == "smtps",
            start_tls=query.get("starttls", ["false"])[0] == "true",
            timeout=30,
        )

    async def send_pending(self, db: Database, clock: Clock = utcnow) -> int:
        """Send every due message. Each is claimed first, so concurrent senders never send it twice;
        a claim left by a crashed sender expires after `CLAIM_SECONDS` and the message is retried."""
        now = clock()
        due = and_(
            OutgoingEmail.sent_at.is_(None),
            OutgoingEmail.failed_at.is_(None),
            or_(OutgoingEmail.not_before.is_(None), OutgoingEmail.not_before <= now),
        )
        async with db.session(write=False) as session:
            pending = (
                await session.scalars(
                    select(OutgoingEmail).where(due).order_by(OutgoingEmail.created_at).limit(100)
                )
            ).all()
        sent = 0
        for email in pending:
            async with db.session() as session:
                claimed = await session.execute(
                    update(OutgoingEmail)
                    .where(OutgoingEmail.id == email.id, due)
                    .values(not_before=now + timedelta(seconds=CLAIM_SECONDS))
                )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another sender has it
            try:
                await self.deliver(email)
            except Exception as exc:
                attempts = email.attempts + 1
                logger.warning(
                    "e-mail not sent", extra={"email_id": str(email.id), "error": type(exc).__name__}
                )
                async with db.session() as session:
                    await session.execute(
                        update(OutgoingEmail)
                        .where(OutgoingEmail.id == email.id)
                        .values(
                            attempts=attempts,
                            last_error=f"{type(exc).__name__}: {exc}"[:2000],
                            failed_at=now if attempts >= MAX_SEND_ATTEMPTS else None,
                            not_before=now + timedelta(seconds=min(3600, 15 * 2**attempts)),
                        )
                    )
                continue
            async with db.session() as session:
                await session.execute(
                    update(OutgoingEmail).where(OutgoingEmail.id == email.id).values(sent_at=clock())
                )
            sent += 1
        return sent
