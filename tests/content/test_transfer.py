"""Course import/export through the database, GIFT upload, and the demo course seeder."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from starguide.content.demo import DEMO_FILE, demo_course, seed_demo_course
from starguide.content.exchange import dumps_course
from starguide.content.models import Course, Enrolment
from starguide.orgs.demo import DemoData, DemoUser
from starguide.orgs.models import Role
from tests.content.support import API, make_course, make_school, ok
from tests.content.test_gift import DATA


async def test_demo_course_round_trips_exactly_through_the_database(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    result = ok(await client.post(f"{API}/courses/import", json=document, headers=school.mentor.headers), 201)
    assert (result["modules"], result["lessons"], result["skills"], result["questions"]) == (5, 14, 13, 105)
    exported = ok(
        await client.get(f"{API}/courses/{result['course']['id']}/export", headers=school.mentor.headers)
    )
    assert exported == document
    again = await client.post(f"{API}/courses/import", json=document, headers=school.mentor.headers)
    assert again.status_code == 409
    copy = ok(
        await client.post(
            f"{API}/courses/import",
            params={"slug": "night-sky-2"},
            json=document,
            headers=school.mentor.headers,
        ),
        201,
    )
    assert copy["course"]["slug"] == "night-sky-2"


async def test_import_refuses_bad_documents_and_learners(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    document["course"]["questions"][0]["question"]["skills"] = ["no-such-skill"]
    bad = await client.post(f"{API}/courses/import", json=document, headers=school.mentor.headers)
    assert bad.status_code == 422
    assert "unknown skill 'no-such-skill'" in bad.text
    learner = await client.post(f"{API}/courses/import", json=document, headers=school.learner.headers)
    assert learner.status_code == 403


async def test_export_after_editing_and_archiving(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    cid = built["course"]["id"]
    h = school.mentor.headers
    tf = built["questions"][0]
    ok(await client.delete(f"{API}/questions/{tf['id']}", headers=h), 204)
    body = {**built["questions"][1]["question"], "difficulty": 4}
    ok(await client.put(f"{API}/questions/{built['questions'][1]['id']}", json={"question": body}, headers=h))
    exported = ok(await client.get(f"{API}/courses/{cid}/export", headers=h))
    keys = [q["key"] for q in exported["course"]["questions"]]
    assert keys == ["sc", "num"]
    assert exported["course"]["questions"][0]["question"]["difficulty"] == 4
    listed = ok(await client.get(f"{API}/courses/{cid}/questions", params={"skill": "stars"}, headers=h))
    assert [q["key"] for q in listed["items"]] == ["sc"]
    archived = ok(await client.get(f"{API}/courses/{cid}/questions", params={"archived": True}, headers=h))
    assert [q["key"] for q in archived["items"]] == ["tf"]


async def test_gift_upload_imports_all_or_reports_every_error(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    built = await make_course(client, school)
    url = f"{API}/courses/{built['course']['id']}/questions/gift"
    headers = school.mentor.headers
    source = (DATA / "night_sky.gift").read_text(encoding="utf-8")
    good = ok(await client.post(url, json={"source": source}, headers=headers), 201)
    assert good["created"] == 14
    broken = (DATA / "broken.gift").read_text(encoding="utf-8")
    bad = await client.post(url, json={"source": broken}, headers=headers)
    assert bad.status_code == 422
    assert [e["line"] for e in bad.json()["gift_errors"]] == [3, 5, 7, 9, 11, 13, 15, 17, 21]
    listed = ok(
        await client.get(f"{API}/courses/{built['course']['id']}/questions", headers=school.mentor.headers)
    )
    assert listed["total"] == 3 + 14  # nothing from the broken file
    empty = await client.post(url, json={"source": ""}, headers=headers)
    assert empty.status_code == 422


def _person(account: Any, role: Role) -> DemoUser:
    return DemoUser(account.user_id, account.email, account.password, "Demo", role)


async def test_seed_demo_course_is_safe_to_run_twice(harness: Any) -> None:
    client = harness.client
    school = await make_school(client)
    demo = DemoData(
        organisation_id=school.org.id,
        organisation_slug=school.org.slug,
        admin=_person(school.admin, Role.ORG_ADMIN),
        mentor=_person(school.mentor, Role.MENTOR),
        learners=(_person(school.learner, Role.LEARNER), _person(school.other_learner, Role.LEARNER)),
        created=True,
    )
    for _ in range(2):
        async with harness.runtime.db.session() as session:
            await seed_demo_course(session, demo)
    async with harness.runtime.db.session(write=False) as session:
        courses = await session.scalar(select(func.count()).where(Course.organisation_id == school.org.id))
        enrolments = await session.scalar(
            select(func.count()).where(Enrolment.organisation_id == school.org.id)
        )
    assert (courses, enrolments) == (1, 2)
    listed = ok(await client.get(f"{API}/courses", headers=school.learner.headers))
    course = listed["items"][0]
    assert (course["title"], course["enrolled"]) == ("Astronomy: the night sky", True)
    exported = ok(await client.get(f"{API}/courses/{course['id']}/export", headers=school.mentor.headers))
    assert json.dumps(exported, indent=2, ensure_ascii=False) + "\n" == dumps_course(demo_course())
    hits = ok(
        await client.get(f"{API}/search", params={"q": "eclipse saros"}, headers=school.learner.headers)
    )
    assert hits["hits"][0]["title"] == "Eclipses of the Sun and the Moon"
