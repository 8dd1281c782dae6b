"""The mentor knows the learner: their course and lesson, their progress, what to quiz them on, and its
help counts when they answer soon after."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from starguide.ai.types import Passage
from starguide.content.models import Skill
from starguide.kit.events import AnswerGraded, MentorHelpGiven
from starguide.kit.outbox import OutboxEvent
from starguide.learning.models import Assist, ReviewCard, SkillMastery
from starguide.mentor.context import help_given
from starguide.mentor.prompts import Mode, build_request
from tests.ai.fakes.server import FakeProviderServer, Script
from tests.content.support import API, School, make_course, make_school, ok
from tests.mentor.test_guard import open_attempt
from tests.mentor.test_mentor import ask, events
from tests.mentor.test_safety import openai_settings

CONVERSATIONS = "/api/v1/mentor/conversations"


async def _enrol(client: Any, school: School, course_id: str, *who: str) -> None:
    for name in who or ("learner",):
        ok(await client.post(f"{API}/courses/{course_id}/enrolment", headers=getattr(school, name).headers))


def _system(fake: FakeProviderServer) -> str:
    return str(fake.requests_for("gpt-fake")[-1].body["messages"][0]["content"])


async def _practise(
    client: Any, school: School, built: dict[str, Any], *, who: str = "learner", wrong: bool = True
) -> None:
    """The learner answers the course's three questions in a practice quiz (wrongly, by default)."""
    h = getattr(school, who).headers
    quiz = ok(
        await client.post(
            f"{API}/assessments",
            json={
                "course_id": built["course"]["id"],
                "title": f"Practice {uuid.uuid4().hex[:6]}",
                "published": True,
                "policy": {
                    "mode": "practice",
                    "questions": [q["id"] for q in built["questions"]],
                    "feedback_policy": "immediately",
                },
            },
            headers=school.mentor.headers,
        ),
        201,
    )
    attempt = ok(await client.post(f"{API}/assessments/{quiz['id']}/attempts", headers=h))
    for q in attempt["questions"]:
        url = f"{API}/attempts/{attempt['id']}/answers/{q['question_id']}"
        if q["type"] == "true_false":
            body: dict[str, Any] = {"type": "true_false", "value": not wrong}
        elif q["type"] == "single_choice":
            pick = "Vega" if wrong else "Sirius"
            body = {
                "type": "single_choice",
                "choice": next(o["id"] for o in q["options"] if o["text"] == pick),
            }
        else:
            body = {"type": "numeric", "value": "9" if wrong else "3.26"}
        ok(await client.put(url, json={"answer": body}, headers=h))
    ok(await client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h))


# ---- the conversation's course and lesson ----------------------------------------------------------


