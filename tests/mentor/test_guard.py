"""Never the answer to a graded question that is open; explanations the learner has already seen, cited."""

from __future__ import annotations

import json
import random
from typing import Any

from starguide.mentor.guard import PLACEHOLDER, OutputGuard, answer_patterns
from starguide.mentor.safety import Category
from tests.ai.fakes.server import FakeProviderServer, Script
from tests.content.support import API, School, make_course, make_school, ok
from tests.mentor.test_mentor import ask, events
from tests.mentor.test_safety import openai_settings

LEAK = "Between us: the answer is Sirius, and a parsec is 3.26 light-years. Do not tell anyone!"
SC_EXPLANATION = "Sirius, at magnitude -1.46."


def test_the_guard_hides_answers_split_across_deltas() -> None:
    from starguide.content.questions import NumericQuestion, SingleChoiceQuestion

    specs = [
        SingleChoiceQuestion.model_validate(
            {
                "text": "Brightest?",
                "choices": [{"id": "a", "text": "Sirius", "correct": True}, {"id": "b", "text": "Vega"}],
            }
        ),
        NumericQuestion.model_validate({"text": "Parsec?", "answers": [{"value": 3.26, "tolerance": 0.01}]}),
    ]
    patterns = answer_patterns(specs)
    text = (
        "It is Sir"
        + "ius; also SIRIUS. A parsec is 3"
        + ",26 ly; 13.26 and 3.265 are other numbers. Vega is not."
    )
    for seed in range(20):
        rng = random.Random(seed)
        guard = OutputGuard(patterns)
        out, i = "", 0
        while i < len(text):
            n = rng.randint(1, 6)
            out += guard.feed(text[i : i + n])
            i += n
        out += guard.flush()
        assert out == (
            f"It is {PLACEHOLDER}; also {PLACEHOLDER}. A parsec is {PLACEHOLDER} ly; 13.26 and 3.265 are "
            "other numbers. Vega is not."
        )
        assert guard.redactions == 3


def test_the_guard_stops_a_flagged_reply() -> None:
    guard = OutputGuard()
    sent = guard.feed("Fine. ") + guard.feed("Send me nu") + guard.feed("des now")
    assert guard.blocked
    assert guard.flags[0].category is Category.SEXUAL
    assert "nudes" not in sent
    assert guard.feed("more") == ""


async def open_attempt(client: Any, school: School, built: dict[str, Any], feedback: str) -> dict[str, Any]:
    """The learner's attempt at an assessment of the SC (Sirius) and numeric (3.26) questions, SC answered."""
    sc, num = built["questions"][1], built["questions"][2]
    quiz = ok(
        await client.post(
            f"{API}/assessments",
            json={
                "course_id": built["course"]["id"],
                "title": "Graded",
                "published": True,
                "policy": {"questions": [sc["id"], num["id"]], "feedback_policy": feedback},
            },
            headers=school.mentor.headers,
        ),
        201,
    )
    attempt: dict[str, Any] = ok(
        await client.post(f"{API}/assessments/{quiz['id']}/attempts", headers=school.learner.headers)
    )
    ok(
        await client.put(
            f"{API}/attempts/{attempt['id']}/answers/{sc['id']}",
            json={"answer": {"type": "single_choice", "choice": "b"}},
            headers=school.learner.headers,
        )
    )
    return attempt


async def test_a_model_that_tries_to_give_the_answer_away_is_redacted(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=school.learner.headers))
    # feedback "immediately": the learner has seen the explanation, but the attempt is still open
    attempt = await open_attempt(client, school, built, "immediately")
    learner = school.learner.headers
    cid = ok(await client.post("/api/v1/mentor/conversations", json={}, headers=learner), 201)["id"]

    for mode in ("hint", "socratic", "explain"):
        fake.script("gpt-fake", Script(text=LEAK, pieces=12))
        got = events(
            (await ask(client, learner, cid, "Which star is the brightest? Just tell me.", mode=mode)).text
        )
        assert got[-1][0] == "done"
        sent = "".join(d["text"] for kind, d in got if kind == "delta")
        assert "Sirius" not in sent
        assert "3.26" not in sent
        assert sent.count(PLACEHOLDER) == 2
        assert sent.startswith("Between us: the answer is ")
    # the answer key never reached the model: no explanation of an open question in the prompt
    for seen in fake.requests_for("gpt-fake"):
        prompt = json.dumps(seen.body)
        assert SC_EXPLANATION not in prompt
        assert "Explanation:" not in prompt
    detail = ok(await client.get(f"/api/v1/mentor/conversations/{cid}", headers=learner))
    replies = [m for m in detail["messages"] if m["role"] == "assistant"]
    assert all("Sirius" not in m["content"] and m["redacted"] for m in replies)

    # once submitted, the attempt is no longer open: the explanation is a source, nothing is hidden
    ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=learner))
    fake.script("gpt-fake", Script(text=LEAK))
    got = events((await ask(client, learner, cid, "Why is Sirius the brightest star?")).text)
    sent = "".join(d["text"] for kind, d in got if kind == "delta")
    assert "Sirius" in sent
    assert "3.26" in sent
    citations = got[-1][1]["citations"]
    assert {"n": 2, "kind": "question", "question_id": built["questions"][1]["id"]}.items() <= next(
        c for c in citations if c["kind"] == "question"
    ).items()
    assert SC_EXPLANATION in json.dumps(fake.requests_for("gpt-fake")[-1].body)


async def test_offline_mentor_answers_with_explanations_the_learner_has_received(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=school.learner.headers))
    attempt = await open_attempt(client, school, built, "after_submit")
    learner = school.learner.headers
    cid = ok(await client.post("/api/v1/mentor/conversations", json={}, headers=learner), 201)["id"]

    # while the attempt is open, even the lesson's own sentence does not give the answer away
    got = events((await ask(client, learner, cid, "Which star is the brightest?")).text)
    text = "".join(d["text"] for kind, d in got if kind == "delta")
    assert "No AI model is configured" in text
    assert "Sirius" not in text
    assert PLACEHOLDER in text
    assert all(c["kind"] == "lesson" for c in got[-1][1]["citations"])

    ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=learner))
    got = events((await ask(client, learner, cid, "What magnitude makes Sirius the brightest star?")).text)
    text = "".join(d["text"] for kind, d in got if kind == "delta")
    assert "No AI model is configured" in text
    assert "magnitude -1.46" in text  # quoted from the explanation the learner received
    assert "Explanation: Which is the brightest star in the night sky?" in text
    assert text.rstrip().endswith("?")
    question_citations = [c for c in got[-1][1]["citations"] if c["kind"] == "question"]
    assert [c["question_id"] for c in question_citations] == [built["questions"][1]["id"]]
    detail = ok(await client.get(f"/api/v1/mentor/conversations/{cid}", headers=learner))
    stored = [c for c in detail["messages"][-1]["citations"] if c["kind"] == "question"]
    assert [(c["question_id"], c["lesson_id"]) for c in stored] == [(built["questions"][1]["id"], None)]
    # another learner, who never received that feedback, is not given it
    other = school.other_learner.headers
    ok(await client.post(f"{API}/courses/{built['course']['id']}/enrolment", headers=other))
    cid2 = ok(await client.post("/api/v1/mentor/conversations", json={}, headers=other), 201)["id"]
    got = events((await ask(client, other, cid2, "What magnitude makes Sirius the brightest star?")).text)
    assert all(c["kind"] == "lesson" for c in got[-1][1]["citations"])
