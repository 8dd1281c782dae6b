"""AI for an organisation: its keys, policy, aliases and budgets, and metered calls through the router.

A metered call is reserved inside a transaction of the request (so a 429 for an exhausted budget
is an ordinary error response), then streamed after that transaction has committed, and settled in
a short transaction of its own when the stream ends, however it ends. A route that writes nothing
else plans the call in a read (`plan_call`) and reserves it in a write transaction that holds only
the reservation (`hold_call`): on SQLite write transactions queue behind one another.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import anyio
from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai import budgets
from starguide.ai.config import EXTERNAL_PROVIDERS, Deployment
from starguide.ai.keys import KeyBox, KeyBoxError, last4
from starguide.ai.ledger import Ledger
from starguide.ai.models import AIOrgSettings, AIProviderKey, AISpend, AIUsage
from starguide.ai.router import CallResult, Router, RouterEvent, RouterStream, RoutingError
from starguide.ai.types import ChatRequest
from starguide.auth.models import User
from starguide.kit.errors import InvalidInput, NotFound, ProblemError
from starguide.kit.jobs import jobs
from starguide.kit.tenancy import scoped
from starguide.kit.time import Clock

logger = logging.getLogger("starguide.ai")

KEY_PROVIDERS = ("openai", "anthropic", "gemini", "openai_compat")
STALE_AFTER = timedelta(minutes=15)  # longer than any call may last (total timeout + settling)


class AIUnavailable(ProblemError):
    status, slug, title = 503, "ai-unavailable", "No AI model available"


def usd_to_micros(value: float | None) -> int | None:
    return None if value is None else round(value * 1_000_000)


def micros_to_usd(value: int | None) -> float | None:
    return None if value is None else value / 1_000_000


@dataclass(frozen=True)
class OrgAI:
    """What one organisation may use, resolved from its settings, its keys and the server defaults."""

    organisation_id: uuid.UUID
    allow_external: bool
    keys: dict[str, str] = field(repr=False)
    aliases: dict[str, list[str]]
    monthly_budget_micros: int | None
    learner_daily_budget_micros: int | None


async def access_org_settings(session: AsyncSession, organisation_id: uuid.UUID) -> AIOrgSettings | None:
    return await session.scalar(scoped(select(AIOrgSettings), AIOrgSettings, organisation_id))


async def load_org_ai(session: AsyncSession, box: KeyBox, settings: Any, organisation_id: uuid.UUID) -> OrgAI:
    row = await access_org_settings(session, organisation_id)
    keys: dict[str, str] = {}
    for key_row in await session.scalars(scoped(select(AIProviderKey), AIProviderKey, organisation_id)):
        try:
            keys[key_row.provider] = box.open(key_row.ciphertext)
        except KeyBoxError:
            logger.error(
                "a provider key of an organisation does not open", extra={"provider": key_row.provider}
            )
    monthly = row.monthly_budget_micros if row and row.monthly_budget_micros is not None else None
    daily = row.learner_daily_budget_micros if row and row.learner_daily_budget_micros is not None else None
    return OrgAI(
        organisation_id=organisation_id,
        allow_external=row.allow_external if row else True,
        keys=keys,
        aliases={k: list(v) for k, v in (row.aliases if row else {}).items()},
        monthly_budget_micros=monthly
        if monthly is not None
        else usd_to_micros(settings.ai_org_monthly_budget_usd),
        learner_daily_budget_micros=daily
        if daily is not None
        else usd_to_micros(settings.ai_learner_daily_budget_usd),
    )


def deployments_for(router: Router, org: OrgAI, alias: str, request: ChatRequest) -> list[Deployment]:
    """The alias's deployments for this organisation: its own choice if it made one, within its policy."""
    chosen = org.aliases.get(alias)
    if not chosen:
        return router.candidates(alias, request, allow_external=org.allow_external, keys=org.keys)
    catalog = router.catalog.deployments
    return [catalog[n] for n in chosen if n in catalog and (org.allow_external or not catalog[n].external)]


