"""What one answer save and one delivered event cost, in process: CPU time and SQL statements.

Throughput over HTTP depends on what else runs on the machine; CPU time and statement counts of the same
work, measured sequentially in one process, depend on it much less. The app runs in process (the same
stack as `bench/answers.py`, driven through httpx's ASGI transport, whose own cost is included): demo
course, learners in practice attempts, `--requests` answer saves timed one after the other, then the
`AnswerGraded` events they recorded delivered to the learning engine in one drain.

    .venv/bin/python bench/answer_cost.py --db postgresql [--requests 300]
    .venv/bin/python bench/answer_cost.py --db sqlite

Output lines: ``BENCH <name> <value> <unit>``, then the statements of a request and of an event.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a module named `http`: keep the folder off the import path, the project root on it.
_BENCH_DIR = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _BENCH_DIR)]
sys.path.insert(0, str(Path(_BENCH_DIR).parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.answers import DEMO, PG_ADMIN, REDIS_URL, _answer, _pg  # noqa: E402
from bench.support import bench_line  # noqa: E402


async def run(db: str, requests: int) -> None:
    from starguide.app import create_app
    from starguide.config import Settings
    from starguide.migrations import runner

    folder = Path(tempfile.mkdtemp(prefix="starguide-cost-"))
    name = None
    if db == "postgresql":
        name = f"starguide_bench_cost_{secrets.token_hex(3)}"
        await _pg(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    settings = Settings(
        environment="test",
        data_dir=folder,
        database_url=url,
        redis_url=REDIS_URL if db == "postgresql" else None,
        secret_key=secrets.token_urlsafe(48),
        encryption_key=secrets.token_urlsafe(48),
        access_log=False,
        log_json=False,
        rate_limit_ip="100000000/minute",
        rate_limit_user="100000000/minute",
        rate_limit_auth="100000/minute",
        rate_limit_signup="100000/minute",
        run_jobs_in_process=True,
        require_email_verification=False,
        password_hash_time_cost=1,
        password_hash_memory_kib=64,
        password_hash_parallelism=1,
    )
    await runner.upgrade(settings)
    app = create_app(settings, background=False)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    runtime = app.state.runtime
    statements: Counter[str] = Counter()

    @event.listens_for(runtime.db.engine.sync_engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        statements[" ".join(statement.split())[:60]] += 1

    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:

            async def call(method: str, path: str, body: Any = None, token: str | None = None) -> Any:
                headers = {"content-type": "application/json"}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                content = None if body is None else json.dumps(body)
                response = await client.request(method, path, content=content, headers=headers)
                assert response.status_code < 300, (path, response.status_code, response.text)
                return response.json() if response.content else None

            tag = secrets.token_hex(3)
            login = {"email": f"admin-{tag}@example.org", "password": f"pw-{tag}-Secret!"}
            admin = await call("POST", "/api/v1/auth/signup", {**login, "display_name": "Admin"})
            org = await call(
                "POST",
                "/api/v1/orgs",
                {"name": "Bench", "slug": f"b-{tag}", "time_zone": "UTC"},
                admin["access_token"],
            )
            token = (await call("POST", "/api/v1/auth/login", {**login, "organisation_id": org["id"]}))[
                "access_token"
            ]
            course = (await call("POST", "/api/v1/courses/import", json.loads(DEMO.read_text()), token))[
                "course"
            ]
            policy = {"mode": "practice", "draws": [{"count": 40}], "feedback_policy": "immediately"}
            practice = await call(
                "POST",
                "/api/v1/assessments",
                {"course_id": course["id"], "title": "Practice", "published": True, "policy": policy},
                token,
            )
            invitation = await call(
                "POST", "/api/v1/org/invitations", {"role": "learner", "expires_in_days": 1}, token
            )
            entries = []
            for n in range(4):
                learner = (
                    await call(
                        "POST",
                        "/api/v1/auth/signup",
                        {
                            "email": f"learner-{n}-{tag}@example.org",
                            "password": f"pw-{tag}-Secret!",
                            "display_name": f"Learner {n}",
                            "invitation_token": invitation["token"],
                        },
                    )
                )["access_token"]
                await call("POST", f"/api/v1/courses/{course['id']}/enrolment", None, learner)
                attempt = await call("POST", f"/api/v1/assessments/{practice['id']}/attempts", None, learner)
                for q in attempt["questions"]:
                    path = f"/api/v1/attempts/{attempt['id']}/answers/{q['question_id']}"
                    entries.append((learner, path, json.dumps({"answer": _answer(q)})))

            async def save(entry: tuple[str, str, str]) -> None:
                headers = {"Authorization": "Bearer " + entry[0], "content-type": "application/json"}
                response = await client.put(entry[1], content=entry[2], headers=headers)
                assert response.status_code == 200, response.text

            for entry in entries[:20]:  # warm-up: connections, statement caches, parsed questions
                await save(entry)
            await runtime.dispatcher.drain()

            statements.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            for k in range(requests):
                await save(entries[k % len(entries)])
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            bench_line(f"answer_cost_{db}_request_cpu", 1000 * cpu / requests, "ms")
            bench_line(f"answer_cost_{db}_request_wall", 1000 * wall / requests, "ms")
            bench_line(f"answer_cost_{db}_request_statements", statements.total() / requests, "statements")
            for text, count in statements.most_common(8):
                print(f"  {count / requests:5.2f}  {text}")

            statements.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            delivered = max(1, await runtime.dispatcher.drain())
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            bench_line(f"answer_cost_{db}_event_cpu", 1000 * cpu / delivered, "ms")
            bench_line(f"answer_cost_{db}_event_wall", 1000 * wall / delivered, "ms")
            bench_line(f"answer_cost_{db}_event_statements", statements.total() / delivered, "statements")
            for text, count in statements.most_common(8):
                print(f"  {count / delivered:5.2f}  {text}")
    finally:
        await lifespan.__aexit__(None, None, None)
        if name:
            await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.db, args.requests))


if __name__ == "__main__":
    main()
