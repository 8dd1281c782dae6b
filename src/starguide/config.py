"""Settings, read from `STARGUIDE_*` environment variables; unset means the embedded default."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from starguide.ai.config import AliasSpec, DeploymentSpec
from starguide.ai.pricing import Price

# Values copied from tutorials and templates; a deployment that uses one of them is not secret.
PLACEHOLDER_SECRETS = frozenset(
    {
        "changethis",
        "changeme",
        "change-me",
        "secret",
        "password",
        "dev",
        "development",
        "test",
        "starguide",
        "your-secret-key",
        "xxx",
        "replace-me",
        "please-change",
    }
)
MIN_SECRET_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or unusable; the message says which and how to fix it."""


class Settings(BaseSettings):
    """Every setting of the service. Domains read theirs from here, never from the environment."""

    model_config = SettingsConfigDict(env_prefix="STARGUIDE_", extra="ignore", validate_default=True)

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    # PostgreSQL connections a process keeps open for its sessions (plus up to 10 for the hot path)
    database_pool_size: int = Field(default=30, ge=1, le=500)
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    encryption_key: SecretStr | None = None
    encryption_keys_previous: SecretStr | None = None  # comma-separated, while rotating
    public_url: str = "http://127.0.0.1:8000"

    # HTTP
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    access_log: bool = True
    log_level: str = "INFO"
    log_json: bool = True

    # Rate limits, in the `limits` library's notation ("120/minute;2000/hour").
    rate_limits_enabled: bool = True
    rate_limit_ip: str = "300/minute"
    rate_limit_user: str = "600/minute"
    rate_limit_auth: str = "10/minute;100/hour"
    rate_limit_signup: str = "5/minute;50/hour"
    rate_limit_ai: str = "30/minute;500/day"

    # Jobs and events
    run_jobs_in_process: bool | None = None  # None: in-process unless Redis is configured
    outbox_poll_seconds: float = Field(default=5.0, gt=0)
    outbox_max_attempts: int = Field(default=12, ge=1)

    # Real time: seconds between Socket.IO pings (a dead connection is noticed within about twice this)
    realtime_ping_interval: float = Field(default=25, gt=0, le=300)

    # E-mail
    smtp_url: str | None = None  # smtp://user:pass@host:587?starttls=true
    mail_from: str = "StarGuide <no-reply@starguide.local>"

    # Accounts and organisations
    registration: Literal["open", "invitation"] = "open"  # "invitation": sign-up needs an invitation
    org_creation: Literal["anyone", "platform_admins"] = "anyone"  # who may create organisations
    require_email_verification: bool = False  # unverified accounts cannot use organisations
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)  # absolute lifetime of a sign-in
    refresh_grace_seconds: int = Field(default=10, ge=0, le=120)  # concurrent refreshes of one token
    # How long a process trusts its memory of a sign-in's rights (changes are announced at once;
    # this bounds only what is not announced, such as a CLI change without Redis); 0 turns it off
    auth_cache_seconds: float = Field(default=5, ge=0, le=60)
    password_reset_minutes: int = Field(default=60, ge=5, le=1440)
    email_verification_hours: int = Field(default=48, ge=1, le=720)
    # argon2id cost; the defaults follow RFC 9106's second recommended option (64 MiB, 3 passes)
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65_536, ge=8, le=4_194_304)
    password_hash_parallelism: int = Field(default=4, ge=1, le=32)

    # Web app: the folder `npm run build` writes to; None means the package's own `static/`.
    web_dir: Path | None = None

    # SQLite
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)

    # AI providers (docs/ai.md). With none configured, the offline mentor answers from the content.
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    gemini_api_key: SecretStr | None = None
    gemini_base_url: str | None = None
    openai_compat_base_url: str | None = None  # Ollama, vLLM, llama.cpp server, LM Studio
    openai_compat_api_key: SecretStr | None = None
    openai_compat_model: str = "llama3.1"
    # Full control: named deployments and aliases as JSON (replace the defaults built from the keys).
    ai_deployments: dict[str, DeploymentSpec] = Field(default_factory=dict)
    ai_aliases: dict[str, AliasSpec] = Field(default_factory=dict)
    ai_prices: dict[str, Price] = Field(default_factory=dict)  # "provider/model" -> USD per 1M tokens
    ai_offline_fallback: bool = True  # end every mentor alias with the offline mentor
    # How long a process trusts its memory of an organisation's AI settings and keys (changes are
    # announced at once; this bounds only what is not announced); 0 reads them on every call
    ai_settings_cache_seconds: float = Field(default=5, ge=0, le=60)
    ai_connect_timeout: float = Field(default=5.0, gt=0)
    ai_first_token_timeout: float = Field(default=30.0, gt=0)
    ai_read_timeout: float = Field(default=60.0, gt=0)  # longest pause between two chunks
    ai_total_timeout: float = Field(default=300.0, gt=0)
    ai_max_retries: int = Field(default=2, ge=0, le=10)  # per deployment, before falling back
    ai_backoff_base: float = Field(default=0.5, ge=0)
    ai_backoff_max: float = Field(default=8.0, ge=0)
    ai_max_retry_wait: float = Field(default=20.0, ge=0)  # a longer Retry-After falls back at once
    ai_breaker_failures: int = Field(default=3, ge=1)
    ai_breaker_cooldown: float = Field(default=30.0, gt=0)
    ai_breaker_max_cooldown: float = Field(default=600.0, gt=0)
    # Budgets used when an organisation has set none (US dollars; unset: no cap).
    ai_org_monthly_budget_usd: float | None = Field(default=None, ge=0)
    ai_learner_daily_budget_usd: float | None = Field(default=None, ge=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'starguide.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def jobs_in_process(self) -> bool:
        if self.run_jobs_in_process is not None:
            return self.run_jobs_in_process
        return self.redis_url is None

    def secret_key_value(self) -> str:
        assert self.secret_key is not None, "call resolve_secrets() first"
        return self.secret_key.get_secret_value()

    def encryption_key_value(self) -> str:
        assert self.encryption_key is not None, "call resolve_secrets() first"
        return self.encryption_key.get_secret_value()


def check_database_url(url: str) -> None:
    """Refuse a URL that names no database we speak, before anything tries to connect."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigError(f"STARGUIDE_DATABASE_URL is not a database URL: {exc}") from None
    if parsed.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        raise ConfigError(
            f"STARGUIDE_DATABASE_URL uses '{parsed.drivername}'; use "
            "'postgresql+asyncpg://user:pass@host/db' or 'sqlite+aiosqlite:///path/to/file.db'"
        )


def _check_secret(name: str, value: str) -> None:
    if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"STARGUIDE_{name} is a placeholder or shorter than {MIN_SECRET_LENGTH} characters; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def _ensure_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"data folder {path.resolve()} is not writable: {exc.strerror}") from None


def _generated_secret(path: Path) -> str:
    """Read a secret kept in the data folder, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def resolve_secrets(settings: Settings) -> Settings:
    """Fill in the embedded-mode secrets, or refuse to start without them on a shared database."""
    check_database_url(settings.resolved_database_url)
    _ensure_data_dir(settings.data_dir)
    updates: dict[str, SecretStr] = {}
    for name in ("secret_key", "encryption_key"):
        current: SecretStr | None = getattr(settings, name)
        if current is not None:
            _check_secret(name.upper(), current.get_secret_value())
            continue
        if not settings.is_sqlite:
            raise ConfigError(
                f"STARGUIDE_{name.upper()} must be set when the database is not the embedded SQLite: "
                "every worker needs the same key"
            )
        updates[name] = SecretStr(_generated_secret(settings.data_dir / name))
    return settings.model_copy(update=updates) if updates else settings


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (plus overrides), with secrets resolved."""
    return resolve_secrets(Settings(**overrides))  # type: ignore[arg-type]