class MeteredCall:
    """A reserved call: iterate `stream()` for router events; it settles itself when it ends."""

    def __init__(
        self,
        router: Router,
        db: Any,
        clock: Clock,
        org: OrgAI,
        usage_id: uuid.UUID,
        alias: str,
        request: ChatRequest,
        deployments: list[Deployment],
        held: budgets.Held,
        ledger: Ledger,
    ) -> None:
        self.router, self.db, self.clock = router, db, clock
        self.org = org
        self.usage_id = usage_id
        self.held = held
        self.ledger = ledger
        self.alias = alias
        self.request = request
        self.deployments = deployments
        self.result: CallResult | None = None
        self.settled = False

    async def stream(self) -> AsyncGenerator[RouterEvent, None]:
        """Router events; raises `AIUnavailable` when no deployment answered before any text."""
        stream: RouterStream = self.router.stream(
            self.alias, self.request, keys=self.org.keys, deployments=self.deployments
        )
        try:
            async for event in stream:
                yield event
        except RoutingError as error:
            self.result = error.result
            retry = error.retry_after
            headers = {"Retry-After": str(max(1, round(retry)))} if retry else None
            raise AIUnavailable(
                "No AI model could answer just now; try again shortly.",
                headers=headers,
                reason=error.last.kind.value if error.last else "unavailable",
            ) from None
        finally:
            # Shielded: when the client went away this runs inside a cancelled scope, and the
            # upstream request must still be closed and the cost still settled.
            with anyio.CancelScope(shield=True):
                await stream.aclose()
                self.result = self.result or stream.result
                await self.settle()

    async def settle(self) -> None:
        if self.settled:
            return
        self.settled = True
        try:
            if self.result is not None:
                await self.ledger.settle(
                    self.org.organisation_id, self.usage_id, self.result, self.held, self.clock()
                )
                return
            # No result at all: charged the whole reservation, marked as an estimate (`budgets.settle`).
            async with self.db.session() as session:
                await budgets.settle(
                    session, self.org.organisation_id, self.usage_id, None, self.clock(), self.held
                )
        except Exception:
            # The stale-call sweep settles it later with the reserved amount.
            logger.exception("settling an AI call failed", extra={"usage_id": str(self.usage_id)})


@dataclass(frozen=True)
class CallPlan:
    """A call checked against the organisation's policy, before anything is reserved."""

    org: OrgAI
    alias: str
    request: ChatRequest
    deployments: list[Deployment]
    worst_micros: int


async def plan_call(
    session: AsyncSession, runtime: Any, *, organisation_id: uuid.UUID, alias: str, request: ChatRequest
) -> CallPlan:
    """The organisation's deployments for `alias` and the call's worst-case cost (reads only)."""
    router: Router = runtime.ai

    async def load() -> OrgAI:
        box = KeyBox.from_settings(runtime.settings)
        return await load_org_ai(session, box, runtime.settings, organisation_id)

    # From the process's memory (`ai.cache`), which forgets a committed change to them at once.
    org = await runtime.ai_orgs.get(organisation_id, load)
    if router.catalog.alias(alias) is None:
        raise NotFound(f"There is no model alias {alias!r}.")
    deployments = deployments_for(router, org, alias, request)
    if not deployments:
        raise AIUnavailable(
            "This organisation allows no outside AI provider, and none of its own is configured for "
            f"{alias!r}.",
            reason="data_policy",
        )
    return CallPlan(org, alias, request, deployments, router.worst_case_micros(deployments, request))


async def hold_call(
    session: AsyncSession, runtime: Any, plan: CallPlan, *, user_id: uuid.UUID | None, learner: bool
) -> MeteredCall:
    """Hold the plan's worst-case cost on every cap (or raise `BudgetExceeded`), in `session`."""
    organisation_id = plan.org.organisation_id
    now = runtime.clock()
    caps = _caps(plan, user_id, learner)
    spend_ids = await budgets.reserve(session, organisation_id, caps, plan.worst_micros, now)
    usage = AIUsage(
        organisation_id=organisation_id,
        user_id=user_id,
        alias=plan.alias,
        reserved_micros=plan.worst_micros,
        outcome="pending",
        spend_ids={"ids": [str(i) for i in spend_ids]},
        created_at=now,
    )
    session.add(usage)
    await session.flush()
    return MeteredCall(
        runtime.ai,
        runtime.db,
        runtime.clock,
        plan.org,
        usage.id,
        plan.alias,
        plan.request,
        plan.deployments,
        budgets.Held(plan.worst_micros, tuple(spend_ids)),
        runtime.ai_ledger,
    )


def _caps(plan: CallPlan, user_id: uuid.UUID | None, learner: bool) -> list[budgets.Cap]:
    caps = [budgets.Cap("org_month", plan.org.organisation_id, plan.org.monthly_budget_micros)]
    if learner and user_id is not None:
        caps.append(budgets.Cap("user_day", user_id, plan.org.learner_daily_budget_micros))
    return caps


