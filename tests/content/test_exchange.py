"""The JSON course format: validation, references, and an exact round trip."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from starguide.content.exchange import dump_course, dumps_course, load_course


def small_course() -> dict[str, Any]:
    return {
        "format": "starguide.course",
        "version": 1,
        "course": {
            "slug": "moon",
            "title": "The Moon",
            "skills": [{"slug": "lunar-phases", "name": "Lunar phases"}],
            "modules": [
                {
                    "title": "Phases",
                    "lessons": [
                        {
                            "slug": "phases",
                            "title": "Why phases",
                            "body": "# Phases\n",
                            "skills": ["lunar-phases"],
                        }
                    ],
                }
            ],
            "questions": [
                {
                    "key": "q1",
                    "question": {
                        "type": "true_false",
                        "text": "A full Moon rises at about sunset.",
                        "answer": True,
                        "skills": ["lunar-phases"],
                    },
                },
                {
                    "key": "q2",
                    "question": {
                        "type": "ordering",
                        "text": "Order the phases from new Moon.",
                        "items": [
                            {"id": "new", "text": "New"},
                            {"id": "fq", "text": "First quarter"},
                            {"id": "full", "text": "Full"},
                        ],
                    },
                },
            ],
            "assessments": [
                {
                    "key": "quiz",
                    "title": "Phases quiz",
                    "policy": {"questions": ["q1", "q2"], "time_limit_minutes": 10},
                },
                {
                    "key": "practice",
                    "title": "Practice",
                    "policy": {"mode": "practice", "draws": [{"skills": ["lunar-phases"], "count": 1}]},
                },
            ],
        },
    }


def test_round_trip_is_exact() -> None:
    canonical = dump_course(load_course(small_course()))
    assert canonical["course"]["questions"][0]["question"]["difficulty"] == 2  # defaults written out
    again = dump_course(load_course(json.dumps(canonical)))
    assert again == canonical
    text = dumps_course(load_course(canonical))
    assert text.endswith("}\n")
    assert dumps_course(load_course(text)) == text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["course"]["skills"].append({"slug": "lunar-phases", "name": "x"}), "defined twice"),
        (lambda c: c["course"]["questions"][1].update(key="q1"), "question 'q1' is defined twice"),
        (
            lambda c: c["course"]["modules"][0]["lessons"][0]["skills"].append("eclipses"),
            "modules.0.lessons.0.skills: unknown skill 'eclipses'",
        ),
        (
            lambda c: c["course"]["questions"][0]["question"]["skills"].append("tides"),
            "questions.0.question.skills: unknown skill 'tides'",
        ),
        (
            lambda c: c["course"]["assessments"][0]["policy"]["questions"].append("q9"),
            "assessments.0.policy.questions: unknown question 'q9'",
        ),
        (
            lambda c: c["course"]["assessments"][1]["policy"]["draws"][0]["skills"].append("tides"),
            "assessments.1.policy.draws.0.skills: unknown skill 'tides'",
        ),
        (lambda c: c.update(version=2), "Input should be 1"),
        (lambda c: c.update(format="moodle"), "starguide.course"),
        (lambda c: c["course"].update(colour="blue"), "Extra inputs are not permitted"),
        (
            lambda c: c["course"]["assessments"][0]["policy"].update(draws=[{"count": 1}]),
            "not both or neither",
        ),
        (
            lambda c: c["course"]["questions"][0]["question"].update(type="essay"),
            "does not match any of the expected tags",
        ),
    ],
)
def test_invalid_documents(change: Any, message: str) -> None:
    data = copy.deepcopy(small_course())
    change(data)
    with pytest.raises(ValidationError, match=message):
        load_course(data)


def test_not_json() -> None:
    with pytest.raises(ValidationError, match="Invalid JSON"):
        load_course(b"{not json")
