"""Learning engine throughput on SQLite: graded answers through the outbox into XP, streaks and badges.

Two figures from the same run, on the same database file:

- baseline: the raw outbox rate, events recorded and delivered to a subscriber that does nothing;
- learning: the same number of `AnswerGraded` events recorded and delivered to the learning engine
  (review card, mastery, counters, XP ledger with daily caps, daily goal, streak, level, badges).

    PYTHONPATH=src python bench/learning_throughput.py [--events 1000] [--learners 50] [--default-gc]

On SQLite the outbox is delivered in the served process (embedded mode), which settles its garbage
collector after start-up (`app.settle_garbage_collector`: start-up objects frozen, rarer young
collections); the bench does the same after its warm-up, before both timed parts, unless
`--default-gc` keeps Python's defaults (full collections then walk every object of the process and
land at random in one part or the other). The database is opened as the app opens it (WAL,
synchronous=NORMAL, foreign keys; checked below).

Output lines: ``BENCH <name> <value> <unit>``. Seeded, stops by itself (a few tens of seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the standard library's `http` for a script run from this folder.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from starguide.app import settle_garbage_collector  # noqa: E402
from starguide.config import Settings  # noqa: E402
from starguide.kit.events import AnswerGraded  # noqa: E402
from starguide.kit.outbox import Dispatcher, record_event  # noqa: E402
from starguide.migrations import runner  # noqa: E402
from starguide.runtime import Runtime  # noqa: E402


def _settings(folder: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=folder,
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        secret_key="bench-secret-" + "s" * 40,
        encryption_key="bench-encryption-" + "e" * 40,
        log_json=False,
        access_log=False,
        rate_limits_enabled=False,
        run_jobs_in_process=True,
    )


async def _setup_org(runtime: Runtime, learners: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    from starguide.auth.models import User
    from starguide.orgs.models import Membership, Organisation

    org = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(learners)]
    async with runtime.db.session() as s:
        s.add(Organisation(id=org, name="Bench", slug=f"bench-{org.hex[:8]}", time_zone="UTC", settings={}))
        for i, user in enumerate(users):
            s.add(
                User(
                    id=user,
                    email=f"bench-{i}-{user.hex[:6]}@example.org",
                    display_name=f"Learner {i}",
                    time_zone=random.choice(["UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York"]),
                    password_hash="-",
                )
            )
        await s.flush()
        for user in users:
            s.add(Membership(organisation_id=org, user_id=user, role="learner"))
    return org, users


def _events(org: uuid.UUID, users: list[uuid.UUID], n: int, rng: random.Random) -> list[AnswerGraded]:
    """A realistic mix: several days, repeats of questions, a few skills and courses, hints now and then."""
    start = datetime.now(UTC) - timedelta(days=10)
    questions = [uuid.uuid4() for _ in range(200)]
    skills = [f"skill-{k}" for k in range(12)]
    courses = [uuid.uuid4() for _ in range(3)]
    out = []
    for i in range(n):
        q = rng.randrange(len(questions))
        correct = rng.random() < 0.7
        out.append(
            AnswerGraded(
                organisation_id=org,
                user_id=users[rng.randrange(len(users))],
                attempt_id=uuid.uuid4(),
                assessment_id=uuid.uuid4(),
                course_id=courses[q % len(courses)],
                question_id=questions[q],
                question_version=1,
                question_type="single_choice",
                skills=[skills[q % len(skills)]],
                difficulty=rng.randint(1, 5),
                status="graded",
                score=1.0 if correct else 0.0,
                correct=correct,
                first_try=rng.random() < 0.8,
                mode="practice",
                hints_shown=1 if rng.random() < 0.15 else 0,
                time_taken_seconds=rng.uniform(2.0, 60.0),
                occurred_at=start + timedelta(seconds=i * 10 * 86_400 / n),
            )
        )
    return out


async def _record(runtime: Runtime, events: list[AnswerGraded], chunk: int = 200) -> None:
    for i in range(0, len(events), chunk):
        async with runtime.db.session() as s:
            for e in events[i : i + chunk]:
                record_event(s, e)


async def _noop(session: AsyncSession, event: Any) -> None:
    del session, event


async def _check_pragmas(runtime: Runtime) -> None:
    async with runtime.db.session(write=False) as s:
        journal = (await s.execute(text("PRAGMA journal_mode"))).scalar()
        synchronous = (await s.execute(text("PRAGMA synchronous"))).scalar()
    assert (journal, synchronous) == ("wal", 1), f"journal_mode={journal} synchronous={synchronous}"


async def run(events: int, learners: int, seed: int, settle_gc: bool = True) -> dict[str, float]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        settings = _settings(Path(folder))
        await runner.upgrade(settings)
        runtime = Runtime.build(settings)
        await runtime.start(background=False)
        try:
            org, users = await _setup_org(runtime, learners)
            # Warm-up (connections, statement caches) outside the timed parts.
            await _record(runtime, _events(org, users, 50, rng))
            await runtime.dispatcher.drain()
            await _check_pragmas(runtime)
            if settle_gc:
                settle_garbage_collector()

            baseline = Dispatcher(runtime.db, batch=200)
            baseline.subscribe(AnswerGraded, "bench.noop", _noop)
            batch = _events(org, users, events, rng)
            t0 = time.perf_counter()
            await _record(runtime, batch)
            await baseline.drain()
            base_seconds = time.perf_counter() - t0

            batch = _events(org, users, events, rng)
            t0 = time.perf_counter()
            await _record(runtime, batch)
            delivered = await runtime.dispatcher.drain()
            learn_seconds = time.perf_counter() - t0
            assert delivered >= events, f"delivered {delivered} of {events}"
        finally:
            await runtime.stop()
    return {
        "baseline_events_per_s": events / base_seconds,
        "learning_events_per_s": events / learn_seconds,
        "learning_ms_per_event": 1000 * learn_seconds / events,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="learning engine throughput on SQLite")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--default-gc", action="store_true", help="keep Python's default garbage collector")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.events, args.learners, args.seed, settle_gc=not args.default_gc))
    print(f"BENCH learning_throughput.baseline_outbox_noop {result['baseline_events_per_s']:.0f} events/s")
    print(f"BENCH learning_throughput.learning_engine {result['learning_events_per_s']:.0f} events/s")
    print(f"BENCH learning_throughput.learning_latency {result['learning_ms_per_event']:.2f} ms/event")
    print("BENCH learning_throughput.target 2000 events/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