async def reserve_planned(
    runtime: Any, plan: CallPlan, *, user_id: uuid.UUID | None, learner: bool
) -> MeteredCall:
    """Hold the plan's worst-case cost (or raise `BudgetExceeded`) in a write of its own, shared with
    the other calls reserving at the same moment (`ai.ledger`): for a route that writes nothing else."""
    now = runtime.clock()
    usage = {
        "organisation_id": plan.org.organisation_id,
        "user_id": user_id,
        "alias": plan.alias,
        "outcome": "pending",
        "created_at": now,
    }
    usage_id, spend_ids = await runtime.ai_ledger.reserve(
        plan.org.organisation_id, _caps(plan, user_id, learner), plan.worst_micros, now, usage
    )
    return MeteredCall(
        runtime.ai,
        runtime.db,
        runtime.clock,
        plan.org,
        usage_id,
        plan.alias,
        plan.request,
        plan.deployments,
        budgets.Held(plan.worst_micros, tuple(spend_ids)),
        runtime.ai_ledger,
    )


async def reserve_call(
    session: AsyncSession,
    runtime: Any,
    *,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID | None,
    learner: bool,
    alias: str,
    request: ChatRequest,
) -> MeteredCall:
    """Check policy and budgets and hold the worst-case cost, in the caller's transaction."""
    plan = await plan_call(session, runtime, organisation_id=organisation_id, alias=alias, request=request)
    return await hold_call(session, runtime, plan, user_id=user_id, learner=learner)


# ---- keys -----------------------------------------------------------------------------------


def check_provider(provider: str) -> str:
    if provider not in KEY_PROVIDERS:
        raise NotFound(f"No provider {provider!r}; choose one of {', '.join(KEY_PROVIDERS)}.")
    return provider


async def list_keys(session: AsyncSession, organisation_id: uuid.UUID) -> list[AIProviderKey]:
    stmt = scoped(select(AIProviderKey), AIProviderKey, organisation_id).order_by(AIProviderKey.provider)
    return list(await session.scalars(stmt))


async def do_set_key(
    session: AsyncSession,
    box: KeyBox,
    organisation_id: uuid.UUID,
    actor_id: uuid.UUID,
    provider: str,
    api_key: str,
    now: datetime,
) -> AIProviderKey:
    check_provider(provider)
    api_key = api_key.strip()
    if len(api_key) < 8 or any(c.isspace() for c in api_key):
        raise InvalidInput("That does not look like an API key (8 characters or more, no spaces).")
    row = await session.scalar(
        scoped(select(AIProviderKey), AIProviderKey, organisation_id).where(
            AIProviderKey.provider == provider
        )
    )
    if row is None:
        row = AIProviderKey(organisation_id=organisation_id, provider=provider, created_at=now)
        session.add(row)
    row.ciphertext = box.seal(api_key)
    row.last4 = last4(api_key)
    row.created_by_id = actor_id
    row.updated_at = now
    await session.flush()
    logger.info("provider key set", extra={"provider": provider, "organisation_id": str(organisation_id)})
    return row


async def do_delete_key(session: AsyncSession, organisation_id: uuid.UUID, provider: str) -> None:
    check_provider(provider)
    result = await session.execute(
        delete(AIProviderKey)
        .where(AIProviderKey.organisation_id == organisation_id, AIProviderKey.provider == provider)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"This organisation has no {provider} key.")


# ---- settings and aliases -------------------------------------------------------------------


async def ensure_org_settings(session: AsyncSession, organisation_id: uuid.UUID) -> AIOrgSettings:
    row = await access_org_settings(session, organisation_id)
    if row is None:
        row = AIOrgSettings(organisation_id=organisation_id, allow_external=True, aliases={})
        session.add(row)
        await session.flush()
    return row


def check_alias_deployments(router: Router, alias: str, names: list[str]) -> None:
    if router.catalog.alias(alias) is None:
        raise NotFound(f"There is no model alias {alias!r}.")
    unknown = [n for n in names if n not in router.catalog.deployments]
    if unknown:
        raise InvalidInput(f"Unknown deployments: {', '.join(unknown)}.")
    if len(set(names)) != len(names):
        raise InvalidInput("A deployment is listed twice.")


def is_external(provider: str) -> bool:
    return provider in EXTERNAL_PROVIDERS


# ---- usage ----------------------------------------------------------------------------------