async def test_a_conversation_is_about_a_course_and_lesson_of_the_organisation(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    draft = await make_course(client, school, slug="draft", published=False)
    elsewhere = await make_school(client)
    foreign = await make_course(client, elsewhere, slug="foreign")
    course_id, lesson = built["course"]["id"], built["lessons"][1]
    await _enrol(client, school, course_id)
    h = school.learner.headers

    # a lesson alone brings its course
    made = ok(await client.post(CONVERSATIONS, json={"lesson_id": lesson["id"]}, headers=h), 201)
    assert (made["course_id"], made["lesson_id"]) == (course_id, lesson["id"])
    # a course alone
    only = ok(await client.post(CONVERSATIONS, json={"course_id": course_id}, headers=h), 201)
    assert (only["course_id"], only["lesson_id"]) == (course_id, None)
    # another organisation's, an unpublished one (for a learner), an unknown one: not found
    for body in (
        {"course_id": foreign["course"]["id"]},
        {"lesson_id": foreign["lessons"][0]["id"]},
        {"course_id": draft["course"]["id"]},
        {"lesson_id": str(uuid.uuid4())},
    ):
        assert (await client.post(CONVERSATIONS, json=body, headers=h)).status_code == 404, body
    # a learner not enrolled in the course: its lessons are closed to them (as when reading them)
    outsider = school.other_learner.headers
    assert (
        await client.post(CONVERSATIONS, json={"lesson_id": lesson["id"]}, headers=outsider)
    ).status_code == 403
    ok(await client.post(CONVERSATIONS, json={"course_id": course_id}, headers=outsider), 201)
    # a lesson of another course than the one named
    mismatch = {"course_id": draft["course"]["id"], "lesson_id": lesson["id"]}
    assert (await client.post(CONVERSATIONS, json=mismatch, headers=school.mentor.headers)).status_code == 422
    # the mentor may talk about a draft course of the organisation
    ok(
        await client.post(
            CONVERSATIONS, json={"course_id": draft["course"]["id"]}, headers=school.mentor.headers
        ),
        201,
    )

    path = f"{CONVERSATIONS}/{only['id']}"
    moved = ok(await client.patch(path, json={"lesson_id": built["lessons"][0]["id"]}, headers=h))
    assert (moved["course_id"], moved["lesson_id"]) == (course_id, built["lessons"][0]["id"])
    renamed = ok(await client.patch(path, json={"title": "Stars"}, headers=h))
    assert renamed["lesson_id"] == built["lessons"][0]["id"]  # untouched when not sent
    assert (
        await client.patch(path, json={"course_id": foreign["course"]["id"]}, headers=h)
    ).status_code == 404
    cleared = ok(await client.patch(path, json={"course_id": None, "lesson_id": None}, headers=h))
    assert (cleared["course_id"], cleared["lesson_id"]) == (None, None)
    assert ok(await client.get(path, headers=h))["course_id"] is None


async def test_the_prompt_carries_the_course_lesson_and_the_learners_progress(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    other = await make_course(client, school, slug="planets")
    await _enrol(client, school, built["course"]["id"])
    await _practise(client, school, built)
    await harness.drain()
    h = school.learner.headers

    # no course or lesson set: the lesson the learner opened most recently
    ok(await client.post(f"{API}/lessons/{built['lessons'][1]['id']}/open", headers=h))
    cid = ok(await client.post(CONVERSATIONS, json={}, headers=h), 201)["id"]
    fake.script("gpt-fake", Script(text="Think about it."))
    assert events((await ask(client, h, cid, "How far away are stars?")).text)[-1][0] == "done"
    system = _system(fake)
    assert "Course: The sky\nLesson: Parsecs" in system
    profile = system.split("(learner profile)\n", 1)[1].split("<<<end", 1)[0]
    assert "Level 1" in profile
    assert "Weakest skills" in profile
    assert "Stars (" in profile
    assert "Distances (" in profile
    assert "skill-" not in profile
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", profile) is None  # names, never ids
    assert "Questions due for review" in profile

    # set explicitly: the conversation's lesson wins
    ok(await client.patch(f"{CONVERSATIONS}/{cid}", json={"lesson_id": built["lessons"][0]["id"]}, headers=h))
    fake.script("gpt-fake", Script(text="Think about it."))
    await ask(client, h, cid, "How far away are stars?")
    assert "Lesson: Brightness of stars" in _system(fake)

    # a course of its own: its lessons come first in retrieval, the other course's after
    ok(await client.patch(f"{CONVERSATIONS}/{cid}", json={"course_id": other["course"]["id"]}, headers=h))
    fake.script("gpt-fake", Script(text="Think about it."))
    got = events((await ask(client, h, cid, "Which star is the brightest?")).text)
    where = _system(fake).split("(where the learner is)\n", 1)[1].split("\n<<<end", 1)[0]
    assert where == "Course: The sky"  # no lesson of that course opened yet
    # once the learner opens one of its lessons, that one (not the more recent one elsewhere)
    await _enrol(client, school, other["course"]["id"])
    ok(await client.post(f"{API}/lessons/{other['lessons'][1]['id']}/open", headers=h))
    ok(await client.post(f"{API}/lessons/{built['lessons'][0]['id']}/complete", headers=h))
    fake.script("gpt-fake", Script(text="Think about it."))
    await ask(client, h, cid, "Which star is the brightest?")
    where = _system(fake).split("(where the learner is)\n", 1)[1].split("\n<<<end", 1)[0]
    assert where == "Course: The sky\nLesson: Parsecs"
    cited = [c["lesson_id"] for c in got[-1][1]["citations"] if c["kind"] == "lesson"]
    assert cited[0] in {lesson["id"] for lesson in other["lessons"]}  # the conversation's course first


async def test_a_conversation_about_a_lesson_has_it_as_material_even_when_the_words_miss_it(
    harness: Any,
) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    await _enrol(client, school, built["course"]["id"])
    h = school.learner.headers
    about = ok(
        await client.post(CONVERSATIONS, json={"lesson_id": built["lessons"][1]["id"]}, headers=h), 201
    )
    got = events((await ask(client, h, about["id"], "Can you explain this lesson?")).text)
    text = "".join(d["text"] for kind, d in got if kind == "delta")
    assert "A parsec is about 3.26 light-years." in text
    assert [c["title"] for c in got[-1][1]["citations"]] == ["Parsecs"]
    # without a lesson of its own, the same words find nothing
    plain = ok(await client.post(CONVERSATIONS, json={}, headers=h), 201)
    got = events((await ask(client, h, plain["id"], "Can you explain this lesson?")).text)
    assert got[-1][1]["citations"] == []


# ---- quiz me ---------------------------------------------------------------------------------------


async def test_quiz_me_asks_due_reviews_but_never_an_open_graded_question(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**openai_settings(fake))
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    await _enrol(client, school, built["course"]["id"])
    await _practise(client, school, built)  # three wrong answers: three review cards
    await harness.drain()
    async with harness.runtime.db.session() as session:  # a day later, all three are due
        await session.execute(
            update(ReviewCard)
            .where(ReviewCard.learner_id == school.learner.user_id)
            .values(due=datetime.now(UTC) - timedelta(hours=1))
        )
    # a graded attempt of the SC and numeric questions is open: never practice material
    await open_attempt(client, school, built, "immediately")
    h = school.learner.headers
    cid = ok(await client.post(CONVERSATIONS, json={"mode": "quiz"}, headers=h), 201)["id"]
    fake.script("gpt-fake", Script(text="Here is a question for you."))
    got = events((await ask(client, h, cid, "Quiz me")).text)
    assert got[-1][0] == "done"
    system = _system(fake)
    assert "Practice questions chosen for this learner" in system
    assert "The Sun is a star." in system  # the true/false card, due for review
    assert "Practice question (due for review)" in system
    prompt = json.dumps(fake.requests_for("gpt-fake")[-1].body)
    for secret in (
        "brightest star in the night sky",
        "How many light-years",
        "Sirius, at magnitude",
        "G-type",
    ):
        assert secret not in prompt  # open questions, and answer keys, never reach the model
    assert all(c["kind"] == "lesson" for c in got[-1][1]["citations"])  # practice is not a source

    # other modes carry no practice questions
    fake.script("gpt-fake", Script(text="Hmm."))
    await ask(client, h, cid, "Quiz me", mode="socratic")
    assert "Practice questions chosen" not in _system(fake)


async def _quiz_after_practice(harness: Any) -> tuple[Any, School, dict[str, Any], dict[str, str], str]:
    """A learner who practised the course (wrong answers: weak skills) and a new "quiz me" conversation."""
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    await _enrol(client, school, built["course"]["id"])
    await _practise(client, school, built)
    await harness.drain()
    h = school.learner.headers
    cid = ok(await client.post(CONVERSATIONS, json={"mode": "quiz"}, headers=h), 201)["id"]
    return client, school, built, h, str(cid)


async def test_the_offline_mentor_quizzes_on_the_weakest_skill(harness: Any) -> None:
    client, _, _, h, cid = await _quiz_after_practice(harness)
    seen = []
    for _ in range(2):
        got = events((await ask(client, h, cid, "Quiz me please")).text)
        text = "".join(d["text"] for kind, d in got if kind == "delta")
        assert "No AI model is configured" in text
        assert "Practice question (weak skill)" in text  # nothing is due yet: the weakest skills
        assert text.rstrip().endswith("What is your answer?")
        seen.append(text)
        assert "Sirius, at magnitude" not in text
        assert "G-type" not in text
    assert seen[0] != seen[1]  # the next "quiz me" asks another question first


ANSWERS = {"The Sun is a star.": "True!", "brightest star": "I think it is Sirius", "parsec": "3.26"}


async def _answer_events(harness: Any) -> list[dict[str, Any]]:
    async with harness.runtime.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == AnswerGraded.event_type)
            .order_by(OutboxEvent.id)
        )
        return [r.payload for r in rows if r.payload["mode"] == "mentor"]


