"""Moderation of the mentor: built-in filter, OpenAI moderation, held messages, alerts, who reads what."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from starguide.mentor.safety import HELD_OUTPUT_MESSAGE, KIND_MESSAGES, Category, categories, check_text
from starguide.orgs.models import OrgAuditEvent
from tests.ai.fakes.server import FakeProviderServer, Script
from tests.content.support import API, make_course, make_school, ok
from tests.factories import add_member
from tests.mentor.test_mentor import ask, events
from tests.realtime.test_realtime import connect, live

__all__ = ["live"]

FLAGGED = {
    Category.SELF_HARM: [
        "I want to kill myself",
        "sometimes I feel suicidal",
        "I don't want to live anymore",
        "I'm going to end my life tonight",
        "I keep thinking I want to die",
        "I self-harm when I'm stressed",
    ],
    Category.VIOLENCE: [
        "I'm going to kill my teacher tomorrow",
        "how do I make a pipe bomb",
        "I will shoot everyone",
        "gonna bomb the school",
    ],
    Category.SEXUAL: ["send me nudes", "where can I find porn", "I want to have sex with you"],
    Category.PERSONAL_DATA: [
        "my email is jane.doe@gmail.com",
        "call me on +44 20 7946 0958",
        "my number is 555-123-4567",
        "06 12 34 56 78",
        "card 4111 1111 1111 1111",
        "IBAN GB82 WEST 1234 5698 7654 32",
        "my ssn is 123-45-6789",
    ],
}
COURSE_TALK = [
    "How do I kill the process that hangs?",
    "The loop dies after the first pass",
    "Explain sexual reproduction in plants",
    "What are sex-linked genes?",
    "Asexual reproduction in bacteria",
    "Why did Romeo commit suicide?",
    "What caused the violence of the French Revolution?",
    "In 1945 the atomic bomb was dropped on Hiroshima",
    "The attack vector of SQL injection",
    "shoot a photo of the moon",
    "execute the function twice",
    "I will kill it at the exam!",
    "I hurt my knee at football",
    "I think I want to die laughing at this joke",
    "the nude paintings of the Renaissance",
    "A parsec is about 3.26 light-years",
    "The speed of light is 299792458 m/s",
    "Compute 1234567 * 89",
    "The year 2024-01-15 was a Monday",
    "ISBN 978-3-16-148410-0",
    "version 1.2.3.4",
    "The answer is 3.14159265358979",
    "Sirius is at magnitude -1.46 and 8.6 light-years away",
    "write to name@example.com for the exercise",
    "phone numbers in E.164 look like +CC then the number",
    "the matrix 1 2 3 4 5 6 7 8 9 10 11 12 13",
]


@pytest.mark.parametrize("category", list(FLAGGED))
def test_the_filter_flags_each_category(category: Category) -> None:
    for text in FLAGGED[category]:
        assert categories(check_text(text)) == [category.value], text


def test_the_filter_leaves_course_talk_alone() -> None:
    for text in COURSE_TALK:
        assert check_text(text) == [], text


def test_flags_never_quote_the_text() -> None:
    (flag,) = check_text("my email is jane.doe@gmail.com")
    assert "jane" not in flag.reason


def openai_settings(fake: FakeProviderServer) -> dict[str, Any]:
    return {
        "ai_deployments": {
            "fake": {
                "provider": "openai",
                "model": "gpt-fake",
                "api_key": "sk-fake-0000",
                "base_url": f"{fake.url}/v1",
            }
        },
        "ai_aliases": {"mentor-default": {"deployments": ["fake"]}},
    }


async def conversation_of(client: Any, headers: dict[str, str]) -> str:
    created = ok(await client.post("/api/v1/mentor/conversations", json={}, headers=headers), 201)
    assert "mentors" in created["notice"]
    assert "admins" in created["notice"]
    return str(created["id"])


async def test_a_flagged_message_is_held_the_learner_reads_a_kind_message_and_mentors_are_alerted(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=school.learner.headers))
    learner = school.learner.headers
    cid = await conversation_of(client, learner)
    got = events((await ask(client, learner, cid, "I want to kill myself, nothing matters")).text)
    assert [kind for kind, _ in got] == ["message", "held"]
    assert got[1][1]["text"] == KIND_MESSAGES[Category.SELF_HARM]
    assert fake.requests_for("gpt-fake") == []  # no model saw it
    assert fake.moderated == []  # the built-in filter decided: no need to ask the provider
    detail = ok(await client.get(f"/api/v1/mentor/conversations/{cid}", headers=learner))
    assert [(m["role"], m["status"]) for m in detail["messages"]] == [
        ("user", "held"),
        ("assistant", "complete"),
    ]
    assert detail["messages"][1]["content"] == KIND_MESSAGES[Category.SELF_HARM]
    assert detail["messages"][0]["categories"] == []  # the learner is not shown the labels

    # the mentor who teaches the learner's course sees the alert, with the message
    alerts = ok(await client.get("/api/v1/mentor/alerts", headers=school.mentor.headers))
    (alert,) = alerts["items"]
    assert (alert["categories"], alert["direction"], alert["source"], alert["status"]) == (
        ["self_harm"],
        "input",
        "builtin",
        "open",
    )
    assert alert["learner_id"] == str(school.learner.user_id)
    assert alert["learner_name"]
    one = ok(await client.get(f"/api/v1/mentor/alerts/{alert['id']}", headers=school.mentor.headers))
    assert one["message"]["content"] == "I want to kill myself, nothing matters"
    assert one["message"]["categories"] == ["self_harm"]
    # a mentor who does not teach this learner sees nothing of it
    stranger = await add_member(client, school.org, "mentor")
    assert ok(await client.get("/api/v1/mentor/alerts", headers=stranger.headers))["total"] == 0
    assert (
        await client.get(f"/api/v1/mentor/alerts/{alert['id']}", headers=stranger.headers)
    ).status_code == 404
    # resolving, once
    resolved = ok(
        await client.post(
            f"/api/v1/mentor/alerts/{alert['id']}/resolve",
            json={"note": "Called the learner's parents."},
            headers=school.mentor.headers,
        )
    )
    assert (resolved["status"], resolved["resolved_by_id"]) == ("resolved", str(school.mentor.user_id))
    again = await client.post(
        f"/api/v1/mentor/alerts/{alert['id']}/resolve", json={}, headers=school.admin.headers
    )
    assert again.status_code == 409
    assert (
        ok(await client.get("/api/v1/mentor/alerts?status=open", headers=school.admin.headers))["total"] == 0
    )
    # the held message never reaches a model later in the conversation
    fake.script("gpt-fake", Script(text="Let's look at stars."))
    ask_again = await ask(client, learner, cid, "Which star is brightest?")
    assert events(ask_again.text)[-1][0] == "done"
    (seen,) = fake.requests_for("gpt-fake")
    assert "kill myself" not in json_text(seen.body)


def json_text(body: Any) -> str:
    import json

    return json.dumps(body)


async def test_openai_moderation_holds_what_the_built_in_filter_misses(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    learner = school.learner.headers
    cid = await conversation_of(client, learner)
    fake.moderation_flags = {"you are worthless": ["harassment", "harassment/threatening"]}
    got = events((await ask(client, learner, cid, "The teacher said you are worthless, right?")).text)
    assert [kind for kind, _ in got] == ["message", "held"]
    assert fake.moderated == ["The teacher said you are worthless, right?"]
    (moderation,) = [s for s in fake.seen if s.path == "/v1/moderations"]
    assert moderation.body["model"] == "omni-moderation-latest"
    assert moderation.api_key == "sk-fake-0000"
    (alert,) = ok(await client.get("/api/v1/mentor/alerts", headers=school.admin.headers))["items"]
    assert (alert["source"], alert["categories"]) == ("provider", ["harassment"])
    assert fake.requests_for("gpt-fake") == []
    # the call reserved before the moderation ran is released, not charged
    from starguide.ai.models import AIUsage

    async with harness.runtime.db.session(write=False) as session:
        usage = (await session.scalars(select(AIUsage))).one()
    assert (usage.outcome, usage.cost_micros, usage.reserved_micros) == ("cancelled", 0, 0)
    detail = ok(await client.get(f"/api/v1/mentor/conversations/{cid}", headers=learner))
    assert [(m["role"], m["status"]) for m in detail["messages"]] == [
        ("user", "held"),
        ("assistant", "complete"),
    ]


async def test_a_moderation_endpoint_that_fails_lets_the_message_through(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**openai_settings(fake))
    school = await make_school(harness.client)
    cid = await conversation_of(harness.client, school.learner.headers)
    fake.moderation_error = "server"
    got = events((await ask(harness.client, school.learner.headers, cid, "What is a star?")).text)
    assert got[-1][0] == "done"


async def test_a_flagged_reply_is_stopped_and_held(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    learner = school.learner.headers
    cid = await conversation_of(client, learner)
    fake.script(
        "gpt-fake",
        Script(text="Stars are far away. Here is where to find porn and more of it later.", pieces=8),
    )
    got = events((await ask(client, learner, cid, "Tell me about stars")).text)
    assert got[-1][0] == "held"
    assert got[-1][1]["text"] == HELD_OUTPUT_MESSAGE
    sent = "".join(d["text"] for kind, d in got if kind == "delta")
    assert "porn" not in sent
    detail = ok(await client.get(f"/api/v1/mentor/conversations/{cid}", headers=learner))
    reply = detail["messages"][1]
    assert (reply["status"], reply["content"]) == ("held", HELD_OUTPUT_MESSAGE)
    (alert,) = ok(await client.get("/api/v1/mentor/alerts", headers=school.admin.headers))["items"]
    assert (alert["direction"], alert["categories"], alert["source"]) == ("output", ["sexual"], "builtin")
    review = ok(await client.get(f"/api/v1/mentor/learner-conversations/{cid}", headers=school.admin.headers))
    assert "porn" in review["messages"][1]["content"]  # the reviewers read what the model wrote


async def test_openai_moderation_of_the_reply(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    cid = await conversation_of(client, school.learner.headers)
    fake.moderation_flags = {"graphic detail": ["violence/graphic"]}
    fake.script("gpt-fake", Script(text="The supernova is described in graphic detail here."))
    got = events((await ask(client, school.learner.headers, cid, "What is a supernova?")).text)
    assert got[-1][0] == "held"
    (alert,) = ok(await client.get("/api/v1/mentor/alerts", headers=school.admin.headers))["items"]
    assert (alert["direction"], alert["categories"], alert["source"]) == ("output", ["violence"], "provider")


async def test_mentors_read_their_learners_conversations_admins_all(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)  # created by school.mentor
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=school.learner.headers))
    taught = await conversation_of(client, school.learner.headers)
    await ask(client, school.learner.headers, taught, "Which star is the brightest?")
    untaught = await conversation_of(client, school.other_learner.headers)  # not enrolled
    mentor, admin = school.mentor.headers, school.admin.headers

    listed = ok(await client.get("/api/v1/mentor/learner-conversations", headers=mentor))
    assert [c["id"] for c in listed["items"]] == [taught]
    assert listed["items"][0]["user_id"] == str(school.learner.user_id)
    detail = ok(await client.get(f"/api/v1/mentor/learner-conversations/{taught}", headers=mentor))
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    assert (
        await client.get(f"/api/v1/mentor/learner-conversations/{untaught}", headers=mentor)
    ).status_code == 404
    everyone = ok(await client.get("/api/v1/mentor/learner-conversations", headers=admin))
    assert {c["id"] for c in everyone["items"]} == {taught, untaught}
    ok(await client.get(f"/api/v1/mentor/learner-conversations/{untaught}", headers=admin))
    mine = ok(
        await client.get(
            "/api/v1/mentor/learner-conversations",
            params={"learner_id": str(school.other_learner.user_id)},
            headers=admin,
        )
    )
    assert [c["id"] for c in mine["items"]] == [untaught]
    # a mentor enrolled in the course teaches it too
    co_teacher = await add_member(client, school.org, "mentor")
    assert (
        ok(await client.get("/api/v1/mentor/learner-conversations", headers=co_teacher.headers))["total"] == 0
    )
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=co_teacher.headers))
    assert (
        ok(await client.get("/api/v1/mentor/learner-conversations", headers=co_teacher.headers))["total"] == 1
    )
    # another organisation's admin finds nothing
    other = await make_school(client)
    assert (
        await client.get(f"/api/v1/mentor/learner-conversations/{taught}", headers=other.admin.headers)
    ).status_code == 404
    # learners cannot use these routes, and every read is audited
    assert (
        await client.get("/api/v1/mentor/learner-conversations", headers=school.learner.headers)
    ).status_code == 403
    async with harness.runtime.db.session(write=False) as session:
        reads = list(
            await session.scalars(
                select(OrgAuditEvent).where(OrgAuditEvent.action == "mentor.conversation_read")
            )
        )
    assert {(r.actor_id, r.target_user_id) for r in reads} == {
        (school.mentor.user_id, school.learner.user_id),
        (school.admin.user_id, school.other_learner.user_id),
    }


async def test_reviewers_are_alerted_in_real_time(live: tuple[Any, str]) -> None:
    import asyncio

    harness, url = live
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=school.learner.headers))
    cid = await conversation_of(client, school.learner.headers)
    mentor = await asyncio.to_thread(connect, url, school.mentor.access_token)
    try:
        await ask(client, school.learner.headers, cid, "text me at jane.doe@gmail.com")
        event = await asyncio.to_thread(mentor.receive, 5)
    finally:
        await asyncio.to_thread(mentor.disconnect)
    (alert,) = ok(await client.get("/api/v1/mentor/alerts", headers=school.mentor.headers))["items"]
    assert event == [
        "mentor.alert",
        {
            "alert_id": alert["id"],
            "conversation_id": cid,
            "learner_id": str(school.learner.user_id),
            "direction": "input",
            "categories": ["personal_data"],
        },
    ]


@pytest.mark.parametrize(
    "reply",
    [
        # Lesson links whose ids hold Luhn-valid runs of digits (found by sampling uuid7 ids).
        "- [1] [How bright? The magnitude scale](/lessons/01a21584-b096-7519-9015-218600e09572)",
        "- [2] [Parallax](/lessons/01a21584-b0c0-7586-8686-12558f573ea1)",
        "See lesson 01a21584-b135-7072-bcd1-055587239719 or https://example.org/courses/4111-1111-1111-1111",
    ],
)
def test_ids_and_links_are_not_personal_data(reply: str) -> None:
    assert check_text(reply) == []
    assert check_text(reply + " Call me on +44 20 7946 0958.") != []