async def usage_summary(session: AsyncSession, organisation_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    period, resets_at = budgets.period_of("org_month", now)
    spend = await session.scalar(
        scoped(select(AISpend), AISpend, organisation_id).where(
            AISpend.scope == "org_month", AISpend.subject_id == organisation_id, AISpend.period == period
        )
    )
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    totals = cast(
        "Select[Any]",
        select(
            AIUsage.alias,
            AIUsage.deployment,
            AIUsage.outcome,
            func.count(),
            func.coalesce(func.sum(AIUsage.cost_micros), 0),
            func.coalesce(func.sum(AIUsage.input_tokens), 0),
            func.coalesce(func.sum(AIUsage.output_tokens), 0),
        ),
    )
    rows = (
        await session.execute(
            scoped(totals, AIUsage, organisation_id)
            .where(AIUsage.created_at >= month_start)
            .group_by(AIUsage.alias, AIUsage.deployment, AIUsage.outcome)
            .order_by(AIUsage.alias, AIUsage.deployment, AIUsage.outcome)
        )
    ).all()
    return {
        "period": period,
        "resets_at": resets_at,
        "spent_micros": spend.spent_micros if spend else 0,
        "reserved_micros": spend.reserved_micros if spend else 0,
        "groups": [
            {
                "alias": r[0],
                "deployment": r[1],
                "outcome": r[2],
                "calls": int(r[3]),
                "cost_micros": int(r[4]),
                "input_tokens": int(r[5]),
                "output_tokens": int(r[6]),
            }
            for r in rows
        ],
    }


USAGE_DIMENSIONS = ("alias", "deployment", "user", "day")


async def usage_breakdown(
    session: AsyncSession, organisation_id: uuid.UUID, by: str, since: datetime
) -> list[dict[str, Any]]:
    """Calls, tokens and cost since `since`, totalled by alias, deployment, user or UTC day.

    Users are named (display name, or "Deleted account" once the account is gone); the costliest
    groups come first, except days, which run from the latest back.
    """
    key: Any
    if by == "alias":
        key = AIUsage.alias
    elif by == "deployment":
        key = AIUsage.deployment
    elif by == "user":
        key = AIUsage.user_id
    elif by == "day":
        # SQLite keeps UTC text (its date() reads it); PostgreSQL's date() uses the session zone.
        dialect = session.get_bind().dialect.name
        key = func.date(
            func.timezone("UTC", AIUsage.created_at) if dialect == "postgresql" else AIUsage.created_at
        )
    else:
        raise InvalidInput(f"Usage can be totalled by {', '.join(USAGE_DIMENSIONS)}.")
    cost = func.coalesce(func.sum(AIUsage.cost_micros), 0)
    totals = cast(
        "Select[Any]",
        select(
            key,
            func.count(),
            cost,
            func.coalesce(func.sum(AIUsage.input_tokens), 0),
            func.coalesce(func.sum(AIUsage.output_tokens), 0),
        ),
    )
    stmt = scoped(totals, AIUsage, organisation_id).where(AIUsage.created_at >= since).group_by(key)
    stmt = stmt.order_by(key.desc()) if by == "day" else stmt.order_by(cost.desc(), key)
    rows = (await session.execute(stmt)).all()
    names: dict[Any, str] = {}
    if by == "user":
        ids = [r[0] for r in rows if r[0] is not None]
        if ids:
            names = dict(
                (await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all()
            )
    out = []
    for r in rows:
        if by == "user":
            label = names.get(r[0], "Deleted account")
        elif by == "deployment" and r[0] is None:
            label = "none (refused before any call)"
        else:
            label = str(r[0])
        out.append(
            {
                "key": None if r[0] is None else str(r[0]),
                "label": label,
                "calls": int(r[1]),
                "cost_micros": int(r[2]),
                "input_tokens": int(r[3]),
                "output_tokens": int(r[4]),
            }
        )
    return out


async def settle_stale_calls(session: AsyncSession, now: datetime) -> int:
    """Calls still pending long after any call could last lost their process: charge their reservation."""
    stale = (
        await session.execute(
            select(AIUsage.organisation_id, AIUsage.id).where(
                AIUsage.outcome == "pending", AIUsage.created_at < now - STALE_AFTER
            )
        )
    ).all()
    count = 0
    for organisation_id, usage_id in stale:
        count += await budgets.settle(session, organisation_id, usage_id, None, now)
    return count


@jobs.task("ai.settle_stale_calls", every_seconds=300)
async def settle_stale_calls_job(ctx: Any) -> int:
    async with ctx.db.session() as session:
        return await settle_stale_calls(session, ctx.clock())


__all__ = [
    "AIUnavailable",
    "CallPlan",
    "MeteredCall",
    "OrgAI",
    "hold_call",
    "plan_call",
    "reserve_call",
    "reserve_planned",
]