async def test_an_answer_to_the_mentors_practice_question_is_assisted_evidence(harness: Any) -> None:
    client, school, built, h, cid = await _quiz_after_practice(harness)
    text = "".join(
        d["text"] for kind, d in events((await ask(client, h, cid, "Quiz me")).text) if kind == "delta"
    )
    assert any(key in text for key in ANSWERS)
    # a message that is not an answer ("which one?") is not graded
    await ask(client, h, cid, "Hmm, which one do you mean?")
    assert await _answer_events(harness) == []

    text = "".join(
        d["text"] for kind, d in events((await ask(client, h, cid, "Quiz me")).text) if kind == "delta"
    )
    asked = next(key for key in ANSWERS if key in text)
    question_id = next(q["id"] for q in built["questions"] if asked in json.dumps(q))
    await ask(client, h, cid, ANSWERS[asked])
    (graded,) = await _answer_events(harness)
    assert graded["question_id"] == question_id
    assert (graded["correct"], graded["assisted"], graded["status"]) == (True, True, "graded")
    assert graded["assessment_id"] == cid
    before = await _mastery(harness, school.learner.user_id)
    await harness.drain()
    after = await _mastery(harness, school.learner.user_id)
    changed = [k for k in after if after[k].attempts != before[k].attempts]
    assert len(changed) == 1
    assert after[changed[0]].assisted_attempts == before[changed[0]].assisted_attempts + 1


