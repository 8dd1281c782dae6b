"""HTTP routes of the AI domain (organisation admins): providers, keys, policy, aliases, budgets, usage.

(`ai/router.py` is the AI router itself, so the HTTP routes live here.)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from starguide.ai import service
from starguide.ai.keys import KeyBox
from starguide.ai.models import AIProviderKey, AIUsage
from starguide.ai.router import StreamFailed, StreamFinished
from starguide.ai.schemas import (
    AISettingsRead,
    AISettingsUpdate,
    AliasRead,
    AliasWrite,
    DeploymentRead,
    ProviderKeyRead,
    ProviderKeyWrite,
    TryRequest,
    UsageBreakdown,
    UsageGroup,
    UsageRead,
    UsageSummary,
    UsageTotal,
)
from starguide.ai.sse import EventStreamResponse, sse_event
from starguide.ai.types import ChatMessage, ChatRequest, TextDelta
from starguide.auth.deps import OrgAdminDep, Principal
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.errors import ProblemError
from starguide.kit.pagination import Page, PageParamsDep, paginate
from starguide.kit.tenancy import scoped

router = APIRouter(prefix="/ai", tags=["ai"])

ProviderPath = Annotated[str, Path(min_length=2, max_length=20, pattern=r"^[a-z_]+$")]
AliasPath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_.-]+$")]


def _org(principal: Principal) -> uuid.UUID:
    assert principal.organisation_id is not None  # OrgAdminDep guarantees it
    return principal.organisation_id


def _key_read(row: AIProviderKey) -> ProviderKeyRead:
    return ProviderKeyRead(
        provider=row.provider, last4=row.last4, created_at=row.created_at, updated_at=row.updated_at
    )


@router.get("/providers")
async def list_providers(
    principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> list[DeploymentRead]:
    """The deployments this server offers, and whether this organisation can use each."""
    org = await service.load_org_ai(
        session, KeyBox.from_settings(runtime.settings), runtime.settings, _org(principal)
    )
    out = []
    for deployment in runtime.ai.catalog.deployments.values():
        source: Literal["organisation", "server", "none", "not_needed"]
        if deployment.provider == "offline":
            source = "not_needed"
        elif deployment.provider in org.keys:
            source = "organisation"
        elif deployment.api_key:
            source = "server"
        else:
            source = "not_needed" if deployment.provider == "openai_compat" else "none"
        allowed = org.allow_external or not deployment.external
        out.append(
            DeploymentRead(
                name=deployment.name,
                provider=deployment.provider,
                model=deployment.model,
                external=deployment.external,
                key_source=source,
                usable=allowed and source != "none",
            )
        )
    return out


@router.get("/keys")
async def list_provider_keys(principal: OrgAdminDep, session: SessionDep) -> list[ProviderKeyRead]:
    """This organisation's own provider keys (only their last 4 characters)."""
    return [_key_read(row) for row in await service.list_keys(session, _org(principal))]


