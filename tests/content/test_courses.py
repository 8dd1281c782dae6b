"""Courses, modules, lessons, enrolment, progress and search over HTTP, with their access rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from starguide.kit.events import LessonCompleted
from starguide.kit.outbox import OutboxEvent
from tests.content.support import API, make_course, make_school, ok


async def test_learner_sees_published_course_after_enrolling(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    cid = built["course"]["id"]
    learner = school.learner.headers

    listed = ok(await client.get(f"{API}/courses", headers=learner))
    assert [c["id"] for c in listed["items"]] == [cid]
    assert listed["items"][0]["enrolled"] is False
    lesson_id = built["lessons"][0]["id"]
    assert (await client.get(f"{API}/lessons/{lesson_id}", headers=learner)).status_code == 403
    assert (await client.get(f"{API}/courses/{cid}/outline", headers=learner)).status_code == 403

    ok(await client.post(f"{API}/courses/{cid}/enrolment", headers=learner))
    ok(await client.post(f"{API}/courses/{cid}/enrolment", headers=learner))  # enrolling twice is harmless
    lesson = ok(await client.get(f"{API}/lessons/{lesson_id}", headers=learner))
    assert lesson["body_html"].startswith("<h1>Magnitudes</h1>")
    outline = ok(await client.get(f"{API}/courses/{cid}/outline", headers=learner))
    assert [m["title"] for m in outline["modules"]] == ["Stars"]
    assert [lesson["slug"] for lesson in outline["modules"][0]["lessons"]] == ["brightness", "parsecs"]
    assert (outline["lessons_total"], outline["lessons_completed"]) == (2, 0)


async def test_drafts_are_hidden_from_learners(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school, published=False)
    cid = built["course"]["id"]
    assert ok(await client.get(f"{API}/courses", headers=school.learner.headers))["items"] == []
    assert (await client.get(f"{API}/courses/{cid}", headers=school.learner.headers)).status_code == 404
    assert (
        await client.post(f"{API}/courses/{cid}/enrolment", headers=school.learner.headers)
    ).status_code == 404
    # an unpublished lesson of a published course is hidden too
    ok(await client.patch(f"{API}/courses/{cid}", json={"published": True}, headers=school.mentor.headers))
    hidden = built["lessons"][1]["id"]
    ok(
        await client.patch(
            f"{API}/lessons/{hidden}", json={"published": False}, headers=school.mentor.headers
        )
    )
    ok(await client.post(f"{API}/courses/{cid}/enrolment", headers=school.learner.headers))
    assert (await client.get(f"{API}/lessons/{hidden}", headers=school.learner.headers)).status_code == 404
    outline = ok(await client.get(f"{API}/courses/{cid}/outline", headers=school.learner.headers))
    assert outline["lessons_total"] == 1


async def test_mentor_assigned_enrolment_and_closed_self_enrolment(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    cid = built["course"]["id"]
    ok(await client.patch(f"{API}/courses/{cid}", json={"self_enrol": False}, headers=school.mentor.headers))
    assert (
        await client.post(f"{API}/courses/{cid}/enrolment", headers=school.learner.headers)
    ).status_code == 403
    ok(
        await client.post(
            f"{API}/courses/{cid}/enrolments",
            json={"user_id": str(school.learner.user_id)},
            headers=school.mentor.headers,
        )
    )
    page = ok(await client.get(f"{API}/courses/{cid}/enrolments", headers=school.mentor.headers))
    assert [e["user_id"] for e in page["items"]] == [str(school.learner.user_id)]
    assert page["items"][0]["enrolled_by_id"] == str(school.mentor.user_id)
    other = await make_school(client)
    stranger = ok(await client.get(f"{API}/me", headers=other.learner.headers))["id"]
    response = await client.post(
        f"{API}/courses/{cid}/enrolments", json={"user_id": stranger}, headers=school.mentor.headers
    )
    assert response.status_code == 404
    ok(
        await client.delete(
            f"{API}/courses/{cid}/enrolments/{school.learner.user_id}", headers=school.mentor.headers
        ),
        204,
    )


async def test_progress_and_lesson_completed_event_once(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    cid = built["course"]["id"]
    lesson_id = built["lessons"][0]["id"]
    ok(await client.post(f"{API}/courses/{cid}/enrolment", headers=school.learner.headers))
    opened = ok(await client.post(f"{API}/lessons/{lesson_id}/open", headers=school.learner.headers))
    assert opened["completed_at"] is None
    done = ok(await client.post(f"{API}/lessons/{lesson_id}/complete", headers=school.learner.headers))
    again = ok(await client.post(f"{API}/lessons/{lesson_id}/complete", headers=school.learner.headers))
    assert done["completed_at"] == again["completed_at"]
    async with harness.runtime.db.session(write=False) as session:
        events = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == LessonCompleted.event_type)
            )
        ).all()
    assert len(events) == 1
    assert events[0].payload["lesson_id"] == lesson_id
    assert events[0].payload["skills"] == ["stars"]
    outline = ok(await client.get(f"{API}/courses/{cid}/outline", headers=school.learner.headers))
    assert outline["lessons_completed"] == 1


async def test_markdown_is_sanitised(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    lesson_id = built["lessons"][0]["id"]
    body = "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    lesson = ok(
        await client.patch(f"{API}/lessons/{lesson_id}", json={"body": body}, headers=school.mentor.headers)
    )
    assert "<script" not in lesson["body_html"]
    assert 'href="javascript' not in lesson["body_html"]
    assert "<img" not in lesson["body_html"]

    # The editor's preview renders exactly what saving would store, and stores nothing.
    preview = ok(
        await client.post(f"{API}/content/preview", json={"body": body}, headers=school.mentor.headers)
    )
    assert preview["html"] == lesson["body_html"]
    again = ok(await client.get(f"{API}/lessons/{lesson_id}", headers=school.mentor.headers))
    assert again["body"] == body
    too_long = await client.post(
        f"{API}/content/preview", json={"body": "x" * 100_001}, headers=school.mentor.headers
    )
    assert too_long.status_code == 422


async def test_search_published_lessons_and_questions_for_mentors_only(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    cid = built["course"]["id"]
    ok(await client.post(f"{API}/courses/{cid}/enrolment", headers=school.learner.headers))

    mentor = ok(await client.get(f"{API}/search", params={"q": "sirius"}, headers=school.mentor.headers))
    kinds = sorted(h["kind"] for h in mentor["hits"])
    assert kinds == ["lesson", "question"]  # the lesson and the single-choice question
    learner = ok(await client.get(f"{API}/search", params={"q": "sirius"}, headers=school.learner.headers))
    assert [h["kind"] for h in learner["hits"]] == ["lesson"]
    assert "<mark>Sirius</mark>" in learner["hits"][0]["snippet"]
    # an explanation is never found by a learner
    assert (
        ok(await client.get(f"{API}/search", params={"q": "1.46"}, headers=school.learner.headers))["hits"]
        == []
    )
    # prefix match, several words, odd characters are only words
    hits = ok(
        await client.get(f"{API}/search", params={"q": 'parsec "light-y*'}, headers=school.learner.headers)
    )
    assert [h["title"] for h in hits["hits"]] == ["Parsecs"]
    # unpublishing removes lessons from search; another organisation never sees them
    ok(await client.patch(f"{API}/courses/{cid}", json={"published": False}, headers=school.mentor.headers))
    mentor = ok(await client.get(f"{API}/search", params={"q": "sirius"}, headers=school.mentor.headers))
    assert [h["kind"] for h in mentor["hits"]] == ["question"]
    ok(await client.patch(f"{API}/courses/{cid}", json={"published": True}, headers=school.mentor.headers))
    other = await make_school(client)
    assert (
        ok(await client.get(f"{API}/search", params={"q": "sirius"}, headers=other.mentor.headers))["hits"]
        == []
    )


async def test_cross_organisation_ids_answer_404(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    other = await make_school(client)
    h = other.mentor.headers
    cid, lid, mid = built["course"]["id"], built["lessons"][0]["id"], built["module"]["id"]
    qid = built["questions"][0]["id"]
    for method, url in (
        ("GET", f"{API}/courses/{cid}"),
        ("PATCH", f"{API}/courses/{cid}"),
        ("GET", f"{API}/lessons/{lid}"),
        ("DELETE", f"{API}/modules/{mid}"),
        ("GET", f"{API}/questions/{qid}"),
        ("GET", f"{API}/courses/{cid}/export"),
    ):
        response = await client.request(method, url, headers=h, json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, url, response.text)


async def test_validation_and_conflicts(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    h = school.mentor.headers
    cid = built["course"]["id"]
    assert (
        await client.post(f"{API}/courses", json={"slug": "sky", "title": "x"}, headers=h)
    ).status_code == 409
    assert (
        await client.post(f"{API}/courses", json={"slug": "Bad Slug", "title": "x"}, headers=h)
    ).status_code == 422
    bad_skill = {"slug": "l3", "title": "x", "skills": ["unknown"]}
    response = await client.post(f"{API}/modules/{built['module']['id']}/lessons", json=bad_skill, headers=h)
    assert response.status_code == 422
    # a skill in use cannot be removed
    response = await client.put(
        f"{API}/courses/{cid}/skills", json=[{"slug": "stars", "name": "Stars"}], headers=h
    )
    assert response.status_code == 409
    assert (await client.patch(f"{API}/courses/{cid}", json={"title": None}, headers=h)).status_code == 422