# ---- help given becomes assisted evidence ------------------------------------------------------------


def test_help_counts_the_cited_lessons_explanations_and_practice_questions() -> None:
    org, learner = uuid.uuid4(), uuid.uuid4()
    stars, distances, q1, q2 = (uuid.uuid4() for _ in range(4))
    lessons = [
        Passage("11111111-1111-1111-1111-111111111111", "Stars", "..."),
        Passage("22222222-2222-2222-2222-222222222222", "Parsecs", "..."),
    ]
    skills = {lessons[0].source_id: [str(stars)], lessons[1].source_id: [str(distances)]}
    explanation = Passage(f"question:{q1}", "Explanation: x", "...")
    practice = Passage(f"practice:{q2}", "Practice question (weak skill)", "...")
    at = datetime(2026, 11, 20, tzinfo=UTC)
    passages = [*lessons, explanation, practice]
    cited = help_given(org, learner, passages, skills, "As [2] says ...", at)
    assert cited is not None
    assert (cited.skill_ids, cited.question_ids) == ([distances], [q2])
    everything = help_given(org, learner, passages, skills, "No numbers cited.", at)
    assert everything is not None
    assert (everything.skill_ids, everything.question_ids) == ([stars, distances], [q1, q2])
    assert help_given(org, learner, [], {}, "Hello", at) is None
    # the practice passage is not numbered: [3] is the explanation
    third = help_given(org, learner, passages, skills, "[3]", at)
    assert third is not None
    assert third.question_ids == [q1, q2]
    assert third.skill_ids == []
    # practice questions only reach the prompt in quiz mode
    request = build_request(mode=Mode.SOCRATIC, question="?", passages=lessons, practice=[practice])
    assert [p.source_id for p in request.passages] == [p.source_id for p in lessons]


async def _mastery(harness: Any, learner_id: uuid.UUID) -> dict[uuid.UUID, SkillMastery]:
    async with harness.runtime.db.session(write=False) as session:
        rows = await session.scalars(select(SkillMastery).where(SkillMastery.learner_id == learner_id))
        return {r.skill_id: r for r in rows}


async def test_asking_the_mentor_about_a_lesson_makes_the_next_answer_on_its_skill_assisted(
    harness: Any,
) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    await _enrol(client, school, built["course"]["id"], "learner", "other_learner")
    async with harness.runtime.db.session(write=False) as session:
        stars = await session.scalar(
            select(Skill.id).where(Skill.course_id == uuid.UUID(built["course"]["id"]), Skill.slug == "stars")
        )
    assert stars is not None

    # the learner asks the mentor about the brightness lesson (skill "stars"), then practises
    h = school.learner.headers
    cid = ok(await client.post(CONVERSATIONS, json={"lesson_id": built["lessons"][0]["id"]}, headers=h), 201)[
        "id"
    ]
    got = events((await ask(client, h, cid, "Why is Sirius so bright?")).text)
    assert got[-1][0] == "done"
    await harness.drain()
    async with harness.runtime.db.session(write=False) as session:
        helped = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == MentorHelpGiven.event_type)
            )
        ).all()
        assists = (
            await session.scalars(select(Assist).where(Assist.learner_id == school.learner.user_id))
        ).all()
    assert len(helped) == 1
    assert [a.skill_ids["ids"] for a in assists] == [[str(stars)]]  # the ids `AnswerGraded` resolves to
    await _practise(client, school, built, wrong=False)
    await harness.drain()
    mine = (await _mastery(harness, school.learner.user_id))[stars]
    assert (mine.attempts, mine.assisted_attempts, mine.assisted_correct) == (2, 2, 2)  # TF and SC: stars

    # another learner, who did not ask, answers the same questions alone
    await _practise(client, school, built, who="other_learner", wrong=False)
    await harness.drain()
    theirs = (await _mastery(harness, school.other_learner.user_id))[stars]
    assert (theirs.attempts, theirs.assisted_attempts) == (2, 0)
    # assisted evidence moves the estimate less: the learner who was helped is less certain
    assert mine.var > theirs.var
    shown = ok(await client.get("/api/v1/learning/me/skills", headers=h))
    row = next(s for s in shown["skills"] if s["skill_id"] == str(stars))
    assert row["assisted_attempts"] == 2