@router.put("/keys/{provider}")
async def set_provider_key(
    provider: ProviderPath,
    body: ProviderKeyWrite,
    principal: OrgAdminDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ProviderKeyRead:
    """Store (or replace) this organisation's key for a provider, encrypted."""
    row = await service.do_set_key(
        session,
        KeyBox.from_settings(runtime.settings),
        _org(principal),
        principal.user_id,
        provider,
        body.api_key.get_secret_value(),
        runtime.clock(),
    )
    return _key_read(row)


@router.delete("/keys/{provider}", status_code=204)
async def delete_provider_key(
    provider: ProviderPath, principal: OrgAdminDep, session: SessionDep
) -> Response:
    """Forget this organisation's key for a provider (the server's key, if any, applies again)."""
    await service.do_delete_key(session, _org(principal), provider)
    return Response(status_code=204)


async def _settings_read(
    session: SessionDep, runtime: RuntimeDep, organisation_id: uuid.UUID
) -> AISettingsRead:
    row = await service.access_org_settings(session, organisation_id)
    org = await service.load_org_ai(
        session, KeyBox.from_settings(runtime.settings), runtime.settings, organisation_id
    )
    return AISettingsRead(
        allow_external=org.allow_external,
        monthly_budget_usd=service.micros_to_usd(row.monthly_budget_micros if row else None),
        learner_daily_budget_usd=service.micros_to_usd(row.learner_daily_budget_micros if row else None),
        effective_monthly_budget_usd=service.micros_to_usd(org.monthly_budget_micros),
        effective_learner_daily_budget_usd=service.micros_to_usd(org.learner_daily_budget_micros),
    )


@router.get("/settings")
async def read_ai_settings(
    principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> AISettingsRead:
    """Data policy and budgets of this organisation."""
    return await _settings_read(session, runtime, _org(principal))


@router.patch("/settings")
async def update_ai_settings(
    body: AISettingsUpdate, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> AISettingsRead:
    """Change the data policy or the budgets."""
    row = await service.ensure_org_settings(session, _org(principal))
    if body.allow_external is not None:
        row.allow_external = body.allow_external
    if body.clear_monthly_budget:
        row.monthly_budget_micros = None
    elif body.monthly_budget_usd is not None:
        row.monthly_budget_micros = service.usd_to_micros(body.monthly_budget_usd)
    if body.clear_learner_daily_budget:
        row.learner_daily_budget_micros = None
    elif body.learner_daily_budget_usd is not None:
        row.learner_daily_budget_micros = service.usd_to_micros(body.learner_daily_budget_usd)
    row.updated_at = runtime.clock()
    await session.flush()
    return await _settings_read(session, runtime, _org(principal))


async def _aliases(session: SessionDep, runtime: RuntimeDep, organisation_id: uuid.UUID) -> list[AliasRead]:
    row = await service.access_org_settings(session, organisation_id)
    chosen = dict(row.aliases) if row else {}
    return [
        AliasRead(
            alias=name,
            strategy=alias.strategy,
            deployments=list(chosen.get(name) or [d.name for d in alias.deployments]),
            customised=bool(chosen.get(name)),
        )
        for name, alias in sorted(runtime.ai.catalog.aliases.items())
    ]


@router.get("/aliases")
async def list_aliases(principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep) -> list[AliasRead]:
    """Each model alias and the deployments it uses for this organisation, in order."""
    return await _aliases(session, runtime, _org(principal))


@router.put("/aliases/{alias}")
async def set_alias(
    alias: AliasPath, body: AliasWrite, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> AliasRead:
    """Choose this organisation's deployments for an alias, in order of preference."""
    service.check_alias_deployments(runtime.ai, alias, body.deployments)
    row = await service.ensure_org_settings(session, _org(principal))
    row.aliases = {**row.aliases, alias: list(body.deployments)}
    row.updated_at = runtime.clock()
    await session.flush()
    return next(a for a in await _aliases(session, runtime, _org(principal)) if a.alias == alias)


@router.delete("/aliases/{alias}", status_code=204)
async def reset_alias(
    alias: AliasPath, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Go back to the server's deployments for an alias."""
    service.check_alias_deployments(runtime.ai, alias, [])
    row = await service.access_org_settings(session, _org(principal))
    if row is not None and alias in row.aliases:
        row.aliases = {k: v for k, v in row.aliases.items() if k != alias}
        row.updated_at = runtime.clock()
    return Response(status_code=204)


@router.get("/usage")
async def list_usage(
    principal: OrgAdminDep,
    session: SessionDep,
    page: PageParamsDep,
    outcome: Annotated[str | None, Query(max_length=20)] = None,
    alias: Annotated[str | None, Query(max_length=60)] = None,
    user_id: uuid.UUID | None = None,
) -> Page[UsageRead]:
    """AI calls of this organisation, newest first."""
    stmt = scoped(select(AIUsage), AIUsage, _org(principal)).order_by(
        AIUsage.created_at.desc(), AIUsage.id.desc()
    )
    if outcome:
        stmt = stmt.where(AIUsage.outcome == outcome)
    if alias:
        stmt = stmt.where(AIUsage.alias == alias)
    if user_id:
        stmt = stmt.where(AIUsage.user_id == user_id)
    rows, total = await paginate(session, stmt, page)
    items = [
        UsageRead(
            id=r.id,
            user_id=r.user_id,
            alias=r.alias,
            deployment=r.deployment,
            provider=r.provider,
            model=r.model,
            input_tokens=r.input_tokens,
            cached_input_tokens=r.cached_input_tokens,
            output_tokens=r.output_tokens,
            cost_usd=r.cost_micros / 1_000_000,
            estimated=r.estimated,
            latency_ms=r.latency_ms,
            ttft_ms=r.ttft_ms,
            outcome=r.outcome,
            error_kind=r.error_kind,
            finish_reason=r.finish_reason,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return Page[UsageRead](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/usage/summary")
async def usage_summary(principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep) -> UsageSummary:
    """This month's spend against the budget, by alias, deployment and outcome."""
    summary = await service.usage_summary(session, _org(principal), runtime.clock())
    org = await service.load_org_ai(
        session, KeyBox.from_settings(runtime.settings), runtime.settings, _org(principal)
    )
    return UsageSummary(
        period=summary["period"],
        resets_at=summary["resets_at"],
        spent_usd=summary["spent_micros"] / 1_000_000,
        reserved_usd=summary["reserved_micros"] / 1_000_000,
        budget_usd=service.micros_to_usd(org.monthly_budget_micros),
        groups=[UsageGroup(**{**g, "cost_usd": g["cost_micros"] / 1_000_000}) for g in summary["groups"]],
    )


@router.get("/usage/breakdown")
async def usage_breakdown(
    principal: OrgAdminDep,
    session: SessionDep,
    runtime: RuntimeDep,
    by: Literal["alias", "deployment", "user", "day"] = "alias",
    days: Annotated[int, Query(ge=1, le=366, description="today (UTC) and the days before it")] = 30,
) -> UsageBreakdown:
    """Calls, tokens and cost of the last `days` days, totalled by alias, deployment, user or day."""
    today = runtime.clock().replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=days - 1)
    groups = await service.usage_breakdown(session, _org(principal), by, since)
    return UsageBreakdown(
        by=by,
        since=since,
        total_calls=sum(g["calls"] for g in groups),
        total_cost_usd=sum(g["cost_micros"] for g in groups) / 1_000_000,
        groups=[UsageTotal(**{**g, "cost_usd": g["cost_micros"] / 1_000_000}) for g in groups],
    )


@router.post(
    "/try",
    status_code=200,
    response_class=EventStreamResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "events: delta, done, error"}},
)
async def try_alias(body: TryRequest, principal: OrgAdminDep, runtime: RuntimeDep) -> EventStreamResponse:
    """Send a short prompt through an alias, as this organisation, to check its configuration."""
    await runtime.limiter.hit(
        runtime.settings.rate_limit_ai, "ai", str(principal.user_id), what="AI requests"
    )
    request = ChatRequest((ChatMessage("user", body.prompt),), max_tokens=body.max_tokens)
    # Nothing but the reservation is written: plan in a read, and reserve with the calls that
    # reserve at the same moment (on SQLite writes run one at a time).
    async with runtime.db.session(write=False) as session:
        plan = await service.plan_call(
            session, runtime, organisation_id=_org(principal), alias=body.alias, request=request
        )
    call = await service.reserve_planned(runtime, plan, user_id=principal.user_id, learner=False)
    return EventStreamResponse(stream_events(call))


async def stream_events(call: service.MeteredCall) -> AsyncGenerator[bytes, None]:
    """Router events as SSE: `delta` {text}, then `done` {usage...} or `error` {problem}."""
    try:
        async for event in call.stream():
            if isinstance(event, TextDelta):
                yield sse_event("delta", {"text": event.text})
            elif isinstance(event, StreamFinished | StreamFailed):
                result = event.result
                payload = {
                    "deployment": result.deployment.name if result.deployment else None,
                    "finish_reason": result.finish_reason.value,
                    "input_tokens": result.usage.input_tokens,
                    "output_tokens": result.usage.output_tokens,
                    "estimated": result.usage.estimated,
                    "cost_usd": result.cost_micros / 1_000_000,
                }
                if isinstance(event, StreamFailed):
                    payload["detail"] = "The answer was cut off by the AI provider; what arrived is kept."
                    payload["kind"] = event.error.kind.value
                    yield sse_event("error", payload)
                else:
                    yield sse_event("done", payload)
    except ProblemError as problem:
        yield sse_event(
            "error",
            {"status": problem.status, "title": problem.title, "detail": problem.detail, **problem.extra},
        )
