"""The demo course: complete, consistent, and stored in the canonical JSON form."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import starguide.content
from starguide.content.exchange import CourseDocument, dumps_course, load_course
from starguide.content.questions import AUTO_GRADED, QuestionType
from starguide.quizzes.grading import grade, model_answer, wildcard_match

DEMO = Path(starguide.content.__file__).parent / "demo" / "astronomy.json"


@pytest.fixture(scope="module")
def demo() -> CourseDocument:
    return load_course(DEMO.read_bytes())


def test_demo_course_meets_the_counts(demo: CourseDocument) -> None:
    course = demo.course
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    assert len(course.modules) >= 4
    assert len(lessons) >= 12
    assert len(course.skills) >= 10
    types = Counter(entry.question.type for entry in course.questions)
    assert sum(n for t, n in types.items() if t in AUTO_GRADED) >= 80
    assert set(types) >= set(AUTO_GRADED), f"missing types: {set(AUTO_GRADED) - set(types)}"


def test_every_question_is_explained_tagged_and_answerable(demo: CourseDocument) -> None:
    used_skills: set[str] = set()
    for entry in demo.course.questions:
        question = entry.question
        assert len(question.explanation) >= 30, entry.key
        assert question.skills, entry.key
        used_skills.update(question.skills)
        if question.type != QuestionType.FREE_TEXT:
            answer = model_answer(question)
            assert answer is not None
            assert grade(question, answer).score == 1.0, entry.key
    assert used_skills == {s.slug for s in demo.course.skills}


def test_right_choice_ids_do_not_give_the_answer_away(demo: CourseDocument) -> None:
    first_right = Counter(
        next(c.id for c in e.question.choices if c.correct)
        for e in demo.course.questions
        if e.question.type == QuestionType.SINGLE_CHOICE
    )
    assert len(first_right) >= 3
    assert max(first_right.values()) < 0.5 * sum(first_right.values())


def test_lessons_are_real_teaching_text(demo: CourseDocument) -> None:
    for module in demo.course.modules:
        for lesson in module.lessons:
            assert lesson.body.startswith("# "), lesson.slug
            assert len(lesson.body.split()) >= 250, lesson.slug
            assert lesson.skills, lesson.slug
            assert not wildcard_match("*lorem ipsum*", lesson.body.casefold())


def test_demo_file_is_canonical(demo: CourseDocument) -> None:
    assert dumps_course(demo) == DEMO.read_text(encoding="utf-8")
