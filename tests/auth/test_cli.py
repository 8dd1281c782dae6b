"""`starguide create-admin` and `starguide seed-demo`, run through the real command line entry."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest

from starguide.cli import main
from starguide.orgs import demo as demo_module
from starguide.orgs.demo import DemoData, register_demo_seeder


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, harness: Any) -> Any:
    """The environment `starguide` reads, pointing at the test database of `harness`."""
    settings = harness.runtime.settings
    env = {
        "STARGUIDE_DATABASE_URL": settings.resolved_database_url,
        "STARGUIDE_DATA_DIR": str(settings.data_dir),
        "STARGUIDE_SECRET_KEY": settings.secret_key_value(),
        "STARGUIDE_ENCRYPTION_KEY": settings.encryption_key_value(),
        "STARGUIDE_LOG_JSON": "false",
        "STARGUIDE_PASSWORD_HASH_TIME_COST": "1",
        "STARGUIDE_PASSWORD_HASH_MEMORY_KIB": "64",
        "STARGUIDE_PASSWORD_HASH_PARALLELISM": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return harness


async def run(argv: list[str]) -> int:
    """`starguide ARGV` in a thread: the command runs its own event loop."""
    return await asyncio.to_thread(main, argv)


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


async def _login(harness: Any, email: str, password: str) -> Any:
    return await harness.client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_create_admin_reads_the_password_from_stdin(
    cli_env: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "a-long-Admin-password\n")
    assert await run(["create-admin", "--email", "Root@Example.org", "--name", "Root"]) == 0
    assert "platform admin root@example.org created" in capsys.readouterr().out
    response = await _login(cli_env, "root@example.org", "a-long-Admin-password")
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    me = (await cli_env.client.get("/api/v1/me", headers=headers)).json()
    assert me["is_platform_admin"] is True
    assert me["email_verified"] is True
    # Running it again promotes, never changes the password, and asks for nothing.
    _stdin(monkeypatch, "")
    assert await run(["create-admin", "--email", "root@example.org"]) == 0
    assert "already had an account" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["create-admin", "--email", "not-an-email"], "whatever-Password-1\n", "--email"),
        (["create-admin", "--email", "short@example.org"], "short\n", "at least"),
        (["create-admin", "--email", "empty@example.org"], "", "no password"),
        (["create-admin", "--email", "n@example.org", "--name", " "], "whatever-Password-1\n", "--name"),
    ],
)
async def test_create_admin_errors_are_one_clear_line(
    cli_env: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    _stdin(monkeypatch, stdin)
    assert await run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("starguide: error:")
    assert message in err
    assert "Traceback" not in err


async def test_seed_demo_is_idempotent_and_prints_working_credentials(
    cli_env: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[DemoData] = []

    async def seeder(session: Any, demo: DemoData) -> None:
        seen.append(demo)

    monkeypatch.setattr(demo_module, "_SEEDERS", [])
    register_demo_seeder(seeder)
    assert await run(["seed-demo", "--if-empty"]) == 0
    first = capsys.readouterr().out
    assert "Starlight Academy" in first
    assert await run(["seed-demo"]) == 0
    assert capsys.readouterr().out == first
    assert [d.created for d in seen] == [True, False]
    assert len(seen[0].learners) == 3
    assert await run(["seed-demo", "--if-empty"]) == 0
    assert "demo not seeded" in capsys.readouterr().out
    rows = [line.split() for line in first.splitlines() if "@starlight.example" in line]
    assert [r[0] for r in rows] == ["org_admin", "mentor", "learner", "learner", "learner"]
    for role, email, password in rows:
        response = await _login(cli_env, email, password)
        assert response.status_code == 200, email
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        me = (await cli_env.client.get("/api/v1/me", headers=headers)).json()
        assert me["active_organisation"]["role"] == role
    admin_headers = {
        "Authorization": f"Bearer {(await _login(cli_env, rows[0][1], rows[0][2])).json()['access_token']}"
    }
    members = (await cli_env.client.get("/api/v1/org/members", headers=admin_headers)).json()
    assert members["total"] == 5