async def test_a_held_message_gives_no_help(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    await make_course(client, school)
    h = school.learner.headers
    cid = ok(await client.post(CONVERSATIONS, json={}, headers=h), 201)["id"]
    got = events((await ask(client, h, cid, "Stars? Call me on +44 20 7946 0958")).text)
    assert got[-1][0] == "held"
    async with harness.runtime.db.session(write=False) as session:
        helped = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == MentorHelpGiven.event_type)
            )
        ).all()
    assert helped == []


def test_a_chat_message_is_read_as_an_answer_only_without_doubt() -> None:
    from starguide.content.questions import (
        FreeTextQuestion,
        MultipleChoiceAnswer,
        MultipleChoiceQuestion,
        NumericQuestion,
        SingleChoiceQuestion,
        TrueFalseQuestion,
    )
    from starguide.mentor.context import asked_question, chat_answer

    sc = SingleChoiceQuestion.model_validate(
        {
            "text": "Brightest?",
            "choices": [{"id": "a", "text": "Sirius", "correct": True}, {"id": "b", "text": "Vega"}],
        }
    )
    tf = TrueFalseQuestion.model_validate({"text": "The Sun is a star.", "answer": True})
    num = NumericQuestion.model_validate({"text": "Parsec?", "answers": [{"value": 3.26, "tolerance": 0.01}]})
    essay = FreeTextQuestion.model_validate({"text": "Why?", "rubric": "Because."})
    assert chat_answer(sc, "I'd say sirius.") == chat_answer(sc, "Sirius")
    assert chat_answer(sc, "Sirius")
    assert chat_answer(sc, "Vega or Sirius?") is None  # two options: no answer
    assert chat_answer(sc, "No idea") is None
    assert chat_answer(tf, "True") is not None
    assert chat_answer(tf, "false, I think") is not None
    assert chat_answer(tf, "true or false?") is None
    assert chat_answer(tf, "yes") is None  # only the words true and false
    assert chat_answer(num, "about 3.26 light-years") is not None
    assert chat_answer(num, "3 or 4") is None
    assert chat_answer(essay, "Because of the tilt.") is None  # a mentor grades free text
    assert chat_answer(sc, "Sirius " * 50) is None  # too long to be an answer
    mc = MultipleChoiceQuestion.model_validate(
        {
            "text": "Which are planets?",
            "choices": [
                {"id": "m", "text": "Mars", "correct": True},
                {"id": "v", "text": "Venus", "correct": True},
                {"id": "s", "text": "Sirius"},
            ],
        }
    )
    assert chat_answer(mc, "Mars and Venus") == MultipleChoiceAnswer(choices=["m", "v"])
    assert chat_answer(mc, "only mars") == MultipleChoiceAnswer(choices=["m"])
    assert chat_answer(mc, "Mars or Venus?") is None  # a question back
    assert chat_answer(mc, "no idea") is None
    question, other = str(uuid.uuid4()), str(uuid.uuid4())
    flags = {"practice": [question, other], "asked_texts": ["The Sun is a star.", "Which are planets?"]}
    assert asked_question("Quiz time: the sun is a star. True or false?", flags) == uuid.UUID(question)
    assert asked_question("Try this one: which are planets? Mars, Venus…", flags) == uuid.UUID(other)
    assert asked_question("Let us talk about planets instead.", flags) is None  # the model asked another
    assert asked_question("The Sun is a star.", None) is None
    # Replies stored with only the first question's text are still read.
    older = {"practice": [question], "asked_text": "The Sun is a star."}
    assert asked_question("So: the Sun is a star?", older) == uuid.UUID(question)
