"""Outgoing mail: written to files without SMTP, sent to a real (local) SMTP server otherwise."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from starguide.kit.mail import MAX_SEND_ATTEMPTS, OutgoingEmail, queue_email
from starguide.kit.time import FrozenClock


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def queue(harness: Any, subject: str) -> OutgoingEmail:
    async with harness.runtime.db.session() as session:
        return queue_email(session, "learner@example.org", subject, "Your link: https://x/reset?token=abc")


async def test_without_smtp_mail_goes_to_files_not_logs(
    harness: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    message = await queue(harness, "Reset your password")
    assert await harness.runtime.mailer.send_pending(harness.runtime.db) == 1
    path = Path(settings.data_dir) / "mail" / f"{message.id}.eml"
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["Subject"] == "Reset your password"
    assert "token=abc" in parsed.get_payload()
    assert "token=abc" not in caplog.text
    assert await harness.runtime.mailer.send_pending(harness.runtime.db) == 0  # sent once


async def test_smtp_delivery(harness_factory: Any, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    harness = await harness_factory(smtp_url=f"smtp://127.0.0.1:{port}")
    await queue(harness, "Welcome")
    assert await harness.runtime.mailer.send_pending(harness.runtime.db) == 1
    await asyncio.sleep(0)
    assert [m["Subject"] for m in inbox.messages] == ["Welcome"]
    assert inbox.messages[0]["To"] == "learner@example.org"


async def test_smtp_down_keeps_message_and_retries(harness_factory: Any) -> None:
    harness = await harness_factory(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    message = await queue(harness, "Kept")
    assert await harness.runtime.mailer.send_pending(harness.runtime.db) == 0
    async with harness.runtime.db.session(write=False) as session:
        row = await session.get(OutgoingEmail, message.id)
        assert row is not None
        assert row.sent_at is None
        assert row.attempts == 1
        assert row.failed_at is None
    clock = FrozenClock()
    for _ in range(MAX_SEND_ATTEMPTS):
        clock.advance(hours=2)  # past each back-off
        await harness.runtime.mailer.send_pending(harness.runtime.db, clock)
    async with harness.runtime.db.session(write=False) as session:
        rows = (await session.scalars(select(OutgoingEmail))).all()
        assert rows[0].failed_at is not None


async def test_concurrent_senders_send_each_message_once(
    harness_factory: Any, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    harness = await harness_factory(smtp_url=f"smtp://127.0.0.1:{port}")
    for i in range(5):
        await queue(harness, f"once-{i}")
    mailer, db = harness.runtime.mailer, harness.runtime.db
    await asyncio.gather(mailer.send_pending(db), mailer.send_pending(db), mailer.send_pending(db))
    await asyncio.sleep(0.1)  # let a job kicked by the commits finish too
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == [f"once-{i}" for i in range(5)]
