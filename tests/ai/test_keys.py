"""Organisation provider keys: encrypted at rest, never returned, never logged, rotatable."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from starguide.ai.keys import KeyBox, KeyBoxError, main, rotate_all
from starguide.ai.models import AIProviderKey
from tests.ai.fakes.server import FakeProviderServer
from tests.ai.test_accounting import fake_settings
from tests.factories import create_org

ORG_KEY = "sk-org-own-key-SECRET-7f3a9c"


def test_seal_and_open_round_trip() -> None:
    box = KeyBox("a" * 40)
    token = box.seal(ORG_KEY)
    assert ORG_KEY not in token
    assert box.open(token) == ORG_KEY
    assert box.seal(ORG_KEY) != token  # random IV: equal keys do not look equal at rest
    with pytest.raises(KeyBoxError):
        KeyBox("b" * 40).open(token)


def test_rotation_keeps_old_keys_readable() -> None:
    old = KeyBox("old-secret-" + "o" * 30)
    token = old.seal(ORG_KEY)
    rotating = KeyBox("new-secret-" + "n" * 30, previous=["old-secret-" + "o" * 30])
    assert rotating.open(token) == ORG_KEY
    resealed = rotating.reseal(token)
    assert KeyBox("new-secret-" + "n" * 30).open(resealed) == ORG_KEY
    with pytest.raises(KeyBoxError):
        old.open(resealed)


def test_rotate_command_usage() -> None:
    assert main([]) == 2


async def test_key_is_encrypted_never_returned_and_never_logged(
    harness_factory: Any, fake: FakeProviderServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await harness_factory(**fake_settings(fake), access_log=True)
    org = await create_org(harness.client)
    headers = org.admin.headers
    stored = await harness.client.put("/api/v1/ai/keys/openai", json={"api_key": ORG_KEY}, headers=headers)
    assert stored.status_code == 200
    assert stored.json()["last4"] == ORG_KEY[-4:]
    assert ORG_KEY not in stored.text
    listed = await harness.client.get("/api/v1/ai/keys", headers=headers)
    assert listed.json() == [
        {
            "provider": "openai",
            "last4": ORG_KEY[-4:],
            "created_at": stored.json()["created_at"],
            "updated_at": stored.json()["updated_at"],
        }
    ]
    assert ORG_KEY not in listed.text
    # at rest: sealed with the service's encryption key
    async with harness.runtime.db.session(write=False) as session:
        row = await session.scalar(select(AIProviderKey).where(AIProviderKey.organisation_id == org.id))
    assert row is not None
    assert ORG_KEY not in row.ciphertext
    assert KeyBox.from_settings(harness.runtime.settings).open(row.ciphertext) == ORG_KEY
    # in use: the organisation's key replaces the server's, upstream
    response = await harness.client.post("/api/v1/ai/try", json={}, headers=headers)
    assert response.status_code == 200
    assert fake.requests_for("gpt-4o-mini")[-1].api_key == ORG_KEY
    providers = (await harness.client.get("/api/v1/ai/providers", headers=headers)).json()
    assert next(p for p in providers if p["name"] == "fake-openai")["key_source"] == "organisation"
    # an upstream auth failure quoting the key is redacted too
    from tests.ai.fakes.server import Script

    fake.script("gpt-4o-mini", Script(error="auth"))
    await harness.client.post("/api/v1/ai/try", json={}, headers=headers)
    # and nothing logged anywhere carries it
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    assert ORG_KEY not in logged
    assert "sk-server-key-0000" not in logged
    # deleting: the server key applies again
    assert (await harness.client.delete("/api/v1/ai/keys/openai", headers=headers)).status_code == 204
    assert (await harness.client.delete("/api/v1/ai/keys/openai", headers=headers)).status_code == 404
    await harness.client.post("/api/v1/ai/try", json={}, headers=headers)
    assert fake.requests_for("gpt-4o-mini")[-1].api_key == "sk-server-key-0000"


async def test_bad_keys_and_providers(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    headers = org.admin.headers
    short = await harness.client.put("/api/v1/ai/keys/openai", json={"api_key": "abc"}, headers=headers)
    assert short.status_code == 422
    assert "abc" not in short.text
    spaced = await harness.client.put(
        "/api/v1/ai/keys/openai", json={"api_key": "sk-has a space"}, headers=headers
    )
    assert spaced.status_code == 422
    assert "has a space" not in spaced.text
    unknown = await harness.client.put(
        "/api/v1/ai/keys/cohere", json={"api_key": "sk-12345678"}, headers=headers
    )
    assert unknown.status_code == 404


async def test_rotate_all_reseals_stored_keys(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    await harness.client.put(
        "/api/v1/ai/keys/anthropic", json={"api_key": ORG_KEY}, headers=org.admin.headers
    )
    current = harness.runtime.settings.encryption_key_value()
    new_secret = "rotated-" + "r" * 40
    async with harness.runtime.db.session() as session:
        count = await rotate_all(session, KeyBox(new_secret, previous=[current]))
    assert count >= 1
    async with harness.runtime.db.session(write=False) as session:
        row = await session.scalar(select(AIProviderKey).where(AIProviderKey.organisation_id == org.id))
    assert row is not None
    assert KeyBox(new_secret).open(row.ciphertext) == ORG_KEY
