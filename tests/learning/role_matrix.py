"""Role matrix of the learning routes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from starguide.learning.models import ReviewCard
from tests.learning.support import API, answer, emit
from tests.role_matrix_support import RoleContext, RouteCase, expect

# The outsider is org_admin of its own organisation: "me" routes answer from there.
MEMBER = expect(anonymous=401, outsider=200, learner=200, mentor=200, org_admin=200, platform_admin=403)
# A learner of `ctx.org`, looked at by a mentor: the outsider's organisation has no such learner.
MENTOR_ON_LEARNER = expect(
    anonymous=401, outsider=404, learner=403, mentor=200, org_admin=200, platform_admin=403
)

_SELF_ROLES = ("learner", "mentor", "org_admin")


async def _learner(ctx: RoleContext) -> dict[str, Any]:
    """The org's learner, enrolled in a course the org's mentor teaches (created)."""
    learner = ctx.accounts["learner"]
    mentor = ctx.accounts["mentor"]
    r = await ctx.client.post(
        "/api/v1/courses",
        json={"slug": f"c-{uuid.uuid4().hex[:8]}", "title": "Taught"},
        headers=mentor.headers,
    )
    assert r.status_code == 201, r.text
    r = await ctx.client.post(
        f"/api/v1/courses/{r.json()['id']}/enrolments",
        json={"user_id": str(learner.user_id)},
        headers=mentor.headers,
    )
    assert r.status_code in (200, 201), r.text
    return {"learner_id": learner.user_id}


async def _on_vacation(ctx: RoleContext) -> dict[str, Any]:
    if ctx.role in (*_SELF_ROLES, "outsider"):
        r = await ctx.client.post(f"{API}/me/vacation", json={}, headers=ctx.headers())
        assert r.status_code in (201, 409), r.text
    return {}


async def _card(ctx: RoleContext) -> dict[str, Any]:
    """A due card of the caller in `ctx.org` (or of the org's learner, for callers with none there)."""
    owner = ctx.accounts[ctx.role if ctx.role in _SELF_ROLES else "learner"]
    event = answer(ctx.org.id, owner.user_id, at=datetime.now(UTC) - timedelta(hours=1))
    await emit(ctx.harness, event)
    async with ctx.runtime.db.session(write=False) as session:
        card_id = await session.scalar(
            select(ReviewCard.id).where(ReviewCard.question_id == event.question_id)
        )
    return {"card_id": card_id}


async def _bank_card(ctx: RoleContext) -> dict[str, Any]:
    """A due card, made from a question of the organisation's bank, of the caller (as `_card`)."""
    h = ctx.org.admin.headers
    r = await ctx.client.post(
        "/api/v1/courses", json={"slug": f"c-{uuid.uuid4().hex[:8]}", "title": "Cards"}, headers=h
    )
    assert r.status_code == 201, r.text
    question = {"type": "true_false", "text": "The Sun is a star.", "answer": True}
    r = await ctx.client.post(
        f"/api/v1/courses/{r.json()['id']}/questions", json={"question": question}, headers=h
    )
    assert r.status_code == 201, r.text
    owner = ctx.accounts[ctx.role if ctx.role in _SELF_ROLES else "learner"]
    event = answer(
        ctx.org.id,
        owner.user_id,
        at=datetime.now(UTC) - timedelta(hours=1),
        question_id=uuid.UUID(r.json()["id"]),
    )
    await emit(ctx.harness, event)
    async with ctx.runtime.db.session(write=False) as session:
        card_id = await session.scalar(
            select(ReviewCard.id).where(ReviewCard.question_id == event.question_id)
        )
    return {"card_id": card_id}


async def _custom_badge(ctx: RoleContext) -> dict[str, Any]:
    r = await ctx.client.post(
        f"{API}/badges/custom",
        json={
            "name": "Org badge",
            "description": "For testing",
            "counter": "reviews_done",
            "thresholds": [3],
        },
        headers=ctx.org.admin.headers,
    )
    assert r.status_code == 201, r.text
    return {"badge_id": r.json()["id"]}


ROUTES = [
    RouteCase("GET", f"{API}/me", MEMBER),
    RouteCase(
        "PATCH", f"{API}/me/settings", MEMBER, body={"daily_goal_xp": 40, "leaderboard_mode": "anonymous"}
    ),
    RouteCase(
        "POST",
        f"{API}/me/vacation",
        expect(anonymous=401, outsider=201, learner=201, mentor=201, org_admin=201, platform_admin=403),
        body={},
    ),
    RouteCase(
        "DELETE",
        f"{API}/me/vacation",
        expect(anonymous=401, outsider=204, learner=204, mentor=204, org_admin=204, platform_admin=403),
        setup=_on_vacation,
    ),
    RouteCase("GET", f"{API}/me/days", MEMBER, query={"limit": 7}),
    RouteCase("GET", f"{API}/me/badges", MEMBER),
    RouteCase("GET", f"{API}/me/skills", MEMBER),
    RouteCase("GET", f"{API}/me/next", MEMBER),
    RouteCase("GET", f"{API}/me/reviews", MEMBER, query={"limit": 5}),
    RouteCase(
        "POST",
        f"{API}/me/reviews/{{card_id}}",
        expect(anonymous=401, outsider=404, learner=200, mentor=200, org_admin=200, platform_admin=403),
        setup=_card,
        body={"rating": 3},
        note="a card of another learner or organisation is not found",
    ),
    RouteCase("GET", f"{API}/leaderboards", MEMBER, query={"period": "all", "limit": 10}),
    RouteCase("GET", f"{API}/badges/custom", MEMBER),
    RouteCase(
        "POST",
        f"{API}/badges/custom",
        expect(anonymous=401, outsider=201, learner=403, mentor=201, org_admin=201, platform_admin=403),
        body={
            "name": "Helper",
            "description": "Twenty reviews",
            "counter": "reviews_done",
            "thresholds": [20],
        },
    ),
    RouteCase(
        "DELETE",
        f"{API}/badges/custom/{{badge_id}}",
        expect(anonymous=401, outsider=404, learner=403, mentor=204, org_admin=204, platform_admin=403),
        setup=_custom_badge,
    ),
    RouteCase(
        "GET",
        f"{API}/me/reviews/{{card_id}}/answer",
        expect(anonymous=401, outsider=404, learner=200, mentor=200, org_admin=200, platform_admin=403),
        setup=_bank_card,
        note="a card of another learner or organisation is not found",
    ),
    RouteCase(
        "GET",
        f"{API}/learners",
        expect(anonymous=401, outsider=200, learner=403, mentor=200, org_admin=200, platform_admin=403),
    ),
    RouteCase("GET", f"{API}/learners/{{learner_id}}", MENTOR_ON_LEARNER, setup=_learner),
    RouteCase("GET", f"{API}/learners/{{learner_id}}/skills", MENTOR_ON_LEARNER, setup=_learner),
    RouteCase("GET", f"{API}/learners/{{learner_id}}/badges", MENTOR_ON_LEARNER, setup=_learner),
    RouteCase("GET", f"{API}/learners/{{learner_id}}/days", MENTOR_ON_LEARNER, setup=_learner),
    RouteCase("GET", f"{API}/learners/{{learner_id}}/reviews", MENTOR_ON_LEARNER, setup=_learner),
]
