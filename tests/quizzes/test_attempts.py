"""Assessments and attempts: feedback policies, time limits, attempt limits, versions, events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from starguide.kit.events import AnswerGraded, AttemptSubmitted
from starguide.kit.outbox import OutboxEvent
from starguide.kit.time import FrozenClock
from starguide.quizzes.jobs import auto_submit_expired
from starguide.quizzes.models import Attempt, AttemptAnswer
from tests.content.support import API, School, make_course, make_school, ok


async def _events(harness: Any, event_type: str) -> list[dict[str, Any]]:
    async with harness.runtime.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutboxEvent.payload)
            .where(OutboxEvent.event_type == event_type)
            .order_by(OutboxEvent.occurred_at)
        )
        return list(rows)


async def _setup(harness: Any, **policy: Any) -> tuple[School, dict[str, Any], dict[str, Any]]:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    cid = built["course"]["id"]
    ok(await client.post(f"{API}/courses/{cid}/enrolment", headers=school.learner.headers))
    body = {
        "course_id": cid,
        "title": "Stars quiz",
        "published": True,
        "policy": {"questions": [q["id"] for q in built["questions"]], **policy},
    }
    assessment = ok(await client.post(f"{API}/assessments", json=body, headers=school.mentor.headers), 201)
    return school, built, assessment


def _by_type(attempt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["type"]: q for q in attempt["questions"]}


async def test_take_an_assessment_and_review_it(harness: Any) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    harness.runtime.clock = clock
    client = harness.client
    school, _built, assessment = await _setup(harness, time_limit_minutes=10, pass_mark=0.6)
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    assert attempt["deadline_at"].startswith("2026-03-01T09:10:00")
    assert attempt["seconds_left"] == 600
    questions = _by_type(attempt)
    sc = questions["single_choice"]
    assert sorted(o["text"] for o in sc["options"]) == ["Polaris", "Sirius", "Vega"]
    assert "correct" not in str(sc)
    sirius = next(o["id"] for o in sc["options"] if o["text"] == "Sirius")
    url = f"{API}/attempts/{attempt['id']}/answers"

    clock.advance(seconds=30)
    saved = ok(
        await client.put(
            f"{url}/{sc['question_id']}",
            json={"answer": {"type": "single_choice", "choice": sirius}},
            headers=h,
        )
    )
    assert saved["revealed"] is False
    assert saved["score"] is None
    tf = questions["true_false"]["question_id"]
    ok(await client.put(f"{url}/{tf}", json={"answer": {"type": "true_false", "value": False}}, headers=h))
    ok(await client.put(f"{url}/{tf}", json={"answer": {"type": "true_false", "value": True}}, headers=h))
    num = questions["numeric"]["question_id"]
    ok(await client.put(f"{url}/{num}", json={"answer": {"type": "numeric", "value": "3,9"}}, headers=h))

    # wrong shapes are refused without changing anything
    bad = await client.put(
        f"{url}/{sc['question_id']}", json={"answer": {"type": "single_choice", "choice": "zz"}}, headers=h
    )
    assert bad.status_code == 422
    bad = await client.put(f"{url}/{tf}", json={"answer": {"type": "numeric", "value": "1"}}, headers=h)
    assert bad.status_code == 422

    submitted = ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))
    assert submitted["status"] == "submitted"
    assert submitted["score"] == round(2 / 3, 6)
    assert submitted["passed"] is True
    review = {a["question_id"]: a for a in submitted["answers"]}
    assert review[tf]["correct"] is True
    assert review[tf]["tries"] == 2
    assert review[num]["correct"] is False
    assert review[num]["explanation"] == "About 3.26."
    assert review[num]["model_answer"] == {"type": "numeric", "value": "3.26"}

    again = await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h)
    assert again.status_code == 409
    late = await client.put(f"{url}/{tf}", json={"answer": {"type": "true_false", "value": False}}, headers=h)
    assert late.status_code == 409

    graded = await _events(harness, AnswerGraded.event_type)
    assert len(graded) == 3
    tf_event = next(e for e in graded if e["question_id"] == tf)
    assert tf_event["correct"] is True
    assert tf_event["first_try"] is False
    assert (tf_event["mode"], tf_event["question_version"], tf_event["skills"]) == (
        "assessment",
        1,
        ["stars"],
    )
    assert tf_event["time_taken_seconds"] == 0.0
    sc_event = next(e for e in graded if e["question_id"] == sc["question_id"])
    assert sc_event["time_taken_seconds"] == 30.0
    assert sc_event["difficulty"] == 2
    submitted_events = await _events(harness, AttemptSubmitted.event_type)
    assert [(e["score"], e["passed"], e["auto_submitted"]) for e in submitted_events] == [
        (round(2 / 3, 6), True, False)
    ]

    results = ok(
        await client.get(f"{API}/assessments/{assessment['id']}/attempts", headers=school.mentor.headers)
    )
    assert [(r["user_id"], r["score"]) for r in results["items"]] == [
        (str(school.learner.user_id), round(2 / 3, 6))
    ]
    response = await client.get(
        f"{API}/assessments/{assessment['id']}/attempts", headers=school.other_learner.headers
    )
    assert response.status_code == 404  # not enrolled in the course of the assessment


async def test_time_limit_refuses_late_answers_and_auto_submits(harness: Any) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    harness.runtime.clock = clock
    client = harness.client
    school, _built, assessment = await _setup(harness, time_limit_minutes=5)
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    tf = _by_type(attempt)["true_false"]["question_id"]
    url = f"{API}/attempts/{attempt['id']}/answers/{tf}"
    clock.advance(minutes=4, seconds=59)
    ok(await client.put(url, json={"answer": {"type": "true_false", "value": True}}, headers=h))
    clock.advance(seconds=1)  # exactly at the deadline: too late
    late = await client.put(url, json={"answer": {"type": "true_false", "value": False}}, headers=h)
    assert late.status_code == 409
    assert late.json()["type"].endswith("/time-up")
    read = ok(await client.get(f"{API}/attempts/{attempt['id']}", headers=h))
    assert (read["status"], read["auto_submitted"], read["score"]) == ("submitted", True, round(1 / 3, 6))
    assert read["submitted_at"].startswith("2026-03-01T09:05:00")


async def test_expired_attempts_are_submitted_by_the_job_and_on_read(harness: Any) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    harness.runtime.clock = clock
    client = harness.client
    school, _built, assessment = await _setup(harness, time_limit_minutes=5)
    first = ok(
        await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=school.learner.headers)
    )
    clock.advance(minutes=6)
    assert await auto_submit_expired(harness.runtime) == 1
    assert await auto_submit_expired(harness.runtime) == 0  # safe to run twice
    read = ok(await client.get(f"{API}/attempts/{first['id']}", headers=school.learner.headers))
    assert (read["status"], read["auto_submitted"]) == ("submitted", True)
    events = await _events(harness, AttemptSubmitted.event_type)
    assert len(events) == 1
    assert events[0]["auto_submitted"] is True


async def test_expired_attempt_is_submitted_when_read(harness: Any) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    harness.runtime.clock = clock
    client = harness.client
    school, _built, assessment = await _setup(harness, time_limit_minutes=1, feedback_policy="after_close")
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    clock.advance(minutes=2)
    read = ok(await client.get(f"{API}/attempts/{attempt['id']}", headers=h))
    assert (read["status"], read["auto_submitted"]) == ("submitted", True)
    assert read["submitted_at"].startswith("2026-03-01T09:01:00")
    # no close date: "after close" means after submission
    assert read["score"] == 0.0
    assert all(a["revealed"] for a in read["answers"])
    results = ok(await client.get(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    assert [r["score"] for r in results["items"]] == [0.0]
    assert len(await _events(harness, AttemptSubmitted.event_type)) == 1


async def test_after_close_feedback_waits_for_the_close(harness: Any) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    harness.runtime.clock = clock
    client = harness.client
    school, _built, assessment = await _setup(harness, feedback_policy="after_close")
    ok(
        await client.patch(
            f"{API}/assessments/{assessment['id']}",
            json={"closes_at": "2026-03-01T09:10:00Z"},
            headers=school.mentor.headers,
        )
    )
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    assert attempt["deadline_at"].startswith("2026-03-01T09:10:00")  # the close caps the attempt
    done = ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))
    assert done["score"] is None
    assert not any(a["revealed"] for a in done["answers"])
    clock.advance(minutes=11)  # (access tokens last 15 minutes of this clock)
    later = ok(await client.get(f"{API}/attempts/{attempt['id']}", headers=h))
    assert later["score"] == 0.0
    assert all(a["revealed"] for a in later["answers"])


async def test_attempt_limit_window_and_idempotent_start(harness: Any) -> None:
    clock = FrozenClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    harness.runtime.clock = clock
    client = harness.client
    school, _built, assessment = await _setup(harness, max_attempts=2)
    h = school.learner.headers
    start = f"{API}/assessments/{assessment['id']}/attempts"
    one = ok(await client.post(start, headers=h))
    assert ok(await client.post(start, headers=h))["id"] == one["id"]  # the one in progress
    ok(await client.post(f"{API}/attempts/{one['id']}/submit", headers=h))
    two = ok(await client.post(start, headers=h))
    assert two["number"] == 2
    ok(await client.post(f"{API}/attempts/{two['id']}/submit", headers=h))
    refused = await client.post(start, headers=h)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/no-attempts-left")

    # a window in the organisation's time zone: naive times are local wall-clock times
    window = {"opens_at": "2026-03-02T08:00:00", "closes_at": "2026-03-02T10:00:00"}
    other = ok(
        await client.patch(
            f"{API}/assessments/{assessment['id']}",
            json={**window, "policy": {"questions": assessment["policy"]["questions"]}},
            headers=school.mentor.headers,
        )
    )
    assert other["opens_at"].startswith("2026-03-02T08:00:00")
    early = await client.post(start, headers=school.mentor.headers)
    assert early.status_code == 409
    assert early.json()["type"].endswith("/assessment-not-open")


async def test_window_follows_organisation_time_zone(harness: Any) -> None:
    client = harness.client
    school = await make_school(client, time_zone="Europe/Paris")
    built = await make_course(client, school)
    body = {
        "course_id": built["course"]["id"],
        "title": "Timed",
        "policy": {"questions": [built["questions"][0]["id"]]},
        "opens_at": "2026-07-01T09:00:00",
        "closes_at": "2026-07-01T10:00:00+00:00",
    }
    created = ok(await client.post(f"{API}/assessments", json=body, headers=school.mentor.headers), 201)
    assert created["time_zone"] == "Europe/Paris"
    assert datetime.fromisoformat(created["opens_at"]) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC
    )  # CEST = UTC+2
    bad = {**body, "opens_at": "2026-07-01T13:00:00"}
    assert (
        await client.post(f"{API}/assessments", json=bad, headers=school.mentor.headers)
    ).status_code == 422


async def test_editing_a_question_keeps_past_grades(harness: Any) -> None:
    client = harness.client
    school, built, assessment = await _setup(harness)
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    tf = _by_type(attempt)["true_false"]["question_id"]
    ok(
        await client.put(
            f"{API}/attempts/{attempt['id']}/answers/{tf}",
            json={"answer": {"type": "true_false", "value": True}},
            headers=h,
        )
    )
    ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))
    # the mentor flips the answer: a new version; the submitted attempt keeps its grade
    changed = {**built["questions"][0]["question"], "answer": False, "text": "The Sun is a planet."}
    updated = ok(
        await client.put(f"{API}/questions/{tf}", json={"question": changed}, headers=school.mentor.headers)
    )
    assert updated["version"] == 2
    same = ok(
        await client.put(f"{API}/questions/{tf}", json={"question": changed}, headers=school.mentor.headers)
    )
    assert same["version"] == 2  # saving without a change makes no version
    versions = ok(await client.get(f"{API}/questions/{tf}/versions", headers=school.mentor.headers))
    assert [v["version"] for v in versions] == [2, 1]
    review = ok(await client.get(f"{API}/attempts/{attempt['id']}", headers=h))
    answer = next(a for a in review["answers"] if a["question_id"] == tf)
    assert answer["correct"] is True
    tf_view = _by_type(review)["true_false"]
    assert (tf_view["version"], tf_view["text"]) == (1, "The Sun is a star.")
    # a new attempt gets the new version
    ok(
        await client.patch(
            f"{API}/assessments/{assessment['id']}",
            json={"policy": {"questions": assessment["policy"]["questions"], "max_attempts": 3}},
            headers=school.mentor.headers,
        )
    )
    fresh = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    assert _by_type(fresh)["true_false"]["version"] == 2
    retype = {**changed, "type": "numeric", "answers": [{"value": 1}]}
    retype.pop("answer")
    assert (
        await client.put(f"{API}/questions/{tf}", json={"question": retype}, headers=school.mentor.headers)
    ).status_code == 422


async def test_concurrent_saves_keep_one_row(harness: Any) -> None:
    client = harness.client
    school, _built, assessment = await _setup(harness)
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    num = _by_type(attempt)["numeric"]["question_id"]
    url = f"{API}/attempts/{attempt['id']}/answers/{num}"
    responses = await asyncio.gather(
        *(
            client.put(url, json={"answer": {"type": "numeric", "value": f"3.{i}"}}, headers=h)
            for i in range(10)
        )
    )
    assert [r.status_code for r in responses] == [200] * 10
    async with harness.runtime.db.session(write=False) as session:
        rows = await session.scalar(
            select(func.count()).where(AttemptAnswer.attempt_id == uuid.UUID(attempt["id"]))
        )
        tries = await session.scalar(
            select(AttemptAnswer.tries).where(AttemptAnswer.attempt_id == uuid.UUID(attempt["id"]))
        )
    assert (rows, tries) == (1, 10)


async def test_practice_mode_instant_feedback_hints_and_events(harness: Any) -> None:
    client = harness.client
    school, _built, assessment = await _setup(harness)
    practice = ok(
        await client.post(
            f"{API}/assessments",
            json={
                "course_id": assessment["course_id"],
                "title": "Practice",
                "published": True,
                "policy": {
                    "mode": "practice",
                    "draws": [{"skills": ["stars"], "count": 5}],
                    "feedback_policy": "immediately",
                },
            },
            headers=school.mentor.headers,
        ),
        201,
    )
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{practice['id']}/attempts", headers=h))
    assert sorted(q["type"] for q in attempt["questions"]) == ["single_choice", "true_false"]  # skill "stars"
    sc = _by_type(attempt)["single_choice"]
    hint_url = f"{API}/attempts/{attempt['id']}/answers/{sc['question_id']}/hint"
    assert ok(await client.post(hint_url, headers=h))["hints"] == ["It is in Canis Major."]
    assert ok(await client.post(hint_url, headers=h))["hints_shown"] == 2
    assert ok(await client.post(hint_url, headers=h))["hints_shown"] == 2  # no more than there are
    vega = next(o["id"] for o in sc["options"] if o["text"] == "Vega")
    url = f"{API}/attempts/{attempt['id']}/answers/{sc['question_id']}"
    first = ok(await client.put(url, json={"answer": {"type": "single_choice", "choice": vega}}, headers=h))
    assert (first["revealed"], first["correct"], first["hints_shown"]) == (True, False, 2)
    assert first["explanation"] == "Sirius, at magnitude -1.46."
    sirius = next(o["id"] for o in sc["options"] if o["text"] == "Sirius")
    second = ok(
        await client.put(url, json={"answer": {"type": "single_choice", "choice": sirius}}, headers=h)
    )
    assert second["correct"] is True
    assert second["tries"] == 2
    events = await _events(harness, AnswerGraded.event_type)
    assert [(e["first_try"], e["correct"], e["hints_shown"], e["mode"]) for e in events] == [
        (True, False, 2, "practice"),
        (False, True, 2, "practice"),
    ]
    ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))
    assert len(await _events(harness, AnswerGraded.event_type)) == 2  # no second event at submit


async def test_free_text_waits_for_the_mentor(harness: Any) -> None:
    client = harness.client
    school, built, _assessment = await _setup(harness)
    essay = ok(
        await client.post(
            f"{API}/courses/{built['course']['id']}/questions",
            json={
                "question": {
                    "type": "free_text",
                    "text": "Why seasons?",
                    "rubric": "Axial tilt",
                    "skills": ["stars"],
                }
            },
            headers=school.mentor.headers,
        ),
        201,
    )
    quiz = ok(
        await client.post(
            f"{API}/assessments",
            json={
                "title": "Essay",
                "published": True,
                "policy": {"questions": [essay["id"]], "feedback_policy": "immediately"},
            },
            headers=school.mentor.headers,
        ),
        201,
    )
    h = school.other_learner.headers  # assigned to the whole organisation: no enrolment needed
    attempt = ok(await client.post(f"{API}/assessments/{quiz['id']}/attempts", headers=h))
    url = f"{API}/attempts/{attempt['id']}/answers/{essay['id']}"
    saved = ok(
        await client.put(
            url, json={"answer": {"type": "free_text", "text": "Because of the tilt."}}, headers=h
        )
    )
    assert saved["status"] == "pending"
    done = ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))
    assert (done["pending"], done["passed"]) == (1, None)
    assert (await client.put(f"{url}/grade", json={"score": 1}, headers=h)).status_code == 403
    graded = ok(
        await client.put(
            f"{url}/grade", json={"score": 0.8, "feedback": "Good."}, headers=school.mentor.headers
        )
    )
    assert (graded["score"], graded["mentor_feedback"]) == (0.8, "Good.")
    after = ok(await client.get(f"{API}/attempts/{attempt['id']}", headers=h))
    assert (after["pending"], after["score"], after["passed"]) == (0, 0.8, True)
    events = [e for e in await _events(harness, AnswerGraded.event_type) if e["graded_by_mentor"]]
    assert len(events) == 1
    assert events[0]["score"] == 0.8


async def test_learners_cannot_see_others_attempts_or_unassigned_assessments(harness: Any) -> None:
    client = harness.client
    school, _built, assessment = await _setup(harness)
    attempt = ok(
        await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=school.learner.headers)
    )
    assert (
        await client.get(f"{API}/attempts/{attempt['id']}", headers=school.other_learner.headers)
    ).status_code == 404
    # other_learner is not enrolled in the course of this assessment
    assert (
        await client.get(f"{API}/assessments/{assessment['id']}", headers=school.other_learner.headers)
    ).status_code == 404
    other = await make_school(client)
    assert (
        await client.get(f"{API}/attempts/{attempt['id']}", headers=other.mentor.headers)
    ).status_code == 404
    assert (
        await client.get(f"{API}/assessments/{assessment['id']}", headers=other.mentor.headers)
    ).status_code == 404
    mentor_view = ok(await client.get(f"{API}/attempts/{attempt['id']}", headers=school.mentor.headers))
    assert all(a["revealed"] for a in mentor_view["answers"])
    unused = timedelta()
    assert unused == timedelta()


async def test_a_remembered_attempt_still_answers_to_its_owner_its_state_and_its_policy(harness: Any) -> None:
    """An answer save keeps the attempt's unchanging facts in memory after the first save; whose the
    attempt is, whether it is still in progress and the current feedback policy are checked anew."""
    client = harness.client
    school, _built, assessment = await _setup(harness)
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    tf = _by_type(attempt)["true_false"]["question_id"]
    url = f"{API}/attempts/{attempt['id']}/answers/{tf}"
    answer = {"answer": {"type": "true_false", "value": True}}
    first = ok(await client.put(url, json=answer, headers=h))  # now remembered
    assert (first["revealed"], first["tries"]) == (False, 1)

    other = await make_school(client)
    for stranger in (school.other_learner, school.mentor, school.admin, other.learner, other.admin):
        refused = await client.put(url, json=answer, headers=stranger.headers)
        assert refused.status_code == 404, stranger
    unknown = await client.put(
        f"{API}/attempts/{attempt['id']}/answers/{uuid.uuid4()}", json=answer, headers=h
    )
    assert unknown.status_code == 404

    policy = {"questions": [q["question_id"] for q in attempt["questions"]], "feedback_policy": "immediately"}
    ok(
        await client.patch(
            f"{API}/assessments/{assessment['id']}", json={"policy": policy}, headers=school.mentor.headers
        )
    )
    again = ok(await client.put(url, json=answer, headers=h))
    assert (again["revealed"], again["correct"], again["tries"]) == (True, True, 2)

    ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))
    late = await client.put(url, json=answer, headers=h)
    assert late.status_code == 409
    assert "submitted" in late.json()["detail"]

    ok(await client.delete(f"{API}/assessments/{assessment['id']}", headers=school.mentor.headers), 204)
    gone = await client.put(url, json=answer, headers=h)
    assert gone.status_code == 404


async def test_an_answer_waits_for_a_submission_under_way_and_is_then_refused(harness: Any) -> None:
    """PostgreSQL: a submission locks the attempt while it scores the answers, and the one-statement
    save locks it too, so no answer slips in between the scoring and the commit."""
    if harness.runtime.db.is_sqlite:
        pytest.skip("SQLite runs one write transaction at a time")
    client = harness.client
    school, _built, assessment = await _setup(harness)
    h = school.learner.headers
    attempt = ok(await client.post(f"{API}/assessments/{assessment['id']}/attempts", headers=h))
    url = f"{API}/attempts/{attempt['id']}/answers/{_by_type(attempt)['true_false']['question_id']}"
    answer = {"answer": {"type": "true_false", "value": True}}
    ok(await client.put(url, json=answer, headers=h))
    async with harness.runtime.db.session() as session:
        locked = await session.scalar(
            select(Attempt).where(Attempt.id == uuid.UUID(attempt["id"])).with_for_update()
        )
        assert locked is not None
        save = asyncio.create_task(client.put(url, json=answer, headers=h))
        await asyncio.sleep(0.3)
        assert not save.done()  # waiting for the submission
        locked.status = "submitted"
    refused = await save
    assert refused.status_code == 409
    assert "submitted" in refused.json()["detail"]
