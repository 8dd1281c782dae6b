"""Progress API for the web screens: links in "what next", flashcard sides, mentors' learners, names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.content.support import API as V1
from tests.content.support import School, make_course, make_school, ok
from tests.factories import add_member
from tests.learning.support import API, answer, emit


async def _school_with_course(harness: Any) -> tuple[School, dict[str, Any]]:
    school = await make_school(harness.client)
    built = await make_course(harness.client, school)
    cid = built["course"]["id"]
    ok(await harness.client.post(f"{V1}/courses/{cid}/enrolment", headers=school.learner.headers))
    return school, built


def _question(built: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in built["questions"] if q["key"] == key)


async def test_what_next_links_the_lesson_of_the_weakest_skill_and_the_next_new_lesson(harness: Any) -> None:
    school, built = await _school_with_course(harness)
    client, h = harness.client, school.learner.headers
    cid = uuid.UUID(built["course"]["id"])
    brightness, parsecs = built["lessons"]
    first = (await client.get(f"{API}/me/next", headers=h)).json()
    assert [x["kind"] for x in first] == ["new"]
    assert first[0]["lesson_id"] == brightness["id"]
    assert first[0]["course_title"] == "The sky"
    assert "Brightness of stars" in first[0]["reason"]

    now = datetime.now(UTC)
    num = uuid.UUID(_question(built, "num")["id"])
    events = [
        answer(
            school.org.id,
            school.learner.user_id,
            at=now - timedelta(hours=3, minutes=i),
            question_id=num,
            skills=["distances"],
            correct=False,
            course_id=cid,
        )
        for i in range(3)
    ]
    await emit(harness, *events)
    ok(await client.post(f"{V1}/lessons/{brightness['id']}/complete", headers=h))
    nxt = (await client.get(f"{API}/me/next", headers=h)).json()
    assert [x["kind"] for x in nxt] == ["review", "practice", "new"]
    practice = nxt[1]
    assert practice["skill_name"] == "Distances"
    assert practice["course_id"] == str(cid)
    assert practice["lesson_id"] == parsecs["id"]
    assert practice["lesson_title"] == "Parsecs"
    assert "Parsecs" in practice["reason"]
    # The completed lesson is no longer suggested as new content.
    assert nxt[2]["lesson_id"] == parsecs["id"]
    home = (await client.get(f"{API}/me", headers=h)).json()
    assert home["what_next"] == nxt

    skills = (await client.get(f"{API}/me/skills", headers=h)).json()
    assert [(s["name"], s["course_id"]) for s in skills["skills"]] == [("Distances", str(cid))]
    assert [(c["title"], c["skills"]) for c in skills["courses"]] == [("The sky", 1)]


async def test_review_card_shows_the_question_then_its_answer(harness: Any) -> None:
    school, built = await _school_with_course(harness)
    client, h = harness.client, school.learner.headers
    sc = _question(built, "sc")
    event = answer(
        school.org.id,
        school.learner.user_id,
        at=datetime.now(UTC) - timedelta(days=2),
        question_id=uuid.UUID(sc["id"]),
        correct=False,
        course_id=uuid.UUID(built["course"]["id"]),
        skills=["stars"],
    )
    await emit(harness, event)
    cards = ok(await client.get(f"{API}/me/reviews", headers=h))
    assert len(cards) == 1
    prompt = cards[0]["prompt"]
    assert prompt["type"] == "single_choice"
    assert "brightest star" in prompt["text_html"]
    assert prompt["options"] == ["Vega", "Sirius", "Polaris"]
    assert "Sirius, at magnitude" not in str(cards)  # no answer or explanation before turning over
    back = ok(await client.get(f"{API}/me/reviews/{cards[0]['id']}/answer", headers=h))
    assert back["answer"] == ["Sirius"]
    assert "magnitude -1.46" in back["explanation_html"]
    # Another learner cannot turn it over.
    other = await client.get(
        f"{API}/me/reviews/{cards[0]['id']}/answer", headers=school.other_learner.headers
    )
    assert other.status_code == 404
    assert (await client.get(f"{API}/me/reviews/{uuid.uuid4()}/answer", headers=h)).status_code == 404


async def test_answer_is_withheld_while_the_question_is_in_an_open_quiz(harness: Any) -> None:
    school, built = await _school_with_course(harness)
    client, h = harness.client, school.learner.headers
    tf = _question(built, "tf")
    await emit(
        harness,
        answer(
            school.org.id,
            school.learner.user_id,
            at=datetime.now(UTC) - timedelta(days=3),
            question_id=uuid.UUID(tf["id"]),
            correct=False,
        ),
    )
    body = {
        "course_id": built["course"]["id"],
        "title": "Quiz",
        "published": True,
        "policy": {"questions": [tf["id"]]},
    }
    assessment = ok(await client.post(f"{V1}/assessments", json=body, headers=school.mentor.headers), 201)
    attempt = ok(await client.post(f"{V1}/assessments/{assessment['id']}/attempts", headers=h))
    card = ok(await client.get(f"{API}/me/reviews", headers=h))[0]
    r = await client.get(f"{API}/me/reviews/{card['id']}/answer", headers=h)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    ok(await client.post(f"{V1}/attempts/{attempt['id']}/submit", headers=h))
    back = ok(await client.get(f"{API}/me/reviews/{card['id']}/answer", headers=h))
    assert back["answer"] == ["True"]


async def test_mentors_see_only_learners_of_the_courses_they_teach(harness: Any) -> None:
    school, built = await _school_with_course(harness)
    client = harness.client
    other_mentor = await add_member(client, school.org, "mentor")
    learner = school.learner.user_id
    for path in ("", "/skills", "/badges", "/days", "/reviews"):
        assert (
            await client.get(f"{API}/learners/{learner}{path}", headers=school.mentor.headers)
        ).status_code == 200
        r = await client.get(f"{API}/learners/{learner}{path}", headers=other_mentor.headers)
        assert r.status_code == 404, path
        assert (
            await client.get(f"{API}/learners/{learner}{path}", headers=school.admin.headers)
        ).status_code == 200
    # The other learner of the organisation is not enrolled: only the admin sees them.
    unenrolled = school.other_learner.user_id
    assert (
        await client.get(f"{API}/learners/{unenrolled}", headers=school.mentor.headers)
    ).status_code == 404
    assert (await client.get(f"{API}/learners/{unenrolled}", headers=school.admin.headers)).status_code == 200

    listed = ok(await client.get(f"{API}/learners", headers=school.mentor.headers))
    assert [(x["learner_id"], x["course_ids"]) for x in listed] == [(str(learner), [built["course"]["id"]])]
    assert listed[0]["level"] == 1
    assert ok(await client.get(f"{API}/learners", headers=other_mentor.headers)) == []
    admin_list = {
        x["learner_id"] for x in ok(await client.get(f"{API}/learners", headers=school.admin.headers))
    }
    assert admin_list == {str(learner), str(unenrolled)}
    assert (await client.get(f"{API}/learners", headers=school.learner.headers)).status_code == 403

    # Removing the enrolment takes the visibility away at once.
    cid = built["course"]["id"]
    r = await client.delete(f"{V1}/courses/{cid}/enrolments/{learner}", headers=school.mentor.headers)
    assert r.status_code == 204
    assert (await client.get(f"{API}/learners/{learner}", headers=school.mentor.headers)).status_code == 404


async def test_new_content_is_not_the_lesson_already_suggested_for_practice(harness: Any) -> None:
    school, built = await _school_with_course(harness)
    brightness, parsecs = built["lessons"]
    sc = uuid.UUID(_question(built, "sc")["id"])
    event = answer(
        school.org.id,
        school.learner.user_id,
        at=datetime.now(UTC) - timedelta(hours=1),
        question_id=sc,
        skills=["stars"],
        correct=False,
        course_id=uuid.UUID(built["course"]["id"]),
    )
    await emit(harness, event)
    nxt = ok(await harness.client.get(f"{API}/me/next", headers=school.learner.headers))
    assert [(x["kind"], x["lesson_id"]) for x in nxt[1:]] == [
        ("practice", brightness["id"]),
        ("new", parsecs["id"]),
    ]


async def test_a_mentor_enrolled_in_a_course_is_on_its_staff(harness: Any) -> None:
    school, built = await _school_with_course(harness)
    client = harness.client
    staff = await add_member(client, school.org, "mentor")
    learner = school.learner.user_id
    assert (await client.get(f"{API}/learners/{learner}", headers=staff.headers)).status_code == 404
    cid = built["course"]["id"]
    ok(await client.post(f"{V1}/courses/{cid}/enrolment", headers=staff.headers))
    assert (await client.get(f"{API}/learners/{learner}", headers=staff.headers)).status_code == 200
    listed = ok(await client.get(f"{API}/learners", headers=staff.headers))
    # Only learners: the staff mentor does not see the course's author, nor themselves.
    assert [x["learner_id"] for x in listed] == [str(learner)]
    author = school.mentor.user_id
    assert (await client.get(f"{API}/learners/{author}", headers=staff.headers)).status_code == 404
