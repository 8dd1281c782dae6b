"""Role matrix of the assessment and attempt routes."""

from __future__ import annotations

from typing import Any

from tests.content.role_matrix import API, COLLECTION, CREATE, MEMBER_ON, MENTOR_ON, _call, _for, new_course
from tests.role_matrix_support import RoleContext, RouteCase

OWNER_ONLY = _for(member=200, mentor=404, outsider=404)


async def new_assessment(ctx: RoleContext) -> dict[str, Any]:
    """A published assessment of a course the learner is enrolled in."""
    params = await new_course(ctx)
    assessment = await _call(
        ctx,
        "POST",
        "/assessments",
        {
            "course_id": params["course_id"],
            "title": "Quiz",
            "published": True,
            "policy": {"questions": [params["question_id"], params["sc_question_id"]]},
        },
    )
    return {**params, "assessment_id": assessment["id"]}


async def learners_attempt(
    ctx: RoleContext, *, mode: str = "assessment", submit: bool = False
) -> dict[str, Any]:
    params = await new_course(ctx)
    policy: dict[str, Any] = {"questions": [params["question_id"], params["sc_question_id"]]}
    if mode == "practice":
        policy = {"mode": "practice", "draws": [{"count": 2}]}
    assessment = await _call(
        ctx,
        "POST",
        "/assessments",
        {"course_id": params["course_id"], "title": "Quiz", "published": True, "policy": policy},
    )
    attempt = await _call(ctx, "POST", f"/assessments/{assessment['id']}/attempts", role="learner")
    if submit:
        answer = {"answer": {"type": "true_false", "value": True}}
        await _call(
            ctx, "PUT", f"/attempts/{attempt['id']}/answers/{params['question_id']}", answer, "learner"
        )
        await _call(ctx, "POST", f"/attempts/{attempt['id']}/submit", role="learner")
    return {**params, "assessment_id": assessment["id"], "attempt_id": attempt["id"]}


async def _practice_attempt(ctx: RoleContext) -> dict[str, Any]:
    params = await learners_attempt(ctx, mode="practice")
    return {**params, "question_id": params["sc_question_id"]}


async def _submitted_attempt(ctx: RoleContext) -> dict[str, Any]:
    return await learners_attempt(ctx, submit=True)


async def _ai_graded_attempt(ctx: RoleContext) -> dict[str, Any]:
    """A submitted attempt whose free-text answer has an AI grade queued."""
    params = await new_course(ctx)
    essay = await _call(
        ctx,
        "POST",
        f"/courses/{params['course_id']}/questions",
        {"question": {"type": "free_text", "text": "Why seasons?", "rubric": "Axial tilt"}},
    )
    assessment = await _call(
        ctx,
        "POST",
        "/assessments",
        {
            "course_id": params["course_id"],
            "title": "Essay",
            "published": True,
            "policy": {"questions": [essay["id"]]},
        },
    )
    attempt = await _call(ctx, "POST", f"/assessments/{assessment['id']}/attempts", role="learner")
    answer = {"answer": {"type": "free_text", "text": "The tilt of the axis."}}
    await _call(ctx, "PUT", f"/attempts/{attempt['id']}/answers/{essay['id']}", answer, "learner")
    await _call(ctx, "POST", f"/attempts/{attempt['id']}/submit", role="learner")
    await ctx.harness.drain()
    return {**params, "attempt_id": attempt["id"], "question_id": essay["id"]}


ROUTES = [
    RouteCase("GET", f"{API}/assessments", COLLECTION, query={"limit": 5}),
    RouteCase(
        "POST",
        f"{API}/assessments",
        CREATE,
        body={"title": "Whole organisation", "policy": {"draws": [{"count": 1}]}},
    ),
    RouteCase("GET", f"{API}/assessments/{{assessment_id}}", MEMBER_ON, setup=new_assessment),
    RouteCase(
        "PATCH", f"{API}/assessments/{{assessment_id}}", MENTOR_ON, setup=new_assessment, body={"title": "Q2"}
    ),
    RouteCase(
        "DELETE",
        f"{API}/assessments/{{assessment_id}}",
        _for(member=403, mentor=204, outsider=404),
        setup=new_assessment,
    ),
    RouteCase("POST", f"{API}/assessments/{{assessment_id}}/attempts", MEMBER_ON, setup=new_assessment),
    RouteCase("GET", f"{API}/assessments/{{assessment_id}}/attempts", MEMBER_ON, setup=new_assessment),
    RouteCase("GET", f"{API}/attempts/{{attempt_id}}", MEMBER_ON, setup=learners_attempt),
    RouteCase(
        "PUT",
        f"{API}/attempts/{{attempt_id}}/answers/{{question_id}}",
        OWNER_ONLY,
        setup=learners_attempt,
        body={"answer": {"type": "true_false", "value": True}},
        note="only the learner who owns the attempt answers in it",
    ),
    RouteCase(
        "POST",
        f"{API}/attempts/{{attempt_id}}/answers/{{question_id}}/hint",
        OWNER_ONLY,
        setup=_practice_attempt,
    ),
    RouteCase(
        "PUT",
        f"{API}/attempts/{{attempt_id}}/answers/{{question_id}}/grade",
        MENTOR_ON,
        setup=_submitted_attempt,
        body={"score": 0.5, "feedback": "Half right."},
    ),
    RouteCase("POST", f"{API}/attempts/{{attempt_id}}/submit", OWNER_ONLY, setup=learners_attempt),
    RouteCase("GET", f"{API}/attempts/{{attempt_id}}/ai-grades", MENTOR_ON, setup=_submitted_attempt),
    RouteCase(
        "PUT",
        f"{API}/attempts/{{attempt_id}}/answers/{{question_id}}/ai-grade/override",
        MENTOR_ON,
        setup=_ai_graded_attempt,
        body={"score": 0.75, "feedback": "Mostly right."},
    ),
]
