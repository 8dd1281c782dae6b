"""Helpers shared by the content and quizzes tests: an organisation with people and a small course."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import Account, OrgFixture, add_member, create_org

API = "/api/v1"


@dataclass
class School:
    org: OrgFixture
    mentor: Account
    learner: Account
    other_learner: Account

    @property
    def admin(self) -> Account:
        return self.org.admin


async def make_school(client: httpx.AsyncClient, *, time_zone: str = "UTC") -> School:
    org = await create_org(client, time_zone=time_zone)
    return School(
        org=org,
        mentor=await add_member(client, org, "mentor"),
        learner=await add_member(client, org, "learner"),
        other_learner=await add_member(client, org, "learner"),
    )


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


TF_QUESTION = {
    "type": "true_false",
    "text": "The Sun is a star.",
    "answer": True,
    "explanation": "The Sun is a G-type main-sequence star.",
    "skills": ["stars"],
    "difficulty": 1,
}
SC_QUESTION = {
    "type": "single_choice",
    "text": "Which is the brightest star in the night sky?",
    "choices": [
        {"id": "a", "text": "Vega"},
        {"id": "b", "text": "Sirius", "correct": True},
        {"id": "c", "text": "Polaris"},
    ],
    "explanation": "Sirius, at magnitude -1.46.",
    "hints": ["It is in Canis Major.", "Its nickname is the Dog Star."],
    "skills": ["stars"],
    "difficulty": 2,
}
NUM_QUESTION = {
    "type": "numeric",
    "text": "How many light-years are in a parsec?",
    "answers": [{"value": 3.26, "tolerance": 0.01}],
    "explanation": "About 3.26.",
    "skills": ["distances"],
    "difficulty": 3,
}


async def make_course(
    client: httpx.AsyncClient, school: School, *, slug: str = "sky", published: bool = True
) -> dict[str, Any]:
    """A course with two skills, one module, two lessons and three questions."""
    h = school.mentor.headers
    course = ok(await client.post(f"{API}/courses", json={"slug": slug, "title": "The sky"}, headers=h), 201)
    cid = course["id"]
    ok(
        await client.put(
            f"{API}/courses/{cid}/skills",
            json=[{"slug": "stars", "name": "Stars"}, {"slug": "distances", "name": "Distances"}],
            headers=h,
        )
    )
    module = ok(await client.post(f"{API}/courses/{cid}/modules", json={"title": "Stars"}, headers=h), 201)
    lessons = [
        ok(
            await client.post(
                f"{API}/modules/{module['id']}/lessons",
                json={
                    "slug": "brightness",
                    "title": "Brightness of stars",
                    "body": "# Magnitudes\n\nSirius is the brightest star; Betelgeuse is red.",
                    "skills": ["stars"],
                },
                headers=h,
            ),
            201,
        ),
        ok(
            await client.post(
                f"{API}/modules/{module['id']}/lessons",
                json={
                    "slug": "parsecs",
                    "title": "Parsecs",
                    "body": "A parsec is about 3.26 light-years.",
                    "skills": ["distances"],
                },
                headers=h,
            ),
            201,
        ),
    ]
    questions = [
        ok(
            await client.post(f"{API}/courses/{cid}/questions", json={"key": k, "question": q}, headers=h),
            201,
        )
        for k, q in (("tf", TF_QUESTION), ("sc", SC_QUESTION), ("num", NUM_QUESTION))
    ]
    if published:
        ok(await client.patch(f"{API}/courses/{cid}", json={"published": True}, headers=h))
    return {"course": course, "module": module, "lessons": lessons, "questions": questions}
