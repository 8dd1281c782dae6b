"""Settings: embedded defaults, generated secrets, and refusals that say what to do."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from starguide.config import ConfigError, Settings, load_settings, resolve_secrets

PG = "postgresql+asyncpg://u@127.0.0.1/db"
GOOD = "k" * 48


def test_embedded_secrets_are_generated_once_with_0600(tmp_path: Path) -> None:
    first = resolve_secrets(Settings(data_dir=tmp_path))
    for name in ("secret_key", "encryption_key"):
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o600
    second = resolve_secrets(Settings(data_dir=tmp_path))
    assert first.secret_key_value() == second.secret_key_value()
    assert first.encryption_key_value() == second.encryption_key_value()
    assert first.secret_key_value() != first.encryption_key_value()
    assert len(first.secret_key_value()) >= 32


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.is_sqlite
    assert settings.resolved_database_url.endswith(str(tmp_path / "starguide.db"))


def test_environment_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STARGUIDE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STARGUIDE_RATE_LIMIT_IP", "5/second")
    monkeypatch.setenv("STARGUIDE_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = load_settings()
    assert settings.rate_limit_ip == "5/second"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_postgres_requires_explicit_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="STARGUIDE_SECRET_KEY must be set"):
        resolve_secrets(Settings(data_dir=tmp_path, database_url=PG))
    ok = resolve_secrets(
        Settings(data_dir=tmp_path, database_url=PG, secret_key=GOOD, encryption_key=GOOD + "x")
    )
    assert ok.secret_key_value() == GOOD
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("value", ["changethis", "secret", "CHANGEME", "short-key"])
def test_placeholder_secrets_are_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="placeholder"):
        resolve_secrets(Settings(data_dir=tmp_path, database_url=PG, secret_key=value, encryption_key=GOOD))


@pytest.mark.parametrize("url", ["mysql://x/y", "postgresql://u@h/db", "not a url at all"])
def test_unsupported_database_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="STARGUIDE_DATABASE_URL"):
        resolve_secrets(Settings(data_dir=tmp_path, database_url=url))


def test_unwritable_data_dir_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "file").write_text("x")
    with pytest.raises(ConfigError, match="not writable"):
        resolve_secrets(Settings(data_dir=locked / "file" / "sub"))
