"""Request and response bodies of the AI admin API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class DeploymentRead(BaseModel):
    name: str
    provider: str
    model: str
    external: bool
    key_source: Literal["organisation", "server", "none", "not_needed"]
    usable: bool = Field(description="allowed by the data policy and has a key (or needs none)")


class ProviderKeyWrite(BaseModel):
    api_key: SecretStr = Field(min_length=8, max_length=500, description="never returned, never logged")


class ProviderKeyRead(BaseModel):
    provider: str
    last4: str
    created_at: datetime
    updated_at: datetime


class AISettingsRead(BaseModel):
    allow_external: bool = Field(description="false: learners' data never goes to an outside provider")
    monthly_budget_usd: float | None = Field(description="this organisation's cap; null: the server default")
    learner_daily_budget_usd: float | None
    effective_monthly_budget_usd: float | None = Field(description="the cap in force (null: none)")
    effective_learner_daily_budget_usd: float | None


class AISettingsUpdate(BaseModel):
    allow_external: bool | None = None
    monthly_budget_usd: float | None = Field(default=None, ge=0, le=1_000_000)
    learner_daily_budget_usd: float | None = Field(default=None, ge=0, le=10_000)
    clear_monthly_budget: bool = False
    clear_learner_daily_budget: bool = False


class AliasRead(BaseModel):
    alias: str
    strategy: str
    deployments: list[str]
    customised: bool = Field(description="true when this organisation chose its own deployments")


class AliasWrite(BaseModel):
    deployments: list[str] = Field(min_length=1, max_length=10)


class UsageRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID | None
    alias: str
    deployment: str | None
    provider: str | None
    model: str | None
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: float
    estimated: bool
    latency_ms: int | None
    ttft_ms: int | None
    outcome: str
    error_kind: str | None
    finish_reason: str | None
    created_at: datetime


class UsageGroup(BaseModel):
    alias: str
    deployment: str | None
    outcome: str
    calls: int
    cost_usd: float
    input_tokens: int
    output_tokens: int


class UsageSummary(BaseModel):
    period: str
    resets_at: datetime
    spent_usd: float
    reserved_usd: float = Field(description="held by calls still running")
    budget_usd: float | None
    groups: list[UsageGroup]


class UsageTotal(BaseModel):
    key: str | None = Field(description="the alias, deployment, user id or day (YYYY-MM-DD, UTC)")
    label: str = Field(description="what to show: the user's name for users")
    calls: int
    cost_usd: float
    input_tokens: int
    output_tokens: int


class UsageBreakdown(BaseModel):
    by: Literal["alias", "deployment", "user", "day"]
    since: datetime
    total_calls: int
    total_cost_usd: float
    groups: list[UsageTotal]


class TryRequest(BaseModel):
    alias: str = Field(default="mentor-default", min_length=1, max_length=60)
    prompt: str = Field(default="Say hello in five words.", min_length=1, max_length=2000)
    max_tokens: int = Field(default=64, ge=1, le=1024)
