"""Password change and reset by e-mail, and e-mail address verification."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from starguide.kit.mail import OutgoingEmail
from starguide.kit.time import FrozenClock
from tests.factories import create_account

API = "/api/v1"
NEW = "brand-new-Password-7"


async def _mails_to(harness: Any, address: str) -> list[OutgoingEmail]:
    async with harness.runtime.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.to_address == address)
            .order_by(OutgoingEmail.created_at)
        )
        return list(rows)


def _token(mail: OutgoingEmail) -> str:
    found = re.search(r"token=([A-Za-z0-9_-]+)", mail.text_body)
    assert found, mail.text_body
    return found.group(1)


async def test_change_password_ends_other_sessions(client: Any) -> None:
    account = await create_account(client)
    other = (
        await client.post(f"{API}/auth/login", json={"email": account.email, "password": account.password})
    ).json()
    wrong = await client.post(
        f"{API}/auth/password/change",
        json={"current_password": "not-it-at-all", "new_password": NEW},
        headers=account.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"] == "body.current_password"
    weak = await client.post(
        f"{API}/auth/password/change",
        json={"current_password": account.password, "new_password": "short"},
        headers=account.headers,
    )
    assert weak.status_code == 422
    done = await client.post(
        f"{API}/auth/password/change",
        json={"current_password": account.password, "new_password": NEW},
        headers=account.headers,
    )
    assert done.status_code == 204
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 200
    assert (
        await client.get(f"{API}/me", headers={"Authorization": f"Bearer {other['access_token']}"})
    ).status_code == 401
    old = await client.post(f"{API}/auth/login", json={"email": account.email, "password": account.password})
    assert old.status_code == 401
    new = await client.post(f"{API}/auth/login", json={"email": account.email, "password": NEW})
    assert new.status_code == 200


async def test_password_reset_through_the_mail_outbox(harness: Any) -> None:
    client = harness.client
    account = await create_account(client)
    response = await client.post(f"{API}/auth/password/forgot", json={"email": account.email.upper()})
    assert response.status_code == 202
    [mail] = await _mails_to(harness, account.email)
    assert "reset" in mail.subject.lower()
    token = _token(mail)
    reset = await client.post(f"{API}/auth/password/reset", json={"token": token, "new_password": NEW})
    assert reset.status_code == 204
    # Every sign-in ended, the old password is gone, the link works once.
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 401
    again = await client.post(f"{API}/auth/password/reset", json={"token": token, "new_password": NEW + "x"})
    assert again.status_code == 400
    assert (
        await client.post(f"{API}/auth/login", json={"email": account.email, "password": NEW})
    ).status_code == 200
    # The mail is sent by the job (woken by the commit) and lands in the mail folder as an .eml file.
    await harness.runtime.mailer.send_pending(harness.runtime.db)
    files = list((harness.runtime.settings.data_dir / "mail").glob(f"{mail.id}.eml"))
    assert files
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert token in message.get_content()


async def test_forgot_password_for_unknown_address_says_the_same_and_sends_nothing(harness: Any) -> None:
    response = await harness.client.post(f"{API}/auth/password/forgot", json={"email": "ghost@example.org"})
    assert response.status_code == 202
    assert await _mails_to(harness, "ghost@example.org") == []


async def test_reset_link_expires_after_an_hour(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    client = harness.client
    account = await create_account(client)
    await client.post(f"{API}/auth/password/forgot", json={"email": account.email})
    token = _token((await _mails_to(harness, account.email))[0])
    clock.advance(minutes=61)
    response = await client.post(f"{API}/auth/password/reset", json={"token": token, "new_password": NEW})
    assert response.status_code == 400
    assert response.json()["type"].endswith("invalid-link")


async def test_email_verification_when_required(harness_factory: Any) -> None:
    harness = await harness_factory(require_email_verification=True)
    client = harness.client
    account = await create_account(client)
    blocked = await client.post(
        f"{API}/orgs",
        json={"name": "Org", "slug": "verify-first", "time_zone": "UTC"},
        headers=account.headers,
    )
    assert blocked.status_code == 403
    assert blocked.json()["type"].endswith("email-not-verified")
    mails = await _mails_to(harness, account.email)
    assert len(mails) == 1
    assert (await client.post(f"{API}/auth/email/resend", headers=account.headers)).status_code == 202
    mails = await _mails_to(harness, account.email)
    assert len(mails) == 2
    assert (await client.post(f"{API}/auth/email/verify", json={"token": "forged"})).status_code == 400
    verified = await client.post(f"{API}/auth/email/verify", json={"token": _token(mails[0])})
    assert verified.status_code == 204
    me = (await client.get(f"{API}/me", headers=account.headers)).json()
    assert me["email_verified"] is True
    allowed = await client.post(
        f"{API}/orgs",
        json={"name": "Org", "slug": "verify-first", "time_zone": "UTC"},
        headers=account.headers,
    )
    assert allowed.status_code == 201
    # Once verified, resending sends nothing.
    assert (await client.post(f"{API}/auth/email/resend", headers=account.headers)).status_code == 202
    assert len(await _mails_to(harness, account.email)) == 2
