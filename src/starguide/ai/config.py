"""Deployments and aliases: what the router may call, read from settings (unset means offline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, SecretStr

if TYPE_CHECKING:
    from starguide.config import Settings

ProviderKind = Literal["openai", "anthropic", "gemini", "openai_compat", "offline"]
Strategy = Literal["priority", "latency", "cost"]
PROVIDER_KINDS: tuple[ProviderKind, ...] = ("openai", "anthropic", "gemini", "openai_compat", "offline")
# Providers run by someone else: an organisation that forbids outside providers never reaches them.
EXTERNAL_PROVIDERS = frozenset({"openai", "anthropic", "gemini"})
ALIASES = ("mentor-default", "mentor-fast", "grader")

# Models used when only a key is configured, per alias.
DEFAULT_MODELS: dict[str, dict[str, str]] = {
    "openai": {"mentor-default": "gpt-4.1-mini", "mentor-fast": "gpt-4.1-nano", "grader": "gpt-4.1-mini"},
    "anthropic": {
        "mentor-default": "claude-sonnet-4-5",
        "mentor-fast": "claude-haiku-4-5",
        "grader": "claude-sonnet-4-5",
    },
    "gemini": {
        "mentor-default": "gemini-2.5-flash",
        "mentor-fast": "gemini-2.5-flash-lite",
        "grader": "gemini-2.5-flash",
    },
}


class DeploymentSpec(BaseModel):
    """One model at one provider, as written in `STARGUIDE_AI_DEPLOYMENTS`."""

    provider: ProviderKind
    model: str = Field(default="offline", min_length=1, max_length=200)
    api_key: SecretStr | None = None  # None: the server-wide key of this provider (or the org's own)
    base_url: str | None = Field(default=None, max_length=500)
    external: bool | None = None  # None: true for openai, anthropic and gemini
    context_window: int | None = Field(default=None, ge=1)


class AliasSpec(BaseModel):
    """An alias and its ordered deployments (by name), as written in `STARGUIDE_AI_ALIASES`."""

    strategy: Strategy = "priority"
    deployments: list[str] = Field(min_length=1, max_length=20)


@dataclass(frozen=True, slots=True)
class Deployment:
    name: str
    provider: ProviderKind
    model: str
    api_key: str | None = field(default=None, repr=False)  # never in logs or reprs
    base_url: str | None = None
    external: bool = False
    context_window: int | None = None


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    strategy: Strategy
    deployments: tuple[Deployment, ...]


@dataclass(frozen=True)
class Catalog:
    deployments: dict[str, Deployment]
    aliases: dict[str, Alias]

    def alias(self, name: str) -> Alias | None:
        return self.aliases.get(name)


class CatalogError(ValueError):
    """The AI settings name something that does not exist."""


def _server_key(settings: Settings, provider: str) -> str | None:
    secret: SecretStr | None = getattr(settings, f"{provider}_api_key", None)
    return secret.get_secret_value() if secret else None


def _server_base_url(settings: Settings, provider: str) -> str | None:
    value: str | None = getattr(settings, f"{provider}_base_url", None)
    return value


def _deployment(settings: Settings, name: str, spec: DeploymentSpec) -> Deployment:
    key = spec.api_key.get_secret_value() if spec.api_key else _server_key(settings, spec.provider)
    return Deployment(
        name=name,
        provider=spec.provider,
        model=spec.model,
        api_key=key,
        base_url=spec.base_url or _server_base_url(settings, spec.provider),
        external=spec.provider in EXTERNAL_PROVIDERS if spec.external is None else spec.external,
        context_window=spec.context_window,
    )


def _default_specs(settings: Settings) -> tuple[dict[str, DeploymentSpec], dict[str, AliasSpec]]:
    """Deployments from the simple settings (one key per provider), in a fixed order of preference."""
    specs: dict[str, DeploymentSpec] = {}
    chains: dict[str, list[str]] = {alias: [] for alias in ALIASES}
    for provider in ("openai", "anthropic", "gemini"):
        if not _server_key(settings, provider):
            continue
        for alias in ALIASES:
            model = DEFAULT_MODELS[provider][alias]
            name = f"{provider}:{model}"
            specs.setdefault(name, DeploymentSpec(provider=provider, model=model))
            chains[alias].append(name)
    if settings.openai_compat_base_url:
        name = f"openai_compat:{settings.openai_compat_model}"
        specs[name] = DeploymentSpec(provider="openai_compat", model=settings.openai_compat_model)
        for alias in ALIASES:
            chains[alias].append(name)
    return specs, {alias: AliasSpec(deployments=names or ["offline"]) for alias, names in chains.items()}


def build_catalog(settings: Settings) -> Catalog:
    """Deployments and aliases from settings; `offline` always exists and ends every mentor alias."""
    if settings.ai_deployments or settings.ai_aliases:
        specs, alias_specs = dict(settings.ai_deployments), dict(settings.ai_aliases)
    else:
        specs, alias_specs = _default_specs(settings)
    specs.setdefault("offline", DeploymentSpec(provider="offline", model="offline"))
    deployments = {name: _deployment(settings, name, spec) for name, spec in specs.items()}
    aliases: dict[str, Alias] = {}
    for alias_name in {*ALIASES, *alias_specs}:
        spec = alias_specs.get(alias_name) or AliasSpec(deployments=["offline"])
        names = list(spec.deployments)
        if settings.ai_offline_fallback and alias_name.startswith("mentor") and "offline" not in names:
            names.append("offline")
        missing = [n for n in names if n not in deployments]
        if missing:
            raise CatalogError(f"alias {alias_name!r} names unknown deployments: {', '.join(missing)}")
        aliases[alias_name] = Alias(alias_name, spec.strategy, tuple(deployments[n] for n in names))
    return Catalog(deployments, aliases)
